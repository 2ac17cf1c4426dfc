/**
 * Allowed `env` requests are for the user's own command or shell only, never for podgate's
 * helper execs (the sftp-server probe, the SFTP/scp file layer): an operator who allows `PATH`
 * (or any name) must not let a client steer which programs podgate's helpers run. With
 * `PATH=/nonexistent` sent by the client, the user's command sees it, and file transfer still
 * works because its helpers never get it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/types.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';
import { runClient, ssh } from './helpers/ssh.ts';

let emu: Emulator;
let pg: Podgate;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-helper-env-'));
  chmodSync(work, 0o777);
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  pg = await startPodgate({ emulator: emu, configPatch: { session: { envAllow: ['PATH', 'LANG'] } } });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const setPath = ['-o', 'SetEnv=PATH=/nonexistent'];
const opts = (): string[] => ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
  '-i', pg.keyFor('alice'), '-P', String(pg.port), ...setPath];

describe('client env stays out of helper execs', () => {
  it('the user command gets the allowed env', async () => {
    const r = await ssh(pg, 'alice+web-7d9f', ['echo "$PATH"'], { extraArgs: setPath });
    expect(r.stdout.toString()).toBe('/nonexistent\n');
  }, 60_000);

  it.each([['sftp (container sftp-server)', 'web-7d9f'], ['sftp (podgate SFTP over exec)', 'tiny.prod']])('%s still works', async (_n, target) => {
    const dest = target === 'tiny.prod' ? '/tmp/helper-env.txt' : join(work, 'sftp.txt');
    writeFileSync(join(work, 'src.txt'), 'env-free\n');
    const r = await runClient('/usr/bin/sftp', [...opts(), '-b', '-', `alice+${target}@127.0.0.1`], { input: `put ${join(work, 'src.txt')} ${dest}\nget ${dest} ${join(work, `back-${target}.txt`)}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(work, `back-${target}.txt`), 'utf8')).toBe('env-free\n');
  }, 60_000);

  it.each([['container scp', 'web-7d9f'], ['podgate scp', 'tiny.prod']])('scp -O (%s) still works', async (_n, target) => {
    const dest = target === 'tiny.prod' ? '/tmp/helper-env-o.txt' : join(work, 'scp-o.txt');
    writeFileSync(join(work, 'o.txt'), 'legacy\n');
    const up = await runClient('/usr/bin/scp', [...opts(), '-O', join(work, 'o.txt'), `alice+${target}@127.0.0.1:${dest}`]);
    expect(up.code, up.stderr).toBe(0);
    const down = await runClient('/usr/bin/scp', [...opts(), '-O', `alice+${target}@127.0.0.1:${dest}`, join(work, `o-back-${target}.txt`)]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(join(work, `o-back-${target}.txt`), 'utf8')).toBe('legacy\n');
  }, 60_000);
});
