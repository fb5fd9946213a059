#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Raw generic-netlink requests to the semnet family, for tests that must
send what the CLI never would (missing, oversized, out-of-range or unknown
attributes). Prints the kernel's answer as "errno <n> <extack message>",
followed by " (range MIN..MAX)" when the kernel names the policy's range.

Usage: genl.py CMD ATTR...
       genl.py --batch < FILE      (one "CMD ATTR..." request a line)
  CMD   a SEMNET_CMD_* name without the prefix (e.g. NEW_SERVICE), or a number
  ATTR  TYPE:KIND:VALUE at the top level, or NEST{...} nests, e.g.
        'SERVICE{ADDR:ip:172.30.0.9,NAME:str:x}'  KIND: ip ip6 u8 u16 u32 str
        bytes(N) raw(hex) flag; TYPE: a name from the header or a number.
Names are read from include/uapi/linux/semnet.h so they never drift.
"""
import os
import re
import socket
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(TOP, "include/uapi/linux/semnet.h")

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLA_F_NESTED = 1 << 15
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_POLICY = 1, 4
# In NLMSGERR_ATTR_POLICY: the bounds of an integer's range, u64 or s64.
POLICY_BOUNDS = {2: ("min", "q"), 3: ("max", "q"), 4: ("min", "Q"), 5: ("max", "Q")}
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11


def enums():
    """Maps every SEMNET_* enumerator to its value."""
    values = {}
    for body in re.findall(r"enum\s+\w+\s*{(.*?)};", open(HEADER).read(), re.S):
        n = 0
        for line in body.splitlines():
            m = re.match(r"\s*(SEMNET_\w+)\s*(?:=\s*(\w+))?\s*,", line)
            if m:
                n = int(m.group(2), 0) if m.group(2) else n
                values[m.group(1)] = n
                n += 1
    return values


E = enums()


def attr(atype, payload):
    return struct.pack("HH", 4 + len(payload), atype) + payload + b"\0" * (-len(payload) % 4)


def value(kind, text):
    if kind == "ip":
        return socket.inet_aton(text)
    if kind == "ip6":
        return socket.inet_pton(socket.AF_INET6, text)
    if kind in ("u8", "u16", "u32"):
        return struct.pack({"u8": "B", "u16": "H", "u32": "I"}[kind], int(text, 0))
    if kind == "str":
        return text.encode() + b"\0"
    if kind == "flag":
        return b""
    m = re.match(r"bytes\((\d+)\)", kind)
    if m:
        return b"x" * int(m.group(1))
    if kind == "raw":
        return bytes.fromhex(text)
    raise SystemExit(f"genl.py: unknown kind {kind}")


def split_top(text):
    """Splits on commas outside braces."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    if cur:
        parts.append(cur)
    return parts


# Nests whose members are another enum's (a prefix, counters).
NEST_MEMBERS = {
    "SEMNET_A_NODE_PLATFORM": "SEMNET_A_PREFIX_",
    "SEMNET_A_NODE_SERVICE_RANGE": "SEMNET_A_PREFIX_",
    "SEMNET_A_NODE_PLATFORM6": "SEMNET_A_PREFIX_",
    "SEMNET_A_NODE_SERVICE_RANGE6": "SEMNET_A_PREFIX_",
    "SEMNET_A_NODE_SUBNETS": "SEMNET_A_NODE_",
    "SEMNET_A_NODE_SUBNET": "SEMNET_A_PREFIX_",
    "SEMNET_A_SERVICE_COUNTERS": "SEMNET_A_COUNTERS_",
    "SEMNET_A_PEER_SUBNET": "SEMNET_A_PREFIX_",
    "SEMNET_A_INSTANCE_COUNTERS": "SEMNET_A_COUNTERS_",
}


def encode(spec, prefix):
    m = re.match(r"(\w+)\{(.*)\}$", spec)
    if m:
        name = m.group(1)
        atype = int(name) if name.isdigit() else E[prefix + name]
        members = NEST_MEMBERS.get(prefix + name, f"{prefix}{name}_")
        inner = b"".join(encode(s, members) for s in split_top(m.group(2)))
        return attr(atype | NLA_F_NESTED, inner)
    name, kind, text = (spec.split(":", 2) + [""])[:3]
    atype = int(name) if name.isdigit() else E[prefix + name]
    return attr(atype, value(kind, text))


def request(sock, family, cmd, payload, flags):
    msg = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(msg), family, flags, 1, 0) + msg)
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            length, mtype, mflags, _, _ = struct.unpack_from("IHHII", data, off)
            if mtype == NLMSG_ERROR:
                err = -struct.unpack_from("i", data, off + 16)[0]
                text = ""
                # After nlmsgerr: the request's header only (capped ack).
                a = off + 16 + 4 + 16
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("HH", data, a)
                    if atype == NLMSGERR_ATTR_MSG:
                        text = data[a + 4:a + alen].rstrip(b"\0").decode() + text
                    elif atype & 0x3FFF == NLMSGERR_ATTR_POLICY:
                        text += policy_range(data[a + 4:a + alen])
                    a += (alen + 3) & ~3
                return err, text, data
            off += (length + 3) & ~3


def policy_range(nest):
    """" (range MIN..MAX)" from a policy description that has both."""
    bound, b = {}, 0
    while b + 4 <= len(nest):
        blen, btype = struct.unpack_from("HH", nest, b)
        if btype in POLICY_BOUNDS and blen == 12:
            name, fmt = POLICY_BOUNDS[btype]
            bound[name] = struct.unpack_from(fmt, nest, b + 4)[0]
        b += (blen + 3) & ~3
    return f" (range {bound['min']}..{bound['max']})" if len(bound) == 2 else ""


def resolve(sock):
    """The semnet family's id, from the generic-netlink controller."""
    payload = attr(CTRL_ATTR_FAMILY_NAME, b"semnet\0")
    sock.send(struct.pack("IHHII", 20 + len(payload), GENL_ID_CTRL, NLM_F_REQUEST, 2, 0)
              + struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + payload)
    data = sock.recv(65536)
    if struct.unpack_from("IHHII", data)[1] == NLMSG_ERROR:
        raise SystemExit("genl.py: the semnet family is not registered")
    a = 20
    while a + 4 <= len(data):
        alen, atype = struct.unpack_from("HH", data, a)
        if atype == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("H", data, a + 4)[0]
        a += (alen + 3) & ~3
    raise SystemExit("genl.py: no family id in the controller's answer")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, 10, 1)  # NETLINK_CAP_ACK
    sock.bind((0, 0))
    family = resolve(sock)
    if sys.argv[1] == "--batch":
        # One request a line; stops at the first failure, like ip -batch.
        for n, line in enumerate(sys.stdin, 1):
            words = line.split()
            if not words:
                continue
            err, text = send(sock, family, words)
            if err:
                print(f"line {n}: errno {err} {text}".rstrip())
                return 1
        return 0
    err, text = send(sock, family, sys.argv[1:])
    print(f"errno {err} {text}".rstrip())
    return 0


def send(sock, family, words):
    cmd = words[0]
    cmd = int(cmd) if cmd.isdigit() else E["SEMNET_CMD_" + cmd]
    payload = b"".join(encode(s, "SEMNET_A_") for s in words[1:])
    err, text, _ = request(sock, family, cmd, payload, NLM_F_REQUEST | NLM_F_ACK)
    return err, text


if __name__ == "__main__":
    sys.exit(main())
