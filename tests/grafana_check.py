#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check a Grafana dashboard against the metrics zeroserve(8) documents.

usage: grafana_check.py DASHBOARD.json MANPAGE.8
       grafana_check.py --self-test MANPAGE.8

Reads the metric families, their types and their labels from the man
page's METRICS AND LOGS section (the .It items of its Metrics list, and
the labels that "Request series carry"), then checks the dashboard:

  - the JSON parses; every panel (rows' collapsed panels included) has an
    id, and no two the same; panels lie within the 24 columns of the grid
    and do not overlap;
  - every PromQL expression (panel targets, query variables, annotations)
    parses, and every metric it selects is a documented zeroserve_*
    family; a histogram only as NAME_bucket, NAME_sum or NAME_count;
  - every label in a {...} matcher is one that metric has ("le" on a
    histogram's _bucket series only), and every label of a by, without,
    on, ignoring, group_left or group_right clause is one that the
    expression it applies to still carries there (the labels are followed
    through aggregations, so "sum by (route)" over "sum by (code)" is
    caught);
  - rate(), irate() and increase() take counters; histogram_quantile()
    an input that keeps "le";
  - label_values(METRIC, LABEL) asks for a label METRIC has;
  - every $variable is a templating variable or one of Grafana's own, and
    every ${DS_...} datasource is declared in __inputs.

Exits 0 and prints a summary when all hold, else prints each fault, one a
line, and exits 1 (2 for a usage error or a file it cannot read).
--self-test runs the expression checker on known good and bad expressions.
Python 3 standard library only.
"""

import json
import re
import sys

# The families the man page's "Request series carry the labels ..." is
# about: the ones that count requests. Each must be documented there.
REQUEST_FAMILIES = (
    "zeroserve_requests_total",
    "zeroserve_request_duration_seconds",
    "zeroserve_request_bytes_total",
    "zeroserve_response_bytes_total",
)

HIST_SUFFIXES = ("_bucket", "_sum", "_count")

GRAFANA_VARS = {
    "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms",
    "__range", "__range_s", "__range_ms", "__from", "__to", "__dashboard",
    "__org", "__user", "__name", "__timeFilter", "timeFilter", "__auto",
}


class Fault(Exception):
    pass


# ---------------------------------------------------------------- man page


def man_section(text, name):
    """The lines of the .Sh section NAME, without its .Sh line."""
    lines = text.splitlines()
    out, inside = [], False
    for line in lines:
        if line.startswith(".Sh "):
            if inside:
                break
            inside = line[4:].strip().strip('"') == name
            continue
        if inside:
            out.append(line)
    return out


def mdoc_tokens(lines):
    """The words of mdoc lines: ("label", NAME) for each .Cm argument,
    ("word", TEXT) for the rest, "(" ")" ":" "," as their own words. A .Pq
    line is dropped whole: it is balanced and names no label."""
    toks = []
    for line in lines:
        if line.startswith(".\\\""):
            continue
        if line.startswith("."):
            parts = line[1:].split()
            if not parts:
                continue
            macro, args = parts[0], parts[1:]
            if macro == "Pq":
                continue
            cm = macro == "Cm"
            for a in args:
                if cm and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", a):
                    toks.append(("label", a))
                else:
                    toks.extend(punct_split(a))
            continue
        for w in line.split():
            toks.extend(punct_split(w))
    return toks


def punct_split(w):
    out = []
    for part in re.findall(r"[():,]|[^():,]+", w):
        out.append((part, part) if part in "():," else ("word", part))
    return out


def labels_after(toks, i):
    """The .Cm labels listed from toks[i] on, outside parentheses, up to
    the ":" that ends the list."""
    labels, depth = [], 0
    for kind, val in toks[i:]:
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth = max(0, depth - 1)
        elif kind == ":" and depth == 0:
            return labels
        elif kind == "label" and depth == 0:
            labels.append(val)
    return labels


def label_list(lines):
    """The labels named after the word "label" or "labels", or None."""
    toks = mdoc_tokens(lines)
    for i, (kind, val) in enumerate(toks):
        if kind == "word" and val.lower() in ("label", "labels"):
            return labels_after(toks, i + 1)
    return None


def parse_man(text):
    """{family: {"type": counter|gauge|histogram|None, "labels": set}}"""
    sec = man_section(text, "METRICS AND LOGS")
    if not sec:
        raise Fault("the man page has no METRICS AND LOGS section")
    fams = {}
    # Every name the section mentions is documented; the Metrics list's
    # items say what each is.
    for line in sec:
        for name in re.findall(r"\bzeroserve_[a-z0-9_]+\b", line):
            fams.setdefault(name, {"type": None, "labels": set()})
    sub, inside = [], False
    for line in sec:
        if line.startswith(".Ss "):
            inside = line[4:].strip() == "Metrics"
            continue
        if inside:
            sub.append(line)
    if not sub:
        raise Fault("METRICS AND LOGS has no Metrics subsection")
    # The request series' labels: the prose before the list.
    intro = []
    for line in sub:
        if line.startswith(".Bl"):
            break
        intro.append(line)
    toks = mdoc_tokens(intro)
    req_labels = None
    for i in range(len(toks) - 2):
        words = [v.lower() for _, v in toks[i:i + 6]]
        if words[:2] == ["request", "series"] and "labels" in words[2:]:
            j = i + 2 + words[2:].index("labels") + 1
            req_labels = labels_after(toks, j)
            break
    if not req_labels:
        raise Fault('the Metrics subsection does not say which labels '
                    '"Request series carry"')
    # The list's items.
    items, cur = [], None
    depth = 0
    for line in sub:
        if line.startswith(".Bl"):
            depth += 1
            continue
        if line.startswith(".El"):
            depth -= 1
            if depth == 0 and cur:
                items.append(cur)
                cur = None
            continue
        if depth == 1 and line.startswith(".It "):
            if cur:
                items.append(cur)
            names = re.findall(r"\bzeroserve_[a-z0-9_]+\b", line)
            cur = (names, []) if names else None
            continue
        if cur:
            cur[1].append(line)
    if not items:
        raise Fault("the Metrics subsection lists no metric")
    for names, body in items:
        first = " ".join(body).split()
        kind = first[0].rstrip(",:.").lower() if first else ""
        typ = {"counter": "counter", "counters": "counter", "gauge": "gauge",
               "gauges": "gauge", "histogram": "histogram"}.get(kind)
        labels = label_list(body) or []
        for n in names:
            fams[n] = {"type": typ, "labels": set(labels)}
    for n in REQUEST_FAMILIES:
        if n not in fams:
            raise Fault("request family %s is not documented in METRICS AND LOGS" % n)
        fams[n]["labels"] |= set(req_labels)
    return fams


# ---------------------------------------------------------------- PromQL

AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar",
                "count", "count_values", "bottomk", "topk", "quantile",
                "limitk", "limit_ratio"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "and", "or", "unless", "atan2"}
# Functions whose result drops every label, or that take no vector.
NO_LABELS = {"vector", "time", "scalar", "pi", "minute", "hour", "day_of_week",
             "day_of_month", "day_of_year", "days_in_month", "month", "year"}
COUNTER_FUNCS = {"rate", "irate", "increase", "resets"}
BINARY_PREC = [
    ({"or"}, "left"),
    ({"and", "unless"}, "left"),
    ({"==", "!=", "<=", "<", ">=", ">"}, "left"),
    ({"+", "-"}, "left"),
    ({"*", "/", "%", "atan2"}, "left"),
    ({"^"}, "right"),
]
TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<var>\$\{[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)?\}|\$[A-Za-z0-9_]+|\[\[[A-Za-z0-9_]+\]\])
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<num>0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
           (?:(?:ms|[smhdwy])(?:[0-9]+(?:ms|[smhdwy]))*)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_:]*)
  | (?P<op>==|!=|<=|>=|=~|!~|[-+*/%^<>=,(){}\[\]@:])
""", re.X)


def tokenize(expr):
    toks, i = [], 0
    while i < len(expr):
        m = TOKEN.match(expr, i)
        if not m:
            raise Fault("cannot read %r at offset %d" % (expr[i:i + 12], i))
        i = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        toks.append((kind, m.group()))
    toks.append(("eof", ""))
    return toks


def var_name(tok):
    t = tok.strip("${}[]")
    return t.split(":")[0]


class Expr:
    """What a subexpression gives: its labels (a set, or None when not
    known) and whether it is an instant vector, a range vector or scalar."""

    def __init__(self, kind, labels=None, metrics=(), counter=False):
        self.kind = kind          # "vector", "range", "scalar", "string"
        self.labels = labels
        self.metrics = tuple(metrics)
        self.counter = counter
        self.selector = False
        self.value = None        # a string literal's text


class PromQL:
    """A recursive descent parser of PromQL that checks, as it goes, the
    selectors and clauses against the families from the man page."""

    def __init__(self, fams, expr):
        self.fams = fams
        self.toks = tokenize(expr)
        self.i = 0
        self.errors = []
        self.vars = set()
        self.metrics = set()

    # tokens
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def accept(self, val):
        if self.peek()[1] == val and self.peek()[0] in ("op", "id"):
            return self.next()
        return None

    def expect(self, val):
        t = self.next()
        if t[1] != val:
            raise Fault("expected %r, found %r" % (val, t[1] or "end"))
        return t

    def parse(self):
        e = self.expr(0)
        if self.peek()[0] != "eof":
            raise Fault("unexpected %r" % self.peek()[1])
        return e

    def err(self, msg):
        if msg not in self.errors:
            self.errors.append(msg)

    # grammar
    def expr(self, level):
        if level == len(BINARY_PREC):
            return self.unary()
        ops, assoc = BINARY_PREC[level]
        lhs = self.expr(level + 1)
        while self.peek()[1] in ops and self.peek()[0] in ("op", "id"):
            op = self.next()[1]
            self.accept("bool")
            match = None
            if self.peek()[1] in ("on", "ignoring"):
                kw = self.next()[1]
                match = (kw, self.label_list())
            group = None
            if self.peek()[1] in ("group_left", "group_right"):
                kw = self.next()[1]
                extra = self.label_list() if self.peek()[1] == "(" else []
                group = (kw, extra)
            rhs = self.expr(level + 1 if assoc == "left" else level)
            lhs = self.binary(op, lhs, rhs, match, group)
        return lhs

    def binary(self, op, lhs, rhs, match, group):
        metrics = lhs.metrics + rhs.metrics
        if lhs.kind != "vector" or rhs.kind != "vector":
            vec = lhs if lhs.kind == "vector" else rhs
            if match or group:
                self.err("%s: on/ignoring/group_* between a vector and a scalar" % op)
            if vec.kind == "vector":
                return Expr("vector", vec.labels, metrics)
            return Expr("scalar", set(), metrics)
        if match:
            kw, labels = match
            if kw == "on":
                for side in (lhs, rhs):
                    self.check_clause(kw, labels, side)
            elif lhs.labels is not None and rhs.labels is not None:
                # Ignoring a label one side lacks is fine; neither is a slip.
                both = Expr("vector", lhs.labels | rhs.labels, metrics)
                self.check_clause(kw, labels, both)
        if group:
            kw, extra = group
            one = rhs if kw == "group_left" else lhs
            self.check_clause(kw, extra, one)
        if op in ("and", "unless"):
            return Expr("vector", lhs.labels, metrics)
        if op == "or":
            if lhs.labels is None or rhs.labels is None:
                return Expr("vector", None, metrics)
            return Expr("vector", lhs.labels | rhs.labels, metrics)
        base = rhs if group and group[0] == "group_right" else lhs
        labels = None if base.labels is None else set(base.labels)
        if match and match[0] == "on" and not group and labels is not None:
            labels = set(match[1]) & labels
        if group and labels is not None:
            other = lhs if base is rhs else rhs
            labels |= set(group[1]) & (other.labels or set(group[1]))
        return Expr("vector", labels, metrics)

    def unary(self):
        if self.peek()[1] in ("-", "+") and self.peek()[0] == "op":
            self.next()
            return self.unary()
        e = self.primary()
        return self.postfix(e)

    def postfix(self, e):
        while True:
            if self.peek()[1] == "[":
                self.next()
                self.duration()
                if self.accept(":"):
                    if self.peek()[1] != "]":
                        self.duration()
                    if e.kind != "vector":
                        self.err("a subquery of something not an instant vector")
                elif e.kind != "vector" or not e.selector:
                    self.err("a range of something not a selector")
                self.expect("]")
                e = Expr("range", e.labels, e.metrics, e.counter)
                e.selector = False
            elif self.peek()[1] == "offset":
                self.next()
                if self.peek()[1] == "-":
                    self.next()
                self.duration()
            elif self.peek()[1] == "@":
                self.next()
                t = self.next()
                if t[1] in ("start", "end"):
                    self.expect("(")
                    self.expect(")")
                elif t[0] not in ("num", "var"):
                    raise Fault("bad @ modifier %r" % t[1])
            else:
                return e

    def duration(self):
        t = self.next()
        if t[0] == "var":
            self.vars.add(var_name(t[1]))
        elif t[0] != "num":
            raise Fault("expected a duration, found %r" % (t[1] or "end"))

    def primary(self):
        kind, val = self.peek()
        if kind == "num" or (kind == "id" and val.lower() in ("inf", "nan")):
            self.next()
            e = Expr("scalar", set())
            e.selector = False
            return e
        if kind == "var":
            self.next()
            self.vars.add(var_name(val))
            e = Expr("scalar", set())
            e.selector = False
            return e
        if kind == "str":
            self.next()
            e = Expr("string", set())
            e.value = val[1:-1]
            return e
        if val == "(" and kind == "op":
            self.next()
            e = self.expr(0)
            self.expect(")")
            e = Expr(e.kind, e.labels, e.metrics, e.counter)
            e.selector = False
            return e
        if val == "{" and kind == "op":
            return self.selector(None)
        if kind == "id":
            if val in AGGREGATIONS and self.peek(1)[1] in ("(", "by", "without"):
                return self.aggregation()
            if self.peek(1)[1] == "(" and val not in KEYWORDS:
                return self.call()
            if val in KEYWORDS:
                raise Fault("unexpected %r" % val)
            return self.selector(val)
        raise Fault("unexpected %r" % (val or "end"))

    def label_list(self):
        self.expect("(")
        labels = []
        while self.peek()[1] != ")":
            t = self.next()
            if t[0] != "id":
                raise Fault("expected a label name, found %r" % (t[1] or "end"))
            labels.append(t[1])
            if not self.accept(","):
                break
        self.expect(")")
        return labels

    def aggregation(self):
        op = self.next()[1]
        grouping = None
        if self.peek()[1] in ("by", "without"):
            grouping = (self.next()[1], self.label_list())
        self.expect("(")
        args = [self.expr(0)]
        while self.accept(","):
            args.append(self.expr(0))
        self.expect(")")
        if grouping is None and self.peek()[1] in ("by", "without"):
            grouping = (self.next()[1], self.label_list())
        arg = args[-1]
        if arg.kind != "vector":
            self.err("%s() of something not an instant vector" % op)
        labels = arg.labels
        if grouping:
            kw, names = grouping
            self.check_clause("%s %s" % (op, kw), names, arg)
            if kw == "by":
                labels = set(names)
            elif labels is not None:
                labels = labels - set(names)
        elif op not in ("topk", "bottomk", "limitk", "limit_ratio"):
            labels = set()
        if op == "count_values" and labels is not None:
            labels = labels | {"__count_values__"}
        e = Expr("vector", labels, arg.metrics)
        e.selector = False
        return e

    def call(self):
        fn = self.next()[1]
        self.expect("(")
        args = []
        while self.peek()[1] != ")":
            args.append(self.expr(0))
            if not self.accept(","):
                break
        self.expect(")")
        vecs = [a for a in args if a.kind in ("vector", "range")]
        labels = vecs[0].labels if vecs else set()
        metrics = sum((a.metrics for a in args), ())
        if fn in COUNTER_FUNCS:
            for a in vecs:
                for m in a.metrics:
                    if not self.is_counter(m):
                        self.err("%s() over %s, which is not a counter" % (fn, m))
        if fn == "histogram_quantile" and vecs:
            a = vecs[-1]
            if a.labels is not None and "le" not in a.labels:
                self.err("histogram_quantile() over an input without le "
                         "(add le to its by clause)")
            labels = None if a.labels is None else a.labels - {"le"}
        if fn in NO_LABELS:
            labels = set()
        if fn in ("label_replace", "label_join") and args:
            # label_replace(v, dst, replacement, src, regex),
            # label_join(v, dst, separator, src...): dst is added, each src
            # must be there.
            strs = [getattr(a, "value", None) for a in args[1:]]
            srcs = strs[2:3] if fn == "label_replace" else strs[2:]
            if None in strs or not strs:
                self.err("%s() takes string literals after its vector" % fn)
                labels = None
            else:
                self.check_clause(fn + " source", [x for x in srcs if x], args[0])
                if labels is not None:
                    labels = labels | {strs[0]}
        if fn == "absent" or fn == "absent_over_time":
            labels = None
        kind = "scalar" if fn in ("scalar", "time", "pi") else "vector"
        e = Expr(kind, labels, metrics)
        e.selector = False
        return e

    def selector(self, name):
        if name is not None:
            self.next()
        matchers = []
        if self.accept("{"):
            while self.peek()[1] != "}":
                lt = self.next()
                if lt[0] not in ("id",):
                    raise Fault("expected a label name, found %r" % (lt[1] or "end"))
                opt = self.next()
                if opt[1] not in ("=", "!=", "=~", "!~"):
                    raise Fault("expected a matcher after %s, found %r" % (lt[1], opt[1]))
                vt = self.next()
                if vt[0] != "str":
                    raise Fault("expected a string after %s%s" % (lt[1], opt[1]))
                for v in re.findall(r"\$\{?([A-Za-z0-9_]+)", vt[1]):
                    self.vars.add(v)
                for v in re.findall(r"\[\[([A-Za-z0-9_]+)", vt[1]):
                    self.vars.add(v)
                matchers.append((lt[1], opt[1], vt[1][1:-1]))
                if not self.accept(","):
                    break
            self.expect("}")
        if name is None:
            names = [v for l, o, v in matchers if l == "__name__" and o == "="]
            if not names:
                self.err("a selector without a metric name")
                e = Expr("vector", None)
                e.selector = True
                return e
            name = names[0]
        labels, counter = self.metric(name)
        if labels is not None:
            for l, _, _ in matchers:
                if l != "__name__" and l not in labels:
                    self.err("%s has no label %s (it has: %s)"
                             % (name, l, ", ".join(sorted(labels)) or "none"))
        e = Expr("vector", labels, (name,), counter)
        e.selector = True
        return e

    def family_of(self, name):
        """(family, suffix) for a series name, or (None, None)."""
        if name in self.fams:
            return name, ""
        for suf in HIST_SUFFIXES:
            if name.endswith(suf) and name[:-len(suf)] in self.fams:
                return name[:-len(suf)], suf
        return None, None

    def metric(self, name):
        """The labels of series NAME, or None (and a fault) if undocumented."""
        fam, suf = self.family_of(name)
        self.metrics.add(fam or name)
        if fam is None:
            if name.startswith("zeroserve_"):
                self.err("%s is not documented in METRICS AND LOGS" % name)
            else:
                self.err("%s is not a zeroserve metric" % name)
            return None, False
        info = self.fams[fam]
        if info["type"] == "histogram":
            if suf == "":
                self.err("%s is a histogram: select %s_bucket, _sum or _count"
                         % (name, name))
            elif suf == "_bucket":
                return info["labels"] | {"le"}, True
            return set(info["labels"]), True
        elif suf:
            self.err("%s: %s is not a histogram" % (name, fam))
        return set(info["labels"]), info["type"] == "counter"

    def is_counter(self, name):
        fam, suf = self.family_of(name)
        if fam is None:
            return True     # already reported
        t = self.fams[fam]["type"]
        return t == "counter" or (t == "histogram" and suf != "")

    def check_clause(self, kw, names, arg):
        if arg.labels is None:
            return
        for l in names:
            if l not in arg.labels:
                what = " + ".join(sorted(set(arg.metrics))) or "its input"
                self.err("%s (%s): %s carries no label %s there (it has: %s)"
                         % (kw, ", ".join(names), what, l,
                            ", ".join(sorted(arg.labels)) or "none"))


def check_expr(fams, expr):
    """(faults, variables used, metric families used)"""
    p = PromQL(fams, expr)
    try:
        p.parse()
    except Fault as e:
        return ["does not parse: %s" % e], p.vars, p.metrics
    return p.errors, p.vars, p.metrics


def check_variable_query(fams, q):
    """label_values(...), query_result(...) or a bare expression."""
    q = q.strip()
    m = re.fullmatch(r"label_values\((.*)\)", q, re.S)
    if m:
        inner = m.group(1).strip()
        k = inner.rfind(",")
        if k < 0:
            label = inner
            owners = [n for n, f in fams.items() if label in f["labels"]]
            if not owners:
                return ["label_values(%s): no documented metric has it" % label], set(), set()
            return [], set(), set()
        sel, label = inner[:k].strip(), inner[k + 1:].strip()
        faults, used, metrics = check_expr(fams, sel)
        p = PromQL(fams, sel)
        try:
            e = p.parse()
            if e.labels is not None and label not in e.labels:
                faults.append("label_values: %s has no label %s" % (sel, label))
        except Fault:
            pass
        return faults, used, metrics
    m = re.fullmatch(r"query_result\((.*)\)", q, re.S)
    if m:
        return check_expr(fams, m.group(1))
    if re.fullmatch(r"(label_names|metrics)\(.*\)", q, re.S):
        return [], set(), set()
    return check_expr(fams, q)


# ---------------------------------------------------------------- dashboard


def all_panels(panels):
    for p in panels or []:
        yield p
        yield from all_panels(p.get("panels"))


def walk_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from walk_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_strings(v)


def check_dashboard(dash, fams):
    faults = []
    stats = {"panels": 0, "exprs": 0, "metrics": set()}
    if not isinstance(dash, dict):
        return ["the dashboard is not a JSON object"], stats
    tmpl = (dash.get("templating") or {}).get("list") or []
    defined = {v.get("name") for v in tmpl if isinstance(v, dict)}

    inputs = {i.get("name") for i in dash.get("__inputs", []) if isinstance(i, dict)}
    for s in walk_strings({k: v for k, v in dash.items() if k != "__inputs"}):
        for ds in re.findall(r"\$\{(DS_[A-Za-z0-9_]+)\}", s):
            if ds not in inputs:
                faults.append("${%s} is used but not declared in __inputs" % ds)
                inputs.add(ds)

    def use_vars(where, used):
        for v in sorted(used):
            if v not in defined and v not in GRAFANA_VARS and not v.startswith("DS_"):
                faults.append("%s: $%s is not a templating variable" % (where, v))

    ids = {}
    panels = list(all_panels(dash.get("panels")))
    if not panels:
        faults.append("the dashboard has no panels")
    for p in panels:
        stats["panels"] += 1
        title = p.get("title", "")
        pid = p.get("id")
        where = "panel %s %r" % (pid, title)
        if not isinstance(pid, int) or isinstance(pid, bool):
            faults.append("%s: no integer id" % where)
        elif pid in ids:
            faults.append("%s: id %d also used by %r" % (where, pid, ids[pid]))
        else:
            ids[pid] = title
        if p.get("type") == "row":
            continue
        targets = p.get("targets") or []
        if not targets:
            faults.append("%s: no targets" % where)
        for t in targets:
            expr = t.get("expr")
            if expr is None:
                faults.append("%s target %s: no expr" % (where, t.get("refId")))
                continue
            stats["exprs"] += 1
            errs, used, metrics = check_expr(fams, expr)
            stats["metrics"] |= metrics
            tw = "%s target %s" % (where, t.get("refId"))
            faults.extend("%s: %s" % (tw, e) for e in errs)
            use_vars(tw, used)

    # The grid: 24 columns; top-level panels (and a collapsed row's own
    # panels, laid out as if it were open) must not overlap.
    def grid(group, label):
        cells = []
        for p in group:
            g = p.get("gridPos") or {}
            try:
                x, y, w, h = (int(g[k]) for k in ("x", "y", "w", "h"))
            except (KeyError, TypeError, ValueError):
                faults.append("panel %s %r: no gridPos x, y, w, h" % (p.get("id"), p.get("title")))
                continue
            if x < 0 or w <= 0 or h <= 0 or x + w > 24:
                faults.append("panel %s %r: gridPos outside the 24 columns" % (p.get("id"), p.get("title")))
            for (q, qx, qy, qw, qh) in cells:
                if x < qx + qw and qx < x + w and y < qy + qh and qy < y + h:
                    faults.append("panel %s %r overlaps panel %s %r%s" % (
                        p.get("id"), p.get("title"), q.get("id"), q.get("title"), label))
            cells.append((p, x, y, w, h))
    top = dash.get("panels") or []
    grid(top, "")
    for p in top:
        if p.get("type") == "row" and p.get("panels"):
            grid(p["panels"], " (in row %r)" % p.get("title"))

    for v in tmpl:
        if not isinstance(v, dict) or v.get("type") != "query":
            continue
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if not isinstance(q, str) or not q:
            faults.append("variable %s: no query" % v.get("name"))
            continue
        stats["exprs"] += 1
        errs, used, metrics = check_variable_query(fams, q)
        stats["metrics"] |= metrics
        where = "variable %s" % v.get("name")
        faults.extend("%s: %s" % (where, e) for e in errs)
        use_vars(where, used - {v.get("name")})
        d = v.get("definition")
        if isinstance(d, str) and d and d.strip() != q.strip():
            faults.append("%s: definition %r differs from its query %r" % (where, d, q))

    for a in (dash.get("annotations") or {}).get("list") or []:
        if isinstance(a, dict) and a.get("expr"):
            stats["exprs"] += 1
            errs, used, metrics = check_expr(fams, a["expr"])
            stats["metrics"] |= metrics
            where = "annotation %r" % a.get("name")
            faults.extend("%s: %s" % (where, e) for e in errs)
            use_vars(where, used)
    return faults, stats


# ---------------------------------------------------------------- self-test

GOOD = [
    'sum by (route) (rate(zeroserve_requests_total{route=~"$route"}[$__rate_interval]))',
    'histogram_quantile(0.99, sum by (le, route) (rate(zeroserve_request_duration_seconds_bucket[5m])))',
    'max by (map) (zeroserve_bpf_map_entries / zeroserve_bpf_map_max_entries)',
    'sum by (engine) (rate(zeroserve_requests_total[5m])) / ignoring (engine) group_left '
    'sum(rate(zeroserve_requests_total[5m]))',
    'sum(rate(zeroserve_request_duration_seconds_sum[5m])) / sum(rate(zeroserve_request_duration_seconds_count[5m]))',
    'sum by (tool, outcome) (rate(zeroserve_mcp_calls_total{method="tools/call"}[5m]))',
    'sum(zeroserve_connections_open) or vector(0)',
    'max(zeroserve_kernel_engine)',
    'sum by (src) (label_replace(sum by (source) (rate(zeroserve_requests_total[5m])), "src", "$1", "source", "(.*)"))',
]
BAD = [
    ('sum by (route) (rate(zeroserve_requests_total_x[5m]))', "not documented"),
    ('rate(zeroserve_requests_total{path="/"}[5m])', "no label path"),
    ('sum by (instance) (rate(zeroserve_requests_total[5m]))', "no label instance"),
    ('sum by (route) (zeroserve_connections_open)', "no label route"),
    ('sum by (route) (sum by (code) (rate(zeroserve_requests_total[5m])))', "no label route"),
    ('histogram_quantile(0.9, sum by (route) (rate(zeroserve_request_duration_seconds_bucket[5m])))',
     "without le"),
    ('rate(zeroserve_request_duration_seconds[5m])', "is a histogram"),
    ('rate(zeroserve_requests_total_bucket[5m])', "is not a histogram"),
    ('rate(zeroserve_request_bytes_total[5m]) / ignoring (map) rate(zeroserve_response_bytes_total[5m])',
     "no label map"),
    ('rate(zeroserve_connections_open[5m])', "not a counter"),
    ('rate(zeroserve_kernel_handovers_total{map="x"}[5m])', "no label map"),
    ('sum by (reason) (rate(zeroserve_kernel_handovers_total[5m])', "does not parse"),
    ('up{job="zeroserve"}', "not a zeroserve metric"),
    ('zeroserve_bpf_map_entries / on (route) zeroserve_bpf_map_max_entries', "no label route"),
    ('sum(rate(zeroserve_requests_total{le="0.1"}[5m]))', "no label le"),
    ('label_replace(zeroserve_connections_open, "x", "$1", "route", "(.*)")', "no label route"),
]


def self_test(fams):
    bad = 0
    for e in GOOD:
        errs, _, _ = check_expr(fams, e)
        if errs:
            print("self-test: %s: unexpected faults: %s" % (e, "; ".join(errs)))
            bad += 1
    for e, want in BAD:
        errs, _, _ = check_expr(fams, e)
        if not any(want in x for x in errs):
            print("self-test: %s: expected a fault with %r, got %s" % (e, want, errs or "none"))
            bad += 1
    n = len(GOOD) + len(BAD)
    print("self-test: %d passed, %d failed" % (n - bad, bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        try:
            with open(argv[2], encoding="utf-8") as f:
                fams = parse_man(f.read())
        except (OSError, Fault) as e:
            print("%s: %s" % (argv[2], e))
            return 2
        return self_test(fams)
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    dpath, mpath = argv[1], argv[2]
    try:
        with open(mpath, encoding="utf-8") as f:
            man = f.read()
    except OSError as e:
        print("%s: %s" % (mpath, e))
        return 2
    try:
        fams = parse_man(man)
    except Fault as e:
        print("%s: %s" % (mpath, e))
        return 1
    try:
        with open(dpath, encoding="utf-8") as f:
            dash = json.load(f)
    except OSError as e:
        print("%s: %s" % (dpath, e))
        return 2
    except ValueError as e:
        print("%s: not JSON: %s" % (dpath, e))
        return 1
    faults, stats = check_dashboard(dash, fams)
    if faults:
        for x in faults:
            print("%s: %s" % (dpath, x))
        print("%s: %d faults" % (dpath, len(faults)))
        return 1
    used = sorted(stats["metrics"])
    unused = sorted(set(fams) - set(used))
    print("%s: ok: %d panels, unique ids; %d expressions use %d of the %d "
          "metric families %s documents, with their documented labels"
          % (dpath, stats["panels"], stats["exprs"], len(used), len(fams), mpath))
    if unused:
        print("not shown: %s" % ", ".join(unused))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
