/**
 * Sessions that outlive a connection, in several clusters (docs/sessions.md, docs/clusters.md),
 * with the real OpenSSH client under tmux. A live session belongs to its cluster: `sessions`
 * shows it with its `CLUSTER_`, `attach` and `watch` ask the policy and RBAC of that cluster
 * (the same pod and namespace names exist in both clusters with different RBAC), and a watcher
 * whose identity may not exec there is refused even if the other cluster would let it in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { bothClusters, startTwoClusters } from './helpers/two-clusters.ts';
import { ssh, tmuxTracker, waitFor, type TmuxSession } from './helpers/ssh.ts';

let home: Emulator;
let eu1: Emulator;
let pg: Podgate;
const tmuxes = tmuxTracker();

beforeAll(async () => {
  ({ home, eu1 } = await startTwoClusters());
  pg = await startPodgate({
    emulator: home,
    clusters: bothClusters(home, eu1),
    users: [
      // In eu1, alice's identity may enter staging (not prod); bob's may enter prod (not staging).
      { name: 'alice', kubernetes: { user: 'alice', groups: ['dev'] } },
      { name: 'carol', kubernetes: { user: 'alice', groups: ['dev'] }, allow: { watch: true } },
      { name: 'bobw', kubernetes: { user: 'bob', groups: ['ops'] }, allow: { watch: true } },
    ],
    configPatch: { sessions: { detachGraceSeconds: 60 } },
  });
}, 120_000);

afterAll(async () => {
  tmuxes.killAll();
  await pg?.stop();
  await Promise.all([home?.close(), eu1?.close()]);
});

function tmux(user: string, args: string[] = [], opts: { cols?: number; rows?: number; tty?: boolean } = {}): TmuxSession {
  return tmuxes.start(pg, user, args, opts);
}

async function sessionRows(user: string): Promise<{ id: string; target: string; state: string }[]> {
  const r = await ssh(pg, user, ['sessions']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString().trimEnd().split('\n').slice(1).map((l) => {
    const [id, target, state] = l.split(/\s{3,}/);
    return { id, target, state };
  });
}

describe('a detached session in another cluster', () => {
  let id = '';

  beforeAll(async () => {
    const owner = tmux('alice+eu1_tiny.staging', [], { cols: 90, rows: 25 });
    owner.type('echo "MARK-${CLUSTER_NAME:-home}-$((2+3))"', true);
    await owner.waitFor(/^MARK-eu1-5$/m);
    const rows = await sessionRows('alice');
    expect(rows).toHaveLength(1);
    id = rows[0].id;
    expect(rows[0].target).toMatch(/^eu1_tiny\.staging\+/);
    owner.kill(); // the client dies: the session detaches
    await waitFor(async () => (await sessionRows('alice'))[0]?.state === 'detached', 'the session to detach', 20_000, 300);
  }, 90_000);

  it('is watched by a user whose identity may exec there, and refused to one who may not', async () => {
    // bob's identity: no exec in eu1's staging (home's RBAC is not asked).
    const refused = await ssh(pg, 'bobw', ['watch', id], { tty: true });
    expect(refused.code).toBe(255);
    expect(refused.stdout.toString() + refused.stderr).toMatch(/^podgate: .*bob/m);
    const w = tmux('carol', ['watch', id], { cols: 90, rows: 25, tty: true });
    await w.waitFor(/^MARK-eu1-5$/m);
    w.keys('C-]');
    await w.waitFor(/\[ssh exited 0\]/);
    expect(pg.logs().find((l) => l['code'] === 'SESSION_WATCH_START' && l['sessionId'] === id)).toMatchObject({ watcher: 'carol', namespace: 'staging' });
  }, 60_000);

  it('is re-attached in its own cluster: the screen as it was, then live there', async () => {
    const a = tmux('alice', ['attach', id], { cols: 90, rows: 25, tty: true });
    await a.waitFor(/^MARK-eu1-5$/m);
    a.type('echo "LIVE-${CLUSTER_NAME:-home}-$((4+4))"', true);
    await a.waitFor(/^LIVE-eu1-8$/m);
    a.type('exit', true);
    await a.waitFor(/\[ssh exited 0\]/);
    await waitFor(async () => (await sessionRows('alice')).length === 0, 'the session to end', 20_000, 300);
  }, 60_000);
});
