/* test-form-session.c: filling a household form: answers, relevance, constraints, repeats,
 * calculations, calculators, languages, jump index, serialization and reloading.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "rs-form-session.h"
#include "rs-record.h"
#include "rs-test.h"

static RsForm *
load_mini_form (void)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "forms",
                                            "household-mini.xml", NULL);
  g_autoptr(GError) error = NULL;
  RsForm *form = rs_form_new_from_file (path, &error);

  ck_assert_msg (form != NULL, "%s", error != NULL ? error->message : "");
  return form;
}

static RsFormSession *
new_session (RsForm *form)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+07:00");
  g_autoptr(GDateTime) now = g_date_time_new (tz, 2024, 5, 1, 8, 30, 0);

  return rs_form_session_new (form, now);
}

static void
answer (RsFormSession *session,
        const char    *path,
        const char    *value)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (rs_form_session_ensure_path (session, path, &error), "%s: %s", path,
                 error != NULL ? error->message : "");
  ck_assert_msg (rs_form_session_set_value (session, path, value, &error), "%s: %s", path,
                 error != NULL ? error->message : "");
}

static void
assert_value (RsFormSession *session,
              const char    *path,
              const char    *expected)
{
  g_autofree char *value = rs_form_session_get_value (session, path);

  ck_assert_msg (value != NULL, "no node at %s", path);
  ck_assert_msg (g_str_equal (value, expected), "%s is “%s”, expected “%s”", path, value,
                 expected);
}

START_TEST (test_relevance_follows_answers)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);

  ck_assert (!rs_form_session_is_relevant (session, "/hh/phone"));
  answer (session, "/hh/has_phone", "yes");
  ck_assert (rs_form_session_is_relevant (session, "/hh/phone"));
  answer (session, "/hh/has_phone", "no");
  ck_assert (!rs_form_session_is_relevant (session, "/hh/phone"));
}
END_TEST

START_TEST (test_constraint_message)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(RsFormQuestion) bad = NULL;
  g_autoptr(RsFormQuestion) good = NULL;
  g_autoptr(RsFormQuestion) phone = NULL;

  answer (session, "/hh/age", "200");
  bad = rs_form_session_get_question (session, "/hh/age");
  ck_assert (!bad->constraint_ok);
  ck_assert_str_eq (bad->constraint_message, "Tuổi chủ hộ phải từ 15 đến 119.");
  answer (session, "/hh/age", "45");
  good = rs_form_session_get_question (session, "/hh/age");
  ck_assert (good->constraint_ok);
  ck_assert_ptr_null (good->constraint_message);

  /* No message in the form: a default one. */
  answer (session, "/hh/has_phone", "yes");
  answer (session, "/hh/phone", "12345");
  phone = rs_form_session_get_question (session, "/hh/phone");
  ck_assert (!phone->constraint_ok);
  ck_assert (phone->constraint_message != NULL && phone->constraint_message[0] != '\0');
}
END_TEST

START_TEST (test_dates_compare_as_days)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(RsFormQuestion) future = NULL;
  g_autoptr(RsFormQuestion) past = NULL;
  g_autoptr(RsFormQuestion) ancient = NULL;

  answer (session, "/hh/dob", "2030-01-01");
  future = rs_form_session_get_question (session, "/hh/dob");
  ck_assert (!future->constraint_ok);
  answer (session, "/hh/dob", "1980-05-02");
  past = rs_form_session_get_question (session, "/hh/dob");
  ck_assert (past->constraint_ok);
  assert_value (session, "/hh/age_from_dob", "43");
  answer (session, "/hh/dob", "1850-01-01");
  ancient = rs_form_session_get_question (session, "/hh/dob");
  ck_assert (!ancient->constraint_ok);
}
END_TEST

START_TEST (test_invalid_values_refused)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GError) error = NULL;

  ck_assert (!rs_form_session_set_value (session, "/hh/age", "forty", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE));
  g_clear_error (&error);
  ck_assert (!rs_form_session_set_value (session, "/hh/has_phone", "maybe", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE));
  g_clear_error (&error);
  ck_assert (!rs_form_session_set_value (session, "/hh/b", "5", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_READ_ONLY));
  g_clear_error (&error);
  ck_assert (!rs_form_session_set_value (session, "/hh/nothing", "5", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH));
  g_clear_error (&error);
  ck_assert (!rs_form_session_set_value (session, "/hh/member[1]/m_name", "X", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH));
  g_clear_error (&error);
  ck_assert (!rs_form_session_set_value (session, "hh/name", "X", &error));
  ck_assert (!rs_form_session_set_value (session, "/hh/name[0]", "X", NULL));
  ck_assert (!rs_form_session_set_value (session, "/hh/contact", "X", NULL));
}
END_TEST

