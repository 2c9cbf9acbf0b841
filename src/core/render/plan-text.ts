// Terraform-like text rendering of a plan: + create, ~ update, - delete, ! blocked, then a summary line.
// A plan of more than GROUPED_PLAN_THRESHOLD actions is shown in groups with counts (action-groups.ts).
import { isLogicalSpec } from '../model.js';
import { canonicalJson } from '../canonical.js';
import { describeRecoveryTarget, recoveryTargetOfSpec } from '../restore/directory-restore.js';
import { planHasPendingWork, type ObjectAction, type Plan, type ScheduleAction } from '../plan/types.js';
import { GROUPED_PLAN_THRESHOLD, groupActions, LISTED_PER_GROUP, nodeServers, type ActionGroup, type PlacedObject } from './action-groups.js';
import { formatSpan } from '../rpo/format-span.js';
import type { RpoEffect } from '../rpo/plan-effects.js';
import type { NodeCoverage } from '../rpo/uncovered-databases.js';
import { cellName } from '../reports/format.js';
import type { Style } from './style.js';

export interface PlanTextOptions {
  /** List every action even when the plan is large enough to be shown in groups. */
  full?: boolean;
  /** The configuration's objects, so that the actions of unchanged nodes' definitions are placed by server. */
  objects?: readonly PlacedObject[];
}

export function renderPlanText(plan: Plan, style: Style, options: PlanTextOptions = {}): string {
  const out: string[] = [];
  const objects = plan.objectActions;
  const grouped = !options.full && objects.length + plan.scheduleActions.length > GROUPED_PLAN_THRESHOLD;
  out.push(style.bold(`Configuration revision ${shortRevision(plan.revision)}, catalog version ${plan.catalogVersion}`));
  if (plan.refusal) {
    out.push('', style.remove(`Refused (${plan.refusal.code}): ${plan.refusal.message}`));
  }
  if (grouped) {
    out.push('', style.dim(`${count(objects.length + plan.scheduleActions.length)} actions, in groups with the first ${LISTED_PER_GROUP} of each; --full lists every action, --json has them all.`));
  }
  if (objects.length > 0) {
    out.push('', 'Catalog:');
    if (grouped) {
      for (const group of groupActions(objects, nodeServers(objects, options.objects))) out.push(...renderGroup(group, style));
    } else {
      for (const a of objects) out.push(...renderObjectAction(a, style));
    }
  }
  if (plan.schedule) {
    if (plan.scheduleActions.length > 0 || plan.schedule.problems.length > 0) {
      out.push('', `Schedule of ${plan.server} (${plan.schedule.target}):`);
      if (grouped) {
        for (const op of ['add', 'change', 'remove'] as const) {
          const actions = plan.scheduleActions.filter((a) => a.op === op);
          if (actions.length === 0) continue;
          out.push(`  ${op} ${count(actions.length)} entr${actions.length === 1 ? 'y' : 'ies'}:`);
          for (const a of actions.slice(0, LISTED_PER_GROUP)) out.push(`  ${renderScheduleAction(a, style)}`);
          out.push(...moreLine(actions.length, style));
        }
      } else {
        for (const a of plan.scheduleActions) out.push(renderScheduleAction(a, style));
      }
      for (const p of plan.schedule.problems) out.push(style.change(`  ~ ${p}`) + style.warn(' [drift]'));
    }
  } else if (plan.serverNote) {
    out.push('', style.dim(`Schedule: ${plan.serverNote}`));
  }
  if (plan.pgbackrestConfig) out.push(...renderPgbackrestConfigChange(plan.pgbackrestConfig, style));
  const expiring = (plan.retentionPreview ?? []).filter((r) => r.expiring > 0);
  if (expiring.length > 0) {
    out.push('', `Retention on ${plan.server} after this plan (\`pgbackops prune\` removes these; apply does not):`);
    for (const r of expiring) out.push(style.remove(`  - ${r.definition} ${r.database ?? '(cluster)'}: ${r.expiring} of ${r.kept + r.expiring} backup(s) would expire`));
  }
  for (const w of plan.warnings ?? []) out.push('', style.warn(`Warning ${w.code}: ${w.message}`));
  if (plan.rpoEffects && plan.rpoEffects.length > 0) {
    out.push('', 'Worst case between backups after this plan (RPO):');
    for (const e of plan.rpoEffects) out.push(renderRpoEffect(e, style));
  }
  if (plan.nodeCoverage) {
    out.push('', 'Databases without a backup after this plan (--check-nodes):');
    if (plan.nodeCoverage.length === 0) out.push(style.dim('  no running node to ask'));
    for (const n of plan.nodeCoverage) out.push(renderNodeCoverage(n, style));
  }
  out.push('', summaryLine(plan, style));
  return out.join('\n') + '\n';
}

