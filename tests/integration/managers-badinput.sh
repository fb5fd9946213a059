#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input never crashes the managers: every REST endpoint of semnet-root
# and semnet-cluster gets malformed JSON, wrong types, out-of-range values,
# oversized strings and random bytes (fixed seed), and must answer each with
# a 4xx and a JSON error; nodes publish the same over MQTT. Then the daemons
# must still serve and shut down without sanitizer reports.
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh

it_build
start_broker
# shellcheck disable=SC2119 # no extra options
start_root
start_listener
start_cluster c1
http POST "$ROOT/api/net/service/deploy" '{"_id":"job1","deployment_descriptor":{"job_name":"a.b.c.d"}}' >/dev/null
mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}' >/dev/null

big=$(head -c 5000 /dev/zero | tr '\0' 'x')
# Bodies that are wrong in one way each; %s is replaced by the endpoint's field names below.
bodies() {
	printf '%s\n' \
		'' '{' '}' '[]' 'null' '7' '"s"' '{"a":1}{' '{"a":1,"a":2}' \
		"{\"$1\":null}" "{\"$1\":[]}" "{\"$1\":{}}" "{\"$1\":true}" "{\"$1\":1.5}" \
		"{\"$1\":-1}" "{\"$1\":99999999999999999999}" "{\"$1\":\"$big\"}" "{\"$1\":\"\"}" \
		"{\"$1\":\"a\\u0000b\"}" "{\"$1\":\"\\ud800\"}" "{\"$2\":\"$big\"}" "{\"$2\":[1,2]}" \
		"{\"$1\":\"x\",\"$2\":-5}" "{\"$1\":\"x\",\"$2\":\"65536\"}"
}

# check_endpoint METHOD URL FIELD1 FIELD2: every bad body gets a 4xx with {"error":...}
check_endpoint() {
	bad=0 total=0
	bodies "$3" "$4" >"$WORK/bodies"
	while IFS= read -r body; do
		total=$((total + 1))
		code=$(printf '%s' "$body" | curl -s -o "$WORK/out" -w '%{http_code}' -X "$1" \
			--data-binary @- "$2")
		case $code in
		4??) grep -q '^{"error":"' "$WORK/out" || bad=$((bad + 1)) ;;
		*) bad=$((bad + 1)); echo "# $1 $2 <- $(printf '%.60s' "$body"): $code $(head -c 200 "$WORK/out")" ;;
		esac
	done <"$WORK/bodies"
	tap_eq "$1 ${2#http://127.0.0.1:*/}: $total bad bodies, each a 4xx with a JSON error" "$bad" 0
}

check_endpoint POST "$ROOT/api/net/cluster" cluster_id cluster_port
check_endpoint POST "$ROOT/api/net/service/deploy" _id deployment_descriptor
check_endpoint POST "$ROOT/api/net/instance/deploy" _id instance_number
check_endpoint POST "$ROOT/api/net/service/net_deploy_status" job_id instances
check_endpoint POST "$CLUSTER/api/net/deployment" job_name job_id
check_endpoint POST "$CLUSTER/api/net/job/update" job_name instance_number

# Deeper: valid shapes with one bad member.
http_match "an RR_ip that is not an address: 400" "^400 \\{\"error\":\"field 'RR_ip' must be an IPv4 address\"\\}" \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job2","deployment_descriptor":{"job_name":"a.b.c.e","RR_ip":"172.30.0.300"}}'
http_match "a descriptor missing service_ns: 400" "^400 \\{\"error\":\"field 'service_ns' is required\"\\}" \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job2","deployment_descriptor":{"app_name":"a","app_ns":"b","service_name":"c"}}'
http_match "an instance entry that is not an object: 400" '^400 ' \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[7]}'
http_match "an unknown tunnel kind: 400" "^400 \\{\"error\":\"field 'tunnel' must be" \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":0,"namespace_ip":"172.16.0.2","host_ip":"127.0.0.1","host_port":1,"tunnel":"vxlan"}]}'
n=$(seq 1100 | awk '{ printf "%s{\"instance_number\":%d,\"namespace_ip\":\"172.16.0.2\",\"host_ip\":\"127.0.0.1\",\"host_port\":1}", (NR > 1 ? "," : ""), $1 }')
http_match "more than 1024 instances in one report: 400" '^400 ' \
	POST "$ROOT/api/net/service/net_deploy_status" "{\"job_id\":\"job1\",\"instances\":[$n]}"
http_match "a bad percent-escape in cluster_id: 400" '^400 ' \
	GET "$ROOT/api/net/service/a_b_c_d/instances?cluster_id=%ZZ"
http_match "a NUL inside cluster_id: 4xx" '^4[0-9][0-9] ' \
	GET "$ROOT/api/net/service/a_b_c_d/instances?cluster_id=c1%00x"
http_match "a wrong method: 405" '^405 \{"error":"method PUT not allowed' \
	PUT "$ROOT/api/net/cluster" '{}'
http_match "a path with 40 segments: 404" '^404 ' \
	GET "$ROOT/$(printf 'a/%.0s' $(seq 40))"

# Random bytes (fixed seed) to every POST endpoint.
mkdir -p "$WORK/random"
python3 -c 'import random, sys
r = random.Random(515)
for i in range(60):
    with open("%s/%02d.bin" % (sys.argv[1], i), "wb") as f:
        f.write(bytes(r.randrange(256) for _ in range(r.randrange(1, 300))))' "$WORK/random"
bad=0
for url in "$ROOT/api/net/cluster" "$ROOT/api/net/service/deploy" "$ROOT/api/net/instance/deploy" \
	"$ROOT/api/net/service/net_deploy_status" "$CLUSTER/api/net/deployment" "$CLUSTER/api/net/job/update"; do
	for f in "$WORK"/random/*.bin; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$f" "$url")
		case $code in 4??) ;; *) bad=$((bad + 1)) ;; esac
	done
done
tap_eq "360 random bodies: all refused with a 4xx" "$bad" 0

# The same over MQTT: the cluster must survive and keep answering.
for topic in subnet service/deployed service/undeployed service/address-changed \
	tablequery/request interest/remove; do
	while IFS= read -r body; do
		mqtt_pub "nodes/n1/net/$topic" "$body" 2>/dev/null
	done <"$WORK/bodies"
	for f in "$WORK"/random/0*.bin; do
		mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t "nodes/n1/net/$topic" -f "$f"
	done
done
mqtt_pub "nodes/$(printf 'n%.0s' $(seq 100))/net/subnet" '{"METHOD":"GET"}'
r=$(mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}')
tap_match "after ~200 bad node messages the cluster still answers" "$r" \
	'^\{"address":"172.16.0.0","addressv6":"[0-9a-f:]*","prefix_len":26(,"prefix_len_v6":120)?\}$'
r=$(curl -s "$ROOT/api/net/status")
tap_match "the root still serves" "$r" '"subnets_free":15359'

stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster"
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root"
tap_done
