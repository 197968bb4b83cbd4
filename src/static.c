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

#include "body.h"
#include "config.h"
#include "dirlist.h"
#include "fspath.h"
#include "gzstream.h"
#include "http.h"
#include "log.h"
#include "mime.h"
#include "router.h"
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

/* One request being decided. */
struct sreq {
	const struct static_request *rq;
	struct static_files *sf;
	struct http_reply *reply;
	struct body *body;
	unsigned int route;
	int rootfd;
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

/* A field's value copied out as a C string; 0 when absent or too long. */
static int field_str(const struct static_field *f, char *buf, size_t len)
{
	if (f->p == NULL || f->len >= len)
		return 0;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return 1;
}

static int accepts_gzip(const struct static_field *f)
{
	const char *v = f->p, *end, *tok, *semi, *q;
	size_t tl;

	if (v == NULL)
		return 0;
	end = v + f->len;
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
static int not_modified(const struct static_request *rq, const struct variant *v)
{
	char ims[64];
	struct tm tm;

	if (rq->if_none_match.p != NULL)
		return etag_listed(rq->if_none_match.p, rq->if_none_match.len, v->etag);
	if (!field_str(&rq->if_modified_since, ims, sizeof(ims)))
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
static int range_parse(const struct static_request *rq, const struct variant *v, off_t size,
		       off_t *off, off_t *len)
{
	char buf[128], ir[128], *p, *end;
	unsigned long long a, b;
	int have_a = 0, have_b = 0;

	if (!field_str(&rq->range, buf, sizeof(buf)))
		return 0;
	if (field_str(&rq->if_range, ir, sizeof(ir))) {
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

/* ---- deciding ----------------------------------------------------------- */

/* An error: the session writes its reply, with the fields added here. */
static int fail(struct sreq *q, int status)
{
	body_free(q->body);
	q->reply->status = status;
	return status;
}

static int redirect_slash(struct sreq *q, const struct route *r)
{
	char enc[3 * FSPATH_MAX];
	size_t plen = r->prefix_len;
	int n;

	n = fspath_encode(q->rel, strlen(q->rel), enc, sizeof(enc));
	if (n < 0)
		return fail(q, 414);
	q->reply->status = 301;
	q->reply->content_length = 0;
	/* The prefix without its '/', then "/" + path + "/": never "//host". */
	if (plen > 0 && r->prefix[plen - 1] == '/')
		plen--;
	http_reply_addf(q->reply, "Location", "%.*s/%.*s%s%.*s", (int)plen, r->prefix, n, enc,
			n > 0 ? "/" : "", (int)q->qlen, q->query);
	return 301;
}

static void add_validators(struct http_reply *reply, const struct static_files *sf,
			   const struct variant *v)
{
	/* Copied: a file's validators may live on respond_file's stack. */
	http_reply_copy(reply, "Last-Modified", v->lastmod);
	http_reply_copy(reply, "ETag", v->etag);
	http_reply_add(reply, "Cache-Control", sf->cache_control);
	if (v->vary)
		http_reply_add(reply, "Vary", "Accept-Encoding");
}

static void variant_release(struct variant *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

/* Conditionals, Range, head fields, body. Takes v->fd. */
static int respond(struct sreq *q, struct variant *v)
{
	const struct static_request *rq = q->rq;
	struct http_reply *reply = q->reply;
	off_t off = 0, len = v->size;
	int status = 200;

	if (not_modified(rq, v)) {
		variant_release(v);
		reply->status = 304;
		add_validators(reply, q->sf, v);
		return 304;
	}
	if (v->ranges) {
		status = range_parse(rq, v, v->size, &off, &len);
		if (status == 416) {
			variant_release(v);
			http_reply_addf(reply, "Content-Range", "bytes */%jd", (intmax_t)v->size);
			return fail(q, 416);
		}
		if (status == 0) {
			status = 200;
			off = 0;
			len = v->size;
		}
	}
	reply->status = status;
	reply->content_type = v->ctype;
	/* Streamed gzip has no length: chunks for HTTP/1.1, the close for 1.0. */
	if (v->gzstream) {
		if (rq->http_minor)
			http_reply_add(reply, "Transfer-Encoding", "chunked");
		else
			reply->close = 1;
	} else {
		reply->content_length = (int64_t)len;
	}
	add_validators(reply, q->sf, v);
	if (v->ranges)
		http_reply_add(reply, "Accept-Ranges", "bytes");
	if (v->encoding != NULL)
		http_reply_add(reply, "Content-Encoding", v->encoding);
	if (status == 206)
		http_reply_addf(reply, "Content-Range", "bytes %jd-%jd/%jd", (intmax_t)off,
				(intmax_t)(off + len - 1), (intmax_t)v->size);
	if (v->data != NULL) {
		v->entry->refs++;
		body_memory(q->body, v->data + off, (size_t)len, entry_unref, v->entry);
		variant_release(v);
	} else if (v->seg != NULL) {
		body_segment(q->body, v->seg, off, len);
	} else if (v->gzstream) {
		body_gzip(q->body, v->fd, rq->http_minor);
		v->fd = -1;
	} else {
		body_file(q->body, v->fd, off, len);
		v->fd = -1;
	}
	return status;
}

static int respond_entry(struct sreq *q, struct centry *e)
{
	struct variant v;
	int gz = e->gz != NULL && q->gzip_ok && q->rq->range.p == NULL;

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
	return respond(q, &v);
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
static int respond_file(struct sreq *q, const char *name, int fd, const struct stat *st)
{
	struct static_files *sf = q->sf;
	char etag[64], etag_gz[72], lastmod[40];
	struct centry *e;
	struct variant v;
	struct stat gst;
	int gfd, norange = q->rq->range.p == NULL;

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
			return respond(q, &v);
		}
	}
	if (st->st_size <= CACHE_FILE_MAX) {
		e = cache_fill(sf, q->route, name, fd, st);
		if (e != NULL) {
			close(fd);
			return respond_entry(q, e);
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
	return respond(q, &v);
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

static void page_free(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	evbuffer_free(arg);
}

/* Takes dirfd. */
static int listing(struct sreq *q, const struct route *r, int dirfd)
{
	struct evbuffer *page;
	const char *data;
	char title[FSPATH_MAX + 256];
	size_t plen = r->prefix_len, len;
	int n;

	page = evbuffer_new();
	if (page == NULL) {
		close(dirfd);
		return fail(q, 500);
	}
	if (plen > 0 && r->prefix[plen - 1] == '/')
		plen--;
	n = snprintf(title, sizeof(title), "%.*s/%s%s", (int)plen, r->prefix, q->rel,
		     q->rel[0] ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(title) ||
	    dirlist_build(page, dirfd, title, (size_t)n, q->sf->cfg->dotfiles) < 0) {
		close(dirfd);
		evbuffer_free(page);
		return fail(q, 500);
	}
	close(dirfd);
	len = evbuffer_get_length(page);
	q->reply->status = 200;
	q->reply->content_type = "text/html; charset=utf-8";
	q->reply->content_length = (int64_t)len;
	http_reply_add(q->reply, "Cache-Control", q->sf->cache_control);
	/* One piece, referenced by the client's output until sent. */
	data = (const char *)evbuffer_pullup(page, -1);
	if (data == NULL) {
		evbuffer_free(page);
		return fail(q, 500);
	}
	body_memory(q->body, data, len, page_free, page);
	return 200;
}

/* Cache hit for name, revalidated with one stat: its status; else 0. */
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
	return respond_entry(q, e);
}

static int serve_path(struct sreq *q, const struct route *r)
{
	const struct config *cfg = q->sf->cfg;
	char index[FSPATH_MAX + 16];
	struct stat st;
	int fd, ifd, rc, slash = q->flags & FSPATH_SLASH;

	if (slash)
		snprintf(index, sizeof(index), "%s%sindex.html", q->rel, q->rel[0] ? "/" : "");
	rc = try_cache(q, slash ? index : q->rel);
	if (rc != 0)
		return rc;
	fd = fspath_open(q->rootfd, q->rel, cfg->follow_symlinks);
	if (fd < 0) {
		rc = open_status(fd);
		if (rc == 404 && cfg->spa && spa_path(q->rel)) {
			int hit = try_cache(q, "index.html");

			if (hit != 0)
				return hit;
			fd = fspath_open(q->rootfd, "index.html", cfg->follow_symlinks);
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
				return respond_file(q, "index.html", fd, &st);
			if (fd >= 0)
				close(fd);
		}
		return fail(q, rc);
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(q, 500);
	}
	if (S_ISDIR(st.st_mode)) {
		if (!slash) {
			close(fd);
			return redirect_slash(q, r);
		}
		ifd = fspath_open(q->rootfd, index, cfg->follow_symlinks);
		if (ifd >= 0) {
			struct stat ist;

			if (fstat(ifd, &ist) == 0 && S_ISREG(ist.st_mode)) {
				close(fd);
				return respond_file(q, index, ifd, &ist);
			}
			close(ifd);
		}
		if (cfg->browse)
			return listing(q, r, fd);
		close(fd);
		return fail(q, 404);
	}
	if (!S_ISREG(st.st_mode) || slash) {
		close(fd);
		return fail(q, 404);
	}
	return respond_file(q, q->rel, fd, &st);
}

int static_serve(struct static_files *sf, const struct static_request *rq, struct http_reply *reply,
		 struct body *body)
{
	const struct route *r = rq->route;
	const char *qm, *path;
	struct sreq q;
	size_t plen;
	int status;

	http_reply_init(reply, 500);
	reply->date = 1;
	body_init(body);
	q.rq = rq;
	q.sf = sf;
	q.reply = reply;
	q.body = body;
	q.route = r->id;
	q.rootfd = sf->rootfd[r->id];
	q.gzip_ok = 0;
	q.flags = 0;
	qm = memchr(rq->target, '?', rq->target_len);
	plen = qm ? (size_t)(qm - rq->target) : rq->target_len;
	q.query = qm ? qm : "";
	q.qlen = qm ? rq->target_len - plen : 0;
	q.rel[0] = '\0';

	if (rq->method != HTTP_GET && rq->method != HTTP_HEAD) {
		http_reply_add(reply, "Allow", "GET, HEAD");
		return fail(&q, 405);
	}
	/* The route matched the raw path: what follows its prefix is ours. */
	path = rq->target + r->prefix_len;
	plen = plen >= r->prefix_len ? plen - r->prefix_len : 0;
	status = fspath_normalize(path, plen, q.rel, sizeof(q.rel), &q.flags);
	if (status != 0)
		return fail(&q, status);
	/* A prefix ending in '/' swallowed the slash: "/app/" is the root with one. */
	if (plen == 0 && r->prefix_len > 0 && r->prefix[r->prefix_len - 1] == '/')
		q.flags |= FSPATH_SLASH;
	if ((q.flags & FSPATH_DOTFILE) && !sf->cfg->dotfiles)
		return fail(&q, 404);
	q.gzip_ok = accepts_gzip(&rq->accept_encoding);
	return serve_path(&q, r);
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

const char *static_files_unreadable(const struct static_files *sf)
{
	size_t i;
	int fd;

	for (i = 0; i < sf->nroutes; i++) {
		if (sf->rootfd[i] < 0)
			continue;
		/* What serving the root itself does: fspath_open(rootfd, ""). */
		fd = openat(sf->rootfd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EPERM))
			return sf->cfg->router.routes[i].dir;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
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
