/**
 * The PROXY protocol on a live socket. From a trusted source the header is required and read
 * before anything else (bounded in time and size); the bytes after it are put back for ssh2.
 * From anyone else a PROXY header is a spoofing attempt or a misconfigured balancer: the first
 * bytes are watched and such a connection is closed.
 */
import type net from 'node:net';
import { looksLikeProxyHeader, parseProxyHeader, type ProxyAddresses } from './proxy-header.ts';

export type HeaderResult =
  | { ok: true; version: 1 | 2; addresses: ProxyAddresses | null }
  | { ok: false; reason: 'proxy-header-missing' | 'proxy-header-invalid' | 'proxy-header-timeout' | 'closed'; detail?: string };

/** Reads the PROXY header off `socket`; on success the socket is paused with the rest unshifted. */
export function readProxyHeader(socket: net.Socket, timeoutMs: number): Promise<HeaderResult> {
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (r: HeaderResult, rest?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(r);
    };
    const onData = (d: Buffer): void => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      const p = parseProxyHeader(buf);
      if (p.kind === 'incomplete') return;
      if (p.kind === 'invalid') {
        finish(looksLikeProxyHeader(buf) ? { ok: false, reason: 'proxy-header-invalid', detail: p.reason } : { ok: false, reason: 'proxy-header-missing' });
        return;
      }
      finish({ ok: true, version: p.version, addresses: p.addresses }, buf.subarray(p.length));
    };
    const onClose = (): void => finish({ ok: false, reason: 'closed' });
    const timer = setTimeout(() => finish({ ok: false, reason: 'proxy-header-timeout' }), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/**
 * Calls `onHeader` if the socket's first bytes are a PROXY header. Register before handing the
 * socket to ssh2 so this listener sees each chunk first; it removes itself once decided.
 */
export function watchForProxyHeader(socket: net.Socket, onHeader: () => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    seen = seen.length === 0 ? d.subarray(0, 12) : Buffer.concat([seen, d]).subarray(0, 12);
    const maybe = looksLikeProxyHeader(seen);
    if (maybe && seen.length < 6) return; // "PROXY " or the v2 signature's start: wait for more
    socket.off('data', onData);
    if (maybe) onHeader();
  };
  socket.on('data', onData);
}
