/* rs-window.c: the main window: setup, Today, interview, result, sync and record pages.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-home-page.h"
#include "rs-interview-page.h"
#include "rs-live-score.h"
#include "rs-records.h"
#include "rs-result-page.h"
#include "rs-setup-page.h"
#include "rs-sync-engine.h"
#include "rs-sync-page.h"
#include "rs-window.h"

struct _RsWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *pages;
  AdwStatusPage        *error_status;
  RsSetupPage          *setup_page;
  RsHomePage           *home_page;
  RsSyncPage           *sync_page;
  RsInterviewPage      *interview_page;
  RsResultPage         *result_page;

  GSettings            *settings;
  GCancellable         *cancellable;
  RsStore              *store;
  char                 *device_id;
  RsSyncEngine         *sync_engine;
  guint                 sync_config_id;   /* settles the server settings before using them */
  gboolean              manual_run;       /* the run going on was asked for by the enumerator */
  RsForm               *form;
  RsScorer             *scorer;
  RsResultMode          record_mode;   /* of the record open in the interview page */
  char                 *version_for;   /* the record whose version the result page says */
};

G_DEFINE_FINAL_TYPE (RsWindow, rs_window, ADW_TYPE_APPLICATION_WINDOW)

static void
apply_text_size (RsWindow *self)
{
  static const char * const classes[] = { NULL, "rs-text-large", "rs-text-larger" };
  guint size = (guint) g_settings_get_enum (self->settings, "text-size");

  for (guint i = 1; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self), classes[i]);
  if (size > 0 && size < G_N_ELEMENTS (classes))
    gtk_widget_add_css_class (GTK_WIDGET (self), classes[size]);
}

static void
update_home_title (RsWindow *self)
{
  g_autofree char *commune = g_settings_get_string (self->settings, "commune-name");

  rs_home_page_set_title (self->home_page, commune);
}

static void
show_error (RsWindow     *self,
            const GError *error)
{
  adw_status_page_set_description (self->error_status, error->message);
  gtk_stack_set_visible_child_name (self->pages, "error");
}

static void
on_home_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  RsHomeData *data = rs_records_load_home_finish (result, &error);

  if (data == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        rs_window_toast (self, error->message);
      return;
    }
  rs_home_page_set_counts (self->home_page, data->reviewed_today, data->waiting,
                           data->needing_attention);
  rs_home_page_set_households (self->home_page, g_steal_pointer (&data->items));
  rs_home_data_free (data);
}

static void
refresh_home (RsWindow *self)
{
  if (self->store == NULL)
    return;
  rs_records_load_home_async (self->store, self->cancellable, on_home_loaded,
                              g_object_ref (self));
}

static void
show_home (RsWindow *self)
{
  update_home_title (self);
  refresh_home (self);
  gtk_stack_set_visible_child_name (self->pages, "home");
}

static void
on_sync_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  RsSyncData *data = rs_records_load_sync_finish (result, &error);

  if (data == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        rs_window_toast (self, error->message);
      return;
    }
  rs_sync_page_set_data (self->sync_page, data);
}

static void
refresh_sync (RsWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");

  rs_sync_page_set_automatic (self->sync_page,
                              g_settings_get_boolean (self->settings, "auto-sync"));
  rs_sync_page_set_server (self->sync_page, server);
  if (self->store != NULL)
    rs_records_load_sync_async (self->store, self->cancellable, on_sync_loaded,
                                g_object_ref (self));
}

static void
show_sync_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  refresh_sync (self);
  gtk_stack_set_visible_child_name (self->pages, "sync");
}

static void
on_sync_progress (RsWindow   *self,
                  guint       done,
                  guint       total,
                  const char *instance_id)
{
  rs_sync_page_set_progress (self->sync_page, done, total);
}

static void
on_sync_record_finished (RsWindow   *self,
                         const char *instance_id,
                         int         action,
                         int         http_status,
                         const char *message)
{
  refresh_sync (self);
}

