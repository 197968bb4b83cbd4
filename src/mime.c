/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

#define MIME_EXT_MAX 16

struct mime_entry {
	char ext[MIME_EXT_MAX]; /* lower case, no dot */
	const char *type;	/* full Content-Type value */
	unsigned int order;	/* position added: the first one wins */
};

struct mime_builtin {
	const char *ext;
	const char *type;
};

/* What a front-end build emits, and what mime.types lacks ("map", "mjs" on old files). */
static const struct mime_builtin builtin[] = {
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/x-icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xml", "application/xml; charset=utf-8"},
    {"zip", "application/zip"},
};

/* The loaded table, sorted by ext; NULL: the built-in one alone. */
static struct mime_entry *table;
static size_t ntable;
/* Type strings from the file, freed with the table. */
static char **strings;
static size_t nstrings;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mime_entry *)a)->ext, ((const struct mime_entry *)b)->ext);
}

static int builtin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mime_entry *)a)->ext, ((const struct mime_builtin *)b)->ext);
}

/* Types browsers read as text get a charset: their bytes are UTF-8 here. */
static int wants_charset(const char *type)
{
	static const char *const texty[] = {"application/javascript", "application/json",
					    "application/xml", "image/svg+xml",
					    "application/manifest+json"};
	size_t i;

	if (strncmp(type, "text/", 5) == 0)
		return 1;
	for (i = 0; i < sizeof(texty) / sizeof(texty[0]); i++)
		if (strcmp(type, texty[i]) == 0)
			return 1;
	return 0;
}

int mime_compressible(const char *type)
{
	return strncmp(type, "text/", 5) == 0 || strstr(type, "json") != NULL ||
	       strstr(type, "javascript") != NULL || strstr(type, "xml") != NULL ||
	       strncmp(type, "application/wasm", 16) == 0;
}

static int add_string(const char *type, const char **out)
{
	char *s, **grown;
	size_t n = strlen(type) + sizeof("; charset=utf-8");

	if (nstrings % 64 == 0) {
		grown = realloc(strings, (nstrings + 64) * sizeof(*strings));
		if (grown == NULL)
			return -ENOMEM;
		strings = grown;
	}
	s = malloc(n);
	if (s == NULL)
		return -ENOMEM;
	snprintf(s, n, "%s%s", type, wants_charset(type) ? "; charset=utf-8" : "");
	strings[nstrings++] = s;
	*out = s;
	return 0;
}

static int add_entry(struct mime_entry **t, size_t *n, size_t *cap, const char *ext,
		     const char *type)
{
	struct mime_entry *grown;
	size_t i, len = strlen(ext);

	if (len == 0 || len >= MIME_EXT_MAX || strchr(ext, '.') != NULL)
		return 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		grown = realloc(*t, *cap * sizeof(**t));
		if (grown == NULL)
			return -ENOMEM;
		*t = grown;
	}
	for (i = 0; i <= len; i++)
		(*t)[*n].ext[i] = (char)tolower((unsigned char)ext[i]);
	(*t)[*n].type = type;
	(*t)[*n].order = (unsigned int)*n;
	(*n)++;
	return 0;
}

/* Sorted by ext then order: keep the first of each ext. */
static void dedup(struct mime_entry *t, size_t *n)
{
	size_t i, j;

	for (i = 1, j = 0; i < *n; i++) {
		if (strcmp(t[i].ext, t[j].ext) != 0)
			t[++j] = t[i];
	}
	if (*n > 0)
		*n = j + 1;
}

static int stable_cmp(const void *a, const void *b)
{
	const struct mime_entry *x = a, *y = b;
	int c = strcmp(x->ext, y->ext);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

int mime_load(const char *path)
{
	struct mime_entry *t = NULL;
	size_t n = 0, cap = 0, i;
	char line[1024], *p, *type, *ext, *save;
	const char *stype;
	FILE *f;
	int rc = 0;

	mime_free();
	f = fopen(path ? path : "/etc/mime.types", "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		p = strchr(line, '#');
		if (p != NULL)
			*p = '\0';
		type = strtok_r(line, " \t\r\n", &save);
		if (type == NULL || strchr(type, '/') == NULL)
			continue;
		ext = strtok_r(NULL, " \t\r\n", &save);
		if (ext == NULL)
			continue;
		rc = add_string(type, &stype);
		if (rc < 0)
			goto out;
		for (; ext != NULL; ext = strtok_r(NULL, " \t\r\n", &save)) {
			rc = add_entry(&t, &n, &cap, ext, stype);
			if (rc < 0)
				goto out;
		}
	}
	/* The built-in table fills the gaps; the file's entries come first and win. */
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		rc = add_entry(&t, &n, &cap, builtin[i].ext, builtin[i].type);
		if (rc < 0)
			goto out;
	}
	if (n > 1)
		qsort(t, n, sizeof(*t), stable_cmp);
	dedup(t, &n);
	table = t;
	ntable = n;
	t = NULL;
out:
	fclose(f);
	free(t);
	return rc;
}

void mime_free(void)
{
	size_t i;

	for (i = 0; i < nstrings; i++)
		free(strings[i]);
	free(strings);
	strings = NULL;
	nstrings = 0;
	free(table);
	table = NULL;
	ntable = 0;
}

const char *mime_type(const char *name, size_t len)
{
	struct mime_entry key;
	const struct mime_entry *hit;
	const struct mime_builtin *bhit;
	size_t i, elen;
	const char *dot = NULL;

	for (i = len; i > 0; i--) {
		if (name[i - 1] == '.') {
			dot = name + i;
			break;
		}
		if (name[i - 1] == '/')
			break;
	}
	if (dot == NULL)
		return MIME_DEFAULT;
	elen = len - (size_t)(dot - name);
	if (elen == 0 || elen >= MIME_EXT_MAX)
		return MIME_DEFAULT;
	for (i = 0; i < elen; i++)
		key.ext[i] = (char)tolower((unsigned char)dot[i]);
	key.ext[elen] = '\0';
	if (table != NULL) {
		hit = bsearch(&key, table, ntable, sizeof(*table), entry_cmp);
		return hit ? hit->type : MIME_DEFAULT;
	}
	bhit = bsearch(&key, builtin, sizeof(builtin) / sizeof(builtin[0]), sizeof(*builtin),
		       builtin_cmp);
	return bhit ? bhit->type : MIME_DEFAULT;
}
