/* rs-sync-engine.c: the outbox relay: HEAD, then one POST per record, each outcome made durable.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-sync-engine.h"

G_DEFINE_QUARK (rs-sync-error-quark, rs_sync_error)

/* Records fetched per run; a tablet holds a few hundred at most. */
#define MAX_RECORDS_PER_RUN 100000
/* Consecutive record-level server errors (500) after which the run stops: the server is sick. */
#define MAX_CONSECUTIVE_SERVER_ERRORS 3
/* Timer bounds for automatic runs. */
#define MIN_WAKEUP_MS 1000

struct _RsSyncEngine
{
  GObject           parent_instance;

  RsStore          *store;
  char             *server_url;
  char             *username;
  char             *password;
  char             *token;
  char             *device_id;
  char             *pinned_key;
  char             *ca_file;
  RsOpenRosaLimits  limits;
  RsRetryPolicy     policy;
  RsSyncAckHook     ack_hook;
  gpointer          ack_hook_data;

  GMainContext     *context;   /* where signals are emitted */
  gint              running;   /* atomic */

  gboolean          automatic;
  gboolean          suspended; /* after an authentication or security stop */
  guint             failed_runs;
  GNetworkMonitor  *monitor;
  gulong            network_changed_id;
  guint             timer_id;
  gboolean          queued_while_running;
  GCancellable     *auto_cancellable;
};

G_DEFINE_FINAL_TYPE (RsSyncEngine, rs_sync_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SERVER_URL,
  PROP_RUNNING,
  PROP_AUTOMATIC,
  N_PROPS
};

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_RECORD_FINISHED,
  SIGNAL_RUN_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_timer (RsSyncEngine *self,
                            gint64        wake_at);
typedef struct _RunConfig RunConfig;
static RsOpenRosaClient *client_from_config (const RunConfig  *config,
                                             GError          **error);

void
rs_sync_item_free (RsSyncItem *item)
{
  if (item == NULL)
    return;
  g_free (item->instance_id);
  g_free (item->message);
  g_free (item);
}

void
rs_sync_report_free (RsSyncReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->items, g_ptr_array_unref);
  g_free (report->stop_message);
  g_free (report);
}

gboolean
rs_sync_report_all_acknowledged (const RsSyncReport *report)
{
  return report != NULL && report->n_sent == report->n_waiting
         && report->stopped == RS_RETRY_ACTION_SUCCESS;
}

/* ---- signals across threads ------------------------------------------------------------- */

typedef struct
{
  RsSyncEngine *self;
  guint         signal_id;
  guint         done;
  guint         total;
  RsSyncItem   *item;
  char         *instance_id;
} Emission;

static gboolean
emit_in_context (gpointer data)
{
  Emission *e = data;

  if (e->signal_id == signals[SIGNAL_PROGRESS])
    g_signal_emit (e->self, e->signal_id, 0, e->done, e->total, e->instance_id);
  else if (e->signal_id == signals[SIGNAL_RECORD_FINISHED])
    g_signal_emit (e->self, e->signal_id, 0, e->item->instance_id, (int) e->item->action,
                   (int) e->item->http_status, e->item->message);
  return G_SOURCE_REMOVE;
}

static void
emission_free (gpointer data)
{
  Emission *e = data;

  g_object_unref (e->self);
  rs_sync_item_free (e->item);
  g_free (e->instance_id);
  g_free (e);
}

static void
emit_progress (RsSyncEngine *self,
               guint         done,
               guint         total,
               const char   *instance_id)
{
  Emission *e = g_new0 (Emission, 1);

  e->self = g_object_ref (self);
  e->signal_id = signals[SIGNAL_PROGRESS];
  e->done = done;
  e->total = total;
  e->instance_id = g_strdup (instance_id);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_in_context, e,
                              emission_free);
}

static void
emit_record_finished (RsSyncEngine     *self,
                      const RsSyncItem *item)
{
  Emission *e = g_new0 (Emission, 1);

  e->self = g_object_ref (self);
  e->signal_id = signals[SIGNAL_RECORD_FINISHED];
  e->item = g_new0 (RsSyncItem, 1);
  *e->item = *item;
  e->item->instance_id = g_strdup (item->instance_id);
  e->item->message = g_strdup (item->message);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_in_context, e,
                              emission_free);
}

