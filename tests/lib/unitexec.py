#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""Runs a command in a systemd unit's sandbox, without systemd.

  unitexec.py [--rw PATH]... [--netns PATH] UNIT -- COMMAND [ARGS...]

For tests/e2e/semnetd_unikernel.sh: the test VM has no systemd as PID 1,
so this does what systemd 252 (src/core/namespace.c, execute.c,
shared/seccomp-util.c) does before it starts a service, from the
[Service] settings of the unit file UNIT that decide what semnetd can do
with mounts, devices and system calls:

- the mount namespace: unshare(), every mount made a slave of the host's
  (MS_SLAVE | MS_REC: nothing mounted inside reaches the host), then
  BindPaths= and ReadWritePaths= bound onto themselves, PrivateDevices=
  a tmpfs /dev with only null, zero, full, random, urandom and tty (and
  what BindPaths= binds there), ProtectSystem=strict every other mount
  read-only but /proc, /sys and /dev, and last MS_SHARED | MS_REC;
- CapabilityBoundingSet= (semnetd runs as root: its capabilities after
  exec are the bounding set), NoNewPrivileges=;
- the seccomp filter of SystemCallFilter= (an allow list; its @groups
  expanded by systemd-analyze syscall-filter, the numbers from
  <asm/unistd_64.h>), SystemCallErrorNumber=, SystemCallArchitectures=
  native and RestrictNamespaces= (unshare() and clone() refused with the
  flag of a namespace type not listed, setns() also with nstype 0, and
  clone3() answered ENOSYS).

