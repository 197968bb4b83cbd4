#!/bin/sh
# SPDX-License-Identifier: MIT
# --user naming no user is a bad command line: exit 2, one line naming the
# option, before anything is bound.
. "$ZS_TESTS/lib.sh"

expect_usage_error "--user 'no-such-user-zs'" -l "127.0.0.1:$ZS_PORT" --user no-such-user-zs "/=127.0.0.1:1"
expect_usage_error "--user" -l "127.0.0.1:$ZS_PORT" --user "" "/=127.0.0.1:1"
exit 0
