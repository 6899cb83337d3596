/* rs-form-session.c: filling one record of a form: answers, repeats, recomputation, screens.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-form-session.h"
#include "rs-form-private.h"
#include "rs-xml.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rs-form-session-error-quark, rs_form_session_error)

/* What the session knows about one element of the instance (kept in xmlNode._private). */
typedef struct
{
  RsFormNode *tnode;
  guint       self_relevant : 1;
  guint       relevant : 1;
  guint       required : 1;
  guint       readonly : 1;
  guint       constraint_ok : 1;
} NodeState;

/* Items waiting to be evaluated: everywhere, or under some instance elements. */
typedef struct
{
  gboolean   all;
  GPtrArray *scopes;   /* xmlNodePtr */
} Mark;

typedef struct
{
  guint            id;
  RsFormCalculator func;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Calculator;

struct _RsFormSession
{
  GObject             parent_instance;

  RsForm             *form;
  xmlDocPtr           doc;
  RsXPathEnv         *env;
  xmlXPathContextPtr  ctx;
  xmlXPathContextPtr  nested_ctx;     /* for jr:choice-name's itemset lookups mid-evaluation */
  GDateTime          *start_time;
  char               *saved_time_start;   /* meta/timeStart of a reloaded record */
  char               *language;
  char               *instance_id;
  char               *deprecated_id;      /* meta/deprecatedID of a new version, or NULL */
  char               *device_id;
  char               *username;
  Mark               *marks;          /* one per form item */
  guint               n_marked;
  guint               n_repeat_instances;
  GArray             *calculators;    /* Calculator */
  guint               next_calculator_id;
  gboolean            in_calculators;
  gboolean            loading;        /* overlaying a saved record: a full recompute follows */
  gboolean            values_only;    /* no required, read-only or constraint checks */
};

G_DEFINE_FINAL_TYPE (RsFormSession, rs_form_session, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- snapshots ------------------------------------------------------------------------------ */

static void
choice_item_free (RsFormChoiceItem *item)
{
  g_free (item->value);
  g_free (item->label);
  g_free (item);
}

void
rs_form_question_free (RsFormQuestion *question)
{
  if (question == NULL)
    return;
  g_free (question->path);
  g_free (question->label);
  g_free (question->hint);
  g_free (question->appearance);
  g_free (question->value);
  g_free (question->constraint_message);
  g_free (question->required_message);
  g_clear_pointer (&question->choices, g_ptr_array_unref);
  g_free (question);
}

void
rs_form_screen_free (RsFormScreen *screen)
{
  if (screen == NULL)
    return;
  g_free (screen->path);
  g_free (screen->title);
  g_free (screen->repeat_instance);
  g_clear_pointer (&screen->questions, g_ptr_array_unref);
  g_free (screen);
}

void
rs_form_jump_entry_free (RsFormJumpEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->label);
  g_free (entry);
}

void
rs_form_problem_free (RsFormProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->path);
  g_free (problem->message);
  g_free (problem);
}

/* ---- node states ---------------------------------------------------------------------------- */

static NodeState *
state_of (xmlNodePtr node)
{
  return node != NULL && node->type == XML_ELEMENT_NODE ? node->_private : NULL;
}

static RsFormNode *
find_child_tnode (RsFormNode *parent,
                  xmlNodePtr  element)
{
  g_autofree char *name = NULL;

  if (element->ns != NULL && element->ns->prefix != NULL)
    name = g_strdup_printf ("%s:%s", element->ns->prefix, element->name);
  for (guint i = 0; i < parent->children->len; i++)
    {
      RsFormNode *child = g_ptr_array_index (parent->children, i);

      if (g_str_equal (child->name, name != NULL ? name : (const char *) element->name))
        return child;
    }
  return NULL;
}

/* The same, trying first the child at *@hint: instances and saved records list children in
 * the form's order, so the next element is nearly always the next child (names are unique
 * among a node's children, so the result is the same). */
static RsFormNode *
find_child_tnode_hinted (RsFormNode *parent,
                         xmlNodePtr  element,
                         guint      *hint)
{
  RsFormNode *found;

  if (*hint < parent->children->len && (element->ns == NULL || element->ns->prefix == NULL))
    {
      found = g_ptr_array_index (parent->children, *hint);
      if (g_str_equal (found->name, (const char *) element->name))
        {
          (*hint)++;
          return found;
        }
    }
  found = find_child_tnode (parent, element);
  if (found != NULL)
    {
      guint index;

      if (g_ptr_array_find (parent->children, found, &index))
        *hint = index + 1;
    }
  return found;
}

/* Gives every element under @element (included) a state; elements the form does not know are
 * removed. */
static void
attach_states (xmlNodePtr  element,
               RsFormNode *tnode)
{
  NodeState *state = g_new0 (NodeState, 1);
  xmlNodePtr child;
  guint hint = 0;

  state->tnode = tnode;
  state->self_relevant = TRUE;
  state->relevant = TRUE;
  state->constraint_ok = TRUE;
  element->_private = state;

  child = element->children;
  while (child != NULL)
    {
      xmlNodePtr next = child->next;

      if (child->type == XML_ELEMENT_NODE)
        {
          RsFormNode *child_tnode = find_child_tnode_hinted (tnode, child, &hint);

          if (child_tnode != NULL)
            attach_states (child, child_tnode);
          else
            {
              xmlUnlinkNode (child);
              xmlFreeNode (child);
            }
        }
      child = next;
    }
}

static void
free_states (xmlNodePtr element)
{
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE)
        free_states (child);
    }
  g_clear_pointer (&element->_private, g_free);
}

static guint
count_repeat_instances (xmlNodePtr element)
{
  NodeState *state = state_of (element);
  guint n = state != NULL && state->tnode->is_repeat ? 1 : 0;

  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE)
        n += count_repeat_instances (child);
    }
  return n;
}

static gboolean
is_leaf (RsFormNode *tnode)
{
  return tnode->children->len == 0;
}

static char *
element_text (xmlNodePtr element)
{
  xmlChar *content = xmlNodeGetContent (element);
  char *text = g_strdup (content != NULL ? (const char *) content : "");

  xmlFree (content);
  return text;
}

static gboolean
element_is_empty (xmlNodePtr element)
{
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
          && child->content != NULL && child->content[0] != '\0')
        return FALSE;
    }
  return TRUE;
}

static void
set_element_text (xmlNodePtr  element,
                  const char *text)
{
  /* The text goes in as it is: no escaping for xmlNodeSetContent to parse back. */
  xmlNodeSetContent (element, NULL);
  if (text != NULL && text[0] != '\0')
    xmlNodeAddContent (element, (const xmlChar *) text);
}

static guint
index_among_siblings (xmlNodePtr element)
{
  NodeState *state = state_of (element);
  guint index = 1;

  for (xmlNodePtr prev = element->prev; prev != NULL; prev = prev->prev)
    {
      if (state_of (prev) != NULL && state_of (prev)->tnode == state->tnode)
        index++;
    }
  return index;
}

static char *
element_path (xmlNodePtr element)
{
  GString *path = g_string_new (NULL);
  GPtrArray *chain = g_ptr_array_new ();

  for (xmlNodePtr n = element; n != NULL && state_of (n) != NULL; n = n->parent)
    g_ptr_array_insert (chain, 0, n);
  for (guint i = 0; i < chain->len; i++)
    {
      xmlNodePtr n = g_ptr_array_index (chain, i);
      NodeState *state = state_of (n);

      g_string_append_printf (path, "/%s", state->tnode->name);
      if (state->tnode->is_repeat)
        g_string_append_printf (path, "[%u]", index_among_siblings (n));
    }
  g_ptr_array_unref (chain);
  return g_string_free (path, FALSE);
}

static gboolean
tnode_within (RsFormNode *tnode,
              RsFormNode *ancestor)
{
  for (; tnode != NULL; tnode = tnode->parent)
    {
      if (tnode == ancestor)
        return TRUE;
    }
  return FALSE;
}

/* Appends to @out every instance of @target under @scope, whose node is an ancestor-or-self
 * of @target. */
static void
collect_instances (xmlNodePtr  scope,
                   RsFormNode *target,
                   GPtrArray  *out)
{
  NodeState *state = state_of (scope);

  if (state == NULL)
    return;
  if (state->tnode == target)
    {
      g_ptr_array_add (out, scope);
      return;
    }
  for (xmlNodePtr child = scope->children; child != NULL; child = child->next)
    {
      NodeState *child_state = state_of (child);

      if (child_state != NULL && tnode_within (target, child_state->tnode))
        collect_instances (child, target, out);
    }
}

/* ---- path parsing --------------------------------------------------------------------------- */

typedef struct
{
  char  *name;
  guint  index;   /* 0 when not given */
} PathStep;

static void
path_steps_free (GArray *steps)
{
  for (guint i = 0; i < steps->len; i++)
    g_free (g_array_index (steps, PathStep, i).name);
  g_array_unref (steps);
}

static GArray *
parse_path (const char *path)
{
  g_auto(GStrv) parts = NULL;
  GArray *steps;

  if (path == NULL || path[0] != '/')
    return NULL;
  parts = g_strsplit (path + 1, "/", -1);
  steps = g_array_new (FALSE, FALSE, sizeof (PathStep));
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *bracket = strchr (parts[i], '[');
      PathStep step = { NULL, 0 };

      if (bracket != NULL)
        {
          char *end = NULL;
          guint64 index = g_ascii_strtoull (bracket + 1, &end, 10);

          if (end == bracket + 1 || end == NULL || *end != ']' || end[1] != '\0' || index == 0
              || index > G_MAXUINT)
            {
              path_steps_free (steps);
              return NULL;
            }
          *bracket = '\0';
          step.index = (guint) index;
        }
      if (parts[i][0] == '\0')
        {
          path_steps_free (steps);
          return NULL;
        }
      step.name = g_strdup (parts[i]);
      g_array_append_val (steps, step);
    }
  if (steps->len == 0)
    {
      path_steps_free (steps);
      return NULL;
    }
  return steps;
}

static xmlNodePtr
nth_child_instance (xmlNodePtr  parent,
                    RsFormNode *tnode,
                    guint       index,
                    guint      *count_out)
{
  guint seen = 0;
  xmlNodePtr found = NULL;

  for (xmlNodePtr child = parent->children; child != NULL; child = child->next)
    {
      NodeState *state = state_of (child);

      if (state != NULL && state->tnode == tnode)
        {
          seen++;
          if (seen == index)
            found = child;
        }
    }
  if (count_out != NULL)
    *count_out = seen;
  return found;
}

