/* rs-text.h: text helpers shared by the store, the app and the server (Vietnamese folding, CSV
 * cells).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *rs_text_fold        (const char *text);
gboolean  rs_text_fold_match  (const char *folded_haystack,
                               const char *query);

char     *rs_text_catalogue_language (void);
char     *rs_text_locale_dir         (void);

/* What every CSV file rasoat writes starts with: the UTF-8 byte-order mark. */
#define RS_CSV_BOM "\xEF\xBB\xBF"

gboolean  rs_text_csv_needs_guard (const char *cell);
void      rs_text_csv_append_cell (GString    *out,
                                   const char *cell);

G_END_DECLS
