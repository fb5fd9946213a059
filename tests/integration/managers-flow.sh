#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The managers end to end on loopback: semnet-root, semnet-cluster, a real
# mosquitto broker, curl as the orchestrator and mosquitto_pub/_sub as the
# nodes. Register -> node subnets -> deploy a service and instances -> table
# queries over MQTT -> undeploy -> the update reaches the interested node;
# then retries, interests, restarts and kill -9.
cd "$(dirname "$0")" || exit 1
. ../lib/tap.sh
. ./managers-lib.sh

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
tap_eq "node n1 gets a subnet over MQTT" "$r" '{"address":"172.16.0.0","addressv6":null,"prefix_len":26}'
r=$(mqtt_request nodes/n2/net/subnet nodes/n2/net/subnetwork/result '{"METHOD":"GET"}')
tap_eq "node n2 gets the next one" "$r" '{"address":"172.16.0.64","addressv6":null,"prefix_len":26}'
r=$(mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}')
tap_eq "asking again gives the same subnet" "$r" '{"address":"172.16.0.0","addressv6":null,"prefix_len":26}'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "the node registry is retained for late subscribers" "$r" \
	'"nodes":\[\{"node_id":"n1","subnet":"172.16.0.0/26","host_ip":"127.0.0.1","host_port":4754,"tunnel":"gre-udp"\},\{"node_id":"n2","subnet":"172.16.0.64/26","host_ip":null,"host_port":null,"tunnel":null\}\]'

# --- the orchestrator deploys -------------------------------------------------
r=$(http POST "$ROOT/api/net/service/deploy" \
	'{"_id":"job1","deployment_descriptor":{"app_name":"app","app_ns":"ns","service_name":"web","service_ns":"prod"}}')
tap_match "the root allocates the service's addresses" "$r" '^200 .*"RR_ip":"172.30.0.1".*"closest_ip":"172.30.0.2"'
for n in 0 1; do
	http POST "$ROOT/api/net/instance/deploy" "{\"_id\":\"job1\",\"instance_number\":$n,\"cluster_id\":\"c1\"}" >"$WORK/inst$n"
done
tap_match "and two InstanceIPs" "$(cat "$WORK/inst0" "$WORK/inst1")" '"instance_ip":"172.30.0.3".*"instance_ip":"172.30.0.4"'
r=$(http POST "$CLUSTER/api/net/deployment" "{\"job_name\":\"$JOB\",\"job_id\":\"job1\"}")
tap_eq "the cluster accepts the deployment" "$r" "200 {\"job_name\":\"$JOB\"}"

mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":0,\"nsip\":\"172.16.0.2\",\"nsipv6\":\"\",\"host_ip\":\"127.0.0.1\",\"host_port\":\"4754\"}"
mqtt_pub nodes/n2/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":1,\"nsip\":\"172.16.0.66\",\"host_ip\":\"127.0.0.2\",\"host_port\":50103}"
mqtt_pub nodes/n2/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":7,\"nsip\":\"172.16.0.5\",\"host_ip\":\"127.0.0.2\",\"host_port\":50103}"
for i in $(seq 100); do
	curl -s "$CLUSTER/api/net/status" | grep -q '"root_calls_pending":0' && break
	sleep 0.05
done
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "a deployed report teaches the registry n2's underlay address" "$r" \
	'"node_id":"n2","subnet":"172.16.0.64/26","host_ip":"127.0.0.2","host_port":50103,"tunnel":"ipudp"'
grep -q "nsip is outside the node's subnet" "$WORK/cluster-c1.log" &&
	tap_ok "a report with a nsIP outside the node's subnet is refused" ||
	tap_fail "a report with a nsIP outside the node's subnet is refused"

# --- a node's underlay address changes ------------------------------------------
mqtt_pub nodes/n1/net/service/address-changed "{\"appname\":\"$JOB\",\"instance_number\":0,\"host_ip\":\"127.0.0.3\",\"host_port\":4754}"
for i in $(seq 100); do
	curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1" | grep -q '"host_ip":"127.0.0.3"' && break
	sleep 0.05