static xmlNodePtr
resolve_path (RsFormSession  *self,
              const char     *path,
              GError        **error)
{
  GArray *steps = parse_path (path);
  xmlNodePtr element = xmlDocGetRootElement (self->doc);

  if (steps == NULL || !g_str_equal (g_array_index (steps, PathStep, 0).name,
                                     self->form->root->name))
    {
      if (steps != NULL)
        path_steps_free (steps);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("There is no question at “%s” in this form."), path);
      return NULL;
    }
  for (guint i = 1; i < steps->len && element != NULL; i++)
    {
      PathStep *step = &g_array_index (steps, PathStep, i);
      RsFormNode *tnode = NULL;
      NodeState *state = state_of (element);

      for (guint c = 0; c < state->tnode->children->len; c++)
        {
          RsFormNode *child = g_ptr_array_index (state->tnode->children, c);

          if (g_str_equal (child->name, step->name))
            tnode = child;
        }
      element = tnode != NULL ? nth_child_instance (element, tnode, MAX (step->index, 1), NULL)
                              : NULL;
    }
  path_steps_free (steps);
  if (element == NULL)
    g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                 _("There is no question at “%s” in this form."), path);
  return element;
}

/* ---- recomputation -------------------------------------------------------------------------- */

static void
mark_item (RsFormSession *self,
           RsFormItem    *item,
           xmlNodePtr     scope)
{
  Mark *mark = &self->marks[item->order];

  if (mark->all || self->loading)
    return;
  if (scope == NULL || (mark->scopes != NULL && mark->scopes->len >= 32))
    {
      mark->all = TRUE;
      g_clear_pointer (&mark->scopes, g_ptr_array_unref);
      return;
    }
  if (mark->scopes == NULL)
    mark->scopes = g_ptr_array_new ();
  for (guint i = 0; i < mark->scopes->len; i++)
    {
      if (g_ptr_array_index (mark->scopes, i) == scope)
        return;
    }
  g_ptr_array_add (mark->scopes, scope);
}

static xmlNodePtr
ancestor_at (xmlNodePtr  element,
             RsFormNode *tnode)
{
  for (; element != NULL && state_of (element) != NULL; element = element->parent)
    {
      if (state_of (element)->tnode == tnode)
        return element;
    }
  return NULL;
}

/* Marks what reading @tnode's triggers need after a change at @anchor (an instance of
 * @anchor_tnode, which is @tnode or its parent). */
static void
mark_triggers (RsFormSession *self,
               RsFormNode    *tnode,
               xmlNodePtr     anchor,
               RsFormNode    *anchor_tnode)
{
  for (guint i = 0; i < tnode->triggers->len; i++)
    {
      RsTrigger *trigger = &g_array_index (tnode->triggers, RsTrigger, i);
      xmlNodePtr scope = NULL;

      if (trigger->scope != NULL && tnode_within (anchor_tnode, trigger->scope))
        scope = ancestor_at (anchor, trigger->scope);
      mark_item (self, trigger->item, scope);
    }
}

static void
mark_own_checks (RsFormSession *self,
                 xmlNodePtr     element)
{
  RsFormNode *tnode = state_of (element)->tnode;

  if (tnode->items[RS_ITEM_CONSTRAINT] != NULL)
    mark_item (self, tnode->items[RS_ITEM_CONSTRAINT], element);
}

static void
update_relevance (xmlNodePtr element)
{
  NodeState *state = state_of (element);
  NodeState *parent = state_of (element->parent);
  gboolean relevant = state->self_relevant && (parent == NULL || parent->relevant);

  state->relevant = relevant;
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (state_of (child) != NULL)
        update_relevance (child);
    }
}

static char *
value_for_type (xmlXPathObjectPtr  result,
                RsFormValueType    type)
{
  if (result == NULL)
    return g_strdup ("");
  if (result->type == XPATH_NUMBER)
    {
      double number = result->floatval;

      if (isnan (number) || isinf (number))
        return g_strdup ("");
      if (type == RS_FORM_TYPE_INT)
        return g_strdup_printf ("%.0f", trunc (number));
      if (type == RS_FORM_TYPE_DATE)
        return rs_xpath_days_to_date (number);
    }
  return rs_xpath_object_to_value (result);
}

static void remove_instance (RsFormSession *self,
                             xmlNodePtr     instance);
static xmlNodePtr add_instance (RsFormSession *self,
                                xmlNodePtr     parent,
                                RsFormNode    *repeat);

static void
adjust_count (RsFormSession *self,
              RsFormItem    *item,
              xmlNodePtr     parent)
{
  double wanted = rs_xpath_eval_number (self->ctx, item->comp, parent, NULL);
  guint target = isnan (wanted) || wanted < 0 ? 0 : (guint) MIN (wanted, RS_FORM_MAX_COUNT);
  guint current = 0;

  nth_child_instance (parent, item->node, 0, &current);
  while (current < target && self->n_repeat_instances < RS_FORM_MAX_REPEAT_INSTANCES)
    {
      add_instance (self, parent, item->node);
      current++;
    }
  while (current > target)
    {
      remove_instance (self, nth_child_instance (parent, item->node, current, NULL));
      current--;
    }
}

static void
evaluate_item (RsFormSession *self,
               RsFormItem    *item,
               xmlNodePtr     element)
{
  NodeState *state = state_of (element);

  switch (item->kind)
    {
    case RS_ITEM_CALCULATE:
      {
        xmlXPathObjectPtr result = rs_xpath_eval (self->ctx, item->comp, element, NULL);
        g_autofree char *value = value_for_type (result, item->node->type);
        g_autofree char *current = element_text (element);

        xmlXPathFreeObject (result);
        if (!g_str_equal (value, current))
          {
            set_element_text (element, value);
            mark_own_checks (self, element);
            mark_triggers (self, item->node, element, item->node);
          }
      }
      break;
    case RS_ITEM_RELEVANT:
      {
        gboolean relevant;

        /* Reading values only, the relevance of a question with no answer that no
         * calculation fills changes nothing: it has nothing to switch off. */
        if (self->values_only && element->children == NULL && is_leaf (item->node)
            && item->node->items[RS_ITEM_CALCULATE] == NULL)
          break;
        relevant = rs_xpath_eval_boolean (self->ctx, item->comp, element, NULL);

        if (relevant != state->self_relevant)
          {
            state->self_relevant = relevant;
            update_relevance (element);
          }
      }
      break;
    case RS_ITEM_REQUIRED:
      state->required = rs_xpath_eval_boolean (self->ctx, item->comp, element, NULL);
      break;
    case RS_ITEM_READONLY:
      state->readonly = rs_xpath_eval_boolean (self->ctx, item->comp, element, NULL);
      break;
    case RS_ITEM_CONSTRAINT:
      state->constraint_ok = element_is_empty (element)
                             || rs_xpath_eval_boolean (self->ctx, item->comp, element, NULL);
      break;
    case RS_ITEM_COUNT:
      adjust_count (self, item, element);
      break;
    case RS_N_ITEM_KINDS:
    default:
      g_assert_not_reached ();
    }
}

/* Evaluates every marked item in dependency order; what they change marks later items. */
static void
run_pass (RsFormSession *self)
{
  GPtrArray *items = self->form->items;
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();

  for (guint i = 0; i < items->len; i++)
    {
      RsFormItem *item = g_ptr_array_index (items, i);
      Mark *mark = &self->marks[i];
      RsFormNode *target = item->kind == RS_ITEM_COUNT ? item->node->parent : item->node;

      if (!mark->all && mark->scopes == NULL)
        continue;
      if (self->values_only
          && (item->kind == RS_ITEM_REQUIRED || item->kind == RS_ITEM_READONLY
              || item->kind == RS_ITEM_CONSTRAINT))
        {
          mark->all = FALSE;
          g_clear_pointer (&mark->scopes, g_ptr_array_unref);
          continue;
        }
      g_ptr_array_set_size (targets, 0);
      if (mark->all)
        collect_instances (xmlDocGetRootElement (self->doc), target, targets);
      else
        {
          for (guint s = 0; s < mark->scopes->len; s++)
            {
              xmlNodePtr scope = g_ptr_array_index (mark->scopes, s);
              NodeState *scope_state = state_of (scope);

              if (scope_state != NULL && tnode_within (target, scope_state->tnode))
                collect_instances (scope, target, targets);
              else if (scope_state != NULL && tnode_within (scope_state->tnode, target))
                {
                  xmlNodePtr up = ancestor_at (scope, target);
                  if (up != NULL)
                    g_ptr_array_add (targets, up);
                }
            }
        }
      mark->all = FALSE;
      g_clear_pointer (&mark->scopes, g_ptr_array_unref);
      for (guint t = 0; t < targets->len; t++)
        evaluate_item (self, item, g_ptr_array_index (targets, t));
    }
}

static gboolean
node_is_under (xmlNodePtr node,
               xmlNodePtr ancestor)
{
  for (; node != NULL; node = node->parent)
    {
      if (node == ancestor)
        return TRUE;
    }
  return FALSE;
}

static void
purge_marks_under (RsFormSession *self,
                   xmlNodePtr     removed)
{
  for (guint i = 0; i < self->form->items->len; i++)
    {
      Mark *mark = &self->marks[i];

      for (guint s = 0; mark->scopes != NULL && s < mark->scopes->len;)
        {
          if (node_is_under (g_ptr_array_index (mark->scopes, s), removed))
            g_ptr_array_remove_index (mark->scopes, s);
          else
            s++;
        }
    }
}

static void
insert_in_order (xmlNodePtr  parent,
                 xmlNodePtr  child,
                 RsFormNode *tnode)
{
  RsFormNode *parent_tnode = state_of (parent)->tnode;
  guint position = 0;
  xmlNodePtr last_same = NULL;

  for (guint i = 0; i < parent_tnode->children->len; i++)
    {
      if (g_ptr_array_index (parent_tnode->children, i) == tnode)
        position = i;
    }
  for (xmlNodePtr sibling = parent->children; sibling != NULL; sibling = sibling->next)
    {
      NodeState *state = state_of (sibling);

      if (state == NULL)
        continue;
      if (state->tnode == tnode)
        last_same = sibling;
    }
  if (last_same != NULL)
    {
      xmlAddNextSibling (last_same, child);
      return;
    }
  for (xmlNodePtr sibling = parent->children; sibling != NULL; sibling = sibling->next)
    {
      NodeState *state = state_of (sibling);

      if (state == NULL)
        continue;
      for (guint i = position + 1; i < parent_tnode->children->len; i++)
        {
          if (g_ptr_array_index (parent_tnode->children, i) == state->tnode)
            {
              xmlAddPrevSibling (sibling, child);
              return;
            }
        }
    }
  xmlAddChild (parent, child);
}

