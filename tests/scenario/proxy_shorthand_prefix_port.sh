#!/bin/sh
# SPDX-License-Identifier: MIT
# `zeroserve /api=PORT`: a route's target that is a port alone is
# 127.0.0.1:PORT, as /api=:PORT is; the path reaches the backend unchanged.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
zs_start "/echo/api=$PA" "$PB"

expect_echo /echo/api/users a
expect_echo /echo/other b
exit 0
