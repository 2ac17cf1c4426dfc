import type { ChannelHandler, HandlerOutcome, SessionContext } from '../session/extensions.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { FileOpEvent } from './file-op-audit.ts';
import { createExecGroup, type ExecGroup } from './exec-group.ts';
import type { ExecTarget } from './pod-fs/exec-target.ts';
import { PodFs } from './pod-fs/pod-fs.ts';
import { InFlightPool, ReadAheadBudget } from './sftp/sftp-limits.ts';
import { StreamSlots } from './stream-slots.ts';
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

/** The session's container and identity; its execs are given up once the session is gone. */
export function execTargetOf(ctx: SessionContext): ExecTarget {
  return { ...containerOf(ctx), ...(ctx.closed ? { signal: ctx.closed } : {}) };
}

function containerOf(ctx: SessionContext): ExecTarget {
  return { namespace: ctx.target.namespace, pod: ctx.target.pod, container: ctx.target.container, identity: ctx.identity };
}

/**
 * Where the exec file layer (PodFs) works for this session: its helper shell runs as the
 * session's own command (reaped with it), each data stream under an id of its own and in one
 * of the stream slots (`slots`: the process's, shared by every session).
 */
export function podFsTarget(ctx: SessionContext, slots: StreamSlots): ExecTarget & { streams: ExecGroup } {
  // The kill execs of the group run after the session is gone: no abort signal for them.
  const group = createExecGroup(ctx.kube, ctx.reaper, containerOf(ctx), ctx.sessionId, ctx.config.limits.reapGraceSeconds * 1000);
  return { ...execTargetOf(ctx), wrap: (script) => ctx.helperArgv(script), streams: group, slots: slots.session(ctx.config.limits) };
}

export function fileOpLogger(ctx: SessionContext): (ev: FileOpEvent) => void {
  return (ev) => { emit(ctx.logger, { code: 'FILE_OP', sessionId: ctx.sessionId, ...ev }, 'file op'); };
}

/**
 * The `sftp` subsystem handler (register under extensions.subsystems.sftp). `slots`: the
 * process's file streams, shared with scp; `pool`: its SFTP bytes in flight (filesExtensions).
 */
export function createSftpHandler(opts: SftpHandlerOptions = {}, slots = new StreamSlots(), pool = new InFlightPool()): ChannelHandler {
  return async (channel: SessionChannel, ctx: SessionContext): Promise<HandlerOutcome> => {
    // Gone before the subsystem started: open nothing in the pod.
    if (ctx.closed?.aborted) return { exitCode: null };
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
    if (ctx.closed?.aborted) return { exitCode: null };
    const fsTarget = podFsTarget(ctx, slots);
    const { limits } = ctx.config;
    const fs = new PodFs(ctx.kube, fsTarget, { bytes: limits.sftpReadAheadBytes, budget: new ReadAheadBudget(limits.sftpSessionReadAheadBytes) });
    const refusals = new LimitRefusals(ctx.logger, { sessionId: ctx.sessionId });
    const r = await serveSftp({ channel, fs, onFileOp, limits, pool, ...(ctx.closed ? { closed: ctx.closed } : {}), onRefused: (limit, value) => { refusals.refuse(limit, value); } })
      .finally(() => { refusals.flush(); return fsTarget.streams.close(); });
    await finishChannel(channel, 0);
    return { exitCode: 0, bytesIn: r.bytesIn, bytesOut: r.bytesOut };
  };
}
