#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad chunk size in a request body ends the connection (with a 400 when no
# response has started) and the request smuggled after it never reaches the
# backend. The head may already have gone upstream: the recording backend
# never answers a request with a body, so no response can race the 400.
. "$ZS_TESTS/lib.sh"

recorder_start
zs_start "/=127.0.0.1:$REC_PORT"

smuggled='GET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n'
n=0
for body in 'zz\r\n' '5\r\nhello\r\nzz\r\n' '5;x\r\nhelloXX\r\n0\r\n\r\n' '-1\r\n'; do
	n=$((n + 1))
	req='POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n'"$body"
	eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 "send:$req$smuggled")"
	[ "${rc_connected:-0}" = 1 ] || fail "chunked body $n ($body): cannot connect"
	case $rc_statuses in
	400 | '') ;;
	*) fail "chunked body $n ($body): responses '$rc_statuses', want a 400 or none" ;;
	esac
	[ "$rc_eof" = 1 ] || fail "chunked body $n ($body): connection still open 4 s later"
	[ "$rc_eof_ms" -le 2000 ] || fail "chunked body $n ($body): closed after $rc_eof_ms ms, want <= 2000"
	still_serves $n
done
! grep -aq "GET /status/418 " "$T/recorded" || fail "the smuggled request reached the backend: $(head -c 600 "$T/recorded")"
exit 0
