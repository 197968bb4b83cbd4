#!/bin/sh
# SPDX-License-Identifier: MIT
# A directory answers with its index.html; without one (and without
# --browse) it is 404, and a missing file is 404.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/sub" "$T/root/empty"
printf 'top\n' >"$T/root/index.html"
printf 'sub\n' >"$T/root/sub/index.html"
zs_start "$T/root"

code=$(zs_req /sub/) || fail "GET /sub/: curl failed"
expect_eq "$code" 200 "status of /sub/"
expect_eq "$(cat "$T/body")" sub "body of /sub/"
expect_match "$(resp_header Content-Type)" '^text/html' "Content-Type of /sub/"
code=$(zs_req /) || fail "GET /: curl failed"
expect_eq "$(cat "$T/body")" top "body of /"
code=$(zs_req /empty/) || fail "GET /empty/: curl failed"
expect_eq "$code" 404 "status of /empty/ (no index.html, no --browse)"
code=$(zs_req /nothing.txt) || fail "GET /nothing.txt: curl failed"
expect_eq "$code" 404 "status of /nothing.txt"
code=$(zs_req /sub/nothing/deeper.txt) || fail "GET /sub/nothing/deeper.txt: curl failed"
expect_eq "$code" 404 "status of /sub/nothing/deeper.txt"
# A file is not a directory.
code=$(zs_req /sub/index.html/) || fail "GET /sub/index.html/: curl failed"
expect_eq "$code" 404 "status of /sub/index.html/"
exit 0
