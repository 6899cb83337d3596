/* rs-server-store-sqlite.c: SQLite backend of the server store (one file, WAL + synchronous=FULL).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>
#include <string.h>

#include "rs-sqlite.h"
#include "rs-server-store.h"

/* One connection behind a mutex: SQLite has one writer at a time anyway, and every write is a
 * durable commit (WAL + FULL) that must finish before the server answers. */
typedef struct
{
  RsServerStore parent;
  sqlite3 *db;
  GMutex lock;
} RsServerStoreSqlite;

#define SCHEMA_VERSION "1"

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS meta ("
  "  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS users ("
  "  username TEXT PRIMARY KEY,"
  "  role TEXT NOT NULL CHECK (role IN ('enumerator', 'commune_officer', 'district_admin')),"
  "  communes TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT NOT NULL,"
  "  digest_ha1 TEXT NOT NULL,"
  "  active INTEGER NOT NULL DEFAULT 1,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS device_tokens ("
  "  token_sha256 TEXT PRIMARY KEY,"
  "  username TEXT NOT NULL REFERENCES users (username),"
  "  device TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  revoked_at INTEGER);"
  "CREATE TABLE IF NOT EXISTS communes ("
  "  code TEXT PRIMARY KEY, name TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS forms ("
  "  form_id TEXT NOT NULL, version TEXT NOT NULL, name TEXT NOT NULL,"
  "  md5 TEXT NOT NULL, xml BLOB NOT NULL, added_at INTEGER NOT NULL,"
  "  PRIMARY KEY (form_id, version));"
  "CREATE TABLE IF NOT EXISTS records ("
  "  id INTEGER PRIMARY KEY,"
  "  instance_id TEXT NOT NULL UNIQUE,"
  "  deprecated_id TEXT UNIQUE,"
  "  superseded_by TEXT,"
  "  form_id TEXT NOT NULL, form_version TEXT NOT NULL,"
  "  commune_code TEXT NOT NULL, village TEXT, household_code TEXT, head_name TEXT,"
  "  review_date TEXT, enumerator TEXT, submitted_by TEXT NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  sha256 TEXT NOT NULL, xml BLOB NOT NULL,"
  "  classification TEXT NOT NULL DEFAULT '', score_json TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX IF NOT EXISTS records_commune ON records (commune_code, superseded_by);"
  "CREATE TABLE IF NOT EXISTS attachments ("
  "  instance_id TEXT NOT NULL REFERENCES records (instance_id),"
  "  filename TEXT NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL,"
  "  data BLOB NOT NULL, received_at INTEGER NOT NULL,"
  "  PRIMARY KEY (instance_id, filename));"
  "CREATE TABLE IF NOT EXISTS assignments ("
  "  commune_code TEXT NOT NULL, household_code TEXT NOT NULL, village TEXT NOT NULL,"
  "  head_name TEXT NOT NULL, previous_status TEXT NOT NULL, source TEXT NOT NULL,"
  "  PRIMARY KEY (commune_code, household_code));"
  "CREATE TABLE IF NOT EXISTS audit_log ("
  "  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL,"
  "  username TEXT, remote TEXT, detail TEXT);";

static RsServerStoreSqlite *
sqlite_store (RsServerStore *self)
{
  return (RsServerStoreSqlite *) self;
}

static gboolean
sql_error (RsServerStoreSqlite  *self,
           GError              **error)
{
  g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_QUERY,
               _("The district database failed: %s"), sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec_sql (RsServerStoreSqlite  *self,
          const char           *sql,
          GError              **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sql_error (self, error);
  return TRUE;
}

static sqlite3_stmt *
prepare (RsServerStoreSqlite  *self,
         const char           *sql,
         GError              **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      sql_error (self, error);
      return NULL;
    }
  return stmt;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return (const char *) sqlite3_column_text (stmt, index);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Runs a statement with no result rows; returns the number of changed rows or -1. */
static gint64
step_done (RsServerStoreSqlite  *self,
           sqlite3_stmt         *stmt,
           GError              **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      if (rc == SQLITE_CONSTRAINT)
        g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_EXISTS,
                     _("This entry already exists: %s"), sqlite3_errmsg (self->db));
      else
        sql_error (self, error);
      return -1;
    }
  return sqlite3_changes (self->db);
}

