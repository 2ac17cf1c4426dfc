/**
 * The things a podgate user may be allowed to do, and which `allow.*` switch of the config
 * governs each. One table, so every path asks the same question and docs/policy.md can list
 * it. A path that is not in this table cannot be reached: new features add a row here first.
 */
import type { UserPolicy } from '../config/types.ts';
import type { StreamSubresource } from '../target/access.ts';

export type PolicyAction =
  /** `ssh USER+POD@bastion CMD`: any command, including rsync and the container's own tools. */
  | 'exec'
  /** `ssh [-t] USER+POD@bastion`: a login shell (the console picker's Enter too). */
  | 'shell'
  /** The `sftp` subsystem (sftp, scp in its default SFTP mode, rclone, …). */
  | 'sftp'
  /** Legacy scp (`scp -O`): exactly `scp [-v] [-r] [-p] [-d] -t|-f [--] PATH`. */
  | 'scp'
  /** direct-tcpip to the pod's own localhost (`ssh -L`, `ssh -D`). */
  | 'forward'
  /** direct-tcpip to TARGET:22 (`ssh -J USER@bastion TARGET`): a nested SSH connection. */
  | 'jump'
  /** `ssh USER@bastion [pods|whoami|help]` and the interactive picker. */
  | 'console'
  /** `ssh USER@bastion logs TARGET`. */
  | 'logs'
  /** Watching another user's live session. */
  | 'watch'
  /** Reading session recordings. */
  | 'recordings'
  /** The browser terminal. */
  | 'web';

type Switch = keyof Pick<UserPolicy, 'shell' | 'sftp' | 'forwarding' | 'console' | 'logs' | 'watch' | 'recordings' | 'web'>;

interface ActionRule {
  /** Every one of these switches must be on. */
  switches: readonly Switch[];
  /** And, when present, at least one of these. */
  anyOf?: readonly Switch[];
  /** The pod stream the cluster must allow (access review), when the action enters a pod. */
  subresource: StreamSubresource | null;
  /** Words for the denial: "alice may not <words>". */
  words: string;
}

/** The rule of each action. A Map: action names never reach a plain object's prototype. */
export const ACTION_RULES: ReadonlyMap<PolicyAction, ActionRule> = new Map<PolicyAction, ActionRule>([
  ['exec', { switches: ['shell'], subresource: 'exec', words: 'run commands through podgate (allow.shell)' }],
  ['shell', { switches: ['shell'], subresource: 'exec', words: 'open shells through podgate (allow.shell)' }],
  ['sftp', { switches: ['sftp'], subresource: 'exec', words: 'transfer files through podgate (allow.sftp)' }],
  ['scp', { switches: ['sftp'], subresource: 'exec', words: 'transfer files through podgate (allow.sftp)' }],
  ['forward', { switches: ['forwarding'], subresource: 'portforward', words: 'forward ports through podgate (allow.forwarding)' }],
  // A jump grants nothing by itself: every session and forward of the nested connection is
  // checked again as its own action. It is refused up front when none of them could succeed.
  ['jump', { switches: [], anyOf: ['shell', 'sftp', 'forwarding'], subresource: null, words: 'use podgate as a jump host (needs allow.shell, allow.sftp or allow.forwarding)' }],
  ['console', { switches: ['console'], subresource: null, words: 'use the bastion console; use USER+POD (allow.console)' }],
  ['logs', { switches: ['console', 'logs'], subresource: 'log', words: 'read container logs through podgate (allow.console, allow.logs)' }],
  // Watching another user's session: only for users who may enter that container themselves.
  ['watch', { switches: ['watch', 'shell'], subresource: 'exec', words: 'watch other sessions (allow.watch, allow.shell)' }],
  // Other users' recordings (the owner's own are the caller's business).
  ['recordings', { switches: ['recordings'], subresource: null, words: 'read session recordings (allow.recordings)' }],
  // A browser terminal is a shell by another door: both switches, the same RBAC.
  ['web', { switches: ['web', 'shell'], subresource: 'exec', words: 'use the web terminal (allow.web, allow.shell)' }],
]);

export function ruleOf(action: PolicyAction): ActionRule {
  const rule = ACTION_RULES.get(action);
  if (!rule) throw new Error(`no policy rule for ${String(action)}`);
  return rule;
}
