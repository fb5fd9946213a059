#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Overlay datapath benchmark (issue 4, item 7): in one VM boot with one
# vCPU and qemu -icount shift=1,sleep=off (guest time advances by executed
# instructions, so ratios repeat whatever else the host runs), measures
# side by side, for a client container on node A and a server container on
# node B:
#   bulk  TCP bulk throughput (iperf3)
#   rr    1-byte request/response transactions per second, one connection
#   crr   connect + 1-byte request/response + close, per second
# over
#   (a) plain routing over the underlay veth, static routes
#   (b) a kernel GRE-in-UDP tunnel (FOU, ipproto 47, port 4754), static routes
#   (c) IPVS NAT (masquerading) on node A for a virtual IP, over (b)
#   (d) a userspace TUN-over-UDP tunnel (socat TUN <-> UDP-DATAGRAM)
#   (e) semnet: a ServiceIP on node A whose instance is on node B, through
#       semnet0 (GRE in UDP); "n/a" while the module has no semnet0
# and prints a table of raw numbers and ratios against (b), and writes a
# chart of the ratios to build/bench/overlay.png (gnuplot on the host).
# Goal: (e) >= 0.9x (b) and >= 1.0x (c) on bulk and rr.
#
#   tests/bench/overlay.sh            (or: make bench-overlay)
#   BENCH_SECONDS=3 BENCH_CASES="a b e" tests/bench/overlay.sh
# BENCH_SECONDS (default 2) is per test, guest time; about 7 minutes in
# all on a busy 2-core host.
#
# Started on the host it re-runs itself in the VM (tests/vm/run) and
# makes the chart from the numbers the VM prints. Everything runs in the
# VM's own network namespaces; nothing is sent anywhere else.
#
# Topology, fresh for each case:
#   cli 172.16.0.2/26 -- br0 [node nA] ul 10.99.0.1/24 ==veth== 10.99.0.2/24 ul [node nB] br0 -- srv 172.16.0.66/26
#                       172.16.0.1                                          172.16.0.65
# Tunnels (b)-(d) get MTU 1468 (1500 - IPv4 20 - UDP 8 - GRE 4, what the
# kernel picks for (b)); semnet0 picks its own (its GRE header has a key).
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

# ------------------------------------------------------------------ host
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	TOP=$(cd "$BENCH_DIR/../.." && pwd)
	secs=${BENCH_SECONDS:-2}
	cases=${BENCH_CASES:-a b c d e}
	[[ $secs =~ ^[1-9][0-9]?$ ]] || { echo "overlay: BENCH_SECONDS must be 1-99" >&2; exit 2; }
	[[ $cases =~ ^[a-e\ ]+$ ]] || { echo "overlay: BENCH_CASES: letters a-e" >&2; exit 2; }
	missing=
	for tool in iperf3 socat ipvsadm python3 jq gnuplot qemu-system-x86_64; do
		command -v "$tool" >/dev/null || missing="$missing $tool"
	done
	[ -z "$missing" ] || { echo "overlay: missing$missing: run make deps" >&2; exit 1; }
	out=$TOP/build/bench
	mkdir -p "$out" || exit 1
	# shellcheck disable=SC2054 # commas belong to qemu's option syntax
	vm=(--smp 1 --mem 1G --timeout "${BENCH_VM_TIMEOUT:-1500}"
		--qemu-arg -icount --qemu-arg shift=1,sleep=off)
	# Cases (a)-(d) need no semnet.ko; (e) then reports n/a.
	if [ ! -f "$TOP/semnet.ko" ]; then
		echo "overlay: no semnet.ko (make module): (e) will be n/a" >&2
		vm+=(--no-module)
	fi
	rm -f "$out/overlay.raw"
	start=$SECONDS
	# The VM prints the table for people and "overlay-data" lines for
	# the chart: those go to a file (one per case), the rest to the
	# terminal as they come, log lines ("# ...") stamped with the host's
	# elapsed seconds.
	declare -A data=()
	status=125
	while IFS= read -r line; do
		case $line in
		'overlay-status '*) status=${line#overlay-status } ;;
		overlay-data$'\t'*)
			line=${line#overlay-data$'\t'}
			data[${line%%$'\t'*}]=$line ;;
		'#'*) printf '[%4ds] %s\n' $((SECONDS - start)) "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <("$TOP/tests/vm/run" "${vm[@]}" "$0" "$secs" "$cases"; echo "overlay-status $?")
	for c in $cases; do
		[ -z "${data[$c]:-}" ] || printf '%s\n' "${data[$c]}"
	done >"$out/overlay.raw"
	echo "overlay: $((SECONDS - start)) s wall clock (boot included)"
	[ "$status" = 0 ] || echo "overlay: the VM run failed (exit $status)" >&2
	[ -s "$out/overlay.raw" ] || { echo "overlay: the VM printed no results" >&2; exit 1; }
	# Ratios against (b) for the chart: label, bulk, rr, crr; NaN where
	# a case was not measured.
	awk -F '\t' '
		{ key[NR] = $1; lab[NR] = "(" $1 ") " $2; st[NR] = $3
		  for (m = 1; m <= 3; m++) v[NR, m] = $(m + 3)
		  if ($1 == "b") b = NR }
		END {
			print "case\tbulk\trr\tcrr"
			for (i = 1; i <= NR; i++) {
				line = lab[i] (st[i] == "ok" ? "" : " [" st[i] "]")
				for (m = 1; m <= 3; m++) {
					r = "NaN"
					if (b && st[i] == "ok" && st[b] == "ok" && v[b, m] > 0)
						r = sprintf("%.3f", v[i, m] / v[b, m])
					line = line "\t" r
				}
				print line
			}
		}' "$out/overlay.raw" >"$out/overlay.dat"
	gnuplot -e "datafile='$out/overlay.dat'; outfile='$out/overlay.png'; subtitle='1 vCPU, qemu -icount shift=1, ${secs} s per test (guest time)'" \
		"$BENCH_DIR/overlay-chart.gp" || { echo "overlay: gnuplot failed" >&2; exit 1; }
	echo "overlay: chart in ${out#"$TOP"/}/overlay.png, numbers in ${out#"$TOP"/}/overlay.raw"
	exit "$status"
