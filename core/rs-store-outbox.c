/* rs-store-outbox.c: the outbox and sync log the sync engine works from, and the assignments.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-store-private.h"
#include "rs-text.h"

void
rs_outbox_entry_free (RsOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->instance_id);
  g_free (entry->form_id);
  g_free (entry->form_version);
  g_clear_pointer (&entry->payload, g_bytes_unref);
  g_free (entry->sha256);
  g_free (entry->last_message);
  g_free (entry);
}

void
rs_sync_log_entry_free (RsSyncLogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->instance_id);
  g_free (entry->event);
  g_free (entry->message);
  g_free (entry);
}

#define OUTBOX_COLUMNS \
  "o.id, o.instance_id, r.form_id, r.form_version, o.record_version, o.payload, o.sha256, " \
  "o.attempts, o.next_attempt_at, o.last_http_status, o.last_message, o.state, o.parked, " \
  "o.queued_seq"

static RsOutboxEntry *
outbox_from_row (sqlite3_stmt *stmt)
{
  RsOutboxEntry *entry = g_new0 (RsOutboxEntry, 1);
  const char *state = (const char *) sqlite3_column_text (stmt, 11);

  entry->id = sqlite3_column_int64 (stmt, 0);
  entry->instance_id = _rs_store_column_dup (stmt, 1);
  entry->form_id = _rs_store_column_dup (stmt, 2);
  entry->form_version = _rs_store_column_dup (stmt, 3);
  entry->record_version = (guint) sqlite3_column_int (stmt, 4);
  entry->payload = _rs_store_column_bytes (stmt, 5);
  entry->sha256 = _rs_store_column_dup (stmt, 6);
  entry->attempts = (guint) sqlite3_column_int (stmt, 7);
  entry->next_attempt_at = sqlite3_column_int64 (stmt, 8);
  entry->last_http_status = sqlite3_column_int (stmt, 9);
  entry->last_message = _rs_store_column_dup (stmt, 10);
  if (g_strcmp0 (state, "sending") == 0)
    entry->state = RS_OUTBOX_SENDING;
  else if (g_strcmp0 (state, "sent") == 0)
    entry->state = RS_OUTBOX_SENT;
  else
    entry->state = RS_OUTBOX_QUEUED;
  entry->parked = sqlite3_column_int (stmt, 12) != 0;
  entry->queued_seq = sqlite3_column_int64 (stmt, 13);
  return entry;
}

/**
 * rs_store_outbox_next_due:
 * @self: a #RsStore
 * @now: wall clock (µs since 1970), e.g. g_get_real_time()
 * @limit: how many at most; 0 for all
 * @error: a #GError
 *
 * The rows to send now, oldest finalized first: queued and not parked, with a next attempt time
 * not after @now. Rows left in "sending" by a crash are due too: the server deduplicates on the
 * instanceID, so sending again is safe.
 *
 * Returns: (transfer full) (element-type RsOutboxEntry): the rows, with their payloads.
 */
GPtrArray *
rs_store_outbox_next_due (RsStore  *self,
                          gint64    now,
                          guint     limit,
                          GError  **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_outbox_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT " OUTBOX_COLUMNS " FROM outbox o "
                            "JOIN records r ON r.id = o.record_id "
                            "WHERE o.state IN ('queued', 'sending') AND o.parked = 0 "
                            "AND o.next_attempt_at <= ?1 ORDER BY o.queued_seq LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, outbox_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/**
 * rs_store_outbox_get:
 *
 * Returns: (transfer full): the outbox row of one record version.
 */
RsOutboxEntry *
rs_store_outbox_get (RsStore     *self,
                     const char  *instance_id,
                     GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  RsOutboxEntry *entry = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self, "SELECT " OUTBOX_COLUMNS " FROM outbox o "
                                  "JOIN records r ON r.id = o.record_id "
                                  "WHERE o.instance_id = ?", error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, instance_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    entry = outbox_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                 _("The household “%s” is not waiting to be sent."), instance_id);
  else if (rc != SQLITE_ROW)
    _rs_store_fail (self, rc, error);
  return entry;
}

