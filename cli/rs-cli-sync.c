/* rs-cli-sync.c: `rasoat-cli --db PATH sync --server URL`: one sync run, one line per record.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "rs-cli.h"
#include "rs-store.h"
#include "rs-sync-engine.h"

static const char *
result_label (RsRetryAction action)
{
  switch (action)
    {
    case RS_RETRY_ACTION_SUCCESS: return "sent";
    case RS_RETRY_ACTION_PARK: return "parked";
    case RS_RETRY_ACTION_RETRY: return "retry";
    case RS_RETRY_ACTION_STOP_REAUTH: return "auth";
    case RS_RETRY_ACTION_STOP_SECURITY: return "security";
    case RS_RETRY_ACTION_STOP_CONFIG: return "config";
    default: return "unknown";
    }
}

/* Fault injection for the exactly-once tests: die after the Nth verified acknowledgement, before
 * the tablet commits it (RASOAT_SYNC_KILL_AFTER_ACK=N). */
static void
kill_after_ack (const char *instance_id,
                gpointer    user_data)
{
  guint *remaining = user_data;

  if (--(*remaining) == 0)
    {
      fflush (stdout);
      kill (getpid (), SIGKILL);
    }
}

int
rs_cli_sync (RsCliContext  *ctx,
             int            argc,
             char         **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;
  g_autofree char *token = NULL;
  g_autofree char *device_id = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *ca_file = NULL;
  int connect_timeout_ms = 0;
  int timeout_ms = 0;
  int low_speed_time = 0;
  int retry_base_ms = -1;
  gboolean due_only = FALSE;
  gboolean update_forms = FALSE;
  g_auto(GStrv) communes = NULL;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("District server address"), "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("User name (Digest authentication)"), "U" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password,
      N_("Password (or set RASOAT_SYNC_PASSWORD)"), "P" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, N_("Device token instead of a password"), "T" },
    { "device-id", 0, 0, G_OPTION_ARG_STRING, &device_id,
      N_("Device id sent to the server (default: the database's)"), "ID" },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &pin,
      N_("Pinned server public key: sha256//BASE64[;sha256//…] or a key file"), "PIN" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("CA certificates to trust"), "FILE" },
    { "connect-timeout-ms", 0, 0, G_OPTION_ARG_INT, &connect_timeout_ms,
      N_("Connection timeout (default 20000)"), "MS" },
    { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
      N_("Longest time for one request (default 300000)"), "MS" },
    { "low-speed-time", 0, 0, G_OPTION_ARG_INT, &low_speed_time,
      N_("Give up after this many seconds below 100 bytes/s (default 60)"), "S" },
    { "retry-base-ms", 0, 0, G_OPTION_ARG_INT, &retry_base_ms,
      N_("First retry delay (default 2000)"), "MS" },
    { "update-forms", 0, 0, G_OPTION_ARG_NONE, &update_forms,
      N_("Also download new form versions from the server"), NULL },
    { "assignments", 0, 0, G_OPTION_ARG_STRING_ARRAY, &communes,
      N_("Also download the households to visit in this commune (repeatable)"), "CODE" },
    { "due-only", 0, 0, G_OPTION_ARG_NONE, &due_only,
      N_("Send only records whose retry time has come (like an automatic sync)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = NULL;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  RsOpenRosaLimits limits;
  RsRetryPolicy policy;
  guint kill_countdown = 0;
  int status;
  const char *env;

  g_option_context_set_summary (options, _("Sends the finalized records to the district server."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      rs_cli_error ("%s", error->message);
      return 2;
    }
  if (ctx->db_path == NULL || server == NULL)
    {
      rs_cli_error (_("sync needs --db PATH and --server URL"));
      return 2;
    }
  {
    g_autoptr(RsOpenRosaClient) check = rs_openrosa_client_new (server, &error);

    if (check == NULL)
      {
        rs_cli_error ("%s", error->message);
        return 2;
      }
  }
  if (password == NULL && user != NULL)
    password = g_strdup (g_getenv ("RASOAT_SYNC_PASSWORD"));
  if (user != NULL && password == NULL)
    {
      rs_cli_error (_("--user needs --password (or RASOAT_SYNC_PASSWORD)"));
      return 2;
    }

  store = rs_store_new (ctx->db_path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  if (store == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }

  engine = rs_sync_engine_new (store, server);
  if (user != NULL)
    rs_sync_engine_set_credentials (engine, user, password);
  if (token != NULL)
    rs_sync_engine_set_token (engine, token);
  if (device_id != NULL)
    rs_sync_engine_set_device_id (engine, device_id);
  rs_sync_engine_set_pinned_key (engine, pin);
  rs_sync_engine_set_ca_file (engine, ca_file);

  rs_openrosa_limits_init_default (&limits);
  if (connect_timeout_ms > 0)
    limits.connect_timeout_ms = connect_timeout_ms;
  if (timeout_ms > 0)
    limits.total_timeout_ms = timeout_ms;
  if (low_speed_time > 0)
    limits.low_speed_time_s = low_speed_time;
  rs_sync_engine_set_limits (engine, &limits);
  rs_retry_policy_init_default (&policy);
  if (retry_base_ms >= 0)
    policy.base_ms = retry_base_ms;
  rs_sync_engine_set_retry_policy (engine, &policy);

  env = g_getenv ("RASOAT_SYNC_KILL_AFTER_ACK");
  if (env != NULL && (kill_countdown = (guint) g_ascii_strtoull (env, NULL, 10)) > 0)
    rs_sync_engine_set_ack_hook (engine, kill_after_ack, &kill_countdown);

  report = rs_sync_engine_run (engine, due_only ? RS_SYNC_RUN_AUTOMATIC : RS_SYNC_RUN_MANUAL,
                               NULL, &error);
  if (report == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }

  for (guint i = 0; i < report->items->len; i++)
    {
      RsSyncItem *item = g_ptr_array_index (report->items, i);

      printf ("%s\t%s\t%ld\t%s\n", item->instance_id, result_label (item->action),
              item->http_status, item->message != NULL ? item->message : "");
    }
  if (report->stopped != RS_RETRY_ACTION_SUCCESS)
    {
      g_autoptr(GString) line = g_string_new (rs_retry_reason_describe (report->stop_reason));

      if (report->stop_http_status > 0)
        g_string_append_printf (line, " (HTTP %ld)", report->stop_http_status);
      if (report->stop_message != NULL)
        g_string_append_printf (line, " %s", report->stop_message);
      fflush (stdout);
      fprintf (stderr, "%s\n", line->str);
    }
  printf (_("%u waiting, %u sent, %u parked, %u to retry, %u not tried\n"), report->n_waiting,
          report->n_sent, report->n_parked, report->n_retry, report->n_not_tried);
  status = rs_sync_report_all_acknowledged (report) ? 0 : 1;

  /* Records parked by earlier runs are not acknowledged either. */
  {
    RsOutboxCounts counts = { 0, };

    if (!rs_store_outbox_counts (store, &counts, &error))
      {
        rs_cli_error ("%s", error->message);
        g_clear_error (&error);
        status = 1;
      }
    else if (counts.parked > 0 || counts.queued > 0 || counts.sending > 0)
      {
        printf (_("Still on the tablet: %u waiting, %u parked (refused by the server; see "
                  "rasoat-cli list --state rejected)\n"), counts.queued + counts.sending,
                counts.parked);
        status = 1;
      }
  }

  if (update_forms)
    {
      guint n = 0;

      if (rs_sync_engine_update_forms (engine, NULL, &n, &error))
        printf (_("%u forms updated\n"), n);
      else
        {
          rs_cli_error ("%s", error->message);
          g_clear_error (&error);
          status = 1;
        }
    }
  if (communes != NULL)
    {
      guint n = 0;

      if (rs_sync_engine_update_assignments (engine, (const char * const *) communes, NULL, &n,
                                             &error))
        printf (_("%u households to visit\n"), n);
      else
        {
          rs_cli_error ("%s", error->message);
          g_clear_error (&error);
          status = 1;
        }
    }
  return status;
}
