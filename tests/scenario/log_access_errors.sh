#!/bin/sh
# SPDX-License-Identifier: MIT
# Responses zeroserve makes itself are logged with their status and body
# size: 404 (no route), 502 (backend refused), 504 (upstream timeout).
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
dead=$(zs_port)
zs_start --access-log "$T/access.log" --log-format json --upstream-timeout 1 \
	"/dead=127.0.0.1:$dead" "/sleep=127.0.0.1:$BACKEND_PORT"

u=http://127.0.0.1:$ZS_PORT
: >"$T/curl.out"
for path in /nothing /dead/x /sleep/3000; do
	curl -s --max-time 6 -o /dev/null -w "%{http_code} %{size_download} $path\\n" \
		"$u$path" >>"$T/curl.out" || fail "GET $path: curl failed"
done
expect_eq "$(awk '{ printf "%s ", $1 }' "$T/curl.out")" "404 502 504 " "statuses"

i=0
while [ "$(wc -l <"$T/access.log")" -lt 3 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.2
expect_eq "$(wc -l <"$T/access.log")" 3 "access log lines for 3 requests"

$PYTHON - "$T/access.log" "$T/curl.out" "$dead" "$BACKEND_PORT" <<'PY' || fail "access log: $(cat "$T/access.log")"
import json, sys
lines = open(sys.argv[1], "rb").read().splitlines()
sent = [l.split() for l in open(sys.argv[2]).read().splitlines()]
dead, live = sys.argv[3], sys.argv[4]
for line, (status, size, path) in zip(lines, sent):
    def need(cond, what):
        if not cond:
            sys.exit("line %r: %s" % (line, what))
    try:
        d = json.loads(line)
    except ValueError as e:
        sys.exit("line %r is not JSON: %s" % (line, e))
    need(d.get("path") == path, "path %r, want %r" % (d.get("path"), path))
    need(d.get("status") == int(status), "status %r, the client got %s" % (d.get("status"), status))
    need(d.get("bytes") == int(size), "bytes %r, the client got %s body bytes" % (d.get("bytes"), size))
    ms = d.get("duration_ms")
    need(isinstance(ms, (int, float)), "duration_ms %r" % ms)
    route = d.get("route")
    if path == "/nothing":
        need(dead not in str(route) and live not in str(route), "route %r for an unrouted path" % route)
        need(ms < 500, "duration_ms %r for a 404" % ms)
    elif path == "/dead/x":
        need(("127.0.0.1:" + dead) in str(route), "route %r, want the dead backend" % route)
        need(ms < 1000, "duration_ms %r for a refused backend" % ms)
    else:
        need(("127.0.0.1:" + live) in str(route), "route %r, want the live backend" % route)
        need(900 <= ms <= 2500, "duration_ms %r for a 1 s upstream timeout" % ms)
PY
exit 0
