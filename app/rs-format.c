/* rs-format.c: what the app shows, as pure functions (money, dates, badges, live result, lists).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rs-format.h"
#include "rs-text.h"

/* Vietnamese groups thousands with '.' and writes decimals with ',': 1.500.000 đ, 45,5 m². */
#define GROUP_SEPARATOR '.'
#define DECIMAL_SEPARATOR ','

static char *
group_digits (const char *digits,
              gboolean    negative)
{
  size_t len = strlen (digits);
  GString *out = g_string_sized_new (len + len / 3 + 2);

  if (negative)
    g_string_append_c (out, '-');
  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, GROUP_SEPARATOR);
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/**
 * rs_format_number:
 * @value: a whole number
 *
 * Returns: (transfer full): @value with '.' between thousands, e.g. "1.500.000".
 */
char *
rs_format_number (gint64 value)
{
  /* Work on the unsigned magnitude so G_MININT64 has no overflow. */
  guint64 magnitude = value < 0 ? (guint64) (-(value + 1)) + 1 : (guint64) value;
  char digits[32];

  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, magnitude);
  return group_digits (digits, value < 0);
}

/**
 * rs_format_money:
 * @vnd: an amount in đồng
 *
 * Returns: (transfer full): e.g. "1.500.000 đ" (with a no-break space before the đ).
 */
char *
rs_format_money (gint64 vnd)
{
  g_autofree char *number = rs_format_number (vnd);

  return g_strconcat (number, "\u00a0đ", NULL);
}

/**
 * rs_format_decimal:
 * @value: a number
 * @max_fraction_digits: how many decimals at most (trailing zeros are dropped)
 *
 * Returns: (transfer full): e.g. "1.234,5" for 1234.5.
 */
char *
rs_format_decimal (double value,
                   guint  max_fraction_digits)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 32];
  g_autofree char *format = NULL;
  g_autofree char *whole = NULL;
  g_autofree char *grouped = NULL;
  const char *digits;
  const char *point;
  gboolean negative;
  size_t frac_len;
  GString *out;

  format = g_strdup_printf ("%%.%uf", MIN (max_fraction_digits, 6));
  g_ascii_formatd (buffer, sizeof buffer, format, value);
  negative = buffer[0] == '-';
  digits = buffer + (negative ? 1 : 0);
  point = strchr (digits, '.');
  whole = point != NULL ? g_strndup (digits, (gsize) (point - digits)) : g_strdup (digits);

  frac_len = point != NULL ? strlen (point + 1) : 0;
  while (frac_len > 0 && point[frac_len] == '0')
    frac_len--;
  if (negative && frac_len == 0 && strspn (whole, "0") == strlen (whole))
    negative = FALSE; /* "-0" is 0 */

  grouped = group_digits (whole, negative);
  out = g_string_new (grouped);
  if (frac_len > 0)
    {
      g_string_append_c (out, DECIMAL_SEPARATOR);
      g_string_append_len (out, point + 1, (gssize) frac_len);
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_group_space (gunichar c)
{
  return c == ' ' || c == 0x00a0 || c == 0x202f;
}

/**
 * rs_parse_number:
 * @text: what the enumerator typed, e.g. "1.500.000", "1500000", "- 20 000"
 * @out_value: (out): the number
 *
 * Thousands separators ('.' and spaces) are ignored; anything else that is not a digit makes the
 * text invalid.
 *
 * Returns: %TRUE if @text is a whole number that fits in 64 bits.
 */
gboolean
rs_parse_number (const char *text,
                 gint64     *out_value)
{
  gboolean negative = FALSE;
  gboolean any_digit = FALSE;
  guint64 magnitude = 0;

  g_return_val_if_fail (out_value != NULL, FALSE);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        {
          if (magnitude > (G_MAXUINT64 - (c - '0')) / 10)
            return FALSE;
          magnitude = magnitude * 10 + (c - '0');
          any_digit = TRUE;
        }
      else if ((c == '-' || c == 0x2212) && !any_digit && !negative)
        negative = TRUE;
      else if (c == GROUP_SEPARATOR || is_group_space (c))
        continue;
      else
        return FALSE;
    }

  if (!any_digit)
    return FALSE;
  if (negative ? magnitude > (guint64) G_MAXINT64 + 1 : magnitude > (guint64) G_MAXINT64)
    return FALSE;
  *out_value = negative ? (gint64) (-(magnitude - 1)) - 1 : (gint64) magnitude;
  return TRUE;
}

/* "1.500" groups thousands when every '.' is followed by exactly three digits. */
static gboolean
dots_group_thousands (const char *text)
{
  const char *dot = strchr (text, '.');

  if (dot == NULL)
    return FALSE;
  for (; dot != NULL; dot = strchr (dot + 1, '.'))
    {
      if (strspn (dot + 1, "0123456789") != 3)
        return FALSE;
    }
  return TRUE;
}

/**
 * rs_parse_decimal:
 * @text: e.g. "45,5", "45.5", "1.234,5", "1.500"
 * @out_value: (out): the number
 *
 * ',' is the decimal mark; '.' groups thousands when it is followed by groups of three digits
 * and no ',' is present, else it is taken as a decimal point (what a tablet keypad offers).
 *
 * Returns: %TRUE if @text is a number.
 */
