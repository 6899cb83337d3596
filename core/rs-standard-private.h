/* rs-standard-private.h: the parsed standard and catalogue, shared by rs-standard.c and rs-score.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "rs-standard.h"
#include "rs-xpath-functions.h"

G_BEGIN_DECLS

enum { RS_AREA_RURAL, RS_AREA_URBAN, RS_N_AREAS };

/* The values of the XPath variables a standard's rules may use (see docs/standard-format.md). */
typedef struct
{
  char   review_date[16];
  double review_year;
  double working_age_min_years;
  double retirement_months_male;
  double retirement_months_female;
  double retirement_born_by_male;     /* YYYYMMDD: born on or before, retirement age reached */
  double retirement_born_by_female;
  double poverty_line;                /* NaN when the area is unknown */
  double middle_line;                 /* NaN when unset */
  xmlXPathObjectPtr members;          /* in an indicator's rule: what its members selected */
} RsScoreVars;

typedef struct
{
  char               *text;
  xmlXPathCompExprPtr comp;
} RsRule;

typedef struct
{
  char    *id;
  char    *dimension;
  char    *name[2];
  char    *reason[2];
  char    *reason_met[2];
  gboolean assessed;
  RsRule   rule;      /* comp NULL: deprived when members selects someone */
  RsRule   members;   /* comp NULL: a household-level indicator */
} RsIndicatorDef;

typedef struct
{
  char  *id;
  char  *name[2];
  RsRule rule;
} RsSignDef;

typedef struct
{
  char       *id;
  RsRule      rule;
  double      points[RS_N_AREAS];
  GHashTable *by_region;   /* region → double[RS_N_AREAS] */
} RsPointsItem;

typedef struct
{
  int   year;
  guint male_months;
  guint female_months;
} RsRetirementRow;

struct _RsStandard
{
  char            *id;
  guint            version;
  char            *key;
  RsStandardStatus status;
  char            *title[2];
  char            *path;
  int              from_ymd;
  int              to_ymd;

  RsRule           area;
  RsRule           region;
  RsRule           review_date;
  RsRule           previous_status;

  gint64           poverty_line[RS_N_AREAS];
  gint64           middle_line[RS_N_AREAS];
  gboolean         middle_set[RS_N_AREAS];

  RsIncomeMethod   income_method;
  RsRule           per_capita_monthly;
  GPtrArray       *points_items;      /* RsPointsItem */
  double           points_cutoff[RS_N_AREAS];
  gboolean         points_test_data;

  guint            poor_min_deprivations;
  guint            b2_points_per_deprivation;

  guint            working_age_min_years;
  GArray          *retirement;        /* RsRetirementRow, by year */

  RsRule           no_labour_capacity;
  RsRule           ethnic_minority;
  RsRule           merit;

  gboolean         screening_provisional;
  RsRule           screening_continue;
  GPtrArray       *signs;             /* RsSignDef */

  GPtrArray       *indicators;        /* RsIndicatorDef, legal order */
};

typedef enum
{
  RS_SUPPORT_UNIT_HOUSEHOLD,
  RS_SUPPORT_UNIT_PERSON,
} RsSupportUnit;

typedef struct
{
  char         *id;
  char         *indicator;
  char         *name[2];
  RsSupportUnit unit;
  gint64        cost_vnd;
  RsRule        when;   /* comp NULL: always applies */
} RsSupportItem;

/* The XPath context the standards' rules run in: the ODK functions plus the variables of
 * @vars, on whatever document ctx->doc is set to. */
xmlXPathContextPtr _rs_standards_get_context    (RsStandards *self);
RsScoreVars       *_rs_standards_get_vars       (RsStandards *self);
RsXPathEnv        *_rs_standards_get_env        (RsStandards *self);
/* The blank instance of the form (a copy, without jr:template attributes). */
xmlDocPtr          _rs_standards_get_blank      (RsStandards *self);
/* The form file, for the scorer to read its binds. */
xmlDocPtr          _rs_standards_get_form_doc   (RsStandards *self);
GPtrArray         *_rs_standards_get_catalogue  (RsStandards *self);   /* RsSupportItem */
/* Fills the variables for @standard at @review_date and @area (-1 when unknown). */
void               _rs_standard_set_vars        (const RsStandard *standard,
                                                 RsScoreVars      *vars,
                                                 const char       *review_date,
                                                 int               area);
/* "rural" → RS_AREA_RURAL, "urban" → RS_AREA_URBAN, else -1. */
int                _rs_standard_area_index      (const char *area);
/* YYYY-MM-DD → YYYYMMDD, or -1. */
int                _rs_date_to_ymd              (const char *date);
/* Checks and compiles @text read by @where (for error messages), against the form. */
gboolean           _rs_standards_compile_rule   (RsStandards *self,
                                                 const char  *text,
                                                 const char  *where,
                                                 RsRule      *rule,
                                                 GError     **error);
void               _rs_rule_clear               (RsRule *rule);
/* rs_xpath_compile() that keeps libxml2 from streaming bare paths over the whole document. */
xmlXPathCompExprPtr _rs_xpath_compile_fast      (xmlXPathContextPtr   ctx,
                                                 const char          *text,
                                                 GError             **error);

G_END_DECLS
