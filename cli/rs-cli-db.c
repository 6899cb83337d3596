/* rs-cli-db.c: the database commands of rasoat-cli: import, list, show, export, backup.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "rs-cli.h"
#include "rs-store.h"

static RsStore *
open_store (RsCliContext     *ctx,
            RsStoreOpenFlags  flags)
{
  g_autoptr(GError) error = NULL;
  RsStore *store;

  if (ctx->db_path == NULL)
    {
      rs_cli_error ("%s", _("no database given: use “rasoat-cli --db PATH …”"));
      return NULL;
    }
  store = rs_store_new (ctx->db_path, flags, NULL, &error);
  if (store == NULL)
    rs_cli_error ("%s", error->message);
  return store;
}

/* Parses the command's options; prints the message and returns FALSE on a usage error. */
static gboolean
parse_options (const char    *parameters,
               const char    *summary,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      rs_cli_error ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static const char *
or_dash (const char *text)
{
  return text != NULL && *text != '\0' ? text : "-";
}

int
rs_cli_import (RsCliContext  *ctx,
               int            argc,
               char         **argv)
{
  gboolean finalize = FALSE;
  GOptionEntry entries[] = {
    { "finalize", 0, 0, G_OPTION_ARG_NONE, &finalize,
      N_("Finalize each record and queue it for sending"), NULL },
    { NULL }
  };
  g_autoptr(RsStore) store = NULL;
  guint failed = 0;

  if (!parse_options (_("INSTANCE.xml…"), _("Import OpenRosa instances as household records."),
                      entries, &argc, &argv))
    return 2;
  if (argc < 2)
    {
      rs_cli_error ("%s", _("import: give at least one instance file"));
      return 2;
    }
  store = open_store (ctx, RS_STORE_OPEN_DEFAULT);
  if (store == NULL)
    return 1;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) xml = NULL;
      g_autoptr(RsInstanceInfo) info = NULL;
      g_autoptr(RsRecord) record = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (argv[i], &contents, &length, &error))
        {
          rs_cli_error ("%s", error->message);
          failed++;
          continue;
        }
      xml = g_bytes_new_take (g_steal_pointer (&contents), length);
      info = rs_instance_info_parse (xml, &error);
      if (info == NULL)
        {
          rs_cli_error ("%s: %s", argv[i], error->message);
          failed++;
          continue;
        }
      record = rs_store_create_draft (store,
                                      info->form_id != NULL ? info->form_id : info->root_name,
                                      info->form_version != NULL ? info->form_version : "",
                                      info->instance_id, xml, &info->summary, NULL, &error);
      if (record == NULL
          || (finalize && !rs_store_finalize (store, info->instance_id, xml, NULL,
                                              &info->summary, &error)))
        {
          rs_cli_error ("%s: %s", argv[i], error->message);
          failed++;
          continue;
        }
      /* TRANSLATORS: "imported <instanceID> (<state>)" */
      printf (_("imported %s (%s)\n"), info->instance_id,
              rs_record_state_to_string (finalize ? RS_RECORD_STATE_FINALIZED
                                                  : RS_RECORD_STATE_DRAFT));
    }
  return failed > 0 ? 1 : 0;
}

static gboolean
parse_state (const char    *text,
             RsRecordQuery *query)
{
  if (text == NULL)
    return TRUE;
  if (!rs_record_state_from_string (text, &query->state))
    {
      rs_cli_error (_("unknown state “%s” (use draft, finalized, sent, rejected or deleted)"),
                    text);
      return FALSE;
    }
  query->any_state = FALSE;
  return TRUE;
}

int
rs_cli_list (RsCliContext  *ctx,
             int            argc,
             char         **argv)
{
  g_autofree char *state = NULL;
  g_autofree char *search = NULL;
  g_autofree char *village = NULL;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_STRING, &state,
      N_("Only records in this state (draft, finalized, sent, rejected, deleted)"), N_("STATE") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Head's name or household code; accents optional"), N_("TEXT") },
    { "village", 0, 0, G_OPTION_ARG_STRING, &village, N_("Only this village"), N_("VILLAGE") },
    { NULL }
  };
  RsRecordQuery query = RS_RECORD_QUERY_ALL;
  g_autoptr(RsStore) store = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_options (NULL, _("List household records, most recently changed first."), entries,
                      &argc, &argv))
    return 2;
  if (!parse_state (state, &query))
    return 2;
  query.text = search;
  query.village = village;
  store = open_store (ctx, RS_STORE_OPEN_READ_ONLY);
  if (store == NULL)
    return 1;
  records = rs_store_list_records (store, &query, &error);
  if (records == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);

      printf ("%s\t%s\t%s\t%s\t%s\t%s\n", record->instance_id,
              rs_record_state_to_string (record->state), or_dash (record->summary.village),
              or_dash (record->summary.household_code), or_dash (record->summary.head_name),
              or_dash (record->summary.classification));
    }
  return 0;
}

