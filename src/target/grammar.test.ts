import { describe, expect, it } from 'vitest';
import { PodgateError } from '../errors/index.ts';
import { parseTarget, splitUser } from './grammar.ts';

function rejects(raw: string): PodgateError {
  try {
    parseTarget(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PodgateError);
    expect((e as PodgateError).code).toBe('TARGET_INVALID');
    return e as PodgateError;
  }
  throw new Error(`accepted ${raw}`);
}

describe('splitUser', () => {
  it('ends USER at the first +', () => {
    expect(splitUser('alice')).toEqual({ user: 'alice', rest: null });
    expect(splitUser('alice+web+app')).toEqual({ user: 'alice', rest: 'web+app' });
    expect(splitUser('alice+')).toEqual({ user: 'alice', rest: '' });
  });
});

describe('splitUser / parseTarget (docs/contract.md §1)', () => {
  it('USER alone is the console', () => {
    expect(splitUser('alice')).toEqual({ user: 'alice', rest: null });
  });

  it('a pod in the default namespace', () => {
    expect(parseTarget(splitUser('alice+web-7d9f').rest ?? '')).toEqual({ kind: 'auto', name: 'web-7d9f', raw: 'web-7d9f' });
  });

  it('the last dot-separated part is the namespace', () => {
    expect(parseTarget('web-7d9f.prod')).toMatchObject({ kind: 'auto', name: 'web-7d9f', namespace: 'prod' });
    expect(parseTarget('my.dotted.pod.prod')).toMatchObject({ name: 'my.dotted.pod', namespace: 'prod' });
  });

  it('a container after the second +', () => {
    expect(parseTarget('web.prod+nginx')).toEqual({ kind: 'auto', name: 'web', namespace: 'prod', container: 'nginx', raw: 'web.prod+nginx' });
    expect(parseTarget('web+nginx')).toEqual({ kind: 'auto', name: 'web', container: 'nginx', raw: 'web+nginx' });
  });

  it('KIND~NAME with every kind and alias', () => {
    const cases: [string, string][] = [
      ['pod', 'pod'], ['deploy', 'deployment'], ['deployment', 'deployment'], ['sts', 'statefulset'],
      ['statefulset', 'statefulset'], ['ds', 'daemonset'], ['daemonset', 'daemonset'], ['rs', 'replicaset'],
      ['replicaset', 'replicaset'], ['job', 'job'],
    ];
    for (const [alias, kind] of cases) {
      expect(parseTarget(`${alias}~db.prod+main`)).toMatchObject({ kind, name: 'db', namespace: 'prod', container: 'main' });
    }
  });

  it('rejects an unknown kind', () => {
    expect(rejects('cronjob~x.prod').userMessage).toMatch(/unknown kind "cronjob"/);
  });

  it('rejects names that are not Kubernetes names, naming the part', () => {
    expect(rejects('Web.prod').userMessage).toMatch(/name "Web"/);
    expect(rejects('web.Prod').userMessage).toMatch(/namespace "Prod"/);
    expect(rejects('web.prod+Nginx').userMessage).toMatch(/container name "Nginx"/);
    expect(rejects('web.prod+a.b').userMessage).toMatch(/container name "a.b"/);
    expect(rejects('-web').userMessage).toMatch(/name "-web"/);
    expect(rejects('web-').userMessage).toMatch(/name "web-"/);
    expect(rejects('web.').userMessage).toMatch(/namespace ""/);
    expect(rejects('.prod').userMessage).toMatch(/name ""/);
    expect(rejects('web..prod').userMessage).toMatch(/name "web\."/);
    expect(rejects(`web.${'a'.repeat(64)}`).userMessage).toMatch(/at most 63/);
    expect(rejects(`${'a'.repeat(254)}.prod`).userMessage).toMatch(/at most 253/);
  });

  it('rejects characters outside [A-Za-z0-9._~+-] and extra parts', () => {
    expect(rejects('prod/web').userMessage).toMatch(/only letters/);
    expect(rejects('web:prod').userMessage).toMatch(/only letters/);
    expect(rejects('web;rm').userMessage).toMatch(/only letters/);
    expect(rejects('web.prod+a+b').userMessage).toMatch(/at most one/);
    expect(rejects('').userMessage).toMatch(/nothing after/);
    expect(rejects('deploy~').userMessage).toMatch(/name ""/);
  });

  it('accepts names at the length limits', () => {
    expect(parseTarget(`${'a'.repeat(253)}.${'b'.repeat(63)}+${'c'.repeat(63)}`).name).toHaveLength(253);
  });
  it('prototype names are no kinds', () => {
    for (const k of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      // `__proto__` holds "_", which ends a cluster name (docs/clusters.md): refused as that.
      expect(rejects(`${k}~x`).userMessage).toContain(k.includes('_') ? 'cluster name ""' : `unknown kind "${k}"`);
    }
  });
});

// Several clusters (docs/clusters.md).
describe('parseTarget: CLUSTER_ prefix', () => {
  it('names the cluster before "_" and parses the rest as before', () => {
    expect(parseTarget('eu1_web-7d9f.prod+nginx')).toEqual({ kind: 'auto', name: 'web-7d9f', namespace: 'prod', container: 'nginx', cluster: 'eu1', raw: 'eu1_web-7d9f.prod+nginx' });
    expect(parseTarget('eu1_sts~db')).toEqual({ kind: 'statefulset', name: 'db', cluster: 'eu1', raw: 'eu1_sts~db' });
    expect(parseTarget('web.prod.eu1')).toEqual({ kind: 'auto', name: 'web.prod', namespace: 'eu1', raw: 'web.prod.eu1' });
  });

  it('a "_" in USER is USER\'s own: only TARGET has a cluster', () => {
    const { user, rest } = splitUser('ops_bot+eu1_web.prod');
    expect(user).toBe('ops_bot');
    expect(parseTarget(rest ?? '')).toMatchObject({ cluster: 'eu1', name: 'web', namespace: 'prod' });
  });

  it('rejects bad cluster parts, naming them', () => {
    expect(rejects('_web').userMessage).toMatch(/cluster name ""/);
    expect(rejects('EU1_web').userMessage).toMatch(/cluster name "EU1"/);
    expect(rejects('eu1_').userMessage).toMatch(/nothing after "eu1_"/);
    expect(rejects('eu1_us1_web').userMessage).toMatch(/at most one "_"/);
    expect(rejects('web.prod_eu1').userMessage).toMatch(/cluster name "web.prod"/);
  });
});
