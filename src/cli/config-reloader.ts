/**
 * Reloads the config without a restart, on SIGHUP and when the file changes. The file's
 * directory is watched (not the file): Kubernetes updates a mounted ConfigMap by swapping the
 * `..data` symlink, which a watch on the old file never sees. A file-change reload runs only
 * when the content differs; SIGHUP always reloads. An invalid config, or one that changes keys
 * only a restart can apply, is refused (CONFIG_RELOAD_FAILED) and the running config stays.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigInvalidError, formatIssue } from '../config/load.ts';
import { diffConfigs, type ReloadDiff } from '../config/reload-diff.ts';
import type { PodgateConfig } from '../config/types.ts';
import { emit } from '../events/emit.ts';

export interface ReloaderOptions {
  file: string;
  /** Reads and validates the file (with the command line's overrides applied). */
  load: () => Promise<PodgateConfig>;
  current: () => PodgateConfig;
  apply: (next: PodgateConfig, diff: ReloadDiff) => Promise<void>;
  logger: Logger;
  /** Digest (sha256 hex) of the file as loaded at startup: a change before the watch starts is caught. */
  initialDigest: string | null;
  /** Quiet time after the last file event before reloading (default 300 ms). */
  debounceMs?: number;
}

export interface Reloader {
  /** Runs one reload now (serialised with any other). */
  reload(trigger: 'SIGHUP' | 'file-change'): Promise<void>;
  stop(): void;
}

export const digest = (text: string) => createHash('sha256').update(text).digest('hex');

async function contentDigest(file: string): Promise<string | null> {
  try {
    return digest(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

export function startConfigReloader(opts: ReloaderOptions): Reloader {
  let chain: Promise<void> = Promise.resolve();
  let lastDigest: string | null = opts.initialDigest;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const once = async (trigger: 'SIGHUP' | 'file-change'): Promise<void> => {
    const d = await contentDigest(opts.file);
    if (trigger === 'file-change' && (d === null || d === lastDigest)) return;
    lastDigest = d;
    const fail = (errors: string[]) =>
      emit(opts.logger, { code: 'CONFIG_RELOAD_FAILED', file: opts.file, trigger, errors }, 'config reload refused; the running config stays');
    let next: PodgateConfig;
    try {
      next = await opts.load();
    } catch (err) {
      fail(err instanceof ConfigInvalidError ? err.issues.map((i) => formatIssue(opts.file, i)) : [(err as Error).message]);
      return;
    }
    const diff = diffConfigs(opts.current(), next);
    if (diff.needsRestart.length > 0) {
      fail(diff.needsRestart.map((k) => `${k}: changed; this needs a restart`));
      return;
    }
    await opts.apply(next, diff);
    emit(opts.logger, {
      code: 'CONFIG_RELOADED', file: opts.file, trigger, users: next.users.length, added: diff.added, removed: diff.removed, changed: diff.changed,
    }, 'config reloaded');
  };

  const reload = (trigger: 'SIGHUP' | 'file-change'): Promise<void> => {
    chain = chain.then(() => once(trigger)).catch((err: unknown) => {
      emit(opts.logger, { code: 'CONFIG_RELOAD_FAILED', file: opts.file, trigger, errors: [String(err)] }, 'config reload failed');
    });
    return chain;
  };

  const onHup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHup);

  const name = basename(opts.file);
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(opts.file), (_event, changed) => {
      // The file itself, the ConfigMap's `..data` swap, or an unnamed event: check the content.
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        if (!stopped) void reload('file-change');
      }, opts.debounceMs ?? 300);
      timer.unref();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No watch (e.g. the directory is gone): SIGHUP still reloads.
  }
  // A change between the startup load and the watch: applied now (a no-op when unchanged).
  void reload('file-change');

  return {
    reload,
    stop() {
      stopped = true;
      process.off('SIGHUP', onHup);
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
