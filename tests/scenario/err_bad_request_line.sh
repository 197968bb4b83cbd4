#!/bin/sh
# SPDX-License-Identifier: MIT
# A malformed request line gets 400 and the connection closes; nothing is forwarded.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

n=0
for req in 'GET / HTTP/1.1 garbage\r\nHost: localhost\r\n\r\n' \
	'\x01\x02\r\n\r\n' \
	'GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n' \
	'GET / HTTP/1.1 garbage\r\nHost: localhost\r\n\r\nGET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
