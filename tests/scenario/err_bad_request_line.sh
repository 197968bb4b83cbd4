#!/bin/sh
# SPDX-License-Identifier: MIT
# A malformed request line gets 400 and the connection closes; nothing is forwarded.
. "$ZS_TESTS/lib.sh"

# A recording backend: every byte zeroserve forwards lands in $T/recorded.
: >"$T/recorded"
$PYTHON "$ZS_TESTS/rawclient.py" record 0 "$T/recorded" >"$T/recorder.out" 2>&1 &
_zs_track $!
i=0
while ! grep -q '^ready [0-9]' "$T/recorder.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "recording backend did not start: $(cat "$T/recorder.out")"
	sleep 0.05
done
REC_PORT=$(sed -n 's/^ready //p' "$T/recorder.out")
zs_start "/=127.0.0.1:$REC_PORT"

# expect_refused STATUSES DATA WHAT: sending DATA on a new connection gets
# exactly the responses STATUSES ("400"), from zeroserve, then the connection
# closes within 2 s.
expect_refused() {
	eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 "send:$2")"
	[ "${rc_connected:-0}" = 1 ] || fail "$3: cannot connect (${rc_send_error:-rawclient failed})"
	expect_eq "$rc_statuses" "$1" "$3: statuses of the responses"
	[ -z "$rc_xbackend" ] || fail "$3: answered by the backend ($rc_xbackend)"
	[ "$rc_eof" = 1 ] || fail "$3: connection still open 4 s later"
	[ "$rc_eof_ms" -le 2000 ] || fail "$3: connection closed after $rc_eof_ms ms, want <= 2000"
}

# still_serves N: a normal request on a new connection reaches the backend.
still_serves() {
	code=$(curl -s -o "$T/ok" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/after-$1")
	expect_eq "$code" 200 "GET /after-$1 (a normal request after bad input)"
	expect_eq "$(cat "$T/ok")" recorded "GET /after-$1 body"
	grep -q "^GET /after-$1 HTTP/1.1" "$T/recorded" || fail "GET /after-$1 never reached the backend"
}

# nothing_forwarded: the backend saw the normal requests and nothing else.
nothing_forwarded() {
	extra=$(tr -d '\r' <"$T/recorded" | grep -aE '^[!-~]+ [^ ]+ HTTP/' | grep -av '^GET /after-[0-9]* HTTP/1.1$' || :)
	[ -z "$extra" ] || fail "the backend received requests zeroserve should have refused: $extra"
	! grep -aq 418 "$T/recorded" || fail "the smuggled request reached the backend: $(head -c 600 "$T/recorded")"
}

n=0
for req in 'GET / HTTP/1.1 garbage\r\nHost: x\r\n\r\n' \
	'\x01\x02\r\n\r\n' \
	'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n' \
	'GET / HTTP/1.1 garbage\r\nHost: x\r\n\r\nGET /status/418 HTTP/1.1\r\nHost: x\r\n\r\n'; do
	n=$((n + 1))
	expect_refused 400 "$req" "request $n ($req)"
	still_serves $n
done
nothing_forwarded
exit 0
