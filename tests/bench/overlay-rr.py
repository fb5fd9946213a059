#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Small TCP request/response load for tests/bench/overlay.sh, in the
manner of netperf's TCP_RR and TCP_CRR (netperf is not in Debian main).

  overlay-rr.py serve-rr PORT      one connection at a time: answer every
                                   byte with a byte, until EOF
  overlay-rr.py serve-crr PORT     per connection: read a byte, answer a
                                   byte, close
  overlay-rr.py check HOST PORT    one transaction on the RR server (5 s
                                   timeout); exit 0 when it answered
  overlay-rr.py rr HOST PORT SECS  transactions of 1 byte each way on one
                                   connection (TCP_NODELAY) for SECS seconds
  overlay-rr.py crr HOST PORT SECS connect, 1 byte each way, close, for
                                   SECS seconds

The clients print the rate (transactions per second) and the CPU idle
time within the measured window (seconds, from /proc/stat) on stdout. Every
loop is bounded: by SECS, by MAX_TRANSACTIONS, and by a 5 s socket
timeout on each operation. Time is CLOCK_MONOTONIC, which in the bench
VM (qemu -icount) is virtual time, so rates are per guest second.
"""
import socket
import sys
import time

MAX_TRANSACTIONS = 10_000_000
TIMEOUT = 5.0
REQ = b"q"
RSP = b"r"


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    return s


def serve_rr(port):
    s = listener(port)
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


def serve_crr(port):
    s = listener(port)
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
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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
    if mode in ("serve-rr", "serve-crr") and len(argv) == 3:
        (serve_rr if mode == "serve-rr" else serve_crr)(int(argv[2]))
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
