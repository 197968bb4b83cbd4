/* SPDX-License-Identifier: MIT */
/* Content-Type lookup: built-in table, a mime.types file on top, charsets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime.h"

static const char *type_of(const char *name)
{
	return mime_type(name, strlen(name));
}

START_TEST(builtin_types)
{
	mime_free();
	ck_assert_str_eq(type_of("index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(type_of("a/b/app.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(type_of("app.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(type_of("mod.mjs"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(type_of("data.json"), "application/json; charset=utf-8");
	ck_assert_str_eq(type_of("app.js.map"), "application/json; charset=utf-8");
	ck_assert_str_eq(type_of("logo.svg"), "image/svg+xml; charset=utf-8");
	ck_assert_str_eq(type_of("x.png"), "image/png");
	ck_assert_str_eq(type_of("x.jpg"), "image/jpeg");
	ck_assert_str_eq(type_of("x.gif"), "image/gif");
	ck_assert_str_eq(type_of("x.webp"), "image/webp");
	ck_assert_str_eq(type_of("x.avif"), "image/avif");
	ck_assert_str_eq(type_of("favicon.ico"), "image/x-icon");
	ck_assert_str_eq(type_of("f.woff"), "font/woff");
	ck_assert_str_eq(type_of("f.woff2"), "font/woff2");
	ck_assert_str_eq(type_of("m.wasm"), "application/wasm");
	ck_assert_str_eq(type_of("r.txt"), "text/plain; charset=utf-8");
	ck_assert_str_eq(type_of("feed.xml"), "application/xml; charset=utf-8");
	ck_assert_str_eq(type_of("doc.pdf"), "application/pdf");
	ck_assert_str_eq(type_of("v.mp4"), "video/mp4");
	ck_assert_str_eq(type_of("v.webm"), "video/webm");
}
END_TEST

START_TEST(case_and_unknown)
{
	mime_free();
	ck_assert_str_eq(type_of("INDEX.HTML"), "text/html; charset=utf-8");
	ck_assert_str_eq(type_of("Photo.JpG"), "image/jpeg");
	ck_assert_str_eq(type_of("Makefile"), MIME_DEFAULT);
	ck_assert_str_eq(type_of("file."), MIME_DEFAULT);
	ck_assert_str_eq(type_of("x.unknownext"), MIME_DEFAULT);
	/* A dot in a directory name is not an extension. */
	ck_assert_str_eq(type_of("v1.2/README"), MIME_DEFAULT);
	ck_assert_str_eq(type_of("x.averyveryverylongextension"), MIME_DEFAULT);
}
END_TEST

START_TEST(file_wins_builtin_fills)
{
	char path[] = "/tmp/zs-mime-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# comment\n"
	      "text/x-custom\t\tzzz yyy\n"
	      "application/x-other html\n"
	      "application/manifest+json webmanifest\n"
	      "image/png\n", /* no extension: ignored */
	      f);
	fclose(f);
	ck_assert_int_eq(mime_load(path), 0);
	unlink(path);
	ck_assert_str_eq(type_of("a.zzz"), "text/x-custom; charset=utf-8");
	ck_assert_str_eq(type_of("a.YYY"), "text/x-custom; charset=utf-8");
	/* The file's entry wins over the built-in one. */
	ck_assert_str_eq(type_of("a.html"), "application/x-other");
	ck_assert_str_eq(type_of("site.webmanifest"), "application/manifest+json; charset=utf-8");
	/* Gaps are filled from the built-in table. */
	ck_assert_str_eq(type_of("a.wasm"), "application/wasm");
	ck_assert_str_eq(type_of("a.map"), "application/json; charset=utf-8");
	mime_free();
}
END_TEST

START_TEST(missing_file)
{
	ck_assert_int_eq(mime_load("/nonexistent/mime.types"), 0);
	ck_assert_str_eq(type_of("m.wasm"), "application/wasm");
	mime_free();
}
END_TEST

START_TEST(system_file)
{
	if (access("/etc/mime.types", R_OK) != 0)
		return;
	ck_assert_int_eq(mime_load(NULL), 0);
	ck_assert_str_eq(type_of("m.wasm"), "application/wasm");
	ck_assert_str_eq(type_of("index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(type_of("app.js.map"), "application/json; charset=utf-8");
	ck_assert_str_eq(type_of("x.png"), "image/png");
	mime_free();
}
END_TEST

START_TEST(compressible)
{
	ck_assert(mime_compressible("text/html; charset=utf-8"));
	ck_assert(mime_compressible("application/json; charset=utf-8"));
	ck_assert(mime_compressible("image/svg+xml; charset=utf-8"));
	ck_assert(mime_compressible("application/wasm"));
	ck_assert(!mime_compressible("image/png"));
	ck_assert(!mime_compressible("application/gzip"));
	ck_assert(!mime_compressible("font/woff2"));
	ck_assert(!mime_compressible("video/mp4"));
}
END_TEST

static Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("lookup");

	tcase_add_test(tc, builtin_types);
	tcase_add_test(tc, case_and_unknown);
	tcase_add_test(tc, file_wins_builtin_fills);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, system_file);
	tcase_add_test(tc, compressible);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
