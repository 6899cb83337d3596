/* rs-submission.c: an OpenRosa submission checked and taken apart (XML part, fields, attachments).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "rs-multipart.h"
#include "rs-submission.h"
#include "rs-xml.h"

G_DEFINE_QUARK (rs-submission-error-quark, rs_submission_error)

/* Field values longer than this are refused: no household name or code is this long. */
#define MAX_FIELD_BYTES 1024

static void
attachment_free (RsSubmissionAttachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment->sha256);
  g_free (attachment);
}

void
rs_submission_free (RsSubmission *submission)
{
  if (submission == NULL)
    return;
  g_clear_pointer (&submission->xml, g_bytes_unref);
  g_free (submission->sha256);
  g_free (submission->form_id);
  g_free (submission->form_version);
  g_free (submission->instance_id);
  g_free (submission->deprecated_id);
  g_free (submission->commune_code);
  g_free (submission->village);
  g_free (submission->household_code);
  g_free (submission->head_name);
  g_free (submission->review_date);
  g_free (submission->enumerator);
  g_clear_pointer (&submission->attachments, g_ptr_array_unref);
  g_free (submission);
}

char *
rs_submission_sha256_hex (const guint8 *data,
                          gsize         length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, length);
}

static xmlNode *
child_element (xmlNode    *parent,
               const char *local_name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *child = parent->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && g_str_equal ((const char *) child->name, local_name))
        return child;
    }
  return NULL;
}

/* Text of the element at @path below @root ("a/b"), trimmed; NULL when absent or empty. */
static gboolean
element_text (xmlNode     *root,
              const char  *path,
              char       **result,
              GError     **error)
{
  g_auto(GStrv) steps = g_strsplit (path, "/", 0);
  xmlNode *node = root;
  xmlChar *content;
  g_autofree char *text = NULL;

  *result = NULL;
  for (guint i = 0; steps[i] != NULL && node != NULL; i++)
    node = child_element (node, steps[i]);
  if (node == NULL)
    return TRUE;
  content = xmlNodeGetContent (node);
  if (content == NULL)
    return TRUE;
  text = g_strdup (g_strstrip ((char *) content));
  xmlFree (content);
  if (strlen (text) > MAX_FIELD_BYTES || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_FIELD,
                   _("The field %s is too long or not valid text; correct the record."), path);
      return FALSE;
    }
  if (*text != '\0')
    *result = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
valid_identifier (const char *value,
                  gsize       max_length)
{
  gsize length = strlen (value);

  if (length == 0 || length > max_length)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }
  return TRUE;
}

static gboolean
valid_filename (const char *value)
{
  gsize length = strlen (value);

  if (length == 0 || length > 255 || !g_utf8_validate (value, -1, NULL))
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f || *p == '\\')
        return FALSE;
    }
  return TRUE;
}

static char *
root_attribute (xmlNode    *root,
                const char *name)
{
  xmlChar *value = xmlGetNoNsProp (root, (const xmlChar *) name);
  char *copy;

  if (value == NULL)
    return NULL;
  copy = g_strdup (g_strstrip ((char *) value));
  xmlFree (value);
  return copy;
}

