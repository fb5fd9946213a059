#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A mixed data plane through semnetd (issue 17, item 3): two semnet nodes
# running semnetd and an Oakestra node in one cluster. Node d is a
# stand-in Oakestra worker: the test speaks its NetManager's MQTT as
# oakestra-net 1bdf5fa's node-net-manager does (a subnet request
# {METHOD: GET}, service/deployed with host_port the string "50103" and no
# tunnel, table queries), and tests/lib/oakestra_node.py is its proxy on
# the wire (bare IPv4 in UDP on port 50103, ServiceIPs translated to nsIPs
# and InstanceIPs), fed the cluster's table answers as they came.
# semnet-cluster records d's tunnel as ipudp; semnetd on a and b makes d
# an ipudp peer at port 50103 (from the node registry and from table
# answers), leaves it unprobed (it drops ICMP), and keeps b a GRE-in-UDP
# peer. Both ways: cli on a reaches x0 (local), x1 (b, GRE) and x2 (d,
# bare IP) through the RR address in turn, dcli on d reaches x0, x1 (bare
# IP to a's and b's port 4754) and x2, each call echoing 60 KB byte for
# byte; a reply to dcli's InstanceIP is a table miss semnetd resolves to
# the ipudp peer. The same both ways over IPv6 (issue 16): d gets a /120
# from the cluster, its proxy translates IPv6 by Nsipv6 and Address_v6 as
# oakestra-net's does, and IPv6 rides bare in UDP to and from port 50103
# and a's and b's port 4754 over the IPv4 underlay. When d's reports change its encapsulation (gre-udp,
# then ipudp again), the peer is put again, and loses the down state its
# probes as a GRE peer gave it. A table answer with a bad host_port and an unknown
# tunnel costs those entries only, said once.
#
#               netns ctl 10.99.0.100: semnet-root, semnet-cluster, mosquitto
#                        |
#   netns wire: bridge ul0 (the underlay) --------------------------------
#        |                      |                         |
#   node a 10.99.0.1       node b 10.99.0.2          node d 10.99.0.4 (Oakestra)
#   semnetd, br0           semnetd, br0              oakestra_node.py :50103,
#        |     |                |                    br0 (its subnet's .1)
#       cli    x0               x1                     x2        dcli
#   x0, x1, x2: instances 0, 1, 2 of app.ns.web.prod; cli: cli.ns.c.prod 0
#   (client on a); dcli: dcli.ns.d.prod 0 (client on d)
# vm-timeout: 900
# vm-cost: 190
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
tap_need jq curl socat python3 mosquitto mosquitto_rr mosquitto_pub ethtool
# The VM's /dev has no static nodes: the TUN module makes /dev/net/tun.
[ -c /dev/net/tun ] || modprobe tun || tap_skip_all "no TUN driver"

WEB=app.ns.web.prod
CLI=cli.ns.c.prod
DCLI=dcli.ns.d.prod
# Node d: a NodeEngine's node id (an ObjectId), its underlay address, the
# port its NetManager reports (NodePublicPort, a string) and listens on.
OAK=66a0c1f2e4b0a1b2c3d4e5f9
UL_D=10.99.0.4
P_D=50103
SUB_D='' NS_X2='' NS_DCLI='' SUB6_D='' NS6_X2='' NS6_DCLI=''
RR='' RR6=''
OAK_PID=''

# oak_mqtt CMD ARGS...: an MQTT client in d, at the cluster's broker, as
# d's NetManager (QoS 1, as its PublishToBroker)
oak_mqtt() {
	local cmd=$1
	shift
	ip netns exec d "$cmd" -h "$SD_CTL" -p "$SD_MQTT_PORT" -q 1 "$@"
}

# oak_rr TOPIC REPLY MESSAGE: publishes MESSAGE on nodes/OAK/net/TOPIC
# and prints the first message on nodes/OAK/net/REPLY (subscribed first)
oak_rr() {
	oak_mqtt mosquitto_rr -W 10 -t "nodes/$OAK/net/$1" -e "nodes/$OAK/net/$2" -m "$3"
}

# oak_query JOB: the cluster's table answer for JOB, as d's NetManager
# asks (tableQueryRequestBlocking: sname, sip "")
oak_query() {
	oak_rr tablequery/request tablequery/result "{\"sname\":\"$1\",\"sip\":\"\"}"
}

