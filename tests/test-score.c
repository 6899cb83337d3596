/* test-score.c: household scoring: indicator boundaries, classification, screening, transitions.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rs-form-private.h"
#include "rs-score.h"
#include "rs-test-household.h"
#include "rs-test.h"

static RsScorer *scorer;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_build_filename (rs_test_srcdir (), "data", NULL);

  scorer = rs_scorer_new (data, &error);
  ck_assert_msg (scorer != NULL, "%s", error ? error->message : "");
}

static void
teardown (void)
{
  g_clear_pointer (&scorer, rs_scorer_free);
}

/* ---- editing a household with "key=value" strings ------------------------------------------- */

static const struct
{
  const char *name;
  size_t      offset;
} member_fields[] = {
  { "name", offsetof (RsTestMember, name) },
  { "sex", offsetof (RsTestMember, sex) },
  { "birth_date", offsetof (RsTestMember, birth_date) },
  { "relation", offsetof (RsTestMember, relation) },
  { "ethnicity", offsetof (RsTestMember, ethnicity) },
  { "health_insurance", offsetof (RsTestMember, health_insurance) },
  { "disability", offsetof (RsTestMember, disability) },
  { "merit_person", offsetof (RsTestMember, merit_person) },
  { "in_school", offsetof (RsTestMember, in_school) },
  { "school_level", offsetof (RsTestMember, school_level) },
  { "highest_completed", offsetof (RsTestMember, highest_completed) },
  { "training_certificate", offsetof (RsTestMember, training_certificate) },
  { "work_status", offsetof (RsTestMember, work_status) },
  { "wage_employee", offsetof (RsTestMember, wage_employee) },
  { "labour_contract", offsetof (RsTestMember, labour_contract) },
  { "malnourished", offsetof (RsTestMember, malnourished) },
};

static const struct
{
  const char *name;
  size_t      offset;
} household_fields[] = {
  { "area", offsetof (RsTestHousehold, area) },
  { "region", offsetof (RsTestHousehold, region) },
  { "review_date", offsetof (RsTestHousehold, review_date) },
  { "previous_status", offsetof (RsTestHousehold, previous_status) },
  { "signs", offsetof (RsTestHousehold, signs) },
  { "continue", offsetof (RsTestHousehold, continue_review) },
  { "tenure", offsetof (RsTestHousehold, tenure) },
  { "walls_durable", offsetof (RsTestHousehold, walls_durable) },
  { "frame_durable", offsetof (RsTestHousehold, frame_durable) },
  { "roof_durable", offsetof (RsTestHousehold, roof_durable) },
  { "floor_area", offsetof (RsTestHousehold, floor_area) },
  { "water_source", offsetof (RsTestHousehold, water_source) },
  { "toilet", offsetof (RsTestHousehold, toilet) },
  { "telecom", offsetof (RsTestHousehold, telecom) },
  { "devices", offsetof (RsTestHousehold, devices) },
  { "loudspeaker", offsetof (RsTestHousehold, loudspeaker) },
};

/* Edits: "mK=child:DATE", "mK=adult:SEX:DATE", "mK.field=value", "field=value",
 * "income=N" (per-capita monthly, set after the members), "wages=N", "agriculture=N",
 * "wages=" (not answered). */
static void
apply_edits (RsTestHousehold    *h,
             const char * const *edits,
             GStringChunk       *chunk)
{
  gint64 per_capita = -1;

  for (guint e = 0; edits[e] != NULL; e++)
    {
      g_auto(GStrv) kv = g_strsplit (edits[e], "=", 2);
      const char *key = kv[0];
      const char *value = g_string_chunk_insert (chunk, kv[1] ? kv[1] : "");
      gboolean done = FALSE;

      if (key[0] == 'm' && g_ascii_isdigit (key[1]))
        {
          char *end;
          guint index = (guint) g_ascii_strtoull (key + 1, &end, 10) - 1;

          ck_assert_uint_lt (index, RS_TEST_MAX_MEMBERS);
          if (*end == '\0')
            {
              g_auto(GStrv) parts = g_strsplit (value, ":", 3);
              const char *name = g_string_chunk_insert (chunk, key);

              if (g_str_equal (parts[0], "child"))
                h->members[index] = rs_test_child (name, g_string_chunk_insert (chunk, parts[1]));
              else
                h->members[index] = rs_test_adult (name, g_string_chunk_insert (chunk, parts[1]),
                                                   g_string_chunk_insert (chunk, parts[2]),
                                                   "other");
              h->n_members = MAX (h->n_members, index + 1);
              continue;
            }
          ck_assert (*end == '.');
          for (guint f = 0; f < G_N_ELEMENTS (member_fields); f++)
            if (g_str_equal (end + 1, member_fields[f].name))
              {
                *(const char **) ((char *) &h->members[index] + member_fields[f].offset) = value;
                done = TRUE;
              }
          ck_assert_msg (done, "unknown member field %s", end + 1);
          continue;
        }
      if (g_str_equal (key, "n"))
        {
          h->n_members = (guint) g_ascii_strtoull (value, NULL, 10);
          continue;
        }
      if (g_str_equal (key, "income"))
        {
          per_capita = g_ascii_strtoll (value, NULL, 10);
          continue;
        }
      if (g_str_equal (key, "wages") || g_str_equal (key, "agriculture"))
        {
          gint64 amount = *value ? g_ascii_strtoll (value, NULL, 10) : RS_TEST_NO_ANSWER;

          if (g_str_equal (key, "wages"))
            h->wages = amount;
          else
            h->agriculture = amount;
          continue;
        }
      for (guint f = 0; f < G_N_ELEMENTS (household_fields); f++)
        if (g_str_equal (key, household_fields[f].name))
          {
            *(const char **) ((char *) h + household_fields[f].offset) = value;
            done = TRUE;
          }
      ck_assert_msg (done, "unknown household field %s", key);
    }
  if (per_capita >= 0)
    rs_test_household_set_income (h, per_capita);
}

static RsScore *
score_edits (const char * const *edits,
             const char         *standard)
{
  g_autoptr(GError) error = NULL;
  GStringChunk *chunk = g_string_chunk_new (256);
  g_autofree char *xml = NULL;
  RsTestHousehold h;
  RsScore *score;

  rs_test_household_init (&h);
  apply_edits (&h, edits, chunk);
  xml = rs_test_household_to_xml (&h);
  g_string_chunk_free (chunk);
  score = rs_scorer_score_xml (scorer, xml, -1, standard, &error);
  ck_assert_msg (score != NULL, "%s", error ? error->message : "");
  return score;
}

static const RsIndicatorResult *
find_indicator (const RsScore *score,
                const char    *id)
{
  for (guint i = 0; i < score->indicators->len; i++)
    {
      const RsIndicatorResult *result = g_ptr_array_index (score->indicators, i);

      if (g_str_equal (result->id, id))
        return result;
    }
  return NULL;
}

static char *
members_string (const RsIndicatorResult *result)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < result->members->len; i++)
    g_string_append_printf (out, "%s%u", i ? "," : "", g_array_index (result->members, guint, i));
  return g_string_free (out, FALSE);
}

#define E(...) ((const char * const[]) { __VA_ARGS__, NULL })
#define Y2027 "review_date=2027-11-23"

/* ---- every indicator at its boundaries ------------------------------------------------------ */

