/* rs-score.c: scores a household review record against a poverty standard, with reasons and way out.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <math.h>
#include <string.h>

#include "rs-form-private.h"
#include "rs-form-session.h"
#include "rs-score.h"
#include "rs-standard-private.h"

G_DEFINE_QUARK (rs-score-error-quark, rs_score_error)

#define XFORMS_NS "http://www.w3.org/2002/xforms"

/* ---- pure decisions ------------------------------------------------------------------------- */

static const char * const classification_names[] = {
  NULL, "screened_out", "poor", "near_poor", "middle", "not_poor",
};

const char *
rs_classification_to_string (RsClassification classification)
{
  g_return_val_if_fail (classification <= RS_CLASSIFICATION_NOT_POOR, NULL);
  return classification_names[classification];
}

RsClassification
rs_classification_from_string (const char *text)
{
  for (guint i = 1; i < G_N_ELEMENTS (classification_names); i++)
    if (g_strcmp0 (text, classification_names[i]) == 0)
      return i;
  return RS_CLASSIFICATION_UNKNOWN;
}

const char *
rs_classification_get_label (RsClassification classification,
                             RsLang           lang)
{
  static const char * const labels[][2] = {
    { "Chưa đủ thông tin", "Not enough information yet" },
    { "Không thuộc diện rà soát (Phiếu A)", "Screened out (Form A)" },
    { "Hộ nghèo", "Poor household" },
    { "Hộ cận nghèo", "Near-poor household" },
    { "Hộ có mức sống trung bình", "Middle living standard" },
    { "Hộ không nghèo", "Not poor" },
  };

  g_return_val_if_fail (classification <= RS_CLASSIFICATION_NOT_POOR, NULL);
  return labels[classification][lang];
}

const char *
rs_transition_to_string (RsTransition transition)
{
  static const char * const names[] = {
    NULL, "none", "new_poor", "new_near_poor", "stayed_poor", "poor_to_near_poor",
    "escaped_poor", "near_poor_to_poor", "stayed_near_poor", "escaped_near_poor", "re_poor",
    "re_near_poor",
  };

  g_return_val_if_fail (transition <= RS_TRANSITION_RE_NEAR_POOR, NULL);
  return names[transition];
}

const char *
rs_transition_get_label (RsTransition transition,
                         RsLang       lang)
{
  static const char * const labels[][2] = {
    { "Chưa xác định", "Not known yet" },
    { "Không thay đổi diện", "No change of list" },
    { "Hộ nghèo phát sinh mới", "New poor household" },
    { "Hộ cận nghèo phát sinh mới", "New near-poor household" },
    { "Vẫn là hộ nghèo", "Still poor" },
    { "Trở thành hộ cận nghèo", "Poor to near-poor" },
    { "Thoát nghèo", "Escaped poverty" },
    { "Từ cận nghèo thành hộ nghèo", "Near-poor to poor" },
    { "Vẫn là hộ cận nghèo", "Still near-poor" },
    { "Vượt chuẩn cận nghèo", "Escaped near-poverty" },
    { "Tái nghèo", "Fell back into poverty" },
    { "Tái cận nghèo", "Fell back into near-poverty" },
  };

  g_return_val_if_fail (transition <= RS_TRANSITION_RE_NEAR_POOR, NULL);
  return labels[transition][lang];
}

RsClassification
rs_score_classify (gboolean screened_out,
                   gboolean income_known,
                   gboolean below_line,
                   guint    deprivation_count,
                   guint    poor_min_deprivations,
                   gboolean middle_known,
                   gboolean at_or_below_middle)
{
  if (screened_out)
    return RS_CLASSIFICATION_SCREENED_OUT;
  if (!income_known)
    return RS_CLASSIFICATION_UNKNOWN;
  if (below_line && deprivation_count >= poor_min_deprivations)
    return RS_CLASSIFICATION_POOR;
  if (below_line)
    return RS_CLASSIFICATION_NEAR_POOR;
  if (middle_known && at_or_below_middle)
    return RS_CLASSIFICATION_MIDDLE;
  return RS_CLASSIFICATION_NOT_POOR;
}

RsTransition
rs_score_transition (const char       *previous_status,
                     RsClassification classification)
{
  static const struct
  {
    const char  *previous;
    RsTransition to_poor, to_near_poor, to_other;
  } table[] = {
    { "none", RS_TRANSITION_NEW_POOR, RS_TRANSITION_NEW_NEAR_POOR, RS_TRANSITION_NONE },
    { "poor", RS_TRANSITION_STAYED_POOR, RS_TRANSITION_POOR_TO_NEAR_POOR,
      RS_TRANSITION_ESCAPED_POOR },
    { "near_poor", RS_TRANSITION_NEAR_POOR_TO_POOR, RS_TRANSITION_STAYED_NEAR_POOR,
      RS_TRANSITION_ESCAPED_NEAR_POOR },
    { "escaped_poor", RS_TRANSITION_RE_POOR, RS_TRANSITION_NEW_NEAR_POOR, RS_TRANSITION_NONE },
    { "escaped_near_poor", RS_TRANSITION_NEW_POOR, RS_TRANSITION_RE_NEAR_POOR,
      RS_TRANSITION_NONE },
  };

  if (classification == RS_CLASSIFICATION_UNKNOWN)
    return RS_TRANSITION_UNKNOWN;
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      if (g_strcmp0 (previous_status, table[i].previous) != 0)
        continue;
      if (classification == RS_CLASSIFICATION_POOR)
        return table[i].to_poor;
      if (classification == RS_CLASSIFICATION_NEAR_POOR)
        return table[i].to_near_poor;
      return table[i].to_other;
    }
  return RS_TRANSITION_UNKNOWN;
}