static void
remove_template_markers (xmlNodePtr element)
{
  xmlNodePtr child = element->children;

  xmlUnsetNsProp (element, xmlSearchNsByHref (element->doc, element,
                                              (const xmlChar *) RS_XPATH_JR_NS),
                  (const xmlChar *) "template");
  while (child != NULL)
    {
      xmlNodePtr next = child->next;

      if (child->type == XML_ELEMENT_NODE)
        {
          if (xmlHasNsProp (child, (const xmlChar *) "template",
                            (const xmlChar *) RS_XPATH_JR_NS) != NULL)
            {
              xmlUnlinkNode (child);
              xmlFreeNode (child);
            }
          else
            remove_template_markers (child);
        }
      child = next;
    }
}

static gboolean
uses_ns (xmlNodePtr node,
         xmlNsPtr   ns)
{
  if (node->ns == ns)
    return TRUE;
  for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next)
    {
      if (attr->ns == ns)
        return TRUE;
    }
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && uses_ns (child, ns))
        return TRUE;
    }
  return FALSE;
}

/* The copy re-declares the namespaces its template used (jr: for jr:template); drop those the
 * instance no longer uses so the record reads cleanly. */
static void
drop_unused_ns_defs (xmlNodePtr element)
{
  xmlNsPtr *def = &element->nsDef;

  while (*def != NULL)
    {
      xmlNsPtr ns = *def;

      if (!uses_ns (element, ns))
        {
          *def = ns->next;
          ns->next = NULL;
          xmlFreeNs (ns);
        }
      else
        def = &ns->next;
    }
}

static void
mark_items_within (RsFormSession *self,
                   RsFormNode    *repeat,
                   xmlNodePtr     instance)
{
  for (guint i = 0; i < self->form->items->len; i++)
    {
      RsFormItem *item = g_ptr_array_index (self->form->items, i);
      RsFormNode *target = item->kind == RS_ITEM_COUNT ? item->node->parent : item->node;

      if (tnode_within (target, repeat))
        mark_item (self, item, instance);
    }
}

static xmlNodePtr
add_instance (RsFormSession *self,
              xmlNodePtr     parent,
              RsFormNode    *repeat)
{
  xmlNodePtr instance = xmlDocCopyNode (repeat->template_xml, self->doc, 1);

  remove_template_markers (instance);
  drop_unused_ns_defs (instance);
  insert_in_order (parent, instance, repeat);
  attach_states (instance, repeat);
  update_relevance (instance);
  self->n_repeat_instances += count_repeat_instances (instance);
  mark_items_within (self, repeat, instance);
  mark_triggers (self, repeat, instance, repeat);
  return instance;
}

static void
remove_instance (RsFormSession *self,
                 xmlNodePtr     instance)
{
  xmlNodePtr parent = instance->parent;
  RsFormNode *repeat = state_of (instance)->tnode;
  guint removed = count_repeat_instances (instance);

  purge_marks_under (self, instance);
  free_states (instance);
  xmlUnlinkNode (instance);
  xmlFreeNode (instance);
  self->n_repeat_instances -= MIN (removed, self->n_repeat_instances);
  mark_triggers (self, repeat, parent, repeat->parent);
}

static void
run_calculators (RsFormSession *self)
{
  if (self->in_calculators)
    return;
  self->in_calculators = TRUE;
  for (guint i = 0; i < self->calculators->len; i++)
    {
      Calculator *calculator = &g_array_index (self->calculators, Calculator, i);

      calculator->func (self, calculator->user_data);
    }
  self->in_calculators = FALSE;
}

static void
recompute (RsFormSession *self)
{
  run_pass (self);
  run_calculators (self);
  if (!self->in_calculators)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
recompute_all (RsFormSession *self)
{
  for (guint i = 0; i < self->form->items->len; i++)
    mark_item (self, g_ptr_array_index (self->form->items, i), NULL);
  run_pass (self);
  update_relevance (xmlDocGetRootElement (self->doc));
}

/* ---- construction --------------------------------------------------------------------------- */

static char *
format_now (RsFormSession *self)
{
  g_autoptr(GDateTime) now = rs_xpath_env_get_now (self->env);
  g_autofree char *base = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *zone = g_date_time_format (now, "%z");

  return g_strdup_printf ("%s.%03d%.3s:%s", base, g_date_time_get_microsecond (now) / 1000,
                          zone, zone + 3);
}

static void
apply_preloads (RsFormSession *self,
                xmlNodePtr     element,
                gboolean       fresh)
{
  NodeState *state = state_of (element);

  if (state == NULL)
    return;
  if (is_leaf (state->tnode))
    {
      RsFormNode *tnode = state->tnode;
      g_autofree char *value = NULL;

      switch (tnode->preload)
        {
        case RS_PRELOAD_UID:
          if (fresh || element_is_empty (element))
            value = g_strdup_printf ("uuid:%s", self->instance_id);
          break;
        case RS_PRELOAD_START:
          /* The start of an interview; reading a record's values is not one. */
          if (!self->values_only && (fresh || element_is_empty (element)))
            value = format_now (self);
          break;
        case RS_PRELOAD_TODAY:
          if (fresh || element_is_empty (element))
            {
              g_autoptr(GDateTime) now = rs_xpath_env_get_now (self->env);
              value = g_date_time_format (now, "%Y-%m-%d");
            }
          break;
        case RS_PRELOAD_DEVICE_ID:
          if (self->device_id != NULL)
            value = g_strdup (self->device_id);
          break;
        case RS_PRELOAD_USERNAME:
          if (self->username != NULL)
            value = g_strdup (self->username);
          break;
        case RS_PRELOAD_END:
        case RS_PRELOAD_OTHER_PROPERTY:
        case RS_PRELOAD_NONE:
        default:
          break;
        }
      if (value != NULL)
        set_element_text (element, value);
      return;
    }
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    apply_preloads (self, child, fresh);
}

static char *
choice_label_for (const char *question_path,
                  const char *value,
                  gpointer    user_data);

static RsFormSession *
session_new (RsForm    *form,
             xmlDocPtr  doc,
             GDateTime *now)
{
  RsFormSession *self = g_object_new (RS_TYPE_FORM_SESSION, NULL);

  self->form = rs_form_ref (form);
  self->doc = doc;
  self->env = rs_xpath_env_new ();
  if (now != NULL)
    rs_xpath_env_set_now (self->env, now);
  for (guint i = 0; i < form->secondary_ids->len; i++)
    rs_xpath_env_add_instance (self->env, g_ptr_array_index (form->secondary_ids, i),
                               g_ptr_array_index (form->secondary_nodes, i));
  rs_xpath_env_set_choice_labels (self->env, choice_label_for, self);
  self->ctx = rs_xpath_context_new (doc, self->env);
  self->start_time = rs_xpath_env_get_now (self->env);
  self->language = g_strdup (form->default_language);
  self->marks = g_new0 (Mark, MAX (form->items->len, 1));
  attach_states (xmlDocGetRootElement (doc), form->root);
  self->n_repeat_instances = count_repeat_instances (xmlDocGetRootElement (doc));
  return self;
}

static xmlNodePtr find_instance_id (xmlNodePtr root);

RsFormSession *
rs_form_session_new (RsForm    *form,
                     GDateTime *now)
{
  RsFormSession *self;

  g_return_val_if_fail (form != NULL, NULL);

  self = session_new (form, xmlCopyDoc (form->template_doc, 1), now);
  xmlNodePtr id_node;

  self->instance_id = g_uuid_string_random ();
  apply_preloads (self, xmlDocGetRootElement (self->doc), TRUE);
  recompute_all (self);
  /* A form that computes its own instanceID (concat('uuid:', uuid())) names the record. */
  id_node = find_instance_id (xmlDocGetRootElement (self->doc));
  if (id_node != NULL && !element_is_empty (id_node))
    {
      g_autofree char *text = element_text (id_node);
      g_free (self->instance_id);
      self->instance_id = g_strdup (g_str_has_prefix (text, "uuid:") ? text + 5 : text);
    }
  return self;
}

/* The text of a saved leaf; borrowed from its only text node when it has one. */
static const char *
saved_leaf_text (xmlNodePtr  saved,
                 char      **owned)
{
  xmlNodePtr only = saved->children;

  if (only == NULL)
    return "";
  if (only->next == NULL && only->type == XML_TEXT_NODE)
    return only->content != NULL ? (const char *) only->content : "";
  *owned = element_text (saved);
  return *owned;
}

/* Copies the saved values under @saved into @element (an instance of the same node). */
static void
overlay_saved (RsFormSession *self,
               xmlNodePtr     element,
               xmlNodePtr     saved)
{
  RsFormNode *tnode = state_of (element)->tnode;
  RsFormNode *matches_small[32];
  g_autofree RsFormNode **matches_big = NULL;
  RsFormNode **matches = matches_small;
  guint n_saved = 0, s, hint = 0;
  xmlNodePtr child;

  if (is_leaf (tnode))
    {
      g_autofree char *owned = NULL;

      set_element_text (element, saved_leaf_text (saved, &owned));
      return;
    }
  /* Which form node each saved child is, looked up once. */
  for (child = saved->children; child != NULL; child = child->next)
    n_saved++;
  if (n_saved > G_N_ELEMENTS (matches_small))
    matches = matches_big = g_new (RsFormNode *, n_saved);
  for (child = saved->children, s = 0; child != NULL; child = child->next, s++)
    matches[s] = child->type == XML_ELEMENT_NODE ? find_child_tnode_hinted (tnode, child, &hint)
                                                 : NULL;

  for (guint i = 0; i < tnode->children->len; i++)
    {
      RsFormNode *child_tnode = g_ptr_array_index (tnode->children, i);

      if (child_tnode->is_repeat)
        {
          xmlNodePtr existing;

          while ((existing = nth_child_instance (element, child_tnode, 1, NULL)) != NULL)
            remove_instance (self, existing);
          for (child = saved->children, s = 0; child != NULL; child = child->next, s++)
            {
              if (matches[s] == child_tnode
                  && self->n_repeat_instances < RS_FORM_MAX_REPEAT_INSTANCES)
                overlay_saved (self, add_instance (self, element, child_tnode), child);
            }
        }
      else
        {
          xmlNodePtr target = nth_child_instance (element, child_tnode, 1, NULL);

          if (target == NULL)
            continue;
          for (child = saved->children, s = 0; child != NULL; child = child->next, s++)
            {
              if (matches[s] == child_tnode)
                {
                  overlay_saved (self, target, child);
                  break;
                }
            }
        }
    }
}

static xmlNodePtr
find_instance_id (xmlNodePtr root)
{
  for (xmlNodePtr meta = root->children; meta != NULL; meta = meta->next)
    {
      if (meta->type != XML_ELEMENT_NODE || !xmlStrEqual (meta->name, (const xmlChar *) "meta"))
        continue;
      for (xmlNodePtr id = meta->children; id != NULL; id = id->next)
        {
          if (id->type == XML_ELEMENT_NODE
              && xmlStrEqual (id->name, (const xmlChar *) "instanceID"))
            return id;
        }
    }
  return NULL;
}

static void
strip_default_ns (xmlNodePtr node)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (node->ns != NULL && node->ns->prefix == NULL)
        node->ns = NULL;
      strip_default_ns (node->children);
    }
}

