/**
 * Sessions across replicas with `sessions.resume: auto`, end to end: two `podgate serve`
 * processes behind a real HAProxy (round robin), the real OpenSSH client under tmux. A shell
 * detached on one replica is resumed by `ssh -t alice+POD` landing on the other: the one
 * `podgate: resumed` line, the screen as it was, live I/O, resizes, the exit status. A holder
 * that cannot be reached never fails the login: a new shell starts and the reason is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USERS, type Podgate } from './helpers/podgate.ts';
import { detachedShell as markedShell, expectLiveUntilExit, leaseOf, logOf, newSession, idsLogged, screen, startReplicaPair, type ReplicaPair } from './helpers/replica-pair.ts';
import { ssh, tmuxTracker, waitFor, type TmuxSession } from './helpers/ssh.ts';

let pair: ReplicaPair;
const tmuxes = tmuxTracker();

beforeAll(async () => {
  pair = await startReplicaPair({
    sessions: { detachGraceSeconds: 30, resume: 'auto' },
    users: [
      ...DEFAULT_USERS.map((u) => (u.name === 'bob' ? { ...u, allow: { watch: true } } : u)),
      // An on-call colleague whose Kubernetes identity may exec where alice works.
      { name: 'wendy', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { watch: true } },
    ],
  });
}, 120_000);

afterAll(async () => {
  tmuxes.killAll();
  await pair?.close();
});

const tmux = tmuxes.start;

const other = (p: Podgate): Podgate => (p === pair.a ? pair.b : pair.a);
const frontResumed = (p: Podgate, id: string): boolean => p.logs().some((l) => l['code'] === 'REPLICA_RELAY_ATTACH' && l['side'] === 'front' && l['op'] === 'resume' && l['sessionId'] === id && l['result'] === 'accepted');

describe('sessions.resume: auto across replicas', () => {
  it('ssh -t alice+POD through HAProxy lands on the other replica and resumes there: the line, the screen, live I/O, resize, exit status', async () => {
    const s = await markedShell(pair, pair.lb, tmux, 'RESUME');
    // Round robin: the next connection lands on the other replica. Should something have come
    // between, the holder resumes it locally; let that client go (detached again) and retry.
    let c: TmuxSession | undefined;
    for (let i = 0; i < 4 && !c; i++) {
      const t = tmux(pair.lb, 'alice+web-7d9f', [], { cols: 100, rows: 30 });
      await t.waitFor(new RegExp(`${s.mark}-line-2`));
      if (frontResumed(other(s.holder), s.id)) { c = t; break; }
      const known = idsLogged(pair, 'SESSION_DETACH');
      t.kill();
      await waitFor(() => s.holder.logs().filter((l) => l['code'] === 'SESSION_DETACH' && l['sessionId'] === s.id).length > (known.has(s.id) ? 1 : 0), 'detached again');
      await waitFor(async () => (await leaseOf(pair.kube, s.id))?.annotations?.['podgate.dev/detached-at'], 'the Lease again');
    }
    expect(c, 'a login through HAProxy that landed on the other replica').toBeDefined();
    const t = c!;
    // The redraw: exactly the screen the killed client had.
    await waitFor(() => screen(t.capture()) === s.before, 'the redrawn screen', 5000).catch(() => undefined);
    expect(screen(t.capture())).toBe(s.before);
    // The one line came first (the redraw scrolled it into the terminal's scrollback).
    expect(t.history()).toMatch(new RegExp(`^podgate: resumed your session ${s.id}, detached \\d+ s ago$`, 'm'));
    expect(await waitFor(() => logOf(s.holder, 'REPLICA_RELAY_ATTACH', s.id), "the holder's audit line")).toMatchObject({ side: 'holder', user: 'alice', op: 'resume', result: 'accepted' });
    // No new session was started on the front for this login.
    expect(other(s.holder).logs().some((l) => l['code'] === 'SESSION_START' && l['pty'] === true && !idsLogged(pair, 'SESSION_DETACH').has(String(l['sessionId'])))).toBe(false);
    await expectLiveUntilExit(t, s.holder, s.id, 7);
  }, 180_000);

  it('the one line on stderr, the same shell (its variables), and only the same container is resumed', async () => {
    const known = idsLogged(pair, 'SESSION_DETACH');
    const t = tmux(pair.a, 'alice+web-7d9f', [], { cols: 90, rows: 25 });
    const mark = `KEPT-${Date.now()}`;
    t.type(`export KEPT=${mark}; echo set-$((5+5))`, true);
    await t.waitFor(/^set-10$/m);
    t.kill();
    const { id } = await newSession(pair, 'SESSION_DETACH', known);
    await waitFor(async () => (await leaseOf(pair.kube, id))?.annotations?.['podgate.dev/detached-at'], 'the Lease');
    // Another container of the same user: a new shell, nothing resumed.
    const elsewhere = await ssh(pair.b, 'alice+tiny.prod', [], { tty: true, input: 'echo "kept=[$KEPT]"; exit 4\n', timeoutMs: 30_000 });
    expect(elsewhere.stderr).not.toMatch(/resumed/);
    expect(elsewhere.stdout.toString()).toContain('kept=[]');
    expect(elsewhere.code).toBe(4);
    // The same container on the other replica: resumed through the relay.
    const r = await ssh(pair.b, 'alice+web-7d9f', [], { tty: true, input: 'echo "kept=[$KEPT]"; exit 6\n', timeoutMs: 30_000 });
    expect(r.stderr).toMatch(new RegExp(`^podgate: resumed your session ${id}, detached \\d+ s ago\\r?$`, 'm'));
    expect(r.stdout.toString()).toContain(`kept=[${mark}]`);
    expect(r.code).toBe(6);
    expect(frontResumed(pair.b, id)).toBe(true);
  }, 120_000);

  it('the Kubernetes API failing the lookup never fails the login: a new shell, and REPLICA_RESUME_FALLBACK says why', async () => {
    const before = pair.b.logs().filter((l) => l['code'] === 'REPLICA_RESUME_FALLBACK').length;
    pair.emu.fault({ failNext: { count: 5, status: 500, pathPattern: '/namespaces/podgate/leases$', message: 'etcd is on fire' } });
    const r = await ssh(pair.b, 'alice+web-7d9f', [], { tty: true, input: 'echo FRESH-$((2+2)); exit 2\n', timeoutMs: 30_000 });
    pair.emu.fault({ failNext: { count: 0, status: 500 } });
    expect(r.stderr).not.toMatch(/resumed/);
    expect(r.stdout.toString()).toMatch(/FRESH-4/);
    expect(r.code).toBe(2);
    const fell = pair.b.logs().filter((l) => l['code'] === 'REPLICA_RESUME_FALLBACK').slice(before);
    expect(fell[0]).toMatchObject({ user: 'alice', message: expect.stringContaining('etcd is on fire') as unknown });
    expect(fell[0]).not.toHaveProperty('sessionId');
  }, 60_000);
});

describe('live (attached) sessions across replicas', () => {
  it("watch ID through the other replica on a colleague's running session: the screen, live output, joined/left lines; attach ID takes it over", async () => {
    const known = idsLogged(pair, 'SESSION_START');
    const owner = tmux(pair.lb, 'alice+web-7d9f', [], { cols: 100, rows: 30 });
    owner.type('clear; echo BEFORE-$((1+1))', true);
    await owner.waitFor(/^BEFORE-2$/m);
    expect(owner.capture()).not.toMatch(/resumed/);
    const { holder, id } = await newSession(pair, 'SESSION_START', known);
    const front = other(holder);
    // Published while attached: the state says so, and there is no detached-at.
    const lease = await waitFor(async () => {
      const l = await leaseOf(pair.kube, id);
      return l?.annotations?.['podgate.dev/state'] === 'attached' ? l : null;
    }, 'the Lease of the attached session');
    expect(lease.annotations).not.toHaveProperty(['podgate.dev/detached-at']);
    const listed = await ssh(front, 'alice', ['sessions']);
    expect(listed.stdout.toString(), listed.stderr).toMatch(new RegExp(`^${id}\\s+web-7d9f\\.default\\+app\\s+attached\\s`, 'm'));

    // The watcher through HAProxy, until it lands on the replica that does not hold the session.
    let w: TmuxSession | undefined;
    for (let i = 0; i < 4 && !w; i++) {
      const t = tmux(pair.lb, 'wendy', ['watch', id], { cols: 100, rows: 30, tty: true });
      await t.waitFor(/^BEFORE-2$/m);
      if (front.logs().some((l) => l['code'] === 'REPLICA_RELAY_ATTACH' && l['side'] === 'front' && l['op'] === 'watch' && l['sessionId'] === id)) w = t;
      else { t.keys('C-]'); await t.waitFor(/\[ssh exited 0\]/); }
    }
    expect(w, 'a watch through HAProxy that landed on the other replica').toBeDefined();
    const watcher = w!;
    await owner.waitFor(/podgate: wendy is watching this session/);
    owner.type('echo LIVE-$((3*3))', true);
    await watcher.waitFor(/^LIVE-9$/m);
    // A watcher's keystrokes never reach the session.
    watcher.type('echo NEVER-$((1+1))', true);
    await new Promise((r) => setTimeout(r, 500));
    expect(owner.capture()).not.toMatch(/NEVER-2/);
    watcher.keys('C-]');
    await watcher.waitFor(/\[ssh exited 0\]/);
    await owner.waitFor(/podgate: wendy stopped watching this session/);

    // Refusals come from the front, as locally: bob may watch but not exec there; mallory may not watch.
    const bob = await ssh(front, 'bob', ['watch', id], { tty: true });
    expect(bob.code).toBe(255);
    expect(bob.stdout.toString() + bob.stderr).toMatch(/^podgate: .*bob.*exec.*default/m);
    const mallory = await ssh(front, 'mallory', ['watch', id], { tty: true });
    expect(mallory.code).toBe(255);
    expect(mallory.stderr).toMatch(/podgate: mallory may not watch other sessions/);
    expect(front.logs().some((l) => l['code'] === 'REPLICA_RELAY_ATTACH' && (l['user'] === 'bob' || l['user'] === 'mallory'))).toBe(false);

    // resume: auto only picks detached sessions: a new shell on the other replica, the owner undisturbed.
    const fresh = await ssh(front, 'alice+web-7d9f', [], { tty: true, input: 'echo NEWSHELL-$((4+4)); exit 0\n', timeoutMs: 30_000 });
    expect(fresh.stderr).not.toMatch(/resumed/);
    expect(fresh.stdout.toString()).toMatch(/NEWSHELL-8/);
    owner.type('echo STILL-$((5+5))', true);
    await owner.waitFor(/^STILL-10$/m);

    // attach ID from the other replica takes the running session over, as locally.
    const taker = tmux(front, 'alice', ['attach', id], { cols: 100, rows: 30, tty: true });
    await taker.waitFor(/^STILL-10$/m);
    await owner.waitFor(/podgate: this session was attached from another connection/);
    await owner.waitFor(/\[ssh exited 255\]/);
    taker.type('echo TAKEN-$((6+6))', true);
    await taker.waitFor(/^TAKEN-12$/m);
    // The taker drops: detached, and so is its Lease; the listing on either replica says so.
    taker.kill();
    await waitFor(async () => (await leaseOf(pair.kube, id))?.annotations?.['podgate.dev/state'] === 'detached', 'the Lease in state detached');
    for (const p of [pair.a, pair.b]) {
      const r = await ssh(p, 'alice', ['sessions']);
      expect(r.stdout.toString(), r.stderr).toMatch(new RegExp(`^${id}\\s+web-7d9f\\.default\\+app\\s+detached\\s`, 'm'));
    }
    // Back through the relay (resume: auto) and ended: the Lease goes.
    const back = await ssh(front, 'alice+web-7d9f', [], { tty: true, input: 'exit 9\n', timeoutMs: 30_000 });
    expect(back.stderr).toMatch(new RegExp(`podgate: resumed your session ${id}`));
    expect(back.code).toBe(9);
    await waitFor(async () => (await leaseOf(pair.kube, id)) === null, 'the Lease deleted at the end');
  }, 180_000);
});

describe('last: a holder that stops', () => {
  it('a holder that is down never fails the login: a new shell, and REPLICA_RESUME_FALLBACK says why', async () => {
    const s = await markedShell(pair, pair.a, tmux, 'DOWN');
    expect(s.holder).toBe(pair.a);
    pair.a.kill('SIGKILL');
    await pair.a.exited;
    const r = await ssh(pair.b, 'alice+web-7d9f', [], { tty: true, input: 'echo NEW-$((1+2)); exit 3\n', timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/resumed/);
    expect(r.stdout.toString()).toMatch(/NEW-3/);
    expect(r.code).toBe(3);
    expect(await waitFor(() => pair.b.logs().find((l) => l['code'] === 'REPLICA_RESUME_FALLBACK' && l['sessionId'] === s.id), 'the fallback event'))
      .toMatchObject({ user: 'alice', errorCode: 'REPLICA_UNREACHABLE', holder: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown });
  }, 120_000);
});
