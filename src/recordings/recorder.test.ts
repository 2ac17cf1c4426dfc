import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlayArgs } from './play-args.ts';
import { Recorder, type RecordingStart } from './recorder.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(dir: string | undefined, input = false): RecordingStart {
  return {
    sessionId: '00112233445566ff', user: 'alice', identity: { user: 'alice@corp', groups: ['dev'] }, namespace: 'prod', pod: 'web-1', container: 'app',
    command: null, cols: 0, rows: 0, term: 'xterm-256color', config: { ...(dir === undefined ? {} : { dir }), input, maxAgeDays: 30, maxBytes: 0 }, logger: pino({ level: 'silent' }),
  };
}

describe('Recorder', () => {
  it('records nothing without recordings.dir', () => {
    expect(new Recorder().start(start(undefined))).toBeNull();
  });

  it('creates the directory 0700, a header asciinema reads, no input unless recordings.input; tracks files in use', async () => {
    const root = mkdtempSync(join(tmpdir(), 'podgate-recorder-'));
    dirs.push(root);
    const dir = join(root, 'a', 'b');
    const recorder = new Recorder();
    const rec = recorder.start(start(dir))!;
    const path = join(dir, '00112233445566ff.cast');
    expect([...recorder.inUse()]).toEqual([path]);
    rec.output(Buffer.from('$ '));
    rec.input(Buffer.from('secret\r'));
    rec.resize(100, 30);
    await rec.close();
    await recorder.idle();
    expect(recorder.inUse().size).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [header, ...events] = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(header).toEqual({
      version: 2, width: 80, height: 24, timestamp: expect.any(Number) as number, title: 'alice+web-1.prod+app',
      env: { TERM: 'xterm-256color', SHELL: 'bash -l, else sh -l' },
      podgate: { sessionId: '00112233445566ff', user: 'alice', identity: { user: 'alice@corp', groups: ['dev'] }, namespace: 'prod', pod: 'web-1', container: 'app', command: null },
    });
    expect(events.map((e) => (e as unknown[]).slice(1))).toEqual([['o', '$ '], ['r', '100x30']]);

    const withInput = new Recorder().start({ ...start(dir, true), sessionId: '00112233445566fe' })!;
    withInput.input(Buffer.from('ls\r'));
    await withInput.close();
    expect(readFileSync(join(dir, '00112233445566fe.cast'), 'utf8')).toContain('"i", "ls\\r"]');
  });
});

describe('a recording that cannot be written', () => {
  it('is a RECORDING_FAILED event; the hooks keep working and close resolves', async () => {
    const root = mkdtempSync(join(tmpdir(), 'podgate-recorder-'));
    dirs.push(root);
    writeFileSync(join(root, 'file'), 'not a directory');
    const events: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { events.push(JSON.parse(line) as Record<string, unknown>); } });
    const rec = new Recorder().start({ ...start(join(root, 'file', 'rec')), logger })!;
    rec.output(Buffer.from('x'));
    rec.resize(1, 1);
    await rec.close();
    expect(events.map((e) => e['code'])).toEqual(['RECORDING_START', 'RECORDING_FAILED', 'RECORDING_END']);
    expect(events[1]).toMatchObject({ sessionId: '00112233445566ff', err: expect.stringContaining('ENOTDIR') as string });
    expect(events[2]).toMatchObject({ bytes: 0 });
  });
});

describe('play arguments', () => {
  it('takes one ID and an optional speed, strictly', () => {
    expect(parsePlayArgs(['abc'])).toEqual({ id: 'abc', speed: 1 });
    expect(parsePlayArgs(['abc', '--speed', '2.5'])).toEqual({ id: 'abc', speed: 2.5 });
    expect(parsePlayArgs(['--speed=10', 'abc'])).toEqual({ id: 'abc', speed: 10 });
    for (const bad of [[], ['a', 'b'], ['a', '--speed'], ['a', '--speed', '0'], ['a', '--speed', '-1'], ['a', '--speed', '1e3'], ['a', '--speed', '1001'], ['a', '-x'], ['a', '--speed', 'NaN']]) {
      expect(() => parsePlayArgs(bad), JSON.stringify(bad)).toThrow(/usage: play ID \[--speed N\]/);
    }
  });
});
