#!/bin/sh
# SPDX-License-Identifier: MIT
# A request line naming an HTTP major version other than 1 (llhttp 8.1 takes
# 0.9 and 2.0) gets 505 and the connection closes; nothing is forwarded.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

n=0
for req in 'GET / HTTP/2.0\r\nHost: localhost\r\n\r\n' \
	'GET / HTTP/0.9\r\nHost: localhost\r\n\r\n' \
	'GET / HTTP/3.1\r\nHost: localhost\r\n\r\n' \
	'GET / HTTP/2.0\r\nHost: localhost\r\n\r\nGET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 505 "$req" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
