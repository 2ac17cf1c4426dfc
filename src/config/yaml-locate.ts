/**
 * Finds where a key path sits in a parsed YAML document, so every config error can name its
 * line and column. Paths that do not exist in the file (a missing key) fall back to the
 * nearest ancestor that does.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

function childOf(node: unknown, key: string | number): { node: Node | null; keyNode: Node | null } | null {
  if (isMap(node)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) === String(key) : p.key === key));
    if (!pair) return null;
    return { node: (pair.value as Node | null) ?? null, keyNode: (pair.key as Node | null) ?? null };
  }
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item === undefined ? null : { node: item as Node | null, keyNode: null };
  }
  return null;
}

/**
 * The position of `path` in `doc`: of its key when `at === 'key'` (for unknown-key errors), else
 * of its value. Falls back to the deepest part of the path that exists.
 */
export function locate(doc: Document, lines: LineCounter, path: (string | number)[], at: 'key' | 'value' = 'value'): Position {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents) ?? null;
  for (let i = 0; i < path.length; i++) {
    const child = childOf(node, path[i]);
    if (!child) break;
    const last = i === path.length - 1;
    const pick = last && at === 'key' ? child.keyNode ?? child.node : child.node ?? child.keyNode;
    if (pick?.range) best = pick;
    node = child.node;
  }
  const offset = best?.range?.[0] ?? 0;
  return lines.linePos(offset);
}

/** Splits an ajv instancePath (JSON pointer) into keys, numbers for sequence indexes. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** `users[1].publicKeys[0]`, the way errors print a key path. */
export function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    // A key that would print ambiguously (empty, dots, spaces, control characters) is quoted.
    if (!/^[A-Za-z0-9_-]+$/.test(part)) return `${out}[${JSON.stringify(part)}]`;
    return out === '' ? part : `${out}.${part}`;
  }, '');
}
