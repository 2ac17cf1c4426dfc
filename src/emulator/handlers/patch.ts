/**
 * The three patch formats the apiserver takes for built-in objects: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902), and strategic merge patch. The emulator's writable objects (Leases)
 * have no lists with a patch strategy, so a strategic merge patch is applied as a merge patch
 * after its `$`-directives for lists and key retention are dropped (what kubectl's client-side
 * apply sends for them is a plain merge).
 */
export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json, strategic = false): Json {
  if (!isObject(patch)) return patch;
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (strategic && k.startsWith('$')) {
      if (k === '$patch' && v === 'delete') return {};
      continue;
    }
    if (strategic && k.startsWith('$setElementOrder/')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v, strategic);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, parts: string[]): { parent: Record<string, Json> | Json[]; key: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)] ?? null;
    else if (isObject(cur)) cur = cur[p] ?? null;
    else cur = null;
    if (cur === null) throw new PatchError(`doc is missing path: ${'/' + parts.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError(`doc is missing path: ${'/' + parts.join('/')}`);
  return { parent: cur, key: parts[parts.length - 1] ?? '' };
}

function getAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const { parent, key } = parentOf(doc, parts);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw new PatchError(`doc is missing path: ${path}`);
  return v;
}

function removeAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`doc is missing path: ${path}`);
    return parent.splice(i, 1)[0] ?? null;
  }
  if (!(key in parent)) throw new PatchError(`doc is missing path: ${path}`);
  const v = parent[key] ?? null;
  delete parent[key];
  return v;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, key } = parentOf(doc, parts);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`add operation index out of bounds: ${path}`);
    parent.splice(i, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

/** RFC 6902 on a copy of `doc`. */
export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be a list of operations');
  let out = structuredClone(doc);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError('json patch operation needs op and path');
    const { path } = op;
    const from = typeof op.from === 'string' ? op.from : '';
    switch (op.op) {
      case 'add': out = addAt(out, path, structuredClone(op.value ?? null)); break;
      case 'remove': removeAt(out, path); break;
      case 'replace': getAt(out, path); if (pointer(path).length === 0) { out = structuredClone(op.value ?? null); break; } removeAt(out, path); out = addAt(out, path, structuredClone(op.value ?? null)); break;
      case 'move': { const v = removeAt(out, from); out = addAt(out, path, v); break; }
      case 'copy': out = addAt(out, path, structuredClone(getAt(out, from))); break;
      case 'test':
        if (JSON.stringify(getAt(out, path)) !== JSON.stringify(op.value ?? null)) throw new PatchError(`testing value ${path} failed`);
        break;
      default: throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return out;
}

export type PatchType = 'json' | 'merge' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const t = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (t === 'application/json-patch+json') return 'json';
  if (t === 'application/merge-patch+json') return 'merge';
  if (t === 'application/strategic-merge-patch+json') return 'strategic';
  return undefined;
}

export function applyPatch(type: PatchType, doc: unknown, patch: unknown): unknown {
  if (type === 'json') return jsonPatch(doc as Json, patch as Json);
  return mergePatch(doc as Json, patch as Json, type === 'strategic');
}
