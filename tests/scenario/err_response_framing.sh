#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend answer that breaks the framing rules gets the client a 502 when
# its head is bad (and the connection closes); a chunked body that turns bad
# after the head went out ends the client connection, and nothing after the
# bad byte reaches the client.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

# %b with octal escapes only: dash (sh in kernel_whole_suite) reads no \x.
hex() { printf '%b' "$1" | od -An -v -tx1 | tr -d ' \n'; }
n=0
while IFS= read -r resp; do
	n=$((n + 1))
	code=$(zs_curl -o "$T/out" -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/raw/$(hex "$resp")" || :)
	expect_eq "$code" 502 "answer $n ($resp)"
done <<'EOF_CASES'
HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhi
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n
HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi
HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi
HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nhi
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\rXhi
HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\nhi
HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nhi
HTTP/1.1 200 OK\r\nX-A: \001\r\nContent-Length: 2\r\n\r\nhi
HTTP/1.1 000 OK\r\nContent-Length: 2\r\n\r\nhi
HTTP/1.1 099 OK\r\nContent-Length: 2\r\n\r\nhi
EOF_CASES
[ "$n" -ge 10 ] || fail "only $n cases read"

# The head is fine, the chunked body is not: the client sees the first chunk
# and then the close, never the bytes after the bad one.
for body in '2\r\nhiXX5\r\nworld\r\n0\r\n\r\n' '2\r\r;x\r\nhi\r\n0\r\n\r\n'; do
	resp='HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'"$body"
	zs_curl -o "$T/out" "http://127.0.0.1:$ZS_PORT/raw/$(hex "$resp")" && fail "a bad chunked answer ($body) came through whole"
	! grep -aq 'world\|XX\|;x' "$T/out" || fail "bytes after the bad one reached the client: $(od -c "$T/out")"
done
code=$(zs_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/status/200")
expect_eq "$code" 200 "a good answer after the bad ones"
exit 0
