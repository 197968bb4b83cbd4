/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a backend connection's responses through src/http.c, as
 * session_response.c reads them (tests/fuzz_http.h has the input format and
 * the split-independence check): interim answers, the final one, a 101 that
 * ends HTTP, bodies decoded for an HTTP/1.0 client. Each head is built for
 * the client as session_response.c builds it, and that head parsed back
 * must carry the status, the body framing (less chunking when decoded), the
 * keep-alive decision and the backend's fields in order less the hop-by-hop
 * ones; a head http_response_is_clean() passes loses none.
 *
 * ctl[1]: bit 0 the request was HEAD, bit 1 the client speaks HTTP/1.0,
 * bit 2 the client closes, bit 3 the client asked for an upgrade, bit 4 a
 * head is held in the input buffer while its body is parsed (head_hold).
 */
#include "fuzz_http.h"

enum {
	OPT_HEAD = 1 << 0,
	OPT_HTTP10 = 1 << 1,
	OPT_CLOSE = 1 << 2,
	OPT_UPGRADE = 1 << 3,
	OPT_HOLD = 1 << 4,
};

/* Build the head for the client and parse it back. */
static void build_check(struct fuzz_conn *c, const struct http_msg *m, int client_minor, int keep,
			int upgrade, int dechunk)
{
	const int added[] = {HF_CONNECTION};
	struct evbuffer *built = evbuffer_new();
	struct http_msg r;
	unsigned int n;
	int rc;

	FUZZ_ASSERT(built != NULL);
	rc = http_build_response(built, m, client_minor, keep, upgrade, dechunk);
	FUZZ_ASSERT(rc == 0 || rc == -ENOSPC);
	ts_printf(c->ts, "build %d ", rc);
	ts_bytes(c->ts, (const char *)evbuffer_pullup(built, -1), evbuffer_get_length(built));
	ts_printf(c->ts, "\n");
	if (rc != 0 || !c->first) {
		evbuffer_free(built);
		return;
	}
	if (reparse(&r, m, built) < 0) {
		evbuffer_free(built);
		return;
	}
	FUZZ_ASSERT(r.parser.status_code == m->parser.status_code);
	FUZZ_ASSERT(r.parser.http_major == 1 && r.parser.http_minor == client_minor);
	framing_check(&m->parser, &r.parser, dechunk);
	if (!upgrade && m->parser.status_code >= 200)
		FUZZ_ASSERT(http_msg_keep_alive(&r) == keep);
	n = fields_subsequence(&m->head, &r.head, added, 1);
	if (client_minor && keep && !upgrade && !dechunk && http_response_is_clean(m))
		FUZZ_ASSERT(n + (unsigned int)http_head_count(&m->head, "connection") ==
			    m->head.nfields);
	http_msg_free(&r);
	evbuffer_free(built);
}

/* session_response.c response_head(), less the sockets. */
static int response_head(struct fuzz_conn *c, struct http_msg *m)
{
	int status = m->parser.status_code;
	int client_minor = !(c->opts & OPT_HTTP10);
	int upgrade = (c->opts & OPT_UPGRADE) != 0;
	int keep, dechunk;

	if (status / 100 == 1 && status != 101) {
		if (client_minor)
			build_check(c, m, 1, 1, 0, 0);
		return 0;
	}
	if (status == 101) {
		if (upgrade)
			build_check(c, m, client_minor, 1, 1, 0);
		return 1;
	}
	keep = !(c->opts & OPT_CLOSE) && !upgrade;
	dechunk = client_minor == 0 && http_msg_chunked(m);
	if (http_msg_needs_eof(m) || dechunk)
		keep = 0;
	if (dechunk)
		m->body_sink = c->sink;
	build_check(c, m, client_minor, keep, 0, dechunk);
	return 0;
}

static void response_reset(struct fuzz_conn *c, struct http_msg *m)
{
	m->skip_body = c->opts & OPT_HEAD;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_conn c = {
	    .type = HTTP_RESPONSE,
	    .head = response_head,
	    .reset = response_reset,
	};

	c.hold = size > 1 && (data[1] & OPT_HOLD);
	return conn_fuzz(&c, data, size);
}
