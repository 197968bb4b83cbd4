#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, Content-Length uploads: 100 POSTs to /echo on one client
# connection, 1 KiB and 64 KiB bodies alternating, reach the backend byte
# exact (its sha256 matches) and the kernel carried them (counters requests
# grows by >= 90).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PA"
before=$(zs_counters)
before=$(counter requests "$before")

zs_python - "$ZS_PORT" <<'PY' || fail "100 Content-Length POSTs"
import hashlib, os, sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(100):
    body = os.urandom(1024 if i % 2 == 0 else 65536)
    target = "/echo/post?i=%d" % i
    r = c.request("POST", target, host="up.localhost", body=body,
                  headers=[("Content-Type", "application/octet-stream")])
    assert r.status == 200, "request %d: %r" % (i, r)
    d = r.json()
    assert d["path"] == target, "request %d: backend saw %r" % (i, d["path"])
    assert d["body_length"] == len(body), "request %d: %d of %d bytes" % (i, d["body_length"], len(body))
    assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), "request %d: sha256 differs" % i
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
after=$(counter requests)
echo "kernel requests: $before before, $after after; access-log lines: $(wc -l <"$T/access.log")"
[ $((after - before)) -ge 90 ] ||
	fail "the kernel carried $((after - before)) of 100 POSTs, want >= 90 (access log: $(wc -l <"$T/access.log") lines)"
kmsg_check
exit 0
