#!/bin/sh
# SPDX-License-Identifier: MIT
# Only GET and HEAD on directory routes: other methods get 405 with
# Allow: GET, HEAD; backend routes in the same server still take POST.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'x\n' >"$T/root/f.txt"
PA=$(backend_start a)
zs_start "/=$T/root" "/echo=127.0.0.1:$PA"

for m in POST PUT DELETE PATCH OPTIONS; do
	code=$(zs_req /f.txt -X "$m" -d 'data') || fail "$m: curl failed"
	expect_eq "$code" 405 "status of $m /f.txt"
	expect_eq "$(resp_header Allow)" 'GET, HEAD' "Allow of $m"
done
code=$(zs_req /echo/x -X POST -d 'data') || fail "POST /echo/x: curl failed"
expect_eq "$code" 200 "POST to the backend route"
# The file is untouched and still served.
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(cat "$T/body")" x "body after the POSTs"
exit 0
