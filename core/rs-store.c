/* rs-store.c: opening the tablet database safely, records (drafts, answers, finalize), settings.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rs-sqlite.h"
#include "rs-store-private.h"
#include "rs-text.h"

G_DEFINE_QUARK (rs-store-error-quark, rs_store_error)

static void rs_store_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RsStore, rs_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      rs_store_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, NULL))

enum
{
  PROP_0,
  PROP_PATH,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Set in the worker thread, so dispose knows not to wait for itself. */
static GPrivate in_worker;

static void worker_run (gpointer data,
                        gpointer user_data);

/* ---- errors ---------------------------------------------------------------------------- */

/* Turns an SQLite result code into an RS_STORE_ERROR a user can act on. Always FALSE. */
static gboolean
set_sqlite_error (RsStore  *self,
                  int       rc,
                  GError  **error)
{
  const char *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_FULL,
                           _("The tablet's storage is full, so this change was not saved. "
                             "Everything saved before is safe. Free some space (delete photos, "
                             "videos or downloads you do not need), then try again."));
      break;
    case SQLITE_READONLY:
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY,
                           _("The household database cannot be written (the file is "
                             "read-only), so this change was not saved. Everything saved before "
                             "is safe. Restart the tablet; if it happens again, call your "
                             "district support."));
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_CORRUPT,
                   _("The household database “%s” is damaged. It has not been changed. Do not "
                     "delete it: copy it to a computer and call your district support, who can "
                     "restore the latest backup."),
                   self->path);
      break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                   _("The tablet's storage failed while reading or writing the household "
                     "database (%s). The last change may not be saved. Close the app and open "
                     "it again, then check the last household."),
                   detail);
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_BUSY,
                           _("The household database is busy in another program. Wait a "
                             "moment and try again."));
      break;
    default:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_FAILED,
                   _("The household database reported an error: %s."), detail);
      break;
    }
  return FALSE;
}

/* An I/O error may leave the page cache and the file disagreeing; retrying the commit could
 * report success for data that is gone (PostgreSQL's fsync lesson). Close and make the caller
 * reopen, which re-reads what is really on disk. */
static void
mark_broken (RsStore *self)
{
  self->broken = TRUE;
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      /* No checkpoint on the way out: no more writes to a device that just failed one. The
       * next open recovers from the WAL. */
      sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
      g_clear_pointer (&self->db, sqlite3_close_v2);
    }
}

gboolean
_rs_store_fail (RsStore  *self,
                int       rc,
                GError  **error)
{
  set_sqlite_error (self, rc, error);
  if ((rc & 0xff) == SQLITE_IOERR)
    mark_broken (self);
  return FALSE;
}

gboolean
_rs_store_check_open (RsStore   *self,
                      gboolean   for_writing,
                      GError   **error)
{
  if (self->broken)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                           _("The household database was closed after a storage error. Close "
                             "the app and open it again."));
      return FALSE;
    }
  if (self->db == NULL)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_CLOSED,
                           _("The household database is closed."));
      return FALSE;
    }
  if (for_writing && self->read_only)
    return set_sqlite_error (self, SQLITE_READONLY, error);
  return TRUE;
}

/* ---- statements ------------------------------------------------------------------------ */