/* ---- one run ------------------------------------------------------------------------------ */

struct _RunConfig
{
  RsSyncRunMode     mode;
  char             *server_url;
  char             *username;
  char             *password;
  char             *token;
  char             *device_id;
  char             *pinned_key;
  char             *ca_file;
  RsOpenRosaLimits  limits;
  RsRetryPolicy     policy;
};

static void
run_config_free (RunConfig *config)
{
  g_free (config->server_url);
  g_free (config->username);
  g_free (config->password);
  g_free (config->token);
  g_free (config->device_id);
  g_free (config->pinned_key);
  g_free (config->ca_file);
  g_free (config);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunConfig, run_config_free)

static RunConfig *
run_config_new (RsSyncEngine  *self,
                RsSyncRunMode  mode)
{
  RunConfig *config = g_new0 (RunConfig, 1);

  config->mode = mode;
  config->server_url = g_strdup (self->server_url);
  config->username = g_strdup (self->username);
  config->password = g_strdup (self->password);
  config->token = g_strdup (self->token);
  config->device_id = g_strdup (self->device_id);
  config->pinned_key = g_strdup (self->pinned_key);
  config->ca_file = g_strdup (self->ca_file);
  config->limits = self->limits;
  config->policy = self->policy;
  return config;
}

static gint64
now_us (void)
{
  return g_get_real_time ();
}

static char *
result_message (const RsOpenRosaResult *result)
{
  if (result->message != NULL && *result->message != '\0')
    return g_strdup (result->message);
  if (result->curl_error != NULL)
    return g_strdup (result->curl_error);
  return NULL;
}

static gboolean
store_failed (GError **error,
              GError  *store_error)
{
  g_set_error (error, RS_SYNC_ERROR, RS_SYNC_ERROR_STORE,
               _("The tablet database failed during sync (%s). Records already acknowledged are "
                 "safe; sync again later."), store_error->message);
  g_error_free (store_error);
  return FALSE;
}

static void
set_stop (RsSyncReport          *report,
          const RsRetryDecision *decision,
          long                   http_status,
          const char            *message)
{
  report->stopped = decision->action == RS_RETRY_ACTION_RETRY ? RS_RETRY_ACTION_RETRY
                                                              : decision->action;
  report->stop_reason = decision->reason;
  report->stop_http_status = http_status;
  g_free (report->stop_message);
  report->stop_message = g_strdup (message);
}

/* Earliest time a waiting record is due again (0 if none): for the automatic timer. */
static gint64
earliest_wakeup (RsStore  *store,
                 GError  **error)
{
  g_autoptr(GPtrArray) waiting = NULL;
  gint64 earliest = 0;

  waiting = rs_store_outbox_next_due (store, G_MAXINT64, MAX_RECORDS_PER_RUN, error);
  if (waiting == NULL)
    return -1;
  for (guint i = 0; i < waiting->len; i++)
    {
      RsOutboxEntry *entry = g_ptr_array_index (waiting, i);
      gint64 at = MAX (entry->next_attempt_at, 1);

      if (earliest == 0 || at < earliest)
        earliest = at;
    }
  return earliest;
}

