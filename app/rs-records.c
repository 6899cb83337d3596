/* rs-records.c: what the app reads from and writes to the store, always off the main thread.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-records.h"

/**
 * rs_records_display_state:
 *
 * Returns: how the home list shows a record in @state.
 */
RsDisplayState
rs_records_display_state (RsRecordState state)
{
  switch (state)
    {
    case RS_RECORD_STATE_FINALIZED:
      return RS_DISPLAY_STATE_FINALIZED;
    case RS_RECORD_STATE_SENT:
      return RS_DISPLAY_STATE_SENT;
    case RS_RECORD_STATE_REJECTED:
      return RS_DISPLAY_STATE_NEEDS_ATTENTION;
    case RS_RECORD_STATE_DRAFT:
    case RS_RECORD_STATE_DELETED:
    default:
      return RS_DISPLAY_STATE_DRAFT;
    }
}

/* ---- opening ---------------------------------------------------------------------------- */

typedef struct
{
  RsStore *store;
  char    *device_id;
} Opened;

static void
opened_free (Opened *opened)
{
  g_clear_object (&opened->store);
  g_free (opened->device_id);
  g_free (opened);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  Opened *opened;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The folder for the records (%s) cannot be created. Check that "
                                 "the tablet has free space."), dir);
      return;
    }
  opened = g_new0 (Opened, 1);
  opened->store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, cancellable, &error);
  if (opened->store != NULL)
    opened->device_id = rs_store_dup_device_id (opened->store, &error);
  if (error != NULL)
    {
      opened_free (opened);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, opened, (GDestroyNotify) opened_free);
}

void
rs_records_open_async (const char          *db_path,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_open_async);
  g_task_set_task_data (task, g_strdup (db_path), g_free);
  g_task_run_in_thread (task, open_thread);
}

/**
 * rs_records_open_finish:
 * @out_device_id: (out) (transfer full): the tablet's id
 *
 * Returns: (transfer full): the open store.
 */
RsStore *
rs_records_open_finish (GAsyncResult  *result,
                        char         **out_device_id,
                        GError       **error)
{
  Opened *opened = g_task_propagate_pointer (G_TASK (result), error);
  RsStore *store;

  if (opened == NULL)
    return NULL;
  store = g_steal_pointer (&opened->store);
  if (out_device_id != NULL)
    *out_device_id = g_steal_pointer (&opened->device_id);
  opened_free (opened);
  return store;
}

/* ---- Today ------------------------------------------------------------------------------ */

void
rs_home_data_free (RsHomeData *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->items, g_ptr_array_unref);
  g_free (data);
}

static gboolean
is_today (gint64 wall_us,
          int    today_year,
          int    today_day_of_year)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (wall_us / G_USEC_PER_SEC);

  return when != NULL && g_date_time_get_year (when) == today_year
         && g_date_time_get_day_of_year (when) == today_day_of_year;
}

/* instanceID → position + 1 in @records. */
static GHashTable *
index_records (GPtrArray *records)
{
  GHashTable *positions = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);

      g_hash_table_insert (positions, record->instance_id, GUINT_TO_POINTER (i + 1));
    }
  return positions;
}

/* @record's version (the store numbers them: 1, then +1 for each edit after sending) and, when
 * it was replaced, the newer version and where that one stands. @newer is the record that
 * replaced it, or %NULL when there is none or it is gone. */
static void
describe_version (const RsRecord  *record,
                  const RsRecord  *newer,
                  RsRecordVersion *out)
{
  out->version = MAX (record->version, 1);
  out->created_at = record->created_at;
  out->newer_version = 0;
  out->newer_state = RS_DISPLAY_STATE_SENT;
  if (record->superseded_by != NULL)
    {
      out->newer_version = newer != NULL ? MAX (newer->version, 1) : out->version + 1;
      out->newer_state = rs_records_display_state (newer != NULL ? newer->state
                                                                 : RS_RECORD_STATE_DELETED);
    }
}

