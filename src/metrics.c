/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus registry. metrics_request() runs once per request on the
 * proxy's hot path, so it hashes the label tuple as the caller gave it and
 * looks it up in an open-addressing table: once a series exists, counting
 * into it allocates nothing and copies nothing. Everything that costs
 * (sorting, merging, escaping) waits for metrics_render(), which a scrape
 * calls a few times a minute.
 *
 * Bounds: request series, MCP series, sources and MCP (method, tool) pairs
 * each have a cap; past it a value counts as "other". The interned strings
 * are bounded by the series that hold them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#define NLAB_MAX  6 /* labels of a request series */
#define NLAB_REQ  6
#define NLAB_SRC  1
#define NLAB_PAIR 2
#define NLAB_MCP  4

/*
 * Upper bounds in seconds, and as written in the le label (each text parses
 * back to its bound). A value equal to a bound falls in its bucket. They
 * start at 50 us: a localhost answer takes tens of microseconds.
 */
static const struct {
	double le;
	const char *text;
} buckets[] = {
    {0.00005, "0.00005"}, {0.0001, "0.0001"}, {0.00025, "0.00025"}, {0.0005, "0.0005"},
    {0.001, "0.001"},	  {0.0025, "0.0025"}, {0.005, "0.005"},	    {0.01, "0.01"},
    {0.025, "0.025"},	  {0.05, "0.05"},     {0.1, "0.1"},	    {0.25, "0.25"},
    {0.5, "0.5"},	  {1, "1"},	      {2.5, "2.5"},	    {5, "5"},
    {10, "10"},
};
#define NBUCKET NITEMS(buckets)

static const char *const method_names[] = {"GET",   "HEAD",    "POST",	  "PUT",  "DELETE",
					   "PATCH", "OPTIONS", "CONNECT", "TRACE"};