/* ---- the score ------------------------------------------------------------------------------ */

static void
indicator_result_free (gpointer data)
{
  RsIndicatorResult *result = data;

  g_free (result->id);
  for (guint l = 0; l < 2; l++)
    {
      g_free (result->name[l]);
      g_free (result->reason[l]);
    }
  g_clear_pointer (&result->members, g_array_unref);
  g_free (result);
}

static void
support_need_free (gpointer data)
{
  RsSupportNeed *need = data;

  g_free (need->item);
  g_free (need->name[0]);
  g_free (need->name[1]);
  g_free (need->indicator);
  g_free (need);
}

static RsScore *
score_new (void)
{
  RsScore *score = g_new0 (RsScore, 1);

  score->screening_signs = g_ptr_array_new_with_free_func (g_free);
  score->indicators = g_ptr_array_new_with_free_func (indicator_result_free);
  score->to_near_poor = g_ptr_array_new_with_free_func (g_free);
  score->support = g_ptr_array_new_with_free_func (support_need_free);
  return score;
}

void
rs_score_free (RsScore *score)
{
  if (score == NULL)
    return;
  g_free (score->standard);
  g_free (score->instance_id);
  g_free (score->review_date);
  g_free (score->previous_status);
  g_ptr_array_unref (score->screening_signs);
  g_ptr_array_unref (score->indicators);
  g_ptr_array_unref (score->to_near_poor);
  g_ptr_array_unref (score->support);
  g_free (score);
}

char *
rs_format_vnd (gint64 amount)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                             (guint64) (amount < 0 ? -amount : amount));
  GString *out = g_string_new (amount < 0 ? "-" : "");
  gsize n = strlen (digits);

  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append_c (out, '.');
      g_string_append_c (out, digits[i]);
    }
  g_string_append (out, " đ");
  return g_string_free (out, FALSE);
}

static void
add_string_array (JsonBuilder *builder,
                  GPtrArray   *strings)
{
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *member,
                     const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

JsonNode *
rs_score_to_json_node (const RsScore *score,
                       RsLang         lang)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "standard");
  json_builder_add_string_value (builder, score->standard);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, score->status == RS_STANDARD_STATUS_OFFICIAL
                                          ? "official" : "provisional");
  add_nullable_string (builder, "classification",
                       rs_classification_to_string (score->classification));
  json_builder_set_member_name (builder, "screened_out");
  json_builder_add_boolean_value (builder, score->screened_out);
  json_builder_set_member_name (builder, "screening_signs");
  add_string_array (builder, score->screening_signs);

  json_builder_set_member_name (builder, "income");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, score->income_method == RS_INCOME_METHOD_DIRECT
                                          ? "direct" : "points");
  json_builder_set_member_name (builder, "per_capita_monthly");
  if (score->per_capita_monthly != G_MININT64)
    json_builder_add_int_value (builder, score->per_capita_monthly);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "line");
  if (score->line_known)
    json_builder_add_int_value (builder, score->line);
  else
    json_builder_add_null_value (builder);
  if (score->income_method == RS_INCOME_METHOD_POINTS)
    {
      json_builder_set_member_name (builder, "points");
      json_builder_add_double_value (builder, score->points);
      json_builder_set_member_name (builder, "cutoff");
      json_builder_add_double_value (builder, score->cutoff);
      json_builder_set_member_name (builder, "test_data");
      json_builder_add_boolean_value (builder, score->points_test_data);
    }
  json_builder_set_member_name (builder, "below_line");
  if (score->income_known)
    json_builder_add_boolean_value (builder, score->below_line);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "deprivation_count");
  json_builder_add_int_value (builder, score->deprivation_count);
  json_builder_set_member_name (builder, "b2_points");
  json_builder_add_int_value (builder, score->b2_points);

  json_builder_set_member_name (builder, "indicators");
  json_builder_begin_array (builder);
  for (guint i = 0; i < score->indicators->len; i++)
    {
      const RsIndicatorResult *result = g_ptr_array_index (score->indicators, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, result->id);
      json_builder_set_member_name (builder, "deprived");
      json_builder_add_boolean_value (builder, result->deprived);
      if (!result->assessed)
        {
          json_builder_set_member_name (builder, "assessed");
          json_builder_add_boolean_value (builder, FALSE);
        }
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, result->reason[lang]);
      json_builder_set_member_name (builder, "members");
      json_builder_begin_array (builder);
      for (guint m = 0; m < result->members->len; m++)
        json_builder_add_int_value (builder, g_array_index (result->members, guint, m));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "subgroups");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "no_labour_capacity");
  json_builder_add_boolean_value (builder, score->no_labour_capacity);
  json_builder_set_member_name (builder, "ethnic_minority");
  json_builder_add_boolean_value (builder, score->ethnic_minority);
  json_builder_set_member_name (builder, "merit");
  json_builder_add_boolean_value (builder, score->merit);
  json_builder_end_object (builder);

  add_nullable_string (builder, "transition", rs_transition_to_string (score->transition));

  json_builder_set_member_name (builder, "way_out");
  if (!score->has_way_out)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "to_near_poor");
      add_string_array (builder, score->to_near_poor);
      json_builder_set_member_name (builder, "lifts_to_near_poor");
      json_builder_add_boolean_value (builder, score->lifts_to_near_poor);
      json_builder_set_member_name (builder, "support");
      json_builder_begin_array (builder);
      for (guint i = 0; i < score->support->len; i++)
        {
          const RsSupportNeed *need = g_ptr_array_index (score->support, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "item");
          json_builder_add_string_value (builder, need->item);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, need->name[lang]);
          json_builder_set_member_name (builder, "indicator");
          json_builder_add_string_value (builder, need->indicator);
          json_builder_set_member_name (builder, "quantity");
          json_builder_add_int_value (builder, need->quantity);
          json_builder_set_member_name (builder, "cost_vnd");
          json_builder_add_int_value (builder, need->cost_vnd);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "cost_vnd");
      json_builder_add_int_value (builder, score->way_out_cost_vnd);
      json_builder_set_member_name (builder, "income_gap_monthly");
      if (score->income_known && score->income_method == RS_INCOME_METHOD_DIRECT)
        json_builder_add_int_value (builder, score->income_gap_monthly);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
