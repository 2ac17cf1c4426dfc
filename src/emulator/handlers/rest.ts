/**
 * get and list of stored objects (pods, namespaces, workloads, RBAC objects, endpoints,
 * leases), with label and field selectors, List or Table responses; watch; the other verbs of
 * writable resources go to write.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope, ServerContext } from '../context.ts';
import { viewObject } from '../context.ts';
import type { KubeObject } from '../types.ts';
import { findResource } from '../resources.ts';
import { SelectorError, matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../selectors.ts';
import { badRequest, methodNotAllowed, notFound, sendJson, sendStatus, unknownPath } from '../status.ts';
import { toTable, wantsTable } from '../tables.ts';
import { handleWrite } from './write.ts';
import { streamWatch } from './watch.ts';

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  // Field selectors compare scalars; an object field renders as String() does, which no selector value matches.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return cur === undefined || cur === null ? '' : String(cur);
}

/**
 * A watch: objects never change here, so it stays open without events until the client leaves
 * or `timeoutSeconds` passes (then it ends cleanly, as the apiserver does).
 */
function holdWatch(res: ServerResponse, query: URLSearchParams): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const secs = Number(query.get('timeoutSeconds') ?? '1800');
  const timer = setTimeout(() => res.end(), (Number.isFinite(secs) && secs > 0 ? secs : 1800) * 1000);
  res.on('close', () => clearTimeout(timer));
}

export async function handleRest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, s: RequestScope): Promise<void> {
  const { info, query } = s;
  const def = findResource(info.apiGroup, info.apiVersion, info.resource);
  if (!def || def.createOnly || info.subresource !== '') { sendStatus(res, unknownPath()); return; }
  if (!def.namespaced && info.namespace !== '' && info.resource !== 'namespaces') { sendStatus(res, unknownPath()); return; }
  if (def.warning) res.setHeader('Warning', def.warning);
  if (def.writable && !['get', 'list', 'watch'].includes(info.verb)) { await handleWrite(ctx, def, req, res, s); return; }
  const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
  const table = wantsTable(req.headers.accept);
  const ns = def.namespaced ? info.namespace : '';
  if (info.verb === 'get') {
    if (def.namespaced && info.namespace === '') { sendStatus(res, unknownPath()); return; }
    const o = ctx.store.get(def, ns, info.name);
    if (!o) { sendStatus(res, notFound({ group: def.group, resource: def.resource }, info.name)); return; }
    const v = { ...viewObject(ctx, o), apiVersion, kind: def.kind };
    if (table) sendJson(res, 200, toTable(def.kind, apiVersion, [v], v.metadata.resourceVersion ?? '', query.get('includeObject')));
    else sendJson(res, 200, v);
    return;
  }
  if (info.verb !== 'list' && info.verb !== 'watch') { sendStatus(res, methodNotAllowed()); return; }
  let matches: (o: KubeObject) => boolean;
  try {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '', ['metadata.name', 'metadata.namespace', ...(def.fields ?? [])]);
    matches = (o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, (f) => fieldValue(o, f));
  } catch (err) {
    if (err instanceof SelectorError) { sendStatus(res, badRequest(err.message)); return; }
    throw err;
  }
  if (info.verb === 'watch') {
    if (def.writable) streamWatch(ctx, def, ns, query, res, matches, table);
    else holdWatch(res, query);
    return;
  }
  const items = ctx.store.list(def, ns).map((o) => viewObject(ctx, o)).filter(matches);
  const rv = ctx.store.resourceVersion();
  if (table) { sendJson(res, 200, toTable(def.kind, apiVersion, items, rv, query.get('includeObject'))); return; }
  sendJson(res, 200, {
    kind: `${def.kind}List`, apiVersion, metadata: { resourceVersion: rv },
    items: items.map((o) => { const { apiVersion: _a, kind: _k, ...rest } = o; return rest; }),
  });
}
