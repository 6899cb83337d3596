/* test-store.c: the offline store: drafts, durable saves, search, finalize and outbox, edits,
 * tombstones, exports, backup, migrations, pragmas, full disk, read-only and corrupt files.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rs-store-private.h"
#include "rs-test-fault-vfs.h"
#include "rs-test.h"
#include "rs-sqlite.h"
#include "rs-text.h"

static char *tmpdir;

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
setup (void)
{
  tmpdir = g_dir_make_tmp ("rasoat-store-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmpdir);
}

static void
teardown (void)
{
  g_autofree char *dir = g_steal_pointer (&tmpdir);

  /* Make everything writable again (the read-only test chmods the file). */
  g_autofree char *db = g_build_filename (dir, "store.db", NULL);
  g_chmod (db, 0644);
  remove_tree (dir);
}

static char *
db_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static RsStore *
open_store (const char *name)
{
  g_autofree char *path = db_path (name);
  g_autoptr(GError) error = NULL;
  RsStore *store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);

  if (store == NULL)
    ck_abort_msg ("open %s: %s", path, error->message);
  return store;
}

/* A household instance shaped like the data dictionary's. */
static GBytes *
make_instance (const char *instance_id,
               const char *deprecated_id,
               const char *village,
               const char *code,
               const char *head,
               guint       n_members,
               const char *counter)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\"?>\n"
                               "<household id=\"vn_household_review\" version=\"2024061001\">");

  g_string_append_printf (xml, "<admin><village>%s</village><household_code>%s</household_code>"
                               "</admin><head><name>%s</name></head><members>",
                          village, code, head);
  for (guint i = 0; i < n_members; i++)
    g_string_append_printf (xml, "<member><name>Thành viên %u</name><age>%u</age></member>",
                            i + 1, 20 + i);
  g_string_append_printf (xml, "</members><income><wages>%s</wages></income>"
                               "<result><classification>poor</classification></result><meta>"
                               "<instanceID>%s</instanceID>",
                          counter != NULL ? counter : "0", instance_id);
  if (deprecated_id != NULL)
    g_string_append_printf (xml, "<deprecatedID>%s</deprecatedID>", deprecated_id);
  g_string_append (xml, "<username>can_bo_1</username></meta></household>\n");
  return g_string_free_to_bytes (xml);
}

static RsRecord *
new_draft (RsStore    *store,
           const char *id,
           const char *village,
           const char *code,
           const char *head)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = make_instance (id, NULL, village, code, head, 1, NULL);
  g_autoptr(RsRecordSummary) summary = rs_record_summary_new (village, code, head, NULL,
                                                              "can_bo_1");
  RsRecord *record = rs_store_create_draft (store, "vn_household_review", "2024061001", id, xml,
                                            summary, NULL, &error);

  if (record == NULL)
    ck_abort_msg ("create draft: %s", error->message);
  return record;
}

static gint64
pragma_int (sqlite3    *db,
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

static char *
pragma_text (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  ck_assert_int_eq (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static char *
file_checksum (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  ck_assert (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static char *
integrity_of (const char *path)
{
  sqlite3 *db = NULL;
  char *result;

  ck_assert_int_eq (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  result = pragma_text (db, "PRAGMA integrity_check");
  sqlite3_close (db);
  return result;
}

/* ---- pure parts ------------------------------------------------------------------------ */

static const struct
{
  RsRecordState  from;
  RsRecordAction action;
  gboolean       allowed;
  RsRecordState  to;
} transition_cases[] = {
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_SAVE, TRUE, RS_RECORD_STATE_DRAFT },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_SAVE, FALSE, 0 },
  { RS_RECORD_STATE_SENT, RS_RECORD_ACTION_SAVE, FALSE, 0 },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_FINALIZE, TRUE, RS_RECORD_STATE_FINALIZED },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_FINALIZE, FALSE, 0 },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_MARK_SENT, TRUE, RS_RECORD_STATE_SENT },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_MARK_SENT, FALSE, 0 },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_PARK, TRUE, RS_RECORD_STATE_REJECTED },
  { RS_RECORD_STATE_REJECTED, RS_RECORD_ACTION_UNPARK, TRUE, RS_RECORD_STATE_FINALIZED },
  { RS_RECORD_STATE_REJECTED, RS_RECORD_ACTION_REOPEN, TRUE, RS_RECORD_STATE_DRAFT },
  { RS_RECORD_STATE_SENT, RS_RECORD_ACTION_REOPEN, FALSE, 0 },
  { RS_RECORD_STATE_SENT, RS_RECORD_ACTION_EDIT_AFTER_SEND, TRUE, RS_RECORD_STATE_SENT },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_EDIT_AFTER_SEND, FALSE, 0 },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_DELETE, TRUE, RS_RECORD_STATE_DELETED },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_DELETE, FALSE, 0 },
  { RS_RECORD_STATE_SENT, RS_RECORD_ACTION_DELETE, FALSE, 0 },
  { RS_RECORD_STATE_DELETED, RS_RECORD_ACTION_SAVE, FALSE, 0 },
  { RS_RECORD_STATE_DELETED, RS_RECORD_ACTION_REOPEN, FALSE, 0 },
};

START_TEST (test_state_transitions)
{
  RsRecordState to = RS_RECORD_STATE_DELETED;
  gboolean allowed = rs_record_state_transition (transition_cases[_i].from,
                                                 transition_cases[_i].action, &to);

  ck_assert_int_eq (allowed, transition_cases[_i].allowed);
  if (allowed)
    ck_assert_int_eq (to, transition_cases[_i].to);
}
END_TEST

START_TEST (test_instance_info)
{
  g_autoptr(GBytes) xml = make_instance ("uuid:a", "uuid:old", "Thôn 1", "HG-7", "Lò Văn Páo",
                                         2, NULL);
  g_autoptr(GBytes) no_id = g_bytes_new_static ("<household id=\"x\"><meta/></household>", 37);
  g_autoptr(GBytes) broken = g_bytes_new_static ("<household><meta>", 17);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsInstanceInfo) info = rs_instance_info_parse (xml, &error);
  RsInstanceInfo *bad;

  ck_assert_ptr_nonnull (info);
  ck_assert_str_eq (info->form_id, "vn_household_review");
  ck_assert_str_eq (info->form_version, "2024061001");
  ck_assert_str_eq (info->instance_id, "uuid:a");
  ck_assert_str_eq (info->deprecated_id, "uuid:old");
  ck_assert_str_eq (info->summary.village, "Thôn 1");
  ck_assert_str_eq (info->summary.household_code, "HG-7");
  ck_assert_str_eq (info->summary.head_name, "Lò Văn Páo");
  ck_assert_str_eq (info->summary.classification, "poor");
  ck_assert_str_eq (info->summary.enumerator, "can_bo_1");

  bad = rs_instance_info_parse (no_id, &error);
  ck_assert_ptr_null (bad);
  ck_assert (g_error_matches (error, RS_INSTANCE_ERROR, RS_INSTANCE_ERROR_NO_INSTANCE_ID));
  g_clear_error (&error);
  bad = rs_instance_info_parse (broken, &error);
  ck_assert_ptr_null (bad);
  ck_assert (g_error_matches (error, RS_INSTANCE_ERROR, RS_INSTANCE_ERROR_MALFORMED));
}
END_TEST

/* ---- opening ----------------------------------------------------------------------------- */

/* The shared connection settings (core/rs-sqlite.h), on a database that cannot do WAL: an
 * in-memory one, as a network share or a card that lacks shared memory would be. */
START_TEST (test_sqlite_settings_and_no_wal)
{
  sqlite3 *db = NULL;
  g_autofree char *mode = NULL;

  ck_assert_int_eq (sqlite3_open (":memory:", &db), SQLITE_OK);
  ck_assert_int_eq (rs_sqlite_configure (db), SQLITE_OK);
  ck_assert_int_eq (pragma_int (db, "PRAGMA synchronous"), 2);
  ck_assert_int_eq (pragma_int (db, "PRAGMA foreign_keys"), 1);
  ck_assert_int_eq (pragma_int (db, "PRAGMA secure_delete"), 1);
  ck_assert_int_eq (pragma_int (db, "PRAGMA trusted_schema"), 0);
  ck_assert_int_eq (pragma_int (db, "PRAGMA busy_timeout"), 5000);
  /* No double-quoted string literals: "x" is a column name, and there is none. */
  ck_assert_int_ne (sqlite3_exec (db, "SELECT \"x\"", NULL, NULL, NULL), SQLITE_OK);
  ck_assert_int_eq (rs_sqlite_use_wal (db, &mode), SQLITE_CANTOPEN);
  ck_assert_str_eq (mode, "memory");
  sqlite3_close (db);
}
END_TEST

