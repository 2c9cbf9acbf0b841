// Terraform-like text rendering of a plan: + create, ~ update, - delete, ! blocked, then a summary line.
import type { BackupServerSpec, BackupSpec, NodeSpec, NotifierSpec, RestoreSpec, RetentionSpec, SnapshotSpec } from '../model.js';
import { canonicalJson } from '../canonical.js';
import { planHasPendingWork, type ObjectAction, type Plan, type ScheduleAction } from '../plan/types.js';
import type { Style } from './style.js';

export function renderPlanText(plan: Plan, style: Style): string {
  const out: string[] = [];
  const objects = plan.objectActions;
  out.push(style.bold(`Configuration revision ${shortRevision(plan.revision)}, catalog version ${plan.catalogVersion}`));
  if (plan.refusal) {
    out.push('', style.remove(`Refused (${plan.refusal.code}): ${plan.refusal.message}`));
  }
  if (objects.length > 0) {
    out.push('', 'Catalog:');
    for (const a of objects) out.push(...renderObjectAction(a, style));
  }
  if (plan.schedule) {
    if (plan.scheduleActions.length > 0 || plan.schedule.problems.length > 0) {
      out.push('', `Schedule of ${plan.server} (${plan.schedule.target}):`);
      for (const a of plan.scheduleActions) out.push(renderScheduleAction(a, style));
      for (const p of plan.schedule.problems) out.push(style.change(`  ~ ${p}`) + style.warn(' [drift]'));
    }
  } else if (plan.serverNote) {
    out.push('', style.dim(`Schedule: ${plan.serverNote}`));
  }
  const expiring = (plan.retentionPreview ?? []).filter((r) => r.expiring > 0);
  if (expiring.length > 0) {
    out.push('', `Retention on ${plan.server} after this plan (\`pgbackops prune\` removes these; apply does not):`);
    for (const r of expiring) out.push(style.remove(`  - ${r.definition} ${r.database ?? '(cluster)'}: ${r.expiring} of ${r.kept + r.expiring} backup(s) would expire`));
  }
  out.push('', summaryLine(plan, style));
  return out.join('\n') + '\n';
}

export function summaryLine(plan: Plan, style: Style): string {
  const s = plan.summary;
  if (objectsAndScheduleEmpty(plan)) return style.bold('No changes. The catalog and the schedule match the configuration.');
  const parts = [
    `${s.create} to create`, `${s.update} to update`, `${s.delete} to delete`,
  ];
  if (s.blocked > 0) parts.push(style.warn(`${s.blocked} blocked`));
  const schedule = plan.schedule
    ? `; schedule: ${s.scheduleAdd} to add, ${s.scheduleChange} to change, ${s.scheduleRemove} to remove${s.drift > 0 ? ` (${s.drift} drift)` : ''}${plan.schedule.problems.length > 0 ? `, ${plan.schedule.problems.length} file problem(s) to fix` : ''}`
    : '';
  return style.bold(`Plan: ${parts.join(', ')}${schedule}.`);
}

function objectsAndScheduleEmpty(plan: Plan): boolean {
  return !planHasPendingWork(plan);
}

function renderObjectAction(a: ObjectAction, style: Style): string[] {
  const label = `${a.kind} ${a.name}`;
  if (a.blocked) {
    return [style.warn(`  ! ${label}: ${a.op} blocked: ${a.blocked}`)];
  }
  switch (a.op) {
    case 'create':
      return [style.add(`  + ${label}`) + style.dim(`  ${describeSpec(a.kind, a.after)}`)];
    case 'delete':
      return [style.remove(`  - ${label}`), ...noteLine(a, style)];
    case 'update': {
      const before = (a.before ?? {}) as Record<string, unknown>;
      const after = (a.after ?? {}) as Record<string, unknown>;
      return [
        style.change(`  ~ ${label}`),
        ...(a.changedFields ?? []).map((f) => style.change(`      ${f}: ${compact(before[f])} -> ${compact(after[f])}`)),
        ...noteLine(a, style),
      ];
    }
  }
}

function noteLine(a: ObjectAction, style: Style): string[] {
  return a.note ? [style.dim(`      note: ${a.note}`)] : [];
}

function renderScheduleAction(a: ScheduleAction, style: Style): string {
  const drift = a.drift ? style.warn(' [drift]') : '';
  switch (a.op) {
    case 'add':
      return style.add(`  + ${a.name}  ${a.after?.schedule}`) + drift + style.dim(`  (${a.reason})`);
    case 'change':
      return style.change(`  ~ ${a.name}  ${a.before?.schedule} -> ${a.after?.schedule}`) + drift + style.dim(`  (${a.reason})`);
    case 'remove':
      return style.remove(`  - ${a.name}  ${a.before?.schedule ?? ''}`) + drift + style.dim(`  (${a.reason})`);
  }
}

/** One line that says what an object is, for create lines. */
function describeSpec(kind: string, spec: unknown): string {
  switch (kind) {
    case 'Backup': {
      const b = spec as BackupSpec;
      const dbs = b.databases === 'all' ? `all${b.exclude.length ? ` except ${b.exclude.join(',')}` : ''}` : b.databases.join(',');
      return `${b.type} of ${dbs} on ${b.node}, "${b.resolvedSchedule}" ${b.timezone}, ${b.format}${b.enabled ? '' : ', disabled'}`;
    }
    case 'Node': {
      const n = spec as NodeSpec;
      return `${n.user}@${n.host}:${n.port} -> ${n.backupServer}${n.status === 'stopped' ? ', stopped' : ''}`;
    }
    case 'BackupServer': {
      const s = spec as BackupServerSpec;
      return `${s.host}, ${s.scheduler.type}${s.scheduler.file ? ` ${s.scheduler.file}` : ''}, root ${s.backupRoot}`;
    }
    case 'Retention':
      return compact(spec as RetentionSpec);
    case 'Notifier': {
      const n = spec as NotifierSpec;
      const channel = n.webhook ? `webhook ${n.webhook.url ?? `(url in ${n.webhook.urlFile})`}` : n.email ? `email to ${n.email.to.join(',')}` : `exec ${n.exec?.argv[0] ?? ''}`;
      return `${channel}; ${n.events.join(',')}; reminders ${n.remindEvery === 'off' ? 'off' : `every ${n.remindEvery}`}`;
    }
    case 'Snapshot': {
      const sn = spec as SnapshotSpec;
      const dbs = sn.databases === 'all' ? 'all' : sn.databases.join(',');
      return `once ${sn.at ?? 'as soon as applied'}: ${sn.type} of ${dbs} on ${sn.node}, kept ${sn.keepFor}`;
    }
    case 'Restore': {
      const r = spec as RestoreSpec;
      const from = 'backup' in r.from ? `backup ${r.from.backup}` : `latest of ${r.from.latestOf}${r.from.database ? `/${r.from.database}` : ''}`;
      return `once ${r.at ?? 'as soon as applied'}: ${from} -> ${r.toNode}${r.database ? `/${r.database}` : ''}`;
    }
    default:
      return '';
  }
}

function compact(value: unknown): string {
  return value === undefined ? '(unset)' : canonicalJson(value);
}

export function shortRevision(revision: string): string {
  return revision.length > 12 ? revision.slice(0, 12) : revision;
}
