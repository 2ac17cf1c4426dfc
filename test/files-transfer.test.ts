/**
 * Issue #9 acceptance: real OpenSSH scp/sftp/rsync through a real podgate on the emulator, on a
 * debian pod (the container's own sftp-server: fast path) and the busybox-only pod `tiny`
 * (podgate's SFTP and scp over exec), plus a podgate forced to its builtin SFTP server for
 * debian pods (config `files.sftpMode: builtin`) so the exec file layer is proven on dash + coreutils.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator/index.ts';
import type { Emulator } from '../src/emulator/index.ts';
import { startPodgate, type Podgate } from './helpers/podgate.ts';

// The issue asks for 256 MiB (PODGATE_FILES_BIG_MB=256, measured in docs/files.md); the default
// keeps `npm test` short on the shared 2-core machine.
const BIG_MB = Number(process.env.PODGATE_FILES_BIG_MB ?? 64);
const TREE_FILES = Number(process.env.PODGATE_FILES_TREE ?? 1000);

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout also ends the ssh that scp/sftp/rsync started.
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, opts.timeoutMs ?? 280_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function sshOpts(pg: Podgate, user = 'alice'): string[] {
  return ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR', '-i', pg.keyFor(user)];
}
const scp = (pg: Podgate, args: string[], cwd: string): Promise<Run> => run('scp', [...sshOpts(pg), '-P', String(pg.port), ...args], { cwd });
const sftpBatch = (pg: Podgate, target: string, batch: string, cwd: string): Promise<Run> => {
  writeFileSync(join(cwd, 'batch'), batch);
  return run('sftp', [...sshOpts(pg, target.split('+')[0]), '-P', String(pg.port), '-b', 'batch', `${target}@127.0.0.1`], { cwd });
};

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** name → content of every file under dir (names as raw bytes, recursively). */
function snapshot(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) for (const [k, v] of snapshot(join(dir, e.name), `${rel}/`)) out.set(k, v);
    else out.set(rel, readFileSync(join(dir, e.name), 'utf8'));
  }
  return out;
}

const AWKWARD = ['sp ace', "quo'te", 'dq"x', 'new\nline', '-dash', 'caf\u00e9-\u65e5\u672c', '$(x)`y`', 'back\\slash'];

function makeTree(root: string, count: number): void {
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < count; i++) {
    const sub = join(root, `d ${i % 10}${i % 10 === 3 ? "'q" : ''}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${AWKWARD[i % AWKWARD.length]} ${i}`), `file ${i} ${AWKWARD[i % AWKWARD.length]}\n`);
  }
}

let emu: Emulator;
let auto: Podgate;
let builtin: Podgate;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'podgate-files-'));
  emu = await startEmulator({ fixture: 'test/fixtures/cluster.yaml', tls: true, control: true });
  [auto, builtin] = await Promise.all([
    startPodgate({ emulator: emu, startTimeoutMs: 150_000 }),
    startPodgate({ emulator: emu, configPatch: { files: { sftpMode: 'builtin' } }, startTimeoutMs: 150_000 }),
  ]);
  const big = join(work, 'big.bin');
  const chunk = randomBytes(1024 * 1024);
  writeFileSync(big, Buffer.alloc(0));
  for (let i = 0; i < BIG_MB; i++) writeFileSync(big, Buffer.concat([chunk.subarray(0, 1024 * 1024 - 8), Buffer.from(String(i).padStart(8, '0'))]), { flag: 'a' });
}, 300_000);

