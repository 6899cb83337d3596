/* rs-xpath-functions.c: the ODK/OpenRosa XPath function library on top of libxml2's XPath 1.0.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-xpath-functions.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (rs-xpath-error-quark, rs_xpath_error)

struct _RsXPathEnv
{
  GDateTime              *now;
  GRand                  *rand;
  GHashTable             *instances;   /* id → xmlNodePtr (borrowed) */
  GHashTable             *regexes;     /* pattern → GRegex, compiled once */
  RsXPathChoiceLabelFunc  choice_label;
  gpointer                choice_label_data;
  xmlNodePtr              current;
};

RsXPathEnv *
rs_xpath_env_new (void)
{
  RsXPathEnv *env = g_new0 (RsXPathEnv, 1);

  env->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  env->regexes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_regex_unref);
  return env;
}

void
rs_xpath_env_free (RsXPathEnv *env)
{
  if (env == NULL)
    return;
  g_clear_pointer (&env->now, g_date_time_unref);
  g_clear_pointer (&env->rand, g_rand_free);
  g_clear_pointer (&env->instances, g_hash_table_unref);
  g_clear_pointer (&env->regexes, g_hash_table_unref);
  g_free (env);
}

void
rs_xpath_env_set_now (RsXPathEnv *env,
                      GDateTime  *now)
{
  g_return_if_fail (env != NULL);
  g_clear_pointer (&env->now, g_date_time_unref);
  if (now != NULL)
    env->now = g_date_time_ref (now);
}

GDateTime *
rs_xpath_env_get_now (RsXPathEnv *env)
{
  if (env != NULL && env->now != NULL)
    return g_date_time_ref (env->now);
  return g_date_time_new_now_local ();
}

/* Made when first needed: seeding from the system costs more than most sessions' whole
 * evaluation, and few forms call random() or uuid(n). */
static GRand *
env_rand (RsXPathEnv *env)
{
  if (env->rand == NULL)
    env->rand = g_rand_new ();
  return env->rand;
}

void
rs_xpath_env_set_random_seed (RsXPathEnv *env,
                              guint32     seed)
{
  g_return_if_fail (env != NULL);
  g_rand_set_seed (env_rand (env), seed);
}

void
rs_xpath_env_add_instance (RsXPathEnv *env,
                           const char *id,
                           xmlNodePtr  container)
{
  g_return_if_fail (env != NULL && id != NULL);
  g_hash_table_replace (env->instances, g_strdup (id), container);
}

void
rs_xpath_env_set_choice_labels (RsXPathEnv             *env,
                                RsXPathChoiceLabelFunc  func,
                                gpointer                user_data)
{
  g_return_if_fail (env != NULL);
  env->choice_label = func;
  env->choice_label_data = user_data;
}

void
rs_xpath_env_set_current (RsXPathEnv *env,
                          xmlNodePtr  node)
{
  g_return_if_fail (env != NULL);
  env->current = node;
}

xmlNodePtr
rs_xpath_env_get_current (RsXPathEnv *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->current;
}

/* ---- conversions ---------------------------------------------------------------------------- */

static RsXPathEnv *
get_env (xmlXPathParserContextPtr ctxt)
{
  return ctxt->context->funcLookupData;
}

static gboolean
parse_int_field (const char **p,
                 guint        digits,
                 int         *out)
{
  int value = 0;

  for (guint i = 0; i < digits; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      value = value * 10 + ((*p)[i] - '0');
    }
  *p += digits;
  *out = value;
  return TRUE;
}

/* Parses YYYY-MM-DD[THH:MM[:SS[.fff]][Z|±HH[:MM]]] into days since the epoch (UTC). */
static gboolean
parse_date_time (const char *text,
                 double     *days_out)
{
  const char *p = text;
  int year, month, day, hour = 0, minute = 0, offset_minutes = 0;
  double seconds = 0;
  gboolean has_time = FALSE, has_zone = FALSE;
  GDate date;

  if (!parse_int_field (&p, 4, &year) || *p++ != '-' || !parse_int_field (&p, 2, &month)
      || *p++ != '-' || !parse_int_field (&p, 2, &day))
    return FALSE;
  if (year < 1 || !g_date_valid_dmy (day, month, year))
    return FALSE;
  if (*p == 'T' || *p == ' ')
    {
      int whole;

      p++;
      has_time = TRUE;
      if (!parse_int_field (&p, 2, &hour) || *p++ != ':' || !parse_int_field (&p, 2, &minute))
        return FALSE;
      if (*p == ':')
        {
          p++;
          if (!parse_int_field (&p, 2, &whole))
            return FALSE;
          seconds = whole;
          if (*p == '.')
            {
              double scale = 0.1;

              for (p++; g_ascii_isdigit (*p); p++, scale /= 10)
                seconds += (*p - '0') * scale;
            }
        }
      if (hour > 24 || minute > 59 || seconds >= 61)
        return FALSE;
      if (*p == 'Z')
        {
          p++;
          has_zone = TRUE;
        }
      else if (*p == '+' || *p == '-')
        {
          int sign = *p == '-' ? -1 : 1;
          int oh, om = 0;

          p++;
          if (!parse_int_field (&p, 2, &oh))
            return FALSE;
          if (*p == ':')
            p++;
          if (g_ascii_isdigit (*p) && !parse_int_field (&p, 2, &om))
            return FALSE;
          offset_minutes = sign * (oh * 60 + om);
          has_zone = TRUE;
        }
    }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    return FALSE;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, day, month, year);
  *days_out = (double) g_date_get_julian (&date) - 719163.0;   /* julian of 1970-01-01 */
  if (has_time)
    {
      double fraction = (hour * 3600.0 + minute * 60.0 + seconds) / 86400.0;

      if (!has_zone)
        {
          /* A dateTime without zone is local time, as ODK writes it. */
          g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
          gint64 t = (gint64) ((*days_out) * 86400.0);
          int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_STANDARD, t);

          offset_minutes = interval >= 0 ? g_time_zone_get_offset (tz, interval) / 60 : 0;
        }
      *days_out += fraction - offset_minutes / 1440.0;
    }
  return TRUE;
}

