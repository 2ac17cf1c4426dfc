import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecRequest, ExecSession, PodExecutor } from '../kube/types.ts';
import type { SessionReaper } from '../session/reaper-types.ts';
import { createExecGroup } from './exec-group.ts';

const target = { namespace: 'n', pod: 'p', container: 'c', identity: { user: 'u', groups: [] } };

function fakes(): { executor: PodExecutor; reaper: SessionReaper; calls: string[][] } {
  const calls: string[][] = [];
  const executor = {
    exec: (req: ExecRequest): Promise<ExecSession> => {
      calls.push(req.command);
      return Promise.resolve({ stdin: null, stdout: new PassThrough().end(), stderr: new PassThrough().end(), resize: () => undefined, done: Promise.resolve({ exitCode: 0 }), abort: () => undefined });
    },
  };
  const reaper = { wrap: (id: string, cmd: string | null) => ['wrap', id, cmd ?? ''] } as unknown as SessionReaper;
  return { executor, reaper, calls };
}

describe('createExecGroup', () => {
  it('closes at once when no stream ever ran', async () => {
    const { executor, reaper, calls } = fakes();
    const g = createExecGroup(executor, reaper, target, 'sess', 1000);
    await g.close();
    expect(calls).toEqual([]);
  });

  it('ends cut streams in one batch and removes the markers of exited ones at close', async () => {
    const { executor, reaper, calls } = fakes();
    const g = createExecGroup(executor, reaper, target, 'sess', 1000);
    const a = g.wrap('A');
    const b = g.wrap('B');
    const c = g.wrap('C');
    expect(a.argv).toEqual(['wrap', 'sess.f1', 'A']);
    a.ended({ exitCode: 0 });
    b.ended({ error: new Error('cut') as never });
    await g.close();
    const ids = calls.flatMap((cmd) => cmd.slice(5));
    expect(ids.sort()).toEqual(['sess.f1', 'sess.f2', 'sess.f3']);
    // Late outcomes after close change nothing.
    c.ended({ error: new Error('late') as never });
    await g.close();
    expect(calls.flatMap((cmd) => cmd.slice(5))).toHaveLength(3);
  });

  it('drops a cut stream only after the kill exec that ends its process has finished', async () => {
    const order: string[] = [];
    let finishKill: (() => void) | null = null;
    const executor = {
      exec: (req: ExecRequest): Promise<ExecSession> => {
        order.push(`kill ${req.command.slice(5).join(' ')}`);
        const done = finishKill !== null ? Promise.resolve({ exitCode: 0 }) : new Promise<{ exitCode: number }>((resolve) => { finishKill = () => { order.push('kill done'); resolve({ exitCode: 0 }); }; });
        return Promise.resolve({ stdin: null, stdout: new PassThrough().end(), stderr: new PassThrough().end(), resize: () => undefined, done, abort: () => undefined });
      },
    };
    const reaper = { wrap: (id: string, cmd: string | null) => ['wrap', id, cmd ?? ''] } as unknown as SessionReaper;
    const g = createExecGroup(executor, reaper, target, 'sess', 1000);
    const a = g.wrap('A');
    const b = g.wrap('B');
    b.ended({ exitCode: 0 });
    a.cut(() => order.push('abort A'));
    b.cut(() => order.push('abort B')); // exited already: dropped at once
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['kill sess.f1', 'abort B']);
    finishKill!();
    await g.close();
    expect(order.slice(0, 4)).toEqual(['kill sess.f1', 'abort B', 'kill done', 'abort A']);
  });
});
