/* test-text.c: Vietnamese folding for diacritics-insensitive search; CSV cells that spreadsheets
 * cannot run as formulas.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "rs-text.h"
#include "rs-test.h"

static const struct
{
  const char *input;
  const char *folded;
} fold_cases[] = {
  { "Nguyễn Văn A", "nguyen van a" },
  { "ĐẶNG THỊ Đào", "dang thi dao" },
  { "  Hồ   Thị\tHương ", "ho thi huong" },
  { "Ơ Đu", "o du" },
  { "Hmông", "hmong" },
  { "", "" },
  { "abc123", "abc123" },
};

START_TEST (test_fold_table)
{
  g_autofree char *folded = rs_text_fold (fold_cases[_i].input);

  ck_assert_str_eq (folded, fold_cases[_i].folded);
}
END_TEST

START_TEST (test_fold_null_and_invalid)
{
  g_autofree char *null_folded = rs_text_fold (NULL);
  g_autofree char *invalid_folded = rs_text_fold ("\xff\xfe");

  ck_assert_str_eq (null_folded, "");
  ck_assert_str_eq (invalid_folded, "");
}
END_TEST

START_TEST (test_match_words_any_order)
{
  g_autofree char *name = rs_text_fold ("Nguyễn Văn Bình");

  ck_assert (rs_text_fold_match (name, "nguyen van"));
  ck_assert (rs_text_fold_match (name, "Binh nguyen"));
  ck_assert (rs_text_fold_match (name, "BÌNH"));
  ck_assert (rs_text_fold_match (name, "ngu bi"));
  ck_assert (rs_text_fold_match (name, ""));
  ck_assert (!rs_text_fold_match (name, "nguyen thi"));
  ck_assert (!rs_text_fold_match (name, "van an"));
}
END_TEST

/* One cell as the exporters write it: guarded (leading ') when a spreadsheet would run it as a
 * formula, numbers untouched, then RFC 4180 quoting. */
static const struct
{
  const char *cell;
  gboolean    guarded;
  const char *written;
} csv_cases[] = {
  { "=1+1", TRUE, "'=1+1" },
  { "+1", FALSE, "+1" },
  { "-1", FALSE, "-1" },
  { "-1.5", FALSE, "-1.5" },
  { "-500000", FALSE, "-500000" },
  { "+0.25", FALSE, "+0.25" },
  { "-.5", FALSE, "-.5" },
  { "-", TRUE, "'-" },
  { "+", TRUE, "'+" },
  { "-.", TRUE, "'-." },
  { "-abc", TRUE, "'-abc" },
  { "-1-1", TRUE, "'-1-1" },
  { "-1.5.2", TRUE, "'-1.5.2" },
  { "-1e5", TRUE, "'-1e5" },
  { "+84 912 345 678", TRUE, "'+84 912 345 678" },
  { "-1,5", TRUE, "\"'-1,5\"" },
  { "@SUM(A1)", TRUE, "'@SUM(A1)" },
  { "@SUM(1+1)*cmd|' /C calc'!A0", TRUE, "'@SUM(1+1)*cmd|' /C calc'!A0" },
  { "=HYPERLINK(\"http://x\",\"click\")", TRUE,
    "\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\"" },
  { "\tx", TRUE, "'\tx" },
  { "\rx", TRUE, "\"'\rx\"" },
  { "'already", FALSE, "'already" },
  { "", FALSE, "" },
  { "Nguyễn Văn A", FALSE, "Nguyễn Văn A" },
  { "Lò Thị \"Mai\", con", FALSE, "\"Lò Thị \"\"Mai\"\", con\"" },
  { "dòng 1\ndòng 2", FALSE, "\"dòng 1\ndòng 2\"" },
  { "2026-11-24", FALSE, "2026-11-24" },
  { "1+1", FALSE, "1+1" },
  { "uuid:5f0c-=1", FALSE, "uuid:5f0c-=1" },
};

