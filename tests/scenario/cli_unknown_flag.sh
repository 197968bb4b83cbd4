#!/bin/sh
# SPDX-License-Identifier: MIT
# An unknown option is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
expect_usage_error --frobnicate -l "127.0.0.1:$port" --frobnicate /=:1
expect_usage_error --frobnicate=3 -l "127.0.0.1:$port" --frobnicate=3 /=:1
expect_usage_error -Z -l "127.0.0.1:$port" -Z /=:1
exit 0