/* The record that replaced @record among @records (indexed by index_records()), or %NULL. */
static RsRecord *
newer_in (GPtrArray      *records,
          GHashTable     *positions,
          const RsRecord *record)
{
  guint newer = record->superseded_by != NULL
                ? GPOINTER_TO_UINT (g_hash_table_lookup (positions, record->superseded_by)) : 0;

  return newer > 0 ? g_ptr_array_index (records, newer - 1) : NULL;
}

static void
load_home_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  RsStore *store = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) assignments = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  RsOutboxCounts counts = { 0 };
  RsHomeData *data;

  records = rs_store_list_records (store, NULL, &error);
  if (records != NULL)
    assignments = rs_store_list_assignments (store, NULL, &error);
  if (assignments != NULL)
    rs_store_outbox_counts (store, &counts, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (RsHomeData, 1);
  data->items = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_home_item_free);
  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);
      RsHomeItem *item;

      /* An edited sent record lives on as its newer version. */
      if (record->superseded_by != NULL || record->state == RS_RECORD_STATE_DELETED)
        continue;
      item = rs_home_item_new (record->instance_id, record->summary.head_name,
                               record->summary.village, record->summary.household_code,
                               rs_records_display_state (record->state),
                               rs_classification_from_string (record->summary.classification));
      item->version = MAX (record->version, 1);
      g_ptr_array_add (data->items, item);
      if (record->state != RS_RECORD_STATE_DRAFT
          && is_today (record->updated_at, g_date_time_get_year (now),
                       g_date_time_get_day_of_year (now)))
        data->reviewed_today++;
    }
  for (guint i = 0; i < assignments->len; i++)
    {
      RsAssignment *assignment = g_ptr_array_index (assignments, i);

      if (assignment->record_instance_id != NULL)
        continue;
      g_ptr_array_add (data->items,
                       rs_home_item_new (assignment->id, assignment->head_name,
                                         assignment->village, assignment->household_code,
                                         RS_DISPLAY_STATE_ASSIGNED,
                                         RS_CLASSIFICATION_UNKNOWN));
    }
  data->waiting = counts.queued + counts.sending;
  data->needing_attention = counts.parked;
  g_task_return_pointer (task, data, (GDestroyNotify) rs_home_data_free);
}

void
rs_records_load_home_async (RsStore             *store,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_load_home_async);
  g_task_run_in_thread (task, load_home_thread);
}

RsHomeData *
rs_records_load_home_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- sync page -------------------------------------------------------------------------- */

static void
sync_record_free (RsSyncRecord *record)
{
  g_free (record->instance_id);
  g_free (record->head_name);
  g_free (record->village);
  g_free (record->message);
  g_free (record->deprecated_id);
  g_free (record);
}

void
rs_sync_data_free (RsSyncData *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->waiting, g_ptr_array_unref);
  g_clear_pointer (&data->refused, g_ptr_array_unref);
  g_clear_pointer (&data->sent, g_ptr_array_unref);
  g_clear_pointer (&data->log, g_ptr_array_unref);
  g_free (data);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const RsSyncRecord *x = *(RsSyncRecord * const *) a;
  const RsSyncRecord *y = *(RsSyncRecord * const *) b;

  return (x->updated_at < y->updated_at) - (x->updated_at > y->updated_at);
}

/* Moves each replaced version of @list just below the version that replaced it. */
static void
group_versions (GPtrArray *list)
{
  g_autofree RsVersionLink *links = g_new0 (RsVersionLink, MAX (list->len, 1));
  g_autofree guint *order = NULL;
  g_autofree gpointer *rows = g_new (gpointer, MAX (list->len, 1));

  for (guint i = 0; i < list->len; i++)
    {
      RsSyncRecord *record = g_ptr_array_index (list, i);

      links[i].instance_id = record->instance_id;
      links[i].deprecated_id = record->deprecated_id;
    }
  order = rs_version_order (links, list->len);
  for (guint i = 0; i < list->len; i++)
    rows[i] = list->pdata[order[i]];
  for (guint i = 0; i < list->len; i++)
    list->pdata[i] = rows[i];
}

