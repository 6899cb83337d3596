/* rs-server-csv.h: reads the district's assignment table (CSV, RFC 4180) for the JSON API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "rs-server-store.h"

G_BEGIN_DECLS

#define RS_SERVER_CSV_ERROR (rs_server_csv_error_quark ())

typedef enum
{
  RS_SERVER_CSV_ERROR_SYNTAX,
  RS_SERVER_CSV_ERROR_COLUMNS,
} RsServerCsvError;

GQuark     rs_server_csv_error_quark        (void);
/* Columns by header name: commune_code, household_code (required), village, head_name,
 * previous_status, source ("list" or "application"). Returns RsServerAssignment rows. */
GPtrArray *rs_server_assignments_parse_csv  (const char  *text,
                                             GError     **error);

G_END_DECLS
