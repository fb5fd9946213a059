#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The managers end to end on loopback: semnet-root, semnet-cluster, a real
# mosquitto broker, curl as the orchestrator and mosquitto_pub/_sub as the
# nodes. Register -> node subnets -> deploy a service and instances -> table
# queries over MQTT -> undeploy -> the update reaches the interested node;
# then retries, interests, restarts and kill -9.
# shellcheck disable=SC2317 # helpers run through wait_until
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh
tap_need mosquitto mosquitto_pub mosquitto_sub curl

# status_has TEXT: the cluster's status includes TEXT
status_has() { curl -s "$CLUSTER/api/net/status" | grep -qF "$1"; }
# root_lists REGEX: the root's instance list of the service matches REGEX
root_lists() { curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1" | grep -q "$1"; }
# root_locates N: the root's instance list gives instance N a location
root_locates() {
	curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1" |
		jq -e --argjson n "$1" '.instance_list[] | select(.instance_number == $n) | .namespace_ip' >/dev/null
}
root_locates_not() { ! root_locates "$1"; }
# log_count FILE REGEX: lines of FILE matching REGEX
log_count() { grep -c "$2" "$1"; }
# updates: messages so far on the job's updates_available topic
updates() { mqtt_count "jobs/$JOB/updates_available"; }
# subnets_free: the root's count of free node subnets
subnets_free() { curl -s "$ROOT/api/net/status" | grep -o '"subnets_free":[0-9]*' | cut -d: -f2; }

it_build
start_broker
start_root --log-level debug
start_listener
start_cluster c1
tap_ok "semnet-cluster registered with the root and connected to the broker"

JOB=app.ns.web.prod
# --- node subnets and the registry ------------------------------------------
r=$(mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result \
	'{"METHOD":"GET","host_ip":"127.0.0.1","host_port":4754}')
V6='"addressv6":"[0-9a-f:]*","prefix_len":26(,"prefix_len_v6":120)?\}$'	# "" without root v6
tap_match "node n1 gets a subnet over MQTT" "$r" '^\{"address":"172.16.0.0",'"$V6"
mqtt_match "node n2 gets the next one" '^\{"address":"172.16.0.64",'"$V6" \
	nodes/n2/net/subnet nodes/n2/net/subnetwork/result '{"METHOD":"GET"}'
mqtt_match "asking again gives the same subnet" '^\{"address":"172.16.0.0",'"$V6" \
	nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "the node registry is retained for late subscribers" "$r" \
	'"nodes":\[\{"node_id":"n1","subnet":"172.16.0.0/26","host_ip":"127.0.0.1","host_port":4754,"tunnel":"gre-udp","subnet_v6":[^}]*\},\{"node_id":"n2","subnet":"172.16.0.64/26","host_ip":null,"host_port":null,"tunnel":null,"subnet_v6":[^}]*\}\]'
tap_eq "and it carries the links policy, gre-udp by default (issue 18)" \
	"$(jq -c '.links' <<<"$r")" '{"policy":"gre-udp"}'

# --- the orchestrator deploys -------------------------------------------------
r=$(http POST "$ROOT/api/net/service/deploy" \
	'{"_id":"job1","deployment_descriptor":{"app_name":"app","app_ns":"ns","service_name":"web","service_ns":"prod"}}')
tap_match "the root allocates the service's addresses" "$r" '^200 .*"RR_ip":"172.30.0.1".*"closest_ip":"172.30.0.2"'
for n in 0 1; do
	http POST "$ROOT/api/net/instance/deploy" "{\"_id\":\"job1\",\"instance_number\":$n,\"cluster_id\":\"c1\"}" >"$WORK/inst$n"
done
tap_match "and two InstanceIPs" "$(cat "$WORK/inst0" "$WORK/inst1")" '"instance_ip":"172.30.0.3".*"instance_ip":"172.30.0.4"'
http_eq "the cluster accepts the deployment" "200 {\"job_name\":\"$JOB\"}" \
	POST "$CLUSTER/api/net/deployment" "{\"job_name\":\"$JOB\",\"job_id\":\"job1\"}"

mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":0,\"nsip\":\"172.16.0.2\",\"nsipv6\":\"\",\"host_ip\":\"127.0.0.1\",\"host_port\":\"4754\"}"
mqtt_pub nodes/n2/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":1,\"nsip\":\"172.16.0.66\",\"host_ip\":\"127.0.0.2\",\"host_port\":50103}"
mqtt_pub nodes/n2/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":7,\"nsip\":\"172.16.0.5\",\"host_ip\":\"127.0.0.2\",\"host_port\":50103}"
wait_until 5 status_has '"root_calls_pending":0'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "a deployed report teaches the registry n2's underlay address" "$r" \
	'"node_id":"n2","subnet":"172.16.0.64/26","host_ip":"127.0.0.2","host_port":50103,"tunnel":"ipudp"'
tap_run "a report with a nsIP outside the node's subnet is refused" \
	grep -q "nsip is outside the node's subnet" "$WORK/cluster-c1.log"

# --- a node's underlay address changes ------------------------------------------
mqtt_pub nodes/n1/net/service/address-changed "{\"appname\":\"$JOB\",\"instance_number\":0,\"host_ip\":\"127.0.0.3\",\"host_port\":4754}"
wait_until 5 root_lists '"host_ip":"127.0.0.3"'
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "an address-changed report reaches the root as net_deploy_status" "$r" \
	'"instance_number":0,"instance_ip":"172.30.0.3",.*"namespace_ip":"172.16.0.2",.*"host_ip":"127.0.0.3","host_port":4754'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "and updates the node registry" "$r" '"node_id":"n1","subnet":"172.16.0.0/26","host_ip":"127.0.0.3"'

# --- table queries from a node --------------------------------------------------
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result "{\"sname\":\"$JOB\",\"sip\":\"\"}")
tap_match "a table query by name answers with both instances" "$r" \
	"^\\{\"app_name\":\"$JOB\",.*\"instance_number\":0,\"instance_ip\":\"172.30.0.3\",\"instance_ip_v6\":(null|\"[0-9a-f:]+\"),\"namespace_ip\":\"172.16.0.2\",\"namespace_ip_v6\":null,\"host_ip\":\"127.0.0.3\",\"host_port\":4754,\"tunnel\":\"gre-udp\".*\"instance_number\":1,\"instance_ip\":\"172.30.0.4\",.*\"namespace_ip\":\"172.16.0.66\".*\"tunnel\":\"ipudp\""
