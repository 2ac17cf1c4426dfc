import type { ChannelHandler, HandlerOutcome, SessionContext } from '../session/extensions.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { FileOpEvent } from './file-op-audit.ts';
import type { ExecTarget } from './pod-fs/exec-target.ts';
import { PodFs } from './pod-fs/pod-fs.ts';
import { serveSftp } from './sftp/sftp-server.ts';
import { bridgeSftpServer, PROBE_SCRIPT, startSftpServer } from './sftp-passthrough.ts';
import { emit } from '../events/emit.ts';

export interface SftpHandlerOptions {
  /**
   * `auto` (default): use the container's own sftp-server when it has one, else podgate's
   * SFTP server over exec. `builtin`: always podgate's.
   */
  mode?: 'auto' | 'builtin';
}

export function execTargetOf(ctx: SessionContext): ExecTarget {
  return { namespace: ctx.target.namespace, pod: ctx.target.pod, container: ctx.target.container, identity: ctx.identity };
}

export function fileOpLogger(ctx: SessionContext): (ev: FileOpEvent) => void {
  return (ev) => { emit(ctx.logger, { code: 'FILE_OP', sessionId: ctx.sessionId, ...ev }, 'file op'); };
}

/** The `sftp` subsystem handler (register under extensions.subsystems.sftp). */
export function createSftpHandler(opts: SftpHandlerOptions = {}): ChannelHandler {
  return async (channel: SessionChannel, ctx: SessionContext): Promise<HandlerOutcome> => {
    const target = execTargetOf(ctx);
    const onFileOp = fileOpLogger(ctx);
    if (opts.mode !== 'builtin') {
      const server = await startSftpServer(ctx.kube, target, ctx.argv(PROBE_SCRIPT, false));
      if (server !== null) {
        const r = await bridgeSftpServer(channel, server, onFileOp);
        await finishChannel(channel, r.exitCode);
        return r;
      }
    }
    const fs = new PodFs(ctx.kube, { ...target, wrap: (script) => ctx.argv(script, false) });
    const r = await serveSftp({ channel, fs, onFileOp });
    await finishChannel(channel, 0);
    return { exitCode: 0, bytesIn: r.bytesIn, bytesOut: r.bytesOut };
  };
}
