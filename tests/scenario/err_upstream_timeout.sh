#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend silent past --upstream-timeout gives 504 after that time, not before.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --upstream-timeout 1 "/=127.0.0.1:$BACKEND_PORT"

st=0
out=$(curl -s -o "$T/body" -w '%{http_code} %{time_total}' --max-time 6 \
	"http://127.0.0.1:$ZS_PORT/sleep/3000") || st=$?
set -- $out
[ "$st" -eq 0 ] || fail "GET /sleep/3000: curl exit $st ($out)"
expect_eq "$1" 504 "GET /sleep/3000 with --upstream-timeout 1: status"
ms=$(awk -v t="$2" 'BEGIN { printf "%d", t * 1000 }')
[ "$ms" -ge 900 ] || fail "504 after $ms ms, before the 1 s upstream timeout"
[ "$ms" -le 2500 ] || fail "504 after $ms ms, want <= 2500"

# Faster answers are not cut, and a new connection works.
code=$(curl -s -o "$T/fast" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/sleep/300")
expect_eq "$code" 200 "GET /sleep/300 under a 1 s upstream timeout"
expect_eq "$(cat "$T/fast")" "slept 300 ms" "GET /sleep/300 body"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "GET /echo after the 504"
exit 0
