#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, DNS rebinding on a connection the kernel already carries:
# after keep-alive GETs with Host: localhost:PORT that the kernel carried
# (counters), a request with Host: attacker.example on that same connection
# gets zeroserve's 403 naming --allow-host and the connection closes; sent
# alone or pipelined behind allowed requests, it never reaches the backend,
# and its access-log line (userspace's) says reason=host-not-allowed.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PA"
zs_counters >/dev/null
before=$(counter requests)

zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY' || fail "rebinding on a carried connection"
import sys
import guard
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port

# One request at a time, then the rebinding request.
c = Conn(port)
for i in range(20):
    r = c.request("GET", "/echo/carried-%d" % i, host=host)
    assert r.status == 200 and r.header("X-Backend") == "a", "request %d: %r" % (i, r)
c.send(build("GET", "/echo/rebind-1", "attacker.example:%d" % port))
guard.check_refusal(c.read_response(), "Host", "attacker.example", "rebinding after 20 GETs")
assert c.peer_closed(3), "connection open 3 s after the 403"
c.close()

# Pipelined: 5 allowed requests and the rebinding one in one write, after
# the connection is carried.
c = Conn(port)
for i in range(5):
    r = c.request("GET", "/echo/carried-p%d" % i, host=host)
    assert r.status == 200, "request p%d: %r" % (i, r)
c.send(b"".join(build("GET", "/echo/carried-q%d" % i, host) for i in range(5)) +
       build("GET", "/echo/rebind-2", "attacker.example") +
       build("GET", "/echo/rebind-after", host))
for i in range(5):
    r = c.read_response()
    assert r.status == 200 and r.json()["path"] == "/echo/carried-q%d" % i, "pipelined %d: %r" % (i, r)
guard.check_refusal(c.read_response(), "Host", "attacker.example", "pipelined rebinding")
assert c.peer_closed(3), "connection open 3 s after the pipelined 403"
c.close()
guard.never_reached(rec, "/echo/rebind")
assert len(guard.reached(rec, "/echo/carried-")) == 30, guard.records(rec)
PY

zs_counters
carried=$(($(counter requests) - before))
echo "the kernel carried $carried requests"
[ "$carried" -ge 20 ] || fail "the kernel carried $carried of 30 allowed requests, want >= 20"
i=0
while [ "$(grep -c 'rebind' "$T/access.log")" -lt 2 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
for p in /echo/rebind-1 /echo/rebind-2; do
	l=$(grep -F "\"GET $p\"" "$T/access.log") || fail "no access-log line for $p: $(cat "$T/access.log")"
	expect_match "$l" ' 403 .*engine=userspace.* reason=host-not-allowed( |$)' "access-log line of $p"
done
kmsg_check
exit 0