gboolean
rs_parse_decimal (const char *text,
                  double     *out_value)
{
  g_autoptr(GString) plain = NULL;
  gboolean has_comma;
  gboolean dots_group;
  gboolean seen_point = FALSE;
  gboolean any_digit = FALSE;
  char *end = NULL;
  double value;

  g_return_val_if_fail (out_value != NULL, FALSE);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;

  has_comma = strchr (text, DECIMAL_SEPARATOR) != NULL;
  dots_group = has_comma || dots_group_thousands (text);
  plain = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        {
          g_string_append_c (plain, (char) c);
          any_digit = TRUE;
        }
      else if ((c == '-' || c == 0x2212) && plain->len == 0)
        g_string_append_c (plain, '-');
      else if (is_group_space (c) || (c == '.' && dots_group))
        continue;
      else if ((c == DECIMAL_SEPARATOR || c == '.') && !seen_point)
        {
          g_string_append_c (plain, '.');
          seen_point = TRUE;
        }
      else
        return FALSE;
    }

  if (!any_digit)
    return FALSE;
  value = g_ascii_strtod (plain->str, &end);
  if (end == NULL || *end != '\0' || !isfinite (value))
    return FALSE;
  *out_value = value;
  return TRUE;
}

/**
 * rs_format_grouped_input:
 * @text: what is in a money entry while typing, e.g. "15000"
 * @cursor: the cursor position in characters
 * @out_cursor: (out) (optional): where the cursor goes in the result
 *
 * Regroups the digits as the enumerator types so "1500000" reads "1.500.000" at once; the
 * cursor stays after the same digit. Characters that are not digits (or a leading minus) are
 * dropped.
 *
 * Returns: (transfer full): the regrouped text.
 */
char *
rs_format_grouped_input (const char *text,
                         int         cursor,
                         int        *out_cursor)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *grouped = NULL;
  gboolean negative = FALSE;
  int digits_before_cursor = 0;
  int position = 0;
  int new_cursor = 0;
  int seen = 0;

  if (text != NULL && g_utf8_validate (text, -1, NULL))
    {
      for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), position++)
        {
          gunichar c = g_utf8_get_char (p);

          if (c >= '0' && c <= '9')
            {
              /* Leading zeros carry no meaning in an amount; keep a lone "0". */
              if (!(digits->len == 1 && digits->str[0] == '0'))
                {
                  g_string_append_c (digits, (char) c);
                  if (position < cursor)
                    digits_before_cursor++;
                }
              else
                {
                  digits->str[0] = (char) c;
                }
            }
          else if ((c == '-' || c == 0x2212) && digits->len == 0)
            negative = TRUE;
        }
    }

  grouped = group_digits (digits->str, negative);
  if (negative)
    new_cursor = 1;
  for (const char *p = grouped + (negative ? 1 : 0); *p != '\0' && seen < digits_before_cursor; p++)
    {
      new_cursor++;
      if (*p != GROUP_SEPARATOR)
        seen++;
    }
  if (out_cursor != NULL)
    *out_cursor = new_cursor;
  return g_steal_pointer (&grouped);
}

/**
 * rs_parse_iso_date:
 * @iso_date: "YYYY-MM-DD" (a time part after it is ignored)
 *
 * Returns: %TRUE if @iso_date is a real calendar date.
 */
gboolean
rs_parse_iso_date (const char *iso_date,
                   int        *out_year,
                   int        *out_month,
                   int        *out_day)
{
  int year, month, day;

  if (iso_date == NULL || strlen (iso_date) < 10)
    return FALSE;
  for (int i = 0; i < 10; i++)
    {
      gboolean dash = i == 4 || i == 7;

      if (dash ? iso_date[i] != '-' : !g_ascii_isdigit (iso_date[i]))
        return FALSE;
    }
  if (iso_date[10] != '\0' && iso_date[10] != 'T' && iso_date[10] != ' ')
    return FALSE;

  year = (int) g_ascii_strtoll (iso_date, NULL, 10);
  month = (int) g_ascii_strtoll (iso_date + 5, NULL, 10);
  day = (int) g_ascii_strtoll (iso_date + 8, NULL, 10);
  if (!g_date_valid_dmy (day, month, year))
    return FALSE;
  if (out_year != NULL)
    *out_year = year;
  if (out_month != NULL)
    *out_month = month;
  if (out_day != NULL)
    *out_day = day;
  return TRUE;
}

/**
 * rs_format_iso_date:
 *
 * Returns: (transfer full) (nullable): "YYYY-MM-DD", or %NULL if the date does not exist.
 */
char *
rs_format_iso_date (int year,
                    int month,
                    int day)
{
  if (year < 1 || year > 9999 || !g_date_valid_dmy (day, month, year))
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", year, month, day);
}

/**
 * rs_days_in_month:
 *
 * Returns: the days in @month of @year (29 for February when @year is 0, i.e. not known yet).
 */
int
rs_days_in_month (int year,
                  int month)
{
  if (month < 1 || month > 12)
    return 31;
  if (year < 1 || year > 9999)
    return month == 2 ? 29 : g_date_get_days_in_month (month, 2001);
  return g_date_get_days_in_month (month, year);
}

/* A coordinate in the stored form: up to @digits decimals, trailing zeros dropped but one kept
 * ("16.8163", "12.0"), '.' as ODK writes it. */
