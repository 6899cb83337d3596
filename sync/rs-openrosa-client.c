/* rs-openrosa-client.c: OpenRosa 1.0 client on one libcurl easy handle (field-lessons.md §1–4, 7).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "rs-openrosa-client.h"
#include "rs-xml.h"

G_DEFINE_QUARK (rs-openrosa-error-quark, rs_openrosa_error)

#define OPENROSA_RESPONSE_NS    "http://openrosa.org/http/response"
#define XFORMS_LIST_NS          "http://openrosa.org/xforms/xformsList"
/* What Collect assumes when a server does not say (field-lessons §2). */
#define DEFAULT_ACCEPT_LENGTH   10000000
/* Collect's limit of attachments per POST. */
#define MAX_ATTACHMENTS_PER_POST 100
/* Room for the multipart boundaries and part headers of one part. */
#define PART_OVERHEAD           512
#define MESSAGE_EXCERPT_CHARS   300
/* Accept-Language: this many language tags at most, and this many characters. */
#define ACCEPT_LANGUAGE_MAX_TAGS 8
#define ACCEPT_LANGUAGE_MAX_CHARS 160

struct _RsOpenRosaClient
{
  CURL                  *curl;
  char                  *base_url;
  gboolean               https;
  char                  *submission_url;   /* may be remapped by a same-host HEAD Location */
  char                  *username;
  char                  *password;
  char                  *token;
  char                  *device_id;
  char                  *pinned_key;
  char                  *ca_file;
  RsOpenRosaLimits       limits;
  gint64                 accept_content_length;
  RsOpenRosaProgressFunc progress_func;
  gpointer               progress_data;
  char                   error_buffer[CURL_ERROR_SIZE];
};

/* The state of one curl_easy_perform(). */
typedef struct
{
  RsOpenRosaClient *client;
  GCancellable     *cancellable;
  GByteArray       *body;
  gsize             body_cap;
  gboolean          openrosa_header;
  gint64            accept_content_length;
  gint64            retry_after_seconds;
  char             *location;
} Transfer;

void
rs_openrosa_limits_init_default (RsOpenRosaLimits *limits)
{
  limits->connect_timeout_ms = 20 * 1000;
  limits->low_speed_limit = 100;
  limits->low_speed_time_s = 60;
  limits->total_timeout_ms = 300 * 1000;
  limits->max_response_bytes = 1024 * 1024;
  limits->max_download_bytes = 10 * 1024 * 1024;
}

RsOpenRosaAttachment *
rs_openrosa_attachment_new (const char *name,
                            const char *content_type,
                            GBytes     *data)
{
  RsOpenRosaAttachment *attachment = g_new0 (RsOpenRosaAttachment, 1);

  attachment->name = g_strdup (name);
  attachment->content_type = g_strdup (content_type != NULL ? content_type
                                                            : "application/octet-stream");
  attachment->data = g_bytes_ref (data);
  return attachment;
}

void
rs_openrosa_attachment_free (RsOpenRosaAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->name);
  g_free (attachment->content_type);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

void
rs_openrosa_result_free (RsOpenRosaResult *result)
{
  if (result == NULL)
    return;
  g_free (result->message);
  g_free (result->curl_error);
  g_free (result);
}

void
rs_openrosa_result_to_retry_input (const RsOpenRosaResult *result,
                                   guint                   attempt,
                                   RsRetryInput           *input)
{
  memset (input, 0, sizeof *input);
  input->kind = result->kind;
  input->curl_code = result->curl_code;
  input->http_status = result->http_status;
  input->retry_after_seconds = result->retry_after_seconds;
  input->attempt = attempt;
  input->openrosa_header = result->openrosa_header;
  input->envelope_ok = result->envelope_ok;
  input->foreign_location = result->foreign_location;
}

void
rs_openrosa_form_info_free (RsOpenRosaFormInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->form_id);
  g_free (info->name);
  g_free (info->version);
  g_free (info->hash);
  g_free (info->download_url);
  g_free (info->manifest_url);
  g_free (info);
}

