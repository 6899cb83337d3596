/* rs-test.h: helpers shared by the Check suites (TAP output, fixture paths).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <check.h>
#include <glib.h>
#include <stdlib.h>

/* Runs @suite with TAP on stdout, as meson's 'tap' protocol expects; returns the exit status. */
static inline int
rs_test_run_suite (Suite *suite)
{
  SRunner *runner = srunner_create (suite);
  int failed;

  srunner_set_tap (runner, "-");
  srunner_run_all (runner, CK_SILENT);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Source-tree paths, set by tests/meson.build in the environment. */
static inline const char *
rs_test_srcdir (void)
{
  const char *dir = g_getenv ("RS_TEST_SRCDIR");
  return dir != NULL ? dir : ".";
}
