/**
 * How the CLI reaches the bastion (src/app.ts) and the reaper (src/session/reaper.ts). Both are
 * loaded by path at run time so that `serve` keeps compiling and failing clearly while either
 * is missing; the shapes below are the agreed contracts (docs/dev-contracts.md, the briefs).
 */
import type { Logger } from 'pino';
import type { PodgateConfig } from '../config/types.ts';
import type { KubeApi, PodExecutor } from '../kube/types.ts';
import type { SessionReaper } from '../session/reaper-types.ts';
import { PodgateError } from '../errors/index.ts';

export interface Bastion {
  readonly address: { host: string; port: number };
  close(opts?: { graceMs?: number }): Promise<void>;
  connections(): number;
}

export type StartBastion = (
  config: PodgateConfig,
  deps: { kube: KubeApi; logger: Logger; reaper: SessionReaper | undefined; hostKeys: Buffer[] },
) => Promise<Bastion>;

export type CreateReaper = (opts: { executor: PodExecutor; stateDir: string; graceMs: number; logger: Logger }) => SessionReaper;

async function importOptional(path: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(path)) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(path.slice(3))) return null;
    throw err;
  }
}

export async function loadStartBastion(): Promise<StartBastion> {
  const mod = await importOptional('../app.ts');
  if (typeof mod?.startBastion !== 'function') {
    throw new PodgateError('INTERNAL', 'this build has no bastion (src/app.ts startBastion is missing)');
  }
  return mod.startBastion as StartBastion;
}

export async function loadCreateReaper(): Promise<CreateReaper | null> {
  const mod = await importOptional('../session/reaper.ts');
  return typeof mod?.createReaper === 'function' ? (mod.createReaper as CreateReaper) : null;
}
