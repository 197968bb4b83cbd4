#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, HTTP/1.0 first requests without keep-alive (ab without
# -k, old scripts and probes) while the pool is warm: 100 such connections,
# each followed by a plain HTTP/1.1 one-request connection, all get their
# own answer (/echo paths, byte-exact /bytes) and the HTTP/1.0 ones then
# see the connection closed by zeroserve within 2 s, on either engine. On
# the kernel engine (which hands HTTP/1.0 heads to userspace) the pool
# still works: the kernel carried at least 90 of the 100 HTTP/1.1 ones on
# pooled connections (counters pool_taken).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine "/=127.0.0.1:$PA"
	zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 2 --tag warm \
		--host old.localhost --backend a >/dev/null || fail "$engine engine: warm-up connections"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python - "$ZS_PORT" $engine <<'PY' || fail "$engine engine: HTTP/1.0 and HTTP/1.1 one-request connections"
import sys
from oneshot import one, target_for
port, engine = int(sys.argv[1]), sys.argv[2]
for i in range(100):
    one(port, target_for(engine + "10", i), host="old.localhost", style="http10", backend="a")
    one(port, target_for(engine + "11", i), host="old.localhost", backend="a")
PY
	if [ $engine = kernel ]; then
		zs_counters
		taken=$(counter_rise pool_taken "$before")
		[ "$taken" -ge 90 ] || fail "the kernel carried $taken of the 100 HTTP/1.1 first requests between HTTP/1.0 ones on pooled connections (pool_taken), want >= 90"
		kmsg_check
	fi
	zs_stop_all
done
exit 0
