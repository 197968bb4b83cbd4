#!/bin/sh
# SPDX-License-Identifier: MIT
# `zeroserve DIR` (no '='): DIR is served at / and the URL is printed.
. "$ZS_TESTS/lib.sh"

mkdir "$T/dist"
printf '<h1>dist</h1>\n' >"$T/dist/index.html"
printf 'body{}\n' >"$T/dist/app.css"
zs_start "$T/dist"

grep -q "listening on http://127.0.0.1:$ZS_PORT/" "$ZS_LOG" ||
	fail "no URL printed: $(cat "$ZS_LOG")"
code=$(zs_req /) || fail "GET /: curl failed"
expect_eq "$code" 200 "status of /"
cmp -s "$T/body" "$T/dist/index.html" || fail "/ is not index.html: $(cat "$T/body")"
code=$(zs_req /app.css) || fail "GET /app.css: curl failed"
expect_eq "$code" 200 "status of /app.css"
cmp -s "$T/body" "$T/dist/app.css" || fail "/app.css: wrong body"
exit 0
