#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one-node datapath (issues 3 and 16), in either family: TCP, UDP and
# ICMP through the RR address with payloads intact, exact round robin, the
# server seeing the client's InstanceIP and replies carrying the address
# the client asked, the tuple clash, flow expiry, a full flow table,
# instance deletion mid-run, a service without instances (unreachable at
# once), spoofing (a neighbour's nsIP, a source outside the subnets, the
# gateway's address, forged ARP or neighbour advertisements) dropped and
# counted, table misses (an event in `semnet monitor`, the SYN held and
# sent on once the service or instance is added, or dropped when the hold
# expires), and `semnet flow show` and `flow flush` over flows of both
# families. Every assertion checks exact counts, payload equality or the
# kernel's own counters.
#
# Knobs: SEMNET_FAMILY (4, default, or 6: every address the traffic uses
# is the IPv6 one, second lines below; tests/e2e/datapath6.sh), the node
# and its containers are dual stack either way (the other family's
# service of the same name and flows to it check that one family leaves
# the other alone); SEMNET_DATAPATH_RP (IPv4 rp_filter 0/1/2, default 1:
# strict; IPv6 has no such knob); SEMNET_DATAPATH_FIREWALL (none, or
# docker: a Docker-style FORWARD DROP firewall with "ct state invalid
# drop", in iptables and ip6tables; tests/e2e/datapath_firewall*.sh);
# SEMNET_NODE_MODE (bridged, or routed: no br0, routed veths, the gateway
# on gw0, fe80::1 on each veth for IPv6; tests/lib/topo.sh,
# tests/e2e/datapath_routed*.sh).
#
#   cli 172.16.0.2    x1 172.16.0.3    x2 172.16.0.4    x3 172.16.0.5
#       fc00::102        fc00::103        fc00::104        fc00::105
#   (172.30.1.10      (172.30.1.1      (172.30.1.2      (172.30.1.3
#    fdff::10)         fdff::1)         fdff::2)         fdff::3)
#        |                 |                |                |
#   netns n: br0 172.16.0.1/26, fc00::101/120 -------------------  x4 .6/::106
#   service app.ns.svc.ns: RR address 172.30.0.1 (fdff:2000::1)  (added on
#   -> x1 x2 x3; the other family's RR address -> x1               its miss),
#   x*: TCP 80 (answers its name and the peer's address),          spy .7/::107
#   TCP 7 and UDP 9 (echo)
# vm-timeout: 900
# vm-cost: 123
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need jq socat python3 ping

SEMNET_FAMILY=${SEMNET_FAMILY:-4}
SEMNET_DATAPATH_RP=${SEMNET_DATAPATH_RP:-1}
SEMNET_DATAPATH_FIREWALL=${SEMNET_DATAPATH_FIREWALL:-none}
[ "$SEMNET_DATAPATH_FIREWALL" = none ] || tap_need iptables ip6tables

# Both families' plans; the node and every container have both.
SUB4=172.16.0.0/26 GW4=172.16.0.1 SUB6=fc00::100/120 GW6=fc00::101
NODE_ARGS=(platform 172.16.0.0/12 services 172.30.0.0/16 subnet "$SUB4" gateway "$GW4"
	platform6 fc00::/7 services6 fdff::/16 subnet "$SUB6" gateway6 "$GW6" "${TOPO_ATTACH[@]}")
nsip4() { echo "172.16.0.$(($1 + 2))"; }	# nsip4 I: container I's (0 cli, 1-3 x*, 4 x4, 5 spy)
nsip6() { echo "fc00::$(($1 + 102))"; }

# What the cases use, by family: the RR address and the other family's
# (RR_O), a service without instances, unknown ServiceIPs (one whose miss
# expires, one added on its miss), InstanceIPs (I[0] the client's, I[1..4]
# x1..x4's) and nsIPs (nsip I; nsip_o I the other family's), the other
# family's InstanceIPs of the client and x1, a source outside the node's
# subnets, socat's TCP address form, ping, the host prefix length (and its
# flag: no duplicate address detection), x1-3's nsIPs as `flow show`
# prints them, the SYNs a connect to a service without instances sends.
case $SEMNET_FAMILY in
4)
	RR=172.30.0.1 RR_O=fdff:2000::1 EMPTY=172.30.0.9 UNKNOWN=172.30.0.77 MISS=172.30.0.20
	I=(172.30.1.10 172.30.1.1 172.30.1.2 172.30.1.3 172.30.1.4) I_CLI_O=fdff::10 I_X1_O=fdff::1
	nsip() { nsip4 "$1"; }
	nsip_o() { nsip6 "$1"; }
	GW=$GW4 OUTSIDE=172.17.5.9 FAM=inet
	TCP=TCP L='' R='' PING=(ping) HOST=32 NODAD=()
	NS_X_RE='172\.16\.0\.[345]' SYNS_UNREACH=1
	;;
