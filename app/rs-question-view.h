/* rs-question-view.h: one question on screen: label, hint, a large input for its type, and its
 * error in plain words.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "rs-form-session.h"

G_BEGIN_DECLS

#define RS_TYPE_QUESTION_VIEW (rs_question_view_get_type ())
G_DECLARE_FINAL_TYPE (RsQuestionView, rs_question_view, RS, QUESTION_VIEW, GtkWidget)

GtkWidget  *rs_question_view_new          (const RsFormQuestion *question);
const char *rs_question_view_get_path     (RsQuestionView       *self);
void        rs_question_view_update       (RsQuestionView       *self,
                                           const RsFormQuestion *question,
                                           gboolean              show_required);
void        rs_question_view_flush        (RsQuestionView       *self);
gboolean    rs_question_view_has_error    (RsQuestionView       *self);
void        rs_question_view_focus        (RsQuestionView       *self);

G_END_DECLS
