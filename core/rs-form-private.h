/* rs-form-private.h: the inside of RsForm, shared with the form session.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "rs-form.h"
#include "rs-xpath-refs.h"

G_BEGIN_DECLS

/* Repeat instances a jr:count may ask for, and a session may hold in all. */
#define RS_FORM_MAX_COUNT 1000
#define RS_FORM_MAX_REPEAT_INSTANCES 5000

typedef enum
{
  RS_ITEM_CALCULATE,
  RS_ITEM_COUNT,        /* jr:count of a repeat: evaluated at the repeat's parent */
  RS_ITEM_RELEVANT,
  RS_ITEM_REQUIRED,
  RS_ITEM_READONLY,
  RS_ITEM_CONSTRAINT,
  RS_N_ITEM_KINDS,
} RsItemKind;

typedef enum
{
  RS_PRELOAD_NONE,
  RS_PRELOAD_UID,
  RS_PRELOAD_START,
  RS_PRELOAD_END,
  RS_PRELOAD_TODAY,
  RS_PRELOAD_DEVICE_ID,
  RS_PRELOAD_USERNAME,
  RS_PRELOAD_OTHER_PROPERTY,
} RsPreload;

typedef struct _RsFormNode    RsFormNode;
typedef struct _RsFormItem    RsFormItem;
typedef struct _RsFormControl RsFormControl;

/* A computed property of a node: one compiled expression and what it reads. */
struct _RsFormItem
{
  guint                order;     /* position in the evaluation order */
  RsItemKind           kind;
  RsFormNode          *node;
  char                *source;    /* as written in the form */
  xmlXPathCompExprPtr  comp;
  GPtrArray           *refs;      /* RsXPathRef* */
  guint                line;
};

/* A change at a node re-evaluates @item: in the changed repeat instance only when @scope is
 * set (the reference stays inside that repeat's current instance), everywhere otherwise. */
typedef struct
{
  RsFormItem *item;
  RsFormNode *scope;
} RsTrigger;

/* A piece of a label: text, or an <output value="…"/> to evaluate. */
typedef struct
{
  char *text;     /* NULL for an output */
  char *source;   /* output expression */
} RsTextPart;

typedef struct
{
  char      *itext_id;   /* jr:itext('id'), looked up in the current language */
  GPtrArray *parts;      /* RsTextPart*, for inline text */
} RsFormText;

typedef struct
{
  char       *value;
  RsFormText *label;
} RsFormChoice;

/* A node of the primary instance, by path without indexes. */
struct _RsFormNode
{
  char            *path;
  char            *name;
  RsFormNode      *parent;
  GPtrArray       *children;        /* RsFormNode* */
  guint            depth;
  gboolean         is_repeat;
  RsFormNode      *repeat;          /* nearest repeat, the node itself included */
  xmlNodePtr       template_xml;    /* repeats: the element new instances copy */
  gboolean         has_bind;
  RsFormValueType  type;
  RsFormItem      *items[RS_N_ITEM_KINDS];
  RsFormText      *constraint_msg;
  RsFormText      *required_msg;
  RsPreload        preload;
  char            *preload_params;
  RsFormControl   *control;
  GArray          *triggers;        /* RsTrigger: items a change here re-evaluates */
  guint            line;
};

struct _RsFormControl
{
  RsFormControlType  type;
  RsFormNode        *node;           /* NULL for a group without ref */
  RsFormControl     *parent;
  GPtrArray         *children;       /* RsFormControl* (groups and repeats) */
  RsFormText        *label;
  RsFormText        *hint;
  char              *appearance;
  gboolean           field_list;
  gboolean           no_add_remove;
  GPtrArray         *choices;        /* RsFormChoice* (static items) */
  xmlXPathCompExprPtr itemset;       /* nodeset of an <itemset>, or NULL */
  xmlXPathCompExprPtr itemset_value; /* value of each item, relative to it */
  xmlXPathCompExprPtr itemset_label; /* label of each item (or its itext id) */
  gboolean           itemset_label_itext;
  GHashTable        *outputs;        /* output source → compiled, anchored at this control */
  guint              line;
};

struct _RsForm
{
  gint             ref_count;
  xmlDocPtr        form_doc;
  xmlDocPtr        repeat_doc;       /* the primary instance as written, templates included */
  xmlDocPtr        template_doc;     /* the primary instance as a new record starts */
  xmlDocPtr        secondary_doc;    /* secondary instances, one <instance> each */
  char            *id;
  char            *version;
  char            *title;
  RsFormNode      *root;
  GHashTable      *nodes;            /* path → RsFormNode* */
  GHashTable      *local_nodes;      /* path without prefixes → RsFormNode* */
  GPtrArray       *all_nodes;        /* RsFormNode*, owning */
  GPtrArray       *items;            /* RsFormItem*, in evaluation order, owning */
  GPtrArray       *secondary_ids;    /* char* */
  GPtrArray       *secondary_nodes;  /* xmlNodePtr in secondary_doc */
  GHashTable      *itext;            /* language → (id → RsFormText*) */
  GPtrArray       *languages;        /* char*, NULL-terminated */
  char            *default_language;
  RsFormControl   *body;             /* a group holding the body's controls */
  guint            n_questions;
  guint            n_groups;
  guint            n_repeats;
};

RsFormNode *_rs_form_lookup_node (RsForm     *form,
                                  const char *path);
/* The inline form of @text in @language (itext looked up, falling back to the default
 * language), or NULL when the form has no such text. */
RsFormText *_rs_form_resolve_text (RsForm     *form,
                                   RsFormText *text,
                                   const char *language);

typedef struct _RsFormSession RsFormSession;

/* A session loaded from a saved record for reading its values only (scoring): calculations,
 * repeat counts and relevance are recomputed, but required, read-only and constraint checks,
 * which change no value, are not evaluated.  @parser, when given, parses the record (a caller
 * that loads many records keeps one, and its dictionary, instead of making one per record). */
RsFormSession *_rs_form_session_new_values_only (RsForm           *form,
                                                 xmlParserCtxtPtr  parser,
                                                 const char       *xml,
                                                 gssize            length,
                                                 GError          **error);
/* The same, for reading record after record: a values-only session on a blank record, and
 * _rs_form_session_read_values() replacing its instance with the next record's (on failure,
 * the session keeps the previous one).  A caller that scores many records keeps one such
 * session, and its XPath context, instead of making one per record. */
RsFormSession *_rs_form_session_new_values_reader (RsForm           *form);
gboolean       _rs_form_session_read_values      (RsFormSession    *self,
                                                  xmlParserCtxtPtr  parser,
                                                  const char       *xml,
                                                  gssize            length,
                                                  GError          **error);
/* Whether the instance element @element of a session (its own document) is relevant. */
gboolean       _rs_form_session_element_is_relevant (xmlNodePtr element);

G_END_DECLS
