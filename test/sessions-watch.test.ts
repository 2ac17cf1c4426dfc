/**
 * `watch ID` with the real OpenSSH client under tmux: a read-only live view (the screen so far,
 * then live; keystrokes ignored; the watcher's window never resizes the session), for users
 * whose policy allows watching and whose Kubernetes identity may exec there; the watched user
 * is told who joins and leaves; refusals are one `podgate:` line and an audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { DEFAULT_USERS, startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, tmuxTracker, waitFor, type TmuxSession } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
const tmuxes = tmuxTracker();

beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({
    emulator: emu,
    users: [
      ...DEFAULT_USERS.map((u) => (u.name === 'bob' ? { ...u, allow: { watch: true } } : u)),
      // An on-call colleague whose Kubernetes identity may exec where alice works.
      { name: 'wendy', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { watch: true } },
    ],
    configPatch: { sessions: { detachGraceSeconds: 30 } },
  });
}, 90_000);

afterAll(async () => {
  tmuxes.killAll();
  await pg?.stop();
  await emu?.close();
});

function tmux(user: string, args: string[] = [], opts: { cols?: number; rows?: number; tty?: boolean } = {}): TmuxSession {
  return tmuxes.start(pg, user, args, opts);
}

async function liveSessions(user: string): Promise<{ id: string; state: string }[]> {
  const r = await ssh(pg, user, ['sessions']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString().trimEnd().split('\n').slice(1).map((l) => {
    const [id, , state] = l.split(/\s{3,}/);
    return { id, state };
  });
}

describe('watch', () => {
  let id = '';
  let owner: TmuxSession;

  beforeAll(async () => {
    owner = tmux('alice+web-7d9f', [], { cols: 100, rows: 30 });
    owner.type('echo BEFORE-$((1+1))', true);
    await owner.waitFor(/^BEFORE-2$/m);
    id = (await liveSessions('alice'))[0].id;
  }, 60_000);

  it('shows the screen and then live output, read-only, without resizing the session', async () => {
    const w = tmux('wendy', ['watch', id], { cols: 60, rows: 20, tty: true });
    await w.waitFor(/^BEFORE-2$/m); // the screen so far
    await owner.waitFor(/podgate: wendy is watching this session/);
    expect((await liveSessions('alice')).find((s) => s.id === id)?.state).toBe('watched');

    owner.type('echo LIVE-$((3+4))', true);
    await w.waitFor(/^LIVE-7$/m);

    w.type('echo INJECTED-$((5+5))', true);
    await new Promise((r) => setTimeout(r, 1500));
    owner.type('echo "owner-size=$(stty size)"', true);
    await w.waitFor(/owner-size=\d+ \d+/);
    const seen = await owner.waitFor(/owner-size=\d+ \d+/);
    expect(seen).toMatch(/owner-size=30 100/);
    expect(seen).not.toMatch(/INJECTED-10/);
    expect(w.capture()).not.toMatch(/INJECTED-10/);

    w.keys('C-]'); // stops watching
    await w.waitFor(/\[ssh exited 0\]/);
    await owner.waitFor(/podgate: wendy stopped watching this session/);
    const end = await waitFor(() => pg.logs().find((l) => l['code'] === 'SESSION_WATCH_END' && l['sessionId'] === id), 'SESSION_WATCH_END');
    expect(end).toMatchObject({ watcher: 'wendy', owner: 'alice', why: 'left' });
    expect(pg.logs().find((l) => l['code'] === 'SESSION_WATCH_START' && l['sessionId'] === id)).toMatchObject({ watcher: 'wendy', pod: 'web-7d9f', namespace: 'default' });
    expect((await liveSessions('alice')).find((s) => s.id === id)?.state).toBe('attached');
  }, 90_000);

  it('refuses a user without allow.watch the same way whether or not the id exists', async () => {
    for (const ref of [id, 'ffffffffffffffff']) {
      const r = await ssh(pg, 'mallory', ['watch', ref], { tty: true });
      expect(r.code).toBe(255);
      expect(r.stdout.toString() + r.stderr).toMatch(/^podgate: mallory may not watch other sessions \(allow\.watch, allow\.shell\)\r?$/m);
    }
    expect(pg.logs().find((l) => l['code'] === 'SESSION_JOIN_DENIED' && l['user'] === 'mallory' && l['sessionId'] === id)).toMatchObject({ mode: 'watch', errorCode: 'POLICY_DENIED' });
  }, 60_000);

  it('refuses a watcher whose Kubernetes identity may not exec into that container', async () => {
    const r = await ssh(pg, 'bob', ['watch', id], { tty: true });
    expect(r.code).toBe(255);
    expect(r.stdout.toString() + r.stderr).toMatch(/^podgate: .*bob.*exec.*default/m);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_JOIN_DENIED' && l['user'] === 'bob')).toMatchObject({ mode: 'watch', errorCode: 'FORBIDDEN' });
  }, 60_000);

  it('attach is for the owner only; attach and watch need a terminal', async () => {
    const other = await ssh(pg, 'wendy', ['attach', id], { tty: true });
    expect(other.code).toBe(255);
    expect(other.stdout.toString() + other.stderr).toMatch(new RegExp(`^podgate: no session "${id}" of yours on this bastion`, 'm'));
    const noTty = await ssh(pg, 'alice', ['watch', id]);
    expect(noTty.code).toBe(255);
    expect(noTty.stderr).toBe(`podgate: watch needs a terminal: ssh -t alice@bastion watch ID\n`);
    const ownWatch = tmux('alice', ['watch', id.slice(0, 8)], { cols: 100, rows: 30, tty: true });
    await ownWatch.waitFor(/^BEFORE-2$/m); // a unique prefix of one's own session will do
    ownWatch.kill();
  }, 60_000);
});
