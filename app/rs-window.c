/* rs-window.c: the main window: setup, Today, interview, result, sync and record pages.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-home-page.h"
#include "rs-records.h"
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

  GSettings            *settings;
  GCancellable         *cancellable;
  RsStore              *store;
  char                 *device_id;
  RsSyncEngine         *sync_engine;
  guint                 home_generation;
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
  self->home_generation++;
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
  g_autoptr(RsSyncReport) report = rs_sync_engine_run_finish (RS_SYNC_ENGINE (source), result,
                                                              &error);

  rs_sync_page_set_running (self->sync_page, FALSE);
  if (report == NULL)
    {
      rs_sync_page_set_outcome (self->sync_page, error->message, TRUE);
    }
  else
    {
      gboolean problem;
      g_autofree char *text = describe_report (report, &problem);

      rs_sync_page_set_outcome (self->sync_page, text, problem);
    }
  refresh_sync (self);
  refresh_home (self);
}

static void
send_now_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  RsWindow *self = RS_WINDOW (widget);
  g_autofree char *server = g_settings_get_string (self->settings, "server-url");
  g_autofree char *username = g_settings_get_string (self->settings, "server-username");

  if (self->store == NULL)
    return;
  if (*server == '\0')
    {
      rs_sync_page_set_outcome (self->sync_page,
                                _("No district server is set. Enter its address in "
                                  "Preferences → Server, then send again."), TRUE);
      return;
    }
  if (self->sync_engine != NULL
      && g_strcmp0 (rs_sync_engine_get_server_url (self->sync_engine), server) != 0)
    {
      if (rs_sync_engine_is_running (self->sync_engine))
        return;
      g_clear_object (&self->sync_engine);
    }
  if (self->sync_engine == NULL)
    {
      self->sync_engine = rs_sync_engine_new (self->store, server);
      g_signal_connect_object (self->sync_engine, "progress", G_CALLBACK (on_sync_progress),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync_engine, "record-finished",
                               G_CALLBACK (on_sync_record_finished), self, G_CONNECT_SWAPPED);
    }
  if (rs_sync_engine_is_running (self->sync_engine))
    return;
  if (*username != '\0')
    rs_sync_engine_set_credentials (self->sync_engine, username, NULL);
  rs_sync_page_set_running (self->sync_page, TRUE);
  rs_sync_engine_run_async (self->sync_engine, RS_SYNC_RUN_MANUAL, self->cancellable,
                            on_sync_done, g_object_ref (self));
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

  if (g_settings_get_boolean (self->settings, "setup-done"))
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

static void
rs_window_dispose (GObject *object)
{
  RsWindow *self = RS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_WINDOW);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->sync_engine);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->device_id, g_free);
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
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, RsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, error_status);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, home_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, sync_page);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.go-home", NULL, go_home_activated);
  gtk_widget_class_install_action (widget_class, "win.show-sync", NULL, show_sync_activated);
  gtk_widget_class_install_action (widget_class, "win.send-now", NULL, send_now_activated);
}

static void
rs_window_init (RsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->setup_page, "done", G_CALLBACK (on_setup_done), self);
  g_signal_connect_swapped (self->sync_page, "send-again", G_CALLBACK (on_send_again), self);
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