static void
sqlite_close (RsServerStore *store)
{
  RsServerStoreSqlite *self = sqlite_store (store);

  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
sqlite_user_add (RsServerStore       *store,
                 const RsServerUser  *user,
                 GError             **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *communes = g_strjoinv (",", user->communes != NULL ? user->communes
                                                                      : (char *[]) { NULL });
  gint64 now = g_get_real_time ();

  stmt = prepare (self, "INSERT INTO users (username, role, communes, password_hash, digest_ha1,"
                        " active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user->username);
  bind_text (stmt, 2, rs_role_to_string (user->role));
  bind_text (stmt, 3, communes);
  bind_text (stmt, 4, user->password_hash);
  bind_text (stmt, 5, user->digest_ha1);
  sqlite3_bind_int (stmt, 6, user->active ? 1 : 0);
  sqlite3_bind_int64 (stmt, 7, now);
  return step_done (self, stmt, error) >= 0;
}

static gboolean
sqlite_user_update (RsServerStore       *store,
                    const RsServerUser  *user,
                    GError             **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *communes = g_strjoinv (",", user->communes != NULL ? user->communes
                                                                      : (char *[]) { NULL });
  gint64 changed;

  stmt = prepare (self, "UPDATE users SET role = ?2, communes = ?3, password_hash = ?4,"
                        " digest_ha1 = ?5, active = ?6, updated_at = ?7 WHERE username = ?1",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user->username);
  bind_text (stmt, 2, rs_role_to_string (user->role));
  bind_text (stmt, 3, communes);
  bind_text (stmt, 4, user->password_hash);
  bind_text (stmt, 5, user->digest_ha1);
  sqlite3_bind_int (stmt, 6, user->active ? 1 : 0);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
  changed = step_done (self, stmt, error);
  if (changed == 0)
    g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                 _("There is no user named “%s”."), user->username);
  if (changed <= 0)
    return FALSE;
  if (!user->active)
    {
      g_autoptr(sqlite3_stmt) revoke = prepare (self, "UPDATE device_tokens SET revoked_at = ?2"
                                                      " WHERE username = ?1 AND revoked_at IS NULL",
                                                error);
      if (revoke == NULL)
        return FALSE;
      bind_text (revoke, 1, user->username);
      sqlite3_bind_int64 (revoke, 2, g_get_real_time ());
      return step_done (self, revoke, error) >= 0;
    }
  return TRUE;
}

static RsServerUser *
user_from_row (sqlite3_stmt *stmt)
{
  RsServerUser *user = g_new0 (RsServerUser, 1);
  const char *communes = column_text (stmt, 2);

  user->username = column_dup (stmt, 0);
  if (!rs_role_from_string (column_text (stmt, 1), &user->role))
    user->role = RS_ROLE_ENUMERATOR;
  user->communes = communes != NULL && *communes != '\0' ? g_strsplit (communes, ",", -1)
                                                         : g_new0 (char *, 1);
  user->password_hash = column_dup (stmt, 3);
  user->digest_ha1 = column_dup (stmt, 4);
  user->active = sqlite3_column_int (stmt, 5) != 0;
  return user;
}

static RsServerUser *
sqlite_user_get (RsServerStore  *store,
                 const char     *username,
                 GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT username, role, communes, password_hash, digest_ha1, active"
                        " FROM users WHERE username = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, username);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                 _("There is no user named “%s”."), username);
  else
    sql_error (self, error);
  return NULL;
}

static GPtrArray *
sqlite_user_list (RsServerStore  *store,
                  GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) users =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_server_user_free);
  int rc;

  stmt = prepare (self, "SELECT username, role, communes, password_hash, digest_ha1, active"
                        " FROM users ORDER BY username", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, user_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&users);
}

