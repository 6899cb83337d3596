/* rs-application-private.h: internals shared by rs-application.c and rs-application-actions.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "rs-application.h"

G_BEGIN_DECLS

void _rs_application_install_actions (RsApplication *self);

G_END_DECLS
