/* test-sync-engine.c: the outbox relay with a real tablet store and a scripted server.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "rs-openrosa-stub.h"
#include "rs-sync-engine.h"
#include "rs-test.h"

#define ENVELOPE(msg) \
  "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\" items=\"0\">" \
  "<message nature=\"submit_success\">" msg "</message></OpenRosaResponse>"
#define OR_HEADERS "X-OpenRosa-Version: 1.0\nContent-Type: text/xml; charset=utf-8"

typedef struct
{
  char    *dir;
  RsStore *store;
  RsStub  *stub;
} Fixture;

static char *
instance_id_for (guint n)
{
  return g_strdup_printf ("uuid:5f2c1e9a-0000-4000-8000-%012u", n);
}

static GBytes *
instance_xml (guint n)
{
  g_autofree char *id = instance_id_for (n);
  char *xml = g_strdup_printf ("<?xml version=\"1.0\"?><data id=\"rs_sync_test\" "
                               "version=\"2026010101\"><admin><commune_code>19183</commune_code>"
                               "<household_code>H%03u</household_code></admin><meta>"
                               "<instanceID>%s</instanceID></meta></data>", n, id);

  return g_bytes_new_take (xml, strlen (xml));
}

static void
add_finalized (RsStore *store,
               guint    n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = instance_id_for (n);
  g_autoptr(GBytes) xml = instance_xml (n);
  g_autoptr(RsRecord) record = rs_store_create_draft (store, "rs_sync_test", "2026010101", id,
                                                      xml, NULL, NULL, &error);

  g_assert_no_error (error);
  ck_assert (rs_store_finalize (store, id, xml, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_init (Fixture *f,
              guint    n_records,
              RsStubAuth auth)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("rasoat-sync-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "tablet.db", NULL);
  f->store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= n_records; i++)
    add_finalized (f->store, i);
  f->stub = rs_stub_new (auth);
}

static void
fixture_clear (Fixture *f)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  rs_stub_free (f->stub);
  rs_store_close (f->store);
  g_object_unref (f->store);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static RsSyncEngine *
engine_for (Fixture *f)
{
  RsSyncEngine *engine = rs_sync_engine_new (f->store, rs_stub_url (f->stub));
  RsOpenRosaLimits limits;

  rs_openrosa_limits_init_default (&limits);
  limits.connect_timeout_ms = 2000;
  limits.total_timeout_ms = 5000;
  rs_sync_engine_set_limits (engine, &limits);
  return engine;
}

static RsOutboxEntry *
outbox_entry (Fixture *f,
              guint    n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = instance_id_for (n);
  RsOutboxEntry *entry = rs_store_outbox_get (f->store, id, &error);

  g_assert_no_error (error);
  ck_assert_ptr_nonnull (entry);
  return entry;
}

/* The instanceID carried by the @index-th request's body. */
static gboolean
request_carries (RsStub *stub,
                 guint   index,
                 guint   n)
{
  g_autofree char *id = instance_id_for (n);
  RsStubRequest *request = rs_stub_request (stub, index);
  gsize size = 0;
  const char *data = g_bytes_get_data (request->body, &size);

  return data != NULL && g_strstr_len (data, (gssize) size, id) != NULL;
}

