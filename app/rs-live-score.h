/* rs-live-score.h: the household's score, kept up to date as the enumerator answers.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "rs-form-session.h"
#include "rs-score.h"

G_BEGIN_DECLS

typedef struct _RsLiveScore RsLiveScore;

RsLiveScore   *rs_live_score_new          (RsScorer      *scorer,
                                           RsFormSession *session);
void           rs_live_score_free         (RsLiveScore   *self);
const RsScore *rs_live_score_get          (RsLiveScore   *self);
char          *rs_live_score_dup_text     (RsLiveScore   *self,
                                           gboolean       provisional);
char          *rs_live_score_dup_json     (RsLiveScore   *self);
RsLang         rs_live_score_get_lang     (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsLiveScore, rs_live_score_free)

G_END_DECLS