double
rs_xpath_parse_days (const char *text)
{
  g_autofree char *trimmed = NULL;
  double days;
  char *end = NULL;

  if (text == NULL)
    return NAN;
  trimmed = g_strstrip (g_strdup (text));
  if (*trimmed == '\0')
    return NAN;
  if (parse_date_time (trimmed, &days))
    return days;
  days = g_ascii_strtod (trimmed, &end);
  if (end != NULL && *end == '\0' && end != trimmed)
    return days;
  return NAN;
}

char *
rs_xpath_days_to_date (double days)
{
  GDate date;
  double whole;

  if (isnan (days) || isinf (days))
    return g_strdup ("");
  whole = floor (days) + 719163.0;
  if (whole < 1 || whole > 3000000)
    return g_strdup ("");
  g_date_clear (&date, 1);
  g_date_set_julian (&date, (guint32) whole);
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date));
}

/* Number conversion with ODK's twist: date and dateTime strings become day counts; empty is
 * NaN. */
static double
string_to_number (const char *text)
{
  return rs_xpath_parse_days (text);
}

static double
object_to_number (xmlXPathObjectPtr obj)
{
  g_autofree char *text = NULL;
  xmlChar *s;

  if (obj == NULL)
    return NAN;
  if (obj->type == XPATH_NUMBER)
    return obj->floatval;
  if (obj->type == XPATH_BOOLEAN)
    return obj->boolval ? 1 : 0;
  s = xmlXPathCastToString (obj);
  text = g_strdup ((const char *) s);
  xmlFree (s);
  return string_to_number (text);
}

static char *
object_to_string (xmlXPathObjectPtr obj)
{
  xmlChar *s;
  char *result;

  if (obj == NULL)
    return g_strdup ("");
  s = xmlXPathCastToString (obj);
  result = g_strdup ((const char *) s);
  xmlFree (s);
  return result;
}

static char *
number_to_string (double value)
{
  xmlChar *s;
  char *result;

  if (isnan (value) || isinf (value))
    return g_strdup ("");
  s = xmlXPathCastNumberToString (value);
  result = g_strdup ((const char *) s);
  xmlFree (s);
  return result;
}

char *
rs_xpath_object_to_value (xmlXPathObjectPtr obj)
{
  if (obj == NULL)
    return g_strdup ("");
  switch (obj->type)
    {
    case XPATH_NUMBER:
      return number_to_string (obj->floatval);
    case XPATH_BOOLEAN:
      return g_strdup (obj->boolval ? "true" : "false");
    default:
      return object_to_string (obj);
    }
}

/* Pops the arguments (last one on top) into an array in call order. */
static xmlXPathObjectPtr *
pop_args (xmlXPathParserContextPtr ctxt,
          int                      nargs)
{
  xmlXPathObjectPtr *args = g_new0 (xmlXPathObjectPtr, nargs + 1);

  for (int i = nargs - 1; i >= 0; i--)
    args[i] = valuePop (ctxt);
  return args;
}

static void
free_args (xmlXPathObjectPtr *args,
           int                nargs)
{
  for (int i = 0; i < nargs; i++)
    xmlXPathFreeObject (args[i]);
  g_free (args);
}

static void
return_string (xmlXPathParserContextPtr  ctxt,
               const char               *value)
{
  valuePush (ctxt, xmlXPathNewString ((const xmlChar *) value));
}

#define ARITY_RANGE(min, max)                                                   \
  G_STMT_START {                                                                \
    if (nargs < (min) || nargs > (max))                                         \
      {                                                                         \
        xmlXPathErr (ctxt, XPATH_INVALID_ARITY);                                \
        return;                                                                 \
      }                                                                         \
    if (ctxt->valueNr < ctxt->valueFrame + nargs)                               \
      {                                                                         \
        xmlXPathErr (ctxt, XPATH_STACK_ERROR);                                  \
        return;                                                                 \
      }                                                                         \
  } G_STMT_END

/* ---- logic and choices ---------------------------------------------------------------------- */

