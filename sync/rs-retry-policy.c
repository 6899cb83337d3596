/* rs-retry-policy.c: what to do after one OpenRosa request; no I/O, no clock, no state.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-retry-policy.h"

#define DEFAULT_BASE_MS            (2 * 1000)
#define DEFAULT_CAP_MS             (15 * 60 * 1000)
#define DEFAULT_RETRY_AFTER_MAX_MS (60 * 60 * 1000)

void
rs_retry_policy_init_default (RsRetryPolicy *policy)
{
  g_return_if_fail (policy != NULL);

  policy->base_ms = DEFAULT_BASE_MS;
  policy->cap_ms = DEFAULT_CAP_MS;
  policy->retry_after_max_ms = DEFAULT_RETRY_AFTER_MAX_MS;
  policy->uniform = NULL;
  policy->uniform_data = NULL;
}

gint64
rs_retry_policy_backoff_ms (const RsRetryPolicy *policy,
                            guint                attempt)
{
  RsRetryPolicy defaults;
  gint64 ceiling;
  double u;

  if (policy == NULL)
    {
      rs_retry_policy_init_default (&defaults);
      policy = &defaults;
    }

  ceiling = MAX (policy->base_ms, 0);
  /* Doubling past the cap only matters until it overflows; 40 doublings of 1 ms exceed any cap. */
  for (guint i = 1; i < attempt && i < 40 && ceiling < policy->cap_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, policy->cap_ms);

  u = policy->uniform != NULL ? policy->uniform (policy->uniform_data) : g_random_double ();
  u = CLAMP (u, 0.0, 1.0);
  return (gint64) (u * (double) ceiling);
}

static RsRetryDecision
decision (RsRetryAction action,
          RsRetryReason reason,
          gboolean      stop_batch)
{
  RsRetryDecision d = { action, reason, 0, stop_batch };

  return d;
}

/* A transient failure: backoff with full jitter, but never sooner than the server asked. */
static RsRetryDecision
retry (const RsRetryPolicy *policy,
       const RsRetryInput  *input,
       RsRetryReason        reason,
       gboolean             stop_batch)
{
  RsRetryDecision d = decision (RS_RETRY_ACTION_RETRY, reason, stop_batch);

  d.delay_ms = rs_retry_policy_backoff_ms (policy, MAX (input->attempt, 1));
  if (input->retry_after_seconds >= 0)
    {
      gint64 asked = MIN (input->retry_after_seconds, policy->retry_after_max_ms / 1000) * 1000;

      d.delay_ms = MAX (d.delay_ms, asked);
    }
  return d;
}

static RsRetryDecision
decide_transport (const RsRetryPolicy *policy,
                  const RsRetryInput  *input)
{
  switch (input->curl_code)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return decision (RS_RETRY_ACTION_STOP_SECURITY, RS_RETRY_REASON_TLS, TRUE);

    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return decision (RS_RETRY_ACTION_STOP_CONFIG, RS_RETRY_REASON_BAD_ADDRESS, TRUE);

    case CURLE_LOGIN_DENIED:
      return decision (RS_RETRY_ACTION_STOP_REAUTH, RS_RETRY_REASON_AUTH, TRUE);

    case CURLE_ABORTED_BY_CALLBACK:
      return retry (policy, input, RS_RETRY_REASON_CANCELLED, TRUE);

    case CURLE_OPERATION_TIMEDOUT:
      return retry (policy, input, RS_RETRY_REASON_TIMEOUT, TRUE);

    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      /* Our response cap fired: something that is not our server is talking. */
      return retry (policy, input, RS_RETRY_REASON_RESPONSE_TOO_LARGE, TRUE);

    case CURLE_TOO_MANY_REDIRECTS:
      return retry (policy, input, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE);

    default:
      /* COULDNT_RESOLVE_*, COULDNT_CONNECT, SEND/RECV_ERROR, GOT_NOTHING, PARTIAL_FILE,
       * SSL_CONNECT_ERROR and the rest: our POST is idempotent (the server dedupes on the
       * instanceID), so resending is safe and data must flow. */
      return retry (policy, input, RS_RETRY_REASON_NETWORK, TRUE);
    }
}

