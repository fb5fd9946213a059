#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The configuration interface under bad input: missing, oversized,
# out-of-range, read-only and unknown attributes each get an error with an
# extack message and leave the tables exactly as they were; changes need
# CAP_NET_ADMIN; node del removes everything; dumps are complete across
# many messages.
#
#   netns n: br0 172.16.0.1/26, dummy0 (not a bridge)
#   semnet node 172.16.0.0/26, one service, one instance, one peer
#   requests: tests/lib/genl.py (raw generic netlink) and the CLI
# vm-timeout: 900
# vm-cost: 139
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need jq python3

GENL=$SEMNET_TOP/tests/lib/genl.py
N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
state() { "${N[@]}" semnet -j show; }

topo_node n 172.16.0.0/26 172.16.0.1
"${N[@]}" ip link add dummy0 type dummy

# rejects WHAT EXPECTED_ERRNO MESSAGE_REGEX CMD ATTR...: the kernel refuses
# the raw request with that errno and an extack message, and nothing changes.
rejects() {
	local what=$1 errno=$2 msg=$3 out before
	shift 3
	before=$(state)
	out=$("${N[@]}" "$GENL" "$@")
	tap_match "$what: errno $errno" "$out" "^errno $errno( |$)"
	tap_match "$what: says why" "$out" "$msg"
	tap_eq "$what: tables unchanged" "$(state)" "$before"
}

test_config() {
	tap_run "node set" sn node set platform 172.16.0.0/12 services 172.30.0.0/16 \
		subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0
	tap_run "service add" sn service add 172.30.0.1 name app.ns.svc.ns
	tap_run "instance add" sn instance add 172.30.1.1 service app.ns.svc.ns nsip 172.16.0.2
	tap_run "peer add" sn peer add 172.16.0.64/26 remote 192.168.1.2
	tap_run "peer set" sn peer set 172.16.0.64/26 cost 700
}

test_missing_attrs() {
	rejects "NEW_SERVICE without a service nest" 22 "service" NEW_SERVICE
	rejects "NEW_SERVICE without an address" 22 "address" NEW_SERVICE 'SERVICE{NAME:str:x.y.z.w}'
	rejects "NEW_SERVICE without a name" 22 "name" NEW_SERVICE 'SERVICE{ADDR:ip:172.30.0.2}'
	rejects "NEW_INSTANCE without an nsIP" 22 "nsIP" NEW_INSTANCE \
		'INSTANCE{ADDR:ip:172.30.1.2,SERVICE:str:app.ns.svc.ns}'
	rejects "DEL_INSTANCE without an address" 22 "address" DEL_INSTANCE 'INSTANCE{NSIP:ip:172.16.0.2}'
	rejects "a prefix without a length" 22 "prefix" SET_NODE \
		'NODE{PLATFORM{ADDR:ip:172.16.0.0}}'
}

test_malformed_attrs() {
	rejects "a 200-byte service name" 22 "." NEW_SERVICE \
		"SERVICE{ADDR:ip:172.30.0.2,NAME:str:$(printf 'a%.0s' $(seq 200))}"
	rejects "an address of 2 bytes" 22 "." NEW_SERVICE 'SERVICE{ADDR:raw:ac1e,NAME:str:x}'
	rejects "a policy name of 40 bytes" 22 "." NEW_SERVICE \
		"SERVICE{ADDR:ip:172.30.0.2,NAME:str:x,POLICY:str:$(printf 'r%.0s' $(seq 40))}"
}