static const struct
{
  const char * const *edits;
  const char         *indicator;
  gboolean            deprived;
  const char         *members;
  const char         *standard;   /* expected; chosen by the review date */
} indicator_cases[] = {
  /* 4 health insurance: from age 6, on the exact birthday */
  { E ("m3=child:2020-11-23", "m3.health_insurance=no"), "health_insurance", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=child:2020-11-24", "m3.health_insurance=no"), "health_insurance", FALSE, "", "vn-2022-2025@1" },
  { E ("m1.health_insurance=no", "m2.health_insurance=no"), "health_insurance", TRUE, "1,2", "vn-2022-2025@1" },
  { E (Y2027, "m3=child:2021-11-23", "m3.health_insurance=no"), "health_insurance", TRUE, "3", "vn-2027-2030@1" },
  { E (Y2027, "m3=child:2021-11-24", "m3.health_insurance=no"), "health_insurance", FALSE, "", "vn-2027-2030@1" },
  /* 6 child schooling: ages 3 to 15 */
  { E ("m3=child:2023-11-23", "m3.in_school=no"), "child_schooling", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=child:2023-11-24", "m3.in_school=no"), "child_schooling", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=child:2010-11-24", "m3.in_school=no"), "child_schooling", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=child:2010-11-23", "m3.in_school=no"), "child_schooling", FALSE, "", "vn-2022-2025@1" },
  { E (Y2027, "m3=child:2011-11-24", "m3.in_school=no"), "child_schooling", TRUE, "3", "vn-2027-2030@1" },
  { E (Y2027, "m3=child:2011-11-23", "m3.in_school=no"), "child_schooling", FALSE, "", "vn-2027-2030@1" },
  /* 3 nutrition: under 16 */
  { E ("m3=child:2010-11-24", "m3.malnourished=yes"), "nutrition", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=child:2010-11-23", "m3.malnourished=yes"), "nutrition", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=child:2020-01-01", "m3.malnourished=unknown"), "nutrition", FALSE, "", "vn-2022-2025@1" },
  /* 5 adult education: 16–17 need lower secondary, 18–30 upper secondary or vocational */
  { E ("m3=adult:male:2010-11-23", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=primary"), "adult_education", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=adult:male:2010-11-24", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=primary"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2010-11-23", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=lower_secondary"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2008-11-23", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=lower_secondary"), "adult_education", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=adult:male:2008-11-24", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=lower_secondary"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:1995-11-24", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=none"), "adult_education", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=adult:male:1995-11-23", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=none"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2000-01-01", "m3.in_school=no", "m3.training_certificate=yes", "m3.highest_completed=none"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2000-01-01", "m3.in_school=yes", "m3.training_certificate=no", "m3.highest_completed=none"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2000-01-01", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=vocational_elementary"), "adult_education", FALSE, "", "vn-2022-2025@1" },
  { E (Y2027, "m3=adult:male:2009-11-23", "m3.in_school=no", "m3.training_certificate=no", "m3.highest_completed=lower_secondary"), "adult_education", TRUE, "3", "vn-2027-2030@1" },
  /* 2 dependants: more than half; under 16, 60 or more, severe disability */
  { E ("m3=child:2015-01-01", "m4=child:2016-01-01"), "dependants", FALSE, "", "vn-2022-2025@1" },
  { E ("m2=child:2015-01-01", "m3=child:2016-01-01"), "dependants", TRUE, "2,3", "vn-2022-2025@1" },
  { E ("m2=adult:female:1966-11-23", "m3=child:2015-01-01"), "dependants", TRUE, "2,3", "vn-2022-2025@1" },
  { E ("m2=adult:female:1966-11-24", "m3=child:2015-01-01"), "dependants", FALSE, "", "vn-2022-2025@1" },
  { E ("m2=adult:male:1990-01-01", "m3=adult:male:2010-11-23", "m2.disability=severe", "m4=child:2015-01-01"), "dependants", FALSE, "", "vn-2022-2025@1" },
  { E ("m2.disability=very_severe", "m3=child:2015-01-01"), "dependants", TRUE, "2,3", "vn-2022-2025@1" },
  { E ("m2.disability=mild", "m3=child:2015-01-01"), "dependants", FALSE, "", "vn-2022-2025@1" },
  { E (Y2027, "m2=child:2015-01-01", "m3=child:2016-01-01"), "dependants", TRUE, "2,3", "vn-2027-2030@1" },
  /* 8 floor area: 8 m² per person exactly is enough */
  { E ("floor_area=16"), "housing_area", FALSE, "", "vn-2022-2025@1" },
  { E ("floor_area=15.9"), "housing_area", TRUE, "", "vn-2022-2025@1" },
  { E ("floor_area=24", "m3=child:2015-01-01"), "housing_area", FALSE, "", "vn-2022-2025@1" },
  { E ("floor_area=23.5", "m3=child:2015-01-01"), "housing_area", TRUE, "", "vn-2022-2025@1" },
  { E ("tenure=none", "floor_area=100"), "housing_area", TRUE, "", "vn-2022-2025@1" },
  { E (Y2027, "floor_area=15.9"), "housing_area", TRUE, "", "vn-2027-2030@1" },
  /* 7 housing quality: no dwelling, or 2 of 3 not durable */
  { E ("walls_durable=no"), "housing_quality", FALSE, "", "vn-2022-2025@1" },
  { E ("walls_durable=no", "roof_durable=no"), "housing_quality", TRUE, "", "vn-2022-2025@1" },
  { E ("frame_durable=no", "roof_durable=no"), "housing_quality", TRUE, "", "vn-2022-2025@1" },
  { E ("tenure=none"), "housing_quality", TRUE, "", "vn-2022-2025@1" },
  /* 9, 10 water and sanitation */
  { E ("water_source=rainwater"), "water", FALSE, "", "vn-2022-2025@1" },
  { E ("water_source=protected_dug_well"), "water", FALSE, "", "vn-2022-2025@1" },
  { E ("water_source=unprotected_dug_well"), "water", TRUE, "", "vn-2022-2025@1" },
  { E ("water_source=surface_water"), "water", TRUE, "", "vn-2022-2025@1" },
  { E ("toilet=biogas"), "sanitation", FALSE, "", "vn-2022-2025@1" },
  { E ("toilet=ventilated_pit"), "sanitation", FALSE, "", "vn-2022-2025@1" },
  { E ("toilet=hanging"), "sanitation", TRUE, "", "vn-2022-2025@1" },
  { E ("toilet=none"), "sanitation", TRUE, "", "vn-2022-2025@1" },
  { E (Y2027, "toilet=pit_without_slab"), "sanitation", TRUE, "", "vn-2027-2030@1" },
  /* 11, 12 information */
  { E ("telecom=no"), "telecom", TRUE, "", "vn-2022-2025@1" },
  { E ("telecom=yes"), "telecom", FALSE, "", "vn-2022-2025@1" },
  { E ("devices=basic_phone", "loudspeaker=no"), "information_devices", TRUE, "", "vn-2022-2025@1" },
  { E ("devices=none", "loudspeaker=no"), "information_devices", TRUE, "", "vn-2022-2025@1" },
  { E ("devices=basic_phone", "loudspeaker=yes"), "information_devices", FALSE, "", "vn-2022-2025@1" },
  { E ("devices=radio", "loudspeaker=no"), "information_devices", FALSE, "", "vn-2022-2025@1" },
  { E (Y2027, "devices=basic_phone"), "internet_access", TRUE, "", "vn-2027-2030@1" },
  { E (Y2027, "devices=smartphone_tablet"), "internet_access", FALSE, "", "vn-2027-2030@1" },
  /* 1 employment: working age from 15 to the retirement age of the review year */
  { E ("m1.work_status=unemployed"), "employment", TRUE, "1", "vn-2022-2025@1" },
  { E ("m2.wage_employee=yes", "m2.labour_contract=no"), "employment", TRUE, "2", "vn-2022-2025@1" },
  { E ("m2.wage_employee=yes", "m2.labour_contract=yes"), "employment", FALSE, "", "vn-2022-2025@1" },
  { E ("m1.work_status=homemaker", "m1.wage_employee=yes", "m1.labour_contract=no"), "employment", FALSE, "", "vn-2022-2025@1" },
  { E ("m3=adult:male:2011-11-23", "m3.work_status=unemployed"), "employment", TRUE, "3", "vn-2022-2025@1" },
  { E ("m3=child:2011-11-24", "m3.work_status=unemployed"), "employment", FALSE, "", "vn-2022-2025@1" },
  /* 2026: men 61 years 6 months (738), women 57 years (684) */
  { E ("m1.birth_date=1965-05-23", "m1.work_status=unemployed"), "employment", FALSE, "", "vn-2022-2025@1" },
  { E ("m1.birth_date=1965-05-24", "m1.work_status=unemployed"), "employment", TRUE, "1", "vn-2022-2025@1" },
  { E ("m2.birth_date=1969-11-23", "m2.work_status=unemployed"), "employment", FALSE, "", "vn-2022-2025@1" },
  { E ("m2.birth_date=1969-11-24", "m2.work_status=unemployed"), "employment", TRUE, "2", "vn-2022-2025@1" },
  /* 2027: men 61 years 9 months (741), women 57 years 4 months (688) */
  { E (Y2027, "m1.birth_date=1966-02-23", "m1.work_status=unemployed"), "employment", FALSE, "", "vn-2027-2030@1" },
  { E (Y2027, "m1.birth_date=1966-02-24", "m1.work_status=unemployed"), "employment", TRUE, "1", "vn-2027-2030@1" },
  { E (Y2027, "m2.birth_date=1970-07-23", "m2.work_status=unemployed"), "employment", FALSE, "", "vn-2027-2030@1" },
  { E (Y2027, "m2.birth_date=1970-07-24", "m2.work_status=unemployed"), "employment", TRUE, "2", "vn-2027-2030@1" },
  /* 2022: men 60 years 6 months (726), women 55 years 8 months (668) */
  { E ("review_date=2022-06-30", "m1.birth_date=1961-12-30", "m1.work_status=unemployed"), "employment", FALSE, "", "vn-2022-2025@1" },
  { E ("review_date=2022-06-30", "m1.birth_date=1961-12-31", "m1.work_status=unemployed"), "employment", TRUE, "1", "vn-2022-2025@1" },
};

START_TEST (test_indicator_boundaries)
{
  g_autoptr(RsScore) score = score_edits (indicator_cases[_i].edits, NULL);
  const RsIndicatorResult *result = find_indicator (score, indicator_cases[_i].indicator);
  g_autofree char *members = NULL;

  ck_assert_str_eq (score->standard, indicator_cases[_i].standard);
  ck_assert_msg (result != NULL, "no indicator %s", indicator_cases[_i].indicator);
  members = members_string (result);
  ck_assert_msg (result->deprived == indicator_cases[_i].deprived, "case %d: %s is %s", _i,
                 result->id, result->deprived ? "deprived" : "not deprived");
  ck_assert_str_eq (members, indicator_cases[_i].members);
  ck_assert (*result->reason[RS_LANG_VI] != '\0');
  ck_assert (*result->reason[RS_LANG_EN] != '\0');
}
END_TEST

START_TEST (test_clean_household)
{
  g_autoptr(RsScore) score = score_edits (E ("review_date=2026-11-23"), NULL);

  ck_assert_uint_eq (score->indicators->len, 12);
  ck_assert_uint_eq (score->deprivation_count, 0);
  ck_assert_int_eq (score->per_capita_monthly, 2000000);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_MIDDLE);
  ck_assert (!score->has_way_out);
  ck_assert_str_eq (((RsIndicatorResult *) g_ptr_array_index (score->indicators, 0))->id,
                    "employment");
  ck_assert_str_eq (((RsIndicatorResult *) g_ptr_array_index (score->indicators, 11))->id,
                    "information_devices");
}
END_TEST

START_TEST (test_reason_names_members)
{
  g_autoptr(RsScore) score = score_edits (E ("m2.health_insurance=no"), NULL);
  const RsIndicatorResult *result = find_indicator (score, "health_insurance");

  ck_assert (strstr (result->reason[RS_LANG_VI], "Trần Thị Bình") != NULL);
  ck_assert (strstr (result->reason[RS_LANG_VI], "bảo hiểm y tế") != NULL);
  ck_assert (strstr (result->reason[RS_LANG_EN], "health-insurance") != NULL);
}
END_TEST

/* ---- classification ------------------------------------------------------------------------- */

#define THREE_DEPRIVED "telecom=no", "water_source=surface_water", "toilet=hanging"
#define TWO_DEPRIVED "telecom=no", "water_source=surface_water"
/* the same counts under 2027–2030, where telecom = no also fails internet access */
#define THREE_HOUSING "water_source=surface_water", "toilet=hanging", "floor_area=10"
#define TWO_HOUSING "water_source=surface_water", "toilet=hanging"

static const struct
{
  const char * const *edits;
  const char         *standard;
  RsClassification    classification;
  gint64              per_capita;
  gint64              line;
  guint               deprivations;
} class_cases[] = {
  { E ("income=1500000", THREE_DEPRIVED), NULL, RS_CLASSIFICATION_POOR, 1500000, 1500000, 3 },
  { E ("income=1500000", TWO_DEPRIVED), NULL, RS_CLASSIFICATION_NEAR_POOR, 1500000, 1500000, 2 },
  { E ("income=1500001", THREE_DEPRIVED), NULL, RS_CLASSIFICATION_MIDDLE, 1500001, 1500000, 3 },
  { E ("income=2250000"), NULL, RS_CLASSIFICATION_MIDDLE, 2250000, 1500000, 0 },
  { E ("income=2250001"), NULL, RS_CLASSIFICATION_NOT_POOR, 2250001, 1500000, 0 },
  { E ("area=urban", "income=2000000", THREE_DEPRIVED), NULL, RS_CLASSIFICATION_POOR, 2000000, 2000000, 3 },
  { E ("area=urban", "income=1500000", TWO_DEPRIVED), NULL, RS_CLASSIFICATION_NEAR_POOR, 1500000, 2000000, 2 },
  { E ("area=urban", "income=2000001"), NULL, RS_CLASSIFICATION_MIDDLE, 2000001, 2000000, 0 },
  { E ("area=urban", "income=3000000"), NULL, RS_CLASSIFICATION_MIDDLE, 3000000, 2000000, 0 },
  { E ("area=urban", "income=3000001"), NULL, RS_CLASSIFICATION_NOT_POOR, 3000001, 2000000, 0 },
  /* rounding down to whole VND: 36,000,023 / 2 / 12 = 1,500,000.96 */
  { E ("wages=36000023", THREE_DEPRIVED), NULL, RS_CLASSIFICATION_POOR, 1500000, 1500000, 3 },
  /* a loss in farming */
  { E ("wages=0", "agriculture=-1000", THREE_DEPRIVED), NULL, RS_CLASSIFICATION_POOR, -42, 1500000, 3 },
  /* 2027–2030 (provisional): new lines, middle band unset */
  { E (Y2027, "income=2200000", THREE_HOUSING), NULL, RS_CLASSIFICATION_POOR, 2200000, 2200000, 3 },
  { E (Y2027, "income=2200000", TWO_HOUSING), NULL, RS_CLASSIFICATION_NEAR_POOR, 2200000, 2200000, 2 },
  { E (Y2027, "income=2200001"), NULL, RS_CLASSIFICATION_NOT_POOR, 2200001, 2200000, 0 },
  { E (Y2027, "area=urban", "income=2800000", THREE_HOUSING), NULL, RS_CLASSIFICATION_POOR, 2800000, 2800000, 3 },
  /* previewing the new standard on a 2026 review */
  { E ("income=1800000", THREE_HOUSING), "vn-2027-2030", RS_CLASSIFICATION_POOR, 1800000, 2200000, 3 },
  { E ("income=1800000", THREE_HOUSING), "vn-2022-2025@1", RS_CLASSIFICATION_MIDDLE, 1800000, 1500000, 3 },
};

START_TEST (test_classification)
{
  g_autoptr(RsScore) score = score_edits (class_cases[_i].edits, class_cases[_i].standard);

  ck_assert_int_eq (score->classification, class_cases[_i].classification);
  ck_assert (score->income_known);
  ck_assert_int_eq (score->per_capita_monthly, class_cases[_i].per_capita);
  ck_assert_int_eq (score->line, class_cases[_i].line);
  ck_assert_uint_eq (score->deprivation_count, class_cases[_i].deprivations);
  ck_assert_uint_eq (score->b2_points, 10 * class_cases[_i].deprivations);
  ck_assert (score->below_line == (class_cases[_i].per_capita <= class_cases[_i].line));
}
END_TEST

START_TEST (test_provisional_says_so)
{
  g_autoptr(RsScore) official = score_edits (E ("income=1000000"), NULL);
  g_autoptr(RsScore) preview = score_edits (E ("income=1000000"), "vn-2027-2030");
  g_autofree char *json = rs_score_to_json (preview, RS_LANG_VI);

  ck_assert_int_eq (official->status, RS_STANDARD_STATUS_OFFICIAL);
  ck_assert_int_eq (preview->status, RS_STANDARD_STATUS_PROVISIONAL);
  ck_assert (strstr (json, "\"status\":\"provisional\"") != NULL);
  ck_assert_uint_eq (preview->indicators->len, 14);
  ck_assert (!find_indicator (preview, "digital_services")->assessed);
  ck_assert (find_indicator (preview, "information_devices") == NULL);
}
END_TEST

START_TEST (test_income_not_answered)
{
  g_autoptr(RsScore) score = score_edits (E ("wages=", THREE_DEPRIVED), NULL);
  g_autofree char *json = rs_score_to_json (score, RS_LANG_VI);

  ck_assert (!score->income_known);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_UNKNOWN);
  ck_assert_uint_eq (score->deprivation_count, 3);
  ck_assert (strstr (json, "\"classification\":null") != NULL);
  ck_assert (strstr (json, "\"per_capita_monthly\":null") != NULL);
}
END_TEST

