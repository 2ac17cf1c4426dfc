/**
 * The protocol fuzzer's attacks: each takes a random source and an authenticated raw
 * connection, sends something malformed, odd or out of order, and returns what came back
 * (a label for the summary). None may crash or wedge podgate.
 */
import type { Channel } from 'ssh2';
import { Msg, MSG, remoteId, type RawConn } from './helpers/raw-ssh.ts';

export type Rng = () => number;
export type Attack = (rng: Rng, c: RawConn) => Promise<string>;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const ODD_U32 = [0, 1, 2, 80, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const odd32 = (rng: Rng): number => (rng() < 0.8 ? pick(rng, ODD_U32) : int(rng, 0x100000000));

/** Text that an attacker would try: huge, NUL, escapes, prototype names, non-UTF-8. */
function oddText(rng: Rng, max = 20_000): Buffer {
  switch (int(rng, 8)) {
    case 0: return Buffer.alloc(int(rng, max), pick(rng, [0x41, 0x00, 0x1b, 0xff]));
    case 1: return Buffer.from('a\u0000b; id', 'latin1');
    case 2: return Buffer.from('\x1b]0;pwned\x07\x1b[2J\x1b[31mred\r\nfake: line', 'latin1');
    case 3: return Buffer.from(pick(rng, ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']));
    case 4: return Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]);
    case 5: return Buffer.from('');
    case 6: return Buffer.from(Array.from({ length: int(rng, 64) }, () => int(rng, 256)));
    default: return Buffer.from(pick(rng, ['sftp', 'SFTP', 'sftp\u0000', 'sftp ', 'xterm', 'LANG', 'LC_ALL', 'PATH', 'LD_PRELOAD', 'echo hi', 'scp -t .']));
  }
}

/** Randomly cuts a payload short (truncated message) or appends junk. */
function mangle(rng: Rng, payload: Buffer): Buffer {
  const r = rng();
  if (r < 0.25) return payload.subarray(0, 1 + int(rng, Math.max(1, payload.length - 1)));
  if (r < 0.35) return Buffer.concat([payload, Buffer.from(Array.from({ length: 1 + int(rng, 16) }, () => int(rng, 256)))]);
  return payload;
}

async function session(c: RawConn): Promise<Channel | null> {
  const ch = await c.open('session');
  if (ch instanceof Error) return null;
  ch.on('error', () => {});
  ch.on('data', () => {});
  ch.stderr.on('data', () => {});
  return ch;
}

function ptyData(rng: Rng): Buffer {
  const modes = rng() < 0.5 ? Buffer.from([0]) : Buffer.from(Array.from({ length: int(rng, 200) }, () => int(rng, 256)));
  return new Msg(0).str(oddText(rng, 2000)).u32(odd32(rng)).u32(odd32(rng)).u32(odd32(rng)).u32(odd32(rng)).str(modes).done().subarray(1);
}

const sizes = (rng: Rng): Buffer => new Msg(0).u32(odd32(rng)).u32(odd32(rng)).u32(odd32(rng)).u32(odd32(rng)).done().subarray(1);

/** A channel request whose payload is built by `data` (no want-reply when `reply` is false). */
function request(c: RawConn, ch: Channel, type: string | Buffer, data: Buffer, reply: boolean, rng: Rng): void {
  c.send(mangle(rng, new Msg(MSG.CHANNEL_REQUEST).u32(remoteId(ch)).str(type).bool(reply).raw(data).done()));
}

const close = (c: RawConn, ch: Channel): void => {
  c.send(new Msg(MSG.CHANNEL_CLOSE).u32(remoteId(ch)).done());
};

export const SSH_ATTACKS: Record<string, Attack> = {
  async 'pty-req with absurd sizes and modes'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    const ok = await c.channelRequest(ch, 'pty-req', mangle(rng, ptyData(rng)), 5000);
    if (rng() < 0.5) await c.channelRequest(ch, 'exec', new Msg(0).str('echo fuzz').done().subarray(1), 5000);
    close(c, ch);
    return `pty ${ok}`;
  },
  async 'window-change floods with odd sizes, before and after a shell'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    if (rng() < 0.5) await c.channelRequest(ch, 'pty-req', new Msg(0).str('xterm').u32(80).u32(24).u32(0).u32(0).str(Buffer.from([0])).done().subarray(1), 5000);
    if (rng() < 0.5) await c.channelRequest(ch, 'exec', new Msg(0).str('sleep 1').done().subarray(1), 5000);
    const n = 1 + int(rng, 300);
    for (let i = 0; i < n; i++) request(c, ch, 'window-change', sizes(rng), false, rng);
    close(c, ch);
    return 'sent';
  },
  async 'env with huge or odd names, many of them'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    const n = 1 + int(rng, 100);
    for (let i = 0; i < n; i++) request(c, ch, 'env', new Msg(0).str(rng() < 0.5 ? `LC_${int(rng, 1e9)}` : oddText(rng, 8000)).str(oddText(rng, 16_000)).done().subarray(1), rng() < 0.3, rng);
    const ok = await c.channelRequest(ch, 'env', new Msg(0).str(oddText(rng)).str(oddText(rng)).done().subarray(1), 5000);
    close(c, ch);
    return `env ${ok}`;
  },
  async 'exec with huge or NUL-containing commands, then EOF or close at once'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    const cmd = rng() < 0.5 ? oddText(rng, 30_000) : Buffer.from(pick(rng, ['echo a\u0000b', 'scp -f /etc/hostname\u0000', 'scp -t $(id)', 'sftp-server', 'internal-sftp', '\u0000']), 'latin1');
    request(c, ch, 'exec', new Msg(0).str(cmd).done().subarray(1), true, rng);
    if (rng() < 0.5) c.send(new Msg(MSG.CHANNEL_EOF).u32(remoteId(ch)).done());
    if (rng() < 0.5) close(c, ch);
    await new Promise<void>((r) => { const t = setTimeout(r, 2000); ch.once('close', () => { clearTimeout(t); r(); }); });
    close(c, ch);
    return 'done';
  },
  async 'subsystem with odd names, a second exec, an unknown request'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    const ok = await c.channelRequest(ch, 'subsystem', new Msg(0).str(oddText(rng, 3000)).done().subarray(1), 5000);
    const again = await c.channelRequest(ch, pick(rng, ['exec', 'shell', 'subsystem', 'x11-req', 'auth-agent-req@openssh.com', 'keepalive@openssh.com', 'eow@openssh.com', 'break', 'xon-xoff', 'fuzz@podgate']), mangle(rng, new Msg(0).str('sftp').done().subarray(1)), 5000);
    close(c, ch);
    return `subsystem ${ok} then ${again}`;
  },
  async 'signal requests with unknown names'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    if (rng() < 0.5) await c.channelRequest(ch, 'exec', new Msg(0).str('sleep 2').done().subarray(1), 5000);
    for (let i = 0; i < 1 + int(rng, 10); i++) request(c, ch, 'signal', new Msg(0).str(rng() < 0.5 ? pick(rng, ['KILL', 'TERM', 'INT', 'FOO', 'SIGKILL', '']) : oddText(rng, 1000)).done().subarray(1), rng() < 0.5, rng);
    close(c, ch);
    return 'sent';
  },
  async 'channel data after EOF and close, to unknown channels'(rng, c) {
    const ch = await session(c);
    if (!ch) return 'open refused';
    const id = remoteId(ch);
    await c.channelRequest(ch, 'exec', new Msg(0).str('cat').done().subarray(1), 5000);
    c.send(new Msg(MSG.CHANNEL_EOF).u32(id).done());
    c.send(new Msg(MSG.CHANNEL_DATA).u32(id).str(oddText(rng, 1000)).done());
    c.send(new Msg(MSG.CHANNEL_EXTENDED_DATA).u32(id).u32(odd32(rng)).str('x').done());
    close(c, ch);
    c.send(new Msg(MSG.CHANNEL_DATA).u32(id).str('after close').done());
    if (rng() < 0.3) c.send(new Msg(MSG.CHANNEL_DATA).u32(odd32(rng)).str('nobody').done());
    if (rng() < 0.3) c.send(new Msg(MSG.CHANNEL_WINDOW_ADJUST).u32(id).u32(0xffffffff).done());
    return 'sent';
  },
  async 'many channel opens at once'(rng, c) {
    const n = 5 + int(rng, 40);
    const chans = await Promise.all(Array.from({ length: n }, () => c.open(pick(rng, ['session', 'session', 'x11', 'auth-agent@openssh.com', 'forwarded-tcpip', 'fuzz@podgate']))));
    const opened = chans.filter((ch): ch is Channel => !(ch instanceof Error));
    for (const ch of opened) { ch.on('error', () => {}); close(c, ch); }
    return `${opened.length}/${n} opened`;
  },
  async 'direct-tcpip with odd hosts and ports'(rng, c) {
    const host = rng() < 0.6 ? Buffer.from(pick(rng, ['', 'localhost', '127.1', '0', '0.0.0.0', '::1', '[::1]', '::ffff:127.0.0.1', '169.254.169.254', 'web-7d9f', 'web-7d9f.default', 'kubernetes.default.svc', '2130706433', '0x7f000001', 'LOCALHOST', 'localhost.'])) : oddText(rng, 3000);
    const extra = mangle(rng, new Msg(0).str(host).u32(odd32(rng) % (rng() < 0.5 ? 65536 : 0x100000000)).str(oddText(rng, 100)).u32(odd32(rng)).done().subarray(1));
    const ch = await c.open('direct-tcpip', extra);
    if (ch instanceof Error) return 'refused';
    ch.on('error', () => {});
    ch.on('data', () => {});
    ch.end(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    close(c, ch);
    return 'opened';
  },
  async 'global requests: tcpip-forward, keepalive, unknown, truncated'(rng, c) {
    const name = pick(rng, ['tcpip-forward', 'cancel-tcpip-forward', 'keepalive@openssh.com', 'no-more-sessions@openssh.com', 'hostkeys-prove-00@openssh.com', 'streamlocal-forward@openssh.com', '__proto__', 'constructor', '']);
    const data = mangle(rng, new Msg(0).str(oddText(rng, 500)).u32(odd32(rng)).done().subarray(1));
    const ok = await c.globalRequest(name, data, 5000);
    return `${name || '(empty)'} ${ok}`;
  },
  async 'stray and unknown message types'(rng, c) {
    const type = pick(rng, [MSG.IGNORE, MSG.DEBUG, MSG.UNIMPLEMENTED, 5, 6, 20, 21, 30, 50, 60, 81, 82, 91, 92, 99, 100, 150, 192, 255]);
    c.send(mangle(rng, new Msg(type).raw(oddText(rng, 200)).done()));
    return `type ${type}`;
  },
};

