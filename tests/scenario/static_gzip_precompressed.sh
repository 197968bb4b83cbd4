#!/bin/sh
# SPDX-License-Identifier: MIT
# file.gz beside file is sent (Content-Encoding: gzip, the original's type,
# Vary) to clients that accept gzip; others get file itself.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'console.log("original");\n' >"$T/root/app.js"
printf 'console.log("from the .gz");\n' | gzip -9 >"$T/root/app.js.gz"
zs_start "$T/root"

code=$(zs_req /app.js -H 'Accept-Encoding: gzip, br') || fail "curl failed"
expect_eq "$code" 200 "status"
expect_eq "$(resp_header Content-Encoding)" gzip "Content-Encoding"
expect_match "$(resp_header Content-Type)" 'javascript' "Content-Type of the .gz answer"
expect_eq "$(resp_header Vary)" Accept-Encoding "Vary"
cmp -s "$T/body" "$T/root/app.js.gz" || fail "body is not app.js.gz"

code=$(zs_req /app.js) || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding without Accept-Encoding"
cmp -s "$T/body" "$T/root/app.js" || fail "body is not app.js"
code=$(zs_req /app.js -H 'Accept-Encoding: gzip;q=0') || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding with gzip;q=0"
# The .gz itself, asked for by name, is a gzip file, not an encoding.
code=$(zs_req /app.js.gz -H 'Accept-Encoding: gzip') || fail "curl failed"
expect_eq "$(resp_header Content-Encoding)" "" "Content-Encoding of /app.js.gz"
expect_eq "$(resp_header Content-Type)" application/gzip "Content-Type of /app.js.gz"
exit 0
