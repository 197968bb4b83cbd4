/* SPDX-License-Identifier: MIT */
/*
 * zeroserve's framing lexer (src/frame.c): heads and chunked bodies that
 * must pass and must not, each fed whole, a byte at a time and split at
 * every point (the verdict and where it falls must not depend on how the
 * bytes arrived), and the Content-Length and Transfer-Encoding rules.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

enum { HEAD_REQ, HEAD_RESP, CHUNKED };

static void start(struct frame *f, int kind, uint64_t max)
{
	if (kind == CHUNKED)
		frame_chunked_init(f, max);
	else
		frame_head_init(f, kind == HEAD_REQ);
}

/*
 * The verdict for s fed in pieces of at most step bytes starting with a
 * first piece of first bytes; *at is the offset of the end or of the bad
 * byte (the length when more is needed).
 */
static int lex(int kind, uint64_t max, const char *s, size_t len, size_t first, size_t step,
	       size_t *at, struct frame *out)
{
	struct frame f;
	size_t off = 0, used;
	int v = FRAME_MORE;

	start(&f, kind, max);
	while (off < len) {
		size_t n = off == 0 && first > 0 ? first : step;

		if (n > len - off)
			n = len - off;
		v = frame_scan(&f, s + off, n, &used);
		ck_assert_uint_le(used, n);
		if (v != FRAME_MORE) {
			off += used;
			break;
		}
		ck_assert_uint_eq(used, n);
		off += n;
	}
	*at = off;
	if (out != NULL)
		*out = f;
	return v;
}

/* Same verdict and place whole, byte by byte, and split in two anywhere. */
static int lex_all(int kind, uint64_t max, const char *s, size_t len, size_t *at, struct frame *out)
{
	size_t at1, atn, k;
	int v, vn;

	v = lex(kind, max, s, len, 0, len ? len : 1, at, out);
	vn = lex(kind, max, s, len, 0, 1, &at1, NULL);
	ck_assert_msg(vn == v && at1 == *at, "byte by byte: %d at %zu, whole: %d at %zu: %s", vn,
		      at1, v, *at, s);
	for (k = 1; k < len; k++) {
		vn = lex(kind, max, s, len, k, len, &atn, NULL);
		ck_assert_msg(vn == v && atn == *at, "split at %zu: %d at %zu, whole: %d at %zu", k,
			      vn, atn, v, *at);
	}
	return v;
}

/* s must end exactly at its last byte. */
static void ok(int kind, const char *s)
{
	size_t at, len = strlen(s);
	struct frame f;
	int v = lex_all(kind, UINT64_MAX, s, len, &at, &f);

	ck_assert_msg(v == FRAME_END, "refused (%s at %zu): %s", f.why ? f.why : "-", at, s);
	ck_assert_msg(at == len, "ended at %zu of %zu: %s", at, len, s);
}

/* s[0..len) must be refused at byte bad_at with status. */
static void refused_len(int kind, const char *s, size_t len, size_t bad_at, int status)
{
	size_t at;
	struct frame f;
	int v = lex_all(kind, 1 << 20, s, len, &at, &f);

	ck_assert_msg(v == FRAME_BAD, "accepted (%d at %zu): %s", v, at, s);
	ck_assert_msg(at == bad_at, "refused at %zu, want %zu (%s): %s", at, bad_at, f.why, s);
	ck_assert_int_eq(f.status, status);
	ck_assert_ptr_nonnull(f.why);
}

static void refused(int kind, const char *s, size_t bad_at, int status)
{
	refused_len(kind, s, strlen(s), bad_at, status);
}

static size_t pos(const char *s, const char *mark)
{
	const char *p = strstr(s, mark);

	ck_assert_ptr_nonnull(p);
	return (size_t)(p - s);
}