START_TEST (test_all_sent_oldest_first)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  RsOutboxCounts counts;

  fixture_init (&f, 3, RS_STUB_AUTH_NONE);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &error);
  g_assert_no_error (error);
  ck_assert (rs_sync_report_all_acknowledged (report));
  ck_assert_uint_eq (report->n_waiting, 3);
  ck_assert_uint_eq (report->n_sent, 3);
  ck_assert_uint_eq (report->items->len, 3);

  ck_assert_str_eq (rs_stub_request (f.stub, 0)->method, "HEAD");
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(RsOutboxEntry) entry = outbox_entry (&f, i);

      ck_assert (request_carries (f.stub, i, i));
      ck_assert_int_eq (entry->state, RS_OUTBOX_SENT);
      ck_assert_int_eq (entry->last_http_status, 201);
      ck_assert_str_eq (entry->last_message, "Đã nhận.");
    }
  ck_assert (rs_store_outbox_counts (f.store, &counts, NULL));
  ck_assert_uint_eq (counts.sent, 3);
  ck_assert_uint_eq (counts.queued, 0);

  log = rs_store_sync_log_list (f.store, NULL, 0, &error);
  g_assert_no_error (error);
  ck_assert_uint_ge (log->len, 3);

  /* Nothing left: a second run sends nothing and does not even ask the server. */
  g_clear_pointer (&report, rs_sync_report_free);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &error);
  ck_assert_uint_eq (report->n_waiting, 0);
  ck_assert_uint_eq (rs_stub_n_requests (f.stub), 4);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* One refused record is parked with the server's message; the others still go. */
START_TEST (test_conflict_parks_and_continues)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(RsOutboxEntry) parked = NULL;
  g_autoptr(RsOutboxEntry) third = NULL;

  fixture_init (&f, 3, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "POST", 201, OR_HEADERS, ENVELOPE ("một"), 1, 0);
  rs_stub_push (f.stub, "POST", 409, OR_HEADERS, ENVELOPE ("Đã có bản khác với mã này."), 1, 0);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_uint_eq (report->n_sent, 2);
  ck_assert_uint_eq (report->n_parked, 1);
  ck_assert (!rs_sync_report_all_acknowledged (report));
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_SUCCESS);

  parked = outbox_entry (&f, 2);
  ck_assert (parked->parked);
  ck_assert_int_eq (parked->last_http_status, 409);
  ck_assert_str_eq (parked->last_message, "Đã có bản khác với mã này.");
  third = outbox_entry (&f, 3);
  ck_assert_int_eq (third->state, RS_OUTBOX_SENT);

  /* A parked record is not sent again by the next run. */
  g_clear_pointer (&report, rs_sync_report_free);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_uint_eq (report->n_waiting, 0);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* A 401 stops the batch: nothing after it is tried, nothing is marked sent or parked. */
START_TEST (test_auth_failure_stops_batch)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;

  fixture_init (&f, 3, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "POST", 401, OR_HEADERS, ENVELOPE ("Phiên đã hết hạn"), 1, 0);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_STOP_REAUTH);
  ck_assert_int_eq (report->stop_http_status, 401);
  ck_assert_uint_eq (report->n_sent, 0);
  ck_assert_uint_eq (report->n_not_tried, 2);
  ck_assert_uint_eq (rs_stub_count (f.stub, "POST"), 1);
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(RsOutboxEntry) entry = outbox_entry (&f, i);

      ck_assert_int_eq (entry->state, RS_OUTBOX_QUEUED);
      ck_assert (!entry->parked);
    }
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

START_TEST (test_wrong_password_at_preflight)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;

  fixture_init (&f, 2, RS_STUB_AUTH_DIGEST);
  engine = engine_for (&f);
  rs_sync_engine_set_credentials (engine, "enum1", "wrong");
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_STOP_REAUTH);
  ck_assert_uint_eq (rs_stub_count (f.stub, "POST"), 0);

  rs_sync_engine_set_credentials (engine, "enum1", "secret");
  g_clear_pointer (&report, rs_sync_report_free);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert (rs_sync_report_all_acknowledged (report));
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* A hotspot answering the HEAD: no record is touched, not even its attempt count. */
START_TEST (test_captive_portal_touches_nothing)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;

  fixture_init (&f, 2, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "HEAD", 200, "Content-Type: text/html", "<html>Wi-Fi</html>", 1, 0);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_RETRY);
  ck_assert_int_eq (report->stop_reason, RS_RETRY_REASON_CAPTIVE_PORTAL);
  ck_assert_uint_eq (report->n_not_tried, 2);
  entry = outbox_entry (&f, 1);
  ck_assert_uint_eq (entry->attempts, 0);
  ck_assert_int_eq (entry->state, RS_OUTBOX_QUEUED);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* A captive portal answering the POST with 200: the record is not marked sent. */
