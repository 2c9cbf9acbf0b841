// Per backup server and node, how many definitions are in each state: the first answer to "are we covered?".
// A count is a button that shows those definitions in the list below.
import { HEALTH_STATES, type StatusPageData } from '../../src/core/reports/status-page-model.js';
import type { HealthState } from '../../src/core/reports/health-state.js';
import { el } from './dom.js';
import { windowText } from './format.js';
import { stateClass } from './states.js';

export type Show = (filter: { state: HealthState; server: string | null; node: string | null }) => void;

/** Up to this many nodes in all, every server's nodes are listed at once; beyond, a server's on request. */
const NODES_SHOWN_OPEN = 50;

export function healthGrid(data: StatusPageData, show: Show): HTMLElement {
  if (data.nodes.length === 0) return el('p', { class: 'empty' }, 'No node is configured.');
  const nodes = new Map(data.nodes.map((n) => [n.name, n]));
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Server / node'), el('th', { scope: 'col' }, 'Node status'),
    ...HEALTH_STATES.map((s) => el('th', { scope: 'col' }, s)), el('th', { scope: 'col' }, 'Restorable window'));
  const open = data.nodes.length <= NODES_SHOWN_OPEN;
  const bodies = data.servers.map((server) => {
    const body = el('tbody', { 'data-server': server.name });
    // A large fleet has a thousand nodes: their rows are built when their server is opened, not before.
    const nodeRows = () => server.nodes.map((name) => {
      const n = nodes.get(name)!;
      return el('tr', { 'data-node': name },
        el('th', { scope: 'row', class: 'node-name' }, name),
        el('td', {}, n.status),
        ...HEALTH_STATES.map((s) => countCell(n.counts[s], s, `on node ${name}`, { server: null, node: name }, show)),
        el('td', {}, n.restorableWindow === null ? el('span', { class: 'muted' }, 'no WAL archive') : windowText(n.restorableWindow)));
    });
    const toggle = el('button', { type: 'button', class: 'toggle', 'aria-expanded': String(open) },
      `Server ${server.name}`, el('span', { class: 'muted' }, ` (${server.scheduler}, ${server.nodes.length} node${server.nodes.length === 1 ? '' : 's'})`));
    const serverRow = el('tr', { class: 'server-row' },
      el('th', { scope: 'rowgroup', colspan: 2 }, toggle),
      ...HEALTH_STATES.map((s) => countCell(server.counts[s], s, `on server ${server.name}`, { server: server.name, node: null }, show)),
      el('td', {}));
    toggle.addEventListener('click', () => {
      const expand = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(expand));
      body.replaceChildren(serverRow, ...(expand ? nodeRows() : []));
    });
    body.replaceChildren(serverRow, ...(open ? nodeRows() : []));
    return body;
  });
  return el('table', { class: 'grid', id: 'health-grid' }, el('caption', { class: 'visually-hidden' }, 'Definitions per state, by backup server and node'),
    el('thead', {}, head), ...bodies);
}

function countCell(n: number, state: HealthState, where: string, scope: { server: string | null; node: string | null }, show: Show): HTMLElement {
  if (n === 0) return el('td', { class: 'count zero' }, el('span', { 'aria-label': `no ${state} definitions ${where}` }, '0'));
  const button = el('button', { type: 'button', class: `count-button ${stateClass(state)}`, 'aria-label': `${n} ${state} ${n === 1 ? 'definition' : 'definitions'} ${where}: show them`, 'data-state': state },
    n.toLocaleString('en'));
  button.addEventListener('click', () => show({ state, ...scope }));
  return el('td', { class: 'count' }, button);
}
