#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""A generic-netlink fuzzer for the semnet family, generated from
include/uapi/linux/semnet.h (commands, attributes, their types from the
comments, valid example strings) and the kernel's policies in
kmod/netlink.c (types, ranges, lengths, which commands dump and which
need CAP_NET_ADMIN). Nothing about the family is listed here by hand but
the meaning of a valid configuration (which addresses go where).

    genl_fuzz.py [--messages N] [--seed S] [--workers LIST] [--json FILE]

Environment: SEMNET_FUZZ_SEED (replay), SEMNET_FUZZ_MESSAGES (default
100000). Runs as root, in a VM (it configures the init namespace and makes
namespaces). Workers (forked, each with its own seeded generator):
  init     root in the init namespace (two of them: they race each other)
  netns    root in `ip netns` namespaces that its other thread deletes
           while requests are in flight; new ones all the time
  unpriv   user nobody: against the init namespace (changes must fail
           with EPERM), then in its own user+net namespace (unshare)
Each sends batches of requests (several per sendmsg), mutated in type,
length, nesting, value, flags, command and framing, with valid
configurations mixed in, and keeps a dump open across batches (read part,
change the table, read on; sometimes close it half read). Every answer is
checked: well formed (lengths, known attribute types of the right size,
the request's header echoed), one final answer per acked request, and an
extack message on every error the module itself returns.

The message stream of each worker depends only on the seed; the kernel's
answers do not feed back into it. Prints figures as "# " lines and, last,
one JSON line of totals (or writes it to --json FILE).
"""
import argparse
import ctypes
import errno
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import genl  # noqa: E402  (the header's path, attr encoding, family lookup)

NETLINK_SOL, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
SO_RCVBUFFORCE = 33
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT, NLM_F_MATCH = 0x100, 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND = 0x100, 0x200, 0x400, 0x800
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 1 << 15, 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000
NOBODY = 65534
PR_SET_DUMPABLE = 4

# ------------------------------------------------------------------ schema


def read(path):
    with open(path) as f:
        return f.read()


def c_defines(texts):
    """#define NAME VALUE of the header and the module's headers."""
    out = {}
    for text in texts:
        for m in re.finditer(r"^#define\s+(\w+)\s+([^\n]*?)\s*(?:/\*.*)?$", text, re.M):
            out[m.group(1)] = m.group(2)
    return out


class Evaluator:
    """Integer value of a C constant expression made of numbers, enumerators
    and #defines (None when it is anything else)."""

    def __init__(self, defines, enums):
        self.defines, self.enums = defines, enums

    def __call__(self, expr, depth=0):
        if expr is None or depth > 10:
            return None
        expr = re.sub(r"(?<=\d)[uUlL]+\b", "", expr.strip())

        def name(m):
            word = m.group(0)
            if word in self.enums:
                return str(self.enums[word])
            if word in self.defines:
                v = self(self.defines[word], depth + 1)
                if v is not None:
                    return str(v)
            raise KeyError(word)
        try:
            expr = re.sub(r"\b[A-Za-z_]\w*\b", name, expr)
            if not re.fullmatch(r"[\d\sx a-fA-F()+\-*/<>|&~]*", expr):
                return None
            return int(eval(expr.replace("/", "//"), {"__builtins__": {}}))
        except (KeyError, SyntaxError, TypeError, ValueError, ZeroDivisionError):
            return None


# in6: a struct in6_addr, the IPv6 twins' (_ADDR6, _SRC6, ...).
KINDS = ("be16", "be32", "u8", "u16", "u32", "u64", "string", "flag", "in6")
NLA_KINDS = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32", "NLA_U64": "u64",
             "NLA_BE16": "be16", "NLA_BE32": "be32", "NLA_NUL_STRING": "string",
             "NLA_STRING": "string", "NLA_FLAG": "flag", "NLA_NESTED": "nest",
             "NLA_REJECT": "reject", "NLA_S8": "u8", "NLA_S16": "u16",
             "NLA_S32": "u32", "NLA_S64": "u64", "NLA_MSECS": "u64"}
SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "be16": 2, "be32": 4, "flag": 0, "in6": 16}


class Attr:
    """One attribute of an enum: what the header and the policy say."""

    def __init__(self, name, value):
        self.name, self.value = name, value
        self.kind = None        # one of KINDS, "nest", "array", "indexed"
        self.members = None     # nest/array: the prefix of the member enum
        self.member = None      # array: the member's name; indexed: its kind
        self.member_attr = None  # array: the member's Attr
        self.readonly = False
        self.policy = None      # policy kind ("reject", "nest", a KIND) or None
        self.min = self.max = self.maxlen = None
        self.examples = []      # quoted valid strings from the header

    def __repr__(self):
        return f"{self.name}({self.kind}{'/' + str(self.policy) if self.policy else ''})"


