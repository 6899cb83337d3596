/* rs-window.c: the main window: setup, Today, interview, result, sync and record pages.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-home-page.h"
#include "rs-setup-page.h"
#include "rs-window.h"

struct _RsWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *pages;
  AdwStatusPage        *error_status;
  RsSetupPage          *setup_page;
  RsHomePage           *home_page;

  GSettings            *settings;
  char                 *device_id;
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
show_home (RsWindow *self)
{
  update_home_title (self);
  gtk_stack_set_visible_child_name (self->pages, "home");
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
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, RsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, error_status);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, RsWindow, home_page);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.go-home", NULL, go_home_activated);
}

static void
rs_window_init (RsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->setup_page, "done", G_CALLBACK (on_setup_done), self);
}

static void
start (RsWindow *self)
{
  if (!g_settings_get_boolean (self->settings, "setup-done"))
    {
      rs_setup_page_load (self->setup_page, self->settings);
      rs_setup_page_set_device_id (self->setup_page, self->device_id);
      gtk_stack_set_visible_child_name (self->pages, "setup");
    }
  else
    show_home (self);
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
  start (self);
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
