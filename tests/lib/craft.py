#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Tunnel packets as a peer (or a spoofer of one) would send them, for
tests/adversarial. Each address's family decides its header: the inner
packet is IPv4 or IPv6, the outer (underlay) one too.

  craft.py gre DST KEY ISRC IDST [opts]   GRE-in-UDP to DST:4754; KEY the
                                          32-bit GRE key (a dotted quad, or
                                          a number such as 0x202)
  craft.py ipudp DST ISRC IDST [opts]     the bare inner packet to DST:50103
  craft.py SPEC + SPEC + ...              several, in turn (one start of
                                          python: slow on the debug kernel)
  craft.py send-tos DST PORT TOS          one UDP datagram with IPv4 TOS
  craft.py recv-tos PORT N TIMEOUT        the TOS of up to N datagrams
  craft.py too-big DST QSRC QDST MTU      an ICMP "fragmentation needed"
                                          (ICMPv6 "packet too big") to DST
                                          about a tunnel packet from QSRC to
                                          QDST:4754 (the quoted outer IP and
                                          UDP headers; port=N another port)
ISRC and IDST are the inner packet's addresses. By default the inner packet
is an ICMP (ICMPv6) echo request.
  opts: udp=PORT    an inner UDP datagram to PORT (sport=PORT: from it)
        proto=N     an inner packet of IP protocol (next header) N and no
                    L4 header; with count=, built from one template (tens
                    of thousands are quick even under TCG)
        tos=N       the inner IPv4 header's TOS
        pad=N       N more bytes of payload
        gre=HEX     the GRE protocol field (default: the inner family's)
        flags=HEX   the GRE flags and version (default 0x2000: a key)
        cut=N       only the inner packet's first N bytes
        src=ADDR    send from ADDR (another address of this namespace)
        spoof=ADDR  a raw socket: the outer IP and UDP headers are built
                    here, with ADDR as the source
        raw=1       the same with this namespace's own address (src=)
        csum=zero|bad  with spoof= or raw=1 over IPv6: the UDP checksum
        count=N     inner sources ISRC, ISRC+1, ...
        pace=N      pause 1 ms every N packets
        for=S       send them again every second for S seconds (a peer
                    that keeps speaking for its client)
"""
import socket
import struct
import sys
import time

GRE_PORT, IPUDP_PORT = 4754, 50103
BODY = b"semnet-adversarial"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload, tos=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 1, 0,
                    64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       src, dst) + payload


def l4sum6(src, dst, nh, seg):
    return csum(src + dst + struct.pack("!I3xB", len(seg), nh) + seg)


def with_sum(seg, at, c):
    return seg[:at] + struct.pack("!H", c) + seg[at + 2:]


def pton(a):
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


def family(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET


def inner(src, dst, o):
    """The inner packet from src to dst (packed addresses)."""
    body = BODY + b"." * int(o.get("pad", 0))
    tos = int(o.get("tos", 0))
    v6 = len(src) == 16
    if "proto" in o:
        if v6:
            return ip6(src, dst, int(o["proto"]), body)
        return ip4(src, dst, int(o["proto"]), body, tos)
    if "udp" in o:
        seg = struct.pack("!HHHH", int(o.get("sport", 40000)), int(o["udp"]),
                          8 + len(body), 0) + body
        if v6:
            return ip6(src, dst, 17, with_sum(seg, 6, l4sum6(src, dst, 17, seg) or 0xFFFF))
        return ip4(src, dst, 17, seg, tos)	# no UDP checksum: none, over IPv4
    if v6:
        icmp = struct.pack("!BBHHH", 128, 0, 0, 0x5E5E, 1) + body
        return ip6(src, dst, 58, with_sum(icmp, 2, l4sum6(src, dst, 58, icmp)))
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5E5E, 1) + body
    return ip4(src, dst, 1, with_sum(icmp, 2, csum(icmp)), tos)


def outer(src, dst, port, p, o):
    """The outer IP and UDP headers of a raw socket's packet."""
    udp = struct.pack("!HHHH", 40001, port, 8 + len(p), 0) + p
    if len(src) == 4:
        return ip4(src, dst, 17, udp)	# a zero checksum: none, over IPv4
    c = l4sum6(src, dst, 17, udp) or 0xFFFF
    if o.get("csum") == "zero":
        c = 0
    elif o.get("csum") == "bad":
        c = (c ^ 0x5A5A) or 1
    return ip6(src, dst, 17, with_sum(udp, 6, c))


def send(dst, port, payloads, o):
    if "spoof" in o or "raw" in o:
        s = socket.socket(family(dst), socket.SOCK_RAW, socket.IPPROTO_RAW)
        src, dport = pton(o.get("spoof") or o["src"]), port
        wrap = lambda p: outer(src, pton(dst), dport, p, o)
        port = 0	# a raw IPv6 socket refuses a port
    else:
        s = socket.socket(family(dst), socket.SOCK_DGRAM)
        if "src" in o:
            s.bind((o["src"], 0))
        wrap = lambda p: p
    pace = int(o.get("pace", 0))
    end = time.monotonic() + float(o.get("for", 0))
    if "for" in o:
        payloads = list(payloads)
    while True:
        for i, p in enumerate(payloads):
            s.sendto(wrap(p), (dst, port))
            if pace and i % pace == pace - 1:
                time.sleep(0.001)
        if time.monotonic() >= end:
            break
        time.sleep(1)


def sources(first, o):
    n = len(pton(first))
    a = int.from_bytes(pton(first), "big")
    for i in range(int(o.get("count", 1))):
        yield (a + i).to_bytes(n, "big")


def flood(hdr, first, dst, o):
    """count packets of protocol proto from sources first, first+1, ...:
    one template with the source (and IPv4's header checksum) patched in."""
    a = pton(first)
    n = len(a)
    base = int.from_bytes(a, "big")
    pkt = bytearray(hdr + inner(bytes(n), dst, o)[:int(o.get("cut", 1 << 16))])
    off = len(hdr)
    at = off + (12 if n == 4 else 8)	# the source address's offset
    if n == 4:
        pkt[off + 10:off + 12] = b"\0\0"
        s0 = sum(struct.unpack("!10H", bytes(pkt[off:off + 20])))
    for i in range(int(o.get("count", 1))):
        src = base + i
        pkt[at:at + n] = src.to_bytes(n, "big")
        if n == 4:
            c = s0 + (src >> 16) + (src & 0xFFFF)
            c = (c & 0xFFFF) + (c >> 16)
            c = (c & 0xFFFF) + (c >> 16)
            struct.pack_into("!H", pkt, off + 10, ~c & 0xFFFF)
        yield bytes(pkt)


def tunnel(cmd, a):
    pos = [x for x in a if "=" not in x]
    o = dict(x.split("=", 1) for x in a if "=" in x)
    if cmd == "gre":
        dst, key, isrc, idst = pos
        key = socket.inet_aton(key) if "." in key else struct.pack("!I", int(key, 0))
        proto = 0x86DD if ":" in idst else 0x0800
        hdr = struct.pack("!HH", int(o.get("flags", "0x2000"), 16),
                          int(o.get("gre", "%x" % proto), 16)) + key
        port = GRE_PORT
    else:
        dst, isrc, idst = pos
        hdr, port = b"", IPUDP_PORT
    d = pton(idst)
    if "proto" in o and int(o.get("count", 1)) > 1:
        send(dst, port, flood(hdr, isrc, d, o), o)
        return
    cut = int(o.get("cut", 1 << 16))
    send(dst, port, (hdr + inner(s, d, o)[:cut] for s in sources(isrc, o)), o)


def send_tos(dst, port, tos):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(tos))
    s.sendto(b"ecn", (dst, int(port)))


