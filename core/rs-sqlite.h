/* rs-sqlite.h: the connection settings every rasoat SQLite database uses, on the tablet and at
 * the district. SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

int rs_sqlite_configure (sqlite3  *db);
int rs_sqlite_use_wal   (sqlite3  *db,
                         char    **mode);

G_END_DECLS
