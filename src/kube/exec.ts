import type { Logger } from 'pino';
import type { ExecRequest } from './types.ts';
import type { ApiEndpoint, QueryParams } from './endpoint.ts';
import { EXEC_PROTOCOLS } from './channel-frames.ts';
import { openChannelSocket } from './ws-upgrade.ts';
import { KubeExecSession } from './exec-session.ts';

/** The exec query as kubectl builds it: one `command` per argv element, stderr only without a TTY. */
function execQuery(req: Pick<ExecRequest, 'command' | 'container' | 'stdin' | 'tty'>): QueryParams {
  return {
    command: req.command,
    container: req.container,
    stdin: req.stdin,
    stdout: true,
    stderr: !req.tty,
    tty: req.tty,
  };
}

/** Opens an exec WebSocket (offering v5, then v4) as the request's identity. */
export async function openExec(ep: ApiEndpoint, req: ExecRequest, timeoutMs: number, logger?: Logger): Promise<KubeExecSession> {
  if (req.command.length === 0) throw new TypeError('exec needs a command');
  const what = `exec in ${req.namespace}/${req.pod}/${req.container}`;
  const ws = await openChannelSocket(ep, {
    path: `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec`,
    query: execQuery(req),
    identity: req.identity,
    protocols: EXEC_PROTOCOLS,
    kind: 'exec',
    what,
    timeoutMs,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const opts = { stdin: req.stdin, tty: req.tty, ...(req.size ? { size: req.size } : {}), ...(logger ? { logger } : {}) };
  return new KubeExecSession(ws, opts);
}