test_out_of_range() {
	rejects "a prefix length of 33" 34 "." SET_NODE 'NODE{PLATFORM{ADDR:ip:172.16.0.0,LEN:u8:33}}'
	rejects "flow-max 0" 34 "." SET_NODE 'NODE{FLOW_MAX:u32:0}'
	rejects "flow-max beyond the limit" 34 "." SET_NODE 'NODE{FLOW_MAX:u32:4000000000}'
	rejects "a timeout of 0" 34 "." SET_NODE 'NODE{TIMEOUT_UDP:u32:0}'
	rejects "a service address outside the service range" 22 "outside the service range" \
		NEW_SERVICE 'SERVICE{ADDR:ip:10.0.0.1,NAME:str:x}'
	rejects "an unknown policy" 22 "unknown policy" NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.0.2,NAME:str:x,POLICY:str:fastest}'
	rejects "an nsIP that is the gateway" 22 "gateway" NEW_INSTANCE \
		'INSTANCE{ADDR:ip:172.30.1.2,SERVICE:str:x,NSIP:ip:172.16.0.1}'
	rejects "an nsIP inside the service range" 22 "nsIP" NEW_INSTANCE \
		'INSTANCE{ADDR:ip:172.30.1.2,SERVICE:str:x,NSIP:ip:172.30.5.5}'
	rejects "a subnet with host bits set" 22 "host bits" SET_NODE \
		'NODE{SUBNETS{SUBNET{ADDR:ip:172.16.0.1,LEN:u8:26}}}'
	rejects "a subnet inside the service range" 22 "service range" SET_NODE \
		'NODE{SUBNETS{SUBNET{ADDR:ip:172.30.0.0,LEN:u8:26}}}'
	rejects "a bridge that does not exist" 19 "bridge" SET_NODE 'NODE{BRIDGE:u32:9999}'
	rejects "a bridge that is not a bridge" 22 "bridge" SET_NODE \
		"NODE{BRIDGE:u32:$("${N[@]}" cat /sys/class/net/dummy0/ifindex)}"
	rejects "a service on an instance's address" 17 "instance" NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.1.1,NAME:str:x}'
	rejects "a second service on the same address" 17 "exists" NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.0.1,NAME:str:x}'
	rejects "deleting an unknown instance" 2 "no instance" DEL_INSTANCE 'INSTANCE{ADDR:ip:172.30.9.9}'
}

# SET_PEER: one key (subnet or underlay address), something to set, only
# cost and down.
B='SUBNET{ADDR:ip:172.16.0.64,LEN:u8:26}'
test_set_peer() {
	rejects "SET_PEER without a peer nest" 22 "peer" SET_PEER
	rejects "SET_PEER without a key" 22 "which peer" SET_PEER 'PEER{COST:u32:5}'
	rejects "SET_PEER with both keys" 22 "which peer" SET_PEER \
		"PEER{$B,ADDR:ip:192.168.1.2,COST:u32:5}"
	rejects "SET_PEER with nothing to set" 22 "nothing to set" SET_PEER "PEER{$B}"
	rejects "SET_PEER of an unknown subnet" 2 "no peer for this subnet" SET_PEER \
		'PEER{SUBNET{ADDR:ip:172.16.1.0,LEN:u8:26},COST:u32:5}'
	rejects "SET_PEER of an unknown node" 2 "no peer at this underlay address" SET_PEER \
		'PEER{ADDR:ip:192.168.9.9,DOWN:u8:1}'
	rejects "SET_PEER of the port" 22 "only cost and down" SET_PEER \
		'PEER{ADDR:ip:192.168.1.2,PORT:u16:4000,COST:u32:5}'
	rejects "SET_PEER down 2" 34 "." SET_PEER 'PEER{ADDR:ip:192.168.1.2,DOWN:u8:2}'
	rejects "SET_PEER with a 2-byte cost" 22 "." SET_PEER 'PEER{ADDR:ip:192.168.1.2,COST:u16:5}'
	rejects "SET_PEER with a host-bits subnet" 22 "host bits" SET_PEER \
		'PEER{SUBNET{ADDR:ip:172.16.0.65,LEN:u8:26},COST:u32:5}'
	rejects "a read-only instance cost" 22 "." NEW_INSTANCE \
		'INSTANCE{ADDR:ip:172.30.1.1,COST:u32:1}'
}

# NEW_PEER with NLM_F_REPLACE keeps the cost and state it does not give.
test_peer_replace() {
	"${N[@]}" "$GENL" SET_PEER "PEER{$B,DOWN:u8:1}" >/dev/null
	tap_run "peer change (port only)" sn peer change 172.16.0.64/26 port 4800
	tap_eq "peer change keeps cost and down" \
		"$(sn -j peer show | jq -r '.[0] | "\(.port) \(.cost) \(.down)"')" "4800 700 true"
	tap_eq "SET_PEER up, by address" "$("${N[@]}" "$GENL" SET_PEER 'PEER{ADDR:ip:192.168.1.2,DOWN:u8:0,COST:u32:4294967295}')" "errno 0"
	tap_eq "up, cost unknown (null)" "$(sn -j peer show | jq -r '.[0] | "\(.cost) \(.down)"')" "null false"
}

