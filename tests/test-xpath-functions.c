/* test-xpath-functions.c: the ODK XPath function library, one table row per behaviour.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <libxml/parser.h>

#include "rs-xpath-functions.h"
#include "rs-test.h"

static const char instance_xml[] =
  "<data xmlns:jr='http://openrosa.org/javarosa'>"
  "<a>3</a><b/><c>hello world</c><list>a b  c</list><one>b</one>"
  "<dob>2000-02-29</dob><t>2024-05-01T08:30:00.000+07:00</t>"
  "<rep><x>1</x><y>a</y></rep><rep><x>2</x><y>b</y></rep><rep><x>5</x><y>c</y></rep>"
  "<gap><v>4</v><v></v></gap>"
  "<viet>Nguyễn Văn Bình</viet><num>2.5</num><neg>-2.5</neg><flag>true</flag>"
  "<fruit>mango</fruit>"
  "</data>";

static const char choices_xml[] =
  "<instance id='provinces'><root>"
  "<item><name>hn</name><label>Hà Nội</label></item>"
  "<item><name>dn</name><label>Đà Nẵng</label></item>"
  "</root></instance>";

static const struct
{
  const char *expression;
  const char *expected;   /* the value ODK would store */
} cases[] = {
  /* if */
  { "if(/data/a > 2, 'big', 'small')", "big" },
  { "if(/data/b = '', 'empty', 'set')", "empty" },
  { "if(/data/b, 'node', 'none')", "node" },
  { "if(false(), 1, /data/a)", "3" },
  /* selected, selected-at, count-selected */
  /* translate: an ASCII table, and libxml2 for the rest */
  { "translate(/data/dob, '-', '')", "20000229" },
  { "translate('bar', 'abc', 'ABC')", "BAr" },
  { "translate('--aaa--', 'abc-', 'ABC')", "AAA" },
  { "translate('abcabc', 'aa', 'xy')", "xbcxbc" },
  { "translate('', 'a', 'b')", "" },
  { "translate(/data/a, '3', 'x')", "x" },
  { "translate(/data/viet, 'ễă', 'ea')", "Nguyen Van Bình" },
  { "translate('Bình', 'B', 'b')", "bình" },
  { "selected(/data/list, 'b')", "true" },
  { "selected(/data/list, 'd')", "false" },
  { "selected(/data/list, ' c ')", "true" },
  { "selected(/data/b, 'a')", "false" },
  { "selected(/data/list, '')", "false" },
  { "selected-at(/data/list, 0)", "a" },
  { "selected-at(/data/list, 2)", "c" },
  { "selected-at(/data/list, 3)", "" },
  { "selected-at(/data/b, 0)", "" },
  { "count-selected(/data/list)", "3" },
  { "count-selected(/data/b)", "0" },
  /* jr:choice-name */
  { "jr:choice-name(/data/fruit, '/data/fruit')", "Quả xoài" },
  { "jr:choice-name(/data/fruit, ' /data/rep[2]/fruit ')", "" },
  { "jr:choice-name(/data/b, '/data/fruit')", "" },
  /* coalesce, concat, join */
  { "coalesce(/data/b, 'fallback')", "fallback" },
  { "coalesce(/data/a, 'fallback')", "3" },
  { "coalesce(/data/b, /data/b)", "" },
  { "concat('a', /data/a, 'b')", "a3b" },
  { "concat(/data/rep/y)", "abc" },
  { "concat(/data/b, '')", "" },
  { "concat(1.5, true())", "1.5true" },
  { "join(', ', /data/rep/y)", "a, b, c" },
  { "join('-', 'x', /data/rep/x)", "x-1-2-5" },
  { "join(',', /data/nothing)", "" },
  /* substr, string-length */
  { "substr('hello', 1, 3)", "el" },
  { "substr('hello', 2)", "llo" },
  { "substr(/data/viet, 0, 6)", "Nguyễn" },
  { "substr('abc', 5)", "" },
  { "substr(/data/b, 0, 2)", "" },
  { "string-length(/data/viet)", "15" },
  { "string-length(/data/b)", "0" },
  /* regex, contains, starts-with, ends-with */
  { "regex('0912345678', '^0[0-9]{9}$')", "true" },
  { "regex('12345', '^0[0-9]{9}$')", "false" },
  { "regex(/data/viet, '^Nguy')", "true" },
  { "regex('abc', '([')", "false" },
  { "regex(/data/b, '^$')", "true" },
  { "contains(/data/c, 'lo w')", "true" },
  { "contains(/data/b, 'x')", "false" },
  { "starts-with(/data/c, 'hell')", "true" },
  { "ends-with(/data/c, 'world')", "true" },
  { "ends-with(/data/c, 'hello')", "false" },
  { "ends-with(/data/b, '')", "true" },
  /* today, now, date, decimal-date-time, format-date (clock pinned to 2024-05-01 08:30 UTC) */
  { "today()", "2024-05-01" },
  { "now()", "2024-05-01T08:30:00.000+00:00" },
  { "date('2024-03-01')", "2024-03-01" },
  { "date(0)", "1970-01-01" },
  { "date(19844)", "2024-05-01" },
  { "date(19844.9)", "2024-05-01" },
  { "date(-1)", "1969-12-31" },
  { "date('2024-02-30')", "" },
  { "date(/data/b)", "" },
  { "date('2024-05-01T23:59:59.000-05:00')", "2024-05-01" },
  { "decimal-date-time('1970-01-02')", "1" },
  { "decimal-date-time('1970-01-01T12:00:00Z')", "0.5" },
  { "decimal-date-time('1970-01-01T07:00:00+07:00')", "0" },
  { "decimal-date-time(/data/b)", "" },
  { "decimal-date-time(today()) - decimal-date-time(/data/dob)", "8828" },
  { "int((decimal-date-time(today()) - decimal-date-time(/data/dob)) div 365.25)", "24" },
  { "number(/data/dob)", "11016" },
  { "date(decimal-date-time(/data/dob) + 1)", "2000-03-01" },
  { "format-date('2024-05-01', '%d/%m/%Y')", "01/05/2024" },
  { "format-date('2024-05-01', '%e %b %y, %a')", "1 May 24, Wed" },
  { "format-date('2024-05-01', '%n')", "5" },
  { "format-date('2024-05-01T08:05:09Z', '%H:%M:%S %h')", "08:05:09 8" },
  { "format-date(19844, '%Y-%m-%d')", "2024-05-01" },
  { "format-date(/data/b, '%Y')", "" },
  { "format-date('not a date', '%Y')", "" },
  { "format-date(today(), '%% %Y')", "% 2024" },
  /* int, round, number, boolean-from-string */
  { "int(/data/num)", "2" },
  { "int(/data/neg)", "-2" },
  { "int(/data/b)", "" },
  { "int('7.99')", "7" },
  { "round(/data/num)", "3" },
  { "round(/data/neg)", "-3" },
  { "round(3.14159, 2)", "3.14" },
  { "round(1234.5, -2)", "1200" },
  { "round(/data/b)", "" },
  { "number(/data/a) + 1", "4" },
  { "number(/data/b)", "" },
  { "number('abc')", "" },
  { "number(' 12 ')", "12" },
  { "boolean-from-string(/data/flag)", "true" },
  { "boolean-from-string('1')", "true" },
  { "boolean-from-string('yes')", "false" },
  { "boolean-from-string(/data/b)", "false" },
  /* position, count, sum, max, min */
  { "position(/data/rep[2])", "2" },
  { "position(/data/rep[3]/x)", "1" },
  { "position(/data/nothing)", "" },
  { "count(/data/rep)", "3" },
  { "count(/data/rep[x > 1])", "2" },
  { "count(/data/rep[position() = 2])", "1" },
  { "count(/data/nothing)", "0" },
  { "sum(/data/rep/x)", "8" },
  { "sum(/data/nothing)", "0" },
  { "sum(/data/gap/v)", "" },
  { "max(/data/rep/x)", "5" },
  { "min(/data/rep/x)", "1" },
  { "max(/data/rep/x, 9)", "9" },
  { "min(3, 1, 2)", "1" },
  { "max(/data/nothing)", "" },
  { "min(/data/gap/v)", "" },
  /* indexed-repeat, instance, current */
  { "indexed-repeat(/data/rep/x, /data/rep, 2)", "2" },
  { "indexed-repeat(/data/rep/y, /data/rep, 3)", "c" },
  { "indexed-repeat(/data/rep/y, /data/rep, 4)", "" },
  { "indexed-repeat(/data/rep/y, /data/rep, /data/b)", "" },
  { "instance('provinces')/root/item[name = 'dn']/label", "Đà Nẵng" },
  { "count(instance('provinces')/root/item)", "2" },
  { "count(instance('missing')/root/item)", "0" },
  { "name(current())", "a" },
  /* not, true, false, once */
  { "not(/data/b = '')", "false" },
  { "not(selected(/data/list, 'z'))", "true" },
  { "true()", "true" },
  { "false()", "false" },
  { "once(concat('first', '-time'))", "3" },
  /* empty values in arithmetic and comparisons, as in ODK */
  { "/data/b + 1", "" },
  { "/data/b > 0", "false" },
  { "/data/b = ''", "true" },
  { "/data/a * 2", "6" },
};