static RsRetryDecision
decide_preflight (const RsRetryPolicy *policy,
                  const RsRetryInput  *input)
{
  long status = input->http_status;

  if (status == 204)
    {
      if (input->foreign_location)
        return decision (RS_RETRY_ACTION_STOP_SECURITY, RS_RETRY_REASON_FOREIGN_REDIRECT, TRUE);
      if (!input->openrosa_header)
        return retry (policy, input, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE);
      return decision (RS_RETRY_ACTION_SUCCESS, RS_RETRY_REASON_NONE, FALSE);
    }
  if (status == 401 || status == 403)
    return decision (RS_RETRY_ACTION_STOP_REAUTH, RS_RETRY_REASON_AUTH, TRUE);
  if (status == 408 || status == 429 || (status >= 502 && status <= 504))
    return retry (policy, input, RS_RETRY_REASON_SERVER_BUSY, TRUE);
  if (status >= 500)
    return retry (policy, input, RS_RETRY_REASON_SERVER_ERROR, TRUE);
  /* Any other 2xx (a hotspot's 200 login page) or a redirect: not an OpenRosa server. */
  if (status < 400)
    return retry (policy, input, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE);
  /* 404, 405 …: HEAD is optional for some servers (ODK Central); the POST will tell. */
  return decision (RS_RETRY_ACTION_SUCCESS, RS_RETRY_REASON_PREFLIGHT_SKIPPED, FALSE);
}

static RsRetryDecision
decide_submit (const RsRetryPolicy *policy,
               const RsRetryInput  *input)
{
  long status = input->http_status;

  switch (status)
    {
    case 201:
    case 202:
      if (input->envelope_ok)
        return decision (RS_RETRY_ACTION_SUCCESS, RS_RETRY_REASON_ACKNOWLEDGED, FALSE);
      return retry (policy, input, RS_RETRY_REASON_NO_ENVELOPE, TRUE);

    case 401:
    case 403:
    case 407:
      return decision (RS_RETRY_ACTION_STOP_REAUTH, RS_RETRY_REASON_AUTH, TRUE);

    case 409:
    case 412:
    case 422:
      return decision (RS_RETRY_ACTION_PARK, RS_RETRY_REASON_CONFLICT, FALSE);

    case 413:
      /* The client already split by X-OpenRosa-Accept-Content-Length; this record cannot go. */
      return decision (RS_RETRY_ACTION_PARK, RS_RETRY_REASON_TOO_LARGE, FALSE);

    case 408:
    case 429:
    case 502:
    case 503:
    case 504:
      return retry (policy, input, RS_RETRY_REASON_SERVER_BUSY, TRUE);

    default:
      break;
    }

  if (status >= 500)
    /* Maybe this record trips a server bug: reschedule it and try the next one. */
    return retry (policy, input, RS_RETRY_REASON_SERVER_ERROR, FALSE);
  if (status >= 400)
    return decision (RS_RETRY_ACTION_PARK, RS_RETRY_REASON_REFUSED, FALSE);
  /* 200, 204, other 2xx, 3xx, 1xx: a captive portal or a proxy, never an acknowledgement. */
  return retry (policy, input, RS_RETRY_REASON_CAPTIVE_PORTAL, TRUE);
}

RsRetryDecision
rs_retry_policy_decide (const RsRetryPolicy *policy,
                        const RsRetryInput  *input)
{
  RsRetryPolicy defaults;

  g_return_val_if_fail (input != NULL,
                        decision (RS_RETRY_ACTION_STOP_CONFIG, RS_RETRY_REASON_NONE, TRUE));

  if (policy == NULL)
    {
      rs_retry_policy_init_default (&defaults);
      policy = &defaults;
    }

  if (input->curl_code != CURLE_OK)
    return decide_transport (policy, input);
  if (input->kind == RS_REQUEST_PREFLIGHT)
    return decide_preflight (policy, input);
  return decide_submit (policy, input);
}

const char *
rs_retry_action_to_string (RsRetryAction action)
{
  switch (action)
    {
    case RS_RETRY_ACTION_SUCCESS: return "success";
    case RS_RETRY_ACTION_RETRY: return "retry";
    case RS_RETRY_ACTION_PARK: return "park";
    case RS_RETRY_ACTION_STOP_REAUTH: return "stop-reauth";
    case RS_RETRY_ACTION_STOP_SECURITY: return "stop-security";
    case RS_RETRY_ACTION_STOP_CONFIG: return "stop-config";
    default: return "unknown";
    }
}

