#!/bin/sh
# SPDX-License-Identifier: MIT
# Not started as root, zeroserve cannot switch users: --user naming another
# user is a bad command line (exit 2, one line naming --user); naming the
# user it runs as is fine.
. "$ZS_TESTS/lib.sh"

bin=$ZS_BIN
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
	uid=$(id -u nobody) || fail "no user nobody"
	gid=$(id -g nobody)
	# nobody must be able to run the binary: a copy in $T if the build
	# directory is closed to it.
	if ! setpriv --reuid="$uid" --regid="$gid" --clear-groups test -x "$bin"; then
		cp "$bin" "$T/zeroserve"
		bin=$T/zeroserve
	fi
	as_user="setpriv --reuid=$uid --regid=$gid --clear-groups"
	me=nobody
	other=root
else
	as_user=
	me=$(id -un)
	other=root
fi
st=0
# shellcheck disable=SC2086 # as_user is a word list
timeout 3 $as_user "$bin" --no-bpf -l "127.0.0.1:$ZS_PORT" --user "$other" "/=127.0.0.1:1" \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
expect_eq "$st" 2 "--user $other as $me: exit status (stderr: $(cat "$T/err"))"
expect_eq "$(wc -l <"$T/err")" 1 "--user $other as $me: stderr lines"
grep -qF -- "--user $other: only root can switch users" "$T/err" ||
	fail "--user $other as $me: $(cat "$T/err")"

ZS_STARTS=$((ZS_STARTS + 1))
ZS_LOG="$T/zeroserve.$ZS_STARTS.log"
# shellcheck disable=SC2086 # as_user is a word list
$as_user "$bin" --no-bpf -l "127.0.0.1:$ZS_PORT" --user "$me" "/=127.0.0.1:1" >"$ZS_LOG" 2>&1 </dev/null &
ZS_PID=$!
_zs_track "$ZS_PID"
_zs_wait_port "$ZS_PORT" "$ZS_PID" 5 || fail "--user $me as $me did not start: $(cat "$ZS_LOG")"
exit 0
