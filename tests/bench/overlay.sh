#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # base_TOPO and setup_DATAPATH are called by name
#
# Overlay datapath benchmark (issue 4, item 7; issue 15, items 2 and 6):
# in one VM boot with one vCPU and qemu -icount shift=1,sleep=off (guest
# time advances by executed instructions, so ratios repeat whatever else
# the host runs), measures side by side, for a client container on node A
# and a server container on node B:
#   bulk  TCP bulk throughput (iperf3)
#   rr    1-byte request/response transactions per second, one connection
#   crr   connect + 1-byte request/response + close, per second (new conn/s)
#   http  HTTP keep-alive requests per second (wrk, 4 connections, against
#         nginx answering from memory); n/a without wrk and nginx
# over a grid of topology x datapath x family, each case named
# TOPO-DATAPATH[FAMILY][+nf]:
#   TOPO  r  routed veths, no bridge (as Calico): the host side of each
#            container's veth has a /32 route to it and proxy_arp, the
#            container's default route goes via the node's gateway address,
#            held on the node's lo
#         b  the containers behind a bridge br0 holding the gateway
#   DATAPATH
#         plain   plain routing over the underlay veth, static routes
#         fou     a kernel GRE-in-UDP tunnel (FOU, ipproto 47, port 4754),
#                 static routes
#         ipvs    IPVS NAT (masquerading) on node A for a virtual IP, over fou
#         semnet  a semnet ServiceIP on node A whose instance is on node B,
#                 through semnet0 (GRE in UDP); routed: `semnet node set ...
#                 mode routed`; n/a while the module or the CLI lacks it
#         socat   a userspace TUN-over-UDP tunnel (socat TUN <-> UDP-DATAGRAM)
#         semnetb semnet with a second module, SEMNET_MODULE_B (a change
#                 under test against the module it changes, in one run:
#                 the VM swaps the modules between cases); only routed,
#                 and selected with its semnet twin, see SEMNET_MODULE_B
#   (issue 18, item 5: encrypted node links; only routed, IPv4)
#         wg      a hand-configured WireGuard device wg0 on each node
#                 (keys from wg genkey, port 51820, endpoint the peer's
#                 underlay address), the peer container subnet in the
#                 peer's allowed-ips and routed into wg0: what an operator
#                 sets up by hand; the reference of the next two
#         ipvswg  IPVS NAT on node A for a virtual IP, over wg
#         semnetwg semnet over that WireGuard device (daemon/LINKS.md
#                 1a): wg0 carries only the nodes' link addresses
#                 10.97.0.1 and .2 (/32 each, the peer's in its
#                 allowed-ips, routed into wg0), semnet's peers have the
#                 peer's link address as their underlay address, so
#                 semnet0's GRE-in-UDP rides inside WireGuard
#                 MTUs: wg0 1440 (underlay 1500 - IPv4 20 - UDP 8 -
#                 WireGuard 32) in both; semnet0 1404 (wg0 - IPv4 20 - UDP
#                 8 - GRE with key 8), so neither fragments and nothing
#                 bounces off semnet0's "fragmentation needed"; the hand
#                 tunnel carries 1440-byte packets, semnet 1404-byte ones
#         semnetwgp semnet over a point-to-point WireGuard device, no GRE
#                 (daemon/LINKS.md 1a's fallback): wg0 as for wg, but its
#                 peer owns 0.0.0.0/0 (one wg device per peer), the peer
#                 container subnet routed into wg0 as for wg, and semnet's
#                 peers `encap direct dev wg0` (remote: the peer's link
#                 address, what still reaches semnet0 rides inside wg0):
#                 the packets are wg's, translated by semnet's hooks
#         semnetrelay semnetwgp with both WireGuard endpoints at a relay
#                 (daemon/LINKS.md §4): a third namespace nR, behind node
#                 B (10.96.0.2, node A reaches it through B), runs
#                 semnetd's forwarder (daemon/node/relay.c, as
#                 semnet-relaytest) on ports 40000 + slot; each node's
#                 peer endpoint is the relay's port of the other, with a
#                 25 s keepalive; reported against r-semnetwgp (no goal)
#   (issue 18, item 5: direct node links; only routed, IPv4)
#         semnetdir semnet with direct peers on one segment (daemon/LINKS.md
#                 1b): the container subnets routed via the other node's
#                 underlay address as for plain, semnet's peers `encap
#                 direct dev ul`: no encapsulation, only the translation;
#                 against plain routing
#   FAMILY (issue 16, item 6) what the containers speak, and the underlay
#         (none)  IPv4 over the IPv4 underlay
#         6       IPv6 (fc00::/120 per node, ServiceIPs in fdff::/16) over
#                 the IPv4 underlay: fou is the same gre device (ip_gre
#                 carries IPv6, GRE protocol 0x86DD), semnet the same
#                 semnet0 with IPv6 peers' subnets behind IPv4 addresses
#         66      IPv6 over an IPv6 underlay (2001:db8::1 and ::2 on the
#                 underlay veth): fou is an ip6gre device over fou6 with
#                 a UDP checksum (RFC 8086), semnet0 has IPv6 peers;
#                 plain routes over the IPv6 underlay
#   +nf   with br_netfilter loaded (it sets net.bridge.bridge-nf-call-iptables
#         =1 in every namespace, as Docker and Kubernetes hosts have it);
#         unloaded again after the case
# and prints a table of raw numbers and ratios against the kernel tunnel
# between routed containers of the case's family (r-fou, r-fou6, r-fou66:
# r-fou is always measured, the others with any case of their family;
# r-ipvswg, r-semnetwg and r-semnetwgp against r-wg, r-semnetdir against
# r-plain, measured with them),
# the issue's goals, and writes a chart of the ratios to
# build/bench/overlay.png (gnuplot on the host).
# Goals (issue 15): r-semnet >= 0.95x r-fou on bulk and rr, >= 0.92x on
# crr; semnet ahead of ipvs on every workload in both topologies, with and
# without br_netfilter. Issue 16: the same for IPv6, each family against
# its own tunnel (r-semnet6 against r-fou6 and r-ipvs6, r-semnet66
# against r-fou66 and r-ipvs66). Issue 18: r-semnetdir >= 0.95x r-plain;
# r-semnetwg and r-semnetwgp
# >= 0.95x r-wg on every workload, and ahead of r-ipvswg.
#
#   tests/bench/overlay.sh            (or: make bench-overlay)
#   BENCH_SECONDS=3 BENCH_CASES="r-fou b-semnet b-semnet+nf" tests/bench/overlay.sh
#   BENCH_CASES=ipv6 tests/bench/overlay.sh      (or: make bench-overlay BENCH_CASES=ipv6)
#   BENCH_CASES="default ipv6" tests/bench/overlay.sh
#   BENCH_PROFILE=1 tests/bench/overlay.sh
#   SEMNET_MODULE=build/me/deb/semnet.ko tests/bench/overlay.sh
#   SEMNET_MODULE=build/me/old/semnet.ko SEMNET_MODULE_B=build/me/deb/semnet.ko \
#       BENCH_CASES="r-semnet6 r-ipvs6" tests/bench/overlay.sh
# BENCH_SECONDS (default 2) is per test, guest time. BENCH_CASES (default:
# "default", the IPv4 cases but b-socat) takes case names and groups:
# "default", "ipv6" (the routed IPv6 cases of both underlays: r-fou6
# r-ipvs6 r-semnet6 r-fou66 r-ipvs66 r-semnet66; with r-fou, 10 minutes
# of wall clock on a busy 2-core host), "links" (issue 18's encrypted
# and direct links with references: r-plain r-semnet r-semnetdir r-wg
# r-ipvswg r-semnetwg r-semnetwgp; with
# r-fou, 30 minutes of wall clock with BENCH_PROFILE=1 on a busy 2-core
# host; r-fou r-wg r-semnetwg alone took 5), "all" (every case, the bridged
# IPv6 ones too), or the letters of the first version of this bench: a
# b-plain, b b-fou, c b-ipvs, d b-socat, e b-semnet. The cases run in the
# order of ALL_CASES below (the IPv4 +nf cases after the other IPv4 ones,
# the IPv6 cases last). The full default run took 29 minutes with
# BENCH_PROFILE=1 on a busy 2-core host.
# BENCH_PROFILE=1: after measuring them, runs rr and crr once more, for
# BENCH_PROFILE_SECONDS (default 4) each, under `perf record -a` for the
# cases in BENCH_PROFILE_CASES (default: r-fou r-ipvs r-semnet b-fou b-ipvs
# b-semnet b-semnet+nf, the routed IPv6 ones and r-semnetdir r-wg r-ipvswg
# r-semnetwg r-semnetwgp, those selected), writes
# the top symbols and the
# share of each module to build/bench/profile-CASE-TEST.txt, and a table of
# the time per transaction each module takes, side by side, to
# build/bench/profile-summary.txt.
# BENCH_CPU: qemu's CPU model (-cpu; default qemu's, qemu64, which has no
# SSSE3 or AVX: the kernel's ChaCha20 runs its generic C code). "max"
# offers what TCG emulates (SSSE3, AVX2): WireGuard's crypto then runs
# its SIMD code, as on a real node. Every case runs on the same model.
# SEMNET_MODULE: the semnet.ko to load (default: $TOP/semnet.ko).
# SEMNET_MODULE_B: a second semnet.ko (built for the same kernel); each
# routed semnet case selected (r-semnet, r-semnet6, r-semnet66) then also
# runs right after it as its semnetb twin (r-semnetb6, ...) with this
# module, profiled when its twin is, and the table ends with the ratios
# of B to A (under -icount, differences beyond about 0.3 % are real).
#
# Started on the host it re-runs itself in the VM (tests/vm/run) and
# makes the chart from the numbers the VM prints. Everything runs in the
# VM's own network namespaces; nothing is sent anywhere else.
#
# Topology, fresh for each case (b: br0 in each node; r: no bridge, one
# /32 route per container, the gateway on the node's lo):
#   cli 172.16.0.2 -- [br0] [node nA] ul 10.99.0.1/24 ==veth== 10.99.0.2/24 ul [node nB] [br0] -- srv 172.16.0.66
#            gateway 172.16.0.1                                   gateway 172.16.0.65
# IPv6 cases add (r: /128 routes and proxy NDP for the gateway on lo):
#       fc00::2 --         fc00::1             (66: 2001:db8::1/64 ==veth== 2001:db8::2/64)    fc00::101 -- fc00::102
# IPv6 is off in the bench namespaces of IPv4 cases (no router or
# neighbour solicitations); IPv6 cases turn it on without duplicate
# address detection and router solicitations.
# Tunnels get MTU 1468 (1500 - IPv4 20 - UDP 8 - GRE 4, what the kernel
# picks for fou; 1448 over IPv6); semnet0 picks its own (its GRE header
# has a key).
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# Every case, in the order of the table; the default leaves b-socat and
# IPv6 out, the group ipv6 is the routed IPv6 cases. Each family's tunnel
# (r-fou, r-fou6, r-fou66) comes first in its block: the reference.
ALL_CASES="r-plain r-fou r-ipvs r-semnet r-semnetb b-plain b-fou b-ipvs b-semnet b-socat
r-fou+nf r-ipvs+nf r-semnet+nf b-fou+nf b-ipvs+nf b-semnet+nf
r-fou6 r-ipvs6 r-semnet6 r-semnetb6 b-fou6 b-ipvs6 b-semnet6
r-fou66 r-ipvs66 r-semnet66 r-semnetb66 r-plain66
r-semnetdir r-wg r-ipvswg r-semnetwg r-semnetwgp r-semnetrelay"
DEFAULT_CASES="r-plain r-fou r-ipvs r-semnet b-plain b-fou b-ipvs b-semnet
r-fou+nf r-ipvs+nf r-semnet+nf b-fou+nf b-ipvs+nf b-semnet+nf"
IPV6_CASES="r-fou6 r-ipvs6 r-semnet6 r-fou66 r-ipvs66 r-semnet66"
LINKS_CASES="r-plain r-semnet r-semnetdir r-wg r-ipvswg r-semnetwg r-semnetwgp r-semnetrelay"
REF="r-fou"

