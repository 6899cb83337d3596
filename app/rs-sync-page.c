/* rs-sync-page.c: sending to the district: what waits, progress, what was refused and why, log.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-sync-page.h"

struct _RsSyncPage
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkLabel       *waiting_label;
  GtkLabel       *server_label;
  GtkButton      *send_button;
  GtkProgressBar *progress_bar;
  GtkLabel       *outcome_label;
  GtkWidget      *refused_group;
  GtkListBox     *refused_list;
  GtkWidget      *waiting_group;
  GtkListBox     *waiting_list;
  GtkWidget      *sent_group;
  GtkListBox     *sent_list;
  GtkWidget      *log_group;
  GtkListBox     *log_list;

  RsSyncData     *data;
  gboolean        running;
  gboolean        automatic;
};

G_DEFINE_FINAL_TYPE (RsSyncPage, rs_sync_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_SEND_AGAIN,
  SIGNAL_OPEN_RECORD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static char *
format_time (gint64 wall_us)
{
  g_autoptr(GDateTime) when = NULL;

  if (wall_us <= 0)
    return g_strdup ("");
  when = g_date_time_new_from_unix_local (wall_us / G_USEC_PER_SEC);
  return when != NULL ? rs_format_date_time (when) : g_strdup ("");
}

static const char *
record_title (const RsSyncRecord *record)
{
  return record->head_name != NULL && *record->head_name != '\0' ? record->head_name
                                                                  : _("Head’s name not given");
}

/* "Version 2 – edited on 24/11", "Version 1 · Replaced by version 2", or NULL for a household
 * never edited: two versions of one household must not look like one household sent twice. */
static char *
version_line (const RsSyncRecord *record)
{
  g_autoptr(GDateTime) edited = NULL;

  if (record->created_at > 0)
    edited = g_date_time_new_from_unix_local (record->created_at / G_USEC_PER_SEC);
  return rs_format_version_line (record->version, edited, record->newer_version,
                                 record->newer_state);
}

/* Puts the version line first in @subtitle, names the row after the record for tests and
 * dims a version the district has already replaced. */
static void
mark_version (AdwActionRow       *row,
              const char         *list_name,
              const RsSyncRecord *record,
              GString            *subtitle)
{
  g_autofree char *line = version_line (record);
  g_autofree char *name = g_strdup_printf ("%s:%s", list_name, record->instance_id);

  const char *tag_text = rs_format_version_tag (record->version, record->newer_version);
  GtkWidget *tag;

  gtk_widget_set_name (GTK_WIDGET (row), name);
  if (line == NULL || tag_text == NULL)
    return;
  if (subtitle->len > 0)
    g_string_prepend_c (subtitle, '\n');
  g_string_prepend (subtitle, line);

  tag = gtk_label_new (tag_text);
  gtk_widget_set_name (tag, "version-tag");
  gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (tag, "rs-version-tag");
  if (record->newer_version > 0)
    gtk_widget_add_css_class (tag, "rs-version-old");
  adw_action_row_add_suffix (row, tag);
  if (record->newer_version > 0 && record->newer_state == RS_DISPLAY_STATE_SENT)
    gtk_widget_add_css_class (GTK_WIDGET (row), "rs-replaced");
}

/* "Open Cà Văn Thương", and for versions "Open Cà Văn Thương, version 2". */
static char *
open_label (const RsSyncRecord *record)
{
  if (record->version > 1 || record->newer_version > 0)
    /* TRANSLATORS: a button's spoken name: the head of household's name, a version number */
    return g_strdup_printf (_("Open %s, version %u"), record_title (record),
                            MAX (record->version, 1));
  return g_strdup_printf (_("Open %s"), record_title (record));
}

static void
on_send_again_clicked (GtkButton *button,
                       gpointer   user_data)
{
  RsSyncPage *self = RS_SYNC_PAGE (user_data);
  const RsSyncRecord *record = g_object_get_data (G_OBJECT (button), "record");

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  g_signal_emit (self, signals[SIGNAL_SEND_AGAIN], 0, record->outbox_id, record->instance_id);
}

static void
on_open_clicked (GtkButton *button,
                 gpointer   user_data)
{
  RsSyncPage *self = RS_SYNC_PAGE (user_data);
  const RsSyncRecord *record = g_object_get_data (G_OBJECT (button), "record");

  g_signal_emit (self, signals[SIGNAL_OPEN_RECORD], 0, record->instance_id);
}

