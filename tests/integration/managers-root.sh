#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# semnet-root on loopback: registration, worker subnets to exhaustion,
# ServiceIPs and InstanceIPs, validation, concurrency, recycling, cluster
# identification, bad input, kill -9 durability; the IPv6 twins of each
# (Oakestra's layout: /120s of fc00::/96, InstanceIPs of fdff::/104, RR and
# Closest of fdff:2000::/104, as daemon/OAKESTRA.md section 5 says).
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh

it_build
start_root

# --- cluster registration ----------------------------------------------------
http_match "a cluster registers" '^200 .*"new":true' \
	POST "$ROOT/api/net/cluster" '{"cluster_id":"c1","cluster_address":"127.0.0.1","cluster_port":1}'
http_match "re-registration is idempotent (port as a string too)" '^200 .*"new":false' \
	POST "$ROOT/api/net/cluster" '{"cluster_id":"c1","cluster_address":"127.0.0.1","cluster_port":"1"}'

# --- worker subnets ----------------------------------------------------------
SUBNET1='200 {"subnet_addr":"172.16.0.0","subnet_addr_v6":"fc00::","prefix_len":26,"prefix_len_v6":120}'
http_eq "the first worker subnets, v4 and v6 (a string, as Oakestra's cluster needs)" "$SUBNET1" \
	GET "$ROOT/api/net/subnet?cluster_id=c1&node_id=n1"
http_eq "a node asking again gets the same subnets" "$SUBNET1" \
	GET "$ROOT/api/net/subnet?cluster_id=c1&node_id=n1"
http_match "without cluster_id the source address identifies the cluster" '^200 .*"172.16.0.64","subnet_addr_v6":"fc00::100"' \
	GET "$ROOT/api/net/subnet"
http_match "an unknown cluster_id is a 404" '^404 \{"error":"unknown cluster' \
	GET "$ROOT/api/net/subnet?cluster_id=nosuch"

# The remaining 15,358 from 4 keep-alive connections at once, then one more.
seq 15358 | awk -v u="$ROOT/api/net/subnet?cluster_id=c1" '{ print "url = \"" u "\"" }' >"$WORK/subnets.curl"
start=$(date +%s.%N)
curl -s -w '\n' --parallel --parallel-max 4 --config "$WORK/subnets.curl" >"$WORK/subnets.out" 2>/dev/null
end=$(date +%s.%N)
tap_note "15358 subnet allocations in $(echo "$end - $start" | bc) s"
ok=$(grep -o '"subnet_addr":"172\.[0-9.]*"' "$WORK/subnets.out" | wc -l)
tap_eq "all 15,360 worker subnets are handed out" "$((ok + 2))" 15360
{ echo '"172.16.0.0"'; echo '"172.16.0.64"'; grep -o '"subnet_addr":"[0-9.]*"' "$WORK/subnets.out" | cut -d: -f2; } |
	sort -u >"$WORK/subnets.uniq"
tap_eq "no subnet is handed out twice" "$(wc -l <"$WORK/subnets.uniq")" 15360
tap_eq "none lies in the ServiceIP range" "$(grep -c '"172\.30\.' "$WORK/subnets.uniq")" 0
tap_eq "every subnet is /26-aligned" \
	"$(tr -d '"' <"$WORK/subnets.uniq" | awk -F. '$4 % 64 != 0' | wc -l)" 0
grep -o '"subnet_addr_v6":"[0-9a-f:]*"' "$WORK/subnets.out" | cut -d'"' -f4 | sort -u >"$WORK/subnets6.uniq"
tap_eq "each got a distinct v6 /120" "$(wc -l <"$WORK/subnets6.uniq")" 15358
tap_eq "every v6 subnet is a /120 of fc00::/96" \
	"$(grep -cvE '^fc00::([0-9a-f]{1,4}:)?([0-9a-f]{0,2}00|0)$' "$WORK/subnets6.uniq")" 0
http_match "subnet 15,361 fails with a clear message" '^409 \{"error":"worker subnets exhausted: all 15360 /26 subnets of 172.16.0.0/12 \(minus 172.30.0.0/16\)' \
	GET "$ROOT/api/net/subnet?cluster_id=c1"
http_match "a subnet is released" '^200 \{"released":"172.16.0.64"\}' \
	DELETE "$ROOT/api/net/subnet/172_16_0_64?cluster_id=c1"
http_match "and handed out again" '^200 \{"subnet_addr":"172.16.0.64"' \
	GET "$ROOT/api/net/subnet?cluster_id=c1"
