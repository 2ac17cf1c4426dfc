import { describe, expect, it } from 'vitest';
import { PatchError, applyPatch, jsonPatch, mergePatch, patchTypeOf } from './patch.ts';

describe('patches', () => {
  it('merge patch (RFC 7386): objects merge, null deletes, lists and scalars replace', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3], f: 'x' })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3], f: 'x' });
    expect(mergePatch({ a: 1 }, 'x')).toBe('x');
  });

  it('strategic merge drops list/retain directives, and $patch: delete empties the object', () => {
    expect(applyPatch('strategic', { spec: { a: 1 } }, { $retainKeys: ['a'], spec: { b: 2, '$setElementOrder/x': [] } })).toEqual({ spec: { a: 1, b: 2 } });
    expect(applyPatch('strategic', { spec: { a: 1 } }, { spec: { $patch: 'delete' } })).toEqual({ spec: {} });
  });

  it('JSON patch (RFC 6902): add, remove, replace, move, copy, test; a failed test or missing path is an error', () => {
    const doc = { a: { b: 1 }, l: [1, 2], 'x/y': 0 };
    expect(jsonPatch(doc, [
      { op: 'add', path: '/a/c', value: 2 },
      { op: 'add', path: '/l/-', value: 3 },
      { op: 'add', path: '/l/0', value: 0 },
      { op: 'remove', path: '/x~1y' },
      { op: 'replace', path: '/a/b', value: 5 },
      { op: 'move', from: '/a/c', path: '/m' },
      { op: 'copy', from: '/m', path: '/n' },
      { op: 'test', path: '/n', value: 2 },
    ])).toEqual({ a: { b: 5 }, l: [0, 1, 2, 3], m: 2, n: 2 });
    expect(doc).toEqual({ a: { b: 1 }, l: [1, 2], 'x/y': 0 });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/a/b', value: 2 }])).toThrow(PatchError);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow('doc is missing path: /nope');
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/a/zz', value: 1 }])).toThrow(PatchError);
    expect(() => jsonPatch(doc, { op: 'add' })).toThrow(PatchError);
  });

  it('knows the three patch media types, and nothing else (server-side apply is not served)', () => {
    expect(patchTypeOf('application/merge-patch+json; charset=utf-8')).toBe('merge');
    expect(patchTypeOf('application/json-patch+json')).toBe('json');
    expect(patchTypeOf('application/strategic-merge-patch+json')).toBe('strategic');
    expect(patchTypeOf('application/apply-patch+yaml')).toBeUndefined();
  });
});