static const struct
{
  gboolean         screened_out, income_known, below_line;
  guint            deprivations;
  gboolean         middle_known, at_or_below_middle;
  RsClassification expected;
} classify_cases[] = {
  { TRUE, TRUE, TRUE, 5, TRUE, TRUE, RS_CLASSIFICATION_SCREENED_OUT },
  { FALSE, FALSE, TRUE, 5, TRUE, TRUE, RS_CLASSIFICATION_UNKNOWN },
  { FALSE, TRUE, TRUE, 3, TRUE, TRUE, RS_CLASSIFICATION_POOR },
  { FALSE, TRUE, TRUE, 12, TRUE, TRUE, RS_CLASSIFICATION_POOR },
  { FALSE, TRUE, TRUE, 2, TRUE, TRUE, RS_CLASSIFICATION_NEAR_POOR },
  { FALSE, TRUE, TRUE, 0, TRUE, TRUE, RS_CLASSIFICATION_NEAR_POOR },
  { FALSE, TRUE, FALSE, 12, TRUE, TRUE, RS_CLASSIFICATION_MIDDLE },
  { FALSE, TRUE, FALSE, 12, TRUE, FALSE, RS_CLASSIFICATION_NOT_POOR },
  { FALSE, TRUE, FALSE, 0, FALSE, TRUE, RS_CLASSIFICATION_NOT_POOR },
};

START_TEST (test_classify_table)
{
  ck_assert_int_eq (rs_score_classify (classify_cases[_i].screened_out,
                                       classify_cases[_i].income_known,
                                       classify_cases[_i].below_line,
                                       classify_cases[_i].deprivations, 3,
                                       classify_cases[_i].middle_known,
                                       classify_cases[_i].at_or_below_middle),
                    classify_cases[_i].expected);
}
END_TEST

