/* rs-test-household.h: builds household review records in code, for scoring tests and benchmarks.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <string.h>

#define RS_TEST_MAX_MEMBERS 30
/* An income amount that leaves the element empty (not answered). */
#define RS_TEST_NO_ANSWER G_MININT64

/* Every field is the stored text of the element; NULL or "" leaves it empty. */
typedef struct
{
  const char *name;
  const char *sex;
  const char *birth_date;
  const char *relation;
  const char *ethnicity;
  const char *health_insurance;
  const char *disability;
  const char *merit_person;
  const char *in_school;
  const char *school_level;
  const char *highest_completed;
  const char *training_certificate;
  const char *work_status;
  const char *wage_employee;
  const char *labour_contract;
  const char *malnourished;
} RsTestMember;

typedef struct
{
  const char  *area;
  const char  *region;
  const char  *review_date;
  const char  *previous_status;
  const char  *signs;
  const char  *continue_review;
  guint        n_members;
  RsTestMember members[RS_TEST_MAX_MEMBERS];
  const char  *tenure;
  const char  *walls_durable;
  const char  *frame_durable;
  const char  *roof_durable;
  const char  *floor_area;
  const char  *water_source;
  const char  *toilet;
  const char  *telecom;
  const char  *devices;
  const char  *loudspeaker;
  gint64       wages;
  gint64       agriculture;
  gint64       business;
  gint64       pensions_allowances;
  gint64       other;
  const char  *instance_id;
} RsTestHousehold;

/* A working-age adult with everything in order. */
static inline RsTestMember
rs_test_adult (const char *name,
               const char *sex,
               const char *birth_date,
               const char *relation)
{
  RsTestMember m = {
    name, sex, birth_date, relation, "01", "yes", "none", "no", NULL, NULL, "upper_secondary",
    NULL, "employed", "no", NULL, NULL,
  };

  return m;
}

/* A school child (under 15) with everything in order. */
static inline RsTestMember
rs_test_child (const char *name,
               const char *birth_date)
{
  RsTestMember m = {
    name, "female", birth_date, "child", "01", "yes", "none", "no", "yes", "primary", NULL, NULL,
    NULL, NULL, NULL, "no",
  };

  return m;
}

/* A rural household of two adults reviewed on 2026-11-23, deprived of nothing, with
 * per-capita income of 2,000,000 VND a month (above the rural line, in the middle band). */
static inline void
rs_test_household_init (RsTestHousehold *h)
{
  memset (h, 0, sizeof *h);
  h->area = "rural";
  h->region = "red_river_delta";
  h->review_date = "2026-11-23";
  h->previous_status = "none";
  h->signs = "none";
  h->n_members = 2;
  h->members[0] = rs_test_adult ("Nguyễn Văn An", "male", "1980-05-10", "head");
  h->members[1] = rs_test_adult ("Trần Thị Bình", "female", "1982-08-20", "spouse");
  h->tenure = "owned";
  h->walls_durable = "yes";
  h->frame_durable = "yes";
  h->roof_durable = "yes";
  h->floor_area = "60";
  h->water_source = "piped";
  h->toilet = "septic";
  h->telecom = "yes";
  h->devices = "tv smartphone_tablet";
  h->loudspeaker = "yes";
  h->wages = 48000000;
  h->instance_id = "uuid:00000000-0000-4000-8000-000000000001";
}

/* Sets the yearly income so that per-capita monthly income is exactly @per_capita_monthly. */
static inline void
rs_test_household_set_income (RsTestHousehold *h,
                              gint64           per_capita_monthly)
{
  h->wages = per_capita_monthly * 12 * h->n_members;
  h->agriculture = h->business = h->pensions_allowances = h->other = 0;
}

static inline void
rs_test_append_element (GString    *out,
                        const char *name,
                        const char *value)
{
  if (value == NULL || *value == '\0')
    {
      g_string_append_printf (out, "<%s/>", name);
      return;
    }
  g_string_append_printf (out, "<%s>", name);
  g_string_append (out, value);   /* test values need no escaping */
  g_string_append_printf (out, "</%s>", name);
}

