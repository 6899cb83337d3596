/* test-store-crash.c: a child saves answers and finalizes records; SIGKILL at random moments;
 * afterwards every save it reported is there, nothing is half-finalized, integrity is ok.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs-store-private.h"
#include "rs-test.h"

static guint n_kills = 200;

typedef struct
{
  GHashTable *created;    /* instanceID → TRUE */
  GHashTable *saved;      /* instanceID → highest counter reported saved */
  GHashTable *finalized;  /* instanceID → TRUE */
  GHashTable *sent;       /* instanceID → TRUE */
  guint       n_saves;
} Reported;

static void
report (int         fd,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static void
report (int         fd,
        const char *format,
        ...)
{
  g_autofree char *line = NULL;
  va_list args;
  gsize length;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  length = strlen (line);
  /* One write of less than PIPE_BUF bytes: atomic, so a kill never leaves half a line. */
  if (write (fd, line, length) != (gssize) length)
    _exit (5);
}

static GBytes *
make_xml (const char *id,
          guint       counter)
{
  char *xml = g_strdup_printf ("<?xml version=\"1.0\"?>\n<household id=\"vn_household_review\" "
                               "version=\"1\"><admin><village>Thôn Nà Sáng</village>"
                               "<household_code>%s</household_code></admin><head><name>Nguyễn "
                               "Văn Bình</name></head><members><member><name>Lò Thị Mai</name>"
                               "</member></members><income><wages>%u</wages></income><meta>"
                               "<instanceID>%s</instanceID></meta></household>\n",
                               id, counter, id);

  return g_bytes_new_take (xml, strlen (xml));
}

/* The child: works until it is killed. Every line it reports was committed before. */
G_GNUC_NORETURN static void
child_main (const char *path,
            guint       life,
            guint32     seed,
            int         fd)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  RsStore *store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);

  if (store == NULL)
    {
      report (fd, "E open: %s\n", error->message);
      _exit (3);
    }
  for (guint n = 0;; n++)
    {
      g_autofree char *id = g_strdup_printf ("uuid:life%u-rec%u", life, n);
      g_autoptr(RsRecordSummary) summary = rs_record_summary_new ("Thôn Nà Sáng", id,
                                                                  "Nguyễn Văn Bình", NULL,
                                                                  "can_bo_1");
      g_autoptr(RsRecord) record = NULL;
      guint n_answers = (guint) g_rand_int_range (rand, 2, 12);
      g_autoptr(GBytes) last = NULL;

      record = rs_store_create_draft (store, "vn_household_review", "1", id, NULL, summary,
                                      NULL, &error);
      if (record == NULL)
        {
          report (fd, "E create: %s\n", error->message);
          _exit (3);
        }
      report (fd, "C %s\n", id);

      for (guint counter = 1; counter <= n_answers; counter++)
        {
          g_autofree char *old = g_strdup_printf ("%u", counter - 1);
          g_autofree char *value = g_strdup_printf ("%u", counter);
          g_autofree char *score = g_strdup_printf ("{\"deprivation_count\":%u}", counter % 13);
          g_autoptr(RsRecordUpdate) update = NULL;

          g_clear_pointer (&last, g_bytes_unref);
          last = make_xml (id, counter);
          update = rs_record_update_new (id, last, score);
          rs_record_update_set_summary (update, summary);
          rs_record_update_set_screen (update, "income");
          rs_record_update_add_audit (update,
                                      rs_audit_event_new (RS_AUDIT_VALUE_CHANGED,
                                                          "/household/income/wages", old, value,
                                                          NULL, counter * 1000));
          if (!rs_store_save_answer (store, update, &error))
            {
              report (fd, "E save: %s\n", error->message);
              _exit (3);
            }
          report (fd, "S %s %u\n", id, counter);
        }

      if (g_rand_int_range (rand, 0, 10) < 7)
        {
          g_autoptr(RsOutboxEntry) entry = NULL;

          if (!rs_store_finalize (store, id, last, "{\"classification\":\"poor\"}", summary,
                                  &error))
            {
              report (fd, "E finalize: %s\n", error->message);
              _exit (3);
            }
          report (fd, "F %s\n", id);

          if (g_rand_int_range (rand, 0, 10) < 4)
            {
              entry = rs_store_outbox_get (store, id, &error);
              if (entry == NULL
                  || !rs_store_outbox_mark_sending (store, entry->id, &error)
                  || !rs_store_outbox_mark_sent (store, entry->id, 201, "OK", &error))
                {
                  report (fd, "E send: %s\n", error->message);
                  _exit (3);
                }
              report (fd, "T %s\n", id);
            }
        }
    }
}

/* Takes the complete lines out of @buffer. Returns FALSE (with the message) if the child
 * reported an error. */
