#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# semnetd end to end: semnet-root, semnet-cluster and mosquitto on an
# underlay, three nodes each running semnetd, containers deployed through
# the unix-socket API as an orchestrator would. Registration builds the
# bridge, semnet0, routes and kernel config; the node registry becomes
# kernel peers; a client on node A reaches three instances on B and C
# through the RR address (its first packet held while the table query
# runs); bad input gets a clear 4xx and changes nothing; an undeployed
# instance stops getting traffic (through a Docker-style FORWARD DROP
# firewall on node b); kill -9 and restart keep flows, leases
# and kernel state; an idle service is forgotten; a restart in the other
# mode moves the containers' ports there and back. SEMNET_NODE_MODE=routed
# (tests/e2e/semnetd_routed.sh): semnetd --mode routed, no bridge, each
# container's veth routed (/32, proxy ARP), the gateway on semnet-gw.
# Dual stack (issue 16): each node also gets an IPv6 /120 from the
# cluster (bridge or semnet-gw ::1, platform6 into semnet0, IPv6 peers
# from the registry), each container an IPv6 nsIP (::2 up, reused once
# freed) and default route (routed: /128 via fe80::1 on its veth); a v6
# RR address balances TCP over two local instances (w6 on a) and over the
# tunnel (web on b and c); leases survive kill -9.
# SEMNET_UNDERLAY=6 (tests/e2e/semnetd_ul6.sh): the underlay is IPv6 only
# (2001:db8:99::/64; no node has an IPv4 address on it). a and b find
# their underlay address through their IPv6 default route, c is given it;
# each reports it as host_ip, and the nodes peer and tunnel (both inner
# families) over IPv6; semnet0 is 56 bytes below the underlay's MTU; RTT
# probes cost the IPv6 peers and the Closest address follows them; a node
# of an IPv4 underlay in the cluster is skipped with a warning (its
# instance never balanced to); a restart finds the address again. It
# runs the cases about the underlay only.
#
#               netns ctl 10.99.0.100: semnet-root, semnet-cluster, mosquitto
#                        |
#   netns wire: bridge ul0 (the underlay) ---------------------------
#        |                      |                         |
#   node a 10.99.0.1       node b 10.99.0.2          node c 10.99.0.3
#   semnetd, br0           semnetd, br0, firewall    semnetd, br0
#        |                      |                      |        |
#    cli y0 y1(y2)              x0                     x1       x2
#   (client of cli.ns.c.prod)   (instances 0, 1, 2 of app.ns.web.prod)
#   y*: instances of w6.ns.w6.prod on a, IPv6 fc00::/120 (a), fc00::100/120
#   (b), fc00::200/120 (c)
# vm-timeout: 540
# vm-cost: 307
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
tap_need jq curl socat python3 mosquitto iptables-restore
[ "$SEMNET_UNDERLAY" = 6 ] && tap_need tc
SD_UL_GIVEN=${SD_UL_GIVEN:-c}	# SEMNET_UNDERLAY=6: c is given its address

PEER=$SEMNET_TOP/tests/lib/netpeer.py
WEB=app.ns.web.prod
CLI=cli.ns.c.prod
W6=w6.ns.w6.prod
RR=
RR6=
WEB6=
V6_LEASES_A=
BR_MAC_A=
test_start() {
	tap_run "control plane: root, cluster, broker" sd_control
	tap_note "${SECONDS}s"
	if [ "$SEMNET_UNDERLAY" = 6 ]; then
		sd_nodes a:2001:db8:99::1 b:2001:db8:99::2 c:2001:db8:99::3
	else
		sd_nodes a:10.99.0.1 b:10.99.0.2 c:10.99.0.3
	fi
	tap_eq "semnetd starts on three nodes" "$?" 0
	tap_eq "the API socket is mode 0660" "$(stat -c %a "$SD_WORK/a.sock")" 660
	tap_eq "an unregistered node refuses deployments (409)" \
		"$(sd_api a POST /container/deploy '{"pid":1,"serviceName":"a.b.c.d","instanceNumber":0}' | cut -c1-3)" 409
	tap_note "${SECONDS}s"
	# Node b has a Docker-style firewall: FORWARD DROP, conntrack accepts.
	ip netns exec b iptables-restore --noflush <<-EOF
	*filter
	:FORWARD DROP [0:0]
	:DOCKER-USER - [0:0]
	-A FORWARD -j DOCKER-USER
	-A FORWARD -m conntrack --ctstate INVALID -j DROP
	-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A DOCKER-USER -j RETURN
	COMMIT
	EOF
	tap_run "nodes a, b, c register and set up" sd_register a b c
	tap_match "on b, semnet's interfaces are accepted in DOCKER-USER" \
		"$(ip netns exec b iptables -S DOCKER-USER)" '-A DOCKER-USER -o semnet0 .*-j ACCEPT'
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		tap_match "on b, every container veth by its name's prefix" \
			"$(ip netns exec b iptables -S DOCKER-USER)" '-A DOCKER-USER -i sn\+ .*-j ACCEPT'
	fi
}

