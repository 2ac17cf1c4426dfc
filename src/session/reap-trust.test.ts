import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import type { ExecRequest, PodExecutor } from '../kube/types.ts';
import { ReapJournal } from './reap-journal.ts';
import { createReaper } from './reaper.ts';
import type { UserConfig } from '../config/types.ts';
import type { JournalEntry } from './reaper-types.ts';
import { journalTrust } from './reap-trust.ts';

const allow = { shell: true, sftp: true, forwarding: true, console: true, logs: true, watch: false, recordings: false, web: false };
const alice: UserConfig = { name: 'alice', publicKeys: [], kubernetes: { user: 'alice', groups: ['dev', 'ops'] }, allow: { ...allow, namespaces: ['prod'] } };
const trust = journalTrust(new Map([['alice', alice]]));
const entry = (o: Partial<JournalEntry> & { ns?: string; id?: { user: string; groups: string[] } } = {}): JournalEntry => ({
  sessionId: 's', startedAt: '', user: 'alice',
  target: { namespace: o.ns ?? 'prod', pod: 'p', container: 'c', identity: o.id ?? { user: 'alice', groups: ['ops', 'dev'] } }, ...o,
});

describe('journalTrust', () => {
  it('accepts an entry of a configured user with the same identity in an allowed namespace', () => {
    expect(trust(entry())).toBeNull();
  });
  it('refuses anything the current config would not allow', () => {
    expect(trust({ ...entry(), user: 'mallory' })).toMatch(/no longer configured/);
    expect(trust({ ...entry(), user: '__proto__' })).toMatch(/no longer configured/);
    expect(trust(entry({ id: { user: 'system:admin', groups: ['dev', 'ops'] } }))).toMatch(/another Kubernetes identity/);
    expect(trust(entry({ id: { user: 'alice', groups: ['dev', 'ops', 'system:masters'] } }))).toMatch(/another Kubernetes identity/);
    expect(trust(entry({ ns: 'kube-system' }))).toMatch(/not allowed/);
    const { user: _drop, ...anonymous } = entry();
    expect(trust(anonymous)).toMatch(/names no podgate user/);
  });
  it('a tampered journal makes a restarted podgate impersonate no one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reap-trust-'));
    try {
      const journal = new ReapJournal(dir);
      await journal.add('honest', { namespace: 'prod', pod: 'p', container: 'c', identity: { user: 'alice', groups: ['dev', 'ops'] } }, 'alice');
      await journal.add('escalated', { namespace: 'prod', pod: 'p', container: 'c', identity: { user: 'alice', groups: ['system:masters'] } }, 'alice');
      await journal.add('elsewhere', { namespace: 'kube-system', pod: 'etcd', container: 'c', identity: { user: 'alice', groups: ['dev', 'ops'] } }, 'alice');
      await journal.add('stranger', { namespace: 'prod', pod: 'p', container: 'c', identity: { user: 'bob', groups: [] } }, 'bob');
      await writeFile(join(journal.dir, 'odd.json'), JSON.stringify({ sessionId: 'odd', startedAt: new Date().toISOString(), target: { namespace: 'prod', pod: 'p', container: 'c', identity: { user: 'alice', groups: [], impersonate: 'x' } } }));
      const calls: ExecRequest[] = [];
      const executor: PodExecutor = { exec: (req) => { calls.push(req); return Promise.reject(new PodgateError('POD_NOT_FOUND')); } };
      const reaper = createReaper({ executor, stateDir: dir, graceMs: 100, logger: pino({ level: 'silent' }), attempts: 1 });
      await reaper.recover(trust);
      expect(calls.map((c) => `${c.identity.user}[${c.identity.groups.join(',')}] ${c.namespace}/${c.pod}`)).toEqual(['alice[dev,ops] prod/p']);
      expect((await readdir(journal.dir)).sort()).toEqual(['odd.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
