#!/bin/sh
# SPDX-License-Identifier: MIT
# A refused request's access-log line (text format) carries its reason at
# the end: " reason=host-not-allowed" or " reason=origin-not-allowed", with
# status 403; the line of a served request has no reason.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --access-log "$T/access.log" "/=127.0.0.1:$PA"

# One request per connection: each is read by userspace, on either engine.
zs_python - "$ZS_PORT" <<'PY' || fail "requests"
import sys
import guard
from rawhttp import build
port = int(sys.argv[1])
guard.served(port, build("GET", "/echo/served", "localhost:%d" % port), "a")
guard.refused(port, build("GET", "/echo/bad-host", "attacker.example:%d" % port), "Host")
guard.refused(port, build("GET", "/echo/bad-origin", "localhost:%d" % port,
                          [("Origin", "https://evil.example")]), "Origin")
guard.refused(port, build("GET", "/echo/null-origin", "localhost",
                          [("Origin", "null")]), "Origin")
PY

i=0
while [ "$(wc -l <"$T/access.log")" -lt 4 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "$(wc -l <"$T/access.log")" 4 "access-log lines for 4 requests"

# line PATH: the access-log line of PATH
line() {
	grep -F "\"GET $1\"" "$T/access.log" || fail "no access-log line for $1: $(cat "$T/access.log")"
}
l=$(line /echo/served)
case $l in
*reason=*) fail "a served request's line carries a reason: $l" ;;
esac
expect_match "$l" ' 200 ' "line of the served request"
for p in /echo/bad-host:host /echo/bad-origin:origin /echo/null-origin:origin; do
	l=$(line "${p%:*}")
	expect_match "$l" ' 403 ' "line of ${p%:*}"
	expect_match "$l" " reason=${p#*:}-not-allowed( |\$)" "line of ${p%:*}"
done
exit 0
