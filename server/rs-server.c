/* rs-server.c: the district server's HTTP side (libmicrohttpd): OpenRosa endpoints and JSON API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <string.h>

#include "rs-server.h"
#include "rs-score.h"
#include "rs-server-auth.h"
#include "rs-server-language.h"
#include "rs-submission.h"
#include "rs-xml.h"

G_DEFINE_QUARK (rs-server-error-quark, rs_server_error)

#define OPENROSA_VERSION "1.0"
#define OPENROSA_RESPONSE_NS "http://openrosa.org/http/response"
#define XML_CONTENT_TYPE "text/xml; charset=utf-8"
#define JSON_CONTENT_TYPE "application/json; charset=utf-8"
/* Beyond the body cap, this much more is read and dropped so the 413 can still be delivered;
 * past it the connection is closed. */
#define DISCARD_ALLOWANCE (1024 * 1024)
/* The form whose records are scored at ingest (data/forms/vn_household_review.xml). */
#define RS_SERVER_SCORED_FORM "vn_household_review"

struct _RsServer
{
  RsServerStore *store;
  RsServerConfig config;
  struct MHD_Daemon *daemon;
  GArray *options;
  GSocketAddress *bind_address;
  struct sockaddr_storage bind_native;
  char *tls_cert_pem;
  char *tls_key_pem;
  guint8 digest_random[32];
  gboolean tls;
  gssize inflight_body_bytes;   /* atomic */
  GHashTable *known_forms;      /* "id\x1fversion" seen in the store (forms never change) */
  GMutex known_forms_lock;
  GPtrArray *media;             /* MediaFile: the standards (*.json), the scored form's media */
  GPtrArray *scorers;           /* RsScorer, one per worker thread; NULL without a data dir */
  GAsyncQueue *idle_scorers;    /* a scorer keeps libxml2 XPath state: one record at a time */
};

typedef enum
{
  AUTH_NONE,
  AUTH_DIGEST,
  AUTH_BASIC,
  AUTH_TOKEN,
} AuthMethod;

/* A file the household form's manifest lists (a standard or the support catalogue), so
 * tablets fetch new standards the OpenRosa way, with the form. */
typedef struct
{
  char *filename;
  char *md5;
  GBytes *data;
} MediaFile;

static void
media_file_free (MediaFile *file)
{
  g_free (file->filename);
  g_free (file->md5);
  g_bytes_unref (file->data);
  g_free (file);
}

/* Per-request state, kept across the calls libmicrohttpd makes while a body arrives. */
typedef struct
{
  RsServer *server;
  GByteArray *body;
  gsize reserved;          /* bytes counted in inflight_body_bytes */
  gsize discarded;
  gboolean too_large;
  gboolean responded;
  char *path;              /* the URL without a /key/<token> prefix */
  char *path_token;        /* the token of a /key/<token>/… URL */
  RsServerUser *user;      /* authenticated on the first call (a Digest nc is good once) */
  AuthMethod auth_method;
  const char *language;    /* of the messages in the answer (Accept-Language); NULL = the
                            * process's, before rs_server_language_init() */
  gboolean localized;      /* the answer is a message for people: say its language */
} Request;

void
rs_server_config_init (RsServerConfig *config)
{
  memset (config, 0, sizeof *config);
  config->listen_host = g_strdup ("127.0.0.1");
  config->port = 8080;
  config->connection_timeout_s = 30;
  config->connection_limit = 256;
  config->per_ip_connection_limit = 64;
  config->connection_memory_limit = 64 * 1024;
  config->connection_memory_increment = 4 * 1024;
  config->thread_pool_size = 4;
  config->listen_backlog = 128;
  config->strict_level = 1;
  config->max_body_bytes = 10 * 1024 * 1024;
  config->max_inflight_body_bytes = 256 * 1024 * 1024;
  config->nonce_timeout_s = 300;
  config->nonce_nc_size = 4096;
  config->max_concurrent_hashes = 2;
}

void
rs_server_config_clear (RsServerConfig *config)
{
  g_clear_pointer (&config->listen_host, g_free);
  g_clear_pointer (&config->tls_cert_path, g_free);
  g_clear_pointer (&config->tls_key_path, g_free);
  g_clear_pointer (&config->forms_dir, g_free);
  g_clear_pointer (&config->data_dir, g_free);
}

gboolean
rs_server_config_set_listen (RsServerConfig  *config,
                             const char      *listen,
                             GError         **error)
{
  g_autofree char *host = NULL;
  const char *colon = strrchr (listen, ':');
  guint64 port = 0;
  const char *host_start = listen;
  gsize host_len;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                   _("“%s” is not an address to listen on; write it as HOST:PORT, for example "
                     "127.0.0.1:8080."), listen);
      return FALSE;
    }
  host_len = colon - listen;
  if (host_len >= 2 && listen[0] == '[' && listen[host_len - 1] == ']')
    {
      host_start++;
      host_len -= 2;
    }
  host = g_strndup (host_start, host_len);
  if (!g_hostname_is_ip_address (host))
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                   _("“%s” is not an IP address; listen on an address such as 127.0.0.1."),
                   host);
      return FALSE;
    }
  g_free (config->listen_host);
  config->listen_host = g_steal_pointer (&host);
  config->port = (guint16) port;
  return TRUE;
}

static void
add_option (GArray               *options,
            enum MHD_OPTION       option,
            intptr_t              value,
            void                 *ptr_value)
{
  struct MHD_OptionItem item = { option, value, ptr_value };

  g_array_append_val (options, item);
}

GArray *
rs_server_config_mhd_options (const RsServerConfig *config)
{
  GArray *options = g_array_new (FALSE, TRUE, sizeof (struct MHD_OptionItem));

  add_option (options, MHD_OPTION_CONNECTION_TIMEOUT, config->connection_timeout_s, NULL);
  add_option (options, MHD_OPTION_CONNECTION_LIMIT, config->connection_limit, NULL);
  add_option (options, MHD_OPTION_PER_IP_CONNECTION_LIMIT, config->per_ip_connection_limit, NULL);
  add_option (options, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
              (intptr_t) config->connection_memory_limit, NULL);
  add_option (options, MHD_OPTION_CONNECTION_MEMORY_INCREMENT,
              (intptr_t) config->connection_memory_increment, NULL);
  /* A pool of one is the daemon's own thread; libmicrohttpd warns if told so explicitly. */
  if (config->thread_pool_size > 1)
    add_option (options, MHD_OPTION_THREAD_POOL_SIZE, config->thread_pool_size, NULL);
  add_option (options, MHD_OPTION_LISTEN_BACKLOG_SIZE, config->listen_backlog, NULL);
  add_option (options, MHD_OPTION_STRICT_FOR_CLIENT, config->strict_level, NULL);
  add_option (options, MHD_OPTION_NONCE_NC_SIZE, config->nonce_nc_size, NULL);
  add_option (options, MHD_OPTION_END, 0, NULL);
  return options;
}