static void
append_stored_number (GString *out,
                      double   value,
                      guint    digits)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];
  char *end;

  g_snprintf (format, sizeof format, "%%.%uf", digits);
  g_ascii_formatd (buffer, sizeof buffer, format, value);
  end = buffer + strlen (buffer) - 1;
  while (end > buffer && *end == '0' && end[-1] != '.')
    *end-- = '\0';
  if (g_str_equal (buffer, "-0.0"))
    memmove (buffer, buffer + 1, strlen (buffer));
  g_string_append (out, buffer);
}

/* A number as the form stores it: ASCII, '.' for decimals, nothing else around it. */
static gboolean
parse_stored_number (const char *text,
                     double     *out_value)
{
  char *end = NULL;
  double value;

  /* Plain decimals only: g_ascii_strtod() would also take "0x10", "nan" and "inf". */
  if (*text == '\0' || text[strspn (text, "+-.0123456789eE")] != '\0')
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return FALSE;
  *out_value = value;
  return TRUE;
}

/**
 * rs_geopoint_parse:
 * @value: an answer to a geopoint question, "lat lon [altitude [accuracy]]"
 * @out_point: (out): the point
 *
 * Returns: whether @value is a position on Earth (latitude -90..90, longitude -180..180, a
 *   negative accuracy refused).
 */
gboolean
rs_geopoint_parse (const char *value,
                   RsGeopoint *out_point)
{
  g_auto(GStrv) parts = NULL;
  double numbers[4] = { 0, 0, 0, 0 };
  guint n = 0;

  g_return_val_if_fail (out_point != NULL, FALSE);
  if (value == NULL)
    return FALSE;
  parts = g_strsplit_set (value, " \t\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      if (n == G_N_ELEMENTS (numbers) || !parse_stored_number (parts[i], &numbers[n]))
        return FALSE;
      n++;
    }
  if (n < 2 || fabs (numbers[0]) > 90 || fabs (numbers[1]) > 180 || numbers[3] < 0)
    return FALSE;
  out_point->latitude = numbers[0];
  out_point->longitude = numbers[1];
  out_point->altitude = numbers[2];
  out_point->accuracy = numbers[3];
  return TRUE;
}

/**
 * rs_geopoint_to_value:
 *
 * Returns: (transfer full): @point as ODK Collect stores it: "16.8163 107.1003 12.0 8.5"
 *   (7 decimals of a degree are about 1 cm; altitude and accuracy to 0.1 m).
 */
char *
rs_geopoint_to_value (const RsGeopoint *point)
{
  GString *out = g_string_new (NULL);

  append_stored_number (out, point->latitude, 7);
  g_string_append_c (out, ' ');
  append_stored_number (out, point->longitude, 7);
  g_string_append_c (out, ' ');
  append_stored_number (out, point->altitude, 1);
  g_string_append_c (out, ' ');
  append_stored_number (out, point->accuracy, 1);
  return g_string_free (out, FALSE);
}

/**
 * rs_format_accuracy:
 * @metres: the radius a position is within
 *
 * Returns: (transfer full): "±8 m", "±1.200 m" (whole metres, at least 1).
 */
char *
rs_format_accuracy (double metres)
{
  g_autofree char *number = rs_format_number (MAX ((gint64) llround (MIN (metres, 1e9)), 1));

  return g_strdup_printf ("±%s\u00a0m", number);
}

/**
 * rs_format_location_progress:
 * @have_fix: whether a position has come yet
 * @accuracy: the best fix's accuracy in metres (0: not known)
 *
 * Returns: (transfer full): what the enumerator reads while the tablet looks for its position:
 *   "Looking for the position…", then "Accuracy: ±12 m".
 */
char *
rs_format_location_progress (gboolean have_fix,
                             double   accuracy)
{
  g_autofree char *metres = NULL;

  if (!have_fix)
    return g_strdup (_("Looking for the position…"));
  if (accuracy <= 0)
    return g_strdup (_("Position found, accuracy not known"));
  metres = rs_format_accuracy (accuracy);
  /* TRANSLATORS: %s is a distance, "±12 m" */
  return g_strdup_printf (_("Accuracy: %s"), metres);
}

static char *
format_degrees (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char *point;

  /* 5 decimals of a degree are about 1 m: enough to find the house again. */
  g_ascii_formatd (buffer, sizeof buffer, "%.5f", fabs (value));
  point = strchr (buffer, '.');
  if (point != NULL)
    *point = DECIMAL_SEPARATOR;
  return g_strdup (buffer);
}

/**
 * rs_format_geopoint:
 *
 * Returns: (transfer full): @point for people: "16,81630° B, 107,10030° Đ · ±8 m" (the
 *   accuracy left out when it is not known).
 */
char *
rs_format_geopoint (const RsGeopoint *point)
{
  g_autofree char *lat_digits = format_degrees (point->latitude);
  g_autofree char *lon_digits = format_degrees (point->longitude);
  g_autofree char *latitude = NULL;
  g_autofree char *longitude = NULL;

  /* TRANSLATORS: a latitude north of the equator, "16,81630° N" */
  latitude = g_strdup_printf (point->latitude >= 0 ? _("%s° N")
                                                   /* TRANSLATORS: south of the equator */
                                                   : _("%s° S"), lat_digits);
  /* TRANSLATORS: a longitude east of Greenwich, "107,10030° E" */
  longitude = g_strdup_printf (point->longitude >= 0 ? _("%s° E")
                                                     /* TRANSLATORS: west of Greenwich */
                                                     : _("%s° W"), lon_digits);
  if (point->accuracy > 0)
    {
      g_autofree char *accuracy = rs_format_accuracy (point->accuracy);

      return g_strdup_printf ("%s, %s · %s", latitude, longitude, accuracy);
    }
  /* No accuracy: the position was typed (or placed on a map in ODK Collect), not measured. */
  /* TRANSLATORS: "16,81630° N, 107,10030° E · typed by hand": a position not measured by GPS */
  return g_strdup_printf (_("%s, %s · typed by hand"), latitude, longitude);
}