static gboolean
sqlite_token_add (RsServerStore  *store,
                  const char     *username,
                  const char     *device,
                  const char     *token_sha256,
                  GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "INSERT INTO device_tokens (token_sha256, username, device, created_at)"
                        " SELECT ?1, username, ?3, ?4 FROM users WHERE username = ?2", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, token_sha256);
  bind_text (stmt, 2, username);
  bind_text (stmt, 3, device);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  switch (step_done (self, stmt, error))
    {
    case -1:
      return FALSE;
    case 0:
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("There is no user named “%s”."), username);
      return FALSE;
    default:
      return TRUE;
    }
}

static guint
sqlite_token_revoke (RsServerStore  *store,
                     const char     *username,
                     const char     *device,
                     GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 changed;

  stmt = prepare (self, "UPDATE device_tokens SET revoked_at = ?3 WHERE username = ?1"
                        " AND (?2 IS NULL OR device = ?2) AND revoked_at IS NULL", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, username);
  bind_text (stmt, 2, device);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  changed = step_done (self, stmt, error);
  return changed > 0 ? (guint) changed : 0;
}

static RsServerUser *
sqlite_token_lookup (RsServerStore  *store,
                     const char     *token_sha256,
                     GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT u.username, u.role, u.communes, u.password_hash, u.digest_ha1,"
                        " u.active FROM device_tokens t JOIN users u USING (username)"
                        " WHERE t.token_sha256 = ?1 AND t.revoked_at IS NULL AND u.active = 1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, token_sha256);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                 _("This device token is unknown or revoked."));
  else
    sql_error (self, error);
  return NULL;
}

static gboolean
sqlite_commune_put (RsServerStore  *store,
                    const char     *code,
                    const char     *name,
                    GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "INSERT INTO communes (code, name) VALUES (?1, ?2)"
                        " ON CONFLICT (code) DO UPDATE SET name = excluded.name", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, code);
  bind_text (stmt, 2, name);
  return step_done (self, stmt, error) >= 0;
}

static gboolean
sqlite_form_put (RsServerStore       *store,
                 const RsServerForm  *form,
                 gboolean            *added,
                 GError             **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gsize length = 0;
  const void *data = g_bytes_get_data (form->xml, &length);
  gint64 changed;

  /* A published (id, version) never changes: a form with new content needs a new version. */
  stmt = prepare (self, "INSERT INTO forms (form_id, version, name, md5, xml, added_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, form->form_id);
  bind_text (stmt, 2, form->version);
  bind_text (stmt, 3, form->name);
  bind_text (stmt, 4, form->md5);
  sqlite3_bind_blob64 (stmt, 5, data, length, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());
  changed = step_done (self, stmt, error);
  if (added != NULL)
    *added = changed > 0;
  return changed >= 0;
}

static RsServerForm *
form_from_row (sqlite3_stmt *stmt,
               gboolean      with_xml)
{
  RsServerForm *form = g_new0 (RsServerForm, 1);

  form->form_id = column_dup (stmt, 0);
  form->version = column_dup (stmt, 1);
  form->name = column_dup (stmt, 2);
  form->md5 = column_dup (stmt, 3);
  if (with_xml)
    form->xml = g_bytes_new (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4));
  return form;
}

static RsServerForm *
sqlite_form_get (RsServerStore  *store,
                 const char     *form_id,
                 const char     *version,
                 gboolean        with_xml,
                 GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  /* Without a version, the most recently added version of the form. */
  stmt = prepare (self, "SELECT form_id, version, name, md5, xml FROM forms WHERE form_id = ?1"
                        " AND (?2 IS NULL OR version = ?2) ORDER BY added_at DESC, version DESC"
                        " LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, form_id);
  bind_text (stmt, 2, version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return form_from_row (stmt, with_xml);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                 _("The server does not know form “%s” version “%s”."), form_id,
                 version != NULL ? version : "");
  else
    sql_error (self, error);
  return NULL;
}

static GPtrArray *
sqlite_form_list (RsServerStore  *store,
                  GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) forms =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_server_form_free);
  int rc;

  stmt = prepare (self, "SELECT form_id, version, name, md5 FROM forms"
                        " ORDER BY form_id, added_at, version", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (forms, form_from_row (stmt, FALSE));
  if (rc != SQLITE_DONE)
    {
      sql_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&forms);
}

