#!/bin/sh
# SPDX-License-Identifier: MIT
# "Connection: close" requests carried by the kernel from their connection's
# first request, with Debian's nginx as the backend (its head written apart
# from its body: writev, then sendfile, which the kernel holds whole): 60
# one-request connections for 1 KiB and 64 KiB files come back byte exact
# with "Connection: close" and one Connection field, nginx keeps its
# connection (few backend connections), and a client that waits for the
# server to close gets the answer, then EOF. Most are kernel-carried.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
mkdir -p "$T/www"
head -c 1024 /dev/urandom >"$T/www/1k.bin"
head -c 65536 /dev/urandom >"$T/www/64k.bin"
PN=$(nginx_start "$T/www")
zs_start_kernel "/=127.0.0.1:$PN"

zs_python - "$ZS_PORT" "$T/www" <<'PY' || fail "one-request connections with Connection: close"
import sys, time
from rawhttp import Conn
port, www = int(sys.argv[1]), sys.argv[2]
files = {n: open("%s/%s" % (www, n), "rb").read() for n in ("1k.bin", "64k.bin")}
for i in range(60):
    name = ("1k.bin", "64k.bin")[i % 2]
    c = Conn(port)
    r = c.request("GET", "/" + name, host="nginx.localhost", headers=[("Connection", "close")])
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.body == files[name], "request %d: %d bytes, not %s" % (i, len(r.body), name)
    assert r.header_all("Connection") == ["close"], "request %d: %r" % (i, r.header_all("Connection"))
    if i % 10 == 9:
        # Waits for the server's FIN, as an HTTP/1.0-style client does.
        t0 = time.monotonic()
        assert c.peer_closed(wait=2.0), "request %d: no EOF after the answer" % i
        assert time.monotonic() - t0 < 1.0, "request %d: EOF after %.2f s" % (i, time.monotonic() - t0)
    c.close()
PY

zs_counters
requests=$(counter requests)
taken=$(counter pool_taken)
[ "$requests" -ge 50 ] || fail "the kernel carried $requests of 60 requests, want >= 50"
[ "$taken" -ge 50 ] || fail "pool_taken $taken, want >= 50"
# Established connections to nginx's port (/proc/net/tcp, state 01): only
# zeroserve's, since the clients talk to zeroserve.
conns=$(awk -v p="$(printf ':%04X' "$PN")" '$3 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l)
echo "zeroserve's connections to nginx now: $conns"
[ "$conns" -le 4 ] || fail "$conns connections to nginx for 60 sequential clients, want <= 4"
kmsg_check
exit 0
