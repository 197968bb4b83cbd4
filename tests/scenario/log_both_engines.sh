#!/bin/sh
# SPDX-License-Identifier: MIT
# The JSON access log on both engines: every request has one line, whichever
# engine carried it, with every documented field; on the kernel engine the
# kernel carried most of them and logged them (engine "kernel": as many
# lines as its requests counter), and each line's numbers are what the
# client sent and got, in the order it sent them though the engines take
# turns (a chunked POST goes to userspace between kernel requests):
# request_bytes the request's bytes, bytes the body,
# response_bytes the whole answer, the status, the path (a 200-byte path
# is kept whole by userspace and cut at 128 by the kernel, which says so).
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --log-format json "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: requests"
import json, sys
from obslib import CountingConn
c = CountingConn(int(sys.argv[1]))
long_path = "/bytes/10?" + "x" * 190
for i in range(60):
    headers = ()
    if i % 10 == 9:
        m, t, body = "POST", "/echo/post%d" % i, b"p" * (100 + i)
    elif i % 10 == 4:
        # Chunked: the kernel hands it to userspace, between its own.
        m, t, body = "POST", "/echo/chunked%d" % i, b"5\r\nhello\r\n0\r\n\r\n"
        headers = (("Transfer-Encoding", "chunked"),)
    elif i % 10 == 8:
        m, t, body = "HEAD", "/bytes/%d" % (500 + i), None
    elif i == 7:
        m, t, body = "GET", long_path, None
    else:
        m, t, body = "GET", "/bytes/%d" % (1000 + i), None
    r, sent, got = c.exchange(m, t, host="localhost", headers=headers, body=body)
    assert r.status == 200, "%s %s: %r" % (m, t, r)
    print(json.dumps({"method": m, "path": t, "sent": sent, "got": got,
                      "body": r.wire_body}))
c.close()
PY
	kreq=0
	if [ $engine = kernel ]; then
		zs_counters >/dev/null
		kreq=$(counter requests)
	fi
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" $engine "$kreq" "$PA" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
engine, kreq, port = sys.argv[3], int(sys.argv[4]), sys.argv[5]
assert len(lines) == len(sent), "%s: %d lines for %d requests" % (engine, len(lines), len(sent))
kernel = [l for l in lines if l["engine"] == "kernel"]
if engine == "user":
    assert not kernel, "user engine: a kernel line %r" % kernel[0]
else:
    assert len(kernel) == kreq, "kernel engine: %d kernel lines, the kernel carried %d" % (len(kernel), kreq)
    assert kreq >= 40, "kernel engine: the kernel carried %d of 60" % kreq
    chunked = [l for l in lines if "/chunked" in l["path"]]
    assert len(chunked) == 6 and all(l["engine"] == "userspace" for l in chunked), chunked
# One connection, one request at a time: the lines come in order, though
# the engines alternate (the chunked POSTs are userspace's).
for l, s in zip(lines, sent):
    what = "%s engine, %s line %r" % (engine, l["engine"], l)
    assert l["method"] == s["method"], what
    assert l["status"] == 200, what
    assert l["route"] == "/=127.0.0.1:%s" % port and l["backend"] == "127.0.0.1:%s" % port, what
    assert l["client"].startswith("127.0.0.1:"), what
    assert l["request_bytes"] == s["sent"], "%s: request_bytes, sent %d" % (what, s["sent"])
    assert l["bytes"] == s["body"], "%s: bytes, body %d" % (what, s["body"])
    assert l["response_bytes"] == s["got"], "%s: response_bytes, got %d" % (what, s["got"])
    if len(s["path"]) > 128 and l["engine"] == "kernel":
        assert l["path"] == s["path"][:128] and l.get("path_truncated") is True, what
    else:
        assert l["path"] == s["path"] and "path_truncated" not in l, what
PY
done
exit 0
