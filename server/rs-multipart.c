/* rs-multipart.c: bounded multipart/form-data parser for OpenRosa submissions (RFC 7578).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rs-multipart.h"

G_DEFINE_QUARK (rs-multipart-error-quark, rs_multipart_error)

void
rs_multipart_part_free (RsMultipartPart *part)
{
  if (part == NULL)
    return;
  g_free (part->name);
  g_free (part->filename);
  g_free (part->content_type);
  g_free (part);
}

static gboolean
is_token_char (char c)
{
  /* strchr() also finds the terminating NUL: check it first. */
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Looks for parameter @wanted (case-insensitive) in "type; a=b; c=\"d\"" and returns its
 * unquoted value, or NULL. Returns FALSE when the header is not well formed. */
static gboolean
header_param (const char  *value,
              const char  *wanted,
              char       **result)
{
  const char *p = strchr (value, ';');

  *result = NULL;
  while (p != NULL && *p != '\0')
    {
      g_autoptr(GString) name = g_string_new (NULL);
      g_autoptr(GString) val = g_string_new (NULL);

      if (*p != ';')
        return FALSE;
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      while (is_token_char (*p))
        g_string_append_c (name, *p++);
      while (*p == ' ' || *p == '\t')
        p++;
      if (name->len == 0 || *p != '=')
        return FALSE;
      p++;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '"')
        {
          p++;
          while (*p != '"')
            {
              if (*p == '\0')
                return FALSE;
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (val, *p++);
            }
          p++;
        }
      else
        {
          while (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t')
            g_string_append_c (val, *p++);
        }
      while (*p == ' ' || *p == '\t')
        p++;
      if (g_ascii_strcasecmp (name->str, wanted) == 0 && *result == NULL)
        *result = g_string_free (g_steal_pointer (&val), FALSE);
    }
  return TRUE;
}

char *
rs_multipart_boundary (const char  *content_type,
                       GError     **error)
{
  g_autofree char *boundary = NULL;
  gsize type_len;

  if (content_type == NULL)
    {
      g_set_error (error, RS_MULTIPART_ERROR, RS_MULTIPART_ERROR_CONTENT_TYPE,
                   _("The request has no Content-Type; send the record as multipart/form-data."));
      return NULL;
    }
  type_len = strcspn (content_type, ";");
  if (g_ascii_strncasecmp (content_type, "multipart/form-data", type_len) != 0
      || type_len != strlen ("multipart/form-data"))
    {
      g_set_error (error, RS_MULTIPART_ERROR, RS_MULTIPART_ERROR_CONTENT_TYPE,
                   _("The request is not multipart/form-data; send the record as an OpenRosa "
                     "multipart submission."));
      return NULL;
    }
  if (!header_param (content_type, "boundary", &boundary) || boundary == NULL
      || *boundary == '\0' || strlen (boundary) > RS_MULTIPART_MAX_BOUNDARY)
    {
      g_set_error (error, RS_MULTIPART_ERROR, RS_MULTIPART_ERROR_CONTENT_TYPE,
                   _("The multipart boundary in the Content-Type is missing or invalid."));
      return NULL;
    }
  return g_steal_pointer (&boundary);
}

static const guint8 *
find_bytes (const guint8 *haystack,
            gsize         haystack_len,
            const char   *needle,
            gsize         needle_len)
{
  return memmem (haystack, haystack_len, needle, needle_len);
}

static gboolean
malformed (GError     **error,
           const char  *what)
{
  g_set_error (error, RS_MULTIPART_ERROR, RS_MULTIPART_ERROR_MALFORMED,
               _("The multipart body is malformed (%s); the upload was damaged, send it again."),
               what);
  return FALSE;
}

