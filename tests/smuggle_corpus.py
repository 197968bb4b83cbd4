#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Request-smuggling corpus: malformed or ambiguous requests, and a checker.

    smuggle_corpus.py list [--raw]
    smuggle_corpus.py run PORT RECORDED [--kernel PID LOG] [--only RE] [-v]

Every case is one request byte string that a lenient reader could split in
two: a request /caseNNNN and, hidden behind a framing ambiguity (CL.TE,
TE.CL, an obfuscated Transfer-Encoding, an odd chunk line, a bare CR or LF,
a NUL, an oversized number, a folded or duplicated framing field, a head
across the kernel's 512-byte window, bytes sent in pieces), a smuggled
"GET /smuggled/caseNNNN". The list is deterministic.

The test's own strict parser (RFC 9112, with zeroserve's policy: no bare CR
or LF, no obs-fold, no blank before ':', tokens for names, VCHAR/obs-text
values, one Content-Length of digits, Transfer-Encoding exactly "chunked"
and never in HTTP/1.0 or beside Content-Length, CRLF after chunk data,
hex chunk sizes, extensions without blanks) decides what a case means: a
refusal (400; 413 for a Content-Length over 1 GiB) or exactly one request
that takes all the bytes (the smuggled one inside its body). Cases that
would be a valid request followed by a second one (plain pipelining) are
left out of the corpus.

`run` sends each case on a new connection to 127.0.0.1:PORT (zeroserve),
whose backend is `rawclient.py record RECORDED --split --answer-bodies`;
after a first answer that is not a refusal the client half-closes and reads
to the end, so that every other answer zeroserve gives is seen.
With --kernel, each case goes on a keep-alive connection after three plain
GETs, and zeroserve's kernel counters (SIGUSR1 to PID, read from LOG) must
show that the kernel carried them (the summary says how many cases the
kernel carried itself). Then every backend connection's stream
(RECORDED.N) is parsed with the strict parser, and for each case:

  - the backend got at most one complete request of the case, never the
    smuggled one, and nothing that is not a well-formed request (a
    well-formed request cut short is fine);
  - the client got one refusal (400, 413, 431, 501, 505; no X-Backend) and
    the connection closed, with no complete request forwarded; or one
    answer from the backend (200, X-Backend), the backend got exactly one
    request of the case and, when the strict parser reads the case as a
    request, with its method, target and (decoded) body.