/* ---- screening, sub-groups, transitions ----------------------------------------------------- */

START_TEST (test_screening)
{
  g_autoptr(RsScore) out = score_edits (E ("signs=car", "continue=no", "income=1000000",
                                           THREE_DEPRIVED), NULL);
  g_autoptr(RsScore) two = score_edits (E ("signs=car pension", "continue=", "income=1000000"),
                                        NULL);
  g_autoptr(RsScore) continued = score_edits (E ("signs=car", "continue=yes", "income=1000000",
                                                 THREE_DEPRIVED), NULL);
  g_autoptr(RsScore) stale = score_edits (E ("signs=none", "continue=no", "income=1000000"), NULL);

  ck_assert (out->screened_out);
  ck_assert_int_eq (out->classification, RS_CLASSIFICATION_SCREENED_OUT);
  ck_assert_uint_eq (out->screening_signs->len, 1);
  ck_assert_str_eq (g_ptr_array_index (out->screening_signs, 0), "car");
  ck_assert_uint_eq (out->deprivation_count, 0);
  ck_assert (!out->has_way_out);
  ck_assert_int_eq (out->transition, RS_TRANSITION_NONE);

  ck_assert (two->screened_out);
  ck_assert_uint_eq (two->screening_signs->len, 2);
  ck_assert_str_eq (g_ptr_array_index (two->screening_signs, 0), "pension");
  ck_assert_str_eq (g_ptr_array_index (two->screening_signs, 1), "car");

  ck_assert (!continued->screened_out);
  ck_assert_uint_eq (continued->screening_signs->len, 1);
  ck_assert_int_eq (continued->classification, RS_CLASSIFICATION_POOR);

  /* "continue" is not relevant without a sign: its stale answer is ignored */
  ck_assert (!stale->screened_out);
  ck_assert_int_eq (stale->classification, RS_CLASSIFICATION_NEAR_POOR);
}
END_TEST

START_TEST (test_subgroups)
{
  g_autoptr(RsScore) plain = score_edits (E ("income=1000000"), NULL);
  g_autoptr(RsScore) elderly = score_edits (E ("m1.birth_date=1950-01-01",
                                               "m2.birth_date=1952-01-01", "income=1000000"),
                                            NULL);
  g_autoptr(RsScore) unable = score_edits (E ("m1.work_status=unable_to_work",
                                              "m2.disability=severe", "income=1000000"), NULL);
  g_autoptr(RsScore) minority = score_edits (E ("m1.ethnicity=08", "m2.merit_person=yes"), NULL);
  g_autoptr(RsScore) spouse_minority = score_edits (E ("m2.ethnicity=03"), NULL);

  ck_assert (!plain->no_labour_capacity && !plain->ethnic_minority && !plain->merit);
  ck_assert (elderly->no_labour_capacity);
  ck_assert (unable->no_labour_capacity);
  ck_assert (minority->ethnic_minority && minority->merit);
  ck_assert (!spouse_minority->ethnic_minority);
}
END_TEST

static const struct
{
  const char      *previous;
  RsClassification now;
  RsTransition     expected;
} transition_cases[] = {
  { "none", RS_CLASSIFICATION_POOR, RS_TRANSITION_NEW_POOR },
  { "none", RS_CLASSIFICATION_NEAR_POOR, RS_TRANSITION_NEW_NEAR_POOR },
  { "none", RS_CLASSIFICATION_MIDDLE, RS_TRANSITION_NONE },
  { "poor", RS_CLASSIFICATION_POOR, RS_TRANSITION_STAYED_POOR },
  { "poor", RS_CLASSIFICATION_NEAR_POOR, RS_TRANSITION_POOR_TO_NEAR_POOR },
  { "poor", RS_CLASSIFICATION_MIDDLE, RS_TRANSITION_ESCAPED_POOR },
  { "poor", RS_CLASSIFICATION_NOT_POOR, RS_TRANSITION_ESCAPED_POOR },
  { "poor", RS_CLASSIFICATION_SCREENED_OUT, RS_TRANSITION_ESCAPED_POOR },
  { "near_poor", RS_CLASSIFICATION_POOR, RS_TRANSITION_NEAR_POOR_TO_POOR },
  { "near_poor", RS_CLASSIFICATION_NEAR_POOR, RS_TRANSITION_STAYED_NEAR_POOR },
  { "near_poor", RS_CLASSIFICATION_NOT_POOR, RS_TRANSITION_ESCAPED_NEAR_POOR },
  { "escaped_poor", RS_CLASSIFICATION_POOR, RS_TRANSITION_RE_POOR },
  { "escaped_poor", RS_CLASSIFICATION_NEAR_POOR, RS_TRANSITION_NEW_NEAR_POOR },
  { "escaped_poor", RS_CLASSIFICATION_MIDDLE, RS_TRANSITION_NONE },
  { "escaped_near_poor", RS_CLASSIFICATION_POOR, RS_TRANSITION_NEW_POOR },
  { "escaped_near_poor", RS_CLASSIFICATION_NEAR_POOR, RS_TRANSITION_RE_NEAR_POOR },
  { "escaped_near_poor", RS_CLASSIFICATION_SCREENED_OUT, RS_TRANSITION_NONE },
  { "none", RS_CLASSIFICATION_UNKNOWN, RS_TRANSITION_UNKNOWN },
  { "", RS_CLASSIFICATION_POOR, RS_TRANSITION_UNKNOWN },
};

START_TEST (test_transition_table)
{
  RsTransition transition = rs_score_transition (transition_cases[_i].previous,
                                                 transition_cases[_i].now);

  ck_assert_int_eq (transition, transition_cases[_i].expected);
  ck_assert (*rs_transition_get_label (transition, RS_LANG_VI) != '\0');
  ck_assert (*rs_transition_get_label (transition, RS_LANG_EN) != '\0');
}
END_TEST

static const struct
{
  const char *previous;
  const char *income;
  const char *transition;
} household_transitions[] = {
  { "previous_status=none", "income=1000000", "new_poor" },
  { "previous_status=poor", "income=1000000", "stayed_poor" },
  { "previous_status=poor", "income=5000000", "escaped_poor" },
  { "previous_status=near_poor", "income=1000000", "near_poor_to_poor" },
  { "previous_status=escaped_poor", "income=1000000", "re_poor" },
  { "previous_status=escaped_near_poor", "income=1000000", "new_poor" },
};

START_TEST (test_household_transitions)
{
  g_autoptr(RsScore) score = score_edits (E (household_transitions[_i].previous,
                                             household_transitions[_i].income, THREE_DEPRIVED),
                                          NULL);

  ck_assert_str_eq (rs_transition_to_string (score->transition),
                    household_transitions[_i].transition);
}
END_TEST

/* ---- the way out ---------------------------------------------------------------------------- */

START_TEST (test_way_out_poor)
{
  /* four deprivations: telecom (600,000), water (1,500,000), sanitation (5,000,000),
   * health insurance for two members (2 × 1,263,600): the cheapest two lift it to near-poor */
  g_autoptr(RsScore) score = score_edits (E ("income=1000000", THREE_DEPRIVED,
                                             "m1.health_insurance=no",
                                             "m2.health_insurance=no"), NULL);
  g_autofree char *json = rs_score_to_json (score, RS_LANG_VI);

  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_POOR);
  ck_assert_uint_eq (score->deprivation_count, 4);
  ck_assert (score->has_way_out && score->lifts_to_near_poor);
  ck_assert_uint_eq (score->to_near_poor->len, 2);
  ck_assert_str_eq (g_ptr_array_index (score->to_near_poor, 0), "water");
  ck_assert_str_eq (g_ptr_array_index (score->to_near_poor, 1), "telecom");
  ck_assert_int_eq (score->way_out_cost_vnd, 2100000);
  ck_assert_int_eq (score->income_gap_monthly, 500001);
  ck_assert (strstr (json, "\"to_near_poor\":[\"water\",\"telecom\"]") != NULL);
}
END_TEST

START_TEST (test_way_out_housing_and_people)
{
  /* no dwelling: the new house (not the repair) applies; health insurance counts members */
  g_autoptr(RsScore) score = score_edits (E ("income=1000000", "tenure=none",
                                             "m1.health_insurance=no",
                                             "m2.health_insurance=no",
                                             "m3=child:2010-01-01", "m3.health_insurance=no"),
                                          NULL);
  gboolean saw_house = FALSE, saw_card = FALSE;

  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_POOR);
  ck_assert_uint_eq (score->deprivation_count, 3);
  ck_assert_uint_eq (score->to_near_poor->len, 1);
  ck_assert_str_eq (g_ptr_array_index (score->to_near_poor, 0), "health_insurance");
  for (guint i = 0; i < score->support->len; i++)
    {
      RsSupportNeed *need = g_ptr_array_index (score->support, i);

      saw_card |= g_str_equal (need->item, "health_insurance_card") && need->quantity == 3
                  && need->cost_vnd == 3 * 1263600;
      saw_house |= g_str_equal (need->item, "new_house");
    }
  ck_assert (saw_card);
  ck_assert (!saw_house);
}
END_TEST

