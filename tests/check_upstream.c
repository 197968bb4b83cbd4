/* SPDX-License-Identifier: MIT */
/*
 * The backend limits of the upstream pool: attempts and open connections,
 * the FIFO queue, holds, and what a failed connect decides. A loopback
 * listener that never accepts stands for the backend (its kernel completes
 * the connects); "answered" is declared with upstream_answered, as
 * session_response.c does at a response's first byte.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "conn.h"
#include "router.h"
#include "upstream.h"

static struct event_base *base;
static struct router rt;
static struct upstream_pool *pool;
static struct upstream_backend *be;
static int lfd = -1;
static int order;

struct waiter {
	struct upstream_wait w; /* first: the pool hands back &w */
	struct upstream_conn *c;
	int calls, err, order;
};

static void quiet_event(struct conn *c, short what, void *arg)
{
}

/* Every connection gets callbacks at once: the loop reports its connect. */
static struct upstream_conn *own(struct upstream_conn *c)
{
	if (c != NULL)
		conn_setcb(c->conn, NULL, NULL, quiet_event, NULL);
	return c;
}

static void ready(struct upstream_wait *w, struct upstream_conn *c, int err)
{
	struct waiter *x = (struct waiter *)w;

	x->c = own(c);
	x->err = err;
	x->calls++;
	x->order = ++order;
}

static void waiter_init(struct waiter *x)
{
	memset(x, 0, sizeof(*x));
	x->w.ready = ready;
}

/* One turn of the loop: the kicks the pool scheduled run. */
static void turn(void)
{
	ck_assert_int_ge(event_base_loop(base, EVLOOP_NONBLOCK), 0);
}

static struct upstream_conn *get(void)
{
	struct timeval tv = {1, 0};

	return own(upstream_get(be, &tv));
}

static void get_waits(void)
{
	struct timeval tv = {1, 0};

	errno = 0;
	ck_assert_ptr_null(upstream_get(be, &tv));
	ck_assert_int_eq(errno, EAGAIN);
}

static void start(unsigned int max_conns, unsigned int max_connecting)
{
	struct upstream_limits lim = {
	    .max_idle = 4,
	    .max_conns = max_conns,
	    .max_connecting = max_connecting,
	    .idle_tv = {30, 0},
	    .connect_tv = {1, 0},
	};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	struct route r;
	char spec[64], err[256];

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 64), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(spec, sizeof(spec), "/=127.0.0.1:%u", ntohs(sin.sin_port));
	router_init(&rt);
	ck_assert_int_eq(route_parse(spec, &r, err, sizeof(err)), 0);
	ck_assert_int_eq(router_add(&rt, &r, err, sizeof(err)), 0);
	pool = upstream_pool_new(base, &rt, &lim);
	ck_assert_ptr_nonnull(pool);
	be = upstream_pool_backend(pool, 0);
	ck_assert_ptr_nonnull(be);
	order = 0;
}

static void stop(void)
{
	upstream_pool_free(pool);
	router_free(&rt);
	close(lfd);
	event_base_free(base);
}

START_TEST(test_attempts_then_conns)
{
	struct waiter w1, w2;
	struct upstream_conn *c1, *c3;

	start(2, 1);
	c1 = get();
	ck_assert_ptr_nonnull(c1);
	ck_assert_int_eq(c1->attempt, 1);
	/* One attempt at a time. */
	get_waits();
	waiter_init(&w1);
	waiter_init(&w2);
	upstream_wait(be, &w1.w, 0);
	upstream_wait(be, &w2.w, 0);
	turn();
	ck_assert_int_eq(w1.calls + w2.calls, 0);
	/* Answered: the attempt's place goes to the first waiter, from the loop. */
	upstream_answered(c1);
	ck_assert_int_eq(c1->attempt, 0);
	ck_assert_int_eq(w1.calls, 0);
	turn();
	ck_assert_int_eq(w1.calls, 1);
	ck_assert_ptr_nonnull(w1.c);
	ck_assert_int_eq(w1.c->reused, 0);
	ck_assert_int_eq(w2.calls, 0);
	/* Requests wait behind the queue even with room. */
	get_waits();
	/* Two open: the second waiter waits for a close, not for an answer. */
	upstream_answered(w1.c);
	turn();
	ck_assert_int_eq(w2.calls, 0);
	upstream_close(c1);
	turn();
	ck_assert_int_eq(w2.calls, 1);
	ck_assert_ptr_nonnull(w2.c);
	ck_assert_int_lt(w1.order, w2.order);
	upstream_close(w1.c);
	c3 = w2.c;
	upstream_close(c3);
	stop();
}
END_TEST