START_TEST (test_post_200_is_not_sent)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;

  fixture_init (&f, 2, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "POST", 200, "Content-Type: text/html", "<html>Đăng nhập</html>", 1, 0);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_uint_eq (report->n_sent, 0);
  ck_assert_uint_eq (report->n_retry, 1);
  ck_assert_uint_eq (report->n_not_tried, 1);
  entry = outbox_entry (&f, 1);
  ck_assert_int_eq (entry->state, RS_OUTBOX_QUEUED);
  ck_assert_int_eq (entry->last_http_status, 200);
  ck_assert_uint_eq (entry->attempts, 1);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* 503 with Retry-After: the record waits at least that long; an automatic run leaves it, a
 * manual run sends it. */
START_TEST (test_retry_after_reschedules)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(RsOutboxEntry) entry = NULL;
  gint64 before = g_get_real_time ();

  fixture_init (&f, 2, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "POST", 503, "Retry-After: 30", "busy", 1, 0);
  engine = engine_for (&f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert_int_eq (report->stopped, RS_RETRY_ACTION_RETRY);
  ck_assert_int_eq (report->stop_reason, RS_RETRY_REASON_SERVER_BUSY);
  entry = outbox_entry (&f, 1);
  ck_assert_int_ge (entry->next_attempt_at, before + 30 * G_USEC_PER_SEC);
  ck_assert_int_eq (entry->last_http_status, 503);

  /* Record 2 was never tried, so it is due; record 1 is not. */
  g_clear_pointer (&report, rs_sync_report_free);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_AUTOMATIC, NULL, NULL);
  ck_assert_uint_eq (report->n_waiting, 1);
  ck_assert_uint_eq (report->n_sent, 1);

  g_clear_pointer (&report, rs_sync_report_free);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert (rs_sync_report_all_acknowledged (report));
  ck_assert_uint_eq (report->n_sent, 1);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* The row is durably "sending" while the server's answer is being checked. */
static void
check_sending (const char *instance_id,
               gpointer    user_data)
{
  Fixture *f = user_data;
  g_autoptr(RsOutboxEntry) entry = rs_store_outbox_get (f->store, instance_id, NULL);

  ck_assert_int_eq (entry->state, RS_OUTBOX_SENDING);
}

START_TEST (test_sending_before_sent)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;

  fixture_init (&f, 2, RS_STUB_AUTH_NONE);
  engine = engine_for (&f);
  rs_sync_engine_set_ack_hook (engine, check_sending, &f);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, NULL);
  ck_assert (rs_sync_report_all_acknowledged (report));
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

static void
cancel_at_second (RsSyncEngine *engine,
                  guint         done,
                  guint         total,
                  const char   *instance_id,
                  gpointer      user_data)
{
  if (done == 1)
    g_cancellable_cancel (user_data);
}

START_TEST (test_cancel_mid_batch)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RsOutboxEntry) second = NULL;

  fixture_init (&f, 3, RS_STUB_AUTH_NONE);
  engine = engine_for (&f);
  g_signal_connect (engine, "progress", G_CALLBACK (cancel_at_second), cancellable);
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, cancellable, NULL);
  ck_assert_uint_eq (report->n_sent, 1);
  ck_assert_int_eq (report->stop_reason, RS_RETRY_REASON_CANCELLED);
  second = outbox_entry (&f, 2);
  ck_assert_int_eq (second->state, RS_OUTBOX_QUEUED);
  ck_assert_int_eq (second->next_attempt_at, 0);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

