#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Control-plane benchmark (issue 15, item 5; make bench-control). Three parts:
#
#  cluster  (host, loopback only, private mktemp dir; tests/integration/
#           managers-lib.sh): semnet-root, semnet-cluster and mosquitto;
#           tests/bench/control-nodes.py registers BENCH_NODES (15,360, the
#           seed profile's every /26) nodes over MQTT exactly as semnetd
#           does (nodes/<id>/net/subnet with its underlay address), then
#           each node sends a table query. Registration rate, table-query
#           rate, the cluster's memory and its store's size.
#  miss     (VM): the demo topology (tests/lib/semnetd.sh, as make demo):
#           root, cluster and mosquitto in namespace ctl, nodes a, b, c
#           running semnetd. The root holds BENCH_MISSES services nobody
#           asked for yet, each with one instance located at the server
#           container on node b. A client container on node a connects to
#           each RR address in turn (tests/bench/control-miss.py): the SYN
#           misses, semnetd asks the cluster over MQTT, the cluster asks the
#           root, semnetd installs the answer, the held SYN goes on. Then the
#           same from node c, whose queries the cluster answers from its
#           store. Latency from the client's view against the same connect
#           once installed, split by timestamps of the kernel's miss event
#           (genl), the query and the answer (mosquitto_sub in ctl).
#  memory   (VM, after miss): node a gets 61 containers (its /26's every
#           nsIP) and 10,000 known services (BENCH_SERVICES; table answers
#           in the cluster's format published to node a's result topic);
#           semnetd's VmRSS and VmHWM at each step. Goal: <= 10 MB.
#
#          ctl: root :10099, cluster c1 :10110, mosquitto :1883 (10.99.0.100)
#                                      |
#   wire: ul0 bridge --+---------------+---------------+---------------+
#                      |               |               |               |
#        [node a 10.99.0.1]   [b 10.99.0.2 .. e 10.99.0.5]    [node f 10.99.0.6]
#        semnetd, cli          semnetd each, the instances    semnetd, cli2
#        (+ 60 containers      of services m0..m199, a
#         for the memory part) container each (50 a node)
#
# The VM has one vCPU and runs qemu -icount shift=1,sleep=off, as
# make bench-overlay: guest time advances with executed instructions, so
# the VM figures are guest milliseconds, repeatable whatever else the host
# runs, and every process of the path (semnetd, mosquitto, both managers,
# the client) shares that one CPU. The cluster part runs natively.
#
#   tests/bench/control.sh                     (or: make bench-control)
#   BENCH_PARTS="miss memory" BENCH_MISSES=50 tests/bench/control.sh
#   BENCH_NODES=2000 BENCH_PARTS=cluster tests/bench/control.sh
# Knobs: BENCH_PARTS (cluster miss memory), BENCH_NODES (15360),
# BENCH_MISSES (200), BENCH_SERVICES (10000), BENCH_WINDOW (64 requests in
# flight), SEMNET_BENCH_BUILD (build/user; SEMNET_NO_BUILD=1 uses it as it
# is), SEMNET_MODULE (semnet.ko).
# vm-timeout: 2400
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
PARTS=${BENCH_PARTS:-cluster miss memory}
NODES=${BENCH_NODES:-15360}
MISSES=${BENCH_MISSES:-200}
SERVICES=${BENCH_SERVICES:-10000}
WINDOW=${BENCH_WINDOW:-64}
has_part() { [[ " $PARTS " == *" $1 "* ]]; }

