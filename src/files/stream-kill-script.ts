/**
 * Ends data streams of the file layer in one exec: `/bin/sh -c STREAM_KILL_SCRIPT podgate-kill
 * GRACE_MS ID...`. Each stream ran under the reaper's wrapper (src/session/reap-wrap-script.ts),
 * so its marker `.podgate-ID` names its PID and start time, and (with setsid, as everywhere but
 * in images without it) the PID leads its own process group. A stream is one `cat`, `tail` or
 * `dd` that starts nothing, so the group is all there is to end: no /proc scan, which keeps
 * ending hundreds of streams cheap. For each ID the script removes the marker and, when the
 * PID still names the same process (start time), sends TERM to the group and the PID; after
 * GRACE_MS it sends KILL to whatever is left. Ids come in as argv, never as script text.
 */
export const STREAM_KILL_SCRIPT = String.raw`
grace=$(( ($1 + 99) / 100 ))
shift
st() {
  s_l=
  read -r s_l 2>/dev/null <"/proc/$1/stat" || return 1
  s_l=${"${s_l##*) }"}
  set -- $s_l
  s_st=${"${20}"}
}
live=
for i; do
  case $i in ""|*[!A-Za-z0-9._-]*) continue ;; esac
  for d in /tmp /dev/shm /var/tmp; do
    f=$d/.podgate-$i
    if [ -f "$f" ] && [ -O "$f" ]; then
      p= t=
      read -r p t _ 2>/dev/null <"$f"
      rm -f "$f" 2>/dev/null
      case "$p$t" in ""|*[!0-9]*) continue ;; esac
      if st "$p" && [ "$s_st" = "$t" ]; then
        kill -s TERM -- "-$p" 2>/dev/null
        kill -s TERM "$p" 2>/dev/null
        live="$live $p:$t"
      fi
    fi
  done
done
n=0
while [ -n "$live" ]; do
  left=
  for m in $live; do
    if st "${"${m%:*}"}" && [ "$s_st" = "${"${m#*:}"}" ]; then left="$left $m"; fi
  done
  live=$left
  [ -z "$live" ] && break
  if [ "$n" -ge "$grace" ]; then
    for m in $live; do kill -s KILL -- "-${"${m%:*}"}" 2>/dev/null; kill -s KILL "${"${m%:*}"}" 2>/dev/null; done
    break
  fi
  sleep 0.1 2>/dev/null || sleep 1
  n=$((n + 1))
done
exit 0
`;
