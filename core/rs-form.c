/* rs-form.c: loads an ODK XForm into an immutable RsForm, refusing what rasoat does not support.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-form-private.h"
#include "rs-xpath-functions.h"
#include "rs-xml.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <string.h>

G_DEFINE_QUARK (rs-form-error-quark, rs_form_error)

#define MAX_EXPRESSION_LENGTH 16384
#define MAX_INSTANCE_NODES    200000

typedef struct
{
  RsForm             *form;
  xmlXPathContextPtr  compile_ctx;
  GHashTable         *bind_ids;       /* bind id → nodeset */
  guint               n_instance_nodes;
} Loader;

/* ---- small helpers -------------------------------------------------------------------------- */

static gboolean
is_element (xmlNodePtr  node,
            const char *local_name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE
         && xmlStrEqual (node->name, (const xmlChar *) local_name);
}

static char *
get_attr (xmlNodePtr  node,
          const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *result = value != NULL ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return result;
}

static char *
get_ns_attr (xmlNodePtr  node,
             const char *name,
             const char *ns)
{
  xmlChar *value = xmlGetNsProp (node, (const xmlChar *) name, (const xmlChar *) ns);
  char *result = value != NULL ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return result;
}

static guint
line_of (xmlNodePtr node)
{
  long line = node != NULL ? xmlGetLineNo (node) : 0;

  return line > 0 ? (guint) line : 0;
}

static char *
qualified_name (xmlNodePtr node)
{
  if (node->ns != NULL && node->ns->prefix != NULL)
    return g_strdup_printf ("%s:%s", node->ns->prefix, node->name);
  return g_strdup ((const char *) node->name);
}

static char *
element_display_name (xmlNodePtr node)
{
  return qualified_name (node);
}

G_GNUC_PRINTF (4, 5) static gboolean
fail (GError     **error,
      int          code,
      xmlNodePtr   node,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (node != NULL && line_of (node) > 0)
    /* TRANSLATORS: the start of every form error: "Line 12: <message>" */
    g_set_error (error, RS_FORM_ERROR, code, _("Line %u: %s"), line_of (node), message);
  else
    g_set_error_literal (error, RS_FORM_ERROR, code, message);
  return FALSE;
}

static gboolean
fail_unsupported_element (GError     **error,
                          xmlNodePtr   node,
                          const char  *feature)
{
  g_autofree char *name = element_display_name (node);

  return fail (error, RS_FORM_ERROR_UNSUPPORTED, node,
               _("the element <%s> (%s) is not supported by rasoat. Remove it from the form or "
                 "use a supported question type."), name, feature);
}

/* Removes the default (XForms) namespace from copied instance elements, so that plain XPath
 * names such as /data/age match them. */
static gboolean
is_blank_text (xmlNodePtr node)
{
  if (node->type != XML_TEXT_NODE || node->content == NULL)
    return FALSE;
  for (const xmlChar *p = node->content; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }
  return TRUE;
}

static void
clear_default_ns (xmlNodePtr node)
{
  for (; node != NULL; node = node->next)
    {
      xmlNodePtr child;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (node->ns != NULL && node->ns->prefix == NULL)
        node->ns = NULL;
      child = node->children;
      while (child != NULL)
        {
          xmlNodePtr next = child->next;

          if (is_blank_text (child))
            {
              xmlUnlinkNode (child);
              xmlFreeNode (child);
            }
          child = next;
        }
      clear_default_ns (node->children);
    }
}

static void
drop_default_ns_defs (xmlNodePtr node)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      for (xmlNsPtr *def = &node->nsDef; *def != NULL;)
        {
          if ((*def)->prefix == NULL)
            {
              xmlNsPtr dropped = *def;
              *def = dropped->next;
              dropped->next = NULL;
              xmlFreeNs (dropped);
            }
          else
            def = &(*def)->next;
        }
      drop_default_ns_defs (node->children);
    }
}

/* Puts copied instance elements in no namespace (so /data/age matches them) and drops layout
 * whitespace: the record is written in no namespace, indented afresh. */
static void
strip_default_namespace (xmlNodePtr node)
{
  clear_default_ns (node);
  drop_default_ns_defs (node);
}

static gboolean
has_template_attr (xmlNodePtr node)
{
  return xmlHasNsProp (node, (const xmlChar *) "template", (const xmlChar *) RS_XPATH_JR_NS)
         != NULL;
}

static void
strip_templates (xmlNodePtr node)
{
  xmlNodePtr child = node->children;

  while (child != NULL)
    {
      xmlNodePtr next = child->next;

      if (child->type == XML_ELEMENT_NODE)
        {
          if (has_template_attr (child))
            {
              xmlUnlinkNode (child);
              xmlFreeNode (child);
            }
          else
            strip_templates (child);
        }
      child = next;
    }
}

/* ---- texts ---------------------------------------------------------------------------------- */

static void
text_part_free (RsTextPart *part)
{
  g_free (part->text);
  g_free (part->source);
  g_free (part);
}

static void
form_text_free (RsFormText *text)
{
  if (text == NULL)
    return;
  g_free (text->itext_id);
  g_clear_pointer (&text->parts, g_ptr_array_unref);
  g_free (text);
}

static void
choice_free (RsFormChoice *choice)
{
  g_free (choice->value);
  form_text_free (choice->label);
  g_free (choice);
}

/* Reads jr:itext('id') (either quote, spaces allowed); NULL if @ref is not that. */
static char *
parse_itext_ref (const char *ref)
{
  g_autofree char *trimmed = NULL;
  char quote;
  gsize len;

  if (ref == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (ref));
  if (!g_str_has_prefix (trimmed, "jr:itext("))
    return NULL;
  len = strlen (trimmed);
  if (len < 12 || trimmed[len - 1] != ')')
    return NULL;
  trimmed[len - 1] = '\0';
  g_strstrip (trimmed + 9);
  quote = trimmed[9];
  len = strlen (trimmed + 9);
  if ((quote != '\'' && quote != '"') || len < 2 || trimmed[9 + len - 1] != quote)
    return NULL;
  return g_strndup (trimmed + 10, len - 2);
}

static void
collect_text_parts (xmlNodePtr  node,
                    GPtrArray  *parts)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
        {
          RsTextPart *part = g_new0 (RsTextPart, 1);

          part->text = g_strdup ((const char *) child->content);
          g_ptr_array_add (parts, part);
        }
      else if (is_element (child, "output"))
        {
          g_autofree char *value = get_attr (child, "value");

          if (value == NULL)
            value = get_attr (child, "ref");
          if (value != NULL)
            {
              RsTextPart *part = g_new0 (RsTextPart, 1);

              part->source = g_steal_pointer (&value);
              g_ptr_array_add (parts, part);
            }
        }
      else if (child->type == XML_ELEMENT_NODE)
        collect_text_parts (child, parts);
    }
}

/* A <label>, <hint> or itext <value>: an itext reference or inline text with outputs. */
static RsFormText *
parse_text (xmlNodePtr node)
{
  RsFormText *text = g_new0 (RsFormText, 1);
  g_autofree char *ref = get_attr (node, "ref");

  text->itext_id = parse_itext_ref (ref);
  if (text->itext_id == NULL)
    {
      text->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) text_part_free);
      if (ref != NULL)
        {
          RsTextPart *part = g_new0 (RsTextPart, 1);

          part->source = g_steal_pointer (&ref);
          g_ptr_array_add (text->parts, part);
        }
      collect_text_parts (node, text->parts);
    }
  return text;
}