START_TEST (test_pragmas_read_back)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  sqlite3 *db = _rs_store_get_db (store);
  g_autofree char *mode = pragma_text (db, "PRAGMA journal_mode");
  int defensive = -1;

  ck_assert_str_eq (mode, "wal");
  ck_assert_int_eq (pragma_int (db, "PRAGMA synchronous"), 2); /* FULL */
  ck_assert_int_eq (pragma_int (db, "PRAGMA foreign_keys"), 1);
  ck_assert_int_eq (pragma_int (db, "PRAGMA secure_delete"), 1);
  ck_assert_int_eq (pragma_int (db, "PRAGMA cell_size_check"), 1);
  ck_assert_int_eq (pragma_int (db, "PRAGMA trusted_schema"), 0);
  ck_assert_int_eq (pragma_int (db, "PRAGMA busy_timeout"), 5000);
  ck_assert_int_eq (pragma_int (db, "PRAGMA user_version"), RS_STORE_SCHEMA_VERSION);
  ck_assert_int_eq (pragma_int (db, "PRAGMA application_id"), RS_STORE_APPLICATION_ID);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
  ck_assert_int_eq (defensive, 1);

  /* Per connection: a second store on the same file gets them too. */
  {
    g_autoptr(RsStore) second = open_store ("store.db");
    sqlite3 *db2 = _rs_store_get_db (second);

    ck_assert_int_eq (pragma_int (db2, "PRAGMA synchronous"), 2);
    ck_assert_int_eq (pragma_int (db2, "PRAGMA foreign_keys"), 1);
  }

  {
    g_autofree char *wal = g_build_filename (tmpdir, "store.db-wal", NULL);
    GStatBuf st;

    rs_record_free (new_draft (store, "uuid:ck", "Thôn 1", "HG-1", "A"));
    ck_assert (rs_store_checkpoint (store, NULL));
    ck_assert_int_eq (g_stat (wal, &st), 0);
    ck_assert_int_eq (st.st_size, 0);
  }
}
END_TEST

START_TEST (test_device_id_is_stable)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    first = rs_store_dup_device_id (store, NULL);
  }
  {
    g_autoptr(RsStore) store = open_store ("store.db");
    second = rs_store_dup_device_id (store, NULL);
  }
  ck_assert_ptr_nonnull (first);
  ck_assert (g_str_has_prefix (first, "rasoat:"));
  ck_assert_str_eq (first, second);
}
END_TEST

START_TEST (test_forms_and_standards)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GBytes) v1 = g_bytes_new_static ("<h:html>v1</h:html>", 19);
  g_autoptr(GBytes) v2 = g_bytes_new_static ("<h:html>v2</h:html>", 19);
  g_autoptr(GBytes) std = g_bytes_new_static ("{\"id\":\"vn\"}", 11);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) got_std = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, v2);
  g_autofree char *expected_hash = g_strconcat ("md5:", md5, NULL);

  ck_assert (rs_store_put_form (store, "vn_household_review", "1", v1, NULL));
  ck_assert (rs_store_put_form (store, "vn_household_review", "2", v2, NULL));
  got = rs_store_get_form (store, "vn_household_review", NULL, &version, &hash, &error);
  ck_assert_ptr_nonnull (got);
  ck_assert (g_bytes_equal (got, v2));
  ck_assert_str_eq (version, "2");
  ck_assert_str_eq (hash, expected_hash);
  ck_assert_ptr_null (rs_store_get_form (store, "other", NULL, NULL, NULL, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND));

  ck_assert (rs_store_put_standard (store, "vn-2022-2025", "1", std, NULL));
  got_std = rs_store_get_standard (store, "vn-2022-2025", "1", NULL);
  ck_assert (g_bytes_equal (got_std, std));
}
END_TEST

/* ---- drafts and answers ---------------------------------------------------------------- */

START_TEST (test_draft_save_and_resume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(RsRecord) created = NULL;
  g_autoptr(RsRecord) reopened = NULL;
  g_autoptr(GBytes) last_xml = NULL;
  g_autofree char *id = NULL;

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    g_autoptr(RsRecord) generated = rs_store_create_draft (store, "vn_household_review", "1",
                                                           NULL, NULL, NULL, NULL, &error);

    ck_assert_ptr_nonnull (generated);
    ck_assert (g_str_has_prefix (generated->instance_id, "uuid:"));
    ck_assert_int_eq (strlen (generated->instance_id), 5 + 36);

    created = new_draft (store, "uuid:draft-1", "Thôn 1", "HG-1", "Nguyễn Văn A");
    ck_assert_int_eq (created->state, RS_RECORD_STATE_DRAFT);
    ck_assert_int_eq (created->version, 1);

    for (guint i = 1; i <= 5; i++)
      {
        g_autofree char *counter = g_strdup_printf ("%u", i * 1000);
        g_autofree char *old = g_strdup_printf ("%u", (i - 1) * 1000);
        g_autofree char *score = g_strdup_printf ("{\"deprivation_count\":%u}", i);
        g_autoptr(GBytes) xml = make_instance ("uuid:draft-1", NULL, "Thôn 1", "HG-1",
                                               "Nguyễn Văn A", 1, counter);
        g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:draft-1", xml, score);

        rs_record_update_set_screen (update, "income");
        rs_record_update_add_audit (update, rs_audit_event_new (RS_AUDIT_QUESTION_ENTERED,
                                                                "/household/income/wages", NULL,
                                                                NULL, NULL, i * 100));
        rs_record_update_add_audit (update, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED,
                                                                "/household/income/wages", old,
                                                                counter, NULL, i * 100 + 50));
        ck_assert_msg (rs_store_save_answer (store, update, &error), "%s",
                       error ? error->message : "");
        g_clear_pointer (&last_xml, g_bytes_unref);
        last_xml = g_bytes_ref (xml);
      }
    id = g_strdup (created->instance_id);
  }

  /* A new process (the tablet rebooted) finds everything. */
  {
    g_autoptr(RsStore) store = open_store ("store.db");

    reopened = rs_store_reopen_draft (store, id, 7, &error);
    ck_assert_ptr_nonnull (reopened);
    ck_assert (g_bytes_equal (reopened->instance_xml, last_xml));
    ck_assert_str_eq (reopened->score_json, "{\"deprivation_count\":5}");
    ck_assert_str_eq (reopened->current_screen, "income");
    ck_assert_str_eq (reopened->summary.head_name, "Nguyễn Văn A");
    ck_assert_int_gt (reopened->updated_seq, created->updated_seq);

    audit = rs_store_list_audit (store, id, &error);
    ck_assert_ptr_nonnull (audit);
    /* created + 5 × (entered, changed) + reopened */
    ck_assert_int_eq (audit->len, 12);
    ck_assert_int_eq (((RsAuditEvent *) audit->pdata[0])->kind, RS_AUDIT_CREATED);
    ck_assert_int_eq (((RsAuditEvent *) audit->pdata[10])->kind, RS_AUDIT_VALUE_CHANGED);
    ck_assert_str_eq (((RsAuditEvent *) audit->pdata[10])->old_value, "4000");
    ck_assert_str_eq (((RsAuditEvent *) audit->pdata[10])->new_value, "5000");
    ck_assert_int_eq (((RsAuditEvent *) audit->pdata[10])->elapsed_ms, 550);
    ck_assert_int_eq (((RsAuditEvent *) audit->pdata[11])->kind, RS_AUDIT_REOPENED);
    for (guint i = 1; i < audit->len; i++)
      ck_assert_int_ge (((RsAuditEvent *) audit->pdata[i])->seq,
                        ((RsAuditEvent *) audit->pdata[i - 1])->seq);
  }
}
END_TEST

START_TEST (test_save_refused_outside_drafts)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(RsRecord) draft = new_draft (store, "uuid:s1", "Thôn 1", "HG-1", "A");
  g_autoptr(GBytes) xml = make_instance ("uuid:s1", NULL, "Thôn 1", "HG-1", "A", 1, "9");
  g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:s1", xml, NULL);
  g_autoptr(RsRecordUpdate) unknown = rs_record_update_new ("uuid:nope", xml, NULL);
  g_autoptr(RsRecord) after = NULL;
  g_autoptr(GError) error = NULL;

  ck_assert (!rs_store_save_answer (store, unknown, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND));
  g_clear_error (&error);

  ck_assert (rs_store_finalize (store, "uuid:s1", xml, NULL, NULL, &error));
  ck_assert (!rs_store_save_answer (store, update, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));
  g_clear_error (&error);

  /* The same instanceID twice is refused, not overwritten. */
  ck_assert_ptr_null (rs_store_create_draft (store, "vn_household_review", "1", "uuid:s1", NULL,
                                             NULL, NULL, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_EXISTS));
  after = rs_store_get_record (store, "uuid:s1", NULL);
  ck_assert_int_eq (after->state, RS_RECORD_STATE_FINALIZED);
}
END_TEST