sqlite3_stmt *
_rs_store_prepare (RsStore     *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
_rs_store_exec (RsStore     *self,
                const char  *sql,
                GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

gboolean
_rs_store_step_done (RsStore       *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

void
_rs_store_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize size = 0;
  const void *data;

  if (bytes == NULL)
    {
      sqlite3_bind_null (stmt, index);
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  /* A zero-length blob, not NULL: an empty payload is still a payload. */
  sqlite3_bind_blob64 (stmt, index, data != NULL ? data : "", size, SQLITE_STATIC);
}

char *
_rs_store_column_dup (sqlite3_stmt *stmt,
                      int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

GBytes *
_rs_store_column_bytes (sqlite3_stmt *stmt,
                        int           column)
{
  const void *data;
  int size;

  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  data = sqlite3_column_blob (stmt, column);
  size = sqlite3_column_bytes (stmt, column);
  return g_bytes_new (data, (gsize) size);
}

/* ---- transactions ---------------------------------------------------------------------- */

/* Writers take the write lock up front, so they wait (busy_timeout) instead of failing with
 * SQLITE_BUSY half-way through. */
gboolean
_rs_store_begin (RsStore  *self,
                 GError  **error)
{
  sqlite3_stmt *stmt;

  if (!_rs_store_check_open (self, TRUE, error))
    return FALSE;
  stmt = _rs_store_prepare (self, "BEGIN IMMEDIATE", error);
  return stmt != NULL && _rs_store_step_done (self, stmt, error);
}

void
_rs_store_rollback (RsStore *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean
_rs_store_commit (RsStore  *self,
                  GError  **error)
{
  sqlite3_stmt *stmt = _rs_store_prepare (self, "COMMIT", error);
  int rc;

  if (stmt == NULL)
    {
      _rs_store_rollback (self);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  /* Never loop on a failed COMMIT: roll back what is left, report, and for I/O errors close. */
  set_sqlite_error (self, rc, error);
  _rs_store_rollback (self);
  if ((rc & 0xff) == SQLITE_IOERR)
    mark_broken (self);
  return FALSE;
}

/* The store's own clock: +1 for every write, kept in the file, so ordering survives a tablet
 * whose date is wrong or jumps back. */
gint64
_rs_store_next_seq (RsStore  *self,
                    GError  **error)
{
  sqlite3_stmt *stmt = _rs_store_prepare (self,
                                          "UPDATE counter SET value = value + 1 WHERE id = 1 "
                                          "RETURNING value", error);
  gint64 value;
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _rs_store_fail (self, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, error);
      return -1;
    }
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

/* ---- SQL functions --------------------------------------------------------------------- */

static void
sql_fold (sqlite3_context  *context,
          int               argc,
          sqlite3_value   **argv)
{
  g_autofree char *folded = rs_text_fold ((const char *) sqlite3_value_text (argv[0]));

  sqlite3_result_text (context, folded, -1, SQLITE_TRANSIENT);
}

/* rs_text_fold_match() semantics: every word of the query starts a word of the haystack. The
 * query is folded and split once per statement (auxdata), not once per row. */
static gboolean
starts_a_word (const char *haystack,
               const char *word)
{
  for (const char *p = strstr (haystack, word); p != NULL; p = strstr (p + 1, word))
    {
      if (p == haystack || p[-1] == ' ')
        return TRUE;
    }
  return FALSE;
}

static void
sql_fold_match (sqlite3_context  *context,
                int               argc,
                sqlite3_value   **argv)
{
  const char *haystack = (const char *) sqlite3_value_text (argv[0]);
  char **words = sqlite3_get_auxdata (context, 1);

  if (words == NULL)
    {
      g_autofree char *folded = rs_text_fold ((const char *) sqlite3_value_text (argv[1]));

      words = g_strsplit (folded, " ", -1);
      sqlite3_set_auxdata (context, 1, words, (void (*) (void *)) g_strfreev);
      words = sqlite3_get_auxdata (context, 1);
      if (words == NULL)
        {
          sqlite3_result_error_nomem (context);
          return;
        }
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] != '\0' && !starts_a_word (haystack != NULL ? haystack : "", words[i]))
        {
          sqlite3_result_int (context, 0);
          return;
        }
    }
  sqlite3_result_int (context, 1);
}

static char *
search_text_for (const RsRecordSummary *summary)
{
  g_autofree char *joined = NULL;

  if (summary == NULL)
    return g_strdup ("");
  joined = g_strjoin (" ", summary->head_name != NULL ? summary->head_name : "",
                      summary->household_code != NULL ? summary->household_code : "", NULL);
  return rs_text_fold (joined);
}

/* ---- opening --------------------------------------------------------------------------- */

static gboolean
query_int (RsStore     *self,
           const char  *sql,
           gint64      *value,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, error);
  return TRUE;
}

static gboolean
query_text (RsStore     *self,
            const char  *sql,
            char       **value,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = _rs_store_column_dup (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, error);
  return TRUE;
}

static gboolean
corrupt_error (RsStore  *self,
               GError  **error)
{
  return set_sqlite_error (self, SQLITE_CORRUPT, error);
}

/* Checks the file before anything could write to it: a damaged or foreign file is reported and
 * left exactly as it is, so support can still recover it. */
static gboolean
check_file (RsStore  *self,
            gint64   *user_version,
            GError  **error)
{
  gint64 application_id = 0;
  gint64 n_tables = 0;
  g_autofree char *check = NULL;
  GError *local_error = NULL;

  if (!query_int (self, "PRAGMA application_id", &application_id, &local_error)
      || !query_int (self, "PRAGMA user_version", user_version, &local_error)
      || !query_int (self, "SELECT count(*) FROM sqlite_schema", &n_tables, &local_error))
    {
      if (g_error_matches (local_error, RS_STORE_ERROR, RS_STORE_ERROR_FAILED))
        {
          g_clear_error (&local_error);
          return corrupt_error (self, error);
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (application_id != 0 && application_id != RS_STORE_APPLICATION_ID)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_CORRUPT,
                   _("“%s” is not a rasoat household database. It has not been changed. Choose "
                     "the right file, or move this one away."),
                   self->path);
      return FALSE;
    }
  if (application_id == 0 && n_tables > 0)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_CORRUPT,
                   _("“%s” is a database of another program, not a rasoat household database. "
                     "It has not been changed. Choose the right file, or move this one away."),
                   self->path);
      return FALSE;
    }
  if (*user_version > RS_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_TOO_NEW,
                   _("The household database was written by a newer version of rasoat. Update "
                     "the app, then open it again. Nothing was changed."));
      return FALSE;
    }
  if (n_tables > 0)
    {
      if (!query_text (self, "PRAGMA quick_check", &check, &local_error))
        {
          if (g_error_matches (local_error, RS_STORE_ERROR, RS_STORE_ERROR_FAILED))
            {
              g_clear_error (&local_error);
              return corrupt_error (self, error);
            }
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (g_strcmp0 (check, "ok") != 0)
        {
          g_debug ("quick_check of %s: %s", self->path, check);
          return corrupt_error (self, error);
        }
    }
  return TRUE;
}

/* Connection settings from design/reliability.md §1.2 (rs_sqlite_configure()), and the
 * store's own SQL functions. Most settings are per connection, so every connection that writes
 * sets them again. */
static gboolean
configure_connection (RsStore  *self,
                      GError  **error)
{
  int rc;

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_create_function (self->db, "rs_fold", 1,
                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                           NULL, sql_fold, NULL, NULL);
  sqlite3_create_function (self->db, "rs_fold_match", 2,
                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                           NULL, sql_fold_match, NULL, NULL);
  rc = rs_sqlite_configure (self->db);
  if (rc != SQLITE_OK)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static gboolean
set_wal (RsStore  *self,
         GError  **error)
{
  g_autofree char *mode = NULL;
  int rc = rs_sqlite_use_wal (self->db, &mode);

  if (rc == SQLITE_CANTOPEN && mode != NULL)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                   _("The household database cannot use safe saving on this storage (journal "
                     "mode “%s”). Keep the database on the tablet's internal storage."),
                   mode);
      return FALSE;
    }
  if (rc != SQLITE_OK)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static gboolean
rs_store_initable_init (GInitable     *initable,
                        GCancellable  *cancellable,
                        GError       **error)
{
  RsStore *self = RS_STORE (initable);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gboolean read_only = (self->flags & RS_STORE_OPEN_READ_ONLY) != 0;
  int open_flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
                   | (read_only ? SQLITE_OPEN_READONLY
                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  gint64 user_version = 0;
  int rc;

  if (self->path == NULL)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID,
                           _("No database file was given."));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (read_only && !g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                   _("There is no household database at “%s”."), self->path);
      return FALSE;
    }

  rc = sqlite3_open_v2 (self->path, &self->db, open_flags, NULL);
  if (rc != SQLITE_OK)
    {
      if ((rc & 0xff) == SQLITE_CANTOPEN)
        g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                     _("Cannot open the household database “%s”. Check that the folder exists "
                       "and that the tablet's storage is working."),
                     self->path);
      else
        set_sqlite_error (self, rc, error);
      g_clear_pointer (&self->db, sqlite3_close_v2);
      return FALSE;
    }
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) sqlite3_finalize);

  if (!configure_connection (self, error) || !check_file (self, &user_version, error))
    goto fail;

  /* A file opened for writing may still be read-only on disk (permissions, a read-only mount). */
  self->read_only = read_only || sqlite3_db_readonly (self->db, "main") == 1;
  if (self->read_only)
    {
      if (user_version < RS_STORE_SCHEMA_VERSION)
        {
          if (user_version == 0)
            g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                         _("There is no household database at “%s”."), self->path);
          else
            g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY,
                         _("The household database “%s” comes from an older version of rasoat "
                           "and must be upgraded before it can be read, which needs writing to "
                           "it. Open it once with the app (or a rasoat-cli command that "
                           "writes, such as import)."), self->path);
          goto fail;
        }
      return TRUE;
    }

  if (!set_wal (self, error))
    goto fail;
  if (user_version < RS_STORE_SCHEMA_VERSION
      && !_rs_store_migrate (self, (int) user_version, error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->db, sqlite3_close_v2);
  return FALSE;
}

static void
rs_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = rs_store_initable_init;
}

/* ---- the GObject ----------------------------------------------------------------------- */

static void
rs_store_dispose (GObject *object)
{
  rs_store_close (RS_STORE (object));
  G_OBJECT_CLASS (rs_store_parent_class)->dispose (object);
}

static void
rs_store_object_finalize (GObject *object)
{
  RsStore *self = RS_STORE (object);

  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (rs_store_parent_class)->finalize (object);
}