/* Parses a saved record of @form; NULL (and @error) when it is not readable or belongs to
 * another form. */
static xmlDocPtr
parse_saved (RsForm            *form,
             xmlParserCtxtPtr   parser,
             const char        *xml,
             gssize             length,
             GError           **error)
{
  xmlDocPtr saved;
  xmlNodePtr saved_root;

  if (length < 0)
    length = strlen (xml);
  if (length > G_MAXINT)
    length = G_MAXINT;
  saved = rs_xml_read_memory (parser, xml, length, "instance.xml", 0);
  saved_root = saved != NULL ? xmlDocGetRootElement (saved) : NULL;
  if (saved_root == NULL)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INSTANCE,
                   _("The saved record is not valid XML; it cannot be opened."));
      xmlFreeDoc (saved);
      return NULL;
    }
  strip_default_ns (saved_root);
  if (!xmlStrEqual (saved_root->name, (const xmlChar *) form->root->name))
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INSTANCE,
                   _("The saved record belongs to another form (<%s>), not to “%s”."),
                   (const char *) saved_root->name, form->title);
      xmlFreeDoc (saved);
      return NULL;
    }
  return saved;
}

/* The saved meta/instanceID, or NULL. */
static char *
saved_instance_id (xmlNodePtr saved_root)
{
  xmlNodePtr id_node = find_instance_id (saved_root);

  return id_node != NULL && !element_is_empty (id_node) ? element_text (id_node) : NULL;
}

static void
set_instance_id (RsFormSession *self,
                 const char    *saved_id)
{
  g_free (self->instance_id);
  if (saved_id != NULL)
    self->instance_id = g_strdup (g_str_has_prefix (saved_id, "uuid:") ? saved_id + 5
                                                                        : saved_id);
  else
    self->instance_id = g_uuid_string_random ();
}

static void
clear_marks (RsFormSession *self)
{
  for (guint i = 0; i < self->form->items->len; i++)
    {
      Mark *mark = &self->marks[i];
      mark->all = FALSE;
      g_clear_pointer (&mark->scopes, g_ptr_array_unref);
    }
}

/* After a saved record's values are in the instance: its identity, the preloads it lacks, and
 * everything computed again. The record keeps its id even when the form computes one (uuid()
 * runs again in the recompute). */
static void
finish_loading (RsFormSession *self,
                const char    *saved_id)
{
  xmlNodePtr root = xmlDocGetRootElement (self->doc);
  xmlNodePtr id_node;

  set_instance_id (self, saved_id);
  apply_preloads (self, root, FALSE);
  clear_marks (self);
  recompute_all (self);
  id_node = find_instance_id (root);
  if (saved_id != NULL && id_node != NULL)
    set_element_text (id_node, saved_id);
}

static RsFormSession *
session_new_from_instance (RsForm            *form,
                           xmlParserCtxtPtr   parser,
                           const char        *xml,
                           gssize             length,
                           GDateTime         *now,
                           gboolean           values_only,
                           GError           **error)
{
  g_autoptr(RsFormSession) self = NULL;
  g_autofree char *saved_id = NULL;
  g_autofree char *saved_time_start = NULL;
  g_autofree char *saved_deprecated_id = NULL;
  xmlDocPtr saved;
  xmlNodePtr saved_root, id_node;

  g_return_val_if_fail (form != NULL && xml != NULL, NULL);

  saved = parse_saved (form, parser, xml, length, error);
  if (saved == NULL)
    return NULL;
  saved_root = xmlDocGetRootElement (saved);

  /* The id lives in meta/instanceID, which rasoat adds when the form lacks it. */
  id_node = find_instance_id (saved_root);
  saved_id = saved_instance_id (saved_root);
  for (xmlNodePtr n = id_node != NULL ? id_node->parent->children : NULL; n != NULL; n = n->next)
    {
      if (n->type == XML_ELEMENT_NODE && xmlStrEqual (n->name, (const xmlChar *) "timeStart"))
        saved_time_start = element_text (n);
      /* A draft of a new version keeps the version it replaces, even when the form's meta
       * has no deprecatedID of its own. */
      else if (n->type == XML_ELEMENT_NODE
               && xmlStrEqual (n->name, (const xmlChar *) "deprecatedID") && !element_is_empty (n))
        saved_deprecated_id = element_text (n);
    }

  self = session_new (form, xmlCopyDoc (form->template_doc, 1), now);
  self->values_only = values_only;
  self->saved_time_start = g_steal_pointer (&saved_time_start);
  self->deprecated_id = g_steal_pointer (&saved_deprecated_id);
  /* Nothing is marked while the record is overlaid: everything is recomputed after. */
  self->loading = TRUE;
  overlay_saved (self, xmlDocGetRootElement (self->doc), saved_root);
  self->loading = FALSE;
  xmlFreeDoc (saved);

  finish_loading (self, saved_id);
  return g_steal_pointer (&self);
}

/* ---- reading values, record after record (scoring) ------------------------------------------ */

/* Whether the saved tree under @element (an instance of @tnode) already has the shape
 * overlay_saved() would give it: each of the form's children once, in the form's order, and
 * repeat instances side by side where their repeat is.  On the way it drops what the form does
 * not know (elements, comments, text between elements) and turns a leaf's content into plain
 * text, as overlay_saved() copies it; so a record that does not conform can still be
 * overlaid.  @n_instances counts the repeat instances. */
static gboolean
saved_conforms (xmlNodePtr  element,
                RsFormNode *tnode,
                guint      *n_instances)
{
  GPtrArray *expected = tnode->children;
  RsFormNode *last = NULL;
  gboolean conforms = TRUE;
  guint next = 0, hint = 0;
  xmlNodePtr child;

  if (is_leaf (tnode))
    {
      xmlNodePtr only = element->children;

      if (only != NULL && (only->next != NULL || only->type != XML_TEXT_NODE
                           || only->content == NULL || only->content[0] == '\0'))
        {
          g_autofree char *text = element_text (element);

          set_element_text (element, text);
        }
      return TRUE;
    }
  child = element->children;
  while (child != NULL)
    {
      xmlNodePtr following = child->next;
      RsFormNode *child_tnode = child->type == XML_ELEMENT_NODE
                                ? find_child_tnode_hinted (tnode, child, &hint) : NULL;

      if (child_tnode == NULL)
        {
          xmlUnlinkNode (child);
          xmlFreeNode (child);
          child = following;
          continue;
        }
      if (conforms && !(child_tnode == last && last->is_repeat))
        {
          /* Repeats with no instance may be skipped; nothing else may. */
          while (next < expected->len && g_ptr_array_index (expected, next) != child_tnode
                 && ((RsFormNode *) g_ptr_array_index (expected, next))->is_repeat)
            next++;
          if (next < expected->len && g_ptr_array_index (expected, next) == child_tnode)
            {
              last = child_tnode;
              next++;
            }
          else
            conforms = FALSE;
        }
      if (child_tnode->is_repeat && ++(*n_instances) > RS_FORM_MAX_REPEAT_INSTANCES)
        conforms = FALSE;
      if (!saved_conforms (child, child_tnode, n_instances))
        conforms = FALSE;
      child = following;
    }
  while (next < expected->len && ((RsFormNode *) g_ptr_array_index (expected, next))->is_repeat)
    next++;
  return conforms && next == expected->len;
}

RsFormSession *
_rs_form_session_new_values_reader (RsForm *form)
{
  RsFormSession *self;

  g_return_val_if_fail (form != NULL, NULL);

  self = session_new (form, xmlCopyDoc (form->template_doc, 1), NULL);
  self->values_only = TRUE;
  self->instance_id = g_uuid_string_random ();
  return self;
}

gboolean
_rs_form_session_read_values (RsFormSession     *self,
                              xmlParserCtxtPtr   parser,
                              const char        *xml,
                              gssize             length,
                              GError           **error)
{
  g_autofree char *saved_id = NULL;
  xmlDocPtr saved;
  xmlNodePtr saved_root, root;
  guint n_instances = 0;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self) && self->values_only, FALSE);
  g_return_val_if_fail (xml != NULL, FALSE);

  saved = parse_saved (self->form, parser, xml, length, error);
  if (saved == NULL)
    return FALSE;
  saved_root = xmlDocGetRootElement (saved);
  saved_id = saved_instance_id (saved_root);

  /* The previous record goes; so does anything still waiting from it. */
  clear_marks (self);
  free_states (xmlDocGetRootElement (self->doc));
  xmlFreeDoc (self->doc);
  /* A record already in the form's shape (every record rasoat or ODK Collect writes) becomes
   * the instance as it is; any other is overlaid on a blank record, as when a session opens
   * one.  Either way the instance holds the same values. */
  if (saved_conforms (saved_root, self->form->root, &n_instances))
    {
      self->doc = saved;
      saved = NULL;
    }
  else
    self->doc = xmlCopyDoc (self->form->template_doc, 1);
  self->ctx->doc = self->doc;
  if (self->nested_ctx != NULL)
    self->nested_ctx->doc = self->doc;
  root = xmlDocGetRootElement (self->doc);
  attach_states (root, self->form->root);
  self->n_repeat_instances = count_repeat_instances (root);
  if (saved != NULL)
    {
      self->loading = TRUE;
      overlay_saved (self, root, saved_root);
      self->loading = FALSE;
      xmlFreeDoc (saved);
    }

  finish_loading (self, saved_id);
  return TRUE;
}

RsFormSession *
rs_form_session_new_from_instance (RsForm      *form,
                                   const char  *xml,
                                   gssize       length,
                                   GDateTime   *now,
                                   GError     **error)
{
  return session_new_from_instance (form, NULL, xml, length, now, FALSE, error);
}

RsFormSession *
_rs_form_session_new_values_only (RsForm           *form,
                                  xmlParserCtxtPtr  parser,
                                  const char       *xml,
                                  gssize            length,
                                  GError          **error)
{
  return session_new_from_instance (form, parser, xml, length, NULL, TRUE, error);
}

gboolean
_rs_form_session_element_is_relevant (xmlNodePtr element)
{
  NodeState *state = state_of (element);

  return state != NULL && state->relevant;
}

