#!/bin/sh
# SPDX-License-Identifier: MIT
# The answer to a request that says "Connection: close" ends the
# connection from the server's side at once, on either engine (RFC 9112
# section 9.6): 30 one-request connections each get their answer whole
# (nginx backend: head and body written apart) and then EOF; a client that
# reads to EOF waits no timer. On the kernel engine the answer's last byte
# comes with zeroserve's FIN in one segment (counter close_tails), so a
# client that closes the moment it has read the answer (as wrk does) is
# the passive closer: the TIME_WAIT is zeroserve's, never the client's
# (userspace's FIN follows its answer in a segment of its own, and such a
# client may close first).
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/www"
head -c 1024 /dev/urandom >"$T/www/1k.bin"
for engine in user kernel; do
	engine_setup $engine
	PN=$(nginx_start "$T/www")
	zs_start_on $engine "/=127.0.0.1:$PN"
	[ $engine = kernel ] && before=$(zs_counters)
	zs_python - "$ZS_PORT" "$T/www/1k.bin" $engine "$T/client_first" <<'PY' || fail "$engine engine: server-first close"
import socket, sys
from rawhttp import Conn
port, path, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = open(path, "rb").read()

def tcp_states(local, remote):
    """TCP states of the sockets local port -> remote port (/proc/net/tcp):
    this connection's, not an older one's that had the same client port."""
    out = []
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if f[1].endswith(":%04X" % local) and f[2].endswith(":%04X" % remote):
            out.append(f[3])
    return out

client_tw = 0
for i in range(30):
    c = Conn(port)
    r = c.request("GET", "/1k.bin", host="nginx.localhost", headers=[("Connection", "close")])
    where = "%s engine, connection %d" % (engine, i)
    assert r.status == 200 and r.body == body, "%s: %r" % (where, r)
    assert r.header_all("Connection") == ["close"], "%s: %r" % (where, r.header_all("Connection"))
    if i % 2 == 0:
        # Reads to EOF: it comes with the answer, not after a pause.
        assert c.peer_closed(wait=1.0), "%s: no EOF after the answer" % where
    me = c.sock.getsockname()[1]
    c.close()
    # FIN_WAIT1, FIN_WAIT2, TIME_WAIT or CLOSING on the client's own port:
    # it closed first (a passive closer is in LAST_ACK, or gone).
    if set(tcp_states(me, port)) & {"04", "05", "06", "0B"}:
        client_tw += 1
print("%s engine: %d of 30 clients closed first" % (engine, client_tw))
open(sys.argv[4], "w").write("%d\n" % client_tw)
PY
	if [ $engine = kernel ]; then
		zs_counters
		tails=$(counter_rise close_tails "$before")
		[ "$tails" -ge 20 ] || fail "close_tails rose by $tails for 30 close requests, want >= 20"
		# Those the kernel answered (a first request may go up: an empty
		# pool, a Host the guard has not seen) cannot have closed first.
		first=$(cat "$T/client_first")
		[ "$first" -le $((30 - tails)) ] ||
			fail "$first of 30 clients closed first, but the kernel ended $tails answers with the FIN"
		kmsg_check
	fi
	zs_stop_all
done
exit 0