static const struct
{
  const char *query;
  const char *expected;  /* household codes, in list order (most recent first) */
} search_cases[] = {
  { "nguyen van", "HG-4 HG-1" },
  { "Nguyễn Văn", "HG-4 HG-1" },
  { "NGUYEN", "HG-4 HG-1" },
  { "binh nguyen", "HG-1" },
  { "dao", "HG-2" },
  { "ĐÀO", "HG-2" },
  { "dang thi dao", "HG-2" },
  { "hg-3", "HG-3" },
  { "van", "HG-4 HG-1" },
  { "an", "HG-4" },
  { "binh thi", "" },
  { "thi", "HG-3 HG-2" },
  { "", "HG-4 HG-3 HG-2 HG-1" },
};

START_TEST (test_search_diacritics)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GString) codes = g_string_new (NULL);
  RsRecordQuery query = RS_RECORD_QUERY_ALL;
  g_autoptr(GError) error = NULL;

  rs_record_free (new_draft (store, "uuid:1", "Thôn Nà Sáng", "HG-1", "Nguyễn Văn Bình"));
  rs_record_free (new_draft (store, "uuid:2", "Thôn Nà Sáng", "HG-2", "Đặng Thị Đào"));
  rs_record_free (new_draft (store, "uuid:3", "Bản Phìn", "HG-3", "Lò Thị Mai"));
  rs_record_free (new_draft (store, "uuid:4", "Bản Phìn", "HG-4", "Nguyễn Văn An"));

  query.text = search_cases[_i].query;
  records = rs_store_list_records (store, &query, &error);
  ck_assert_ptr_nonnull (records);
  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);

      if (i > 0)
        g_string_append_c (codes, ' ');
      g_string_append (codes, record->summary.household_code);
      ck_assert_ptr_null (record->instance_xml);
    }
  ck_assert_str_eq (codes->str, search_cases[_i].expected);
}
END_TEST

/* The SQL search agrees with rs_text_fold_match() on every name × query pair. */
START_TEST (test_search_agrees_with_fold_match)
{
  static const char *const names[] = { "Nguyễn Văn Bình", "Đặng Thị Đào", "Lò Thị Mai",
                                       "Hồ  Thị\tHương", "Giàng Seo Páo", "Ơ Đu", "" };
  static const char *const queries[] = { "nguyen", "van binh", "an", "dao dang", "ĐẶNG",
                                         "huong ho", "seo p", "o du", "u", "thi", "  ",
                                         "mai lo x", "HG-3" };
  g_autoptr(RsStore) store = open_store ("store.db");

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autofree char *id = g_strdup_printf ("uuid:n%u", n);
      g_autofree char *code = g_strdup_printf ("HG-%u", n);

      rs_record_free (new_draft (store, id, "Thôn 1", code, names[n]));
    }
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      RsRecordQuery query = { .any_state = TRUE, .text = queries[q] };
      g_autoptr(GPtrArray) found = rs_store_list_records (store, &query, NULL);
      g_autoptr(GHashTable) hits = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < found->len; i++)
        g_hash_table_add (hits, ((RsRecord *) found->pdata[i])->instance_id);
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        {
          g_autofree char *id = g_strdup_printf ("uuid:n%u", n);
          g_autofree char *haystack_text = g_strdup_printf ("%s HG-%u", names[n], n);
          g_autofree char *haystack = rs_text_fold (haystack_text);

          ck_assert_msg (g_hash_table_contains (hits, id)
                           == rs_text_fold_match (haystack, queries[q]),
                         "“%s” vs “%s”", queries[q], names[n]);
        }
    }
}
END_TEST

START_TEST (test_list_filters)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GBytes) xml = make_instance ("uuid:2", NULL, "Thôn Nà Sáng", "HG-2", "B", 1, NULL);
  g_autoptr(GPtrArray) by_village = NULL;
  g_autoptr(GPtrArray) finalized = NULL;
  g_autoptr(GPtrArray) limited = NULL;
  RsRecordQuery query = RS_RECORD_QUERY_ALL;

  rs_record_free (new_draft (store, "uuid:1", "Thôn Nà Sáng", "HG-1", "A"));
  rs_record_free (new_draft (store, "uuid:2", "Thôn Nà Sáng", "HG-2", "B"));
  rs_record_free (new_draft (store, "uuid:3", "Bản Phìn", "HG-3", "C"));
  ck_assert (rs_store_finalize (store, "uuid:2", xml, NULL, NULL, NULL));

  query.village = "Thôn Nà Sáng";
  by_village = rs_store_list_records (store, &query, NULL);
  ck_assert_int_eq (by_village->len, 2);
  /* The finalized one changed last: first. */
  ck_assert_str_eq (((RsRecord *) by_village->pdata[0])->instance_id, "uuid:2");

  /* A tablet clock thrown back to 2001 changes nothing in the order: the store's sequence
   * decides, not the wall clock. */
  ck_assert_int_eq (sqlite3_exec (_rs_store_get_db (store),
                                  "UPDATE records SET updated_at = 978307200000000, "
                                  "created_at = 978307200000000 WHERE instance_id = 'uuid:2'",
                                  NULL, NULL, NULL), SQLITE_OK);
  {
    g_autoptr(GPtrArray) again = rs_store_list_records (store, NULL, NULL);

    ck_assert_str_eq (((RsRecord *) again->pdata[0])->instance_id, "uuid:2");
    ck_assert_str_eq (((RsRecord *) again->pdata[2])->instance_id, "uuid:1");
  }

  query = (RsRecordQuery) { .state = RS_RECORD_STATE_FINALIZED };
  finalized = rs_store_list_records (store, &query, NULL);
  ck_assert_int_eq (finalized->len, 1);
  ck_assert_str_eq (((RsRecord *) finalized->pdata[0])->instance_id, "uuid:2");

  query = (RsRecordQuery) { .any_state = TRUE, .limit = 2 };
  limited = rs_store_list_records (store, &query, NULL);
  ck_assert_int_eq (limited->len, 2);
}
END_TEST

/* ---- finalize and the outbox ----------------------------------------------------------- */

static guint
count_rows (RsStore    *store,
            const char *sql)
{
  return (guint) pragma_int (_rs_store_get_db (store), sql);
}

START_TEST (test_finalize_makes_one_outbox_row)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(RsRecord) draft = new_draft (store, "uuid:f1", "Thôn 1", "HG-1", "Nguyễn Văn A");
  g_autoptr(GBytes) final_xml = make_instance ("uuid:f1", NULL, "Thôn 1", "HG-1",
                                               "Nguyễn Văn A", 3, "12000000");
  g_autoptr(GBytes) wrong = make_instance ("uuid:other", NULL, "Thôn 1", "HG-1", "A", 1, NULL);
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, final_xml);
  g_autoptr(RsRecordSummary) summary = rs_record_summary_new ("Thôn 1", "HG-1", "Nguyễn Văn A",
                                                              "poor", "can_bo_1");
  g_autoptr(RsOutboxEntry) entry = NULL;
  g_autoptr(RsRecord) record = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;
  RsOutboxCounts counts = { 0 };

  /* An instance that names another record is refused and nothing changes. */
  ck_assert (!rs_store_finalize (store, "uuid:f1", wrong, NULL, NULL, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID));
  g_clear_error (&error);
  ck_assert_int_eq (count_rows (store, "SELECT count(*) FROM outbox"), 0);

  ck_assert (rs_store_finalize (store, "uuid:f1", final_xml, "{\"classification\":\"poor\"}",
                                summary, &error));
  ck_assert_int_eq (count_rows (store, "SELECT count(*) FROM outbox"), 1);
  record = rs_store_get_record (store, "uuid:f1", NULL);
  ck_assert_int_eq (record->state, RS_RECORD_STATE_FINALIZED);
  ck_assert (g_bytes_equal (record->instance_xml, final_xml));
  ck_assert_str_eq (record->summary.classification, "poor");

  entry = rs_store_outbox_get (store, "uuid:f1", &error);
  ck_assert_ptr_nonnull (entry);
  ck_assert (g_bytes_equal (entry->payload, final_xml));
  ck_assert_str_eq (entry->sha256, sha);
  ck_assert_int_eq (entry->state, RS_OUTBOX_QUEUED);
  ck_assert_int_eq (entry->attempts, 0);
  ck_assert_int_eq (entry->record_version, 1);
  ck_assert_str_eq (entry->form_id, "vn_household_review");

  /* Twice is refused: still exactly one row. */
  ck_assert (!rs_store_finalize (store, "uuid:f1", final_xml, NULL, NULL, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));
  ck_assert_int_eq (count_rows (store, "SELECT count(*) FROM outbox"), 1);

  ck_assert (rs_store_outbox_counts (store, &counts, NULL));
  ck_assert_int_eq (counts.queued, 1);
  ck_assert_int_eq (counts.sent, 0);
  due = rs_store_outbox_next_due (store, g_get_real_time (), 0, NULL);
  ck_assert_int_eq (due->len, 1);
}
END_TEST

