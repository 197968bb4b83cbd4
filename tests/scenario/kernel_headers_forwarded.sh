#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, forwarding fields: a backend sees the same head whichever
# engine carried the request. On one keep-alive connection from 127.1.2.30
# the first request goes through userspace and the next 19 through the
# kernel (counters requests >= 15); every echoed field list equals the
# first, which has X-Forwarded-For 127.1.2.30, X-Forwarded-Proto http,
# X-Forwarded-Host and Forwarded with host="...". A Host holding '"' gets
# no host= in Forwarded on either path, and a client's own
# X-Forwarded-For is extended, not replaced; blanks after a Host value are
# not part of it. Then Hosts of 1 to 129 bytes,
# with and without a '"' in them, from clients whose addresses have octets
# of 1 to 3 digits: the same lists from both paths again.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
# Hosts no allow-list takes ('q"x', with a quote to escape): the Host check
# off, as --allow-host '*' turns it off, so the fields are what is tested.
zs_start_kernel --allow-host '*' "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" >"$T/carried" <<'PY' || fail "forwarding fields on both paths"
import sys
from rawhttp import Conn
port = int(sys.argv[1])

def run(host, n, extra=(), source="127.1.2.30"):
    c = Conn(port, source=source)
    lists = []
    for i in range(n):
        r = c.request("GET", "/echo/fw", host=host, headers=[("Accept", "*/*")] + list(extra))
        assert r.status == 200, "%s request %d: %r" % (host, i, r)
        lists.append([tuple(h) for h in r.json()["headers"]])
        assert not c.eof, "%s request %d: connection closed" % (host, i)
    c.close()
    for i, l in enumerate(lists):
        assert l == lists[0], "%s request %d saw\n%r\nrequest 0 saw\n%r" % (host, i, l, lists[0])
    return dict((k.lower(), v) for k, v in lists[0])

h = run("Fw.Localhost:8080", 20)
assert h["host"] == "Fw.Localhost:8080", h
assert h["x-forwarded-for"] == "127.1.2.30", h
assert h["x-forwarded-proto"] == "http", h
assert h["x-forwarded-host"] == "Fw.Localhost:8080", h
assert h["forwarded"] == 'for=127.1.2.30;host="Fw.Localhost:8080";proto=http', h

h = run('q"x.localhost', 10)
assert h["forwarded"] == "for=127.1.2.30;proto=http", h
assert h["x-forwarded-host"] == 'q"x.localhost', h

h = run("own.localhost", 5, [("X-Forwarded-For", "10.9.8.7")])
assert h["x-forwarded-for"] == "10.9.8.7, 127.1.2.30", h

# Blanks after the Host value are not part of it (RFC 9110 5.5).
for host in ("spaced.localhost  ", "tab.localhost\t", "port.localhost:80 "):
    h = run(host, 3)
    assert h["forwarded"] == 'for=127.1.2.30;host="%s";proto=http' % host.strip(), h

carried = 0
for ip in ("127.0.0.1", "127.10.100.255", "127.200.3.45"):
    for n in (1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 128, 129):
        for quote in (False, True):
            host = "".join("abcdefghij"[k % 10] for k in range(n))
            if quote:
                host = host[:n // 2] + '"' + host[n // 2 + 1:]
            h = run(host, 3, source=ip)
            assert h["x-forwarded-for"] == ip and h["x-forwarded-host"] == host, h
            want = "for=%s;proto=http" % ip if '"' in host else 'for=%s;host="%s";proto=http' % (ip, host)
            assert h["forwarded"] == want, h
            if n <= 128:
                carried += 2
print(carried)
PY

zs_counters
requests=$(counter requests)
want=$((28 + $(cat "$T/carried") * 4 / 5))
[ "$requests" -ge "$want" ] || fail "counters requests=$requests: the kernel carried fewer than $want of the $((34 + $(cat "$T/carried"))) requests it could"
kmsg_check
exit 0
