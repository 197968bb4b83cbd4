#!/bin/sh
# SPDX-License-Identifier: MIT
# A request the kernel carried whose answer it handed up (chunked: no
# length the kernel could bound) is still logged once, as the kernel's
# (engine "kernel"), when zeroserve has relayed the answer: status, body
# bytes (as sent, chunk framing and all, like nginx's $body_bytes_sent)
# and the whole answer's bytes as the client got them. On the user
# engine the same requests give the same lines but for the engine.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --log-format json "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: requests"
import json, sys
from obslib import CountingConn
c = CountingConn(int(sys.argv[1]))
for i in range(12):
    t = "/chunks?n=%d" % (2 + i % 3) if i % 2 else "/bytes/%d" % (200 + i)
    r, sent, got = c.exchange("GET", t)
    assert r.status == 200, "%s: %r" % (t, r)
    print(json.dumps({"path": t, "sent": sent, "got": got, "body": r.wire_body,
                      "chunked": r.framing == "chunked"}))
c.close()
PY
	kreq=0
	if [ $engine = kernel ]; then
		zs_counters >/dev/null
		kreq=$(counter requests)
		handed=$(counter response)
		[ "$handed" -ge 1 ] || fail "kernel engine: no response handed up: $(cat "$T/counters")"
	fi
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" $engine "$kreq" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
engine, kreq = sys.argv[3], int(sys.argv[4])
assert len(lines) == len(sent), "%s: %d lines for %d requests: %r" % (engine, len(lines), len(sent), lines)
assert sum(s["chunked"] for s in sent) == 6, "the backend's /chunks answers are not chunked"
for l, s in zip(lines, sent):
    what = "%s engine: %r for %r" % (engine, l, s)
    assert l["path"] == s["path"] and l["status"] == 200, what
    assert l["request_bytes"] == s["sent"] and l["response_bytes"] == s["got"], what
    assert l["bytes"] == s["body"], what
kernel = [l for l in lines if l["engine"] == "kernel"]
if engine == "kernel":
    assert len(kernel) == kreq, "%d kernel lines, the kernel carried %d" % (len(kernel), kreq)
    assert any(l["path"].startswith("/chunks") for l in kernel), \
        "no handed-up answer of a kernel request logged: %r" % lines
else:
    assert not kernel, "user engine: %r" % kernel
PY
done
exit 0
