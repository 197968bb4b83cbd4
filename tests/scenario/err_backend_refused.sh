#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend nobody listens on gives 502 within 1 s; other routes keep working.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
dead=$(zs_port)
zs_start "/dead=127.0.0.1:$dead" "/=127.0.0.1:$BACKEND_PORT"

for i in 1 2; do
	st=0
	out=$(curl -s -o "$T/body" -w '%{http_code} %{time_total}' --max-time 5 \
		"http://127.0.0.1:$ZS_PORT/dead/x") || st=$?
	set -- $out
	[ "$st" -eq 0 ] || fail "request $i to a refused backend: curl exit $st ($out)"
	expect_eq "$1" 502 "request $i to a refused backend: status"
	ms=$(awk -v t="$2" 'BEGIN { printf "%d", t * 1000 }')
	[ "$ms" -lt 1000 ] || fail "request $i to a refused backend: 502 after $ms ms, want < 1000"
done

# A new connection to a live route still works.
code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "GET /echo after the 502s"
grep -qi '^X-Backend: b1' "$T/h" || fail "GET /echo after the 502s did not reach b1"
exit 0
