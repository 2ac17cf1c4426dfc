/**
 * podgate's SFTP server on stdin/stdout over a LocalExecutor, so the real OpenSSH clients can
 * drive the file layer without a bastion: `sftp -D "node --import tsx sftp-stdio.ts"`, or as
 * scp's `-S` program. PODGATE_FILES_BUSYBOX=1 puts only busybox applets on PATH. FILE_OP
 * events go to stderr as JSON lines. Test and benchmark use only.
 */
import { Duplex } from 'node:stream';
import { LIMIT_DEFAULTS } from '../../config/defaults.ts';
import { PodFs } from '../pod-fs/pod-fs.ts';
import { serveSftp } from '../sftp/sftp-server.ts';
import { LocalExecutor } from './local-executor.ts';

const ex = new LocalExecutor({
  busybox: process.env.PODGATE_FILES_BUSYBOX === '1',
  cwd: process.env.PODGATE_FILES_CWD ?? process.cwd(),
  ...(process.env.PODGATE_FILES_HOME === undefined ? {} : { home: process.env.PODGATE_FILES_HOME }),
  ...(process.env.PODGATE_FILES_UID === undefined ? {} : { uid: Number(process.env.PODGATE_FILES_UID) }),
});
const channel = Duplex.from({ readable: process.stdin, writable: process.stdout });
channel.on('error', () => { /* the client went away */ });
const fs = new PodFs(ex, { namespace: 'local', pod: 'local', container: 'local', identity: { user: 'local', groups: [] } });
serveSftp({ channel, fs, limits: LIMIT_DEFAULTS, onFileOp: (ev) => { process.stderr.write(`${JSON.stringify({ code: 'FILE_OP', ...ev })}\n`); } }).then(() => {
  channel.end();
  ex.dispose();
  process.exitCode = 0;
}, () => { ex.dispose(); process.exitCode = 1; });
