#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A hypervisor's end of a TAP device, for tests/e2e/semnetd_unikernel.sh.

  tapguest.py TAP GUEST_NETNS NIC READY_FILE

Attaches to the existing TAP device TAP of the current network namespace
the way a hypervisor given its name does (crosvm's tap-name, qemu's
ifname=): TUNSETIFF with IFF_TAP | IFF_NO_PI, one queue. The guest's NIC
is a second TAP device, NIC, which this creates in the network namespace
GUEST_NETNS (/run/netns/GUEST_NETNS); the caller gives it the guest's
addresses once READY_FILE exists. Every frame one of them sends, the other
receives, as between a virtio NIC and its TAP backend. Runs until killed.
"""
import ctypes
import fcntl
import os
import select
import struct
import sys

TUNSETIFF = 0x400454ca
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def tap_open(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    # struct ifreq: the name, then the flags, 40 bytes in all
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    tap, guest_netns, nic, ready = sys.argv[1:5]
    backend = tap_open(tap)
    # A TAP device lives in the namespace its opener was in when it
    # opened /dev/net/tun: the guest's NIC in the guest's.
    libc = ctypes.CDLL(None, use_errno=True)
    ns = os.open("/run/netns/" + guest_netns, os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + guest_netns)
    front = tap_open(nic)
    with open(ready, "w") as f:
        f.write("attached\n")
    peer = {backend: front, front: backend}
    while True:
        readable, _, _ = select.select([backend, front], [], [])
        for fd in readable:
            frame = os.read(fd, 65536)
            try:
                os.write(peer[fd], frame)
            except OSError:  # the other side is down: the frame is lost
                pass


if __name__ == "__main__":
    main()