static void
rs_form_session_finalize (GObject *object)
{
  RsFormSession *self = RS_FORM_SESSION (object);

  for (guint i = 0; i < self->calculators->len; i++)
    {
      Calculator *calculator = &g_array_index (self->calculators, Calculator, i);

      if (calculator->destroy != NULL)
        calculator->destroy (calculator->user_data);
    }
  g_clear_pointer (&self->calculators, g_array_unref);
  if (self->doc != NULL)
    {
      free_states (xmlDocGetRootElement (self->doc));
      g_clear_pointer (&self->doc, xmlFreeDoc);
    }
  if (self->marks != NULL)
    {
      for (guint i = 0; i < self->form->items->len; i++)
        g_clear_pointer (&self->marks[i].scopes, g_ptr_array_unref);
      g_clear_pointer (&self->marks, g_free);
    }
  g_clear_pointer (&self->ctx, xmlXPathFreeContext);
  g_clear_pointer (&self->nested_ctx, xmlXPathFreeContext);
  g_clear_pointer (&self->env, rs_xpath_env_free);
  g_clear_pointer (&self->start_time, g_date_time_unref);
  g_clear_pointer (&self->form, rs_form_unref);
  g_free (self->language);
  g_free (self->saved_time_start);
  g_free (self->instance_id);
  g_free (self->deprecated_id);
  g_free (self->device_id);
  g_free (self->username);

  G_OBJECT_CLASS (rs_form_session_parent_class)->finalize (object);
}

static void
rs_form_session_class_init (RsFormSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = rs_form_session_finalize;

  /**
   * RsFormSession::changed:
   *
   * Emitted after an answer, a repeat change or a language switch, once everything that
   * depends on it (and the calculators) has been recomputed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rs_form_session_init (RsFormSession *self)
{
  self->calculators = g_array_new (FALSE, FALSE, sizeof (Calculator));
  self->next_calculator_id = 1;
}

/* ---- accessors ------------------------------------------------------------------------------ */

RsForm *
rs_form_session_get_form (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->form;
}

const char *
rs_form_session_get_instance_id (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->instance_id;
}

/**
 * rs_form_session_get_deprecated_id:
 *
 * Returns: (nullable): the instanceID ("uuid:…") of the version this record replaces, or %NULL
 *   when it is not a new version of another record.
 */
const char *
rs_form_session_get_deprecated_id (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->deprecated_id;
}

static void set_end_preloads (RsFormSession *self,
                              xmlNodePtr     element,
                              const char    *now);

/* The meta child @name, or NULL. */
static xmlNodePtr
find_meta_child (xmlNodePtr  root,
                 const char *name)
{
  xmlNodePtr id_node = find_instance_id (root);

  for (xmlNodePtr n = id_node != NULL ? id_node->parent->children : NULL; n != NULL; n = n->next)
    {
      if (n->type == XML_ELEMENT_NODE && xmlStrEqual (n->name, (const xmlChar *) name))
        return n;
    }
  return NULL;
}

/**
 * rs_form_session_new_version:
 * @self: a session holding a saved record (rs_form_session_new_from_instance())
 *
 * Turns the record into a new version of itself, as ODK does when a sent record is edited:
 * meta/deprecatedID becomes the current instanceID (the element is added at serialization when
 * the form's meta lacks it), the record gets a fresh "uuid:" v4 instanceID and its end time is
 * cleared (serialization sets it again).  Answers and meta/timeStart are kept.
 */
void
rs_form_session_new_version (RsFormSession *self)
{
  g_autofree char *new_id = NULL;
  xmlNodePtr root, node;

  g_return_if_fail (RS_IS_FORM_SESSION (self));

  g_free (self->deprecated_id);
  self->deprecated_id = g_strdup_printf ("uuid:%s", self->instance_id);
  g_free (self->instance_id);
  self->instance_id = g_uuid_string_random ();
  new_id = g_strdup_printf ("uuid:%s", self->instance_id);

  root = xmlDocGetRootElement (self->doc);
  node = find_instance_id (root);
  if (node != NULL)
    set_element_text (node, new_id);
  node = find_meta_child (root, "deprecatedID");
  if (node != NULL)
    set_element_text (node, self->deprecated_id);
  node = find_meta_child (root, "timeEnd");
  if (node != NULL)
    set_element_text (node, "");
  set_end_preloads (self, root, "");
}

static void
refresh_property_preloads (RsFormSession *self)
{
  apply_preloads (self, xmlDocGetRootElement (self->doc), FALSE);
}

void
rs_form_session_set_device_id (RsFormSession *self,
                               const char    *device_id)
{
  g_return_if_fail (RS_IS_FORM_SESSION (self));
  g_free (self->device_id);
  self->device_id = g_strdup (device_id);
  refresh_property_preloads (self);
}

void
rs_form_session_set_username (RsFormSession *self,
                              const char    *username)
{
  g_return_if_fail (RS_IS_FORM_SESSION (self));
  g_free (self->username);
  self->username = g_strdup (username);
  refresh_property_preloads (self);
}

gboolean
rs_form_session_set_language (RsFormSession  *self,
                              const char     *language,
                              GError        **error)
{
  const char *found;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  found = rs_form_find_language (self->form, language);
  if (found == NULL)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_UNKNOWN_LANGUAGE,
                   _("The form has no “%s” translation."), language);
      return FALSE;
    }
  g_free (self->language);
  self->language = g_strdup (found);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

const char *
rs_form_session_get_language (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->language;
}

xmlDocPtr
rs_form_session_get_instance_doc (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->doc;
}

xmlXPathContextPtr
rs_form_session_get_xpath_context (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->ctx;
}

RsXPathEnv *
rs_form_session_get_xpath_env (RsFormSession *self)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  return self->env;
}

/* ---- answers -------------------------------------------------------------------------------- */

static GPtrArray *
static_choices (RsFormNode *tnode)
{
  return tnode->control != NULL ? tnode->control->choices : NULL;
}

static gboolean
choice_exists (GPtrArray  *choices,
               const char *value)
{
  for (guint i = 0; choices != NULL && i < choices->len; i++)
    {
      if (g_str_equal (((RsFormChoice *) g_ptr_array_index (choices, i))->value, value))
        return TRUE;
    }
  return choices == NULL;
}

static gboolean
parse_strict_number (const char *text,
                     double     *out)
{
  char *end = NULL;
  double value;

  if (*text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || isnan (value) || isinf (value))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
is_time_of_day (const char *text)
{
  g_autofree char *probe = g_strdup_printf ("1970-01-01T%s", text);

  return g_ascii_isdigit (text[0]) && !isnan (rs_xpath_parse_days (probe));
}

/* Checks @value against the node's type; returns the value to store or NULL with @error. */
static char *
normalize_value (RsFormNode  *tnode,
                 const char  *value,
                 GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value));
  double number;

  if (*trimmed == '\0' && tnode->type != RS_FORM_TYPE_STRING)
    return g_strdup ("");

  switch (tnode->type)
    {
    case RS_FORM_TYPE_STRING:
    case RS_FORM_TYPE_BINARY:
      if (!g_utf8_validate (value, -1, NULL))
        break;
      return g_strdup (value);
    case RS_FORM_TYPE_INT:
      if (parse_strict_number (trimmed, &number) && number == trunc (number)
          && strpbrk (trimmed, ".eE") == NULL && fabs (number) < 1e15)
        return g_strdup_printf ("%.0f", number);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not a whole number. Enter digits only, such as 12."), value);
      return NULL;
    case RS_FORM_TYPE_DECIMAL:
      if (parse_strict_number (trimmed, &number))
        return g_strdup (trimmed);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not a number. Use a point for decimals, such as 2.5."), value);
      return NULL;
    case RS_FORM_TYPE_DATE:
      if (strlen (trimmed) == 10 && !isnan (rs_xpath_parse_days (trimmed)))
        return g_strdup (trimmed);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not a date. Write it as year-month-day, such as 2024-05-31."),
                   value);
      return NULL;
    case RS_FORM_TYPE_DATE_TIME:
      if (strchr (trimmed, 'T') != NULL && !isnan (rs_xpath_parse_days (trimmed)))
        return g_strdup (trimmed);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not a date and time, such as 2024-05-31T14:30:00."), value);
      return NULL;
    case RS_FORM_TYPE_TIME:
      if (is_time_of_day (trimmed))
        return g_strdup (trimmed);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not a time of day, such as 14:30."), value);
      return NULL;
    case RS_FORM_TYPE_SELECT1:
      if (strpbrk (trimmed, " \t\n") == NULL && choice_exists (static_choices (tnode), trimmed))
        return g_strdup (trimmed);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not one of this question's choices."), value);
      return NULL;
    case RS_FORM_TYPE_SELECT:
      {
        g_auto(GStrv) parts = g_strsplit_set (trimmed, " \t\n", -1);
        g_autoptr(GString) joined = g_string_new (NULL);

        for (guint i = 0; parts[i] != NULL; i++)
          {
            if (*parts[i] == '\0')
              continue;
            if (!choice_exists (static_choices (tnode), parts[i]))
              {
                g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                             _("“%s” is not one of this question's choices."), parts[i]);
                return NULL;
              }
            if (joined->len > 0)
              g_string_append_c (joined, ' ');
            g_string_append (joined, parts[i]);
          }
        return g_strdup (joined->str);
      }
    case RS_FORM_TYPE_GEOPOINT:
      {
        g_auto(GStrv) parts = g_strsplit_set (trimmed, " ", -1);
        guint n = 0;
        gboolean ok = TRUE;

        for (guint i = 0; parts[i] != NULL; i++)
          {
            if (*parts[i] == '\0')
              continue;
            if (!parse_strict_number (parts[i], &number)
                || (n == 0 && fabs (number) > 90) || (n == 1 && fabs (number) > 180))
              ok = FALSE;
            n++;
          }
        if (ok && n >= 2 && n <= 4)
          return g_strdup (trimmed);
        g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                     _("“%s” is not a location. Give latitude and longitude, such as "
                       "21.0285 105.8542."), value);
        return NULL;
      }
    case RS_FORM_TYPE_BOOLEAN:
      if (g_str_equal (trimmed, "true") || g_str_equal (trimmed, "1"))
        return g_strdup ("true");
      if (g_str_equal (trimmed, "false") || g_str_equal (trimmed, "0"))
        return g_strdup ("false");
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
                   _("“%s” is not yes or no (true or false)."), value);
      return NULL;
    default:
      break;
    }
  g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_INVALID_VALUE,
               _("The answer is not valid text."));
  return NULL;
}

