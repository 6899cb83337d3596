/* rs-openrosa-client.h: OpenRosa over libcurl: HEAD pre-flight, multipart submission, formList.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "rs-retry-policy.h"

G_BEGIN_DECLS

#define RS_OPENROSA_ERROR (rs_openrosa_error_quark ())

typedef enum
{
  RS_OPENROSA_ERROR_INVALID_URL,
  RS_OPENROSA_ERROR_TRANSFER,       /* curl failed (network, TLS, timeout, cancelled) */
  RS_OPENROSA_ERROR_HTTP,           /* the server answered with an unexpected status */
  RS_OPENROSA_ERROR_BAD_RESPONSE,   /* the body is not what the protocol says */
} RsOpenRosaError;

GQuark rs_openrosa_error_quark (void);

/* Network limits; reliability.md §2.4 gives the defaults, tests shrink them. */
typedef struct
{
  glong  connect_timeout_ms;   /* 20 s */
  glong  low_speed_limit;      /* 100 B/s … */
  glong  low_speed_time_s;     /* … for 60 s */
  glong  total_timeout_ms;     /* 300 s per request */
  gsize  max_response_bytes;   /* 1 MB: responses to HEAD/POST and JSON */
  gsize  max_download_bytes;   /* 10 MB: form and media downloads */
} RsOpenRosaLimits;

void rs_openrosa_limits_init_default (RsOpenRosaLimits *limits);

/* One file sent with a submission; @name is the file name the XML refers to. */
typedef struct
{
  char   *name;
  char   *content_type;
  GBytes *data;
} RsOpenRosaAttachment;

RsOpenRosaAttachment *rs_openrosa_attachment_new  (const char *name,
                                                   const char *content_type,
                                                   GBytes     *data);
void                  rs_openrosa_attachment_free (RsOpenRosaAttachment *attachment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsOpenRosaAttachment, rs_openrosa_attachment_free)

/* What one HEAD or one submission (all its POSTs) ended with; feeds rs_retry_policy_decide(). */
typedef struct
{
  RsRequestKind kind;
  CURLcode      curl_code;
  long          http_status;
  gint64        retry_after_seconds;   /* -1 when absent */
  gboolean      openrosa_header;
  gboolean      envelope_ok;
  gboolean      foreign_location;
  gint64        accept_content_length; /* from X-OpenRosa-Accept-Content-Length, -1 when absent */
  char         *message;               /* the server's envelope message, or a body excerpt */
  char         *curl_error;            /* libcurl's error text when curl_code != CURLE_OK */
  guint         n_posts;               /* POSTs this submission took (split by size) */
} RsOpenRosaResult;

void rs_openrosa_result_free           (RsOpenRosaResult *result);
void rs_openrosa_result_to_retry_input (const RsOpenRosaResult *result,
                                        guint                   attempt,
                                        RsRetryInput           *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsOpenRosaResult, rs_openrosa_result_free)

/* An entry of the server's formList. */
typedef struct
{
  char *form_id;
  char *name;
  char *version;
  char *hash;          /* "md5:…" */
  char *download_url;
  char *manifest_url;  /* NULL when the form has no media */
} RsOpenRosaFormInfo;

void rs_openrosa_form_info_free (RsOpenRosaFormInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsOpenRosaFormInfo, rs_openrosa_form_info_free)

/* Called from the transfer: bytes sent so far of the current request, and its total. */
typedef void (*RsOpenRosaProgressFunc) (gint64   sent,
                                        gint64   total,
                                        gpointer user_data);

/* One client per server and thread; requests on it are blocking and run one at a time. */
typedef struct _RsOpenRosaClient RsOpenRosaClient;

RsOpenRosaClient *rs_openrosa_client_new                (const char        *base_url,
                                                         GError           **error);
void              rs_openrosa_client_free               (RsOpenRosaClient  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsOpenRosaClient, rs_openrosa_client_free)

/* User and password: Digest always, Basic only over https (never in clear text). */
void              rs_openrosa_client_set_credentials    (RsOpenRosaClient  *self,
                                                         const char        *username,
                                                         const char        *password);
/* A device token, sent as "Authorization: Bearer …" instead of a password. */
void              rs_openrosa_client_set_token          (RsOpenRosaClient  *self,
                                                         const char        *token);
void              rs_openrosa_client_set_device_id      (RsOpenRosaClient  *self,
                                                         const char        *device_id);
/* "sha256//…;sha256//…" or a key file, for CURLOPT_PINNEDPUBLICKEY; NULL for none. */
void              rs_openrosa_client_set_pinned_key     (RsOpenRosaClient  *self,
                                                         const char        *pinned_key);
/* A CA bundle (the district's CA) instead of the system store; NULL for the system store. */
void              rs_openrosa_client_set_ca_file        (RsOpenRosaClient  *self,
                                                         const char        *ca_file);
void              rs_openrosa_client_set_limits         (RsOpenRosaClient  *self,
                                                         const RsOpenRosaLimits *limits);
void              rs_openrosa_client_set_progress_func  (RsOpenRosaClient  *self,
                                                         RsOpenRosaProgressFunc func,
                                                         gpointer           user_data);
const char       *rs_openrosa_client_get_submission_url (RsOpenRosaClient  *self);

/* HEAD {base}/submission. Learns the size limit and a same-host Location for later POSTs. */
RsOpenRosaResult *rs_openrosa_client_preflight          (RsOpenRosaClient  *self,
                                                         GCancellable      *cancellable);

/* POSTs @xml (exact bytes) as xml_submission_file plus @attachments (RsOpenRosaAttachment),
 * split into several POSTs with the identical XML when over the server's size limit. */
RsOpenRosaResult *rs_openrosa_client_submit             (RsOpenRosaClient  *self,
                                                         GBytes            *xml,
                                                         GPtrArray         *attachments,
                                                         GCancellable      *cancellable);

/* GET {base}/formList: an array of RsOpenRosaFormInfo. */
GPtrArray        *rs_openrosa_client_fetch_form_list    (RsOpenRosaClient  *self,
                                                         GCancellable      *cancellable,
                                                         GError           **error);

/* GET of a form, manifest or media URL from the form list (up to max_download_bytes). */
GBytes           *rs_openrosa_client_download           (RsOpenRosaClient  *self,
                                                         const char        *url,
                                                         GCancellable      *cancellable,
                                                         GError           **error);

/* GET {base}/api/assignments?commune=CODE: the parsed JSON document. */
JsonNode         *rs_openrosa_client_fetch_assignments  (RsOpenRosaClient  *self,
                                                         const char        *commune_code,
                                                         GCancellable      *cancellable,
                                                         GError           **error);

/* "Tue, 24 Nov 2026 01:41:11 GMT" for @unix_time, whatever the locale (RFC 1123). */
char             *rs_openrosa_format_http_date          (gint64             unix_time);

/* The Accept-Language value for a UI in @language_names (as g_get_language_names() gives
 * them, most preferred first): "vi_VN.UTF-8", "vi", "en", "C" → "vi-VN, vi;q=0.9, en;q=0.8".
 * C and POSIX are skipped, duplicates dropped, at most 8 tags and 160 characters; "en" (the
 * source language) when nothing is left. Pure. */
char             *rs_openrosa_accept_language           (const char *const *language_names);

/* Parses an OpenRosaResponse envelope; returns FALSE if @body is not one. */
gboolean          rs_openrosa_parse_envelope            (const char        *body,
                                                         gsize              length,
                                                         char             **message);

G_END_DECLS