class Schema:
    """Everything the fuzzer knows about the family, from the two files."""

    def __init__(self, header_path, netlink_c, kmod_headers):
        header = read(header_path)
        self.enum_values = genl.enums()
        self.ev = Evaluator(c_defines([header] + kmod_headers), self.enum_values)
        self.enums = {}        # enum name -> [(member, value, comment)]
        self.prefix_of = {}    # enum name -> member prefix
        self.attrs = {}        # member prefix -> {value: Attr}
        self._parse_header(header)
        self.cmds = {v: n[len("SEMNET_CMD_"):] for n, v, _ in self.enums["semnet_cmd"]
                     if not n.endswith("UNSPEC") and not n.startswith("_")}
        self.cmd_comment = {n[len("SEMNET_CMD_"):]: c for n, v, c in self.enums["semnet_cmd"]}
        self.ops = {}          # cmd name -> {"doit", "dumpit", "perm"}
        self.resv_start_op = None
        self._parse_netlink_c(read(netlink_c), header)
        self.objects = {}      # cmd name -> top-level Attr or None
        for name in self.cmds.values():
            self.objects[name] = self._object_of(name)
        # Batches: a top-level nest of another top-level object's entries
        # (SEMNET_A_SERVICES of SEMNET_A_SERVICE), by the object's name.
        top = self.attrs["SEMNET_A_"]
        self.batch_of = {a.member: a for a in top.values()
                         if a.kind == "array" and a.member in
                         {b.name for b in top.values()}}

    # -- the header
    def _parse_header(self, text):
        for m in re.finditer(r"enum\s+(\w+)\s*{(.*?)};", text, re.S):
            ename, body = m.groups()
            members, n = [], 0
            pending, k_pending = "", 0
            lines = body.splitlines()
            i = 0
            while i < len(lines):
                line = lines[i]
                i += 1
                s = line.strip()
                if not s:
                    pending = ""
                    continue
                if s.startswith("/*"):
                    comment = s
                    while "*/" not in comment and i < len(lines):
                        comment += " " + lines[i].strip()
                        i += 1
                    pending, k_pending = self._clean(comment), 0
                    continue
                em = re.match(r"(_*SEMNET_\w+)\s*(?:=\s*([^,/]+?))?\s*,?\s*(/\*.*)?$", s)
                if not em:
                    continue
                comment = em.group(3) or ""
                while comment and "*/" not in comment and i < len(lines):
                    comment += " " + lines[i].strip()
                    i += 1
                if em.group(2):
                    n = self.ev(em.group(2)) or 0
                if comment:
                    text_c, index = self._clean(comment), 0
                    pending = ""
                else:
                    text_c, index = pending, k_pending
                    k_pending += 1
                members.append((em.group(1), n, text_c, index))
                self.enum_values.setdefault(em.group(1), n)
                n += 1
            self.enums[ename] = [(a, v, c) for a, v, c, _ in members]
            if members and members[0][0].endswith("_UNSPEC"):
                prefix = members[0][0][:-len("UNSPEC")]
                self.prefix_of[ename] = prefix
                if ename.endswith("_attr"):
                    self.attrs[prefix] = {}
                    for a, v, c, index in members[1:]:
                        if a.startswith("__"):
                            continue
                        self.attrs[prefix][v] = self._attr_from_comment(a, v, c, index)

    @staticmethod
    def _clean(comment):
        return re.sub(r"\s*\*\s*", " ", comment.replace("/*", "").replace("*/", "")).strip()

    def _attr_from_comment(self, name, value, comment, index):
        a = Attr(name, value)
        low = comment.lower()
        a.readonly = "read-only" in low
        a.examples = re.findall(r'"([^"]+)"', comment)
        m = re.search(r"nest: enum (\w+)", comment, re.I)
        if m:
            a.kind, a.members = "nest", m.group(1)
            return a
        m = re.search(r"nest: (\w+) per enum (\w+)", comment, re.I)
        if m:
            a.kind, a.member, a.members = "indexed", m.group(1), m.group(2)
            return a
        m = re.search(r"nest of (SEMNET_\w+)", comment, re.I)
        if m:
            a.kind, a.member = "array", m.group(1)
            return a
        m = re.match(r"nest (\w+)", low)
        if m:
            a.kind, a.members = "nest", f"semnet_{m.group(1)}_attr"
            return a
        kinds = re.findall(r"\b(" + "|".join(KINDS) + r")\b", low)
        if kinds:
            a.kind = kinds[index] if index < len(kinds) else kinds[0]
        return a

    # -- kmod/netlink.c
    def _parse_netlink_c(self, text, header):
        ev = Evaluator(c_defines([header, text]) | self.ev.defines, self.enum_values)
        ranges = {}
        for m in re.finditer(r"struct netlink_range_validation\s+(\w+)\s*=\s*{(.*?)};", text, re.S):
            body = m.group(2)
            lo = re.search(r"\.min\s*=\s*([^,}]+)", body)
            hi = re.search(r"\.max\s*=\s*([^,}]+)", body)
            ranges[m.group(1)] = (ev(lo.group(1)) if lo else 0, ev(hi.group(1)) if hi else None)
        policies = {}
        for m in re.finditer(r"struct nla_policy\s+(\w+)\s*\[\s*(\w+)\s*\+\s*1\s*\]\s*=\s*{(.*?)\n};",
                             text, re.S):
            pname, maxname, body = m.groups()
            prefix = maxname[:-len("MAX")]
            policies[pname] = prefix
            for entry in re.finditer(r"\[\s*(SEMNET_\w+)\s*\]\s*=\s*(.*?)(?=,\s*\[|,?\s*$)", body, re.S):
                self._policy_entry(prefix, entry.group(1), " ".join(entry.group(2).split()),
                                   ev, ranges)
        # Nested policies name the member enum the header may not.
        for prefix, table in self.attrs.items():
            for a in table.values():
                if isinstance(a.policy, tuple):
                    a.policy, sub = a.policy
                    if sub in policies:
                        a.members = policies[sub]
        for table in self.attrs.values():
            for a in table.values():
                if a.kind == "nest" and a.members in self.prefix_of:
                    a.members = self.prefix_of[a.members]
                if a.kind == "array":
                    for t in self.attrs.values():
                        for b in t.values():
                            if b.name == a.member:
                                a.member_attr = b
                if a.kind is None and a.policy in KINDS:
                    a.kind = a.policy
        m = re.search(r"\.resv_start_op\s*=\s*([^,\n]+)", text)
        self.resv_start_op = ev(m.group(1)) if m else 0
        if self.resv_start_op is None:
            raise SystemExit(f"genl_fuzz: cannot evaluate resv_start_op {m.group(1)}")
        defines = c_defines([text])
        ops = re.search(r"struct genl_(?:small_|split_)?ops\s+\w+\[\]\s*=\s*{(.*?)\n};", text, re.S)
        for op in re.finditer(r"{([^{}]*\.cmd\s*=\s*SEMNET_CMD_(\w+)[^{}]*)}", ops.group(1)):
            body, cmd = op.groups()
            flags = re.search(r"\.flags\s*=\s*([^,}]+)", body)
            flags = flags.group(1).strip() if flags else ""
            flags = defines.get(flags, flags)
            perm = "global" if "GENL_ADMIN_PERM" in flags else "uns" if "UNS_ADMIN" in flags else None
            self.ops[cmd] = {"doit": ".doit" in body, "dumpit": ".dumpit" in body, "perm": perm}

    def _policy_entry(self, prefix, aname, expr, ev, ranges):
        value = self.enum_values.get(aname)
        a = self.attrs.get(prefix, {}).get(value)
        if a is None:
            return
        m = re.match(r"NLA_POLICY_NESTED(?:_ARRAY)?\(\s*(\w+)\s*\)", expr)
        if m:
            a.policy = ("nest", m.group(1))
            return
        m = re.match(r"NLA_POLICY_(MAX|MIN|RANGE|FULL_RANGE|EXACT_LEN)\((.*)\)$", expr)
        if m:
            args = [x.strip() for x in m.group(2).split(",")]
            a.policy = NLA_KINDS.get(args[0])
            if m.group(1) == "EXACT_LEN" and "in6_addr" in args[0]:
                a.policy = "in6"
            if m.group(1) == "MAX":
                a.max = ev(args[1])
            elif m.group(1) == "MIN":
                a.min = ev(args[1])
            elif m.group(1) == "RANGE":
                a.min, a.max = ev(args[1]), ev(args[2])
            elif m.group(1) == "FULL_RANGE":
                a.min, a.max = ranges.get(args[1].lstrip("&"), (None, None))
            return
        m = re.search(r"\.type\s*=\s*(\w+)", expr)
        if m:
            a.policy = NLA_KINDS.get(m.group(1))
            ln = re.search(r"\.len\s*=\s*([^,}]+)", expr)
            if ln:
                a.maxlen = ev(ln.group(1))

    # -- commands
    def _object_of(self, cmd):
        top = self.attrs["SEMNET_A_"]
        word = cmd.split("_", 1)[1] if "_" in cmd else cmd
        for cand in (word, word[:-1] if word.endswith("S") else None):
            # A batch (SEMNET_A_SERVICES) is not what FLUSH_SERVICES takes.
            if cand and f"SEMNET_A_{cand}" in self.enum_values and \
                    top[self.enum_values[f"SEMNET_A_{cand}"]].kind != "array":
                return top[self.enum_values[f"SEMNET_A_{cand}"]]
        m = re.search(r"SEMNET_A_(\w+)", self.cmd_comment.get(cmd, ""))
        if m and f"SEMNET_A_{m.group(1)}" in self.enum_values:
            return top[self.enum_values[f"SEMNET_A_{m.group(1)}"]]
        return None

    def members(self, prefix):
        return self.attrs.get(prefix, {})

    def settable(self, prefix):
        """Members a request may carry (in the policy, not rejected)."""
        return [a for a in self.members(prefix).values()
                if a.policy and a.policy != "reject" and not a.readonly]

    def mentioned(self, cmd, prefix):
        """Members the command's comment names as _X (keys, filters)."""
        names = re.findall(r"(?<![A-Z])_([A-Z]+)\b", self.cmd_comment.get(cmd, ""))
        out = []
        for n in names:
            v = self.enum_values.get(prefix + n)
            if v is not None and v in self.members(prefix):
                out.append(self.members(prefix)[v])
        return out

    def describe(self):
        lines = []
        for v, c in sorted(self.cmds.items()):
            op = self.ops.get(c)
            obj = self.objects.get(c)
            lines.append(f"cmd {v} {c}: op={op} object={obj.name if obj else None}")
        for prefix, table in self.attrs.items():
            lines.append(f"{prefix}: " + ", ".join(repr(a) for a in table.values()))
        return lines


# ---------------------------------------------------------------- messages


class Node:
    """An attribute being built: a payload or children, and what the
    mutations did to its framing."""
    __slots__ = ("type", "attr", "payload", "children", "extra", "len_delta")

    def __init__(self, atype, attr=None, payload=b"", children=None):
        self.type, self.attr = atype, attr
        self.payload, self.children = payload, children
        self.extra, self.len_delta = b"", 0

    def encode(self):
        if self.children is not None:
            body = b"".join(c.encode() for c in self.children)
        else:
            body = self.payload
        body += self.extra
        length = max(0, min(0xffff, 4 + len(body) + self.len_delta))
        return struct.pack("HH", length, self.type & 0xffff) + body + b"\0" * (-len(body) % 4)

    def walk(self, parent=None):
        yield self, parent
        for c in self.children or ():
            yield from c.walk(self)


