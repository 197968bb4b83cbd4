/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: zeroserve's framing lexer (src/frame.c) on a request head, a
 * response head or a chunked body.
 *
 * Input: ctl[0] how the bytes are split into pieces (tests/fuzz_http.h
 * split), ctl[1] bits 0-1 what is lexed (0: a chunked body, 1: a request
 * head, 2: a response head, 3: a chunked body with a 64-byte limit), then
 * the bytes.
 *
 * The verdict, where it falls, its status and reason, and the data bytes
 * counted must not depend on how the bytes were split: whole, in the
 * pieces of ctl[0], one byte at a time. FRAME_MORE takes every byte; once
 * the part ended, nothing more is taken. And llhttp, which zeroserve runs on
 * what the lexer passed (src/http.c feed_piece), must see the part end where
 * the lexer does: never within bytes the lexer takes as unfinished, and at
 * the same byte when both see an end.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "frame.h"
#include "fuzz.h"

enum { LEX_CHUNKED, LEX_REQUEST, LEX_RESPONSE, LEX_CHUNKED_MAX };

struct outcome {
	int verdict;
	size_t at; /* FRAME_END: bytes of the part; FRAME_BAD: the bad byte */
	int status;
	const char *why;
	uint64_t total;
};

static void lex_init(struct frame *f, int kind)
{
	if (kind == LEX_REQUEST || kind == LEX_RESPONSE)
		frame_head_init(f, kind == LEX_REQUEST);
	else
		frame_chunked_init(f, kind == LEX_CHUNKED_MAX ? 64 : UINT64_MAX);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* maxpiece 0: everything at once. */
static void lex(int kind, const uint8_t *data, size_t n, uint8_t ctl, size_t maxpiece,
		struct outcome *o)
{
	struct frame f;
	uint32_t seed = 0x9e3779b9u ^ ((uint32_t)ctl * 0x01000193u);
	size_t off = 0, k, used;
	int v = FRAME_MORE;

	lex_init(&f, kind);
	do {
		k = n - off;
		if (maxpiece > 0 && k > 0) {
			size_t m = 1 + xorshift(&seed) % maxpiece;

			k = m < k ? m : k;
		}
		v = frame_scan(&f, (const char *)data + off, k, &used);
		FUZZ_ASSERT(used <= k);
		if (v == FRAME_MORE)
			FUZZ_ASSERT(used == k);
		off += used;
	} while (v == FRAME_MORE && off < n);
	o->verdict = v;
	o->at = off;
	o->status = v == FRAME_BAD ? f.status : 0;
	o->why = v == FRAME_BAD ? f.why : NULL;
	o->total = f.total;
	if (v == FRAME_BAD)
		FUZZ_ASSERT(f.why != NULL &&
			    (f.status == 400 || (f.status == 413 && kind == LEX_CHUNKED_MAX) ||
			     (f.status == 505 && kind == LEX_REQUEST)));
	if (v == FRAME_END) {
		/* Done is done: the next bytes belong to what follows. */
		FUZZ_ASSERT(frame_scan(&f, "x", 1, &used) == FRAME_END && used == 0);
	}
}

static int same(const struct outcome *a, const struct outcome *b)
{
	return a->verdict == b->verdict && a->at == b->at && a->status == b->status &&
	       (a->why == b->why || (a->why && b->why && strcmp(a->why, b->why) == 0)) &&
	       a->total == b->total;
}

/*
 * llhttp: where it sees the head, or the message, end; -1 nowhere, -2 an
 * error first, -3 not tried (a body too large for the buffer).
 */
static int stop_at_head(llhttp_t *p)
{
	return HPE_PAUSED;
}

static int stop_at_message(llhttp_t *p)
{
	return HPE_PAUSED;
}

static long llhttp_end(int kind, const uint8_t *data, size_t n)
{
	static const char head[] =
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
	static char buf[sizeof(head) + 65536];
	llhttp_settings_t s;
	llhttp_t p;
	const char *start = (const char *)data;
	size_t skip = 0;
	llhttp_errno_t err;

	llhttp_settings_init(&s);
	if (kind == LEX_REQUEST || kind == LEX_RESPONSE) {
		s.on_headers_complete = stop_at_head;
	} else {
		/* The body behind a head that announces it. */
		if (n > sizeof(buf) - sizeof(head))
			return -3;
		skip = sizeof(head) - 1;
		memcpy(buf, head, skip);
		memcpy(buf + skip, data, n);
		start = buf;
		s.on_message_complete = stop_at_message;
	}
	llhttp_init(&p, kind == LEX_RESPONSE ? HTTP_RESPONSE : HTTP_REQUEST, &s);
	err = llhttp_execute(&p, start, skip + n);
	if (err == HPE_OK)
		return -1;
	if (err != HPE_PAUSED)
		return -2;
	return (long)(llhttp_get_error_pos(&p) - start) - (long)skip;
}

/* The field-value helpers on the same bytes, against plain readings of their rules. */
static void values(const char *v, size_t n)
{
	uint64_t x, ref = 0;
	int digits = n > 0, big = 0, te, last = 0;
	size_t i, b;

	for (i = 0; i < n && digits; i++) {
		digits = v[i] >= '0' && v[i] <= '9';
		if (digits && !big) {
			big = ref > (UINT64_MAX / 2 - (uint64_t)(v[i] - '0')) / 10;
			ref = ref * 10 + (uint64_t)(v[i] - '0');
		}
	}
	if (frame_content_length(v, n, &x) == 0)
		FUZZ_ASSERT(digits && !big && x == ref && x <= INT64_MAX);
	else
		FUZZ_ASSERT(!digits || big);

	/* 1 only when the list's last element is chunked (its parameters aside). */
	te = frame_te_final_chunked(v, n);
	FUZZ_ASSERT(te == 1 || te == 0 || te == -EINVAL);
	/* The last element that is not empty (the list rule allows empty ones). */
	for (i = n; i > 0 && (v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t'); i--)
		;
	for (; i > 0 && v[i - 1] != ','; i--)
		;
	for (b = i; b < n && (v[b] == ' ' || v[b] == '\t'); b++)
		;
	last = n - b >= 7 && strncasecmp(v + b, "chunked", 7) == 0;
	if (te == 1 && memchr(v, '"', n) == NULL) /* a quoted parameter may hold a comma */
		FUZZ_ASSERT(last);
	FUZZ_ASSERT(frame_te_only_chunked(v, n) == (n == 7 && strncasecmp(v, "chunked", 7) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, pieces, bytes;
	long end;
	int kind;

	if (size < 2)
		return 0;
	kind = data[1] & 3;
	values((const char *)data + 2, size - 2);
	lex(kind, data + 2, size - 2, data[0], 0, &whole);
	lex(kind, data + 2, size - 2, data[0], 1 + (data[0] >> 2), &pieces);
	lex(kind, data + 2, size - 2, data[0], 1, &bytes);
	FUZZ_ASSERT(same(&whole, &pieces));
	FUZZ_ASSERT(same(&whole, &bytes));
	if (kind == LEX_CHUNKED_MAX && whole.status == 413)
		return 0;

	/* llhttp on the bytes the lexer passes, as src/http.c runs it. */
	end = llhttp_end(kind, data + 2, whole.verdict == FRAME_MORE ? size - 2 : whole.at);
	if (end == -3)
		return 0;
	if (whole.verdict == FRAME_END) {
		if (end >= 0 && (size_t)end != whole.at)
			fprintf(stderr, "lexer: end at %zu, llhttp at %ld\n", whole.at, end);
		FUZZ_ASSERT(end < 0 || (size_t)end == whole.at);
	} else {
		if (end >= 0)
			fprintf(stderr, "lexer: no end in %zu bytes, llhttp ends at %ld\n",
				whole.at, end);
		FUZZ_ASSERT(end < 0);
	}
	return 0;
}
