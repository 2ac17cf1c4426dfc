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
import { runPlay } from '../recordings/play.ts';
import { recordingsTable } from './recordings.ts';
import { runPicker } from './picker.ts';
import { emit } from '../events/emit.ts';
import { failureLines } from './across-clusters.ts';
import { formatWhoAmIs, podTable, podsEverywhere, whoamiEverywhere } from './cluster-views.ts';
import { runJoin, sessionsTable } from './live-sessions.ts';
import { webLink } from '../web/console-command.ts';

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

/** `warnings`: the clusters that could not be listed (docs/clusters.md), on stderr. */
async function write(ch: SessionChannel, text: string, warnings = ''): Promise<HandlerOutcome> {
  ch.write(text);
  if (warnings !== '') ch.stderr.write(warnings);
  await finishChannel(ch, 0);
  return { exitCode: 0, bytesOut: Buffer.byteLength(text) };
}

async function dispatch(ch: SessionChannel, ctx: ConsoleContext, name: string, args: string[], eol: string): Promise<HandlerOutcome> {
  // Commands read no input; drain it, or ssh2 never sees the channel end and never says 'close'.
  // `attach` keeps its input: the keystrokes go to the session once attached.
  if ((name !== '' && name !== 'attach') || !ctx.pty) ch.resume();
  switch (name) {
    case '': {
      const who = await whoamiEverywhere(ctx);
      const reviewed = new Map(who.value.map((w) => [w.cluster ?? ctx.cluster, w.namespaces]));
      const pods = await podsEverywhere(ctx, undefined, reviewed);
      const failed = [...who.failed, ...pods.failed.filter((f) => !who.failed.some((w) => w.cluster === f.cluster))];
      if (ctx.pty) return runPicker(ch, ctx, who.value, pods.value, failed.map((f) => f.cluster));
      return write(ch, formatWhoAmIs(who.value, who.multi, eol) + eol + podTable(pods.value, pods.multi, eol), failureLines(failed, eol));
    }
    case 'pods': {
      if (args.length > 1) throw new PodgateError('UNSUPPORTED', 'usage: pods [[CLUSTER_]NAMESPACE | CLUSTER_]');
      const pods = await podsEverywhere(ctx, args[0]);
      return write(ch, podTable(pods.value, pods.multi, eol), failureLines(pods.failed, eol));
    }
    case 'whoami': {
      if (args.length > 0) throw new PodgateError('UNSUPPORTED', 'usage: whoami');
      const who = await whoamiEverywhere(ctx);
      return write(ch, formatWhoAmIs(who.value, who.multi, eol), failureLines(who.failed, eol));
    }
    case 'help':
      return write(ch, HELP_TEXT.replace(/\n/g, eol));
    case 'logs':
      return runLogs(ch, ctx, args);
    // --- recordings (docs/recordings.md) ---
    case 'play':
      return runPlay(ch, ctx, args);
    case 'recordings':
      return write(ch, await recordingsTable(ctx, args, eol));
    // --- sessions that outlive a connection (docs/sessions.md) ---
    case 'sessions':
      if (args.length > 0) throw new PodgateError('UNSUPPORTED', 'usage: sessions');
      return write(ch, await sessionsTable(ctx, eol));
    case 'attach':
    case 'watch':
      return runJoin(ch, ctx, args, name);
    // --- end of sessions commands ---
    // The browser terminal (src/web): prints a one-time link.
    case 'web':
      return write(ch, await webLink(ctx, args, eol));
    default:
      throw new PodgateError('UNSUPPORTED', `unknown command "${name}"; try: help`);
  }
}
