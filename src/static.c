/* SPDX-License-Identifier: MIT */
/*
 * The responder for directory routes. Small files live in a cache with
 * their response fields prebuilt and are revalidated with one stat per
 * request, so a hit costs one writev of head and body; large files go out
 * with sendfile(2); compressible ones may be gzipped (once for cached
 * files, streamed for large ones).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "config.h"
#include "conn.h"
#include "dirlist.h"
#include "fspath.h"
#include "gzstream.h"
#include "log.h"
#include "mime.h"
#include "router.h"
#include "server.h"
#include "session.h"
#include "static.h"

/* Files up to this size are cached, within CACHE_BYTES in all. */
#define CACHE_FILE_MAX (128 * 1024)
#define CACHE_BYTES    (64 * 1024 * 1024)
#define CACHE_BUCKETS  4096
/*
 * Cached files from this size keep their file open and go out with
 * sendfile(2), the head in the same packet (at most CACHE_SEGMENTS of them,
 * one descriptor each); smaller ones from memory with one writev. Measured
 * here (Linux 6.18, loopback, 64 KiB): the copy into the socket was a
 * quarter of the server's CPU time, and sendfile cut the CPU per request by
 * 15-20%; at 20 KiB the two were even.
 */
#define CACHE_SENDFILE_MIN (32 * 1024)
#define CACHE_SEGMENTS	   256
/* Smaller bodies gain less from gzip than the header costs. */
#define GZIP_MIN 1024

struct centry {
	struct centry *hnext;
	TAILQ_ENTRY(centry) lru;
	uint32_t hash;
	unsigned int route;
	char *key; /* relative path */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	char *data;			   /* the body, or NULL when seg sends it */
	struct evbuffer_file_segment *seg; /* the open file, for sendfile */
	char *gz;			   /* gzip of the body, NULL when not worth it */
	size_t gzlen;
	const char *ctype;
	time_t mtime;
	int vary;
	int refs; /* the cache's own, plus one per body queued for a client */
	char etag[64], etag_gz[72], lastmod[40];
};

TAILQ_HEAD(centry_list, centry);

struct static_files {
	const struct config *cfg;
	int *rootfd; /* per route id; -1 for backends */
	size_t nroutes;
	const char *cache_control;
	struct centry *buckets[CACHE_BUCKETS];
	struct centry_list lru;
	size_t bytes, entries, segments;
};

struct static_body {
	struct gzstream *gz; /* NULL: only the queued output is left */
	int chunked;
};

/* One request being answered. */
struct sreq {
	struct session *s;
	struct static_files *sf;
	const struct http_head *h;
	unsigned int route;
	int rootfd;
	int head_only;
	int keep;
	int gzip_ok; /* the client accepts gzip */
	int flags;   /* FSPATH_* */
	const char *query;
	size_t qlen;
	char rel[FSPATH_MAX];
};

/* A representation about to be sent, and where its body comes from. */
struct variant {
	const char *ctype;
	const char *etag;
	const char *lastmod;
	time_t mtime;
	off_t size; /* -1: streamed, length unknown */
	const char *encoding;
	int vary;
	int ranges;
	const char *data; /* body in memory ... */
	struct centry *entry;
	struct evbuffer_file_segment *seg; /* ... or in a cached open file ... */
	int fd;				   /* ... or in this file (taken), sendfile or gzip */
	int gzstream;
};

/* ---- small helpers ------------------------------------------------------ */

static const char *http_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

/* The Date field value, formatted once a second. */
static const char *date_now(void)
{
	static char buf[40];
	static time_t last = -1;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != last) {
		last = ts.tv_sec;
		http_date(last, buf, sizeof(buf));
	}
	return buf;
}

