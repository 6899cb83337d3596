/* rs-fake-geoclue.h: a fake GeoClue 2 service for tests (Manager, Client, Location on the bus
 * at the real names and paths), serving scripted fixes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _RsFakeGeoclue RsFakeGeoclue;

RsFakeGeoclue *rs_fake_geoclue_new            (const char    *bus_address,
                                               GError       **error);
void           rs_fake_geoclue_free           (RsFakeGeoclue *fake);
void           rs_fake_geoclue_add_fix        (RsFakeGeoclue *fake,
                                               guint          delay_ms,
                                               double         latitude,
                                               double         longitude,
                                               double         altitude,
                                               double         accuracy);
void           rs_fake_geoclue_set_refuse     (RsFakeGeoclue *fake,
                                               gboolean       refuse);
void           rs_fake_geoclue_set_old_api    (RsFakeGeoclue *fake,
                                               gboolean       old_api);
void           rs_fake_geoclue_set_no_agent   (RsFakeGeoclue *fake,
                                               gboolean       no_agent);

/* What the app did. */
guint          rs_fake_geoclue_get_n_clients  (RsFakeGeoclue *fake);
guint          rs_fake_geoclue_get_n_started  (RsFakeGeoclue *fake);
guint          rs_fake_geoclue_get_n_stopped  (RsFakeGeoclue *fake);
guint          rs_fake_geoclue_get_n_deleted  (RsFakeGeoclue *fake);
guint          rs_fake_geoclue_get_n_active   (RsFakeGeoclue *fake);
const char    *rs_fake_geoclue_get_desktop_id (RsFakeGeoclue *fake);
guint          rs_fake_geoclue_get_accuracy_level (RsFakeGeoclue *fake);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsFakeGeoclue, rs_fake_geoclue_free)

G_END_DECLS
