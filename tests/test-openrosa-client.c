/* test-openrosa-client.c: the OpenRosa client against a scripted server on 127.0.0.1.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "rs-openrosa-client.h"
#include "rs-openrosa-stub.h"
#include "rs-test.h"

#define XML "<?xml version=\"1.0\"?><data id=\"ho_ngheo\" version=\"2026010101\"><hh>Nguyễn Văn A" \
  "</hh><meta><instanceID>uuid:5f2c1e9a-0000-4000-8000-000000000001</instanceID></meta></data>"
#define ENVELOPE(msg) \
  "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\" items=\"0\">" \
  "<message nature=\"submit_success\">" msg "</message></OpenRosaResponse>"
#define OR_HEADERS "X-OpenRosa-Version: 1.0\nContent-Type: text/xml; charset=utf-8"

static GBytes *
submission_xml (void)
{
  return g_bytes_new_static (XML, strlen (XML));
}

static RsOpenRosaClient *
client_for (RsStub *stub)
{
  g_autoptr(GError) error = NULL;
  RsOpenRosaClient *client = rs_openrosa_client_new (rs_stub_url (stub), &error);
  RsOpenRosaLimits limits;

  g_assert_no_error (error);
  rs_openrosa_limits_init_default (&limits);
  limits.connect_timeout_ms = 2000;
  limits.total_timeout_ms = 5000;
  rs_openrosa_client_set_limits (client, &limits);
  rs_openrosa_client_set_device_id (client, "rasoat:tablet-07");
  return client;
}

static RsRetryDecision
decide (const RsOpenRosaResult *result)
{
  RsRetryInput input;

  rs_openrosa_result_to_retry_input (result, 1, &input);
  return rs_retry_policy_decide (NULL, &input);
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  return data != NULL && g_strstr_len (data, (gssize) size, needle) != NULL;
}

static guint
bytes_count (GBytes     *bytes,
             const char *needle)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  const char *end = data + size;
  guint n = 0;

  for (const char *p = data; p != NULL && p < end; p++)
    {
      p = g_strstr_len (p, end - p, needle);
      if (p == NULL)
        break;
      n++;
    }
  return n;
}

START_TEST (test_headers_on_every_request)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) head = rs_openrosa_client_preflight (client, NULL);
  g_autoptr(RsOpenRosaResult) post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  g_autoptr(GRegex) date = g_regex_new ("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
                                        "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                        "[0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT$",
                                        0, 0, NULL);

  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_int_eq (head->accept_content_length, 10000000);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_str_eq (post->message, "Đã nhận.");
  ck_assert_uint_eq (rs_stub_n_requests (stub), 2);

  for (guint i = 0; i < 2; i++)
    {
      RsStubRequest *request = rs_stub_request (stub, i);

      ck_assert_str_eq (request->method, i == 0 ? "HEAD" : "POST");
      ck_assert_str_eq (request->path, "/submission");
      ck_assert_str_eq (request->device_id, "rasoat:tablet-07");
      ck_assert_str_eq (g_hash_table_lookup (request->headers, "x-openrosa-version"), "1.0");
      ck_assert (g_regex_match (date, g_hash_table_lookup (request->headers, "date"), 0, NULL));
      ck_assert_ptr_null (g_hash_table_lookup (request->headers, "authorization"));
    }
  {
    RsStubRequest *request = rs_stub_request (stub, 1);

    ck_assert (g_str_has_prefix (g_hash_table_lookup (request->headers, "content-type"),
                                 "multipart/form-data"));
    ck_assert (bytes_contain (request->body, "name=\"xml_submission_file\""));
    ck_assert (bytes_contain (request->body, XML));
    ck_assert (!bytes_contain (request->body, "*isIncomplete*"));
  }
}
END_TEST

START_TEST (test_http_date_is_english_gmt)
{
  g_autofree char *date = rs_openrosa_format_http_date (1795484471);

  ck_assert_str_eq (date, "Tue, 24 Nov 2026 01:41:11 GMT");
}
END_TEST

/* A hotspot login page answering the HEAD with 200: not an OpenRosa server. */
START_TEST (test_head_captive_portal)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(RsOpenRosaResult) head = NULL;
  RsRetryDecision d;

  rs_stub_push (stub, "HEAD", 200, "Content-Type: text/html", "<html>Login</html>", 1, 0);
  head = rs_openrosa_client_preflight (client, NULL);
  d = decide (head);
  ck_assert_int_eq (head->http_status, 200);
  ck_assert_int_eq (d.action, RS_RETRY_ACTION_RETRY);
  ck_assert_int_eq (d.reason, RS_RETRY_REASON_CAPTIVE_PORTAL);
  ck_assert (d.stop_batch);
}
END_TEST