static void add_str(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

static void add_u64(struct evbuffer *b, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	evbuffer_add(b, p, (size_t)(buf + sizeof(buf) - p));
}

/* A header value copied out as a C string; 0 when absent or too long. */
static int header_str(const struct http_head *h, const char *name, char *buf, size_t len)
{
	size_t n;
	const char *v = http_head_get(h, name, &n);

	if (v == NULL || n >= len)
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 1;
}

static int has_range(const struct http_head *h)
{
	size_t n;

	return http_head_get(h, "range", &n) != NULL;
}

static int accepts_gzip(const struct http_head *h)
{
	const char *v, *end, *tok, *semi, *q;
	size_t n, tl;

	v = http_head_get(h, "accept-encoding", &n);
	if (v == NULL)
		return 0;
	end = v + n;
	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		tok = v;
		while (v < end && *v != ',')
			v++;
		semi = memchr(tok, ';', (size_t)(v - tok));
		tl = (size_t)((semi ? semi : v) - tok);
		while (tl > 0 && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t'))
			tl--;
		if (!((tl == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tl == 1 && *tok == '*')))
			continue;
		/* "gzip;q=0" refuses it. */
		q = semi ? memchr(semi, '=', (size_t)(v - semi)) : NULL;
		if (q != NULL) {
			q++;
			while (q < v && *q == ' ')
				q++;
			if (q < v && *q == '0') {
				for (q++; q < v && (*q == '.' || *q == '0'); q++)
					;
				if (q == v || *q == ' ' || *q == ';')
					continue;
			}
		}
		return 1;
	}
	return 0;
}

/* Does an If-None-Match list name etag? Weak comparison: W/ is ignored. */
static int etag_listed(const char *v, size_t n, const char *etag)
{
	const char *end = v + n, *t;
	size_t el = strlen(etag);

	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		if (v < end && *v == '*')
			return 1;
		if (end - v > 2 && v[0] == 'W' && v[1] == '/')
			v += 2;
		t = v;
		if (v < end && *v == '"') {
			v = memchr(v + 1, '"', (size_t)(end - v - 1));
			if (v == NULL)
				return 0;
			v++;
		}
		if ((size_t)(v - t) == el && memcmp(t, etag, el) == 0)
			return 1;
		while (v < end && *v != ',')
			v++;
	}
	return 0;
}

/* 304 Not Modified? If-None-Match, when present, decides alone. */
static int not_modified(const struct http_head *h, const struct variant *v)
{
	const char *inm;
	char ims[64];
	struct tm tm;
	size_t n;

	inm = http_head_get(h, "if-none-match", &n);
	if (inm != NULL)
		return etag_listed(inm, n, v->etag);
	if (!header_str(h, "if-modified-since", ims, sizeof(ims)))
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
		return 0;
	return v->mtime <= timegm(&tm);
}

/*
 * Range: bytes=... for a body of size bytes. 0: answer the whole body
 * (none, malformed, several ranges, or If-Range says the client's copy is
 * old); 206 with *off, *len set; 416.
 */
static int range_parse(const struct http_head *h, const struct variant *v, off_t size, off_t *off,
		       off_t *len)
{
	char buf[128], ir[128], *p, *end;
	unsigned long long a, b;
	int have_a = 0, have_b = 0;

	if (!header_str(h, "range", buf, sizeof(buf)))
		return 0;
	if (header_str(h, "if-range", ir, sizeof(ir))) {
		/* A strong ETag or the exact date: anything else means "send it all". */
		if (strcmp(ir, v->etag) != 0 && strcmp(ir, v->lastmod) != 0)
			return 0;
	}
	if (strncasecmp(buf, "bytes=", 6) != 0 || strchr(buf, ',') != NULL)
		return 0;
	p = buf + 6;
	while (*p == ' ')
		p++;
	a = b = 0;
	if (*p >= '0' && *p <= '9') {
		errno = 0;
		a = strtoull(p, &end, 10);
		if (errno)
			return 0;
		p = end;
		have_a = 1;
	}
	if (*p++ != '-')
		return 0;
	if (*p >= '0' && *p <= '9') {
		errno = 0;
		b = strtoull(p, &end, 10);
		if (errno)
			return 0;
		p = end;
		have_b = 1;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || (!have_a && !have_b))
		return 0;
	if (!have_a) {
		/* The last b bytes. */
		if (b == 0 || size == 0)
			return 416;
		if (b > (unsigned long long)size)
			b = (unsigned long long)size;
		*off = size - (off_t)b;
		*len = (off_t)b;
		return 206;
	}
	if (have_b && b < a)
		return 0; /* invalid: ignored, as RFC 9110 allows */
	if (a >= (unsigned long long)size)
		return 416;
	if (!have_b || b >= (unsigned long long)size)
		b = (unsigned long long)size - 1;
	*off = (off_t)a;
	*len = (off_t)(b - a + 1);
	return 206;
}

