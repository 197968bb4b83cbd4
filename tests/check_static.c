/* SPDX-License-Identifier: MIT */
/*
 * static_serve's decisions on a temporary directory: the status, the head's
 * fields and the kind of body, with no session and no socket.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "body.h"
#include "config.h"
#include "http.h"
#include "static.h"

static char root[] = "/tmp/check_static.XXXXXX";
static struct config cfg;
static struct static_files *sf;
static struct http_reply reply;
static struct body body;

static void put(const char *name, const char *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void put_big(const char *name, size_t len, char c)
{
	char *p = malloc(len);

	ck_assert_ptr_nonnull(p);
	memset(p, c, len);
	put(name, p, len);
	free(p);
}

/* A fresh config with a directory route for "/" plus extra flags. */
static void serve_with(const char *flag)
{
	char err[256];
	char *argv[] = {"zeroserve", "--no-bpf", (char *)(flag ? flag : "-q"), root, NULL};

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(config_parse(&cfg, 4, argv, err, sizeof(err)), CONFIG_RUN);
	sf = static_files_new(&cfg);
	ck_assert_ptr_nonnull(sf);
}

static void setup(void)
{
	char path[512];

	ck_assert_ptr_nonnull(mkdtemp(root));
	put("f.txt", "0123456789", 10);
	put("index.html", "<h1>hi</h1>\n", 12);
	put_big("big.txt", 300000, 'x');
	put_big("big.bin", 300000, 'y');
	snprintf(path, sizeof(path), "%s/sub", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/out", root);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	body_init(&body);
	http_reply_init(&reply, 0);
	sf = NULL;
}

static void teardown(void)
{
	char cmd[600];

	body_free(&body);
	http_reply_free(&reply);
	static_files_free(sf);
	config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/check_static.XXXXXX");
}

static const char *hdr_range, *hdr_inm, *hdr_ae;
static int minor = 1;

static int serve(int method, const char *target)
{
	struct static_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.route = &cfg.router.routes[0];
	rq.method = method;
	rq.http_minor = minor;
	rq.target = target;
	rq.target_len = strlen(target);
	rq.range.p = hdr_range;
	rq.range.len = hdr_range ? strlen(hdr_range) : 0;
	rq.if_none_match.p = hdr_inm;
	rq.if_none_match.len = hdr_inm ? strlen(hdr_inm) : 0;
	rq.accept_encoding.p = hdr_ae;
	rq.accept_encoding.len = hdr_ae ? strlen(hdr_ae) : 0;
	body_free(&body);
	http_reply_free(&reply);
	return static_serve(sf, &rq, &reply, &body);
}

/* A field's value in the reply, or NULL. */
static const char *field(const char *name)
{
	static char v[1024];
	unsigned int i;

	for (i = 0; i < reply.nfields; i++)
		if (strcmp(reply.fields[i].name, name) == 0) {
			snprintf(v, sizeof(v), "%.*s", (int)reply.fields[i].len,
				 reply.fields[i].value);
			return v;
		}
	return NULL;
}

START_TEST(small_file)
{
	serve_with(NULL);
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 200);
	ck_assert_int_eq(reply.status, 200);
	ck_assert_int_eq(reply.date, 1);
	ck_assert_int_eq(reply.close, 0);
	ck_assert_str_eq(reply.content_type, "text/plain; charset=utf-8");
	ck_assert_int_eq(reply.content_length, 10);
	ck_assert_str_eq(field("Cache-Control"), "no-cache");
	ck_assert_str_eq(field("Accept-Ranges"), "bytes");
	ck_assert_ptr_nonnull(field("ETag"));
	ck_assert_ptr_nonnull(field("Last-Modified"));
	/* Cached: the body is the cache's memory. */
	ck_assert_int_eq(body.kind, BODY_MEMORY);
	ck_assert_uint_eq(body.len, 10);
	ck_assert_int_eq(memcmp(body.data, "0123456789", 10), 0);
	ck_assert_ptr_nonnull(body.release);
	/* HEAD decides alike; the session drops the body. */
	ck_assert_int_eq(serve(HTTP_HEAD, "/f.txt"), 200);
	ck_assert_int_eq(reply.content_length, 10);
}
END_TEST

START_TEST(validators_and_ranges)
{
	char etag[128];

	serve_with(NULL);
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 200);
	snprintf(etag, sizeof(etag), "%s", field("ETag"));
	hdr_inm = etag;
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 304);
	ck_assert_int_eq(body.kind, BODY_NONE);
	ck_assert_int_eq(reply.content_length, -1);
	ck_assert_str_eq(field("ETag"), etag);
	hdr_inm = "\"other\"";
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 200);
	hdr_inm = NULL;

	hdr_range = "bytes=2-4";
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 206);
	ck_assert_int_eq(reply.content_length, 3);
	ck_assert_str_eq(field("Content-Range"), "bytes 2-4/10");
	ck_assert_int_eq(body.kind, BODY_MEMORY);
	ck_assert_uint_eq(body.len, 3);
	ck_assert_int_eq(memcmp(body.data, "234", 3), 0);
	hdr_range = "bytes=20-";
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 416);
	ck_assert_str_eq(field("Content-Range"), "bytes */10");
	ck_assert_int_eq(body.kind, BODY_NONE);
	hdr_range = "bytes=5-2"; /* invalid: the whole body */
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt"), 200);
	hdr_range = "bytes=299990-";
	ck_assert_int_eq(serve(HTTP_GET, "/big.bin"), 206);
	ck_assert_int_eq(body.kind, BODY_FILE);
	ck_assert_int_eq(body.off, 299990);
	ck_assert_uint_eq(body.len, 10);
	hdr_range = NULL;
}
END_TEST