START_TEST (test_way_out_near_poor_and_others)
{
  g_autoptr(RsScore) near = score_edits (E ("income=1200000", "toilet=hanging",
                                            "devices=none", "loudspeaker=no"), NULL);
  g_autoptr(RsScore) middle = score_edits (E ("income=1800000", THREE_DEPRIVED), NULL);
  g_autofree char *json = rs_score_to_json (middle, RS_LANG_VI);

  ck_assert_int_eq (near->classification, RS_CLASSIFICATION_NEAR_POOR);
  ck_assert (near->has_way_out);
  ck_assert_uint_eq (near->to_near_poor->len, 0);
  ck_assert_uint_eq (near->support->len, 2);
  ck_assert_int_eq (near->way_out_cost_vnd, 5000000 + 4000000);
  ck_assert_int_eq (near->income_gap_monthly, 300001);
  ck_assert (!middle->has_way_out);
  ck_assert (strstr (json, "\"way_out\":null") != NULL);
}
END_TEST

/* ---- properties ----------------------------------------------------------------------------- */

static int
poverty_rank (RsClassification classification)
{
  switch (classification)
    {
    case RS_CLASSIFICATION_POOR:
      return 0;
    case RS_CLASSIFICATION_NEAR_POOR:
      return 1;
    case RS_CLASSIFICATION_MIDDLE:
      return 2;
    default:
      return 3;
    }
}

START_TEST (test_adding_a_deprivation_never_helps)
{
  static const char * const incomes[] = {
    "income=900000", "income=1500000", "income=1500001", "income=2250000", "income=2250001",
  };
  static const char * const bases[][3] = {
    { "telecom=yes", NULL, NULL },
    { "telecom=no", NULL, NULL },
    { "telecom=no", "toilet=none", NULL },
    { "telecom=no", "toilet=none", "water_source=other" },
  };
  static const char * const deprivations[][3] = {
    { "m1.work_status=unemployed", NULL, NULL },
    { "m2=child:2015-01-01", "m3=child:2016-01-01", NULL },
    { "m3=child:2015-01-01", "m3.malnourished=yes", NULL },
    { "m2.health_insurance=no", NULL, NULL },
    { "m3=adult:male:2000-01-01", "m3.in_school=no", "m3.training_certificate=no" },
    { "m3=child:2015-01-01", "m3.in_school=no", NULL },
    { "walls_durable=no", "roof_durable=no", NULL },
    { "floor_area=10", NULL, NULL },
    { "water_source=surface_water", NULL, NULL },
    { "toilet=hanging", NULL, NULL },
    { "telecom=no", NULL, NULL },
    { "devices=none", "loudspeaker=no", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (incomes); i++)
    for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
      {
        const char *base_edits[] = { incomes[i], bases[b][0], bases[b][1], bases[b][2], NULL };
        g_autoptr(RsScore) base = score_edits (base_edits, NULL);

        for (guint d = 0; d < G_N_ELEMENTS (deprivations); d++)
          {
            const char *edits[10] = { NULL };
            g_autoptr(RsScore) worse = NULL;
            guint n = 0;

            for (guint k = 0; k < 4 && base_edits[k] != NULL; k++)
              edits[n++] = base_edits[k];
            for (guint k = 0; k < 3 && deprivations[d][k] != NULL; k++)
              edits[n++] = deprivations[d][k];
            if (g_str_has_prefix (deprivations[d][0], "m3"))
              {
                /* a new member shares the income: keep per-capita income as it was */
                edits[n++] = incomes[i];
              }
            worse = score_edits (edits, NULL);
            ck_assert_uint_ge (worse->deprivation_count, base->deprivation_count);
            ck_assert_msg (poverty_rank (worse->classification)
                           <= poverty_rank (base->classification),
                           "income %s, base %u, deprivation %u: %s became %s", incomes[i], b, d,
                           rs_classification_to_string (base->classification),
                           rs_classification_to_string (worse->classification));
          }
      }
}
END_TEST

START_TEST (test_rescoring_gives_the_same_result)
{
  const char * const *households[] = {
    E ("income=1000000", THREE_DEPRIVED, "m1.health_insurance=no"),
    E ("income=1200000", "toilet=hanging"),
    E ("signs=car", "continue=no"),
    E (Y2027, "income=2000000", "m3=child:2015-01-01", "m3.in_school=no"),
    E ("income=5000000"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (households); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RsScore) first = score_edits (households[i], NULL);
      g_autoptr(RsScore) again = NULL;
      g_autoptr(RsScore) third = NULL;
      GStringChunk *chunk = g_string_chunk_new (256);
      g_autofree char *xml = NULL;
      xmlChar *saved = NULL;
      int saved_length = 0;
      xmlDocPtr doc;
      RsTestHousehold h;

      rs_test_household_init (&h);
      apply_edits (&h, households[i], chunk);
      xml = rs_test_household_to_xml (&h);
      g_string_chunk_free (chunk);
      doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NOBLANKS);
      again = rs_scorer_score_doc (scorer, doc, NULL, &error);
      ck_assert_msg (again != NULL, "%s", error ? error->message : "");
      rs_score_write_result (again, doc);
      xmlDocDumpMemory (doc, &saved, &saved_length);
      xmlFreeDoc (doc);
      third = rs_scorer_score_xml (scorer, (const char *) saved, saved_length, NULL, &error);
      xmlFree (saved);
      ck_assert_msg (third != NULL, "%s", error ? error->message : "");
      ck_assert (rs_score_equal (first, again));
      ck_assert (rs_score_equal (first, third));
    }
}
END_TEST

/* ---- records of any shape ------------------------------------------------------------------- */

/* Ways a record can differ from what rasoat writes: what another tool, an old version or a
 * hand-edited file may hold.  Applied one at a time to every household below. */
static const struct
{
  const char *pattern;
  const char *replacement;
} reshapes[] = {
  { NULL, NULL },                                                   /* as written */
  { "<housing>", "<housing><unknown>1</unknown>" },                 /* an element the form lacks */
  { "<water_sanitation>.*?</water_sanitation>", "" },               /* a group left out */
  { "<water_sanitation/>|<water_sanitation></water_sanitation>", "" },
  { "<telecom>", "<!-- ghi chú --><telecom>" },                     /* a comment */
  { "<toilet>([^<]*)</toilet>", "<toilet><![CDATA[\\1]]></toilet>" },
  { "(<housing>.*?</housing>)\\s*(<water_sanitation>.*?</water_sanitation>)", "\\2\\1" },
  { "<sex>", "<sex><b>x</b>" },                                     /* markup inside an answer */
  { "<malnourished>[^<]*</malnourished>|<malnourished/>", "" },     /* a question left out */
  { "</member>", "</member>\n      " },                              /* indentation */
  { "(<floor_area>[^<]*</floor_area>)", "\\1\\1" },                 /* an answer twice */
  { "<household ", "<household xmlns=\"http://www.w3.org/2002/xforms\" " },
  { "<member>.*?</member>", "" },                                   /* nobody listed */
  { "(<members>.*?</members>)", "\\1\\1" },                         /* the roster twice */
};

static char *
household_of_many (guint n_members)
{
  static char births[RS_TEST_MAX_MEMBERS][16];
  RsTestHousehold h;

  rs_test_household_init (&h);
  h.n_members = n_members;
  for (guint i = 0; i < n_members; i++)
    {
      g_snprintf (births[i], sizeof births[i], "%04u-0%u-1%u", 1940 + i * 3, 1 + i % 9, i % 10);
      h.members[i] = i % 3 == 2 ? rs_test_child ("Con", births[i])
                                : rs_test_adult ("Người lớn", i % 2 ? "female" : "male",
                                                 births[i], i == 0 ? "head" : "other");
      h.members[i].health_insurance = i % 4 == 1 ? "no" : "yes";
      h.members[i].work_status = i % 5 == 3 ? "unemployed" : h.members[i].work_status;
    }
  h.toilet = "hanging";
  rs_test_household_set_income (&h, 900000);
  return rs_test_household_to_xml (&h);
}

/* The scorer reads record after record into one session, and takes a record already in the
 * form's shape as it is parsed.  Whatever the shape, and whatever came before, the result must
 * be the one a session that opens the record on a blank one gives. */
