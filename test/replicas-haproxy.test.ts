/**
 * Sessions across replicas, end to end: two `podgate serve` processes (same config, host and
 * user keys; different relay ports) against one emulator, behind a real HAProxy in round-robin
 * TCP mode, driven by the real OpenSSH client under tmux. A shell started through HAProxy is
 * detached by killing its client; `attach ID` through HAProxy lands on the other replica, which
 * finds the holder by the session's Lease and relays to it: the screen as it was, then live
 * input, output and resizes, and the exit status. Refusals: another user, a replica with a
 * different secret, a holder that is down, the stale Lease a crashed holder leaves.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteAttach } from '../src/replicas/relay-client.ts';
import type { Podgate } from './helpers/podgate.ts';
import { detachedShell as markedShell, expectLiveUntilExit, leaseOf as leaseIn, logOf, relayPort, screen, startReplicaPair, type ReplicaPair } from './helpers/replica-pair.ts';
import { ssh, tmuxTracker, waitFor, type SshEndpoint, type TmuxSession } from './helpers/ssh.ts';

const GRACE = 20;
let pair: ReplicaPair;
let a: Podgate;
let b: Podgate;
let lb: SshEndpoint;
let secret: string;
const tmuxes = tmuxTracker();

beforeAll(async () => {
  pair = await startReplicaPair({ sessions: { detachGraceSeconds: GRACE } });
  ({ a, b, lb, secret } = pair);
}, 120_000);

afterAll(async () => {
  tmuxes.killAll();
  await pair?.close();
});

const tmux = tmuxes.start;

const other = (p: Podgate): Podgate => (p === a ? b : a);
const leaseOf = (id: string) => leaseIn(pair.kube, id);
/** Starts a shell through `ep`, marks its screen, kills the client: the detached session. */
const detachedShell = (ep: SshEndpoint, tag: string) => markedShell(pair, ep, tmux, tag);