# fam_of CASE: its family, 4, 6 (IPv6 over IPv4) or 66 (IPv6 over IPv6)
fam_of() {
	local d=${1#*-}
	d=${d%+nf}
	d=${d##*[a-z]}
	echo "${d:-4}"
}
ref_of() {	# ref_of CASE: the case its ratios are against
	local f
	# Over WireGuard: against the hand-configured WireGuard tunnel.
	case $1 in r-ipvswg | r-semnetwg | r-semnetwgp) echo r-wg; return ;; esac
	# Relayed: against the same encrypted link without the relay.
	[ "$1" != r-semnetrelay ] || { echo r-semnetwgp; return; }
	# Direct: against plain routing, which it adds the translation to.
	[ "$1" != r-semnetdir ] || { echo r-plain; return; }
	f=$(fam_of "$1")
	echo "$REF${f#4}"
}

# ------------------------------------------------------------------ host
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	TOP=$(cd "$BENCH_DIR/../.." && pwd)
	secs=${BENCH_SECONDS:-2}
	[[ $secs =~ ^[1-9][0-9]?$ ]] || { echo "overlay: BENCH_SECONDS must be 1-99" >&2; exit 2; }
	# The selection: names, old letters, "all"; r-fou first (the
	# reference), the +nf cases last, each case once.
	want=
	for w in ${BENCH_CASES:-default}; do
		case $w in
		all) w=$ALL_CASES ;;
		default) w=$DEFAULT_CASES ;;
		ipv6) w=$IPV6_CASES ;;
		links) w=$LINKS_CASES ;;
		a) w=b-plain ;; b) w=b-fou ;; c) w=b-ipvs ;; d) w=b-socat ;; e) w=b-semnet ;;
		*) [[ " ${ALL_CASES//$'\n'/ } " == *" $w "* ]] ||
			{ echo "overlay: BENCH_CASES: unknown case $w (known: all default ipv6 links ${ALL_CASES//$'\n'/ })" >&2; exit 2; } ;;
		esac
		want="$want $w"
	done
	# Each family's reference with it; with a module B, the semnetb
	# twin of each routed semnet case.
	modb=-
	if [ -n "${SEMNET_MODULE_B:-}" ]; then
		if ! modb=$(realpath "$SEMNET_MODULE_B") || [ ! -f "$modb" ]; then
			echo "overlay: SEMNET_MODULE_B: no $SEMNET_MODULE_B" >&2
			exit 2
		fi
		echo "overlay: module B $modb ($(modinfo -F srcversion "$modb" 2>/dev/null))"
		for w in $want; do
			[[ $w != r-semnet* || $w == *+nf ]] || want="$want r-semnetb${w#r-semnet}"
		done
	fi
	for w in $want; do want="$want $(ref_of "$w")"; done
	cases=$REF
	for c in $ALL_CASES; do
		[ "$c" != "$REF" ] && [[ " $want " == *" $c "* ]] && cases="$cases $c"
	done
	profile=-
	psecs=${BENCH_PROFILE_SECONDS:-4}
	[[ $psecs =~ ^[1-9][0-9]?$ ]] || { echo "overlay: BENCH_PROFILE_SECONDS must be 1-99" >&2; exit 2; }
	if [ "${BENCH_PROFILE:-0}" = 1 ]; then
		profile=
		for c in ${BENCH_PROFILE_CASES:-r-fou r-ipvs r-semnet b-fou b-ipvs b-semnet b-semnet+nf $IPV6_CASES r-semnetdir r-wg r-ipvswg r-semnetwg r-semnetwgp}; do
			[[ " $cases " == *" $c "* ]] && profile="$profile $c"
			[[ $c != r-semnet* || " $cases " != *" r-semnetb${c#r-semnet} "* ]] ||
				profile="$profile r-semnetb${c#r-semnet}"
		done
		profile=${profile:-" -"}
		profile=${profile# }
	fi
	missing=
	for tool in iperf3 socat ipvsadm python3 jq gnuplot qemu-system-x86_64; do
		command -v "$tool" >/dev/null || missing="$missing $tool"
	done
	[ "$profile" = - ] || command -v perf >/dev/null || missing="$missing perf"
	[ -z "$missing" ] || { echo "overlay: missing$missing: run make deps" >&2; exit 1; }
	# The VM shares the host's root: wrk and nginx there are in the VM.
	http=1
	if ! command -v wrk >/dev/null || ! [ -x /usr/sbin/nginx ]; then
		echo "overlay: no wrk or nginx (make deps): the http column will be n/a" >&2
		http=0
	fi
	out=$TOP/build/bench
	mkdir -p "$out" || exit 1
	# profile_summary: per test, the time per transaction (us) each
	# module took in each profiled case, from profile-CASE-TEST.txt
	profile_summary() {
		local t
		echo "perf profiles: us per transaction by module (non-idle samples; 1 vCPU, -icount)"
		for t in rr crr; do
			echo
			echo "$t:"
			awk -v cases="$profile" -v t="$t" -v dir="$out" 'BEGIN {
				n = split(cases, c, " ")
				for (i = 1; i <= n; i++) {
					f = dir "/profile-" c[i] "-" t ".txt"
					in_sec = 0
					while ((getline < f) > 0) {
						if ($0 ~ /^## share per module/) { in_sec = 1; continue }
						if (!in_sec) continue
						if (NF == 0) break
						name = $4
						for (k = 5; k <= NF; k++) name = name " " $k
						us[name, i] = $2
						if (!(name in seen)) { seen[name] = 1; names[++m] = name }
					}
					close(f)
				}
				printf "%-16s", "module"
				for (i = 1; i <= n; i++) printf " %11s", c[i]
				printf "\n"
				for (j = 1; j <= m; j++) {
					printf "%-16s", names[j]
					for (i = 1; i <= n; i++)
						printf " %11s", ((names[j], i) in us) ? us[names[j], i] : "-"
					printf "\n"
				}
			}'
		done
	}
	# shellcheck disable=SC2054 # commas belong to qemu's option syntax
	vm=(--smp 1 --mem 1G --timeout "${BENCH_VM_TIMEOUT:-4800}"
		--qemu-arg -icount --qemu-arg shift=1,sleep=off)
	if [ -n "${BENCH_CPU:-}" ]; then
		[[ $BENCH_CPU =~ ^[a-zA-Z0-9_.,+=-]+$ ]] || { echo "overlay: BENCH_CPU: bad model $BENCH_CPU" >&2; exit 2; }
		vm+=(--qemu-arg -cpu --qemu-arg "$BENCH_CPU")
	fi
	# The cases without semnet need no semnet.ko; the semnet ones then
	# report n/a.
	module=${SEMNET_MODULE:-$TOP/semnet.ko}
	if [ -f "$module" ]; then
		vm+=(--module "$module")
		echo "overlay: $module ($(modinfo -F srcversion "$module" 2>/dev/null))"
	else
		echo "overlay: no $module (make module): the semnet cases will be n/a" >&2
		vm+=(--no-module)
	fi
	rm -f "$out/overlay.raw" "$out"/profile-*.txt
	echo "overlay: machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs; $(qemu-system-x86_64 --version | head -1); guest CPU ${BENCH_CPU:-qemu64 (default)}"
	start=$SECONDS
	# The VM prints the table for people, "overlay-data" lines for the
	# chart (to a file, one per case) and "overlay-profile" lines (to
	# build/bench/profile-NAME.txt); the rest goes to the terminal as it
	# comes, log lines ("# ...") stamped with the host's elapsed seconds.
	declare -A data=()
	status=125
	while IFS= read -r line; do
		case $line in
		'overlay-status '*) status=${line#overlay-status } ;;
		overlay-data$'\t'*)
			line=${line#overlay-data$'\t'}
			data[${line%%$'\t'*}]=$line ;;
		overlay-profile$'\t'*)
			line=${line#overlay-profile$'\t'}
			printf '%s\n' "${line#*$'\t'}" >>"$out/profile-${line%%$'\t'*}.txt" ;;
		'#'*) printf '[%4ds] %s\n' $((SECONDS - start)) "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <("$TOP/tests/vm/run" "${vm[@]}" "$0" "$secs" "$cases" "$http" "$profile" "$psecs" "$modb"
		echo "overlay-status $?")
	for c in $cases; do
		[ -z "${data[$c]:-}" ] || printf '%s\n' "${data[$c]}"
	done >"$out/overlay.raw"
	echo "overlay: $((SECONDS - start)) s wall clock (boot included)"
	[ "$status" = 0 ] || echo "overlay: the VM run failed (exit $status)" >&2
	[ -s "$out/overlay.raw" ] || { echo "overlay: the VM printed no results" >&2; exit 1; }
	# Ratios against the family's r-fou for the chart: label
	# ("datapath|topology"), bulk, rr, crr, http; NaN where a case or test
	# was not measured.
	awk -F '\t' '
		{ key[NR] = $1; lab[NR] = $2; st[NR] = $3; ref[NR] = $8
		  for (m = 1; m <= 4; m++) v[NR, m] = $(m + 3)
		  row[$1] = NR }
		END {
			print "case\tbulk\trr\tcrr\thttp"
			for (i = 1; i <= NR; i++) {
				b = (ref[i] in row) ? row[ref[i]] : 0
				line = lab[i] (st[i] == "ok" ? "" : " [" st[i] "]")
				for (m = 1; m <= 4; m++) {
					r = "NaN"
					if (b && st[i] == "ok" && st[b] == "ok" && v[b, m] > 0 && v[i, m] != "NaN")
						r = sprintf("%.3f", v[i, m] / v[b, m])
					line = line "\t" r
				}
				print line
			}
		}' "$out/overlay.raw" >"$out/overlay.dat"
	gnuplot -e "datafile='$out/overlay.dat'; outfile='$out/overlay.png'; subtitle='1 vCPU, qemu -icount shift=1, ${secs} s per test (guest time)'" \
		"$BENCH_DIR/overlay-chart.gp" || { echo "overlay: gnuplot failed" >&2; exit 1; }
	echo "overlay: chart in ${out#"$TOP"/}/overlay.png, numbers in ${out#"$TOP"/}/overlay.raw"
	if [ "$profile" != - ]; then
		profile_summary >"$out/profile-summary.txt"
		cat "$out/profile-summary.txt"
		echo "overlay: profiles in ${out#"$TOP"/}/profile-*.txt"
	fi
	exit "$status"
