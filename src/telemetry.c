/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <linux/types.h>

#include "accesslog.h"
#include "addr.h"
#include "cgpath.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "otlp.h"
#include "telemetry.h"
#include "zs_abi.h"

/* Cgroup ids kept with their paths (cgpath.h). */
#define CGPATH_KEEP 4096

struct telemetry {
	struct event_base *base;
	const struct config *cfg;
	struct accesslog *alog;
	struct metrics *metrics;
	struct otlp *otlp;
	struct cgpath *cg;
	struct evhttp *http;
	struct event *textfile_timer;
	char *textfile_tmp;
	time_t textfile_warned; /* the last failure's warning: one a minute */
	int textfile_started;	/* telemetry_start wrote it */
	void (*state_fn)(struct metrics_state *st, void *arg);
	void *state_arg;
	uint64_t kernel_records;
};

static const char *const method_names[] = {
    [ZS_METHOD_OTHER] = "-",	     [ZS_METHOD_GET] = "GET",	  [ZS_METHOD_HEAD] = "HEAD",
    [ZS_METHOD_POST] = "POST",	     [ZS_METHOD_PUT] = "PUT",	  [ZS_METHOD_DELETE] = "DELETE",
    [ZS_METHOD_OPTIONS] = "OPTIONS", [ZS_METHOD_PATCH] = "PATCH",
};

static int render(struct telemetry *t, struct evbuffer *out)
{
	struct metrics_state st;

	memset(&st, 0, sizeof(st));
	if (t->state_fn != NULL)
		t->state_fn(&st, t->state_arg);
	st.log_events = t->kernel_records;
	if (t->otlp != NULL) {
		struct otlp_stats os;

		otlp_stats(t->otlp, &os);
		st.otlp_records_sent = os.sent;
		st.otlp_records_dropped = os.dropped;
	}
	return metrics_render(t->metrics, &st, out);
}

static void metrics_cb(struct evhttp_request *req, void *arg)
{
	struct telemetry *t = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evbuffer_add_printf(out, "not found: metrics are at /metrics\n");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "text/plain; charset=utf-8");
		evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", out);
	} else if (render(t, out) < 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		/* The text exposition format's media type (Prometheus 0.0.4). */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "text/plain; version=0.0.4; charset=utf-8");
		evhttp_send_reply(req, HTTP_OK, "OK", out);
	}
	evbuffer_free(out);
}

/* The metrics listener: a socket of our own, bound before privileges go,
 * handed to evhttp. 0 / -errno. */
static int metrics_listen(struct telemetry *t, char *err, size_t errlen)
{
	const struct addr *a = &t->cfg->metrics;
	int fd, one = 1;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 64) < 0)
		goto fail;
	t->http = evhttp_new(t->base);
	if (t->http == NULL)
		goto fail;
	evhttp_set_allowed_methods(t->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(t->http, 8192);
	evhttp_set_max_body_size(t->http, 0);
	evhttp_set_timeout(t->http, 10);
	evhttp_set_gencb(t->http, metrics_cb, t);
	if (evhttp_accept_socket_with_handle(t->http, fd) == NULL)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "--metrics %s: %s", t->cfg->metrics_text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

/* Written whole, then renamed over the file: node_exporter's textfile
 * collector never reads half a file (rename(2) is atomic). 0 / -errno. */
static int textfile_write(struct telemetry *t)
{
	struct evbuffer *out = evbuffer_new();
	int fd = -1, rc = 0;

	if (out == NULL || render(t, out) < 0) {
		rc = -ENOMEM;
		goto done;
	}
	fd = open(t->textfile_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	/* Readable by node_exporter whatever the umask (the systemd unit's is
	 * 0077): metrics hold no secret the access log would not. */
	if (fchmod(fd, 0644) < 0)
		goto fail;
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, fd) < 0)
			goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(t->textfile_tmp, t->cfg->metrics_textfile) < 0)
		goto fail;
	goto done;
fail:
	rc = -errno;
	if (fd >= 0)
		close(fd);
	unlink(t->textfile_tmp);
done:
	if (out != NULL)
		evbuffer_free(out);
	return rc;
}

