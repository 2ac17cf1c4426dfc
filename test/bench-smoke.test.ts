/**
 * The bench harness runs end to end at its --quick size: podgate, direct kubectl exec and the
 * throwaway sshd each answer every scenario (throughput also the bare ssh2 ceiling, with CPU
 * accounting), and the JSON lands where asked. No timing asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../bench/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench harness (--quick)', () => {
  it('measures podgate, direct and sshd for throughput, setup and latency, and writes JSON', async () => {
    const out = join(dir, 'latest.json');
    const results = await main(['--quick', '--only', 'throughput-in,setup,latency-1,backpressure', '--out', out]);
    expect(results.map((r) => r.name)).toEqual(['in', 'setup', 'latency-1', 'backpressure']);
    for (const r of results.filter((x) => x.name !== 'backpressure')) {
      expect(r.rows.map((x) => x.target)).toEqual(r.name === 'in' ? ['podgate', 'direct', 'sshd', 'ssh2'] : ['podgate', 'direct', 'sshd']);
      for (const row of r.rows) {
        expect(row.failures, `${r.name} ${row.target}`).toBe(0);
        expect(row.samples, `${r.name} ${row.target}`).toBeGreaterThan(0);
        expect(Number.isFinite(row.median)).toBe(true);
      }
    }
    const input = results.find((r) => r.name === 'in')!;
    for (const k of ['cpuSecPerGiB.podgate', 'cpuSecPerGiB.emulator(podgate)', 'cpuSecPerGiB.emulator(direct)', 'cpuSecPerGiB.sshd', 'cpuSecPerGiB.ssh2']) {
      expect(Number.isFinite(input.extra[k]), k).toBe(true);
    }
    expect(Number(input.extra['ssh2BareVsDirect'])).toBeGreaterThan(0);
    const bp = results.find((r) => r.name === 'backpressure')!;
    expect(Number(bp.extra['readerMiB'])).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { results: unknown[]; machine: { cipher: string } };
    expect(json.results).toHaveLength(4);
    expect(json.machine.cipher).toBe('aes128-gcm@openssh.com');
  }, 300_000);

  it('runs the relay matrix against the in-memory stream source: podgate, the floor and kubectl per cell', async () => {
    const results = await main(['--quick', '--only', 'relay-matrix', '--out', join(dir, 'matrix.json')]);
    expect(results.map((r) => r.name)).toEqual(['relay-matrix aes128/16K/whole', 'relay-matrix aes128/32K/apiserver']);
    for (const r of results) {
      expect(r.rows.map((x) => x.target)).toEqual(['podgate', 'direct', 'ssh2']);
      for (const row of r.rows) {
        expect(row.samples, `${r.name} ${row.target}`).toBeGreaterThan(0);
        expect(Number.isFinite(row.median), `${r.name} ${row.target}`).toBe(true);
      }
      expect(Number.isFinite(Number(r.extra['fixedCostSec']))).toBe(true);
      expect(String(r.extra['markCompactsPerRun'])).toMatch(/^\d+$/);
    }
  }, 300_000);
});

describe('bench harness: the browser terminal (--quick)', () => {
  it('times keystrokes over SSH, the WebSocket protocol and chromium on one podgate', async () => {
    const out = join(dir, 'web.json');
    const results = await main(['--quick', '--only', 'latency-web', '--out', out]);
    expect(results.map((r) => r.name)).toEqual(['latency-web-ssh', 'latency-web-ws', 'latency-web-browser']);
    for (const r of results) {
      expect(r.rows[0].failures, r.name).toBe(0);
      expect(r.rows[0].samples, r.name).toBe(20);
      expect(Number.isFinite(r.rows[0].median)).toBe(true);
    }
    expect(Number.isFinite(Number(results[2].extra['p50AddedOverSshMs']))).toBe(true);
  }, 300_000);
});