/* One sentence for the end of a run: what was sent, and what to do about the rest. */
static char *
describe_report (const RsSyncReport *report,
                 gboolean           *problem)
{
  GString *text = g_string_new (NULL);

  *problem = FALSE;
  if (report->n_waiting == 0)
    g_string_append (text, _("Nothing was waiting to send."));
  else
    g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u of %u household sent.",
                                               "%u of %u households sent.", report->n_waiting),
                            report->n_sent, report->n_waiting);
  if (report->n_parked > 0)
    {
      *problem = TRUE;
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u was refused: see below what to do.",
                                                 "%u were refused: see below what to do.",
                                                 report->n_parked),
                              report->n_parked);
    }
  if (report->stopped != RS_RETRY_ACTION_SUCCESS)
    {
      *problem = TRUE;
      g_string_append_c (text, ' ');
      g_string_append (text, rs_retry_reason_describe (report->stop_reason));
    }
  else if (report->n_retry > 0)
    {
      *problem = TRUE;
      g_string_append_c (text, ' ');
      g_string_append (text, _("The others stay on the tablet and are sent again later."));
    }
  return g_string_free (text, FALSE);
}

static void
on_sync_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  /* The outcome of a run that went through is shown by on_run_finished(). */
  g_autoptr(RsSyncReport) report = rs_sync_engine_run_finish (RS_SYNC_ENGINE (source), result,
                                                              &error);

  self->manual_run = FALSE;
  rs_sync_page_set_running (self->sync_page, FALSE);
  if (report == NULL)
    rs_sync_page_set_outcome (self->sync_page, error->message, TRUE);
  refresh_sync (self);
  refresh_home (self);
}

/* Every run, asked for or automatic: what it did, on the sync page and in Today. */
static void
on_run_finished (RsWindow           *self,
                 const RsSyncReport *report)
{
  /* An automatic run that found nothing due says nothing. */
  if (self->manual_run || report->n_waiting > 0)
    {
      gboolean problem;
      g_autofree char *text = describe_report (report, &problem);

      rs_sync_page_set_outcome (self->sync_page, text, problem);
    }
  refresh_sync (self);
  refresh_home (self);
}

static void
on_sync_running (RsWindow *self)
{
  rs_sync_page_set_running (self->sync_page,
                            self->sync_engine != NULL
                            && rs_sync_engine_is_running (self->sync_engine));
}

/* The engine for @server, made anew when the address changed (never in the middle of a run).
 * Returns FALSE when a run to the old address still goes on. */
static gboolean
ensure_sync_engine (RsWindow   *self,
                    const char *server)
{
  if (self->sync_engine != NULL
      && g_strcmp0 (rs_sync_engine_get_server_url (self->sync_engine), server) != 0)
    {
      if (rs_sync_engine_is_running (self->sync_engine))
        return FALSE;
      rs_sync_engine_set_automatic (self->sync_engine, FALSE);
      g_clear_object (&self->sync_engine);
    }
  if (self->sync_engine == NULL)
    {
      self->sync_engine = rs_sync_engine_new (self->store, server);
      g_signal_connect_object (self->sync_engine, "progress", G_CALLBACK (on_sync_progress),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync_engine, "record-finished",
                               G_CALLBACK (on_sync_record_finished), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync_engine, "run-finished", G_CALLBACK (on_run_finished),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync_engine, "notify::running",
                               G_CALLBACK (on_sync_running), self, G_CONNECT_SWAPPED);
    }
  return TRUE;
}

static void configure_sync (RsWindow *self);

static gboolean
configure_sync_now (gpointer user_data)
{
  RsWindow *self = user_data;

  self->sync_config_id = 0;
  configure_sync (self);
  return G_SOURCE_REMOVE;
}

/* The server settings change key by key as they are typed: use them once they settle. */
static void
on_sync_settings_changed (RsWindow *self)
{
  g_clear_handle_id (&self->sync_config_id, g_source_remove);
  self->sync_config_id = g_timeout_add_seconds (2, configure_sync_now, self);
}