static void
fn_if (xmlXPathParserContextPtr ctxt,
       int                      nargs)
{
  xmlXPathObjectPtr *args;
  gboolean condition;

  ARITY_RANGE (3, 3);
  args = pop_args (ctxt, nargs);
  condition = xmlXPathCastToBoolean (args[0]);
  valuePush (ctxt, condition ? args[1] : args[2]);
  if (condition)
    args[1] = NULL;
  else
    args[2] = NULL;
  free_args (args, nargs);
}

static char **
split_choices (const char *list)
{
  g_auto(GStrv) parts = g_strsplit_set (list != NULL ? list : "", " \t\n\r", -1);
  GPtrArray *result = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] != '\0')
        g_ptr_array_add (result, g_strdup (parts[i]));
    }
  g_ptr_array_add (result, NULL);
  return (char **) g_ptr_array_free (result, FALSE);
}

/* Whether @value is one of the choices of @list, as split_choices() splits it, without
 * splitting: selected() runs in many relevance conditions. */
static gboolean
choices_contain (const char *list,
                 const char *value)
{
  static const char separators[] = " \t\n\r";
  size_t length = strlen (value);

  while (length > 0 && *list != '\0')
    {
      size_t token;

      list += strspn (list, separators);
      token = strcspn (list, separators);
      if (token == length && memcmp (list, value, length) == 0)
        return TRUE;
      list += token;
    }
  return FALSE;
}

static void
fn_selected (xmlXPathParserContextPtr ctxt,
             int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *list = NULL;
  g_autofree char *value = NULL;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  list = object_to_string (args[0]);
  value = g_strstrip (object_to_string (args[1]));
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewBoolean (choices_contain (list, value)));
}

static void
fn_selected_at (xmlXPathParserContextPtr ctxt,
                int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *list = NULL;
  g_auto(GStrv) choices = NULL;
  double index;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  list = object_to_string (args[0]);
  index = object_to_number (args[1]);
  free_args (args, nargs);
  choices = split_choices (list);
  if (isnan (index) || index < 0 || index >= g_strv_length (choices))
    return_string (ctxt, "");
  else
    return_string (ctxt, choices[(guint) index]);
}

static void
fn_count_selected (xmlXPathParserContextPtr ctxt,
                   int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *list = NULL;
  g_auto(GStrv) choices = NULL;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  list = object_to_string (args[0]);
  free_args (args, nargs);
  choices = split_choices (list);
  valuePush (ctxt, xmlXPathNewFloat (g_strv_length (choices)));
}

static void
fn_choice_name (xmlXPathParserContextPtr ctxt,
                int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);
  xmlXPathObjectPtr *args;
  g_autofree char *value = NULL;
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;
  GString *template_path;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  value = g_strstrip (object_to_string (args[0]));
  path = g_strstrip (object_to_string (args[1]));
  free_args (args, nargs);

  /* The question is named by its path; indexes inside it select an instance, not a question. */
  template_path = g_string_new (NULL);
  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '[')
        {
          const char *close = strchr (p, ']');
          if (close == NULL)
            break;
          p = close;
          continue;
        }
      g_string_append_c (template_path, *p);
    }
  if (env != NULL && env->choice_label != NULL && *value != '\0')
    label = env->choice_label (template_path->str, value, env->choice_label_data);
  g_string_free (template_path, TRUE);
  return_string (ctxt, label != NULL ? label : "");
}

static void
fn_boolean_from_string (xmlXPathParserContextPtr ctxt,
                        int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *text = NULL;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  text = g_strstrip (object_to_string (args[0]));
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewBoolean (g_str_equal (text, "true") || g_str_equal (text, "1")));
}

/* ---- strings -------------------------------------------------------------------------------- */

static void
append_object_text (GString           *out,
                    xmlXPathObjectPtr  obj,
                    const char        *separator,
                    gboolean          *first)
{
  if (obj->type == XPATH_NODESET || obj->type == XPATH_XSLT_TREE)
    {
      xmlNodeSetPtr set = obj->nodesetval;

      for (int i = 0; set != NULL && i < set->nodeNr; i++)
        {
          xmlChar *s = xmlXPathCastNodeToString (set->nodeTab[i]);

          if (!*first && separator != NULL)
            g_string_append (out, separator);
          g_string_append (out, (const char *) s);
          *first = FALSE;
          xmlFree (s);
        }
    }
  else
    {
      g_autofree char *s = rs_xpath_object_to_value (obj);

      if (!*first && separator != NULL)
        g_string_append (out, separator);
      g_string_append (out, s);
      *first = FALSE;
    }
}

static void
fn_concat (xmlXPathParserContextPtr ctxt,
           int                      nargs)
{
  xmlXPathObjectPtr *args;
  GString *out;
  gboolean first = TRUE;

  ARITY_RANGE (0, INT_MAX);
  args = pop_args (ctxt, nargs);
  out = g_string_new (NULL);
  for (int i = 0; i < nargs; i++)
    append_object_text (out, args[i], NULL, &first);
  free_args (args, nargs);
  return_string (ctxt, out->str);
  g_string_free (out, TRUE);
}

