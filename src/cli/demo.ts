/**
 * `podgate demo`: the whole thing on one machine. Starts the Kubernetes API emulator with the
 * demo fixture (TLS), keeps host keys and a demo user key in `.podgate-demo/` (made once,
 * reused after), writes a config for user `demo`, runs the bastion and prints the exact ssh
 * line to try. The JSON log goes to `.podgate-demo/podgate.log` so the terminal stays readable.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { stringify } from 'yaml';
import { parseListen } from '../config/listen.ts';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { ConfigInvalidError, formatIssue, loadConfig } from '../config/load.ts';
import type { MakeLogger } from './observed-logger.ts';
import { readDemoFixture } from './demo-fixture.ts';
import { demoInstructions } from './demo-instructions.ts';
import { ensureKeyPair } from './keygen.ts';
import type { Output } from './output.ts';
import { EXIT_FAILURE, EXIT_INVALID } from './exit-codes.ts';
import { readHostKeys } from './host-keys.ts';
import { runBastion } from './run-bastion.ts';

export const DEMO_FIXTURE = fileURLToPath(new URL('../emulator/fixtures/demo.yaml', import.meta.url));

export interface DemoOptions {
  listen: string;
  /** Another emulator fixture instead of the demo one (its bindings decide the demo identity). */
  fixture?: string;
  kubeconfigOut?: string;
  dir: string;
}

/** A path as the user should type it: relative to the cwd when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export async function runDemo(
  o: DemoOptions,
  out: Output,
  makeLogger: MakeLogger,
): Promise<number> {
  const listen = parseListen(o.listen);
  if ('error' in listen) {
    out.err(`podgate: --listen: ${listen.error}`);
    return EXIT_INVALID;
  }
  const dir = resolve(o.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const userKey = join(dir, 'demo_ed25519');
  await ensureKeyPair(hostKey, 'ed25519', 'podgate-demo-host');
  await ensureKeyPair(userKey, 'ed25519', 'demo@podgate-demo');
  const fixture = o.fixture === undefined ? DEMO_FIXTURE : resolve(o.fixture);
  const facts = await readDemoFixture(fixture);

  let emulator: Emulator;
  try {
    emulator = await startEmulator({ fixture, tls: true });
  } catch (err) {
    out.err(`podgate: the demo's Kubernetes API emulator did not start: ${(err as Error).message}`);
    return EXIT_FAILURE;
  }
  const kubeconfig = join(dir, 'kubeconfig');
  emulator.writeKubeconfig(kubeconfig, { token: facts.podgateToken });
  if (o.kubeconfigOut !== undefined) emulator.writeKubeconfig(resolve(o.kubeconfigOut), { token: facts.adminToken ?? facts.podgateToken });

  const configFile = join(dir, 'config.yaml');
  const publicKey = (await readFile(`${userKey}.pub`, 'utf8')).trim();
  const configDoc = {
    listen: o.listen,
    hostKeys: ['ssh_host_ed25519_key'],
    kubernetes: { kubeconfig: 'kubeconfig' },
    users: [{ name: 'demo', publicKeys: [publicKey], kubernetes: facts.identity }],
    metrics: { listen: `${listen.host}:0` },
    stateDir: 'state',
    limits: { shutdownGraceSeconds: 2 },
    // The demo's log is read by people: human-readable lines (serve's default is JSON).
    log: { format: 'text' },
  };
  await writeFile(configFile, `# Written by podgate demo on every start; edit a copy for your own use.\n${stringify(configDoc, { lineWidth: 0 })}`);
  let config;
  try {
    config = await loadConfig(configFile);
  } catch (err) {
    if (err instanceof ConfigInvalidError) for (const issue of err.issues) out.err(formatIssue(configFile, issue));
    await emulator.close();
    return EXIT_INVALID;
  }

  const logFile = join(dir, 'podgate.log');
  const { logger, metrics } = makeLogger(config.log, pino.destination({ dest: logFile, sync: true, append: true }));
  const demoPod = pickPod(facts.pods);
  return runBastion({
    config,
    hostKeys: await readHostKeys(config.hostKeys),
    logger,
    metrics,
    out,
    alsoClose: () => emulator.close(),
    onListening: (where) => {
      const lines = demoInstructions({
        ssh: where.ssh,
        key: shown(userKey),
        pod: demoPod,
        metrics: where.metrics,
        log: shown(logFile),
        kubeconfigOut: o.kubeconfigOut === undefined ? null : shown(resolve(o.kubeconfigOut)),
        apiUrl: emulator.url,
      });
      for (const line of lines) out.out(line);
    },
  });
}

/** The pod the printed ssh line enters: web-7d9f if the fixture has it, else its first default-namespace pod. */
function pickPod(pods: string[]): string {
  if (pods.includes('default/web-7d9f')) return 'web-7d9f';
  const inDefault = pods.find((p) => p.startsWith('default/'));
  if (inDefault) return inDefault.slice('default/'.length);
  const first = pods[0];
  if (first === undefined) return 'web-7d9f';
  const [ns, name] = first.split('/');
  return `${name}.${ns}`;
}
