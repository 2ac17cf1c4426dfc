/**
 * Interactive sessions with a PTY (OpenSSH in tmux): login shell, TERM and size reach the
 * container, window-change resizes it, exit status comes back. And backpressure: a slow
 * reader (or a slow pod) must not make podgate buffer.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ssh, sshArgs, tmuxTracker, waitFor } from './helpers/ssh.ts';
import { useBastion } from './helpers/bastion-suite.ts';

const bastion = useBastion();
const tmuxes = tmuxTracker();

afterAll(async () => {
  tmuxes.killAll();
});

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

describe('interactive shell with a PTY', () => {
  it('gets a login shell with TERM and the size, follows resizes, returns the exit status', async () => {
    const t = tmuxes.start(bastion.pg, 'alice+web-7d9f', [], { cols: 100, rows: 30 });
    t.type('echo READY-$((40+2))', true);
    await t.waitFor(/READY-42/);
    t.type('echo "size=$(stty size) term=$TERM tty=$(tty) shell=$0"', true);
    const pane = await t.waitFor(/size=\d+ \d+ term=\S+ tty=\S+ shell=\S+/);
    expect(pane).toMatch(/size=30 100 /);
    expect(pane).toMatch(/term=(screen|tmux)\S*/);
    expect(pane).toMatch(/tty=\/dev\/pts\/\d+/);
    expect(pane).toMatch(/shell=-?bash/);

    t.resize(132, 41);
    await new Promise((r) => setTimeout(r, 500));
    t.type('echo "resized=$(stty size)"', true);
    expect(await t.waitFor(/resized=\d+ \d+/)).toMatch(/resized=41 132/);

    t.type('exit 3', true);
    await t.waitFor(/\[ssh exited 3\]/);
    const end = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_END' && l['pty'] === true && l['command'] === null), 'SESSION_END of the shell');
    expect(end).toMatchObject({ exitCode: 3, reason: 'exit', pod: 'web-7d9f' });
  }, 60_000);

  it('a busybox-only container gets sh as its login shell, with the PTY size', async () => {
    const t = tmuxes.start(bastion.pg, 'alice+tiny.prod', [], { cols: 90, rows: 20 });
    t.type('echo "bb=$(stty size)=$((6*7))"', true);
    expect(await t.waitFor(/bb=\d+ \d+=42/)).toMatch(/bb=20 90=42/);
    t.type('exit 2', true);
    await t.waitFor(/\[ssh exited 2\]/);
  }, 60_000);

  it('ssh -tt with a command runs it under a PTY (stderr merged)', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', ['test -t 0 && echo tty-yes; echo to-err >&2; exit 6'], { tty: true });
    expect(r.code).toBe(6);
    expect(r.stdout.toString()).toMatch(/tty-yes\r?\n/);
    expect(r.stdout.toString()).toMatch(/to-err/);
  });

  it('ssh -T without a command runs a shell reading commands from stdin (no PTY)', async () => {
    const r = await ssh(bastion.pg, 'alice+web-7d9f', [], { input: 'echo from-stdin; test -t 0 || echo no-tty; exit 4\n', extraArgs: ['-T'] });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout.toString()).toBe('from-stdin\nno-tty\n');
  });
});

describe('backpressure', () => {
  it('a slow reader (cat /dev/zero | pv -L 1m) for 30 s: podgate buffers nothing, memory stays flat once warm', async () => {
    const started = Date.now();
    const child = spawn('/bin/sh', ['-c', `exec /usr/bin/ssh ${sshArgs(bastion.pg, 'alice+web-7d9f', ['cat /dev/zero']).map((a) => `'${a}'`).join(' ')} | pv -q -L 1m > /dev/null`], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    const samples: number[] = [];
    try {
      await new Promise((r) => setTimeout(r, 3000)); // session up, windows full
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 500));
        samples.push(rssKiB(bastion.pg.pid) / 1024);
      }
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    const seconds = (Date.now() - started) / 1000;
    // RSS is a sawtooth (young-generation garbage from frames in flight). On Node 24 V8 also
    // grows the young generation under this allocation rate by some 40-50 MiB in the first
    // ~15 s, then stays there (seen with the code of 23fc400 as much as with today's; Node 20
    // did not): so compare the floors once warm (samples 30-39, i.e. 18-23 s in, against the
    // last ten, 28-33 s in), and bound the peak. Buffering would keep climbing at the client's
    // 1 MiB/s; the byte count below is the direct check.
    const floorGrowth = Math.min(...samples.slice(-10)) - Math.min(...samples.slice(30, 40));
    const peakGrowth = Math.max(...samples) - samples[0];
    console.log(`slow reader ${seconds.toFixed(0)} s: RSS first ${samples[0].toFixed(1)} MiB, warm floor growth ${floorGrowth.toFixed(1)} MiB, peak growth ${peakGrowth.toFixed(1)} MiB`);
    expect(floorGrowth).toBeLessThan(4);
    expect(peakGrowth).toBeLessThan(64);
    // What podgate read from the exec stream is what the client consumed (1 MiB/s) plus a
    // bounded amount in flight (SSH window, socket and stream buffers): no unbounded queue.
    const end = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === 'cat /dev/zero'), 'SESSION_END of the slow reader');
    const outMiB = Number(end['bytesOut']) / 1024 / 1024;
    console.log(`slow reader: podgate read ${outMiB.toFixed(1)} MiB from the exec stream in ${seconds.toFixed(0)} s`);
    expect(outMiB).toBeLessThan(seconds * 1.1 + 16);
  }, 60_000);

  it('a slow pod (pv -L 1m reading stdin) throttles the client instead of buffering', async () => {
    const child = spawn('/bin/sh', ['-c', `head -c 2000000000 /dev/zero | exec /usr/bin/ssh ${sshArgs(bastion.pg, 'alice+web-7d9f', ['pv -q -L 1m > /dev/null']).map((a) => `'${a}'`).join(' ')}`], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    try {
      await new Promise((r) => setTimeout(r, 4000));
      const before = rssKiB(bastion.pg.pid);
      let peak = before;
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        peak = Math.max(peak, rssKiB(bastion.pg.pid));
      }
      const growthMiB = (peak - before) / 1024;
      console.log(`slow pod: podgate RSS ${Math.round(before / 1024)} MiB -> peak ${Math.round(peak / 1024)} MiB (+${growthMiB.toFixed(1)} MiB)`);
      expect(growthMiB).toBeLessThan(24);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    const end = await waitFor(() => bastion.pg.logs().find((l) => l['code'] === 'SESSION_END' && l['command'] === 'pv -q -L 1m > /dev/null'), 'SESSION_END of the slow pod');
    const inMiB = Number(end['bytesIn']) / 1024 / 1024;
    console.log(`slow pod: podgate took ${inMiB.toFixed(1)} MiB from the client in about 12 s`);
    expect(inMiB).toBeLessThan(12 * 1.1 + 16);
  }, 60_000);
});
