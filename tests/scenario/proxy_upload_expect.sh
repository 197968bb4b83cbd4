#!/bin/sh
# SPDX-License-Identifier: MIT
# Expect: 100-continue: the client gets "100 Continue" before it sends the
# body (curl, and a raw client that waits for it), and the body arrives
# byte exact.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

head -c 5242880 /dev/urandom >"$T/5m"
sum=$(sha256sum <"$T/5m" | cut -d' ' -f1)
# curl waits up to 20 s for the 100 before sending anyway; the whole
# transfer has 8 s, so it only succeeds if a 100 Continue arrives.
code=$(ZS_CURL_TIMEOUT=8 zs_req /echo/expect --expect100-timeout 20 \
	-H 'Expect: 100-continue' --data-binary "@$T/5m") ||
	fail "upload with Expect: 100-continue failed (no 100 Continue within 8 s?)"
expect_eq "$code" 200 "status"
grep -q '^HTTP/1\.[01] 100' "$T/head" || fail "curl saw no 100 Continue: $(tr -d '\r' <"$T/head")"
expect_eq "$(json_get "$T/body" 'd["body_length"]')" 5242880 "length at the backend"
expect_eq "$(json_get "$T/body" 'd["body_sha256"]')" "$sum" "sha256 at the backend"

zs_python - "$ZS_PORT" <<'PY' || fail "raw Expect: 100-continue failed"
import hashlib, socket, sys
from rawhttp import Conn, build
c = Conn(int(sys.argv[1]))
body = bytes(range(256)) * 4096   # 1 MiB
for k in range(2):  # twice, on one connection
    c.send(build("POST", "/echo/raw%d" % k, "up.localhost",
                 [("Expect", "100-continue"), ("Content-Length", str(len(body)))]))
    c.sock.settimeout(3)
    try:
        r = c.read_head()
    except socket.timeout:
        sys.exit("request %d: no response to the headers within 3 s" % k)
    assert r.status == 100, "request %d: want 100 Continue before the body, got %r" % (k, r)
    c.sock.settimeout(10)
    c.send(body)
    r = c.read_response("POST")
    assert r.status == 200, r
    d = r.json()
    assert d["body_length"] == len(body), d
    assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), d
    assert d["path"] == "/echo/raw%d" % k, d
PY
exit 0
