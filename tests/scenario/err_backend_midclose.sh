#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend closing mid-response closes the client connection at once: the
# client sees a short body and an error, never a hang or a complete response.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start "/=127.0.0.1:$BACKEND_PORT"

st=0
out=$(curl -s -o "$T/body" -w '%{http_code} %{size_download} %{time_total}' --max-time 5 \
	"http://127.0.0.1:$ZS_PORT/midclose") || st=$?
set -- $out
[ "$st" -ne 0 ] || fail "GET /midclose: curl saw a complete response ($out)"
[ "$st" -ne 28 ] || fail "GET /midclose: the client connection was left hanging (curl timed out: $out)"
[ "$2" -lt 1000000 ] || fail "GET /midclose: got $2 bytes, the backend sent 1000"
ms=$(awk -v t="$3" 'BEGIN { printf "%d", t * 1000 }')
[ "$ms" -lt 2000 ] || fail "GET /midclose: connection closed after $ms ms, want < 2000"

# The same thing seen on a raw connection: EOF (or reset), one response only.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET /midclose HTTP/1.1\r\nHost: localhost\r\n\r\n')"
[ "$rc_eof" = 1 ] || fail "raw GET /midclose: connection still open after 4 s"
[ "$rc_eof_ms" -lt 2000 ] || fail "raw GET /midclose: closed after $rc_eof_ms ms, want < 2000"
[ "$rc_complete" = 0 ] || fail "raw GET /midclose: a response looked complete ($rc_statuses)"

code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "GET /echo after /midclose"
exit 0
