/* SPDX-License-Identifier: MIT */
/* Diagnostics go to stderr, one line each, prefixed with the program name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"

static int verbosity;

void log_init(int v)
{
	verbosity = v;
}

int log_verbosity(void)
{
	return verbosity;
}

static void __attribute__((format(printf, 2, 0))) vlog(int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		fprintf(stderr, "zeroserve: %s: %s\n", msg, strerror(errnum));
	else
		fprintf(stderr, "zeroserve: %s\n", msg);
}

void log_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(e, fmt, ap);
	va_end(ap);
	errno = e;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(e, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
	exit(1);
}

static void libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

void log_bridge_libevent(void)
{
	event_set_log_callback(libevent_log);
}

const char *log_tail(const char *text, const char *end, size_t n, size_t *before)
{
	const char *tail = text, *p;
	size_t seen = 0;

	for (p = end; p > text; p--) {
		if (p[-1] == '\n' && ++seen == n) {
			tail = p;
			break;
		}
	}
	*before = 0;
	for (p = text; p < tail; p++)
		*before += *p == '\n';
	return tail;
}

void log_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
