#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket HTTP client for the error scenarios.

    rawclient.py PORT [--timeout S] ACTION...

Connects to 127.0.0.1:PORT, runs the actions in order while a reader thread
collects everything the server sends, then waits (at most --timeout seconds
from the start, default 5) for the server to close the connection. Prints
shell assignments for `eval`:

    rc_connected   1, or 0 when the connection was refused
    rc_statuses    status codes of the responses seen, in order ("400")
    rc_complete    number of complete responses
    rc_eof         1 when the server closed (FIN or RST) before the timeout
    rc_reset       1 when the close was a reset
    rc_eof_ms      ms from connect to the close (-1 without one)
    rc_mark_ms     ms from connect to the last `mark` or `wait` (-1 without one)
    rc_bytes       bytes received
    rc_send_error  errno name of a failed send ("" when all sends went out)
    rc_xbackend    X-Backend values of the responses, in order

Actions:
    send:DATA            send DATA; Python escapes (\\r \\n \\x01) are decoded
    big:N                send N bytes of 'a'
    sleep:S              sleep S seconds
    trickle:DATA:S       send DATA one byte at a time, S seconds apart, stopping
                         once the server has closed
    wait:N               wait until N complete responses arrived, then mark
    mark                 note the time (rc_mark_ms)
    shut                 shutdown(SHUT_WR)
    touch:PATH           create the file PATH (tells a test the script got here)

    rawclient.py record PORT LOGFILE [--split] [--answer-bodies] [--lifetime S]

A recording backend instead: listens on 127.0.0.1:PORT (0: any free port),
prints "ready PORT",
appends every byte any connection sends to LOGFILE, and answers each request
head without Content-Length or Transfer-Encoding with "200 OK" and the body
"recorded\n". A head announcing a body is recorded but never answered (the
error scenarios send it such requests only when zeroserve should have
refused them). Exits by itself after 60 s (--lifetime S).