static void
fn_join (xmlXPathParserContextPtr ctxt,
         int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *separator = NULL;
  GString *out;
  gboolean first = TRUE;

  ARITY_RANGE (1, INT_MAX);
  args = pop_args (ctxt, nargs);
  separator = object_to_string (args[0]);
  out = g_string_new (NULL);
  for (int i = 1; i < nargs; i++)
    append_object_text (out, args[i], separator, &first);
  free_args (args, nargs);
  return_string (ctxt, out->str);
  g_string_free (out, TRUE);
}

static void
fn_coalesce (xmlXPathParserContextPtr ctxt,
             int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  a = rs_xpath_object_to_value (args[0]);
  b = rs_xpath_object_to_value (args[1]);
  free_args (args, nargs);
  return_string (ctxt, *a != '\0' ? a : b);
}

static void
fn_substr (xmlXPathParserContextPtr ctxt,
           int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *text = NULL;
  g_autofree char *result = NULL;
  double start, end;
  glong length;

  ARITY_RANGE (2, 3);
  args = pop_args (ctxt, nargs);
  text = object_to_string (args[0]);
  start = object_to_number (args[1]);
  end = nargs == 3 ? object_to_number (args[2]) : G_MAXDOUBLE;
  free_args (args, nargs);

  if (!g_utf8_validate (text, -1, NULL))
    {
      return_string (ctxt, "");
      return;
    }
  length = g_utf8_strlen (text, -1);
  if (isnan (start))
    start = 0;
  if (isnan (end))
    end = length;
  start = CLAMP (start, 0, length);
  end = CLAMP (end, start, length);
  result = g_utf8_substring (text, (glong) start, (glong) end);
  return_string (ctxt, result);
}

static void
fn_ends_with (xmlXPathParserContextPtr ctxt,
              int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *text = NULL;
  g_autofree char *suffix = NULL;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  text = object_to_string (args[0]);
  suffix = object_to_string (args[1]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewBoolean (g_str_has_suffix (text, suffix)));
}

static void
fn_regex (xmlXPathParserContextPtr ctxt,
          int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);
  xmlXPathObjectPtr *args;
  g_autofree char *text = NULL;
  g_autofree char *pattern = NULL;
  GRegex *regex;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  text = object_to_string (args[0]);
  pattern = object_to_string (args[1]);
  free_args (args, nargs);

  regex = env != NULL ? g_hash_table_lookup (env->regexes, pattern) : NULL;
  if (regex == NULL)
    {
      g_autoptr(GError) error = NULL;

      regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &error);
      if (regex == NULL)
        {
          /* A broken pattern matches nothing: the constraint fails, which the form author sees. */
          valuePush (ctxt, xmlXPathNewBoolean (FALSE));
          return;
        }
      if (env != NULL)
        g_hash_table_insert (env->regexes, g_strdup (pattern), regex);
    }
  valuePush (ctxt, xmlXPathNewBoolean (g_utf8_validate (text, -1, NULL)
                                       && g_regex_match (regex, text, 0, NULL)));
  if (env == NULL)
    g_regex_unref (regex);
}

/* ---- dates ---------------------------------------------------------------------------------- */

static void
fn_today (xmlXPathParserContextPtr ctxt,
          int                      nargs)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *text = NULL;

  ARITY_RANGE (0, 0);
  now = rs_xpath_env_get_now (get_env (ctxt));
  text = g_date_time_format (now, "%Y-%m-%d");
  return_string (ctxt, text);
}

static char *
format_iso_date_time (GDateTime *time)
{
  g_autofree char *base = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *zone = g_date_time_format (time, "%z");

  /* ODK writes milliseconds and a zone with a colon: 2024-05-01T08:30:00.000+07:00 */
  return g_strdup_printf ("%s.%03d%.3s:%s", base, g_date_time_get_microsecond (time) / 1000,
                          zone, zone + 3);
}

static void
fn_now (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *text = NULL;

  ARITY_RANGE (0, 0);
  now = rs_xpath_env_get_now (get_env (ctxt));
  text = format_iso_date_time (now);
  return_string (ctxt, text);
}

static void
fn_date (xmlXPathParserContextPtr ctxt,
         int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autofree char *text = NULL;
  double days;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  if (args[0]->type == XPATH_NUMBER)
    days = args[0]->floatval;
  else
    {
      g_autofree char *s = g_strstrip (object_to_string (args[0]));
      double ignored;

      /* A dateTime keeps its local calendar day: only the date part counts. */
      if (strlen (s) >= 10 && s[10] != '\0' && parse_date_time (s, &ignored))
        s[10] = '\0';
      days = string_to_number (s);
    }
  free_args (args, nargs);
  text = rs_xpath_days_to_date (days);
  return_string (ctxt, text);
}

static void
fn_decimal_date_time (xmlXPathParserContextPtr ctxt,
                      int                      nargs)
{
  xmlXPathObjectPtr *args;
  double days;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  days = object_to_number (args[0]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (days));
}

