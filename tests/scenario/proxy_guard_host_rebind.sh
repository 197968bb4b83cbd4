#!/bin/sh
# SPDX-License-Identifier: MIT
# DNS rebinding refused by default: a request whose Host is not an allowed
# name (attacker.example, with or without a port, in any case; names that
# merely start or end like an allowed one; an address zeroserve does not
# listen on) gets zeroserve's 403 naming "--allow-host NAME" (NAME without
# the port), Connection: close, and the connection closes, so a request
# pipelined behind it is never read; the same after allowed requests on a
# keep-alive connection; none of them reaches the backend, and an allowed
# request still does.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "rebinding requests"
import sys
import guard
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]

# (Host sent, NAME the hint must give; None: only the refusal is checked)
cases = [
    ("attacker.example", "attacker.example"),
    ("attacker.example:%d" % port, "attacker.example"),
    ("attacker.example:80", "attacker.example"),
    ("ATTACKER.Example:%d" % port, "attacker.example"),
    ("localhost.attacker.example", "localhost.attacker.example"),
    ("app.localhost.attacker.example:%d" % port, "app.localhost.attacker.example"),
    ("evillocalhost", "evillocalhost"),
    ("127.0.0.1.nip.io:%d" % port, "127.0.0.1.nip.io"),
    ("198.51.100.7:%d" % port, "198.51.100.7"),
    ("0.0.0.0:%d" % port, "0.0.0.0"),
]
for i, (host, name) in enumerate(cases):
    guard.refused(port, build("GET", "/echo/refused-%d" % i, host), "Host", name,
                  "GET with Host: %s" % host)

# A body, and a request pipelined behind the refused one: the connection
# closes after the 403, the second request is never read.
guard.refused(port, build("POST", "/echo/refused-post", "attacker.example",
                          [("Content-Type", "application/json")], b'{"tool":"rm -rf"}'),
              "Host", "attacker.example", "POST with Host: attacker.example")
guard.refused(port, build("GET", "/echo/refused-first", "attacker.example") +
              build("GET", "/echo/refused-pipelined", "localhost"),
              "Host", "attacker.example", "refused request with an allowed one pipelined")

# After allowed requests on a keep-alive connection (on the kernel engine:
# one it carries), the rebinding request gets the same answer.
c = Conn(port)
for i in range(5):
    r = c.request("GET", "/echo/allowed-%d" % i, host="localhost:%d" % port)
    assert r.status == 200 and r.header("X-Backend") == "a", "allowed request %d: %r" % (i, r)
c.send(build("GET", "/echo/refused-keepalive", "attacker.example:%d" % port))
guard.check_refusal(c.read_response(), "Host", "attacker.example", "after 5 allowed requests")
assert c.peer_closed(3), "keep-alive connection open 3 s after the 403"
c.close()

# Still served: the refusals changed nothing for allowed requests.
r = guard.served(port, build("GET", "/echo/after", "localhost:%d" % port), "a")
assert r.json()["path"] == "/echo/after", r
guard.never_reached(rec, "/echo/refused")
print("%d rebinding requests refused" % (len(cases) + 3))
PY
exit 0
