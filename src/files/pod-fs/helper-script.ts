/**
 * The in-container side of the file layer: one POSIX `sh` (dash, bash or busybox ash) that reads
 * one request per line on stdin, runs it, and replies on stdout. A request line is
 * `run TOKEN OP ARG...`, every word single-quoted by shQuote. The reply is the op's stdout,
 * then `\n\x01T<TOKEN> <exit status>\n<stderr>\n\x01E<TOKEN>\n`; the token is random per
 * request, so no file content or name can fake the end of a reply.
 *
 * Only tools that coreutils and busybox both provide are used: stat -c / stat -f -c, ls, mkdir,
 * rmdir, rm, mv, ln, readlink, chmod, chown, touch -d @S, truncate (else dd), cat, tail, dd.
 */
const FMT = '%f %u %g %s %X %Y %h %U %G';

export const HELPER_SCRIPT = String.raw`
export LC_ALL=C TZ=UTC0
NL='
'
F='${FMT}'
run() { t=$1; shift; { e=$( { "$@"; } 2>&1 1>&3 3>&- ); rc=$?; } 3>&1; printf '\n\001T%s %d\n%s\n\001E%s\n' "$t" "$rc" "$e" "$t"; }
deny() { echo "$1: Permission denied" >&2; return 1; }
exists() { [ -e "$1" ] || [ -L "$1" ]; }
must() { exists "$1" || { stat -c %f -- "$1" >/dev/null; return 1; }; }
if dd if=/dev/null of=/dev/null count=0 iflag=fullblock 2>/dev/null; then FB=1; else FB=; fi
op_home() { umask; if [ -n "$HOME" ] && [ -d "$HOME" ] && cd -- "$HOME" 2>/dev/null; then pwd -P; else pwd -P; fi; }
op_stat() { stat -L -c "$F" -- "$1"; }
op_lstat() { stat -c "$F" -- "$1"; }
op_opendir() { stat -L -c %f -- "$1" >/dev/null || return; [ -d "$1" ] || { echo "$1: Not a directory" >&2; return 1; }; [ -r "$1" ] && [ -x "$1" ] || deny "$1"; }
op_ls() { cd -- "$1" || return; [ -r . ] || deny "$1" || return; stat -c "$F %n//" -- . .. * .[!.]* ..?* 2>/dev/null; return 0; }
op_open_r() {
  st=$(stat -L -c "$F" -- "$1") || return
  [ ! -d "$1" ] || { echo "$1: Is a directory" >&2; return 1; }
  [ -r "$1" ] || deny "$1" || return
  printf '%s\n' "$st"
  set -- "$1" "$2" $st
  if [ -f "$1" ] && [ "$6" -le "$2" ]; then cat -- "$1"; fi
}
# The N bytes after the request line are the file's content: always consumed, even on error.
op_put() {
  [ "$2" -gt 0 ] || return 0
  if [ -n "$FB" ]; then dd bs="$2" count=1 iflag=fullblock 2>/dev/null; else dd bs=1 count="$2" 2>/dev/null; fi | { cat 1<>"$1" || { cat >/dev/null; exit 1; }; }
}
op_open_w() {
  if exists "$1"; then
    [ "$2" != 1 ] || { echo "$1: File exists" >&2; return 1; }
    [ ! -d "$1" ] || { echo "$1: Is a directory" >&2; return 1; }
    if [ "$3" = 1 ]; then : > "$1" || return; else [ -w "$1" ] || deny "$1" || return; fi
  else
    [ "$4" = 1 ] || { stat -c %f -- "$1" >/dev/null; return 1; }
    : > "$1" || return
    [ -z "$5" ] || chmod "$5" -- "$1" || return
  fi
  stat -L -c "$F" -- "$1"
}
op_mkdir() { if [ -z "$2" ]; then mkdir -- "$1"; else mkdir -m "$2" -- "$1"; fi; }
op_rmdir() { rmdir -- "$1"; }
op_remove() { must "$1" || return; if [ -d "$1" ] && [ ! -L "$1" ]; then echo "$1: Is a directory" >&2; return 1; fi; rm -f -- "$1"; }
op_rename() {
  must "$1" || return
  if exists "$2"; then
    [ "$3" = 1 ] || { echo "$2: File exists" >&2; return 1; }
    if [ -d "$2" ] && [ ! -L "$2" ]; then
      if [ -d "$1" ] && [ ! -L "$1" ]; then rmdir -- "$2" || return; else echo "$2: Is a directory" >&2; return 1; fi
    fi
  fi
  mv -f -- "$1" "$2"
}
op_symlink() { ! exists "$2" || { echo "$2: File exists" >&2; return 1; }; ln -s -- "$1" "$2"; }
op_link() { must "$1" || return; ! exists "$2" || { echo "$2: File exists" >&2; return 1; }; ln -- "$1" "$2"; }
op_readlink() { must "$1" || return; [ -L "$1" ] || { echo "$1: Invalid argument" >&2; return 1; }; readlink -- "$1"; }
op_realpath() { if cd -P -- "$1" 2>/dev/null; then printf D; pwd -P; elif cd -P -- "$2" 2>/dev/null; then printf P; pwd -P; else return 3; fi; }
op_setstat() {
  must "$1" || return
  if [ -n "$2" ]; then
    if command -v truncate >/dev/null 2>&1; then truncate -s "$2" -- "$1" || return
    else o=$(dd if=/dev/null of="$1" bs=1 seek="$2" 2>&1) || { printf '%s\n' "$o" >&2; return 1; }; fi
  fi
  [ -z "$3" ] || chown "$3:$4" -- "$1" || return
  [ -z "$5" ] || chmod "$5" -- "$1" || return
  [ -z "$6" ] || { touch -a -d "@$6" -- "$1" && touch -m -d "@$7" -- "$1"; }
}
op_statvfs() { stat -f -c '%s %S %b %f %a %c %d %l' -- "$1"; }
op_fsync() { sync; }
while IFS= read -r l; do eval "$l"; done
`;

/**
 * The script of a data stream: reads one request line (the command, quoted as above), runs it,
 * so the rest of stdin is the file's data for a writer.
 */
export const STREAM_SCRIPT = `NL='\n'\nIFS= read -r l || exit 70\neval "$l"`;

