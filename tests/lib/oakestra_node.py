#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A stand-in Oakestra node for the tests: on the wire, what oakestra-net's
NetManager proxy does (oakestra-net 1bdf5fa, node-net-manager/proxy/:
ProxySetup.go createTun(), ProxyTunnel.go outgoingProxy(), ingoingProxy(),
locateRemoteAddress(), forward(), proxyCache.go; the table entries of
env/tableQueryRequests.go responseParser() and
TableEntryCache/serviceTranslationTable.go). Python's standard library
only; IPv4 and IPv6 (the proxy picks by the packet's version: Nsipv6 and
Address_v6 for IPv6).

  oakestra_node.py --table FILE --local ADDR [--port 50103]
                   [--services 10.30.0.0/16] [--tun goProxyTun]
                   [--tun-ip 10.19.1.254/12] [--route 10.30.0.0/12]
                   [--services6 fc00::/7] [--tun-ip6 fcef::dead:beef/7]
                   [--mtu 1450] [--stats FILE]

What it does, as the proxy does:
  - a tun device (--tun, no packet information) with --tun-ip, MTU --mtu,
    up, and the route --route into it (the proxy's "10.30.0.0/12", which
    covers its nsIPs and ServiceIPs): the node's containers reach other
    nodes and ServiceIPs through it; for IPv6 --tun-ip6 (TunNetIPv6 "/7",
    as ProxySetup.go adds it), whose prefix route is the way in (the
    proxy's own IPv6 route command names the mask in hex, which ip
    refuses);
  - a UDP socket on --port (TunnelPort, 50103 by default), both families:
    every datagram is a bare IP packet (the UDP payload starts with the
    IPv4 header);
  - from the tun, a TCP or UDP packet to an address in --services
    (ProxySubnetwork, 10.30.0.0/16), or an IPv6 one in --services6
    (ProxySubnetworkIPv6: ProxySetup.go's default fc00::/7; an IPv6 packet
    with an extension header is not TCP or UDP to it) is translated: the table entries that
    have that address among their ServiceIPs are the candidates, one is
    picked for a new flow (the proxy's cache: source port, source, the
    client's InstanceIP, ServiceIP, destination port), the destination
    becomes the entry's nsIP and the source the sender's InstanceIP (its
    entry's "InstanceNumber" ServiceIP; for IPv6 the entry's Nsipv6 and
    Address_v6); the packet then goes bare in UDP
    to the host_ip:host_port of the entry holding that nsIP, from a socket
    of its own per destination (net.DialUDP: an ephemeral source port), or
    straight to the receive side when host_ip is --local. Anything else
    from the tun is dropped: ICMP, other protocols, other destinations,
    ServiceIPs without entries, senders without an InstanceIP;
  - from the socket, a TCP or UDP packet (others are dropped) whose
    destination, destination port and source port match a flow of the
    cache is turned back (source: the ServiceIP the client used); any
    other is written to the tun as it came. The sender is not checked.
  Checksums are recomputed for translated packets (gopacket's
  ComputeChecksums), the outer UDP checksum is the kernel's.

One deviation: the proxy picks a candidate at random (rand.Intn, seed
42); this one takes them in turn, per ServiceIP, so that tests know
which instance each new flow reaches.

The table (--table) is a JSON list of Oakestra table query responses
(mqtt/Tablequery.go TableQueryResponse), e.g. a cluster's answers as they
came (a cluster service-manager's entries name the instance's own
address with IpType "instance_ip"):
  [{"app_name": "app.ns.svc.ns", "instance_list": [{"instance_number": 0,
    "namespace_ip": "10.18.0.3", "host_ip": "192.168.1.2", "host_port": 50103,
    "service_ip": [{"IpType": "RR", "Address": "10.30.0.1"},
                   {"IpType": "InstanceNumber", "Address": "10.30.1.1"}]}]}]

It prints "ready" once it listens. SIGUSR1 writes its counters as JSON to
--stats (through a rename): the datagrams sent per "ADDR:PORT" ("tx"),
received per sender ADDR ("rx": a sender's source ports vary), "local"
the packets it looped to itself, "drop" by reason.
"""
import argparse
import fcntl
import ipaddress
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys

from craft import csum  # noqa: E402  (tests/lib, this script's directory)

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
TCP, UDP = 6, 17
CACHE_SLOTS = 10		# proxyCache.go conversionListMaxSize


class Packet:
    """An IPv4 or IPv6 TCP or UDP packet, or None from parse()."""

    def __init__(self, data, v6):
        self.data = bytearray(data)
        self.v6 = v6
        if v6:
            self.hl, self.proto = 40, data[6]
            self.src, self.dst = bytes(data[8:24]), bytes(data[24:40])
        else:
            self.hl, self.proto = (data[0] & 15) * 4, data[9]
            self.src, self.dst = bytes(data[12:16]), bytes(data[16:20])
        self.sport, self.dport = struct.unpack_from("!HH", data, self.hl)

    @staticmethod
    def parse(data):
        """The proxy's decodePacket() and GetTransportLayer(): TCP or UDP,
        a whole first fragment (IPv4), right after the header (IPv6: its
        GetTransportLayer() reads NextHeader only)."""
        if len(data) >= 48 and data[0] >> 4 == 6:
            return Packet(data, True) if data[6] in (TCP, UDP) else None
        if len(data) < 20 or data[0] >> 4 != 4 or (data[0] & 15) < 5:
            return None
        hl = (data[0] & 15) * 4
        frag = struct.unpack_from("!H", data, 6)[0]
        if data[9] not in (TCP, UDP) or frag & 0x3FFF or len(data) < hl + 8:
            return None
        return Packet(data, False)

    def rewrite(self, dst, src):
        """SerializePacket(dst, src): new addresses, checksums recomputed."""
        d, hl = self.data, self.hl
        self.src, self.dst = bytes(src), bytes(dst)
        if self.v6:
            d[8:24], d[24:40] = src, dst
            end = hl + struct.unpack_from("!H", d, 4)[0]
        else:
            d[12:16], d[16:20] = src, dst
            end = struct.unpack_from("!H", d, 2)[0]
            d[10:12] = b"\0\0"
            struct.pack_into("!H", d, 10, csum(bytes(d[:hl])))
        seg = d[hl:end]
        at = 16 if self.proto == TCP else 6
        if not self.v6 and self.proto == UDP and \
           struct.unpack_from("!H", seg, 6)[0] == 0:
            return		# no UDP checksum: none still (IPv4 only)
        seg[at:at + 2] = b"\0\0"
        if self.v6:
            pseudo = src + dst + struct.pack("!I3xB", len(seg), self.proto)
        else:
            pseudo = src + dst + struct.pack("!xBH", self.proto, len(seg))
        c = csum(pseudo + bytes(seg))
        if self.proto == UDP and c == 0:
            c = 0xFFFF
        struct.pack_into("!H", seg, at, c)
        d[hl:end] = seg


def ip6(text):
    """net.ParseIP() of an IPv6 address: its bytes, or None ("", "<nil>",
    null and anything else that is not one)."""
    try:
        return socket.inet_pton(socket.AF_INET6, text) if text else None
    except OSError:
        return None


class Entry:
    """A table entry (TableEntryCache.TableEntry) of one instance."""

    def __init__(self, job, inst):
        self.job = job
        self.nsip = socket.inet_aton(inst["namespace_ip"])
        self.nsip6 = ip6(inst.get("namespace_ip_v6"))
        self.host = inst["host_ip"]
        self.port = int(inst["host_port"])
        self.sips = [(s["IpType"], socket.inet_aton(s["Address"]))
                     for s in inst.get("service_ip", []) if s.get("Address")]
        self.sips6 = [(s["IpType"], ip6(s.get("Address_v6")))
                      for s in inst.get("service_ip", [])
                      if ip6(s.get("Address_v6"))]

    def instance_ip(self, v6):
        """convertToInstanceIp(): its InstanceNumber ServiceIP (the last),
        Address_v6 for IPv6. toServiceIP() (env/tableQueryRequests.go)
        makes every IpType but "RR" and "Closest" one: the cluster's
        "instance_ip" too."""
        ips = [a for t, a in (self.sips6 if v6 else self.sips)
               if t not in ("RR", "Closest")]
        return ips[-1] if ips else None

    def serves(self, addr, v6):
        return any(a == addr for _, a in (self.sips6 if v6 else self.sips))


class Node:
    def __init__(self, args):
        self.local = args.local
        self.services = ipaddress.ip_network(args.services)
        self.services6 = ipaddress.ip_network(args.services6)
        with open(args.table) as f:
            self.table = [Entry(r["app_name"], i) for r in json.load(f)
                          for i in r["instance_list"]]
        self.stats_path = args.stats
        self.stats = {"tx": {}, "rx": {}, "local": 0, "drop": {}}
        self.turn = {}			# ServiceIP -> next candidate
        self.cache = {}			# source port -> conversion list
        self.conns = {}			# "host:port" -> connected socket
        self.tun = self.open_tun(args)
        self.sock = self.listen(args.port)

    def open_tun(self, a):
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.tun.encode(),
                                               IFF_TUN | IFF_NO_PI))
        for cmd in (["addr", "add", a.tun_ip, "dev", a.tun],
                    ["-6", "addr", "add", a.tun_ip6, "dev", a.tun, "nodad"],
                    ["link", "set", "dev", a.tun, "up"],
                    ["link", "set", "dev", a.tun, "mtu", str(a.mtu)]):
            subprocess.run(["ip"] + cmd, check=True)
        # "Done by default by the system": exists already when --tun-ip's
        # prefix is --route.
        subprocess.run(["ip", "route", "add", a.route, "dev", a.tun],
                       stderr=subprocess.DEVNULL)
        return fd

    @staticmethod
    def listen(port):
        """net.ListenUDP("udp", ":PORT"): IPv6 and IPv4 on one socket."""
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", port))
        except OSError:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", port))
        return s

    def count(self, kind, key):
        d = self.stats[kind]
        d[key] = d.get(key, 0) + 1

    def dump(self, *_):
        if not self.stats_path:
            return
        tmp = self.stats_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.stats, f)
        os.rename(tmp, self.stats_path)

    # proxyCache.go
    def cache_by_service(self, p, iip):
        for e in self.cache.get(p.sport, {}).get("list", []):
            if e["dstport"] == p.dport and e["sip"] == p.dst and \
               e["srcip"] == p.src and e["iip"] == iip:
                return e
        return None

    def cache_by_instance(self, p):
        for e in self.cache.get(p.dport, {}).get("list", []):
            if e["dstport"] == p.sport and e["srcip"] == p.dst:
                return e
        return None

    def cache_add(self, e):
        slot = self.cache.setdefault(e["srcport"], {"next": 0, "list": []})
        lst = slot["list"]
        for i, old in enumerate(lst):
            if old["dstport"] == e["dstport"]:
                lst[i] = e
                return
        if len(lst) < CACHE_SLOTS:
            lst.append(e)
        else:
            lst[slot["next"]] = e
        slot["next"] = (slot["next"] + 1) % CACHE_SLOTS

    def by_nsip(self, nsip):
        """GetTableEntryByNsIP(): Nsip or Nsipv6."""
        return next((e for e in self.table if nsip in (e.nsip, e.nsip6)),
                    None)

    def outgoing(self, data):
        """A packet from the tun: outgoingMessage(), outgoingProxy()."""
        p = Packet.parse(data)
        if p is None:
            return self.count("drop", "not-tcp-udp")
        if ipaddress.ip_address(p.dst) not in \
           (self.services6 if p.v6 else self.services):
            return self.count("drop", "not-service")
        cands = [e for e in self.table if e.serves(p.dst, p.v6)]
        if not cands:
            return self.count("drop", "no-entry")
        sender = self.by_nsip(p.src)
        iip = sender.instance_ip(p.v6) if sender else None
        if iip is None:
            return self.count("drop", "no-instance-ip")
        e = self.cache_by_service(p, iip)
        if e is None:
            i = self.turn.get(p.dst, 0)
            self.turn[p.dst] = i + 1
            pick = cands[i % len(cands)]
            dst = pick.nsip6 if p.v6 else pick.nsip
            if dst is None:	# no Nsipv6: the proxy would send to nil
                return self.count("drop", "no-nsip6")
            e = {"srcip": p.src, "dstip": dst, "sip": p.dst, "iip": iip,
                 "srcport": p.sport, "dstport": p.dport}
            self.cache_add(e)
        p.rewrite(e["dstip"], e["iip"])
        to = self.by_nsip(p.dst)		# locateRemoteAddress()
        if to is None:
            return self.count("drop", "no-node")
        self.forward(to.host, to.port, bytes(p.data))

    def forward(self, host, port, data):
        if host == self.local:
            self.stats["local"] += 1
            return self.ingoing(data)
        key = f"{host}:{port}"
        s = self.conns.get(key)
        if s is None:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.connect((host, port))
            self.conns[key] = s
        s.send(data)
        self.count("tx", key)

    def ingoing(self, data):
        """A packet from the socket: ingoingMessage(), ingoingProxy()."""
        p = Packet.parse(data)
        if p is None:
            return self.count("drop", "not-tcp-udp-in")
        e = self.cache_by_instance(p)
        if e is not None:
            p.rewrite(e["srcip"], e["sip"])
            data = bytes(p.data)
        os.write(self.tun, data)

    def run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.tun, selectors.EVENT_READ, "tun")
        sel.register(self.sock, selectors.EVENT_READ, "udp")
        signal.signal(signal.SIGUSR1, self.dump)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print("ready", flush=True)
        while True:
            for key, _ in sel.select():
                if key.data == "tun":
                    self.outgoing(os.read(self.tun, 65536))
                    continue
                data, peer = self.sock.recvfrom(65536)
                host = peer[0]
                if host.startswith("::ffff:"):
                    host = host[7:]
                self.count("rx", host)
                self.ingoing(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", required=True)
    ap.add_argument("--local", required=True,
                    help="this node's host_ip (NodePublicAddress)")
    ap.add_argument("--port", type=int, default=50103)
    ap.add_argument("--services", default="10.30.0.0/16")
    ap.add_argument("--tun", default="goProxyTun")
    ap.add_argument("--tun-ip", default="10.19.1.254/12")
    ap.add_argument("--route", default="10.30.0.0/12")
    ap.add_argument("--services6", default="fc00::/7")
    ap.add_argument("--tun-ip6", default="fcef::dead:beef/7")
    ap.add_argument("--mtu", type=int, default=1450)
    ap.add_argument("--stats")
    Node(ap.parse_args()).run()


if __name__ == "__main__":
    main()
