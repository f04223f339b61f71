#!/usr/bin/env bash
# hawatch's corosync + Pacemaker lab: 3 nodes (or 2 with two_node) in network namespaces, for the lab tests.
#
#   HWLAB_ID=p<pid> HWLAB_NET=<octet> HWLAB_NODES=3|2 pacemaker-lab.sh COMMAND
#
#   up                 network, nodes, corosync + pacemakerd on each; waits for all online, quorate, one DC, and
#                      the Dummy resource `dummy` started
#   split [NODE [mgmt]] detach NODE's cluster port (default: the last node) from the switch; with mgmt its
#                      management port too (the collector loses the node); prints T0_MS
#   heal-net           reattach every port; prints T0_MS
#   healed             exit 0 when every node is a quorate member of the full cluster with one DC and dummy runs once
#   status             per node: quorate, members, pacemaker's DC, where dummy runs (its state file)
#   holder NODE        the host pid of the node's PID 1 (nsenter -t PID -m -u -n -p runs a command on the node)
#   on NODE CMD...     run CMD inside the node
#   fail-dummy         make dummy's next monitor fail on the node running it (remove its state file); prints T0_MS
#   down               stop everything, delete the namespaces and the lab directory
#   sweep              remove labs whose owner process died without cleaning up
#
# Topology (N = HWLAB_NET; all addresses only inside the lab, except 10.N.1.1 on the root side):
#   hwl9-ID-sw: bridges br0 (cluster: corosync knet) and br1 (management: agents to the collector)
#   hwl9-ID-nK: eth0 10.N.0.K on br0, eth1 10.N.1.1K on br1; hostname nK
#   root namespace: veth hwl9ID, 10.N.1.1/24 on br1
# Each node has its own network, mount, UTS and PID namespaces; /etc/corosync, /var/lib/corosync, /var/log/corosync,
# /var/lib/pacemaker, /var/log/pacemaker, /run and /tmp are per-node directories under HWLAB_DIR/nK bind-mounted over
# the real ones, and /dev/shm is a fresh tmpfs (libqb's ring buffers). The CIB is written before the start
# (stonith off, no-quorum-policy stop, dc-deadtime 5s, one ocf:pacemaker:Dummy preferring n1).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ID=${HWLAB_ID:-p$$}
[[ $ID =~ ^[a-z][0-9]{1,7}$ ]] || die "HWLAB_ID must be a letter and up to 7 digits (the owner's pid), not '$ID'"
P=hwl9-$ID
NS_SW=$P-sw
ROOT_IF=hwl9$ID
DIR=${HWLAB_DIR:-/var/tmp/$P}
N=${HWLAB_NET:-232}
[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 254)) || die "HWLAB_NET must be an octet"
NET=10.$N.0
MGMT=10.$N.1
NODES=${HWLAB_NODES:-3}
[[ $NODES == 2 || $NODES == 3 ]] || die "HWLAB_NODES must be 2 or 3"
TOKEN=${HWLAB_TOKEN:-} # corosync token in ms; empty: corosync's default (3000)
TIMEOUT=${HWLAB_TIMEOUT:-120}

nodes() { seq 1 "$NODES" | sed 's/^/n/'; }
node_ns() { echo "$P-$1"; }
holder_pid() { live_pid "$DIR/$1/holder.pid" bash "$(node_ns "$1")"; }

on() {
  local n=$1 h
  shift
  h=$(holder_pid "$n") || die "node $n is not up"
  timeout 30 nsenter -t "$h" -m -u -n -p -- "$@"
}

corosync_conf() {
  local n
  printf 'totem {\n  version: 2\n  cluster_name: %s\n  transport: knet\n  crypto_cipher: none\n  crypto_hash: none\n' "$P"
  [[ -n $TOKEN ]] && printf '  token: %s\n' "$TOKEN"
  printf '}\nnodelist {\n'
  for n in $(nodes); do printf '  node {\n    ring0_addr: %s\n    name: %s\n    nodeid: %s\n  }\n' "$NET.${n#n}" "$n" "${n#n}"; done
  printf '}\nquorum {\n  provider: corosync_votequorum\n'
  [[ $NODES == 2 ]] && printf '  two_node: 1\n'
  printf '}\nlogging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n  to_syslog: no\n  to_stderr: no\n  timestamp: hires\n}\n'
}

seed_cib() {
  local f=$1
  cibadmin --empty >"$f"
  CIB_file=$f crm_attribute --type crm_config --name dc-deadtime --update 5s >/dev/null
  CIB_file=$f crm_attribute --type crm_config --name stonith-enabled --update false >/dev/null
  CIB_file=$f crm_attribute --type crm_config --name no-quorum-policy --update stop >/dev/null
  CIB_file=$f cibadmin --create --scope resources --xml-text \
    '<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="dummy-meta"><nvpair id="dummy-stick" name="resource-stickiness" value="100"/></meta_attributes><operations><op id="dummy-mon" name="monitor" interval="5s"/></operations></primitive>'
  CIB_file=$f cibadmin --create --scope constraints --xml-text '<rsc_location id="dummy-prefers-n1" rsc="dummy" node="n1" score="50"/>'
  chown hacluster:haclient "$f"
  chmod 600 "$f"
}