typedef struct
{
  GMainLoop    *loop;
  RsSyncReport *report;
  GError       *error;
  guint         finished_signals;
  guint         records;
} AsyncState;

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncState *state = user_data;

  state->report = rs_sync_engine_run_finish (RS_SYNC_ENGINE (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
on_record_finished (RsSyncEngine *engine,
                    const char   *instance_id,
                    int           action,
                    int           http_status,
                    const char   *message,
                    gpointer      user_data)
{
  AsyncState *state = user_data;

  ck_assert_int_eq (action, RS_RETRY_ACTION_SUCCESS);
  ck_assert_int_eq (http_status, 201);
  state->records++;
}

static void
on_run_finished (RsSyncEngine *engine,
                 gpointer      report,
                 gpointer      user_data)
{
  AsyncState *state = user_data;

  state->finished_signals++;
}

START_TEST (test_async_run_and_signals)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) busy = NULL;
  g_autoptr(RsSyncReport) second = NULL;
  AsyncState state = { loop, NULL, NULL, 0, 0 };

  fixture_init (&f, 4, RS_STUB_AUTH_NONE);
  engine = engine_for (&f);
  g_signal_connect (engine, "record-finished", G_CALLBACK (on_record_finished), &state);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished), &state);
  rs_sync_engine_run_async (engine, RS_SYNC_RUN_MANUAL, NULL, on_run_done, &state);
  ck_assert (rs_sync_engine_is_running (engine));
  second = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &busy);
  ck_assert_ptr_null (second);
  g_assert_error (busy, RS_SYNC_ERROR, RS_SYNC_ERROR_BUSY);
  g_main_loop_run (loop);

  g_assert_no_error (state.error);
  ck_assert (rs_sync_report_all_acknowledged (state.report));
  ck_assert_uint_eq (state.report->n_sent, 4);
  ck_assert_uint_eq (state.records, 4);
  ck_assert_uint_eq (state.finished_signals, 1);
  ck_assert (!rs_sync_engine_is_running (engine));
  rs_sync_report_free (state.report);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

static void
cancel_async_at_second (RsSyncEngine *engine,
                        guint         done,
                        guint         total,
                        const char   *instance_id,
                        gpointer      user_data)
{
  if (done == 1)
    g_cancellable_cancel (user_data);
}

/* Cancelling an async run still gives its report: what was sent before stays known. */
START_TEST (test_async_cancel_keeps_report)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncState state = { loop, NULL, NULL, 0, 0 };

  fixture_init (&f, 4, RS_STUB_AUTH_NONE);
  /* Slow answers, so the cancel (emitted through the main loop) lands mid-batch; the later ones
   * are slower still, so a loaded machine's late main loop still cancels before the last. */
  for (guint i = 0; i < 4; i++)
    rs_stub_push (f.stub, "POST", 201, OR_HEADERS, ENVELOPE ("ok"), 1, i == 0 ? 300 : 2000);
  engine = engine_for (&f);
  g_signal_connect (engine, "progress", G_CALLBACK (cancel_async_at_second), cancellable);
  rs_sync_engine_run_async (engine, RS_SYNC_RUN_MANUAL, cancellable, on_run_done, &state);
  g_main_loop_run (loop);

  g_assert_no_error (state.error);
  ck_assert_ptr_nonnull (state.report);
  ck_assert_int_eq (state.report->stop_reason, RS_RETRY_REASON_CANCELLED);
  ck_assert_uint_ge (state.report->n_sent, 1);
  ck_assert_uint_lt (state.report->n_sent, 4);
  rs_sync_report_free (state.report);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

static gboolean
quit_when_sent (gpointer user_data)
{
  Fixture *f = user_data;
  RsOutboxCounts counts;

  ck_assert (rs_store_outbox_counts (f->store, &counts, NULL));
  return counts.sent < 2;
}

/* Automatic mode: the first run hits a 503, the timer at the record's next attempt time sends
 * it without anybody asking. */
