// The webhook channel: POST the event (or its Slack/Teams text) with its idempotency key, signed when the
// notifier has a secret. Secrets and a secret URL are read from their files at each delivery, so a rotated
// secret is used without restarting anything.
import type { WebhookChannel } from '../../core/model.js';
import type { NotificationEvent } from '../../core/notify/event.js';
import { webhookBody } from '../../core/notify/render.js';
import { SIGNATURE_HEADER, signatureHeader } from '../../core/notify/signature.js';
import { readSecretFile } from './secret-file.js';

export async function sendWebhook(channel: WebhookChannel, event: NotificationEvent, key: string): Promise<void> {
  const url = channel.url ?? (await readSecretFile(channel.urlFile!, 'webhook urlFile')).split('\n')[0]!.trim();
  const body = webhookBody(event, channel.format);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Idempotency-Key': key,
    'X-Pgbackops-Event': event.type,
    'User-Agent': 'pgbackops',
  };
  if (channel.secretFile) headers[SIGNATURE_HEADER] = signatureHeader(await readSecretFile(channel.secretFile, 'webhook secretFile'), Math.floor(Date.now() / 1000), body);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(channel.timeoutSeconds * 1000), redirect: 'error' });
  } catch (err) {
    // Never the URL in the message: it may be a secret (urlFile).
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`webhook request failed: ${(err as Error).name === 'TimeoutError' ? `no answer within ${channel.timeoutSeconds}s` : cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  // Drain the body so the connection is released.
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
