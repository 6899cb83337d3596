/* rs-openrosa-stub.c: a scriptable OpenRosa server on libmicrohttpd, for the client tests only.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>

#include "rs-openrosa-stub.h"

#define REALM "rasoat-test"
#define ENVELOPE_OK \
  "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\" items=\"0\">" \
  "<message nature=\"submit_success\">Đã nhận.</message></OpenRosaResponse>"

typedef struct
{
  char  *method;
  guint  status;
  char  *headers;
  char  *body;
  guint  body_repeat;
  guint  delay_ms;
} Reply;

struct _RsStub
{
  struct MHD_Daemon *daemon;
  RsStubAuth         auth;
  char              *url;
  GMutex             lock;
  GQueue             replies;   /* of Reply* */
  GPtrArray         *requests;  /* of RsStubRequest* */
  guint8             digest_seed[32];
  char              *cert;
  char              *key;
};

typedef struct
{
  GByteArray *body;
} Upload;

static void
reply_free (Reply *reply)
{
  g_free (reply->method);
  g_free (reply->headers);
  g_free (reply->body);
  g_free (reply);
}

static void
request_free (RsStubRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->device_id);
  g_hash_table_unref (request->headers);
  g_bytes_unref (request->body);
  g_free (request);
}

static enum MHD_Result
collect_header (void                *cls,
                enum MHD_ValueKind   kind,
                const char          *key,
                const char          *value)
{
  g_hash_table_insert (cls, g_ascii_strdown (key, -1), g_strdup (value != NULL ? value : ""));
  return MHD_YES;
}

static Reply *
take_reply (RsStub     *stub,
            const char *method)
{
  Reply *found = NULL;

  g_mutex_lock (&stub->lock);
  for (GList *l = stub->replies.head; l != NULL; l = l->next)
    {
      Reply *reply = l->data;

      if (g_str_equal (reply->method, method))
        {
          found = reply;
          g_queue_delete_link (&stub->replies, l);
          break;
        }
    }
  g_mutex_unlock (&stub->lock);
  return found;
}

static enum MHD_Result
queue_text (struct MHD_Connection *connection,
            guint                  status,
            const char            *headers,
            const char            *body,
            guint                  repeat)
{
  GString *text = g_string_new (NULL);
  struct MHD_Response *response;
  enum MHD_Result ret;

  for (guint i = 0; i < MAX (repeat, 1); i++)
    g_string_append (text, body != NULL ? body : "");
  response = MHD_create_response_from_buffer (text->len, text->str, MHD_RESPMEM_MUST_COPY);
  g_string_free (text, TRUE);
  if (headers != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (headers, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *colon = strchr (lines[i], ':');

          if (colon == NULL)
            continue;
          *colon = '\0';
          MHD_add_response_header (response, g_strstrip (lines[i]), g_strstrip (colon + 1));
        }
    }
  ret = MHD_queue_response (connection, status, response);
  MHD_destroy_response (response);
  return ret;
}

static gboolean
authorized (RsStub                *stub,
            struct MHD_Connection *connection,
            enum MHD_Result       *ret)
{
  struct MHD_Response *response;
  const char *authorization;

