/* rs-live-score.c: the household's score, kept up to date as the enumerator answers.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-format.h"
#include "rs-live-score.h"

struct _RsLiveScore
{
  RsScorer      *scorer;    /* borrowed: the window keeps it */
  RsFormSession *session;   /* borrowed: it owns us through the calculator */
  RsScore       *score;
  guint          calculator_id;
};

/* The result elements of the data dictionary, written by the scoring, not asked. */
static void
write_result (RsLiveScore *self)
{
  const char *root = rs_form_get_root_name (rs_form_session_get_form (self->session));
  g_autoptr(GString) deprived = g_string_new (NULL);
  g_autofree char *count = NULL;
  g_autofree char *points = NULL;
  const RsScore *score = self->score;
  struct
  {
    const char *field;
    const char *value;
  } fields[5];

  if (score != NULL)
    {
      for (guint i = 0; i < score->indicators->len; i++)
        {
          RsIndicatorResult *indicator = g_ptr_array_index (score->indicators, i);

          if (!indicator->deprived)
            continue;
          if (deprived->len > 0)
            g_string_append_c (deprived, ' ');
          g_string_append (deprived, indicator->id);
        }
      count = g_strdup_printf ("%u", score->deprivation_count);
      points = g_strdup_printf ("%u", score->b2_points);
    }
  fields[0].field = "standard";
  fields[0].value = score != NULL ? score->standard : "";
  fields[1].field = "classification";
  fields[1].value = score != NULL ? rs_classification_to_string (score->classification) : NULL;
  fields[2].field = "deprivation_count";
  fields[2].value = count;
  fields[3].field = "deprived";
  fields[3].value = deprived->str;
  fields[4].field = "b2_points";
  fields[4].value = points;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *path = g_strdup_printf ("/%s/result/%s", root, fields[i].field);
      g_autoptr(GError) error = NULL;

      if (!rs_form_session_set_computed_value (self->session, path,
                                               fields[i].value != NULL ? fields[i].value : "",
                                               &error))
        g_debug ("live score: %s not written: %s", path, error->message);
    }
}

static void
recalculate (RsFormSession *session,
             gpointer       user_data)
{
  RsLiveScore *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->score, rs_score_free);
  self->score = rs_scorer_score_doc (self->scorer, rs_form_session_get_instance_doc (session),
                                     NULL, &error);
  /* Early in the interview there may be no review date or income yet: no score is normal. */
  if (self->score == NULL)
    g_debug ("live score: %s", error->message);
  write_result (self);
}

/**
 * rs_live_score_new:
 *
 * Scores the household after every change of @session and writes the result elements (the
 * support questions depend on the class).
 */
RsLiveScore *
rs_live_score_new (RsScorer      *scorer,
                   RsFormSession *session)
{
  RsLiveScore *self = g_new0 (RsLiveScore, 1);

  self->scorer = scorer;
  self->session = session;
  self->calculator_id = rs_form_session_add_calculator (session, recalculate, self, NULL);
  recalculate (session, self);
  return self;
}

void
rs_live_score_free (RsLiveScore *self)
{
  if (self == NULL)
    return;
  rs_form_session_remove_calculator (self->session, self->calculator_id);
  g_clear_pointer (&self->score, rs_score_free);
  g_free (self);
}

/**
 * rs_live_score_get:
 *
 * Returns: (nullable): the latest score, or %NULL while the household cannot be scored yet.
 */
const RsScore *
rs_live_score_get (RsLiveScore *self)
{
  return self->score;
}

/**
 * rs_live_score_dup_text:
 *
 * Returns: (transfer full): the line of the live result bar.
 */
char *
rs_live_score_dup_text (RsLiveScore *self,
                        gboolean     provisional)
{
  const RsScore *score = self->score;

  if (score == NULL)
    return rs_format_live_result (RS_CLASSIFICATION_UNKNOWN, provisional, -1, 0, FALSE, 0, 0);
  return rs_format_live_result (score->classification, provisional,
                                (int) score->deprivation_count, (int) score->indicators->len,
                                score->income_known && score->line_known,
                                score->per_capita_monthly, score->line);
}

/**
 * rs_live_score_dup_json:
 *
 * Returns: (transfer full) (nullable): the score as the store keeps it.
 */
char *
rs_live_score_dup_json (RsLiveScore *self)
{
  if (self->score == NULL)
    return NULL;
  return rs_score_to_json (self->score, rs_live_score_get_lang ());
}

/**
 * rs_live_score_get_lang:
 *
 * Returns: the language for reasons and names: English when the UI is English, else Vietnamese.
 */
RsLang
rs_live_score_get_lang (void)
{
  const char *language = g_getenv ("LANGUAGE");

  return language != NULL && g_str_has_prefix (language, "en") ? RS_LANG_EN : RS_LANG_VI;
}