static xmlDocPtr doc;
static xmlDocPtr choices_doc;
static RsXPathEnv *env;
static xmlXPathContextPtr ctx;

static char *
fruit_label (const char *question_path,
             const char *value,
             gpointer    user_data)
{
  if (g_str_equal (question_path, "/data/fruit") && g_str_equal (value, "mango"))
    return g_strdup ("Quả xoài");
  return NULL;
}

static void
setup (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) now = g_date_time_new (utc, 2024, 5, 1, 8, 30, 0);

  doc = xmlReadMemory (instance_xml, sizeof instance_xml - 1, NULL, "UTF-8", XML_PARSE_NONET);
  choices_doc = xmlReadMemory (choices_xml, sizeof choices_xml - 1, NULL, "UTF-8",
                               XML_PARSE_NONET);
  env = rs_xpath_env_new ();
  rs_xpath_env_set_now (env, now);
  rs_xpath_env_add_instance (env, "provinces", xmlDocGetRootElement (choices_doc));
  rs_xpath_env_set_choice_labels (env, fruit_label, NULL);
  ctx = rs_xpath_context_new (doc, env);
}

static void
teardown (void)
{
  xmlXPathFreeContext (ctx);
  rs_xpath_env_free (env);
  xmlFreeDoc (choices_doc);
  xmlFreeDoc (doc);
}