# A peer's label (what semnetd says of it): dumped, kept by a change that
# leaves it out, cleared by ""; one that is not printable or too long is
# refused and changes nothing.
test_peer_label() {
	local label="encrypted: b is on 10.0.2.0/24, a on 10.0.1.0/24"
	tap_run "peer change label" sn peer change 172.16.0.64/26 label "$label"
	tap_eq "the label is dumped" "$(sn -j peer show | jq -r '.[0].label')" "$label"
	tap_run "peer change (port only)" sn peer change 172.16.0.64/26 port 4754
	tap_eq "a change without a label keeps it" "$(sn -j peer show | jq -r '.[0].label')" "$label"
	tap_match "peer show prints it" "$(sn peer show)" "label: $label"
	rejects "a label with an escape" 22 "printable ASCII" NEW_PEER \
		"PEER{$B,ADDR:ip:192.168.1.2,LABEL:str:$(printf 'a\033[2Jb')}"
	rejects "a label of 256 bytes" 22 "." NEW_PEER \
		"PEER{$B,ADDR:ip:192.168.1.2,LABEL:str:$(printf 'l%.0s' $(seq 256))}"
	rejects "a label in SET_PEER" 22 "only cost and down" SET_PEER \
		"PEER{$B,LABEL:str:x,COST:u32:5}"
	tap_run "a label of 255 bytes" sn peer change 172.16.0.64/26 label "$(printf 'l%.0s' $(seq 255))"
	tap_eq "dumped whole" "$(sn -j peer show | jq -r '.[0].label | length')" 255
	tap_run "label \"\" clears it" sn peer change 172.16.0.64/26 label ""
	tap_eq "no label" "$(sn -j peer show | jq -r '.[0].label')" null
}

test_unknown_attrs() {
	rejects "a read-only instance count" 22 "." NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.0.2,NAME:str:x,INSTANCES:u32:5}'
	rejects "an unknown attribute in a nest" 22 "." NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.0.2,NAME:str:x,99:u32:1}'
	rejects "an unknown top-level attribute" 22 "." NEW_SERVICE \
		'SERVICE{ADDR:ip:172.30.0.2,NAME:str:x}' '77:u32:1'
	rejects "an unknown command" 95 "." 99
}

# The CLI names the bad argument and passes the kernel's reason on.
test_cli_errors() {
	local out
	out=$(sn service add 172.30.0.300 name x 2>&1)
	tap_eq "CLI: a bad address exits 2" "$?" 2
	tap_match "CLI: names the bad address" "$out" "172\.30\.0\.300"
	out=$(sn service add 10.1.1.1 name x 2>&1)
	tap_eq "CLI: a kernel rejection exits 1" "$?" 1
	tap_match "CLI: prints the kernel's reason" "$out" "outside the service range"
}

# Permissions: reading is open, changing needs CAP_NET_ADMIN.
test_permissions() {
	local nobody out
	nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
	tap_run "an unprivileged user can read" "${N[@]}" "${nobody[@]}" semnet service show
	out=$("${N[@]}" "${nobody[@]}" semnet service add 172.30.0.3 name x 2>&1)
	tap_eq "an unprivileged change exits 1" "$?" 1
	tap_match "an unprivileged change: permission denied" "$out" "permission denied.*CAP_NET_ADMIN"
	tap_eq "an unprivileged change changed nothing" "$(sn -j service show | jq length)" 1
}

test_node_del() {
	local msg
	tap_run "node del" sn node del
	tap_eq "node del removes every object" "$(sn -j service show | jq length)" 0
	msg=$(sn service add 172.30.0.1 name x 2>&1)
	tap_match "objects need a node first" "$msg" "node"
}

# A dump spanning many messages is complete.
test_big_dump() {
	local batch i
	tap_run "node set again" sn node set platform 172.16.0.0/12 services 172.30.0.0/16 \
		subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0
	batch=$(mktemp)
	for i in $(seq 0 1999); do
	echo "NEW_SERVICE SERVICE{ADDR:ip:172.30.$((i / 250 + 10)).$((i % 250 + 1)),NAME:str:s$i.a.b.c}"
	done >"$batch"
	tap_run "2000 services added in one batch" "${N[@]}" "$GENL" --batch <"$batch"
	tap_eq "2000 services dumped, none lost or repeated" \
		"$(sn -j service show | jq '[.[].address] | unique | length')" 2000
	rm -f "$batch"
}

