/**
 * Reads what an SSH client offers: its identification line and its first KEXINIT, both sent in
 * the clear at the start of a connection (RFC 4253 §4.2, §7.1). ssh2 reports only "no matching
 * cipher" when a handshake fails; with the client's lists podgate can log, as sshd does, which
 * algorithms the client wanted. A passive reader of the socket's first bytes: it never consumes
 * data (ssh2 reads the same chunks) and stops after the KEXINIT or MAX_BYTES.
 */

const MAX_BYTES = 64 * 1024;
const KEXINIT = 20;

export interface ClientOffer {
  /** `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7`, without CR LF. */
  version: string;
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  compress: string[];
}

const LIST_NAMES = ['kex', 'hostKey', 'cipher', null, 'mac', null, 'compress', null] as const;

/** Parses an ident line plus a KEXINIT packet from the start of a stream; null until complete. */
export function parseClientOffer(buf: Buffer): ClientOffer | null | 'invalid' {
  // Lines before the version line are allowed (RFC 4253 §4.2); the version line starts "SSH-".
  let pos = 0;
  let version: string | null = null;
  while (version === null) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return null;
    const line = buf.toString('latin1', pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    if (line.startsWith('SSH-')) version = line;
  }
  if (buf.length < pos + 5) return null;
  const packetLen = buf.readUInt32BE(pos);
  if (packetLen < 2 || packetLen > 35000) return 'invalid';
  if (buf.length < pos + 4 + packetLen) return null;
  const padLen = buf[pos + 4];
  const payload = buf.subarray(pos + 5, pos + 4 + packetLen - padLen);
  if (payload[0] !== KEXINIT || payload.length < 17) return 'invalid';
  let p = 17; // type + cookie
  const lists: Record<string, string[]> = {};
  for (const name of LIST_NAMES) {
    if (p + 4 > payload.length) return 'invalid';
    const len = payload.readUInt32BE(p);
    p += 4;
    if (p + len > payload.length) return 'invalid';
    if (name) lists[name] = len === 0 ? [] : payload.toString('latin1', p, p + len).split(',');
    p += len;
  }
  return { version, kex: lists['kex'], hostKey: lists['hostKey'], cipher: lists['cipher'], mac: lists['mac'], compress: lists['compress'] };
}

/** Any byte stream a connection arrives on: a TCP socket, or a channel (jump connections). */
export interface ByteSource {
  on(event: 'data', listener: (d: Buffer) => void): unknown;
  off(event: 'data', listener: (d: Buffer) => void): unknown;
}

/** Watches the stream's first bytes; `get()` is the client's offer once it has arrived. */
export function watchClientOffer(socket: ByteSource): { get(): ClientOffer | null } {
  let offer: ClientOffer | null = null;
  let chunks: Buffer[] = [];
  let size = 0;
  const stop = (): void => {
    socket.off('data', onData);
    chunks = [];
  };
  const onData = (d: Buffer): void => {
    chunks.push(d);
    size += d.length;
    const r = parseClientOffer(chunks.length === 1 ? d : Buffer.concat(chunks));
    if (r === 'invalid' || size > MAX_BYTES) return stop();
    if (r) {
      offer = r;
      stop();
    }
  };
  socket.on('data', onData);
  return { get: () => offer };
}
