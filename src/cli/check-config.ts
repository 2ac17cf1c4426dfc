/** `podgate check-config FILE`: every problem as `FILE:LINE:COL: path: message`; exit 0 or 2. */
import { ConfigInvalidError, formatIssue, loadConfig } from '../config/load.ts';
import type { Output } from './output.ts';

export async function checkConfig(file: string, out: Output): Promise<number> {
  try {
    await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    for (const issue of err.issues) out.err(formatIssue(file, issue));
    out.err(`${file}: ${err.issues.length} error${err.issues.length === 1 ? '' : 's'}`);
    return 2;
  }
  out.out(`${file}: ok`);
  return 0;
}
