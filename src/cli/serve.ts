/**
 * `podgate serve --config FILE [--listen H:P] [--kubeconfig F] [--context C]`: loads and
 * validates the config (exit 2 with every error listed), applies the overrides, and runs the
 * bastion until a signal (src/cli/run-bastion.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { digest } from './config-reloader.ts';
import { parseListen } from '../config/listen.ts';
import { ConfigInvalidError, formatIssue, loadConfig } from '../config/load.ts';
import type { PodgateConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';
import type { MakeLogger } from './observed-logger.ts';
import type { Output } from './output.ts';
import { PodgateError } from '../errors/index.ts';
import { EXIT_INVALID } from './exit-codes.ts';
import { readHostKeys } from './host-keys.ts';

export interface ServeOptions {
  config: string;
  listen?: string;
  kubeconfig?: string;
  context?: string;
  /** --log-level: wins over log.level, also across reloads. */
  logLevel?: string;
}

/** The config with command-line overrides applied (paths on the command line are relative to the cwd). */
function applyOverrides(cfg: PodgateConfig, o: Omit<ServeOptions, 'config'>): PodgateConfig {
  return {
    ...cfg,
    ...(o.listen === undefined ? {} : { listen: o.listen }),
    kubernetes: {
      ...cfg.kubernetes,
      ...(o.kubeconfig === undefined ? {} : { kubeconfig: resolve(o.kubeconfig) }),
      ...(o.context === undefined ? {} : { context: o.context }),
    },
  };
}

function withLogLevel(cfg: PodgateConfig, level: string | undefined): PodgateConfig {
  return level === undefined ? cfg : { ...cfg, log: { ...cfg.log, level: level as PodgateConfig['log']['level'] } };
}

export async function serve(o: ServeOptions, deps: { makeLogger: MakeLogger; out: Output }): Promise<number> {
  if (o.listen !== undefined) {
    const parsed = parseListen(o.listen);
    if ('error' in parsed) {
      deps.out.err(`podgate: --listen: ${parsed.error}`);
      return EXIT_INVALID;
    }
  }
  let config: PodgateConfig;
  let initialDigest: string | null = null;
  try {
    config = applyOverrides(await loadConfig(o.config), o);
    // Several clusters (docs/clusters.md): the overrides are for the single-cluster form only.
    if (config.clusters.length > 0 && (o.kubeconfig !== undefined || o.context !== undefined)) {
      deps.out.err('podgate: --kubeconfig and --context apply to the single-cluster `kubernetes:` form; with clusters:, set clusters[].kubeconfig and clusters[].context');
      return EXIT_INVALID;
    }
    initialDigest = await readFile(o.config, 'utf8').then(digest, () => null);
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    for (const issue of err.issues) deps.out.err(formatIssue(o.config, issue));
    deps.out.err(`podgate: ${o.config} is invalid (${err.issues.length} error${err.issues.length === 1 ? '' : 's'}); nothing started`);
    return EXIT_INVALID;
  }
  // The log level and format come from the config (the command line's --log-* win).
  const { logger, metrics } = deps.makeLogger(config.log);
  let hostKeys: Buffer[];
  try {
    hostKeys = await readHostKeys(config.hostKeys);
  } catch (err) {
    if (!(err instanceof PodgateError)) throw err;
    deps.out.err(`podgate: ${err.userMessage}`);
    emit(logger, { code: 'STARTUP_FAILED', errorCode: err.code, message: err.operatorMessage }, 'podgate cannot start');
    return EXIT_INVALID;
  }
  emit(logger, { code: 'CONFIG_LOADED', file: resolve(o.config), users: config.users.length, listen: config.listen }, 'configuration loaded');
  // Loaded only now: the Kubernetes client and the SSH server are not needed to refuse bad input.
  const { runBastion } = await import('./run-bastion.ts');
  return runBastion({
    config, hostKeys, logger, metrics, out: deps.out,
    reload: { file: resolve(o.config), load: async () => withLogLevel(applyOverrides(await loadConfig(o.config), o), o.logLevel), initialDigest },
  });
}
