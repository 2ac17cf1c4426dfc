/**
 * A network namespace per pod, held by a pause process as the kubelet's sandbox does
 * (`unshare --net`, loopback up), with a UTS namespace whose hostname is the pod's name. Container processes join it with `nsenter --net`, so two pods
 * can both listen on :8080 and port-forward reaches the pod's own localhost. The pause process
 * also holds a private mount namespace, where busybox rootfs get their /proc: the mount never
 * shows in the host's mount table and vanishes with the pod's last process. The pause process
 * dies with the emulator (PR_SET_PDEATHSIG via setpriv).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface PodNetns {
  /** e.g. /proc/1234/ns/net */
  path: string;
  /** e.g. /proc/1234/ns/mnt */
  mountPath: string;
  /** e.g. /proc/1234/ns/uts (its hostname is the pod's name) */
  utsPath: string;
  stop(): void;
}

// $1: the pod's hostname, set in the pod's own UTS namespace.
const SCRIPT = 'echo "$1" > /proc/sys/kernel/hostname && /usr/sbin/ip link set lo up && echo ready && exec /bin/sleep infinity';

/** Resolves null when namespaces cannot be created (the caller falls back to the host network). */
export function startPodNetns(hostname: string, timeoutMs = 10_000): Promise<PodNetns | null> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', '/usr/bin/unshare', '--net', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', SCRIPT, 'pause', hostname.slice(0, 63)], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
    } catch {
      resolve(null);
      return;
    }
    let settled = false;
    const finish = (ns: PodNetns | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ns) child.kill('SIGKILL');
      resolve(ns);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    child.on('error', () => finish(null));
    child.on('exit', () => finish(null));
    child.stdout?.on('error', () => finish(null));
    child.stdout?.on('data', (d: Buffer) => {
      if (!d.toString().includes('ready') || child.pid === undefined) return;
      child.stdout?.destroy();
      const pid = child.pid;
      finish({
        path: `/proc/${pid}/ns/net`,
        mountPath: `/proc/${pid}/ns/mnt`,
        utsPath: `/proc/${pid}/ns/uts`,
        stop: () => {
          child.kill('SIGKILL');
        },
      });
    });
  });
}
