#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Replays, against semnet-root and semnet-cluster, the calls and MQTT
messages Oakestra's own components make, built from Oakestra's source at
pinned commits (never from semnet's documents):

  OAK  oakestra/oakestra      develop 0e879834cd37f4584e55b7d9be371007ff2ed0e1
  NET  oakestra/oakestra-net  develop 1bdf5faecf21e21e76d345643b98c1ce5ddc107f

Paths below are relative to those repositories: SM = OAK
root_orchestrator/system-manager-python, CM = OAK
cluster_orchestrator/cluster-manager, RSM = NET
root-service-manager/service-manager, CSM = NET
cluster-service-manager/service-manager, NM = NET node-net-manager.

Each step checks what the Oakestra code on the other side reads from the
answer (status codes, fields, JSON types). Where semnet is the caller, a
stand-in (python http.server) plays the Oakestra component and refuses
what that component's handler would refuse:

  part A   SM, CSM (replayed here)  --HTTP-->  semnet-root  --HTTP-->  stand-in CSM
  part B   CM, NM, RSM (replayed)   --HTTP/MQTT-->  semnet-cluster  --HTTP-->  stand-in RSM
  part C   semnet-cluster --cluster-id on 0.0.0.0  --HTTP-->  stand-in RSM

    NM (mosquitto_pub)    mosquitto    semnet-cluster <----> stand-in RSM
         nodes/<id>/net/... <------------>   ^
    CM, RSM (http.client) -------------------+

Output is TAP; the last line gives the step count. --wrong flips two
expectations on purpose (both of those steps must then fail).
Usage: oakestra_replay.py BINDIR WORKDIR [--wrong]
"""
import http.client as httpclient
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIN, WORK = sys.argv[1], sys.argv[2]
WRONG = "--wrong" in sys.argv[3:]
OAK = "oakestra 0e87983"
NET = "oakestra-net 1bdf5fa"
TIMEOUT = 10.0

# ---------------------------------------------------------------- TAP ---

steps = {"n": 0, "failed": 0}


def step(what, problems):
    """One TAP line: passes when @problems (a list of strings) is empty."""
    steps["n"] += 1
    if problems:
        steps["failed"] += 1
        print("not ok %d - %s" % (steps["n"], what))
        for p in problems:
            print("#   " + str(p)[:400])
    else:
        print("ok %d - %s" % (steps["n"], what))
    sys.stdout.flush()


def skip(what, why):
    steps["n"] += 1
    print("ok %d - %s # SKIP %s" % (steps["n"], what, why))


def bail(why):
    print("Bail out! " + why)
    sys.exit(1)


class Log:
    """Things that arrive (MQTT messages, stand-in requests), waited on."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def add(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.items)

    def wait(self, pred, since=0, timeout=TIMEOUT):
        """The first item from index @since on for which pred holds, or None."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for item in self.items[since:]:
                    if pred(item):
                        return item
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def after(self, since):
        with self.cond:
            return list(self.items[since:])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(port, method, path, body=None, host="127.0.0.1"):
    """(status, parsed JSON or None, raw text), as python requests sees it."""
    conn = httpclient.HTTPConnection(host, port, timeout=TIMEOUT)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, data, headers)
    resp = conn.getresponse()
    text = resp.read().decode(errors="replace")
    conn.close()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return resp.status, parsed, text


def ok_2xx(status):
    """requests' raise_for_status: 4xx and 5xx raise."""
    return [] if 200 <= status < 400 else ["HTTP %d (raise_for_status raises)" % status]


# ------------------------------------------- Oakestra's readers, modelled ---

OBJECTID = re.compile(r"^[0-9a-fA-F]{24}$")
NAME_PART = re.compile(r"^[a-zA-Z0-9]{1,30}$")


def csm_reads_root_job(doc):
    """What the CSM does with the root's table answer (job document):
    network/tablequery/resolution.py service_resolution(_ip) ->
    interfaces/mongodb_requests.py mongo_insert_job (ObjectId(job["_id"]),
    job["job_name"], job["service_ip_list"]), mongo_update_job_instance
    (instance["instance_number"]) and format_instance_response
    (elem["instance_ip"], elem["instance_ip_v6"]). Any exception makes the
    CSM answer its node an empty table."""
    p = []
    if not isinstance(doc, dict):
        return ["the answer is not a JSON object"]
    if not isinstance(doc.get("_id"), str) or not OBJECTID.match(doc["_id"]):
        p.append("_id %r is no ObjectId (bson raises InvalidId)" % (doc.get("_id"),))
    for k in ("job_name", "service_ip_list", "instance_list"):
        if k not in doc:
            p.append("KeyError: %s" % k)
    if not isinstance(doc.get("instance_list"), list):
        return p + ["instance_list is not a list"]
    for i, inst in enumerate(doc["instance_list"]):
        if not isinstance(inst, dict):
            p.append("instance %d is not an object" % i)
            continue
        for k in ("instance_number", "instance_ip", "instance_ip_v6"):
            if k not in inst:
                p.append("instance %d: KeyError %s" % (i, k))
    for sip in doc.get("service_ip_list") or []:
        if not isinstance(sip, dict) or "IpType" not in sip:
            p.append("service_ip_list entry %r has no IpType" % (sip,))
    return p


def csm_format(doc):
    """CSM network/tablequery/resolution.py format_instance_response and
    interfaces/mqtt_client.py _tablequery_handler: the answer a node gets."""
    out = []
    for inst in doc.get("instance_list", []):
        e = dict(inst)
        e["service_ip"] = [dict(s) for s in doc.get("service_ip_list", [])]
        e["service_ip"].append({"IpType": "instance_ip", "Address": e["instance_ip"],
                                "Address_v6": e["instance_ip_v6"]})
        out.append(e)
    return {"app_name": doc.get("job_name"), "instance_list": out, "query_key": ""}


def go_type(value, kind):
    """encoding/json into a Go field: null leaves the zero value; any other
    JSON type than the field's fails the whole Unmarshal."""
    if value is None:
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) or \
            (isinstance(value, float) and value.is_integer())
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def go_ip(text):
    """net.ParseIP: nil for "" and anything that is no address."""
    try:
        ipaddress.ip_address(text or "")
        return True
    except ValueError:
        return False


