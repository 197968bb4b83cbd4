#!/bin/sh
# SPDX-License-Identifier: MIT
# A request head over 64 KiB gets 431 and the connection closes; nothing is forwarded.
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

# One 70000-byte header, sent in one go.
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' big:70000 'send:\r\n\r\n')"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect"
expect_eq "$rc_statuses" 431 "70000-byte header: statuses of the responses"
[ "$rc_eof" = 1 ] || fail "70000-byte header: connection still open 4 s later"
[ "$rc_eof_ms" -le 2000 ] || fail "70000-byte header: connection closed after $rc_eof_ms ms"
still_serves 1

# 100 headers adding up to more than 64 KiB, after the request line came
# alone (the limit counts the whole head, across reads).
eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 \
	'send:GET / HTTP/1.1\r\nHost: x\r\n' \
	sleep:0.05 'send:'"$(i=0; while [ $i -lt 100 ]; do printf 'X-F%d: %0700d\\r\\n' $i 0; i=$((i + 1)); done)" \
	'send:\r\n')"
[ "${rc_connected:-0}" = 1 ] || fail "cannot connect"
expect_eq "$rc_statuses" 431 "head of 100 headers over 64 KiB: statuses of the responses"
[ "$rc_eof" = 1 ] || fail "head of 100 headers over 64 KiB: connection still open 4 s later"
[ "$rc_eof_ms" -le 2000 ] || fail "head of 100 headers: connection closed after $rc_eof_ms ms"
still_serves 2

# A head just under the limit is fine.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Big: $(printf '%060000d' 0)" \
	"http://127.0.0.1:$ZS_PORT/after-3")
expect_eq "$code" 200 "GET with a 60000-byte header"
nothing_forwarded
exit 0
