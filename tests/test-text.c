/* test-text.c: Vietnamese folding for diacritics-insensitive search.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

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

static Suite *
text_suite (void)
{
  Suite *suite = suite_create ("text");
  TCase *tc = tcase_create ("fold");

  tcase_add_loop_test (tc, test_fold_table, 0, G_N_ELEMENTS (fold_cases));
  tcase_add_test (tc, test_fold_null_and_invalid);
  tcase_add_test (tc, test_match_words_any_order);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (text_suite ());
}