static gint64
finalize_new (RsStore    *store,
              const char *id)
{
  g_autoptr(RsRecord) draft = new_draft (store, id, "Thôn 1", id, "A");
  g_autoptr(GBytes) xml = make_instance (id, NULL, "Thôn 1", id, "A", 1, NULL);
  g_autoptr(RsOutboxEntry) entry = NULL;

  ck_assert (rs_store_finalize (store, id, xml, NULL, NULL, NULL));
  entry = rs_store_outbox_get (store, id, NULL);
  return entry->id;
}

START_TEST (test_outbox_flow)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  gint64 first = finalize_new (store, "uuid:o1");
  gint64 second = finalize_new (store, "uuid:o2");
  gint64 third = finalize_new (store, "uuid:o3");
  gint64 now = g_get_real_time ();
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(RsRecord) r1 = NULL;
  g_autoptr(RsRecord) r2 = NULL;
  g_autoptr(RsRecord) r3 = NULL;
  g_autoptr(RsOutboxEntry) e2 = NULL;
  g_autoptr(GError) error = NULL;
  RsOutboxCounts counts = { 0 };

  due = rs_store_outbox_next_due (store, now, 0, NULL);
  ck_assert_int_eq (due->len, 3);
  ck_assert_int_eq (((RsOutboxEntry *) due->pdata[0])->id, first);
  ck_assert_int_eq (((RsOutboxEntry *) due->pdata[2])->id, third);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* Record 1: sent. */
  ck_assert (rs_store_outbox_mark_sending (store, first, NULL));
  ck_assert (rs_store_outbox_counts (store, &counts, NULL));
  ck_assert_int_eq (counts.sending, 1);
  ck_assert (rs_store_outbox_mark_sent (store, first, 201, "OK", NULL));
  ck_assert (!rs_store_outbox_mark_sending (store, first, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));
  g_clear_error (&error);

  /* Record 2: server down, retry in an hour; attempts counted. */
  ck_assert (rs_store_outbox_mark_sending (store, second, NULL));
  ck_assert (rs_store_outbox_reschedule (store, second, now + (gint64) G_USEC_PER_SEC * 3600, 503,
                                         "Service Unavailable", NULL));
  e2 = rs_store_outbox_get (store, "uuid:o2", NULL);
  ck_assert_int_eq (e2->attempts, 1);
  ck_assert_int_eq (e2->last_http_status, 503);
  ck_assert_str_eq (e2->last_message, "Service Unavailable");

  /* Record 3: refused for good, parked; the others are not blocked. */
  ck_assert (rs_store_outbox_mark_sending (store, third, NULL));
  ck_assert (rs_store_outbox_park (store, third, 409, "Form version not accepted", NULL));
  due = rs_store_outbox_next_due (store, now, 0, NULL);
  ck_assert_int_eq (due->len, 0);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = rs_store_outbox_next_due (store, now + (gint64) G_USEC_PER_SEC * 3601, 0, NULL);
  ck_assert_int_eq (due->len, 1);
  ck_assert_int_eq (((RsOutboxEntry *) due->pdata[0])->id, second);
  g_clear_pointer (&due, g_ptr_array_unref);

  r1 = rs_store_get_record (store, "uuid:o1", NULL);
  r2 = rs_store_get_record (store, "uuid:o2", NULL);
  r3 = rs_store_get_record (store, "uuid:o3", NULL);
  ck_assert_int_eq (r1->state, RS_RECORD_STATE_SENT);
  ck_assert_int_eq (r2->state, RS_RECORD_STATE_FINALIZED);
  ck_assert_int_eq (r3->state, RS_RECORD_STATE_REJECTED);

  ck_assert (rs_store_outbox_counts (store, &counts, NULL));
  ck_assert_int_eq (counts.queued, 1);
  ck_assert_int_eq (counts.parked, 1);
  ck_assert_int_eq (counts.sent, 1);
  ck_assert_int_eq (counts.sending, 0);

  /* "Try again" on the parked one. */
  ck_assert (rs_store_outbox_unpark (store, third, NULL));
  due = rs_store_outbox_next_due (store, now, 0, NULL);
  ck_assert_int_eq (due->len, 1);
  ck_assert_int_eq (((RsOutboxEntry *) due->pdata[0])->id, third);

  log = rs_store_sync_log_list (store, "uuid:o3", 0, NULL);
  ck_assert_int_eq (log->len, 3);
  ck_assert_str_eq (((RsSyncLogEntry *) log->pdata[0])->event, "unparked");
  ck_assert_str_eq (((RsSyncLogEntry *) log->pdata[1])->event, "parked");
  ck_assert_int_eq (((RsSyncLogEntry *) log->pdata[1])->http_status, 409);
  ck_assert_str_eq (((RsSyncLogEntry *) log->pdata[1])->message, "Form version not accepted");
}
END_TEST

START_TEST (test_rejected_reopen_and_refinalize)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  gint64 id = finalize_new (store, "uuid:r1");
  g_autoptr(RsRecord) reopened = NULL;
  g_autoptr(GBytes) fixed = make_instance ("uuid:r1", NULL, "Thôn 1", "HG-9", "A", 2, "5");
  g_autoptr(RsOutboxEntry) entry = NULL;

  ck_assert (rs_store_outbox_park (store, id, 422, "processing_failure", NULL));
  reopened = rs_store_reopen_draft (store, "uuid:r1", 0, NULL);
  ck_assert_ptr_nonnull (reopened);
  ck_assert_int_eq (reopened->state, RS_RECORD_STATE_DRAFT);
  ck_assert_int_eq (count_rows (store, "SELECT count(*) FROM outbox"), 0);
  ck_assert (rs_store_finalize (store, "uuid:r1", fixed, NULL, NULL, NULL));
  entry = rs_store_outbox_get (store, "uuid:r1", NULL);
  ck_assert (g_bytes_equal (entry->payload, fixed));
  ck_assert (!entry->parked);
}
END_TEST

START_TEST (test_edit_after_send)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  gint64 id = finalize_new (store, "uuid:e1");
  g_autoptr(GBytes) v2 = make_instance ("uuid:e2", "uuid:e1", "Thôn 1", "uuid:e1", "A", 1, "7");
  g_autoptr(GBytes) no_link = make_instance ("uuid:e3", NULL, "Thôn 1", "x", "A", 1, "7");
  g_autoptr(GBytes) v3 = make_instance ("uuid:e4", "uuid:e1", "Thôn 1", "x", "A", 1, "8");
  g_autoptr(RsRecord) draft = NULL;
  g_autoptr(RsRecord) old = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  RsRecord *refused;

  /* Not sent yet: no edit. */
  refused = rs_store_edit_sent (store, "uuid:e1", v2, NULL, NULL, &error);
  ck_assert_ptr_null (refused);
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));
  g_clear_error (&error);

  ck_assert (rs_store_outbox_mark_sending (store, id, NULL));
  ck_assert (rs_store_outbox_mark_sent (store, id, 201, NULL, NULL));

  refused = rs_store_edit_sent (store, "uuid:e1", no_link, NULL, NULL, &error);
  ck_assert_ptr_null (refused);
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID));
  g_clear_error (&error);

  draft = rs_store_edit_sent (store, "uuid:e1", v2, NULL, NULL, &error);
  ck_assert_ptr_nonnull (draft);
  ck_assert_str_eq (draft->instance_id, "uuid:e2");
  ck_assert_str_eq (draft->deprecated_id, "uuid:e1");
  ck_assert_int_eq (draft->version, 2);
  ck_assert_int_eq (draft->state, RS_RECORD_STATE_DRAFT);
  ck_assert (g_bytes_equal (draft->instance_xml, v2));

  old = rs_store_get_record (store, "uuid:e1", NULL);
  ck_assert_int_eq (old->state, RS_RECORD_STATE_SENT);
  ck_assert_str_eq (old->superseded_by, "uuid:e2");

  /* Only the newest version can be edited again. */
  refused = rs_store_edit_sent (store, "uuid:e1", v3, NULL, NULL, &error);
  ck_assert_ptr_null (refused);
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));

  audit = rs_store_list_audit (store, "uuid:e1", NULL);
  ck_assert_int_eq (((RsAuditEvent *) audit->pdata[audit->len - 1])->kind,
                    RS_AUDIT_EDIT_AFTER_SEND);

  /* A correction thrown away gives the sent version back its place: it can be corrected
   * again. */
  ck_assert (rs_store_delete_draft (store, "uuid:e2", NULL));
  g_clear_pointer (&old, rs_record_free);
  old = rs_store_get_record (store, "uuid:e1", NULL);
  ck_assert_ptr_null (old->superseded_by);
  g_clear_error (&error);
  g_clear_pointer (&draft, rs_record_free);
  draft = rs_store_edit_sent (store, "uuid:e1", v3, NULL, NULL, &error);
  ck_assert_msg (draft != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_str_eq (draft->instance_id, "uuid:e4");
  g_clear_pointer (&old, rs_record_free);
  old = rs_store_get_record (store, "uuid:e1", NULL);
  ck_assert_str_eq (old->superseded_by, "uuid:e4");

  /* The new version finalizes into its own outbox row. */
  ck_assert (rs_store_finalize (store, "uuid:e4", v3, NULL, NULL, NULL));
  {
    g_autoptr(RsOutboxEntry) entry = rs_store_outbox_get (store, "uuid:e4", NULL);

    ck_assert_int_eq (entry->record_version, 2);
  }
}
END_TEST

