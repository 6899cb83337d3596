/* rs-standard.c: loads poverty standards and the support catalogue (JSON), checked against the form.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <math.h>
#include <string.h>

#include "rs-standard-private.h"

G_DEFINE_QUARK (rs-standard-error-quark, rs_standard_error)

#define XFORMS_NS "http://www.w3.org/2002/xforms"

/* The variables a rule may use; their values come from RsScoreVars. */
static const char * const known_variables[] = {
  "review_date", "review_year", "working_age_min_years", "retirement_months_male",
  "retirement_months_female", "retirement_born_by_male", "retirement_born_by_female",
  "poverty_line", "middle_line", "members", NULL,
};

struct _RsStandards
{
  xmlDocPtr          form_doc;
  xmlDocPtr          blank;
  char              *form_id;
  char              *form_version;
  GHashTable        *paths;       /* "/household/admin/area", … */
  GHashTable        *names;       /* local names of every element */
  RsXPathEnv        *env;
  xmlXPathContextPtr ctx;
  RsScoreVars        vars;
  gboolean           members_allowed;   /* compiling the rule of an indicator with members */
  GPtrArray         *standards;   /* RsStandard */
  GPtrArray         *catalogue;   /* RsSupportItem */
};

RsLang
rs_lang_from_string (const char *lang)
{
  if (lang != NULL && g_ascii_strncasecmp (lang, "en", 2) == 0)
    return RS_LANG_EN;
  return RS_LANG_VI;
}