done
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "an address-changed report reaches the root as net_deploy_status" "$r" \
	'"instance_number":0,"instance_ip":"172.30.0.3",.*"namespace_ip":"172.16.0.2",.*"host_ip":"127.0.0.3","host_port":4754'
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "and updates the node registry" "$r" '"node_id":"n1","subnet":"172.16.0.0/26","host_ip":"127.0.0.3"'

# --- table queries from a node --------------------------------------------------
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result "{\"sname\":\"$JOB\",\"sip\":\"\"}")
tap_match "a table query by name answers with both instances" "$r" \
	"^\\{\"app_name\":\"$JOB\",.*\"instance_number\":0,\"instance_ip\":\"172.30.0.3\",\"instance_ip_v6\":null,\"namespace_ip\":\"172.16.0.2\",\"namespace_ip_v6\":null,\"host_ip\":\"127.0.0.3\",\"host_port\":4754,\"tunnel\":\"gre-udp\".*\"instance_number\":1,\"instance_ip\":\"172.30.0.4\",.*\"namespace_ip\":\"172.16.0.66\".*\"tunnel\":\"ipudp\""
tap_match "and carries the query key" "$r" "\"query_key\":\"$JOB\"\\}\$"
tap_match "entries list RR, Closest and instance_ip" "$r" \
	'"service_ip":\[\{"IpType":"RR","Address":"172.30.0.1","Address_v6":null\},\{"IpType":"Closest","Address":"172.30.0.2","Address_v6":null\},\{"IpType":"instance_ip","Address":"172.30.0.3","Address_v6":null\}\]'
kill -STOP "$ROOT_PID"
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sip":"172.30.0.1"}')
tap_match "with the root frozen, a query by RR address is answered from the cluster's store" "$r" \
	"^\\{\"app_name\":\"$JOB\",.*\"query_key\":\"172.30.0.1\"\\}\$"
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sip":"172.30.0.4"}')
tap_match "so is a query by InstanceIP" "$r" "^\\{\"app_name\":\"$JOB\""
kill -CONT "$ROOT_PID"
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname":"no.such.service.here"}')
tap_match "an unknown service gets an empty answer with the root's error" "$r" \
	'^\{"app_name":"","instance_list":\[\],"query_key":"no.such.service.here","error":"no service named no.such.service.here"\}$'
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname": oops')
tap_match "malformed JSON gets an error answer" "$r" '"error":"malformed JSON'
r=$(mqtt_request nodes/n2/net/tablequery/request nodes/n2/net/tablequery/result '{"sname":"a.b"}')
tap_match "a bad service name gets an error answer" "$r" '"error":"sname .a.b. is not app.appns.svc.svcns"'

# --- undeploy: the update reaches the interested node -------------------------
before=$(mqtt_count "jobs/$JOB/updates_available")
r=$(http DELETE "$ROOT/api/net/job1/1")
tap_match "the orchestrator undeploys instance 1 at the root" "$r" '^200 .*"released":\[1\]'
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
sleep 0.5
grep -q "job update .* to cluster c1 failed" "$WORK/root.log" && tap_ok "the root retries the push with backoff" ||
	tap_fail "the root retries the push with backoff"
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
r=$(mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}')
tap_eq "after a restart, with the root frozen, n1 keeps its subnet (the cluster's store)" "$r" \
	'{"address":"172.16.0.0","addressv6":null,"prefix_len":26}'
r=$(curl -s "$CLUSTER/api/net/nodes")
tap_match "the restarted cluster still knows both nodes" "$r" '"node_id":"n1".*"node_id":"n2","subnet":"172.16.0.64/26","host_ip":"127.0.0.2"'
kill -CONT "$ROOT_PID"
r=$(mqtt_wait "jobs/$JOB/updates_available" $((before + 1)))
tap_eq "once the cluster is back, the update (kept across the root's kill -9) reaches the node" "$r" \
	"{\"type\":\"DEPLOYMENT\",\"job_name\":\"$JOB\",\"instance_number\":2}"

# --- interests -----------------------------------------------------------------
mqtt_pub nodes/n2/net/interest/remove "{\"appname\":\"$JOB\"}"
for i in $(seq 100); do
	grep -q "interest/$JOB?cluster_id=c1 -> 200" "$WORK/root.log" && break
	sleep 0.05
