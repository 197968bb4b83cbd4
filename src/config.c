/* SPDX-License-Identifier: MIT */
/* The command line, parsed once at start-up. */

/*
 * Autoconf's config.h, when configure writes one (else PACKAGE_VERSION comes
 * as -D). Angle brackets on purpose: a quoted "config.h" is looked up next to
 * this file first and would find our own src/config.h; automake puts
 * -I$(top_builddir) ahead of -I$(top_srcdir)/src.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef PACKAGE_VERSION
#error "PACKAGE_VERSION undefined: build through configure, or pass -DPACKAGE_VERSION"
#endif

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ifaddrs.h>

#include "config.h"
#include "otlp.h"
#include "log.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"

enum {
	OPT_NO_BPF = 256,
	OPT_CGROUP,
	OPT_CHECK,
	OPT_USER,
	OPT_ACCESS_LOG,
	OPT_LOG_FORMAT,
	OPT_UPSTREAM_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_HEADER_TIMEOUT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_MAX_CONNS,
	OPT_BACKEND_MAX_CONNS,
	OPT_BACKEND_MAX_CONNECTING,
	OPT_QUEUE_TIMEOUT,
	OPT_MAX_BODY,
	OPT_BROWSE,
	OPT_SPA,
	OPT_DOTFILES,
	OPT_FOLLOW_SYMLINKS,
	OPT_CACHE,
	OPT_NO_GZIP,
	OPT_ALLOW_HOST,
	OPT_ALLOW_ORIGIN,
	OPT_PROGRAM,
	OPT_VERIFIER_LOG,
	OPT_METRICS,
	OPT_METRICS_TEXTFILE,
	OPT_METRICS_INTERVAL,
	OPT_METRICS_SOURCES,
	OPT_OTLP_ENDPOINT,
	OPT_MCP,
	OPT_LOG_RING,
};

/* Leading ':' so that a missing argument returns ':' instead of '?'. */
static const char short_options[] = ":l:hVvq";

