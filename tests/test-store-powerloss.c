/* test-store-powerloss.c: power cut at every fsync of a short session (open, draft, answers,
 * a checkpoint, finalize): every answer reported saved survives. The same session under
 * synchronous=NORMAL must lose answers, which shows the harness can tell the difference. And a
 * write error (full disk, I/O) at every write of a save: reported, nothing lost.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "rs-store-private.h"
#include "rs-test-fault-vfs.h"
#include "rs-test.h"

#define N_ANSWERS 12

typedef struct
{
  gboolean created;
  guint    saved;      /* highest answer reported saved */
  gboolean finalized;
  gboolean done;       /* the session ran to its end before the power cut */
} Reported;

static void
report (int         fd,
        const char *line)
{
  if (write (fd, line, strlen (line)) != (gssize) strlen (line))
    _exit (5);
}

static GBytes *
make_xml (guint counter)
{
  char *xml = g_strdup_printf ("<household id=\"vn_household_review\" version=\"1\"><admin>"
                               "<village>Thôn 1</village></admin><head><name>Nguyễn Văn Bình"
                               "</name></head><income><wages>%u</wages></income><meta>"
                               "<instanceID>uuid:power</instanceID></meta></household>",
                               counter);

  return g_bytes_new_take (xml, strlen (xml));
}

/* The child: one session through the fault VFS; the power goes at the @cut_at-th fsync, or at
 * the end of the session. Each step is reported only after the call returned success. */
G_GNUC_NORETURN static void
session (const char *path,
         guint       cut_at,
         gboolean    normal_sync,
         int         fd)
{
  g_autoptr(GError) error = NULL;
  RsStore *store;
  g_autoptr(RsRecord) record = NULL;
  g_autoptr(GBytes) last = NULL;

  rs_fault_vfs_install ();
  rs_fault.power_cut_at_sync = cut_at;
  store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  if (store == NULL)
    {
      report (fd, "E open\n");
      _exit (3);
    }
  if (normal_sync)
    sqlite3_exec (_rs_store_get_db (store), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);

  record = rs_store_create_draft (store, "vn_household_review", "1", "uuid:power", NULL, NULL,
                                  NULL, &error);
  if (record == NULL)
    _exit (3);
  report (fd, "C\n");
  for (guint counter = 1; counter <= N_ANSWERS; counter++)
    {
      g_autoptr(RsRecordUpdate) update = NULL;
      g_autofree char *line = g_strdup_printf ("S %u\n", counter);

      g_clear_pointer (&last, g_bytes_unref);
      last = make_xml (counter);
      update = rs_record_update_new ("uuid:power", last, NULL);
      if (!rs_store_save_answer (store, update, &error))
        _exit (3);
      report (fd, line);
      /* Half-way, a checkpoint: its writes to the database file and the WAL reset are cut too. */
      if (counter == N_ANSWERS / 2 && !rs_store_checkpoint (store, &error))
        _exit (3);
    }
  if (!rs_store_finalize (store, "uuid:power", last, NULL, NULL, &error))
    _exit (3);
  report (fd, "F\n");
  report (fd, "D\n");
  /* The battery dies right after the last confirmation. */
  rs_fault_power_cut ();
}

static Reported
run_session (const char *path,
             guint       cut_at,
             gboolean    normal_sync)
{
  Reported reported = { 0 };
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  char chunk[1024];
  int fds[2];
  int status = 0;
  pid_t child;
  gssize n;

  ck_assert_int_eq (pipe (fds), 0);
  child = fork ();
  ck_assert_int_ge (child, 0);
  if (child == 0)
    {
      close (fds[0]);
      session (path, cut_at, normal_sync, fds[1]);
    }
  close (fds[1]);
  while ((n = read (fds[0], chunk, sizeof chunk)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      g_string_append_len (buffer, chunk, n);
    }
  close (fds[0]);
  ck_assert_int_eq (waitpid (child, &status, 0), child);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
                 "power cut at fsync %u: the session failed (status %d): %s", cut_at, status,
                 buffer->str);

  lines = g_strsplit (buffer->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "C"))
        reported.created = TRUE;
      else if (g_str_has_prefix (lines[i], "S "))
        reported.saved = (guint) atoi (lines[i] + 2);
      else if (g_str_equal (lines[i], "F"))
        reported.finalized = TRUE;
      else if (g_str_equal (lines[i], "D"))
        reported.done = TRUE;
    }
  return reported;
}