START_TEST (test_head_location_same_host_is_followed)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autofree char *headers = g_strdup_printf ("X-OpenRosa-Version: 1.0\n"
                                              "Location: %s/v2/submission",
                                              rs_stub_url (stub));
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autoptr(RsOpenRosaResult) post = NULL;

  rs_stub_push (stub, "HEAD", 204, headers, NULL, 1, 0);
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_SUCCESS);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_str_eq (rs_stub_request (stub, 1)->path, "/v2/submission");
  ck_assert_str_eq (rs_stub_request (stub, 1)->device_id, "rasoat:tablet-07");
}
END_TEST

START_TEST (test_head_location_other_host_is_refused)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autofree char *unchanged = g_strconcat (rs_stub_url (stub),
                                            "/submission?deviceID=rasoat%3Atablet-07", NULL);
  RsRetryDecision d;

  rs_stub_push (stub, "HEAD", 204,
                "X-OpenRosa-Version: 1.0\nLocation: http://evil.example.com/submission", NULL, 1,
                0);
  head = rs_openrosa_client_preflight (client, NULL);
  d = decide (head);
  ck_assert (head->foreign_location);
  ck_assert_int_eq (d.action, RS_RETRY_ACTION_STOP_SECURITY);
  ck_assert_str_eq (rs_openrosa_client_get_submission_url (client), unchanged);
}
END_TEST

/* Answers to a POST, and what the client makes of them. */
static const struct
{
  guint         status;
  const char   *headers;
  const char   *body;
  RsRetryAction action;
  RsRetryReason reason;
  const char   *message;
} post_cases[] = {
  { 201, OR_HEADERS, ENVELOPE ("Đã lưu."), RS_RETRY_ACTION_SUCCESS,
    RS_RETRY_REASON_ACKNOWLEDGED, "Đã lưu." },
  { 202, OR_HEADERS, ENVELOPE ("Duplicate submission"), RS_RETRY_ACTION_SUCCESS,
    RS_RETRY_REASON_ACKNOWLEDGED, "Duplicate submission" },
  { 201, "Content-Type: text/html", "<html>ok</html>", RS_RETRY_ACTION_RETRY,
    RS_RETRY_REASON_NO_ENVELOPE, NULL },
  { 200, "Content-Type: text/html", "<html><body>Wi-Fi login</body></html>",
    RS_RETRY_ACTION_RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, NULL },
  { 200, OR_HEADERS, ENVELOPE ("looks fine"), RS_RETRY_ACTION_RETRY,
    RS_RETRY_REASON_CAPTIVE_PORTAL, "looks fine" },
  { 409, OR_HEADERS, ENVELOPE ("A submission already exists with this ID, but with different XML."),
    RS_RETRY_ACTION_PARK, RS_RETRY_REASON_CONFLICT,
    "A submission already exists with this ID, but with different XML." },
  { 400, "Content-Type: text/plain", "instanceID missing", RS_RETRY_ACTION_PARK,
    RS_RETRY_REASON_REFUSED, "instanceID missing" },
  { 401, OR_HEADERS, ENVELOPE ("Sai mật khẩu"), RS_RETRY_ACTION_STOP_REAUTH,
    RS_RETRY_REASON_AUTH, "Sai mật khẩu" },
  { 413, "Content-Type: text/html", "<html>413 Request Entity Too Large</html>",
    RS_RETRY_ACTION_PARK, RS_RETRY_REASON_TOO_LARGE, NULL },
  { 500, OR_HEADERS, ENVELOPE ("internal error"), RS_RETRY_ACTION_RETRY,
    RS_RETRY_REASON_SERVER_ERROR, "internal error" },
};

