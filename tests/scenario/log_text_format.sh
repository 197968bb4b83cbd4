#!/bin/sh
# SPDX-License-Identifier: MIT
# The text access log's line, field by field, on both engines: one line per
# request, exactly
#   TIME CLIENT "METHOD PATH" STATUS BYTES DURATIONms route=ROUTE engine=ENGINE
#   backend=BACKEND request_bytes=N response_bytes=N [reason=..] [tag=".."]
#   [source=".."] [cgroup_id=N]
# (one line), with a client's bytes escaped: a quote as \", a backslash as
# \\, a control byte and every byte from 0x7f up (UTF-8 too) as \xNN. A
# control byte cannot reach a request line (400), so it comes through the
# source: the client runs in a cgroup named with a quote, a backslash, a
# control byte and a UTF-8 character. The kernel engine carries some of
# the requests (engine=kernel, as many as its requests counter) and writes
# the same line userspace writes: the lines of both runs are equal but for
# the time, the duration, the client's port, the engine, the backend's port
# and the cgroup's id, and each of those is what it should be.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	# The client needs a cgroup of its own on either engine.
	cg_setup
	[ $engine = kernel ] && kmsg_mark
	WEIRD=$(printf 'w"q\\b\001c\303\251')
	mkdir "$CG/$WEIRD" || fail "cannot create the cgroup $CG/$WEIRD"
	WEIRD_ID=$(stat -c %i "$CG/$WEIRD")
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --log-format text "/=127.0.0.1:$PA"
	t0=$(now_ns)
	ZS_CG="$CG/$WEIRD" zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: requests"
import json, sys
from obslib import CountingConn
c = CountingConn(int(sys.argv[1]))
port = c.sock.getsockname()[1]
reqs = [
    ("GET", "/echo/first", None),
    ("GET", '/echo/quote"d', None),
    ("GET", "/echo/back\\slash", None),
    ("GET", "/bytes/1000", None),
    ("GET", "/echo/utf8-\xc3\xa9", None),
    ("GET", '/echo/all-"-\\-\xc3\xa9-\xff', None),
    ("GET", "/status/404", None),
    ("POST", "/echo/post", b"p" * 10),
    ("HEAD", "/bytes/100", None),
    ("GET", "/bytes/2000?x=1", None),
]
for m, t, body in reqs:
    r, sent, got = c.exchange(m, t, host="localhost", body=body)
    want = 404 if t == "/status/404" else 200
    assert r.status == want, "%s %s: %r" % (m, t, r)
    print(json.dumps({"method": m, "path": t, "status": r.status, "sent": sent,
                      "got": got, "body": len(r.body), "port": port}))
c.close()
PY
	t1=$(now_ns)
	rmdir "$CG/$WEIRD" || fail "cannot remove $CG/$WEIRD"
	kreq=0
	if [ $engine = kernel ]; then
		zs_counters >/dev/null
		kreq=$(counter requests)
	fi
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" $engine "$kreq" "$PA" \
		"${CG#$(cg_mount)}/$WEIRD" "$WEIRD_ID" "$t0" "$t1" >"$T/norm.$engine" <<'PY' || fail "$engine engine: the log (above)"
import datetime, json, os, re, sys
log, sentf, engine, kreq, port, source, cgid, t0, t1 = sys.argv[1:]
source = os.fsencode(source).decode("latin-1")
sys.excepthook = lambda *a: (sys.__excepthook__(*a),
                             sys.stderr.write("--- %s:\n%s" % (log, open(log).read())))
lines = open(log, "rb").read().split(b"\n")
assert lines[-1] == b"", "the log does not end with a newline"
lines = [l.decode("ascii") for l in lines[:-1]]  # escaped: ASCII only
sent = [json.loads(l) for l in open(sentf)]
assert len(lines) == len(sent), "%d lines for %d requests" % (len(lines), len(sent))

def esc(s):
    out = []
    for b in s.encode("latin-1"):
        if b in (0x22, 0x5c):
            out.append("\\" + chr(b))
        elif b < 0x20 or b >= 0x7f:
            out.append("\\x%02x" % b)
        else:
            out.append(chr(b))
    return "".join(out)

assert esc(source).endswith('w\\"q\\\\b\\x01c\\xc3\\xa9'), esc(source)
route = "/=127.0.0.1:" + port
engines = {}
norm = []
for s in sent:
    fixed = '"%s %s" %d %d ' % (s["method"], esc(s["path"]), s["status"], s["body"])
    pat = ("^(?P<time>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z) 127\\.0\\.0\\.1:%d "
           % s["port"] + re.escape(fixed) + "(?P<dur>\\d+\\.\\d{3})ms " +
           re.escape("route=%s engine=" % route) + "(?P<engine>userspace|kernel)" +
           re.escape(' backend=127.0.0.1:%s request_bytes=%d response_bytes=%d source="%s" cgroup_id=%s'
                     % (port, s["sent"], s["got"], esc(source), cgid)) + "$")
    found = [l for l in lines if re.match(pat, l)]
    assert len(found) == 1, "%s %s: %d lines match %r" % (s["method"], s["path"], len(found), pat)
    m = re.match(pat, found[0])
    when = datetime.datetime.strptime(m["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    # The kernel's clock is turned into the wall clock: allow a little.
    assert int(t0) / 1e9 - 0.5 <= when <= int(t1) / 1e9 + 0.5, "time of %r" % found[0]
    assert 0 <= float(m["dur"]) < 5000, "duration of %r" % found[0]
    engines[m["engine"]] = engines.get(m["engine"], 0) + 1
    lines.remove(found[0])
    # What both engines must agree on: the line less time, duration, client
    # port, engine, backend port, the test's cgroup and its id.
    n = found[0][m.end("time"):].replace(":%d " % s["port"], ":PORT ", 1)
    n = n.replace(m["dur"] + "ms", "DURms", 1).replace("engine=" + m["engine"], "engine=E", 1)
    n = n.replace("127.0.0.1:" + port, "127.0.0.1:BACKEND").replace("cgroup_id=" + cgid, "cgroup_id=ID")
    # Each engine's run has a cgroup of its own (lib.sh, cg_setup).
    n = n.replace('source="/%s/' % esc(source).split("/")[1], 'source="/CG/', 1)
    norm.append(n)
if engine == "user":
    assert engines == {"userspace": len(sent)}, engines
else:
    assert engines.get("kernel", 0) == int(kreq) and int(kreq) >= 3, \
        "kernel lines %s, the kernel carried %s" % (engines, kreq)
print("\n".join(sorted(norm)))
PY
	_zs_cg_teardown
	CG= ZS_CG= _ZS_CG_MADE=
	[ $engine = kernel ] && kmsg_check
done
diff "$T/norm.user" "$T/norm.kernel" >&2 || fail "the engines' lines differ (above: userspace <, kernel >)"
exit 0