/* What survived the power cut, compared with what was confirmed. NULL when nothing confirmed
 * was lost, else what was. */
static char *
lost_after_power_cut (const char     *path,
                      const Reported *reported)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  g_autoptr(RsRecord) record = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;
  g_autofree char *check = NULL;
  sqlite3_stmt *stmt = NULL;
  guint wages = 0;

  /* Opening must always work and the file must be sound, whatever was confirmed. */
  ck_assert_msg (store != NULL, "reopen after power cut: %s", error ? error->message : "");
  ck_assert_int_eq (sqlite3_prepare_v2 (_rs_store_get_db (store), "PRAGMA integrity_check", -1,
                                        &stmt, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
  check = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  ck_assert_str_eq (check, "ok");

  record = rs_store_get_record (store, "uuid:power", NULL);
  if (record == NULL)
    return reported->created ? g_strdup ("the draft") : NULL;
  if (record->instance_xml != NULL)
    {
      const char *xml = g_bytes_get_data (record->instance_xml, NULL);
      g_autofree char *text = g_strndup (xml, g_bytes_get_size (record->instance_xml));
      const char *start = strstr (text, "<wages>");

      wages = start != NULL ? (guint) atoi (start + strlen ("<wages>")) : 0;
    }
  if (wages < reported->saved)
    return g_strdup_printf ("answers %u to %u", wages + 1, reported->saved);
  entry = rs_store_outbox_get (store, "uuid:power", NULL);
  /* Never half-finalized, confirmed or not. */
  ck_assert_int_eq (record->state == RS_RECORD_STATE_FINALIZED, entry != NULL);
  if (reported->finalized && entry == NULL)
    return g_strdup ("the finalize");
  return NULL;
}

static void
remove_database (const char *dir)
{
  static const char *const names[] = { "store.db", "store.db-wal", "store.db-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_build_filename (dir, names[i], NULL);
      g_unlink (file);
    }
}

START_TEST (test_power_cut_at_every_fsync)
{
  g_autofree char *dir = g_dir_make_tmp ("rasoat-power-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  guint cuts = 0;
  gboolean completed = FALSE;

  /* N = 1, 2, …: the power goes at the N-th fsync, until a session ends before its N-th. */
  for (guint cut_at = 1; cut_at < 500 && !completed; cut_at++)
    {
      Reported reported;
      g_autofree char *lost = NULL;

      remove_database (dir);
      reported = run_session (path, cut_at, FALSE);
      lost = lost_after_power_cut (path, &reported);
      ck_assert_msg (lost == NULL, "power cut at fsync %u lost %s", cut_at, lost);
      completed = reported.done;
      cuts++;
    }
  ck_assert (completed);
  /* Opening, the draft, each answer and the finalize each cost at least one fsync. */
  ck_assert_uint_ge (cuts, N_ANSWERS + 2);
  fprintf (stderr, "# %u power cuts, one at each fsync of the session: nothing confirmed lost\n",
           cuts);
  remove_database (dir);
  g_rmdir (dir);
}
END_TEST

/* Negative control: with synchronous=NORMAL a commit is not synced, so a power cut right after
 * the confirmations loses them. If this ever passes, the harness above proves nothing. */
START_TEST (test_normal_sync_loses_answers)
{
  g_autofree char *dir = g_dir_make_tmp ("rasoat-power-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *lost = NULL;
  Reported reported;

  reported = run_session (path, 0, TRUE);
  ck_assert (reported.done);
  lost = lost_after_power_cut (path, &reported);
  ck_assert_msg (lost != NULL, "synchronous=NORMAL lost nothing: the power cut is not simulated");
  fprintf (stderr, "# negative control, synchronous=NORMAL: the power cut lost %s\n", lost);
  remove_database (dir);
  g_rmdir (dir);
}
END_TEST

/* A write error at the N-th write of one answer save, for N = 1, 2, …: the save reports the
 * failure (never a false "saved"), the previous answer is intact, the file is sound, and saving
 * works again once the fault is gone. */
static const struct
{
  int error;
  int expected;
} write_errors[] = {
  { SQLITE_FULL, RS_STORE_ERROR_FULL },
  { SQLITE_IOERR_WRITE, RS_STORE_ERROR_IO },
};

START_TEST (test_write_error_at_every_write)
{
  g_autofree char *dir = g_dir_make_tmp ("rasoat-write-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autoptr(GBytes) before = make_xml (1);
  g_autoptr(GBytes) after = make_xml (2);
  gboolean saved = FALSE;
  guint failures = 0;

  rs_fault_vfs_install ();
  for (guint fail_at = 1; fail_at < 200 && !saved; fail_at++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RsStore) store = NULL;
      g_autoptr(RsRecordUpdate) first = rs_record_update_new ("uuid:power", before, NULL);
      g_autoptr(RsRecordUpdate) second = rs_record_update_new ("uuid:power", after, NULL);

      remove_database (dir);
      rs_fault.fail_write_at = 0;
      store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
      ck_assert_ptr_nonnull (store);
      rs_record_free (rs_store_create_draft (store, "vn_household_review", "1", "uuid:power",
                                             NULL, NULL, NULL, NULL));
      ck_assert (rs_store_save_answer (store, first, NULL));

      rs_fault.writes = 0;
      rs_fault.fail_write_at = fail_at;
      rs_fault.write_error = write_errors[_i].error;
      saved = rs_store_save_answer (store, second, &error);
      rs_fault.fail_write_at = 0;
      if (saved)
        break;
      failures++;
      ck_assert_msg (g_error_matches (error, RS_STORE_ERROR, write_errors[_i].expected),
                     "write %u: %s", fail_at, error->message);

      /* Same store if it is still open (a full disk), a new one otherwise (an I/O error
       * closes it): the previous answer is there, and saving works again. */
      if (write_errors[_i].expected == RS_STORE_ERROR_IO)
        {
          g_clear_object (&store);
          store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, NULL);
          ck_assert_ptr_nonnull (store);
        }
      {
        g_autoptr(RsRecord) record = rs_store_get_record (store, "uuid:power", NULL);
        sqlite3_stmt *stmt = NULL;

        ck_assert_msg (g_bytes_equal (record->instance_xml, before),
                       "write %u failed but the answer changed", fail_at);
        ck_assert_int_eq (sqlite3_prepare_v2 (_rs_store_get_db (store), "PRAGMA integrity_check",
                                              -1, &stmt, NULL), SQLITE_OK);
        ck_assert_int_eq (sqlite3_step (stmt), SQLITE_ROW);
        ck_assert_str_eq ((const char *) sqlite3_column_text (stmt, 0), "ok");
        sqlite3_finalize (stmt);
        ck_assert (rs_store_save_answer (store, second, NULL));
      }
    }
  ck_assert (saved);
  ck_assert_uint_gt (failures, 0);
  fprintf (stderr, "# %s at each of %u writes of one save: reported, nothing lost\n",
           write_errors[_i].error == SQLITE_FULL ? "SQLITE_FULL" : "SQLITE_IOERR_WRITE",
           failures);
  rs_fault_vfs_uninstall ();
  remove_database (dir);
  g_rmdir (dir);
}
END_TEST

int
main (void)
{
  Suite *suite = suite_create ("store-powerloss");
  TCase *tc = tcase_create ("power-cut");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_power_cut_at_every_fsync);
  tcase_add_test (tc, test_normal_sync_loses_answers);
  tcase_add_loop_test (tc, test_write_error_at_every_write, 0, G_N_ELEMENTS (write_errors));
  suite_add_tcase (suite, tc);
  return rs_test_run_suite (suite);
}
