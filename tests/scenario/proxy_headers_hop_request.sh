#!/bin/sh
# SPDX-License-Identifier: MIT
# Hop-by-hop request headers are not forwarded: Connection and the headers
# it names, Keep-Alive, Proxy-Connection, TE; end-to-end headers are.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

code=$(zs_req /echo/hop -H 'Connection: keep-alive, X-Custom-Hop' -H 'X-Custom-Hop: 1' \
	-H 'Keep-Alive: timeout=5' -H 'Proxy-Connection: keep-alive' -H 'TE: trailers' \
	-H 'X-End-To-End: yes') || fail "curl failed"
expect_eq "$code" 200 "status"
for h in X-Custom-Hop Keep-Alive Proxy-Connection TE; do
	v=$(echo_header "$T/body" $h)
	[ -z "$v" ] || fail "hop-by-hop request header $h reached the backend: '$v'"
done
conn=$(echo_header "$T/body" Connection)
if printf '%s\n' "$conn" | grep -qi 'x-custom-hop'; then
	fail "the client's Connection header reached the backend: '$conn'"
fi
expect_eq "$(echo_header "$T/body" X-End-To-End)" yes "end-to-end header at the backend"

# A header named only in Connection, in another case and among several.
code=$(zs_req /echo/hop2 -H 'Connection: X-A,  x-b ' -H 'X-A: 1' -H 'X-B: 2' -H 'X-C: 3') ||
	fail "curl failed"
expect_eq "$code" 200 "status"
[ -z "$(echo_header "$T/body" X-A)$(echo_header "$T/body" X-B)" ] ||
	fail "headers named in Connection reached the backend: $(json_get "$T/body" 'd["headers"]')"
expect_eq "$(echo_header "$T/body" X-C)" 3 "header not named in Connection"
exit 0