static void textfile_cb(evutil_socket_t fd, short what, void *arg)
{
	struct telemetry *t = arg;
	time_t now = time(NULL);
	int rc;

	(void)fd;
	(void)what;
	rc = textfile_write(t);
	if (rc < 0 && now - t->textfile_warned >= 60) {
		t->textfile_warned = now;
		log_warnx("--metrics-textfile %s: %s", t->cfg->metrics_textfile, strerror(-rc));
	}
}

struct telemetry *telemetry_new(struct event_base *base, const struct config *cfg, char *err,
				size_t errlen)
{
	struct telemetry *t;
	size_t n;
	int e;

	if (!config_wants_requests(cfg)) {
		errno = 0;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->base = base;
	t->cfg = cfg;
	if (cfg->access_log != NULL) {
		t->alog = accesslog_open(cfg->access_log, cfg->log_format == LOGFMT_JSON);
		if (t->alog == NULL) {
			snprintf(err, errlen, "--access-log %s: %s", cfg->access_log,
				 strerror(errno));
			goto fail;
		}
	}
	t->metrics = metrics_new(cfg->metrics_sources);
	if (t->metrics == NULL) {
		snprintf(err, errlen, "metrics: %s", strerror(errno));
		goto fail;
	}
	if (cfg->metrics.ss.ss_family != AF_UNSPEC && metrics_listen(t, err, errlen) < 0)
		goto fail;
	if (cfg->metrics_textfile != NULL) {
		struct timeval tv = {cfg->metrics_interval_ms / 1000,
				     (cfg->metrics_interval_ms % 1000) * 1000};

		n = strlen(cfg->metrics_textfile) + 32;
		t->textfile_tmp = malloc(n);
		t->textfile_timer = event_new(base, -1, EV_PERSIST, textfile_cb, t);
		if (t->textfile_tmp == NULL || t->textfile_timer == NULL) {
			snprintf(err, errlen, "--metrics-textfile: out of memory");
			goto fail;
		}
		/* Beside the file: rename(2) works within one file system. */
		snprintf(t->textfile_tmp, n, "%s.%ld.tmp", cfg->metrics_textfile, (long)getpid());
		event_add(t->textfile_timer, &tv);
	}
	if (cfg->otlp_endpoint != NULL) {
		t->otlp = otlp_new(base, cfg->otlp_endpoint, err, errlen);
		if (t->otlp == NULL)
			goto fail;
	}
	/* Without cgroup v2 requests just carry no source. */
	t->cg = cgpath_new(NULL, CGPATH_KEEP);
	if (t->cg == NULL)
		log_debug("request sources unknown: no cgroup v2 mount (%s)", strerror(errno));
	return t;
fail:
	e = errno ? errno : EINVAL;
	telemetry_free(t);
	errno = e;
	return NULL;
}

void telemetry_free(struct telemetry *t)
{
	if (t == NULL)
		return;
	/* OTLP's last batch first: the last textfile counts it. */
	otlp_flush(t->otlp, 1000);
	if (t->textfile_timer != NULL) {
		if (t->textfile_started && textfile_write(t) < 0)
			log_warnx("--metrics-textfile %s: cannot write it at exit",
				  t->cfg->metrics_textfile);
		event_free(t->textfile_timer);
	}
	free(t->textfile_tmp);
	if (t->http != NULL)
		evhttp_free(t->http);
	otlp_free(t->otlp, 0);
	cgpath_free(t->cg);
	metrics_free(t->metrics);
	accesslog_close(t->alog);
	free(t);
}

void telemetry_set_state(struct telemetry *t, void (*fn)(struct metrics_state *st, void *arg),
			 void *arg)
{
	if (t == NULL)
		return;
	t->state_fn = fn;
	t->state_arg = arg;
}

int telemetry_start(struct telemetry *t)
{
	int rc;

	/* The first textfile at once, as the user zeroserve serves as: a
	 * reader never finds none, and a file it cannot write is a start
	 * error, not a warning every interval. */
	if (t == NULL || t->textfile_timer == NULL)
		return 0;
	rc = textfile_write(t);
	t->textfile_started = rc == 0;
	return rc;
}

void telemetry_request(struct telemetry *t, struct accesslog_entry *e)
{
	struct metrics_req m;

	if (t == NULL)
		return;
	if (e->source == NULL && e->cgroup_id != 0 && t->cg != NULL)
		e->source = cgpath_name(t->cg, e->cgroup_id);
	if (t->alog != NULL)
		accesslog_write(t->alog, e);
	if (t->otlp != NULL)
		otlp_log(t->otlp, e);
	m.route = e->route;
	m.backend = e->backend != NULL ? e->backend : "-";
	m.method = e->method;
	m.status = e->status;
	m.engine = strcmp(e->engine, "kernel") == 0 ? METRICS_KERNEL : METRICS_USERSPACE;
	/* The calling service: what a routing program called it, else its
	 * cgroup. */
	m.source = e->tag != NULL && e->tag[0] ? e->tag : e->source;
	m.request_bytes = e->request_bytes;
	m.response_bytes = e->response_bytes;
	m.duration_s = e->duration_ms / 1e3;
	metrics_request(t->metrics, &m);
	if (e->mcp_method != NULL)
		metrics_mcp(t->metrics, e->route, e->mcp_method, e->mcp_tool,
			    e->mcp_outcome != NULL ? e->mcp_outcome : "none");
}

/* C's own address is the client's, named as userspace names its clients
 * (addr_format): a v4-mapped one as IPv4. */
static void client_name(const struct zs_sock_key *k, char *buf, size_t len)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (k->local_ip[0] == 0 && k->local_ip[1] == 0 && k->local_ip[2] == htonl(0xffff)) {
		sin = (struct sockaddr_in *)&a.ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = k->local_ip[3];
		sin->sin_port = htons(k->local_port);
		a.len = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&a.ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, k->local_ip, sizeof(sin6->sin6_addr));
		sin6->sin6_port = htons(k->local_port);
		a.len = sizeof(*sin6);
	}
	addr_format(&a, buf, len);
}

