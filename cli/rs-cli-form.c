/* rs-cli-form.c: `rasoat-cli form check|fill`, the form engine driven from the command line.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "rs-cli.h"
#include "rs-form-session.h"

static void
print_form_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: rasoat-cli form check FORM.xml"));
  fprintf (out, "%s\n", _("       rasoat-cli form fill FORM.xml ANSWERS.json [-o INSTANCE.xml]"));
}

static int
form_check (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_file (path, &error);
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(GPtrArray) screens = NULL;
  const char * const *languages;
  g_autofree char *language_list = NULL;

  if (form == NULL)
    {
      rs_cli_error ("%s: %s", path, error->message);
      return 1;
    }
  /* A first session runs every expression once, so runtime surprises show here too. */
  session = rs_form_session_new (form, NULL);
  screens = rs_form_session_get_screens (session);
  languages = rs_form_get_languages (form);
  language_list = g_strjoinv (", ", (char **) languages);

  printf (_("Form: %s (id %s, version %s)\n"), rs_form_get_title (form), rs_form_get_id (form),
          rs_form_get_version (form) != NULL ? rs_form_get_version (form) : "-");
  printf (_("Questions: %u\n"), rs_form_get_n_questions (form));
  printf (_("Groups: %u\n"), rs_form_get_n_groups (form));
  printf (_("Repeats: %u\n"), rs_form_get_n_repeats (form));
  printf (_("Screens at start: %u\n"), screens->len);
  if (languages[0] != NULL)
    printf (_("Languages: %s (default %s)\n"), language_list,
            rs_form_get_default_language (form));
  else
    printf ("%s\n", _("Languages: none (labels written in the form)"));
  return 0;
}

static char *
json_answer_to_string (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      GString *out = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *item = json_answer_to_string (json_array_get_element (array, i));

          if (item == NULL)
            {
              g_string_free (out, TRUE);
              return NULL;
            }
          if (out->len > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, item);
        }
      return g_string_free (out, FALSE);
    }
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

static int
form_fill (const char *form_path,
           const char *answers_path,
           const char *output_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_file (form_path, &error);
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *xml = NULL;
  JsonNode *root;
  GList *members;
  guint failures = 0;
  gsize length = 0;

  if (form == NULL)
    {
      rs_cli_error ("%s: %s", form_path, error->message);
      return 1;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, answers_path, &error))
    {
      rs_cli_error (_("%s: the answers are not valid JSON (%s)."), answers_path, error->message);
      return 1;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      rs_cli_error (_("%s: the answers must be a JSON object of {\"path\": value}."),
                    answers_path);
      return 1;
    }

  session = rs_form_session_new (form, NULL);
  members = json_object_get_members (json_node_get_object (root));
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *path = l->data;
      JsonNode *value_node = json_object_get_member (json_node_get_object (root), path);
      g_autofree char *value = json_answer_to_string (value_node);
      g_autoptr(GError) answer_error = NULL;

      if (value == NULL)
        {
          fprintf (stderr, "%s: %s\n", path, _("the answer must be a string, number, boolean, "
                                                "list or null."));
          failures++;
          continue;
        }
      if (!rs_form_session_ensure_path (session, path, &answer_error)
          || !rs_form_session_set_value (session, path, value, &answer_error))
        {
          fprintf (stderr, "%s: %s\n", path, answer_error->message);
          failures++;
        }
    }
  g_list_free (members);

  problems = rs_form_session_validate (session);
  for (guint i = 0; i < problems->len; i++)
    {
      RsFormProblem *problem = g_ptr_array_index (problems, i);

      fprintf (stderr, "%s: %s\n", problem->path, problem->message);
    }
  if (failures > 0 || problems->len > 0)
    {
      rs_cli_error (g_dngettext (GETTEXT_PACKAGE, "%u problem; no instance written.",
                                 "%u problems; no instance written.", failures + problems->len),
                    failures + problems->len);
      return 1;
    }

  xml = rs_form_session_serialize (session, &length);
  if (output_path != NULL)
    {
      if (!g_file_set_contents (output_path, xml, length, &error))
        {
          rs_cli_error ("%s: %s", output_path, error->message);
          return 1;
        }
    }
  else
    fwrite (xml, 1, length, stdout);
  return 0;
}

int
rs_cli_form (RsCliContext *ctx,
             int           argc,
             char        **argv)
{
  const char *output_path = NULL;
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();

  for (int i = 1; i < argc; i++)
    {
      if ((g_str_equal (argv[i], "-o") || g_str_equal (argv[i], "--output")) && i + 1 < argc)
        output_path = argv[++i];
      else if (g_str_equal (argv[i], "-h") || g_str_equal (argv[i], "--help"))
        {
          print_form_usage (stdout);
          return 0;
        }
      else
        g_ptr_array_add (positional, argv[i]);
    }

  if (positional->len == 2 && g_str_equal (g_ptr_array_index (positional, 0), "check"))
    return form_check (g_ptr_array_index (positional, 1));
  if (positional->len == 3 && g_str_equal (g_ptr_array_index (positional, 0), "fill"))
    return form_fill (g_ptr_array_index (positional, 1), g_ptr_array_index (positional, 2),
                      output_path);
  print_form_usage (stderr);
  return 2;
}
