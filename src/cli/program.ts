/**
 * The `podgate` command line (docs/contract.md §6). Each command resolves to an exit status; main.ts
 * is the only place that exits the process.
 */
import { Command, CommanderError, Option } from 'commander';
import { versionLine } from '../version.ts';
import { withOverrides } from './observed-logger.ts';
import type { Output } from './output.ts';

/** Usage errors and invalid input (docs/errors.md, exit statuses). */
const EXIT_INVALID = 2;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export async function runCli(argv: string[], out: Output): Promise<number> {
  let result: Promise<number> = Promise.resolve(0);
  const program = new Command('podgate')
    .description('An SSH bastion for Kubernetes: ssh USER+POD@bastion lands in the pod, RBAC decides.')
    .version(versionLine(), '-V, --version', 'print the version and the commit it was built from')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.out(s.trimEnd()), writeErr: (s) => out.err(s.trimEnd()) })
    .showHelpAfterError();
  // No defaults: absent, the config's log.level / log.format apply.
  const logLevel = () => new Option('--log-level <level>', 'log level (overrides log.level)').choices(LEVELS);
  const logFormat = () => new Option('--log-format <format>', 'json or text (overrides log.format)').choices(['json', 'text']);

  program
    .command('serve')
    .description('run the bastion')
    .requiredOption('-c, --config <file>', 'YAML config file (docs/contract.md §5)')
    .option('--listen <host:port>', 'SSH listen address (overrides listen)')
    .option('--kubeconfig <file>', 'kubeconfig (overrides kubernetes.kubeconfig)')
    .option('--context <name>', 'kubeconfig context (overrides kubernetes.context)')
    .addOption(logLevel())
    .addOption(logFormat())
    .action((o: { config: string; listen?: string; kubeconfig?: string; context?: string; logLevel?: string; logFormat?: string }) => {
      // Commands load their modules on demand: check-config and keygen start fast without
      // the Kubernetes client, ssh2 server and emulator.
      result = import('./serve.ts').then(({ serve }) => serve(o, { makeLogger: withOverrides(o), out }));
    });

  program
    .command('demo')
    .description('run the bastion on an embedded Kubernetes API emulator with demo pods and a demo user')
    .option('--listen <host:port>', 'SSH listen address', '127.0.0.1:2222')
    .option('--kubeconfig-out <file>', 'also write a kubeconfig for the emulator (for kubectl)')
    .option('--dir <dir>', 'where demo keys, config and log are kept', '.podgate-demo')
    .option('--fixture <file>', 'an emulator fixture to use instead of the demo one')
    .addOption(logLevel())
    .addOption(logFormat())
    .action((o: { listen: string; kubeconfigOut?: string; dir: string; fixture?: string; logLevel?: string; logFormat?: string }) => {
      result = import('./load-demo.ts').then(({ runDemoCommand }) => runDemoCommand(o, out, withOverrides(o)));
    });

  program
    .command('keygen')
    .description('write SSH host keys (ed25519, and RSA 3072 for old clients); existing keys are kept')
    .requiredOption('--dir <dir>', 'directory for ssh_host_ed25519_key and ssh_host_rsa_key')
    .option('--no-rsa', 'write only the ed25519 key')
    .action((o: { dir: string; rsa: boolean }) => {
      result = import('./keygen.ts').then(({ keygen }) => keygen(o.dir, { rsa: o.rsa })).then((r) => {
        for (const p of r.written) out.out(`wrote ${p} (+ .pub)`);
        for (const p of r.kept) out.out(`kept ${p}: exists, not overwritten`);
        return 0;
      });
    });

  program
    .command('check-config')
    .description('validate a config file: exit 0 when valid, 2 with every error when not')
    .argument('<file>', 'YAML config file')
    .action((file: string) => {
      result = import('./check-config.ts').then(({ checkConfig }) => checkConfig(file, out));
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else commander rejects is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    throw err;
  }
  return result;
}
