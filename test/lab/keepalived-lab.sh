#!/usr/bin/env bash
# hawatch's keepalived lab: two real keepalived nodes (VRRP) in network namespaces, for the lab tests.
#
#   HWLAB_ID=k<pid> HWLAB_NET=<octet> keepalived-lab.sh COMMAND
#
#   up                 network, node namespaces, keepalived on both nodes; waits until node-a alone holds the VIP
#   net-up             network and node namespaces only (each node's namespaces are held by its PID 1, a bash loop)
#   start a|b          start keepalived on a node (the notify FIFO exists before it starts)
#   stop a|b term|kill SIGTERM keepalived, or crash it (SIGSTOP parent, SIGKILL VRRP child, SIGKILL parent)
#   split port|carrier|nft
#                      port: detach node-b's cluster port from the switch (a switch partition: both MASTER)
#                      carrier: set node-b's switch-side link down (node-b: NO-CARRIER, keepalived FAULT)
#                      nft: drop VRRP (IP protocol 112) in and out on node-b
#   heal-net           undo every split
#   status             one line per node: keepalived pid, last notify state, VIP held or not
#   holder a|b         the host pid of node a's PID 1 (nsenter -t PID -m -u -n -p runs a command on the node)
#   pid a|b            keepalived's pid on the node (its own PID namespace), if it runs
#   on a|b CMD...      run CMD inside the node (net, mount and UTS namespaces)
#   down               stop everything, delete the namespaces and the lab directory
#   sweep              remove labs whose owner process died without cleaning up
#
# HWLAB_KA_SNMP=1 adds keepalived's SNMP (enable_snmp_vrrp, enable_traps, AgentX on tcp:127.0.0.1:705 of the node).
# The fault commands print T0_MS=<epoch ms> just before the fault is applied.
#
# Topology (N = HWLAB_NET, a free second octet; all addresses exist only inside the lab, except 10.N.1.1):
#   namespace hwl9-ID-sw: bridge br0 (cluster network) and bridge br1 (management network)
#   hwl9-ID-a (node-a): eth0 10.N.0.11 on br0 (VRRP, VIP 10.N.0.100), eth1 10.N.1.11 on br1
#   hwl9-ID-b (node-b): eth0 10.N.0.12 on br0,                         eth1 10.N.1.12 on br1
#   root namespace: veth hwl9ID, 10.N.1.1/24, on br1: the collector and the webhook receiver listen there only.
# The management network is separate so that a partition of the cluster network does not blind the monitoring.
# Each node has its own network, mount, UTS (hostname node-a/node-b) and PID namespaces (/proc shows the node's
# processes only), and private /run, /tmp and /etc/keepalived (bind mounts of HWLAB_DIR/<node>/{run,tmp,etc-keepalived}),
# so keepalived and the agent use the default paths: /etc/keepalived/keepalived.conf, /run/keepalived.pid,
# /run/keepalived/notify.fifo, /tmp/keepalived.json. keepalived's notify script appends
# "<epoch ms> <STATE> <instance> <priority>" to /run/keepalived/transitions.log: the onset times.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ID=${HWLAB_ID:-k$$}
[[ $ID =~ ^[a-z][0-9]{1,7}$ ]] || die "HWLAB_ID must be a letter and up to 7 digits (the owner's pid), not '$ID'"
P=hwl9-$ID
NS_SW=$P-sw
ROOT_IF=hwl9$ID
DIR=${HWLAB_DIR:-/var/tmp/$P}
N=${HWLAB_NET:-231}
[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 254)) || die "HWLAB_NET must be an octet"
NET=10.$N.0
MGMT=10.$N.1
VIP=$NET.100
VRID=${HWLAB_VRID:-51}
ADVERT=${HWLAB_ADVERT:-1}
TIMEOUT=${HWLAB_TIMEOUT:-30}

node_ns() { case $1 in a | b) echo "$P-$1" ;; *) die "node must be a or b" ;; esac; }
node_num() { case $1 in a) echo 11 ;; b) echo 12 ;; esac; }
prio() { case $1 in a) echo 150 ;; b) echo 100 ;; esac; }

