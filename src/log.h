/* SPDX-License-Identifier: MIT */
/* Small logging API in the OpenBSD style: log_warn adds strerror(errno). */
#ifndef ZS_LOG_H
#define ZS_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* verbosity: -1 quiet (errors only), 0 default (warnings + info), 1+ debug. */
void log_init(int verbosity);
int log_verbosity(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * A one-line message for the caller to print: the modules that parse the
 * command line and decide at start-up (addr, config, router, allow,
 * privdrop) say why they refused through an err buffer. err may be NULL.
 */
void log_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Where the last n lines of text [text, end) start (end past the last
 * line's end, its newline excluded); *before: the lines ahead of them.
 * For long logs whose point is at their end, as the verifier's.
 */
const char *log_tail(const char *text, const char *end, size_t n, size_t *before);
/* Bridge libevent's and libbpf's own log callbacks into this API. */
void log_bridge_libevent(void);

#endif
