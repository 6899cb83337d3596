/* rs-setup-page.c: the first start: who reviews where, and which district server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-format.h"
#include "rs-setup-page.h"

struct _RsSetupPage
{
  GtkWidget     parent_instance;

  GtkWidget    *box;
  AdwEntryRow  *name_row;
  AdwEntryRow  *province_row;
  AdwEntryRow  *commune_code_row;
  AdwEntryRow  *commune_name_row;
  AdwEntryRow  *villages_row;
  AdwEntryRow  *server_row;
  AdwActionRow *device_row;
  GtkLabel     *error_label;
  GtkButton    *start_button;

  GSettings    *settings;
};

G_DEFINE_FINAL_TYPE (RsSetupPage, rs_setup_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
row_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
mark_row (AdwEntryRow *row,
          gboolean     wrong)
{
  if (wrong)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

/* Shows the first problem under the form and puts the cursor in the field to fix. */
static gboolean
check_field (RsSetupPage  *self,
             AdwEntryRow  *row,
             const char   *problem,
             GtkWidget   **first_wrong,
             GString      *messages)
{
  mark_row (row, problem != NULL);
  if (problem == NULL)
    return TRUE;
  if (*first_wrong == NULL)
    *first_wrong = GTK_WIDGET (row);
  if (messages->len > 0)
    g_string_append_c (messages, '\n');
  g_string_append (messages, problem);
  return FALSE;
}

static void
on_start_clicked (RsSetupPage *self)
{
  g_autofree char *name = row_text (self->name_row);
  g_autofree char *province = row_text (self->province_row);
  g_autofree char *code = row_text (self->commune_code_row);
  g_autofree char *commune = row_text (self->commune_name_row);
  g_autofree char *villages_text = row_text (self->villages_row);
  g_autofree char *server = row_text (self->server_row);
  g_auto(GStrv) villages = rs_split_villages (villages_text);
  g_autoptr(GString) messages = g_string_new (NULL);
  GtkWidget *first_wrong = NULL;
  gboolean ok = TRUE;

  ok &= check_field (self, self->name_row,
                     *name == '\0' ? _("Enter your full name; it goes with every record.") : NULL,
                     &first_wrong, messages);
  ok &= check_field (self, self->province_row,
                     *province == '\0' ? _("Enter the province or city.") : NULL,
                     &first_wrong, messages);
  ok &= check_field (self, self->commune_code_row, rs_check_commune_code (code),
                     &first_wrong, messages);
  ok &= check_field (self, self->commune_name_row,
                     *commune == '\0' ? _("Enter the commune’s name.") : NULL,
                     &first_wrong, messages);
  ok &= check_field (self, self->villages_row,
                     villages[0] == NULL ? _("Enter at least one village.") : NULL,
                     &first_wrong, messages);
  ok &= check_field (self, self->server_row, rs_check_server_address (server),
                     &first_wrong, messages);

  gtk_label_set_text (self->error_label, messages->str);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), !ok);
  if (!ok)
    {
      gtk_widget_grab_focus (first_wrong);
      return;
    }

  g_settings_delay (self->settings);
  g_settings_set_string (self->settings, "enumerator-name", name);
  g_settings_set_string (self->settings, "province", province);
  g_settings_set_string (self->settings, "commune-code", code);
  g_settings_set_string (self->settings, "commune-name", commune);
  g_settings_set_strv (self->settings, "villages", (const char * const *) villages);
  g_settings_set_string (self->settings, "server-url", server);
  g_settings_set_boolean (self->settings, "setup-done", TRUE);
  g_settings_apply (self->settings);

  g_signal_emit (self, signals[SIGNAL_DONE], 0);
}

static void
rs_setup_page_dispose (GObject *object)
{
  RsSetupPage *self = RS_SETUP_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_SETUP_PAGE);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (rs_setup_page_parent_class)->dispose (object);
}

static void
rs_setup_page_class_init (RsSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_setup_page_dispose;

  /**
   * RsSetupPage::done:
   *
   * The setup is valid and saved in GSettings.
   */
  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, box);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, province_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, commune_code_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, commune_name_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, villages_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, device_row);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, RsSetupPage, start_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
rs_setup_page_init (RsSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (on_start_clicked), self);
}

/**
 * rs_setup_page_load:
 *
 * Fills the page from @settings, where it will also save.
 */
void
rs_setup_page_load (RsSetupPage *self,
                    GSettings   *settings)
{
  g_autofree char *name = NULL;
  g_autofree char *province = NULL;
  g_autofree char *code = NULL;
  g_autofree char *commune = NULL;
  g_autofree char *server = NULL;
  g_auto(GStrv) villages = NULL;
  g_autofree char *villages_text = NULL;

  g_return_if_fail (RS_IS_SETUP_PAGE (self));
  g_set_object (&self->settings, settings);

  name = g_settings_get_string (settings, "enumerator-name");
  province = g_settings_get_string (settings, "province");
  code = g_settings_get_string (settings, "commune-code");
  commune = g_settings_get_string (settings, "commune-name");
  server = g_settings_get_string (settings, "server-url");
  villages = g_settings_get_strv (settings, "villages");
  villages_text = rs_join_villages ((const char * const *) villages);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  gtk_editable_set_text (GTK_EDITABLE (self->province_row), province);
  gtk_editable_set_text (GTK_EDITABLE (self->commune_code_row), code);
  gtk_editable_set_text (GTK_EDITABLE (self->commune_name_row), commune);
  gtk_editable_set_text (GTK_EDITABLE (self->villages_row), villages_text);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
}

void
rs_setup_page_set_device_id (RsSetupPage *self,
                             const char  *device_id)
{
  g_return_if_fail (RS_IS_SETUP_PAGE (self));
  adw_action_row_set_subtitle (self->device_row, device_id != NULL ? device_id : "");
}