static const struct option long_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"no-bpf", no_argument, NULL, OPT_NO_BPF},
    {"cgroup", required_argument, NULL, OPT_CGROUP},
    {"check", no_argument, NULL, OPT_CHECK},
    {"user", required_argument, NULL, OPT_USER},
    {"access-log", required_argument, NULL, OPT_ACCESS_LOG},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"upstream-timeout", required_argument, NULL, OPT_UPSTREAM_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"backend-max-conns", required_argument, NULL, OPT_BACKEND_MAX_CONNS},
    {"backend-max-connecting", required_argument, NULL, OPT_BACKEND_MAX_CONNECTING},
    {"queue-timeout", required_argument, NULL, OPT_QUEUE_TIMEOUT},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"browse", no_argument, NULL, OPT_BROWSE},
    {"spa", no_argument, NULL, OPT_SPA},
    {"dotfiles", no_argument, NULL, OPT_DOTFILES},
    {"follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"no-gzip", no_argument, NULL, OPT_NO_GZIP},
    {"allow-host", required_argument, NULL, OPT_ALLOW_HOST},
    {"allow-origin", required_argument, NULL, OPT_ALLOW_ORIGIN},
    {"program", required_argument, NULL, OPT_PROGRAM},
    {"verifier-log", required_argument, NULL, OPT_VERIFIER_LOG},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"metrics-textfile", required_argument, NULL, OPT_METRICS_TEXTFILE},
    {"metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL},
    {"metrics-sources", required_argument, NULL, OPT_METRICS_SOURCES},
    {"otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT},
    {"mcp", required_argument, NULL, OPT_MCP},
    {"log-ring", required_argument, NULL, OPT_LOG_RING},
    {NULL, 0, NULL, 0},
};

static const char *long_name(int val)
{
	const struct option *o;

	for (o = long_options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

void config_usage(FILE *f)
{
	fputs("usage: zeroserve [-l ADDR:PORT]... [options] [ROUTE]...\n"
	      "\n"
	      "  ROUTE  := [NAME@][HOST][/PREFIX]=TARGET  (no '=': TARGET for /)\n"
	      "  TARGET := PORT | :PORT | HOST:PORT | http://HOST:PORT[/PATH] | DIRECTORY\n"
	      "  PORT alone is :PORT (127.0.0.1): zeroserve 3000, zeroserve /api=3001 3000\n"
	      "\n"
	      "  The longest matching prefix wins; a route naming a Host beats one that\n"
	      "  does not. http://HOST:PORT/PATH replaces the matched prefix with PATH.\n"
	      "\n"
	      "options:\n"
	      "  -l, --listen ADDR:PORT       listen here (repeatable; default 127.0.0.1:8080)\n"
	      "  -v, --verbose                more logging (repeatable)\n"
	      "  -q, --quiet                  errors only\n"
	      "      --no-bpf                 userspace engine only\n"
	      "      --cgroup PATH            cgroup v2 for the kernel engine\n"
	      "      --program FILE.bpf.o     a routing program decides each request\n"
	      "                               (man zeroserve-program.7)\n"
	      "      --verifier-log FILE      the verifier's whole log, when it refuses it\n"
	      "      --check                  say which engine would run here and why, exit\n"
	      "      --user NAME              started as root, run as NAME once the listeners\n"
	      "                               are bound (default: SUDO_USER, else nobody)\n"
	      "      --access-log FILE|-      write an access log (- is stdout)\n"
	      "      --allow-host NAME        accept this Host too (repeatable; *.NAME, *)\n"
	      "      --allow-origin ORIGIN    accept requests from pages of ORIGIN too\n"
	      "                               (scheme://host[:port], null, *; repeatable)\n"
	      "      --log-format text|json   log line format (default text)\n"
	      "      --metrics ADDR:PORT      serve Prometheus metrics at /metrics there\n"
	      "      --metrics-textfile PATH  write them to PATH (node_exporter's textfile\n"
	      "                               collector), every --metrics-interval\n"
	      "      --metrics-interval DUR   how often (default 5s)\n"
	      "      --metrics-sources N      source label values kept, then \"other\"\n"
	      "                               (default 32)\n"
	      "      --otlp-endpoint URL      export the access log as OTLP/HTTP JSON logs\n"
	      "                               (http://HOST:PORT[/PATH], default path /v1/logs)\n"
	      "      --mcp ROUTE              log and count the route's MCP (JSON-RPC) calls by\n"
	      "                               method and tool (its name or spec; repeatable)\n"
	      "      --log-ring SIZE          the kernel's request record buffer (default 4m)\n"
	      "      --upstream-timeout DUR   backend response timeout (default 60s)\n"
	      "      --connect-timeout DUR    backend connect timeout (default 1s)\n"
	      "      --idle-timeout DUR       keep-alive idle timeout (default 60s)\n"
	      "      --header-timeout DUR     request head timeout (default 10s)\n"
	      "      --shutdown-timeout DUR   drain time on SIGTERM (default 10s)\n"
	      "      --max-conns N            client connection limit (default 4096)\n"
	      "      --backend-max-conns N    connections open to each backend (default 64)\n"
	      "      --backend-max-connecting N\n"
	      "                               new backend connections not yet answered on\n"
	      "                               (default 4)\n"
	      "      --queue-timeout DUR      wait for a backend connection, then 503\n"
	      "                               (default 60s)\n"
	      "      --max-body SIZE          request body limit, 413 above (default 1g; 0: none)\n"
	      "  -h, --help                   show this help\n"
	      "  -V, --version                show the version\n"
	      "\n"
	      "directories (DIRECTORY targets):\n"
	      "      --browse                 list directories without index.html\n"
	      "      --spa                    index.html for unknown paths without an extension\n"
	      "      --dotfiles               serve names starting with '.'\n"
	      "      --follow-symlinks        follow symlinks that leave the directory\n"
	      "      --cache VALUE            Cache-Control value (default no-cache)\n"
	      "      --no-gzip                never compress on the fly\n"
	      "\n"
	      "  DUR is 30 (seconds), 30s, 500ms or 2m; SIZE is 1048576, 512k, 10m or 1g.\n"
	      "\n"
	      "examples:\n"
	      "  zeroserve ./dist\n"
	      "  zeroserve --spa /=./dist /api=:3001\n"
	      "  zeroserve -l 127.0.0.1:8080 /api=127.0.0.1:3001 /=127.0.0.1:5173\n"
	      "  zeroserve /api/=http://127.0.0.1:3001/\n"
	      "  zeroserve app.localhost=127.0.0.1:3002\n",
	      f);
}

int config_parse_duration(const char *s, unsigned int *ms)
{
	unsigned long long v = 0, mult;
	const char *p;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	for (p = s; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT_MAX)
			return -EINVAL;
	}
	if (*p == '\0' || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60000;
	else
		return -EINVAL;
	/* v <= UINT_MAX here, so v * 60000 cannot overflow 64 bits. */
	v *= mult;
	if (v == 0 || v > UINT_MAX)
		return -EINVAL;
	*ms = (unsigned int)v;
	return 0;
}

/* addr_parse says "bad address 'X': why"; --listen errors want only the why. */
static const char *addr_reason(const char *text, const char *msg)
{
	static const char head[] = "bad address '";
	size_t hl = sizeof(head) - 1, tl = strlen(text);

	if (strncmp(msg, head, hl) == 0 && strncmp(msg + hl, text, tl) == 0 &&
	    strncmp(msg + hl + tl, "': ", 3) == 0)
		return msg + hl + tl + 3;
	return msg;
}

static int same_addr(const struct addr *a, const struct addr *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->ss;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family || addr_port(a) != addr_port(b))
		return 0;
	if (a->ss.ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0 &&
		       a6->sin6_scope_id == b6->sin6_scope_id;
	return 0;
}

static int add_listen(struct config *cfg, const char *text, char *err, size_t errlen)
{
	struct addr a, *listens;
	char aerr[512], **texts;
	size_t i;

	if (addr_parse(text, &a, aerr, sizeof(aerr)) < 0) {
		log_seterr(err, errlen, "bad --listen address '%s': %s", text,
			   addr_reason(text, aerr));
		return -EINVAL;
	}
	for (i = 0; i < cfg->nlistens; i++) {
		if (!same_addr(&a, &cfg->listens[i]))
			continue;
		if (strcmp(text, cfg->listen_text[i]) == 0)
			log_seterr(err, errlen, "duplicate --listen address '%s'", text);
		else
			log_seterr(err, errlen, "duplicate --listen address '%s' (same as '%s')",
				   text, cfg->listen_text[i]);
		return -EINVAL;
	}
	/* A handful of addresses at most: grow one at a time. */
	listens = realloc(cfg->listens, (cfg->nlistens + 1) * sizeof(*listens));
	if (listens == NULL)
		goto nomem;
	cfg->listens = listens;
	texts = realloc(cfg->listen_text, (cfg->nlistens + 1) * sizeof(*texts));
	if (texts == NULL)
		goto nomem;
	cfg->listen_text = texts;
	texts[cfg->nlistens] = strdup(text);
	if (texts[cfg->nlistens] == NULL)
		goto nomem;
	listens[cfg->nlistens++] = a;
	return 0;
nomem:
	log_seterr(err, errlen, "--listen '%s': out of memory", text);
	return -ENOMEM;
}

static int set_string(char **dst, const char *opt, const char *val, const char *expected, char *err,
		      size_t errlen)
{
	char *s;

	if (*val == '\0') {
		log_seterr(err, errlen, "bad %s '': expected %s", opt, expected);
		return -EINVAL;
	}
	s = strdup(val);
	if (s == NULL) {
		log_seterr(err, errlen, "%s '%s': out of memory", opt, val);
		return -ENOMEM;
	}
	/* The last one given wins, as with any repeated option. */
	free(*dst);
	*dst = s;
	return 0;
}

static int set_duration(unsigned int *dst, int opt, const char *val, char *err, size_t errlen)
{
	if (config_parse_duration(val, dst) < 0) {
		log_seterr(err, errlen,
			   "bad --%s '%s': expected a positive duration like 30s, 500ms or 2m",
			   long_name(opt), val);
		return -EINVAL;
	}
	return 0;
}

static int set_count(unsigned int *dst, int opt, const char *val, char *err, size_t errlen)
{
	unsigned long v = 0;
	const char *p = val;

	/* Digits only: strtoul would take "-1", " 5" and "0x10". */
	for (; isdigit((unsigned char)*p) && v <= INT_MAX; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == val || *p != '\0' || v == 0 || v > INT_MAX) {
		log_seterr(err, errlen, "bad --%s '%s': expected a number from 1 to %d",
			   long_name(opt), val, INT_MAX);
		return -EINVAL;
	}
	*dst = (unsigned int)v;
	return 0;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	/* Digits only, as for --max-conns: strtoull would take "-1" and " 5". */
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ULL << 10;
		break;
	case 'm':
	case 'M':
		mul = 1ULL << 20;
		break;
	case 'g':
	case 'G':
		mul = 1ULL << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*p != '\0' && p[1] != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> 1) / mul)
		return -EINVAL;
	*bytes = v * mul;
	return 0;
}

static int set_max_body(struct config *cfg, const char *val, char *err, size_t errlen)
{
	if (config_parse_size(val, &cfg->max_body) < 0) {
		log_seterr(err, errlen,
			   "bad --max-body '%s': expected a size like 1048576, 512k, 10m or 1g",
			   val);
		return -EINVAL;
	}
	return 0;
}

/* A header value: printable ASCII, so it cannot split the response head. */
static int set_cache(struct config *cfg, const char *val, char *err, size_t errlen)
{
	const char *p;

	for (p = val; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	if (*val == '\0' || *p != '\0') {
		log_seterr(err, errlen,
			   "bad --cache '%s': expected a Cache-Control value like no-cache or "
			   "max-age=3600",
			   val);
		return -EINVAL;
	}
	return set_string(&cfg->cache_control, "--cache", val, "a Cache-Control value", err,
			  errlen);
}

/* The argument getopt just complained about, for the message. */
static const char *current_arg(int argc, char **argv)
{
	if (optind > 0 && optind <= argc && argv[optind - 1])
		return argv[optind - 1];
	return "";
}

/* How many long options name (n bytes) abbreviates; getopt_long rejects more than one. */
static int abbreviations(const char *name, size_t n)
{
	const struct option *o;
	int count = 0;

	for (o = long_options; o->name; o++)
		if (strncmp(o->name, name, n) == 0)
			count++;
	return count;
}

static void bad_option(int argc, char **argv, char *err, size_t errlen)
{
	const char *arg = current_arg(argc, argv);
	size_t n;

	/* Unknown short options, even inside a cluster like "-vx", come with optopt. */
	if (optopt > 0 && optopt < 256 && strchr(short_options + 1, optopt) == NULL) {
		log_seterr(err, errlen, "unknown option '-%c'", optopt);
		return;
	}
	n = strcspn(arg, "=");
	if (strncmp(arg, "--", 2) != 0) {
		log_seterr(err, errlen, "unknown option '%s'", arg);
		return;
	}
	/* A known option in optopt: "--help=x", an argument it does not take. */
	if (optopt != 0)
		log_seterr(err, errlen, "option '--%s' does not take an argument",
			   long_name(optopt));
	else if (n > 2 && abbreviations(arg + 2, n - 2) > 1)
		log_seterr(err, errlen, "ambiguous option '%.*s'", (int)n, arg);
	else
		log_seterr(err, errlen, "unknown option '%s'", arg);
}

static void missing_argument(int argc, char **argv, char *err, size_t errlen)
{
	const char *arg = current_arg(argc, argv);

	if (optopt >= 256 || strncmp(arg, "--", 2) == 0)
		log_seterr(err, errlen, "option '--%s' needs an argument", long_name(optopt));
	else
		log_seterr(err, errlen, "option '-%c' needs an argument", optopt);
}

static int add_route(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	struct route r;
	int rc;

	rc = route_parse(arg, &r, err, errlen);
	if (rc < 0)
		return rc;
	/* router_add owns r from here on, even when it fails. */
	rc = router_add(&cfg->router, &r, err, errlen);
	return rc == -EEXIST ? -EINVAL : rc;
}

/* An address's numeric Host form: "127.0.0.1", "[::1]". */
static int allow_sockaddr(struct allow *al, const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN], name[INET6_ADDRSTRLEN + 2];

	if (sa->sa_family == AF_INET) {
		if (inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			      ip, sizeof(ip)) == NULL)
			return 0;
		return allow_add_name(al, ip);
	}
	if (sa->sa_family == AF_INET6) {
		if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			      ip, sizeof(ip)) == NULL)
			return 0;
		snprintf(name, sizeof(name), "[%s]", ip);
		return allow_add_name(al, name);
	}
	return 0;
}