static GDateTime *
object_to_date_time (xmlXPathObjectPtr obj)
{
  g_autofree char *text = NULL;
  double days;

  if (obj->type == XPATH_NUMBER)
    days = obj->floatval;
  else
    {
      text = g_strstrip (object_to_string (obj));
      /* A plain date is a calendar day, whatever the time zone. */
      if (strlen (text) == 10)
        {
          days = string_to_number (text);
          if (isnan (days))
            return NULL;
          return g_date_time_new_from_unix_utc ((gint64) (floor (days) * 86400.0));
        }
      days = string_to_number (text);
    }
  if (isnan (days) || isinf (days) || fabs (days) > 3e6)
    return NULL;
  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc ((gint64) floor (days * 86400.0));
    return utc != NULL ? g_date_time_to_local (utc) : NULL;
  }
}

static const char *const short_months[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const short_days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static void
fn_format_date (xmlXPathParserContextPtr ctxt,
                int                      nargs)
{
  xmlXPathObjectPtr *args;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *format = NULL;
  GString *out;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  time = object_to_date_time (args[0]);
  format = object_to_string (args[1]);
  free_args (args, nargs);
  if (time == NULL)
    {
      return_string (ctxt, "");
      return;
    }
  out = g_string_new (NULL);
  for (const char *p = format; *p != '\0'; p++)
    {
      if (*p != '%' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 'Y':
          g_string_append_printf (out, "%04d", g_date_time_get_year (time));
          break;
        case 'y':
          g_string_append_printf (out, "%02d", g_date_time_get_year (time) % 100);
          break;
        case 'm':
          g_string_append_printf (out, "%02d", g_date_time_get_month (time));
          break;
        case 'n':
          g_string_append_printf (out, "%d", g_date_time_get_month (time));
          break;
        case 'b':
          g_string_append (out, short_months[g_date_time_get_month (time) - 1]);
          break;
        case 'd':
          g_string_append_printf (out, "%02d", g_date_time_get_day_of_month (time));
          break;
        case 'e':
          g_string_append_printf (out, "%d", g_date_time_get_day_of_month (time));
          break;
        case 'H':
          g_string_append_printf (out, "%02d", g_date_time_get_hour (time));
          break;
        case 'h':
          g_string_append_printf (out, "%d", g_date_time_get_hour (time));
          break;
        case 'M':
          g_string_append_printf (out, "%02d", g_date_time_get_minute (time));
          break;
        case 'S':
          g_string_append_printf (out, "%02d", g_date_time_get_second (time));
          break;
        case '3':
          g_string_append_printf (out, "%03d", g_date_time_get_microsecond (time) / 1000);
          break;
        case 'a':
          g_string_append (out, short_days[g_date_time_get_day_of_week (time) - 1]);
          break;
        default:
          g_string_append_c (out, *p);
          break;
        }
    }
  return_string (ctxt, out->str);
  g_string_free (out, TRUE);
}

/* ---- numbers -------------------------------------------------------------------------------- */

static void
fn_number (xmlXPathParserContextPtr ctxt,
           int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value;

  ARITY_RANGE (0, 1);
  if (nargs == 0)
    {
      xmlChar *s = xmlXPathCastNodeToString (ctxt->context->node);

      value = string_to_number ((const char *) s);
      xmlFree (s);
      valuePush (ctxt, xmlXPathNewFloat (value));
      return;
    }
  args = pop_args (ctxt, nargs);
  value = object_to_number (args[0]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (value));
}

static void
fn_int (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  value = object_to_number (args[0]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (isnan (value) || isinf (value) ? value : trunc (value)));
}

static void
fn_round (xmlXPathParserContextPtr ctxt,
          int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value, digits = 0, scale;

  ARITY_RANGE (1, 2);
  args = pop_args (ctxt, nargs);
  value = object_to_number (args[0]);
  if (nargs == 2)
    digits = object_to_number (args[1]);
  free_args (args, nargs);
  if (isnan (value) || isinf (value) || isnan (digits))
    {
      valuePush (ctxt, xmlXPathNewFloat (isnan (digits) ? NAN : value));
      return;
    }
  /* ODK rounds half away from zero (Java's HALF_UP), not XPath's half towards +∞. */
  digits = CLAMP (trunc (digits), -15, 15);
  scale = pow (10, digits);
  valuePush (ctxt, xmlXPathNewFloat (round (value * scale) / scale));
}

static double
nodeset_fold (xmlXPathObjectPtr *args,
              int                nargs,
              gboolean           want_max)
{
  double result = NAN;
  gboolean any = FALSE;

  for (int a = 0; a < nargs; a++)
    {
      xmlXPathObjectPtr obj = args[a];

      if (obj->type == XPATH_NODESET || obj->type == XPATH_XSLT_TREE)
        {
          for (int i = 0; obj->nodesetval != NULL && i < obj->nodesetval->nodeNr; i++)
            {
              xmlChar *s = xmlXPathCastNodeToString (obj->nodesetval->nodeTab[i]);
              double v = string_to_number ((const char *) s);

              xmlFree (s);
              if (isnan (v))
                return NAN;
              if (!any || (want_max ? v > result : v < result))
                result = v;
              any = TRUE;
            }
        }
      else
        {
          double v = object_to_number (obj);

          if (isnan (v))
            return NAN;
          if (!any || (want_max ? v > result : v < result))
            result = v;
          any = TRUE;
        }
    }
  return result;
}

static void
fn_max (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value;

  ARITY_RANGE (1, INT_MAX);
  args = pop_args (ctxt, nargs);
  value = nodeset_fold (args, nargs, TRUE);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (value));
}