static inline char *
rs_test_household_to_xml (const RsTestHousehold *h)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<household id=\"vn_household_review\" version=\"2026110101\">");
  char number[5][32];

  g_string_append (out, "<admin><province>Hà Nam</province><commune_code>13324</commune_code>"
                        "<commune_name>Thanh Hải</commune_name><village>Thôn 1</village>");
  rs_test_append_element (out, "area", h->area);
  rs_test_append_element (out, "region", h->region);
  g_string_append (out, "<household_code/><review_type>annual</review_type>");
  rs_test_append_element (out, "review_date", h->review_date);
  rs_test_append_element (out, "previous_status", h->previous_status);
  g_string_append (out, "</admin><head><name>Chủ hộ</name><phone/><address/><location/></head>"
                        "<screening>");
  rs_test_append_element (out, "signs", h->signs);
  rs_test_append_element (out, "continue", h->continue_review);
  g_string_append (out, "</screening><members>");
  for (guint i = 0; i < h->n_members; i++)
    {
      const RsTestMember *m = &h->members[i];

      g_string_append (out, "<member>");
      rs_test_append_element (out, "name", m->name);
      rs_test_append_element (out, "sex", m->sex);
      rs_test_append_element (out, "birth_date", m->birth_date);
      g_string_append (out, "<age/>");
      rs_test_append_element (out, "relation", m->relation);
      rs_test_append_element (out, "ethnicity", m->ethnicity);
      g_string_append (out, "<id_number/>");
      rs_test_append_element (out, "health_insurance", m->health_insurance);
      rs_test_append_element (out, "disability", m->disability);
      g_string_append (out, "<social_allowance>no</social_allowance>");
      rs_test_append_element (out, "merit_person", m->merit_person);
      rs_test_append_element (out, "in_school", m->in_school);
      rs_test_append_element (out, "school_level", m->school_level);
      rs_test_append_element (out, "highest_completed", m->highest_completed);
      rs_test_append_element (out, "training_certificate", m->training_certificate);
      rs_test_append_element (out, "work_status", m->work_status);
      rs_test_append_element (out, "wage_employee", m->wage_employee);
      rs_test_append_element (out, "labour_contract", m->labour_contract);
      rs_test_append_element (out, "malnourished", m->malnourished);
      g_string_append (out, "</member>");
    }
  g_string_append (out, "</members><housing>");
  rs_test_append_element (out, "tenure", h->tenure);
  rs_test_append_element (out, "walls_durable", h->walls_durable);
  rs_test_append_element (out, "frame_durable", h->frame_durable);
  rs_test_append_element (out, "roof_durable", h->roof_durable);
  rs_test_append_element (out, "floor_area", h->floor_area);
  g_string_append (out, "</housing><water_sanitation>");
  rs_test_append_element (out, "water_source", h->water_source);
  rs_test_append_element (out, "toilet", h->toilet);
  g_string_append (out, "</water_sanitation><information>");
  rs_test_append_element (out, "telecom", h->telecom);
  rs_test_append_element (out, "devices", h->devices);
  rs_test_append_element (out, "loudspeaker", h->loudspeaker);
  g_string_append (out, "</information><income>");
  {
    const gint64 amounts[5] = { h->wages, h->agriculture, h->business, h->pensions_allowances,
                                h->other };

    for (guint i = 0; i < 5; i++)
      {
        if (amounts[i] == RS_TEST_NO_ANSWER)
          number[i][0] = '\0';
        else
          g_snprintf (number[i], sizeof number[i], "%" G_GINT64_FORMAT, amounts[i]);
      }
  }
  rs_test_append_element (out, "wages", number[0]);
  rs_test_append_element (out, "agriculture", number[1]);
  rs_test_append_element (out, "business", number[2]);
  rs_test_append_element (out, "pensions_allowances", number[3]);
  rs_test_append_element (out, "other", number[4]);
  g_string_append (out, "<per_capita_monthly/></income><support><reasons/><needs/><notes/></support>"
                        "<result><standard/><classification/><deprivation_count/><deprived/>"
                        "<b2_points/></result><meta>");
  rs_test_append_element (out, "instanceID", h->instance_id);
  g_string_append (out, "<deprecatedID/><timeStart/><timeEnd/><deviceID/><username/></meta>"
                        "</household>\n");
  return g_string_free (out, FALSE);
}
