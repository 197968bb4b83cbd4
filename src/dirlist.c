/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "dirlist.h"
#include "fspath.h"

struct dirent_info {
	char *name;
	int is_dir;
	off_t size;
};

static int info_cmp(const void *a, const void *b)
{
	const struct dirent_info *x = a, *y = b;

	if (x->is_dir != y->is_dir)
		return y->is_dir - x->is_dir;
	return strcmp(x->name, y->name);
}

int dirlist_escape(struct evbuffer *out, const char *s, size_t len)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		if (evbuffer_add(out, s + start, i - start) < 0 ||
		    evbuffer_add(out, rep, strlen(rep)) < 0)
			return -ENOMEM;
		start = i + 1;
	}
	return evbuffer_add(out, s + start, len - start) < 0 ? -ENOMEM : 0;
}

static void infos_free(struct dirent_info *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The directory's entries, unsorted. 0 or -errno. */
static int read_entries(int dirfd, int dotfiles, struct dirent_info **out, size_t *nout)
{
	struct dirent_info *v = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	/* closedir closes what fdopendir took: give it a copy. */
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The copy shares the offset: start from the top whatever ran before. */
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!dotfiles || de->d_name[1] == '\0' ||
					     (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (fstatat(dirfd, de->d_name, &st, 0) < 0)
			continue; /* a dangling symlink: nothing to link to */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(v, cap * sizeof(*v));
			if (grown == NULL)
				goto nomem;
			v = grown;
		}
		v[n].name = strdup(de->d_name);
		if (v[n].name == NULL)
			goto nomem;
		v[n].is_dir = S_ISDIR(st.st_mode);
		v[n].size = st.st_size;
		n++;
	}
	closedir(d);
	*out = v;
	*nout = n;
	return 0;
nomem:
	closedir(d);
	infos_free(v, n);
	return -ENOMEM;
}

int dirlist_build(struct evbuffer *out, int dirfd, const char *title, size_t titlelen, int dotfiles)
{
	struct dirent_info *v = NULL;
	char href[3 * 256 + 8];
	size_t n = 0, i;
	int rc, len;

	rc = read_entries(dirfd, dotfiles, &v, &n);
	if (rc < 0)
		return rc;
	if (n > 1)
		qsort(v, n, sizeof(*v), info_cmp);
	rc = -ENOMEM;
	if (evbuffer_add_printf(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				     "<title>Index of ") < 0 ||
	    dirlist_escape(out, title, titlelen) < 0 ||
	    evbuffer_add_printf(out, "</title></head>\n<body>\n<h1>Index of ") < 0 ||
	    dirlist_escape(out, title, titlelen) < 0 ||
	    evbuffer_add_printf(out, "</h1>\n<ul>\n<li><a href=\"../\">../</a></li>\n") < 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* "./" first: a name like "a:b" must not read as a URL scheme. */
		len = fspath_encode(v[i].name, strlen(v[i].name), href, sizeof(href));
		if (len < 0)
			continue;
		if (evbuffer_add_printf(out, "<li><a href=\"./%s%s\">", href,
					v[i].is_dir ? "/" : "") < 0 ||
		    dirlist_escape(out, v[i].name, strlen(v[i].name)) < 0 ||
		    evbuffer_add_printf(out, "%s</a>", v[i].is_dir ? "/" : "") < 0)
			goto out;
		if (!v[i].is_dir && evbuffer_add_printf(out, " %jd", (intmax_t)v[i].size) < 0)
			goto out;
		if (evbuffer_add(out, "</li>\n", 6) < 0)
			goto out;
	}
	if (evbuffer_add_printf(out, "</ul>\n</body></html>\n") < 0)
		goto out;
	rc = 0;
out:
	infos_free(v, n);
	return rc;
}
