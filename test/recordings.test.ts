/**
 * Session recordings with real clients: a PTY session through OpenSSH (`ssh -tt`) is recorded
 * as asciicast v2, and the real asciinema player (`asciinema cat`) gives back exactly the bytes
 * the client received, UTF-8 characters cut by chunk boundaries included; `asciinema play`
 * plays it; `play ID` through podgate shows it to its owner and to a user with
 * allow.recordings, refuses anyone else and any ID that is not one; resizes and (with
 * recordings.input) keystrokes are recorded.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { asciinemaCat, runUnderPty } from './helpers/asciinema.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, tmuxTracker, waitFor } from './helpers/ssh.ts';
import { connectSsh2, execSsh2 } from './helpers/ssh2-client.ts';

let emu: Emulator;
let pg: Podgate;
let recDir: string;
const tmuxes = tmuxTracker();
const work = mkdtempSync(join(tmpdir(), 'podgate-rec-test-'));

beforeAll(async () => {
  recDir = join(work, 'recordings');
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  // bob may play everyone's recordings; carol those of sessions in prod only.
  const allow: Record<string, Record<string, unknown>> = { bob: { recordings: true }, carol: { recordings: true, namespaces: ['prod'] } };
  const users = DEFAULT_USERS.map((u) => (allow[u.name] ? { ...u, allow: allow[u.name] } : u));
  pg = await startPodgate({ emulator: emu, users, configPatch: { recordings: { dir: recDir, input: true } } });
}, 90_000);

afterAll(async () => {
  tmuxes.killAll();
  await pg?.stop();
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The session id of the (first) SESSION_END matching `command`, once its recording is closed. */
async function recordingOf(command: string | null, pod = 'web-7d9f'): Promise<{ id: string; path: string; end: Record<string, unknown> }> {
  const sessionEnd = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === command && l['pod'] === pod), `SESSION_END of ${command}`);
  const id = String(sessionEnd['sessionId']);
  const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'RECORDING_END' && l['sessionId'] === id), `RECORDING_END of ${id}`);
  return { id, path: join(recDir, `${id}.cast`), end };
}

function castLines(path: string): unknown[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
}

// About 270 KB of 2-, 3- and 4-byte characters: PTY reads and exec frames cut them anywhere.
const UTF8_COMMAND = "yes 'é€😀é€😀é€😀 mixé€😀 €😀é' | head -n 9000; printf '\\033[1mbold\\033[0m done\\n'";