static void
fn_min (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value;

  ARITY_RANGE (1, INT_MAX);
  args = pop_args (ctxt, nargs);
  value = nodeset_fold (args, nargs, FALSE);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (value));
}

static void
fn_sum (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double total = 0;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  if (args[0]->type != XPATH_NODESET && args[0]->type != XPATH_XSLT_TREE)
    {
      free_args (args, nargs);
      xmlXPathErr (ctxt, XPATH_INVALID_TYPE);
      return;
    }
  for (int i = 0; args[0]->nodesetval != NULL && i < args[0]->nodesetval->nodeNr; i++)
    {
      xmlChar *s = xmlXPathCastNodeToString (args[0]->nodesetval->nodeTab[i]);

      total += string_to_number ((const char *) s);
      xmlFree (s);
    }
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (total));
}

static void
fn_pow (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double base, exponent;

  ARITY_RANGE (2, 2);
  args = pop_args (ctxt, nargs);
  base = object_to_number (args[0]);
  exponent = object_to_number (args[1]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (pow (base, exponent)));
}

static void
fn_abs (xmlXPathParserContextPtr ctxt,
        int                      nargs)
{
  xmlXPathObjectPtr *args;
  double value;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  value = object_to_number (args[0]);
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (fabs (value)));
}

static void
fn_random (xmlXPathParserContextPtr ctxt,
           int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);

  ARITY_RANGE (0, 0);
  valuePush (ctxt, xmlXPathNewFloat (env != NULL ? g_rand_double (env_rand (env))
                                                 : g_random_double ()));
}

static void
fn_uuid (xmlXPathParserContextPtr ctxt,
         int                      nargs)
{
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  RsXPathEnv *env = get_env (ctxt);
  xmlXPathObjectPtr *args;
  double length;
  GString *out;

  ARITY_RANGE (0, 1);
  if (nargs == 0)
    {
      g_autofree char *uuid = g_uuid_string_random ();

      return_string (ctxt, uuid);
      return;
    }
  args = pop_args (ctxt, nargs);
  length = object_to_number (args[0]);
  free_args (args, nargs);
  if (isnan (length) || length < 0)
    length = 0;
  length = MIN (length, 4096);
  out = g_string_new (NULL);
  for (int i = 0; i < (int) length; i++)
    {
      gint32 pick = env != NULL ? g_rand_int_range (env_rand (env), 0, sizeof alphabet - 1)
                                : g_random_int_range (0, sizeof alphabet - 1);
      g_string_append_c (out, alphabet[pick]);
    }
  return_string (ctxt, out->str);
  g_string_free (out, TRUE);
}

static void
fn_once (xmlXPathParserContextPtr ctxt,
         int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);
  xmlXPathObjectPtr *args;
  xmlChar *existing = NULL;
  g_autofree char *value = NULL;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  if (env != NULL && env->current != NULL)
    existing = xmlNodeGetContent (env->current);
  if (existing != NULL && *existing != '\0')
    value = g_strdup ((const char *) existing);
  else
    value = rs_xpath_object_to_value (args[0]);
  xmlFree (existing);
  free_args (args, nargs);
  return_string (ctxt, value);
}

/* ---- nodes ---------------------------------------------------------------------------------- */

static void
fn_position (xmlXPathParserContextPtr ctxt,
             int                      nargs)
{
  xmlXPathObjectPtr *args;
  xmlNodePtr node;
  int position = 1;

  ARITY_RANGE (0, 1);
  if (nargs == 0)
    {
      valuePush (ctxt, xmlXPathNewFloat (ctxt->context->proximityPosition));
      return;
    }
  args = pop_args (ctxt, nargs);
  if (args[0]->type != XPATH_NODESET || args[0]->nodesetval == NULL
      || args[0]->nodesetval->nodeNr == 0)
    {
      free_args (args, nargs);
      valuePush (ctxt, xmlXPathNewFloat (NAN));
      return;
    }
  /* ODK: the 1-based index of the node among its same-named siblings (the repeat index). */
  node = args[0]->nodesetval->nodeTab[0];
  for (xmlNodePtr sibling = node->prev; sibling != NULL; sibling = sibling->prev)
    {
      if (sibling->type == XML_ELEMENT_NODE && xmlStrEqual (sibling->name, node->name))
        position++;
    }
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathNewFloat (position));
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

/* indexed-repeat(value, repeat1, index1[, repeat2, index2…]): the value inside the chosen
 * instances of (nested) repeats. */
