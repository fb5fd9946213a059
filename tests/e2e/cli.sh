#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CLI: every semnet(8) command against the module in a fresh namespace:
# node set/change/show/del, services, instances, kernel errors (extack),
# EPERM for an unprivileged user, flows of real ICMP, TCP and UDP traffic,
# filters, flushes, stats, show, and JSON; peer costs and the closest
# policy (new flows follow the costs, a node going down loses its closest
# flows and no others); dual stack (an IPv6 plan beside the IPv4 one,
# services and instances of both families under one name, -batch with
# IPv6 lines, the module's refusals passed on). Runs in the test VM:
# tests/vm/run tests/e2e/cli.sh (started on the host, it re-runs itself).
#
#   netns cli-c (client)     netns cli-s (server)
#   eth0 172.16.0.2/26       eth0 172.16.0.3/26
#   InstanceIP 172.30.1.2    InstanceIP 172.30.1.3 (service "web")
#        |  vc                     |  vs
#   netns cli-node: br0 172.16.0.1/26, semnet node 172.16.0.0/26
#                   (dual stack: br0 fc00::101/120 too, subnet fc00::100/120)
#   (peers B 192.168.1.2 and C 192.168.1.3 exist only as table entries)
# vm-timeout: 900
# vm-cost: 123
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
tap_need jq socat python3 setpriv

n=cli-node-$$ c=cli-c-$$ s=cli-s-$$
cleanup() { for x in "$n" "$c" "$s"; do ip netns del "$x" 2>/dev/null; done; }
trap cleanup EXIT
for x in "$n" "$c" "$s"; do ip netns add "$x"; ip -n "$x" link set lo up; done
ip -n "$n" link add br0 type bridge && ip -n "$n" link set br0 up
ip -n "$n" addr add 172.16.0.1/26 dev br0
ip -n "$n" link add vc type veth peer name eth0 netns "$c"
ip -n "$n" link add vs type veth peer name eth0 netns "$s"
ip -n "$n" link set vc master br0 up && ip -n "$n" link set vs master br0 up
for x in "$c:172.16.0.2" "$s:172.16.0.3"; do
	ip -n "${x%%:*}" addr add "${x#*:}/26" dev eth0 && ip -n "${x%%:*}" link set eth0 up
	ip -n "${x%%:*}" route add default via 172.16.0.1
done
ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1

S() { ip netns exec "$n" semnet "$@"; }
# ok WHAT WANT_EXIT CMD...: output in $out, checks the exit status
ok() {
	local what=$1 want=$2
	shift 2
	out=$(S "$@" 2>&1)
	tap_eq "$what (exit $want)" "$?" "$want"
}

test_before_node() {
	ok "show before node set" 0 show
	tap_match "show: node not configured" "$out" "^node not configured"
	ok "node show before node set" 1 node show
	tap_eq "node show: the module's message" "$out" "semnet: node show: this namespace has no node configuration"
	ok "service add before node set" 1 service add 172.30.0.10 name web
	tap_match "service add: configure the node first" "$out" "configure the node first"
}

