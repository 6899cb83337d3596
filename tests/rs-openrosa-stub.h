/* rs-openrosa-stub.h: a scriptable OpenRosa server on 127.0.0.1 for the sync client tests.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  RS_STUB_AUTH_NONE,
  RS_STUB_AUTH_DIGEST,      /* user "enum1", password "secret" */
  RS_STUB_AUTH_BASIC_ONLY,  /* challenges with Basic only */
  RS_STUB_AUTH_BEARER,      /* "Authorization: Bearer tok123" */
} RsStubAuth;

/* One request as the stub received it. */
typedef struct
{
  char       *method;
  char       *path;
  char       *device_id;    /* the deviceID query argument, or NULL */
  GHashTable *headers;      /* lower-case name → value */
  GBytes     *body;
} RsStubRequest;

typedef struct _RsStub RsStub;

RsStub        *rs_stub_new             (RsStubAuth  auth);
/* The same over HTTPS with a PEM certificate and key; "https://127.0.0.1:PORT". */
RsStub        *rs_stub_new_tls         (RsStubAuth  auth,
                                        const char *cert_pem,
                                        const char *key_pem);
void           rs_stub_free            (RsStub     *stub);
/* "http://127.0.0.1:PORT" */
const char    *rs_stub_url             (RsStub     *stub);

/* Queues the answer to the next request with @method ("HEAD", "POST", "GET"); @headers is
 * "Name: value" lines separated by '\n'; @body_repeat > 0 repeats @body that many times;
 * @delay_ms stalls before answering. Unscripted requests get a compliant answer: HEAD 204 with
 * the OpenRosa headers, POST 201 with an envelope, GET 404. */
void           rs_stub_push            (RsStub     *stub,
                                        const char *method,
                                        guint       status,
                                        const char *headers,
                                        const char *body,
                                        guint       body_repeat,
                                        guint       delay_ms);

guint          rs_stub_n_requests      (RsStub     *stub);
/* The @index-th request (owned by the stub). */
RsStubRequest *rs_stub_request         (RsStub     *stub,
                                        guint       index);
/* How many requests with @method arrived. */
guint          rs_stub_count           (RsStub     *stub,
                                        const char *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsStub, rs_stub_free)

G_END_DECLS
