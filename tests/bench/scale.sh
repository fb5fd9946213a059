#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scale benchmark (issue 15, item 4: flat at scale). In one VM boot with
# one vCPU and qemu -icount shift=1,sleep=off (guest time advances by
# executed instructions: rates are per guest second and repeat whatever
# else the host runs), prints:
#   (a) install rates over genl: 10 and SERVICES services, INSTANCES
#       instances (batched requests, tests/bench/scale-load.c, as a daemon
#       sends them; one request per object for comparison; the text path,
#       semnet -batch), and the time of semnet -j service show / instance
#       show (dumps) over the large table
#   (b) per-packet cost through a ServiceIP (tests/bench/overlay-rr.py: rr
#       transactions/s and crr new connections/s), with 10 services and
#       100 instances installed against SERVICES services and INSTANCES
#       instances; goal: the large table within 1.1x of the small
#   (c) the anchor: the same table sizes in IPVS (ipvsadm -R restore time,
#       and rr/crr through its virtual address with 10 and SERVICES
#       virtual services of 10 real servers each)
#   (d) semnetd applying a table of SEMNETD services, fed as the cluster
#       feeds it (MQTT table answers): time until the kernel has them all,
#       and semnetd's resident memory
#
#   tests/bench/scale.sh                 (or: make bench-scale)
#   SCALE_SERVICES=10000 SCALE_INSTANCES=100000 BENCH_SECONDS=1 tests/bench/scale.sh
# Knobs: SCALE_SERVICES (100000), SCALE_INSTANCES (1000000), BENCH_SECONDS
# (2, per rr/crr test, guest time), SCALE_SINGLE (100000: objects installed
# one request each, 0 to skip), SCALE_CLI (1: also time semnet -batch over
# text, 0 to skip), SCALE_SEMNET (1: parts a and b, 0 to skip),
# SCALE_IPVS (1), SCALE_SEMNETD (10000 services, 0 to
# skip; needs semnet-root, semnet-cluster, semnetd and mosquitto; waits at
# most SEMNET_SCALE_SEMNETD_WAIT guest seconds, 300; its daemons log to the
# VM's /tmp unless SEMNET_SCALE_LOG_9P=1; SEMNET_SCALE_SEMNETD_ARGS: more
# semnetd options, e.g. --interest-check-ms 60000; SEMNET_SCALE_PROFILE=1:
# a perf profile of the guest while it applies the table), SCALE_MEM (4G: the VM's memory; the
# full sizes need about 2.5 GB), SCALE_MODULE (semnet.ko to load, default
# the repo's), SCALE_BIN (programs, default build/user/bin).
#
# Topology (semnet part), the bench's own addresses (a /10 of ServiceIPs
# and InstanceIPs holds the large table):
#   cli 10.0.0.2/26 -- br0 [node nA] ul 192.168.99.1 ==veth== 192.168.99.2 ul [node nB] br0 -- srv 10.0.0.66/26
#                     10.0.0.1          semnet0 (GRE in UDP)             10.0.0.65
#   platform 10.0.0.0/8, services 10.64.0.0/10; the measured ServiceIP
#   10.127.0.1 on node A, its instance 10.127.1.1 is srv on node B. The
#   table: ServiceIPs from 10.64.0.0, InstanceIPs from 10.80.0.0 (10 per
#   name), nsIPs from 10.128.0.0 on a node 192.168.99.3 that is never sent
#   to: the table is looked up, never used, by the measured traffic.
# IPVS part: the same nodes, node A's virtual address 10.127.0.1 (on lo)
# NATs to srv over a kernel FOU GRE-in-UDP tunnel (overlay.sh's case c).
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