static RsSyncReport *
run_blocking (RsSyncEngine    *self,
              const RunConfig *config,
              GCancellable    *cancellable,
              gint64          *next_wakeup_at,
              GError         **error)
{
  g_autoptr(RsSyncReport) report = g_new0 (RsSyncReport, 1);
  g_autoptr(RsOpenRosaClient) client = NULL;
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autofree char *head_message = NULL;
  GError *local_error = NULL;
  RsRetryInput input;
  RsRetryDecision decision;
  guint consecutive_server_errors = 0;
  guint i;

  report->items = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_sync_item_free);
  report->stopped = RS_RETRY_ACTION_SUCCESS;
  *next_wakeup_at = 0;

  due = rs_store_outbox_next_due (self->store,
                                  config->mode == RS_SYNC_RUN_MANUAL ? G_MAXINT64 : now_us (),
                                  MAX_RECORDS_PER_RUN, &local_error);
  if (due == NULL)
    {
      store_failed (error, local_error);
      return NULL;
    }
  report->n_waiting = due->len;
  if (due->len == 0)
    {
      *next_wakeup_at = earliest_wakeup (self->store, NULL);
      return g_steal_pointer (&report);
    }

  client = client_from_config (config, &local_error);
  if (client == NULL)
    {
      RsRetryDecision bad = { RS_RETRY_ACTION_STOP_CONFIG, RS_RETRY_REASON_BAD_ADDRESS, 0, TRUE };

      set_stop (report, &bad, 0, local_error->message);
      report->n_not_tried = due->len;
      rs_store_sync_log_add (self->store, NULL, "stop-config", 0, local_error->message, NULL);
      g_error_free (local_error);
      return g_steal_pointer (&report);
    }

  /* Pre-flight: authentication, TLS and captive portals before any record is touched. */
  head = rs_openrosa_client_preflight (client, cancellable);
  rs_openrosa_result_to_retry_input (head, self->failed_runs + 1, &input);
  decision = rs_retry_policy_decide (&config->policy, &input);
  if (decision.action != RS_RETRY_ACTION_SUCCESS)
    {
      head_message = result_message (head);
      set_stop (report, &decision, head->http_status, head_message);
      if (head_message == NULL)
        head_message = g_strdup (rs_retry_reason_to_string (decision.reason));
      report->n_not_tried = due->len;
      if (!rs_store_sync_log_add (self->store, NULL, rs_retry_action_to_string (decision.action),
                                  (int) head->http_status, head_message, &local_error))
        {
          store_failed (error, local_error);
          return NULL;
        }
      *next_wakeup_at = decision.action == RS_RETRY_ACTION_RETRY
                        ? now_us () + decision.delay_ms * 1000 : 0;
      return g_steal_pointer (&report);
    }

  for (i = 0; i < due->len; i++)
    {
      RsOutboxEntry *entry = g_ptr_array_index (due, i);
      g_autoptr(RsOpenRosaResult) result = NULL;
      g_autoptr(RsSyncItem) item = NULL;
      gboolean ok;

      if (g_cancellable_is_cancelled (cancellable))
        {
          RsRetryDecision cancelled = { RS_RETRY_ACTION_RETRY, RS_RETRY_REASON_CANCELLED, 0,
                                        TRUE };

          set_stop (report, &cancelled, 0, NULL);
          break;
        }

      emit_progress (self, i, due->len, entry->instance_id);

      /* Durably "sending" before a byte leaves: a crash from here on resends, never loses. */
      if (!rs_store_outbox_mark_sending (self->store, entry->id, &local_error))
        {
          store_failed (error, local_error);
          return NULL;
        }

      result = rs_openrosa_client_submit (client, entry->payload, NULL, cancellable);
      rs_openrosa_result_to_retry_input (result, entry->attempts + 1, &input);
      decision = rs_retry_policy_decide (&config->policy, &input);

      item = g_new0 (RsSyncItem, 1);
      item->instance_id = g_strdup (entry->instance_id);
      item->action = decision.action;
      item->reason = decision.reason;
      item->http_status = result->http_status;
      item->message = result_message (result);

      switch (decision.action)
        {
        case RS_RETRY_ACTION_SUCCESS:
          if (self->ack_hook != NULL)
            self->ack_hook (entry->instance_id, self->ack_hook_data);
          ok = rs_store_outbox_mark_sent (self->store, entry->id, (int) result->http_status,
                                          item->message, &local_error);
          report->n_sent++;
          consecutive_server_errors = 0;
          break;

        case RS_RETRY_ACTION_PARK:
          ok = rs_store_outbox_park (self->store, entry->id, (int) result->http_status,
                                     item->message, &local_error);
          report->n_parked++;
          consecutive_server_errors = 0;
          break;

        case RS_RETRY_ACTION_RETRY:
          /* A cancelled record did nothing wrong: due again at once. */
          item->next_attempt_at = decision.reason == RS_RETRY_REASON_CANCELLED
                                  ? 0 : now_us () + decision.delay_ms * 1000;
          ok = rs_store_outbox_reschedule (self->store, entry->id, item->next_attempt_at,
                                           (int) result->http_status, item->message,
                                           &local_error);
          report->n_retry++;
          if (decision.reason == RS_RETRY_REASON_SERVER_ERROR)
            consecutive_server_errors++;
          break;

        case RS_RETRY_ACTION_STOP_REAUTH:
        case RS_RETRY_ACTION_STOP_SECURITY:
        case RS_RETRY_ACTION_STOP_CONFIG:
        default:
          /* Not this record's fault: back in the queue as it was, due now. */
          item->next_attempt_at = 0;
          ok = rs_store_outbox_reschedule (self->store, entry->id, 0, (int) result->http_status,
                                           item->message, &local_error);
          break;
        }
      if (ok)
        {
          const char *logged = item->message != NULL ? item->message
                                                     : rs_retry_reason_to_string (item->reason);

          ok = rs_store_sync_log_add (self->store, entry->instance_id,
                                      rs_retry_action_to_string (decision.action),
                                      (int) result->http_status, logged, &local_error);
        }
      if (!ok)
        {
          store_failed (error, local_error);
          return NULL;
        }

      emit_record_finished (self, item);
      g_ptr_array_add (report->items, g_steal_pointer (&item));

      if (decision.stop_batch
          || consecutive_server_errors >= MAX_CONSECUTIVE_SERVER_ERRORS)
        {
          g_autofree char *message = result_message (result);

          if (decision.action == RS_RETRY_ACTION_SUCCESS || decision.action == RS_RETRY_ACTION_PARK)
            decision.action = RS_RETRY_ACTION_RETRY;
          set_stop (report, &decision, result->http_status, message);
          i++;
          break;
        }
    }
  report->n_not_tried = due->len - MIN (i, due->len);
  if (report->stopped == RS_RETRY_ACTION_SUCCESS)
    emit_progress (self, due->len, due->len, NULL);

  *next_wakeup_at = earliest_wakeup (self->store, NULL);
  return g_steal_pointer (&report);
}

