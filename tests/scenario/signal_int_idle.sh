#!/bin/sh
# SPDX-License-Identifier: MIT
# An idle zeroserve exits 0 promptly on SIGINT, and on SIGTERM.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
for sig in INT TERM; do
	zs_start "/=127.0.0.1:$BACKEND_PORT"
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/echo")
	expect_eq "$code" 200 "GET /echo before SIG$sig"
	watch_exit "$ZS_PID" 3000
	kill -"$sig" "$ZS_PID"
	sent=$(now_ns)
	ms=$(exit_ms "$sent")
	[ "$ms" != never ] || fail "idle zeroserve still running 3 s after SIG$sig"
	st=0
	wait "$ZS_PID" || st=$?
	expect_eq "$st" 0 "exit status after SIG$sig"
	[ "$ms" -le 1000 ] || fail "idle zeroserve took $ms ms to exit on SIG$sig, want <= 1000"
done
exit 0