static gboolean
take_lines (GString   *buffer,
            Reported  *reported,
            guint     *n_lines,
            char     **child_error)
{
  char *end;

  while ((end = memchr (buffer->str, '\n', buffer->len)) != NULL)
    {
      g_autofree char *line = g_strndup (buffer->str, end - buffer->str);

      g_string_erase (buffer, 0, end - buffer->str + 1);
      (*n_lines)++;
      if (g_str_has_prefix (line, "E "))
        {
          *child_error = g_strdup (line + 2);
          return FALSE;
        }
      if (g_str_has_prefix (line, "C "))
        g_hash_table_add (reported->created, g_strdup (line + 2));
      else if (g_str_has_prefix (line, "F "))
        g_hash_table_add (reported->finalized, g_strdup (line + 2));
      else if (g_str_has_prefix (line, "T "))
        g_hash_table_add (reported->sent, g_strdup (line + 2));
      else if (g_str_has_prefix (line, "S "))
        {
          g_auto(GStrv) parts = g_strsplit (line + 2, " ", 2);

          ck_assert_ptr_nonnull (parts[1]);
          g_hash_table_replace (reported->saved, g_strdup (parts[0]),
                                GUINT_TO_POINTER ((guint) atoi (parts[1])));
          reported->n_saves++;
        }
    }
  return TRUE;
}

/* Reads what the child reports until @wanted lines came (0: until end of file), or @timeout_ms
 * passed. Returns FALSE if the child reported an error. */
static gboolean
read_reports (int        fd,
              GString   *buffer,
              Reported  *reported,
              guint      wanted,
              int        timeout_ms,
              char     **child_error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint n_lines = 0;
  char chunk[4096];

  while (wanted == 0 || n_lines < wanted)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left <= 0)
        break;
      if (poll (&pfd, 1, (int) left) <= 0)
        continue;
      n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (buffer, chunk, n);
      if (!take_lines (buffer, reported, &n_lines, child_error))
        return FALSE;
    }
  return TRUE;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static guint
wages_in (GBytes *xml)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml));
  const char *start = strstr (text, "<wages>");

  ck_assert_ptr_nonnull (start);
  return (guint) atoi (start + strlen ("<wages>"));
}

