#!/bin/sh
# SPDX-License-Identifier: MIT
# A request head over 64 KiB gets 431 and the connection closes; nothing is forwarded.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

# One 70000-byte header, sent in one go.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ' big:70000 'send:\r\n\r\n')"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect"
expect_eq "$rc_statuses" 431 "70000-byte header: statuses of the responses"
[ "$rc_eof" = 1 ] || fail "70000-byte header: connection still open 4 s later"
[ "$rc_eof_ms" -le 2000 ] || fail "70000-byte header: connection closed after $rc_eof_ms ms"
still_serves 1

# 100 headers adding up to more than 64 KiB, after the request line came
# alone (the limit counts the whole head, across reads).
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET / HTTP/1.1\r\nHost: localhost\r\n' \
	sleep:0.05 'send:'"$(i=0; while [ $i -lt 100 ]; do printf 'X-F%d: %0700d\\r\\n' $i 0; i=$((i + 1)); done)" \
	'send:\r\n')"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect"
expect_eq "$rc_statuses" 431 "head of 100 headers over 64 KiB: statuses of the responses"
[ "$rc_eof" = 1 ] || fail "head of 100 headers over 64 KiB: connection still open 4 s later"
[ "$rc_eof_ms" -le 2000 ] || fail "head of 100 headers: connection closed after $rc_eof_ms ms"
still_serves 2

# A head just under the limit is fine.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Big: $(printf '%060000d' 0)" \
	"http://127.0.0.1:$ZS_PORT/after-3")
expect_eq "$code" 200 "GET with a 60000-byte header"
nothing_forwarded
exit 0