afterAll(async () => {
  await Promise.allSettled([auto?.stop(), builtin?.stop()]);
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

const TARGETS = [
  { name: 'debian pod, container sftp-server', pg: () => auto, target: 'alice+web-7d9f', tag: 'a' },
  { name: 'busybox pod, podgate SFTP over exec', pg: () => auto, target: 'alice+tiny.prod', tag: 't' },
  { name: 'debian pod, podgate SFTP over exec', pg: () => builtin, target: 'alice+web-7d9f', tag: 'b' },
];

describe.each(TARGETS)('files: $name', ({ pg, target, tag }) => {
  const remote = `/tmp/podgate-files-${tag}-${process.pid}`;

  it(`scp (SFTP mode) moves a ${BIG_MB} MiB file up and down with the same sha256`, async () => {
    const dir = mkdtempSync(join(work, 'big-'));
    expect((await run('ssh', [...sshOpts(pg()), '-p', String(pg().port), `${target}@127.0.0.1`, `mkdir -p ${remote}`])).code).toBe(0);
    const up = await scp(pg(), ['-q', join(work, 'big.bin'), `${target}@127.0.0.1:${remote}/big.bin`], dir);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const down = await scp(pg(), ['-q', `${target}@127.0.0.1:${remote}/big.bin`, join(dir, 'back.bin')], dir);
    expect(down.code).toBe(0);
    expect(await sha256File(join(dir, 'back.bin'))).toBe(await sha256File(join(work, 'big.bin')));
  }, 300_000);

  it(`scp -r copies a tree of ${TREE_FILES} awkwardly named files there and back exactly`, async () => {
    const dir = mkdtempSync(join(work, 'tree-'));
    makeTree(join(dir, 'tree'), TREE_FILES);
    const up = await scp(pg(), ['-q', '-r', 'tree', `${target}@127.0.0.1:${remote}/tree`], dir);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const down = await scp(pg(), ['-q', '-r', `${target}@127.0.0.1:${remote}/tree`, 'back'], dir);
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    const want = snapshot(join(dir, 'tree'));
    expect(want.size).toBe(TREE_FILES);
    expect(snapshot(join(dir, 'back'))).toEqual(want);
  }, 600_000);

  it('sftp -b covers every operation, including a resumed download', async () => {
    const dir = mkdtempSync(join(work, 'batch-'));
    const data = randomBytes(1024 * 1024 + 123);
    writeFileSync(join(dir, 'local.bin'), data);
    writeFileSync(join(dir, 'part.bin'), data.subarray(0, 300 * 1024 + 7));
    const d = `${remote}/b d`;
    const r = await sftpBatch(pg(), target, [
      `mkdir "${d}"`, `cd "${d}"`, 'pwd',
      'put local.bin "up -x it\'s.bin"',
      'reget "up -x it\'s.bin" part.bin',
      'get -p "up -x it\'s.bin" whole.bin',
      'rename "up -x it\'s.bin" moved.bin',
      'ln -s moved.bin sym', 'ln moved.bin hard', 'chmod 640 moved.bin', 'chown 0 moved.bin', 'chgrp 0 moved.bin',
      'ls -l', 'df .', 'rm sym', 'rm hard', 'rm moved.bin', 'cd ..', `rmdir "${d}"`,
    ].join('\n'), dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Remote working directory: ${d}`);
    expect(r.stdout).toMatch(/-rw-r-----\s+\S+\s+\S+\s+\S+\s+1048699 .* moved\.bin/);
    expect(r.stdout).toMatch(/lrwxrwxrwx .* sym/);
    expect(readFileSync(join(dir, 'part.bin'))).toEqual(data);
    expect(readFileSync(join(dir, 'whole.bin'))).toEqual(data);
    expect(statSync(join(dir, 'whole.bin')).mode & 0o777).toBe(0o644 & ~process.umask());
  }, 300_000);

  it('legacy scp -O works both ways', async () => {
    const dir = mkdtempSync(join(work, 'legacy-'));
    const data = randomBytes(512 * 1024 + 5);
    writeFileSync(join(dir, 'o.bin'), data);
    makeTree(join(dir, 'otree'), 30);
    const up = await scp(pg(), ['-O', '-q', 'o.bin', `${target}@127.0.0.1:${remote}/o\\ bin`], dir);
    expect(up.code).toBe(0);
    const down = await scp(pg(), ['-O', '-q', `${target}@127.0.0.1:${remote}/o\\ bin`, 'back.bin'], dir);
    expect(down.code).toBe(0);
    expect(readFileSync(join(dir, 'back.bin'))).toEqual(data);
    // Legacy scp carries no newline in names (OpenSSH encodes it), so this tree has none.
    rmSync(join(dir, 'otree'), { recursive: true });
    mkdirSync(join(dir, 'otree', 'sub'), { recursive: true });
    for (const n of AWKWARD.filter((x) => !x.includes('\n'))) writeFileSync(join(dir, 'otree', 'sub', n), n);
    const rup = await scp(pg(), ['-O', '-q', '-r', '-p', 'otree', `${target}@127.0.0.1:${remote}/otree`], dir);
    expect(rup.code).toBe(0);
    const rdown = await scp(pg(), ['-O', '-q', '-r', `${target}@127.0.0.1:${remote}/otree`, 'oback'], dir);
    expect(rdown.code).toBe(0);
    expect(snapshot(join(dir, 'oback'))).toEqual(snapshot(join(dir, 'otree')));
  }, 300_000);
});

describe('files: permissions, audit, rsync', () => {
  it.each([['container sftp-server', () => auto], ['podgate SFTP over exec', () => builtin]])(
    'a uid 65534 pod gets "Permission denied" writing to a root-owned directory (%s)', async (_n, pg) => {
      const dir = mkdtempSync(join(work, 'perm-'));
      writeFileSync(join(dir, 'x.bin'), 'x');
      const r = await sftpBatch(pg(), 'alice+nouser-1.prod', '-put x.bin /x.bin\n-mkdir /nope\n-rename /etc/hostname /etc/h2\n-rm /etc/hostname\nput x.bin /x.bin\n', dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/dest open "\/x\.bin": Permission denied/);
      expect(r.stderr).toMatch(/remote mkdir "\/nope": Permission denied/);
      expect(r.stderr).toMatch(/rename "\/etc\/hostname" to "\/etc\/h2": Permission denied/);
      expect(r.stderr).toMatch(/remote delete \/etc\/hostname: Permission denied/);
    }, 180_000);

  it('every changing file operation is a FILE_OP audit event (both paths)', () => {
    for (const pg of [auto, builtin]) {
      const ops = pg.logs().filter((l) => l['code'] === 'FILE_OP');
      const writes = ops.filter((l) => l['op'] === 'write' && l['result'] === 'ok');
      expect(writes.some((l) => l['size'] === BIG_MB * 1024 * 1024)).toBe(true);
      for (const op of ['mkdir', 'rename', 'symlink', 'setstat', 'remove', 'rmdir']) expect(ops.some((l) => l['op'] === op)).toBe(true);
      expect(ops.some((l) => l['result'] === 'Permission denied')).toBe(true);
      expect(ops.every((l) => typeof l['sessionId'] === 'string' && typeof l['path'] === 'string')).toBe(true);
    }
  });

  it('rsync -av goes up and back through a plain exec on a debian pod', async () => {
    const dir = mkdtempSync(join(work, 'rsync-'));
    makeTree(join(dir, 'src'), 50);
    const e = ['ssh', ...sshOpts(auto), '-p', String(auto.port)].map((a) => `'${a}'`).join(' ');
    const remote = `/tmp/podgate-rsync-${process.pid}/`;
    const up = await run('rsync', ['-av', '-e', e, 'src/', `alice+web-7d9f@127.0.0.1:${remote}`], { cwd: dir });
    expect(up.code).toBe(0);
    const back = await run('rsync', ['-av', '-e', e, `alice+web-7d9f@127.0.0.1:${remote}`, 'back/'], { cwd: dir });
    expect(back.code).toBe(0);
    expect(snapshot(join(dir, 'back'))).toEqual(snapshot(join(dir, 'src')));
    rmSync(remote, { recursive: true, force: true });
  }, 180_000);
});
