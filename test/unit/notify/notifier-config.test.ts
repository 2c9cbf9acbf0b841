// The Notifier kind in the configuration, and the pure notification rules.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config/validate.js';
import { findSecrets } from '../../../src/core/config/secrets.js';
import { notifiersOf, wants } from '../../../src/core/notify/notifiers-of.js';
import { transition } from '../../../src/core/notify/transition.js';
import { reminderDue } from '../../../src/core/notify/reminders.js';
import { retryDelayMs } from '../../../src/core/notify/backoff.js';
import { signatureHeader, verifySignature } from '../../../src/core/notify/signature.js';
import { eventEnvironment, webhookBody } from '../../../src/core/notify/render.js';
import type { NotificationEvent } from '../../../src/core/notify/event.js';
import type { NotifierSpec } from '../../../src/core/model.js';

const BASE = `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec: { host: backup01.example.org, backupRoot: /srv/b, notifiers: [ops] }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: pg1.example.org, backupServer: backup01 }
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: nightly }
spec: { node: pg1, databases: [app], schedule: "0 1 * * *", retention: { keepLast: 3 }, notifiers: [pager] }
`;

function notifier(name: string, spec: string): string {
  return `---\napiVersion: pgbackops/v1\nkind: Notifier\nmetadata: { name: ${name} }\nspec:\n${spec.trim().split('\n').map((l) => `  ${l}`).join('\n')}\n`;
}

function validate(text: string) {
  return validateConfig([{ path: 'c.yaml', text }]);
}

describe('the Notifier kind', () => {
  it('is normalised with its defaults, and referenced from a server and a definition', () => {
    const result = validate(BASE
      + notifier('ops', 'webhook: { url: "https://alerts.example.org/x", secretFile: /etc/pgbackops/hook.secret }')
      + notifier('pager', 'events: [definition-late, run-failed]\nremindEvery: "off"\nexec: { argv: [/usr/local/bin/page, --team, dba] }'));
    expect(result.diagnostics).toEqual([]);
    const ops = result.config!.objects.find((o) => o.kind === 'Notifier' && o.name === 'ops')!;
    expect(ops.spec).toEqual({
      events: ['run-failed', 'definition-late', 'verify-failed', 'restore-failed', 'restore-finished', 'apply-failed', 'wal-archive-lagging'],
      remindEvery: '24h',
      webhook: { url: 'https://alerts.example.org/x', secretFile: '/etc/pgbackops/hook.secret', format: 'json', timeoutSeconds: 10 },
    });
    const pager = result.config!.objects.find((o) => o.name === 'pager')!;
    // Events in one fixed order: reordering the list changes nothing.
    expect(pager.spec).toMatchObject({ events: ['run-failed', 'definition-late'], remindEvery: 'off', exec: { timeoutSeconds: 30 } });
  });

  it('reports unknown notifiers, channels and paths at their positions', () => {
    const result = validate(BASE
      + notifier('ops', 'webhook: { url: "https://a.example.org/", urlFile: /etc/u }\nemail: { host: smtp, from: a@b.c, to: [d@e.f], passwordFile: relative/pass }')
      + notifier('lonely', 'remindEvery: 3 days'));
    const found = result.diagnostics.map((d) => `${d.code} ${d.line} ${d.path}`);
    expect(found).toEqual(expect.arrayContaining([
      'E_REF_UNKNOWN_NOTIFIER 14 /spec/notifiers/0',
      'E_NOTIFIER_CHANNEL 21 /spec/email',
      'E_NOTIFIER_CHANNEL 20 /spec/webhook',
      'E_NOTIFIER_CHANNEL 21 /spec/email/passwordFile',
      'E_PATH_INVALID 21 /spec/email/passwordFile',
      'E_NOTIFIER_CHANNEL 26 /spec',
      'E_DURATION_INVALID 27 /spec/remindEvery',
    ]));
  });

  it('accepts secrets given as files, and still refuses them written in', () => {
    expect(findSecrets({ spec: { webhook: { secretFile: '/etc/s' }, email: { passwordFile: '/etc/p' } } })).toEqual([]);
    expect(findSecrets({ spec: { webhook: { secret: 'x' } } }).map((f) => f.code)).toEqual(['E_SECRET_FIELD']);
    expect(findSecrets({ spec: { email: { password: 'x' } } }).map((f) => f.code)).toEqual(['E_SECRET_FIELD']);
  });
});

