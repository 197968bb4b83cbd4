#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with a request slower than --shutdown-timeout: zeroserve gives up on
# it when the timeout expires and exits, closing the client connection.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --shutdown-timeout 1 "/=127.0.0.1:$BACKEND_PORT"

curl -s --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' \
	"http://127.0.0.1:$ZS_PORT/sleep/8000" >"$T/slow.out" 2>&1 &
curl_pid=$!
upstream_busy
watch_exit "$ZS_PID" 4000
before=$(now_ns)
kill -TERM "$ZS_PID"
after=$(now_ns)
ms=$(exit_ms "$after")
[ "$ms" != never ] || fail "zeroserve still running 4 s after SIGTERM with --shutdown-timeout 1"
[ "$ms" -le 2500 ] || fail "zeroserve exited $ms ms after SIGTERM, want <= 2500"
ms=$(exit_ms "$before")
[ "$ms" -ge 800 ] || fail "zeroserve exited $ms ms after SIGTERM, before the 1 s drain ended"
st=0
wait "$ZS_PID" || st=$?
[ "$st" -le 1 ] || fail "exit status $st after the drain timeout: killed by a signal or crashed?"

st=0
wait "$curl_pid" || st=$?
set -- $(cat "$T/slow.out")
[ "$1" != 200 ] || fail "the request cut at shutdown got a complete 200"
t=$(awk -v t="${2:-99}" 'BEGIN { printf "%d", t * 1000 }')
[ "$t" -lt 4000 ] || fail "the client connection was left open after zeroserve exited (curl: $*)"
exit 0