rs_score_to_json (const RsScore *score,
                  RsLang         lang)
{
  g_autoptr(JsonNode) node = rs_score_to_json_node (score, lang);

  return json_to_string (node, FALSE);
}

gboolean
rs_score_equal (const RsScore *a,
                const RsScore *b)
{
  g_autofree char *ja = rs_score_to_json (a, RS_LANG_VI);
  g_autofree char *jb = rs_score_to_json (b, RS_LANG_VI);

  return g_str_equal (ja, jb);
}

char *
rs_score_to_text (const RsScore *score,
                  RsLang         lang)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s %s (%s)\n", _("Standard:"), score->standard,
                          score->status == RS_STANDARD_STATUS_OFFICIAL
                          ? _("official") : _("provisional, for previews only"));
  g_string_append_printf (out, "%s %s\n", _("Result:"),
                          rs_classification_get_label (score->classification, lang));
  if (score->screening_signs->len > 0)
    {
      g_autofree char *signs = NULL;

      g_ptr_array_add (score->screening_signs, NULL);
      signs = g_strjoinv (", ", (char **) score->screening_signs->pdata);
      g_ptr_array_remove_index (score->screening_signs, score->screening_signs->len - 1);
      g_string_append_printf (out, "%s %s%s\n", _("Screening signs:"), signs,
                              score->screened_out ? "" : _(" (review continued)"));
    }
  if (score->screened_out)
    return g_string_free (out, FALSE);

  if (score->income_known && score->line_known)
    {
      g_autofree char *income = rs_format_vnd (score->per_capita_monthly);
      g_autofree char *line = rs_format_vnd (score->line);

      g_string_append_printf (out, _("Income per person per month: %s (line %s): %s\n"), income,
                              line, score->below_line ? _("at or below the line")
                                                      : _("above the line"));
    }
  else
    g_string_append_printf (out, "%s\n", _("Income per person per month: not known yet"));
  g_string_append_printf (out, _("Deprivations: %u (B2: %u points)\n"), score->deprivation_count,
                          score->b2_points);
  for (guint i = 0; i < score->indicators->len; i++)
    {
      const RsIndicatorResult *result = g_ptr_array_index (score->indicators, i);

      g_string_append_printf (out, "  %s %2u. %s: %s\n", result->deprived ? "[x]" : "[ ]", i + 1,
                              result->name[lang], result->reason[lang]);
    }
  if (score->no_labour_capacity || score->ethnic_minority || score->merit)
    g_string_append_printf (out, "%s%s%s%s\n", _("Groups:"),
                            score->no_labour_capacity ? _(" no labour capacity") : "",
                            score->ethnic_minority ? _(" ethnic-minority head") : "",
                            score->merit ? _(" person of merit") : "");
  if (rs_transition_to_string (score->transition) != NULL)
    g_string_append_printf (out, "%s %s\n", _("Change since last year:"),
                            rs_transition_get_label (score->transition, lang));
  if (score->has_way_out)
    {
      g_autofree char *cost = rs_format_vnd (score->way_out_cost_vnd);

      if (score->to_near_poor->len > 0)
        {
          g_string_append (out, _("To become near-poor, fix:"));
          for (guint i = 0; i < score->to_near_poor->len; i++)
            for (guint k = 0; k < score->indicators->len; k++)
              {
                const RsIndicatorResult *r = g_ptr_array_index (score->indicators, k);

                if (g_str_equal (r->id, g_ptr_array_index (score->to_near_poor, i)))
                  g_string_append_printf (out, "%s %s", i > 0 ? ";" : "", r->name[lang]);
              }
          g_string_append_c (out, '\n');
        }
      for (guint i = 0; i < score->support->len; i++)
        {
          const RsSupportNeed *need = g_ptr_array_index (score->support, i);
          g_autofree char *item_cost = rs_format_vnd (need->cost_vnd);

          g_string_append_printf (out, "  %s × %u: %s\n", need->name[lang], need->quantity,
                                  item_cost);
        }
      g_string_append_printf (out, "%s %s\n", _("Support cost:"), cost);
    }
  return g_string_free (out, FALSE);
}

#define PARSER_DICT_LIMIT 4096

/* ---- the scorer ----------------------------------------------------------------------------- */

struct _RsScorer
{
  RsForm              *form;
  RsStandards         *standards;
  xmlParserCtxtPtr     parser;        /* reused for every record, made when first needed */
  RsFormSession       *reader;        /* the same: the values-only session records load into */
  xmlXPathCompExprPtr  instance_id;
};