START_TEST(test_put_hands_over)
{
	struct waiter w;
	struct upstream_conn *c;

	start(1, 1);
	c = get();
	ck_assert_ptr_nonnull(c);
	upstream_answered(c);
	waiter_init(&w);
	upstream_wait(be, &w.w, 0);
	turn();
	ck_assert_int_eq(w.calls, 0);
	upstream_put(c);
	turn();
	ck_assert_int_eq(w.calls, 1);
	ck_assert_ptr_eq(w.c, c);
	ck_assert_int_eq(w.c->reused, 1);
	upstream_close(w.c);
	stop();
}
END_TEST

START_TEST(test_cancel)
{
	struct waiter w1, w2;
	struct upstream_conn *c;

	start(1, 1);
	c = get();
	ck_assert_ptr_nonnull(c);
	waiter_init(&w1);
	waiter_init(&w2);
	upstream_wait(be, &w1.w, 0);
	upstream_wait(be, &w2.w, 0);
	upstream_wait_cancel(&w1.w);
	ck_assert_ptr_null(w1.w.be);
	upstream_wait_cancel(&w1.w); /* not queued: nothing */
	upstream_close(c);
	turn();
	ck_assert_int_eq(w1.calls, 0);
	ck_assert_int_eq(w2.calls, 1);
	ck_assert_ptr_nonnull(w2.c);
	upstream_close(w2.c);
	stop();
}
END_TEST

START_TEST(test_wait_with_room)
{
	struct waiter w;

	/* Queued while there is room (one came back meanwhile): served anyway. */
	start(1, 1);
	waiter_init(&w);
	upstream_wait(be, &w.w, 0);
	turn();
	ck_assert_int_eq(w.calls, 1);
	ck_assert_ptr_nonnull(w.c);
	upstream_close(w.c);
	stop();
}
END_TEST

START_TEST(test_hold)
{
	struct upstream_conn *c1, *c2, *c3;
	struct waiter w;

	/* Half of 4: two held at most. */
	start(4, 4);
	c1 = get();
	c2 = get();
	c3 = get();
	ck_assert_ptr_nonnull(c3);
	ck_assert_int_eq(upstream_hold(c1), 0);
	ck_assert_int_eq(upstream_hold(c2), 0);
	ck_assert_int_eq(upstream_hold(c3), -EBUSY);
	/* A put ends the hold. */
	upstream_answered(c1);
	upstream_put(c1);
	ck_assert_int_eq(c1->held, 0);
	ck_assert_int_eq(upstream_hold(c3), 0);
	upstream_close(c2);
	upstream_close(c3);
	stop();

	/* Nothing is held while a request waits. */
	start(1, 1);
	c1 = get();
	waiter_init(&w);
	upstream_wait(be, &w.w, 0);
	ck_assert_int_eq(upstream_hold(c1), -EBUSY);
	upstream_close(c1);
	turn();
	ck_assert_int_eq(w.calls, 1);
	/* A limit of 1 holds nothing. */
	ck_assert_int_eq(upstream_hold(w.c), -EBUSY);
	upstream_close(w.c);
	stop();
}
END_TEST

START_TEST(test_fail_busy)
{
	struct upstream_conn *c1, *c2;
	struct waiter w;

	start(4, 4);
	c1 = get();
	c2 = get();
	ck_assert_ptr_nonnull(c2);
	upstream_answered(c1);
	/* Another connection is open: busy, not dead. */
	ck_assert_int_eq(upstream_fail(c2), -EAGAIN);
	waiter_init(&w);
	upstream_wait(be, &w.w, 1);
	turn();
	/* Stalled: no new connect until the backend releases one. */
	ck_assert_int_eq(w.calls, 0);
	get_waits();
	upstream_close(c1);
	turn();
	ck_assert_int_eq(w.calls, 1);
	ck_assert_ptr_nonnull(w.c);
	upstream_close(w.c);
	stop();
}
END_TEST

START_TEST(test_fail_dead_or_alive)
{
	struct upstream_conn *c1, *c2;

	/* Nothing open, nothing answered: the failure is the answer. */
	start(4, 4);
	c1 = get();
	ck_assert_ptr_nonnull(c1);
	ck_assert_int_eq(upstream_fail(c1), 0);
	/* Not stalled: the next request connects. */
	c1 = get();
	ck_assert_ptr_nonnull(c1);
	upstream_close(c1);
	stop();

	/* Nothing open any more, but the backend answered another meanwhile. */
	start(4, 4);
	c1 = get();
	c2 = get();
	upstream_answered(c1);
	upstream_close(c1);
	ck_assert_int_eq(upstream_fail(c2), -EAGAIN);
	c1 = get();
	ck_assert_ptr_nonnull(c1);
	upstream_close(c1);
	stop();
}
END_TEST

static Suite *upstream_suite(void)
{
	Suite *s = suite_create("upstream");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, test_attempts_then_conns);
	tcase_add_test(tc, test_put_hands_over);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_wait_with_room);
	tcase_add_test(tc, test_hold);
	tcase_add_test(tc, test_fail_busy);
	tcase_add_test(tc, test_fail_dead_or_alive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(upstream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
