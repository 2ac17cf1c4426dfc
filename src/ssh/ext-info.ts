/**
 * podgate's own `server-sig-algs` (RFC 8308 EXT_INFO), announcing exactly the user-key signature
 * algorithms podgate accepts (src/auth/key-algorithms.ts). ssh2 1.17's `sendExtInfo` lacks a
 * comma: it sends `...,ecdsa-sha2-nistp521rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss`, so clients
 * never see `rsa-sha2-512` (OpenSSH then signs with RSA keys using `rsa-sha2-256`), and it names
 * `ssh-rsa` (SHA-1) and `ssh-dss`, which podgate refuses.
 *
 * ssh2 sends its EXT_INFO from the connection's `_onHandshakeComplete` after the first key
 * exchange when the client offered `ext-info-c`. `useServerSigAlgs` wraps that function for one
 * connection: on the first handshake it clears ssh2's `remoteExtInfoEnabled` flag (ssh2 then
 * sends nothing) and sends the corrected EXT_INFO itself, built as ssh2 builds it, as the next
 * packet after the server's first NEWKEYS (where RFC 8308 §2.4 puts it). Later key exchanges are
 * untouched (ssh2 sends EXT_INFO only once too).
 *
 * Guarded: applied only to ssh2 1.17.x with the expected Protocol shape; anything else is left
 * alone (the function returns false).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface PacketWriter {
  allocStart: number;
  alloc(n: number): Buffer;
  finalize(packet: Buffer): Buffer;
}
interface ProtocolLike {
  _server?: boolean;
  _kex?: { remoteExtInfoEnabled?: boolean };
  _onHandshakeComplete?: (...args: unknown[]) => void;
  _packetRW?: { write?: PacketWriter };
  _debug?: (msg: string) => void;
}

const SSH_MSG_EXT_INFO = 7;
const NAME = 'server-sig-algs';

const ssh2Version = (require('ssh2/package.json') as { version: string }).version;
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as { sendPacket?: (proto: object, packet: Buffer) => boolean };
const supported = /^1\.17\./.test(ssh2Version) && typeof sendPacket === 'function';

/** The EXT_INFO payload: one extension, `server-sig-algs` = `algs` joined by commas. */
export function extInfoPayload(algs: readonly string[]): Buffer {
  const value = Buffer.from(algs.join(','), 'latin1');
  const out = Buffer.alloc(1 + 4 + 4 + NAME.length + 4 + value.length);
  let p = 0;
  out[p++] = SSH_MSG_EXT_INFO;
  p = out.writeUInt32BE(1, p);
  p = out.writeUInt32BE(NAME.length, p);
  p += out.write(NAME, p, 'latin1');
  p = out.writeUInt32BE(value.length, p);
  value.copy(out, p);
  return out;
}

function sendExtInfo(proto: ProtocolLike, payload: Buffer): void {
  const write = proto._packetRW!.write!;
  const at = write.allocStart;
  const packet = write.alloc(payload.length);
  payload.copy(packet, at);
  proto._debug?.('Outbound: Sending EXT_INFO (podgate server-sig-algs)');
  sendPacket!(proto, write.finalize(packet));
}

/**
 * Call from the ssh2 Server's 'connection' listener (before the key exchange completes): the
 * connection announces `algs` as its `server-sig-algs`. Returns whether the fix is in place.
 */
export function useServerSigAlgs(client: object, algs: readonly string[]): boolean {
  if (!supported || algs.length === 0) return false;
  const proto = (client as { _protocol?: ProtocolLike })._protocol;
  const original = proto?._onHandshakeComplete;
  if (!proto || proto._server !== true || typeof original !== 'function') return false;
  const payload = extInfoPayload(algs);
  let first = true;
  proto._onHandshakeComplete = (...args: unknown[]) => {
    const kex = proto._kex;
    const write = proto._packetRW?.write;
    if (first && kex?.remoteExtInfoEnabled === true && typeof write?.alloc === 'function' && typeof write.finalize === 'function') {
      kex.remoteExtInfoEnabled = false;
      sendExtInfo(proto, payload);
    }
    first = false;
    original.apply(proto, args);
  };
  return true;
}
