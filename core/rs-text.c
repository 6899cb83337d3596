/* rs-text.c: diacritics-insensitive folding, so "nguyen van" finds "Nguyễn Văn".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-text.h"

#include <string.h>

/**
 * rs_text_fold:
 * @text: (nullable): UTF-8 text
 *
 * Folds @text for searching: decomposes it, drops the combining marks (Vietnamese tones and
 * vowel marks), maps đ/Đ to d (đ is a letter of its own, not a d with a mark, so Unicode does
 * not decompose it), lower-cases, and collapses runs of white space into one space.
 *
 * Returns: (transfer full): the folded text; an empty string for %NULL or invalid UTF-8.
 */
char *
rs_text_fold (const char *text)
{
  g_autofree char *decomposed = NULL;
  GString *out;
  gboolean pending_space = FALSE;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");

  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_NFD);
  out = g_string_sized_new (strlen (decomposed));

  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_NON_SPACING_MARK)
        continue;
      if (g_unichar_isspace (c))
        {
          pending_space = out->len > 0;
          continue;
        }
      if (c == 0x0111 || c == 0x0110) /* đ, Đ */
        c = 'd';
      if (pending_space)
        {
          g_string_append_c (out, ' ');
          pending_space = FALSE;
        }
      g_string_append_unichar (out, g_unichar_tolower (c));
    }

  return g_string_free (out, FALSE);
}

static gboolean
starts_a_word (const char *haystack,
               const char *word)
{
  size_t len = strlen (word);

  for (const char *p = strstr (haystack, word); p != NULL; p = strstr (p + 1, word))
    {
      if ((p == haystack || p[-1] == ' ') && len > 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * rs_text_fold_match:
 * @folded_haystack: text already folded with rs_text_fold()
 * @query: what the user typed (folded here)
 *
 * A query word matches the start of a word of the haystack, so typing "ngu" finds "Nguyễn"
 * while "an" does not find every "Văn".
 *
 * Returns: %TRUE when every word of @query starts a word of @folded_haystack, in any order.
 */
gboolean
rs_text_fold_match (const char *folded_haystack,
                    const char *query)
{
  g_autofree char *folded_query = rs_text_fold (query);
  g_auto(GStrv) words = g_strsplit (folded_query, " ", -1);

  g_return_val_if_fail (folded_haystack != NULL, FALSE);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (!starts_a_word (folded_haystack, words[i]))
        return FALSE;
    }
  return TRUE;
}

/* A plain decimal number: optional sign, digits, at most one point, at least one digit. */
static gboolean
is_plain_decimal (const char *cell)
{
  const char *p = cell;
  gboolean seen_digit = FALSE;
  gboolean seen_point = FALSE;

  if (*p == '-' || *p == '+')
    p++;
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        seen_digit = TRUE;
      else if (*p == '.' && !seen_point)
        seen_point = TRUE;
      else
        return FALSE;
    }
  return seen_digit;
}

/**
 * rs_text_csv_needs_guard:
 * @cell: (nullable): the text of one CSV cell, unquoted
 *
 * Spreadsheets (Excel, LibreOffice Calc) run a cell that starts with `=`, `+`, `-`, `@`, a tab
 * or a carriage return as a formula, so a household name typed as `=HYPERLINK(…)` would become
 * a live link or command in the commune officer's spreadsheet (CSV injection). Such a cell
 * needs a guard, unless the whole cell is a plain decimal number (`-500000`, `+1`, `-1.5`),
 * which a spreadsheet reads as that number and nothing else; guarding it would turn
 * legitimate negative amounts into text.
 *
 * Returns: %TRUE when @cell must be written with a leading `'`.
 */
gboolean
rs_text_csv_needs_guard (const char *cell)
{
  if (cell == NULL || cell[0] == '\0' || strchr ("=+-@\t\r", cell[0]) == NULL)
    return FALSE;
  return !is_plain_decimal (cell);
}

/**
 * rs_text_csv_append_cell:
 * @out: the CSV text being built
 * @cell: (nullable): the text of one cell; %NULL is an empty cell
 *
 * Appends @cell to @out as one RFC 4180 field: a leading `'` first when
 * rs_text_csv_needs_guard() says so, then in double quotes (inner quotes doubled) when the
 * text holds a comma, a quote, a carriage return or a line feed. Separators and line ends are
 * the caller's.
 */
void
rs_text_csv_append_cell (GString    *out,
                         const char *cell)
{
  gboolean guard;

  g_return_if_fail (out != NULL);

  if (cell == NULL)
    return;
  guard = rs_text_csv_needs_guard (cell);
  if (strpbrk (cell, ",\"\r\n") == NULL)
    {
      if (guard)
        g_string_append_c (out, '\'');
      g_string_append (out, cell);
      return;
    }
  g_string_append_c (out, '"');
  if (guard)
    g_string_append_c (out, '\'');
  for (const char *p = cell; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * rs_text_catalogue_language:
 *
 * The language rasoat's messages come out in on this thread now: the "Language:" line of the
 * header of the catalogue gettext uses (the translation of ""), so it is the language actually
 * shown, whatever the environment asked for (a `LANGUAGE=vi` without an installed catalogue shows
 * English). Text that rasoat writes beside its messages (indicator names and reasons) should be
 * in the same language.
 *
 * Returns: (transfer full) (nullable): the language code in lower case ("vi"), or %NULL when no
 *   catalogue is in use and messages are the English source text.
 */
char *
rs_text_catalogue_language (void)
{
  const char *header = g_dgettext (GETTEXT_PACKAGE, "");
  const char *line = header;

  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');

      if (g_str_has_prefix (line, "Language:"))
        {
          const char *value = line + strlen ("Language:");
          gsize length = 0;

          while (*value == ' ' || *value == '\t')
            value++;
          while (g_ascii_isalpha (value[length]))
            length++;
          return length > 0 ? g_ascii_strdown (value, length) : NULL;
        }
      line = end != NULL ? end + 1 : NULL;
    }
  return NULL;
}

/* Whether @dir holds a catalogue of rasoat in some language (dir/LANG/LC_MESSAGES/rasoat.mo). */
static gboolean
holds_a_catalogue (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *mo = g_build_filename (dir, name, "LC_MESSAGES", GETTEXT_PACKAGE ".mo",
                                              NULL);

      if (g_file_test (mo, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    }
  return FALSE;
}

/**
 * rs_text_locale_dir:
 *
 * Where the program's message catalogues are: `$RASOAT_LOCALEDIR` when set; the `po/` folder of
 * the build tree when the program runs from one (builddir/app/rasoat → builddir/po, as
 * `make run` and the tests do); otherwise the installed locale folder. The app, the district
 * server and rasoat-cli all bind their text domain here.
 *
 * Returns: (transfer full): a folder for bindtextdomain()
 */
char *
rs_text_locale_dir (void)
{
  const char *env = g_getenv ("RASOAT_LOCALEDIR");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL)
    {
      g_autofree char *exe_dir = g_path_get_dirname (exe);
      g_autofree char *build_po = g_build_filename (exe_dir, "..", "po", NULL);

      if (holds_a_catalogue (build_po))
        return g_steal_pointer (&build_po);
    }
  return g_strdup (LOCALEDIR);
}