Prints "category: cases N, passed M" per category, the slowest cases
(ZS_SLOWEST=N: that many), the failures, and the
cases answered otherwise than the strict parser reads them (zeroserve's
policy may differ from this parser's without being unsafe). Exit status 1
when a case failed.
"""
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawclient import parse_responses  # noqa: E402

MAX_BODY = 1 << 30
REFUSALS = (400, 413, 431, 501, 505)
TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789"
                  b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
FIELD_BYTES = frozenset(range(0x20, 0x7f)) | frozenset(range(0x80, 0x100)) | {0x09}
TARGET_BYTES = frozenset(range(0x21, 0x7f))
QDTEXT = frozenset({0x09, 0x20, 0x21}) | frozenset(range(0x23, 0x5c)) | \
    frozenset(range(0x5d, 0x7f)) | frozenset(range(0x80, 0x100))
VERSION_RE = re.compile(rb"HTTP/1\.[01]\Z")
TAG_RE = re.compile(rb"case(\d{4})")


# ---- the strict parser -----------------------------------------------------

class Bad(Exception):
    def __init__(self, why, status=400):
        super().__init__(why)
        self.status = status


class Incomplete(Exception):
    pass


def read_line(buf, pos):
    """The line at pos without its CRLF, and the position after it."""
    i = pos
    n = len(buf)
    while i < n:
        c = buf[i]
        if c == 0x0a:
            raise Bad("bare LF")
        if c == 0x0d:
            if i + 1 >= n:
                raise Incomplete()
            if buf[i + 1] != 0x0a:
                raise Bad("bare CR")
            return buf[pos:i], i + 2
        i += 1
    raise Incomplete()


def is_token(b):
    return len(b) > 0 and all(c in TCHAR for c in b)


def field_line(line):
    """(name, value) of a field line; raises Bad."""
    if line[:1] in (b" ", b"\t"):
        raise Bad("obs-fold")
    name, sep, value = line.partition(b":")
    if not sep:
        raise Bad("no ':'")
    if not is_token(name):
        raise Bad("field name %r" % name)
    value = value.strip(b" \t")
    if any(c not in FIELD_BYTES for c in value):
        raise Bad("field value %r" % value)
    return name.lower(), value


def read_fields(buf, pos):
    fields = []
    while True:
        line, pos = read_line(buf, pos)
        if line == b"":
            return fields, pos
        fields.append(field_line(line))


def chunk_ext_ok(ext):
    """chunk-ext (RFC 9112 7.1.1): *( ";" name [ "=" value ] ). RFC 9112
    allows BWS around ';' and '='; zeroserve refuses blanks there (llhttp
    8.1 does, src/frame.c follows), and so does this parser."""
    i, n = 0, len(ext)

    def token(i):
        j = i
        while j < n and ext[j] in TCHAR:
            j += 1
        return j

    while i < n:
        if ext[i] != 0x3b:
            return False
        i += 1
        j = token(i)
        if j == i:
            return False
        i = j
        if i < n and ext[i] == 0x3d:
            i += 1
            if i < n and ext[i] == 0x22:
                i += 1
                while i < n and ext[i] != 0x22:
                    if ext[i] == 0x5c:
                        if i + 1 >= n or ext[i + 1] not in FIELD_BYTES:
                            return False
                        i += 2
                    elif ext[i] in QDTEXT:
                        i += 1
                    else:
                        return False
                if i >= n:
                    return False
                i += 1
            else:
                j = token(i)
                if j == i:
                    return False
                i = j
    return True


def read_chunked(buf, pos, max_body=MAX_BODY):
    body = []
    total = 0
    while True:
        line, pos = read_line(buf, pos)
        m = re.match(rb"([0-9A-Fa-f]+)(.*)\Z", line, re.S)
        if m is None:
            raise Bad("chunk size %r" % line)
        if not chunk_ext_ok(m.group(2)):
            raise Bad("chunk extension %r" % m.group(2))
        size = int(m.group(1), 16)
        if size >= 1 << 63:
            raise Bad("chunk size %r overflows" % m.group(1))
        if size == 0:
            trailers, pos = read_fields(buf, pos)
            return b"".join(body), pos, trailers
        total += size
        if max_body is not None and total > max_body:
            raise Bad("chunked body over %d" % max_body, 413)
        if len(buf) < pos + size + 2:
            raise Incomplete()
        body.append(buf[pos:pos + size])
        pos += size
        if buf[pos:pos + 2] != b"\r\n":
            raise Bad("no CRLF after chunk data")
        pos += 2


class Request:
    def __init__(self, method, target, version, fields):
        self.method = method
        self.target = target
        self.version = version
        self.fields = fields
        self.body = b""
        self.framing = "none"
        self.start = self.end = 0

    def values(self, name):
        return [v for k, v in self.fields if k == name]

    def tag(self):
        m = TAG_RE.search(self.target)
        return int(m.group(1)) if m else None

    def __repr__(self):
        return "%s %s %s (%s body, %d bytes)" % (
            self.method.decode("latin-1"), self.target.decode("latin-1"),
            self.version.decode(), self.framing, len(self.body))


def parse_request(buf, pos=0, max_body=MAX_BODY):
    """One request at pos; raises Bad (not a well-formed request, or a body
    over max_body: 413) or Incomplete (a well-formed start, cut short)."""
    start = pos
    line, pos = read_line(buf, pos)
    parts = line.split(b" ")
    if len(parts) != 3:
        raise Bad("request line %r" % line)
    method, target, version = parts
    if not is_token(method):
        raise Bad("method %r" % method)
    if not target or any(c not in TARGET_BYTES for c in target):
        raise Bad("target %r" % target)
    if not VERSION_RE.match(version):
        raise Bad("version %r" % version)
    fields, pos = read_fields(buf, pos)
    r = Request(method, target, version, fields)
    r.start = start
    hosts = r.values(b"host")
    if len(hosts) > 1 or (version == b"HTTP/1.1" and not hosts):
        raise Bad("%d Host fields" % len(hosts))
    cl = r.values(b"content-length")
    te = r.values(b"transfer-encoding")
    if len(cl) > 1:
        raise Bad("%d Content-Length fields" % len(cl))
    if te:
        if cl:
            raise Bad("Content-Length and Transfer-Encoding")
        if version != b"HTTP/1.1":
            raise Bad("Transfer-Encoding in %s" % version.decode())
        if len(te) > 1 or te[0].lower() != b"chunked":
            raise Bad("Transfer-Encoding %r" % te)
        r.body, pos, _ = read_chunked(buf, pos, max_body)
        r.framing = "chunked"
    elif cl:
        if not re.match(rb"[0-9]+\Z", cl[0]):
            raise Bad("Content-Length %r" % cl[0])
        n = int(cl[0])
        if max_body is not None and n > max_body:
            raise Bad("Content-Length %d over %d" % (n, max_body), 413)
        if len(buf) < pos + n:
            raise Incomplete()
        r.body = buf[pos:pos + n]
        r.framing = "length"
        pos += n
    r.end = pos
    return r


def parse_stream(buf):
    """A connection's bytes as [Request...] plus what ends it: None (all
    parsed), ("incomplete", pos) or ("bad", pos, why). No body limit: a
    backend has none of its own (a huge body is only cut short)."""
    reqs = []
    pos = 0
    while pos < len(buf):
        try:
            r = parse_request(buf, pos, None)
        except Incomplete:
            return reqs, ("incomplete", pos)
        except Bad as e:
            return reqs, ("bad", pos, str(e))
        reqs.append(r)
        pos = r.end
    return reqs, None


# ---- the corpus --------------------------------------------------------------

HOST = b"Host: c.localhost"
LAST = b"0\r\n\r\n"


def smuggled(tag):
    return b"GET /smuggled/" + tag + b" HTTP/1.1\r\nHost: c.localhost\r\n\r\n"


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def build(tag, fields, body, method=b"POST", version=b"HTTP/1.1", line=None, host=True,
          eol=b"\r\n"):
    """A request: `fields` are field lines; in them %N is the body's length
    and %S the length of the body's first line with its CRLF (TE.CL)."""
    n = b"%d" % len(body)
    nl = body.find(b"\r\n")
    s = b"%d" % (nl + 2 if nl >= 0 else len(body))
    head = line if line is not None else method + b" /" + tag + b" " + version
    head += eol
    if host:
        head += HOST + eol
    for f in fields:
        head += f.replace(b"%N", n).replace(b"%S", s) + eol
    return head + eol + body