/* "label:" padded to one column (by characters, not bytes, for Vietnamese), then the value. */
static void
print_field (const char *label,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
print_field (const char *label,
             const char *format,
             ...)
{
  g_autofree char *value = NULL;
  glong width = g_utf8_strlen (label, -1);
  va_list args;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("%s%*s%s\n", label, (int) MAX (1, 16 - width), "", value);
}

int
rs_cli_show (RsCliContext  *ctx,
             int            argc,
             char         **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(RsStore) store = NULL;
  g_autoptr(RsRecord) record = NULL;
  g_autoptr(RsOutboxEntry) outbox = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_options (_("INSTANCE-ID"), _("Show one household record."), entries, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      rs_cli_error ("%s", _("show: give one instanceID"));
      return 2;
    }
  store = open_store (ctx, RS_STORE_OPEN_READ_ONLY);
  if (store == NULL)
    return 1;
  record = rs_store_get_record (store, argv[1], &error);
  if (record == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  print_field (_("instanceID:"), "%s", record->instance_id);
  print_field (_("form:"), "%s %s", record->form_id, record->form_version);
  print_field (_("state:"), "%s (%s)", rs_record_state_to_string (record->state),
               rs_record_state_label (record->state));
  print_field (_("version:"), "%u", record->version);
  if (record->deprecated_id != NULL)
    print_field (_("deprecatedID:"), "%s", record->deprecated_id);
  if (record->superseded_by != NULL)
    print_field (_("superseded by:"), "%s", record->superseded_by);
  print_field (_("village:"), "%s", or_dash (record->summary.village));
  print_field (_("household code:"), "%s", or_dash (record->summary.household_code));
  print_field (_("head:"), "%s", or_dash (record->summary.head_name));
  print_field (_("classification:"), "%s", or_dash (record->summary.classification));
  print_field (_("enumerator:"), "%s", or_dash (record->summary.enumerator));
  if (record->current_screen != NULL)
    print_field (_("screen:"), "%s", record->current_screen);

  outbox = rs_store_outbox_get (store, record->instance_id, NULL);
  if (outbox != NULL)
    {
      static const char *const states[] = { "queued", "sending", "sent" };
      /* TRANSLATORS: "<queued|sending|sent>[ (parked)], <n> attempt(s)" */
      g_autofree char *attempts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                "%u attempt", "%u attempts",
                                                                outbox->attempts),
                                                   outbox->attempts);

      print_field (_("outbox:"), "%s%s, %s", states[outbox->state],
                   outbox->parked ? _(" (parked)") : "", attempts);
      print_field (_("SHA-256:"), "%s", outbox->sha256);
      if (outbox->last_http_status > 0 || outbox->last_message != NULL)
        print_field (_("last response:"), "%d %s", outbox->last_http_status,
                     or_dash (outbox->last_message));
    }
  audit = rs_store_list_audit (store, record->instance_id, NULL);
  if (audit != NULL)
    print_field (_("audit events:"), "%u", audit->len);
  if (record->score_json != NULL)
    print_field (_("score:"), "%s", record->score_json);
  if (record->instance_xml != NULL)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (record->instance_xml, &size);

      printf ("\n");
      fwrite (data, 1, size, stdout);
      if (size > 0 && data[size - 1] != '\n')
        printf ("\n");
    }
  return 0;
}

int
rs_cli_export (RsCliContext  *ctx,
               int            argc,
               char         **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  g_autofree char *state = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("xml or csv"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Folder to write into"), N_("DIR") },
    { "state", 0, 0, G_OPTION_ARG_STRING, &state, N_("Only records in this state"),
      N_("STATE") },
    { NULL }
  };
  RsRecordQuery query = RS_RECORD_QUERY_ALL;
  RsExportFormat export_format;
  g_autoptr(RsStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!parse_options (NULL, _("Export records as OpenRosa XML files or CSV tables."), entries,
                      &argc, &argv))
    return 2;
  if (g_strcmp0 (format, "xml") == 0)
    export_format = RS_EXPORT_XML;
  else if (g_strcmp0 (format, "csv") == 0)
    export_format = RS_EXPORT_CSV;
  else
    {
      rs_cli_error ("%s", _("export: give --format xml or --format csv"));
      return 2;
    }
  if (output == NULL)
    {
      rs_cli_error ("%s", _("export: give the output folder with -o DIR"));
      return 2;
    }
  if (!parse_state (state, &query))
    return 2;
  store = open_store (ctx, RS_STORE_OPEN_READ_ONLY);
  if (store == NULL)
    return 1;
  if (!rs_store_export (store, export_format, output, &query, &n, &error))
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  printf (g_dngettext (GETTEXT_PACKAGE, "exported %u record to %s\n",
                       "exported %u records to %s\n", n), n, output);
  return 0;
}

int
rs_cli_backup (RsCliContext  *ctx,
               int            argc,
               char         **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(RsStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (!parse_options (_("FILE"), _("Copy the whole database safely (SQLite backup API)."),
                      entries, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      rs_cli_error ("%s", _("backup: give the backup file"));
      return 2;
    }
  store = open_store (ctx, RS_STORE_OPEN_READ_ONLY);
  if (store == NULL)
    return 1;
  if (!rs_store_backup (store, argv[1], &error))
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  printf (_("backup written to %s\n"), argv[1]);
  return 0;
}