test_registration() {
	tap_eq "node subnets from the cluster" \
		"$(sd_status a .subnet) $(sd_status b .subnet) $(sd_status c .subnet)" \
		"172.16.0.0/26 172.16.0.64/26 172.16.0.128/26"
	tap_match "register again: idempotent" "$(sd_api a POST /register '{"client_id":"a","cluster_address":"10.99.0.100"}')" '^200 '
	tap_match "register as another node: 409" "$(sd_api a POST /register '{"client_id":"zz","cluster_address":"10.99.0.100"}')" \
		"^409 .*registered as 'a'"
	tap_eq "/status: the mode" "$(sd_status b .mode)" "$SEMNET_NODE_MODE"
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		tap_match "semnet-gw holds the gateway" "$(ip -n b -4 addr show semnet-gw)" \
			"inet 172.16.0.65/32"
		tap_eq "no bridge" "$(ip -n b -o link show type bridge | wc -l)" 0
		tap_eq "the kernel has the node's subnet, routed" \
			"$(jq_in b '.subnets[0] + " " + .mode + " " + (.bridge // "none")' node show)" \
			"172.16.0.64/26 routed none"
	else
		tap_match "bridge br0 holds the gateway" "$(ip -n b -4 addr show br0)" "inet 172.16.0.65/26"
		tap_eq "the kernel has the node's subnet and bridge" \
			"$(jq_in b '.subnets[0] + " " + .bridge' node show)" "172.16.0.64/26 br0"
	fi
	tap_match "the platform range routes into semnet0 from the gateway" \
		"$(ip -n b route show 172.16.0.0/12)" "dev semnet0 .*src 172.16.0.65"
	tap_eq "forwarding on" "$(ip netns exec b sysctl -n net.ipv4.ip_forward)" 1
	wait_for_output 10 2 sd_peers a && wait_for_output 10 2 sd_peers c
	tap_eq "the node registry became kernel peers on a" \
		"$(jq_in a '[.[] | select(.subnet | contains(":") | not) | .subnet + "=" + .remote] | sort | join(" ")' peer show)" \
		"172.16.0.128/26=${SD_UL[c]} 172.16.0.64/26=${SD_UL[b]}"
}

# The IPv6-only underlay (SEMNET_UNDERLAY=6).
test_ul6_underlay() {
	local n
	tap_eq "no node has an IPv4 address on the underlay" \
		"$(for n in a b c; do ip -n "$n" -4 -o addr show dev ul0; done | wc -l)" 0
	tap_eq "/status: each node's underlay is its IPv6 address" \
		"$(sd_status a .underlay) $(sd_status b .underlay) $(sd_status c .underlay)" \
		"${SD_UL[a]} ${SD_UL[b]} ${SD_UL[c]}"
	tap_match "a found it on the device of its IPv6 default route" \
		"$(grep -m1 'underlay: ' "$SD_LOGS/a.log")" "underlay: ${SD_UL[a]} \(IPv6\) on ul0"
	tap_eq "the cluster's registry has the IPv6 host_ips" \
		"$(sd_ctl_http GET "$SD_CLUSTER/api/net/nodes" | jq -r '[.nodes[] | .node_id + "=" + .host_ip] | sort | join(" ")')" \
		"a=${SD_UL[a]} b=${SD_UL[b]} c=${SD_UL[c]}"
	# c has no default route: the kernel sized semnet0 for an IPv4
	# underlay (36 bytes), semnetd lowered it.
	tap_eq "semnet0's MTU is the underlay's less 56 (outer IPv6, UDP, GRE) on a and c" \
		"$(sd_status a .tunnel_mtu) $(sd_status c .tunnel_mtu) $(ip netns exec c cat /sys/class/net/semnet0/mtu)" \
		"1444 1444 1444"
}

# The IPv6 side of each node, from the cluster's addressv6.
test_v6_setup() {
	tap_eq "IPv6 subnets from the cluster (/120s of fc00::/96)" \
		"$(sd_status a .subnet_v6) $(sd_status b .subnet_v6) $(sd_status c .subnet_v6)" \
		"fc00::/120 fc00::100/120 fc00::200/120"
	tap_eq "/status: the IPv6 side is up, 254 IPv6 leases" \
		"$(sd_status b '"\(.ipv6) \(.leases6_capacity)"')" "true 254"
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		tap_match "semnet-gw holds the IPv6 gateway" "$(ip -n b -6 addr show semnet-gw)" \
			"inet6 fc00::101/128"
	else
		tap_match "br0 holds the IPv6 gateway, without DAD" "$(ip -n b -6 addr show br0)" \
			"inet6 fc00::101/120 scope global nodad"
		# 3: NET_ADDR_SET, so ports joining never change it
		tap_eq "br0's link address is pinned" \
			"$(ip netns exec a cat /sys/class/net/br0/addr_assign_type)" 3
		BR_MAC_A=$(ip netns exec a cat /sys/class/net/br0/address)
	fi
	tap_eq "the kernel has both subnets and the IPv6 plan" \
		"$(jq_in b '(.subnets | join(" ")) + " " + .platform6 + " " + .service_range6 + " " + .gateway6' node show)" \
		"172.16.0.64/26 fc00::100/120 fc00::/7 fdff::/16 fc00::101"
	tap_match "platform6 routes into semnet0 from the gateway" \
		"$(ip -n b -6 route show fc00::/7)" "dev semnet0 .*src fc00::101"
	tap_eq "IPv6 forwarding on" "$(ip netns exec b sysctl -n net.ipv6.conf.all.forwarding)" 1
	wait_for_output 10 2 sd_peers6 a
	tap_eq "the registry's IPv6 subnets became IPv6 peers on a, same underlay" \
		"$(jq_in a '[.[] | select(.subnet | contains(":")) | .subnet + "=" + .remote] | sort | join(" ")' peer show)" \
		"fc00::100/120=${SD_UL[b]} fc00::200/120=${SD_UL[c]}"
}

