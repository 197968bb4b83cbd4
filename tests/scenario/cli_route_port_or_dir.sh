#!/bin/sh
# SPDX-License-Identifier: MIT
# `zeroserve 3000` where a directory 3000 exists: no guess, exit 2 naming
# both spellings; each of them then starts.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
cd "$T" || fail "cd $T"
mkdir "$PA"
st=0
timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS -l "127.0.0.1:$ZS_PORT" "$PA" >"$T/out" 2>"$T/err" \
	</dev/null || st=$?
expect_eq "$st" 2 "exit status of zeroserve $PA (stderr: $(cat "$T/err"))"
expect_eq "$(wc -l <"$T/err")" 1 "lines on stderr"
grep -qF "write :$PA for the port or ./$PA for the directory" "$T/err" ||
	fail "stderr does not name both fixes: $(cat "$T/err")"

zs_start ":$PA"
expect_echo /echo/x a
zs_stop_all
printf 'dir\n' >"$PA/index.html"
zs_start "./$PA"
code=$(zs_req /) || fail "GET /: curl failed"
expect_eq "$code" 200 "status of / from ./$PA"
expect_eq "$(cat "$T/body")" dir "body of / from ./$PA"
exit 0
