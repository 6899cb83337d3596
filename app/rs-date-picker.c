/* rs-date-picker.c: a date input that asks the year first (the year of birth is what people
 * know), then the month and the day.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rs-date-picker.h"
#include "rs-format.h"

struct _RsDatePicker
{
  GtkWidget    parent_instance;

  GtkWidget   *box;
  GtkEntry    *year_entry;
  GtkDropDown *month_dropdown;
  GtkDropDown *day_dropdown;

  char        *value;
  gboolean     updating;
};

G_DEFINE_FINAL_TYPE (RsDatePicker, rs_date_picker, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
current_year (RsDatePicker *self)
{
  gint64 year;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->year_entry));

  if (!rs_parse_number (text, &year) || year < 1 || year > 9999 || strlen (text) != 4)
    return 0;
  return (int) year;
}

static void
fill_days (RsDatePicker *self)
{
  int month = (int) gtk_drop_down_get_selected (self->month_dropdown);   /* 0: not chosen */
  int days = rs_days_in_month (current_year (self), month > 0 ? month : 1);
  guint selected = gtk_drop_down_get_selected (self->day_dropdown);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, _("Day"));
  for (int d = 1; d <= days; d++)
    {
      char text[8];

      g_snprintf (text, sizeof text, "%d", d);
      gtk_string_list_append (list, text);
    }
  gtk_drop_down_set_model (self->day_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->day_dropdown,
                              selected != GTK_INVALID_LIST_POSITION
                              ? MIN (selected, (guint) days) : 0);
}

static void
update_value (RsDatePicker *self)
{
  int year = current_year (self);
  int month = (int) gtk_drop_down_get_selected (self->month_dropdown);
  int day = (int) gtk_drop_down_get_selected (self->day_dropdown);
  g_autofree char *value = NULL;

  if (self->updating)
    return;
  value = rs_format_iso_date (year, month, day);
  if (value == NULL)
    value = g_strdup ("");
  if (g_strcmp0 (value, self->value) == 0)
    return;
  g_free (self->value);
  self->value = g_steal_pointer (&value);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_year_changed (RsDatePicker *self)
{
  if (self->updating)
    return;
  self->updating = TRUE;
  fill_days (self);   /* 29 February exists in some years only */
  self->updating = FALSE;
  update_value (self);
}

static void
on_month_changed (RsDatePicker *self)
{
  if (self->updating)
    return;
  self->updating = TRUE;
  fill_days (self);
  self->updating = FALSE;
  update_value (self);
}

static void
rs_date_picker_dispose (GObject *object)
{
  RsDatePicker *self = RS_DATE_PICKER (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->value, g_free);
  G_OBJECT_CLASS (rs_date_picker_parent_class)->dispose (object);
}

static void
rs_date_picker_class_init (RsDatePickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_date_picker_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
rs_date_picker_init (RsDatePicker *self)
{
  g_autoptr(GtkStringList) months = gtk_string_list_new (NULL);

  self->value = g_strdup ("");
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->year_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->year_entry, _("Year"));
  gtk_entry_set_input_purpose (self->year_entry, GTK_INPUT_PURPOSE_DIGITS);
  gtk_entry_set_max_length (self->year_entry, 4);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->year_entry), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->year_entry), "rs-big-entry");
  gtk_widget_set_name (GTK_WIDGET (self->year_entry), "year");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->year_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Year"), -1);

  gtk_string_list_append (months, _("Month"));
  for (int m = 1; m <= 12; m++)
    {
      /* TRANSLATORS: a month in a date picker, e.g. "Month 3" (Vietnamese: "Tháng 3") */
      g_autofree char *name = g_strdup_printf (_("Month %d"), m);

      gtk_string_list_append (months, name);
    }
  self->month_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (months)),
                                                           NULL));
  gtk_widget_set_name (GTK_WIDGET (self->month_dropdown), "month");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->month_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Month"), -1);
  self->day_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
  gtk_widget_set_name (GTK_WIDGET (self->day_dropdown), "day");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->day_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Day"), -1);
  fill_days (self);

  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->year_entry));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->month_dropdown));
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->day_dropdown));

  g_signal_connect_swapped (self->year_entry, "changed", G_CALLBACK (on_year_changed), self);
  g_signal_connect_swapped (self->month_dropdown, "notify::selected",
                            G_CALLBACK (on_month_changed), self);
  g_signal_connect_swapped (self->day_dropdown, "notify::selected",
                            G_CALLBACK (update_value), self);
}

GtkWidget *
rs_date_picker_new (void)
{
  return g_object_new (RS_TYPE_DATE_PICKER, NULL);
}

const char *
rs_date_picker_get_value (RsDatePicker *self)
{
  g_return_val_if_fail (RS_IS_DATE_PICKER (self), "");
  return self->value;
}

/**
 * rs_date_picker_set_value:
 * @iso_date: (nullable): "YYYY-MM-DD"; anything else clears the picker
 *
 * Shows @iso_date without emitting "changed".
 */
void
rs_date_picker_set_value (RsDatePicker *self,
                          const char   *iso_date)
{
  int year = 0, month = 0, day = 0;
  char year_text[8] = "";

  g_return_if_fail (RS_IS_DATE_PICKER (self));
  if (rs_parse_iso_date (iso_date, &year, &month, &day))
    g_snprintf (year_text, sizeof year_text, "%04d", year);
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->year_entry), year_text);
  gtk_drop_down_set_selected (self->month_dropdown, (guint) month);
  fill_days (self);
  gtk_drop_down_set_selected (self->day_dropdown, (guint) day);
  self->updating = FALSE;
  g_free (self->value);
  self->value = rs_format_iso_date (year, month, day);
  if (self->value == NULL)
    self->value = g_strdup ("");
}

/**
 * rs_date_picker_set_label:
 *
 * Names the three inputs for assistive technologies after the question, e.g. "Ngày sinh".
 */
void
rs_date_picker_set_label (RsDatePicker *self,
                          const char   *label)
{
  g_autofree char *year = g_strdup_printf ("%s: %s", label, _("Year"));
  g_autofree char *month = g_strdup_printf ("%s: %s", label, _("Month"));
  g_autofree char *day = g_strdup_printf ("%s: %s", label, _("Day"));

  g_return_if_fail (RS_IS_DATE_PICKER (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->year_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, year, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->month_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, month, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->day_dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, day, -1);
}
