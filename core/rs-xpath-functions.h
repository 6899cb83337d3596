/* rs-xpath-functions.h: the ODK/OpenRosa XPath function library on top of libxml2's XPath 1.0.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

G_BEGIN_DECLS

#define RS_XPATH_JR_NS  "http://openrosa.org/javarosa"
#define RS_XPATH_ODK_NS "http://www.opendatakit.org/xforms"
#define RS_XPATH_ORX_NS "http://openrosa.org/xforms"

#define RS_XPATH_ERROR (rs_xpath_error_quark ())

typedef enum
{
  RS_XPATH_ERROR_SYNTAX,
  RS_XPATH_ERROR_EVALUATION,
} RsXPathError;

GQuark rs_xpath_error_quark (void);

/* What the functions need from outside the expression: the clock, the secondary instances for
 * instance('id'), the random generator, the node that `current()` and `once()` refer to, and
 * the labels of choices for jr:choice-name().  One environment may serve many contexts; it must
 * outlive them. */
typedef struct _RsXPathEnv RsXPathEnv;

/* Returns the label (newly allocated) of @value among the choices of the question at
 * @question_path (a path without repeat indexes, e.g. "/data/q"), or NULL if unknown. */
typedef char *(*RsXPathChoiceLabelFunc) (const char *question_path,
                                         const char *value,
                                         gpointer    user_data);

RsXPathEnv *rs_xpath_env_new              (void);
void        rs_xpath_env_free             (RsXPathEnv *env);
/* Pins the clock for today()/now() (tests); NULL returns to the real local time. */
void        rs_xpath_env_set_now          (RsXPathEnv *env,
                                           GDateTime  *now);
/* Returns a new reference to the pinned time or to the current local time. */
GDateTime  *rs_xpath_env_get_now          (RsXPathEnv *env);
void        rs_xpath_env_set_random_seed  (RsXPathEnv *env,
                                           guint32     seed);
/* instance('id') returns @container: the node whose child is the instance's root element
 * (in an XForm, the <instance id="…"> element itself).  The node is borrowed. */
void        rs_xpath_env_add_instance     (RsXPathEnv *env,
                                           const char *id,
                                           xmlNodePtr  container);
void        rs_xpath_env_set_choice_labels (RsXPathEnv             *env,
                                            RsXPathChoiceLabelFunc  func,
                                            gpointer                user_data);
/* The node current() returns and once() looks at; set by rs_xpath_eval(). */
void        rs_xpath_env_set_current      (RsXPathEnv *env,
                                           xmlNodePtr  node);
xmlNodePtr  rs_xpath_env_get_current      (RsXPathEnv *env);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsXPathEnv, rs_xpath_env_free)

/* Registers the ODK functions (overriding libxml2's where ODK differs), the jr/odk/orx
 * namespaces and a quiet error handler on @ctx. */
void rs_xpath_functions_register (xmlXPathContextPtr  ctx,
                                  RsXPathEnv         *env);

/* A new context on @doc with everything rs_xpath_functions_register() sets up.  Free it with
 * xmlXPathFreeContext(). */
xmlXPathContextPtr rs_xpath_context_new (xmlDocPtr   doc,
                                         RsXPathEnv *env);

/* Compiles @expression once; evaluate it as often as needed with rs_xpath_eval*(). */
xmlXPathCompExprPtr rs_xpath_compile (xmlXPathContextPtr   ctx,
                                      const char          *expression,
                                      GError             **error);

/* Evaluates @comp with @node as the context node (and current()); NULL means the document.
 * Returns NULL with @error set when evaluation fails (unknown function, wrong argument count). */
xmlXPathObjectPtr rs_xpath_eval         (xmlXPathContextPtr   ctx,
                                         xmlXPathCompExprPtr  comp,
                                         xmlNodePtr           node,
                                         GError             **error);
/* Conveniences with XPath's conversions; on failure they return "", NaN and FALSE. */
char             *rs_xpath_eval_string  (xmlXPathContextPtr   ctx,
                                         xmlXPathCompExprPtr  comp,
                                         xmlNodePtr           node,
                                         GError             **error);
double            rs_xpath_eval_number  (xmlXPathContextPtr   ctx,
                                         xmlXPathCompExprPtr  comp,
                                         xmlNodePtr           node,
                                         GError             **error);
gboolean          rs_xpath_eval_boolean (xmlXPathContextPtr   ctx,
                                         xmlXPathCompExprPtr  comp,
                                         xmlNodePtr           node,
                                         GError             **error);

/* The string ODK stores for an XPath result: numbers without a trailing ".0", NaN and
 * infinities as "" (an empty answer), booleans as "true"/"false", nodesets by their first
 * node's text. */
char *rs_xpath_object_to_value (xmlXPathObjectPtr obj);

/* Date helpers with ODK's conventions: dates count days since 1970-01-01; a dateTime is a
 * fractional day count in UTC.  Parsing accepts YYYY-MM-DD, a full ISO 8601 dateTime, or a
 * number (already a day count).  Empty or unparseable text gives NaN. */
double rs_xpath_parse_days     (const char *text);
char  *rs_xpath_days_to_date   (double days);

/* Whether @name is a function the library (or libxml2's core library) provides;
 * @ns_uri is NULL for unprefixed functions. */
gboolean rs_xpath_function_is_known (const char *name,
                                     const char *ns_uri);

G_END_DECLS
