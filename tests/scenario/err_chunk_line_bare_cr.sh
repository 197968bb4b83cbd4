#!/bin/sh
# SPDX-License-Identifier: MIT
# A chunk-size line ended by a bare CR, or with bad bytes in its size or
# extensions: 400, the connection closes, and nothing from that line on
# reaches the backend (llhttp 8.1 takes CR + any byte as a line end).
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: x\r\n\r\n'
n=0
for body in '5\r\r;ABCD\r\n0\r\n\r\n' '5\r\r;ABCD\r\nhello\r\n0\r\n\r\n' '5\r;\r\nhello\r\n0\r\n\r\n' \
	'5;a=\x01\r\nhello\r\n0\r\n\r\n' '5;a="b\r\nhello\r\n0\r\n\r\n' '5 5\r\nhello\r\n0\r\n\r\n' \
	'0x5\r\nhello\r\n0\r\n\r\n' '5\nhello\r\n0\r\n\r\n'; do
	n=$((n + 1))
	req='POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'"$body"
	expect_refused 400 "$req$smuggled" "chunked body $n ($body)"
	still_serves $n
done
# The head went upstream before its body (bodies stream); no other request did.
extra=$(tr -d '\r' <"$T/recorded" | grep -aE '^[!-~]+ [^ ]+ HTTP/' |
	grep -avE '^(POST /echo|GET /after-[0-9]+) HTTP/1.1$' || :)
[ -z "$extra" ] || fail "the backend received requests zeroserve should have refused: $extra"
! grep -aq 'ABCD\|hello' "$T/recorded" ||
	fail "a bad chunk line reached the backend: $(od -c "$T/recorded" | head -20)"
exit 0
