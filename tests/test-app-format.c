/* test-app-format.c: what the app shows: money, dates, badges, the live result, home list.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

#include "rs-format.h"
#include "rs-test.h"

/* Switches gettext to the Vietnamese catalogue built in the build tree (po/vi/LC_MESSAGES). */
static gboolean
use_language (const char *language)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *podir = NULL;
  g_autofree char *mo = NULL;

  g_setenv ("LANGUAGE", language, TRUE);
  setlocale (LC_ALL, "C.UTF-8");
  if (builddir == NULL)
    return FALSE;
  podir = g_build_filename (builddir, "po", NULL);
  mo = g_build_filename (podir, "vi", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  bindtextdomain (GETTEXT_PACKAGE, podir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return g_file_test (mo, G_FILE_TEST_EXISTS);
}

static const struct
{
  gint64      value;
  const char *number;
  const char *money;
} number_cases[] = {
  { 0, "0", "0\u00a0đ" },
  { 7, "7", "7\u00a0đ" },
  { 999, "999", "999\u00a0đ" },
  { 1000, "1.000", "1.000\u00a0đ" },
  { 1500000, "1.500.000", "1.500.000\u00a0đ" },
  { 1250000, "1.250.000", "1.250.000\u00a0đ" },
  { 123456789, "123.456.789", "123.456.789\u00a0đ" },
  { -2500000, "-2.500.000", "-2.500.000\u00a0đ" },
  { G_MAXINT64, "9.223.372.036.854.775.807", "9.223.372.036.854.775.807\u00a0đ" },
  { G_MININT64, "-9.223.372.036.854.775.808", "-9.223.372.036.854.775.808\u00a0đ" },
};

START_TEST (test_number_and_money)
{
  g_autofree char *number = rs_format_number (number_cases[_i].value);
  g_autofree char *money = rs_format_money (number_cases[_i].value);
  gint64 parsed = 0;

  ck_assert_str_eq (number, number_cases[_i].number);
  ck_assert_str_eq (money, number_cases[_i].money);
  ck_assert (rs_parse_number (number, &parsed));
  ck_assert_int_eq (parsed, number_cases[_i].value);
}
END_TEST

static const struct
{
  const char *text;
  gboolean    valid;
  gint64      value;
} parse_cases[] = {
  { "1500000", TRUE, 1500000 },
  { "1.500.000", TRUE, 1500000 },
  { " 1 500 000 ", TRUE, 1500000 },
  { "1\u00a0500\u00a0000", TRUE, 1500000 },
  { "-20.000", TRUE, -20000 },
  { "\u221220000", TRUE, -20000 },
  { "0", TRUE, 0 },
  { "", FALSE, 0 },
  { "   ", FALSE, 0 },
  { "-", FALSE, 0 },
  { "12a", FALSE, 0 },
  { "1,5", FALSE, 0 },
  { "2-3", FALSE, 0 },
  { "99999999999999999999", FALSE, 0 },
};

START_TEST (test_parse_number)
{
  gint64 value = -1;
  gboolean valid = rs_parse_number (parse_cases[_i].text, &value);

  ck_assert_msg (valid == parse_cases[_i].valid, "parsing \"%s\"", parse_cases[_i].text);
  if (valid)
    ck_assert_int_eq (value, parse_cases[_i].value);
}
END_TEST

static const struct
{
  const char *text;
  gboolean    valid;
  double      value;
} decimal_cases[] = {
  { "45", TRUE, 45 },
  { "45,5", TRUE, 45.5 },
  { "45.5", TRUE, 45.5 },
  { "1.234,5", TRUE, 1234.5 },
  { "1.500", TRUE, 1500 },
  { "0,25", TRUE, 0.25 },
  { "-3,5", TRUE, -3.5 },
  { "4,5,6", FALSE, 0 },
  { "abc", FALSE, 0 },
  { "", FALSE, 0 },
};

START_TEST (test_parse_decimal)
{
  double value = -1;
  gboolean valid = rs_parse_decimal (decimal_cases[_i].text, &value);

  ck_assert_msg (valid == decimal_cases[_i].valid, "parsing \"%s\"", decimal_cases[_i].text);
  if (valid)
    ck_assert_double_eq_tol (value, decimal_cases[_i].value, 1e-9);
}
END_TEST

START_TEST (test_format_decimal)
{
  static const struct
  {
    double      value;
    guint       digits;
    const char *text;
  } cases[] = {
    { 45.5, 2, "45,5" },
    { 45.0, 2, "45" },
    { 1234.567, 2, "1.234,57" },
    { 0.26, 1, "0,3" },
    { -0.001, 2, "0" },
    { 2000, 0, "2.000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = rs_format_decimal (cases[i].value, cases[i].digits);

      ck_assert_str_eq (text, cases[i].text);
    }
}
END_TEST

static const struct
{
  const char *text;
  int         cursor;
  const char *grouped;
  int         new_cursor;
} grouping_cases[] = {
  { "1500000", 7, "1.500.000", 9 },      /* typed at the end */
  { "1.500.0000", 10, "15.000.000", 10 }, /* one more zero */
  { "1.50.000", 4, "150.000", 3 },       /* a digit deleted: the cursor stays after "150" */
  { "", 0, "", 0 },
  { "0", 1, "0", 1 },
  { "05", 2, "5", 1 },
  { "-12345", 6, "-12.345", 7 },
  { "12a34", 5, "1.234", 5 },
};

START_TEST (test_grouped_input)
{
  int cursor = -1;
  g_autofree char *grouped = rs_format_grouped_input (grouping_cases[_i].text,
                                                      grouping_cases[_i].cursor, &cursor);

  ck_assert_str_eq (grouped, grouping_cases[_i].grouped);
  ck_assert_int_eq (cursor, grouping_cases[_i].new_cursor);
}
END_TEST

START_TEST (test_dates)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GDateTime) when = g_date_time_new (tz, 2025, 3, 7, 14, 5, 0);
  g_autofree char *date = rs_format_date_iso ("2025-03-07");
  g_autofree char *date_with_time = rs_format_date_iso ("1958-12-31T00:00:00");
  g_autofree char *from_datetime = rs_format_date (when);
  g_autofree char *datetime = rs_format_date_time (when);
  g_autofree char *iso = rs_format_iso_date (1958, 2, 3);
  g_autofree char *not_a_day = rs_format_iso_date (2023, 2, 29);
  int year = 0, month = 0, day = 0;

  ck_assert_str_eq (date, "07/03/2025");
  ck_assert_str_eq (date_with_time, "31/12/1958");
  ck_assert_str_eq (from_datetime, "07/03/2025");
  ck_assert_str_eq (datetime, "14:05 07/03/2025");
  ck_assert_str_eq (iso, "1958-02-03");
  ck_assert_ptr_null (not_a_day);
  ck_assert_ptr_null (rs_format_date_iso ("2025-02-30"));
  ck_assert_ptr_null (rs_format_date_iso ("07/03/2025"));
  ck_assert_ptr_null (rs_format_date_iso (NULL));
  ck_assert (rs_parse_iso_date ("2024-02-29", &year, &month, &day));
  ck_assert_int_eq (year, 2024);
  ck_assert_int_eq (month, 2);
  ck_assert_int_eq (day, 29);
  ck_assert (!rs_parse_iso_date ("2024-2-29", NULL, NULL, NULL));
  ck_assert_int_eq (rs_days_in_month (2024, 2), 29);
  ck_assert_int_eq (rs_days_in_month (2023, 2), 28);
  ck_assert_int_eq (rs_days_in_month (0, 2), 29);
  ck_assert_int_eq (rs_days_in_month (1990, 4), 30);
}
END_TEST