static gboolean
put_attachments (RsServerStoreSqlite  *self,
                 const RsSubmission   *submission,
                 gint64                received_us,
                 GError              **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (submission->attachments == NULL || submission->attachments->len == 0)
    return TRUE;
  /* Attachments arrive across several POSTs with the same XML; a resent one is kept once. */
  stmt = prepare (self, "INSERT INTO attachments (instance_id, filename, content_type, sha256,"
                        " data, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                        " ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < submission->attachments->len; i++)
    {
      RsSubmissionAttachment *attachment = g_ptr_array_index (submission->attachments, i);
      gsize length = 0;
      const void *data = g_bytes_get_data (attachment->data, &length);

      sqlite3_reset (stmt);
      bind_text (stmt, 1, submission->instance_id);
      bind_text (stmt, 2, attachment->filename);
      bind_text (stmt, 3, attachment->content_type);
      bind_text (stmt, 4, attachment->sha256);
      sqlite3_bind_blob64 (stmt, 5, length > 0 ? data : "", length, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, received_us);
      if (step_done (self, stmt, error) < 0)
        return FALSE;
    }
  return TRUE;
}

/* Decides the outcome inside the caller's write transaction. */
static gboolean
record_put_locked (RsServerStoreSqlite  *self,
                   const RsSubmission   *submission,
                   const char           *submitted_by,
                   gint64                received_us,
                   const char           *classification,
                   const char           *score_json,
                   RsRecordOutcome      *outcome,
                   GError              **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  gsize length = 0;
  const void *xml = g_bytes_get_data (submission->xml, &length);
  gint64 changed;

  insert = prepare (self, "INSERT INTO records (instance_id, deprecated_id, form_id, form_version,"
                          " commune_code, village, household_code, head_name, review_date,"
                          " enumerator, submitted_by, received_at, sha256, xml, classification,"
                          " score_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                          " ?12, ?13, ?14, ?15, ?16) ON CONFLICT (instance_id) DO NOTHING", error);
  if (insert == NULL)
    return FALSE;
  bind_text (insert, 1, submission->instance_id);
  bind_text (insert, 2, submission->deprecated_id);
  bind_text (insert, 3, submission->form_id);
  bind_text (insert, 4, submission->form_version);
  bind_text (insert, 5, submission->commune_code);
  bind_text (insert, 6, submission->village);
  bind_text (insert, 7, submission->household_code);
  bind_text (insert, 8, submission->head_name);
  bind_text (insert, 9, submission->review_date);
  bind_text (insert, 10, submission->enumerator);
  bind_text (insert, 11, submitted_by);
  sqlite3_bind_int64 (insert, 12, received_us);
  bind_text (insert, 13, submission->sha256);
  sqlite3_bind_blob64 (insert, 14, xml, length, SQLITE_STATIC);
  bind_text (insert, 15, classification != NULL ? classification : "");
  bind_text (insert, 16, score_json != NULL ? score_json : "");
  changed = sqlite3_step (insert) == SQLITE_DONE ? sqlite3_changes (self->db) : -1;
  if (changed < 0)
    {
      /* The other UNIQUE column: another edit already replaced the same version. */
      if (sqlite3_errcode (self->db) == SQLITE_CONSTRAINT)
        {
          *outcome = RS_RECORD_STALE;
          return TRUE;
        }
      return sql_error (self, error);
    }

  if (changed == 0)
    {
      g_autoptr(sqlite3_stmt) existing = prepare (self, "SELECT sha256 FROM records"
                                                        " WHERE instance_id = ?1", error);
      if (existing == NULL)
        return FALSE;
      bind_text (existing, 1, submission->instance_id);
      if (sqlite3_step (existing) != SQLITE_ROW)
        return sql_error (self, error);
      if (!g_str_equal (column_text (existing, 0), submission->sha256))
        {
          *outcome = RS_RECORD_CONFLICT;
          return TRUE;
        }
      *outcome = RS_RECORD_DUPLICATE;
      return put_attachments (self, submission, received_us, error);
    }

  if (submission->deprecated_id != NULL)
    {
      g_autoptr(sqlite3_stmt) supersede = NULL;
      g_autoptr(sqlite3_stmt) known = NULL;

      /* An edit may only replace a version of the same commune (the submitter's commune was
       * checked for the new version). */
      supersede = prepare (self, "UPDATE records SET superseded_by = ?1 WHERE instance_id = ?2"
                                 " AND superseded_by IS NULL AND commune_code = ?3", error);
      if (supersede == NULL)
        return FALSE;
      bind_text (supersede, 1, submission->instance_id);
      bind_text (supersede, 2, submission->deprecated_id);
      bind_text (supersede, 3, submission->commune_code);
      changed = step_done (self, supersede, error);
      if (changed < 0)
        return FALSE;
      if (changed == 0)
        {
          known = prepare (self, "SELECT commune_code FROM records WHERE instance_id = ?1", error);
          if (known == NULL)
            return FALSE;
          bind_text (known, 1, submission->deprecated_id);
          if (sqlite3_step (known) != SQLITE_ROW)
            *outcome = RS_RECORD_UNKNOWN_BASE;
          else if (g_strcmp0 (column_text (known, 0), submission->commune_code) != 0)
            *outcome = RS_RECORD_OTHER_COMMUNE;
          else
            *outcome = RS_RECORD_STALE;
          return TRUE;
        }
    }
  *outcome = RS_RECORD_STORED;
  return put_attachments (self, submission, received_us, error);
}

