#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Small TCP request/response load for tests/bench/overlay.sh, in the
manner of netperf's TCP_RR and TCP_CRR (netperf is not in Debian main).

  overlay-rr.py serve-rr PORT [ADDR]  one connection at a time: answer
                                   every byte with a byte, until EOF
  overlay-rr.py serve-crr PORT [ADDR] per connection: read a byte, answer
                                   a byte, close
  overlay-rr.py check HOST PORT    one transaction on the RR server (5 s
                                   timeout); exit 0 when it answered
  overlay-rr.py rr HOST PORT SECS  transactions of 1 byte each way on one
                                   connection (TCP_NODELAY) for SECS seconds
  overlay-rr.py crr HOST PORT SECS connect, 1 byte each way, close, for
                                   SECS seconds

The clients print the rate (transactions per second) and the CPU idle
time within the measured window (seconds, from /proc/stat) on stdout. Every
loop is bounded: by SECS, by MAX_TRANSACTIONS, and by a 5 s socket
timeout on each operation. The servers listen on ADDR (default 0.0.0.0;
"::" for IPv6), the clients connect over IPv6 when HOST has a colon. Time
is CLOCK_MONOTONIC, which in the bench VM (qemu -icount) is virtual time,
so rates are per guest second.
"""
import socket
import sys
import time

MAX_TRANSACTIONS = 10_000_000
TIMEOUT = 5.0
REQ = b"q"
RSP = b"r"


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listener(port, addr):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    return s


def serve_rr(port, addr):
    s = listener(port, addr)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.settimeout(60)
        try:
            while c.recv(1):
                c.sendall(RSP)
        except OSError:
            pass
        c.close()


def serve_crr(port, addr):
    s = listener(port, addr)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.settimeout(TIMEOUT)
        try:
            if c.recv(1):
                c.sendall(RSP)
        except OSError:
            pass
        c.close()


def idle():
    """Idle + iowait seconds of all CPUs so far (USER_HZ is 100)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return (int(fields[4]) + int(fields[5])) / 100


def connect(host, port):
    c = socket.socket(family(host), socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.settimeout(TIMEOUT)
    c.connect((host, port))
    return c


def transact(c):
    c.sendall(REQ)
    if c.recv(1) != RSP:
        raise RuntimeError("short or wrong answer")


def rr(host, port, secs):
    c = connect(host, port)
    n = 0
    now = time.monotonic
    idle0 = idle()
    start = now()
    end = start + secs
    # The clock is read every 16 transactions: outside the VM's fast paths
    # a clock read can cost as much as a transaction.
    while n < MAX_TRANSACTIONS:
        for _ in range(16):
            c.sendall(REQ)
            if c.recv(1) != RSP:
                raise RuntimeError("short or wrong answer")
        n += 16
        if now() >= end:
            break
    elapsed = now() - start
    idle1 = idle()
    c.close()
    return n / elapsed, idle1 - idle0


def crr(host, port, secs):
    n = 0
    now = time.monotonic
    idle0 = idle()
    start = now()
    end = start + secs
    while n < MAX_TRANSACTIONS:
        c = connect(host, port)
        transact(c)
        c.close()
        n += 1
        if now() >= end:
            break
    elapsed = now() - start
    return n / elapsed, idle() - idle0


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode in ("serve-rr", "serve-crr") and len(argv) in (3, 4):
        addr = argv[3] if len(argv) == 4 else "0.0.0.0"
        (serve_rr if mode == "serve-rr" else serve_crr)(int(argv[2]), addr)
    elif mode == "check" and len(argv) == 4:
        c = connect(argv[2], int(argv[3]))
        transact(c)
        c.close()
    elif mode in ("rr", "crr") and len(argv) == 5:
        rate, idle_s = (rr if mode == "rr" else crr)(argv[2], int(argv[3]), float(argv[4]))
        print(f"{rate:.1f} {idle_s:.2f}")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