holder_pid() { live_pid "$DIR/$1/holder.pid" bash "$(node_ns "$1")"; }
# keepalived's pid as the node sees it (its own PID namespace), if it runs there and is not a zombie
ka_pid() {
  holder_pid "$1" >/dev/null || return 1
  on "$1" /bin/sh -c 'p=$(cat /run/keepalived.pid 2>/dev/null) && [ "$(cat /proc/$p/comm 2>/dev/null)" = keepalived ] &&
    [ "$(cut -d" " -f3 /proc/$p/stat)" != Z ] && echo "$p"'
}
has_vip() { ip -n "$(node_ns "$1")" -4 -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }
last_state() { local f=$DIR/$1/run/keepalived/transitions.log; [[ -s $f ]] && tail -n1 "$f" | awk '{print $2}' || echo UNKNOWN; }

on() {
  local n=$1 h
  shift
  h=$(holder_pid "$n") || die "node $n is not up"
  timeout 30 nsenter -t "$h" -m -u -n -p -- "$@"
}

# HWLAB_KA_SNMP=1 (bench/detect): keepalived registers its MIB with the node's own snmpd (AgentX master on the
# node's loopback, started by the caller) and sends vrrpInstanceStateChange traps through it.
snmp_defs() {
  [[ ${HWLAB_KA_SNMP:-0} == 1 ]] || return 0
  printf '  enable_snmp_vrrp\n  enable_traps\n  snmp_socket tcp:127.0.0.1:705\n'
}

write_node_files() {
  local n=$1 d=$DIR/$1
  mkdir -p "$d"/{run/keepalived,tmp,etc-keepalived,agent}
  chmod 1777 "$d/tmp"
  chmod 755 "$d" "$d/run" "$d/run/keepalived" "$d/etc-keepalived"
  cat >"$d/etc-keepalived/notify.sh" <<'EOS'
#!/bin/sh
# keepalived notify script: TYPE NAME STATE PRIORITY. Stamps each change (the lab's onset times).
echo "$(date +%s%3N) $3 $2 $4" >> /run/keepalived/transitions.log
EOS
  chmod 755 "$d/etc-keepalived/notify.sh"
  cat >"$d/etc-keepalived/keepalived.conf" <<EOF
global_defs {
  router_id lab_$n
  script_user root
  enable_script_security
  vrrp_notify_fifo /run/keepalived/notify.fifo
  vrrp_garp_master_delay 1
  vrrp_garp_master_refresh 0
$(snmp_defs)
}
vrrp_instance VI_LAB {
  state BACKUP
  interface eth0
  virtual_router_id $VRID
  priority $(prio "$n")
  advert_int $ADVERT
  virtual_ipaddress {
    $VIP/24 dev eth0
  }
  notify /etc/keepalived/notify.sh
}
EOF
  # Before keepalived starts, so that it survives keepalived's restarts (keepalived deletes a FIFO it created).
  [[ -p $d/run/keepalived/notify.fifo ]] || mkfifo -m 600 "$d/run/keepalived/notify.fifo"
}

start_holder() {
  local n=$1 ns d=$DIR/$1 u h
  ns=$(node_ns "$n")
  holder_pid "$n" >/dev/null && return 0
  write_node_files "$n"
  # A node = private network, mount, UTS and PID namespaces. /run, /tmp and /etc/keepalived are the node's own;
  # /proc shows only the node's processes (the agent's keepalived process check must not see the other node's).
  # PID 1 of the node is a bash loop: it holds the namespaces open and reaps orphans (a crashed keepalived's
  # child must not linger as a zombie named keepalived). Everything on the node is started with nsenter into it.
  ip netns exec "$ns" unshare --mount --uts --pid --fork --mount-proc --propagation private -- /bin/bash -ec "
    hostname node-$n
    mount --bind '$d/run' /run
    $(repo_into_node_tmp "$d/tmp")
    mount --rbind '$d/tmp' /tmp
    mount --bind '$d/etc-keepalived' /etc/keepalived
    trap 'exit 0' TERM
    while :; do sleep 3600 & wait \$! || true; done" </dev/null >>"$d/holder.log" 2>&1 &
  u=$!
  disown "$u" 2>/dev/null || true
  # $! is unshare (after ip execs it); the node's PID 1 is its child
  wait_until 10 bash -c "[[ \$(cat /proc/$u/comm 2>/dev/null) == unshare && -n \$(cat /proc/$u/task/$u/children 2>/dev/null) ]]" \
    || die "holder of node $n did not start (see $d/holder.log)"
  h=$(awk '{print $1}' "/proc/$u/task/$u/children")
  echo "$h" >"$d/holder.pid"
  wait_until 10 bash -c "[[ \$(cat /proc/$h/comm 2>/dev/null) == bash ]] && grep -q ' /etc/keepalived ' /proc/$h/mountinfo" \
    || die "holder of node $n did not set up its mounts (see $d/holder.log)"
}

