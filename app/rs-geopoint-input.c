/* rs-geopoint-input.c: the input of a geopoint question: "Take the position" from GeoClue,
 * the coordinates in words, and entry by hand when there is no GPS.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>

#include "rs-format.h"
#include "rs-geopoint-input.h"
#include "rs-location.h"

/* Typing pauses this long before a position typed by hand is checked and kept. */
#define TYPING_DELAY_MS 500

struct _RsGeopointInput
{
  GtkWidget         parent_instance;

  GtkWidget        *box;
  GtkLabel         *coordinates_label;
  GtkWidget        *progress_box;
  GtkSpinner       *spinner;
  GtkLabel         *progress_label;
  GtkLabel         *message_label;
  GtkWidget        *take_button;
  AdwButtonContent *take_content;
  GtkWidget        *use_button;
  GtkWidget        *cancel_button;
  GtkWidget        *clear_button;
  GtkWidget        *expander;
  GtkEditable      *latitude_entry;
  GtkEditable      *longitude_entry;
  GtkLabel         *manual_error;

  RsLocation       *location;
  GCancellable     *cancellable;   /* the search in progress, or NULL */
  char             *value;
  guint             typing_source;
  gboolean          updating;
};

G_DEFINE_FINAL_TYPE (RsGeopointInput, rs_geopoint_input, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_message (RsGeopointInput *self,
              const char      *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');
}

/* What is on screen follows the value and whether a search runs. */
static void
update_state (RsGeopointInput *self)
{
  gboolean searching = self->cancellable != NULL;
  gboolean has_value = *self->value != '\0';
  RsGeopoint point;
  RsGeopoint best;
  gboolean have_best = FALSE;

  if (has_value && rs_geopoint_parse (self->value, &point))
    {
      g_autofree char *text = rs_format_geopoint (&point);

      gtk_label_set_text (self->coordinates_label, text);
    }
  else
    gtk_label_set_text (self->coordinates_label, self->value);
  gtk_widget_set_visible (GTK_WIDGET (self->coordinates_label), has_value);

  if (searching && self->location != NULL)
    {
      g_autofree char *progress = NULL;

      have_best = rs_location_get_best (self->location, &best);
      progress = rs_format_location_progress (have_best, have_best ? best.accuracy : 0);
      gtk_label_set_text (self->progress_label, progress);
    }
  gtk_widget_set_visible (self->progress_box, searching);
  gtk_spinner_set_spinning (self->spinner, searching);

  gtk_widget_set_visible (self->take_button, !searching);
  /* The one thing to do on an empty question; once there is a position, just an option. */
  if (has_value)
    gtk_widget_remove_css_class (self->take_button, "suggested-action");
  else
    gtk_widget_add_css_class (self->take_button, "suggested-action");
  adw_button_content_set_label (self->take_content,
                                has_value ? _("Take again") : _("Take the position"));
  gtk_widget_set_visible (self->use_button, searching);
  gtk_widget_set_sensitive (self->use_button, have_best);
  gtk_widget_set_visible (self->cancel_button, searching);
  gtk_widget_set_visible (self->clear_button, !searching && has_value);
}

static void
set_manual_error_style (RsGeopointInput *self,
                        gboolean         error)
{
  GtkWidget *entries[] = { GTK_WIDGET (self->latitude_entry), GTK_WIDGET (self->longitude_entry) };

  gtk_widget_set_visible (GTK_WIDGET (self->manual_error), error);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      if (error)
        gtk_widget_add_css_class (entries[i], "error");
      else
        gtk_widget_remove_css_class (entries[i], "error");
    }
}

