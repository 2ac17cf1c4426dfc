/**
 * The ceiling reference for throughput: a bare ssh2 server (the SSH library podgate is built
 * on, same algorithms as podgate) that runs each exec as a local `/bin/sh -c` with pipes, as
 * sshd does: no Kubernetes, no TLS, no WebSocket. What podgate gets is bounded by this.
 *
 * Run as its own process (like sshd): `node --import tsx bench/lib/ssh2-bare.ts HOSTKEY AUTHORIZED_PUB`.
 * Prints `{"port":N}` once listening. One public key is accepted; everything else is refused.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:os';
import ssh2 from 'ssh2';
import { HARDENED_ALGORITHMS, IDENT } from '../../src/ssh/algorithms.ts';
import { sleep } from './proc.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Ssh2Bare {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server in a child process (so it has its own event loop and CPU accounting). */
export async function startSsh2Bare(hostKeyPath: string, authorizedPubPath: string): Promise<Ssh2Bare> {
  const child: ChildProcess = spawnChild(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), hostKeyPath, authorizedPubPath], {
    cwd: join(HERE, '../..'), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { err += d; });
  let exited = false;
  const gone = new Promise<void>((r) => child.once('close', () => { exited = true; r(); }));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`ssh2-bare did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.once('close', () => { clearTimeout(t); reject(new Error(`ssh2-bare exited: ${err}`)); });
  });
  return {
    port,
    pid: child.pid!,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

function serve(hostKeyPath: string, authorizedPubPath: string): void {
  const allowed = ssh2.utils.parseKey(readFileSync(authorizedPubPath));
  if (allowed instanceof Error) throw allowed;
  const allowedKey = Array.isArray(allowed) ? allowed[0]! : allowed;
  const allowedPub = allowedKey.getPublicSSH();
  const server = new ssh2.Server({ hostKeys: [readFileSync(hostKeyPath)], algorithms: HARDENED_ALGORITHMS, ident: IDENT }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.key.algo !== allowedKey.type) return ctx.reject(['publickey']);
      const data = ctx.key.data;
      if (data.length !== allowedPub.length || !timingSafeEqual(data, allowedPub)) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob && allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('error', () => { /* client gone */ });
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec, _reject, info) => {
        const ch = acceptExec();
        const proc = spawnChild('/bin/sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
        proc.stdin!.on('error', () => { /* process exited first */ });
        ch.pipe(proc.stdin!);
        proc.stdout!.pipe(ch, { end: false });
        proc.stderr!.pipe(ch.stderr, { end: false });
        let outputs = 2;
        let code: number | null = null;
        const finish = (): void => {
          if (outputs > 0 || code === null) return;
          ch.exit(code);
          ch.end();
        };
        proc.stdout!.on('end', () => { outputs--; finish(); });
        proc.stderr!.on('end', () => { outputs--; finish(); });
        proc.on('exit', (c, sig) => { code = c ?? 128 + (sig ? constants.signals[sig] : 127); finish(); });
      });
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  });
  process.on('SIGTERM', () => { server.close(); process.exit(0); });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  serve(process.argv[2]!, process.argv[3]!);
}