/* Inserts @item before the terminating MHD_OPTION_END. */
static void
insert_option (GArray          *options,
               enum MHD_OPTION  option,
               intptr_t         value,
               void            *ptr_value)
{
  struct MHD_OptionItem item = { option, value, ptr_value };

  g_array_insert_val (options, options->len - 1, item);
}

/* ---- responses -------------------------------------------------------------------------- */

/* ISO 8601 in UTC with microseconds (GLib 2.74 has no g_date_time_new_from_unix_utc_usec). */
static char *
format_time_us (gint64 time_us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) exact = g_date_time_add (seconds, time_us % G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (exact);
}

/* A message's language, and to caches that another Accept-Language gets another answer. */
static void
add_language_headers (struct MHD_Response *response,
                      Request             *request)
{
  if (!request->localized || request->language == NULL)
    return;
  MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_LANGUAGE, request->language);
  MHD_add_response_header (response, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
}

static enum MHD_Result
queue_response (struct MHD_Connection *connection,
                Request               *request,
                unsigned int           status,
                const char            *content_type,
                const char            *body,
                gsize                  length,
                const char *const     *extra_headers)
{
  struct MHD_Response *response;
  g_autofree char *accept_length = NULL;
  enum MHD_Result result;

  response = MHD_create_response_from_buffer (length, (void *) body, MHD_RESPMEM_MUST_COPY);
  if (response == NULL)
    return MHD_NO;
  accept_length = g_strdup_printf ("%" G_GSIZE_FORMAT, request->server->config.max_body_bytes);
  MHD_add_response_header (response, "X-OpenRosa-Version", OPENROSA_VERSION);
  MHD_add_response_header (response, "X-OpenRosa-Accept-Content-Length", accept_length);
  if (content_type != NULL)
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  add_language_headers (response, request);
  for (guint i = 0; extra_headers != NULL && extra_headers[i] != NULL; i += 2)
    MHD_add_response_header (response, extra_headers[i], extra_headers[i + 1]);
  result = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  request->responded = TRUE;
  return result;
}

static char *
openrosa_envelope (const char *nature,
                   const char *message,
                   const char *extra_xml)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<OpenRosaResponse xmlns=\"" OPENROSA_RESPONSE_NS "\" items=\"0\">"
                          "<message nature=\"%s\">%s</message>%s</OpenRosaResponse>\n",
                          nature, escaped, extra_xml != NULL ? extra_xml : "");
}

static enum MHD_Result
queue_envelope (struct MHD_Connection *connection,
                Request               *request,
                unsigned int           status,
                const char            *message)
{
  g_autofree char *body = openrosa_envelope (status < 300 ? "submit_success" : "error",
                                             message, NULL);

  request->localized = TRUE;
  return queue_response (connection, request, status, XML_CONTENT_TYPE, body, strlen (body),
                         NULL);
}

static enum MHD_Result
queue_json (struct MHD_Connection *connection,
            Request               *request,
            unsigned int           status,
            JsonNode              *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *body = NULL;
  gsize length = 0;

  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, &length);
  return queue_response (connection, request, status, JSON_CONTENT_TYPE, body, length, NULL);
}

static enum MHD_Result
queue_auth_challenge (struct MHD_Connection *connection,
                      Request               *request,
                      const char            *message,
                      gboolean               stale)
{
  g_autofree char *body = openrosa_envelope ("error", message, NULL);
  g_autofree char *accept_length = NULL;
  struct MHD_Response *response;
  enum MHD_Result result;

  response = MHD_create_response_from_buffer (strlen (body), body, MHD_RESPMEM_MUST_COPY);
  if (response == NULL)
    return MHD_NO;
  accept_length = g_strdup_printf ("%" G_GSIZE_FORMAT, request->server->config.max_body_bytes);
  MHD_add_response_header (response, "X-OpenRosa-Version", OPENROSA_VERSION);
  MHD_add_response_header (response, "X-OpenRosa-Accept-Content-Length", accept_length);
  MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, XML_CONTENT_TYPE);
  request->localized = TRUE;
  add_language_headers (response, request);
  result = MHD_queue_auth_fail_response2 (connection, RS_SERVER_REALM, "rasoat-district",
                                          response, stale ? MHD_YES : MHD_NO,
                                          MHD_DIGEST_ALG_MD5);
  MHD_destroy_response (response);
  request->responded = TRUE;
  return result;
}

/* ---- authentication --------------------------------------------------------------------- */

static char *
remote_address (struct MHD_Connection *connection)
{
  const union MHD_ConnectionInfo *info;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) inet = NULL;

  info = MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == NULL || info->client_addr == NULL)
    return g_strdup ("?");
  address = g_socket_address_new_from_native (info->client_addr,
                                              info->client_addr->sa_family == AF_INET6
                                                ? sizeof (struct sockaddr_in6)
                                                : sizeof (struct sockaddr_in));
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  return g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
audit (Request               *request,
       struct MHD_Connection *connection,
       const char            *event,
       const char            *username,
       const char            *detail)
{
  g_autofree char *remote = remote_address (connection);
  g_autoptr(GError) error = NULL;

  if (!rs_server_store_audit (request->server->store, event, username, remote, detail, &error))
    g_log ("rasoat-server", G_LOG_LEVEL_MESSAGE, "audit log: %s", error->message);
}

static enum MHD_Result queue_busy (struct MHD_Connection *connection,
                                   Request               *request);
static gboolean form_is_published (RsServer   *server,
                                   const char *form_id,
                                   const char *version);