# cluster_part: in a subshell, in tests/integration (managers-lib.sh's
# daemons, its EXIT trap cleans up); prints the cluster's table
cluster_part() {
	# shellcheck source=tests/lib/tap.sh
	. ../lib/tap.sh
	SEMNET_NO_BUILD=1
	# shellcheck disable=SC2034 # managers-lib.sh reads it
	SEMNET_BUILD=$BUILD
	# shellcheck source=tests/integration/managers-lib.sh
	. ./managers-lib.sh
	local rows="" line
	# crow WHAT VALUE: a row of the cluster table
	crow() { rows+=$(printf '| %-62s | %14s |' "$1" "$2")$'\n'; }
	# cmem WHEN: the cluster's and the broker's memory now
	cmem() {
		crow "semnet-cluster VmRSS / VmHWM, $1 (kB)" "$(rss "$CLUSTER_PID")"
		crow "mosquitto VmRSS / VmHWM, $1 (kB)" "$(rss "$MQTT_PID")"
	}
	kv() { [[ $line =~ (^| )$1=([^ ]*) ]] && echo "${BASH_REMATCH[2]}"; }	# a field of $line
	dbsize() { du -cb "$WORK/$1"* | awk 'END {print $1}'; }
	start_broker
	# As README "Table misses" advises (tests/lib/semnetd.sh does the same).
	echo "set_tcp_nodelay true" >>"$WORK/mosquitto.conf"
	restart_broker
	start_root --sync normal --log-level warn
	start_cluster bench --log-level warn
	cmem "no node"
	echo "# cluster: registering $NODES nodes over MQTT, $WINDOW in flight"
	line=$(python3 "$BENCH_DIR/control-nodes.py" "$MQTT_PORT" register "$NODES" "$WINDOW" | tail -1)
	echo "# cluster: $line"
	[[ $line == "register ok=$NODES failed=0 "* ]] || { echo "# cluster: registration failed: $line"; return 1; }
	crow "nodes registered (subnet from the root, in the registry)" "$(kv ok)"
	crow "registration: nodes/s (whole run)" "$(kv rate)"
	crow "registration: answer latency p50 / p99 (ms)" "$(kv p50_ms) / $(kv p99_ms)"
	cmem "$NODES nodes"
	crow "cluster store: SQLite file + WAL (bytes)" "$(dbsize cluster-bench.db)"
	crow "root store: SQLite file + WAL (bytes)" "$(dbsize root.db)"
	# registry_lists N: the retained registry lists N nodes
	# shellcheck disable=SC2317 # called by wait_until
	registry_lists() {
		mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -t semnet/nodes -C 1 -W 10 >"$WORK/registry.json" &&
			[ "$(jq '.nodes | length' "$WORK/registry.json")" = "$1" ]
	}
	WAIT_POLL=0.2 wait_until 30 registry_lists "$NODES" ||
		echo "# cluster: the retained registry lists $(jq '.nodes | length' "$WORK/registry.json") nodes"
	crow "registry message (semnet/nodes, retained): bytes" "$(wc -c <"$WORK/registry.json")"
	crow "registry message: nodes listed" "$(jq '.nodes | length' "$WORK/registry.json")"
	# Table queries: a service with 10 located instances (as bench-managers).
	http POST "$ROOT/api/net/service/deploy" '{"_id":"benchjob","deployment_descriptor":{"job_name":"bench.ns.web.prod"}}' >/dev/null
	for i in $(seq 0 9); do
		http POST "$ROOT/api/net/instance/deploy" "{\"_id\":\"benchjob\",\"instance_number\":$i,\"cluster_id\":\"bench\"}" >/dev/null
		http POST "$ROOT/api/net/service/net_deploy_status" \
			"{\"job_id\":\"benchjob\",\"instances\":[{\"instance_number\":$i,\"namespace_ip\":\"172.16.0.$((i + 2))\",\"host_ip\":\"127.0.0.1\",\"host_port\":4754}]}" >/dev/null
	done
	echo "# cluster: $NODES table queries, one from each node"
	line=$(python3 "$BENCH_DIR/control-nodes.py" "$MQTT_PORT" query "$NODES" "$NODES" bench.ns.web.prod "$WINDOW" | tail -1)
	[[ $line == "query ok=$NODES failed=0 "* ]] || echo "# cluster: queries: $line"
	crow "table queries, each node's first (interest recorded): /s" "$(kv rate)"
	line=$(python3 "$BENCH_DIR/control-nodes.py" "$MQTT_PORT" query "$NODES" "$NODES" bench.ns.web.prod "$WINDOW" | tail -1)
	[[ $line == "query ok=$NODES failed=0 "* ]] || echo "# cluster: queries: $line"
	crow "table queries, again (cluster store): /s" "$(kv rate)"
	crow "table queries, again: answer latency p50 / p99 (ms)" "$(kv p50_ms) / $(kv p99_ms)"
	cmem "after the queries"
	crow "cluster store after the queries: SQLite file + WAL (bytes)" "$(dbsize cluster-bench.db)"
	echo
	echo "semnet-cluster with $NODES nodes (native, loopback; $WINDOW requests in flight)"
	echo "| measure                                                        |          value |"
	echo "|----------------------------------------------------------------|----------------|"
	printf '%s' "$rows"
}