static void
on_sync_password_read (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = rs_records_get_setting_finish (result, &error);
  g_autofree char *server = NULL;
  g_autofree char *username = NULL;

  if (password == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("automatic sync: %s", error->message);
      return;
    }
  server = g_settings_get_string (self->settings, "server-url");
  username = g_settings_get_string (self->settings, "server-username");
  if (*server == '\0' || !ensure_sync_engine (self, server))
    {
      /* The address was cleared meanwhile, or a run to the old one goes on: later. */
      on_sync_settings_changed (self);
      return;
    }
  if (*username != '\0')
    rs_sync_engine_set_credentials (self->sync_engine, username, password);
  rs_sync_engine_set_automatic (self->sync_engine,
                                g_settings_get_boolean (self->settings, "auto-sync"));
}

/* Automatic sending on or off, as the server address and the "auto-sync" setting say. */
static void
configure_sync (RsWindow *self)
{
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");

  g_clear_handle_id (&self->sync_config_id, g_source_remove);
  if (self->store == NULL)
    return;
  if (*server == '\0' || !g_settings_get_boolean (self->settings, "auto-sync"))
    {
      if (self->sync_engine != NULL)
        rs_sync_engine_set_automatic (self->sync_engine, FALSE);
      return;
    }
  rs_records_get_setting_async (self->store, "server-password", self->cancellable,
                                on_sync_password_read, g_object_ref (self));
}

static void
on_password_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = rs_records_get_setting_finish (result, &error);
  g_autofree char *username = g_settings_get_string (self->settings, "server-username");

  if (password == NULL)
    {
      rs_sync_page_set_running (self->sync_page, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        rs_sync_page_set_outcome (self->sync_page, error->message, TRUE);
      return;
    }
  if (self->sync_engine == NULL || rs_sync_engine_is_running (self->sync_engine))
    return;
  if (*username != '\0')
    rs_sync_engine_set_credentials (self->sync_engine, username, password);
  self->manual_run = TRUE;
  rs_sync_engine_run_async (self->sync_engine, RS_SYNC_RUN_MANUAL, self->cancellable,
                            on_sync_done, g_object_ref (self));
}

static void
send_now_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");

  if (self->store == NULL)
    return;
  if (*server == '\0')
    {
      rs_sync_page_set_outcome (self->sync_page,
                                _("No district server is set. Enter its address in "
                                  "Preferences → Server, then send again."), TRUE);
      return;
    }
  if (!ensure_sync_engine (self, server) || rs_sync_engine_is_running (self->sync_engine))
    return;
  rs_sync_page_set_running (self->sync_page, TRUE);
  rs_records_get_setting_async (self->store, "server-password", self->cancellable,
                                on_password_read, g_object_ref (self));
}

static void
on_unparked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!rs_records_unpark_finish (result, &error))
    rs_window_toast (self, error->message);
  refresh_sync (self);
  refresh_home (self);
}

static void
on_send_again (RsWindow   *self,
               gint64      outbox_id,
               const char *instance_id)
{
  if (self->store != NULL && outbox_id > 0)
    rs_records_unpark_async (self->store, outbox_id, self->cancellable, on_unparked,
                             g_object_ref (self));
}

static void
on_setup_done (RsWindow *self)
{
  show_home (self);
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  show_home (self);
  rs_home_page_focus_search (self->home_page);
}

static void
go_home_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  if (!g_settings_get_boolean (self->settings, "setup-done"))
    return;
  /* Every answer is already saved (or queued); leaving keeps the screen for resuming. */
  rs_interview_page_close (self->interview_page);
  show_home (self);
}