done
grep -q "DELETE /api/net/interest/$JOB?cluster_id=c1 -> 200" "$WORK/root.log" &&
	tap_ok "the last node's interest removal drops the cluster's interest at the root" ||
	tap_fail "the last node's interest removal drops the cluster's interest at the root"
before=$(mqtt_count "jobs/$JOB/updates_available")
http DELETE "$ROOT/api/net/job1/2" >/dev/null
sleep 1
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
drops=$(grep -c "no node is interested in $JOB any more" "$WORK/cluster-c1.log")
sleep 2.5
tap_eq "an idle interest expires" "$(grep -c "no node is interested in $JOB any more" "$WORK/cluster-c1.log")" \
	$((drops + 1))
before=$(mqtt_count "jobs/$JOB/updates_available")
http DELETE "$ROOT/api/net/job1/3" >/dev/null
sleep 1
tap_eq "and the expired node hears no more updates" "$(mqtt_count "jobs/$JOB/updates_available")" "$before"

# --- bad input over MQTT does not hurt ------------------------------------------
mqtt_pub nodes/ghost/net/service/deployed "{\"appname\":\"$JOB\",\"instance_number\":0,\"nsip\":\"172.16.0.2\",\"host_ip\":\"127.0.0.1\",\"host_port\":1}"
mqtt_pub 'nodes/bad node/net/subnet' '{}'
mqtt_pub nodes/n1/net/service/deployed '[]'
mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"instance_number\":-4}"
r=$(mqtt_request nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET","host_ip":"nope"}')
tap_match "a bad host_ip in a subnet request gets an error answer" "$r" "\"error\":\"field 'host_ip' must be an IPv4 address\""
r=$(curl -s "$CLUSTER/api/net/status")
tap_match "the cluster survives malformed node messages" "$r" '"registered":true'
r=$(http POST "$CLUSTER/api/net/job/update" '{"job_name":"x","type":"DEPLOYMENT"}')
tap_match "a bad job update gets a 400" "$r" '^400 \{"error":'
r=$(http POST "$CLUSTER/api/net/deployment" '{"job_name":7}')
tap_match "a bad deployment gets a 400" "$r" "^400 \\{\"error\":\"field 'job_name' must be a string\"\\}"

# --- a node reports an undeployment: the root stops listing the instance --------
mqtt_pub nodes/n1/net/service/undeployed "{\"appname\":\"$JOB\",\"instance_number\":0}"
for i in $(seq 100); do
	curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1" | grep -q '"instance_number":0,' || break
	sleep 0.05
done
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "an undeployed report reaches the root as net_deploy_status UNDEPLOYED" "$r" '^\{"app_name":"app.ns.web.prod"'
tap_eq "which no longer lists instance 0" "$(echo "$r" | grep -c '"instance_number":0,')" 0

# --- the broker restarts -----------------------------------------------------------
restart_broker
start_listener
for i in $(seq 100); do
	curl -s "$CLUSTER/api/net/status" | grep -q '"mqtt_connected":true' && break
	sleep 0.1
done
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 10 -t semnet/nodes)
tap_match "after a broker restart the cluster reconnects and republishes the registry" "$r" '"node_id":"n1"'
r=$(mqtt_request nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result "{\"sname\":\"$JOB\"}")
tap_match "and answers node queries again" "$r" "^\\{\"app_name\":\"$JOB\""

# --- a node leaves ---------------------------------------------------------------
free_before=$(curl -s "$ROOT/api/net/status" | grep -o '"subnets_free":[0-9]*' | cut -d: -f2)
r=$(http DELETE "$CLUSTER/api/net/node/n2")
tap_match "a node is removed from the cluster" "$r" '^200 \{"node_id":"n2","instances_removed":0\}'
r=$(http DELETE "$CLUSTER/api/net/node/n2")
tap_match "removing it again is a 404" "$r" '^404 '
for i in $(seq 100); do
	free_after=$(curl -s "$ROOT/api/net/status" | grep -o '"subnets_free":[0-9]*' | cut -d: -f2)
	[ "$free_after" -gt "$free_before" ] && break
	sleep 0.05
