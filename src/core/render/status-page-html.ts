// The status page's HTML (docs/status-page.md): a skeleton the bundled script fills. Served by the daemon
// it links the script and style (the Content-Security-Policy header allows only 'self'); written by
// `pgbackops status --html FILE` it inlines both and the data, and carries the same policy in a <meta>
// element with the hashes of exactly that script and style, so an injected inline script does not run there
// either. The data is JSON in a <script type="application/json"> block: read, never executed.
import { createHash } from 'node:crypto';
import { PAGE_DATA_ELEMENT_ID } from '../reports/status-page-model.js';

/** The Content-Security-Policy the daemon sends with every response of the page. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";


export type StatusPageHtml =
  /**
   * `dataText`: the data as the text of its element (scriptElementText of its JSON), inlined so that the first
   * paint needs no second request; the page fetches newer data from `refreshUrl`.
   */
  | { mode: 'served'; scriptUrl: string; styleUrl: string; data?: { dataText: string; refreshUrl: string } }
  | { mode: 'file'; script: string; style: string; data: unknown };

export function statusPageHtml(page: StatusPageHtml): string {
  const head = page.mode === 'served'
    ? `<link rel="stylesheet" href="${page.styleUrl}">`
    : `<meta http-equiv="Content-Security-Policy" content="${fileCsp(page.script, page.style)}">\n<style>${page.style}</style>`;
  const tail = page.mode === 'served'
    ? `${page.data ? `<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}" data-refresh="${page.data.refreshUrl}">${page.data.dataText}</script>\n` : ''}<script type="module" src="${page.scriptUrl}"></script>`
    : `<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">${jsonForScriptElement(page.data)}</script>\n<script type="module">${scriptForElement(page.script)}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>pgbackops status</title>
${head}
</head>
<body>
<a class="skip-link" href="#definitions">Skip to the definitions</a>
<header class="page-header">
<h1>pgbackops status</h1>
<p id="as-of" aria-live="polite">Loading…</p>
</header>
<main id="main">
<noscript><p>This page needs JavaScript. <code>pgbackops status</code> prints the same facts as text.</p></noscript>
</main>
${tail}
</body>
</html>
`;
}

/** A file's policy: the same as the daemon's, with the inline script and style allowed by their hashes. */
function fileCsp(script: string, style: string): string {
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  return STATUS_PAGE_CSP
    .replace("script-src 'self'", `script-src ${hash(scriptForElement(script))}`)
    .replace("style-src 'self'", `style-src ${hash(style)}`)
    .replace("connect-src 'self'", "connect-src 'none'")
    .replace("; frame-ancestors 'none'", ''); // not honoured in <meta>; browsers warn about it
}

/**
 * JSON that cannot end its <script> element early: every '<' escaped (so no '</script' or '<!--'), and the two
 * line separators JavaScript once rejected.
 */
export function jsonForScriptElement(data: unknown): string {
  return scriptElementText(JSON.stringify(data));
}

/** JSON text made safe as the text of a <script> element (see jsonForScriptElement); still the same JSON. */
export function scriptElementText(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The bundled script as element text: it must not contain its own end tag (esbuild's output escapes it). */
function scriptForElement(script: string): string {
  if (/<\/script/i.test(script)) throw new Error('the status page script contains "</script" and cannot be inlined');
  return script;
}