static void
save_window_state (RsWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
rs_window_close_request (GtkWindow *window)
{
  save_window_state (RS_WINDOW (window));
  return GTK_WINDOW_CLASS (rs_window_parent_class)->close_request (window);
}


/* ---- households: new, open, result, finalize ------------------------------------------- */

static void
on_page_message (RsWindow   *self,
                 const char *text)
{
  rs_window_toast (self, text);
}

/* The data dictionary fields the app fills in before the first question: where the review
 * happens (from the setup) and, for an assigned household, what the district's list says. */
static void
prefill (RsWindow         *self,
         RsFormSession    *session,
         const RsHomeItem *assignment)
{
  const char *root = rs_form_get_root_name (self->form);
  g_auto(GStrv) villages = g_settings_get_strv (self->settings, "villages");
  g_autofree char *province = g_settings_get_string (self->settings, "province");
  g_autofree char *code = g_settings_get_string (self->settings, "commune-code");
  g_autofree char *commune = g_settings_get_string (self->settings, "commune-name");
  const struct
  {
    const char *field;
    const char *value;
  } fields[] = {
    { "admin/province", province },
    { "admin/commune_code", code },
    { "admin/commune_name", commune },
    { "admin/village", assignment != NULL ? assignment->village
                       : g_strv_length (villages) == 1 ? villages[0] : NULL },
    { "admin/household_code", assignment != NULL ? assignment->household_code : NULL },
    { "head/name", assignment != NULL ? assignment->head_name : NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *path = g_strdup_printf ("/%s/%s", root, fields[i].field);
      g_autoptr(GError) error = NULL;

      if (fields[i].value == NULL || *fields[i].value == '\0')
        continue;
      if (!rs_form_session_set_value (session, path, fields[i].value, &error))
        g_debug ("prefill %s: %s", path, error->message);
    }
}

static RsFormSession *
new_session (RsWindow   *self,
             const char *xml,
             gsize       length,
             GError    **error)
{
  g_autoptr(RsFormSession) session = NULL;
  g_autofree char *username = g_settings_get_string (self->settings, "enumerator-name");

  if (xml != NULL)
    session = rs_form_session_new_from_instance (self->form, xml, (gssize) length, NULL, error);
  else
    session = rs_form_session_new (self->form, NULL);
  if (session == NULL)
    return NULL;
  rs_form_session_set_device_id (session, self->device_id);
  rs_form_session_set_username (session, username);
  if (rs_live_score_get_lang () == RS_LANG_EN)
    rs_form_session_set_language (session, "en", NULL);
  return g_steal_pointer (&session);
}

typedef struct
{
  RsWindow      *self;
  RsFormSession *session;
  RsLiveScore   *live_score;
} Opening;

static void
opening_free (Opening *opening)
{
  g_clear_pointer (&opening->live_score, rs_live_score_free);
  g_clear_object (&opening->session);
  g_object_unref (opening->self);
  g_free (opening);
}

static void
show_interview (RsWindow *self)
{
  gtk_stack_set_visible_child_name (self->pages, "interview");
}

typedef struct
{
  RsWindow *self;
  char     *instance_id;
} VersionRequest;

static void
on_version_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  VersionRequest *request = user_data;
  RsRecordVersion version;

  /* The line only adds to what the page shows: when it cannot be read, the page goes without. */
  if (rs_records_get_version_finish (result, &version, NULL)
      && g_strcmp0 (request->instance_id, request->self->version_for) == 0)
    {
      g_autoptr(GDateTime) edited = NULL;
      g_autofree char *line = NULL;

      if (version.created_at > 0)
        edited = g_date_time_new_from_unix_local (version.created_at / G_USEC_PER_SEC);
      line = rs_format_version_line (version.version, edited, version.newer_version,
                                     version.newer_state);
      rs_result_page_set_version (request->self->result_page, line);
    }
  g_object_unref (request->self);
  g_free (request->instance_id);
  g_free (request);
}

/* The result page says which version of its household @instance_id is (nothing for a household
 * never edited), once the store has answered. */
static void
load_version (RsWindow   *self,
              const char *instance_id)
{
  VersionRequest *request;

  rs_result_page_set_version (self->result_page, NULL);
  g_free (self->version_for);
  self->version_for = g_strdup (instance_id);
  if (self->store == NULL || instance_id == NULL)
    return;
  request = g_new0 (VersionRequest, 1);
  request->self = g_object_ref (self);
  request->instance_id = g_strdup (instance_id);
  rs_records_get_version_async (self->store, instance_id, self->cancellable, on_version_loaded,
                                request);
}

static void
on_draft_created (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Opening *opening = user_data;
  RsWindow *self = opening->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsRecord) record = rs_records_create_draft_finish (result, &error);

  if (record == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        rs_window_toast (self, error->message);
      opening_free (opening);
      return;
    }
  self->record_mode = RS_RESULT_MODE_DRAFT;
  load_version (self, NULL);
  rs_interview_page_open (self->interview_page, self->store,
                          g_steal_pointer (&opening->session),
                          g_steal_pointer (&opening->live_score), NULL, FALSE);
  show_interview (self);
  opening_free (opening);
}

