#!/bin/sh
# SPDX-License-Identifier: MIT
# Debian's nginx as a backend: static files come through byte exact (whole,
# ranges, HEAD, 404) and zeroserve keeps its upstream connection alive.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/www/sub"
echo "hello from nginx" >"$T/www/index.html"
head -c 3145728 /dev/urandom >"$T/www/sub/big.bin"
head -c 100000 /dev/urandom >"$T/www/small.bin"
PN=$(nginx_start "$T/www")
zs_start /=127.0.0.1:$PN

for f in index.html small.bin sub/big.bin; do
	code=$(zs_req "/$f") || fail "GET /$f: curl failed"
	expect_eq "$code" 200 "GET /$f status"
	cmp -s "$T/body" "$T/www/$f" || fail "GET /$f: body differs from the file"
done
expect_eq "$(resp_header Server | cut -d/ -f1)" nginx "Server header"

code=$(zs_req /sub/big.bin -H 'Range: bytes=1000-1999') || fail "range: curl failed"
expect_eq "$code" 206 "range status"
tail -c +1001 "$T/www/sub/big.bin" | head -c 1000 >"$T/part"
cmp -s "$T/body" "$T/part" || fail "range body differs"

code=$(zs_req /sub/big.bin -I) || fail "HEAD: curl failed"
expect_eq "$code" 200 "HEAD status"
expect_eq "$(resp_header Content-Length)" 3145728 "HEAD Content-Length"

code=$(zs_req /missing.txt) || fail "404: curl failed"
expect_eq "$code" 404 "missing file status"

# Ten requests on one client connection: nginx reports its connection
# number and that connection's request count; zeroserve should have reused
# one upstream connection (allow two).
urls=
i=0
while [ $i -lt 10 ]; do
	urls="$urls http://127.0.0.1:$ZS_PORT/__conn"
	i=$((i + 1))
done
# shellcheck disable=SC2086
zs_curl $urls >"$T/conns" || fail "/__conn requests failed"
[ "$(wc -l <"$T/conns")" -eq 10 ] || fail "want 10 answers, got: $(cat "$T/conns")"
nconn=$(cut -d' ' -f1 "$T/conns" | sort -u | wc -l)
maxreq=$(cut -d' ' -f2 "$T/conns" | sort -n | tail -n 1)
echo "nginx connections: $nconn, most requests on one: $maxreq"
[ "$nconn" -le 2 ] || fail "10 keep-alive requests used $nconn nginx connections: $(tr '\n' ' ' <"$T/conns")"
[ "$maxreq" -ge 5 ] || fail "no nginx connection carried 5 requests: $(tr '\n' ' ' <"$T/conns")"
exit 0