class Request:
    __slots__ = ("cmd", "flags", "version", "reserved", "attrs", "raw", "cut",
                 "overlong", "genl_cut", "valid", "seq", "data", "dump", "junk")

    def clone(self, raw):
        q = Request.__new__(Request)
        q.cmd, q.flags, q.version, q.reserved = self.cmd, self.flags, self.version, self.reserved
        q.attrs, q.raw, q.cut, q.overlong = None, raw, self.cut, self.overlong
        q.genl_cut, q.valid, q.dump = self.genl_cut, self.valid, False
        q.junk = self.junk if raw is self.raw else False
        return q

    def __init__(self, cmd, attrs):
        self.cmd, self.attrs = cmd, attrs
        self.flags = NLM_F_REQUEST | NLM_F_ACK
        self.version, self.reserved = genl.E.get("SEMNET_GENL_VERSION", 1), 0
        self.raw = None          # replaces the attributes when set
        self.cut = 0             # nlmsg_len this many bytes short (< 16)
        self.overlong = 0        # nlmsg_len beyond the datagram: ignored
        self.genl_cut = None     # bytes of the genl header sent (0..3)
        self.valid = False
        self.dump = False
        # A valid request with a few stray bytes at the end of one nest and
        # nothing else wrong: the kernel must refuse it.
        self.junk = False

    def encode(self, family, seq):
        body = self.raw if self.raw is not None else b"".join(a.encode() for a in self.attrs)
        g = struct.pack("BBH", self.cmd & 0xff, self.version & 0xff, self.reserved & 0xffff)
        if self.genl_cut is not None:
            g, body = g[:self.genl_cut], b""
        payload = g + body
        n = 16 + len(payload)
        # Cut short, but never below a netlink header: that is ignored.
        self.cut = min(self.cut, n - 16)
        length = n - self.cut + self.overlong
        self.seq = seq
        self.data = struct.pack("IHHII", length, family, self.flags & 0xffff, seq, 0) + payload
        return self.data


# ------------------------------------------------------------ the world


def ip(a):
    return struct.unpack(">I", socket.inet_aton(a))[0]


def be32(v):
    return struct.pack(">I", v & 0xffffffff)


def ip6(a):
    return socket.inet_pton(socket.AF_INET6, a)


class World:
    """What a valid configuration of one namespace looks like. The only
    hand-written knowledge: which addresses belong where."""
    platform = (ip("172.16.0.0"), 12)
    services = (ip("172.30.0.0"), 16)
    services_alt = (ip("172.31.0.0"), 16)
    local = [(ip("172.16.0.0"), 26), (ip("172.16.0.64"), 26)]
    gateway = ip("172.16.0.1")

    def __init__(self, bridge):
        self.bridge = bridge
        self.svc = [ip("172.30.0.0") + i for i in range(1, 65)]
        self.inst = [ip("172.30.1.0") + i for i in range(1, 65)]
        self.nsip_local = [ip("172.16.0.0") + i for i in range(2, 62)]
        self.peers = [(ip("172.16.0.0") + (k << 8), 26) for k in range(1, 9)]
        self.nsip_remote = [p[0] + h for p in self.peers for h in (2, 3, 9, 60)]
        self.underlay = [ip("192.168.1.0") + i for i in range(1, 9)]
        self.names = [f"s{i}.app.ns.svc.ns" for i in range(8)]
        self.any = (self.svc + self.inst + self.nsip_local + self.nsip_remote + self.underlay +
                    [0, 0xffffffff, ip("224.0.0.1"), ip("127.0.0.1"), ip("172.16.0.63"),
                     ip("172.30.0.0"), ip("172.30.255.255"), self.gateway])
        # IPv6, as Oakestra cuts it (the node has no IPv6 plan: requests
        # with these fail on the state, after their parsing).
        self.svc6 = [ip6(f"fdff:2000::{i:x}") for i in range(1, 33)]
        self.inst6 = [ip6(f"fdff::{i:x}") for i in range(1, 33)]
        self.nsip6 = [ip6(f"fc00::{0x102 + i:x}") for i in range(16)]
        self.any6 = (self.svc6 + self.inst6 + self.nsip6 +
                     [ip6(a) for a in ("::", "::1", "ff02::1", "fe80::1", "::ffff:172.30.0.1",
                                       "fc00::101", "fdff::", "fc00::", "2001:db8::1")])