6)
	RR=fdff:2000::1 RR_O=172.30.0.1 EMPTY=fdff:2000::9 UNKNOWN=fdff:2000::77 MISS=fdff:2000::20
	I=(fdff::10 fdff::1 fdff::2 fdff::3 fdff::4) I_CLI_O=172.30.1.10 I_X1_O=172.30.1.1
	nsip() { nsip6 "$1"; }
	nsip_o() { nsip4 "$1"; }
	GW=$GW6 OUTSIDE=fc00:5::9 FAM=inet6
	TCP=TCP6 L='[' R=']' PING=(ping -6) HOST=128 NODAD=(nodad)
	NS_X_RE='\[fc00::10[345]\]'
	# The first ICMPv6 error (8 ms after the SYN under TCG) finds the
	# socket still held by connect() (TcpExtLockDroppedIcmps) and ends
	# nothing; the one to the SYN sent again 1 s later does: up to two
	# SYNs. (IPv4's first error, held the same, ends the connect.)
	SYNS_UNREACH=2
	;;
*) echo "datapath.sh: SEMNET_FAMILY must be 4 or 6" >&2; exit 2 ;;
esac
NS=("$(nsip 0)" "$(nsip 1)" "$(nsip 2)" "$(nsip 3)" "$(nsip 4)" "$(nsip 5)")
SVC=app.ns.svc.ns
PEER=$SEMNET_TOP/tests/lib/netpeer.py
LOGS=$(mktemp -d)
N=(ip netns exec n)
C=(ip netns exec cli)

sn() { "${N[@]}" semnet "$@"; }
jq_n() { jq_in n "$@"; }
ep() { echo "$L$1$R:$2"; }	# ep ADDR PORT: socat's ADDR:PORT
re() { local s=${1//./\\.}; s=${s//\[/\\[}; echo "${s//\]/\\]}"; }	# re TEXT: TEXT as an ERE
# instance_flows: "ADDR FLOWS" per instance, one a line.
instance_flows() { jq_n '.[] | "\(.address) \(.counters.flows)"' instance show; }
flows_of() { awk -v a="$1" '$1 == a { print $2 }' <<<"$2"; }
stat_of() { stat_in n "$1"; }
drop_of() { drop_in n "$1"; }
server_hits() { if [ -f "$LOGS/$1.log" ]; then wc -l <"$LOGS/$1.log"; else echo 0; fi; }
# flows_where JQ_CONDITION [FILTER...]: how many flows of `flow show FILTER` match
flows_where() {
	local cond=$1
	shift
	jq_n "[.[] | select($cond)] | length" flow show "$@"
}
# dst_counts: "DST=FLOWS ..." over all flows, sorted by DST
dst_counts() {
	jq_n '[.[] | .dst] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' flow show
}
sorted() { printf '%s\n' "$@" | sort | paste -sd' '; }	# sorted WORD...: as dst_counts prints them

# servers NS NAME: in NS, one process (a fork and a shell per connection
# cost seconds per round under TCG) serving both families: TCP 80 answers
# each connection with "NAME PEER-ADDRESS" (and logs it in
# $LOGS/NAME.log), TCP 7 and UDP 9 echo.
servers() {
	ip netns exec "$1" python3 -S - "$2" "$LOGS/$2.log" <<'PY' &
import selectors, socket, sys
name, log = sys.argv[1], sys.argv[2]
sel = selectors.DefaultSelector()
for port, kind in ((80, "name"), (7, "echo"), (9, "udp")):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    if kind != "udp":
        s.listen(64)
    sel.register(s, selectors.EVENT_READ, kind)
while True:
    for key, _ in sel.select():
        s, kind = key.fileobj, key.data
        if kind == "udp":
            data, peer = s.recvfrom(65535)
            s.sendto(data, peer)
        elif kind == "name":
            c, peer = s.accept()
            with open(log, "a") as f:
                f.write("hit\n")
            addr = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
            c.sendall(f"{name} {addr}\n".encode())
            c.close()
        elif kind == "echo":
            sel.register(s.accept()[0], selectors.EVENT_READ, "conn")
        else:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                s.sendall(data)
            else:
                sel.unregister(s)
                s.close()
PY
}

# ask ADDR COUNT: COUNT connections from cli to ADDR:80, one after another
# (one process: python starts slowly under TCG); the answers, one a line
ask() {
	"${C[@]}" python3 -S - "$1" "$2" <<'PY'
import socket, sys
addr, n = sys.argv[1], int(sys.argv[2])
for _ in range(n):
    try:
        with socket.create_connection((addr, 80), timeout=10) as s:
            data = b""
            while chunk := s.recv(256):
                data += chunk
        print(data.decode().strip(), flush=True)
    except OSError as e:
        print(f"fail {e}", flush=True)
PY
}

# rr_round COUNT: COUNT connections to the RR address; the answering names, one a line
rr_round() { ask "$RR" "$1" | cut -d' ' -f1; }

# udp_flows DST N [PORT]: N datagrams from cli to DST:PORT (default 5555,
# where nobody listens), each from a port of its own: N flows.
udp_flows() {
	"${C[@]}" python3 -S - "$1" "$2" "${3:-5555}" <<'PY'
import socket, sys
dst, n, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
socks = []
for _ in range(n):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(b"flow", (dst, port))
    socks.append(s)	# open until all are sent: every port differs
PY
}

# forge_announce NS TARGET: an unsolicited announcement that TARGET is at
# NS's eth0: IPv4 a gratuitous ARP reply (broadcast), IPv6 an overriding
# neighbour advertisement to all nodes (hop limit 255, as NDP wants).
forge_announce() {
	ip netns exec "$1" python3 -S - "$2" <<'PY'
import socket, struct, sys
target = sys.argv[1]
with open("/sys/class/net/eth0/address") as f:
    mac = bytes.fromhex(f.read().strip().replace(":", ""))
if ":" not in target:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0x0806))
    ip = socket.inet_aton(target)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + ip + b"\xff" * 6 + ip
    s.send(b"\xff" * 6 + mac + struct.pack("!H", 0x0806) + arp)
    sys.exit(0)
ifindex = socket.if_nametoindex("eth0")
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
# Type 136, code 0, checksum (the kernel's), flags: override.
na = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, target)
na += struct.pack("!BB", 2, 1) + mac	# target link-layer address option
s.sendto(na, ("ff02::1", 0, 0, ifindex))
PY
}