static int is_wildcard_sa(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 0;
}

/*
 * The names zeroserve answers for by its own configuration (man zeroserve,
 * SECURITY): each listen address as written and in numeric form, every
 * address of the machine for a wildcard listen (a phone on the LAN asks for
 * http://192.168.1.5:8080/) but not the wildcard, and every route's host.
 */
static int allow_own_names(struct config *cfg, char *err, size_t errlen)
{
	struct ifaddrs *ifs = NULL, *i;
	int rc = 0, any = 0;
	size_t k;

	for (k = 0; k < cfg->nlistens && rc == 0; k++) {
		/* Not 0.0.0.0 itself: browsers send a public page's requests
		 * for http://0.0.0.0:PORT/ to this machine, a plain GET
		 * without an Origin. */
		if (is_wildcard_sa((const struct sockaddr *)&cfg->listens[k].ss)) {
			any = 1;
			continue;
		}
		rc = allow_add_name(&cfg->allow, cfg->listen_text[k]);
		if (rc == 0)
			rc = allow_sockaddr(&cfg->allow,
					    (const struct sockaddr *)&cfg->listens[k].ss);
	}
	for (k = 0; k < cfg->router.n && rc == 0; k++)
		if (cfg->router.routes[k].host != NULL)
			rc = allow_add_name(&cfg->allow, cfg->router.routes[k].host);
	if (rc == 0 && any && getifaddrs(&ifs) == 0) {
		for (i = ifs; i != NULL && rc == 0; i = i->ifa_next)
			if (i->ifa_addr != NULL && !is_wildcard_sa(i->ifa_addr))
				rc = allow_sockaddr(&cfg->allow, i->ifa_addr);
		freeifaddrs(ifs);
	}
	if (rc < 0)
		log_seterr(err, errlen, "allowed hosts: out of memory");
	return rc;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	router_init(&cfg->router);
	cfg->log_format = LOGFMT_TEXT;
	cfg->upstream_timeout_ms = 60 * 1000;
	cfg->connect_timeout_ms = 1000;
	cfg->idle_timeout_ms = 60 * 1000;
	cfg->header_timeout_ms = 10 * 1000;
	cfg->shutdown_timeout_ms = 10 * 1000;
	cfg->max_conns = 4096;
	/*
	 * Dev servers: Python's socketserver (http.server, Django's runserver)
	 * listens with a backlog of 5, so at most 4 connections it has not
	 * accepted yet; 64 open is what the idle pool keeps anyway.
	 */
	cfg->backend_max_conns = 64;
	cfg->backend_max_connecting = 4;
	cfg->queue_timeout_ms = 60 * 1000;
	cfg->max_body = 1ULL << 30;
	cfg->metrics_interval_ms = 5000;
	cfg->metrics_sources = 32;
	cfg->log_ring = 4 << 20;
}

