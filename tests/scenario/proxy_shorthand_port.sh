#!/bin/sh
# SPDX-License-Identifier: MIT
# `zeroserve PORT`: a port alone is the backend 127.0.0.1:PORT at /, and the
# URL is printed as for any start.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "$PA"

grep -q "listening on http://127.0.0.1:$ZS_PORT/" "$ZS_LOG" ||
	fail "no URL printed: $(cat "$ZS_LOG")"
expect_echo /echo/x a
expect_echo /echo a
exit 0
