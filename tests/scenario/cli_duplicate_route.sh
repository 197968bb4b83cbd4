#!/bin/sh
# SPDX-License-Identifier: MIT
# The same HOST+PREFIX routed twice is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
expect_usage_error /a -l "127.0.0.1:$port" /a=:1 /a=:2
expect_usage_error app.localhost/x -l "127.0.0.1:$port" app.localhost/x=:1 /y=:3 app.localhost/x=:2
# Same prefix on different hosts is not a duplicate: that one must start.
st=0
timeout 1 "$ZS_BIN" $ZS_ENGINE_ARGS -l "127.0.0.1:$port" a.localhost/x=:1 b.localhost/x=:2 /x=:3 \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
[ "$st" -eq 124 ] || fail "distinct Host routes on one prefix: exit status $st, want it running; stderr: $(cat "$T/err")"
exit 0