static const struct
{
  const char       *id;
  RsClassification  classification;
  const char       *label;
  const char       *style_class;
} class_cases[] = {
  { "poor", RS_CLASSIFICATION_POOR, "Poor household", "rs-badge-poor" },
  { "near_poor", RS_CLASSIFICATION_NEAR_POOR, "Near-poor household", "rs-badge-near-poor" },
  { "middle", RS_CLASSIFICATION_MIDDLE, "Middle-income household", "rs-badge-middle" },
  { "not_poor", RS_CLASSIFICATION_NOT_POOR, "Not poor", "rs-badge-not-poor" },
  { "screened_out", RS_CLASSIFICATION_SCREENED_OUT, "Screened out", "rs-badge-screened-out" },
  { "", RS_CLASSIFICATION_UNKNOWN, "Not known yet", "rs-badge-unknown" },
  { "rich", RS_CLASSIFICATION_UNKNOWN, "Not known yet", "rs-badge-unknown" },
};

START_TEST (test_classification_badges)
{
  RsClassification classification = rs_classification_from_string (class_cases[_i].id);

  use_language ("en");
  ck_assert_int_eq (classification, class_cases[_i].classification);
  ck_assert_str_eq (rs_badge_label (classification), class_cases[_i].label);
  ck_assert_str_eq (rs_badge_style_class (classification),
                    class_cases[_i].style_class);
  if (classification != RS_CLASSIFICATION_UNKNOWN)
    ck_assert_str_eq (rs_classification_to_string (classification), class_cases[_i].id);
}
END_TEST

START_TEST (test_badge_provisional)
{
  g_autofree char *draft = NULL;
  g_autofree char *final = NULL;
  g_autofree char *unknown = NULL;

  use_language ("en");
  draft = rs_badge_text (RS_CLASSIFICATION_NEAR_POOR, TRUE);
  final = rs_badge_text (RS_CLASSIFICATION_NEAR_POOR, FALSE);
  unknown = rs_badge_text (RS_CLASSIFICATION_UNKNOWN, TRUE);
  ck_assert_str_eq (draft, "Near-poor household (provisional)");
  ck_assert_str_eq (final, "Near-poor household");
  ck_assert_str_eq (unknown, "Not known yet");
}
END_TEST