START_TEST (test_post_answers)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  RsRetryDecision d;

  rs_stub_push (stub, "POST", post_cases[_i].status, post_cases[_i].headers,
                post_cases[_i].body, 1, 0);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  d = decide (post);
  ck_assert_int_eq (post->curl_code, CURLE_OK);
  ck_assert_int_eq (post->http_status, post_cases[_i].status);
  ck_assert_msg (d.action == post_cases[_i].action, "HTTP %u: %s", post_cases[_i].status,
                 rs_retry_action_to_string (d.action));
  ck_assert_int_eq (d.reason, post_cases[_i].reason);
  if (post_cases[_i].message != NULL)
    ck_assert_str_eq (post->message, post_cases[_i].message);
}
END_TEST

START_TEST (test_retry_after_honoured)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  RsRetryDecision d;

  rs_stub_push (stub, "POST", 503, "Retry-After: 120", "busy", 1, 0);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  d = decide (post);
  ck_assert_int_eq (post->retry_after_seconds, 120);
  ck_assert_int_eq (d.action, RS_RETRY_ACTION_RETRY);
  ck_assert_int_ge (d.delay_ms, 120000);
  ck_assert (d.stop_batch);
}
END_TEST

/* A server (or a portal) streaming an endless page: the 1 MB cap ends it. */
START_TEST (test_response_size_cap)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  RsRetryDecision d;

  rs_stub_push (stub, "POST", 201, "Content-Type: text/html",
                "<p>0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef</p>",
                30000, 0);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  d = decide (post);
  ck_assert_int_eq (post->curl_code, CURLE_WRITE_ERROR);
  ck_assert_int_eq (d.action, RS_RETRY_ACTION_RETRY);
  ck_assert_int_eq (d.reason, RS_RETRY_REASON_RESPONSE_TOO_LARGE);
}
END_TEST

START_TEST (test_stalled_server_times_out)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  RsOpenRosaLimits limits;

  rs_openrosa_limits_init_default (&limits);
  limits.total_timeout_ms = 300;
  rs_openrosa_client_set_limits (client, &limits);
  rs_stub_push (stub, "POST", 201, OR_HEADERS, ENVELOPE ("late"), 1, 1500);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (post->curl_code, CURLE_OPERATION_TIMEDOUT);
  ck_assert_int_eq (decide (post).reason, RS_RETRY_REASON_TIMEOUT);
}
END_TEST

static void
count_progress (gint64   sent,
                gint64   total,
                gpointer user_data)
{
  gint64 *last = user_data;

  ck_assert_int_le (sent, total);
  ck_assert_int_gt (total, 0);
  last[0]++;
  last[1] = sent;
  last[2] = total;
}

/* Upload progress reaches the whole body. */
START_TEST (test_progress_reported)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  gint64 progress[3] = { 0, 0, 0 };

  rs_openrosa_client_set_progress_func (client, count_progress, progress);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_int_gt (progress[0], 0);
  ck_assert_int_eq (progress[1], progress[2]);
  ck_assert_int_gt (progress[2], (gint64) strlen (XML));
}
END_TEST

START_TEST (test_cancelled_before_sending)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RsOpenRosaResult) post = NULL;

  g_cancellable_cancel (cancellable);
  post = rs_openrosa_client_submit (client, xml, NULL, cancellable);
  ck_assert_int_eq (post->curl_code, CURLE_ABORTED_BY_CALLBACK);
  ck_assert_int_eq (decide (post).reason, RS_RETRY_REASON_CANCELLED);
}
END_TEST

/* Over the server's limit: several POSTs, each with the identical XML. */
START_TEST (test_split_posts_identical_xml)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autoptr(RsOpenRosaResult) post = NULL;
  const char *names[] = { "a.jpg", "b.jpg", "c.jpg" };

  rs_stub_push (stub, "HEAD", 204,
                "X-OpenRosa-Version: 1.0\nX-OpenRosa-Accept-Content-Length: 3000", NULL, 1, 0);
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_SUCCESS);

  attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_openrosa_attachment_free);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *data = g_strnfill (1500, (char) ('x' + i));
      g_autoptr(GBytes) bytes = g_bytes_new (data, 1500);

      g_ptr_array_add (attachments, rs_openrosa_attachment_new (names[i], "image/jpeg", bytes));
    }
  post = rs_openrosa_client_submit (client, xml, attachments, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_uint_eq (post->n_posts, 3);
  ck_assert_uint_eq (rs_stub_count (stub, "POST"), 3);
  for (guint i = 0; i < 3; i++)
    {
      RsStubRequest *request = rs_stub_request (stub, 1 + i);
      g_autofree char *part = g_strdup_printf ("name=\"%s\"", names[i]);

      ck_assert_uint_eq (bytes_count (request->body, XML), 1);
      ck_assert (bytes_contain (request->body, part));
      ck_assert_uint_eq (bytes_count (request->body, "filename="), 2);
      ck_assert_int_eq (bytes_contain (request->body, "name=\"*isIncomplete*\""), i < 2);
    }
}
END_TEST