# ------------------------------------------------------------------ host
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	TOP=$(cd "$BENCH_DIR/../.." && pwd)
	secs=${BENCH_SECONDS:-2}
	services=${SCALE_SERVICES:-100000}
	instances=${SCALE_INSTANCES:-1000000}
	single=${SCALE_SINGLE:-100000}
	cli=${SCALE_CLI:-1}
	ipvs=${SCALE_IPVS:-1}
	semnet=${SCALE_SEMNET:-1}
	semnetd=${SCALE_SEMNETD:-10000}
	bin=${SCALE_BIN:-$TOP/build/user/bin}
	[[ $secs =~ ^[1-9][0-9]?$ ]] || { echo "scale: BENCH_SECONDS must be 1-99" >&2; exit 2; }
	for v in "$services" "$instances" "$single" "$semnetd"; do
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -le 3000000 ] ||
			{ echo "scale: sizes are numbers up to 3000000" >&2; exit 2; }
	done
	[ "$services" -ge 20 ] && [ "$instances" -ge "$services" ] ||
		{ echo "scale: at least 20 services and as many instances" >&2; exit 2; }
	missing=
	for tool in ipvsadm python3 jq cc pkg-config qemu-system-x86_64; do
		command -v "$tool" >/dev/null || missing="$missing $tool"
	done
	[ -z "$missing" ] || { echo "scale: missing$missing: run make deps" >&2; exit 1; }
	[ -x "$bin/semnet" ] || { echo "scale: no $bin/semnet (make user)" >&2; exit 1; }
	module=${SCALE_MODULE:-$TOP/semnet.ko}
	[ -f "$module" ] || { echo "scale: no $module (make module)" >&2; exit 1; }
	out=$TOP/build/bench
	mkdir -p "$out" || exit 1
	# The loader: the genl library's batches, built for the host's (and
	# so the VM's) userspace.
	# shellcheck disable=SC2046 # pkg-config's flags are words
	cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$TOP/include" -I"$TOP/daemon/lib" \
		"$BENCH_DIR/scale-load.c" "$TOP/daemon/lib/genl.c" "$TOP/daemon/lib/sn_kernel.c" \
		"$TOP/daemon/lib/sn_modcheck.c" \
		$(pkg-config --cflags --libs libnl-3.0 libnl-genl-3.0 libkmod) \
		-o "$out/scale-load" || { echo "scale: building scale-load failed" >&2; exit 1; }
	# shellcheck disable=SC2054 # commas belong to qemu's option syntax
	qemu_args=(-icount shift=1,sleep=off)
	vm=(--smp 1 --mem "${SCALE_MEM:-4G}" --timeout "${BENCH_VM_TIMEOUT:-3600}"
		--module "$module" --qemu-arg "${qemu_args[0]}" --qemu-arg "${qemu_args[1]}")
	echo "scale: host $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) CPUs; $(qemu-system-x86_64 --version | head -1)"
	echo "scale: VM: TCG, 1 vCPU, ${SCALE_MEM:-4G}, ${qemu_args[*]}; semnet.ko for $(modinfo -F vermagic "$module" | cut -d' ' -f1)"
	start=$SECONDS
	"$TOP/tests/vm/run" "${vm[@]}" "$0" "$secs" "$services" "$instances" "$single" "$cli" \
		"$ipvs" "$bin" "$out/scale-load" "$semnetd" "$semnet"
	status=$?
	echo "scale: $((SECONDS - start)) s wall clock (boot included)"
	exit "$status"
fi

# -------------------------------------------------------------------- VM
SECS=$1 SERVICES=$2 INSTANCES=$3 SINGLE=$4 CLI=$5 IPVS=$6 LOAD=$8 SEMNETD=${9:-0}
SEMNET=${10:-1}
PATH=$7:$PATH
RR=$BENCH_DIR/overlay-rr.py
LOGS=$(mktemp -d)
SMALL_SERVICES=10 SMALL_INSTANCES=100

# shellcheck source=tests/lib/bench.sh
. "$SEMNET_TOP/tests/lib/bench.sh"
trap 'teardown; rm -rf "$LOGS"' EXIT

SA() { ip netns exec nA semnet "$@"; }

