// The exec channel: runs the notifier's program without a shell, the event as PGBACKOPS_EVENT_* variables
// and as JSON on its standard input; exit status 0 is a delivery. Killed (its process group) past its timeout.
import { spawn } from 'node:child_process';
import type { ExecChannel } from '../../core/model.js';
import type { NotificationEvent } from '../../core/notify/event.js';
import { eventEnvironment } from '../../core/notify/render.js';

const STDERR_KEPT = 2000;

export function sendExec(channel: ExecChannel, event: NotificationEvent, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = channel.argv;
    const child = spawn(file!, args, {
      env: { ...process.env, ...eventEnvironment(event, key) },
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let timedOut = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, channel.timeoutSeconds * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`exec notifier ${file} could not start: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`exec notifier ${file} was killed after ${channel.timeoutSeconds}s`));
      if (code === 0) return resolve();
      reject(new Error(`exec notifier ${file} exited with ${code ?? signal}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
    // A program that does not read its input must not fail the delivery with EPIPE.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify(event));
  });
}