--rw PATH stands in for StateDirectory= and RuntimeDirectory= (the test
keeps semnetd's database and socket in PATH); --netns PATH enters that
network namespace (the test's node) before the capabilities go. Left out
as irrelevant to what semnetd can mount and open: PrivateTmp=,
ProtectHome=, ProtectKernel*=, ProtectControlGroups=, ProtectClock=,
DeviceAllow= (a cgroup, which the VM's test runs without),
RestrictAddressFamilies= and MemoryDenyWriteExecute=. A setting this does
not understand is an error, not ignored.
"""
import ctypes
import os
import re
import struct
import subprocess
import sys

CLONE_NEWNS = 0x00020000
NAMESPACES = {"cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000, "mnt": CLONE_NEWNS,
              "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000}
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
MS_SLAVE, MS_SHARED = 1 << 19, 1 << 20
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 24, 38, 22, 2
AUDIT_ARCH_X86_64 = 0xc000003e
RET_KILL, RET_ALLOW, RET_ERRNO = 0x80000000, 0x7fff0000, 0x00050000
LD_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
PRIVATE_DEV = ("null", "zero", "full", "random", "urandom", "tty")

libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    sys.exit("unitexec: " + msg)


def prctl(*args):
    return libc.prctl(*(ctypes.c_ulong(a) if isinstance(a, int) else a for a in args))


def check(rc, what):
    if rc < 0:
        e = ctypes.get_errno()
        die("%s: %s" % (what, os.strerror(e)))


def mount(src, target, fstype, flags, data=None):
    check(libc.mount(src and src.encode(), target.encode(), fstype and fstype.encode(),
                     ctypes.c_ulong(flags), data and data.encode()),
          "mount %s on %s" % (src or fstype or "", target))


def service_settings(unit):
    """The [Service] section as {key: [values]}; an empty value resets."""
    settings, section = {}, None
    for line in open(unit):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            settings[key] = [] if not value else settings.get(key, []) + [value]
    return settings


def words(settings, key):
    return " ".join(settings.get(key, [])).split()


def yes(settings, key):
    v = settings.get(key, ["no"])[-1]
    return v in ("yes", "true", "on", "1")


def mountinfo():
    """(mount point, mount options) of each mount, in mount order."""
    out = []
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        out.append((f[4].replace("\\040", " "), f[5].split(",")))
    return out


def under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def sandbox_mounts(settings, rw):
    check(libc.unshare(CLONE_NEWNS), "unshare")
    mount(None, "/", None, MS_SLAVE | MS_REC)
    binds = []		# (source fd, target)
    for entry in words(settings, "BindPaths"):
        optional = entry.startswith("-")
        src, _, dst = entry.lstrip("-").partition(":")
        dst = dst.partition(":")[0] or src
        if not os.path.exists(src):
            if optional:
                continue
            die("BindPaths=%s: no such file" % src)
        # Opened now: the private /dev below hides device nodes.
        binds.append((os.open(src, os.O_PATH), dst))
    for path in words(settings, "ReadWritePaths") + rw:
        optional = path.startswith("-")
        path = path.lstrip("-")
        if os.path.exists(path):
            binds.append((os.open(path, os.O_PATH), path))
        elif not optional:
            die("ReadWritePaths=%s: no such file" % path)
    if yes(settings, "PrivateDevices"):
        nodes = {n: os.stat("/dev/" + n).st_rdev for n in PRIVATE_DEV}
        mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
        for n, rdev in nodes.items():
            os.mknod("/dev/" + n, 0o20666, rdev)
    for fd, dst in binds:
        if not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            open(dst, "w").close()
        mount("/proc/self/fd/%d" % fd, dst, None, MS_BIND | MS_REC)
        os.close(fd)
    protect = settings.get("ProtectSystem", ["no"])[-1]
    if protect == "strict":
        keep = ["/proc", "/sys", "/dev"] + [dst for _, dst in binds]
        for point, opts in mountinfo():
            if any(under(point, k) for k in keep):
                continue
            flags = MS_REMOUNT | MS_BIND | MS_RDONLY
            for name, bit in (("nosuid", MS_NOSUID), ("nodev", MS_NODEV),
                              ("noexec", MS_NOEXEC), ("noatime", MS_NOATIME),
                              ("nodiratime", MS_NODIRATIME), ("relatime", MS_RELATIME)):
                if name in opts:
                    flags |= bit
            mount(None, point, None, flags)
    elif protect != "no":
        die("ProtectSystem=%s: only strict is done here" % protect)
    mount(None, "/", None, MS_SHARED | MS_REC)


def cap_numbers():
    caps = {}
    for line in open("/usr/include/linux/capability.h"):
        m = re.match(r"#define (CAP_[A-Z_]+)\s+(\d+)\s*$", line)
        if m:
            caps[m.group(1)] = int(m.group(2))
    return caps


def drop_caps(settings):
    if "CapabilityBoundingSet" not in settings:
        return
    caps = cap_numbers()
    keep = set()
    for name in words(settings, "CapabilityBoundingSet"):
        if name not in caps:
            die("CapabilityBoundingSet: unknown %s" % name)
        keep.add(caps[name])
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        if cap not in keep:
            check(prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop capability %d" % cap)


def syscall_groups():
    """systemd's own @groups: {"@name": [members]}."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = groups.setdefault(line.strip(), [])
        elif cur is not None and line.strip() and not line.strip().startswith("#"):
            cur.append(line.strip())
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    for n in names:
        if n in seen:
            continue
        seen.add(n)
        if n.startswith("@"):
            if n not in groups:
                die("SystemCallFilter: unknown group %s" % n)
            expand(groups[n], groups, seen)
    return {n for n in seen if not n.startswith("@")}


def syscall_numbers():
    nrs = {}
    for line in open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"):
        m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
        if m:
            nrs[m.group(1)] = int(m.group(2))
    return nrs


def seccomp_program(settings):
    filt = words(settings, "SystemCallFilter")
    if not filt:
        return None
    if any(f.startswith("~") or ":" in f for f in filt):
        die("SystemCallFilter: only an allow list without errnos is done here")
    if settings.get("SystemCallArchitectures", ["native"])[-1] != "native":
        die("SystemCallArchitectures: only native is done here")
    errno_name = settings.get("SystemCallErrorNumber", ["EPERM"])[-1]
    deny = RET_ERRNO | getattr(__import__("errno"), errno_name)
    nrs = syscall_numbers()
    # systemd adds @default to every allow list
    allowed = {nrs[n] for n in expand(filt + ["@default"], syscall_groups()) if n in nrs}
    retain = 0
    for n in words(settings, "RestrictNamespaces"):
        if n not in NAMESPACES:
            die("RestrictNamespaces: only a list of types is done here, not %s" % n)
        retain |= NAMESPACES[n]
    blocked = sum(NAMESPACES.values()) & ~retain

    prog = [(LD_ABS, 0, 0, 4), (JEQ, 1, 0, AUDIT_ARCH_X86_64), (RET, 0, 0, RET_KILL),
            (LD_ABS, 0, 0, 0), (JGE, 0, 1, 0x40000000), (RET, 0, 0, deny)]	# x32
    if "RestrictNamespaces" in settings:
        prog += [(JEQ, 0, 1, nrs["clone3"]), (RET, 0, 0, RET_ERRNO | 38)]	# ENOSYS
        for name, arg in (("unshare", 16), ("clone", 16)):
            if nrs[name] in allowed:
                prog += [(JEQ, 0, 4, nrs[name]), (LD_ABS, 0, 0, arg), (JSET, 1, 0, blocked),
                         (RET, 0, 0, RET_ALLOW), (RET, 0, 0, RET_ERRNO | 1)]
        if nrs["setns"] in allowed:
            prog += [(JEQ, 0, 5, nrs["setns"]), (LD_ABS, 0, 0, 24), (JEQ, 2, 0, 0),
                     (JSET, 1, 0, blocked), (RET, 0, 0, RET_ALLOW), (RET, 0, 0, RET_ERRNO | 1)]
            allowed.discard(nrs["setns"])
        allowed -= {nrs["clone3"], nrs["unshare"], nrs["clone"]}
    for nr in sorted(allowed):
        prog += [(JEQ, 0, 1, nr), (RET, 0, 0, RET_ALLOW)]
    prog.append((RET, 0, 0, deny))
    return b"".join(struct.pack("HBBI", *i) for i in prog), len(prog)


def main():
    args, rw, netns = sys.argv[1:], [], None
    while args and args[0] in ("--rw", "--netns"):
        if args[0] == "--rw":
            rw.append(args[1])
        else:
            netns = args[1]
        args = args[2:]
    if len(args) < 3 or args[1] != "--":
        die("usage: unitexec.py [--rw PATH]... [--netns PATH] UNIT -- COMMAND [ARGS...]")
    settings, cmd = service_settings(args[0]), args[2:]
    prog = seccomp_program(settings)	# before the sandbox: it runs systemd-analyze
    sandbox_mounts(settings, rw)
    if netns:
        fd = os.open(netns, os.O_RDONLY)
        check(libc.setns(fd, NAMESPACES["net"]), "setns " + netns)
        os.close(fd)
    drop_caps(settings)
    if yes(settings, "NoNewPrivileges") or prog:
        check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if prog:
        buf = ctypes.create_string_buffer(prog[0])
        fprog = struct.pack("HxxxxxxQ", prog[1], ctypes.addressof(buf))
        check(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0),
              "seccomp")
    os.execvp(cmd[0], cmd)


main()
