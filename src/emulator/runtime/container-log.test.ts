import { describe, expect, it } from 'vitest';
import { ContainerLogBuffer } from './container-log.ts';

describe('ContainerLogBuffer', () => {
  it('splits lines per stream, keeps partial lines until complete', () => {
    const log = new ContainerLogBuffer();
    const seen: string[] = [];
    let ended = false;
    log.follow((l) => seen.push(`${l.stream}:${l.data.toString()}`), () => (ended = true));
    log.write('stdout', Buffer.from('a\nb'));
    log.write('stderr', Buffer.from('E\n'));
    log.write('stdout', Buffer.from('c\nd'));
    expect(seen).toEqual(['stdout:a\n', 'stderr:E\n', 'stdout:bc\n']);
    log.end();
    expect(ended).toBe(true);
    expect(log.lines().map((l) => l.data.toString())).toEqual(['a\n', 'E\n', 'bc\n', 'd']);
    expect(log.lines()[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  });
  it('builds a previous log from text with increasing times', () => {
    const log = ContainerLogBuffer.fromText('one\ntwo\nthree', BigInt(Date.now()) * 1_000_000n);
    const lines = log.lines();
    expect(lines.map((l) => l.data.toString())).toEqual(['one\n', 'two\n', 'three']);
    expect(Date.parse(lines[0]?.time ?? '')).toBeLessThanOrEqual(Date.parse(lines[2]?.time ?? ''));
  });
});