/* Returns the authenticated, active user, or NULL after queueing a 401 (or an error). */
static RsServerUser *
authenticate (Request               *request,
              struct MHD_Connection *connection,
              AuthMethod            *method)
{
  RsServer *server = request->server;
  const char *authorization;
  g_autoptr(GError) error = NULL;

  *method = AUTH_NONE;
  authorization = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_AUTHORIZATION);

  if (request->path_token != NULL
      || (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0))
    {
      const char *token = request->path_token != NULL ? request->path_token : authorization + 7;
      g_autofree char *token_hash = NULL;
      RsServerUser *user;

      while (*token == ' ')
        token++;
      token_hash = rs_server_auth_token_sha256 (token);
      *method = AUTH_TOKEN;
      user = rs_server_store_token_lookup (server->store, token_hash, &error);
      if (user != NULL && user->active)
        return user;
      rs_server_user_free (user);
      if (!g_error_matches (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND))
        {
          /* The database did not answer: not a reason to make the tablet sign in again. */
          queue_busy (connection, request);
          return NULL;
        }
      audit (request, connection, "auth_failure", NULL, "device token unknown or revoked");
      queue_envelope (connection, request, MHD_HTTP_UNAUTHORIZED,
                      _("This device token is unknown or has been revoked; ask the district "
                        "for a new one."));
      return NULL;
    }

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      char *password = NULL;
      char *username = NULL;
      RsServerUser *user = NULL;

      *method = AUTH_BASIC;
      if (!server->tls)
        {
          audit (request, connection, "auth_failure", NULL, "basic auth over plain HTTP");
          queue_auth_challenge (connection, request,
                                _("Passwords may not be sent in the clear: use Digest "
                                  "authentication or HTTPS."), FALSE);
          return NULL;
        }
      username = MHD_basic_auth_get_username_password (connection, &password);
      if (username != NULL)
        user = rs_server_store_user_get (server->store, username, &error);
      if (user == NULL && error != NULL
          && !g_error_matches (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND))
        {
          MHD_free (username);
          MHD_free (password);
          queue_busy (connection, request);
          return NULL;
        }
      if (user == NULL)
        rs_server_auth_verify_nobody (password);
      else if (user->active && rs_server_auth_verify_password (user, password))
        {
          MHD_free (username);
          MHD_free (password);
          return user;
        }
      audit (request, connection, "auth_failure", username, "wrong user name or password");
      rs_server_user_free (user);
      if (username != NULL)
        MHD_free (username);
      if (password != NULL)
        MHD_free (password);
      queue_auth_challenge (connection, request,
                            _("Wrong user name or password; check the account in Settings."),
                            FALSE);
      return NULL;
    }

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Digest ", 7) == 0)
    {
      char *username = MHD_digest_auth_get_username (connection);
      RsServerUser *user = NULL;
      guint8 ha1[16];
      int check = MHD_NO;

      *method = AUTH_DIGEST;
      if (username != NULL)
        user = rs_server_store_user_get (server->store, username, &error);
      if (user == NULL && error != NULL
          && !g_error_matches (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_NOT_FOUND))
        {
          MHD_free (username);
          queue_busy (connection, request);
          return NULL;
        }
      if (user != NULL && user->active && rs_server_auth_ha1_bytes (user->digest_ha1, ha1))
        check = MHD_digest_auth_check_digest2 (connection, RS_SERVER_REALM, username, ha1,
                                               sizeof ha1, server->config.nonce_timeout_s,
                                               MHD_DIGEST_ALG_MD5);
      if (check == MHD_YES)
        {
          MHD_free (username);
          return user;
        }
      rs_server_user_free (user);
      if (check == MHD_INVALID_NONCE)
        {
          /* An expired nonce is not a failed login: the client retries with the new one. */
          MHD_free (username);
          queue_auth_challenge (connection, request,
                                _("The login has expired; sign in again."), TRUE);
          return NULL;
        }
      audit (request, connection, "auth_failure", username, "wrong user name or password");
      if (username != NULL)
        MHD_free (username);
      queue_auth_challenge (connection, request,
                            _("Wrong user name or password; check the account in Settings."),
                            FALSE);
      return NULL;
    }

  queue_auth_challenge (connection, request,
                        _("Sign in to send records to the district server."), FALSE);
  return NULL;
}

/* ---- OpenRosa --------------------------------------------------------------------------- */

static char *
base_url (Request               *request,
          struct MHD_Connection *connection)
{
  const char *host = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_HOST);
  g_autofree char *fallback = NULL;

  if (host == NULL || *host == '\0' || strpbrk (host, "\"<>'& /\\") != NULL)
    host = fallback = g_strdup_printf ("%s:%u", request->server->config.listen_host,
                                       rs_server_get_port (request->server));
  if (request->path_token != NULL)
    return g_strdup_printf ("%s://%s/key/%s", request->server->tls ? "https" : "http", host,
                            request->path_token);
  return g_strdup_printf ("%s://%s", request->server->tls ? "https" : "http", host);
}

static gboolean
form_has_media (RsServer   *server,
                const char *form_id)
{
  return server->media != NULL && server->media->len > 0
         && g_str_equal (form_id, RS_SERVER_SCORED_FORM);
}

static enum MHD_Result
handle_form_manifest (Request               *request,
                      struct MHD_Connection *connection)
{
  const char *form_id = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "formId");
  const char *version = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "version");
  g_autoptr(GString) xml = NULL;
  g_autofree char *base = NULL;
  g_autofree char *id_q = NULL;
  g_autofree char *version_q = NULL;

  if (form_id == NULL || version == NULL || !form_has_media (request->server, form_id)
      || !form_is_published (request->server, form_id, version))
    return queue_envelope (connection, request, MHD_HTTP_NOT_FOUND,
                           _("The server has no such form; update the form list."));
  base = base_url (request, connection);
  id_q = g_uri_escape_string (form_id, NULL, FALSE);
  version_q = g_uri_escape_string (version, NULL, FALSE);
  xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<manifest xmlns=\"http://openrosa.org/xforms/xformsManifest\">\n");
  for (guint i = 0; i < request->server->media->len; i++)
    {
      MediaFile *file = g_ptr_array_index (request->server->media, i);
      g_autofree char *file_q = g_uri_escape_string (file->filename, NULL, FALSE);
      g_autofree char *url = g_strdup_printf ("%s/formMedia?formId=%s&version=%s&file=%s", base,
                                              id_q, version_q, file_q);
      g_autofree char *url_x = g_markup_escape_text (url, -1);
      g_autofree char *name_x = g_markup_escape_text (file->filename, -1);

      g_string_append_printf (xml, "  <mediaFile><filename>%s</filename><hash>md5:%s</hash>"
                                   "<downloadUrl>%s</downloadUrl></mediaFile>\n",
                              name_x, file->md5, url_x);
    }
  g_string_append (xml, "</manifest>\n");
  return queue_response (connection, request, MHD_HTTP_OK, XML_CONTENT_TYPE, xml->str, xml->len,
                         NULL);
}

static enum MHD_Result
handle_form_media (Request               *request,
                   struct MHD_Connection *connection)
{
  const char *form_id = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "formId");
  const char *name = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "file");

  /* Only names from the manifest are served: no path ever reaches the file system. */
  if (form_id != NULL && name != NULL && form_has_media (request->server, form_id))
    {
      for (guint i = 0; i < request->server->media->len; i++)
        {
          MediaFile *file = g_ptr_array_index (request->server->media, i);
          gsize length = 0;
          const char *data;

          if (!g_str_equal (file->filename, name))
            continue;
          data = g_bytes_get_data (file->data, &length);
          return queue_response (connection, request, MHD_HTTP_OK,
                                 "application/json; charset=utf-8", data, length, NULL);
        }
    }
  return queue_envelope (connection, request, MHD_HTTP_NOT_FOUND,
                         _("The server has no such file; update the form list."));
}