# rss PID: "VmRSS VmHWM" in kB
rss() { awk '/^VmRSS|^VmHWM/ {v[$1] = $2} END {print v["VmRSS:"], v["VmHWM:"]}' "/proc/$1/status"; }
# rss_parts PID: "RssAnon RssFile" in kB (heap and stacks; mapped files)
rss_parts() { awk '/^RssAnon|^RssFile/ {v[$1] = $2} END {print v["RssAnon:"], v["RssFile:"]}' "/proc/$1/status"; }
# rss_maps PID: the mappings holding the most resident memory, as "# " lines
rss_maps() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / {name = NF >= 6 ? $6 : "[anon]"} /^Rss:/ {r[name] += $2}
		END {for (n in r) if (r[n] >= 64) printf "%d %s\n", r[n], n}' "/proc/$1/smaps" |
		sort -rn | head -12 | awk '{printf "#   %6d kB  %s\n", $1, $2}'
}

# ------------------------------------------------------------------ host
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	TOP=$(cd "$BENCH_DIR/../.." && pwd)
	BUILD=${SEMNET_BENCH_BUILD:-$TOP/build/user}
	for tool in mosquitto mosquitto_sub mosquitto_pub curl jq python3 qemu-system-x86_64; do
		command -v "$tool" >/dev/null || { echo "control: missing $tool: run make deps" >&2; exit 1; }
	done
	if [ "${SEMNET_NO_BUILD:-0}" != 1 ]; then
		make -s -C "$TOP/daemon" -j2 BUILD="$BUILD" programs >/dev/null || exit 1
	fi
	echo "control-plane bench, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$TOP" describe --always --dirty 2>/dev/null)"
	echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(uname -r)"
	status=0
	if has_part cluster; then
		(cd "$TOP/tests/integration" && cluster_part) || status=1
	fi
	if has_part miss || has_part memory; then
		module=${SEMNET_MODULE:-$TOP/semnet.ko}
		[ -f "$module" ] || make -s -C "$TOP" module >/dev/null || exit 1
		# shellcheck disable=SC2054 # commas belong to qemu's option syntax
		vm=(--smp 1 --mem 1G --timeout "${BENCH_VM_TIMEOUT:-2400}" --module "$module"
			--qemu-arg -icount --qemu-arg shift=1,sleep=off)
		echo
		echo "VM: qemu TCG, ${vm[*]:0:4} -icount shift=1,sleep=off, Debian $(make -s -C "$TOP" print-kdir | sed 's|.*/linux-headers-||')"
		# The VM gets arguments, not the environment.
		"$TOP/tests/vm/run" "${vm[@]}" "$0" "$PARTS" "$MISSES" "$SERVICES" "$BUILD/bin" ||
			status=1
	fi
	exit $status
fi

# -------------------------------------------------------------------- VM
PARTS=$1 MISSES=$2 SERVICES=$3
export PATH=$4:$PATH
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
say() { echo "# [$(awk '{printf "%d", $1}' /proc/uptime) s] $*"; }
die() { say "FAILED: $*"; sd_dump a b f; tables; exit 1; }
MEMROWS=""
# memrow WHAT: a row of the memory table for semnetd on node a
memrow() {
	local r p
	r=$(rss "${SD_PID[a]}")
	p=$(rss_parts "${SD_PID[a]}")
	MEMROWS+=$(printf '| %-58s | %8s | %8s | %8s | %8s |' "$1" "${r% *}" "${r#* }" "${p% *}" "${p#* }")$'\n'
}

# tables: what was measured (also after a failure)
tables() {
	echo
	if [ -n "$MISSROWS" ]; then
		echo "End-to-end table-miss latency, guest ms ($MISSES services, one miss at a time, 30 ms apart (the kernel raises 50 miss events a second per client), TCP connect to the RR address)"
		echo "| step                                                     |      p50 |      p99 |      max |     mean |"
		echo "|----------------------------------------------------------|----------|----------|----------|----------|"
		printf '%s' "$MISSROWS"
		echo
	fi
	echo "semnetd on node a (goal: <= 10 MB): VmRSS, VmHWM (peak), and RSS as anonymous (heap) and file (libraries) pages"
	echo "| state                                                      |  RSS kB  |  HWM kB  | anon kB  | file kB  |"
	echo "|------------------------------------------------------------|----------|----------|----------|----------|"
	printf '%s' "$MEMROWS"
	[ -z "$MAPS" ] || printf '# semnetd on node a with %s services, resident by mapping (kB):\n%s\n' \
		"$SERVICES" "$MAPS"
}
MAPS=