static gboolean
sqlite_record_put (RsServerStore       *store,
                   const RsSubmission  *submission,
                   const char          *submitted_by,
                   const char          *remote,
                   gint64               received_us,
                   const char          *classification,
                   const char          *score_json,
                   RsRecordOutcome     *outcome,
                   GError             **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gboolean commit;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!record_put_locked (self, submission, submitted_by, received_us, classification,
                          score_json, outcome, error))
    {
      exec_sql (self, "ROLLBACK", NULL);
      return FALSE;
    }
  commit = *outcome == RS_RECORD_STORED || *outcome == RS_RECORD_DUPLICATE;
  if (!commit)
    return exec_sql (self, "ROLLBACK", error);
  {
    g_autoptr(sqlite3_stmt) audit = prepare (self, "INSERT INTO audit_log (at, event, username,"
                                                   " remote, detail) VALUES (?1, 'submission',"
                                                   " ?2, ?3, ?4)", error);
    g_autofree char *detail = g_strdup_printf ("%s %s", submission->instance_id,
                                               rs_record_outcome_to_string (*outcome));

    if (audit == NULL)
      {
        exec_sql (self, "ROLLBACK", NULL);
        return FALSE;
      }
    sqlite3_bind_int64 (audit, 1, received_us);
    bind_text (audit, 2, submitted_by);
    bind_text (audit, 3, remote);
    bind_text (audit, 4, detail);
    if (step_done (self, audit, error) < 0)
      {
        exec_sql (self, "ROLLBACK", NULL);
        return FALSE;
      }
  }
  /* A failed COMMIT is not retried (the state of an fsync failure is unknown): the request
   * fails, and the client's resend is answered from what is really on disk. */
  if (!exec_sql (self, "COMMIT", error))
    {
      exec_sql (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sqlite_records_foreach (RsServerStore       *store,
                        const char          *commune_code,
                        gboolean             latest_only,
                        RsServerRecordFunc   func,
                        gpointer             user_data,
                        GError             **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT instance_id, deprecated_id, superseded_by, form_id, form_version,"
                        " commune_code, village, household_code, head_name, review_date,"
                        " enumerator, submitted_by, received_at, sha256, classification,"
                        " score_json FROM records WHERE (?1 IS NULL OR commune_code = ?1)"
                        " AND (?2 = 0 OR superseded_by IS NULL) ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, commune_code);
  sqlite3_bind_int (stmt, 2, latest_only ? 1 : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RsServerRecordRow row = {
        .instance_id = column_text (stmt, 0),
        .deprecated_id = column_text (stmt, 1),
        .superseded_by = column_text (stmt, 2),
        .form_id = column_text (stmt, 3),
        .form_version = column_text (stmt, 4),
        .commune_code = column_text (stmt, 5),
        .village = column_text (stmt, 6),
        .household_code = column_text (stmt, 7),
        .head_name = column_text (stmt, 8),
        .review_date = column_text (stmt, 9),
        .enumerator = column_text (stmt, 10),
        .submitted_by = column_text (stmt, 11),
        .received_us = sqlite3_column_int64 (stmt, 12),
        .sha256 = column_text (stmt, 13),
        .classification = column_text (stmt, 14),
        .score_json = column_text (stmt, 15),
      };
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return sql_error (self, error);
  return TRUE;
}

static GBytes *
sqlite_record_xml (RsServerStore  *store,
                   const char     *instance_id,
                   GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT xml FROM records WHERE instance_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, instance_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                 _("There is no record with instanceID “%s”."), instance_id);
  else
    sql_error (self, error);
  return NULL;
}

static gint64
count_query (RsServerStoreSqlite  *self,
             const char           *sql,
             const char           *param,
             GError              **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, param);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sql_error (self, error);
      return -1;
    }
  return sqlite3_column_int64 (stmt, 0);
}