int
_rs_date_to_ymd (const char *date)
{
  int y, m, d;
  char end;

  if (date == NULL || sscanf (date, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
    return -1;
  if (y < 1 || !g_date_valid_dmy (d, m, y))
    return -1;
  return y * 10000 + m * 100 + d;
}

void
_rs_rule_clear (RsRule *rule)
{
  g_clear_pointer (&rule->text, g_free);
  g_clear_pointer (&rule->comp, xmlXPathFreeCompExpr);
}

static void
indicator_def_free (gpointer data)
{
  RsIndicatorDef *def = data;

  g_free (def->id);
  g_free (def->dimension);
  for (guint l = 0; l < 2; l++)
    {
      g_free (def->name[l]);
      g_free (def->reason[l]);
      g_free (def->reason_met[l]);
    }
  _rs_rule_clear (&def->rule);
  _rs_rule_clear (&def->members);
  g_free (def);
}

static void
sign_def_free (gpointer data)
{
  RsSignDef *def = data;

  g_free (def->id);
  g_free (def->name[0]);
  g_free (def->name[1]);
  _rs_rule_clear (&def->rule);
  g_free (def);
}

static void
points_item_free (gpointer data)
{
  RsPointsItem *item = data;

  g_free (item->id);
  _rs_rule_clear (&item->rule);
  g_clear_pointer (&item->by_region, g_hash_table_unref);
  g_free (item);
}

static void
support_item_free (gpointer data)
{
  RsSupportItem *item = data;

  g_free (item->id);
  g_free (item->indicator);
  g_free (item->name[0]);
  g_free (item->name[1]);
  _rs_rule_clear (&item->when);
  g_free (item);
}

static void
standard_free (gpointer data)
{
  RsStandard *self = data;

  g_free (self->id);
  g_free (self->key);
  g_free (self->title[0]);
  g_free (self->title[1]);
  g_free (self->path);
  _rs_rule_clear (&self->area);
  _rs_rule_clear (&self->region);
  _rs_rule_clear (&self->review_date);
  _rs_rule_clear (&self->previous_status);
  _rs_rule_clear (&self->per_capita_monthly);
  g_clear_pointer (&self->points_items, g_ptr_array_unref);
  g_clear_pointer (&self->retirement, g_array_unref);
  _rs_rule_clear (&self->no_labour_capacity);
  _rs_rule_clear (&self->ethnic_minority);
  _rs_rule_clear (&self->merit);
  _rs_rule_clear (&self->screening_continue);
  g_clear_pointer (&self->signs, g_ptr_array_unref);
  g_clear_pointer (&self->indicators, g_ptr_array_unref);
  g_free (self);
}

/* ---- accessors ------------------------------------------------------------------------------ */

const char *
rs_standard_get_id (const RsStandard *self)
{
  return self->id;
}

guint
rs_standard_get_version (const RsStandard *self)
{
  return self->version;
}

const char *
rs_standard_get_key (const RsStandard *self)
{
  return self->key;
}

RsStandardStatus
rs_standard_get_status (const RsStandard *self)
{
  return self->status;
}

const char *
rs_standard_get_title (const RsStandard *self,
                       RsLang            lang)
{
  return self->title[lang];
}

RsIncomeMethod
rs_standard_get_income_method (const RsStandard *self)
{
  return self->income_method;
}

gboolean
rs_standard_covers_date (const RsStandard *self,
                         const char       *date)
{
  int ymd = _rs_date_to_ymd (date);

  return ymd > 0 && ymd >= self->from_ymd && ymd <= self->to_ymd;
}

guint
rs_standard_get_n_indicators (const RsStandard *self)
{
  return self->indicators->len;
}

const char *
rs_standard_get_indicator_id (const RsStandard *self,
                              guint             index)
{
  g_return_val_if_fail (index < self->indicators->len, NULL);
  return ((RsIndicatorDef *) g_ptr_array_index (self->indicators, index))->id;
}

const char *
rs_standard_get_indicator_name (const RsStandard *self,
                                guint             index,
                                RsLang            lang)
{
  g_return_val_if_fail (index < self->indicators->len, NULL);
  return ((RsIndicatorDef *) g_ptr_array_index (self->indicators, index))->name[lang];
}

guint
rs_standard_retirement_months (const RsStandard *self,
                               const char       *sex,
                               int               year)
{
  const RsRetirementRow *row = NULL;

  for (guint i = 0; i < self->retirement->len; i++)
    {
      const RsRetirementRow *r = &g_array_index (self->retirement, RsRetirementRow, i);

      if (row == NULL || r->year <= year)
        row = r;
    }
  if (row == NULL || sex == NULL)
    return 0;
  if (g_str_equal (sex, "male"))
    return row->male_months;
  if (g_str_equal (sex, "female"))
    return row->female_months;
  return 0;
}

/* Born on or before the returned YYYYMMDD, a person has reached @months of age on @date. */
static double
born_by (const GDate *date,
         guint        months)
{
  GDate limit = *date;

  g_date_subtract_months (&limit, months);
  return g_date_get_year (&limit) * 10000.0 + g_date_get_month (&limit) * 100.0
         + g_date_get_day (&limit);
}

void
_rs_standard_set_vars (const RsStandard *standard,
                       RsScoreVars      *vars,
                       const char       *review_date,
                       int               area)
{
  int ymd = _rs_date_to_ymd (review_date);
  GDate date;

  g_strlcpy (vars->review_date, ymd > 0 ? review_date : "", sizeof vars->review_date);
  vars->working_age_min_years = standard->working_age_min_years;
  vars->poverty_line = area >= 0 ? (double) standard->poverty_line[area] : NAN;
  vars->middle_line = area >= 0 && standard->middle_set[area]
                      ? (double) standard->middle_line[area] : NAN;
  if (ymd <= 0)
    {
      vars->review_year = NAN;
      vars->retirement_months_male = vars->retirement_months_female = NAN;
      vars->retirement_born_by_male = vars->retirement_born_by_female = NAN;
      return;
    }
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, ymd % 100, (ymd / 100) % 100, ymd / 10000);
  vars->review_year = ymd / 10000;
  vars->retirement_months_male = rs_standard_retirement_months (standard, "male", ymd / 10000);
  vars->retirement_months_female = rs_standard_retirement_months (standard, "female", ymd / 10000);
  vars->retirement_born_by_male = born_by (&date, (guint) vars->retirement_months_male);
  vars->retirement_born_by_female = born_by (&date, (guint) vars->retirement_months_female);
}

static xmlXPathObjectPtr
lookup_variable (void          *data,
                 const xmlChar *name,
                 const xmlChar *ns_uri)
{
  RsScoreVars *vars = data;
  const char *n = (const char *) name;

  if (ns_uri != NULL)
    return NULL;
  if (g_str_equal (n, "review_date"))
    return xmlXPathNewString ((const xmlChar *) vars->review_date);
  if (g_str_equal (n, "review_year"))
    return xmlXPathNewFloat (vars->review_year);
  if (g_str_equal (n, "working_age_min_years"))
    return xmlXPathNewFloat (vars->working_age_min_years);
  if (g_str_equal (n, "retirement_months_male"))
    return xmlXPathNewFloat (vars->retirement_months_male);
  if (g_str_equal (n, "retirement_months_female"))
    return xmlXPathNewFloat (vars->retirement_months_female);
  if (g_str_equal (n, "retirement_born_by_male"))
    return xmlXPathNewFloat (vars->retirement_born_by_male);
  if (g_str_equal (n, "retirement_born_by_female"))
    return xmlXPathNewFloat (vars->retirement_born_by_female);
  if (g_str_equal (n, "poverty_line"))
    return xmlXPathNewFloat (vars->poverty_line);
  if (g_str_equal (n, "middle_line"))
    return xmlXPathNewFloat (vars->middle_line);
  if (g_str_equal (n, "members"))
    return vars->members != NULL ? xmlXPathObjectCopy (vars->members) : xmlXPathNewNodeSet (NULL);
  return NULL;
}

/* ---- the form ------------------------------------------------------------------------------- */

static xmlNodePtr
find_element (xmlNodePtr  parent,
              const char *name,
              const char *ns)
{
  for (xmlNodePtr child = parent != NULL ? parent->children : NULL; child; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && g_str_equal ((const char *) child->name, name)
          && (ns == NULL
              || (child->ns != NULL && g_str_equal ((const char *) child->ns->href, ns))))
        return child;
    }
  return NULL;
}

static xmlNodePtr
first_element_child (xmlNodePtr parent)
{
  for (xmlNodePtr child = parent->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return child;
  return NULL;
}

static void
collect_paths (RsStandards *self,
               xmlNodePtr   node,
               const char  *parent_path)
{
  g_autofree char *path = g_strconcat (parent_path, "/", (const char *) node->name, NULL);

  for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next)
    {
      if (g_str_equal ((const char *) attr->name, "template"))
        {
          xmlRemoveProp (attr);
          break;
        }
    }
  g_hash_table_add (self->names, g_strdup ((const char *) node->name));
  for (xmlNodePtr child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      collect_paths (self, child, path);
  g_hash_table_add (self->paths, g_steal_pointer (&path));
}

RsStandards *
rs_standards_new_for_form (const char  *form_path,
                           GError     **error)
{
  g_autoptr(RsStandards) self = g_new0 (RsStandards, 1);
  xmlNodePtr html, head, model, instance, root, copy;
  xmlChar *attr;

  self->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->standards = g_ptr_array_new_with_free_func (standard_free);
  self->catalogue = g_ptr_array_new_with_free_func (support_item_free);

  self->form_doc = xmlReadFile (form_path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  html = self->form_doc != NULL ? xmlDocGetRootElement (self->form_doc) : NULL;
  head = html != NULL ? find_element (html, "head", NULL) : NULL;
  model = find_element (head, "model", XFORMS_NS);
  instance = find_element (model, "instance", XFORMS_NS);
  root = instance != NULL ? first_element_child (instance) : NULL;
  if (root == NULL)
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_FORM,
                   _("The form “%s” could not be read as an XForm with an instance. "
                     "Reinstall rasoat or check the data folder."), form_path);
      return NULL;
    }
  attr = xmlGetProp (root, (const xmlChar *) "id");
  self->form_id = g_strdup (attr != NULL ? (const char *) attr : (const char *) root->name);
  xmlFree (attr);
  attr = xmlGetProp (root, (const xmlChar *) "version");
  self->form_version = g_strdup (attr != NULL ? (const char *) attr : "");
  xmlFree (attr);

  self->blank = xmlNewDoc ((const xmlChar *) "1.0");
  copy = xmlDocCopyNode (root, self->blank, 1);
  xmlDocSetRootElement (self->blank, copy);
  collect_paths (self, copy, "");

  self->env = rs_xpath_env_new ();
  self->ctx = rs_xpath_context_new (self->blank, self->env);
  /* reuse XPath objects between evaluations: scoring allocates far less */
  xmlXPathContextSetCache (self->ctx, 1, -1, 0);
  xmlXPathRegisterVariableLookup (self->ctx, lookup_variable, &self->vars);
  return g_steal_pointer (&self);
}

