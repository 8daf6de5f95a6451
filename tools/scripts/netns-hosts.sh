#!/usr/bin/env bash
# Runs a command with COCO_MPIRUN set to launch MPI ranks on N "hosts": N
# network namespaces on this machine, each with its own network stack and
# address, joined by veth pairs to a bridge, so that Open MPI sees N nodes
# and its ranks talk over TCP (no shared memory between hosts), as on a
# cluster. The launch agent (what ssh is on a cluster) enters the host's
# namespace. Needs root (ip netns); the namespaces are removed on exit.
#
#   bash tools/scripts/netns-hosts.sh [-n N] COMMAND...
#   e.g. bash tools/scripts/netns-hosts.sh python3 test/Integration/lib/check_collectives.py prog 4
#
# Host i (1..N) is namespace coco-host<i> at 10.77.0.<i>; the bridge (in
# this namespace, where mpirun runs) is 10.77.0.254. One cluster at a time
# (a lock): the addresses are fixed. docs/UsingCoco.md ("Several hosts")
# says how to do the same on a real cluster.
set -euo pipefail
N=4
if [ "${1:-}" = "-n" ]; then N=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: netns-hosts.sh [-n N] COMMAND..." >&2; exit 2; }
[ "$N" -ge 1 ] && [ "$N" -le 16 ] || { echo "netns-hosts: N must be 1..16" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "netns-hosts: needs root (ip netns)" >&2; exit 2; }

exec 9>/tmp/coco-netns-hosts.lock
flock -w 600 9 || { echo "netns-hosts: another cluster has held the lock for 10 minutes" >&2; exit 1; }
BRIDGE=cocobr0

# Everything this script makes, also what a killed run left: processes
# still in a namespace (which would keep it, and its veth, alive), the
# namespaces, the host ends of the veth pairs, the bridge.
remove_hosts() {
  set +e
  for ns in $(ip netns list | awk '/^coco-host[0-9]+/ {print $1}'); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  for link in $(ip -o link show | awk -F': ' '$2 ~ /^coco-veth[0-9]+/ {sub(/@.*/, "", $2); print $2}'); do
    ip link del "$link" 2>/dev/null
  done
  ip link del "$BRIDGE" 2>/dev/null
  set -e
}
# Cleaned up however the script ends (a signal too: EXIT alone misses it).
trap 'remove_hosts; rm -rf "${WORK:-/nonexistent}"' EXIT
trap 'exit 143' TERM INT HUP
remove_hosts # leftovers of a run that was killed
WORK=$(mktemp -d /tmp/coco-netns-hosts.XXXXXX)

ip link add "$BRIDGE" type bridge
ip addr add 10.77.0.254/24 dev "$BRIDGE"
ip link set "$BRIDGE" up
: >"$WORK/hosts"
for i in $(seq 1 "$N"); do
  ns=coco-host$i
  ip netns add "$ns"
  ip link add "coco-veth$i" type veth peer name eth0 netns "$ns"
  ip link set "coco-veth$i" master "$BRIDGE" up
  ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  echo "10.77.0.$i slots=1" >>"$WORK/hosts"
done
# Open MPI's launch agent: "AGENT HOST COMMAND" runs the daemon's command
# line in HOST's network namespace (the file system is shared, like NFS on
# a cluster). Each host gets a session directory of its own: all of them
# have this machine's host name, and Open MPI's daemons would otherwise
# create and remove each other's session files under one /tmp/ompi.* and
# fail now and then.
cat >"$WORK/agent" <<AGENT
#!/bin/sh
host=\$1
shift
export OMPI_MCA_orte_tmpdir_base="$WORK/tmp/\$host"
mkdir -p "\$OMPI_MCA_orte_tmpdir_base"
exec nsenter --net="/run/netns/coco-host\${host##*.}" /bin/sh -c "\$*"
AGENT
chmod +x "$WORK/agent"

NET=10.77.0.0/24
export COCO_MPIRUN="mpirun --allow-run-as-root --hostfile $WORK/hosts --map-by node \
--mca plm rsh --mca plm_rsh_agent $WORK/agent --mca plm_rsh_no_tree_spawn 1 \
--mca btl self,tcp --mca btl_tcp_if_include $NET --mca oob_tcp_if_include $NET"
echo "netns-hosts: $N hosts (coco-host1..$N at 10.77.0.1..$N); COCO_MPIRUN=$COCO_MPIRUN" >&2
# Without the lock's descriptor: a daemon that outlives the command must
# not keep the next cluster waiting. In the background with `wait`, so that
# a signal ends the command and cleans up at once (bash runs traps only
# between foreground commands).
exec 3<&0
"$@" 9>&- 0<&3 &
command_pid=$!
trap 'kill -TERM "$command_pid" 2>/dev/null; exit 143' TERM INT HUP
wait "$command_pid"
