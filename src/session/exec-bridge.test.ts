import { Duplex, PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecSession } from '../kube/types.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { bridgeExec } from './exec-bridge.ts';

/** A channel whose client side is `client` (write = client sends, end = client EOF). */
function fakeChannel(): { ch: SessionChannel; client: PassThrough } {
  const client = new PassThrough();
  const ch = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb();
    },
  }) as Duplex & { stderr: Writable; exit(code: number): void };
  client.on('data', (d: Buffer) => ch.push(d));
  client.on('end', () => ch.push(null));
  ch.stderr = new Writable({ write: (_c, _e, cb) => cb() });
  ch.exit = () => {};
  return { ch, client };
}

function fakeExec(tty: boolean): { exec: ExecSession; stdinEnded: () => boolean; received: () => string; finish: () => void } {
  let ended = false;
  let got = '';
  const stdin = new Writable({
    write(chunk: Buffer, _e, cb) {
      got += chunk.toString();
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  let finish: () => void = () => {};
  const done = new Promise<{ exitCode: number }>((resolve) => {
    finish = () => resolve({ exitCode: 0 });
  });
  const exec: ExecSession = { stdin, stdout: new PassThrough(), stderr: tty ? null : new PassThrough(), resize: () => {}, done, abort: () => {} };
  return { exec, stdinEnded: () => ended, received: () => got, finish };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('bridgeExec and the client EOF', () => {
  it('without a TTY, the client EOF ends the process stdin', async () => {
    const { ch, client } = fakeChannel();
    const f = fakeExec(false);
    const bridged = bridgeExec(ch, f.exec);
    client.end('input\n');
    await tick();
    expect(f.received()).toBe('input\n');
    expect(f.stdinEnded()).toBe(true);
    f.finish();
    expect((await bridged).bytesIn).toBe(6);
  });

  it('under a TTY, the input arrives but the EOF is not passed on (as sshd)', async () => {
    const { ch, client } = fakeChannel();
    const f = fakeExec(true);
    const bridged = bridgeExec(ch, f.exec);
    client.end('input\n');
    await tick();
    expect(f.received()).toBe('input\n');
    expect(f.stdinEnded()).toBe(false);
    f.finish();
    expect((await bridged).bytesIn).toBe(6);
  });
});
