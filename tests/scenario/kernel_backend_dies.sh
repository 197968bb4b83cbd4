#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend that dies while a kernel request waits for its
# answer: the client gets a 502 as it does on the userspace engine (nothing
# of a response had been sent yet), not a silently closed connection.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
old=$(head -n 1 "$T/.pids")
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$old" <<'PY' || fail "backend killed during a kernel request"
import os, signal, sys, threading, time
from rawhttp import Conn
c = Conn(int(sys.argv[1]), timeout=8)
for i in range(3):
    r = c.request("GET", "/echo/warm?i=%d" % i, host="dies.localhost")
    assert r.status == 200, r
threading.Timer(0.5, os.kill, (int(sys.argv[2]), signal.SIGKILL)).start()
t0 = time.monotonic()
c.send(b"GET /sleep/3000 HTTP/1.1\r\nHost: dies.localhost\r\n\r\n")
try:
    r = c.read_response()
except Exception as e:
    raise AssertionError("no response %.1f s after the request (backend killed at 0.5 s): %r"
                         % (time.monotonic() - t0, e))
print("answer after %.1f s: %d %r" % (time.monotonic() - t0, r.status, r.body[:80]))
assert r.status == 502, "want 502, got %r" % r
PY
kmsg_check
exit 0