char *
rs_openrosa_format_http_date (gint64 unix_time)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  if (dt == NULL)
    return NULL;
  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d GMT",
                          days[g_date_time_get_day_of_week (dt) - 1],
                          g_date_time_get_day_of_month (dt),
                          months[g_date_time_get_month (dt) - 1],
                          g_date_time_get_year (dt),
                          g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt),
                          g_date_time_get_second (dt));
}

static xmlDoc *
parse_xml (const char *body,
           gsize       length)
{
  if (body == NULL || length == 0 || length > G_MAXINT)
    return NULL;
  /* No network, no entity expansion, no DTD loading: this text comes from the network. */
  return rs_xml_read_memory (NULL, body, length, "response.xml", 0);
}

static gboolean
node_is (xmlNode    *node,
         const char *name,
         const char *ns)
{
  if (node == NULL || node->type != XML_ELEMENT_NODE)
    return FALSE;
  if (!g_str_equal ((const char *) node->name, name))
    return FALSE;
  /* Accept the right namespace or none; refuse a foreign one. */
  return node->ns == NULL || node->ns->href == NULL
         || g_str_equal ((const char *) node->ns->href, ns);
}

static char *
node_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text = g_strstrip (g_strdup (content != NULL ? (const char *) content : ""));

  xmlFree (content);
  return text;
}

gboolean
rs_openrosa_parse_envelope (const char  *body,
                            gsize        length,
                            char       **message)
{
  xmlDoc *doc = parse_xml (body, length);
  xmlNode *root;
  gboolean ok = FALSE;

  if (message != NULL)
    *message = NULL;
  if (doc == NULL)
    return FALSE;

  root = xmlDocGetRootElement (doc);
  if (node_is (root, "OpenRosaResponse", OPENROSA_RESPONSE_NS))
    {
      ok = TRUE;
      for (xmlNode *child = root->children; child != NULL; child = child->next)
        {
          if (node_is (child, "message", OPENROSA_RESPONSE_NS))
            {
              if (message != NULL)
                *message = node_text (child);
              break;
            }
        }
    }
  xmlFreeDoc (doc);
  return ok;
}

static void
global_init_once (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
}