START_TEST (test_csv_cell_table)
{
  g_autoptr(GString) out = g_string_new ("x,");

  ck_assert_msg (rs_text_csv_needs_guard (csv_cases[_i].cell) == csv_cases[_i].guarded,
                 "guard of \"%s\"", csv_cases[_i].cell);
  rs_text_csv_append_cell (out, csv_cases[_i].cell);
  /* Appends after what is there, and nothing else. */
  ck_assert (g_str_has_prefix (out->str, "x,"));
  ck_assert_str_eq (out->str + 2, csv_cases[_i].written);
}
END_TEST

START_TEST (test_csv_cell_null)
{
  g_autoptr(GString) out = g_string_new ("a,");

  ck_assert (!rs_text_csv_needs_guard (NULL));
  rs_text_csv_append_cell (out, NULL);
  ck_assert_str_eq (out->str, "a,");
}
END_TEST

/* Reads one RFC 4180 field back (the whole of @field, as a spreadsheet would). */
static char *
read_csv_field (const char *field)
{
  GString *text = g_string_new (NULL);
  gsize len = strlen (field);

  if (field[0] != '"')
    {
      ck_assert_ptr_null (strpbrk (field, ",\"\r\n"));
      g_string_append (text, field);
      return g_string_free (text, FALSE);
    }
  ck_assert_uint_ge (len, 2);
  ck_assert_int_eq (field[len - 1], '"');
  for (gsize i = 1; i < len - 1; i++)
    {
      if (field[i] == '"')
        {
          ck_assert_int_eq (field[i + 1], '"');
          i++;
        }
      g_string_append_c (text, field[i]);
    }
  return g_string_free (text, FALSE);
}

/* Random cells from the characters that matter: whatever the text, the field reads back as the
 * text itself or as ' + the text, and what a spreadsheet reads never starts a formula. */
START_TEST (test_csv_cell_round_trip)
{
  static const char alphabet[] = "=+-@\t\r\n,\"'.0123456789aZ ";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);

  for (guint n = 0; n < 20000; n++)
    {
      char cell[9] = { 0 };
      guint len = (guint) g_rand_int_range (rand, 0, sizeof cell);
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *read = NULL;
      g_autofree char *guarded = NULL;

      for (guint i = 0; i < len; i++)
        cell[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      rs_text_csv_append_cell (out, cell);
      read = read_csv_field (out->str);
      guarded = g_strconcat ("'", cell, NULL);
      ck_assert_str_eq (read, rs_text_csv_needs_guard (cell) ? guarded : cell);
      if (read[0] != '\0' && strchr ("=+-@\t\r", read[0]) != NULL)
        {
          /* Only a plain number may start that way; check it by hand, not by the function. */
          gboolean digit = FALSE;
          guint points = 0;

          for (const char *p = read + 1; *p != '\0'; p++)
            {
              ck_assert_msg (g_ascii_isdigit (*p) || *p == '.', "formula left: \"%s\"", read);
              digit = digit || g_ascii_isdigit (*p);
              points += *p == '.';
            }
          ck_assert_msg ((read[0] == '-' || read[0] == '+') && digit && points <= 1,
                         "formula left: \"%s\"", read);
        }
    }
}
END_TEST

static Suite *
text_suite (void)
{
  Suite *suite = suite_create ("text");
  TCase *tc = tcase_create ("fold");

  tcase_add_loop_test (tc, test_fold_table, 0, G_N_ELEMENTS (fold_cases));
  tcase_add_test (tc, test_fold_null_and_invalid);
  tcase_add_test (tc, test_match_words_any_order);
  suite_add_tcase (suite, tc);

  tc = tcase_create ("csv-cell");
  tcase_add_loop_test (tc, test_csv_cell_table, 0, G_N_ELEMENTS (csv_cases));
  tcase_add_test (tc, test_csv_cell_null);
  tcase_add_test (tc, test_csv_cell_round_trip);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (text_suite ());
}