START_TEST (test_states)
{
  static const struct
  {
    RsDisplayState  state;
    const char     *label;
    const char     *style_class;
  } cases[] = {
    { RS_DISPLAY_STATE_ASSIGNED, "To visit", "rs-state-assigned" },
    { RS_DISPLAY_STATE_DRAFT, "In progress", "rs-state-draft" },
    { RS_DISPLAY_STATE_FINALIZED, "Finished, waiting to send", "rs-state-finalized" },
    { RS_DISPLAY_STATE_SENT, "Sent", "rs-state-sent" },
    { RS_DISPLAY_STATE_NEEDS_ATTENTION, "Needs attention", "rs-state-attention" },
  };

  use_language ("en");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ck_assert_str_eq (rs_display_state_label (cases[i].state), cases[i].label);
      ck_assert_str_eq (rs_display_state_style_class (cases[i].state), cases[i].style_class);
    }
}
END_TEST

START_TEST (test_live_result_english)
{
  g_autofree char *poor = NULL;
  g_autofree char *not_poor = NULL;
  g_autofree char *early = NULL;
  g_autofree char *final = NULL;

  use_language ("en");
  poor = rs_format_live_result (RS_CLASSIFICATION_POOR, TRUE, 4, 12, TRUE, 1250000, 1500000);
  not_poor = rs_format_live_result (RS_CLASSIFICATION_NOT_POOR, TRUE, 1, 12, TRUE, 3200000, 2000000);
  early = rs_format_live_result (RS_CLASSIFICATION_UNKNOWN, TRUE, -1, 12, FALSE, 0, 0);
  final = rs_format_live_result (RS_CLASSIFICATION_NEAR_POOR, FALSE, 2, 12, TRUE, 1500000, 1500000);
  ck_assert_str_eq (poor, "Poor household (provisional) · 4/12 deprived · "
                    "1.250.000\u00a0đ/person/month ≤ 1.500.000\u00a0đ");
  ck_assert_str_eq (not_poor, "Not poor (provisional) · 1/12 deprived · "
                    "3.200.000\u00a0đ/person/month > 2.000.000\u00a0đ");
  ck_assert_str_eq (early, "Not known yet");
  ck_assert_str_eq (final, "Near-poor household · 2/12 deprived · "
                    "1.500.000\u00a0đ/person/month ≤ 1.500.000\u00a0đ");
}
END_TEST

START_TEST (test_vietnamese)
{
  g_autofree char *live = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *one = NULL;
  g_autofree char *member = NULL;

  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  live = rs_format_live_result (RS_CLASSIFICATION_POOR, TRUE, 4, 12, TRUE, 1250000, 1500000);
  counts = rs_format_home_counts (12, 3, 0);
  one = rs_format_home_counts (1, 0, 1);
  member = rs_format_member_details (45, "Chủ hộ");
  ck_assert_str_eq (live, "Hộ nghèo (dự kiến) · 4/12 thiếu hụt · "
                    "1.250.000\u00a0đ/người/tháng ≤ 1.500.000\u00a0đ");
  ck_assert_str_eq (counts, "12 hộ đã rà soát hôm nay · 3 chờ gửi");
  ck_assert_str_eq (one, "1 hộ đã rà soát hôm nay · không có hộ chờ gửi · 1 cần xử lý");
  ck_assert_str_eq (member, "45 tuổi · Chủ hộ");
  ck_assert_str_eq (rs_display_state_label (RS_DISPLAY_STATE_SENT), "Đã gửi");
  ck_assert_str_eq (rs_badge_label (RS_CLASSIFICATION_NEAR_POOR), "Hộ cận nghèo");
}
END_TEST

START_TEST (test_home_counts_plural)
{
  g_autofree char *none = NULL;
  g_autofree char *one = NULL;
  g_autofree char *many = NULL;

  use_language ("en");
  none = rs_format_home_counts (0, 0, 0);
  one = rs_format_home_counts (1, 1, 1);
  many = rs_format_home_counts (12, 3, 2);
  ck_assert_str_eq (none, "0 households reviewed today · nothing waiting to send");
  ck_assert_str_eq (one, "1 household reviewed today · 1 waiting to send · 1 needs attention");
  ck_assert_str_eq (many, "12 households reviewed today · 3 waiting to send · 2 need attention");
}
END_TEST

START_TEST (test_member_details)
{
  g_autofree char *adult = NULL;
  g_autofree char *baby = NULL;
  g_autofree char *unknown = NULL;

  use_language ("en");
  adult = rs_format_member_details (45, "Head");
  baby = rs_format_member_details (1, "Grandchild");
  unknown = rs_format_member_details (-1, NULL);
  ck_assert_str_eq (adult, "45 years old · Head");
  ck_assert_str_eq (baby, "1 year old · Grandchild");
  ck_assert_str_eq (unknown, "age not given");
}
END_TEST