static void
fill_manual_entries (RsGeopointInput *self)
{
  RsGeopoint point;

  /* What was being typed gives way to the position taken or cleared. */
  g_clear_handle_id (&self->typing_source, g_source_remove);
  self->updating = TRUE;
  if (rs_geopoint_parse (self->value, &point))
    {
      g_autofree char *value = rs_geopoint_to_value (&point);
      g_auto(GStrv) parts = g_strsplit (value, " ", -1);

      /* Decimals with a comma, as the rest of the app writes them ('.' is accepted too). */
      g_strdelimit (parts[0], ".", ',');
      g_strdelimit (parts[1], ".", ',');
      gtk_editable_set_text (self->latitude_entry, parts[0]);
      gtk_editable_set_text (self->longitude_entry, parts[1]);
    }
  else
    {
      gtk_editable_set_text (self->latitude_entry, "");
      gtk_editable_set_text (self->longitude_entry, "");
    }
  set_manual_error_style (self, FALSE);
  self->updating = FALSE;
}

static void
change_value (RsGeopointInput *self,
              const char      *value)
{
  if (g_strcmp0 (self->value, value) == 0)
    return;
  g_free (self->value);
  self->value = g_strdup (value);
  update_state (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(RsGeopointInput) self = user_data;
  g_autoptr(GError) error = NULL;
  RsGeopoint point;

  if (!rs_location_find_finish (RS_LOCATION (source), result, &point, &error))
    {
      /* Cancelled: by "Cancel" (already handled) or because the question went away. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      show_message (self, error->message);
      update_state (self);
      return;
    }
  g_clear_object (&self->cancellable);
  show_message (self, NULL);
  {
    g_autofree char *value = rs_geopoint_to_value (&point);

    change_value (self, value);
  }
  fill_manual_entries (self);
  update_state (self);
}

static void
on_fix_updated (RsGeopointInput *self)
{
  if (self->cancellable != NULL)
    update_state (self);
}

static void
on_take_clicked (RsGeopointInput *self)
{
  if (self->cancellable != NULL)
    return;
  if (self->location == NULL)
    {
      self->location = rs_location_new (RS_APP_ID);
      g_signal_connect_object (self->location, "fix-updated", G_CALLBACK (on_fix_updated), self,
                               G_CONNECT_SWAPPED);
    }
  show_message (self, NULL);
  self->cancellable = g_cancellable_new ();
  rs_location_find_async (self->location, self->cancellable, on_found, g_object_ref (self));
  update_state (self);
}

static void
on_use_clicked (RsGeopointInput *self)
{
  if (self->location != NULL)
    rs_location_accept_best (self->location);
}

static void
on_cancel_clicked (RsGeopointInput *self)
{
  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The cancelled search ends in the main loop; a new one takes a new RsLocation. */
  g_signal_handlers_disconnect_by_data (self->location, self);
  g_clear_object (&self->location);
  update_state (self);
}

static void
on_clear_clicked (RsGeopointInput *self)
{
  show_message (self, NULL);
  change_value (self, "");
  fill_manual_entries (self);
}

static gboolean
manual_typing_done (gpointer user_data)
{
  RsGeopointInput *self = user_data;
  const char *latitude = gtk_editable_get_text (self->latitude_entry);
  const char *longitude = gtk_editable_get_text (self->longitude_entry);
  RsGeopoint point;
  const char *problem;
  g_autofree char *lat_text = g_strstrip (g_strdup (latitude));
  g_autofree char *lon_text = g_strstrip (g_strdup (longitude));

  self->typing_source = 0;
  /* Both emptied: nothing to check (Clear removes the answer). */
  if (*lat_text == '\0' && *lon_text == '\0')
    {
      set_manual_error_style (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  problem = rs_check_geopoint_input (latitude, longitude, &point);
  gtk_label_set_text (self->manual_error, problem != NULL ? problem : "");
  set_manual_error_style (self, problem != NULL);
  if (problem == NULL)
    {
      g_autofree char *value = rs_geopoint_to_value (&point);

      show_message (self, NULL);
      change_value (self, value);
    }
  return G_SOURCE_REMOVE;
}

static void
on_manual_changed (RsGeopointInput *self)
{
  if (self->updating)
    return;
  g_clear_handle_id (&self->typing_source, g_source_remove);
  self->typing_source = g_timeout_add (TYPING_DELAY_MS, manual_typing_done, self);
}

static GtkWidget *
action_button (const char *label,
               const char *icon_name,
               const char *name,
               GCallback   callback,
               gpointer    self)
{
  GtkWidget *button = gtk_button_new ();

  if (icon_name != NULL)
    {
      GtkWidget *content = adw_button_content_new ();

      adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), icon_name);
      adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
      gtk_button_set_child (GTK_BUTTON (button), content);
    }
  else
    gtk_button_set_label (GTK_BUTTON (button), label);
  gtk_widget_set_name (button, name);
  gtk_widget_add_css_class (button, "rs-geopoint-button");
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static GtkWidget *
manual_entry (RsGeopointInput *self,
              GtkWidget       *grid,
              int              row,
              const char      *label_text,
              const char      *name,
              const char      *placeholder)
{
  GtkWidget *label = gtk_label_new (label_text);
  GtkWidget *entry = gtk_entry_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "rs-geopoint-field");
  gtk_widget_set_name (entry, name);
  gtk_widget_add_css_class (entry, "rs-big-entry");
  gtk_widget_set_hexpand (entry, TRUE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (on_manual_changed), self);
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), entry, 1, row, 1, 1);
  return entry;
}