/** SFTP packets an attacker would send: wrong lengths, truncated, unknown types, huge lengths. */
export function sftpGarbage(rng: Rng): Buffer {
  const body = (type: number, ...fields: Buffer[]): Buffer => Buffer.concat([Buffer.from([type]), ...fields]);
  const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0, 0); return b; };
  const str = (b: Buffer | string): Buffer => { const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b; return Buffer.concat([u32(x.length), x]); };
  const frame = (b: Buffer, len = b.length): Buffer => Buffer.concat([u32(len), b]);
  const id = u32(int(rng, 5));
  const handle = str(rng() < 0.5 ? pick(rng, ['1', '0', '', '__proto__', 'constructor', '99999999', '\u0000']) : oddText(rng, 300));
  const path = str(rng() < 0.5 ? pick(rng, ['/', '.', '/etc/passwd', '/proc/self/mem', '../../../..', '~', '~root', '/dev/zero', '']) : oddText(rng, 2000));
  const packets = [
    body(1, u32(3)), body(1, u32(odd32(rng))), body(1),
    body(3, id, path, u32(odd32(rng)), u32(odd32(rng))),
    body(5, id, handle, u32(odd32(rng)), u32(odd32(rng)), u32(odd32(rng))),
    body(6, id, handle, u32(0), u32(0), u32(odd32(rng)), Buffer.from('data')),
    body(4, id, handle), body(8, id, handle), body(12, id, handle),
    body(pick(rng, [7, 11, 13, 15, 16, 17, 19]), id, path),
    body(pick(rng, [9, 14]), id, path, u32(odd32(rng)), u32(odd32(rng))),
    body(pick(rng, [18, 20]), id, path, path),
    body(200, id, str(pick(rng, ['posix-rename@openssh.com', 'statvfs@openssh.com', 'fstatvfs@openssh.com', 'hardlink@openssh.com', 'fsync@openssh.com', 'limits@openssh.com', 'expand-path@openssh.com', 'copy-data', 'home-directory', '__proto__'])), path, path),
    body(pick(rng, [0, 2, 21, 99, 101, 102, 103, 104, 105, 201, 255]), id, oddText(rng, 100)),
  ];
  const p = pick(rng, packets);
  switch (int(rng, 6)) {
    case 0: return frame(p, odd32(rng));
    case 1: return frame(p).subarray(0, int(rng, p.length + 4));
    case 2: return frame(p, p.length + 1 + int(rng, 64));
    default: return frame(p);
  }
}
