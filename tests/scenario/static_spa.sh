#!/bin/sh
# SPDX-License-Identifier: MIT
# --spa: unknown paths without an extension get the root index.html (200);
# unknown files with one stay 404; without --spa everything unknown is 404.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/assets"
printf '<div id=app></div>\n' >"$T/root/index.html"
printf 'js\n' >"$T/root/assets/app.js"
zs_start --spa "$T/root"

for p in /users/42 /settings /a/b/c; do
	code=$(zs_req "$p") || fail "GET $p: curl failed"
	expect_eq "$code" 200 "status of $p with --spa"
	cmp -s "$T/body" "$T/root/index.html" || fail "$p is not index.html"
	expect_match "$(resp_header Content-Type)" '^text/html' "Content-Type of $p"
done
code=$(zs_req /assets/app.js) || fail "GET /assets/app.js: curl failed"
expect_eq "$(cat "$T/body")" js "real files still win"
code=$(zs_req /assets/missing.js) || fail "GET /assets/missing.js: curl failed"
expect_eq "$code" 404 "status of a missing file with an extension"

zs_kill "$ZS_PID"
zs_start "$T/root"
code=$(zs_req /users/42) || fail "GET /users/42 without --spa: curl failed"
expect_eq "$code" 404 "status of /users/42 without --spa"
exit 0