/* A number typed by hand: '.' or ',' for decimals, a leading minus (ASCII or U+2212). */
static gboolean
parse_typed_degrees (const char *text,
                     double     *out_value)
{
  g_autofree char *plain = g_strstrip (g_strdup (text));
  g_autoptr(GString) ascii = g_string_new (NULL);

  for (const char *p = plain; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x2212)
        g_string_append_c (ascii, '-');
      else if (c == ',')
        g_string_append_c (ascii, '.');
      else if (c == 0x00b0 && p[2] == '\0')
        break;   /* a trailing degree sign */
      else if (c < 0x80 && (g_ascii_isdigit ((char) c) || c == '.' || c == '-' || c == '+'))
        g_string_append_c (ascii, (char) c);
      else
        return FALSE;
    }
  return parse_stored_number (ascii->str, out_value);
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text != '\0'; text++)
    {
      if (!g_ascii_isspace (*text))
        return FALSE;
    }
  return TRUE;
}

/**
 * rs_check_geopoint_input:
 * @latitude: the latitude as typed ("16,8163" or "16.8163")
 * @longitude: the longitude as typed
 * @out_point: (out): the point (altitude and accuracy 0: not measured)
 *
 * Returns: (transfer none) (nullable): %NULL when both make a position, else what is wrong, in
 *   plain words.
 */
const char *
rs_check_geopoint_input (const char *latitude,
                         const char *longitude,
                         RsGeopoint *out_point)
{
  double lat, lon;

  g_return_val_if_fail (out_point != NULL, NULL);
  if (is_blank (latitude) || is_blank (longitude))
    return _("Enter both the latitude and the longitude.");
  if (!parse_typed_degrees (latitude, &lat))
    return _("The latitude must be a number of degrees, such as 16.8163.");
  if (!parse_typed_degrees (longitude, &lon))
    return _("The longitude must be a number of degrees, such as 107.1003.");
  if (fabs (lat) > 90)
    return _("The latitude must be between −90 and 90 (in Viet Nam about 8 to 24). Check that "
             "latitude and longitude are not swapped.");
  if (fabs (lon) > 180)
    return _("The longitude must be between −180 and 180 (in Viet Nam about 102 to 110).");
  out_point->latitude = lat;
  out_point->longitude = lon;
  out_point->altitude = 0;
  out_point->accuracy = 0;
  return NULL;
}

/**
 * rs_format_date_iso:
 * @iso_date: "YYYY-MM-DD"
 *
 * Returns: (transfer full) (nullable): "dd/mm/yyyy", or %NULL when @iso_date is not a date.
 */
char *
rs_format_date_iso (const char *iso_date)
{
  int year, month, day;

  if (!rs_parse_iso_date (iso_date, &year, &month, &day))
    return NULL;
  return g_strdup_printf ("%02d/%02d/%04d", day, month, year);
}

/**
 * rs_format_date:
 *
 * Returns: (transfer full): "dd/mm/yyyy" of @date_time in its own time zone.
 */
char *
rs_format_date (GDateTime *date_time)
{
  g_return_val_if_fail (date_time != NULL, NULL);
  return g_date_time_format (date_time, "%d/%m/%Y");
}

/**
 * rs_format_date_time:
 *
 * Returns: (transfer full): "HH:MM dd/mm/yyyy", how a time of day is written in Vietnam.
 */
char *
rs_format_date_time (GDateTime *date_time)
{
  g_return_val_if_fail (date_time != NULL, NULL);
  return g_date_time_format (date_time, "%H:%M %d/%m/%Y");
}

/* Indexed by RsClassification (rs-score.h). */
static const struct
{
  const char *label;
  const char *style_class;
} classifications[] = {
  [RS_CLASSIFICATION_UNKNOWN] = { N_("Not known yet"), "rs-badge-unknown" },
  [RS_CLASSIFICATION_SCREENED_OUT] = { N_("Screened out"), "rs-badge-screened-out" },
  [RS_CLASSIFICATION_POOR] = { N_("Poor household"), "rs-badge-poor" },
  [RS_CLASSIFICATION_NEAR_POOR] = { N_("Near-poor household"), "rs-badge-near-poor" },
  [RS_CLASSIFICATION_MIDDLE] = { N_("Middle-income household"), "rs-badge-middle" },
  [RS_CLASSIFICATION_NOT_POOR] = { N_("Not poor"), "rs-badge-not-poor" },
};

/**
 * rs_badge_label:
 *
 * Returns: (transfer none): the translated name of the class, e.g. "Hộ nghèo".
 */
const char *
rs_badge_label (RsClassification classification)
{
  if ((guint) classification >= G_N_ELEMENTS (classifications))
    classification = RS_CLASSIFICATION_UNKNOWN;
  return _(classifications[classification].label);
}

