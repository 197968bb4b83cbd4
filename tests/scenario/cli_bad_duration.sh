#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad duration is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
expect_usage_error abc -l "127.0.0.1:$port" --upstream-timeout abc /=:1
expect_usage_error 10x -l "127.0.0.1:$port" --idle-timeout 10x /=:1
expect_usage_error -5 -l "127.0.0.1:$port" --header-timeout -5 /=:1
expect_usage_error 1.5.2s -l "127.0.0.1:$port" --connect-timeout 1.5.2s /=:1
expect_usage_error 99999999999999 -l "127.0.0.1:$port" --shutdown-timeout 99999999999999 /=:1
exit 0