fi

# -------------------------------------------------------------------- VM
SECS=${1:-2}
CASES=${2:-a b c d e}
RR=$BENCH_DIR/overlay-rr.py
LOGS=$(mktemp -d)

# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
trap 'teardown; rm -rf "$LOGS"' EXIT

declare -A LABEL=(
	[a]="plain routing"
	[b]="kernel FOU GRE-in-UDP"
	[c]="IPVS NAT + FOU tunnel"
	[d]="socat TUN over UDP"
	[e]="semnet ServiceIP"
)
# The tunnel device whose counters must show the traffic (none for (a)).
declare -A TUNDEV=([a]="" [b]=gre1 [c]=gre1 [d]=sntun [e]=semnet0)
declare -A STATUS BULK RRATE CRATE
DST=

log() { echo "# $*"; }
A() { ip -n nA "$@"; }
B() { ip -n nB "$@"; }

# all_gone PID...: none of them runs any more (a test for wait_until)
# shellcheck disable=SC2317 # run through wait_until
all_gone() {
	local p
	for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}

# teardown: stop every process in the bench namespaces, wait for them
# (bounded) and delete the namespaces, so the next case starts clean.
teardown() {
	local ns pids
	for ns in "${TOPO_NETNS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] || continue
		# shellcheck disable=SC2086 # one pid a word
		kill $pids 2>/dev/null
		# shellcheck disable=SC2086
		wait_until 5 all_gone $pids
	done
	for ns in "${TOPO_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	TOPO_NETNS=()
}

# base: the two nodes, their containers and the underlay, no routes
# between the container subnets.
base() {
	topo_node nA 172.16.0.0/26 172.16.0.1 &&
	topo_node nB 172.16.0.64/26 172.16.0.65 &&
	topo_container nA cli 172.16.0.2 26 172.16.0.1 &&
	topo_container nB srv 172.16.0.66 26 172.16.0.65 &&
	A link add ul type veth peer name ul netns nB &&
	A addr add 10.99.0.1/24 dev ul && A link set ul up &&
	B addr add 10.99.0.2/24 dev ul && B link set ul up
}

# --------------------------------------------------------------- cases
# setup_X: build case X on top of base and set DST, the address the
# client connects to. Returns 2 when the case is not available (n/a).

setup_a() {
	A route add 172.16.0.64/26 via 10.99.0.2 &&
	B route add 172.16.0.0/26 via 10.99.0.1 &&
	DST=172.16.0.66
}