START_TEST(test_request_heads_ok)
{
	ok(HEAD_REQ, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	ok(HEAD_REQ, "GET / HTTP/1.0\r\n\r\n");
	/* Empty lines before a request are skipped (RFC 9112 2.2). */
	ok(HEAD_REQ, "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
	ok(HEAD_REQ, "POST /x?y=%20z#f HTTP/1.1\r\nHost: a\r\nX-A:\r\nX-B: \t v \t \r\n\r\n");
	ok(HEAD_REQ, "GET http://a:8/p HTTP/1.1\r\nHost: a\r\n\r\n");
	ok(HEAD_REQ, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
	/* obs-text in values and targets, as nginx takes it. */
	ok(HEAD_REQ, "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\nX: \xc3\xa9\x80\xff\r\n\r\n");
	ok(HEAD_REQ, "GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: x\r\n\r\n");
}
END_TEST

START_TEST(test_request_heads_refused)
{
	const char *s;

	/* The head ending "\r\n\rX" llhttp 8.1 takes, dropping the X. */
	s = "GET / HTTP/1.1\r\nHost: a\r\n\rX";
	refused(HEAD_REQ, s, pos(s, "X"), 400);
	s = "GET / HTTP/1.1\r\nHost: a\r\n\n";
	refused(HEAD_REQ, s, strlen(s) - 1, 400);
	s = "GET / HTTP/1.1\nHost: a\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\n"), 400);
	s = "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\nX"), 400);
	s = "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "X:"), 400);
	/* obs-fold, whitespace before the colon, bad name and value bytes. */
	s = "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, " c"), 400);
	s = "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\tc"), 400);
	s = "GET / HTTP/1.1\r\n Host: a\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, " Host"), 400);
	s = "GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, " :"), 400);
	s = "GET / HTTP/1.1\r\nContent-Length\t: 5\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\t:"), 400);
	s = "GET / HTTP/1.1\r\nX[a]: 5\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "["), 400);
	s = "GET / HTTP/1.1\r\n: 5\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, ": 5"), 400);
	s = "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\x7f"), 400);
	s = "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "\x01"), 400);
	refused_len(HEAD_REQ, "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26, 20, 400);
	/* Request lines. */
	s = "GET  / HTTP/1.1\r\n\r\n";
	refused(HEAD_REQ, s, 4, 400);
	s = "GET / HTTP/1.1 \r\n\r\n";
	refused(HEAD_REQ, s, pos(s, " \r"), 400);
	s = "GET /\x01 HTTP/1.1\r\n\r\n";
	refused(HEAD_REQ, s, 5, 400);
	s = "GET / http/1.1\r\n\r\n";
	refused(HEAD_REQ, s, 6, 400);
	s = "GET /\r\n\r\n";
	refused(HEAD_REQ, s, 5, 400);
	s = "G@T / HTTP/1.1\r\n\r\n";
	refused(HEAD_REQ, s, 1, 400);
	s = "\nGET / HTTP/1.1\r\n\r\n";
	refused(HEAD_REQ, s, 0, 400);
	s = "GET / HTTP/2.0\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "2.0"), 505);
	s = "GET / HTTP/9.9\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "9.9"), 505);
	s = "GET / HTTP/1.10\r\n\r\n";
	refused(HEAD_REQ, s, pos(s, "0\r"), 400);
}
END_TEST

