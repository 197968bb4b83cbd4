#!/bin/sh
# SPDX-License-Identifier: MIT
# A Content-Length over --max-body (default 1 GiB) gets 413 at once, before
# any body byte, and the connection closes; nothing reaches the backend.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

expect_refused 413 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4294967301\r\n\r\nhello' "Content-Length 4294967301"
[ "$rc_eof_ms" -le 1000 ] || fail "413 came after $rc_eof_ms ms: zeroserve waited for the body"
expect_refused 413 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1073741825\r\n\r\n' "Content-Length 1 GiB + 1"
still_serves 1
nothing_forwarded
exit 0
