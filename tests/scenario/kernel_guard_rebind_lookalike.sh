#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine: whatever bytes the kernel has let through, a refused Host
# on a carried connection is refused. Each case gets its own connection,
# first carried by the kernel (counters) with Host: localhost:PORT, then the
# lookalike: another name of the same length, the allowed name as a prefix
# or suffix, another field-name case or spacing, a second Host field, a
# value longer than the kernel compares that starts with an allowed one;
# each gets a 403 or 400 from zeroserve and a close, never the backend.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"
zs_counters >/dev/null
before=$(counter requests)

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "lookalike Host on carried connections"
import sys
import guard
from rawhttp import Conn
port, rec = int(sys.argv[1]), sys.argv[2]
allowed = "localhost:%d" % port
same_len = "lacalhost:%d" % port
long64 = "x" * 54 + ".localhost"
cases = [
    # (head lines after the request line, the hint's name; None: 400 will do)
    (["Host: attacker.example:%d" % port], "attacker.example"),
    (["Host: " + same_len], "lacalhost"),
    (["Host: localhost.attacker.example:%d" % port], "localhost.attacker.example"),
    (["Host: evil-localhost:%d" % port], "evil-localhost"),
    (["host: attacker.example"], "attacker.example"),
    (["HOST: attacker.example"], "attacker.example"),
    (["Host:attacker.example"], "attacker.example"),
    (["Host: \tattacker.example \t"], "attacker.example"),
    (["X-Host: localhost", "Host: attacker.example"], "attacker.example"),
    (["Host: attacker.example", "X-Forwarded-Host: localhost"], "attacker.example"),
    (["Host: " + allowed, "Host: attacker.example"], None),
    # Longer than the values the kernel compares (64 bytes), its first 64
    # bytes a value the kernel has (this connection's, the third item).
    (["Host: " + long64 + ".attacker.example"], long64 + ".attacker.example", long64),
]
for n, case in enumerate(cases):
    lines, name = case[0], case[1]
    warm = case[2] if len(case) > 2 else allowed
    c = Conn(port)
    for i in range(5):
        r = c.request("GET", "/echo/carried-%d-%d" % (n, i), host=warm)
        assert r.status == 200 and r.header("X-Backend") == "a", "request %d-%d: %r" % (n, i, r)
    c.send(("GET /echo/lookalike-%d HTTP/1.1\r\n%s\r\n\r\n" % (n, "\r\n".join(lines))).encode())
    r = c.read_response()
    what = "%r after 5 carried GETs" % lines
    if name is None:
        assert r.status in (400, 403) and r.header("X-Backend") is None, "%s: %r" % (what, r)
    else:
        guard.check_refusal(r, "Host", name, what)
    assert c.peer_closed(3), "%s: connection open 3 s after the %d" % (what, r.status)
    c.close()
guard.never_reached(rec, "/echo/lookalike-")
PY

zs_counters
carried=$(($(counter requests) - before))
echo "the kernel carried $carried requests"
[ "$carried" -ge 33 ] || fail "the kernel carried $carried of 55 allowed requests, want >= 33"
kmsg_check
exit 0