# Results, by key; printed as tables at the end.
declare -A R

# elapsed CMD...: runs CMD (stdout to OUT), sets SECS_TOOK (guest seconds)
OUT=
SECS_TOOK=
elapsed() {
	local t0=$EPOCHREALTIME rc
	OUT=$("$@" 2>"$LOGS/step.err")
	rc=$?
	SECS_TOOK=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	[ "$rc" = 0 ] || { log "  $*: exit $rc"; sed 's/^/#   /' "$LOGS/step.err" | head -5; }
	return "$rc"
}

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# base: the two nodes, their containers and the underlay.
base() {
	topo_node nA 10.0.0.0/26 10.0.0.1 &&
	topo_node nB 10.0.0.64/26 10.0.0.65 &&
	topo_container nA cli 10.0.0.2 26 10.0.0.1 &&
	topo_container nB srv 10.0.0.66 26 10.0.0.65 &&
	A link add ul type veth peer name ul netns nB &&
	A addr add 192.168.99.1/24 dev ul && A link set ul up &&
	B addr add 192.168.99.2/24 dev ul && B link set ul up
}

servers() {	# the rr and crr servers on srv
	ip netns exec srv python3 "$RR" serve-rr 7001 >"$LOGS/rr-s.log" 2>&1 &
	ip netns exec srv python3 "$RR" serve-crr 7002 >"$LOGS/crr-s.log" 2>&1 &
	wait_port srv 7001 && wait_port srv 7002
}

# measure KEY DST: rr and crr from cli to DST into R[KEY.rr], R[KEY.crr]
measure() {
	local cli=(ip netns exec cli)
	elapsed "${cli[@]}" python3 "$RR" check "$2" 7001 || return 1
	elapsed "${cli[@]}" python3 "$RR" rr "$2" 7001 "$SECS" || return 1
	R[$1.rr]=${OUT%% *}
	elapsed "${cli[@]}" python3 "$RR" crr "$2" 7002 "$SECS" || return 1
	R[$1.crr]=${OUT%% *}
	log "$1: rr ${R[$1.rr]}/s, crr ${R[$1.crr]}/s"
}

# load KEY WHAT N FIRST NAMES [NSIP NODE]: scale-load into node A, timed
load() {
	local key=$1 n s req
	shift
	elapsed ip netns exec nA "$LOAD" "$@" || return 1
	read -r n s req <<<"$OUT"
	R[$key.n]=$n R[$key.s]=$s R[$key.req]=$req
	log "$key: ${R[$key.n]} in ${R[$key.s]} s, ${R[$key.req]} requests"
}

# ----------------------------------------------------------------- semnet
semnet_node() {	# semnet_node NODE SUBNET GATEWAY
	ip netns exec "$1" semnet node set platform 10.0.0.0/8 services 10.64.0.0/10 \
		subnet "$2" gateway "$3" bridge br0 &&
	ip -n "$1" route add 10.0.0.0/8 dev semnet0 src "$3"
}

semnet_setup() {
	local sb=(ip netns exec nB semnet)
	A link add semnet0 type semnet && B link add semnet0 type semnet &&
	A link set semnet0 up && B link set semnet0 up &&
	semnet_node nA 10.0.0.0/26 10.0.0.1 &&
	semnet_node nB 10.0.0.64/26 10.0.0.65 &&
	SA peer add 10.0.0.64/26 remote 192.168.99.2 &&
	"${sb[@]}" peer add 10.0.0.0/26 remote 192.168.99.1 &&
	SA service add 10.127.0.1 name bench.srv policy rr &&
	SA instance add 10.127.1.1 service bench.srv nsip 10.0.0.66 node 192.168.99.2 &&
	SA instance add 10.127.1.10 service bench.cli nsip 10.0.0.2 dev cli &&
	"${sb[@]}" instance add 10.127.1.1 service bench.srv nsip 10.0.0.66 dev srv
}