test_node() {
	ok "node set" 0 node set platform 172.16.0.0/12 services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0
	ok "-j node show" 0 -j node show
	tap_jq "node: platform" "$out" .platform 172.16.0.0/12
	tap_jq "node: service_range" "$out" .service_range 172.30.0.0/16
	tap_jq "node: subnets" "$out" '.subnets|join(",")' 172.16.0.0/26
	tap_jq "node: bridge" "$out" .bridge br0
	tap_jq "node: mode" "$out" .mode bridged
	tap_jq "node: default timeout_udp" "$out" .timeout_udp 30
	ok "node change" 0 node change timeout-udp 60 flow-max 1000
	ok "node show" 0 node show
	tap_match "node show: timeout-udp 60" "$out" "^timeout-udp +60$"
	tap_match "node show: flow-max 1000" "$out" "^flow-max +1000$"
	tap_match "node show: gateway kept" "$out" "^gateway +172.16.0.1$"
	tap_match "node show: mode bridged" "$out" "^mode +bridged$"
	ok "node change mode sideways" 2 node change mode sideways
	ok "node change mode routed bridge br0" 1 node change mode routed bridge br0
	tap_eq "its extack" "$out" "semnet: node change: a routed node has no bridge: leave it out, or set mode bridged"
	ok "node change mode routed" 0 node change mode routed
	ok "node show (routed)" 0 node show
	tap_match "node show: mode routed" "$out" "^mode +routed$"
	tap_run "node show: no bridge" bash -c "! grep -q '^bridge' <<<\"\$1\"" _ "$out"
	ok "node change mode bridged (no bridge)" 1 node change mode bridged
	tap_eq "its extack" "$out" "semnet: node change: a bridged node needs a bridge"
	ok "node change mode bridged bridge br0" 0 node change mode bridged bridge br0
	ok "-j node show (bridged again)" 0 -j node show
	tap_jq "node: bridged, br0" "$out" '.mode + " " + .bridge' "bridged br0"
	ok "node set with services outside platform" 1 node set platform 172.16.0.0/12 services 10.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0
	tap_eq "its extack" "$out" "semnet: node set: service range must lie inside the platform range"
	ok "node set with a host-bits prefix" 2 node set platform 172.16.0.5/12 services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0
	ok "node set with a missing bridge" 1 node set platform 172.16.0.0/12 services 172.30.0.0/16 subnet 172.16.0.0/26 gateway 172.16.0.1 bridge nosuch0
}

test_services() {
	ok "service add" 0 service add 172.30.0.10 name web
	ok "service add again" 1 service add 172.30.0.10 name web
	tap_eq "its extack" "$out" "semnet: service add: service address already exists"
	ok "service add outside the range" 1 service add 10.1.1.1 name web
	ok "service add, unknown policy" 1 service add 172.30.0.12 name web policy nosuch
	ok "service add random" 0 service add 172.30.0.11 name web policy random
	ok "service change" 0 service change 172.30.0.11 policy rr
	ok "service change of nothing" 1 service change 172.30.0.99 policy rr
	ok "service show" 0 service show
	tap_eq "service show: two, sorted" "$(printf '%s\n' "$out" | awk '{print $1, $3, $5}' | tr '\n' ';')" \
		"172.30.0.10 web rr;172.30.0.11 web rr;"
}

test_instances() {
	ok "instance add (server)" 0 instance add 172.30.1.3 service web nsip 172.16.0.3 dev vs
	ok "instance add (client)" 0 instance add 172.30.1.2 service client nsip 172.16.0.2 dev vc
	ok "instance add, nsIP outside platform" 1 instance add 172.30.1.5 service web nsip 10.0.0.1
	ok "-j instance show 172.30.1.3" 0 -j instance show 172.30.1.3
	tap_jq "instance: nsip" "$out" '.[0].nsip' 172.16.0.3
	tap_jq "instance: node null (local)" "$out" '.[0].node' null
	tap_jq "instance: local" "$out" '.[0].local' true
	tap_jq "instance: dev" "$out" '.[0].dev' vs
	ok "instance show service web" 0 instance show service web
	tap_eq "instance show service web: one" "$(printf '%s\n' "$out" | awk '{print $1}')" 172.30.1.3
}

test_peers() {
	ok "peer add" 0 peer add 172.16.0.64/26 remote 192.168.1.2
	ok "peer add again" 1 peer add 172.16.0.64/26 remote 192.168.1.2
	tap_match "peer add again: its extack" "$out" "^semnet: peer add: "
	ok "peer add with a port" 0 peer add 172.16.1.0/26 remote 192.168.1.3 port 4800
	# (the module's NEW_PEER with NLM_F_REPLACE wants the address again)
	ok "peer change" 0 peer change 172.16.0.64/26 remote 192.168.1.2 port 4801
	ok "-j peer show" 0 -j peer show
	tap_jq "peers: two" "$out" length 2
	tap_jq "peer: port changed" "$out" \
		'.[]|select(.subnet=="172.16.0.64/26")|"\(.remote):\(.port):\(.encap)"' 192.168.1.2:4801:gre-udp
	tap_jq "peer: given port" "$out" '.[]|select(.subnet=="172.16.1.0/26")|.port' 4800
	ok "show lists the peers" 0 show
	tap_match "show: peer line" "$out" "^peer 172\.16\.0\.64/26 +remote 192\.168\.1\.2 +port 4801 +encap gre-udp +cost -$"
	ok "peer del" 0 peer del 172.16.1.0/26
	ok "peer del again" 1 peer del 172.16.1.0/26
	ok "peer flush" 0 peer flush
	ok "peer show after flush" 0 peer show
	tap_eq "no peers" "$out" ""
}