START_TEST (test_delete_keeps_tombstone)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(RsRecord) draft = new_draft (store, "uuid:d1", "Thôn 1", "HG-1", "Nguyễn Văn A");
  g_autoptr(RsRecord) tomb = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) deleted = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  RsRecordQuery query = { .state = RS_RECORD_STATE_DELETED };

  finalize_new (store, "uuid:d2");
  ck_assert (!rs_store_delete_draft (store, "uuid:d2", &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE));

  ck_assert (rs_store_delete_draft (store, "uuid:d1", NULL));
  tomb = rs_store_get_record (store, "uuid:d1", NULL);
  ck_assert_int_eq (tomb->state, RS_RECORD_STATE_DELETED);
  ck_assert_ptr_null (tomb->instance_xml);
  ck_assert_str_eq (tomb->summary.household_code, "HG-1");

  all = rs_store_list_records (store, NULL, NULL);
  ck_assert_int_eq (all->len, 1);
  deleted = rs_store_list_records (store, &query, NULL);
  ck_assert_int_eq (deleted->len, 1);
  audit = rs_store_list_audit (store, "uuid:d1", NULL);
  ck_assert_int_eq (((RsAuditEvent *) audit->pdata[audit->len - 1])->kind, RS_AUDIT_DELETED);
}
END_TEST

START_TEST (test_assignments)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);
  g_autoptr(GPtrArray) second_list =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);
  g_autoptr(GPtrArray) in_village = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(RsRecord) draft = NULL;
  g_autoptr(RsAssignment) a1 = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (list, rs_assignment_new ("a1", "Thôn 1", "HG-1", "Nguyễn Văn A", "poor",
                                            "{\"admin/household_code\":\"HG-1\"}"));
  g_ptr_array_add (list, rs_assignment_new ("a2", "Thôn 1", "HG-2", "Lò Thị B", "near_poor",
                                            NULL));
  g_ptr_array_add (list, rs_assignment_new ("a3", "Thôn 2", "HG-3", "C", "none", NULL));
  ck_assert (rs_store_replace_assignments (store, list, &error));
  in_village = rs_store_list_assignments (store, "Thôn 1", NULL);
  ck_assert_int_eq (in_village->len, 2);

  draft = rs_store_create_draft (store, "vn_household_review", "1", NULL, NULL, NULL, "a1",
                                 &error);
  ck_assert_ptr_nonnull (draft);
  ck_assert_str_eq (draft->assignment_id, "a1");
  ck_assert_str_eq (draft->summary.head_name, "Nguyễn Văn A");
  ck_assert_str_eq (draft->summary.village, "Thôn 1");
  a1 = rs_store_get_assignment (store, "a1", NULL);
  ck_assert_str_eq (a1->record_instance_id, draft->instance_id);
  ck_assert_str_eq (a1->prefill_json, "{\"admin/household_code\":\"HG-1\"}");

  /* A new list without a1 and a2: a2 goes, a1 stays because work started from it. */
  g_ptr_array_add (second_list, rs_assignment_new ("a3", "Thôn 2", "HG-3", "C", "poor", NULL));
  ck_assert (rs_store_replace_assignments (store, second_list, NULL));
  after = rs_store_list_assignments (store, NULL, NULL);
  ck_assert_int_eq (after->len, 2);
  ck_assert_str_eq (((RsAssignment *) after->pdata[0])->id, "a1");
  ck_assert_str_eq (((RsAssignment *) after->pdata[1])->previous_status, "poor");

  ck_assert_ptr_null (rs_store_create_draft (store, "vn_household_review", "1", NULL, NULL, NULL,
                                             "a2", &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND));
}
END_TEST

/* ---- exports --------------------------------------------------------------------------- */

START_TEST (test_export_xml)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(RsRecord) d = new_draft (store, "uuid:x1", "Thôn 1", "HG-1", "A");
  g_autoptr(GBytes) final_xml = make_instance ("uuid:x2", NULL, "Thôn 1", "HG-2", "B", 2, "1");
  g_autofree char *dir = db_path ("xml");
  g_autofree char *file = g_build_filename (dir, "uuid_x2.xml", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) read_back = NULL;
  gsize length = 0;
  guint n = 0;
  RsRecordQuery query = { .state = RS_RECORD_STATE_FINALIZED };

  rs_record_free (new_draft (store, "uuid:x2", "Thôn 1", "HG-2", "B"));
  ck_assert (rs_store_finalize (store, "uuid:x2", final_xml, NULL, NULL, NULL));
  ck_assert (rs_store_export (store, RS_EXPORT_XML, dir, &query, &n, NULL));
  ck_assert_int_eq (n, 1);
  ck_assert (g_file_get_contents (file, &contents, &length, NULL));
  read_back = g_bytes_new_take (g_steal_pointer (&contents), length);
  ck_assert (g_bytes_equal (read_back, final_xml));

  ck_assert (rs_store_export (store, RS_EXPORT_XML, dir, NULL, &n, NULL));
  ck_assert_int_eq (n, 2);
}
END_TEST

static char *
read_text (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    ck_abort_msg ("missing %s", path);
  return contents;
}

START_TEST (test_export_csv)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GBytes) form = g_bytes_new_static (
    "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
    "<h:body><group><repeat nodeset=\"/household/members/member\"/></group></h:body></h:html>",
    167);
  const char *one =
    "<household id=\"vn_household_review\" version=\"1\"><admin><village>Thôn 1</village>"
    "</admin><head><name>Nguyễn Văn \"Bình\", con</name></head><members><member><name>An"
    "</name></member></members><meta><instanceID>uuid:c1</instanceID></meta></household>";
  const char *two =
    "<household id=\"vn_household_review\" version=\"1\"><admin><village>Thôn 2</village>"
    "</admin><head><name>Lò Thị\nMai</name></head><members><member><name>Mai</name></member>"
    "<member><name>Páo</name></member></members><meta><instanceID>uuid:c2</instanceID></meta>"
    "</household>";
  /* No member yet: an empty group, which must not become a column of its own. */
  const char *three =
    "<household id=\"vn_household_review\" version=\"1\"><admin><village>Thôn 3</village>"
    "</admin><members/><meta><instanceID>uuid:c3</instanceID></meta></household>";
  g_autoptr(GBytes) xml3 = g_bytes_new_static (three, strlen (three));
  g_autoptr(GBytes) xml1 = g_bytes_new_static (one, strlen (one));
  g_autoptr(GBytes) xml2 = g_bytes_new_static (two, strlen (two));
  g_autofree char *dir = db_path ("csv");
  g_autofree char *main_csv = NULL;
  g_autofree char *members_csv = NULL;
  guint n = 0;

  ck_assert_int_eq (g_bytes_get_size (form), 167);
  ck_assert (rs_store_put_form (store, "vn_household_review", "1", form, NULL));
  rs_record_free (rs_store_create_draft (store, "vn_household_review", "1", "uuid:c1", xml1,
                                         NULL, NULL, NULL));
  rs_record_free (rs_store_create_draft (store, "vn_household_review", "1", "uuid:c2", xml2,
                                         NULL, NULL, NULL));
  rs_record_free (rs_store_create_draft (store, "vn_household_review", "1", "uuid:c3", xml3,
                                         NULL, NULL, NULL));
  ck_assert (rs_store_export (store, RS_EXPORT_CSV, dir, NULL, &n, NULL));
  ck_assert_int_eq (n, 3);

  main_csv = read_text (dir, "vn_household_review.csv");
  ck_assert_str_eq (main_csv,
                    RS_CSV_BOM "KEY,admin/village,head/name,meta/instanceID\r\n"
                    "uuid:c1,Thôn 1,\"Nguyễn Văn \"\"Bình\"\", con\",uuid:c1\r\n"
                    "uuid:c2,Thôn 2,\"Lò Thị\nMai\",uuid:c2\r\n"
                    "uuid:c3,Thôn 3,,uuid:c3\r\n");
  /* uuid:c1 has one member only; the form says member repeats, so it still gets its own file. */
  members_csv = read_text (dir, "vn_household_review-members-member.csv");
  ck_assert_str_eq (members_csv,
                    RS_CSV_BOM "PARENT_KEY,KEY,name\r\n"
                    "uuid:c1,uuid:c1/members/member[1],An\r\n"
                    "uuid:c2,uuid:c2/members/member[1],Mai\r\n"
                    "uuid:c2,uuid:c2/members/member[2],Páo\r\n");
}
END_TEST