# kernel_count NODE FIELD: services or instances in NODE's kernel
kernel_count() { ip netns exec "$1" semnet -j stats | jq -r ".$2 // .stats.$2"; }

say "VM: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(free -m | awk '/^Mem/ {print $2}') MiB"
sd_control || die "the control plane does not start"
# a: the client (and the memory part's node); b-e: the instances, a
# container each; f: the second client. The subnets go in order of
# registration: a gets the first /26.
sd_nodes a:10.99.0.1 b:10.99.0.2 c:10.99.0.3 d:10.99.0.4 e:10.99.0.5 f:10.99.0.6 ||
	die "semnetd does not start"
sd_register a b c d e f || die "registration failed"
wait_for_output 20 5 sd_peers a || die "node a has not got its peers"
say "control plane and six nodes up"
memrow "registered, no container, no service"

# The clients on a and f (named namespaces: control-miss.py enters them).
sd_service jcli cli ns c prod 1 >/dev/null || die "service cli"
sd_service jcli2 cli2 ns c prod 1 >/dev/null || die "service cli2"
for c in cli cli2; do sd_container "$c" >/dev/null; done
sd_deploy a cli cli.ns.c.prod 0 | grep -q '^200 ' || die "deploy cli"
sd_deploy f cli2 cli2.ns.c.prod 0 | grep -q '^200 ' || die "deploy cli2"
sd_wait_instance_ip a cli.ns.c.prod 0 >/dev/null || die "node a never named its client"
sd_wait_instance_ip f cli2.ns.c.prod 0 >/dev/null || die "node f never named its client"
memrow "1 container, 1 service (its own)"

# sort_pct COLUMN...: p50 p99 max mean of the numbers on stdin
pct() {
	sort -g | awk '{v[NR] = $1; s += $1} END {
		if (!NR) { print "- - - -"; exit }
		i50 = int(0.5 * NR) + 1; i99 = int(0.99 * NR) + 1; if (i99 > NR) i99 = NR
		printf "%.2f %.2f %.2f %.2f\n", v[i50], v[i99], v[NR], s / NR }'
}

