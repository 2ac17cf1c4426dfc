import { PodgateError } from '../errors/index.ts';
import type { ContainerRef, ExecOutcome } from '../kube/types.ts';

/** What runtimes say when an exec's program does not exist (runc/containerd, CRI-O, the emulator). */
const MISSING = /executable file not found|no such file or directory|not found in \$PATH|exec format error|stat \/bin\/sh/i;

/**
 * Every session runs under `/bin/sh` (the reaper's wrapper), so a container without one cannot
 * be entered safely. Call this with a session's outcome when it ends with an error, or with
 * exit code 126/127 and the output seen so far (some runtimes report a failed exec that way).
 * Returns the NO_SHELL error to show the user (`podgate: <userMessage>`), or null.
 */
export function noShellError(outcome: ExecOutcome, ref: ContainerRef, output = ''): PodgateError | null {
  let evidence: string | null = null;
  if ('error' in outcome) {
    const text = `${outcome.error.operatorMessage} ${outcome.error.message}`;
    if (MISSING.test(text)) evidence = outcome.error.operatorMessage;
  } else if ((outcome.exitCode === 126 || outcome.exitCode === 127) && MISSING.test(output) && /\/bin\/sh|"sh"/.test(output)) {
    evidence = output.trim().slice(0, 500);
  }
  if (evidence === null) return null;
  return new PodgateError('NO_SHELL', `container ${ref.container} of pod ${ref.namespace}/${ref.pod} has no POSIX shell (/bin/sh)`, {
    operatorMessage: `no /bin/sh in ${ref.namespace}/${ref.pod}/${ref.container}; sessions cannot be run or reaped there: ${evidence}`,
    ...('error' in outcome ? { cause: outcome.error } : {}),
  });
}