static void
rs_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  RsStore *self = RS_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_FLAGS:
      g_value_set_uint (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rs_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  RsStore *self = RS_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rs_store_class_init (RsStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rs_store_dispose;
  object_class->finalize = rs_store_object_finalize;
  object_class->get_property = rs_store_get_property;
  object_class->set_property = rs_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FLAGS] =
    g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
rs_store_init (RsStore *self)
{
  g_mutex_init (&self->lock);
  /* Not exclusive: the thread is created on the first job, so a process that only uses the
   * synchronous calls (the CLI, a forked test child) has no extra thread. */
  self->worker = g_thread_pool_new (worker_run, self, 1, FALSE, NULL);
}

/**
 * rs_store_new:
 * @path: the database file; created if absent
 * @flags: %RS_STORE_OPEN_READ_ONLY to never write
 * @cancellable: (nullable): a #GCancellable
 * @error: %RS_STORE_ERROR_CORRUPT for a damaged or foreign file (left untouched),
 *   %RS_STORE_ERROR_TOO_NEW, %RS_STORE_ERROR_READ_ONLY, %RS_STORE_ERROR_IO, …
 *
 * Opens the store: WAL, synchronous=FULL and the other pragmas on the connection, a
 * quick_check, and the schema migrations in one transaction. Blocks: from the UI use
 * rs_store_new_async().
 *
 * Returns: (transfer full): the store, or %NULL
 */
RsStore *
rs_store_new (const char        *path,
              RsStoreOpenFlags   flags,
              GCancellable      *cancellable,
              GError           **error)
{
  return g_initable_new (RS_TYPE_STORE, cancellable, error,
                         "path", path, "flags", (guint) flags, NULL);
}

void
rs_store_new_async (const char          *path,
                    RsStoreOpenFlags     flags,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_async_initable_new_async (RS_TYPE_STORE, G_PRIORITY_DEFAULT, cancellable, callback,
                              user_data, "path", path, "flags", (guint) flags, NULL);
}

RsStore *
rs_store_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);

  return object != NULL ? RS_STORE (object) : NULL;
}

/**
 * rs_store_close:
 * @self: a #RsStore
 *
 * Waits for queued operations, then closes the database. Later calls fail with
 * %RS_STORE_ERROR_CLOSED. Safe to call twice.
 */
void
rs_store_close (RsStore *self)
{
  GThreadPool *worker;

  g_return_if_fail (RS_IS_STORE (self));

  worker = g_steal_pointer (&self->worker);
  if (worker != NULL)
    g_thread_pool_free (worker, FALSE, g_private_get (&in_worker) == NULL);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      /* A clean close checkpoints the WAL back into the file. */
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_mutex_unlock (&self->lock);
}

const char *
rs_store_get_path (RsStore *self)
{
  g_return_val_if_fail (RS_IS_STORE (self), NULL);
  return self->path;
}

gboolean
rs_store_is_read_only (RsStore *self)
{
  g_return_val_if_fail (RS_IS_STORE (self), TRUE);
  return self->read_only;
}

sqlite3 *
_rs_store_get_db (RsStore *self)
{
  return self->db;
}

/* ---- the worker thread ----------------------------------------------------------------- */

typedef void (*StoreJobFunc) (RsStore      *self,
                              GTask        *task,
                              gpointer      task_data,
                              GCancellable *cancellable);

typedef struct
{
  GTask        *task;
  StoreJobFunc  func;
} StoreJob;

static void
worker_run (gpointer data,
            gpointer user_data)
{
  StoreJob *job = data;
  RsStore *self = g_task_get_source_object (job->task);

  /* Pool threads are shared with other pools: mark this one only while it runs our job. */
  g_private_set (&in_worker, GINT_TO_POINTER (1));
  /* Cancelling only stops work that has not started: a commit is never interrupted. */
  if (!g_task_return_error_if_cancelled (job->task))
    job->func (self, job->task, g_task_get_task_data (job->task),
               g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
  g_private_set (&in_worker, NULL);
}

static void
run_in_worker (RsStore             *self,
               StoreJobFunc         func,
               gpointer             task_data,
               GDestroyNotify       task_data_free,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  StoreJob *job;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, task_data, task_data_free);
  if (self->worker == NULL)
    {
      g_task_return_new_error (task, RS_STORE_ERROR, RS_STORE_ERROR_CLOSED, "%s",
                               _("The household database is closed."));
      return;
    }
  job = g_new0 (StoreJob, 1);
  job->task = g_steal_pointer (&task);
  job->func = func;
  g_thread_pool_push (self->worker, job, NULL);
}

/* ---- settings -------------------------------------------------------------------------- */

static char *
get_setting_locked (RsStore     *self,
                    const char  *key,
                    GError     **error)
{
  sqlite3_stmt *stmt;
  char *value = NULL;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self, "SELECT value FROM settings WHERE key = ?", error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = _rs_store_column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _rs_store_fail (self, rc, error);
  return value;
}

/**
 * rs_store_get_setting:
 *
 * Returns: (transfer full) (nullable): the value, or %NULL (with @error unset) when absent.
 */
char *
rs_store_get_setting (RsStore     *self,
                      const char  *key,
                      GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return get_setting_locked (self, key, error);
}

gboolean
rs_store_set_setting (RsStore     *self,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;

  if (!_rs_store_begin (self, error))
    return FALSE;
  stmt = _rs_store_prepare (self, "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = ?2", error);
  if (stmt == NULL)
    goto fail;
  _rs_store_bind_text (stmt, 1, key);
  _rs_store_bind_text (stmt, 2, value);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

/**
 * rs_store_dup_device_id:
 *
 * Returns: (transfer full): this tablet's id ("rasoat:" + a UUID), generated once when the
 *   database was created; the sync client sends it as `deviceID`.
 */
char *
rs_store_dup_device_id (RsStore  *self,
                        GError  **error)
{
  GError *local_error = NULL;
  char *id = rs_store_get_setting (self, "device_id", &local_error);

  if (id == NULL && local_error == NULL)
    g_set_error_literal (&local_error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                         _("This database has no device id."));
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return id;
}

/* ---- forms and standards --------------------------------------------------------------- */

/* Inserts or replaces one versioned document (a form or a standard) in its own transaction.
 * @upsert_sql binds ?1 id, ?2 version, ?3 hash, ?4 bytes, ?5 sequence. Called with the lock held. */
static gboolean
upsert_document (RsStore     *self,
                 const char  *upsert_sql,
                 const char  *id,
                 const char  *version,
                 const char  *hash,
                 GBytes      *bytes,
                 GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 seq;

  if (!_rs_store_begin (self, error))
    return FALSE;
  if ((seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;
  stmt = _rs_store_prepare (self, upsert_sql, error);
  if (stmt == NULL)
    goto fail;
  _rs_store_bind_text (stmt, 1, id);
  _rs_store_bind_text (stmt, 2, version);
  _rs_store_bind_text (stmt, 3, hash);
  bind_bytes (stmt, 4, bytes);
  sqlite3_bind_int64 (stmt, 5, seq);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

gboolean
rs_store_put_form (RsStore     *self,
                   const char  *form_id,
                   const char  *version,
                   GBytes      *xform,
                   GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, xform);
  g_autofree char *hash = g_strconcat ("md5:", md5, NULL);

  return upsert_document (self,
                          "INSERT INTO forms (form_id, version, hash, xml, added_seq) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (form_id, version) "
                          "DO UPDATE SET hash = ?3, xml = ?4, added_seq = ?5",
                          form_id, version, hash, xform, error);
}

/**
 * rs_store_get_form:
 *
 * Returns: (transfer full) (nullable): the XForm bytes; %RS_STORE_ERROR_NOT_FOUND if absent.
 */
GBytes *
rs_store_get_form (RsStore     *self,
                   const char  *form_id,
                   const char  *version,
                   char       **out_version,
                   char       **out_hash,
                   GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;
  GBytes *xml = NULL;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT xml, version, hash FROM forms WHERE form_id = ?1 "
                            "AND (?2 IS NULL OR version = ?2) ORDER BY added_seq DESC LIMIT 1",
                            error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, form_id);
  _rs_store_bind_text (stmt, 2, version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      xml = _rs_store_column_bytes (stmt, 0);
      if (out_version != NULL)
        *out_version = _rs_store_column_dup (stmt, 1);
      if (out_hash != NULL)
        *out_hash = _rs_store_column_dup (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                 _("The form “%s” is not on this tablet. Download the forms again."), form_id);
  else if (rc != SQLITE_ROW)
    _rs_store_fail (self, rc, error);
  return xml;
}

gboolean
rs_store_put_standard (RsStore     *self,
                       const char  *standard_id,
                       const char  *version,
                       GBytes      *json,
                       GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, json);

  return upsert_document (self,
                          "INSERT INTO standards (standard_id, version, sha256, json, added_seq) "
                          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (standard_id, version) "
                          "DO UPDATE SET sha256 = ?3, json = ?4, added_seq = ?5",
                          standard_id, version, sha, json, error);
}

GBytes *
rs_store_get_standard (RsStore     *self,
                       const char  *standard_id,
                       const char  *version,
                       GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;
  GBytes *json = NULL;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT json FROM standards WHERE standard_id = ?1 "
                            "AND (?2 IS NULL OR version = ?2) ORDER BY added_seq DESC LIMIT 1",
                            error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, standard_id);
  _rs_store_bind_text (stmt, 2, version);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    json = _rs_store_column_bytes (stmt, 0);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                 _("The standard “%s” is not on this tablet. Download it again."), standard_id);
  else if (rc != SQLITE_ROW)
    _rs_store_fail (self, rc, error);
  return json;
}

