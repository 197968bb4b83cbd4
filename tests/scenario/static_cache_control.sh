#!/bin/sh
# SPDX-License-Identifier: MIT
# Cache-Control is no-cache by default (edits show at once) and --cache
# VALUE otherwise, on 200, 206 and 304 answers.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'cached\n' >"$T/root/f.txt"
zs_start "$T/root"
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(resp_header Cache-Control)" no-cache "default Cache-Control"

zs_kill "$ZS_PID"
zs_start --cache 'public, max-age=31536000, immutable' "$T/root"
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(resp_header Cache-Control)" 'public, max-age=31536000, immutable' "Cache-Control of 200"
etag=$(resp_header ETag)
code=$(zs_req /f.txt -H "If-None-Match: $etag") || fail "curl failed"
expect_eq "$code" 304 "status of the revalidation"
expect_eq "$(resp_header Cache-Control)" 'public, max-age=31536000, immutable' "Cache-Control of 304"
code=$(zs_req /f.txt -H 'Range: bytes=0-1') || fail "curl failed"
expect_eq "$(resp_header Cache-Control)" 'public, max-age=31536000, immutable' "Cache-Control of 206"
exit 0