tap_match "and carries the query key" "$r" "\"query_key\":\"$JOB\"\\}\$"
tap_match "entries list RR, Closest and instance_ip" "$r" \
	'"service_ip":\[\{"IpType":"RR","Address":"172.30.0.1","Address_v6":(null|"[0-9a-f:]+")\},\{"IpType":"Closest","Address":"172.30.0.2","Address_v6":(null|"[0-9a-f:]+")\},\{"IpType":"instance_ip","Address":"172.30.0.3","Address_v6":(null|"[0-9a-f:]+")\}\]'
kill -STOP "$ROOT_PID"
mqtt_match "with the root frozen, a query by RR address is answered from the cluster's store" "^\\{\"app_name\":\"$JOB\",.*\"query_key\":\"172.30.0.1\"\\}\$" \
	nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sip":"172.30.0.1"}'
mqtt_match "so is a query by InstanceIP" "^\\{\"app_name\":\"$JOB\"" \
	nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sip":"172.30.0.4"}'
kill -CONT "$ROOT_PID"
mqtt_match "an unknown service gets an empty answer with the root's error" '^\{"app_name":"","instance_list":\[\],"query_key":"no.such.service.here","error":"no service named no.such.service.here"\}$' \
	nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname":"no.such.service.here"}'
mqtt_match "malformed JSON gets an error answer" '"error":"malformed JSON' \
	nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname": oops'
mqtt_match "a bad service name gets an error answer" '"error":"sname .a.b. is not app.appns.svc.svcns"' \
	nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname":"a.b"}'

# --- undeploy: the update reaches the interested node -------------------------
before=$(mqtt_count "jobs/$JOB/updates_available")
http_match "the orchestrator undeploys instance 1 at the root" '^200 .*"released":\[1\]' \
	DELETE "$ROOT/api/net/job1/1"
