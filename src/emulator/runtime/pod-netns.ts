/**
 * A network namespace per pod, held by a pause process as the kubelet's sandbox does
 * (`unshare --net`, loopback up). Container processes join it with `nsenter --net`, so two pods
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
  stop(): void;
}

const SCRIPT = '/usr/sbin/ip link set lo up && echo ready && exec /bin/sleep infinity';

/** Resolves null when namespaces cannot be created (the caller falls back to the host network). */
export function startPodNetns(timeoutMs = 10_000): Promise<PodNetns | null> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', '/usr/bin/unshare', '--net', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', SCRIPT], {
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
        stop: () => {
          child.kill('SIGKILL');
        },
      });
    });
  });
}
