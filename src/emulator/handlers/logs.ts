/**
 * pods/log: PodLogOptions validation (422), pod/container resolution, the kubelet's state
 * checks (400 with its text), then the runtime's log lines filtered by since/tail, prefixed
 * with timestamps, capped by limitBytes, and followed (chunked, one write per line) until the
 * container ends or the client goes away.
 */
import type { ServerResponse } from 'node:http';
import type { RequestScope, ServerContext } from '../context.ts';
import type { LogLine } from '../runtime/types.ts';
import type { FieldError } from '../status.ts';
import { badRequest, invalid, sendStatus } from '../status.ts';
import { queryBool, resolvePodContainer } from './pod-target.ts';

interface LogOptions {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  sinceTime?: number;
}

function parseInt64(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^[-+]?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function parseOptions(q: URLSearchParams): LogOptions {
  const o: LogOptions = {
    container: q.get('container'), follow: queryBool(q, 'follow'), previous: queryBool(q, 'previous'), timestamps: queryBool(q, 'timestamps'),
    tailLines: parseInt64(q, 'tailLines'), limitBytes: parseInt64(q, 'limitBytes'), sinceSeconds: parseInt64(q, 'sinceSeconds'),
  };
  const st = q.get('sinceTime');
  if (st !== null) {
    const t = Date.parse(st);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(st) || Number.isNaN(t)) throw new Error(`parsing time ${JSON.stringify(st)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    o.sinceTime = t;
  }
  return o;
}

function validate(o: LogOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) errs.push({ field: 'tailLines', type: 'Invalid', value: o.tailLines, detail: 'must be greater than or equal to 0' });
  if (o.limitBytes !== undefined && o.limitBytes < 1) errs.push({ field: 'limitBytes', type: 'Invalid', value: o.limitBytes, detail: 'must be greater than 0' });
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) errs.push({ field: '', type: 'Forbidden', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) errs.push({ field: 'sinceSeconds', type: 'Invalid', value: o.sinceSeconds, detail: 'must be greater than 0' });
  return errs;
}

export function handleLogs(ctx: ServerContext, res: ServerResponse, s: RequestScope): void {
  const { info, query } = s;
  let o: LogOptions;
  try { o = parseOptions(query); } catch (err) { sendStatus(res, badRequest((err as Error).message)); return; }
  const errs = validate(o);
  if (errs.length > 0) { sendStatus(res, invalid('PodLogOptions', info.name, '', errs)); return; }
  const t = resolvePodContainer(ctx, info.namespace, info.name, o.container);
  if (!t.ok) { sendStatus(res, t.status); return; }
  const podName = info.name;
  const c = t.container;
  const uid = t.pod.metadata.uid ?? '';
  const restarts = ((t.pod.status as { containerStatuses?: { name: string; restartCount?: number }[] } | undefined)?.containerStatuses ?? [])
    .find((x) => x.name === c)?.restartCount ?? 0;
  let state;
  try { state = ctx.runtime.containerState(uid, c); } catch { state = { state: 'waiting' as const, reason: 'ContainerCreating' }; }
  const log = ctx.runtime.logs(uid, c, o.previous);
  if (o.previous) {
    if (!log || (restarts === 0 && log.lines().length === 0)) { sendStatus(res, badRequest(`previous terminated container "${c}" in pod "${podName}" not found`)); return; }
  } else if (state.state === 'waiting') {
    sendStatus(res, badRequest(`container "${c}" in pod "${podName}" is waiting to start: ${state.reason}`)); return;
  } else if (!log) {
    sendStatus(res, badRequest(state.state === 'terminated' ? `container "${c}" in pod "${podName}" is terminated` : `container "${c}" in pod "${podName}" is waiting to start - no logs yet`));
    return;
  }
  if (!log) return;
  const since = o.sinceSeconds !== undefined ? Date.now() - o.sinceSeconds * 1000 : o.sinceTime;
  const keep = (l: LogLine): boolean => since === undefined || Date.parse(l.time) >= since;
  let lines = log.lines().filter(keep);
  if (o.tailLines !== undefined) lines = o.tailLines === 0 ? [] : lines.slice(-o.tailLines);
  let budget = o.limitBytes ?? Infinity;
  const render = (l: LogLine): Buffer => (o.timestamps ? Buffer.concat([Buffer.from(`${l.time} `), l.data]) : l.data);
  /** Writes within the byte budget; false once the budget is spent. */
  const emit = (buf: Buffer): boolean => {
    if (budget <= 0) return false;
    const part = buf.length > budget ? buf.subarray(0, budget) : buf;
    budget -= part.length;
    if (part.length > 0) res.write(part);
    return budget > 0;
  };
  s.entry.status = 200;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  let open = true;
  for (const l of lines) { if (!emit(render(l))) { open = false; break; } }
  const follow = o.follow && !o.previous && state.state === 'running';
  if (!open || !follow) { res.end(); return; }
  res.flushHeaders();
  let stop: (() => void) | null = null;
  const finish = (): void => {
    if (stop) { const f = stop; stop = null; f(); }
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  res.on('error', finish);
  stop = log.follow((l) => {
    if (!keep(l)) return;
    if (!emit(render(l))) finish();
  }, finish);
}