r=$(mqtt_wait "jobs/$JOB/updates_available" $((before + 1)))
tap_eq "the interested node is told on jobs/<job>/updates_available" "$r" \
	"{\"type\":\"UNDEPLOYMENT\",\"job_name\":\"$JOB\",\"instance_number\":1}"
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result "{\"sname\":\"$JOB\"}")
tap_match "its re-query no longer lists instance 1" "$r" '"instance_number":0,'
tap_eq "and lists only instance 0" "$(echo "$r" | grep -o '"instance_number"' | wc -l)" 1
# The node engine removes the container; n2 says so.
before=$(mqtt_count "jobs/$JOB/updates_available")
mqtt_pub nodes/n2/net/service/undeployed "{\"appname\":\"$JOB\",\"instance_number\":1}"
r=$(mqtt_wait "jobs/$JOB/updates_available" $((before + 1)))
tap_eq "an undeployed report from a node tells the cluster's nodes too" "$r" \
	"{\"type\":\"UNDEPLOYMENT\",\"job_name\":\"$JOB\",\"instance_number\":1}"

# --- updates are retried while the cluster is down ----------------------------
stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster"
before=$(mqtt_count "jobs/$JOB/updates_available")
http POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":2,"cluster_id":"c1"}' >/dev/null
r=$(http POST "$ROOT/api/net/service/net_deploy_status" \
	'{"job_id":"job1","instances":[{"instance_number":2,"namespace_ip":"172.16.0.3","host_ip":"127.0.0.1","host_port":4754}]}')
tap_match "an instance lands while the cluster is down" "$r" '^200 '
tap_wait "the root retries the push with backoff" 5 grep -q "job update .* to cluster c1 failed" "$WORK/root.log"
# The pending update is in the root's outbox: it survives a kill -9 of the root.
ROOT_PORT=$(cat "$WORK/root.port")
kill -9 "$ROOT_PID"
wait "$ROOT_PID" 2>/dev/null
start_root --log-level debug
ROOT_PORT=
kill -STOP "$ROOT_PID"
start_cluster_frozen_root() {	# the root is frozen: do not wait for registration
	"$SEMNET_BUILD/bin/semnet-cluster" --cluster-id c1 --listen 127.0.0.1 --port 0 \
		--ready-file "$WORK/cluster-c1.port" --db "$WORK/cluster-c1.db" --sync normal \
		--root-url "$ROOT" --mqtt-host 127.0.0.1 --mqtt-port "$MQTT_PORT" --root-timeout-ms 500 \
		--retry-backoff-ms 50 --retry-backoff-max-ms 200 2>>"$WORK/cluster-c1.log" &
	CLUSTER_PID=$!
	PIDS="$PIDS $CLUSTER_PID"
	wait_file "$WORK/cluster-c1.port"
	CLUSTER="http://127.0.0.1:$(cat "$WORK/cluster-c1.port")"
}
rm -f "$WORK/cluster-c1.port"
start_cluster_frozen_root
mqtt_match "after a restart, with the root frozen, n1 keeps its subnet (the cluster's store)" '^\{"address":"172.16.0.0",'"$V6" \
	nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}'
r=$(curl -s "$CLUSTER/api/net/nodes")
tap_match "the restarted cluster still knows both nodes" "$r" '"node_id":"n1".*"node_id":"n2","subnet":"172.16.0.64/26","host_ip":"127.0.0.2"'
kill -CONT "$ROOT_PID"
r=$(mqtt_wait "jobs/$JOB/updates_available" $((before + 1)))
tap_eq "once the cluster is back, the update (kept across the root's kill -9) reaches the node" "$r" \
	"{\"type\":\"DEPLOYMENT\",\"job_name\":\"$JOB\",\"instance_number\":2}"

# --- interests -----------------------------------------------------------------
mqtt_pub nodes/n2/net/interest/remove "{\"appname\":\"$JOB\"}"
tap_wait "the last node's interest removal drops the cluster's interest at the root" 5 \
	grep -q "DELETE /api/net/interest/$JOB?cluster_id=c1 -> 200" "$WORK/root.log"
before=$(updates)
http DELETE "$ROOT/api/net/job1/2" >/dev/null
stays_for 1 "$before" updates
tap_eq "after that, undeployments no longer reach the nodes" "$(mqtt_count "jobs/$JOB/updates_available")" "$before"

stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster (restarted)"
start_cluster c1 --interest-idle-s 1
mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result "{\"sname\":\"$JOB\"}" >/dev/null
before=$(mqtt_count "jobs/$JOB/updates_available")
http POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":3,"cluster_id":"c1"}' >/dev/null
http POST "$ROOT/api/net/service/net_deploy_status" \
	'{"job_id":"job1","instances":[{"instance_number":3,"namespace_ip":"172.16.0.4","host_ip":"127.0.0.1","host_port":4754}]}' >/dev/null