describe('recording a session', () => {
  let id = '';
  let received: Buffer = Buffer.alloc(0);

  it('asciinema cat of the recording equals, byte for byte, what the ssh -tt client received', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', [UTF8_COMMAND], { tty: true, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    received = r.stdout;
    expect(received.length).toBeGreaterThan(250_000);
    const rec = await recordingOf(UTF8_COMMAND);
    id = rec.id;
    expect(rec.end).toMatchObject({ path: rec.path, droppedEvents: 0, bytes: statSync(rec.path).size });
    expect(statSync(rec.path).mode & 0o777).toBe(0o600);
    expect(statSync(recDir).mode & 0o777).toBe(0o700);

    const [header, ...events] = castLines(rec.path) as [Record<string, unknown>, ...[number, string, string][]];
    expect(header).toMatchObject({
      version: 2, width: 80, height: 24, command: UTF8_COMMAND, title: 'alice+web-7d9f.default+app',
      env: { SHELL: '/bin/sh' },
      podgate: { sessionId: id, user: 'alice', identity: { user: 'alice', groups: ['dev'] }, namespace: 'default', pod: 'web-7d9f', container: 'app' },
    });
    expect(header['timestamp']).toBeGreaterThan(Date.now() / 1000 - 120);
    expect((header['env'] as Record<string, unknown>)['TERM']).toMatch(/\S/);
    // Many output events, so many chunk boundaries, and not one replacement character.
    const output = events.filter((e) => e[1] === 'o');
    expect(output.length).toBeGreaterThan(5);
    expect(output.some((e) => e[2].includes('\uFFFD'))).toBe(false);

    const cat = await asciinemaCat(rec.path);
    expect(cat.code).toBe(0);
    expect(cat.out.length).toBe(received.length);
    expect(cat.out.equals(received)).toBe(true);
  }, 120_000);

  it('asciinema play -s 100 plays it without error', async () => {
    const played = await runUnderPty(['asciinema', 'play', '-s', '100', join(recDir, `${id}.cast`)]);
    expect(played.code).toBe(0);
    expect(played.out.toString()).toContain('done');
  }, 60_000);

  it('play ID gives the owner exactly the recorded output (raw without a PTY, timed with one)', async () => {
    const raw = await ssh(pg, 'alice', ['play', id]);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdout.equals(received)).toBe(true);
    const timed = await ssh(pg, 'alice', ['play', id, '--speed', '50'], { tty: true, timeoutMs: 60_000 });
    expect(timed.code, timed.stderr).toBe(0);
    expect(timed.stdout.equals(received)).toBe(true);
    expect(timed.stderr).toContain(`podgate: playing ${id} (alice+web-7d9f.default+app, 80x24, recorded `);
    const played = pg.logs().filter((l) => l['code'] === 'RECORDING_PLAYED' && l['recording'] === id);
    expect(played).toEqual([
      expect.objectContaining({ user: 'alice', owner: 'alice', as: 'owner', speed: 1, pty: false }),
      expect.objectContaining({ user: 'alice', owner: 'alice', as: 'owner', speed: 50, pty: true }),
    ]);
  }, 90_000);

  it('play ID: a user with allow.recordings may, another user may not', async () => {
    const bob = await ssh(pg, 'bob', ['play', id]);
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout.equals(received)).toBe(true);
    expect(pg.logs().find((l) => l['code'] === 'RECORDING_PLAYED' && l['user'] === 'bob')).toMatchObject({ owner: 'alice', as: 'allow.recordings' });

    const mallory = await ssh(pg, 'mallory', ['play', id]);
    expect(mallory.code).toBe(255);
    expect(mallory.stdout.length).toBe(0);
    expect(mallory.stderr).toBe('podgate: mallory may not read session recordings (allow.recordings)\n');
    expect(pg.logs().find((l) => l['code'] === 'RECORDING_PLAYED' && l['user'] === 'mallory')).toBeUndefined();
  }, 60_000);

  it('play refuses anything that is not a session ID before it becomes a path', async () => {
    for (const bad of ['../../etc/passwd', '..', '/etc/passwd', `../recordings/${id}`, `${id}/`, `${id}.cast`, `./${id}`, '.', '']) {
      const r = await ssh(pg, 'alice', ['play', `'${bad}'`]);
      expect(r.code, bad).toBe(255);
      expect(r.stdout.length, bad).toBe(0);
      expect(r.stderr, bad).toBe('podgate: a recording ID is a session ID: 16 hex digits\n');
    }
    // NUL cannot pass through OpenSSH's argv: send it with ssh2.
    const client = await connectSsh2(pg, 'alice');
    try {
      for (const cmd of [`play ${id}\0`, `play ${id.slice(0, 8)}\0${id.slice(8)}`, 'play \0../../etc/passwd']) {
        const r = await execSsh2(client, cmd);
        expect(r.code, JSON.stringify(cmd)).toBe(255);
        expect(r.stdout).toBe('');
      }
    } finally {
      client.end();
    }
    const missing = await ssh(pg, 'alice', ['play', '0123456789abcdef']);
    expect(missing.code).toBe(255);
    expect(missing.stderr).toBe('podgate: no recording 0123456789abcdef\n');
  }, 60_000);
});