RsOpenRosaClient *
rs_openrosa_client_new (const char  *base_url,
                        GError     **error)
{
  g_autoptr(RsOpenRosaClient) self = NULL;
  g_autofree char *scheme = NULL;
  CURLU *url;
  CURLUcode rc;

  g_return_val_if_fail (base_url != NULL, NULL);

  global_init_once ();

  url = curl_url ();
  rc = curl_url_set (url, CURLUPART_URL, base_url, 0);
  if (rc == CURLUE_OK)
    {
      char *part = NULL;

      if (curl_url_get (url, CURLUPART_SCHEME, &part, 0) == CURLUE_OK)
        scheme = g_ascii_strdown (part, -1);
      curl_free (part);
    }
  curl_url_cleanup (url);
  if (rc != CURLUE_OK || scheme == NULL
      || (!g_str_equal (scheme, "http") && !g_str_equal (scheme, "https")))
    {
      g_set_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_INVALID_URL,
                   _("“%s” is not a server address. Enter it like https://huyen.example.vn"),
                   base_url);
      return NULL;
    }

  self = g_new0 (RsOpenRosaClient, 1);
  self->curl = curl_easy_init ();
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->https = g_str_equal (scheme, "https");
  self->accept_content_length = -1;
  rs_openrosa_limits_init_default (&self->limits);
  if (self->curl == NULL)
    {
      g_set_error_literal (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_TRANSFER,
                           _("Could not start the network library."));
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
rs_openrosa_client_free (RsOpenRosaClient *self)
{
  if (self == NULL)
    return;
  if (self->curl != NULL)
    curl_easy_cleanup (self->curl);
  g_free (self->base_url);
  g_free (self->submission_url);
  g_free (self->username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_free (self->device_id);
  g_free (self->pinned_key);
  g_free (self->ca_file);
  g_free (self);
}

void
rs_openrosa_client_set_credentials (RsOpenRosaClient *self,
                                    const char       *username,
                                    const char       *password)
{
  g_free (self->username);
  g_free (self->password);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
}

void
rs_openrosa_client_set_token (RsOpenRosaClient *self,
                              const char       *token)
{
  g_free (self->token);
  self->token = g_strdup (token);
}

void
rs_openrosa_client_set_device_id (RsOpenRosaClient *self,
                                  const char       *device_id)
{
  g_free (self->device_id);
  self->device_id = g_strdup (device_id);
  g_clear_pointer (&self->submission_url, g_free);
}

void
rs_openrosa_client_set_pinned_key (RsOpenRosaClient *self,
                                   const char       *pinned_key)
{
  g_free (self->pinned_key);
  self->pinned_key = g_strdup (pinned_key);
}

void
rs_openrosa_client_set_ca_file (RsOpenRosaClient *self,
                                const char       *ca_file)
{
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

void
rs_openrosa_client_set_limits (RsOpenRosaClient       *self,
                               const RsOpenRosaLimits *limits)
{
  self->limits = *limits;
}

void
rs_openrosa_client_set_progress_func (RsOpenRosaClient       *self,
                                      RsOpenRosaProgressFunc  func,
                                      gpointer                user_data)
{
  self->progress_func = func;
  self->progress_data = user_data;
}

const char *
rs_openrosa_client_get_submission_url (RsOpenRosaClient *self)
{
  if (self->submission_url == NULL)
    {
      GString *url = g_string_new (self->base_url);

      g_string_append (url, "/submission");
      if (self->device_id != NULL)
        {
          char *escaped = curl_easy_escape (self->curl, self->device_id, 0);

          g_string_append_printf (url, "?deviceID=%s", escaped);
          curl_free (escaped);
        }
      self->submission_url = g_string_free (url, FALSE);
    }
  return self->submission_url;
}

/* ---- one transfer ---------------------------------------------------------------------- */

static size_t
on_body (char   *data,
         size_t  size,
         size_t  nmemb,
         void   *user_data)
{
  Transfer *t = user_data;
  gsize n = size * nmemb;

  /* CURLOPT_MAXFILESIZE is not enough against a server that streams without a length. */
  if (t->body->len + n > t->body_cap)
    return 0;
  g_byte_array_append (t->body, (const guint8 *) data, n);
  return n;
}

static gint64
parse_retry_after (const char *value)
{
  gint64 seconds;
  char *end = NULL;
  time_t when;

  seconds = g_ascii_strtoll (value, &end, 10);
  if (end != value && *end == '\0')
    return seconds >= 0 ? seconds : -1;
  when = curl_getdate (value, NULL);
  if (when == -1)
    return -1;
  seconds = (gint64) when - g_get_real_time () / G_USEC_PER_SEC;
  return MAX (seconds, 0);
}

static size_t
on_header (char   *data,
           size_t  size,
           size_t  nmemb,
           void   *user_data)
{
  Transfer *t = user_data;
  gsize n = size * nmemb;
  g_autofree char *line = g_strndup (data, n);
  char *colon;
  char *value;

  g_strstrip (line);
  /* A new status line: a Digest challenge came first, forget its headers. */
  if (g_str_has_prefix (line, "HTTP/"))
    {
      t->openrosa_header = FALSE;
      t->accept_content_length = -1;
      t->retry_after_seconds = -1;
      g_clear_pointer (&t->location, g_free);
      return n;
    }
  colon = strchr (line, ':');
  if (colon == NULL)
    return n;
  *colon = '\0';
  value = g_strstrip (colon + 1);

  if (g_ascii_strcasecmp (line, "X-OpenRosa-Version") == 0)
    t->openrosa_header = TRUE;
  else if (g_ascii_strcasecmp (line, "X-OpenRosa-Accept-Content-Length") == 0)
    {
      char *end = NULL;
      gint64 length = g_ascii_strtoll (value, &end, 10);

      if (end != value && *end == '\0' && length > 0)
        t->accept_content_length = length;
    }
  else if (g_ascii_strcasecmp (line, "Retry-After") == 0)
    t->retry_after_seconds = parse_retry_after (value);
  else if (g_ascii_strcasecmp (line, "Location") == 0)
    {
      g_free (t->location);
      t->location = g_strdup (value);
    }
  return n;
}

static int
on_progress (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Transfer *t = user_data;

  if (t->cancellable != NULL && g_cancellable_is_cancelled (t->cancellable))
    return 1;
  if (t->client->progress_func != NULL && ultotal > 0)
    t->client->progress_func (ulnow, ultotal, t->client->progress_data);
  return 0;
}

static void
transfer_init (Transfer         *t,
               RsOpenRosaClient *client,
               GCancellable     *cancellable,
               gsize             body_cap)
{
  memset (t, 0, sizeof *t);
  t->client = client;
  t->cancellable = cancellable;
  t->body = g_byte_array_new ();
  t->body_cap = body_cap;
  t->accept_content_length = -1;
  t->retry_after_seconds = -1;
}

static void
transfer_clear (Transfer *t)
{
  g_clear_pointer (&t->body, g_byte_array_unref);
  g_clear_pointer (&t->location, g_free);
}

/* A POSIX locale name as a BCP 47 tag: "vi_VN.UTF-8" → "vi-VN", "sr_RS@latin" → "sr-RS";
 * NULL for "C", "POSIX" and whatever is not a well-formed tag. */
static char *
locale_name_to_tag (const char *name)
{
  g_autofree char *base = g_strndup (name, strcspn (name, ".@"));
  g_auto(GStrv) subtags = NULL;
  g_autoptr(GString) tag = g_string_new (NULL);

  if (*base == '\0' || g_str_equal (base, "C") || g_str_equal (base, "POSIX"))
    return NULL;
  g_strdelimit (base, "_", '-');
  subtags = g_strsplit (base, "-", -1);
  for (guint i = 0; subtags[i] != NULL; i++)
    {
      const char *subtag = subtags[i];
      gsize length = strlen (subtag);
      gboolean alpha = TRUE;

      if (length == 0 || length > 8)
        return NULL;
      for (gsize c = 0; c < length; c++)
        {
          if (!g_ascii_isalnum (subtag[c]))
            return NULL;
          alpha = alpha && g_ascii_isalpha (subtag[c]);
        }
      if (i == 0 && (!alpha || length < 2))
        return NULL;
      if (i > 0)
        g_string_append_c (tag, '-');
      /* BCP 47's conventional case: "vi", "VN", "Latn". */
      for (gsize c = 0; c < length; c++)
        {
          gboolean upper = i > 0 && alpha && (length == 2 || (length == 4 && c == 0));

          g_string_append_c (tag, upper ? g_ascii_toupper (subtag[c])
                                        : g_ascii_tolower (subtag[c]));
        }
    }
  return g_string_free (g_steal_pointer (&tag), FALSE);
}

char *
rs_openrosa_accept_language (const char *const *language_names)
{
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  GString *value = g_string_new (NULL);

  for (guint i = 0; language_names != NULL && language_names[i] != NULL; i++)
    {
      char *tag = locale_name_to_tag (language_names[i]);

      if (tag == NULL || g_ptr_array_find_with_equal_func (tags, tag, g_str_equal, NULL)
          || tags->len == ACCEPT_LANGUAGE_MAX_TAGS)
        {
          g_free (tag);
          continue;
        }
      g_ptr_array_add (tags, tag);
    }
  for (guint i = 0; i < tags->len; i++)
    {
      g_autofree char *element = i == 0 ? g_strdup (tags->pdata[0])
                                        : g_strdup_printf ("%s;q=0.%u", (char *) tags->pdata[i],
                                                           i < 9 ? 10 - i : 1);

      if (value->len + strlen (", ") + strlen (element) > ACCEPT_LANGUAGE_MAX_CHARS)
        break;
      if (i > 0)
        g_string_append (value, ", ");
      g_string_append (value, element);
    }
  /* A UI in the C locale shows the msgids: English, the source language. */
  if (value->len == 0)
    g_string_append (value, "en");
  return g_string_free (value, FALSE);
}

/* Sets every option a request needs; the handle is reused so connections and the Digest
 * nonce carry over from one request to the next. */
static struct curl_slist *
prepare (RsOpenRosaClient *self,
         Transfer         *t,
         const char       *url)
{
  struct curl_slist *headers = NULL;
  g_autofree char *date = rs_openrosa_format_http_date (g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *date_header = g_strdup_printf ("Date: %s", date);
  /* The UI's languages now, so the server's messages in the sync log are in the same one. */
  g_autofree char *languages = rs_openrosa_accept_language (g_get_language_names ());
  g_autofree char *language_header = g_strdup_printf ("Accept-Language: %s", languages);
  CURL *c = self->curl;

  headers = curl_slist_append (headers, "X-OpenRosa-Version: 1.0");
  headers = curl_slist_append (headers, date_header);
  headers = curl_slist_append (headers, language_header);
  if (self->token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s", self->token);

      headers = curl_slist_append (headers, auth);
    }

  self->error_buffer[0] = '\0';
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "rasoat/" PACKAGE_VERSION);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, self->error_buffer);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  /* Never follow a redirect (pins cover only the first origin); CURLOPT_MAXREDIRS=0 would also
   * forbid the second leg of Digest authentication, so it stays unset. */
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt (c, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (c, CURLOPT_CAINFO, self->ca_file);
  curl_easy_setopt (c, CURLOPT_PINNEDPUBLICKEY, self->pinned_key);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, self->limits.connect_timeout_ms);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, self->limits.low_speed_limit);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, self->limits.low_speed_time_s);
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, self->limits.total_timeout_ms);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt (c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (c, CURLOPT_XFERINFODATA, t);
  curl_easy_setopt (c, CURLOPT_NOPROGRESS, 0L);

  if (self->username != NULL && self->token == NULL)
    {
      /* Basic sends the password in clear text: only inside TLS (OpenRosa auth API). */
      long methods = CURLAUTH_DIGEST | (self->https ? CURLAUTH_BASIC : 0);

      curl_easy_setopt (c, CURLOPT_HTTPAUTH, methods);
      curl_easy_setopt (c, CURLOPT_USERNAME, self->username);
      curl_easy_setopt (c, CURLOPT_PASSWORD, self->password != NULL ? self->password : "");
    }
  else
    {
      curl_easy_setopt (c, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
      curl_easy_setopt (c, CURLOPT_USERNAME, NULL);
      curl_easy_setopt (c, CURLOPT_PASSWORD, NULL);
    }
  return headers;
}

static void
finish_result (RsOpenRosaClient *self,
               Transfer         *t,
               CURLcode          code,
               RsOpenRosaResult *result)
{
  long status = 0;

  curl_easy_getinfo (self->curl, CURLINFO_RESPONSE_CODE, &status);
  result->curl_code = code;
  result->http_status = status;
  result->retry_after_seconds = t->retry_after_seconds;
  result->openrosa_header = t->openrosa_header;
  result->accept_content_length = t->accept_content_length;
  g_clear_pointer (&result->message, g_free);
  g_clear_pointer (&result->curl_error, g_free);
  if (code != CURLE_OK)
    result->curl_error = g_strdup (self->error_buffer[0] != '\0' ? self->error_buffer
                                                                 : curl_easy_strerror (code));
  result->envelope_ok = rs_openrosa_parse_envelope ((const char *) t->body->data, t->body->len,
                                                    &result->message);
  if (result->message == NULL && t->body->len > 0
      && g_utf8_validate ((const char *) t->body->data, t->body->len, NULL))
    {
      g_autofree char *text = g_strndup ((const char *) t->body->data, t->body->len);
      char *end = g_utf8_offset_to_pointer (text, MIN (g_utf8_strlen (text, -1),
                                                       MESSAGE_EXCERPT_CHARS));

      *end = '\0';
      result->message = g_strdup (g_strstrip (text));
    }
}

/* TRUE when @location is on the same scheme, host and port as the configured server. */
static gboolean
same_origin (const char *base,
             const char *location)
{
  static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
  CURLU *a = curl_url ();
  CURLU *b = curl_url ();
  gboolean same = FALSE;

  if (curl_url_set (a, CURLUPART_URL, base, 0) == CURLUE_OK
      && curl_url_set (b, CURLUPART_URL, location, 0) == CURLUE_OK)
    {
      same = TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (parts) && same; i++)
        {
          char *pa = NULL;
          char *pb = NULL;

          curl_url_get (a, parts[i], &pa, CURLU_DEFAULT_PORT);
          curl_url_get (b, parts[i], &pb, CURLU_DEFAULT_PORT);
          same = pa != NULL && pb != NULL && g_ascii_strcasecmp (pa, pb) == 0;
          curl_free (pa);
          curl_free (pb);
        }
    }
  curl_url_cleanup (a);
  curl_url_cleanup (b);
  return same;
}

