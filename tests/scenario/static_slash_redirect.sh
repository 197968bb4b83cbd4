#!/bin/sh
# SPDX-License-Identifier: MIT
# A directory without its trailing slash is 301 to the slash form, query
# kept, under a route prefix too; never to another host ("//evil").
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/sub dir/x" "$T/docs"
printf 'i\n' >"$T/root/sub dir/index.html"
printf 'd\n' >"$T/docs/index.html"
zs_start "/=$T/root" "/docs=$T/docs"

code=$(zs_req '/sub%20dir') || fail "curl failed"
expect_eq "$code" 301 "status of /sub%20dir"
expect_eq "$(resp_header Location)" '/sub%20dir/' "Location"
code=$(zs_req '/sub%20dir/x?a=1&b=2') || fail "curl failed"
expect_eq "$code" 301 "status with a query"
expect_eq "$(resp_header Location)" '/sub%20dir/x/?a=1&b=2' "Location with a query"
code=$(zs_req /docs) || fail "curl failed"
expect_eq "$code" 301 "status of /docs"
expect_eq "$(resp_header Location)" /docs/ "Location of /docs"
code=$(zs_req '//sub%20dir') || fail "curl failed"
expect_eq "$(resp_header Location)" '/sub%20dir/' "Location of //sub%20dir"
code=$(zs_req '/sub%20dir/' -L) || fail "curl failed"
expect_eq "$code" 200 "the slash form"
expect_eq "$(cat "$T/body")" i "body of the slash form"
exit 0