r=$(mqtt_wait "jobs/$JOB/updates_available" $((before + 1)))
tap_match "a fresh query makes the node interested again" "$r" '"type":"DEPLOYMENT"'
drops=$(log_count "$WORK/cluster-c1.log" "no node is interested in $JOB any more")
wait_for_counter 5 $((drops + 1)) log_count "$WORK/cluster-c1.log" "no node is interested in $JOB any more"
tap_eq "an idle interest expires" "$(grep -c "no node is interested in $JOB any more" "$WORK/cluster-c1.log")" \
	$((drops + 1))
before=$(updates)
http DELETE "$ROOT/api/net/job1/3" >/dev/null
stays_for 1 "$before" updates
tap_eq "and the expired node hears no more updates" "$(mqtt_count "jobs/$JOB/updates_available")" "$before"

# --- bad input over MQTT does not hurt ------------------------------------------
mqtt_pub nodes/ghost/net/service/deployed "{\"appname\":\"$JOB\",\"instance_number\":0,\"nsip\":\"172.16.0.2\",\"host_ip\":\"127.0.0.1\",\"host_port\":1}"
mqtt_pub 'nodes/bad node/net/subnet' '{}'
mqtt_pub nodes/n1/net/service/deployed '[]'
mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"instance_number\":-4}"
mqtt_match "a bad host_ip in a subnet request gets an error answer" "\"error\":\"field 'host_ip' must be an IPv4 or IPv6 address\"" \
	nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET","host_ip":"nope"}'
r=$(curl -s "$CLUSTER/api/net/status")
tap_match "the cluster survives malformed node messages" "$r" '"registered":true'
http_match "a bad job update gets a 400" '^400 \{"error":' \
	POST "$CLUSTER/api/net/job/update" '{"job_name":"x","type":"DEPLOYMENT"}'
http_match "a bad deployment gets a 400" "^400 \\{\"error\":\"field 'job_name' must be a string\"\\}" \
	POST "$CLUSTER/api/net/deployment" '{"job_name":7}'

# --- a node reports an undeployment: the root stops listing the instance --------
mqtt_pub nodes/n1/net/service/undeployed "{\"appname\":\"$JOB\",\"instance_number\":0}"
wait_until 5 root_locates_not 0
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "an undeployed report reaches the root as net_deploy_status UNDEPLOYED" "$r" '^\{"app_name":"app.ns.web.prod"'
tap_eq "which lists instance 0 without a location (as Oakestra's job document)" \
	"$(echo "$r" | jq -c '[.instance_list[] | select(.instance_number == 0) | has("namespace_ip", "host_ip", "instance_ip")]')" '[false,false,true]'

# --- the broker restarts -----------------------------------------------------------
restart_broker
start_listener
wait_until 10 status_has '"mqtt_connected":true'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 10 -t semnet/nodes)
tap_match "after a broker restart the cluster reconnects and republishes the registry" "$r" '"node_id":"n1"'
mqtt_match "and answers node queries again" "^\\{\"app_name\":\"$JOB\"" \
	nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result "{\"sname\":\"$JOB\"}"

# --- a node leaves ---------------------------------------------------------------
free_before=$(subnets_free)
http_match "a node is removed from the cluster" '^200 \{"node_id":"n2","instances_removed":0\}' \
	DELETE "$CLUSTER/api/net/node/n2"
http_match "removing it again is a 404" '^404 ' \
	DELETE "$CLUSTER/api/net/node/n2"
wait_for_counter 5 $((free_before + 1)) subnets_free
tap_eq "its subnet goes back to the root's pool" "$(($(subnets_free) - free_before))" 1
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "the retained registry no longer lists it" "$r" '"nodes":\[\{"node_id":"n1",[^]]*\}\]\}$'

