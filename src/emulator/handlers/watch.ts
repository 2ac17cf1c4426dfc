/**
 * watch of a writable resource: newline-delimited `{"type","object"}` events, as the apiserver
 * streams them. Without a resourceVersion (or "0") it starts with an ADDED event per current
 * object; with one, it streams the writes after it (the emulator keeps no history to replay).
 * Ends when the client leaves or `timeoutSeconds` passes. Resources nothing writes keep the
 * old behaviour: an open stream without events (handlers/rest.ts).
 */
import type { ServerResponse } from 'node:http';
import type { ServerContext } from '../context.ts';
import type { ResourceDef } from '../resources.ts';
import type { StoreEvent, WatchEventType } from '../store.ts';
import type { KubeObject } from '../types.ts';
import { toTable } from '../tables.ts';

/**
 * `table`: the client asked for server-side printing (kubectl get -w): each event's object is a
 * one-row meta.k8s.io Table, as the apiserver sends it.
 */
export function streamWatch(ctx: ServerContext, def: ResourceDef, namespace: string, query: URLSearchParams, res: ServerResponse, matches: (o: KubeObject) => boolean, table: boolean): void {
  const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: WatchEventType, o: KubeObject): void => {
    if (res.writableEnded) return;
    const object = table ? toTable(def.kind, apiVersion, [o], o.metadata.resourceVersion ?? '', query.get('includeObject')) : { ...o, apiVersion, kind: def.kind };
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const inScope = (o: KubeObject): boolean => namespace === '' || o.metadata.namespace === namespace;
  const rv = query.get('resourceVersion') ?? '';
  if (rv === '' || rv === '0') {
    for (const o of ctx.store.list(def, namespace)) if (matches(o)) send('ADDED', o);
  }
  const unsubscribe = ctx.store.subscribe((e: StoreEvent) => {
    if (e.def === def && inScope(e.object) && matches(e.object)) send(e.type, e.object);
  });
  const secs = Number(query.get('timeoutSeconds') ?? '1800');
  const timer = setTimeout(() => res.end(), (Number.isFinite(secs) && secs > 0 ? secs : 1800) * 1000);
  res.on('close', () => { clearTimeout(timer); unsubscribe(); });
}
