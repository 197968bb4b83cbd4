#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGHUP reloads the routing program without a restart, on both engines,
# under load: four clients keep sending (keep-alive connections and new
# ones) while the program file is replaced 20 times, alternately by
# header_canary (requests without X-Canary go to the stable backend) and
# tests/programs/all_canary (every request goes to canary). After each
# reload a new request is answered as the new program says; no request of
# the load fails. A file the verifier refuses (broken_oob) and one asking
# for other fields (on the kernel engine) leave the running program in
# place and say why.
. "$ZS_TESTS/lib.sh"

program_need header_canary
A=$PROG
program_need all_canary
B=$PROG
program_need broken_oob
BROKEN=$PROG
program_need cgroup_route
OTHER_FIELDS=$PROG
for engine in user kernel; do
	engine_setup $engine
	PS=$(backend_start stable)
	PC=$(backend_start canary)
	cp "$A" "$T/prog.bpf.o" || fail "cannot copy $A"
	zs_start_on $engine --program "$T/prog.bpf.o" "canary@=127.0.0.1:$PC" "/=127.0.0.1:$PS"
	zs_python - "$ZS_PORT" "$ZS_PID" "$ZS_LOG" "$A" "$B" "$BROKEN" "$OTHER_FIELDS" "$T" $engine <<'PY' || fail "$engine engine: reloads under load"
import os, shutil, signal, sys, threading, time
from rawhttp import Conn
port, pid, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
progs = {"A": sys.argv[4], "B": sys.argv[5]}
broken, other, tmp, engine = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
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

def answered_by():
    c = Conn(port)
    r = c.request("GET", "/echo?probe", host="localhost")
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
    if engine == "kernel":
        install(other)
        hup("asks for other fields")
        assert answered_by() == "stable", "%s engine: a program with other fields replaced it" % engine
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
