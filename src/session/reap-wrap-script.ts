/**
 * The POSIX sh wrapper every session runs in (dash, busybox ash and bash all run it).
 *
 * Invoked as `/bin/sh -c WRAP_SCRIPT sh SESSION_ID MODE [COMMAND]`, where MODE is `c` (run
 * COMMAND as `/bin/sh -c COMMAND`) or `l` (login shell: `bash -l`, else `sh -l`), with `t`
 * appended under a PTY. It makes the session findable, then `exec`s the user's program, so
 * that program keeps the PID, the PTY, the environment and the exit status it would have had.
 *
 * Findable means: the program leads its own session (SID == its PID), recorded with its
 * start time (field 22 of /proc/PID/stat, so a reused PID is never mistaken for it) in a
 * marker file `.podgate-SESSION_ID` in the first writable of /tmp, /dev/shm, /var/tmp. A stale
 * marker of the same name is removed first; the new one is created with noclobber, so a link
 * planted there is never followed (a planted file makes it try the next directory).
 * - Already a session leader (the runtime made one, as it does under a PTY): record, exec.
 * - Else, if `setsid` exists: run the same script again under `setsid` as a child of this
 *   shell (a child is never a process-group leader, so setsid needs no fork), wait for it
 *   and exit with its status (128+N when killed by signal N). This shell's own stderr goes
 *   to /dev/null meanwhile, so it cannot print "Terminated" for its child.
 * - Else: record kind `t`; the reaper then ends the process tree under the program only.
 *
 * The inner script must not contain a single quote: it is embedded in single quotes so the
 * setsid path can hand it to the child shell. Nothing here writes to stdout or stderr.
 */
const INNER = String.raw`
pg_stat() {
  pg_l=
  read -r pg_l 2>/dev/null <"/proc/$1/stat" || return 1
  pg_l=${"${pg_l##*) }"}
  set -- $pg_l
  pg_sid=$4
  pg_st=${"${20}"}
  [ -n "$pg_st" ]
}
pg_k=t
pg_st=0
if pg_stat $$ && [ "$pg_sid" = "$$" ]; then
  pg_k=s
else
  case $2 in
  n*) ;;
  *)
    if command -v setsid >/dev/null 2>&1; then
      exec 9>&2 2>/dev/null
      case $2 in
      *t*) setsid -c /bin/sh -c "$pg_i" sh "$1" "n$2" "$3" 2>&9 9>&- ;;
      *) setsid /bin/sh -c "$pg_i" sh "$1" "n$2" "$3" 2>&9 9>&- ;;
      esac
      exit $?
    fi
    ;;
  esac
  pg_stat $$ || pg_st=0
fi
for pg_d in /tmp /dev/shm /var/tmp; do
  rm -f "$pg_d/.podgate-$1" 2>/dev/null
  if (set -C; printf "%s %s %s\n" "$$" "$pg_st" "$pg_k" >"$pg_d/.podgate-$1") 2>/dev/null; then
    break
  fi
done
case $2 in
*l*)
  if command -v bash >/dev/null 2>&1; then exec bash -l; fi
  exec /bin/sh -l
  ;;
esac
if pg_p=$(command -v sh 2>/dev/null) && [ "$pg_p" -ef /bin/sh ] 2>/dev/null; then
  exec sh -c "$3"
fi
exec /bin/sh -c "$3"
`;

if (INNER.includes("'")) throw new Error('reap-wrap-script: the inner script must not contain a single quote');

/** Indentation dropped: the script shows in the session's `ps` output (setsid path), keep it short. */
const COMPACT = INNER.replace(/^[ \t]+/gm, '').replace(/\n{2,}/g, '\n');

export const WRAP_SCRIPT = `pg_i='${COMPACT}'\neval "$pg_i"\n`;