  switch (stub->auth)
    {
    case RS_STUB_AUTH_NONE:
      return TRUE;

    case RS_STUB_AUTH_DIGEST:
      {
        int ok = MHD_digest_auth_check2 (connection, REALM, "enum1", "secret", 300,
                                         MHD_DIGEST_ALG_MD5);

        if (ok == MHD_YES)
          return TRUE;
        response = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header (response, "X-OpenRosa-Version", "1.0");
        *ret = MHD_queue_auth_fail_response2 (connection, REALM, "opaque123", response,
                                              ok == MHD_INVALID_NONCE ? MHD_YES : MHD_NO,
                                              MHD_DIGEST_ALG_MD5);
        MHD_destroy_response (response);
        return FALSE;
      }

    case RS_STUB_AUTH_BASIC_ONLY:
      {
        char *password = NULL;
        char *user = MHD_basic_auth_get_username_password (connection, &password);
        gboolean ok = user != NULL && g_str_equal (user, "enum1") && password != NULL
                      && g_str_equal (password, "secret");

        MHD_free (user);
        MHD_free (password);
        if (ok)
          return TRUE;
        response = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
        *ret = MHD_queue_basic_auth_fail_response (connection, REALM, response);
        MHD_destroy_response (response);
        return FALSE;
      }

    case RS_STUB_AUTH_BEARER:
      authorization = MHD_lookup_connection_value (connection, MHD_HEADER_KIND, "Authorization");
      if (authorization != NULL && g_str_equal (authorization, "Bearer tok123"))
        return TRUE;
      *ret = queue_text (connection, 401, "X-OpenRosa-Version: 1.0", "no token", 1);
      return FALSE;

    default:
      return FALSE;
    }
}

