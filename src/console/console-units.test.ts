import { describe, expect, it } from 'vitest';
import { splitWords } from './command-line.ts';
import { parseDurationSeconds } from './duration.ts';
import { parseLogsArgs } from './logs-args.ts';
import { decodeKeys, PickerState } from './picker-state.ts';
import type { PodRow } from './pods.ts';
import { age, formatTable, printable } from './table.ts';

describe('console command line', () => {
  it('splits like a shell without expanding anything', () => {
    expect(splitWords(`logs web.prod  -f --since '5 m'`)).toEqual(['logs', 'web.prod', '-f', '--since', '5 m']);
    expect(splitWords('pods "a\\"b" c\\ d $HOME')).toEqual(['pods', 'a"b', 'c d', '$HOME']);
    expect(() => splitWords('logs "open')).toThrow(/unterminated/);
  });

  it('parses durations as kubectl does', () => {
    expect(parseDurationSeconds('10s')).toBe(10);
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('1.5h')).toBe(5400);
    expect(parseDurationSeconds('500ms')).toBe(1);
    expect(parseDurationSeconds('5')).toBeNull();
    expect(parseDurationSeconds('5m junk')).toBeNull();
  });

  it('parses logs options strictly', () => {
    expect(parseLogsArgs(['web.prod', '-f', '--tail=5', '--since', '1m', '--timestamps', '-c', 'app'])).toEqual({
      target: 'web.prod', follow: true, tailLines: 5, sinceSeconds: 60, previous: false, timestamps: true, container: 'app',
    });
    expect(() => parseLogsArgs(['web', '--tail'])).toThrow(/--tail needs a value/);
    expect(() => parseLogsArgs(['web', '--bogus'])).toThrow(/unknown option "--bogus"/);
    expect(() => parseLogsArgs([])).toThrow(/no TARGET/);
    expect(() => parseLogsArgs(['a', 'b'])).toThrow(/one TARGET only/);
  });
});

describe('tables', () => {
  it('aligns columns with three spaces and trims line ends', () => {
    expect(formatTable(['A', 'LONGER'], [['xxxx', 'y'], ['z', '']])).toBe('A      LONGER\nxxxx   y\nz\n');
  });
  it("prints kubectl's ages", () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(age('2026-01-01T23:59:15Z', now)).toBe('45s');
    expect(age('2026-01-01T23:00:00Z', now)).toBe('60m');
    expect(age('2025-12-30T00:00:00Z', now)).toBe('3d');
    expect(age(undefined, now)).toBe('<unknown>');
  });
});

describe('picker', () => {
  const row = (target: string): PodRow => ({ cluster: 'default', namespace: 'ns', pod: target, ready: '1/1', status: 'Running', restarts: 0, age: '1m', containers: ['c'], target });
  it('decodes arrows in both cursor modes, control keys and text', () => {
    expect(decodeKeys('\x1b[A\x1bOBab\r\x7f\x03').map((k) => k.type)).toEqual(['up', 'down', 'char', 'char', 'enter', 'backspace', 'quit']);
    expect(decodeKeys('\x1b')).toEqual([{ type: 'escape' }]);
  });
  it('filters, moves, picks and quits', () => {
    const p = new PickerState([row('alice+web-1.prod'), row('alice+db-0.prod'), row('alice+web-2.prod')], ['head']);
    expect(p.handle({ type: 'down' }, 10)).toEqual({ type: 'continue' });
    expect(p.handle({ type: 'enter' }, 10)).toEqual({ type: 'pick', row: row('alice+db-0.prod') });
    for (const ch of 'web') p.handle({ type: 'char', ch }, 10);
    expect(p.visible().map((r) => r.target)).toEqual(['alice+web-1.prod', 'alice+web-2.prod']);
    // q is text while filtering; Esc clears the filter, then quits.
    expect(p.handle({ type: 'char', ch: 'q' }, 10)).toEqual({ type: 'continue' });
    expect(p.handle({ type: 'escape' }, 10)).toEqual({ type: 'continue' });
    expect(p.filter).toBe('');
    expect(p.handle({ type: 'char', ch: 'q' }, 10)).toEqual({ type: 'quit' });
  });
  it('renders within the terminal width and says when nothing is there', () => {
    const p = new PickerState([], ['podgate: signed in as x']);
    const screen = p.render(30, 10);
    expect(screen).toContain('You may not enter any pod.');
    for (const line of screen.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\r\n')) expect(line.length).toBeLessThanOrEqual(30);
  });
});

describe('printable', () => {
  it('turns every C0/C1 control and DEL into ? and keeps printable text, UTF-8 included', () => {
    expect(printable('Evil\x1b]52;c;cHduZWQ=\x07\x9b2J\x7f')).toBe('Evil?]52;c;cHduZWQ=??2J?');
    expect(printable('CrashLoopBackOff')).toBe('CrashLoopBackOff');
    expect(printable('wäre … ok')).toBe('wäre … ok');
  });
});
