#!/bin/sh
# SPDX-License-Identifier: MIT
# A request no route matches gets a 404 with a short body, from zeroserve itself.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start "/echo=127.0.0.1:$BACKEND_PORT"

for path in /nothing /echoes / "/nothing/deeper?q=1"; do
	st=0
	out=$(curl -s -D "$T/h" -o "$T/body" -w '%{http_code} %{size_download}' --max-time 5 \
		"http://127.0.0.1:$ZS_PORT$path") || st=$?
	set -- $out
	[ "$st" -eq 0 ] || fail "GET $path: curl exit $st"
	expect_eq "$1" 404 "GET $path with no matching route: status"
	[ "$2" -gt 0 ] && [ "$2" -le 512 ] || fail "GET $path: 404 body of $2 bytes, want 1..512"
	! grep -qi '^X-Backend:' "$T/h" || fail "GET $path: the 404 came from a backend"
done

code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "GET /echo"
grep -qi '^X-Backend: b1' "$T/h" || fail "GET /echo did not reach b1"
exit 0