void
rs_scorer_free (RsScorer *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->standards, rs_standards_free);
  g_clear_pointer (&self->form, rs_form_unref);
  g_clear_object (&self->reader);
  g_clear_pointer (&self->parser, xmlFreeParserCtxt);
  g_clear_pointer (&self->instance_id, xmlXPathFreeCompExpr);
  g_free (self);
}

RsStandards *
rs_scorer_get_standards (RsScorer *self)
{
  return self->standards;
}

RsForm *
rs_scorer_get_form (RsScorer *self)
{
  return self->form;
}

RsScorer *
rs_scorer_new_from_files (const char  *form_path,
                          const char  *standards_dir,
                          GError     **error)
{
  g_autoptr(RsScorer) self = g_new0 (RsScorer, 1);

  self->form = rs_form_new_from_file (form_path, error);
  if (self->form == NULL)
    return NULL;
  self->standards = rs_standards_new_for_form (form_path, error);
  if (self->standards == NULL)
    return NULL;
  if (!rs_standards_load_dir (self->standards, standards_dir, error))
    return NULL;
  self->instance_id = xmlXPathCompile ((const xmlChar *) "string(/*/meta/instanceID)");
  return g_steal_pointer (&self);
}

RsScorer *
rs_scorer_new (const char  *data_dir,
               GError     **error)
{
  g_autofree char *form = g_build_filename (data_dir, "forms", "vn_household_review.xml", NULL);
  g_autofree char *standards = g_build_filename (data_dir, "standards", NULL);

  return rs_scorer_new_from_files (form, standards, error);
}

static void
set_text (xmlNodePtr  node,
          const char *text)
{
  xmlNodeSetContent (node, NULL);
  if (text != NULL && *text != '\0')
    xmlNodeAddContent (node, (const xmlChar *) text);
}

static void
clear_answers (xmlNodePtr node)
{
  gboolean has_elements = FALSE;

  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      {
        has_elements = TRUE;
        clear_answers (child);
      }
  if (!has_elements)
    set_text (node, NULL);
}

static gboolean
has_answer (xmlNodePtr node)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE || (child->content != NULL && *child->content != '\0'))
      return TRUE;
  return FALSE;
}

/* Empties, in @copy (a copy of the session's instance, or that instance itself), every answer
 * the session holds for a question that is not relevant: the rules must not read them.
 * @original is the session's element @copy was copied from; copies keep the order of children,
 * so the two are walked side by side.  The first element found not relevant, going down, is
 * one whose own relevance condition is false (the others follow their parent), and all of it
 * is emptied. */
static void
drop_irrelevant (xmlNodePtr copy,
                 xmlNodePtr original)
{
  for (xmlNodePtr child = copy->children, from = original->children; child != NULL;
       child = child->next, from = from->next)
    {
      if (child->type != XML_ELEMENT_NODE || !has_answer (child))
        continue;
      if (!_rs_form_session_element_is_relevant (from))
        clear_answers (child);
      else
        drop_irrelevant (child, from);
    }
}

static gboolean
eval_error (GError     **error,
            const char  *what,
            GError      *cause)
{
  g_set_error (error, RS_SCORE_ERROR, RS_SCORE_ERROR_EVALUATION,
               _("Scoring failed on %s: %s"), what, cause != NULL ? cause->message : "?");
  return FALSE;
}

/* A stored choice or date, without the blanks an edited record may carry around it. */
static char *
eval_string (xmlXPathContextPtr  ctx,
             const RsRule       *rule,
             xmlNodePtr          root)
{
  return g_strstrip (rs_xpath_eval_string (ctx, rule->comp, root, NULL));
}

static gboolean
eval_bool (xmlXPathContextPtr  ctx,
           const RsRule       *rule,
           xmlNodePtr          root,
           gboolean           *out,
           GError            **error)
{
  g_autoptr(GError) local_error = NULL;

  *out = rs_xpath_eval_boolean (ctx, rule->comp, root, &local_error);
  if (local_error != NULL)
    return eval_error (error, rule->text, local_error);
  return TRUE;
}

static guint
member_position (xmlNodePtr member)
{
  guint position = 1;

  for (xmlNodePtr prev = member->prev; prev != NULL; prev = prev->prev)
    if (prev->type == XML_ELEMENT_NODE && xmlStrEqual (prev->name, member->name))
      position++;
  return position;
}

static char *
member_name (xmlNodePtr member,
             guint      position,
             RsLang     lang)
{
  for (xmlNodePtr child = member->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) "name"))
        {
          xmlChar *text = xmlNodeGetContent (child);
          g_autofree char *name = g_strstrip (g_strdup (text != NULL ? (const char *) text : ""));

          xmlFree (text);
          if (*name != '\0')
            return g_steal_pointer (&name);
        }
    }
  return g_strdup_printf (lang == RS_LANG_VI ? "thành viên %u" : "member %u", position);
}

static char *
fill_reason (const char *reason,
             const char *names)
{
  g_auto(GStrv) parts = NULL;

  if (reason == NULL)
    return g_strdup ("");
  if (strstr (reason, "{members}") == NULL)
    return g_strdup (reason);
  parts = g_strsplit (reason, "{members}", -1);
  return g_strjoinv (names, parts);
}