done
tap_eq "its subnet goes back to the root's pool" "$((free_after - free_before))" 1
r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
tap_match "the retained registry no longer lists it" "$r" '"nodes":\[\{"node_id":"n1",[^]]*\}\]\}$'

# --- a report queued for a dead root survives the cluster's kill -9 -------------
http POST "$ROOT/api/net/instance/deploy" '{"_id":"job1","instance_number":4,"cluster_id":"c1"}' >/dev/null
ROOT_PORT=$(cat "$WORK/root.port")
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root (before the outbox test)"
fails=$(grep -c "queued call .* to the root failed" "$WORK/cluster-c1.log")
mqtt_pub nodes/n1/net/service/deployed "{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":4,\"nsip\":\"172.16.0.9\",\"host_ip\":\"127.0.0.3\",\"host_port\":4754}"
for i in $(seq 100); do
	[ "$(grep -c "queued call .* to the root failed" "$WORK/cluster-c1.log")" -gt "$fails" ] && break
	sleep 0.05
done
r=$(curl -s "$CLUSTER/api/net/status")
tap_match "with the root down the location report waits in the outbox" "$r" '"root_calls_pending":1'
kill -9 "$CLUSTER_PID"
wait "$CLUSTER_PID" 2>/dev/null
start_root
ROOT_PORT=
start_cluster c1
for i in $(seq 100); do
	curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1" | grep -q '"namespace_ip":"172.16.0.9"' && break
	sleep 0.1
done
r=$(curl -s "$ROOT/api/net/service/app_ns_web_prod/instances?cluster_id=c1")
tap_match "after kill -9 and restart the cluster delivers it" "$r" \
	'"instance_number":4,"instance_ip":"172.30.0.[0-9]*",.*"namespace_ip":"172.16.0.9"'

# --- kill -9 mid-stream: subnets of 60 new nodes ---------------------------------
seq 100 159 | awk '{ print "nodes/m" $1 "/net/subnet" }' >"$WORK/m.topics"
(while read -r t; do mqtt_pub "$t" '{"METHOD":"GET"}'; done <"$WORK/m.topics") &
STREAM=$!
for i in $(seq 200); do
	[ "$(grep -c '^nodes/m[0-9]*/net/subnetwork/result {"address":"' "$WORK/mqtt.log")" -ge 10 ] && break
	sleep 0.05
done
kill -9 "$CLUSTER_PID"
wait "$CLUSTER_PID" 2>/dev/null
wait "$STREAM" 2>/dev/null
grep '^nodes/m[0-9]*/net/subnetwork/result {"address":"' "$WORK/mqtt.log" |
	sed 's|^nodes/\(m[0-9]*\)/.*"address":"\([0-9.]*\)".*|\1 \2|' | sort -u >"$WORK/m.before"
got=$(wc -l <"$WORK/m.before")
[ "$got" -ge 10 ] && [ "$got" -lt 60 ] && tap_ok "kill -9 landed mid-stream ($got of 60 answered)" ||
	tap_fail "kill -9 landed mid-stream" "answered: $got"
start_cluster c1
: >"$WORK/m.after"
for t in $(cat "$WORK/m.topics"); do
	node=$(echo "$t" | cut -d/ -f2)
	r=$(mqtt_request "$t" "nodes/$node/net/subnetwork/result" '{"METHOD":"GET"}')
	echo "$node $(echo "$r" | sed 's/.*"address":"\([0-9.]*\)".*/\1/')" >>"$WORK/m.after"
done
sort -o "$WORK/m.after" "$WORK/m.after"
tap_eq "after restart every node answered before the crash keeps its subnet" \
	"$(comm -23 "$WORK/m.before" "$WORK/m.after" | wc -l)" 0
tap_eq "all 60 nodes have distinct subnets" "$(cut -d' ' -f2 "$WORK/m.after" | grep -c '^172\.16\.')" 60
tap_eq "no subnet is shared" "$(cut -d' ' -f2 "$WORK/m.after" | sort | uniq -d | wc -l)" 0

stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster (after kill -9)"
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root"
tap_done