test_unprivileged() {
	local out
	out=$(ip netns exec "$n" setpriv --reuid=65534 --regid=65534 --clear-groups semnet service flush 2>&1)
	tap_eq "service flush as nobody: exit 1" "$?" 1
	tap_eq "service flush as nobody: permission denied" "$out" \
		"semnet: service flush: permission denied (needs CAP_NET_ADMIN in this network namespace)"
	out=$(ip netns exec "$n" setpriv --reuid=65534 --regid=65534 --clear-groups semnet service show 2>&1)
	tap_eq "service show as nobody: exit 0" "$?" 0
}

# udp_ask ADDR PORT: from the client, one datagram to ADDR:PORT; prints
# the first answer (UDP has no EOF to wait for)
udp_ask() {
	ip netns exec "$c" python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"x\n", (sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode().strip())' "$1" "$2"
}

test_traffic() {
	local p1 p2
	# The flow checks below count a closed TCP connection's flow: keep it
	# longer than a slow (TCG, loaded) run of the commands in between takes.
	ok "node change timeout-tcp-close 300" 0 node change timeout-tcp-close 300 timeout-icmp 300
	tap_run "ping the ServiceIP" ip netns exec "$c" ping -c 2 -W 2 172.30.0.10
	# Servers too wait up to 10 s after the client's EOF for their command's
	# output (socat's default, 0.5 s, lost "hi" once under load).
	ip netns exec "$s" socat -t 10 -T 10 TCP-LISTEN:8080,reuseaddr,fork EXEC:'echo hi' &
	p1=$!
	# The UDP server reads the datagram before it answers: with a bare
	# `echo hi`, socat's write of the datagram to an echo that had already
	# exited failed (EPIPE) and ended the child before it sent the answer, in
	# 2 of 6 tries on an idle host.
	ip netns exec "$s" socat -T3 UDP-RECVFROM:5353,fork SYSTEM:'read -r x; echo hi' &
	p2=$!
	# Both listeners up (TCG is slow).
	if ! wait_port "$s" 8080 tcp 10 || ! wait_port "$s" 5353 udp 10; then
		tap_note "the servers do not listen yet"
	fi
	# After our EOF, wait for the answer (socat's default is 0.5 s: a loaded
	# TCG host may take longer to fork the server's echo).
	tap_eq "TCP to the ServiceIP" "$(ip netns exec "$c" socat -t10 -T10 - TCP:172.30.0.10:8080 </dev/null)" hi
	tap_eq "UDP to the InstanceIP" "$(udp_ask 172.30.1.3 5353)" hi
	kill "$p1" "$p2" 2>/dev/null
}

