/**
 * `logs TARGET ...`: the container's log from the Kubernetes log API as the impersonated user,
 * copied byte for byte to the channel's stdout (nothing added, binary safe), with the
 * channel's backpressure. A follow lasts until the client goes away; then the API request is
 * aborted so no request is left open.
 */
import { PodgateError } from '../errors/index.ts';
import { finishChannel } from '../ssh/finish-channel.ts';
import type { SessionChannel } from '../ssh/types.ts';
import { parseTarget } from '../target/grammar.ts';
import { authorizeInCluster } from '../clusters/choose.ts';
import type { ConsoleContext, HandlerOutcome } from '../session/extensions.ts';
import { parseLogsArgs } from './logs-args.ts';
import { emit } from '../events/emit.ts';

export async function runLogs(ch: SessionChannel, ctx: ConsoleContext, words: string[]): Promise<HandlerOutcome> {
  const args = parseLogsArgs(words);
  const spec = parseTarget(args.container ? `${args.target}+${args.container}` : args.target);
  // The target's cluster (docs/clusters.md).
  const { ctx: cctx, target } = await authorizeInCluster(ctx, 'logs', spec);
  const logs = await cctx.kube.logs({
    namespace: target.namespace, pod: target.pod, container: target.container, identity: ctx.identity,
    follow: args.follow, previous: args.previous, timestamps: args.timestamps,
    ...(args.tailLines !== undefined ? { tailLines: args.tailLines } : {}),
    ...(args.sinceSeconds !== undefined ? { sinceSeconds: args.sinceSeconds } : {}),
  });
  let bytesOut = 0;
  const outcome = await new Promise<{ error?: PodgateError }>((resolve) => {
    const stream = logs.stream;
    // The client went away (channel or whole connection): end the API request too.
    const onClose = (): void => {
      logs.abort();
      resolve({});
    };
    if (ctx.closed.aborted) return onClose();
    ctx.closed.addEventListener('abort', onClose, { once: true });
    const settle = (): void => ctx.closed.removeEventListener('abort', onClose);
    stream.on('data', (d: Buffer) => { bytesOut += d.length; });
    stream.once('end', () => {
      settle();
      resolve({});
    });
    stream.once('error', (e: Error) => {
      settle();
      resolve({ error: e instanceof PodgateError ? e : new PodgateError('API_ERROR', 'the log stream broke off', { operatorMessage: e.message, cause: e }) });
    });
    stream.pipe(ch, { end: false });
  });
  emit(ctx.logger, { code: 'CONSOLE_LOGS_END', sessionId: ctx.sessionId, cluster: cctx.cluster, namespace: target.namespace, pod: target.pod, container: target.container, bytesOut }, 'log stream ended');
  if (outcome.error) throw outcome.error;
  await finishChannel(ch, 0);
  return { exitCode: 0, bytesOut };
}