def cases():
    """[(category, name, builder(tag) -> bytes)], in a fixed order."""
    out = []

    def add(cat, name, fn):
        out.append((cat, name, fn))

    # Body shapes around a framing ambiguity.
    shapes = {
        # A Content-Length reader takes it all; a chunked one ends at 0.
        "clte": lambda t: LAST + smuggled(t),
        # A chunked reader takes it all; a %S Content-Length one stops at
        # the chunk-size line.
        "tecl": lambda t: chunk(smuggled(t)) + LAST,
    }

    # CL.TE and TE.CL: Content-Length beside a plain Transfer-Encoding.
    for method in (b"POST", b"GET", b"PUT"):
        for order in ("cl-te", "te-cl"):
            for clv in (b"%N", b"0", b"%S", b"999"):
                for shape in ("clte", "tecl"):
                    cl = b"Content-Length: " + clv
                    te = b"Transfer-Encoding: chunked"
                    fields = [cl, te] if order == "cl-te" else [te, cl]
                    name = "%s %s cl=%s %s" % (method.decode(), order,
                                               clv.decode(), shape)
                    add("cl.te", name,
                        lambda t, f=fields, s=shape, m=method: build(t, f, shapes[s](t), m))

    # TE.TE: Transfer-Encoding obfuscations, with and without a
    # Content-Length a reader that misses the TE would go by.
    te_variants = [
        ("plain", [b"Transfer-Encoding: chunked"]),
        ("value upper", [b"Transfer-Encoding: CHUNKED"]),
        ("name upper", [b"TRANSFER-ENCODING: chunked"]),
        ("xchunked", [b"Transfer-Encoding: xchunked"]),
        ("chunkedx", [b"Transfer-Encoding: chunkedx"]),
        ("chunk", [b"Transfer-Encoding: chunk"]),
        ("trailing space", [b"Transfer-Encoding: chunked "]),
        ("no blank", [b"Transfer-Encoding:chunked"]),
        ("tab", [b"Transfer-Encoding:\tchunked"]),
        ("space before colon", [b"Transfer-Encoding : chunked"]),
        ("tab before colon", [b"Transfer-Encoding\t: chunked"]),
        ("vtab", [b"Transfer-Encoding:\x0bchunked"]),
        ("form feed", [b"Transfer-Encoding: chunked\x0c"]),
        ("nul after", [b"Transfer-Encoding: chunked\x00"]),
        ("nul in name", [b"Transfer-Encoding\x00: chunked"]),
        ("quoted", [b'Transfer-Encoding: "chunked"']),
        ("identity, chunked", [b"Transfer-Encoding: identity, chunked"]),
        ("chunked, identity", [b"Transfer-Encoding: chunked, identity"]),
        ("gzip, chunked", [b"Transfer-Encoding: gzip, chunked"]),
        ("chunked, chunked", [b"Transfer-Encoding: chunked, chunked"]),
        ("leading comma", [b"Transfer-Encoding: , chunked"]),
        ("trailing comma", [b"Transfer-Encoding: chunked,"]),
        ("parameter", [b"Transfer-Encoding: chunked;q=1"]),
        ("two lines", [b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"]),
        ("then identity", [b"Transfer-Encoding: chunked", b"Transfer-Encoding: identity"]),
        ("identity first", [b"Transfer-Encoding: identity", b"Transfer-Encoding: chunked"]),
        ("empty first", [b"Transfer-Encoding:", b"Transfer-Encoding: chunked"]),
        ("folded value", [b"Transfer-Encoding:", b" chunked"]),
        ("folded tab", [b"Transfer-Encoding:", b"\tchunked"]),
        ("folded extra", [b"Transfer-Encoding: chunked", b" identity"]),
        ("folded into other", [b"X-A: a", b" Transfer-Encoding: chunked"]),
        ("leading space", [b" Transfer-Encoding: chunked"]),
        ("underscore", [b"Transfer_Encoding: chunked"]),
        ("no dash", [b"TransferEncoding: chunked"]),
        ("x- prefix", [b"X-Transfer-Encoding: chunked"]),
        ("lookalike", [b"Transfer-Encodinc: chunked"]),
        ("bare LF before", [b"X-A: a\nTransfer-Encoding: chunked"]),
        ("bare CR before", [b"X-A: a\rTransfer-Encoding: chunked"]),
        ("bare LF after", [b"Transfer-Encoding: chunked\nX-A: a"]),
        ("CR in value", [b"Transfer-Encoding: chun\rked"]),
        ("kelvin K", [b"Transfer-Encoding: chun\xe2\x84\xaaed"]),
        ("long i", [b"Transfer-Encoding: chunked\xc4\xb1"]),
        ("TE field", [b"TE: chunked"]),
    ]
    te_shapes = [
        ("cl=%N clte", [b"Content-Length: %N"], "clte", True),
        ("cl=%S tecl", [b"Content-Length: %S"], "tecl", True),
        ("after cl=%S tecl", [b"Content-Length: %S"], "tecl", False),
        ("alone tecl", [], "tecl", True),
        ("alone clte", [], "clte", True),
    ]
    for vname, vfields in te_variants:
        for sname, extra, shape, te_first in te_shapes:
            fields = vfields + extra if te_first else extra + vfields
            add("te.te", "%s, %s" % (vname, sname),
                lambda t, f=fields, s=shape: build(t, f, shapes[s](t)))

    # Chunk lines: Transfer-Encoding: chunked, then a body a lenient chunk
    # reader ends early (the smuggled request follows) or reads on.
    te = [b"Transfer-Encoding: chunked"]
    chunk_bodies = [
        ("last LF LF", lambda t: b"0\n\n" + smuggled(t)),
        ("last CRLF LF", lambda t: b"0\r\n\n" + smuggled(t)),
        ("last LF CRLF", lambda t: b"0\n\r\n" + smuggled(t)),
        ("last CR CR", lambda t: b"0\r\r" + smuggled(t)),
        ("last CR x", lambda t: b"0\rx\r\n\r\n" + smuggled(t)),
        ("last space", lambda t: b"0 \r\n\r\n" + smuggled(t)),
        ("last tab", lambda t: b"0\t\r\n\r\n" + smuggled(t)),
        ("space last", lambda t: b" 0\r\n\r\n" + smuggled(t)),
        ("last empty ext", lambda t: b"0;\r\n\r\n" + smuggled(t)),
        ("last ext NUL", lambda t: b"0;a\x00\r\n\r\n" + smuggled(t)),
        ("last ext LF", lambda t: b"0;a\nb\r\n\r\n" + smuggled(t)),
        ("last ext CR", lambda t: b"0;a\rb\r\n\r\n" + smuggled(t)),
        ("last ext bad quote", lambda t: b'0;a="b\r\n\r\n' + smuggled(t)),
        ("last ext space name", lambda t: b"0;a b\r\n\r\n" + smuggled(t)),
        ("last 0x0", lambda t: b"0x0\r\n\r\n" + smuggled(t)),
        ("last -0", lambda t: b"-0\r\n\r\n" + smuggled(t)),
        ("last +0", lambda t: b"+0\r\n\r\n" + smuggled(t)),
        ("empty size", lambda t: b"\r\n" + LAST + smuggled(t)),
        ("trailer bare LF", lambda t: b"0\r\nX: y\n\r\n" + smuggled(t)),
        ("trailer space before colon", lambda t: b"0\r\nX : y\r\n\r\n" + smuggled(t)),
        ("trailer folded", lambda t: b"0\r\nX: y\r\n z\r\n\r\n" + smuggled(t)),
        ("trailer NUL", lambda t: b"0\r\nX: \x00\r\n\r\n" + smuggled(t)),
        ("trailer no colon", lambda t: b"0\r\nXY\r\n\r\n" + smuggled(t)),
        ("data then XX", lambda t: b"5\r\nhelloXX" + LAST + smuggled(t)),
        ("data then LF", lambda t: b"5\r\nhello\n" + LAST + smuggled(t)),
        ("data then CR", lambda t: b"5\r\nhello\r" + LAST + smuggled(t)),
        ("data then nothing", lambda t: b"5\r\nhello" + LAST + smuggled(t)),
        ("data then LF CR", lambda t: b"5\r\nhello\n\r" + LAST + smuggled(t)),
        ("size too small", lambda t: b"3\r\nhello\r\n" + LAST + smuggled(t)),
        ("size too large", lambda t: b"7\r\nhello\r\n" + LAST + smuggled(t)),
        ("size 0x", lambda t: b"0x%x\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size trailing space",
         lambda t: b"%x \r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size leading space",
         lambda t: b" %x\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size plus", lambda t: b"+%x\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size NUL", lambda t: b"%x\x00\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size g", lambda t: b"%xg\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size LF", lambda t: b"%x\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size CR", lambda t: b"%x\r%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size underscore",
         lambda t: b"%x_0\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        # Valid, odd: the smuggled request is chunk data.
        ("size zeros", lambda t: b"%020x\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("size upper", lambda t: b"%X\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("ext token", lambda t: b"%x;a=b\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("ext quoted",
         lambda t: b'%x;a="b;c"\r\n%s\r\n' % (len(smuggled(t)), smuggled(t)) + LAST),
        ("ext BWS", lambda t: b"%x ; a = b\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) + LAST),
        ("trailer", lambda t: chunk(smuggled(t)) + b"0\r\nX-T: 1\r\n\r\n"),
        ("two chunks", lambda t: chunk(smuggled(t)[:7]) + chunk(smuggled(t)[7:]) + LAST),
        ("trailer content-length", lambda t: chunk(smuggled(t)) + b"0\r\nContent-Length: 0\r\n\r\n"),
    ]
    for name, fn in chunk_bodies:
        add("chunk-line", name, lambda t, f=fn: build(t, te, f(t)))

    # Bare CR and LF in a head: some readers end lines at them.
    sm_cl = [b"Content-Length: %N"]
    for eol_name, eol in (("LF", b"\n"), ("CR", b"\r"), ("CR CR LF", b"\r\r\n"),
                          ("LF CR", b"\n\r")):
        add("bare-cr-lf", "every line ends %s, cl=%%N" % eol_name,
            lambda t, e=eol: build(t, sm_cl, smuggled(t), eol=e))
        add("bare-cr-lf", "hidden cl=%%N after %s" % eol_name,
            lambda t, e=eol: build(t, [b"X-A: a" + e + b"Content-Length: %N"], smuggled(t)))
        add("bare-cr-lf", "hidden te after %s, cl=%%N" % eol_name,
            lambda t, e=eol: build(t, [b"X-A: a" + e + b"Transfer-Encoding: chunked",
                                       b"Content-Length: %N"], LAST + smuggled(t)))
        add("bare-cr-lf", "hidden cl=0 after %s, cl=%%N" % eol_name,
            lambda t, e=eol: build(t, [b"Content-Length: %N", b"X-A: a" + e + b"Content-Length: 0"],
                                   smuggled(t)))
        add("bare-cr-lf", "request line ends %s" % eol_name,
            lambda t, e=eol: build(t, sm_cl, smuggled(t)).replace(b" HTTP/1.1\r\n",
                                                                   b" HTTP/1.1" + e, 1))
        add("bare-cr-lf", "head ends %s" % eol_name,
            lambda t, e=eol: build(t, [b"Content-Length: %N"], smuggled(t)).replace(
                b"\r\n\r\n", b"\r\n" + e, 1))
    add("bare-cr-lf", "head ends CRLF CR x",
        lambda t: build(t, [], b"").replace(b"\r\n\r\n", b"\r\n\rX") + smuggled(t))
    add("bare-cr-lf", "CR in target",
        lambda t: build(t, sm_cl, smuggled(t), line=b"POST /" + t + b"\r HTTP/1.1"))
    add("bare-cr-lf", "LF in target",
        lambda t: build(t, sm_cl, smuggled(t), line=b"POST /" + t + b"\n HTTP/1.1"))
    add("bare-cr-lf", "CR in name", lambda t: build(t, [b"X\r-A: a", b"Content-Length: %N"],
                                                    smuggled(t)))
    add("bare-cr-lf", "CR in cl", lambda t: build(t, [b"Content-Length: %N\r0"], smuggled(t)))
    add("bare-cr-lf", "LF in cl", lambda t: build(t, [b"Content-Length: %N\n0"], smuggled(t)))
    add("bare-cr-lf", "LF after cl name",
        lambda t: build(t, [b"Content-Length:\n%N"], smuggled(t)))
    add("bare-cr-lf", "empty line LF first",
        lambda t: build(t, sm_cl, smuggled(t)).replace(b"POST", b"\nPOST", 1))

    # NUL and other control bytes.
    nul_cases = [
        ("in method", dict(line=b"PO\x00ST /%s HTTP/1.1")),
        ("in target", dict(line=b"POST /%s\x00 HTTP/1.1")),
        ("in version", dict(line=b"POST /%s HTTP/1.1\x00")),
        ("before method", dict(line=b"\x00POST /%s HTTP/1.1")),
        ("in name", dict(fields=[b"X-\x00A: a", b"Content-Length: %N"])),
        ("in value", dict(fields=[b"X-A: a\x00b", b"Content-Length: %N"])),
        ("cl value after", dict(fields=[b"Content-Length: %N\x00"])),
        ("cl value before", dict(fields=[b"Content-Length: \x00%N"])),
        ("cl value inside", dict(fields=[b"Content-Length: 0\x00%N"])),
        ("cl name", dict(fields=[b"Content-Length\x00: %N"])),
        ("after cl line", dict(fields=[b"Content-Length: %N", b"\x00"])),
        ("DEL in cl", dict(fields=[b"Content-Length: %N\x7f"])),
        ("DEL in name", dict(fields=[b"X-A\x7f: a", b"Content-Length: %N"])),
        ("SOH in value", dict(fields=[b"X-A: \x01", b"Content-Length: %N"])),
        ("ESC in value", dict(fields=[b"X-A: \x1b[0m", b"Content-Length: %N"])),
        ("vtab in cl", dict(fields=[b"Content-Length:\x0b%N"])),
        ("form feed in cl", dict(fields=[b"Content-Length: %N\x0c"])),
        ("NUL line before cl", dict(fields=[b"\x00Content-Length: %N"])),
    ]
    for name, kw in nul_cases:
        def fn(t, kw=kw):
            kw = dict(kw)
            if "line" in kw:
                kw["line"] = kw["line"].replace(b"%s", t)
            return build(t, kw.pop("fields", [b"Content-Length: %N"]), smuggled(t), **kw)
        add("nul-ctl", name, fn)
    add("nul-ctl", "NUL in chunk data size line",
        lambda t: build(t, te, b"\x00" + chunk(smuggled(t)) + LAST))

    # Oversized numbers: wrap-arounds, overflows, over --max-body.
    for name, clv in (("2^64+N", b"%d" % (2 ** 64)), ("2^32+N", b"%d" % (2 ** 32)),
                      ("2^63+N", b"%d" % (2 ** 63)), ("2^31+N", b"%d" % (2 ** 31))):
        add("numbers", "cl " + name,
            lambda t, v=clv: build(t, [b"Content-Length: %d" % (int(v) + len(smuggled(t)))],
                                   smuggled(t)))
    for name, clv in (("2^64", b"%d" % (2 ** 64)), ("2^64-1", b"%d" % (2 ** 64 - 1)),
                      ("2^63", b"%d" % (2 ** 63)), ("10^30", b"1" + b"0" * 30),
                      ("10^100", b"1" + b"0" * 100), ("1GiB+1", b"%d" % (MAX_BODY + 1)),
                      ("2GiB", b"%d" % (2 * MAX_BODY)), ("4GiB", b"%d" % (4 * MAX_BODY))):
        add("numbers", "cl " + name,
            lambda t, v=clv: build(t, [b"Content-Length: " + v], smuggled(t)))
    add("numbers", "cl 300 leading zeros",
        lambda t: build(t, [b"Content-Length: " + b"0" * 300 + b"%N"], smuggled(t)))
    add("numbers", "cl 1GiB+1 with te",
        lambda t: build(t, [b"Content-Length: %d" % (MAX_BODY + 1),
                            b"Transfer-Encoding: chunked"], LAST + smuggled(t)))
    for name, size in (("2^64+N", 2 ** 64), ("2^32+N", 2 ** 32), ("2^63+N", 2 ** 63),
                       ("2^60+N", 2 ** 60)):
        add("numbers", "chunk " + name,
            lambda t, z=size: build(t, te, b"%x\r\n%s\r\n" % (z + len(smuggled(t)), smuggled(t)) +
                                    LAST))
    for name, size in (("ffffffffffffffff", b"ffffffffffffffff"),
                       ("17 f", b"f" * 17), ("32 zeros then 1", b"0" * 32 + b"1"),
                       ("1GiB+1", b"%x" % (MAX_BODY + 1))):
        add("numbers", "chunk size " + name,
            lambda t, z=size: build(t, te, z + b"\r\n" + smuggled(t)))
    add("numbers", "chunk size 64 zeros then N",
        lambda t: build(t, te, b"0" * 64 + b"%x\r\n%s\r\n" % (len(smuggled(t)), smuggled(t)) +
                        LAST))

    # Content-Length forms and duplicated or folded framing fields.
    cl_forms = [
        ("digits", [b"Content-Length: %N"]),
        ("leading zeros", [b"Content-Length: 000%N"]),
        ("OWS", [b"Content-Length:  %N  "]),
        ("tabs", [b"Content-Length:\t%N\t"]),
        ("no blank", [b"Content-Length:%N"]),
        ("name upper", [b"CONTENT-LENGTH: %N"]),
        ("plus", [b"Content-Length: +%N"]),
        ("minus", [b"Content-Length: -%N"]),
        ("hex", [b"Content-Length: 0x%N"]),
        ("point", [b"Content-Length: %N.0"]),
        ("exponent", [b"Content-Length: %Ne0"]),
        ("blank inside", [b"Content-Length: %N 0"]),
        ("letter after", [b"Content-Length: %Na"]),
        ("semicolon", [b"Content-Length: %N;"]),
        ("quoted", [b'Content-Length: "%N"']),
        ("empty", [b"Content-Length:"]),
        ("list same", [b"Content-Length: %N, %N"]),
        ("list same no blank", [b"Content-Length: %N,%N"]),
        ("list with 0", [b"Content-Length: 0, %N"]),
        ("list then 0", [b"Content-Length: %N, 0"]),
        ("trailing comma", [b"Content-Length: %N,"]),
        ("fullwidth digits", [b"Content-Length: \xef\xbc\x94\xef\xbc\x96"]),
        ("space before colon", [b"Content-Length : %N"]),
        ("tab before colon", [b"Content-Length\t: %N"]),
        ("underscore beside 0", [b"Content-Length: %N", b"Content_Length: 0"]),
        ("lookalike beside 0", [b"Content-Length: %N", b"Content-Lengtx: 0"]),
        ("two same", [b"Content-Length: %N", b"Content-Length: %N"]),
        ("two, 0 first", [b"Content-Length: 0", b"Content-Length: %N"]),
        ("two, 0 last", [b"Content-Length: %N", b"Content-Length: 0"]),
        ("two, empty first", [b"Content-Length:", b"Content-Length: %N"]),
        ("two, case", [b"Content-Length: %N", b"content-length: %N"]),
        ("folded value", [b"Content-Length:", b" %N"]),
        ("folded 0", [b"Content-Length: %N", b" 0"]),
        ("folded tab", [b"Content-Length:", b"\t%N"]),
        ("folded into other", [b"X-A: a", b" Content-Length: 0", b"Content-Length: %N"]),
        ("leading space", [b" Content-Length: %N"]),
        ("folded host", [b"X-B: b", b" c", b"Content-Length: %N"]),
        ("2 hosts", [b"Host: d.localhost", b"Content-Length: %N"]),
    ]
    for name, fields in cl_forms:
        for method in (b"POST", b"GET"):
            add("cl-fields", "%s %s" % (method.decode(), name),
                lambda t, f=fields, m=method: build(t, f, smuggled(t), m))
            if method == b"POST":
                add("cl-fields", "POST %s, body before" % name,
                    lambda t, f=fields: build(t, f, b"hello" + smuggled(t)))

    # HTTP/1.0 and odd request lines around framing. Where the oddity is
    # not in the framing, the smuggled request is chunk data: a reader that
    # accepts the oddity must still see one request. HTTP/1.0 with
    # Transfer-Encoding is faulty framing (RFC 9112 6.1): nothing after it
    # may be read as a request.
    add("version", "1.0 te", lambda t: build(t, te, chunk(smuggled(t)) + LAST,
                                             version=b"HTTP/1.0"))
    add("version", "1.0 te clte", lambda t: build(t, te, LAST + smuggled(t),
                                                  version=b"HTTP/1.0"))
    add("version", "1.0 te cl=%N", lambda t: build(t, te + [b"Content-Length: %N"],
                                                   LAST + smuggled(t), version=b"HTTP/1.0"))
    add("version", "1.0 cl=%S te", lambda t: build(t, [b"Content-Length: %S"] + te,
                                                   chunk(smuggled(t)) + LAST,
                                                   version=b"HTTP/1.0"))
    add("version", "1.0 keep-alive te",
        lambda t: build(t, [b"Connection: keep-alive"] + te, LAST + smuggled(t),
                        version=b"HTTP/1.0"))
    add("version", "1.0 cl", lambda t: build(t, [b"Content-Length: %N"], smuggled(t),
                                             version=b"HTTP/1.0"))
    add("version", "1.2 te", lambda t: build(t, te, chunk(smuggled(t)) + LAST,
                                             version=b"HTTP/1.2"))
    add("version", "2.0 cl", lambda t: build(t, [b"Content-Length: %N"], smuggled(t),
                                             version=b"HTTP/2.0"))
    add("version", "0.9 style", lambda t: b"GET /" + t + b"\r\n" + smuggled(t))
    add("version", "lower http te",
        lambda t: build(t, te, chunk(smuggled(t)) + LAST, version=b"http/1.1"))
    add("version", "two spaces te",
        lambda t: build(t, te, chunk(smuggled(t)) + LAST, line=b"POST  /" + t + b" HTTP/1.1"))
    add("version", "tab separator cl",
        lambda t: build(t, [b"Content-Length: %N"], smuggled(t),
                        line=b"POST\t/" + t + b" HTTP/1.1"))
    add("version", "space in target te",
        lambda t: build(t, te, chunk(smuggled(t)) + LAST,
                        line=b"POST /" + t + b" x HTTP/1.1"))
    add("version", "no host te", lambda t: build(t, te, chunk(smuggled(t)) + LAST, host=False))
    add("version", "expect 100 te cl",
        lambda t: build(t, [b"Expect: 100-continue", b"Content-Length: %N"] + te,
                        LAST + smuggled(t)))
    add("version", "upgrade cl",
        lambda t: build(t, [b"Connection: upgrade", b"Upgrade: websocket",
                            b"Content-Length: %N"], smuggled(t)))

    # A head that crosses 512 bytes (the kernel reads the first 512 of a
    # message): the framing field at, across and past that offset.
    for pad in range(440, 521, 8):
        add("long-head", "pad %d, cl-te" % pad,
            lambda t, n=pad: build(t, [b"X-Pad: " + b"p" * n, b"Content-Length: %N",
                                       b"Transfer-Encoding: chunked"], LAST + smuggled(t)))
        add("long-head", "pad %d, two cl" % pad,
            lambda t, n=pad: build(t, [b"X-Pad: " + b"p" * n, b"Content-Length: %N",
                                       b"Content-Length: 0"], smuggled(t)))
        add("long-head", "pad %d, cl" % pad,
            lambda t, n=pad: build(t, [b"X-Pad: " + b"p" * n, b"Content-Length: %N"],
                                   smuggled(t)))

    # The same bytes in pieces, one send each: a reader must not decide on
    # a part of a head or chunk line (the kernel sees each sendmsg alone).
    def pieces(data, *marks):
        out, pos = [], 0
        for m in marks:
            i = data.index(m, pos) + len(m)
            out.append(data[pos:i])
            pos = i
        return out + [data[pos:]]

    cl = lambda t: build(t, [b"Content-Length: %N"], smuggled(t))
    for name, marks in (("after the request line", [b"HTTP/1.1\r\n"]),
                        ("in the name", [b"Content-Len"]),
                        ("before the value", [b"Content-Length: "]),
                        ("in the value", [b"Content-Length: 5"]),
                        ("between CR and LF", [b"\r\n\r"]),
                        ("after the head", [b"\r\n\r\n"]),
                        ("in the body", [b"\r\n\r\nGET /smu"]),
                        ("byte by byte head", [b"P", b"O", b"S", b"T", b" ", b"/", b"c"])):
        add("split", "cl, " + name, lambda t, m=marks: pieces(cl(t), *m))
    clte = lambda t: build(t, [b"Content-Length: %N", b"Transfer-Encoding: chunked"],
                           LAST + smuggled(t))
    for name, marks in (("before te", [b"Content-Length: 59\r\n"]),
                        ("in te", [b"Transfer-Enc"]),
                        ("after the head", [b"chunked\r\n\r\n"]),
                        ("after the last chunk", [b"\r\n0\r\n\r\n"])):
        add("split", "cl.te, " + name, lambda t, m=marks: pieces(clte(t), *m))
    tecl = lambda t: build(t, [b"Transfer-Encoding: chunked", b"Content-Length: %S"],
                           chunk(smuggled(t)) + LAST)
    for name, marks in (("before cl", [b"chunked\r\n"]), ("after the head", [b"\r\n\r\n"])):
        add("split", "te.cl, " + name, lambda t, m=marks: pieces(tecl(t), *m))
    ck = lambda t: build(t, te, chunk(smuggled(t)) + LAST)
    for name, marks in (("after the head", [b"\r\n\r\n"]),
                        ("in the size", [b"\r\n\r\n3"]),
                        ("before the size's CRLF", [b"\r\n\r\n36"]),
                        ("in the size's CRLF", [b"\r\n\r\n36\r"]),
                        ("before the data's CRLF", [b"c.localhost\r\n\r\n"]),
                        ("in the data's CRLF", [b"c.localhost\r\n\r\n\r"]),
                        ("in the last chunk", [b"\r\n0\r\n"]),
                        ("in the last CRLF", [b"\r\n0\r\n\r"])):
        add("split", "chunked, " + name, lambda t, m=marks: pieces(ck(t), *m))
    for name, body, marks in (
            ("data then XX", lambda t: b"5\r\nhelloXX" + LAST + smuggled(t), [b"hello"]),
            ("data then CR x", lambda t: b"5\r\nhello\rx\n" + LAST + smuggled(t),
             [b"hello\r"]),
            ("size CR x", lambda t: b"0\rx\r\n\r\n" + smuggled(t), [b"\r\n\r\n0\r"]),
            ("last CR", lambda t: b"0\r\n\r" + smuggled(t), [b"\r\n\r\n0\r\n\r"]),
            ("last LF", lambda t: b"0\r\n\n" + smuggled(t), [b"\r\n\r\n0\r\n"])):
        add("split", "chunked, " + name, lambda t, b=body, m=marks: pieces(build(t, te, b(t)), *m))
    for name, data, marks in (
            ("head ends CR x", lambda t: build(t, [], b"").replace(b"\r\n\r\n", b"\r\n\rX") +
             smuggled(t), [b"c.localhost\r\n\r"]),
            ("bare LF before te", lambda t: build(t, [b"X-A: a\nTransfer-Encoding: chunked",
                                                      b"Content-Length: %N"], LAST + smuggled(t)),
             [b"X-A: a"]),
            ("bare CR in cl", lambda t: build(t, [b"Content-Length: %N\r0"], smuggled(t)),
             [b"Content-Length: 54\r"]),
            ("folded te", lambda t: build(t, [b"Transfer-Encoding:", b" chunked",
                                              b"Content-Length: %N"], LAST + smuggled(t)),
             [b"Transfer-Encoding:\r\n"]),
            ("second cl", lambda t: build(t, [b"Content-Length: %N", b"Content-Length: 0"],
                                          smuggled(t)), [b"Content-Length: 54\r\n"])):
        add("split", name, lambda t, d=data, m=marks: pieces(d(t), *m))
    return out


def corpus():
    """[(index, category, name, tag, data, expect, pieces)] with expect a
    Request (valid: it takes all the bytes) or a Bad, and pieces the sends
    that make up data; cases a strict reader takes as two requests (plain
    pipelining) or as cut short are left out."""
    out = []
    dropped = []
    for cat, name, fn in cases():
        tag = b"case%04d" % (len(out) + 1)
        pieces = fn(tag)
        if isinstance(pieces, bytes):
            pieces = [pieces]
        data = b"".join(pieces)
        try:
            r = parse_request(data)
        except Bad as e:
            expect = e
        except Incomplete:
            dropped.append((cat, name, "cut short"))
            continue
        else:
            if r.end != len(data):
                dropped.append((cat, name, "pipelined"))
                continue
            expect = r
        out.append((len(out) + 1, cat, name, tag, data, expect, pieces))
    return out, dropped


# ---- running it ------------------------------------------------------------

STATUS_RE = re.compile(rb"HTTP/1\.[01] (\d{3})")


def read_responses(sock, want, limit, grace):
    """Read until the peer closes, or `want` complete responses arrived and
    `grace` more seconds passed, or `limit` seconds passed. Returns (buf, eof)."""
    buf = b""
    eof = False
    end = time.monotonic() + limit
    done_at = None
    while True:
        now = time.monotonic()
        if done_at is None:
            _, complete = parse_responses(buf, False)
            if complete >= want:
                done_at = now
        stop = end if done_at is None else min(end, done_at + grace)
        if now >= stop:
            return buf, eof
        sock.settimeout(stop - now)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            data = b""
        if not data:
            return buf, True
        buf += data


def responses(buf, eof):
    """[(status, x_backend)] of the complete responses in buf."""
    statuses, complete = parse_responses(buf, eof)
    xb = []
    pos = 0
    for _ in range(complete):
        end = buf.find(b"\r\n\r\n", pos)
        head = buf[pos:end]
        m = re.search(rb"\r\nX-Backend:[ \t]*([^\r\n]*)", head, re.I)
        xb.append(m.group(1).decode("latin-1") if m else "")
        n = re.search(rb"\r\nContent-Length:[ \t]*(\d+)", head, re.I)
        pos = end + 4 + (int(n.group(1)) if n else 0)
    return list(zip(statuses[:complete], xb))


class Counters:
    """zeroserve's kernel counters: SIGUSR1, then the new log line."""

    def __init__(self, pid, log):
        self.pid = pid
        self.log = log
        self.after = None   # requests= after the last case's plain GETs
        self.cases = 0      # cases the kernel carried itself

    def _lines(self):
        # Whole lines only: zeroserve may be halfway through writing the last.
        with open(self.log, "rb") as f:
            return [l for l in f.read().split(b"\n")[:-1] if b"kernel engine counters (" in l]

    def requests(self):
        n = len(self._lines())
        os.kill(self.pid, signal.SIGUSR1)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            lines = self._lines()
            if len(lines) > n:
                m = re.search(rb"[ :]requests=(\d+)", lines[-1])
                if m is None:
                    raise RuntimeError("no requests= in %r" % lines[-1])
                return int(m.group(1))
            time.sleep(0.005)
        raise RuntimeError("no counters line within 5 s of SIGUSR1")


PLAIN = 3


def plain_get(tag, i):
    return b"GET /plain/%s/%d HTTP/1.1\r\nHost: c.localhost\r\n\r\n" % (tag, i)


def send_case(port, tag, pieces, counters):
    """Send one case (its pieces 20 ms apart); returns (responses, eof, note) with note an error
    string about the keep-alive prelude (kernel) or None."""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if counters is not None:
            before = counters.requests()
            if counters.after is not None and before > counters.after:
                counters.cases += 1
            for i in range(1, PLAIN + 1):
                s.sendall(plain_get(tag, i))
                buf, eof = read_responses(s, 1, 3, 0)
                got = responses(buf, eof)
                if eof or got != [(200, "recorder")]:
                    return [], eof, "plain GET %d: %r%s" % (i, got, " (closed)" if eof else "")
            counters.after = counters.requests()
            carried = counters.after - before
            # The first request of a connection is the userspace engine's.
            if carried < PLAIN - 1:
                return [], False, "the kernel carried %d of the %d plain GETs" % (carried,
                                                                                  PLAIN)
        for i, p in enumerate(pieces):
            if i:
                time.sleep(0.02)
            s.sendall(p)
        buf, eof = read_responses(s, 1, 1.5, 0)
        got = responses(buf, eof)
        if not eof and got and got[0][0] in REFUSALS:
            # A refusal must close the connection by itself: give it the
            # time a lingering close may take (lib.sh's expect_refused: 2 s).
            more, eof = read_responses(s, 99, 2.0, 0)
            buf += more
        elif not eof:
            # An answer, or nothing yet (zeroserve may wait for more body):
            # end the input; whatever else zeroserve makes of the bytes
            # (an answer to a second request, a 400) comes before its FIN.
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            more, eof = read_responses(s, 99, 2.0 if got else 1.0, 0)
            buf += more
        return responses(buf, eof), eof, None
    except OSError as e:
        return [], False, "socket: %s" % e
    finally:
        s.close()


LINE_RE = re.compile(rb"(?<=\n)[A-Z]+ /(?:plain/)?case(\d{4})[ /]")


def backend_streams(recorded):
    """{case: [(kind, detail)]} from every RECORDED.N: kind "request"
    (a complete Request), "cut" (a well-formed start cut short), "bad"
    (bytes that are not a request). After bad bytes the parse goes on at
    the next request line of another case. Unattributed bytes go under 0."""
    seen = {}
    d = os.path.dirname(recorded) or "."
    base = os.path.basename(recorded)
    names = sorted((f for f in os.listdir(d) if re.match(re.escape(base) + r"\.\d+\Z", f)),
                   key=lambda f: int(f.rsplit(".", 1)[1]))
    for f in names:
        with open(os.path.join(d, f), "rb") as fh:
            buf = fh.read()
        pos = 0
        last = 0
        while pos < len(buf):
            reqs, end = parse_stream(buf[pos:])
            for r in reqs:
                t = r.tag() or 0
                seen.setdefault(t, []).append(("request", r))
                last = t
            if end is None:
                break
            at = pos + end[1]
            m = TAG_RE.search(buf, at)
            t = int(m.group(1)) if m else last
            nxt = len(buf)
            for m in LINE_RE.finditer(buf, at + 1):
                if int(m.group(1)) != t:
                    nxt = m.start()
                    break
            what = buf[at:nxt]
            if end[0] == "incomplete":
                seen.setdefault(t, []).append(("cut", "%s: %r" % (f, what[:80])))
            else:
                seen.setdefault(t, []).append(("bad", "%s: %s: %r" % (f, end[2], what[:120])))
            # Bad bytes with the smuggled request line at a line start: a
            # lenient backend may take it as a request. (In a request cut
            # short it is body.)
            i = what.find(b"\nGET /smuggled/")
            if end[0] == "bad" and i >= 0:
                seen.setdefault(t, []).append(("smuggled", "%s: %r" % (f, what[i + 1:i + 60])))
            pos = nxt
            last = t
    return seen


def check(case, client, backend):
    """(failures, policy_note) for one case."""
    expect = case[5]
    got, eof, note = client
    fails = []
    if note:
        fails.append(note)
    reqs = [d for k, d in backend if k == "request" and not d.target.startswith(b"/plain/")]
    for k, d in backend:
        if k == "bad":
            fails.append("the backend got bytes that are not a request: %s" % d)
    smug = [r for r in reqs if r.target.startswith(b"/smuggled/")]
    smug += [d for k, d in backend if k == "smuggled"]
    if smug:
        fails.append("the smuggled request reached the backend: %r" % smug)
    if len(reqs) > 1:
        fails.append("the backend got %d requests: %r" % (len(reqs), reqs))
    policy = None
    if note:
        return fails, policy
    if len(got) == 1 and got[0][0] in REFUSALS and not got[0][1]:
        if not eof:
            fails.append("%d, then the connection stayed open" % got[0][0])
        if reqs:
            fails.append("%d, but the backend got %r" % (got[0][0], reqs))
        if isinstance(expect, Request):
            policy = "%d for a request the strict parser takes (%r)" % (got[0][0], expect)
    elif len(got) == 1 and got[0] == (200, "recorder"):
        if len(reqs) != 1:
            fails.append("200 from the backend, which got %d requests of this case" % len(reqs))
        elif isinstance(expect, Request):
            r = reqs[0]
            if (r.method, r.target, r.body) != (expect.method, expect.target, expect.body):
                fails.append("forwarded %r, body %r; want %r, body %r" % (
                    r, r.body[:80], expect, expect.body[:80]))
        else:
            policy = "200 for what the strict parser refuses (%s)" % expect
    else:
        fails.append("responses %r%s" % (got, ", then closed" if eof else ""))
    return fails, policy


def run(port, recorded, kernel, only, verbose):
    cs, _ = corpus()
    if only:
        cs = [c for c in cs if re.search(only, "%s: %s" % (c[1], c[2]))]
    counters = Counters(*kernel) if kernel else None
    t0 = time.monotonic()
    clients = {}
    took = []
    for c in cs:
        t1 = time.monotonic()
        clients[c[0]] = send_case(port, c[3], c[6], counters)
        took.append((time.monotonic() - t1, c[0], c[1], c[2]))
    # Let the last forwarded bytes land in the recorder's files.
    sizes = None
    for _ in range(50):
        d = os.path.dirname(recorded) or "."
        now = sorted((f, os.path.getsize(os.path.join(d, f))) for f in os.listdir(d)
                     if f.startswith(os.path.basename(recorded)))
        if now == sizes:
            break
        sizes = now
        time.sleep(0.1)
    if counters is not None and counters.after is not None:
        if counters.requests() > counters.after:
            counters.cases += 1
    backend = backend_streams(recorded)
    per_cat = {}
    failed = []
    policy = []
    for c in cs:
        fails, pol = check(c, clients[c[0]], backend.get(c[0], []))
        st = per_cat.setdefault(c[1], [0, 0])
        st[0] += 1
        if fails:
            failed.append((c, fails))
        else:
            st[1] += 1
        if pol:
            policy.append((c, pol))
    for k, d in backend.get(0, []):
        if k != "request" or not d.target.startswith(b"/after"):
            failed.append(((0, "-", "unattributed", b"", b"", None, []),
                           ["backend bytes of no case: %s %r" % (k, d)]))
    for cat, (n, ok) in per_cat.items():
        print("%-12s cases %3d, passed %3d" % (cat + ":", n, ok))
    print("%-12s cases %3d, passed %3d (%.1f s%s)" % (
        "total:", len(cs), len(cs) - len([f for f in failed if f[0][0]]),
        time.monotonic() - t0, ", new connections" if counters is None else
        ", keep-alive, the kernel carried %d cases" % counters.cases))
    took.sort(reverse=True)
    print("slowest: " + ", ".join("case %d %s: %s (%.2f s)" % (i, cat, name, t)
                                  for t, i, cat, name in took[:int(os.environ.get("ZS_SLOWEST", "3"))]))
    for c, fails in failed[:None if verbose else 40]:
        print("FAIL case %d %s: %s: %r" % (c[0], c[1], c[2], c[4][:160]))
        for f in fails:
            print("    " + f)
    if not verbose and len(failed) > 40:
        print("... %d more failures (-v lists all)" % (len(failed) - 40))
    if policy:
        print("policy: %d cases answered otherwise than the strict parser reads them "
              "(safe, not failures):" % len(policy))
        for c, p in policy[:None if verbose else 20]:
            print("    case %d %s: %s: %s" % (c[0], c[1], c[2], p))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        cs, dropped = corpus()
        per = {}
        for idx, cat, name, tag, data, expect, pieces in cs:
            per[cat] = per.get(cat, 0) + 1
            if "--raw" in argv:
                print("%d %s: %s: %r -> %s" % (idx, cat, name, data if len(pieces) == 1 else
                                               pieces, expect if isinstance(expect, Request)
                                               else "%d (%s)" % (expect.status, expect)))
        for cat, n in per.items():
            print("%-12s %d" % (cat + ":", n))
        print("total: %d cases (%d left out: %s)" % (
            len(cs), len(dropped), ", ".join("%s %s (%s)" % d for d in dropped)))
        return 0
    if len(argv) >= 4 and argv[1] == "run":
        port, recorded = int(argv[2]), argv[3]
        rest = argv[4:]
        kernel = None
        only = None
        verbose = False
        while rest:
            if rest[0] == "--kernel" and len(rest) >= 3:
                kernel = (int(rest[1]), rest[2])
                rest = rest[3:]
            elif rest[0] == "--only" and len(rest) >= 2:
                only = rest[1]
                rest = rest[2:]
            elif rest[0] == "-v":
                verbose = True
                rest = rest[1:]
            else:
                break
        if not rest:
            return run(port, recorded, kernel, only, verbose)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
