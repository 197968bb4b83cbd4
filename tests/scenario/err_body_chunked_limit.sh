#!/bin/sh
# SPDX-License-Identifier: MIT
# --max-body 1k: a body of exactly 1 KiB passes (Content-Length and chunked);
# a chunked body that grows past it is cut where the chunk passing the limit
# is announced (413, connection closed); a larger Content-Length is refused
# at once.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --max-body 1k "/=127.0.0.1:$PA"

code=$(zs_curl -o "$T/out" -w '%{http_code}' --data-binary "@-" "http://127.0.0.1:$ZS_PORT/echo" <<EOF_BODY
$(head -c 1023 /dev/zero | tr '\0' a)
EOF_BODY
)
expect_eq "$code" 200 "POST of 1024 bytes with Content-Length"
expect_eq "$(json_get "$T/out" "d['body_length']")" 1024 "body the backend saw"

head -c 1024 /dev/zero | tr '\0' b >"$T/k"
code=$(zs_curl -o "$T/out" -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary "@$T/k" "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 200 "chunked POST of 1024 bytes"

req='POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n'
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 "send:$req" "big:512" "send:\r\n200\r\n" "big:512" "send:\r\n1\r\nZ\r\n0\r\n\r\n")"
expect_eq "$rc_statuses" 413 "chunked body growing past 1k"
[ "$rc_eof" = 1 ] || fail "connection still open after the 413"

code=$(zs_curl -o /dev/null -w '%{http_code}' --data-binary "@$T/k" -H 'Content-Type: x' --data-binary "x" "http://127.0.0.1:$ZS_PORT/echo")
expect_eq "$code" 413 "POST of 1025 bytes with Content-Length"
exit 0
