/* rs-score.h: scores a household review record against a poverty standard, with reasons and way out.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "rs-form-session.h"
#include "rs-form.h"
#include "rs-standard.h"

G_BEGIN_DECLS

#define RS_SCORE_ERROR (rs_score_error_quark ())

typedef enum
{
  RS_SCORE_ERROR_READ,         /* the instance is not readable XML */
  RS_SCORE_ERROR_WRONG_FORM,   /* the instance belongs to another form */
  RS_SCORE_ERROR_EVALUATION,   /* a rule failed on this instance */
} RsScoreError;

GQuark rs_score_error_quark (void);

typedef enum
{
  RS_CLASSIFICATION_UNKNOWN,        /* income or area not known yet */
  RS_CLASSIFICATION_SCREENED_OUT,
  RS_CLASSIFICATION_POOR,
  RS_CLASSIFICATION_NEAR_POOR,
  RS_CLASSIFICATION_MIDDLE,
  RS_CLASSIFICATION_NOT_POOR,
} RsClassification;

typedef enum
{
  RS_TRANSITION_UNKNOWN,
  RS_TRANSITION_NONE,
  RS_TRANSITION_NEW_POOR,
  RS_TRANSITION_NEW_NEAR_POOR,
  RS_TRANSITION_STAYED_POOR,
  RS_TRANSITION_POOR_TO_NEAR_POOR,
  RS_TRANSITION_ESCAPED_POOR,
  RS_TRANSITION_NEAR_POOR_TO_POOR,
  RS_TRANSITION_STAYED_NEAR_POOR,
  RS_TRANSITION_ESCAPED_NEAR_POOR,
  RS_TRANSITION_RE_POOR,
  RS_TRANSITION_RE_NEAR_POOR,
} RsTransition;

/* "poor", "near_poor", …; NULL for RS_CLASSIFICATION_UNKNOWN. */
const char       *rs_classification_to_string (RsClassification classification);
RsClassification  rs_classification_from_string (const char *text);
/* "Hộ nghèo" / "Poor household", for people. */
const char       *rs_classification_get_label (RsClassification classification,
                                               RsLang           lang);
/* "new_poor", …; NULL for RS_TRANSITION_UNKNOWN. */
const char       *rs_transition_to_string     (RsTransition transition);
/* "Tái nghèo" / "Fell back into poverty", for people. */
const char       *rs_transition_get_label     (RsTransition transition,
                                               RsLang       lang);

/* The classification rule of both standards (pure): screened out first; then income at or
 * below the line with at least @poor_min_deprivations → poor, below the line → near-poor,
 * at or below the middle line (when set) → middle, else not poor.  Unknown income → unknown. */
RsClassification  rs_score_classify   (gboolean screened_out,
                                       gboolean income_known,
                                       gboolean below_line,
                                       guint    deprivation_count,
                                       guint    poor_min_deprivations,
                                       gboolean middle_known,
                                       gboolean at_or_below_middle);
/* The transition table of issue 3 (pure): rows admin/previous_status, columns the new class. */
RsTransition      rs_score_transition (const char       *previous_status,
                                       RsClassification classification);

typedef struct
{
  char     *id;
  char     *name[2];         /* RsLang index */
  gboolean  assessed;        /* FALSE: the form has no question for it (provisional standards) */
  gboolean  deprived;
  char     *reason[2];       /* in words, with the names of the members concerned */
  GArray   *members;         /* guint, 1-based positions in the roster (when deprived) */
} RsIndicatorResult;

typedef struct
{
  char   *item;
  char   *name[2];
  char   *indicator;
  guint   quantity;          /* members concerned for a per-person item, else 1 */
  gint64  cost_vnd;          /* quantity × unit cost */
} RsSupportNeed;