/**
 * rs_badge_text:
 * @provisional: %TRUE while the record is a draft (the class may still change)
 *
 * Returns: (transfer full): e.g. "Hộ nghèo (dự kiến)".
 */
char *
rs_badge_text (RsClassification classification,
                              gboolean         provisional)
{
  const char *label = rs_badge_label (classification);

  if (provisional && classification != RS_CLASSIFICATION_UNKNOWN)
    /* TRANSLATORS: a household class shown while the review is not finished */
    return g_strdup_printf (_("%s (provisional)"), label);
  return g_strdup (label);
}

/**
 * rs_badge_style_class:
 *
 * Returns: (transfer none): the CSS class that colours the badge, e.g. "rs-badge-poor".
 */
const char *
rs_badge_style_class (RsClassification classification)
{
  if ((guint) classification >= G_N_ELEMENTS (classifications))
    classification = RS_CLASSIFICATION_UNKNOWN;
  return classifications[classification].style_class;
}

static const struct
{
  const char *label;
  const char *style_class;
} display_states[] = {
  [RS_DISPLAY_STATE_ASSIGNED] = { N_("To visit"), "rs-state-assigned" },
  [RS_DISPLAY_STATE_DRAFT] = { N_("In progress"), "rs-state-draft" },
  [RS_DISPLAY_STATE_FINALIZED] = { N_("Finished, waiting to send"), "rs-state-finalized" },
  [RS_DISPLAY_STATE_SENT] = { N_("Sent"), "rs-state-sent" },
  [RS_DISPLAY_STATE_NEEDS_ATTENTION] = { N_("Needs attention"), "rs-state-attention" },
};

const char *
rs_display_state_label (RsDisplayState state)
{
  if ((guint) state >= G_N_ELEMENTS (display_states))
    state = RS_DISPLAY_STATE_DRAFT;
  return _(display_states[state].label);
}

const char *
rs_display_state_style_class (RsDisplayState state)
{
  if ((guint) state >= G_N_ELEMENTS (display_states))
    state = RS_DISPLAY_STATE_DRAFT;
  return display_states[state].style_class;
}

/**
 * rs_format_live_result:
 * @provisional: %TRUE while the review is a draft
 * @deprivation_count: deprived indicators, or -1 when not scored yet
 * @indicator_count: how many indicators the standard has (12)
 * @income_known: whether the income part can be shown
 * @income_per_capita: monthly income per person (VND)
 * @income_line: the line that decides the class for this household (VND)
 *
 * Returns: (transfer full): the one line of the live result bar,
 *   "Hộ nghèo (dự kiến) · 4/12 thiếu hụt · 1.250.000 đ/người/tháng ≤ 1.500.000 đ".
 */
char *
rs_format_live_result (RsClassification classification,
                       gboolean         provisional,
                       int              deprivation_count,
                       int              indicator_count,
                       gboolean         income_known,
                       gint64           income_per_capita,
                       gint64           income_line)
{
  g_autofree char *badge = rs_badge_text (classification, provisional);
  GString *out = g_string_new (badge);

  if (deprivation_count >= 0 && indicator_count > 0)
    {
      g_string_append (out, " · ");
      /* TRANSLATORS: deprived indicators out of all, e.g. "4/12 deprived" */
      g_string_append_printf (out, _("%d/%d deprived"), deprivation_count, indicator_count);
    }
  if (income_known)
    {
      g_autofree char *income = rs_format_money (income_per_capita);
      g_autofree char *line = rs_format_money (income_line);

      g_string_append (out, " · ");
      /* TRANSLATORS: monthly income per person compared with the poverty line,
       * e.g. "1.250.000 đ/person/month ≤ 1.500.000 đ" */
      g_string_append_printf (out, _("%s/person/month %s %s"), income,
                              income_per_capita <= income_line ? "≤" : ">", line);
    }
  return g_string_free (out, FALSE);
}

/**
 * rs_format_home_counts:
 *
 * Returns: (transfer full): the counts at the top of the home page,
 *   "12 hộ đã rà soát hôm nay · 3 chờ gửi".
 */
char *
rs_format_home_counts (guint reviewed_today,
                       guint waiting,
                       guint needing_attention)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u household reviewed today",
                                            "%u households reviewed today", reviewed_today),
                          reviewed_today);
  g_string_append (out, " · ");
  if (waiting == 0)
    g_string_append (out, _("nothing waiting to send"));
  else
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u waiting to send",
                                              "%u waiting to send", waiting),
                            waiting);
  if (needing_attention > 0)
    {
      g_string_append (out, " · ");
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u needs attention",
                                                "%u need attention", needing_attention),
                              needing_attention);
    }
  return g_string_free (out, FALSE);
}

/**
 * rs_format_member_details:
 * @age: completed years, or -1 when the birth date is not given yet
 * @relation_label: (nullable): the translated relation to the head, e.g. "Vợ/chồng"
 *
 * Returns: (transfer full): the second line of a member card, "45 tuổi · Chủ hộ".
 */
char *
rs_format_member_details (int         age,
                          const char *relation_label)
{
  GString *out = g_string_new (NULL);

  if (age >= 0)
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%d year old", "%d years old",
                                              age),
                            age);
  else
    g_string_append (out, _("age not given"));
  if (relation_label != NULL && *relation_label != '\0')
    {
      g_string_append (out, " · ");
      g_string_append (out, relation_label);
    }
  return g_string_free (out, FALSE);
}

