#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Opens many flows at once from this namespace, for the adversarial
scenarios: one raw socket sends the first packet of each (a UDP datagram
or a TCP SYN) from a different source port, as fast as it can, and never
answers anything. Prints "sent N in S s".

Usage: flows.py udp|syn DST DPORT COUNT [--first-port P] [--random-ports]
                [--seconds S] [--rate PPS]
  --first-port P    source ports P, P+1, ... (default 10000)
  --random-ports    random source ports instead (a flood)
  --seconds S       keep sending for S seconds (COUNT per round, repeated)
  --rate PPS        at most PPS packets a second
  --src ADDR        send from ADDR (one of this namespace's); repeated,
                    COUNT from each (one process instead of one each:
                    python starts slowly under TCG)
  --ready FILE      create FILE once the sockets are open, then ...
  --go FILE         ... wait until FILE exists before sending (so that a
                    memory limit can be set on a sender already running)
"""
import argparse
import os
import random
import socket
import struct
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def source_for(dst):
    """The address this host sends to DST from (routing decides)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((dst, 9))
    src = s.getsockname()[0]
    s.close()
    return src


def segment(kind, src, dst, sport, dport):
    if kind == "udp":
        return struct.pack("!HHHH", sport, dport, 8 + 4, 0) + b"semn"
    # A SYN: seq random, window 1024, no options; checksum over the
    # pseudo-header.
    hdr = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0,
                      5 << 4, 0x02, 1024, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, socket.IPPROTO_TCP, len(hdr))
    csum = checksum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", csum) + hdr[18:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["udp", "syn"])
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--first-port", type=int, default=10000)
    ap.add_argument("--random-ports", action="store_true")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--src", action="append")
    ap.add_argument("--ready")
    ap.add_argument("--go")
    a = ap.parse_args()

    proto = socket.IPPROTO_UDP if a.kind == "udp" else socket.IPPROTO_TCP
    senders = []
    for src in a.src or [source_for(a.dst)]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
        if a.src:
            sock.bind((src, 0))
        senders.append((src, sock))
    if a.ready:
        open(a.ready, "w").close()
    while a.go and not os.path.exists(a.go):
        time.sleep(0.1)
    start = time.monotonic()
    sent = 0
    while True:
        for i in range(a.count):
            if a.random_ports:
                sport = random.randint(1024, 65535)
            else:
                sport = a.first_port + i
            for src, sock in senders:
                try:
                    sock.sendto(segment(a.kind, src, a.dst, sport, a.dport),
                                (a.dst, 0))
                    sent += 1
                except OSError:
                    pass    # dropped (ENOBUFS, EPERM from a full table)
                if a.rate and sent > a.rate * (time.monotonic() - start):
                    time.sleep(1 / a.rate)
            if a.seconds and time.monotonic() - start >= a.seconds:
                break
        if not a.seconds or time.monotonic() - start >= a.seconds:
            break
    print("sent %d in %.1f s" % (sent, time.monotonic() - start))


if __name__ == "__main__":
    main()
