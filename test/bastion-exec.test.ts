/**
 * The session bridge end to end with the real OpenSSH client against `podgate serve` and the
 * emulator: exec semantics (exit status, signals, stdout/stderr, stdin EOF, env), bulk data,
 * workload resolution, the default container, concurrency and impersonation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClient, ssh, waitFor } from './helpers/ssh.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();

const text = (b: Buffer): string => b.toString('utf8');

describe('exec sessions', () => {
  it('propagates exit statuses 0, 1, 3 and 255', async () => {
    for (const code of [0, 1, 3, 255]) {
      const r = await ssh(bastion.pg, 'alice+web-7d9f', [`exit ${code}`]);
      expect(r.code, r.stderr).toBe(code);
    }
  });

  it('a command killed by SIGTERM exits 143 (128+15)', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['kill -TERM $$; sleep 5']);
    expect(r.code, r.stderr).toBe(143);
  });

  it('keeps stdout and stderr apart without a PTY, drained before the exit status', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['echo out; echo err >&2; head -c 300000 /dev/zero | tr "\\0" e >&2; echo done; exit 7']);
    expect(r.code).toBe(7);
    expect(text(r.stdout)).toBe('out\ndone\n');
    expect(r.stderr.startsWith('err\n')).toBe(true);
    expect(r.stderr.length).toBe(4 + 300_000);
  });

  it('stdin EOF reaches the command: echo hi | ssh ... cat ends by itself', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['cat'], { input: 'hi\n', timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(text(r.stdout)).toBe('hi\n');
  });

  it('runs the command with /bin/sh -c like sshd (quoting, pipes, variables)', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['printf "%s|" "a b" \'$HOME\'; echo; echo x | tr x y']);
    expect(text(r.stdout)).toBe('a b|$HOME|\ny\n');
  });

  it('passes allow-listed env requests (LANG, LC_*) and drops others', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['echo "$LANG|$LC_TIME|${FOO-unset}"'], {
      extraArgs: ['-o', 'SetEnv=LANG=C.UTF-8 LC_TIME=POSIX FOO=bar'],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(text(r.stdout)).toBe('C.UTF-8|POSIX|unset\n');
  });

  it('moves 100 MiB through stdin and back byte-exact', async () => {
    const data = randomBytes(100 * 1024 * 1024);
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['cat'], { input: data, timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(createHash('sha256').update(r.stdout).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const end = await waitFor(() => {
      const found = bastion.pg.logs().filter((l) => l['code'] === 'SESSION_END' && l['command'] === 'cat' && l['bytesIn'] === data.length);
      return found.length > 0 ? found : null;
    }, 'SESSION_END of the 100 MiB cat');
    expect(end.length).toBe(1);
    expect(end[0]['bytesOut']).toBe(data.length);
  }, 180_000);
});

describe('targets', () => {
  async function containerOf(target: string): Promise<{ pod: unknown; container: unknown; namespace: unknown }> {
    const marker = `mark-${randomBytes(4).toString('hex')}`;
    const r = await ssh(bastion.pg, `alice+${target}`, [`echo ${marker}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(text(r.stdout)).toBe(`${marker}\n`);
    const start = bastion.pg.logs().find((l) => l['code'] === 'SESSION_START' && l['command'] === `echo ${marker}`)!;
    return { pod: start['pod'], container: start['container'], namespace: start['namespace'] };
  }

  it('a bare workload name resolves to a Running and Ready pod of the Deployment', async () => {
    const got = await containerOf('web.prod');
    expect(got.namespace).toBe('prod');
    expect(['web-5d4c8b-x2k9p', 'web-5d4c8b-q7m4z']).toContain(got.pod);
    expect(['web-5d4c8b-x2k9p', 'web-5d4c8b-q7m4z']).toContain((await containerOf('deploy~web.prod')).pod);
  });

  it('sts~db.prod and the bare name db.prod land in db-0', async () => {
    expect(await containerOf('sts~db.prod')).toEqual({ pod: 'db-0', container: 'db', namespace: 'prod' });
    expect((await containerOf('db.prod')).pod).toBe('db-0');
  });

  it('the default-container annotation picks main; +sidecar picks the sidecar', async () => {
    expect((await containerOf('multi.prod')).container).toBe('main');
    expect((await containerOf('multi.prod+sidecar')).container).toBe('sidecar');
    const r = await ssh(bastion.pg, 'alice+multi.prod', ['echo $HOSTNAME']);
    expect(text(r.stdout)).toBe('multi\n');
  });

  it('busybox and dash containers run commands and report exit codes', async () => {
    const tiny = await ssh(bastion.pg, 'alice+tiny.prod', ['echo $0; exit 4']);
    expect(tiny.code, tiny.stderr).toBe(4);
    const dash = await ssh(bastion.pg, 'alice+dash-1.prod', ['echo ok; exit 5']);
    expect(dash.code, dash.stderr).toBe(5);
    expect(text(dash.stdout)).toBe('ok\n');
  });
});

describe('concurrency and impersonation', () => {
  it('50 concurrent sessions each get their own correct output', async () => {
    // Each session stays open a few seconds, so all 50 are open at once; starts are spread
    // over ~2.5 s so the in-process emulator is not handed 200 API requests in one tick.
    const runs = Array.from({ length: 50 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 50));
      return ssh(bastion.pg, i % 2 ? 'alice+web-7d9f' : 'alice+web.prod', [`echo session-${i}; echo err-${i} >&2; sleep 6; exit ${i % 7}`], { timeoutMs: 100_000 });
    });
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(i % 7);
      expect(text(r.stdout)).toBe(`session-${i}\n`);
      expect(r.stderr).toBe(`err-${i}\n`);
    });
    // From podgate's own audit: how many of these sessions were open at the same moment.
    let open = 0;
    let peak = 0;
    for (const l of bastion.pg.logs()) {
      if (!/^echo session-\d+;/.test(String(l['command']))) continue;
      if (l['code'] === 'SESSION_START') peak = Math.max(peak, ++open);
      if (l['code'] === 'SESSION_END') open--;
    }
    console.log(`50 sessions: at most ${peak} open at once`);
    expect(peak).toBeGreaterThanOrEqual(40);
  }, 150_000);

  it('every exec is impersonated as the user with all groups', async () => {
    await ssh(bastion.pg, 'alice+web-7d9f', ['true']);
    const execs = (await bastion.emu.requests()).filter((r) => r.path.endsWith('/exec'));
    expect(execs.length).toBeGreaterThan(50);
    for (const e of execs) {
      expect(e.user).toBe('system:serviceaccount:podgate:podgate');
      expect(e.impersonatedUser).toBe('alice');
      expect(e.impersonatedGroups).toContain('dev');
    }
  });

  it('audits session start and end with identity, target, bytes, duration and reason', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['echo audit-me'], {});
    expect(r.code).toBe(0);
    const end = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === 'echo audit-me'), 'SESSION_END');
    expect(end).toMatchObject({
      user: 'alice', identity: { user: 'alice', groups: ['dev'] }, namespace: 'default', pod: 'web-7d9f', container: 'app',
      pty: false, exitCode: 0, bytesIn: 0, bytesOut: 9, reason: 'exit',
    });
    expect(typeof end['durationMs']).toBe('number');
    expect(typeof end['connId']).toBe('string');
  });
});

describe('jump-host form (ssh -J alice@bastion TARGET)', () => {
  function sshConfig(): string {
    const path = join(bastion.pg.dir, 'ssh_config');
    const common = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null', 'BatchMode yes', 'LogLevel ERROR', `IdentityFile ${bastion.pg.keyFor('alice')}`, 'IdentitiesOnly yes'];
    writeFileSync(path, [
      'Host bastion', '  HostName 127.0.0.1', `  Port ${bastion.pg.port}`, '  User alice', ...common.map((c) => `  ${c}`),
      'Host *.prod web-7d9f', '  ProxyJump bastion', ...common.map((c) => `  ${c}`), '',
    ].join('\n'));
    return path;
  }

  it('ProxyJump to a plain TARGET host name runs commands there with exit status and stdin', async () => {
    const cfg = sshConfig();
    const r = await runClient('/usr/bin/ssh', ['-F', cfg, 'multi.prod', 'echo "$HOSTNAME"; cat; exit 9'], { input: 'through-the-jump\n' });
    expect(r.code, r.stderr).toBe(9);
    expect(text(r.stdout)).toBe('multi\nthrough-the-jump\n');
    const j = await runClient('/usr/bin/ssh', ['-F', cfg, '-J', 'bastion', 'web-7d9f', 'echo jumped']);
    expect(j.code, j.stderr).toBe(0);
    expect(text(j.stdout)).toBe('jumped\n');
    const start = bastion.pg.logs().find((l) => l['code'] === 'SESSION_START' && l['command'] === 'echo jumped');
    expect(start).toMatchObject({ user: 'alice', namespace: 'default', pod: 'web-7d9f', container: 'app' });
  });

  it('errors in the jump form are the same podgate: lines with 255', async () => {
    const cfg = sshConfig();
    const r = await runClient('/usr/bin/ssh', ['-F', cfg, 'nope.prod', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('podgate: pod or workload "nope" not found in namespace "prod"\n');
  });
});