static RsFormText *
parse_message_attr (const char *value)
{
  RsFormText *text;
  RsTextPart *part;

  if (value == NULL)
    return NULL;
  text = g_new0 (RsFormText, 1);
  text->itext_id = parse_itext_ref (value);
  if (text->itext_id == NULL)
    {
      text->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) text_part_free);
      part = g_new0 (RsTextPart, 1);
      part->text = g_strdup (value);
      g_ptr_array_add (text->parts, part);
    }
  return text;
}

static gboolean
parse_itext (Loader      *loader,
             xmlNodePtr   itext,
             GError     **error)
{
  RsForm *form = loader->form;

  for (xmlNodePtr translation = itext->children; translation != NULL;
       translation = translation->next)
    {
      g_autofree char *lang = NULL;
      g_autofree char *is_default = NULL;
      GHashTable *texts;

      if (!is_element (translation, "translation"))
        continue;
      lang = get_attr (translation, "lang");
      if (lang == NULL)
        return fail (error, RS_FORM_ERROR_INVALID, translation,
                     _("a <translation> has no lang attribute. Give each translation a "
                       "language name."));
      texts = g_hash_table_lookup (form->itext, lang);
      if (texts == NULL)
        {
          texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) form_text_free);
          g_hash_table_insert (form->itext, g_strdup (lang), texts);
          g_ptr_array_insert (form->languages, form->languages->len - 1, g_strdup (lang));
        }
      is_default = get_attr (translation, "default");
      if (is_default != NULL && form->default_language == NULL)
        form->default_language = g_strdup (lang);

      for (xmlNodePtr text = translation->children; text != NULL; text = text->next)
        {
          g_autofree char *id = NULL;
          xmlNodePtr chosen = NULL;

          if (!is_element (text, "text"))
            continue;
          id = get_attr (text, "id");
          if (id == NULL)
            continue;
          for (xmlNodePtr value = text->children; value != NULL; value = value->next)
            {
              g_autofree char *form_attr = NULL;

              if (!is_element (value, "value"))
                continue;
              form_attr = get_attr (value, "form");
              if (form_attr == NULL)
                {
                  chosen = value;
                  break;
                }
              if (chosen == NULL && (g_str_equal (form_attr, "long")
                                     || g_str_equal (form_attr, "short")))
                chosen = value;
            }
          if (chosen != NULL)
            {
              RsFormText *parsed = g_new0 (RsFormText, 1);

              parsed->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) text_part_free);
              collect_text_parts (chosen, parsed->parts);
              g_hash_table_replace (texts, g_strdup (id), parsed);
            }
        }
    }
  if (form->default_language == NULL && form->languages->len > 1)
    form->default_language = g_strdup (g_ptr_array_index (form->languages, 0));
  return TRUE;
}

RsFormText *
_rs_form_resolve_text (RsForm     *form,
                       RsFormText *text,
                       const char *language)
{
  GHashTable *texts;
  RsFormText *found = NULL;

  if (text == NULL)
    return NULL;
  if (text->itext_id == NULL)
    return text;
  if (language != NULL && (texts = g_hash_table_lookup (form->itext, language)) != NULL)
    found = g_hash_table_lookup (texts, text->itext_id);
  if (found == NULL && form->default_language != NULL
      && (texts = g_hash_table_lookup (form->itext, form->default_language)) != NULL)
    found = g_hash_table_lookup (texts, text->itext_id);
  for (guint i = 0; found == NULL && i + 1 < form->languages->len; i++)
    {
      texts = g_hash_table_lookup (form->itext, g_ptr_array_index (form->languages, i));
      found = g_hash_table_lookup (texts, text->itext_id);
    }
  return found;
}

/* ---- instance nodes ------------------------------------------------------------------------- */

static void
form_item_free (RsFormItem *item)
{
  g_free (item->source);
  g_clear_pointer (&item->comp, xmlXPathFreeCompExpr);
  g_clear_pointer (&item->refs, g_ptr_array_unref);
  g_free (item);
}

static void
form_node_free (RsFormNode *node)
{
  g_free (node->path);
  g_free (node->name);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  form_text_free (node->constraint_msg);
  form_text_free (node->required_msg);
  g_free (node->preload_params);
  g_clear_pointer (&node->triggers, g_array_unref);
  g_free (node);
}

RsFormNode *
_rs_form_lookup_node (RsForm     *form,
                      const char *path)
{
  return g_hash_table_lookup (form->nodes, path);
}

/* @path without namespace prefixes on its steps. */
static char *
local_path (const char *path)
{
  g_auto(GStrv) steps = g_strsplit (path, "/", -1);

  for (guint i = 0; steps[i] != NULL; i++)
    {
      char *colon = strchr (steps[i], ':');

      if (colon != NULL)
        memmove (steps[i], colon + 1, strlen (colon + 1) + 1);
    }
  return g_strjoinv ("/", steps);
}

static gboolean
build_nodes (Loader      *loader,
             xmlNodePtr   element,
             RsFormNode  *parent,
             GError     **error)
{
  RsForm *form = loader->form;
  g_autofree char *name = qualified_name (element);
  g_autofree char *path = g_strdup_printf ("%s/%s", parent != NULL ? parent->path : "", name);
  RsFormNode *node = g_hash_table_lookup (form->nodes, path);

  if (++loader->n_instance_nodes > MAX_INSTANCE_NODES)
    return fail (error, RS_FORM_ERROR_UNSUPPORTED, element,
                 _("the form's instance is too large (more than %u nodes)."),
                 MAX_INSTANCE_NODES);

  if (node == NULL)
    {
      node = g_new0 (RsFormNode, 1);
      node->path = g_steal_pointer (&path);
      node->name = g_steal_pointer (&name);
      node->parent = parent;
      node->depth = parent != NULL ? parent->depth + 1 : 1;
      node->children = g_ptr_array_new ();
      node->triggers = g_array_new (FALSE, FALSE, sizeof (RsTrigger));
      node->line = line_of (element);
      node->template_xml = element;
      g_hash_table_insert (form->nodes, node->path, node);
      g_hash_table_insert (form->local_nodes, local_path (node->path), node);
      g_ptr_array_add (form->all_nodes, node);
      if (parent != NULL)
        g_ptr_array_add (parent->children, node);
    }
  if (has_template_attr (element))
    {
      /* The jr:template copy is what new instances start from. */
      node->is_repeat = TRUE;
      node->template_xml = element;
    }

  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && !build_nodes (loader, child, node, error))
        return FALSE;
    }
  if (parent == NULL)
    form->root = node;
  return TRUE;
}

/* Turns the path written in a bind or control into a node path: absolute, or relative to
 * @context (a group's ref).  Only plain child steps are allowed. */
static RsFormNode *
resolve_ref (RsForm     *form,
             const char *ref,
             RsFormNode *context)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (ref));
  g_autofree char *path = NULL;

  if (*trimmed == '\0')
    return NULL;
  if (trimmed[0] == '/')
    path = g_strdup (trimmed);
  else if (context != NULL)
    path = g_strdup_printf ("%s/%s", context->path, trimmed);
  else
    path = g_strdup_printf ("%s/%s", form->root->path, trimmed);
  if (strpbrk (path, "[]*()@ ") != NULL)
    return NULL;
  if (g_str_has_suffix (path, "/"))
    path[strlen (path) - 1] = '\0';
  if (g_hash_table_contains (form->nodes, path))
    return g_hash_table_lookup (form->nodes, path);
  {
    /* ODK tolerates a missing namespace prefix (/data/orx:meta/audit for orx:audit). */
    g_autofree char *local = local_path (path);
    return g_hash_table_lookup (form->local_nodes, local);
  }
}

