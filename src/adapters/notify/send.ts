// Sends one event through a notifier's channel.
import type { NotifierSpec } from '../../core/model.js';
import type { NotificationEvent } from '../../core/notify/event.js';
import { sendEmail } from './email.js';
import { sendExec } from './exec.js';
import { sendWebhook } from './webhook.js';

export async function sendNotification(notifier: NotifierSpec, event: NotificationEvent, key: string): Promise<void> {
  if (notifier.webhook) return sendWebhook(notifier.webhook, event, key);
  if (notifier.email) return sendEmail(notifier.email, event, key);
  if (notifier.exec) return sendExec(notifier.exec, event, key);
  throw new Error('the notifier has no channel');
}