static GPtrArray *
sample_households (void)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_home_item_free);

  g_ptr_array_add (items, rs_home_item_new ("a", "Nguyễn Văn Bình", "Thôn 10", "H-101",
                                            RS_DISPLAY_STATE_SENT, RS_CLASSIFICATION_POOR));
  g_ptr_array_add (items, rs_home_item_new ("b", "Đặng Thị Đào", "Thôn 2", "H-021",
                                            RS_DISPLAY_STATE_ASSIGNED, RS_CLASSIFICATION_UNKNOWN));
  g_ptr_array_add (items, rs_home_item_new ("c", "Lò Văn Ân", "Thôn 2", "H-022",
                                            RS_DISPLAY_STATE_DRAFT, RS_CLASSIFICATION_NEAR_POOR));
  g_ptr_array_add (items, rs_home_item_new ("d", "Hà Thị Hương", "", NULL,
                                            RS_DISPLAY_STATE_DRAFT, RS_CLASSIFICATION_UNKNOWN));
  g_ptr_array_add (items, rs_home_item_new ("e", "Bùi Văn Cường", "Thôn 10", "H-102",
                                            RS_DISPLAY_STATE_NEEDS_ATTENTION, RS_CLASSIFICATION_POOR));
  g_ptr_array_add (items, rs_home_item_new ("f", "Âu Thị Mai", "Bản Đôn", "H-301",
                                            RS_DISPLAY_STATE_FINALIZED, RS_CLASSIFICATION_NOT_POOR));
  g_ptr_array_add (items, rs_home_item_new ("g", "Cao Văn An", "Thôn 2", "H-023",
                                            RS_DISPLAY_STATE_ASSIGNED, RS_CLASSIFICATION_UNKNOWN));
  return items;
}

/* Renders the groups as "village: id id | village: id" to compare in one assertion. */
static char *
describe_groups (GPtrArray *groups)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < groups->len; i++)
    {
      RsVillageGroup *group = g_ptr_array_index (groups, i);

      if (i > 0)
        g_string_append (out, " | ");
      g_string_append_printf (out, "%s:", group->village);
      for (guint j = 0; j < group->items->len; j++)
        g_string_append_printf (out, " %s",
                                ((RsHomeItem *) g_ptr_array_index (group->items, j))->id);
    }
  return g_string_free (out, FALSE);
}

static const struct
{
  const char *query;
  const char *groups;
} grouping_queries[] = {
  /* Bản Đôn sorts as "ban don"; Thôn 2 before Thôn 10; no village last; within a village
   * what needs doing first (attention, draft, to visit, finished), then by name. */
  { NULL, "Bản Đôn: f | Thôn 2: c g b | Thôn 10: e a | : d" },
  { "", "Bản Đôn: f | Thôn 2: c g b | Thôn 10: e a | : d" },
  { "dao", "Thôn 2: b" },
  { "ĐÀO", "Thôn 2: b" },
  { "van", "Thôn 2: c g | Thôn 10: e a" },
  { "thon 2", "Thôn 2: c g b" },
  { "h-30", "Bản Đôn: f" },
  { "huong", ": d" },
  { "an lo", "Thôn 2: c" },
  { "nobody", "" },
};

START_TEST (test_home_grouping)
{
  g_autoptr(GPtrArray) items = sample_households ();
  g_autoptr(GPtrArray) groups = rs_home_group (items, grouping_queries[_i].query);
  g_autofree char *described = describe_groups (groups);

  ck_assert_str_eq (described, grouping_queries[_i].groups);
}
END_TEST

START_TEST (test_villages)
{
  g_auto(GStrv) villages = rs_split_villages (" Thôn 1, Thôn 2;\nBản Đôn,, thon 1 ,THÔN 2 ");
  g_auto(GStrv) none = rs_split_villages (NULL);
  g_autofree char *joined = NULL;

  ck_assert_int_eq (g_strv_length (villages), 3);
  ck_assert_str_eq (villages[0], "Thôn 1");
  ck_assert_str_eq (villages[1], "Thôn 2");
  ck_assert_str_eq (villages[2], "Bản Đôn");
  ck_assert_int_eq (g_strv_length (none), 0);
  joined = rs_join_villages ((const char * const *) villages);
  ck_assert_str_eq (joined, "Thôn 1, Thôn 2, Bản Đôn");
}
END_TEST

START_TEST (test_setup_checks)
{
  use_language ("en");
  ck_assert_ptr_null (rs_check_commune_code ("25450"));
  ck_assert_ptr_nonnull (rs_check_commune_code (""));
  ck_assert_ptr_nonnull (rs_check_commune_code ("2545"));
  ck_assert_ptr_nonnull (rs_check_commune_code ("254500"));
  ck_assert_ptr_nonnull (rs_check_commune_code ("2545a"));
  ck_assert_ptr_null (rs_check_server_address (""));
  ck_assert_ptr_null (rs_check_server_address (NULL));
  ck_assert_ptr_null (rs_check_server_address ("https://rasoat.example.gov.vn"));
  ck_assert_ptr_null (rs_check_server_address ("http://127.0.0.1:8765/"));
  ck_assert_ptr_nonnull (rs_check_server_address ("rasoat.example.gov.vn"));
  ck_assert_ptr_nonnull (rs_check_server_address ("ftp://host/"));
  ck_assert_ptr_nonnull (rs_check_server_address ("https://"));
}
END_TEST

