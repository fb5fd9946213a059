#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Control-plane rates on loopback: semnet-root allocations and table queries
# over HTTP, and table queries over MQTT through semnet-cluster (answered
# from its store). Optimised build (build/user), fresh databases in a
# mktemp directory, curl and mosquitto_pub/_sub as clients. Prints a table.
#   BENCH_N=20000 tests/bench/managers.sh
cd "$(dirname "$0")/../integration" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
SEMNET_BUILD=${SEMNET_BENCH_BUILD:-$(cd ../.. && pwd)/build/user}
SEMNET_NO_BUILD=1
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh

N=${BENCH_N:-10000}
PAR=${BENCH_PARALLEL:-8}
make -s -C "$TOP/daemon" -j2 BUILD="$SEMNET_BUILD" \
	"$SEMNET_BUILD/bin/semnet-root" "$SEMNET_BUILD/bin/semnet-cluster" >"$WORK/build.log" 2>&1 ||
	{ cat "$WORK/build.log"; exit 1; }

now() { date +%s.%N; }
ROWS=""
# row WHAT COUNT START END OK: one line of the result table
row() {
	secs=$(echo "$4 - $3" | bc)
	rate=$(echo "$2 / $secs" | bc)
	ROWS="$ROWS$(printf '| %-52s | %7d | %7.2f | %9d |' "$1" "$5" "$secs" "$rate")
"
	[ "$5" -eq "$2" ] || echo "# warning: $1: only $5 of $2 succeeded" >&2
}

# curl_config FILE COUNT URL [DATA_FMT]: COUNT requests (DATA_FMT gets the index)
curl_config() {
	seq "$2" | awk -v u="$3" -v d="${4:-}" '{
		if (NR > 1) print "next"	# between entries only: a trailing one is an error
		printf "url = \"%s\"\n", u
		if (d != "") { body = sprintf(d, $1); gsub(/"/, "\\\"", body); printf "data = \"%s\"\n", body }
		printf "silent\nwrite-out = \"%%{http_code}\\n\"\noutput = /dev/null\n" }' >"$1"
}

# run_curl WHAT CONFIG COUNT [PARALLEL]
run_curl() {
	start=$(now)
	if [ "${4:-1}" -gt 1 ]; then
		curl --parallel --parallel-max "$4" --config "$2" >"$WORK/codes" 2>/dev/null
	else
		curl --config "$2" >"$WORK/codes" 2>/dev/null
	fi
	end=$(now)
	row "$1" "$3" "$start" "$end" "$(grep -c '^200$' "$WORK/codes")"
}

start_broker
for sync in normal full; do
	rm -f "$WORK/root.db"*
	start_root --sync "$sync" --log-level warn
	http POST "$ROOT/api/net/cluster" '{"cluster_id":"bench","cluster_address":"127.0.0.1","cluster_port":9}' >/dev/null
	curl_config "$WORK/sub.curl" "$N" "$ROOT/api/net/subnet?cluster_id=bench"
	run_curl "worker subnet allocation, sync=$sync, 1 client" "$WORK/sub.curl" "$N"
	http POST "$ROOT/api/net/service/deploy" \
		'{"_id":"benchjob","deployment_descriptor":{"job_name":"bench.ns.web.prod"}}' >/dev/null
	curl_config "$WORK/inst.curl" "$N" "$ROOT/api/net/instance/deploy" \
		'{"_id":"benchjob","instance_number":%d,"cluster_id":"bench"}'
	run_curl "InstanceIP allocation, sync=$sync, $PAR clients" "$WORK/inst.curl" "$N" "$PAR"
	kill "$ROOT_PID"
	wait "$ROOT_PID" 2>/dev/null
done

# Table queries: a service with 10 located instances.
rm -f "$WORK/root.db"*
start_root --sync normal --log-level warn
http POST "$ROOT/api/net/cluster" '{"cluster_id":"bench","cluster_address":"127.0.0.1","cluster_port":9}' >/dev/null
http POST "$ROOT/api/net/service/deploy" '{"_id":"benchjob","deployment_descriptor":{"job_name":"bench.ns.web.prod"}}' >/dev/null
for i in $(seq 0 9); do
	http POST "$ROOT/api/net/instance/deploy" "{\"_id\":\"benchjob\",\"instance_number\":$i,\"cluster_id\":\"bench\"}" >/dev/null
	http POST "$ROOT/api/net/service/net_deploy_status" \
		"{\"job_id\":\"benchjob\",\"instances\":[{\"instance_number\":$i,\"namespace_ip\":\"172.16.0.$((i + 2))\",\"host_ip\":\"127.0.0.1\",\"host_port\":4754}]}" >/dev/null
done
curl_config "$WORK/q.curl" "$N" "$ROOT/api/net/service/bench_ns_web_prod/instances?cluster_id=bench"
run_curl "table query by name at the root (HTTP), 1 client" "$WORK/q.curl" "$N"
run_curl "table query by name at the root (HTTP), $PAR clients" "$WORK/q.curl" "$N" "$PAR"
curl_config "$WORK/qip.curl" "$N" "$ROOT/api/net/service/ip/172_30_0_1/instances?cluster_id=bench"
run_curl "table query by RR address at the root, $PAR clients" "$WORK/qip.curl" "$N" "$PAR"

start_cluster bench --log-level warn
# mq_ready NODE: a message on bench/ready/NODE reaches the subscriber's log
mq_ready() {
	mqtt_pub "bench/ready/$1" x
	grep -q "^bench/ready/$1 " "$WORK/mq.out"
}
# mq_answers NODE: answers to NODE's queries in the subscriber's log
mq_answers() { grep -c "^nodes/$1/net/tablequery/result " "$WORK/mq.out"; }
mq() {	# mq WHAT NODE PAYLOAD: N queries from one node, until N answers arrive
	: >"$WORK/mq.out"
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -v -t "bench/ready/$2" \
		-t "nodes/$2/net/tablequery/result" >"$WORK/mq.out" 2>/dev/null &
	sub=$!
	wait_until 5 mq_ready "$2"	# subscribed before the first answer
	start=$(now)
	seq "$N" | sed "s/.*/$3/" | mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -l \
		-t "nodes/$2/net/tablequery/request"
	WAIT_POLL=0.01 wait_for_counter 120 "$N" mq_answers "$2"
	end=$(now)
	kill "$sub"
	wait "$sub" 2>/dev/null
	row "$1" "$N" "$start" "$end" "$(grep -c '"instance_list":\[{' "$WORK/mq.out")"
}
# The first query fills the cluster's cache; the rest are answered from it.
start_listener
mqtt_request nodes/b1/net/tablequery/request nodes/b1/net/tablequery/result \
	'{"sname":"bench.ns.web.prod"}' >/dev/null
kill "$LISTENER_PID"
mq "table query by name over MQTT (cluster store)" b1 '{"sname":"bench.ns.web.prod"}'
mq "table query by RR address over MQTT (cluster store)" b2 '{"sip":"172.30.0.1"}'

echo "semnet managers on loopback ($(nproc) CPUs, $N requests per row)"
echo "| operation                                            |      ok | seconds |  per sec. |"
echo "|------------------------------------------------------|---------|---------|-----------|"
printf '%s' "$ROWS"
