/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"

/* Lines of a batch wait here for one write(2) (accesslog_hold). */
#define HOLD_MAX (64 << 10)

struct accesslog {
	int fd;
	int json;
	int own_fd;
	int holding;
	size_t held;
	char hold[HOLD_MAX];
};

/* Whole lines only, in one write: they stay whole in a log shared by
 * several writers (O_APPEND). */
static void flush_held(struct accesslog *al)
{
	if (al->held > 0)
		(void)!write(al->fd, al->hold, al->held);
	al->held = 0;
}

void accesslog_hold(struct accesslog *al, int on)
{
	if (al == NULL)
		return;
	if (!on)
		flush_held(al);
	al->holding = on;
}

struct accesslog *accesslog_open(const char *path, int json)
{
	struct accesslog *al = calloc(1, sizeof(*al));

	if (al == NULL)
		return NULL;
	al->json = json;
	if (strcmp(path, "-") == 0) {
		al->fd = STDOUT_FILENO;
	} else {
		al->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (al->fd < 0) {
			free(al);
			return NULL;
		}
		al->own_fd = 1;
	}
	return al;
}

void accesslog_close(struct accesslog *al)
{
	if (al == NULL)
		return;
	flush_held(al);
	if (al->own_fd)
		close(al->fd);
	free(al);
}

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong 3- and 4-byte forms and surrogates are not UTF-8. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return need;
}

size_t accesslog_escape(char *buf, size_t len, const char *s, size_t slen, int json)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (len == 0)
		return 0;
	for (i = 0; i < slen && o + 7 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (json && c >= 0x80) {
			size_t u = utf8_len((const unsigned char *)s + i, slen - i);

			if (u > 0 && o + u + 7 < len) {
				memcpy(buf + o, s + i, u);
				o += u;
				i += u - 1;
				continue;
			}
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Control bytes would let a client forge log lines; bytes
			 * that are not UTF-8 would make the JSON invalid. */
			if (json) {
				memcpy(buf + o, "\\u00", 4);
				o += 4;
			} else {
				memcpy(buf + o, "\\x", 2);
				o += 2;
			}
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return o;
}

/* An optional field: ,"name":"value" (JSON) or  name="value" (text),
 * value escaped; nothing for NULL or "". */
static int opt_field(char *out, size_t len, int json, const char *name, const char *v)
{
	char esc[512];

	if (v == NULL || v[0] == '\0')
		return 0;
	accesslog_escape(esc, sizeof(esc), v, strlen(v), json);
	/* A reason is one word of zeroserve's own: bare in text lines. */
	if (!json && strcmp(name, "reason") == 0)
		return snprintf(out, len, " %s=%s", name, esc);
	return snprintf(out, len, json ? ",\"%s\":\"%s\"" : " %s=\"%s\"", name, esc);
}

void accesslog_write(struct accesslog *al, const struct accesslog_entry *e)
{
	char line[4096], path[1024], method[64], route[512], backend[300], when[64], rest[2048];
	struct timespec ts;
	size_t r = 0;
	struct tm tm;
	time_t sec;
	int n;

	if (e->time_ns > 0) {
		ts.tv_sec = (time_t)(e->time_ns / 1000000000);
		ts.tv_nsec = (long)(e->time_ns % 1000000000);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
	}
	sec = ts.tv_sec;
	gmtime_r(&sec, &tm);
	n = (int)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - (size_t)n, ".%06ldZ", ts.tv_nsec / 1000);
	accesslog_escape(path, sizeof(path), e->path, e->path_len, al->json);
	accesslog_escape(method, sizeof(method), e->method, strlen(e->method), al->json);
	accesslog_escape(route, sizeof(route), e->route, strlen(e->route), al->json);
	accesslog_escape(backend, sizeof(backend), e->backend ? e->backend : "-",
			 e->backend ? strlen(e->backend) : 1, al->json);
	/* The optional fields, in their documented order. A reason is one of
	 * zeroserve's own words; a tag, a source, MCP names are escaped like
	 * a client's bytes. */
	rest[0] = '\0';
#define REST(name, v)                                                                              \
	do {                                                                                       \
		int k_ = opt_field(rest + r, sizeof(rest) - r, al->json, name, v);                 \
		if (k_ > 0 && (size_t)k_ < sizeof(rest) - r)                                       \
			r += (size_t)k_;                                                           \
	} while (0)
	REST("reason", e->reason);
	REST("tag", e->tag);
	REST("source", e->source);
	REST("mcp_method", e->mcp_method);
	REST("mcp_tool", e->mcp_tool);
	REST("mcp_outcome", e->mcp_outcome);
#undef REST
	if (e->cgroup_id != 0 && r < sizeof(rest)) {
		n = snprintf(rest + r, sizeof(rest) - r,
			     al->json ? ",\"cgroup_id\":%llu" : " cgroup_id=%llu",
			     (unsigned long long)e->cgroup_id);
		if (n > 0 && (size_t)n < sizeof(rest) - r)
			r += (size_t)n;
	}
	if (e->path_truncated && r < sizeof(rest)) {
		n = snprintf(rest + r, sizeof(rest) - r,
			     al->json ? ",\"path_truncated\":true" : " path_truncated=1");
		if (n > 0 && (size_t)n < sizeof(rest) - r)
			r += (size_t)n;
	}
	if (al->json)
		n = snprintf(line, sizeof(line),
			     "{\"time\":\"%s\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
			     "\"status\":%d,\"bytes\":%llu,\"request_bytes\":%llu,"
			     "\"response_bytes\":%llu,\"duration_ms\":%.3f,\"route\":\"%s\","
			     "\"backend\":\"%s\",\"engine\":\"%s\"%s}\n",
			     when, e->client, method, path, e->status, (unsigned long long)e->bytes,
			     (unsigned long long)e->request_bytes,
			     (unsigned long long)e->response_bytes, e->duration_ms, route, backend,
			     e->engine, rest);
	else
		n = snprintf(line, sizeof(line),
			     "%s %s \"%s %s\" %d %llu %.3fms route=%s engine=%s backend=%s "
			     "request_bytes=%llu response_bytes=%llu%s\n",
			     when, e->client, method, path, e->status, (unsigned long long)e->bytes,
			     e->duration_ms, route, e->engine, backend,
			     (unsigned long long)e->request_bytes,
			     (unsigned long long)e->response_bytes, rest);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		/* Cut, but still one line: a JSON reader skips it rather than
		 * taking the next line into it. */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (al->holding) {
		if (al->held + (size_t)n > sizeof(al->hold))
			flush_held(al);
		memcpy(al->hold + al->held, line, (size_t)n);
		al->held += (size_t)n;
		return;
	}
	/* One write per line: lines from a log shared by several writers stay whole. */
	(void)!write(al->fd, line, (size_t)n);
}
