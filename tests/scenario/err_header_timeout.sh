#!/bin/sh
# SPDX-License-Identifier: MIT
# With --header-timeout 1 a client trickling its request head (slowloris) is
# cut off after ~1 s, optionally with a 408, however steadily it sends.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --header-timeout 1 --idle-timeout 30 "/=127.0.0.1:$BACKEND_PORT"

# The request line and Host at once, then one header byte every 200 ms
# (a 60-byte header would take 12 s).
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n' \
	'trickle:X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n:0.2')"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect (${rc_send_error:-rawclient failed})"
case $rc_statuses in
'' | 408) ;;
*) fail "trickled head: responses '$rc_statuses', want none or a 408" ;;
esac
[ -z "$rc_xbackend" ] || fail "trickled head reached the backend"
[ "$rc_eof" = 1 ] || fail "trickled head: connection still open 6 s later with --header-timeout 1"
[ "$rc_eof_ms" -ge 800 ] || fail "trickled head: cut off after $rc_eof_ms ms, before the 1 s timeout"
[ "$rc_eof_ms" -le 3000 ] || fail "trickled head: cut off after $rc_eof_ms ms, want <= 3000"

# A connection that sends nothing at all is cut off too.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6)"
[ "$rc_eof" = 1 ] || fail "silent connection still open 6 s later with --header-timeout 1"
[ "$rc_eof_ms" -ge 800 ] || fail "silent connection cut off after $rc_eof_ms ms, before the 1 s timeout"
[ "$rc_eof_ms" -le 3000 ] || fail "silent connection cut off after $rc_eof_ms ms, want <= 3000"

# A head that arrives in pieces within the timeout is served.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET /echo HTTP/1.1\r\n' sleep:0.3 'send:Host: localhost\r\n' sleep:0.3 'send:\r\n' wait:1)"
expect_eq "$rc_statuses" 200 "head in three pieces over 0.6 s"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "GET /echo after the slow clients"
exit 0