class Generator:
    """Builds requests: valid ones from the schema and the world, then
    mutations of them."""

    def __init__(self, schema, world, rng):
        self.s, self.w, self.r = schema, world, rng
        self.prefix_enum = schema.members("SEMNET_A_PREFIX_")
        self.known_cmds = [v for v, c in schema.cmds.items() if c in schema.ops]
        self.change_cmds = [v for v in self.known_cmds
                            if schema.ops[schema.cmds[v]]["perm"] and schema.objects[schema.cmds[v]]]
        self.dump_cmds = [v for v in self.known_cmds if schema.ops[schema.cmds[v]]["dumpit"]]
        # Adds most, wholesale removals rarely: the tables stay populated.
        verbs = {"NEW": 5, "SET": 2, "DEL": 2, "GET": 2, "FLUSH": 0.4}
        self.cmd_weights = []
        for v in self.known_cmds:
            name = schema.cmds[v]
            w = verbs.get(name.split("_")[0], 1)
            if "every" in schema.cmd_comment.get(name, "") and name.split("_")[0] != "FLUSH":
                w = 0.3
            self.cmd_weights.append(w)
        self.all_attrs = [a for t in schema.attrs.values() for a in t.values()]
        self.pool, self.pool_size = [], 400

    # -- values
    def scalar(self, a, obj, valid=True):
        r, w = self.r, self.w
        kind = a.kind
        name = a.name
        if kind == "in6":
            if not valid:
                return r.choice(w.any6 + [r.randbytes(16), b"\xff" * 16])
            if name.endswith("NSIP6") or name.endswith("GATEWAY6"):
                return r.choice(w.nsip6)
            if name.endswith("_SERVICE6") or obj == "SERVICE":
                return r.choice(w.svc6 * 8 + w.inst6)
            if name.endswith("_INSTANCE6") or obj == "INSTANCE":
                return r.choice(w.inst6 * 8 + w.svc6)
            return r.choice(w.any6)
        if kind == "be32":
            if not valid:
                return be32(r.choice(w.any + [r.getrandbits(32)]))
            if name.endswith("GATEWAY"):
                return be32(w.gateway)
            if name.endswith("NSIP"):
                return be32(r.choice(w.nsip_local * 2 + w.nsip_remote))
            if obj == "INSTANCE" and name.endswith("NODE"):
                return be32(r.choice([0, 0] + w.underlay))
            if obj == "PEER":
                return be32(r.choice(w.underlay))
            if name.endswith("_SERVICE") or obj == "SERVICE":
                return be32(r.choice(w.svc * 8 + w.inst))
            if name.endswith("_INSTANCE") or obj == "INSTANCE":
                return be32(r.choice(w.inst * 8 + w.svc))
            return be32(r.choice(w.any))
        if kind == "string":
            if valid and a.examples and (name.endswith("POLICY") or r.random() < 0.1):
                return r.choice(a.examples).encode() + b"\0"
            if valid:
                return r.choice(w.names).encode() + b"\0"
            return self.bad_string(a)
        if kind == "flag":
            return b""
        if kind in ("u8", "u16", "u32", "u64", "be16"):
            bits = SIZES[kind] * 8
            fmt = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "be16": ">H"}[kind]
            if valid:
                if name.endswith("BRIDGE"):
                    v = w.bridge
                elif name.endswith("IFINDEX"):
                    v = r.choice([0, 0, 0, 1, w.bridge])
                elif name.endswith("PORT"):
                    v = r.choice([4754, 4755, 50103, 6081])
                else:
                    lo = a.min or 0
                    hi = a.max if a.max is not None else min((1 << bits) - 1, 1000)
                    v = r.choice([lo, hi, r.randint(lo, hi), r.randint(lo, min(hi, lo + 100))])
            else:
                v = self.bad_int(a, bits)
            return struct.pack(fmt, v & ((1 << bits) - 1))
        return r.randbytes(r.choice([0, 1, 2, 3, 4, 8, 16]))

    def bad_int(self, a, bits):
        r = self.r
        top = (1 << bits) - 1
        cands = [0, 1, top, top - 1, 1 << (bits - 1), (1 << (bits - 1)) - 1, r.getrandbits(bits)]
        for b in (a.min, a.max):
            if b is not None:
                cands += [b - 1, b, b + 1]
        return r.choice(cands) & top

    def bad_string(self, a):
        r = self.r
        n = a.maxlen or 64
        return r.choice([
            b"", b"\0", b"x", b"a" * (n - 1) + b"\0", b"a" * n + b"\0", b"a" * (n + 1) + b"\0",
            b"a" * n, b"b" * r.randint(200, 4000) + b"\0", b"ab\0cd\0", bytes([0xff, 0xfe, 0]),
            b"%s%n%x\0", r.randbytes(r.randint(1, 64)), b"\0" * 16, b"rr", b"closest\0\0",
            b"app.ns.svc.ns" * 10 + b"\0",
        ])

    def prefix(self, which):
        addr, plen = which
        return [Node(self.s.enum_values["SEMNET_A_PREFIX_ADDR"], self.prefix_enum[1], be32(addr)),
                Node(self.s.enum_values["SEMNET_A_PREFIX_LEN"], self.prefix_enum[2],
                     struct.pack("B", plen))]

    def nest_value(self, a, obj, valid=True):
        """Children of a nest attribute."""
        r, w = self.r, self.w
        if a.kind == "array":
            member = self.s.enum_values[a.member]
            subnets = w.local[:r.choice([1, 1, 2])] if valid else r.choices(
                w.local + w.peers[:2] + [(ip("172.16.0.1"), 26), (0, 0)], k=r.randint(0, 10))
            return [Node(member | NLA_F_NESTED, None, children=self.prefix(p)) for p in subnets]
        if a.members == "SEMNET_A_PREFIX_":
            name = a.name
            if name.endswith("PLATFORM"):
                p = w.platform
            elif name.endswith("SERVICE_RANGE"):
                p = w.services if r.random() < 0.97 else w.services_alt
            elif obj == "PEER":
                p = r.choice(w.peers * 6 + w.local[:1])
            else:
                p = r.choice(w.local)
            if not valid:
                p = r.choice([(p[0] | 1, p[1]), (p[0], 33), (p[0], 0), (0, 32),
                              (0xffffffff, 32), (p[0], r.randint(0, 255))])
            return self.prefix(p)
        members = self.s.members(a.members) if a.members else {}
        return [self.node(m, obj, valid) for m in members.values()
                if m.policy and m.policy != "reject" and r.random() < 0.6]

    def node(self, a, obj, valid=True):
        if a.kind in ("nest", "array", "indexed"):
            return Node(a.value | NLA_F_NESTED, a, children=self.nest_value(a, obj, valid))
        return Node(a.value, a, self.scalar(a, obj, valid))

    # -- requests
    def valid_settable(self, members):
        """What a valid request may carry. The IPv6 twins (_ADDR6,
        _PLATFORM6, ...) come only in mutations: a valid request is of one
        family, and the world here is IPv4."""
        return [a for a in self.s.settable(members) if not a.name.endswith("6")]

    def valid(self, cmd):
        """A plausible request for @cmd (it may still fail on the state)."""
        s, r = self.s, self.r
        name = s.cmds.get(cmd, "")
        verb = name.split("_")[0]
        top = s.objects.get(name)
        req = Request(cmd, [])
        req.valid = True
        if top is None or not top.members:
            return req
        obj = top.name[len("SEMNET_A_"):]
        settable = self.valid_settable(top.members)
        mentioned = [a for a in s.mentioned(name, top.members) if a in settable]
        if not settable:
            return req
        key = min(settable, key=lambda a: a.value)
        if verb == "SET" and name.endswith("NODE"):
            chosen = settable if r.random() < 0.5 else r.sample(settable, r.randint(1, 3))
        elif verb == "SET":
            keys = [a for a in mentioned if a.kind in ("be32", "nest")] or [key]
            sets = [a for a in mentioned if a not in keys] or settable
            chosen = [r.choice(keys)] + r.sample(sets, r.randint(1, len(sets)))
        elif verb == "NEW":
            chosen = [key] + [a for a in settable if a is not key and r.random() < 0.75]
            if r.random() < 0.3:
                req.flags |= NLM_F_REPLACE
            elif r.random() < 0.2:
                req.flags |= NLM_F_CREATE
        elif verb in ("DEL", "GET"):
            chosen = [key]
            if name.startswith("GET") and r.random() < 0.05:
                chosen = []
        else:   # FLUSH and dumps: optional filters
            chosen = [a for a in mentioned if r.random() < 0.3]
            if not chosen and r.random() < 0.6:
                return req
        if verb != "SET" and r.random() < 0.15:
            chosen = [self.twin6(a, top.members) for a in chosen]
        req.attrs = [Node(top.value | NLA_F_NESTED, top,
                          children=[self.node(a, obj) for a in chosen])]
        batch = s.batch_of.get(top.name)
        if verb == "NEW" and batch is not None and r.random() < 0.3:
            # A batch of such entries instead, each chosen as one alone.
            entries = []
            for _ in range(r.choice([1, 2, 3, 8, 40])):
                chosen = [key] + [a for a in settable if a is not key and r.random() < 0.75]
                entries.append(Node(top.value | NLA_F_NESTED, top,
                                    children=[self.node(a, obj) for a in chosen]))
            req.attrs = [Node(batch.value | NLA_F_NESTED, batch, children=entries)]
        return req

    def twin6(self, a, members):
        """@a's IPv6 twin (_ADDR6 of _ADDR...) when it has one: the request
        then asks for the IPv6 object, with a value of the IPv6 world."""
        v = self.s.enum_values.get(a.name + "6")
        twin = self.s.members(members).get(v) if v is not None else None
        return twin if twin is not None and twin.kind == "in6" else a

    def request(self, mutate_p=0.6):
        r = self.r
        if r.random() < 0.04:
            cmd = r.randint(0, 255)
        else:
            cmd = r.choices(self.known_cmds, self.cmd_weights)[0]
        req = self.valid(cmd)
        if r.random() < 0.05:
            self.junk(req)
        elif r.random() < mutate_p:
            req.valid = False
            for _ in range(r.choice([1, 1, 1, 2, 2, 3, 5])):
                self.mutate(req)
        return req

    def junk(self, req):
        """1..3 stray bytes after the last attribute of one nest of a
        change (NEW, SET: their handlers read all they are given)."""
        nests = [n for a in req.attrs for n, _ in a.walk() if n.children]
        if not nests:
            return
        req.valid = False
        self.r.choice(nests).extra = self.r.randbytes(self.r.randint(1, 3))
        req.junk = self.s.cmds.get(req.cmd, "").split("_")[0] in ("NEW", "SET")

    def setup(self):
        """Valid changes that populate a namespace: node, services,
        instances, peers."""
        out = []
        by = {c: v for v, c in self.s.cmds.items()}
        for cmd, n in (("SET_NODE", 1), ("NEW_PEER", 8), ("NEW_SERVICE", 40), ("NEW_INSTANCE", 40)):
            if cmd not in by:
                continue
            for _ in range(n):
                req = self.valid(by[cmd])
                if cmd == "SET_NODE":
                    while len(req.attrs[0].children) < len(self.valid_settable(req.attrs[0].attr.members)):
                        req = self.valid(by[cmd])
                req.flags = NLM_F_REQUEST | NLM_F_ACK
                out.append(req)
        return out

    def reset(self, world):
        """Another namespace. The pool's templates name the bridge: a
        new pool when its ifindex differs (new namespaces all have the
        same one, and refilling the pool costs seconds under TCG)."""
        if world.bridge != self.w.bridge:
            self.pool = []
        self.w = world

    # -- the fast path
    def next(self):
        """The next request: mostly a template from a pool of generated
        ones, the mutated ones with a few bytes changed on top; one in
        thirty freshly generated (and added to the pool). Generating from
        the schema costs ~2 ms a request under TCG; this ~0.1 ms."""
        r = self.r
        pool = self.pool
        if len(pool) < self.pool_size or r.random() < 0.03:
            q = self.request()
            self.framing(q)
            q.raw = b"".join(a.encode() for a in q.attrs)
            q.attrs = None
            if len(pool) < self.pool_size:
                pool.append(q)
            else:
                pool[r.randrange(len(pool))] = q
            return q.clone(q.raw)
        t = r.choice(pool)
        if t.valid or r.random() < 0.2:
            return t.clone(t.raw)
        return t.clone(self.flip(t.raw))

    def flip(self, raw):
        """A few bytes of @raw changed: values, lengths and types of
        whatever attribute they fall in."""
        r = self.r
        if not raw:
            return raw
        b = bytearray(raw)
        for _ in range(r.choice((1, 1, 2, 3))):
            if not b:
                break
            op = r.randrange(6)
            i = r.randrange(len(b))
            if op == 0:
                b[i] = r.getrandbits(8)
            elif op == 1:
                b[i] = r.choice((0, 1, 0x7f, 0x80, 0xff))
            elif op == 2 and len(b) >= 4:
                i &= ~3
                b[i:i + 4] = struct.pack("I", r.choice((0, 1, 0xffffffff, 0x7fffffff, 0x80000000,
                                                         r.getrandbits(32))))
            elif op == 3:
                del b[r.randrange(len(b)):]
            elif op == 4:
                j = r.randrange(len(b))
                b[j:j] = b[i:i + r.randint(1, 16)]
            else:
                b[i] ^= 1 << r.randrange(8)
        return bytes(b)

    # -- mutations
    def mutate(self, req):
        r = self.r
        nodes = [n for a in req.attrs for n in a.walk()]
        op = r.randrange(24)
        if op < 12 and nodes:
            node, parent = r.choice(nodes)
            self.mutate_node(req, node, parent)
        elif op == 12:
            req.cmd = r.randint(0, 255)
        elif op == 13:
            req.cmd = r.choice(self.known_cmds)
        elif op == 14:
            req.flags = self.flags()
        elif op == 15:
            req.flags = self.flags()
        elif op == 16:
            req.version = r.choice([0, 2, 255])
        elif op == 17:
            req.reserved = r.choice([1, 0x8000, 0xffff])
        elif op == 18:
            req.attrs.append(self.random_node(r.randint(0, 4)))
        elif op == 19:
            req.raw = r.randbytes(r.choice([1, 2, 3, 4, 5, 8, 13, 64, 300]))
        elif op == 20:
            req.attrs = [self.random_attr_of_any() for _ in range(r.randint(1, 6))]
        elif op == 21:
            req.attrs = req.attrs + [self.copy(n) for n in req.attrs]
        elif op == 22:
            req.attrs = []
        else:
            req.attrs.append(self.deep(r.randint(2, 40)))

    def flags(self):
        r = self.r
        f = NLM_F_REQUEST if r.random() < 0.97 else 0
        if r.random() < 0.9:
            f |= NLM_F_ACK
        for bit in (NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_ECHO,
                    NLM_F_MULTI, NLM_F_DUMP_INTR, 0x1000, 0x8000):
            if r.random() < 0.2:
                f |= bit
        return f

    def mutate_node(self, req, node, parent):
        r = self.r
        op = r.randrange(14)
        siblings = parent.children if parent is not None else req.attrs
        a = node.attr
        if op == 0:     # another type
            node.type = (node.type & (NLA_F_NESTED | NLA_F_NET_BYTEORDER)) | r.choice(
                [0, r.randint(1, 20), 0x3fff, r.getrandbits(14)])
        elif op == 1:   # wrong length
            if node.children is None:
                node.payload = r.choice([node.payload[:r.randint(0, max(0, len(node.payload) - 1))],
                                         node.payload + r.randbytes(r.randint(1, 9))])
            else:
                node.extra = r.randbytes(r.randint(1, 7))
        elif op == 2:   # bad value of the right kind
            if a is not None and node.children is None:
                node.payload = self.scalar(a, "", valid=False)
            elif a is not None:
                node.children = self.nest_value(a, "", valid=False)
        elif op == 3:   # NLA_F_NESTED flip
            node.type ^= NLA_F_NESTED
        elif op == 4:
            node.type ^= NLA_F_NET_BYTEORDER
        elif op == 5 and node in siblings:   # duplicate
            i = siblings.index(node)
            dup = self.copy(node)
            if r.random() < 0.5 and a is not None and node.children is None:
                dup.payload = self.scalar(a, "", valid=r.random() < 0.5)
            siblings.insert(i + 1, dup)
        elif op == 6 and node in siblings:   # missing
            siblings.remove(node)
        elif op == 7:   # a scalar made a nest, a nest made bytes
            if node.children is None:
                node.children = [self.random_node(2) for _ in range(r.randint(0, 3))]
                node.type |= NLA_F_NESTED if r.random() < 0.7 else 0
            else:
                node.children = None
                node.payload = r.randbytes(r.randint(0, 24))
        elif op == 8:   # nla_len lies
            node.len_delta = r.choice([-4, -3, -1, 1, 2, 4, 100, -100, 0x8000])
        elif op == 9:   # an attribute of another enum in this nest
            if node.children is not None:
                node.children.append(self.random_attr_of_any())
        elif op == 10:  # wrapped in nests
            wrapped = self.copy(node)
            for _ in range(r.randint(1, 4)):
                wrapped = Node(r.choice([node.type & NLA_TYPE_MASK, r.randint(1, 16)]) | NLA_F_NESTED,
                               None, children=[wrapped])
            if node in siblings:
                siblings[siblings.index(node)] = wrapped
        elif op == 11:  # oversized
            if node.children is None:
                node.payload = r.randbytes(r.choice([64, 255, 256, 1024, 4000]))
            else:
                node.children = [self.copy(node) for _ in range(r.randint(2, 12))]
        elif op == 12:  # empty
            node.payload, node.children = b"", (None if node.children is None else [])
        else:           # trailing junk, unaligned
            node.extra = r.randbytes(r.randint(1, 3))

    def copy(self, node):
        n = Node(node.type, node.attr, node.payload,
                 None if node.children is None else [self.copy(c) for c in node.children])
        n.extra, n.len_delta = node.extra, node.len_delta
        return n

    def random_attr_of_any(self):
        a = self.r.choice(self.all_attrs)
        return self.node(a, "", valid=self.r.random() < 0.5)

    def random_node(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.6:
            return Node(r.randint(0, 20), None, r.randbytes(r.choice([0, 1, 2, 4, 8, 5, 16])))
        return Node(r.randint(0, 20) | NLA_F_NESTED, None,
                    children=[self.random_node(depth - 1) for _ in range(r.randint(0, 3))])

    def deep(self, levels):
        n = self.random_node(0)
        for _ in range(levels):
            n = Node(self.r.choice([1, 2, 3, 4, 5, 7]) | NLA_F_NESTED, None, children=[n])
        return n

    def framing(self, req):
        """Rarely, the nlmsg or genl header itself is wrong."""
        r = self.r
        x = r.random()
        if x < 0.01:
            req.genl_cut = r.randint(0, 3)
        elif x < 0.02:
            req.cut = r.randint(1, 15)
        elif x < 0.025:
            # Beyond the padding of the datagram's last message.
            req.overlong = r.choice([4, 5, 100, 4096])


# ----------------------------------------------------------------- checking


class Stats:
    def __init__(self):
        self.c = {"sent": 0, "batches": 0, "answers": 0, "errors": 0, "acks": 0,
                  "no_extack": 0, "core_no_extack": 0, "malformed": 0, "unanswered": 0,
                  "eperm_violations": 0, "dumps": 0, "dumps_done": 0, "dumps_abandoned": 0,
                  "dump_msgs": 0, "dump_intr": 0, "replies": 0, "ns_created": 0,
                  "ns_deleted": 0, "ns_closed": 0, "valid_sent": 0, "ignored_ok": 0,
                  "junk_sent": 0, "junk_accepted": 0}
        self.per_cmd, self.ok_cmd, self.errno = {}, {}, {}
        self.examples = {"no_extack": [], "malformed": [], "eperm": [], "unanswered": [],
                         "crashed": [], "junk": []}
        self.messages = {}

    def inc(self, k, n=1):
        self.c[k] = self.c.get(k, 0) + n

    def example(self, kind, text):
        if len(self.examples[kind]) < 8:
            self.examples[kind].append(text)

    def merge(self, d):
        for k, v in d["c"].items():
            self.c[k] = self.c.get(k, 0) + v
        for name in ("per_cmd", "ok_cmd", "errno", "messages"):
            mine = getattr(self, name)
            for k, v in d[name].items():
                mine[k] = mine.get(k, 0) + v
        for k, v in d["examples"].items():
            for e in v:
                self.example(k, e)

    def dump(self):
        return {"c": self.c, "per_cmd": self.per_cmd, "ok_cmd": self.ok_cmd,
                "errno": self.errno, "examples": self.examples, "messages": self.messages}


def nla_iter(buf, off, end):
    """(type, payload start, payload end) of each attribute; raises on a
    malformed one."""
    while off < end:
        if off + 4 > end:
            raise ValueError(f"{end - off} stray bytes after the attributes")
        alen, atype = struct.unpack_from("HH", buf, off)
        if alen < 4 or off + alen > end:
            raise ValueError(f"attribute type {atype} length {alen} overruns ({end - off} left)")
        yield atype, off + 4, off + alen
        off += (alen + 3) & ~3


class Checker:
    """Validates everything the kernel sends back against the schema."""

    def __init__(self, schema):
        self.s = schema

    def attrs(self, buf, off, end, prefix, depth=0):
        table = self.s.members(prefix)
        for atype, a, b in nla_iter(buf, off, end):
            t = atype & NLA_TYPE_MASK
            if t not in table:
                raise ValueError(f"{prefix}: unknown attribute type {t}")
            self.value(buf, a, b, table[t], depth)

    def value(self, buf, a, b, attr, depth):
        n = b - a
        kind = attr.kind
        if attr.name.endswith("_PAD"):
            return
        if kind in SIZES and n != SIZES[kind]:
            raise ValueError(f"{attr.name}: {n} bytes for a {kind}")
        if kind == "string" and (n == 0 or buf[b - 1] != 0):
            raise ValueError(f"{attr.name}: string without its NUL")
        if kind == "nest" and attr.members:
            self.attrs(buf, a, b, attr.members, depth + 1)
        elif kind == "array":
            member = self.s.enum_values[attr.member]
            for t, x, y in nla_iter(buf, a, b):
                if t & NLA_TYPE_MASK != member:
                    raise ValueError(f"{attr.name}: member of type {t & NLA_TYPE_MASK}")
                self.value(buf, x, y, attr.member_attr, depth + 1)
        elif kind == "indexed":
            count = sum(1 for n_, v, _ in self.s.enums.get(attr.members, [])
                        if not n_.startswith("__"))
            for t, x, y in nla_iter(buf, a, b):
                t &= NLA_TYPE_MASK
                if t == 0 and y == x:
                    continue
                if not 0 < t < count or y - x != SIZES.get(attr.member, y - x):
                    raise ValueError(f"{attr.name}: entry {t} of {y - x} bytes")


def errstr(e):
    return errno.errorcode.get(e, str(e))


# ------------------------------------------------------------------ sockets


LIBC = ctypes.CDLL(None, use_errno=True)


def setns(fd, nstype):
    if LIBC.setns(fd, nstype) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def unshare(flags):
    if LIBC.unshare(flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Conn:
    """A genl socket in one context: the namespace it was opened in and the
    sender's privilege ("root", "uns": root of its own user namespace,
    "nobody")."""

    def __init__(self, family, priv, rng, where):
        self.family, self.priv, self.where = family, priv, where
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, genl.NETLINK_GENERIC)
        self.sock.setsockopt(NETLINK_SOL, NETLINK_EXT_ACK, 1)
        self.capped = rng.random() < 0.7
        if self.capped:
            self.sock.setsockopt(NETLINK_SOL, NETLINK_CAP_ACK, 1)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 0))
        self.sock.settimeout(120)
        self.portid = self.sock.getsockname()[0]
        self.buf = bytearray(1 << 20)
        # The kernel sizes dump messages by the reads: small reads make
        # dumps of many messages, read part by part across changes.
        self.rcvsize = len(self.buf)
        self.pending = {}      # seq -> Request awaiting its final answer
        self.seq = 0

    def close(self):
        self.sock.close()


