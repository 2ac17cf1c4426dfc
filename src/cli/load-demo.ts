/**
 * `podgate demo` is development tooling: it runs the Kubernetes API emulator, which is not part
 * of the product build (tsconfig.build.json leaves out src/emulator, the demo and the test
 * helpers, so the container image holds only what `podgate serve` runs). The demo module is
 * therefore loaded by a specifier the compiler does not follow: from a checkout it is there;
 * in the image (dist/ only) it is absent and the command says so in one line.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MakeLogger } from './observed-logger.ts';
import type { Output } from './output.ts';

/** Exit status when the demo is not available in this build (a usage error: EXIT_INVALID). */
export const EXIT_DEMO_ABSENT = 2;

export interface DemoCommandOptions {
  listen: string;
  fixture?: string;
  kubeconfigOut?: string;
  dir: string;
}

type RunDemo = (o: DemoCommandOptions, out: Output, makeLogger: MakeLogger) => Promise<number>;

/** Exit status when this machine cannot run the demo (EXIT_FAILURE). */
const EXIT_DEMO_UNSUPPORTED = 1;

/**
 * Why this host cannot run the demo, or null. The emulator runs demo pods as real processes in
 * their own network, UTS and mount namespaces (unshare, nsenter, chroot), as each pod's
 * runAsUser: Linux only, and as root.
 */
export function demoHostProblem(platform: string = process.platform, uid: number | undefined = process.getuid?.()): string | null {
  if (platform !== 'linux') return `podgate demo runs on Linux only (its emulator runs demo pods in Linux namespaces); this is ${platform}: use a Linux VM or container`;
  if (uid !== 0) return 'podgate demo needs root: its emulator runs demo pods in their own namespaces as their runAsUser (run `sudo npm start`, or inside a Linux container)';
  return null;
}

/** The demo module, relative to this file; tests point it elsewhere to see the absent case. */
const DEMO_MODULE = './demo.ts';

export async function runDemoCommand(
  o: DemoCommandOptions,
  out: Output,
  makeLogger: MakeLogger,
  specifier: string = DEMO_MODULE,
): Promise<number> {
  // In dist/ the compiled module is demo.js; from a checkout, demo.ts runs through tsx.
  const file = fileURLToPath(new URL(specifier, import.meta.url));
  if (![file, file.replace(/\.ts$/, '.js')].some((f) => existsSync(f))) {
    out.err('podgate demo runs from a source checkout: `git clone … && npm ci && npm start` (this build ships only `podgate serve`, `check-config` and `keygen`)');
    return EXIT_DEMO_ABSENT;
  }
  // A variable specifier: tsc neither compiles demo.ts into the product nor follows it here
  // (rewriteRelativeImportExtensions maps .ts to .js at run time in dist/).
  const problem = demoHostProblem();
  if (problem) {
    out.err(problem);
    return EXIT_DEMO_UNSUPPORTED;
  }
  const mod = (await import(specifier)) as { runDemo: RunDemo };
  return mod.runDemo(o, out, makeLogger);
}