static xmlNodePtr
node_at (const char *path)
{
  xmlXPathObjectPtr found = xmlXPathEval ((const xmlChar *) path, ctx);
  xmlNodePtr node = NULL;

  if (found != NULL && found->nodesetval != NULL && found->nodesetval->nodeNr > 0)
    node = found->nodesetval->nodeTab[0];
  xmlXPathFreeObject (found);
  return node;
}

START_TEST (test_function_table)
{
  g_autoptr(GError) error = NULL;
  xmlXPathCompExprPtr comp = rs_xpath_compile (ctx, cases[_i].expression, &error);
  g_autofree char *value = NULL;

  ck_assert_msg (comp != NULL, "%s: %s", cases[_i].expression,
                 error != NULL ? error->message : "");
  value = rs_xpath_eval_string (ctx, comp, node_at ("/data/a"), &error);
  ck_assert_msg (error == NULL, "%s: %s", cases[_i].expression, error->message);
  ck_assert_msg (g_str_equal (value, cases[_i].expected), "%s gave “%s”, expected “%s”",
                 cases[_i].expression, value, cases[_i].expected);
  xmlXPathFreeCompExpr (comp);
}
END_TEST

START_TEST (test_once_on_empty_node)
{
  xmlXPathCompExprPtr comp = rs_xpath_compile (ctx, "once('computed')", NULL);
  g_autofree char *value = rs_xpath_eval_string (ctx, comp, node_at ("/data/b"), NULL);

  ck_assert_str_eq (value, "computed");
  xmlXPathFreeCompExpr (comp);
}
END_TEST

START_TEST (test_uuid_and_random)
{
  xmlXPathCompExprPtr uuid = rs_xpath_compile (ctx, "uuid()", NULL);
  xmlXPathCompExprPtr short_id = rs_xpath_compile (ctx, "uuid(8)", NULL);
  xmlXPathCompExprPtr random = rs_xpath_compile (ctx, "random()", NULL);
  g_autofree char *a = rs_xpath_eval_string (ctx, uuid, NULL, NULL);
  g_autofree char *b = rs_xpath_eval_string (ctx, uuid, NULL, NULL);
  g_autofree char *s = rs_xpath_eval_string (ctx, short_id, NULL, NULL);
  double r1, r2, r3;

  ck_assert (g_uuid_string_is_valid (a));
  ck_assert_int_eq (a[14], '4');   /* version 4 */
  ck_assert_str_ne (a, b);
  ck_assert_int_eq (strlen (s), 8);

  rs_xpath_env_set_random_seed (env, 42);
  r1 = rs_xpath_eval_number (ctx, random, NULL, NULL);
  r2 = rs_xpath_eval_number (ctx, random, NULL, NULL);
  rs_xpath_env_set_random_seed (env, 42);
  r3 = rs_xpath_eval_number (ctx, random, NULL, NULL);
  ck_assert (r1 >= 0 && r1 < 1 && r2 >= 0 && r2 < 1);
  ck_assert (r1 != r2);
  ck_assert (r1 == r3);
  xmlXPathFreeCompExpr (uuid);
  xmlXPathFreeCompExpr (short_id);
  xmlXPathFreeCompExpr (random);
}
END_TEST

