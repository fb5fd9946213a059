#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a flow costs in memory, all in, at a million flows (the performance
# issue's item 3), on the Debian kernel: the slab of the flow objects and
# everything else the table allocates (its hash buckets, whatever the
# kernel's allocators hand out in pages or vmalloc).
#
#   node n: br0 172.16.0.1/26; 16 addresses 172.16.0.10-25 on lo; the
#           node's own processes send the first UDP packet of each flow
#           (LOCAL_OUT) to ServiceIP 172.30.0.1, whose one instance's nsIP
#           172.16.0.3 answers no ARP: every packet makes a flow and goes
#           no further.
#
# 1. FLOWS flows (500,000; 1,000,000 with SEMNET_FULL=1: 16 sources x
#    62,500 ports) are all in the table, none evicted or refused.
# 2. Per flow: the flow slab (from /sys/kernel/slab, which counts the
#    cache's pages even when it is merged with another) and the node's
#    memory in use (MemTotal - MemFree - Buffers - Cached, which takes in
#    the bucket table however it was allocated) grew by at most
#    CEILING bytes (default 280: 242 measured at a million, 257 at half
#    a million, where the rest of the VM weighs more; the goal is 200, printed
#    beside it).
# 3. Deleting the service frees them: the flow slab returns to within 5 %
#    of its growth.
#
# SEMNET_FAMILY=6 (tests/e2e/flow_memory6.sh): IPv6 flows, which carry
# four times the addresses (their own slab, semnet_flow6): ServiceIP
# fdff:2000::1, instance nsIP fc00::103, sources fc00::110-11f; 200,000
# flows in make check (the table at the same load; the rest of the VM
# weighs more per flow) and a ceiling of their own: 450 (292 B of slab
# and 404 B all in measured at 200,000).
# vm-timeout: 1200
# check-tier: ci
# vm-cost: 221
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" --mem 2G "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"

# Half a million in make check (the table's load, and so the figures, are
# the same: 2 and 4 million keys each fill their table to 48 %); a million
# with SEMNET_FULL=1.
SEMNET_FAMILY=${SEMNET_FAMILY:-4}
case $SEMNET_FAMILY in
4)
	FLOWS=500000 FLOWS_FULL=1000000 CEILING=280 SLAB=semnet_flow
	RR=172.30.0.1 INST=172.30.1.1 NSIP=172.16.0.3 HOST=32 NODAD=
	src() { echo "172.16.0.$((10 + $1))"; }	# src I: the node's source address I
	;;
6)
	FLOWS=200000 FLOWS_FULL=1000000 CEILING=450 SLAB=semnet_flow6
	RR=fdff:2000::1 INST=fdff::1 NSIP=fc00::103 HOST=128 NODAD=nodad
	src() { printf 'fc00::%x\n' $((0x110 + $1)); }
	;;
*) echo "flow_memory.sh: SEMNET_FAMILY must be 4 or 6" >&2; exit 2 ;;
esac
[ "${SEMNET_FULL:-0}" = 1 ] && FLOWS=$FLOWS_FULL
FLOWS=${SEMNET_FLOW_MEMORY_FLOWS:-$FLOWS}
CEILING=${SEMNET_FLOW_MEMORY_CEILING:-$CEILING}
GOAL=200
SOURCES=16
FLOWPY=$SEMNET_TOP/tests/adversarial/flows.py
N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
stat_of() { sn -j stats | jq -r ".$1"; }

# used_kb: memory in use, neither free nor page cache, in KiB
used_kb() {
	awk '/^(MemTotal):/ { t = $2 } /^(MemFree|Buffers|Cached):/ { f += $2 }
		END { print t - f }' /proc/meminfo
}

# slab_flow_bytes: bytes of pages the flow cache holds. Shrinking first
# returns what per-CPU slabs hold.
slab_flow_bytes() {
	local d=/sys/kernel/slab/$SLAB
	echo 1 >"$d/shrink"
	echo $(($(cut -d' ' -f1 "$d/slabs") * (1 << $(cat "$d/order")) * 4096))
}

