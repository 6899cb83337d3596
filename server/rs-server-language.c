/* rs-server-language.c: the language of each answer: Accept-Language and per-thread gettext.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libintl.h>
#include <string.h>

#include "rs-server-language.h"
#include "rs-text.h"

/* How one thread answers in another language than its neighbours (docs/server.md, "Languages").
 *
 * libmicrohttpd runs requests on several threads, so setlocale() or LANGUAGE cannot change per
 * request. glibc's gettext reads the *calling thread's* LC_MESSAGES (uselocale(), POSIX.1-2008),
 * and gettext's rules give two behaviours that need no generated locale, both from locales
 * every Debian 12 has:
 *   - LC_MESSAGES "C": LANGUAGE is ignored and msgids come back: English, the source language;
 *   - LC_MESSAGES "C.UTF-8": LANGUAGE is honoured, and LANGUAGE is set once, at start-up, to the
 *     catalogue language ("vi").
 * So each request thread switches between two locale_t objects made once with newlocale(); the
 * process-wide LANGUAGE never changes after init. A per-language locale (newlocale ("vi_VN"))
 * would need `locale-gen vi_VN.UTF-8` on every server and CI machine; the price of this way is
 * that it serves one catalogue language besides English, which is what po/LINGUAS has. */

#define SOURCE_LANGUAGE "en"
/* Accept-Language quality values in thousandths (RFC 9110 allows three decimals). */
#define Q_MAX 1000

typedef struct
{
  char  *range;      /* lower case; "*" for any */
  int    q;          /* 0 … Q_MAX */
} LanguageRange;

static void
language_range_clear (LanguageRange *range)
{
  g_free (range->range);
}

static struct
{
  gboolean    initialized;
  char       *translated;          /* the catalogue language, e.g. "vi"; NULL without one */
  const char *available[3];        /* SOURCE_LANGUAGE, translated, NULL */
  locale_t    locales[2];          /* the LC_MESSAGES locale of each available language */
  const char *default_language;
} state;

/* ---- Accept-Language -------------------------------------------------------------------- */

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths. */
static gboolean
parse_qvalue (const char *text,
              gsize       length,
              int        *q)
{
  int value;
  int scale = 100;

  if (length == 0 || (text[0] != '0' && text[0] != '1'))
    return FALSE;
  value = (text[0] - '0') * Q_MAX;
  if (length > 1 && (text[1] != '.' || length > 5))
    return FALSE;
  for (gsize i = 2; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value += (text[i] - '0') * scale;
      scale /= 10;
    }
  if (value > Q_MAX)
    return FALSE;
  *q = value;
  return TRUE;
}

/* language-range = ( 1*8ALPHA *( "-" 1*8alphanum ) ) / "*" (RFC 4647 §2.1). */
static gboolean
is_language_range (const char *text,
                   gsize       length)
{
  gsize run = 0;
  gboolean first = TRUE;

  if (length == 1 && text[0] == '*')
    return TRUE;
  if (length == 0)
    return FALSE;
  for (gsize i = 0; i <= length; i++)
    {
      if (i == length || text[i] == '-')
        {
          if (run == 0 || run > 8)
            return FALSE;
          run = 0;
          first = FALSE;
          continue;
        }
      if (first ? !g_ascii_isalpha (text[i]) : !g_ascii_isalnum (text[i]))
        return FALSE;
      run++;
    }
  return TRUE;
}

/* One list element: language-range [ OWS ";" OWS "q=" qvalue ]. FALSE for an empty or
 * malformed element, which is skipped (a field with no good element is ignored as a whole). */
static gboolean
parse_element (const char    *start,
               const char    *end,
               LanguageRange *range)
{
  const char *semicolon;
  const char *range_end;
  int q = Q_MAX;

  while (start < end && is_ows (*start))
    start++;
  while (end > start && is_ows (end[-1]))
    end--;
  semicolon = memchr (start, ';', end - start);
  range_end = semicolon != NULL ? semicolon : end;
  while (range_end > start && is_ows (range_end[-1]))
    range_end--;
  if (!is_language_range (start, range_end - start))
    return FALSE;
  if (semicolon != NULL)
    {
      const char *weight = semicolon + 1;

      while (weight < end && is_ows (*weight))
        weight++;
      if (end - weight < 2 || g_ascii_tolower (weight[0]) != 'q' || weight[1] != '=')
        return FALSE;
      if (!parse_qvalue (weight + 2, end - (weight + 2), &q))
        return FALSE;
    }
  range->range = g_ascii_strdown (start, range_end - start);
  range->q = q;
  return TRUE;
}

/* RFC 4647: a range matches its own tag, the tags it is a prefix of (basic filtering: "vi"
 * takes "vi-VN"), and the prefixes it falls back to (lookup: "vi-VN" takes "vi"). */
static gboolean
range_matches (const char *range,
               const char *tag)
{
  gsize range_length = strlen (range);
  gsize tag_length = strlen (tag);

  if (range_length == tag_length)
    return g_ascii_strcasecmp (range, tag) == 0;
  if (range_length > tag_length)
    return g_ascii_strncasecmp (range, tag, tag_length) == 0 && range[tag_length] == '-';
  return g_ascii_strncasecmp (tag, range, range_length) == 0 && tag[range_length] == '-';
}

