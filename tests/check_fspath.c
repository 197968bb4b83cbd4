/* SPDX-License-Identifier: MIT */
/* Request path normalisation, URL encoding, and opening beneath a root. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fspath.h"

static char out[FSPATH_MAX];
static int flags;

static int norm(const char *p)
{
	return fspath_normalize(p, strlen(p), out, sizeof(out), &flags);
}

START_TEST(plain_paths)
{
	ck_assert_int_eq(norm(""), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(norm("index.html"), 0);
	ck_assert_str_eq(out, "index.html");
	ck_assert_int_eq(flags, 0);
	ck_assert_int_eq(norm("/a/b/c.txt"), 0);
	ck_assert_str_eq(out, "a/b/c.txt");
	ck_assert_int_eq(norm("a//b///c/"), 0);
	ck_assert_str_eq(out, "a/b/c");
	ck_assert_int_eq(flags, FSPATH_SLASH);
	ck_assert_int_eq(norm("/"), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(flags, FSPATH_SLASH);
}
END_TEST

START_TEST(dot_segments)
{
	ck_assert_int_eq(norm("a/./b"), 0);
	ck_assert_str_eq(out, "a/b");
	ck_assert_int_eq(norm("./a/."), 0);
	ck_assert_str_eq(out, "a");
	ck_assert_int_eq(norm("a/b/../c"), 0);
	ck_assert_str_eq(out, "a/c");
	ck_assert_int_eq(norm("a/.."), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(norm("a/b/../../c/d/.."), 0);
	ck_assert_str_eq(out, "c");
}
END_TEST

START_TEST(traversal_refused)
{
	ck_assert_int_eq(norm(".."), 400);
	ck_assert_int_eq(norm("/../etc/passwd"), 400);
	ck_assert_int_eq(norm("a/../../etc/passwd"), 400);
	ck_assert_int_eq(norm("%2e%2e/etc/passwd"), 400);
	ck_assert_int_eq(norm("%2E%2E/etc/passwd"), 400);
	ck_assert_int_eq(norm("a/.%2e/.%2E/x"), 400);
	/* An encoded '/' or NUL never reaches the file system. */
	ck_assert_int_eq(norm("..%2fetc%2fpasswd"), 400);
	ck_assert_int_eq(norm("a%2Fb"), 400);
	ck_assert_int_eq(norm("a%00.html"), 400);
	ck_assert_int_eq(fspath_normalize("a\0b", 3, out, sizeof(out), &flags), 400);
	/* Bad escapes. */
	ck_assert_int_eq(norm("a%2"), 400);
	ck_assert_int_eq(norm("a%zz"), 400);
}
END_TEST

START_TEST(decoding)
{
	ck_assert_int_eq(norm("a%20b/%3Cx%26y%3E.txt"), 0);
	ck_assert_str_eq(out, "a b/<x&y>.txt");
	ck_assert_int_eq(norm("caf%C3%A9"), 0);
	ck_assert_str_eq(out, "caf\xc3\xa9");
	/* "%2e" alone is ".": a no-op segment, not a file named "%2e". */
	ck_assert_int_eq(norm("a/%2e/b"), 0);
	ck_assert_str_eq(out, "a/b");
}
END_TEST

START_TEST(dotfiles_flagged)
{
	ck_assert_int_eq(norm(".env"), 0);
	ck_assert_int_eq(flags & FSPATH_DOTFILE, FSPATH_DOTFILE);
	ck_assert_int_eq(norm("a/.git/config"), 0);
	ck_assert_int_eq(flags & FSPATH_DOTFILE, FSPATH_DOTFILE);
	ck_assert_int_eq(norm("a/%2egit/config"), 0);
	ck_assert_int_eq(flags & FSPATH_DOTFILE, FSPATH_DOTFILE);
	ck_assert_int_eq(norm("a/b.c/d"), 0);
	ck_assert_int_eq(flags & FSPATH_DOTFILE, 0);
	/* Dropped by "..": no longer part of the path. */
	ck_assert_int_eq(norm(".hidden/../x"), 0);
	ck_assert_str_eq(out, "x");
	ck_assert_int_eq(flags & FSPATH_DOTFILE, 0);
}
END_TEST

START_TEST(too_long)
{
	char small[8];

	ck_assert_int_eq(fspath_normalize("abcdefghij", 10, small, sizeof(small), &flags), 414);
	ck_assert_int_eq(fspath_normalize("abcdefg", 7, small, sizeof(small), &flags), 0);
	ck_assert_str_eq(small, "abcdefg");
}
END_TEST

START_TEST(encoding)
{
	char buf[64];

	ck_assert_int_eq(fspath_encode("a b/<x&y>.txt", 13, buf, sizeof(buf)), 21);
	ck_assert_str_eq(buf, "a%20b/%3Cx%26y%3E.txt");
	ck_assert_int_eq(fspath_encode("a:b\"c", 5, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "a%3Ab%22c");
	ck_assert_int_eq(fspath_encode("abc", 3, buf, 3), -ENOSPC);
}
END_TEST

static char root[PATH_MAX], outside[PATH_MAX];

static void touch(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void link_at(const char *target, const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(symlink(target, p), 0);
}

START_TEST(open_beneath)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char sub[PATH_MAX + 8], cmd[3 * PATH_MAX];
	int rootfd, fd;

	snprintf(root, sizeof(root), "%s/zs-fspath-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(outside, sizeof(outside), "%s/zs-fspath-out-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(outside));
	snprintf(sub, sizeof(sub), "%s/sub", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	touch(root, "in.txt");
	touch(outside, "secret.txt");
	link_at("in.txt", root, "inside-link");
	link_at("../in.txt", sub, "up-link");
	link_at(outside, root, "escape-dir");
	snprintf(cmd, sizeof(cmd), "%s/secret.txt", outside);
	link_at(cmd, root, "escape-abs");
	link_at("../../../../../../../../etc/passwd", sub, "escape-rel");

	rootfd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	fd = fspath_open(rootfd, "in.txt", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = fspath_open(rootfd, "", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = fspath_open(rootfd, "inside-link", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = fspath_open(rootfd, "sub/up-link", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(fspath_open(rootfd, "missing", 0), -ENOENT);
	ck_assert_int_eq(fspath_open(rootfd, "escape-dir/secret.txt", 0), -EXDEV);
	ck_assert_int_eq(fspath_open(rootfd, "escape-abs", 0), -EXDEV);
	ck_assert_int_eq(fspath_open(rootfd, "sub/escape-rel", 0), -EXDEV);
	/* Allowed when following symlinks is asked for. */
	fd = fspath_open(rootfd, "escape-dir/secret.txt", 1);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, outside);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *fspath_suite(void)
{
	Suite *s = suite_create("fspath");
	TCase *tc = tcase_create("normalize");

	tcase_add_test(tc, plain_paths);
	tcase_add_test(tc, dot_segments);
	tcase_add_test(tc, traversal_refused);
	tcase_add_test(tc, decoding);
	tcase_add_test(tc, dotfiles_flagged);
	tcase_add_test(tc, too_long);
	tcase_add_test(tc, encoding);
	suite_add_tcase(s, tc);
	tc = tcase_create("open");
	tcase_add_test(tc, open_beneath);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fspath_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
