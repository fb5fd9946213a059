#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/demo.sh (make demo): a semnet cluster in one VM. semnet-root,
# semnet-cluster and mosquitto in a control namespace; three nodes
# (namespaces on an underlay bridge) each running semnetd; an orchestrator
# (this script, with curl) deploys a service with three instances on nodes
# B and C and a client on node A through semnetd's unix socket. The client
# calls the service's RR address, then its IPv6 RR address (every node is
# dual stack), then its Closest address (node C lies 20 ms further away);
# then one instance is undeployed and the traffic moves. Started on the host, it builds what it needs and re-runs
# itself in the VM.
# vm-timeout: 480
set -uo pipefail

if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	echo "demo: building semnet.ko and the programs"
	make -s -C "$top" module user >/dev/null || exit 1
	echo "demo: booting the VM (qemu, no KVM: give it a minute)"
	exec "$top/tests/vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"

WEB=app.ns.web.prod
CLI=cli.ns.c.prod
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; sd_dump a b c >&2; exit 1; }
# api NODE PATH BODY: shows the request as curl and its answer
api() {
	printf '$ curl --unix-socket %s.sock -X POST http://localhost%s -d %s\n' "$1" "$2" "'$3'"
	sd_api "$1" POST "$2" "$3" | sed 's/^\([0-9]*\) /  -> HTTP \1 /'
	echo
}
requests() {	# requests N [ADDR]: N connections from the client to ADDR (the RR address)
	local addr=${2:-$RR} names="" i to=TCP nsip=NSIP
	# An IPv6 address: socat's brackets, and the IPv6 nsIPs to show.
	[[ $addr == *:* ]] && to="TCP6:[$addr]" nsip=NSIP6 || to="TCP:$addr"
	for i in $(seq "$1"); do
		names+=$(ip netns exec cli socat -T15 -t15 - "$to:80,connect-timeout=15" </dev/null)$'\n'
	done
	local -n ns=$nsip
	for i in x0 x1 x2; do
		printf '  %-3s (%s, nsIP %-13s) answered %2d of %d\n' "$i" "${WHERE[$i]}" "${ns[$i]}" \
			"$(grep -cx "$i" <<<"$names")" "$1"
	done
}
declare -A WHERE=([x0]="node b" [x1]="node c" [x2]="node c") NSIP NSIP6

step "Control plane (namespace ctl, 10.99.0.100 on the underlay)"
sd_control || die "the control plane does not start"
echo "semnet-root :10099, semnet-cluster c1 :10110, mosquitto :1883"

step "Three nodes, each running semnetd (API on a unix socket)"
sd_nodes a:10.99.0.1 b:10.99.0.2 c:10.99.0.3 || die "semnetd does not start"
# For the Closest address: node c lies 20 ms further away than node b.
ip netns exec wire tc qdisc add dev ul-c root netem delay 20ms || die "no tc netem"
echo "the underlay delays packets to node c by 20 ms (tc netem)"
api a /register '{"client_id":"a","cluster_address":"10.99.0.100"}'
sd_register a b c || die "registration failed"
for n in a b c; do
	echo "node $n: underlay ${SD_UL[$n]}, subnet $(sd_status "$n" .subnet) on br0, semnet0 MTU $(sd_status "$n" .tunnel_mtu)"
done
wait_for_output 10 2 sd_peers a
echo "node a's tunnel peers, from the cluster's node registry:"
ip netns exec a semnet peer show | sed 's/^/  /'

step "The orchestrator deploys $WEB (3 instances) and $CLI at the root"
RR=$(sd_service job1 app ns web prod 3) || die "service deployment failed"
sd_service job2 cli ns c prod 1 >/dev/null || die "service deployment failed"
echo "$WEB: RR address $RR"

step "Containers join the overlay through semnetd"
for c in x0 x1 x2 cli; do sd_container "$c" >/dev/null; done
api b /container/deploy "{\"pid\":${SD_PID[x0]},\"serviceName\":\"$WEB\",\"instanceNumber\":0,\"portMappings\":\"8080:80\"}"
sd_deploy c x1 "$WEB" 1 | grep -q '^200 ' || die "deploy failed"
sd_deploy c x2 "$WEB" 2 | grep -q '^200 ' || die "deploy failed"
sd_deploy a cli "$CLI" 0 | grep -q '^200 ' || die "deploy failed"
echo "(and instances 1, 2 on node c, the client on node a)"
# shellcheck disable=SC2034 # NSIP and NSIP6 are read by name (requests)
for i in 0 1 2; do
	NSIP[x$i]=$(ip -n "x$i" -4 -o addr show eth0 | awk '{sub("/.*", "", $4); print $4}')
	NSIP6[x$i]=$(ip -n "x$i" -6 -o addr show eth0 scope global | awk '{sub("/.*", "", $4); print $4}')
	# One listener for both families.
	ip netns exec "x$i" socat -t 15 TCP6-LISTEN:80,fork,reuseaddr,ipv6only=0 \
		SYSTEM:"echo x$i" >/dev/null 2>&1 &
done
for i in 0 1 2; do wait_port "x$i" 80 || die "x$i does not listen"; done
if ! sd_wait_instance_ip a "$CLI" 0 >/dev/null || ! sd_wait_instance_ip c "$WEB" 2 >/dev/null; then
	die "the cluster never named the InstanceIPs"
fi

step "9 connections from the client on node a to $RR:80"
echo "(node a has never heard of $RR: the first packet misses, is held, and"
echo " semnetd resolves it with a table query over MQTT)"
requests 9
echo
echo "node a's kernel now:"
ip netns exec a semnet service show | sed 's/^/  /'

RR6=$(sd_rr_ip6 "$WEB")
[ -n "$RR6" ] || die "the root gave $WEB no IPv6 RR address"
step "9 connections over IPv6 to the RR address $RR6"
echo "(every node got an IPv6 /120 with its IPv4 /26, every container an IPv6"
echo " nsIP; the tunnel carries IPv6 in GRE, protocol 0x86DD)"
requests 9 "$RR6"

CLOSEST=$(sd_closest_ip "$WEB")
step "6 connections to the Closest address $CLOSEST"
echo "semnetd on node a probes the other nodes through the tunnel (ICMP echo"
echo "every 500 ms) and gives the kernel each node's smoothed RTT as its cost:"
sd_status a '.probes.nodes[] | "  node \(.node): RTT \(.srtt_us) us"'
requests 6 "$CLOSEST"

step "Undeploy instance 2 (node c); the cluster tells node a"
api c /container/undeploy "{\"pid\":-1,\"serviceName\":\"$WEB\",\"instanceNumber\":2,\"portMappings\":\"\"}"
wait_for_output 15 2 sd_instances a "$WEB"
requests 6

step "Prometheus metrics of node a (GET /metrics, excerpt)"
curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics |
	grep -E '^semnet_service_flows_total|^semnet_flows |^semnetd_upstream_latency_ms_(sum|count)|^semnet_misses_total|^semnetd_peer_rtt_us' |
	sed 's/^/  /'
echo
echo "demo: done in ${SECONDS}s"