RsSubmission *
rs_submission_parse_xml (GBytes  *xml,
                         GError **error)
{
  g_autoptr(RsSubmission) submission = g_new0 (RsSubmission, 1);
  gsize length = 0;
  const char *data = g_bytes_get_data (xml, &length);
  xmlDoc *doc;
  xmlNode *root;
  gboolean ok;
  static const struct
  {
    const char *path;
    gsize offset;
  } fields[] = {
    { "meta/deprecatedID", G_STRUCT_OFFSET (RsSubmission, deprecated_id) },
    { "admin/commune_code", G_STRUCT_OFFSET (RsSubmission, commune_code) },
    { "admin/village", G_STRUCT_OFFSET (RsSubmission, village) },
    { "admin/household_code", G_STRUCT_OFFSET (RsSubmission, household_code) },
    { "head/name", G_STRUCT_OFFSET (RsSubmission, head_name) },
    { "admin/review_date", G_STRUCT_OFFSET (RsSubmission, review_date) },
    { "meta/username", G_STRUCT_OFFSET (RsSubmission, enumerator) },
  };

  submission->xml = g_bytes_ref (xml);
  submission->sha256 = rs_submission_sha256_hex ((const guint8 *) data, length);
  submission->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);

  if (length == 0 || length > G_MAXINT)
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_MALFORMED_XML,
                   _("The record XML is empty; finalize the record again and resend it."));
      return NULL;
    }
  /* No network, no entity substitution, no DTD loading; parse errors stay quiet. */
  doc = rs_xml_read_memory (NULL, data, length, "submission.xml", 0);
  if (doc == NULL)
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_MALFORMED_XML,
                   _("The record XML is not well-formed; the file on the tablet is damaged."));
      return NULL;
    }
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_MALFORMED_XML,
                   _("The record XML contains a DOCTYPE, which submissions may not have."));
      return NULL;
    }
  root = xmlDocGetRootElement (doc);
  submission->form_id = root != NULL ? root_attribute (root, "id") : NULL;
  submission->form_version = root != NULL ? root_attribute (root, "version") : NULL;
  if (submission->form_version == NULL)
    submission->form_version = g_strdup ("");
  if (submission->form_id == NULL || !valid_identifier (submission->form_id, 255)
      || (*submission->form_version != '\0' && !valid_identifier (submission->form_version, 255)))
    {
      xmlFreeDoc (doc);
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_FORM_ID,
                   _("The record does not name its form (id and version on the root element)."));
      return NULL;
    }

  ok = element_text (root, "meta/instanceID", &submission->instance_id, error);
  if (ok && submission->instance_id == NULL)
    submission->instance_id = root_attribute (root, "instanceID");
  for (guint i = 0; ok && i < G_N_ELEMENTS (fields); i++)
    ok = element_text (root, fields[i].path,
                       G_STRUCT_MEMBER_P (submission, fields[i].offset), error);
  xmlFreeDoc (doc);
  if (!ok)
    return NULL;

  if (submission->instance_id == NULL)
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_INSTANCE_ID,
                   _("The record has no instanceID (meta/instanceID); it cannot be stored "
                     "safely. Update the app and finalize the record again."));
      return NULL;
    }
  if (!valid_identifier (submission->instance_id, RS_SUBMISSION_MAX_INSTANCE_ID)
      || (submission->deprecated_id != NULL
          && !valid_identifier (submission->deprecated_id, RS_SUBMISSION_MAX_INSTANCE_ID)))
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_FIELD,
                   _("The record's instanceID or deprecatedID is not a valid identifier."));
      return NULL;
    }
  if (submission->deprecated_id != NULL
      && g_str_equal (submission->deprecated_id, submission->instance_id))
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_FIELD,
                   _("The record's deprecatedID equals its own instanceID; an edit needs a new "
                     "instanceID."));
      return NULL;
    }
  return g_steal_pointer (&submission);
}

RsSubmission *
rs_submission_parse (const guint8  *body,
                     gsize          length,
                     const char    *content_type,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *boundary = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(RsSubmission) submission = NULL;
  g_autoptr(GBytes) xml = NULL;
  RsMultipartPart *xml_part = NULL;
  gboolean incomplete = FALSE;

  boundary = rs_multipart_boundary (content_type, &local_error);
  if (boundary != NULL)
    parts = rs_multipart_parse (body, length, boundary, &local_error);
  if (parts == NULL)
    {
      g_set_error_literal (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_MULTIPART,
                           local_error->message);
      return NULL;
    }

  for (guint i = 0; i < parts->len; i++)
    {
      RsMultipartPart *part = g_ptr_array_index (parts, i);

      if (g_str_equal (part->name, RS_SUBMISSION_XML_PART))
        {
          if (xml_part != NULL)
            {
              g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_MULTIPART,
                           _("The submission has two %s parts; send exactly one."),
                           RS_SUBMISSION_XML_PART);
              return NULL;
            }
          xml_part = part;
        }
      else if (g_str_equal (part->name, "*isIncomplete*"))
        incomplete = part->length == 3 && memcmp (part->data, "yes", 3) == 0;
    }
  if (xml_part == NULL)
    {
      g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_XML_PART,
                   _("The submission has no %s part; it is not an OpenRosa submission."),
                   RS_SUBMISSION_XML_PART);
      return NULL;
    }

  xml = g_bytes_new (xml_part->data, xml_part->length);
  submission = rs_submission_parse_xml (xml, error);
  if (submission == NULL)
    return NULL;
  submission->incomplete = incomplete;

  for (guint i = 0; i < parts->len; i++)
    {
      RsMultipartPart *part = g_ptr_array_index (parts, i);
      RsSubmissionAttachment *attachment;
      const char *filename;

      if (part == xml_part || g_str_equal (part->name, "*isIncomplete*"))
        continue;
      /* OpenRosa names each attachment part by its file name; a bare field is ignored. */
      filename = part->filename != NULL ? part->filename : NULL;
      if (filename == NULL)
        continue;
      if (!valid_filename (filename) || strchr (filename, '/') != NULL
          || g_str_equal (filename, "..") || g_str_equal (filename, "."))
        {
          g_set_error (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_FIELD,
                       _("An attachment has an unusable file name; rename the file and resend."));
          return NULL;
        }
      attachment = g_new0 (RsSubmissionAttachment, 1);
      attachment->filename = g_strdup (filename);
      attachment->content_type = g_strdup (part->content_type != NULL
                                           ? part->content_type : "application/octet-stream");
      attachment->data = g_bytes_new (part->data, part->length);
      attachment->sha256 = rs_submission_sha256_hex (part->data, part->length);
      g_ptr_array_add (submission->attachments, attachment);
    }
  return g_steal_pointer (&submission);
}
