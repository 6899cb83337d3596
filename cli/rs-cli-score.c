/* rs-cli-score.c: `rasoat-cli score`: scores household review records (one file, or a folder).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "rs-cli.h"
#include "rs-score.h"
#include "rs-text.h"

static void
print_score_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: rasoat-cli score INSTANCE.xml [--standard ID] "
                          "[--format json|text] [--lang vi|en]"));
  fprintf (out, "%s\n", _("       rasoat-cli score --batch DIR [--standard ID] [--lang vi|en]"));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* One JSON object per line: the score plus "file" and "instanceID".  A record that cannot be
 * scored gives a line with "file" and "error", and the exit status 1 at the end. */
static int
score_batch (RsScorer   *scorer,
             const char *dir,
             const char *standard_id,
             RsLang      lang)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) handle = g_dir_open (dir, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  const char *name;
  int status = 0;

  if (handle == NULL)
    {
      rs_cli_error (_("cannot open the folder %s: %s"), dir, error->message);
      return 1;
    }
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autoptr(GError) score_error = NULL;
      g_autoptr(RsScore) score = rs_scorer_score_file (scorer, path, standard_id, &score_error);
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *line = NULL;
      JsonObject *object;

      if (score != NULL)
        {
          node = rs_score_to_json_node (score, lang);
          object = json_node_get_object (node);
          json_object_set_string_member (object, "file", g_ptr_array_index (names, i));
          json_object_set_string_member (object, "instanceID", score->instance_id);
        }
      else
        {
          node = json_node_new (JSON_NODE_OBJECT);
          json_node_take_object (node, json_object_new ());
          object = json_node_get_object (node);
          json_object_set_string_member (object, "file", g_ptr_array_index (names, i));
          json_object_set_string_member (object, "error", score_error->message);
          status = 1;
        }
      json_generator_set_root (generator, node);
      line = json_generator_to_data (generator, NULL);
      fputs (line, stdout);
      fputc ('\n', stdout);
    }
  return status;
}

int
rs_cli_score (RsCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsScorer) scorer = NULL;
  g_autoptr(RsScore) score = NULL;
  const char *standard_id = NULL;
  const char *format = "json";
  const char *batch_dir = NULL;
  const char *instance = NULL;
  const char *lang_name = NULL;
  RsLang lang;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--standard") && i + 1 < argc)
        standard_id = argv[++i];
      else if (g_str_equal (argv[i], "--format") && i + 1 < argc)
        format = argv[++i];
      else if (g_str_equal (argv[i], "--lang") && i + 1 < argc)
        lang_name = argv[++i];
      else if (g_str_equal (argv[i], "--batch") && i + 1 < argc)
        batch_dir = argv[++i];
      else if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          print_score_usage (stdout);
          return 0;
        }
      else if (argv[i][0] != '-' && instance == NULL)
        instance = argv[i];
      else
        {
          rs_cli_error (_("score: unexpected argument “%s”"), argv[i]);
          print_score_usage (stderr);
          return 2;
        }
    }
  if ((instance == NULL) == (batch_dir == NULL)
      || (!g_str_equal (format, "json") && !g_str_equal (format, "text")))
    {
      print_score_usage (stderr);
      return 2;
    }
  /* JSON is for machines: Vietnamese reasons unless asked. Text is for people: its reasons are
   * in the language its labels come out in (English when no catalogue is in use). */
  if (lang_name != NULL)
    lang = rs_lang_from_string (lang_name);
  else if (g_str_equal (format, "json"))
    lang = RS_LANG_VI;
  else
    {
      g_autofree char *shown = rs_text_catalogue_language ();

      lang = shown != NULL ? rs_lang_from_string (shown) : RS_LANG_EN;
    }

  scorer = rs_scorer_new (ctx->data_dir, &error);
  if (scorer == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  if (standard_id != NULL
      && rs_standards_lookup (rs_scorer_get_standards (scorer), standard_id, &error) == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  if (batch_dir != NULL)
    return score_batch (scorer, batch_dir, standard_id, lang);

  score = rs_scorer_score_file (scorer, instance, standard_id, &error);
  if (score == NULL)
    {
      rs_cli_error ("%s", error->message);
      return 1;
    }
  if (g_str_equal (format, "json"))
    {
      g_autoptr(JsonNode) node = rs_score_to_json_node (score, lang);
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, NULL);
      printf ("%s\n", text);
    }
  else
    {
      g_autofree char *text = rs_score_to_text (score, lang);

      fputs (text, stdout);
    }
  return 0;
}
