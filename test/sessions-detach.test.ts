/**
 * Sessions that outlive a connection, with the real OpenSSH client under tmux: a PTY shell
 * whose client is killed is detached, `sessions` lists it, `attach ID` redraws the screen as it
 * was and goes live at the new window size, `resume: auto` picks it up, and a detached session
 * nobody comes back to is ended and its processes reaped when the grace runs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, tmuxTracker, waitFor, type TmuxSession } from './helpers/ssh.ts';

const GRACE = 25;
let emu: Emulator;
let pg: Podgate;
const tmuxes = tmuxTracker();

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { sessions: { detachGraceSeconds: GRACE, resume: 'auto' } } });
}, 90_000);

afterAll(async () => {
  tmuxes.killAll();
  await pg?.stop();
  await emu?.close();
});

function tmux(user: string, args: string[] = [], opts: { cols?: number; rows?: number; tty?: boolean } = {}): TmuxSession {
  return tmuxes.start(pg, user, args, opts);
}

interface Row { id: string; target: string; state: string; started: string; idle: string }

async function sessionsOf(user: string): Promise<Row[]> {
  const r = await ssh(pg, user, ['sessions']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.toString().trimEnd().split('\n');
  if (lines[0] === 'No live sessions.') return [];
  expect(lines[0]).toMatch(/^ID\s+TARGET\s+STATE\s+STARTED\s+IDLE$/);
  return lines.slice(1).map((l) => {
    const [id, target, state, started, idle] = l.split(/\s{3,}/);
    return { id, target, state, started, idle };
  });
}

/** The pane without trailing blanks: what the user sees. */
const screen = (pane: string): string => pane.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();

function marker(tag: string): string {
  return `${tag}-${Math.random().toString(36).slice(2, 8)}`;
}

async function detachedId(user: string, target: RegExp, before: Set<string>): Promise<string> {
  const row = await waitFor(async () => (await sessionsOf(user)).find((r) => !before.has(r.id) && target.test(r.target) && r.state === 'detached'), 'a detached session', 20_000);
  return row.id;
}