test_deploy() {
	local c i
	tap_note "${SECONDS}s"
	RR=$(sd_service job1 app ns web prod 3)
	sd_service job2 cli ns c prod 1 >/dev/null
	tap_match "the orchestrator deployed the service at the root" "$RR" '^172\.30\.'
	tap_note "${SECONDS}s"
	for c in x0 x1 x2 cli; do sd_container "$c" >/dev/null; done
	tap_match "deploy instance 0 on b" "$(sd_deploy b x0 "$WEB" 0 8080:80)" \
		"^200 \{\"serviceName\":\"$WEB\",\"nsAddress\":\"172\.16\.0\.(6[6-9]|[7-9][0-9]|1[01][0-9]|12[0-6])\""
	tap_match "deploy instance 1 on c" "$(sd_deploy c x1 "$WEB" 1)" '^200 .*"nsAddress":"172\.16\.0\.1[3-9][0-9]"'
	tap_match "deploy instance 2 on c" "$(sd_deploy c x2 "$WEB" 2)" '^200 '
	tap_match "deploy the client on a" "$(sd_deploy a cli "$CLI" 0)" '^200 .*"nsAddress":"172\.16\.0\.'
	tap_eq "the container got the nsIP, MTU of semnet0, route via the bridge" \
		"$(ip -n x1 -4 -o addr show eth0 | awk '{print $4}') $(cat /sys/class/net/eth0/mtu 2>/dev/null || ip netns exec x1 cat /sys/class/net/eth0/mtu) $(ip -n x1 route show default | awk '{print $3}')" \
		"$(sd_status c '.instances[] | select(.instanceNumber == 1) | .nsAddress')/26 $(sd_status c .tunnel_mtu) 172.16.0.129"
	[ "$SEMNET_NODE_MODE" = routed ] && routed_veth c 1
	tap_note "${SECONDS}s"
	for i in 0 1 2; do
		ip netns exec "x$i" socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo x$i" 2>/dev/null &
		ip netns exec "x$i" socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat 2>/dev/null &
	done
	for i in 0 1 2; do
		if ! wait_port "x$i" 80 || ! wait_port "x$i" 7; then tap_fail "servers in x$i listen"; fi
	done
	tap_run "node a learns the client's InstanceIP" sd_wait_instance_ip a "$CLI" 0
	tap_run "node c learns its instances' InstanceIPs" sd_wait_instance_ip c "$WEB" 2
}

# v6_of NODE JOB N: the IPv6 nsIP of instance N of JOB on NODE
v6_of() {
	sd_status "$1" ".instances[] | select(.serviceName == \"$2\" and .instanceNumber == $3) | .nsAddressv6"
}

# serve6 CONTAINER: "CONTAINER" to each IPv6 connection on port 80 (beside
# the IPv4 server some have: ipv6only)
serve6() {
	ip netns exec "$1" socat -t 15 TCP6-LISTEN:80,ipv6only=1,fork,reuseaddr SYSTEM:"echo $1" 2>/dev/null &
	wait_until 15 listens6 "$1" || tap_fail "the IPv6 server in $1 listens"
}
listens6() { ip netns exec "$1" ss -H -6 -tln 'sport = :80' | grep -q .; }

# ask6 ADDR N: N IPv6 connections from the client to ADDR; who answered
ask6() {
	local i
	for i in $(seq "$2"); do
		ip netns exec cli socat -T15 -t15 - "TCP6:[$1]:80,connect-timeout=15" </dev/null
		echo
	done
}

