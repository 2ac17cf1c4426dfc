/** What an open exec stream keeps alive (a detached session keeps its exec open for the grace). */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApi, alice } from './testing/fake-api.ts';

let f: FakeApi;
beforeAll(async () => { f = await FakeApi.start(); });
afterAll(async () => { await f.close(); });

describe('openChannelSocket', () => {
  it('an open exec does not keep its caller\'s abort signal, or what the signal\'s reason holds, alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    f.onWs = (ws) => { ws.send(Buffer.from([1])); }; // open, never ends
    // The caller's signal is aborted when its SSH client leaves; the abort reason's stack holds
    // that client's objects. The exec itself stays open (a detached session).
    const open = async (): Promise<{ exec: Awaited<ReturnType<FakeApi['api']['exec']>>; signal: WeakRef<AbortSignal> }> => {
      const ac = new AbortController();
      const exec = await f.api.exec({ namespace: 'prod', pod: 'web', container: 'app', identity: alice, command: ['sh'], stdin: true, tty: true, signal: ac.signal });
      ac.abort(new Error('the client left'));
      return { exec, signal: new WeakRef(ac.signal) };
    };
    const { exec, signal } = await open();
    for (let i = 0; i < 5 && signal.deref() !== undefined; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    expect(signal.deref()).toBeUndefined();
    exec.abort();
    await exec.done;
  });
});
