import type { ExecInterceptor, HandlerOutcome, SessionContext } from '../../session/extensions.ts';
import { bridgeExec } from '../../session/exec-bridge.ts';
import { finishChannel } from '../../ssh/finish-channel.ts';
import type { SessionChannel } from '../../ssh/types.ts';
import { startMarkedExec } from '../marker-exec.ts';
import { StreamSlots } from '../stream-slots.ts';
import { PodFs } from '../pod-fs/pod-fs.ts';
import { shQuote } from '../pod-fs/shell-quote.ts';
import { execTargetOf, fileOpLogger, podFsTarget } from '../sftp-handler.ts';
import { ChannelReader } from './channel-reader.ts';
import { parseScpCommand, type ScpCommand } from './scp-command.ts';
import { scpSink } from './scp-sink.ts';
import { scpSource } from './scp-source.ts';

const MARKER = 'PODGATE-SCP';

/**
 * Legacy `scp -O` (exec `scp -t` / `scp -f`), a file transfer (policy action `scp`, needs
 * allow.sftp): runs the container's own scp when it has one, and otherwise serves the scp
 * protocol in podgate on the same exec file layer as SFTP. Only the exact argv OpenSSH sends is
 * taken (scp-command.ts); the container command is built here from the parsed pieces with
 * podgate's own quoting, never from the client's text.
 */
export function createScpInterceptor(slots = new StreamSlots()): ExecInterceptor {
  return (command: string) => {
    const cmd = parseScpCommand(command);
    if (cmd === null) return null;
    return { action: 'scp', handler: (channel, ctx) => serveScp(channel, ctx, cmd, slots) };
  };
}

/** `scp [-v] [-r] [-p] [-d] -t|-f -- 'PATH'` as a shell line, every byte of PATH quoted. */
export function scpShellCommand(cmd: ScpCommand): string {
  const flags = [cmd.verbose ? '-v' : '', cmd.recursive ? '-r' : '', cmd.preserve ? '-p' : '', cmd.targetIsDir ? '-d' : '', cmd.mode === 'sink' ? '-t' : '-f'].filter((f) => f !== '');
  let path: string;
  if (cmd.fromHome) path = cmd.path === '' ? '"$HOME"' : `"$HOME"/${shQuote(cmd.path)}`;
  else path = shQuote(cmd.path);
  return `scp ${flags.join(' ')} -- ${path}`;
}

async function serveScp(channel: SessionChannel, ctx: SessionContext, cmd: ScpCommand, slots: StreamSlots): Promise<HandlerOutcome> {
  // Gone before the transfer started: open nothing in the pod.
  if (ctx.closed?.aborted) return { exitCode: null };
  const target = execTargetOf(ctx);
  const probe = `command -v scp >/dev/null 2>&1 || exit 97\nprintf '${MARKER}\\n'\nexec ${scpShellCommand(cmd)}`;
  const own = await startMarkedExec(ctx.kube, target, ctx.helperArgv(probe), MARKER);
  if (own !== null) {
    if (own.leftover.length > 0) channel.write(own.leftover);
    const r = await bridgeExec(channel, own.exec);
    if ('error' in r.outcome) throw r.outcome.error;
    await finishChannel(channel, r.outcome.exitCode);
    return { exitCode: r.outcome.exitCode, bytesIn: r.bytesIn, bytesOut: r.bytesOut + own.leftover.length };
  }
  if (ctx.closed?.aborted) return { exitCode: null };
  const fsTarget = podFsTarget(ctx, slots);
  const fs = new PodFs(ctx.kube, fsTarget);
  const input = new ChannelReader(channel);
  channel.on('error', () => { /* the reader sees the end */ });
  try {
    const run = cmd.mode === 'sink' ? scpSink : scpSource;
    const code = await run(cmd, input, channel, fs, fileOpLogger(ctx));
    await finishChannel(channel, code);
    return { exitCode: code };
  } finally {
    fs.close();
    await fsTarget.streams.close();
  }
}