START_TEST (test_required_and_validate_order)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) after = NULL;
  RsFormProblem *first;

  answer (session, "/hh/age", "7");
  answer (session, "/hh/has_phone", "yes");
  problems = rs_form_session_validate (session);
  ck_assert_uint_eq (problems->len, 3);
  first = g_ptr_array_index (problems, 0);
  ck_assert_str_eq (first->path, "/hh/name");
  ck_assert_str_eq (first->message, "Hãy nhập tên chủ hộ.");
  ck_assert_str_eq (((RsFormProblem *) g_ptr_array_index (problems, 1))->path, "/hh/age");
  ck_assert_str_eq (((RsFormProblem *) g_ptr_array_index (problems, 2))->path, "/hh/phone");

  answer (session, "/hh/name", "Lan");
  answer (session, "/hh/age", "40");
  answer (session, "/hh/has_phone", "no");
  after = rs_form_session_validate (session);
  ck_assert_uint_eq (after->len, 0);
}
END_TEST

START_TEST (test_repeats_add_remove)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GError) error = NULL;
  guint index = 0;

  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/member"), 0);
  assert_value (session, "/hh/n_members", "0");
  ck_assert (rs_form_session_add_repeat (session, "/hh/member", &index, &error));
  ck_assert_uint_eq (index, 1);
  answer (session, "/hh/member[1]/m_name", "An");
  answer (session, "/hh/member[1]/m_age", "10");
  answer (session, "/hh/member[3]/m_name", "Cúc");
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/member"), 3);
  answer (session, "/hh/member[2]/m_name", "Bình");
  answer (session, "/hh/member[2]/m_age", "30");
  answer (session, "/hh/member[3]/m_age", "5");
  assert_value (session, "/hh/n_members", "3");
  assert_value (session, "/hh/total_age", "45");
  /* Relevance inside an instance reads that instance's age only. */
  ck_assert (!rs_form_session_is_relevant (session, "/hh/member[1]/m_note"));
  ck_assert (rs_form_session_is_relevant (session, "/hh/member[2]/m_note"));
  ck_assert (!rs_form_session_is_relevant (session, "/hh/member[3]/m_note"));
  assert_value (session, "/hh/member[2]/m_label", "2:Bình");

  ck_assert (rs_form_session_remove_repeat (session, "/hh/member[1]", &error));
  assert_value (session, "/hh/n_members", "2");
  assert_value (session, "/hh/total_age", "35");
  assert_value (session, "/hh/member[1]/m_name", "Bình");
  assert_value (session, "/hh/member[1]/m_label", "1:Bình");
  ck_assert (rs_form_session_is_relevant (session, "/hh/member[1]/m_note"));
  ck_assert (!rs_form_session_remove_repeat (session, "/hh/member[5]", NULL));
  ck_assert (!rs_form_session_remove_repeat (session, "/hh/name", NULL));
}
END_TEST

START_TEST (test_jr_count_repeat)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GError) error = NULL;

  /* The form's one initial kid instance gives way to the count (empty: none). */
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/kid"), 0);
  answer (session, "/hh/n_kids", "3");
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/kid"), 3);
  answer (session, "/hh/kid[3]/kid_name", "Hoa");
  answer (session, "/hh/n_kids", "1");
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/kid"), 1);
  ck_assert (!rs_form_session_add_repeat (session, "/hh/kid", NULL, &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_REPEAT));
  answer (session, "/hh/n_kids", "100000");
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/hh/kid"), 1000);
}
END_TEST

START_TEST (test_calculate_chain)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);

  assert_value (session, "/hh/b", "");
  assert_value (session, "/hh/c", "");
  answer (session, "/hh/a", "4");
  assert_value (session, "/hh/b", "8");
  assert_value (session, "/hh/c", "9");
  answer (session, "/hh/a", "");
  assert_value (session, "/hh/c", "");
}
END_TEST

static void
classify (RsFormSession *session,
          gpointer       user_data)
{
  g_autofree char *age = rs_form_session_get_value (session, "/hh/age");
  guint *calls = user_data;

  (*calls)++;
  ck_assert (rs_form_session_set_computed_value (session, "/hh/result",
                                                 g_strcmp0 (age, "70") == 0 ? "poor" : "",
                                                 NULL));
}