setup_node() {
	local i
	topo_node n 172.16.0.0/26 172.16.0.1 fc00::100/120 fc00::101 &&
	ip -n n route add 172.30.0.0/16 dev br0 &&
	ip -n n route add fdff::/16 dev br0 &&
	sn node set platform 172.16.0.0/12 services 172.30.0.0/16 \
		subnet 172.16.0.0/26 gateway 172.16.0.1 bridge br0 \
		platform6 fc00::/7 services6 fdff::/16 subnet fc00::100/120 gateway6 fc00::101 \
		flow-max $((FLOWS + 1000)) unreplied-max $((FLOWS + 1000)) \
		timeout-unreplied 3600 timeout-udp 3600 &&
	sn service add "$RR" name a &&
	sn instance add "$INST" service a nsip "$NSIP" || return 1
	for i in $(seq 0 $((SOURCES - 1))); do
		echo "address add $(src "$i")/$HOST dev lo $NODAD"
	done | ip -n n -batch -
}

# send_flows: the first UDP packet of FLOWS / SOURCES flows from each
# source (IPv4: flows.py; IPv6: raw sockets of the same kind, the kernel
# filling in the UDP checksum IPv6 requires).
send_flows() {
	local srcs=() i
	for i in $(seq 0 $((SOURCES - 1))); do srcs+=(--src "$(src "$i")"); done
	if [ "$SEMNET_FAMILY" = 4 ]; then
		"${N[@]}" python3 -S "$FLOWPY" udp "$RR" 80 $((FLOWS / SOURCES)) \
			--first-port 1100 "${srcs[@]}"
		return
	fi
	"${N[@]}" python3 -S - "$RR" $((FLOWS / SOURCES)) "${srcs[@]}" <<'PY'
import socket, struct, sys, time
dst, count, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[4::2]
socks = []
for src in srcs:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 6)
    s.bind((src, 0))
    socks.append(s)
start, sent = time.monotonic(), 0
for port in range(1100, 1100 + count):
    seg = struct.pack("!HHHH", port, 80, 12, 0) + b"semn"
    for s in socks:
        try:
            s.sendto(seg, (dst, 0))
            sent += 1
        except OSError:
            pass
print("sent %d in %.1f s" % (sent, time.monotonic() - start))
PY
}

# memory_per_flow: fills the table and measures what it cost.
test_memory_per_flow() {
	local used0 slab0 used1 slab1 start per_used per_slab
	used0=$(used_kb)
	slab0=$(slab_flow_bytes)
	start=$SECONDS
	send_flows | sed 's/^/# /'
	tap_run "the table holds all $FLOWS flows" \
		wait_until 120 eval 'test "$(stat_of flows)" -ge '"$FLOWS"
	tap_note "$(stat_of flows) flows made in $((SECONDS - start)) s; early drops $(stat_of early_drops)"
	used1=$(used_kb)
	slab1=$(slab_flow_bytes)
	per_slab=$(((slab1 - slab0) / FLOWS))
	per_used=$(((used1 - used0) * 1024 / FLOWS))
	tap_note "per flow: ${per_slab} B of flow slab, ${per_used} B all in (memory in use grew $(((used1 - used0) / 1024)) MiB); goal ${GOAL} B all in: $([ "$per_used" -le "$GOAL" ] && echo met || echo "missed by $((per_used - GOAL)) B")"
	if [ "${SEMNET_KERNEL:-debian}" = debug ]; then
		# KASAN's redzones and shadow (IPv6: 372 B of slab, 763 B all in)
		tap_skip "flow slab per flow <= $CEILING B" "the debug kernel's allocations weigh more"
		tap_skip "memory per flow, all in, <= $CEILING B" "the debug kernel's allocations weigh more"
	else
		tap_run "flow slab per flow <= $CEILING B (${per_slab} B)" test "$per_slab" -le "$CEILING"
		tap_run "memory per flow, all in, <= $CEILING B (${per_used} B)" test "$per_used" -le "$CEILING"
	fi
	GROWTH=$((used1 - used0))
	USED0=$used0
	SLAB_GROWTH=$((slab1 - slab0))
	SLAB0=$slab0
}

test_freed_with_service() {
	tap_run "service del a" sn service del "$RR"
	tap_eq "no flow left" "$(stat_of flows)" 0
	# Freed flows wait for RCU, then the cache gives its pages back.
	# (Memory in use as a whole also moves with whatever else the VM
	# did before: only noted.)
	tap_run "the flow slab is back within 5 % of its growth" \
		wait_until 60 eval 'test $(($(slab_flow_bytes) - SLAB0)) -le $((SLAB_GROWTH / 20))'
	tap_note "memory in use: $(((USED0 - $(used_kb)) / -1024)) MiB over the start after the delete (it grew $((GROWTH / 1024)) MiB)"
}

tap_need python3 jq
tap_run "node with a service of one instance, $SOURCES source addresses" setup_node
test_memory_per_flow
test_freed_with_service
tap_done
