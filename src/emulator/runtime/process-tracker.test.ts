import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MARKER_ENV, ProcessTracker } from './process-tracker.ts';

async function attributes(tracker: ProcessTracker, id: string): Promise<void> {
  const g = await tracker.group(id);
  // The launcher's first step: the shell puts itself into the group, then a daemon escapes setsid.
  const child = spawn('/bin/sh', ['-c', 'echo $$ > "$1"; setsid sleep 4321 </dev/null >/dev/null 2>&1 & exit 0', 'x', g.procsFile], {
    env: { PATH: '/usr/bin:/bin', ...g.markerEnv },
    stdio: 'ignore',
  });
  await new Promise((r) => child.once('exit', r));
  let pids: number[] = [];
  for (let i = 0; i < 50 && pids.length === 0; i++) {
    pids = await tracker.pids(id);
    if (pids.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  expect(pids.length).toBe(1);
  expect(await tracker.pids(`${id}-other`)).toEqual([]);
  await tracker.killAll(id);
  expect(await tracker.pids(id)).toEqual([]);
}

describe('ProcessTracker', () => {
  it('tracks a daemonized process by cgroup', async () => {
    const tracker = await ProcessTracker.create();
    expect(tracker.mode).toBe('cgroup');
    await attributes(tracker, 'c1');
    await tracker.dispose();
  });
  it('falls back to an environment marker', async () => {
    const tracker = new ProcessTracker(null);
    expect(tracker.mode).toBe('environ');
    expect((await tracker.group('c2')).markerEnv).toEqual({ [MARKER_ENV]: 'c2' });
    await attributes(tracker, 'c2');
  });
});