START_TEST (test_form_expressions_for_scoring)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GError) error = NULL;
  xmlXPathContextPtr ctx = rs_form_session_get_xpath_context (session);
  xmlXPathCompExprPtr adults = rs_form_compile_expression (form,
                                                           "count(/hh/member[m_age >= 15])",
                                                           NULL, &error);
  xmlXPathCompExprPtr young_head = rs_form_compile_expression (form, "/hh/dob > '2000-01-01'",
                                                               NULL, &error);
  xmlXPathCompExprPtr own_age = rs_form_compile_expression (form, "/hh/member/m_age * 2",
                                                            "/hh/member/m_note", &error);
  xmlNodePtr second;

  ck_assert (adults != NULL && young_head != NULL && own_age != NULL);
  answer (session, "/hh/member[1]/m_age", "40");
  answer (session, "/hh/member[2]/m_age", "10");
  answer (session, "/hh/member[3]/m_age", "16");
  answer (session, "/hh/dob", "2001-06-01");
  ck_assert_double_eq (rs_xpath_eval_number (ctx, adults, NULL, NULL), 2);
  ck_assert (rs_xpath_eval_boolean (ctx, young_head, NULL, NULL));
  second = xmlDocGetRootElement (rs_form_session_get_instance_doc (session))->children;
  while (second != NULL && !xmlStrEqual (second->name, (const xmlChar *) "member"))
    second = second->next;
  second = second->next;   /* member[2] */
  ck_assert_double_eq (rs_xpath_eval_number (ctx, own_age, second->children, NULL), 20);
  ck_assert_ptr_null (rs_form_compile_expression (form, "pulldata('a')", NULL, NULL));
  ck_assert_ptr_null (rs_form_compile_expression (form, "1", "/hh/nothing", NULL));
  xmlXPathFreeCompExpr (adults);
  xmlXPathFreeCompExpr (young_head);
  xmlXPathFreeCompExpr (own_age);
}
END_TEST

static void
count_changes (RsFormSession *session,
               gpointer       user_data)
{
  (*(guint *) user_data)++;
}

START_TEST (test_calculator_drives_relevance)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  guint calls = 0, changes = 0;

  g_signal_connect (session, "changed", G_CALLBACK (count_changes), &changes);
  rs_form_session_add_calculator (session, classify, &calls, NULL);
  ck_assert_uint_eq (calls, 1);
  ck_assert (!rs_form_session_is_relevant (session, "/hh/support"));
  answer (session, "/hh/age", "70");
  ck_assert_uint_eq (calls, 2);
  assert_value (session, "/hh/result", "poor");
  ck_assert (rs_form_session_is_relevant (session, "/hh/support"));
  ck_assert_uint_eq (changes, 1);
  answer (session, "/hh/age", "30");
  ck_assert (!rs_form_session_is_relevant (session, "/hh/support"));
  ck_assert_uint_eq (changes, 2);
}
END_TEST

static gboolean
contains (const char *haystack,
          const char *needle)
{
  return strstr (haystack, needle) != NULL;
}

START_TEST (test_serialize_excludes_irrelevant)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autofree char *xml = NULL;
  const char *id;

  answer (session, "/hh/has_phone", "yes");
  answer (session, "/hh/phone", "0912345678");
  answer (session, "/hh/has_phone", "no");
  rs_form_session_set_device_id (session, "tablet-07");
  rs_form_session_set_username (session, "can-bo-xa");
  xml = rs_form_session_serialize (session, NULL);
  id = rs_form_session_get_instance_id (session);

  ck_assert (g_uuid_string_is_valid (id));
  ck_assert_int_eq (id[14], '4');
  ck_assert (!contains (xml, "0912345678"));
  ck_assert (!contains (xml, "<phone"));
  ck_assert (contains (xml, "<has_phone>no</has_phone>"));
  ck_assert (contains (xml, "id=\"household_mini\""));
  ck_assert (contains (xml, "version=\"2024050101\""));
  ck_assert (contains (xml, "<instanceID>uuid:"));
  ck_assert (contains (xml, id));
  ck_assert (contains (xml, "<deviceID>tablet-07</deviceID>"));
  ck_assert (contains (xml, "<username>can-bo-xa</username>"));
  ck_assert (contains (xml, "<timeStart>2024-05-01T08:30:00.000+07:00</timeStart>"));
  ck_assert (contains (xml, "<timeEnd>2024-05-01T08:30:00.000+07:00</timeEnd>"));
  ck_assert (contains (xml, "<start>2024-05-01T08:30:00.000+07:00</start>"));
  ck_assert (contains (xml, "<end>2024-05-01T08:30:00.000+07:00</end>"));
  ck_assert (!contains (xml, "template"));
  ck_assert (!contains (xml, "xmlns=\""));
}
END_TEST

