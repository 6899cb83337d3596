/* test-standard.c: standards as data: loading, choice by date, working age, refusals naming the rule.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "rs-score.h"
#include "rs-standard.h"
#include "rs-test-household.h"
#include "rs-test.h"


static char *
form_path (void)
{
  return g_build_filename (rs_test_srcdir (), "data", "forms", "vn_household_review.xml", NULL);
}

static RsStandards *
load_shipped (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *form = form_path ();
  g_autofree char *dir = g_build_filename (rs_test_srcdir (), "data", "standards", NULL);
  RsStandards *standards = rs_standards_new_for_form (form, &error);

  ck_assert_msg (standards != NULL, "%s", error ? error->message : "");
  ck_assert_msg (rs_standards_load_dir (standards, dir, &error), "%s",
                 error ? error->message : "");
  return standards;
}

START_TEST (test_shipped_standards)
{
  g_autoptr(RsStandards) standards = load_shipped ();
  const RsStandard *official, *provisional;

  ck_assert_str_eq (rs_standards_get_form_id (standards), "vn_household_review");
  ck_assert_str_eq (rs_standards_get_form_version (standards), "2026110101");
  ck_assert_uint_eq (rs_standards_get_n_standards (standards), 2);
  official = rs_standards_lookup (standards, "vn-2022-2025", NULL);
  provisional = rs_standards_lookup (standards, "vn-2027-2030@1", NULL);
  ck_assert (official != NULL && provisional != NULL);
  ck_assert_str_eq (rs_standard_get_key (official), "vn-2022-2025@1");
  ck_assert_int_eq (rs_standard_get_status (official), RS_STANDARD_STATUS_OFFICIAL);
  ck_assert_int_eq (rs_standard_get_status (provisional), RS_STANDARD_STATUS_PROVISIONAL);
  ck_assert_int_eq (rs_standard_get_income_method (official), RS_INCOME_METHOD_DIRECT);
  ck_assert_uint_eq (rs_standard_get_n_indicators (official), 12);
  ck_assert_str_eq (rs_standard_get_indicator_id (official, 0), "employment");
  ck_assert_str_eq (rs_standard_get_indicator_id (official, 3), "health_insurance");
  ck_assert_str_eq (rs_standard_get_indicator_id (official, 11), "information_devices");
  ck_assert_str_eq (rs_standard_get_indicator_name (official, 1, RS_LANG_VI),
                    "Người phụ thuộc trong hộ gia đình");
  ck_assert_str_eq (rs_standard_get_indicator_name (official, 1, RS_LANG_EN),
                    "Dependants in the household");
}
END_TEST

static const struct
{
  const char *date;
  const char *expected;   /* NULL: none governs it */
} date_cases[] = {
  { "2021-12-31", NULL },
  { "2022-01-01", "vn-2022-2025@1" },
  { "2025-12-31", "vn-2022-2025@1" },
  { "2026-11-23", "vn-2022-2025@1" },
  { "2026-12-31", "vn-2022-2025@1" },
  { "2027-01-01", "vn-2027-2030@1" },
  { "2030-12-31", "vn-2027-2030@1" },
  { "2031-01-01", NULL },
  { "", NULL },
  { "23/11/2026", NULL },
  { "2026-02-30", NULL },
};

START_TEST (test_choice_by_review_date)
{
  g_autoptr(RsStandards) standards = load_shipped ();
  g_autoptr(GError) error = NULL;
  const RsStandard *std = rs_standards_for_date (standards, date_cases[_i].date, &error);

  if (date_cases[_i].expected == NULL)
    {
      ck_assert (std == NULL);
      ck_assert (g_error_matches (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND));
    }
  else
    {
      ck_assert_msg (std != NULL, "%s", error ? error->message : "");
      ck_assert_str_eq (rs_standard_get_key (std), date_cases[_i].expected);
    }
}
END_TEST

static const struct
{
  const char *sex;
  int         year;
  guint       months;
} retirement_cases[] = {
  { "male", 2021, 723 },   /* 60 years 3 months */
  { "male", 2022, 726 },
  { "male", 2026, 738 },
  { "male", 2027, 741 },
  { "male", 2028, 744 },   /* 62 years */
  { "male", 2040, 744 },
  { "female", 2021, 664 }, /* 55 years 4 months */
  { "female", 2026, 684 },
  { "female", 2027, 688 },
  { "female", 2034, 716 },
  { "female", 2035, 720 }, /* 60 years */
  { "female", 2050, 720 },
  { "other", 2026, 0 },
};

