/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a client connection's requests through src/http.c, as
 * session.c reads them (tests/fuzz_http.h has the input format and the
 * split-independence check). Each head that passes http_request_check is
 * built for the backend, and that head parsed back must pass the checks,
 * frame its body as the client's did, keep the method and target, and carry
 * the client's fields in order less the hop-by-hop ones.
 *
 * ctl[1]: bit 0 the client is IPv6.
 */
#include "fuzz_http.h"

/* session.c route_request(): an absolute-form target goes on as its path. */
static void origin_form(const struct http_head *h, const char **target, size_t *tlen)
{
	const char *url = h->buf + h->url_off;
	size_t len = h->url_len;

	if (len > 7 && strncasecmp(url, "http://", 7) == 0) {
		const char *a = url + 7, *slash = memchr(a, '/', len - 7);

		url = slash ? slash : "/";
		len = slash ? len - (size_t)(slash - h->buf - h->url_off) : 1;
	}
	*target = url;
	*tlen = len;
}

static void rebuilt_check(const struct http_msg *m, struct evbuffer *built, const char *target,
			  size_t tlen, int upgrade)
{
	int added[] = {
	    HF_X_FORWARDED_FOR, HF_X_FORWARDED_PROTO, HF_X_FORWARDED_HOST, HF_FORWARDED, -1, -1};
	const struct http_head *rh;
	struct http_msg r;
	size_t hostlen;
	unsigned int i;

	if (reparse(&r, m, built) < 0)
		return;
	rh = &r.head;
	FUZZ_ASSERT(http_request_check(&r) == 0);
	FUZZ_ASSERT(r.parser.method == m->parser.method);
	FUZZ_ASSERT(r.parser.http_major == 1 && r.parser.http_minor == 1);
	FUZZ_ASSERT(rh->url_len == tlen && memcmp(rh->buf + rh->url_off, target, tlen) == 0);
	framing_check(&m->parser, &r.parser, 0);
	FUZZ_ASSERT(r.parser.upgrade == upgrade);
	if (upgrade)
		added[4] = HF_CONNECTION;
	if (http_head_get(&m->head, "host", &hostlen) == NULL)
		added[5] = HF_HOST;
	fields_subsequence(&m->head, rh, added, sizeof(added) / sizeof(added[0]));
	/* One of each forwarding field, ours; no hop-by-hop field goes on. */
	FUZZ_ASSERT(http_head_count(rh, "x-forwarded-for") == 1);
	FUZZ_ASSERT(http_head_count(rh, "x-forwarded-proto") == 1);
	FUZZ_ASSERT(http_head_count(rh, "forwarded") == 1);
	FUZZ_ASSERT(http_head_count(rh, "x-forwarded-host") <= 1);
	FUZZ_ASSERT(http_head_count(rh, "connection") == upgrade);
	for (i = 0; i < rh->nfields; i++) {
		uint32_t k = rh->fields[i].kind;

		FUZZ_ASSERT(k != HF_KEEP_ALIVE && k != HF_PROXY_CONNECTION && k != HF_TE);
		FUZZ_ASSERT(k != HF_UPGRADE || upgrade);
	}
	http_msg_free(&r);
}

static int request_head(struct fuzz_conn *c, struct http_msg *m)
{
	struct http_forward fwd;
	struct evbuffer *built;
	const char *target;
	size_t tlen;
	int status, upgrade, rc;

	status = http_request_check(m);
	ts_printf(c->ts, "check %d\n", status);
	if (status != 0)
		return 1; /* answered with an error, then closed */
	origin_form(&m->head, &target, &tlen);
	fwd.client_is_v6 = c->opts & 1;
	fwd.client_ip = fwd.client_is_v6 ? "::1" : "127.0.0.1";
	fwd.proto = "http";
	upgrade = m->parser.upgrade && m->parser.method != HTTP_CONNECT;
	built = evbuffer_new();
	FUZZ_ASSERT(built != NULL);
	rc = http_build_request(built, m, target, tlen, &fwd, upgrade);
	FUZZ_ASSERT(rc == 0 || rc == -ENOSPC);
	ts_printf(c->ts, "build %d ", rc);
	ts_bytes(c->ts, (const char *)evbuffer_pullup(built, -1), evbuffer_get_length(built));
	ts_printf(c->ts, "\n");
	if (rc == 0 && c->first)
		rebuilt_check(m, built, target, tlen, upgrade);
	evbuffer_free(built);
	return rc != 0;
}

static void request_reset(struct fuzz_conn *c, struct http_msg *m)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_conn c = {
	    .type = HTTP_REQUEST,
	    .head = request_head,
	    .reset = request_reset,
	};

	return conn_fuzz(&c, data, size);
}
