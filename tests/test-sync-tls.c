/* test-sync-tls.c: TLS verification and public-key pinning; a failure stops sync, never loops.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <microhttpd.h>
#include <string.h>

#include "rs-openrosa-client.h"
#include "rs-openrosa-stub.h"
#include "rs-sync-engine.h"
#include "rs-test.h"

/* tests/data/tls: a test CA, a server certificate for 127.0.0.1 signed by it (valid until 2125),
 * and pin.txt, the base64 SHA-256 of the server's public key. */
static char *
tls_file (const char *name)
{
  return g_build_filename (rs_test_srcdir (), "tests", "data", "tls", name, NULL);
}

static char *
read_tls_file (const char *name)
{
  g_autofree char *path = tls_file (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static RsStub *
tls_stub (RsStubAuth auth)
{
  g_autofree char *cert = read_tls_file ("server.pem");
  g_autofree char *key = read_tls_file ("server-key.pem");

  return rs_stub_new_tls (auth, cert, key);
}

static char *
good_pin (void)
{
  g_autofree char *pin = read_tls_file ("pin.txt");

  return g_strconcat ("sha256//", g_strstrip (pin), NULL);
}

#define WRONG_PIN "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static RsOpenRosaClient *
client_for (RsStub     *stub,
            gboolean    with_ca,
            const char *pin)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = tls_file ("ca.pem");
  RsOpenRosaClient *client = rs_openrosa_client_new (rs_stub_url (stub), &error);
  RsOpenRosaLimits limits;

  g_assert_no_error (error);
  rs_openrosa_limits_init_default (&limits);
  limits.connect_timeout_ms = 3000;
  limits.total_timeout_ms = 5000;
  rs_openrosa_client_set_limits (client, &limits);
  if (with_ca)
    rs_openrosa_client_set_ca_file (client, ca);
  rs_openrosa_client_set_pinned_key (client, pin);
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
tls_supported (void)
{
  return MHD_is_feature_supported (MHD_FEATURE_TLS) == MHD_YES;
}

/* (CA given, pin) → what the HEAD pre-flight ends with. */
static const struct
{
  gboolean      with_ca;
  int           pin;        /* 0 none, 1 the server's, 2 another key's */
  CURLcode      curl_code;
  RsRetryAction action;
} tls_cases[] = {
  { TRUE, 0, CURLE_OK, RS_RETRY_ACTION_SUCCESS },
  { TRUE, 1, CURLE_OK, RS_RETRY_ACTION_SUCCESS },
  { TRUE, 2, CURLE_SSL_PINNEDPUBKEYNOTMATCH, RS_RETRY_ACTION_STOP_SECURITY },
  { FALSE, 0, CURLE_PEER_FAILED_VERIFICATION, RS_RETRY_ACTION_STOP_SECURITY },
  { FALSE, 1, CURLE_PEER_FAILED_VERIFICATION, RS_RETRY_ACTION_STOP_SECURITY },
};

START_TEST (test_tls_table)
{
  g_autoptr(RsStub) stub = NULL;
  g_autoptr(RsOpenRosaClient) client = NULL;
  g_autoptr(RsOpenRosaResult) head = NULL;
  g_autofree char *pin = good_pin ();
  const char *pins[] = { NULL, pin, WRONG_PIN };
  RsRetryDecision d;

  ck_assert_msg (tls_supported (), "libmicrohttpd was built without TLS");
  stub = tls_stub (RS_STUB_AUTH_NONE);
  client = client_for (stub, tls_cases[_i].with_ca, pins[tls_cases[_i].pin]);
  head = rs_openrosa_client_preflight (client, NULL);
  d = decide (head);
  ck_assert_msg (head->curl_code == tls_cases[_i].curl_code, "case %d: curl %d (%s)", _i,
                 head->curl_code, head->curl_error != NULL ? head->curl_error : "");
  ck_assert_int_eq (d.action, tls_cases[_i].action);
  if (d.action == RS_RETRY_ACTION_STOP_SECURITY)
    {
      ck_assert_int_eq (d.reason, RS_RETRY_REASON_TLS);
      ck_assert (d.stop_batch);
      /* Nothing reached the application: the handshake failed first. */
      ck_assert_uint_eq (rs_stub_n_requests (stub), 0);
    }
}
END_TEST

/* Over https, Basic is allowed (the password travels inside TLS). */
START_TEST (test_basic_over_https)
{
  g_autoptr(RsStub) stub = NULL;
  g_autoptr(RsOpenRosaClient) client = NULL;
  g_autoptr(RsOpenRosaResult) head = NULL;

  ck_assert_msg (tls_supported (), "libmicrohttpd was built without TLS");
  stub = tls_stub (RS_STUB_AUTH_BASIC_ONLY);
  client = client_for (stub, TRUE, NULL);
  rs_openrosa_client_set_credentials (client, "enum1", "secret");
  head = rs_openrosa_client_preflight (client, NULL);
  ck_assert_int_eq (head->http_status, 204);
  ck_assert_int_eq (decide (head).action, RS_RETRY_ACTION_SUCCESS);
}
END_TEST

/* A pin mismatch (an interceptor with a valid certificate) stops the engine: no record is
 * touched, and automatic mode does not try again by itself. */
START_TEST (test_engine_stops_on_pin_mismatch)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *ca = tls_file ("ca.pem");
  g_autoptr(RsStore) store = NULL;
  g_autoptr(RsStub) stub = NULL;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;
  const char *xml_text = "<?xml version=\"1.0\"?><data id=\"rs_sync_test\" version=\"1\"><meta>"
                         "<instanceID>uuid:6b1d1e9a-0000-4000-8000-000000000001</instanceID>"
                         "</meta></data>";
  g_autoptr(GBytes) xml = g_bytes_new_static (xml_text, strlen (xml_text));
  g_autoptr(RsRecord) record = NULL;
  gint64 deadline;

  ck_assert_msg (tls_supported (), "libmicrohttpd was built without TLS");
  dir = g_dir_make_tmp ("rasoat-tls-XXXXXX", &error);
  path = g_build_filename (dir, "tablet.db", NULL);
  store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  record = rs_store_create_draft (store, "rs_sync_test", "1",
                                  "uuid:6b1d1e9a-0000-4000-8000-000000000001", xml, NULL, NULL,
                                  &error);
  g_assert_no_error (error);
  ck_assert (rs_store_finalize (store, "uuid:6b1d1e9a-0000-4000-8000-000000000001", xml, NULL,
                                NULL, &error));

  stub = tls_stub (RS_STUB_AUTH_NONE);
  engine = rs_sync_engine_new (store, rs_stub_url (stub));
  rs_sync_engine_set_ca_file (engine, ca);
  rs_sync_engine_set_pinned_key (engine, WRONG_PIN);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &error);
  g_assert_no_error (error);
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_STOP_SECURITY);
  ck_assert_int_eq (report->stop_reason, RS_RETRY_REASON_TLS);
  ck_assert_uint_eq (report->n_not_tried, 1);
  entry = rs_store_outbox_get (store, "uuid:6b1d1e9a-0000-4000-8000-000000000001", &error);
  ck_assert_int_eq (entry->state, RS_OUTBOX_QUEUED);
  ck_assert_uint_eq (entry->attempts, 0);

  /* Automatic mode after a security stop: no run starts, however long we wait. */
  rs_sync_engine_set_automatic (engine, TRUE);
  deadline = g_get_monotonic_time () + 1500 * 1000;
  while (g_get_monotonic_time () < deadline)
    {
      ck_assert (!rs_sync_engine_is_running (engine));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  ck_assert_uint_eq (rs_stub_n_requests (stub), 0);
  rs_sync_engine_set_automatic (engine, FALSE);

  /* With the right pin the same record goes through. */
  {
    g_autofree char *pin = good_pin ();

    rs_sync_engine_set_pinned_key (engine, pin);
    g_clear_pointer (&report, rs_sync_report_free);
    report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &error);
    ck_assert (rs_sync_report_all_acknowledged (report));
  }

  g_clear_object (&engine);
  rs_store_close (store);
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}
END_TEST

static Suite *
tls_suite (void)
{
  Suite *suite = suite_create ("sync-tls");
  TCase *tc = tcase_create ("tls");

  tcase_set_timeout (tc, 30);
  tcase_add_loop_test (tc, test_tls_table, 0, G_N_ELEMENTS (tls_cases));
  tcase_add_test (tc, test_basic_over_https);
  tcase_add_test (tc, test_engine_stops_on_pin_mismatch);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (tls_suite ());
}
