/* rs-preferences-window.c: Preferences: the setup, the display, the district server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-format.h"
#include "rs-preferences-window.h"
#include "rs-records.h"
#include "rs-window.h"

struct _RsPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwEntryRow          *name_row;
  AdwEntryRow          *province_row;
  AdwEntryRow          *commune_code_row;
  AdwEntryRow          *commune_name_row;
  AdwEntryRow          *villages_row;
  AdwComboRow          *color_scheme_row;
  AdwComboRow          *text_size_row;
  AdwEntryRow          *server_row;
  AdwEntryRow          *username_row;
  AdwEntryRow          *password_row;
  GtkSwitch            *auto_sync_switch;
  AdwActionRow         *device_row;

  GSettings            *settings;
  RsStore              *store;
};

G_DEFINE_FINAL_TYPE (RsPreferencesWindow, rs_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
villages_to_text (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  g_autofree const char **villages = g_variant_get_strv (variant, NULL);

  g_value_take_string (value, rs_join_villages (villages));
  return TRUE;
}

static void
on_villages_apply (RsPreferencesWindow *self)
{
  g_auto(GStrv) villages =
    rs_split_villages (gtk_editable_get_text (GTK_EDITABLE (self->villages_row)));

  g_settings_set_strv (self->settings, "villages", (const char * const *) villages);
}

/* The combo rows list the enum values in the schema's order, so the nick's index is the row. */
static gboolean
enum_to_selected (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    {
      if (g_str_equal (nicks[i], nick))
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
selected_to_enum (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint selected = g_value_get_uint (value);

  if (selected >= g_strv_length ((char **) nicks))
    selected = 0;
  return g_variant_new_string (nicks[selected]);
}

static void
on_password_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(RsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const char *message;

  if (rs_records_set_setting_finish (result, &error))
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

      message = _("Password saved on this tablet.");
      if (RS_IS_WINDOW (parent))
        rs_window_reload_sync_settings (RS_WINDOW (parent));
    }
  else
    message = error->message;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

/* The password is kept in the tablet's database, not in GSettings. */
static void
on_password_apply (RsPreferencesWindow *self)
{
  if (self->store == NULL)
    return;
  rs_records_set_setting_async (self->store, "server-password",
                                gtk_editable_get_text (GTK_EDITABLE (self->password_row)), NULL,
                                on_password_saved, g_object_ref (self));
}

static const char * const color_scheme_nicks[] = { "default", "light", "dark", NULL };
static const char * const text_size_nicks[] = { "normal", "large", "larger", NULL };

static void
rs_preferences_window_dispose (GObject *object)
{
  RsPreferencesWindow *self = RS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (rs_preferences_window_parent_class)->dispose (object);
}

static void
rs_preferences_window_class_init (RsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, province_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, commune_code_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, commune_name_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, villages_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, text_size_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, username_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, auto_sync_switch);
  gtk_widget_class_bind_template_child (widget_class, RsPreferencesWindow, device_row);
}

static void
rs_preferences_window_init (RsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * rs_preferences_window_new:
 * @settings: the app's settings; every row is bound to its key and saves as it changes
 */
RsPreferencesWindow *
rs_preferences_window_new (GtkWindow  *parent,
                           GSettings  *settings,
                           const char *device_id,
                           RsStore    *store)
{
  RsPreferencesWindow *self = g_object_new (RS_TYPE_PREFERENCES_WINDOW,
                                            "transient-for", parent,
                                            NULL);
  static const struct
  {
    const char *key;
    gsize       offset;
  } text_rows[] = {
    { "enumerator-name", G_STRUCT_OFFSET (RsPreferencesWindow, name_row) },
    { "province", G_STRUCT_OFFSET (RsPreferencesWindow, province_row) },
    { "commune-code", G_STRUCT_OFFSET (RsPreferencesWindow, commune_code_row) },
    { "commune-name", G_STRUCT_OFFSET (RsPreferencesWindow, commune_name_row) },
    { "server-url", G_STRUCT_OFFSET (RsPreferencesWindow, server_row) },
    { "server-username", G_STRUCT_OFFSET (RsPreferencesWindow, username_row) },
  };

  self->settings = g_object_ref (settings);
  if (store != NULL)
    self->store = g_object_ref (store);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), store != NULL);
  g_signal_connect_object (self->password_row, "apply", G_CALLBACK (on_password_apply), self,
                           G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (text_rows); i++)
    g_settings_bind (settings, text_rows[i].key,
                     G_STRUCT_MEMBER (GObject *, self, text_rows[i].offset), "text",
                     G_SETTINGS_BIND_DEFAULT);
  /* Villages are saved on "apply" only: saving each keystroke would eat the comma just typed. */
  g_settings_bind_with_mapping (settings, "villages", self->villages_row, "text",
                                G_SETTINGS_BIND_GET, villages_to_text, NULL, NULL, NULL);
  g_signal_connect_object (self->villages_row, "apply", G_CALLBACK (on_villages_apply), self,
                           G_CONNECT_SWAPPED);
  g_settings_bind_with_mapping (settings, "color-scheme", self->color_scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) color_scheme_nicks, NULL);
  g_settings_bind_with_mapping (settings, "text-size", self->text_size_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) text_size_nicks, NULL);
  g_settings_bind (settings, "auto-sync", self->auto_sync_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  adw_action_row_set_subtitle (self->device_row, device_id != NULL ? device_id : "");
  return self;
}
