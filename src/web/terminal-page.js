// The browser side of podgate's terminal: xterm.js on one WebSocket. The protocol
// (src/web/ws-channel.ts): binary frames are terminal bytes both ways; text frames are JSON,
// {"type":"resize","cols":C,"rows":R} from here, {"type":"exit","code":N} from podgate.
import { Terminal } from '/assets/xterm.mjs';
import { FitAddon } from '/assets/addon-fit.mjs';
import { WebLinksAddon } from '/assets/addon-web-links.mjs';

const box = document.getElementById('terminal');
const state = document.getElementById('state');
const socketPath = box.dataset.socket;
// The link is spent: keep its token out of the history; a reload says the session ended.
history.replaceState(null, '', socketPath.replace(/ws$/, ''));

// No cursor blink: each blink is a repaint, and in the bench (latency-web) a page that repaints
// twice a second dispatched the echo of a key about 3 ms later at the median.
const term = new Terminal({ cursorBlink: false, scrollback: 5000, fontSize: 14, theme: { background: '#1e1e1e' }, fontFamily: 'DejaVu Sans Mono, Menlo, Consolas, monospace' });
const fit = new FitAddon();
term.loadAddon(fit);
term.loadAddon(new WebLinksAddon());
term.open(box);
fit.fit();
// For debugging and the tests: the terminal and whether the session is over.
window.podgate = { term, ended: false, exitCode: null };

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const ws = new WebSocket(`${scheme}//${location.host}${socketPath}?cols=${term.cols}&rows=${term.rows}`);
ws.binaryType = 'arraybuffer';
const utf8 = new TextEncoder();

function setState(text, ended) {
  state.textContent = text;
  if (ended) state.className = 'ended';
}

let opened = false;
ws.addEventListener('open', () => {
  opened = true;
  setState('connected', false);
  term.focus();
});
ws.addEventListener('message', (ev) => {
  if (typeof ev.data !== 'string') {
    term.write(new Uint8Array(ev.data));
    return;
  }
  const msg = JSON.parse(ev.data);
  if (msg.type === 'exit') window.podgate.exitCode = msg.code;
});
ws.addEventListener('close', (ev) => {
  window.podgate.ended = true;
  const code = window.podgate.exitCode;
  if (!opened) setState('refused: this terminal was opened already or its time ran out; print a new link', true);
  else setState(code === null ? `disconnected${ev.reason ? `: ${ev.reason}` : ''}` : `ended (exit status ${code})`, true);
  term.write('\r\n\x1b[2m[podgate: session ended; print a new link to start another]\x1b[0m\r\n');
});

const send = (data) => {
  if (ws.readyState === WebSocket.OPEN) ws.send(data);
};
// podgate takes WebSocket messages of up to 1 MiB: a long paste goes in 64 KiB pieces (the
// server reads a byte stream, so a UTF-8 sequence may straddle two of them).
const PIECE = 64 * 1024;
term.onData((text) => {
  const bytes = utf8.encode(text);
  for (let at = 0; at < bytes.length; at += PIECE) send(bytes.subarray(at, at + PIECE));
});
// Binary strings (some mouse reports): one byte per char.
term.onBinary((text) => send(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)));
term.onResize(({ cols, rows }) => send(JSON.stringify({ type: 'resize', cols, rows })));
new ResizeObserver(() => fit.fit()).observe(box);