# container NAME I: container NAME with nsIPs nsip4 I and nsip6 I
container() {
	topo_container n "$1" "$(nsip4 "$2")" 26 "$GW4" "$(nsip6 "$2")" 120 "$GW6"
}

setup() {
	local i ns
	topo_node n "$SUB4" "$GW4" "$SUB6" "$GW6"
	container cli 0
	for i in 1 2 3 4; do container "x$i" "$i"; done
	topo_rp_filter n "$SEMNET_DATAPATH_RP"
	for ns in cli x1 x2 x3 x4; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter="$SEMNET_DATAPATH_RP" \
			net.ipv4.conf.eth0.rp_filter="$SEMNET_DATAPATH_RP"
	done

	if [ "$SEMNET_DATAPATH_FIREWALL" = docker ]; then
		# What Docker leaves on a host (ip6tables too when it does IPv6):
		# FORWARD policy drop, established accepted, a DOCKER-USER chain
		# for the admin; plus the common "ct state invalid drop".
		# semnet's packets are untracked, so only the accept rules
		# semnetd installs for its interfaces let them through.
		for ipt in iptables ip6tables; do
			"${N[@]}" "$ipt" -P FORWARD DROP
			"${N[@]}" "$ipt" -N DOCKER-USER
			"${N[@]}" "$ipt" -A FORWARD -j DOCKER-USER
			"${N[@]}" "$ipt" -A FORWARD -m conntrack --ctstate INVALID -j DROP
			"${N[@]}" "$ipt" -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
			"${N[@]}" "$ipt" -A DOCKER-USER -j RETURN
		done
	fi
}