/* A relative bind nodeset that names a unique node anywhere ("age" for /data/person/age). */
static RsFormNode *
find_by_suffix (RsForm     *form,
                const char *ref)
{
  g_autofree char *suffix = g_strdup_printf ("/%s", ref);
  RsFormNode *found = NULL;

  g_strstrip (suffix);
  for (guint i = 0; i < form->all_nodes->len; i++)
    {
      RsFormNode *node = g_ptr_array_index (form->all_nodes, i);

      if (g_str_has_suffix (node->path, suffix))
        {
          if (found != NULL)
            return NULL;
          found = node;
        }
    }
  return found;
}

/* ---- expressions ---------------------------------------------------------------------------- */

static GPtrArray *
repeat_paths_of (RsFormNode *node)
{
  GPtrArray *paths = g_ptr_array_new ();

  for (RsFormNode *n = node; n != NULL; n = n->parent)
    {
      if (n->is_repeat)
        g_ptr_array_insert (paths, 0, n->path);
    }
  g_ptr_array_add (paths, NULL);
  return paths;
}

static gboolean
is_date_path (const char *path,
              gpointer    user_data)
{
  RsFormNode *node = g_hash_table_lookup (((RsForm *) user_data)->nodes, path);

  return node != NULL && (node->type == RS_FORM_TYPE_DATE || node->type == RS_FORM_TYPE_DATE_TIME);
}

/* Analyses and compiles @source evaluated at @context.  @what names the attribute in errors. */
static xmlXPathCompExprPtr
compile_expression (Loader      *loader,
                    const char  *source,
                    RsFormNode  *context,
                    xmlNodePtr   element,
                    const char  *what,
                    GPtrArray  **refs_out,
                    GError     **error)
{
  g_autoptr(GPtrArray) repeats = NULL;
  g_autoptr(RsXPathAnalysis) analysis = NULL;
  g_autoptr(GError) local_error = NULL;
  xmlXPathCompExprPtr comp;

  if (strlen (source) > MAX_EXPRESSION_LENGTH)
    {
      fail (error, RS_FORM_ERROR_UNSUPPORTED, element,
            _("the %s expression is too long (more than %u characters)."), what,
            MAX_EXPRESSION_LENGTH);
      return NULL;
    }
  repeats = repeat_paths_of (context);
  analysis = rs_xpath_analyse_full (source, context->path, (const char * const *) repeats->pdata,
                                    is_date_path, loader->form, &local_error);
  if (analysis == NULL)
    {
      fail (error, RS_FORM_ERROR_INVALID, element,
            _("the %s expression “%s” is not valid XPath. Correct it in the form."), what, source);
      return NULL;
    }
  for (guint i = 0; i < analysis->functions->len; i++)
    {
      const char *name = g_ptr_array_index (analysis->functions, i);
      const char *colon = strchr (name, ':');
      gboolean known;

      if (colon == NULL)
        known = rs_xpath_function_is_known (name, NULL);
      else
        known = g_str_has_prefix (name, "jr:")
                && rs_xpath_function_is_known (colon + 1, RS_XPATH_JR_NS);
      if (!known)
        {
          fail (error, RS_FORM_ERROR_UNSUPPORTED, element,
                _("the function %s() in the %s expression “%s” is not supported by rasoat."),
                name, what, source);
          return NULL;
        }
    }
  comp = rs_xpath_compile (loader->compile_ctx, analysis->rewritten, &local_error);
  if (comp == NULL)
    {
      fail (error, RS_FORM_ERROR_INVALID, element,
            _("the %s expression “%s” is not valid XPath. Correct it in the form."), what, source);
      return NULL;
    }
  if (refs_out != NULL)
    *refs_out = g_steal_pointer (&analysis->refs);
  return comp;
}

static gboolean
add_item (Loader      *loader,
          RsFormNode  *node,
          RsItemKind   kind,
          const char  *source,
          RsFormNode  *context,
          xmlNodePtr   element,
          const char  *what,
          GError     **error)
{
  RsFormItem *item = g_new0 (RsFormItem, 1);

  item->kind = kind;
  item->node = node;
  item->source = g_strdup (source);
  item->line = line_of (element);
  item->comp = compile_expression (loader, source, context, element, what, &item->refs, error);
  if (item->comp == NULL)
    {
      form_item_free (item);
      return FALSE;
    }
  if (kind != RS_ITEM_CONSTRAINT && kind != RS_ITEM_COUNT)
    {
      for (guint i = 0; i < item->refs->len; i++)
        {
          RsXPathRef *ref = g_ptr_array_index (item->refs, i);

          if (g_str_equal (ref->path, node->path))
            {
              form_item_free (item);
              return fail (error, RS_FORM_ERROR_CYCLE, element,
                           _("the %s expression of “%s” depends on its own value, which is a "
                             "loop. Make it depend on other questions only."), what, node->path);
            }
        }
    }
  if (node->items[kind] != NULL)
    g_ptr_array_remove (loader->form->items, node->items[kind]);
  node->items[kind] = item;
  g_ptr_array_add (loader->form->items, item);
  return TRUE;
}

/* ---- binds ---------------------------------------------------------------------------------- */

static const struct
{
  const char      *name;
  RsFormValueType  type;
} type_names[] = {
  { "string", RS_FORM_TYPE_STRING },
  { "int", RS_FORM_TYPE_INT },
  { "integer", RS_FORM_TYPE_INT },
  { "decimal", RS_FORM_TYPE_DECIMAL },
  { "date", RS_FORM_TYPE_DATE },
  { "dateTime", RS_FORM_TYPE_DATE_TIME },
  { "time", RS_FORM_TYPE_TIME },
  { "select1", RS_FORM_TYPE_SELECT1 },
  { "select", RS_FORM_TYPE_SELECT },
  { "geopoint", RS_FORM_TYPE_GEOPOINT },
  { "binary", RS_FORM_TYPE_BINARY },
  { "boolean", RS_FORM_TYPE_BOOLEAN },
};

const char *
rs_form_value_type_to_string (RsFormValueType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    {
      if (type_names[i].type == type)
        return type_names[i].name;
    }
  return "string";
}

static gboolean
parse_type (const char      *text,
            RsFormValueType *type)
{
  const char *colon = strchr (text, ':');
  const char *name = colon != NULL ? colon + 1 : text;

  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    {
      if (g_str_equal (name, type_names[i].name))
        {
          *type = type_names[i].type;
          return TRUE;
        }
    }
  return FALSE;
}

static void
parse_preload (RsFormNode *node,
               const char *preload,
               const char *params)
{
  g_autofree char *lower = params != NULL ? g_ascii_strdown (params, -1) : g_strdup ("");

  node->preload = RS_PRELOAD_NONE;
  if (g_str_equal (preload, "uid"))
    node->preload = RS_PRELOAD_UID;
  else if (g_str_equal (preload, "timestamp"))
    node->preload = g_str_equal (lower, "end") ? RS_PRELOAD_END : RS_PRELOAD_START;
  else if (g_str_equal (preload, "date"))
    node->preload = RS_PRELOAD_TODAY;
  else if (g_str_equal (preload, "property"))
    {
      if (g_str_equal (lower, "deviceid"))
        node->preload = RS_PRELOAD_DEVICE_ID;
      else if (g_str_equal (lower, "username") || g_str_equal (lower, "uri:username"))
        node->preload = RS_PRELOAD_USERNAME;
      else
        node->preload = RS_PRELOAD_OTHER_PROPERTY;
    }
  node->preload_params = g_strdup (params);
}

