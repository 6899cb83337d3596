/* rs-server-store-pg.c: PostgreSQL backend of the server store (libpq, one transaction per record).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libpq-fe.h>
#include <string.h>

#include "rs-server-store.h"

/* A small pool of connections: each request borrows one for its transaction, so submissions
 * from several tablets commit in parallel and PostgreSQL's row locks settle the races. */
#define POOL_SIZE 6
#define SCHEMA_VERSION "1"
#define SQLSTATE_UNIQUE_VIOLATION "23505"

typedef struct
{
  RsServerStore parent;
  GAsyncQueue *idle;
  PGconn *connections[POOL_SIZE];
  guint n_connections;
} RsServerStorePg;

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS meta ("
  "  key text PRIMARY KEY, value text NOT NULL);"
  "CREATE TABLE IF NOT EXISTS users ("
  "  username text PRIMARY KEY,"
  "  role text NOT NULL CHECK (role IN ('enumerator', 'commune_officer', 'district_admin')),"
  "  communes text NOT NULL DEFAULT '',"
  "  password_hash text NOT NULL,"
  "  digest_ha1 text NOT NULL,"
  "  active boolean NOT NULL DEFAULT true,"
  "  created_at bigint NOT NULL,"
  "  updated_at bigint NOT NULL);"
  "CREATE TABLE IF NOT EXISTS device_tokens ("
  "  token_sha256 text PRIMARY KEY,"
  "  username text NOT NULL REFERENCES users (username),"
  "  device text NOT NULL,"
  "  created_at bigint NOT NULL,"
  "  revoked_at bigint);"
  "CREATE TABLE IF NOT EXISTS communes ("
  "  code text PRIMARY KEY, name text NOT NULL);"
  "CREATE TABLE IF NOT EXISTS forms ("
  "  form_id text NOT NULL, version text NOT NULL, name text NOT NULL,"
  "  md5 text NOT NULL, xml bytea NOT NULL, added_at bigint NOT NULL,"
  "  PRIMARY KEY (form_id, version));"
  "CREATE TABLE IF NOT EXISTS records ("
  "  id bigserial PRIMARY KEY,"
  "  instance_id text NOT NULL UNIQUE,"
  "  deprecated_id text UNIQUE,"
  "  superseded_by text,"
  "  form_id text NOT NULL, form_version text NOT NULL,"
  "  commune_code text NOT NULL, village text, household_code text, head_name text,"
  "  review_date text, enumerator text, submitted_by text NOT NULL,"
  "  received_at bigint NOT NULL,"
  "  sha256 text NOT NULL, xml bytea NOT NULL,"
  "  classification text NOT NULL DEFAULT '', score_json text NOT NULL DEFAULT '');"
  "CREATE INDEX IF NOT EXISTS records_commune ON records (commune_code, superseded_by);"
  "CREATE TABLE IF NOT EXISTS attachments ("
  "  instance_id text NOT NULL REFERENCES records (instance_id),"
  "  filename text NOT NULL, content_type text NOT NULL, sha256 text NOT NULL,"
  "  data bytea NOT NULL, received_at bigint NOT NULL,"
  "  PRIMARY KEY (instance_id, filename));"
  "CREATE TABLE IF NOT EXISTS assignments ("
  "  commune_code text NOT NULL, household_code text NOT NULL, village text NOT NULL,"
  "  head_name text NOT NULL, previous_status text NOT NULL, source text NOT NULL,"
  "  PRIMARY KEY (commune_code, household_code));"
  "CREATE TABLE IF NOT EXISTS audit_log ("
  "  id bigserial PRIMARY KEY, at bigint NOT NULL, event text NOT NULL,"
  "  username text, remote text, detail text);"
  "INSERT INTO meta (key, value) VALUES ('schema_version', '" SCHEMA_VERSION "')"
  "  ON CONFLICT DO NOTHING;";

static RsServerStorePg *
pg_store (RsServerStore *self)
{
  return (RsServerStorePg *) self;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static PGconn *
borrow (RsServerStorePg *self)
{
  return g_async_queue_pop (self->idle);
}

static void
give_back (RsServerStorePg *self,
           PGconn          *conn)
{
  /* A connection left inside a failed transaction is rolled back before reuse. */
  if (PQtransactionStatus (conn) != PQTRANS_IDLE)
    PQclear (PQexec (conn, "ROLLBACK"));
  if (PQstatus (conn) != CONNECTION_OK)
    PQreset (conn);
  g_async_queue_push (self->idle, conn);
}

/* A borrowed connection that goes back to the pool when it leaves scope. */
typedef struct
{
  RsServerStorePg *store;
  PGconn *conn;
} Lease;

static void
lease_release (Lease *lease)
{
  if (lease->conn != NULL)
    give_back (lease->store, lease->conn);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Lease, lease_release)

#define BORROW(self) \
  g_auto(Lease) lease = { (self), borrow (self) }; \
  PGconn *conn = lease.conn

static gboolean
pg_failed (PGconn  *conn,
           GError **error)
{
  g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_QUERY,
               _("The district database failed: %s"), g_strchomp (PQerrorMessage (conn)));
  return FALSE;
}

/* Runs @sql with text parameters (NULL = SQL NULL); binary ones through @lengths/@formats. */
static PGresult *
run (PGconn             *conn,
     const char         *sql,
     int                 n_params,
     const char *const  *values,
     const int          *lengths,
     const int          *formats,
     GError            **error)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, values, lengths, formats, 0);
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      const char *state = PQresultErrorField (result, PG_DIAG_SQLSTATE);

      if (g_strcmp0 (state, SQLSTATE_UNIQUE_VIOLATION) == 0)
        g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_EXISTS,
                     _("This entry already exists: %s"),
                     g_strchomp (PQresultErrorMessage (result)));
      else
        g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_QUERY,
                     _("The district database failed: %s"),
                     g_strchomp (PQresultErrorMessage (result)));
      PQclear (result);
      return NULL;
    }
  return result;
}

