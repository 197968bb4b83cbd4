#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend that closes after the head and part of a body the
# kernel holds back (an answer of at most 256 KiB is delivered whole): not a
# byte of it reached the client, so the client gets a 502 and a close, as
# for a backend dying before its answer, and the next client is served.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

# The first request pairs the connection with a backend socket; the kernel
# carries the second.
eval "$(_zs_in $PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET /echo/first HTTP/1.1\r\nHost: localhost\r\n\r\n' 'wait:1' \
	'send:GET /midclose?length=50000 HTTP/1.1\r\nHost: localhost\r\n\r\n')"
expect_eq "$rc_statuses" "200 502" "statuses: a kernel answer, then the one its backend dropped"
[ "$rc_eof" = 1 ] || fail "connection still open 4 s after the backend closed"
[ "$rc_eof_ms" -lt 2000 ] || fail "connection closed after $rc_eof_ms ms, want < 2000"

zs_counters
[ "$(counter requests)" -ge 1 ] || fail "the kernel carried no request: the test proves nothing"
code=$(_zs_in curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo/after")
expect_eq "$code" 200 "GET /echo/after on a new connection"
kmsg_check
exit 0
