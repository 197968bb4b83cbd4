#!/bin/sh
# SPDX-License-Identifier: MIT
# Framing fields zeroserve refuses (man zeroserve, HTTP FRAMING): obs-fold,
# whitespace before a colon, bad bytes in names and values, a signed,
# non-decimal or padded-inside Content-Length, any duplicate Content-Length,
# Transfer-Encoding other than exactly chunked or in HTTP/1.0. Each gets 400,
# the connection closes, and nothing reaches the backend.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'
n=0
while IFS= read -r fields; do
	n=$((n + 1))
	req='POST /echo HTTP/1.1\r\nHost: localhost\r\n'"$fields"'\r\n'
	expect_refused 400 "$req$smuggled" "request $n ($fields)"
done <<'EOF_CASES'
Content-Length: 5\r\n Content-Length: 0\r\n\r\nhello
X-A: b\r\n\tTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello
Content-Length : 5\r\n\r\nhello
Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello
Content-Length: +5\r\n\r\nhello
Content-Length: -5\r\n\r\nhello
Content-Length: 0x5\r\n\r\nhello
Content-Length: 5 5\r\n\r\nhello
Content-Length: 5,5\r\n\r\nhello
Content-Length: 5.0\r\n\r\nhello
Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello
Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello
Content-Length: 99999999999999999999999\r\n\r\nhello
Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n
Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n
Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n
Transfer-Encoding: identity\r\n\r\nhello
Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n
X-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello
X-A: a\x7fb\r\nContent-Length: 5\r\n\r\nhello
X[A]: b\r\nContent-Length: 5\r\n\r\nhello
EOF_CASES
[ "$n" -ge 20 ] || fail "only $n cases read"
# Transfer-Encoding in HTTP/1.0.
expect_refused 400 'POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'"$smuggled" "HTTP/1.0 chunked"
still_serves 1
nothing_forwarded
exit 0
