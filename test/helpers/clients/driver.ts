/**
 * One shape for every SSH client the compatibility suite drives (test/clients-compat.test.ts):
 * each driver runs a command (no PTY), a command under a PTY with stdin already at EOF, and
 * uploads and downloads a file, through the client's own command line or library. A driver
 * leaves out what its client cannot do (curl and rclone only move files).
 */
import type { SshResult } from '../ssh.ts';

/** What a driver needs to reach the bastion as one user. */
export interface ClientContext {
  port: number;
  /** The SSH user, e.g. `alice+web-7d9f`. */
  sshUser: string;
  /** The user's OpenSSH private key (and `${key}.pub`). */
  key: string;
  /** podgate's host public keys (`ssh-ed25519 …`, `ssh-rsa …`), as `podgate keygen` wrote them. */
  hostKeyDir: string;
  /** A private scratch directory for converted keys, known_hosts files, builds. */
  work: string;
}

export interface ClientDriver {
  name: string;
  /** Runs `cmd` without a PTY, stdin at EOF. */
  exec?(cmd: string): Promise<SshResult>;
  /** Runs `cmd` under a PTY; the client sends EOF (or has no input) right away. */
  pty?(cmd: string): Promise<SshResult>;
  put?(local: string, remote: string): Promise<SshResult>;
  get?(remote: string, local: string): Promise<SshResult>;
}

export const ED25519_PUB = 'ssh_host_ed25519_key.pub';
export const RSA_PUB = 'ssh_host_rsa_key.pub';
