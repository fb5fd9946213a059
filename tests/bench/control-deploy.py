#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many containers deployed as an orchestrator does, for tests/bench/control.sh.

  control-deploy.py services N PREFIX SOCKET...
      N services PREFIX<i>.ns.web.prod with one instance each, placed on the
      nodes (semnetd unix sockets) in turn; prints their RR addresses.
  control-deploy.py instances N JOB SOCKET
      one service JOB (app.ns.svc.ns) with N instances, all on that node.

Run in the control namespace (the root at 127.0.0.1:10099, the cluster at
127.0.0.1:10110). Each "container" is a child process that unshares a
network namespace of its own and sleeps (the deploy names it by pid):
one fork each instead of ip netns add and a shell, which under TCG costs
a second a container. Returns once the root lists every instance's
location (the cluster reports it after the node's service/deployed).
"""
import ctypes
import http.client
import json
import os
import signal
import socket
import sys
import time

CLONE_NEWNET = 0x40000000


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(self.unix_path)


def call(conn, method, path, body=None):
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit(f"control-deploy: {method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data)


def container():
    """A child in a network namespace of its own; its pid."""
    libc = ctypes.CDLL(None, use_errno=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # Nothing of the parent's: a $(...) around this script would wait
        # for every container to close its stdout, and semnetd for each to
        # close its copy of the API connection.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, w)
        os.closerange(w + 1, 65536)
        os.setsid()
        ok = libc.unshare(CLONE_NEWNET) == 0
        os.write(w, b"1" if ok else b"0")
        os.close(w)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        while True:
            signal.pause()
    os.close(w)
    if os.read(r, 1) != b"1":
        raise SystemExit("control-deploy: unshare failed")
    os.close(r)
    return pid


def main():
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    mode, n = sys.argv[1], int(sys.argv[2])
    root = http.client.HTTPConnection("127.0.0.1", 10099, timeout=60)
    cluster = http.client.HTTPConnection("127.0.0.1", 10110, timeout=60)
    if mode == "services":
        prefix, sockets = sys.argv[3], sys.argv[4:]
        jobs = [(f"{prefix}{i}", f"{prefix}{i}.ns.web.prod", 0, sockets[i % len(sockets)])
                for i in range(n)]
    else:
        job, sock = sys.argv[3], sys.argv[4]
        jobs = [(job.split(".")[0], job, i, sock) for i in range(n)]
    nodes = {s: UnixHTTP(s) for s in set(j[3] for j in jobs)}
    rrs = {}
    for job_id, name, number, sock in jobs:
        if job_id not in rrs:
            app, app_ns, svc, svc_ns = name.split(".")
            rrs[job_id] = call(root, "POST", "/api/net/service/deploy", {
                "_id": job_id, "deployment_descriptor": {
                    "app_name": app, "app_ns": app_ns, "service_name": svc,
                    "service_ns": svc_ns}})["RR_ip"]
            call(cluster, "POST", "/api/net/deployment", {"job_name": name, "job_id": job_id})
        call(root, "POST", "/api/net/instance/deploy",
             {"_id": job_id, "instance_number": number, "cluster_id": "c1"})
        call(nodes[sock], "POST", "/container/deploy", {
            "pid": container(), "serviceName": name, "instanceNumber": number,
            "portMappings": ""})
    # The locations reach the root through the cluster's outbox.
    want = {}
    for job_id, name, number, sock in jobs:
        want.setdefault(name, set()).add(number)
    end = time.monotonic() + 300
    for name, numbers in want.items():
        while True:
            got = call(root, "GET", f"/api/net/service/{name}/instances")
            if numbers <= {i["instance_number"] for i in got.get("instance_list", [])}:
                break
            if time.monotonic() > end:
                raise SystemExit(f"control-deploy: the root never located {name}")
            time.sleep(0.2)
    if mode == "services":
        print("\n".join(rrs[j[0]] for j in jobs))


if __name__ == "__main__":
    main()