# --- a report queued for a dead root survives the cluster's kill -9 -------------
# The queries above renewed n1's interest (1 s idle, no instance of its own
# left): its expiry queues an interest removal, which must not land behind
# the report below while the root is down.
wait_for_counter 5 2 log_count "$WORK/cluster-c1.log" "dropping the root's interest"
wait_until 5 status_has '"root_calls_pending":0'
http POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":4,"cluster_id":"c1"}' >/dev/null
ROOT_PORT=$(cat "$WORK/root.port")
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root (before the outbox test)"
fails=$(grep -c "queued call .* to the root failed" "$WORK/cluster-c1.log")
mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":4,\"nsip\":\"172.16.0.9\",\"host_ip\":\"127.0.0.3\",\"host_port\":4754}"
wait_for_counter 5 $((fails + 1)) log_count "$WORK/cluster-c1.log" "queued call .* to the root failed"
r=$(curl -s "$CLUSTER/api/net/status")
tap_match "with the root down the location report waits in the outbox" "$r" '"root_calls_pending":1'
kill -9 "$CLUSTER_PID"
wait "$CLUSTER_PID" 2>/dev/null
start_root
ROOT_PORT=
start_cluster c1
wait_until 10 root_lists '"namespace_ip":"172.16.0.9"'
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "after kill -9 and restart the cluster delivers it" "$r" \
	'"instance_number":4,"instance_ip":"172.30.0.[0-9]*",.*"namespace_ip":"172.16.0.9"'

# --- kill -9 mid-stream: subnets of 60 new nodes ---------------------------------
seq 100 159 | awk '{ print "nodes/m" $1 "/net/subnet" }' >"$WORK/m.topics"
# Paced (60 requests over about 3 s), so that the kill lands mid-stream
# however fast this machine answers or however slowly the wait polls.
(while read -r t; do mqtt_pub "$t" '{"METHOD":"GET"}'; sleep 0.05; done <"$WORK/m.topics") &
STREAM=$!
wait_for_counter 10 10 log_count "$WORK/mqtt.log" '^nodes/m[0-9]*/net/subnetwork/result {"address":"'
kill -9 "$CLUSTER_PID"
wait "$CLUSTER_PID" 2>/dev/null
wait "$STREAM" 2>/dev/null
grep '^nodes/m[0-9]*/net/subnetwork/result {"address":"' "$WORK/mqtt.log" |
	sed 's|^nodes/\(m[0-9]*\)/.*"address":"\([0-9.]*\)".*|\1 \2|' | sort -u >"$WORK/m.before"
got=$(wc -l <"$WORK/m.before")
if [ "$got" -ge 10 ] && [ "$got" -lt 60 ]; then
	tap_ok "kill -9 landed mid-stream ($got of 60 answered)"
else
	tap_fail "kill -9 landed mid-stream" "answered: $got"
