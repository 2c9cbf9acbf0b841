// The email channel: one mail per event through the notifier's SMTP server (nodemailer). The Message-ID is
// derived from the idempotency key, so a mail sent twice (a deliverer killed after sending, before recording
// it) carries the same Message-ID and is recognisable as one; the key itself is in a header too.
import { createHash } from 'node:crypto';
import type { EmailChannel } from '../../core/model.js';
import type { NotificationEvent } from '../../core/notify/event.js';
import { emailSubject, emailText } from '../../core/notify/render.js';
import { readSecretFile } from './secret-file.js';

export async function sendEmail(channel: EmailChannel, event: NotificationEvent, key: string): Promise<void> {
  // Loaded only by a deliverer that has mail to send.
  const { createTransport } = (await import('nodemailer')).default;
  const auth = channel.usernameFile && channel.passwordFile
    ? { user: await readSecretFile(channel.usernameFile, 'email usernameFile'), pass: await readSecretFile(channel.passwordFile, 'email passwordFile') }
    : undefined;
  const timeout = channel.timeoutSeconds * 1000;
  const transport = createTransport({
    host: channel.host, port: channel.port, secure: channel.secure, auth,
    connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout,
  });
  try {
    await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: emailSubject(event),
      text: emailText(event),
      messageId: messageIdOf(key),
      headers: { 'X-Pgbackops-Idempotency-Key': key, 'X-Pgbackops-Event': event.type },
    });
  } finally {
    transport.close();
  }
}

export function messageIdOf(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@pgbackops>`;
}
