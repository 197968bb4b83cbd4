#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend restarting between requests (a dev server
# reloading): a client connection whose requests the kernel carries to the
# old backend goes on working after that backend is killed and a new one
# listens on the same port; the new backend answers, and the kernel carries
# requests again afterwards.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
old=$(head -n 1 "$T/.pids")
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$PA" "$old" "$ZS_TESTS/backend.py" "$ZS_PID" "$ZS_LOG" <<'PY' || fail "requests across a backend restart"
import os, re, signal, subprocess, sys, time
from rawhttp import Conn
port, pa, old, backend, zs_pid, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]

def kernel_requests():
    def lines():
        return [l for l in open(log, errors="replace") if "kernel engine counters (" in l]
    n = len(lines())
    os.kill(zs_pid, signal.SIGUSR1)
    end = time.monotonic() + 5
    while len(lines()) <= n:
        assert time.monotonic() < end, "no counters line after SIGUSR1"
        time.sleep(0.05)
    return int(re.search(r" requests=(\d+)", lines()[-1]).group(1))

c = Conn(port)
def run(name, n):
    for i in range(n):
        target = "/echo/%s?i=%d" % (name, i)
        r = c.request("GET", target, host="restart.localhost")
        assert r.status == 200, "%s: %r" % (target, r)
        assert r.header("X-Backend") == name, "%s answered by %r" % (target, r.header("X-Backend"))
        assert r.json()["path"] == target, r
        assert not c.eof, "%s: connection closed" % target

run("a", 5)
before = kernel_requests()
assert before >= 1, "the kernel carried none of the first 5 requests"
os.kill(old, signal.SIGKILL)
time.sleep(0.3)
new = subprocess.Popen([sys.executable, "-u", backend, "--port", pa, "--name", "b"],
                       stdout=subprocess.PIPE)
try:
    assert new.stdout.readline() == b"ready\n", "the new backend did not start"
    run("b", 10)
    after = kernel_requests()
    print("kernel requests: %d before the restart, %d after" % (before, after))
    assert after > before, "the kernel carried none of the 10 requests after the restart"
finally:
    new.terminate()
    new.wait()
PY
kmsg_check
exit 0