static enum MHD_Result
handle_form_list (Request               *request,
                  struct MHD_Connection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) forms = rs_server_store_form_list (request->server->store, &error);
  g_autoptr(GString) xml =
    g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">\n");
  g_autofree char *base = base_url (request, connection);

  if (forms == NULL)
    return queue_envelope (connection, request, MHD_HTTP_INTERNAL_SERVER_ERROR, error->message);
  for (guint i = 0; i < forms->len; i++)
    {
      RsServerForm *form = g_ptr_array_index (forms, i);
      g_autofree char *id_q = g_uri_escape_string (form->form_id, NULL, FALSE);
      g_autofree char *version_q = g_uri_escape_string (form->version, NULL, FALSE);
      g_autofree char *url = g_strdup_printf ("%s/formXml?formId=%s&version=%s", base, id_q,
                                              version_q);
      g_autofree char *id_x = g_markup_escape_text (form->form_id, -1);
      g_autofree char *name_x = g_markup_escape_text (form->name, -1);
      g_autofree char *version_x = g_markup_escape_text (form->version, -1);
      g_autofree char *url_x = g_markup_escape_text (url, -1);
      g_autofree char *manifest = NULL;

      if (form_has_media (request->server, form->form_id))
        {
          g_autofree char *manifest_url = g_strdup_printf ("%s/formManifest?formId=%s&version=%s",
                                                           base, id_q, version_q);
          g_autofree char *manifest_x = g_markup_escape_text (manifest_url, -1);

          manifest = g_strdup_printf ("<manifestUrl>%s</manifestUrl>", manifest_x);
        }
      g_string_append_printf (xml, "  <xform><formID>%s</formID><name>%s</name>"
                                   "<version>%s</version><hash>md5:%s</hash>"
                                   "<downloadUrl>%s</downloadUrl>%s</xform>\n",
                              id_x, name_x, version_x, form->md5, url_x,
                              manifest != NULL ? manifest : "");
    }
  g_string_append (xml, "</xforms>\n");
  return queue_response (connection, request, MHD_HTTP_OK, XML_CONTENT_TYPE, xml->str, xml->len,
                         NULL);
}

static enum MHD_Result
handle_form_download (Request               *request,
                      struct MHD_Connection *connection)
{
  const char *form_id = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "formId");
  const char *version = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "version");
  g_autoptr(RsServerForm) form = NULL;
  gsize length = 0;
  const char *data;

  if (form_id == NULL)
    return queue_envelope (connection, request, MHD_HTTP_BAD_REQUEST,
                           _("Say which form to download (formId)."));
  form = rs_server_store_form_get (request->server->store, form_id, version, TRUE, NULL);
  if (form == NULL)
    return queue_envelope (connection, request, MHD_HTTP_NOT_FOUND,
                           _("The server has no such form; update the form list."));
  data = g_bytes_get_data (form->xml, &length);
  return queue_response (connection, request, MHD_HTTP_OK, XML_CONTENT_TYPE, data, length, NULL);
}

static gboolean
reserve_body (Request *request,
              gsize    length)
{
  RsServer *server = request->server;
  gint64 after = g_atomic_pointer_add (&server->inflight_body_bytes, (gssize) length) + length;

  if ((guint64) after > server->config.max_inflight_body_bytes)
    {
      g_atomic_pointer_add (&server->inflight_body_bytes, -(gssize) length);
      return FALSE;
    }
  request->reserved += length;
  return TRUE;
}

static enum MHD_Result
queue_too_large (struct MHD_Connection *connection,
                 Request               *request)
{
  g_autofree char *limit = g_strdup_printf ("%" G_GSIZE_FORMAT,
                                            request->server->config.max_body_bytes);
  g_autofree char *message = g_strdup_printf (
    _("The submission is larger than the server accepts (%s bytes); send the photos in several "
      "parts or make them smaller."), limit);

  return queue_envelope (connection, request, MHD_HTTP_CONTENT_TOO_LARGE, message);
}

static enum MHD_Result
queue_busy (struct MHD_Connection *connection,
            Request               *request)
{
  static const char *const headers[] = { MHD_HTTP_HEADER_RETRY_AFTER, "30", NULL };
  g_autofree char *body = openrosa_envelope ("error",
                                             _("The server is busy; the record will be sent "
                                               "again in a moment."), NULL);

  request->localized = TRUE;
  return queue_response (connection, request, MHD_HTTP_SERVICE_UNAVAILABLE, XML_CONTENT_TYPE,
                         body, strlen (body), headers);
}

static unsigned int
submission_error_status (const GError *error)
{
  if (g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_MULTIPART)
      || g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_XML_PART)
      || g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_MALFORMED_XML)
      || g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_FORM_ID)
      || g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_NO_INSTANCE_ID)
      || g_error_matches (error, RS_SUBMISSION_ERROR, RS_SUBMISSION_ERROR_BAD_FIELD))
    return MHD_HTTP_BAD_REQUEST;
  return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* Published (id, version) pairs never change or disappear, so a hit is remembered; a miss asks
 * the store again (a form may be published while the server runs). */
static gboolean
form_is_published (RsServer   *server,
                   const char *form_id,
                   const char *version)
{
  g_autofree char *key = g_strconcat (form_id, "\x1f", version, NULL);
  g_autoptr(RsServerForm) form = NULL;
  gboolean known;

  g_mutex_lock (&server->known_forms_lock);
  known = g_hash_table_contains (server->known_forms, key);
  g_mutex_unlock (&server->known_forms_lock);
  if (known)
    return TRUE;
  form = rs_server_store_form_get (server->store, form_id, version, FALSE, NULL);
  if (form == NULL)
    return FALSE;
  g_mutex_lock (&server->known_forms_lock);
  g_hash_table_add (server->known_forms, g_steal_pointer (&key));
  g_mutex_unlock (&server->known_forms_lock);
  return TRUE;
}

/* Scores household reviews with the same core and standard files as the tablet. A record that
 * cannot be scored is still stored (it is the enumerator's data); its score JSON says why. */
static void
score_submission (RsServer            *server,
                  const RsSubmission  *submission,
                  char               **classification,
                  char               **score_json)
{
  g_autoptr(RsScore) score = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *xml = g_bytes_get_data (submission->xml, &length);
  RsScorer *scorer;

  *classification = NULL;
  *score_json = NULL;
  if (server->idle_scorers == NULL || !g_str_equal (submission->form_id, RS_SERVER_SCORED_FORM))
    return;
  scorer = g_async_queue_pop (server->idle_scorers);
  score = rs_scorer_score_xml (scorer, xml, (gssize) length, NULL, &error);
  if (score != NULL)
    *score_json = rs_score_to_json (score, RS_LANG_VI);
  g_async_queue_push (server->idle_scorers, scorer);
  if (score != NULL)
    {
      const char *name = rs_classification_to_string (score->classification);

      *classification = g_strdup (name != NULL ? name : "unknown");
      return;
    }
  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "error");
    json_builder_add_string_value (builder, error->message);
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    json_generator_set_root (generator, root);
    *score_json = json_generator_to_data (generator, NULL);
  }
}