def nm_table(answer):
    """NM mqtt/Tablequery.go TableQueryResponse / ServiceInstance / Sip
    (json.Unmarshal of the whole message), env/tableQueryRequests.go
    responseParser (app_name of four parts, else all dropped) and
    TableEntryCache/serviceTranslationTable.go isValid (per entry). Returns
    (problems that lose the whole answer, numbers of the entries kept)."""
    if not isinstance(answer, dict):
        return ["not a JSON object"], []
    p = []
    for k, kind in (("app_name", "string"), ("instance_list", "array"), ("query_key", "string")):
        if not go_type(answer.get(k), kind):
            p.append("Unmarshal: %s is not a %s" % (k, kind))
    for inst in answer.get("instance_list") or []:
        if not go_type(inst, "object"):
            p.append("Unmarshal: an instance is not an object")
            continue
        for k, kind in (("instance_number", "int"), ("namespace_ip", "string"),
                        ("namespace_ip_v6", "string"), ("host_ip", "string"),
                        ("host_port", "int"), ("service_ip", "array")):
            if not go_type(inst.get(k), kind):
                p.append("Unmarshal: instance %s: %s %r is not a %s" %
                         (inst.get("instance_number"), k, inst.get(k), kind))
        for s in inst.get("service_ip") or []:
            for k in ("IpType", "Address", "Address_v6"):
                if not go_type((s or {}).get(k), "string"):
                    p.append("Unmarshal: service_ip %s is not a string" % k)
    if p:
        return p, []
    parts = (answer.get("app_name") or "").split(".")
    if len(parts) != 4:
        return ["responseParser: app_name %r is not of four parts" % answer.get("app_name")], []
    kept = []
    for inst in answer.get("instance_list") or []:
        if all(NAME_PART.match(x) for x in parts) and (inst.get("instance_number") or 0) >= 0 \
                and go_ip(inst.get("host_ip")) and go_ip(inst.get("namespace_ip")) \
                and go_ip(inst.get("namespace_ip_v6")) and len(inst.get("service_ip") or []) >= 1:
            kept.append(inst.get("instance_number") or 0)
    return [], sorted(kept)


def nm_subnet(answer):
    """NM mqtt/NetworkManagementHandlers.go mqttSubnetworkResponse (two Go
    strings) and RequestSubnetworkMqttBlocking (either non-empty);
    env/EnvironmentManager.go NewEnvironmentClusterConfigured parses them."""
    p = []
    if not isinstance(answer, dict):
        return ["not a JSON object"]
    for k in ("address", "addressv6"):
        if not go_type(answer.get(k), "string"):
            p.append("Unmarshal: %s is not a string" % k)
    if p:
        return p
    v4, v6 = answer.get("address") or "", answer.get("addressv6") or ""
    if not v4 and not v6:
        p.append("both addresses empty: the NetManager exits")
    if v4 and not go_ip(v4):
        p.append("address %r does not parse" % v4)
    if v6 and not go_ip(v6):
        p.append("addressv6 %r does not parse" % v6)
    return p


# --------------------------------------------------------- processes ---

procs = []


def spawn(name, argv):
    log = open(os.path.join(WORK, name + ".log"), "ab")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    procs.append((name, p))
    return p


def wait_ready_file(path, proc, what):
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:	# the daemons write the file once serving
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return int(open(path).read().split()[0])
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    bail("%s does not start (see %s)" % (what, path))


def stop_daemon(name, proc):
    """SIGTERM: exit 0 and no sanitizer report in its log."""
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hung"
    text = open(os.path.join(WORK, name + ".log"), errors="replace").read()
    bad = re.findall(r".*(?:ERROR: (?:Address|Leak)Sanitizer|runtime error:).*", text)
    step("%s exits cleanly on SIGTERM, without sanitizer reports" % name,
         ([] if rc == 0 else ["exit status %s" % rc]) + bad[:3])


class Mqtt:
    """The nodes' side of the broker: mosquitto_sub logs every message on
    nodes/# and jobs/#; mosquitto_pub publishes (QoS 1, as the NM's
    PublishToBroker)."""

    def __init__(self, port):
        self.port = port
        self.log = Log()
        end = time.monotonic() + TIMEOUT
        while subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "probe",
                              "-m", "x"], stderr=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > end:	# the broker takes a publish once it listens
                bail("mosquitto does not start")
            time.sleep(0.05)
        self.sub = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-v",
             "-t", "nodes/#", "-t", "jobs/#", "-t", "replay/ready"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(("mosquitto_sub", self.sub))
        threading.Thread(target=self._read, daemon=True).start()
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:	# until a probe comes back through
            self.pub("replay/ready", "1")
            if self.log.wait(lambda m: m[0] == "replay/ready", 0, 0.5):
                return
        bail("mosquitto_sub does not listen")

    def _read(self):
        for line in self.sub.stdout:
            topic, _, payload = line.rstrip("\n").partition(" ")
            self.log.add((topic, payload))

    def pub(self, topic, payload):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-q", "1",
                        "-t", topic, "-m", payload], check=True)

    def request(self, topic, payload, result_topic):
        """Publishes and waits for the next message on @result_topic."""
        since = self.log.mark()
        self.pub(topic, json.dumps(payload))
        m = self.log.wait(lambda m: m[0] == result_topic, since)
        if m is None:
            return None
        try:
            return json.loads(m[1])
        except ValueError:
            return m[1]


def start_broker():
    port = free_port()
    conf = os.path.join(WORK, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "max_queued_messages 0\n" % port)
    spawn("mosquitto", ["mosquitto", "-c", conf])
    return port


class StandIn(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A caller that gave up (its timeout) is the caller's business.
        print("# stand-in: %s from %s" % (sys.exc_info()[1], client_address[0]))


def serve(handler_class, host="127.0.0.1"):
    srv = StandIn((host, 0), handler_class)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class Handler(BaseHTTPRequestHandler):
    """Answers as Flask does: text bodies, an HTML page for a 500."""
    log_requests = None

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str)
                         else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def handle_any(self, method):
        path = self.path.split("?")[0]
        body = self.body() if method in ("POST", "PUT") else None
        status, answer = self.route(method, path, body)
        self.log_requests.add({"method": method, "path": path, "query": self.path[len(path):],
                               "body": body, "status": status, "peer": self.client_address[0]})
        self.reply(status, answer)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")


