// Whether a process of this host still exists: how sweeps tell work left `running` by a killed process
// from work still in progress.

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "<host>:<pid>" of this process, as recorded on the work it claims. */
export function executorId(host: string): string {
  return `${host}:${process.pid}`;
}