/** "orders (node pg-orders): worst case 25 h → 49 h"; "every database of" for databases: all and cluster dumps. */
function renderRpoEffect(e: RpoEffect, style: Style): string {
  const what = e.database === null ? `every database of ${e.definition} (node ${e.node})` : `${e.database} (node ${e.node})`;
  const breach = e.breach ? style.warn(` [rpo ${e.rpo} not met]`) : '';
  if (e.afterMs === null) return style.remove(`  - ${what}: no backup after this apply (worst case was ${formatSpan(e.beforeMs!)})`) + breach;
  if (e.beforeMs === null) return style.add(`  + ${what}: no backup before, worst case ${formatSpan(e.afterMs)} after this apply`) + breach;
  return style.change(`  ~ ${what}: worst case ${formatSpan(e.beforeMs)} → ${formatSpan(e.afterMs)}`) + breach;
}

/** "pg1: billing [no backup after this apply], scratch": every database of the node no definition backs up. */
function renderNodeCoverage(n: NodeCoverage, style: Style): string {
  if (!n.reachable) return style.warn(`  ${n.node}: unreachable: ${n.error}`);
  if (n.uncovered.length === 0) return `  ${n.node}: every database has a backup`;
  const left = new Set(n.leftUncovered);
  const names = n.uncovered.map((db) => (left.has(db) ? style.remove(`${cellName(db)} [no backup after this apply]`) : cellName(db)));
  return `  ${n.node}: ${names.join(', ')}`;
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

const GROUP_VERBS: Record<ActionGroup['op'], string> = { create: 'create', update: 'update', delete: 'delete', blocked: 'blocked' };

function renderGroup(group: ActionGroup, style: Style): string[] {
  const where = group.server === null ? '' : ` of ${group.server}`;
  const head = `  ${GROUP_VERBS[group.op]} ${count(group.actions.length)} ${group.kind}${where}:`;
  const lines = [group.op === 'blocked' ? style.warn(head) : head];
  for (const a of group.actions.slice(0, LISTED_PER_GROUP)) lines.push(...renderObjectAction(a, style).map((l) => `  ${l}`));
  return [...lines, ...moreLine(group.actions.length, style)];
}

function moreLine(total: number, style: Style): string[] {
  return total > LISTED_PER_GROUP ? [style.dim(`      ... and ${count(total - LISTED_PER_GROUP)} more`)] : [];
}

function count(n: number): string {
  return n.toLocaleString('en');
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
      return [style.add(`  + ${label}`) + style.dim(`  ${describeCreated(a)}`)];
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

/** One line that says what a created object is. */
function describeCreated(a: Extract<ObjectAction, { op: 'create' }>): string {
  switch (a.kind) {
    case 'Backup': {
      const b = a.after;
      if (b.method === 'basebackup') {
        return `basebackup of the cluster on ${b.node}, "${b.resolvedSchedule}" ${b.timezone}, ${b.compression.method}${b.enabled ? '' : ', disabled'}`;
      }
      if (!isLogicalSpec(b)) return `pgbackrest ${b.backupType} of ${b.node}, "${b.resolvedSchedule}" ${b.timezone}${b.enabled ? '' : ', disabled'}`;
      const dbs = b.databases === 'all' ? `all${b.exclude.length ? ` except ${b.exclude.join(',')}` : ''}` : b.databases.join(',');
      return `${b.type} of ${dbs} on ${b.node}, "${b.resolvedSchedule}" ${b.timezone}, ${b.format}${b.enabled ? '' : ', disabled'}`;
    }
    case 'Node': {
      const n = a.after;
      return `${n.host === undefined ? `service ${n.service}` : `${n.user}@${n.host}:${n.port}`} -> ${n.backupServer}${n.status === 'stopped' ? ', stopped' : ''}`;
    }
    case 'BackupServer': {
      const s = a.after;
      return `${s.host}, ${s.scheduler.type}${s.scheduler.file ? ` ${s.scheduler.file}` : ''}, root ${s.backupRoot}`;
    }
    case 'Retention':
      return compact(a.after);
    case 'ObjectStore': {
      const o = a.after;
      return `s3://${o.bucket}/${o.prefix} at ${o.endpoint ?? `AWS ${o.region}`}${o.storageClass ? `, ${o.storageClass}` : ''}${o.serverSideEncryption ? `, SSE ${o.serverSideEncryption.algorithm}` : ''}`;
    }
    case 'Notifier': {
      const n = a.after;
      const channel = n.webhook ? `webhook ${n.webhook.url ?? `(url in ${n.webhook.urlFile})`}` : n.email ? `email to ${n.email.to.join(',')}` : `exec ${n.exec?.argv[0] ?? ''}`;
      return `${channel}; ${n.events.join(',')}; reminders ${n.remindEvery === 'off' ? 'off' : `every ${n.remindEvery}`}`;
    }
    case 'Snapshot': {
      const sn = a.after;
      if (sn.method === 'basebackup') return `once ${sn.at ?? 'as soon as applied'}: basebackup of the cluster on ${sn.node}, kept ${sn.keepFor}`;
      if (!isLogicalSpec(sn)) return `once ${sn.at ?? 'as soon as applied'}: pgbackrest ${sn.backupType} of ${sn.node}, kept ${sn.keepFor}`;
      const dbs = sn.databases === 'all' ? 'all' : sn.databases.join(',');
      return `once ${sn.at ?? 'as soon as applied'}: ${sn.type} of ${dbs} on ${sn.node}, kept ${sn.keepFor}`;
    }
    case 'Restore': {
      const r = a.after;
      const from = 'backup' in r.from ? `backup ${r.from.backup}` : `latest of ${r.from.latestOf}${r.from.database ? `/${r.from.database}` : ''}`;
      if (r.toDir !== undefined) {
        const target = describeRecoveryTarget(recoveryTargetOfSpec(r));
        const timeline = r.targetTimeline !== undefined ? ` (timeline ${r.targetTimeline})` : '';
        const spaces = (r.tablespaceMap ? `, tablespaces ${Object.entries(r.tablespaceMap).map(([from, to]) => `${from} -> ${to}`).join(', ')}` : '')
          + (r.tablespaceMapAll !== undefined ? `, ${r.tablespaceMap ? 'other ' : ''}tablespaces under ${r.tablespaceMapAll}/<OID>` : '');
        return `once ${r.at ?? 'as soon as applied'}: ${from} -> directory ${r.toDir}, recovered to ${target === 'end' ? "the backup's end" : target}${timeline}${spaces}${r.start ? `, started on port ${r.port}` : ''}`;
      }
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

/** The pgBackRest configuration file, like a schedule: what apply writes, and a hand edit marked as drift. */
function renderPgbackrestConfigChange(config: NonNullable<Plan['pgbackrestConfig']>, style: Style): string[] {
  const { change } = config;
  switch (change.kind) {
    case 'unchanged':
      return [];
    case 'create':
      return ['', `pgBackRest configuration ${config.file}:`, style.add(`  + create with stanza(s) ${config.stanzas.join(', ') || '(none)'}`)];
    case 'foreign':
      return ['', `pgBackRest configuration ${config.file}:`, style.remove('  ! a file pgbackops did not write is there: apply leaves it alone and creates no stanza; move it away')];
    case 'update':
      return ['', `pgBackRest configuration ${config.file}:`, ...change.changedLines.map((l) => (l.startsWith('+') ? style.add(`  ${l}`) : style.remove(`  ${l}`)))];
  }
}
