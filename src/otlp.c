/* SPDX-License-Identifier: MIT */
/*
 * The access log as OTLP/HTTP JSON logs (opentelemetry.io/docs/specs/otlp,
 * "OTLP/HTTP" and its JSON protobuf mapping: 64-bit integers are strings).
 *
 * A record is encoded at once into a bounded queue; a timer, never the
 * caller, starts a POST when a batch is full or a second after the first
 * record waited. One POST at a time, on a keep-alive connection of our own
 * small HTTP/1.1 client (evhttp's client closes and calls back in ways that
 * are hard to bound). A POST that fails drops its batch: no retries that
 * pile up, no memory that grows while the collector is away.
 */

/* Autoconf's config.h when configure writes one; see config.c for the brackets. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "accesslog.h"
#include "addr.h"
#include "log.h"
#include "otlp.h"

#ifdef PACKAGE_VERSION
#define OTLP_VERSION PACKAGE_VERSION
#else
#define OTLP_VERSION "0"
#endif

#define OTLP_QUEUE_RECORDS 8192	       /* records waiting, the POST in flight aside */
#define OTLP_QUEUE_BYTES   (4u << 20)  /* their encoded bytes */
#define OTLP_BATCH_RECORDS 512	       /* a POST as soon as this many wait */
#define OTLP_BATCH_BYTES   (1u << 20)  /* a POST's records stop here */
#define OTLP_FLUSH_MS	   1000	       /* else this long after the first waits */
#define OTLP_POST_MS	   5000	       /* connect, send and answer */
#define OTLP_RESPONSE_MAX  (64u << 10) /* bytes of an answer we read */
#define OTLP_WARN_EVERY_S  10	       /* one warning per this long */
#define OTLP_PATH_MAX	   8192	       /* bytes of a request path exported */
#define OTLP_URL_PATH_MAX  1024	       /* of the endpoint's PATH */
#define OTLP_HOST_MAX	   300	       /* of its HOST:PORT */
#define OTLP_SNIPPET	   160	       /* bytes of an answer's body quoted in a warning */
#define OTLP_ESC_CHUNK	   256	       /* bytes escaped at a time */
#define OTLP_URL_USAGE	   "expected http://HOST:PORT[/PATH]"

enum resp_state {
	RS_STATUS,
	RS_HEADERS,
	RS_BODY,
	RS_CHUNK_SIZE,
	RS_CHUNK_DATA,
	RS_CHUNK_END,
	RS_TRAILERS,
	RS_UNTIL_CLOSE,
	RS_DONE,
};

struct otlp {
	struct event_base *base;
	struct addr addr;
	int use_alt;
	char *url;  /* as given, for the warnings */
	char *host; /* HOST:PORT as given, for the Host header */
	char *path;
	char *prefix; /* the request body up to the first record */
	size_t prefix_len;

	/* Encoded records, each with a leading comma; their lengths in a ring. */
	struct evbuffer *queue;
	struct evbuffer *scratch;
	uint32_t *lens;
	size_t head, count, bytes;
	struct event *flush_ev;
	int flush_due; /* the flush timer fired while a POST was in flight */

	/* The POST in flight (nrec 0: none), kept whole for one retry. */
	size_t nrec;
	char *req;
	size_t req_len;
	struct event *post_timer;
	struct bufferevent *bev;
	int connected, reused, alt_tried;

	/* Its answer. */
	enum resp_state rs;
	int status, keepalive, te; /* te: 0 none, 1 chunked, 2 another coding */
	int64_t clen;		   /* -1: none */
	uint64_t left;		   /* bytes of the body or chunk still to read */
	size_t seen;		   /* bytes of the answer so far */
	const char *why;	   /* what was wrong with it */
	char snippet[OTLP_SNIPPET];
	size_t snippet_len;

	struct otlp_stats st;
	int closing, deadline_hit, failing;
	struct timespec last_warn, last_info;
	int warned;
	unsigned int suppressed;
};

/* Appends to an evbuffer, remembering a failure rather than checking each. */
struct enc {
	struct evbuffer *b;
	int nattr;
	int err;
};

static void put(struct enc *x, const char *s, size_t n)
{
	if (evbuffer_add(x->b, s, n) < 0)
		x->err = 1;
}

