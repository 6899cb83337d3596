/* rs-setup-page.h: the first start: who reviews where, and which district server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RS_TYPE_SETUP_PAGE (rs_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (RsSetupPage, rs_setup_page, RS, SETUP_PAGE, GtkWidget)

void rs_setup_page_load          (RsSetupPage *self,
                                  GSettings   *settings);
void rs_setup_page_set_device_id (RsSetupPage *self,
                                  const char  *device_id);

G_END_DECLS