/* First pass over the binds: types, which expressions need before they are compiled (dates
 * compare as day counts). */
static gboolean
parse_bind_type (Loader      *loader,
                 xmlNodePtr   bind,
                 GError     **error)
{
  RsForm *form = loader->form;
  g_autofree char *nodeset = get_attr (bind, "nodeset");
  g_autofree char *type = get_attr (bind, "type");
  RsFormNode *node;

  if (nodeset == NULL)
    nodeset = get_attr (bind, "ref");
  if (nodeset == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, bind,
                 _("a <bind> has no nodeset. Every bind must name the question it belongs to."));
  node = resolve_ref (form, nodeset, NULL);
  if (node == NULL && nodeset[0] != '/' && nodeset[0] != '.')
    node = find_by_suffix (form, nodeset);
  if (node == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, bind,
                 _("the bind for “%s” points outside the form's instance. Correct the nodeset "
                   "or add the node to the instance."), nodeset);
  if (type != NULL && !parse_type (type, &node->type))
    return fail (error, RS_FORM_ERROR_UNSUPPORTED, bind,
                 _("the question type “%s” of “%s” is not supported by rasoat."), type,
                 node->path);
  node->has_bind = TRUE;
  return TRUE;
}

static gboolean
parse_bind (Loader      *loader,
            xmlNodePtr   bind,
            GError     **error)
{
  RsForm *form = loader->form;
  g_autofree char *nodeset = get_attr (bind, "nodeset");
  g_autofree char *preload = get_ns_attr (bind, "preload", RS_XPATH_JR_NS);
  RsFormNode *node;
  static const struct
  {
    const char *attr;
    RsItemKind  kind;
  } expressions[] = {
    { "calculate", RS_ITEM_CALCULATE },
    { "relevant", RS_ITEM_RELEVANT },
    { "required", RS_ITEM_REQUIRED },
    { "readonly", RS_ITEM_READONLY },
    { "constraint", RS_ITEM_CONSTRAINT },
  };

  if (nodeset == NULL)
    nodeset = get_attr (bind, "ref");
  if (nodeset == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, bind,
                 _("a <bind> has no nodeset. Every bind must name the question it belongs to."));
  node = resolve_ref (form, nodeset, NULL);
  if (node == NULL && nodeset[0] != '/' && nodeset[0] != '.')
    node = find_by_suffix (form, nodeset);
  if (node == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, bind,
                 _("the bind for “%s” points outside the form's instance. Correct the nodeset "
                   "or add the node to the instance."), nodeset);
  for (guint i = 0; i < G_N_ELEMENTS (expressions); i++)
    {
      g_autofree char *source = get_attr (bind, expressions[i].attr);

      if (source == NULL)
        continue;
      if (!add_item (loader, node, expressions[i].kind, source, node, bind,
                     expressions[i].attr, error))
        return FALSE;
    }
  {
    g_autofree char *constraint_msg = get_ns_attr (bind, "constraintMsg", RS_XPATH_JR_NS);
    g_autofree char *required_msg = get_ns_attr (bind, "requiredMsg", RS_XPATH_JR_NS);

    if (constraint_msg != NULL)
      {
        form_text_free (node->constraint_msg);
        node->constraint_msg = parse_message_attr (constraint_msg);
      }
    if (required_msg != NULL)
      {
        form_text_free (node->required_msg);
        node->required_msg = parse_message_attr (required_msg);
      }
  }
  if (preload != NULL)
    {
      g_autofree char *params = get_ns_attr (bind, "preloadParams", RS_XPATH_JR_NS);
      parse_preload (node, preload, params);
    }
  return TRUE;
}

/* ---- body ----------------------------------------------------------------------------------- */

static void
form_control_free (RsFormControl *control)
{
  if (control == NULL)
    return;
  g_clear_pointer (&control->children, g_ptr_array_unref);
  form_text_free (control->label);
  form_text_free (control->hint);
  g_free (control->appearance);
  g_clear_pointer (&control->choices, g_ptr_array_unref);
  g_clear_pointer (&control->itemset, xmlXPathFreeCompExpr);
  g_clear_pointer (&control->itemset_value, xmlXPathFreeCompExpr);
  g_clear_pointer (&control->itemset_label, xmlXPathFreeCompExpr);
  g_clear_pointer (&control->outputs, g_hash_table_unref);
  g_free (control);
}

static RsFormControl *
control_new (RsFormControlType  type,
             RsFormControl     *parent,
             xmlNodePtr         element)
{
  RsFormControl *control = g_new0 (RsFormControl, 1);

  control->type = type;
  control->parent = parent;
  control->line = line_of (element);
  control->children = g_ptr_array_new_with_free_func ((GDestroyNotify) form_control_free);
  control->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) xmlXPathFreeCompExpr);
  if (parent != NULL)
    g_ptr_array_add (parent->children, control);
  return control;
}

static RsFormNode *
control_context (RsFormControl *control,
                 RsForm        *form)
{
  for (; control != NULL; control = control->parent)
    {
      if (control->node != NULL)
        return control->node;
    }
  return form->root;
}

static gboolean parse_controls (Loader         *loader,
                                xmlNodePtr      parent_element,
                                RsFormControl  *parent,
                                GError        **error);

static gboolean
parse_items (Loader         *loader,
             RsFormControl  *control,
             xmlNodePtr      element,
             GError        **error)
{
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (is_element (child, "label"))
        {
          form_text_free (control->label);
          control->label = parse_text (child);
        }
      else if (is_element (child, "hint"))
        {
          form_text_free (control->hint);
          control->hint = parse_text (child);
        }
      else if (is_element (child, "item"))
        {
          RsFormChoice *choice = g_new0 (RsFormChoice, 1);

          if (control->choices == NULL)
            control->choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
          g_ptr_array_add (control->choices, choice);
          for (xmlNodePtr part = child->children; part != NULL; part = part->next)
            {
              if (is_element (part, "label"))
                {
                  form_text_free (choice->label);
                  choice->label = parse_text (part);
                }
              else if (is_element (part, "value"))
                {
                  xmlChar *content = xmlNodeGetContent (part);
                  g_free (choice->value);
                  choice->value = g_strstrip (g_strdup ((const char *) content));
                  xmlFree (content);
                }
            }
          if (choice->value == NULL)
            return fail (error, RS_FORM_ERROR_INVALID, child,
                         _("a choice has no <value>. Give every choice a value."));
        }
      else if (is_element (child, "itemset"))
        {
          g_autofree char *nodeset = get_attr (child, "nodeset");
          RsFormNode *context = control_context (control, loader->form);

          if (nodeset == NULL)
            return fail (error, RS_FORM_ERROR_INVALID, child,
                         _("an <itemset> has no nodeset. Name the choices it lists."));
          if (control->itemset != NULL)
            return fail (error, RS_FORM_ERROR_INVALID, child,
                         _("a question has two <itemset>s. Keep one."));
          control->itemset = compile_expression (loader, nodeset, context, child, "itemset",
                                                 NULL, error);
          if (control->itemset == NULL)
            return FALSE;
          for (xmlNodePtr part = child->children; part != NULL; part = part->next)
            {
              g_autofree char *ref = NULL;

              if (!is_element (part, "value") && !is_element (part, "label"))
                continue;
              ref = get_attr (part, "ref");
              if (ref == NULL)
                return fail (error, RS_FORM_ERROR_INVALID, part,
                             _("the itemset's <%s> has no ref. Name the field to show."),
                             (const char *) part->name);
              if (is_element (part, "label"))
                {
                  g_autofree char *inner = NULL;

                  g_strstrip (ref);
                  if (g_str_has_prefix (ref, "jr:itext(") && g_str_has_suffix (ref, ")"))
                    {
                      inner = g_strndup (ref + 9, strlen (ref) - 10);
                      control->itemset_label_itext = TRUE;
                    }
                  g_clear_pointer (&control->itemset_label, xmlXPathFreeCompExpr);
                  control->itemset_label = rs_xpath_compile (loader->compile_ctx,
                                                             inner != NULL ? inner : ref, NULL);
                  if (control->itemset_label == NULL)
                    return fail (error, RS_FORM_ERROR_INVALID, part,
                                 _("the itemset label “%s” is not valid XPath."), ref);
                }
              else
                {
                  g_clear_pointer (&control->itemset_value, xmlXPathFreeCompExpr);
                  control->itemset_value = rs_xpath_compile (loader->compile_ctx, ref, NULL);
                  if (control->itemset_value == NULL)
                    return fail (error, RS_FORM_ERROR_INVALID, part,
                                 _("the itemset value “%s” is not valid XPath."), ref);
                }
            }
          if (control->itemset_value == NULL || control->itemset_label == NULL)
            return fail (error, RS_FORM_ERROR_INVALID, child,
                         _("an <itemset> needs both a <value ref> and a <label ref>."));
        }
      else if (is_element (child, "help") || child->type != XML_ELEMENT_NODE)
        continue;
      else if (is_element (child, "value") || is_element (child, "output"))
        continue;
      else
        return fail_unsupported_element (error, child, _("inside a question"));
    }
  return TRUE;
}