fi

# -------------------------------------------------------------------- VM
SECS=${1:-2}
CASES=${2:-$REF}
HTTP=${3:-0}
PROFILE=${4:--}
PROFILE_SECS=${5:-4}
MODULE_B=${6:--}
RR=$BENCH_DIR/overlay-rr.py
LOGS=$(mktemp -d)
HTTP_CONNS=4

# shellcheck source=tests/lib/bench.sh
. "$SEMNET_TOP/tests/lib/bench.sh"
trap 'teardown; rm -rf "$LOGS"' EXIT

declare -A DPLABEL=(
	[plain]="plain routing"
	[fou]="FOU tunnel"
	[ipvs]="IPVS NAT + FOU"
	[semnet]="semnet"
	[socat]="socat TUN/UDP"
	[semnetb]="semnet, module B"
	[wg]="WireGuard by hand"
	[ipvswg]="IPVS NAT + WireGuard"
	[semnetwg]="semnet in WireGuard"
	[semnetwgp]="semnet, WireGuard p2p"
	[semnetdir]="semnet, direct"
	[semnetrelay]="semnet, WireGuard p2p, relayed"
)
# The tunnel devices whose counters must show the traffic (none for plain).
declare -A TUNDEV=([plain]="" [fou]=gre1 [ipvs]=gre1 [socat]=sntun [semnet]=semnet0 [semnetb]=semnet0
	[wg]=wg0 [ipvswg]=wg0 [semnetwg]="semnet0 wg0" [semnetwgp]=wg0 [semnetdir]="" [semnetrelay]=wg0)
declare -A STATUS BULK RRATE CRATE HRATE
DST=

declare -A FAMLABEL=([4]="" [6]=", IPv6/IPv4" [66]=", IPv6/IPv6")

