// Crash injection for tests: with PGBACKOPS_FAILPOINT=<name> the process kills itself (SIGKILL, like
// the OOM killer or a power cut) when it reaches that point, so tests can prove the next run heals it.
export function failpoint(name: string): void {
  if (process.env.PGBACKOPS_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