int config_wants_requests(const struct config *cfg)
{
	return cfg->access_log != NULL || cfg->metrics.ss.ss_family != AF_UNSPEC ||
	       cfg->metrics_textfile != NULL || cfg->otlp_endpoint != NULL;
}

static int set_metrics(struct config *cfg, const char *val, char *err, size_t errlen)
{
	char aerr[200];

	if (addr_parse(val, &cfg->metrics, aerr, sizeof(aerr)) < 0) {
		log_seterr(err, errlen, "bad --metrics address '%s': %s", val,
			   addr_reason(val, aerr));
		return -EINVAL;
	}
	return set_string(&cfg->metrics_text, "--metrics", val, "an ADDR:PORT", err, errlen);
}

/* The kernel's ring is a power of two of pages (kernel/bpf/ringbuf.c,
 * ringbuf_map_alloc), at least 64 KiB here so that a burst fits. */
static int set_log_ring(struct config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;

	if (config_parse_size(val, &v) < 0 || v < (64 << 10) || v > (1ULL << 30) ||
	    (v & (v - 1)) != 0) {
		log_seterr(err, errlen,
			   "bad --log-ring '%s': expected a power of two from 64k to 1g, like 4m",
			   val);
		return -EINVAL;
	}
	cfg->log_ring = v;
	return 0;
}