static void put_s(struct enc *x, const char *s)
{
	put(x, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) put_f(struct enc *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (evbuffer_add_vprintf(x->b, fmt, ap) < 0)
		x->err = 1;
	va_end(ap);
}

/* Any bytes as JSON string content, in chunks that fit accesslog_escape's worst case. */
static void put_esc(struct enc *x, const char *s, size_t n)
{
	char out[OTLP_ESC_CHUNK * 6 + 8];
	size_t take, i;

	while (n > 0) {
		take = n < OTLP_ESC_CHUNK ? n : OTLP_ESC_CHUNK;
		/* Not through a UTF-8 sequence: its halves would come out as \u00XX. */
		for (i = 0; i < 3 && take < n && ((unsigned char)s[take] & 0xc0) == 0x80; i++)
			take--;
		put(x, out, accesslog_escape(out, sizeof(out), s, take, 1));
		s += take;
		n -= take;
	}
}

static void put_jstr(struct enc *x, const char *s, size_t n)
{
	put(x, "\"", 1);
	put_esc(x, s, n);
	put(x, "\"", 1);
}

/* Keys are our own constants: nothing to escape. */
static void attr_begin(struct enc *x, const char *key, const char *type)
{
	put_f(x, "%s{\"key\":\"%s\",\"value\":{\"%s\":", x->nattr++ ? "," : "", key, type);
}

static void attr_strn(struct enc *x, const char *key, const char *s, size_t n)
{
	attr_begin(x, key, "stringValue");
	put_jstr(x, s, n);
	put_s(x, "}}");
}

/* Only when set. */
static void attr_str(struct enc *x, const char *key, const char *s)
{
	if (s != NULL)
		attr_strn(x, key, s, strlen(s));
}

static void attr_int(struct enc *x, const char *key, int64_t v)
{
	attr_begin(x, key, "intValue");
	put_f(x, "\"%" PRId64 "\"}}", v);
}

static void attr_double(struct enc *x, const char *key, double v)
{
	attr_begin(x, key, "doubleValue");
	/* JSON has no NaN or infinity. */
	put_f(x, "%.3f}}", isfinite(v) ? v : 0.0);
}

static void attr_bool(struct enc *x, const char *key, int v)
{
	attr_begin(x, key, "boolValue");
	put_s(x, v ? "true}}" : "false}}");
}

/* "127.0.0.1:53412", "[::1]:53412": client.address and client.port; else all of it. */
static void attr_client(struct enc *x, const char *client)
{
	const char *host = client, *port, *p;
	size_t hlen;
	long v = 0;

	if (client == NULL)
		return;
	if (client[0] == '[' && (p = strchr(client, ']')) != NULL && p[1] == ':') {
		host = client + 1;
		hlen = (size_t)(p - host);
		port = p + 2;
	} else if ((p = strrchr(client, ':')) != NULL &&
		   memchr(client, ':', (size_t)(p - client)) == NULL) {
		hlen = (size_t)(p - client);
		port = p + 1;
	} else {
		attr_str(x, "client.address", client);
		return;
	}
	for (p = port; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (*p - '0');
	if (*p != '\0' || p == port || v > 65535) {
		attr_str(x, "client.address", client);
		return;
	}
	attr_strn(x, "client.address", host, hlen);
	attr_int(x, "client.port", v);
}

/* SeverityNumber: INFO 9, WARN 13, ERROR 17. */
static int severity(int status, const char **text)
{
	if (status >= 500) {
		*text = "ERROR";
		return 17;
	}
	if (status >= 400) {
		*text = "WARN";
		return 13;
	}
	*text = "INFO";
	return 9;
}

int otlp_encode(struct evbuffer *out, const struct accesslog_entry *e, int64_t observed_ns)
{
	struct enc x = {out, 0, 0};
	const char *method = e->method ? e->method : "-", *sevtext, *q;
	const char *path = e->path ? e->path : "";
	size_t plen = e->path ? e->path_len : 0, qlen;
	int truncated = e->path_truncated, sev;

	if (plen > OTLP_PATH_MAX) {
		plen = OTLP_PATH_MAX;
		truncated = 1;
	}
	q = memchr(path, '?', plen);
	qlen = q ? (size_t)(q - path) : plen;
	sev = severity(e->status, &sevtext);
	put_f(&x,
	      "{\"timeUnixNano\":\"%" PRId64 "\",\"observedTimeUnixNano\":\"%" PRId64 "\","
	      "\"severityNumber\":%d,\"severityText\":\"%s\",\"body\":{\"stringValue\":\"",
	      e->time_ns > 0 ? e->time_ns : observed_ns, observed_ns, sev, sevtext);
	put_esc(&x, method, strlen(method));
	put(&x, " ", 1);
	put_esc(&x, path, plen);
	put_f(&x, " %d\"},\"attributes\":[", e->status);
	attr_str(&x, "http.request.method", method);
	/* Semantic conventions: the query is url.query, without its '?'. */
	attr_strn(&x, "url.path", path, qlen);
	if (q != NULL)
		attr_strn(&x, "url.query", q + 1, plen - qlen - 1);
	attr_int(&x, "http.response.status_code", e->status);
	attr_client(&x, e->client);
	attr_int(&x, "http.request.size", (int64_t)e->request_bytes);
	attr_int(&x, "http.response.size", (int64_t)e->response_bytes);
	attr_int(&x, "http.response.body.size", (int64_t)e->bytes);
	if (e->route != NULL && strcmp(e->route, "-") != 0)
		attr_str(&x, "http.route", e->route);
	attr_str(&x, "zeroserve.engine", e->engine);
	if (e->backend != NULL && strcmp(e->backend, "-") != 0)
		attr_str(&x, "zeroserve.backend", e->backend);
	attr_double(&x, "zeroserve.duration_ms", e->duration_ms);
	attr_str(&x, "zeroserve.reason", e->reason);
	attr_str(&x, "zeroserve.tag", e->tag);
	attr_str(&x, "zeroserve.source", e->source);
	if (e->cgroup_id != 0)
		attr_int(&x, "zeroserve.cgroup_id", (int64_t)e->cgroup_id);
	attr_str(&x, "zeroserve.mcp.method", e->mcp_method);
	attr_str(&x, "zeroserve.mcp.tool", e->mcp_tool);
	attr_str(&x, "zeroserve.mcp.outcome", e->mcp_outcome);
	if (truncated)
		attr_bool(&x, "zeroserve.path_truncated", 1);
	put_s(&x, "]}");
	return x.err ? -ENOMEM : 0;
}

/* A UUID v4: service.instance.id tells two zeroserves on one host apart. */
static void instance_id(char *buf, size_t len)
{
	unsigned char r[16];
	uint64_t s;
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* Early boot: unique enough from the clock and the pid (splitmix64). */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 44);
		for (i = 0; i < sizeof(r); i++) {
			uint64_t z = (s += 0x9e3779b97f4a7c15ull);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			r[i] = (unsigned char)(z ^ (z >> 31));
		}
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

/* The body up to the first LogRecord: the same for every POST. */
static char *build_prefix(size_t *len)
{
	struct enc x = {evbuffer_new(), 0, 0};
	char host[256], id[40];
	char *p = NULL;

	if (x.b == NULL)
		return NULL;
	put_s(&x, "{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
	attr_str(&x, "service.name", "zeroserve");
	attr_str(&x, "service.version", OTLP_VERSION);
	instance_id(id, sizeof(id));
	attr_str(&x, "service.instance.id", id);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		attr_str(&x, "host.name", host);
	}
	attr_int(&x, "process.pid", (int64_t)getpid());
	put_s(&x, "]},\"scopeLogs\":[{\"scope\":{\"name\":\"zeroserve\",\"version\":\"" OTLP_VERSION
		  "\"},\"logRecords\":[");
	*len = evbuffer_get_length(x.b);
	if (!x.err && (p = malloc(*len)) != NULL)
		evbuffer_remove(x.b, p, *len);
	evbuffer_free(x.b);
	return p;
}

static const char body_suffix[] = "]}]}]}";

static int parse_url(struct otlp *o, const char *url, char *err, size_t errlen)
{
	char hostport[OTLP_HOST_MAX], aerr[512], shown[512];
	const char *auth, *slash, *path, *why, *p;
	size_t n;

	/* The message is one line, whatever the URL holds. */
	accesslog_escape(shown, sizeof(shown), url, strlen(url), 0);
	if (strncasecmp(url, "https://", 8) == 0) {
		log_seterr(err, errlen,
			   "bad --otlp-endpoint '%s': https is not supported, only http:// (a "
			   "collector on this host or a trusted network)",
			   shown);
		return -EINVAL;
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		log_seterr(err, errlen, "bad --otlp-endpoint '%s': " OTLP_URL_USAGE, shown);
		return -EINVAL;
	}
	auth = url + 7;
	slash = strchr(auth, '/');
	n = slash ? (size_t)(slash - auth) : strlen(auth);
	/* ":PORT" is addr.c's loopback shorthand: a URL names its host. */
	if (n == 0 || (auth[0] == ':' && memchr(auth + 1, ':', n - 1) == NULL)) {
		log_seterr(err, errlen, "bad --otlp-endpoint '%s': missing HOST; " OTLP_URL_USAGE,
			   shown);
		return -EINVAL;
	}
	if (n >= sizeof(hostport)) {
		log_seterr(err, errlen, "bad --otlp-endpoint '%s': HOST too long", shown);
		return -EINVAL;
	}
	for (p = auth; p < auth + n; p++) {
		/* No user:password@, ?query or #fragment: the Host header is HOST:PORT. */
		if (*p <= ' ' || *p >= 0x7f || *p == '@' || *p == '?' || *p == '#') {
			log_seterr(err, errlen, "bad --otlp-endpoint '%s': " OTLP_URL_USAGE, shown);
			return -EINVAL;
		}
	}
	path = slash ? slash : "/v1/logs";
	if (strlen(path) > OTLP_URL_PATH_MAX) {
		log_seterr(err, errlen, "bad --otlp-endpoint '%s': PATH too long", shown);
		return -EINVAL;
	}
	for (p = path; *p; p++) {
		/* It goes on the request line as it is. */
		if (*p <= ' ' || *p >= 0x7f || *p == '#') {
			log_seterr(err, errlen,
				   "bad --otlp-endpoint '%s': PATH has a space, a control byte, a "
				   "'#' or a byte that is not ASCII",
				   shown);
			return -EINVAL;
		}
	}
	memcpy(hostport, auth, n);
	hostport[n] = '\0';
	if (addr_parse(hostport, &o->addr, aerr, sizeof(aerr)) < 0) {
		/* addr.c says "bad address 'HOST:PORT': why": keep the why. */
		why = strstr(aerr, "': ");
		why = why ? why + 3 : aerr;
		log_seterr(err, errlen, "bad --otlp-endpoint '%s': %s%s", shown, why,
			   strncmp(why, "missing port", 12) == 0 ? " (OTLP/HTTP is usually 4318)"
								 : "");
		return -EINVAL;
	}
	o->url = strdup(url);
	o->host = strdup(hostport);
	o->path = strdup(path);
	if (o->url == NULL || o->host == NULL || o->path == NULL) {
		log_seterr(err, errlen, "--otlp-endpoint: out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* At most one line per OTLP_WARN_EVERY_S: a collector that is away fails every POST. */
static void __attribute__((format(printf, 2, 3))) otlp_warn(struct otlp *o, const char *fmt, ...)
{
	struct timespec now;
	char msg[768];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (o->warned && now.tv_sec - o->last_warn.tv_sec < OTLP_WARN_EVERY_S) {
		o->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->suppressed > 0)
		log_warnx("otlp: %s (and %u more since the last warning)", msg, o->suppressed);
	else
		log_warnx("otlp: %s", msg);
	o->warned = 1;
	o->last_warn = now;
	o->suppressed = 0;
}

static void arm(struct otlp *o, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(o->flush_ev, &tv);
}

static void conn_close(struct otlp *o)
{
	if (o->bev == NULL)
		return;
	bufferevent_free(o->bev);
	o->bev = NULL;
	o->connected = 0;
}

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static int conn_open(struct otlp *o)
{
	const struct sockaddr *sa;
	socklen_t len;
	int fd, one = 1;

	if (o->use_alt && o->addr.alt_len != 0) {
		sa = (const struct sockaddr *)&o->addr.alt;
		len = o->addr.alt_len;
	} else {
		sa = (const struct sockaddr *)&o->addr.ss;
		len = o->addr.len;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A request is one write; its answer should not wait for an ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Deferred callbacks: none runs inside our own calls into libevent. */
	o->bev =
	    bufferevent_socket_new(o->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (o->bev == NULL) {
		close(fd);
		return -ENOMEM;
	}
	bufferevent_setcb(o->bev, conn_read_cb, NULL, conn_event_cb, o);
	/* An answer that does not end is not read past its bound. */
	bufferevent_setwatermark(o->bev, EV_READ, 0, OTLP_RESPONSE_MAX + 1);
	bufferevent_enable(o->bev, EV_READ | EV_WRITE);
	o->connected = 0;
	if (bufferevent_socket_connect(o->bev, sa, len) < 0) {
		conn_close(o);
		return -ECONNREFUSED;
	}
	return 0;
}

/* The request on the idle keep-alive connection, or on a new one. */
static int post_send(struct otlp *o)
{
	int rc;

	o->rs = RS_STATUS;
	o->status = 0;
	o->seen = 0;
	o->snippet_len = 0;
	o->why = NULL;
	o->reused = o->bev != NULL;
	if (o->bev == NULL && (rc = conn_open(o)) < 0)
		return rc;
	if (bufferevent_write(o->bev, o->req, o->req_len) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Once more, the same request: on a new connection when the collector closed
 * the idle one as we wrote, or on the name's other address ("localhost" may
 * be a collector on ::1 only).
 */
static int post_retry(struct otlp *o)
{
	if (o->reused && o->seen == 0) {
		conn_close(o);
		return post_send(o);
	}
	if (!o->connected && o->addr.alt_len != 0 && !o->alt_tried) {
		o->alt_tried = 1;
		o->use_alt = !o->use_alt;
		conn_close(o);
		return post_send(o);
	}
	return -EAGAIN;
}

/* "partialSuccess":{"rejectedLogRecords":"N"}: still sent, but say so. */
static uint64_t rejected(const struct otlp *o)
{
	static const char key[] = "\"rejectedLogRecords\"";
	const char *p = o->snippet, *end = o->snippet + o->snippet_len;
	uint64_t v = 0;

	for (;; p++) {
		if ((size_t)(end - p) < sizeof(key) - 1)
			return 0;
		if (memcmp(p, key, sizeof(key) - 1) == 0)
			break;
	}
	for (p += sizeof(key) - 1; p < end && (*p == ' ' || *p == ':' || *p == '"'); p++)
		;
	for (; p < end && *p >= '0' && *p <= '9' && v < UINT64_MAX / 10; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* The POST is over: why NULL when an answer came (o->status). */
static void post_done(struct otlp *o, const char *why)
{
	char snip[OTLP_SNIPPET * 6 + 8];
	struct timespec now;
	uint64_t nrej;
	int keep;

	evtimer_del(o->post_timer);
	accesslog_escape(snip, sizeof(snip), o->snippet, o->snippet_len, 0);
	if (why == NULL && o->status >= 200 && o->status < 300) {
		o->st.sent += o->nrec;
		/* Not once per POST of a collector that comes and goes. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->failing && now.tv_sec - o->last_info.tv_sec >= OTLP_WARN_EVERY_S) {
			log_info("otlp: %s answers again", o->url);
			o->last_info = now;
		}
		o->failing = 0;
		nrej = rejected(o);
		if (nrej > 0)
			otlp_warn(o,
				  "POST %s: the collector rejected %" PRIu64 " of %zu records: %s",
				  o->url, nrej, o->nrec, snip);
	} else {
		o->st.dropped += o->nrec;
		o->st.failed_posts++;
		o->failing = 1;
		if (why != NULL)
			otlp_warn(o, "POST %s: %s; %zu record%s dropped, %" PRIu64 " in all",
				  o->url, why, o->nrec, o->nrec == 1 ? "" : "s", o->st.dropped);
		else
			otlp_warn(
			    o, "POST %s: answered %d%s%s; %zu record%s dropped, %" PRIu64 " in all",
			    o->url, o->status, snip[0] ? ": " : "", snip, o->nrec,
			    o->nrec == 1 ? "" : "s", o->st.dropped);
	}
	/* Reused only when the answer ended where it should, with all we wrote sent. */
	keep = why == NULL && o->keepalive && o->rs == RS_DONE && o->bev != NULL &&
	       evbuffer_get_length(bufferevent_get_output(o->bev)) == 0 &&
	       evbuffer_get_length(bufferevent_get_input(o->bev)) == 0;
	if (!keep)
		conn_close(o);
	free(o->req);
	o->req = NULL;
	o->nrec = 0;
	if (o->count > 0) {
		if (o->flush_due || o->closing || o->count >= OTLP_BATCH_RECORDS)
			arm(o, 0);
		else if (!evtimer_pending(o->flush_ev, NULL))
			arm(o, OTLP_FLUSH_MS);
	}
}

/* Up to a batch off the queue into one request; the caller sends it. */
static int post_build(struct otlp *o)
{
	char hdr[OTLP_HOST_MAX + OTLP_URL_PATH_MAX + 256];
	size_t n = 0, bytes = 0, body, l;
	char *p;
	int hlen;

	while (n < o->count && n < OTLP_BATCH_RECORDS) {
		l = o->lens[(o->head + n) % OTLP_QUEUE_RECORDS];
		if (n > 0 && bytes + l > OTLP_BATCH_BYTES)
			break;
		bytes += l;
		n++;
	}
	/* The first record's leading comma stays out. */
	body = o->prefix_len + bytes - 1 + sizeof(body_suffix) - 1;
	hlen = snprintf(hdr, sizeof(hdr),
			"POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: zeroserve/" OTLP_VERSION
			"\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			o->path, o->host, body);
	p = malloc((size_t)hlen + body);
	if (p != NULL) {
		memcpy(p, hdr, (size_t)hlen);
		memcpy(p + hlen, o->prefix, o->prefix_len);
		evbuffer_drain(o->queue, 1);
		evbuffer_remove(o->queue, p + hlen + o->prefix_len, bytes - 1);
		memcpy(p + hlen + o->prefix_len + bytes - 1, body_suffix, sizeof(body_suffix) - 1);
	} else {
		evbuffer_drain(o->queue, bytes);
	}
	o->head = (o->head + n) % OTLP_QUEUE_RECORDS;
	o->count -= n;
	o->bytes -= bytes;
	o->nrec = n;
	o->req = p;
	o->req_len = (size_t)hlen + body;
	return p != NULL ? 0 : -ENOMEM;
}

static void post_start(struct otlp *o)
{
	struct timeval tv = {OTLP_POST_MS / 1000, (OTLP_POST_MS % 1000) * 1000};
	int rc;

	o->snippet_len = 0;
	rc = post_build(o);
	/* What did not fit in this batch goes right after it. */
	o->flush_due = o->count > 0;
	o->alt_tried = 0;
	evtimer_add(o->post_timer, &tv);
	if (rc == 0)
		rc = post_send(o);
	if (rc < 0)
		post_done(o, strerror(-rc));
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct otlp *o = arg;

	(void)fd;
	(void)what;
	if (o->count == 0)
		return;
	if (o->nrec > 0) {
		o->flush_due = 1;
		return;
	}
	post_start(o);
}

static void post_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct otlp *o = arg;
	char why[64];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no answer within %d s", OTLP_POST_MS / 1000);
	post_done(o, why);
}

static int has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok), l;
	const char *end;

	for (;;) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (*v == '\0')
			return 0;
		end = strchr(v, ',');
		l = end ? (size_t)(end - v) : strlen(v);
		while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
			l--;
		if (l == n && strncasecmp(v, tok, n) == 0)
			return 1;
		v += l;
	}
}

/* Decimal or hex digits only, bounded: no signs, spaces or overflow. */
static int parse_num(const char *s, int base, int maxdigits, uint64_t *v)
{
	const char *p;
	int d;

	*v = 0;
	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (p - s >= maxdigits)
			return -ERANGE;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return p == s ? -EINVAL : (int)(p - s);
}

static int resp_header(struct otlp *o, char *line)
{
	char *v = strchr(line, ':'), *end;
	uint64_t n;

	if (v == NULL)
		return -EPROTO;
	*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(line, "Content-Length") == 0) {
		if (parse_num(v, 10, 18, &n) < 0 || v[strspn(v, "0123456789")] != '\0' ||
		    (o->clen >= 0 && (uint64_t)o->clen != n))
			return -EPROTO;
		o->clen = (int64_t)n;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		o->te = has_token(v, "chunked") ? 1 : 2;
	} else if (strcasecmp(line, "Connection") == 0) {
		if (has_token(v, "close"))
			o->keepalive = 0;
		else if (has_token(v, "keep-alive"))
			o->keepalive = 1;
	}
	return 0;
}

/* One line of the answer's head, a chunk's size or end, or its trailers: 1 when it ends. */
static int resp_line(struct otlp *o, char *line)
{
	uint64_t n;
	int rc;

	switch (o->rs) {
	case RS_STATUS:
		/* "HTTP/1.1 200 OK" */
		if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
		    line[8] != ' ' || parse_num(line + 9, 10, 3, &n) != 3 ||
		    (line[12] != '\0' && line[12] != ' ') || n < 100) {
			o->why = "answered something that is not HTTP/1.x";
			return -EPROTO;
		}
		o->status = (int)n;
		o->keepalive = line[7] == '1';
		o->clen = -1;
		o->te = 0;
		o->rs = RS_HEADERS;
		return 0;
	case RS_HEADERS:
		if (line[0] != '\0') {
			if (resp_header(o, line) < 0) {
				o->why = "answered a bad header";
				return -EPROTO;
			}
			return 0;
		}
		if (o->status == 101) {
			o->why = "answered 101";
			return -EPROTO;
		}
		if (o->status < 200) { /* 100 Continue and its kind: the answer comes next */
			o->rs = RS_STATUS;
			return 0;
		}
		if (o->status == 204 || o->status == 304) {
			o->rs = RS_DONE;
		} else if (o->te == 1) {
			o->rs = RS_CHUNK_SIZE;
		} else if (o->te == 0 && o->clen >= 0) {
			o->left = (uint64_t)o->clen;
			o->rs = o->left > 0 ? RS_BODY : RS_DONE;
		} else {
			o->keepalive = 0;
			o->rs = RS_UNTIL_CLOSE;
		}
		return o->rs == RS_DONE;
	case RS_CHUNK_SIZE:
		rc = parse_num(line, 16, 15, &n);
		if (rc < 0 ||
		    (line[rc] != '\0' && line[rc] != ';' && line[rc] != ' ' && line[rc] != '\t')) {
			o->why = "answered a bad chunk";
			return -EPROTO;
		}
		o->left = n;
		o->rs = n > 0 ? RS_CHUNK_DATA : RS_TRAILERS;
		return 0;
	case RS_CHUNK_END:
		if (line[0] != '\0') {
			o->why = "answered a bad chunk";
			return -EPROTO;
		}
		o->rs = RS_CHUNK_SIZE;
		return 0;
	case RS_TRAILERS:
		if (line[0] == '\0')
			o->rs = RS_DONE;
		return o->rs == RS_DONE;
	default:
		return -EPROTO;
	}
}

/* Read what has come of the answer: 1 when it ended, 0 for more, -EPROTO with o->why. */
static int resp_parse(struct otlp *o, struct evbuffer *in)
{
	size_t avail, n, room;
	ev_ssize_t got;
	char *line;
	int rc;

	for (;;) {
		switch (o->rs) {
		case RS_DONE:
			return 1;
		case RS_BODY:
		case RS_CHUNK_DATA:
		case RS_UNTIL_CLOSE:
			avail = evbuffer_get_length(in);
			if (avail == 0)
				return 0;
			n = o->rs == RS_UNTIL_CLOSE || avail < o->left ? avail : (size_t)o->left;
			room = sizeof(o->snippet) - o->snippet_len;
			got = room > 0 ? evbuffer_copyout(in, o->snippet + o->snippet_len,
							  n < room ? n : room)
				       : 0;
			if (got > 0)
				o->snippet_len += (size_t)got;
			evbuffer_drain(in, n);
			o->seen += n;
			if (o->seen > OTLP_RESPONSE_MAX) {
				/* The status is what counts: not worth reading on. */
				o->keepalive = 0;
				o->rs = RS_DONE;
				return 1;
			}
			if (o->rs == RS_UNTIL_CLOSE)
				break;
			o->left -= n;
			if (o->left == 0)
				o->rs = o->rs == RS_BODY ? RS_DONE : RS_CHUNK_END;
			break;
		default:
			line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
			if (line == NULL) {
				if (o->seen + evbuffer_get_length(in) <= OTLP_RESPONSE_MAX)
					return 0;
				o->why = "answered a head too long";
				return -EPROTO;
			}
			o->seen += n + 2;
			rc = o->seen > OTLP_RESPONSE_MAX ? -EPROTO : resp_line(o, line);
			free(line);
			if (rc < 0 && o->why == NULL)
				o->why = "answered a head too long";
			if (rc != 0)
				return rc;
			break;
		}
	}
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct otlp *o = arg;
	int rc;

	if (o->nrec == 0) {
		/* Words on an idle connection answer nothing we asked. */
		conn_close(o);
		return;
	}
	rc = resp_parse(o, bufferevent_get_input(bev));
	if (rc > 0)
		post_done(o, NULL);
	else if (rc < 0)
		post_done(o, o->why);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct otlp *o = arg;
	int rc;

	if (what & BEV_EVENT_CONNECTED) {
		o->connected = 1;
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (o->nrec == 0) {
		/* The collector closed the idle connection: a new one next time. */
		conn_close(o);
		return;
	}
	/* What came before the close may end the answer. */
	rc = resp_parse(o, bufferevent_get_input(bev));
	if (rc == 0 && o->rs == RS_UNTIL_CLOSE && (what & BEV_EVENT_EOF)) {
		o->rs = RS_DONE;
		rc = 1;
	}
	if (rc > 0) {
		o->keepalive = 0;
		post_done(o, NULL);
	} else if (rc < 0) {
		post_done(o, o->why);
	} else if (post_retry(o) < 0) {
		if (!o->connected)
			post_done(o, "cannot connect");
		else if (o->seen == 0)
			post_done(o, (what & BEV_EVENT_EOF) ? "closed without an answer"
							    : "connection failed, no answer");
		else
			post_done(o, "closed in the middle of the answer");
	}
}

static void otlp_destroy(struct otlp *o)
{
	conn_close(o);
	if (o->flush_ev)
		event_free(o->flush_ev);
	if (o->post_timer)
		event_free(o->post_timer);
	if (o->queue)
		evbuffer_free(o->queue);
	if (o->scratch)
		evbuffer_free(o->scratch);
	free(o->lens);
	free(o->req);
	free(o->prefix);
	free(o->url);
	free(o->host);
	free(o->path);
	free(o);
}

int otlp_check_url(const char *url, char *err, size_t errlen)
{
	struct otlp o;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse_url(&o, url, err, errlen);
	free(o.url);
	free(o.host);
	free(o.path);
	return rc;
}

struct otlp *otlp_new(struct event_base *base, const char *url, char *err, size_t errlen)
{
	struct otlp *o;
	int rc;

	if (base == NULL || url == NULL) {
		log_seterr(err, errlen, "bad --otlp-endpoint: none given");
		errno = EINVAL;
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		log_seterr(err, errlen, "--otlp-endpoint: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	o->base = base;
	rc = parse_url(o, url, err, errlen);
	if (rc < 0) {
		otlp_destroy(o);
		errno = -rc;
		return NULL;
	}
	o->prefix = build_prefix(&o->prefix_len);
	o->queue = evbuffer_new();
	o->scratch = evbuffer_new();
	o->lens = calloc(OTLP_QUEUE_RECORDS, sizeof(*o->lens));
	o->flush_ev = evtimer_new(base, flush_cb, o);
	o->post_timer = evtimer_new(base, post_timeout_cb, o);
	if (o->prefix == NULL || o->queue == NULL || o->scratch == NULL || o->lens == NULL ||
	    o->flush_ev == NULL || o->post_timer == NULL) {
		log_seterr(err, errlen, "--otlp-endpoint: out of memory");
		otlp_destroy(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

static void drop(struct otlp *o, const char *why)
{
	o->st.dropped++;
	otlp_warn(o, "%s, dropping records (%" PRIu64 " in all): is %s keeping up?", why,
		  o->st.dropped, o->url);
}

void otlp_log(struct otlp *o, const struct accesslog_entry *e)
{
	struct timespec now;
	size_t len;

	if (o == NULL || e == NULL)
		return;
	if (o->count >= OTLP_QUEUE_RECORDS) {
		drop(o, "queue full");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (evbuffer_add(o->scratch, ",", 1) < 0 ||
	    otlp_encode(o->scratch, e, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec) < 0) {
		evbuffer_drain(o->scratch, evbuffer_get_length(o->scratch));
		drop(o, "out of memory");
		return;
	}
	len = evbuffer_get_length(o->scratch);
	if (o->bytes + len > OTLP_QUEUE_BYTES || evbuffer_add_buffer(o->queue, o->scratch) < 0) {
		evbuffer_drain(o->scratch, len);
		drop(o, "queue full");
		return;
	}
	o->lens[(o->head + o->count) % OTLP_QUEUE_RECORDS] = (uint32_t)len;
	o->count++;
	o->bytes += len;
	if (o->count >= OTLP_BATCH_RECORDS) {
		if (o->nrec > 0)
			o->flush_due = 1;
		else
			arm(o, 0);
	} else if (!evtimer_pending(o->flush_ev, NULL)) {
		arm(o, OTLP_FLUSH_MS);
	}
}

void otlp_stats(const struct otlp *o, struct otlp_stats *st)
{
	if (o == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = o->st;
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct otlp *o = arg;

	(void)fd;
	(void)what;
	o->deadline_hit = 1;
}

void otlp_free(struct otlp *o, int timeout_ms)
{
	struct event *deadline = NULL;
	struct timeval tv;
	uint64_t left;

	if (o == NULL)
		return;
	o->closing = 1;
	if (timeout_ms > 0 && (o->count > 0 || o->nrec > 0))
		deadline = evtimer_new(o->base, deadline_cb, o);
	if (deadline != NULL) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		evtimer_add(deadline, &tv);
		if (o->nrec == 0)
			arm(o, 0);
		while ((o->count > 0 || o->nrec > 0) && !o->deadline_hit)
			if (event_base_loop(o->base, EVLOOP_ONCE) < 0)
				break;
		event_free(deadline);
	}
	left = o->count + o->nrec;
	if (left > 0) {
		o->st.dropped += left;
		log_warnx("otlp: %" PRIu64 " record%s not exported at exit", left,
			  left == 1 ? "" : "s");
	}
	log_debug("otlp: %" PRIu64 " records sent, %" PRIu64 " dropped, %" PRIu64 " failed POSTs",
		  o->st.sent, o->st.dropped, o->st.failed_posts);
	otlp_destroy(o);
}
