/* rs-form-session.h: filling one record of a form: answers, repeats, recomputation, screens.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "rs-form.h"
#include "rs-xpath-functions.h"

G_BEGIN_DECLS

#define RS_FORM_SESSION_ERROR (rs_form_session_error_quark ())

typedef enum
{
  RS_FORM_SESSION_ERROR_NO_SUCH_PATH,    /* no node (or repeat instance) at that path */
  RS_FORM_SESSION_ERROR_READ_ONLY,       /* calculated or read-only question */
  RS_FORM_SESSION_ERROR_INVALID_VALUE,   /* the value does not fit the question's type */
  RS_FORM_SESSION_ERROR_REPEAT,          /* that repeat instance cannot be added or removed */
  RS_FORM_SESSION_ERROR_INSTANCE,        /* a saved instance that does not belong to the form */
  RS_FORM_SESSION_ERROR_UNKNOWN_LANGUAGE,
} RsFormSessionError;

GQuark rs_form_session_error_quark (void);

/* One choice of a select question, in the current language. */
typedef struct
{
  char *value;
  char *label;
} RsFormChoiceItem;

/* A snapshot of one question as the user sees it now. */
typedef struct
{
  char              *path;                /* with repeat indexes: /hh/member[2]/age */
  RsFormControlType  control;
  RsFormValueType    type;
  char              *label;               /* current language, outputs filled in */
  char              *hint;                /* NULL when none */
  char              *appearance;          /* NULL when none */
  char              *value;               /* "" when unanswered */
  gboolean           relevant;
  gboolean           required;
  gboolean           readonly;
  gboolean           constraint_ok;       /* FALSE: the value breaks the constraint */
  char              *constraint_message;  /* set when !constraint_ok */
  char              *required_message;    /* the message shown if left empty */
  GPtrArray         *choices;             /* RsFormChoiceItem*; empty unless a select */
} RsFormQuestion;

void rs_form_question_free (RsFormQuestion *question);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsFormQuestion, rs_form_question_free)

/* A screen: a field-list group (all its questions), or one question. */
typedef struct
{
  char      *path;        /* the group's or the question's path */
  char      *title;       /* the group's label, or NULL for a lone question */
  GPtrArray *questions;   /* RsFormQuestion* */
  gboolean   relevant;    /* some question on it is relevant */
  char      *repeat_instance;  /* the innermost repeat instance it is in (/hh/member[2]), or
                                * NULL: the instance rs_form_session_remove_repeat() removes */
} RsFormScreen;

void rs_form_screen_free (RsFormScreen *screen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsFormScreen, rs_form_screen_free)

/* A line of the jump index: a group, repeat or repeat instance and its range of screens. */
typedef struct
{
  char     *path;
  char     *label;
  guint     depth;          /* 0 for top-level sections */
  guint     first_screen;   /* index into rs_form_session_get_screens() */
  guint     n_screens;
  gboolean  is_repeat;      /* the repeat as a whole (its instances follow, one deeper) */
  gboolean  can_add;        /* is_repeat and the user adds and removes its instances */
  gboolean  relevant;
} RsFormJumpEntry;

void rs_form_jump_entry_free (RsFormJumpEntry *entry);

/* A reason the record cannot be finalized. */
typedef struct
{
  char *path;
  char *message;
} RsFormProblem;

void rs_form_problem_free (RsFormProblem *problem);

#define RS_TYPE_FORM_SESSION (rs_form_session_get_type ())
G_DECLARE_FINAL_TYPE (RsFormSession, rs_form_session, RS, FORM_SESSION, GObject)

/* A calculator runs after every recomputation (e.g. the household score); it may write with
 * rs_form_session_set_computed_value() and is not re-entered by its own writes. */
typedef void (*RsFormCalculator) (RsFormSession *session,
                                  gpointer       user_data);

/* A new record.  @now pins the clock (NULL: the real one); tests and the bench pin it. */
RsFormSession     *rs_form_session_new                (RsForm         *form,
                                                       GDateTime      *now);
/* A saved record (XML from rs_form_session_serialize()) back into a session. */
RsFormSession     *rs_form_session_new_from_instance  (RsForm         *form,
                                                       const char     *xml,
                                                       gssize          length,
                                                       GDateTime      *now,
                                                       GError        **error);

RsForm            *rs_form_session_get_form           (RsFormSession  *self);
const char        *rs_form_session_get_instance_id    (RsFormSession  *self);
/* Makes a reloaded record a new version of itself: meta/deprecatedID = the current instanceID,
 * a fresh instanceID, no end time (an edit of a sent record). */
