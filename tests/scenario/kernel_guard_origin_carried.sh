#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a cross-site request on a connection the kernel already
# carries: after keep-alive GETs without Origin and with an allowed one
# (http://localhost:PORT) that the kernel carried (counters), a request from
# https://evil.example, from Origin: null, with a second Origin field, or
# longer than the kernel compares but starting with an Origin it has, on
# that same connection, gets zeroserve's 403 and the connection closes;
# none reaches the backend.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PA"
zs_counters >/dev/null
before=$(counter requests)

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "cross-site requests on carried connections"
import sys
import guard
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
ok = "http://localhost:%d" % port
o64 = "http://" + "y" * 47 + ".localhost"
assert len(o64) == 64
bad = [
    ([("Origin", "https://evil.example")], "https://evil.example"),
    ([("Origin", "null")], "null"),
    ([("origin", "https://evil.example")], "https://evil.example"),
    ([("Origin", ok), ("Origin", "https://evil.example")], None),
    ([("Origin", "http://localhost.evil.example:%d" % port)], "http://localhost.evil.example:%d" % port),
    # Longer than the values the kernel compares (64 bytes), its first 64
    # bytes an Origin the kernel has (this connection's, the third item).
    ([("Origin", o64 + ".evil.example")], o64 + ".evil.example", o64),
]
for n, case in enumerate(bad):
    headers, name = case[0], case[1]
    warm = case[2] if len(case) > 2 else ok
    c = Conn(port)
    for i in range(10):
        extra = [("Origin", warm)] if i % 2 else []
        r = c.request("GET", "/echo/carried-%d-%d" % (n, i), host=host, headers=extra)
        assert r.status == 200 and r.header("X-Backend") == "a", "request %d-%d: %r" % (n, i, r)
    c.send(build("GET", "/echo/cross-%d" % n, host, headers))
    guard.check_refusal(c.read_response(), "Origin", name, "%r after 10 GETs" % headers)
    assert c.peer_closed(3), "%r: connection open 3 s after the 403" % headers
    c.close()
guard.never_reached(rec, "/echo/cross-")
assert len(guard.reached(rec, "/echo/carried-")) == 10 * len(bad), guard.records(rec)
PY

zs_counters
carried=$(($(counter requests) - before))
echo "the kernel carried $carried requests"
[ "$carried" -ge 36 ] || fail "the kernel carried $carried of 60 allowed requests, want >= 36"
i=0
while [ "$(grep -c 'cross-' "$T/access.log")" -lt 6 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "$(grep -F '"GET /echo/cross-' "$T/access.log" | grep -c ' 403 .* reason=origin-not-allowed\( \|$\)')" 6 \
	"403 lines with reason=origin-not-allowed: $(grep cross- "$T/access.log")"
kmsg_check
exit 0