START_TEST (test_sync_words)
{
  use_language ("en");
  ck_assert_str_eq (rs_format_sync_event ("success"), "Sent");
  ck_assert_str_eq (rs_format_sync_event ("park"), "Refused by the server");
  ck_assert_str_eq (rs_format_sync_event ("something-new"), "something-new");
  ck_assert_str_eq (rs_format_sync_event (NULL), "");
  /* Every refusal says what to do, and an account problem points to Preferences. */
  ck_assert_ptr_nonnull (strstr (rs_format_refusal_advice (401), "Preferences"));
  ck_assert_ptr_nonnull (strstr (rs_format_refusal_advice (409), "district officer"));
  ck_assert_ptr_nonnull (strstr (rs_format_refusal_advice (500), "Send again"));
}
END_TEST

/* Answers to a geopoint question as ODK and people write them. */
static const struct
{
  const char *value;
  gboolean    valid;
  double      latitude;
  double      longitude;
  double      altitude;
  double      accuracy;
  const char *stored;     /* rs_geopoint_to_value() of the parsed point */
} geopoint_cases[] = {
  { "16.8163 107.1003 12.0 8.5", TRUE, 16.8163, 107.1003, 12.0, 8.5,
    "16.8163 107.1003 12.0 8.5" },
  { "21.0285 105.8542", TRUE, 21.0285, 105.8542, 0, 0, "21.0285 105.8542 0.0 0.0" },
  { "  10.762622   106.660172 4 3.2  ", TRUE, 10.762622, 106.660172, 4, 3.2,
    "10.762622 106.660172 4.0 3.2" },
  { "-33.8688 151.2093 58.3 12", TRUE, -33.8688, 151.2093, 58.3, 12,
    "-33.8688 151.2093 58.3 12.0" },
  { "90 -180", TRUE, 90, -180, 0, 0, "90.0 -180.0 0.0 0.0" },
  { "16.81630004 107.10030009 -2.25 0.04", TRUE, 16.81630004, 107.10030009, -2.25, 0.04,
    "16.8163 107.1003001 -2.2 0.0" },
  { "", FALSE, 0, 0, 0, 0, NULL },
  { "16.8163", FALSE, 0, 0, 0, 0, NULL },
  { "16,8163 107,1003", FALSE, 0, 0, 0, 0, NULL },     /* the stored form uses '.' only */
  { "91 107", FALSE, 0, 0, 0, 0, NULL },
  { "16 181", FALSE, 0, 0, 0, 0, NULL },
  { "16 107 12 8 5", FALSE, 0, 0, 0, 0, NULL },
  { "16 107 12 -8", FALSE, 0, 0, 0, 0, NULL },         /* a negative accuracy */
  { "abc def", FALSE, 0, 0, 0, 0, NULL },
  { "16 107 nan", FALSE, 0, 0, 0, 0, NULL },
  { "16 107 inf 3", FALSE, 0, 0, 0, 0, NULL },
  { "0x10 107", FALSE, 0, 0, 0, 0, NULL },
};

START_TEST (test_geopoint_parse)
{
  RsGeopoint point = { -1, -1, -1, -1 };
  gboolean valid = rs_geopoint_parse (geopoint_cases[_i].value, &point);

  ck_assert_msg (valid == geopoint_cases[_i].valid, "\"%s\" parsed %d",
                 geopoint_cases[_i].value, valid);
  if (valid)
    {
      g_autofree char *stored = rs_geopoint_to_value (&point);

      ck_assert_double_eq_tol (point.latitude, geopoint_cases[_i].latitude, 1e-9);
      ck_assert_double_eq_tol (point.longitude, geopoint_cases[_i].longitude, 1e-9);
      ck_assert_double_eq_tol (point.altitude, geopoint_cases[_i].altitude, 1e-9);
      ck_assert_double_eq_tol (point.accuracy, geopoint_cases[_i].accuracy, 1e-9);
      ck_assert_str_eq (stored, geopoint_cases[_i].stored);
    }
}
END_TEST

/* What the enumerator reads on the question, in Vietnamese and English. */
static const struct
{
  RsGeopoint  point;
  const char *vi;
  const char *en;
} geopoint_text_cases[] = {
  { { 16.8163, 107.1003, 12.0, 8.4 },
    "16,81630° B, 107,10030° Đ · ±8\u00a0m", "16,81630° N, 107,10030° E · ±8\u00a0m" },
  { { 21.0285, 105.8542, 0, 0 }, "21,02850° B, 105,85420° Đ · nhập tay",
    "21,02850° N, 105,85420° E · typed by hand" },
  { { -33.8688, -70.6693, 0, 1250.4 },
    "33,86880° N, 70,66930° T · ±1.250\u00a0m", "33,86880° S, 70,66930° W · ±1.250\u00a0m" },
  { { 0.000004, 0, 0, 0.3 }, "0,00000° B, 0,00000° Đ · ±1\u00a0m",
    "0,00000° N, 0,00000° E · ±1\u00a0m" },
};

