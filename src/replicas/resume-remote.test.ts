import { describe, expect, it } from 'vitest';
import type { FoundSession } from './session-leases.ts';
import { pickDetached } from './resume-remote.ts';

const t = { cluster: 'default', namespace: 'prod', pod: 'web', container: 'app' };
const found = (id: string, over: Partial<FoundSession> = {}): FoundSession => ({
  id, holder: '10.0.0.2:7022', user: 'alice', target: 'web.prod+app', startedAt: '', detachedAt: '2026-12-04T18:00:00.000Z',
  cluster: 'default', namespace: 'prod', pod: 'web', container: 'app', state: 'detached', kind: 'pty', stale: false, lease: { name: id, labels: {}, holderIdentity: '', leaseDurationSeconds: 30 }, ...over,
});

describe('pickDetached (resume: auto across replicas)', () => {
  it('picks the most recently detached session on exactly that container', () => {
    const all = [found('old', { detachedAt: '2026-12-04T17:00:00.000Z' }), found('new'), found('mid', { detachedAt: '2026-12-04T17:30:00.000Z' })];
    expect(pickDetached(all, t, 'default', 'me:1')?.id).toBe('new');
  });

  it('skips attached sessions, lingering processes, stale Leases, its own, other containers, pods, namespaces and clusters', () => {
    const all = [
      found('stale', { stale: true }), found('mine', { holder: 'me:1' }), found('c', { container: 'side' }), found('p', { pod: 'db' }),
      found('n', { namespace: 'dev' }), found('att', { state: 'attached', detachedAt: '' }), found('ide', { kind: 'linger' }), found('k', { cluster: 'edge' }), found('nodet', { detachedAt: '' }),
    ];
    expect(pickDetached(all, t, 'default', 'me:1')).toBeUndefined();
  });

  it('a Lease without a cluster (an older replica) counts as the default cluster', () => {
    expect(pickDetached([found('old', { cluster: null })], t, 'default', 'me:1')?.id).toBe('old');
    expect(pickDetached([found('old', { cluster: null })], { ...t, cluster: 'edge' }, 'default', 'me:1')).toBeUndefined();
  });
});