static gboolean
score_indicator (xmlXPathContextPtr     ctx,
                 RsScoreVars           *vars,
                 const RsIndicatorDef  *def,
                 xmlNodePtr             root,
                 RsIndicatorResult     *result,
                 GError               **error)
{
  g_autoptr(GPtrArray) names_vi = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names_en = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *names[2] = { names_vi, names_en };
  gboolean deprived = FALSE;

  if (def->members.comp != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      xmlXPathObjectPtr nodes = rs_xpath_eval (ctx, def->members.comp, root, &local_error);

      if (nodes == NULL)
        return eval_error (error, def->members.text, local_error);
      if (nodes->type == XPATH_NODESET && nodes->nodesetval != NULL)
        for (int i = 0; i < nodes->nodesetval->nodeNr; i++)
          {
            xmlNodePtr member = nodes->nodesetval->nodeTab[i];
            guint position = member_position (member);

            g_array_append_val (result->members, position);
            for (guint l = 0; l < 2; l++)
              g_ptr_array_add (names[l], member_name (member, position, l));
          }
      deprived = result->members->len > 0;
      /* The rule sees the same members as $members, without selecting them again. */
      vars->members = nodes;
      if (def->rule.comp != NULL && !eval_bool (ctx, &def->rule, root, &deprived, error))
        {
          vars->members = NULL;
          xmlXPathFreeObject (nodes);
          return FALSE;
        }
      vars->members = NULL;
      xmlXPathFreeObject (nodes);
    }
  else if (def->rule.comp != NULL && !eval_bool (ctx, &def->rule, root, &deprived, error))
    return FALSE;

  result->deprived = deprived;
  if (!deprived)
    g_array_set_size (result->members, 0);
  for (guint l = 0; l < 2; l++)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (names[l], NULL);
      joined = g_strjoinv (", ", (char **) names[l]->pdata);
      result->reason[l] = fill_reason (deprived ? def->reason[l] : def->reason_met[l], joined);
    }
  return TRUE;
}

static gboolean
score_income (xmlXPathContextPtr  ctx,
              const RsStandard   *std,
              xmlNodePtr          root,
              int                 area,
              const char         *region,
              RsScore            *score,
              GError            **error)
{
  double per_capita = NAN;

  score->income_method = std->income_method;
  score->line_known = area >= 0;
  score->line = area >= 0 ? std->poverty_line[area] : 0;
  score->middle_known = area >= 0 && std->middle_set[area];
  score->middle = score->middle_known ? std->middle_line[area] : 0;
  score->per_capita_monthly = G_MININT64;
  if (std->per_capita_monthly.comp != NULL)
    {
      per_capita = rs_xpath_eval_number (ctx, std->per_capita_monthly.comp, root, NULL);
      if (!isnan (per_capita) && !isinf (per_capita))
        score->per_capita_monthly = (gint64) floor (per_capita);
    }

  if (std->income_method == RS_INCOME_METHOD_DIRECT)
    {
      score->income_known = area >= 0 && score->per_capita_monthly != G_MININT64;
      score->below_line = score->income_known && score->per_capita_monthly <= score->line;
      return TRUE;
    }

  score->points_test_data = std->points_test_data;
  score->points = 0;
  score->cutoff = area >= 0 ? std->points_cutoff[area] : 0;
  for (guint i = 0; area >= 0 && i < std->points_items->len; i++)
    {
      const RsPointsItem *item = g_ptr_array_index (std->points_items, i);
      const double *by_region = region != NULL ? g_hash_table_lookup (item->by_region, region)
                                               : NULL;
      gboolean applies;

      if (!eval_bool (ctx, &item->rule, root, &applies, error))
        return FALSE;
      if (applies)
        score->points += by_region != NULL ? by_region[area] : item->points[area];
    }
  score->income_known = area >= 0;
  score->below_line = score->income_known && score->points <= score->cutoff;
  return TRUE;
}

typedef struct
{
  guint                indicator_index;
  const RsSupportItem *item;
  guint                quantity;
  gint64               cost;
} FixOption;

static int
compare_fix (gconstpointer a,
             gconstpointer b)
{
  const FixOption *fa = a, *fb = b;

  if (fa->cost != fb->cost)
    return fa->cost < fb->cost ? -1 : 1;
  return (int) fa->indicator_index - (int) fb->indicator_index;
}

static int
compare_fix_legal (gconstpointer a,
                   gconstpointer b)
{
  const FixOption *fa = a, *fb = b;

  return (int) fa->indicator_index - (int) fb->indicator_index;
}

