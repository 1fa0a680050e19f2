/**
 * The guardian, as a POSIX shell script: it starts in about a millisecond (a Node process
 * would cost ~100 ms of CPU at every start, competing with the services'), and needs
 * nothing of berth's. It reads `+<pgid>` / `-<pgid>` lines from the host on stdin. At EOF,
 * if groups are still recorded (the host died, say by `kill -9`), it sends SIGTERM to them
 * and, on Linux, to every process carrying the host's run id in its environment
 * (grandchildren that left their group too); SIGKILL to whatever is left after a second.
 * On a clean exit the host has untracked every group, so there is nothing to do.
 *
 * `$1` is the run id.
 */
export const GUARDIAN_SCRIPT = `
trap '' INT HUP
run_id="$1"
groups=" "
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups\${line#+} " ;;
    -*) g="\${line#-}"
        case "$groups" in *" $g "*) groups="\${groups%% $g *} \${groups#* $g }" ;; esac ;;
  esac
done
strays() {
  [ -n "$run_id" ] && [ -d /proc/self ] || return 0
  grep -lasF "BERTH_RUN_ID=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}
targets() {
  for g in $groups; do echo "-$g"; done
  for p in $(strays); do [ "$p" != "$$" ] && echo "$p"; done
}
t=$(targets)
[ -z "$t" ] && exit 0
kill -TERM $t 2>/dev/null
i=0
while [ $i -lt 20 ]; do
  sleep 0.05
  left=""
  for x in $t; do kill -0 $x 2>/dev/null && left=1; done
  [ -z "$left" ] && exit 0
  i=$((i + 1))
done
kill -KILL $t $(targets) 2>/dev/null
exit 0
`;
