/* rs-application.h: the rasoat application: options, settings, language, the local store.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define RS_TYPE_APPLICATION (rs_application_get_type ())
G_DECLARE_FINAL_TYPE (RsApplication, rs_application, RS, APPLICATION, AdwApplication)

void           rs_application_init_i18n     (void);
RsApplication *rs_application_new           (void);
GSettings     *rs_application_get_settings  (RsApplication *self);
const char    *rs_application_get_db_path   (RsApplication *self);
const char    *rs_application_get_data_dir  (RsApplication *self);

G_END_DECLS
