/**
 * Lingering processes across replicas, the way VS Code Remote-SSH works, through a real HAProxy
 * in front of two `podgate serve` processes: `ssh -T -D PORT alice+web-7d9f bash` with an
 * install script that starts a server in the pod lands on one replica; the client is killed
 * (its processes linger there, published as a Lease); the reconnect lands on the other replica,
 * finds the server still answering, and that replica adopts the processes through the relay
 * (handover: it tracks them first, the holder lets go of them unreaped). They then outlive the
 * first replica's grace, and are reaped by the adopting replica when its connection's grace runs
 * out. A request for another user's processes is refused and the holder keeps them.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteAdopt } from '../src/replicas/relay-client.ts';
import { waitListening } from './forward-helpers.ts';
import { ANSWER, fetchVia, ideConnect, installScript, serverRunning } from './helpers/ide.ts';
import type { Podgate } from './helpers/podgate.ts';
import { idsLogged, leaseOf, newSession, relayPort, startReplicaPair, type ReplicaPair } from './helpers/replica-pair.ts';
import { waitFor } from './helpers/ssh.ts';

const GRACE = 12;
let pair: ReplicaPair;
const clients: ChildProcess[] = [];

beforeAll(async () => {
  pair = await startReplicaPair({ sessions: { detachGraceSeconds: GRACE } });
}, 120_000);

afterAll(async () => {
  for (const c of clients) if (c.exitCode === null) c.kill('SIGKILL');
  await pair?.close();
});

const other = (p: Podgate): Podgate => (p === pair.a ? pair.b : pair.a);
/** Whether `p`'s reaper journal tracks session `id` (a crash of `p` would reap its processes). */
const journals = (p: Podgate, id: string): boolean => existsSync(join(p.dir, 'state', 'sessions', `${id}.json`));
const logged = (p: Podgate, code: string, sessionId: string): Record<string, unknown> | undefined => p.logs().find((l) => l['code'] === code && l['sessionId'] === sessionId);

describe('lingering processes across replicas', () => {
  it('a reconnect through HAProxy that lands on the other replica adopts the server: it answers, outlives the first grace, and is reaped by the adopter', async () => {
    const podPort = 20_000 + Math.floor(Math.random() * 20_000);
    let known = idsLogged(pair, 'SESSION_START');
    const first = await ideConnect(pair.lb, installScript(podPort), clients);
    await waitFor(() => first.out().includes(`listeningOn==${podPort}==`), 'first install', 30_000);
    expect(first.out()).toContain('started=yes');
    const { holder, id: firstId } = await newSession(pair, 'SESSION_START', known);
    await waitListening(first.socks);
    expect((await fetchVia(first.socks, podPort)).stdout.toString()).toBe(ANSWER);

    first.child.kill('SIGKILL'); // the laptop sleeps
    await waitFor(() => logged(holder, 'SESSION_LINGER', firstId), 'SESSION_LINGER on the holder');
    const lease = await waitFor(async () => {
      const l = await leaseOf(pair.kube, firstId);
      return l?.annotations?.['podgate.dev/kind'] === 'linger' ? l : null;
    }, 'the Lease of the lingering processes');
    expect(lease.holderIdentity).toBe(`127.0.0.1:${relayPort(holder)}`);

    // Another user cannot take them: the holder refuses and keeps them.
    const refused = await remoteAdopt({ address: lease.holderIdentity, secret: Buffer.from(pair.secret), timeoutMs: 5000 }, { op: 'adopt', user: 'mallory', id: firstId, from: 'test' });
    expect(refused).toMatchObject({ outcome: 'refused', error: { code: 'SESSION_NOT_FOUND' } });
    expect(await leaseOf(pair.kube, firstId)).not.toBeNull();
    expect(journals(holder, firstId)).toBe(true);

    // The reconnect: round robin sends it to the other replica.
    known = idsLogged(pair, 'SESSION_START');
    const second = await ideConnect(pair.lb, installScript(podPort), clients);
    await waitFor(() => second.out().includes(`listeningOn==${podPort}==`), 'second install', 30_000);
    expect(second.out()).not.toContain('started=yes'); // found the old server running
    const { holder: adopter, id: secondId } = await newSession(pair, 'SESSION_START', known);
    expect(adopter, 'the reconnect landed on the other replica').toBe(other(holder));
    await waitListening(second.socks);
    expect((await fetchVia(second.socks, podPort)).stdout.toString()).toBe(ANSWER);
    expect(await waitFor(() => adopter.logs().find((l) => l['code'] === 'PROCESSES_ADOPTED' && (l['adopted'] as string[]).includes(firstId)), 'PROCESSES_ADOPTED on the adopter'))
      .toMatchObject({ user: 'alice', pod: 'web-7d9f', container: 'app', sessionId: secondId });
    expect(logged(adopter, 'REPLICA_LINGER_HANDOVER', firstId)).toMatchObject({ side: 'front', user: 'alice', result: 'accepted' });
    expect(await waitFor(() => holder.logs().find((l) => l['code'] === 'REPLICA_LINGER_HANDOVER' && l['sessionId'] === firstId && l['user'] === 'alice'), 'the handover on the holder'))
      .toMatchObject({ side: 'holder', result: 'accepted' });
    // Adopted for a connection: nothing lingers, so nothing is published.
    await waitFor(async () => (await leaseOf(pair.kube, firstId)) === null, 'the Lease withdrawn');
    // The handover moved the journal entry: the adopter would reap them after a crash, the holder no longer.
    expect(journals(adopter, firstId)).toBe(true);
    expect(journals(holder, firstId)).toBe(false);

    // Past the holder's grace: it let go of them, so nobody reaped them; still answering.
    await new Promise((r) => setTimeout(r, (GRACE + 3) * 1000));
    expect((await fetchVia(second.socks, podPort)).stdout.toString()).toBe(ANSWER);
    expect(logged(holder, 'REAP', firstId)).toBeUndefined();
    expect(logged(holder, 'SESSION_GRACE_EXPIRED', firstId)).toBeUndefined();

    // The second connection goes for good: after its grace, the adopter reaps both sessions' processes.
    second.child.kill('SIGKILL');
    for (const id of [firstId, secondId]) {
      const reap = await waitFor(() => logged(adopter, 'REAP', id), `REAP of ${id} on the adopter`, (GRACE + 40) * 1000, 500);
      expect(reap['outcome']).not.toBe('failed');
      expect(reap['reason']).toBe('detach-expired');
    }
    await waitFor(async () => !(await serverRunning(pair.emu, podPort)), 'the server gone', 20_000);
    expect(logged(holder, 'REAP', firstId)).toBeUndefined();
    await waitFor(() => !journals(adopter, firstId) && !journals(adopter, secondId), 'the journal entries gone after the reap');
  }, 180_000);
});
