/* test-store-cli.c: rasoat-cli's database commands (import, list, show, export, backup), run as
 * a user would run them.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "rs-test.h"
#include "rs-text.h"

static char *tmpdir;
static char *db;

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("rasoat-cli-XXXXXX", NULL);
  db = g_build_filename (tmpdir, "tablet.db", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  /* Names first, removal after: unlinking while reading a directory may skip entries. */
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (children, g_build_filename (path, name, NULL));
  for (guint i = 0; i < children->len; i++)
    {
      const char *child = g_ptr_array_index (children, i);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
teardown (void)
{
  remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
  g_clear_pointer (&db, g_free);
}

/* Runs rasoat-cli --db DB ARGS…; returns the exit status. */
static int
run_cli (char       **out,
         char       **err,
         const char  *first,
         ...)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *cli = g_build_filename (builddir != NULL ? builddir : ".", "cli",
                                           "rasoat-cli", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int status = -1;
  va_list args;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, (char *) "--db");
  g_ptr_array_add (argv, db);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* English messages, whatever the machine's language. */
  env = g_environ_setenv (env, "LC_ALL", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "LANGUAGE", "C", TRUE);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                     &status, &error))
    ck_abort_msg ("spawn %s: %s", cli, error->message);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

static char *
write_instance (const char *name,
                const char *instance_id,
                const char *head,
                const char *code)
{
  g_autofree char *xml = NULL;
  char *path = g_build_filename (tmpdir, name, NULL);

  if (instance_id != NULL)
    xml = g_strdup_printf ("<?xml version=\"1.0\"?>\n<household id=\"vn_household_review\" "
                           "version=\"2024061001\"><admin><village>Thôn Nà Sáng</village>"
                           "<household_code>%s</household_code></admin><head><name>%s</name>"
                           "</head><members><member><name>%s</name></member><member><name>Mai"
                           "</name></member></members><result><classification>near_poor"
                           "</classification></result><meta><instanceID>%s</instanceID>"
                           "<username>can_bo_2</username></meta></household>\n",
                           code, head, head, instance_id);
  else
    xml = g_strdup ("<household id=\"vn_household_review\"><head><name>X</name></head>"
                    "<meta/></household>\n");
  ck_assert (g_file_set_contents (path, xml, -1, NULL));
  return path;
}