typedef struct
{
  char             *standard;          /* "vn-2022-2025@1" */
  RsStandardStatus  status;
  char             *instance_id;
  char             *review_date;

  gboolean          screened_out;
  GPtrArray        *screening_signs;   /* char*: sign ids found */
  gboolean          screening_provisional;

  RsClassification  classification;

  RsIncomeMethod    income_method;
  gboolean          income_known;        /* the income test could be made */
  gint64            per_capita_monthly;  /* G_MININT64 when not answered */
  gboolean          line_known;
  gint64            line;
  gboolean          middle_known;
  gint64            middle;
  gboolean          below_line;
  double            points;            /* points method only */
  double            cutoff;
  gboolean          points_test_data;

  guint             deprivation_count;
  guint             b2_points;
  GPtrArray        *indicators;        /* RsIndicatorResult, legal order */

  gboolean          no_labour_capacity;
  gboolean          ethnic_minority;
  gboolean          merit;

  char             *previous_status;
  RsTransition      transition;

  /* Way out: only for poor and near-poor households. */
  gboolean          has_way_out;
  GPtrArray        *to_near_poor;      /* char*: indicator ids to fix (poor: cheapest d − 2) */
  gboolean          lifts_to_near_poor;
  GPtrArray        *support;           /* RsSupportNeed */
  gint64            way_out_cost_vnd;
  gint64            income_gap_monthly;  /* VND per person per month to rise above the line */
} RsScore;

void      rs_score_free              (RsScore    *score);
/* Whether two scores agree on everything the JSON shows. */
gboolean  rs_score_equal             (const RsScore *a,
                                      const RsScore *b);
/* The JSON object of issue 3 (reasons in @lang). */
JsonNode *rs_score_to_json_node      (const RsScore *score,
                                      RsLang         lang);
char     *rs_score_to_json           (const RsScore *score,
                                      RsLang         lang);
/* A few lines for people (labels translated by gettext, reasons in @lang). */
char     *rs_score_to_text           (const RsScore *score,
                                      RsLang         lang);
/* "1.500.000 đ" */
char     *rs_format_vnd              (gint64 amount);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsScore, rs_score_free)

/* Scores instances of the shipped form: recomputes the form's calculations and drops the
 * answers of questions that are not relevant before the rules read anything.  One scorer
 * serves one thread at a time (it keeps one XPath context); a server uses one per worker. */
typedef struct _RsScorer RsScorer;

/* @data_dir holds forms/vn_household_review.xml and standards/ (standards and catalogue). */
RsScorer     *rs_scorer_new             (const char  *data_dir,
                                         GError     **error);
RsScorer     *rs_scorer_new_from_files  (const char  *form_path,
                                         const char  *standards_dir,
                                         GError     **error);
void          rs_scorer_free            (RsScorer    *self);
RsStandards  *rs_scorer_get_standards   (RsScorer    *self);
/* The shipped form the scorer loads records into (sessions for new records come from it). */
RsForm       *rs_scorer_get_form        (RsScorer    *self);
/* @standard_id: NULL to choose by the review date, or "id" / "id@version". */
RsScore      *rs_scorer_score_file      (RsScorer    *self,
                                         const char  *path,
                                         const char  *standard_id,
                                         GError     **error);
RsScore      *rs_scorer_score_xml       (RsScorer    *self,
                                         const char  *xml,
                                         gssize       length,
                                         const char  *standard_id,
                                         GError     **error);
/* Scores a copy of @instance (the document is not changed). */
RsScore      *rs_scorer_score_doc       (RsScorer    *self,
                                         xmlDocPtr    instance,
                                         const char  *standard_id,
                                         GError     **error);
/* Scores the record a form session holds, as it is now (answers of questions that are not
 * relevant are ignored). */
RsScore      *rs_scorer_score_session   (RsScorer       *self,
                                         RsFormSession  *session,
                                         const char     *standard_id,
                                         GError        **error);

/* Live scoring: after every recompute the session re-scores the household and writes
 * result/standard, classification, deprivation_count, deprived and b2_points, so that the
 * support section's relevance follows.  @scorer must outlive @session; @standard_id is NULL to
 * choose by the review date.  Returns the calculator id (rs_form_session_remove_calculator). */
guint          rs_score_attach_to_session (RsFormSession *session,
                                           RsScorer      *scorer,
                                           const char    *standard_id);
/* The latest score of an attached session, or NULL while it cannot be scored (no review date
 * yet).  Borrowed: valid until the next answer. */
const RsScore *rs_score_session_get_score (RsFormSession *session);
/* Its JSON (newly allocated), or NULL. */
char          *rs_score_session_get_json  (RsFormSession *session,
                                           RsLang         lang);

/* Writes the score into the instance's result elements (standard, classification,
 * deprivation_count, deprived, b2_points). */
void          rs_score_write_result     (const RsScore *score,
                                         xmlDocPtr      instance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsScorer, rs_scorer_free)

G_END_DECLS