static void
fn_indexed_repeat (xmlXPathParserContextPtr ctxt,
                   int                      nargs)
{
  xmlXPathObjectPtr *args;
  xmlNodeSetPtr result;

  ARITY_RANGE (3, 7);
  if (nargs % 2 == 0)
    {
      xmlXPathErr (ctxt, XPATH_INVALID_ARITY);
      return;
    }
  args = pop_args (ctxt, nargs);
  if (args[0]->type != XPATH_NODESET)
    {
      free_args (args, nargs);
      xmlXPathErr (ctxt, XPATH_INVALID_TYPE);
      return;
    }
  result = xmlXPathNodeSetCreate (NULL);
  for (int i = 0; args[0]->nodesetval != NULL && i < args[0]->nodesetval->nodeNr; i++)
    {
      xmlNodePtr candidate = args[0]->nodesetval->nodeTab[i];
      gboolean keep = TRUE;

      for (int a = 1; keep && a + 1 < nargs; a += 2)
        {
          xmlNodeSetPtr repeats = args[a]->type == XPATH_NODESET ? args[a]->nodesetval : NULL;
          double index = object_to_number (args[a + 1]);

          if (repeats == NULL || isnan (index) || index < 1 || index > repeats->nodeNr)
            keep = FALSE;
          else
            keep = node_is_under (candidate, repeats->nodeTab[(int) index - 1]);
        }
      if (keep)
        xmlXPathNodeSetAdd (result, candidate);
    }
  free_args (args, nargs);
  valuePush (ctxt, xmlXPathWrapNodeSet (result));
}

static void
fn_instance (xmlXPathParserContextPtr ctxt,
             int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);
  xmlXPathObjectPtr *args;
  g_autofree char *id = NULL;
  xmlNodePtr container = NULL;

  ARITY_RANGE (1, 1);
  args = pop_args (ctxt, nargs);
  id = g_strstrip (object_to_string (args[0]));
  free_args (args, nargs);
  if (env != NULL)
    container = g_hash_table_lookup (env->instances, id);
  valuePush (ctxt, xmlXPathNewNodeSet (container));
}

static void
fn_current (xmlXPathParserContextPtr ctxt,
            int                      nargs)
{
  RsXPathEnv *env = get_env (ctxt);

  ARITY_RANGE (0, 0);
  valuePush (ctxt, xmlXPathNewNodeSet (env != NULL && env->current != NULL ? env->current
                                                                           : ctxt->context->node));
}

/* ---- registration --------------------------------------------------------------------------- */

typedef struct
{
  const char        *name;
  gboolean           jr;  /* also (or only, for choice-name) in the jr: namespace */
  xmlXPathFunction   func;
} FunctionEntry;

static const FunctionEntry functions[] = {
  { "if", FALSE, fn_if },
  { "selected", FALSE, fn_selected },
  { "is-selected", FALSE, fn_selected },
  { "selected-at", FALSE, fn_selected_at },
  { "count-selected", FALSE, fn_count_selected },
  { "choice-name", TRUE, fn_choice_name },
  { "boolean-from-string", FALSE, fn_boolean_from_string },
  { "coalesce", FALSE, fn_coalesce },
  { "concat", FALSE, fn_concat },
  { "join", FALSE, fn_join },
  { "substr", FALSE, fn_substr },
  { "ends-with", FALSE, fn_ends_with },
  { "regex", FALSE, fn_regex },
  { "today", FALSE, fn_today },
  { "now", FALSE, fn_now },
  { "date", FALSE, fn_date },
  { "date-time", FALSE, fn_decimal_date_time },
  { "decimal-date-time", FALSE, fn_decimal_date_time },
  { "format-date", FALSE, fn_format_date },
  { "format-date-time", FALSE, fn_format_date },
  { "number", FALSE, fn_number },
  { "int", FALSE, fn_int },
  { "round", FALSE, fn_round },
  { "sum", FALSE, fn_sum },
  { "max", FALSE, fn_max },
  { "min", FALSE, fn_min },
  { "pow", FALSE, fn_pow },
  { "abs", FALSE, fn_abs },
  { "random", FALSE, fn_random },
  { "uuid", FALSE, fn_uuid },
  { "once", FALSE, fn_once },
  { "position", FALSE, fn_position },
  { "indexed-repeat", FALSE, fn_indexed_repeat },
  { "instance", FALSE, fn_instance },
  { "current", FALSE, fn_current },
};

/* libxml2's own functions that ODK uses unchanged. */
static const char *const libxml_functions[] = {
  "last", "count", "string", "string-length", "contains", "starts-with", "substring",
  "substring-before", "substring-after", "normalize-space", "translate", "not", "true", "false",
  "boolean", "floor", "ceiling", "local-name", "name", "namespace-uri", "lang", "id",
};

static xmlXPathFunction
lookup_function (void          *data,
                 const xmlChar *name,
                 const xmlChar *ns_uri)
{
  gboolean jr = ns_uri != NULL && xmlStrEqual (ns_uri, (const xmlChar *) RS_XPATH_JR_NS);

  if (ns_uri != NULL && !jr)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      if (xmlStrEqual (name, (const xmlChar *) functions[i].name))
        {
          /* choice-name exists only as jr:choice-name; the rest only unprefixed. */
          if (functions[i].jr == jr)
            return functions[i].func;
          return NULL;
        }
    }
  return NULL;
}

gboolean
rs_xpath_function_is_known (const char *name,
                            const char *ns_uri)
{
  if (lookup_function (NULL, (const xmlChar *) name, (const xmlChar *) ns_uri) != NULL)
    return TRUE;
  if (ns_uri != NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (libxml_functions); i++)
    {
      if (g_str_equal (name, libxml_functions[i]))
        return TRUE;
    }
  return FALSE;
}