class Worker:
    def __init__(self, name, schema, family, world, seed, budget, stats):
        self.name, self.s, self.family, self.budget = name, schema, family, budget
        self.r = random.Random(f"{seed}/{name}")
        self.g = Generator(schema, world, self.r)
        self.check = Checker(schema)
        self.st = stats
        self.sent = 0
        self.in_kernel = 0.0    # seconds in send and recv (kernel and waits)

    # -- sending and receiving
    def batch(self, conn, reqs):
        """Sends @reqs in one datagram and reads every answer."""
        # The last request the kernel will process must be acked: its
        # answer tells that all before it were processed. One message whose nlmsg_len runs past the datagram, at its end
        # (the kernel stops there); the others get their real length.
        tail = [q for q in reqs if q.overlong][:1]
        body = [q for q in reqs if q not in tail]
        for q in body:
            q.overlong = 0
        if not body:
            body, tail = tail, []
            body[0].overlong = 0
        last = body[-1]
        last.flags |= NLM_F_REQUEST | NLM_F_ACK
        if last.genl_cut is None and last.cmd in self.s.cmds and \
                (last.flags & NLM_F_DUMP) == NLM_F_DUMP:
            last.flags &= ~NLM_F_DUMP
        # Cut-short messages leave < 16 bytes: only the last may be cut.
        for q in body[:-1] + tail:
            q.cut = 0
        datagram = []
        for q in body + tail:
            conn.seq += 1
            data = q.encode(self.family, conn.seq)
            # The next message starts at the aligned end of this one.
            datagram.append(data + b"\0" * (-len(data) % 4))
            conn.pending[conn.seq] = q
            self.count(q)
        if last.cut:
            # The bytes cut from nlmsg_len follow it: fewer than a header.
            datagram = datagram[:len(body)]
            for q in tail:
                del conn.pending[q.seq]
                self.sent -= 1
                self.st.c["sent"] -= 1
            tail = []
        self.st.inc("batches")
        t = time.monotonic()
        try:
            conn.sock.send(b"".join(datagram))
        except OSError as e:
            if e.errno != errno.EMSGSIZE:
                raise
            # Over the socket's send buffer: one datagram each, same order.
            for d in datagram:
                conn.sock.send(d)
        self.in_kernel += time.monotonic() - t
        self.read_until(conn, last.seq)
        # Whatever is still pending was not acked, or is ignored.
        for seq in list(conn.pending):
            q = conn.pending.pop(seq)
            if q.overlong:
                self.st.inc("ignored_ok")
            elif q.flags & NLM_F_ACK and q.flags & NLM_F_REQUEST:
                self.st.inc("unanswered")
                self.st.example("unanswered", self.describe(conn, q, "no answer"))

    def count(self, q):
        self.sent += 1
        self.st.inc("sent")
        name = self.s.cmds.get(q.cmd, f"cmd{q.cmd}")
        self.st.per_cmd[name] = self.st.per_cmd.get(name, 0) + 1
        if q.valid:
            self.st.inc("valid_sent")
        if q.junk:
            self.st.inc("junk_sent")

    def read_until(self, conn, seq, dump=None):
        """Reads answers until @seq's final one (or, for a dump, one
        datagram). Returns True when @seq is finished."""
        while True:
            try:
                t = time.monotonic()
                n, _, flags, _ = conn.sock.recvmsg_into([memoryview(conn.buf)[:conn.rcvsize]])
                self.in_kernel += time.monotonic() - t
                if flags & socket.MSG_TRUNC:
                    raise RuntimeError(f"an answer over {conn.rcvsize} bytes: truncated")
            except socket.timeout:
                self.st.inc("unanswered")
                q = conn.pending.get(seq)
                why = self.describe(conn, q, "no answer in 120 s") if q else f"seq {seq}"
                self.st.example("unanswered", why)
                print(f"genl_fuzz: {why}", file=sys.stderr, flush=True)
                conn.pending.pop(seq, None)
                return True
            done = self.parse(conn, memoryview(conn.buf)[:n].tobytes())
            if seq in done:
                return True
            if dump is not None:
                return False

    def parse(self, conn, data):
        """Checks one datagram; returns the seqs it finished."""
        finished = set()
        off = 0
        while off < len(data):
            if off + 16 > len(data):
                self.malformed(conn, None, f"{len(data) - off} stray bytes after the messages")
                break
            length, mtype, mflags, seq, pid = struct.unpack_from("IHHII", data, off)
            if length < 16 or off + length > len(data):
                self.malformed(conn, None, f"nlmsg_len {length} with {len(data) - off} bytes left")
                break
            msg = data[off:off + length]
            off += (length + 3) & ~3
            q = conn.pending.get(seq)
            if pid != conn.portid:
                self.malformed(conn, q, f"answer for port {pid}, not {conn.portid}")
            if q is None:
                self.malformed(conn, None, f"answer (type {mtype}) to unknown seq {seq}")
                continue
            try:
                if mtype == NLMSG_ERROR:
                    self.on_error(conn, q, msg, mflags)
                    finished.add(seq)
                elif mtype == NLMSG_DONE:
                    if not q.dump:
                        raise ValueError("NLMSG_DONE for a request that is not a dump")
                    self.on_done(conn, q, msg)
                    finished.add(seq)
                elif mtype == self.family:
                    self.on_reply(conn, q, msg, mflags)
                else:
                    raise ValueError(f"message type {mtype}")
            except (ValueError, struct.error) as e:
                self.malformed(conn, q, str(e))
                finished.add(seq)
            if seq in finished:
                conn.pending.pop(seq, None)
        return finished

    def on_reply(self, conn, q, msg, mflags):
        self.st.inc("replies")
        if len(msg) < 20:
            raise ValueError("reply without a genl header")
        cmd = msg[16]
        if cmd != q.cmd & 0xff:
            raise ValueError(f"reply cmd {cmd} to cmd {q.cmd}")
        if q.dump:
            if not mflags & NLM_F_MULTI:
                raise ValueError("dump message without NLM_F_MULTI")
            self.st.inc("dump_msgs")
            if mflags & NLM_F_DUMP_INTR:
                self.st.inc("dump_intr")
        self.check.attrs(msg, 20, len(msg), "SEMNET_A_")

    def extack(self, conn, q, msg, at):
        """The TLVs after an error: returns the message text."""
        text = None
        for t, a, b in nla_iter(msg, at, len(msg)):
            t &= NLA_TYPE_MASK
            if t == NLMSGERR_ATTR_MSG:
                if b == a or msg[b - 1] != 0:
                    raise ValueError("extack message without its NUL")
                text = msg[a:b - 1].decode("utf-8", "replace")
                if not text or "\0" in text:
                    raise ValueError(f"extack message {text!r}")
            elif t == NLMSGERR_ATTR_OFFS:
                if b - a != 4:
                    raise ValueError("extack offset of the wrong size")
                o = struct.unpack_from("I", msg, a)[0]
                if not 16 <= o < len(q.data):
                    raise ValueError(f"extack offset {o} outside the {len(q.data)}-byte request")
            elif t > 16:
                raise ValueError(f"unknown extack attribute {t}")
        return text

    def on_error(self, conn, q, msg, mflags):
        if len(msg) < 36:
            raise ValueError(f"error message of {len(msg)} bytes")
        err = -struct.unpack_from("i", msg, 16)[0]
        echo = msg[20:36]
        sent_len = len(q.data)
        want = q.data[:16]
        if echo != want:
            raise ValueError("the echoed request header differs from the request's")
        if err == 0 or conn.capped:
            at = 36
            if err and not mflags & NLM_F_CAPPED:
                raise ValueError("capped error without NLM_F_CAPPED")
        else:
            orig_len = struct.unpack_from("I", q.data, 0)[0]
            at = 20 + ((min(orig_len, sent_len) + 3) & ~3)
            if msg[20:20 + min(orig_len, sent_len)] != q.data[:min(orig_len, sent_len)]:
                raise ValueError("the echoed request differs from the request")
        text = self.extack(conn, q, msg, at) if at < len(msg) else None
        if at < len(msg) and not mflags & NLM_F_ACK_TLVS:
            raise ValueError("extack attributes without NLM_F_ACK_TLVS")
        self.st.inc("answers")
        name = self.s.cmds.get(q.cmd, f"cmd{q.cmd}")
        if err == 0:
            self.st.inc("acks")
            if q.flags & NLM_F_REQUEST:
                self.st.ok_cmd[name] = self.st.ok_cmd.get(name, 0) + 1
            if q.junk and q.flags & NLM_F_REQUEST and not q.cut:
                self.st.inc("junk_accepted")
                self.st.example("junk", self.describe(conn, q, "accepted with stray bytes in a nest"))
            return
        if err < 0 or err > 4095:
            raise ValueError(f"error code {-err}")
        self.st.inc("errors")
        key = f"{conn.priv}:{errstr(err)}"
        self.st.errno[key] = self.st.errno.get(key, 0) + 1
        op = self.s.ops.get(self.s.cmds.get(q.cmd, ""))
        # Without its genl header (an nlmsg_len that ends before it), a
        # request names no command: the core refuses it (EINVAL) first.
        wellformed = q.genl_cut is None and q.flags & NLM_F_REQUEST and \
            len(q.data) - q.cut >= 20
        # A sender without the capability never reaches the module.
        if wellformed and op and self.perm_denied(conn, op) and err != errno.EPERM and \
                not (q.cmd >= self.s.resv_start_op and err == errno.EINVAL):
            self.st.inc("eperm_violations")
            self.st.example("eperm", self.describe(conn, q, f"got {errstr(err)}, not EPERM"))
        if text:
            self.st.messages[text] = self.st.messages.get(text, 0) + 1
            return
        if self.core_error(conn, q, err, op):
            self.st.inc("core_no_extack")
            return
        self.st.inc("no_extack")
        self.st.example("no_extack", self.describe(conn, q, f"{errstr(err)} without an extack message"))

    def perm_denied(self, conn, op):
        return (op["perm"] == "uns" and conn.priv == "nobody") or \
            (op["perm"] == "global" and conn.priv != "root")

    def core_error(self, conn, q, err, op):
        """Errors the genl core returns before any of the module runs: it
        cannot attach a message to those."""
        if q.genl_cut is not None or len(q.data) - q.cut < 20:
            return err == errno.EINVAL
        dump = (q.flags & NLM_F_DUMP) == NLM_F_DUMP
        # In the order genl_family_rcv_msg() checks them.
        if op is None:
            return err == errno.EOPNOTSUPP
        if self.perm_denied(conn, op):
            return err == errno.EPERM
        if (dump and not op["dumpit"]) or (not dump and not op["doit"]):
            return err == errno.EOPNOTSUPP
        if dump and err == errno.EBUSY:
            return True
        return False

    def on_done(self, conn, q, msg):
        if len(msg) < 20:
            raise ValueError("NLMSG_DONE without its error code")
        err = -struct.unpack_from("i", msg, 16)[0]
        text = self.extack(conn, q, msg, 20) if len(msg) > 20 else None
        self.st.inc("dumps_done")
        if err:
            self.st.inc("errors")
            key = f"{conn.priv}:dump:{errstr(err)}"
            self.st.errno[key] = self.st.errno.get(key, 0) + 1
            if not text:
                self.st.inc("no_extack")
                self.st.example("no_extack", self.describe(conn, q, f"dump ended with {errstr(err)}"))

    def malformed(self, conn, q, why):
        self.st.inc("malformed")
        self.st.example("malformed", self.describe(conn, q, why) if q else f"{self.name}: {why}")

    def describe(self, conn, q, why):
        name = self.s.cmds.get(q.cmd, f"cmd{q.cmd}")
        return (f"{self.name}/{conn.where}/{conn.priv}: {name} flags {q.flags:#x}: {why}; "
                f"request {q.data[:160].hex()}")

    # -- dumps
    def dump_step(self, conn, dstate):
        """One step of the dump kept open on @conn: start one, or read one
        datagram of it, or (rarely) abandon it by closing the socket."""
        r = self.r
        if dstate.get("seq") is None:
            cmd = r.choice(self.g.dump_cmds)
            q = self.g.valid(cmd)
            if r.random() < 0.3:
                self.g.mutate(q)
            q.cmd = cmd if r.random() < 0.97 else q.cmd
            q.flags = NLM_F_REQUEST | NLM_F_DUMP | (NLM_F_ACK if r.random() < 0.3 else 0)
            q.dump, q.cut, q.overlong, q.genl_cut = True, 0, 0, None
            conn.seq += 1
            conn.sock.send(q.encode(self.family, conn.seq))
            conn.pending[conn.seq] = q
            self.count(q)
            self.st.inc("dumps")
            dstate["seq"] = conn.seq
        if self.read_until(conn, dstate["seq"], dump=True):
            dstate["seq"] = None
            return conn
        if r.random() < 0.04:
            self.st.inc("dumps_abandoned")
            conn.pending.clear()
            conn.close()
            dstate["seq"] = None
            return None
        return conn

    def dump_finish(self, conn, dstate):
        while conn is not None and dstate.get("seq") is not None:
            if self.read_until(conn, dstate["seq"], dump=True):
                dstate["seq"] = None

    # -- the loop
    def fuzz(self, conns, count, setup=True, hook=None):
        """Sends @count requests over @conns (a dict of Conn lists by role:
        "batch" and "dump"), a batch at a time, a dump step in between."""
        r = self.r
        end = self.sent + count
        batch = conns["batch"]
        dumps = conns.get("dump", [])
        dstates = [{} for _ in dumps]
        if setup:
            reqs = self.g.setup()
            for i in range(0, len(reqs), 16):
                self.batch(batch[0], reqs[i:i + 16])
        while self.sent < end:
            n = min(r.choice([1, 8, 16, 32, 32, 64]), max(1, end - self.sent))
            reqs = []
            for _ in range(n):
                q = self.g.next()
                if q.genl_cut is None and (q.flags & NLM_F_DUMP) == NLM_F_DUMP and \
                        self.s.ops.get(self.s.cmds.get(q.cmd, ""), {}).get("dumpit"):
                    # Dumps go to the dump sockets: one at a time each.
                    q.flags &= ~NLM_F_ROOT
                reqs.append(q)
            self.batch(r.choice(batch), reqs)
            for i, d in enumerate(dumps):
                if d is not None and r.random() < 0.5:
                    dumps[i] = self.dump_step(d, dstates[i])
                elif d is None and r.random() < 0.3:
                    dumps[i] = conns["reopen"]()
            if hook:
                hook(self.sent)
        for i, d in enumerate(dumps):
            self.dump_finish(d, dstates[i])
        return dumps