topo_of() { [ "${1%%-*}" = r ] && echo routed || echo bridge; }
dp_of() { local d=${1#*-}; d=${d%+nf}; echo "${d%%[0-9]*}"; }
nf_of() { [ "${1%+nf}" != "$1" ]; }
label() {	# label CASE: "datapath, topology[ +br_nf][, IPv6/IPv4]"
	printf '%s, %s%s%s' "${DPLABEL[$(dp_of "$1")]}" "$(topo_of "$1")" \
		"$(nf_of "$1" && echo ' +br_nf')" "${FAMLABEL[$(fam_of "$1")]}"
}

# family FAM: the addresses the datapaths use for family FAM (fam_of):
# the container subnets of nodes A and B (ANET, BNET), the client's and
# the server's addresses (CLI, SRV), the virtual IP of IPVS and semnet's
# RR address (VIP), semnet's InstanceIPs of the server and the client
# (INST, INSTCLI), the underlay's addresses (ULA, ULB). The containers and nodes have their IPv4 addresses in every
# family (semnet's node needs an IPv4 subnet); IPv6 ones come on top.
FAM=4
family() {
	FAM=$1
	if [ "$FAM" = 4 ]; then
		ANET=172.16.0.0/26 BNET=172.16.0.64/26
		CLI=172.16.0.2 SRV=172.16.0.66 VIP=172.30.0.1 INST=172.30.1.1 INSTCLI=172.30.1.10
	else
		ANET=fc00::/120 BNET=fc00::100/120
		CLI=fc00::2 SRV=fc00::102 VIP=fdff:2000::1 INST=fdff::1 INSTCLI=fdff::10
	fi
	if [ "$FAM" = 66 ]; then
		ULA=2001:db8::1 ULB=2001:db8::2
	else
		ULA=10.99.0.1 ULB=10.99.0.2
	fi
}
v6() { [ "$FAM" != 4 ]; }
hostport() {	# hostport ADDR PORT: ADDR:PORT, [ADDR]:PORT for IPv6
	if [[ $1 == *:* ]]; then echo "[$1]:$2"; else echo "$1:$2"; fi
}
host_len() { [[ $1 == *:* ]] && echo 128 || echo 32; }	# host_len ADDR

# ipv6_on / ipv6_off: IPv6 in the namespaces made from now on (they
# inherit the initial namespace's settings, see main), without duplicate
# address detection (addresses usable at once) and router solicitations.
ipv6_sysctls() {	# ipv6_sysctls DISABLE
	sysctl -qw net.ipv6.conf.all.disable_ipv6="$1" net.ipv6.conf.default.disable_ipv6="$1" \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}
ipv6_on() { ipv6_sysctls 0; }
ipv6_off() { ipv6_sysctls 1; }

# --------------------------------------------------------------- topology
underlay() {
	A link add ul type veth peer name ul netns nB &&
	A addr add 10.99.0.1/24 dev ul && A link set ul up &&
	B addr add 10.99.0.2/24 dev ul && B link set ul up
}

# base_b: the two nodes with their bridges, their containers and the
# underlay, no routes between the container subnets.
base_b() {
	topo_node nA 172.16.0.0/26 172.16.0.1 &&
	topo_node nB 172.16.0.64/26 172.16.0.65 &&
	topo_container nA cli 172.16.0.2 26 172.16.0.1 &&
	topo_container nB srv 172.16.0.66 26 172.16.0.65 &&
	underlay
}

routed_node() {	# routed_node NODE GATEWAY: no bridge, GATEWAY/32 on lo
	topo_netns "$1" &&
	ip -n "$1" addr add "$2/32" dev lo &&
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
}

# routed_container NODE NAME NSIP GATEWAY: container NAME with NSIP/32 on
# eth0 and its default route via GATEWAY, which the node holds; the host
# side (NAME in NODE) routes NSIP/32 and answers ARP by proxy.
routed_container() {
	local node=$1 name=$2 ip=$3 gw=$4
	topo_netns "$name" || return 1
	ip -n "$node" link add "$name" type veth peer name eth0 netns "$name" &&
	ip netns exec "$node" sysctl -qw "net.ipv4.conf.$name.proxy_arp=1" &&
	ip -n "$node" link set "$name" up &&
	ip -n "$node" route add "$ip/32" dev "$name" &&
	ip -n "$name" addr add "$ip/32" dev eth0 &&
	ip -n "$name" link set eth0 up &&
	ip -n "$name" route add "$gw" dev eth0 scope link &&
	ip -n "$name" route add default via "$gw" dev eth0
}

base_r() {
	routed_node nA 172.16.0.1 &&
	routed_node nB 172.16.0.65 &&
	routed_container nA cli 172.16.0.2 172.16.0.1 &&
	routed_container nB srv 172.16.0.66 172.16.0.65 &&
	underlay
}

# base6_TOPO: the IPv6 addresses of an IPv6 case on top of base_TOPO, and
# the IPv6 underlay for family 66.
underlay6() {
	A addr add 2001:db8::1/64 dev ul nodad &&
	B addr add 2001:db8::2/64 dev ul nodad
}

base6_b() {
	topo_node6 nA fc00::/120 fc00::1 &&
	topo_node6 nB fc00::100/120 fc00::101 &&
	topo_container6 nA cli fc00::2 120 fc00::1 &&
	topo_container6 nB srv fc00::102 120 fc00::101 &&
	{ [ "$FAM" != 66 ] || underlay6; }
}

routed_node6() {	# routed_node6 NODE GATEWAY6: GATEWAY6/128 on lo
	ip -n "$1" addr add "$2/128" dev lo nodad &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# routed_container6 NODE NAME NSIP6 GATEWAY6: routed_container's IPv6
# half: NSIP6/128 on eth0, the default route via GATEWAY6; NAME in NODE
# routes NSIP6/128 and answers neighbour solicitations for GATEWAY6 (on
# NODE's lo, so by proxy).
routed_container6() {
	local node=$1 name=$2 ip=$3 gw=$4
	ip netns exec "$node" sysctl -qw "net.ipv6.conf.$name.proxy_ndp=1" &&
	ip -n "$node" -6 neigh add proxy "$gw" dev "$name" &&
	ip -n "$node" -6 route add "$ip/128" dev "$name" &&
	ip -n "$name" addr add "$ip/128" dev eth0 nodad &&
	ip -n "$name" -6 route add "$gw" dev eth0 &&
	ip -n "$name" -6 route add default via "$gw" dev eth0
}

base6_r() {
	routed_node6 nA fc00::1 &&
	routed_node6 nB fc00::101 &&
	routed_container6 nA cli fc00::2 fc00::1 &&
	routed_container6 nB srv fc00::102 fc00::101 &&
	{ [ "$FAM" != 66 ] || underlay6; }
}

# --------------------------------------------------------------- datapaths
# setup_DATAPATH TOPO: build the datapath on top of the base topology and
# set DST, the address the client connects to. Returns 2 when it is not
# available (n/a).

setup_plain() {
	# IPv6 over the IPv4 underlay needs a tunnel.
	[ "$FAM" = 6 ] && return 2
	A route add "$BNET" via "$ULB" &&
	B route add "$ANET" via "$ULA" &&
	DST=$SRV
}

setup_fou() {
	fou_tunnel nA "$ULA" "$ULB" "$BNET" &&
	fou_tunnel nB "$ULB" "$ULA" "$ANET" &&
	log "gre1 mtu $(A -j link show gre1 | jq '.[0].mtu'):" \
		"$(A -j -d link show gre1 | jq -c '.[0].linkinfo | {info_kind} + .info_data')" &&
	DST=$SRV
}

setup_ipvs() {	# fou plus IPVS NAT on node A: VIP (172.30.0.1), real server srv
	setup_fou && ipvs_vip
}

ipvs_vip() {	# IPVS NAT on node A: VIP (172.30.0.1), real server srv
	local port
	A addr add "$VIP/$(host_len "$VIP")" dev lo || return 1
	for port in 5201 7001 7002 8080; do
		ip netns exec nA ipvsadm -A -t "$(hostport "$VIP" "$port")" -s rr &&
		ip netns exec nA ipvsadm -a -t "$(hostport "$VIP" "$port")" \
			-r "$(hostport "$SRV" "$port")" -m ||
			return 1
	done
	DST=$VIP
}

# WireGuard (issue 18): wg0 on each node, peered with the other over the
# underlay; each node's link address (LINK_A, LINK_B) on it. Keys made
# once per boot (main).
LINK_A=10.97.0.1 LINK_B=10.97.0.2
WG_MTU=1440	# underlay 1500 - IPv4 20 - UDP 8 - WireGuard 32
WG=	# "ok" once wireguard.ko is loaded and the keys are made
# wg_device NODE SELF PEER LINK PEER_UNDERLAY ALLOWED_IPS: wg0 in NODE
# with key SELF (wg-SELF.key in LOGS) and LINK/32, one peer (key PEER) at
# PEER_UNDERLAY:51820 owning ALLOWED_IPS
wg_device() {
	local node=$1 self=$2 peer=$3 link=$4 under=$5 allowed=$6
	ip -n "$node" link add wg0 type wireguard &&
	ip netns exec "$node" wg set wg0 listen-port 51820 private-key "$LOGS/wg-$self.key" \
		peer "$(cat "$LOGS/wg-$peer.pub")" endpoint "$under:51820" allowed-ips "$allowed" &&
	ip -n "$node" addr add "$link/32" dev wg0 &&
	ip -n "$node" link set wg0 mtu "$WG_MTU" up
}

# wg_link ALLOWED_A ALLOWED_B: wg0 on both nodes, node A's peer (B)
# owning ALLOWED_B, B's owning ALLOWED_A; each peer's link address routed
# into wg0 from the local one. n/a without WireGuard.
wg_link() {
	[ "$WG" = ok ] || return 2
	v6 && return 2
	wg_device nA a b "$LINK_A" "$ULB" "$2" &&
	wg_device nB b a "$LINK_B" "$ULA" "$1" &&
	A route add "$LINK_B/32" dev wg0 src "$LINK_A" &&
	B route add "$LINK_A/32" dev wg0 src "$LINK_B" &&
	log "wg0 mtu $(A -j link show wg0 | jq '.[0].mtu'); node A: $(ip netns exec nA wg show wg0 | tr -s '\n ' '; ')"
}

setup_wg() {	# the baseline: the container subnets routed into wg0
	wg_link "$LINK_A/32,$ANET" "$LINK_B/32,$BNET" &&
	A route add "$BNET" dev wg0 &&
	B route add "$ANET" dev wg0 &&
	DST=$SRV
}

setup_ipvswg() {	# wg plus IPVS NAT on node A
	setup_wg && ipvs_vip
}

setup_semnetwg() {	# setup_semnetwg TOPO: semnet0 over wg0 (LINKS.md 1a)
	local rc
	[ -z "$SEMNET_MODULE" ] || use_module A || return 1
	wg_link "$LINK_A/32" "$LINK_B/32"
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	SN_UNDER_A=$LINK_A SN_UNDER_B=$LINK_B SN_MTU=$((WG_MTU - 36)) setup_semnet_loaded "$@"
}

# setup_semnetwgp TOPO: semnet over wg0 as a point-to-point device (LINKS.md
# 1a's fallback, 1b's receive path): the peer owns every address, the
# container subnets are routed into wg0 as for wg, semnet's peers are
# direct on wg0
setup_semnetwgp() {
	local rc
	[ -z "$SEMNET_MODULE" ] || use_module A || return 1
	wg_link 0.0.0.0/0 0.0.0.0/0
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	SN_UNDER_A=$LINK_A SN_UNDER_B=$LINK_B SN_PEER_ARGS="encap direct dev wg0" \
		setup_semnet_loaded "$@" || return
	# No GRE key to learn the client's nsIP from: node B knows the
	# client's InstanceIP (as semnetd after the first reply's miss).
	ip netns exec nB semnet instance add "$INSTCLI" service bench.ns.cli.ns nsip "$CLI" \
		node "$LINK_A" &&
	A route add "$BNET" dev wg0 &&
	B route add "$ANET" dev wg0
}

# setup_semnetrelay TOPO: semnetwgp through a relay (LINKS.md §4): nR
# behind node B (ulr, 10.96.0.0/24; node A routes it via B) runs
# semnet-relaytest on 10.96.0.2 ports RELAY_BASE + slot (A slot 0, B
# slot 1). The relay knows a member by the source address it sees: A's
# underlay address, B's on ulr. Each node's peer endpoint becomes the
# relay's port for the other; the keepalive primes the relay.
RELAY_BASE=40000
setup_semnetrelay() {
	local rc relay
	v6 && return 2
	setup_semnetwgp "$@"
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	topo_netns nR &&
	B link add ulr type veth peer name ul netns nR &&
	B addr add 10.96.0.1/24 dev ulr && B link set ulr up &&
	ip -n nR addr add 10.96.0.2/24 dev ul && ip -n nR link set ul up &&
	ip -n nR link set lo up &&
	ip -n nR route add default via 10.96.0.1 &&
	A route add 10.96.0.0/24 via "$ULB" dev ul || return 1
	ip netns exec nR semnet-relaytest --rate 10000000 10.96.0.2 "$RELAY_BASE" \
		"$ULA:0" 10.96.0.1:1 >"$LOGS/relay.json" 2>"$LOGS/relay.log" &
	relay=$!	# ip netns exec execs it: its pid
	wait_until 10 grep -q serving "$LOGS/relay.log" || return 1
	ip netns exec nA wg set wg0 peer "$(cat "$LOGS/wg-b.pub")" \
		endpoint "10.96.0.2:$((RELAY_BASE + 1))" persistent-keepalive 25 &&
	ip netns exec nB wg set wg0 peer "$(cat "$LOGS/wg-a.pub")" \
		endpoint "10.96.0.2:$((RELAY_BASE + 0))" persistent-keepalive 25 || return 1
	# Through the relay now (the session stays: keys, not endpoints).
	wait_until 30 ip netns exec cli ping -c 1 -W 1 "$SRV" >/dev/null || return 1
	# The relay carries it: its forwarded count moves.
	kill -USR1 "$relay"
	wait_until 5 test -s "$LOGS/relay.json" || return 1
	log "relay: node A's peer at $(ip netns exec nA wg show wg0 endpoints | cut -f2);" \
		"$(tail -n 1 "$LOGS/relay.json")"
	[ "$(tail -n 1 "$LOGS/relay.json" | jq .forwarded)" -gt 0 ]
}

# setup_semnetdir TOPO: semnet with direct peers on the underlay (LINKS.md
# 1b): the container subnets routed via the other node's underlay address
# as for plain, semnet's peers `encap direct dev ul`
setup_semnetdir() {
	v6 && return 2
	[ -z "$SEMNET_MODULE" ] || use_module A || return 1
	SN_PEER_ARGS="encap direct dev ul" setup_semnet_loaded "$@" || return
	# No GRE key to learn the client's nsIP from: node B knows the
	# client's InstanceIP (as semnetd after the first reply's miss).
	ip netns exec nB semnet instance add "$INSTCLI" service bench.ns.cli.ns nsip "$CLI" \
		node "$ULA" &&
	A route add "$BNET" via "$ULB" dev ul &&
	B route add "$ANET" via "$ULA" dev ul
}

socat_tunnel() {	# socat_tunnel NODE LOCAL REMOTE TUNADDR REMOTE_SUBNET
	ip netns exec "$1" socat -b 65536 \
		"UDP4-DATAGRAM:$3:4755,bind=$2:4755,range=$3/32,rcvbuf=4194304,sndbuf=4194304" \
		"TUN:$4/30,tun-name=sntun,up,no-pi" >"$LOGS/socat-$1.log" 2>&1 &
	wait_until 10 ip -n "$1" link show sntun >/dev/null 2>&1
	ip -n "$1" link set sntun mtu 1468 &&
	ip -n "$1" route add "$5" dev sntun
}

setup_socat() {
	v6 && return 2
	socat_tunnel nA 10.99.0.1 10.99.0.2 10.98.0.1 172.16.0.64/26 &&
	socat_tunnel nB 10.99.0.2 10.99.0.1 10.98.0.2 172.16.0.0/26 &&
	DST=172.16.0.66
}

# semnet: node A has the service (RR address VIP) and its one instance,
# whose nsIP SRV lives on node B; node B has that instance as a local one.
# Each node knows the other as a tunnel peer.
# semnet_node TOPO NODE SUBNET GATEWAY [SUBNET6 GATEWAY6]: the IPv6 plan
# (Oakestra's: platform fc00::/7, services fdff::/16) with SUBNET6.
semnet_node() {
	local how=(bridge br0) six=() err
	[ "$1" = routed ] && how=(mode routed)
	[ $# -lt 6 ] || six=(subnet "$5" platform6 fc00::/7 services6 fdff::/16 gateway6 "$6")
	if ! err=$(ip netns exec "$2" semnet node set platform 172.16.0.0/12 \
		services 172.30.0.0/16 subnet "$3" gateway "$4" "${how[@]}" "${six[@]}" 2>&1); then
		log "semnet node set ... ${how[*]} ${six[*]}: $err"
		# A module or CLI without the routed mode or IPv6: n/a.
		[ "$1" = routed ] || [ $# -ge 6 ] && return 2
		return 1
	fi
	ip -n "$2" route add 172.16.0.0/12 dev semnet0 src "$4" &&
	{ [ $# -lt 6 ] || ip -n "$2" route add fc00::/7 dev semnet0 src "$6"; }
}

# semnet_peer NODE SUBNET REMOTE: a tunnel peer; with the CLI, or while
# it takes no IPv6 subnets or remotes, with tests/lib/genl.py. SN_PEER_ARGS:
# more of the CLI's peer arguments (IPv4 only).
semnet_peer() {
	local err a s r
	# shellcheck disable=SC2086 # words
	err=$(ip netns exec "$1" semnet peer add "$2" remote "$3" ${SN_PEER_ARGS:-} 2>&1) && return 0
	[[ $2$3 == *:* ]] || { log "semnet peer add $2 remote $3: $err"; return 1; }
	a=ADDR s=ip r=ADDR:ip
	[[ $2 == *:* ]] && a=ADDR6 s=ip6
	[[ $3 == *:* ]] && r=ADDR6:ip6
	err=$(ip netns exec "$1" python3 "$SEMNET_TOP/tests/lib/genl.py" NEW_PEER \
		"PEER{SUBNET{$a:$s:${2%/*},LEN:u8:${2#*/}},$r:$3}" 2>&1)
	[ "$err" = "errno 0" ] || { log "genl.py NEW_PEER $2 $3: $err"; return 1; }
}

# use_module A|B: semnet.ko from SEMNET_MODULE (loaded by the harness) or
# MODULE_B loaded. The last case's namespaces go away asynchronously, and
# with them its semnet0 devices and sockets: rmmod succeeds once they did.
LOADED=A
use_module() {
	local path=$SEMNET_MODULE
	[ "$LOADED" = "$1" ] && return 0
	[ "$1" = B ] && path=$MODULE_B
	wait_until 60 rmmod semnet 2>/dev/null || { log "rmmod semnet failed"; return 1; }
	insmod "$path" || { log "insmod $path failed"; return 1; }
	LOADED=$1
	log "semnet.ko $1: $path ($(cat /sys/module/semnet/srcversion))"
}

setup_semnetb() {	# setup_semnetb TOPO: setup_semnet with module B
	[ "$MODULE_B" != - ] || return 2
	use_module B && setup_semnet_loaded "$@"
}

setup_semnet() {	# setup_semnet TOPO
	[ -z "$SEMNET_MODULE" ] || use_module A || return 1
	setup_semnet_loaded "$@"
}

# setup_semnet_loaded TOPO: with the module loaded now; the peers' underlay
# addresses SN_UNDER_A and SN_UNDER_B (default: the underlay's, ULA and
# ULB), semnet0's MTU SN_MTU (default: its own choice), SN_PEER_ARGS (see
# semnet_peer)
setup_semnet_loaded() {
	local sa=(ip netns exec nA semnet) sb=(ip netns exec nB semnet) err rc
	local ua=${SN_UNDER_A:-$ULA} ub=${SN_UNDER_B:-$ULB} mtu=()
	[ -z "${SN_MTU:-}" ] || mtu=(mtu "$SN_MTU")
	if ! err=$(A link add semnet0 "${mtu[@]}" type semnet 2>&1); then
		log "ip link add semnet0 type semnet: $err"
		return 2
	fi
	B link add semnet0 "${mtu[@]}" type semnet && A link set semnet0 up && B link set semnet0 up &&
	log "semnet0 mtu $(A -j link show semnet0 | jq '.[0].mtu')" || return 1
	if v6; then
		semnet_node "$1" nA 172.16.0.0/26 172.16.0.1 fc00::/120 fc00::1 || return
		semnet_node "$1" nB 172.16.0.64/26 172.16.0.65 fc00::100/120 fc00::101
	else
		semnet_node "$1" nA 172.16.0.0/26 172.16.0.1 || return
		semnet_node "$1" nB 172.16.0.64/26 172.16.0.65
	fi
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	# The instance's node is named by its IPv4 address in every family.
	semnet_peer nA "$BNET" "$ub" &&
	semnet_peer nB "$ANET" "$ua" &&
	"${sa[@]}" service add "$VIP" name bench.ns.srv.ns policy rr &&
	"${sa[@]}" instance add "$INST" service bench.ns.srv.ns nsip "$SRV" node "${SN_UNDER_B:-10.99.0.2}" &&
	"${sa[@]}" instance add "$INSTCLI" service bench.ns.cli.ns nsip "$CLI" dev cli &&
	"${sb[@]}" instance add "$INST" service bench.ns.srv.ns nsip "$SRV" dev srv &&
	DST=$VIP
}

# br_netfilter for the +nf cases, and out again for the others.
nf_load() {
	modprobe br_netfilter || { log "modprobe br_netfilter failed"; return 1; }
}
# shellcheck disable=SC2317 # run through wait_until
nf_unloaded() { ! grep -q '^br_netfilter ' /proc/modules; }
nf_unload() {
	nf_unloaded && return 0
	modprobe -r br_netfilter 2>/dev/null
	wait_until 10 nf_unloaded || { log "br_netfilter stays loaded"; return 1; }
}
# nf_state NODE: the bridge-nf-call-iptables setting in NODE, or "none"
nf_state() {
	ip netns exec "$1" sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo none
}

# --------------------------------------------------------- measurement
rx_packets() {	# rx_packets NODE DEV
	ip -n "$1" -j -s link show "$2" | jq '.[0].stats64.rx.packets'
}
# rx_counts NODE DEV: "PACKETS BYTES" received
rx_counts() {
	ip -n "$1" -j -s link show "$2" | jq -r '.[0].stats64.rx | "\(.packets) \(.bytes)"'
}
# rx_sizes WHERE BEFORE AFTER: "WHERE: N packets, B bytes on average"
# from two rx_counts; above the MTU the packets were GSO or GRO packets
rx_sizes() {
	awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { split(a, x, " "); split(b, y, " ")
		n = y[1] - x[1]; printf "%s %d packets, %.0f bytes on average", w, n,
			(n > 0 ? (y[2] - x[2]) / n : 0) }'
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

# nginx in srv on port 8080 (IPv6 too in IPv6 cases), answering every
# request from memory (no file reads: those would be 9p reads, which let
# guest time jump).
start_nginx() {	# start_nginx CASE
	local dir=$LOGS/nginx-$1 listen6=
	v6 && listen6="listen [::]:8080;"
	mkdir -p "$dir" || return 1
	cat >"$dir/nginx.conf" <<-EOF
	daemon off;
	master_process off;
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/error.log;
	events { worker_connections 256; }
	http {
		access_log off;
		client_body_temp_path $dir/body;
		proxy_temp_path $dir/proxy;
		fastcgi_temp_path $dir/fastcgi;
		uwsgi_temp_path $dir/uwsgi;
		scgi_temp_path $dir/scgi;
		keepalive_requests 100000000;
		server {
			listen 8080;
			$listen6
			location / { return 200 "ok\n"; }
		}
	}
	EOF
	ip netns exec srv /usr/sbin/nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
		>"$LOGS/nginx-s-$1.log" 2>&1 &
}

# http DST: wrk's requests per second over HTTP_CONNS keep-alive
# connections for SECS seconds, in OUT
http_rate() {
	run http ip netns exec cli wrk -t 1 -c "$HTTP_CONNS" -d "${SECS}s" --timeout 5s \
		"http://$(hostport "$1" 8080)/" || return 1
	printf '%s\n' "$OUT" | sed 's/^/#   /'
	if grep -Eq 'Non-2xx|Socket errors' <<<"$OUT"; then
		log "  http: errors"
		return 1
	fi
	OUT=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$OUT")
	[ -n "$OUT" ]
}

measure() {	# measure CASE TARGET: sets BULK RRATE CRATE HRATE, or fails
	local c=$1 dst=$2 devs=${TUNDEV[$(dp_of "$1")]} dev rx1 ul0 srv0
	local -A rx0=()
	local cli=(ip netns exec cli) any=0.0.0.0
	v6 && any=::
	ip netns exec srv iperf3 -s -p 5201 >"$LOGS/iperf3-s-$c.log" 2>&1 &
	ip netns exec srv python3 "$RR" serve-rr 7001 "$any" >"$LOGS/rr-s-$c.log" 2>&1 &
	ip netns exec srv python3 "$RR" serve-crr 7002 "$any" >"$LOGS/crr-s-$c.log" 2>&1 &
	[ "$HTTP" = 1 ] && start_nginx "$c"
	# Generous: their first 9p reads let guest time jump (see run).
	if ! { wait_port srv 5201 tcp 60 && wait_port srv 7001 tcp 60 &&
		wait_port srv 7002 tcp 60; } ||
		{ [ "$HTTP" = 1 ] && ! wait_port srv 8080 tcp 60; }; then
		log "($c): servers did not start"
		return 1
	fi
	for dev in $devs; do
		rx0[$dev]=$(rx_packets nB "$dev")
		# The offloads the tunnel device offers (ethtool -k).
		log "($c): $dev offloads: $(ip netns exec nA ethtool -k "$dev" | awk -F ': ' '
			{ sub(/^[ \t]+/, "", $1) }
			$1 ~ /^(tx-tcp-segmentation|tx-tcp6-segmentation|generic-segmentation-offload|generic-receive-offload|tx-udp_tnl-segmentation|tx-udp_tnl-csum-segmentation|tx-checksumming|scatter-gather)$/ {
				printf "%s%s %s", sep, $1, $2; sep = ", " }')"
	done
	run "check $dst:7001" "${cli[@]}" python3 "$RR" check "$dst" 7001 || return 1
	ul0=$(rx_counts nB ul)
	srv0=$(rx_counts srv eth0)
	run bulk "${cli[@]}" iperf3 -c "$dst" -p 5201 -t $((SECS + 1)) -O 1 -J ||
		{ log "($c): iperf3: $(jq -r '.error? // empty' <<<"$OUT")"; return 1; }
	BULK[$c]=$(jq -e '.end.sum_received.bits_per_second' <<<"$OUT") ||
		{ log "($c): no iperf3 result"; return 1; }
	log "  bulk: $(jq -r '"\(.end.sum_received.bytes) bytes received, \(.end.sum_sent.retransmits) retransmits"' <<<"$OUT")"
	# Whether GSO packets crossed the underlay whole (the sender did not
	# segment them) and GRO merged them again before the server.
	log "  bulk: $(rx_sizes "underlay into node B:" "$ul0" "$(rx_counts nB ul)");" \
		"$(rx_sizes "server's eth0:" "$srv0" "$(rx_counts srv eth0)")"
	# The clients print "RATE IDLE": IDLE is the CPU's idle time within
	# the measured window, which should be ~0 with one vCPU.
	run rr "${cli[@]}" python3 "$RR" rr "$dst" 7001 "$SECS" || return 1
	RRATE[$c]=${OUT%% *}
	log "  rr: ${OUT#* } s idle in the window"
	run crr "${cli[@]}" python3 "$RR" crr "$dst" 7002 "$SECS" || return 1
	CRATE[$c]=${OUT%% *}
	log "  crr: ${OUT#* } s idle in the window"
	if [ "$HTTP" = 1 ]; then
		http_rate "$dst" || return 1
		HRATE[$c]=$OUT
	fi
	log "  UDP receive buffer errors: node A $(udp_rcvbuf_errors nA), node B $(udp_rcvbuf_errors nB)"
	# The traffic took the path under test: the tunnel received it.
	for dev in $devs; do
		rx1=$(( $(rx_packets nB "$dev") - rx0[$dev] ))
		log "($c): $dev on node B received $rx1 packets"
		[ "$rx1" -gt 1000 ] || { log "($c): the traffic did not use $dev"; return 1; }
	done
	log "($c): bulk $(awk -v b="${BULK[$c]}" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s, rr ${RRATE[$c]}/s, crr ${CRATE[$c]}/s, http ${HRATE[$c]:-n/a}/s"
}

# ------------------------------------------------------------- profile
# profile_out NAME: stdin as "overlay-profile" lines, which the host
# writes to build/bench/profile-NAME.txt
profile_out() {
	local line
	while IFS= read -r line; do printf 'overlay-profile\t%s\t%s\n' "$1" "$line"; done
}

# Read as the first file of an awk program: mod[SYM] is the module of
# the text symbol SYM, "(several)" when the core kernel or another module
# has a symbol of that name too (inlined helpers such as rht_key_get_hash).
# shellcheck disable=SC2016 # awk's, not the shell's
KALLSYMS_AWK='function kallsyms(m) {
	if ($2 !~ /^[tT]$/) return
	m = NF >= 4 ? $4 : "[kernel core]"
	if (($3 in seen) && seen[$3] != m) dup[$3] = 1
	seen[$3] = m
	if ($3 in dup) mod[$3] = "(several)"
	else if (m != "[kernel core]") mod[$3] = m
}
'
# profile CASE DST: rr and crr once more, under perf record -a (software
# cpu-clock: TCG has no PMU), then their top symbols and the share of
# each module (bridge, br_netfilter, ip_vs, fou, semnet, ...). perf maps
# module code into [kernel.kallsyms] here (it finds no module files for
# it), so the modules come from /proc/kallsyms. The idle task's samples
# (perf starting and stopping: 9p reads) are left out.
profile() {
	local c=$1 dst=$2 t port data name comms
	for t in rr crr; do
		port=7001
		[ "$t" = crr ] && port=7002
		data=$LOGS/perf-$c-$t.data
		name=$c-$t
		# perf's start and end read files over 9p: thousands of idle
		# guest seconds (a few wall seconds), so no guard here.
		GUARD=1000000 run "perf $t" ip netns exec cli perf record -a -g -e cpu-clock -F 999 \
			-N -B -q -o "$data" -- python3 "$RR" "$t" "$dst" "$port" "$PROFILE_SECS" || continue
		comms=$(perf report -i "$data" --stdio --sort comm --no-children -g none -q 2>/dev/null |
			awk '$2 != "" && $2 != "swapper" { printf "%s%s", sep, $2; sep = "," }')
		perf report -i "$data" --stdio --sort sym --no-children -g none -q \
			--percentage relative --comms "$comms" 2>/dev/null | grep -v '^$' >"$LOGS/report"
		perf report -i "$data" --stdio --sort sym --children -g none -q \
			--percentage relative --comms "$comms" 2>/dev/null | grep -v '^$' >"$LOGS/children"
		{
			echo "# profile of $t, case $c ($(label "$c")): perf record -a -g -e cpu-clock -F 999,"
			echo "# $PROFILE_SECS s guest time; $t rate under perf: ${OUT%% *}/s; samples of: $comms"
			echo "# (percentages of the non-idle samples)"
			echo
			echo "## top 25 symbols (perf report --stdio --sort sym --no-children)"
			head -25 "$LOGS/report"
			echo
			# The CPU is busy all through the window (one vCPU):
			# a share times 1 / rate is time per transaction.
			echo "## share per module (symbols' modules from /proc/kallsyms), us per transaction"
			awk -v rate="${OUT%% *}" "$KALLSYMS_AWK"'NR == FNR { kallsyms(); next }
				{ p = $1; sub(/%/, "", p); sym = $3
				  m = $2 == "[.]" ? "userspace" : (sym in mod) ? mod[sym] : "[kernel core]"
				  share[m] += p }
				END { for (m in share)
					printf "%8.2f%%  %8.2f us  %s\n", share[m], share[m] * 1e4 / rate, m
				      printf "%8.2f%%  %8.2f us  %s\n", 100, 1e6 / rate, "all" }' \
				/proc/kallsyms "$LOGS/report" | sort -rn
			echo
			echo "## top 25 symbols in modules"
			awk "$KALLSYMS_AWK"'NR == FNR { kallsyms(); next }
				$2 == "[k]" && ($3 in mod) { printf "%s  %-14s %s\n", $1, mod[$3], $3 }' \
				/proc/kallsyms "$LOGS/report" | head -25
			echo
			echo "## inclusive (the symbol and what it calls: perf record -g, --children), us per transaction:"
			echo "## module symbols and netfilter's nf_hook_slow, top 30"
			awk -v rate="${OUT%% *}" "$KALLSYMS_AWK"'NR == FNR { kallsyms(); next }
				$3 == "[k]" && (($4 in mod) || $4 == "nf_hook_slow") {
					p = $1; sub(/%/, "", p)
					printf "%8s %8.2f us  %-14s %s\n", $1, p * 1e4 / rate,
						($4 in mod) ? mod[$4] : "[kernel core]", $4 }' \
				/proc/kallsyms "$LOGS/children" | head -30
			echo
			echo "## where the kernel enters a module's code (samples in it by their first three"
			echo "## callers outside it; perf script), the top 8 per module of these"
			perf script -i "$data" -F ip,sym --comms "$comms" 2>/dev/null |
				awk "$KALLSYMS_AWK"'NR == FNR { kallsyms(); next }
				function flush(k, m, key) {
					if (n && (f[1] in mod) && mod[f[1]] ~ /^\[(semnet|ip_vs|br_netfilter|bridge|fou|fou6|ip_gre|ip6_gre|ip6_tunnel|wireguard|chacha_x86_64|poly1305_x86_64|libchacha|libpoly1305|libchacha20poly1305)\]$/) {
						m = mod[f[1]]
						for (k = 2; k <= n && (f[k] in mod) && mod[f[k]] == m; k++) ;
						key = m "  " f[k - 1] " <- " f[k] " <- " f[k + 1] " <- " f[k + 2]
						cnt[key]++; tot[m]++
					}
					n = 0
				}
				NF == 0 { flush(); next }
				{ sub(/\+0x[0-9a-f]+$/, "", $2); f[++n] = $2 }
				END { flush()
					for (key in cnt) { split(key, a, "  ")
						printf "%6.1f%% %s\n", 100 * cnt[key] / tot[a[1]], key } }' \
				/proc/kallsyms - | sort -k2,2 -k1,1nr | awk '{ if ($2 != last) c = 0; last = $2 } ++c <= 8'
		} | profile_out "$name"
		log "  profile of $t: build/bench/profile-$name.txt"
	done
}

run_case() {	# run_case CASE
	local c=$1 topo dp rc
	topo=$(topo_of "$c")
	dp=$(dp_of "$c")
	family "$(fam_of "$c")"
	log "($c) $(label "$c")"
	STATUS[$c]=fail
	if nf_of "$c"; then
		nf_load || return
	else
		nf_unload || return
	fi
	if v6; then ipv6_on; else ipv6_off; fi
	if ! "base_${c%%-*}" || { v6 && ! "base6_${c%%-*}"; }; then
		log "($c): building the topology failed"
	else
		nf_of "$c" && log "($c): net.bridge.bridge-nf-call-iptables in node A: $(nf_state nA)"
		DST=
		"setup_$dp" "$topo"
		rc=$?
		if [ "$rc" = 2 ]; then
			STATUS[$c]=n/a
		elif [ "$rc" != 0 ] || [ -z "$DST" ]; then
			log "($c): setup failed"
		elif measure "$c" "$DST"; then
			STATUS[$c]=ok
			[[ " $PROFILE " != *" $c "* ]] || profile "$c" "$DST"
		else
			tail -n 5 "$LOGS"/*-"$c".log "$LOGS"/socat-*.log "$LOGS/nginx-$c/error.log" 2>/dev/null |
				sed 's/^/#   /'
		fi
	fi
	teardown
	nf_of "$c" && nf_unload
	log "($c): ${STATUS[$c]}"
}

# ---------------------------------------------------------------- main
# No IPv6 in the bench namespaces of IPv4 cases (no router/neighbour
# solicitations in the measurements; run_case turns it on for IPv6
# ones): new namespaces inherit the initial one's settings.
sysctl -qw net.core.devconf_inherit_init_net=1
ipv6_off
# Socket buffers up to 8 MB for those who ask (only socat does, 4 MB:
# with one CPU a whole TCP window arrives before it reads any of it).
sysctl -qw net.core.rmem_max=8388608 net.core.wmem_max=8388608
# Every case runs with the same modules loaded (br_netfilter aside).
for m in bridge veth fou ip_gre fou6 ip6_gre tun ip_vs ip_vs_rr; do
	modprobe "$m" || { echo "overlay: modprobe $m failed" >&2; exit 1; }
done
# WireGuard for the wg cases (n/a without it): its module, two key pairs,
# and the ChaCha20 and Poly1305 code it runs, which under -icount depends
# on the emulated CPU's flags (WireGuard calls the kernel's crypto library
# directly; /proc/crypto lists the drivers that library's modules offer).
if [[ " $CASES " == *wg* ]]; then
	if ! modprobe wireguard; then
		log "modprobe wireguard failed: the wg cases are n/a"
	elif ! (umask 077 && wg genkey >"$LOGS/wg-a.key" && wg pubkey <"$LOGS/wg-a.key" >"$LOGS/wg-a.pub" &&
		wg genkey >"$LOGS/wg-b.key" && wg pubkey <"$LOGS/wg-b.key" >"$LOGS/wg-b.pub"); then
		log "wg genkey failed: the wg cases are n/a"
	else
		WG=ok
		# chacha_x86_64 and poly1305_x86_64 pick their code by the
		# CPU's flags (SSSE3, AVX2, AVX-512VL); without SSSE3 ChaCha20
		# is the generic C code and no chacha20 driver is registered,
		# without AVX Poly1305 is the scalar x86_64 assembly.
		flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -Ex 'ssse3|avx|avx2|avx512vl' | tr '\n' ' ')
		log "wireguard $(cat /sys/module/wireguard/version 2>/dev/null); /proc/crypto drivers:" \
			"$(awk -F ' *: ' '$1 == "name" { n = $2 } $1 == "driver" && n ~ /^(chacha20|xchacha20|poly1305)$/ {
				printf "%s%s %s", sep, n, $2; sep = ", " }' /proc/crypto);" \
			"modules: $(awk '$1 ~ /chacha|poly1305|curve25519|blake2s/ { printf "%s%s", sep, $1; sep = " " }' /proc/modules);" \
			"CPU flags of these: ${flags:-none (ChaCha20 in generic C, Poly1305 in scalar x86_64 assembly)}"
	fi
fi
if [ "$PROFILE" != - ]; then
	# Kernel and module symbols for perf, from /proc/kallsyms.
	sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
fi

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
	[ "$HTTP" = 1 ] && { wrk --version; /usr/sbin/nginx -v; }
	[ "$PROFILE" = - ] || perf version
	wg --version
} >/dev/null 2>&1

for c in $CASES; do run_case "$c"; done

# num VALUE DIVISOR FORMAT: VALUE / DIVISOR, printf FORMAT
num() { awk -v v="$1" -v d="$2" -v f="$3" 'BEGIN { printf f, v / d }'; }
ratio() {	# ratio CASE ARRAY: "0.93x" against its family's r-fou, or "-"
	local -n arr=$2
	local ref
	ref=$(ref_of "$1")
	if [ "${STATUS[$1]:-}" = ok ] && [ "${STATUS[$ref]:-}" = ok ] && [ -n "${arr[$1]:-}" ]; then
		awk -v x="${arr[$1]}" -v b="${arr[$ref]}" 'BEGIN { printf "%.2fx", x / b }'
	else
		echo -
	fi
}

echo
echo "overlay bench: 1 vCPU, qemu -icount shift=1,sleep=off; ${SECS} s per test, guest time; ratios against $REF (FOU, routed veths), of IPv6 cases against ${REF}6 (IPv6 over IPv4) or ${REF}66 (IPv6 over IPv6), of r-ipvswg, r-semnetwg and r-semnetwgp against r-wg (WireGuard by hand), of r-semnetdir against r-plain, of r-semnetrelay against r-semnetwgp"
echo "module: ${SEMNET_MODULE:-none} $( [ -n "${SEMNET_MODULE:-}" ] && modinfo -F srcversion "$SEMNET_MODULE" 2>/dev/null); kernel $(uname -r)"
[ "$MODULE_B" = - ] || echo "module B (semnetb): $MODULE_B $(modinfo -F srcversion "$MODULE_B" 2>/dev/null)"
fmt='%-14s %-36s %9s %6s %9s %6s %9s %6s %9s %6s\n'
# shellcheck disable=SC2059 # the format is fmt
printf "$fmt" case "datapath, topology" "bulk Gb/s" x "rr /s" x "crr /s" x "http /s" x
for c in $CASES; do
	if [ "${STATUS[$c]}" = ok ]; then
		# shellcheck disable=SC2059
		printf "$fmt" "$c" "$(label "$c")" \
			"$(num "${BULK[$c]}" 1e9 %.3f)" "$(ratio "$c" BULK)" \
			"$(num "${RRATE[$c]}" 1 %.0f)" "$(ratio "$c" RRATE)" \
			"$(num "${CRATE[$c]}" 1 %.0f)" "$(ratio "$c" CRATE)" \
			"$( [ -n "${HRATE[$c]:-}" ] && num "${HRATE[$c]}" 1 %.0f || echo n/a)" "$(ratio "$c" HRATE)"
	else
		# shellcheck disable=SC2059
		printf "$fmt" "$c" "$(label "$c")" "${STATUS[$c]}" "" "${STATUS[$c]}" "" "${STATUS[$c]}" "" "${STATUS[$c]}" ""
	fi
done

# The goals of issues 15 and 16 (the same for IPv6, each family against
# its own tunnel), each whose case was measured.
echo
rate() {	# rate CASE TEST: the number, or empty
	[ "${STATUS[$1]:-}" = ok ] || return 0
	case $2 in
	bulk) echo "${BULK[$1]}" ;; rr) echo "${RRATE[$1]}" ;;
	crr) echo "${CRATE[$1]}" ;; http) echo "${HRATE[$1]:-}" ;;
	esac
}
# goal TEXT CASE OTHER TEST MIN: CASE / OTHER >= MIN on TEST; nothing
# when CASE or OTHER was not selected
goal() {
	local x y
	[ -n "${STATUS[$2]:-}" ] && [ -n "${STATUS[$3]:-}" ] || return 0
	x=$(rate "$2" "$4")
	y=$(rate "$3" "$4")
	if [ -z "$x" ] || [ -z "$y" ]; then
		printf 'goal, %-46s %-5s not evaluated (%s: %s, %s: %s)\n' "$1:" "$4" \
			"$2" "${STATUS[$2]:-not run}" "$3" "${STATUS[$3]:-not run}"
		return
	fi
	awk -v t="$1:" -v m="$4" -v x="$x" -v y="$y" -v min="$5" -v a="$2" -v b="$3" 'BEGIN {
		printf "goal, %-46s %-5s %s = %.3fx %s [>= %.2f: %s]\n", t, m, a, x / y, b, min,
			(x / y >= min) ? "met" : "missed" }'
}
for f in "" 6 66; do
	for t in bulk rr; do goal "routed semnet vs FOU${FAMLABEL[${f:-4}]}" "r-semnet$f" "$REF$f" "$t" 0.95; done
	goal "routed semnet vs FOU${FAMLABEL[${f:-4}]}" "r-semnet$f" "$REF$f" crr 0.92
	for nf in "" +nf; do
		for topo in r b; do
			for t in bulk rr crr http; do
				[ "$t" != http ] || [ "$HTTP" = 1 ] || continue
				goal "semnet ahead of IPVS, $(topo_of $topo)${nf:+ +br_nf}${FAMLABEL[${f:-4}]}" \
					"$topo-semnet$f$nf" "$topo-ipvs$f$nf" "$t" 1.00
			done
		done
	done
done

# Issue 18: semnet's direct links against plain routing; semnet in
# WireGuard against the same WireGuard by hand, and ahead of IPVS over it.
for t in bulk rr crr http; do
	[ "$t" != http ] || [ "$HTTP" = 1 ] || continue
	goal "direct: semnet, direct vs plain routing" r-semnetdir r-plain "$t" 0.95
	goal "encrypted: semnet in WireGuard vs by hand" r-semnetwg r-wg "$t" 0.95
	goal "encrypted: semnet, WireGuard p2p vs by hand" r-semnetwgp r-wg "$t" 0.95
done
for t in bulk rr crr http; do
	[ "$t" != http ] || [ "$HTTP" = 1 ] || continue
	goal "semnet ahead of IPVS, over WireGuard" r-semnetwg r-ipvswg "$t" 1.00
	goal "semnet ahead of IPVS, over WireGuard p2p" r-semnetwgp r-ipvswg "$t" 1.00
done

# Module B's cases against the same goals, and against module A.
for f in "" 6 66; do
	for t in bulk rr crr http; do
		[ "$t" != http ] || [ "$HTTP" = 1 ] || continue
		goal "routed semnet B vs FOU${FAMLABEL[${f:-4}]}" "r-semnetb$f" "$REF$f" "$t" \
			"$( [ "$t" = crr ] && echo 0.92 || echo 0.95)"
		goal "routed semnet B vs IPVS${FAMLABEL[${f:-4}]}" "r-semnetb$f" "r-ipvs$f" "$t" 1.00
		goal "routed semnet B vs semnet A${FAMLABEL[${f:-4}]}" "r-semnetb$f" "r-semnet$f" "$t" 1.00
	done
done

for c in $CASES; do
	printf 'overlay-data\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" \
		"$(dp_of "$c")|$(topo_of "$c")$(nf_of "$c" && echo ' +br_nf')${FAMLABEL[$(fam_of "$c")]/#, / }" \
		"${STATUS[$c]}" "${BULK[$c]:-NaN}" "${RRATE[$c]:-NaN}" "${CRATE[$c]:-NaN}" "${HRATE[$c]:-NaN}" \
		"$(ref_of "$c")"
done
# A case that failed (as opposed to n/a) fails the run.
for c in $CASES; do [ "${STATUS[$c]}" != fail ] || exit 1; done
exit 0