START_TEST (test_record_shapes_score_alike)
{
  const char * const *edited[] = {
    E ("income=1000000", THREE_DEPRIVED, "m1.health_insurance=no"),
    E ("signs=car", "continue=no"),
    E (Y2027, "income=2000000", "m3=child:2015-01-01", "m3.in_school=no"),
  };
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_free);
  static const char * const golden[] = {
    "poor-rural-4.xml", "near-poor-urban.xml", "screened-out-car.xml", "sign-continued.xml",
  };
  guint compared = 0;

  for (guint i = 0; i < G_N_ELEMENTS (golden); i++)
    {
      g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                                golden[i], NULL);
      char *xml = NULL;

      ck_assert (g_file_get_contents (path, &xml, NULL, NULL));
      g_ptr_array_add (records, xml);
      if (i == 1)
        g_ptr_array_add (records, household_of_many (30));
    }
  for (guint i = 0; i < G_N_ELEMENTS (edited); i++)
    {
      GStringChunk *chunk = g_string_chunk_new (256);
      RsTestHousehold h;

      rs_test_household_init (&h);
      apply_edits (&h, edited[i], chunk);
      g_ptr_array_add (records, rs_test_household_to_xml (&h));
      g_string_chunk_free (chunk);
    }
  g_ptr_array_add (records, household_of_many (1));

  for (guint r = 0; r < records->len; r++)
    for (guint k = 0; k < G_N_ELEMENTS (reshapes); k++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;
        g_autoptr(RsFormSession) session = NULL;
        g_autoptr(RsScore) read = NULL;
        g_autoptr(RsScore) opened = NULL;
        g_autofree char *read_json = NULL;
        g_autofree char *opened_json = NULL;

        if (reshapes[k].pattern == NULL)
          xml = g_strdup (g_ptr_array_index (records, r));
        else
          {
            g_autoptr(GRegex) regex = g_regex_new (reshapes[k].pattern, G_REGEX_DOTALL, 0, NULL);

            ck_assert (regex != NULL);
            xml = g_regex_replace (regex, g_ptr_array_index (records, r), -1, 0,
                                   reshapes[k].replacement, 0, NULL);
            if (g_str_equal (xml, g_ptr_array_index (records, r)))
              continue;
          }
        read = rs_scorer_score_xml (scorer, xml, -1, NULL, &error);
        ck_assert_msg (read != NULL, "record %u, shape %u: %s", r, k, error->message);
        session = _rs_form_session_new_values_only (rs_scorer_get_form (scorer), NULL, xml, -1,
                                                    &error);
        ck_assert_msg (session != NULL, "record %u, shape %u: %s", r, k, error->message);
        opened = rs_scorer_score_session (scorer, session, NULL, &error);
        ck_assert_msg (opened != NULL, "record %u, shape %u: %s", r, k, error->message);
        read_json = rs_score_to_json (read, RS_LANG_VI);
        opened_json = rs_score_to_json (opened, RS_LANG_VI);
        ck_assert_msg (rs_score_equal (read, opened) && g_str_equal (read_json, opened_json),
                       "record %u, shape %u:\n%s\n%s", r, k, read_json, opened_json);
        compared++;

        /* A record that cannot be read leaves the scorer ready for the next one. */
        if (k == 1)
          {
            g_autoptr(GError) bad_error = NULL;

            ck_assert (rs_scorer_score_xml (scorer, "<household><admin>", -1, NULL,
                                            &bad_error) == NULL);
            ck_assert (bad_error != NULL);
          }
      }
  ck_assert_uint_ge (compared, records->len * (G_N_ELEMENTS (reshapes) - 2));
}
END_TEST

START_TEST (test_write_result)
{
  g_autoptr(RsScore) score = score_edits (E ("income=1000000", THREE_DEPRIVED), NULL);
  g_autofree char *xml = NULL;
  RsTestHousehold h;
  xmlDocPtr doc;
  xmlChar *text;

  rs_test_household_init (&h);
  xml = rs_test_household_to_xml (&h);
  doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NOBLANKS);
  rs_score_write_result (score, doc);
  {
    xmlXPathContextPtr ctx = xmlXPathNewContext (doc);
    xmlXPathObjectPtr r = xmlXPathEvalExpression (
      (const xmlChar *) "concat(/household/result/standard, '|', /household/result/classification,"
                        " '|', /household/result/deprivation_count, '|', /household/result/deprived,"
                        " '|', /household/result/b2_points)", ctx);

    text = xmlXPathCastToString (r);
    ck_assert_str_eq ((const char *) text, "vn-2022-2025@1|poor|3|water sanitation telecom|30");
    xmlFree (text);
    xmlXPathFreeObject (r);
    xmlXPathFreeContext (ctx);
  }
  xmlFreeDoc (doc);
}
END_TEST

/* ---- records as they arrive ----------------------------------------------------------------- */

START_TEST (test_golden_file_recomputes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                            "poor-rural-4.xml", NULL);
  g_autoptr(RsScore) score = rs_scorer_score_file (scorer, path, NULL, &error);
  const RsIndicatorResult *insurance;
  g_autofree char *members = NULL;

  ck_assert_msg (score != NULL, "%s", error ? error->message : "");
  /* the file claims per_capita_monthly 9999999 and age 99: both are recomputed */
  ck_assert_int_eq (score->per_capita_monthly, 1250000);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_POOR);
  ck_assert_uint_eq (score->deprivation_count, 5);
  ck_assert_str_eq (score->instance_id, "uuid:3f1c2b7e-8a44-4d1e-9a0b-2c6f1d7e9a01");
  ck_assert (score->ethnic_minority);
  insurance = find_indicator (score, "health_insurance");
  members = members_string (insurance);
  ck_assert_str_eq (members, "2,3");
}
END_TEST

/* Every record under tests/data/households/ scores to the JSON beside it (the reviewed result). */
START_TEST (test_golden_households)
{
  g_autofree char *dir = g_build_filename (rs_test_srcdir (), "tests", "data", "households", NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;
  guint checked = 0;

  ck_assert (handle != NULL);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *expected_path = NULL;
      g_autofree char *stem = NULL;
      g_autoptr(RsScore) score = NULL;
      g_autoptr(JsonNode) actual = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      path = g_build_filename (dir, name, NULL);
      stem = g_strndup (name, strlen (name) - 4);
      expected_path = g_strdup_printf ("%s/%s.json", dir, stem);
      score = rs_scorer_score_file (scorer, path, NULL, &error);
      ck_assert_msg (score != NULL, "%s: %s", name, error ? error->message : "");
      ck_assert_msg (json_parser_load_from_file (parser, expected_path, &error), "%s: %s",
                     expected_path, error ? error->message : "");
      actual = rs_score_to_json_node (score, RS_LANG_VI);
      if (!json_node_equal (actual, json_parser_get_root (parser)))
        {
          g_autofree char *text = rs_score_to_json (score, RS_LANG_VI);

          ck_abort_msg ("%s scores differently now: %s", name, text);
        }
      checked++;
    }
  ck_assert_uint_ge (checked, 6);
}
END_TEST

START_TEST (test_wrong_form_and_bad_xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsScore) other = rs_scorer_score_xml (
    scorer, "<data id=\"other_form\"><x/></data>", -1, NULL, &error);
  g_autoptr(GError) error2 = NULL;
  g_autoptr(RsScore) broken = rs_scorer_score_xml (scorer, "<household", -1, NULL, &error2);
  g_autoptr(GError) error3 = NULL;
  g_autoptr(RsScore) unknown = NULL;
  g_autoptr(GError) error4 = NULL;
  g_autoptr(RsScore) undated = NULL;

  ck_assert (other == NULL);
  ck_assert (g_error_matches (error, RS_SCORE_ERROR, RS_SCORE_ERROR_WRONG_FORM));
  ck_assert (broken == NULL);
  ck_assert (g_error_matches (error2, RS_SCORE_ERROR, RS_SCORE_ERROR_READ));
  {
    RsTestHousehold h;
    g_autofree char *xml = NULL;

    rs_test_household_init (&h);
    xml = rs_test_household_to_xml (&h);
    unknown = rs_scorer_score_xml (scorer, xml, -1, "vn-1999", &error3);
    ck_assert (unknown == NULL);
    ck_assert (g_error_matches (error3, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND));
    h.review_date = "2019-05-01";
    g_free (xml);
    xml = rs_test_household_to_xml (&h);
    undated = rs_scorer_score_xml (scorer, xml, -1, NULL, &error4);
    ck_assert (undated == NULL);
    ck_assert (g_error_matches (error4, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND));
  }
}
END_TEST

/* Damaged records (cut anywhere, or odd values) give a score or an error, never a crash. */
START_TEST (test_damaged_records)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                            "poor-rural-4.xml", NULL);
  g_autofree char *xml = NULL;
  gsize length;
  static const char * const odd[][2] = {
    { "<review_date>2026-11-23</review_date>", "<review_date>23/11/2026</review_date>" },
    { "<birth_date>1980-03-02</birth_date>", "<birth_date>not a date</birth_date>" },
    { "<floor_area>40</floor_area>", "<floor_area>-1e309</floor_area>" },
    { "<agriculture>48000000</agriculture>", "<agriculture>999999999999999999999</agriculture>" },
    { "<area>rural</area>", "<area>suburban</area>" },
    { "<members>", "<members><member/><member><member/></member>" },
  };

  ck_assert (g_file_get_contents (path, &xml, &length, NULL));
  for (gsize cut = 0; cut < length; cut += 41)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RsScore) score = rs_scorer_score_xml (scorer, xml, cut, NULL, &error);

      ck_assert ((score == NULL) != (error == NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) parts = g_strsplit (xml, odd[i][0], 2);
      g_autofree char *changed = NULL;
      g_autoptr(RsScore) score = NULL;

      ck_assert (parts[1] != NULL);
      changed = g_strjoin (odd[i][1], parts[0], parts[1], NULL);
      score = rs_scorer_score_xml (scorer, changed, -1, NULL, &error);
      ck_assert ((score == NULL) != (error == NULL));
      if (i == 0)
        ck_assert (g_error_matches (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND));
      if (i == 4)
        ck_assert_int_eq (score->classification, RS_CLASSIFICATION_UNKNOWN);
    }
}
END_TEST