static gboolean
write_value (RsFormSession  *self,
             const char     *path,
             const char     *value,
             gboolean        computed,
             GError        **error)
{
  xmlNodePtr element = resolve_path (self, path, error);
  NodeState *state;
  g_autofree char *normalized = NULL;
  g_autofree char *current = NULL;

  if (element == NULL)
    return FALSE;
  state = state_of (element);
  if (!is_leaf (state->tnode))
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("“%s” is a group, not a question; answer the questions inside it."), path);
      return FALSE;
    }
  if (!computed && (state->readonly || state->tnode->items[RS_ITEM_CALCULATE] != NULL))
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_READ_ONLY,
                   _("“%s” is calculated or read-only and cannot be answered."), path);
      return FALSE;
    }
  normalized = normalize_value (state->tnode, value != NULL ? value : "", error);
  if (normalized == NULL)
    return FALSE;
  current = element_text (element);
  if (g_str_equal (current, normalized))
    {
      if (!computed)
        g_signal_emit (self, signals[CHANGED], 0);
      return TRUE;
    }
  set_element_text (element, normalized);
  mark_own_checks (self, element);
  mark_triggers (self, state->tnode, element, state->tnode);
  if (computed && self->in_calculators)
    run_pass (self);
  else
    recompute (self);
  return TRUE;
}

gboolean
rs_form_session_set_value (RsFormSession  *self,
                           const char     *path,
                           const char     *value,
                           GError        **error)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  return write_value (self, path, value, FALSE, error);
}

gboolean
rs_form_session_set_computed_value (RsFormSession  *self,
                                    const char     *path,
                                    const char     *value,
                                    GError        **error)
{
  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  return write_value (self, path, value, TRUE, error);
}

char *
rs_form_session_get_value (RsFormSession *self,
                           const char    *path)
{
  xmlNodePtr element;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  element = resolve_path (self, path, NULL);
  return element != NULL ? element_text (element) : NULL;
}

gboolean
rs_form_session_is_relevant (RsFormSession *self,
                             const char    *path)
{
  xmlNodePtr element;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  element = resolve_path (self, path, NULL);
  return element != NULL && state_of (element)->relevant;
}

/* ---- repeats -------------------------------------------------------------------------------- */

/* Resolves "/a/b[2]/rep" to the parent instance and the repeat node. */
static xmlNodePtr
resolve_repeat_parent (RsFormSession  *self,
                       const char     *repeat_path,
                       RsFormNode    **repeat_out,
                       GError        **error)
{
  g_autofree char *parent_path = NULL;
  g_autofree char *name = NULL;
  const char *slash;
  xmlNodePtr parent;
  RsFormNode *repeat = NULL;

  slash = repeat_path != NULL ? strrchr (repeat_path, '/') : NULL;
  if (slash == NULL || slash == repeat_path)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("There is no repeat at “%s” in this form."), repeat_path);
      return NULL;
    }
  parent_path = g_strndup (repeat_path, slash - repeat_path);
  name = g_strdup (slash + 1);
  if (strchr (name, '[') != NULL)
    *strchr (name, '[') = '\0';
  parent = resolve_path (self, parent_path, NULL);
  if (parent != NULL)
    {
      RsFormNode *parent_tnode = state_of (parent)->tnode;

      for (guint i = 0; i < parent_tnode->children->len; i++)
        {
          RsFormNode *child = g_ptr_array_index (parent_tnode->children, i);

          if (g_str_equal (child->name, name) && child->is_repeat)
            repeat = child;
        }
    }
  if (repeat == NULL)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("There is no repeat at “%s” in this form."), repeat_path);
      return NULL;
    }
  *repeat_out = repeat;
  return parent;
}

static gboolean
check_user_controlled (RsFormNode  *repeat,
                       GError     **error)
{
  if (repeat->items[RS_ITEM_COUNT] != NULL
      || (repeat->control != NULL && repeat->control->no_add_remove))
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_REPEAT,
                   _("The number of “%s” entries is set by the form; it cannot be changed by "
                     "hand."), repeat->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
rs_form_session_add_repeat (RsFormSession  *self,
                            const char     *repeat_path,
                            guint          *index,
                            GError        **error)
{
  RsFormNode *repeat = NULL;
  xmlNodePtr parent, instance;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  parent = resolve_repeat_parent (self, repeat_path, &repeat, error);
  if (parent == NULL || !check_user_controlled (repeat, error))
    return FALSE;
  if (self->n_repeat_instances >= RS_FORM_MAX_REPEAT_INSTANCES)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_REPEAT,
                   _("This record already has %u repeated entries, the most rasoat allows."),
                   self->n_repeat_instances);
      return FALSE;
    }
  instance = add_instance (self, parent, repeat);
  if (index != NULL)
    *index = index_among_siblings (instance);
  recompute (self);
  return TRUE;
}

gboolean
rs_form_session_remove_repeat (RsFormSession  *self,
                               const char     *instance_path,
                               GError        **error)
{
  xmlNodePtr instance;
  NodeState *state;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  instance = resolve_path (self, instance_path, error);
  if (instance == NULL)
    return FALSE;
  state = state_of (instance);
  if (!state->tnode->is_repeat)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_REPEAT,
                   _("“%s” is not a repeated entry."), instance_path);
      return FALSE;
    }
  if (!check_user_controlled (state->tnode, error))
    return FALSE;
  remove_instance (self, instance);
  recompute (self);
  return TRUE;
}

guint
rs_form_session_count_repeat (RsFormSession *self,
                              const char    *repeat_path)
{
  RsFormNode *repeat = NULL;
  xmlNodePtr parent;
  guint count = 0;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), 0);
  parent = resolve_repeat_parent (self, repeat_path, &repeat, NULL);
  if (parent != NULL)
    nth_child_instance (parent, repeat, 0, &count);
  return count;
}

gboolean
rs_form_session_ensure_path (RsFormSession  *self,
                             const char     *path,
                             GError        **error)
{
  GArray *steps;
  xmlNodePtr element;
  gboolean added = FALSE;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), FALSE);
  steps = parse_path (path);
  element = xmlDocGetRootElement (self->doc);
  if (steps == NULL || !g_str_equal (g_array_index (steps, PathStep, 0).name,
                                     self->form->root->name))
    {
      if (steps != NULL)
        path_steps_free (steps);
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("There is no question at “%s” in this form."), path);
      return FALSE;
    }
  for (guint i = 1; i < steps->len && element != NULL; i++)
    {
      PathStep *step = &g_array_index (steps, PathStep, i);
      RsFormNode *parent_tnode = state_of (element)->tnode;
      RsFormNode *tnode = NULL;
      guint count = 0;
      xmlNodePtr next;

      for (guint c = 0; c < parent_tnode->children->len; c++)
        {
          RsFormNode *child = g_ptr_array_index (parent_tnode->children, c);

          if (g_str_equal (child->name, step->name))
            tnode = child;
        }
      if (tnode == NULL)
        {
          element = NULL;
          break;
        }
      next = nth_child_instance (element, tnode, MAX (step->index, 1), &count);
      if (next == NULL && tnode->is_repeat)
        {
          if (!check_user_controlled (tnode, error))
            {
              path_steps_free (steps);
              return FALSE;
            }
          while (count < MAX (step->index, 1))
            {
              if (self->n_repeat_instances >= RS_FORM_MAX_REPEAT_INSTANCES)
                break;
              next = add_instance (self, element, tnode);
              count++;
              added = TRUE;
            }
          if (count < MAX (step->index, 1))
            next = NULL;
        }
      element = next;
    }
  path_steps_free (steps);
  if (added)
    recompute (self);
  if (element == NULL)
    {
      g_set_error (error, RS_FORM_SESSION_ERROR, RS_FORM_SESSION_ERROR_NO_SUCH_PATH,
                   _("There is no question at “%s” in this form."), path);
      return FALSE;
    }
  return TRUE;
}

/* ---- calculators ---------------------------------------------------------------------------- */

guint
rs_form_session_add_calculator (RsFormSession    *self,
                                RsFormCalculator  func,
                                gpointer          user_data,
                                GDestroyNotify    destroy)
{
  Calculator calculator = { 0, func, user_data, destroy };

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), 0);
  g_return_val_if_fail (func != NULL, 0);
  calculator.id = self->next_calculator_id++;
  g_array_append_val (self->calculators, calculator);
  /* Bring the new calculator's outputs up to date at once. */
  self->in_calculators = TRUE;
  func (self, user_data);
  self->in_calculators = FALSE;
  return calculator.id;
}

void
rs_form_session_remove_calculator (RsFormSession *self,
                                   guint          id)
{
  g_return_if_fail (RS_IS_FORM_SESSION (self));
  for (guint i = 0; i < self->calculators->len; i++)
    {
      Calculator *calculator = &g_array_index (self->calculators, Calculator, i);

      if (calculator->id == id)
        {
          if (calculator->destroy != NULL)
            calculator->destroy (calculator->user_data);
          g_array_remove_index (self->calculators, i);
          return;
        }
    }
}

/* ---- what the user sees --------------------------------------------------------------------- */

