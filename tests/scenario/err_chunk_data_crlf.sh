#!/bin/sh
# SPDX-License-Identifier: MIT
# Chunk data not followed by CRLF (Debian's llhttp 8.1 does not check it):
# 400 and the connection closes; the bytes after the chunk data and the
# request smuggled behind them never reach the backend (the head and the
# chunks before may: bodies stream).
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: x\r\n\r\n'
n=0
for body in '5\r\nhelloXX0\r\n\r\n' '5\r\nhello\rX0\r\n\r\n' '5\r\nhello\n0\r\n\r\n' \
	'5\r\nhello\r\n3\r\nabc0\r\n\r\n'; do
	n=$((n + 1))
	req='POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'"$body"
	expect_refused 400 "$req$smuggled" "chunked body $n ($body)"
	still_serves $n
done
# The head went upstream before its body (bodies stream); no other request did.
extra=$(tr -d '\r' <"$T/recorded" | grep -aE '^[!-~]+ [^ ]+ HTTP/' |
	grep -avE '^(POST /echo|GET /after-[0-9]+) HTTP/1.1$' || :)
[ -z "$extra" ] || fail "the backend received requests zeroserve should have refused: $extra"
! grep -aq 'helloXX\|hello\rX\|abc0' "$T/recorded" ||
	fail "bytes after the chunk data reached the backend: $(od -c "$T/recorded" | head -20)"
exit 0