static GtkWidget *
row_button (RsSyncPage         *self,
            const char         *label,
            const char         *accessible,
            const RsSyncRecord *record,
            GCallback           callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data (G_OBJECT (button), "record", (gpointer) record);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

/* A refused record: the server's own words, the status, and what to do. */
static GtkWidget *
refused_row (RsSyncPage         *self,
             const RsSyncRecord *record)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autoptr(GString) subtitle = g_string_new (NULL);
  g_autofree char *accessible = NULL;

  if (record->message != NULL && *record->message != '\0')
    /* TRANSLATORS: what the server said when it refused a record */
    g_string_append_printf (subtitle, _("Server: “%s”"), record->message);
  if (record->http_status > 0)
    g_string_append_printf (subtitle, " (HTTP %d)", record->http_status);
  g_string_append_c (subtitle, '\n');
  g_string_append (subtitle, rs_format_refusal_advice (record->http_status));
  mark_version (row, "refused", record, subtitle);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), record_title (record));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, subtitle->str);
  adw_action_row_set_subtitle_lines (row, 0);
  gtk_widget_add_css_class (GTK_WIDGET (row), "rs-state-attention");
  accessible = g_strdup_printf (_("Send %s again"), record_title (record));
  adw_action_row_add_suffix (row, row_button (self, _("Send _again"), accessible, record,
                                              G_CALLBACK (on_send_again_clicked)));
  return GTK_WIDGET (row);
}

static GtkWidget *
waiting_row (RsSyncPage         *self,
             const RsSyncRecord *record)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autoptr(GString) subtitle = g_string_new (record->village != NULL ? record->village : "");

  if (record->attempts > 0)
    {
      g_autofree char *next = format_time (record->next_attempt_at);

      if (subtitle->len > 0)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle,
                              g_dngettext (GETTEXT_PACKAGE, "%u attempt failed",
                                           "%u attempts failed", record->attempts),
                              record->attempts);
      if (record->message != NULL && *record->message != '\0')
        g_string_append_printf (subtitle, ": %s", record->message);
      if (*next != '\0')
        {
          g_string_append_c (subtitle, '\n');
          g_string_append_printf (subtitle, _("Sent again automatically after %s"), next);
        }
    }
  mark_version (row, "waiting", record, subtitle);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), record_title (record));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, subtitle->str);
  adw_action_row_set_subtitle_lines (row, 0);
  return GTK_WIDGET (row);
}

static GtkWidget *
sent_row (RsSyncPage         *self,
          const RsSyncRecord *record)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *when = format_time (record->updated_at);
  g_autoptr(GString) subtitle = g_string_new (NULL);
  g_autofree char *accessible = open_label (record);

  g_string_append_printf (subtitle, _("Sent %s"), when);
  mark_version (row, "sent", record, subtitle);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), record_title (record));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, subtitle->str);
  adw_action_row_set_subtitle_lines (row, 0);
  adw_action_row_add_suffix (row, row_button (self, _("_Open"), accessible, record,
                                              G_CALLBACK (on_open_clicked)));
  return GTK_WIDGET (row);
}

static GtkWidget *
log_row (const RsSyncLogEntry *entry)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *when = format_time (entry->at);
  g_autoptr(GString) subtitle = g_string_new (when);

  if (entry->http_status > 0)
    g_string_append_printf (subtitle, " · HTTP %d", entry->http_status);
  if (entry->message != NULL && *entry->message != '\0')
    g_string_append_printf (subtitle, " · %s", entry->message);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), rs_format_sync_event (entry->event));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, subtitle->str);
  adw_action_row_set_subtitle_lines (row, 0);
  return GTK_WIDGET (row);
}

static void
update_send_button (RsSyncPage *self)
{
  guint waiting = self->data != NULL ? self->data->counts.queued + self->data->counts.sending : 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), !self->running && waiting > 0);
}

static void
rs_sync_page_dispose (GObject *object)
{
  RsSyncPage *self = RS_SYNC_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_SYNC_PAGE);
  g_clear_pointer (&self->data, rs_sync_data_free);
  G_OBJECT_CLASS (rs_sync_page_parent_class)->dispose (object);
}

