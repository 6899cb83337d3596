/* rs-result-page.h: the result before finalizing: class, the 12 indicators (deprived first,
 * with reasons and members), the way out with support costs, the support needs; Finalize.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "rs-score.h"

G_BEGIN_DECLS

#define RS_TYPE_RESULT_PAGE (rs_result_page_get_type ())
G_DECLARE_FINAL_TYPE (RsResultPage, rs_result_page, RS, RESULT_PAGE, GtkWidget)

typedef enum
{
  RS_RESULT_MODE_DRAFT,      /* before finalizing: "Finalize" */
  RS_RESULT_MODE_FINALIZED,  /* waiting to send: look only */
  RS_RESULT_MODE_SENT,       /* sent: look, or "Edit as a new version" */
  RS_RESULT_MODE_REFUSED,    /* refused by the server: "Correct" reopens it as a draft */
  RS_RESULT_MODE_SUPERSEDED, /* sent, then replaced by a newer version: look only */
} RsResultMode;

void rs_result_page_show (RsResultPage  *self,
                          const RsScore *score,
                          const char    *head_name,
                          const char    *support_needs,
                          RsResultMode   mode);
void rs_result_page_set_version (RsResultPage  *self,
                                 const char    *version_line);

G_END_DECLS