/* Names and notes come from enumerators or from any submission: a spreadsheet must show them as
 * text, never run them; amounts stay numbers. */
START_TEST (test_export_csv_formula_guard)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  const char *evil =
    "<household id=\"vn_household_review\" version=\"1\"><head><name>=HYPERLINK("
    "\"http://evil\",\"x\")</name></head><income><business>-500000</business><other>+1.5"
    "</other></income><note>@SUM(1+1)*cmd|' /C calc'!A0</note><members><member><name>-abc"
    "</name></member><member><name>Nguyễn Văn A</name></member></members><meta><instanceID>"
    "uuid:e1</instanceID></meta></household>";
  g_autoptr(GBytes) xml = g_bytes_new_static (evil, strlen (evil));
  g_autofree char *dir = db_path ("csv");
  g_autofree char *main_csv = NULL;
  g_autofree char *members_csv = NULL;
  guint n = 0;

  rs_record_free (rs_store_create_draft (store, "vn_household_review", "1", "uuid:e1", xml,
                                         NULL, NULL, NULL));
  ck_assert (rs_store_export (store, RS_EXPORT_CSV, dir, NULL, &n, NULL));
  ck_assert_int_eq (n, 1);

  main_csv = read_text (dir, "vn_household_review.csv");
  ck_assert_str_eq (main_csv,
                    RS_CSV_BOM "KEY,head/name,income/business,income/other,note,meta/instanceID\r\n"
                    "uuid:e1,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-500000,+1.5,"
                    "'@SUM(1+1)*cmd|' /C calc'!A0,uuid:e1\r\n");
  members_csv = read_text (dir, "vn_household_review-members-member.csv");
  ck_assert_str_eq (members_csv,
                    RS_CSV_BOM "PARENT_KEY,KEY,name\r\n"
                    "uuid:e1,uuid:e1/members/member[1],'-abc\r\n"
                    "uuid:e1,uuid:e1/members/member[2],Nguyễn Văn A\r\n");
}
END_TEST

/* ---- backup ---------------------------------------------------------------------------- */

START_TEST (test_backup_while_writing)
{
  g_autofree char *path = db_path ("store.db");
  g_autofree char *copy = db_path ("backup.db");
  g_autofree char *check = NULL;
  int ready[2];
  char byte;
  pid_t child;
  int status = 0;
  gint64 copied;

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    for (guint i = 0; i < 50; i++)
      {
        g_autofree char *id = g_strdup_printf ("uuid:b%u", i);
        rs_record_free (new_draft (store, id, "Thôn 1", id, "A"));
      }
  }

  ck_assert_int_eq (pipe (ready), 0);
  child = fork ();
  ck_assert_int_ge (child, 0);
  if (child == 0)
    {
      /* The writer: another process saving answers as fast as it can. */
      g_autoptr(RsStore) store = rs_store_new (path, 0, NULL, NULL);
      gboolean signalled = FALSE;

      for (guint i = 0; store != NULL && i < 100000; i++)
        {
          g_autofree char *counter = g_strdup_printf ("%u", i);
          g_autoptr(GBytes) xml = make_instance ("uuid:b0", NULL, "Thôn 1", "x", "A", 5, counter);
          g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:b0", xml, NULL);

          if (!rs_store_save_answer (store, update, NULL))
            _exit (3);
          if (!signalled)
            {
              signalled = TRUE;
              if (write (ready[1], "x", 1) != 1)
                _exit (4);
            }
        }
      _exit (0);
    }
  close (ready[1]);
  ck_assert_int_eq (read (ready[0], &byte, 1), 1);
  close (ready[0]);

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    g_autoptr(GError) error = NULL;

    for (guint round = 0; round < 5; round++)
      ck_assert_msg (rs_store_backup (store, copy, &error), "%s", error ? error->message : "");
  }
  kill (child, SIGKILL);
  waitpid (child, &status, 0);
  ck_assert (WIFSIGNALED (status) || (WIFEXITED (status) && WEXITSTATUS (status) == 0));

  check = integrity_of (copy);
  ck_assert_str_eq (check, "ok");
  {
    sqlite3 *db = NULL;

    ck_assert_int_eq (sqlite3_open_v2 (copy, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    copied = pragma_int (db, "SELECT count(*) FROM records");
    sqlite3_close (db);
  }
  ck_assert_int_eq (copied, 50);
  {
    g_autofree char *partial = g_strconcat (copy, ".part", NULL);
    ck_assert (!g_file_test (partial, G_FILE_TEST_EXISTS));
  }
}
END_TEST

/* ---- migrations, damaged and refused files --------------------------------------------- */

/* The schema of version 1, as released. */
static const char v1_fixture[] =
  "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
  "CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);"
  "INSERT INTO counter (id, value) VALUES (1, 0);"
  "CREATE TABLE forms (form_id TEXT NOT NULL, version TEXT NOT NULL, hash TEXT NOT NULL,"
  "  xml BLOB NOT NULL, added_seq INTEGER NOT NULL, PRIMARY KEY (form_id, version));"
  "CREATE TABLE records (id INTEGER PRIMARY KEY, instance_id TEXT NOT NULL UNIQUE,"
  "  form_id TEXT NOT NULL, form_version TEXT NOT NULL,"
  "  state TEXT NOT NULL CHECK (state IN ('draft', 'finalized', 'sent', 'rejected')),"
  "  instance_xml BLOB, score_json TEXT, village TEXT, household_code TEXT, head_name TEXT,"
  "  classification TEXT, enumerator TEXT, created_seq INTEGER NOT NULL,"
  "  updated_seq INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
  "CREATE TABLE outbox (id INTEGER PRIMARY KEY,"
  "  record_id INTEGER NOT NULL REFERENCES records (id),"
  "  payload BLOB NOT NULL, sha256 TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at INTEGER NOT NULL DEFAULT 0, last_http_status INTEGER,"
  "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent')),"
  "  queued_seq INTEGER NOT NULL);"
  "INSERT INTO settings VALUES ('device_id', 'rasoat:old-device');"
  "UPDATE counter SET value = 3;"
  "INSERT INTO records VALUES (1, 'uuid:v1a', 'vn_household_review', '1', 'draft',"
  "  '<household/>', NULL, 'Thôn 1', 'HG-1', 'Nguyễn Văn Bình', NULL, 'cb', 1, 1, 0, 0);"
  "INSERT INTO records VALUES (2, 'uuid:v1b', 'vn_household_review', '1', 'finalized',"
  "  X'3c682f3e', NULL, 'Thôn 1', 'HG-2', 'Đặng Thị Đào', 'poor', 'cb', 2, 3, 0, 0);"
  "INSERT INTO outbox (id, record_id, payload, sha256, queued_seq)"
  "  VALUES (1, 2, X'3c682f3e', 'abc', 3);"
  "PRAGMA application_id = 1920164212;"
  "PRAGMA user_version = 1;";

START_TEST (test_migrate_from_v1)
{
  g_autofree char *path = db_path ("store.db");
  sqlite3 *db = NULL;
  g_autoptr(RsStore) store = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;
  g_autoptr(RsRecord) draft = NULL;
  g_autofree char *device = NULL;
  g_autofree char *check = NULL;
  RsRecordQuery query = { .any_state = TRUE, .text = "nguyen van binh" };

  ck_assert_int_eq (RS_STORE_APPLICATION_ID, 1920164212);
  ck_assert_int_eq (sqlite3_open (path, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, v1_fixture, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);

  /* Read-only, it cannot be upgraded: refused with its own message, and left at version 1. */
  {
    g_autoptr(GError) error = NULL;
    RsStore *read_only = rs_store_new (path, RS_STORE_OPEN_READ_ONLY, NULL, &error);

    ck_assert_ptr_null (read_only);
    ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY));
    ck_assert_ptr_nonnull (strstr (error->message, "older version"));
  }

  store = open_store ("store.db");
  ck_assert_int_eq (pragma_int (_rs_store_get_db (store), "PRAGMA user_version"), 2);
  ck_assert_int_eq (pragma_int (_rs_store_get_db (store), "PRAGMA foreign_keys"), 1);
  found = rs_store_list_records (store, &query, NULL);
  ck_assert_int_eq (found->len, 1);
  ck_assert_str_eq (((RsRecord *) found->pdata[0])->instance_id, "uuid:v1a");
  entry = rs_store_outbox_get (store, "uuid:v1b", NULL);
  ck_assert_ptr_nonnull (entry);
  ck_assert_int_eq (entry->record_version, 1);
  device = rs_store_dup_device_id (store, NULL);
  ck_assert_str_eq (device, "rasoat:old-device");

  /* The upgraded database works: the old draft takes answers, new drafts come after it. */
  {
    g_autoptr(GBytes) xml = make_instance ("uuid:v1a", NULL, "Thôn 1", "HG-1", "B", 1, "1");
    g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:v1a", xml, NULL);

    ck_assert (rs_store_save_answer (store, update, NULL));
  }
  draft = new_draft (store, "uuid:new", "Thôn 1", "HG-3", "C");
  ck_assert_int_gt (draft->created_seq, 3);
  check = pragma_text (_rs_store_get_db (store), "PRAGMA integrity_check");
  ck_assert_str_eq (check, "ok");
}
END_TEST