static void
verify (const char *path,
        Reported   *reported)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  GHashTableIter iter;
  gpointer key, value;

  ck_assert_msg (store != NULL, "reopen after kill: %s", error ? error->message : "");
  db = _rs_store_get_db (store);
  {
    sqlite3_stmt *check = NULL;

    ck_assert_int_eq (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &check, NULL),
                      SQLITE_OK);
    ck_assert_int_eq (sqlite3_step (check), SQLITE_ROW);
    ck_assert_str_eq ((const char *) sqlite3_column_text (check, 0), "ok");
    sqlite3_finalize (check);
  }

  /* Every record whose creation was reported exists. */
  g_hash_table_iter_init (&iter, reported->created);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(RsRecord) record = rs_store_get_record (store, key, &error);

      ck_assert_msg (record != NULL, "reported created, missing: %s", (char *) key);
    }

  /* Every reported save is there: the instance has at least that answer, and the audit log
   * has one value change per save up to it. */
  g_hash_table_iter_init (&iter, reported->saved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(RsRecord) record = rs_store_get_record (store, key, NULL);
      g_autoptr(GPtrArray) audit = rs_store_list_audit (store, key, NULL);
      guint counter = GPOINTER_TO_UINT (value);
      guint changes = 0;

      ck_assert_msg (record != NULL, "reported saved, missing: %s", (char *) key);
      ck_assert_ptr_nonnull (record->instance_xml);
      ck_assert_msg (wages_in (record->instance_xml) >= counter,
                     "%s: answer %u reported saved, found %u", (char *) key, counter,
                     wages_in (record->instance_xml));
      for (guint i = 0; i < audit->len; i++)
        {
          RsAuditEvent *event = g_ptr_array_index (audit, i);

          if (event->kind == RS_AUDIT_VALUE_CHANGED)
            {
              changes++;
              ck_assert_int_eq (atoi (event->new_value), changes);
            }
        }
      ck_assert_uint_ge (changes, counter);
    }

  g_hash_table_iter_init (&iter, reported->finalized);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(RsRecord) record = rs_store_get_record (store, key, NULL);
      g_autoptr(RsOutboxEntry) entry = rs_store_outbox_get (store, key, NULL);

      ck_assert_msg (record != NULL && (record->state == RS_RECORD_STATE_FINALIZED
                                        || record->state == RS_RECORD_STATE_SENT),
                     "reported finalized, not finalized: %s", (char *) key);
      ck_assert_msg (entry != NULL, "reported finalized, no outbox row: %s", (char *) key);
    }
  g_hash_table_iter_init (&iter, reported->sent);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr(RsRecord) record = rs_store_get_record (store, key, NULL);
      g_autoptr(RsOutboxEntry) entry = rs_store_outbox_get (store, key, NULL);

      ck_assert_int_eq (record->state, RS_RECORD_STATE_SENT);
      ck_assert_int_eq (entry->state, RS_OUTBOX_SENT);
    }

  /* Nothing half-done, whether reported or not: finalized ⇔ a queued row with the same bytes,
   * sent ⇔ a sent row, drafts have no row. */
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM records r WHERE r.state = 'finalized' "
                                   "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = "
                                   "r.id AND o.state != 'sent' AND o.payload = r.instance_xml)"),
                    0);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM records r WHERE r.state = 'sent' "
                                   "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = "
                                   "r.id AND o.state = 'sent')"), 0);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM outbox o JOIN records r ON r.id = "
                                   "o.record_id WHERE r.state = 'draft' OR (o.state = 'sent') "
                                   "!= (r.state = 'sent')"), 0);
  ck_assert_int_eq (query_int (db, "SELECT count(*) FROM records WHERE state = 'finalized' "
                                   "AND instance_id NOT IN (SELECT instance_id FROM audit_log "
                                   "WHERE kind = 'finalized')"), 0);

  /* The queued bytes match their SHA-256. */
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "SELECT payload, sha256 FROM outbox", -1, &stmt,
                                        NULL), SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          sqlite3_column_blob (stmt, 0),
                                                          sqlite3_column_bytes (stmt, 0));

      ck_assert_str_eq (sha, (const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
}

START_TEST (test_sigkill_loses_nothing)
{
  g_autofree char *dir = g_dir_make_tmp ("rasoat-crash-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  const char *seed_env = g_getenv ("RS_CRASH_SEED");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10)
                                  : (guint32) g_get_real_time ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  Reported reported = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    0,
  };
  guint verify_every = MAX (20, n_kills / 10);
  guint killed = 0;
  gint64 started = g_get_monotonic_time ();

  fprintf (stderr, "# crash test: %u kills, seed %u (set RS_CRASH_SEED to replay)\n", n_kills,
           seed);
  for (guint life = 0; life < n_kills; life++)
    {
      int fds[2];
      pid_t child;
      int status = 0;
      g_autofree char *child_error = NULL;
      g_autoptr(GString) buffer = g_string_new (NULL);
      /* One life in ten is cut short during the open (recovery, migrations); the others after
       * a random number of reported steps plus a random bit of the next one, so the kill lands
       * anywhere in a commit whatever the disk's speed. */
      gboolean early = g_rand_int_range (rand, 0, 10) == 0;
      guint steps = (guint) g_rand_int_range (rand, 1, 25);
      gulong extra = (gulong) g_rand_int_range (rand, 0, early ? 3000 : 1500);
      guint32 child_seed = g_rand_int (rand);

      ck_assert_int_eq (pipe (fds), 0);
      child = fork ();
      ck_assert_int_ge (child, 0);
      if (child == 0)
        {
          close (fds[0]);
          child_main (path, life, child_seed, fds[1]);
        }
      close (fds[1]);
      if (!early && !read_reports (fds[0], buffer, &reported, steps, 30000, &child_error))
        ck_abort_msg ("life %u: the child failed: %s", life, child_error);
      g_usleep (extra);
      kill (child, SIGKILL);
      ck_assert_int_eq (waitpid (child, &status, 0), child);
      if (!read_reports (fds[0], buffer, &reported, 0, 30000, &child_error))
        ck_abort_msg ("life %u: the child failed: %s", life, child_error);
      close (fds[0]);
      ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
                     "life %u: the child exited by itself (status %d)", life, status);
      killed++;

      if ((life + 1) % verify_every == 0 || life + 1 == n_kills)
        verify (path, &reported);
    }

  fprintf (stderr, "# %u kills, %u records, %u reported saves, %u finalized, %u sent, %.1f s\n",
           killed, g_hash_table_size (reported.created), reported.n_saves,
           g_hash_table_size (reported.finalized), g_hash_table_size (reported.sent),
           (g_get_monotonic_time () - started) / 1e6);
  ck_assert_uint_ge (killed, n_kills);
  /* The test means something only if the children got work done between kills. */
  ck_assert_uint_gt (reported.n_saves, n_kills);
  ck_assert_uint_gt (g_hash_table_size (reported.finalized), 0);

  g_hash_table_unref (reported.created);
  g_hash_table_unref (reported.saved);
  g_hash_table_unref (reported.finalized);
  g_hash_table_unref (reported.sent);
  {
    static const char *const names[] = { "store.db", "store.db-wal", "store.db-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *file = g_build_filename (dir, names[i], NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }
}
END_TEST

int
main (int    argc,
      char **argv)
{
  Suite *suite = suite_create ("store-crash");
  TCase *tc = tcase_create ("sigkill");

  if (argc > 1)
    n_kills = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  if (n_kills == 0)
    n_kills = 200;
  tcase_set_timeout (tc, n_kills > 1000 ? 3500 : 170);
  tcase_add_test (tc, test_sigkill_loses_nothing);
  suite_add_tcase (suite, tc);
  return rs_test_run_suite (suite);
}