START_TEST (test_automatic_retries_on_timer)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  RsRetryPolicy policy;
  RsOutboxCounts counts;
  gint64 deadline;

  fixture_init (&f, 2, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "POST", 503, "Retry-After: 1", "busy", 1, 0);
  engine = engine_for (&f);
  rs_retry_policy_init_default (&policy);
  policy.base_ms = 10;
  rs_sync_engine_set_retry_policy (engine, &policy);
  rs_sync_engine_set_automatic (engine, TRUE);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (quit_when_sent (&f) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  ck_assert (rs_store_outbox_counts (f.store, &counts, NULL));
  ck_assert_uint_eq (counts.sent, 2);
  ck_assert_uint_ge (rs_stub_count (f.stub, "POST"), 3);
  rs_sync_engine_set_automatic (engine, FALSE);
  while (rs_sync_engine_is_running (engine))
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* formList: a new form is downloaded (md5 checked) and stored; an unchanged one is not fetched. */
START_TEST (test_update_forms)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *version = NULL;
  g_autofree char *hash = NULL;
  const char *form = "<h:html xmlns:h=\"http://www.w3.org/1999/xhtml\"/>";
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, form, -1);
  g_autofree char *list = NULL;
  guint n = 99;

  fixture_init (&f, 0, RS_STUB_AUTH_NONE);
  list = g_strdup_printf ("<xforms xmlns=\"http://openrosa.org/xforms/xformsList\"><xform>"
                          "<formID>ho_ngheo</formID><name>Rà soát</name><version>7</version>"
                          "<hash>md5:%s</hash><downloadUrl>%s/formXml?formId=ho_ngheo</downloadUrl>"
                          "</xform></xforms>", md5, rs_stub_url (f.stub));
  rs_stub_push (f.stub, "GET", 200, OR_HEADERS, list, 1, 0);
  rs_stub_push (f.stub, "GET", 200, OR_HEADERS, form, 1, 0);
  rs_stub_push (f.stub, "GET", 200, OR_HEADERS, list, 1, 0);
  engine = engine_for (&f);

  ck_assert (rs_sync_engine_update_forms (engine, NULL, &n, &error));
  g_assert_no_error (error);
  ck_assert_uint_eq (n, 1);
  stored = rs_store_get_form (f.store, "ho_ngheo", NULL, &version, &hash, &error);
  g_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (stored), strlen (form));
  ck_assert_str_eq (version, "7");

  ck_assert (rs_sync_engine_update_forms (engine, NULL, &n, &error));
  ck_assert_uint_eq (n, 0);
  ck_assert_uint_eq (rs_stub_count (f.stub, "GET"), 3);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

START_TEST (test_update_forms_damaged)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *list = NULL;

  fixture_init (&f, 0, RS_STUB_AUTH_NONE);
  list = g_strdup_printf ("<xforms xmlns=\"http://openrosa.org/xforms/xformsList\"><xform>"
                          "<formID>ho_ngheo</formID><version>7</version>"
                          "<hash>md5:00000000000000000000000000000000</hash>"
                          "<downloadUrl>%s/formXml</downloadUrl></xform></xforms>",
                          rs_stub_url (f.stub));
  rs_stub_push (f.stub, "GET", 200, OR_HEADERS, list, 1, 0);
  rs_stub_push (f.stub, "GET", 200, OR_HEADERS, "<h:html/>", 1, 0);
  engine = engine_for (&f);
  ck_assert (!rs_sync_engine_update_forms (engine, NULL, NULL, &error));
  g_assert_error (error, RS_SYNC_ERROR, RS_SYNC_ERROR_DOWNLOAD);
  g_clear_error (&error);
  stored = rs_store_get_form (f.store, "ho_ngheo", NULL, NULL, NULL, &error);
  ck_assert_ptr_null (stored);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

