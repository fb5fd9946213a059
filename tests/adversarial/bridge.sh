#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bridge-port anti-spoofing under attack (issue 13, item 2): a container
# claims its neighbour's nsIP and the gateway by (gratuitous) ARP, and hides
# IPv4 and ARP with spoofed sources behind 802.1Q and 802.1ad (QinQ) tags.
# Every forged frame is dropped at the bridge port and counted, exactly;
# nobody's ARP cache changes; normal traffic keeps working.
#
#   container a (netns ca)                    container b (netns cb)
#   eth0 172.16.0.2                           eth0 172.16.0.3
#   InstanceIP 172.30.1.1 (client)            InstanceIP 172.30.1.2 (app)
#       |  port "ca"                              |  port "cb"
#       +---------------- br0 172.16.0.1/26 ------+
#                 node n (gateway), RR address 172.30.0.1 -> b
#
# The attacker (a) writes raw Ethernet frames with an AF_PACKET socket.
# Knob: BRIDGE_REPEAT (default 3), how many times each forged frame is sent.
# vm-timeout: 600
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" --kernel debug --kmemleak "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"

REPEAT=${BRIDGE_REPEAT:-3}
RR=172.30.0.1
GW=172.16.0.1
A_IP=172.16.0.2
B_IP=172.16.0.3
PEER=$SEMNET_TOP/tests/lib/netpeer.py
LOGS=$(mktemp -d)
FRAMES=$LOGS/frames.py
N=(ip netns exec n)
SENT=0		# forged frames sent, all cases

sn() { "${N[@]}" semnet "$@"; }
drop_of() { sn -j stats | jq -r ".drops.$1"; }
mac_of() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
# neigh_of NS ADDR DEV: the MAC NS's ARP cache holds for ADDR ("none").
neigh_of() {
	local m
	m=$(ip -n "$1" -j neigh show "$2" dev "$3" | jq -r '.[0].lladdr // empty')
	echo "${m:-none}"
}
# icmp_in_echos NS: echo requests NS's IPv4 stack has received.
icmp_in_echos() {
	ip netns exec "$1" awk '/^Icmp:/ {
		if (!c) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; next }
		print $c; exit }' /proc/net/snmp
}
# wait_drops REASON WANT: wait (up to 5 s) for the drop counter to reach WANT.
wait_drops() {
	local i
	for i in $(seq 20); do
		[ "$(drop_of "$1")" -ge "$2" ] && return 0
		sleep 0.25
	done
	return 1
}
# forge "TAGS KIND ARGS..."...: a sends each forged frame REPEAT times
# (see frames.py), in one go: a python start costs seconds under TCG.
forge() {
	ip netns exec ca python3 "$FRAMES" eth0 "$REPEAT" "$@"
	SENT=$((SENT + $# * REPEAT))
}

cat >"$FRAMES" <<'EOF'
"""frames.py IFACE REPEAT SPEC...: raw Ethernet frames from IFACE, each
SPEC ("TAGS KIND ARGS...") sent REPEAT times.

TAGS: "-" (untagged) or TPID:VID[,TPID:VID...] outermost first, in hex TPID.
KIND: arp OP SIP TIP [DSTMAC]  ARP OP (request|reply) with IFACE's MAC as
                               sender; a reply to the broadcast address is
                               gratuitous (target MAC = sender MAC)
      echo SRC DST DSTMAC      an ICMP echo request SRC -> DST
      probe TIP                (last) an ARP probe (sender 0.0.0.0) for TIP; exit
                               0 when TIP answers within 3 s
"""
import socket
import struct
import sys
import time

BCAST = b"\xff" * 6


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def arp(op, sha, sip, tip, tha):
    return 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha,
                               socket.inet_aton(sip), tha,
                               socket.inet_aton(tip))


def echo(src, dst):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5e5e, 1) + b"semnet-bridge"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1,
                      0, socket.inet_aton(src), socket.inet_aton(dst))
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return 0x0800, iph + icmp


def frame(me, tags, kind, args):
    dst = BCAST
    if kind == "arp":
        op = 1 if args[0] == "request" else 2
        if len(args) > 3:
            dst = mac(args[3])
        tha = me if op == 2 and dst == BCAST else (
            dst if op == 2 else b"\0" * 6)
        etype, payload = arp(op, me, args[1], args[2], tha)
    elif kind == "echo":
        dst = mac(args[2])
        etype, payload = echo(args[0], args[1])
    elif kind == "probe":
        etype, payload = arp(1, me, "0.0.0.0", args[0], b"\0" * 6)
    else:
        sys.exit(f"frames.py: unknown kind {kind}")
    hdr = dst + me
    if tags != "-":
        for tag in tags.split(","):
            tpid, vid = tag.split(":")
            hdr += struct.pack("!HH", int(tpid, 16), int(vid))
    data = hdr + struct.pack("!H", etype) + payload
    return data + b"\0" * max(0, 60 - len(data))


