/**
 * Runs the emulator alone:
 *   node --import tsx src/emulator/main.ts --fixture F [--listen 127.0.0.1:0] [--tls|--no-tls]
 *        [--kubeconfig-out K] [--token T] [--control] [--server-version 1.35.0]
 * Prints the URL on stdout (one JSON line: {"url":...,"kubeconfig":...}); SIGTERM/SIGINT close it,
 * killing every container process.
 */
import { Command } from 'commander';
import { startEmulator } from './index.ts';

const program = new Command()
  .name('podgate-emulator')
  .option('--fixture <file>', 'fixture YAML', 'test/fixtures/cluster.yaml')
  .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
  .option('--tls', 'serve HTTPS with a generated CA (default)', true)
  .option('--no-tls', 'serve plain HTTP')
  .option('--kubeconfig-out <file>', 'write a kubeconfig for the emulator here')
  .option('--token <token>', 'bearer token written into the kubeconfig', 'admin-token')
  .option('--control', 'serve the test control surface under /_emulator/', false)
  .option('--server-version <v>', 'Kubernetes version to report and follow (default: the fixture\'s, else v1.33.4)');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ fixture: string; listen: string; tls: boolean; kubeconfigOut?: string; token: string; control: boolean; serverVersion?: string }>();
  const emu = await startEmulator({ fixture: o.fixture, listen: o.listen, tls: o.tls, control: o.control, ...(o.serverVersion ? { serverVersion: o.serverVersion } : {}) });
  if (o.kubeconfigOut) emu.writeKubeconfig(o.kubeconfigOut, { token: o.token });
  process.stdout.write(`${JSON.stringify({ url: emu.url, kubeconfig: o.kubeconfigOut ?? null })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emu.close().then(() => { process.exitCode = 0; }, (err: unknown) => {
      process.stderr.write(`emulator: close failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }).finally(() => process.exit());
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
