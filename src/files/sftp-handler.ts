import type { ChannelHandler, HandlerOutcome, SessionContext } from '../session/extensions.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { FileOpEvent } from './file-op-audit.ts';
import { createExecGroup, type ExecGroup } from './exec-group.ts';
import type { ExecTarget } from './pod-fs/exec-target.ts';
import { PodFs } from './pod-fs/pod-fs.ts';
import { ReadAheadBudget } from './sftp/sftp-limits.ts';
import { LimitRefusals } from '../session/limit-refusal.ts';
import { serveSftp } from './sftp/sftp-server.ts';
import { bridgeSftpServer, PROBE_SCRIPT, startSftpServer } from './sftp-passthrough.ts';
import { emit } from '../events/emit.ts';

export interface SftpHandlerOptions {
  /**
   * Overrides the config's `files.sftpMode`: `auto` uses the container's own sftp-server when
   * it has one, else podgate's SFTP server over exec; `builtin` always podgate's.
   */
  mode?: 'auto' | 'builtin';
}

export function execTargetOf(ctx: SessionContext): ExecTarget {
  return { namespace: ctx.target.namespace, pod: ctx.target.pod, container: ctx.target.container, identity: ctx.identity };
}

/**
 * Where the exec file layer (PodFs) works for this session: its helper shell runs as the
 * session's own command (reaped with it), each data stream under an id of its own.
 */
export function podFsTarget(ctx: SessionContext): ExecTarget & { streams: ExecGroup } {
  const target = execTargetOf(ctx);
  return { ...target, wrap: (script) => ctx.helperArgv(script), streams: createExecGroup(ctx.kube, ctx.reaper, target, ctx.sessionId, ctx.config.limits.reapGraceSeconds * 1000) };
}

export function fileOpLogger(ctx: SessionContext): (ev: FileOpEvent) => void {
  return (ev) => { emit(ctx.logger, { code: 'FILE_OP', sessionId: ctx.sessionId, ...ev }, 'file op'); };
}

/** The `sftp` subsystem handler (register under extensions.subsystems.sftp). */
export function createSftpHandler(opts: SftpHandlerOptions = {}): ChannelHandler {
  return async (channel: SessionChannel, ctx: SessionContext): Promise<HandlerOutcome> => {
    const target = execTargetOf(ctx);
    const onFileOp = fileOpLogger(ctx);
    if ((opts.mode ?? ctx.config.files.sftpMode) !== 'builtin') {
      const server = await startSftpServer(ctx.kube, target, ctx.helperArgv(PROBE_SCRIPT));
      if (server !== null) {
        const r = await bridgeSftpServer(channel, server, onFileOp, (v) => {
          emit(ctx.logger, { code: 'SFTP_PROTOCOL_ERROR', sessionId: ctx.sessionId, ...v }, 'sftp client broke the protocol; session ended');
        });
        await finishChannel(channel, r.exitCode);
        return r;
      }
    }
    const fsTarget = podFsTarget(ctx);
    const { limits } = ctx.config;
    const fs = new PodFs(ctx.kube, fsTarget, { bytes: limits.sftpReadAheadBytes, budget: new ReadAheadBudget(limits.sftpSessionReadAheadBytes) });
    const refusals = new LimitRefusals(ctx.logger, { sessionId: ctx.sessionId });
    const r = await serveSftp({ channel, fs, onFileOp, limits, ...(ctx.closed ? { closed: ctx.closed } : {}), onRefused: (limit, value) => { refusals.refuse(limit, value); } })
      .finally(() => { refusals.flush(); return fsTarget.streams.close(); });
    await finishChannel(channel, 0);
    return { exitCode: 0, bytesIn: r.bytesIn, bytesOut: r.bytesOut };
  };
}