START_TEST (test_retirement_schedule)
{
  g_autoptr(RsStandards) standards = load_shipped ();

  for (guint s = 0; s < rs_standards_get_n_standards (standards); s++)
    ck_assert_uint_eq (rs_standard_retirement_months (rs_standards_get_nth (standards, s),
                                                      retirement_cases[_i].sex,
                                                      retirement_cases[_i].year),
                       retirement_cases[_i].months);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------------- */

/* Loads the shipped 2022–2025 standard with @member of indicator @index (or of the root when
 * @index < 0) replaced by @value (a JSON text), and returns the error. */
static GError *
load_modified (int         index,
               const char *member,
               const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *form = form_path ();
  g_autofree char *source = g_build_filename (rs_test_srcdir (), "data", "standards",
                                              "vn-2022-2025.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) value_parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(RsStandards) standards = rs_standards_new_for_form (form, NULL);
  g_autofree char *dir = g_dir_make_tmp ("rasoat-standard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.json", NULL);
  JsonObject *target;

  ck_assert (json_parser_load_from_file (parser, source, NULL));
  target = json_node_get_object (json_parser_get_root (parser));
  if (index >= 0)
    target = json_array_get_object_element (json_object_get_array_member (target, "indicators"),
                                            index);
  if (value == NULL)
    json_object_remove_member (target, member);
  else
    {
      ck_assert (json_parser_load_from_data (value_parser, value, -1, NULL));
      json_object_set_member (target, member, json_node_copy (json_parser_get_root (value_parser)));
    }
  json_generator_set_root (generator, json_parser_get_root (parser));
  ck_assert (json_generator_to_file (generator, path, NULL));
  ck_assert (rs_standards_load_file (standards, path, &error) == NULL);
  g_unlink (path);
  g_rmdir (dir);
  ck_assert (error != NULL);
  return g_steal_pointer (&error);
}

static const struct
{
  int         index;
  const char *member;
  const char *value;
  int         code;
  const char *mentions[2];
} refusal_cases[] = {
  /* a misspelt element, absolute and inside a member predicate */
  { 7, "rule", "\"/household/housing/floor_areaa < 8\"", RS_STANDARD_ERROR_PATH,
    { "housing_area", "/household/housing/floor_areaa" } },
  { 3, "members", "\"/household/members/member[agee >= 6 and health_insurance = 'no']\"",
    RS_STANDARD_ERROR_PATH, { "health_insurance", "/household/members/member/agee" } },
  { 8, "rule", "\"/household/water/water_source = 'piped'\"", RS_STANDARD_ERROR_PATH,
    { "water", "/household/water" } },
  /* syntax, unknown function, unknown variable, wrong argument count */
  { 10, "rule", "\"/household/information/telecom = \"", RS_STANDARD_ERROR_RULE,
    { "telecom", "/household/information/telecom =" } },
  { 10, "rule", "\"selectd(/household/information/telecom, 'no')\"", RS_STANDARD_ERROR_RULE,
    { "telecom", "selectd" } },
  { 0, "members", "\"/household/members/member[age >= $working_age]\"", RS_STANDARD_ERROR_RULE,
    { "employment", "$working_age" } },
  { 10, "rule", "\"selected(/household/information/telecom)\"", RS_STANDARD_ERROR_RULE,
    { "telecom", "selected" } },
  /* $members: only in the rule of an indicator that has members */
  { 7, "rule", "\"count($members) > 0\"", RS_STANDARD_ERROR_RULE,
    { "housing_area", "$members" } },
  { 2, "members", "\"/household/members/member[count($members) > 0]\"", RS_STANDARD_ERROR_RULE,
    { "nutrition", "$members" } },
  { 10, "rule", "\"(/household/information/telecom = 'no'\"", RS_STANDARD_ERROR_RULE,
    { "telecom", "bracket" } },
  /* the shape of the file */
  { -1, "status", "\"draft\"", RS_STANDARD_ERROR_INVALID, { "status", "official" } },
  { -1, "version", NULL, RS_STANDARD_ERROR_INVALID, { "version", NULL } },
  { -1, "form_id", "\"other_form\"", RS_STANDARD_ERROR_INVALID, { "other_form", NULL } },
  { -1, "review_dates", "{\"from\": \"2026-01-01\", \"to\": \"2025-01-01\"}",
    RS_STANDARD_ERROR_INVALID, { "review_dates", NULL } },
  { -1, "income_lines", "{\"rural\": {\"poverty\": 1500000}}", RS_STANDARD_ERROR_INVALID,
    { "income_lines.urban.poverty", NULL } },
  { -1, "income", "{\"method\": \"guess\"}", RS_STANDARD_ERROR_INVALID, { "income.method", NULL } },
  { 2, "dimension", "\"happiness\"", RS_STANDARD_ERROR_INVALID, { "nutrition", NULL } },
  { 2, "id", "\"employment\"", RS_STANDARD_ERROR_INVALID, { "employment", NULL } },
};

START_TEST (test_refusals_name_the_rule)
{
  g_autoptr(GError) error = load_modified (refusal_cases[_i].index, refusal_cases[_i].member,
                                           refusal_cases[_i].value);

  ck_assert_msg (g_error_matches (error, RS_STANDARD_ERROR, refusal_cases[_i].code),
                 "case %d: %s", _i, error->message);
  for (guint m = 0; m < 2; m++)
    if (refusal_cases[_i].mentions[m] != NULL)
      ck_assert_msg (strstr (error->message, refusal_cases[_i].mentions[m]) != NULL,
                     "case %d: “%s” does not mention %s", _i, error->message,
                     refusal_cases[_i].mentions[m]);
}
END_TEST

START_TEST (test_unset_middle_is_accepted)
{
  g_autoptr(GError) error = load_modified (-1, "income_lines",
                                           "{\"rural\": {\"poverty\": 1500000, \"middle\": 1000}, "
                                           "\"urban\": {\"poverty\": 2000000, \"middle\": null}}");

  /* middle below the line is refused; null (unset) is accepted (the 2027 file uses it) */
  ck_assert (g_error_matches (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_INVALID));
  ck_assert (strstr (error->message, "income_lines.rural.middle") != NULL);
}
END_TEST

START_TEST (test_points_method)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_build_filename (rs_test_srcdir (), "data", NULL);
  g_autofree char *points = g_build_filename (rs_test_srcdir (), "tests", "data", "standards",
                                              "test-points.json", NULL);
  g_autoptr(RsScorer) scorer = rs_scorer_new (data, &error);
  const RsStandard *std;
  RsTestHousehold h;
  g_autofree char *xml = NULL;
  g_autofree char *json = NULL;
  g_autoptr(RsScore) rich = NULL;
  g_autoptr(RsScore) poor = NULL;
  g_autoptr(RsScore) delta = NULL;

  ck_assert (scorer != NULL);
  std = rs_standards_load_file (rs_scorer_get_standards (scorer), points, &error);
  ck_assert_msg (std != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (rs_standard_get_income_method (std), RS_INCOME_METHOD_POINTS);

  /* piped (40) + tv (30) + durable roof (80) = 150 > 140: above the cut-off */
  rs_test_household_init (&h);
  h.telecom = "no";
  xml = rs_test_household_to_xml (&h);
  rich = rs_scorer_score_xml (scorer, xml, -1, "test-points", &error);
  ck_assert_msg (rich != NULL, "%s", error ? error->message : "");
  ck_assert_double_eq (rich->points, 150);
  ck_assert (!rich->below_line);
  ck_assert_int_eq (rich->classification, RS_CLASSIFICATION_MIDDLE);

  /* without the durable roof: 70 ≤ 140, one deprivation: near-poor */
  h.roof_durable = "no";
  g_free (xml);
  xml = rs_test_household_to_xml (&h);
  poor = rs_scorer_score_xml (scorer, xml, -1, "test-points", &error);
  ck_assert_double_eq (poor->points, 70);
  ck_assert_int_eq (poor->classification, RS_CLASSIFICATION_NEAR_POOR);
  json = rs_score_to_json (poor, RS_LANG_EN);
  ck_assert (strstr (json, "\"method\":\"points\"") != NULL);
  ck_assert (strstr (json, "\"test_data\":true") != NULL);

  /* a region's own points */
  h.region = "mekong_delta";
  g_free (xml);
  xml = rs_test_household_to_xml (&h);
  delta = rs_scorer_score_xml (scorer, xml, -1, "test-points", &error);
  ck_assert_double_eq (delta->points, 50);
}
END_TEST

static Suite *
standard_suite (void)
{
  Suite *suite = suite_create ("standard");
  TCase *tc = tcase_create ("standard");

  tcase_add_test (tc, test_shipped_standards);
  tcase_add_loop_test (tc, test_choice_by_review_date, 0, G_N_ELEMENTS (date_cases));
  tcase_add_loop_test (tc, test_retirement_schedule, 0, G_N_ELEMENTS (retirement_cases));
  tcase_add_loop_test (tc, test_refusals_name_the_rule, 0, G_N_ELEMENTS (refusal_cases));
  tcase_add_test (tc, test_unset_middle_is_accepted);
  tcase_add_test (tc, test_points_method);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (standard_suite ());
}