static gboolean
run_command (PGconn     *conn,
             const char *sql,
             GError    **error)
{
  g_autoptr(PGresult) result = run (conn, sql, 0, NULL, NULL, NULL, error);

  return result != NULL;
}

static const char *
value_or_null (PGresult *result,
               int       row,
               int       column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

static char *
int64_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static void
pg_close (RsServerStore *store)
{
  RsServerStorePg *self = pg_store (store);

  for (guint i = 0; i < self->n_connections; i++)
    PQfinish (self->connections[i]);
  g_clear_pointer (&self->idle, g_async_queue_unref);
  g_free (self);
}

static gboolean
pg_user_add (RsServerStore       *store,
             const RsServerUser  *user,
             GError             **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *communes = g_strjoinv (",", user->communes != NULL ? user->communes
                                                                      : (char *[]) { NULL });
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = {
    user->username, rs_role_to_string (user->role), communes, user->password_hash,
    user->digest_ha1, user->active ? "true" : "false", now,
  };
  g_autoptr(PGresult) result = run (conn, "INSERT INTO users (username, role, communes,"
                                          " password_hash, digest_ha1, active, created_at,"
                                          " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                                    7, values, NULL, NULL, error);
  return result != NULL;
}

static gboolean
pg_user_update (RsServerStore       *store,
                const RsServerUser  *user,
                GError             **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *communes = g_strjoinv (",", user->communes != NULL ? user->communes
                                                                      : (char *[]) { NULL });
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = {
    user->username, rs_role_to_string (user->role), communes, user->password_hash,
    user->digest_ha1, user->active ? "true" : "false", now,
  };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) revoke = NULL;

  if (!run_command (conn, "BEGIN", error))
    return FALSE;
  result = run (conn, "UPDATE users SET role = $2, communes = $3, password_hash = $4,"
                      " digest_ha1 = $5, active = $6, updated_at = $7 WHERE username = $1",
                7, values, NULL, NULL, error);
  if (result == NULL)
    return FALSE;
  if (g_str_equal (PQcmdTuples (result), "0"))
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("There is no user named “%s”."), user->username);
      return FALSE;
    }
  if (!user->active)
    {
      const char *revoke_values[] = { user->username, now };

      revoke = run (conn, "UPDATE device_tokens SET revoked_at = $2 WHERE username = $1"
                          " AND revoked_at IS NULL", 2, revoke_values, NULL, NULL, error);
      if (revoke == NULL)
        return FALSE;
    }
  return run_command (conn, "COMMIT", error);
}

