/* SPDX-License-Identifier: MIT */
/*
 * body.c: each kind of body sent through a conn to the other end of a
 * socketpair, released exactly once, with backpressure for the gzip stream.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <zlib.h>

#include "body.h"
#include "conn.h"

static struct event_base *base;
static struct conn *c;
static struct evbuffer *buf;
static int peer;
static int released;

static void setup(void)
{
	int sv[2], small = 4096;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	/* Small socket buffers: the conn's own output fills before the kernel's. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	c = conn_new(base, sv[0]);
	ck_assert_ptr_nonnull(c);
	peer = sv[1];
	buf = evbuffer_new();
	released = 0;
}

static void teardown(void)
{
	conn_free(c);
	close(peer);
	evbuffer_free(buf);
	event_base_free(base);
}

static void release(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	ck_assert_ptr_eq(arg, &released);
	released++;
}

/* Everything the peer can read now, after the conn wrote what it could. */
static size_t drain(char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = read(peer, out + got, cap - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap)
			break;
	}
	return got;
}

START_TEST(memory_referenced)
{
	static const char data[] = "hello, world";
	uint64_t bytes = 0;
	char got[64];

	{
		struct body b;

		body_memory(&b, data, 12, release, &released);
		evbuffer_add(buf, "HEAD|", 5);
		ck_assert_int_eq(body_send(&b, c, buf, &bytes), 1);
		ck_assert_int_eq(b.kind, BODY_NONE);
		ck_assert_uint_eq(bytes, 12);
		ck_assert_uint_eq(evbuffer_get_length(buf), 0);
		ck_assert_uint_eq(drain(got, sizeof(got)), 17);
		ck_assert_int_eq(memcmp(got, "HEAD|hello, world", 17), 0);
		ck_assert_int_eq(released, 1);
		body_free(&b);
		ck_assert_int_eq(released, 1);
	}
}
END_TEST

START_TEST(memory_copied_and_dropped)
{
	uint64_t bytes = 0;
	struct body b;
	char data[8] = "abcdefg", got[16];

	body_memory(&b, data, 7, NULL, NULL);
	ck_assert_int_eq(body_send(&b, c, buf, &bytes), 1);
	memset(data, 0, sizeof(data)); /* copied: the caller's memory may go */
	ck_assert_uint_eq(drain(got, sizeof(got)), 7);
	ck_assert_int_eq(memcmp(got, "abcdefg", 7), 0);
	/* Not sent (a HEAD request): released by body_free, once. */
	body_memory(&b, "x", 1, release, &released);
	body_free(&b);
	body_free(&b);
	ck_assert_int_eq(released, 1);
	/* No body: the head alone. */
	evbuffer_add(buf, "H", 1);
	ck_assert_int_eq(body_send(&b, c, buf, &bytes), 1);
	ck_assert_uint_eq(drain(got, sizeof(got)), 1);
	ck_assert_uint_eq(bytes, 7);
}
END_TEST

START_TEST(file_range)
{
	char path[] = "/tmp/check_body.XXXXXX", got[16];
	uint64_t bytes = 0;
	struct body b;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	body_file(&b, fd, 3, 4);
	evbuffer_add(buf, "H:", 2);
	ck_assert_int_eq(body_send(&b, c, buf, &bytes), 1);
	ck_assert_uint_eq(bytes, 4);
	ck_assert_int_eq(b.fd, -1);
	ck_assert_uint_eq(drain(got, sizeof(got)), 6);
	ck_assert_int_eq(memcmp(got, "H:3456", 6), 0);
	/* Dropped unsent: the fd is closed. */
	fd = open("/dev/null", O_RDONLY);
	body_file(&b, fd, 0, 1);
	body_free(&b);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

/* 1 MiB that does not compress: the client's output fills, the body waits. */
START_TEST(gzip_backpressure)
{
	char path[] = "/tmp/check_body.XXXXXX";
	size_t n = 1 << 20, got = 0, cap = 2 << 20;
	unsigned char *in = malloc(n), *out = malloc(cap), *plain = malloc(n + 16);
	uint64_t bytes = 0;
	struct body b;
	z_stream z;
	int fd = mkstemp(path), rc, waited = 0;
	size_t i;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	srandom(1);
	for (i = 0; i < n; i++)
		in[i] = (unsigned char)random();
	ck_assert_int_eq(write(fd, in, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0); /* gzstream reads on from the offset */
	body_gzip(&b, fd, 0);
	while ((rc = body_send(&b, c, buf, &bytes)) == 0) {
		ck_assert(conn_full(c));
		waited++;
		got += drain((char *)out + got, cap - got);
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(waited > 0, "bytes %llu, queued %zu", (unsigned long long)bytes,
		      evbuffer_get_length(conn_output(c)));
	got += drain((char *)out + got, cap - got);
	ck_assert_uint_eq(bytes, got);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = out;
	z.avail_in = (uInt)got;
	z.next_out = plain;
	z.avail_out = (uInt)(n + 16);
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(z.total_out, n);
	ck_assert_int_eq(memcmp(plain, in, n), 0);
	inflateEnd(&z);
	free(in);
	free(out);
	free(plain);
}
END_TEST

static Suite *body_suite(void)
{
	Suite *s = suite_create("body");
	TCase *tc = tcase_create("send");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, memory_referenced);
	tcase_add_test(tc, memory_copied_and_dropped);
	tcase_add_test(tc, file_range);
	tcase_add_test(tc, gzip_backpressure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(body_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