static void
load_sync_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  RsStore *store = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) positions = NULL;
  g_autoptr(RsSyncData) data = g_new0 (RsSyncData, 1);

  data->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_record_free);
  data->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_record_free);
  data->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_record_free);

  records = rs_store_list_records (store, NULL, &error);
  if (records == NULL || !rs_store_outbox_counts (store, &data->counts, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data->log = rs_store_sync_log_list (store, NULL, 50, &error);
  if (data->log == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Drafts are not listed, but a draft that replaces a sent version still says where it is. */
  positions = index_records (records);

  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);
      g_autoptr(RsOutboxEntry) entry = NULL;
      RsRecordVersion version;
      RsSyncRecord *item;
      GPtrArray *target;

      switch (record->state)
        {
        case RS_RECORD_STATE_FINALIZED:
          target = data->waiting;
          break;
        case RS_RECORD_STATE_REJECTED:
          target = data->refused;
          break;
        case RS_RECORD_STATE_SENT:
          target = data->sent;
          break;
        case RS_RECORD_STATE_DRAFT:
        case RS_RECORD_STATE_DELETED:
        default:
          continue;
        }

      item = g_new0 (RsSyncRecord, 1);
      item->instance_id = g_strdup (record->instance_id);
      item->head_name = g_strdup (record->summary.head_name);
      item->village = g_strdup (record->summary.village);
      item->state = record->state;
      item->updated_at = record->updated_at;
      item->deprecated_id = g_strdup (record->deprecated_id);
      describe_version (record, newer_in (records, positions, record), &version);
      item->version = version.version;
      item->created_at = version.created_at;
      item->newer_version = version.newer_version;
      item->newer_state = version.newer_state;
      entry = rs_store_outbox_get (store, record->instance_id, NULL);
      if (entry != NULL)
        {
          item->outbox_id = entry->id;
          item->http_status = entry->last_http_status;
          item->message = g_strdup (entry->last_message);
          item->attempts = entry->attempts;
          item->next_attempt_at = entry->next_attempt_at;
        }
      g_ptr_array_add (target, item);
    }
  g_ptr_array_sort (data->sent, compare_newest_first);
  group_versions (data->sent);
  group_versions (data->waiting);
  group_versions (data->refused);
  g_task_return_pointer (task, g_steal_pointer (&data), (GDestroyNotify) rs_sync_data_free);
}

void
rs_records_load_sync_async (RsStore             *store,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_load_sync_async);
  g_task_run_in_thread (task, load_sync_thread);
}

RsSyncData *
rs_records_load_sync_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
unpark_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  gint64 outbox_id = *(gint64 *) task_data;

  if (!rs_store_outbox_unpark (source_object, outbox_id, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
rs_records_unpark_async (RsStore             *store,
                         gint64               outbox_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_unpark_async);
  g_task_set_task_data (task, g_memdup2 (&outbox_id, sizeof outbox_id), g_free);
  g_task_run_in_thread (task, unpark_thread);
}

gboolean
rs_records_unpark_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the form -------------------------------------------------------------------------- */

#define HOUSEHOLD_FORM_FILE "vn_household_review.xml"

typedef struct
{
  RsForm   *form;
  RsScorer *scorer;
} FormAndScorer;

static void
form_and_scorer_free (FormAndScorer *loaded)
{
  g_clear_pointer (&loaded->form, rs_form_unref);
  g_clear_pointer (&loaded->scorer, rs_scorer_free);
  g_free (loaded);
}

static void
load_form_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const char *data_dir = task_data;
  g_autofree char *path = g_build_filename (data_dir, "forms", HOUSEHOLD_FORM_FILE, NULL);
  g_autoptr(GError) error = NULL;
  FormAndScorer *loaded = g_new0 (FormAndScorer, 1);

  loaded->form = rs_form_new_from_file (path, &error);
  if (loaded->form != NULL)
    loaded->scorer = rs_scorer_new (data_dir, &error);
  if (error != NULL)
    {
      form_and_scorer_free (loaded);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The household questionnaire cannot be loaded (%s). Reinstall "
                                 "the app or ask the district for help."), error->message);
      return;
    }
  g_task_return_pointer (task, loaded, (GDestroyNotify) form_and_scorer_free);
}