void
rs_standards_free (RsStandards *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->standards, g_ptr_array_unref);
  g_clear_pointer (&self->catalogue, g_ptr_array_unref);
  g_clear_pointer (&self->ctx, xmlXPathFreeContext);
  g_clear_pointer (&self->env, rs_xpath_env_free);
  g_clear_pointer (&self->blank, xmlFreeDoc);
  g_clear_pointer (&self->form_doc, xmlFreeDoc);
  g_clear_pointer (&self->paths, g_hash_table_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_free (self->form_id);
  g_free (self->form_version);
  g_free (self);
}

const char *
rs_standards_get_form_id (RsStandards *self)
{
  return self->form_id;
}

const char *
rs_standards_get_form_version (RsStandards *self)
{
  return self->form_version;
}

xmlXPathContextPtr
_rs_standards_get_context (RsStandards *self)
{
  return self->ctx;
}

RsScoreVars *
_rs_standards_get_vars (RsStandards *self)
{
  return &self->vars;
}

RsXPathEnv *
_rs_standards_get_env (RsStandards *self)
{
  return self->env;
}

xmlDocPtr
_rs_standards_get_blank (RsStandards *self)
{
  return self->blank;
}

xmlDocPtr
_rs_standards_get_form_doc (RsStandards *self)
{
  return self->form_doc;
}

GPtrArray *
_rs_standards_get_catalogue (RsStandards *self)
{
  return self->catalogue;
}

/* ---- checking what a rule reads ------------------------------------------------------------- */

typedef struct
{
  char    *base;       /* the path relative location paths start from */
  char    *path;       /* the location path being read, or NULL */
  gboolean loose;      /* after a descendant step or an axis: only element names can be checked */
} PathFrame;

static void
path_frame_free (gpointer data)
{
  PathFrame *frame = data;

  g_free (frame->base);
  g_free (frame->path);
  g_free (frame);
}

static PathFrame *
path_frame_new (const char *base)
{
  PathFrame *frame = g_new0 (PathFrame, 1);

  frame->base = g_strdup (base);
  return frame;
}

static gboolean
is_name_start (char c)
{
  return g_ascii_isalpha (c) || c == '_' || (guchar) c >= 0x80;
}

static gboolean
is_name_char (char c)
{
  return is_name_start (c) || g_ascii_isdigit (c) || c == '-' || c == '.' || c == ':';
}

static char *
parent_path (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? g_strndup (path, slash - path) : g_strdup ("");
}

static gboolean
rule_error (GError    **error,
            int         code,
            const char *where,
            const char *text,
            const char *problem)
{
  g_set_error (error, RS_STANDARD_ERROR, code, _("%s: the rule “%s” %s"), where, text, problem);
  return FALSE;
}

/* A small reading of XPath 1.0 that follows location paths through predicates and function
 * arguments, so that a misspelt element name in a rule is an error at load time instead of a
 * silently empty node-set at scoring time. */
