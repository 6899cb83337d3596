/* rs-preferences-window.h: Preferences: the setup, the display, the district server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RS_TYPE_PREFERENCES_WINDOW (rs_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (RsPreferencesWindow, rs_preferences_window, RS, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

RsPreferencesWindow *rs_preferences_window_new (GtkWindow  *parent,
                                                GSettings  *settings,
                                                const char *device_id);

G_END_DECLS
