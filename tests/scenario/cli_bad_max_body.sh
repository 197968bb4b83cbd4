#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad --max-body value is named on stderr and the exit status is 2.
. "$ZS_TESTS/lib.sh"

for v in '' abc -1 1x 1kb ' 5' 99999999999999999999g 0x10; do
	rc=0
	"$ZS_BIN" --max-body "$v" -l "127.0.0.1:$ZS_PORT" /=:1 >"$T/out" 2>"$T/err" || rc=$?
	expect_eq "$rc" 2 "exit status for --max-body '$v'"
	grep -q -- "--max-body '$v'" "$T/err" || fail "--max-body '$v': stderr does not name it: $(cat "$T/err")"
done
exit 0