RsOpenRosaResult *
rs_openrosa_client_preflight (RsOpenRosaClient *self,
                              GCancellable     *cancellable)
{
  RsOpenRosaResult *result = g_new0 (RsOpenRosaResult, 1);
  struct curl_slist *headers;
  Transfer t;
  CURLcode code;

  transfer_init (&t, self, cancellable, self->limits.max_response_bytes);
  headers = prepare (self, &t, rs_openrosa_client_get_submission_url (self));
  curl_easy_setopt (self->curl, CURLOPT_NOBODY, 1L);
  code = curl_easy_perform (self->curl);
  curl_easy_setopt (self->curl, CURLOPT_NOBODY, 0L);
  curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (headers);

  result->kind = RS_REQUEST_PREFLIGHT;
  finish_result (self, &t, code, result);
  if (code == CURLE_OK && result->http_status == 204)
    {
      if (t.accept_content_length > 0)
        self->accept_content_length = t.accept_content_length;
      if (t.location != NULL)
        {
          if (same_origin (self->base_url, t.location))
            {
              g_autofree char *remapped = g_strdup (t.location);

              /* Keep our query string (deviceID) when the new URL has none. */
              if (strchr (remapped, '?') == NULL && self->device_id != NULL)
                {
                  const char *query = strchr (rs_openrosa_client_get_submission_url (self), '?');

                  if (query != NULL)
                    {
                      char *joined = g_strconcat (remapped, query, NULL);

                      g_free (remapped);
                      remapped = joined;
                    }
                }
              g_free (self->submission_url);
              self->submission_url = g_steal_pointer (&remapped);
            }
          else
            result->foreign_location = TRUE;
        }
    }
  transfer_clear (&t);
  return result;
}

