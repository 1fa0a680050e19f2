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
 * grace period is over. On Linux it also stops every process carrying the host's run id in
 * its environment that left its group (a grandchild that called setsid), with the stop of
 * the service named by its `BERTH_SERVICE`. It exits once none is left. On a clean exit
 * the host has untracked every group, so only such strays are left to stop.
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
pgrp_of() {
  pg=""
  read -r st < "/proc/$1/stat" 2>/dev/null || return 0
  set -- \${st##*") "}
  [ "$1" = Z ] || pg="$3"
}
group_alive() {
  ga="$1"
  kill -0 "-$ga" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  for f in /proc/[0-9]*/stat; do
    read -r st < "$f" 2>/dev/null || continue
    set -- \${st##*") "}
    [ "$3" = "$ga" ] && [ "$1" != Z ] && return 0
  done
  return 1
}
proc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  pgrp_of "$1"; [ -n "$pg" ]
}
strays() {
  [ -n "$run_id" ] && [ -d /proc/self ] || return 0
  grep -lasF "BERTH_RUN_ID=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}
service_of() {
  tr '\\000' '\\n' < "/proc/$1/environ" 2>/dev/null | sed -n 's/^BERTH_SERVICE=//p'
}
now
targets=""
for x in $groups; do
  g="\${x%%:*}"; spec_of "\${x#*:}"
  kill -"$sig" "-$g" 2>/dev/null && targets="$targets g:$g:$(( t + cs ))"
done
for p in $(strays); do
  [ "$p" = "$$" ] && continue
  pgrp_of "$p"
  [ -z "$pg" ] && continue
  case "$groups" in *" $pg:"*) continue ;; esac
  spec_of "$(service_of "$p")"
  kill -"$sig" "$p" 2>/dev/null && targets="$targets p:$p:$(( t + cs ))"
done
any="$targets"
while [ -n "$targets" ]; do
  sleep 0.05
  tick=$(( tick + 1 ))
  now
  left=""
  for x in $targets; do
    k="\${x%%:*}"; r="\${x#*:}"; id="\${r%%:*}"; end="\${r#*:}"
    if [ "$k" = g ]; then group_alive "$id" || continue; id="-$id"
    else proc_alive "$id" || continue; fi
    if [ "$t" -ge "$end" ]; then kill -KILL "$id" 2>/dev/null
    else left="$left $x"; fi
  done
  targets="$left"
done
[ -z "$any" ] && exit 0
for p in $(strays); do [ "$p" != "$$" ] && kill -KILL "$p" 2>/dev/null; done
exit 0
`;