static enum MHD_Result
handle_submission (Request               *request,
                   struct MHD_Connection *connection,
                   RsServerUser          *user)
{
  RsServer *server = request->server;
  const char *content_type = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                          MHD_HTTP_HEADER_CONTENT_TYPE);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsSubmission) submission = NULL;
  g_autofree char *classification = NULL;
  g_autofree char *score_json = NULL;
  g_autofree char *message = NULL;
  g_autofree char *metadata = NULL;
  g_autofree char *body = NULL;
  g_autofree char *received_iso = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *remote = NULL;
  RsRecordOutcome outcome = RS_RECORD_STORED;
  gint64 received_us;

  submission = rs_submission_parse (request->body != NULL ? request->body->data : NULL,
                                    request->body != NULL ? request->body->len : 0,
                                    content_type, &error);
  if (submission == NULL)
    return queue_envelope (connection, request, submission_error_status (error), error->message);

  if (!form_is_published (server, submission->form_id, submission->form_version))
    {
      message = g_strdup_printf (_("The server does not accept form “%s” version “%s”; update "
                                   "the forms on the tablet."),
                                 submission->form_id, submission->form_version);
      return queue_envelope (connection, request, MHD_HTTP_NOT_FOUND, message);
    }
  if (submission->commune_code == NULL)
    return queue_envelope (connection, request, MHD_HTTP_BAD_REQUEST,
                           _("The record has no commune code (admin/commune_code); complete "
                             "it on the tablet and finalize it again."));
  if (!rs_server_user_has_commune (user, submission->commune_code))
    {
      detail = g_strdup_printf ("submission refused for commune %s", submission->commune_code);
      audit (request, connection, "forbidden", user->username, detail);
      message = g_strdup_printf (_("User “%s” may not send records for commune %s; ask the "
                                   "district to assign the commune to this account."),
                                 user->username, submission->commune_code);
      return queue_envelope (connection, request, MHD_HTTP_FORBIDDEN, message);
    }

  /* The score (and why a record could not be scored) is stored for the district's staff: in
   * the server's language, not in the language of whoever sent the record. */
  {
    locale_t previous = rs_server_language_enter (rs_server_language_default ());

    score_submission (server, submission, &classification, &score_json);
    rs_server_language_leave (previous);
  }

  received_us = g_get_real_time ();
  remote = remote_address (connection);
  if (!rs_server_store_record_put (server->store, submission, user->username, remote,
                                   received_us, classification, score_json, &outcome, &error))
    {
      g_log ("rasoat-server", G_LOG_LEVEL_MESSAGE, "storing %s failed: %s",
             submission->instance_id, error->message);
      return queue_busy (connection, request);
    }

  switch (outcome)
    {
    case RS_RECORD_CONFLICT:
      detail = g_strdup_printf ("%s conflict", submission->instance_id);
      audit (request, connection, "submission_refused", user->username, detail);
      message = g_strdup_printf (_("The server already has a different record with ID %s. The "
                                   "record was changed after it was sent; ask the commune "
                                   "officer to review it."), submission->instance_id);
      return queue_envelope (connection, request, MHD_HTTP_CONFLICT, message);
    case RS_RECORD_STALE:
    case RS_RECORD_UNKNOWN_BASE:
      detail = g_strdup_printf ("%s stale base %s", submission->instance_id,
                                submission->deprecated_id);
      audit (request, connection, "submission_refused", user->username, detail);
      message = g_strdup_printf (outcome == RS_RECORD_STALE
                                 ? _("The version this edit replaces (%s) is no longer the "
                                     "current one on the server; someone edited the household "
                                     "meanwhile. Ask the commune officer to review it.")
                                 : _("The version this edit replaces (%s) never reached the "
                                     "server; send the original record first."),
                                 submission->deprecated_id);
      return queue_envelope (connection, request, MHD_HTTP_CONFLICT, message);
    case RS_RECORD_OTHER_COMMUNE:
      detail = g_strdup_printf ("%s replaces %s of another commune", submission->instance_id,
                                submission->deprecated_id);
      audit (request, connection, "forbidden", user->username, detail);
      message = g_strdup_printf (_("The version this edit replaces (%s) belongs to another "
                                   "commune; an edit must keep the household's commune."),
                                 submission->deprecated_id);
      return queue_envelope (connection, request, MHD_HTTP_FORBIDDEN, message);
    case RS_RECORD_STORED:
    case RS_RECORD_DUPLICATE:
    default:
      break;
    }

  received_iso = format_time_us (received_us);
  {
    g_autofree char *id_x = g_markup_escape_text (submission->form_id, -1);
    g_autofree char *version_x = g_markup_escape_text (submission->form_version, -1);
    g_autofree char *instance_x = g_markup_escape_text (submission->instance_id, -1);
    g_autofree char *class_x = g_markup_escape_text (classification != NULL ? classification
                                                                            : "", -1);

    metadata = g_strdup_printf ("<submissionMetadata xmlns=\"http://www.opendatakit.org/xforms\""
                                " id=\"%s\" version=\"%s\" instanceID=\"%s\" sha256=\"%s\""
                                " submissionDate=\"%s\" isComplete=\"%s\" outcome=\"%s\""
                                " classification=\"%s\"/>",
                                id_x, version_x, instance_x, submission->sha256, received_iso,
                                submission->incomplete ? "false" : "true",
                                rs_record_outcome_to_string (outcome), class_x);
  }
  message = g_strdup (outcome == RS_RECORD_DUPLICATE
                      ? _("The district server already had this record; nothing more to send.")
                      : _("The district server received the record."));
  body = openrosa_envelope ("submit_success", message, metadata);
  request->localized = TRUE;
  {
    const char *headers[] = {
      "X-Rasoat-Instance-ID", submission->instance_id,
      "X-Rasoat-SHA256", submission->sha256,
      "X-Rasoat-Outcome", rs_record_outcome_to_string (outcome),
      NULL,
    };
    return queue_response (connection, request, MHD_HTTP_CREATED, XML_CONTENT_TYPE, body,
                           strlen (body), headers);
  }
}

/* ---- JSON API --------------------------------------------------------------------------- */