# ------------------------------------------------------------- the workers


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def open_conns(family, priv, rng, where, nbatch=2, ndump=1):
    def dumper():
        c = Conn(family, priv, rng, where)
        c.rcvsize = 4096
        # Errors carry only the request's header: one that echoed a large
        # mutated dump request whole would not fit these small reads.
        c.sock.setsockopt(NETLINK_SOL, NETLINK_CAP_ACK, 1)
        c.capped = True
        return c
    conns = {"batch": [Conn(family, priv, rng, where) for _ in range(nbatch)],
             "dump": [dumper() for _ in range(ndump)], "reopen": dumper}
    return conns


def close_conns(conns):
    for c in conns["batch"] + [d for d in conns["dump"] if d]:
        c.close()


def run_init(w, budget):
    """Root in the init namespace."""
    conns = open_conns(w.family, "root", w.r, "init")
    w.fuzz(conns, budget)
    close_conns(conns)


def run_netns(w, budget):
    """Root in named namespaces, each deleted by another thread while the
    requests go on; closing the sockets then frees it."""
    base = os.open("/proc/self/ns/net", os.O_RDONLY)
    k = 0
    while w.sent < budget:
        name = f"semnet-fz{os.getpid()}-{k}"
        k += 1
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "add", "br0", "type", "bridge")
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
        setns(fd, CLONE_NEWNET)
        w.g.reset(World(socket.if_nametoindex("br0")))
        conns = open_conns(w.family, "root", w.r, "netns")
        setns(base, CLONE_NEWNET)
        os.close(fd)
        w.st.inc("ns_created")
        epoch = min(budget - w.sent, w.r.randint(300, 1500))
        kill_at = w.sent + w.r.randint(0, epoch)
        go = threading.Event()

        def deleter(name=name, go=go):
            go.wait()
            subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)

        t = threading.Thread(target=deleter)
        t.start()

        def hook(sent, kill_at=kill_at, go=go):
            if sent >= kill_at and not go.is_set():
                go.set()
        w.fuzz(conns, epoch, hook=hook)
        go.set()
        t.join()
        w.st.inc("ns_deleted")
        close_conns(conns)
        w.st.inc("ns_closed")
    os.close(base)


