#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""The processes of tests/adversarial/churn.sh (table churn under traffic).

Every time is CLOCK_MONOTONIC of the one VM, in seconds, so the logs of the
servers, clients and the churner can be compared.

  serve RATE NAME=ADDR...    for each NAME, on ADDR:80 short connections:
                             send NAME and a newline, close; on ADDR:81
                             long streams: NAME and a newline, then RATE
                             bytes a second until the client goes
  clients ADDR PORT STOP RATE LOG[:PORTS]...
                             a loop per LOG connecting to ADDR:PORT at
                             most RATE times a second until the file STOP
                             exists; LOG
                             gets "START END ANSWER SPORT" per connection
                             (ANSWER: the server's name, or -ERROR); PORTS
                             "LO-HI" binds the source port in turn (reused
                             tuples)
  streams ADDR PORT N STOP LOG
                             N streams, opened one after the other, read
                             until the file STOP exists (LOG.ready once all
                             are open) or they end; LOG gets one JSON object
                             per stream
  churn SECONDS LOG CHURNED... -- JUNK TARGET [MIN_ROUNDS]
                             drives one `semnet -batch -` in rounds (for
                             SECONDS, and at least MIN_ROUNDS however slow
                             the machine, at most 10 x SECONDS): each
                             re-adds the instance deleted two rounds
                             before, adds and deletes JUNK units (service,
                             remote instance, peer), deletes the next
                             churned instance, and ends with a marker line
                             whose output says all of it returned; JUNK
                             adapts to rounds of TARGET seconds; LOG gets
                             one JSON object per round
  rates N                    N changes of each kind (service, instance and
                             peer adds, then their deletes), each kind
                             timed alone over one batch
  names ADDR PORT COUNT      COUNT connections to ADDR:PORT one after
                             another, each answer on a line
  check NAMES CLIENT-LOGS... -- CHURN-LOG STREAM-LOG
                             prints the figures, one "key value" a line;
                             NAMES maps InstanceIPs to server names
                             ("172.30.1.1=s1,...")
"""
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

now = time.monotonic


def listener(addr, port):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(512)
    return lsock


def serve_short(lsock, msg):
    while True:
        conn, _ = lsock.accept()
        try:
            conn.sendall(msg)
        except OSError:
            pass
        conn.close()


def stream_one(conn, msg, rate):
    chunk = b"x" * 4096
    interval = len(chunk) / rate
    try:
        conn.sendall(msg)
        while True:
            conn.sendall(chunk)
            time.sleep(interval)
    except OSError:
        pass
    conn.close()


def serve_streams(lsock, msg, rate):
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=stream_one, args=(conn, msg, rate), daemon=True).start()


def serve(rate, servers):
    """Every NAME=ADDR: its name on ADDR:80, a stream on ADDR:81."""
    threads = []
    for arg in servers:
        name, addr = arg.split("=")
        msg = (name + "\n").encode()
        threads.append(threading.Thread(target=serve_short,
                                        args=(listener(addr, 80), msg), daemon=True))
        threads.append(threading.Thread(target=serve_streams,
                                        args=(listener(addr, 81), msg, float(rate)),
                                        daemon=True))
    for t in threads:
        t.start()
    print("listening", flush=True)
    for t in threads:
        t.join()


def one_connection(addr, port, sport):
    s = socket.socket()
    s.settimeout(3)
    try:
        if sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", sport))
        s.connect((addr, port))
        sport = s.getsockname()[1]
        data = b""
        while True:
            part = s.recv(256)
            if not part:
                break
            data += part
        answer = data.decode(errors="replace").strip() or "-empty"
    except OSError as e:
        answer = "-" + (os.strerror(e.errno) if e.errno else type(e).__name__)
        answer = answer.replace(" ", "_")
    finally:
        s.close()
    return answer, sport


def names(addr, port, count):
    """COUNT connections one after another, each answer on a line (one
    process: under TCG a fork and exec per connection costs seconds)."""
    for _ in range(int(count)):
        print(one_connection(addr, int(port), 0)[0], flush=True)


def clients(addr, port, stop, rate, specs):
    """One loop a thread (a process start costs seconds in the VM)."""
    threads = [threading.Thread(target=client_loop,
                                args=(addr, int(port), stop, float(rate)) +
                                tuple((spec.split(":") + [None])[:2]))
               for spec in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def client_loop(addr, port, stop, rate, log, ports):
    lo = hi = sport = 0
    gap = 1.0 / rate
    next_start = now()
    if ports:
        lo, hi = (int(p) for p in ports.split("-"))
        sport = lo
    with open(log, "w") as out:
        while not os.path.exists(stop):
            # At most `rate` a second: the VM's CPUs are the churner's too.
            time.sleep(max(0.0, next_start - now()))
            next_start = max(next_start + gap, now())
            start = now()
            answer, used = one_connection(addr, port, sport)
            out.write("%.6f %.6f %s %d\n" % (start, now(), answer, used))
            if ports:
                sport = lo if sport >= hi else sport + 1


def streams(addr, port, n, stop, log):
    sel = selectors.DefaultSelector()
    result = []
    for _ in range(int(n)):
        s = socket.create_connection((addr, int(port)), timeout=10)
        r = {"start": now(), "name": None, "bytes": 0, "last": now(),
             "end": None, "reason": None, "buckets": {}}
        buf = b""
        while b"\n" not in buf:
            part = s.recv(4096)
            if not part:
                break
            buf += part
        r["name"] = buf.split(b"\n")[0].decode(errors="replace")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, r)
        result.append(r)
    open(log + ".ready", "w").close()
    while sel.get_map() and not os.path.exists(stop):
        for key, _ in sel.select(timeout=0.5):
            r = key.data
            try:
                data = key.fileobj.recv(65536)
            except OSError as e:
                data, r["reason"] = None, "error:" + (os.strerror(e.errno) or "?")
            if not data:
                r["reason"] = r["reason"] or "eof"
                r["end"] = now()
                sel.unregister(key.fileobj)
                key.fileobj.close()
                continue
            t = now()
            r["bytes"] += len(data)
            r["last"] = t
            b = "%.1f" % t
            r["buckets"][b] = r["buckets"].get(b, 0) + len(data)
    for key in list(sel.get_map().values()):
        key.data["reason"], key.data["end"] = "deadline", now()
        key.fileobj.close()
    with open(log, "w") as out:
        for r in result:
            out.write(json.dumps(r) + "\n")


MARKER = "help version"		# prints a line, asks the kernel nothing
JUNK_MAX = 500			# units of unrelated changes in a round


def rates(n):
    """Changes a second of each kind alone, N of it, over one batch."""
    n = int(n)
    kinds = [
        ("service-add", "service add 172.30.4.%d name rate%d.ns"),
        ("instance-add", "instance add 172.30.5.%d service rate%d.ns nsip 172.18.0.%d "
         "node 192.168.8.1"),
        ("peer-add", "peer add 172.19.%d.0/24 remote 192.168.8.%d"),
        ("instance-del", "instance del 172.30.5.%d"),
        ("service-del", "service del 172.30.4.%d"),
        ("peer-del", "peer del 172.19.%d.0/24"),
    ]
    p = subprocess.Popen(["semnet", "-batch", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, bufsize=1)
    out = []
    for name, fmt in kinds:
        k = fmt.count("%d")
        text = "".join(fmt % ((i,) * (k - 1) + (i + 1 if name == "peer-add" else i,)) + "\n"
                       for i in range(n))
        start = now()
        p.stdin.write(text + MARKER + "\n")
        p.stdin.flush()
        if not p.stdout.readline():
            break
        out.append("%s %d/s" % (name, n / (now() - start)))
    p.stdin.close()
    p.stdout.read()
    rc = p.wait()
    print(" ".join(out))
    sys.exit(rc)


def churn(seconds, log, args):
    sep = args.index("--")
    churned, junk, target = args[:sep], int(args[sep + 1]), float(args[sep + 2])
    min_rounds = int(args[sep + 3]) if len(args) > sep + 3 else 0
    inst = [c.split(",") for c in churned]	# "ADDR,SERVICE,NSIP,DEV"
    add = ["instance add %s service %s nsip %s dev %s" % tuple(i) for i in inst]
    # One batch process for the whole run, driven over pipes: a marker line
    # after a round comes back once every line before it was acknowledged.
    p = subprocess.Popen(["semnet", "-batch", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=open(log + ".stderr", "w"),
                         text=True, bufsize=1)
    start = now()
    end, last = start + float(seconds), start + 10 * float(seconds)
    deleted = {}		# round -> index of the instance it deleted
    rnd = 0
    ok = True
    with open(log, "w") as out:
        t_prev = now()
        out.write(json.dumps({"start": t_prev}) + "\n")
        while now() < end or (rnd < min_rounds and now() < last):
            lines = []
            readd = deleted.pop(rnd - 2, None)
            if readd is not None:
                lines.append(add[readd])
            for k in range(junk):
                # Unrelated objects: a service with an instance on another
                # node, and that node's peer; then their deletes. Unit k
                # has the octets hi.lo (hi 0 or 1, lo 0..249).
                hi, lo = divmod(k, 250)
                lines += [
                    "service add 172.30.%d.%d name junk%d.ns" % (2 + hi, lo, k),
                    "instance add 172.30.%d.%d service junk%d.ns nsip 172.%d.%d.10 "
                    "node 192.168.%d.%d" % (8 + hi, lo, k, 17 + hi, lo, 9 + hi, lo + 1),
                    "peer add 172.%d.%d.0/24 remote 192.168.%d.%d" % (17 + hi, lo, 9 + hi, lo + 1),
                    "instance del 172.30.%d.%d" % (8 + hi, lo),
                    "service del 172.30.%d.%d" % (2 + hi, lo),
                    "peer del 172.%d.%d.0/24" % (17 + hi, lo),
                ]
            victim = rnd % len(inst)
            if victim in deleted.values() or victim == readd:
                victim = None
            else:
                lines.append("instance del %s" % inst[victim][0])
                deleted[rnd] = victim
            # The re-add can take effect no earlier than it is written.
            t_write = now()
            try:
                p.stdin.write("".join(line + "\n" for line in lines) + MARKER + "\n")
                p.stdin.flush()
                ok = bool(p.stdout.readline())	# the marker's first line
            except OSError:
                ok = False
            t_done = now()
            out.write(json.dumps({"round": rnd, "write": t_write, "done": t_done,
                                  "ops": len(lines), "junk": junk, "ok": ok,
                                  "readd": inst[readd][0] if readd is not None else None,
                                  "del": inst[victim][0] if victim is not None else None})
                      + "\n")
            out.flush()
            if not ok:
                break
            # Rounds of about `target` seconds: long enough for clients to
            # try a deleted instance many times, short enough for many.
            took = t_done - t_write
            junk = max(1, min(JUNK_MAX, int(junk * target / max(took, 0.01))))
            rnd += 1
        # Every churned instance back in place.
        t_write = now()
        lines = [add[i] for i in deleted.values()]
        try:
            p.stdin.write("".join(line + "\n" for line in lines))
            p.stdin.close()
        except OSError:
            pass
        p.stdout.read()
        rc = p.wait()
        out.write(json.dumps({"final": True, "write": t_write, "done": now(), "rc": rc,
                              "ops": len(lines),
                              "readd_all": [inst[i][0] for i in deleted.values()]})
                  + "\n")


def check(args, names):
    sep = args.index("--")
    client_logs, churn_log, stream_log = args[:sep], args[sep + 1], args[sep + 2]
    name_of = dict(n.split("=") for n in names.split(","))	# addr -> name
    recs = [json.loads(line) for line in open(churn_log)]
    t0 = recs[0]["start"]
    rounds = [r for r in recs if "round" in r]
    final = [r for r in recs if r.get("final")]
    # Windows in which an instance is deleted: from the return of the round
    # whose last line deleted it (the marker after it came back) to the
    # moment its re-add was written.
    windows = {}
    open_del = {}
    for r in rounds + final:
        for a in ([r["readd"]] if r.get("readd") else []) + r.get("readd_all", []):
            if a in open_del:	# not if the round deleting it failed
                windows.setdefault(name_of[a], []).append((open_del.pop(a), r["write"]))
        if r.get("del") and r["ok"]:
            open_del[r["del"]] = r["done"]
    for a, t in open_del.items():
        windows.setdefault(name_of[a], []).append((t, float("inf")))
    done = [r for r in rounds if r["ok"]]
    ops = sum(r["ops"] for r in done)
    secs = done[-1]["done"] - t0 if done else 0
    print("rounds %d" % len(done))
    print("batch_failures %d" % (len(rounds) - len(done) + sum(1 for r in final if r["rc"])))
    print("ops %d" % ops)
    print("churn_seconds %.1f" % secs)
    print("ops_per_second %d" % (ops / secs if secs else 0))
    print("junk_units_last %d" % (done[-1]["junk"] if done else 0))
    print("instance_deletes %d" % sum(1 for r in done if r.get("del")))
    conns = fails = violations = straddles = 0
    answered = {}
    examples = []
    for log in client_logs:
        for line in open(log):
            start, stop, answer, sport = line.split()
            start = float(start)
            conns += 1
            if answer.startswith("-"):
                fails += 1
                continue
            answered[answer] = answered.get(answer, 0) + 1
            for w0, w1 in windows.get(answer, []):
                # Wholly inside the window: the SYN left after the delete
                # returned, the answer came before the re-add was written.
                # One that straddles the re-add may have been picked after it.
                if w0 < start and float(stop) < w1:
                    violations += 1
                    if len(examples) < 5:
                        examples.append("%s answered a connection (%s, port %s, %.3f s long) "
                                        "started %.3f s after its delete returned, %.3f s "
                                        "before its re-add" % (
                                            answer, os.path.basename(log), sport,
                                            float(stop) - start, start - w0, w1 - start))
                elif w0 < start < w1:
                    straddles += 1
    print("connections %d" % conns)
    print("connection_failures %d" % fails)
    print("answered %s" % ",".join("%s:%d" % kv for kv in sorted(answered.items())))
    print("violations %d" % violations)
    print("answers_straddling_a_readd %d" % straddles)
    for e in examples:
        print("violation_example %s" % e)
    # Streams. One to an instance never deleted while it ran must still get
    # data after the churn ended, and never be reset. One to a deleted
    # instance must get nothing once the delete returned, but what it had
    # received and not yet read: its last byte read within 3 s (a client
    # starved of CPU in a loaded VM reads late), and nothing in the 5 s
    # before it ended, by reset or by the deadline (dropped).
    # A delete can cut a stream from the moment its round was written (the
    # line may run, and the flows go, any time before the round returns):
    # a stream reset inside that round was cut by it, not lost by a kept one.
    del_rounds = {}	# name -> [(round written, round returned)]
    for r in rounds:
        if r.get("del") and r["ok"]:
            del_rounds.setdefault(name_of[r["del"]], []).append((r["write"], r["done"]))
    kept = cut = bad = 0
    churn_end = done[-1]["done"] if done else 0
    for line in open(stream_log):
        r = json.loads(line)
        dels = [d for w, d in del_rounds.get(r["name"], []) if w < r["end"] and d > r["start"]]
        if not dels:
            ok = r["reason"] == "deadline" and r["last"] > churn_end
            kept += ok
            what = "kept, last byte %.1f s after the churn" % (r["last"] - churn_end)
        elif dels[0] > r["end"] - 6:
            ok = True
            what = "deleted too late to judge"
        else:
            ok = r["last"] < dels[0] + 3 and r["last"] < r["end"] - 5
            cut += ok
            what = "cut, last byte %.1f s after its delete, ended %.1f s after it" % (
                r["last"] - dels[0], r["end"] - dels[0])
        bad += not ok
        print("stream %s %s %s bytes %d %s" % (r["name"], "ok" if ok else "BAD",
                                              r["reason"], r["bytes"], what))
    print("streams_kept %d" % kept)
    print("streams_cut %d" % cut)
    print("streams_bad %d" % bad)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(args[0], args[1:])
    elif cmd == "clients":
        clients(args[0], args[1], args[2], args[3], args[4:])
    elif cmd == "streams":
        streams(*args)
    elif cmd == "rates":
        rates(*args)
    elif cmd == "names":
        names(*args)
    elif cmd == "churn":
        churn(args[0], args[1], args[2:])
    elif cmd == "check":
        check(args[1:], args[0])
    else:
        sys.exit("churn.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