fi
start_cluster c1 --links-policy auto	# link_checks reads it from the registry
: >"$WORK/m.after"
mapfile -t topics <"$WORK/m.topics"
for t in "${topics[@]}"; do
	node=$(echo "$t" | cut -d/ -f2)
	r=$(mqtt_request "$t" "nodes/$node/net/subnetwork/result" '{"METHOD":"GET"}')
	r=${r#*\"address\":\"}
	echo "$node ${r%%\"*}" >>"$WORK/m.after"
done
sort -o "$WORK/m.after" "$WORK/m.after"
tap_eq "after restart every node answered before the crash keeps its subnet" \
	"$(comm -23 "$WORK/m.before" "$WORK/m.after" | wc -l)" 0
tap_eq "all 60 nodes have distinct subnets" "$(cut -d' ' -f2 "$WORK/m.after" | grep -c '^172\.16\.')" 60
tap_eq "no subnet is shared" "$(cut -d' ' -f2 "$WORK/m.after" | sort | uniq -d | wc -l)" 0

# --- the cluster's v6 fields, end to end with semnet-root ------------------------
# A node gets a v6 /120, reports a v6 nsIP, and a v6 table query carries
# instance_ip_v6, namespace_ip_v6 and Address_v6 (managers-cluster-v6.sh
# checks the same against Oakestra's root's shapes).
# v6n_listed PREFIX: the cluster's node listing gives node v6n that v6 subnet
v6n_listed() { curl -s "$CLUSTER/api/net/nodes" | jq -e --arg s "$1" '.nodes[] | select(.node_id == "v6n") | .subnet_v6 == $s' >/dev/null; }
# root_has_ns6 ADDR: the root lists instance 0 of app.ns.vsix.prod with that v6 nsIP
root_has_ns6() { curl -s "$ROOT/api/net/service/app_ns_vsix_prod/instances?cluster_id=c1" | grep -qF "\"namespace_ip_v6\":\"$1\""; }
# plus ADDR N: the address N after ADDR (either family)
plus() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]) + int(sys.argv[2]))' "$1" "$2"; }
cluster_v6_checks() {
	local r sub6 nsip rr6 iip6 ns6
	r=$(mqtt_request nodes/v6n/net/subnet nodes/v6n/net/subnetwork/result '{"METHOD":"GET"}')
	sub6=$(printf '%s' "$r" | jq -r .addressv6)
	if [ -z "$sub6" ]; then
		tap_skip "cluster v6 fields end to end" "semnet-root gives no v6 subnet"
		return
	fi
	tap_match "the cluster passes on the root's v6 subnet" "$r" '"addressv6":"[0-9a-f:]+","prefix_len":26,"prefix_len_v6":120\}$'
	nsip=$(plus "$(printf '%s' "$r" | jq -r .address)" 2)
	ns6=$(plus "$sub6" 2)
	tap_wait "the registry lists it" 5 v6n_listed "$sub6/120"
	r=$(http POST "$ROOT/api/net/service/deploy" \
		'{"_id":"job6","deployment_descriptor":{"app_name":"app","app_ns":"ns","service_name":"vsix","service_ns":"prod"}}')
	rr6=$(printf '%s' "${r#* }" | jq -r .RR_ip_v6)
	r=$(http POST "$ROOT/api/net/instance/deploy" '{"_id":"job6","instance_number":0,"cluster_id":"c1"}')
	iip6=$(printf '%s' "${r#* }" | jq -r .instance_ip_v6)
	http POST "$CLUSTER/api/net/deployment" '{"job_name":"app.ns.vsix.prod","job_id":"job6"}' >/dev/null
	mqtt_pub nodes/v6n/net/service/deployed "{\"appname\":\"app.ns.vsix.prod\",\"status\":\"DEPLOYED\",\"instance_number\":0,\"nsip\":\"$nsip\",\"nsipv6\":\"$ns6\",\"host_ip\":\"127.0.0.1\",\"host_port\":4754}"
	tap_wait "a reported nsipv6 reaches the root as namespace_ip_v6" 5 root_has_ns6 "$ns6"
	r=$(mqtt_request nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result "{\"sip\":\"$rr6\"}")
	tap_match "a table query by v6 RR address is answered" "$r" "\"query_key\":\"$rr6\"\\}\$"
	tap_match "with instance_ip_v6 and namespace_ip_v6" "$r" \
		"\"instance_ip_v6\":\"$iip6\",\"namespace_ip\":\"$nsip\",\"namespace_ip_v6\":\"$ns6\""
	tap_match "and Address_v6 of RR and instance_ip" "$r" \
		"\\{\"IpType\":\"RR\",\"Address\":\"[0-9.]+\",\"Address_v6\":\"$rr6\"\\}.*\\{\"IpType\":\"instance_ip\",\"Address\":\"[0-9.]+\",\"Address_v6\":\"$iip6\"\\}"
}
cluster_v6_checks