START_TEST(large_files)
{
	serve_with(NULL);
	/* Past the cache: sendfile of the open file. */
	ck_assert_int_eq(serve(HTTP_GET, "/big.bin"), 200);
	ck_assert_int_eq(body.kind, BODY_FILE);
	ck_assert_int_ge(body.fd, 0);
	ck_assert_int_eq(body.off, 0);
	ck_assert_uint_eq(body.len, 300000);
	ck_assert_int_eq(reply.content_length, 300000);
	/* Compressible, and the client takes gzip: streamed, chunked in HTTP/1.1. */
	hdr_ae = "gzip, deflate";
	ck_assert_int_eq(serve(HTTP_GET, "/big.txt"), 200);
	ck_assert_int_eq(body.kind, BODY_GZIP);
	ck_assert_int_eq(body.chunked, 1);
	ck_assert_int_eq(reply.content_length, -1);
	ck_assert_str_eq(field("Transfer-Encoding"), "chunked");
	ck_assert_str_eq(field("Content-Encoding"), "gzip");
	ck_assert_str_eq(field("Vary"), "Accept-Encoding");
	ck_assert_int_eq(reply.close, 0);
	/* HTTP/1.0: the close ends it. */
	minor = 0;
	ck_assert_int_eq(serve(HTTP_GET, "/big.txt"), 200);
	ck_assert_int_eq(body.kind, BODY_GZIP);
	ck_assert_int_eq(body.chunked, 0);
	ck_assert_int_eq(reply.close, 1);
	ck_assert_ptr_null(field("Transfer-Encoding"));
	minor = 1;
	hdr_ae = "gzip;q=0";
	ck_assert_int_eq(serve(HTTP_GET, "/big.txt"), 200);
	ck_assert_int_eq(body.kind, BODY_FILE);
	hdr_ae = NULL;
}
END_TEST

START_TEST(errors_and_redirects)
{
	serve_with(NULL);
	ck_assert_int_eq(serve(HTTP_POST, "/f.txt"), 405);
	ck_assert_str_eq(field("Allow"), "GET, HEAD");
	ck_assert_int_eq(reply.date, 1);
	ck_assert_int_eq(body.kind, BODY_NONE);
	ck_assert_int_eq(serve(HTTP_GET, "/nope"), 404);
	ck_assert_int_eq(serve(HTTP_GET, "/f.txt/"), 404);
	ck_assert_int_eq(serve(HTTP_GET, "/../etc/passwd"), 400);
	ck_assert_int_eq(serve(HTTP_GET, "/%2e%2e/etc/passwd"), 400);
	ck_assert_int_eq(serve(HTTP_GET, "/out"), 403); /* a symlink out of the root */
	ck_assert_int_eq(serve(HTTP_GET, "/.hidden"), 404);
	ck_assert_int_eq(serve(HTTP_GET, "/sub?x=1"), 301);
	ck_assert_str_eq(field("Location"), "/sub/?x=1");
	ck_assert_int_eq(reply.content_length, 0);
	ck_assert_int_eq(body.kind, BODY_NONE);
	ck_assert_int_eq(serve(HTTP_GET, "/sub/"), 404); /* no index.html, no --browse */
	ck_assert_int_eq(serve(HTTP_GET, "/"), 200);	 /* index.html */
	ck_assert_int_eq(reply.content_length, 12);
	ck_assert_str_eq(reply.content_type, "text/html; charset=utf-8");
}
END_TEST

START_TEST(listing)
{
	serve_with("--browse");
	ck_assert_int_eq(serve(HTTP_GET, "/sub/"), 200);
	ck_assert_str_eq(reply.content_type, "text/html; charset=utf-8");
	ck_assert_int_eq(body.kind, BODY_MEMORY);
	ck_assert_int_eq(reply.content_length, (int64_t)body.len);
	ck_assert_ptr_nonnull(memmem(body.data, body.len, "/sub/", 5));
	ck_assert_ptr_null(field("ETag"));
}
END_TEST

START_TEST(spa)
{
	serve_with("--spa");
	ck_assert_int_eq(serve(HTTP_GET, "/app/route"), 200);
	ck_assert_int_eq(reply.content_length, 12);
	ck_assert_int_eq(serve(HTTP_GET, "/app/x.png"), 404);
}
END_TEST

static Suite *static_suite(void)
{
	Suite *s = suite_create("static");
	TCase *tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, small_file);
	tcase_add_test(tc, validators_and_ranges);
	tcase_add_test(tc, large_files);
	tcase_add_test(tc, errors_and_redirects);
	tcase_add_test(tc, listing);
	tcase_add_test(tc, spa);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(static_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
