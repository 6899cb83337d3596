/* rs-multipart.h: bounded multipart/form-data parser for OpenRosa submissions (RFC 7578).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RS_MULTIPART_ERROR (rs_multipart_error_quark ())

typedef enum
{
  RS_MULTIPART_ERROR_CONTENT_TYPE,
  RS_MULTIPART_ERROR_MALFORMED,
  RS_MULTIPART_ERROR_LIMIT,
} RsMultipartError;

/* Limits that keep a hostile body from costing more than its own size. */
#define RS_MULTIPART_MAX_PARTS 256
#define RS_MULTIPART_MAX_HEADER_BYTES 4096
#define RS_MULTIPART_MAX_BOUNDARY 70

/* One part; @data points into the body passed to rs_multipart_parse(). */
typedef struct
{
  char         *name;
  char         *filename;      /* NULL when the part has no filename parameter */
  char         *content_type;  /* NULL when the part has no Content-Type header */
  const guint8 *data;
  gsize         length;
} RsMultipartPart;

GQuark      rs_multipart_error_quark         (void);
void        rs_multipart_part_free           (RsMultipartPart *part);
char       *rs_multipart_boundary            (const char  *content_type,
                                              GError     **error);
GPtrArray  *rs_multipart_parse               (const guint8  *body,
                                              gsize          length,
                                              const char    *boundary,
                                              GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsMultipartPart, rs_multipart_part_free)

G_END_DECLS
