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

expect_echo /echo/api a
expect_echo /echo/api/ a
expect_echo /echo/api/users?x=1 a
expect_echo /echo/api/v2 c
expect_echo /echo/api/v2/items c
expect_echo /echo/api/v20 a
expect_echo /echo/apix b
expect_echo /echo/ap b
expect_echo /echo b
expect_echo /echo/other/api b

# A path no backend endpoint knows still goes to the route's backend.
code=$(zs_req /nothing/here) || fail "GET /nothing/here: curl failed"
expect_eq "$code" 404 "status of /nothing/here (backend's 404)"
expect_eq "$(resp_header X-Backend)" b "X-Backend of /nothing/here"
exit 0
