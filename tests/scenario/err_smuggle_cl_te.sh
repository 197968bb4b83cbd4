#!/bin/sh
# SPDX-License-Identifier: MIT
# Content-Length together with Transfer-Encoding: chunked gets 400 and the
# connection closes; neither the request nor the one smuggled after it reaches
# the backend.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'
n=0
for req in 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 45\r\n\r\n0\r\n\r\n' \
	'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req$smuggled" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