node_files() {
  local d=$DIR/$1
  mkdir -p "$d"/{etc-corosync/uidgid.d,var-lib-corosync,var-log-corosync,var-log-pacemaker/bundles,run/crm,run/resource-agents,tmp,agent}
  mkdir -p "$d"/var-lib-pacemaker/{cib,pengine,blackbox,cores}
  chown -R hacluster:haclient "$d"/var-lib-pacemaker "$d"/var-log-pacemaker "$d"/run/crm
  chmod 750 "$d"/var-lib-pacemaker/*
  chmod 770 "$d"/var-log-pacemaker
  chmod 755 "$d" "$d"/run
  chmod 1777 "$d"/tmp
  corosync_conf >"$d/etc-corosync/corosync.conf"
  [[ -e $d/var-lib-pacemaker/cib/cib.xml ]] || seed_cib "$d/var-lib-pacemaker/cib/cib.xml"
}

start_holder() {
  local n=$1 d=$DIR/$1 u h
  holder_pid "$n" >/dev/null && return 0
  node_files "$n"
  # PID 1 of the node: a bash loop that holds the namespaces and reaps orphans.
  ip netns exec "$(node_ns "$n")" unshare --mount --uts --pid --fork --mount-proc --propagation private -- /bin/bash -ec "
    hostname $n
    mount --bind '$d/etc-corosync' /etc/corosync
    mount --bind '$d/var-lib-corosync' /var/lib/corosync
    mount --bind '$d/var-log-corosync' /var/log/corosync
    mount --bind '$d/var-lib-pacemaker' /var/lib/pacemaker
    mount --bind '$d/var-log-pacemaker' /var/log/pacemaker
    mount -t tmpfs -o mode=1777,size=256m hwl9-shm /dev/shm
    mount --bind '$d/run' /run
    $(repo_into_node_tmp "$d/tmp")
    mount --rbind '$d/tmp' /tmp
    trap 'exit 0' TERM
    while :; do sleep 3600 & wait \$! || true; done" </dev/null >>"$d/holder.log" 2>&1 &
  u=$!
  disown "$u" 2>/dev/null || true
  wait_until 10 bash -c "[[ \$(cat /proc/$u/comm 2>/dev/null) == unshare && -n \$(cat /proc/$u/task/$u/children 2>/dev/null) ]]" \
    || die "holder of node $n did not start (see $d/holder.log)"
  h=$(awk '{print $1}' "/proc/$u/task/$u/children")
  echo "$h" >"$d/holder.pid"
  wait_until 10 bash -c "[[ \$(cat /proc/$h/comm 2>/dev/null) == bash ]] && grep -q ' /tmp ' /proc/$h/mountinfo" \
    || die "holder of node $n did not set up its mounts (see $d/holder.log)"
}

net_up() {
  local n ns br
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  for ns in "$NS_SW" $(for n in $(nodes); do node_ns "$n"; done); do
    ns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
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
  for n in $(nodes); do
    ns=$(node_ns "$n")
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      ip link add "h9c$ID$n" netns "$ns" type veth peer name "sw-$n" netns "$NS_SW"
      ip -n "$ns" link set "h9c$ID$n" name eth0
      ip -n "$ns" addr add "$NET.${n#n}/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$NS_SW" link set "sw-$n" master br0
      ip -n "$NS_SW" link set "sw-$n" up
    fi
    if ! ip -n "$ns" link show eth1 >/dev/null 2>&1; then
      ip link add "h9m$ID$n" netns "$ns" type veth peer name "mg-$n" netns "$NS_SW"
      ip -n "$ns" link set "h9m$ID$n" name eth1
      ip -n "$ns" addr add "$MGMT.1${n#n}/24" dev eth1
      ip -n "$ns" link set eth1 up
      ip -n "$NS_SW" link set "mg-$n" master br1
      ip -n "$NS_SW" link set "mg-$n" up
    fi
    start_holder "$n"
  done
  wait_until 10 ip netns exec "$P-n1" ping -c1 -W1 "$NET.2" >/dev/null || die "no connectivity n1 -> n2 on the cluster network"
  wait_until 10 ip netns exec "$P-n$NODES" ping -c1 -W1 "$MGMT.1" >/dev/null || die "no connectivity n$NODES -> root on the management network"
}

# ---- observations (inside a node) -------------------------------------------------------------------------------
running() { on "$1" /bin/sh -c "[ \"\$(cat /proc/\$(cat /run/hwl9-$2.pid 2>/dev/null)/comm 2>/dev/null)\" = $2 ]" 2>/dev/null; }
# corosync-quorumtool -s exits 2 when not quorate: never use it raw under pipefail
qtool() { on "$1" corosync-quorumtool -s 2>/dev/null || true; }
quorate() { qtool "$1" | grep -q '^Quorate: *Yes'; }
members() { qtool "$1" | awk '/^Membership information/{f=1} f&&$1~/^[0-9]+$/{c++} END{print c+0}'; }
monxml() { on "$1" crm_mon -1 --output-as=xml 2>/dev/null || true; }
online_count() { monxml "$1" | { grep -o '<node name="[^"]*" id="[^"]*" online="true"' || true; } | wc -l; }
dc_of() { monxml "$1" | { grep -o '<current_dc present="true"[^>]*' || true; } | { grep -o ' name="[^"]*"' || true; } | cut -d'"' -f2; }
# Dummy's own state file on the node: the ground truth of "runs here"
dummy_here() { [[ -e $DIR/$1/run/Dummy-dummy.state ]]; }
dummy_count() { local c=0 n; for n in $(nodes); do dummy_here "$n" && c=$((c + 1)); done; echo "$c"; }

start_node() {
  local n=$1 d=$DIR/$1
  start_holder "$n"
  if ! running "$n" corosync; then
    on "$n" /bin/sh -c "corosync -f </dev/null >>'$d/corosync.out' 2>&1 & echo \$! >/run/hwl9-corosync.pid"
    wait_until 20 on "$n" corosync-cfgtool -s >/dev/null 2>&1 || die "corosync $n does not answer (see $d/var-log-corosync/corosync.log)"
  fi
  if ! running "$n" pacemakerd; then
    on "$n" /bin/sh -c "PCMK_logfacility=none PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd </dev/null >>'$d/pacemakerd.out' 2>&1 & echo \$! >/run/hwl9-pacemakerd.pid"
  fi
}

healed() {
  local n dc dcs=""
  for n in $(nodes); do
    quorate "$n" || return 1
    [[ $(members "$n") == "$NODES" ]] || return 1
    [[ $(online_count "$n") == "$NODES" ]] || return 1
    dc=$(dc_of "$n")
    [[ -n $dc ]] || return 1
    dcs="$dcs $dc"
  done
  [[ $(echo "$dcs" | tr ' ' '\n' | grep . | sort -u | wc -l) == 1 ]] || return 1
  [[ $(dummy_count) == 1 ]]
}

cmd_status() {
  local n
  for n in $(nodes); do
    if ! holder_pid "$n" >/dev/null; then echo "$n: down"; continue; fi
    printf '%s: quorate=%s members=%s online=%s dc=%s dummy_here=%s\n' "$n" \
      "$(qtool "$n" | awk -F': *' '/^Quorate/{print $2}')" "$(members "$n")" "$(online_count "$n")" "$(dc_of "$n")" \
      "$(dummy_here "$n" && echo yes || echo no)"
  done
}

cmd_up() {
  need ip nsenter unshare corosync pacemakerd crm_mon corosync-quorumtool cibadmin crm_attribute ping
  trap 'log "up failed or interrupted: cleaning up"; cmd_down' EXIT
  trap 'exit 130' INT TERM
  net_up
  local n
  for n in $(nodes); do start_node "$n"; done
  wait_until "$TIMEOUT" healed || die "cluster not formed within ${TIMEOUT}s: $(cmd_status | tr '\n' ';')"
  trap - EXIT INT TERM
  cmd_status
}

cmd_split() {
  local v=${1:-n$NODES} what=${2:-cluster}
  echo "T0_MS=$(now_ms)"
  ip -n "$NS_SW" link set "sw-$v" nomaster
  # mgmt: the node's management port too, in the same instant: the collector loses the node as well
  [[ $what == mgmt ]] && ip -n "$NS_SW" link set "mg-$v" nomaster
  return 0
}

cmd_heal_net() {
  local n
  echo "T0_MS=$(now_ms)"
  for n in $(nodes); do
    ip -n "$NS_SW" link set "sw-$n" master br0 2>/dev/null || true
    ip -n "$NS_SW" link set "mg-$n" master br1 2>/dev/null || true
  done
}

cmd_fail_dummy() {
  local n
  for n in $(nodes); do
    if dummy_here "$n"; then
      echo "NODE=$n"
      echo "T0_MS=$(now_ms)"
      rm -f "$DIR/$n/run/Dummy-dummy.state"
      return 0
    fi
  done
  die "dummy runs nowhere"
}

cmd_down() {
  trap - EXIT INT TERM
  kill_recorded_all "$DIR"
  local ns=() n
  for n in n1 n2 n3; do ns+=("$(node_ns "$n")"); done
  kill_and_delete_ns "${ns[@]}" "$NS_SW"
  ip link del "$ROOT_IF" 2>/dev/null || true
  remove_lab_dir "$DIR"
  log "down: $P removed"
}

[[ $EUID == 0 ]] || die "run as root"
case ${1:-} in
  up) cmd_up ;;
  split) cmd_split "${2:-}" "${3:-}" ;;
  heal-net) cmd_heal_net ;;
  healed) healed ;;
  status) cmd_status ;;
  holder) holder_pid "${2:?node}" ;;
  on)
    shift
    n=$1
    shift
    on "$n" "$@"
    ;;
  fail-dummy) cmd_fail_dummy ;;
  down) cmd_down ;;
  sweep) sweep_orphans ;;
  *)
    sed -n '2,18p' "$0"
    exit 2
    ;;
esac