# IPv6 beside IPv4, in a node of its own (n6): the node's IPv6 plan, and
# IPv6 services and instances, each refusal with its errno and reason.
N6=(ip netns exec n6)
V4PLAN='PLATFORM{ADDR:ip:172.16.0.0,LEN:u8:12},SERVICE_RANGE{ADDR:ip:172.30.0.0,LEN:u8:16},GATEWAY:ip:172.16.0.1'
V6PLAN='PLATFORM6{ADDR6:ip6:fc00::,LEN:u8:7},SERVICE_RANGE6{ADDR6:ip6:fdff::,LEN:u8:16},GATEWAY6:ip6:fc00::101'
SUB4='SUBNET{ADDR:ip:172.16.0.0,LEN:u8:26}'
SUB6='SUBNET{ADDR6:ip6:fc00::100,LEN:u8:120}'
genl6() { "${N6[@]}" "$GENL" "$@"; }
# rejects6 WHAT ERRNO MESSAGE_REGEX CMD ATTR...: refused with that errno
# and reason (n6's tables are checked by the cases themselves).
rejects6() {
	local what=$1 errno=$2 msg=$3 out
	shift 3
	out=$(genl6 "$@")
	tap_match "$what: errno $errno" "$out" "^errno $errno( |$)"
	tap_match "$what: says why" "$out" "$msg"
}

test_ipv6_node() {
	local br
	topo_node n6 172.16.0.0/26 172.16.0.1
	br=$("${N6[@]}" cat /sys/class/net/br0/ifindex)
	rejects6 "an IPv6 plan without its gateway" 22 "needs platform6, service range6, gateway6" \
		SET_NODE "NODE{$V4PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,$SUB6},PLATFORM6{ADDR6:ip6:fc00::,LEN:u8:7},SERVICE_RANGE6{ADDR6:ip6:fdff::,LEN:u8:16}}"
	rejects6 "an IPv6 subnet without an IPv6 plan" 22 "IPv6 subnets need an IPv6 platform" \
		SET_NODE "NODE{$V4PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,$SUB6}}"
	rejects6 "an IPv4 prefix as platform6" 97 "an IPv6 prefix is needed" \
		SET_NODE "NODE{$V4PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,$SUB6},PLATFORM6{ADDR:ip:10.0.0.0,LEN:u8:8},SERVICE_RANGE6{ADDR6:ip6:fdff::,LEN:u8:16},GATEWAY6:ip6:fc00::101}"
	rejects6 "an IPv6 prefix as platform" 97 "an IPv4 prefix is needed" \
		SET_NODE "NODE{PLATFORM{ADDR6:ip6:fc00::,LEN:u8:7}}"
	rejects6 "a prefix with both addresses" 22 "not both" \
		SET_NODE "NODE{PLATFORM{ADDR:ip:172.16.0.0,ADDR6:ip6:fc00::,LEN:u8:12}}"
	rejects6 "an IPv6 prefix of 129 bits" 34 "." \
		SET_NODE "NODE{PLATFORM6{ADDR6:ip6:fc00::,LEN:u8:129}}"
	rejects6 "an IPv6 address of 4 bytes" 34 "." \
		SET_NODE "NODE{GATEWAY6:raw:fc000000}"
	rejects6 "an IPv6 /127 subnet" 22 "0\.\.126" \
		SET_NODE "NODE{$V4PLAN,$V6PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,SUBNET{ADDR6:ip6:fc00::100,LEN:u8:127}}}"
	rejects6 "an IPv6 subnet in the service range" 22 "overlaps the IPv6 service range" \
		SET_NODE "NODE{$V4PLAN,$V6PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,SUBNET{ADDR6:ip6:fdff::,LEN:u8:120}}}"
	"${N6[@]}" ip link add dummy6 type dummy
	"${N6[@]}" ip addr add fd00::1/64 dev dummy6 nodad
	rejects6 "an IPv6 platform over a host address" 98 "IPv6 platform range overlaps an address of this host" \
		SET_NODE "NODE{$V4PLAN,$V6PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,$SUB6}}"
	"${N6[@]}" ip link del dummy6
	tap_eq "a node with both plans" \
		"$(genl6 SET_NODE "NODE{$V4PLAN,$V6PLAN,BRIDGE:u32:$br,SUBNETS{$SUB4,$SUB6}}")" "errno 0"
	rejects6 "a subnet list that drops IPv6" 22 "at least one IPv6 local subnet" \
		SET_NODE "NODE{SUBNETS{$SUB4}}"
	tap_eq "a change of the IPv4 side alone" "$(genl6 SET_NODE 'NODE{FLOW_MAX:u32:5000}')" "errno 0"
}