/* CLOCK_REALTIME less CLOCK_MONOTONIC, now (two vDSO calls). */
static int64_t realtime_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000 + (r.tv_nsec - m.tv_nsec);
}

void telemetry_kernel(struct telemetry *t, const struct zs_log *l)
{
	struct accesslog_entry e;
	char client[64], tag[ZS_TAG_MAX + 1];
	const struct route *r = NULL;

	if (t == NULL)
		return;
	t->kernel_records++;
	if (l->route < t->cfg->router.n)
		r = &t->cfg->router.routes[l->route];
	memcpy(tag, l->tag, ZS_TAG_MAX);
	tag[ZS_TAG_MAX] = '\0';
	memset(&e, 0, sizeof(e));
	/* What only a line needs, only for a line: metrics alone take a
	 * record a request at the kernel's pace. */
	if (t->alog != NULL || t->otlp != NULL) {
		client_name(&l->c, client, sizeof(client));
		e.time_ns = (int64_t)l->end + realtime_offset();
		e.client = client;
	} else {
		e.client = "-";
	}
	e.method = l->method < sizeof(method_names) / sizeof(method_names[0])
		       ? method_names[l->method]
		       : "-";
	e.path = (const char *)l->path;
	e.path_len = l->path_len < ZS_LOG_PATH_MAX ? l->path_len : ZS_LOG_PATH_MAX;
	e.path_truncated = l->path_len > ZS_LOG_PATH_MAX;
	e.status = (int)l->status;
	e.bytes = l->resp_body;
	e.request_bytes = l->req_bytes;
	e.response_bytes = l->resp_bytes;
	e.duration_ms = l->end > l->start ? (double)(l->end - l->start) / 1e6 : 0;
	e.route = r != NULL ? r->spec : "-";
	e.backend = r != NULL && r->authority != NULL ? r->authority : "-";
	e.engine = "kernel";
	e.tag = tag[0] ? tag : NULL;
	e.cgroup_id = l->cgroup;
	telemetry_request(t, &e);
}

void telemetry_counts(const struct telemetry *t, uint64_t *kernel_records, uint64_t *otlp_sent,
		      uint64_t *otlp_dropped)
{
	struct otlp_stats os = {0};

	if (t != NULL && t->otlp != NULL)
		otlp_stats(t->otlp, &os);
	*kernel_records = t != NULL ? t->kernel_records : 0;
	*otlp_sent = os.sent;
	*otlp_dropped = os.dropped;
}

void telemetry_batch(struct telemetry *t, int on)
{
	if (t != NULL)
		accesslog_hold(t->alog, on);
}