static void
builder_add_string (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
rs_server_record_to_json (JsonBuilder             *builder,
                          const RsServerRecordRow *row)
{
  g_autofree char *received_iso = format_time_us (row->received_us);

  json_builder_begin_object (builder);
  builder_add_string (builder, "instanceID", row->instance_id);
  builder_add_string (builder, "deprecatedID", row->deprecated_id);
  builder_add_string (builder, "supersededBy", row->superseded_by);
  builder_add_string (builder, "formId", row->form_id);
  builder_add_string (builder, "formVersion", row->form_version);
  builder_add_string (builder, "communeCode", row->commune_code);
  builder_add_string (builder, "village", row->village);
  builder_add_string (builder, "householdCode", row->household_code);
  builder_add_string (builder, "headName", row->head_name);
  builder_add_string (builder, "reviewDate", row->review_date);
  builder_add_string (builder, "enumerator", row->enumerator);
  builder_add_string (builder, "submittedBy", row->submitted_by);
  builder_add_string (builder, "receivedAt", received_iso);
  builder_add_string (builder, "sha256", row->sha256);
  builder_add_string (builder, "classification", row->classification);
  json_builder_set_member_name (builder, "score");
  if (row->score_json != NULL && *row->score_json != '\0')
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, row->score_json, -1, NULL))
        json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
      else
        json_builder_add_null_value (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

static gboolean
add_record_row (const RsServerRecordRow *row,
                gpointer                 user_data)
{
  rs_server_record_to_json (user_data, row);
  return TRUE;
}

static gboolean
add_assignment_row (const RsServerAssignment *row,
                    gpointer                  user_data)
{
  JsonBuilder *builder = user_data;

  json_builder_begin_object (builder);
  builder_add_string (builder, "communeCode", row->commune_code);
  builder_add_string (builder, "householdCode", row->household_code);
  builder_add_string (builder, "village", row->village);
  builder_add_string (builder, "headName", row->head_name);
  builder_add_string (builder, "previousStatus", row->previous_status);
  builder_add_string (builder, "source", row->source);
  json_builder_end_object (builder);
  return TRUE;
}

static enum MHD_Result
queue_json_error (struct MHD_Connection *connection,
                  Request               *request,
                  unsigned int           status,
                  const char            *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  builder_add_string (builder, "error", message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  request->localized = TRUE;
  return queue_json (connection, request, status, root);
}

static enum MHD_Result
handle_api_list (Request               *request,
                 struct MHD_Connection *connection,
                 RsServerUser          *user,
                 gboolean               records)
{
  const char *commune = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND,
                                                     "commune");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (commune != NULL && *commune == '\0')
    commune = NULL;
  if (commune == NULL && user->role != RS_ROLE_DISTRICT_ADMIN)
    return queue_json_error (connection, request, MHD_HTTP_BAD_REQUEST,
                             _("Say which commune to list (?commune=CODE)."));
  if (records && user->role == RS_ROLE_ENUMERATOR)
    return queue_json_error (connection, request, MHD_HTTP_FORBIDDEN,
                             _("Enumerators may not read the district's records; ask the "
                               "commune officer."));
  if (commune != NULL && !rs_server_user_has_commune (user, commune))
    {
      g_autofree char *message = g_strdup_printf (_("User “%s” may not read commune %s."),
                                                  user->username, commune);
      return queue_json_error (connection, request, MHD_HTTP_FORBIDDEN, message);
    }

  json_builder_begin_array (builder);
  if (records)
    ok = rs_server_store_records_foreach (request->server->store, commune, TRUE, add_record_row,
                                          builder, &error);
  else
    ok = rs_server_store_assignments_foreach (request->server->store, commune,
                                              add_assignment_row, builder, &error);
  json_builder_end_array (builder);
  if (!ok)
    return queue_json_error (connection, request, MHD_HTTP_INTERNAL_SERVER_ERROR, error->message);
  if (records)
    {
      g_autofree char *detail = g_strdup_printf ("records of commune %s",
                                                 commune != NULL ? commune : "*");
      audit (request, connection, "read", user->username, detail);
    }
  root = json_builder_get_root (builder);
  return queue_json (connection, request, MHD_HTTP_OK, root);
}

static enum MHD_Result
handle_health (Request               *request,
               struct MHD_Connection *connection)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  gint64 count = rs_server_store_record_count (request->server->store, NULL);

  json_builder_begin_object (builder);
  builder_add_string (builder, "status", count >= 0 ? "ok" : "database_error");
  builder_add_string (builder, "version", PACKAGE_VERSION);
  builder_add_string (builder, "backend", rs_server_store_backend_name (request->server->store));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return queue_json (connection, request,
                     count >= 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, root);
}

/* ---- dispatch --------------------------------------------------------------------------- */

static void
request_free (Request *request)
{
  if (request->reserved > 0)
    g_atomic_pointer_add (&request->server->inflight_body_bytes, -(gssize) request->reserved);
  g_clear_pointer (&request->body, g_byte_array_unref);
  g_clear_pointer (&request->user, rs_server_user_free);
  g_free (request->path);
  g_free (request->path_token);
  g_free (request);
}

static void
request_completed (void                            *cls,
                   struct MHD_Connection           *connection,
                   void                           **con_cls,
                   enum MHD_RequestTerminationCode  toe)
{
  if (*con_cls != NULL)
    request_free (*con_cls);
  *con_cls = NULL;
}

