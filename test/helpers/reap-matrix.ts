/**
 * The session kinds and containers of issue #4's matrix, shared by the reaper suites (direct
 * through the kube client, through podgate with OpenSSH, and the soak).
 */
import type { ExecSession } from '../../src/kube/types.ts';
import type { ReapTarget, SessionReaper } from '../../src/session/reaper-types.ts';

const identity = { user: 'alice', groups: ['dev'] };

/** A debian pod whose /bin/sh is dash, and the busybox-only pod. */
export const REAP_PODS: (ReapTarget & { sshTarget: string })[] = [
  { namespace: 'prod', pod: 'dash-1', container: 'app', identity, sshTarget: 'alice+dash-1.prod' },
  { namespace: 'prod', pod: 'tiny', container: 'sh', identity, sshTarget: 'alice+tiny.prod' },
];

export interface SessionKind {
  name: string;
  command: string | null;
  tty: boolean;
  /** Typed into the session once it runs (PTY kinds). */
  input?: string;
  /** A process whose args match this is alive once the session is set up. */
  ready: RegExp;
  /** It ends by itself on stdin EOF (which a closed stream gives), so a reap may find nothing. */
  endsOnEof?: boolean;
}

export const SESSION_KINDS: SessionKind[] = [
  { name: 'login shell under a PTY', command: null, tty: true, ready: /(^|\/|-)(bash|sh)( -l)?$/ },
  { name: 'sleep 1000 without a PTY', command: 'sleep 1000', tty: false, ready: /^sleep 1000$/ },
  { name: 'sleep 1000 & then exit (PTY shell)', command: null, tty: true, input: 'sleep 1000 &\nexit\n', ready: /^sleep 1000$/ },
  // Debian's busybox-static has no nohup applet: there, the same thing by hand.
  { name: 'nohup sleep 1000 &', command: 'command -v nohup >/dev/null || nohup() { trap "" HUP; exec "$@"; }; nohup sleep 1000 >/dev/null 2>&1 &', tty: false, ready: /^sleep 1000$/ },
  { name: "trap '' TERM; sleep 1000", command: "trap '' TERM; sleep 1000", tty: false, ready: /^sleep 1000$/ },
  { name: 'cat waiting on stdin', command: 'cat', tty: false, ready: /^cat$/, endsOnEof: true },
];

/** Polls `cond` every 100 ms for up to `ms`; false if it never held. */
export async function pollUntil(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends the bystander sessions a reaper suite kept alive and reaps what they started. */
export async function endBystanders(reaper: SessionReaper, others: { target: ReapTarget; id: string; exec: ExecSession }[]): Promise<void> {
  await Promise.all(others.map(async (o) => {
    o.exec.abort();
    await reaper.reap(o.target, o.id, 'test-end');
  })).catch(() => undefined);
}
