/**
 * The POSIX sh script the reaper runs in the container (a second exec, same identity):
 * `/bin/sh -c REAP_SCRIPT podgate-reap SESSION_ID GRACE_MS MARKER_WAIT_MS`. Ids come in as argv, never as
 * script text. It needs only sh builtins and /proc, plus `sleep` and (optionally) `tr`.
 *
 * 1. Reads the marker `.podgate-SESSION_ID` the wrapper left, the first one this user owns
 *    (waits up to MARKER_WAIT_MS for it: a session cut at once may not have run its wrapper
 *    yet). Marker: `PID STARTTIME KIND`.
 * 2. Members: every live process whose SID is PID (KIND `s`, and only if PID still names the
 *    same process or no process at all: a SID stays reserved while any member lives), PID
 *    itself when its start time matches, and every descendant of a member. Never pid 1, this
 *    script or any of its ancestors, zombies, or a process started before the session.
 * 3. STOPs the members, rescans until no new member appears (beats fork races), prints
 *    `F PID ARGS` for each, sends HUP (what a hung-up terminal sends), TERM and CONT.
 * 4. Polls the members every 100 ms (a full rescan each second and once they are all gone: a
 *    TERM handler may fork) until none is left or the grace period is over, then KILLs the rest.
 * A scan reads every /proc/N/stat with one `cat` (sh's `read` goes byte by byte) and looks
 * closer only at lines that mention the leader or a member's pid as parent, so many reaps at
 * once stay cheap on a busy node.
 * 5. Prints `O none|term|kill`, `L COUNT` (still alive at the end), removes the marker.
 * Signals re-check the start time first, so a reused PID is never signalled.
 */
export const REAP_SCRIPT = String.raw`
id=$1
grace=$(( ($2 + 9) / 10 ))
mwait=$(( (${"${3:-1500}"} + 99) / 100 ))
case $id in ""|*[!A-Za-z0-9._-]*) echo "E bad-session-id"; exit 2 ;; esac
pstat() {
  s_l=
  read -r s_l 2>/dev/null <"/proc/$1/stat" || return 1
  s_l=${"${s_l##*) }"}
  set -- $s_l
  s_state=$1 s_ppid=$2 s_sid=$4 s_st=${"${20}"}
  [ -n "$s_st" ]
}
now() {
  read -r up _ 2>/dev/null </proc/uptime || up=0.0
  up=${"${up%.*}${up#*.}"}
}
nap() { sleep 0.1 2>/dev/null || sleep 1; }
ex=" 1 $$ "
p=$$
while pstat "$p" && [ "$s_ppid" -gt 1 ]; do ex="$ex$s_ppid "; p=$s_ppid; done
f=
n=0
while :; do
  for d in /tmp /dev/shm /var/tmp; do
    if [ -f "$d/.podgate-$id" ] && [ -O "$d/.podgate-$id" ]; then f=$d/.podgate-$id; break; fi
  done
  [ -n "$f" ] && break
  n=$((n + 1))
  [ "$n" -ge "$mwait" ] && break
  nap
done
if [ -z "$f" ]; then echo "M missing"; echo "O none"; echo "L 0"; exit 0; fi
L= T= K=
read -r L T K 2>/dev/null <"$f"
case "$L$T" in ""|*[!0-9]*) echo "M invalid"; echo "O none"; echo "L 0"; rm -f "$f" 2>/dev/null; exit 0 ;; esac
members=" "
mpids=
live=1
if pstat "$L" && [ "$s_st" != "$T" ]; then live=; fi
case "$ex" in *" $L "*) live= ;; esac
nl="
"
have_cat=
command -v cat >/dev/null 2>&1 && have_cat=1
scan() {
  grew=
  [ -n "$live" ] || return 0
  if [ -n "$have_cat" ]; then
    all=$(cat /proc/[0-9]*/stat 2>/dev/null)
  else
    all=
    for q in /proc/[0-9]*; do
      s_l=
      read -r s_l 2>/dev/null <"$q/stat" && all="$all$s_l$nl"
    done
  fi
  set -f
  IFS=$nl
  for l in $all; do
    IFS=" "
    c=
    case $l in "$L "*|*" $L "*) c=1 ;; esac
    if [ -z "$c" ]; then
      for m in $mpids; do
        case $l in *") "?" $m "*) c=1; break ;; esac
      done
      [ -n "$c" ] || continue
    fi
    q=${"${l%% *}"}
    case $q in ""|*[!0-9]*) continue ;; esac
    case "$ex" in *" $q "*) continue ;; esac
    case "$members" in *" $q:"*) continue ;; esac
    r=${"${l##*) }"}
    s_state=${"${r%% *}"}
    r=${"${r#* }"}
    s_ppid=${"${r%% *}"}
    r=${"${r#* }"}
    r=${"${r#* }"}
    s_sid=${"${r%% *}"}
    in=
    if [ "$K" = s ] && [ "$s_sid" = "$L" ]; then in=1
    elif [ "$q" = "$L" ]; then in=1
    else case "$members" in *" $s_ppid:"*) in=1 ;; esac
    fi
    [ -n "$in" ] || continue
    [ "$s_state" = Z ] && continue
    set -- $r
    s_st=${"${17}"}
    case $s_st in ""|*[!0-9]*) continue ;; esac
    [ "$s_st" -ge "$T" ] || continue
    members="$members$q:$s_st "
    mpids="$mpids $q"
    grew=1
  done
  unset IFS
  set +f
}
rescan() {
  j=0
  scan
  while [ -n "$grew" ] && [ "$j" -lt 10 ]; do scan; j=$((j + 1)); done
}
sig() {
  alive=0
  for m in $members; do
    q=${"${m%:*}"}
    pstat "$q" || continue
    [ "$s_st" = "${"${m#*:}"}" ] || continue
    [ "$s_state" = Z ] && continue
    alive=$((alive + 1))
    [ "$1" = none ] || kill -s "$1" "$q" 2>/dev/null
  done
}
scan
if [ "$members" = " " ]; then echo "O none"; echo "L 0"; rm -f "$f" 2>/dev/null; exit 0; fi
now; t0=$up
sig STOP
i=0
while [ "$i" -lt 5 ]; do
  before=$members
  rescan
  [ "$members" = "$before" ] && break
  sig STOP
  i=$((i + 1))
done
for m in $members; do
  q=${"${m%:*}"}
  a=
  if command -v tr >/dev/null 2>&1; then a=$(tr "\000" " " <"/proc/$q/cmdline" 2>/dev/null); fi
  if [ -z "$a" ]; then read -r a 2>/dev/null <"/proc/$q/stat"; a=${"${a#*(}"}; a=${"${a%)*}"}; fi
  printf "F %s %s\n" "$q" "$a"
done
sig HUP
sig TERM
sig CONT
out=term
w=0
while :; do
  nap
  w=$((w + 1))
  sig none
  if [ "$alive" -eq 0 ] || [ $((w % 10)) -eq 0 ]; then
    before=$members
    rescan
    if [ "$members" != "$before" ]; then sig TERM; sig CONT; fi
  fi
  [ "$alive" -eq 0 ] && [ "$members" = "$before" ] && break
  now
  if [ $((up - t0)) -ge "$grace" ]; then
    out=kill
    sig KILL
    k=0
    while [ "$k" -lt 30 ]; do nap; rescan; sig KILL; [ "$alive" -eq 0 ] && break; k=$((k + 1)); done
    break
  fi
done
sig none
echo "O $out"
echo "L $alive"
[ "$alive" -eq 0 ] && rm -f "$f" 2>/dev/null
exit 0
`;
