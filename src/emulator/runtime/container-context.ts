/**
 * Everything needed to start a process "in" a container, and how to start it: a tiny /bin/sh
 * wrapper puts itself into the container's cgroup, then execs nsenter, which joins the pod's
 * network namespace, chroots (busybox image), changes directory, drops to runAsUser/runAsGroup
 * and execs the user's program. Nothing of the wrapper remains in the process tree.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';

export interface ContainerContext {
  /** Process-tracker group id. */
  id: string;
  podUid: string;
  podName: string;
  name: string;
  /** Host path of the chroot (busybox image), or null for the host filesystem (debian). */
  root: string | null;
  /** Working directory as the container sees it. */
  workingDir: string;
  uid: number;
  gid: number;
  /** The container's environment: image PATH, HOSTNAME, HOME, then the spec's env. */
  env: Record<string, string>;
  netnsPath: string | null;
  /** The pod's UTS namespace (hostname = pod name). */
  utsNsPath: string | null;
  /** The pod's private mount namespace (joined by busybox containers, for their /proc). */
  mountNsPath: string | null;
  procsFile: string;
}

export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

// $1: the cgroup.procs file; $2: variables the launcher itself added (dash's PWD) that the
// container's environment does not have, so the program sees only its own env.
const WRAPPER = 'echo $$ > "$1" || exit 126; unset $2; shift 2; exec "$@"';

export function launchCommand(ctx: ContainerContext, argv: string[], opts: { tty?: boolean } = {}): LaunchCommand {
  const added = ['PWD'].filter((k) => ctx.env[k] === undefined);
  // containerd's CRI exec adds TERM=xterm under a TTY, overriding the image's value.
  const env = opts.tty ? { ...ctx.env, TERM: 'xterm' } : ctx.env;
  const ns = ['/usr/bin/nsenter'];
  if (ctx.netnsPath) ns.push(`--net=${ctx.netnsPath}`);
  if (ctx.utsNsPath) ns.push(`--uts=${ctx.utsNsPath}`);
  if (ctx.root && ctx.mountNsPath) {
    // A second nsenter resolves the root inside the pod's mount namespace (where /proc is).
    ns.push(`--mount=${ctx.mountNsPath}`, '--', '/usr/bin/nsenter');
  }
  if (ctx.root) ns.push(`--root=${ctx.root}`);
  ns.push(`--wd=${hostPath(ctx, ctx.workingDir)}`, '-S', String(ctx.uid), '-G', String(ctx.gid), '--');
  return { file: '/bin/sh', args: ['-c', WRAPPER, 'podgate-launch', ctx.procsFile, added.join(' '), ...ns, ...argv], env };
}

function hostPath(ctx: ContainerContext, p: string): string {
  return ctx.root ? join(ctx.root, p) : p;
}

/**
 * runc's lookup before exec, so a missing program fails the exec (InternalError) instead of
 * running: returns null when `cmd` resolves, else runc's error text.
 */
export async function lookupError(ctx: ContainerContext, cmd: string | undefined): Promise<string | null> {
  if (cmd === undefined || cmd === '') return 'exec: "": executable file not found in $PATH';
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : posix.join(ctx.workingDir, cmd);
    const st = await stat(hostPath(ctx, p)).catch(() => null);
    if (!st) return `exec: "${cmd}": stat ${cmd}: no such file or directory`;
    if (!st.isFile() || (st.mode & 0o111) === 0) return `exec: "${cmd}": permission denied`;
    return null;
  }
  for (const dir of (ctx.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const p = hostPath(ctx, posix.join(dir, cmd));
    const st = await stat(p).catch(() => null);
    if (st?.isFile() && (st.mode & 0o111) !== 0 && (await access(p, constants.X_OK).then(() => true, () => false))) return null;
  }
  return `exec: "${cmd}": executable file not found in $PATH`;
}

/** The whole error containerd's CRI plugin returns for a failed exec start. */
export function execStartError(execId: string, runcError: string): string {
  return `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${runcError}: unknown`;
}
