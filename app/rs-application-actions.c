/* rs-application-actions.c: application actions (quit, preferences, about) and shortcuts.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-application-private.h"
#include "rs-preferences-window.h"
#include "rs-window.h"

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Closing the windows lets each one finish its pending saves first. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  RsApplication *self = RS_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *device_id = RS_IS_WINDOW (parent) ? rs_window_get_device_id (RS_WINDOW (parent))
                                                : NULL;
  RsPreferencesWindow *preferences =
    rs_preferences_window_new (parent, rs_application_get_settings (self), device_id);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  RsApplication *self = RS_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The rasoat developers", NULL };

  adw_show_about_window (parent,
                         "application-name", _("Rasoat"),
                         "application-icon", RS_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Household poverty review, door to door, offline"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
};

static const struct
{
  const char *action;
  const char *accels[3];
} accelerators[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "win.new-household", { "<Control>n", NULL } },
  { "win.show-sync", { "<Control>s", NULL } },
  { "win.search", { "<Control>f", NULL } },
  { "win.go-home", { "<Alt>Home", NULL } },
  { "win.next-screen", { "<Alt>Right", "Page_Down", NULL } },
  { "win.previous-screen", { "<Alt>Left", "Page_Up", NULL } },
};

void
_rs_application_install_actions (RsApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (accelerators); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accelerators[i].action,
                                           accelerators[i].accels);
}