fou_tunnel() {	# fou_tunnel NODE LOCAL REMOTE REMOTE_SUBNET
	ip -n "$1" fou add port 4754 ipproto 47 &&
	ip -n "$1" link add gre1 type gre local "$2" remote "$3" ttl 64 \
		encap fou encap-sport auto encap-dport 4754 &&
	ip -n "$1" link set gre1 up &&
	ip -n "$1" route add "$4" dev gre1
}

setup_b() {
	fou_tunnel nA 10.99.0.1 10.99.0.2 172.16.0.64/26 &&
	fou_tunnel nB 10.99.0.2 10.99.0.1 172.16.0.0/26 &&
	log "gre1 mtu $(A -j link show gre1 | jq '.[0].mtu')" &&
	DST=172.16.0.66
}

setup_c() {	# (b) plus IPVS NAT on node A: VIP 172.30.0.1, real server srv
	local port
	setup_b &&
	A addr add 172.30.0.1/32 dev lo || return 1
	for port in 5201 7001 7002; do
		ip netns exec nA ipvsadm -A -t "172.30.0.1:$port" -s rr &&
		ip netns exec nA ipvsadm -a -t "172.30.0.1:$port" -r "172.16.0.66:$port" -m ||
			return 1
	done
	DST=172.30.0.1
}

socat_tunnel() {	# socat_tunnel NODE LOCAL REMOTE TUNADDR REMOTE_SUBNET
	ip netns exec "$1" socat -b 65536 \
		"UDP4-DATAGRAM:$3:4755,bind=$2:4755,range=$3/32,rcvbuf=4194304,sndbuf=4194304" \
		"TUN:$4/30,tun-name=sntun,up,no-pi" >"$LOGS/socat-$1.log" 2>&1 &
	wait_until 10 ip -n "$1" link show sntun >/dev/null 2>&1
	ip -n "$1" link set sntun mtu 1468 &&
	ip -n "$1" route add "$5" dev sntun
}

setup_d() {
	socat_tunnel nA 10.99.0.1 10.99.0.2 10.98.0.1 172.16.0.64/26 &&
	socat_tunnel nB 10.99.0.2 10.99.0.1 10.98.0.2 172.16.0.0/26 &&
	DST=172.16.0.66
}

# semnet: node A has the service (RR address 172.30.0.1) and its one
# instance, whose nsIP 172.16.0.66 lives on node B; node B has that
# instance as a local one. Each node knows the other as a tunnel peer.
semnet_node() {	# semnet_node NODE SUBNET GATEWAY
	ip netns exec "$1" semnet node set platform 172.16.0.0/12 services 172.30.0.0/16 \
		subnet "$2" gateway "$3" bridge br0 &&
	ip -n "$1" route add 172.16.0.0/12 dev semnet0 src "$3"
}

setup_e() {
	local sa=(ip netns exec nA semnet) sb=(ip netns exec nB semnet) err
	if ! err=$(A link add semnet0 type semnet 2>&1); then
		log "(e): ip link add semnet0 type semnet: $err"
		return 2
	fi
	B link add semnet0 type semnet && A link set semnet0 up && B link set semnet0 up &&
	log "semnet0 mtu $(A -j link show semnet0 | jq '.[0].mtu')" &&
	semnet_node nA 172.16.0.0/26 172.16.0.1 &&
	semnet_node nB 172.16.0.64/26 172.16.0.65 &&
	"${sa[@]}" peer add 172.16.0.64/26 remote 10.99.0.2 &&
	"${sb[@]}" peer add 172.16.0.0/26 remote 10.99.0.1 &&
	"${sa[@]}" service add 172.30.0.1 name bench.ns.srv.ns policy rr &&
	"${sa[@]}" instance add 172.30.1.1 service bench.ns.srv.ns nsip 172.16.0.66 node 10.99.0.2 &&
	"${sa[@]}" instance add 172.30.1.10 service bench.ns.cli.ns nsip 172.16.0.2 dev cli &&
	"${sb[@]}" instance add 172.30.1.1 service bench.ns.srv.ns nsip 172.16.0.66 dev srv &&
	DST=172.30.0.1
}

# --------------------------------------------------------- measurement
rx_packets() {	# rx_packets NODE DEV
	ip -n "$1" -j -s link show "$2" | jq '.[0].stats64.rx.packets'
}