static gboolean
parse_question (Loader             *loader,
                xmlNodePtr          element,
                RsFormControl      *parent,
                RsFormControlType   type,
                GError            **error)
{
  RsForm *form = loader->form;
  g_autofree char *ref = get_attr (element, "ref");
  RsFormControl *control;
  RsFormNode *node;

  if (ref == NULL)
    {
      g_autofree char *bind_id = get_attr (element, "bind");
      const char *nodeset = bind_id != NULL ? g_hash_table_lookup (loader->bind_ids, bind_id)
                                            : NULL;
      ref = g_strdup (nodeset);
    }
  if (ref == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, element,
                 _("a <%s> question has no ref. Every question must name its node."),
                 (const char *) element->name);
  node = resolve_ref (form, ref, control_context (parent, form));
  if (node == NULL)
    return fail (error, RS_FORM_ERROR_INVALID, element,
                 _("the question “%s” points outside the form's instance. Correct its ref or "
                   "add the node to the instance."), ref);
  if (node->is_repeat || node->children->len > 0)
    return fail (error, RS_FORM_ERROR_INVALID, element,
                 _("the question “%s” is bound to a group, not to a single answer."), ref);

  if (type == RS_FORM_CONTROL_UPLOAD)
    {
      g_autofree char *mediatype = get_attr (element, "mediatype");

      if (mediatype == NULL || !g_str_has_prefix (mediatype, "image/"))
        return fail (error, RS_FORM_ERROR_UNSUPPORTED, element,
                     _("the upload question “%s” records %s; rasoat supports photos "
                       "(image/*) only."), node->path, mediatype != NULL ? mediatype : "?");
    }

  control = control_new (type, parent, element);
  control->node = node;
  control->appearance = get_attr (element, "appearance");
  if (node->control == NULL)
    node->control = control;
  if (!node->has_bind)
    {
      if (type == RS_FORM_CONTROL_SELECT)
        node->type = RS_FORM_TYPE_SELECT;
      else if (type == RS_FORM_CONTROL_SELECT1)
        node->type = RS_FORM_TYPE_SELECT1;
      else if (type == RS_FORM_CONTROL_UPLOAD)
        node->type = RS_FORM_TYPE_BINARY;
    }
  form->n_questions++;
  return parse_items (loader, control, element, error);
}

static gboolean
parse_group (Loader         *loader,
             xmlNodePtr      element,
             RsFormControl  *parent,
             gboolean        is_repeat,
             GError        **error)
{
  RsForm *form = loader->form;
  g_autofree char *ref = get_attr (element, is_repeat ? "nodeset" : "ref");
  g_autofree char *appearance = get_attr (element, "appearance");
  RsFormControl *control;

  if (ref == NULL && is_repeat)
    ref = get_attr (element, "ref");
  if (ref == NULL && is_repeat)
    return fail (error, RS_FORM_ERROR_INVALID, element,
                 _("a <repeat> has no nodeset. Name the node that repeats."));

  control = control_new (is_repeat ? RS_FORM_CONTROL_REPEAT : RS_FORM_CONTROL_GROUP, parent,
                         element);
  control->appearance = g_steal_pointer (&appearance);
  control->field_list = control->appearance != NULL
                        && strstr (control->appearance, "field-list") != NULL;
  if (ref != NULL)
    {
      control->node = resolve_ref (form, ref, control_context (parent, form));
      if (control->node == NULL && is_repeat)
        return fail (error, RS_FORM_ERROR_INVALID, element,
                     _("the repeat “%s” points outside the form's instance. Correct its nodeset "
                       "or add the node to the instance."), ref);
      if (control->node == NULL)
        return fail (error, RS_FORM_ERROR_INVALID, element,
                     _("the group “%s” points outside the form's instance. Correct its ref or "
                       "add the node to the instance."), ref);
      if (control->node == form->root)
        control->node = NULL;
    }
  if (is_repeat)
    {
      g_autofree char *no_add_remove = get_ns_attr (element, "noAddRemove", RS_XPATH_JR_NS);

      if (control->node == NULL)
        return fail (error, RS_FORM_ERROR_INVALID, element,
                     _("the repeat “%s” cannot be the whole form."), ref);
      control->node->is_repeat = TRUE;
      control->node->control = control;
      control->no_add_remove = no_add_remove != NULL && strstr (no_add_remove, "true") != NULL;
      form->n_repeats++;
    }
  else
    form->n_groups++;

  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (is_element (child, "label"))
        {
          form_text_free (control->label);
          control->label = parse_text (child);
        }
      else if (is_element (child, "hint"))
        {
          form_text_free (control->hint);
          control->hint = parse_text (child);
        }
    }
  return parse_controls (loader, element, control, error);
}