static RsServerUser *
user_from_row (PGresult *result,
               int       row)
{
  RsServerUser *user = g_new0 (RsServerUser, 1);
  const char *communes = PQgetvalue (result, row, 2);

  user->username = g_strdup (PQgetvalue (result, row, 0));
  if (!rs_role_from_string (PQgetvalue (result, row, 1), &user->role))
    user->role = RS_ROLE_ENUMERATOR;
  user->communes = *communes != '\0' ? g_strsplit (communes, ",", -1) : g_new0 (char *, 1);
  user->password_hash = g_strdup (PQgetvalue (result, row, 3));
  user->digest_ha1 = g_strdup (PQgetvalue (result, row, 4));
  user->active = g_str_equal (PQgetvalue (result, row, 5), "t");
  return user;
}

static RsServerUser *
pg_user_get (RsServerStore  *store,
             const char     *username,
             GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { username };
  g_autoptr(PGresult) result = run (conn, "SELECT username, role, communes, password_hash,"
                                          " digest_ha1, active FROM users WHERE username = $1",
                                    1, values, NULL, NULL, error);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("There is no user named “%s”."), username);
      return NULL;
    }
  return user_from_row (result, 0);
}

static GPtrArray *
pg_user_list (RsServerStore  *store,
              GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autoptr(PGresult) result = run (conn, "SELECT username, role, communes, password_hash,"
                                          " digest_ha1, active FROM users ORDER BY username",
                                    0, NULL, NULL, NULL, error);
  GPtrArray *users;

  if (result == NULL)
    return NULL;
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_server_user_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (users, user_from_row (result, i));
  return users;
}

static gboolean
pg_token_add (RsServerStore  *store,
              const char     *username,
              const char     *device,
              const char     *token_sha256,
              GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = { token_sha256, username, device, now };
  g_autoptr(PGresult) result = run (conn, "INSERT INTO device_tokens (token_sha256, username,"
                                          " device, created_at) SELECT $1, username, $3, $4"
                                          " FROM users WHERE username = $2",
                                    4, values, NULL, NULL, error);

  if (result == NULL)
    return FALSE;
  if (g_str_equal (PQcmdTuples (result), "0"))
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("There is no user named “%s”."), username);
      return FALSE;
    }
  return TRUE;
}

static guint
pg_token_revoke (RsServerStore  *store,
                 const char     *username,
                 const char     *device,
                 GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = { username, device, now };
  g_autoptr(PGresult) result = run (conn, "UPDATE device_tokens SET revoked_at = $3"
                                          " WHERE username = $1 AND ($2::text IS NULL"
                                          " OR device = $2) AND revoked_at IS NULL",
                                    3, values, NULL, NULL, error);

  return result != NULL ? (guint) g_ascii_strtoull (PQcmdTuples (result), NULL, 10) : 0;
}

static RsServerUser *
pg_token_lookup (RsServerStore  *store,
                 const char     *token_sha256,
                 GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { token_sha256 };
  g_autoptr(PGresult) result = run (conn, "SELECT u.username, u.role, u.communes,"
                                          " u.password_hash, u.digest_ha1, u.active"
                                          " FROM device_tokens t JOIN users u USING (username)"
                                          " WHERE t.token_sha256 = $1"
                                          " AND t.revoked_at IS NULL AND u.active",
                                    1, values, NULL, NULL, error);

  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("This device token is unknown or revoked."));
      return NULL;
    }
  return user_from_row (result, 0);
}

