/**
 * File transfer for podgate sessions: the `sftp` subsystem and legacy `scp -t/-f`, served over
 * exec of POSIX tools in the container (docs/files.md).
 */
import type { Extensions } from '../session/extensions.ts';
import { createScpInterceptor } from './scp/scp-interceptor.ts';
import { createSftpHandler, type SftpHandlerOptions } from './sftp-handler.ts';
import { StreamSlots } from './stream-slots.ts';
import { InFlightPool } from './sftp/sftp-limits.ts';

/** The handlers to merge into the bastion's extensions. */
export function filesExtensions(opts: SftpHandlerOptions = {}): Pick<Extensions, 'subsystems' | 'execInterceptors'> {
  // One bound on file streams for the whole process (limits.sftpMaxStreamsTotal), sftp and scp alike.
  // and one pool of SFTP bytes in flight (limits.sftpMaxBytesInFlightTotal).
  const slots = new StreamSlots();
  return { subsystems: { sftp: createSftpHandler(opts, slots, new InFlightPool()) }, execInterceptors: [createScpInterceptor(slots)] };
}
