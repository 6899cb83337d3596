/* rs-location.h: where the tablet is, from GeoClue 2 on the system bus (GDBus, no GTK).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "rs-format.h"

G_BEGIN_DECLS

#define RS_LOCATION_ERROR (rs_location_error_quark ())

typedef enum
{
  RS_LOCATION_ERROR_NO_SERVICE,   /* no system bus, or GeoClue not installed / not running */
  RS_LOCATION_ERROR_DENIED,       /* GeoClue does not allow this app */
  RS_LOCATION_ERROR_TIMEOUT,      /* no position came in time (indoors, no GPS) */
  RS_LOCATION_ERROR_FAILED,       /* GeoClue answered something unexpected */
} RsLocationError;

GQuark rs_location_error_quark (void);

/* GeoClue's accuracy levels (GClueAccuracyLevel). */
#define RS_LOCATION_ACCURACY_LEVEL_EXACT 8u
/* Stop waiting after this long (milliseconds) unless told otherwise. */
#define RS_LOCATION_DEFAULT_TIMEOUT_MS 60000u
/* A fix this good (metres) ends the search at once. */
#define RS_LOCATION_DEFAULT_GOOD_ACCURACY 10.0

#define RS_TYPE_LOCATION (rs_location_get_type ())
G_DECLARE_FINAL_TYPE (RsLocation, rs_location, RS, LOCATION, GObject)

RsLocation *rs_location_new                (const char           *desktop_id);
void        rs_location_set_timeout        (RsLocation           *self,
                                            guint                 timeout_ms);
void        rs_location_set_good_accuracy  (RsLocation           *self,
                                            double                metres);
void        rs_location_find_async         (RsLocation           *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean    rs_location_find_finish        (RsLocation           *self,
                                            GAsyncResult         *result,
                                            RsGeopoint           *out_point,
                                            GError              **error);
gboolean    rs_location_get_best           (RsLocation           *self,
                                            RsGeopoint           *out_point);
gboolean    rs_location_accept_best        (RsLocation           *self);
gboolean    rs_location_is_busy            (RsLocation           *self);

G_END_DECLS