static gboolean
score_way_out (RsStandards        *standards,
               xmlXPathContextPtr  ctx,
               const RsStandard   *std,
               xmlNodePtr          root,
               RsScore            *score,
               GError            **error)
{
  GPtrArray *catalogue = _rs_standards_get_catalogue (standards);
  g_autoptr(GArray) options = g_array_new (FALSE, FALSE, sizeof (FixOption));
  guint needed = 0;

  if (score->classification != RS_CLASSIFICATION_POOR
      && score->classification != RS_CLASSIFICATION_NEAR_POOR)
    return TRUE;
  score->has_way_out = TRUE;
  if (score->income_known && score->income_method == RS_INCOME_METHOD_DIRECT)
    score->income_gap_monthly = MAX (0, score->line - score->per_capita_monthly + 1);

  /* The cheapest catalogue item that applies to each deprivation. */
  for (guint i = 0; i < score->indicators->len; i++)
    {
      const RsIndicatorResult *result = g_ptr_array_index (score->indicators, i);
      FixOption best = { i, NULL, 0, 0 };

      if (!result->deprived)
        continue;
      for (guint c = 0; c < catalogue->len; c++)
        {
          const RsSupportItem *item = g_ptr_array_index (catalogue, c);
          guint quantity;
          gboolean applies = TRUE;

          if (!g_str_equal (item->indicator, result->id))
            continue;
          if (item->when.comp != NULL && !eval_bool (ctx, &item->when, root, &applies, error))
            return FALSE;
          if (!applies)
            continue;
          quantity = item->unit == RS_SUPPORT_UNIT_PERSON ? MAX (1, result->members->len) : 1;
          if (best.item == NULL || item->cost_vnd * quantity < best.cost)
            {
              best.item = item;
              best.quantity = quantity;
              best.cost = item->cost_vnd * quantity;
            }
        }
      if (best.item != NULL)
        g_array_append_val (options, best);
    }

  if (score->classification == RS_CLASSIFICATION_POOR)
    {
      /* Poor with d deprivations: fixing the cheapest d − (min − 1) leaves min − 1: near-poor. */
      needed = score->deprivation_count - (std->poor_min_deprivations - 1);
      g_array_sort (options, compare_fix);
      if (options->len > needed)
        g_array_set_size (options, needed);
      g_array_sort (options, compare_fix_legal);
      score->lifts_to_near_poor = options->len >= needed;
    }
  for (guint i = 0; i < options->len; i++)
    {
      const FixOption *option = &g_array_index (options, FixOption, i);
      RsSupportNeed *need = g_new0 (RsSupportNeed, 1);
      const RsIndicatorResult *result = g_ptr_array_index (score->indicators,
                                                           option->indicator_index);

      if (score->classification == RS_CLASSIFICATION_POOR)
        g_ptr_array_add (score->to_near_poor, g_strdup (result->id));
      need->item = g_strdup (option->item->id);
      need->name[0] = g_strdup (option->item->name[0]);
      need->name[1] = g_strdup (option->item->name[1]);
      need->indicator = g_strdup (result->id);
      need->quantity = option->quantity;
      need->cost_vnd = option->cost;
      score->way_out_cost_vnd += need->cost_vnd;
      g_ptr_array_add (score->support, need);
    }
  return TRUE;
}

static RsScore *
score_prepared (RsScorer    *self,
                xmlDocPtr    doc,
                const char  *standard_id,
                GError     **error)
{
  RsStandards *standards = self->standards;
  xmlXPathContextPtr ctx = _rs_standards_get_context (standards);
  RsScoreVars *vars = _rs_standards_get_vars (standards);
  xmlNodePtr root = xmlDocGetRootElement (doc);
  g_autoptr(RsScore) score = score_new ();
  g_autofree char *review_date = NULL;
  g_autofree char *area_text = NULL;
  g_autofree char *region = NULL;
  const RsStandard *std;
  gboolean continues = FALSE;
  int area;

  ctx->doc = doc;
  std = rs_standards_get_nth (standards, 0);
  review_date = eval_string (ctx, &std->review_date, root);
  std = standard_id != NULL ? rs_standards_lookup (standards, standard_id, error)
                            : rs_standards_for_date (standards, review_date, error);
  if (std == NULL)
    return NULL;

  area_text = eval_string (ctx, &std->area, root);
  region = eval_string (ctx, &std->region, root);
  area = _rs_standard_area_index (area_text);
  _rs_standard_set_vars (std, vars, review_date, area);

  score->standard = g_strdup (std->key);
  score->status = std->status;
  score->review_date = g_steal_pointer (&review_date);
  score->previous_status = eval_string (ctx, &std->previous_status, root);
  score->instance_id = rs_xpath_eval_string (ctx, self->instance_id, root, NULL);

  /* Phiếu A */
  score->screening_provisional = std->screening_provisional;
  for (guint i = 0; i < std->signs->len; i++)
    {
      const RsSignDef *sign = g_ptr_array_index (std->signs, i);
      gboolean present;

      if (!eval_bool (ctx, &sign->rule, root, &present, error))
        return NULL;
      if (present)
        g_ptr_array_add (score->screening_signs, g_strdup (sign->id));
    }
  if (std->screening_continue.comp != NULL
      && !eval_bool (ctx, &std->screening_continue, root, &continues, error))
    return NULL;
  score->screened_out = score->screening_signs->len > 0 && !continues;

  /* Phiếu B2: the indicators */
  for (guint i = 0; i < std->indicators->len; i++)
    {
      const RsIndicatorDef *def = g_ptr_array_index (std->indicators, i);
      RsIndicatorResult *result = g_new0 (RsIndicatorResult, 1);

      result->id = g_strdup (def->id);
      result->name[0] = g_strdup (def->name[0]);
      result->name[1] = g_strdup (def->name[1]);
      result->assessed = def->assessed;
      result->members = g_array_new (FALSE, FALSE, sizeof (guint));
      g_ptr_array_add (score->indicators, result);
      if (score->screened_out || !def->assessed)
        {
          result->reason[0] = g_strdup (def->assessed ? "" : def->reason_met[0]);
          result->reason[1] = g_strdup (def->assessed ? "" : def->reason_met[1]);
          continue;
        }
      if (!score_indicator (ctx, vars, def, root, result, error))
        return NULL;
      if (result->deprived)
        score->deprivation_count++;
    }
  score->b2_points = score->deprivation_count * std->b2_points_per_deprivation;

  /* Phiếu B1: income */
  if (!score_income (ctx, std, root, area, region, score, error))
    return NULL;

  score->classification = rs_score_classify (score->screened_out, score->income_known,
                                             score->below_line, score->deprivation_count,
                                             std->poor_min_deprivations, score->middle_known,
                                             score->per_capita_monthly != G_MININT64
                                             && score->per_capita_monthly <= score->middle);

  if (!eval_bool (ctx, &std->no_labour_capacity, root, &score->no_labour_capacity, error)
      || !eval_bool (ctx, &std->ethnic_minority, root, &score->ethnic_minority, error)
      || !eval_bool (ctx, &std->merit, root, &score->merit, error))
    return NULL;
  score->transition = rs_score_transition (score->previous_status, score->classification);

  if (!score_way_out (standards, ctx, std, root, score, error))
    return NULL;
  return g_steal_pointer (&score);
}