/* A failing chunk stops the submission: the record is not acknowledged. */
START_TEST (test_split_chunk_failure)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autoptr(RsOpenRosaResult) post = NULL;

  rs_stub_push (stub, "HEAD", 204,
                "X-OpenRosa-Version: 1.0\nX-OpenRosa-Accept-Content-Length: 1000", NULL, 1, 0);
  rs_stub_push (stub, "POST", 201, OR_HEADERS, ENVELOPE ("part 1"), 1, 0);
  rs_stub_push (stub, "POST", 503, "Retry-After: 3", "busy", 1, 0);
  head = rs_openrosa_client_preflight (client, NULL);
  attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_openrosa_attachment_free);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.jpg", i);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_strnfill (800, 'p'), 800);

      g_ptr_array_add (attachments, rs_openrosa_attachment_new (name, "image/jpeg", bytes));
    }
  post = rs_openrosa_client_submit (client, xml, attachments, NULL);
  ck_assert_uint_eq (post->n_posts, 2);
  ck_assert_int_eq (post->http_status, 503);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_RETRY);
}
END_TEST

/* A 413 from a proxy with a smaller limit: the client splits further and gets through. */
START_TEST (test_413_splits_further)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(RsOpenRosaResult) post = NULL;
  guint n_posts;

  rs_stub_push (stub, "POST", 413, "Content-Type: text/html", "<html>Too Large</html>", 1, 0);
  attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_openrosa_attachment_free);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("q%u.jpg", i);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_strnfill (2000, 'q'), 2000);

      g_ptr_array_add (attachments, rs_openrosa_attachment_new (name, "image/jpeg", bytes));
    }
  post = rs_openrosa_client_submit (client, xml, attachments, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  n_posts = rs_stub_count (stub, "POST");
  ck_assert_uint_eq (post->n_posts, n_posts);
  ck_assert_uint_ge (n_posts, 3);
  for (guint i = 0; i < n_posts; i++)
    ck_assert_uint_eq (bytes_count (rs_stub_request (stub, i)->body, XML), 1);
  /* After the split, all four files went in POSTs that were acknowledged. */
  for (guint a = 0; a < 4; a++)
    {
      g_autofree char *part = g_strdup_printf ("name=\"q%u.jpg\"", a);
      guint found = 0;

      for (guint i = 1; i < n_posts; i++)
        found += bytes_contain (rs_stub_request (stub, i)->body, part);
      ck_assert_uint_eq (found, 1);
    }
}
END_TEST

/* A 413 for a record without files cannot be split: it is parked. */
START_TEST (test_413_single_part_parks)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;

  rs_stub_push (stub, "POST", 413, "Content-Type: text/html", "<html>Too Large</html>", 1, 0);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_PARK);
  ck_assert_uint_eq (rs_stub_count (stub, "POST"), 1);
}
END_TEST

START_TEST (test_digest_auth)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_DIGEST);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autoptr(RsOpenRosaResult) post = NULL;
  g_autoptr(RsOpenRosaResult) post2 = NULL;
  guint n;

  rs_openrosa_client_set_credentials (client, "enum1", "secret");
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (head->http_status, 204);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_SUCCESS);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  post2 = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post2).action, RS_RETRY_ACTION_SUCCESS);

  /* After the HEAD negotiated Digest, every POST carries it proactively (the stub's nonces are
   * bound to method and URI, so it may re-challenge once); nothing is ever sent as Basic. */
  n = rs_stub_n_requests (stub);
  for (guint i = 0; i < n; i++)
    {
      RsStubRequest *request = rs_stub_request (stub, i);
      const char *auth = g_hash_table_lookup (request->headers, "authorization");

      if (g_str_equal (request->method, "POST"))
        ck_assert_ptr_nonnull (auth);
      ck_assert (auth == NULL || g_str_has_prefix (auth, "Digest "));
    }
  ck_assert_uint_ge (rs_stub_count (stub, "POST"), 2);
}
END_TEST

