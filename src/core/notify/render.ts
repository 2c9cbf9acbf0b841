// The words of an event for people: the Slack/Teams-compatible webhook body, an email's subject and text.
// Pure; the versioned JSON body is the event itself.
import type { WebhookFormat } from '../model.js';
import type { NotificationEvent } from './event.js';

const MARK: Record<NotificationEvent['severity'], string> = { critical: '[CRITICAL]', warning: '[WARNING]', ok: '[OK]', info: '[INFO]' };

/** One line: severity, reminder mark, summary. */
export function eventLine(event: NotificationEvent): string {
  return `${MARK[event.severity]} ${event.notice === 'reminder' ? '(reminder) ' : ''}pgbackops: ${event.summary}`;
}

/** The webhook body in the notifier's format. */
export function webhookBody(event: NotificationEvent, format: WebhookFormat): string {
  if (format === 'slack') {
    // {"text": ...} is what Slack and Microsoft Teams incoming webhooks both accept.
    return JSON.stringify({ text: event.detail ? `${eventLine(event)}\n${event.detail}` : eventLine(event) });
  }
  return JSON.stringify(event);
}

export function emailSubject(event: NotificationEvent): string {
  return eventLine(event);
}

export function emailText(event: NotificationEvent): string {
  const lines = [event.summary, ''];
  if (event.detail) lines.push(event.detail, '');
  for (const [key, value] of Object.entries(event.subject)) lines.push(`${key}: ${value}`);
  lines.push(`event: ${event.type} (${event.notice})`, `occurred at: ${event.occurredAt}`);
  if (event.badSince) lines.push(`bad since: ${event.badSince}`);
  lines.push(`event id: ${event.id}`);
  return `${lines.join('\n')}\n`;
}

/** PGBACKOPS_EVENT_* variables for an exec notifier (the full event is on its stdin). */
export function eventEnvironment(event: NotificationEvent, idempotencyKey: string): Record<string, string> {
  const env: Record<string, string> = {
    PGBACKOPS_EVENT_VERSION: String(event.version),
    PGBACKOPS_EVENT_ID: event.id,
    PGBACKOPS_EVENT_TYPE: event.type,
    PGBACKOPS_EVENT_NOTICE: event.notice,
    PGBACKOPS_EVENT_SEVERITY: event.severity,
    PGBACKOPS_EVENT_OCCURRED_AT: event.occurredAt,
    PGBACKOPS_EVENT_SUMMARY: event.summary,
    PGBACKOPS_EVENT_IDEMPOTENCY_KEY: idempotencyKey,
  };
  if (event.badSince) env.PGBACKOPS_EVENT_BAD_SINCE = event.badSince;
  if (event.detail) env.PGBACKOPS_EVENT_DETAIL = event.detail;
  for (const [key, value] of Object.entries(event.subject)) {
    if (value !== undefined) env[`PGBACKOPS_EVENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = value;
  }
  return env;
}