START_TEST (test_group_relevance)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autofree char *xml = NULL;
  g_autoptr(RsFormQuestion) commune = NULL;

  answer (session, "/hh/contact/village", "Thôn 3");
  ck_assert (rs_form_session_is_relevant (session, "/hh/contact/commune"));
  answer (session, "/hh/a", "9");
  ck_assert (!rs_form_session_is_relevant (session, "/hh/contact"));
  commune = rs_form_session_get_question (session, "/hh/contact/commune");
  ck_assert (!commune->relevant);
  xml = rs_form_session_serialize (session, NULL);
  ck_assert (!contains (xml, "<contact"));
  ck_assert (!contains (xml, "Thôn 3"));
  answer (session, "/hh/a", "1");
  ck_assert (rs_form_session_is_relevant (session, "/hh/contact/village"));
  assert_value (session, "/hh/contact/village", "Thôn 3");
}
END_TEST

START_TEST (test_round_trip)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(RsFormSession) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *xml_again = NULL;
  gsize length = 0;

  answer (session, "/hh/name", "Lan & <Bình>");
  answer (session, "/hh/member[1]/m_name", "An");
  answer (session, "/hh/member[2]/m_name", "Bình");
  answer (session, "/hh/member[2]/m_age", "31");
  answer (session, "/hh/n_kids", "2");
  answer (session, "/hh/kid[2]/kid_name", "Hoa");
  answer (session, "/hh/a", "5");
  xml = rs_form_session_serialize (session, &length);

  {
    g_autoptr(GDateTime) later = g_date_time_new_utc (2024, 6, 1, 0, 0, 0);
    reloaded = rs_form_session_new_from_instance (form, xml, length, later, &error);
  }
  ck_assert_msg (reloaded != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (rs_form_session_get_instance_id (reloaded),
                    rs_form_session_get_instance_id (session));
  assert_value (reloaded, "/hh/name", "Lan & <Bình>");
  ck_assert_uint_eq (rs_form_session_count_repeat (reloaded, "/hh/member"), 2);
  assert_value (reloaded, "/hh/member[2]/m_name", "Bình");
  assert_value (reloaded, "/hh/member[2]/m_age", "31");
  ck_assert (rs_form_session_is_relevant (reloaded, "/hh/member[2]/m_note"));
  ck_assert_uint_eq (rs_form_session_count_repeat (reloaded, "/hh/kid"), 2);
  assert_value (reloaded, "/hh/kid[2]/kid_name", "Hoa");
  assert_value (reloaded, "/hh/c", "11");
  assert_value (reloaded, "/hh/start", "2024-05-01T08:30:00.000+07:00");
  answer (reloaded, "/hh/member[3]/m_name", "Cúc");
  assert_value (reloaded, "/hh/n_members", "3");
  xml_again = rs_form_session_serialize (reloaded, NULL);
  ck_assert (contains (xml_again, "<m_name>Cúc</m_name>"));
  ck_assert (contains (xml_again, "<timeStart>2024-05-01T08:30:00.000+07:00</timeStart>"));
}
END_TEST

START_TEST (test_instance_of_other_form_refused)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(GError) error = NULL;
  static const char other[] = "<data id='x'><q>1</q></data>";

  ck_assert_ptr_null (rs_form_session_new_from_instance (form, other, -1, NULL, &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INSTANCE));
  g_clear_error (&error);
  ck_assert_ptr_null (rs_form_session_new_from_instance (form, "<hh><", -1, NULL, &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INSTANCE));
}
END_TEST

