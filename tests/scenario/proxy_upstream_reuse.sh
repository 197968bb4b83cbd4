#!/bin/sh
# SPDX-License-Identifier: MIT
# Upstream keep-alive: 50 sequential requests on one client connection use
# very few backend connections (the backend counts them).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

# /conns asked directly counts its own connection too.
before=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns failed"
zs_python - "$ZS_PORT" <<'PY' || fail "50 keep-alive requests failed"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
ids = set()
for i in range(50):
    r = c.request("GET", "/echo?i=%d" % i)
    assert r.status == 200, "request %d: %r" % (i, r)
    ids.add(r.json()["conn_id"])
print("backend connection ids used:", sorted(ids))
PY
after=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns failed"
used=$((after - before - 1))
echo "backend connections for 50 requests: $used"
[ "$used" -ge 1 ] || fail "backend saw $used connections, the requests cannot have reached it"
[ "$used" -le 3 ] || fail "50 keep-alive requests opened $used backend connections, want <= 3"
exit 0