/* A record whose declared encoding does not match its bytes is refused in scoring's own words,
 * and libxml2 prints nothing of its own: a district server fed such records keeps a clean log. */
START_TEST (test_wrong_encoding_is_quiet)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                            "poor-rural-4.xml", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(GError) error = NULL;
  RsScore *score;
  int log_fd, saved_stderr;

  ck_assert (g_file_get_contents (path, &xml, NULL, NULL));
  {
    g_auto(GStrv) parts = g_strsplit (xml, "encoding=\"UTF-8\"", 2);

    ck_assert (parts[1] != NULL);
    changed = g_strjoin ("encoding=\"EUC-JP\"", parts[0], parts[1], NULL);
  }
  log_fd = g_file_open_tmp ("rasoat-stderr-XXXXXX", &log_path, NULL);
  ck_assert_int_ge (log_fd, 0);
  fflush (stderr);
  saved_stderr = dup (STDERR_FILENO);
  dup2 (log_fd, STDERR_FILENO);
  score = rs_scorer_score_xml (scorer, changed, -1, NULL, &error);
  fflush (stderr);
  dup2 (saved_stderr, STDERR_FILENO);
  close (saved_stderr);
  close (log_fd);
  ck_assert_ptr_null (score);
  ck_assert (g_error_matches (error, RS_SCORE_ERROR, RS_SCORE_ERROR_READ));
  ck_assert (g_file_get_contents (log_path, &printed, NULL, NULL));
  g_unlink (log_path);
  ck_assert_msg (printed[0] == '\0', "libxml2 printed: %s", printed);
}
END_TEST

START_TEST (test_json_shape)
{
  g_autoptr(RsScore) score = score_edits (E ("income=1250000", THREE_DEPRIVED,
                                             "m2.health_insurance=no"), NULL);
  g_autoptr(JsonNode) node = rs_score_to_json_node (score, RS_LANG_VI);
  JsonObject *o = json_node_get_object (node);
  JsonObject *income = json_object_get_object_member (o, "income");
  JsonArray *indicators = json_object_get_array_member (o, "indicators");
  JsonObject *way_out = json_object_get_object_member (o, "way_out");
  static const char * const members[] = {
    "standard", "status", "classification", "screened_out", "screening_signs", "income",
    "deprivation_count", "b2_points", "indicators", "subgroups", "transition", "way_out",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    ck_assert_msg (json_object_has_member (o, members[i]), "missing %s", members[i]);
  ck_assert_str_eq (json_object_get_string_member (o, "standard"), "vn-2022-2025@1");
  ck_assert_str_eq (json_object_get_string_member (o, "classification"), "poor");
  ck_assert_str_eq (json_object_get_string_member (income, "method"), "direct");
  ck_assert_int_eq (json_object_get_int_member (income, "per_capita_monthly"), 1250000);
  ck_assert_int_eq (json_object_get_int_member (income, "line"), 1500000);
  ck_assert (json_object_get_boolean_member (income, "below_line"));
  ck_assert_int_eq (json_object_get_int_member (o, "deprivation_count"), 4);
  ck_assert_int_eq (json_object_get_int_member (o, "b2_points"), 40);
  ck_assert_uint_eq (json_array_get_length (indicators), 12);
  ck_assert_str_eq (json_object_get_string_member (json_array_get_object_element (indicators, 3),
                                                   "id"), "health_insurance");
  ck_assert_int_eq (json_array_get_int_element (json_object_get_array_member (
                      json_array_get_object_element (indicators, 3), "members"), 0), 2);
  ck_assert_str_eq (json_object_get_string_member (o, "transition"), "new_poor");
  ck_assert_uint_eq (json_array_get_length (json_object_get_array_member (way_out,
                                                                          "to_near_poor")), 2);
  ck_assert (json_object_has_member (way_out, "support"));
  ck_assert (json_object_has_member (way_out, "cost_vnd"));
}
END_TEST

START_TEST (test_format_vnd)
{
  g_autofree char *a = rs_format_vnd (1500000);
  g_autofree char *b = rs_format_vnd (0);
  g_autofree char *c = rs_format_vnd (-42000);
  g_autofree char *d = rs_format_vnd (999);

  ck_assert_str_eq (a, "1.500.000 đ");
  ck_assert_str_eq (b, "0 đ");
  ck_assert_str_eq (c, "-42.000 đ");
  ck_assert_str_eq (d, "999 đ");
}
END_TEST


/* ---- live scoring in a form session --------------------------------------------------------- */

static void
answer (RsFormSession *session,
        const char    *path,
        const char    *value)
{
  g_autoptr(GError) error = NULL;

  ck_assert_msg (rs_form_session_set_value (session, path, value, &error), "%s: %s", path,
                 error ? error->message : "");
}

static void
answer_member (RsFormSession *session,
               guint          index,
               const char    *field,
               const char    *value)
{
  g_autofree char *path = g_strdup_printf ("/household/members/member[%u]/%s", index, field);

  answer (session, path, value);
}

START_TEST (test_live_session)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 23, 9, 30, 0);
  g_autoptr(RsFormSession) session = rs_form_session_new (rs_scorer_get_form (scorer), now);
  g_autofree char *classification = NULL;
  g_autofree char *deprived = NULL;
  g_autofree char *standard = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  const RsScore *score;
  guint index = 0;

  rs_score_attach_to_session (session, scorer, NULL);
  answer (session, "/household/admin/area", "rural");
  answer (session, "/household/admin/region", "northern_midlands_mountains");
  answer (session, "/household/admin/previous_status", "near_poor");
  answer (session, "/household/screening/signs", "none");
  ck_assert (rs_form_session_add_repeat (session, "/household/members/member", &index, &error));
  answer_member (session, index, "name", "Lò Văn Páo");
  answer_member (session, index, "sex", "male");
  answer_member (session, index, "birth_date", "1980-03-02");
  answer_member (session, index, "relation", "head");
  answer_member (session, index, "ethnicity", "08");
  answer_member (session, index, "health_insurance", "no");
  answer_member (session, index, "disability", "none");
  answer_member (session, index, "merit_person", "no");
  answer_member (session, index, "highest_completed", "primary");
  answer_member (session, index, "work_status", "employed");
  answer_member (session, index, "wage_employee", "no");
  answer (session, "/household/housing/tenure", "owned");
  answer (session, "/household/housing/walls_durable", "yes");
  answer (session, "/household/housing/frame_durable", "yes");
  answer (session, "/household/housing/roof_durable", "yes");
  answer (session, "/household/housing/floor_area", "30");
  answer (session, "/household/water_sanitation/water_source", "surface_water");
  answer (session, "/household/water_sanitation/toilet", "hanging");
  answer (session, "/household/information/telecom", "yes");
  answer (session, "/household/information/devices", "basic_phone");
  answer (session, "/household/information/loudspeaker", "yes");

  /* income not answered yet: deprivations are counted, no classification */
  score = rs_score_session_get_score (session);
  ck_assert (score != NULL);
  ck_assert_uint_eq (score->deprivation_count, 3);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_UNKNOWN);
  ck_assert (!rs_form_session_is_relevant (session, "/household/support"));

  answer (session, "/household/income/wages", "0");
  answer (session, "/household/income/agriculture", "12000000");
  answer (session, "/household/income/business", "0");
  answer (session, "/household/income/pensions_allowances", "0");
  answer (session, "/household/income/other", "0");

  score = rs_score_session_get_score (session);
  ck_assert_int_eq (score->per_capita_monthly, 1000000);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_POOR);
  ck_assert_int_eq (score->transition, RS_TRANSITION_NEAR_POOR_TO_POOR);
  classification = rs_form_session_get_value (session, "/household/result/classification");
  deprived = rs_form_session_get_value (session, "/household/result/deprived");
  standard = rs_form_session_get_value (session, "/household/result/standard");
  ck_assert_str_eq (classification, "poor");
  ck_assert_str_eq (deprived, "health_insurance water sanitation");
  ck_assert_str_eq (standard, "vn-2022-2025@1");
  ck_assert (rs_form_session_is_relevant (session, "/household/support"));
  json = rs_score_session_get_json (session, RS_LANG_VI);
  ck_assert (strstr (json, "\"classification\":\"poor\"") != NULL);

  /* the answer that lifts the household: support is no longer asked */
  answer_member (session, index, "health_insurance", "yes");
  answer (session, "/household/income/other", "15000000");
  score = rs_score_session_get_score (session);
  ck_assert_int_eq (score->classification, RS_CLASSIFICATION_MIDDLE);
  g_free (classification);
  classification = rs_form_session_get_value (session, "/household/result/classification");
  ck_assert_str_eq (classification, "middle");
  ck_assert (!rs_form_session_is_relevant (session, "/household/support"));

  /* the saved record scores the same away from the session */
  {
    gsize length = 0;
    g_autofree char *xml = rs_form_session_serialize (session, &length);
    g_autoptr(RsScore) again = rs_scorer_score_xml (scorer, xml, length, NULL, &error);

    ck_assert_msg (again != NULL, "%s", error ? error->message : "");
    ck_assert (rs_score_equal (again, rs_score_session_get_score (session)));
  }
}
END_TEST

