#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the response head scanner and the held head: 240 answers
# (fixed seed) from a scripted backend, on one keep-alive connection, reach
# the client exactly as written: header names of 1 to 60 bytes, some one
# byte off Content-Length or Transfer-Encoding, Content-Length with blanks
# around its digits or in lower case, no reason phrase, bodies of 0 to
# 300000 bytes, written with the head, after it (the kernel holds such a
# head until its body is there), in pieces, or with the head itself split
# across writes; chunked answers and split heads are userspace's.
# Counters: the kernel carried at least 4 in 5 of the answers it can frame,
# and handed up at least every chunked one.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark

cat >"$T/plan.py" <<'PY'
import json, random, sys
rnd = random.Random(20261129)
tchar = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~"
vchar = tchar + " :;,/=\"()[]{}?@"
near = ["Content-Lengt", "Content-Lengthx", "Transfer-Encodinx", "Transfer-Encodin",
        "ContentLength", "X-Content-Length", "C"]
skip = {"content-length", "transfer-encoding", "connection", "keep-alive", "te",
        "trailer", "upgrade", "proxy-connection", "proxy-authenticate"}
plan = []
for i in range(240):
    hdrs = []
    for j in range(rnd.randint(0, 7)):
        if rnd.random() < 0.25:
            name = rnd.choice(near)
        else:
            name = "".join(rnd.choice(tchar) for _ in range(rnd.randint(1, 60)))
        if name.lower() in skip:
            continue
        value = "".join(rnd.choice(vchar) for _ in range(rnd.randint(1, 50))).strip()
        hdrs.append("%s: %s" % (name, value or "v"))
    size = rnd.choice([0, 1, 7, 100, 1000, 4096, 65536, 70000, 300000, rnd.randint(0, 20000)])
    chunked = rnd.random() < 0.1
    head_req = not chunked and rnd.random() < 0.1
    if chunked:
        frame = "Transfer-Encoding: chunked"
    else:
        frame = rnd.choice(["Content-Length: %d", "content-length: %d", "Content-Length:   %d  ",
                            "CONTENT-LENGTH:\t%d"]) % size
    hdrs.insert(rnd.randint(0, len(hdrs)), frame)
    reason = rnd.choice([" OK", " Fine Thanks", " ", ""])
    head = "HTTP/1.1 200%s\r\n%s\r\n\r\n" % (reason, "\r\n".join(hdrs))
    split = rnd.choice(["with", "after", "pieces", "after", "head"])
    plan.append({"head": head, "size": size, "chunked": chunked, "head_req": head_req,
                 "split": split})
json.dump(plan, open(sys.argv[1], "w"))
PY
$PYTHON "$T/plan.py" "$T/plan.json" || fail "writing the plan"

cat >"$T/scripted.py" <<'PY'
import json, socket, sys
from rawhttp import pattern_bytes
plan = json.load(open(sys.argv[2]))
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(8)
print("ready", flush=True)
while True:
    s, _ = ls.accept()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        if b"\r\n\r\n" not in buf:
            break
        head, buf = buf.split(b"\r\n\r\n", 1)
        method, target = head.split(b" ")[:2]
        p = plan[int(target.rsplit(b"/", 1)[1])]
        body = pattern_bytes(p["size"])
        if p["chunked"]:
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        if method == b"HEAD":
            body = b""
        h = p["head"].encode("latin-1")
        # Each send() is one sendmsg: one message for the sk_msg program.
        if p["split"] == "with":
            parts = [h + body]
        elif p["split"] == "after":
            parts = [h, body]
        elif p["split"] == "pieces":
            parts = [h] + [body[k:k + 20000] for k in range(0, len(body), 20000)]
        else:
            parts = [h[:len(h) // 2], h[len(h) // 2:], body]
        for part in parts:
            if part:
                s.sendall(part)
    s.close()
PY

BP=$(zs_port)
_zs_bg_exec env PYTHONPATH="$ZS_TESTS" $PYTHON -u "$T/scripted.py" "$BP" "$T/plan.json" \
	>"$T/scripted.out" 2>"$T/scripted.err" &
_zs_track $!
i=0
until grep -qx ready "$T/scripted.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "scripted backend did not start: $(cat "$T/scripted.err")"
	sleep 0.05
done
zs_start_kernel "/=127.0.0.1:$BP"

zs_python - "$ZS_PORT" "$T/plan.json" >"$T/expect" <<'PY' || fail "answers of every shape"
import json, sys
from rawhttp import Conn, pattern_bytes
plan = json.load(open(sys.argv[2]))
c = Conn(int(sys.argv[1]), timeout=10)
kernel = chunked = 0
for i, p in enumerate(plan):
    method = "HEAD" if p["head_req"] else "GET"
    r = c.request(method, "/shape/%d" % i, host="shapes.localhost")
    want_head = p["head"].split("\r\n")
    assert r.status == 200, "answer %d: %r" % (i, r)
    want = [tuple(l.split(":", 1)) for l in want_head[1:-2]]
    got = [(k, v) for k, v in r.headers]
    want = [(k, v.strip(" \t")) for k, v in want]
    assert got == want, "answer %d: headers\n%r\nwant\n%r" % (i, got, want)
    body = b"" if p["head_req"] else pattern_bytes(p["size"])
    assert r.body == body, "answer %d: %d body bytes, want %d" % (i, len(r.body), len(body))
    assert not c.eof, "answer %d: connection closed" % i
    if p["chunked"]:
        chunked += 1
    elif p["split"] != "head":
        kernel += 1
c.close()
print(kernel, chunked)
PY
read -r framed chunked <"$T/expect"

zs_counters
responses=$(counter responses)
handed=$(counter response)
[ $((responses * 5)) -ge $((framed * 4)) ] ||
	fail "counters responses=$responses: the kernel carried fewer than 4 in 5 of $framed answers it can frame"
[ "$handed" -ge "$chunked" ] ||
	fail "counters response=$handed: fewer answers handed up than the $chunked chunked ones"
kmsg_check
exit 0
