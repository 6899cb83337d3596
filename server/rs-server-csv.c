/* rs-server-csv.c: reads the district's assignment table (CSV, RFC 4180) for the JSON API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rs-server-csv.h"

G_DEFINE_QUARK (rs-server-csv-error-quark, rs_server_csv_error)

/* Splits @text into rows of fields; quotes may hold commas, newlines and doubled quotes. */
static GPtrArray *
parse_rows (const char  *text,
            GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;
  gboolean quoted = FALSE;
  guint line = 1;

  if (g_str_has_prefix (p, "\xEF\xBB\xBF"))
    p += 3;
  for (;; p++)
    {
      char c = *p;

      if (quoted)
        {
          if (c == '\0')
            {
              g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_SYNTAX,
                           _("Line %u: a quoted field is not closed."), line);
              return NULL;
            }
          if (c == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p++;
            }
          else if (c == '"')
            quoted = FALSE;
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          continue;
        }
      if (c == '"' && field->len == 0)
        quoted = TRUE;
      else if (c == ',')
        {
          g_ptr_array_add (fields, g_strdup (g_strstrip (field->str)));
          g_string_truncate (field, 0);
        }
      else if (c == '\n' || c == '\0' || (c == '\r' && p[1] == '\n'))
        {
          if (c == '\r')
            p++;
          g_ptr_array_add (fields, g_strdup (g_strstrip (field->str)));
          g_string_truncate (field, 0);
          if (!(fields->len == 1 && *(char *) g_ptr_array_index (fields, 0) == '\0'))
            {
              g_ptr_array_add (fields, NULL);
              g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
              g_ptr_array_set_free_func (fields, g_free);
            }
          else
            g_ptr_array_set_size (fields, 0);
          line++;
          if (c == '\0')
            break;
        }
      else
        g_string_append_c (field, c);
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
rs_server_assignments_parse_csv (const char  *text,
                                 GError     **error)
{
  static const char *const columns[] = {
    "commune_code", "household_code", "village", "head_name", "previous_status", "source",
  };
  int index[G_N_ELEMENTS (columns)];
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) result = NULL;
  char **header;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_SYNTAX,
                   _("The file is not UTF-8 text; save it as CSV UTF-8."));
      return NULL;
    }
  rows = parse_rows (text, error);
  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_COLUMNS,
                   _("The file is empty; it needs a header line."));
      return NULL;
    }
  header = g_ptr_array_index (rows, 0);
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      index[c] = -1;
      for (guint h = 0; header[h] != NULL; h++)
        {
          if (g_ascii_strcasecmp (header[h], columns[c]) == 0)
            index[c] = (int) h;
        }
    }
  if (index[0] < 0 || index[1] < 0)
    {
      g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_COLUMNS,
                   _("The header line must name the columns commune_code and household_code "
                     "(and may add village, head_name, previous_status, source)."));
      return NULL;
    }

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_server_assignment_free);
  for (guint r = 1; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      guint n = g_strv_length (row);
      const char *values[G_N_ELEMENTS (columns)];
      RsServerAssignment assignment;

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        values[c] = index[c] >= 0 && (guint) index[c] < n ? row[index[c]] : NULL;
      if (values[0] == NULL || *values[0] == '\0' || values[1] == NULL || *values[1] == '\0')
        {
          g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_COLUMNS,
                       _("Row %u has no commune_code or household_code."), r + 1);
          return NULL;
        }
      if (values[5] != NULL && *values[5] != '\0' && !g_str_equal (values[5], "list")
          && !g_str_equal (values[5], "application"))
        {
          g_set_error (error, RS_SERVER_CSV_ERROR, RS_SERVER_CSV_ERROR_COLUMNS,
                       _("Row %u: source must be “list” or “application”."), r + 1);
          return NULL;
        }
      assignment = (RsServerAssignment) {
        values[0], values[1], values[2], values[3], values[4],
        values[5] != NULL && *values[5] != '\0' ? values[5] : "list",
      };
      g_ptr_array_add (result, rs_server_assignment_copy (&assignment));
    }
  return g_steal_pointer (&result);
}