static void
start_household (RsWindow         *self,
                 const RsHomeItem *assignment)
{
  Opening *opening;
  g_autoptr(GBytes) xml = NULL;
  gsize length = 0;
  char *data;

  if (self->store == NULL || self->form == NULL)
    return;
  opening = g_new0 (Opening, 1);
  opening->self = g_object_ref (self);
  opening->session = new_session (self, NULL, 0, NULL);
  prefill (self, opening->session, assignment);
  opening->live_score = rs_live_score_new (self->scorer, opening->session);
  data = rs_form_session_serialize (opening->session, &length);
  xml = g_bytes_new_take (data, length);
  rs_records_create_draft_async (self->store, self->form, xml,
                                 assignment != NULL ? assignment->id : NULL, self->cancellable,
                                 on_draft_created, opening);
}

static void
new_household_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  start_household (RS_WINDOW (widget), NULL);
}

static void
show_result (RsWindow *self)
{
  RsLiveScore *live_score = rs_interview_page_get_live_score (self->interview_page);
  RsFormSession *session = rs_interview_page_get_session (self->interview_page);
  g_autofree char *needs = NULL;
  g_autofree char *head = NULL;
  const char *root;

  if (session == NULL)
    return;
  rs_interview_page_flush (self->interview_page);
  root = rs_form_get_root_name (self->form);
  {
    g_autofree char *needs_path = g_strdup_printf ("/%s/support/needs", root);
    g_autofree char *head_path = g_strdup_printf ("/%s/head/name", root);
    g_autoptr(RsFormQuestion) question = rs_form_session_get_question (session, needs_path);
    g_autoptr(GString) text = g_string_new (NULL);

    head = rs_form_session_get_value (session, head_path);
    if (question != NULL && question->relevant)
      {
        g_auto(GStrv) chosen = g_strsplit (question->value, " ", -1);

        for (guint i = 0; i < question->choices->len; i++)
          {
            RsFormChoiceItem *choice = g_ptr_array_index (question->choices, i);

            if (!g_strv_contains ((const char * const *) chosen, choice->value))
              continue;
            if (text->len > 0)
              g_string_append (text, ", ");
            g_string_append (text, choice->label);
          }
      }
    needs = g_string_free (g_steal_pointer (&text), FALSE);
  }
  rs_result_page_show (self->result_page, rs_live_score_get (live_score), head, needs,
                       self->record_mode);
  gtk_stack_set_visible_child_name (self->pages, "result");
}

static void
on_record_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsRecord) record = rs_records_get_finish (result, &error);
  g_autoptr(RsFormSession) session = NULL;
  gconstpointer xml;
  gsize length = 0;
  gboolean draft;

  if (record == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        rs_window_toast (self, error->message);
      return;
    }
  if (record->instance_xml == NULL)
    {
      rs_window_toast (self, _("This household has no saved answers."));
      return;
    }
  xml = g_bytes_get_data (record->instance_xml, &length);
  session = new_session (self, xml, length, &error);
  if (session == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("This household cannot be opened: %s"),
                                                  error->message);

      rs_window_toast (self, message);
      return;
    }
  draft = record->state == RS_RECORD_STATE_DRAFT;
  load_version (self, record->instance_id);
  switch (record->state)
    {
    case RS_RECORD_STATE_DRAFT:
      self->record_mode = RS_RESULT_MODE_DRAFT;
      break;
    case RS_RECORD_STATE_SENT:
      /* An older version stays to be read; only the newest is edited. */
      self->record_mode = record->superseded_by != NULL ? RS_RESULT_MODE_SUPERSEDED
                                                        : RS_RESULT_MODE_SENT;
      break;
    case RS_RECORD_STATE_REJECTED:
      self->record_mode = RS_RESULT_MODE_REFUSED;
      break;
    case RS_RECORD_STATE_FINALIZED:
    case RS_RECORD_STATE_DELETED:
    default:
      self->record_mode = RS_RESULT_MODE_FINALIZED;
      break;
    }
  rs_interview_page_open (self->interview_page, self->store, g_object_ref (session),
                          rs_live_score_new (self->scorer, session), record->current_screen,
                          !draft);
  if (draft)
    show_interview (self);
  else
    show_result (self);
}