START_TEST (test_too_new_is_refused)
{
  g_autofree char *path = db_path ("store.db");
  g_autoptr(GError) error = NULL;
  RsStore *store;

  {
    g_autoptr(RsStore) first = open_store ("store.db");
    ck_assert_int_eq (sqlite3_exec (_rs_store_get_db (first), "PRAGMA user_version = 99", NULL,
                                    NULL, NULL), SQLITE_OK);
  }
  store = rs_store_new (path, 0, NULL, &error);
  ck_assert_ptr_null (store);
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_TOO_NEW));
}
END_TEST

static void
assert_refused_untouched (const char *name,
                          int         code)
{
  g_autofree char *path = db_path (name);
  g_autofree char *before = file_checksum (path);
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  RsStore *store = rs_store_new (path, 0, NULL, &error);

  ck_assert_ptr_null (store);
  ck_assert_msg (g_error_matches (error, RS_STORE_ERROR, code), "%s", error->message);
  ck_assert_ptr_nonnull (strstr (error->message, path));
  after = file_checksum (path);
  ck_assert_str_eq (before, after);
  ck_assert (!g_file_test (wal, G_FILE_TEST_EXISTS));
}

START_TEST (test_corrupt_file_detected_not_overwritten)
{
  g_autofree char *path = db_path ("store.db");
  g_autofree char *text = db_path ("notes.db");
  g_autofree char *foreign = db_path ("foreign.db");
  sqlite3 *db = NULL;
  gint64 page_size;
  gint64 pages;
  int fd;

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    for (guint i = 0; i < 30; i++)
      {
        g_autofree char *id = g_strdup_printf ("uuid:k%u", i);
        rs_record_free (new_draft (store, id, "Thôn 1", id, "Nguyễn Văn A"));
      }
    page_size = pragma_int (_rs_store_get_db (store), "PRAGMA page_size");
    pages = pragma_int (_rs_store_get_db (store), "PRAGMA page_count");
  }
  ck_assert_int_gt (pages, 4);
  /* Flash damage: every page after the schema page overwritten. */
  fd = open (path, O_WRONLY);
  ck_assert_int_ge (fd, 0);
  for (gint64 page = 1; page < pages; page++)
    {
      g_autofree char *junk = g_malloc (page_size);

      memset (junk, 0x5a, page_size);
      ck_assert_int_eq (pwrite (fd, junk, page_size, page * page_size), page_size);
    }
  close (fd);
  assert_refused_untouched ("store.db", RS_STORE_ERROR_CORRUPT);

  ck_assert (g_file_set_contents (text, "Danh sách hộ nghèo\n", -1, NULL));
  assert_refused_untouched ("notes.db", RS_STORE_ERROR_CORRUPT);

  ck_assert_int_eq (sqlite3_open (foreign, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "CREATE TABLE photos (x); INSERT INTO photos VALUES (1);",
                                  NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close (db);
  assert_refused_untouched ("foreign.db", RS_STORE_ERROR_CORRUPT);
}
END_TEST

START_TEST (test_read_only)
{
  g_autofree char *path = db_path ("store.db");
  g_autoptr(GBytes) xml = make_instance ("uuid:ro", NULL, "Thôn 1", "HG-1", "A", 1, "2");
  g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:ro", xml, NULL);
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(RsStore) store = open_store ("store.db");
    rs_record_free (new_draft (store, "uuid:ro", "Thôn 1", "HG-1", "Nguyễn Văn A"));
  }

  /* Opened read-only: every write is refused with a clear error, reading still works. */
  {
    g_autoptr(RsStore) store = rs_store_new (path, RS_STORE_OPEN_READ_ONLY, NULL, &error);
    g_autoptr(RsRecord) record = NULL;

    ck_assert_ptr_nonnull (store);
    ck_assert (rs_store_is_read_only (store));
    ck_assert (!rs_store_save_answer (store, update, &error));
    ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY));
    g_clear_error (&error);
    ck_assert (!rs_store_finalize (store, "uuid:ro", xml, NULL, NULL, &error));
    ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY));
    g_clear_error (&error);
    record = rs_store_get_record (store, "uuid:ro", NULL);
    ck_assert_str_eq (record->summary.head_name, "Nguyễn Văn A");
  }

  /* A file the system will not let us write (root ignores permissions, so only as a user). */
  if (geteuid () != 0)
    {
      g_autoptr(RsStore) store = NULL;
      g_autoptr(RsRecord) record = NULL;

      ck_assert_int_eq (g_chmod (path, 0444), 0);
      store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
      ck_assert_msg (store != NULL, "%s", error ? error->message : "");
      ck_assert (rs_store_is_read_only (store));
      ck_assert (!rs_store_save_answer (store, update, &error));
      ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY));
      record = rs_store_get_record (store, "uuid:ro", NULL);
      ck_assert_ptr_nonnull (record);
      g_chmod (path, 0644);
    }
}
END_TEST

START_TEST (test_disk_full)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  sqlite3 *db = _rs_store_get_db (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) saved_xml = NULL;
  g_autoptr(RsRecord) record = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *unlimited = NULL;
  g_autofree char *check = NULL;
  gboolean full = FALSE;
  guint saved = 0;

  rs_record_free (new_draft (store, "uuid:full", "Thôn 1", "HG-1", "A"));
  /* A full disk, simulated: the database may not grow past its current size + a few pages. */
  limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                           pragma_int (db, "PRAGMA page_count") + 8);
  ck_assert_int_eq (sqlite3_exec (db, limit, NULL, NULL, NULL), SQLITE_OK);

  for (guint i = 1; i < 500 && !full; i++)
    {
      g_autofree char *counter = g_strdup_printf ("%u", i);
      g_autoptr(GBytes) xml = make_instance ("uuid:full", NULL, "Thôn 1", "HG-1", "A", i * 4,
                                             counter);
      g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:full", xml, NULL);

      rs_record_update_add_audit (update, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED, "/x",
                                                              NULL, counter, NULL, i));
      if (rs_store_save_answer (store, update, &error))
        {
          saved = i;
          g_clear_pointer (&saved_xml, g_bytes_unref);
          saved_xml = g_bytes_ref (xml);
        }
      else
        full = TRUE;
    }
  ck_assert (full);
  ck_assert_int_gt (saved, 0);
  ck_assert_msg (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_FULL), "%s",
                 error->message);
  ck_assert_ptr_nonnull (strstr (error->message, "full"));

  /* Nothing saved before was lost, and the failed save left nothing half-written. */
  record = rs_store_get_record (store, "uuid:full", NULL);
  ck_assert (g_bytes_equal (record->instance_xml, saved_xml));
  {
    g_autoptr(GPtrArray) audit = rs_store_list_audit (store, "uuid:full", NULL);
    ck_assert_int_eq (audit->len, 1 + saved);
  }
  check = pragma_text (db, "PRAGMA integrity_check");
  ck_assert_str_eq (check, "ok");

  /* Space freed: saving works again. */
  unlimited = g_strdup_printf ("PRAGMA max_page_count = %d", 1 << 30);
  ck_assert_int_eq (sqlite3_exec (db, unlimited, NULL, NULL, NULL), SQLITE_OK);
  {
    g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:full", saved_xml, "{}");
    ck_assert (rs_store_save_answer (store, update, NULL));
  }
}
END_TEST