# --- a node on an IPv6-only underlay (issue 16) ----------------------------------
# Its host_ip is IPv6: the registry, the root and table answers carry it,
# in canonical text whatever the node wrote; a malformed one is refused by
# name and changes nothing.
# u6_registry REGEX: the retained registry's entry of node u6 matches
u6_registry() { mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes | jq -c '.nodes[] | select(.node_id == "u6")' | grep -q "$1"; }
# ul6_root_host: the root's host_ip of instance 0 of app.ns.ul6.prod
ul6_root_host() { curl -s "$ROOT/api/net/service/app_ns_ul6_prod/instances?cluster_id=c1" | jq -r '.instance_list[] | select(.instance_number == 0) | .host_ip'; }
ipv6_underlay_checks() {
	local r nsip
	r=$(mqtt_request nodes/u6/net/subnet nodes/u6/net/subnetwork/result \
		'{"METHOD":"GET","host_ip":"2001:DB8:0::7","host_port":4754,"tunnel":"gre-udp"}')
	tap_match "an IPv6 host_ip in a subnet request: the node gets its subnet" "$r" '^\{"address":"172\.16\.'
	nsip=$(plus "$(printf '%s' "$r" | jq -r .address)" 2)
	tap_wait "the registry lists it, canonical" 5 u6_registry '"host_ip":"2001:db8::7","host_port":4754,"tunnel":"gre-udp"'
	http POST "$ROOT/api/net/service/deploy" \
		'{"_id":"job7","deployment_descriptor":{"app_name":"app","app_ns":"ns","service_name":"ul6","service_ns":"prod"}}' >/dev/null
	http POST "$ROOT/api/net/instance/deploy" '{"_id":"job7","instance_number":0,"cluster_id":"c1"}' >/dev/null
	http POST "$CLUSTER/api/net/deployment" '{"job_name":"app.ns.ul6.prod","job_id":"job7"}' >/dev/null
	mqtt_pub nodes/u6/net/service/deployed "{\"appname\":\"app.ns.ul6.prod\",\"status\":\"DEPLOYED\",\"instance_number\":0,\"nsip\":\"$nsip\",\"nsipv6\":\"\",\"host_ip\":\"2001:db8:0:0::7\",\"host_port\":\"4754\"}"
	wait_for_output 5 2001:db8::7 ul6_root_host
	tap_eq "its deployed report reaches the root with the IPv6 host_ip" "$(ul6_root_host)" 2001:db8::7
	r=$(mqtt_request nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result '{"sname":"app.ns.ul6.prod"}')
	tap_match "a table answer carries it" "$r" "\"namespace_ip\":\"$nsip\",\"namespace_ip_v6\":null,\"host_ip\":\"2001:db8::7\",\"host_port\":4754,\"tunnel\":\"gre-udp\""
	mqtt_pub nodes/u6/net/service/address-changed '{"appname":"app.ns.ul6.prod","instance_number":0,"host_ip":"2001:db8::8","host_port":4754}'
	wait_for_output 5 2001:db8::8 ul6_root_host
	tap_eq "an address change to another IPv6 address reaches the root" "$(ul6_root_host)" 2001:db8::8
	tap_run "and the registry" u6_registry '"host_ip":"2001:db8::8"'
	mqtt_match "a malformed IPv6 host_ip is refused by name" "\"error\":\"field 'host_ip' must be an IPv4 or IPv6 address\"" \
		nodes/u6/net/subnet nodes/u6/net/subnetwork/result '{"METHOD":"GET","host_ip":"2001:db8::8%eth0","host_port":4754}'
	mqtt_pub nodes/u6/net/service/address-changed '{"appname":"app.ns.ul6.prod","instance_number":0,"host_ip":"2001:db8::zz","host_port":4754}'
	mqtt_pub nodes/u6/net/service/address-changed '{"appname":"app.ns.ul6.prod","instance_number":0,"host_ip":"::ffff:10.0.0.1","host_port":4754}'
	tap_wait "both address changes are refused by name" 5 test "$(grep -c "node u6: address-changed report ignored: field 'host_ip' must be an IPv4 or IPv6 address" "$WORK/cluster-c1.log")" = 2
	tap_eq "and lose nothing: the root keeps the last good one" "$(ul6_root_host)" 2001:db8::8
	tap_run "so does the registry" u6_registry '"host_ip":"2001:db8::8"'
	http_match "the root refuses a malformed host_ip in net_deploy_status: 400" \
		"^400 \\{\"error\":\"field 'host_ip' must be an IPv4 or IPv6 address\"\\}" \
		POST "$ROOT/api/net/service/net_deploy_status" "{\"job_id\":\"job7\",\"instances\":[{\"instance_number\":0,\"namespace_ip\":\"$nsip\",\"host_ip\":\"fe80::1::2\",\"host_port\":4754}]}"
	tap_eq "and keeps what it had" "$(ul6_root_host)" 2001:db8::8
}
ipv6_underlay_checks

