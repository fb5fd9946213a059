#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# semnet-cluster's IPv6 fields, against a stand-in for Oakestra's root
# service-manager (oakestra-net 1bdf5fa, root-service-manager/service-manager)
# and with the messages Oakestra's NetManager sends (node-net-manager,
# mqtt/NetworkManagementHandlers.go, mqtt/Tablequery.go,
# handlers/deployment.go):
#
#   mosquitto_pub/_sub (as NetManagers)        python3 (as Oakestra's root)
#        |  nodes/<id>/net/...  MQTT                ^  HTTP, JSON
#        v                                          |
#   mosquitto  <------------------->  semnet-cluster
#
# The stand-in answers as Oakestra's root does: GET /api/net/subnet gives
# both subnets as strings and ignores node_id; table queries get the job
# document (job_name, service_ip_list, instances not deployed yet without
# namespace_ip); net_deploy_status fails with 500 unless each instance has
# the five fields, namespace_ip_v6 included, present and not null
# (operations/instances_management.py update_instance_local_addresses).
# Checked: addressv6 (+ prefix_len_v6), the registry's subnet_v6, nsipv6
# forwarded as namespace_ip_v6 ("" for "<nil>" and bad values), table
# queries by v6 sip with instance_ip_v6, namespace_ip_v6 and Address_v6,
# and a node stored without a v6 subnet learning one.
# shellcheck disable=SC2317 # helpers run through wait_until
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh

tap_need python3 mosquitto mosquitto_pub mosquitto_sub curl

# Only semnet-cluster is needed (semnet-root is not started here).
if [ "${SEMNET_NO_BUILD:-0}" != 1 ]; then
	make -s -C "$TOP/daemon" -j2 SANITIZE=1 BUILD="$SEMNET_BUILD" \
		"$SEMNET_BUILD/bin/semnet-cluster" >"$WORK/build.log" 2>&1 ||
		{ cat "$WORK/build.log"; echo "Bail out! build failed"; exit 1; }
fi

JOB=app.ns.web.prod
JOB_ID=66a0c1f2e4b0a1b2c3d4e5f7