# run STEP CMD...: CMD's stdout into OUT; logs how long it took (guest
# time) and how it failed. Bounded: GUARD guest seconds. 9p reads in the
# VM let guest time jump ahead (-icount, sleep=off), so the guard is
# generous; a real hang is idle time, which passes quickly.
GUARD=900
OUT=
idle_cs() { awk '/^cpu / { print $5 + $6 }' /proc/stat; }	# idle + iowait, 1/100 s
run() {
	local step=$1 t0=$EPOCHREALTIME i0 rc
	shift
	i0=$(idle_cs)
	OUT=$(timeout "$GUARD" "$@" 2>"$LOGS/step.err")
	rc=$?
	log "  $step: exit $rc, $(awk -v a="$t0" -v b="$EPOCHREALTIME" -v i="$(($(idle_cs) - i0))" \
		'BEGIN { printf "%.1f s, %.2f s of it idle", b - a, i / 100 }')"
	[ "$rc" = 0 ] && return 0
	sed 's/^/#   /' "$LOGS/step.err"
	return "$rc"
}

udp_rcvbuf_errors() {	# udp_rcvbuf_errors NODE
	ip netns exec "$1" cat /proc/net/snmp | awk '$1 == "Udp:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") n = i; next }
		print $n }'
}

measure() {	# measure CASE TARGET: sets BULK RRATE CRATE, or fails
	local c=$1 dst=$2 dev=${TUNDEV[$1]} rx0=0 rx1
	local cli=(ip netns exec cli)
	ip netns exec srv iperf3 -s -p 5201 >"$LOGS/iperf3-s-$c.log" 2>&1 &
	ip netns exec srv python3 "$RR" serve-rr 7001 >"$LOGS/rr-s-$c.log" 2>&1 &
	ip netns exec srv python3 "$RR" serve-crr 7002 >"$LOGS/crr-s-$c.log" 2>&1 &
	if ! { wait_port srv 5201 && wait_port srv 7001 && wait_port srv 7002; }; then
		log "($c): servers did not start"
		return 1
	fi
	[ -z "$dev" ] || rx0=$(rx_packets nB "$dev")
	run "check $dst:7001" "${cli[@]}" python3 "$RR" check "$dst" 7001 || return 1
	run bulk "${cli[@]}" iperf3 -c "$dst" -p 5201 -t $((SECS + 1)) -O 1 -J ||
		{ log "($c): iperf3: $(jq -r '.error? // empty' <<<"$OUT")"; return 1; }
	BULK[$c]=$(jq -e '.end.sum_received.bits_per_second' <<<"$OUT") ||
		{ log "($c): no iperf3 result"; return 1; }
	log "  bulk: $(jq -r '"\(.end.sum_received.bytes) bytes received, \(.end.sum_sent.retransmits) retransmits"' <<<"$OUT")"
	# The clients print "RATE IDLE": IDLE is the CPU's idle time within
	# the measured window, which should be ~0 with one vCPU.
	run rr "${cli[@]}" python3 "$RR" rr "$dst" 7001 "$SECS" || return 1
	RRATE[$c]=${OUT%% *}
	log "  rr: ${OUT#* } s idle in the window"
	run crr "${cli[@]}" python3 "$RR" crr "$dst" 7002 "$SECS" || return 1
	CRATE[$c]=${OUT%% *}
	log "  crr: ${OUT#* } s idle in the window"
	log "  UDP receive buffer errors: node A $(udp_rcvbuf_errors nA), node B $(udp_rcvbuf_errors nB)"
	# The traffic took the path under test: the tunnel received it.
	if [ -n "$dev" ]; then
		rx1=$(rx_packets nB "$dev")
		log "($c): $dev on node B received $((rx1 - rx0)) packets"
		[ "$((rx1 - rx0))" -gt 1000 ] || { log "($c): the traffic did not use $dev"; return 1; }
	fi
	log "($c): bulk $(awk -v b="${BULK[$c]}" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s, rr ${RRATE[$c]}/s, crr ${CRATE[$c]}/s"
}