static gboolean
pg_commune_put (RsServerStore  *store,
                const char     *code,
                const char     *name,
                GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { code, name };
  g_autoptr(PGresult) result = run (conn, "INSERT INTO communes (code, name) VALUES ($1, $2)"
                                          " ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                                    2, values, NULL, NULL, error);
  return result != NULL;
}

static gboolean
pg_form_put (RsServerStore       *store,
             const RsServerForm  *form,
             gboolean            *added,
             GError             **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  gsize length = 0;
  const char *data = g_bytes_get_data (form->xml, &length);
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = { form->form_id, form->version, form->name, form->md5, data, now };
  int lengths[] = { 0, 0, 0, 0, (int) length, 0 };
  int formats[] = { 0, 0, 0, 0, 1, 0 };
  g_autoptr(PGresult) result = run (conn, "INSERT INTO forms (form_id, version, name, md5, xml,"
                                          " added_at) VALUES ($1, $2, $3, $4, $5, $6)"
                                          " ON CONFLICT DO NOTHING",
                                    6, values, lengths, formats, error);

  if (result == NULL)
    return FALSE;
  if (added != NULL)
    *added = !g_str_equal (PQcmdTuples (result), "0");
  return TRUE;
}

static RsServerForm *
pg_form_get (RsServerStore  *store,
             const char     *form_id,
             const char     *version,
             gboolean        with_xml,
             GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { form_id, version };
  g_autoptr(PGresult) result = NULL;
  RsServerForm *form;

  /* The xml column comes back in binary (result format 1) so its bytes are exact. */
  result = PQexecParams (conn, "SELECT form_id, version, name, md5, xml FROM forms"
                               " WHERE form_id = $1 AND ($2::text IS NULL OR version = $2)"
                               " ORDER BY added_at DESC, version DESC LIMIT 1",
                         2, NULL, values, NULL, NULL, 1);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      pg_failed (conn, error);
      return NULL;
    }
  if (PQntuples (result) == 0)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("The server does not know form “%s” version “%s”."), form_id,
                   version != NULL ? version : "");
      return NULL;
    }
  form = g_new0 (RsServerForm, 1);
  form->form_id = g_strndup (PQgetvalue (result, 0, 0), PQgetlength (result, 0, 0));
  form->version = g_strndup (PQgetvalue (result, 0, 1), PQgetlength (result, 0, 1));
  form->name = g_strndup (PQgetvalue (result, 0, 2), PQgetlength (result, 0, 2));
  form->md5 = g_strndup (PQgetvalue (result, 0, 3), PQgetlength (result, 0, 3));
  if (with_xml)
    form->xml = g_bytes_new (PQgetvalue (result, 0, 4), PQgetlength (result, 0, 4));
  return form;
}

static GPtrArray *
pg_form_list (RsServerStore  *store,
              GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autoptr(PGresult) result = run (conn, "SELECT form_id, version, name, md5 FROM forms"
                                          " ORDER BY form_id, added_at, version",
                                    0, NULL, NULL, NULL, error);
  GPtrArray *forms;

  if (result == NULL)
    return NULL;
  forms = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_server_form_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      RsServerForm *form = g_new0 (RsServerForm, 1);

      form->form_id = g_strdup (PQgetvalue (result, i, 0));
      form->version = g_strdup (PQgetvalue (result, i, 1));
      form->name = g_strdup (PQgetvalue (result, i, 2));
      form->md5 = g_strdup (PQgetvalue (result, i, 3));
      g_ptr_array_add (forms, form);
    }
  return forms;
}

