import { describe, expect, it } from 'vitest';
import { PodgateError } from './index.ts';
import { terminalSafe } from './terminal-safe.ts';

describe('terminalSafe', () => {
  it('turns escapes, BEL, C1 controls, DEL and direction overrides into visible text', () => {
    expect(terminalSafe('a\x1b]0;pwn\x07\x1b[2Jb')).toBe('a\\x1b]0;pwn\\x07\\x1b[2Jb');
    expect(terminalSafe('\x9b31m\x7f\r\0')).toBe('\\x9b31m\\x7f\\x0d\\x00');
    expect(terminalSafe('evil\u202etxt.exe')).toBe('evil\\u202etxt.exe');
  });

  it('keeps ordinary text, tabs, newlines and non-ASCII letters', () => {
    expect(terminalSafe('pods "web" not found\tx\nnext: café ✓')).toBe('pods "web" not found\tx\nnext: café ✓');
  });

  it('applies to every user message of a PodgateError', () => {
    const err = new PodgateError('TARGET_INVALID', 'invalid target "\x1b[31mred"');
    expect(err.userMessage).toBe('invalid target "\\x1b[31mred"');
    expect(err.message).not.toContain('\x1b');
  });
});
