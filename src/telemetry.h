/* SPDX-License-Identifier: MIT */
/*
 * Where finished requests go, whichever engine carried them: the access
 * log, the Prometheus registry (served at --metrics, written to
 * --metrics-textfile) and the OTLP exporter. The kernel's records
 * (bpf/zs_abi.h, struct zs_log) become entries here too, so both engines
 * log and count alike (zeroserve(8), METRICS AND LOGS).
 */
#ifndef ZS_TELEMETRY_H
#define ZS_TELEMETRY_H

#include <stdint.h>

struct event_base;
struct config;
struct accesslog_entry;
struct metrics_state;
struct zs_log;
struct telemetry;

/* NULL when cfg asks for no sink (errno 0), or with errno and a one-line
 * reason in err when one cannot be opened. */
struct telemetry *telemetry_new(struct event_base *base, const struct config *cfg, char *err,
				size_t errlen);
/* Writes the textfile a last time and sends what OTLP holds. NULL is fine. */
void telemetry_free(struct telemetry *t);
/*
 * The numbers only the owner has (connections, the kernel's counters,
 * map fill levels), asked for at each render: fn fills st.
 */
void telemetry_set_state(struct telemetry *t, void (*fn)(struct metrics_state *st, void *arg),
			 void *arg);
/* Once zeroserve runs as the user it serves as: the first textfile.
 * 0 / -errno (it cannot write there). */
int telemetry_start(struct telemetry *t);
/* One finished request: its source named from its cgroup id, then to
 * every sink. NULL t is fine. */
void telemetry_request(struct telemetry *t, struct accesslog_entry *e);
/* A request the kernel carried, as its record tells it (its times are
 * CLOCK_MONOTONIC's, bpf_ktime_get_ns). */
void telemetry_kernel(struct telemetry *t, const struct zs_log *l);
/* Around a batch of telemetry_kernel calls: their log lines go out together. */
void telemetry_batch(struct telemetry *t, int on);
/* Kernel records read, and records the OTLP exporter sent and dropped. */
void telemetry_counts(const struct telemetry *t, uint64_t *kernel_records, uint64_t *otlp_sent,
		      uint64_t *otlp_dropped);

#endif
