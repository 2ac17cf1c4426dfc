import { describe, expect, it } from 'vitest';
import { SessionRegistry } from './registry.ts';
import type { LiveSessionView, SessionState } from './types.ts';

function view(id: string, owner: string, pod: string, state: SessionState, detachedAt: number | null, resumable = true): LiveSessionView {
  return {
    id, owner, target: { namespace: 'ns', pod, container: 'c' }, startedAt: new Date(1000), lastActivity: 0, state, resumable,
    detachedAt: detachedAt === null ? null : new Date(detachedAt),
    attach: () => { throw new Error('unused'); }, watch: () => { throw new Error('unused'); },
  };
}

describe('SessionRegistry', () => {
  const r = new SessionRegistry();
  r.add(view('aaaaaa111111', 'alice', 'web', 'detached', 10));
  r.add(view('aaaaaa222222', 'alice', 'web', 'detached', 20));
  r.add(view('bbbbbb333333', 'alice', 'web', 'attached', null));
  r.add(view('cccccc444444', 'bob', 'web', 'detached', 30));
  r.add(view('dddddd555555', 'alice', 'db', 'detached', 40, false));

  it('lists a user\'s own sessions only', () => {
    expect(r.list('alice').map((s) => s.id).sort()).toEqual(['aaaaaa111111', 'aaaaaa222222', 'bbbbbb333333', 'dddddd555555']);
  });

  it('finds an exact id, or a unique prefix (6+) of one\'s own sessions only', () => {
    expect(r.lookup('cccccc444444', 'alice')?.owner).toBe('bob'); // exact: the caller checks who may join
    expect(r.lookup('cccccc', 'alice')).toBeUndefined(); // others' ids are never completed
    expect(r.lookup('bbbbbb', 'alice')?.id).toBe('bbbbbb333333');
    expect(r.lookup('aaaaaa', 'alice')).toBeUndefined(); // ambiguous
    expect(r.lookup('aaaaa', 'alice')).toBeUndefined(); // too short
    expect(r.lookup('aaaaaa2', 'alice')?.id).toBe('aaaaaa222222');
  });

  it('resume picks the newest detached, resumable session of that user on that container', () => {
    expect(r.newestDetached('alice', { namespace: 'ns', pod: 'web', container: 'c' })?.id).toBe('aaaaaa222222');
    expect(r.newestDetached('alice', { namespace: 'ns', pod: 'db', container: 'c' })).toBeUndefined();
    expect(r.newestDetached('alice', { namespace: 'other', pod: 'web', container: 'c' })).toBeUndefined();
    r.remove('aaaaaa222222');
    expect(r.newestDetached('alice', { namespace: 'ns', pod: 'web', container: 'c' })?.id).toBe('aaaaaa111111');
  });
});