static gboolean
try_begin (RsSyncEngine  *self,
           GError       **error)
{
  if (!g_atomic_int_compare_and_exchange (&self->running, 0, 1))
    {
      g_set_error_literal (error, RS_SYNC_ERROR, RS_SYNC_ERROR_BUSY,
                           _("Sync is already running. Wait for it to finish."));
      return FALSE;
    }
  return TRUE;
}

static void
note_outcome (RsSyncEngine       *self,
              const RsSyncReport *report)
{
  if (report == NULL)
    return;
  if (report->stopped == RS_RETRY_ACTION_STOP_REAUTH
      || report->stopped == RS_RETRY_ACTION_STOP_SECURITY
      || report->stopped == RS_RETRY_ACTION_STOP_CONFIG)
    self->suspended = TRUE;
  else if (report->stopped == RS_RETRY_ACTION_SUCCESS)
    {
      self->suspended = FALSE;
      self->failed_runs = 0;
    }
  else if (report->items->len == 0)
    self->failed_runs++;
  else
    self->failed_runs = 0;
}

RsSyncReport *
rs_sync_engine_run (RsSyncEngine   *self,
                    RsSyncRunMode   mode,
                    GCancellable   *cancellable,
                    GError        **error)
{
  g_autoptr(RunConfig) config = NULL;
  RsSyncReport *report;
  gint64 wakeup = 0;

  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), NULL);

  if (!try_begin (self, error))
    return NULL;
  config = run_config_new (self, mode);
  report = run_blocking (self, config, cancellable, &wakeup, error);
  note_outcome (self, report);
  g_atomic_int_set (&self->running, 0);
  if (report != NULL)
    g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, report);
  return report;
}

typedef struct
{
  RunConfig    *config;
  gint64        wakeup;
} AsyncRun;

static void
async_run_free (AsyncRun *run)
{
  run_config_free (run->config);
  g_free (run);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RsSyncEngine *self = source_object;
  AsyncRun *run = task_data;
  GError *error = NULL;
  RsSyncReport *report = run_blocking (self, run->config, cancellable, &run->wakeup, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) rs_sync_report_free);
}