static gboolean
check_rule_paths (RsStandards *self,
                  const char  *text,
                  const char  *where,
                  GError     **error)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (path_frame_free);
  PathFrame *frame;
  /* whether the last token ends an operand: then and, or, div, mod and the star are operators */
  gboolean prev_operand = FALSE;
  gboolean expect_step = FALSE;    /* just after / or // */
  gboolean attribute = FALSE;
  const char *p = text;

  {
    g_autofree char *root = g_strconcat ("/", xmlDocGetRootElement (self->blank)->name, NULL);

    frame = path_frame_new (root);
    g_ptr_array_add (stack, frame);
  }

  while (*p != '\0')
    {
      if (g_ascii_isspace (*p))
        {
          p++;
          continue;
        }
      if (*p == '\'' || *p == '"')
        {
          const char *close = strchr (p + 1, *p);

          if (close == NULL)
            return rule_error (error, RS_STANDARD_ERROR_RULE, where, text,
                               _("has a string that is not closed."));
          p = close + 1;
          g_clear_pointer (&frame->path, g_free);
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      if (g_ascii_isdigit (*p) || (*p == '.' && g_ascii_isdigit (p[1])))
        {
          while (g_ascii_isdigit (*p) || *p == '.')
            p++;
          g_clear_pointer (&frame->path, g_free);
          prev_operand = TRUE;
          continue;
        }
      if (*p == '$')
        {
          const char *start = ++p;
          g_autofree char *name = NULL;

          while (is_name_char (*p))
            p++;
          name = g_strndup (start, p - start);
          if (g_str_equal (name, "members") && !self->members_allowed)
            return rule_error (error, RS_STANDARD_ERROR_RULE, where, text,
                               _("uses $members, which only the rule of an indicator with "
                                 "members may use."));
          if (!g_strv_contains (known_variables, name))
            {
              g_autofree char *problem =
                g_strdup_printf (_("uses the variable $%s, which scoring does not provide."), name);
              return rule_error (error, RS_STANDARD_ERROR_RULE, where, text, problem);
            }
          g_clear_pointer (&frame->path, g_free);
          prev_operand = TRUE;
          continue;
        }
      if (p[0] == '.' && p[1] == '.')
        {
          char *up = parent_path (expect_step && frame->path != NULL ? frame->path : frame->base);

          g_free (frame->path);
          frame->path = up;
          p += 2;
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      if (*p == '.')
        {
          if (!expect_step)
            {
              g_free (frame->path);
              frame->path = g_strdup (frame->base);
            }
          p++;
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      if (*p == '/')
        {
          gboolean descendant = p[1] == '/';

          if (frame->path == NULL || !prev_operand)
            {
              g_free (frame->path);
              frame->path = g_strdup ("");
              frame->loose = FALSE;
            }
          if (descendant)
            frame->loose = TRUE;
          p += descendant ? 2 : 1;
          expect_step = TRUE;
          prev_operand = FALSE;
          continue;
        }
      if (*p == '[' || *p == '(')
        {
          PathFrame *inner = path_frame_new (*p == '[' && frame->path != NULL ? frame->path
                                                                              : frame->base);

          inner->loose = *p == '[' && frame->loose;
          g_ptr_array_add (stack, inner);
          frame = inner;
          p++;
          prev_operand = FALSE;
          expect_step = FALSE;
          continue;
        }
      if (*p == ']' || *p == ')')
        {
          if (stack->len <= 1)
            return rule_error (error, RS_STANDARD_ERROR_RULE, where, text,
                               _("closes a bracket that was not opened."));
          g_ptr_array_remove_index (stack, stack->len - 1);
          frame = g_ptr_array_index (stack, stack->len - 1);
          if (*p == ')')
            g_clear_pointer (&frame->path, g_free);
          p++;
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      if (*p == '@')
        {
          attribute = TRUE;
          p++;
          continue;
        }
      if (*p == '*' && !prev_operand)
        {
          frame->loose = TRUE;
          p++;
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      if (is_name_start (*p))
        {
          const char *start = p;
          const char *after;
          g_autofree char *name = NULL;

          while (is_name_char (*p))
            p++;
          /* a name may not end with '.' or ':' (those belong to the next token) */
          while (p > start + 1 && (p[-1] == '.' || p[-1] == ':'))
            p--;
          name = g_strndup (start, p - start);
          after = p;
          while (g_ascii_isspace (*after))
            after++;

          if (prev_operand && (g_str_equal (name, "and") || g_str_equal (name, "or")
                               || g_str_equal (name, "div") || g_str_equal (name, "mod")))
            {
              g_clear_pointer (&frame->path, g_free);
              prev_operand = FALSE;
              expect_step = FALSE;
              continue;
            }
          if (after[0] == ':' && after[1] == ':')
            {
              frame->loose = TRUE;
              p = after + 2;
              expect_step = TRUE;
              if (frame->path == NULL)
                frame->path = g_strdup (frame->base);
              continue;
            }
          if (*after == '(' && !g_str_equal (name, "node") && !g_str_equal (name, "text"))
            {
              const char *colon = strchr (name, ':');
              const char *ns_uri = NULL;
              const char *local = name;

              if (colon != NULL)
                {
                  g_autofree char *prefix = g_strndup (name, colon - name);

                  local = colon + 1;
                  ns_uri = g_str_equal (prefix, "jr") ? RS_XPATH_JR_NS
                           : g_str_equal (prefix, "odk") ? RS_XPATH_ODK_NS
                           : g_str_equal (prefix, "orx") ? RS_XPATH_ORX_NS : "";
                }
              if (!rs_xpath_function_is_known (local, ns_uri))
                {
                  g_autofree char *problem =
                    g_strdup_printf (_("calls %s(), which is not an XPath or ODK function."), name);
                  return rule_error (error, RS_STANDARD_ERROR_RULE, where, text, problem);
                }
              g_clear_pointer (&frame->path, g_free);
              prev_operand = FALSE;
              expect_step = FALSE;
              continue;
            }
          if (attribute)
            {
              attribute = FALSE;
              prev_operand = TRUE;
              expect_step = FALSE;
              continue;
            }
          if (g_str_equal (name, "node") || g_str_equal (name, "text"))
            {
              p = strchr (after, ')') != NULL ? strchr (after, ')') + 1 : after;
              prev_operand = TRUE;
              expect_step = FALSE;
              continue;
            }
          {
            char *step_path = g_strconcat (expect_step && frame->path != NULL ? frame->path
                                                                              : frame->base,
                                           "/", name, NULL);
            gboolean exists = frame->loose ? g_hash_table_contains (self->names, name)
                                           : g_hash_table_contains (self->paths, step_path);

            if (!exists)
              {
                g_autofree char *problem = NULL;

                problem = g_strdup_printf (_("reads %s, which the form “%s” does not have."),
                                           frame->loose ? name : step_path, self->form_id);
                g_free (step_path);
                return rule_error (error, RS_STANDARD_ERROR_PATH, where, text, problem);
              }
            g_free (frame->path);
            frame->path = step_path;
          }
          prev_operand = TRUE;
          expect_step = FALSE;
          continue;
        }
      /* operators and commas end a location path */
      if (*p == '!' || *p == '<' || *p == '>')
        p += p[1] == '=' ? 2 : 1;
      else
        p++;
      g_clear_pointer (&frame->path, g_free);
      frame->loose = FALSE;
      prev_operand = FALSE;
      expect_step = FALSE;
    }
  if (stack->len != 1)
    return rule_error (error, RS_STANDARD_ERROR_RULE, where, text,
                       _("opens a bracket that is not closed."));
  return TRUE;
}

xmlXPathCompExprPtr
_rs_xpath_compile_fast (xmlXPathContextPtr   ctx,
                        const char          *text,
                        GError             **error)
{
  g_autofree char *grouped = NULL;

  /* libxml2 compiles a bare location path for its streaming evaluator, which walks the whole
   * document on every evaluation; in parentheses it is evaluated step by step instead. */
  if (strpbrk (text, "[(@$") == NULL)
    {
      grouped = g_strconcat ("(", text, ")", NULL);
      text = grouped;
    }
  return rs_xpath_compile (ctx, text, error);
}

gboolean
_rs_standards_compile_rule (RsStandards *self,
                            const char  *text,
                            const char  *where,
                            RsRule      *rule,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  xmlXPathObjectPtr result;

  if (!check_rule_paths (self, text, where, error))
    return FALSE;
  rule->comp = _rs_xpath_compile_fast (self->ctx, text, &local_error);
  if (rule->comp == NULL)
    return rule_error (error, RS_STANDARD_ERROR_RULE, where, text, local_error->message);
  rule->text = g_strdup (text);

  /* A trial run on the blank instance finds wrong argument counts and the like. */
  self->ctx->doc = self->blank;
  result = rs_xpath_eval (self->ctx, rule->comp, xmlDocGetRootElement (self->blank),
                          &local_error);
  if (result == NULL)
    {
      _rs_rule_clear (rule);
      return rule_error (error, RS_STANDARD_ERROR_RULE, where, text, local_error->message);
    }
  xmlXPathFreeObject (result);
  return TRUE;
}

/* ---- reading JSON --------------------------------------------------------------------------- */

static gboolean
invalid (GError    **error,
         const char *file,
         const char *member,
         const char *what)
{
  g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_INVALID,
               _("%s: “%s” must be %s. Correct the file and load it again."), file, member,
               what);
  return FALSE;
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Integers and doubles; FALSE when absent or not a number. */
static gboolean
get_number (JsonObject *object,
            const char *member,
            double     *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

static gboolean
get_names (JsonObject *object,
           const char *member,
           char       *out[2],
           const char *file,
           const char *where,
           gboolean    required)
{
  JsonObject *names = get_object (object, member);
  const char *vi = get_string (names, "vi");
  const char *en = get_string (names, "en");

  if (vi == NULL || en == NULL)
    {
      if (!required && names == NULL)
        {
          out[0] = g_strdup ("");
          out[1] = g_strdup ("");
          return TRUE;
        }
      return FALSE;
    }
  out[0] = g_strdup (vi);
  out[1] = g_strdup (en);
  (void) file;
  (void) where;
  return TRUE;
}

static gboolean
compile_member (RsStandards *self,
                JsonObject  *object,
                const char  *member,
                const char  *file,
                const char  *where,
                gboolean     required,
                RsRule      *rule,
                GError     **error)
{
  const char *text = get_string (object, member);
  g_autofree char *full_where = NULL;

  if (text == NULL)
    {
      if (!required)
        return TRUE;
      return invalid (error, file, where, _("an XPath expression (text)"));
    }
  full_where = g_strdup_printf ("%s, %s", file, where);
  return _rs_standards_compile_rule (self, text, full_where, rule, error);
}

static JsonObject *
parse_file (const char  *path,
            JsonParser  *parser,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_PARSE,
                   _("%s could not be read as JSON (%s). Correct the file and load it again."),
                   path, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_PARSE,
                   _("%s must hold one JSON object. Correct the file and load it again."), path);
      return NULL;
    }
  return json_node_get_object (root);
}

static int
area_index (const char *area)
{
  if (g_strcmp0 (area, "rural") == 0)
    return RS_AREA_RURAL;
  if (g_strcmp0 (area, "urban") == 0)
    return RS_AREA_URBAN;
  return -1;
}

static const char * const area_names[RS_N_AREAS] = { "rural", "urban" };

static gboolean
load_income (RsStandards *self,
             RsStandard  *std,
             JsonObject  *root,
             const char  *file,
             GError     **error)
{
  JsonObject *lines = get_object (root, "income_lines");
  JsonObject *income = get_object (root, "income");
  const char *method;

  for (guint a = 0; a < RS_N_AREAS; a++)
    {
      JsonObject *line = get_object (lines, area_names[a]);
      JsonNode *middle = line != NULL ? json_object_get_member (line, "middle") : NULL;
      double value;
      g_autofree char *member = g_strdup_printf ("income_lines.%s.poverty", area_names[a]);

      if (!get_number (line, "poverty", &value) || value <= 0)
        return invalid (error, file, member, _("a positive amount in VND"));
      std->poverty_line[a] = (gint64) value;
      if (middle != NULL && !JSON_NODE_HOLDS_NULL (middle))
        {
          if (!get_number (line, "middle", &value) || value < std->poverty_line[a])
            {
              g_free (member);
              member = g_strdup_printf ("income_lines.%s.middle", area_names[a]);
              return invalid (error, file, member,
                              _("null (unset) or an amount not below the poverty line"));
            }
          std->middle_line[a] = (gint64) value;
          std->middle_set[a] = TRUE;
        }
    }

  method = get_string (income, "method");
  if (g_strcmp0 (method, "direct") == 0)
    {
      std->income_method = RS_INCOME_METHOD_DIRECT;
      return compile_member (self, income, "per_capita_monthly", file,
                             "income.per_capita_monthly", TRUE, &std->per_capita_monthly, error);
    }
  if (g_strcmp0 (method, "points") == 0)
    {
      JsonArray *items = get_array (income, "items");
      JsonObject *cutoffs = get_object (income, "cutoffs");
      JsonNode *test_data = income != NULL ? json_object_get_member (income, "test_data") : NULL;

      std->income_method = RS_INCOME_METHOD_POINTS;
      std->points_test_data = test_data != NULL && JSON_NODE_HOLDS_VALUE (test_data)
                              && json_node_get_boolean (test_data);
      if (!compile_member (self, income, "per_capita_monthly", file, "income.per_capita_monthly",
                           FALSE, &std->per_capita_monthly, error))
        return FALSE;
      for (guint a = 0; a < RS_N_AREAS; a++)
        if (!get_number (cutoffs, area_names[a], &std->points_cutoff[a]))
          return invalid (error, file, "income.cutoffs",
                          _("an object with rural and urban points"));
      if (items == NULL)
        return invalid (error, file, "income.items", _("a list of point items"));
      std->points_items = g_ptr_array_new_with_free_func (points_item_free);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *o = json_array_get_object_element (items, i);
          JsonObject *points = get_object (o, "points");
          JsonObject *by_region = get_object (o, "by_region");
          RsPointsItem *item = g_new0 (RsPointsItem, 1);
          g_autofree char *where = NULL;

          g_ptr_array_add (std->points_items, item);
          item->id = g_strdup (get_string (o, "id"));
          where = g_strdup_printf ("income.items[%u] (%s)", i, item->id ? item->id : "?");
          if (item->id == NULL)
            return invalid (error, file, where, _("an object with an id"));
          if (!compile_member (self, o, "rule", file, where, TRUE, &item->rule, error))
            return FALSE;
          for (guint a = 0; a < RS_N_AREAS; a++)
            if (!get_number (points, area_names[a], &item->points[a]))
              return invalid (error, file, where, _("an item with points for rural and urban"));
          item->by_region = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          if (by_region != NULL)
            {
              g_autoptr(GList) regions = json_object_get_members (by_region);

              for (GList *l = regions; l != NULL; l = l->next)
                {
                  JsonObject *rp = get_object (by_region, l->data);
                  double *values = g_new0 (double, RS_N_AREAS);

                  g_hash_table_insert (item->by_region, g_strdup (l->data), values);
                  for (guint a = 0; a < RS_N_AREAS; a++)
                    if (!get_number (rp, area_names[a], &values[a]))
                      return invalid (error, file, where,
                                      _("an item whose by_region points give rural and urban"));
                }
            }
        }
      return TRUE;
    }
  return invalid (error, file, "income.method", _("“direct” or “points”"));
}

static gboolean
load_people (RsStandards *self,
             RsStandard  *std,
             JsonObject  *root,
             const char  *file,
             GError     **error)
{
  JsonObject *working_age = get_object (root, "working_age");
  JsonArray *schedule = get_array (working_age, "retirement");
  JsonObject *subgroups = get_object (root, "subgroups");
  double value;

  if (!get_number (working_age, "min_years", &value) || value < 0)
    return invalid (error, file, "working_age.min_years", _("a number of years"));
  std->working_age_min_years = (guint) value;
  if (schedule == NULL || json_array_get_length (schedule) == 0)
    return invalid (error, file, "working_age.retirement",
                    _("a list of {year, male_months, female_months}"));
  std->retirement = g_array_new (FALSE, FALSE, sizeof (RsRetirementRow));
  for (guint i = 0; i < json_array_get_length (schedule); i++)
    {
      JsonObject *o = json_array_get_object_element (schedule, i);
      double year, male, female;
      RsRetirementRow row;

      if (!get_number (o, "year", &year) || !get_number (o, "male_months", &male)
          || !get_number (o, "female_months", &female) || male <= 0 || female <= 0)
        return invalid (error, file, "working_age.retirement",
                        _("a list of {year, male_months, female_months}"));
      row.year = (int) year;
      row.male_months = (guint) male;
      row.female_months = (guint) female;
      if (i > 0 && row.year <= g_array_index (std->retirement, RsRetirementRow, i - 1).year)
        return invalid (error, file, "working_age.retirement", _("sorted by year"));
      g_array_append_val (std->retirement, row);
    }

  return compile_member (self, subgroups, "no_labour_capacity", file,
                         "subgroups.no_labour_capacity", TRUE, &std->no_labour_capacity, error)
         && compile_member (self, subgroups, "ethnic_minority", file, "subgroups.ethnic_minority",
                            TRUE, &std->ethnic_minority, error)
         && compile_member (self, subgroups, "merit", file, "subgroups.merit", TRUE, &std->merit,
                            error);
}

static gboolean
load_screening (RsStandards *self,
                RsStandard  *std,
                JsonObject  *root,
                const char  *file,
                GError     **error)
{
  JsonObject *screening = get_object (root, "screening");
  JsonArray *signs = get_array (screening, "signs");

  std->signs = g_ptr_array_new_with_free_func (sign_def_free);
  if (screening == NULL)
    return TRUE;
  std->screening_provisional = g_strcmp0 (get_string (screening, "status"), "provisional") == 0;
  if (!compile_member (self, screening, "continue", file, "screening.continue", TRUE,
                       &std->screening_continue, error))
    return FALSE;
  for (guint i = 0; signs != NULL && i < json_array_get_length (signs); i++)
    {
      JsonObject *o = json_array_get_object_element (signs, i);
      RsSignDef *sign = g_new0 (RsSignDef, 1);
      g_autofree char *where = NULL;

      g_ptr_array_add (std->signs, sign);
      sign->id = g_strdup (get_string (o, "id"));
      where = g_strdup_printf ("screening.signs[%u] (%s)", i, sign->id ? sign->id : "?");
      if (sign->id == NULL || !get_names (o, "name", sign->name, file, where, TRUE))
        return invalid (error, file, where, _("an object with an id and names in vi and en"));
      if (!compile_member (self, o, "rule", file, where, TRUE, &sign->rule, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_indicators (RsStandards *self,
                 RsStandard  *std,
                 JsonObject  *root,
                 const char  *file,
                 GError     **error)
{
  JsonArray *indicators = get_array (root, "indicators");
  JsonObject *dimensions = get_object (root, "dimensions");

  if (indicators == NULL || json_array_get_length (indicators) == 0)
    return invalid (error, file, "indicators", _("a list of indicators in legal order"));
  std->indicators = g_ptr_array_new_with_free_func (indicator_def_free);
  for (guint i = 0; i < json_array_get_length (indicators); i++)
    {
      JsonObject *o = json_array_get_object_element (indicators, i);
      JsonNode *assessed = o != NULL ? json_object_get_member (o, "assessed") : NULL;
      RsIndicatorDef *def = g_new0 (RsIndicatorDef, 1);
      g_autofree char *where = NULL;
      gboolean compiled;

      g_ptr_array_add (std->indicators, def);
      def->id = g_strdup (get_string (o, "id"));
      def->dimension = g_strdup (get_string (o, "dimension"));
      where = g_strdup_printf ("indicators[%u] (%s)", i + 1, def->id ? def->id : "?");
      if (def->id == NULL || def->dimension == NULL
          || (dimensions != NULL && !json_object_has_member (dimensions, def->dimension)))
        return invalid (error, file, where, _("an indicator with an id and a known dimension"));
      for (guint j = 0; j < i; j++)
        if (g_str_equal (((RsIndicatorDef *) g_ptr_array_index (std->indicators, j))->id, def->id))
          return invalid (error, file, where, _("an indicator with an id used once"));
      if (!get_names (o, "name", def->name, file, where, TRUE)
          || !get_names (o, "reason", def->reason, file, where, FALSE)
          || !get_names (o, "reason_met", def->reason_met, file, where, FALSE))
        return invalid (error, file, where, _("an indicator with name, reason and reason_met "
                                              "in vi and en"));
      def->assessed = assessed == NULL || !JSON_NODE_HOLDS_VALUE (assessed)
                      || json_node_get_boolean (assessed);
      if (get_string (o, "rule") == NULL && get_string (o, "members") == NULL)
        return invalid (error, file, where, _("an indicator with a rule, members, or both"));
      /* The rule may use what members selects, as $members. */
      self->members_allowed = get_string (o, "members") != NULL;
      compiled = compile_member (self, o, "rule", file, where, FALSE, &def->rule, error);
      self->members_allowed = FALSE;
      if (!compiled
          || !compile_member (self, o, "members", file, where, FALSE, &def->members, error))
        return FALSE;
    }
  return TRUE;
}

const RsStandard *
rs_standards_load_file (RsStandards  *self,
                        const char   *path,
                        GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *file = g_path_get_basename (path);
  RsStandard *std;
  JsonObject *root, *dates, *household, *classification;
  const char *id, *status;
  double version, value;

  root = parse_file (path, parser, error);
  if (root == NULL)
    return NULL;
  id = get_string (root, "id");
  status = get_string (root, "status");
  if (id == NULL || *id == '\0')
    return invalid (error, file, "id", _("a non-empty text")), NULL;
  if (!get_number (root, "version", &version) || version < 1)
    return invalid (error, file, "version", _("a whole number from 1")), NULL;
  if (g_strcmp0 (status, "official") != 0 && g_strcmp0 (status, "provisional") != 0)
    return invalid (error, file, "status", _("“official” or “provisional”")), NULL;
  if (g_strcmp0 (get_string (root, "form_id"), self->form_id) != 0)
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_INVALID,
                   _("%s is written for the form “%s”, not “%s”."), file,
                   get_string (root, "form_id") ? get_string (root, "form_id") : "",
                   self->form_id);
      return NULL;
    }

  std = g_new0 (RsStandard, 1);
  std->id = g_strdup (id);
  std->version = (guint) version;
  std->key = g_strdup_printf ("%s@%u", id, std->version);
  std->status = g_str_equal (status, "official") ? RS_STANDARD_STATUS_OFFICIAL
                                                 : RS_STANDARD_STATUS_PROVISIONAL;
  std->path = g_strdup (path);
  if (!get_names (root, "title", std->title, file, "title", TRUE))
    {
      standard_free (std);
      return invalid (error, file, "title", _("names in vi and en")), NULL;
    }

  dates = get_object (root, "review_dates");
  std->from_ymd = _rs_date_to_ymd (get_string (dates, "from"));
  std->to_ymd = _rs_date_to_ymd (get_string (dates, "to"));
  household = get_object (root, "household");
  classification = get_object (root, "classification");
  if (std->from_ymd < 0 || std->to_ymd < std->from_ymd)
    {
      standard_free (std);
      return invalid (error, file, "review_dates",
                      _("{from, to} with dates YYYY-MM-DD, from not after to")), NULL;
    }
  if (!get_number (classification, "poor_min_deprivations", &value) || value < 1)
    {
      standard_free (std);
      return invalid (error, file, "classification.poor_min_deprivations",
                      _("a whole number from 1")), NULL;
    }
  std->poor_min_deprivations = (guint) value;
  std->b2_points_per_deprivation = get_number (classification, "b2_points_per_deprivation", &value)
                                   ? (guint) value : 10;

  if (!compile_member (self, household, "area", file, "household.area", TRUE, &std->area, error)
      || !compile_member (self, household, "region", file, "household.region", TRUE,
                          &std->region, error)
      || !compile_member (self, household, "review_date", file, "household.review_date", TRUE,
                          &std->review_date, error)
      || !compile_member (self, household, "previous_status", file, "household.previous_status",
                          TRUE, &std->previous_status, error)
      || !load_income (self, std, root, file, error)
      || !load_people (self, std, root, file, error)
      || !load_screening (self, std, root, file, error)
      || !load_indicators (self, std, root, file, error))
    {
      standard_free (std);
      return NULL;
    }

  for (guint i = 0; i < self->standards->len; i++)
    {
      RsStandard *other = g_ptr_array_index (self->standards, i);

      if (g_str_equal (other->key, std->key))
        {
          g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_INVALID,
                       _("%s: the standard %s is already loaded from %s."), file, std->key,
                       other->path);
          standard_free (std);
          return NULL;
        }
    }
  g_ptr_array_add (self->standards, std);
  return std;
}

gboolean
rs_standards_load_catalogue (RsStandards  *self,
                             const char   *path,
                             GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *file = g_path_get_basename (path);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (support_item_free);
  JsonObject *root = parse_file (path, parser, error);
  JsonArray *array = get_array (root, "items");

  if (root == NULL)
    return FALSE;
  if (array == NULL)
    return invalid (error, file, "items", _("a list of support items"));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      RsSupportItem *item = g_new0 (RsSupportItem, 1);
      const char *unit = get_string (o, "unit");
      g_autofree char *where = NULL;
      double cost;

      g_ptr_array_add (items, item);
      item->id = g_strdup (get_string (o, "id"));
      item->indicator = g_strdup (get_string (o, "indicator"));
      where = g_strdup_printf ("items[%u] (%s)", i, item->id ? item->id : "?");
      if (item->id == NULL || item->indicator == NULL
          || !get_names (o, "name", item->name, file, where, TRUE)
          || !get_number (o, "cost_vnd", &cost) || cost < 0
          || (g_strcmp0 (unit, "person") != 0 && g_strcmp0 (unit, "household") != 0))
        return invalid (error, file, where,
                        _("an item with id, indicator, names in vi and en, unit "
                          "(person or household) and cost_vnd ≥ 0"));
      item->unit = g_str_equal (unit, "person") ? RS_SUPPORT_UNIT_PERSON
                                                : RS_SUPPORT_UNIT_HOUSEHOLD;
      item->cost_vnd = (gint64) cost;
      if (!compile_member (self, o, "when", file, where, FALSE, &item->when, error))
        return FALSE;
    }
  g_clear_pointer (&self->catalogue, g_ptr_array_unref);
  self->catalogue = g_steal_pointer (&items);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

gboolean
rs_standards_load_dir (RsStandards  *self,
                       const char   *dir,
                       GError      **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return FALSE;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      if (g_str_equal (g_ptr_array_index (names, i), "support-catalogue.json"))
        {
          if (!rs_standards_load_catalogue (self, path, error))
            return FALSE;
        }
      else if (rs_standards_load_file (self, path, error) == NULL)
        return FALSE;
    }
  if (self->standards->len == 0)
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND,
                   _("No poverty standard was found in %s. Reinstall rasoat or check the data "
                     "folder."), dir);
      return FALSE;
    }
  return TRUE;
}