static gboolean
parse_controls (Loader         *loader,
                xmlNodePtr      parent_element,
                RsFormControl  *parent,
                GError        **error)
{
  static const struct
  {
    const char        *name;
    RsFormControlType  type;
  } questions[] = {
    { "input", RS_FORM_CONTROL_INPUT },
    { "select1", RS_FORM_CONTROL_SELECT1 },
    { "select", RS_FORM_CONTROL_SELECT },
    { "trigger", RS_FORM_CONTROL_TRIGGER },
    { "upload", RS_FORM_CONTROL_UPLOAD },
  };

  for (xmlNodePtr child = parent_element->children; child != NULL; child = child->next)
    {
      gboolean handled = FALSE;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (child, "label") || is_element (child, "hint") || is_element (child, "help"))
        continue;
      if (is_element (child, "group") || is_element (child, "repeat"))
        {
          if (!parse_group (loader, child, parent, is_element (child, "repeat"), error))
            return FALSE;
          continue;
        }
      for (guint i = 0; i < G_N_ELEMENTS (questions); i++)
        {
          if (is_element (child, questions[i].name))
            {
              if (child->ns == NULL || child->ns->prefix == NULL)
                {
                  if (!parse_question (loader, child, parent, questions[i].type, error))
                    return FALSE;
                  handled = TRUE;
                }
              break;
            }
        }
      if (!handled)
        {
          const char *feature = _("a question type");

          if (is_element (child, "setvalue") || is_element (child, "setgeopoint")
              || is_element (child, "action"))
            feature = _("an action");
          else if (is_element (child, "recordaudio"))
            feature = _("background audio");
          else if (is_element (child, "range") || is_element (child, "rank"))
            feature = _("a range or rank question");
          return fail_unsupported_element (error, child, feature);
        }
    }
  return TRUE;
}

/* ---- dependencies --------------------------------------------------------------------------- */

static void
add_trigger (RsFormNode *node,
             RsFormItem *item,
             RsFormNode *scope)
{
  for (guint i = 0; i < node->triggers->len; i++)
    {
      RsTrigger *existing = &g_array_index (node->triggers, RsTrigger, i);

      if (existing->item == item)
        {
          /* Any unscoped reference makes the item read the whole form. */
          if (existing->scope != scope)
            existing->scope = NULL;
          return;
        }
    }
  g_array_append_val (node->triggers, ((RsTrigger) { item, scope }));
}

static void
add_trigger_below (RsFormNode *node,
                   RsFormItem *item,
                   RsFormNode *scope)
{
  add_trigger (node, item, scope);
  for (guint i = 0; i < node->children->len; i++)
    add_trigger_below (g_ptr_array_index (node->children, i), item, scope);
}

static void
build_triggers (RsForm *form)
{
  for (guint i = 0; i < form->items->len; i++)
    {
      RsFormItem *item = g_ptr_array_index (form->items, i);

      for (guint r = 0; r < item->refs->len; r++)
        {
          RsXPathRef *ref = g_ptr_array_index (item->refs, r);
          RsFormNode *target = g_hash_table_lookup (form->nodes, ref->path);
          RsFormNode *scope = ref->scope_repeat != NULL
                              ? g_hash_table_lookup (form->nodes, ref->scope_repeat) : NULL;

          if (target == NULL)
            continue;
          /* A change below, at, or above what the item reads can change what it sees. */
          add_trigger_below (target, item, scope);
          for (RsFormNode *up = target->parent; up != NULL; up = up->parent)
            add_trigger (up, item, scope);
        }
    }
}

static gboolean
is_writer (RsFormItem *item)
{
  return item->kind == RS_ITEM_CALCULATE || item->kind == RS_ITEM_COUNT;
}

/* Orders the items so that each comes after every calculation it reads; refuses loops. */
static gboolean
order_items (RsForm  *form,
             GError **error)
{
  guint n = form->items->len;
  g_autofree guint *indegree = g_new0 (guint, n);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GQueue) ready = g_queue_new ();

  for (guint i = 0; i < n; i++)
    ((RsFormItem *) g_ptr_array_index (form->items, i))->order = i;
  for (guint i = 0; i < n; i++)
    {
      RsFormItem *item = g_ptr_array_index (form->items, i);

      if (!is_writer (item))
        continue;
      for (guint t = 0; t < item->node->triggers->len; t++)
        {
          RsFormItem *reader = g_array_index (item->node->triggers, RsTrigger, t).item;

          if (reader != item)
            indegree[reader->order]++;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      if (indegree[i] == 0)
        g_queue_push_tail (ready, g_ptr_array_index (form->items, i));
    }
  while (!g_queue_is_empty (ready))
    {
      RsFormItem *item = g_queue_pop_head (ready);

      g_ptr_array_add (ordered, item);
      if (!is_writer (item))
        continue;
      for (guint t = 0; t < item->node->triggers->len; t++)
        {
          RsFormItem *reader = g_array_index (item->node->triggers, RsTrigger, t).item;

          if (reader != item && --indegree[reader->order] == 0)
            g_queue_push_tail (ready, reader);
        }
    }
  if (ordered->len < n)
    {
      GString *paths = g_string_new (NULL);
      guint line = 0;

      for (guint i = 0; i < n; i++)
        {
          RsFormItem *item = g_ptr_array_index (form->items, i);

          if (indegree[i] > 0 && is_writer (item))
            {
              if (paths->len > 0)
                g_string_append (paths, ", ");
              g_string_append (paths, item->node->path);
              if (line == 0)
                line = item->line;
            }
        }
      if (line > 0)
        g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_CYCLE,
                     _("Line %u: these calculations depend on each other in a loop: %s. Change "
                       "one of them so that the loop is broken."), line, paths->str);
      else
        g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_CYCLE,
                     _("These calculations depend on each other in a loop: %s. Change one of "
                       "them so that the loop is broken."), paths->str);
      g_string_free (paths, TRUE);
      return FALSE;
    }
  /* The order array owns nothing; swap contents into form->items keeping its free func. */
  for (guint i = 0; i < n; i++)
    {
      RsFormItem *item = g_ptr_array_index (ordered, i);

      item->order = i;
      form->items->pdata[i] = item;
    }
  return TRUE;
}

/* A calculated node that a person can also answer: the calculation overwrites every answer. */
static gboolean
check_calculated_controls (RsForm  *form,
                           GError **error)
{
  for (guint i = 0; i < form->all_nodes->len; i++)
    {
      RsFormNode *node = g_ptr_array_index (form->all_nodes, i);
      RsFormItem *readonly = node->items[RS_ITEM_READONLY];

      if (node->items[RS_ITEM_CALCULATE] == NULL || node->control == NULL
          || node->control->type == RS_FORM_CONTROL_TRIGGER)
        continue;
      if (readonly != NULL && strstr (readonly->source, "false") == NULL)
        continue;
      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_CYCLE,
                   _("Line %u: the question “%s” is calculated from “%s” but can also be "
                     "answered, so the calculation and the answer would overwrite each other in "
                     "a loop. Make the question read-only or remove its calculation."),
                   node->control->line, node->path, node->items[RS_ITEM_CALCULATE]->source);
      return FALSE;
    }
  return TRUE;
}

static gboolean
compile_text_outputs (Loader         *loader,
                      RsFormControl  *control,
                      RsFormText     *text,
                      xmlNodePtr      element,
                      GError        **error)
{
  RsForm *form = loader->form;
  RsFormNode *context = control_context (control, form);
  guint n_languages = form->languages->len - 1;

  if (text == NULL)
    return TRUE;
  for (guint l = 0; l < MAX (n_languages, 1); l++)
    {
      const char *language = n_languages > 0 ? g_ptr_array_index (form->languages, l) : NULL;
      RsFormText *resolved = _rs_form_resolve_text (form, text, language);

      for (guint p = 0; resolved != NULL && resolved->parts != NULL && p < resolved->parts->len;
           p++)
        {
          RsTextPart *part = g_ptr_array_index (resolved->parts, p);
          xmlXPathCompExprPtr comp;

          if (part->source == NULL || g_hash_table_contains (control->outputs, part->source))
            continue;
          comp = compile_expression (loader, part->source, context, element, "output", NULL,
                                     error);
          if (comp == NULL)
            return FALSE;
          g_hash_table_insert (control->outputs, g_strdup (part->source), comp);
        }
    }
  return TRUE;
}