def recv_tos(port, n, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    s.bind(("0.0.0.0", int(port)))
    s.settimeout(float(timeout))
    print("ready", flush=True)
    for _ in range(int(n)):
        try:
            _, anc, _, _ = s.recvmsg(100, 64)
        except socket.timeout:
            break
        tos = [c[2][0] for c in anc if c[1] == socket.IP_TOS]
        print(tos[0] if tos else "none", flush=True)


def too_big(dst, qsrc, qdst, mtu, *opts):
    o = dict(x.split("=", 1) for x in opts)
    q = struct.pack("!HHHH", 40001, int(o.get("port", GRE_PORT)), 8 + 64, 0)
    if ":" in dst:
        q = ip6(pton(qsrc), pton(qdst), 17, q + bytes(64))
        icmp = struct.pack("!BBHI", 2, 0, 0, int(mtu)) + q
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        s.sendto(icmp, (dst, 0))	# the kernel fills in the checksum
        return
    q = ip4(pton(qsrc), pton(qdst), 17, q + bytes(64))
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, int(mtu)) + q[:28]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(with_sum(icmp, 2, csum(icmp)), (dst, 0))


def one(a):
    if not a:
        return
    if a[0] in ("gre", "ipudp"):
        tunnel(a[0], a[1:])
    elif a[0] == "send-tos":
        send_tos(*a[1:4])
    elif a[0] == "recv-tos":
        recv_tos(*a[1:4])
    elif a[0] == "too-big":
        too_big(*a[1:])
    else:
        sys.exit("craft.py: gre, ipudp, send-tos, recv-tos or too-big (see its --help)")


if __name__ == "__main__":
    if sys.argv[1:2] in (["-h"], ["--help"]):
        print(__doc__)
        sys.exit(0)
    spec = []
    for w in sys.argv[1:] + ["+"]:
        if w == "+":
            one(spec)
            spec = []
        else:
            spec.append(w)