static char *
collapse_spaces (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
render_text (RsFormSession *self,
             RsFormControl *control,
             RsFormText    *text,
             xmlNodePtr     context)
{
  RsFormText *resolved = _rs_form_resolve_text (self->form, text, self->language);
  g_autoptr(GString) out = NULL;

  if (resolved == NULL || resolved->parts == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (guint i = 0; i < resolved->parts->len; i++)
    {
      RsTextPart *part = g_ptr_array_index (resolved->parts, i);

      if (part->text != NULL)
        g_string_append (out, part->text);
      else
        {
          xmlXPathCompExprPtr comp = g_hash_table_lookup (control->outputs, part->source);

          if (comp != NULL)
            {
              g_autofree char *value = rs_xpath_eval_string (self->ctx, comp, context, NULL);
              g_string_append (out, value);
            }
        }
    }
  return collapse_spaces (out->str);
}

/* The text of a label without evaluating outputs (used from inside an evaluation). */
static char *
plain_text (RsFormSession *self,
            RsFormText    *text)
{
  RsFormText *resolved = _rs_form_resolve_text (self->form, text, self->language);
  GString *out;
  char *result;

  if (resolved == NULL || resolved->parts == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (guint p = 0; p < resolved->parts->len; p++)
    {
      RsTextPart *part = g_ptr_array_index (resolved->parts, p);

      if (part->text != NULL)
        g_string_append (out, part->text);
    }
  result = collapse_spaces (out->str);
  g_string_free (out, TRUE);
  return result;
}

/* jr:choice-name() for a question whose choices come from an itemset: the itemset is evaluated
 * at the question's first instance, on a second context so the evaluation that called us is
 * left as it was. */
static char *
itemset_label_for (RsFormSession *self,
                   RsFormNode    *tnode,
                   const char    *value)
{
  RsFormControl *control = tnode->control;
  g_autoptr(GPtrArray) instances = g_ptr_array_new ();
  xmlNodePtr saved_current = rs_xpath_env_get_current (self->env);
  xmlXPathObjectPtr nodes;
  char *label = NULL;

  collect_instances (xmlDocGetRootElement (self->doc), tnode, instances);
  if (instances->len == 0)
    return NULL;
  /* Made when first needed: most sessions (and every scoring) never look up a choice name. */
  if (self->nested_ctx == NULL)
    self->nested_ctx = rs_xpath_context_new (self->doc, self->env);
  nodes = rs_xpath_eval (self->nested_ctx, control->itemset, g_ptr_array_index (instances, 0),
                         NULL);
  for (int i = 0; label == NULL && nodes != NULL && nodes->type == XPATH_NODESET
                  && nodes->nodesetval != NULL && i < nodes->nodesetval->nodeNr; i++)
    {
      xmlNodePtr item = nodes->nodesetval->nodeTab[i];
      g_autofree char *item_value = rs_xpath_eval_string (self->nested_ctx,
                                                          control->itemset_value, item, NULL);

      if (g_str_equal (item_value, value))
        {
          g_autofree char *text = rs_xpath_eval_string (self->nested_ctx,
                                                        control->itemset_label, item, NULL);

          if (control->itemset_label_itext)
            {
              RsFormText lookup = { text, NULL };
              label = plain_text (self, &lookup);
            }
          if (label == NULL)
            label = g_steal_pointer (&text);
        }
    }
  xmlXPathFreeObject (nodes);
  rs_xpath_env_set_current (self->env, saved_current);
  return label;
}

static char *
choice_label_for (const char *question_path,
                  const char *value,
                  gpointer    user_data)
{
  RsFormSession *self = user_data;
  RsFormNode *tnode = _rs_form_lookup_node (self->form, question_path);
  GPtrArray *choices = tnode != NULL ? static_choices (tnode) : NULL;

  for (guint i = 0; choices != NULL && i < choices->len; i++)
    {
      RsFormChoice *choice = g_ptr_array_index (choices, i);

      if (g_str_equal (choice->value, value))
        return plain_text (self, choice->label);
    }
  if (tnode != NULL && tnode->control != NULL && tnode->control->itemset != NULL)
    return itemset_label_for (self, tnode, value);
  return NULL;
}

static GPtrArray *
question_choices (RsFormSession *self,
                  RsFormControl *control,
                  xmlNodePtr     element)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_item_free);

  for (guint i = 0; control->choices != NULL && i < control->choices->len; i++)
    {
      RsFormChoice *choice = g_ptr_array_index (control->choices, i);
      RsFormChoiceItem *item = g_new0 (RsFormChoiceItem, 1);

      item->value = g_strdup (choice->value);
      item->label = render_text (self, control, choice->label, element);
      if (item->label == NULL)
        item->label = g_strdup (choice->value);
      g_ptr_array_add (items, item);
    }
  if (control->itemset != NULL)
    {
      xmlXPathObjectPtr nodes = rs_xpath_eval (self->ctx, control->itemset, element, NULL);

      for (int i = 0; nodes != NULL && nodes->type == XPATH_NODESET && nodes->nodesetval != NULL
                      && i < nodes->nodesetval->nodeNr; i++)
        {
          xmlNodePtr node = nodes->nodesetval->nodeTab[i];
          RsFormChoiceItem *item = g_new0 (RsFormChoiceItem, 1);
          g_autofree char *label = rs_xpath_eval_string (self->ctx, control->itemset_label, node,
                                                         NULL);

          item->value = rs_xpath_eval_string (self->ctx, control->itemset_value, node, NULL);
          if (control->itemset_label_itext)
            {
              RsFormText lookup = { label, NULL };
              item->label = render_text (self, control, &lookup, element);
            }
          if (item->label == NULL)
            item->label = g_steal_pointer (&label);
          g_ptr_array_add (items, item);
        }
      xmlXPathFreeObject (nodes);
      rs_xpath_env_set_current (self->env, NULL);
    }
  return items;
}

static RsFormQuestion *
make_question (RsFormSession *self,
               RsFormControl *control,
               xmlNodePtr     element)
{
  RsFormQuestion *question = g_new0 (RsFormQuestion, 1);
  NodeState *state = state_of (element);
  RsFormNode *tnode = state->tnode;

  question->path = element_path (element);
  question->control = control->type;
  question->type = tnode->type;
  question->label = render_text (self, control, control->label, element);
  if (question->label == NULL)
    question->label = g_strdup ("");
  question->hint = render_text (self, control, control->hint, element);
  question->appearance = g_strdup (control->appearance);
  question->value = element_text (element);
  question->relevant = state->relevant;
  question->required = state->required;
  question->readonly = state->readonly || tnode->items[RS_ITEM_CALCULATE] != NULL;
  question->constraint_ok = state->constraint_ok;
  if (!state->constraint_ok)
    {
      question->constraint_message = render_text (self, control, tnode->constraint_msg, element);
      if (question->constraint_message == NULL)
        question->constraint_message = g_strdup (_("This answer is not allowed. Check it and "
                                                   "correct it."));
    }
  question->required_message = render_text (self, control, tnode->required_msg, element);
  if (question->required_message == NULL)
    question->required_message = g_strdup (_("This question must be answered."));
  question->choices = question_choices (self, control, element);
  return question;
}

RsFormQuestion *
rs_form_session_get_question (RsFormSession *self,
                              const char    *path)
{
  xmlNodePtr element;
  NodeState *state;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  element = resolve_path (self, path, NULL);
  if (element == NULL)
    return NULL;
  state = state_of (element);
  if (state->tnode->control == NULL || !is_leaf (state->tnode))
    return NULL;
  return make_question (self, state->tnode->control, element);
}

/* A screen before its questions are rendered: rendering labels and choices is the costly part,
 * so the app can ask for one screen at a time. */
typedef struct
{
  RsFormControl *control;
  xmlNodePtr     element;
} QuestionRef;

typedef struct
{
  xmlNodePtr  element;     /* the group, repeat instance or question; its path is the screen's */
  char       *title;
  GArray     *questions;   /* QuestionRef */
  gboolean    relevant;
} ScreenPlan;

static void
screen_plan_free (ScreenPlan *plan)
{
  g_free (plan->title);
  g_array_unref (plan->questions);
  g_free (plan);
}

static ScreenPlan *
screen_plan_new (xmlNodePtr  element,
                 const char *title)
{
  ScreenPlan *plan = g_new0 (ScreenPlan, 1);

  plan->element = element;
  plan->title = g_strdup (title);
  plan->questions = g_array_new (FALSE, FALSE, sizeof (QuestionRef));
  return plan;
}

typedef struct
{
  GPtrArray  *screens;       /* ScreenPlan* */
  GPtrArray  *jump;
  ScreenPlan *open_screen;   /* field-list being filled, or NULL */
} Walk;

static xmlNodePtr
descend_to (xmlNodePtr  context,
            RsFormNode *target)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_instances (context, target, found);
  return found->len > 0 ? g_ptr_array_index (found, 0) : NULL;
}

static void walk_control (RsFormSession *self,
                          RsFormControl *control,
                          xmlNodePtr     context,
                          Walk          *walk,
                          guint          depth);

static void
add_question (RsFormSession *self,
              RsFormControl *control,
              xmlNodePtr     element,
              Walk          *walk)
{
  QuestionRef ref = { control, element };
  ScreenPlan *plan = walk->open_screen;

  if (plan == NULL)
    {
      plan = screen_plan_new (element, NULL);
      g_ptr_array_add (walk->screens, plan);
    }
  plan->relevant |= state_of (element)->relevant;
  g_array_append_val (plan->questions, ref);
}

static void
walk_children (RsFormSession *self,
               RsFormControl *control,
               xmlNodePtr     context,
               Walk          *walk,
               guint          depth)
{
  for (guint i = 0; i < control->children->len; i++)
    walk_control (self, g_ptr_array_index (control->children, i), context, walk, depth);
}

static RsFormJumpEntry *
open_entry (Walk       *walk,
            const char *path,
            char       *label,
            guint       depth,
            gboolean    relevant)
{
  RsFormJumpEntry *entry = g_new0 (RsFormJumpEntry, 1);

  entry->path = g_strdup (path);
  entry->label = label;
  entry->depth = depth;
  entry->first_screen = walk->screens->len;
  entry->relevant = relevant;
  g_ptr_array_add (walk->jump, entry);
  return entry;
}

static void
walk_control (RsFormSession *self,
              RsFormControl *control,
              xmlNodePtr     context,
              Walk          *walk,
              guint          depth)
{
  xmlNodePtr element = context;

  /* The group ODK wraps around a repeat shares its node; the repeat shows its label. */
  if (control->type == RS_FORM_CONTROL_GROUP && control->node != NULL && control->node->is_repeat)
    {
      walk_children (self, control, context, walk, depth);
      return;
    }
  if (control->node != NULL && control->type != RS_FORM_CONTROL_REPEAT)
    {
      element = descend_to (context, control->node);
      if (element == NULL)
        return;
    }

  switch (control->type)
    {
    case RS_FORM_CONTROL_GROUP:
      {
        g_autofree char *path = element_path (element);
        char *label = render_text (self, control, control->label, element);
        gboolean opens_screen = control->field_list && walk->open_screen == NULL;
        RsFormJumpEntry *entry = NULL;
        guint child_depth = depth;

        if (label != NULL || opens_screen)
          {
            entry = open_entry (walk, path, label != NULL ? label : g_strdup (""), depth,
                                state_of (element)->relevant);
            child_depth = depth + 1;
          }
        if (opens_screen)
          {
            ScreenPlan *screen = screen_plan_new (element, entry->label[0] != '\0'
                                                           ? entry->label : NULL);

            g_ptr_array_add (walk->screens, screen);
            walk->open_screen = screen;
            walk_children (self, control, element, walk, child_depth);
            walk->open_screen = NULL;
          }
        else
          walk_children (self, control, element, walk, child_depth);
        if (entry != NULL)
          entry->n_screens = walk->screens->len - entry->first_screen;
      }
      break;
    case RS_FORM_CONTROL_REPEAT:
      {
        g_autoptr(GPtrArray) instances = g_ptr_array_new ();
        RsFormJumpEntry *entry;
        g_autofree char *label = NULL;
        g_autofree char *repeat_path = NULL;
        xmlNodePtr parent;

        /* The repeat's own label, or the label of the group around it (ODK's usual shape). */
        parent = control->node->parent != NULL ? descend_to (context, control->node->parent)
                                               : NULL;
        if (parent == NULL)
          return;
        collect_instances (parent, control->node, instances);
        if (control->label != NULL)
          label = render_text (self, control, control->label, parent);
        else if (control->parent != NULL && control->parent->node == control->node)
          label = render_text (self, control->parent, control->parent->label, parent);
        {
          g_autofree char *parent_path = element_path (parent);
          repeat_path = g_strdup_printf ("%s/%s", parent_path, control->node->name);
        }
        entry = open_entry (walk, repeat_path, g_strdup (label != NULL ? label : ""), depth,
                            state_of (parent)->relevant);
        entry->is_repeat = TRUE;
        entry->can_add = control->node->items[RS_ITEM_COUNT] == NULL && !control->no_add_remove;
        for (guint i = 0; i < instances->len; i++)
          {
            xmlNodePtr instance = g_ptr_array_index (instances, i);
            g_autofree char *instance_path = element_path (instance);
            RsFormJumpEntry *instance_entry;
            gboolean opens_screen = control->field_list && walk->open_screen == NULL;

            instance_entry = open_entry (walk, instance_path,
                                         g_strdup_printf ("%s %u", label != NULL ? label : "",
                                                          i + 1),
                                         depth + 1, state_of (instance)->relevant);
            if (opens_screen)
              {
                ScreenPlan *screen = screen_plan_new (instance, instance_entry->label);

                g_ptr_array_add (walk->screens, screen);
                walk->open_screen = screen;
              }
            walk_children (self, control, instance, walk, depth + 2);
            if (opens_screen)
              walk->open_screen = NULL;
            instance_entry->n_screens = walk->screens->len - instance_entry->first_screen;
          }
        entry->n_screens = walk->screens->len - entry->first_screen;
      }
      break;
    case RS_FORM_CONTROL_INPUT:
    case RS_FORM_CONTROL_SELECT1:
    case RS_FORM_CONTROL_SELECT:
    case RS_FORM_CONTROL_TRIGGER:
    case RS_FORM_CONTROL_UPLOAD:
    default:
      add_question (self, control, element, walk);
      break;
    }
}

