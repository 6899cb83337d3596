/* test-form.c: loading XForms: what is accepted, and what is refused with which message.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "rs-form.h"
#include "rs-test.h"

#define HEAD "<?xml version='1.0'?>\n" \
  "<h:html xmlns='http://www.w3.org/2002/xforms' xmlns:h='http://www.w3.org/1999/xhtml'\n" \
  " xmlns:jr='http://openrosa.org/javarosa' xmlns:odk='http://www.opendatakit.org/xforms'>\n" \
  "<h:head><h:title>T</h:title><model>\n" \
  "<instance><data id='t'><a/><b/><rep jr:template=''><x/></rep><meta><instanceID/></meta>" \
  "</data></instance>\n"
#define BODY "</model></h:head>\n<h:body>\n"
#define TAIL "\n</h:body></h:html>\n"

static const struct
{
  const char *name;
  const char *xml;
  int         code;
  const char *needle;   /* must appear in the message */
} refused[] = {
  { "not xml", "<h:html><unclosed>", RS_FORM_ERROR_MALFORMED, "Line 1" },
  { "empty", "", RS_FORM_ERROR_MALFORMED, "XML" },
  { "not an xform", "<data><a/></data>", RS_FORM_ERROR_MALFORMED, "<h:html>" },
  { "no model", "<h:html xmlns:h='http://www.w3.org/1999/xhtml'><h:head/></h:html>",
    RS_FORM_ERROR_MALFORMED, "<model>" },
  { "bind outside instance", HEAD "<bind nodeset='/data/zzz' type='string'/>" BODY TAIL,
    RS_FORM_ERROR_INVALID, "Line 6: the bind for “/data/zzz” points outside" },
  { "control outside instance", HEAD BODY "<input ref='/data/nope'><label>x</label></input>" TAIL,
    RS_FORM_ERROR_INVALID, "“/data/nope”" },
  { "range question", HEAD BODY "<range ref='/data/a' start='1' end='5' step='1'/>" TAIL,
    RS_FORM_ERROR_UNSUPPORTED, "Line 8: the element <range>" },
  { "rank question", HEAD BODY "<odk:rank ref='/data/a'/>" TAIL,
    RS_FORM_ERROR_UNSUPPORTED, "<odk:rank>" },
  { "setvalue action", HEAD "<setvalue event='odk-instance-first-load' ref='/data/a' value='1'/>"
    BODY TAIL, RS_FORM_ERROR_UNSUPPORTED, "<setvalue>" },
  { "external instance", HEAD "<instance id='c' src='jr://file-csv/c.csv'/>" BODY TAIL,
    RS_FORM_ERROR_UNSUPPORTED, "jr://file-csv/c.csv" },
  { "pulldata", HEAD "<bind nodeset='/data/a' calculate=\"pulldata('f', 'c', 'k', 1)\"/>" BODY TAIL,
    RS_FORM_ERROR_UNSUPPORTED, "pulldata()" },
  { "barcode type", HEAD "<bind nodeset='/data/a' type='barcode'/>" BODY TAIL,
    RS_FORM_ERROR_UNSUPPORTED, "barcode" },
  { "audio upload", HEAD BODY "<upload ref='/data/a' mediatype='audio/*'><label>s</label></upload>"
    TAIL, RS_FORM_ERROR_UNSUPPORTED, "audio/*" },
  { "bad xpath", HEAD "<bind nodeset='/data/a' constraint='. &gt;'/>" BODY TAIL,
    RS_FORM_ERROR_INVALID, "constraint" },
  { "calculation loop", HEAD "<bind nodeset='/data/a' calculate='/data/b + 1'/>"
    "<bind nodeset='/data/b' calculate='/data/a + 1'/>" BODY TAIL,
    RS_FORM_ERROR_CYCLE, "/data/a, /data/b" },
  { "relevance on itself", HEAD "<bind nodeset='/data/a' relevant='/data/a = 1'/>" BODY TAIL,
    RS_FORM_ERROR_CYCLE, "its own value" },
  { "editable calculation", HEAD "<bind nodeset='/data/a' calculate='/data/b'/>" BODY
    "<input ref='/data/a'><label>a</label></input>" TAIL, RS_FORM_ERROR_CYCLE, "read-only" },
  { "question on a group", HEAD BODY "<input ref='/data/rep'><label>r</label></input>" TAIL,
    RS_FORM_ERROR_INVALID, "group" },
};

START_TEST (test_refused_with_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_data (refused[_i].xml, strlen (refused[_i].xml),
                                                  &error);

  ck_assert_msg (form == NULL, "%s: loaded", refused[_i].name);
  ck_assert_msg (g_error_matches (error, RS_FORM_ERROR, refused[_i].code), "%s: %s",
                 refused[_i].name, error->message);
  ck_assert_msg (strstr (error->message, refused[_i].needle) != NULL,
                 "%s: “%s” lacks “%s”", refused[_i].name, error->message, refused[_i].needle);
}
END_TEST

START_TEST (test_summary_of_mini_form)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "forms",
                                            "household-mini.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_file (path, &error);
  const char * const *languages;

  ck_assert_msg (form != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (rs_form_get_id (form), "household_mini");
  ck_assert_str_eq (rs_form_get_version (form), "2024050101");
  ck_assert_str_eq (rs_form_get_title (form), "Hộ gia đình (mini)");
  ck_assert_str_eq (rs_form_get_root_name (form), "hh");
  ck_assert_uint_eq (rs_form_get_n_questions (form), 14);
  ck_assert_uint_eq (rs_form_get_n_groups (form), 3);
  ck_assert_uint_eq (rs_form_get_n_repeats (form), 2);
  languages = rs_form_get_languages (form);
  ck_assert_uint_eq (g_strv_length ((char **) languages), 2);
  ck_assert_str_eq (rs_form_find_language (form, "en"), "English (en)");
  ck_assert_ptr_null (rs_form_find_language (form, "fr"));
  ck_assert (rs_form_has_node (form, "/hh/member/m_age"));
  ck_assert_int_eq (rs_form_get_value_type (form, "/hh/member/m_age"), RS_FORM_TYPE_INT);
  ck_assert_int_eq (rs_form_get_value_type (form, "/hh/start"), RS_FORM_TYPE_DATE_TIME);
  ck_assert (!rs_form_has_node (form, "/hh/member[1]/m_age"));
}
END_TEST

START_TEST (test_missing_file)
{
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (rs_form_new_from_file ("/nonexistent/form.xml", &error));
  ck_assert (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}
END_TEST

static Suite *
form_suite (void)
{
  Suite *suite = suite_create ("form");
  TCase *tc = tcase_create ("load");

  tcase_add_loop_test (tc, test_refused_with_message, 0, G_N_ELEMENTS (refused));
  tcase_add_test (tc, test_summary_of_mini_form);
  tcase_add_test (tc, test_missing_file);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (form_suite ());
}