static gboolean
put_attachments (PGconn              *conn,
                 const RsSubmission  *submission,
                 const char          *received,
                 GError             **error)
{
  for (guint i = 0; submission->attachments != NULL && i < submission->attachments->len; i++)
    {
      RsSubmissionAttachment *attachment = g_ptr_array_index (submission->attachments, i);
      gsize length = 0;
      const char *data = g_bytes_get_data (attachment->data, &length);
      const char *values[] = {
        submission->instance_id, attachment->filename, attachment->content_type,
        attachment->sha256, length > 0 ? data : "", received,
      };
      int lengths[] = { 0, 0, 0, 0, (int) length, 0 };
      int formats[] = { 0, 0, 0, 0, 1, 0 };
      g_autoptr(PGresult) result = NULL;

      result = run (conn, "INSERT INTO attachments (instance_id, filename, content_type, sha256,"
                          " data, received_at) VALUES ($1, $2, $3, $4, $5, $6)"
                          " ON CONFLICT DO NOTHING", 6, values, lengths, formats, error);
      if (result == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_put_in_transaction (PGconn              *conn,
                           const RsSubmission  *submission,
                           const char          *submitted_by,
                           const char          *received,
                           const char          *classification,
                           const char          *score_json,
                           RsRecordOutcome     *outcome,
                           GError             **error)
{
  gsize length = 0;
  const char *xml = g_bytes_get_data (submission->xml, &length);
  const char *values[] = {
    submission->instance_id, submission->deprecated_id, submission->form_id,
    submission->form_version, submission->commune_code, submission->village,
    submission->household_code, submission->head_name, submission->review_date,
    submission->enumerator, submitted_by, received, submission->sha256, xml,
    classification != NULL ? classification : "", score_json != NULL ? score_json : "",
  };
  int lengths[G_N_ELEMENTS (values)] = { [13] = (int) length };
  int formats[G_N_ELEMENTS (values)] = { [13] = 1 };
  g_autoptr(PGresult) inserted = NULL;
  g_autoptr(GError) insert_error = NULL;

  inserted = run (conn, "INSERT INTO records (instance_id, deprecated_id, form_id, form_version,"
                        " commune_code, village, household_code, head_name, review_date,"
                        " enumerator, submitted_by, received_at, sha256, xml, classification,"
                        " score_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                        " $13, $14, $15, $16) ON CONFLICT (instance_id) DO NOTHING RETURNING id",
                  G_N_ELEMENTS (values), values, lengths, formats, &insert_error);
  if (inserted == NULL)
    {
      /* The other UNIQUE column: another edit already replaced the same version. */
      if (g_error_matches (insert_error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_EXISTS))
        {
          *outcome = RS_RECORD_STALE;
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&insert_error));
      return FALSE;
    }

  if (PQntuples (inserted) == 0)
    {
      const char *existing_values[] = { submission->instance_id };
      g_autoptr(PGresult) existing = run (conn, "SELECT sha256 FROM records"
                                                " WHERE instance_id = $1",
                                          1, existing_values, NULL, NULL, error);

      if (existing == NULL)
        return FALSE;
      if (PQntuples (existing) != 1
          || !g_str_equal (PQgetvalue (existing, 0, 0), submission->sha256))
        {
          *outcome = RS_RECORD_CONFLICT;
          return TRUE;
        }
      *outcome = RS_RECORD_DUPLICATE;
      return put_attachments (conn, submission, received, error);
    }

  if (submission->deprecated_id != NULL)
    {
      const char *supersede_values[] = { submission->instance_id, submission->deprecated_id,
                                         submission->commune_code };
      g_autoptr(PGresult) superseded = NULL;

      /* An edit may only replace a version of the same commune (the submitter's commune was
       * checked for the new version). */
      superseded = run (conn, "UPDATE records SET superseded_by = $1 WHERE instance_id = $2"
                              " AND superseded_by IS NULL AND commune_code = $3", 3,
                        supersede_values, NULL, NULL, error);
      if (superseded == NULL)
        return FALSE;
      if (g_str_equal (PQcmdTuples (superseded), "0"))
        {
          const char *known_values[] = { submission->deprecated_id };
          g_autoptr(PGresult) known = run (conn, "SELECT commune_code FROM records"
                                                 " WHERE instance_id = $1",
                                           1, known_values, NULL, NULL, error);

          if (known == NULL)
            return FALSE;
          if (PQntuples (known) == 0)
            *outcome = RS_RECORD_UNKNOWN_BASE;
          else if (g_strcmp0 (PQgetvalue (known, 0, 0), submission->commune_code) != 0)
            *outcome = RS_RECORD_OTHER_COMMUNE;
          else
            *outcome = RS_RECORD_STALE;
          return TRUE;
        }
    }
  *outcome = RS_RECORD_STORED;
  return put_attachments (conn, submission, received, error);
}

static gboolean
pg_record_put (RsServerStore       *store,
               const RsSubmission  *submission,
               const char          *submitted_by,
               const char          *remote,
               gint64               received_us,
               const char          *classification,
               const char          *score_json,
               RsRecordOutcome     *outcome,
               GError             **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *received = int64_text (received_us);

  if (!run_command (conn, "BEGIN", error))
    return FALSE;
  if (!record_put_in_transaction (conn, submission, submitted_by, received, classification,
                                  score_json, outcome, error))
    return FALSE;
  if (*outcome != RS_RECORD_STORED && *outcome != RS_RECORD_DUPLICATE)
    return run_command (conn, "ROLLBACK", error);
  {
    g_autofree char *detail = g_strdup_printf ("%s %s", submission->instance_id,
                                               rs_record_outcome_to_string (*outcome));
    const char *values[] = { received, submitted_by, remote, detail };
    g_autoptr(PGresult) audited = run (conn, "INSERT INTO audit_log (at, event, username, remote,"
                                             " detail) VALUES ($1, 'submission', $2, $3, $4)",
                                       4, values, NULL, NULL, error);

    if (audited == NULL)
      return FALSE;
  }
  /* synchronous_commit is on for this connection: COMMIT returns after the WAL flush. */
  return run_command (conn, "COMMIT", error);
}

static gboolean
pg_records_foreach (RsServerStore       *store,
                    const char          *commune_code,
                    gboolean             latest_only,
                    RsServerRecordFunc   func,
                    gpointer             user_data,
                    GError             **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { commune_code, latest_only ? "true" : "false" };
  g_autoptr(PGresult) result = NULL;

  /* Row by row, so an export of a whole district does not sit in memory at once. */
  if (!PQsendQueryParams (conn, "SELECT instance_id, deprecated_id, superseded_by, form_id,"
                                " form_version, commune_code, village, household_code, head_name,"
                                " review_date, enumerator, submitted_by, received_at, sha256,"
                                " classification, score_json FROM records"
                                " WHERE ($1::text IS NULL OR commune_code = $1)"
                                " AND (NOT $2::boolean OR superseded_by IS NULL) ORDER BY id",
                          2, NULL, values, NULL, NULL, 0)
      || !PQsetSingleRowMode (conn))
    return pg_failed (conn, error);

  for (;;)
    {
      PGresult *row_result = PQgetResult (conn);
      ExecStatusType status;

      if (row_result == NULL)
        break;
      status = PQresultStatus (row_result);
      if (status == PGRES_SINGLE_TUPLE)
        {
          RsServerRecordRow row = {
            .instance_id = value_or_null (row_result, 0, 0),
            .deprecated_id = value_or_null (row_result, 0, 1),
            .superseded_by = value_or_null (row_result, 0, 2),
            .form_id = value_or_null (row_result, 0, 3),
            .form_version = value_or_null (row_result, 0, 4),
            .commune_code = value_or_null (row_result, 0, 5),
            .village = value_or_null (row_result, 0, 6),
            .household_code = value_or_null (row_result, 0, 7),
            .head_name = value_or_null (row_result, 0, 8),
            .review_date = value_or_null (row_result, 0, 9),
            .enumerator = value_or_null (row_result, 0, 10),
            .submitted_by = value_or_null (row_result, 0, 11),
            .received_us = g_ascii_strtoll (PQgetvalue (row_result, 0, 12), NULL, 10),
            .sha256 = value_or_null (row_result, 0, 13),
            .classification = value_or_null (row_result, 0, 14),
            .score_json = value_or_null (row_result, 0, 15),
          };
          if (func != NULL && !func (&row, user_data))
            func = NULL;   /* stop calling back, but drain the results */
        }
      else if (status != PGRES_TUPLES_OK)
        {
          g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_QUERY,
                       _("The district database failed: %s"),
                       g_strchomp (PQresultErrorMessage (row_result)));
          PQclear (row_result);
          while ((row_result = PQgetResult (conn)) != NULL)
            PQclear (row_result);
          return FALSE;
        }
      PQclear (row_result);
    }
  return TRUE;
}

