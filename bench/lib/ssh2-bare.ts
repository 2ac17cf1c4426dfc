/**
 * The ceiling reference for throughput: a bare ssh2 server (the SSH library podgate is built
 * on, same algorithms as podgate) that runs each exec as a local `/bin/sh -c` with pipes, as
 * sshd does: no Kubernetes, no TLS, no WebSocket. What podgate gets is bounded by this.
 *
 * Run as its own process (like sshd): `node --import tsx bench/lib/ssh2-bare.ts HOSTKEY AUTHORIZED_PUB [SOURCE_URL CA_FILE]`.
 * Prints `{"port":N}` once listening. One public key is accepted; everything else is refused.
 * With SOURCE_URL (a bench/lib/stream-source.ts server) it is the relay matrix's floor instead:
 * each exec reads that server's exec stream (bench/lib/floor-relay.ts) rather than running locally.
 */
import { spawn as spawnChild } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { constants } from 'node:os';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { HARDENED_ALGORITHMS, IDENT } from '../../src/ssh/algorithms.ts';
import { PINNED } from '../../src/ssh/young-generation.ts';
import { startServerProcess } from './proc.ts';
import { relayExec } from './floor-relay.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Ssh2Bare {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server in a child process (so it has its own event loop and CPU accounting). */
export async function startSsh2Bare(hostKeyPath: string, authorizedPubPath: string, relay?: { url: string; caFile: string }): Promise<Ssh2Bare> {
  // As the relay matrix's floor it gets podgate's GC setting (src/ssh/young-generation.ts) from
  // the start, before tsx compiles anything, as bin/podgate.js does: like for like.
  const gc = relay ? PINNED : [];
  const proc = await startServerProcess([process.execPath, ...gc, '--import', 'tsx', fileURLToPath(import.meta.url), hostKeyPath, authorizedPubPath, ...(relay ? [relay.url, relay.caFile] : [])], {
    what: 'ssh2-bare', cwd: join(HERE, '../..'), ready: (out) => PORT_LINE.test(out),
  });
  return { port: Number(PORT_LINE.exec(proc.stdout)![1]), pid: proc.pid, stop: () => proc.stop(5000) };
}

const PORT_LINE = /\{"port":(\d+)\}/;

function serve(hostKeyPath: string, authorizedPubPath: string, relay?: { url: string; ca: string }): void {
  const allowed = ssh2.utils.parseKey(readFileSync(authorizedPubPath));
  if (allowed instanceof Error) throw allowed;
  const allowedKey = Array.isArray(allowed) ? (allowed as ParsedKey[])[0] : allowed;
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
        if (relay) return relayExec(ch, relay.url, relay.ca, info.command);
        const proc = spawnChild('/bin/sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'] });
        proc.stdin.on('error', () => { /* process exited first */ });
        ch.pipe(proc.stdin);
        proc.stdout.pipe(ch, { end: false });
        proc.stderr.pipe(ch.stderr, { end: false });
        let outputs = 2;
        let code: number | null = null;
        const finish = (): void => {
          if (outputs > 0 || code === null) return;
          ch.exit(code);
          ch.end();
        };
        proc.stdout.on('end', () => { outputs--; finish(); });
        proc.stderr.on('end', () => { outputs--; finish(); });
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
  serve(process.argv[2], process.argv[3], process.argv[4] ? { url: process.argv[4], ca: readFileSync(process.argv[5], 'utf8') } : undefined);
}
