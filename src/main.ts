/**
 * The podgate binary: parses the command line, runs the command and exits with its status.
 * The only place in podgate that calls process.exit.
 */
import './ssh/young-generation-pin.ts';
import { runCli } from './cli/program.ts';
import { processOutput } from './cli/output.ts';

function fatal(kind: string, err: unknown): void {
  const line = JSON.stringify({ level: 'fatal', service: 'podgate', code: 'FATAL', kind, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
  process.stdout.write(`${line}\n`);
  process.stderr.write(`podgate: fatal ${kind}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

process.on('uncaughtException', (err) => fatal('uncaught exception', err));
process.on('unhandledRejection', (err) => fatal('unhandled rejection', err));

const code = await runCli(process.argv, processOutput);
process.exit(code);