static int add_mcp(struct config *cfg, const char *val, char *err, size_t errlen)
{
	char **v;

	if (*val == '\0') {
		log_seterr(err, errlen, "bad --mcp '': expected a route's name or spec");
		return -EINVAL;
	}
	v = realloc(cfg->mcp, (cfg->nmcp + 1) * sizeof(*v));
	if (v == NULL)
		goto nomem;
	cfg->mcp = v;
	v[cfg->nmcp] = strdup(val);
	if (v[cfg->nmcp] == NULL)
		goto nomem;
	cfg->nmcp++;
	return 0;
nomem:
	log_seterr(err, errlen, "--mcp '%s': out of memory", val);
	return -ENOMEM;
}

/* Each --mcp names a backend route: by its name (NAME@...) or its spec. */
static int resolve_mcp(struct config *cfg, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cfg->nmcp; i++) {
		struct route *found = NULL;

		for (j = 0; j < cfg->router.n && found == NULL; j++) {
			struct route *r = &cfg->router.routes[j];

			if ((r->name != NULL && strcmp(r->name, cfg->mcp[i]) == 0) ||
			    strcmp(r->spec, cfg->mcp[i]) == 0)
				found = r;
		}
		if (found == NULL) {
			log_seterr(err, errlen, "bad --mcp '%s': no route has that name or spec",
				   cfg->mcp[i]);
			return -EINVAL;
		}
		if (found->kind != ROUTE_BACKEND) {
			log_seterr(err, errlen,
				   "bad --mcp '%s': a directory route has no MCP server behind it",
				   cfg->mcp[i]);
			return -EINVAL;
		}
		found->mcp = 1;
	}
	return 0;
}