RsHomeItem *
rs_home_item_new (const char       *id,
                  const char       *head_name,
                  const char       *village,
                  const char       *household_code,
                  RsDisplayState    state,
                  RsClassification  classification)
{
  RsHomeItem *item = g_new0 (RsHomeItem, 1);
  g_autofree char *key = NULL;

  item->id = g_strdup (id);
  item->head_name = g_strdup (head_name != NULL ? head_name : "");
  item->village = g_strdup (village != NULL ? village : "");
  item->household_code = g_strdup (household_code != NULL ? household_code : "");
  item->state = state;
  item->classification = classification;
  key = g_strjoin (" ", item->head_name, item->village, item->household_code, NULL);
  item->search_key = rs_text_fold (key);
  return item;
}

void
rs_home_item_free (RsHomeItem *item)
{
  if (item == NULL)
    return;
  g_free (item->id);
  g_free (item->head_name);
  g_free (item->village);
  g_free (item->household_code);
  g_free (item->search_key);
  g_free (item);
}

void
rs_village_group_free (RsVillageGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->village);
  g_ptr_array_unref (group->items);
  g_free (group);
}

/**
 * rs_home_item_matches:
 * @query: (nullable): what is typed in the search entry
 *
 * Returns: %TRUE if every word of @query starts a word of the head's name, the village or the
 *   household code, ignoring case and diacritics ("nguyen" finds "Nguyễn").
 */
gboolean
rs_home_item_matches (const RsHomeItem *item,
                      const char       *query)
{
  if (query == NULL || *query == '\0')
    return TRUE;
  return rs_text_fold_match (item->search_key, query);
}

/* What needs the enumerator first: refused records, then households begun, then those to
 * visit, then the finished ones. */
static int
state_rank (RsDisplayState state)
{
  switch (state)
    {
    case RS_DISPLAY_STATE_NEEDS_ATTENTION:
      return 0;
    case RS_DISPLAY_STATE_DRAFT:
      return 1;
    case RS_DISPLAY_STATE_ASSIGNED:
      return 2;
    case RS_DISPLAY_STATE_FINALIZED:
      return 3;
    case RS_DISPLAY_STATE_SENT:
    default:
      return 4;
    }
}

typedef struct
{
  RsHomeItem *item;
  char       *village_key;
  char       *name_key;
} SortEntry;

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SortEntry *x = a;
  const SortEntry *y = b;
  gboolean x_empty = *x->item->village == '\0';
  gboolean y_empty = *y->item->village == '\0';
  int cmp;

  /* Households with no village yet go last. */
  if (x_empty != y_empty)
    return x_empty ? 1 : -1;
  cmp = strcmp (x->village_key, y->village_key);
  if (cmp != 0)
    return cmp;
  cmp = state_rank (x->item->state) - state_rank (y->item->state);
  if (cmp != 0)
    return cmp;
  cmp = strcmp (x->name_key, y->name_key);
  if (cmp != 0)
    return cmp;
  return g_strcmp0 (x->item->id, y->item->id);
}

/**
 * rs_home_group:
 * @items: (element-type RsHomeItem): the households
 * @query: (nullable): the search text; only matching households are kept
 *
 * Groups the households by village (villages sorted as people read them, "Thôn 2" before
 * "Thôn 10", diacritics ignored; households with no village last), and sorts each village by
 * what needs doing first, then by the head's name.
 *
 * Returns: (transfer container) (element-type RsVillageGroup): the groups; their items are
 *   borrowed from @items.
 */
GPtrArray *
rs_home_group (GPtrArray  *items,
               const char *query)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (SortEntry));
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_village_group_free);
  RsVillageGroup *current = NULL;
  const char *current_key = NULL;

  for (guint i = 0; i < items->len; i++)
    {
      RsHomeItem *item = g_ptr_array_index (items, i);
      g_autofree char *village_folded = NULL;
      g_autofree char *name_folded = NULL;
      SortEntry entry;

      if (!rs_home_item_matches (item, query))
        continue;
      village_folded = rs_text_fold (item->village);
      name_folded = rs_text_fold (item->head_name);
      entry.item = item;
      entry.village_key = g_utf8_collate_key_for_filename (village_folded, -1);
      entry.name_key = g_utf8_collate_key_for_filename (name_folded, -1);
      g_array_append_val (entries, entry);
    }

  g_array_sort (entries, compare_entries);

  for (guint i = 0; i < entries->len; i++)
    {
      SortEntry *entry = &g_array_index (entries, SortEntry, i);

      if (current == NULL || strcmp (current_key, entry->village_key) != 0)
        {
          current = g_new0 (RsVillageGroup, 1);
          current->village = g_strdup (entry->item->village);
          current->items = g_ptr_array_new ();
          g_ptr_array_add (groups, current);
          current_key = entry->village_key;
        }
      g_ptr_array_add (current->items, entry->item);
    }

  for (guint i = 0; i < entries->len; i++)
    {
      SortEntry *entry = &g_array_index (entries, SortEntry, i);

      g_free (entry->village_key);
      g_free (entry->name_key);
    }
  return groups;
}

/**
 * rs_split_villages:
 * @text: (nullable): villages as typed, separated by commas, semicolons or new lines
 *
 * Returns: (transfer full): the villages, trimmed, without empty or repeated names (repeats
 *   compared without case or diacritics).
 */
