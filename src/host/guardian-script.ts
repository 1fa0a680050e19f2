/**
 * The guardian, as a POSIX shell script: it starts in about a millisecond (a Node process
 * would cost ~100 ms of CPU at every start, competing with the services'), and needs
 * nothing of berth's. It reads lines from the host on stdin:
 *
 * - `s <service> <signal> <grace>`: how that service stops (signal without `SIG`, grace in
 *   centiseconds), sent once per service at start;
 * - `+<pgid> <service>` / `-<pgid>`: a service's process group started / ended.
 *
 * At EOF, if groups are still recorded (the host died, say by `kill -9`), it stops each
 * the way the host would have: its service's stop signal to the group, SIGKILL once its
 * grace period is over. On Linux it also finds every process carrying the host's run id
 * in its environment outside those groups. One whose parent is also of the run is left to
 * that parent (PostgreSQL's postmaster puts each child in a session of its own and stops
 * them itself; a signal from outside would disrupt its shutdown); one without (a daemon
 * that left its group, or a child whose parent has gone) is stopped like its service
 * (`BERTH_SERVICE` in its environment). It exits once nothing of the run is left. On a
 * clean exit the host has untracked every group, so only such strays can be left. A
 * zombie counts as gone: where PID 1 does not reap orphans it would never go. Time comes
 * from /proc/uptime where there is one, else from counting its 50 ms sleeps.
 *
 * `$1` is the run id.
 */
export const GUARDIAN_SCRIPT = `
trap '' INT HUP
run_id="$1"
specs=" "
groups=" "
while IFS= read -r line; do
  case "$line" in
    "s "*) set -f; set -- $line; set +f; specs="$specs$2:$3:$4 " ;;
    +*) set -f; set -- \${line#+}; set +f; groups="$groups$1:$2 " ;;
    -*) g="\${line#-}"
        case "$groups" in *" $g:"*)
          rest="\${groups#* $g:}"; groups="\${groups%% $g:*} \${rest#* }" ;;
        esac ;;
  esac
done
tick=0
now() {
  if [ -r /proc/uptime ]; then
    read -r up _ < /proc/uptime
    f="\${up#*.}"; t=$(( \${up%.*} * 100 + \${f#0} ))
  else
    t=$(( tick * 5 ))
  fi
}
spec_of() {
  sig=TERM; cs=500
  case "$specs" in *" $1:"*)
    s="\${specs#* $1:}"; s="\${s%% *}"; sig="\${s%%:*}"; cs="\${s#*:}" ;;
  esac
}
live_groups() {
  live=" "
  [ -d /proc/self ] || return 0
  for f in /proc/[0-9]*/stat; do
    read -r st < "$f" 2>/dev/null || continue
    set -- \${st##*") "}
    [ "$1" = Z ] || live="$live$3 "
  done
}
group_alive() {
  kill -0 "-$1" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  case "$live" in *" $1 "*) return 0 ;; esac
  return 1
}
of_run() {
  grep -qasF "BERTH_RUN_ID=$run_id" "/proc/$1/environ" 2>/dev/null
}
scan() {
  run=" "
  [ -n "$run_id" ] && [ -d /proc/self ] || return 0
  for p in $(grep -lasF "BERTH_RUN_ID=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$p" = "$$" ] && continue
    read -r st < "/proc/$p/stat" 2>/dev/null || continue
    set -- \${st##*") "}
    [ "$1" = Z ] || run="$run$p:$2:$3 "
  done
  for x in $run; do
    p="\${x%%:*}"; r="\${x#*:}"; pp="\${r%%:*}"; pg="\${r#*:}"
    case "$seen" in *" $p "*) continue ;; esac
    case "$groups" in *" $pg:"*) continue ;; esac
    case "$run" in *" $pp:"*) continue ;; esac
    seen="$seen$p "
    spec_of "$(tr '\\000' '\\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^BERTH_SERVICE=//p')"
    kill -"$sig" "$p" 2>/dev/null && target "p:$p"
  done
}
target() {
  targets="$targets $1:$(( t + cs ))"
  [ $(( t + cs + 500 )) -gt "$give_up" ] && give_up=$(( t + cs + 500 ))
}
now
targets=""
seen=" "
give_up=$(( t + 500 ))
for x in $groups; do
  g="\${x%%:*}"; spec_of "\${x#*:}"
  kill -"$sig" "-$g" 2>/dev/null && target "g:$g"
done
scan
[ -z "$targets" ] && [ "$run" = " " ] && exit 0
while :; do
  sleep 0.05
  tick=$(( tick + 1 ))
  now
  live_groups
  left=""
  for x in $targets; do
    k="\${x%%:*}"; r="\${x#*:}"; id="\${r%%:*}"; end="\${r#*:}"
    if [ "$k" = g ]; then group_alive "$id" || continue; id="-$id"
    else of_run "$id" || continue; fi
    if [ "$t" -ge "$end" ]; then kill -KILL "$id" 2>/dev/null
    else left="$left $x"; fi
  done
  targets="$left"
  [ -n "$targets" ] && [ $(( tick % 4 )) -ne 0 ] && continue
  scan
  [ -z "$targets" ] && [ "$run" = " " ] && exit 0
  if [ "$t" -ge "$give_up" ]; then
    for x in $run; do kill -KILL "\${x%%:*}" 2>/dev/null; done
    exit 0
  fi
done
`;
