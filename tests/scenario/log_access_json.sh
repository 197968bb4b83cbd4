#!/bin/sh
# SPDX-License-Identifier: MIT
# --log-format json: every access log line is a JSON object with time, client,
# method, path, status, bytes, duration_ms, route and engine, even for paths
# with quotes, backslashes and non-ASCII bytes.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --access-log "$T/access.log" --log-format json "/=127.0.0.1:$BACKEND_PORT"

u=http://127.0.0.1:$ZS_PORT
curl -s --max-time 8 -w '%{num_connects} %{http_code} %{size_download}\n' \
	-o /dev/null "$u/echo" -o /dev/null "$u/bytes/3000" \
	-o /dev/null "$u/status/201" -o /dev/null "$u/sleep/300" >"$T/curl.out" ||
	fail "curl failed: $(cat "$T/curl.out")"
expect_eq "$(awk '{ n += $1 } END { print n }' "$T/curl.out")" 1 "TCP connections curl opened"
expect_eq "$(awk '{ printf "%s ", $2 }' "$T/curl.out")" "200 200 201 200 " "statuses"

wait_lines() {
	i=0
	while [ "$(wc -l <"$T/access.log")" -lt "$1" ] && [ $i -lt 60 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	expect_eq "$(wc -l <"$T/access.log")" "$1" "access log lines after $2"
}
wait_lines 4 "4 requests"

$PYTHON - "$T/access.log" "$T/curl.out" "$BACKEND_PORT" "$ZS_ENGINE_ARGS" <<'PY' || fail "access log: $(cat "$T/access.log")"
import datetime, json, sys, time
lines = open(sys.argv[1], "rb").read().splitlines()
sizes = [int(l.split()[2]) for l in open(sys.argv[2]).read().splitlines()]
port, engine_args = sys.argv[3], sys.argv[4]
want = [("/echo", 200), ("/bytes/3000", 200), ("/status/201", 201), ("/sleep/300", 200)]
keys = {"time", "client", "method", "path", "status", "bytes", "duration_ms", "route", "engine"}
clients = set()
for line, (path, status), size in zip(lines, want, sizes):
    def need(cond, what):
        if not cond:
            sys.exit("line %r: %s" % (line, what))
    try:
        d = json.loads(line)
    except ValueError as e:
        sys.exit("line %r is not JSON: %s" % (line, e))
    need(isinstance(d, dict), "not an object")
    need(keys <= set(d), "missing keys %s" % sorted(keys - set(d)))
    t = d["time"]
    need(isinstance(t, str), "time is not a string")
    try:
        ts = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        sys.exit("line %r: time %r is not ISO 8601" % (line, t))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=datetime.timezone.utc)
    need(abs(ts.timestamp() - time.time()) < 120, "time %r is not now" % t)
    need(isinstance(d["client"], str) and d["client"].startswith("127.0.0.1"), "client %r" % d["client"])
    clients.add(d["client"])
    need(d["method"] == "GET", "method %r" % d["method"])
    need(d["path"] == path, "path %r, want %r" % (d["path"], path))
    need(d["status"] == status, "status %r, want %d" % (d["status"], status))
    need(d["bytes"] == size, "bytes %r, curl received %d body bytes" % (d["bytes"], size))
    ms = d["duration_ms"]
    need(isinstance(ms, (int, float)) and 0 <= ms < 5000, "duration_ms %r" % ms)
    if path == "/sleep/300":
        need(ms >= 290, "duration_ms %r for /sleep/300" % ms)
    need(isinstance(d["route"], str) and ("127.0.0.1:" + port) in d["route"], "route %r" % d["route"])
    need(d["engine"] in ("userspace", "kernel"), "engine %r" % d["engine"])
    if "--no-bpf" in engine_args.split():
        need(d["engine"] == "userspace", "engine %r under --no-bpf" % d["engine"])
if len(clients) != 1:
    sys.exit("one keep-alive connection logged as clients %s" % sorted(clients))
PY

# Paths that need escaping: quote, backslash, a raw non-ASCII byte, percent
# escapes. Whatever zeroserve answers, every line it logs must stay JSON, and
# a request that reached the backend is logged with its path.
: >"$T/odd"
for path in '/echo/a\x22b' '/echo/back\x5cslash' '/echo/caf\xe9' '/echo/%22%5c%0a'; do
	eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 3 \
		"send:GET $path HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")"
	[ -n "$rc_statuses" ] || fail "GET $path: no response"
	printf '%s %s %s\n' "$rc_statuses" "${rc_xbackend:--}" "$path" >>"$T/odd"
done
sleep 0.3
$PYTHON - "$T/access.log" "$T/odd" <<'PY' || fail "access log: $(cat -v "$T/access.log")"
import json, sys
lines = open(sys.argv[1], "rb").read().splitlines()[4:]
for line in lines:
    try:
        d = json.loads(line)
    except ValueError as e:
        sys.exit("line %r is not valid JSON: %s" % (line, e))
    if not isinstance(d, dict) or not isinstance(d.get("path"), str):
        sys.exit("line %r: no path" % line)
paths = [json.loads(l)["path"] for l in lines]
for odd in open(sys.argv[2]).read().splitlines():
    status, xbackend, path = odd.split(" ", 2)
    path = path.encode("latin-1").decode("unicode_escape")
    if xbackend == "b1" and all(ord(c) < 128 for c in path) and path not in paths:
        sys.exit("GET %r was answered by the backend but not logged with its path (paths %r)"
                 % (path, paths))
PY
exit 0
