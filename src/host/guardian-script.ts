/**
 * The guardian, as a POSIX shell script: it starts in about a millisecond (a Node process
 * would cost ~100 ms of CPU at every start, competing with the services'), and needs
 * nothing of berth's. It reads lines from the host on stdin:
 *
 * - `s <key> <signal> <grace>`: how that service stops (signal without `SIG`, grace in
 *   centiseconds), sent once per service at start; `<key>` is the service's name made a
 *   shell name (`serviceKey`);
 * - `+<pgid> <key>` / `-<pgid>`: a service's process group started / ended.
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
 * What it knows is kept in one shell variable per service, group and process (`sig_<key>`,
 * `grp_<pgid>`, …), never searched for in a long string: in dash, cutting a pattern out of a
 * string is quadratic in its length, and a project of a thousand services kept an earlier
 * guardian busy for hours. The host's lines are checked before `eval` sees them.
 *
 * `$1` is the run id.
 */

/**
 * A service's name as a shell variable name: `_` becomes `_u` and `-` becomes `_d`, so two
 * names never share a key (`a-b` is `a_db`, `a_b` is `a_ub`).
 *
 * @example serviceKey("my-api") // "my_dapi"
 */
export function serviceKey(name: string): string {
  return name.replace(/_/g, "_u").replace(/-/g, "_d");
}

export const GUARDIAN_SCRIPT = `
trap '' INT HUP
run_id="$1"
groups=""
listed=0
gone=0
while IFS= read -r line; do
  set -f; set -- \${line#[+-]}; set +f
  case "$line" in
    "s "*) case "$2$3$4" in *[!A-Za-z0-9_]*) continue ;; esac
        eval "sig_$2=$3 cs_$2=$4" ;;
    +*) case "$1" in ""|*[!0-9]*|0|1) continue ;; esac
        case "$2" in ""|*[!A-Za-z0-9_]*) continue ;; esac
        eval "known=\\\${grp_$1-}; grp_$1=$2"
        [ -n "$known" ] || { groups="$groups $1"; listed=$((listed + 1)); } ;;
    -*) case "$1" in ""|*[!0-9]*) continue ;; esac
        eval "known=\\\${grp_$1-}"
        [ -n "$known" ] || continue
        unset "grp_$1"; gone=$((gone + 1))
        # Ended groups stay listed until they are most of the list: then it is rebuilt, so
        # a long session of restarts keeps it short without a search per removal.
        if [ "$gone" -gt 64 ] && [ $((gone * 2)) -gt "$listed" ]; then
          kept=""; listed=0; gone=0
          for g in $groups; do
            eval "[ -n \\"\\\${grp_$g-}\\" ]" && { kept="$kept $g"; listed=$((listed + 1)); }
          done
          groups="$kept"
        fi ;;
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
  case "$1" in ""|*[!A-Za-z0-9_]*) return 0 ;; esac
  eval "s=\\\${sig_$1-} c=\\\${cs_$1-}"
  [ -n "$s" ] && sig=$s && cs=$c
  return 0
}
live_groups() {
  for g in $live; do unset "live_$g"; done
  live=""
  [ -d /proc/self ] || return 0
  for f in /proc/[0-9]*/stat; do
    read -r st < "$f" 2>/dev/null || continue
    set -- \${st##*") "}
    [ "$1" = Z ] || { eval "live_$3=1"; live="$live $3"; }
  done
}
group_alive() {
  kill -0 "-$1" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  eval "[ -n \\"\\\${live_$1-}\\" ]"
}
of_run() {
  grep -qasF "BERTH_RUN_ID=$run_id" "/proc/$1/environ" 2>/dev/null
}
scan() {
  for p in $run; do unset "run_\${p%%:*}"; done
  run=""
  [ -n "$run_id" ] && [ -d /proc/self ] || return 0
  for p in $(grep -lasF "BERTH_RUN_ID=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$p" = "$$" ] && continue
    read -r st < "/proc/$p/stat" 2>/dev/null || continue
    set -- \${st##*") "}
    [ "$1" = Z ] || { eval "run_$p=1"; run="$run $p:$2:$3"; }
  done
  for x in $run; do
    p="\${x%%:*}"; r="\${x#*:}"; pp="\${r%%:*}"; pg="\${r#*:}"
    eval "[ -z \\"\\\${seen_$p-}\\\${grp_$pg-}\\\${run_$pp-}\\" ]" || continue
    eval "seen_$p=1"
    spec_of "$(tr '\\000' '\\n' < "/proc/$p/environ" 2>/dev/null |
      sed -n '/^BERTH_SERVICE=/{s///;s/_/_u/g;s/-/_d/g;p;q;}')"
    kill -"$sig" "$p" 2>/dev/null && target "p:$p"
  done
}
target() {
  targets="$targets $1:$(( t + cs ))"
  [ $(( t + cs + 500 )) -gt "$give_up" ] && give_up=$(( t + cs + 500 ))
}
now
targets=""
live=""
run=""
give_up=$(( t + 500 ))
for g in $groups; do
  eval "k=\\\${grp_$g-} d=\\\${done_$g-}"
  [ -n "$k" ] && [ -z "$d" ] || continue
  eval "done_$g=1"
  spec_of "$k"
  kill -"$sig" "-$g" 2>/dev/null && target "g:$g"
done
scan
[ -z "$targets" ] && [ -z "$run" ] && exit 0
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
  [ -z "$targets" ] && [ -z "$run" ] && exit 0
  if [ "$t" -ge "$give_up" ]; then
    for x in $run; do kill -KILL "\${x%%:*}" 2>/dev/null; done
    exit 0
  fi
done
`;
