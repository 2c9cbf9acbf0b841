// Which notifiers hear about a definition, and whether a notifier wants an event. A Backup's own
// `notifiers` replace its node's, and a node's replace its server's (an empty list means none), so a server
// sets the default for every definition of its nodes. See docs/monitoring.md#notifications.
import type { BackupServerSpec, BackupSpec, NodeSpec, NotifierSpec } from '../model.js';
import { ALERT_OF, type EventType } from './event.js';

export function notifiersOf(
  backup: Pick<BackupSpec, 'notifiers'> | undefined,
  node: Pick<NodeSpec, 'notifiers'> | undefined,
  server: Pick<BackupServerSpec, 'notifiers'> | undefined,
): string[] {
  return backup?.notifiers ?? node?.notifiers ?? server?.notifiers ?? [];
}

/** A notifier subscribes to alerts; each brings its reminders and its recovery notice. */
export function wants(notifier: Pick<NotifierSpec, 'events'>, type: EventType): boolean {
  return notifier.events.includes(ALERT_OF[type]);
}
