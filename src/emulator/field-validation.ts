/**
 * Server-side field validation of writable objects (`fieldValidation=Strict|Warn|Ignore`, the
 * apiserver's default being Warn): fields the type does not declare are a 400
 * `strict decoding error: unknown field "spec.x"` under Strict, a `Warning` header under Warn.
 */
import type { ResourceDef } from './resources.ts';

type Shape = { [field: string]: Shape | true };

const OBJECT_META: Shape = {
  name: true, generateName: true, namespace: true, uid: true, resourceVersion: true, generation: true, creationTimestamp: true,
  deletionTimestamp: true, deletionGracePeriodSeconds: true, labels: true, annotations: true, ownerReferences: true,
  finalizers: true, managedFields: true, selfLink: true,
};

const SHAPES: Record<string, Shape> = {
  Lease: {
    apiVersion: true, kind: true, metadata: OBJECT_META,
    spec: { holderIdentity: true, leaseDurationSeconds: true, acquireTime: true, renewTime: true, leaseTransitions: true, strategy: true, preferredHolder: true },
  },
};

function unknown(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const sub = shape[k];
    const here = path === '' ? k : `${path}.${k}`;
    if (sub === undefined) out.push(here);
    else if (sub !== true) unknown(v, sub, here, out);
  }
}

/** Unknown field paths of an object of `def` (none for types the emulator has no shape of). */
export function unknownFields(def: ResourceDef, o: unknown): string[] {
  const shape = SHAPES[def.kind];
  const out: string[] = [];
  if (shape) unknown(o, shape, '', out);
  return out;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation | { invalid: string } {
  const v = query.get('fieldValidation') ?? 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  return { invalid: v };
}
