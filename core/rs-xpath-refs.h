/* rs-xpath-refs.h: reads an XForms XPath expression for the nodes it references and the
 * functions it calls, and anchors absolute references inside repeats to the current instance.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *path;           /* referenced path without indexes, e.g. "/data/rep/x" */
  char *scope_repeat;   /* the repeat whose current instance the reference stays in, or NULL */
} RsXPathRef;

typedef struct
{
  char      *rewritten;  /* the expression to compile */
  GPtrArray *refs;       /* RsXPathRef*: what the value of the expression depends on */
  GPtrArray *functions;  /* char*: functions called, "name" or "prefix:name" */
} RsXPathAnalysis;

void rs_xpath_analysis_free (RsXPathAnalysis *analysis);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsXPathAnalysis, rs_xpath_analysis_free)

/* Analyses @expression evaluated at @context_path (a path without indexes).  @repeat_paths
 * lists the repeats that contain the context (or are the context), outermost first.  Absolute
 * references that go below one of them are rewritten relative to the context, so that
 * `/data/member/age` read from `/data/member/note` means the age of the same member, as in
 * ODK.  Returns NULL with @error set for an expression that is not XPath. */
RsXPathAnalysis *rs_xpath_analyse (const char         *expression,
                                   const char         *context_path,
                                   const char * const *repeat_paths,
                                   GError            **error);

G_END_DECLS
