/**
 * `ssh USER@bastion web TARGET [-- COMMAND]`: checks what the browser session will be checked
 * for (policy action `web`: allow.web, allow.shell, and the cluster's exec RBAC on the
 * resolved pod), then prints the one-time link and nothing else on stdout, so
 * `xdg-open "$(ssh alice@bastion web web-7d9f)"` works. `web --attach ID` / `web --watch ID`
 * print a link that joins a live session (docs/sessions.md) instead: who may is the console's
 * own `attach`/`watch` check, plus allow.web.
 */
import { PodgateError } from '../errors/index.ts';
import { authorizeTarget, decisionError, mayDo } from '../policy/index.ts';
import type { ConsoleContext } from '../session/extensions.ts';
import { parseTarget } from '../target/grammar.ts';
import { joinable, targetOf } from '../console/live-sessions.ts';
import type { Join } from './join.ts';

const USAGE = 'usage: web TARGET [-- COMMAND...]';

/** The words after `web`: the target and the command (null: a login shell), or a session to join. */
export function parseWebArgs(args: string[]): { target: string; command: string | null } | { join: Join } {
  const [first, ...rest] = args;
  if (first === '--attach' || first === '--watch') {
    if (rest.length !== 1 || rest[0].startsWith('-')) throw new PodgateError('UNSUPPORTED', `usage: web ${first} ID`);
    return { join: { mode: first === '--attach' ? 'attach' : 'watch', sessionId: rest[0] } };
  }
  if (first === undefined || first.startsWith('-')) throw new PodgateError('UNSUPPORTED', USAGE);
  if (rest.length === 0) return { target: first, command: null };
  if (rest[0] !== '--' || rest.length < 2) throw new PodgateError('UNSUPPORTED', USAGE);
  return { target: first, command: rest.slice(1).join(' ') };
}

/** The link line to print. */
export async function webLink(ctx: ConsoleContext, args: string[], eol: string): Promise<string> {
  const parsed = parseWebArgs(args);
  const refused = decisionError(mayDo(ctx.user, 'web'));
  if (refused) throw refused;
  // A browser terminal is a PTY session: a login whose certificate withholds permit-pty gets
  // no PTY over SSH (pod-session.ts), and none through the browser either.
  if (ctx.certRestrictions?.pty === false) {
    throw new PodgateError('POLICY_DENIED', 'your certificate does not permit a terminal (permit-pty), and a browser terminal is one');
  }
  if (!ctx.web) throw new PodgateError('WEB_OFF');
  if ('join' in parsed) {
    // The console's own attach/watch check (owner, resumable; allow.watch and RBAC for others).
    const s = await joinable(ctx, parsed.join.sessionId, parsed.join.mode);
    const join = { mode: parsed.join.mode, sessionId: s.id };
    return ctx.web.issue({ connId: ctx.connId, user: ctx.user.name, target: targetOf(s, ctx.clusters.defaultCluster.name), command: null, logger: ctx.logger, join }) + eol;
  }
  const { target, command } = parsed;
  // The same checks the browser session makes, now, so a link that cannot work is never printed.
  await authorizeTarget(ctx, 'web', parseTarget(target));
  return ctx.web.issue({ connId: ctx.connId, user: ctx.user.name, target, command, logger: ctx.logger }) + eol;
}