static void
correct_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);
  RsFormSession *session = rs_interview_page_get_session (self->interview_page);
  g_autofree char *data = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(RsInstanceInfo) info = NULL;
  gsize length = 0;

  if (session == NULL || self->record_mode != RS_RESULT_MODE_REFUSED)
    return;
  data = rs_form_session_serialize (session, &length);
  xml = g_bytes_new_take (g_steal_pointer (&data), length);
  info = rs_instance_info_parse (xml, NULL);
  if (info == NULL || info->instance_id == NULL)
    return;
  rs_records_reopen_async (self->store, info->instance_id, self->cancellable, on_record_loaded,
                           g_object_ref (self));
}

static void
on_new_version_created (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Opening *opening = user_data;
  RsWindow *self = opening->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsRecord) record = rs_records_edit_sent_finish (result, &error);

  if (record == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_("A new version could not be made: %s"), error->message);

          rs_window_toast (self, message);
        }
      opening_free (opening);
      return;
    }
  self->record_mode = RS_RESULT_MODE_DRAFT;
  load_version (self, record->instance_id);
  rs_interview_page_open (self->interview_page, self->store,
                          g_steal_pointer (&opening->session),
                          g_steal_pointer (&opening->live_score), NULL, FALSE);
  show_interview (self);
  rs_window_toast (self, _("New version: change what needs changing, then finalize it."));
  opening_free (opening);
}

/* The sent record open in the result page becomes a draft of its next version. */
static void
make_new_version (RsWindow *self)
{
  RsFormSession *sent = rs_interview_page_get_session (self->interview_page);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) xml = NULL;
  g_autofree char *sent_xml = NULL;
  g_autofree char *score_json = NULL;
  Opening *opening;
  gsize length = 0;
  char *data;

  if (sent == NULL || self->record_mode != RS_RESULT_MODE_SENT || self->store == NULL)
    return;
  sent_xml = rs_form_session_serialize (sent, &length);
  opening = g_new0 (Opening, 1);
  opening->self = g_object_ref (self);
  opening->session = new_session (self, sent_xml, length, &error);
  if (opening->session == NULL)
    {
      rs_window_toast (self, error->message);
      opening_free (opening);
      return;
    }
  rs_form_session_new_version (opening->session);
  opening->live_score = rs_live_score_new (self->scorer, opening->session);
  score_json = rs_live_score_dup_json (opening->live_score);
  data = rs_form_session_serialize (opening->session, &length);
  xml = g_bytes_new_take (data, length);
  rs_records_edit_sent_async (self->store, rs_form_session_get_deprecated_id (opening->session),
                              xml, score_json, self->cancellable, on_new_version_created,
                              opening);
}

static void
on_new_version_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  RsWindow *self = RS_WINDOW (user_data);

  if (g_str_equal (response, "edit"))
    make_new_version (self);
}

static void
edit_new_version_activated (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);
  GtkWidget *dialog;

  if (rs_interview_page_get_session (self->interview_page) == NULL
      || self->record_mode != RS_RESULT_MODE_SENT)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Edit as a new version?"), NULL);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("This household was already sent. Your changes become a new "
                                 "version: the district keeps the version it has until you "
                                 "finalize and send the new one, which then replaces it."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "edit", _("_Edit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "edit",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_new_version_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_open_household (RsWindow   *self,
                   const char *id,
                   int         state)
{
  if (self->store == NULL || self->form == NULL)
    return;
  if (state == RS_DISPLAY_STATE_ASSIGNED)
    start_household (self, rs_home_page_lookup (self->home_page, id));
  else
    rs_records_get_async (self->store, id, self->cancellable, on_record_loaded,
                          g_object_ref (self));
}