START_TEST (test_live_screened_out)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 23, 9, 30, 0);
  g_autoptr(RsFormSession) session = rs_form_session_new (rs_scorer_get_form (scorer), now);
  g_autofree char *classification = NULL;

  rs_score_attach_to_session (session, scorer, NULL);
  answer (session, "/household/admin/area", "urban");
  answer (session, "/household/screening/signs", "car");
  answer (session, "/household/screening/continue", "no");
  classification = rs_form_session_get_value (session, "/household/result/classification");
  ck_assert_str_eq (classification, "screened_out");
  ck_assert (!rs_form_session_is_relevant (session, "/household/members"));
  ck_assert (!rs_form_session_is_relevant (session, "/household/support"));
}
END_TEST

START_TEST (test_live_reattach_and_old_records)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 23, 9, 30, 0);
  g_autoptr(RsFormSession) session = rs_form_session_new (rs_scorer_get_form (scorer), now);
  g_autoptr(GError) error = NULL;
  g_autofree char *standard = NULL;
  g_autoptr(RsScore) old = NULL;
  g_autofree char *xml = NULL;
  RsTestHousehold h;
  char *start, *end;

  /* previewing another standard replaces the first calculator */
  rs_score_attach_to_session (session, scorer, NULL);
  rs_score_attach_to_session (session, scorer, "vn-2027-2030");
  answer (session, "/household/admin/area", "rural");
  standard = rs_form_session_get_value (session, "/household/result/standard");
  ck_assert_str_eq (standard, "vn-2027-2030@1");
  ck_assert_int_eq (rs_score_session_get_score (session)->status, RS_STANDARD_STATUS_PROVISIONAL);

  /* a record without the information section (an older form version) still scores */
  rs_test_household_init (&h);
  xml = rs_test_household_to_xml (&h);
  start = strstr (xml, "<information>");
  end = strstr (xml, "</information>") + strlen ("</information>");
  memmove (start, end, strlen (end) + 1);
  old = rs_scorer_score_xml (scorer, xml, -1, NULL, &error);
  ck_assert_msg (old != NULL, "%s", error ? error->message : "");
  ck_assert (!find_indicator (old, "telecom")->deprived);
  ck_assert_int_eq (old->classification, RS_CLASSIFICATION_MIDDLE);
}
END_TEST

/* ---- the form's own rules (what the enumerator is told) ------------------------------------- */

static gboolean
constraint_ok (RsFormSession *session,
               const char    *path,
               const char    *value)
{
  g_autoptr(RsFormQuestion) question = NULL;

  answer (session, path, value);
  question = rs_form_session_get_question (session, path);
  ck_assert_msg (question != NULL, "no question %s", path);
  return question->constraint_ok;
}

START_TEST (test_form_rules)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 11, 23, 9, 30, 0);
  g_autoptr(RsFormSession) session = rs_form_session_new (rs_scorer_get_form (scorer), now);
  g_autoptr(RsFormQuestion) birth = NULL;
  g_autofree char *review = rs_form_session_get_value (session, "/household/admin/review_date");
  g_autofree char *age = NULL;
  guint first = 0, second = 0;

  ck_assert_str_eq (review, "2026-11-23");   /* defaults to today */
  ck_assert (constraint_ok (session, "/household/admin/commune_code", "25450"));
  ck_assert (!constraint_ok (session, "/household/admin/commune_code", "2545"));
  ck_assert (constraint_ok (session, "/household/head/phone", "0912345678"));
  ck_assert (!constraint_ok (session, "/household/head/phone", "912345678"));
  ck_assert (!constraint_ok (session, "/household/admin/review_date", "2026-11-24"));
  ck_assert (constraint_ok (session, "/household/admin/review_date", "2026-11-23"));
  ck_assert (!constraint_ok (session, "/household/screening/signs", "car none"));
  ck_assert (constraint_ok (session, "/household/screening/signs", "none"));

  ck_assert (rs_form_session_add_repeat (session, "/household/members/member", &first, NULL));
  ck_assert (rs_form_session_add_repeat (session, "/household/members/member", &second, NULL));
  ck_assert (!constraint_ok (session, "/household/members/member[1]/birth_date", "2026-11-24"));
  birth = rs_form_session_get_question (session, "/household/members/member[1]/birth_date");
  ck_assert (strstr (birth->constraint_message, "Ngày sinh không thể sau ngày rà soát") != NULL);
  ck_assert (!constraint_ok (session, "/household/members/member[1]/birth_date", "1899-12-31"));
  ck_assert (constraint_ok (session, "/household/members/member[1]/birth_date", "2010-11-23"));
  age = rs_form_session_get_value (session, "/household/members/member[1]/age");
  ck_assert_str_eq (age, "16");
  answer (session, "/household/members/member[1]/birth_date", "2010-11-24");
  g_free (age);
  age = rs_form_session_get_value (session, "/household/members/member[1]/age");
  ck_assert_str_eq (age, "15");
  ck_assert (rs_form_session_is_relevant (session, "/household/members/member[1]/malnourished"));
  ck_assert (rs_form_session_is_relevant (session, "/household/members/member[1]/work_status"));
  ck_assert (!rs_form_session_is_relevant (session,
                                           "/household/members/member[1]/training_certificate"));

  ck_assert (constraint_ok (session, "/household/members/member[1]/relation", "head"));
  ck_assert (!constraint_ok (session, "/household/members/member[2]/relation", "head"));
  ck_assert (constraint_ok (session, "/household/members/member[2]/relation", "spouse"));
  ck_assert (!constraint_ok (session, "/household/housing/floor_area", "0"));
  ck_assert (constraint_ok (session, "/household/housing/floor_area", "35.5"));
  ck_assert (!constraint_ok (session, "/household/information/devices", "tv none"));
  ck_assert (!constraint_ok (session, "/household/income/wages", "-1"));
  ck_assert (constraint_ok (session, "/household/income/agriculture", "-5000000"));

  /* per-capita income: (sum) ÷ members ÷ 12, rounded down */
  answer (session, "/household/income/wages", "10000001");
  answer (session, "/household/income/agriculture", "0");
  answer (session, "/household/income/business", "0");
  answer (session, "/household/income/pensions_allowances", "0");
  answer (session, "/household/income/other", "0");
  g_free (age);
  age = rs_form_session_get_value (session, "/household/income/per_capita_monthly");
  ck_assert_str_eq (age, "416666");
}
END_TEST

static Suite *
score_suite (void)
{
  Suite *suite = suite_create ("score");
  TCase *tc = tcase_create ("indicators");
  TCase *rules = tcase_create ("rules");
  TCase *props = tcase_create ("properties");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_indicator_boundaries, 0, G_N_ELEMENTS (indicator_cases));
  tcase_add_test (tc, test_clean_household);
  tcase_add_test (tc, test_reason_names_members);
  tcase_add_loop_test (tc, test_classification, 0, G_N_ELEMENTS (class_cases));
  tcase_add_test (tc, test_provisional_says_so);
  tcase_add_test (tc, test_income_not_answered);
  tcase_add_test (tc, test_screening);
  tcase_add_test (tc, test_subgroups);
  tcase_add_loop_test (tc, test_household_transitions, 0, G_N_ELEMENTS (household_transitions));
  tcase_add_test (tc, test_way_out_poor);
  tcase_add_test (tc, test_way_out_housing_and_people);
  tcase_add_test (tc, test_way_out_near_poor_and_others);
  tcase_add_test (tc, test_write_result);
  tcase_add_test (tc, test_golden_file_recomputes);
  tcase_add_test (tc, test_golden_households);
  tcase_add_test (tc, test_wrong_form_and_bad_xml);
  tcase_add_test (tc, test_json_shape);
  tcase_add_test (tc, test_damaged_records);
  tcase_add_test (tc, test_wrong_encoding_is_quiet);
  tcase_add_test (tc, test_live_session);
  tcase_add_test (tc, test_live_screened_out);
  tcase_add_test (tc, test_form_rules);
  tcase_add_test (tc, test_live_reattach_and_old_records);
  suite_add_tcase (suite, tc);

  tcase_add_loop_test (rules, test_classify_table, 0, G_N_ELEMENTS (classify_cases));
  tcase_add_loop_test (rules, test_transition_table, 0, G_N_ELEMENTS (transition_cases));
  tcase_add_test (rules, test_format_vnd);
  suite_add_tcase (suite, rules);

  tcase_add_checked_fixture (props, setup, teardown);
  tcase_add_test (props, test_adding_a_deprivation_never_helps);
  tcase_add_test (props, test_rescoring_gives_the_same_result);
  tcase_add_test (props, test_record_shapes_score_alike);
  suite_add_tcase (suite, props);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (score_suite ());
}