static gint64
effective_accept_length (RsOpenRosaClient *self)
{
  return self->accept_content_length > 0 ? self->accept_content_length : DEFAULT_ACCEPT_LENGTH;
}

/* Greedy packing: the XML goes with every chunk, an oversized attachment goes alone with it. */
static GPtrArray *
split_attachments (GPtrArray *attachments,
                   gsize      xml_size,
                   gint64     limit)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *current = NULL;
  gint64 current_size = 0;

  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      RsOpenRosaAttachment *a = g_ptr_array_index (attachments, i);
      gint64 size = (gint64) g_bytes_get_size (a->data) + PART_OVERHEAD;

      if (current != NULL
          && (current_size + size > limit || current->len >= MAX_ATTACHMENTS_PER_POST))
        current = NULL;
      if (current == NULL)
        {
          current = g_ptr_array_new ();
          g_ptr_array_add (chunks, current);
          current_size = (gint64) xml_size + PART_OVERHEAD;
        }
      g_ptr_array_add (current, a);
      current_size += size;
    }
  if (chunks->len == 0)
    g_ptr_array_add (chunks, g_ptr_array_new ());
  return chunks;
}

static CURLcode
post_once (RsOpenRosaClient *self,
           GBytes           *xml,
           GPtrArray        *chunk,
           gboolean          incomplete,
           GCancellable     *cancellable,
           RsOpenRosaResult *result)
{
  struct curl_slist *headers;
  curl_mime *mime;
  curl_mimepart *part;
  gsize xml_size = 0;
  const char *xml_data = g_bytes_get_data (xml, &xml_size);
  Transfer t;
  CURLcode code;

  transfer_init (&t, self, cancellable, self->limits.max_response_bytes);
  headers = prepare (self, &t, rs_openrosa_client_get_submission_url (self));
  /* No "Expect: 100-continue": one round trip less on slow links, and proxies mishandle it. */
  headers = curl_slist_append (headers, "Expect:");

  mime = curl_mime_init (self->curl);
  part = curl_mime_addpart (mime);
  curl_mime_name (part, "xml_submission_file");
  curl_mime_filename (part, "submission.xml");
  curl_mime_type (part, "text/xml");
  curl_mime_data (part, xml_data, xml_size);
  for (guint i = 0; i < chunk->len; i++)
    {
      RsOpenRosaAttachment *a = g_ptr_array_index (chunk, i);
      gsize size = 0;
      const char *data = g_bytes_get_data (a->data, &size);

      part = curl_mime_addpart (mime);
      curl_mime_name (part, a->name);
      curl_mime_filename (part, a->name);
      curl_mime_type (part, a->content_type);
      curl_mime_data (part, size > 0 ? data : "", size);
    }
  if (incomplete)
    {
      part = curl_mime_addpart (mime);
      curl_mime_name (part, "*isIncomplete*");
      curl_mime_data (part, "yes", CURL_ZERO_TERMINATED);
    }

  curl_easy_setopt (self->curl, CURLOPT_MIMEPOST, mime);
  code = curl_easy_perform (self->curl);
  curl_easy_setopt (self->curl, CURLOPT_MIMEPOST, NULL);
  curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, NULL);
  curl_mime_free (mime);
  curl_slist_free_all (headers);

  finish_result (self, &t, code, result);
  transfer_clear (&t);
  return code;
}

