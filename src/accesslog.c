/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"

struct accesslog {
	int fd;
	int json;
	int own_fd;
};

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

void accesslog_write(struct accesslog *al, const struct accesslog_entry *e)
{
	char line[4096], path[2048], method[64], route[512], when[64], tag[128];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - (size_t)n, ".%03ldZ", ts.tv_nsec / 1000000);
	accesslog_escape(path, sizeof(path), e->path, e->path_len, al->json);
	accesslog_escape(method, sizeof(method), e->method, strlen(e->method), al->json);
	accesslog_escape(route, sizeof(route), e->route, strlen(e->route), al->json);
	/* A program's bytes: escaped like a client's. */
	accesslog_escape(tag, sizeof(tag), e->tag ? e->tag : "", e->tag ? strlen(e->tag) : 0,
			 al->json);
	/* A reason is one of zeroserve's own words: nothing to escape. */
	if (al->json)
		n = snprintf(line, sizeof(line),
			     "{\"time\":\"%s\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
			     "\"status\":%d,\"bytes\":%llu,\"duration_ms\":%.3f,\"route\":\"%s\","
			     "\"engine\":\"%s\"%s%s%s%s%s%s}\n",
			     when, e->client, method, path, e->status, (unsigned long long)e->bytes,
			     e->duration_ms, route, e->engine, e->reason ? ",\"reason\":\"" : "",
			     e->reason ? e->reason : "", e->reason ? "\"" : "",
			     tag[0] ? ",\"tag\":\"" : "", tag, tag[0] ? "\"" : "");
	else
		n = snprintf(line, sizeof(line),
			     "%s %s \"%s %s\" %d %llu %.3fms route=%s engine=%s%s%s%s%s%s\n", when,
			     e->client, method, path, e->status, (unsigned long long)e->bytes,
			     e->duration_ms, route, e->engine, e->reason ? " reason=" : "",
			     e->reason ? e->reason : "", tag[0] ? " tag=\"" : "", tag,
			     tag[0] ? "\"" : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One write per line: lines from a log shared by several writers stay whole. */
	(void)!write(al->fd, line, (size_t)n);
}