# Every container of test_deploy has an IPv6 nsIP and route; two more
# instances (w6) on a, the client's node.
test_v6_deploy() {
	local nsip6 r c want_gw=fc00::201 len=120
	tap_note "${SECONDS}s"
	nsip6=$(v6_of c "$WEB" 1)
	tap_match "instance 1 on c has an IPv6 nsIP of c's /120" "$nsip6" '^fc00::2([0-9a-f]{2})?$'
	[ "$SEMNET_NODE_MODE" = routed ] && want_gw=fe80::1 len=128
	tap_eq "the container has it (no DAD) and the IPv6 default route" \
		"$(ip -n x1 -6 -o addr show eth0 scope global | awk '{print $4}') $(ip -n x1 -6 -o addr show eth0 scope global | grep -c nodad) $(ip -n x1 -6 route show default | awk '{print $3}')" \
		"$nsip6/$len 1 $want_gw"
	tap_eq "the client got the first IPv6 nsIP of a: ::2" "$(v6_of a "$CLI" 0)" "fc00::2"
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		tap_match "routed: the /128 to the IPv6 nsIP leads to its veth, which holds fe80::1" \
			"$(ip -n c -6 -o route show "$nsip6/128") $(ip -n c -6 -o addr show dev "$(sd_status c '.instances[] | select(.instanceNumber == 1) | .veth')" | grep -c 'fe80::1/64')" \
			"dev sn[0-9a-f]{8} .* 1$"
	fi
	RR6=$(sd_service job3 w6 ns w6 prod 2 >/dev/null; sd_rr_ip6 "$W6")
	WEB6=$(sd_rr_ip6 "$WEB")
	tap_match "the root gave w6 an IPv6 RR address" "$RR6" '^fdff:20'
	for c in y0 y1; do sd_container "$c" >/dev/null; done
	r=$(sd_deploy a y0 "$W6" 0)
	tap_match "deploy y0 on a: nsAddressv6 in the answer, canonical" "$r" \
		'^200 \{"serviceName":"w6\.ns\.w6\.prod","nsAddress":"172\.16\.0\.[0-9]+","nsAddressv6":"fc00::3"\}$'
	tap_eq "it is the lease /status shows" "$(v6_of a "$W6" 0)" "fc00::3"
	tap_match "deploy y1 on a" "$(sd_deploy a y1 "$W6" 1)" '"nsAddressv6":"fc00::4"'
	for c in y0 y1 x0 x1 x2; do serve6 "$c"; done
	tap_run "node a learns y1's IPv6 InstanceIP" \
		wait_until 15 test -n "$(sd_status a ".instances[] | select(.serviceName == \"$W6\" and .instanceNumber == 1) | .instanceIpv6 // empty")"
}

# w6_instances6 NODE: IPv6 kernel instances of w6 on NODE
w6_instances6() { sd_instances6 "$1" "$W6"; }

test_v6_round_robin() {
	local names got
	tap_note "${SECONDS}s"
	wait_for_output 15 2 w6_instances6 a
	tap_eq "a's kernel has w6's two IPv6 instances" "$(w6_instances6 a)" 2
	names=$(ask6 "$RR6" 6)
	tap_eq "IPv6 round robin through $RR6 (local): 3 / 3" \
		"$(count_of y0 "$names") $(count_of y1 "$names")" "3 3"
	tap_run "ping6 to the IPv6 RR address" ip netns exec cli ping -6 -c 2 -W 5 "$RR6"
	tap_match "the root gave web an IPv6 RR address" "$WEB6" '^fdff:20'
	names=$(ask6 "$WEB6" 6)
	tap_eq "IPv6 round robin through $WEB6 over the tunnel (b, c): 2 / 2 / 2" \
		"$(count_of x0 "$names") $(count_of x1 "$names") $(count_of x2 "$names")" "2 2 2"
	# Oakestra's NetManager maps a container's ports for its IPv6 address
	# too (node-net-manager/env/ContainerNetDeployment.go, oakestra-net
	# 1bdf5fa): x0's 8080:80 answers at an IPv6 address of b's underlay
	# (for this case only).
	ip -n a addr add fd99::1/64 dev ul0 nodad && ip -n b addr add fd99::2/64 dev ul0 nodad
	got=$(ip netns exec a socat -T15 -t15 - 'TCP6:[fd99::2]:8080,connect-timeout=15' </dev/null)
	tap_eq "b's port mapping 8080 reaches x0 over IPv6 too" "$got" x0
	ip -n a addr del fd99::1/64 dev ul0; ip -n b addr del fd99::2/64 dev ul0
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c
}

# Undeploy frees the IPv6 lease, and the next deployment gets it.
test_v6_undeploy() {
	local free nsip6 names
	tap_note "${SECONDS}s"
	free=$(sd_status a .leases6_free)
	nsip6=$(v6_of a "$W6" 1)
	tap_match "undeploy y1" "$(sd_undeploy a "$W6" 1)" '^200 '
	tap_eq "its IPv6 lease is free again" "$(sd_status a .leases6_free)" "$((free + 1))"
	wait_for_output 15 1 w6_instances6 a
	tap_eq "a's kernel dropped its IPv6 instance" "$(w6_instances6 a)" 1
	# Instance 1 again (the root still has it), in another container.
	sd_container y2 >/dev/null
	tap_match "deploy it again in y2: the freed IPv6 nsIP $nsip6 again" \
		"$(sd_deploy a y2 "$W6" 1)" "\"nsAddressv6\":\"$nsip6\""
	serve6 y2
	wait_for_output 15 2 w6_instances6 a
	[ "$SEMNET_NODE_MODE" = routed ] ||
		tap_eq "the containers' gateway kept its link address" \
			"$(ip netns exec a cat /sys/class/net/br0/address)" "$BR_MAC_A"
	# The node reaches the new container at the reused address (its
	# neighbour entry of the old one was flushed at deployment).
	tap_run "node a reaches y2 at $nsip6" \
		wait_until 15 ip netns exec a ping -6 -c1 -W1 "$nsip6"
	names=$(ask6 "$RR6" 6)
	tap_eq "IPv6 round robin moves to y0 / y2: 3 / 3 / 0" \
		"$(count_of y0 "$names") $(count_of y2 "$names") $(count_of y1 "$names")" "3 3 0"
	V6_LEASES_A=$(sd_status a '[.instances[] | .serviceName + "/" + (.instanceNumber|tostring) + "=" + .nsAddressv6] | sort | join(",")')
}