static int parse_option(struct config *cfg, int c, int argc, char **argv, char *err, size_t errlen)
{
	switch (c) {
	case 'l':
		return add_listen(cfg, optarg, err, errlen);
	case 'h':
		config_usage(stdout);
		return CONFIG_EXIT;
	case 'V':
		printf("zeroserve %s\n", PACKAGE_VERSION);
		return CONFIG_EXIT;
	case 'v':
		if (cfg->verbosity < INT_MAX)
			cfg->verbosity++;
		return 0;
	case 'q':
		cfg->verbosity = -1;
		return 0;
	case OPT_NO_BPF:
		cfg->no_bpf = 1;
		return 0;
	case OPT_CHECK:
		cfg->check = 1;
		return 0;
	case OPT_USER:
		return set_string(&cfg->user, "--user", optarg, "a user name", err, errlen);
	case OPT_CGROUP:
		return set_string(&cfg->cgroup, "--cgroup", optarg, "a cgroup v2 path", err,
				  errlen);
	case OPT_PROGRAM:
		return set_string(&cfg->program, "--program", optarg, "a BPF object file", err,
				  errlen);
	case OPT_VERIFIER_LOG:
		return set_string(&cfg->verifier_log, "--verifier-log", optarg, "a file name", err,
				  errlen);
	case OPT_ACCESS_LOG:
		return set_string(&cfg->access_log, "--access-log", optarg, "a file name or -", err,
				  errlen);
	case OPT_METRICS:
		return set_metrics(cfg, optarg, err, errlen);
	case OPT_METRICS_TEXTFILE:
		return set_string(&cfg->metrics_textfile, "--metrics-textfile", optarg,
				  "a file name", err, errlen);
	case OPT_METRICS_INTERVAL:
		return set_duration(&cfg->metrics_interval_ms, c, optarg, err, errlen);
	case OPT_METRICS_SOURCES:
		return set_count(&cfg->metrics_sources, c, optarg, err, errlen);
	case OPT_OTLP_ENDPOINT:
		return set_string(&cfg->otlp_endpoint, "--otlp-endpoint", optarg,
				  "http://HOST:PORT[/PATH]", err, errlen);
	case OPT_MCP:
		return add_mcp(cfg, optarg, err, errlen);
	case OPT_LOG_RING:
		return set_log_ring(cfg, optarg, err, errlen);
	case OPT_LOG_FORMAT:
		if (strcmp(optarg, "text") == 0) {
			cfg->log_format = LOGFMT_TEXT;
		} else if (strcmp(optarg, "json") == 0) {
			cfg->log_format = LOGFMT_JSON;
		} else {
			log_seterr(err, errlen, "bad --log-format '%s': expected text or json",
				   optarg);
			return -EINVAL;
		}
		return 0;
	case OPT_UPSTREAM_TIMEOUT:
		return set_duration(&cfg->upstream_timeout_ms, c, optarg, err, errlen);
	case OPT_CONNECT_TIMEOUT:
		return set_duration(&cfg->connect_timeout_ms, c, optarg, err, errlen);
	case OPT_IDLE_TIMEOUT:
		return set_duration(&cfg->idle_timeout_ms, c, optarg, err, errlen);
	case OPT_HEADER_TIMEOUT:
		return set_duration(&cfg->header_timeout_ms, c, optarg, err, errlen);
	case OPT_SHUTDOWN_TIMEOUT:
		return set_duration(&cfg->shutdown_timeout_ms, c, optarg, err, errlen);
	case OPT_MAX_CONNS:
		return set_count(&cfg->max_conns, c, optarg, err, errlen);
	case OPT_BACKEND_MAX_CONNS:
		return set_count(&cfg->backend_max_conns, c, optarg, err, errlen);
	case OPT_BACKEND_MAX_CONNECTING:
		return set_count(&cfg->backend_max_connecting, c, optarg, err, errlen);
	case OPT_QUEUE_TIMEOUT:
		return set_duration(&cfg->queue_timeout_ms, c, optarg, err, errlen);
	case OPT_MAX_BODY:
		return set_max_body(cfg, optarg, err, errlen);
	case OPT_BROWSE:
		cfg->browse = 1;
		return 0;
	case OPT_SPA:
		cfg->spa = 1;
		return 0;
	case OPT_DOTFILES:
		cfg->dotfiles = 1;
		return 0;
	case OPT_FOLLOW_SYMLINKS:
		cfg->follow_symlinks = 1;
		return 0;
	case OPT_NO_GZIP:
		cfg->no_gzip = 1;
		return 0;
	case OPT_CACHE:
		return set_cache(cfg, optarg, err, errlen);
	case OPT_ALLOW_HOST:
		return allow_add_host(&cfg->allow, optarg, err, errlen);
	case OPT_ALLOW_ORIGIN:
		return allow_add_origin(&cfg->allow, optarg, err, errlen);
	case ':':
		missing_argument(argc, argv, err, errlen);
		return -EINVAL;
	default:
		bad_option(argc, argv, err, errlen);
		return -EINVAL;
	}
}