START_TEST (test_geopoint_text)
{
  g_autofree char *vi = NULL;
  g_autofree char *en = NULL;

  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  vi = rs_format_geopoint (&geopoint_text_cases[_i].point);
  ck_assert_str_eq (vi, geopoint_text_cases[_i].vi);
  use_language ("en");
  en = rs_format_geopoint (&geopoint_text_cases[_i].point);
  ck_assert_str_eq (en, geopoint_text_cases[_i].en);
}
END_TEST

START_TEST (test_accuracy_text)
{
  static const struct
  {
    double      metres;
    const char *text;
  } cases[] = {
    { 8.4, "±8\u00a0m" }, { 8.5, "±9\u00a0m" }, { 0.2, "±1\u00a0m" }, { 12, "±12\u00a0m" },
    { 2500, "±2.500\u00a0m" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = rs_format_accuracy (cases[i].metres);

      ck_assert_str_eq (text, cases[i].text);
    }
}
END_TEST

/* While the tablet looks: what it is doing, then the accuracy it has so far. */
START_TEST (test_location_progress)
{
  g_autofree char *looking = NULL;
  g_autofree char *found = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *vi = NULL;

  /* Vietnamese first: GLib decides once per process whether to translate. */
  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  vi = rs_format_location_progress (TRUE, 12.4);
  ck_assert_str_eq (vi, "Độ chính xác: ±12\u00a0m");
  use_language ("en");
  looking = rs_format_location_progress (FALSE, 0);
  found = rs_format_location_progress (TRUE, 12.4);
  unknown = rs_format_location_progress (TRUE, 0);
  ck_assert_str_eq (looking, "Looking for the position…");
  ck_assert_str_eq (found, "Accuracy: ±12\u00a0m");
  ck_assert_str_eq (unknown, "Position found, accuracy not known");
}
END_TEST

/* Typing a position by hand when there is no GPS. */
static const struct
{
  const char *latitude;
  const char *longitude;
  const char *problem;      /* a word of the English message, or NULL when accepted */
  double      lat;
  double      lon;
} geopoint_input_cases[] = {
  { "16.8163", "107.1003", NULL, 16.8163, 107.1003 },
  { "16,8163", "107,1003", NULL, 16.8163, 107.1003 },
  { " 21.0285 ", "105.8542°", NULL, 21.0285, 105.8542 },
  { "\u221233.8688", "-70.6693", NULL, -33.8688, -70.6693 },
  { "90", "180", NULL, 90, 180 },
  { "", "107.1003", "both", 0, 0 },
  { "16.8163", "  ", "both", 0, 0 },
  { NULL, NULL, "both", 0, 0 },
  { "16.81.63", "107.1003", "latitude must be a number", 0, 0 },
  { "16°49'", "107.1003", "latitude must be a number", 0, 0 },
  { "16.8163", "abc", "longitude must be a number", 0, 0 },
  { "107.1003", "16.8163", "swapped", 0, 0 },
  { "-90.5", "0", "between −90 and 90", 0, 0 },
  { "16.8163", "181", "between −180 and 180", 0, 0 },
  { "16.8163", "1e400", "longitude must be a number", 0, 0 },
};

START_TEST (test_geopoint_input)
{
  RsGeopoint point = { -1, -1, -1, -1 };
  const char *problem;

  use_language ("en");
  problem = rs_check_geopoint_input (geopoint_input_cases[_i].latitude,
                                     geopoint_input_cases[_i].longitude, &point);
  if (geopoint_input_cases[_i].problem == NULL)
    {
      ck_assert_msg (problem == NULL, "%s / %s refused: %s", geopoint_input_cases[_i].latitude,
                     geopoint_input_cases[_i].longitude, problem);
      ck_assert_double_eq_tol (point.latitude, geopoint_input_cases[_i].lat, 1e-9);
      ck_assert_double_eq_tol (point.longitude, geopoint_input_cases[_i].lon, 1e-9);
      ck_assert_double_eq (point.altitude, 0);
      ck_assert_double_eq (point.accuracy, 0);
    }
  else
    {
      ck_assert_ptr_nonnull (problem);
      ck_assert_msg (strstr (problem, geopoint_input_cases[_i].problem) != NULL,
                     "\"%s\" does not say \"%s\"", problem, geopoint_input_cases[_i].problem);
    }
}
END_TEST

/* The manual entry's messages read in Vietnamese too. */
START_TEST (test_geopoint_input_vietnamese)
{
  RsGeopoint point;

  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  ck_assert_str_eq (rs_check_geopoint_input ("", "", &point),
                    "Nhập cả vĩ độ và kinh độ.");
  ck_assert_ptr_nonnull (strstr (rs_check_geopoint_input ("107", "16", &point), "đảo"));
}
END_TEST

/* Versions after edits: each case is a list of "instanceID<deprecatedID" links. */
static const struct
{
  const char *links[5];
  guint       order[5];
} version_cases[] = {
  /* One household never edited. */
  { { "a" }, { 0 } },
  /* Edited once: the newer one is listed first, newest first. */
  { { "b<a", "a" }, { 0, 1 } },
  /* Another household sent in between: the old version moves under its newer one. */
  { { "b<a", "x", "a" }, { 0, 2, 1 } },
  /* The old version listed before the new one (e.g. sent later after a retry). */
  { { "a", "x", "b<a" }, { 1, 2, 0 } },
  /* Three versions, in any order. */
  { { "a", "c<b", "x", "b<a" }, { 1, 3, 0, 2 } },
  /* The first version is not on this tablet. */
  { { "c<b", "b<a" }, { 0, 1 } },
  { { "b<a" }, { 0 } },
  /* Two households, each edited. */
  { { "b<a", "y<x", "a", "x" }, { 0, 2, 1, 3 } },
  /* A loop of links (the store never makes one) ends, and every row is still listed once. */
  { { "a<b", "b<a" }, { 0, 1 } },
  { { "a<a" }, { 0 } },
};

START_TEST (test_version_chain)
{
  RsVersionLink links[5] = { { 0 } };
  char **parts[5] = { NULL };
  g_autofree guint *order = NULL;
  guint n = 0;

  while (n < G_N_ELEMENTS (links) && version_cases[_i].links[n] != NULL)
    {
      parts[n] = g_strsplit (version_cases[_i].links[n], "<", 2);
      links[n].instance_id = parts[n][0];
      links[n].deprecated_id = parts[n][1];
      n++;
    }
  order = rs_version_order (links, n);
  for (guint i = 0; i < n; i++)
    {
      ck_assert_msg (order[i] == version_cases[_i].order[i], "row %u shows %s, not %s", i,
                     version_cases[_i].links[order[i]],
                     version_cases[_i].links[version_cases[_i].order[i]]);
    }
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&parts[i], g_strfreev);
}
END_TEST

