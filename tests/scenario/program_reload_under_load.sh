#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGHUP reloads the routing program without a restart, on both engines,
# under load: four clients keep sending (keep-alive connections and new
# ones) while the program file is replaced 20 times, alternately by
# header_canary (requests without X-Canary go to the stable backend) and
# tests/programs/all_canary (every request goes to canary). After each
# reload a new request is answered as the new program says; no request of
# the load fails. A file the verifier refuses (broken_oob) leaves the
# running program in place and says why. A program asking for other fields
# (tests/programs/cgroup_route: none) replaces it too, and so does
# header_canary again after it: its X-Canary is read again, by the kernel
# too (on the kernel engine, it carries most of 10 X-Canary requests on one
# connection after the reload, counters requests).
. "$ZS_TESTS/lib.sh"

program_need header_canary
A=$PROG
program_need all_canary
B=$PROG
program_need broken_oob
BROKEN=$PROG
program_need cgroup_route
NO_FIELDS=$PROG
for engine in user kernel; do
	cp "$A" "$T/prog.bpf.o" || fail "cannot copy $A"
	canary_start $engine --program "$T/prog.bpf.o"
	zs_python - "$ZS_PORT" "$ZS_PID" "$ZS_LOG" "$A" "$B" "$BROKEN" "$NO_FIELDS" "$T" $engine <<'PY' || fail "$engine engine: reloads under load"
import os, shutil, signal, sys, threading, time
from rawhttp import Conn
port, pid, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
progs = {"A": sys.argv[4], "B": sys.argv[5]}
broken, nofields, tmp, engine = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
path = os.path.join(tmp, "prog.bpf.o")
stop = threading.Event()
errors, counts = [], [0] * 4

def load(n):
    try:
        while not stop.is_set():
            c = Conn(port)
            for i in range(20 if n % 2 else 1):
                r = c.request("GET", "/echo?load=%d" % n, host="localhost")
                if r.status != 200 or r.header("X-Backend") not in ("stable", "canary"):
                    errors.append("client %d: %r" % (n, r))
                    return
                counts[n] += 1
            c.close()
    except Exception as e:
        errors.append("client %d: %r" % (n, e))

def lines(word):
    with open(log) as f:
        return sum(1 for l in f if word in l)

def install(src):
    shutil.copy(src, path + ".new")
    os.rename(path + ".new", path)

def hup(word):
    before = lines(word)
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while lines(word) == before:
        assert time.monotonic() < deadline, "%s engine: no %r in the log after SIGHUP" % (engine, word)
        time.sleep(0.01)

def kernel_requests():
    before = lines("kernel engine counters (")
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while lines("kernel engine counters (") == before:
        assert time.monotonic() < deadline, "no counters line after SIGUSR1"
        time.sleep(0.01)
    with open(log) as f:
        last = [l for l in f if "kernel engine counters (" in l][-1]
    return int(last.split(" requests=")[1].split()[0])

def answered_by(canary=False):
    c = Conn(port)
    r = c.request("GET", "/echo?probe", host="localhost",
                  headers=[("X-Canary", "1")] if canary else [])
    c.close()
    assert r.status == 200, "%s engine: probe %r" % (engine, r)
    return r.header("X-Backend")

threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
try:
    assert answered_by() == "stable", "%s engine: not header_canary at start" % engine
    for k in range(20):
        which = "B" if k % 2 == 0 else "A"
        install(progs[which])
        hup("routing program %s reloaded" % path)
        want = "canary" if which == "B" else "stable"
        got = answered_by()
        assert got == want, "%s engine, reload %d (%s): answered by %r, want %r" % (engine, k, which, got, want)
        time.sleep(0.02)
    install(broken)
    hup("SIGHUP: kept the running program")
    assert answered_by() == "stable", "%s engine: the refused program replaced the running one" % engine
    assert answered_by(canary=True) == "canary", "%s engine: header_canary ignores X-Canary" % engine
    install(nofields)
    hup("routing program %s reloaded" % path)
    assert answered_by(canary=True) == "stable", "%s engine: cgroup_route did not replace it" % engine
    install(progs["A"])
    hup("routing program %s reloaded" % path)
    assert answered_by() == "stable", "%s engine: header_canary not back" % engine
    stop.set()
    for t in threads:
        t.join()
    was = kernel_requests() if engine == "kernel" else 0
    c = Conn(port)
    for i in range(10):
        r = c.request("GET", "/echo?again=%d" % i, host="localhost", headers=[("X-Canary", "1")])
        assert r.status == 200 and r.header("X-Backend") == "canary", "%s engine, X-Canary %d after the fields came back: %r" % (engine, i, r)
    c.close()
    if engine == "kernel":
        carried = kernel_requests() - was
        assert carried >= 5, "kernel engine: carried %d of 10 X-Canary requests after the reload: its reader lost the field" % carried
finally:
    stop.set()
    for t in threads:
        t.join()
assert not errors, "%s engine: %s" % (engine, errors[:5])
assert min(counts) > 0, "%s engine: a client got nothing done: %r" % (engine, counts)
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
exit 0
