// The restore plan as operators read it (what `restore --dry-run` prints, and what a restore prints before
// it starts). Pure.
import type { Style } from '../render/style.js';
import type { RestorePlan } from './restore-plan.js';

export function renderRestorePlan(plan: RestorePlan, style: Style): string {
  const b = plan.backup;
  const source = b.database === null ? 'cluster dump' : `database ${JSON.stringify(b.database)}`;
  const target = plan.targetDatabase === null ? `node ${plan.targetNode}` : `${JSON.stringify(plan.targetDatabase)} on node ${plan.targetNode}`;
  const lines = [
    style.bold(`Restore of backup ${b.runId}`),
    `  source:  ${source} of definition ${b.definition} (node ${b.node}, ${b.backupType}/${b.format}, PostgreSQL ${b.serverVersion}, taken ${b.startedAt})`,
    `  target:  ${target}`,
    '',
    'Checks:',
  ];
  for (const c of plan.checks) lines.push(`  ${c.ok ? style.add('ok  ') : style.remove('FAIL')} ${c.what}: ${c.detail}`);
  if (plan.refusals.length > 0) {
    lines.push('', style.remove(`Refused: ${plan.refusals.length} check(s) failed; nothing was changed.`));
    return `${lines.join('\n')}\n`;
  }
  lines.push('', 'Steps:');
  let n = 1;
  for (const r of plan.renames) lines.push(`  ${n++}. ${style.change('rename')} database ${JSON.stringify(r.from)} to ${JSON.stringify(r.to)}`);
  if (b.database === null) {
    const created = plan.rolesToCreate.length > 0 ? plan.rolesToCreate.map(q).join(', ') : 'none';
    lines.push(`  ${n++}. ${style.add('run')} the cluster script with psql ON_ERROR_STOP=1: creates role(s) ${created}; database(s) ${plan.databasesToCreate.map(q).join(', ') || 'none'}`);
    const skipped = [...(plan.bootstrapMapped ? [plan.bootstrapMapped] : []), ...plan.rolesReused];
    if (skipped.length > 0) lines.push(`     statements about existing role(s) ${skipped.map(q).join(', ')} are left out (reused, never altered)`);
  } else {
    if (plan.rolesToCreate.length > 0) lines.push(`  ${n++}. ${style.add('create')} role(s) ${plan.rolesToCreate.map(q).join(', ')}`);
    if (plan.rolesReused.length > 0) lines.push(`     reuse existing role(s) ${plan.rolesReused.map(q).join(', ')} as they are`);
    lines.push(`  ${n++}. ${style.add('create')} database ${q(plan.targetDatabase!)} with the source's properties, settings and privileges`);
    const how = plan.load.tool === 'pg_restore'
      ? `pg_restore --exit-on-error${plan.load.jobs > 1 ? ` --jobs=${plan.load.jobs}` : ''}`
      : 'psql ON_ERROR_STOP=1';
    lines.push(`  ${n++}. ${style.add('load')} ${plan.load.file} with ${how}`);
  }
  lines.push('  On failure: only what this restore created is dropped, and a renamed database gets its name back.');
  lines.push('', style.add('All checks passed.'));
  return `${lines.join('\n')}\n`;
}

function q(name: string): string {
  return JSON.stringify(name);
}
