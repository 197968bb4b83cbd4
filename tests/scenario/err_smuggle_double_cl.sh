#!/bin/sh
# SPDX-License-Identifier: MIT
# Two different Content-Length values (or one that is not a number) get 400
# and the connection closes; neither the request nor the one smuggled after
# it reaches the backend.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'
n=0
for req in 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\nContent-Length: 0\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0, 40\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0x10\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req$smuggled" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