START_TEST (test_update_assignments)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  RsAssignment *row;
  const char *communes[] = { "19183", NULL };
  guint n = 0;

  fixture_init (&f, 0, RS_STUB_AUTH_NONE);
  rs_stub_push (f.stub, "GET", 200, "Content-Type: application/json",
                "[{\"communeCode\": \"19183\", \"householdCode\": \"H001\", \"village\": "
                "\"Thôn 2\", \"headName\": \"Lò Văn Sáng\", \"previousStatus\": \"poor\"},"
                " {\"communeCode\": \"19183\"}, 42]", 1, 0);
  engine = engine_for (&f);
  ck_assert (rs_sync_engine_update_assignments (engine, communes, NULL, &n, &error));
  g_assert_no_error (error);
  ck_assert_uint_eq (n, 1);
  ck_assert_str_eq (rs_stub_request (f.stub, 0)->path, "/api/assignments");
  rows = rs_store_list_assignments (f.store, NULL, &error);
  g_assert_no_error (error);
  ck_assert_uint_eq (rows->len, 1);
  row = g_ptr_array_index (rows, 0);
  ck_assert_str_eq (row->id, "19183/H001");
  ck_assert_str_eq (row->head_name, "Lò Văn Sáng");
  ck_assert_str_eq (row->village, "Thôn 2");
  ck_assert_str_eq (row->previous_status, "poor");

  /* A portal page instead of JSON leaves the tablet's list alone. */
  rs_stub_push (f.stub, "GET", 200, "Content-Type: text/html", "<html>login</html>", 1, 0);
  ck_assert (!rs_sync_engine_update_assignments (engine, communes, NULL, &n, &error));
  ck_assert_ptr_nonnull (error);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = rs_store_list_assignments (f.store, NULL, NULL);
  ck_assert_uint_eq (rows->len, 1);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

/* The network coming up starts a run by itself. */
START_TEST (test_network_up_starts_run)
{
  Fixture f;
  g_autoptr(RsSyncEngine) engine = NULL;
  GNetworkMonitor *monitor = g_network_monitor_get_default ();
  RsOutboxCounts counts = { 0, };
  gint64 deadline;

  fixture_init (&f, 0, RS_STUB_AUTH_NONE);
  engine = engine_for (&f);
  rs_sync_engine_set_automatic (engine, TRUE);
  /* Nothing waits: the first automatic run finds nothing and no timer is set. */
  while (rs_sync_engine_is_running (engine))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  add_finalized (f.store, 1);
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (counts.sent < 1 && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
      ck_assert (rs_store_outbox_counts (f.store, &counts, NULL));
    }
  ck_assert_uint_eq (counts.sent, 1);

  /* A record finalized while online is sent within a second, without a network event. */
  add_finalized (f.store, 2);
  rs_sync_engine_record_queued (engine);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (counts.sent < 2 && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
      ck_assert (rs_store_outbox_counts (f.store, &counts, NULL));
    }
  ck_assert_uint_eq (counts.sent, 2);
  rs_sync_engine_set_automatic (engine, FALSE);
  while (rs_sync_engine_is_running (engine))
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&engine);
  fixture_clear (&f);
}
END_TEST

static Suite *
sync_engine_suite (void)
{
  Suite *suite = suite_create ("sync-engine");
  TCase *tc = tcase_create ("engine");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_all_sent_oldest_first);
  tcase_add_test (tc, test_conflict_parks_and_continues);
  tcase_add_test (tc, test_auth_failure_stops_batch);
  tcase_add_test (tc, test_wrong_password_at_preflight);
  tcase_add_test (tc, test_captive_portal_touches_nothing);
  tcase_add_test (tc, test_post_200_is_not_sent);
  tcase_add_test (tc, test_retry_after_reschedules);
  tcase_add_test (tc, test_sending_before_sent);
  tcase_add_test (tc, test_cancel_mid_batch);
  tcase_add_test (tc, test_async_run_and_signals);
  tcase_add_test (tc, test_async_cancel_keeps_report);
  tcase_add_test (tc, test_automatic_retries_on_timer);
  tcase_add_test (tc, test_update_forms);
  tcase_add_test (tc, test_update_forms_damaged);
  tcase_add_test (tc, test_update_assignments);
  tcase_add_test (tc, test_network_up_starts_run);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (sync_engine_suite ());
}
