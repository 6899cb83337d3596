/* rs-window.h: the main window: setup, Today, interview, result, sync and record pages.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "rs-application.h"
#include "rs-store.h"

G_BEGIN_DECLS

#define RS_TYPE_WINDOW (rs_window_get_type ())
G_DECLARE_FINAL_TYPE (RsWindow, rs_window, RS, WINDOW, AdwApplicationWindow)

RsWindow   *rs_window_new           (RsApplication *application);
const char *rs_window_get_device_id (RsWindow      *self);
RsStore    *rs_window_get_store     (RsWindow      *self);
const char *rs_window_get_page_name (RsWindow      *self);
void        rs_window_reload_sync_settings (RsWindow *self);
void        rs_window_toast         (RsWindow      *self,
                                     const char    *message);

G_END_DECLS