START_TEST (test_wrong_password_stops)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_DIGEST);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(RsOpenRosaResult) head = NULL;

  rs_openrosa_client_set_credentials (client, "enum1", "wrong");
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (head->http_status, 401);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_STOP_REAUTH);
}
END_TEST

/* Over plain http the password never goes as Basic, even if that is all the server offers. */
START_TEST (test_no_basic_over_http)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_BASIC_ONLY);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(RsOpenRosaResult) head = NULL;

  rs_openrosa_client_set_credentials (client, "enum1", "secret");
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (head->http_status, 401);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_STOP_REAUTH);
  for (guint i = 0; i < rs_stub_n_requests (stub); i++)
    ck_assert_ptr_null (g_hash_table_lookup (rs_stub_request (stub, i)->headers,
                                             "authorization"));
}
END_TEST

START_TEST (test_device_token)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_BEARER);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;

  rs_openrosa_client_set_token (client, "tok123");
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  ck_assert_int_eq (decide (post).action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_uint_eq (rs_stub_n_requests (stub), 1);
}
END_TEST

START_TEST (test_form_list)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GPtrArray) forms = NULL;
  g_autoptr(GBytes) form = NULL;
  g_autoptr(GError) error = NULL;
  RsOpenRosaFormInfo *info;
  g_autofree char *download = g_strdup_printf ("%s/forms/ho_ngheo.xml", rs_stub_url (stub));
  g_autofree char *list = g_strdup_printf (
    "<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">"
    "<xform><formID>ho_ngheo</formID><name>Rà soát hộ nghèo</name><version>2026010101</version>"
    "<hash>md5:0123</hash><downloadUrl>%s</downloadUrl></xform>"
    "<xform><name>no id</name></xform>"
    "</xforms>", download);

  rs_stub_push (stub, "GET", 200, OR_HEADERS, list, 1, 0);
  rs_stub_push (stub, "GET", 200, OR_HEADERS, "<h:html/>", 1, 0);
  forms = rs_openrosa_client_fetch_form_list (client, NULL, &error);
  g_assert_no_error (error);
  ck_assert_uint_eq (forms->len, 1);
  info = g_ptr_array_index (forms, 0);
  ck_assert_str_eq (info->form_id, "ho_ngheo");
  ck_assert_str_eq (info->name, "Rà soát hộ nghèo");
  ck_assert_str_eq (info->version, "2026010101");
  ck_assert_str_eq (info->download_url, download);
  ck_assert_ptr_null (info->manifest_url);
  ck_assert_str_eq (rs_stub_request (stub, 0)->path, "/formList");

  form = rs_openrosa_client_download (client, info->download_url, NULL, &error);
  g_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (form), strlen ("<h:html/>"));
  ck_assert_str_eq (rs_stub_request (stub, 1)->path, "/forms/ho_ngheo.xml");
}
END_TEST

START_TEST (test_form_list_captive_portal)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(GPtrArray) forms = NULL;
  g_autoptr(GError) error = NULL;

  rs_stub_push (stub, "GET", 200, "Content-Type: text/html", "<html><p>login</p></html>", 1, 0);
  forms = rs_openrosa_client_fetch_form_list (client, NULL, &error);
  ck_assert_ptr_null (forms);
  g_assert_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_BAD_RESPONSE);
}
END_TEST

START_TEST (test_assignments)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autoptr(RsOpenRosaClient) client = client_for (stub);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  RsStubRequest *request;

  rs_stub_push (stub, "GET", 200, "Content-Type: application/json",
                "{\"assignments\": [{\"household_id\": \"H001\"}]}", 1, 0);
  node = rs_openrosa_client_fetch_assignments (client, "25252", NULL, &error);
  g_assert_no_error (error);
  ck_assert (JSON_NODE_HOLDS_OBJECT (node));
  request = rs_stub_request (stub, 0);
  ck_assert_str_eq (request->path, "/api/assignments");
  ck_assert_str_eq (g_hash_table_lookup (request->headers, "x-openrosa-version"), "1.0");

  rs_stub_push (stub, "GET", 503, NULL, "busy", 1, 0);
  g_clear_pointer (&node, json_node_unref);
  node = rs_openrosa_client_fetch_assignments (client, "25252", NULL, &error);
  ck_assert_ptr_null (node);
  g_assert_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_HTTP);
}
END_TEST