def run_unpriv(w, budget):
    """User nobody: first against the init namespace, then root of its own
    user and network namespace."""
    bridge_init = w.g.w.bridge
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)
    # Changing uids made the process undumpable: its /proc files (the
    # uid_map written below) would stay root's.
    LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    conns = open_conns(w.family, "nobody", w.r, "init")
    w.g.reset(World(bridge_init))
    w.fuzz(conns, budget // 3, setup=True)
    close_conns(conns)
    unshare(CLONE_NEWUSER | CLONE_NEWNET)
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"0 {NOBODY} 1"),
                       ("/proc/self/gid_map", f"0 {NOBODY} 1")):
        with open(path, "w") as f:
            f.write(text)
    sh("ip", "link", "add", "br0", "type", "bridge")
    w.g.reset(World(socket.if_nametoindex("br0")))
    w.st.inc("ns_created")
    conns = open_conns(w.family, "uns", w.r, "userns")
    w.fuzz(conns, budget - w.sent)
    close_conns(conns)


RUNNERS = {"init": run_init, "netns": run_netns, "unpriv": run_unpriv}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int,
                    default=int(os.environ.get("SEMNET_FUZZ_MESSAGES", "100000")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workers", default="init:0.35,init:0.35,netns:0.2,unpriv:0.1")
    ap.add_argument("--json", default=None)
    ap.add_argument("--schema", action="store_true", help="print what was parsed and exit")
    args = ap.parse_args()
    seed = args.seed
    if seed is None:
        env = os.environ.get("SEMNET_FUZZ_SEED")
        seed = int(env) if env else random.SystemRandom().randrange(1 << 32)
    kmod = os.path.join(TOP, "kmod")
    schema = Schema(genl.HEADER, os.path.join(kmod, "netlink.c"),
                    [read(os.path.join(kmod, f)) for f in sorted(os.listdir(kmod))
                     if f.endswith(".h")])
    if args.schema:
        print("\n".join(schema.describe()))
        return 0
    print(f"# seed {seed} (SEMNET_FUZZ_SEED={seed} replays it), {args.messages} messages", flush=True)
    print(f"# schema: {len(schema.cmds)} commands, {len(schema.ops)} with ops, "
          f"{sum(len(t) for t in schema.attrs.values())} attributes in {len(schema.attrs)} enums",
          flush=True)

    probe = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, genl.NETLINK_GENERIC)
    probe.bind((0, 0))
    family = genl.resolve(probe)
    probe.close()
    if not os.path.exists("/sys/class/net/semnet-fzbr"):
        sh("ip", "link", "add", "semnet-fzbr", "type", "bridge")
    bridge = socket.if_nametoindex("semnet-fzbr")

    plan = []
    for i, spec in enumerate(args.workers.split(",")):
        kind, share = spec.split(":")
        plan.append((f"{kind}{i}", kind, max(1, int(args.messages * float(share) + 0.5))))
    t0 = time.monotonic()
    children = {}
    for name, kind, budget in plan:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            st = Stats()
            status = 0
            try:
                w = Worker(name, schema, family, World(bridge), seed, budget, st)
                t = time.monotonic()
                if os.environ.get("SEMNET_FUZZ_PROFILE"):
                    import cProfile
                    import pstats
                    prof = cProfile.Profile()
                    prof.runcall(RUNNERS[kind], w, budget)
                    pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
                else:
                    RUNNERS[kind](w, budget)
                t = time.monotonic() - t
                print(f"# worker {name}: {w.sent} messages in {t:.1f} s, "
                      f"{w.sent / t:.0f}/s, {w.in_kernel:.1f} s of it in send/recv",
                      flush=True)
            except BaseException:
                st.c["crashed"] = 1
                st.example("crashed", f"{name}: worker failed: {traceback.format_exc()[-1500:]}")
                traceback.print_exc()
                status = 1
            with os.fdopen(wfd, "w") as f:
                json.dump(st.dump(), f)
            os._exit(status)
        os.close(wfd)
        children[pid] = (name, rfd)
    total = Stats()
    for pid, (name, rfd) in children.items():
        with os.fdopen(rfd) as f:
            data = f.read()
        os.waitpid(pid, 0)
        if data:
            total.merge(json.loads(data))
        else:
            total.inc("crashed")
            total.example("crashed", f"{name}: worker died without a result")
    secs = time.monotonic() - t0
    c = total.c
    rate = c["sent"] / secs if secs else 0
    out = [f"seed {seed}",
           f"messages sent {c['sent']} in {c['batches']} batches, {secs:.1f} s, {rate:.0f} messages/s",
           f"valid requests {c['valid_sent']}, acks {c['acks']}, errors {c['errors']}, "
           f"replies {c['replies']}",
           f"dumps {c['dumps']} (done {c['dumps_done']}, abandoned half read "
           f"{c['dumps_abandoned']}, {c['dump_msgs']} messages, {c['dump_intr']} flagged "
           f"interrupted)",
           f"namespaces created {c['ns_created']}, deleted while in use {c['ns_deleted']}, "
           f"freed {c['ns_closed']}",
           f"errors without extack: from the module {c['no_extack']}, from the genl core "
           f"{c['core_no_extack']}",
           f"malformed answers {c['malformed']}, unanswered {c['unanswered']}, "
           f"unprivileged changes not refused {c['eperm_violations']}, "
           f"cut-short messages ignored {c['ignored_ok']}",
           f"changes with stray bytes in a nest {c['junk_sent']}, accepted {c['junk_accepted']}"]
    out.append("sent per command: " + ", ".join(
        f"{k} {v}" for k, v in sorted(total.per_cmd.items(), key=lambda kv: -kv[1])
        if not k.startswith("cmd")) + f", unknown {sum(v for k, v in total.per_cmd.items() if k.startswith('cmd'))}")
    out.append("succeeded per command: " + ", ".join(
        f"{k} {v}" for k, v in sorted(total.ok_cmd.items(), key=lambda kv: -kv[1])))
    out.append("errors by errno: " + ", ".join(
        f"{k} {v}" for k, v in sorted(total.errno.items(), key=lambda kv: -kv[1])))
    out.append(f"distinct extack messages: {len(total.messages)}")
    for line in out:
        print(f"# {line}", flush=True)
    for kind, ex in total.examples.items():
        for e in ex:
            print(f"# {kind}: {e}", flush=True)
    result = {"seed": seed, "seconds": round(secs, 1), "rate": round(rate), **c,
              "per_cmd": total.per_cmd, "ok_cmd": total.ok_cmd, "errno": total.errno}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)
    else:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
