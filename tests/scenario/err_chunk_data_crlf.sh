#!/bin/sh
# SPDX-License-Identifier: MIT
# Chunk data not followed by CRLF (Debian's llhttp 8.1 does not check it):
# 400 and the connection closes; the bytes after the chunk data and the
# request smuggled behind them never reach the backend (the head and the
# chunks before may: bodies stream).
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

chunked_refused '5\r\nhelloXX0\r\n\r\n' '5\r\nhello\rX0\r\n\r\n' '5\r\nhello\n0\r\n\r\n' \
	'5\r\nhello\r\n3\r\nabc0\r\n\r\n'
only_heads_forwarded
! grep -aq 'helloXX\|hello\rX\|abc0' "$T/recorded" ||
	fail "bytes after the chunk data reached the backend: $(od -c "$T/recorded" | head -20)"
exit 0