# oak_deployed JOB NUMBER NSIP NSIP6: d's NotifyDeploymentStatus
oak_deployed() {
	oak_mqtt mosquitto_pub -t "nodes/$OAK/net/service/deployed" -m \
		"{\"appname\":\"$1\",\"status\":\"DEPLOYED\",\"instance_number\":$2,\"nsip\":\"$3\",\"nsipv6\":\"$4\",\"host_ip\":\"$UL_D\",\"host_port\":\"$P_D\"}"
}

# plus ADDR N: the address N after ADDR (IPv6)
plus() {
	python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]) + int(sys.argv[2]))' \
		"$1" "$2"
}

# registry: the node registry the cluster publishes (retained)
registry() {
	ip netns exec ctl mosquitto_sub -h 127.0.0.1 -p "$SD_MQTT_PORT" -C 1 -W 5 -t semnet/nodes
}

# d_in_registry: the registry lists d with its underlay address
d_in_registry() {
	registry | jq -e ".nodes[] | select(.node_id == \"$OAK\" and .host_ip == \"$UL_D\")" >/dev/null
}

# peer_of NODE FILTER: FILTER of NODE's kernel peer for d's subnet
peer_of() {
	ip netns exec "$1" semnet -j peer show | jq -r ".[] | select(.subnet == \"$SUB_D\") | $2"
}

# peer_is NODE WANT: NODE's peer for d is "ENCAP PORT" WANT
peer_is() {
	[ "$(peer_of "$1" '"\(.encap) \(.port)"')" = "$2" ]
}

# located JOB N: the cluster's answer for JOB lists N located instances
located() {
	[ "$(oak_query "$1" | jq '[.instance_list[] | select(.namespace_ip != null)] | length')" = "$2" ]
}

# who_server NS NAME: on port 8000 in NS (both families), its name, then
# an echo
who_server() {
	ip netns exec "$1" socat TCP6-LISTEN:8000,fork,reuseaddr,ipv6only=0 \
		SYSTEM:"echo $2; exec cat" >/dev/null 2>&1 &
}

test_start() {
	local n
	tap_run "control plane: root, cluster, broker" sd_control
	sd_nodes a:10.99.0.1 b:10.99.0.2
	tap_eq "semnetd starts on nodes a and b" "$?" 0
	tap_run "nodes a and b register and set up" sd_register a b
	RR=$(sd_service job1 app ns web prod 3)
	sd_service job2 cli ns c prod 1 >/dev/null &&
		sd_service job3 dcli ns d prod 1 >/dev/null
	tap_match "the orchestrator deploys web (3 instances), cli and dcli" "$?:$RR" '^0:172\.30\.'
	for n in cli x0 x1; do sd_container "$n" >/dev/null; done
	tap_match "cli and x0 on a, x1 on b" \
		"$(sd_deploy a cli "$CLI" 0) $(sd_deploy a x0 "$WEB" 0) $(sd_deploy b x1 "$WEB" 1)" \
		'^200 .* 200 .* 200 '
}