# dump KEY WHAT: semnet -j WHAT show on node A, timed; R[KEY.n] its items
dump() {
	elapsed sh -c "ip netns exec nA semnet -j $2 show | grep -c '\"address\"'" || return 1
	R[$1.n]=$OUT
	R[$1.s]=$SECS_TOOK
	log "$1: ${R[$1.n]} in ${R[$1.s]} s"
}

# The text path: LINES of `semnet -batch`, written before the clock starts.
cli_batch() {	# cli_batch KEY FILE
	elapsed ip netns exec nA semnet -batch "$2" || return 1
	R[$1.n]=$(wc -l <"$2")
	R[$1.s]=$SECS_TOOK
	log "$1: ${R[$1.n]} lines in ${R[$1.s]} s"
}

semnet_part() {
	local slab0 st
	log "semnet: topology"
	base && semnet_setup && servers || { log "semnet: setup failed"; return 1; }
	slab0=$(slab_kb)
	# Small: 10 services (the measured one among them), 100 instances.
	load small.svc services $((SMALL_SERVICES - 1)) 10.126.0.0 $((SMALL_SERVICES - 1)) &&
	load small.inst instances $((SMALL_INSTANCES - 1)) 10.126.128.0 \
		$((SMALL_SERVICES - 1)) 10.160.0.0 192.168.99.3 || return 1
	st=$(SA -j stats | jq -r '"\(.services) services, \(.instances) instances"')
	log "small table: $st"
	R[small.table]=$st
	measure small 10.127.0.1 || return 1
	# Large: SERVICES services in all, INSTANCES instances (10 a name).
	load large.svc services $((SERVICES - SMALL_SERVICES)) 10.64.0.0 \
		$((SERVICES - SMALL_SERVICES)) &&
	load large.inst instances $((INSTANCES - SMALL_INSTANCES)) 10.80.0.0 \
		$((SERVICES - SMALL_SERVICES)) 10.128.0.0 192.168.99.3 || return 1
	st=$(SA -j stats | jq -r '"\(.services) services, \(.instances) instances"')
	R[large.table]=$st
	R[large.slab]=$(( ($(slab_kb) - slab0) / 1024 ))
	log "large table: $st, slab +${R[large.slab]} MiB"
	measure large 10.127.0.1 || return 1
	dump dump.svc service && dump dump.inst instance || return 1
	elapsed SA instance flush && R[flush.inst.s]=$SECS_TOOK
	elapsed SA service flush && R[flush.svc.s]=$SECS_TOOK
	log "flush: instances ${R[flush.inst.s]} s, services ${R[flush.svc.s]} s"
	semnet_setup_again || return 1
	# One object per request, the way before batches.
	if [ "$SINGLE" -gt 0 ]; then
		SCALE_LOAD_SINGLE=1 load single.inst instances "$SINGLE" 10.80.0.0 \
			$((SINGLE / 10 + 1)) 10.128.0.0 192.168.99.3 || return 1
		elapsed SA instance flush
		semnet_setup_again || return 1
	fi
	if [ "$CLI" = 1 ]; then
		awk -v n=$((SERVICES - SMALL_SERVICES)) 'BEGIN {
			for (i = 0; i < n; i++)
				printf "service add 10.%d.%d.%d name s%d policy rr\n",
					64 + int(i / 65536), int(i / 256) % 256, i % 256, i }' >"$LOGS/svc.batch"
		awk -v n=$((INSTANCES - SMALL_INSTANCES)) -v names=$((SERVICES - SMALL_SERVICES)) 'BEGIN {
			for (i = 0; i < n; i++) {
				j = i + 1048576; k = i + 8388608
				printf "instance add 10.%d.%d.%d service s%d nsip 10.%d.%d.%d node 192.168.99.3\n",
					64 + int(j / 65536), int(j / 256) % 256, j % 256, int(i * names / n),
					int(k / 65536), int(k / 256) % 256, k % 256 } }' >"$LOGS/inst.batch"
		cli_batch cli.svc "$LOGS/svc.batch" && cli_batch cli.inst "$LOGS/inst.batch" || return 1
		rm -f "$LOGS"/*.batch
		elapsed SA instance flush && elapsed SA service flush
	fi
	teardown
}

# The measured service again, after a flush.
semnet_setup_again() {
	SA service add 10.127.0.1 name bench.srv policy rr 2>/dev/null
	SA instance add 10.127.1.1 service bench.srv nsip 10.0.0.66 node 192.168.99.2 2>/dev/null
	return 0
}

# ------------------------------------------------------------------- IPVS
# ipvs_rules N FIRST: ipvsadm -R lines for N virtual services from FIRST
# (a host number), 10 real servers each, as many as semnet's instances
ipvs_rules() {
	awk -v n="$1" -v first="$2" -v per=$((INSTANCES / SERVICES)) 'BEGIN {
		for (i = 0; i < n; i++) {
			v = first + i
			vip = sprintf("%d.%d.%d.%d:80", int(v / 16777216), int(v / 65536) % 256,
				int(v / 256) % 256, v % 256)
			printf "-A -t %s -s rr\n", vip
			for (r = 0; r < per; r++) {
				d = 176160768 + i * per + r	# 10.128.0.0
				printf "-a -t %s -r %d.%d.%d.%d:80 -m\n", vip, int(d / 16777216),
					int(d / 65536) % 256, int(d / 256) % 256, d % 256
			}
		} }'
}

ipvs_restore() {	# ipvs_restore KEY N FIRST
	ipvs_rules "$2" "$3" >"$LOGS/ipvs.rules"
	elapsed sh -c "ip netns exec nA ipvsadm -R <'$LOGS/ipvs.rules'" || return 1
	R[$1.n]=$(wc -l <"$LOGS/ipvs.rules")
	R[$1.s]=$SECS_TOOK
	rm -f "$LOGS/ipvs.rules"
	log "$1: ${R[$1.n]} rules in ${R[$1.s]} s"
}

ipvs_part() {
	local port
	log "IPVS: topology"
	base && servers &&
	fou_tunnel nA 192.168.99.1 192.168.99.2 10.0.0.64/26 &&
	fou_tunnel nB 192.168.99.2 192.168.99.1 10.0.0.0/26 &&
	A addr add 10.127.0.1/32 dev lo || { log "IPVS: setup failed"; return 1; }
	for port in 7001 7002; do
		ip netns exec nA ipvsadm -A -t "10.127.0.1:$port" -s rr &&
		ip netns exec nA ipvsadm -a -t "10.127.0.1:$port" -r "10.0.0.66:$port" -m ||
			return 1
	done
	# 10 virtual services (the 2 measured among them), 10 real servers each.
	ipvs_restore ipvs.small $((SMALL_SERVICES - 2)) $((10 << 24 | 126 << 16)) || return 1
	measure ipvs.small 10.127.0.1 || return 1
	ipvs_restore ipvs.large $((SERVICES - SMALL_SERVICES)) $((10 << 24 | 64 << 16)) || return 1
	R[ipvs.slab]=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
	measure ipvs.large 10.127.0.1 || return 1
	elapsed ip netns exec nA ipvsadm -C && R[ipvs.clear.s]=$SECS_TOOK
	teardown
}

# ---------------------------------------------------------------- semnetd
# semnetd on node "a" of tests/lib/semnetd.sh's cluster (root, cluster,
# broker), registered; then SEMNETD table answers (one service each, an RR
# and a Closest address and one instance on node 10.99.0.2) published on
# its answer topic at once, as the cluster sends them (mosquitto_pub -l,
# one message a line): the time until the kernel holds them all, and
# semnetd's resident memory then.
cpu_s() {	# cpu_s PID: the user and system CPU seconds of PID
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null ||
		echo -
}

# shellcheck disable=SC2317 # run through wait_until
services_at_least() {	# services_at_least NODE N
	# No jq here: polled five times a second, it took a third of the
	# guest's time while semnetd applied the table.
	[[ $(ip netns exec "$1" semnet -j stats) =~ \"services\":\ *([0-9]+) ]] &&
		[ "${BASH_REMATCH[1]}" -ge "$2" ]
}

semnetd_part() {
	local base want t0 perf_pid=
	# shellcheck source=tests/lib/semnetd.sh
	. "$SEMNET_TOP/tests/lib/semnetd.sh"
	# The daemons log into the VM's own /tmp, copied out at the end: a
	# line written to the 9p share stalls the vCPU, and the idle guest's
	# clock then jumps ahead (-icount sleep=off), which measured 9p, not
	# semnetd (each answer logs a line). SEMNET_SCALE_LOG_9P=1: log there.
	[ "${SEMNET_SCALE_LOG_9P:-0}" = 1 ] || SD_LOGS=$SD_WORK
	read -ra SD_ARGS <<<"${SEMNET_SCALE_SEMNETD_ARGS:-}"
	log "semnetd: control plane and node a"
	sd_control && sd_nodes a:10.99.0.1 && sd_register a ||
		{ log "semnetd: setup failed"; return 1; }
	awk -v n="$SEMNETD" 'function ip(base, i) {
			return sprintf("172.30.%d.%d", base + int(i / 256), i % 256) }
		BEGIN { for (i = 1; i <= n; i++)
			printf "{\"app_name\":\"app%d.ns.svc.ns\",\"service_ip\":[{\"IpType\":\"RR\",\"Address\":\"%s\"},{\"IpType\":\"Closest\",\"Address\":\"%s\"}],\"instance_list\":[{\"instance_number\":0,\"instance_ip\":\"%s\",\"namespace_ip\":\"172.16.0.66\",\"host_ip\":\"10.99.0.2\",\"host_port\":4754,\"tunnel\":\"gre-udp\"}]}\n",
				i, ip(0, i), ip(64, i), ip(128, i) }' >"$LOGS/answers"
	base=$(ip netns exec a semnet -j stats | jq .services)
	want=$((base + 2 * SEMNETD))
	if [ "${SEMNET_SCALE_PROFILE:-0}" = 1 ]; then
		# Where the guest's time goes while the table is applied (its
		# figures are then under perf, and perf's own 9p reads count).
		sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
		perf record -a -e cpu-clock -F 999 -o "$LOGS/sd.perf" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 2
	fi
	t0=$EPOCHREALTIME
	ip netns exec ctl mosquitto_pub -h 127.0.0.1 -p "$SD_MQTT_PORT" -q 1 \
		-t nodes/a/net/tablequery/result -l <"$LOGS/answers" || return 1
	# Bounded (guest seconds): semnetd once slowed down sharply after some
	# 8,600 answers (about one a second): its interest tick, dumping every
	# kernel object, outlasted its period and ran at every turn of the loop.
	R[sd.n]=$SEMNETD
	if ! wait_until "${SEMNET_SCALE_SEMNETD_WAIT:-300}" services_at_least a "$want"; then
		R[sd.n]="$((($(ip netns exec a semnet -j stats | jq .services) - base) / 2)) of $SEMNETD (incomplete)"
		log "semnetd: ${R[sd.n]} installed when the wait ended"
	fi
	R[sd.s]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid"
		log "semnetd: profile (perf record -a -e cpu-clock), samples by command:"
		perf report -i "$LOGS/sd.perf" --stdio --sort comm -q 2>/dev/null | head -12 |
			sed 's/^/#   /'
		log "semnetd's top symbols:"
		perf report -i "$LOGS/sd.perf" --stdio --comms semnetd --sort dso,sym -q 2>/dev/null |
			head -30 | sed 's/^/#   /'
	fi
	R[sd.kernel]=$(ip netns exec a semnet -j stats | jq -r '"\(.services) services, \(.instances) instances"')
	R[sd.rss]=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/${SD_PID[a]}/status")
	# CPU seconds semnetd and the broker spent in all (from their start:
	# setup is a small part), beside the elapsed time of the one vCPU.
	R[sd.cpu]=$(cpu_s "${SD_PID[a]}")
	R[sd.broker]=$(cpu_s "$(pgrep -x mosquitto | head -1)")
	# The genl requests its installs took (a semnetd without batches has
	# no such metric: one request per object).
	R[sd.req]=$(curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics |
		awk '/^semnetd_kernel_install_requests_total / { print $2 }')
	log "semnetd: ${R[sd.n]} services in ${R[sd.s]} s; RSS ${R[sd.rss]} MiB;" \
		"${R[sd.req]:-one per object} install requests; CPU: semnetd ${R[sd.cpu]} s," \
		"mosquitto ${R[sd.broker]} s"
	[ "$SD_LOGS" = "${SEMNET_OUT:-}" ] || cp "$SD_LOGS"/*.log "${SEMNET_OUT:-$LOGS}/" 2>/dev/null
	teardown
}

# ---------------------------------------------------------------- main
sysctl -qw net.core.devconf_inherit_init_net=1 net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
for m in bridge veth fou ip_gre ip_vs ip_vs_rr; do
	modprobe "$m" || { echo "scale: modprobe $m failed" >&2; exit 1; }
done
# Read the programs once, so that their 9p reads (which let guest time
# jump ahead) happen here and not in the timed steps.
{
	python3 "$RR" check 127.0.0.1 1
	"$LOAD"
	ipvsadm --version
	semnet version
	jq --version
} >/dev/null 2>&1

status=0
if [ "$SEMNET" = 1 ]; then
	semnet_part || { log "semnet part failed"; status=1; teardown; }
fi
if [ "$IPVS" = 1 ]; then
	ipvs_part || { log "IPVS part failed"; status=1; teardown; }
fi
if [ "$SEMNETD" -gt 0 ]; then
	semnetd_part || { log "semnetd part failed"; status=1; teardown; }
fi

# rate N SECONDS: N / SECONDS, or "-"
rate() { awk -v n="${1:-}" -v s="${2:-}" 'BEGIN { if (n == "" || s == "" || s <= 0) print "-"; else printf "%.0f", n / s }'; }
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b <= 0) print "-"; else printf "%.3fx", a / b }'; }
row() { printf '  %-44s %10s %10s %12s %9s\n' "$@"; }

echo
echo "scale bench: 1 vCPU, qemu -icount shift=1,sleep=off, guest time; ${SECS} s per rr/crr test"
echo "(a) semnet install and dump (node A; the large table ${R[large.table]:-?}, slab +${R[large.slab]:--} MiB)"
row "" objects seconds objects/s requests
row "genl batches: services (small)" "${R[small.svc.n]:--}" "${R[small.svc.s]:--}" "$(rate "${R[small.svc.n]:-}" "${R[small.svc.s]:-}")" "${R[small.svc.req]:--}"
row "genl batches: instances (small)" "${R[small.inst.n]:--}" "${R[small.inst.s]:--}" "$(rate "${R[small.inst.n]:-}" "${R[small.inst.s]:-}")" "${R[small.inst.req]:--}"
row "genl batches: services (large)" "${R[large.svc.n]:--}" "${R[large.svc.s]:--}" "$(rate "${R[large.svc.n]:-}" "${R[large.svc.s]:-}")" "${R[large.svc.req]:--}"
row "genl batches: instances (large)" "${R[large.inst.n]:--}" "${R[large.inst.s]:--}" "$(rate "${R[large.inst.n]:-}" "${R[large.inst.s]:-}")" "${R[large.inst.req]:--}"
row "genl, one request per object: instances" "${R[single.inst.n]:--}" "${R[single.inst.s]:--}" "$(rate "${R[single.inst.n]:-}" "${R[single.inst.s]:-}")" "${R[single.inst.req]:--}"
row "semnet -batch (text): services" "${R[cli.svc.n]:--}" "${R[cli.svc.s]:--}" "$(rate "${R[cli.svc.n]:-}" "${R[cli.svc.s]:-}")" -
row "semnet -batch (text): instances" "${R[cli.inst.n]:--}" "${R[cli.inst.s]:--}" "$(rate "${R[cli.inst.n]:-}" "${R[cli.inst.s]:-}")" -
row "dump: semnet -j service show" "${R[dump.svc.n]:--}" "${R[dump.svc.s]:--}" "$(rate "${R[dump.svc.n]:-}" "${R[dump.svc.s]:-}")" -
row "dump: semnet -j instance show" "${R[dump.inst.n]:--}" "${R[dump.inst.s]:--}" "$(rate "${R[dump.inst.n]:-}" "${R[dump.inst.s]:-}")" -
row "flush: semnet instance flush, service flush" - "${R[flush.inst.s]:--} ${R[flush.svc.s]:--}" - -
echo "    goal: >= 100000 objects/s over genl (instances, large): $(awk -v n="${R[large.inst.n]:-0}" -v s="${R[large.inst.s]:-0}" 'BEGIN { if (s <= 0) print "not measured"; else print (n / s >= 100000 ? "met" : "missed") }')"
echo "(b) per packet through a ServiceIP, and (c) IPVS NAT over FOU as the anchor"
printf '  %-44s %12s %12s\n' "" "rr trans/s" "crr conn/s"
printf '  %-44s %12s %12s\n' "semnet, ${R[small.table]:-small table}" "${R[small.rr]:--}" "${R[small.crr]:--}"
printf '  %-44s %12s %12s\n' "semnet, ${R[large.table]:-large table}" "${R[large.rr]:--}" "${R[large.crr]:--}"
printf '  %-44s %12s %12s\n' "  small / large (goal <= 1.100x)" "$(ratio "${R[small.rr]:-}" "${R[large.rr]:-}")" "$(ratio "${R[small.crr]:-}" "${R[large.crr]:-}")"
printf '  %-44s %12s %12s\n' "IPVS, $SMALL_SERVICES services (${R[ipvs.small.n]:-?} rules)" "${R[ipvs.small.rr]:--}" "${R[ipvs.small.crr]:--}"
printf '  %-44s %12s %12s\n' "IPVS, $SERVICES services (${R[ipvs.large.n]:-?} rules)" "${R[ipvs.large.rr]:--}" "${R[ipvs.large.crr]:--}"
printf '  %-44s %12s %12s\n' "  small / large" "$(ratio "${R[ipvs.small.rr]:-}" "${R[ipvs.large.rr]:-}")" "$(ratio "${R[ipvs.small.crr]:-}" "${R[ipvs.large.crr]:-}")"
printf '  %-44s %12s %12s\n' "  semnet / IPVS, large" "$(ratio "${R[large.rr]:-}" "${R[ipvs.large.rr]:-}")" "$(ratio "${R[large.crr]:-}" "${R[ipvs.large.crr]:-}")"
echo "(d) semnetd applying a table of ${R[sd.n]:-$SEMNETD} services (MQTT table answers, one instance each): ${R[sd.s]:--} s to all installed ($(rate "${R[sd.n]:-}" "${R[sd.s]:-}") services/s; kernel: ${R[sd.kernel]:--}; ${R[sd.req]:-one per object} genl install requests), semnetd RSS ${R[sd.rss]:--} MiB"
echo "  IPVS install: ipvsadm -R of ${R[ipvs.large.n]:--} rules in ${R[ipvs.large.s]:--} s ($(rate "${R[ipvs.large.n]:-}" "${R[ipvs.large.s]:-}") rules/s); ipvsadm -C ${R[ipvs.clear.s]:--} s"
exit "$status"