int config_parse(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int c, i, rc = 0;

	config_defaults(cfg);
	if (err && errlen)
		err[0] = '\0';
	/* getopt keeps state between calls; optind = 0 makes glibc start over. */
	optind = 0;
	opterr = 0;
	while (argc > 0 && (c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		rc = parse_option(cfg, c, argc, argv, err, errlen);
		if (rc != 0)
			goto out;
	}
	for (i = argc > 0 ? optind : 0; i < argc; i++) {
		rc = add_route(cfg, argv[i], err, errlen);
		if (rc < 0)
			goto out;
	}
	/* The cgroup is where the kernel engine attaches: meaningless without it. */
	if (cfg->cgroup != NULL && cfg->no_bpf) {
		log_seterr(
		    err, errlen,
		    "--cgroup and --no-bpf together: --cgroup is for the kernel engine, which "
		    "--no-bpf turns off");
		rc = -EINVAL;
		goto out;
	}
	if (cfg->verifier_log != NULL && cfg->program == NULL) {
		log_seterr(err, errlen,
			   "--verifier-log without --program: it is the log of a "
			   "routing program the verifier refuses");
		rc = -EINVAL;
		goto out;
	}
	rc = resolve_mcp(cfg, err, errlen);
	if (rc < 0)
		goto out;
	if (cfg->otlp_endpoint != NULL) {
		rc = otlp_check_url(cfg->otlp_endpoint, err, errlen);
		if (rc < 0)
			goto out;
	}
	if (cfg->nlistens == 0)
		rc = add_listen(cfg, DEFAULT_LISTEN, err, errlen);
	for (i = 0; rc == 0 && cfg->metrics.ss.ss_family != AF_UNSPEC && i < (int)cfg->nlistens;
	     i++) {
		if (same_addr(&cfg->metrics, &cfg->listens[i])) {
			log_seterr(err, errlen,
				   "--metrics '%s' is also a --listen address: give metrics a port "
				   "of their own",
				   cfg->metrics_text);
			rc = -EINVAL;
		}
	}
	if (rc == 0)
		rc = allow_own_names(cfg, err, errlen);
out:
	/* Nothing to run with: leave cfg empty so a config_free by the caller is harmless. */
	if (rc != CONFIG_RUN)
		config_free(cfg);
	return rc;
}

void config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlistens; i++)
		free(cfg->listen_text[i]);
	free(cfg->listen_text);
	free(cfg->listens);
	router_free(&cfg->router);
	allow_free(&cfg->allow);
	free(cfg->cgroup);
	free(cfg->program);
	free(cfg->verifier_log);
	free(cfg->user);
	free(cfg->access_log);
	free(cfg->metrics_text);
	free(cfg->metrics_textfile);
	free(cfg->otlp_endpoint);
	for (i = 0; i < cfg->nmcp; i++)
		free(cfg->mcp[i]);
	free(cfg->mcp);
	free(cfg->cache_control);
	memset(cfg, 0, sizeof(*cfg));
}