# --------------------------------------------------------------- misses
miss_part() {
	local n=$MISSES rrs i
	say "$n services, one instance each, on nodes b-e (a container each)"
	[ "$n" -le 244 ] || die "BENCH_MISSES: at most 244 (61 containers on each of 4 nodes)"
	rrs=$(ip netns exec ctl python3 "$BENCH_DIR/control-deploy.py" services "$n" m \
		"$SD_WORK"/{b,c,d,e}.sock) || die "deploying the services"
	[ "$(wc -w <<<"$rrs")" = "$n" ] || die "$(wc -w <<<"$rrs") of $n RR addresses"
	# Nodes b-e asked for their own services' tables, which the cluster
	# keeps. Restarted, it holds every cached table for stale (it may have
	# missed updates), so node a's misses go through the root, as the first
	# miss of a service in a cluster does.
	kill "$SD_CLUSTER_PID"
	wait "$SD_CLUSTER_PID" 2>/dev/null
	sd_cluster_start || die "the cluster does not restart"
	say "deployed, the root has every location; the cluster restarted"
	ip netns exec ctl mosquitto_sub -h 127.0.0.1 -p "$SD_MQTT_PORT" -v -F '%U %t %p' \
		-t 'nodes/+/net/tablequery/#' >"$SD_WORK/mq.log" 2>&1 &
	sleep 1	# subscribed (the first query is seconds away anyway)
	local base
	base=$(kernel_count a services)
	say "node a: $n connects, each to an RR address it does not know"
	# shellcheck disable=SC2086 # one address per word
	ip netns exec a python3 "$BENCH_DIR/control-miss.py" cli 80 $rrs >"$SD_WORK/miss-a.out" ||
		die "control-miss on node a"
	if grep -q ' -1' "$SD_WORK/miss-a.out"; then
		say "some connects failed: $(grep -c ' -1' "$SD_WORK/miss-a.out") of $n; the kernels' counters:"
		for node in a b c; do
			ip netns exec "$node" semnet -s stats 2>&1 | grep -v ' 0$' | sed "s/^/# $node: /"
			ip netns exec "$node" semnet flow show 2>&1 | head -5 | sed "s/^/# $node: /"
		done
	fi
	say "node f: the same $n (the cluster has them in its store now)"
	# shellcheck disable=SC2086
	ip netns exec f python3 "$BENCH_DIR/control-miss.py" cli2 80 $rrs >"$SD_WORK/miss-f.out" ||
		die "control-miss on node f"
	sleep 1
	say "node a's kernel: $(($(kernel_count a services) - base)) services more"
	curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics |
		grep -E '^semnetd_(upstream_latency|table_|miss_events)' | sed 's/^/# node a: /'
	# One table per node: the client's view and its parts.
	for node in a f; do
		python3 - "$SD_WORK/miss-$node.out" "$SD_WORK/mq.log" "$node" "$SD_LOGS/$node.log" \
			<<'EOF' >"$SD_WORK/parts-$node"
import datetime, re, sys
rows = [l.split() for l in open(sys.argv[1])]
req, res, installed = {}, {}, {}
for line in open(sys.argv[2]):
    parts = line.split(" ", 2)
    if len(parts) < 3 or f"nodes/{sys.argv[3]}/net/" not in parts[1]:
        continue
    m = re.search(r'"(?:sip|query_key)":\s*"([0-9.]+)"', parts[2])
    if m:
        (req if parts[1].endswith("/request") else res).setdefault(m.group(1), float(parts[0]))
# semnetd's own line once the answer is in the kernel (millisecond stamps)
for line in open(sys.argv[4]):
    m = re.match(r'time=(\S+) .*instances installed \(query ([0-9.]+),', line)
    if m:
        installed.setdefault(m.group(2), datetime.datetime.fromisoformat(
            m.group(1).replace("Z", "+00:00")).timestamp())
for addr, t_syn, t_ev, t_conn, first, again in rows:
    t_syn, t_ev, t_conn, first, again = map(float, (t_syn, t_ev, t_conn, first, again))
    if first < 0 or again < 0 or addr not in req or addr not in res or not t_ev:
        print("fail")
        continue
    ms = lambda s: f"{s * 1000:.3f}"
    t_inst = installed.get(addr, res[addr])
    # 1 first, 2 again, 3 extra | 4 syn->event, 5 event->query, 6 cluster,
    # 7 answer->connected, 8 that minus again, 9 answer->installed (log),
    # 10 installed->connected
    print(ms(first), ms(again), ms(first - again), ms(t_ev - t_syn), ms(req[addr] - t_ev),
          ms(res[addr] - req[addr]), ms(t_conn - res[addr]), ms(t_conn - res[addr] - again),
          ms(t_inst - res[addr]), ms(t_conn - t_inst))
EOF
	done
}

MISSROWS=""
# missrow WHAT NODE COLUMN: p50 p99 max mean of a column of parts-NODE
missrow() {
	local v
	v=$(grep -v fail "$SD_WORK/parts-$2" | awk -v c="$3" '{print $c}' | pct)
	# shellcheck disable=SC2086
	MISSROWS+=$(printf '| %-56s | %8s | %8s | %8s | %8s |' "$1" $v)$'\n'
}

if has_part miss; then
	miss_part
	for node in a f; do
		case $node in
		a) where="node a, the cluster asks the root" ;;
		f) where="node f, the cluster answers from its store" ;;
		esac
		ok=$(grep -vc fail "$SD_WORK/parts-$node")
		MISSROWS+="| **$where** ($ok of $MISSES misses) | | | | |"$'\n'
		missrow "first connect (SYN misses, is held, released)" $node 1
		missrow "the same connect once installed" $node 2
		missrow "miss cost (first - installed)" $node 3
		missrow "  SYN sent -> miss event (genl) read by the client" $node 4
		missrow "  miss event -> query seen at the broker (semnetd)" $node 5
		missrow "  query -> answer seen at the broker (cluster)" $node 6
		missrow "  answer -> connected" $node 7
		missrow "    answer -> installed (semnetd's log line, 1 ms stamps)" $node 9
		missrow "    installed -> connected (release, the path, the answer)" $node 10
		missrow "    answer -> connected, less the installed connect" $node 8
	done
	memrow "after $MISSES misses ($(kernel_count a services) kernel services)"
