#!/bin/sh
# SPDX-License-Identifier: MIT
# A chunk-size line ended by a bare CR, or with bad bytes in its size or
# extensions: 400, the connection closes, and nothing from that line on
# reaches the backend (llhttp 8.1 takes CR + any byte as a line end).
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

chunked_refused '5\r\r;ABCD\r\n0\r\n\r\n' '5\r\r;ABCD\r\nhello\r\n0\r\n\r\n' '5\r;\r\nhello\r\n0\r\n\r\n' \
	'5;a=\x01\r\nhello\r\n0\r\n\r\n' '5;a="b\r\nhello\r\n0\r\n\r\n' '5 5\r\nhello\r\n0\r\n\r\n' \
	'0x5\r\nhello\r\n0\r\n\r\n' '5\nhello\r\n0\r\n\r\n'
only_heads_forwarded
! grep -aq 'ABCD\|hello' "$T/recorded" ||
	fail "a bad chunk line reached the backend: $(od -c "$T/recorded" | head -20)"
exit 0
