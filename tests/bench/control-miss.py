#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table-miss latency from a client's view, for tests/bench/control.sh.

  ip netns exec NODE control-miss.py CLIENT_NETNS PORT ADDR...

Started in the node's namespace, it joins semnet's "misses" genl group
there, then moves into the client container's namespace (setns) for its
TCP sockets. For each ADDR in turn (ServiceIPs the node does not know):
a TCP connect to ADDR:PORT (its SYN misses, is held and released once
semnetd installed the address; the instance's answer, a SYN-ACK or, with
no listener, a RST, ends it), then a second connect (the same exchange
once installed). One line per ADDR, CLOCK_REALTIME seconds:
  ADDR t_syn t_event t_connected first_s again_s
(t_event: when the node's miss event reached this process, 0 if none).
Misses are GAP_MS (environment, default 30) apart: the kernel raises at
most 50 miss events a second per client (SEMNET_MISS_SOURCE_RATE), and a
packet held beyond that waits for its retransmission (1 s for a SYN).
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_MCAST_GROUPS = 2, 1, 7
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1


def attrs(data):
    out, a = {}, 0
    while a + 4 <= len(data):
        alen, atype = struct.unpack_from("HH", data, a)
        out.setdefault(atype & 0x3FFF, []).append(data[a + 4:a + alen])
        a += (alen + 3) & ~3
    return out


def misses_socket():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    name = b"semnet\0"
    payload = struct.pack("HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    payload += b"\0" * (-len(payload) % 4)
    sock.send(struct.pack("IHHII", 20 + len(payload), GENL_ID_CTRL, 1, 1, 0)
              + struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + payload)
    top = attrs(sock.recv(65536)[20:])
    for group in attrs(top[CTRL_ATTR_MCAST_GROUPS][0]).values():
        g = attrs(group[0])
        if g[1][0].rstrip(b"\0") == b"misses":
            sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, struct.unpack("I", g[2][0])[0])
            sock.setblocking(False)
            return sock
    raise SystemExit("control-miss: no misses group")


def enter(netns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:	# CLONE_NEWNET
        raise SystemExit(f"control-miss: setns: {os.strerror(ctypes.get_errno())}")
    os.close(fd)


def connect(addr, port, events, want, timeout=5):
    """(t_syn, t_connected) of one connect; events[want] = t when seen."""
    s = socket.socket()
    s.setblocking(False)
    t0 = time.time()
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    end = time.monotonic() + timeout
    while True:
        r, w, _ = select.select([events], [s], [], max(0, end - time.monotonic()))
        if events in r:
            try:
                while True:
                    data = events.recv(65536)
                    if want and want in data and want not in events_seen:
                        events_seen[want] = time.time()
            except BlockingIOError:
                pass
        if w:
            t1 = time.time()
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            s.close()
            return t0, (t1 if err in (0, errno.ECONNREFUSED) else 0)
        if time.monotonic() > end:
            s.close()
            return t0, 0


events_seen = {}


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    events = misses_socket()
    enter(sys.argv[1])
    port = int(sys.argv[2])
    gap = int(os.environ.get("GAP_MS", "30")) / 1000
    for addr in sys.argv[3:]:
        time.sleep(gap)
        want = socket.inet_aton(addr)
        t0, t1 = connect(addr, port, events, want)
        s0, s1 = connect(addr, port, events, None)
        print(f"{addr} {t0:.6f} {events_seen.get(want, 0):.6f} {t1:.6f} "
              f"{(t1 - t0) if t1 else -1:.6f} {(s1 - s0) if s1 else -1:.6f}", flush=True)


if __name__ == "__main__":
    main()