void
rs_records_load_form_async (const char          *data_dir,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_load_form_async);
  g_task_set_task_data (task, g_strdup (data_dir), g_free);
  g_task_run_in_thread (task, load_form_thread);
}

/**
 * rs_records_load_form_finish:
 * @out_scorer: (out) (transfer full): the scorer with the standards
 *
 * Returns: (transfer full): the household form.
 */
RsForm *
rs_records_load_form_finish (GAsyncResult  *result,
                             RsScorer     **out_scorer,
                             GError       **error)
{
  FormAndScorer *loaded = g_task_propagate_pointer (G_TASK (result), error);
  RsForm *form;

  if (loaded == NULL)
    return NULL;
  form = g_steal_pointer (&loaded->form);
  *out_scorer = g_steal_pointer (&loaded->scorer);
  form_and_scorer_free (loaded);
  return form;
}

/* ---- new draft -------------------------------------------------------------------------- */

typedef struct
{
  char   *form_id;
  char   *form_version;
  GBytes *xml;
  char   *assignment_id;
} DraftData;

static void
draft_data_free (DraftData *data)
{
  g_free (data->form_id);
  g_free (data->form_version);
  g_bytes_unref (data->xml);
  g_free (data->assignment_id);
  g_free (data);
}

static void
create_draft_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  DraftData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsInstanceInfo) info = rs_instance_info_parse (data->xml, NULL);
  RsRecord *record;

  record = rs_store_create_draft (source_object, data->form_id, data->form_version,
                                  info != NULL ? info->instance_id : NULL, data->xml,
                                  info != NULL ? &info->summary : NULL, data->assignment_id,
                                  &error);
  if (record == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, record, (GDestroyNotify) rs_record_free);
}

void
rs_records_create_draft_async (RsStore             *store,
                               RsForm              *form,
                               GBytes              *instance_xml,
                               const char          *assignment_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  DraftData *data = g_new0 (DraftData, 1);

  data->form_id = g_strdup (rs_form_get_id (form));
  data->form_version = g_strdup (rs_form_get_version (form));
  data->xml = g_bytes_ref (instance_xml);
  data->assignment_id = g_strdup (assignment_id);
  g_task_set_source_tag (task, rs_records_create_draft_async);
  g_task_set_task_data (task, data, (GDestroyNotify) draft_data_free);
  g_task_run_in_thread (task, create_draft_thread);
}

