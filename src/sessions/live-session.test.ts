import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecOutcome, ExecSession } from '../kube/types.ts';
import { LiveSession, type LiveSessionOptions } from './live-session.ts';
import type { TerminalPeer } from './types.ts';

function fakeExec() {
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  const input: Buffer[] = [];
  stdin.on('data', (d: Buffer) => input.push(d));
  const sizes: { cols: number; rows: number }[] = [];
  let finish!: (o: ExecOutcome) => void;
  const done = new Promise<ExecOutcome>((r) => { finish = r; });
  stdout.on('end', () => finish({ exitCode: 0 }));
  let aborted = false;
  const exec: ExecSession = { stdin, stdout, stderr: null, resize: (s) => sizes.push(s), done, abort: () => { aborted = true; stdout.end(); } };
  return { exec, stdout, input, sizes, aborted: () => aborted };
}

/** A client terminal: what podgate writes to it is captured; `type` sends keystrokes. */
function peer(cols = 80, rows = 24) {
  const got: Buffer[] = [];
  const notices: string[] = [];
  const stream = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { got.push(chunk); cb(); } });
  const p: TerminalPeer = { stream, cols, rows, notice: (t) => notices.push(t) };
  return { p, got, notices, type: (s: string) => stream.push(Buffer.from(s)), text: () => Buffer.concat(got).toString() };
}

function session(exec: ExecSession, over: Partial<LiveSessionOptions> = {}) {
  const abandoned: string[] = [];
  const s = new LiveSession({
    id: 'abcdef0123456789', owner: 'alice', target: { namespace: 'ns', pod: 'p', container: 'c' }, exec, size: { cols: 80, rows: 24 },
    scrollbackLines: 1000, graceMs: 60_000, onActivity: () => {}, onDetached: () => {}, onAbandoned: (why) => abandoned.push(why), ...over,
  });
  return { s, abandoned };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('LiveSession', () => {
  it('a takeover: no byte lost or doubled between the old and the new client, even output during the switch', async () => {
    const { exec, stdout } = fakeExec();
    const { s } = session(exec);
    const a0 = peer();
    const ha = s.start(a0.p);
    const a = { ...a0, ended: () => ha.ended };
    let expected = '';
    const out = (from: number, to: number, tag: string): void => {
      for (let n = from; n < to; n++) {
        const line = `${tag} ${n}\r\n`;
        expected += line;
        stdout.write(line);
      }
    };
    out(0, 200, 'before');
    await tick();
    const b = peer();
    const hb = s.attach(b.p);
    // The old client is let go before the screen is serialized: output arriving then must
    // reach the new client live, after its redraw, and not be lost in between.
    const during = (async () => {
      expect(await a.ended()).toEqual({ kind: 'taken' });
      out(200, 250, 'during');
    })();
    await during;
    await new Promise((r) => setTimeout(r, 50));
    out(250, 300, 'after');
    await tick();
    stdout.end();
    await s.done;
    expect(await hb.ended).toEqual({ kind: 'exit', exitCode: 0 });
    const redraw = b.got[0].toString();
    expect(redraw.startsWith('\x1b[0m')).toBe(true);
    const live = Buffer.concat(b.got.slice(1)).toString();
    expect(a.text() + live).toBe(expected);
    expect(a.text()).toContain('before 199\r\n');
    expect(a.text()).not.toContain('during');
    expect(live.startsWith('during 200\r\n')).toBe(true);
    expect(redraw).toContain('before 199');
    expect(redraw).not.toContain('during');
  });

  it('detach keeps the screen up to date; attach redraws it, resizes the exec, and takes keystrokes', async () => {
    const { exec, stdout, input, sizes } = fakeExec();
    const { s, abandoned } = session(exec);
    const a = peer();
    const ha = s.start(a.p);
    a.type('ls\r');
    stdout.write('before\r\n');
    await tick();
    ha.detach();
    expect(s.state).toBe('detached');
    expect(await ha.ended).toEqual({ kind: 'left' });
    a.type('lost? no: nobody is attached\r');
    stdout.write('\x1b[1;32mwhile-detached\x1b[0m\r\n$ ');
    await tick();
    const b = peer(100, 30);
    s.attach(b.p);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.text()).toContain('before');
    expect(b.text()).toContain('while-detached');
    expect(sizes).toEqual([{ cols: 100, rows: 30 }]);
    b.type('pwd\r');
    await tick();
    expect(Buffer.concat(input).toString()).toBe('ls\rpwd\r');
    expect(s.state).toBe('attached');
    expect(abandoned).toEqual([]);
    stdout.end();
    await s.done;
  });

  it('with no grace, the client leaving abandons the session at once', () => {
    const { exec } = fakeExec();
    const { s, abandoned } = session(exec, { graceMs: 0, scrollbackLines: null });
    const a = peer();
    s.start(a.p).detach();
    expect(abandoned).toEqual(['client-closed']);
    expect(s.resumable).toBe(false);
  });

  it('the grace running out abandons a detached session', async () => {
    const { exec } = fakeExec();
    const { s, abandoned } = session(exec, { graceMs: 30 });
    s.start(peer().p).detach();
    await new Promise((r) => setTimeout(r, 80));
    expect(abandoned).toEqual(['detach-expired']);
  });

  it('a watcher sees output, cannot type, and leaves with Ctrl-]; the owner is told', async () => {
    const { exec, stdout, input } = fakeExec();
    const { s } = session(exec);
    const a = peer();
    s.start(a.p);
    const w = peer(40, 10);
    const hw = s.watch(w.p, 'bob');
    await new Promise((r) => setTimeout(r, 20));
    expect(s.state).toBe('watched');
    expect(a.notices).toEqual(['bob is watching this session']);
    stdout.write('shared\r\n');
    w.type('rm -rf /\r');
    await tick();
    expect(w.text()).toContain('shared');
    expect(Buffer.concat(input).toString()).toBe('');
    w.type('\x1d');
    expect(await hw.ended).toEqual({ kind: 'left' });
    expect(a.notices).toEqual(['bob is watching this session', 'bob stopped watching this session']);
    expect(s.state).toBe('attached');
    stdout.end();
    await s.done;
  });

  it('a tap sees every output and input byte and every resize, whoever is attached', async () => {
    const { exec, stdout } = fakeExec();
    const seen = { out: '', in: '', sizes: [] as string[] };
    const { s } = session(exec, {
      tap: { output: (c) => { seen.out += c.toString(); }, input: (c) => { seen.in += c.toString(); }, resize: (z) => seen.sizes.push(`${z.cols}x${z.rows}`) },
    });
    const a = peer();
    const ha = s.start(a.p);
    a.type('one\r');
    stdout.write('first\r\n');
    await tick();
    ha.detach();
    stdout.write('while detached\r\n');
    await tick();
    const b = peer(90, 20);
    const hb = s.attach(b.p);
    await new Promise((r) => setTimeout(r, 20));
    b.type('two\r');
    hb.resize({ cols: 100, rows: 25 });
    await tick();
    expect(seen).toEqual({ out: 'first\r\nwhile detached\r\n', in: 'one\rtwo\r', sizes: ['90x20', '100x25'] });
    stdout.end();
    await s.done;
  });

  it('terminate ends every client with the message', async () => {
    const { exec, aborted } = fakeExec();
    const { s } = session(exec);
    const h = s.start(peer().p);
    s.terminate('the bastion is shutting down');
    expect(aborted()).toBe(true);
    expect(await h.ended).toEqual({ kind: 'ended', message: 'the bastion is shutting down' });
  });
});
