#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A strict checker of the Prometheus text exposition format 0.0.4.

Usage: promcheck.py FILE|- [--no-timestamps] [--get SELECTOR]...

Exits 0 if FILE (or standard input) is a valid exposition, else prints
"line N: what is wrong" for the first fault and exits 1.  Stricter than
Prometheus's own parser where that catches a bug in an exporter:

  - every sample's family has one HELP and one TYPE, both before its first
    sample; the lines of a family (HELP, TYPE, samples) are contiguous;
  - metric and label names are valid, label names do not start with "__",
    no label name twice in a sample, no series twice;
  - label values are UTF-8 with only the escapes \\\\, \\" and \\n; HELP
    text only \\\\ and \\n;
  - values are floats as Go writes them (+Inf, -Inf, NaN spelled so);
  - a counter is named *_total and its values are >= 0;
  - a histogram has only _bucket (with le), _sum and _count samples; per
    label set the buckets come in increasing le, are cumulative, end with
    le="+Inf" equal to _count, and _sum and _count are there;
  - the text ends with a newline.
Blank lines and other comments are accepted, as the format allows.  With
--no-timestamps a sample that carries a timestamp is an error.

With --get 'name{label="value",...}', prints the sum of the values of the
samples of that name whose labels include the given ones (0 if none), one
line per --get, after checking the whole text.