test_config() {
	local i
	tap_run "node set, both families (${TOPO_ATTACH[*]})" sn node set "${NODE_ARGS[@]}"
	tap_run "service add $RR" sn service add "$RR" name "$SVC" policy rr
	tap_run "the other family's service $RR_O of the same name" sn service add "$RR_O" name "$SVC"
	for i in 1 2 3; do
		tap_run "instance add ${I[i]}" sn instance add "${I[i]}" \
			service "$SVC" nsip "${NS[i]}" dev "x$i"
	done
	tap_run "instance add $I_X1_O (x1, the other family)" \
		sn instance add "$I_X1_O" service "$SVC" nsip "$(nsip_o 1)" dev x1
	tap_run "client instance add ${I[0]}" sn instance add "${I[0]}" \
		service client.ns.cli.ns nsip "${NS[0]}" dev cli
	tap_run "client instance add $I_CLI_O (the other family)" sn instance add "$I_CLI_O" \
		service client.ns.cli.ns nsip "$(nsip_o 0)" dev cli
	tap_eq "$RR has 3 instances, $RR_O 1" \
		"$(jq_n '[.[] | "\(.address)=\(.instances)"] | sort | join(" ")' service show)" \
		"$(sorted "$RR=3" "$RR_O=1")"
}

test_servers() {
	local i dev
	# (x4's for test_held_syn: x4 is no instance yet)
	for i in 1 2 3 4; do servers "x$i" "x$i"; done
	for i in 1 2 3 4; do
		if ! wait_port "x$i" 9 udp 30; then
			tap_fail "servers in x$i listen"
		fi
	done

	if [ "$SEMNET_DATAPATH_FIREWALL" = docker ]; then
		tap_run "the firewall drops semnet traffic until semnet's rules are in" \
			bash -c "! ip netns exec cli socat -T2 - $TCP:$(ep "$RR" 80),connect-timeout=3 </dev/null | grep -q x"
		for dev in "${TOPO_IFACES[@]}"; do
			for ipt in iptables ip6tables; do
				"${N[@]}" "$ipt" -I DOCKER-USER -i "$dev" -j ACCEPT
				"${N[@]}" "$ipt" -I DOCKER-USER -o "$dev" -j ACCEPT
			done
		done
	fi
}

test_traffic() {
	tap_run "TCP through the RR address: 300 KB echoed byte for byte" \
		echo_intact cli "$RR" 7 300000
	tap_run "UDP through the RR address: echo from $(ep "$RR" 9)" \
		"${C[@]}" "$PEER" udp "$RR" 9 512
	tap_run "UDP: an 8 KB datagram (fragments reassembled, translated, echoed)" \
		"${C[@]}" "$PEER" udp "$RR" 9 8192
	tap_run "UDP: a 30 KB datagram" "${C[@]}" "$PEER" udp "$RR" 9 30000
	tap_run "ICMP errors: port unreachable from an instance reaches the client's socket" \
		"${C[@]}" "$PEER" udp-refused "$RR" 9999
	tap_run "ping the RR address" "${C[@]}" "${PING[@]}" -c 3 -i 0.2 -W 2 "$RR"
	tap_run "ping an InstanceIP" "${C[@]}" "${PING[@]}" -c 3 -i 0.2 -W 2 "${I[2]}"
	tap_run "TCP to an InstanceIP" "${C[@]}" "$PEER" tcp "${I[3]}" 7 20000
	tap_eq "ping replies come from the RR address" "$(ping_source cli "$RR")" "$RR"
}

# Exact round robin: 30 new connections, 10 each, by the kernel's
# counters and by the servers' own logs; the servers see the client's
# InstanceIP.
test_round_robin() {
	local before after names i hits=()
	sn flow flush
	before=$(instance_flows)
	for i in 1 2 3; do hits[i]=$(server_hits "x$i"); done
	names=$(rr_round 30)
	after=$(instance_flows)
	for i in 1 2 3; do
		tap_eq "round robin: x$i answered 10 of 30" "$(count_of "x$i" "$names")" 10
		tap_eq "round robin: x$i's log has 10 new connections" \
			"$(($(server_hits "x$i") - hits[i]))" 10
		tap_eq "round robin: kernel counts 10 new flows to x$i" \
			"$(($(flows_of "${I[i]}" "$after") - $(flows_of "${I[i]}" "$before")))" 10
	done
	tap_match "the server sees the client's InstanceIP" "$(ask "$RR" 1)" "^x[123] $(re "${I[0]}")\$"
}

# The tuple clash: the same source port to the RR address and, at once,
# to the InstanceIP the RR flow went to. Both work; one port is remapped.
test_tuple_clash() {
	local remaps target next
	sn flow flush
	remaps=$(stat_of port_remaps)
	target=$(rr_round 1)	# which instance the next RR pick is, by name
	# The pick after that goes to the next instance in turn.
	case $target in x1) next=2 ;; x2) next=3 ;; *) next=1 ;; esac
	tap_run "tuple clash: RR and InstanceIP flows from one source port both echo" \
		"${C[@]}" "$PEER" clash "$RR" "${I[next]}" 7 40000
	tap_eq "tuple clash: one source port remapped" "$(($(stat_of port_remaps) - remaps))" 1
	tap_eq "tuple clash: two flows from source port 40000" \
		"$(flows_where '.sport == 40000')" 2
}

