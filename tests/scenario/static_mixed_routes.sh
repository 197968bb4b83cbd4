#!/bin/sh
# SPDX-License-Identifier: MIT
# Directories and backends in one server: /=DIR /echo=BACKEND /docs=DIR2.
. "$ZS_TESTS/lib.sh"

mkdir "$T/dist" "$T/docs"
printf 'app\n' >"$T/dist/index.html"
printf 'guide\n' >"$T/docs/guide.txt"
PA=$(backend_start a)
zs_start "/=$T/dist" "/echo=127.0.0.1:$PA" "/docs=$T/docs"

expect_echo /echo/users a
code=$(zs_req /) || fail "GET /: curl failed"
expect_eq "$code" 200 "status of /"
expect_eq "$(cat "$T/body")" app "body of /"
code=$(zs_req /docs/guide.txt) || fail "GET /docs/guide.txt: curl failed"
expect_eq "$code" 200 "status of /docs/guide.txt"
expect_eq "$(cat "$T/body")" guide "body of /docs/guide.txt"
# The prefix is stripped: /docs/guide.txt is not looked up in dist.
code=$(zs_req /guide.txt) || fail "GET /guide.txt: curl failed"
expect_eq "$code" 404 "status of /guide.txt"
exit 0