describe('detach and attach', () => {
  it('a killed client leaves a detached session; attach ID redraws the screen as it was, then it is live at the new size', async () => {
    const known = new Set((await sessionsOf('alice')).map((r) => r.id));
    const t = tmux('alice+web-7d9f', [], { cols: 100, rows: 30 });
    const m = marker('MARK');
    t.type(`clear; printf '%s-line-%d\\n' ${m} 1 ${m} 2 ${m} 3; printf '\\033[1;31m%s-red\\033[0m\\n' ${m}; echo READY-$((40+2))`, true);
    await t.waitFor(/READY-42/);
    const rows = await sessionsOf('alice');
    const mine = rows.find((r) => !known.has(r.id));
    expect(mine, JSON.stringify(rows)).toMatchObject({ target: 'web-7d9f.default+app', state: 'attached' });
    expect(mine!.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await new Promise((r) => setTimeout(r, 300)); // the prompt after READY-42 is drawn
    const before = screen(t.capture());
    t.kill(); // the client dies with its terminal

    const id = await detachedId('alice', /^web-7d9f\.default\+app$/, known);
    expect(id).toBe(mine!.id);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_DETACH' && l['sessionId'] === id)).toMatchObject({ user: 'alice', pod: 'web-7d9f', graceSeconds: GRACE });
    expect(pg.logs().find((l) => l['code'] === 'SESSION_END' && l['sessionId'] === id)).toBeUndefined();

    const a = tmux('alice', ['attach', id], { cols: 100, rows: 30, tty: true });
    await a.waitFor(new RegExp(`${m}-red`));
    await new Promise((r) => setTimeout(r, 300));
    expect(screen(a.capture())).toBe(before);
    expect((await sessionsOf('alice')).find((r) => r.id === id)?.state).toBe('attached');

    // Live again: what is typed runs once, and the exec follows the client's window.
    a.type('echo AFTER-$((1+1))', true);
    await a.waitFor(/^AFTER-2$/m);
    a.resize(120, 35);
    await new Promise((r) => setTimeout(r, 500));
    a.type('echo "size=$(stty size)"', true);
    expect(await a.waitFor(/size=\d+ \d+/)).toMatch(/size=35 120/);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_ATTACH' && l['sessionId'] === id)).toMatchObject({ via: 'attach', user: 'alice', took: false });

    // `exit` ends it for good: no detach, the attach client gets the exit status.
    a.type('exit 7', true);
    await a.waitFor(/\[ssh exited 7\]/);
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['sessionId'] === id), 'SESSION_END');
    expect(end).toMatchObject({ exitCode: 7, reason: 'exit' });
    expect((await sessionsOf('alice')).find((r) => r.id === id)).toBeUndefined();
  }, 120_000);

  it('attach at another window size: the screen is redrawn at that size and the exec gets it', async () => {
    const known = new Set((await sessionsOf('alice')).map((r) => r.id));
    const t = tmux('alice+web-7d9f', [], { cols: 80, rows: 24 });
    const m = marker('SIZE');
    t.type(`echo ${m}-$((3*3))`, true);
    await t.waitFor(new RegExp(`^${m}-9$`, 'm'));
    t.kill();
    const id = await detachedId('alice', /^web-7d9f\./, known);
    const a = tmux('alice', ['attach', id], { cols: 132, rows: 40, tty: true });
    await a.waitFor(new RegExp(`^${m}-9$`, 'm'));
    a.type('echo "now=$(stty size)"', true);
    expect(await a.waitFor(/now=\d+ \d+/)).toMatch(/now=40 132/);
    a.type('exit', true);
    await a.waitFor(/\[ssh exited 0\]/);
  }, 90_000);

  it('attach while the session is still attached elsewhere takes it over; the other client is told', async () => {
    const known = new Set((await sessionsOf('alice')).map((r) => r.id));
    const t = tmux('alice+web-7d9f', [], { cols: 80, rows: 24 });
    const m = marker('TAKE');
    t.type(`echo ${m}-$((6+1))`, true);
    await t.waitFor(new RegExp(`^${m}-7$`, 'm'));
    const id = (await sessionsOf('alice')).find((r) => !known.has(r.id))!.id;
    const a = tmux('alice', ['attach', id.slice(0, 10)], { cols: 80, rows: 24, tty: true });
    await a.waitFor(new RegExp(`^${m}-7$`, 'm'));
    const old = await t.waitFor(/\[ssh exited 255\]/);
    expect(old).toMatch(/podgate: this session was attached from another connection/);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_ATTACH' && l['sessionId'] === id)).toMatchObject({ via: 'attach', took: true });
    a.type('echo still-$((8+1))', true);
    await a.waitFor(/^still-9$/m);
    a.type('exit', true);
    await a.waitFor(/\[ssh exited 0\]/);
  }, 90_000);

  it('resume: auto — ssh -t alice+TARGET resumes the newest detached session there and says so', async () => {
    const known = new Set((await sessionsOf('alice')).map((r) => r.id));
    const t = tmux('alice+web-7d9f', [], { cols: 90, rows: 25 });
    const m = marker('RESUME');
    t.type(`export KEPT=${m}; echo set-$((5+5))`, true);
    await t.waitFor(/^set-10$/m);
    t.kill();
    const id = await detachedId('alice', /^web-7d9f\./, known);

    const r = tmux('alice+web-7d9f', [], { cols: 90, rows: 25 });
    await r.waitFor(/^set-10$/m); // the old screen, redrawn
    r.type('echo "kept=$KEPT"', true);
    await r.waitFor(new RegExp(`^kept=${m}$`, 'm')); // the same shell
    const attach = pg.logs().find((l) => l['code'] === 'SESSION_ATTACH' && l['sessionId'] === id);
    expect(attach).toMatchObject({ via: 'resume', user: 'alice' });
    // The one line, on stderr (a redirected stderr keeps it; the redraw follows on stdout).
    const line = await ssh(pg, 'alice+web-7d9f', [], { tty: true, input: 'echo again-$((2+2)); exit 5\n', timeoutMs: 30_000 });
    // The session was attached to `r`: a second resume finds no detached one and opens a new shell.
    expect(line.stderr).not.toMatch(/resumed/);
    expect(line.code).toBe(5);
    r.kill();
    await detachedId('alice', /^web-7d9f\./, known);
    const again = await ssh(pg, 'alice+web-7d9f', [], { tty: true, input: 'echo "kept=$KEPT"; exit 6\n', timeoutMs: 30_000 });
    expect(again.stderr).toMatch(new RegExp(`^podgate: resumed your session ${id}, detached \\d+ s ago\\r?$`, 'm'));
    expect(again.stdout.toString()).toContain(`kept=${m}`);
    expect(again.code).toBe(6);
  }, 120_000);
});

describe('grace expiry', () => {
  it('a detached session nobody attaches to is ended after the grace and its processes are reaped', async () => {
    const known = new Set((await sessionsOf('alice')).map((r) => r.id));
    const t = tmux('alice+tiny.prod', [], { cols: 80, rows: 24 });
    const secs = 5000 + Math.floor(Math.random() * 4000);
    const sleeper = (): Promise<boolean> => emu.processes('prod', 'tiny', 'sh').then((ps) => ps.some((p) => p.args === `sleep ${secs}`));
    t.type(`sleep ${secs} & echo started-$((2*3))`, true);
    await t.waitFor(/^started-6$/m);
    await waitFor(sleeper, 'the background sleep');
    t.kill();
    const id = await detachedId('alice', /^tiny\.prod\+/, known);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await sleeper()).toBe(true); // still running while detached
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_END' && l['sessionId'] === id), 'SESSION_END after the grace', (GRACE + 30) * 1000, 500);
    expect(end).toMatchObject({ reason: 'detach-expired' });
    expect(pg.logs().find((l) => l['code'] === 'SESSION_GRACE_EXPIRED' && l['sessionId'] === id)).toMatchObject({ kind: 'detached', user: 'alice' });
    const reap = await waitFor(() => pg.logs().find((l) => l['code'] === 'REAP' && l['sessionId'] === id), 'REAP');
    expect(reap['outcome']).not.toBe('failed');
    expect(reap['found']).toBeGreaterThanOrEqual(2); // the shell and the sleep
    expect(await sleeper()).toBe(false);
  }, 120_000);
});
