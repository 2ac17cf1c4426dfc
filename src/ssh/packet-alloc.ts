/**
 * Cheaper outbound packets for ssh2's AES-GCM cipher (the one podgate prefers; see
 * algorithms.ts). ssh2 1.17 allocates every outgoing packet with its own `Buffer.allocUnsafe`
 * (a fresh ArrayBuffer per 32 KiB of a download: a malloc, a V8 backing store and GC work
 * each) and fills its 4–19 padding bytes with a separate `randomFillSync` call (a crypto job
 * per packet). Profiles of a download showed the two at ~6 % of podgate's CPU (docs/performance.md).
 *
 * This replaces `allocPacket` on ssh2's AES-GCM binding class with one that carves packets out
 * of 256 KiB slabs (as Node's own Buffer pool does for small buffers; a slab is freed when its
 * last packet has been written) and takes padding from a pool of CSPRNG bytes refilled 8 KiB at
 * a time (every padding byte is still fresh CSPRNG output, used once). The packet layout is
 * unchanged: length, padding length, payload room, padding, 16 bytes for the tag. ssh2 then
 * writes the payload, encrypts in place and hands the packet to the socket, as before.
 *
 * Guarded: applied only to ssh2 1.17.x's AESGCMCipherBinding (the native binding); any other
 * shape leaves ssh2 untouched. Config `ssh.packetPool: false` turns it off.
 */
import { createRequire } from 'node:module';
import { randomFillSync } from 'node:crypto';

const require = createRequire(import.meta.url);

const SLAB_SIZE = 256 * 1024;
const RANDOM_POOL = 8 * 1024;

interface CipherCtor { name: string; prototype: { allocPacket(payloadLen: number): Buffer } }
interface Ssh2Crypto {
  CIPHER_INFO: Record<string, unknown>;
  createCipher(config: unknown): { free(): void; constructor: CipherCtor };
}

let slab = Buffer.allocUnsafeSlow(0);
let slabOff = 0;

/** `n` bytes from the current slab (8-byte aligned), or a buffer of its own when large. */
export function allocFromSlab(n: number): Buffer {
  if (n > SLAB_SIZE >> 2) return Buffer.allocUnsafeSlow(n);
  if (slabOff + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabOff = 0;
  }
  const b = slab.subarray(slabOff, slabOff + n);
  slabOff = (slabOff + n + 7) & ~7;
  return b;
}

const pool = Buffer.allocUnsafeSlow(RANDOM_POOL);
let poolOff = RANDOM_POOL;

/** Fills `buf[at, at+len)` with CSPRNG bytes never handed out before. */
export function fillRandom(buf: Buffer, at: number, len: number): void {
  if (len > RANDOM_POOL) {
    randomFillSync(buf, at, len);
    return;
  }
  if (poolOff + len > RANDOM_POOL) {
    randomFillSync(pool);
    poolOff = 0;
  }
  pool.copy(buf, at, poolOff, poolOff + len);
  poolOff += len; // each byte is handed out once; the pool is refilled before it wraps

}

/** The AES-GCM packet as ssh2 1.17 lays it out (RFC 5647: length not encrypted, 16-byte blocks). */
export function allocGcmPacket(payloadLen: number): Buffer {
  let pktLen = 4 + 1 + payloadLen;
  let padLen = 16 - ((pktLen - 4) & 15);
  if (padLen < 4) padLen += 16;
  pktLen += padLen;
  const packet = allocFromSlab(pktLen + 16);
  packet.writeUInt32BE(pktLen - 4, 0);
  packet[4] = padLen;
  fillRandom(packet, 5 + payloadLen, padLen);
  return packet;
}

let installed: boolean | null = null;

/**
 * Installs the pooled allocator once (config `ssh.packetPool`); returns whether ssh2 is using
 * it. The first call decides for the process: later calls return that answer.
 */
export function installPacketPool(enabled = true): boolean {
  if (installed !== null) return installed;
  installed = false;
  if (!enabled) return false;
  try {
    const version = (require('ssh2/package.json') as { version: string }).version;
    if (!/^1\.17\./.test(version)) return false;
    const crypto = require('ssh2/lib/protocol/crypto.js') as Ssh2Crypto;
    const info = crypto.CIPHER_INFO['aes128-gcm@openssh.com'];
    if (!info) return false;
    const probe = crypto.createCipher({ outbound: { seqno: 0, onWrite: () => {}, cipherInfo: info, cipherKey: Buffer.alloc(16), cipherIV: Buffer.alloc(12) } });
    const ctor = probe.constructor;
    probe.free();
    if (ctor.name !== 'AESGCMCipherBinding' || typeof ctor.prototype.allocPacket !== 'function') return false;
    ctor.prototype.allocPacket = allocGcmPacket;
    installed = true;
  } catch {
    installed = false;
  }
  return installed;
}