test_flows() {
	local reasons
	ok "flow show" 0 flow show
	tap_eq "flow show: three flows" "$(printf '%s\n' "$out" | grep -c .)" 3
	tap_match "flow show: TCP line" "$out" \
		"^tcp +172\.16\.0\.2:[0-9]+ +-> +172\.30\.0\.10:8080 +=> +172\.30\.1\.2:[0-9]+ +-> +172\.16\.0\.3:8080 +instance 172\.30\.1\.3 +(active|closing) +expires [0-9]+\.[0-9]s$"
	tap_match "flow show: ICMP line" "$out" "^icmp +172\.16\.0\.2:[0-9]+ +-> +172\.30\.0\.10:0 +=> +172\.30\.1\.2:"
	ok "-j flow show" 0 -j flow show
	tap_jq "JSON: UDP flow has no service" "$out" '.[]|select(.proto=="udp")|.service' null
	tap_jq "JSON: UDP flow dport" "$out" '.[]|select(.proto=="udp")|.dport' 5353
	tap_jq "JSON: TCP flow packets > 0" "$out" '.[]|select(.proto=="tcp")|.packets > 0' true
	ok "flow show service" 0 flow show service 172.30.0.10
	tap_eq "flow show service: two" "$(printf '%s\n' "$out" | grep -c .)" 2
	ok "flow show instance" 0 flow show instance 172.30.1.3
	tap_eq "flow show instance: three" "$(printf '%s\n' "$out" | grep -c .)" 3
	ok "-j stats" 0 -j stats
	tap_jq "stats: flows_created" "$out" .flows_created 3
	tap_jq "stats: services" "$out" .services 2
	# Every reason of the UAPI but UNSPEC, by name.
	reasons=$(sed -n '/^enum semnet_drop_reason/,/__SEMNET_DROP_MAX/p' \
		"$SEMNET_TOP/include/uapi/linux/semnet.h" | grep -c '^\s*SEMNET_DROP_[A-Z_]*,')
	tap_jq "stats: every reason" "$out" '.drops|keys|length' "$((reasons - 1))"
	ok "-s show" 0 -s show
	tap_match "show: service group" "$out" "^service web$"
	tap_match "show: counters" "$out" "^ +packets [1-9][0-9]*  bytes [1-9][0-9]*  flows [1-9]"
	ok "-j show" 0 -j show
	tap_jq "show JSON: two services, two instances" "$out" '[(.services|length),(.instances|length)]|join(",")' 2,2
}

test_flushes() {
	ok "flow flush service" 0 flow flush service 172.30.0.10
	ok "flow show after flush" 0 flow show
	tap_eq "only the UDP flow is left" "$(printf '%s\n' "$out" | awk '{print $1}')" udp
	ok "flow flush" 0 flow flush
	ok "instance del" 0 instance del 172.30.1.3
	ok "instance del again" 1 instance del 172.30.1.3
	ok "instance flush" 0 instance flush
	ok "service flush" 0 service flush
	ok "-j show after flushes" 0 -j show
	tap_jq "no services, no instances" "$out" '[(.services|length),(.instances|length)]|join(",")' 0,0
}

# Instances on two remote nodes: B (one subnet) and C (two). The
# translation happens before routing, so each datagram from the client
# makes a flow to the picked instance even though no tunnel carries it.
# send VIP N: N UDP datagrams to VIP:9, each from a new source port.
send() {
	ip netns exec "$c" python3 -S -c '
import socket, sys
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", (sys.argv[1], 9))
    s.close()' "$1" "$2"
}
# picks VIP: "instance=flows ..." of VIP's flows, sorted.
picks() {
	S -j flow show service "$1" |
		jq -r '[.[].instance] | group_by(.) | map("\(.[0])=\(length)") | join(" ")'
}

test_closest_setup() {
	ok "peer add B" 0 peer add 172.16.0.64/26 remote 192.168.1.2
	ok "peer add C" 0 peer add 172.16.1.0/26 remote 192.168.1.3
	ok "peer add C, second subnet" 0 peer add 172.16.1.64/26 remote 192.168.1.3
	ok "-j peer show" 0 -j peer show
	tap_jq "new peers: cost unknown, up" "$out" '[.[]|"\(.cost):\(.down)"]|unique|join(",")' null:false
	ok "peer set B cost" 0 peer set 172.16.0.64/26 cost 5000
	ok "peer set C via its address" 0 peer set via 192.168.1.3 cost 40000
	ok "-j peer show" 0 -j peer show
	tap_jq "costs: B, C, C" "$out" '[.[]|.cost]|join(",")' 5000,40000,40000
	ok "service add closest" 0 service add 172.30.0.20 name near policy closest
	ok "service add rr, same instances" 0 service add 172.30.0.21 name near policy rr
	ok "service show closest" 0 service show 172.30.0.20
	tap_match "service show: policy closest" "$out" "policy closest"
	ok "instance on B" 0 instance add 172.30.2.1 service near nsip 172.16.0.66 node 192.168.1.2
	ok "instance on C" 0 instance add 172.30.2.2 service near nsip 172.16.1.66 node 192.168.1.3
	ok "-j instance show service near" 0 -j instance show service near
	tap_jq "instances carry their node's cost" "$out" '[.[]|"\(.address)=\(.cost)"]|join(" ")' \
		"172.30.2.1=5000 172.30.2.2=40000"
	ok "instance show service near" 0 instance show service near
	tap_match "instance show: cost on the line" "$out" "^172\.30\.2\.1 .* node 192\.168\.1\.2 +cost 5000$"
	ok "node change timeout-udp 300" 0 node change timeout-udp 300 timeout-unreplied 300
}

