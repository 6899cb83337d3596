/* rs-retry-policy.h: the pure retry decision for one OpenRosa request (reliability.md §2.4).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <curl/curl.h>
#include <glib.h>

G_BEGIN_DECLS

/* What the sync engine does with the record (and the batch) after one request. */
typedef enum
{
  RS_RETRY_ACTION_SUCCESS,       /* acknowledged (POST) or go ahead (pre-flight) */
  RS_RETRY_ACTION_RETRY,         /* transient: try again after delay_ms */
  RS_RETRY_ACTION_PARK,          /* permanent refusal of this record: keep it, show the message */
  RS_RETRY_ACTION_STOP_REAUTH,   /* 401/403: stop the batch, ask for credentials */
  RS_RETRY_ACTION_STOP_SECURITY, /* TLS verification, pin or foreign redirect: stop, never loop */
  RS_RETRY_ACTION_STOP_CONFIG,   /* the server address itself is unusable: stop, fix settings */
} RsRetryAction;

/* Why; the engine stores it and rs_retry_reason_describe() explains it to the user. */
typedef enum
{
  RS_RETRY_REASON_NONE,
  RS_RETRY_REASON_ACKNOWLEDGED,
  RS_RETRY_REASON_PREFLIGHT_SKIPPED,  /* the server does not offer HEAD; the POST decides */
  RS_RETRY_REASON_NETWORK,            /* could not connect, connection dropped */
  RS_RETRY_REASON_TIMEOUT,
  RS_RETRY_REASON_CAPTIVE_PORTAL,     /* 200/204/3xx to a POST, HEAD without OpenRosa header */
  RS_RETRY_REASON_NO_ENVELOPE,        /* 201/202 without an OpenRosa response */
  RS_RETRY_REASON_RESPONSE_TOO_LARGE,
  RS_RETRY_REASON_SERVER_BUSY,        /* 408, 429, 502, 503, 504 */
  RS_RETRY_REASON_SERVER_ERROR,       /* other 5xx */
  RS_RETRY_REASON_REFUSED,            /* 400, 404 and other 4xx */
  RS_RETRY_REASON_CONFLICT,           /* 409, 412, 422 */
  RS_RETRY_REASON_TOO_LARGE,          /* 413 */
  RS_RETRY_REASON_AUTH,               /* 401, 403 */
  RS_RETRY_REASON_TLS,                /* certificate or pinned key mismatch */
  RS_RETRY_REASON_FOREIGN_REDIRECT,   /* HEAD pointed to another host */
  RS_RETRY_REASON_BAD_ADDRESS,        /* malformed URL, unsupported scheme */
  RS_RETRY_REASON_CANCELLED,
} RsRetryReason;

typedef enum
{
  RS_REQUEST_SUBMIT,     /* POST /submission */
  RS_REQUEST_PREFLIGHT,  /* HEAD /submission */
} RsRequestKind;

/* Returns a number uniformly distributed in [0, 1); injectable so tests are deterministic. */
typedef double (*RsRetryUniformFunc) (gpointer user_data);

typedef struct
{
  gint64             base_ms;             /* 2 s */
  gint64             cap_ms;              /* 15 min */
  gint64             retry_after_max_ms;  /* longest Retry-After honoured (1 h) */
  RsRetryUniformFunc uniform;             /* NULL: g_random_double() */
  gpointer           uniform_data;
} RsRetryPolicy;

/* What happened, as the OpenRosa client saw it. */
typedef struct
{
  RsRequestKind kind;
  CURLcode      curl_code;
  long          http_status;            /* 0 when no response arrived */
  gint64        retry_after_seconds;    /* -1 when absent */
  guint         attempt;                /* 1 for the first attempt of this record */
  gboolean      openrosa_header;        /* X-OpenRosa-Version present */
  gboolean      envelope_ok;            /* body is an OpenRosaResponse envelope */
  gboolean      foreign_location;       /* HEAD gave a Location on another host */
} RsRetryInput;

typedef struct
{
  RsRetryAction action;
  RsRetryReason reason;
  gint64        delay_ms;    /* for RETRY: wait at least this long before the next attempt */
  gboolean      stop_batch;  /* the next records would fail the same way: end this run */
} RsRetryDecision;

/* The defaults of reliability.md §2.4: base 2 s, cap 15 min, Retry-After up to 1 h. */
void            rs_retry_policy_init_default (RsRetryPolicy *policy);

/* The pure decision. @policy may be NULL for the defaults. */
RsRetryDecision rs_retry_policy_decide       (const RsRetryPolicy *policy,
                                              const RsRetryInput  *input);

/* Full-jitter backoff: uniform in [0, min(cap, base · 2^(attempt-1))]. */
gint64          rs_retry_policy_backoff_ms   (const RsRetryPolicy *policy,
                                              guint                attempt);

/* Short stable names ("retry", "park", …) for logs and the CLI. */
const char     *rs_retry_action_to_string    (RsRetryAction action);
const char     *rs_retry_reason_to_string    (RsRetryReason reason);

/* A translated sentence for the enumerator: what went wrong and what to do. */
const char     *rs_retry_reason_describe     (RsRetryReason reason);

G_END_DECLS
