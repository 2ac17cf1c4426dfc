/**
 * The HTML podgate serves: the terminal page (static markup; its one script and the xterm.js
 * files come from /assets/, the CSP allows nothing inline and nothing from another origin) and
 * the pages that say why a link or request was refused.
 */
import { ERROR_CODES, type ErrorCode } from '../errors/codes.ts';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The terminal of browser session `id`; the page opens `/w/ID/ws`. */
export function terminalPage(opts: { id: string; user: string; target: string; command: string | null }): string {
  const what = opts.command === null ? opts.target : `${opts.target}: ${opts.command}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${opts.user} → ${opts.target}`)} · podgate</title>
<link rel="stylesheet" href="/assets/xterm.css">
<link rel="stylesheet" href="/assets/terminal.css">
<script type="module" src="/assets/terminal.js"></script>
</head>
<body>
<header id="bar"><strong>podgate</strong> <span id="who">${esc(opts.user)}</span> → <span id="what">${esc(what)}</span> <span id="state">connecting…</span></header>
<main id="terminal" data-socket="/w/${esc(opts.id)}/ws"></main>
</body>
</html>
`;
}

/** A page that says what went wrong and what to do (the error registry's words). */
export function refusalPage(code: ErrorCode, detail?: string): string {
  const spec = ERROR_CODES[code];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>podgate: ${esc(spec.summary)}</title>
<link rel="stylesheet" href="/assets/terminal.css">
</head>
<body class="refused">
<main>
<h1>podgate: ${esc(spec.summary)}</h1>
${detail ? `<p>${esc(detail)}</p>\n` : ''}<p>${esc(spec.fix)}</p>
<p class="code">${esc(code)}</p>
</main>
</body>
</html>
`;
}