static gboolean
compile_control_outputs (Loader         *loader,
                         RsFormControl  *control,
                         xmlNodePtr      body,
                         GError        **error)
{
  if (!compile_text_outputs (loader, control, control->label, body, error)
      || !compile_text_outputs (loader, control, control->hint, body, error))
    return FALSE;
  for (guint i = 0; control->choices != NULL && i < control->choices->len; i++)
    {
      RsFormChoice *choice = g_ptr_array_index (control->choices, i);

      if (!compile_text_outputs (loader, control, choice->label, body, error))
        return FALSE;
    }
  for (guint i = 0; i < control->children->len; i++)
    {
      if (!compile_control_outputs (loader, g_ptr_array_index (control->children, i), body,
                                    error))
        return FALSE;
    }
  return TRUE;
}

/* ---- loading -------------------------------------------------------------------------------- */

static gboolean
find_repeat_counts (Loader      *loader,
                    xmlNodePtr   element,
                    GError     **error)
{
  for (xmlNodePtr child = element->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (child, "repeat"))
        {
          g_autofree char *count = get_ns_attr (child, "count", RS_XPATH_JR_NS);
          g_autofree char *nodeset = get_attr (child, "nodeset");
          RsFormNode *node = nodeset != NULL ? resolve_ref (loader->form, nodeset, NULL) : NULL;

          if (count != NULL && node != NULL && node->parent != NULL)
            {
              if (!add_item (loader, node, RS_ITEM_COUNT, count, node->parent, child,
                             "jr:count", error))
                return FALSE;
            }
        }
      if (!find_repeat_counts (loader, child, error))
        return FALSE;
    }
  return TRUE;
}

static void
set_repeat_links (RsFormNode *node)
{
  node->repeat = node->is_repeat ? node : (node->parent != NULL ? node->parent->repeat : NULL);
  for (guint i = 0; i < node->children->len; i++)
    set_repeat_links (g_ptr_array_index (node->children, i));
}

static xmlNodePtr
first_element_child (xmlNodePtr node)
{
  for (xmlNodePtr child = node != NULL ? node->children : NULL; child != NULL;
       child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE)
        return child;
    }
  return NULL;
}

static gboolean
load_model (Loader      *loader,
            xmlNodePtr   model,
            xmlNodePtr   body,
            GError     **error)
{
  RsForm *form = loader->form;
  xmlNodePtr primary = NULL;
  xmlNodePtr secondary_root;

  form->secondary_doc = xmlNewDoc ((const xmlChar *) "1.0");
  secondary_root = xmlNewDocNode (form->secondary_doc, NULL, (const xmlChar *) "instances", NULL);
  xmlDocSetRootElement (form->secondary_doc, secondary_root);

  for (xmlNodePtr child = model->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (child, "instance"))
        {
          g_autofree char *id = get_attr (child, "id");
          g_autofree char *src = get_attr (child, "src");

          if (src != NULL)
            return fail (error, RS_FORM_ERROR_UNSUPPORTED, child,
                         _("the instance “%s” loads an external data file (%s); rasoat supports "
                           "choices written inside the form only."), id != NULL ? id : "", src);
          if (primary == NULL)
            {
              primary = first_element_child (child);
              if (primary == NULL)
                return fail (error, RS_FORM_ERROR_INVALID, child,
                             _("the form's main instance is empty. Add the questions' nodes "
                               "to it."));
            }
          else
            {
              xmlNodePtr copy;

              if (id == NULL)
                return fail (error, RS_FORM_ERROR_INVALID, child,
                             _("a secondary instance has no id. Give it an id to refer to."));
              copy = xmlDocCopyNode (child, form->secondary_doc, 1);
              if (copy == NULL)
                return fail (error, RS_FORM_ERROR_INVALID, child, _("the instance is invalid."));
              xmlAddChild (secondary_root, copy);
              strip_default_namespace (copy);
              g_ptr_array_add (form->secondary_ids, g_steal_pointer (&id));
              g_ptr_array_add (form->secondary_nodes, copy);
            }
        }
      else if (is_element (child, "itext"))
        {
          if (!parse_itext (loader, child, error))
            return FALSE;
        }
      else if (is_element (child, "bind") || is_element (child, "submission"))
        continue;
      else
        {
          const char *feature = _("a model element");

          if (is_element (child, "setvalue") || is_element (child, "action")
              || is_element (child, "setgeopoint"))
            feature = _("an action");
          else if (is_element (child, "recordaudio"))
            feature = _("background audio");
          return fail_unsupported_element (error, child, feature);
        }
    }
  if (primary == NULL)
    return fail (error, RS_FORM_ERROR_MALFORMED, model,
                 _("the <model> has no <instance>. An XForm needs one for its answers."));

  {
    g_autofree char *id = get_attr (primary, "id");
    g_autofree char *version = get_attr (primary, "version");
    xmlNodePtr copy;

    form->id = g_strdup (id != NULL ? id : (const char *) primary->name);
    form->version = g_steal_pointer (&version);
    form->repeat_doc = xmlNewDoc ((const xmlChar *) "1.0");
    copy = xmlDocCopyNode (primary, form->repeat_doc, 1);
    if (copy == NULL)
      return fail (error, RS_FORM_ERROR_INVALID, primary, _("the main instance is invalid."));
    xmlDocSetRootElement (form->repeat_doc, copy);
    strip_default_namespace (copy);
    if (!build_nodes (loader, copy, NULL, error))
      return FALSE;
  }

  /* Bind ids, for controls that name their bind instead of a ref. */
  for (xmlNodePtr child = model->children; child != NULL; child = child->next)
    {
      if (is_element (child, "bind"))
        {
          g_autofree char *id = get_attr (child, "id");
          g_autofree char *nodeset = get_attr (child, "nodeset");

          if (id != NULL && nodeset != NULL)
            g_hash_table_replace (loader->bind_ids, g_steal_pointer (&id),
                                  g_steal_pointer (&nodeset));
        }
    }

  for (xmlNodePtr child = model->children; child != NULL; child = child->next)
    {
      if (is_element (child, "bind") && !parse_bind_type (loader, child, error))
        return FALSE;
    }

  /* The body next: it says which nodes repeat, which the binds' expressions depend on. */
  form->body = control_new (RS_FORM_CONTROL_GROUP, NULL, body);
  if (body != NULL && !parse_controls (loader, body, form->body, error))
    return FALSE;
  set_repeat_links (form->root);
  for (guint i = 0; i < form->all_nodes->len; i++)
    {
      RsFormNode *node = g_ptr_array_index (form->all_nodes, i);

      if (node->is_repeat && node == form->root)
        return fail (error, RS_FORM_ERROR_INVALID, primary,
                     _("the whole instance cannot repeat."));
    }

  for (xmlNodePtr child = model->children; child != NULL; child = child->next)
    {
      if (is_element (child, "bind") && !parse_bind (loader, child, error))
        return FALSE;
    }
  if (body != NULL && !find_repeat_counts (loader, body, error))
    return FALSE;
  if (!compile_control_outputs (loader, form->body, body, error))
    return FALSE;
  if (!check_calculated_controls (form, error))
    return FALSE;
  build_triggers (form);
  if (!order_items (form, error))
    return FALSE;

  form->template_doc = xmlCopyDoc (form->repeat_doc, 1);
  strip_templates (xmlDocGetRootElement (form->template_doc));
  return TRUE;
}

