#!/bin/sh
# SPDX-License-Identifier: MIT
# With --idle-timeout 1 an idle keep-alive connection is closed after ~1 s.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --idle-timeout 1 "/=127.0.0.1:$BACKEND_PORT"

# One request, then silence: the close must come 0.8..3 s after the response.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n' wait:1)"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect (${rc_send_error:-rawclient failed})"
expect_eq "$rc_statuses" 200 "GET /echo: statuses"
expect_eq "$rc_complete" 1 "GET /echo: complete responses"
[ "$rc_eof" = 1 ] || fail "idle keep-alive connection still open 6 s later with --idle-timeout 1"
idle=$((rc_eof_ms - rc_mark_ms))
[ "$idle" -ge 800 ] || fail "idle keep-alive connection closed $idle ms after the response, before the 1 s timeout"
[ "$idle" -le 3000 ] || fail "idle keep-alive connection closed $idle ms after the response, want <= 3000"

# Activity restarts the timer: two requests 0.6 s apart on one connection both work.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n' wait:1 sleep:0.6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n' wait:2 sleep:0.6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n' wait:3)"
expect_eq "$rc_statuses" "200 200 200" "three requests 0.6 s apart under --idle-timeout 1"

# A request slower than the idle timeout is not cut by it.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/sleep/1500")
expect_eq "$code" 200 "GET /sleep/1500 under --idle-timeout 1"
exit 0