void
rs_sync_engine_run_async (RsSyncEngine        *self,
                          RsSyncRunMode        mode,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  AsyncRun *run;

  g_return_if_fail (RS_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rs_sync_engine_run_async);
  /* A cancelled run still returns its report (what was sent before the cancel). */
  g_task_set_check_cancellable (task, FALSE);
  if (!try_begin (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  run = g_new0 (AsyncRun, 1);
  run->config = run_config_new (self, mode);
  g_task_set_task_data (task, run, (GDestroyNotify) async_run_free);
  g_task_run_in_thread (task, run_thread);
}

RsSyncReport *
rs_sync_engine_run_finish (RsSyncEngine  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  RsSyncReport *report;
  AsyncRun *run;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  run = g_task_get_task_data (G_TASK (result));
  report = g_task_propagate_pointer (G_TASK (result), error);
  /* Still "running" until here, so runs never overlap even if the caller is slow. */
  if (g_atomic_int_compare_and_exchange (&self->running, 1, 0))
    {
      note_outcome (self, report);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      if (report != NULL)
        g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, report);
      if (self->automatic && !self->suspended)
        {
          gint64 wakeup = run != NULL ? run->wakeup : 0;

          if (self->queued_while_running)
            wakeup = now_us ();
          schedule_timer (self, wakeup);
        }
      self->queued_while_running = FALSE;
    }
  return report;
}

/* ---- forms and assignments ------------------------------------------------------------------- */

static RsOpenRosaClient *
client_from_config (const RunConfig  *config,
                    GError          **error)
{
  RsOpenRosaClient *client = rs_openrosa_client_new (config->server_url, error);

  if (client == NULL)
    return NULL;
  if (config->username != NULL)
    rs_openrosa_client_set_credentials (client, config->username, config->password);
  if (config->token != NULL)
    rs_openrosa_client_set_token (client, config->token);
  if (config->device_id != NULL)
    rs_openrosa_client_set_device_id (client, config->device_id);
  rs_openrosa_client_set_pinned_key (client, config->pinned_key);
  rs_openrosa_client_set_ca_file (client, config->ca_file);
  rs_openrosa_client_set_limits (client, &config->limits);
  return client;
}

static gboolean
form_is_current (RsStore                  *store,
                 const RsOpenRosaFormInfo *info)
{
  g_autofree char *version = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GBytes) xml = rs_store_get_form (store, info->form_id, info->version, &version, &hash,
                                             NULL);

  if (xml == NULL)
    return FALSE;
  return info->hash == NULL || (hash != NULL && g_ascii_strcasecmp (hash, info->hash) == 0);
}

