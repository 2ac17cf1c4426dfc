/**
 * A certificate's `source-address` critical option, checked as OpenSSH's addr_match_cidr_list
 * does: a comma-separated list of addresses and CIDR networks, no empty entries, no names, no
 * set host bits (`10.0.0.1/8`). One unparseable entry makes the whole list (and so the
 * certificate) invalid: skipping it would widen what the CA wrote.
 */
import { isIP } from 'node:net';

interface Network {
  v6: boolean;
  bits: number;
  value: bigint;
}

const VALID_CHARS = /^[0-9a-fA-F.:/]+$/;

/** The address as a number (IPv4: 32 bits, IPv6: 128 bits), or null when not an IP address. */
function addressValue(text: string): { v6: boolean; value: bigint } | null {
  const family = isIP(text);
  if (family === 4) return { v6: false, value: text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return null;
  let s = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = addressValue(v4[1])!.value;
    s = `${s.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function parseEntry(entry: string): Network | null {
  if (entry === '' || entry.length > 46 + 3 || !VALID_CHARS.test(entry)) return null;
  const slash = entry.indexOf('/');
  const addr = addressValue(slash < 0 ? entry : entry.slice(0, slash));
  if (!addr) return null;
  const max = addr.v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const m = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(m)) return null;
    bits = Number(m);
  }
  if (bits > max) return null;
  const hostMask = (1n << BigInt(max - bits)) - 1n;
  if ((addr.value & hostMask) !== 0n) return null;
  return { ...addr, bits };
}

/** The list's networks, or null when any entry is not a valid address or network. */
export function parseSourceAddressList(list: string): Network[] | null {
  const out: Network[] = [];
  for (const entry of list.split(',')) {
    const net = parseEntry(entry);
    if (!net) return null;
    out.push(net);
  }
  return out;
}

/** Whether `address` (as node reports it; `::ffff:a.b.c.d` counts as IPv4) is in `networks`. */
export function sourceAddressMatches(networks: Network[], address: string): boolean {
  const plain = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
  const addr = addressValue(plain);
  if (!addr) return false;
  return networks.some((n) => {
    if (n.v6 !== addr.v6) return false;
    const shift = BigInt((n.v6 ? 128 : 32) - n.bits);
    return (addr.value >> shift) === (n.value >> shift);
  });
}
