/* rs-submission.h: an OpenRosa submission checked and taken apart (XML part, fields, attachments).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RS_SUBMISSION_ERROR (rs_submission_error_quark ())

typedef enum
{
  RS_SUBMISSION_ERROR_BAD_MULTIPART,    /* 400 */
  RS_SUBMISSION_ERROR_NO_XML_PART,      /* 400 */
  RS_SUBMISSION_ERROR_MALFORMED_XML,    /* 400 */
  RS_SUBMISSION_ERROR_NO_FORM_ID,       /* 400 */
  RS_SUBMISSION_ERROR_NO_INSTANCE_ID,   /* 400 */
  RS_SUBMISSION_ERROR_BAD_FIELD,        /* 400 */
} RsSubmissionError;

/* The OpenRosa name of the part that carries the record. */
#define RS_SUBMISSION_XML_PART "xml_submission_file"
/* OpenRosa: "scheme:id", at most 249 characters. */
#define RS_SUBMISSION_MAX_INSTANCE_ID 249

typedef struct
{
  char   *filename;
  char   *content_type;
  GBytes *data;
  char   *sha256;
} RsSubmissionAttachment;

typedef struct
{
  GBytes    *xml;             /* exact bytes of the xml_submission_file part */
  char      *sha256;          /* hex SHA-256 of @xml */
  char      *form_id;         /* root @id */
  char      *form_version;    /* root @version, "" when absent */
  char      *instance_id;     /* meta/instanceID */
  char      *deprecated_id;   /* meta/deprecatedID or NULL */
  char      *commune_code;    /* admin/commune_code or NULL */
  char      *village;
  char      *household_code;
  char      *head_name;
  char      *review_date;
  char      *enumerator;      /* meta/username */
  gboolean   incomplete;      /* "*isIncomplete*" = yes: more attachments follow */
  GPtrArray *attachments;     /* RsSubmissionAttachment */
} RsSubmission;

GQuark         rs_submission_error_quark  (void);
void           rs_submission_free         (RsSubmission *submission);
RsSubmission  *rs_submission_parse        (const guint8  *body,
                                           gsize          length,
                                           const char    *content_type,
                                           GError       **error);
RsSubmission  *rs_submission_parse_xml    (GBytes        *xml,
                                           GError       **error);
char          *rs_submission_sha256_hex   (const guint8  *data,
                                           gsize          length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSubmission, rs_submission_free)

G_END_DECLS