static void
quiet_error (void        *user_data,
             xmlErrorPtr  error)
{
  /* Errors are read from ctx->lastError by the caller and reported as GErrors. */
}

void
rs_xpath_functions_register (xmlXPathContextPtr  ctx,
                             RsXPathEnv         *env)
{
  g_return_if_fail (ctx != NULL);

  xmlXPathRegisterFuncLookup (ctx, lookup_function, env);
  xmlXPathRegisterNs (ctx, (const xmlChar *) "jr", (const xmlChar *) RS_XPATH_JR_NS);
  xmlXPathRegisterNs (ctx, (const xmlChar *) "odk", (const xmlChar *) RS_XPATH_ODK_NS);
  xmlXPathRegisterNs (ctx, (const xmlChar *) "orx", (const xmlChar *) RS_XPATH_ORX_NS);
  ctx->error = quiet_error;
}

xmlXPathContextPtr
rs_xpath_context_new (xmlDocPtr   doc,
                      RsXPathEnv *env)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext (doc);

  if (ctx != NULL)
    {
      rs_xpath_functions_register (ctx, env);
      /* Reuse result objects between evaluations: fewer allocations per recompute. */
      xmlXPathContextSetCache (ctx, 1, -1, 0);
    }
  return ctx;
}

static void
set_error_from_context (xmlXPathContextPtr   ctx,
                        GError             **error,
                        int                  code,
                        const char          *expression)
{
  g_autofree char *detail = NULL;

  if (error == NULL)
    return;
  detail = g_strstrip (g_strdup (ctx->lastError.message != NULL ? ctx->lastError.message
                                                                 : "error"));
  if (expression != NULL)
    g_set_error (error, RS_XPATH_ERROR, code, _("The expression “%s” is not valid XPath (%s)."),
                 expression, detail);
  else
    g_set_error (error, RS_XPATH_ERROR, code, _("An expression could not be evaluated (%s)."),
                 detail);
}

xmlXPathCompExprPtr
rs_xpath_compile (xmlXPathContextPtr   ctx,
                  const char          *expression,
                  GError             **error)
{
  xmlXPathCompExprPtr comp;

  g_return_val_if_fail (ctx != NULL && expression != NULL, NULL);
  xmlResetError (&ctx->lastError);
  comp = xmlXPathCtxtCompile (ctx, (const xmlChar *) expression);
  if (comp == NULL)
    set_error_from_context (ctx, error, RS_XPATH_ERROR_SYNTAX, expression);
  return comp;
}

/* Sets the context for one evaluation at @node. */
static void
prepare_context (xmlXPathContextPtr ctx,
                 xmlNodePtr         node)
{
  RsXPathEnv *env = ctx->funcLookupData;

  /* Without a context node, relative paths start at the document. */
  ctx->node = node != NULL ? node : (xmlNodePtr) ctx->doc;
  ctx->contextSize = 1;
  ctx->proximityPosition = 1;
  if (env != NULL)
    env->current = node;
  xmlResetError (&ctx->lastError);
}

xmlXPathObjectPtr
rs_xpath_eval (xmlXPathContextPtr   ctx,
               xmlXPathCompExprPtr  comp,
               xmlNodePtr           node,
               GError             **error)
{
  xmlXPathObjectPtr result;

  g_return_val_if_fail (ctx != NULL && comp != NULL, NULL);
  prepare_context (ctx, node);
  result = xmlXPathCompiledEval (comp, ctx);
  if (result == NULL)
    set_error_from_context (ctx, error, RS_XPATH_ERROR_EVALUATION, NULL);
  return result;
}

char *
rs_xpath_eval_string (xmlXPathContextPtr   ctx,
                      xmlXPathCompExprPtr  comp,
                      xmlNodePtr           node,
                      GError             **error)
{
  xmlXPathObjectPtr result = rs_xpath_eval (ctx, comp, node, error);
  char *value = rs_xpath_object_to_value (result);

  xmlXPathFreeObject (result);
  return value;
}

double
rs_xpath_eval_number (xmlXPathContextPtr   ctx,
                      xmlXPathCompExprPtr  comp,
                      xmlNodePtr           node,
                      GError             **error)
{
  xmlXPathObjectPtr result = rs_xpath_eval (ctx, comp, node, error);
  double value = result != NULL ? object_to_number (result) : NAN;

  xmlXPathFreeObject (result);
  return value;
}

gboolean
rs_xpath_eval_boolean (xmlXPathContextPtr   ctx,
                       xmlXPathCompExprPtr  comp,
                       xmlNodePtr           node,
                       GError             **error)
{
  int value;

  g_return_val_if_fail (ctx != NULL && comp != NULL, FALSE);
  prepare_context (ctx, node);
  /* libxml2 makes no result object, and stops a path at its first node. */
  value = xmlXPathCompiledEvalToBoolean (comp, ctx);
  if (value < 0)
    {
      set_error_from_context (ctx, error, RS_XPATH_ERROR_EVALUATION, NULL);
      return FALSE;
    }
  return value != 0;
}
