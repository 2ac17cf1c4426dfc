/**
 * A strict parser for the PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2
 * binary) at the start of a byte stream. It reports how many bytes the header took, so the SSH
 * stream after it is handed on intact. Own code rather than the npm `proxy-protocol-js`: that
 * package's v1 parser accepts any non-space text as an address and any digits as a port, its
 * v2 parser ignores the header's length field (TLVs and the following stream bytes come back
 * mixed) and it throws non-Error values; a security boundary needs exact framing.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** v1 header: at most 107 bytes including CRLF. */
const V1_MAX = 107;
/** v2: address block plus TLVs; HAProxy sends a few dozen bytes. Longer is refused. */
const V2_MAX_PAYLOAD = 4096;

export interface ProxyAddresses {
  sourceAddress: string;
  sourcePort: number;
  destAddress: string;
  destPort: number;
}

export type ProxyParse =
  /** More bytes are needed. */
  | { kind: 'incomplete' }
  /** Not a PROXY header, or a malformed one. */
  | { kind: 'invalid'; reason: string }
  /** A header: `addresses` null for v1 UNKNOWN, v2 LOCAL or v2 UNSPEC (use the socket's own). */
  | { kind: 'header'; version: 1 | 2; length: number; addresses: ProxyAddresses | null };

/** True when `buf` starts like a PROXY header (v1 or v2), judging by the bytes there are. */
export function looksLikeProxyHeader(buf: Buffer): boolean {
  const n1 = Math.min(buf.length, V1_PREFIX.length);
  const n2 = Math.min(buf.length, V2_SIGNATURE.length);
  return (n1 > 0 && buf.subarray(0, n1).equals(V1_PREFIX.subarray(0, n1))) || (n2 > 0 && buf.subarray(0, n2).equals(V2_SIGNATURE.subarray(0, n2)));
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function port(s: string): number | null {
  if (!PORT.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return buf.length >= V1_MAX ? { kind: 'invalid', reason: 'v1 header longer than 107 bytes' } : { kind: 'incomplete' };
  if (end + 2 > V1_MAX) return { kind: 'invalid', reason: 'v1 header longer than 107 bytes' };
  const line = buf.toString('latin1', 0, end);
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'header', version: 1, length: end + 2, addresses: null };
  if (parts.length !== 6) return { kind: 'invalid', reason: 'v1 header must be "PROXY TCP4|TCP6 SRC DST SPORT DPORT"' };
  const [, proto, src, dst, sp, dp] = parts as [string, string, string, string, string, string];
  const isFamily = proto === 'TCP4' ? isIPv4 : proto === 'TCP6' ? isIPv6 : null;
  if (!isFamily) return { kind: 'invalid', reason: `v1 protocol ${JSON.stringify(proto.slice(0, 16))} is not TCP4, TCP6 or UNKNOWN` };
  if (!isFamily(src) || !isFamily(dst)) return { kind: 'invalid', reason: `v1 addresses are not ${proto} addresses` };
  const sourcePort = port(sp);
  const destPort = port(dp);
  if (sourcePort === null || destPort === null) return { kind: 'invalid', reason: 'v1 ports must be 0..65535' };
  return { kind: 'header', version: 1, length: end + 2, addresses: { sourceAddress: src, sourcePort, destAddress: dst, destPort } };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  if (bestAt < 0) return groups.join(':');
  const text = `${groups.slice(0, bestAt).join(':')}::${groups.slice(bestAt + bestLen).join(':')}`;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (mapped) return [b[12], b[13], b[14], b[15]].join('.');
  return text;
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < 16) return { kind: 'incomplete' };
  const verCmd = buf[12];
  if (verCmd >> 4 !== 2) return { kind: 'invalid', reason: `v2 version ${verCmd >> 4} is not 2` };
  const command = verCmd & 0x0f;
  if (command > 1) return { kind: 'invalid', reason: `v2 command ${command} is not LOCAL or PROXY` };
  const famProto = buf[13];
  const len = buf.readUInt16BE(14);
  if (len > V2_MAX_PAYLOAD) return { kind: 'invalid', reason: `v2 header of ${len} bytes is longer than ${V2_MAX_PAYLOAD}` };
  if (buf.length < 16 + len) return { kind: 'incomplete' };
  const length = 16 + len;
  if (command === 0) return { kind: 'header', version: 2, length, addresses: null }; // LOCAL: the proxy's own connection (health check)
  const body = buf.subarray(16, length);
  if (famProto === 0x00) return { kind: 'header', version: 2, length, addresses: null }; // UNSPEC
  if (famProto === 0x11) {
    if (len < 12) return { kind: 'invalid', reason: 'v2 TCP4 address block shorter than 12 bytes' };
    return {
      kind: 'header', version: 2, length, addresses: {
        sourceAddress: [...body.subarray(0, 4)].join('.'), destAddress: [...body.subarray(4, 8)].join('.'),
        sourcePort: body.readUInt16BE(8), destPort: body.readUInt16BE(10),
      },
    };
  }
  if (famProto === 0x21) {
    if (len < 36) return { kind: 'invalid', reason: 'v2 TCP6 address block shorter than 36 bytes' };
    return {
      kind: 'header', version: 2, length, addresses: {
        sourceAddress: ipv6(body.subarray(0, 16)), destAddress: ipv6(body.subarray(16, 32)),
        sourcePort: body.readUInt16BE(32), destPort: body.readUInt16BE(34),
      },
    };
  }
  return { kind: 'invalid', reason: `v2 address family/protocol 0x${famProto.toString(16).padStart(2, '0')} is not TCP over IPv4 or IPv6` };
}

/** Parses a PROXY header at the start of `buf` (call again with more bytes on 'incomplete'). */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (!looksLikeProxyHeader(buf)) return { kind: 'invalid', reason: 'no PROXY protocol header' };
  if (buf[0] === V1_PREFIX[0]) return buf.length < V1_PREFIX.length ? { kind: 'incomplete' } : parseV1(buf);
  return buf.length < V2_SIGNATURE.length ? { kind: 'incomplete' } : parseV2(buf);
}