def main(argv):
    iface, repeat = argv[0], int(argv[1])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((iface, 0))
    me = s.getsockname()[4]
    for spec in argv[2:]:
        tags, kind, *args = spec.split()
        data = frame(me, tags, kind, args)
        for _ in range(repeat):
            s.send(data)
    if kind != "probe":
        return 0
    # The owner of TIP answers the probe to our MAC.
    s.settimeout(0.2)
    end = time.monotonic() + 3
    while time.monotonic() < end:
        try:
            pkt = s.recv(2048)
        except socket.timeout:
            continue
        if (len(pkt) >= 42 and pkt[20:22] == b"\0\2" and
                pkt[28:32] == socket.inet_aton(args[0])):
            print(f"{args[0]} is at {pkt[22:28].hex(':')}")
            return 0
    return 1


sys.exit(main(sys.argv[1:]))
EOF

# ------------------------------------------------------------ topology
topo_node n 172.16.0.0/26 "$GW"
# ("a" and "b" would read as keywords to `ip link add`.)
topo_container n ca "$A_IP" 26 "$GW" && topo_container n cb "$B_IP" 26 "$GW" ||
	{ tap_fail "topology"; tap_done; }
tap_run "node set" sn node set platform 172.16.0.0/12 services 172.30.0.0/16 \
	subnet 172.16.0.0/26 gateway "$GW" bridge br0
tap_run "service add $RR" sn service add "$RR" name app.ns.svc.ns policy rr
tap_run "instance add 172.30.1.1 (a)" sn instance add 172.30.1.1 \
	service client.ns.a.ns nsip "$A_IP" dev ca
tap_run "instance add 172.30.1.2 (b)" sn instance add 172.30.1.2 \
	service app.ns.svc.ns nsip "$B_IP" dev cb
ip netns exec cb socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
wait_port cb 7 || tap_fail "b's echo server listens"

A_MAC=$(mac_of ca eth0)
B_MAC=$(mac_of cb eth0)
BR_MAC=$(mac_of n br0)
# The caches the attack targets: the node's entries for a and b, b's for
# the gateway.
"${N[@]}" ping -c 1 -W 2 "$A_IP" >/dev/null
"${N[@]}" ping -c 1 -W 2 "$B_IP" >/dev/null
ip netns exec cb ping -c 1 -W 2 "$GW" >/dev/null
tap_eq "the node's cache: b's nsIP at b's MAC" "$(neigh_of n "$B_IP" br0)" "$B_MAC"
tap_eq "b's cache: the gateway at the bridge's MAC" "$(neigh_of cb "$GW" eth0)" "$BR_MAC"

SPOOF0=$(drop_of spoofed_source)
TAGGED0=$(drop_of tagged)

# --------------------------------------------------------------- cases
# a claims b's nsIP: gratuitous request and reply, a request to the
# gateway "from" b, a unicast reply to the node.
case_arp_neighbour() {
	local before want
	before=$(drop_of spoofed_source)
	forge "- arp request $B_IP $B_IP" "- arp reply $B_IP $B_IP" \
		"- arp request $B_IP $GW" "- arp reply $B_IP $GW $BR_MAC"
	want=$((before + 4 * REPEAT))
	wait_drops spoofed_source "$want"
	tap_eq "ARP claiming the neighbour's nsIP: every frame counted spoofed-source" \
		"$(drop_of spoofed_source)" "$want"
	tap_eq "the node still has b's nsIP at b's MAC" "$(neigh_of n "$B_IP" br0)" "$B_MAC"
}

# a claims the gateway (b's cache) and an address outside the subnet.
case_arp_gateway() {
	local before want
	before=$(drop_of spoofed_source)
	forge "- arp request $GW $GW" "- arp reply $GW $GW" \
		"- arp reply $GW $B_IP $B_MAC" "- arp request 172.16.0.200 172.16.0.200"
	want=$((before + 4 * REPEAT))
	wait_drops spoofed_source "$want"
	tap_eq "ARP claiming the gateway or a foreign address: every frame counted" \
		"$(drop_of spoofed_source)" "$want"
	tap_eq "b still has the gateway at the bridge's MAC" "$(neigh_of cb "$GW" eth0)" "$BR_MAC"
}

