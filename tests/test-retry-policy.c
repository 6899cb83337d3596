/* test-retry-policy.c: the retry decision table of reliability.md §2.4 and field-lessons §4.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-retry-policy.h"
#include "rs-test.h"

#define S RS_REQUEST_SUBMIT
#define P RS_REQUEST_PREFLIGHT
#define SUCCESS RS_RETRY_ACTION_SUCCESS
#define RETRY RS_RETRY_ACTION_RETRY
#define PARK RS_RETRY_ACTION_PARK
#define REAUTH RS_RETRY_ACTION_STOP_REAUTH
#define SECURITY RS_RETRY_ACTION_STOP_SECURITY
#define CONFIG RS_RETRY_ACTION_STOP_CONFIG

static const struct
{
  RsRequestKind kind;
  CURLcode      curl_code;
  long          status;
  gboolean      header;
  gboolean      envelope;
  gboolean      foreign;
  RsRetryAction action;
  RsRetryReason reason;
  gboolean      stop_batch;
} decision_cases[] = {
  /* Acknowledgements: 201/202 with an envelope only. */
  { S, CURLE_OK, 201, TRUE, TRUE, FALSE, SUCCESS, RS_RETRY_REASON_ACKNOWLEDGED, FALSE },
  { S, CURLE_OK, 202, TRUE, TRUE, FALSE, SUCCESS, RS_RETRY_REASON_ACKNOWLEDGED, FALSE },
  { S, CURLE_OK, 201, TRUE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NO_ENVELOPE, TRUE },
  { S, CURLE_OK, 202, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NO_ENVELOPE, TRUE },
  /* A 200, 204 or redirect to a POST is a captive portal, even with an envelope-like body. */
  { S, CURLE_OK, 200, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { S, CURLE_OK, 200, TRUE, TRUE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { S, CURLE_OK, 204, TRUE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { S, CURLE_OK, 302, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { S, CURLE_OK, 307, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  /* Permanent refusals: park this record, go on with the next. */
  { S, CURLE_OK, 400, TRUE, TRUE, FALSE, PARK, RS_RETRY_REASON_REFUSED, FALSE },
  { S, CURLE_OK, 404, FALSE, FALSE, FALSE, PARK, RS_RETRY_REASON_REFUSED, FALSE },
  { S, CURLE_OK, 409, TRUE, TRUE, FALSE, PARK, RS_RETRY_REASON_CONFLICT, FALSE },
  { S, CURLE_OK, 412, TRUE, TRUE, FALSE, PARK, RS_RETRY_REASON_CONFLICT, FALSE },
  { S, CURLE_OK, 422, TRUE, TRUE, FALSE, PARK, RS_RETRY_REASON_CONFLICT, FALSE },
  { S, CURLE_OK, 413, FALSE, FALSE, FALSE, PARK, RS_RETRY_REASON_TOO_LARGE, FALSE },
  { S, CURLE_OK, 415, TRUE, TRUE, FALSE, PARK, RS_RETRY_REASON_REFUSED, FALSE },
  /* Authentication: stop the batch. */
  { S, CURLE_OK, 401, TRUE, TRUE, FALSE, REAUTH, RS_RETRY_REASON_AUTH, TRUE },
  { S, CURLE_OK, 403, TRUE, TRUE, FALSE, REAUTH, RS_RETRY_REASON_AUTH, TRUE },
  { S, CURLE_LOGIN_DENIED, 0, FALSE, FALSE, FALSE, REAUTH, RS_RETRY_REASON_AUTH, TRUE },
  /* Transient server answers. */
  { S, CURLE_OK, 408, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { S, CURLE_OK, 429, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { S, CURLE_OK, 502, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { S, CURLE_OK, 503, TRUE, TRUE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { S, CURLE_OK, 504, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { S, CURLE_OK, 500, TRUE, TRUE, FALSE, RETRY, RS_RETRY_REASON_SERVER_ERROR, FALSE },
  { S, CURLE_OK, 507, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_ERROR, FALSE },
  /* Transport errors: idempotent POST, so retry. */
  { S, CURLE_COULDNT_CONNECT, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_COULDNT_RESOLVE_HOST, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK,
    TRUE },
  { S, CURLE_SEND_ERROR, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_RECV_ERROR, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_GOT_NOTHING, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_PARTIAL_FILE, 201, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_SSL_CONNECT_ERROR, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { S, CURLE_OPERATION_TIMEDOUT, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_TIMEOUT, TRUE },
  { S, CURLE_WRITE_ERROR, 200, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_RESPONSE_TOO_LARGE,
    TRUE },
  { S, CURLE_ABORTED_BY_CALLBACK, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CANCELLED,
    TRUE },
  /* TLS and pin failures: stop, never loop. */
  { S, CURLE_PEER_FAILED_VERIFICATION, 0, FALSE, FALSE, FALSE, SECURITY, RS_RETRY_REASON_TLS,
    TRUE },
  { S, CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, FALSE, FALSE, FALSE, SECURITY, RS_RETRY_REASON_TLS,
    TRUE },
  { S, CURLE_SSL_CACERT_BADFILE, 0, FALSE, FALSE, FALSE, SECURITY, RS_RETRY_REASON_TLS, TRUE },
  { S, CURLE_URL_MALFORMAT, 0, FALSE, FALSE, FALSE, CONFIG, RS_RETRY_REASON_BAD_ADDRESS, TRUE },
  { S, CURLE_UNSUPPORTED_PROTOCOL, 0, FALSE, FALSE, FALSE, CONFIG, RS_RETRY_REASON_BAD_ADDRESS,
    TRUE },
  /* Pre-flight HEAD. */
  { P, CURLE_OK, 204, TRUE, FALSE, FALSE, SUCCESS, RS_RETRY_REASON_NONE, FALSE },
  { P, CURLE_OK, 204, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { P, CURLE_OK, 204, TRUE, FALSE, TRUE, SECURITY, RS_RETRY_REASON_FOREIGN_REDIRECT, TRUE },
  { P, CURLE_OK, 200, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { P, CURLE_OK, 200, TRUE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { P, CURLE_OK, 302, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE },
  { P, CURLE_OK, 401, TRUE, FALSE, FALSE, REAUTH, RS_RETRY_REASON_AUTH, TRUE },
  { P, CURLE_OK, 403, TRUE, FALSE, FALSE, REAUTH, RS_RETRY_REASON_AUTH, TRUE },
  { P, CURLE_OK, 404, FALSE, FALSE, FALSE, SUCCESS, RS_RETRY_REASON_PREFLIGHT_SKIPPED, FALSE },
  { P, CURLE_OK, 405, FALSE, FALSE, FALSE, SUCCESS, RS_RETRY_REASON_PREFLIGHT_SKIPPED, FALSE },
  { P, CURLE_OK, 503, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_BUSY, TRUE },
  { P, CURLE_OK, 500, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_SERVER_ERROR, TRUE },
  { P, CURLE_COULDNT_CONNECT, 0, FALSE, FALSE, FALSE, RETRY, RS_RETRY_REASON_NETWORK, TRUE },
  { P, CURLE_PEER_FAILED_VERIFICATION, 0, FALSE, FALSE, FALSE, SECURITY, RS_RETRY_REASON_TLS,
    TRUE },
};

static double
uniform_fixed (gpointer user_data)
{
  return *(const double *) user_data;
}

START_TEST (test_decision_table)
{
  RsRetryInput input = { 0, };
  RsRetryDecision d;

  input.kind = decision_cases[_i].kind;
  input.curl_code = decision_cases[_i].curl_code;
  input.http_status = decision_cases[_i].status;
  input.retry_after_seconds = -1;
  input.attempt = 1;
  input.openrosa_header = decision_cases[_i].header;
  input.envelope_ok = decision_cases[_i].envelope;
  input.foreign_location = decision_cases[_i].foreign;

  d = rs_retry_policy_decide (NULL, &input);
  ck_assert_msg (d.action == decision_cases[_i].action, "case %d (curl %d, HTTP %ld): %s, want %s",
                 _i, input.curl_code, input.http_status, rs_retry_action_to_string (d.action),
                 rs_retry_action_to_string (decision_cases[_i].action));
  ck_assert_msg (d.reason == decision_cases[_i].reason, "case %d: reason %s, want %s", _i,
                 rs_retry_reason_to_string (d.reason),
                 rs_retry_reason_to_string (decision_cases[_i].reason));
  ck_assert_int_eq (d.stop_batch, decision_cases[_i].stop_batch);
  if (d.action != RS_RETRY_ACTION_RETRY)
    ck_assert_int_eq (d.delay_ms, 0);
  ck_assert_ptr_nonnull (rs_retry_reason_describe (d.reason));
}
END_TEST

/* Full jitter: the ceiling doubles from 2 s and stops at 15 min. */
static const struct
{
  guint  attempt;
  double u;
  gint64 delay_ms;
} backoff_cases[] = {
  { 1, 0.0, 0 },
  { 1, 0.5, 1000 },
  { 1, 1.0, 2000 },
  { 2, 1.0, 4000 },
  { 3, 0.5, 4000 },
  { 5, 1.0, 32000 },
  { 9, 1.0, 512000 },
  { 10, 1.0, 900000 },
  { 10, 0.5, 450000 },
  { 1000, 1.0, 900000 },
  { G_MAXUINT, 0.25, 225000 },
  { 0, 1.0, 2000 },
};

START_TEST (test_backoff_table)
{
  double u = backoff_cases[_i].u;
  RsRetryPolicy policy;

  rs_retry_policy_init_default (&policy);
  policy.uniform = uniform_fixed;
  policy.uniform_data = &u;
  ck_assert_int_eq (rs_retry_policy_backoff_ms (&policy, backoff_cases[_i].attempt),
                    backoff_cases[_i].delay_ms);
}
END_TEST

/* Retry-After is a floor on the delay, capped at an hour; it never turns a refusal into a retry. */
static const struct
{
  long   status;
  gint64 retry_after;
  guint  attempt;
  double u;
  RsRetryAction action;
  gint64 delay_ms;
} retry_after_cases[] = {
  { 503, 30, 1, 1.0, RETRY, 30000 },
  { 503, 0, 1, 0.5, RETRY, 1000 },
  { 429, 5, 10, 1.0, RETRY, 900000 },
  { 429, 7200, 1, 0.0, RETRY, 3600000 },
  { 500, 12, 2, 0.0, RETRY, 12000 },
  { 503, -1, 3, 0.5, RETRY, 4000 },
  { 409, 30, 1, 1.0, PARK, 0 },
  { 401, 30, 1, 1.0, REAUTH, 0 },
  { 201, 30, 1, 1.0, SUCCESS, 0 },
};

START_TEST (test_retry_after_table)
{
  double u = retry_after_cases[_i].u;
  RsRetryPolicy policy;
  RsRetryInput input = { 0, };
  RsRetryDecision d;

  rs_retry_policy_init_default (&policy);
  policy.uniform = uniform_fixed;
  policy.uniform_data = &u;
  input.kind = RS_REQUEST_SUBMIT;
  input.curl_code = CURLE_OK;
  input.http_status = retry_after_cases[_i].status;
  input.retry_after_seconds = retry_after_cases[_i].retry_after;
  input.attempt = retry_after_cases[_i].attempt;
  input.openrosa_header = TRUE;
  input.envelope_ok = TRUE;

  d = rs_retry_policy_decide (&policy, &input);
  ck_assert_int_eq (d.action, retry_after_cases[_i].action);
  ck_assert_int_eq (d.delay_ms, retry_after_cases[_i].delay_ms);
}
END_TEST

START_TEST (test_backoff_random_within_bounds)
{
  RsRetryPolicy policy;

  rs_retry_policy_init_default (&policy);
  for (guint attempt = 1; attempt < 20; attempt++)
    for (guint n = 0; n < 200; n++)
      {
        gint64 d = rs_retry_policy_backoff_ms (&policy, attempt);
        gint64 ceiling = MIN ((gint64) 2000 << MIN (attempt - 1, 20), 900000);

        ck_assert_int_ge (d, 0);
        ck_assert_int_le (d, ceiling);
      }
}
END_TEST

static Suite *
retry_policy_suite (void)
{
  Suite *suite = suite_create ("retry-policy");
  TCase *tc = tcase_create ("decide");

  tcase_add_loop_test (tc, test_decision_table, 0, G_N_ELEMENTS (decision_cases));
  tcase_add_loop_test (tc, test_backoff_table, 0, G_N_ELEMENTS (backoff_cases));
  tcase_add_loop_test (tc, test_retry_after_table, 0, G_N_ELEMENTS (retry_after_cases));
  tcase_add_test (tc, test_backoff_random_within_bounds);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (retry_policy_suite ());
}