guint
rs_standards_get_n_standards (RsStandards *self)
{
  return self->standards->len;
}

const RsStandard *
rs_standards_get_nth (RsStandards *self,
                      guint        index)
{
  g_return_val_if_fail (index < self->standards->len, NULL);
  return g_ptr_array_index (self->standards, index);
}

const RsStandard *
rs_standards_lookup (RsStandards  *self,
                     const char   *id,
                     GError      **error)
{
  const RsStandard *best = NULL;

  for (guint i = 0; i < self->standards->len; i++)
    {
      const RsStandard *std = g_ptr_array_index (self->standards, i);

      if (g_str_equal (std->key, id))
        return std;
      if (g_str_equal (std->id, id) && (best == NULL || std->version > best->version))
        best = std;
    }
  if (best == NULL)
    g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND,
                 _("There is no poverty standard “%s”. Choose one of the installed standards."),
                 id);
  return best;
}

const RsStandard *
rs_standards_for_date (RsStandards  *self,
                       const char   *review_date,
                       GError      **error)
{
  const RsStandard *best = NULL;

  if (_rs_date_to_ymd (review_date) < 0)
    {
      g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND,
                   _("The review date is missing or not a date, so no poverty standard can be "
                     "chosen. Enter the review date (Ngày rà soát)."));
      return NULL;
    }
  for (guint i = 0; i < self->standards->len; i++)
    {
      const RsStandard *std = g_ptr_array_index (self->standards, i);

      if (!rs_standard_covers_date (std, review_date))
        continue;
      if (best == NULL
          || (std->status == RS_STANDARD_STATUS_OFFICIAL
              && best->status != RS_STANDARD_STATUS_OFFICIAL)
          || (std->status == best->status && std->version > best->version))
        best = std;
    }
  if (best == NULL)
    g_set_error (error, RS_STANDARD_ERROR, RS_STANDARD_ERROR_NOT_FOUND,
                 _("No poverty standard governs the review date %s. Check the date, or name a "
                   "standard to preview with."), review_date);
  return best;
}

int
_rs_standard_area_index (const char *area)
{
  return area_index (area);
}