describe('notification rules', () => {
  it('a definition has its own notifiers, else its node\'s, else its server\'s; an empty list is none', () => {
    expect(notifiersOf({ notifiers: ['a'] }, { notifiers: ['b'] }, { notifiers: ['c'] })).toEqual(['a']);
    expect(notifiersOf({}, { notifiers: ['b'] }, { notifiers: ['c'] })).toEqual(['b']);
    expect(notifiersOf({}, {}, { notifiers: ['c'] })).toEqual(['c']);
    expect(notifiersOf({ notifiers: [] }, {}, { notifiers: ['c'] })).toEqual([]);
  });

  it('an alert subscription brings its recovery notice', () => {
    const n = { events: ['run-failed'] } as Pick<NotifierSpec, 'events'>;
    expect(wants(n, 'run-failed')).toBe(true);
    expect(wants(n, 'run-recovered')).toBe(true);
    expect(wants(n, 'definition-late')).toBe(false);
  });

  it('one alert per change of state, one recovery notice', () => {
    expect(transition(null, true)).toBe('alert');
    expect(transition({ bad: true }, true)).toBeNull();
    expect(transition({ bad: true }, false)).toBe('recovery');
    expect(transition({ bad: false }, false)).toBeNull();
    expect(transition(null, false)).toBeNull();
  });

  it('numbers reminders, so each is sent once, and only the latest after a pause', () => {
    const h = 3_600_000;
    expect(reminderDue('off', 0, 100 * h)).toBeNull();
    expect(reminderDue('24h', 0, 23 * h)).toBe(0);
    expect(reminderDue('24h', 0, 24 * h)).toBe(1);
    expect(reminderDue('24h', 0, 73 * h)).toBe(3);
  });

  it('backs off exponentially up to a cap', () => {
    const policy = { baseMs: 100, maxMs: 1000, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('signs timestamp and body; a receiver refuses a replay outside its window', () => {
    const header = signatureHeader('k', 1_000_000, '{"a":1}');
    expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('k', header, '{"a":1}', 1_000_100).ok).toBe(true);
    expect(verifySignature('k', header, '{"a":2}', 1_000_100)).toEqual({ ok: false, why: 'signature mismatch' });
    expect(verifySignature('other', header, '{"a":1}', 1_000_100).ok).toBe(false);
    expect(verifySignature('k', header, '{"a":1}', 1_000_400)).toEqual({ ok: false, why: 'timestamp outside the replay window' });
  });

  it('renders the Slack/Teams text and the exec environment', () => {
    const event: NotificationEvent = {
      version: 1, id: 'run-failed/definition:n/r1', type: 'run-failed', notice: 'reminder', severity: 'critical', occurredAt: '2026-01-01T00:00:00.000Z',
      summary: 'backup n failed on pg1: app', detail: 'app: database-missing', subject: { definition: 'n', backupServer: 'b1' },
    };
    expect(JSON.parse(webhookBody(event, 'slack'))).toEqual({ text: '[CRITICAL] (reminder) pgbackops: backup n failed on pg1: app\napp: database-missing' });
    expect(JSON.parse(webhookBody(event, 'json'))).toEqual(event);
    expect(eventEnvironment(event, 'k@hook')).toMatchObject({
      PGBACKOPS_EVENT_TYPE: 'run-failed', PGBACKOPS_EVENT_NOTICE: 'reminder', PGBACKOPS_EVENT_DEFINITION: 'n', PGBACKOPS_EVENT_BACKUP_SERVER: 'b1',
      PGBACKOPS_EVENT_IDEMPOTENCY_KEY: 'k@hook',
    });
  });
});
