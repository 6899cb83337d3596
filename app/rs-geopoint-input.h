/* rs-geopoint-input.h: the input of a geopoint question: "Take the position" from GeoClue,
 * the coordinates in words, and entry by hand when there is no GPS.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define RS_TYPE_GEOPOINT_INPUT (rs_geopoint_input_get_type ())
G_DECLARE_FINAL_TYPE (RsGeopointInput, rs_geopoint_input, RS, GEOPOINT_INPUT, GtkWidget)

GtkWidget  *rs_geopoint_input_new       (void);
/* "lat lon altitude accuracy" as ODK stores it, or "" when there is no position. */
const char *rs_geopoint_input_get_value (RsGeopointInput *self);
void        rs_geopoint_input_set_value (RsGeopointInput *self,
                                         const char      *value);
void        rs_geopoint_input_set_label (RsGeopointInput *self,
                                         const char      *label);
gboolean    rs_geopoint_input_is_busy   (RsGeopointInput *self);

G_END_DECLS
