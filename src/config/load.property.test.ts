/**
 * Property tests for the config loader: any text, any YAML value and any mutation of a valid
 * config either loads or yields issues that each name a key path and a line; nothing throws.
 * `check-config` exits 0 or 2 for every one of them. FUZZ_SEED / FUZZ_RUNS replay or lengthen.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fuzzParams } from '../../test/helpers/fuzz-params.ts';
import { checkConfig } from '../cli/check-config.ts';
import { generateKeyPair } from '../cli/ssh-keypair.ts';
import { parseConfig } from './load.ts';

const KEY = generateKeyPair('ed25519', 'alice@laptop').public;
const VALID = {
  listen: '127.0.0.1:2222',
  hostKeys: ['keys/host'],
  defaultNamespace: 'default',
  userCAs: [KEY],
  users: [
    { name: 'alice', publicKeys: [KEY], kubernetes: { user: 'alice', groups: ['dev'] }, allow: { shell: false, namespaces: ['prod'] } },
    { name: 'bob', publicKeys: [KEY], defaultNamespace: 'staging' },
  ],
  limits: { maxAuthTries: 3 },
  metrics: { listen: '127.0.0.1:9090' },
  session: { envAllow: ['LANG'] },
};
const FILE = '/etc/podgate/config.yaml';

function checkResult(text: string): void {
  let result: ReturnType<typeof parseConfig>;
  try {
    result = parseConfig(text, FILE);
  } catch (err) {
    throw new Error(`parseConfig threw on ${JSON.stringify(text.slice(0, 400))}: ${(err as Error).stack ?? String(err)}`);
  }
  if ('issues' in result) {
    expect(result.issues.length).toBeGreaterThan(0);
    for (const i of result.issues) {
      expect(i.path.length, JSON.stringify(i)).toBeGreaterThan(0);
      expect(i.line, JSON.stringify(i)).toBeGreaterThanOrEqual(1);
      expect(i.col, JSON.stringify(i)).toBeGreaterThanOrEqual(1);
      expect(i.message.length, JSON.stringify(i)).toBeGreaterThan(0);
    }
  }
}

/** Any JSON-ish value, YAML-special strings included. */
const yamlValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, '', 'null', '~', 'yes', '0x1f', '127.0.0.1:0', '::1', '__proto__', 'constructor', 'system:masters', KEY, `cert-authority ${KEY}`),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'users', 'name')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

type Path = (string | number)[];

/** All paths of `v` (objects and arrays), for picking one to mutate. */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function mutate(base: unknown, path: Path, op: 'set' | 'delete' | 'add', value: unknown, key: string): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (path.length === 0) return op === 'set' ? value : copy;
  let parent: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (op === 'set') parent[last] = value;
  else if (op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last];
  } else {
    const target = parent[last];
    if (Array.isArray(target)) target.push(value);
    else if (target !== null && typeof target === 'object') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else parent[last] = value;
  }
  return copy;
}

const mutation = fc.record({
  pathIndex: fc.nat(),
  op: fc.constantFrom<'set' | 'delete' | 'add'>('set', 'delete', 'add'),
  value: yamlValue,
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
});

describe('config loader (property)', () => {
  it('any text never throws and every issue names a path and a line', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.constantFrom('users:', '  - name: a', '  -', '&a [*a]', '*b', '? x', ': y', '{', '[', '"', "'", '\t', '---', '...', '%YAML 1.2', '!!binary x', '!!js/function x', '<<: *a', 'a: &x 1', 'b: *x', 'listen: ::1', 'users: [{name: a, publicKeys: [1]}]'), { maxLength: 8 }).map((l) => l.join('\n')),
    );
    fc.assert(fc.property(text, checkResult), fuzzParams('config: any text', 500));
  });

  it('any YAML value at the top level never throws', () => {
    fc.assert(fc.property(yamlValue, (v) => checkResult(stringify(v))), fuzzParams('config: any YAML value', 300));
  });

  it('every mutation of a valid config loads or names a path and a line', () => {
    expect('config' in parseConfig(stringify(VALID), FILE)).toBe(true);
    const all = paths(VALID);
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (muts) => {
      let cfg: unknown = VALID;
      for (const m of muts) {
        const ps = paths(cfg);
        cfg = mutate(cfg, ps[m.pathIndex % ps.length] ?? all[0], m.op, m.value, m.key);
      }
      checkResult(stringify(cfg));
    }), fuzzParams('config: mutations of a valid config', 300));
  });

  it('alias bombs are refused with an issue, not an exception', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'users: [*d]'].join('\n');
    checkResult(bomb);
  });

  describe('check-config exit codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podgate-fuzz-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('exits 0 for a valid config and 2 for every broken one, printing FILE:LINE:COL: path: message', async () => {
      const file = join(dir, 'podgate.yaml');
      const { seed, numRuns } = fuzzParams('config: check-config exit codes', 100);
      await fc.assert(fc.asyncProperty(mutation, async (m) => {
        const ps = paths(VALID);
        const text = stringify(mutate(VALID, ps[m.pathIndex % ps.length], m.op, m.value, m.key));
        writeFileSync(file, text);
        const err: string[] = [];
        const code = await checkConfig(file, { out: () => {}, err: (l) => err.push(l) });
        const expected = 'config' in parseConfig(text, file) ? 0 : 2;
        expect(code).toBe(expected);
        if (code === 2) {
          expect(err.length).toBeGreaterThanOrEqual(2);
          for (const l of err.slice(0, -1)) expect(l.startsWith(`${file}:`)).toBe(true);
          for (const l of err.slice(0, -1)) expect(l).toMatch(/^.+:\d+:\d+: \S.*: .+$/);
        }
      }), { seed, numRuns });
    });
  });
});