# start_fake_root: the stand-in on an ephemeral port; sets ROOT. Every
# request is logged to $WORK/root-requests ("METHOD PATH BODY" per line).
start_fake_root() {
	cat >"$WORK/fake_root.py" <<'EOF'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

work = sys.argv[1]
subnets = {"n": 0}
calls = {}
job = {
    "_id": "66a0c1f2e4b0a1b2c3d4e5f7", "job_name": "app.ns.web.prod",
    "app_name": "app", "app_ns": "ns", "service_name": "web", "service_ns": "prod",
    "RR_ip": None, "RR_ip_v6": None,
    "service_ip_list": [{"IpType": "RR", "Address": "10.30.0.1", "Address_v6": "fdff:2000::"}],
    "instance_list": [
        {"instance_number": 0, "instance_ip": "10.30.0.2", "instance_ip_v6": "fdff::",
         "cluster_id": "c1", "namespace_ip": "10.18.0.2", "namespace_ip_v6": "fc00::2",
         "host_ip": "127.0.0.1", "host_port": "50103"},
        {"instance_number": 1, "instance_ip": "10.30.0.3", "instance_ip_v6": "fdff::1",
         "cluster_id": "c1", "namespace_ip": "10.18.0.3", "namespace_ip_v6": "<nil>",
         "host_ip": "127.0.0.1", "host_port": "50103"},
        {"instance_number": 2, "instance_ip": "10.30.0.4", "instance_ip_v6": "fdff::2",
         "cluster_id": "c1"},
    ],
}

class Root(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, body):
        data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        url = urlparse(self.path)
        with open(work + "/root-requests", "a") as log:
            log.write("%s %s %s\n" % (method, url.path, body))
        parts = url.path.split("/")
        if method == "GET" and url.path == "/api/net/subnet":
            node = parse_qs(url.query).get("node_id", [""])[0]
            calls[node] = calls.get(node, 0) + 1
            i = subnets["n"]
            subnets["n"] += 1
            v6 = "fc00::%x" % (i * 256) if i else "fc00::"
            if node == "badv6":
                v6 = "fc00::1:5"	# host bits set for a /120
            elif node == "old" and calls[node] == 1:
                v6 = None		# as from a root without v6
            return self.answer(200, {"subnet_addr": "10.18.0.%d" % (i * 64), "subnet_addr_v6": v6})
        if method == "GET" and len(parts) == 7 and parts[4] == "ip":
            key = parts[5].replace("_", ".")
            found = key in (job["service_ip_list"][0]["Address"], job["service_ip_list"][0]["Address_v6"]) \
                or any(key in (i.get("instance_ip"), i.get("instance_ip_v6")) for i in job["instance_list"])
            return self.answer(200, job if found else {})
        if method == "GET" and len(parts) == 6 and parts[5] == "instances":
            return self.answer(200, job if parts[4].replace("_", ".") == job["job_name"] else {})
        if method == "POST" and url.path == "/api/net/service/net_deploy_status":
            req = json.loads(body)
            for inst in req.get("instances", []):
                for key in ("instance_number", "namespace_ip", "namespace_ip_v6", "host_ip", "host_port"):
                    if inst.get(key) is None:
                        return self.answer(500, "assertion failed: " + key)
            return self.answer(200, "Status updated")
        return self.answer(200, {})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

server = ThreadingHTTPServer(("127.0.0.1", 0), Root)
with open(work + "/fake-root.port.tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(work + "/fake-root.port.tmp", work + "/fake-root.port")
server.serve_forever()
EOF
	python3 "$WORK/fake_root.py" "$WORK" 2>"$WORK/fake-root.log" &
	PIDS="$PIDS $!"
	wait_file "$WORK/fake-root.port" || { echo "Bail out! the stand-in root does not start"; cat "$WORK/fake-root.log"; exit 1; }
	ROOT="http://127.0.0.1:$(cat "$WORK/fake-root.port")"
}

# root_got REGEX: a request the stand-in root logged matches REGEX
root_got() { grep -qE "$1" "$WORK/root-requests"; }
# root_count REGEX: how many logged requests match REGEX
root_count() { grep -cE "$1" "$WORK/root-requests"; }
# cluster_drained: no call to the root is pending
cluster_drained() { curl -s "$CLUSTER/api/net/status" | grep -q '"root_calls_pending":0'; }
# registry_has TEXT: the cluster's node listing contains TEXT
registry_has() { curl -s "$CLUSTER/api/net/nodes" | grep -qF "$1"; }

test_subnet_v6() {
	mqtt_eq "a node gets its v6 subnet as addressv6, with prefix_len_v6" \
		'{"address":"10.18.0.0","addressv6":"fc00::","prefix_len":26,"prefix_len_v6":120}' \
		nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}'
	mqtt_eq "asking again gives the same (stored) subnets" \
		'{"address":"10.18.0.0","addressv6":"fc00::","prefix_len":26,"prefix_len_v6":120}' \
		nodes/n1/net/subnet nodes/n1/net/subnetwork/result '{"METHOD":"GET"}'
	tap_eq "the stand-in root was asked once" "$(root_count '^GET /api/net/subnet ')" 1
	mqtt_eq "a bad v6 subnet from the root costs only the v6 part (addressv6 stays a string)" \
		'{"address":"10.18.0.64","addressv6":"","prefix_len":26}' \
		nodes/badv6/net/subnet nodes/badv6/net/subnetwork/result '{"METHOD":"GET"}'
	tap_run "and is logged" grep -q "v6 subnet is left out: host bits set" "$WORK/cluster-c1.log"
	r=$(curl -s "$CLUSTER/api/net/nodes")
	tap_match "the node listing shows the v6 subnet" "$r" \
		'"node_id":"n1","subnet":"10.18.0.0/26",.*"subnet_v6":"fc00::/120"'
	tap_match "and null for a node without one" "$r" '"node_id":"badv6",.*"subnet_v6":null'
	r=$(mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -C 1 -W 5 -t semnet/nodes)
	tap_match "the retained registry carries it too" "$r" '"subnet_v6":"fc00::/120"'
}

test_node_learns_v6() {
	mqtt_eq "a root without v6: addressv6 is \"\", never null" \
		'{"address":"10.18.0.128","addressv6":"","prefix_len":26}' \
		nodes/old/net/subnet nodes/old/net/subnetwork/result '{"METHOD":"GET"}'
	mqtt_eq "asking again answers from the store at once" \
		'{"address":"10.18.0.128","addressv6":"","prefix_len":26}' \
		nodes/old/net/subnet nodes/old/net/subnetwork/result '{"METHOD":"GET"}'
	tap_wait "meanwhile the cluster asks the root for the node's v6 subnet" 5 \
		registry_has '"node_id":"old","subnet":"10.18.0.128/26","host_ip":null,"host_port":null,"tunnel":null,"subnet_v6":"fc00::300/120"'
	mqtt_eq "and keeps the node's v4 subnet (Oakestra's root allocated another)" \
		'{"address":"10.18.0.128","addressv6":"fc00::300","prefix_len":26,"prefix_len_v6":120}' \
		nodes/old/net/subnet nodes/old/net/subnetwork/result '{"METHOD":"GET"}'
}

# deploy_report N NSIP NSIPV6: Oakestra's NetManager's service/deployed
deploy_report() {
	mqtt_pub nodes/n1/net/service/deployed \
		"{\"appname\":\"$JOB\",\"status\":\"DEPLOYED\",\"instance_number\":$1,\"nsip\":\"$2\",\"nsipv6\":\"$3\",\"host_port\":\"50103\",\"host_ip\":\"127.0.0.1\"}"
}

