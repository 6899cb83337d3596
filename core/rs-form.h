/* rs-form.h: a parsed, immutable ODK XForm (model, binds with compiled expressions, body).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RS_FORM_ERROR (rs_form_error_quark ())

typedef enum
{
  RS_FORM_ERROR_MALFORMED,     /* not XML, or not an XForm */
  RS_FORM_ERROR_UNSUPPORTED,   /* an element, type or function outside rasoat's subset */
  RS_FORM_ERROR_INVALID,       /* binds or controls pointing outside the instance, bad XPath */
  RS_FORM_ERROR_CYCLE,         /* calculations that depend on each other */
} RsFormError;

GQuark rs_form_error_quark (void);

typedef enum
{
  RS_FORM_TYPE_STRING,
  RS_FORM_TYPE_INT,
  RS_FORM_TYPE_DECIMAL,
  RS_FORM_TYPE_DATE,
  RS_FORM_TYPE_DATE_TIME,
  RS_FORM_TYPE_TIME,
  RS_FORM_TYPE_SELECT1,
  RS_FORM_TYPE_SELECT,
  RS_FORM_TYPE_GEOPOINT,
  RS_FORM_TYPE_BINARY,
  RS_FORM_TYPE_BOOLEAN,
} RsFormValueType;

typedef enum
{
  RS_FORM_CONTROL_INPUT,
  RS_FORM_CONTROL_SELECT1,
  RS_FORM_CONTROL_SELECT,
  RS_FORM_CONTROL_TRIGGER,
  RS_FORM_CONTROL_UPLOAD,
  RS_FORM_CONTROL_GROUP,
  RS_FORM_CONTROL_REPEAT,
} RsFormControlType;

/* Reference-counted; thread-safe to share once loaded (nothing in it changes). */
typedef struct _RsForm RsForm;

RsForm             *rs_form_new_from_file        (const char  *path,
                                                  GError     **error);
RsForm             *rs_form_new_from_data        (const char  *data,
                                                  gsize        length,
                                                  GError     **error);
RsForm             *rs_form_ref                  (RsForm      *form);
void                rs_form_unref                (RsForm      *form);

/* The form id and version from the primary instance's root element (id="…" version="…"). */
const char         *rs_form_get_id               (RsForm      *form);
const char         *rs_form_get_version          (RsForm      *form);
const char         *rs_form_get_title            (RsForm      *form);
/* The root element's name, e.g. "household": every path starts with "/household". */
const char         *rs_form_get_root_name        (RsForm      *form);

/* The itext languages as the form names them ("Tiếng Việt (vi)", "English (en)"); empty for a
 * form without translations.  The default is the one marked default, else the first. */
const char * const *rs_form_get_languages        (RsForm      *form);
const char         *rs_form_get_default_language (RsForm      *form);
/* Finds a language by its exact name or by the code in parentheses ("vi"); NULL if absent. */
const char         *rs_form_find_language        (RsForm      *form,
                                                  const char  *name_or_code);

guint               rs_form_get_n_questions      (RsForm      *form);
guint               rs_form_get_n_groups         (RsForm      *form);
guint               rs_form_get_n_repeats        (RsForm      *form);

/* Whether @path (without indexes) is a node of the instance; its declared type. */
gboolean            rs_form_has_node             (RsForm      *form,
                                                  const char  *path);
RsFormValueType     rs_form_get_value_type       (RsForm      *form,
                                                  const char  *path);
const char         *rs_form_value_type_to_string (RsFormValueType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsForm, rs_form_unref)

G_END_DECLS