/* ---- records --------------------------------------------------------------------------- */

#define RECORD_COLUMNS \
  "id, instance_id, form_id, form_version, state, version, deprecated_id, superseded_by, " \
  "assignment_id, score_json, village, household_code, head_name, classification, " \
  "enumerator, current_screen, created_seq, updated_seq, created_at, updated_at"
#define RECORD_XML_COLUMN 20

static RsRecord *
record_from_row (sqlite3_stmt *stmt,
                 gboolean      with_xml)
{
  RsRecord *record = g_new0 (RsRecord, 1);

  record->id = sqlite3_column_int64 (stmt, 0);
  record->instance_id = _rs_store_column_dup (stmt, 1);
  record->form_id = _rs_store_column_dup (stmt, 2);
  record->form_version = _rs_store_column_dup (stmt, 3);
  if (!rs_record_state_from_string ((const char *) sqlite3_column_text (stmt, 4),
                                    &record->state))
    record->state = RS_RECORD_STATE_DRAFT;
  record->version = (guint) sqlite3_column_int (stmt, 5);
  record->deprecated_id = _rs_store_column_dup (stmt, 6);
  record->superseded_by = _rs_store_column_dup (stmt, 7);
  record->assignment_id = _rs_store_column_dup (stmt, 8);
  record->score_json = _rs_store_column_dup (stmt, 9);
  record->summary.village = _rs_store_column_dup (stmt, 10);
  record->summary.household_code = _rs_store_column_dup (stmt, 11);
  record->summary.head_name = _rs_store_column_dup (stmt, 12);
  record->summary.classification = _rs_store_column_dup (stmt, 13);
  record->summary.enumerator = _rs_store_column_dup (stmt, 14);
  record->current_screen = _rs_store_column_dup (stmt, 15);
  record->created_seq = sqlite3_column_int64 (stmt, 16);
  record->updated_seq = sqlite3_column_int64 (stmt, 17);
  record->created_at = sqlite3_column_int64 (stmt, 18);
  record->updated_at = sqlite3_column_int64 (stmt, 19);
  if (with_xml)
    record->instance_xml = _rs_store_column_bytes (stmt, RECORD_XML_COLUMN);
  return record;
}

static RsRecord *
get_record_locked (RsStore     *self,
                   const char  *instance_id,
                   GError     **error)
{
  sqlite3_stmt *stmt;
  RsRecord *record = NULL;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self, "SELECT " RECORD_COLUMNS ", instance_xml FROM records "
                                  "WHERE instance_id = ?", error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, instance_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    record = record_from_row (stmt, TRUE);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                 _("There is no household record “%s” on this tablet."), instance_id);
  else if (rc != SQLITE_ROW)
    _rs_store_fail (self, rc, error);
  return record;
}

/**
 * rs_store_get_record:
 *
 * Returns: (transfer full): the record with its instance XML.
 */
RsRecord *
rs_store_get_record (RsStore     *self,
                     const char  *instance_id,
                     GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return get_record_locked (self, instance_id, error);
}

static gboolean
state_error (RsRecordState   state,
             RsRecordAction  action,
             GError        **error)
{
  const char *label = rs_record_state_label (state);

  switch (action)
    {
    case RS_RECORD_ACTION_SAVE:
    case RS_RECORD_ACTION_FINALIZE:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                   _("This household is no longer a draft (it is “%s”), so it cannot be "
                     "changed here. To correct a sent household, use “Edit”."), label);
      break;
    case RS_RECORD_ACTION_DELETE:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                   _("Only drafts can be deleted; this household is “%s”."), label);
      break;
    case RS_RECORD_ACTION_EDIT_AFTER_SEND:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                   _("Only a household that was sent can be edited as a new version; this one "
                     "is “%s”."), label);
      break;
    default:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                   _("This cannot be done to a household that is “%s”."), label);
      break;
    }
  return FALSE;
}

static gboolean
check_transition (RsRecord        *record,
                  RsRecordAction   action,
                  RsRecordState   *to,
                  GError         **error)
{
  if (!rs_record_state_transition (record->state, action, to))
    return state_error (record->state, action, error);
  return TRUE;
}

static gboolean
insert_audit (RsStore             *self,
              const char          *instance_id,
              const RsAuditEvent  *event,
              gint64               seq,
              gint64               now,
              GError             **error)
{
  sqlite3_stmt *stmt = _rs_store_prepare (self,
                                          "INSERT INTO audit_log (seq, at, instance_id, kind, "
                                          "node, old_value, new_value, message, elapsed_ms) "
                                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, now);
  _rs_store_bind_text (stmt, 3, instance_id);
  _rs_store_bind_text (stmt, 4, rs_audit_kind_to_string (event->kind));
  _rs_store_bind_text (stmt, 5, event->node);
  _rs_store_bind_text (stmt, 6, event->old_value);
  _rs_store_bind_text (stmt, 7, event->new_value);
  _rs_store_bind_text (stmt, 8, event->message);
  if (event->elapsed_ms >= 0)
    sqlite3_bind_int64 (stmt, 9, event->elapsed_ms);
  else
    sqlite3_bind_null (stmt, 9);
  return _rs_store_step_done (self, stmt, error);
}

static gboolean
insert_simple_audit (RsStore      *self,
                     const char   *instance_id,
                     RsAuditKind   kind,
                     const char   *message,
                     gint64        elapsed_ms,
                     gint64        seq,
                     GError      **error)
{
  g_autoptr(RsAuditEvent) event = rs_audit_event_new (kind, NULL, NULL, NULL, message,
                                                      elapsed_ms);

  return insert_audit (self, instance_id, event, seq, g_get_real_time (), error);
}