# Node d as an Oakestra worker joins: its NetManager asks for a subnet
# (no underlay fields), builds its bridge and containers from it and
# reports two of them deployed, the port as a string and no tunnel.
test_oakestra_node() {
	local r r6 gw gw6
	sd_wire d "$UL_D" &&
		ip netns exec wire ethtool -K ul-d tx off tx-udp_tnl-segmentation off \
			tx-udp_tnl-csum-segmentation off >/dev/null
	tap_eq "node d on the underlay (no offloads: it segments what it gets, as a NIC would)" "$?" 0
	r=$(oak_rr subnet subnetwork/result '{"METHOD":"GET"}')
	r6=$(json_get "$r" '.addressv6')
	r=$(json_get "$r" '.address')
	tap_match "d's subnet request is answered" "$r" '^172\.16\.0\.[0-9]+$' || return 1
	SUB_D=$r/26
	# The NetManager's plan (NewEnvironmentClusterConfigured): bridge =
	# subnet + 1, containers from subnet + 2.
	gw=${r%.*}.$((${r##*.} + 1))
	NS_X2=${r%.*}.$((${r##*.} + 2))
	NS_DCLI=${r%.*}.$((${r##*.} + 3))
	ip -n d link add br0 type bridge && ip -n d addr add "$gw/26" dev br0 &&
		ip -n d link set br0 up && ip netns exec d sysctl -qw net.ipv4.ip_forward=1 &&
		topo_container d x2 "$NS_X2" 26 "$gw" && topo_container d dcli "$NS_DCLI" 26 "$gw" &&
		ip -n d link set x2 mtu 1450 && ip -n x2 link set eth0 mtu 1450 &&
		ip -n d link set dcli mtu 1450 && ip -n dcli link set eth0 mtu 1450
	tap_eq "d's bridge $gw, x2 $NS_X2, dcli $NS_DCLI (the proxy's MTU, 1450)" "$?" 0
	tap_match "with an IPv6 subnet (addressv6)" "$r6" '^fc00:' || return 1
	SUB6_D=$r6/120
	gw6=$(plus "$r6" 1) NS6_X2=$(plus "$r6" 2) NS6_DCLI=$(plus "$r6" 3)
	ip -n d addr add "$gw6/120" dev br0 nodad &&
		ip netns exec d sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		topo_container6 d x2 "$NS6_X2" 120 "$gw6" && topo_container6 d dcli "$NS6_DCLI" 120 "$gw6"
	tap_eq "d's bridge $gw6, x2 $NS6_X2, dcli $NS6_DCLI" "$?" 0
	oak_deployed "$WEB" 2 "$NS_X2" "$NS6_X2" && oak_deployed "$DCLI" 0 "$NS_DCLI" "$NS6_DCLI"
	tap_eq "d reports x2 and dcli deployed (host_port \"$P_D\")" "$?" 0
	tap_wait "the registry lists d at $UL_D" 15 d_in_registry
	tap_eq "as an ipudp node at port $P_D" \
		"$(registry | jq -r ".nodes[] | select(.node_id == \"$OAK\") | \"\(.tunnel) \(.host_port)\"")" \
		"ipudp $P_D"
	tap_eq "and a and b as gre-udp nodes at port 4754" \
		"$(registry | jq -r "[.nodes[] | select(.node_id != \"$OAK\") | \"\(.tunnel) \(.host_port)\"] | unique | .[]")" \
		"gre-udp 4754"
}

# The peers semnetd makes of it: ipudp, at the port d reports.
test_peers() {
	local n
	for n in a b; do
		tap_wait "$n: d is an ipudp peer at port $P_D" 15 peer_is "$n" "ipudp $P_D" ||
			{ sd_dump "$n"; continue; }
		tap_eq "$n: at $UL_D" "$(peer_of "$n" .remote)" "$UL_D"
		tap_eq "$n: /status shows d's peer ipudp, from the registry" \
			"$(sd_status "$n" ".tables.peers[] | select(.subnet == \"$SUB_D\") | \"\(.encap) \(.registry)\"")" \
			"ipudp true"
	done
	tap_eq "a: b's peer is still gre-udp at port 4754" \
		"$(ip netns exec a semnet -j peer show | jq -r '.[] | select(.remote == "10.99.0.2") | "\(.encap) \(.port)"' | sort -u)" \
		"gre-udp 4754"
	tap_match "semnet peer show says so" "$(ip netns exec a semnet peer show)" \
		"$SUB_D +remote $UL_D +port $P_D +encap ipudp"
}

# The stand-in's proxy, with the cluster's answers for the three jobs (as
# d's NetManager gets them), and the servers; they start while the peers
# are checked.
test_proxy() {
	local j
	tap_wait "the cluster lists web's three instances located" 20 located "$WEB" 3
	for j in "$WEB" "$CLI" "$DCLI"; do oak_query "$j"; done | jq -s . >"$SD_WORK/d.table"
	tap_eq "d's table: web, cli and dcli, 5 instances" \
		"$(jq '[.[].instance_list[] | select(.namespace_ip != null)] | length' "$SD_WORK/d.table")" 5
	ip netns exec d "$SEMNET_TOP/tests/lib/oakestra_node.py" --table "$SD_WORK/d.table" \
		--local "$UL_D" --port "$P_D" --services 172.30.0.0/16 --tun-ip 172.19.1.254/12 \
		--route 172.16.0.0/12 >"$SD_LOGS/d.out" 2>&1 &
	OAK_PID=$!
	for j in x0 x1 x2; do who_server "$j" "$j"; done
	# The stand-in reads a whole datagram at a time: the semnet side's
	# containers send segments, not GSO packets the proxy would see whole.
	for j in cli x0 x1; do ip netns exec "$j" ethtool -K eth0 tso off gso off >/dev/null; done
	head -c 60000 /dev/urandom >"$SD_WORK/payload"
}

# rr_names NS [ADDR]: three connections from NS to ADDR (default RR; an
# IPv6 one in brackets), 60 KB echoed by each: who answered ("bad" for a
# wrong echo), sorted
rr_names() {
	for _ in 1 2 3; do
		echo_named "$1" "${2:-$RR}" 8000 "$SD_WORK/payload" "$SD_WORK/call.$1"
	done | sort | paste -sd ' '
}

test_from_semnet() {
	local n
	tap_wait "the stand-in's proxy listens on $P_D" 30 grep -qx ready "$SD_LOGS/d.out" ||
		sed 's/^/# /' "$SD_LOGS/d.out"
	for n in x0 x1 x2; do wait_port "$n" 8000 || tap_fail "the server in $n listens"; done
	tap_eq "cli on a -> RR: x0 (a), x1 (b, gre-udp), x2 (d, ipudp), 60 KB echoed by each" \
		"$(rr_names cli)" "x0 x1 x2"
	tap_eq "a's kernel has web's three instances" "$(sd_instances a "$WEB")" 3
}

test_from_oakestra() {
	tap_eq "dcli on d -> RR: x0 and x1 through a's and b's port 4754, x2 on d, 60 KB echoed by each" \
		"$(rr_names dcli)" "x0 x1 x2"
	tap_match "a resolved dcli's InstanceIP to an instance on d" \
		"$(ip netns exec a semnet -j instance show | jq -r ".[] | select(.service == \"$DCLI\") | .nsip")" \
		"^$NS_DCLI\$"
	[ "$TAP_FAILED" = 0 ] || { sd_dump a b; sed 's/^/# d: /' "$SD_LOGS/d.out"; }
}

# peer6_is NODE WANT: NODE's peer for d's IPv6 subnet is "ENCAP PORT" WANT
peer6_is() {
	[ "$(ip netns exec "$1" semnet -j peer show |
		jq -r ".[] | select(.subnet == \"$SUB6_D\") | \"\(.encap) \(.port)\"")" = "$2" ]
}

# IPv6 both ways: the RR address's v6 twin, v6 nsIPs and InstanceIPs,
# bare IPv6 in UDP over the IPv4 underlay.
test_ipv6() {
	local n lines
	RR6=$(sd_rr_ip6 "$WEB")
	tap_match "web has an IPv6 RR address" "$RR6" '^fdff:'
	for n in a b; do
		tap_wait "$n: d's IPv6 subnet $SUB6_D is an ipudp peer at port $P_D" 15 \
			peer6_is "$n" "ipudp $P_D"
	done
	lines=$(wc -l <"$SD_LOGS/d.out")
	tap_eq "cli on a -> [$RR6]: x0, x1 (gre-udp), x2 (d, bare IPv6), 60 KB echoed by each" \
		"$(rr_names cli "[$RR6]")" "x0 x1 x2"
	tap_eq "dcli on d -> [$RR6]: x0 and x1 through port 4754, x2 on d, 60 KB echoed by each" \
		"$(rr_names dcli "[$RR6]")" "x0 x1 x2"
	tap_match "a resolved dcli's IPv6 InstanceIP to its instance on d" \
		"$(ip netns exec a semnet -j instance show |
			jq -r ".[] | select(.service == \"$DCLI\") | .nsip" | sort | paste -sd ' ')" \
		"(^| )$NS6_DCLI( |\$)"
	[ "$TAP_FAILED" = 0 ] ||
		{ sd_dump a b; tail -n +"$((lines + 1))" "$SD_LOGS/d.out" | sed 's/^/# d: /'; }
}

# d drops ICMP, as Oakestra's proxy does: semnetd does not probe it, so
# it is never marked down (a Closest address still picks it).
test_not_probed() {
	tap_eq "a probes b, not d" \
		"$(sd_status a '[.probes.nodes[].node] | join(" ")')" "10.99.0.2"
	tap_eq "d's peer on a: cost unknown (null), up" "$(peer_of a '"\(.cost) \(.down)"')" "null false"
}

# d_probe NODE FIELD: FIELD of NODE's probe state for d (empty: not probed)
d_probe() {
	sd_status "$1" ".probes.nodes[] | select(.node == \"$UL_D\") | .$2"
}

# oak_moved PORT [TUNNEL]: d says its underlay moved (NotifyAddressChange,
# for instance 2 of web), to PORT, with TUNNEL (a semnet field) if given
oak_moved() {
	oak_mqtt mosquitto_pub -t "nodes/$OAK/net/service/address-changed" -m \
		"{\"appname\":\"$WEB\",\"instance_number\":2,\"host_ip\":\"$UL_D\",\"host_port\":\"$1\"${2:+,\"tunnel\":\"$2\"}}"
}

d_down() { [ "$(d_probe a down)" = true ]; }
d_unprobed() { [ -z "$(d_probe a node)" ]; }

# A node whose encapsulation changes is put again: d as a GRE peer (it
# then gets probed, and marked down: nothing answers GRE there), then
# ipudp again, unprobed, its cost unknown and up again (the kernel keeps
# both across the change).
test_encap_change() {
	oak_moved 4754 gre-udp
	tap_wait "d reports gre-udp at 4754: a's peer follows" 15 peer_is a "gre-udp 4754"
	tap_wait "a probes d now, and marks it down" 20 d_down
	tap_eq "a's kernel has d down" "$(peer_of a .down)" true
	oak_moved "$P_D"
	tap_wait "d reports port \"$P_D\" again: ipudp" 15 peer_is a "ipudp $P_D"
	tap_wait "a stops probing d" 5 d_unprobed
	tap_eq "d's peer on a: cost unknown (null), up again" "$(peer_of a '"\(.cost) \(.down)"')" \
		"null false"
	tap_eq "cli on a -> RR: x2 on d reached again (with x0, x1)" "$(rr_names cli)" "x0 x1 x2"
}

bad_installed() { [ "$(sd_instances a bad.ns.port.prod)" = 1 ]; }

# A table answer whose entries have a bad host_port or an unknown tunnel:
# those are left out with one warning, the good entry is installed.
test_bad_answer() {
	local msg n
	msg=$(jq -nc --arg sub "${SUB_D%/*}" '{app_name: "bad.ns.port.prod", query_key: "bad.ns.port.prod",
		service_ip: [{IpType: "RR", Address: "172.30.250.1"}],
		instance_list: [
		  {instance_number: 0, instance_ip: "172.30.250.2", namespace_ip: "172.16.0.70",
		   host_ip: "10.99.0.2", host_port: 4754, tunnel: "gre-udp"},
		  {instance_number: 1, instance_ip: "172.30.250.3", namespace_ip: $sub,
		   host_ip: "10.99.0.4", host_port: "0"},
		  {instance_number: 2, instance_ip: "172.30.250.4", namespace_ip: $sub,
		   host_ip: "10.99.0.4", host_port: "50103", tunnel: "vxlan"}]}')
	for _ in 1 2; do
		ip netns exec ctl mosquitto_pub -h 127.0.0.1 -p "$SD_MQTT_PORT" -q 1 \
			-t nodes/a/net/tablequery/result -m "$msg" || tap_fail "publish the answer"
	done
	tap_wait "a installs the good entry" 10 bad_installed
	n=$(grep -c 'table answer for bad.ns.port.prod: 2 located instances left out' "$SD_LOGS/a.log")
	tap_eq "and warns once for the other two (two answers)" "$n" 1
	tap_match "naming the bad port" "$(grep 'table answer for bad.ns.port.prod' "$SD_LOGS/a.log")" \
		"instance entry 1: field 'host_port' must be between 1 and 65535"
	tap_eq "d's peer on a is untouched" "$(peer_of a '"\(.encap) \(.port)"')" "ipudp $P_D"
}

test_stop() {
	kill "$OAK_PID" 2>/dev/null
	sd_stop a b
	tap_note "${SECONDS}s"
}

tap_cases test_start test_oakestra_node test_proxy test_peers test_from_semnet test_from_oakestra \
	test_ipv6 test_not_probed test_encap_change test_bad_answer test_stop
tap_done
