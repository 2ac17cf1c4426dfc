import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from './index.ts';
import type { Emulator } from './types.ts';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
});
afterAll(async () => {
  await emu?.close();
});

function negotiated(ciphers?: string): Promise<string> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false, ...(ciphers ? { ciphers } : {}) }, () => {
      resolve(s.getCipher().name);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('emulator TLS', () => {
  it('picks TLS 1.3 suites in Go crypto/tls server order (AES-128-GCM first), whatever the client lists first', async () => {
    // Node clients list AES-256-GCM first; kube-apiserver (Go) still answers AES-128-GCM.
    expect(await negotiated()).toBe('TLS_AES_128_GCM_SHA256');
    expect(await negotiated('TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256')).toBe('TLS_AES_128_GCM_SHA256');
    // A client without AES-128 still gets a suite it offered.
    expect(await negotiated('TLS_AES_256_GCM_SHA384')).toBe('TLS_AES_256_GCM_SHA384');
  });
});