static Request *
request_new (RsServer              *server,
             struct MHD_Connection *connection,
             const char            *url)
{
  Request *request = g_new0 (Request, 1);

  request->server = server;
  request->language = rs_server_language_for_request (
    MHD_lookup_connection_value (connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
  /* ODK Central style: /key/<token>/submission authenticates with the token in the path. */
  if (g_str_has_prefix (url, "/key/"))
    {
      const char *token = url + strlen ("/key/");
      const char *slash = strchr (token, '/');

      if (slash != NULL && slash > token)
        {
          request->path_token = g_strndup (token, slash - token);
          request->path = g_strdup (slash);
        }
    }
  if (request->path == NULL)
    request->path = g_strdup (url);
  return request;
}

static enum MHD_Result
dispatch (Request               *request,
          struct MHD_Connection *connection,
          const char            *method)
{
  const char *path = request->path;
  RsServerUser *user;
  gboolean is_get = g_str_equal (method, MHD_HTTP_METHOD_GET);
  gboolean is_head = g_str_equal (method, MHD_HTTP_METHOD_HEAD);
  gboolean is_post = g_str_equal (method, MHD_HTTP_METHOD_POST);

  if (g_str_equal (path, "/api/health") && (is_get || is_head))
    return handle_health (request, connection);

  if (!g_str_equal (path, "/submission") && !g_str_equal (path, "/formList")
      && !g_str_equal (path, "/formXml") && !g_str_equal (path, "/formManifest")
      && !g_str_equal (path, "/formMedia") && !g_str_equal (path, "/api/assignments")
      && !g_str_equal (path, "/api/records"))
    return queue_envelope (connection, request, MHD_HTTP_NOT_FOUND,
                           _("There is nothing at this address; check the server address in "
                             "Settings (it ends before /submission)."));
  if (!(is_get || is_head || (is_post && g_str_equal (path, "/submission"))))
    return queue_envelope (connection, request, MHD_HTTP_METHOD_NOT_ALLOWED,
                           _("This method is not allowed here."));

  if (request->user == NULL)
    request->user = authenticate (request, connection, &request->auth_method);
  user = request->user;
  if (user == NULL)
    return request->responded ? MHD_YES : MHD_NO;

  if (g_str_equal (path, "/submission"))
    {
      if (is_post)
        return handle_submission (request, connection, user);
      /* The pre-flight is where a tablet signs in once per sync: that is the login we log. */
      audit (request, connection, "login", user->username,
             request->auth_method == AUTH_TOKEN ? "device token"
             : request->auth_method == AUTH_BASIC ? "basic" : "digest");
      return queue_response (connection, request, MHD_HTTP_NO_CONTENT, NULL, "", 0, NULL);
    }
  if (g_str_equal (path, "/formList"))
    return handle_form_list (request, connection);
  if (g_str_equal (path, "/formXml"))
    return handle_form_download (request, connection);
  if (g_str_equal (path, "/formManifest"))
    return handle_form_manifest (request, connection);
  if (g_str_equal (path, "/formMedia"))
    return handle_form_media (request, connection);
  if (g_str_equal (path, "/api/assignments"))
    return handle_api_list (request, connection, user, FALSE);
  return handle_api_list (request, connection, user, TRUE);
}

/* First call: check the path, authenticate early (a 401 before the body is read) and the
 * announced size. Middle calls: collect the body up to the cap. Last call: answer. */
static enum MHD_Result
handle_call (RsServer              *server,
             Request               *request,
             struct MHD_Connection *connection,
             const char            *method,
             gboolean               first,
             const char            *upload_data,
             size_t                *upload_data_size)
{
  if (first)
    {
      const char *length_header;
      guint64 announced = 0;

      if (!g_str_equal (method, MHD_HTTP_METHOD_POST))
        return dispatch (request, connection, method);

      length_header = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (length_header != NULL
          && g_ascii_string_to_unsigned (length_header, 10, 0, G_MAXUINT64, &announced, NULL)
          && announced > server->config.max_body_bytes)
        return queue_too_large (connection, request);
      if (!g_str_equal (request->path, "/submission"))
        return dispatch (request, connection, method);
      request->user = authenticate (request, connection, &request->auth_method);
      if (request->user == NULL)
        return request->responded ? MHD_YES : MHD_NO;
      request->body = g_byte_array_new ();
      return MHD_YES;
    }

  if (request->responded)
    {
      /* A response is queued; the rest of the body is dropped by libmicrohttpd. */
      *upload_data_size = 0;
      return MHD_YES;
    }

  if (*upload_data_size > 0)
    {
      gsize chunk = *upload_data_size;

      *upload_data_size = 0;
      if (request->too_large || request->body->len + chunk > server->config.max_body_bytes)
        {
          request->too_large = TRUE;
          request->discarded += chunk;
          return request->discarded > server->config.max_body_bytes + DISCARD_ALLOWANCE
                 ? MHD_NO : MHD_YES;
        }
      if (!reserve_body (request, chunk))
        {
          request->too_large = TRUE;
          request->discarded += chunk;
          return MHD_YES;
        }
      g_byte_array_append (request->body, (const guint8 *) upload_data, chunk);
      return MHD_YES;
    }

  if (request->too_large)
    {
      if (request->body->len + request->discarded <= server->config.max_body_bytes)
        return queue_busy (connection, request);
      return queue_too_large (connection, request);
    }
  return dispatch (request, connection, method);
}

static enum MHD_Result
access_handler (void                  *cls,
                struct MHD_Connection *connection,
                const char            *url,
                const char            *method,
                const char            *version,
                const char            *upload_data,
                size_t                *upload_data_size,
                void                 **con_cls)
{
  RsServer *server = cls;
  Request *request = *con_cls;
  gboolean first = request == NULL;
  enum MHD_Result result;
  locale_t previous;

  if (first)
    {
      request = request_new (server, connection, url);
      *con_cls = request;
    }
  /* Every message made during this call is in the request's language, on this thread only.
   * Per call, not per request: one thread interleaves the calls of many connections. */
  previous = rs_server_language_enter (request->language);
  result = handle_call (server, request, connection, method, first, upload_data,
                        upload_data_size);
  rs_server_language_leave (previous);
  return result;
}

static void
mhd_logger (void       *cls,
            const char *format,
            va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_log ("rasoat-server", G_LOG_LEVEL_DEBUG, "libmicrohttpd: %s", g_strchomp (message));
}

/* ---- forms ------------------------------------------------------------------------------ */

static xmlNode *
find_child (xmlNode    *parent,
            const char *name)
{
  for (xmlNode *child = parent != NULL ? parent->children : NULL; child; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE && g_str_equal ((const char *) child->name, name))
        return child;
    }
  return NULL;
}

RsServerForm *
rs_server_form_from_bytes (GBytes  *xml,
                           GError **error)
{
  g_autoptr(RsServerForm) form = g_new0 (RsServerForm, 1);
  gsize length = 0;
  const char *data = g_bytes_get_data (xml, &length);
  xmlDoc *doc;
  xmlNode *head, *model, *instance, *root = NULL, *title;
  xmlChar *value;

  doc = rs_xml_read_memory (NULL, data, length, "form.xml", 0);
  if (doc == NULL)
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                   _("The form file is not well-formed XML."));
      return NULL;
    }
  head = find_child (xmlDocGetRootElement (doc) != NULL ? (xmlNode *) doc : NULL, "html");
  head = find_child (head, "head");
  model = find_child (head, "model");
  instance = find_child (model, "instance");
  for (xmlNode *child = instance != NULL ? instance->children : NULL; child; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE)
        {
          root = child;
          break;
        }
    }
  if (root != NULL && (value = xmlGetNoNsProp (root, (const xmlChar *) "id")) != NULL)
    {
      form->form_id = g_strdup ((const char *) value);
      xmlFree (value);
    }
  if (root != NULL && (value = xmlGetNoNsProp (root, (const xmlChar *) "version")) != NULL)
    {
      form->version = g_strdup ((const char *) value);
      xmlFree (value);
    }
  title = find_child (head, "title");
  if (title != NULL && (value = xmlNodeGetContent (title)) != NULL)
    {
      form->name = g_strdup (g_strstrip ((char *) value));
      xmlFree (value);
    }
  xmlFreeDoc (doc);
  if (form->form_id == NULL || *form->form_id == '\0')
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                   _("The form has no id on its instance root; it is not an XForm."));
      return NULL;
    }
  if (form->version == NULL)
    form->version = g_strdup ("");
  if (form->name == NULL || *form->name == '\0')
    {
      g_free (form->name);
      form->name = g_strdup (form->form_id);
    }
  form->md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) data, length);
  form->xml = g_bytes_ref (xml);
  return g_steal_pointer (&form);
}

gboolean
rs_server_load_forms_dir (RsServerStore  *store,
                          const char     *dir,
                          guint          *n_added,
                          GError        **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  const char *name;
  guint added_count = 0;

  if (handle == NULL)
    return FALSE;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(RsServerForm) form = NULL;
      g_autoptr(GError) local_error = NULL;
      gsize length = 0;
      gboolean added = FALSE;

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (!g_file_get_contents (path, &contents, &length, error))
        return FALSE;
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      form = rs_server_form_from_bytes (bytes, &local_error);
      if (form == NULL)
        {
          g_log ("rasoat-server", G_LOG_LEVEL_MESSAGE, "%s skipped: %s", path,
                 local_error->message);
          continue;
        }
      if (!rs_server_store_form_put (store, form, &added, error))
        return FALSE;
      added_count += added ? 1 : 0;
    }
  if (n_added != NULL)
    *n_added = added_count;
  return TRUE;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

