/* rs-home-page.h: "Today": the households to visit and in progress, grouped by village.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "rs-format.h"

G_BEGIN_DECLS

#define RS_TYPE_HOME_PAGE (rs_home_page_get_type ())
G_DECLARE_FINAL_TYPE (RsHomePage, rs_home_page, RS, HOME_PAGE, GtkWidget)

void        rs_home_page_set_households (RsHomePage *self,
                                         GPtrArray  *items);
void        rs_home_page_set_counts     (RsHomePage *self,
                                         guint       reviewed_today,
                                         guint       waiting,
                                         guint       needing_attention);
void        rs_home_page_set_title      (RsHomePage *self,
                                         const char *subtitle);
guint       rs_home_page_get_n_visible  (RsHomePage *self);
void        rs_home_page_focus_search   (RsHomePage *self);

G_END_DECLS
