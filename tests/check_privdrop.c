/* SPDX-License-Identifier: MIT */
/*
 * Least privilege: who zeroserve would run as (privdrop_plan), and, as
 * root, the sets each step leaves. The steps change the process for good,
 * so each runs in check's own child process (CK_FORK) and is left out when
 * check does not fork or the test is not root.
 */
#include <check.h>
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include "privdrop.h"

#define CAP_PERFMON_BIT (1ULL << 38)
#define CAP_BPF_BIT	(1ULL << 39)
#define ENGINE_CAPS	(CAP_BPF_BIT | CAP_PERFMON_BIT | (1ULL << CAP_NET_ADMIN))

static int forked_root(void)
{
	const char *f = getenv("CK_FORK");

	return geteuid() == 0 && (f == NULL || strcmp(f, "no") != 0);
}

static void caps(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	ck_assert_int_eq(syscall(SYS_capget, &hdr, d), 0);
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
}

static void assert_uid(uid_t want)
{
	uid_t r, e, s;

	ck_assert_int_eq(getresuid(&r, &e, &s), 0);
	ck_assert_uint_eq(r, want);
	ck_assert_uint_eq(e, want);
	ck_assert_uint_eq(s, want);
}

START_TEST(unknown_user)
{
	struct privdrop pd;
	char err[256];

	ck_assert_int_eq(privdrop_plan(&pd, "no-such-user-zs", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "unknown --user 'no-such-user-zs': no such user");
}
END_TEST

START_TEST(plan_root_default)
{
	struct privdrop pd;
	struct passwd *pw;
	char err[256], line[256];

	if (geteuid() != 0)
		return;
	pw = getpwnam("nobody");
	ck_assert_ptr_nonnull(pw);
	unsetenv("SUDO_USER");
	ck_assert_int_eq(privdrop_plan(&pd, NULL, err, sizeof(err)), 0);
	ck_assert(pd.root);
	ck_assert_uint_eq(pd.uid, pw->pw_uid);
	ck_assert_str_eq(pd.name, "nobody");
	ck_assert_str_eq(pd.source, "the default");
	privdrop_describe(&pd, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "would switch to nobody ("));
	/* sudo's caller, unless it is root or no user at all. */
	setenv("SUDO_USER", "daemon", 1);
	ck_assert_int_eq(privdrop_plan(&pd, NULL, err, sizeof(err)), 0);
	if (getpwnam("daemon") != NULL) {
		ck_assert_str_eq(pd.name, "daemon");
		ck_assert_str_eq(pd.source, "SUDO_USER");
	}
	setenv("SUDO_USER", "root", 1);
	ck_assert_int_eq(privdrop_plan(&pd, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(pd.name, "nobody");
	setenv("SUDO_USER", "no-such-user-zs", 1);
	ck_assert_int_eq(privdrop_plan(&pd, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(pd.name, "nobody");
	/* --user wins over SUDO_USER. */
	ck_assert_int_eq(privdrop_plan(&pd, "root", err, sizeof(err)), 0);
	ck_assert_uint_eq(pd.uid, 0);
	ck_assert_str_eq(pd.source, "--user");
	unsetenv("SUDO_USER");
}
END_TEST

/* Root, no engine to load: everything goes at the switch. */
START_TEST(switch_drops_all)
{
	struct privdrop pd;
	uint64_t eff, prm, inh;
	char err[256];

	if (!forked_root())
		return;
	ck_assert_int_eq(privdrop_plan(&pd, "nobody", err, sizeof(err)), 0);
	ck_assert_msg(privdrop_switch(&pd, 0, err, sizeof(err)) == 0, "%s", err);
	assert_uid(pd.uid);
	caps(&eff, &prm, &inh);
	ck_assert_uint_eq(eff | prm | inh, 0);
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	ck_assert_int_eq(setresuid(0, 0, 0), -1);
	ck_assert_int_eq(privdrop_finish(&pd, NULL, NULL, err, sizeof(err)), 0);
}
END_TEST

/* Root, engine to load: its three capabilities, then none. */
START_TEST(switch_keeps_engine_caps)
{
	struct privdrop pd;
	uint64_t eff, prm, inh, start;
	char err[256];

	if (!forked_root())
		return;
	caps(&eff, &start, &inh);
	ck_assert_int_eq(privdrop_plan(&pd, "nobody", err, sizeof(err)), 0);
	ck_assert_msg(privdrop_switch(&pd, 1, err, sizeof(err)) == 0, "%s", err);
	assert_uid(pd.uid);
	caps(&eff, &prm, &inh);
	ck_assert_uint_eq(prm, start & ENGINE_CAPS);
	ck_assert_uint_eq(eff, prm);
	ck_assert_uint_eq(inh, 0);
	ck_assert_int_eq(privdrop_lower(&pd), 0);
	caps(&eff, &prm, &inh);
	ck_assert_uint_eq(eff, 0);
	ck_assert_uint_eq(prm, start & ENGINE_CAPS);
	ck_assert_msg(privdrop_finish(&pd, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	caps(&eff, &prm, &inh);
	ck_assert_uint_eq(eff | prm | inh, 0);
}
END_TEST

/* --user root: uid 0 stays, no capability, and none can come back. */
START_TEST(switch_root_user)
{
	struct privdrop pd;
	uint64_t eff, prm, inh;
	char err[256];

	if (!forked_root())
		return;
	ck_assert_int_eq(privdrop_plan(&pd, "root", err, sizeof(err)), 0);
	ck_assert_msg(privdrop_switch(&pd, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(privdrop_finish(&pd, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	assert_uid(0);
	caps(&eff, &prm, &inh);
	ck_assert_uint_eq(eff | prm | inh, 0);
	ck_assert_int_eq(prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0), 0);
	ck_assert_int_ne(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) & (1 << 0), 0); /* SECBIT_NOROOT */
}
END_TEST

static Suite *privdrop_suite(void)
{
	Suite *s = suite_create("privdrop");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, unknown_user);
	tcase_add_test(tc, plan_root_default);
	suite_add_tcase(s, tc);
	tc = tcase_create("drop");
	tcase_add_test(tc, switch_drops_all);
	tcase_add_test(tc, switch_keeps_engine_caps);
	tcase_add_test(tc, switch_root_user);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(privdrop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