RsServer *
rs_server_new (RsServerStore        *store,
               const RsServerConfig *config)
{
  RsServer *self = g_new0 (RsServer, 1);

  self->store = store;
  self->config = *config;
  self->config.listen_host = g_strdup (config->listen_host);
  self->config.tls_cert_path = g_strdup (config->tls_cert_path);
  self->config.tls_key_path = g_strdup (config->tls_key_path);
  self->config.forms_dir = g_strdup (config->forms_dir);
  self->config.data_dir = g_strdup (config->data_dir);
  self->known_forms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->known_forms_lock);
  return self;
}

const RsServerConfig *
rs_server_get_config (RsServer *self)
{
  return &self->config;
}

GArray *
rs_server_get_mhd_options (RsServer *self)
{
  return self->options;
}

static gboolean
load_media (RsServer    *self,
            const char  *data_dir,
            GError     **error)
{
  g_autofree char *dir_path = g_build_filename (data_dir, "standards", NULL);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  self->media = g_ptr_array_new_with_free_func ((GDestroyNotify) media_file_free);
  if (!g_file_test (dir_path, G_FILE_TEST_IS_DIR))
    return TRUE;
  dir = g_dir_open (dir_path, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;
      MediaFile *file;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if (!g_file_get_contents (path, &contents, &length, error))
        return FALSE;
      file = g_new0 (MediaFile, 1);
      file->filename = g_strdup (name);
      file->md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents, length);
      file->data = g_bytes_new_take (g_steal_pointer (&contents), length);
      g_ptr_array_add (self->media, file);
    }
  return TRUE;
}

gboolean
rs_server_start (RsServer  *self,
                 GError   **error)
{
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  gboolean want_tls = self->config.tls_cert_path != NULL || self->config.tls_key_path != NULL;

  g_return_val_if_fail (self->daemon == NULL, FALSE);

  if (!rs_server_auth_init (self->config.max_concurrent_hashes, error))
    return FALSE;
  xmlInitParser ();

  if (self->config.forms_dir != NULL
      && g_file_test (self->config.forms_dir, G_FILE_TEST_IS_DIR)
      && !rs_server_load_forms_dir (self->store, self->config.forms_dir, NULL, error))
    return FALSE;

  if (self->config.data_dir != NULL && self->media == NULL
      && !load_media (self, self->config.data_dir, error))
    return FALSE;
  if (self->config.data_dir != NULL && self->scorers == NULL)
    {
      self->scorers = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_scorer_free);
      self->idle_scorers = g_async_queue_new ();
      for (guint i = 0; i < MAX (self->config.thread_pool_size, 1); i++)
        {
          g_autoptr(GError) local_error = NULL;
          RsScorer *scorer = rs_scorer_new (self->config.data_dir, &local_error);

          if (scorer == NULL)
            {
              g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                           _("Cannot load the household form and poverty standards from %s to "
                             "score records: %s"), self->config.data_dir, local_error->message);
              return FALSE;
            }
          g_ptr_array_add (self->scorers, scorer);
          g_async_queue_push (self->idle_scorers, scorer);
        }
    }

  self->bind_address = g_inet_socket_address_new_from_string (self->config.listen_host,
                                                              self->config.port);
  if (self->bind_address == NULL
      || !g_socket_address_to_native (self->bind_address, &self->bind_native,
                                      sizeof self->bind_native, NULL))
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_CONFIG,
                   _("Cannot listen on %s; give an IP address such as 127.0.0.1."),
                   self->config.listen_host);
      return FALSE;
    }
  if (g_socket_address_get_family (self->bind_address) == G_SOCKET_FAMILY_IPV6)
    flags |= MHD_USE_IPv6;

  self->options = rs_server_config_mhd_options (&self->config);
  rs_server_auth_random (self->digest_random, sizeof self->digest_random);
  insert_option (self->options, MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof self->digest_random,
                 self->digest_random);
  insert_option (self->options, MHD_OPTION_SOCK_ADDR, 0, &self->bind_native);
  insert_option (self->options, MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, NULL);
  insert_option (self->options, MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) mhd_logger, NULL);

  if (want_tls)
    {
      if (self->config.tls_cert_path == NULL || self->config.tls_key_path == NULL)
        {
          g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_TLS,
                       _("HTTPS needs both --tls-cert and --tls-key."));
          return FALSE;
        }
      if (MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES)
        {
          g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_TLS,
                       _("This libmicrohttpd was built without TLS; run behind a reverse proxy "
                         "instead (see docs/server.md)."));
          return FALSE;
        }
      if (!g_file_get_contents (self->config.tls_cert_path, &self->tls_cert_pem, NULL, error)
          || !g_file_get_contents (self->config.tls_key_path, &self->tls_key_pem, NULL, error))
        return FALSE;
      insert_option (self->options, MHD_OPTION_HTTPS_MEM_CERT, 0, self->tls_cert_pem);
      insert_option (self->options, MHD_OPTION_HTTPS_MEM_KEY, 0, self->tls_key_pem);
      flags |= MHD_USE_TLS;
      self->tls = TRUE;
    }

  self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, access_handler, self,
                                   MHD_OPTION_ARRAY, (struct MHD_OptionItem *) self->options->data,
                                   MHD_OPTION_END);
  if (self->daemon == NULL)
    {
      g_set_error (error, RS_SERVER_ERROR, RS_SERVER_ERROR_START,
                   _("The server could not start on %s port %u; is another program using "
                     "that port?"), self->config.listen_host, self->config.port);
      return FALSE;
    }
  return TRUE;
}

guint16
rs_server_get_port (RsServer *self)
{
  const union MHD_DaemonInfo *info;

  if (self->daemon == NULL)
    return 0;
  info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? info->port : 0;
}

void
rs_server_stop (RsServer *self)
{
  if (self->daemon != NULL)
    MHD_stop_daemon (self->daemon);
  self->daemon = NULL;
}

void
rs_server_free (RsServer *self)
{
  if (self == NULL)
    return;
  rs_server_stop (self);
  g_clear_pointer (&self->options, g_array_unref);
  g_clear_object (&self->bind_address);
  if (self->tls_key_pem != NULL)
    memset (self->tls_key_pem, 0, strlen (self->tls_key_pem));
  g_free (self->tls_cert_pem);
  g_free (self->tls_key_pem);
  g_clear_pointer (&self->known_forms, g_hash_table_unref);
  g_clear_pointer (&self->media, g_ptr_array_unref);
  g_mutex_clear (&self->known_forms_lock);
  g_clear_pointer (&self->idle_scorers, g_async_queue_unref);
  g_clear_pointer (&self->scorers, g_ptr_array_unref);
  rs_server_config_clear (&self->config);
  g_free (self);
}