static GtkWidget *
build_manual (RsGeopointInput *self)
{
  GtkWidget *expander = gtk_expander_new (_("Enter by hand (no GPS)"));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *hint = gtk_label_new (_("Copy them from a GPS receiver or a phone’s map: degrees "
                                     "with decimals, such as 16.8163 and 107.1003."));
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *error = gtk_label_new (NULL);

  gtk_widget_set_name (expander, "manual");
  gtk_widget_set_margin_top (box, 8);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "rs-question-hint");
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->latitude_entry = GTK_EDITABLE (manual_entry (self, grid, 0, _("Latitude"), "latitude",
                                                     "16,8163"));
  self->longitude_entry = GTK_EDITABLE (manual_entry (self, grid, 1, _("Longitude"), "longitude",
                                                      "107,1003"));
  gtk_label_set_wrap (GTK_LABEL (error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error), 0);
  gtk_widget_add_css_class (error, "rs-question-error");
  gtk_widget_set_name (error, "manual-error");
  gtk_widget_set_visible (error, FALSE);
  self->manual_error = GTK_LABEL (error);

  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), error);
  gtk_expander_set_child (GTK_EXPANDER (expander), box);
  return expander;
}

static void
rs_geopoint_input_dispose (GObject *object)
{
  RsGeopointInput *self = RS_GEOPOINT_INPUT (object);

  g_clear_handle_id (&self->typing_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->location);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (rs_geopoint_input_parent_class)->dispose (object);
}

static void
rs_geopoint_input_finalize (GObject *object)
{
  RsGeopointInput *self = RS_GEOPOINT_INPUT (object);

  g_free (self->value);
  G_OBJECT_CLASS (rs_geopoint_input_parent_class)->finalize (object);
}

