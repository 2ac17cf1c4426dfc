/**
 * The terminal page's static files, read once at start: xterm.js and its fit and web-links
 * addons straight from their npm packages (exact versions pinned in package.json; ESM builds,
 * so the browser imports them by URL), and podgate's own page script and style next to this
 * file. Nothing is fetched from a CDN; the page's CSP allows only this origin.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface Asset {
  body: Buffer;
  type: string;
}

const require = createRequire(import.meta.url);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** URL path under /assets/ → where the file is. */
const FILES: [string, () => string, string][] = [
  ['xterm.mjs', () => require.resolve('@xterm/xterm/lib/xterm.mjs'), JS],
  ['xterm.css', () => require.resolve('@xterm/xterm/css/xterm.css'), CSS],
  ['addon-fit.mjs', () => require.resolve('@xterm/addon-fit/lib/addon-fit.mjs'), JS],
  ['addon-web-links.mjs', () => require.resolve('@xterm/addon-web-links/lib/addon-web-links.mjs'), JS],
  // Next to this file, so the image build copies them beside its compiled .js (the Dockerfile
  // copies non-.ts files into directories tsc created).
  ['terminal.js', () => new URL('terminal-page.js', import.meta.url).pathname, JS],
  ['terminal.css', () => new URL('terminal-page.css', import.meta.url).pathname, CSS],
];

export function loadAssets(): Map<string, Asset> {
  // Source maps stay out: the page would ask for files that are not served.
  return new Map(FILES.map(([name, where, type]) => [name, { body: Buffer.from(readFileSync(where(), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')), type }]));
}