test_closest_costs() {
	send 172.30.0.20 6
	tap_eq "closest: all 6 new flows to B (cheaper)" "$(picks 172.30.0.20)" "172.30.2.1=6"
	send 172.30.0.21 4
	tap_eq "rr: 2 and 2" "$(picks 172.30.0.21)" "172.30.2.1=2 172.30.2.2=2"
	ok "peer set B dearer" 0 peer set 172.16.0.64/26 cost 90000
	send 172.30.0.20 5
	tap_eq "closest: the next 5 to C, the first 6 stay pinned" "$(picks 172.30.0.20)" \
		"172.30.2.1=6 172.30.2.2=5"
	ok "peer set C unknown" 0 peer set via 192.168.1.3 cost unknown
	send 172.30.0.20 3
	tap_eq "closest: measured B beats unknown C" "$(picks 172.30.0.20)" \
		"172.30.2.1=9 172.30.2.2=5"
	ok "peer set C equal to B" 0 peer set via 192.168.1.3 cost 90000
	send 172.30.0.20 4
	tap_eq "closest: equal costs take turns, 2 and 2" "$(picks 172.30.0.20)" \
		"172.30.2.1=11 172.30.2.2=7"
}

test_closest_down() {
	local purged drops
	purged=$(stat_in "$n" closest_purged)
	tap_eq "closest-purged before any node went down" "$purged" 0
	ok "peer set B down" 0 peer set via 192.168.1.2 down
	tap_eq "B down: its 11 closest flows purged" "$(picks 172.30.0.20)" "172.30.2.2=7"
	tap_eq "B down: closest_purged counts them" "$(stat_in "$n" closest_purged)" 11
	tap_eq "B down: rr flows untouched" "$(picks 172.30.0.21)" "172.30.2.1=2 172.30.2.2=2"
	ok "peer show" 0 peer show
	tap_match "peer show: B cost and down" "$out" \
		"^172\.16\.0\.64/26 +remote 192\.168\.1\.2 +port 4754 +encap gre-udp +cost 90000 +down$"
	ok "instance show service near" 0 instance show service near
	tap_match "instance show: B's instance down" "$out" "^172\.30\.2\.1 .* cost 90000 +down$"
	send 172.30.0.20 3
	tap_eq "B down: new flows avoid it" "$(picks 172.30.0.20)" "172.30.2.2=10"
	ok "peer set B down again" 0 peer set 172.16.0.64/26 down
	tap_eq "down again: nothing more purged" "$(stat_in "$n" closest_purged)" 11
	drops=$(drop_in "$n" no_instance)
	ok "peer set C down" 0 peer set via 192.168.1.3 down
	tap_eq "C down: its 10 closest flows purged" "$(stat_in "$n" closest_purged)" 21
	send 172.30.0.20 2
	tap_eq "all down: no flow" "$(picks 172.30.0.20)" ""
	tap_eq "all down: dropped as no-instance" "$(drop_in "$n" no_instance)" "$((drops + 2))"
	ok "peer set B up, cost 1" 0 peer set 172.16.0.64/26 up cost 1
	send 172.30.0.20 2
	tap_eq "B up: new flows to it" "$(picks 172.30.0.20)" "172.30.2.1=2"
	ok "stats" 0 stats
	tap_match "stats: closest-purged" "$out" "^closest-purged +21$"
}

# The tables, not the counters: the reaper may expire the unreplied flows
# of the sends above (30 s) while a slow run gets here.
tables() { S -j show | jq 'del(.stats)'; }