START_TEST (test_version_chain_empty)
{
  g_autofree guint *order = rs_version_order (NULL, 0);

  ck_assert_ptr_nonnull (order);
}
END_TEST

/* A list cut after its twentieth row keeps the older versions of the last household shown. */
START_TEST (test_version_rows_to_show)
{
  static const struct
  {
    const char *rows[6];
    guint       limit;
    guint       shown;
  } cases[] = {
    { { "a", "b", "c" }, 2, 2 },
    { { "a", "c<b", "b", "d" }, 2, 3 },          /* b is c's older version: it stays */
    { { "a", "d<c", "c<b", "b", "e" }, 2, 4 },   /* three versions of one household */
    { { "c<b", "b" }, 5, 2 },                    /* under the limit: everything */
    { { "a", "c<x", "b" }, 2, 2 },               /* c replaced a record not in the list */
    { { NULL }, 20, 0 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      RsVersionLink links[6] = { { 0 } };
      char **parts[6] = { NULL };
      guint n = 0;

      for (; n < G_N_ELEMENTS (links) && cases[c].rows[n] != NULL; n++)
        {
          parts[n] = g_strsplit (cases[c].rows[n], "<", 2);
          links[n].instance_id = parts[n][0];
          links[n].deprecated_id = parts[n][1];
        }
      ck_assert_uint_eq (rs_version_rows_to_show (links, n, cases[c].limit), cases[c].shown);
      for (guint i = 0; i < n; i++)
        g_strfreev (parts[i]);
    }
}
END_TEST

/* The line a row shows for a version, in both languages. */
static const struct
{
  guint           version;
  gboolean        edited;        /* made on 24/11/2026 */
  guint           newer_version;
  RsDisplayState  newer_state;
  const char     *vi;
  const char     *en;
} version_line_cases[] = {
  { 1, FALSE, 0, RS_DISPLAY_STATE_SENT, NULL, NULL },
  { 0, TRUE, 0, RS_DISPLAY_STATE_SENT, NULL, NULL },
  { 2, TRUE, 0, RS_DISPLAY_STATE_SENT,
    "Phiên bản 2 – sửa ngày 24/11", "Version 2 – edited on 24/11" },
  { 2, FALSE, 0, RS_DISPLAY_STATE_SENT, "Phiên bản 2", "Version 2" },
  { 1, FALSE, 2, RS_DISPLAY_STATE_SENT,
    "Phiên bản 1 · Đã thay bằng phiên bản 2", "Version 1 · Replaced by version 2" },
  { 1, FALSE, 2, RS_DISPLAY_STATE_DRAFT,
    "Phiên bản 1 · Đang sửa thành phiên bản 2 (chưa hoàn tất)",
    "Version 1 · Being corrected as version 2 (not finished)" },
  { 1, FALSE, 2, RS_DISPLAY_STATE_FINALIZED,
    "Phiên bản 1 · Phiên bản 2 đang chờ gửi; huyện vẫn giữ bản này đến khi đó",
    "Version 1 · Version 2 waits to be sent; the district keeps this one until then" },
  { 1, FALSE, 2, RS_DISPLAY_STATE_NEEDS_ATTENTION,
    "Phiên bản 1 · Phiên bản 2 bị máy chủ từ chối; huyện vẫn giữ bản này",
    "Version 1 · Version 2 was refused by the server; the district still has this one" },
  { 2, TRUE, 3, RS_DISPLAY_STATE_SENT,
    "Phiên bản 2 – sửa ngày 24/11 · Đã thay bằng phiên bản 3",
    "Version 2 – edited on 24/11 · Replaced by version 3" },
};

static char *
version_line_of_case (guint i)
{
  g_autoptr(GDateTime) edited = g_date_time_new_local (2026, 11, 24, 9, 30, 0);

  return rs_format_version_line (version_line_cases[i].version,
                                 version_line_cases[i].edited ? edited : NULL,
                                 version_line_cases[i].newer_version,
                                 version_line_cases[i].newer_state);
}

START_TEST (test_version_tag)
{
  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  ck_assert_ptr_null (rs_format_version_tag (1, 0));
  ck_assert_ptr_null (rs_format_version_tag (0, 0));
  ck_assert_str_eq (rs_format_version_tag (2, 0), "Bản mới");
  ck_assert_str_eq (rs_format_version_tag (3, 0), "Bản mới");
  ck_assert_str_eq (rs_format_version_tag (1, 2), "Bản cũ");
  ck_assert_str_eq (rs_format_version_tag (2, 3), "Bản cũ");
}
END_TEST

/* One language per (forked) test: gettext keeps what it looked up in the first one. */
START_TEST (test_version_line_en)
{
  g_autofree char *line = NULL;

  use_language ("en");
  line = version_line_of_case (_i);
  ck_assert_pstr_eq (line, version_line_cases[_i].en);
}
END_TEST

START_TEST (test_version_line_vi)
{
  g_autofree char *line = NULL;

  if (!use_language ("vi"))
    ck_abort_msg ("the Vietnamese catalogue is not built under RS_TEST_BUILDDIR/po");
  line = version_line_of_case (_i);
  ck_assert_pstr_eq (line, version_line_cases[_i].vi);
}
END_TEST

static Suite *
format_suite (void)
{
  Suite *suite = suite_create ("app-format");
  TCase *numbers = tcase_create ("numbers");
  TCase *labels = tcase_create ("labels");
  TCase *home = tcase_create ("home");

  tcase_add_loop_test (numbers, test_number_and_money, 0, G_N_ELEMENTS (number_cases));
  tcase_add_loop_test (numbers, test_parse_number, 0, G_N_ELEMENTS (parse_cases));
  tcase_add_loop_test (numbers, test_parse_decimal, 0, G_N_ELEMENTS (decimal_cases));
  tcase_add_test (numbers, test_format_decimal);
  tcase_add_loop_test (numbers, test_grouped_input, 0, G_N_ELEMENTS (grouping_cases));
  tcase_add_test (numbers, test_dates);
  suite_add_tcase (suite, numbers);

  tcase_add_loop_test (labels, test_classification_badges, 0, G_N_ELEMENTS (class_cases));
  tcase_add_test (labels, test_badge_provisional);
  tcase_add_test (labels, test_states);
  tcase_add_test (labels, test_live_result_english);
  tcase_add_test (labels, test_vietnamese);
  tcase_add_test (labels, test_home_counts_plural);
  tcase_add_test (labels, test_member_details);
  tcase_add_test (labels, test_sync_words);
  tcase_add_loop_test (labels, test_version_line_en, 0, G_N_ELEMENTS (version_line_cases));
  tcase_add_loop_test (labels, test_version_line_vi, 0, G_N_ELEMENTS (version_line_cases));
  tcase_add_test (labels, test_version_tag);
  suite_add_tcase (suite, labels);

  tcase_add_loop_test (home, test_home_grouping, 0, G_N_ELEMENTS (grouping_queries));
  tcase_add_test (home, test_villages);
  tcase_add_test (home, test_setup_checks);
  tcase_add_loop_test (home, test_version_chain, 0, G_N_ELEMENTS (version_cases));
  tcase_add_test (home, test_version_chain_empty);
  tcase_add_test (home, test_version_rows_to_show);
  suite_add_tcase (suite, home);

  {
    TCase *geopoint = tcase_create ("geopoint");

    tcase_add_loop_test (geopoint, test_geopoint_parse, 0, G_N_ELEMENTS (geopoint_cases));
    tcase_add_loop_test (geopoint, test_geopoint_text, 0, G_N_ELEMENTS (geopoint_text_cases));
    tcase_add_test (geopoint, test_accuracy_text);
    tcase_add_test (geopoint, test_location_progress);
    tcase_add_loop_test (geopoint, test_geopoint_input, 0,
                         G_N_ELEMENTS (geopoint_input_cases));
    tcase_add_test (geopoint, test_geopoint_input_vietnamese);
    suite_add_tcase (suite, geopoint);
  }
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (format_suite ());
}
