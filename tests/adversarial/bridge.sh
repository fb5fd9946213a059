#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bridge-port anti-spoofing under attack (issue 13, item 2): a container
# claims its neighbour's nsIP and the gateway by (gratuitous) ARP, and hides
# IPv4 and ARP with spoofed sources behind 802.1Q and 802.1ad (QinQ) tags
# and in frames to link-local group addresses, which the bridge does not
# forward but hands to the port's own stack. Every forged frame is dropped
# and counted, exactly; nobody's ARP cache changes; nothing reaches the
# node's IPv4 stack; normal traffic keeps working.
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
# vm-timeout: 900
# vm-smp: 1
# check-tier: ci
# vm-cost: 145
# shellcheck disable=SC2317 # the cases run from a list or through tap_run
# A bridged node whatever the caller's SEMNET_NODE_MODE (tests/adversarial/
# routed.sh is the routed counterpart).
export SEMNET_NODE_MODE=bridged
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"
# shellcheck source=tests/lib/spoof.sh
. "$SEMNET_TOP/tests/lib/spoof.sh"

REPEAT=${BRIDGE_REPEAT:-3}
RR=172.30.0.1
GW=172.16.0.1
A_IP=172.16.0.2
B_IP=172.16.0.3
LOGS=$(mktemp -d)
FRAMES=$LOGS/frames.py
SENT=0		# forged frames sent, all cases