RsRecord *
rs_records_create_draft_finish (GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- settings kept in the database ----------------------------------------------------- */

static void
set_setting_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  char **pair = task_data;
  g_autoptr(GError) error = NULL;

  if (!rs_store_set_setting (source_object, pair[0], pair[1], &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
rs_records_set_setting_async (RsStore             *store,
                              const char          *key,
                              const char          *value,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  char **pair = g_new0 (char *, 3);

  pair[0] = g_strdup (key);
  pair[1] = g_strdup (value);
  g_task_set_source_tag (task, rs_records_set_setting_async);
  g_task_set_task_data (task, pair, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, set_setting_thread);
}

gboolean
rs_records_set_setting_finish (GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_setting_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  char *value = rs_store_get_setting (source_object, task_data, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value != NULL ? value : g_strdup (""), g_free);
}

void
rs_records_get_setting_async (RsStore             *store,
                              const char          *key,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_get_setting_async);
  g_task_set_task_data (task, g_strdup (key), g_free);
  g_task_run_in_thread (task, get_setting_thread);
}

/**
 * rs_records_get_setting_finish:
 *
 * Returns: (transfer full): the value, "" when it was never set.
 */
char *
rs_records_get_setting_finish (GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- reopening -------------------------------------------------------------------------- */

static void
reopen_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  RsRecord *record = rs_store_reopen_draft (source_object, task_data, 0, &error);

  if (record == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, record, (GDestroyNotify) rs_record_free);
}

void
rs_records_reopen_async (RsStore             *store,
                         const char          *instance_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_reopen_async);
  g_task_set_task_data (task, g_strdup (instance_id), g_free);
  g_task_run_in_thread (task, reopen_thread);
}

RsRecord *
rs_records_reopen_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- a new version of a sent record ---------------------------------------------------- */

typedef struct
{
  char   *sent_instance_id;
  GBytes *new_xml;
  char   *score_json;
} EditSent;

static void
edit_sent_free (EditSent *edit)
{
  g_free (edit->sent_instance_id);
  g_bytes_unref (edit->new_xml);
  g_free (edit->score_json);
  g_free (edit);
}

static void
edit_sent_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  EditSent *edit = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsInstanceInfo) info = rs_instance_info_parse (edit->new_xml, NULL);
  RsRecord *record = rs_store_edit_sent (source_object, edit->sent_instance_id, edit->new_xml,
                                         edit->score_json, info != NULL ? &info->summary : NULL,
                                         &error);

  if (record == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, record, (GDestroyNotify) rs_record_free);
}

void
rs_records_edit_sent_async (RsStore             *store,
                            const char          *sent_instance_id,
                            GBytes              *new_xml,
                            const char          *score_json,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  EditSent *edit = g_new0 (EditSent, 1);

  edit->sent_instance_id = g_strdup (sent_instance_id);
  edit->new_xml = g_bytes_ref (new_xml);
  edit->score_json = g_strdup (score_json);
  g_task_set_source_tag (task, rs_records_edit_sent_async);
  g_task_set_task_data (task, edit, (GDestroyNotify) edit_sent_free);
  g_task_run_in_thread (task, edit_sent_thread);
}

RsRecord *
rs_records_edit_sent_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- one record ------------------------------------------------------------------------- */

static void
get_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  RsRecord *record = rs_store_get_record (source_object, task_data, &error);

  if (record == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, record, (GDestroyNotify) rs_record_free);
}

void
rs_records_get_async (RsStore             *store,
                      const char          *instance_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_get_async);
  g_task_set_task_data (task, g_strdup (instance_id), g_free);
  g_task_run_in_thread (task, get_thread);
}

RsRecord *
rs_records_get_finish (GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
get_version_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsRecord) record = rs_store_get_record (source_object, task_data, &error);
  g_autoptr(RsRecord) newer = NULL;
  RsRecordVersion *version;

  if (record == NULL)
    {
      if (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND))
        g_task_return_new_error (task, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND,
                                 _("This household record is no longer on the tablet."));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (record->superseded_by != NULL)
    newer = rs_store_get_record (source_object, record->superseded_by, NULL);
  version = g_new0 (RsRecordVersion, 1);
  describe_version (record, newer, version);
  g_task_return_pointer (task, version, g_free);
}

/**
 * rs_records_get_version_async:
 * @instance_id: the record
 *
 * Numbers the record among the versions of its household, as the sync page does.
 */
void
rs_records_get_version_async (RsStore             *store,
                              const char          *instance_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, rs_records_get_version_async);
  g_task_set_task_data (task, g_strdup (instance_id), g_free);
  g_task_run_in_thread (task, get_version_thread);
}

gboolean
rs_records_get_version_finish (GAsyncResult     *result,
                               RsRecordVersion  *out_version,
                               GError          **error)
{
  g_autofree RsRecordVersion *version = g_task_propagate_pointer (G_TASK (result), error);

  if (version == NULL)
    return FALSE;
  if (out_version != NULL)
    *out_version = *version;
  return TRUE;
}
