/* rs-sync-page.h: sending to the district: what waits, progress, what was refused and why, log.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "rs-records.h"

G_BEGIN_DECLS

#define RS_TYPE_SYNC_PAGE (rs_sync_page_get_type ())
G_DECLARE_FINAL_TYPE (RsSyncPage, rs_sync_page, RS, SYNC_PAGE, GtkWidget)

void rs_sync_page_set_data     (RsSyncPage *self,
                                RsSyncData *data);
/* Whether finished households are sent automatically (said under the server's address). */
void rs_sync_page_set_automatic (RsSyncPage *self,
                                 gboolean    automatic);
void rs_sync_page_set_server   (RsSyncPage *self,
                                const char *server_url);
void rs_sync_page_set_running  (RsSyncPage *self,
                                gboolean    running);
void rs_sync_page_set_progress (RsSyncPage *self,
                                guint       done,
                                guint       total);
void rs_sync_page_set_outcome  (RsSyncPage *self,
                                const char *text,
                                gboolean    problem);

G_END_DECLS