START_TEST (test_language_switch_and_outputs)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(RsFormQuestion) vi = NULL;
  g_autoptr(RsFormQuestion) en = NULL;
  g_autoptr(RsFormQuestion) greeting = NULL;
  g_autoptr(RsFormQuestion) age = NULL;
  g_autoptr(RsFormQuestion) has_phone = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert_str_eq (rs_form_get_default_language (form), "Tiếng Việt (vi)");
  ck_assert_str_eq (rs_form_session_get_language (session), "Tiếng Việt (vi)");
  vi = rs_form_session_get_question (session, "/hh/name");
  ck_assert_str_eq (vi->label, "Tên chủ hộ");
  ck_assert (rs_form_session_set_language (session, "en", &error));
  en = rs_form_session_get_question (session, "/hh/name");
  ck_assert_str_eq (en->label, "Head of household");
  answer (session, "/hh/name", "Lan");
  greeting = rs_form_session_get_question (session, "/hh/greeting");
  ck_assert_str_eq (greeting->label, "Hello Lan!");
  age = rs_form_session_get_question (session, "/hh/age");
  ck_assert_str_eq (age->label, "Tuổi của Lan");
  ck_assert_str_eq (age->hint, "Số năm");
  has_phone = rs_form_session_get_question (session, "/hh/has_phone");
  ck_assert_uint_eq (has_phone->choices->len, 2);
  ck_assert_str_eq (((RsFormChoiceItem *) g_ptr_array_index (has_phone->choices, 0))->label,
                    "Yes");
  ck_assert (!rs_form_session_set_language (session, "fr", &error));
  ck_assert (g_error_matches (error, RS_FORM_SESSION_ERROR,
                              RS_FORM_SESSION_ERROR_UNKNOWN_LANGUAGE));
}
END_TEST

START_TEST (test_screens_and_jump_index)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(GPtrArray) screens = NULL;
  g_autoptr(GPtrArray) jump = NULL;
  RsFormScreen *contact = NULL;
  RsFormJumpEntry *members = NULL, *second = NULL;

  answer (session, "/hh/member[2]/m_name", "Bình");
  screens = rs_form_session_get_screens (session);
  /* name, greeting, age, dob, has_phone, phone, contact (field-list), 2 × 3 member questions,
   * n_kids, a, support */
  ck_assert_uint_eq (screens->len, 16);
  for (guint i = 0; i < screens->len; i++)
    {
      RsFormScreen *screen = g_ptr_array_index (screens, i);

      if (g_str_equal (screen->path, "/hh/contact"))
        contact = screen;
    }
  ck_assert (contact != NULL);
  ck_assert_str_eq (contact->title, "Địa chỉ");
  ck_assert_uint_eq (contact->questions->len, 2);
  ck_assert_str_eq (((RsFormQuestion *) g_ptr_array_index (contact->questions, 1))->value, "Xã A");
  ck_assert (!((RsFormScreen *) g_ptr_array_index (screens, 5))->relevant);

  jump = rs_form_session_get_jump_index (session);
  for (guint i = 0; i < jump->len; i++)
    {
      RsFormJumpEntry *entry = g_ptr_array_index (jump, i);

      if (g_str_equal (entry->path, "/hh/member"))
        members = entry;
      if (g_str_equal (entry->path, "/hh/member[2]"))
        second = entry;
    }
  ck_assert (members != NULL && second != NULL);
  ck_assert (members->is_repeat);
  ck_assert (members->can_add);
  ck_assert_str_eq (members->label, "Thành viên");
  ck_assert_uint_eq (members->n_screens, 6);
  ck_assert_str_eq (second->label, "Thành viên 2");
  ck_assert_uint_eq (second->depth, members->depth + 1);
  ck_assert_uint_eq (second->first_screen, members->first_screen + 3);
  ck_assert_str_eq (((RsFormScreen *) g_ptr_array_index (screens, second->first_screen))->path,
                    "/hh/member[2]/m_name");
  ck_assert_str_eq (((RsFormScreen *) g_ptr_array_index (screens,
                                                         second->first_screen))->repeat_instance,
                    "/hh/member[2]");
  ck_assert_ptr_null (contact->repeat_instance);
  ck_assert_int_eq (rs_form_session_find_screen (session, "/hh/member[2]/m_name"),
                    (int) second->first_screen);
  ck_assert_int_eq (rs_form_session_find_screen (session, "/hh/contact/commune"),
                    rs_form_session_find_screen (session, "/hh/contact/village"));
  ck_assert_int_eq (rs_form_session_find_screen (session, "/hh/b"), -1);
  ck_assert_uint_eq (rs_form_session_get_n_screens (session), screens->len);
  {
    g_autoptr(RsFormScreen) one = rs_form_session_get_screen (session, second->first_screen);
    ck_assert_str_eq (one->path, "/hh/member[2]/m_name");
    ck_assert_ptr_null (rs_form_session_get_screen (session, screens->len));
  }
}
END_TEST