# Flow dump and expiry.
test_flow_expiry() {
	local expired dump
	tap_run "node set timeout-udp 2" sn node set "${NODE_ARGS[@]}" timeout-udp 2
	expired=$(stat_of flows_expired)
	"${C[@]}" "$PEER" udp "$RR" 9 100 >/dev/null
	dump=$(sn flow show)
	tap_match "flow dump: the UDP flow, client, RR address, InstanceIP and nsIP" \
		"$dump" "udp +$(re "$L${NS[0]}$R"):[0-9]+ +-> +$(re "$(ep "$RR" 9)") +=> +$(re "$L${I[0]}$R"):[0-9]+ +-> +$NS_X_RE:9"
	wait_for_output 15 0 flows_where '.proto == "udp"'
	tap_eq "the idle UDP flow expired" "$(flows_where '.proto == "udp"')" 0
	tap_run "the reaper counted it" test "$(stat_of flows_expired)" -gt "$expired"
}

# A full flow table drops new flows (and counts them), never old ones.
test_flow_table_full() {
	local full
	sn flow flush
	full=$(drop_of flow_table_full)
	tap_run "node change flow-max 1 (UDP idle 30 s again)" sn node change flow-max 1 timeout-udp 30
	tap_run "the one allowed flow works" "${C[@]}" "$PEER" udp "$RR" 9 100
	tap_fails "a second flow does not fit (no echo within 1 s)" "${C[@]}" "$PEER" udp "$RR" 9 100 1
	tap_eq "flow-table-full drops counted" "$(($(drop_of flow_table_full) - full))" 1
	tap_run "node change flow-max 1000" sn node change flow-max 1000
}

# An instance deleted mid-run: a held connection to a surviving instance
# carries on, flows to the deleted one are purged, new flows skip it.
test_instance_delete() {
	local holder doomed names
	sn flow flush
	rm -f "$LOGS/go"
	"${C[@]}" "$PEER" hold "${I[1]}" 7 "$LOGS/go" >"$LOGS/hold" 2>&1 &
	holder=$!
	"${C[@]}" "$PEER" hold "${I[3]}" 7 "$LOGS/never" >/dev/null 2>&1 &
	doomed=$!
	wait_for_output 5 2 flows_where '.proto == "tcp"'
	tap_run "instance del ${I[3]} (x3) mid-run" sn instance del "${I[3]}"
	tap_eq "flows to the deleted instance are purged" \
		"$(flows_where ".instance == \"${I[3]}\"")" 0
	tap_eq "the flow to a surviving instance stays" \
		"$(flows_where ".instance == \"${I[1]}\"")" 1
	touch "$LOGS/go"
	wait "$holder"
	tap_eq "the held connection still echoes after the delete" "$?" 0
	kill "$doomed" 2>/dev/null
	# Its FIN, retransmitted for minutes to an address no table has,
	# would be a miss held from then on (test_held_syn counts them).
	ip -n cli route add blackhole "${I[3]}/$HOST"
	# The deleted instance's container leaves too: on a routed node what
	# x3 still sent (its echo of the doomed connection, retransmitted)
	# would count as spoofed from then on, in test_spoofing's window.
	ip -n x3 link set eth0 down
	names=$(rr_round 12)
	tap_eq "after the delete: x1 answers 6 of 12" "$(count_of x1 "$names")" 6
	tap_eq "after the delete: x2 answers 6 of 12" "$(count_of x2 "$names")" 6
	tap_eq "after the delete: x3 answers none" "$(count_of x3 "$names")" 0
}

# A service whose name has no instance: the client is told at once (a
# dropped SYN would wait out the 30 s timeout, retransmitting at 1 and 3 s).
test_no_instance() {
	local before out t0
	tap_run "a service without instances" sn service add "$EMPTY" name nobody.ns.svc.ns
	before=$(drop_of no_instance)
	t0=$SECONDS
	out=$("${C[@]}" socat -T30 - "$TCP:$(ep "$EMPTY" 80),connect-timeout=30" </dev/null 2>&1)
	tap_match "a service without instances: the connection fails, host unreachable" \
		"$out" "No route to host"
	tap_run "at once, not on a timeout ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 15
	tap_run "and the SYN is counted as no-instance (at most $SYNS_UNREACH)" \
		test "$(($(drop_of no_instance) - before))" -ge 1 -a "$(($(drop_of no_instance) - before))" -le "$SYNS_UNREACH"
	sn service del "$EMPTY"
}