--split also writes the bytes of the Nth connection it accepted (from 1) to
LOGFILE.N, so that a checker can parse each connection's stream on its own.
--answer-bodies answers a head announcing a body too, once the body is in,
reading Content-Length as digits and chunks as hex sizes (no extensions,
trailers skipped): what a well-formed request needs, no stricter. It never
refuses: bytes it cannot frame are recorded and the connection is left
unanswered from there on.
"""
import errno
import re
import shlex
import socket
import sys
import threading
import time

STATUS_RE = re.compile(rb"HTTP/1\.[01] (\d{3})[ \r]")
XB_RE = re.compile(rb"\r\nX-Backend:[ \t]*([^\r\n]*)", re.I)
BODY_RE = re.compile(rb"\r\n(content-length|transfer-encoding)[ \t]*:", re.I)


def decode(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def parse_responses(buf, eof):
    """Returns (statuses, complete) for the responses at the start of buf."""
    statuses = []
    complete = 0
    pos = 0
    while pos < len(buf):
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            m = STATUS_RE.match(buf, pos)
            if m:
                statuses.append(int(m.group(1)))
            break
        head = buf[pos:end]
        m = STATUS_RE.match(head + b"\r")
        if not m:
            break
        status = int(m.group(1))
        statuses.append(status)
        body = end + 4
        length = None
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    length = None
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if 100 <= status < 200 or status in (204, 304):
            complete += 0 if 100 <= status < 200 else 1
            pos = body
            continue
        if chunked:
            p = body
            done = False
            while True:
                nl = buf.find(b"\r\n", p)
                if nl < 0:
                    break
                try:
                    size = int(buf[p:nl].split(b";")[0], 16)
                except ValueError:
                    break
                if size == 0:
                    trailer_end = buf.find(b"\r\n\r\n", nl)
                    if trailer_end < 0 and buf[nl:nl + 4] != b"\r\n\r\n":
                        break
                    p = (nl + 4) if buf[nl:nl + 4] == b"\r\n\r\n" else trailer_end + 4
                    done = True
                    break
                p = nl + 2 + size + 2
                if p > len(buf):
                    break
            if not done:
                break
            complete += 1
            pos = p
        elif length is not None:
            if len(buf) - body < length:
                break
            complete += 1
            pos = body + length
        else:
            if eof:
                complete += 1
            break
    return statuses, complete


class Reader(threading.Thread):
    def __init__(self, sock, t0):
        super().__init__(daemon=True)
        self.sock = sock
        self.t0 = t0
        self.buf = b""
        self.eof_at = None
        self.reset = False
        self.cond = threading.Condition()

    def run(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = None
                self.reset = True
            except OSError:
                data = None
                self.reset = True
            with self.cond:
                if data:
                    self.buf += data
                else:
                    self.eof_at = time.monotonic() - self.t0
                self.cond.notify_all()
            if not data:
                return

    def closed(self):
        with self.cond:
            return self.eof_at is not None


def ename(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if e.errno else type(e).__name__


CL_RE = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*([0-9]+)[ \t]*(?=\r\n|$)", re.I)
TE_RE = re.compile(rb"\r\ntransfer-encoding[ \t]*:", re.I)


def body_end(buf, head):
    """Where the body of the request head `head` ends in buf (its bytes
    after the head), None when it is not all there, -1 when it cannot be
    framed (--answer-bodies)."""
    if TE_RE.search(head):
        p = 0
        while True:
            nl = buf.find(b"\r\n", p)
            if nl < 0:
                return None
            try:
                size = int(buf[p:nl].split(b";")[0], 16)
            except ValueError:
                return -1
            if size == 0:
                end = buf.find(b"\r\n\r\n", nl)
                if buf[nl:nl + 4] == b"\r\n\r\n":
                    return nl + 4
                return None if end < 0 else end + 4
            p = nl + 2 + size + 2
            if p > len(buf):
                return None
    m = CL_RE.search(head)
    if m is None:
        return -1
    n = int(m.group(1))
    return n if len(buf) >= n else None


def record(port, logfile, split=False, answer_bodies=False, lifetime=60.0):
    lock = threading.Lock()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    print("ready %d" % srv.getsockname()[1], flush=True)
    answer = (b"HTTP/1.1 200 OK\r\nX-Backend: recorder\r\n"
              b"Content-Length: 9\r\n\r\nrecorded\n")

    def serve(conn, n):
        buf = b""
        head = None     # a head whose body is still coming (--answer-bodies)
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with lock:
                    with open(logfile, "ab") as f:
                        f.write(data)
                    if split:
                        with open("%s.%d" % (logfile, n), "ab") as f:
                            f.write(data)
                buf += data
                while True:
                    if head is None:
                        if b"\r\n\r\n" not in buf:
                            break
                        head, buf = buf.split(b"\r\n\r\n", 1)
                        head += b"\r\n"
                        if not BODY_RE.search(head):
                            head = None
                        elif not answer_bodies:
                            head = None
                            continue
                        else:
                            end = body_end(buf, head)
                            if end is None:
                                break
                            if end < 0:
                                return
                            buf = buf[end:]
                            head = None
                    else:
                        end = body_end(buf, head)
                        if end is None:
                            break
                        if end < 0:
                            return
                        buf = buf[end:]
                        head = None
                    try:
                        conn.sendall(answer)
                    except OSError:
                        return

    end = time.monotonic() + lifetime
    n = 0
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return 0
        srv.settimeout(left)
        try:
            conn, _ = srv.accept()
        except OSError:
            return 0
        conn.settimeout(left)
        n += 1
        threading.Thread(target=serve, args=(conn, n), daemon=True).start()


def main(argv):
    if len(argv) >= 4 and argv[1] == "record":
        opts = argv[4:]
        lifetime = 60.0
        if "--lifetime" in opts:
            i = opts.index("--lifetime")
            lifetime = float(opts[i + 1])
            del opts[i:i + 2]
        if set(opts) - {"--split", "--answer-bodies"}:
            sys.stderr.write(__doc__)
            return 2
        return record(int(argv[2]), argv[3], "--split" in opts, "--answer-bodies" in opts,
                      lifetime)
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    port = int(argv[1])
    timeout = 5.0
    actions = argv[2:]
    if actions[:1] == ["--timeout"]:
        timeout = float(actions[1])
        actions = actions[2:]
    out = {"connected": 0, "statuses": "", "complete": 0, "eof": 0, "reset": 0,
           "eof_ms": -1, "mark_ms": -1, "bytes": 0, "send_error": "", "xbackend": ""}
    t0 = time.monotonic()
    deadline = t0 + timeout
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError as e:
        out["send_error"] = ename(e)
        emit(out)
        return 0
    sock.settimeout(None)
    out["connected"] = 1
    reader = Reader(sock, t0)
    reader.start()

    def send(data):
        if out["send_error"]:
            return False
        try:
            sock.sendall(data)
            return True
        except OSError as e:
            out["send_error"] = ename(e)
            return False

    for act in actions:
        kind, _, arg = act.partition(":")
        if kind == "send":
            send(decode(arg))
        elif kind == "big":
            send(b"a" * int(arg))
        elif kind == "sleep":
            time.sleep(float(arg))
        elif kind == "trickle":
            data, _, interval = arg.rpartition(":")
            for b in decode(data):
                if reader.closed() or time.monotonic() > deadline:
                    break
                if not send(bytes([b])):
                    break
                time.sleep(float(interval))
        elif kind == "wait":
            n = int(arg)
            with reader.cond:
                while True:
                    _, complete = parse_responses(reader.buf, reader.eof_at is not None)
                    if complete >= n or reader.eof_at is not None:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    reader.cond.wait(left)
            out["mark_ms"] = int((time.monotonic() - t0) * 1000)
        elif kind == "mark":
            out["mark_ms"] = int((time.monotonic() - t0) * 1000)
        elif kind == "touch":
            open(arg, "w").close()
        elif kind == "shut":
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError as e:
                out["send_error"] = ename(e)
        else:
            sys.stderr.write("rawclient: unknown action %r\n" % act)
            return 2

    reader.join(max(0.0, deadline - time.monotonic()))
    with reader.cond:
        buf = reader.buf
        eof_at = reader.eof_at
        reset = reader.reset
    statuses, complete = parse_responses(buf, eof_at is not None)
    out["statuses"] = " ".join(str(s) for s in statuses)
    out["complete"] = complete
    out["bytes"] = len(buf)
    out["xbackend"] = " ".join(v.decode("latin-1").strip() for v in XB_RE.findall(buf))
    if eof_at is not None:
        out["eof"] = 1
        out["eof_ms"] = int(eof_at * 1000)
        out["reset"] = 1 if reset else 0
    try:
        sock.close()
    except OSError:
        pass
    emit(out)
    return 0


def emit(out):
    for k, v in out.items():
        print("rc_%s=%s" % (k, shlex.quote(str(v))))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