const char *
rs_server_language_choose (const char        *header,
                           const char *const *available,
                           const char        *default_language)
{
  g_autoptr(GArray) ranges = NULL;
  const char *element = header;
  const char *best = NULL;
  int best_q = 0;
  guint best_position = G_MAXUINT;

  if (header == NULL || available == NULL)
    return NULL;
  ranges = g_array_new (FALSE, TRUE, sizeof (LanguageRange));
  g_array_set_clear_func (ranges, (GDestroyNotify) language_range_clear);
  while (element != NULL)
    {
      const char *comma = strchr (element, ',');
      const char *end = comma != NULL ? comma : element + strlen (element);
      LanguageRange range = { 0 };

      if (parse_element (element, end, &range))
        g_array_append_val (ranges, range);
      element = comma != NULL ? comma + 1 : NULL;
    }

  for (guint i = 0; available[i] != NULL; i++)
    {
      int q = -1;
      int any_q = -1;
      guint position = G_MAXUINT;
      guint any_position = G_MAXUINT;
      gboolean better;

      /* The most specific range decides: "vi;q=0, *" refuses vi and takes anything else. */
      for (guint r = 0; r < ranges->len; r++)
        {
          const LanguageRange *range = &g_array_index (ranges, LanguageRange, r);

          if (g_str_equal (range->range, "*"))
            {
              if (range->q > any_q)
                {
                  any_q = range->q;
                  any_position = r;
                }
            }
          else if (range_matches (range->range, available[i]) && range->q > q)
            {
              q = range->q;
              position = r;
            }
        }
      if (q < 0)
        {
          q = any_q;
          position = any_position;
        }
      if (q <= 0)
        continue;
      better = best == NULL || q > best_q || (q == best_q && position < best_position)
               || (q == best_q && position == best_position && default_language != NULL
                   && g_ascii_strcasecmp (available[i], default_language) == 0);
      if (better)
        {
          best = available[i];
          best_q = q;
          best_position = position;
        }
    }
  return best;
}

/* ---- catalogues and per-thread locales -------------------------------------------------- */

static gboolean
has_catalogue (const char *locale_dir,
               const char *language)
{
  g_autofree char *mo = g_build_filename (locale_dir, language, "LC_MESSAGES",
                                          GETTEXT_PACKAGE ".mo", NULL);

  return g_file_test (mo, G_FILE_TEST_IS_REGULAR);
}

/* The process's locale with LC_MESSAGES replaced by @name; (locale_t) 0 if @name is missing. */
static locale_t
new_messages_locale (const char *name)
{
  locale_t base = duplocale (LC_GLOBAL_LOCALE);
  locale_t locale;

  if (base == (locale_t) 0)
    return (locale_t) 0;
  locale = newlocale (LC_MESSAGES_MASK, name, base);
  if (locale == (locale_t) 0)
    freelocale (base);
  return locale;
}

static locale_t
locale_for (const char *language)
{
  for (guint i = 0; language != NULL && state.available[i] != NULL; i++)
    {
      if (g_str_equal (state.available[i], language))
        return state.locales[i];
    }
  return (locale_t) 0;
}

void
rs_server_language_init (const char *locale_dir)
{
  g_auto(GStrv) linguas = g_strsplit (RS_SERVER_LINGUAS, " ", -1);
  g_autofree char *process_language = NULL;

  if (state.initialized)
    return;
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* What the environment selects, before LANGUAGE is set below. */
  process_language = rs_text_catalogue_language ();

  state.available[0] = SOURCE_LANGUAGE;
  state.locales[0] = new_messages_locale ("C");
  for (guint i = 0; linguas[i] != NULL; i++)
    {
      locale_t locale;

      if (*linguas[i] == '\0' || !has_catalogue (locale_dir, linguas[i]))
        continue;
      locale = new_messages_locale ("C.UTF-8");
      if (locale == (locale_t) 0)
        locale = new_messages_locale ("C.utf8");
      if (locale == (locale_t) 0)
        {
          g_log ("rasoat-server", G_LOG_LEVEL_MESSAGE,
                 "no C.UTF-8 locale: answers stay in the server's language");
          break;
        }
      state.translated = g_strdup (linguas[i]);
      state.available[1] = state.translated;
      state.locales[1] = locale;
      break;
    }

  state.default_language = SOURCE_LANGUAGE;
  for (guint i = 0; process_language != NULL && state.available[i] != NULL; i++)
    {
      if (g_str_equal (state.available[i], process_language))
        state.default_language = state.available[i];
    }
  if (state.translated != NULL)
    g_setenv ("LANGUAGE", state.translated, TRUE);
  state.initialized = TRUE;
  /* LANGUAGE now names the catalogue language: this thread keeps the process's language. */
  uselocale (locale_for (state.default_language));
}

const char *const *
rs_server_language_available (void)
{
  return state.available;
}

const char *
rs_server_language_default (void)
{
  return state.default_language;
}

const char *
rs_server_language_for_request (const char *accept_language)
{
  const char *chosen;

  if (!state.initialized)
    return NULL;
  chosen = rs_server_language_choose (accept_language, state.available, state.default_language);
  return chosen != NULL ? chosen : state.default_language;
}

locale_t
rs_server_language_enter (const char *language)
{
  locale_t locale;

  if (!state.initialized)
    return (locale_t) 0;
  locale = locale_for (language);
  return locale != (locale_t) 0 ? uselocale (locale) : (locale_t) 0;
}

void
rs_server_language_leave (locale_t previous)
{
  if (previous != (locale_t) 0)
    uselocale (previous);
}