/* ---- the cache ---------------------------------------------------------- */

static uint32_t key_hash(unsigned int route, const char *key)
{
	uint32_t h = 2166136261u ^ route;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

static void centry_put(struct centry *e)
{
	if (--e->refs > 0)
		return;
	if (e->seg != NULL)
		evbuffer_file_segment_free(e->seg);
	free(e->key);
	free(e->data);
	free(e->gz);
	free(e);
}

static void centry_unlink(struct static_files *sf, struct centry *e)
{
	struct centry **pp = &sf->buckets[e->hash % CACHE_BUCKETS];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	TAILQ_REMOVE(&sf->lru, e, lru);
	sf->bytes -= (e->data ? (size_t)e->size : 0) + e->gzlen;
	sf->entries--;
	if (e->seg != NULL)
		sf->segments--;
	centry_put(e);
}

static struct centry *cache_find(struct static_files *sf, unsigned int route, const char *key,
				 uint32_t hash)
{
	struct centry *e;

	for (e = sf->buckets[hash % CACHE_BUCKETS]; e != NULL; e = e->hnext)
		if (e->hash == hash && e->route == route && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static int same_file(const struct centry *e, const struct stat *st)
{
	return S_ISREG(st->st_mode) && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && e->mtim.tv_sec == st->st_mtim.tv_sec &&
	       e->mtim.tv_nsec == st->st_mtim.tv_nsec && e->ctim.tv_sec == st->st_ctim.tv_sec &&
	       e->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Validators: size, mtime (ns) and inode; a rewrite of the file changes one. */
static void make_validators(const struct stat *st, char *etag, size_t elen, char *etag_gz,
			    size_t glen, char *lastmod, size_t llen)
{
	unsigned long long ns = (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
				(unsigned long long)st->st_mtim.tv_nsec;

	snprintf(etag, elen, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_size, ns,
		 (unsigned long long)st->st_ino);
	if (etag_gz != NULL)
		snprintf(etag_gz, glen, "\"%llx-%llx-%llx-gz\"", (unsigned long long)st->st_size,
			 ns, (unsigned long long)st->st_ino);
	http_date(st->st_mtime, lastmod, llen);
}

/* Read a small file into a new cache entry. NULL when it cannot be cached. */
static struct centry *cache_fill(struct static_files *sf, unsigned int route, const char *key,
				 int fd, const struct stat *st)
{
	struct centry *e, *old;
	uint32_t hash = key_hash(route, key);
	size_t got = 0;
	ssize_t n;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->key = strdup(key);
	e->data = malloc(st->st_size > 0 ? (size_t)st->st_size : 1);
	if (e->key == NULL || e->data == NULL)
		goto fail;
	while (got < (size_t)st->st_size) {
		n = pread(fd, e->data + got, (size_t)st->st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail; /* truncated under us: serve it uncached */
		got += (size_t)n;
	}
	e->hash = hash;
	e->route = route;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtim = st->st_mtim;
	e->ctim = st->st_ctim;
	e->mtime = st->st_mtime;
	e->ctype = mime_type(key, strlen(key));
	e->vary = !sf->cfg->no_gzip && mime_compressible(e->ctype);
	make_validators(st, e->etag, sizeof(e->etag), e->etag_gz, sizeof(e->etag_gz), e->lastmod,
			sizeof(e->lastmod));
	if (e->vary && e->size >= GZIP_MIN &&
	    gz_compress(e->data, (size_t)e->size, &e->gz, &e->gzlen) == 0 &&
	    e->gzlen >= (size_t)e->size) {
		free(e->gz);
		e->gz = NULL;
		e->gzlen = 0;
	}
	old = cache_find(sf, route, key, hash);
	if (old != NULL)
		centry_unlink(sf, old);
	if (e->size >= CACHE_SENDFILE_MIN && sf->segments < CACHE_SEGMENTS) {
		int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

		if (dfd >= 0)
			e->seg = evbuffer_file_segment_new(dfd, 0, e->size, EVBUF_FS_CLOSE_ON_FREE);
		if (e->seg != NULL) {
			sf->segments++;
			free(e->data);
			e->data = NULL;
		} else if (dfd >= 0) {
			close(dfd);
		}
	}
	while (sf->entries > 0 &&
	       (sf->bytes + (e->data ? (size_t)e->size : 0) + e->gzlen > CACHE_BYTES ||
		sf->entries >= CACHE_BUCKETS))
		centry_unlink(sf, TAILQ_LAST(&sf->lru, centry_list));
	e->refs = 1;
	e->hnext = sf->buckets[hash % CACHE_BUCKETS];
	sf->buckets[hash % CACHE_BUCKETS] = e;
	TAILQ_INSERT_HEAD(&sf->lru, e, lru);
	sf->bytes += (e->data ? (size_t)e->size : 0) + e->gzlen;
	sf->entries++;
	return e;
fail:
	free(e->key);
	free(e->data);
	free(e);
	return NULL;
}

static void entry_unref(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	centry_put(arg);
}

/* ---- answering ---------------------------------------------------------- */

static void head_begin(struct sreq *q, int status)
{
	struct evbuffer *b = q->s->scratch;

	add_str(b, q->s->client_minor ? "HTTP/1.1 " : "HTTP/1.0 ");
	add_u64(b, (uint64_t)status);
	evbuffer_add(b, " ", 1);
	add_str(b, http_status_text(status));
	add_str(b, "\r\nServer: zeroserve\r\nDate: ");
	add_str(b, date_now());
	evbuffer_add(b, "\r\n", 2);
	q->s->status = status;
}

static void head_end(struct sreq *q)
{
	struct evbuffer *b = q->s->scratch;

	if (!q->keep)
		add_str(b, "Connection: close\r\n\r\n");
	else if (!q->s->client_minor)
		add_str(b, "Connection: keep-alive\r\n\r\n");
	else
		evbuffer_add(b, "\r\n", 2);
}

/* The answer is queued: end the request now, or once the client took most of it. */
static void finish(struct sreq *q, struct static_body *body)
{
	struct session *s = q->s;

	s->client_keep = q->keep;
	if (body == NULL && !conn_full(s->cc)) {
		session_request_end(s);
		return;
	}
	if (body == NULL) {
		body = calloc(1, sizeof(*body));
		if (body == NULL) {
			session_close(s, "out of memory");
			return;
		}
	}
	s->fbody = body;
	s->state = S_WAIT;
	static_resume(s);
}

static void error_reply(struct sreq *q, int status, const char *extra)
{
	struct evbuffer *b = q->s->scratch;
	const char *text = http_status_text(status);
	size_t len = strlen(text) + 5;

	head_begin(q, status);
	add_str(b, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
	add_u64(b, len);
	add_str(b, "\r\n");
	if (extra != NULL)
		add_str(b, extra);
	head_end(q);
	if (!q->head_only) {
		add_u64(b, (uint64_t)status);
		evbuffer_add(b, " ", 1);
		add_str(b, text);
		evbuffer_add(b, "\n", 1);
		q->s->bytes_out += len;
	}
	conn_send(q->s->cc, q->s->scratch);
	finish(q, NULL);
}

static void redirect_slash(struct sreq *q, const struct route *r)
{
	struct evbuffer *b = q->s->scratch;
	char enc[3 * FSPATH_MAX];
	size_t plen = r->prefix_len;
	int n;

	n = fspath_encode(q->rel, strlen(q->rel), enc, sizeof(enc));
	if (n < 0) {
		error_reply(q, 414, NULL);
		return;
	}
	head_begin(q, 301);
	add_str(b, "Content-Length: 0\r\nLocation: ");
	/* The prefix without its '/', then "/" + path + "/": never "//host". */
	if (plen > 0 && r->prefix[plen - 1] == '/')
		plen--;
	evbuffer_add(b, r->prefix, plen);
	evbuffer_add(b, "/", 1);
	if (n > 0) {
		evbuffer_add(b, enc, (size_t)n);
		evbuffer_add(b, "/", 1);
	}
	evbuffer_add(b, q->query, q->qlen);
	add_str(b, "\r\n");
	head_end(q);
	conn_send(q->s->cc, q->s->scratch);
	finish(q, NULL);
}

static void add_validators(struct evbuffer *b, const struct static_files *sf,
			   const struct variant *v)
{
	add_str(b, "Last-Modified: ");
	add_str(b, v->lastmod);
	add_str(b, "\r\nETag: ");
	add_str(b, v->etag);
	add_str(b, "\r\nCache-Control: ");
	add_str(b, sf->cache_control);
	add_str(b, "\r\n");
	if (v->vary)
		add_str(b, "Vary: Accept-Encoding\r\n");
}

static void variant_release(struct variant *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

/* Conditionals, Range, head, body. Takes v->fd. */
static void respond(struct sreq *q, struct variant *v)
{
	struct session *s = q->s;
	struct evbuffer *b = s->scratch;
	struct static_body *body = NULL;
	off_t off = 0, len = v->size;
	int status = 200;
	char cr[96];

	if (not_modified(q->h, v)) {
		variant_release(v);
		head_begin(q, 304);
		add_validators(b, q->sf, v);
		head_end(q);
		conn_send(s->cc, b);
		finish(q, NULL);
		return;
	}
	if (v->ranges) {
		status = range_parse(q->h, v, v->size, &off, &len);
		if (status == 416) {
			variant_release(v);
			snprintf(cr, sizeof(cr), "Content-Range: bytes */%jd\r\n",
				 (intmax_t)v->size);
			error_reply(q, 416, cr);
			return;
		}
		if (status == 0) {
			status = 200;
			off = 0;
			len = v->size;
		}
	}
	/* Streamed gzip has no length: chunks for HTTP/1.1, the close for 1.0. */
	if (v->gzstream && !s->client_minor)
		q->keep = 0;
	head_begin(q, status);
	add_str(b, "Content-Type: ");
	add_str(b, v->ctype);
	if (v->gzstream) {
		if (s->client_minor)
			add_str(b, "\r\nTransfer-Encoding: chunked");
	} else {
		add_str(b, "\r\nContent-Length: ");
		add_u64(b, (uint64_t)len);
	}
	add_str(b, "\r\n");
	add_validators(b, q->sf, v);
	if (v->ranges)
		add_str(b, "Accept-Ranges: bytes\r\n");
	if (v->encoding != NULL) {
		add_str(b, "Content-Encoding: ");
		add_str(b, v->encoding);
		add_str(b, "\r\n");
	}
	if (status == 206) {
		snprintf(cr, sizeof(cr), "Content-Range: bytes %jd-%jd/%jd\r\n", (intmax_t)off,
			 (intmax_t)(off + len - 1), (intmax_t)v->size);
		add_str(b, cr);
	}
	head_end(q);
	if (q->head_only) {
		variant_release(v);
		conn_send(s->cc, b);
		finish(q, NULL);
		return;
	}
	if (v->data != NULL) {
		if (len > 0) {
			v->entry->refs++;
			if (evbuffer_add_reference(b, v->data + off, (size_t)len, entry_unref,
						   v->entry) < 0) {
				centry_put(v->entry);
				evbuffer_drain(b, evbuffer_get_length(b));
				session_close(s, "out of memory");
				return;
			}
		}
		s->bytes_out += (uint64_t)len;
		conn_send(s->cc, b);
		variant_release(v);
	} else if (v->seg != NULL) {
		s->bytes_out += (uint64_t)len;
		if (conn_send_segment(s->cc, b, v->seg, off, len) < 0) {
			session_close(s, "cannot queue the file");
			return;
		}
	} else if (v->gzstream) {
		body = calloc(1, sizeof(*body));
		if (body != NULL)
			body->gz = gzstream_new(v->fd);
		else
			close(v->fd);
		v->fd = -1;
		if (body == NULL || body->gz == NULL) {
			free(body);
			session_close(s, "out of memory");
			return;
		}
		body->chunked = s->client_minor;
		conn_send(s->cc, b);
	} else {
		s->bytes_out += (uint64_t)len;
		if (conn_send_file(s->cc, b, v->fd, off, len) < 0) {
			v->fd = -1;
			session_close(s, "cannot queue the file");
			return;
		}
		v->fd = -1;
	}
	finish(q, body);
}

static void respond_entry(struct sreq *q, struct centry *e)
{
	struct variant v;
	int gz = e->gz != NULL && q->gzip_ok && !has_range(q->h);

	memset(&v, 0, sizeof(v));
	v.fd = -1;
	v.ctype = e->ctype;
	v.etag = gz ? e->etag_gz : e->etag;
	v.lastmod = e->lastmod;
	v.mtime = e->mtime;
	v.vary = e->vary;
	v.entry = e;
	if (gz) {
		v.encoding = "gzip";
		v.size = (off_t)e->gzlen;
		v.data = e->gz;
	} else {
		v.size = e->size;
		v.data = e->data;
		v.seg = e->seg;
		v.ranges = 1;
	}
	respond(q, &v);
}

/* name + ".gz" opened and regular: its fd, else -1. */
static int open_sibling_gz(struct sreq *q, const char *name, struct stat *st)
{
	char gzname[FSPATH_MAX + 3];
	int fd;

	if (snprintf(gzname, sizeof(gzname), "%s.gz", name) >= (int)sizeof(gzname))
		return -1;
	fd = fspath_open(q->rootfd, gzname, q->sf->cfg->follow_symlinks);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A regular file, open as fd (taken), named name under the root. */
static void respond_file(struct sreq *q, const char *name, int fd, const struct stat *st)
{
	struct static_files *sf = q->sf;
	char etag[64], etag_gz[72], lastmod[40];
	struct centry *e;
	struct variant v;
	struct stat gst;
	int gfd, norange = !has_range(q->h);

	memset(&v, 0, sizeof(v));
	v.fd = fd;
	v.ctype = mime_type(name, strlen(name));
	v.vary = !sf->cfg->no_gzip && mime_compressible(v.ctype);
	/* A precompressed sibling: never for ranges, only for types worth it. */
	if (q->gzip_ok && norange && mime_compressible(v.ctype)) {
		gfd = open_sibling_gz(q, name, &gst);
		if (gfd >= 0) {
			close(fd);
			make_validators(&gst, etag, sizeof(etag), etag_gz, sizeof(etag_gz), lastmod,
					sizeof(lastmod));
			v.fd = gfd;
			v.etag = etag_gz;
			v.lastmod = lastmod;
			v.mtime = gst.st_mtime;
			v.size = gst.st_size;
			v.encoding = "gzip";
			v.vary = 1;
			respond(q, &v);
			return;
		}
	}
	if (st->st_size <= CACHE_FILE_MAX) {
		e = cache_fill(sf, q->route, name, fd, st);
		if (e != NULL) {
			close(fd);
			respond_entry(q, e);
			return;
		}
	}
	make_validators(st, etag, sizeof(etag), etag_gz, sizeof(etag_gz), lastmod, sizeof(lastmod));
	v.lastmod = lastmod;
	v.mtime = st->st_mtime;
	if (v.vary && q->gzip_ok && norange && st->st_size >= GZIP_MIN) {
		v.etag = etag_gz;
		v.size = -1;
		v.encoding = "gzip";
		v.gzstream = 1;
	} else {
		v.etag = etag;
		v.size = st->st_size;
		v.ranges = 1;
	}
	respond(q, &v);
}

/* The last segment of rel names no extension: a client-side route. */
static int spa_path(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return strchr(slash ? slash + 1 : rel, '.') == NULL;
}

static int open_status(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return 404;
	case -EACCES:
	case -EPERM:
	case -EXDEV: /* a symlink out of the root */
	case -ELOOP:
		return 403;
	case -ENAMETOOLONG:
		return 414;
	default:
		return 500;
	}
}

static void listing(struct sreq *q, const struct route *r, int dirfd)
{
	struct evbuffer *b = q->s->scratch, *page;
	char title[FSPATH_MAX + 256];
	size_t plen = r->prefix_len;
	int n;

	page = evbuffer_new();
	if (page == NULL) {
		close(dirfd);
		session_close(q->s, "out of memory");
		return;
	}
	if (plen > 0 && r->prefix[plen - 1] == '/')
		plen--;
	n = snprintf(title, sizeof(title), "%.*s/%s%s", (int)plen, r->prefix, q->rel,
		     q->rel[0] ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(title) ||
	    dirlist_build(page, dirfd, title, (size_t)n, q->sf->cfg->dotfiles) < 0) {
		close(dirfd);
		evbuffer_free(page);
		error_reply(q, 500, NULL);
		return;
	}
	close(dirfd);
	head_begin(q, 200);
	add_str(b, "Content-Type: text/html; charset=utf-8\r\nContent-Length: ");
	add_u64(b, evbuffer_get_length(page));
	add_str(b, "\r\nCache-Control: ");
	add_str(b, q->sf->cache_control);
	add_str(b, "\r\n");
	head_end(q);
	if (!q->head_only) {
		q->s->bytes_out += evbuffer_get_length(page);
		evbuffer_add_buffer(b, page);
	}
	evbuffer_free(page);
	conn_send(q->s->cc, b);
	finish(q, NULL);
}

/* Cache hit for name, revalidated with one stat: answered, 1; else 0. */
static int try_cache(struct sreq *q, const char *name)
{
	struct centry *e;
	struct stat st;
	uint32_t hash = key_hash(q->route, name);

	e = cache_find(q->sf, q->route, name, hash);
	if (e == NULL)
		return 0;
	if (fstatat(q->rootfd, name, &st, 0) < 0 || !same_file(e, &st)) {
		centry_unlink(q->sf, e);
		return 0;
	}
	/* A sibling .gz would win: let the slow path look. */
	if (q->gzip_ok && mime_compressible(e->ctype)) {
		char gzname[FSPATH_MAX + 3];

		if (snprintf(gzname, sizeof(gzname), "%s.gz", name) < (int)sizeof(gzname) &&
		    fstatat(q->rootfd, gzname, &st, 0) == 0)
			return 0;
	}
	TAILQ_REMOVE(&q->sf->lru, e, lru);
	TAILQ_INSERT_HEAD(&q->sf->lru, e, lru);
	respond_entry(q, e);
	return 1;
}

static void serve_path(struct sreq *q, const struct route *r)
{
	const struct config *cfg = q->sf->cfg;
	char index[FSPATH_MAX + 16];
	struct stat st;
	int fd, ifd, rc, slash = q->flags & FSPATH_SLASH;

	if (slash)
		snprintf(index, sizeof(index), "%s%sindex.html", q->rel, q->rel[0] ? "/" : "");
	if (try_cache(q, slash ? index : q->rel))
		return;
	fd = fspath_open(q->rootfd, q->rel, cfg->follow_symlinks);
	if (fd < 0) {
		rc = open_status(fd);
		if (rc == 404 && cfg->spa && spa_path(q->rel)) {
			if (try_cache(q, "index.html"))
				return;
			fd = fspath_open(q->rootfd, "index.html", cfg->follow_symlinks);
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
				respond_file(q, "index.html", fd, &st);
				return;
			}
			if (fd >= 0)
				close(fd);
		}
		error_reply(q, rc, NULL);
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		error_reply(q, 500, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!slash) {
			close(fd);
			redirect_slash(q, r);
			return;
		}
		ifd = fspath_open(q->rootfd, index, cfg->follow_symlinks);
		if (ifd >= 0) {
			struct stat ist;

			if (fstat(ifd, &ist) == 0 && S_ISREG(ist.st_mode)) {
				close(fd);
				respond_file(q, index, ifd, &ist);
				return;
			}
			close(ifd);
		}
		if (cfg->browse) {
			listing(q, r, fd);
			return;
		}
		close(fd);
		error_reply(q, 404, NULL);
		return;
	}
	if (!S_ISREG(st.st_mode) || slash) {
		close(fd);
		error_reply(q, 404, NULL);
		return;
	}
	respond_file(q, q->rel, fd, &st);
}

void static_serve(struct session *s, const char *target, size_t tlen)
{
	const struct route *r = s->route;
	struct sreq q;
	const char *qm, *path;
	size_t plen;
	int status;

	q.s = s;
	q.sf = s->srv->files;
	q.h = &s->req.head;
	q.route = r->id;
	q.rootfd = q.sf->rootfd[r->id];
	q.head_only = s->req.parser.method == HTTP_HEAD;
	/* Unread request body bytes: the connection cannot carry another request. */
	q.keep = s->client_keep && s->req_done && !s->srv->draining;
	q.gzip_ok = 0;
	q.flags = 0;
	qm = memchr(target, '?', tlen);
	plen = qm ? (size_t)(qm - target) : tlen;
	q.query = qm ? qm : "";
	q.qlen = qm ? tlen - plen : 0;
	q.rel[0] = '\0';

	if (s->req.parser.method != HTTP_GET && !q.head_only) {
		error_reply(&q, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	/* The route matched the raw path: what follows its prefix is ours. */
	path = target + r->prefix_len;
	plen = plen >= r->prefix_len ? plen - r->prefix_len : 0;
	status = fspath_normalize(path, plen, q.rel, sizeof(q.rel), &q.flags);
	if (status != 0) {
		error_reply(&q, status, NULL);
		return;
	}
	/* A prefix ending in '/' swallowed the slash: "/app/" is the root with one. */
	if (plen == 0 && r->prefix_len > 0 && r->prefix[r->prefix_len - 1] == '/')
		q.flags |= FSPATH_SLASH;
	if ((q.flags & FSPATH_DOTFILE) && !q.sf->cfg->dotfiles) {
		error_reply(&q, 404, NULL);
		return;
	}
	q.gzip_ok = accepts_gzip(q.h);
	serve_path(&q, r);
}

void static_resume(struct session *s)
{
	struct static_body *b = s->fbody;
	size_t before;
	int rc;

	while (b->gz != NULL && !conn_full(s->cc)) {
		before = evbuffer_get_length(s->scratch);
		rc = gzstream_pump(b->gz, s->scratch, b->chunked);
		if (rc < 0) {
			evbuffer_drain(s->scratch, (size_t)-1);
			session_close(s, "cannot read the file");
			return;
		}
		s->bytes_out += evbuffer_get_length(s->scratch) - before;
		conn_send(s->cc, s->scratch);
		if (rc == 1) {
			gzstream_free(b->gz);
			b->gz = NULL;
		}
	}
	if (b->gz == NULL && !conn_full(s->cc)) {
		s->fbody = NULL;
		static_body_free(b);
		session_request_end(s);
	}
}

void static_body_free(struct static_body *b)
{
	if (b == NULL)
		return;
	gzstream_free(b->gz);
	free(b);
}

struct static_files *static_files_new(const struct config *cfg)
{
	struct static_files *sf;
	size_t i;
	int rc;

	sf = calloc(1, sizeof(*sf));
	if (sf == NULL)
		return NULL;
	sf->cfg = cfg;
	sf->cache_control = cfg->cache_control ? cfg->cache_control : "no-cache";
	TAILQ_INIT(&sf->lru);
	sf->nroutes = cfg->router.n;
	sf->rootfd = calloc(sf->nroutes ? sf->nroutes : 1, sizeof(*sf->rootfd));
	if (sf->rootfd == NULL) {
		free(sf);
		return NULL;
	}
	for (i = 0; i < sf->nroutes; i++) {
		const struct route *r = &cfg->router.routes[i];

		sf->rootfd[i] = -1;
		if (r->kind != ROUTE_DIRECTORY)
			continue;
		sf->rootfd[i] = open(r->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sf->rootfd[i] < 0) {
			int e = errno;

			log_warn("directory %s", r->dir);
			static_files_free(sf);
			errno = e;
			return NULL;
		}
	}
	rc = mime_load(NULL);
	if (rc < 0)
		log_warnx("/etc/mime.types: %s: using the built-in types", strerror(-rc));
	return sf;
}

void static_files_free(struct static_files *sf)
{
	size_t i;

	if (sf == NULL)
		return;
	while (!TAILQ_EMPTY(&sf->lru))
		centry_unlink(sf, TAILQ_FIRST(&sf->lru));
	for (i = 0; i < sf->nroutes; i++)
		if (sf->rootfd[i] >= 0)
			close(sf->rootfd[i]);
	free(sf->rootfd);
	mime_free();
	free(sf);
}
