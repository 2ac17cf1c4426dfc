/**
 * Property tests for the USER+TARGET grammar: whatever an SSH client sends as a user name,
 * splitUser + parseTarget either return a target whose every part is a valid Kubernetes name and that
 * rebuilds the text it came from, or throws TARGET_INVALID, never anything else.
 * FUZZ_SEED / FUZZ_RUNS replay or lengthen a run (the values used are printed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../test/helpers/fuzz-params.ts';
import { PodgateError } from '../errors/index.ts';
import { parseTarget, splitUser } from './grammar.ts';
import { dns1123LabelError, dns1123SubdomainError } from './k8s-names.ts';
import type { TargetSpec } from './types.ts';

const KIND_WORDS = ['pod', 'po', 'pods', 'deploy', 'deployment', 'sts', 'statefulset', 'ds', 'daemonset', 'rs', 'replicaset', 'job'];
const PROTO_WORDS = ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
const VALID_KINDS = new Set(['auto', 'pod', 'deployment', 'statefulset', 'daemonset', 'replicaset', 'job']);
const ALLOWED = /^[A-Za-z0-9._~+-]*$/;

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const subdomain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')).filter((s) => s.length <= 253);
/** Text built from the grammar's own alphabet and words, so the parser's branches are reached. */
const grammarish = fc
  .array(fc.oneof(
    fc.constantFrom('.', '+', '~', '-', '_', 'A', 'a', '0', '', '..', '~~'),
    fc.constantFrom(...KIND_WORDS, ...PROTO_WORDS),
    label,
  ), { maxLength: 8 })
  .map((xs) => xs.join(''));
const anything = fc.oneof(grammarish, fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 300 }));

/** Outcome of parsing: a spec, or the PodgateError it threw. Any other exception fails the test. */
function outcome(raw: string): TargetSpec | PodgateError {
  try {
    return parseTarget(raw);
  } catch (err) {
    if (err instanceof PodgateError && err.code === 'TARGET_INVALID') return err;
    throw new Error(`parseTarget(${JSON.stringify(raw)}) threw ${String(err)}`);
  }
}

/** The text a spec stands for, rebuilt from its parts. */
function rebuild(spec: TargetSpec, kindText: string | null): string {
  const workload = `${spec.cluster === undefined ? '' : `${spec.cluster}_`}${kindText === null ? spec.name : `${kindText}~${spec.name}`}`;
  return `${workload}${spec.namespace === undefined ? '' : `.${spec.namespace}`}${spec.container === undefined ? '' : `+${spec.container}`}`;
}

describe('target grammar (property)', () => {
  it('accepts only the allowed alphabet, validates every part and round-trips', () => {
    fc.assert(fc.property(anything, (raw) => {
      const r = outcome(raw);
      if (r instanceof PodgateError) return;
      expect(raw).toMatch(ALLOWED);
      expect(r.raw).toBe(raw);
      expect(VALID_KINDS.has(r.kind)).toBe(true);
      expect(dns1123SubdomainError(r.name)).toBeNull();
      if (r.namespace !== undefined) expect(dns1123LabelError(r.namespace)).toBeNull();
      if (r.container !== undefined) expect(dns1123LabelError(r.container)).toBeNull();
      if (r.cluster !== undefined) expect(dns1123LabelError(r.cluster)).toBeNull();
      const local = r.cluster === undefined ? raw : raw.slice(r.cluster.length + 1);
      const tilde = local.split('+')[0].indexOf('~');
      expect(rebuild(r, tilde < 0 ? null : local.slice(0, tilde))).toBe(raw);
    }), fuzzParams('grammar: alphabet and round trip', 2000));
  });

  it('every well-formed target parses to exactly its parts', () => {
    const target = fc.record({
      kind: fc.option(fc.constantFrom(...KIND_WORDS), { nil: undefined }),
      name: subdomain,
      namespace: fc.option(label, { nil: undefined }),
      container: fc.option(label, { nil: undefined }),
    });
    fc.assert(fc.property(target, (t) => {
      // A dotted name with no namespace is read as NAME.NAMESPACE: the grammar's documented choice.
      fc.pre(t.namespace !== undefined || !t.name.includes('.'));
      const raw = `${t.kind === undefined ? '' : `${t.kind}~`}${t.name}${t.namespace === undefined ? '' : `.${t.namespace}`}${t.container === undefined ? '' : `+${t.container}`}`;
      const r = outcome(raw);
      expect(r).not.toBeInstanceOf(PodgateError);
      const spec = r as TargetSpec;
      expect(spec.name).toBe(t.name);
      expect(spec.namespace).toBe(t.namespace);
      expect(spec.container).toBe(t.container);
      expect(spec.kind === 'auto').toBe(t.kind === undefined);
    }), fuzzParams('grammar: well-formed targets', 1000));
  });

  it('prototype names are never a kind: constructor~web, __proto__~web are TARGET_INVALID', () => {
    fc.assert(fc.property(fc.constantFrom(...PROTO_WORDS), subdomain, (word, name) => {
      for (const w of [word, word.toLowerCase(), word.toUpperCase()]) {
        const r = outcome(`${w}~${name}`);
        expect(r, `${w}~${name}`).toBeInstanceOf(PodgateError);
      }
    }), fuzzParams('grammar: prototype names', 200));
  });

  it('a whole SSH user name never throws anything but TARGET_INVALID', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), grammarish, (user, rest) => {
      for (const s of [user, `${user}+${rest}`]) {
        try {
          // As the connection handler does: split off USER (never fails), then parse TARGET.
          const p = splitUser(s);
          expect(s.startsWith(p.user)).toBe(true);
          expect(p.user.includes('+')).toBe(false);
          if (p.rest !== null) parseTarget(p.rest);
        } catch (err) {
          expect(err).toBeInstanceOf(PodgateError);
          expect((err as PodgateError).code).toBe('TARGET_INVALID');
        }
      }
    }), fuzzParams('grammar: whole user names', 1000));
  });
});