static gint64
chunk_size (GPtrArray *chunk,
            gsize      xml_size)
{
  gint64 size = (gint64) xml_size + PART_OVERHEAD;

  for (guint i = 0; i < chunk->len; i++)
    {
      RsOpenRosaAttachment *a = g_ptr_array_index (chunk, i);

      size += (gint64) g_bytes_get_size (a->data) + PART_OVERHEAD;
    }
  return size;
}

RsOpenRosaResult *
rs_openrosa_client_submit (RsOpenRosaClient *self,
                           GBytes           *xml,
                           GPtrArray        *attachments,
                           GCancellable     *cancellable)
{
  RsOpenRosaResult *result = g_new0 (RsOpenRosaResult, 1);
  gint64 limit;
  gboolean split_again = TRUE;

  g_return_val_if_fail (xml != NULL, result);

  result->kind = RS_REQUEST_SUBMIT;
  limit = effective_accept_length (self);
  /* A 413 (often a proxy with a smaller limit than the server announced) on a chunk that has
   * several attachments: halve the limit and send again; identical XML makes that safe. */
  while (split_again)
    {
      g_autoptr(GPtrArray) chunks = split_attachments (attachments, g_bytes_get_size (xml), limit);

      split_again = FALSE;
      for (guint i = 0; i < chunks->len; i++)
        {
          GPtrArray *chunk = g_ptr_array_index (chunks, i);
          RsRetryInput input;
          RsRetryDecision decision;

          result->n_posts++;
          post_once (self, xml, chunk, i + 1 < chunks->len, cancellable, result);
          if (result->curl_code == CURLE_OK && result->http_status == 413 && chunk->len > 1)
            {
              limit = chunk_size (chunk, g_bytes_get_size (xml)) / 2;
              split_again = TRUE;
              break;
            }
          /* Every chunk must be acknowledged; the first that is not decides. */
          rs_openrosa_result_to_retry_input (result, 1, &input);
          decision = rs_retry_policy_decide (NULL, &input);
          if (decision.action != RS_RETRY_ACTION_SUCCESS)
            return result;
        }
    }
  return result;
}

