/* SPDX-License-Identifier: MIT */
/* The command line, parsed once at start-up. */
#ifndef ZS_CONFIG_H
#define ZS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "addr.h"
#include "allow.h"
#include "router.h"

enum log_format { LOGFMT_TEXT, LOGFMT_JSON };

struct config {
	struct addr *listens;
	char **listen_text; /* as given, for the "listening on" line */
	size_t nlistens;
	struct router router;
	/* Host and Origin values requests may carry: --allow-host, --allow-origin,
	 * the listen addresses and the routes' hosts (allow.h) */
	struct allow allow;
	int verbosity; /* -1 quiet, 0 normal, 1+ verbose */
	int no_bpf;
	int check;	    /* --check: say which engine would run, then exit */
	char *cgroup;	    /* --cgroup PATH (kernel engine) */
	char *program;	    /* --program FILE: a routing program (src/program.h) */
	char *verifier_log; /* --verifier-log FILE: where a refused program's log goes */
	char *user;	    /* --user NAME (src/privdrop.h); NULL: the default */
	char *access_log;   /* NULL: none; "-": stdout */
	enum log_format log_format;
	/* Metrics and logs (zeroserve(8), METRICS AND LOGS) */
	struct addr metrics;		  /* --metrics ADDR:PORT; family AF_UNSPEC: none */
	char *metrics_text;		  /* as given */
	char *metrics_textfile;		  /* --metrics-textfile PATH */
	unsigned int metrics_interval_ms; /* its rewrite period, default 5 s */
	unsigned int metrics_sources;	  /* source label values kept, default 32 */
	char *otlp_endpoint;		  /* --otlp-endpoint http://HOST:PORT[/PATH] */
	uint64_t log_ring;		  /* zs_log's size in bytes, default 4 MiB */
	char **mcp;			  /* --mcp ROUTE, as given (router.h, route.mcp) */
	size_t nmcp;
	unsigned int upstream_timeout_ms; /* default 60 s */
	unsigned int connect_timeout_ms;  /* default 1 s */
	unsigned int idle_timeout_ms;	  /* keep-alive idle, default 60 s */
	unsigned int header_timeout_ms;	  /* request head must arrive within, default 10 s */
	unsigned int shutdown_timeout_ms; /* drain on SIGTERM, default 10 s */
	unsigned int max_conns;		  /* client connections, default 4096 */
	uint64_t max_body;		  /* request body limit (413), default 1 GiB; 0: none */
	/* per backend (upstream.h, struct upstream_limits) */
	unsigned int backend_max_conns;	     /* open connections, default 64 */
	unsigned int backend_max_connecting; /* new ones not answered on yet, default 4 */
	unsigned int queue_timeout_ms;	     /* wait for a connection, default 60 s */
	/* directory routes */
	int browse;	     /* HTML listing of directories without index.html */
	int spa;	     /* index.html for unknown extension-less paths */
	int dotfiles;	     /* serve names starting with '.' */
	int follow_symlinks; /* symlinks may leave the root */
	int no_gzip;	     /* no compression on the fly */
	char *cache_control; /* NULL: "no-cache" */
};

/* Some sink wants every request: the kernel engine then sends a record for
 * each request it carries (bpf/zs_abi.h, struct zs_log). */
int config_wants_requests(const struct config *cfg);

#define CONFIG_RUN  0
#define CONFIG_EXIT 1 /* --help or --version printed: exit 0 */

/*
 * Returns CONFIG_RUN, CONFIG_EXIT, or -EINVAL with a one-line message naming
 * the bad argument in err (the caller prints it and exits 2).
 */
int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
void config_free(struct config *cfg);
/* "30", "30s", "500ms", "2m" -> milliseconds. 0 or -EINVAL. */
int config_parse_duration(const char *s, unsigned int *ms);
/* "1048576", "512k", "10m", "1g" (powers of 1024) -> bytes. 0 or -EINVAL. */
int config_parse_size(const char *s, uint64_t *bytes);
void config_usage(FILE *f);

#endif