test_closest_bad_input() {
	local before
	before=$(tables)
	ok "peer set of an unknown subnet" 1 peer set 172.16.2.0/26 cost 1
	tap_eq "its extack" "$out" "semnet: peer set: no peer for this subnet"
	ok "peer set of an unknown node" 1 peer set via 192.168.9.9 down
	tap_eq "its extack" "$out" "semnet: peer set: no peer at this underlay address"
	ok "peer set without a peer" 2 peer set cost 1
	tap_eq "its message" "$out" "semnet: peer set: missing prefix or \"via ADDR\" (see: semnet peer help)"
	ok "peer set with nothing to set" 2 peer set 172.16.0.64/26
	tap_eq "its message" "$out" "semnet: peer set: nothing to set (give cost, up or down)"
	ok "peer set with a cost out of range" 2 peer set 172.16.0.64/26 cost 4294967295
	tap_match "its message" "$out" "out of range \(at most 4294967294"
	tap_eq "tables unchanged" "$(tables)" "$before"
	ok "service flush" 0 service flush
	ok "instance flush" 0 instance flush
	ok "peer flush" 0 peer flush
}

# Dual stack: the IPv6 plan beside the IPv4 one, a service name with an
# IPv4 and an IPv6 ServiceIP and instances of both (the module counts
# them per family), addresses in and out in canonical form.
test_dual_stack_node() {
	ip -n "$n" addr add fc00::101/120 dev br0 nodad
	ok "node change: IPv6 plan" 0 node change platform6 fc00::/7 services6 fdff::/16 \
		subnet 172.16.0.0/26 subnet fc00::100/120 gateway6 fc00::101
	ok "-j node show" 0 -j node show
	tap_jq "node: platform6" "$out" .platform6 fc00::/7
	tap_jq "node: service_range6" "$out" .service_range6 fdff::/16
	tap_jq "node: gateway6" "$out" .gateway6 fc00::101
	tap_jq "node: subnets of both families" "$out" '.subnets|join(",")' 172.16.0.0/26,fc00::100/120
	tap_jq "node: IPv4 plan kept" "$out" '.platform + " " + .gateway' "172.16.0.0/12 172.16.0.1"
	ok "node show" 0 node show
	tap_match "node show: platform6" "$out" "^platform6 +fc00::/7$"
	tap_match "node show: services6" "$out" "^services6 +fdff::/16$"
	tap_match "node show: IPv6 subnet" "$out" "^subnet +fc00::100/120$"
	ok "node change: IPv4 prefix as platform6" 2 node change platform6 172.16.0.0/12
	tap_match "its message" "$out" "^semnet: node change: \"platform6\" needs an IPv6 prefix"
	ok "node change: IPv6 host bits" 2 node change subnet 172.16.0.0/26 subnet fc00::101/120
	tap_match "its message" "$out" "did you mean fc00::100/120\?"
}

test_dual_stack_objects() {
	ok "service add IPv4" 0 service add 172.30.0.40 name dual
	# Any spelling inet_pton takes; shown canonical.
	ok "service add IPv6" 0 service add FDFF:2000:0::1 name dual policy rr
	ok "service add IPv6 again" 1 service add fdff:2000::1 name dual
	tap_eq "its extack" "$out" "semnet: service add: service address already exists"
	ok "service add IPv6 outside services6" 1 service add fc00::1:1 name dual
	tap_match "its extack" "$out" "^semnet: service add: .+"
	ok "instance add IPv4" 0 instance add 172.30.3.1 service dual nsip 172.16.0.3
	ok "instance add IPv6" 0 instance add fdff::2 service dual nsip fc00::102
	ok "instance add IPv6 (second)" 0 instance add fdff::3 service dual nsip fc00::103
	ok "instance add, nsIP of the other family" 1 instance add fdff::9 service dual nsip 172.16.0.9
	tap_eq "its extack" "$out" "semnet: instance add: the nsIP must be of the InstanceIP's family"
	ok "-j service show" 0 -j service show
	tap_jq "services: IPv4 first, canonical IPv6" "$out" '[.[]|.address]|join(",")' \
		172.30.0.40,fdff:2000::1
	tap_jq "INSTANCES per family" "$out" '[.[]|"\(.address)=\(.instances)"]|join(" ")' \
		"172.30.0.40=1 fdff:2000::1=2"
	ok "service show fdff:2000::1" 0 service show fdff:2000::1
	tap_match "service show by IPv6" "$out" "^fdff:2000::1 +name dual +policy rr +instances 2$"
	ok "-j instance show fdff::2" 0 -j instance show fdff::2
	tap_jq "instance: IPv6 nsip" "$out" '.[0].address + " " + .[0].nsip' "fdff::2 fc00::102"
	tap_jq "instance: local" "$out" '.[0].local' true
	ok "instance show service dual" 0 instance show service dual
	tap_eq "instance show: both families" "$(printf '%s\n' "$out" | awk '{print $1 "/" $5}' | tr '\n' ' ')" \
		"172.30.3.1/172.16.0.3 fdff::2/fc00::102 fdff::3/fc00::103 "
	ok "show" 0 show
	tap_match "show: IPv6 address of the group" "$out" "^    address fdff:2000::1 +policy rr +instances 2$"
	tap_match "show: IPv4 address of the group" "$out" "^    address 172\.30\.0\.40 +policy rr +instances 1$"
	tap_match "show: IPv6 instance" "$out" "^    instance fdff::3 +nsip fc00::103 +node local$"
	ok "-j show" 0 -j show
	tap_jq "show JSON: both families" "$out" \
		'[(.services|length),(.instances|length),(.services[]|select(.address=="fdff:2000::1")|.instances)]|join(",")' \
		2,3,2
}

