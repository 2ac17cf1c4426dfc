/**
 * Channel 4 of remotecommand carries a stream of JSON objects read by Go's json.Decoder into
 * TerminalSize{Width, Height uint16}: objects may be split or concatenated across frames, and
 * the untagged struct matches keys case-insensitively.
 */
export interface TerminalSize {
  width: number;
  height: number;
}

export class ResizeParser {
  private buf = '';

  /** Feeds bytes; returns every complete size object found (malformed objects are skipped). */
  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += chunk.toString();
    const out: TerminalSize[] = [];
    for (;;) {
      const start = this.buf.indexOf('{');
      if (start < 0) {
        this.buf = '';
        return out;
      }
      const end = findObjectEnd(this.buf, start);
      if (end < 0) {
        this.buf = this.buf.slice(start);
        return out;
      }
      const text = this.buf.slice(start, end + 1);
      this.buf = this.buf.slice(end + 1);
      const size = toSize(text);
      if (size) out.push(size);
    }
  }
}

function findObjectEnd(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function toSize(text: string): TerminalSize | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const size: TerminalSize = { width: 0, height: 0 };
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) continue;
    const key = k.toLowerCase();
    if (key === 'width') size.width = v;
    else if (key === 'height') size.height = v;
  }
  return size;
}
