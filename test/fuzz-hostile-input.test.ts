/**
 * Hostile input found by fuzzing, against a running podgate.
 *
 * Amplification through the console picker: every window-change and every keystroke redraws
 * the whole screen. A client that stops reading (its SSH window is full) and keeps sending
 * window-change requests (which no window limits) must not make podgate buffer screen after
 * screen: the picker redraws only once the channel has drained, and only the latest screen.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { useBastion } from './helpers/bastion-suite.ts';
import { Msg, MSG, rawConnect, remoteId } from './helpers/raw-ssh.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

const bastion = useBastion();

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

describe('console picker under a window-change flood', () => {
  it('keeps podgate RSS flat while a client that reads nothing sends 2 × 30,000 window-changes', async () => {
    const { pg } = bastion;
    const c = await rawConnect({ port: pg.port, username: 'alice', privateKey: pg.keyPair('alice').privateKey });
    const ch = await c.open('session');
    if (ch instanceof Error) throw ch;
    ch.on('error', () => {});
    let got = 0;
    ch.on('data', (d: Buffer) => { got += d.length; });
    expect(await c.channelRequest(ch, 'pty-req', new Msg(0).str('xterm').u32(200).u32(60).u32(0).u32(0).str(Buffer.from([0])).done().subarray(1))).toBe(true);
    expect(await c.channelRequest(ch, 'shell')).toBe(true);
    await waitFor(() => got > 0, 'the picker screen');
    // Stop reading: once the 2 MiB window we granted is used up, podgate cannot send more.
    ch.pause();
    const id = remoteId(ch);
    const flood = async (): Promise<void> => {
      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 1000; i++) c.send(new Msg(MSG.CHANNEL_REQUEST).u32(id).str('window-change').bool(false).u32(100 + (i % 150)).u32(20 + (i % 40)).u32(0).u32(0).done());
        await new Promise((r) => setImmediate(r));
      }
      // A want-reply request after the flood: once answered, podgate has handled every one.
      expect(await c.globalRequest('flood-done@podgate.invalid', Buffer.alloc(0), 60_000)).toBe(false);
    };
    // Two floods of 30,000: the first also grows V8's young generation (Node 24 does, by tens of
    // MiB, under any allocation burst); a queued screen per request (the bug: +48 MiB per 30,000
    // on Node 20) would grow RSS again in the second one.
    const before = rssMiB(pg.pid);
    await flood();
    const warm = rssMiB(pg.pid);
    await flood();
    const grown = rssMiB(pg.pid) - warm;
    process.stderr.write(`[fuzz] picker window-change flood: RSS +${(warm - before).toFixed(0)} MiB in the first 30,000, +${grown.toFixed(0)} MiB in the second\n`);
    expect(warm - before).toBeLessThan(64);
    expect(grown).toBeLessThan(16);
    // Reading again shows the picker, still alive, at the latest size.
    ch.resume();
    c.send(new Msg(MSG.CHANNEL_DATA).u32(id).str('q').done());
    await new Promise<void>((r) => { const t = setTimeout(r, 20_000); ch.once('close', () => { clearTimeout(t); r(); }); });
    c.end();
    const after = await ssh(pg, 'alice+web-7d9f', ['echo ok'], { timeoutMs: 30_000 });
    expect(after.stdout.toString()).toContain('ok');
  }, 180_000);
});

describe('PTY exec under a window-change flood', () => {
  it('forwards resizes to the API without RSS growing with the number of requests', async () => {
    const { pg } = bastion;
    const c = await rawConnect({ port: pg.port, username: 'alice+web-7d9f', privateKey: pg.keyPair('alice').privateKey });
    const ch = await c.open('session');
    if (ch instanceof Error) throw ch;
    ch.on('error', () => {});
    let out = '';
    ch.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    expect(await c.channelRequest(ch, 'pty-req', new Msg(0).str('xterm').u32(80).u32(24).u32(0).u32(0).str(Buffer.from([0])).done().subarray(1))).toBe(true);
    expect(await c.channelRequest(ch, 'exec', new Msg(0).str('echo ready; sleep 2; stty size').done().subarray(1))).toBe(true);
    await waitFor(() => out.includes('ready'), 'the command to start');
    const before = rssMiB(pg.pid);
    const id = remoteId(ch);
    for (let round = 0; round < 60; round++) {
      // Absurd sizes included: the resize sent to the API is clamped to 16 bits.
      for (let i = 0; i < 1000; i++) c.send(new Msg(MSG.CHANNEL_REQUEST).u32(id).str('window-change').bool(false).u32(i === 999 ? 0xffffffff : 100 + (i % 50)).u32(i === 999 ? 0 : 30).u32(0).u32(0).done());
      await new Promise((r) => setImmediate(r));
    }
    c.send(new Msg(MSG.CHANNEL_REQUEST).u32(id).str('window-change').bool(false).u32(123).u32(45).u32(0).u32(0).done());
    expect(await c.globalRequest('flood-done@podgate.invalid', Buffer.alloc(0), 60_000)).toBe(false);
    const grown = rssMiB(pg.pid) - before;
    process.stderr.write(`[fuzz] PTY exec window-change flood: RSS +${grown.toFixed(0)} MiB\n`);
    expect(grown).toBeLessThan(32);
    // The command ends on time: no backlog of resizes in the API server delays its output or end.
    const closed = await new Promise<boolean>((r) => { const t = setTimeout(() => r(false), 20_000); ch.once('close', () => { clearTimeout(t); r(true); }); });
    expect(closed, `the session did not end; output so far ${JSON.stringify(out)}`).toBe(true);
    // The last size wins: stty in the container sees rows 45, columns 123.
    expect(out).toContain('45 123');
    c.end();
  }, 120_000);
});

/** Runs `command` over ssh2 as `username` (alice's key); resolves with stdout and stderr. */
function execAs(port: number, username: string, privateKey: string, command: string): Promise<string> {
  const c = new ssh2.Client();
  return new Promise((resolve, reject) => {
    c.once('error', reject);
    c.once('ready', () => c.exec(command, (err, ch) => {
      if (err) { c.end(); reject(err); return; }
      let out = '';
      ch.on('data', (d: Buffer) => { out += d.toString('latin1'); });
      ch.stderr.on('data', (d: Buffer) => { out += d.toString('latin1'); });
      ch.on('close', () => { c.end(); resolve(out); });
    }));
    c.connect({ host: '127.0.0.1', port, username, privateKey });
  });
}

describe('terminal escapes in what the client sent', () => {
  it('an error quoting the SSH user name or a console command shows escapes as text, never raw', async () => {
    const { pg } = bastion;
    const key = pg.keyPair('alice').privateKey;
    const cases: [string, string][] = [
      ['alice+\x1b]0;pwned\x07\x1b[2Jweb', 'echo hi'],
      ['alice+web-7d9f+\x1b[31mred', 'echo hi'],
      ['alice', 'logs \x1b[2J\x1b]0;x\x07\u202e'],
    ];
    for (const [user, command] of cases) {
      const out = await execAs(pg.port, user, key, command);
      expect(out).toMatch(/^podgate: /);
      expect(out, JSON.stringify(out)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
      expect(out).toContain('\\x1b');
    }
  }, 60_000);
});