static gboolean
update_forms (RsSyncEngine     *self,
              const RunConfig  *config,
              GCancellable     *cancellable,
              guint            *n_updated,
              GError          **error)
{
  g_autoptr(RsOpenRosaClient) client = client_from_config (config, error);
  g_autoptr(GPtrArray) forms = NULL;
  guint updated = 0;

  if (client == NULL)
    return FALSE;
  forms = rs_openrosa_client_fetch_form_list (client, cancellable, error);
  if (forms == NULL)
    return FALSE;

  for (guint i = 0; i < forms->len; i++)
    {
      RsOpenRosaFormInfo *info = g_ptr_array_index (forms, i);
      g_autoptr(GBytes) xml = NULL;
      GError *local_error = NULL;

      if (form_is_current (self->store, info))
        continue;
      xml = rs_openrosa_client_download (client, info->download_url, cancellable, error);
      if (xml == NULL)
        return FALSE;
      if (info->hash != NULL && g_str_has_prefix (info->hash, "md5:"))
        {
          g_autofree char *md5 = g_compute_checksum_for_bytes (G_CHECKSUM_MD5, xml);

          if (g_ascii_strcasecmp (md5, info->hash + 4) != 0)
            {
              g_set_error (error, RS_SYNC_ERROR, RS_SYNC_ERROR_DOWNLOAD,
                           _("The form “%s” arrived damaged. Try the update again."),
                           info->name != NULL ? info->name : info->form_id);
              return FALSE;
            }
        }
      if (!rs_store_put_form (self->store, info->form_id,
                              info->version != NULL ? info->version : "", xml, &local_error))
        return store_failed (error, local_error);
      updated++;
    }
  if (n_updated != NULL)
    *n_updated = updated;
  return TRUE;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
update_assignments (RsSyncEngine        *self,
                    const RunConfig     *config,
                    const char * const  *communes,
                    GCancellable        *cancellable,
                    guint               *n_assignments,
                    GError             **error)
{
  g_autoptr(RsOpenRosaClient) client = client_from_config (config, error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);
  GError *local_error = NULL;

  if (client == NULL)
    return FALSE;
  for (guint c = 0; communes != NULL && communes[c] != NULL; c++)
    {
      g_autoptr(JsonNode) root = rs_openrosa_client_fetch_assignments (client, communes[c],
                                                                       cancellable, error);
      JsonArray *array;

      if (root == NULL)
        return FALSE;
      if (!JSON_NODE_HOLDS_ARRAY (root))
        {
          g_set_error (error, RS_SYNC_ERROR, RS_SYNC_ERROR_DOWNLOAD,
                       _("The server's assignment list for commune %s is not a list. Check the "
                         "server address."), communes[c]);
          return FALSE;
        }
      array = json_node_get_array (root);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          JsonObject *object;
          const char *commune;
          const char *household;
          g_autofree char *id = NULL;
          g_autofree char *prefill = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          object = json_node_get_object (node);
          household = member_string (object, "householdCode");
          if (household == NULL || *household == '\0')
            continue;
          commune = member_string (object, "communeCode");
          id = g_strdup_printf ("%s/%s", commune != NULL ? commune : communes[c], household);
          prefill = json_to_string (node, FALSE);
          g_ptr_array_add (rows, rs_assignment_new (id, member_string (object, "village"),
                                                    household, member_string (object, "headName"),
                                                    member_string (object, "previousStatus"),
                                                    prefill));
        }
    }
  if (!rs_store_replace_assignments (self->store, rows, &local_error))
    return store_failed (error, local_error);
  if (n_assignments != NULL)
    *n_assignments = rows->len;
  return TRUE;
}

gboolean
rs_sync_engine_update_forms (RsSyncEngine  *self,
                             GCancellable  *cancellable,
                             guint         *n_updated,
                             GError       **error)
{
  g_autoptr(RunConfig) config = NULL;

  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), FALSE);
  config = run_config_new (self, RS_SYNC_RUN_MANUAL);
  return update_forms (self, config, cancellable, n_updated, error);
}

gboolean
rs_sync_engine_update_assignments (RsSyncEngine        *self,
                                   const char * const  *communes,
                                   GCancellable        *cancellable,
                                   guint               *n_assignments,
                                   GError             **error)
{
  g_autoptr(RunConfig) config = NULL;

  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), FALSE);
  config = run_config_new (self, RS_SYNC_RUN_MANUAL);
  return update_assignments (self, config, communes, cancellable, n_assignments, error);
}

typedef struct
{
  RunConfig  *config;
  char      **communes;  /* NULL: forms */
  guint       count;
} UpdateTask;

static void
update_task_free (UpdateTask *update)
{
  run_config_free (update->config);
  g_strfreev (update->communes);
  g_free (update);
}