char **
rs_split_villages (const char *text)
{
  g_auto(GStrv) parts = g_regex_split_simple ("[,;\\n]", text != NULL ? text : "", 0, 0);
  g_autoptr(GPtrArray) villages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *name = g_strstrip (parts[i]);
      char *folded;

      if (*name == '\0')
        continue;
      folded = rs_text_fold (name);
      if (!g_hash_table_add (seen, folded))
        continue;
      g_ptr_array_add (villages, g_strdup (name));
    }
  g_ptr_array_add (villages, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&villages), FALSE);
}

/**
 * rs_join_villages:
 *
 * Returns: (transfer full): "Thôn 1, Thôn 2", what rs_split_villages() reads back.
 */
char *
rs_join_villages (const char * const *villages)
{
  if (villages == NULL)
    return g_strdup ("");
  return g_strjoinv (", ", (char **) villages);
}

/**
 * rs_check_commune_code:
 *
 * Returns: (transfer none) (nullable): what is wrong with @code and what to do, or %NULL if it
 *   is a commune code (exactly 5 digits).
 */
const char *
rs_check_commune_code (const char *code)
{
  if (code == NULL || *code == '\0')
    return _("Enter the commune code: 5 digits, from the official list of administrative units.");
  if (strlen (code) != 5 || strspn (code, "0123456789") != 5)
    return _("The commune code has exactly 5 digits, for example 25450.");
  return NULL;
}

/**
 * rs_check_server_address:
 *
 * Returns: (transfer none) (nullable): what is wrong with @address, or %NULL if it is empty
 *   (work offline) or an http(s) address.
 */
const char *
rs_check_server_address (const char *address)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (address == NULL || *address == '\0')
    return NULL;
  uri = g_uri_parse (address, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL || g_uri_get_host (uri) == NULL
      || *g_uri_get_host (uri) == '\0'
      || (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    return _("The server address starts with https:// or http://, for example "
             "https://rasoat.example.gov.vn. Leave it empty to work offline.");
  return NULL;
}

static const struct
{
  const char *event;
  const char *label;
} sync_events[] = {
  { "success", N_("Sent") },
  { "retry", N_("Not sent, will try again") },
  { "park", N_("Refused by the server") },
  { "stop-reauth", N_("Stopped: the server did not accept the account") },
  { "stop-security", N_("Stopped: the server could not be trusted") },
  { "stop-config", N_("Stopped: the server address is wrong") },
  /* The store's own entries for the outbox rows. */
  { "sending", N_("Sending started") },
  { "sent", N_("Receipt from the server saved") },
  { "parked", N_("Set aside until fixed") },
  { "unparked", N_("To be sent again") },
};

/**
 * rs_format_sync_event:
 * @event: an event of the sync log ("success", "retry", "park", "stop-…")
 *
 * Returns: (transfer none): the event in words; @event itself when it is not known.
 */
const char *
rs_format_sync_event (const char *event)
{
  for (guint i = 0; i < G_N_ELEMENTS (sync_events); i++)
    {
      if (g_strcmp0 (event, sync_events[i].event) == 0)
        return _(sync_events[i].label);
    }
  return event != NULL ? event : "";
}

/**
 * rs_format_refusal_advice:
 * @http_status: the status of the server's refusal
 *
 * Returns: (transfer none): what the enumerator should do about a record the server refused.
 */
const char *
rs_format_refusal_advice (int http_status)
{
  switch (http_status)
    {
    case 401:
    case 403:
      return _("Check the user name and password in Preferences → Server, then send again.");
    case 409:
      return _("The district already has another version of this household. Call the district "
               "officer before sending again.");
    case 413:
      return _("The record is too large for the server. Call the district officer.");
    case 400:
    case 422:
      return _("Open the household, check the answers the message names, finish it again and "
               "send again. If the message is unclear, call the district officer.");
    default:
      return _("Read the server’s message. When the problem is fixed, tap “Send again”. If it is "
               "unclear, call the district officer.");
    }
}

/* ---- versions after edits --------------------------------------------------------------- */

static GHashTable *
index_by_instance_id (const RsVersionLink *links,
                      guint                n_links)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_links; i++)
    {
      if (links[i].instance_id != NULL && !g_hash_table_contains (index, links[i].instance_id))
        g_hash_table_insert (index, (gpointer) links[i].instance_id, GUINT_TO_POINTER (i + 1));
    }
  return index;
}

/* The position of the version @link replaces, or -1 when it replaces none in the list. */
static int
replaced_position (GHashTable          *index,
                   const RsVersionLink *link)
{
  gpointer found;

  if (link->deprecated_id == NULL || *link->deprecated_id == '\0')
    return -1;
  found = g_hash_table_lookup (index, link->deprecated_id);
  return found != NULL ? (int) GPOINTER_TO_UINT (found) - 1 : -1;
}

/**
 * rs_version_order:
 * @links: (array length=n_links): the rows of one list, in the order they are shown
 * @n_links: how many
 *
 * Keeps the order of @links but moves every replaced version just below the version that
 * replaced it, so that the versions of one household read together, newest first.
 *
 * Returns: (transfer full) (array length=n_links): the positions in @links, in the new order.
 */
