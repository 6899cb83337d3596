/* rs-date-picker.h: a date input that asks the year first (the year of birth is what people
 * know), then the month and the day.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RS_TYPE_DATE_PICKER (rs_date_picker_get_type ())
G_DECLARE_FINAL_TYPE (RsDatePicker, rs_date_picker, RS, DATE_PICKER, GtkWidget)

GtkWidget  *rs_date_picker_new       (void);
/* "YYYY-MM-DD", or "" while the date is incomplete. */
const char *rs_date_picker_get_value (RsDatePicker *self);
void        rs_date_picker_set_value (RsDatePicker *self,
                                      const char   *iso_date);
void        rs_date_picker_set_label (RsDatePicker *self,
                                      const char   *label);

G_END_DECLS
