#!/bin/sh
# SPDX-License-Identifier: MIT
# Started as root, a directory route whose root the user zeroserve switches
# to cannot read is a start error, not a 403 on every request: exit 2, one
# line naming the directory, the user and the --user fix.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): no user switch"
unset SUDO_USER
mkdir -m 700 "$T/private"
printf 'secret\n' >"$T/private/index.html"
expect_usage_error "directory $T/private is not readable by user nobody (uid $(id -u nobody)): --user NAME" \
	-l "127.0.0.1:$ZS_PORT" "$T/private"
exit 0