# Own address and probes (sender 0.0.0.0, RFC 5227) pass.
case_arp_legit() {
	local before
	before=$(drop_of spoofed_source)
	tap_run "a's own gratuitous ARP, then a probe for b's nsIP, answered by b" \
		ip netns exec ca python3 "$FRAMES" eth0 1 "- arp request $A_IP $A_IP" \
		"- probe $B_IP"
	tap_eq "a's own gratuitous ARP and its probe: nothing dropped" \
		"$(drop_of spoofed_source)" "$before"
	tap_eq "the node has a's nsIP at a's MAC" "$(neigh_of n "$A_IP" br0)" "$A_MAC"
}

# Tagged frames: one 802.1Q tag (priority-tagged, VID 0, and VID 5),
# 802.1ad + 802.1Q (QinQ) and two 802.1Q tags, with IPv4 and ARP inside.
# VID 0 tags are stripped by every receiver, so 0/0 double tags would
# deliver the inner frame to the node and to b as if untagged.
case_tagged() {
	local tagged spoofed echos want
	tagged=$(drop_of tagged)
	spoofed=$(drop_of spoofed_source)
	echos=$(icmp_in_echos n)
	forge "8100:0 echo $B_IP $GW $BR_MAC" "8100:5 echo $B_IP $GW $BR_MAC" \
		"88a8:0,8100:0 echo $B_IP $GW $BR_MAC" \
		"8100:0,8100:0 echo $B_IP $GW $BR_MAC" \
		"88a8:0,8100:0 echo $A_IP $GW $BR_MAC" \
		"8100:0 arp request $B_IP $B_IP" "88a8:0,8100:0 arp reply $B_IP $B_IP" \
		"88a8:7,8100:0 arp request $GW $GW"
	want=$((tagged + 8 * REPEAT))
	wait_drops tagged "$want"
	tap_eq "tagged IPv4 and ARP frames: every one counted tagged" \
		"$(drop_of tagged)" "$want"
	tap_eq "and none as spoofed-source (dropped before the address check)" \
		"$(drop_of spoofed_source)" "$spoofed"
	tap_note "tagged echo requests that reached the node: $(($(icmp_in_echos n) - echos))"
	tap_eq "no tagged echo request reached the node's IPv4 stack" \
		"$(icmp_in_echos n)" "$echos"
	tap_eq "the node still has b's nsIP at b's MAC" "$(neigh_of n "$B_IP" br0)" "$B_MAC"
	tap_eq "b still has the gateway at the bridge's MAC" "$(neigh_of cb "$GW" eth0)" "$BR_MAC"
}

# Frames to a link-local group address (01:80:c2:00:00:0X: 802.1X, LLDP)
# are not forwarded: they skip the bridge's hooks and go up the port's own
# stack, which hands IPv4 to the node like any other (ARP there only fills
# the port's own neighbour table, which no route uses).
case_link_local() {
	local spoofed echos want
	spoofed=$(drop_of spoofed_source)
	echos=$(icmp_in_echos n)
	forge "- echo $B_IP $GW 01:80:c2:00:00:03" "- echo $B_IP $GW 01:80:c2:00:00:0e" \
		"- echo 10.9.9.9 $GW 01:80:c2:00:00:0e"
	want=$((spoofed + 3 * REPEAT))
	wait_drops spoofed_source "$want"
	tap_note "link-local echo requests that reached the node: $(($(icmp_in_echos n) - echos))"
	tap_eq "IPv4 to link-local group addresses: every frame counted" \
		"$(drop_of spoofed_source)" "$want"
	tap_eq "no link-local echo request reached the node's IPv4 stack" \
		"$(icmp_in_echos n)" "$echos"
}

case_traffic() {
	tap_run "after the attacks: a pings b" ip netns exec ca ping -c 1 -W 2 "$B_IP"
	tap_run "a pings the gateway" ip netns exec ca ping -c 1 -W 2 "$GW"
	tap_run "b pings a" ip netns exec cb ping -c 1 -W 2 "$A_IP"
	tap_run "a pings the RR address" ip netns exec ca ping -c 1 -W 2 "$RR"
	tap_run "TCP from a through the RR address to b echoes" \
		ip netns exec ca python3 "$PEER" tcp "$RR" 7 20000
}

case_arp_neighbour
case_arp_gateway
case_arp_legit
case_tagged
case_link_local
case_traffic

spoofed=$(($(drop_of spoofed_source) - SPOOF0))
tagged=$(($(drop_of tagged) - TAGGED0))
tap_eq "drops: spoofed-source + tagged = forged frames sent" \
	"$((spoofed + tagged))" "$SENT"
tap_eq "no drops for malformed packets or lack of memory" \
	"$(sn -j stats | jq -r '.drops.malformed + .drops.nomem')" 0
tap_note "forged frames sent: $SENT (each $REPEAT times)"
tap_note "drops: spoofed-source $spoofed, tagged $tagged"
rm -rf "$LOGS"
tap_done
