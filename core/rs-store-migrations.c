/* rs-store-migrations.c: the store's schema, one step per PRAGMA user_version, in a transaction.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-store-private.h"

/* Version 1: the first field release. tests/test-store.c builds a database with exactly this SQL
 * to check the upgrade, so never edit a step once released; add a new one. */
static const char schema_v1[] =
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
  "  queued_seq INTEGER NOT NULL);";

/* Version 2: tombstones, versions after edits, search, resume, parking, assignments, audit and
 * sync logs, standards. The records table is rebuilt (SQLite cannot change a CHECK) following
 * https://www.sqlite.org/lang_altertable.html "Making Other Kinds Of Table Schema Changes". */
static const char schema_v2[] =
  "CREATE TABLE records_v2 (id INTEGER PRIMARY KEY, instance_id TEXT NOT NULL UNIQUE,"
  "  form_id TEXT NOT NULL, form_version TEXT NOT NULL,"
  "  state TEXT NOT NULL"
  "    CHECK (state IN ('draft', 'finalized', 'sent', 'rejected', 'deleted')),"
  "  version INTEGER NOT NULL DEFAULT 1, deprecated_id TEXT, superseded_by TEXT,"
  "  assignment_id TEXT, village TEXT, household_code TEXT, head_name TEXT,"
  "  search_folded TEXT NOT NULL DEFAULT '', classification TEXT, enumerator TEXT,"
  "  current_screen TEXT, created_seq INTEGER NOT NULL, updated_seq INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
  /* Big values last: listing and searching read the row's start and never walk the
   * instance's overflow pages. */
  "  score_json TEXT, instance_xml BLOB);"
  "INSERT INTO records_v2 (id, instance_id, form_id, form_version, state, instance_xml,"
  "  score_json, village, household_code, head_name, search_folded, classification, enumerator,"
  "  created_seq, updated_seq, created_at, updated_at)"
  "  SELECT id, instance_id, form_id, form_version, state, instance_xml, score_json, village,"
  "  household_code, head_name,"
  "  rs_fold (coalesce (head_name, '') || ' ' || coalesce (household_code, '')),"
  "  classification, enumerator, created_seq, updated_seq, created_at, updated_at FROM records;"
  "DROP TABLE records;"
  "ALTER TABLE records_v2 RENAME TO records;"
  "CREATE INDEX records_by_state ON records (state, updated_seq);"
  "CREATE INDEX records_by_update ON records (updated_seq);"
  "CREATE INDEX records_by_village ON records (village, updated_seq);"
  "ALTER TABLE outbox ADD COLUMN instance_id TEXT;"
  "ALTER TABLE outbox ADD COLUMN record_version INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE outbox ADD COLUMN last_message TEXT;"
  "ALTER TABLE outbox ADD COLUMN parked INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1));"
  "ALTER TABLE outbox ADD COLUMN sent_at INTEGER;"
  "UPDATE outbox SET instance_id = (SELECT instance_id FROM records"
  "  WHERE records.id = outbox.record_id);"
  "CREATE UNIQUE INDEX outbox_by_instance ON outbox (instance_id);"
  "CREATE INDEX outbox_due ON outbox (state, parked, queued_seq);"
  "CREATE INDEX outbox_by_record ON outbox (record_id);"
  "CREATE TABLE standards (standard_id TEXT NOT NULL, version TEXT NOT NULL,"
  "  sha256 TEXT NOT NULL, json BLOB NOT NULL, added_seq INTEGER NOT NULL,"
  "  PRIMARY KEY (standard_id, version));"
  "CREATE TABLE assignments (id TEXT PRIMARY KEY NOT NULL, village TEXT, household_code TEXT,"
  "  head_name TEXT, search_folded TEXT NOT NULL DEFAULT '', previous_status TEXT,"
  "  prefill_json TEXT, received_seq INTEGER NOT NULL, record_instance_id TEXT);"
  "CREATE INDEX assignments_by_village ON assignments (village);"
  "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL,"
  "  instance_id TEXT NOT NULL, kind TEXT NOT NULL, node TEXT, old_value TEXT, new_value TEXT,"
  "  message TEXT, elapsed_ms INTEGER);"
  "CREATE INDEX audit_by_instance ON audit_log (instance_id, id);"
  "CREATE TABLE sync_log (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, at INTEGER NOT NULL,"
  "  instance_id TEXT, event TEXT NOT NULL, http_status INTEGER, message TEXT);"
  "CREATE INDEX sync_log_by_instance ON sync_log (instance_id, id);";

static const char *const steps[] = {
  schema_v1,
  schema_v2,
};

G_STATIC_ASSERT (G_N_ELEMENTS (steps) == RS_STORE_SCHEMA_VERSION);

static gboolean
read_user_version (RsStore  *self,
                   int      *version,
                   GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      *version = sqlite3_column_int (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static gboolean
foreign_keys_ok (RsStore  *self,
                 GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc == SQLITE_ROW)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_CORRUPT,
                           _("The household database has records that point to missing rows, "
                             "so it was not upgraded. It has not been changed. Call your "
                             "district support."));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static gboolean
ensure_device_id (RsStore  *self,
                  GError  **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *device_id = g_strconcat ("rasoat:", uuid, NULL);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db,
                               "INSERT OR IGNORE INTO settings (key, value) "
                               "VALUES ('device_id', ?)", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      _rs_store_bind_text (stmt, 1, device_id);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

/**
 * _rs_store_migrate:
 * @self: the store, opened for writing, lock held
 * @from_version: the user_version read at open
 * @error: a #GError
 *
 * Brings the schema to %RS_STORE_SCHEMA_VERSION in one transaction: a crash half-way leaves the
 * old version intact. Foreign keys are off during the steps (table rebuilds need that) and
 * checked before the commit.
 */
gboolean
_rs_store_migrate (RsStore  *self,
                   int       from_version,
                   GError  **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d",
                                                  RS_STORE_SCHEMA_VERSION);
  g_autofree char *set_application =
    g_strdup_printf ("PRAGMA application_id = %d", RS_STORE_APPLICATION_ID);
  int version = from_version;
  gboolean ok = FALSE;

  if (!_rs_store_exec (self, "PRAGMA foreign_keys = OFF", error))
    return FALSE;
  if (!_rs_store_exec (self, "BEGIN IMMEDIATE", error))
    goto out;
  /* Another process may have upgraded the file between our first look and the lock. */
  if (!read_user_version (self, &version, error))
    goto out;
  if (version > RS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_TOO_NEW,
                   _("The household database was written by a newer version of rasoat. Update "
                     "the app, then open it again. Nothing was changed."));
      goto out;
    }
  for (int step = version; step < RS_STORE_SCHEMA_VERSION; step++)
    {
      g_debug ("Migrating %s from schema %d to %d", self->path, step, step + 1);
      if (!_rs_store_exec (self, steps[step], error))
        goto out;
    }
  if (!_rs_store_exec (self, set_version, error)
      || !_rs_store_exec (self, set_application, error)
      || !ensure_device_id (self, error)
      || !foreign_keys_ok (self, error))
    goto out;
  ok = _rs_store_commit (self, error);

out:
  if (!ok)
    _rs_store_rollback (self);
  if (self->db != NULL && !_rs_store_exec (self, "PRAGMA foreign_keys = ON", ok ? error : NULL))
    return FALSE;
  return ok;
}