static void
walk_form (RsFormSession *self,
           Walk          *walk)
{
  walk->screens = g_ptr_array_new_with_free_func ((GDestroyNotify) screen_plan_free);
  walk->jump = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_form_jump_entry_free);
  walk->open_screen = NULL;
  walk_children (self, self->form->body, xmlDocGetRootElement (self->doc), walk, 0);
}

static RsFormScreen *
render_screen (RsFormSession *self,
               ScreenPlan    *plan)
{
  RsFormScreen *screen = g_new0 (RsFormScreen, 1);

  screen->path = element_path (plan->element);
  screen->title = g_strdup (plan->title);
  for (xmlNodePtr n = plan->element; n != NULL && state_of (n) != NULL; n = n->parent)
    {
      if (state_of (n)->tnode->is_repeat)
        {
          screen->repeat_instance = element_path (n);
          break;
        }
    }
  screen->relevant = plan->relevant;
  screen->questions = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_form_question_free);
  for (guint i = 0; i < plan->questions->len; i++)
    {
      QuestionRef *ref = &g_array_index (plan->questions, QuestionRef, i);

      g_ptr_array_add (screen->questions, make_question (self, ref->control, ref->element));
    }
  return screen;
}

GPtrArray *
rs_form_session_get_screens (RsFormSession *self)
{
  GPtrArray *screens;
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  walk_form (self, &walk);
  screens = g_ptr_array_new_full (walk.screens->len, (GDestroyNotify) rs_form_screen_free);
  for (guint i = 0; i < walk.screens->len; i++)
    g_ptr_array_add (screens, render_screen (self, g_ptr_array_index (walk.screens, i)));
  g_ptr_array_unref (walk.screens);
  g_ptr_array_unref (walk.jump);
  return screens;
}

guint
rs_form_session_get_n_screens (RsFormSession *self)
{
  guint n;
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), 0);
  walk_form (self, &walk);
  n = walk.screens->len;
  g_ptr_array_unref (walk.screens);
  g_ptr_array_unref (walk.jump);
  return n;
}

RsFormScreen *
rs_form_session_get_screen (RsFormSession *self,
                            guint          index)
{
  RsFormScreen *screen = NULL;
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  walk_form (self, &walk);
  if (index < walk.screens->len)
    screen = render_screen (self, g_ptr_array_index (walk.screens, index));
  g_ptr_array_unref (walk.screens);
  g_ptr_array_unref (walk.jump);
  return screen;
}

int
rs_form_session_find_screen (RsFormSession *self,
                             const char    *path)
{
  xmlNodePtr element;
  int found = -1;
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), -1);
  element = resolve_path (self, path, NULL);
  if (element == NULL)
    return -1;
  walk_form (self, &walk);
  for (guint s = 0; found < 0 && s < walk.screens->len; s++)
    {
      ScreenPlan *plan = g_ptr_array_index (walk.screens, s);

      for (guint q = 0; q < plan->questions->len; q++)
        {
          if (g_array_index (plan->questions, QuestionRef, q).element == element)
            {
              found = (int) s;
              break;
            }
        }
    }
  g_ptr_array_unref (walk.screens);
  g_ptr_array_unref (walk.jump);
  return found;
}

GPtrArray *
rs_form_session_get_jump_index (RsFormSession *self)
{
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  walk_form (self, &walk);
  g_ptr_array_unref (walk.screens);
  return walk.jump;
}

GPtrArray *
rs_form_session_validate (RsFormSession *self)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_form_problem_free);
  Walk walk;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);
  walk_form (self, &walk);
  for (guint s = 0; s < walk.screens->len; s++)
    {
      ScreenPlan *plan = g_ptr_array_index (walk.screens, s);

      for (guint q = 0; q < plan->questions->len; q++)
        {
          QuestionRef *ref = &g_array_index (plan->questions, QuestionRef, q);
          NodeState *state = state_of (ref->element);
          gboolean empty = element_is_empty (ref->element);
          RsFormProblem *problem;

          if (!state->relevant || !((state->required && empty) || !state->constraint_ok))
            continue;
          {
            g_autoptr(RsFormQuestion) question = make_question (self, ref->control,
                                                               ref->element);

            problem = g_new0 (RsFormProblem, 1);
            problem->path = g_strdup (question->path);
            problem->message = g_strdup (state->required && empty ? question->required_message
                                                                  : question->constraint_message);
            g_ptr_array_add (problems, problem);
          }
        }
    }
  g_ptr_array_unref (walk.screens);
  g_ptr_array_unref (walk.jump);
  return problems;
}

/* ---- serialization -------------------------------------------------------------------------- */

static void
set_end_preloads (RsFormSession *self,
                  xmlNodePtr     element,
                  const char    *now)
{
  NodeState *state = state_of (element);

  if (state == NULL)
    return;
  if (state->tnode->preload == RS_PRELOAD_END && is_leaf (state->tnode))
    set_element_text (element, now);
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    set_end_preloads (self, child, now);
}

/* Removes from @copy what is not relevant in @original (the two trees match node for node). */
static void
drop_irrelevant (xmlNodePtr original,
                 xmlNodePtr copy)
{
  xmlNodePtr o = original->children;
  xmlNodePtr c = copy->children;

  while (o != NULL && c != NULL)
    {
      xmlNodePtr next_c = c->next;

      if (o->type == XML_ELEMENT_NODE)
        {
          NodeState *state = state_of (o);

          if (state != NULL && !state->relevant)
            {
              xmlUnlinkNode (c);
              xmlFreeNode (c);
            }
          else
            drop_irrelevant (o, c);
        }
      o = o->next;
      c = next_c;
    }
}

static xmlNodePtr
ensure_child (xmlNodePtr  parent,
              const char *name)
{
  for (xmlNodePtr child = parent->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) name))
        return child;
    }
  return xmlNewChild (parent, parent->ns, (const xmlChar *) name, NULL);
}

char *
rs_form_session_serialize (RsFormSession *self,
                           gsize         *length)
{
  g_autofree char *now = NULL;
  g_autofree char *start = NULL;
  g_autofree char *instance_id = NULL;
  xmlDocPtr copy;
  xmlNodePtr root, meta, node;
  xmlChar *buffer = NULL;
  int size = 0;
  char *result;

  g_return_val_if_fail (RS_IS_FORM_SESSION (self), NULL);

  now = format_now (self);
  set_end_preloads (self, xmlDocGetRootElement (self->doc), now);

  copy = xmlCopyDoc (self->doc, 1);
  root = xmlDocGetRootElement (copy);
  drop_irrelevant (xmlDocGetRootElement (self->doc), root);

  /* OpenRosa metadata: kept where the form has it, added where it does not. */
  instance_id = g_strdup_printf ("uuid:%s", self->instance_id);
  meta = NULL;
  for (xmlNodePtr child = root->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) "meta"))
        meta = child;
    }
  if (meta == NULL)
    meta = xmlNewChild (root, NULL, (const xmlChar *) "meta", NULL);
  node = ensure_child (meta, "instanceID");
  set_element_text (node, instance_id);
  if (self->deprecated_id != NULL)
    {
      xmlNodePtr deprecated = NULL;

      for (xmlNodePtr child = meta->children; child != NULL; child = child->next)
        {
          if (child->type == XML_ELEMENT_NODE
              && xmlStrEqual (child->name, (const xmlChar *) "deprecatedID"))
            deprecated = child;
        }
      /* Added next to instanceID, where ODK puts it. */
      if (deprecated == NULL)
        deprecated = xmlAddNextSibling (node, xmlNewDocNode (copy, meta->ns,
                                                             (const xmlChar *) "deprecatedID",
                                                             NULL));
      set_element_text (deprecated, self->deprecated_id);
    }
  {
    g_autoptr(GDateTime) started = g_date_time_ref (self->start_time);
    g_autofree char *base = g_date_time_format (started, "%Y-%m-%dT%H:%M:%S");
    g_autofree char *zone = g_date_time_format (started, "%z");

    start = g_strdup_printf ("%s.%03d%.3s:%s", base, g_date_time_get_microsecond (started) / 1000,
                             zone, zone + 3);
  }
  node = ensure_child (meta, "timeStart");
  if (element_is_empty (node))
    set_element_text (node, self->saved_time_start != NULL ? self->saved_time_start : start);
  set_element_text (ensure_child (meta, "timeEnd"), now);
  node = ensure_child (meta, "deviceID");
  if (self->device_id != NULL)
    set_element_text (node, self->device_id);
  node = ensure_child (meta, "username");
  if (self->username != NULL)
    set_element_text (node, self->username);

  xmlDocDumpFormatMemoryEnc (copy, &buffer, &size, "UTF-8", 1);
  xmlFreeDoc (copy);
  result = g_strndup ((const char *) buffer, size);
  xmlFree (buffer);
  if (length != NULL)
    *length = size;
  return result;
}
