import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { parseConfig } from './load.ts';

const KEY = generateKeyPair('ed25519', 'alice@laptop').public;
const USERS = `users:\n  - name: alice\n    publicKeys: ["${KEY}"]\n`;

describe('pre-auth limits and PROXY protocol in the config', () => {
  it('have documented defaults: queue, nested cap, PerSourcePenalties-like penalties, PROXY protocol off', () => {
    const r = parseConfig(USERS, '/etc/podgate/config.yaml');
    if (!('config' in r)) throw new Error(JSON.stringify(r.issues));
    const { limits, proxyProtocol } = r.config;
    expect([limits.maxUnauthenticated, limits.maxUnauthenticatedPerSource, limits.maxQueued, limits.maxQueuedPerSource, limits.maxNestedPerConnection]).toEqual([100, 10, 2000, 500, 10]);
    expect(limits.penalties).toEqual({ authfail: 5, noauth: 1, graceExceeded: 10, crash: 90, min: 15, max: 600, maxSources: 65_536, exempt: [] });
    expect(proxyProtocol).toEqual({ trustedSources: [], headerTimeoutSeconds: 10 });
  });

  it('refuse CIDRs that do not parse, naming the key', () => {
    const r = parseConfig(`${USERS}proxyProtocol:\n  trustedSources: ["10.0.0.0/8", "10.0.0.0/33", "lb.example"]\nlimits:\n  penalties:\n    exempt: ["fd00::/8", "1.2.3.4/x"]\n`, '/etc/podgate/config.yaml');
    if (!('issues' in r)) throw new Error('expected issues');
    const text = r.issues.map((i) => `${i.path}: ${i.message}`);
    expect(text).toHaveLength(3);
    expect(text.join('\n')).toMatch(/proxyProtocol\.trustedSources\[1\]: .*prefix length must be 0\.\.32/);
    expect(text.join('\n')).toMatch(/proxyProtocol\.trustedSources\[2\]: "lb\.example" is not an IP address or CIDR/);
    expect(text.join('\n')).toMatch(/limits\.penalties\.exempt\[1\]: .*prefix length/);
  });
});
