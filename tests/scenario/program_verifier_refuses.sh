#!/bin/sh
# SPDX-License-Identifier: MIT
# A program the verifier refuses (contrib/programs/broken_oob, an
# unbounded read) stops the start with exit status 2: stderr ends with one
# line naming the file, the entry point and the verifier's reason, after
# the log's last lines; --verifier-log FILE holds the whole log, reason and
# tally included. A GPL-only helper under a non-GPL license
# (tests/programs/gpl_helper) is refused with a hint to the license line.
. "$ZS_TESTS/lib.sh"

program_need broken_oob
port=$(zs_port)
st=0
timeout 10 "$ZS_BIN" -l "127.0.0.1:$port" --program "$PROG" --verifier-log "$T/vlog" \
	/=127.0.0.1:1 >"$T/out" 2>"$T/err" </dev/null || st=$?
[ "$st" -eq 2 ] || fail "broken_oob: exit status $st, want 2: $(cat "$T/err")"
last=$(tail -n 1 "$T/err")
case $last in
"zeroserve: --program $PROG: the verifier refused zs_program_"*"unbounded memory access"*"; whole log in $T/vlog") ;;
*) fail "broken_oob: last line of stderr: $last" ;;
esac
grep -q '^--- verifier log' "$T/err" || fail "broken_oob: no log tail on stderr: $(cat "$T/err")"
grep -q 'unbounded memory access' "$T/vlog" || fail "broken_oob: the reason is not in $T/vlog"
grep -q '^processed [0-9]* insns' "$T/vlog" || fail "broken_oob: $T/vlog is not the whole log: $(tail -n 3 "$T/vlog")"
# Every line of the tail is a line of the whole log.
sed -n '/^--- verifier log/,/^--- end ---$/p' "$T/err" | sed '1d;$d' >"$T/tail"
[ -s "$T/tail" ] || fail "broken_oob: an empty log tail on stderr"
grep -vxFf "$T/vlog" "$T/tail" >"$T/extra" &&
	fail "broken_oob: tail lines not in $T/vlog: $(cat "$T/extra")"

program_need gpl_helper
st=0
timeout 10 "$ZS_BIN" -l "127.0.0.1:$port" --program "$PROG" /=127.0.0.1:1 \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
[ "$st" -eq 2 ] || fail "gpl_helper: exit status $st, want 2: $(cat "$T/err")"
last=$(tail -n 1 "$T/err")
case $last in
*"cannot call GPL-restricted function from non-GPL compatible program"*'SEC("license") = "Dual MIT/GPL"'*) ;;
*) fail "gpl_helper: last line of stderr: $last" ;;
esac
exit 0