static void
update_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RsSyncEngine *self = source_object;
  UpdateTask *update = task_data;
  GError *error = NULL;
  gboolean ok;

  if (update->communes != NULL)
    ok = update_assignments (self, update->config, (const char * const *) update->communes,
                             cancellable, &update->count, &error);
  else
    ok = update_forms (self, update->config, cancellable, &update->count, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
start_update (RsSyncEngine        *self,
              const char * const  *communes,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  UpdateTask *update = g_new0 (UpdateTask, 1);

  g_task_set_source_tag (task, source_tag);
  update->config = run_config_new (self, RS_SYNC_RUN_MANUAL);
  update->communes = communes != NULL ? g_strdupv ((char **) communes) : NULL;
  g_task_set_task_data (task, update, (GDestroyNotify) update_task_free);
  g_task_run_in_thread (task, update_thread);
}

static gboolean
finish_update (RsSyncEngine  *self,
               GAsyncResult  *result,
               guint         *count,
               GError       **error)
{
  UpdateTask *update;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  update = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (count != NULL)
    *count = update->count;
  return TRUE;
}

void
rs_sync_engine_update_forms_async (RsSyncEngine        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  start_update (self, NULL, rs_sync_engine_update_forms_async, cancellable, callback, user_data);
}

gboolean
rs_sync_engine_update_forms_finish (RsSyncEngine  *self,
                                    GAsyncResult  *result,
                                    guint         *n_updated,
                                    GError       **error)
{
  return finish_update (self, result, n_updated, error);
}

void
rs_sync_engine_update_assignments_async (RsSyncEngine        *self,
                                         const char * const  *communes,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  g_return_if_fail (communes != NULL);
  start_update (self, communes, rs_sync_engine_update_assignments_async, cancellable, callback,
                user_data);
}

gboolean
rs_sync_engine_update_assignments_finish (RsSyncEngine  *self,
                                          GAsyncResult  *result,
                                          guint         *n_assignments,
                                          GError       **error)
{
  return finish_update (self, result, n_assignments, error);
}

/* ---- automatic runs ------------------------------------------------------------------------- */

static void
on_automatic_run_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  RsSyncEngine *self = RS_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsSyncReport) report = rs_sync_engine_run_finish (self, result, &error);

  if (report == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("automatic sync failed: %s", error->message);
}

static void
start_automatic_run (RsSyncEngine *self)
{
  /* No check of g_network_monitor_get_network_available(): it says FALSE without a default
   * route, yet the server may be on the local network; a failed connect costs nothing. */
  if (!self->automatic || self->suspended || rs_sync_engine_is_running (self))
    return;
  rs_sync_engine_run_async (self, RS_SYNC_RUN_AUTOMATIC, self->auto_cancellable,
                            on_automatic_run_done, NULL);
}

static gboolean
on_timer (gpointer user_data)
{
  RsSyncEngine *self = user_data;

  self->timer_id = 0;
  start_automatic_run (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_timer (RsSyncEngine *self,
                gint64        wake_at)
{
  gint64 delay_ms;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (wake_at <= 0)
    return;
  delay_ms = (wake_at - now_us ()) / 1000;
  delay_ms = CLAMP (delay_ms, MIN_WAKEUP_MS, self->policy.cap_ms);
  self->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, (guint) delay_ms, on_timer,
                                       self, NULL);
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  RsSyncEngine *self = user_data;

  /* A network-up event resets the backoff of the run (reliability.md §2.4). */
  if (available)
    {
      self->failed_runs = 0;
      start_automatic_run (self);
    }
}

void
rs_sync_engine_set_automatic (RsSyncEngine *self,
                              gboolean      automatic)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));

  automatic = !!automatic;
  if (self->automatic == automatic)
    return;
  self->automatic = automatic;
  if (automatic)
    {
      self->auto_cancellable = g_cancellable_new ();
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_changed_id = g_signal_connect (self->monitor, "network-changed",
                                                   G_CALLBACK (on_network_changed), self);
      start_automatic_run (self);
    }
  else
    {
      g_cancellable_cancel (self->auto_cancellable);
      g_clear_object (&self->auto_cancellable);
      g_clear_signal_handler (&self->network_changed_id, self->monitor);
      g_clear_object (&self->monitor);
      g_clear_handle_id (&self->timer_id, g_source_remove);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOMATIC]);
}

void
rs_sync_engine_record_queued (RsSyncEngine *self)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));

  if (!self->automatic || self->suspended)
    return;
  if (rs_sync_engine_is_running (self))
    self->queued_while_running = TRUE;
  else
    schedule_timer (self, now_us ());
}

gboolean
rs_sync_engine_get_automatic (RsSyncEngine *self)
{
  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), FALSE);
  return self->automatic;
}

/* ---- setup ----------------------------------------------------------------------------------- */

