/** The FILE_OP audit event (docs/dev-contracts.md): one per file operation that changes something. */
export interface FileOpEvent {
  op: 'write' | 'mkdir' | 'rmdir' | 'remove' | 'rename' | 'symlink' | 'link' | 'setstat';
  /** The path as the user sees it (UTF-8). */
  path: string;
  /** The second path of rename, symlink and link. */
  target?: string;
  size?: number;
  /** `ok`, or the SFTP status text. */
  result: string;
}

export type FileOpSink = (ev: FileOpEvent) => void;

/** Binary (one char per byte) path → text for logs. */
export function displayPath(bin: string): string {
  return Buffer.from(bin, 'latin1').toString('utf8');
}
