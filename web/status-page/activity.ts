// What comes next and what happened aside from schedules: the next runs, one-off jobs, restores.
import type { StatusPageData } from '../../src/core/reports/status-page-model.js';
import { el, section, simpleTable } from './dom.js';
import { formatDuration, formatTime, relative } from './format.js';

export function nextRuns(data: StatusPageData): HTMLElement {
  return section('next-runs', 'Next scheduled runs',
    simpleTable('The next scheduled runs', ['When (UTC)', '', 'Definition', 'Node'],
      data.nextRuns.map((r) => [formatTime(r.at), relative(r.at, data.generatedAt), r.definition, r.node]), 'No run is scheduled.'));
}

export function oneOffs(data: StatusPageData): HTMLElement {
  return section('one-offs', 'One-off jobs',
    simpleTable('Snapshot and Restore jobs', ['Kind', 'Name', 'State', 'Due (UTC)', 'Finished (UTC)', 'Result'],
      data.oneOffs.map((j) => [j.kind, j.name, el('span', { class: `word word-${j.state}` }, j.state), formatTime(j.dueAt), formatTime(j.finishedAt), j.message ?? '']),
      'No Snapshot or Restore job is configured.'));
}

export function restores(data: StatusPageData): HTMLElement {
  return section('restores', 'Recent restores',
    simpleTable('The newest restores', ['Started (UTC)', 'Target', 'From definition', 'Purpose', 'Status', 'Took'],
      data.restores.map((r) => [
        formatTime(r.startedAt), r.targetNode === null ? `directory ${r.targetDir ?? ''}` : `${r.targetNode}/${r.targetDatabase ?? '(cluster)'}`, r.definition ?? '-', r.purpose,
        el('span', { class: `word word-${r.status}` }, r.status, r.failureReason ? `: ${r.failureReason}` : ''),
        formatDuration(r.finishedAt === null ? null : r.finishedAt - r.startedAt),
      ]), 'No restore has run.'));
}
