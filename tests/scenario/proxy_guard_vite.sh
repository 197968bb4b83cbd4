#!/bin/sh
# SPDX-License-Identifier: MIT
# A Vite-style dev server (tests/vitelike.py: 403 to a Host outside
# localhost, *.localhost and IP literals, like Vite >= 5.4.12; an HMR
# WebSocket that checks Origin) works behind zeroserve with the default
# settings, reached as app.localhost:PORT (a host route) and as
# localhost:PORT (/=:PORT): the page, its script, and the HMR WebSocket
# opened with the page's own Origin, which exchanges a frame. A rebinding
# request for it gets zeroserve's 403 and never reaches the dev server.
. "$ZS_TESTS/lib.sh"

VP=$(zs_port)
_zs_bg_exec "$PYTHON" -u "$ZS_TESTS/vitelike.py" --port "$VP" --record "$T/vite.requests" \
	>"$T/vite.out" 2>"$T/vite.err" </dev/null &
_zs_track $!
i=0
while ! grep -qx ready "$T/vite.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "vitelike.py did not start: $(cat "$T/vite.err")"
	sleep 0.05
done
zs_start "app.localhost=127.0.0.1:$VP" "/=:$VP"

zs_python - "$ZS_PORT" "$T/vite.requests" <<'PY' || fail "the Vite-style dev server behind zeroserve"
import json, sys
import guard
import wsclient
from rawhttp import Conn, build
port, rec = int(sys.argv[1]), sys.argv[2]
browser = [("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) zeroserve-test"),
           ("Accept-Language", "en"), ("Sec-Fetch-Site", "same-origin")]
for host in ("app.localhost:%d" % port, "localhost:%d" % port):
    page = "http://" + host
    c = Conn(port)
    r = c.request("GET", "/", host=host, headers=browser + [
        ("Accept", "text/html"), ("Sec-Fetch-Mode", "navigate")])
    assert r.status == 200 and b"vitelike-index" in r.body, "page via %s: %r" % (host, r)
    r = c.request("GET", "/@vite/client", host=host, headers=browser + [
        ("Accept", "*/*"), ("Origin", page), ("Referer", page + "/")])
    assert r.status == 200 and b"/__hmr" in r.body, "script via %s: %r" % (host, r)
    c.close()

    c = Conn(port)
    r = wsclient.handshake(c, "/__hmr", host, page, extra=browser + [
        ("Sec-WebSocket-Protocol", "vite-hmr")])
    assert wsclient.accepted(r, c.ws_key), "HMR WebSocket via %s: %r" % (host, r)
    assert r.header("Sec-WebSocket-Protocol") == "vite-hmr", r
    op, fin, payload = wsclient.recv(c)
    assert (op, fin) == (1, True) and json.loads(payload) == {"type": "connected"}, payload
    msg = json.dumps({"type": "custom", "event": "ping", "via": host}).encode()
    wsclient.send(c, 1, msg)
    assert wsclient.recv(c) == (1, True, msg), "no echo via %s" % host
    wsclient.close(c)
    c.close()
    print("page, script and HMR WebSocket via", host)

# What the defaults keep out: a rebinding page's request, and its WebSocket.
guard.refused(port, build("GET", "/?rebind=1", "attacker.example:%d" % port, browser),
              "Host", "attacker.example", "page via attacker.example")
c = Conn(port)
r = wsclient.handshake(c, "/__hmr?rebind=2", "localhost:%d" % port,
                       "http://attacker.example:%d" % port)
guard.check_refusal(r, "Origin", "http://attacker.example:%d" % port, "HMR from attacker.example")
assert c.peer_closed(3)
c.close()
guard.never_reached(rec, "rebind=")
hosts = {guard.header(d, "Host")[0] for d in guard.records(rec)}
assert hosts == {"app.localhost:%d" % port, "localhost:%d" % port}, hosts
PY
exit 0