START_TEST (test_connection_refused)
{
  g_autoptr(RsStub) stub = rs_stub_new (RS_STUB_AUTH_NONE);
  g_autofree char *url = g_strdup (rs_stub_url (stub));
  g_autoptr(RsOpenRosaClient) client = NULL;
  g_autoptr(GBytes) xml = submission_xml ();
  g_autoptr(RsOpenRosaResult) post = NULL;
  RsRetryDecision d;

  g_clear_pointer (&stub, rs_stub_free);
  client = rs_openrosa_client_new (url, NULL);
  post = rs_openrosa_client_submit (client, xml, NULL, NULL);
  d = decide (post);
  ck_assert_int_eq (post->curl_code, CURLE_COULDNT_CONNECT);
  ck_assert_int_eq (d.action, RS_RETRY_ACTION_RETRY);
  ck_assert (d.stop_batch);
  ck_assert_ptr_nonnull (post->curl_error);
}
END_TEST

START_TEST (test_bad_urls)
{
  const char *urls[] = { "ftp://x.example/", "not a url", "file:///etc/passwd", "" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RsOpenRosaClient) client = rs_openrosa_client_new (urls[i], &error);

      ck_assert_ptr_null (client);
      g_assert_error (error, RS_OPENROSA_ERROR, RS_OPENROSA_ERROR_INVALID_URL);
    }
}
END_TEST

static const struct
{
  const char *body;
  gboolean    ok;
  const char *message;
} envelope_cases[] = {
  { ENVELOPE ("hello"), TRUE, "hello" },
  { "<OpenRosaResponse><message>no ns</message></OpenRosaResponse>", TRUE, "no ns" },
  { "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\"/>", TRUE, NULL },
  { "<OpenRosaResponse xmlns=\"urn:other\"><message>x</message></OpenRosaResponse>", FALSE, NULL },
  { "<html><body>login</body></html>", FALSE, NULL },
  { "<OpenRosaResponse><message>unclosed", FALSE, NULL },
  { "", FALSE, NULL },
  { "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><OpenRosaResponse><message>&e;"
    "</message></OpenRosaResponse>", TRUE, "" },
};

START_TEST (test_envelope_table)
{
  g_autofree char *message = NULL;
  const char *body = envelope_cases[_i].body;
  gboolean ok = rs_openrosa_parse_envelope (body, strlen (body), &message);

  ck_assert_int_eq (ok, envelope_cases[_i].ok);
  if (envelope_cases[_i].message != NULL)
    ck_assert_str_eq (message, envelope_cases[_i].message);
  else if (!ok)
    ck_assert_ptr_null (message);
}
END_TEST

/* Accept-Language from the UI's languages, as g_get_language_names() lists them. */
static const struct
{
  const char *names[12];
  const char *header;
} accept_language_cases[] = {
  { { "vi", "C" }, "vi" },
  { { "vi_VN.UTF-8", "vi_VN", "vi.UTF-8", "vi", "en", "C" }, "vi-VN, vi;q=0.9, en;q=0.8" },
  { { "en_US.ISO-8859-1", "en_US", "en.ISO-8859-1", "en", "C" }, "en-US, en;q=0.9" },
  { { "sr_RS@latin", "sr_RS", "sr@latin", "sr", "C" }, "sr-RS, sr;q=0.9" },
  { { "VI_vn", "Vi" }, "vi-VN, vi;q=0.9" },
  { { "vi", "en", "vi", "en", "C" }, "vi, en;q=0.9" },
  /* The C locale shows the msgids: English. */
  { { "C.UTF-8", "C" }, "en" },
  { { "POSIX", "C.utf8" }, "en" },
  { { NULL }, "en" },
  /* Not a language tag: dropped, never copied into the request (no header injection). */
  { { "vi\r\nX-Evil: 1", "de;q=1", "x", "12", "en_", "fr" }, "fr" },
  /* At most 8 tags … */
  { { "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av" },
    "aa, ab;q=0.9, ae;q=0.8, af;q=0.7, ak;q=0.6, am;q=0.5, an;q=0.4, ar;q=0.3" },
  /* … and 160 characters: 26 + 3 × 34 = 128; a fifth would make 162. */
  { { "aaaaaaaa_bbbbbbbb_cccccccc", "baaaaaaa_bbbbbbbb_cccccccc", "caaaaaaa_bbbbbbbb_cccccccc",
      "daaaaaaa_bbbbbbbb_cccccccc", "eaaaaaaa_bbbbbbbb_cccccccc" },
    "aaaaaaaa-bbbbbbbb-cccccccc, baaaaaaa-bbbbbbbb-cccccccc;q=0.9, "
    "caaaaaaa-bbbbbbbb-cccccccc;q=0.8, daaaaaaa-bbbbbbbb-cccccccc;q=0.7" },
};