run_case() {	# run_case X
	local c=$1 rc
	log "($c) ${LABEL[$c]}"
	if ! base; then
		log "($c): building the topology failed"
		STATUS[$c]=fail
	else
		DST=
		case $c in
		a) setup_a ;;
		b) setup_b ;;
		c) setup_c ;;
		d) setup_d ;;
		e) setup_e ;;
		esac
		rc=$?
		if [ "$rc" = 2 ]; then
			STATUS[$c]=n/a
		elif [ "$rc" != 0 ] || [ -z "$DST" ]; then
			log "($c): setup failed"
			STATUS[$c]=fail
		elif measure "$c" "$DST"; then
			STATUS[$c]=ok
		else
			STATUS[$c]=fail
			tail -n 5 "$LOGS"/*-"$c".log "$LOGS"/socat-*.log 2>/dev/null | sed 's/^/#   /'
		fi
	fi
	teardown
	log "($c): ${STATUS[$c]}"
}

# ---------------------------------------------------------------- main
# No IPv6 in the bench namespaces (no router/neighbour solicitations in
# the measurements): new namespaces inherit the initial one's settings.
sysctl -qw net.core.devconf_inherit_init_net=1 net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
# Socket buffers up to 8 MB for those who ask (only socat does, 4 MB:
# with one CPU a whole TCP window arrives before it reads any of it).
sysctl -qw net.core.rmem_max=8388608 net.core.wmem_max=8388608
# Every case runs with the same modules loaded.
for m in bridge veth fou ip_gre tun ip_vs ip_vs_rr; do
	modprobe "$m" || { echo "overlay: modprobe $m failed" >&2; exit 1; }
done

# Read the programs once, so that their 9p reads (which let guest time
# jump, see run) happen here and not in the steps.
{
	python3 "$RR" check 127.0.0.1 1
	iperf3 --version
	socat -V
	ipvsadm --version
	semnet version
	jq --version
	ss -V
} >/dev/null 2>&1

for c in $CASES; do run_case "$c"; done

# num VALUE DIVISOR FORMAT: VALUE / DIVISOR, printf FORMAT
num() { awk -v v="$1" -v d="$2" -v f="$3" 'BEGIN { printf f, v / d }'; }
ratio() {	# ratio CASE ARRAY: "0.93x" against (b), or "-"
	local -n arr=$2
	if [ "${STATUS[$1]:-}" = ok ] && [ "${STATUS[b]:-}" = ok ]; then
		awk -v x="${arr[$1]}" -v b="${arr[b]}" 'BEGIN { printf "%.2fx", x / b }'
	else
		echo -
	fi
}

echo
echo "overlay bench: 1 vCPU, qemu -icount shift=1,sleep=off; ${SECS} s per test, guest time; ratios against (b)"
printf '%-28s %12s %6s %12s %6s %12s %6s\n' case "bulk Gbit/s" "x(b)" "rr trans/s" "x(b)" "crr conn/s" "x(b)"
for c in $CASES; do
	if [ "${STATUS[$c]}" = ok ]; then
		printf '%-28s %12s %6s %12s %6s %12s %6s\n' "($c) ${LABEL[$c]}" \
			"$(num "${BULK[$c]}" 1e9 %.2f)" "$(ratio "$c" BULK)" \
			"$(num "${RRATE[$c]}" 1 %.0f)" "$(ratio "$c" RRATE)" \
			"$(num "${CRATE[$c]}" 1 %.0f)" "$(ratio "$c" CRATE)"
	else
		printf '%-28s %12s %6s %12s %6s %12s %6s\n' "($c) ${LABEL[$c]}" \
			"${STATUS[$c]}" "" "${STATUS[$c]}" "" "${STATUS[$c]}" ""
	fi
done
# The goal, when (e), (b) and (c) were all measured.
if [ "${STATUS[e]:-}" = ok ] && [ "${STATUS[b]:-}" = ok ] && [ "${STATUS[c]:-}" = ok ]; then
	awk -v eb="${BULK[e]}" -v bb="${BULK[b]}" -v cb="${BULK[c]}" \
		-v er="${RRATE[e]}" -v br="${RRATE[b]}" -v cr="${RRATE[c]}" '
	function goal(m, e, b, c) {
		printf "goal, %s: (e) = %.2fx (b) [>= 0.90: %s], %.2fx (c) [>= 1.00: %s]\n", m,
			e / b, (e / b >= 0.9) ? "met" : "missed", e / c, (e / c >= 1) ? "met" : "missed"
	}
	BEGIN { goal("bulk", eb, bb, cb); goal("rr", er, br, cr) }'
else
	echo "goal: not evaluated ((b), (c) and (e) must all be measured)"
fi

for c in $CASES; do
	printf 'overlay-data\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "${LABEL[$c]}" "${STATUS[$c]}" \
		"${BULK[$c]:-NaN}" "${RRATE[$c]:-NaN}" "${CRATE[$c]:-NaN}"
done
# A case that failed (as opposed to n/a) fails the run.
for c in $CASES; do [ "${STATUS[$c]}" != fail ] || exit 1; done
exit 0
