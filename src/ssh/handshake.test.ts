import net from 'node:net';
import pino from 'pino';
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { HARDENED_ALGORITHMS } from './algorithms.ts';
import { parseClientOffer } from './client-offer.ts';
import { prepareHandshake } from './handshake.ts';

const HOST_KEYS = [generateKeyPair('ed25519', 'h1').private, generateKeyPair('rsa', 'h2', { rsaBits: 2048 }).private].map((k) => Buffer.from(k));
const servers: ssh2.Server[] = [];

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** The host-key algorithms in the KEXINIT the server sends (its bytes parse like a client's). */
async function offeredHostKeys(prepare: boolean): Promise<string[]> {
  const server = new ssh2.Server({ hostKeys: HOST_KEYS, algorithms: HARDENED_ALGORITHMS }, (client: Connection) => {
    client.on('error', () => {});
    if (prepare) prepareHandshake(client, pino({ level: 'silent' }), { connId: 't', remoteAddress: '127.0.0.1', remotePort: 1 });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sock.on('error', () => {});
  sock.write('SSH-2.0-probe\r\n');
  let buf = Buffer.alloc(0);
  const offer = await new Promise<ReturnType<typeof parseClientOffer>>((resolve) => {
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const r = parseClientOffer(buf);
      if (r) resolve(r);
    });
  });
  sock.destroy();
  if (!offer || offer === 'invalid') throw new Error('no KEXINIT');
  return offer.hostKey;
}

describe('host-key offer', () => {
  it('ssh2 alone offers ssh-rsa (SHA-1) for an RSA key even when the list leaves it out', async () => {
    expect(await offeredHostKeys(false)).toContain('ssh-rsa');
  });

  it('prepareHandshake removes it: ed25519 and RSA with SHA-2 only', async () => {
    expect(await offeredHostKeys(true)).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256']);
  });
});