# --- a node's link facts (issue 18) -------------------------------------------
# An optional `link` in a subnet request is kept and published in the node's
# registry entry; a bad one is refused by name and changes nothing; a request
# without one drops it; nodes that never sent one (Oakestra's) have none.
# l1_registry: the retained registry's entry of node l1, compact
l1_registry() { mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes | jq -c '.nodes[] | select(.node_id == "l1")'; }
l1_has() { l1_registry | grep -qF "$1"; }
l1_has_not() { l1_registry | grep -q '"node_id":"l1"' && ! l1_has "$1"; }
link_checks() {
	local r key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
	local host='"METHOD":"GET","host_ip":"127.0.0.9","host_port":4754,"tunnel":"gre-udp"'
	r=$(mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result \
		"{$host,\"link\":{\"wg_key\":\"$key\",\"wg_port\":51820,\"underlay_prefix\":\"127.0.0.0/8\",\"kind_override\":\"encrypted\",\"relay\":true,\"later\":1}}")
	tap_match "a subnet request with link: the node gets its subnet" "$r" '^\{"address":"172\.16\.'
	tap_wait "the registry publishes its link (its unknown member left out)" 5 l1_has \
		"\"link\":{\"wg_key\":\"$key\",\"wg_port\":51820,\"underlay_prefix\":\"127.0.0.0/8\",\"kind_override\":\"encrypted\",\"relay\":true}}"
	tap_eq "the entry's other members are as before" "$(l1_registry | jq -c 'keys_unsorted')" \
		'["node_id","subnet","host_ip","host_port","tunnel","subnet_v6","link"]'
	mqtt_match "a link with a short key is refused by name" \
		"\"error\":\"link: field 'wg_key' is not the base64 of a 32-byte key\"" \
		nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host,\"link\":{\"wg_key\":\"AAEC\",\"wg_port\":51820}}"
	mqtt_match "a link with kind_override relay is refused by name" \
		"\"error\":\"link: field 'kind_override' must be \\\\\"direct\\\\\", " \
		nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host,\"link\":{\"wg_key\":\"$key\",\"wg_port\":51820,\"kind_override\":\"relay\"}}"
	tap_run "and neither changed the registry" l1_has '"kind_override":"encrypted","relay":true}'
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result \
		"{$host,\"link\":{\"wg_key\":\"$key\",\"wg_port\":51821}}" >/dev/null
	tap_wait "a changed link is published" 5 l1_has "\"link\":{\"wg_key\":\"$key\",\"wg_port\":51821}}"
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host}" >/dev/null
	tap_wait "a subnet request without link drops it" 5 l1_has_not '"link"'
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result \
		"{$host,\"link\":{\"underlay_prefix\":\"127.0.0.0/8\"}}" >/dev/null
	tap_wait "a link without WireGuard (direct only) is published as sent" 5 l1_has \
		'"link":{"underlay_prefix":"127.0.0.0/8"}}'
	# The discovery result (LINKS.md §4): stored, published, refused by name.
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result \
		"{$host,\"link\":{\"underlay_prefix\":\"127.0.0.0/8\",\"nat\":\"symmetric\",\"public_addr\":\"2001:db8::7\",\"port_preserved\":false}}" >/dev/null
	tap_wait "a link's nat, public_addr and port_preserved are published" 5 l1_has \
		'"link":{"underlay_prefix":"127.0.0.0/8","nat":"symmetric","public_addr":"2001:db8::7","port_preserved":false}}'
	mqtt_match "a nat without public_addr is refused by name" \
		"\"error\":\"link: field 'public_addr' is required with 'nat'\"" \
		nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host,\"link\":{\"nat\":\"eim\"}}"
	mqtt_match "an unknown nat is refused by name" \
		"\"error\":\"link: field 'nat' must be " \
		nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host,\"link\":{\"nat\":\"cone\",\"public_addr\":\"192.0.2.1\",\"port_preserved\":true}}"
	tap_run "and neither changed the registry" l1_has '"nat":"symmetric","public_addr":"2001:db8::7","port_preserved":false}}'
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result \
		"{$host,\"link\":{\"underlay_prefix\":\"127.0.0.0/8\"}}" >/dev/null
	tap_wait "a link without them drops them" 5 l1_has '"link":{"underlay_prefix":"127.0.0.0/8"}}'
	mqtt_match "a wg_port without wg_key is refused by name" \
		"\"error\":\"link: field 'wg_key' is required with 'wg_port'\"" \
		nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host,\"link\":{\"wg_port\":51820}}"
	tap_run "and left the registry as it was" l1_has '"link":{"underlay_prefix":"127.0.0.0/8"}}'
	tap_eq "the cluster started with --links-policy auto publishes it" \
		"$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes | jq -c '.links')" \
		'{"policy":"auto"}'
	mqtt_request nodes/l1/net/subnet nodes/l1/net/subnetwork/result "{$host}" >/dev/null
	tap_wait "a request without link drops it again" 5 l1_has_not '"link"'
	tap_eq "nodes that never sent a link have none in the registry" \
		"$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes | jq '[.nodes[] | select(has("link"))] | length')" 0
}
link_checks

stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster (after kill -9)"
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root"
tap_done
