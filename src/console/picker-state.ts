/**
 * The interactive pod picker as a pure state machine: keys in, a screen out. Typing filters,
 * arrows (and Ctrl-P/Ctrl-N) move, Enter picks, `q` (with an empty filter), Esc (with an empty
 * filter) or Ctrl-C/Ctrl-D quit. Rendering fits the terminal size and never wraps a line.
 */
import type { PodRow } from './pods.ts';

export type PickerKey =
  | { type: 'char'; ch: string }
  | { type: 'up' } | { type: 'down' } | { type: 'pageUp' } | { type: 'pageDown' }
  | { type: 'enter' } | { type: 'backspace' } | { type: 'escape' } | { type: 'quit' };

export type PickerResult = { type: 'continue' } | { type: 'quit' } | { type: 'pick'; row: PodRow };

/** Splits raw terminal input into keys (CSI and SS3 arrows, control keys, printable text). */
export function decodeKeys(input: string): PickerKey[] {
  const keys: PickerKey[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\x1b') {
      const seq = input.slice(i + 1, i + 4);
      const m = /^(?:\[|O)([ABCD])/.exec(seq) ?? /^\[([56])~/.exec(seq);
      if (m) {
        const k = m[1];
        if (k === 'A') keys.push({ type: 'up' });
        else if (k === 'B') keys.push({ type: 'down' });
        else if (k === '5') keys.push({ type: 'pageUp' });
        else if (k === '6') keys.push({ type: 'pageDown' });
        i += m[0].length;
        continue;
      }
      keys.push({ type: 'escape' });
    } else if (c === '\r' || c === '\n') keys.push({ type: 'enter' });
    else if (c === '\x7f' || c === '\b') keys.push({ type: 'backspace' });
    else if (c === '\x03' || c === '\x04') keys.push({ type: 'quit' });
    else if (c === '\x10') keys.push({ type: 'up' });
    else if (c === '\x0e') keys.push({ type: 'down' });
    else if (c >= ' ') keys.push({ type: 'char', ch: c });
  }
  return keys;
}

export class PickerState {
  filter = '';
  selected = 0;
  #top = 0;

  constructor(readonly rows: PodRow[], readonly header: string[]) {}

  visible(): PodRow[] {
    const f = this.filter.toLowerCase();
    return f === '' ? this.rows : this.rows.filter((r) => r.target.toLowerCase().includes(f) || r.status.toLowerCase().includes(f));
  }

  handle(key: PickerKey, pageSize: number): PickerResult {
    const list = this.visible();
    switch (key.type) {
      case 'quit': return { type: 'quit' };
      case 'escape':
        if (this.filter === '') return { type: 'quit' };
        this.filter = '';
        this.selected = 0;
        break;
      case 'char':
        if (key.ch === 'q' && this.filter === '') return { type: 'quit' };
        this.filter += key.ch;
        this.selected = 0;
        break;
      case 'backspace': this.filter = this.filter.slice(0, -1); this.selected = 0; break;
      case 'up': this.selected = Math.max(0, this.selected - 1); break;
      case 'down': this.selected = Math.min(Math.max(0, list.length - 1), this.selected + 1); break;
      case 'pageUp': this.selected = Math.max(0, this.selected - pageSize); break;
      case 'pageDown': this.selected = Math.min(Math.max(0, list.length - 1), this.selected + pageSize); break;
      case 'enter': {
        const row = list[this.selected];
        if (row) return { type: 'pick', row };
        break;
      }
    }
    return { type: 'continue' };
  }

  /** The whole screen for a terminal of cols × rows (ANSI: home, clear, reverse video). */
  render(cols: number, rows: number): string {
    const width = Math.max(20, cols);
    const clip = (s: string): string => (s.length > width ? s.slice(0, width - 1) + '…' : s);
    const list = this.visible();
    const pageSize = Math.max(1, rows - this.header.length - 4);
    if (this.selected < this.#top) this.#top = this.selected;
    if (this.selected >= this.#top + pageSize) this.#top = this.selected - pageSize + 1;
    const lines = [...this.header.map(clip), ''];
    if (list.length === 0) lines.push(this.rows.length === 0 ? 'You may not enter any pod.' : 'No pod matches the filter.');
    for (let i = this.#top; i < Math.min(list.length, this.#top + pageSize); i++) {
      const r = list[i];
      const text = clip(`${i === this.selected ? '>' : ' '} ${r.target.padEnd(40)} ${r.status.padEnd(12)} ${r.ready}`);
      lines.push(i === this.selected ? `\x1b[7m${text}\x1b[0m` : text);
    }
    lines.push('', clip(`filter: ${this.filter}_   (type to filter, ↑/↓ move, Enter opens a shell, q quits)`));
    return '\x1b[H\x1b[2J' + lines.join('\r\n');
  }

  pageSize(rows: number): number {
    return Math.max(1, rows - this.header.length - 4);
  }
}