static RsForm *
form_new (void)
{
  RsForm *form = g_new0 (RsForm, 1);

  form->ref_count = 1;
  form->nodes = g_hash_table_new (g_str_hash, g_str_equal);
  form->local_nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  form->all_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) form_node_free);
  form->items = g_ptr_array_new_with_free_func ((GDestroyNotify) form_item_free);
  form->secondary_ids = g_ptr_array_new_with_free_func (g_free);
  form->secondary_nodes = g_ptr_array_new ();
  form->itext = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  form->languages = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (form->languages, NULL);
  return form;
}

RsForm *
rs_form_new_from_data (const char  *data,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(RsForm) form = NULL;
  xmlParserCtxtPtr parser;
  xmlNodePtr html, head = NULL, body = NULL, model = NULL;
  Loader loader = { 0 };
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > G_MAXINT)
    {
      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_MALFORMED,
                   _("The form file is too large."));
      return NULL;
    }
  form = form_new ();
  parser = xmlNewParserCtxt ();
  /* libxml2 prints some encoding errors itself; the GError below reports them. */
  form->form_doc = rs_xml_read_memory (parser, data != NULL ? data : "", length, "form.xml",
                                       XML_PARSE_BIG_LINES);
  if (form->form_doc == NULL)
    {
      xmlErrorPtr xml_error = xmlCtxtGetLastError (parser);
      const char *reason = xml_error != NULL && xml_error->message != NULL ? xml_error->message
                                                                           : "?";
      g_autofree char *detail = g_strstrip (g_strdup (reason));

      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_MALFORMED,
                   _("Line %d: the form is not well-formed XML (%s). Check that the file is a "
                     "complete XForm."), xml_error != NULL ? xml_error->line : 0, detail);
      xmlFreeParserCtxt (parser);
      return NULL;
    }
  xmlFreeParserCtxt (parser);

  html = xmlDocGetRootElement (form->form_doc);
  if (!is_element (html, "html"))
    {
      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_MALFORMED,
                   _("This file is not an XForm: its root element is not <h:html>."));
      return NULL;
    }
  for (xmlNodePtr child = html->children; child != NULL; child = child->next)
    {
      if (is_element (child, "head") && head == NULL)
        head = child;
      else if (is_element (child, "body") && body == NULL)
        body = child;
    }
  for (xmlNodePtr child = head != NULL ? head->children : NULL; child != NULL;
       child = child->next)
    {
      if (is_element (child, "model") && model == NULL)
        model = child;
      else if (is_element (child, "title") && form->title == NULL)
        {
          xmlChar *title = xmlNodeGetContent (child);
          form->title = g_strstrip (g_strdup ((const char *) title));
          xmlFree (title);
        }
    }
  if (model == NULL)
    {
      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_MALFORMED,
                   _("This file is not an XForm: it has no <model> in its <h:head>."));
      return NULL;
    }

  loader.form = form;
  loader.compile_ctx = rs_xpath_context_new (NULL, NULL);
  loader.bind_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ok = load_model (&loader, model, body, error);
  xmlXPathFreeContext (loader.compile_ctx);
  g_hash_table_unref (loader.bind_ids);
  if (!ok)
    return NULL;
  if (form->title == NULL)
    form->title = g_strdup (form->id);
  return g_steal_pointer (&form);
}

RsForm *
rs_form_new_from_file (const char  *path,
                       GError     **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  return rs_form_new_from_data (data, length, error);
}

RsForm *
rs_form_ref (RsForm *form)
{
  g_return_val_if_fail (form != NULL, NULL);
  g_atomic_int_inc (&form->ref_count);
  return form;
}

void
rs_form_unref (RsForm *form)
{
  if (form == NULL || !g_atomic_int_dec_and_test (&form->ref_count))
    return;
  form_control_free (form->body);
  g_clear_pointer (&form->items, g_ptr_array_unref);
  g_clear_pointer (&form->all_nodes, g_ptr_array_unref);
  g_clear_pointer (&form->nodes, g_hash_table_unref);
  g_clear_pointer (&form->local_nodes, g_hash_table_unref);
  g_clear_pointer (&form->secondary_ids, g_ptr_array_unref);
  g_clear_pointer (&form->secondary_nodes, g_ptr_array_unref);
  g_clear_pointer (&form->itext, g_hash_table_unref);
  g_clear_pointer (&form->languages, g_ptr_array_unref);
  g_clear_pointer (&form->form_doc, xmlFreeDoc);
  g_clear_pointer (&form->repeat_doc, xmlFreeDoc);
  g_clear_pointer (&form->template_doc, xmlFreeDoc);
  g_clear_pointer (&form->secondary_doc, xmlFreeDoc);
  g_free (form->id);
  g_free (form->version);
  g_free (form->title);
  g_free (form->default_language);
  g_free (form);
}

const char *
rs_form_get_id (RsForm *form)
{
  return form->id;
}

const char *
rs_form_get_version (RsForm *form)
{
  return form->version;
}

const char *
rs_form_get_title (RsForm *form)
{
  return form->title;
}

const char *
rs_form_get_root_name (RsForm *form)
{
  return form->root->name;
}

const char * const *
rs_form_get_languages (RsForm *form)
{
  return (const char * const *) form->languages->pdata;
}

const char *
rs_form_get_default_language (RsForm *form)
{
  return form->default_language;
}

const char *
rs_form_find_language (RsForm     *form,
                       const char *name_or_code)
{
  g_autofree char *code = NULL;

  if (name_or_code == NULL)
    return NULL;
  code = g_strdup_printf ("(%s)", name_or_code);
  for (guint i = 0; i + 1 < form->languages->len; i++)
    {
      const char *language = g_ptr_array_index (form->languages, i);

      if (g_str_equal (language, name_or_code) || g_str_has_suffix (language, code))
        return language;
    }
  return NULL;
}

guint
rs_form_get_n_questions (RsForm *form)
{
  return form->n_questions;
}

guint
rs_form_get_n_groups (RsForm *form)
{
  return form->n_groups;
}

guint
rs_form_get_n_repeats (RsForm *form)
{
  return form->n_repeats;
}

gboolean
rs_form_has_node (RsForm     *form,
                  const char *path)
{
  return path != NULL && g_hash_table_contains (form->nodes, path);
}

RsFormValueType
rs_form_get_value_type (RsForm     *form,
                        const char *path)
{
  RsFormNode *node = path != NULL ? g_hash_table_lookup (form->nodes, path) : NULL;

  return node != NULL ? node->type : RS_FORM_TYPE_STRING;
}

xmlXPathCompExprPtr
rs_form_compile_expression (RsForm      *form,
                            const char  *expression,
                            const char  *context_path,
                            GError     **error)
{
  Loader loader = { 0 };
  RsFormNode *context;
  xmlXPathCompExprPtr comp;

  g_return_val_if_fail (form != NULL && expression != NULL, NULL);

  context = context_path != NULL ? g_hash_table_lookup (form->nodes, context_path) : form->root;
  if (context == NULL)
    {
      g_set_error (error, RS_FORM_ERROR, RS_FORM_ERROR_INVALID,
                   _("The form has no node “%s” to evaluate an expression at."), context_path);
      return NULL;
    }
  loader.form = form;
  loader.compile_ctx = rs_xpath_context_new (NULL, NULL);
  comp = compile_expression (&loader, expression, context, NULL, "expression", NULL, error);
  xmlXPathFreeContext (loader.compile_ctx);
  return comp;
}
