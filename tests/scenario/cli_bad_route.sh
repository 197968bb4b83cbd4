#!/bin/sh
# SPDX-License-Identifier: MIT
# A malformed route is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
# The message names the route or at least its bad target.
for r in /api= = /api=https://x:1 /api=http://x /api=127.0.0.1:99999 /api=127.0.0.1: \
	/api=http://127.0.0.1:0x/ /api=x:1:2; do
	want=$r
	target=${r#*=}
	[ -n "$target" ] && want="$r|$target"
	expect_usage_error "$want" -l "127.0.0.1:$port" "$r"
done
exit 0