gboolean
_rs_store_sync_log_add (RsStore     *self,
                        const char  *instance_id,
                        const char  *event,
                        int          http_status,
                        const char  *message,
                        GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 seq = _rs_store_next_seq (self, error);

  if (seq < 0)
    return FALSE;
  stmt = _rs_store_prepare (self, "INSERT INTO sync_log (seq, at, instance_id, event, "
                                  "http_status, message) VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  _rs_store_bind_text (stmt, 3, instance_id);
  _rs_store_bind_text (stmt, 4, event);
  if (http_status > 0)
    sqlite3_bind_int (stmt, 5, http_status);
  else
    sqlite3_bind_null (stmt, 5);
  _rs_store_bind_text (stmt, 6, message);
  return _rs_store_step_done (self, stmt, error);
}

typedef enum
{
  OUTBOX_SENDING,
  OUTBOX_SENT,
  OUTBOX_RESCHEDULE,
  OUTBOX_PARK,
  OUTBOX_UNPARK,
} OutboxChange;

/* One outbox change, its record's state change and its sync log row: one durable commit. */
static gboolean
change_outbox (RsStore       *self,
               gint64         outbox_id,
               OutboxChange   change,
               gint64         next_attempt_at,
               int            http_status,
               const char    *message,
               GError       **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autofree char *instance_id = NULL;
  g_autofree char *state = NULL;
  gboolean parked = FALSE;
  sqlite3_stmt *stmt;
  const char *sql = NULL;
  const char *record_sql = NULL;
  const char *event = NULL;
  gboolean allowed;
  int rc;

  if (!_rs_store_begin (self, error))
    return FALSE;
  stmt = _rs_store_prepare (self, "SELECT instance_id, state, parked FROM outbox WHERE id = ?",
                            error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, outbox_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      instance_id = _rs_store_column_dup (stmt, 0);
      state = _rs_store_column_dup (stmt, 1);
      parked = sqlite3_column_int (stmt, 2) != 0;
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                   _("This household is no longer waiting to be sent."));
      goto fail;
    }
  if (rc != SQLITE_ROW)
    {
      _rs_store_fail (self, rc, error);
      goto fail;
    }

  switch (change)
    {
    case OUTBOX_SENDING:
      allowed = !g_str_equal (state, "sent") && !parked;
      sql = "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1";
      event = "sending";
      break;
    case OUTBOX_SENT:
      allowed = !g_str_equal (state, "sent") && !parked;
      sql = "UPDATE outbox SET state = 'sent', sent_at = ?2, last_http_status = ?3, "
            "last_message = ?4 WHERE id = ?1";
      record_sql = "UPDATE records SET state = 'sent', updated_seq = ?2 "
                   "WHERE instance_id = ?1 AND state = 'finalized'";
      event = "sent";
      break;
    case OUTBOX_RESCHEDULE:
      allowed = !g_str_equal (state, "sent");
      sql = "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, last_http_status = ?3, "
            "last_message = ?4 WHERE id = ?1";
      event = "retry";
      break;
    case OUTBOX_PARK:
      allowed = !g_str_equal (state, "sent");
      sql = "UPDATE outbox SET state = 'queued', parked = 1, last_http_status = ?3, "
            "last_message = ?4 WHERE id = ?1";
      record_sql = "UPDATE records SET state = 'rejected', updated_seq = ?2 "
                   "WHERE instance_id = ?1 AND state = 'finalized'";
      event = "parked";
      break;
    case OUTBOX_UNPARK:
      allowed = !g_str_equal (state, "sent");
      sql = "UPDATE outbox SET state = 'queued', parked = 0, next_attempt_at = 0 WHERE id = ?1";
      record_sql = "UPDATE records SET state = 'finalized', updated_seq = ?2 "
                   "WHERE instance_id = ?1 AND state = 'rejected'";
      event = "unparked";
      break;
    default:
      g_assert_not_reached ();
    }
  if (!allowed)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID_STATE,
                           parked ? _("This household was refused by the server; retry it "
                                      "first.")
                                  : _("This household was already sent."));
      goto fail;
    }

  stmt = _rs_store_prepare (self, sql, error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, outbox_id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, change == OUTBOX_SENT ? g_get_real_time () : next_attempt_at);
  if (sqlite3_bind_parameter_count (stmt) >= 4)
    {
      if (http_status > 0)
        sqlite3_bind_int (stmt, 3, http_status);
      else
        sqlite3_bind_null (stmt, 3);
      _rs_store_bind_text (stmt, 4, message);
    }
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;

  if (record_sql != NULL)
    {
      gint64 seq = _rs_store_next_seq (self, error);

      if (seq < 0 || (stmt = _rs_store_prepare (self, record_sql, error)) == NULL)
        goto fail;
      _rs_store_bind_text (stmt, 1, instance_id);
      sqlite3_bind_int64 (stmt, 2, seq);
      if (!_rs_store_step_done (self, stmt, error))
        goto fail;
    }
  if (!_rs_store_sync_log_add (self, instance_id, event, http_status, message, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

/**
 * rs_store_outbox_mark_sending:
 *
 * Call before each POST: it counts the attempt and is on disk before any byte leaves, so a crash
 * during the POST is visible afterwards (the row is still due and is simply sent again).
 */
gboolean
rs_store_outbox_mark_sending (RsStore  *self,
                              gint64    outbox_id,
                              GError  **error)
{
  return change_outbox (self, outbox_id, OUTBOX_SENDING, 0, 0, NULL, error);
}

/**
 * rs_store_outbox_mark_sent:
 *
 * Call only after the server acknowledged the exact bytes (201/202 with an OpenRosa envelope).
 * The record becomes sent in the same commit.
 */
gboolean
rs_store_outbox_mark_sent (RsStore     *self,
                           gint64       outbox_id,
                           int          http_status,
                           const char  *server_message,
                           GError     **error)
{
  return change_outbox (self, outbox_id, OUTBOX_SENT, 0, http_status, server_message, error);
}

/**
 * rs_store_outbox_reschedule:
 *
 * A retryable failure: back to the queue, not before @next_attempt_at (µs since 1970).
 */
gboolean
rs_store_outbox_reschedule (RsStore     *self,
                            gint64       outbox_id,
                            gint64       next_attempt_at,
                            int          http_status,
                            const char  *message,
                            GError     **error)
{
  return change_outbox (self, outbox_id, OUTBOX_RESCHEDULE, next_attempt_at, http_status,
                        message, error);
}

/**
 * rs_store_outbox_park:
 *
 * The server refused the record for good (400, 409, 422…): it stops being sent, keeps the
 * server's message for the enumerator, and the record shows as refused. The others go on.
 */
gboolean
rs_store_outbox_park (RsStore     *self,
                      gint64       outbox_id,
                      int          http_status,
                      const char  *server_message,
                      GError     **error)
{
  return change_outbox (self, outbox_id, OUTBOX_PARK, 0, http_status, server_message, error);
}

/**
 * rs_store_outbox_unpark:
 *
 * "Try again": the parked row is due at once and the record is waiting to be sent again.
 */
gboolean
rs_store_outbox_unpark (RsStore  *self,
                        gint64    outbox_id,
                        GError  **error)
{
  return change_outbox (self, outbox_id, OUTBOX_UNPARK, 0, 0, NULL, error);
}

/**
 * rs_store_outbox_counts:
 *
 * The figures the UI shows ("3 chờ gửi").
 */
gboolean
rs_store_outbox_counts (RsStore         *self,
                        RsOutboxCounts  *counts,
                        GError         **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return FALSE;
  stmt = _rs_store_prepare (self,
                            "SELECT total (state != 'sent' AND parked = 0), "
                            "total (state = 'sending' AND parked = 0), total (parked = 1), "
                            "total (state = 'sent') FROM outbox", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      counts->queued = (guint) sqlite3_column_int64 (stmt, 0);
      counts->sending = (guint) sqlite3_column_int64 (stmt, 1);
      counts->parked = (guint) sqlite3_column_int64 (stmt, 2);
      counts->sent = (guint) sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _rs_store_fail (self, rc, error);
  return TRUE;
}

/**
 * rs_store_sync_log_add:
 *
 * Logs an attempt that changed no outbox row (e.g. the HEAD pre-flight failed). The mark_* and
 * park calls log their own rows.
 */
gboolean
rs_store_sync_log_add (RsStore     *self,
                       const char  *instance_id,
                       const char  *event,
                       int          http_status,
                       const char  *message,
                       GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (!_rs_store_begin (self, error))
    return FALSE;
  if (!_rs_store_sync_log_add (self, instance_id, event, http_status, message, error))
    {
      _rs_store_rollback (self);
      return FALSE;
    }
  return _rs_store_commit (self, error);
}

/**
 * rs_store_sync_log_list:
 *
 * Returns: (transfer full) (element-type RsSyncLogEntry): newest first.
 */
GPtrArray *
rs_store_sync_log_list (RsStore     *self,
                        const char  *instance_id,
                        guint        limit,
                        GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_sync_log_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT seq, at, instance_id, event, http_status, message "
                            "FROM sync_log WHERE ?1 IS NULL OR instance_id = ?1 "
                            "ORDER BY seq DESC LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, instance_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      RsSyncLogEntry *entry = g_new0 (RsSyncLogEntry, 1);

      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->at = sqlite3_column_int64 (stmt, 1);
      entry->instance_id = _rs_store_column_dup (stmt, 2);
      entry->event = _rs_store_column_dup (stmt, 3);
      entry->http_status = sqlite3_column_int (stmt, 4);
      entry->message = _rs_store_column_dup (stmt, 5);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* ---- assignments ----------------------------------------------------------------------- */

RsAssignment *
rs_assignment_new (const char *id,
                   const char *village,
                   const char *household_code,
                   const char *head_name,
                   const char *previous_status,
                   const char *prefill_json)
{
  RsAssignment *assignment = g_new0 (RsAssignment, 1);

  assignment->id = g_strdup (id);
  assignment->village = g_strdup (village);
  assignment->household_code = g_strdup (household_code);
  assignment->head_name = g_strdup (head_name);
  assignment->previous_status = g_strdup (previous_status);
  assignment->prefill_json = g_strdup (prefill_json);
  return assignment;
}

void
rs_assignment_free (RsAssignment *assignment)
{
  if (assignment == NULL)
    return;
  g_free (assignment->id);
  g_free (assignment->village);
  g_free (assignment->household_code);
  g_free (assignment->head_name);
  g_free (assignment->previous_status);
  g_free (assignment->prefill_json);
  g_free (assignment->record_instance_id);
  g_free (assignment);
}

/**
 * rs_store_replace_assignments:
 * @self: a #RsStore
 * @assignments: (element-type RsAssignment): the list just downloaded
 * @error: a #GError
 *
 * Makes the stored list equal to @assignments in one commit: new ones are added, known ones
 * updated, and ones no longer listed are removed unless a household was already started from
 * them (that work is never dropped).
 */
gboolean
rs_store_replace_assignments (RsStore    *self,
                              GPtrArray  *assignments,
                              GError    **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  sqlite3_stmt *stmt;
  gint64 seq;

  if (!_rs_store_begin (self, error))
    return FALSE;
  if ((seq = _rs_store_next_seq (self, error)) < 0)
    goto fail;
  for (guint i = 0; i < assignments->len; i++)
    {
      RsAssignment *a = g_ptr_array_index (assignments, i);
      g_autofree char *joined = g_strjoin (" ", a->head_name != NULL ? a->head_name : "",
                                           a->household_code != NULL ? a->household_code : "",
                                           NULL);
      g_autofree char *search = rs_text_fold (joined);

      stmt = _rs_store_prepare (self,
                                "INSERT INTO assignments (id, village, household_code, head_name, "
                                "search_folded, previous_status, prefill_json, received_seq) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO "
                                "UPDATE SET village = ?2, household_code = ?3, head_name = ?4, "
                                "search_folded = ?5, previous_status = ?6, prefill_json = ?7, "
                                "received_seq = ?8", error);
      if (stmt == NULL)
        goto fail;
      _rs_store_bind_text (stmt, 1, a->id);
      _rs_store_bind_text (stmt, 2, a->village);
      _rs_store_bind_text (stmt, 3, a->household_code);
      _rs_store_bind_text (stmt, 4, a->head_name);
      _rs_store_bind_text (stmt, 5, search);
      _rs_store_bind_text (stmt, 6, a->previous_status);
      _rs_store_bind_text (stmt, 7, a->prefill_json);
      sqlite3_bind_int64 (stmt, 8, seq);
      if (!_rs_store_step_done (self, stmt, error))
        goto fail;
    }
  stmt = _rs_store_prepare (self, "DELETE FROM assignments WHERE received_seq != ? "
                                  "AND record_instance_id IS NULL", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (!_rs_store_step_done (self, stmt, error))
    goto fail;
  return _rs_store_commit (self, error);

fail:
  _rs_store_rollback (self);
  return FALSE;
}

static RsAssignment *
assignment_from_row (sqlite3_stmt *stmt)
{
  RsAssignment *a = rs_assignment_new ((const char *) sqlite3_column_text (stmt, 0),
                                       (const char *) sqlite3_column_text (stmt, 1),
                                       (const char *) sqlite3_column_text (stmt, 2),
                                       (const char *) sqlite3_column_text (stmt, 3),
                                       (const char *) sqlite3_column_text (stmt, 4),
                                       (const char *) sqlite3_column_text (stmt, 5));

  a->record_instance_id = _rs_store_column_dup (stmt, 6);
  return a;
}

/**
 * rs_store_list_assignments:
 *
 * Returns: (transfer full) (element-type RsAssignment): by village, then household code.
 */
GPtrArray *
rs_store_list_assignments (RsStore     *self,
                           const char  *village,
                           GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT id, village, household_code, head_name, previous_status, "
                            "prefill_json, record_instance_id FROM assignments "
                            "WHERE ?1 IS NULL OR village = ?1 "
                            "ORDER BY village, household_code, id", error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, village);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, assignment_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _rs_store_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

RsAssignment *
rs_store_get_assignment (RsStore     *self,
                         const char  *id,
                         GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  RsAssignment *a = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!_rs_store_check_open (self, FALSE, error))
    return NULL;
  stmt = _rs_store_prepare (self,
                            "SELECT id, village, household_code, head_name, previous_status, "
                            "prefill_json, record_instance_id FROM assignments WHERE id = ?",
                            error);
  if (stmt == NULL)
    return NULL;
  _rs_store_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    a = assignment_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                 _("The assignment “%s” is not on this tablet. Download the list again."), id);
  else if (rc != SQLITE_ROW)
    _rs_store_fail (self, rc, error);
  return a;
}