/* The form id of a record, read from its root element's start tag without parsing it all. */
static char *
record_form_id (const char *xml,
                gssize      length)
{
  const char *end = xml + length;
  const char *p = xml;

  while (p < end)
    {
      const char *open = memchr (p, '<', end - p);
      const char *close;

      if (open == NULL || open + 1 >= end)
        return NULL;
      if (open[1] == '?' || open[1] == '!')
        {
          p = open + 1;
          continue;
        }
      close = memchr (open, '>', end - open);
      if (close == NULL)
        return NULL;
      for (const char *a = open; a + 4 < close; a++)
        {
          if (g_ascii_isspace (a[0]) && a[1] == 'i' && a[2] == 'd' && a[3] == '='
              && (a[4] == '"' || a[4] == '\''))
            {
              const char *value = a + 5;
              const char *quote = memchr (value, a[4], close - value);

              return quote != NULL ? g_strndup (value, quote - value) : NULL;
            }
        }
      return g_strdup ("");
    }
  return NULL;
}

/* Scores @doc, an instance whose elements are those of @original (the session's root) or are
 * copies of them. */
static RsScore *
score_instance (RsScorer    *self,
                xmlDocPtr    doc,
                xmlNodePtr   original,
                const char  *standard_id,
                GError     **error)
{
  RsScore *score;

  drop_irrelevant (xmlDocGetRootElement (doc), original);
  /* numbers the elements in document order, so sorting node-sets does not walk the tree */
  xmlXPathOrderDocElems (doc);
  score = score_prepared (self, doc, standard_id, error);
  _rs_standards_get_context (self->standards)->doc = _rs_standards_get_blank (self->standards);
  return score;
}

static RsScore *
score_session (RsScorer       *self,
               RsFormSession  *session,
               const char     *standard_id,
               GError        **error)
{
  xmlDocPtr original = rs_form_session_get_instance_doc (session);
  xmlDocPtr doc = xmlCopyDoc (original, 1);
  RsScore *score = score_instance (self, doc, xmlDocGetRootElement (original), standard_id,
                                   error);

  xmlFreeDoc (doc);
  return score;
}

RsScore *
rs_scorer_score_xml (RsScorer    *self,
                     const char  *xml,
                     gssize       length,
                     const char  *standard_id,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  const char *form_id = rs_standards_get_form_id (self->standards);
  xmlDocPtr doc;

  if (length < 0)
    length = strlen (xml);
  id = record_form_id (xml, length);
  if (id == NULL)
    {
      g_set_error (error, RS_SCORE_ERROR, RS_SCORE_ERROR_READ,
                   _("The record is not readable XML. It may be damaged; export it again."));
      return NULL;
    }
  if (!g_str_equal (id, form_id))
    {
      g_set_error (error, RS_SCORE_ERROR, RS_SCORE_ERROR_WRONG_FORM,
                   _("This record belongs to the form “%s”, not to the household review (%s). "
                     "Only household review records can be scored."), id, form_id);
      return NULL;
    }
  /* The record goes through the form: its calculations are recomputed, and what the record
   * says it computed is never trusted. */
  /* Element names from records go into the parser's dictionary; a fresh one now and then keeps
   * a long batch (or a server fed odd records) from growing it without end. */
  if (self->parser != NULL && self->parser->dict != NULL
      && xmlDictSize (self->parser->dict) > PARSER_DICT_LIMIT)
    g_clear_pointer (&self->parser, xmlFreeParserCtxt);
  if (self->parser == NULL)
    self->parser = xmlNewParserCtxt ();
  if (self->reader == NULL)
    self->reader = _rs_form_session_new_values_reader (self->form);
  if (!_rs_form_session_read_values (self->reader, self->parser, xml, length, &local_error))
    {
      g_set_error (error, RS_SCORE_ERROR, RS_SCORE_ERROR_READ, "%s", local_error->message);
      return NULL;
    }
  /* The instance is this record's alone: it is scored in place, without a copy. */
  doc = rs_form_session_get_instance_doc (self->reader);
  return score_instance (self, doc, xmlDocGetRootElement (doc), standard_id, error);
}

RsScore *
rs_scorer_score_file (RsScorer    *self,
                      const char  *path,
                      const char  *standard_id,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, RS_SCORE_ERROR, RS_SCORE_ERROR_READ, _("%s could not be read: %s"),
                   path, local_error->message);
      return NULL;
    }
  return rs_scorer_score_xml (self, contents, length, standard_id, error);
}

RsScore *
rs_scorer_score_doc (RsScorer    *self,
                     xmlDocPtr    instance,
                     const char  *standard_id,
                     GError     **error)
{
  xmlChar *xml = NULL;
  int length = 0;
  RsScore *score;

  xmlDocDumpMemory (instance, &xml, &length);
  score = rs_scorer_score_xml (self, (const char *) xml, length, standard_id, error);
  xmlFree (xml);
  return score;
}

