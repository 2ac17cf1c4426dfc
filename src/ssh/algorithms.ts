/**
 * The algorithms podgate offers (notes/ssh2-server.md §3): ssh-audit reports no failures with
 * these. No NIST-curve kex, no SHA-1 or non-etm MACs, no compression. AES-GCM first and no
 * chacha20-poly1305: OpenSSH's preference wins, and GCM is the fastest with ssh2's binding.
 */
import type { Algorithms } from 'ssh2';

export const HARDENED_ALGORITHMS: Algorithms = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512'],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
  compress: ['none'],
} as Algorithms;

/** The identification string: `SSH-2.0-podgate`. */
export const IDENT = 'podgate';
