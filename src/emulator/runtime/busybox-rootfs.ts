/**
 * The `busybox` image: a rootfs of Debian's busybox-static (/bin/busybox plus one relative
 * symlink per applet in /bin), /tmp, /root, /home, /etc/passwd (root, nobody), /etc/group, the
 * usual /dev nodes, and /proc mounted as a container runtime would. Nothing else exists.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The busybox-static binary the image is made from. PODGATE_EMULATOR_BUSYBOX names another path
 * (tests point it at a missing file to be a machine without busybox).
 */
export function busyboxBinary(): string {
  return process.env.PODGATE_EMULATOR_BUSYBOX ?? '/bin/busybox';
}

/**
 * Whether the busybox image can be built here. A developer laptop usually has no busybox-static:
 * then busybox containers run on the host's own filesystem, shell and tools, like the debian
 * image (runtime.ts), instead of failing to start.
 */
export function busyboxAvailable(): boolean {
  try {
    accessSync(busyboxBinary(), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const BUSYBOX_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

let appletCache: Promise<string[]> | null = null;
function applets(): Promise<string[]> {
  appletCache ??= run(busyboxBinary(), ['--list']).then(({ stdout }) => stdout.split('\n').filter((a) => /^[\w.[\]-]+$/.test(a) && a !== 'busybox'));
  return appletCache;
}

/**
 * Builds the rootfs at `root`; mounts /proc inside the pod's private mount namespace when there
 * is one (returns whether it did).
 */
export async function buildBusyboxRootfs(root: string, mountNs: string | null): Promise<{ procMounted: boolean }> {
  for (const d of ['bin', 'etc', 'root', 'home', 'dev', 'proc', 'tmp']) await mkdir(join(root, d), { recursive: true });
  await chmod(root, 0o755);
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'root'), 0o700);
  await copyFile(busyboxBinary(), join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  for (const a of await applets()) await symlink('busybox', join(root, 'bin', a)).catch(() => undefined);
  await writeFile(join(root, 'etc', 'passwd'), BUSYBOX_PASSWD);
  await writeFile(join(root, 'etc', 'group'), GROUP);
  for (const [name, major, minor] of DEVICES) {
    await run('/usr/bin/mknod', ['-m', '666', join(root, 'dev', name), 'c', String(major), String(minor)]).catch(() => undefined);
  }
  if (!mountNs) return { procMounted: false };
  const procMounted = await run('/usr/bin/nsenter', [`--mount=${mountNs}`, '--', '/usr/bin/mount', '-t', 'proc', 'proc', join(root, 'proc')]).then(
    () => true,
    () => false,
  );
  return { procMounted };
}
