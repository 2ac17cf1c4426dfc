import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplicasConfig } from '../config/types.ts';
import { advertiseAddress, replicaSettings } from './settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'podgate-replica-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base: ReplicasConfig = { listen: '127.0.0.1:0', connectTimeoutMs: 5000, maxPending: 16 };
const noSa = join(dir, 'no-such-namespace-file');
const long = 'x'.repeat(40);

describe('replica settings', () => {
  it('reads the secret from secretFile (a trailing newline is not part of it) or PODGATE_REPLICAS_SECRET', () => {
    writeFileSync(join(dir, 's'), `${long}\n`);
    expect(replicaSettings({ ...base, secretFile: join(dir, 's'), namespace: 'pg' }, {}, noSa).secret.toString()).toBe(long);
    expect(replicaSettings({ ...base, namespace: 'pg' }, { PODGATE_REPLICAS_SECRET: long }, noSa).secret.toString()).toBe(long);
  });

  it('refuses a short or missing secret with CONFIG_INVALID naming the key', () => {
    writeFileSync(join(dir, 'short'), 'too-short\n');
    expect(() => replicaSettings({ ...base, secretFile: join(dir, 'short'), namespace: 'pg' }, {}, noSa)).toThrow(/replicas\.secretFile: the secret has 9 bytes; at least 32/);
    expect(() => replicaSettings({ ...base, namespace: 'pg' }, {}, noSa)).toThrow(/no secret/);
    expect(() => replicaSettings({ ...base, secretFile: join(dir, 'absent'), namespace: 'pg' }, {}, noSa)).toThrow(/cannot read/);
  });

  it('namespace: the key, else the service account file, else the environment', () => {
    writeFileSync(join(dir, 'ns'), 'podgate-ns\n');
    const env = { PODGATE_REPLICAS_SECRET: long, PODGATE_REPLICAS_NAMESPACE: 'from-env' };
    expect(replicaSettings({ ...base, namespace: 'key' }, env, join(dir, 'ns')).namespace).toBe('key');
    expect(replicaSettings(base, env, join(dir, 'ns')).namespace).toBe('podgate-ns');
    expect(replicaSettings(base, env, noSa).namespace).toBe('from-env');
    expect(() => replicaSettings(base, { PODGATE_REPLICAS_SECRET: long }, noSa)).toThrow(/replicas\.namespace/);
  });

  it('advertise: the key or PODGATE_REPLICAS_ADVERTISE; else the listen host with the bound port, which must be a real host', () => {
    const env = { PODGATE_REPLICAS_SECRET: long };
    const s = replicaSettings({ ...base, namespace: 'pg' }, env, noSa);
    expect(advertiseAddress(s, 41234)).toBe('127.0.0.1:41234');
    expect(advertiseAddress(replicaSettings({ ...base, namespace: 'pg' }, { ...env, PODGATE_REPLICAS_ADVERTISE: '10.1.2.3:7022' }, noSa), 7022)).toBe('10.1.2.3:7022');
    expect(() => replicaSettings({ ...base, listen: '0.0.0.0:7022', namespace: 'pg' }, env, noSa)).toThrow(/replicas\.advertise: needed when replicas\.listen binds every address/);
    expect(() => replicaSettings({ ...base, advertise: '10.1.2.3:0', namespace: 'pg' }, env, noSa)).toThrow(/replicas\.advertise/);
  });
});