static const char nested_form[] =
  "<h:html xmlns='http://www.w3.org/2002/xforms' xmlns:h='http://www.w3.org/1999/xhtml'"
  " xmlns:jr='http://openrosa.org/javarosa'><h:head><h:title>n</h:title><model><instance>"
  "<d id='nested'><hh jr:template=''><size/><p jr:template=''><age/><older/></p></hh>"
  "<total/></d></instance>"
  "<bind nodeset='/d/hh/p/age' type='int'/>"
  "<bind nodeset='/d/hh/p/older' type='string' calculate='if(/d/hh/p/age &gt; /d/hh/size, 1, 0)'/>"
  "<bind nodeset='/d/hh/size' type='int'/>"
  "<bind nodeset='/d/total' type='int' calculate='count(/d/hh/p)'/>"
  "</model></h:head><h:body><group ref='/d/hh'><label>Hộ</label><repeat nodeset='/d/hh'>"
  "<input ref='/d/hh/size'><label>s</label></input>"
  "<group ref='/d/hh/p'><label>Người</label><repeat nodeset='/d/hh/p'>"
  "<input ref='/d/hh/p/age'><label>a</label></input></repeat></group>"
  "</repeat></group></h:body></h:html>";

START_TEST (test_nested_repeats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_data (nested_form, sizeof nested_form - 1, &error);
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(RsFormSession) reloaded = NULL;
  g_autofree char *xml = NULL;

  ck_assert_msg (form != NULL, "%s", error != NULL ? error->message : "");
  session = new_session (form);
  answer (session, "/d/hh[2]/size", "10");
  answer (session, "/d/hh[2]/p[3]/age", "40");
  answer (session, "/d/hh[2]/p[1]/age", "5");
  answer (session, "/d/hh[1]/size", "1");
  answer (session, "/d/hh[1]/p[1]/age", "5");
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/d/hh"), 2);
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/d/hh[2]/p"), 3);
  ck_assert_uint_eq (rs_form_session_count_repeat (session, "/d/hh[1]/p"), 1);
  assert_value (session, "/d/total", "4");
  /* Each person compares with the size of their own household. */
  assert_value (session, "/d/hh[2]/p[3]/older", "1");
  assert_value (session, "/d/hh[2]/p[1]/older", "0");
  assert_value (session, "/d/hh[1]/p[1]/older", "1");
  answer (session, "/d/hh[2]/size", "50");
  assert_value (session, "/d/hh[2]/p[3]/older", "0");
  assert_value (session, "/d/hh[1]/p[1]/older", "1");

  xml = rs_form_session_serialize (session, NULL);
  ck_assert (strstr (xml, "template") == NULL);
  reloaded = rs_form_session_new_from_instance (form, xml, -1, NULL, &error);
  ck_assert_msg (reloaded != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_uint_eq (rs_form_session_count_repeat (reloaded, "/d/hh[2]/p"), 3);
  assert_value (reloaded, "/d/hh[2]/p[3]/age", "40");
  assert_value (reloaded, "/d/total", "4");
  ck_assert (rs_form_session_remove_repeat (reloaded, "/d/hh[1]", &error));
  assert_value (reloaded, "/d/total", "3");
  assert_value (reloaded, "/d/hh[1]/size", "50");
}
END_TEST

static const char itemset_form[] =
  "<h:html xmlns='http://www.w3.org/2002/xforms' xmlns:h='http://www.w3.org/1999/xhtml'"
  " xmlns:jr='http://openrosa.org/javarosa'><h:head><h:title>i</h:title><model>"
  "<itext><translation lang='vi'><text id='hn'><value>Hà Nội</value></text>"
  "<text id='dn'><value>Đà Nẵng</value></text></translation></itext>"
  "<instance><d id='items'><province/><commune/><commune_name/><province_name/></d></instance>"
  "<instance id='communes'><root>"
  "<item><name>c1</name><label>Phúc Xá</label><p>hn</p></item>"
  "<item><name>c2</name><label>Trúc Bạch</label><p>hn</p></item>"
  "<item><name>c3</name><label>Hải Châu</label><p>dn</p></item>"
  "</root></instance>"
  "<bind nodeset='/d/province' type='select1'/><bind nodeset='/d/commune' type='select1'/>"
  "<bind nodeset='/d/commune_name' type='string'"
  " calculate=\"jr:choice-name(/d/commune, '/d/commune')\"/>"
  "<bind nodeset='/d/province_name' type='string'"
  " calculate=\"jr:choice-name(/d/province, '/d/province')\"/>"
  "</model></h:head><h:body>"
  "<select1 ref='/d/province'><label>Tỉnh</label>"
  "<item><label ref=\"jr:itext('hn')\"/><value>hn</value></item>"
  "<item><label ref=\"jr:itext('dn')\"/><value>dn</value></item></select1>"
  "<select1 ref='/d/commune'><label>Xã của <output value='/d/province_name'/></label>"
  "<itemset nodeset=\"instance('communes')/root/item[p = current()/../province]\">"
  "<value ref='name'/><label ref='label'/></itemset></select1>"
  "</h:body></h:html>";

START_TEST (test_itemset_choices_and_names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_data (itemset_form, sizeof itemset_form - 1, &error);
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(RsFormQuestion) communes = NULL;

  ck_assert_msg (form != NULL, "%s", error != NULL ? error->message : "");
  session = new_session (form);
  answer (session, "/d/province", "hn");
  communes = rs_form_session_get_question (session, "/d/commune");
  ck_assert_uint_eq (communes->choices->len, 2);
  ck_assert_str_eq (((RsFormChoiceItem *) g_ptr_array_index (communes->choices, 1))->label,
                    "Trúc Bạch");
  ck_assert_str_eq (communes->label, "Xã của Hà Nội");
  answer (session, "/d/commune", "c2");
  assert_value (session, "/d/commune_name", "Trúc Bạch");
  assert_value (session, "/d/province_name", "Hà Nội");
  answer (session, "/d/province", "dn");
  answer (session, "/d/commune", "c3");
  assert_value (session, "/d/commune_name", "Hải Châu");
}
END_TEST

/* A saved record reloaded as a session, the way the app opens a sent household. */
static RsFormSession *
reload (RsForm     *form,
        const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) later = g_date_time_new_utc (2024, 6, 1, 0, 0, 0);
  RsFormSession *session = rs_form_session_new_from_instance (form, xml, -1, later, &error);

  ck_assert_msg (session != NULL, "%s", error != NULL ? error->message : "");
  return session;
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

START_TEST (test_new_version_deprecates_old)
{
  g_autoptr(RsForm) form = load_mini_form ();
  g_autoptr(RsFormSession) session = new_session (form);
  g_autoptr(RsFormSession) edited = NULL;
  g_autoptr(RsFormSession) draft = NULL;
  g_autoptr(RsInstanceInfo) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *sent_xml = NULL;
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *xml_again = NULL;
  g_autofree char *expected_id = NULL;
  g_autofree char *expected = NULL;
  const char *id;

  answer (session, "/hh/name", "Lan");
  answer (session, "/hh/member[1]/m_name", "An");
  answer (session, "/hh/a", "5");
  sent_xml = rs_form_session_serialize (session, NULL);
  ck_assert (rs_form_session_get_deprecated_id (session) == NULL);
  ck_assert (!contains (sent_xml, "deprecatedID"));
  old_id = g_strdup_printf ("uuid:%s", rs_form_session_get_instance_id (session));

  edited = reload (form, sent_xml);
  assert_value (edited, "/hh/end", "2024-05-01T08:30:00.000+07:00");
  rs_form_session_new_version (edited);
  id = rs_form_session_get_instance_id (edited);
  ck_assert (g_uuid_string_is_valid (id));
  ck_assert_int_eq (id[14], '4');                       /* a version 4 (random) UUID */
  new_id = g_strdup_printf ("uuid:%s", id);
  ck_assert_str_ne (new_id, old_id);
  ck_assert_str_eq (rs_form_session_get_deprecated_id (edited), old_id);
  assert_value (edited, "/hh/meta/instanceID", new_id);
  assert_value (edited, "/hh/end", "");                 /* timeEnd reset until serialized */
  assert_value (edited, "/hh/name", "Lan");
  assert_value (edited, "/hh/member[1]/m_name", "An");

  answer (edited, "/hh/name", "Lan Anh");
  xml = rs_form_session_serialize (edited, NULL);
  ck_assert_uint_eq (count_occurrences (xml, "<instanceID>"), 1);
  ck_assert_uint_eq (count_occurrences (xml, "<deprecatedID>"), 1);
  expected_id = g_strdup_printf ("<instanceID>%s</instanceID>", new_id);
  ck_assert (contains (xml, expected_id));
  expected = g_strdup_printf ("<deprecatedID>%s</deprecatedID>", old_id);
  ck_assert (contains (xml, expected));
  ck_assert (contains (xml, "<name>Lan Anh</name>"));
  /* The interview's start is kept; the end is the time of this serialization. */
  ck_assert (contains (xml, "<timeStart>2024-05-01T08:30:00.000+07:00</timeStart>"));
  ck_assert (contains (xml, "<end>2024-06-01T00:00:00.000+00:00</end>"));

  /* What the store reads from it: what rs_store_edit_sent() checks. */
  bytes = g_bytes_new_static (xml, strlen (xml));
  info = rs_instance_info_parse (bytes, NULL);
  ck_assert (info != NULL);
  ck_assert_str_eq (info->instance_id, new_id);
  ck_assert_str_eq (info->deprecated_id, old_id);

  /* A draft of the new version reopened later (the app restarted) is still that version. */
  draft = reload (form, xml);
  ck_assert_str_eq (rs_form_session_get_instance_id (draft), id);
  ck_assert_str_eq (rs_form_session_get_deprecated_id (draft), old_id);
  xml_again = rs_form_session_serialize (draft, NULL);
  ck_assert (contains (xml_again, expected));
  ck_assert (contains (xml_again, expected_id));
  ck_assert_uint_eq (count_occurrences (xml_again, "<deprecatedID>"), 1);
}
END_TEST

/* A form whose meta declares deprecatedID itself (ODK's own forms do) gets it filled in place,
 * and a second edit deprecates the first edit, not the original. */
START_TEST (test_new_version_form_with_deprecated_element)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "forms",
                                            "household-mini.xml", NULL);
  g_autofree char *text = NULL;
  g_autofree char *patched = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = NULL;
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(RsFormSession) first = NULL;
  g_autoptr(RsFormSession) second = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *first_xml = NULL;
  g_autofree char *second_xml = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) parts = NULL;

  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  parts = g_strsplit (text, "<instanceID/>", 2);
  ck_assert_uint_eq (g_strv_length (parts), 2);
  patched = g_strjoin ("<instanceID/><deprecatedID/>", parts[0], parts[1], NULL);
  form = rs_form_new_from_data (patched, strlen (patched), &error);
  ck_assert_msg (form != NULL, "%s", error != NULL ? error->message : "");

  session = new_session (form);
  answer (session, "/hh/name", "Lan");
  xml = rs_form_session_serialize (session, NULL);
  ck_assert (!contains (xml, "<deprecatedID>uuid:"));

  first = reload (form, xml);
  rs_form_session_new_version (first);
  assert_value (first, "/hh/meta/deprecatedID", rs_form_session_get_deprecated_id (first));
  first_xml = rs_form_session_serialize (first, NULL);
  ck_assert_uint_eq (count_occurrences (first_xml, "<deprecatedID>"), 1);
  first_id = g_strdup_printf ("uuid:%s", rs_form_session_get_instance_id (first));

  second = reload (form, first_xml);
  rs_form_session_new_version (second);
  ck_assert_str_eq (rs_form_session_get_deprecated_id (second), first_id);
  second_xml = rs_form_session_serialize (second, NULL);
  expected = g_strdup_printf ("<deprecatedID>%s</deprecatedID>", first_id);
  ck_assert (contains (second_xml, expected));
  ck_assert_uint_eq (count_occurrences (second_xml, "<deprecatedID>"), 1);
}
END_TEST

