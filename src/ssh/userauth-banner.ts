/**
 * SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4) during authentication, so a refused login can say
 * why in words the client prints (OpenSSH shows banners on stderr at its default log level):
 * `podgate: access for alice expired at ...` before "Permission denied". ssh2 1.17 sends a
 * banner only once, from its config, after the userauth service request; this builds the
 * packet as ssh2 does there. Guarded like ext-info.ts: applied only to ssh2 1.17.x with the
 * expected Protocol shape; anything else sends nothing (the function returns false).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface PacketWriter {
  allocStart: number;
  alloc(n: number): Buffer;
  finalize(packet: Buffer): Buffer;
}

const SSH_MSG_USERAUTH_BANNER = 53;
const ssh2Version = (require('ssh2/package.json') as { version: string }).version;
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as { sendPacket?: (proto: object, packet: Buffer) => boolean };
const supported = /^1\.17\./.test(ssh2Version) && typeof sendPacket === 'function';

/** The payload: message id, the text (CRLF-terminated, UTF-8) and an empty language tag. */
function bannerPayload(text: string): Buffer {
  const body = Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'utf8');
  const out = Buffer.alloc(1 + 4 + body.length + 4);
  out[0] = SSH_MSG_USERAUTH_BANNER;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  out.writeUInt32BE(0, 5 + body.length);
  return out;
}

/** Sends `text` as a userauth banner on an ssh2 server connection (before it accepts or rejects). */
export function sendUserauthBanner(client: object, text: string): boolean {
  const proto = (client as { _protocol?: { _packetRW?: { write?: PacketWriter } } })._protocol;
  const write = proto?._packetRW?.write;
  if (!supported || !proto || typeof write?.alloc !== 'function' || typeof write.finalize !== 'function') return false;
  const payload = bannerPayload(text);
  const packet = write.alloc(payload.length);
  payload.copy(packet, write.allocStart);
  sendPacket(proto, write.finalize(packet));
  return true;
}