SERVER_ERROR = "<!doctype html><title>500 Internal Server Error</title>"

# ============================================================= part A ===
# semnet-root in the place of RSM; SM and CSM replayed; a stand-in CSM
# receives the root's job updates.


class CsmStandIn(Handler):
    """CSM service_manager.py task_update -> operations/instances_management.py
    instance_updates: 400 without job_name or instance_number, for a number
    below -1 and for another type; else 200 (the RSM marks the cluster
    ACTIVE, interfaces/clusters_interface.py + network/routes_interests.py)."""
    log_requests = Log()

    def route(self, method, path, body):
        if method == "POST" and path == "/api/net/job/update":
            body = body or {}
            if body.get("job_name") is None or body.get("instance_number") is None:
                return 400, "Invalid Parameters"
            if int(body["instance_number"]) < -1:
                return 400, "Invalid instancenum"
            if body.get("type") not in ("DEPLOYMENT", "UNDEPLOYMENT"):
                return 400, "Invalid type"
            return 200, "update notification received"
        return 404, "not found"


def part_a():
    csm = serve(CsmStandIn)
    csm_port = csm.server_address[1]
    ready = os.path.join(WORK, "root.port")
    root_p = spawn("semnet-root", [
        os.path.join(BIN, "semnet-root"), "--profile", "oakestra", "--listen", "127.0.0.1",
        "--port", "0", "--ready-file", ready, "--db", os.path.join(WORK, "root.db"),
        "--sync", "normal", "--push-backoff-ms", "50"])
    root = wait_ready_file(ready, root_p, "semnet-root")

    cluster_id = "66c0ffee0000000000000c01"	# the SM's ObjectId for the cluster
    job_id = "66c0ffee0000000000000a01"
    job2_id = "66c0ffee0000000000000a02"
    job_name = "shop.prod.cart.main"

    # SM system_manager.py ClusterRegistrationServicer.handle_init_final ->
    # ext_requests/net_plugin_requests.py net_register_cluster: the cluster
    # manager's gRPC peer address and its network_component_port (int).
    st, _, text = http(root, "POST", "/api/net/cluster", {
        "cluster_id": cluster_id, "cluster_address": "127.0.0.1", "cluster_port": csm_port})
    step("A SM net_register_cluster (%s system_manager.py handle_init_final): 2xx" % OAK,
         ok_2xx(st) + ([text] if st >= 300 else []))

    # SM services/service_management.py create_services_of_app:
    # generate_db_structure + insert_job build the descriptor that
    # net_inform_service_deploy posts (raise_for_status).
    def descriptor(service, rr=None, rr6=None, addresses=True):
        d = {"microserviceID": "", "microservice_name": service,
             "microservice_namespace": "main", "virtualization": "docker",
             "cmd": [], "memory": 100, "vcpus": 1, "vgpus": 0, "vtpus": 0,
             "bandwidth_in": 0, "bandwidth_out": 0, "storage": 0,
             "code": "docker.io/library/nginx:latest", "state": "", "port": "80",
             "added_files": [], "applicationID": "66c0ffee00000000000000a0",
             "app_name": "shop", "app_ns": "prod", "service_name": service,
             "service_ns": "main", "image": "docker.io/library/nginx:latest",
             "next_instance_progressive_number": 0, "instance_list": [],
             "job_name": "shop.prod.%s.main" % service}
        if addresses:
            d["addresses"] = {"rr_ip": rr, "rr_ip_v6": rr6}
            d["RR_ip"] = rr
            d["RR_ip_v6"] = rr6
        return d

    st, _, text = http(root, "POST", "/api/net/service/deploy",
                       {"deployment_descriptor": descriptor("cart"), "_id": job_id})
    step("A SM net_inform_service_deploy, addresses null (%s services/service_management.py "
         "create_services_of_app): 2xx" % OAK, ok_2xx(st) + ([text] if st >= 300 else []))
    st, _, text = http(root, "POST", "/api/net/service/deploy",
                       {"deployment_descriptor": descriptor("pay", "10.30.0.200", "fdff:2000::c8"),
                        "_id": job2_id})
    step("A SM net_inform_service_deploy with addresses.rr_ip/rr_ip_v6 (generate_db_structure): "
         "2xx", ok_2xx(st) + ([text] if st >= 300 else []))

    # SM services/instance_management.py -> net_inform_instance_deploy
    for n in (0, 1):
        st, _, text = http(root, "POST", "/api/net/instance/deploy",
                           {"instance_number": n, "cluster_id": cluster_id, "_id": job_id})
        step("A SM net_inform_instance_deploy instance %d (%s services/instance_management.py): "
             "2xx" % (n, OAK), ok_2xx(st) + ([text] if st >= 300 else []))
    st, _, text = http(root, "POST", "/api/net/instance/deploy",
                       {"instance_number": 0, "cluster_id": cluster_id, "_id": job2_id})
    step("A SM net_inform_instance_deploy of the second service: 2xx", ok_2xx(st))

    # CSM interfaces/root_service_manager_requests.py root_table_query_service_name:
    # no cluster id, the root knows the cluster by its address (RSM
    # operations/instances_management.py get_service_instances).
    st, doc, text = http(root, "GET", "/api/net/service/shop_prod_cart_main/instances")
    p = ["HTTP %d %s" % (st, text)] if st != 200 else csm_reads_root_job(doc)
    step("A CSM root_table_query_service_name (%s network/tablequery/resolution.py): 200, a job "
         "document the CSM stores (_id ObjectId, job_name, service_ip_list, instance_list)" % NET,
         p)
    insts = (doc or {}).get("instance_list") or []
    want = [1, 0] if WRONG else [0, 1]	# --wrong: a deliberately wrong expectation
    step("A the job document lists both instances, neither deployed yet: no namespace_ip, "
         "the answer does not fail",
         ([] if sorted(i.get("instance_number") for i in insts) == want else
          ["instance numbers %r" % [i.get("instance_number") for i in insts]]) +
         ["instance %s has %s" % (i.get("instance_number"), k) for i in insts
          for k in ("namespace_ip", "host_ip", "host_port") if k in i])
    step("A job_name and _id as the SM named them; service_ip_list has the RR with Address and "
         "Address_v6 (RSM operations/service_management.py deploy_request)",
         [x for x in [
             doc and doc.get("job_name") != job_name and "job_name %r" % doc.get("job_name"),
             doc and doc.get("_id") != job_id and "_id %r" % doc.get("_id"),
             not any(s.get("IpType") == "RR" and go_ip(s.get("Address")) and
                     go_ip(s.get("Address_v6")) for s in (doc or {}).get("service_ip_list", []))
             and "no RR entry %r" % (doc or {}).get("service_ip_list")] if x])
    rr = next((s for s in (doc or {}).get("service_ip_list", []) if s.get("IpType") == "RR"), {})
    i1 = next((i for i in insts if i.get("instance_number") == 1), {})

    # CSM root_service_manager_get_subnet: both non-empty, else no answer to the node.
    st, sub, text = http(root, "GET", "/api/net/subnet")
    p = ["HTTP %d %s" % (st, text)] if st != 200 else \
        [k + " empty or not a string" for k in ("subnet_addr", "subnet_addr_v6")
         if not isinstance((sub or {}).get(k), str) or not sub.get(k)]
    step("A CSM root_service_manager_get_subnet (%s interfaces/root_service_manager_requests.py): "
         "200, subnet_addr and subnet_addr_v6 non-empty" % NET, p)
    subnet = ipaddress.ip_address((sub or {}).get("subnet_addr") or "10.18.0.0")
    subnet6 = ipaddress.ip_address((sub or {}).get("subnet_addr_v6") or "fc00::")

    # CSM system_manager_notify_deployment_status, after a NM's
    # service/deployed (network/deployment.py deployment_status_report):
    # host_port an int (interfaces/mongodb_requests.py mongo_update_job_deployed).
    since = CsmStandIn.log_requests.mark()
    report = {"job_id": job_id, "instances": [{
        "instance_number": 0, "namespace_ip": str(subnet + 2),
        "namespace_ip_v6": str(subnet6 + 2), "host_ip": "192.0.2.10", "host_port": 50103}]}
    st, _, text = http(root, "POST", "/api/net/service/net_deploy_status", report)
    step("A CSM system_manager_notify_deployment_status (%s): 200" % NET,
         [] if st == 200 else ["HTTP %d %s" % (st, text)])
    upd = CsmStandIn.log_requests.wait(
        lambda r: r["path"] == "/api/net/job/update" and r["status"] == 200 and
        (r["body"] or {}).get("type") == "DEPLOYMENT" and
        (r["body"] or {}).get("instance_number") == 0, since)
    step("A the root pushes job/update DEPLOYMENT for instance 0 to the interested cluster, "
         "accepted by CSM instance_updates (RSM interfaces/clusters_interface.py "
         "_notify_interest_update)",
         [] if upd else ["pushes seen: %r" % CsmStandIn.log_requests.after(since)])
    bad = [r for r in CsmStandIn.log_requests.after(0) if r["status"] != 200]
    step("A every push the root made was accepted by CSM instance_updates (else the RSM marks "
         "the cluster ERROR)", ["%r" % r for r in bad])

    # CSM root_table_query_ip with the RR address (dots as _), then what the
    # CSM makes of it for a NetManager (format_instance_response) and what
    # the NM keeps (mqtt/Tablequery.go, isValid).
    st, doc, text = http(root, "GET", "/api/net/service/ip/%s/instances" %
                         str(rr.get("Address", "0.0.0.0")).replace(".", "_"))
    p = ["HTTP %d %s" % (st, text)] if st != 200 else csm_reads_root_job(doc)
    step("A CSM root_table_query_ip by RR (%s interfaces/root_service_manager_requests.py): 200, "
         "a job document the CSM stores" % NET, p)
    i0 = next((i for i in (doc or {}).get("instance_list", []) if i.get("instance_number") == 0),
              {})
    step("A the deployed instance carries namespace_ip, namespace_ip_v6, host_ip as strings and "
         "host_port as a number (the NM's ServiceInstance.HostPort is an int)",
         [k for k, t in (("namespace_ip", str), ("namespace_ip_v6", str), ("host_ip", str),
                         ("host_port", int)) if not isinstance(i0.get(k), t)])
    if st == 200 and not csm_reads_root_job(doc):
        lost, kept = nm_table(csm_format(doc))
        step("A through an Oakestra CSM to an Oakestra NM: the answer unmarshals and the NM keeps "
             "the deployed instance alone (NM env/tableQueryRequests.go responseParser, "
             "TableEntryCache isValid)", lost + ([] if kept == [0] else ["kept %r" % kept]))
    else:
        step("A through an Oakestra CSM to an Oakestra NM", ["no job document to pass on"])

    st, doc, text = http(root, "GET", "/api/net/service/ip/%s/instances" %
                         rr.get("Address_v6", "::"))
    step("A CSM root_table_query_ip by the v6 RR, colons kept (%s root_table_query_ip): 200, "
         "a job document" % NET,
         ["HTTP %d %s" % (st, text)] if st != 200 else csm_reads_root_job(doc))
    st, doc, text = http(root, "GET", "/api/net/service/ip/%s/instances" %
                         str(i1.get("instance_ip", "0.0.0.0")).replace(".", "_"))
    step("A CSM root_table_query_ip by the InstanceIP of the undeployed instance: 200, its job",
         ["HTTP %d %s" % (st, text)] if st != 200 else
         csm_reads_root_job(doc) + ([] if doc.get("job_name") == job_name else
                                    ["job_name %r" % doc.get("job_name")]))
    st, doc, text = http(root, "GET", "/api/net/service/shop_prod_pay_main/instances")
    step("A a requested RR_ip/RR_ip_v6 is the service's RR (RSM network/subnetwork_management.py "
         "new_job_rr_address)",
         ["HTTP %d %s" % (st, text)] if st != 200 else
         [] if {"IpType": "RR", "Address": "10.30.0.200", "Address_v6": "fdff:2000::c8"}
         in doc.get("service_ip_list", []) else ["service_ip_list %r" % doc.get("service_ip_list")])

    # A unikernel on an Oakestra node reports nsipv6 "<nil>" (NM
    # env/UnikernelNetDeployment.go), which the CSM passes on unchanged.
    st, _, text = http(root, "POST", "/api/net/service/net_deploy_status", {
        "job_id": job_id, "instances": [{
            "instance_number": 1, "namespace_ip": str(subnet + 3), "namespace_ip_v6": "<nil>",
            "host_ip": "192.0.2.10", "host_port": 50103}]})
    step("A CSM system_manager_notify_deployment_status for a unikernel (namespace_ip_v6 "
         "\"<nil>\"): 200", [] if st == 200 else ["HTTP %d %s" % (st, text)])

    # CSM root_remove_interest: the job name with its dots; non-200 is logged.
    st, _, text = http(root, "DELETE", "/api/net/interest/%s" % job_name)
    step("A CSM root_remove_interest (%s network/tablequery/interests.py remove_interest): 200"
         % NET, [] if st == 200 else ["HTTP %d %s" % (st, text)])

    # SM net_inform_instance_undeploy and net_inform_service_undeploy.
    st, _, text = http(root, "DELETE", "/api/net/%s/1" % job_id)
    step("A SM net_inform_instance_undeploy instance 1 (%s services/instance_management.py): 2xx"
         % OAK, ok_2xx(st) + ([text] if st >= 300 else []))
    st, _, text = http(root, "DELETE", "/api/net/%s/-1" % job_id)
    step("A SM net_inform_instance_undeploy -1 (all instances): 2xx", ok_2xx(st))
    st, _, text = http(root, "DELETE", "/api/net/service/%s" % job_id)
    step("A SM net_inform_service_undeploy: 2xx", ok_2xx(st) + ([text] if st >= 300 else []))
    stop_daemon("semnet-root", root_p)
    csm.shutdown()