static const char *const code_names[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
static const char *const outcome_names[] = {"ok", "error", "tool_error", "http_error", "none"};
static const char other[] = "other";

/*
 * An interned label value. raw is the value as callers pass it, what
 * lookups compare; disp is what render writes: raw, or a copy with every
 * byte that is not valid UTF-8 replaced by U+FFFD, since Prometheus rejects
 * a label value that is not UTF-8 (a cgroup name may be any bytes).
 */
struct istr {
	uint32_t hash;
	char *disp;
	char raw[];
};

struct intern {
	struct istr **slot;
	uint32_t mask, len;
};

/* lab[] beyond the table's nlab stay NULL, which ends a comparison. */
struct series {
	uint32_t hash;
	const struct istr *lab[NLAB_MAX];
	uint64_t n;
};

/* A request series; s first, so a struct series * of the request table is one. */
struct rseries {
	struct series s;
	uint64_t req_bytes, resp_bytes;
	double sum;
	uint64_t bucket[NBUCKET + 1]; /* per bucket, not cumulative; the last is +Inf */
};

/* Open addressing, linear probing, no deletion; at most half full. */
struct table {
	struct series **slot;
	uint32_t mask;
	unsigned int nlab, len, cap;
	size_t size; /* of one series */
};

struct metrics {
	struct intern strs;
	struct table req;   /* request series */
	struct table src;   /* sources admitted: one label */
	struct table pairs; /* MCP (method, tool) pairs admitted */
	struct table mcp;   /* MCP series */
	struct rseries *req_other;
	struct series *mcp_other;
};

/* FNV-1a over the string and its NUL, which separates the values of a tuple. */
static uint32_t hash_str(uint32_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	do {
		h ^= *p;
		h *= 16777619u;
	} while (*p++ != '\0');
	return h;
}

static uint32_t hash_key(const char *const *key, unsigned int n)
{
	uint32_t h = 2166136261u;
	unsigned int i;

	for (i = 0; i < n; i++)
		h = hash_str(h, key[i]);
	/* FNV's low bits are weak and the table index is the low bits: mix (murmur3's fmix32). */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Length of the valid UTF-8 sequence at p, 0 if it is not one (RFC 3629). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (p[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f; /* surrogates */
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (p[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80
			   ? 4
			   : 0;
	}
	return 0;
}

/* s itself if it is valid UTF-8, else a copy with U+FFFD for each bad byte. NULL with errno. */
static char *utf8_fix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	char *d, *o;

	while (*p != '\0' && (k = utf8_len(p)) != 0)
		p += k;
	if (*p == '\0')
		return (char *)s;
	d = malloc(strlen(s) * 3 + 1);
	if (d == NULL)
		return NULL;
	o = d;
	for (p = (const unsigned char *)s; *p != '\0'; p += k) {
		k = utf8_len(p);
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(o, p, k);
			o += k;
		}
	}
	*o = '\0';
	return d;
}

static void istr_free(struct istr *e)
{
	if (e->disp != e->raw)
		free(e->disp);
	free(e);
}

static int intern_init(struct intern *t)
{
	t->mask = 255;
	t->len = 0;
	t->slot = calloc(t->mask + 1, sizeof(*t->slot));
	return t->slot == NULL ? -ENOMEM : 0;
}

static int intern_grow(struct intern *t)
{
	uint32_t mask = t->mask * 2 + 1, i, j;
	struct istr **slot;

	slot = calloc((size_t)mask + 1, sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		if (t->slot[i] == NULL)
			continue;
		for (j = t->slot[i]->hash & mask; slot[j] != NULL; j = (j + 1) & mask)
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->mask = mask;
	return 0;
}

/* The registry's copy of s, made once. NULL with errno. */
static const struct istr *intern(struct intern *t, const char *s)
{
	uint32_t h = hash_key(&s, 1), i;
	struct istr *e;
	size_t len;

	for (i = h & t->mask; (e = t->slot[i]) != NULL; i = (i + 1) & t->mask)
		if (e->hash == h && strcmp(e->raw, s) == 0)
			return e;
	if ((t->len + 1) * 2 > t->mask + 1) {
		if (intern_grow(t) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		for (i = h & t->mask; t->slot[i] != NULL; i = (i + 1) & t->mask)
			;
	}
	len = strlen(s);
	e = malloc(sizeof(*e) + len + 1);
	if (e == NULL)
		return NULL;
	e->hash = h;
	memcpy(e->raw, s, len + 1);
	e->disp = utf8_fix(e->raw);
	if (e->disp == NULL) {
		free(e);
		return NULL;
	}
	t->slot[i] = e;
	t->len++;
	return e;
}

static void intern_free(struct intern *t)
{
	uint32_t i;

	if (t->slot == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] != NULL)
			istr_free(t->slot[i]);
	free(t->slot);
}

static int table_init(struct table *t, unsigned int nlab, unsigned int cap, size_t size)
{
	uint32_t n = 2;

	while (n < 2 * (uint32_t)cap)
		n *= 2;
	t->slot = calloc(n, sizeof(*t->slot));
	if (t->slot == NULL)
		return -ENOMEM;
	t->mask = n - 1;
	t->nlab = nlab;
	t->len = 0;
	t->cap = cap;
	t->size = size;
	return 0;
}

static void table_free(struct table *t)
{
	uint32_t i;

	if (t->slot == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		free(t->slot[i]);
	free(t->slot);
}

static int key_eq(const struct series *s, const char *const *key, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(s->lab[i]->raw, key[i]) != 0)
			return 0;
	return 1;
}

static struct series *table_find(const struct table *t, const char *const *key, uint32_t h)
{
	struct series *s;
	uint32_t i;

	for (i = h & t->mask; (s = t->slot[i]) != NULL; i = (i + 1) & t->mask)
		if (s->hash == h && key_eq(s, key, t->nlab))
			return s;
	return NULL;
}

/* A new series for key, which table_find() did not find; NULL when full or out of memory. */
static struct series *table_add(struct metrics *m, struct table *t, const char *const *key,
				uint32_t h)
{
	struct series *s;
	unsigned int i;
	uint32_t j;

	if (t->len >= t->cap)
		return NULL;
	s = calloc(1, t->size);
	if (s == NULL)
		return NULL;
	s->hash = h;
	for (i = 0; i < t->nlab; i++) {
		s->lab[i] = intern(&m->strs, key[i]);
		if (s->lab[i] == NULL) {
			free(s);
			return NULL;
		}
	}
	for (j = h & t->mask; t->slot[j] != NULL; j = (j + 1) & t->mask)
		;
	t->slot[j] = s;
	t->len++;
	return s;
}

static struct series *table_get(struct metrics *m, struct table *t, const char *const *key)
{
	uint32_t h = hash_key(key, t->nlab);
	struct series *s = table_find(t, key, h);

	return s != NULL ? s : table_add(m, t, key, h);
}

/* The series outside the table that takes what the table has no room for. */
static struct series *other_new(struct metrics *m, const struct table *t)
{
	const struct istr *o = intern(&m->strs, other);
	struct series *s;
	unsigned int i;

	if (o == NULL)
		return NULL;
	s = calloc(1, t->size);
	if (s == NULL)
		return NULL;
	for (i = 0; i < t->nlab; i++)
		s->lab[i] = o;
	return s;
}

struct metrics *metrics_new(unsigned int max_sources)
{
	struct metrics *m;

	if (max_sources > METRICS_MAX_SERIES)
		max_sources = METRICS_MAX_SERIES;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	if (intern_init(&m->strs) < 0 ||
	    table_init(&m->req, NLAB_REQ, METRICS_MAX_SERIES, sizeof(struct rseries)) < 0 ||
	    table_init(&m->src, NLAB_SRC, max_sources, sizeof(struct series)) < 0 ||
	    table_init(&m->pairs, NLAB_PAIR, METRICS_MAX_MCP_PAIRS, sizeof(struct series)) < 0 ||
	    table_init(&m->mcp, NLAB_MCP, METRICS_MAX_MCP_SERIES, sizeof(struct series)) < 0)
		goto fail;
	m->req_other = (struct rseries *)other_new(m, &m->req);
	m->mcp_other = other_new(m, &m->mcp);
	if (m->req_other == NULL || m->mcp_other == NULL)
		goto fail;
	return m;
fail:
	metrics_free(m);
	errno = ENOMEM;
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	table_free(&m->req);
	table_free(&m->src);
	table_free(&m->pairs);
	table_free(&m->mcp);
	free(m->req_other);
	free(m->mcp_other);
	intern_free(&m->strs);
	free(m);
}

static const char *method_fold(const char *s)
{
	size_t i;

	if (s == NULL)
		return other;
	for (i = 0; i < NITEMS(method_names); i++)
		if (strcmp(s, method_names[i]) == 0)
			return method_names[i];
	return other;
}

static const char *code_class(int status)
{
	if (status < 100 || status > 599)
		return other;
	return code_names[status / 100 - 1];
}

static const char *engine_name(enum metrics_engine e)
{
	switch (e) {
	case METRICS_KERNEL:
		return "kernel";
	case METRICS_USERSPACE:
		return "userspace";
	}
	return other;
}

/* The source's label value: itself while there is room for it, else "other". */
static const char *source_fold(struct metrics *m, const char *s)
{
	struct series *e;

	if (s[0] == '\0')
		return s;
	e = table_get(m, &m->src, &s);
	return e != NULL ? e->lab[0]->raw : other;
}

/*
 * Off the fast path: the tuple has no series yet, or its source was
 * folded. The first lookup used the source as given, which only an
 * admitted source has a series for.
 */
static struct rseries *request_series_slow(struct metrics *m, const char **key)
{
	const char *src = source_fold(m, key[5]);
	struct series *s = NULL;

	if (src != key[5]) {
		key[5] = src;
		s = table_find(&m->req, key, hash_key(key, NLAB_REQ));
	}
	if (s == NULL)
		s = table_add(m, &m->req, key, hash_key(key, NLAB_REQ));
	return s != NULL ? (struct rseries *)s : m->req_other;
}

void metrics_request(struct metrics *m, const struct metrics_req *r)
{
	const char *key[NLAB_REQ];
	struct series *s;
	struct rseries *rs;
	double d = r->duration_s;
	size_t b;

	key[0] = r->route != NULL ? r->route : "-";
	key[1] = r->backend != NULL ? r->backend : "-";
	key[2] = method_fold(r->method);
	key[3] = code_class(r->status);
	key[4] = engine_name(r->engine);
	key[5] = r->source != NULL ? r->source : "";
	s = table_find(&m->req, key, hash_key(key, NLAB_REQ));
	rs = s != NULL ? (struct rseries *)s : request_series_slow(m, key);

	/* A clock that went backwards, or NaN, must not poison the sum for good. */
	if (!(d >= 0))
		d = 0;
	for (b = 0; b < NBUCKET && d > buckets[b].le; b++)
		;
	rs->bucket[b]++;
	rs->sum += d;
	rs->s.n++;
	rs->req_bytes += r->request_bytes;
	rs->resp_bytes += r->response_bytes;
}

/*
 * Printable ASCII but space, cut at METRICS_MCP_LABEL_MAX bytes: the values
 * come from a client's JSON, and one label value must stay one token.
 */
static void mcp_clean(char *d, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < METRICS_MCP_LABEL_MAX; i++)
		d[i] = (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e ? s[i] : '_';
	d[i] = '\0';
}

static const char *outcome_fold(const char *s)
{
	size_t i;

	if (s == NULL)
		return other;
	for (i = 0; i < NITEMS(outcome_names); i++)
		if (strcmp(s, outcome_names[i]) == 0)
			return outcome_names[i];
	return other;
}

void metrics_mcp(struct metrics *m, const char *route, const char *method, const char *tool,
		 const char *outcome)
{
	char mb[METRICS_MCP_LABEL_MAX + 1], tb[METRICS_MCP_LABEL_MAX + 1];
	const char *key[NLAB_MCP];
	struct series *s;

	mcp_clean(mb, method);
	mcp_clean(tb, tool);
	/* Only a tools/call names a tool: anything else would be a label a client fills. */
	if (strcmp(mb, "tools/call") != 0)
		tb[0] = '\0';
	key[1] = mb;
	key[2] = tb;
	if (table_get(m, &m->pairs, &key[1]) == NULL) {
		key[1] = other;
		key[2] = other;
	}
	key[0] = route != NULL ? route : "-";
	key[3] = outcome_fold(outcome);
	s = table_get(m, &m->mcp, key);
	if (s == NULL)
		s = m->mcp_other;
	s->n++;
}

/* Render. */

/*
 * Output into one growing block, with a sticky error checked once at the
 * end: many small evbuffer_add() calls cost several times more, and a
 * registry at its caps writes some 90,000 lines in one turn of the loop.
 */
struct out {
	char *p;
	size_t len, cap;
	int err;
};

static int reserve(struct out *o, size_t n)
{
	size_t cap = o->cap != 0 ? o->cap : 16384;
	char *p;

	if (o->err != 0)
		return o->err;
	if (o->len + n <= o->cap)
		return 0;
	while (cap < o->len + n)
		cap *= 2;
	p = realloc(o->p, cap);
	if (p == NULL) {
		o->err = -ENOMEM;
		return o->err;
	}
	o->p = p;
	o->cap = cap;
	return 0;
}

static void put(struct out *o, const char *s, size_t len)
{
	if (reserve(o, len) < 0)
		return;
	memcpy(o->p + o->len, s, len);
	o->len += len;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A label value escapes \, " and newline; HELP text escapes \ and newline. */
static void put_esc(struct out *o, const char *s, int quote)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *e;

		if (*s == '\\')
			e = "\\\\";
		else if (*s == '\n')
			e = "\\n";
		else if (*s == '"' && quote)
			e = "\\\"";
		else
			continue;
		put(o, run, (size_t)(s - run));
		put(o, e, 2);
		run = s + 1;
	}
	put(o, run, (size_t)(s - run));
}

/* " v\n": the end of a sample line. */
static void put_u64(struct out *o, uint64_t v)
{
	char buf[24], *d = buf + sizeof(buf);

	*--d = '\n';
	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	*--d = ' ';
	put(o, d, (size_t)(buf + sizeof(buf) - d));
}

/* The shortest of %.15g..%.17g that reads back as v: exact, and 0.1 stays "0.1". */
static void put_double(struct out *o, double v)
{
	char buf[32];
	int p;

	if (isnan(v)) {
		put_str(o, " NaN\n");
		return;
	}
	if (isinf(v)) {
		put_str(o, v > 0 ? " +Inf\n" : " -Inf\n");
		return;
	}
	/* %g writes the C locale's '.': zeroserve never calls setlocale(). */
	for (p = 15; p < 17; p++) {
		snprintf(buf, sizeof(buf), " %.*g\n", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (p == 17)
		snprintf(buf, sizeof(buf), " %.17g\n", v);
	put_str(o, buf);
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put_str(o, "# HELP ");
	put_str(o, name);
	put(o, " ", 1);
	put_esc(o, help, 0);
	put_str(o, "\n# TYPE ");
	put_str(o, name);
	put(o, " ", 1);
	put_str(o, type);
	put(o, "\n", 1);
}

static void scalar(struct out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	family(o, name, type, help);
	put_str(o, name);
	put_u64(o, v);
}

/* Where a series' labels were first written, so its next lines copy them: len 0, not yet. */
struct labels {
	size_t off, len;
};

/* name{l0="v0",...[,le="x"]} with the values of s; a NULL name ends lname. */
static void put_series(struct out *o, const char *name, const char *const *lname,
		       const struct series *s, const char *le, struct labels *c)
{
	unsigned int i;

	put_str(o, name);
	put(o, "{", 1);
	if (c->len == 0) {
		c->off = o->len;
		for (i = 0; i < NLAB_MAX && lname[i] != NULL; i++) {
			if (i > 0)
				put(o, ",", 1);
			put_str(o, lname[i]);
			put(o, "=\"", 2);
			put_esc(o, s->lab[i]->disp, 1);
			put(o, "\"", 1);
		}
		c->len = o->err == 0 ? o->len - c->off : 0;
	} else if (reserve(o, c->len) == 0) {
		memcpy(o->p + o->len, o->p + c->off, c->len);
		o->len += c->len;
	}
	if (le != NULL) {
		put_str(o, c->len != 0 ? ",le=\"" : "le=\"");
		put_str(o, le);
		put(o, "\"", 1);
	}
	put(o, "}", 1);
}

static int series_cmp(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	unsigned int i;
	int c;

	for (i = 0; i < NLAB_MAX && x->lab[i] != NULL; i++) {
		c = strcmp(x->lab[i]->disp, y->lab[i]->disp);
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * The table's series and its "other" one if used, sorted by the label
 * values as written. Two series can be written alike (two raw values with
 * the same bad bytes, or a tuple that is "other" everywhere): they are
 * neighbours now, and render adds them up as one. NULL with errno.
 */
static struct series **table_sorted(const struct table *t, struct series *extra, size_t *n)
{
	struct series **v;
	uint32_t i;
	size_t k = 0;

	v = malloc((t->len + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] != NULL)
			v[k++] = t->slot[i];
	if (extra->n > 0)
		v[k++] = extra;
	qsort(v, k, sizeof(*v), series_cmp);
	*n = k;
	return v;
}

/* The end of the run of series written alike that starts at i. */
static size_t run_end(struct series *const *v, size_t n, size_t i)
{
	size_t j;

	for (j = i + 1; j < n && series_cmp(&v[i], &v[j]) == 0; j++)
		;
	return j;
}

static const char help_requests[] = "Requests finished, by route, backend, method, status class "
				    "(code), engine and calling service (source).";

static void render_requests(struct out *o, struct series *const *v, size_t n)
{
	static const char *const lname[] = {"route",  "backend", "method", "code",
					    "engine", "source",	 NULL};
	static const char *const fam[] = {"zeroserve_requests_total",
					  "zeroserve_request_bytes_total",
					  "zeroserve_response_bytes_total"};
	static const char *const help[] = {
	    help_requests,
	    "Bytes of requests as received, head and body.",
	    "Bytes of responses as sent, head and body.",
	};
	static const char hist[] = "zeroserve_request_duration_seconds";
	size_t i, j, k, f, b;

	for (f = 0; f < NITEMS(fam); f++) {
		family(o, fam[f], "counter", help[f]);
		for (i = 0; i < n; i = j) {
			struct labels c = {0, 0};
			uint64_t sum = 0;

			j = run_end(v, n, i);
			for (k = i; k < j; k++) {
				const struct rseries *r = (const struct rseries *)v[k];

				sum += f == 0 ? r->s.n : f == 1 ? r->req_bytes : r->resp_bytes;
			}
			put_series(o, fam[f], lname, v[i], NULL, &c);
			put_u64(o, sum);
		}
		if (f > 0)
			continue;
		/* The histogram second, next to the count it breaks down. */
		family(o, hist, "histogram",
		       "Request duration in seconds, as the engine that carried the request "
		       "measured it.");
		for (i = 0; i < n; i = j) {
			uint64_t bucket[NBUCKET + 1] = {0}, cum = 0, cnt = 0;
			struct labels c = {0, 0};
			double sum = 0;

			j = run_end(v, n, i);
			for (k = i; k < j; k++) {
				const struct rseries *r = (const struct rseries *)v[k];

				for (b = 0; b <= NBUCKET; b++)
					bucket[b] += r->bucket[b];
				sum += r->sum;
				cnt += r->s.n;
			}
			for (b = 0; b <= NBUCKET; b++) {
				cum += bucket[b];
				put_series(o, "zeroserve_request_duration_seconds_bucket", lname,
					   v[i], b < NBUCKET ? buckets[b].text : "+Inf", &c);
				put_u64(o, cum);
			}
			put_series(o, "zeroserve_request_duration_seconds_sum", lname, v[i], NULL,
				   &c);
			put_double(o, sum);
			put_series(o, "zeroserve_request_duration_seconds_count", lname, v[i], NULL,
				   &c);
			put_u64(o, cnt);
		}
	}
}

static void render_mcp(struct out *o, struct series *const *v, size_t n)
{
	static const char *const lname[] = {"route", "method", "tool", "outcome", NULL};
	static const char name[] = "zeroserve_mcp_calls_total";
	size_t i, j, k;

	family(o, name, "counter", "MCP JSON-RPC calls, by route, method, tool and outcome.");
	for (i = 0; i < n; i = j) {
		struct labels c = {0, 0};
		uint64_t sum = 0;

		j = run_end(v, n, i);
		for (k = i; k < j; k++)
			sum += v[k]->n;
		put_series(o, name, lname, v[i], NULL, &c);
		put_u64(o, sum);
	}
}

/* The i-th name as written: its UTF-8 fix if it needed one. */
static const char *named(char *const *disp, const char *const *names, size_t i)
{
	if (disp[i] != NULL)
		return disp[i];
	return names[i] != NULL ? names[i] : "";
}

/*
 * One sample per distinct name, in the order given, a name given twice
 * being the sum: the owner's names (reasons, maps) are its own constants,
 * but a duplicate series would make the whole scrape fail.
 */
static int render_named(struct out *o, const char *name, const char *type, const char *help,
			const char *label, const char *const *names, const uint64_t *vals, size_t n)
{
	char **disp;
	size_t i, j;
	int err = 0;

	family(o, name, type, help);
	if (n == 0)
		return 0;
	disp = calloc(n, sizeof(*disp));
	if (disp == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *s = names[i] != NULL ? names[i] : "";

		disp[i] = utf8_fix(s);
		if (disp[i] == NULL) {
			err = -ENOMEM;
			break;
		}
		if (disp[i] == s)
			disp[i] = NULL; /* not ours to free: names[i] below */
	}
	for (i = 0; err == 0 && i < n; i++) {
		const char *di = named(disp, names, i);
		uint64_t sum = 0;
		int seen = 0;

		for (j = 0; j < n; j++) {
			const char *dj = named(disp, names, j);

			if (strcmp(di, dj) != 0)
				continue;
			if (j < i) {
				seen = 1;
				break;
			}
			sum += vals != NULL ? vals[j] : 0;
		}
		if (seen)
			continue;
		put_str(o, name);
		put(o, "{", 1);
		put_str(o, label);
		put(o, "=\"", 2);
		put_esc(o, di, 1);
		put(o, "\"}", 2);
		put_u64(o, sum);
	}
	for (i = 0; i < n; i++)
		free(disp[i]);
	free(disp);
	return err;
}

static int render_state(struct out *o, const struct metrics_state *st)
{
	const char **mname = NULL;
	uint64_t *mval = NULL;
	size_t i, nh = st->handover_reason != NULL ? st->nhandover : 0;
	size_t nm = st->maps != NULL ? st->nmaps : 0;
	int err;

	scalar(o, "zeroserve_requests_in_flight", "gauge",
	       "Requests the userspace engine is handling now.", st->requests_in_flight);
	scalar(o, "zeroserve_connections_open", "gauge", "Client connections open now.",
	       st->connections_open);
	scalar(o, "zeroserve_upstream_connect_errors_total", "counter",
	       "Connections to a backend that could not be made.", st->upstream_connect_errors);
	scalar(o, "zeroserve_upstream_timeouts_total", "counter",
	       "Exchanges with a backend that timed out.", st->upstream_timeouts);
	err = render_named(o, "zeroserve_kernel_handovers_total", "counter",
			   "Requests the kernel engine handed over to userspace, by reason.",
			   "reason", st->handover_reason, st->handover, nh);
	if (err < 0)
		return err;
	if (nm > 0) {
		mname = calloc(nm, sizeof(*mname));
		mval = calloc(nm, sizeof(*mval));
		if (mname == NULL || mval == NULL) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < nm; i++) {
			mname[i] = st->maps[i].name;
			mval[i] = st->maps[i].used;
		}
	}
	err = render_named(o, "zeroserve_bpf_map_entries", "gauge", "Entries in each BPF map.",
			   "map", mname, mval, nm);
	if (err < 0)
		goto out;
	for (i = 0; i < nm; i++)
		mval[i] = st->maps[i].max;
	err = render_named(o, "zeroserve_bpf_map_max_entries", "gauge",
			   "The most entries each BPF map can hold.", "map", mname, mval, nm);
	if (err < 0)
		goto out;
	scalar(o, "zeroserve_log_events_total", "counter",
	       "Request events read from the kernel engine.", st->log_events);
	scalar(o, "zeroserve_log_events_dropped_total", "counter",
	       "Request events of the kernel engine that were lost before they were read.",
	       st->log_events_dropped);
	scalar(o, "zeroserve_otlp_records_sent_total", "counter", "OTLP log records sent.",
	       st->otlp_records_sent);
	scalar(o, "zeroserve_otlp_records_dropped_total", "counter",
	       "OTLP log records dropped before they were sent.", st->otlp_records_dropped);
	scalar(o, "zeroserve_kernel_engine", "gauge", "1 if the kernel engine is running, else 0.",
	       st->engine_kernel ? 1 : 0);
out:
	free(mname);
	free(mval);
	return err;
}

/* evbuffer_add_reference()'s cleanup: the block becomes the evbuffer's. */
static void out_free(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

int metrics_render(const struct metrics *m, const struct metrics_state *st, struct evbuffer *out)
{
	static const struct metrics_state zero;
	struct series **req = NULL, **mcp = NULL;
	struct out o = {NULL, 0, 0, 0};
	size_t nreq = 0, nmcp = 0;
	int err = -ENOMEM;

	if (st == NULL)
		st = &zero;
	req = table_sorted(&m->req, &m->req_other->s, &nreq);
	mcp = table_sorted(&m->mcp, m->mcp_other, &nmcp);
	if (req == NULL || mcp == NULL)
		goto out;
	render_requests(&o, req, nreq);
	err = render_state(&o, st);
	if (err < 0)
		goto out;
	render_mcp(&o, mcp, nmcp);
	err = o.err;
	if (err < 0)
		goto out;
	/* Written aside and handed over whole, without a copy: a failure leaves out as it was. */
	if (evbuffer_add_reference(out, o.p, o.len, out_free, NULL) < 0) {
		err = -ENOMEM;
		goto out;
	}
	o.p = NULL;
out:
	free(req);
	free(mcp);
	free(o.p);
	return err;
}
