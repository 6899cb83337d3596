/* rs-server-auth.c: password hashing (Argon2id), HTTP Digest HA1 and device tokens.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "rs-server-auth.h"

G_DEFINE_QUARK (rs-server-auth-error-quark, rs_server_auth_error)

/* Argon2id costs 19 MiB and tens of milliseconds per hash: a counting semaphore keeps a burst of
 * logins from exhausting memory or every worker thread. */
static GMutex hash_lock;
static GCond hash_cond;
static guint hash_slots = 2;
static guint hash_busy;

gboolean
rs_server_auth_init (guint    max_concurrent_hashes,
                     GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, RS_SERVER_AUTH_ERROR, RS_SERVER_AUTH_ERROR_INIT,
                   _("The cryptography library could not start."));
      return FALSE;
    }
  g_mutex_lock (&hash_lock);
  hash_slots = MAX (max_concurrent_hashes, 1);
  g_mutex_unlock (&hash_lock);
  return TRUE;
}

static void
hash_slot_acquire (void)
{
  g_mutex_lock (&hash_lock);
  while (hash_busy >= hash_slots)
    g_cond_wait (&hash_cond, &hash_lock);
  hash_busy++;
  g_mutex_unlock (&hash_lock);
}

static void
hash_slot_release (void)
{
  g_mutex_lock (&hash_lock);
  hash_busy--;
  g_cond_signal (&hash_cond);
  g_mutex_unlock (&hash_lock);
}

char *
rs_server_auth_digest_ha1 (const char *username,
                           const char *password)
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);

  g_checksum_update (md5, (const guchar *) username, strlen (username));
  g_checksum_update (md5, (const guchar *) ":" RS_SERVER_REALM ":", strlen (RS_SERVER_REALM) + 2);
  g_checksum_update (md5, (const guchar *) password, strlen (password));
  return g_strdup (g_checksum_get_string (md5));
}

gboolean
rs_server_auth_ha1_bytes (const char *ha1_hex,
                          guint8      out[16])
{
  size_t written = 0;

  if (ha1_hex == NULL || strlen (ha1_hex) != 32)
    return FALSE;
  return sodium_hex2bin (out, 16, ha1_hex, 32, NULL, &written, NULL) == 0 && written == 16;
}

gboolean
rs_server_auth_set_password (RsServerUser  *user,
                             const char    *password,
                             GError       **error)
{
  char hash[crypto_pwhash_STRBYTES];
  int rc;

  if (password == NULL || g_utf8_strlen (password, -1) < RS_SERVER_MIN_PASSWORD_LENGTH)
    {
      g_set_error (error, RS_SERVER_AUTH_ERROR, RS_SERVER_AUTH_ERROR_WEAK_PASSWORD,
                   _("The password is too short; use at least %d characters."),
                   RS_SERVER_MIN_PASSWORD_LENGTH);
      return FALSE;
    }
  hash_slot_acquire ();
  rc = crypto_pwhash_str_alg (hash, password, strlen (password), RS_SERVER_PWHASH_OPSLIMIT,
                              RS_SERVER_PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
  hash_slot_release ();
  if (rc != 0)
    {
      g_set_error (error, RS_SERVER_AUTH_ERROR, RS_SERVER_AUTH_ERROR_HASH,
                   _("There is not enough memory to protect the password; try again."));
      return FALSE;
    }
  g_free (user->password_hash);
  user->password_hash = g_strdup (hash);
  g_free (user->digest_ha1);
  user->digest_ha1 = rs_server_auth_digest_ha1 (user->username, password);
  return TRUE;
}

gboolean
rs_server_auth_verify_password (const RsServerUser *user,
                                const char         *password)
{
  int rc;

  if (user->password_hash == NULL || password == NULL)
    return FALSE;
  hash_slot_acquire ();
  rc = crypto_pwhash_str_verify (user->password_hash, password, strlen (password));
  hash_slot_release ();
  return rc == 0;
}

gboolean
rs_server_auth_verify_nobody (const char *password)
{
  static gsize initialized;
  static char dummy_hash[crypto_pwhash_STRBYTES];

  if (g_once_init_enter (&initialized))
    {
      char random_password[33];
      guint8 raw[16];

      randombytes_buf (raw, sizeof raw);
      sodium_bin2hex (random_password, sizeof random_password, raw, sizeof raw);
      hash_slot_acquire ();
      if (crypto_pwhash_str_alg (dummy_hash, random_password, strlen (random_password),
                                 RS_SERVER_PWHASH_OPSLIMIT, RS_SERVER_PWHASH_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13) != 0)
        dummy_hash[0] = '\0';
      hash_slot_release ();
      g_once_init_leave (&initialized, 1);
    }
  if (dummy_hash[0] != '\0' && password != NULL)
    {
      int rc;

      hash_slot_acquire ();
      rc = crypto_pwhash_str_verify (dummy_hash, password, strlen (password));
      hash_slot_release ();
      return rc == 0;
    }
  return FALSE;
}

void
rs_server_auth_random (guint8 *buffer,
                       gsize   length)
{
  randombytes_buf (buffer, length);
}

char *
rs_server_auth_new_token (void)
{
  guint8 raw[32];
  char encoded[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (raw, sizeof raw);
  sodium_bin2base64 (encoded, sizeof encoded, raw, sizeof raw,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (raw, sizeof raw);
  return g_strdup (encoded);
}

/* Tokens carry 256 random bits, so one fast hash is enough to keep the database from holding
 * usable secrets. */
char *
rs_server_auth_token_sha256 (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}
