#!/bin/sh
# SPDX-License-Identifier: MIT
# --metrics-textfile is replaced whole (node_exporter's textfile collector
# never reads half a file): while clients make requests for 2 s and it is
# rewritten every 50 ms (--metrics-interval 50ms), each of the reader's
# reads (at least 500, as fast as it can) is a complete, valid exposition
# (tests/promcheck.py; it ends with a newline and holds the last family)
# whose zeroserve_requests_total never goes back and grows; after SIGTERM
# the file holds the exact number of requests made, and no temporary file
# is left beside it. On both engines.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	# zeroserve writes the file as the user it serves as (nobody).
	D="$T/textfile.$engine"
	mkdir "$D"
	chmod 777 "$D"
	zs_start_on $engine --metrics-textfile "$D/zs.prom" --metrics-interval 50ms "/=127.0.0.1:$PA"
	[ -s "$D/zs.prom" ] || fail "$engine engine: no $D/zs.prom once zeroserve listens"
	zs_python - "$ZS_PORT" "$D/zs.prom" >"$T/made.$engine" <<'PY' || fail "$engine engine: reading the file during traffic"
import sys, threading, time
import promcheck
from rawhttp import Conn
port, path = int(sys.argv[1]), sys.argv[2]
LAST = b"# TYPE zeroserve_mcp_calls_total counter\n"
stop = threading.Event()
made = [0, 0]
errors = []


def client(k):
    try:
        c = Conn(port)
        while not stop.is_set():
            r = c.request("GET", "/bytes/%d" % (100 + k), host="localhost")
            assert r.status == 200 and len(r.body) == 100 + k, r
            made[k] += 1
        c.close()
    except Exception as e:
        errors.append("client %d: %r" % (k, e))


threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
reads, seen, values = 0, {}, []
start = time.monotonic()
try:
    while (time.monotonic() - start < 2 or reads < 500) and time.monotonic() - start < 30:
        with open(path, "rb") as f:
            data = f.read()
        reads += 1
        if data not in seen:
            what = "read %d (%d bytes)" % (reads, len(data))
            assert data.endswith(b"\n"), "%s: no newline at the end: %r" % (what, data[-200:])
            assert LAST in data, "%s: no zeroserve_mcp_calls_total: %r" % (what, data[-200:])
            try:
                samples = promcheck.parse_bytes(data, timestamps=False)
            except promcheck.FormatError as e:
                raise AssertionError("%s: %s" % (what, e))
            seen[data] = promcheck.select(samples, "zeroserve_requests_total")
        v = seen[data]
        assert not values or v >= values[-1], "read %d: requests_total %r after %r" % (reads, v, values[-1])
        if not values or v != values[-1]:
            values.append(v)
finally:
    stop.set()
    for t in threads:
        t.join()
assert not errors, errors
assert reads >= 500, "%d reads" % reads
# Rewritten every 50 ms for 2 s while requests were made.
assert len(values) >= 5, "requests_total took only the values %r in %d reads" % (values, reads)
print(sum(made))
print("%d reads, %d different files, requests_total %r" % (reads, len(seen), values[:3] + ["..."] + values[-3:]),
      file=sys.stderr)
PY
	made=$(head -n 1 "$T/made.$engine")
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
	[ "$(ls -A "$D")" = zs.prom ] || fail "$engine engine: beside the file after exit: $(ls -A "$D")"
	got=$($PYTHON "$ZS_TESTS/promcheck.py" --no-timestamps --get zeroserve_requests_total "$D/zs.prom") ||
		fail "$engine engine: the file after exit: $got"
	expect_eq "$got" "$made" "$engine engine: zeroserve_requests_total in the file after SIGTERM"
	echo "$engine engine: $made requests"
done
exit 0