static enum MHD_Result
on_request (void                  *cls,
            struct MHD_Connection *connection,
            const char            *url,
            const char            *method,
            const char            *version,
            const char            *upload_data,
            size_t                *upload_data_size,
            void                 **con_cls)
{
  RsStub *stub = cls;
  Upload *upload = *con_cls;
  RsStubRequest *request;
  const char *device_id;
  enum MHD_Result ret = MHD_NO;
  Reply *reply;

  if (upload == NULL)
    {
      upload = g_new0 (Upload, 1);
      upload->body = g_byte_array_new ();
      *con_cls = upload;
      return MHD_YES;
    }
  if (*upload_data_size > 0)
    {
      g_byte_array_append (upload->body, (const guint8 *) upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }

  request = g_new0 (RsStubRequest, 1);
  request->method = g_strdup (method);
  request->path = g_strdup (url);
  device_id = MHD_lookup_connection_value (connection, MHD_GET_ARGUMENT_KIND, "deviceID");
  request->device_id = g_strdup (device_id);
  request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  MHD_get_connection_values (connection, MHD_HEADER_KIND, collect_header, request->headers);
  request->body = g_bytes_new (upload->body->data, upload->body->len);
  g_mutex_lock (&stub->lock);
  g_ptr_array_add (stub->requests, request);
  g_mutex_unlock (&stub->lock);

  if (!authorized (stub, connection, &ret))
    return ret;

  reply = take_reply (stub, method);
  if (reply != NULL)
    {
      if (reply->delay_ms > 0)
        g_usleep (reply->delay_ms * 1000);
      ret = queue_text (connection, reply->status, reply->headers, reply->body,
                        reply->body_repeat);
      reply_free (reply);
    }
  else if (g_str_equal (method, "HEAD"))
    ret = queue_text (connection, 204,
                      "X-OpenRosa-Version: 1.0\nX-OpenRosa-Accept-Content-Length: 10000000",
                      NULL, 1);
  else if (g_str_equal (method, "POST"))
    ret = queue_text (connection, 201, "X-OpenRosa-Version: 1.0\nContent-Type: text/xml",
                      ENVELOPE_OK, 1);
  else
    ret = queue_text (connection, 404, NULL, "not found", 1);
  return ret;
}

static void
on_completed (void                            *cls,
              struct MHD_Connection           *connection,
              void                           **con_cls,
              enum MHD_RequestTerminationCode  toe)
{
  Upload *upload = *con_cls;

  if (upload == NULL)
    return;
  g_byte_array_unref (upload->body);
  g_free (upload);
  *con_cls = NULL;
}

RsStub *
rs_stub_new (RsStubAuth auth)
{
  return rs_stub_new_tls (auth, NULL, NULL);
}

RsStub *
rs_stub_new_tls (RsStubAuth  auth,
                 const char *cert_pem,
                 const char *key_pem)
{
  RsStub *stub = g_new0 (RsStub, 1);
  unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                       | MHD_USE_ERROR_LOG;
  const union MHD_DaemonInfo *info;
  struct sockaddr_in addr = { 0, };

  stub->auth = auth;
  g_mutex_init (&stub->lock);
  g_queue_init (&stub->replies);
  stub->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  for (guint i = 0; i < sizeof stub->digest_seed; i++)
    stub->digest_seed[i] = (guint8) g_random_int ();

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  struct MHD_OptionItem no_options[] = { { MHD_OPTION_END, 0, NULL } };
  struct MHD_OptionItem tls_options[] = {
    { MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
    { MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
    { MHD_OPTION_END, 0, NULL },
  };

  if (cert_pem != NULL)
    {
      stub->cert = g_strdup (cert_pem);
      stub->key = g_strdup (key_pem);
      tls_options[0].ptr_value = stub->cert;
      tls_options[1].ptr_value = stub->key;
      flags |= MHD_USE_TLS;
    }
  stub->daemon = MHD_start_daemon (flags, 0, NULL, NULL, on_request, stub,
                                   MHD_OPTION_ARRAY, cert_pem != NULL ? tls_options : no_options,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, stub,
                                   MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof stub->digest_seed,
                                   stub->digest_seed,
                                   MHD_OPTION_NONCE_NC_SIZE, 300,
                                   MHD_OPTION_CONNECTION_TIMEOUT, 10,
                                   MHD_OPTION_SOCK_ADDR, &addr,
                                   MHD_OPTION_END);
  g_assert (stub->daemon != NULL);
  info = MHD_get_daemon_info (stub->daemon, MHD_DAEMON_INFO_BIND_PORT);
  stub->url = g_strdup_printf ("%s://127.0.0.1:%u", cert_pem != NULL ? "https" : "http",
                               info->port);
  return stub;
}

void
rs_stub_free (RsStub *stub)
{
  if (stub == NULL)
    return;
  MHD_stop_daemon (stub->daemon);
  g_queue_clear_full (&stub->replies, (GDestroyNotify) reply_free);
  g_ptr_array_unref (stub->requests);
  g_mutex_clear (&stub->lock);
  g_free (stub->url);
  g_free (stub->cert);
  g_free (stub->key);
  g_free (stub);
}

const char *
rs_stub_url (RsStub *stub)
{
  return stub->url;
}

void
rs_stub_push (RsStub     *stub,
              const char *method,
              guint       status,
              const char *headers,
              const char *body,
              guint       body_repeat,
              guint       delay_ms)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->method = g_strdup (method);
  reply->status = status;
  reply->headers = g_strdup (headers);
  reply->body = g_strdup (body);
  reply->body_repeat = body_repeat;
  reply->delay_ms = delay_ms;
  g_mutex_lock (&stub->lock);
  g_queue_push_tail (&stub->replies, reply);
  g_mutex_unlock (&stub->lock);
}

guint
rs_stub_n_requests (RsStub *stub)
{
  guint n;

  g_mutex_lock (&stub->lock);
  n = stub->requests->len;
  g_mutex_unlock (&stub->lock);
  return n;
}

RsStubRequest *
rs_stub_request (RsStub *stub,
                 guint   index)
{
  RsStubRequest *request;

  g_mutex_lock (&stub->lock);
  request = index < stub->requests->len ? g_ptr_array_index (stub->requests, index) : NULL;
  g_mutex_unlock (&stub->lock);
  return request;
}

guint
rs_stub_count (RsStub     *stub,
               const char *method)
{
  guint n = 0;

  g_mutex_lock (&stub->lock);
  for (guint i = 0; i < stub->requests->len; i++)
    {
      RsStubRequest *request = g_ptr_array_index (stub->requests, i);

      if (g_str_equal (request->method, method))
        n++;
    }
  g_mutex_unlock (&stub->lock);
  return n;
}
