/* rs-server-auth.h: password hashing (Argon2id), HTTP Digest HA1 and device tokens.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "rs-server-store.h"

G_BEGIN_DECLS

#define RS_SERVER_AUTH_ERROR (rs_server_auth_error_quark ())

typedef enum
{
  RS_SERVER_AUTH_ERROR_WEAK_PASSWORD,
  RS_SERVER_AUTH_ERROR_HASH,
  RS_SERVER_AUTH_ERROR_INIT,
} RsServerAuthError;

/* The HTTP Digest realm. HA1 = MD5(username:realm:password) depends on it, so it is fixed. */
#define RS_SERVER_REALM "rasoat"
/* Argon2id cost: t = 2 passes over 19 MiB (OWASP's minimum for Argon2id). */
#define RS_SERVER_PWHASH_OPSLIMIT 2
#define RS_SERVER_PWHASH_MEMLIMIT (19u * 1024u * 1024u)
#define RS_SERVER_MIN_PASSWORD_LENGTH 8

GQuark    rs_server_auth_error_quark       (void);
gboolean  rs_server_auth_init              (guint         max_concurrent_hashes,
                                            GError      **error);
gboolean  rs_server_auth_set_password      (RsServerUser *user,
                                            const char   *password,
                                            GError      **error);
gboolean  rs_server_auth_verify_password   (const RsServerUser *user,
                                            const char         *password);
/* Spends the time of one verification, so an unknown user name answers as slowly as a known
 * one with a wrong password. Checks against a random password nobody knows: FALSE. */
gboolean  rs_server_auth_verify_nobody     (const char   *password);
char     *rs_server_auth_digest_ha1        (const char   *username,
                                            const char   *password);
gboolean  rs_server_auth_ha1_bytes         (const char   *ha1_hex,
                                            guint8        out[16]);
char     *rs_server_auth_new_token         (void);
char     *rs_server_auth_token_sha256      (const char   *token);
void      rs_server_auth_random            (guint8       *buffer,
                                            gsize         length);

G_END_DECLS