# After test_restart's kill -9 of a: the same IPv6 leases, the same service.
test_v6_restart() {
	local names
	tap_note "${SECONDS}s"
	tap_eq "the IPv6 leases on a are as before the restart" \
		"$(sd_status a '[.instances[] | .serviceName + "/" + (.instanceNumber|tostring) + "=" + .nsAddressv6] | sort | join(",")')" \
		"$V6_LEASES_A"
	tap_eq "y2 still has its IPv6 nsIP" \
		"$(ip -n y2 -6 -o addr show eth0 scope global | awk '{print $4}' | cut -d/ -f1)" "$(v6_of a "$W6" 1)"
	names=$(ask6 "$RR6" 4)
	tap_eq "IPv6 round robin after the restart: 2 / 2" \
		"$(count_of y0 "$names") $(count_of y2 "$names")" "2 2"
}

# routed_veth NODE N: instance N's host-side veth on NODE is routed: no
# address, proxy ARP, the /32 to its nsIP.
routed_veth() {
	local nsip veth
	nsip=$(sd_status "$1" ".instances[] | select(.instanceNumber == $2) | .nsAddress")
	veth=$(ip -n "$1" -o route show "$nsip/32" | awk '{print $3}')
	tap_match "routed: instance $2 on $1 has a /32 route to its veth" "$veth" '^sn[0-9a-f]{8}$'
	tap_eq "routed: the veth has no address, proxy ARP on" \
		"$(ip -n "$1" -4 -o addr show dev "$veth" | wc -l) $(ip netns exec "$1" sysctl -n "net.ipv4.conf.$veth.proxy_arp")" \
		"0 1"
}

# The client's first connection misses on node a: held, queried, released.
test_round_robin() {
	local names metrics
	tap_note "${SECONDS}s"
	names=$(ask 9)
	tap_eq "round robin through the RR address: 3 / 3 / 3" \
		"$(count_of x0 "$names") $(count_of x1 "$names") $(count_of x2 "$names")" "3 3 3"
	[ "$TAP_FAILED" = 0 ] || sd_dump a b c
	tap_run "the miss was resolved by a table query" test "$(jq_in a .misses stats)" -ge 1
	tap_eq "no packet waited in vain" "$(jq_in a '.drops.hold_expired // 0' stats)" 0
	metrics=$(curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics)
	tap_match "metrics: flows per service" "$metrics" "^semnet_service_flows_total\{service=\"$WEB\",address=\"$RR\"\} 9$"
	tap_match "metrics: upstream latency" "$metrics" '^semnetd_upstream_latency_ms_count [1-9]'
	# -t15: after our EOF, wait for the answer (socat waits 0.5 s by default,
	# too short for a loaded TCG guest to fork the server's echo).
	local to=TCP:${SD_UL[b]}
	[ "$SEMNET_UNDERLAY" = 6 ] && to=TCP6:[${SD_UL[b]}]
	tap_match "port mapping: host port 8080 on b reaches instance 0" \
		"$(ip netns exec a socat -T15 -t15 - "$to:8080,connect-timeout=15" </dev/null)" '^x0$'
	if [ "$SEMNET_UNDERLAY" = 6 ]; then
		tap_eq "a's kernel balances over the three reachable instances only" \
			"$(sd_instances a "$WEB")" 3
	fi
}

# ul6_root_has_v4: the root lists instance 5 of web on the IPv4 node
ul6_root_has_v4() {
	sd_ctl_http GET "$SD_ROOT/api/net/service/$WEB/instances" |
		jq -e '.instance_list[] | select(.instance_number == 5 and .host_ip == "10.99.0.9")' >/dev/null
}
# ul6_v4_subnet: node v4's subnet, when the cluster has given it one
ul6_v4_subnet() {
	sd_ctl_http GET "$SD_CLUSTER/api/net/nodes" |
		jq -re '.nodes[] | select(.node_id == "v4") | .subnet // empty'
}
ul6_v4_warned() { grep -c "node v4 is at 10.99.0.9, an IPv4 underlay" "$SD_LOGS/$1.log"; }