RsScore *
rs_scorer_score_session (RsScorer       *self,
                         RsFormSession  *session,
                         const char     *standard_id,
                         GError        **error)
{
  return score_session (self, session, standard_id, error);
}

static xmlNodePtr
child_element (xmlNodePtr  parent,
               const char *name,
               gboolean    create)
{
  for (xmlNodePtr child = parent->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) name))
      return child;
  return create ? xmlNewChild (parent, NULL, (const xmlChar *) name, NULL) : NULL;
}

void
rs_score_write_result (const RsScore *score,
                       xmlDocPtr      instance)
{
  xmlNodePtr root = xmlDocGetRootElement (instance);
  xmlNodePtr result;
  g_autofree char *count = NULL;
  g_autofree char *points = NULL;
  GString *deprived = g_string_new (NULL);

  g_return_if_fail (root != NULL);
  result = child_element (root, "result", TRUE);
  for (guint i = 0; i < score->indicators->len; i++)
    {
      const RsIndicatorResult *r = g_ptr_array_index (score->indicators, i);

      if (!r->deprived)
        continue;
      if (deprived->len > 0)
        g_string_append_c (deprived, ' ');
      g_string_append (deprived, r->id);
    }
  count = g_strdup_printf ("%u", score->deprivation_count);
  points = g_strdup_printf ("%u", score->b2_points);
  set_text (child_element (result, "standard", TRUE), score->standard);
  set_text (child_element (result, "classification", TRUE),
            rs_classification_to_string (score->classification));
  set_text (child_element (result, "deprivation_count", TRUE), count);
  set_text (child_element (result, "deprived", TRUE), deprived->str);
  set_text (child_element (result, "b2_points", TRUE), points);
  g_string_free (deprived, TRUE);
}

/* ---- live scoring in a form session --------------------------------------------------------- */

typedef struct
{
  RsScorer *scorer;
  RsScore  *score;
  char     *standard_id;
  guint     calculator_id;
} LiveScore;

static const char live_key[] = "rs-score-live";

static void
live_score_free (gpointer data)
{
  LiveScore *live = data;

  g_clear_pointer (&live->score, rs_score_free);
  g_free (live->standard_id);
  g_free (live);
}

static void
write_live_value (RsFormSession *session,
                  const char    *root,
                  const char    *name,
                  const char    *value)
{
  g_autofree char *path = g_strdup_printf ("/%s/result/%s", root, name);
  g_autofree char *current = rs_form_session_get_value (session, path);

  /* Writing only what changed keeps the answer-by-answer recompute small. */
  if (current != NULL && g_strcmp0 (current, value != NULL ? value : "") != 0)
    rs_form_session_set_computed_value (session, path, value != NULL ? value : "", NULL);
}

static void
live_score_run (RsFormSession *session,
                gpointer       user_data)
{
  LiveScore *live = user_data;
  const char *root = rs_form_get_root_name (rs_form_session_get_form (session));
  g_autofree char *count = NULL;
  g_autofree char *points = NULL;
  g_autoptr(GString) deprived = g_string_new (NULL);

  g_clear_pointer (&live->score, rs_score_free);
  live->score = score_session (live->scorer, session, live->standard_id, NULL);
  if (live->score != NULL)
    {
      for (guint i = 0; i < live->score->indicators->len; i++)
        {
          const RsIndicatorResult *r = g_ptr_array_index (live->score->indicators, i);

          if (r->deprived)
            g_string_append_printf (deprived, "%s%s", deprived->len > 0 ? " " : "", r->id);
        }
      count = g_strdup_printf ("%u", live->score->deprivation_count);
      points = g_strdup_printf ("%u", live->score->b2_points);
    }
  write_live_value (session, root, "standard", live->score ? live->score->standard : NULL);
  write_live_value (session, root, "classification",
                    live->score ? rs_classification_to_string (live->score->classification)
                                : NULL);
  write_live_value (session, root, "deprivation_count", count);
  write_live_value (session, root, "deprived", deprived->str);
  write_live_value (session, root, "b2_points", points);
}

guint
rs_score_attach_to_session (RsFormSession *session,
                            RsScorer      *scorer,
                            const char    *standard_id)
{
  LiveScore *previous;
  LiveScore *live;

  g_return_val_if_fail (RS_IS_FORM_SESSION (session) && scorer != NULL, 0);
  /* Attaching again (another standard to preview) replaces the previous calculator. */
  previous = g_object_get_data (G_OBJECT (session), live_key);
  if (previous != NULL)
    rs_form_session_remove_calculator (session, previous->calculator_id);
  live = g_new0 (LiveScore, 1);
  live->scorer = scorer;
  live->standard_id = g_strdup (standard_id);
  /* The session owns the state; the calculator only borrows it. */
  g_object_set_data_full (G_OBJECT (session), live_key, live, live_score_free);
  live->calculator_id = rs_form_session_add_calculator (session, live_score_run, live, NULL);
  live_score_run (session, live);
  return live->calculator_id;
}

const RsScore *
rs_score_session_get_score (RsFormSession *session)
{
  LiveScore *live = g_object_get_data (G_OBJECT (session), live_key);

  return live != NULL ? live->score : NULL;
}

char *
rs_score_session_get_json (RsFormSession *session,
                           RsLang         lang)
{
  const RsScore *score = rs_score_session_get_score (session);

  return score != NULL ? rs_score_to_json (score, lang) : NULL;
}