START_TEST(test_response_heads)
{
	const char *s;

	ok(HEAD_RESP, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ok(HEAD_RESP, "HTTP/1.1 204 \r\n\r\n");
	ok(HEAD_RESP, "HTTP/1.1 200\r\nX: y\r\n\r\n");
	ok(HEAD_RESP, "HTTP/1.0 404 Not \t Found \xe9\r\n\r\n");
	s = "HTTP/1.1 20 OK\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, " OK"), 400);
	/* Below 100 (found by tests/fuzz_response: "000" went on as "0"). */
	s = "HTTP/1.1 000 OK\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, "000"), 400);
	s = "HTTP/1.1 099 OK\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, "099"), 400);
	ok(HEAD_RESP, "HTTP/1.1 100 Continue\r\n\r\n");
	ok(HEAD_RESP, "HTTP/1.1 999 Whatever\r\n\r\n");
	s = "HTTP/1.1 200 OK\nX: y\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, "\n"), 400);
	s = "HTTP/1.1 200 O\x01K\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, "\x01"), 400);
	s = "HTTP/2 200 OK\r\n\r\n";
	refused(HEAD_RESP, s, 5, 400);
	s = "HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n";
	refused(HEAD_RESP, s, pos(s, " z"), 400);
	s = "\r\nHTTP/1.1 200 OK\r\n\r\n";
	refused(HEAD_RESP, s, 0, 400);
}
END_TEST

START_TEST(test_chunked_ok)
{
	ok(CHUNKED, "0\r\n\r\n");
	ok(CHUNKED, "5\r\nhello\r\n0\r\n\r\n");
	ok(CHUNKED, "A\r\n0123456789\r\n00\r\n\r\n");
	ok(CHUNKED, "000005\r\nhello\r\n0\r\n\r\n");
	ok(CHUNKED, "5;a\r\nhello\r\n0;b=c;d=\"e f\\\"\"\r\n\r\n");
	/* Data may hold anything, CRLF included. */
	ok(CHUNKED, "5\r\nhe\r\n!\r\n0\r\nX-Trailer: 1\r\nY: \r\n\r\n");
}
END_TEST

START_TEST(test_chunked_refused)
{
	const char *s;
	char big[FRAME_CHUNK_LINE_MAX + 16];

	/* Chunk data not followed by CRLF: what llhttp 8.1 lets through. */
	s = "5\r\nhelloXX0\r\n\r\n";
	refused(CHUNKED, s, pos(s, "XX"), 400);
	s = "5\r\nhello\rX0\r\n\r\n";
	refused(CHUNKED, s, pos(s, "X0"), 400);
	s = "5\r\nhello\n0\r\n\r\n";
	refused(CHUNKED, s, pos(s, "\n0"), 400);
	/* A chunk-size line ended by a bare CR. */
	s = "5\r\r;ABCD\r\nhello\r\n0\r\n\r\n";
	refused(CHUNKED, s, 2, 400);
	s = "5\nhello\r\n0\r\n\r\n";
	refused(CHUNKED, s, 1, 400);
	/* Sizes: signs, prefixes, blanks before, oversize. */
	refused(CHUNKED, "-5\r\nhello\r\n", 0, 400);
	refused(CHUNKED, "+5\r\nhello\r\n", 0, 400);
	refused(CHUNKED, " 5\r\nhello\r\n", 0, 400);
	refused(CHUNKED, "0x5\r\nhello\r\n", 1, 400);
	refused(CHUNKED, "\r\nhello\r\n", 0, 400);
	refused(CHUNKED, "5 \r\nhello\r\n", 1, 400);
	/* No blanks around ';' and '=' (RFC 9112's BWS): llhttp 8.1 refuses them too. */
	refused(CHUNKED, "5 ;a\r\nhello\r\n", 1, 400);
	refused(CHUNKED, "5; a\r\nhello\r\n", 2, 400);
	refused(CHUNKED, "5;a =b\r\nhello\r\n", 3, 400);
	refused(CHUNKED, "5;a= b\r\nhello\r\n", 4, 400);
	refused(CHUNKED, "5;a=b \r\nhello\r\n", 5, 400);
	refused(CHUNKED, "10000000000000000\r\n", 15, 400);
	/* Extensions. */
	refused(CHUNKED, "5;\r\nhello\r\n", 2, 400);
	refused(CHUNKED, "5;a=\r\nhello\r\n", 4, 400);
	refused(CHUNKED, "5;a=\"b\r\nhello\r\n", 6, 400);
	refused(CHUNKED, "5;a\x01\r\nhello\r\n", 3, 400);
	refused(CHUNKED, "5;a=\"\x01\"\r\nhello\r\n", 5, 400);
	refused(CHUNKED, "5;a\nhello\r\n", 3, 400);
	memset(big, 'a', sizeof(big));
	memcpy(big, "5;", 2);
	big[sizeof(big) - 1] = '\0';
	refused(CHUNKED, big, FRAME_CHUNK_LINE_MAX, 400);
	/* Trailers follow the head's rules. */
	s = "0\r\nX: a\r\n b\r\n\r\n";
	refused(CHUNKED, s, pos(s, " b"), 400);
	s = "0\r\nX : a\r\n\r\n";
	refused(CHUNKED, s, pos(s, " :"), 400);
	s = "0\r\n\rX";
	refused(CHUNKED, s, 4, 400);
}
END_TEST

START_TEST(test_chunked_limit)
{
	struct frame f;
	size_t at;
	const char *s = "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n";

	ck_assert_int_eq(lex_all(CHUNKED, 11, s, strlen(s), &at, &f), FRAME_END);
	ck_assert_uint_eq(f.total, 11);
	ck_assert_int_eq(lex_all(CHUNKED, 10, s, strlen(s), &at, &f), FRAME_BAD);
	ck_assert_int_eq(f.status, 413);
	ck_assert_uint_eq(at, pos(s, "\r\nworld"));
}
END_TEST

START_TEST(test_content_length)
{
	uint64_t n = 1;

	ck_assert_int_eq(frame_content_length("0", 1, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(frame_content_length("007", 3, &n), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_int_eq(frame_content_length("9223372036854775807", 19, &n), 0);
	ck_assert_uint_eq(n, 9223372036854775807ULL);
	ck_assert_int_lt(frame_content_length("9223372036854775808", 19, &n), 0);
	ck_assert_int_lt(frame_content_length("99999999999999999999999", 23, &n), 0);
	ck_assert_int_lt(frame_content_length("", 0, &n), 0);
	ck_assert_int_lt(frame_content_length("+5", 2, &n), 0);
	ck_assert_int_lt(frame_content_length("-5", 2, &n), 0);
	ck_assert_int_lt(frame_content_length("5 5", 3, &n), 0);
	ck_assert_int_lt(frame_content_length("5,5", 3, &n), 0);
	ck_assert_int_lt(frame_content_length("0x5", 3, &n), 0);
	ck_assert_int_lt(frame_content_length("5.0", 3, &n), 0);
	ck_assert_int_lt(frame_content_length(" 5", 2, &n), 0);
}
END_TEST

START_TEST(test_transfer_encoding)
{
#define TE(s) frame_te_final_chunked(s, strlen(s))
	ck_assert_int_eq(TE("chunked"), 1);
	ck_assert_int_eq(TE("CHUNKED"), 1);
	ck_assert_int_eq(TE("gzip, chunked"), 1);
	ck_assert_int_eq(TE("gzip,chunked"), 1);
	ck_assert_int_eq(TE("gzip"), 0);
	ck_assert_int_eq(TE("identity"), 0);
	ck_assert_int_lt(TE("chunked, gzip"), 0);
	ck_assert_int_lt(TE("chunked, chunked"), 0);
	ck_assert_int_lt(TE(""), 0);
	ck_assert_int_lt(TE(","), 0);
	ck_assert_int_lt(TE("\"chunked\""), 0);
	ck_assert_int_lt(TE("gzip;q=\"a, chunked"), 0);
	ck_assert_int_eq(TE("gzip;a=\"b, c\", chunked"), 1);
	ck_assert_int_lt(TE("gzip foo, chunked"), 0);
	ck_assert_int_lt(TE("chunked foo"), 0);
	ck_assert_int_eq(TE("gzip ;a=b , chunked"), 1);
	ck_assert_int_eq(TE("chunk"), 0);
	ck_assert_int_eq(TE("xchunked"), 0);
#undef TE
	ck_assert_int_eq(frame_te_only_chunked("Chunked", 7), 1);
	ck_assert_int_eq(frame_te_only_chunked("gzip, chunked", 13), 0);
	ck_assert_int_eq(frame_te_only_chunked("chunked, chunked", 16), 0);
	ck_assert_int_eq(frame_te_only_chunked("chunkedx", 8), 0);
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("heads");

	tcase_add_test(tc, test_request_heads_ok);
	tcase_add_test(tc, test_request_heads_refused);
	tcase_add_test(tc, test_response_heads);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunked");
	tcase_add_test(tc, test_chunked_ok);
	tcase_add_test(tc, test_chunked_refused);
	tcase_add_test(tc, test_chunked_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_transfer_encoding);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