# A mixed cluster: node v4, of an IPv4 underlay, registers as its semnetd
# would (a subnet request with its host_ip) and reports instance 5 of web.
# The IPv6-only nodes cannot peer with it: each says so once, makes no
# peer, and never installs the instance (test_round_robin would lose a
# connection in four to it).
test_ul6_mixed() {
	local subnet
	ip netns exec ctl mosquitto_pub -p "$SD_MQTT_PORT" -t nodes/v4/net/subnet \
		-m '{"METHOD":"GET","host_ip":"10.99.0.9","host_port":4754,"tunnel":"gre-udp"}'
	wait_until 10 ul6_v4_subnet >/dev/null
	subnet=$(ul6_v4_subnet)
	tap_match "node v4 joins with an IPv4 host_ip" "$subnet" '^172\.16\.0\.192/26$'
	sd_ctl_http POST "$SD_ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":5,"cluster_id":"c1"}' >/dev/null
	ip netns exec ctl mosquitto_pub -p "$SD_MQTT_PORT" -t nodes/v4/net/service/deployed \
		-m "{\"appname\":\"$WEB\",\"status\":\"DEPLOYED\",\"instance_number\":5,\"nsip\":\"172.16.0.194\",\"nsipv6\":\"\",\"host_ip\":\"10.99.0.9\",\"host_port\":4754}"
	tap_run "its instance 5 of web reaches the root" wait_until 10 ul6_root_has_v4
	wait_for_output 10 1 ul6_v4_warned a
	tap_eq "a, b and c warn once each: another underlay family" \
		"$(ul6_v4_warned a) $(ul6_v4_warned b) $(ul6_v4_warned c)" "1 1 1"
	tap_eq "and make no peer for it (2 IPv4, 2 IPv6 peers on a)" "$(sd_peers a) $(sd_peers6 a)" "2 2"
}

# RTT probes and Closest over the IPv6 underlay: c 100 ms away, a's
# probes (IPv4 inside semnet0, IPv6 outside) see it, the costs reach a's
# kernel peers by IPv6 address (SET_PEER _ADDR6), and the Closest address
# sends every new connection to b's instance.
ul6_cost() {	# ul6_cost NODE: the costs of a's kernel peers at NODE's underlay
	jq_in a "[.[] | select(.remote == \"${SD_UL[$1]}\") | .cost // -1 | tostring] | join(\" \")" peer show
}
# ul6_c_far: both of c's costs exceed both of b's by 40 ms (b's RTT is
# whatever the VM makes it: tens of milliseconds on a debug kernel)
ul6_c_far() {
	local b c
	read -r -a b <<<"$(ul6_cost b)"
	read -r -a c <<<"$(ul6_cost c)"
	[ "${#b[@]}" = 2 ] && [ "${#c[@]}" = 2 ] && [ "${b[0]}" -ge 0 ] && [ "${b[1]}" -ge 0 ] &&
		[ "${c[0]}" -gt $((b[0] + 40000)) ] && [ "${c[1]}" -gt $((b[1] + 40000)) ] &&
		[ "${c[0]}" -gt $((b[1] + 40000)) ] && [ "${c[1]}" -gt $((b[0] + 40000)) ]
}
test_ul6_closest() {
	local closest names i
	tap_note "${SECONDS}s"
	tap_eq "a probes b and c at their IPv6 addresses" \
		"$(sd_status a '[.probes.nodes[].node] | sort | join(" ")')" "${SD_UL[b]} ${SD_UL[c]}"
	ip netns exec wire tc qdisc replace dev ul-c root netem delay 100ms
	tap_run "with c 100 ms away, the costs of both of c's peers (IPv4 and IPv6 subnets) rise 40 ms above b's" \
		wait_until 20 ul6_c_far
	closest=$(sd_closest_ip "$WEB")
	names=$(for i in 1 2 3 4; do ip netns exec cli socat -T15 -t15 - "TCP:$closest:80,connect-timeout=15" </dev/null; echo; done)
	tap_eq "the Closest address $closest sends every new connection to b (x0)" "$(count_of x0 "$names")" 4
	ip netns exec wire tc qdisc del dev ul-c root
	[ "$TAP_FAILED" = 0 ] || { sd_status a .probes; sd_dump a; } | sed 's/^/# /'
}

# kill -9 and restart on a: its underlay is found again, the same peers.
test_ul6_restart() {
	local names
	tap_note "${SECONDS}s"
	kill -9 "${SD_PID[a]}"
	wait "${SD_PID[a]}" 2>/dev/null
	sd_start a
	tap_eq "semnetd restarts on a" "$?" 0
	tap_eq "a is ready again with the same IPv6 underlay" "$(sd_status a '.state + " " + .underlay')" \
		"ready ${SD_UL[a]}"
	wait_for_output 10 "2 2" ul6_peers a
	tap_eq "with its IPv6-underlay peers" "$(ul6_peers a)" "2 2"
	names=$(ask 3)
	tap_eq "round robin through the tunnel after the restart: one each" \
		"$(count_of x0 "$names") $(count_of x1 "$names") $(count_of x2 "$names")" "1 1 1"
}
ul6_peers() { echo "$(sd_peers "$1") $(sd_peers6 "$1")"; }

