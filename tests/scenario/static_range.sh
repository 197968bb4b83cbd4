#!/bin/sh
# SPDX-License-Identifier: MIT
# Range bytes=a-b, a- and -n: 206 with Content-Range and exactly those
# bytes, for a small file (cached in memory), a medium one (cached open
# file, sendfile) and a large one (sendfile); If-Range with another ETag
# gets the whole file.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf '0123456789abcdefghij' >"$T/root/small.txt"
head -c 1000000 /dev/urandom >"$T/root/large.bin"
head -c 100000 /dev/urandom >"$T/root/medium.bin"
zs_start "$T/root"

range() { # PATH RANGE WANT_CONTENT_RANGE OFFSET LENGTH
	code=$(zs_req "$1" -H "Range: bytes=$2") || fail "GET $1 Range $2: curl failed"
	expect_eq "$code" 206 "status of $1 bytes=$2"
	expect_eq "$(resp_header Content-Range)" "$3" "Content-Range of $1 bytes=$2"
	expect_eq "$(resp_header Content-Length)" "$5" "Content-Length of $1 bytes=$2"
	tail -c +$(($4 + 1)) "$T/root$1" | head -c "$5" >"$T/want"
	cmp -s "$T/body" "$T/want" || fail "body of $1 bytes=$2"
}
range /small.txt 2-5 'bytes 2-5/20' 2 4
range /small.txt 15- 'bytes 15-19/20' 15 5
range /small.txt -3 'bytes 17-19/20' 17 3
range /small.txt 10-1000 'bytes 10-19/20' 10 10
range /small.txt -100 'bytes 0-19/20' 0 20
for i in 1 2; do # the second time from the cache
	range /medium.bin 0-99 'bytes 0-99/100000' 0 100
	range /medium.bin 50000- 'bytes 50000-99999/100000' 50000 50000
	range /medium.bin -1 'bytes 99999-99999/100000' 99999 1
	code=$(zs_req /medium.bin) || fail "GET /medium.bin: curl failed"
	cmp -s "$T/body" "$T/root/medium.bin" || fail "body of /medium.bin"
done
range /large.bin 1000-1999 'bytes 1000-1999/1000000' 1000 1000
range /large.bin 999000- 'bytes 999000-999999/1000000' 999000 1000
range /large.bin -5000 'bytes 995000-999999/1000000' 995000 5000
expect_eq "$(resp_header Accept-Ranges)" bytes "Accept-Ranges"

code=$(zs_req /small.txt -H 'Range: bytes=2-5' -H 'If-Range: "old"') || fail "curl failed"
expect_eq "$code" 200 "If-Range with another ETag"
cmp -s "$T/body" "$T/root/small.txt" || fail "If-Range: not the whole file"
code=$(zs_req /small.txt) || fail "curl failed"
etag=$(resp_header ETag)
code=$(zs_req /small.txt -H 'Range: bytes=2-5' -H "If-Range: $etag") || fail "curl failed"
expect_eq "$code" 206 "If-Range with the current ETag"
# Several ranges: the whole file (RFC 9110 allows it).
code=$(zs_req /small.txt -H 'Range: bytes=0-1,4-5') || fail "curl failed"
expect_eq "$code" 200 "multi-range"
exit 0