guint *
rs_version_order (const RsVersionLink *links,
                  guint                n_links)
{
  g_autoptr(GHashTable) index = index_by_instance_id (links, n_links);
  g_autofree int *replaced_by = g_new (int, MAX (n_links, 1));
  g_autofree gboolean *placed = g_new0 (gboolean, MAX (n_links, 1));
  guint *order = g_new0 (guint, MAX (n_links, 1));
  guint n_placed = 0;

  for (guint i = 0; i < n_links; i++)
    replaced_by[i] = -1;
  for (guint i = 0; i < n_links; i++)
    {
      int older = replaced_position (index, &links[i]);

      if (older >= 0 && (guint) older != i && replaced_by[older] < 0)
        replaced_by[older] = (int) i;
    }

  /* Two passes: the newest version of each household with its older ones, then whatever a loop
   * of links left out, where it was. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_links; i++)
      {
        int current = (int) i;

        if (placed[i] || (pass == 0 && replaced_by[i] >= 0))
          continue;
        while (current >= 0 && !placed[current])
          {
            placed[current] = TRUE;
            order[n_placed++] = (guint) current;
            current = replaced_position (index, &links[current]);
          }
      }
  g_assert (n_placed == n_links);
  return order;
}

/**
 * rs_version_rows_to_show:
 * @rows: (array length=n_rows): a list's rows in the order shown (rs_version_order())
 * @n_rows: how many
 * @limit: how many rows are enough
 *
 * How many of @rows to show: @limit, and more when the rows after the last one are its older
 * versions, so that a household is never shown without the versions it replaced.
 *
 * Returns: the number of rows to show, at most @n_rows.
 */
guint
rs_version_rows_to_show (const RsVersionLink *rows,
                         guint                n_rows,
                         guint                limit)
{
  guint shown = MIN (n_rows, limit);

  while (shown > 0 && shown < n_rows && rows[shown - 1].deprecated_id != NULL
         && g_strcmp0 (rows[shown - 1].deprecated_id, rows[shown].instance_id) == 0)
    shown++;
  return shown;
}

/* The formats stay literal in each branch so that the compiler checks them. */
static void
append_replaced (GString        *line,
                 guint           newer_version,
                 RsDisplayState  newer_state)
{
  switch (newer_state)
    {
    case RS_DISPLAY_STATE_DRAFT:
    case RS_DISPLAY_STATE_ASSIGNED:
      /* TRANSLATORS: %u is the number of the newer version, e.g. 2 */
      g_string_append_printf (line, _("Being corrected as version %u (not finished)"),
                              newer_version);
      break;
    case RS_DISPLAY_STATE_FINALIZED:
      /* TRANSLATORS: %u is the number of the newer version, e.g. 2 */
      g_string_append_printf (line, _("Version %u waits to be sent; the district keeps this one "
                                      "until then"), newer_version);
      break;
    case RS_DISPLAY_STATE_NEEDS_ATTENTION:
      /* TRANSLATORS: %u is the number of the newer version, e.g. 2 */
      g_string_append_printf (line, _("Version %u was refused by the server; the district still "
                                      "has this one"), newer_version);
      break;
    case RS_DISPLAY_STATE_SENT:
    default:
      /* TRANSLATORS: %u is the number of the newer version, e.g. 2 */
      g_string_append_printf (line, _("Replaced by version %u"), newer_version);
      break;
    }
}

/**
 * rs_format_version_line:
 * @version: this record's version (from the store); 0 is taken as 1
 * @edited_at: (nullable): when this version was made from the previous one
 * @newer_version: the version that replaced this one, or 0 when this is the newest
 * @newer_state: where that newer version stands
 *
 * The line a list row shows so that two versions of one household never look like the same
 * household sent twice: "Version 2 – edited on 24/11" for an edit, "Version 1 · Replaced by
 * version 2" for what it replaced.
 *
 * Returns: (transfer full) (nullable): the line, or %NULL for a household never edited.
 */
char *
rs_format_version_line (guint           version,
                        GDateTime      *edited_at,
                        guint           newer_version,
                        RsDisplayState  newer_state)
{
  g_autoptr(GString) line = NULL;

  version = MAX (version, 1);
  if (version == 1 && newer_version == 0)
    return NULL;

  line = g_string_new (NULL);
  if (version > 1 && edited_at != NULL)
    {
      g_autofree char *day = g_date_time_format (edited_at, "%d/%m");

      /* TRANSLATORS: a corrected household record; %u is its version number, %s the day and
       * month it was corrected, e.g. "Version 2 – edited on 24/11" */
      g_string_append_printf (line, _("Version %u – edited on %s"), version, day);
    }
  else
    {
      /* TRANSLATORS: the version number of a household record, e.g. "Version 1" */
      g_string_append_printf (line, _("Version %u"), version);
    }
  if (newer_version > 0)
    {
      g_string_append (line, " · ");
      append_replaced (line, newer_version, newer_state);
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/**
 * rs_format_version_tag:
 * @version: this record's version; 0 is taken as 1
 * @newer_version: the version that replaced this one, or 0 when this is the newest
 *
 * The word on the small tag of a row, to tell at a glance which of two rows of one household
 * is the one that counts.
 *
 * Returns: (transfer none) (nullable): "Old version", "New version", or %NULL for a household
 *   never edited.
 */
const char *
rs_format_version_tag (guint version,
                       guint newer_version)
{
  if (newer_version > 0)
    return _("Old version");
  if (version > 1)
    return _("New version");
  return NULL;
}
