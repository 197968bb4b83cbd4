#!/bin/sh
# SPDX-License-Identifier: MIT
# No route matches: 404 with a short body from zeroserve itself, and the
# client connection stays usable.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start /echo/api=127.0.0.1:$PA app.localhost=127.0.0.1:$PB

for path in / /other /echo /echo/apix '/x?y=1'; do
	code=$(zs_req "$path") || fail "GET $path: curl failed"
	expect_eq "$code" 404 "status of unrouted GET $path"
	[ -z "$(resp_header X-Backend)" ] || fail "GET $path reached backend $(resp_header X-Backend)"
	size=$(wc -c <"$T/body")
	[ "$size" -gt 0 ] && [ "$size" -le 1024 ] ||
		fail "404 body for $path should be short and non-empty, is $size bytes"
done

# Routed requests still work, and one connection serves a 404 and then a
# routed request (curl reuses it: num_connects 0 for the second transfer).
out=$(zs_curl -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	"http://127.0.0.1:$ZS_PORT/nope" "http://127.0.0.1:$ZS_PORT/echo/api/x") ||
	fail "curl failed: $out"
expect_eq "$(echo "$out" | tr '\n' ' ')" "404 1 200 0 " "status and new connections of 404 then routed request"
exit 0