# Bad input: a clear 4xx, nothing changed.
test_bad_input() {
	local before
	tap_note "${SECONDS}s"
	before="$(sd_status c '[.instances[].nsAddress] | join(",")') $(ip -n c -o link | grep -c sn)"
	tap_match "malformed JSON: 400" "$(sd_api c POST /container/deploy '{"pid": 12,')" '^400 \{"error":'
	tap_match "missing instanceNumber: 400" \
		"$(sd_api c POST /container/deploy "{\"pid\":${SD_PID[x1]},\"serviceName\":\"$WEB\"}")" \
		"^400 .*instanceNumber"
	tap_match "bad serviceName: 400" \
		"$(sd_api c POST /container/deploy "{\"pid\":${SD_PID[x1]},\"serviceName\":\"web\",\"instanceNumber\":5}")" \
		"^400 .*app\.appns\.svc\.svcns"
	tap_match "bad portMappings: 400" \
		"$(sd_api c POST /container/deploy "{\"pid\":${SD_PID[x1]},\"serviceName\":\"$WEB\",\"instanceNumber\":5,\"portMappings\":\"80:x\"}")" \
		"^400 .*portMappings"
	tap_match "unknown pid: 404" \
		"$(sd_api c POST /container/deploy "{\"pid\":999999,\"serviceName\":\"$WEB\",\"instanceNumber\":5}")" \
		'^404 .*no process with pid 999999'
	tap_match "duplicate deploy: 409" "$(sd_deploy c x1 "$WEB" 1)" "^409 .*deployed already"
	tap_match "undeploy of an unknown instance: 404" "$(sd_undeploy c "$WEB" 7)" "^404 .*no instance 7 of $WEB"
	tap_match "unknown endpoint: 404" "$(sd_api c POST /nope '{}')" '^404 '
	tap_eq "after bad input: the same leases and veths" \
		"$(sd_status c '[.instances[].nsAddress] | join(",")') $(ip -n c -o link | grep -c sn)" "$before"
}

# Undeploy: traffic moves.
test_undeploy() {
	local names nsip
	tap_note "${SECONDS}s"
	nsip=$(sd_status c '.instances[] | select(.instanceNumber == 2) | .nsAddress')
	tap_match "undeploy instance 2" "$(sd_undeploy c "$WEB" 2)" "^200 "
	tap_eq "its veth is gone" "$(ip -n c -o link | grep -c sn)" 1
	tap_eq "and no route leads to its nsIP $nsip on c" \
		"$(ip -n c -o route show "$nsip/32" | wc -l)" 0
	wait_for_output 30 2 sd_instances a "$WEB"
	tap_eq "node a drops the instance (updates_available)" "$(sd_instances a "$WEB")" 2
	wait_for_output 10 2 sd_instances6 a "$WEB"
	tap_eq "and its IPv6 twin" "$(sd_instances6 a "$WEB")" 2
	names=$(ask 6)
	tap_eq "traffic moves to the others: 3 / 3 / 0" \
		"$(count_of x0 "$names") $(count_of x1 "$names") $(count_of x2 "$names")" "3 3 0"
}

# held_flows: node a's TCP flows to port 7 (the held connection's)
held_flows() { jq_in a '[.[] | select(.proto == "tcp" and .dport == 7)] | length' flow show; }

# kill -9 and restart.
test_restart() {
	local held kernel_before leases_before r new names
	tap_note "${SECONDS}s"
	ip netns exec cli "$PEER" hold "$RR" 7 "$SD_WORK/resume" >"$SD_WORK/hold.out" 2>&1 &
	held=$!
	wait_for_counter 10 1 held_flows
	kernel_before=$(jq_in a '[.[] | .address] | sort | join(",")' instance show)
	leases_before=$(sd_status c '[.instances[] | .serviceName + "/" + (.instanceNumber|tostring) + "=" + .nsAddress] | join(",")')
	kill -9 "${SD_PID[a]}" "${SD_PID[c]}"
	wait "${SD_PID[a]}" "${SD_PID[c]}" 2>/dev/null
	# a forgets unused services quickly from now on (checked at the end)
	sd_start a --interest-idle-ms 3000
	tap_eq "semnetd restarts on a" "$?" 0
	sd_start c
	tap_eq "semnetd restarts on c" "$?" 0
	tap_eq "a is ready again at once, from its store" "$(sd_status a .state)" ready
	touch "$SD_WORK/resume"
	wait "$held"
	tap_eq "a connection open across the restart goes on" "$?" 0
	tap_eq "the kernel instances on a are as before" \
		"$(jq_in a '[.[] | .address] | sort | join(",")' instance show)" "$kernel_before"
	tap_eq "the leases on c are as before" \
		"$(sd_status c '[.instances[] | .serviceName + "/" + (.instanceNumber|tostring) + "=" + .nsAddress] | join(",")')" \
		"$leases_before"
	sd_container x3 >/dev/null
	r=$(sd_deploy c x3 "$WEB" 3)
	new=$(jq -r .nsAddress <<<"${r#* }")
	tap_match "a deployment after the restart gets a free nsIP" "$r" '^200 '
	tap_eq "never one in use (nor the undeployed one, recycled last)" \
		"$(grep -c "=$new\(,\|$\)" <<<"$leases_before") $([ "$new" = "$(ip -n x2 -4 -o addr 2>/dev/null)" ] && echo reused || echo fresh)" "0 fresh"
	names=$(ask 6)
	tap_eq "new connections after the restart: round robin" \
		"$(count_of x0 "$names") $(count_of x1 "$names")" "3 3"
}