static gboolean
insert_record (RsStore               *self,
               const char            *instance_id,
               const char            *form_id,
               const char            *form_version,
               guint                  version,
               const char            *deprecated_id,
               const char            *assignment_id,
               GBytes                *instance_xml,
               const char            *score_json,
               const RsRecordSummary *summary,
               gint64                 seq,
               GError               **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *search = search_text_for (summary);
  gint64 now = g_get_real_time ();
  int rc;

  stmt = _rs_store_prepare (self,
                            "INSERT INTO records (instance_id, form_id, form_version, state, "
                            "version, deprecated_id, assignment_id, instance_xml, score_json, "
                            "village, household_code, head_name, search_folded, classification, "
                            "enumerator, created_seq, updated_seq, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                            "?13, ?14, ?15, ?15, ?16, ?16)", error);
  if (stmt == NULL)
    return FALSE;
  _rs_store_bind_text (stmt, 1, instance_id);
  _rs_store_bind_text (stmt, 2, form_id);
  _rs_store_bind_text (stmt, 3, form_version);
  sqlite3_bind_int (stmt, 4, (int) version);
  _rs_store_bind_text (stmt, 5, deprecated_id);
  _rs_store_bind_text (stmt, 6, assignment_id);
  bind_bytes (stmt, 7, instance_xml);
  _rs_store_bind_text (stmt, 8, score_json);
  _rs_store_bind_text (stmt, 9, summary != NULL ? summary->village : NULL);
  _rs_store_bind_text (stmt, 10, summary != NULL ? summary->household_code : NULL);
  _rs_store_bind_text (stmt, 11, summary != NULL ? summary->head_name : NULL);
  _rs_store_bind_text (stmt, 12, search);
  _rs_store_bind_text (stmt, 13, summary != NULL ? summary->classification : NULL);
  _rs_store_bind_text (stmt, 14, summary != NULL ? summary->enumerator : NULL);
  sqlite3_bind_int64 (stmt, 15, seq);
  sqlite3_bind_int64 (stmt, 16, now);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_EXISTS,
                   _("A household record with the id “%s” is already on this tablet."),
                   instance_id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

/**
 * rs_store_create_draft:
 * @self: a #RsStore
 * @form_id: the form's id
 * @form_version: the form's version
 * @instance_id: (nullable): the new instanceID; %NULL makes a fresh "uuid:…"
 * @instance_xml: (nullable): the first instance, e.g. with the prefill already applied
 * @summary: (nullable): the list fields; from an assignment they default to the assignment's
 * @assignment_id: (nullable): the assignment this household comes from
 * @error: a #GError
 *
 * Creates a draft in one commit, with a "created" audit row.
 *
 * Returns: (transfer full): the new record (read back from the database).
 */
RsRecord *
rs_store_create_draft (RsStore               *self,
                       const char            *form_id,
                       const char            *form_version,
                       const char            *instance_id,
                       GBytes                *instance_xml,
                       const RsRecordSummary *summary,
                       const char            *assignment_id,
                       GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *new_id = NULL;
  g_autoptr(RsRecordSummary) from_assignment = NULL;
  gint64 seq;

  g_return_val_if_fail (form_id != NULL && form_version != NULL, NULL);

  new_id = instance_id != NULL ? g_strdup (instance_id)
                               : g_strconcat ("uuid:", uuid, NULL);
  if (!_rs_store_begin (self, error))
    return NULL;

  if (assignment_id != NULL)
    {
      sqlite3_stmt *stmt = _rs_store_prepare (self,
                                              "SELECT village, household_code, head_name "
                                              "FROM assignments WHERE id = ?", error);
      int rc;

      if (stmt == NULL)
        goto fail;
      _rs_store_bind_text (stmt, 1, assignment_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW && summary == NULL)
        from_assignment = rs_record_summary_new ((const char *) sqlite3_column_text (stmt, 0),
                                                 (const char *) sqlite3_column_text (stmt, 1),
                                                 (const char *) sqlite3_column_text (stmt, 2),
                                                 NULL, NULL);
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                       _("The assignment “%s” is not on this tablet. Download the list "
                         "again."), assignment_id);
          goto fail;
        }
      if (rc != SQLITE_ROW)
        {
          _rs_store_fail (self, rc, error);
          goto fail;
        }
      if (from_assignment != NULL)
        summary = from_assignment;
    }

  if ((seq = _rs_store_next_seq (self, error)) < 0
      || !insert_record (self, new_id, form_id, form_version, 1, NULL, assignment_id,
                         instance_xml, NULL, summary, seq, error)
      || !insert_simple_audit (self, new_id, RS_AUDIT_CREATED, NULL, -1, seq, error))
    goto fail;

  if (assignment_id != NULL)
    {
      sqlite3_stmt *stmt = _rs_store_prepare (self,
                                              "UPDATE assignments SET record_instance_id = ?1 "
                                              "WHERE id = ?2", error);
      if (stmt == NULL)
        goto fail;
      _rs_store_bind_text (stmt, 1, new_id);
      _rs_store_bind_text (stmt, 2, assignment_id);
      if (!_rs_store_step_done (self, stmt, error))
        goto fail;
    }

  if (!_rs_store_commit (self, error))
    return NULL;
  return get_record_locked (self, new_id, error);

fail:
  _rs_store_rollback (self);
  return NULL;
}

