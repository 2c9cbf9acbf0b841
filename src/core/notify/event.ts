// A notification event: what happened, to what, and which notice it is. This is the body of a webhook
// (format json), the JSON on an exec program's stdin and the source of an email's text; its shape is the
// public contract schemas/notification-event.schema.json (version NOTIFICATION_EVENT_VERSION).
import type { NotifierEvent } from '../model.js';

/** Bumped when a field changes meaning or disappears; new optional fields do not bump it. */
export const NOTIFICATION_EVENT_VERSION = 1;

/** Every event type: the alerts a notifier subscribes to, and their recovery notices. */
export const EVENT_TYPES = [
  'run-failed', 'run-recovered',
  'definition-late', 'definition-on-time',
  'verify-failed', 'verify-recovered',
  'restore-failed', 'restore-finished',
  'apply-failed', 'apply-recovered',
  // A WAL archive the server receives is failing (evaluate-alerts.ts), and healthy again.
  'wal-archive-lagging', 'wal-archive-recovered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * alert: a state turned bad. reminder: it is still bad (the alert, repeated). recovery: it is good again.
 * info: an outcome with no state (a restore finished or failed).
 */
export type Notice = 'alert' | 'reminder' | 'recovery' | 'info';

/** Families: the state kept per subject, and the alert a notifier subscribes to for each event type. */
export type Family = 'run' | 'late' | 'verify' | 'apply' | 'wal';

export const ALERT_OF: Readonly<Record<EventType, NotifierEvent>> = {
  'run-failed': 'run-failed', 'run-recovered': 'run-failed',
  'definition-late': 'definition-late', 'definition-on-time': 'definition-late',
  'verify-failed': 'verify-failed', 'verify-recovered': 'verify-failed',
  'restore-failed': 'restore-failed', 'restore-finished': 'restore-finished',
  'apply-failed': 'apply-failed', 'apply-recovered': 'apply-failed',
  'wal-archive-lagging': 'wal-archive-lagging', 'wal-archive-recovered': 'wal-archive-lagging',
};

/** The alert and recovery event types of each family. */
export const FAMILY_EVENTS: Readonly<Record<Family, { alert: EventType; recovery: EventType }>> = {
  run: { alert: 'run-failed', recovery: 'run-recovered' },
  late: { alert: 'definition-late', recovery: 'definition-on-time' },
  verify: { alert: 'verify-failed', recovery: 'verify-recovered' },
  apply: { alert: 'apply-failed', recovery: 'apply-recovered' },
  wal: { alert: 'wal-archive-lagging', recovery: 'wal-archive-recovered' },
};

/** What the event is about; only the fields that apply are present. */
export interface EventSubject {
  definition?: string;
  node?: string;
  backupServer?: string;
  database?: string;
  runId?: string;
  restoreId?: string;
  revision?: string;
}

export interface NotificationEvent {
  version: typeof NOTIFICATION_EVENT_VERSION;
  /** Same for every notifier the event goes to; the delivery's idempotency key is `<id>@<notifier>`. */
  id: string;
  type: EventType;
  notice: Notice;
  severity: 'critical' | 'warning' | 'ok' | 'info';
  /** ISO 8601: when the event was raised (a reminder: when it was raised again). */
  occurredAt: string;
  /** ISO 8601: since when the state is bad (alerts and reminders), or was bad (recoveries). */
  badSince?: string;
  /** One line for people (the text of a Slack message, an email subject). */
  summary: string;
  /** More words: a failure's reason, what is late since when. */
  detail?: string;
  subject: EventSubject;
}

/** The idempotency key of an event's delivery through one notifier. */
export function idempotencyKey(eventId: string, notifier: string): string {
  return `${eventId}@${notifier}`;
}