const char *
rs_retry_reason_to_string (RsRetryReason reason)
{
  switch (reason)
    {
    case RS_RETRY_REASON_NONE: return "none";
    case RS_RETRY_REASON_ACKNOWLEDGED: return "acknowledged";
    case RS_RETRY_REASON_PREFLIGHT_SKIPPED: return "preflight-skipped";
    case RS_RETRY_REASON_NETWORK: return "network";
    case RS_RETRY_REASON_TIMEOUT: return "timeout";
    case RS_RETRY_REASON_CAPTIVE_PORTAL: return "captive-portal";
    case RS_RETRY_REASON_NO_ENVELOPE: return "no-envelope";
    case RS_RETRY_REASON_RESPONSE_TOO_LARGE: return "response-too-large";
    case RS_RETRY_REASON_SERVER_BUSY: return "server-busy";
    case RS_RETRY_REASON_SERVER_ERROR: return "server-error";
    case RS_RETRY_REASON_REFUSED: return "refused";
    case RS_RETRY_REASON_CONFLICT: return "conflict";
    case RS_RETRY_REASON_TOO_LARGE: return "too-large";
    case RS_RETRY_REASON_AUTH: return "auth";
    case RS_RETRY_REASON_TLS: return "tls";
    case RS_RETRY_REASON_FOREIGN_REDIRECT: return "foreign-redirect";
    case RS_RETRY_REASON_BAD_ADDRESS: return "bad-address";
    case RS_RETRY_REASON_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

const char *
rs_retry_reason_describe (RsRetryReason reason)
{
  switch (reason)
    {
    case RS_RETRY_REASON_NONE:
    case RS_RETRY_REASON_ACKNOWLEDGED:
    case RS_RETRY_REASON_PREFLIGHT_SKIPPED:
      return _("The server received the record.");
    case RS_RETRY_REASON_NETWORK:
      return _("Could not reach the server. The record stays on the tablet and is sent again "
               "when the network works.");
    case RS_RETRY_REASON_TIMEOUT:
      return _("The network is too slow or stopped answering. The record is sent again later.");
    case RS_RETRY_REASON_CAPTIVE_PORTAL:
      return _("The network answered instead of the server. If this Wi-Fi needs a login, open "
               "a web browser and log in, then sync again.");
    case RS_RETRY_REASON_NO_ENVELOPE:
      return _("The server's answer was not a proper receipt. The record is sent again later.");
    case RS_RETRY_REASON_RESPONSE_TOO_LARGE:
      return _("Something other than the district server answered. Check the network and the "
               "server address.");
    case RS_RETRY_REASON_SERVER_BUSY:
      return _("The server is busy. The record is sent again automatically in a while.");
    case RS_RETRY_REASON_SERVER_ERROR:
      return _("The server had a problem. The record is sent again later; tell the district if "
               "this continues.");
    case RS_RETRY_REASON_REFUSED:
      return _("The server refused this record. Read the server's message and ask the district "
               "for help.");
    case RS_RETRY_REASON_CONFLICT:
      return _("The server already has a different version of this record. A supervisor must "
               "review it.");
    case RS_RETRY_REASON_TOO_LARGE:
      return _("This record is too large for the server. Remove or shrink its photos and "
               "finalize it again.");
    case RS_RETRY_REASON_AUTH:
      return _("The server did not accept your account. Check the user name, password or "
               "device token in Settings.");
    case RS_RETRY_REASON_TLS:
      return _("The server's security certificate is not the expected one. Do not sync on "
               "this network; tell the district IT officer.");
    case RS_RETRY_REASON_FOREIGN_REDIRECT:
      return _("The server tried to send the records to another address. Sync was stopped; "
               "tell the district IT officer.");
    case RS_RETRY_REASON_BAD_ADDRESS:
      return _("The server address is not valid. Check it in Settings.");
    case RS_RETRY_REASON_CANCELLED:
      return _("Sync was cancelled. The record is sent at the next sync.");
    default:
      return _("Unknown sync problem.");
    }
}