test_ipv6_objects() {
	tap_eq "an IPv6 service" \
		"$(genl6 NEW_SERVICE 'SERVICE{ADDR6:ip6:fdff:2000::1,NAME:str:s}')" "errno 0"
	tap_eq "the same name's IPv4 service" \
		"$(genl6 NEW_SERVICE 'SERVICE{ADDR:ip:172.30.0.1,NAME:str:s}')" "errno 0"
	tap_eq "found by its IPv6 address" \
		"$(genl6 GET_SERVICE 'SERVICE{ADDR6:ip6:fdff:2000::1}')" "errno 0"
	rejects6 "a service with both addresses" 22 "not both" \
		NEW_SERVICE 'SERVICE{ADDR:ip:172.30.0.2,ADDR6:ip6:fdff:2000::2,NAME:str:x}'
	rejects6 "an IPv6 service outside its range" 22 "outside the IPv6 service range" \
		NEW_SERVICE 'SERVICE{ADDR6:ip6:fc00::5,NAME:str:x}'
	rejects6 "an IPv6 address of 15 bytes" 34 "." \
		NEW_SERVICE 'SERVICE{ADDR6:raw:fdff20000000000000000000000000,NAME:str:x}'
	tap_eq "an IPv6 instance" \
		"$(genl6 NEW_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::2,SERVICE:str:s,NSIP6:ip6:fc00::102}')" "errno 0"
	rejects6 "an IPv6 instance with an IPv4 nsIP" 22 "family" \
		NEW_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::3,SERVICE:str:s,NSIP:ip:172.16.0.3}'
	rejects6 "an IPv6 nsIP that is the gateway" 22 "gateway" \
		NEW_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::3,SERVICE:str:s,NSIP6:ip6:fc00::101}'
	rejects6 "a second local instance on one nsIP" 17 "nsIP" \
		NEW_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::3,SERVICE:str:s,NSIP6:ip6:fc00::102}'
	rejects6 "an IPv6 instance on a service's address" 17 "in use by a service" \
		NEW_INSTANCE 'INSTANCE{ADDR6:ip6:fdff:2000::1,SERVICE:str:s,NSIP6:ip6:fc00::103}'
	tap_eq "flows flushed by IPv6 service and instance" \
		"$(genl6 FLUSH_FLOWS 'FLOW{SERVICE6:ip6:fdff:2000::1,INSTANCE6:ip6:fdff::2}')" "errno 0"
	rejects6 "a flow filter with both service addresses" 22 "not both" \
		FLUSH_FLOWS 'FLOW{SERVICE:ip:172.30.0.1,SERVICE6:ip6:fdff:2000::1}'
	rejects6 "an IPv6 flow filter of 4 bytes" 34 "." FLUSH_FLOWS 'FLOW{INSTANCE6:raw:fdff0000}'
	tap_eq "deleted by its IPv6 address" \
		"$(genl6 DEL_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::2}')" "errno 0"
	rejects6 "gone" 2 "no instance" GET_INSTANCE 'INSTANCE{ADDR6:ip6:fdff::2}'
	tap_eq "the IPv6 service deleted" \
		"$(genl6 DEL_SERVICE 'SERVICE{ADDR6:ip6:fdff:2000::1}')" "errno 0"
	tap_eq "the IPv4 one stays" "$(genl6 GET_SERVICE 'SERVICE{ADDR:ip:172.30.0.1}')" "errno 0"
	tap_eq "node del" "$(genl6 DEL_NODE)" "errno 0"
	tap_eq "an IPv4-only node" "$(genl6 SET_NODE "NODE{$V4PLAN,BRIDGE:u32:$("${N6[@]}" cat /sys/class/net/br0/ifindex),SUBNETS{$SUB4}}")" "errno 0"
	rejects6 "IPv6 objects on an IPv4-only node" 97 "no IPv6 plan" \
		NEW_SERVICE 'SERVICE{ADDR6:ip6:fdff:2000::1,NAME:str:s}'
	ip netns del n6
}

tap_cases test_config test_missing_attrs test_malformed_attrs test_out_of_range \
	test_set_peer test_peer_replace test_peer_label test_unknown_attrs test_cli_errors \
	test_permissions test_node_del test_big_dump test_ipv6_node test_ipv6_objects
tap_done
