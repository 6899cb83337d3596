/* fuzz-submission.c: libFuzzer target for the submission parser (multipart, then the XML checks).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rs-submission.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Input: the Content-Type header on the first line, the request body after it. */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const uint8_t *newline = memchr (data, '\n', size);
  g_autofree char *content_type = NULL;
  g_autoptr(RsSubmission) submission = NULL;
  g_autoptr(GError) error = NULL;
  const uint8_t *body;
  gsize body_length;

  if (newline == NULL)
    return 0;
  content_type = g_strndup ((const char *) data, newline - data);
  body = newline + 1;
  body_length = size - (newline + 1 - data);
  submission = rs_submission_parse (body, body_length, content_type, &error);

  /* What the server relies on after a successful parse. */
  if (submission != NULL)
    {
      if (error != NULL || submission->instance_id == NULL || *submission->instance_id == '\0'
          || strlen (submission->instance_id) > RS_SUBMISSION_MAX_INSTANCE_ID
          || submission->form_id == NULL || submission->form_version == NULL
          || submission->sha256 == NULL || strlen (submission->sha256) != 64
          || submission->attachments == NULL)
        abort ();
      for (guint i = 0; i < submission->attachments->len; i++)
        {
          RsSubmissionAttachment *attachment = g_ptr_array_index (submission->attachments, i);

          if (strchr (attachment->filename, '/') != NULL)
            abort ();
        }
    }
  else if (error == NULL || error->domain != RS_SUBMISSION_ERROR)
    abort ();
  return 0;
}