describe('listing recordings', () => {
  it('recordings lists the user\'s own, everyone\'s with allow.recordings, none of others\' without', async () => {
    const rec = await recordingOf(UTF8_COMMAND);
    const alice = await ssh(pg, 'alice', ['recordings']);
    expect(alice.code, alice.stderr).toBe(0);
    const lines = alice.stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {3,}USER {3,}TARGET {3,}STARTED {3,}LAST WRITE {3,}SIZE$/);
    const row = lines.find((l) => l.startsWith(rec.id))!.split(/\s{3,}/);
    expect(row.slice(0, 3)).toEqual([rec.id, 'alice', 'web-7d9f.default+app']);
    expect(row[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(row[5]).toMatch(/^\d+(\.\d)?[BKM]$/);
    const bob = await ssh(pg, 'bob', ['recordings']);
    expect(bob.stdout.toString()).toContain(rec.id);
    const mallory = await ssh(pg, 'mallory', ['recordings']);
    expect(mallory.code).toBe(0);
    expect(mallory.stdout.toString()).toBe('No recordings you may play.\n');
  }, 60_000);
});

describe('interactive sessions', () => {
  it('records resizes and keystrokes (recordings.input), and play in a terminal shows it; q or Ctrl-C stops a playback; allow.namespaces narrows allow.recordings', async () => {
    const t = tmuxes.start(pg, 'alice+tiny.prod', [], { cols: 100, rows: 30 });
    t.type('echo REC-$((6*7))', true);
    await t.waitFor(/REC-42/);
    t.resize(132, 41);
    await new Promise((r) => setTimeout(r, 500));
    t.type('stty size; echo "MARK-A"; sleep 6; echo "MARK-B"', true);
    await t.waitFor(/MARK-B/, 30_000);
    t.type('exit', true);
    await t.waitFor(/\[ssh exited 0\]/);
    const rec = await recordingOf(null, 'tiny');
    const events = castLines(rec.path).slice(1) as [number, string, string][];
    expect(castLines(rec.path)[0]).toMatchObject({ width: 100, height: 30, title: 'alice+tiny.prod+sh', env: { SHELL: 'bash -l, else sh -l' } });
    expect(events).toContainEqual([expect.any(Number), 'r', '132x41']);
    expect(events.filter((e) => e[1] === 'i').map((e) => e[2]).join('')).toContain('echo REC-$((6*7))');
    expect(events.filter((e) => e[1] === 'o').map((e) => e[2]).join('')).toContain('41 132');

    // Played in a terminal: the content shows; the 6 s pause is cut to 2 s (4 s at half speed); q during it stops.
    const p = tmuxes.start(pg, 'alice', ['play', rec.id, '--speed', '0.5'], { cols: 132, rows: 41, tty: true });
    await p.waitFor(/MARK-A/);
    expect(p.capture()).toContain('REC-42');
    p.type('q');
    await p.waitFor(/\[ssh exited 0\]/);
    const pane = p.capture();
    expect(pane).toContain('podgate: playback stopped');
    expect(pane).not.toMatch(/^MARK-B/m);

    const interrupted = tmuxes.start(pg, 'alice', ['play', rec.id, '--speed', '0.5'], { cols: 132, rows: 41, tty: true });
    await interrupted.waitFor(/MARK-A/);
    interrupted.keys('C-c');
    await interrupted.waitFor(/\[ssh exited 0\]/);
    expect(interrupted.capture()).toContain('podgate: playback stopped');
    expect(interrupted.capture()).not.toMatch(/^MARK-B/m);

    const whole = tmuxes.start(pg, 'alice', ['play', rec.id, '--speed', '2'], { cols: 132, rows: 41, tty: true });
    await whole.waitFor(/podgate: end of recording/, 30_000);
    expect(whole.capture()).toMatch(/^MARK-B/m);

    // allow.namespaces narrows allow.recordings: carol (prod only) plays this prod session, not
    // the one in default, and lists only what she may play.
    const carol = await ssh(pg, 'carol', ['play', rec.id]);
    expect(carol.code, carol.stderr).toBe(0);
    expect(carol.stdout.toString()).toContain('MARK-B');
    const other = await recordingOf(UTF8_COMMAND);
    const refused = await ssh(pg, 'carol', ['play', other.id]);
    expect(refused.code).toBe(255);
    expect(refused.stdout.length).toBe(0);
    expect(refused.stderr).toBe('podgate: namespace "default" is not allowed for carol (allowed: prod)\n');
    const listed = (await ssh(pg, 'carol', ['recordings'])).stdout.toString();
    expect(listed).toContain(rec.id);
    expect(listed).not.toContain(other.id);
  }, 120_000);
});
