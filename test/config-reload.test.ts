/**
 * Reload without dropping sessions, with real OpenSSH clients: a config change (SIGHUP, a
 * rewritten file, or the ConfigMap `..data` symlink swap Kubernetes does) adds a user who can
 * log in at once, ends a removed user's session with a clear message, and leaves the running
 * sessions of unchanged users alone. An invalid config is refused and the old one stays.
 */
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import { makeKeyDir, type KeyDir } from './helpers/keys.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { ssh, waitFor } from './helpers/ssh.ts';

let emulator: Emulator;
let keys: KeyDir;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true });
  keys = makeKeyDir('podgate-reload-keys-');
}, 120_000);

afterAll(async () => {
  keys?.cleanup();
  await emulator?.close();
}, 60_000);

type Doc = { users: { name: string; publicKeys: string[]; kubernetes: { user: string; groups: string[] } }[] } & Record<string, unknown>;
const reloads = (p: Podgate, code: string) => p.logs().filter((l) => l.code === code).length;

describe('config reload', () => {
  it('SIGHUP and a rewritten file: a new user logs in, a removed user is told, running sessions continue', async () => {
    const podgate = await startPodgate({ emulator });
    try {
      // alice's session runs across the reload; bob's ends when bob is removed.
      const alice = ssh(podgate, 'alice+web-7d9f', ['sh', '-c', 'sleep 4; echo survived'], { timeoutMs: 90_000 });
      const bob = ssh(podgate, 'bob+api-0.staging', ['sleep', '60'], { timeoutMs: 90_000 });
      await waitFor(() => podgate.logs().filter((l) => l.code === 'SESSION_START' || l.code === 'SESSION_DENIED').length >= 2, 'both sessions to start', 60_000);

      const dave = keys.generate('dave');
      const doc = parse(readFileSync(podgate.configPath, 'utf8')) as Doc;
      doc.users = doc.users.filter((u) => u.name !== 'bob');
      doc.users.push({ name: 'dave', publicKeys: [dave.publicKey], kubernetes: { user: 'alice', groups: ['dev'] } });
      writeFileSync(`${podgate.configPath}.tmp`, stringify(doc));
      renameSync(`${podgate.configPath}.tmp`, podgate.configPath);
      await waitFor(() => reloads(podgate, 'CONFIG_RELOADED') === 1, 'the file change to reload the config', 30_000);
      const reloaded = podgate.logs().find((l) => l.code === 'CONFIG_RELOADED')!;
      expect(reloaded).toMatchObject({ trigger: 'file-change', added: ['dave'], removed: ['bob'] });

      const hello = await ssh(podgate, 'dave+web-7d9f', ['echo', 'hello-dave'], { key: dave.privateKeyPath, timeoutMs: 60_000 });
      expect(hello.stdout.toString()).toBe('hello-dave\n');
      expect(hello.code).toBe(0);

      const bobEnd = await bob;
      expect(bobEnd.code).toBe(255);
      expect(bobEnd.stderr).toContain('podgate: your user was removed from the bastion configuration; session ended');
      expect(podgate.logs().some((l) => l.code === 'SESSION_END' && l.user === 'bob' && l.reason === 'user-removed')).toBe(true);
      const bobAgain = await ssh(podgate, 'bob+api-0.staging', ['true'], { timeoutMs: 30_000 });
      expect(bobAgain.code).toBe(255);

      const aliceEnd = await alice;
      expect(aliceEnd.stdout.toString()).toBe('survived\n');
      expect(aliceEnd.code).toBe(0);

      // An invalid config is refused, with the error logged, and the running one stays.
      writeFileSync(podgate.configPath, 'users: 5\n');
      podgate.kill('SIGHUP');
      await waitFor(() => podgate.logs().some((l) => l.code === 'CONFIG_RELOAD_FAILED' && JSON.stringify(l.errors).includes('users')), 'the invalid config to be refused', 30_000);
      const still = await ssh(podgate, 'dave+web-7d9f', ['echo', 'still'], { key: dave.privateKeyPath, timeoutMs: 60_000 });
      expect(still.stdout.toString()).toBe('still\n');
      expect(reloads(podgate, 'CONFIG_RELOADED')).toBe(1);
      expect((await fetch(`http://127.0.0.1:${podgate.metricsPort}/readyz`)).status).toBe(200);
    } finally {
      await podgate.stop();
    }
  }, 240_000);

  it('follows the ConfigMap ..data symlink swap Kubernetes does', async () => {
    const podgate = await startPodgate({ emulator, configLayout: 'configmap' });
    try {
      const erin = keys.generate('erin');
      const doc = parse(readFileSync(podgate.configPath, 'utf8')) as Doc;
      doc.users.push({ name: 'erin', publicKeys: [erin.publicKey], kubernetes: { user: 'alice', groups: ['dev'] } });
      // What the kubelet's atomic writer does: a new timestamped dir, a new ..data link renamed over the old.
      const cm = join(podgate.dir, 'cm');
      const next = '..2026_01_01_00_05_00.000000002';
      mkdirSync(join(cm, next));
      writeFileSync(join(cm, next, 'podgate.yaml'), stringify(doc));
      symlinkSync(next, join(cm, '..data_tmp'));
      renameSync(join(cm, '..data_tmp'), join(cm, '..data'));
      await waitFor(() => reloads(podgate, 'CONFIG_RELOADED') === 1, 'the symlink swap to reload the config', 30_000);
      const r = await ssh(podgate, 'erin+web-7d9f', ['echo', 'hello-erin'], { key: erin.privateKeyPath, timeoutMs: 60_000 });
      expect(r.stdout.toString()).toBe('hello-erin\n');
      expect(r.code).toBe(0);
    } finally {
      await podgate.stop();
    }
  }, 180_000);

  it('refuses a change that needs a restart (listen address) and keeps serving', async () => {
    const podgate = await startPodgate({ emulator });
    try {
      const doc = parse(readFileSync(podgate.configPath, 'utf8')) as Doc;
      doc.listen = '127.0.0.1:1';
      writeFileSync(podgate.configPath, stringify(doc));
      await waitFor(() => podgate.logs().find((l) => l.code === 'CONFIG_RELOAD_FAILED'), 'the reload to be refused', 30_000);
      expect(JSON.stringify(podgate.logs().find((l) => l.code === 'CONFIG_RELOAD_FAILED')?.errors)).toContain('listen: changed; this needs a restart');
      const r = await ssh(podgate, 'alice+web-7d9f', ['echo', 'ok'], { timeoutMs: 60_000 });
      expect(r.stdout.toString()).toBe('ok\n');
    } finally {
      await podgate.stop();
    }
  }, 180_000);
});
