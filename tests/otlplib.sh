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
#   otlp_exit_after_20 ENGINE WATCH_MS [RECEIVER ARGS]  on ENGINE, zeroserve
#                        with --otlp-endpoint and a textfile in $D written
#                        only at exit; 20 requests, then SIGTERM: ms is how
#                        long it took to exit (exit_ms, watched WATCH_MS)
#   (metric and metric_wait, for /metrics, are lib.sh's)
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

otlp_exit_after_20() {
	_engine=$1
	_watch=$2
	shift 2
	engine_setup "$_engine"
	PA=$(backend_start a)
	otlp_receiver_start "$_engine" "$@"
	# The serving user (nobody) writes the textfile.
	D="$T/prom.$_engine"
	mkdir "$D" && chmod 777 "$D" || fail "cannot make $D"
	zs_start_on "$_engine" --metrics-textfile "$D/zs.prom" --metrics-interval 3600s \
		--otlp-endpoint "http://127.0.0.1:$OTLP_PORT" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" <<'PY' || fail "$_engine engine: requests"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(20):
    r = c.request("GET", "/bytes/%d" % i)
    assert r.status == 200, r
c.close()
PY
	watch_exit "$ZS_PID" "$_watch"
	_sent=$(now_ns)
	kill -TERM "$ZS_PID"
	ms=$(exit_ms "$_sent")
}

zs_otlp_warnings() {
	grep -E 'otlp: .*dropp(ed|ing)' "$ZS_LOG" || :
}
