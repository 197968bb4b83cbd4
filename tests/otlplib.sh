# SPDX-License-Identifier: MIT
# Helpers for the OTLP scenarios; source it after lib.sh:
#   . "$ZS_TESTS/otlplib.sh"
#
#   otlp_receiver_start NAME [ARGS]  start tests/otlp_receiver.py (ARGS:
#                        --fail N, --delay S) outside any test cgroup, so
#                        that the kernel engine never sees zeroserve's
#                        connection to it; sets OTLP_PORT, OTLP_PID and
#                        OTLP_OUT (one JSON line per record it took)
#   otlp_records         how many records the receiver has written
#   otlp_wait_records N [S]  wait (at most S s, default 15) until the
#                        receiver has N records; fails if not, or if it has
#                        more
#   metrics_fetch PORT   GET /metrics from zeroserve's --metrics PORT into
#                        $T/metrics, checked by promcheck.py
#   metric PORT SELECTOR fetch, then print the sum of SELECTOR's samples
#   metric_wait PORT SELECTOR VALUE [S]  wait (at most S s, default 10)
#                        until SELECTOR's value is VALUE; fails if not
#   zs_otlp_warnings     the warnings in zeroserve's own log ($ZS_LOG) that
#                        OTLP records were dropped ("otlp: ... dropped")

otlp_receiver_start() {
	_name=${1:?otlp_receiver_start NAME [ARGS]}
	shift
	OTLP_OUT="$T/otlp-$_name.records"
	rm -f "$T/otlp-$_name.port"
	$PYTHON "$ZS_TESTS/otlp_receiver.py" "$T/otlp-$_name.port" "$OTLP_OUT" "$@" \
		>"$T/otlp-$_name.out" 2>"$T/otlp-$_name.err" </dev/null &
	OTLP_PID=$!
	_zs_track "$OTLP_PID"
	_i=0
	while [ ! -s "$T/otlp-$_name.port" ]; do
		kill -0 "$OTLP_PID" 2>/dev/null ||
			fail "otlp_receiver.py exited: $(cat "$T/otlp-$_name.err")"
		_i=$((_i + 1))
		[ $_i -lt 200 ] || fail "otlp_receiver.py did not start within 10 s"
		sleep 0.05
	done
	OTLP_PORT=$(cat "$T/otlp-$_name.port")
}

otlp_records() {
	wc -l <"$OTLP_OUT"
}

otlp_wait_records() {
	_want=$1
	_steps=$((${2:-15} * 20))
	_i=0
	while [ "$(otlp_records)" -lt "$_want" ]; do
		_i=$((_i + 1))
		[ $_i -lt $_steps ] ||
			fail "the receiver has $(otlp_records) records after ${2:-15} s, want $_want; its stderr: $(head -c 600 "${OTLP_OUT%.records}.err")"
		sleep 0.05
	done
	[ "$(otlp_records)" -eq "$_want" ] ||
		fail "the receiver has $(otlp_records) records, want $_want"
}

metrics_fetch() {
	curl -sS --noproxy '*' --max-time 5 -o "$T/metrics" "http://127.0.0.1:$1/metrics" ||
		fail "GET /metrics from 127.0.0.1:$1 failed"
	$PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
		fail "/metrics is not valid Prometheus text: $(cat "$T/promcheck.out")"
}

metric() {
	metrics_fetch "$1"
	$PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" --get "$2" ||
		fail "promcheck.py --get '$2' failed"
}

metric_wait() {
	_steps=$((${4:-10} * 20))
	_i=0
	while [ "$(metric "$1" "$2")" != "$3" ]; do
		_i=$((_i + 1))
		[ $_i -lt $_steps ] ||
			fail "$2 is $(metric "$1" "$2") after ${4:-10} s, want $3"
		sleep 0.05
	done
}

zs_otlp_warnings() {
	grep -E 'otlp: .*dropp(ed|ing)' "$ZS_LOG" || :
}
