/**
 * The algorithms podgate offers: the strongest set the SSH clients in use can speak
 * (docs/compatibility.md), checked by ssh-audit in test/clients-algorithms.test.ts.
 * - kex: curve25519 and the 4096/8192-bit DH groups; no NIST curves (ssh-audit fails them),
 *   no SHA-1, no group exchange (every client tested speaks curve25519). The client's order
 *   picks the method, so the server's order matters only for a client that sends a guessed
 *   first kex packet (Dropbear): ssh2 1.17 always drops a guessed packet (it compares the
 *   negotiated name with the first character of the client's list, kex.js handleKexInit), so
 *   the guess must look wrong to the client (RFC 4253 §7.1: the two sides' first methods
 *   differ), which makes it send the packet again. Hence group16 first: no client leads with it.
 * - ciphers: AES-GCM first, then AES-CTR (Dropbear, libssh2 1.10 and paramiko have no GCM).
 *   No chacha20-poly1305: the client's order wins, OpenSSH lists chacha20 first, and with
 *   ssh2's binding chacha20 moves data ~30 % slower than AES-GCM (docs/performance.md); no
 *   client tested needs it.
 * - MACs (used only with AES-CTR): encrypt-then-MAC first, then plain hmac-sha2-256, because
 *   Dropbear 2022 and libssh2 1.10 (curl, and what is built on it) speak no -etm MAC; ssh-audit
 *   warns about it (encrypt-and-MAC), the one warning podgate keeps for them. OpenSSH's own
 *   server offers it too.
 * - host keys: ed25519, ECDSA, and RSA only with SHA-2 signatures (host-key-offer.ts removes the
 *   `ssh-rsa` SHA-1 signature that ssh2 would add for an RSA key).
 * - no compression.
 */
import type { Algorithms } from 'ssh2';

export const HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

export const HARDENED_ALGORITHMS: Algorithms = {
  kex: ['diffie-hellman-group16-sha512', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group18-sha512'],
  serverHostKey: [...HOST_KEY_ALGORITHMS],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256'],
  compress: ['none'],
} as Algorithms;

/** The identification string: `SSH-2.0-podgate`. */
export const IDENT = 'podgate';