static gint64
sqlite_record_count (RsServerStore  *store,
                     GError        **error)
{
  return count_query (sqlite_store (store), "SELECT count(*) FROM records WHERE ?1 IS NULL",
                      NULL, error);
}

static gint64
sqlite_attachment_count (RsServerStore  *store,
                         const char     *instance_id,
                         GError        **error)
{
  return count_query (sqlite_store (store),
                      "SELECT count(*) FROM attachments WHERE instance_id = ?1", instance_id,
                      error);
}

static gint64
sqlite_audit_count (RsServerStore  *store,
                    const char     *event,
                    GError        **error)
{
  return count_query (sqlite_store (store),
                      "SELECT count(*) FROM audit_log WHERE ?1 IS NULL OR event = ?1", event,
                      error);
}

static gboolean
sqlite_assignments_replace (RsServerStore  *store,
                            const char     *commune_code,
                            GPtrArray      *assignments,
                            GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) clear = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  clear = prepare (self, "DELETE FROM assignments WHERE ?1 IS NULL OR commune_code = ?1", error);
  insert = prepare (self, "INSERT INTO assignments (commune_code, household_code, village,"
                          " head_name, previous_status, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                          " ON CONFLICT DO UPDATE SET village = excluded.village,"
                          " head_name = excluded.head_name,"
                          " previous_status = excluded.previous_status, source = excluded.source",
                   error);
  if (clear == NULL || insert == NULL)
    goto fail;
  bind_text (clear, 1, commune_code);
  if (step_done (self, clear, error) < 0)
    goto fail;
  for (guint i = 0; i < assignments->len; i++)
    {
      const RsServerAssignment *row = g_ptr_array_index (assignments, i);

      sqlite3_reset (insert);
      bind_text (insert, 1, row->commune_code);
      bind_text (insert, 2, row->household_code);
      bind_text (insert, 3, row->village);
      bind_text (insert, 4, row->head_name);
      bind_text (insert, 5, row->previous_status);
      bind_text (insert, 6, row->source);
      if (step_done (self, insert, error) < 0)
        goto fail;
    }
  return exec_sql (self, "COMMIT", error);

fail:
  exec_sql (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
sqlite_assignments_foreach (RsServerStore           *store,
                            const char              *commune_code,
                            RsServerAssignmentFunc   func,
                            gpointer                 user_data,
                            GError                 **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT commune_code, household_code, village, head_name,"
                        " previous_status, source FROM assignments"
                        " WHERE ?1 IS NULL OR commune_code = ?1"
                        " ORDER BY commune_code, village, household_code", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, commune_code);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RsServerAssignment row = {
        column_text (stmt, 0), column_text (stmt, 1), column_text (stmt, 2),
        column_text (stmt, 3), column_text (stmt, 4), column_text (stmt, 5),
      };
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return sql_error (self, error);
  return TRUE;
}

