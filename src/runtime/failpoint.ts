// Crash injection for tests: with PGBACKOPS_FAILPOINT=<name> the process kills itself (SIGKILL, like
// the OOM killer or a power cut) when it reaches that point, so tests can prove the next run heals it.
// With PGBACKOPS_FAILPOINT=<name>:stop it stops itself there instead (SIGSTOP), so a test can do something
// at that exact moment (drop its catalog connections, say) and then let it go on with SIGCONT.
import { envSetting } from '../adapters/os/environment.js';

export function failpoint(name: string): void {
  const point = envSetting('failpoint');
  if (point === name) process.kill(process.pid, 'SIGKILL');
  else if (point === `${name}:stop`) process.kill(process.pid, 'SIGSTOP');
}