# An idle service is forgotten.
test_interest() {
	tap_note "${SECONDS}s"
	wait_for_output 20 0 sd_instances a "$WEB"
	tap_eq "an idle service is forgotten on a (kernel entries removed)" \
		"$(jq_in a "[.[] | select(.name == \"$WEB\")] | length" service show) $(jq_in a "[.[] | select(.service == \"$WEB\")] | length" instance show)" "0 0"
	tap_eq "but the client's own instance stays (both families)" \
		"$(jq_in a "[.[] | select(.service == \"$CLI\")] | length" instance show)" 2
}

# sn_ports NODE: the container veths (sn*) on NODE's bridge br0, one a line
sn_ports() { ip -n "$1" -o link show master br0 2>/dev/null | awk -F': ' '{ print $2 }' | grep '^sn' | sed 's/@.*//'; }

# x1_answers: instance 1 on c answers at its nsIP from node c, and from
# the client on node a through the tunnel
x1_answers() {
	local nsip
	nsip=$(sd_status c '.instances[] | select(.instanceNumber == 1) | .nsAddress')
	[ "$(ip netns exec c socat -T5 -t5 - "TCP:$nsip:80,connect-timeout=5" </dev/null)" = x1 ] &&
	[ "$(ip netns exec cli socat -T5 -t5 - "TCP:$nsip:80,connect-timeout=5" </dev/null)" = x1 ]
}

# x1_answers6: instance 1 on c answers at its IPv6 nsIP from node c
x1_answers6() {
	[ "$(ip netns exec c socat -T5 -t5 - "TCP6:[$(v6_of c "$WEB" 1)]:80,connect-timeout=5" </dev/null)" = x1 ]
}

# restart_in NODE MODE: semnetd on NODE stopped and started in MODE
restart_in() {
	local mode=(--mode routed)
	[ "$2" = bridged ] && mode=(--mode bridged --bridge br0)
	kill -TERM "${SD_PID[$1]}"
	wait "${SD_PID[$1]}" 2>/dev/null
	sd_start "$1" "${mode[@]}" && wait_for_output 10 ready sd_status "$1" .state
}

# A restart in the other mode moves the ports of the containers already
# there (c has two: instances 1 and 3), and a restart back returns them.
test_mode_switch() {
	local other=routed veths mode
	[ "$SEMNET_NODE_MODE" = routed ] && other=bridged
	tap_note "${SECONDS}s"
	veths=$(sd_status c '[.instances[].veth] | sort | join(" ")')
	for mode in "$other" "$SEMNET_NODE_MODE"; do
		restart_in c "$mode"
		tap_eq "c restarts $mode" "$?" 0
		tap_eq "c's kernel runs $mode" "$(jq_in c .mode node show)" "$mode"
		if [ "$mode" = routed ]; then
			tap_eq "routed: no container veth stays on the bridge" "$(sn_ports c | wc -l)" 0
			routed_veth c 1
			tap_match "the log says the ports left the bridge" \
				"$(grep -c 'taken off its bridge and routed' "$SD_LOGS/c.log")" '^[1-9]'
		else
			tap_eq "bridged: every container veth is a port of br0" \
				"$(sn_ports c | sort | xargs)" "$veths"
			tap_eq "bridged: no /32 routes to the containers any more" \
				"$(ip -n c -o route show proto static | grep -c '/32\| dev sn')" 0
			tap_match "the log says the ports joined the bridge" \
				"$(grep -c 'moved onto bridge br0' "$SD_LOGS/c.log")" '^[1-9]'
		fi
		tap_run "$mode: instance 1 on c is reachable (from c, and from a)" \
			wait_until 20 x1_answers
		tap_run "$mode: and at its IPv6 nsIP from c" wait_until 20 x1_answers6
	done
}

test_stop() {
	sd_stop a b c
}

if [ "$SEMNET_UNDERLAY" = 6 ]; then
	tap_cases test_start test_registration test_ul6_underlay test_v6_setup test_deploy \
		test_v6_deploy test_ul6_mixed test_round_robin test_v6_round_robin test_ul6_closest \
		test_ul6_restart test_stop
else
	tap_cases test_start test_registration test_v6_setup test_deploy test_v6_deploy \
		test_round_robin test_v6_round_robin test_bad_input test_undeploy test_v6_undeploy \
		test_restart test_v6_restart test_interest test_mode_switch test_stop
fi
tap_done