/* Reads the state of one record inside the current transaction. */
static gboolean
read_state (RsStore        *self,
            const char     *instance_id,
            gint64         *record_id,
            RsRecordState  *state,
            GError        **error)
{
  sqlite3_stmt *stmt = _rs_store_prepare (self, "SELECT id, state FROM records "
                                                "WHERE instance_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  _rs_store_bind_text (stmt, 1, instance_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (record_id != NULL)
        *record_id = sqlite3_column_int64 (stmt, 0);
      if (!rs_record_state_from_string ((const char *) sqlite3_column_text (stmt, 1), state))
        rc = SQLITE_CORRUPT;
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                   _("There is no household record “%s” on this tablet."), instance_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static gboolean
check_state (RsStore         *self,
             const char      *instance_id,
             RsRecordAction   action,
             gint64          *record_id,
             RsRecordState   *to,
             GError         **error)
{
  RsRecordState state;

  if (!read_state (self, instance_id, record_id, &state, error))
    return FALSE;
  if (!rs_record_state_transition (state, action, to))
    return state_error (state, action, error);
  return TRUE;
}

/**
 * rs_store_save_answer:
 * @self: a #RsStore
 * @update: the draft's instance, score, summary, screen and audit events
 * @error: a #GError
 *
 * Saves one answer durably: everything in @update in one commit (WAL, synchronous=FULL). When
 * this returns %TRUE the answer survives a flat battery; when it returns %FALSE nothing of
 * @update was written and everything saved before is intact.
 */
gboolean
rs_store_save_answer (RsStore               *self,
                      const RsRecordUpdate  *update,
                      GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  const RsRecordSummary *summary = update->summary;
  g_autofree char *search = summary != NULL ? search_text_for (summary) : NULL;
  sqlite3_stmt *stmt;
  gint64 seq;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (update != NULL && update->instance_id != NULL, FALSE);

  if (!_rs_store_begin (self, error))
    return FALSE;
  if ((seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;

  stmt = _rs_store_prepare (self,
                            "UPDATE records SET instance_xml = coalesce (?1, instance_xml), "
                            "score_json = coalesce (?2, score_json), "
                            "current_screen = coalesce (?3, current_screen), "
                            "village = iif (?4, ?5, village), "
                            "household_code = iif (?4, ?6, household_code), "
                            "head_name = iif (?4, ?7, head_name), "
                            "search_folded = iif (?4, ?8, search_folded), "
                            "classification = iif (?4, ?9, classification), "
                            "enumerator = iif (?4, ?10, enumerator), "
                            "updated_seq = ?11, updated_at = ?12 "
                            "WHERE instance_id = ?13 AND state = 'draft'", error);
  if (stmt == NULL)
    goto fail;
  bind_bytes (stmt, 1, update->instance_xml);
  _rs_store_bind_text (stmt, 2, update->score_json);
  _rs_store_bind_text (stmt, 3, update->current_screen);
  sqlite3_bind_int (stmt, 4, summary != NULL);
  if (summary != NULL)
    {
      _rs_store_bind_text (stmt, 5, summary->village);
      _rs_store_bind_text (stmt, 6, summary->household_code);
      _rs_store_bind_text (stmt, 7, summary->head_name);
      _rs_store_bind_text (stmt, 8, search);
      _rs_store_bind_text (stmt, 9, summary->classification);
      _rs_store_bind_text (stmt, 10, summary->enumerator);
    }
  sqlite3_bind_int64 (stmt, 11, seq);
  sqlite3_bind_int64 (stmt, 12, now);
  _rs_store_bind_text (stmt, 13, update->instance_id);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  if (sqlite3_changes (self->db) != 1)
    {
      check_state (self, update->instance_id, RS_RECORD_ACTION_SAVE, NULL, NULL, error);
      goto fail;
    }

  for (guint i = 0; update->audit != NULL && i < update->audit->len; i++)
    {
      if (!insert_audit (self, update->instance_id, g_ptr_array_index (update->audit, i), seq,
                         now, error))
        goto fail;
    }
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

static void
save_answer_job (RsStore      *self,
                 GTask        *task,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (rs_store_save_answer (self, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
rs_store_save_answer_async (RsStore              *self,
                            const RsRecordUpdate *update,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  g_return_if_fail (RS_IS_STORE (self));
  run_in_worker (self, save_answer_job, rs_record_update_copy (update),
                 (GDestroyNotify) rs_record_update_free, cancellable, callback, user_data,
                 rs_store_save_answer_async);
}

gboolean
rs_store_save_answer_finish (RsStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

GPtrArray *
_rs_store_list_records (RsStore              *self,
                        const RsRecordQuery  *query,
                        GError              **error)
{
  static const RsRecordQuery all = { .any_state = TRUE };
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_record_free);
  sqlite3_stmt *stmt;
  int rc;

  if (query == NULL)
    query = &all;
  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT " RECORD_COLUMNS ", iif (?1, instance_xml, NULL) "
                            "FROM records WHERE (iif (?2, state != 'deleted', state = ?3)) "
                            "AND (?4 IS NULL OR village = ?4) "
                            "AND (?5 IS NULL OR rs_fold_match (search_folded, ?5)) "
                            "ORDER BY updated_seq DESC LIMIT ?6", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, query->with_xml);
  sqlite3_bind_int (stmt, 2, query->any_state);
  _rs_store_bind_text (stmt, 3, rs_record_state_to_string (query->state));
  _rs_store_bind_text (stmt, 4, query->village);
  _rs_store_bind_text (stmt, 5, query->text != NULL && *query->text != '\0' ? query->text : NULL);
  sqlite3_bind_int64 (stmt, 6, query->limit > 0 ? (gint64) query->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (stmt, query->with_xml));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&records);
}

/**
 * rs_store_list_records:
 * @self: a #RsStore
 * @query: (nullable): filters; %NULL lists every record but the deleted ones
 * @error: a #GError
 *
 * Lists records, most recently changed first (by the store's sequence, not the clock). The
 * text filter matches the head's name and the household code the way rs_text_fold_match()
 * does: "nguyen van" finds "Nguyễn Văn".
 *
 * Returns: (transfer full) (element-type RsRecord): the records, without instance XML unless
 *   @query asks for it.
 */
GPtrArray *
rs_store_list_records (RsStore              *self,
                       const RsRecordQuery  *query,
                       GError              **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return _rs_store_list_records (self, query, error);
}

typedef struct
{
  RsRecordQuery  query;
  char          *village;
  char          *text;
  char          *directory;
  RsExportFormat format;
  gboolean       has_query;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->village);
  g_free (data->text);
  g_free (data->directory);
  g_free (data);
}

static QueryData *
query_data_new (const RsRecordQuery *query)
{
  QueryData *data = g_new0 (QueryData, 1);

  if (query != NULL)
    {
      data->has_query = TRUE;
      data->query = *query;
      data->village = g_strdup (query->village);
      data->text = g_strdup (query->text);
      data->query.village = data->village;
      data->query.text = data->text;
    }
  return data;
}

static void
list_records_job (RsStore      *self,
                  GTask        *task,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  QueryData *data = task_data;
  GError *error = NULL;
  GPtrArray *records = rs_store_list_records (self, data->has_query ? &data->query : NULL,
                                              &error);

  if (records != NULL)
    g_task_return_pointer (task, records, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
rs_store_list_records_async (RsStore             *self,
                             const RsRecordQuery *query,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (RS_IS_STORE (self));
  run_in_worker (self, list_records_job, query_data_new (query),
                 (GDestroyNotify) query_data_free, cancellable, callback, user_data,
                 rs_store_list_records_async);
}

GPtrArray *
rs_store_list_records_finish (RsStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * rs_store_reopen_draft:
 * @self: a #RsStore
 * @instance_id: a draft, or a record the server refused (it goes back to draft)
 * @elapsed_ms: the new session's monotonic time, for the audit row
 * @error: a #GError
 *
 * Returns: (transfer full): the record with its instance XML and current screen, to resume.
 */
RsRecord *
rs_store_reopen_draft (RsStore     *self,
                       const char  *instance_id,
                       gint64       elapsed_ms,
                       GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(RsRecord) record = get_record_locked (self, instance_id, error);
  RsRecordState to;
  sqlite3_stmt *stmt;
  gint64 seq;

  if (record == NULL || !check_transition (record, RS_RECORD_ACTION_REOPEN, &to, error))
    return NULL;
  if (record->state == RS_RECORD_STATE_DRAFT && self->read_only)
    return g_steal_pointer (&record);

  if (!_rs_store_begin (self, error))
    return NULL;
  if ((seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;
  if (record->state == RS_RECORD_STATE_REJECTED)
    {
      /* The refused submission is not sent again; finalizing makes a new outbox row. The sync
       * log keeps what the server said. */
      stmt = _rs_store_prepare (self, "DELETE FROM outbox WHERE record_id = ? "
                                      "AND state != 'sent'", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, record->id);
      if (!_rs_store_step_done (self, stmt, error))
        goto fail;
    }
  stmt = _rs_store_prepare (self, "UPDATE records SET state = 'draft', updated_seq = ?1, "
                                  "updated_at = ?2 WHERE id = ?3", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, record->id);
  if (!_rs_store_step_done (self, stmt, error)
      || !insert_simple_audit (self, instance_id, RS_AUDIT_REOPENED, NULL, elapsed_ms, seq,
                               error))
    goto fail;
  if (!_rs_store_commit (self, error))
    return NULL;
  record->state = RS_RECORD_STATE_DRAFT;
  record->updated_seq = seq;
  return g_steal_pointer (&record);

fail:
  _rs_store_rollback (self);
  return NULL;
}

/* The XML that is queued must carry the record's own instanceID: the server deduplicates on it. */
static gboolean
check_instance_id (GBytes      *xml,
                   const char  *expected,
                   char       **deprecated_id,
                   GError     **error)
{
  GError *local_error = NULL;
  g_autoptr(RsInstanceInfo) info = rs_instance_info_parse (xml, &local_error);

  if (info == NULL)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID, "%s", local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  if (expected != NULL && !g_str_equal (info->instance_id, expected))
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID,
                   _("The form instance says its id is “%s” but the household record is “%s”. "
                     "It was not queued for sending."),
                   info->instance_id, expected);
      return FALSE;
    }
  if (deprecated_id != NULL)
    *deprecated_id = g_steal_pointer (&info->deprecated_id);
  return TRUE;
}

/**
 * rs_store_finalize:
 * @self: a #RsStore
 * @instance_id: a draft
 * @final_xml: the final instance, already validated by the form engine; these exact bytes are
 *   what the sync client will send
 * @score_json: (nullable): the final score
 * @summary: (nullable): the final list fields
 * @error: a #GError
 *
 * In one transaction: the record becomes finalized with @final_xml, an outbox row holds the
 * same bytes and their SHA-256, and the audit log gets a "finalized" row. Either all of it is
 * on disk afterwards or none of it.
 */
gboolean
rs_store_finalize (RsStore               *self,
                   const char            *instance_id,
                   GBytes                *final_xml,
                   const char            *score_json,
                   const RsRecordSummary *summary,
                   GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *sha256 = NULL;
  g_autofree char *search = summary != NULL ? search_text_for (summary) : NULL;
  sqlite3_stmt *stmt;
  gint64 record_id = 0;
  gint64 seq;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (instance_id != NULL && final_xml != NULL, FALSE);

  if (!check_instance_id (final_xml, instance_id, NULL, error))
    return FALSE;
  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, final_xml);

  if (!_rs_store_begin (self, error))
    return FALSE;
  if (!check_state (self, instance_id, RS_RECORD_ACTION_FINALIZE, &record_id, NULL, error)
      || (seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;

  stmt = _rs_store_prepare (self,
                            "UPDATE records SET state = 'finalized', instance_xml = ?1, "
                            "score_json = coalesce (?2, score_json), "
                            "village = iif (?3, ?4, village), "
                            "household_code = iif (?3, ?5, household_code), "
                            "head_name = iif (?3, ?6, head_name), "
                            "search_folded = iif (?3, ?7, search_folded), "
                            "classification = iif (?3, ?8, classification), "
                            "enumerator = iif (?3, ?9, enumerator), "
                            "current_screen = NULL, updated_seq = ?10, updated_at = ?11 "
                            "WHERE id = ?12", error);
  if (stmt == NULL)
    goto fail;
  bind_bytes (stmt, 1, final_xml);
  _rs_store_bind_text (stmt, 2, score_json);
  sqlite3_bind_int (stmt, 3, summary != NULL);
  if (summary != NULL)
    {
      _rs_store_bind_text (stmt, 4, summary->village);
      _rs_store_bind_text (stmt, 5, summary->household_code);
      _rs_store_bind_text (stmt, 6, summary->head_name);
      _rs_store_bind_text (stmt, 7, search);
      _rs_store_bind_text (stmt, 8, summary->classification);
      _rs_store_bind_text (stmt, 9, summary->enumerator);
    }
  sqlite3_bind_int64 (stmt, 10, seq);
  sqlite3_bind_int64 (stmt, 11, now);
  sqlite3_bind_int64 (stmt, 12, record_id);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;

  stmt = _rs_store_prepare (self,
                            "INSERT INTO outbox (record_id, instance_id, record_version, payload, "
                            "sha256, queued_seq) SELECT id, instance_id, version, ?1, ?2, ?3 "
                            "FROM records WHERE id = ?4", error);
  if (stmt == NULL)
    goto fail;
  bind_bytes (stmt, 1, final_xml);
  _rs_store_bind_text (stmt, 2, sha256);
  sqlite3_bind_int64 (stmt, 3, seq);
  sqlite3_bind_int64 (stmt, 4, record_id);
  if (!_rs_store_step_done (self, stmt, error)
      || !insert_simple_audit (self, instance_id, RS_AUDIT_FINALIZED, NULL, -1, seq, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

typedef struct
{
  char            *instance_id;
  GBytes          *xml;
  char            *score_json;
  RsRecordSummary *summary;
} FinalizeData;

static void
finalize_data_free (FinalizeData *data)
{
  g_free (data->instance_id);
  g_bytes_unref (data->xml);
  g_free (data->score_json);
  rs_record_summary_free (data->summary);
  g_free (data);
}

static void
finalize_job (RsStore      *self,
              GTask        *task,
              gpointer      task_data,
              GCancellable *cancellable)
{
  FinalizeData *data = task_data;
  GError *error = NULL;

  if (rs_store_finalize (self, data->instance_id, data->xml, data->score_json, data->summary,
                         &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
rs_store_finalize_async (RsStore               *self,
                         const char            *instance_id,
                         GBytes                *final_xml,
                         const char            *score_json,
                         const RsRecordSummary *summary,
                         GCancellable          *cancellable,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  FinalizeData *data = g_new0 (FinalizeData, 1);

  g_return_if_fail (RS_IS_STORE (self));
  data->instance_id = g_strdup (instance_id);
  data->xml = g_bytes_ref (final_xml);
  data->score_json = g_strdup (score_json);
  data->summary = rs_record_summary_copy (summary);
  run_in_worker (self, finalize_job, data, (GDestroyNotify) finalize_data_free, cancellable,
                 callback, user_data, rs_store_finalize_async);
}

gboolean
rs_store_finalize_finish (RsStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * rs_store_edit_sent:
 * @self: a #RsStore
 * @sent_instance_id: the sent record to correct
 * @new_xml: the new version's instance: a new meta/instanceID and
 *   meta/deprecatedID = @sent_instance_id (the form session writes both)
 * @score_json: (nullable): its score
 * @summary: (nullable): its list fields; %NULL copies the sent record's
 * @error: a #GError
 *
 * Starts a new version of a sent record, as a draft linked to the old one (which stays sent,
 * marked superseded). Both get an "edit_after_send" audit row.
 *
 * Returns: (transfer full): the new draft.
 */
RsRecord *
rs_store_edit_sent (RsStore               *self,
                    const char            *sent_instance_id,
                    GBytes                *new_xml,
                    const char            *score_json,
                    const RsRecordSummary *summary,
                    GError               **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(RsRecord) old = NULL;
  g_autoptr(RsInstanceInfo) info = NULL;
  GError *local_error = NULL;
  sqlite3_stmt *stmt;
  gint64 seq;

  g_return_val_if_fail (sent_instance_id != NULL && new_xml != NULL, NULL);

  info = rs_instance_info_parse (new_xml, &local_error);
  if (info == NULL)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID, "%s", local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  if (g_strcmp0 (info->deprecated_id, sent_instance_id) != 0
      || g_str_equal (info->instance_id, sent_instance_id))
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID,
                   _("The corrected version must have a new meta/instanceID and "
                     "meta/deprecatedID “%s”. Nothing was changed."), sent_instance_id);
      return NULL;
    }

  old = get_record_locked (self, sent_instance_id, error);
  if (old == NULL || !check_transition (old, RS_RECORD_ACTION_EDIT_AFTER_SEND, NULL, error))
    return NULL;
  if (old->superseded_by != NULL)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                   _("This household already has a newer version (“%s”); edit that one."),
                   old->superseded_by);
      return NULL;
    }
  if (summary == NULL)
    summary = &old->summary;

  if (!_rs_store_begin (self, error))
    return NULL;
  if ((seq = _rs_store_next_seq (self, error)) < 0
      || !insert_record (self, info->instance_id, old->form_id, old->form_version,
                         old->version + 1, sent_instance_id, old->assignment_id, new_xml,
                         score_json, summary, seq, error))
    goto fail;
  stmt = _rs_store_prepare (self, "UPDATE records SET superseded_by = ?1, updated_seq = ?2 "
                                  "WHERE id = ?3", error);
  if (stmt == NULL)
    goto fail;
  _rs_store_bind_text (stmt, 1, info->instance_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  sqlite3_bind_int64 (stmt, 3, old->id);
  if (!_rs_store_step_done (self, stmt, error)
      || !insert_simple_audit (self, sent_instance_id, RS_AUDIT_EDIT_AFTER_SEND,
                               info->instance_id, -1, seq, error)
      || !insert_simple_audit (self, info->instance_id, RS_AUDIT_EDIT_AFTER_SEND,
                               sent_instance_id, -1, seq, error))
    goto fail;
  if (!_rs_store_commit (self, error))
    return NULL;
  return get_record_locked (self, info->instance_id, error);

fail:
  _rs_store_rollback (self);
  return NULL;
}

/**
 * rs_store_delete_draft:
 *
 * Deletes a draft's answers (secure_delete overwrites them) but keeps a tombstone: the
 * instanceID, the list fields, the times and the audit log, with a "deleted" audit row. A
 * deleted draft of a new version gives the version it was to replace back its place: that one
 * is no longer superseded and can be corrected again.
 */
gboolean
rs_store_delete_draft (RsStore     *self,
                       const char  *instance_id,
                       GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;
  gint64 seq;

  if (!_rs_store_begin (self, error))
    return FALSE;
  if (!check_state (self, instance_id, RS_RECORD_ACTION_DELETE, NULL, NULL, error)
      || (seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;
  stmt = _rs_store_prepare (self,
                            "UPDATE records SET state = 'deleted', instance_xml = NULL, "
                            "score_json = NULL, current_screen = NULL, updated_seq = ?1, "
                            "updated_at = ?2 WHERE instance_id = ?3", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  _rs_store_bind_text (stmt, 3, instance_id);
  if (!_rs_store_step_done (self, stmt, error)
      || !insert_simple_audit (self, instance_id, RS_AUDIT_DELETED, NULL, -1, seq, error))
    goto fail;
  /* A discarded correction: the version it was to replace is the household's again, and can
   * be corrected anew. */
  stmt = _rs_store_prepare (self, "UPDATE records SET superseded_by = NULL, updated_seq = ?1 "
                                  "WHERE superseded_by = ?2", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, seq);
  _rs_store_bind_text (stmt, 2, instance_id);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  stmt = _rs_store_prepare (self, "UPDATE assignments SET record_instance_id = NULL "
                                  "WHERE record_instance_id = ?", error);
  if (stmt == NULL)
    goto fail;
  _rs_store_bind_text (stmt, 1, instance_id);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

/**
 * rs_store_list_audit:
 *
 * Returns: (transfer full) (element-type RsAuditEvent): the record's audit log, in order.
 */
GPtrArray *
rs_store_list_audit (RsStore     *self,
                     const char  *instance_id,
                     GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GPtrArray) events =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_audit_event_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self, "SELECT kind, node, old_value, new_value, message, elapsed_ms, "
                                  "seq, at FROM audit_log WHERE instance_id = ? ORDER BY id",
                            error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, instance_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RsAuditKind kind = RS_AUDIT_VALUE_CHANGED;
      RsAuditEvent *event;

      rs_audit_kind_from_string ((const char *) sqlite3_column_text (stmt, 0), &kind);
      event = rs_audit_event_new (kind, (const char *) sqlite3_column_text (stmt, 1),
                                  (const char *) sqlite3_column_text (stmt, 2),
                                  (const char *) sqlite3_column_text (stmt, 3),
                                  (const char *) sqlite3_column_text (stmt, 4),
                                  sqlite3_column_type (stmt, 5) == SQLITE_NULL
                                    ? -1 : sqlite3_column_int64 (stmt, 5));
      event->seq = sqlite3_column_int64 (stmt, 6);
      event->at = sqlite3_column_int64 (stmt, 7);
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* ---- export and backup entry points ---------------------------------------------------- */

gboolean
rs_store_export (RsStore              *self,
                 RsExportFormat        format,
                 const char           *directory,
                 const RsRecordQuery  *query,
                 guint                *n_records,
                 GError              **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return _rs_store_export (self, format, directory, query, n_records, NULL, error);
}

static void
export_job (RsStore      *self,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  QueryData *data = task_data;
  GError *error = NULL;
  guint n = 0;
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = _rs_store_export (self, data->format, data->directory,
                         data->has_query ? &data->query : NULL, &n, cancellable, &error);
  g_mutex_unlock (&self->lock);
  if (ok)
    g_task_return_int (task, n);
  else
    g_task_return_error (task, error);
}

void
rs_store_export_async (RsStore             *self,
                       RsExportFormat       format,
                       const char          *directory,
                       const RsRecordQuery *query,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  QueryData *data = query_data_new (query);

  g_return_if_fail (RS_IS_STORE (self));
  data->format = format;
  data->directory = g_strdup (directory);
  run_in_worker (self, export_job, data, (GDestroyNotify) query_data_free, cancellable, callback,
                 user_data, rs_store_export_async);
}

gboolean
rs_store_export_finish (RsStore       *self,
                        GAsyncResult  *result,
                        guint         *n_records,
                        GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_records != NULL)
    *n_records = (guint) n;
  return TRUE;
}

/**
 * rs_store_backup:
 * @self: a #RsStore
 * @destination: the backup file; replaced atomically when the copy is complete and checked
 * @error: a #GError
 *
 * Copies the whole database through SQLite's backup API from a consistent snapshot (other
 * writers carry on meanwhile), checks the copy, then renames it into place. Never `cp`: the
 * WAL file is part of the database.
 */
gboolean
rs_store_backup (RsStore     *self,
                 const char  *destination,
                 GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (!_rs_store_check_open (self, FALSE, error))
    return FALSE;
  return _rs_store_backup (self, destination, error);
}

static void
backup_job (RsStore      *self,
            GTask        *task,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (rs_store_backup (self, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
rs_store_backup_async (RsStore             *self,
                       const char          *destination,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (RS_IS_STORE (self));
  run_in_worker (self, backup_job, g_strdup (destination), g_free, cancellable, callback,
                 user_data, rs_store_backup_async);
}

gboolean
rs_store_backup_finish (RsStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * rs_store_checkpoint:
 * @self: a #RsStore
 * @error: a #GError
 *
 * Copies the WAL back into the database file and truncates it (`wal_checkpoint(TRUNCATE)`).
 * Optional: SQLite checkpoints by itself every 1000 pages; call it when the app is idle or
 * paused so reads stay fast and the -wal file stays small.
 */
gboolean
rs_store_checkpoint (RsStore  *self,
                     GError  **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  int rc;

  if (!_rs_store_check_open (self, TRUE, error))
    return FALSE;
  rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  /* BUSY means a reader or writer elsewhere was active: try again later, nothing is wrong. */
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

static void
checkpoint_job (RsStore      *self,
                GTask        *task,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (rs_store_checkpoint (self, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
rs_store_checkpoint_async (RsStore             *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (RS_IS_STORE (self));
  run_in_worker (self, checkpoint_job, NULL, NULL, cancellable, callback, user_data,
                 rs_store_checkpoint_async);
}

gboolean
rs_store_checkpoint_finish (RsStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