static const struct
{
  const char *expression;
  int         code;
} bad_cases[] = {
  { "1 +", RS_XPATH_ERROR_SYNTAX },
  { "if(1, 2", RS_XPATH_ERROR_SYNTAX },
  { "selected(/data/list)", RS_XPATH_ERROR_EVALUATION },
  { "if(1, 2)", RS_XPATH_ERROR_EVALUATION },
  { "pulldata('a', 'b', 'c', 'd')", RS_XPATH_ERROR_EVALUATION },
  { "indexed-repeat(/data/rep/x, /data/rep)", RS_XPATH_ERROR_EVALUATION },
  { "sum('3')", RS_XPATH_ERROR_EVALUATION },
};

START_TEST (test_errors_are_reported)
{
  g_autoptr(GError) error = NULL;
  xmlXPathCompExprPtr comp = rs_xpath_compile (ctx, bad_cases[_i].expression, &error);

  if (comp != NULL)
    {
      xmlXPathObjectPtr result = rs_xpath_eval (ctx, comp, node_at ("/data/a"), &error);

      ck_assert_msg (result == NULL, "%s evaluated", bad_cases[_i].expression);
      xmlXPathFreeCompExpr (comp);
    }
  ck_assert_msg (g_error_matches (error, RS_XPATH_ERROR, bad_cases[_i].code), "%s: %s",
                 bad_cases[_i].expression, error != NULL ? error->message : "no error");
}
END_TEST

static const struct
{
  const char *text;
  double      days;
} day_cases[] = {
  { "1970-01-01", 0 },
  { "2000-03-01", 11017 },
  { "1900-01-01", -25567 },
  { "2024-02-29", 19782 },
  { " 12.5 ", 12.5 },
};

START_TEST (test_parse_days)
{
  ck_assert_double_eq_tol (rs_xpath_parse_days (day_cases[_i].text), day_cases[_i].days, 1e-9);
}
END_TEST

START_TEST (test_parse_days_rejects)
{
  ck_assert (isnan (rs_xpath_parse_days ("")));
  ck_assert (isnan (rs_xpath_parse_days (NULL)));
  ck_assert (isnan (rs_xpath_parse_days ("2023-02-29")));
  ck_assert (isnan (rs_xpath_parse_days ("2023-13-01")));
  ck_assert (isnan (rs_xpath_parse_days ("2023-01-01T25:00")));
  ck_assert (isnan (rs_xpath_parse_days ("yesterday")));
  {
    g_autofree char *none = rs_xpath_days_to_date (NAN);
    ck_assert_str_eq (none, "");
  }
}
END_TEST

START_TEST (test_known_functions)
{
  ck_assert (rs_xpath_function_is_known ("selected", NULL));
  ck_assert (rs_xpath_function_is_known ("count", NULL));
  ck_assert (rs_xpath_function_is_known ("choice-name", RS_XPATH_JR_NS));
  ck_assert (!rs_xpath_function_is_known ("choice-name", NULL));
  ck_assert (!rs_xpath_function_is_known ("pulldata", NULL));
  ck_assert (!rs_xpath_function_is_known ("search", NULL));
}
END_TEST

static Suite *
xpath_suite (void)
{
  Suite *suite = suite_create ("xpath-functions");
  TCase *tc = tcase_create ("functions");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_function_table, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_once_on_empty_node);
  tcase_add_test (tc, test_uuid_and_random);
  tcase_add_loop_test (tc, test_errors_are_reported, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_loop_test (tc, test_parse_days, 0, G_N_ELEMENTS (day_cases));
  tcase_add_test (tc, test_parse_days_rejects);
  tcase_add_test (tc, test_known_functions);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  /* Dates are calendar days; pin the zone so dateTime cases read the same everywhere. */
  g_setenv ("TZ", "UTC", TRUE);
  return rs_test_run_suite (xpath_suite ());
}