void               rs_form_session_new_version        (RsFormSession  *self);
const char        *rs_form_session_get_deprecated_id  (RsFormSession  *self);
void               rs_form_session_set_device_id      (RsFormSession  *self,
                                                       const char     *device_id);
void               rs_form_session_set_username       (RsFormSession  *self,
                                                       const char     *username);

/* Languages: the names rs_form_get_languages() lists, or their codes ("vi", "en"). */
gboolean           rs_form_session_set_language       (RsFormSession  *self,
                                                       const char     *language,
                                                       GError        **error);
const char        *rs_form_session_get_language       (RsFormSession  *self);

/* Answers.  Paths are absolute with 1-based repeat indexes: /hh/member[2]/age ([1] may be
 * left out).  An empty value clears the answer. */
gboolean           rs_form_session_set_value          (RsFormSession  *self,
                                                       const char     *path,
                                                       const char     *value,
                                                       GError        **error);
/* The value at @path ("" when empty), or NULL when there is no such node. */
char              *rs_form_session_get_value          (RsFormSession  *self,
                                                       const char     *path);
gboolean           rs_form_session_is_relevant        (RsFormSession  *self,
                                                       const char     *path);

/* Repeats.  @repeat_path names the repeat (indexes only for outer repeats); the new instance's
 * 1-based index is returned in @index. */
gboolean           rs_form_session_add_repeat         (RsFormSession  *self,
                                                       const char     *repeat_path,
                                                       guint          *index,
                                                       GError        **error);
/* @instance_path names one instance: /hh/member[3]. */
gboolean           rs_form_session_remove_repeat      (RsFormSession  *self,
                                                       const char     *instance_path,
                                                       GError        **error);
guint              rs_form_session_count_repeat       (RsFormSession  *self,
                                                       const char     *repeat_path);
/* Adds the user-controlled repeat instances @path needs (member[3] makes three). */
gboolean           rs_form_session_ensure_path        (RsFormSession  *self,
                                                       const char     *path,
                                                       GError        **error);

/* What the user sees. */
RsFormQuestion    *rs_form_session_get_question       (RsFormSession  *self,
                                                       const char     *path);
GPtrArray         *rs_form_session_get_screens        (RsFormSession  *self);
/* Cheaper than rendering every screen: the count, and one screen (NULL past the end). */
guint              rs_form_session_get_n_screens      (RsFormSession  *self);
/* The index of the screen showing the question at @path (e.g. a validation problem's), or -1. */
int                rs_form_session_find_screen        (RsFormSession  *self,
                                                       const char     *path);
RsFormScreen      *rs_form_session_get_screen         (RsFormSession  *self,
                                                       guint           index);
GPtrArray         *rs_form_session_get_jump_index     (RsFormSession  *self);
/* Every required-but-empty and constraint-breaking relevant answer, in form order. */
GPtrArray         *rs_form_session_validate           (RsFormSession  *self);

/* Calculators (see RsFormCalculator); the new one runs once at once, then after every
 * recomputation.  Returns an id for rs_form_session_remove_calculator(). */
guint              rs_form_session_add_calculator     (RsFormSession  *self,
                                                       RsFormCalculator func,
                                                       gpointer        user_data,
                                                       GDestroyNotify  destroy);
void               rs_form_session_remove_calculator  (RsFormSession  *self,
                                                       guint           id);
/* Writes a value regardless of read-only state and recomputes what depends on it. */
gboolean           rs_form_session_set_computed_value (RsFormSession  *self,
                                                       const char     *path,
                                                       const char     *value,
                                                       GError        **error);

/* For evaluating other expressions (scoring) on the record.  Read-only: change values only
 * through the functions above.  The context has the ODK functions registered. */
xmlDocPtr          rs_form_session_get_instance_doc   (RsFormSession  *self);
xmlXPathContextPtr rs_form_session_get_xpath_context  (RsFormSession  *self);
RsXPathEnv        *rs_form_session_get_xpath_env      (RsFormSession  *self);

/* The OpenRosa submission XML (UTF-8): non-relevant nodes left out, meta filled in
 * (instanceID, timeStart, timeEnd, deviceID, username).  Sets the end time to now. */
char              *rs_form_session_serialize          (RsFormSession  *self,
                                                       gsize          *length);

G_END_DECLS