test_dual_stack_del() {
	ok "instance del by IPv6" 0 instance del fdff::2
	ok "instance del by IPv6 again" 1 instance del fdff::2
	ok "-j service show fdff:2000::1" 0 -j service show fdff:2000::1
	tap_jq "one IPv6 instance left" "$out" '.[0].instances' 1
	ok "service del by IPv6" 0 service del fdff:2000::1
	ok "-j show" 0 -j show
	tap_jq "IPv4 service and both families' instances left" "$out" \
		'[(.services|map(.address)|join(",")),(.instances|map(.address)|join(","))]|join(" ")' \
		"172.30.0.40 172.30.3.1,fdff::3"
	tap_jq "IPv4 count unchanged" "$out" '.services[0].instances' 1
}

test_dual_stack_batch() {
	ok "-batch with IPv6 lines" 0 -batch - <<-EOF
	service add fdff:2000::5 name b6
	instance add fdff::5 service b6 nsip fc00::105
	instance add fdff::6 service b6 nsip fc00::106
	service add 172.30.0.45 name b6
	EOF
	ok "-j service show fdff:2000::5" 0 -j service show fdff:2000::5
	tap_jq "batch: 2 IPv6 instances" "$out" '.[0].instances' 2
	ok "-j service show 172.30.0.45" 0 -j service show 172.30.0.45
	tap_jq "batch: no IPv4 instance" "$out" '.[0].instances' 0
	ok "-batch: a refused IPv6 line" 1 -force -batch - <<-EOF
	instance add fdff::7 service b6 nsip fc00::107
	instance add fdff::8 service b6 nsip 172.16.0.8
	instance add fdff::9 service b6 nsip fc00::109
	EOF
	tap_eq "its line and extack" "$out" \
		"semnet: line 2: instance add: the nsIP must be of the InstanceIP's family"
	ok "-j instance show service b6" 0 -j instance show service b6
	tap_jq "the others were added" "$out" '[.[]|.address]|join(",")' fdff::5,fdff::6,fdff::7,fdff::9
	ok "service flush" 0 service flush
	ok "instance flush" 0 instance flush
	ok "-j show after flushes" 0 -j show
	tap_jq "no services, no instances" "$out" '[(.services|length),(.instances|length)]|join(",")' 0,0
}

test_node_del() {
	ok "node del" 0 node del
	ok "node show after del" 1 node show
}

tap_cases test_before_node test_node test_services test_instances test_peers \
	test_unprivileged test_traffic test_flows test_flushes \
	test_closest_setup test_closest_costs test_closest_down test_closest_bad_input \
	test_dual_stack_node test_dual_stack_objects test_dual_stack_del test_dual_stack_batch \
	test_node_del
tap_done