net_up() {
  local n ns
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  for ns in "$NS_SW" "$P-a" "$P-b"; do
    ns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  local br
  for br in br0 br1; do
    if ! ip -n "$NS_SW" link show "$br" >/dev/null 2>&1; then
      ip -n "$NS_SW" link add "$br" type bridge
      ip -n "$NS_SW" link set "$br" type bridge stp_state 0 forward_delay 0
      ip -n "$NS_SW" link set "$br" up
    fi
  done
  if ! ip link show "$ROOT_IF" >/dev/null 2>&1; then
    ip link add "$ROOT_IF" type veth peer name mg-root netns "$NS_SW"
    ip addr add "$MGMT.1/24" dev "$ROOT_IF"
    ip link set "$ROOT_IF" up
    ip -n "$NS_SW" link set mg-root master br1
    ip -n "$NS_SW" link set mg-root up
  fi
  for n in a b; do
    ns=$(node_ns "$n")
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip link add "h9c$ID$n" netns "$ns" type veth peer name "sw-$n" netns "$NS_SW"
      ip -n "$ns" link set "h9c$ID$n" name eth0
      ip -n "$ns" addr add "$NET.$(node_num "$n")/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$NS_SW" link set "sw-$n" master br0
      ip -n "$NS_SW" link set "sw-$n" up
    fi
    if ! ip -n "$ns" link show eth1 >/dev/null 2>&1; then
      ip link add "h9m$ID$n" netns "$ns" type veth peer name "mg-$n" netns "$NS_SW"
      ip -n "$ns" link set "h9m$ID$n" name eth1
      ip -n "$ns" addr add "$MGMT.$(node_num "$n")/24" dev eth1
      ip -n "$ns" link set eth1 up
      ip -n "$NS_SW" link set "mg-$n" master br1
      ip -n "$NS_SW" link set "mg-$n" up
    fi
    start_holder "$n"
  done
  wait_until 10 ip netns exec "$P-a" ping -c1 -W1 "$NET.12" >/dev/null || die "no connectivity node-a -> node-b on the cluster network"
  wait_until 10 ip netns exec "$P-b" ping -c1 -W1 "$MGMT.1" >/dev/null || die "no connectivity node-b -> root on the management network"
}

start_ka() {
  local n=$1 d=$DIR/$1 pid
  if pid=$(ka_pid "$n"); then log "keepalived $n already runs (pid $pid on the node)"; return 0; fi
  holder_pid "$n" >/dev/null || die "node $n is not up"
  write_node_files "$n"
  rm -f "$d"/run/{keepalived,vrrp,checkers}.pid
  # -n foreground, -l -D console log, detailed; -P VRRP only. Started in the background by a shell that exits at
  # once, so that keepalived's parent is the node's PID 1 (which reaps it), not nsenter.
  on "$n" /bin/sh -c "keepalived -n -l -D -P -f /etc/keepalived/keepalived.conf \
    -p /run/keepalived.pid -r /run/vrrp.pid -c /run/checkers.pid </dev/null >>'$d/keepalived.log' 2>&1 &"
  wait_until 10 ka_pid "$n" >/dev/null || die "keepalived $n did not start (see $d/keepalived.log)"
  log "keepalived $n started (pid $(ka_pid "$n") on the node)"
}

ka_gone() { ! ka_pid "$1" >/dev/null; }