http_match "a subnet is released by its v6 address (colons in the path)" '^200 \{"released":"fc00::200"\}' \
	DELETE "$ROOT/api/net/subnet/fc00::200?cluster_id=c1"
http_match "which frees its v4 twin: handed out again" '^200 \{"subnet_addr":"172.16.0.128"' \
	GET "$ROOT/api/net/subnet?cluster_id=c1"

# --- services --------------------------------------------------------------
desc='"deployment_descriptor":{"app_name":"app","app_ns":"ns","service_name":"web","service_ns":"prod"}'
http_eq "a service gets an RR and a Closest address in each family" '200 {"job_id":"job1","job_name":"app.ns.web.prod","RR_ip":"172.30.0.1","RR_ip_v6":"fdff:2000::1","closest_ip":"172.30.0.2","closest_ip_v6":"fdff:2000::2"}' \
	POST "$ROOT/api/net/service/deploy" "{\"_id\":\"job1\",$desc}"
http_match "deploying it again is idempotent" '^200 .*"RR_ip":"172.30.0.1"' \
	POST "$ROOT/api/net/service/deploy" "{\"_id\":\"job1\",$desc}"
http_match "the same name under another id is a conflict" '^409 \{"error":' \
	POST "$ROOT/api/net/service/deploy" "{\"_id\":\"job9\",$desc}"
http_match "a requested RR_ip is honoured" '^200 .*"RR_ip":"172.30.9.9"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job2","deployment_descriptor":{"job_name":"a.b.c.d","RR_ip":"172.30.9.9"}}'
http_match "a requested RR_ip in use is refused" '^409 \{"error":"RR_ip 172.30.9.9 is already in use"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job3","deployment_descriptor":{"job_name":"a.b.c.e","RR_ip":"172.30.9.9"}}'
http_match "a requested RR_ip outside the range is refused" '^400 \{"error":"RR_ip 10.0.0.1 is not a usable address' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job3","deployment_descriptor":{"job_name":"a.b.c.e","RR_ip":"10.0.0.1"}}'
http_match "the range's broadcast address is refused" '^400 ' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job3","deployment_descriptor":{"job_name":"a.b.c.e","RR_ip":"172.30.255.255"}}'
http_match "a requested RR_ip_v6 is honoured, in canonical text" '^200 .*"RR_ip_v6":"fdff:2000::99"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job6","deployment_descriptor":{"job_name":"a.b.c.f","RR_ip_v6":"FDFF:2000:0::0099"}}'
http_match "another spelling of it is refused as taken (not Oakestra's duplicate)" '^400 \{"error":"RR_ip_v6 fdff:2000::99 is already in use by service a.b.c.f"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job7","deployment_descriptor":{"job_name":"a.b.c.g","RR_ip_v6":"fdff:2000:0:0:0:0:0:99"}}'
http_match "a requested RR_ip_v6 outside the v6 service range is refused" '^400 \{"error":"RR_ip_v6 fd00::1 is outside the IPv6 service range fdff::/16"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job7","deployment_descriptor":{"job_name":"a.b.c.g","RR_ip_v6":"fd00::1"}}'
http_match "a malformed RR_ip_v6 is a 400" "^400 \\{\"error\":\"RR_ip_v6 'fdff:2000::zz' is not an IPv6 address\"" \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job7","deployment_descriptor":{"job_name":"a.b.c.g","RR_ip_v6":"fdff:2000::zz"}}'
http_match "so is an IPv4 RR_ip_v6" '^400 ' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job7","deployment_descriptor":{"job_name":"a.b.c.g","RR_ip_v6":"10.30.0.1"}}'
http_match "a service is found by its v6 RR (colons in the path)" '^200 .*"_id":"job6","job_name":"a.b.c.f".*"RR_ip_v6":"fdff:2000::99"' \
	GET "$ROOT/api/net/service/ip/fdff:2000::99/instances?cluster_id=c1"
http_match "then removed, and its RR_ip_v6 can be requested again" '^200 ' \
	DELETE "$ROOT/api/net/service/job6"
http_match "by another service" '^200 .*"RR_ip_v6":"fdff:2000::99"' \
	POST "$ROOT/api/net/service/deploy" '{"_id":"job7","deployment_descriptor":{"job_name":"a.b.c.g","RR_ip_v6":"fdff:2000::99"}}'
http DELETE "$ROOT/api/net/service/job7" >/dev/null

