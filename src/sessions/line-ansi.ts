/**
 * One terminal line as the text and SGR attributes that draw it again: how the screen mirror
 * keeps its long scrollback compactly. xterm.js stores 12 bytes per cell (about 1 KiB per
 * 80-column line, 10 MiB for 10,000 lines); as a string a line costs about its length.
 */
import type { IBufferCell, IBufferLine } from '@xterm/headless';

/** The SGR parameters of a cell's attributes (empty: the default). */
function sgrOf(c: IBufferCell): string {
  const p: (number | string)[] = [];
  if (c.isBold()) p.push(1);
  if (c.isDim()) p.push(2);
  if (c.isItalic()) p.push(3);
  if (c.isUnderline()) p.push(4);
  if (c.isBlink()) p.push(5);
  if (c.isInverse()) p.push(7);
  if (c.isInvisible()) p.push(8);
  if (c.isStrikethrough()) p.push(9);
  if (c.isFgRGB()) { const v = c.getFgColor(); p.push(`38;2;${(v >> 16) & 255};${(v >> 8) & 255};${v & 255}`); }
  else if (c.isFgPalette()) { const v = c.getFgColor(); p.push(v < 8 ? 30 + v : v < 16 ? 82 + v : `38;5;${v}`); }
  if (c.isBgRGB()) { const v = c.getBgColor(); p.push(`48;2;${(v >> 16) & 255};${(v >> 8) & 255};${v & 255}`); }
  else if (c.isBgPalette()) { const v = c.getBgColor(); p.push(v < 8 ? 40 + v : v < 16 ? 92 + v : `48;5;${v}`); }
  return p.join(';');
}

/**
 * The line's cells up to its last visible one, with SGR changes; attributes reset at the end.
 * Trailing blanks go (their background colour too): translateToString finds where the text
 * ends, so a short line costs a few cell reads, not one per column. Runs of equal attributes are
 * cut out with translateToString and joined once, so the result is one flat string (appending
 * cell by cell would build a rope of ~30 bytes a character).
 */
export function lineToAnsi(line: IBufferLine, cell: IBufferCell): string {
  const plain = line.translateToString(true);
  if (plain === '') return '';
  const parts: string[] = [];
  let sgr = '';
  let from = 0;
  let chars = 0;
  let x = 0;
  for (; x < line.length && chars < plain.length; x++) {
    const c = line.getCell(x, cell);
    if (!c) break;
    const w = c.getWidth();
    if (w === 0) continue; // the second half of a wide character
    chars += c.getChars().length || 1;
    const s = c.isAttributeDefault() ? '' : sgrOf(c);
    if (s === sgr) continue;
    if (x > from) parts.push(line.translateToString(false, from, x));
    parts.push(s === '' ? '\x1b[0m' : `\x1b[0;${s}m`);
    sgr = s;
    from = x;
  }
  if (sgr === '' && from === 0) return plain; // no attributes at all: the text is the line
  if (x > from) parts.push(line.translateToString(false, from, x));
  if (sgr !== '') parts.push('\x1b[0m');
  return parts.join('');
}