stop_ka() {
  local n=$1 mode=${2:-term}
  ka_pid "$n" >/dev/null || { log "keepalived $n is not running"; return 0; }
  case $mode in
    term)
      on "$n" /bin/sh -c 'p=$(cat /run/keepalived.pid); echo "T0_MS=$(date +%s%3N)"; kill -TERM "$p"'
      ;;
    kill)
      # A crash: freeze the parent (no respawn, no cleanup), SIGKILL the VRRP child, then the parent. The VIP stays.
      on "$n" /bin/sh -c 'p=$(cat /run/keepalived.pid); c=$(cat /run/vrrp.pid 2>/dev/null)
        [ "$(cat /proc/$c/comm 2>/dev/null)" = keepalived ] || c=
        echo "T0_MS=$(date +%s%3N)"
        kill -STOP "$p"; [ -n "$c" ] && kill -KILL "$c"; kill -KILL "$p"'
      ;;
    *) die "stop mode: term|kill" ;;
  esac
  [[ ${3:-} == nowait ]] && return 0
  wait_until 15 ka_gone "$n" || log "WARN keepalived $n still alive"
}

cmd_split() {
  local mode=${1:-port}
  case $mode in
    port)
      echo "T0_MS=$(now_ms)"
      ip -n "$NS_SW" link set sw-b nomaster
      ;;
    carrier)
      echo "T0_MS=$(now_ms)"
      ip -n "$NS_SW" link set sw-b down
      ;;
    nft)
      echo "T0_MS=$(now_ms)"
      ip netns exec "$P-b" nft -f - <<'EOF'
table inet hwlab {
  chain in  { type filter hook input  priority 0; ip protocol vrrp drop; }
  chain out { type filter hook output priority 0; ip protocol vrrp drop; }
}
EOF
      ;;
    *) die "split mode: port|carrier|nft" ;;
  esac
}

cmd_heal_net() {
  local n
  ns_exists "$NS_SW" || return 0
  echo "T0_MS=$(now_ms)"
  for n in a b; do
    ip -n "$NS_SW" link set "sw-$n" master br0 2>/dev/null || true
    ip -n "$NS_SW" link set "sw-$n" up 2>/dev/null || true
    ns_exists "$P-$n" && { ip netns exec "$P-$n" nft delete table inet hwlab 2>/dev/null || true; }
  done
}

converged() { has_vip a && ! has_vip b && [[ $(last_state a) == MASTER && $(last_state b) == BACKUP ]]; }

cmd_status() {
  local n pid vip
  for n in a b; do
    pid=$(ka_pid "$n" || echo -)
    vip=no
    has_vip "$n" && vip=yes
    printf 'node-%s keepalived=%s state=%s vip=%s\n' "$n" "$pid" "$(last_state "$n")" "$vip"
  done
}

cmd_up() {
  need ip nsenter unshare keepalived ping mkfifo
  trap 'log "up failed or interrupted: cleaning up"; cmd_down' EXIT
  trap 'exit 130' INT TERM
  net_up
  if [[ ${1:-} != net ]]; then
    start_ka a
    start_ka b
    wait_until "$TIMEOUT" converged || die "keepalived did not converge within ${TIMEOUT}s: $(cmd_status | tr '\n' ';')"
  fi
  trap - EXIT INT TERM
  cmd_status
}

cmd_down() {
  trap - EXIT INT TERM
  kill_recorded_all "$DIR"
  kill_and_delete_ns "$P-a" "$P-b" "$NS_SW"
  # deleting the switch namespace deletes the root-side veth with its peer; make sure
  ip link del "$ROOT_IF" 2>/dev/null || true
  remove_lab_dir "$DIR"
  log "down: $P removed"
}

[[ $EUID == 0 ]] || die "run as root"
case ${1:-} in
  up) cmd_up ;;
  net-up) cmd_up net ;;
  start) start_ka "${2:?node}" ;;
  stop) stop_ka "${2:?node}" "${3:-term}" "${4:-}" ;;
  split) cmd_split "${2:-port}" ;;
  heal-net) cmd_heal_net ;;
  status) cmd_status ;;
  holder) holder_pid "${2:?node}" ;;
  pid) ka_pid "${2:?node}" ;;
  on)
    shift
    n=$1
    shift
    on "$n" "$@"
    ;;
  down) cmd_down ;;
  sweep) sweep_orphans ;;
  *)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