# --- instances, concurrently -------------------------------------------------
seq 0 39 | xargs -P 8 -I N curl -s -w '\n' -X POST "$ROOT/api/net/instance/deploy" \
	-d '{"_id":"job1","instance_number":N,"cluster_id":"c1"}' >"$WORK/instances.out"
# Parallel curls share stdout: count matches, not lines.
tap_eq "40 concurrent instance deployments succeed" \
	"$(grep -o '"instance_ip":"172\.30\.[0-9.]*"' "$WORK/instances.out" | wc -l)" 40
tap_eq "and get 40 distinct InstanceIPs" \
	"$(grep -o '"instance_ip":"[0-9.]*"' "$WORK/instances.out" | sort -u | wc -l)" 40
tap_eq "and 40 distinct v6 InstanceIPs of fdff::/104" \
	"$(grep -oE '"instance_ip_v6":"fdff::[0-9a-f]{1,2}"' "$WORK/instances.out" | sort -u | wc -l)" 40
r=$(http POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":3,"cluster_id":"c1"}')
tap_eq "re-deploying an instance keeps its address" \
	"$(echo "$r" | grep -o '"instance_ip":"[0-9.]*"')" \
	"$(grep -o '"instance_number":3,"cluster_id":"c1","instance_ip":"[0-9.]*"' "$WORK/instances.out" |
		grep -o '"instance_ip":"[0-9.]*"')"

# --- where instances run -----------------------------------------------------
st='{"job_id":"job1","instances":[{"instance_number":0,"namespace_ip":"172.16.0.2","namespace_ip_v6":"","host_ip":"127.0.0.1","host_port":"50103"},{"instance_number":1,"namespace_ip":"172.16.0.3","namespace_ip_v6":"FC00:0::3","host_ip":"127.0.0.1","host_port":4754,"tunnel":"gre-udp"}]}'
http_eq "net_deploy_status records two instances" '200 {"job_id":"job1","updated":2}' \
	POST "$ROOT/api/net/service/net_deploy_status" "$st"
