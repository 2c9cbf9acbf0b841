// The status page (docs/status-page.md): reads its data (inlined, by `pgbackops status --html` and by the
// daemon, whose page then fetches newer data from api/page every minute), lays it out, and records how long
// the first render took in window.__statusPage for the benchmark and the tests.
import { PAGE_DATA_ELEMENT_ID, type StatusPageData } from '../../src/core/reports/status-page-model.js';
import { nextRuns, oneOffs, restores } from './activity.js';
import { DefinitionTable, filterControls, type DefinitionFilter } from './definition-table.js';
import { DetailsDialog } from './details-dialog.js';
import { el, section } from './dom.js';
import { formatTime } from './format.js';
import { healthGrid } from './health-grid.js';
import { configuration, coverage } from './overview.js';

declare global {
  interface Window {
    /** Milliseconds from the script's start: data loaded and parsed, DOM built, first render painted. */
    __statusPage?: { loadMs: number; builtMs: number; renderMs: number; definitions: number; renders: number };
  }
}

const REFRESH_MS = 60_000;
const started = performance.now();
let inline = document.getElementById(PAGE_DATA_ELEMENT_ID);
// Served by the daemon: where newer data is (a written file has no daemon to ask).
const refreshUrl = inline === null ? 'api/page' : (inline.dataset.refresh ?? null);
const served = refreshUrl !== null;
const main = document.getElementById('main')!;
const asOf = document.getElementById('as-of')!;

let data: StatusPageData | null = null;
const table = new DefinitionTable((d, from) => data && dialog.show(d, data, from));
const dialog = new DetailsDialog(served, (name) => table.focusDefinition(name));
const setFilter = (f: DefinitionFilter) => table.setFilter(f);
const showDefinitions = (f: Partial<DefinitionFilter>) => {
  setFilter({ state: null, server: null, node: null, text: table.currentFilter.text, ...f });
  document.getElementById('definitions')?.scrollIntoView({ block: 'start' });
  (document.querySelector('.definitions tbody tr[tabindex="0"]') as HTMLElement | null)?.focus({ preventScroll: true });
};

// The parts that change with the data; the definitions list keeps its filter and scroll position.
const slots = { overview: el('div'), grid: el('div'), activity: el('div') };
main.replaceChildren(
  slots.overview,
  section('health', 'Health by server and node', slots.grid),
  section('definitions', 'Definitions', filterControls(table, setFilter), table.element),
  slots.activity,
);

function render(next: StatusPageData): void {
  data = next;
  asOf.textContent = `As of ${formatTime(next.generatedAt)}${served ? ', refreshed every minute' : ' (written by pgbackops status --html)'}; times in UTC.`;
  slots.overview.replaceChildren(coverage(next, (state) => showDefinitions({ state })), configuration(next));
  slots.grid.replaceChildren(healthGrid(next, (f) => showDefinitions(f)));
  table.setData(next);
  slots.activity.replaceChildren(el('div', { class: 'columns' }, nextRuns(next), oneOffs(next)), restores(next));
}

async function load(): Promise<StatusPageData> {
  if (inline) {
    const text = inline.textContent ?? 'null';
    // Read once: the element's megabytes of text are not kept, and a refresh asks the daemon.
    inline.remove();
    inline = null;
    return JSON.parse(text) as StatusPageData;
  }
  const res = await fetch(refreshUrl!, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`the daemon answered HTTP ${res.status}`);
  return (await res.json()) as StatusPageData;
}

let renders = 0;
async function refresh(): Promise<void> {
  try {
    const next = await load();
    const loadMs = Math.round(performance.now() - started);
    render(next);
    const builtMs = Math.round(performance.now() - started);
    renders++;
    if (renders === 1) {
      // After layout and paint of the first frame: what the user waits for.
      requestAnimationFrame(() => setTimeout(() => {
        window.__statusPage = { loadMs, builtMs, renderMs: Math.round(performance.now() - started), definitions: data?.definitions.length ?? 0, renders };
        document.body.setAttribute('data-rendered', 'true');
      }, 0));
    } else if (window.__statusPage) window.__statusPage.renders = renders;
  } catch (err) {
    asOf.textContent = `Could not load the status: ${(err as Error).message}`;
  }
  if (served) setTimeout(() => void refresh(), REFRESH_MS);
}

void refresh();
