/**
 * In-memory object storage: every object gets a uid, resourceVersion and creationTimestamp;
 * ownerReferences written by name in the fixture get their owner's uid. Writes (writable
 * resources only: handlers/write.ts) bump the one resourceVersion counter, as etcd's revision,
 * and are told to the watchers of that resource.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './types.ts';
import type { ResourceDef } from './resources.ts';
import { resourceForKind } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  type: WatchEventType;
  def: ResourceDef;
  object: KubeObject;
}
type Watcher = (e: StoreEvent) => void;

export class ObjectStore {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private rv = 1000;

  constructor(objects: KubeObject[], now: Date = new Date()) {
    for (const raw of objects) {
      const o = structuredClone(raw);
      const def = resourceForKind(o.apiVersion, o.kind);
      if (!def) continue;
      if (def.namespaced) o.metadata.namespace ??= 'default';
      else delete o.metadata.namespace;
      o.metadata.uid ??= randomUUID();
      o.metadata.resourceVersion = String(++this.rv);
      o.metadata.creationTimestamp ??= new Date(now.getTime() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
      this.byKey.set(this.key(def, o.metadata.namespace ?? '', o.metadata.name), o);
    }
    for (const o of this.byKey.values()) {
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (ref.uid) continue;
        const def = resourceForKind(ref.apiVersion, ref.kind);
        const owner = def ? this.get(def, def.namespaced ? o.metadata.namespace ?? '' : '', ref.name) : undefined;
        ref.uid = owner?.metadata.uid ?? randomUUID();
      }
    }
  }

  private key(def: ResourceDef, ns: string, name: string): string {
    return `${def.group}/${def.resource}/${def.namespaced ? ns : ''}/${name}`;
  }

  get(def: ResourceDef, namespace: string, name: string): KubeObject | undefined {
    return this.byKey.get(this.key(def, namespace, name));
  }

  /** Objects of a resource, in one namespace or (namespace '') all, sorted like etcd keys. */
  list(def: ResourceDef, namespace: string): KubeObject[] {
    const prefix = `${def.group}/${def.resource}/${def.namespaced ? namespace : ''}/`;
    const all = `${def.group}/${def.resource}/`;
    const out: [string, KubeObject][] = [];
    for (const [k, o] of this.byKey) {
      if (namespace === '' || !def.namespaced ? k.startsWith(all) : k.startsWith(prefix)) out.push([k, o]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, o]) => o);
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Stores an object as given (new or replacing), with the next resourceVersion; returns the stored copy. */
  put(def: ResourceDef, o: KubeObject): KubeObject {
    const stored = structuredClone(o);
    const key = this.key(def, stored.metadata.namespace ?? '', stored.metadata.name);
    const type: WatchEventType = this.byKey.has(key) ? 'MODIFIED' : 'ADDED';
    stored.metadata.resourceVersion = String(++this.rv);
    this.byKey.set(key, stored);
    this.tell({ type, def, object: stored });
    return stored;
  }

  /** Removes an object; the DELETED event carries it with a new resourceVersion (as etcd's delete revision). */
  remove(def: ResourceDef, namespace: string, name: string): KubeObject | undefined {
    const key = this.key(def, namespace, name);
    const o = this.byKey.get(key);
    if (!o) return undefined;
    this.byKey.delete(key);
    const gone = structuredClone(o);
    gone.metadata.resourceVersion = String(++this.rv);
    this.tell({ type: 'DELETED', def, object: gone });
    return o;
  }

  /** Calls `w` for every later write; returns the unsubscribe function. */
  subscribe(w: Watcher): () => void {
    this.watchers.add(w);
    return () => { this.watchers.delete(w); };
  }

  private tell(e: StoreEvent): void {
    for (const w of this.watchers) w(e);
  }
}