START_TEST (test_accept_language_table)
{
  g_autofree char *header = rs_openrosa_accept_language (accept_language_cases[_i].names);

  ck_assert_str_eq (header, accept_language_cases[_i].header);
  ck_assert_uint_le (strlen (header), 160);
}
END_TEST

/* The header on the wire follows the UI's languages (LANGUAGE) at the time of the request. */
START_TEST (test_accept_language_sent)
{
  g_autoptr(RsStub) stub = NULL;
  g_autoptr(RsOpenRosaClient) client = NULL;
  g_autoptr(RsOpenRosaResult) first = NULL;
  g_autoptr(RsOpenRosaResult) second = NULL;

  g_setenv ("LANGUAGE", "vi_VN.UTF-8:en", TRUE);
  stub = rs_stub_new (RS_STUB_AUTH_NONE);
  client = client_for (stub);
  first = rs_openrosa_client_preflight (client, NULL);
  g_setenv ("LANGUAGE", "en", TRUE);
  second = rs_openrosa_client_preflight (client, NULL);

  ck_assert_uint_eq (rs_stub_n_requests (stub), 2);
  ck_assert_str_eq (g_hash_table_lookup (rs_stub_request (stub, 0)->headers, "accept-language"),
                    "vi-VN, vi;q=0.9, en;q=0.8");
  ck_assert_str_eq (g_hash_table_lookup (rs_stub_request (stub, 1)->headers, "accept-language"),
                    "en");
}
END_TEST

static Suite *
openrosa_client_suite (void)
{
  Suite *suite = suite_create ("openrosa-client");
  TCase *tc = tcase_create ("protocol");

  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_headers_on_every_request);
  tcase_add_test (tc, test_http_date_is_english_gmt);
  tcase_add_test (tc, test_head_captive_portal);
  tcase_add_test (tc, test_head_location_same_host_is_followed);
  tcase_add_test (tc, test_head_location_other_host_is_refused);
  tcase_add_loop_test (tc, test_post_answers, 0, G_N_ELEMENTS (post_cases));
  tcase_add_test (tc, test_retry_after_honoured);
  tcase_add_test (tc, test_response_size_cap);
  tcase_add_test (tc, test_stalled_server_times_out);
  tcase_add_test (tc, test_progress_reported);
  tcase_add_test (tc, test_cancelled_before_sending);
  tcase_add_test (tc, test_split_posts_identical_xml);
  tcase_add_test (tc, test_split_chunk_failure);
  tcase_add_test (tc, test_413_splits_further);
  tcase_add_test (tc, test_413_single_part_parks);
  tcase_add_test (tc, test_digest_auth);
  tcase_add_test (tc, test_wrong_password_stops);
  tcase_add_test (tc, test_no_basic_over_http);
  tcase_add_test (tc, test_device_token);
  tcase_add_test (tc, test_form_list);
  tcase_add_test (tc, test_form_list_captive_portal);
  tcase_add_test (tc, test_assignments);
  tcase_add_test (tc, test_connection_refused);
  tcase_add_test (tc, test_bad_urls);
  tcase_add_loop_test (tc, test_envelope_table, 0, G_N_ELEMENTS (envelope_cases));
  tcase_add_loop_test (tc, test_accept_language_table, 0, G_N_ELEMENTS (accept_language_cases));
  tcase_add_test (tc, test_accept_language_sent);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (openrosa_client_suite ());
}