/* ---- GET requests ------------------------------------------------------------------------ */

static GBytes *
get (RsOpenRosaClient *self,
     const char       *url,
     gsize             cap,
     GCancellable     *cancellable,
     GError          **error)
{
  struct curl_slist *headers;
  Transfer t;
  CURLcode code;
  long status = 0;
  GBytes *bytes = NULL;

  transfer_init (&t, self, cancellable, cap);
  headers = prepare (self, &t, url);
  curl_easy_setopt (self->curl, CURLOPT_HTTPGET, 1L);
  code = curl_easy_perform (self->curl);
  curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (headers);
  curl_easy_getinfo (self->curl, CURLINFO_RESPONSE_CODE, &status);

  if (code == CURLE_ABORTED_BY_CALLBACK)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
  else if (code != CURLE_OK)
    g_set_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_TRANSFER,
                 _("Could not download from the server (%s). Check the network and try again."),
                 self->error_buffer[0] != '\0' ? self->error_buffer : curl_easy_strerror (code));
  else if (status == 401 || status == 403)
    g_set_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_HTTP,
                 _("The server did not accept your account (HTTP %ld). Check the user name, "
                   "password or device token."), status);
  else if (status != 200)
    g_set_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_HTTP,
                 _("The server answered HTTP %ld instead of the file. Try again later or tell "
                   "the district."), status);
  else
    bytes = g_bytes_new (t.body->data, t.body->len);
  transfer_clear (&t);
  return bytes;
}

