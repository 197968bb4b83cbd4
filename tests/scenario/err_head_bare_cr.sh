#!/bin/sh
# SPDX-License-Identifier: MIT
# A request head with a bare CR or bare LF anywhere, or ending "\r\n\rX"
# (llhttp 8.1 takes it and drops the X): 400, the connection closes, and
# nothing reaches the backend.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

n=0
for req in 'GET / HTTP/1.1\r\nHost: localhost\r\n\rX' 'GET / HTTP/1.1\r\nHost: localhost\r\n\rGET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: localhost\rX-A: b\r\n\r\n' 'GET / HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n' \
	'GET / HTTP/1.1\nHost: localhost\r\n\r\n' 'GET / HTTP/1.1\r\nHost: localhost\r\n\n' 'GET /\r HTTP/1.1\r\nHost: localhost\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