static gboolean
sqlite_audit (RsServerStore  *store,
              const char     *event,
              const char     *username,
              const char     *remote,
              const char     *detail,
              GError        **error)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "INSERT INTO audit_log (at, event, username, remote, detail)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, event);
  bind_text (stmt, 3, username);
  bind_text (stmt, 4, remote);
  bind_text (stmt, 5, detail);
  return step_done (self, stmt, error) >= 0;
}

static const RsServerStoreClass sqlite_class = {
  .name = "sqlite",
  .close = sqlite_close,
  .user_add = sqlite_user_add,
  .user_update = sqlite_user_update,
  .user_get = sqlite_user_get,
  .user_list = sqlite_user_list,
  .token_add = sqlite_token_add,
  .token_revoke = sqlite_token_revoke,
  .token_lookup = sqlite_token_lookup,
  .commune_put = sqlite_commune_put,
  .form_put = sqlite_form_put,
  .form_get = sqlite_form_get,
  .form_list = sqlite_form_list,
  .record_put = sqlite_record_put,
  .records_foreach = sqlite_records_foreach,
  .record_xml = sqlite_record_xml,
  .record_count = sqlite_record_count,
  .attachment_count = sqlite_attachment_count,
  .assignments_replace = sqlite_assignments_replace,
  .assignments_foreach = sqlite_assignments_foreach,
  .audit = sqlite_audit,
  .audit_count = sqlite_audit_count,
};

RsServerStore *
rs_server_store_sqlite_open (const char  *path,
                             gboolean     create,
                             GError     **error)
{
  g_autoptr(RsServerStore) store = NULL;
  RsServerStoreSqlite *self;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
  g_autofree char *mode = NULL;
  int rc;

  if (!create && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_INITIALIZED,
                   _("The district database %s does not exist; create it with "
                     "“rasoat-server init --db %s”."), path, path);
      return NULL;
    }
  if (create)
    flags |= SQLITE_OPEN_CREATE;

  self = g_new0 (RsServerStoreSqlite, 1);
  self->parent.klass = &sqlite_class;
  g_mutex_init (&self->lock);
  store = (RsServerStore *) self;

  if (sqlite3_open_v2 (path, &self->db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_OPEN,
                   _("Cannot open the district database %s: %s"), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 0);
  /* The same settings as the tablet's store (design/reliability.md §1.2). */
  rc = rs_sqlite_use_wal (self->db, &mode);
  if (rc == SQLITE_CANTOPEN && mode != NULL)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_OPEN,
                   _("The district database %s cannot use write-ahead logging on this file "
                     "system (journal mode “%s”), so a record could be lost in a power cut. "
                     "Keep the database on a local disk, not a network share."), path, mode);
      return NULL;
    }
  if (rc != SQLITE_OK || rs_sqlite_configure (self->db) != SQLITE_OK)
    {
      sql_error (self, error);
      return NULL;
    }

  if (create)
    {
      if (!exec_sql (self, schema_sql, error)
          || !exec_sql (self, "INSERT INTO meta (key, value) VALUES ('schema_version', '"
                              SCHEMA_VERSION "') ON CONFLICT DO NOTHING", error))
        return NULL;
    }
  else
    {
      g_autoptr(sqlite3_stmt) check = NULL;

      check = prepare (self, "SELECT value FROM meta WHERE key = 'schema_version'", NULL);
      if (check == NULL || sqlite3_step (check) != SQLITE_ROW
          || g_strcmp0 (column_text (check, 0), SCHEMA_VERSION) != 0)
        {
          g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_INITIALIZED,
                       _("%s is not a rasoat district database; create one with "
                         "“rasoat-server init --db FILE”."), path);
          return NULL;
        }
    }
  return g_steal_pointer (&store);
}

char *
rs_server_store_sqlite_pragma (RsServerStore *store,
                               const char    *pragma)
{
  RsServerStoreSqlite *self = sqlite_store (store);
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (store->klass == &sqlite_class, NULL);
  locker = g_mutex_locker_new (&self->lock);
  sql = g_strdup_printf ("PRAGMA %s", pragma);
  stmt = prepare (self, sql, NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}
