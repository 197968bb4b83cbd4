/* SPDX-License-Identifier: MIT */
/*
 * The access log exported as OpenTelemetry logs: OTLP/HTTP with the JSON
 * encoding, in batches, to a collector such as one on localhost. The proxy
 * never waits for it: a record is encoded into a bounded queue, and the
 * POSTs go out from the proxy's own loop, one at a time, on a keep-alive
 * connection. A collector that is down, slow or refusing costs dropped
 * records (counted, and one warning per 10 s), never memory or latency.
 */
#ifndef ZS_OTLP_H
#define ZS_OTLP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct accesslog_entry;
struct otlp;

struct otlp_stats {
	uint64_t sent;	       /* records in POSTs the collector answered 2xx */
	uint64_t dropped;      /* queue full, or in a POST that failed */
	uint64_t failed_posts; /* no connection, no answer in time, or not 2xx */
};

/*
 * url: http://HOST:PORT[/PATH], PATH /v1/logs when absent, HOST a name
 * ("localhost", resolved here, once), an IPv4 address or [IPv6]. NULL with
 * errno (EINVAL, ENOMEM) and a one-line message in err. SIGPIPE must be
 * ignored: a collector that goes away mid-POST is an ordinary failure.
 */
struct otlp *otlp_new(struct event_base *base, const char *url, char *err, size_t errlen);
/*
 * Queue one record, encoded (copied) now. Never blocks and does no I/O
 * beyond arming a timer; when the queue is full the record is dropped and
 * counted. o may be NULL (no exporter).
 */
void otlp_log(struct otlp *o, const struct accesslog_entry *e);
/* Is url one otlp_new takes? 0, or -EINVAL with the one-line reason in err
 * (the command line checks it before anything starts). */
int otlp_check_url(const char *url, char *err, size_t errlen);
void otlp_stats(const struct otlp *o, struct otlp_stats *st);
/*
 * Send what is still queued, running base's loop for at most timeout_ms (0:
 * not at all), then free. For the exit, after the last otlp_log and outside
 * base's callbacks; other events still on base may run meanwhile.
 */
void otlp_free(struct otlp *o, int timeout_ms);
/*
 * One OTLP LogRecord as a JSON object appended to out; observed_ns: when
 * zeroserve saw it (CLOCK_REALTIME). 0 or -ENOMEM. For the unit tests.
 */
int otlp_encode(struct evbuffer *out, const struct accesslog_entry *e, int64_t observed_ns);

#endif
