import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { allocFromSlab, allocGcmPacket, fillRandom, installPacketPool } from './packet-alloc.ts';

const require = createRequire(import.meta.url);

describe('pooled ssh2 AES-GCM packets', () => {
  it('lays packets out exactly as ssh2 1.17 does (length, padding length, 16-byte blocks, tag room)', () => {
    // ssh2's own allocator, read before the pool replaces it.
    const crypto = require('ssh2/lib/protocol/crypto.js') as { CIPHER_INFO: Record<string, unknown>; createCipher(c: unknown): { allocPacket(n: number): Buffer; free(): void } };
    const c = crypto.createCipher({ outbound: { seqno: 0, onWrite: () => {}, cipherInfo: crypto.CIPHER_INFO['aes128-gcm@openssh.com'], cipherKey: Buffer.alloc(16), cipherIV: Buffer.alloc(12) } });
    const original = Object.getPrototypeOf(c).allocPacket as (n: number) => Buffer;
    for (const n of [0, 1, 9, 10, 11, 12, 13, 27, 100, 32768 + 9, 65536 + 13, 70000]) {
      const a = original.call(c, n);
      const b = allocGcmPacket(n);
      expect(b.length, `payload ${n}`).toBe(a.length);
      expect(b.readUInt32BE(0)).toBe(a.readUInt32BE(0));
      expect(b[4]).toBe(a[4]);
      expect((b.length - 16 - 4) % 16).toBe(0);
      expect(b[4]).toBeGreaterThanOrEqual(4);
    }
    c.free();
    expect(installPacketPool()).toBe(true);
    const c2 = crypto.createCipher({ outbound: { seqno: 0, onWrite: () => {}, cipherInfo: crypto.CIPHER_INFO['aes128-gcm@openssh.com'], cipherKey: Buffer.alloc(16), cipherIV: Buffer.alloc(12) } });
    expect(Object.getPrototypeOf(c2).allocPacket).toBe(allocGcmPacket);
    c2.free();
  });

  it('never hands out overlapping slab memory, and large packets get their own buffer', () => {
    const bufs = Array.from({ length: 40 }, (_, i) => allocFromSlab(32768 + 29 + i));
    bufs.forEach((b, i) => b.fill(i));
    bufs.forEach((b, i) => expect(b.every((x) => x === i)).toBe(true));
    const big = allocFromSlab(200 * 1024);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(200 * 1024);
  });

  it('padding bytes come from the CSPRNG pool, fresh each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(19);
      fillRandom(b, 0, 19);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });
});
