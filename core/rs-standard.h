/* rs-standard.h: poverty standards and the support catalogue as data, checked against the form.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RS_STANDARD_ERROR (rs_standard_error_quark ())

typedef enum
{
  RS_STANDARD_ERROR_FORM,       /* the form could not be read */
  RS_STANDARD_ERROR_PARSE,      /* the file is not valid JSON */
  RS_STANDARD_ERROR_INVALID,    /* a required member is missing or has the wrong type */
  RS_STANDARD_ERROR_RULE,       /* a rule does not compile or does not evaluate */
  RS_STANDARD_ERROR_PATH,       /* a rule reads an element the form does not have */
  RS_STANDARD_ERROR_NOT_FOUND,  /* no standard with this id, or none for this review date */
} RsStandardError;

GQuark rs_standard_error_quark (void);

typedef enum
{
  RS_STANDARD_STATUS_OFFICIAL,
  RS_STANDARD_STATUS_PROVISIONAL,
} RsStandardStatus;

typedef enum
{
  RS_INCOME_METHOD_DIRECT,
  RS_INCOME_METHOD_POINTS,
} RsIncomeMethod;

/* A language for names and reasons: Vietnamese first. */
typedef enum
{
  RS_LANG_VI,
  RS_LANG_EN,
} RsLang;

RsLang rs_lang_from_string (const char *lang);

/* One standard file.  Owned by its RsStandards. */
typedef struct _RsStandard RsStandard;

const char       *rs_standard_get_id              (const RsStandard *self);
guint             rs_standard_get_version         (const RsStandard *self);
/* "id@version", as stored in result/standard. */
const char       *rs_standard_get_key             (const RsStandard *self);
RsStandardStatus  rs_standard_get_status          (const RsStandard *self);
const char       *rs_standard_get_title           (const RsStandard *self,
                                                   RsLang            lang);
RsIncomeMethod    rs_standard_get_income_method   (const RsStandard *self);
/* Whether @date (YYYY-MM-DD) lies in the review-date range the standard governs. */
gboolean          rs_standard_covers_date         (const RsStandard *self,
                                                   const char       *date);
guint             rs_standard_get_n_indicators    (const RsStandard *self);
const char       *rs_standard_get_indicator_id    (const RsStandard *self,
                                                   guint             index);
const char       *rs_standard_get_indicator_name  (const RsStandard *self,
                                                   guint             index,
                                                   RsLang            lang);
/* The retirement age in months for "male"/"female" in @year (the schedule's last row applies
 * to later years); 0 for an unknown sex. */
guint             rs_standard_retirement_months   (const RsStandard *self,
                                                   const char       *sex,
                                                   int               year);

/* The standards a form is scored with, and the support catalogue. */
typedef struct _RsStandards RsStandards;

/* Reads the form (an XForm file) whose instance every standard is checked against. */
RsStandards      *rs_standards_new_for_form       (const char   *form_path,
                                                   GError      **error);
void              rs_standards_free               (RsStandards  *self);
const char       *rs_standards_get_form_id        (RsStandards  *self);
const char       *rs_standards_get_form_version   (RsStandards  *self);
/* Loads and validates one standard file: every path it reads exists in the form, every rule
 * compiles and evaluates.  Errors name the file and the rule. */
const RsStandard *rs_standards_load_file          (RsStandards  *self,
                                                   const char   *path,
                                                   GError      **error);
/* Loads every *.json standard in @dir (support-catalogue.json is loaded as the catalogue). */
gboolean          rs_standards_load_dir           (RsStandards  *self,
                                                   const char   *dir,
                                                   GError      **error);
gboolean          rs_standards_load_catalogue     (RsStandards  *self,
                                                   const char   *path,
                                                   GError      **error);
guint             rs_standards_get_n_standards    (RsStandards  *self);
const RsStandard *rs_standards_get_nth            (RsStandards  *self,
                                                   guint         index);
/* "vn-2022-2025" (newest version) or "vn-2022-2025@1". */
const RsStandard *rs_standards_lookup             (RsStandards  *self,
                                                   const char   *id,
                                                   GError      **error);
/* The standard for a review date: an official one when one covers it, else a provisional one
 * (whose results say so). */
const RsStandard *rs_standards_for_date           (RsStandards  *self,
                                                   const char   *review_date,
                                                   GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsStandards, rs_standards_free)

G_END_DECLS