static Suite *
session_suite (void)
{
  Suite *suite = suite_create ("form-session");
  TCase *tc = tcase_create ("session");

  tcase_add_test (tc, test_relevance_follows_answers);
  tcase_add_test (tc, test_constraint_message);
  tcase_add_test (tc, test_dates_compare_as_days);
  tcase_add_test (tc, test_invalid_values_refused);
  tcase_add_test (tc, test_required_and_validate_order);
  tcase_add_test (tc, test_repeats_add_remove);
  tcase_add_test (tc, test_jr_count_repeat);
  tcase_add_test (tc, test_calculate_chain);
  tcase_add_test (tc, test_calculator_drives_relevance);
  tcase_add_test (tc, test_serialize_excludes_irrelevant);
  tcase_add_test (tc, test_group_relevance);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_instance_of_other_form_refused);
  tcase_add_test (tc, test_language_switch_and_outputs);
  tcase_add_test (tc, test_screens_and_jump_index);
  tcase_add_test (tc, test_nested_repeats);
  tcase_add_test (tc, test_form_expressions_for_scoring);
  tcase_add_test (tc, test_itemset_choices_and_names);
  tcase_add_test (tc, test_new_version_deprecates_old);
  tcase_add_test (tc, test_new_version_form_with_deprecated_element);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (session_suite ());
}
