#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many semnet nodes over one MQTT connection, for tests/bench/control.sh.

  control-nodes.py PORT register N [WINDOW]
      nodes n00000..n{N-1} each ask for their subnet (nodes/<id>/net/subnet,
      what semnetd sends after /register, with an underlay address), at most
      WINDOW (default 64) unanswered at a time; prints one line
      "register ok=K failed=F seconds=S rate=R p50_ms=A p99_ms=B max_ms=C"
      and the per-thousand rates as "# " lines.
  control-nodes.py PORT query N COUNT SNAME [WINDOW]
      COUNT table queries {"sname": SNAME} (nodes/<id>/net/tablequery/request),
      from the N nodes in turn; same output line, "query ...".

A minimal MQTT 3.1.1 client on a plain socket (no client library on the
test machines): QoS 1 publishes as semnetd sends them, answers received at
QoS 0 (the broker downgrades; nothing to acknowledge). A window keeps the
broker's queues short, so the figures are the cluster's rate, not a burst
the broker drops.
"""
import select
import socket
import struct
import sys
import time


def varint(n):
    out = b""
    while True:
        byte, n = n % 128, n // 128
        out += bytes([byte | (128 if n else 0)])
        if not n:
            return out


def packet(kind, body):
    return bytes([kind]) + varint(len(body)) + body


def string(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


class Client:
    def __init__(self, port, client_id):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.out = b""
        self.pid = 0
        self.sock.sendall(packet(0x10, string("MQTT") + bytes([4, 2]) + struct.pack("!H", 600)
                                 + string(client_id)))
        kind, body = self.read_packet(10)
        if kind != 0x20 or body[1] != 0:
            raise SystemExit("control-nodes: the broker refused the connection")

    def next_pid(self):
        self.pid = self.pid % 65535 + 1
        return self.pid

    def subscribe(self, topic):
        self.sock.sendall(packet(0x82, struct.pack("!H", self.next_pid()) + string(topic) + b"\0"))
        while True:
            kind, _ = self.read_packet(10)
            if kind == 0x90:
                return

    def publish(self, topic, payload):
        """Queued; flush() sends (one write for many)."""
        self.out += packet(0x32, string(topic) + struct.pack("!H", self.next_pid())
                           + payload.encode())

    def flush(self):
        if self.out:
            self.sock.sendall(self.out)
            self.out = b""

    def parse(self):
        """One complete packet from the buffer, or None."""
        if len(self.buf) < 2:
            return None
        n, mult, i = 0, 1, 1
        while True:
            if i >= len(self.buf):
                return None
            n += (self.buf[i] & 127) * mult
            mult *= 128
            i += 1
            if not self.buf[i - 1] & 128:
                break
        if len(self.buf) < i + n:
            return None
        kind, body = self.buf[0] & 0xF0, self.buf[i:i + n]
        self.buf = self.buf[i + n:]
        return kind, body

    def read_packet(self, timeout):
        end = time.monotonic() + timeout
        while True:
            p = self.parse()
            if p:
                return p
            if not select.select([self.sock], [], [], max(0, end - time.monotonic()))[0]:
                raise SystemExit("control-nodes: no answer from the broker")
            data = self.sock.recv(1 << 20)
            if not data:
                raise SystemExit("control-nodes: the broker closed the connection")
            self.buf += data

    def messages(self, timeout):
        """(topic, payload) of the PUBLISH packets that arrive within timeout."""
        got = []
        if select.select([self.sock], [], [], timeout)[0]:
            data = self.sock.recv(1 << 20)
            if not data:
                raise SystemExit("control-nodes: the broker closed the connection")
            self.buf += data
        while True:
            p = self.parse()
            if not p:
                return got
            kind, body = p
            if kind == 0x30:
                tlen = struct.unpack_from("!H", body)[0]
                got.append((body[2:2 + tlen].decode(), body[2 + tlen:]))


def node_id(i):
    return f"n{i:05d}"


def run(client, what, nodes, count, window, request, answer_topic_end, ok_test):
    """count requests, at most window unanswered; returns the summary line."""
    sent = {}		# node -> time sent (one outstanding request per node)
    lat = []
    ok = failed = nxt = 0
    start = time.monotonic()
    marks = []
    while ok + failed < count:
        while nxt < count and len(sent) < window:
            node = node_id(nxt % nodes)
            if node in sent:
                break	# that node's previous request is still unanswered
            request(nxt, node)
            sent[node] = time.monotonic()
            nxt += 1
        client.flush()
        for topic, payload in client.messages(30 if sent else 0):
            if not topic.endswith(answer_topic_end):
                continue
            node = topic.split("/")[1]
            t0 = sent.pop(node, None)
            if t0 is None:
                continue
            lat.append(time.monotonic() - t0)
            if ok_test(payload):
                ok += 1
            else:
                failed += 1
                if failed <= 3:
                    print(f"# {what}: {node}: {payload[:200].decode(errors='replace')}")
            if (ok + failed) % 1000 == 0:
                marks.append((ok + failed, time.monotonic() - start))
        if sent and time.monotonic() - max(sent.values()) > 60:
            raise SystemExit(f"control-nodes: {what}: no answer for 60 s "
                             f"({ok + failed} of {count} answered)")
    secs = time.monotonic() - start
    lat.sort()
    prev = (0, 0.0)
    for n, t in marks:
        if n % 5000 == 0 or n == marks[-1][0]:
            print(f"# {what}: {n} answered at {t:.1f} s "
                  f"({(n - prev[0]) / max(t - prev[1], 1e-9):.0f}/s since {prev[0]})")
            prev = (n, t)

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0

    return (f"{what} ok={ok} failed={failed} seconds={secs:.2f} rate={count / secs:.0f} "
            f"p50_ms={pct(0.5):.2f} p99_ms={pct(0.99):.2f} max_ms={pct(1.0):.2f}")


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    port, what, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    c = Client(port, f"bench-{what}-{time.monotonic_ns()}")
    if what == "register":
        window = int(sys.argv[4]) if len(sys.argv) > 4 else 64
        c.subscribe("nodes/+/net/subnetwork/result")

        def request(i, node):
            c.publish(f"nodes/{node}/net/subnet",
                      '{"METHOD":"GET","host_ip":"10.%d.%d.%d","host_port":4754,"tunnel":"gre-udp"}'
                      % (64 + (i >> 16), (i >> 8) & 255, i & 255))
        print(run(c, what, n, n, window, request, "/subnetwork/result",
                  lambda p: b'"prefix_len"' in p and b'"error"' not in p))
    elif what == "query":
        count, sname = int(sys.argv[4]), sys.argv[5]
        window = int(sys.argv[6]) if len(sys.argv) > 6 else 64
        c.subscribe("nodes/+/net/tablequery/result")

        def request(i, node):
            c.publish(f"nodes/{node}/net/tablequery/request", '{"sname":"%s"}' % sname)
        print(run(c, what, n, count, window, request, "/tablequery/result",
                  lambda p: b'"instance_list":[{' in p))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