# A ServiceIP the node does not know is a miss (test_miss_event): the
# SYN is held for hold-timeout (2 s), then dropped and counted.
test_hold_expired() {
	local before
	before=$(drop_of hold_expired)
	"${C[@]}" socat -T2 - "$TCP:$(ep "$UNKNOWN" 80),connect-timeout=2" </dev/null 2>/dev/null
	tap_wait "an unknown ServiceIP: held, then dropped and counted" 10 \
		counter_at_least $((before + 1)) drop_of hold_expired
}

# A container sending with its neighbour's nsIP, or from outside the
# node's subnets, is dropped where it enters the node.
test_spoofing() {
	local spoofed
	spoofed=$(drop_of spoofed_source)
	"${C[@]}" ip addr add "${NS[2]}/$HOST" dev eth0 noprefixroute "${NODAD[@]}"
	tap_run "a packet spoofing x2's nsIP gets nowhere" \
		bash -c "! ip netns exec cli ${PING[*]} -c 2 -i 0.2 -W 1 -I ${NS[2]} $RR"
	tap_eq "spoofed-source drops counted" "$(($(drop_of spoofed_source) - spoofed))" 2
	"${C[@]}" ip addr del "${NS[2]}/$HOST" dev eth0
	spoofed=$(drop_of spoofed_source)
	"${C[@]}" ip addr add "$OUTSIDE/$HOST" dev eth0 noprefixroute "${NODAD[@]}"
	tap_run "a packet from outside the node's subnets gets nowhere" \
		bash -c "! ip netns exec cli ${PING[*]} -c 2 -i 0.2 -W 1 -I $OUTSIDE $RR"
	tap_eq "counted as spoofed" "$(($(drop_of spoofed_source) - spoofed))" 2
	# Or it would be a source cli could pick for what follows.
	"${C[@]}" ip addr del "$OUTSIDE/$HOST" dev eth0
}

# A port sends only as its own container: not with the gateway's address,
# and on a bridge no ARP or neighbour advertisement claiming a
# neighbour's nsIP or the gateway's. The forger is a container of its own
# (spy), so that what it does to its addresses leaves cli alone.
test_spoof_neighbours() {
	local before mac_spy
	container spy 5
	before=$(drop_of spoofed_source)
	ip -n spy addr add "$GW/$HOST" dev eth0 noprefixroute "${NODAD[@]}"
	# x1's neighbour entry set, or the node would refuse the ARP from its
	# own address before semnet sees anything (routed) or count the
	# solicitations too: the echo alone goes out.
	ip -n spy neigh replace "${NS[1]}" dev eth0 \
		lladdr "$(ip netns exec n cat "/sys/class/net/${TOPO_IFACES[-1]}/address")"
	ip netns exec spy "${PING[@]}" -c 1 -W 1 -I "$GW" "${NS[1]}" >/dev/null 2>&1
	tap_eq "the gateway's address from a port is dropped as spoofed" \
		"$(($(drop_of spoofed_source) - before))" 1
	if [ "$SEMNET_NODE_MODE" = routed ]; then
		# Each routed container has a link of its own: a forged
		# announcement reaches only the node's side of the forger's veth.
		tap_skip "forged neighbour announcements" "routed veths share no link"
		return 0
	fi
	"${N[@]}" "${PING[@]}" -c 1 -W 2 "${NS[2]}" >/dev/null 2>&1
	before=$(drop_of spoofed_source)
	forge_announce spy "${NS[2]}"
	forge_announce spy "$GW"
	# At least the two (the forger's own neighbour solicitations from the
	# addresses it stole may still be retried meanwhile).
	tap_run "announcements for x2's nsIP and the gateway: both dropped" \
		test $(($(drop_of spoofed_source) - before)) -ge 2
	mac_spy=$(ip netns exec spy cat /sys/class/net/eth0/address)
	tap_eq "the node's neighbour entry for x2 is not the forger's" \
		"$("${N[@]}" ip neigh show "${NS[2]}" | grep -c "$mac_spy")" 0
	tap_eq "x2 still answers through $RR" \
		"$(rr_round 2 | grep -c '^x2$')" 1
}

# genl_listener NS: a process in NS listens to a generic netlink multicast
# group (/proc/net/netlink shows the first 32 groups of each socket).
genl_listener() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$1" awk '$2 == 16 && $3 != 0 && $4 != "00000000" { found = 1 } END { exit !found }' \
		/proc/net/netlink
}

