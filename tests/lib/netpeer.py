#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Traffic endpoints for the scenarios: exact payload and address checks
that plain tools cannot make. Exit status 0 means every check held.

  netpeer.py udp-echo PORT                      serve: echo each datagram (IPv4 and IPv6)
  netpeer.py udp ADDR PORT SIZE [WAIT]          one datagram (sent once), echo equal,
                                                from ADDR:PORT within WAIT s (5)
  netpeer.py udp-refused ADDR PORT              a datagram to a closed port: the ICMP
                                                error must reach this socket
  netpeer.py tcp ADDR PORT SIZE [LPORT]         one connection, echo equal
  netpeer.py clash ADDR1 ADDR2 PORT LPORT       two connections from one source port at once
  netpeer.py hold ADDR PORT FILE                echo, wait for FILE to exist, echo again
  netpeer.py gre-send ADDR PORT KEY SRC DST     one GRE-in-UDP packet (key KEY) holding
                                                an ICMP echo SRC -> DST, as a peer would;
                                                IPv6 SRC and DST: a UDP datagram in IPv6
                                                (GRE protocol 0x86DD), KEY an IPv6 nsIP
                                                whose low 32 bits are the key
  netpeer.py ipudp-send ADDR PORT SRC DST       gre-send's inner packet bare in UDP, as
                                                an ipudp (Oakestra) peer would

An address with a colon is IPv6: the socket is AF_INET6 then.
"""
import os
import socket
import struct
import sys
import time


def fail(msg):
    print(f"netpeer: {msg}", file=sys.stderr)
    sys.exit(1)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def same(peer, addr, port):
    """Whether a socket address (IPv4 or IPv6) is ADDR:PORT, however ADDR is
    written."""
    fam = family(addr)
    return family(peer[0]) == fam and peer[1] == port and \
        socket.inet_pton(fam, peer[0]) == socket.inet_pton(fam, addr)


def udp_echo(port):
    # One socket for both families: IPv4 datagrams arrive as mapped
    # addresses, and the reply goes back as IPv4. Without IPv6, IPv4 only.
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
    except OSError:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udp(addr, port, size, wait=5.0):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(wait)
    data = os.urandom(size)
    s.sendto(data, (addr, port))
    reply, peer = s.recvfrom(65535)
    if reply != data:
        fail(f"udp: {len(reply)} bytes back, not the {size} sent")
    if not same(peer, addr, port):
        fail(f"udp: reply from {peer[0]}:{peer[1]}, not {addr}:{port}")
    print(f"udp {size} bytes echoed by {addr}:{port}")


def udp_refused(addr, port):
    # A connected UDP socket gets the port-unreachable as ECONNREFUSED, but
    # only when the error's embedded header names this very socket.
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(5)
    s.connect((addr, port))
    s.send(b"anyone?")
    try:
        s.recv(100)
    except ConnectionRefusedError:
        print(f"udp to {addr}:{port}: connection refused, as it should")
        return
    except socket.timeout:
        fail(f"udp to {addr}:{port}: no ICMP error reached the socket")
    fail(f"udp to {addr}:{port}: got an answer from a closed port")


def connect(addr, port, lport=0):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(10)
    if lport:
        s.bind(("::" if family(addr) == socket.AF_INET6 else "0.0.0.0", lport))
    s.connect((addr, port))
    return s


def echo(s, size):
    data = os.urandom(size)
    s.sendall(data)
    got = b""
    while len(got) < size:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    if got != data:
        fail(f"tcp: {len(got)} bytes back, not the {size} sent (or different)")


def tcp(addr, port, size, lport=0):
    s = connect(addr, port, lport)
    echo(s, size)
    if not same(s.getpeername(), addr, port):
        fail(f"tcp: peer is {s.getpeername()}")
    s.close()
    print(f"tcp {size} bytes echoed by {addr}:{port}")


def clash(addr1, addr2, port, lport):
    a = connect(addr1, port, lport)
    b = connect(addr2, port, lport)
    for s in (a, b, a, b):
        echo(s, 1000)
    print(f"two connections from port {lport}: {addr1} and {addr2} both echo")


def hold(addr, port, path):
    s = connect(addr, port)
    echo(s, 1000)
    print(f"connected from port {s.getsockname()[1]}", flush=True)
    for _ in range(600):
        if os.path.exists(path):
            break
        time.sleep(0.1)
    else:
        fail(f"{path} never appeared")
    echo(s, 1000)
    print("still echoing")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def gre_key(key):
    """The 4 key bytes: an IPv4 nsIP, or the low 32 bits of an IPv6 one."""
    if ":" in key:
        return socket.inet_pton(socket.AF_INET6, key)[12:]
    return socket.inet_aton(key)


def inner4(src, dst):
    """An IPv4 ICMP echo SRC -> DST."""
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5E5E, 1) + b"semnet-test"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + icmp


def inner6(src, dst):
    """An IPv6 UDP datagram SRC:5353 -> DST:9, its checksum (mandatory in
    IPv6) over the pseudo-header."""
    saddr = socket.inet_pton(socket.AF_INET6, src)
    daddr = socket.inet_pton(socket.AF_INET6, dst)
    payload = b"semnet-test"
    udp = struct.pack("!HHHH", 5353, 9, 8 + len(payload), 0) + payload
    pseudo = saddr + daddr + struct.pack("!I3xB", len(udp), 17)
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    # Version 6, payload length, next header UDP, hop limit 64.
    return struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + saddr + daddr + udp


def gre_send(addr, port, key, src, dst):
    v6 = ":" in src
    inner = inner6(src, dst) if v6 else inner4(src, dst)
    gre = struct.pack("!HH4s", 0x2000, 0x86DD if v6 else 0x0800, gre_key(key))
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.sendto(gre + inner, (addr, port))
    print(f"sent GRE key {key}: {src} -> {dst} to {addr}:{port}")


def ipudp_send(addr, port, src, dst):
    inner = inner6(src, dst) if ":" in src else inner4(src, dst)
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.sendto(inner, (addr, port))
    print(f"sent ipudp: {src} -> {dst} to {addr}:{port}")


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "udp-echo":
        udp_echo(int(args[0]))
    elif cmd == "udp":
        udp(args[0], int(args[1]), int(args[2]),
            float(args[3]) if len(args) > 3 else 5.0)
    elif cmd == "udp-refused":
        udp_refused(args[0], int(args[1]))
    elif cmd == "tcp":
        tcp(args[0], int(args[1]), int(args[2]), int(args[3]) if len(args) > 3 else 0)
    elif cmd == "clash":
        clash(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "hold":
        hold(args[0], int(args[1]), args[2])
    elif cmd == "gre-send":
        gre_send(args[0], int(args[1]), args[2], args[3], args[4])
    elif cmd == "ipudp-send":
        ipudp_send(args[0], int(args[1]), args[2], args[3])
    else:
        fail(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except OSError as e:
        fail(str(e))