http_match "a namespace_ip outside the worker subnets is refused" '^400 \{"error":"namespace_ip 172.30.0.5 is not in a worker subnet' \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":2,"namespace_ip":"172.30.0.5","host_ip":"127.0.0.1","host_port":1}]}'
http_match "an unknown instance is a 404" '^404 ' \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":77,"namespace_ip":"172.16.0.9","host_ip":"127.0.0.1","host_port":1}]}'
http_match "a malformed namespace_ip_v6 is refused" "^400 \\{\"error\":\"namespace_ip_v6 'fc00::zz' is not an IPv6 address" \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":2,"namespace_ip":"172.16.0.9","namespace_ip_v6":"fc00::zz","host_ip":"127.0.0.1","host_port":1}]}'
http_match "a namespace_ip_v6 in the service range is refused" '^400 \{"error":"namespace_ip_v6 fdff::9 is not in a worker subnet' \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":2,"namespace_ip":"172.16.0.9","namespace_ip_v6":"fdff::9","host_ip":"127.0.0.1","host_port":1}]}'
r=$(http GET "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "a table query by name lists the located instances" "$r" \
	'^200 \{"app_name":"app.ns.web.prod".*"instance_number":0,.*"namespace_ip":"172.16.0.2".*"host_port":50103,"tunnel":"ipudp".*"instance_number":1,.*"tunnel":"gre-udp"'
# Every instance, as Oakestra's job document: those not located yet
# without namespace_ip, host_ip, host_port.
tap_eq "every instance is listed, only the two located ones with a location" \
	"$(echo "${r#200 }" | jq -c '[(.instance_list | length), [.instance_list[] | select(.namespace_ip) | .instance_number], [.instance_list[] | select(.host_ip or .host_port or .tunnel) | .instance_number]]')" \
	'[40,[0,1],[0,1]]'
tap_match "entries carry RR, Closest and instance_ip, each with Address_v6" "$r" '"service_ip":\[\{"IpType":"RR","Address":"172.30.0.1","Address_v6":"fdff:2000::1"\},\{"IpType":"Closest","Address":"172.30.0.2","Address_v6":"fdff:2000::2"\},\{"IpType":"instance_ip","Address":"172\.30\.[0-9.]*","Address_v6":"fdff::[0-9a-f]*"\}'
tap_match "the answer is also Oakestra's job document" "$r" \
	'"_id":"job1","job_name":"app.ns.web.prod","service_ip_list":\[\{"IpType":"RR","Address":"172.30.0.1","Address_v6":"fdff:2000::1"\}.*\],"RR_ip":"172.30.0.1","RR_ip_v6":"fdff:2000::1"'
tap_match "an instance carries instance_ip_v6, and namespace_ip_v6 as reported (canonical)" "$r" \
	'"instance_number":1,"instance_ip":"[0-9.]*","instance_ip_v6":"fdff::[0-9a-f]*","namespace_ip":"172.16.0.3","namespace_ip_v6":"fc00::3".*"cluster_id":"c1"'
iip6=$(echo "$r" | grep -o '"instance_number":1,"instance_ip":"[0-9.]*","instance_ip_v6":"[0-9a-f:]*"' | cut -d'"' -f10)
http_match "a table query by v6 InstanceIP finds the service" '^200 \{"app_name":"app.ns.web.prod"' \
	GET "$ROOT/api/net/service/ip/$iip6/instances?cluster_id=c1"
http_match "an unknown v6 address is a 404" '^404 \{"error":"no service owns fdff::ffff"' \
	GET "$ROOT/api/net/service/ip/fdff:0::ffff/instances?cluster_id=c1"
http_match "a v6 address outside the v6 service range is a 400" '^400 ' \
	GET "$ROOT/api/net/service/ip/fc00::1/instances?cluster_id=c1"
iip=$(grep -o '"instance_number":1,"cluster_id":"c1","instance_ip":"[0-9.]*"' "$WORK/instances.out" | cut -d'"' -f10)
http_match "a table query by InstanceIP finds the service" '^200 \{"app_name":"app.ns.web.prod"' \
	GET "$ROOT/api/net/service/ip/$(echo "$iip" | tr . _)/instances?cluster_id=c1"
http_match "a table query by Closest address finds the service" '^200 \{"app_name":"app.ns.web.prod"' \
	GET "$ROOT/api/net/service/ip/172_30_0_2/instances?cluster_id=c1"
http_match "an unknown address is a 404" '^404 \{"error":"no service owns 172.30.77.77"' \
	GET "$ROOT/api/net/service/ip/172_30_77_77/instances?cluster_id=c1"
http_match "an address outside the service range is a 400" '^400 ' \
	GET "$ROOT/api/net/service/ip/10_1_2_3/instances?cluster_id=c1"

http_eq "an UNDEPLOYED status report is accepted" '200 {"job_id":"job1","updated":1}' \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":1,"status":"UNDEPLOYED"}]}'
r=$(http GET "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_eq "and the instance is listed without a location" \
	"$(echo "${r#200 }" | jq -c '[[.instance_list[] | select(.namespace_ip) | .instance_number], (.instance_list | length)]')" '[[0],40]'
http_match "an unknown status is refused" "^400 \\{\"error\":\"field 'status' must be" \
	POST "$ROOT/api/net/service/net_deploy_status" '{"job_id":"job1","instances":[{"instance_number":1,"status":"GONE"}]}'

# --- cluster identification -------------------------------------------------
http POST "$ROOT/api/net/cluster" '{"cluster_id":"c2","cluster_address":"127.0.0.1","cluster_port":2}' >/dev/null
http_match "two clusters behind one address: the source cannot tell them apart" '^400 \{"error":"cannot tell the calling cluster: several are registered from 127.0.0.1' \
	GET "$ROOT/api/net/subnet"
http_match "an interest is dropped by cluster_id" '^200 .*"removed":true' \
	DELETE "$ROOT/api/net/interest/app.ns.web.prod?cluster_id=c1"
http_match "dropping it again removes nothing" '^200 .*"removed":false' \
	DELETE "$ROOT/api/net/interest/app.ns.web.prod?cluster_id=c1"

# --- bad input -----------------------------------------------------------------
http_match "malformed JSON: 400 with a JSON error" '^400 \{"error":"malformed JSON' \
	POST "$ROOT/api/net/service/deploy" '{"_id": "x", '
http_match "a JSON array body: 400" '^400 \{"error":"the body must be a JSON object"\}' \
	POST "$ROOT/api/net/service/deploy" '["_id"]'
http_match "a wrong type: 400 naming the field" "^400 \\{\"error\":\"field 'instance_number' must be an integer\"\\}" \
	POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":"seven","cluster_id":"c1"}'
http_match "an unknown job id: 404" '^404 \{"error":"no service with _id' \
	POST "$ROOT/api/net/instance/deploy" '{"_id":"nosuchjob","instance_number":1,"cluster_id":"c1"}'
long=$(printf 'a%.0s' $(seq 31))
http_match "an oversized name part: 400" '^400 \{"error":"job name' \
	POST "$ROOT/api/net/service/deploy" "{\"_id\":\"job5\",\"deployment_descriptor\":{\"job_name\":\"$long.b.c.d\"}}"
http_match "an oversized cluster id: 400" '^400 ' \
	POST "$ROOT/api/net/cluster" "{\"cluster_id\":\"$(printf 'c%.0s' $(seq 65))\",\"cluster_port\":1}"
http_match "an oversized path name: 400" '^400 ' \
	GET "$ROOT/api/net/service/$(printf 'x%.0s' $(seq 300))/instances?cluster_id=c1"
http_match "a non-numeric instance number: 400" '^400 ' \
	DELETE "$ROOT/api/net/job1/abc"
http_match "an unknown endpoint: 404 with a JSON error" '^404 \{"error":"no such endpoint' \
	GET "$ROOT/api/net/nothing/here/at/all"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$WORK/big.json" "$ROOT/api/net/cluster")
tap_eq "a body over 1 MiB: 413" "$code" 413
http_match "trailing garbage after JSON: 400" '^400 ' \
	POST "$ROOT/api/net/cluster" '{"cluster_id":"c1","cluster_port":1}x'

# --- removal and recycling ---------------------------------------------------
free_before=$(curl -s "$ROOT/api/net/status" | grep -o '"addresses_free":[0-9]*' | cut -d: -f2)
free6_before=$(curl -s "$ROOT/api/net/status" | grep -oE '"(instance|rr)_ips6_free":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
http_match "a service with instances cannot be removed" '^409 \{"error":"service job1 still has 40 instance' \
	DELETE "$ROOT/api/net/service/job1"
http_match "one instance is undeployed" '^200 \{"job_id":"job1","released":\[5\]\}' \
	DELETE "$ROOT/api/net/job1/5"
http_match "undeploying it again is a 404" '^404 ' \
	DELETE "$ROOT/api/net/job1/5"
http_match "-1 undeploys all the others" '^200 \{"job_id":"job1","released":\[0,1,2,3,4,6,' \
	DELETE "$ROOT/api/net/job1/-1"
http_match "then the service is removed" '^200 ' \
	DELETE "$ROOT/api/net/service/job1"
free_after=$(curl -s "$ROOT/api/net/status" | grep -o '"addresses_free":[0-9]*' | cut -d: -f2)
tap_eq "its 2 + 40 addresses return to the pool" "$((free_after - free_before))" 42
free6_after=$(curl -s "$ROOT/api/net/status" | grep -oE '"(instance|rr)_ips6_free":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
tap_eq "and its 2 + 40 v6 addresses to theirs" "$((free6_after - free6_before))" 42

stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root"

# --- kill -9 mid-stream: nothing committed is lost -------------------------
start_root --sync full
# One keep-alive curl posting 3000 allocations; killed once 100 are acknowledged.
seq 3000 | awk -v u="$ROOT/api/net/instance/deploy" '{
	if (NR > 1) print "next"
	printf "url = \"%s\"\ndata = \"{\\\"_id\\\":\\\"job2\\\",\\\"instance_number\\\":%d,\\\"cluster_id\\\":\\\"c1\\\"}\"\n", u, $1
	printf "silent\nwrite-out = \"\\n\"\n" }' >"$WORK/crash.curl"
: >"$WORK/crash.out"
curl --config "$WORK/crash.curl" >>"$WORK/crash.out" 2>/dev/null &
CURL_PID=$!
wait_until 10 lines_at_least 100 "$WORK/crash.out"
kill -9 "$ROOT_PID"
wait "$ROOT_PID" 2>/dev/null
wait "$CURL_PID" 2>/dev/null
grep -o '"instance_number":[0-9]*,"cluster_id":"c1","instance_ip":"[0-9.]*","instance_ip_v6":"[0-9a-f:]*"' "$WORK/crash.out" |
	sort >"$WORK/crash.acked"
acked=$(wc -l <"$WORK/crash.acked")
tap_note "$acked allocations acknowledged before kill -9"
if [ "$acked" -ge 100 ] && [ "$acked" -lt 3000 ]; then
	tap_ok "the kill landed mid-stream ($acked of 3000 acknowledged)"
else
	tap_fail "the kill landed mid-stream" "acknowledged: $acked"
fi
start_root
# Re-deploying is idempotent: each acknowledged instance must get its address back.
sed 's/"instance_number":\([0-9]*\),.*/\1/' "$WORK/crash.acked" | awk -v u="$ROOT/api/net/instance/deploy" '{
	if (NR > 1) print "next"
	printf "url = \"%s\"\ndata = \"{\\\"_id\\\":\\\"job2\\\",\\\"instance_number\\\":%d,\\\"cluster_id\\\":\\\"c1\\\"}\"\n", u, $1
	printf "silent\nwrite-out = \"\\n\"\n" }' >"$WORK/recheck.curl"
curl --config "$WORK/recheck.curl" 2>/dev/null |
	grep -o '"instance_number":[0-9]*,"cluster_id":"c1","instance_ip":"[0-9.]*","instance_ip_v6":"[0-9a-f:]*"' | sort >"$WORK/recheck.out"
lost=$(comm -23 "$WORK/crash.acked" "$WORK/recheck.out" | wc -l)
tap_eq "after restart every acknowledged InstanceIP, v4 and v6, is intact" "$lost" 0
seq 401 430 | xargs -P 4 -I N curl -s -w '\n' -X POST "$ROOT/api/net/instance/deploy" \
	-d '{"_id":"job2","instance_number":N,"cluster_id":"c1"}' >"$WORK/after.out"
cat "$WORK/crash.out" "$WORK/after.out" | grep -o '"instance_ip":"[0-9.]*"' | sort | uniq -d >"$WORK/dups"
tap_eq "new allocations after the crash collide with none" "$(wc -l <"$WORK/dups")" 0
cat "$WORK/crash.out" "$WORK/after.out" | grep -o '"instance_ip_v6":"[0-9a-f:]*"' | sort | uniq -d >"$WORK/dups6"
tap_eq "nor do their v6 InstanceIPs" "$(wc -l <"$WORK/dups6")" 0
http_eq "subnets survive the crash, v6 too" "$SUBNET1" \
	GET "$ROOT/api/net/subnet?cluster_id=c1&node_id=n1"
http_match "and the pool is still exhausted" '^409 ' \
	GET "$ROOT/api/net/subnet?cluster_id=c1"
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root after restart"

# --- configuration: a file, then flags over it ------------------------------
printf '{"profile":"oakestra","db":"%s","subnet_len":26,"push_max_attempts":3}\n' "$WORK/oak.db" >"$WORK/oak.json"
rm -f "$WORK/root.port"
"$SEMNET_BUILD/bin/semnet-root" --config "$WORK/oak.json" --listen 127.0.0.1 --port 0 \
	--ready-file "$WORK/root.port" --sync normal 2>>"$WORK/root.log" &
ROOT_PID=$!
PIDS="$PIDS $ROOT_PID"
wait_file "$WORK/root.port"
ROOT="http://127.0.0.1:$(cat "$WORK/root.port")"
r=$(curl -s "$ROOT/api/net/status")
tap_match "the oakestra profile from a config file: 1,024 worker /26s of 10.18.0.0/16" "$r" \
	'"worker_range":"10.18.0.0/16","service_range":"10.30.0.0/16","subnet_prefix_len":26,"subnets_total":1024'
http POST "$ROOT/api/net/cluster" '{"cluster_id":"c1","cluster_address":"127.0.0.1","cluster_port":1}' >/dev/null
tap_match "its IPv6 plan is Oakestra's layout" "$r" \
	'"platform6":"fc00::/7","service_range6":"fdff::/16","worker_window6":"fc00::/96","subnet_prefix_len6":120,"instance_window6":"fdff::/104","rr_window6":"fdff:2000::/104","subnets6_total":16777216,'
http_match "and hands out 10.18.0.0 and fc00:: first" '^200 \{"subnet_addr":"10.18.0.0","subnet_addr_v6":"fc00::"' \
	GET "$ROOT/api/net/subnet?cluster_id=c1"
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root (oakestra profile)"
out=$("$SEMNET_BUILD/bin/semnet-root" --worker-range 172.16.0.1/12 2>&1)
tap_match "a bad range flag is refused with a clear message" "$out" \
	"worker-range must be an IPv4 prefix like 172.16.0.0/12, not '172.16.0.1/12'"
out=$("$SEMNET_BUILD/bin/semnet-root" --rr-window6 fdff::/104 2>&1)
tap_match "overlapping v6 windows are refused" "$out" "instance-window6 and rr-window6 must not overlap"
printf '{"prot":1}' >"$WORK/bad.json"
out=$("$SEMNET_BUILD/bin/semnet-root" --config "$WORK/bad.json" 2>&1)
tap_match "an unknown config setting is refused" "$out" "unknown setting 'prot'"

tap_done
