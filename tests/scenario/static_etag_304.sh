#!/bin/sh
# SPDX-License-Identifier: MIT
# ETag: If-None-Match with it (or W/ it, or *) is 304 without a body; another
# tag is 200; If-None-Match wins over If-Modified-Since; a changed file gets
# a new ETag.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'version one\n' >"$T/root/f.txt"
zs_start "$T/root"

code=$(zs_req /f.txt) || fail "GET: curl failed"
etag=$(resp_header ETag)
expect_match "$etag" '^"[^"]+"$' "ETag"
code=$(zs_req /f.txt -H "If-None-Match: $etag") || fail "GET If-None-Match: curl failed"
expect_eq "$code" 304 "status with the ETag"
[ -s "$T/body" ] && fail "304 with a body"
expect_eq "$(resp_header ETag)" "$etag" "ETag of the 304"
code=$(zs_req /f.txt -H "If-None-Match: \"other\", W/$etag") || fail "curl failed"
expect_eq "$code" 304 "status with a weak ETag in a list"
code=$(zs_req /f.txt -H 'If-None-Match: *') || fail "curl failed"
expect_eq "$code" 304 "status with *"
code=$(zs_req /f.txt -H 'If-None-Match: "other"') || fail "curl failed"
expect_eq "$code" 200 "status with another ETag"
# If-None-Match decides even when If-Modified-Since would say 304.
code=$(zs_req /f.txt -H 'If-None-Match: "other"' -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT') ||
	fail "curl failed"
expect_eq "$code" 200 "If-None-Match wins over If-Modified-Since"

sleep 0.01
printf 'version two, longer\n' >"$T/root/f.txt"
code=$(zs_req /f.txt -H "If-None-Match: $etag") || fail "curl failed"
expect_eq "$code" 200 "status with the old ETag after an edit"
expect_eq "$(cat "$T/body")" 'version two, longer' "body after an edit"
[ "$(resp_header ETag)" != "$etag" ] || fail "ETag unchanged after an edit"
exit 0
