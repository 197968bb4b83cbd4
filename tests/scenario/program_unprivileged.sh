#!/bin/sh
# SPDX-License-Identifier: MIT
# --program without BPF privileges is a start error, never ignored: as an
# unprivileged user (nobody, no capabilities), on either engine's command
# line, zeroserve prints one line naming the file and what it needs, and
# exits 2 without listening.
. "$ZS_TESTS/lib.sh"

program_need header_canary
command -v setpriv >/dev/null || fail "no setpriv (util-linux)"
cp "$PROG" "$T/p.bpf.o" && chmod 644 "$T/p.bpf.o" && chmod 755 "$T" || fail "cannot copy $PROG"
port=$(zs_port)
for args in "" "--no-bpf"; do
	st=0
	# shellcheck disable=SC2086 # args is empty or one word
	timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$ZS_BIN" $args -l "127.0.0.1:$port" --program "$T/p.bpf.o" \
		canary@=127.0.0.1:1 /=127.0.0.1:2 >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 2 ] || fail "as nobody ($args): exit status $st, want 2: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "as nobody ($args): stderr is not one line: $(cat "$T/err")"
	grep -q "^zeroserve: --program $T/p.bpf.o: a routing program needs CAP_BPF" "$T/err" ||
		fail "as nobody ($args): $(cat "$T/err")"
done
exit 0