static void
on_open_record (RsWindow   *self,
                const char *instance_id)
{
  on_open_household (self, instance_id, RS_DISPLAY_STATE_SENT);
}

static gboolean
interview_shown (RsWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->pages), "interview") == 0;
}

static void
next_screen_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  if (interview_shown (self))
    rs_interview_page_next (self->interview_page);
}

static void
previous_screen_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  if (interview_shown (self))
    rs_interview_page_previous (self->interview_page);
}

static void
show_result_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  show_result (RS_WINDOW (widget));
}

static void
back_to_answers_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);

  if (rs_interview_page_get_session (self->interview_page) != NULL)
    show_interview (self);
}

static void
on_finalized (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!rs_store_finalize_finish (RS_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_("The household could not be finalized: %s"), error->message);

          rs_window_toast (self, message);
        }
      return;
    }
  rs_interview_page_close (self->interview_page);
  if (self->sync_engine != NULL)
    rs_sync_engine_record_queued (self->sync_engine);
  rs_window_toast (self, _("Finalized: the household waits to be sent."));
  show_home (self);
}

static void
finalize_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);
  RsFormSession *session = rs_interview_page_get_session (self->interview_page);
  RsLiveScore *live_score = rs_interview_page_get_live_score (self->interview_page);
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(RsInstanceInfo) info = NULL;
  g_autofree char *score_json = NULL;
  gsize length = 0;
  guint n_problems;
  char *data;

  if (session == NULL || rs_interview_page_is_read_only (self->interview_page))
    return;
  n_problems = rs_interview_page_show_problems (self->interview_page);
  if (n_problems > 0)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u answer is missing or needs checking: it is shown in red.",
                                      "%u answers are missing or need checking: the first is "
                                      "shown in red.", n_problems),
                         n_problems);

      show_interview (self);
      rs_window_toast (self, message);
      return;
    }
  data = rs_form_session_serialize (session, &length);
  xml = g_bytes_new_take (data, length);
  info = rs_instance_info_parse (xml, NULL);
  score_json = rs_live_score_dup_json (live_score);
  if (info == NULL || info->instance_id == NULL)
    return;
  rs_store_finalize_async (self->store, info->instance_id, xml, score_json, &info->summary,
                           self->cancellable, on_finalized, g_object_ref (self));
}

static void
on_interview_finished_screens (RsWindow *self)
{
  show_result (self);
}

static void
on_form_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->form = rs_records_load_form_finish (result, &self->scorer, &error);
  if (self->form == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-household", TRUE);
}

static void
rs_window_dispose (GObject *object)
{
  RsWindow *self = RS_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->sync_config_id, g_source_remove);
  if (self->sync_engine != NULL)
    rs_sync_engine_set_automatic (self->sync_engine, FALSE);
  g_clear_object (&self->sync_engine);
  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_WINDOW);
  g_clear_pointer (&self->scorer, rs_scorer_free);
  g_clear_pointer (&self->form, rs_form_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->version_for, g_free);
  G_OBJECT_CLASS (rs_window_parent_class)->dispose (object);
}

static void
rs_window_class_init (RsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = rs_window_dispose;
  window_class->close_request = rs_window_close_request;

  g_type_ensure (RS_TYPE_SETUP_PAGE);
  g_type_ensure (RS_TYPE_HOME_PAGE);
  g_type_ensure (RS_TYPE_SYNC_PAGE);
  g_type_ensure (RS_TYPE_INTERVIEW_PAGE);
  g_type_ensure (RS_TYPE_RESULT_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, RsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, error_status);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, home_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, sync_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, interview_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, result_page);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.go-home", NULL, go_home_activated);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_activated);
  gtk_widget_class_install_action (widget_class, "win.send-now", NULL, send_now_activated);
  gtk_widget_class_install_action (widget_class, "win.new-household", NULL,
                                   new_household_activated);
  gtk_widget_class_install_action (widget_class, "win.next-screen", NULL,
                                   next_screen_activated);
  gtk_widget_class_install_action (widget_class, "win.previous-screen", NULL,
                                   previous_screen_activated);
  gtk_widget_class_install_action (widget_class, "win.show-result", NULL, show_result_activated);
  gtk_widget_class_install_action (widget_class, "win.back-to-answers", NULL,
                                   back_to_answers_activated);
  gtk_widget_class_install_action (widget_class, "win.finalize", NULL, finalize_activated);
  gtk_widget_class_install_action (widget_class, "win.correct", NULL, correct_activated);
  gtk_widget_class_install_action (widget_class, "win.edit-new-version", NULL,
                                   edit_new_version_activated);
}