static void
rs_sync_page_class_init (RsSyncPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_sync_page_dispose;

  /**
   * RsSyncPage::send-again:
   * @outbox_id: the refused record's outbox row
   * @instance_id: the record
   */
  signals[SIGNAL_SEND_AGAIN] =
    g_signal_new ("send-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_OPEN_RECORD] =
    g_signal_new ("open-record", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-sync-page.ui");
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, box);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, server_label);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, send_button);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, outcome_label);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, refused_group);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, refused_list);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, waiting_group);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, waiting_list);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, sent_group);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, sent_list);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, log_group);
  gtk_widget_class_bind_template_child (widget_class, RsSyncPage, log_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
rs_sync_page_init (RsSyncPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  rs_sync_page_set_server (self, NULL);
}

/**
 * rs_sync_page_set_data:
 * @data: (transfer full): what the store says
 */
void
rs_sync_page_set_data (RsSyncPage *self,
                       RsSyncData *data)
{
  guint waiting;
  g_autofree char *waiting_text = NULL;

  g_return_if_fail (RS_IS_SYNC_PAGE (self));

  g_clear_pointer (&self->data, rs_sync_data_free);
  self->data = data;
  waiting = data->counts.queued + data->counts.sending;
  if (waiting == 0)
    waiting_text = g_strdup (_("Nothing waiting to send"));
  else
    waiting_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u household waiting to send",
                                                 "%u households waiting to send", waiting),
                                    waiting);
  gtk_label_set_text (self->waiting_label, waiting_text);

  clear_list (self->refused_list);
  clear_list (self->waiting_list);
  clear_list (self->sent_list);
  clear_list (self->log_list);
  for (guint i = 0; i < data->refused->len; i++)
    gtk_list_box_append (self->refused_list, refused_row (self, g_ptr_array_index (data->refused, i)));
  for (guint i = 0; i < data->waiting->len; i++)
    gtk_list_box_append (self->waiting_list, waiting_row (self, g_ptr_array_index (data->waiting, i)));
  /* The latest twenty are enough to answer "did it go?"; the rest is on the server. The older
   * versions of the last household shown stay with it. */
  {
    g_autofree RsVersionLink *links = g_new0 (RsVersionLink, MAX (data->sent->len, 1));
    guint shown;

    for (guint i = 0; i < data->sent->len; i++)
      {
        RsSyncRecord *record = g_ptr_array_index (data->sent, i);

        links[i].instance_id = record->instance_id;
        links[i].deprecated_id = record->deprecated_id;
      }
    shown = rs_version_rows_to_show (links, data->sent->len, 20);
    for (guint i = 0; i < shown; i++)
      gtk_list_box_append (self->sent_list, sent_row (self, g_ptr_array_index (data->sent, i)));
  }
  for (guint i = 0; i < data->log->len; i++)
    gtk_list_box_append (self->log_list, log_row (g_ptr_array_index (data->log, i)));

  gtk_widget_set_visible (self->refused_group, data->refused->len > 0);
  gtk_widget_set_visible (self->waiting_group, data->waiting->len > 0);
  gtk_widget_set_visible (self->sent_group, data->sent->len > 0);
  gtk_widget_set_visible (self->log_group, data->log->len > 0);
  update_send_button (self);
}

/**
 * rs_sync_page_set_server:
 * @server_url: (nullable): the district server, or %NULL / empty when working offline
 */
void
rs_sync_page_set_server (RsSyncPage *self,
                         const char *server_url)
{
  g_autofree char *text = NULL;

  g_return_if_fail (RS_IS_SYNC_PAGE (self));
  if (server_url == NULL || *server_url == '\0')
    text = g_strdup (_("No district server is set: records wait safely on the tablet. "
                       "Enter the address in Preferences → Server to send them."));
  else if (self->automatic)
    text = g_strdup_printf (_("District server: %s\nFinished households are sent "
                              "automatically when there is a network."), server_url);
  else
    text = g_strdup_printf (_("District server: %s"), server_url);
  gtk_label_set_text (self->server_label, text);
}

/**
 * rs_sync_page_set_automatic:
 *
 * Takes effect with the next rs_sync_page_set_server().
 */
void
rs_sync_page_set_automatic (RsSyncPage *self,
                            gboolean    automatic)
{
  g_return_if_fail (RS_IS_SYNC_PAGE (self));
  self->automatic = automatic;
}

void
rs_sync_page_set_running (RsSyncPage *self,
                          gboolean    running)
{
  g_return_if_fail (RS_IS_SYNC_PAGE (self));
  self->running = running;
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  if (running)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, _("Connecting to the server…"));
      gtk_widget_set_visible (GTK_WIDGET (self->outcome_label), FALSE);
    }
  update_send_button (self);
}

void
rs_sync_page_set_progress (RsSyncPage *self,
                           guint       done,
                           guint       total)
{
  g_autofree char *text = NULL;

  g_return_if_fail (RS_IS_SYNC_PAGE (self));
  /* TRANSLATORS: sending progress, e.g. "Sending 3 of 12" */
  text = g_strdup_printf (_("Sending %u of %u"), MIN (done + 1, total), total);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 0);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

/**
 * rs_sync_page_set_outcome:
 * @text: what the last run did, in words
 * @problem: %TRUE to show it as something to act on
 */
void
rs_sync_page_set_outcome (RsSyncPage *self,
                          const char *text,
                          gboolean    problem)
{
  g_return_if_fail (RS_IS_SYNC_PAGE (self));
  gtk_label_set_text (self->outcome_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->outcome_label), text != NULL && *text != '\0');
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self->outcome_label), "rs-question-error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->outcome_label), "rs-question-error");
}
