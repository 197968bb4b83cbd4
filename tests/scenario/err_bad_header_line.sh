#!/bin/sh
# SPDX-License-Identifier: MIT
# A malformed header line gets 400 and the connection closes; nothing is forwarded.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

n=0
for req in 'GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: localhost\r\nBad Name: v\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: localhost\r\nX-Space-Before-Colon : v\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: localhost\r\n: empty name\r\n\r\n' \
	'GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\n\r\nGET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