/* Parses the header block of one part: [start, end) without the blank line. */
static gboolean
parse_part_headers (const char       *start,
                    gsize             length,
                    RsMultipartPart  *part,
                    GError          **error)
{
  g_autofree char *block = g_strndup (start, length);
  g_auto(GStrv) lines = NULL;
  gboolean have_disposition = FALSE;

  if (strlen (block) != length)
    return malformed (error, "NUL byte in part headers");
  lines = g_strsplit (block, "\r\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');
      char *value;

      if (lines[i][0] == '\0')
        continue;
      if (colon == NULL || colon == lines[i])
        return malformed (error, "part header without a colon");
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (lines[i], "Content-Disposition") == 0)
        {
          g_autofree char *name = NULL;
          g_autofree char *filename = NULL;

          if (have_disposition)
            return malformed (error, "two Content-Disposition headers");
          have_disposition = TRUE;
          if (g_ascii_strncasecmp (value, "form-data", strlen ("form-data")) != 0)
            return malformed (error, "part is not form-data");
          if (!header_param (value, "name", &name) || !header_param (value, "filename", &filename))
            return malformed (error, "bad Content-Disposition parameters");
          if (name == NULL)
            return malformed (error, "part without a name");
          part->name = g_steal_pointer (&name);
          part->filename = g_steal_pointer (&filename);
        }
      else if (g_ascii_strcasecmp (lines[i], "Content-Type") == 0)
        {
          g_free (part->content_type);
          part->content_type = g_strdup (value);
        }
    }
  if (!have_disposition)
    return malformed (error, "part without Content-Disposition");
  return TRUE;
}

GPtrArray *
rs_multipart_parse (const guint8  *body,
                    gsize          length,
                    const char    *boundary,
                    GError       **error)
{
  g_autoptr(GPtrArray) parts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_multipart_part_free);
  g_autofree char *delimiter = NULL;
  gsize delimiter_len;
  const guint8 *end = body + length;
  const guint8 *p;

  g_return_val_if_fail (boundary != NULL, NULL);

  /* Every delimiter after the first is preceded by CRLF; the first may start the body. */
  delimiter = g_strconcat ("\r\n--", boundary, NULL);
  delimiter_len = strlen (delimiter);
  if (length >= delimiter_len - 2 && memcmp (body, delimiter + 2, delimiter_len - 2) == 0)
    p = body + delimiter_len - 2;
  else
    {
      p = find_bytes (body, length, delimiter, delimiter_len);
      if (p == NULL)
        {
          malformed (error, "no boundary");
          return NULL;
        }
      p += delimiter_len;
    }

  for (;;)
    {
      g_autoptr(RsMultipartPart) part = NULL;
      const guint8 *headers_end;
      const guint8 *next;
      gsize header_limit;

      /* After a delimiter: "--" closes the body, otherwise optional padding then CRLF. */
      if (end - p >= 2 && p[0] == '-' && p[1] == '-')
        break;
      while (p < end && (*p == ' ' || *p == '\t'))
        p++;
      if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
        {
          malformed (error, end - p < 2 ? "truncated body" : "bad delimiter line");
          return NULL;
        }
      p += 2;

      if (parts->len >= RS_MULTIPART_MAX_PARTS)
        {
          g_set_error (error, RS_MULTIPART_ERROR, RS_MULTIPART_ERROR_LIMIT,
                       _("The submission has more than %d parts; send the attachments in "
                         "several submissions."), RS_MULTIPART_MAX_PARTS);
          return NULL;
        }

      header_limit = MIN ((gsize) (end - p), RS_MULTIPART_MAX_HEADER_BYTES + 4);
      if (header_limit >= 2 && p[0] == '\r' && p[1] == '\n')
        headers_end = p;
      else
        {
          headers_end = find_bytes (p, header_limit, "\r\n\r\n", 4);
          if (headers_end == NULL)
            {
              malformed (error, header_limit > RS_MULTIPART_MAX_HEADER_BYTES
                                  ? "part headers too long" : "truncated part headers");
              return NULL;
            }
        }

      part = g_new0 (RsMultipartPart, 1);
      if (!parse_part_headers ((const char *) p, headers_end - p, part, error))
        return NULL;
      p = headers_end + (headers_end == p ? 2 : 4);

      next = find_bytes (p, end - p, delimiter, delimiter_len);
      if (next == NULL)
        {
          malformed (error, "missing closing boundary");
          return NULL;
        }
      part->data = p;
      part->length = next - p;
      g_ptr_array_add (parts, g_steal_pointer (&part));
      p = next + delimiter_len;
    }

  if (parts->len == 0)
    {
      malformed (error, "no parts");
      return NULL;
    }
  return g_steal_pointer (&parts);
}
