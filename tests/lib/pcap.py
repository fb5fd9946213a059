#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A tcpdump capture's packets, one line each, for the VM scenarios (a few
lines of Python: tshark takes minutes to start on the debug kernel).

  pcap.py ip FILE     "IP4 SRC DST PROTO [DPORT]" or "IP6 SRC DST NH
                      [DPORT]", DPORT for UDP only
  pcap.py kinds FILE  "ARP", "ICMP6" (IPv6 with next header 0 or 58: the
                      veths' neighbour discovery and MLD), "UDP SPORT DPORT"
                      (IPv4), "OTHER PROTO" (other IPv4) or "OTHER 0xTYPE"
  pcap.py udp FILE    "DPORT HEX": the first 40 payload bytes of each UDP
                      datagram (IPv4 or IPv6)

FILE is a classic pcap of link type Ethernet, or raw IP (a device without a
link-layer header, such as wg0: the version nibble gives the family).
IPv6 extension headers are not followed.
"""
import socket
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (12, 101)


def frames(path):
    """(ethertype, network-layer bytes) of each packet in the pcap at path."""
    data = open(path, "rb").read()
    if not data:
        return          # tcpdump killed before it wrote its header
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif data[:4] in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("not a classic pcap file (pcapng?)")
    if len(data) < 24:
        return
    link = struct.unpack_from(end + "I", data, 20)[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(end + "I", data, off + 8)[0]
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == LINKTYPE_ETHERNET:
            if len(pkt) >= 14:
                yield struct.unpack_from("!H", pkt, 12)[0], pkt[14:]
        elif link in LINKTYPE_RAW and pkt:
            yield {4: 0x0800, 6: 0x86DD}.get(pkt[0] >> 4, 0), pkt


def ip_header(et, ip):
    """(family, source, destination, protocol, L4 bytes), or None."""
    if et == 0x0800 and len(ip) >= 20:
        return (4, socket.inet_ntop(socket.AF_INET, ip[12:16]),
                socket.inet_ntop(socket.AF_INET, ip[16:20]), ip[9],
                ip[(ip[0] & 15) * 4:])
    if et == 0x86DD and len(ip) >= 40:
        return (6, socket.inet_ntop(socket.AF_INET6, ip[8:24]),
                socket.inet_ntop(socket.AF_INET6, ip[24:40]), ip[6], ip[40:])
    return None


def cmd_ip(path):
    for et, ip in frames(path):
        h = ip_header(et, ip)
        if not h:
            continue
        fam, src, dst, proto, l4 = h
        f = ["IP%d" % fam, src, dst, proto]
        if proto == 17 and len(l4) >= 4:
            f.append(struct.unpack_from("!H", l4, 2)[0])
        print(*f)


def cmd_kinds(path):
    for et, ip in frames(path):
        h = ip_header(et, ip)
        if et == 0x0806:
            print("ARP")
        elif h and h[0] == 4 and h[3] == 17 and len(h[4]) >= 4:
            print("UDP", *struct.unpack_from("!HH", h[4]))
        elif h and h[0] == 4:
            print("OTHER", h[3])
        elif h and h[0] == 6 and h[3] in (0, 58):
            print("ICMP6")
        else:
            print("OTHER", hex(et))


def cmd_udp(path):
    for et, ip in frames(path):
        h = ip_header(et, ip)
        if h and h[3] == 17 and len(h[4]) >= 4:
            print(struct.unpack_from("!H", h[4], 2)[0], h[4][8:48].hex())


COMMANDS = {"ip": cmd_ip, "kinds": cmd_kinds, "udp": cmd_udp}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: pcap.py ip|kinds|udp FILE")
    try:
        COMMANDS[sys.argv[1]](sys.argv[2])
    except (OSError, ValueError) as e:
        sys.exit("pcap.py: %s: %s" % (sys.argv[2], e))
