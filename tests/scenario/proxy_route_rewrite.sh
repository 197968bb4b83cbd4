#!/bin/sh
# SPDX-License-Identifier: MIT
# Prefix replacement (nginx proxy_pass-with-URI rule): with
# /api/=http://127.0.0.1:P/ the backend sees /users?x=1 for /api/users?x=1;
# with a target path the prefix is replaced by that path.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
PC=$(backend_start c)
zs_start /=127.0.0.1:$PB /api/=http://127.0.0.1:$PA/ "/old/=http://127.0.0.1:$PC/echo/new/"

# The backend's 404 body names the request target it received.
code=$(zs_req '/api/users?x=1') || fail "GET /api/users?x=1: curl failed"
expect_eq "$code" 404 "status (backend's 404 for /users)"
expect_eq "$(resp_header X-Backend)" a "backend for /api/users?x=1"
expect_eq "$(cat "$T/body")" "not found: /users?x=1" "target the backend saw for /api/users?x=1"

code=$(zs_req '/api/echo/deeper/path?q=a%20b') || fail "curl failed"
expect_eq "$code" 200 "status of /api/echo/deeper/path"
expect_eq "$(json_get "$T/body" 'd["backend"]')" a "backend for /api/echo/deeper/path"
expect_eq "$(json_get "$T/body" 'd["path"]')" '/echo/deeper/path?q=a%20b' "rewritten path"

code=$(zs_req '/api/') || fail "GET /api/: curl failed"
expect_eq "$(resp_header X-Backend)" a "backend for /api/"
expect_eq "$(cat "$T/body")" "not found: /" "target the backend saw for /api/"

code=$(zs_req '/old/item/42?full=1') || fail "GET /old/item/42: curl failed"
expect_eq "$code" 200 "status of /old/item/42"
expect_eq "$(json_get "$T/body" 'd["backend"]')" c "backend for /old/item/42"
expect_eq "$(json_get "$T/body" 'd["path"]')" '/echo/new/item/42?full=1' "rewritten path for /old/"

# Outside the prefix: the host-less / route, path untouched.
expect_echo /echo/apis b
exit 0
