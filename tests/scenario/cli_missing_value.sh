#!/bin/sh
# SPDX-License-Identifier: MIT
# An option missing its value is one line on stderr naming the option and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
expect_usage_error -l /=:1 -l
expect_usage_error --upstream-timeout -l "127.0.0.1:$port" /=:1 --upstream-timeout
expect_usage_error --access-log -l "127.0.0.1:$port" /=:1 --access-log
exit 0