static GBytes *
pg_record_xml (RsServerStore  *store,
               const char     *instance_id,
               GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { instance_id };
  g_autoptr(PGresult) result = PQexecParams (conn, "SELECT xml FROM records"
                                                   " WHERE instance_id = $1",
                                             1, NULL, values, NULL, NULL, 1);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      pg_failed (conn, error);
      return NULL;
    }
  if (PQntuples (result) == 0)
    {
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND,
                   _("There is no record with instanceID “%s”."), instance_id);
      return NULL;
    }
  return g_bytes_new (PQgetvalue (result, 0, 0), PQgetlength (result, 0, 0));
}

static gint64
count_query (RsServerStorePg  *self,
             const char       *sql,
             const char       *param,
             GError          **error)
{
  BORROW (self);
  const char *values[] = { param };
  g_autoptr(PGresult) result = run (conn, sql, 1, values, NULL, NULL, error);

  if (result == NULL || PQntuples (result) != 1)
    return -1;
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

static gint64
pg_record_count (RsServerStore  *store,
                 GError        **error)
{
  return count_query (pg_store (store), "SELECT count(*) FROM records WHERE $1::text IS NULL",
                      NULL, error);
}

static gint64
pg_attachment_count (RsServerStore  *store,
                     const char     *instance_id,
                     GError        **error)
{
  return count_query (pg_store (store),
                      "SELECT count(*) FROM attachments WHERE instance_id = $1", instance_id,
                      error);
}

static gint64
pg_audit_count (RsServerStore  *store,
                const char     *event,
                GError        **error)
{
  return count_query (pg_store (store),
                      "SELECT count(*) FROM audit_log WHERE $1::text IS NULL OR event = $1",
                      event, error);
}

static gboolean
pg_assignments_replace (RsServerStore  *store,
                        const char     *commune_code,
                        GPtrArray      *assignments,
                        GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *clear_values[] = { commune_code };
  g_autoptr(PGresult) cleared = NULL;

  if (!run_command (conn, "BEGIN", error))
    return FALSE;
  cleared = run (conn, "DELETE FROM assignments WHERE $1::text IS NULL OR commune_code = $1",
                 1, clear_values, NULL, NULL, error);
  if (cleared == NULL)
    return FALSE;
  for (guint i = 0; i < assignments->len; i++)
    {
      const RsServerAssignment *row = g_ptr_array_index (assignments, i);
      const char *values[] = {
        row->commune_code, row->household_code, row->village != NULL ? row->village : "",
        row->head_name != NULL ? row->head_name : "",
        row->previous_status != NULL ? row->previous_status : "",
        row->source != NULL ? row->source : "list",
      };
      g_autoptr(PGresult) inserted = NULL;

      inserted = run (conn, "INSERT INTO assignments (commune_code, household_code, village,"
                            " head_name, previous_status, source) VALUES ($1, $2, $3, $4, $5, $6)"
                            " ON CONFLICT (commune_code, household_code) DO UPDATE SET"
                            " village = excluded.village, head_name = excluded.head_name,"
                            " previous_status = excluded.previous_status,"
                            " source = excluded.source", 6, values, NULL, NULL, error);
      if (inserted == NULL)
        return FALSE;
    }
  return run_command (conn, "COMMIT", error);
}

static gboolean
pg_assignments_foreach (RsServerStore           *store,
                        const char              *commune_code,
                        RsServerAssignmentFunc   func,
                        gpointer                 user_data,
                        GError                 **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  const char *values[] = { commune_code };
  g_autoptr(PGresult) result = run (conn, "SELECT commune_code, household_code, village,"
                                          " head_name, previous_status, source FROM assignments"
                                          " WHERE $1::text IS NULL OR commune_code = $1"
                                          " ORDER BY commune_code, village, household_code",
                                    1, values, NULL, NULL, error);

  if (result == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (result); i++)
    {
      RsServerAssignment row = {
        PQgetvalue (result, i, 0), PQgetvalue (result, i, 1), PQgetvalue (result, i, 2),
        PQgetvalue (result, i, 3), PQgetvalue (result, i, 4), PQgetvalue (result, i, 5),
      };
      if (!func (&row, user_data))
        break;
    }
  return TRUE;
}

static gboolean
pg_audit (RsServerStore  *store,
          const char     *event,
          const char     *username,
          const char     *remote,
          const char     *detail,
          GError        **error)
{
  RsServerStorePg *self = pg_store (store);
  BORROW (self);
  g_autofree char *now = int64_text (g_get_real_time ());
  const char *values[] = { now, event, username, remote, detail };
  g_autoptr(PGresult) result = run (conn, "INSERT INTO audit_log (at, event, username, remote,"
                                          " detail) VALUES ($1, $2, $3, $4, $5)",
                                    5, values, NULL, NULL, error);
  return result != NULL;
}

static const RsServerStoreClass pg_class = {
  .name = "postgresql",
  .close = pg_close,
  .user_add = pg_user_add,
  .user_update = pg_user_update,
  .user_get = pg_user_get,
  .user_list = pg_user_list,
  .token_add = pg_token_add,
  .token_revoke = pg_token_revoke,
  .token_lookup = pg_token_lookup,
  .commune_put = pg_commune_put,
  .form_put = pg_form_put,
  .form_get = pg_form_get,
  .form_list = pg_form_list,
  .record_put = pg_record_put,
  .records_foreach = pg_records_foreach,
  .record_xml = pg_record_xml,
  .record_count = pg_record_count,
  .attachment_count = pg_attachment_count,
  .assignments_replace = pg_assignments_replace,
  .assignments_foreach = pg_assignments_foreach,
  .audit = pg_audit,
  .audit_count = pg_audit_count,
};

RsServerStore *
rs_server_store_pg_open (const char  *conninfo,
                         gboolean     create,
                         GError     **error)
{
  g_autoptr(RsServerStore) store = NULL;
  RsServerStorePg *self = g_new0 (RsServerStorePg, 1);

  self->parent.klass = &pg_class;
  self->idle = g_async_queue_new ();
  store = (RsServerStore *) self;

  for (guint i = 0; i < POOL_SIZE; i++)
    {
      PGconn *conn = PQconnectdb (conninfo);

      self->connections[self->n_connections++] = conn;
      if (PQstatus (conn) != CONNECTION_OK)
        {
          g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_OPEN,
                       _("Cannot connect to the PostgreSQL database: %s"),
                       g_strchomp (PQerrorMessage (conn)));
          return NULL;
        }
      /* Durability is not left to the cluster's defaults: a 2xx follows a flushed commit. */
      if (!run_command (conn, "SET synchronous_commit = on", error)
          || !run_command (conn, "SET client_min_messages = warning", error))
        return NULL;
      g_async_queue_push (self->idle, conn);
    }

  {
    PGconn *conn = borrow (self);
    g_autoptr(PGresult) check = NULL;
    gboolean ok = TRUE;

    if (create)
      {
        g_autoptr(PGresult) created = PQexec (conn, schema_sql);

        if (PQresultStatus (created) != PGRES_COMMAND_OK)
          ok = pg_failed (conn, error);
      }
    if (ok)
      {
        check = PQexec (conn, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (PQresultStatus (check) != PGRES_TUPLES_OK || PQntuples (check) != 1
            || !g_str_equal (PQgetvalue (check, 0, 0), SCHEMA_VERSION))
          {
            g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_INITIALIZED,
                         _("This PostgreSQL database has no rasoat district schema; create it "
                           "with “rasoat-server init --db postgresql://…”."));
            ok = FALSE;
          }
      }
    give_back (self, conn);
    if (!ok)
      return NULL;
  }
  return g_steal_pointer (&store);
}