static char *
child_text (xmlNode    *parent,
            const char *name)
{
  for (xmlNode *child = parent->children; child != NULL; child = child->next)
    {
      if (node_is (child, name, XFORMS_LIST_NS))
        return node_text (child);
    }
  return NULL;
}

GPtrArray *
rs_openrosa_client_fetch_form_list (RsOpenRosaClient  *self,
                                    GCancellable      *cancellable,
                                    GError           **error)
{
  g_autofree char *url = g_strconcat (self->base_url, "/formList", NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) forms = NULL;
  xmlDoc *doc;
  xmlNode *root;

  body = get (self, url, self->limits.max_response_bytes, cancellable, error);
  if (body == NULL)
    return NULL;

  doc = parse_xml (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (!node_is (root, "xforms", XFORMS_LIST_NS))
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      g_set_error_literal (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_BAD_RESPONSE,
                           _("The server's form list is not an OpenRosa form list. Check the "
                             "server address; a Wi-Fi login page may be in the way."));
      return NULL;
    }

  forms = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_openrosa_form_info_free);
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    {
      RsOpenRosaFormInfo *info;

      if (!node_is (node, "xform", XFORMS_LIST_NS))
        continue;
      info = g_new0 (RsOpenRosaFormInfo, 1);
      info->form_id = child_text (node, "formID");
      info->name = child_text (node, "name");
      info->version = child_text (node, "version");
      info->hash = child_text (node, "hash");
      info->download_url = child_text (node, "downloadUrl");
      info->manifest_url = child_text (node, "manifestUrl");
      if (info->form_id == NULL || *info->form_id == '\0' || info->download_url == NULL)
        {
          rs_openrosa_form_info_free (info);
          continue;
        }
      g_ptr_array_add (forms, info);
    }
  xmlFreeDoc (doc);
  return g_steal_pointer (&forms);
}

GBytes *
rs_openrosa_client_download (RsOpenRosaClient  *self,
                             const char        *url,
                             GCancellable      *cancellable,
                             GError           **error)
{
  g_return_val_if_fail (url != NULL, NULL);

  return get (self, url, self->limits.max_download_bytes, cancellable, error);
}

JsonNode *
rs_openrosa_client_fetch_assignments (RsOpenRosaClient  *self,
                                      const char        *commune_code,
                                      GCancellable      *cancellable,
                                      GError           **error)
{
  g_autofree char *url = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  char *escaped;

  g_return_val_if_fail (commune_code != NULL, NULL);

  escaped = curl_easy_escape (self->curl, commune_code, 0);
  url = g_strdup_printf ("%s/api/assignments?commune=%s", self->base_url, escaped);
  curl_free (escaped);

  body = get (self, url, self->limits.max_download_bytes, cancellable, error);
  if (body == NULL)
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   (gssize) g_bytes_get_size (body), &local_error)
      || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_BAD_RESPONSE,
                   _("The server's assignment list could not be read (%s). Try again later."),
                   local_error != NULL ? local_error->message : _("empty answer"));
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}