# A connection to a ServiceIP the node does not know: one event in
# `semnet monitor -j` with the ServiceIP and the client's nsIP; the SYN
# waits and goes on once the service is added.
test_miss_event() {
	local monitor text client miss
	# One event per address: the SYN's retransmissions raise no more.
	sn node change hold-timeout 20000 miss-interval 60000
	"${N[@]}" semnet -j monitor count 1 >"$LOGS/misses" &
	monitor=$!
	"${N[@]}" semnet monitor count 1 >"$LOGS/misses-text" &
	text=$!
	# Joined the group? (Not visible when its id is over 31: then 5 s pass.)
	wait_until 5 genl_listener n || tap_note "the monitor's subscription is not visible: waited 5 s"
	"${C[@]}" socat -T60 -t60 - "$TCP:$(ep "$MISS" 80),connect-timeout=20" </dev/null \
		>"$LOGS/late-svc" 2>&1 &
	client=$!
	tap_wait "semnet monitor shows the miss" 10 lines_at_least 1 "$LOGS/misses"
	miss=$(head -n 1 "$LOGS/misses")
	tap_eq "the miss names the ServiceIP, the client's nsIP, TCP port 80, one held" \
		"$(jq -r '[.event, .kind, .family, .addr, .src, .proto, .dport, .held] | join(" ")' \
			<<<"$miss")" "miss address $FAM $MISS ${NS[0]} tcp 80 1"
	wait "$monitor"
	tap_eq "semnet monitor count 1 exits after the event" "$?" 0
	wait "$text"
	tap_eq "the text monitor's line" "$(cat "$LOGS/misses-text")" \
		"miss $MISS from ${NS[0]} tcp port 80 held 1"
	tap_run "stats count the held SYN" test "$(stat_of held)" -ge 1
	sn service add "$MISS" name "$SVC"
	wait "$client"
	tap_eq "once the service is added, the held connection completes" "$?" 0
	tap_match "and reaches an instance" "$(cat "$LOGS/late-svc")" "^x[12] "
}

# A SYN to an InstanceIP not installed yet (x4's) is held; adding the
# instance sends it on: the connection succeeds.
test_held_syn() {
	local released before_drops client
	sn node change hold-timeout 20000
	released=$(stat_of released)
	before_drops=$(jq_n '.drops.hold_expired + .drops.hold_full' stats)
	"${C[@]}" socat -T60 -t60 - "$TCP:$(ep "${I[4]}" 80),connect-timeout=20" </dev/null \
		>"$LOGS/late-inst" 2>&1 &
	client=$!
	tap_wait "the SYN to the unknown InstanceIP ${I[4]} is held" 10 \
		counter_at_least 1 stat_of held
	tap_run "instance ${I[4]} (x4) added" \
		sn instance add "${I[4]}" service x4.ns.x.ns nsip "${NS[4]}" dev x4
	wait "$client"
	tap_eq "once the instance is added, the held connection completes" "$?" 0
	tap_match "and reaches x4, from the client's InstanceIP" "$(cat "$LOGS/late-inst")" \
		"^x4 $(re "${I[0]}")\$"
	tap_run "the held packets were released, none dropped" test \
		"$(stat_of released)" -gt "$released" -a \
		"$(jq_n '.drops.hold_expired + .drops.hold_full' stats)" -eq "$before_drops"
	tap_eq "nothing is held any more" "$(stat_of held)" 0
}