describe('a session detached on one replica, resumed through another', () => {
  it('attach ID through HAProxy on the other replica: the screen as it was, then live I/O, resizes and the exit status', async () => {
    const s = await detachedShell(lb, 'CROSS');
    // Round robin: the next connection goes to the other replica; try a few times if something else came between.
    let t: TmuxSession | undefined;
    for (let i = 0; i < 4 && !t; i++) {
      const c = tmux(lb, 'alice', ['attach', s.id], { cols: 100, rows: 30, tty: true });
      await c.waitFor(new RegExp(`${s.mark}-line-2|podgate:`));
      const front = other(s.holder);
      if (front.logs().some((l) => l['code'] === 'REPLICA_RELAY_ATTACH' && l['side'] === 'front' && l['sessionId'] === s.id)) t = c;
      else c.kill();
    }
    expect(t, 'an attach through HAProxy that landed on the other replica').toBeDefined();
    const c = t!;
    await new Promise((r) => setTimeout(r, 300));
    expect(screen(c.capture())).toBe(s.before);
    expect(await waitFor(() => logOf(s.holder, 'REPLICA_RELAY_ATTACH', s.id), 'the holder\'s audit line')).toMatchObject({ side: 'holder', user: 'alice', op: 'attach', result: 'accepted' });
    // Attached again: the Lease says so (replaced, not deleted: the session is live).
    await waitFor(async () => (await leaseOf(s.id))?.annotations?.['podgate.dev/state'] === 'attached', 'the Lease in state attached');
    await expectLiveUntilExit(c, s.holder, s.id, 5);
  }, 180_000);

  it('a relayed client that drops leaves the session detached on its holder, its Lease detached again; sessions on either replica lists it', async () => {
    const s = await detachedShell(a, 'AGAIN');
    const c = tmux(b, 'alice', ['attach', s.id], { cols: 100, rows: 30, tty: true });
    await c.waitFor(new RegExp(`${s.mark}-line-2`));
    await waitFor(async () => (await leaseOf(s.id))?.annotations?.['podgate.dev/state'] === 'attached', 'the Lease in state attached');
    c.kill();
    await waitFor(async () => (await leaseOf(s.id))?.annotations?.['podgate.dev/state'] === 'detached', 'the Lease in state detached again');
    for (const p of [a, b]) {
      const r = await ssh(p, 'alice', ['sessions']);
      expect(r.stdout.toString(), r.stderr).toMatch(new RegExp(`^${s.id}\\s+web-7d9f\\.default\\+app\\s+detached`, 'm'));
    }
    // Another user's listing shows nothing of it (the Leases are selected by user).
    expect((await ssh(b, 'bob', ['sessions'])).stdout.toString()).not.toContain(s.id);
    // Attach again on the holder itself, locally: the screen is there too.
    const back = tmux(a, 'alice', ['attach', s.id], { cols: 100, rows: 30, tty: true });
    await back.waitFor(new RegExp(`${s.mark}-line-2`));
    back.type('exit', true);
    await back.waitFor(/\[ssh exited 0\]/);
  }, 120_000);

  it('watch ID through another replica: the detached screen, then what its owner types once back on the holder; Ctrl-] leaves', async () => {
    const s = await detachedShell(a, 'WATCH');
    const w = tmux(b, 'alice', ['watch', s.id], { cols: 100, rows: 30, tty: true });
    await w.waitFor(new RegExp(`${s.mark}-line-2`));
    expect(await waitFor(() => logOf(a, 'REPLICA_RELAY_ATTACH', s.id), 'the holder\'s audit line')).toMatchObject({ side: 'holder', op: 'watch', result: 'accepted' });
    // The owner comes back on the holder itself; the watcher on the other replica sees it live.
    const back = tmux(a, 'alice', ['attach', s.id], { cols: 100, rows: 30, tty: true });
    await back.waitFor(new RegExp(`${s.mark}-line-2`));
    back.type('echo SEEN-$((9*9))', true);
    await w.waitFor(/^SEEN-81$/m);
    // Keystrokes of a watcher never reach the session.
    w.type('echo NEVER-$((1+1))', true);
    await new Promise((r) => setTimeout(r, 500));
    expect(back.capture()).not.toMatch(/NEVER-2/);
    w.keys('C-]');
    await w.waitFor(/\[ssh exited 0\]/);
    back.type('exit', true);
    await back.waitFor(/\[ssh exited 0\]/);
  }, 120_000);

  it("another user's attach is refused by the front, and by the holder itself when asked over the relay", async () => {
    const s = await detachedShell(a, 'OWNER');
    const r = await ssh(b, 'mallory', ['attach', s.id], { tty: true });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`podgate: no session "${s.id}" of yours`);
    expect(b.logs().some((l) => l['code'] === 'REPLICA_RELAY_ATTACH' && l['user'] === 'mallory')).toBe(false);
    // A replica that skipped the check: the holder refuses on its own.
    await expect(remoteAttach({ address: `127.0.0.1:${relayPort(a)}`, secret: Buffer.from(secret), timeoutMs: 5000 }, { op: 'attach', user: 'mallory', id: s.id, cols: 80, rows: 24, from: 'test' }))
      .rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect(await waitFor(() => logOf(a, 'REPLICA_RELAY_ATTACH', s.id), 'the holder\'s audit line')).toMatchObject({ side: 'holder', user: 'mallory', result: 'SESSION_NOT_FOUND' });
    const mine = tmux(b, 'alice', ['attach', s.id], { tty: true });
    await mine.waitFor(new RegExp(`${s.mark}-line-2`));
    mine.type('exit', true);
    await mine.waitFor(/\[ssh exited 0\]/);
  }, 120_000);

  it('a replica with another secret cannot reach the holder: a clear podgate error, and the holder logs the refusal', async () => {
    writeFileSync(join(pair.work, 'other-secret'), randomBytes(36).toString('base64'));
    const c = await pair.startReplica(join(pair.work, 'other-secret'));
    const s = await detachedShell(a, 'SECRET');
    const r = await ssh(c, 'alice', ['attach', s.id], { tty: true });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`podgate: the podgate replica 127.0.0.1:${relayPort(a)} that holds this session cannot be reached`);
    await waitFor(() => a.logs().find((l) => l['code'] === 'REPLICA_RELAY_REFUSED' && l['reason'] === 'relay peer failed authentication (wrong secret)'), 'the refusal on the holder');
    expect(await leaseOf(s.id)).not.toBeNull();
  }, 120_000);

  it('a holder that is down: unreachable while its Lease is fresh, SESSION_LOST once it is stale (and the Lease is removed)', async () => {
    const s = await detachedShell(a, 'CRASH');
    a.kill('SIGKILL');
    await a.exited;
    const down = await ssh(b, 'alice', ['attach', s.id], { tty: true });
    expect(down.code).toBe(255);
    expect(down.stderr).toContain('podgate: the podgate replica');
    expect(down.stderr).toContain('cannot be reached');
    const lease = await leaseOf(s.id);
    const staleAt = Date.parse(lease!.renewTime!) + lease!.leaseDurationSeconds * 1000 + 1500;
    await new Promise((r) => setTimeout(r, Math.max(0, staleAt - Date.now())));
    const lost = await ssh(b, 'alice', ['attach', s.id], { tty: true });
    expect(lost.code).toBe(255);
    expect(lost.stderr).toContain('podgate: the podgate replica that held this session stopped; the session is gone');
    expect(await leaseOf(s.id)).toBeNull();
    await waitFor(() => b.logs().find((l) => l['code'] === 'REPLICA_LEASE_STALE' && l['sessionId'] === s.id), 'REPLICA_LEASE_STALE on the front');
  }, 120_000);
});