START_TEST (test_fsync_error_is_not_retried)
{
  g_autoptr(GBytes) first = make_instance ("uuid:io", NULL, "Thôn 1", "HG-1", "A", 1, "1");
  g_autoptr(GBytes) second = make_instance ("uuid:io", NULL, "Thôn 1", "HG-1", "A", 1, "2");
  g_autoptr(RsRecordUpdate) update1 = rs_record_update_new ("uuid:io", first, NULL);
  g_autoptr(RsRecordUpdate) update2 = rs_record_update_new ("uuid:io", second, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsRecord) record = NULL;

  rs_fault_vfs_install ();
  {
    g_autoptr(RsStore) store = open_store ("store.db");

    rs_record_free (new_draft (store, "uuid:io", "Thôn 1", "HG-1", "A"));
    ck_assert (rs_store_save_answer (store, update1, NULL));

    rs_fault.fail_syncs = TRUE;
    ck_assert (!rs_store_save_answer (store, update2, &error));
    ck_assert_msg (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_IO), "%s",
                   error->message);
    /* One failed fsync, no second attempt at the commit. */
    ck_assert_int_eq (rs_fault.failed_syncs, 1);
    g_clear_error (&error);

    /* The store closed itself: nothing more is tried until it is reopened. */
    rs_fault.fail_syncs = FALSE;
    ck_assert (!rs_store_save_answer (store, update2, &error));
    ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_IO));
    ck_assert_int_eq (rs_fault.failed_syncs, 1);
  }

  /* Reopened, the record is read back from disk: the last confirmed answer or the one whose
   * fsync failed (its bytes may have reached the disk), never anything else, and the file is
   * sound. */
  {
    g_autoptr(RsStore) store = open_store ("store.db");
    g_autofree char *check = NULL;

    record = rs_store_get_record (store, "uuid:io", NULL);
    ck_assert (g_bytes_equal (record->instance_xml, first)
               || g_bytes_equal (record->instance_xml, second));
    check = pragma_text (_rs_store_get_db (store), "PRAGMA integrity_check");
    ck_assert_str_eq (check, "ok");
  }
  rs_fault_vfs_uninstall ();
}
END_TEST

START_TEST (test_closed_store)
{
  g_autoptr(RsStore) store = open_store ("store.db");
  g_autoptr(GError) error = NULL;
  GPtrArray *records;

  rs_store_close (store);
  rs_store_close (store);
  records = rs_store_list_records (store, NULL, &error);
  ck_assert_ptr_null (records);
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_CLOSED));
}
END_TEST

/* ---- async ----------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  RsStore   *store;
  GPtrArray *records;
  GPtrArray *order;    /* of strings: which callbacks ran, in order */
  guint      pending;
  GError    *error;
} AsyncState;

static void
async_done (AsyncState *state,
            const char *what)
{
  g_ptr_array_add (state->order, g_strdup (what));
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncState *state = user_data;

  state->store = rs_store_new_finish (result, &state->error);
  async_done (state, "open");
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncState *state = user_data;

  ck_assert (rs_store_save_answer_finish (RS_STORE (source), result, NULL));
  async_done (state, "save");
}

static void
finalized_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;

  ck_assert (rs_store_finalize_finish (RS_STORE (source), result, NULL));
  async_done (state, "finalize");
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncState *state = user_data;

  state->records = rs_store_list_records_finish (RS_STORE (source), result, NULL);
  async_done (state, "list");
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncState *state = user_data;
  guint n = 0;

  ck_assert (rs_store_export_finish (RS_STORE (source), result, &n, NULL));
  ck_assert_int_eq (n, 1);
  async_done (state, "export");
}

static void
backed_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;

  ck_assert (rs_store_backup_finish (RS_STORE (source), result, NULL));
  async_done (state, "backup");
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;

  ck_assert (!rs_store_save_answer_finish (RS_STORE (source), result, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  async_done (state, "cancelled");
}

START_TEST (test_async_operations_in_order)
{
  g_autofree char *path = db_path ("store.db");
  g_autofree char *dir = db_path ("export");
  g_autofree char *copy = db_path ("copy.db");
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GBytes) final_xml = make_instance ("uuid:as", NULL, "Thôn 1", "HG-1", "A", 1,
                                               "final");
  g_autoptr(RsRecord) record = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autofree char *joined = NULL;
  AsyncState state = { loop, NULL, NULL, g_ptr_array_new_with_free_func (g_free), 1, NULL };
  RsRecordQuery query = RS_RECORD_QUERY_ALL;

  rs_store_new_async (path, 0, NULL, opened_cb, &state);
  g_main_loop_run (loop);
  ck_assert_ptr_nonnull (state.store);
  rs_record_free (new_draft (state.store, "uuid:as", "Thôn 1", "HG-1", "A"));

  /* Twenty saves queued at once land in order: the last one is what is stored. */
  state.pending = 20 + 1 + 1 + 1 + 1 + 1;
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *counter = g_strdup_printf ("%u", i);
      g_autoptr(GBytes) xml = make_instance ("uuid:as", NULL, "Thôn 1", "HG-1", "A", 1, counter);
      g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:as", xml, NULL);

      rs_store_save_answer_async (state.store, update, NULL, saved_cb, &state);
      if (i == 19)
        expected = g_bytes_ref (xml);
    }
  {
    g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:as", final_xml, NULL);

    g_cancellable_cancel (cancelled);
    rs_store_save_answer_async (state.store, update, cancelled, cancelled_cb, &state);
  }
  query.text = "a";
  rs_store_list_records_async (state.store, &query, NULL, listed_cb, &state);
  rs_store_finalize_async (state.store, "uuid:as", final_xml, NULL, NULL, NULL, finalized_cb,
                           &state);
  rs_store_export_async (state.store, RS_EXPORT_XML, dir, NULL, NULL, exported_cb, &state);
  rs_store_backup_async (state.store, copy, NULL, backed_up_cb, &state);
  g_main_loop_run (loop);

  g_ptr_array_add (state.order, NULL);
  joined = g_strjoinv (",", (char **) state.order->pdata);
  ck_assert_str_eq (joined, "open,save,save,save,save,save,save,save,save,save,save,save,save,"
                            "save,save,save,save,save,save,save,save,cancelled,list,finalize,"
                            "export,backup");
  ck_assert_int_eq (state.records->len, 1);
  record = rs_store_get_record (state.store, "uuid:as", NULL);
  ck_assert_int_eq (record->state, RS_RECORD_STATE_FINALIZED);
  ck_assert (g_bytes_equal (record->instance_xml, final_xml));
  ck_assert (expected != NULL);
  {
    g_autofree char *check = integrity_of (copy);
    ck_assert_str_eq (check, "ok");
  }

  g_ptr_array_unref (state.records);
  g_ptr_array_unref (state.order);
  g_object_unref (state.store);
}
END_TEST

static Suite *
store_suite (void)
{
  Suite *suite = suite_create ("store");
  TCase *pure = tcase_create ("pure");
  TCase *records = tcase_create ("records");
  TCase *files = tcase_create ("files");

  tcase_add_loop_test (pure, test_state_transitions, 0, G_N_ELEMENTS (transition_cases));
  tcase_add_test (pure, test_instance_info);
  tcase_add_test (pure, test_sqlite_settings_and_no_wal);
  suite_add_tcase (suite, pure);

  tcase_add_checked_fixture (records, setup, teardown);
  tcase_add_test (records, test_pragmas_read_back);
  tcase_add_test (records, test_device_id_is_stable);
  tcase_add_test (records, test_forms_and_standards);
  tcase_add_test (records, test_draft_save_and_resume);
  tcase_add_test (records, test_save_refused_outside_drafts);
  tcase_add_loop_test (records, test_search_diacritics, 0, G_N_ELEMENTS (search_cases));
  tcase_add_test (records, test_search_agrees_with_fold_match);
  tcase_add_test (records, test_list_filters);
  tcase_add_test (records, test_finalize_makes_one_outbox_row);
  tcase_add_test (records, test_outbox_flow);
  tcase_add_test (records, test_rejected_reopen_and_refinalize);
  tcase_add_test (records, test_edit_after_send);
  tcase_add_test (records, test_delete_keeps_tombstone);
  tcase_add_test (records, test_assignments);
  tcase_add_test (records, test_closed_store);
  tcase_add_test (records, test_async_operations_in_order);
  suite_add_tcase (suite, records);

  tcase_add_checked_fixture (files, setup, teardown);
  tcase_set_timeout (files, 60);
  tcase_add_test (files, test_export_xml);
  tcase_add_test (files, test_export_csv);
  tcase_add_test (files, test_export_csv_formula_guard);
  tcase_add_test (files, test_backup_while_writing);
  tcase_add_test (files, test_migrate_from_v1);
  tcase_add_test (files, test_too_new_is_refused);
  tcase_add_test (files, test_corrupt_file_detected_not_overwritten);
  tcase_add_test (files, test_read_only);
  tcase_add_test (files, test_disk_full);
  tcase_add_test (files, test_fsync_error_is_not_retried);
  suite_add_tcase (suite, files);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (store_suite ());
}
