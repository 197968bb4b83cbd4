#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine leaves other TCP alone: while it carries requests, a
# connection between two other local ports in the same cgroup (its first
# bytes look like an HTTP request) moves 10 MiB each way byte exact, and
# the kernel counters do not move.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

# The engine is at work: 20 GETs on one connection.
zs_python - "$ZS_PORT" <<'PY' || fail "GETs through zeroserve"
import sys
from rawhttp import Conn, pattern_bytes
c = Conn(int(sys.argv[1]))
for i in range(20):
    r = c.request("GET", "/bytes/5000")
    assert r.status == 200 and r.body == pattern_bytes(5000), "request %d: %r" % (i, r)
PY
zs_counters
before=$(cat "$T/counters")
[ "$(counter requests)" -ge 1 ] || fail "the kernel carried none of 20 GETs: $before"

OTHER=$(zs_port)
zs_python - "$OTHER" <<'PY' || fail "10 MiB each way between two other ports"
import hashlib, os, socket, sys, threading
port = int(sys.argv[1])
N = 10 * 1024 * 1024
up = b"GET /bytes/1000 HTTP/1.1\r\nHost: other\r\nContent-Length: %d\r\n\r\n" % N
up += os.urandom(N)
down = os.urandom(N)
seen = {}
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
def serve():
    s, _ = ls.accept()
    h, n = hashlib.sha256(), 0
    while n < len(up):
        d = s.recv(1 << 20)
        if not d:
            break
        h.update(d)
        n += len(d)
    seen["up"] = (n, h.hexdigest())
    s.sendall(down)
    s.shutdown(socket.SHUT_WR)
    s.close()
t = threading.Thread(target=serve, daemon=True)
t.start()
c = socket.create_connection(("127.0.0.1", port), timeout=20)
c.sendall(up)
h, n = hashlib.sha256(), 0
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    h.update(d)
    n += len(d)
t.join(20)
assert seen.get("up") == (len(up), hashlib.sha256(up).hexdigest()), "upload: %r" % (seen.get("up"),)
assert (n, h.hexdigest()) == (N, hashlib.sha256(down).hexdigest()), "download: %d of %d bytes or sha256 differs" % (n, N)
print("10 MiB each way on 127.0.0.1:%d" % port)
PY

after=$(zs_counters)
for name in requests bytes_up bytes_down; do
	expect_eq "$(counter $name "$after")" "$(counter $name "$before")" "counter $name across the other connection"
done
kmsg_check
exit 0
