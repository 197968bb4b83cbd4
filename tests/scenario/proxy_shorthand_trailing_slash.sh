#!/bin/sh
# SPDX-License-Identifier: MIT
# `zeroserve localhost:PORT/`: a backend written with a trailing '/' (as
# copied from a browser's address bar) is that backend at /, the path
# unchanged (only http://HOST:PORT/PATH replaces the prefix).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "localhost:$PA/"

expect_echo /echo/x a
expect_echo /echo/deeper/path a
exit 0