test_deployed_v6() {
	http_eq "the cluster learns the job's id" "200 {\"job_name\":\"$JOB\"}" \
		POST "$CLUSTER/api/net/deployment" "{\"job_name\":\"$JOB\",\"job_id\":\"$JOB_ID\"}"
	deploy_report 0 10.18.0.2 fc00:0:0::2
	tap_wait "nsipv6 reaches the root as canonical namespace_ip_v6" 5 \
		root_got "^POST /api/net/service/net_deploy_status .*\"instance_number\": ?0,.*\"namespace_ip_v6\": ?\"fc00::2\""
	deploy_report 1 10.18.0.3 '<nil>'
	tap_wait "a unikernel's \"<nil>\" goes as \"\" (Oakestra's root asserts not null)" 5 \
		root_got "^POST /api/net/service/net_deploy_status .*\"instance_number\": ?1,.*\"namespace_ip_v6\": ?\"\""
	deploy_report 3 10.18.0.5 fc00::1:5
	tap_wait "an nsipv6 outside the node's /120 is left out, the v4 report stands" 5 \
		root_got "^POST /api/net/service/net_deploy_status .*\"instance_number\": ?3,.*\"namespace_ip_v6\": ?\"\""
	tap_run "and logged" grep -q "nsipv6 left out: outside the node's v6 subnet" "$WORK/cluster-c1.log"
	mqtt_pub nodes/n1/net/service/address-changed \
		"{\"appname\":\"$JOB\",\"instance_number\":0,\"nsip\":\"\",\"nsipv6\":\"\",\"host_port\":\"50103\",\"host_ip\":\"127.0.0.3\"}"
	tap_wait "an address change keeps the stored namespace_ip_v6" 5 \
		root_got "^POST /api/net/service/net_deploy_status .*\"namespace_ip_v6\": ?\"fc00::2\",.*\"host_ip\": ?\"127.0.0.3\""
	tap_wait "the calls to the root drain" 5 cluster_drained
	tap_eq "none failed Oakestra's root's assertion (500) or was refused" \
		"$(grep -cE 'queued call .* failed|refused queued call' "$WORK/cluster-c1.log")" 0
}

test_tablequery_v6() {
	r=$(mqtt_request nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result \
		'{"sname":"","sip":"fdff:2000::"}')
	tap_match "a table query by v6 RR address is answered, query_key as asked" "$r" \
		"^\\{\"app_name\":\"$JOB\",.*\"query_key\":\"fdff:2000::\"\\}\$"
	tap_run "the root is asked with the address's colons" root_got '^GET /api/net/service/ip/fdff:2000::/instances'
	tap_match "entries carry instance_ip_v6 and namespace_ip_v6" "$r" \
		'"instance_number":0,"instance_ip":"10.30.0.2","instance_ip_v6":"fdff::","namespace_ip":"10.18.0.2","namespace_ip_v6":"fc00::2"'
	tap_match "and Address_v6 for RR and the appended instance_ip" "$r" \
		'"service_ip":\[\{"IpType":"RR","Address":"10.30.0.1","Address_v6":"fdff:2000::"\},\{"IpType":"instance_ip","Address":"10.30.0.2","Address_v6":"fdff::"\}\]'
	tap_match "an instance without a v6 nsIP keeps the key (null)" "$r" \
		'"instance_number":1,"instance_ip":"10.30.0.3","instance_ip_v6":"fdff::1","namespace_ip":"10.18.0.3","namespace_ip_v6":null'
	tap_eq "the root's instance not deployed yet is left out, not the whole answer" \
		"$(printf '%s' "$r" | grep -o '"instance_number":[0-9]*' | tr '\n' ' ')" \
		'"instance_number":0 "instance_number":1 '
	asked=$(root_count '^GET /api/net/service/')
	mqtt_match "a v6 InstanceIP is then answered from the cluster's store" \
		"^\\{\"app_name\":\"$JOB\",.*\"query_key\":\"fdff::1\"\\}\$" \
		nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result '{"sip":"fdff::1"}'
	mqtt_match "so is another spelling of the RR address, echoed as asked" \
		"\"query_key\":\"FDFF:2000:0::\"\\}\$" \
		nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result '{"sip":"FDFF:2000:0::"}'
	mqtt_match "and the v4 RR address of the same service" \
		"^\\{\"app_name\":\"$JOB\",.*\"query_key\":\"10.30.0.1\"\\}\$" \
		nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result '{"sip":"10.30.0.1"}'
	tap_eq "without asking the root again" "$(root_count '^GET /api/net/service/')" "$asked"
	mqtt_match "a sip that is no address gets an error answer" \
		'"error":"sip .fdff::g. is not an IP address"' \
		nodes/n1/net/tablequery/request nodes/n1/net/tablequery/result '{"sip":"fdff::g"}'
}

start_broker
start_fake_root
start_listener
start_cluster c1
tap_ok "semnet-cluster registered with the stand-in root"
test_subnet_v6
test_node_learns_v6
test_deployed_v6
test_tablequery_v6
stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" "semnet-cluster"
tap_done
