import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { SIGNATURE_ALGORITHMS } from '../auth/key-algorithms.ts';
import { HARDENED_ALGORITHMS } from './algorithms.ts';
import { extInfoPayload, useServerSigAlgs } from './ext-info.ts';

const HOST_KEYS = [Buffer.from(generateKeyPair('ed25519', 'h1').private)];
const servers: ssh2.Server[] = [];

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

interface Seen { exts: { name: string; algs?: string[] }[][]; error?: string }

/**
 * Connects ssh2's own client to an ssh2 server (patched when `patch`) and returns every EXT_INFO
 * as ssh2's client parser reads it, collected until the server has accepted authentication.
 */
async function extInfoSeen(patch: boolean): Promise<Seen> {
  const server = new ssh2.Server({ hostKeys: HOST_KEYS, algorithms: HARDENED_ALGORITHMS }, (client: Connection) => {
    client.on('error', () => {});
    if (patch) expect(useServerSigAlgs(client, SIGNATURE_ALGORITHMS)).toBe(true);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => client.end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const seen: Seen = { exts: [] };
  await new Promise<void>((resolve) => {
    const c = new ssh2.Client();
    c.on('ready', () => { c.end(); resolve(); });
    c.on('error', (e) => { seen.error = e.message; resolve(); });
    c.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, username: 'u', password: 'p', readyTimeout: 10_000 });
    const handlers = (c as unknown as { _protocol: { _handlers: Record<string, (p: unknown, exts: Seen['exts'][number]) => void> } })._protocol._handlers;
    const original = handlers['EXT_INFO'];
    handlers['EXT_INFO'] = (p, exts) => {
      seen.exts.push(exts);
      original(p, exts);
    };
  });
  return seen;
}

describe('server-sig-algs', () => {
  it('ssh2 1.17 alone announces a merged name, SHA-1 ssh-rsa and ssh-dss', async () => {
    const seen = await extInfoSeen(false);
    expect(seen.error).toBeUndefined();
    const algs = seen.exts[0][0].algs!;
    expect(algs).toContain('ecdsa-sha2-nistp521rsa-sha2-512');
    expect(algs).not.toContain('rsa-sha2-512');
    expect(algs).toEqual(expect.arrayContaining(['ssh-rsa', 'ssh-dss']));
  });

  it('useServerSigAlgs announces exactly the accepted algorithms, once', async () => {
    const seen = await extInfoSeen(true);
    expect(seen.error).toBeUndefined();
    expect(seen.exts).toEqual([[{ name: 'server-sig-algs', algs: [...SIGNATURE_ALGORITHMS] }]]);
    expect([...SIGNATURE_ALGORITHMS].sort()).toEqual(['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-256', 'rsa-sha2-512', 'ssh-ed25519']);
  });

  it('builds the packet as RFC 8308 lays it out', () => {
    const p = extInfoPayload(['a', 'bc']);
    expect(p[0]).toBe(7);
    expect(p.readUInt32BE(1)).toBe(1);
    expect(p.readUInt32BE(5)).toBe(15);
    expect(p.subarray(9, 24).toString()).toBe('server-sig-algs');
    expect(p.readUInt32BE(24)).toBe(4);
    expect(p.subarray(28).toString()).toBe('a,bc');
  });

  it('leaves a connection without the ssh2 shape alone', () => {
    expect(useServerSigAlgs({}, SIGNATURE_ALGORITHMS)).toBe(false);
    expect(useServerSigAlgs({ _protocol: { _server: false, _onHandshakeComplete: () => {} } }, SIGNATURE_ALGORITHMS)).toBe(false);
  });
});
