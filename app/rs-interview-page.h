/* rs-interview-page.h: the interview: one screen at a time as the form defines them, the
 * household roster as member cards, the jump index, and the live result bar.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "rs-form-session.h"
#include "rs-live-score.h"
#include "rs-store.h"

G_BEGIN_DECLS

#define RS_TYPE_INTERVIEW_PAGE (rs_interview_page_get_type ())
G_DECLARE_FINAL_TYPE (RsInterviewPage, rs_interview_page, RS, INTERVIEW_PAGE, GtkWidget)

/* The roster's name for rs_interview_page_get_position() and the store's current screen. */
#define RS_INTERVIEW_ROSTER "roster"

void           rs_interview_page_open              (RsInterviewPage *self,
                                                    RsStore         *store,
                                                    RsFormSession   *session,
                                                    RsLiveScore     *live_score,
                                                    const char      *resume_at,
                                                    gboolean         read_only);
void           rs_interview_page_close             (RsInterviewPage *self);
RsFormSession *rs_interview_page_get_session       (RsInterviewPage *self);
RsLiveScore   *rs_interview_page_get_live_score    (RsInterviewPage *self);
gboolean       rs_interview_page_is_read_only      (RsInterviewPage *self);
void           rs_interview_page_next              (RsInterviewPage *self);
void           rs_interview_page_previous          (RsInterviewPage *self);
void           rs_interview_page_jump_to_section   (RsInterviewPage *self,
                                                    guint            first_screen);
void           rs_interview_page_add_member        (RsInterviewPage *self);
void           rs_interview_page_edit_member       (RsInterviewPage *self,
                                                    guint            index);
guint          rs_interview_page_show_problems     (RsInterviewPage *self);
void           rs_interview_page_flush             (RsInterviewPage *self);
guint          rs_interview_page_get_pending_saves (RsInterviewPage *self);
char          *rs_interview_page_dup_position      (RsInterviewPage *self);

G_END_DECLS
