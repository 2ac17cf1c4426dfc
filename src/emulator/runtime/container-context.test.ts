import { mkdtemp, rm, symlink, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCommand, lookupError, type ContainerContext } from './container-context.ts';

let root: string;
const ctx = (over: Partial<ContainerContext> = {}): ContainerContext => ({
  id: 'u_c', podUid: 'u', podName: 'p', name: 'c', root: null, workingDir: '/', uid: 0, gid: 0,
  env: { PATH: '/usr/bin:/bin', HOSTNAME: 'p', HOME: '/root' }, netnsPath: null, utsNsPath: null, mountNsPath: null, procsFile: '/dev/null', ...over,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ctx-'));
  await mkdir(join(root, 'bin'));
  await writeFile(join(root, 'bin', 'busybox'), '#!/bin/true\n');
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(root, 'bin', 'sh'));
  await writeFile(join(root, 'bin', 'data'), 'x');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('lookupError (runc semantics)', () => {
  it('finds programs in the container PATH, inside the chroot', async () => {
    expect(await lookupError(ctx(), 'sh')).toBeNull();
    expect(await lookupError(ctx({ root, env: { PATH: '/bin' } }), 'sh')).toBeNull();
    expect(await lookupError(ctx({ root, env: { PATH: '/bin' } }), 'bash')).toBe('exec: "bash": executable file not found in $PATH');
    expect(await lookupError(ctx({ root, env: { PATH: '/bin' } }), '/bin/sh')).toBeNull();
    expect(await lookupError(ctx({ root, env: { PATH: '/bin' } }), '/usr/bin/env')).toBe('exec: "/usr/bin/env": stat /usr/bin/env: no such file or directory');
    expect(await lookupError(ctx({ root, env: { PATH: '/bin' } }), '/bin/data')).toBe('exec: "/bin/data": permission denied');
  });
});

describe('launchCommand', () => {
  it('enters the cgroup, namespaces, root, directory and user before the program', () => {
    const c = launchCommand(ctx({ root, workingDir: '/tmp', uid: 65534, gid: 65534, netnsPath: '/proc/9/ns/net', utsNsPath: '/proc/9/ns/uts', mountNsPath: '/proc/9/ns/mnt' }), ['sh'], { tty: true });
    expect(c.file).toBe('/bin/sh');
    expect(c.args.slice(3)).toEqual([
      '/dev/null', 'PWD', '/usr/bin/nsenter', '--net=/proc/9/ns/net', '--uts=/proc/9/ns/uts', '--mount=/proc/9/ns/mnt', '--', '/usr/bin/nsenter',
      `--root=${root}`, `--wd=${join(root, 'tmp')}`, '-S', '65534', '-G', '65534', '--', 'sh',
    ]);
    expect(c.env).toEqual({ PATH: '/usr/bin:/bin', HOSTNAME: 'p', HOME: '/root', TERM: 'xterm' });
  });
});
