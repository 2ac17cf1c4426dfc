import type { ExecInterceptor, HandlerOutcome, SessionContext } from '../../session/extensions.ts';
import { bridgeExec } from '../../session/exec-bridge.ts';
import { finishChannel } from '../../ssh/finish-channel.ts';
import type { SessionChannel } from '../../ssh/types.ts';
import { startMarkedExec } from '../marker-exec.ts';
import { PodFs } from '../pod-fs/pod-fs.ts';
import { execTargetOf, fileOpLogger, podFsTarget } from '../sftp-handler.ts';
import { ChannelReader } from './channel-reader.ts';
import { parseScpCommand, type ScpCommand } from './scp-command.ts';
import { scpSink } from './scp-sink.ts';
import { scpSource } from './scp-source.ts';

const MARKER = 'PODGATE-SCP';

/**
 * Legacy `scp -O` (exec `scp -t` / `scp -f`): runs the container's own scp when it has one
 * (plain pass-through, as sshd would), and otherwise serves the scp protocol in podgate on the
 * same exec file layer as SFTP.
 */
export function createScpInterceptor(): ExecInterceptor {
  return (command: string) => {
    const cmd = parseScpCommand(command);
    if (cmd === null) return null;
    return (channel, ctx) => serveScp(channel, ctx, command, cmd);
  };
}

async function serveScp(channel: SessionChannel, ctx: SessionContext, command: string, cmd: ScpCommand): Promise<HandlerOutcome> {
  const target = execTargetOf(ctx);
  const probe = `command -v scp >/dev/null 2>&1 || exit 97\nprintf '${MARKER}\\n'\nexec ${command}`;
  const own = await startMarkedExec(ctx.kube, target, ctx.argv(probe, false), MARKER);
  if (own !== null) {
    if (own.leftover.length > 0) channel.write(own.leftover);
    const r = await bridgeExec(channel, own.exec);
    if ('error' in r.outcome) throw r.outcome.error;
    await finishChannel(channel, r.outcome.exitCode);
    return { exitCode: r.outcome.exitCode, bytesIn: r.bytesIn, bytesOut: r.bytesOut + own.leftover.length };
  }
  const fsTarget = podFsTarget(ctx);
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