static void
rs_window_init (RsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->setup_page, "done", G_CALLBACK (on_setup_done), self);
  g_signal_connect_swapped (self->sync_page, "send-again", G_CALLBACK (on_send_again), self);
  g_signal_connect_swapped (self->sync_page, "open-record", G_CALLBACK (on_open_record), self);
  g_signal_connect_swapped (self->home_page, "open-household", G_CALLBACK (on_open_household),
                            self);
  g_signal_connect_swapped (self->interview_page, "message", G_CALLBACK (on_page_message), self);
  g_signal_connect_swapped (self->interview_page, "finished-screens",
                            G_CALLBACK (on_interview_finished_screens), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-household", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sync", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-now", FALSE);
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(RsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->store = rs_records_open_finish (result, &self->device_id, &error);
  if (self->store == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-sync", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send-now", TRUE);
  configure_sync (self);
  rs_records_load_form_async (rs_application_get_data_dir (
                                RS_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)))),
                              self->cancellable, on_form_loaded, g_object_ref (self));

  if (!g_settings_get_boolean (self->settings, "setup-done"))
    {
      rs_setup_page_load (self->setup_page, self->settings);
      rs_setup_page_set_device_id (self->setup_page, self->device_id);
      gtk_stack_set_visible_child_name (self->pages, "setup");
    }
  else
    show_home (self);
}

static void
start (RsWindow      *self,
       RsApplication *application)
{
  gtk_stack_set_visible_child_name (self->pages, "loading");
  rs_records_open_async (rs_application_get_db_path (application), self->cancellable,
                         on_store_opened, g_object_ref (self));
}

RsWindow *
rs_window_new (RsApplication *application)
{
  RsWindow *self = g_object_new (RS_TYPE_WINDOW, "application", application, NULL);

  self->settings = g_object_ref (rs_application_get_settings (application));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_signal_connect_object (self->settings, "changed::text-size", G_CALLBACK (apply_text_size),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::commune-name",
                           G_CALLBACK (update_home_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::server-url",
                           G_CALLBACK (on_sync_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::server-username",
                           G_CALLBACK (on_sync_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::auto-sync",
                           G_CALLBACK (configure_sync), self, G_CONNECT_SWAPPED);
  apply_text_size (self);
  start (self, application);
  return self;
}

/**
 * rs_window_get_device_id:
 *
 * Returns: (nullable): the tablet's id as the store keeps it, once the store is open.
 */
const char *
rs_window_get_device_id (RsWindow *self)
{
  g_return_val_if_fail (RS_IS_WINDOW (self), NULL);
  return self->device_id;
}

/**
 * rs_window_get_page_name:
 *
 * Returns: the page shown: "loading", "error", "setup", "home", "interview", "result",
 *   "sync" or "record".
 */
const char *
rs_window_get_page_name (RsWindow *self)
{
  g_return_val_if_fail (RS_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->pages);
}

void
rs_window_toast (RsWindow   *self,
                 const char *message)
{
  g_return_if_fail (RS_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/**
 * rs_window_get_store:
 *
 * Returns: (nullable) (transfer none): the open store, or %NULL while it opens.
 */
RsStore *
rs_window_get_store (RsWindow *self)
{
  g_return_val_if_fail (RS_IS_WINDOW (self), NULL);
  return self->store;
}

/**
 * rs_window_reload_sync_settings:
 *
 * Call after the server password changed: automatic sending uses it from now on.
 */
void
rs_window_reload_sync_settings (RsWindow *self)
{
  g_return_if_fail (RS_IS_WINDOW (self));
  configure_sync (self);
}
