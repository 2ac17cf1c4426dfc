/**
 * Property tests for the cluster part of the target grammar (docs/clusters.md): the parser as it
 * was before clusters is kept below, frozen, and every text is parsed by both. A text without
 * `_` must give exactly the old answer (the same spec, or TARGET_INVALID); a text with `_` was
 * invalid before; `CLUSTER_` in front of any old target adds the cluster and changes nothing
 * else. FUZZ_SEED / FUZZ_RUNS replay or lengthen a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../test/helpers/fuzz-params.ts';
import { PodgateError } from '../errors/index.ts';
import { parseTarget } from './grammar.ts';
import { dns1123LabelError, dns1123SubdomainError } from './k8s-names.ts';
import type { TargetSpec } from './types.ts';

const OLD_KINDS = new Map<string, string>([
  ['pod', 'pod'], ['po', 'pod'], ['pods', 'pod'], ['deploy', 'deployment'], ['deployment', 'deployment'],
  ['sts', 'statefulset'], ['statefulset', 'statefulset'], ['ds', 'daemonset'], ['daemonset', 'daemonset'],
  ['rs', 'replicaset'], ['replicaset', 'replicaset'], ['job', 'job'],
]);

/** The parser of podgate before clusters (commit a56ff1a), kept as the reference; null = TARGET_INVALID. */
function parseBefore(raw: string): Omit<TargetSpec, 'cluster'> | null {
  if (raw.length === 0 || !/^[A-Za-z0-9._~+-]*$/.test(raw)) return null;
  const parts = raw.split('+');
  if (parts.length > 2) return null;
  const [workloadPart, container] = parts as [string, string | undefined];
  if (container !== undefined && dns1123LabelError(container)) return null;
  let namePart = workloadPart;
  let namespace: string | undefined;
  const dot = workloadPart.lastIndexOf('.');
  if (dot >= 0) {
    namespace = workloadPart.slice(dot + 1);
    namePart = workloadPart.slice(0, dot);
    if (dns1123LabelError(namespace)) return null;
  }
  let kind = 'auto';
  let name = namePart;
  const tilde = namePart.indexOf('~');
  if (tilde >= 0) {
    const k = OLD_KINDS.get(namePart.slice(0, tilde).toLowerCase());
    if (!k) return null;
    kind = k;
    name = namePart.slice(tilde + 1);
  }
  if (dns1123SubdomainError(name)) return null;
  return { kind: kind as TargetSpec['kind'], name, raw, ...(namespace !== undefined ? { namespace } : {}), ...(container !== undefined ? { container } : {}) };
}

function parseNow(raw: string): TargetSpec | null {
  try {
    return parseTarget(raw);
  } catch (err) {
    if (err instanceof PodgateError && err.code === 'TARGET_INVALID') return null;
    throw new Error(`parseTarget(${JSON.stringify(raw)}) threw ${String(err)}`);
  }
}

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const subdomain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')).filter((s) => s.length <= 253);
const kindWord = fc.constantFrom(...OLD_KINDS.keys(), 'cronjob', 'Deploy', 'STS');
/** Well-formed old targets, dotted pod names included. */
const oldTarget = fc.record({
  kind: fc.option(kindWord, { nil: undefined }),
  name: subdomain,
  namespace: fc.option(label, { nil: undefined }),
  container: fc.option(label, { nil: undefined }),
}).map((t) => `${t.kind === undefined ? '' : `${t.kind}~`}${t.name}${t.namespace === undefined ? '' : `.${t.namespace}`}${t.container === undefined ? '' : `+${t.container}`}`);
/** Text from the grammar's own alphabet (with `_`), to reach every branch. */
const grammarish = fc.array(fc.oneof(fc.constantFrom('.', '+', '~', '_', '-', 'A', 'a', '0', '', '..', '__'), kindWord, label), { maxLength: 8 }).map((xs) => xs.join(''));
const anything = fc.oneof(oldTarget, grammarish, fc.string({ maxLength: 120 }));

describe('target grammar with clusters (property)', () => {
  it('a text without "_" parses exactly as before clusters existed', () => {
    fc.assert(fc.property(anything, (raw) => {
      fc.pre(!raw.includes('_'));
      const now = parseNow(raw);
      expect(now).toEqual(parseBefore(raw));
      expect(now?.cluster).toBeUndefined();
    }), fuzzParams('grammar-clusters: old names unchanged', 3000));
  });

  it('every text with "_" was invalid before, so no working name changes meaning', () => {
    fc.assert(fc.property(anything, (raw) => {
      fc.pre(raw.includes('_'));
      expect(parseBefore(raw)).toBeNull();
    }), fuzzParams('grammar-clusters: "_" was invalid', 2000));
  });

  it('CLUSTER_ before any old target adds the cluster and keeps every other part', () => {
    fc.assert(fc.property(label, oldTarget, (cluster, old) => {
      const before = parseBefore(old);
      const now = parseNow(`${cluster}_${old}`);
      if (before === null) {
        expect(now).toBeNull();
        return;
      }
      expect(now).toEqual({ ...before, raw: `${cluster}_${old}`, cluster });
    }), fuzzParams('grammar-clusters: prefix adds only the cluster', 2000));
  });

  it('a cluster named like a namespace, kind or pod is never read as one (positions differ)', () => {
    fc.assert(fc.property(label, label, (a, b) => {
      // "a_b.a": cluster a, pod b, namespace a; "b.a": pod b in namespace a of the default cluster.
      expect(parseNow(`${a}_${b}.${a}`)).toMatchObject({ cluster: a, name: b, namespace: a });
      expect(parseNow(`${b}.${a}`)).toEqual(parseBefore(`${b}.${a}`));
      // A dotted pod name keeps its rule: the last dot is the namespace, in any cluster.
      expect(parseNow(`${a}_${b}.${b}.${a}`)).toMatchObject({ cluster: a, name: `${b}.${b}`, namespace: a });
    }), fuzzParams('grammar-clusters: same names', 500));
  });

  it('only valid cluster names are accepted, and "_" at most once', () => {
    fc.assert(fc.property(grammarish, (raw) => {
      const now = parseNow(raw);
      if (now === null || now.cluster === undefined) return;
      expect(dns1123LabelError(now.cluster)).toBeNull();
      expect(raw.split('_')).toHaveLength(2);
      expect(raw.startsWith(`${now.cluster}_`)).toBe(true);
    }), fuzzParams('grammar-clusters: cluster names', 2000));
  });
});
