#!/bin/sh
# SPDX-License-Identifier: MIT
# Routing program contrib/programs/refuse_prefix on both engines: /admin,
# /admin/..., /admin?... are answered 403 by zeroserve and never reach the
# backend; /administrator, /adminx and / pass; the connection goes on after
# a refusal (keep-alive); the access log says reason=program and tags the
# refusals "admin-refused", and not the bad request that follows one on its
# connection (400, refused before any program runs).
. "$ZS_TESTS/lib.sh"

program_need refuse_prefix
for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --program "$PROG" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: refused prefix"
import sys
from rawhttp import Conn
port, engine = int(sys.argv[1]), sys.argv[2]
# None: the backend answers (404 but for /echo), as without a program.
cases = [("/echo", None), ("/admin", 403), ("/administrator", None), ("/admin/users", 403),
         ("/adminx", None), ("/admin?next=/", 403), ("/echo/admin", None), ("/admin/", 403)]
for round in range(3):
    c = Conn(port)
    for path, want in cases:
        r = c.request("GET", path, host="localhost")
        where = "%s engine, round %d, %s" % (engine, round, path)
        if want is None:
            assert r.header("X-Backend") == "a", "%s: %r, want the backend's answer" % (where, r)
            continue
        assert r.status == want, "%s: %r, want %d" % (where, r, want)
        if want == 403:
            assert r.header("X-Backend") is None, "%s: %r" % (where, r.headers)
            assert not c.eof, "%s: connection closed after the refusal" % where
    c.close()
c = Conn(port)
r = c.request("GET", "/admin", host="localhost")
assert r.status == 403, "%s engine: %r" % (engine, r)
c.send(b"GET /after-bad HTTP/1.1\r\nHost: localhost\r\nBad Name: x\r\n\r\n")
r = c.read_response()
assert r.status == 400, "%s engine, a bad field name: %r" % (engine, r)
c.close()
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
	if grep -q '"target": "/admin[/?"]' "$T/backend-a.requests"; then
		fail "$engine engine: a refused request reached the backend: $(grep '/admin' "$T/backend-a.requests")"
	fi
	refused=$(grep -c '" 403 .*reason=program tag="admin-refused"' "$T/access.$engine" || :)
	[ "$refused" = 13 ] || fail "$engine engine: $refused refusals logged with reason=program, want 13: $(cat "$T/access.$engine")"
	grep -q '" 400 .*tag=' "$T/access.$engine" &&
		fail "$engine engine: the 400 after a refusal has its tag: $(grep '" 400 ' "$T/access.$engine")"
	grep -q '" 400 ' "$T/access.$engine" || fail "$engine engine: no 400 logged"
	rm -f "$T/backend-a.requests"
done
exit 0