START_TEST (test_import_list_show)
{
  g_autofree char *a = write_instance ("a.xml", "uuid:aaaa", "Nguyễn Văn Bình", "HG-1");
  g_autofree char *b = write_instance ("b.xml", "uuid:bbbb", "Đặng Thị Đào", "HG-2");
  g_autofree char *c = write_instance ("c.xml", NULL, NULL, NULL);
  g_autofree char *a_bytes = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gsize length = 0;

  ck_assert_int_eq (run_cli (&out, &err, "import", "--finalize", a, b, NULL), 0);
  ck_assert_ptr_nonnull (strstr (out, "imported uuid:aaaa (finalized)"));
  ck_assert_ptr_nonnull (strstr (out, "imported uuid:bbbb (finalized)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* No instanceID: refused with a message naming the file and the problem. */
  ck_assert_int_eq (run_cli (&out, &err, "import", c, NULL), 1);
  ck_assert_ptr_nonnull (strstr (err, "c.xml"));
  ck_assert_ptr_nonnull (strstr (err, "meta/instanceID"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Importing the same instance twice does not make a second record. */
  ck_assert_int_eq (run_cli (&out, &err, "import", a, NULL), 1);
  ck_assert_ptr_nonnull (strstr (err, "already"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "list", "--search", "nguyen van", NULL), 0);
  ck_assert_str_eq (out, "uuid:aaaa\tfinalized\tThôn Nà Sáng\tHG-1\tNguyễn Văn Bình\t"
                         "near_poor\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "list", "--state", "finalized", NULL), 0);
  ck_assert_ptr_nonnull (strstr (out, "uuid:aaaa"));
  ck_assert_ptr_nonnull (strstr (out, "uuid:bbbb"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "list", "--state", "draft", NULL), 0);
  ck_assert_str_eq (out, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "list", "--state", "lost", NULL), 2);
  ck_assert_ptr_nonnull (strstr (err, "lost"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert (g_file_get_contents (a, &a_bytes, &length, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) a_bytes, length);
  ck_assert_int_eq (run_cli (&out, &err, "show", "uuid:aaaa", NULL), 0);
  ck_assert_ptr_nonnull (strstr (out, "state:          finalized"));
  ck_assert_ptr_nonnull (strstr (out, "enumerator:     can_bo_2"));
  ck_assert_ptr_nonnull (strstr (out, sha));
  ck_assert_ptr_nonnull (strstr (out, a_bytes));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "show", "uuid:nope", NULL), 1);
  ck_assert_ptr_nonnull (strstr (err, "uuid:nope"));
}
END_TEST

START_TEST (test_export_and_backup)
{
  g_autofree char *a = write_instance ("a.xml", "uuid:aaaa", "Nguyễn Văn Bình", "HG-1");
  g_autofree char *b = write_instance ("b.xml", "uuid:bbbb", "Lò Thị Mai", "HG-2");
  g_autofree char *csv_dir = g_build_filename (tmpdir, "csv", NULL);
  g_autofree char *xml_dir = g_build_filename (tmpdir, "xml", NULL);
  g_autofree char *backup = g_build_filename (tmpdir, "backup.db", NULL);
  g_autofree char *main_csv = g_build_filename (csv_dir, "vn_household_review.csv", NULL);
  g_autofree char *members_csv = g_build_filename (csv_dir,
                                                   "vn_household_review-members-member.csv",
                                                   NULL);
  g_autofree char *xml_file = g_build_filename (xml_dir, "uuid_bbbb.xml", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  sqlite3 *copy = NULL;
  sqlite3_stmt *stmt = NULL;

  ck_assert_int_eq (run_cli (&out, &err, "import", a, b, NULL), 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "export", "--format", "csv", "-o", csv_dir, NULL), 0);
  ck_assert_ptr_nonnull (strstr (out, "exported 2 records"));
  ck_assert (g_file_get_contents (main_csv, &contents, NULL, NULL));
  ck_assert (g_str_has_prefix (contents, RS_CSV_BOM "KEY,admin/village,admin/household_code,"
                                         "head/name,"));
  g_clear_pointer (&contents, g_free);
  ck_assert (g_file_get_contents (members_csv, &contents, NULL, NULL));
  ck_assert_ptr_nonnull (strstr (contents, "uuid:bbbb,uuid:bbbb/members/member[2],Mai\r\n"));
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "export", "--format", "xml", "-o", xml_dir, NULL), 0);
  ck_assert (g_file_test (xml_file, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "export", "--format", "pdf", "-o", xml_dir, NULL), 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "backup", backup, NULL), 0);
  ck_assert_int_eq (sqlite3_open_v2 (backup, &copy, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_prepare_v2 (copy, "PRAGMA integrity_check", -1, &stmt, NULL),
                    SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
  ck_assert_str_eq ((const char *) sqlite3_column_text (stmt, 0), "ok");
  sqlite3_finalize (stmt);
  ck_assert_int_eq (sqlite3_prepare_v2 (copy, "SELECT count(*) FROM records", -1, &stmt, NULL),
                    SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
  ck_assert_int_eq (sqlite3_column_int (stmt, 0), 2);
  sqlite3_finalize (stmt);
  sqlite3_close (copy);
}
END_TEST

/* rasoat-cli export --format csv: what a commune officer opens in Excel or Calc. */
START_TEST (test_export_csv_formula_guard)
{
  g_autofree char *path = g_build_filename (tmpdir, "evil.xml", NULL);
  g_autofree char *csv_dir = g_build_filename (tmpdir, "csv", NULL);
  g_autofree char *main_csv = g_build_filename (csv_dir, "vn_household_review.csv", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  ck_assert (g_file_set_contents (path,
                                  "<?xml version=\"1.0\"?>\n<household id=\"vn_household_review\""
                                  " version=\"2024061001\"><head><name>=HYPERLINK(\"http://evil\""
                                  ",\"x\")</name></head><income><business>-500000</business>"
                                  "</income><meta><instanceID>uuid:evil</instanceID></meta>"
                                  "</household>\n", -1, NULL));
  ck_assert_int_eq (run_cli (&out, &err, "import", path, NULL), 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert_int_eq (run_cli (&out, &err, "export", "--format", "csv", "-o", csv_dir, NULL), 0);
  ck_assert (g_file_get_contents (main_csv, &contents, NULL, NULL));
  ck_assert_str_eq (contents,
                    RS_CSV_BOM "KEY,head/name,income/business,meta/instanceID\r\n"
                    "uuid:evil,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-500000,"
                    "uuid:evil\r\n");
}
END_TEST

/* rasoat-cli score --format text is for people: the reasons are in the language its labels come
 * out in, never half Vietnamese and half English. */
START_TEST (test_score_text_in_one_language)
{
  static const struct
  {
    const char *lc_all;
    const char *language;
    const char *expected[2];
    const char *not_expected;
  } cases[] = {
    { "C.UTF-8", "vi", { "Kết quả: Hộ nghèo", " 1. Việc làm: " }, "Result:" },
    { "C.UTF-8", "C", { "Result: Poor household", " 1. Employment: " }, "Việc làm" },
    { "C", NULL, { "Result: Poor household", " 1. Employment: " }, "Việc làm" },
    /* Debian's default on a fresh server: no catalogue chosen, English throughout. */
    { "C.UTF-8", NULL, { "Result: Poor household", " 1. Employment: " }, "Việc làm" },
  };
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *cli = g_build_filename (builddir != NULL ? builddir : ".", "cli",
                                           "rasoat-cli", NULL);
  g_autofree char *record = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                              "poor-rural-4.xml", NULL);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const char *argv[] = { cli, "score", record, "--format", "text", NULL };
      g_auto(GStrv) env = g_get_environ ();
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      int status = -1;

      env = g_environ_setenv (env, "LC_ALL", cases[c].lc_all, TRUE);
      env = cases[c].language != NULL ? g_environ_setenv (env, "LANGUAGE", cases[c].language, TRUE)
                                      : g_environ_unsetenv (env, "LANGUAGE");
      ck_assert_msg (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                   NULL, &out, NULL, &status, &error),
                     "%s", error != NULL ? error->message : "");
      ck_assert_int_eq (status, 0);
      for (guint e = 0; e < G_N_ELEMENTS (cases[c].expected); e++)
        ck_assert_msg (strstr (out, cases[c].expected[e]) != NULL, "case %u: no “%s” in\n%s", c,
                       cases[c].expected[e], out);
      ck_assert_msg (strstr (out, cases[c].not_expected) == NULL, "case %u: “%s” in\n%s", c,
                     cases[c].not_expected, out);
    }
}
END_TEST

START_TEST (test_missing_and_damaged_databases)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *after = NULL;

  ck_assert_int_eq (run_cli (&out, &err, "list", NULL), 1);
  ck_assert_ptr_nonnull (strstr (err, "There is no household database"));
  ck_assert (!g_file_test (db, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  ck_assert (g_file_set_contents (db, "not a database, but somebody's notes\n", -1, NULL));
  ck_assert_int_eq (run_cli (&out, &err, "list", NULL), 1);
  ck_assert_ptr_nonnull (strstr (err, "is damaged"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (run_cli (&out, &err, "import", db, NULL), 1);
  ck_assert (g_file_get_contents (db, &after, NULL, NULL));
  ck_assert_str_eq (after, "not a database, but somebody's notes\n");
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("store-cli");
  TCase *tc = tcase_create ("db-commands");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_import_list_show);
  tcase_add_test (tc, test_export_and_backup);
  tcase_add_test (tc, test_export_csv_formula_guard);
  tcase_add_test (tc, test_missing_and_damaged_databases);
  tcase_add_test (tc, test_score_text_in_one_language);
  suite_add_tcase (suite, tc);
  return rs_test_run_suite (suite);
}
