import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEntry, ReapJournal } from './reap-journal.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function journal(): Promise<ReapJournal> {
  const d = await mkdtemp(join(tmpdir(), 'reap-journal-'));
  dirs.push(d);
  return new ReapJournal(d);
}

const target = { namespace: 'prod', pod: 'tiny', container: 'sh', identity: { user: 'alice', groups: ['dev'] } };

describe('ReapJournal', () => {
  it('keeps one entry per session across instances and forgets removed ones', async () => {
    const j = await journal();
    await j.add('s-1', target);
    await j.add('s-2', { ...target, pod: 'dash-1', container: 'app' });
    const again = new ReapJournal(join(j.dir, '..'));
    const ids = (await again.list()).map((e) => e.sessionId).sort();
    expect(ids).toEqual(['s-1', 's-2']);
    expect((await again.list()).find((e) => e.sessionId === 's-1')?.target).toEqual(target);
    await again.remove('s-1');
    await again.remove('never-there');
    expect((await j.list()).map((e) => e.sessionId)).toEqual(['s-2']);
  });

  it('skips damaged entries and removes leftover temporaries', async () => {
    const j = await journal();
    await j.add('ok', target);
    await writeFile(join(j.dir, 'half.json'), '{"sessionId":"half","tar');
    await writeFile(join(j.dir, 'ok.json.abc.tmp'), '{}');
    await writeFile(join(j.dir, 'other.json'), JSON.stringify({ sessionId: 'mismatch', target }));
    expect((await j.list()).map((e) => e.sessionId)).toEqual(['ok']);
    expect((await readdir(j.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('lists nothing before the first session', async () => {
    const j = await journal();
    expect(await j.list()).toEqual([]);
  });
  it('keeps the podgate user and rejects every entry not exactly as podgate writes it', async () => {
    const j = await journal();
    await j.add('s-u', target, 'alice');
    expect((await j.list())[0]).toMatchObject({ sessionId: 's-u', user: 'alice', target });
    const good = { sessionId: 'x', target, startedAt: '2026-12-04T12:00:00.000Z', user: 'alice' };
    expect(parseEntry(JSON.stringify(good))).toEqual(good);
    const bad: unknown[] = [
      { ...good, extra: 1 }, { ...good, sessionId: '../x' }, { ...good, sessionId: 'a b' }, { ...good, startedAt: 'yesterday' },
      { ...good, user: '' }, { ...good, user: 7 }, { ...good, target: { ...target, namespace: 'Prod' } },
      { ...good, target: { ...target, pod: 'a/b' } }, { ...good, target: { ...target, container: '__proto__' } },
      { ...good, target: { ...target, more: 1 } }, { ...good, target: { ...target, identity: { user: '', groups: [] } } },
      { ...good, target: { ...target, identity: { user: 'a', groups: [1] } } }, { ...good, target: { ...target, identity: { user: 'a', groups: [], uid: 0 } } },
      [good], null, 'x',
    ];
    for (const b of bad) expect(parseEntry(JSON.stringify(b)), JSON.stringify(b)).toBeNull();
    expect(parseEntry('{"__proto__":{"sessionId":"x"}}')).toBeNull();
  });
});