# ============================================================= part B ===
# semnet-cluster in the place of the CSM, without --cluster-id (the SM
# registers the cluster); CM, NM and RSM replayed; a stand-in RSM.

JOB = "web.prod.api.main"
JOB_OID = "66d0ffee0000000000000b01"
JOB2 = "web.prod.db.main"
JOB2_OID = "66d0ffee0000000000000b02"


def rsm_job(name, oid, rr, rr6, instances):
    """RSM interfaces/mongodb_requests.py mongo_insert_job: the descriptor's
    fields, _id, job_name, service_ip_list [RR], instance_list."""
    app, ns, svc, svcns = name.split(".")
    return {"_id": oid, "job_name": name, "app_name": app, "app_ns": ns,
            "service_name": svc, "service_ns": svcns, "microservice_name": svc,
            "RR_ip": None, "RR_ip_v6": None, "image": "nginx", "port": "80",
            "service_ip_list": [{"IpType": "RR", "Address": rr, "Address_v6": rr6}],
            "instance_list": instances}


class RsmStandIn(Handler):
    """RSM service_manager.py routes, answering as its handlers do."""
    log_requests = Log()
    subnets = {"n": 0}
    jobs = {}
    clusters = {}

    def route(self, method, path, body):
        m = re.match(r"^/api/net/service/ip/([^/]+)/instances$", path)
        if method == "GET" and m:	# table_query_resolution_by_ip
            ip = m.group(1).replace("_", ".")
            for j in self.jobs.values():	# interfaces/mongodb_requests.py mongo_find_job_by_ip
                if any(ip in (s["Address"], s["Address_v6"]) for s in j["service_ip_list"]) or \
                        any(ip in (i["instance_ip"], i["instance_ip_v6"])
                            for i in j["instance_list"]):
                    return 200, j
            return 200, {}
        m = re.match(r"^/api/net/service/([^/]+)/instances$", path)
        if method == "GET" and m:	# table_query_resolution_by_jobname
            return 200, self.jobs.get(m.group(1).replace("_", "."), {})
        if method == "GET" and path == "/api/net/subnet":	# subnet_request: never idempotent
            self.subnets["n"] += 1
            n = self.subnets["n"]
            return 200, {"subnet_addr": "10.18.%d.%d" % (n // 4, 64 * (n % 4)),
                         "subnet_addr_v6": "fc00::%x00" % n}
        if method == "POST" and path == "/api/net/service/net_deploy_status":
            # operations/instances_management.py update_instance_local_addresses
            if body is None:
                return 400, "Bad Request"	# Flask's request.json without a JSON body
            if body.get("instances") is None or body.get("job_id") is None:
                return 400, "Invalid input parameters"
            for inst in body["instances"]:
                for k in ("instance_number", "namespace_ip", "namespace_ip_v6", "host_ip",
                          "host_port"):
                    if inst.get(k) is None:
                        return 500, SERVER_ERROR	# AssertionError
            if not OBJECTID.match(str(body["job_id"])):
                return 500, SERVER_ERROR	# bson InvalidId
            if not any(j["_id"] == body["job_id"] for j in self.jobs.values()):
                return 404, "Job not found"
            return 200, "Status updated"
        m = re.match(r"^/api/net/interest/([^/]+)$", path)
        if method == "DELETE" and m:	# deregister_cluster_interest
            return 200, "deregistered"
        if method == "POST" and path == "/api/net/cluster":
            return 200, "cluster registered"
        m = re.match(r"^/api/net/([^/]+)/([^/]+)$", path)
        if method == "DELETE" and m:	# instance_undeployment: ObjectId(_id), int(n)
            if not OBJECTID.match(m.group(1)) or not re.match(r"^-?\d+$", m.group(2)):
                return 500, SERVER_ERROR
            return 200, "Instance info cleared"
        return 404, "<!doctype html><title>404 Not Found</title>"


def reports(since):
    return [r for r in RsmStandIn.log_requests.after(since)
            if r["path"] == "/api/net/service/net_deploy_status"]


def wait_report(since, pred):
    return RsmStandIn.log_requests.wait(
        lambda r: r["path"] == "/api/net/service/net_deploy_status" and pred(r), since)


def part_b(mqtt_port, mqtt):
    RsmStandIn.jobs[JOB] = rsm_job(JOB, JOB_OID, "10.30.0.5", "fdff:2000::5", [
        # deployed on a node of another cluster
        {"instance_number": 2, "instance_ip": "10.30.0.8", "instance_ip_v6": "fdff::8",
         "cluster_id": "66d0ffee0000000000000c09", "namespace_ip": "10.18.9.2",
         "namespace_ip_v6": "fc00::902", "host_ip": "192.0.2.99", "host_port": 50103},
        # scheduled here, not deployed yet: no location fields
        {"instance_number": 0, "instance_ip": "10.30.0.6", "instance_ip_v6": "fdff::6",
         "cluster_id": "66d0ffee0000000000000c01"},
        {"instance_number": 1, "instance_ip": "10.30.0.7", "instance_ip_v6": "fdff::7",
         "cluster_id": "66d0ffee0000000000000c01"}])
    RsmStandIn.jobs[JOB2] = rsm_job(JOB2, JOB2_OID, "10.30.0.20", "fdff:2000::20", [
        {"instance_number": 0, "instance_ip": "10.30.0.21", "instance_ip_v6": "fdff::21",
         "cluster_id": "66d0ffee0000000000000c01"}])
    rsm = serve(RsmStandIn)
    ready = os.path.join(WORK, "cluster.port")
    cl_p = spawn("semnet-cluster", [
        os.path.join(BIN, "semnet-cluster"), "--listen", "127.0.0.1", "--port", "0",
        "--ready-file", ready, "--db", os.path.join(WORK, "cluster.db"), "--sync", "normal",
        "--root-url", "http://127.0.0.1:%d" % rsm.server_address[1],
        "--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port), "--retry-backoff-ms", "50"] +
        os.environ.get("SEMNET_REPLAY_CLUSTER_ARGS", "").split())	# e.g. an older build's
    cl = wait_ready_file(ready, cl_p, "semnet-cluster")
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:	# until it reached the broker
        st, s, _ = http(cl, "GET", "/api/net/status")
        if st == 200 and s.get("mqtt_connected"):
            break
        time.sleep(0.05)
    node = "66d0ffee0000000000000d01"	# NodeEngine ids are ObjectIds
    node2 = "66d0ffee0000000000000d02"
    pre = "nodes/%s/net/" % node

    # CM ext_requests/network_manager_requests.py network_notify_deployment: job_name only.
    st, _, text = http(cl, "POST", "/api/net/deployment", {"job_name": JOB})
    step("B CM network_notify_deployment {job_name} (%s cluster-manager): 200" % OAK,
         [] if st == 200 else ["HTTP %d %s" % (st, text)])

    # NM mqtt/NetworkManagementHandlers.go RequestSubnetworkMqttBlocking.
    since = RsmStandIn.log_requests.mark()
    ans = mqtt.request(pre + "subnet", {"METHOD": "GET"}, pre + "subnetwork/result")
    step("B NM RequestSubnetworkMqttBlocking (%s mqtt/NetworkManagementHandlers.go): an answer "
         "the NM takes" % NET, ["no answer in %ds" % TIMEOUT] if ans is None else nm_subnet(ans))
    sub = ipaddress.ip_address((ans or {}).get("address") or "10.18.0.64")
    sub6 = (ans or {}).get("addressv6") or "fc00::100"
    step("B the subnet is the root's answer to GET /api/net/subnet (CSM _subnet_handler)",
         [] if RsmStandIn.log_requests.wait(lambda r: r["path"] == "/api/net/subnet", since)
         else ["the stand-in root was not asked"])

    # NM NotifyDeploymentStatus (mqttDeployNotification: host_port a string).
    since = RsmStandIn.log_requests.mark()
    deployed = {"appname": JOB, "status": "DEPLOYED", "instance_number": 0,
                "nsip": str(sub + 2), "nsipv6": str(ipaddress.ip_address(sub6) + 2),
                "host_port": "50103", "host_ip": "192.0.2.21"}
    mqtt.pub(pre + "service/deployed", json.dumps(deployed))
    r = wait_report(since, lambda r: True)
    step("B NM NotifyDeploymentStatus -> the root's net_deploy_status is accepted (RSM "
         "operations/instances_management.py update_instance_local_addresses: job_id, five "
         "fields not null)",
         ["no report in %ds" % TIMEOUT] if r is None else
         [] if r["status"] == 200 else ["HTTP %d for %r" % (r["status"], r["body"])])
    step("B the report names the job by the _id of the root's job document",
         [] if r and (r["body"] or {}).get("job_id") == JOB_OID else
         ["job_id %r" % ((r or {}).get("body") or {}).get("job_id")])
    ent = (((r or {}).get("body") or {}).get("instances") or [{}])[0]
    step("B the report carries the node's nsip, nsipv6, host_ip and host_port (a number, as "
         "the CSM's int(host_port))",
         [k for k, v in (("namespace_ip", deployed["nsip"]),
                         ("namespace_ip_v6", deployed["nsipv6"]),
                         ("host_ip", "192.0.2.21"), ("host_port", 50103))
          if ent.get(k) != v])

    # NM mqtt/Tablequery.go tableQueryRequestBlocking, by name.
    for key, q in (("sname", {"sname": JOB, "sip": ""}),
                   ("sip RR", {"sname": "", "sip": "10.30.0.5"}),
                   ("sip v6 RR", {"sname": "", "sip": "fdff:2000::5"}),
                   ("sip InstanceIP", {"sname": "", "sip": "10.30.0.8"})):
        ans = mqtt.request(pre + "tablequery/request", q, pre + "tablequery/result")
        if ans is None:
            step("B NM table query by %s: an answer" % key, ["no answer in %ds" % TIMEOUT])
            continue
        lost, kept = nm_table(ans)
        want = [0, 1, 2] if WRONG and key == "sname" else [0, 2]	# --wrong: on purpose
        step("B NM table query by %s (%s mqtt/Tablequery.go): the NM unmarshals the answer and "
             "keeps the deployed instances 0 and 2, the undeployed one left out, not the answer"
             % (key, NET), lost + ([] if kept == want else ["kept %r" % kept]) +
             ([] if ans.get("app_name") == JOB else ["app_name %r" % ans.get("app_name")]) +
             ([] if ans.get("query_key") == (q["sname"] or q["sip"]) else
              ["query_key %r" % ans.get("query_key")]))
    e2 = next((i for i in (ans or {}).get("instance_list", []) if i.get("instance_number") == 2),
              {})
    step("B an entry's service_ip has the RR and the instance's own address, with Address_v6 "
         "(CSM format_instance_response)",
         [] if {"IpType": "RR", "Address": "10.30.0.5", "Address_v6": "fdff:2000::5"}
         in e2.get("service_ip", []) and any(s.get("IpType") == "instance_ip" and
                                              s.get("Address") == "10.30.0.8" and
                                              s.get("Address_v6") == "fdff::8"
                                              for s in e2.get("service_ip", []))
         else ["service_ip %r" % e2.get("service_ip")])

    # RSM interfaces/clusters_interface.py _notify_interest_update: any
    # status but 200 marks the cluster ERROR (network/routes_interests.py).
    since_m = mqtt.log.mark()
    st, _, text = http(cl, "POST", "/api/net/job/update",
                       {"job_name": JOB, "instance_number": 2, "type": "DEPLOYMENT"})
    step("B RSM _notify_interest_update DEPLOYMENT (%s interfaces/clusters_interface.py): 200"
         % NET, [] if st == 200 else ["HTTP %d %s" % (st, text)])
    m = mqtt.log.wait(lambda m: m[0] == "jobs/%s/updates_available" % JOB, since_m)
    step("B ... and the nodes following the job are told on jobs/<job>/updates_available (NM "
         "mqtt/MqttJobUpdates.go subscribes; any payload)",
         [] if m else ["nothing published in %ds" % TIMEOUT])
    for what, body in (("type MIGRATION", {"job_name": JOB, "instance_number": 0,
                                           "type": "MIGRATION"}),
                       ("no instance_number", {"job_name": JOB, "type": "DEPLOYMENT"})):
        st, _, text = http(cl, "POST", "/api/net/job/update", body)
        step("B RSM job update with %s: 400, as CSM instance_updates" % what,
             [] if st == 400 else ["HTTP %d %s" % (st, text)])
    st, _, text = http(cl, "POST", "/api/net/job/update",
                       {"job_name": JOB, "instance_number": -1, "type": "UNDEPLOYMENT"})
    step("B RSM job update UNDEPLOYMENT of every instance (-1): 200", [] if st == 200 else
         ["HTTP %d %s" % (st, text)])

    # NM server/server.go update -> NotifyAddressChange: the same struct,
    # its other fields empty strings.
    since = RsmStandIn.log_requests.mark()
    since_m = mqtt.log.mark()
    moved = {"appname": JOB, "status": "", "instance_number": 0, "nsip": "", "nsipv6": "",
             "host_port": "50103", "host_ip": "192.0.2.22"}
    mqtt.pub(pre + "service/address-changed", json.dumps(moved))
    r = wait_report(since, lambda r: True)
    step("B NM NotifyAddressChange -> net_deploy_status accepted by the root, with the new "
         "host_ip and the stored nsIPs (CSM network/deployment.py deployment_address_update)",
         ["no report in %ds" % TIMEOUT] if r is None else
         ([] if r["status"] == 200 else ["HTTP %d for %r" % (r["status"], r["body"])]) +
         ([] if ((r["body"] or {}).get("instances") or [{}])[0].get("host_ip") == "192.0.2.22"
          and r["body"]["instances"][0].get("namespace_ip") == deployed["nsip"]
          else ["report %r" % r["body"]]))
    m = mqtt.log.wait(lambda m: m[0] == "jobs/%s/updates_available" % JOB and
                      json.loads(m[1]).get("type") == "DEPLOYMENT", since_m)
    step("B ... and jobs/<job>/updates_available DEPLOYMENT is published (CSM "
         "mqtt_notify_service_change)", [] if m else ["nothing published in %ds" % TIMEOUT])

    # A deployment the CM's call did not announce: the job id comes from
    # the root's table first.
    since = RsmStandIn.log_requests.mark()
    mqtt.pub(pre + "service/deployed", json.dumps(dict(
        deployed, appname=JOB2, instance_number=0, nsip=str(sub + 3),
        nsipv6=str(ipaddress.ip_address(sub6) + 3))))
    r = wait_report(since, lambda r: True)
    step("B a deployment of a job the cluster was not told of: the report carries the job's "
         "_id and is accepted",
         ["no report in %ds" % TIMEOUT] if r is None else
         ([] if r["status"] == 200 else ["HTTP %d for %r" % (r["status"], r["body"])]) +
         ([] if (r["body"] or {}).get("job_id") == JOB2_OID else
          ["job_id %r" % (r["body"] or {}).get("job_id")]))

    # A query by an address the cluster has not cached: CSM
    # root_table_query_ip sends a v6 address with its colons.
    since = RsmStandIn.log_requests.mark()
    ans = mqtt.request(pre + "tablequery/request", {"sname": "", "sip": "fdff:2000::20"},
                       pre + "tablequery/result")
    r = RsmStandIn.log_requests.wait(lambda r: r["path"].startswith("/api/net/service/ip/"),
                                     since)
    lost, kept = nm_table(ans) if ans is not None else (["no answer in %ds" % TIMEOUT], [])
    step("B NM table query by a v6 RR not cached: the root is asked at "
         "/api/net/service/ip/<v6 with colons>/instances and the answer keeps the instance the "
         "node deployed (%s root_table_query_ip)" % NET,
         lost + ([] if kept == [0] else ["kept %r" % kept]) +
         ([] if r and r["path"] == "/api/net/service/ip/fdff:2000::20/instances" else
          ["root asked at %r" % (r or {}).get("path")]))

    # CSM _tablequery_handler: sip wins when both are set.
    ans = mqtt.request(pre + "tablequery/request", {"sname": JOB, "sip": "10.30.0.20"},
                       pre + "tablequery/result")
    step("B NM table query with both sname and sip: answered by sip, as the CSM does",
         ["no answer in %ds" % TIMEOUT] if ans is None else
         [] if (ans.get("app_name"), ans.get("query_key")) == (JOB2, "10.30.0.20") else
         ["app_name %r, query_key %r" % (ans.get("app_name"), ans.get("query_key"))])

    # An unknown service: Oakestra's CSM answers an empty instance list.
    ans = mqtt.request(pre + "tablequery/request", {"sname": "no.such.svc.here", "sip": ""},
                       pre + "tablequery/result")
    lost, kept = nm_table(ans) if ans is not None else (["no answer in %ds" % TIMEOUT], [])
    step("B NM table query for a service no root knows: an answer that unmarshals, with no "
         "entry (the NM's waiter wakes on query_key)",
         [x for x in lost if x.startswith("Unmarshal") or x == "not a JSON object"] +
         ([] if not kept else ["kept %r" % kept]) +
         ([] if (ans or {}).get("query_key") == "no.such.svc.here" else
          ["query_key %r" % (ans or {}).get("query_key")]))

    # semnet's service/undeployed (the NM never sends it; the CSM's
    # handler is empty): what reaches an Oakestra root must not fail there.
    since = RsmStandIn.log_requests.mark()
    mqtt.pub(pre + "service/undeployed", json.dumps({"appname": JOB, "instance_number": 0}))
    r = wait_report(since, lambda r: True)
    step("B semnet's service/undeployed -> a net_deploy_status an Oakestra root accepts "
         "(the five fields, not 500)",
         ["no report in %ds" % TIMEOUT] if r is None else
         [] if r["status"] == 200 else ["HTTP %d for %r" % (r["status"], r["body"])])

    # NM mqtt/MqttJobUpdates.go cleanInterestTowardsJob -> CSM
    # _interest_remove_handler: the last node out drops the root's interest.
    since = RsmStandIn.log_requests.mark()
    mqtt.pub(pre + "interest/remove", json.dumps({"appname": JOB}))
    r = RsmStandIn.log_requests.wait(lambda r: r["method"] == "DELETE" and
                                     r["path"] == "/api/net/interest/%s" % JOB, since)
    step("B NM interest/remove from the last interested node -> DELETE /api/net/interest/<job> "
         "(CSM network/tablequery/interests.py remove_interest)",
         [] if r and r["status"] == 200 else ["no accepted DELETE in %ds" % TIMEOUT])

    # semnet's node removal: its subnet release meets no such route at an
    # Oakestra root (a 500); later reports must still go through.
    since = RsmStandIn.log_requests.mark()
    st, _, text = http(cl, "DELETE", "/api/net/node/%s" % node)
    pre2 = "nodes/%s/net/" % node2
    ans = mqtt.request(pre2 + "subnet", {"METHOD": "GET"}, pre2 + "subnetwork/result")
    sub2 = ipaddress.ip_address((ans or {}).get("address") or "10.18.1.0")
    mqtt.pub(pre2 + "service/deployed", json.dumps(dict(
        deployed, instance_number=1, nsip=str(sub2 + 2), nsipv6="", host_ip="192.0.2.23")))
    r = wait_report(since, lambda r: ((r["body"] or {}).get("instances") or [{}])[0]
                    .get("instance_number") == 1)
    step("B after a node leaves (semnet's DELETE /api/net/node; the subnet release fails at an "
         "Oakestra root), the next node's report is still delivered and accepted",
         ([] if st == 200 else ["DELETE node: HTTP %d %s" % (st, text)]) +
         (["no report in %ds" % TIMEOUT] if r is None else
          [] if r["status"] == 200 else ["HTTP %d for %r" % (r["status"], r["body"])]))

    # CSM service_manager.py delete_service -> remove_service: 200 (the
    # CM's network_notify_undeployment is empty at this commit).
    st, _, text = http(cl, "DELETE", "/api/net/deployment/%s" % JOB)
    step("B DELETE /api/net/deployment/<job> (CSM service_manager.py delete_service): 200",
         [] if st == 200 else ["HTTP %d %s" % (st, text)])

    all_reports = reports(0)
    step("B every net_deploy_status the root got was accepted (none lacks job_id or a field)",
         ["HTTP %d for %r" % (r["status"], r["body"]) for r in all_reports if r["status"] != 200])
    regs = [r for r in RsmStandIn.log_requests.after(0) if r["path"] == "/api/net/cluster"]
    step("B without --cluster-id the cluster does not register itself (the SM registers it "
         "under the id it assigns, SM system_manager.py handle_init_final)",
         ["registered itself: %r" % regs[0]["body"]] if regs else [])
    q = [r for r in RsmStandIn.log_requests.after(0) if "cluster_id" in r["query"]]
    step("B ... and names no cluster id in its calls (the RSM knows a cluster by its address)",
         ["%s %s%s" % (r["method"], r["path"], r["query"]) for r in q[:3]])
    stop_daemon("semnet-cluster", cl_p)
    rsm.shutdown()


# ============================================================= part C ===

def part_c(mqtt_port):
    """A cluster that registers itself (--cluster-id) and listens on every
    address advertises the address that routes to the root, not loopback."""
    addrs = []
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                             capture_output=True, text=True).stdout
        addrs = re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    except OSError:
        pass
    if not addrs:
        skip("C --cluster-address derived from the route to the root", "no global IPv4 address")
        return
    RsmStandIn.log_requests = Log()
    rsm = serve(RsmStandIn, "0.0.0.0")
    ready = os.path.join(WORK, "cluster-c.port")
    p = spawn("semnet-cluster-c", [
        os.path.join(BIN, "semnet-cluster"), "--cluster-id", "edge-c", "--listen", "0.0.0.0",
        "--port", "0", "--ready-file", ready, "--db", os.path.join(WORK, "cluster-c.db"),
        "--sync", "normal", "--root-url", "http://%s:%d" % (addrs[0], rsm.server_address[1]),
        "--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port)])
    wait_ready_file(ready, p, "semnet-cluster (part C)")
    r = RsmStandIn.log_requests.wait(lambda r: r["path"] == "/api/net/cluster")
    step("C listening on 0.0.0.0, the cluster registers the address that routes to the root "
         "(%s), not 127.0.0.1 (RSM pushes to cluster_address)" % addrs[0],
         ["no registration in %ds" % TIMEOUT] if r is None else
         [] if (r["body"] or {}).get("cluster_address") == addrs[0] else
         ["cluster_address %r" % (r["body"] or {}).get("cluster_address")])
    stop_daemon("semnet-cluster-c", p)
    rsm.shutdown()


def main():
    mqtt_port = start_broker()
    mqtt = Mqtt(mqtt_port)
    try:
        part_a()
        part_b(mqtt_port, mqtt)
        part_c(mqtt_port)
    finally:
        for _, p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("1..%d" % steps["n"])
    print("# replay: %d steps, %d failed" % (steps["n"], steps["failed"]))
    return 1 if steps["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