# neigh_of NS ADDR DEV: the MAC NS's ARP cache holds for ADDR ("none").
neigh_of() {
	local out
	out=$(ip -n "$1" neigh show "$2" dev "$3")
	if [[ $out =~ lladdr\ ([0-9a-f:]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo none
	fi
}
# icmp_in_echos NS: echo requests NS's IPv4 stack has received.
icmp_in_echos() {
	# shellcheck disable=SC2016 # awk's own $
	ip netns exec "$1" awk '/^Icmp:/ {
		if (!c) { for (i = 2; i <= NF; i++) if ($i == "InEchos") c = i; next }
		print $c; exit }' /proc/net/snmp
}
# frames COUNT "TAGS KIND ARGS..."...: a sends each frame COUNT times
# through frames.py, started once (a python start takes many seconds
# under TCG and KASAN).
frames() {
	local IFS='|' reply
	echo "$*" >&"${FRAMER[1]}"
	read -r reply <&"${FRAMER[0]}"
	[ "$reply" = ok ]
}
# forge SPEC...: the forged frames, each REPEAT times, counted in SENT.
forge() {
	frames "$REPEAT" "$@"
	SENT=$((SENT + $# * REPEAT))
}

cat >"$FRAMES" <<'EOF'
"""frames.py IFACE: raw Ethernet frames from IFACE. Reads lines of
"COUNT|SPEC|SPEC...", sends each SPEC ("TAGS KIND ARGS...") COUNT times
and answers "ok" (or "fail": a probe went unanswered), one line each.

TAGS: "-" (untagged) or TPID:VID[,TPID:VID...] outermost first, in hex TPID.
KIND: arp OP SIP TIP [DSTMAC]  ARP OP (request|reply) with IFACE's MAC as
                               sender; a reply to the broadcast address is
                               gratuitous (target MAC = sender MAC)
      echo SRC DST DSTMAC      an ICMP echo request SRC -> DST
      probe TIP                (last) an ARP probe (sender 0.0.0.0) for TIP,
                               which TIP must answer within 3 s
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


def probed(s, me, tip):
    """Whether someone else answers for TIP within 3 s."""
    end = time.monotonic() + 3
    while time.monotonic() < end:
        try:
            pkt, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        if (addr[2] != socket.PACKET_OUTGOING and len(pkt) >= 42 and
                pkt[20:22] == b"\0\2" and pkt[22:28] != me and
                pkt[28:32] == socket.inet_aton(tip)):
            return True
    return False


def main(argv):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((argv[0], 0))
    me = s.getsockname()[4]
    for line in sys.stdin:
        count, *specs = line.rstrip("\n").split("|")
        # What arrived since the last probe is stale.
        s.setblocking(False)
        try:
            while s.recv(2048):
                pass
        except BlockingIOError:
            pass
        s.settimeout(0.2)
        for spec in specs:
            tags, kind, *args = spec.split()
            data = frame(me, tags, kind, args)
            for _ in range(int(count)):
                s.send(data)
        ok = kind != "probe" or probed(s, me, args[0])
        print("ok" if ok else "fail", flush=True)


sys.exit(main(sys.argv[1:]))
EOF

# ------------------------------------------------------------ topology
# shellcheck disable=SC2119 # a and b only
spoof_topology

coproc FRAMER { ip netns exec ca python3 -S "$FRAMES" eth0; }
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

drops_now
SPOOF0=$SPOOFED
TAGGED0=$TAGGED

# --------------------------------------------------------------- cases
# a claims b's nsIP: gratuitous request and reply, a request to the
# gateway "from" b, a unicast reply to the node.
case_arp_neighbour() {
	local want
	drops_now
	want=$((SPOOFED + 4 * REPEAT))
	forge "- arp request $B_IP $B_IP" "- arp reply $B_IP $B_IP" \
		"- arp request $B_IP $GW" "- arp reply $B_IP $GW $BR_MAC"
	wait_drops SPOOFED "$want"
	tap_eq "ARP claiming the neighbour's nsIP: every frame counted spoofed-source" \
		"$SPOOFED" "$want"
	tap_eq "the node still has b's nsIP at b's MAC" "$(neigh_of n "$B_IP" br0)" "$B_MAC"
}

# a claims the gateway (b's cache) and an address outside the subnet.
case_arp_gateway() {
	local want
	drops_now
	want=$((SPOOFED + 4 * REPEAT))
	forge "- arp request $GW $GW" "- arp reply $GW $GW" \
		"- arp reply $GW $B_IP $B_MAC" "- arp request 172.16.0.200 172.16.0.200"
	wait_drops SPOOFED "$want"
	tap_eq "ARP claiming the gateway or a foreign address: every frame counted" \
		"$SPOOFED" "$want"
	tap_eq "b still has the gateway at the bridge's MAC" "$(neigh_of cb "$GW" eth0)" "$BR_MAC"
}

# Own address and probes (sender 0.0.0.0, RFC 5227) pass.
case_arp_legit() {
	local before
	drops_now
	before=$SPOOFED
	tap_run "a's own gratuitous ARP, then a probe for b's nsIP, answered by b" \
		frames 1 "- arp request $A_IP $A_IP" "- probe $B_IP"
	drops_now
	tap_eq "a's own gratuitous ARP and its probe: nothing dropped" "$SPOOFED" "$before"
	tap_eq "the node has a's nsIP at a's MAC" "$(neigh_of n "$A_IP" br0)" "$A_MAC"
}

# Tagged frames: one 802.1Q tag (priority-tagged, VID 0, and VID 5),
# 802.1ad + 802.1Q (QinQ) and two 802.1Q tags, with IPv4 and ARP inside.
# VID 0 tags are stripped by every receiver, so 0/0 double tags would
# deliver the inner frame to the node and to b as if untagged.
case_tagged() {
	local spoofed echos want
	drops_now
	want=$((TAGGED + 8 * REPEAT))
	spoofed=$SPOOFED
	echos=$(icmp_in_echos n)
	forge "8100:0 echo $B_IP $GW $BR_MAC" "8100:5 echo $B_IP $GW $BR_MAC" \
		"88a8:0,8100:0 echo $B_IP $GW $BR_MAC" \
		"8100:0,8100:0 echo $B_IP $GW $BR_MAC" \
		"88a8:0,8100:0 echo $A_IP $GW $BR_MAC" \
		"8100:0 arp request $B_IP $B_IP" "88a8:0,8100:0 arp reply $B_IP $B_IP" \
		"88a8:7,8100:0 arp request $GW $GW"
	wait_drops TAGGED "$want"
	tap_eq "tagged IPv4 and ARP frames: every one counted tagged" "$TAGGED" "$want"
	tap_eq "and none as spoofed-source (dropped before the address check)" \
		"$SPOOFED" "$spoofed"
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
	local echos want
	drops_now
	want=$((SPOOFED + 3 * REPEAT))
	echos=$(icmp_in_echos n)
	forge "- echo $B_IP $GW 01:80:c2:00:00:03" "- echo $B_IP $GW 01:80:c2:00:00:0e" \
		"- echo 10.9.9.9 $GW 01:80:c2:00:00:0e"
	wait_drops SPOOFED "$want"
	tap_note "link-local echo requests that reached the node: $(($(icmp_in_echos n) - echos))"
	tap_eq "IPv4 to link-local group addresses: every frame counted" "$SPOOFED" "$want"
	tap_eq "no link-local echo request reached the node's IPv4 stack" \
		"$(icmp_in_echos n)" "$echos"
}

case_traffic() {
	tap_run "after the attacks: a pings b" ip netns exec ca ping -c 1 -W 2 "$B_IP"
	tap_run "a pings the gateway" ip netns exec ca ping -c 1 -W 2 "$GW"
	tap_run "b pings a" ip netns exec cb ping -c 1 -W 2 "$A_IP"
	tap_run "a pings the RR address" ip netns exec ca ping -c 1 -W 2 "$RR"
	tap_eq "TCP from a through the RR address to b echoes" \
		"$(echo semnet-bridge | ip netns exec ca socat -T10 -t10 - "TCP:$RR:7")" \
		semnet-bridge
}

case_arp_neighbour
case_arp_gateway
case_arp_legit
case_tagged
case_link_local
case_traffic

drops_now
spoofed=$((SPOOFED - SPOOF0))
tagged=$((TAGGED - TAGGED0))
tap_eq "drops: spoofed-source + tagged = forged frames sent" \
	"$((spoofed + tagged))" "$SENT"
tap_eq "no drops for malformed packets or lack of memory" "$BAD" 0
# frames.py ends at the end of its input.
fd=${FRAMER[1]}
exec {fd}>&-
wait "$FRAMER_PID"
tap_note "forged frames sent: $SENT (each $REPEAT times)"
tap_note "drops: spoofed-source $spoofed, tagged $tagged"
rm -rf "$LOGS"
tap_done