As a module: parse(text) returns {(name, frozenset(labels.items())): value}
and raises FormatError (a ValueError) for the first fault; select(samples,
selector) does what --get does.
"""

import argparse
import math
import re
import sys

_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(r"-?[0-9]+\Z")
_TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
_BLANK = " \t"


class FormatError(ValueError):
    """A fault in the text, with the 1-based number of its line."""

    def __init__(self, lineno, what):
        super().__init__("line %d: %s" % (lineno, what))
        self.lineno = lineno
        self.what = what


def parse_float(s):
    """The value of a sample or an le, or None if s is not one."""
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s)
    if _FLOAT.match(s):
        return float(s)
    return None


def _skip(line, i):
    while i < len(line) and line[i] in _BLANK:
        i += 1
    return i


def _unescape(s, lineno, allowed, what):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                esc = s[i:i + 2]
                raise FormatError(lineno, "invalid escape %r in %s" % (esc, what))
            out.append(allowed[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _name_and_labels(line, i, lineno):
    """Parse name{labels} from line[i:]; return (name, labels, index after)."""
    m = _METRIC.match(line, i)
    if not m:
        raise FormatError(lineno, "invalid metric name")
    name = m.group()
    i = m.end()
    labels = {}
    j = _skip(line, i)
    if j < len(line) and line[j] == "{":
        i = j + 1
        while True:
            i = _skip(line, i)
            if i < len(line) and line[i] == "}":
                i += 1
                break
            m = _LABEL.match(line, i)
            if not m:
                raise FormatError(lineno, "invalid label name in %s" % name)
            lname = m.group()
            if lname.startswith("__"):
                raise FormatError(lineno, "reserved label name %s in %s" % (lname, name))
            if lname in labels:
                raise FormatError(lineno, "label %s twice in %s" % (lname, name))
            i = _skip(line, m.end())
            if i >= len(line) or line[i] != "=":
                raise FormatError(lineno, "no '=' after label %s in %s" % (lname, name))
            i = _skip(line, i + 1)
            if i >= len(line) or line[i] != '"':
                raise FormatError(lineno, "label %s of %s: value not quoted" % (lname, name))
            i += 1
            start = i
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            if i >= len(line):
                raise FormatError(lineno, "label %s of %s: unterminated value" % (lname, name))
            labels[lname] = _unescape(line[start:i], lineno,
                                      {"\\": "\\", '"': '"', "n": "\n"},
                                      "label %s of %s" % (lname, name))
            i = _skip(line, i + 1)
            if i < len(line) and line[i] == ",":
                i += 1
            elif i < len(line) and line[i] == "}":
                i += 1
                break
            else:
                raise FormatError(lineno, "expected ',' or '}' after label %s in %s"
                                  % (lname, name))
    return name, labels, i


class _Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.has_samples = False
        self.closed = False
        # histogram: frozenset(labels without le) -> state
        self.sets = {}


class _HistSet:
    def __init__(self, lineno):
        self.lineno = lineno
        self.last_le = None
        self.last_bucket = None
        self.inf = None
        self.sum = None
        self.count = None


def _finish(fam):
    if fam.type != "histogram":
        return
    for key, hs in fam.sets.items():
        where = fam.name + _fmt_labels(dict(key))
        if hs.inf is None:
            raise FormatError(hs.lineno, "histogram %s has no le=\"+Inf\" bucket" % where)
        if hs.count is None:
            raise FormatError(hs.lineno, "histogram %s has no _count" % where)
        if hs.sum is None:
            raise FormatError(hs.lineno, "histogram %s has no _sum" % where)
        if hs.inf != hs.count:
            raise FormatError(hs.lineno, "histogram %s: +Inf bucket %s != _count %s"
                              % (where, _num(hs.inf), _num(hs.count)))


class _Parser:
    def __init__(self, timestamps=True):
        self.fams = {}
        self.current = None
        self.samples = {}
        self.timestamps = timestamps

    def _fam(self, name):
        if name not in self.fams:
            self.fams[name] = _Family(name)
        return self.fams[name]

    def _enter(self, name, lineno):
        """The lines of a family are contiguous: entering one closes the last."""
        if self.current == name:
            return
        if self.current is not None:
            last = self.fams[self.current]
            last.closed = True
            _finish(last)
        fam = self._fam(name)
        if fam.closed:
            raise FormatError(lineno, "family %s is not contiguous" % name)
        self.current = name

    def _family_of(self, name):
        suffixes = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
        cur = self.fams.get(self.current) if self.current else None
        if cur is not None and cur.type in suffixes:
            for suf in suffixes[cur.type]:
                if name == cur.name + suf:
                    return cur.name, suf
        if name in self.fams:
            return name, ""
        for suf in ("_bucket", "_sum", "_count"):
            base = name[:-len(suf)]
            if name.endswith(suf) and base in self.fams and \
                    suf in suffixes.get(self.fams[base].type, ()):
                return base, suf
        return name, ""

    def comment(self, line, lineno):
        i = _skip(line, line.index("#") + 1)
        m = re.compile(r"(HELP|TYPE)(?=[ \t]|\Z)").match(line, i)
        if not m:
            return  # an ordinary comment
        kind = m.group(1)
        i = _skip(line, m.end())
        m = _METRIC.match(line, i)
        if not m:
            raise FormatError(lineno, "%s without a valid metric name" % kind)
        name = m.group()
        rest = line[m.end():]
        if rest and rest[0] not in _BLANK:
            raise FormatError(lineno, "invalid metric name in %s" % kind)
        rest = rest.lstrip(_BLANK)
        fam = self._fam(name)
        self._enter(name, lineno)
        if fam.has_samples:
            raise FormatError(lineno, "%s for %s after its samples" % (kind, name))
        if kind == "HELP":
            if fam.help is not None:
                raise FormatError(lineno, "second HELP for %s" % name)
            fam.help = _unescape(rest, lineno, {"\\": "\\", "n": "\n"}, "HELP of %s" % name)
        else:
            if fam.type is not None:
                raise FormatError(lineno, "second TYPE for %s" % name)
            t = rest.rstrip(_BLANK)
            if t not in _TYPES:
                raise FormatError(lineno, "unknown type %r for %s" % (t, name))
            if t == "counter" and not name.endswith("_total"):
                raise FormatError(lineno, "counter %s is not named _total" % name)
            fam.type = t

    def sample(self, line, lineno):
        name, labels, i = _name_and_labels(line, _skip(line, 0), lineno)
        if i >= len(line) or line[i] not in _BLANK:
            raise FormatError(lineno, "no value after %s" % name)
        fields = line[i:].split()
        if not fields:
            raise FormatError(lineno, "no value after %s" % name)
        if len(fields) > 2:
            raise FormatError(lineno, "trailing text after the value of %s" % name)
        value = parse_float(fields[0])
        if value is None:
            raise FormatError(lineno, "invalid value %r for %s" % (fields[0], name))
        if len(fields) == 2:
            if not self.timestamps:
                raise FormatError(lineno, "timestamp on %s" % name)
            if not _TIMESTAMP.match(fields[1]):
                raise FormatError(lineno, "invalid timestamp %r for %s" % (fields[1], name))

        fname, suf = self._family_of(name)
        fam = self.fams.get(fname)
        if fam is None or fam.type is None:
            raise FormatError(lineno, "sample %s before a TYPE for its family" % name)
        if fam.help is None:
            raise FormatError(lineno, "sample %s before a HELP for its family" % name)
        self._enter(fname, lineno)
        fam.has_samples = True

        key = (name, frozenset(labels.items()))
        if key in self.samples:
            raise FormatError(lineno, "series %s%s twice" % (name, _fmt_labels(labels)))
        self.samples[key] = value

        if fam.type == "counter" and not value >= 0:
            raise FormatError(lineno, "counter %s has value %s" % (name, fields[0]))
        if fam.type == "histogram":
            self._histogram(fam, suf, name, labels, value, fields[0], lineno)
        elif fam.type == "summary":
            if suf == "" and "quantile" not in labels:
                raise FormatError(lineno, "summary %s without quantile" % name)
            if suf != "" and "quantile" in labels:
                raise FormatError(lineno, "%s with a quantile label" % name)
            if suf == "_count" and not value >= 0:
                raise FormatError(lineno, "%s has value %s" % (name, fields[0]))

    def _histogram(self, fam, suf, name, labels, value, text, lineno):
        if suf == "":
            raise FormatError(lineno, "histogram %s: sample without _bucket, _sum or _count"
                              % name)
        rest = dict(labels)
        le = rest.pop("le", None)
        key = frozenset(rest.items())
        hs = fam.sets.get(key)
        if hs is None:
            hs = fam.sets[key] = _HistSet(lineno)
        if suf == "_bucket":
            if le is None:
                raise FormatError(lineno, "%s without le" % name)
            bound = parse_float(le)
            if bound is None or math.isnan(bound):
                raise FormatError(lineno, "%s: invalid le %r" % (name, le))
            if not value >= 0:
                raise FormatError(lineno, "%s has value %s" % (name, text))
            if hs.inf is not None:
                raise FormatError(lineno, "%s: bucket after le=\"+Inf\"" % name)
            if hs.last_le is not None and not bound > hs.last_le:
                raise FormatError(lineno, "%s: le %s not above the last bucket's" % (name, le))
            if hs.last_bucket is not None and value < hs.last_bucket:
                raise FormatError(lineno, "%s: le=\"%s\" is %s, below the last bucket's %s "
                                  "(buckets are cumulative)" % (name, le, text,
                                                                _num(hs.last_bucket)))
            hs.last_le = bound
            hs.last_bucket = value
            if bound == math.inf:
                hs.inf = value
            return
        if le is not None:
            raise FormatError(lineno, "%s with an le label" % name)
        if suf == "_sum":
            hs.sum = value
        else:
            if not value >= 0:
                raise FormatError(lineno, "%s has value %s" % (name, text))
            hs.count = value

    def end(self):
        if self.current is not None:
            _finish(self.fams[self.current])
        return self.samples


def _fmt_labels(labels):
    if not labels:
        return ""
    esc = {"\\": "\\\\", '"': '\\"', "\n": "\\n"}
    return "{%s}" % ",".join('%s="%s"' % (k, "".join(esc.get(c, c) for c in v))
                             for k, v in sorted(labels.items()))


def _num(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 2 ** 53:
        return "%d" % v
    return repr(v)


def parse(text, timestamps=True):
    """{(name, frozenset(labels.items())): value} of a valid exposition.

    Raises FormatError for the first fault."""
    lines = text.split("\n")
    if text and not text.endswith("\n"):
        raise FormatError(len(lines), "no newline at the end")
    if text:
        lines.pop()
    p = _Parser(timestamps)
    for n, line in enumerate(lines, 1):
        s = line.lstrip(_BLANK)
        if s == "":
            continue
        if s.startswith("#"):
            p.comment(line, n)
        else:
            p.sample(line, n)
    return p.end()


def parse_bytes(data, timestamps=True):
    """parse() of raw bytes, which must be UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(data.count(b"\n", 0, e.start) + 1, "invalid UTF-8") from None
    return parse(text, timestamps)


def select(samples, selector):
    """The sum of the samples of selector's name whose labels include its labels."""
    try:
        name, want, i = _name_and_labels(selector, 0, 0)
    except FormatError as e:
        raise ValueError("invalid selector %r: %s" % (selector, e.what)) from None
    if selector[i:].strip(_BLANK):
        raise ValueError("invalid selector %r: text after it" % selector)
    want = set(want.items())
    return sum(v for (n, labels), v in samples.items() if n == name and want <= labels)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check a Prometheus text exposition (0.0.4).")
    ap.add_argument("file", help="the exposition, - for standard input")
    ap.add_argument("--get", action="append", default=[], metavar="SELECTOR",
                    help="print the sum of the samples that match name{label=\"value\",...}")
    ap.add_argument("--no-timestamps", action="store_true",
                    help="a sample with a timestamp is an error")
    args = ap.parse_args(argv)
    try:
        if args.file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as f:
                data = f.read()
    except OSError as e:
        print("%s: %s" % (args.file, e.strerror), file=sys.stderr)
        return 2
    try:
        samples = parse_bytes(data, not args.no_timestamps)
    except FormatError as e:
        print(e)
        return 1
    for sel in args.get:
        try:
            print(_num(select(samples, sel)))
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