# `semnet flow show -j` has the flows with their addresses as sent and as
# translated, their ServiceIP and instance; a dump of 150 flows of each
# family spans several messages and the two tables, and misses none.
test_flow_show() {
	local flows
	# Flows to no server stay unreplied: 30 s would let the first of 300
	# expire before the count on a slow host. Back to the defaults after.
	sn node change timeout-unreplied 600 timeout-udp 600
	sn flow flush
	"${C[@]}" "$PEER" udp "$RR" 9 100 >/dev/null
	flows=$("${N[@]}" semnet -j flow show)
	# The instance it picked and the nsIP it went to agree.
	tap_match "a UDP flow to $RR: as sent, translated, its service and instance" \
		"$(json_get "$flows" '[.[] | select(.proto == "udp" and .dst == "'"$RR"'") |
		  "\(.src) \(.dport) => \(.xsrc) \(.xdport) \(.service) \(.instance) " +
		  (if {"'"${I[1]}"'": "'"${NS[1]}"'", "'"${I[2]}"'": "'"${NS[2]}"'"}[.instance] == .xdst
		   then "paired" else "xdst \(.xdst)" end)] | .[0]')" \
		"^$(re "${NS[0]}") 9 => $(re "${I[0]}") 9 $(re "$RR") ($(re "${I[1]}")|$(re "${I[2]}")) paired$"
	tap_match "the text shows it as $(ep ADDR PORT)" "$(sn flow show)" \
		"^udp +$(re "$L${NS[0]}$R"):[0-9]+ +-> +$(re "$(ep "$RR" 9)") +=> +$(re "$L${I[0]}$R"):[0-9]+ +-> +($(re "$(ep "${NS[1]}" 9)")|$(re "$(ep "${NS[2]}" 9)")) +instance ($(re "${I[1]}")|$(re "${I[2]}")) "
	sn flow flush
	udp_flows "$RR" 150
	udp_flows "$RR_O" 150
	flows=$("${N[@]}" semnet -j flow show)
	tap_jq "the dump has 150 flows to $RR and 150 to $RR_O" "$flows" \
		'[.[] | .dst] | group_by(.) | map("\(.[0])=\(length)") | join(" ")' \
		"$(sorted "$RR=150" "$RR_O=150")"
	tap_jq "IPv4 flows first, then IPv6" "$flows" \
		'[.[] | (.dst | contains(":"))] | . == sort' true
	tap_eq "as many as the module counts" "$(json_get "$flows" length)" "$(stat_of flows)"
	tap_eq "flow show service $RR: its own (the module filters)" \
		"$(flows_where ".service == \"$RR\"" service "$RR")" 150
	tap_eq "flow show instance ${I[2]}: its own" \
		"$(flows_where ".instance != \"${I[2]}\"" instance "${I[2]}")" 0
	sn node change timeout-unreplied 30 timeout-udp 30
}

# `semnet flow flush service` removes its flows and nothing else: not the
# other family's service's, not those to an InstanceIP.
test_flow_flush() {
	sn flow flush
	udp_flows "$RR" 20
	udp_flows "$RR_O" 20
	udp_flows "${I[2]}" 5
	tap_eq "20 flows to $RR, 20 to $RR_O, 5 to the InstanceIP ${I[2]}" "$(dst_counts)" \
		"$(sorted "$RR=20" "$RR_O=20" "${I[2]}=5")"
	tap_run "flow flush service $RR" sn flow flush service "$RR"
	tap_eq "exactly the flows of $RR are gone" "$(dst_counts)" "$(sorted "$RR_O=20" "${I[2]}=5")"
	tap_run "flow flush instance ${I[2]}" sn flow flush instance "${I[2]}"
	tap_eq "then those to ${I[2]}: the other family's stay" "$(dst_counts)" "$RR_O=20"
	tap_fails "flush takes one filter: service and instance together are refused" \
		sn flow flush service "$RR" instance "${I[2]}"
}

test_no_bad_drops() {
	tap_eq "no drops for malformed packets or lack of memory" \
		"$(jq_n '.drops.malformed + .drops.nomem' stats)" 0
}

tap_note "family=$SEMNET_FAMILY mode=$SEMNET_NODE_MODE rp_filter=$SEMNET_DATAPATH_RP firewall=$SEMNET_DATAPATH_FIREWALL"
CASES=(test_config test_servers test_traffic test_round_robin test_tuple_clash
	test_flow_expiry test_flow_table_full test_instance_delete test_no_instance
	test_hold_expired test_spoofing test_spoof_neighbours test_miss_event test_held_syn
	test_flow_show test_flow_flush test_no_bad_drops)
# The variants run the cases whose packets take another path there: a
# routed node has its own hooks and anti-spoofing (and a deleted
# instance's container becomes a stranger), a firewall sees what crosses
# FORWARD (the instances' ICMP errors, held packets released). What only
# the tables decide (picks, clashes, expiry, limits, events, dumps) the
# bridged runs cover.
case $SEMNET_NODE_MODE/$SEMNET_DATAPATH_FIREWALL in
bridged/none) ;;
routed/none)
	CASES=(test_config test_servers test_traffic test_instance_delete test_no_instance
		test_spoofing test_spoof_neighbours test_held_syn test_no_bad_drops) ;;
*)
	CASES=(test_config test_servers test_traffic test_held_syn test_no_bad_drops) ;;
esac
setup
tap_cases "${CASES[@]}"
rm -rf "$LOGS"
tap_done