fi

# --------------------------------------------------------------- memory
if has_part memory; then
	say "node a: 60 more containers (61 in all: every nsIP of its /26)"
	ip netns exec ctl python3 "$BENCH_DIR/control-deploy.py" instances 60 bulk.ns.web.prod \
		"$SD_WORK/a.sock" || die "deploying 60 containers on node a"
	say "node a: $(ip -n a -o link show master br0 | grep -c .) ports on its bridge"
	memrow "61 containers"
	# Table answers, as the cluster sends them, for services up to
	# $SERVICES in all: addresses from 172.30.64.0 on (the root allocates
	# from 172.30.0.1), instances at a nsIP of node b.
	have=$(curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics | awk '/^semnetd_services_known / {print $2}')
	want=$((SERVICES - have))
	say "node a knows $have services; $want table answers to go"
	nsip=$(sd_status b .subnet | awk -F'[./]' '{printf "%d.%d.%d.%d", $1, $2, $3, $4 + 2}')
	python3 - "$want" "$nsip" >"$SD_WORK/answers" <<'EOF'
import json, sys
n, nsip = int(sys.argv[1]), sys.argv[2]
def ip(k):
    k += 64 << 8
    return f"172.30.{k >> 8}.{k & 255}"
for i in range(n):
    name = f"k{i}.ns.web.prod"
    rr, closest, iip = ip(3 * i), ip(3 * i + 1), ip(3 * i + 2)
    sips = [{"IpType": "RR", "Address": rr, "Address_v6": None},
            {"IpType": "Closest", "Address": closest, "Address_v6": None}]
    print(json.dumps({"app_name": name, "service_ip": sips, "instance_list": [{
        "instance_number": 0, "instance_ip": iip, "instance_ip_v6": None,
        "namespace_ip": nsip, "namespace_ip_v6": None, "host_ip": "10.99.0.2",
        "host_port": 4754, "tunnel": "gre-udp",
        "service_ip": sips + [{"IpType": "instance_ip", "Address": iip, "Address_v6": None}]}],
        "query_key": name}, separators=(",", ":")))
EOF
	target=$(($(kernel_count a services) + 2 * want))
	t0=$(awk '{print $1}' /proc/uptime)
	ip netns exec ctl mosquitto_pub -h 127.0.0.1 -p "$SD_MQTT_PORT" -q 1 -l \
		-t nodes/a/net/tablequery/result <"$SD_WORK/answers" || die "mosquitto_pub"
	services_in() { [ "$(kernel_count a services)" -ge "$target" ]; }
	WAIT_POLL=1 wait_until 1200 services_in || die "node a's kernel has $(kernel_count a services) of $target services"
	t1=$(awk '{print $1}' /proc/uptime)
	say "node a installed $want services ($((2 * want)) addresses, $want instances) in $(echo "$t1 - $t0" | bc) s (guest)"
	sleep 5	# a few interest ticks with the full table
	memrow "61 containers, $SERVICES known services (steady)"
	MAPS=$(rss_maps "${SD_PID[a]}")
	# Each answer is megabytes (the peak is in VmHWM); then semnetd's next
	# interest tick returns what is free.
	curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/status | wc -c |
		sed 's/^/# GET \/status: /; s/$/ bytes/'
	sleep 2
	memrow "  2 s after GET /status"
	curl -s --unix-socket "$SD_WORK/a.sock" http://localhost/metrics | wc -c |
		sed 's/^/# GET \/metrics: /; s/$/ bytes/'
	sleep 2
	memrow "  2 s after GET /metrics"
	kill -TERM "${SD_PID[a]}"
	wait "${SD_PID[a]}"
	sd_start a || die "semnetd a does not restart"
	wait_for_output 30 ready sd_status a .state || die "semnetd a not ready after restart"
	sleep 5
	memrow "  restarted (adopts the kernel's table)"
fi
tables
