/**
 * Source addresses and CIDR lists (PROXY protocol trusted sources, penalty exemptions): one
 * normal form for an address (IPv4-mapped IPv6 becomes plain IPv4, so a dual-stack listener and
 * a PROXY header name the same client the same way) and a matcher on node's BlockList.
 */
import { BlockList, isIP } from 'node:net';

/** `::ffff:10.1.2.3` → `10.1.2.3`; anything else unchanged. */
export function normalAddress(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : addr;
}

/** Why `cidr` is not an address or address/prefix, or null when it is. */
export function cidrProblem(cidr: string): string | null {
  const [addr, prefix, extra] = cidr.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return `"${cidr}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8, 192.0.2.7)`;
  if (prefix === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${cidr}": the prefix length must be 0..${max}`;
  return null;
}

export interface AddressSet {
  has(addr: string): boolean;
  readonly empty: boolean;
}

/** A matcher for a list of addresses and CIDRs (validated by the config; bad entries throw). */
export function addressSet(cidrs: readonly string[]): AddressSet {
  const block = new BlockList();
  for (const c of cidrs) {
    const problem = cidrProblem(c);
    if (problem) throw new Error(problem);
    const [addr, prefix] = c.split('/') as [string, string | undefined];
    const type = isIP(addr) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) block.addAddress(addr, type);
    else block.addSubnet(addr, Number(prefix), type);
  }
  return {
    empty: cidrs.length === 0,
    has(addr: string): boolean {
      if (cidrs.length === 0) return false;
      const a = normalAddress(addr);
      const family = isIP(a);
      if (family === 0) return false;
      return block.check(a, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
