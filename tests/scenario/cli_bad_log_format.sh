#!/bin/sh
# SPDX-License-Identifier: MIT
# An unknown --log-format is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
expect_usage_error xml -l "127.0.0.1:$port" --log-format xml /=:1
expect_usage_error JSONX -l "127.0.0.1:$port" --log-format=JSONX /=:1
exit 0