static void
rs_geopoint_input_class_init (RsGeopointInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_geopoint_input_dispose;
  object_class->finalize = rs_geopoint_input_finalize;

  /**
   * RsGeopointInput::changed:
   *
   * The enumerator took, typed or cleared the position: read rs_geopoint_input_get_value().
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "rs-geopoint");
}

static void
rs_geopoint_input_init (RsGeopointInput *self)
{
  GtkWidget *buttons;
  GtkWidget *spinner;
  GtkWidget *progress;
  GtkWidget *coordinates;
  GtkWidget *message;

  self->value = g_strdup ("");
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  coordinates = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (coordinates), TRUE);
  gtk_label_set_xalign (GTK_LABEL (coordinates), 0);
  gtk_label_set_selectable (GTK_LABEL (coordinates), TRUE);
  gtk_widget_add_css_class (coordinates, "rs-geopoint-coordinates");
  gtk_widget_set_name (coordinates, "coordinates");
  self->coordinates_label = GTK_LABEL (coordinates);

  self->progress_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  spinner = gtk_spinner_new ();
  gtk_widget_set_size_request (spinner, 24, 24);
  self->spinner = GTK_SPINNER (spinner);
  progress = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (progress), TRUE);
  gtk_label_set_xalign (GTK_LABEL (progress), 0);
  gtk_widget_add_css_class (progress, "rs-geopoint-progress");
  gtk_widget_set_name (progress, "progress");
  gtk_accessible_update_property (GTK_ACCESSIBLE (progress), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Progress of finding the position"), -1);
  self->progress_label = GTK_LABEL (progress);
  gtk_box_append (GTK_BOX (self->progress_box), spinner);
  gtk_box_append (GTK_BOX (self->progress_box), progress);

  message = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (message), TRUE);
  gtk_label_set_xalign (GTK_LABEL (message), 0);
  gtk_widget_add_css_class (message, "rs-question-error");
  gtk_widget_set_name (message, "location-message");
  self->message_label = GTK_LABEL (message);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_START);
  self->take_button = action_button (_("Take the position"), "find-location-symbolic",
                                     "take-location", G_CALLBACK (on_take_clicked), self);
  gtk_widget_add_css_class (self->take_button, "pill");
  self->take_content = ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (self->take_button)));
  self->use_button = action_button (_("Use this position"), "object-select-symbolic",
                                    "use-location", G_CALLBACK (on_use_clicked), self);
  gtk_widget_add_css_class (self->use_button, "suggested-action");
  gtk_widget_add_css_class (self->use_button, "pill");
  self->cancel_button = action_button (C_("location", "Cancel"), NULL, "cancel-location",
                                       G_CALLBACK (on_cancel_clicked), self);
  gtk_widget_add_css_class (self->cancel_button, "pill");
  self->clear_button = action_button (C_("location", "Clear"), "edit-clear-symbolic",
                                      "clear-location", G_CALLBACK (on_clear_clicked), self);
  gtk_widget_add_css_class (self->clear_button, "pill");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->clear_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Clear the position"), -1);
  gtk_box_append (GTK_BOX (buttons), self->take_button);
  gtk_box_append (GTK_BOX (buttons), self->use_button);
  gtk_box_append (GTK_BOX (buttons), self->cancel_button);
  gtk_box_append (GTK_BOX (buttons), self->clear_button);

  self->expander = build_manual (self);

  gtk_box_append (GTK_BOX (self->box), coordinates);
  gtk_box_append (GTK_BOX (self->box), self->progress_box);
  gtk_box_append (GTK_BOX (self->box), message);
  gtk_box_append (GTK_BOX (self->box), buttons);
  gtk_box_append (GTK_BOX (self->box), self->expander);
  show_message (self, NULL);
  update_state (self);
}

GtkWidget *
rs_geopoint_input_new (void)
{
  return g_object_new (RS_TYPE_GEOPOINT_INPUT, NULL);
}

const char *
rs_geopoint_input_get_value (RsGeopointInput *self)
{
  g_return_val_if_fail (RS_IS_GEOPOINT_INPUT (self), "");
  return self->value;
}

/**
 * rs_geopoint_input_set_value:
 * @value: the answer as the form has it
 *
 * Shows @value without emitting "changed".
 */
void
rs_geopoint_input_set_value (RsGeopointInput *self,
                             const char      *value)
{
  g_return_if_fail (RS_IS_GEOPOINT_INPUT (self));

  g_free (self->value);
  self->value = g_strdup (value != NULL ? value : "");
  fill_manual_entries (self);
  update_state (self);
}

void
rs_geopoint_input_set_label (RsGeopointInput *self,
                             const char      *label)
{
  g_return_if_fail (RS_IS_GEOPOINT_INPUT (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->take_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, label, -1);
}

/* Whether the tablet is looking for its position now. */
gboolean
rs_geopoint_input_is_busy (RsGeopointInput *self)
{
  g_return_val_if_fail (RS_IS_GEOPOINT_INPUT (self), FALSE);
  return self->cancellable != NULL;
}
