# Shared helpers of the lab harness scripts (sourced by keepalived-lab.sh and pacemaker-lab.sh).
#
# A lab is identified by HWLAB_ID (letters and digits; the owner's pid is its digits, see sweep). Everything it
# creates carries the prefix hwl9-$HWLAB_ID (namespaces) or hwl9$HWLAB_ID (the one interface in the root
# namespace), and lives under HWLAB_DIR. Only processes whose pid the lab recorded, or that run inside the lab's own
# network namespaces, are ever signalled. Every wait is bounded.

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S.%3N)" "${HWLAB_ID:-lab}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

need() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  ((${#missing[@]} == 0)) || die "missing commands: ${missing[*]}"
}

ns_exists() { [[ -e /run/netns/$1 ]]; }

# wait_until SECONDS CMD... : poll every 100 ms; 0 when CMD succeeds, 1 on timeout.
wait_until() {
  local t=$1 end; shift
  end=$(($(now_ms) + ${t%.*} * 1000))
  while :; do
    "$@" && return 0
    (($(now_ms) > end)) && return 1
    sleep 0.1
  done
}

# The pid in file $1 if that process is alive, is named $2 and runs in network namespace $3 (a name, or "root").
live_pid() {
  local f=$1 comm=$2 ns=$3 pid nsino
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
  if [[ $ns == root ]]; then nsino=$(stat -Lc %i /proc/1/ns/net); else ns_exists "$ns" || return 1; nsino=$(stat -Lc %i "/run/netns/$ns"); fi
  [[ $(stat -Lc %i "/proc/$pid/ns/net" 2>/dev/null) == "$nsino" ]] || return 1
  echo "$pid"
}

# Kill everything inside the given network namespaces (all of it was started by this lab), then delete them.
kill_and_delete_ns() {
  local ns p left i
  for ns in "$@"; do ns_exists "$ns" || continue; for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done; done
  for i in $(seq 1 30); do
    left=0
    for ns in "$@"; do ns_exists "$ns" && [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && left=1; done
    ((left)) || break
    sleep 0.1
  done
  for ns in "$@"; do
    ns_exists "$ns" || continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

# A process of ours in the root namespace (the collector), recorded in file $1: killed only if its command line
# still names the lab directory $2 (so a recycled pid is left alone).
kill_recorded() {
  local f=$1 dir=$2 pid i
  [[ -s $f ]] || return 0
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do [[ -d /proc/$pid ]] || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Every process of ours in the root namespace recorded as $1/*.pid (the collector; bench/detect's Prometheus,
# Alertmanager and snmptrapd), each killed only if its command line still names $1.
kill_recorded_all() {
  local dir=$1 f
  for f in "$dir"/*.pid; do [[ -e $f ]] && kill_recorded "$f" "$dir"; done
  return 0
}

# Remove the directory of a lab, refusing anything that does not look like one.
remove_lab_dir() {
  local d=$1
  [[ -n $d && $(basename "$d") == hwl9-* && -d $d ]] || return 0
  rm -rf -- "$d"
}

# Labs left behind by an owner that died without cleaning up (SIGKILL, a crashed test runner): their id ends in
# the owner's pid. Only namespaces and directories named hwl9-<letter><digits> whose pid is gone are removed.
sweep_orphans() {
  local ns id pid d
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^hwl9-[a-z][0-9]+-' || true); do
    id=${ns#hwl9-}; id=${id%%-*}; pid=${id:1}
    [[ -d /proc/$pid ]] && continue
    log "sweep: removing orphaned namespace $ns (owner pid $pid is gone)"
    kill_and_delete_ns "$ns"
    # the root-side veth goes with the switch namespace, but the kernel tears that down asynchronously
    ip link del "hwl9$id" 2>/dev/null || true
  done
  for d in /var/tmp/hwl9-*; do
    [[ -d $d ]] || continue
    id=$(basename "$d"); id=${id#hwl9-}
    [[ $id =~ ^[a-z]([0-9]+)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    [[ -d /proc/$pid ]] && continue
    kill_recorded_all "$d"
    log "sweep: removing orphaned directory $d"
    remove_lab_dir "$d"
  done
}

# The node's /tmp is its own. A checkout under /tmp (CI may clone there) would vanish inside the node, and with it the
# hawatch the agents run: print the mount command that binds it back, for a holder's script (before /tmp is bound).
repo_into_node_tmp() { # NODE_TMP_DIR
  local repo
  repo=$(cd "$HERE/../.." && pwd)
  case $repo in
    /tmp/*)
      mkdir -p "$1/${repo#/tmp/}"
      printf "mount --bind '%s' '%s'\n" "$repo" "$1/${repo#/tmp/}"
      ;;
  esac
}
