/**
 * The bastion console (docs/contract.md §3): sessions of a user with no target, `ssh alice@bastion [cmd]`.
 * Each command is one audit event (CONSOLE_COMMAND). Output is plain and aligned without a
 * PTY, so scripts can read it; errors are one `podgate: ` line on stderr and exit status 255.
 */
import { PodgateError, toPodgateError } from '../errors/index.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { SessionChannel } from '../ssh/types.ts';
import type { ConsoleContext, ConsoleHandler, HandlerOutcome } from '../session/extensions.ts';
import { splitWords } from './command-line.ts';
import { HELP_TEXT } from './help.ts';
import { runLogs } from './logs.ts';
import { runPicker } from './picker.ts';
import { allowedPods, type PodRow } from './pods.ts';
import { formatTable } from './table.ts';
import { formatWhoAmI, whoami } from './whoami.ts';
import { emit } from '../events/emit.ts';
import { runJoin, sessionsTable } from './live-sessions.ts';

const POD_HEADER = ['NAMESPACE', 'POD', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'CONTAINERS', 'TARGET'];

function podTable(rows: PodRow[], eol: string): string {
  if (rows.length === 0) return `No pods you may enter.${eol}`;
  return formatTable(POD_HEADER, rows.map((r) => [r.namespace, r.pod, r.ready, r.status, String(r.restarts), r.age, r.containers.join(','), r.target]), eol);
}

export const consoleHandler: ConsoleHandler = async (ch, ctx) => {
  const eol = ctx.pty ? '\r\n' : '\n';
  let words: string[];
  try {
    words = ctx.command === null ? [] : splitWords(ctx.command);
  } catch {
    words = ['?'];
  }
  const [name = '', ...args] = words;
  const audit = (result: string, extra: Record<string, unknown> = {}): void => {
    emit(ctx.logger, { code: 'CONSOLE_COMMAND', connId: ctx.connId, user: ctx.user.name, command: name || (ctx.pty ? 'interactive' : 'summary'), args, result, ...extra }, 'console command');
  };
  try {
    const outcome = await dispatch(ch, ctx, name, args, eol);
    audit('ok');
    return outcome;
  } catch (e) {
    const err = toPodgateError(e);
    audit('error', { errorCode: err.code, message: err.operatorMessage });
    await finishChannel(ch, 255, `podgate: ${err.userMessage}${eol}`);
    return { exitCode: 255 };
  }
};

async function write(ch: SessionChannel, text: string): Promise<HandlerOutcome> {
  ch.write(text);
  await finishChannel(ch, 0);
  return { exitCode: 0, bytesOut: Buffer.byteLength(text) };
}

async function dispatch(ch: SessionChannel, ctx: ConsoleContext, name: string, args: string[], eol: string): Promise<HandlerOutcome> {
  // Commands read no input; drain it, or ssh2 never sees the channel end and never says 'close'.
  // `attach` keeps its input: the keystrokes go to the session once attached.
  if ((name !== '' && name !== 'attach') || !ctx.pty) ch.resume();
  switch (name) {
    case '': {
      const who = await whoami(ctx);
      const rows = await allowedPods(ctx, undefined, who.namespaces);
      if (ctx.pty) return runPicker(ch, ctx, who, rows);
      return write(ch, formatWhoAmI(who, eol) + eol + podTable(rows, eol));
    }
    case 'pods':
      if (args.length > 1) throw new PodgateError('UNSUPPORTED', 'usage: pods [NAMESPACE]');
      return write(ch, podTable(await allowedPods(ctx, args[0]), eol));
    case 'whoami':
      if (args.length > 0) throw new PodgateError('UNSUPPORTED', 'usage: whoami');
      return write(ch, formatWhoAmI(await whoami(ctx), eol));
    case 'help':
      return write(ch, HELP_TEXT.replace(/\n/g, eol));
    case 'logs':
      return runLogs(ch, ctx, args);
    // --- sessions that outlive a connection (docs/sessions.md) ---
    case 'sessions':
      if (args.length > 0) throw new PodgateError('UNSUPPORTED', 'usage: sessions');
      return write(ch, await sessionsTable(ctx, eol));
    case 'attach':
    case 'watch':
      return runJoin(ch, ctx, args, name);
    // --- end of sessions commands ---
    default:
      throw new PodgateError('UNSUPPORTED', `unknown command "${name}"; try: help`);
  }
}
