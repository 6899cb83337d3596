/* test-xpath-refs.c: references and repeat anchoring read from XForms expressions.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-xpath-refs.h"
#include "rs-test.h"

static const char *const no_repeats[] = { NULL };
static const char *const member_repeat[] = { "/data/member", NULL };
static const char *const nested_repeats[] = { "/data/hh", "/data/hh/person", NULL };

static const struct
{
  const char         *expression;
  const char         *context;
  const char *const  *repeats;
  const char         *rewritten;
  const char         *refs;   /* "path" or "path@scope", separated by ";" */
} cases[] = {
  { "/data/a + /data/b", "/data/c", no_repeats, "/data/a + /data/b", "/data/a;/data/b" },
  { " /data/a > 3 and selected( /data/b , 'x')", "/data/c", no_repeats,
    " /data/a > 3 and selected( /data/b , 'x')", "/data/a;/data/b" },
  { ". > 0", "/data/age", no_repeats, ". > 0", "/data/age" },
  { "../b = 'x'", "/data/g/a", no_repeats, "../b = 'x'", "/data/g/b" },
  { "/data/member/age >= 15", "/data/member/work", member_repeat, "../age >= 15",
    "/data/member/age@/data/member" },
  { "/data/member/age", "/data/member", member_repeat, "./age", "/data/member/age@/data/member" },
  { "count(/data/member)", "/data/member/note", member_repeat, "count(/data/member)",
    "/data/member" },
  { "sum(/data/member/income)", "/data/total", no_repeats, "sum(/data/member/income)",
    "/data/member/income" },
  { "/data/member[2]/age", "/data/member/x", member_repeat, "/data/member[2]/age",
    "/data/member/age" },
  { "position(..)", "/data/member/x", member_repeat, "position(..)",
    "/data/member@/data/member" },
  { "/data/hh/person/age + /data/hh/size", "/data/hh/person/x", nested_repeats,
    "../age + ../../size", "/data/hh/person/age@/data/hh/person;/data/hh/size@/data/hh" },
  { "instance('p')/root/item[name = /data/prov]/label", "/data/x", no_repeats,
    "instance('p')/root/item[name = /data/prov]/label", "/data/prov" },
  { "instance('c')/root/item[p = current()/../prov]", "/data/g/x", no_repeats,
    "instance('c')/root/item[p = current()/../prov]", "/data/g/prov" },
  { "/data/member/age[. > /data/member/min]", "/data/member/x", member_repeat,
    "../age[. > ../min]", "/data/member/age@/data/member;/data/member/min@/data/member" },
  { "if(/data/a = '', 'a/b', /data/b div 2)", "/data/c", no_repeats,
    "if(/data/a = '', 'a/b', /data/b div 2)", "/data/a;/data/b" },
  { "/data/a * 2 - -3", "/data/c", no_repeats, "/data/a * 2 - -3", "/data/a" },
  { "count(/data/g//x)", "/data/c", no_repeats, "count(/data/g//x)", "/data/g" },
  { "jr:choice-name(/data/q, '/data/q')", "/data/c", no_repeats,
    "jr:choice-name(/data/q, '/data/q')", "/data/q" },
  { "true()", "/data/c", no_repeats, "true()", "" },
};

static char *
refs_to_string (GPtrArray *refs)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < refs->len; i++)
    {
      RsXPathRef *ref = g_ptr_array_index (refs, i);

      if (i > 0)
        g_string_append_c (out, ';');
      g_string_append (out, ref->path);
      if (ref->scope_repeat != NULL)
        g_string_append_printf (out, "@%s", ref->scope_repeat);
    }
  return g_string_free (out, FALSE);
}

START_TEST (test_analyse_table)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsXPathAnalysis) analysis = rs_xpath_analyse (cases[_i].expression, cases[_i].context,
                                                          cases[_i].repeats, &error);
  g_autofree char *refs = NULL;

  ck_assert_msg (analysis != NULL, "%s: %s", cases[_i].expression, error->message);
  refs = refs_to_string (analysis->refs);
  ck_assert_str_eq (analysis->rewritten, cases[_i].rewritten);
  ck_assert_str_eq (refs, cases[_i].refs);
}
END_TEST

static const char *const bad_expressions[] = {
  "", "1 +", "(", "/data/a)", "'unterminated", "f(a,)", "a ! b", "/data/a [", "..[",
  "a b", "#",
};

START_TEST (test_analyse_rejects)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsXPathAnalysis) analysis = rs_xpath_analyse (bad_expressions[_i], "/data/x",
                                                          no_repeats, &error);

  ck_assert_msg (analysis == NULL, "accepted “%s”", bad_expressions[_i]);
  ck_assert (error != NULL);
}
END_TEST

START_TEST (test_functions_listed)
{
  g_autoptr(RsXPathAnalysis) analysis = rs_xpath_analyse (
    "pulldata('f', 'c', 'k', /data/a) + jr:choice-name(1, '/data/b')", "/data/x", no_repeats,
    NULL);

  ck_assert_int_eq (analysis->functions->len, 2);
  ck_assert_str_eq (g_ptr_array_index (analysis->functions, 0), "pulldata");
  ck_assert_str_eq (g_ptr_array_index (analysis->functions, 1), "jr:choice-name");
}
END_TEST

static Suite *
refs_suite (void)
{
  Suite *suite = suite_create ("xpath-refs");
  TCase *tc = tcase_create ("analyse");

  tcase_add_loop_test (tc, test_analyse_table, 0, G_N_ELEMENTS (cases));
  tcase_add_loop_test (tc, test_analyse_rejects, 0, G_N_ELEMENTS (bad_expressions));
  tcase_add_test (tc, test_functions_listed);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (refs_suite ());
}
