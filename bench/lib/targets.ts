/**
 * The three ways to run the same command in the bench: through podgate, straight with
 * `kubectl exec` (v5 WebSocket) to the same emulator pod, and through a local OpenSSH sshd.
 * Both ssh paths use the same OpenSSH client and the same cipher.
 */
export const CIPHER = 'aes128-gcm@openssh.com';
/** Pinned for both ssh paths: OpenSSH would pick sntrup761x25519 with sshd, which ssh2 lacks. */
export const KEX = 'curve25519-sha256';
export const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
export const POD = 'web-7d9f';
const NAMESPACE = 'default';

export type TargetName = 'podgate' | 'direct' | 'sshd' | 'ssh2';
export const TARGETS: TargetName[] = ['podgate', 'direct', 'sshd'];
/**
 * Throughput also runs the ceiling: a bare ssh2 server (podgate's SSH library and algorithms)
 * running the command locally, with no Kubernetes hop (bench/lib/ssh2-bare.ts).
 */
export const THROUGHPUT_TARGETS: TargetName[] = [...TARGETS, 'ssh2'];

interface RunOpts {
  /** Attach stdin (`kubectl -i`; ssh always forwards stdin). */
  stdin?: boolean;
  /** Ask for a PTY (`ssh -tt`, `kubectl -t`). */
  tty?: boolean;
}

export interface Target {
  name: TargetName;
  /** Client argv (program first) running `cmd` through /bin/sh on the far side. */
  argv(cmd: string, opts?: RunOpts): string[];
}

function sshArgv(port: number, key: string, user: string, cmd: string, opts: RunOpts = {}): string[] {
  return [
    '/usr/bin/ssh', '-F', '/dev/null',
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=60', '-o', 'ServerAliveInterval=0',
    '-o', `KexAlgorithms=${KEX}`, '-c', CIPHER, '-i', key, '-p', String(port),
    opts.tty ? '-tt' : '-T',
    `${user}@127.0.0.1`, cmd,
  ];
}

export function sshTarget(name: TargetName, port: number, key: string, user: string): Target {
  return { name, argv: (cmd, opts) => sshArgv(port, key, user, cmd, opts) };
}

export function directTarget(kubeconfig: string): Target {
  return {
    name: 'direct',
    argv: (cmd, opts = {}) => [
      KUBECTL, '--kubeconfig', kubeconfig, '-n', NAMESPACE, 'exec',
      ...(opts.stdin || opts.tty ? ['-i'] : []), ...(opts.tty ? ['-t'] : []),
      POD, '--', 'sh', '-c', cmd,
    ],
  };
}
