#!/bin/sh
# SPDX-License-Identifier: MIT
# Prefix routes: the longest matching prefix wins, whatever the argument
# order; a prefix without a trailing '/' matches the path itself and paths
# continuing with '/', not /apix; the path reaches the backend unchanged.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
PC=$(backend_start c)
zs_start /=127.0.0.1:$PB /echo/api/v2=127.0.0.1:$PC /echo/api=127.0.0.1:$PA

# route PATH BACKEND: PATH is answered by BACKEND, which saw PATH unchanged.
route() {
	code=$(zs_req "$1") || fail "GET $1: curl failed"
	expect_eq "$code" 200 "status of GET $1"
	expect_eq "$(json_get "$T/body" 'd["backend"]')" "$2" "backend for $1"
	expect_eq "$(json_get "$T/body" 'd["path"]')" "$1" "path the backend saw for $1"
}

route /echo/api a
route /echo/api/ a
route /echo/api/users?x=1 a
route /echo/api/v2 c
route /echo/api/v2/items c
route /echo/api/v20 a
route /echo/apix b
route /echo/ap b
route /echo b
route /echo/other/api b

# A path no backend endpoint knows still goes to the route's backend.
code=$(zs_req /nothing/here) || fail "GET /nothing/here: curl failed"
expect_eq "$code" 404 "status of /nothing/here (backend's 404)"
expect_eq "$(resp_header X-Backend)" b "X-Backend of /nothing/here"
exit 0