RsSyncEngine *
rs_sync_engine_new (RsStore    *store,
                    const char *server_url)
{
  RsSyncEngine *self;

  g_return_val_if_fail (RS_IS_STORE (store), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);

  self = g_object_new (RS_TYPE_SYNC_ENGINE, "server-url", server_url, NULL);
  self->store = g_object_ref (store);
  self->device_id = rs_store_dup_device_id (store, NULL);
  return self;
}

const char *
rs_sync_engine_get_server_url (RsSyncEngine *self)
{
  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), NULL);
  return self->server_url;
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
rs_sync_engine_set_credentials (RsSyncEngine *self,
                                const char   *username,
                                const char   *password)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  replace_string (&self->username, username);
  replace_string (&self->password, password);
  self->suspended = FALSE;
}

void
rs_sync_engine_set_token (RsSyncEngine *self,
                          const char   *token)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  replace_string (&self->token, token);
  self->suspended = FALSE;
}

void
rs_sync_engine_set_device_id (RsSyncEngine *self,
                              const char   *device_id)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  replace_string (&self->device_id, device_id);
}

void
rs_sync_engine_set_pinned_key (RsSyncEngine *self,
                               const char   *pinned_key)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  replace_string (&self->pinned_key, pinned_key);
}

void
rs_sync_engine_set_ca_file (RsSyncEngine *self,
                            const char   *ca_file)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  replace_string (&self->ca_file, ca_file);
}

void
rs_sync_engine_set_limits (RsSyncEngine           *self,
                           const RsOpenRosaLimits *limits)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  self->limits = *limits;
}

void
rs_sync_engine_set_retry_policy (RsSyncEngine        *self,
                                 const RsRetryPolicy *policy)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  self->policy = *policy;
}

void
rs_sync_engine_set_ack_hook (RsSyncEngine  *self,
                             RsSyncAckHook  hook,
                             gpointer       user_data)
{
  g_return_if_fail (RS_IS_SYNC_ENGINE (self));
  self->ack_hook = hook;
  self->ack_hook_data = user_data;
}

gboolean
rs_sync_engine_is_running (RsSyncEngine *self)
{
  g_return_val_if_fail (RS_IS_SYNC_ENGINE (self), FALSE);
  return g_atomic_int_get (&self->running) != 0;
}

static void
rs_sync_engine_dispose (GObject *object)
{
  RsSyncEngine *self = RS_SYNC_ENGINE (object);

  if (self->automatic)
    rs_sync_engine_set_automatic (self, FALSE);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (rs_sync_engine_parent_class)->dispose (object);
}

static void
rs_sync_engine_finalize (GObject *object)
{
  RsSyncEngine *self = RS_SYNC_ENGINE (object);

  g_free (self->server_url);
  g_free (self->username);
  g_free (self->password);
  g_free (self->token);
  g_free (self->device_id);
  g_free (self->pinned_key);
  g_free (self->ca_file);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (rs_sync_engine_parent_class)->finalize (object);
}

static void
rs_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  RsSyncEngine *self = RS_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, rs_sync_engine_is_running (self));
      break;
    case PROP_AUTOMATIC:
      g_value_set_boolean (value, self->automatic);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rs_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  RsSyncEngine *self = RS_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      replace_string (&self->server_url, g_value_get_string (value));
      break;
    case PROP_AUTOMATIC:
      rs_sync_engine_set_automatic (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rs_sync_engine_class_init (RsSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rs_sync_engine_dispose;
  object_class->finalize = rs_sync_engine_finalize;
  object_class->get_property = rs_sync_engine_get_property;
  object_class->set_property = rs_sync_engine_set_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTOMATIC] =
    g_param_spec_boolean ("automatic", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (done, total, instance_id or NULL at the end) */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);
  /* (instance_id, RsRetryAction, HTTP status, message) */
  signals[SIGNAL_RECORD_FINISHED] =
    g_signal_new ("record-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT, G_TYPE_STRING);
  /* (const RsSyncReport *), valid during the emission */
  signals[SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
rs_sync_engine_init (RsSyncEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  rs_openrosa_limits_init_default (&self->limits);
  rs_retry_policy_init_default (&self->policy);
}
