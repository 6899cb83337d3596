/* test-server.c: the district server on 127.0.0.1 driven by libcurl, on SQLite and PostgreSQL.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "rs-multipart.h"
#include "rs-server.h"
#include "rs-server-auth.h"
#include "rs-server-csv.h"
#include "rs-server-store.h"
#include "rs-submission.h"
#include "rs-test.h"
#include "test-server-pg.h"

/* ---- backends ---------------------------------------------------------------------------- */

static const char *backend = "sqlite";
static RsTestPg pg_cluster;
static char *pg_start_error;

static void hash_fixture_passwords (void);

static void
sqlite_backend (void)
{
  backend = "sqlite";
  hash_fixture_passwords ();
}

static void
pg_backend_start (void)
{
  g_autoptr(GError) error = NULL;

  backend = "postgresql";
  hash_fixture_passwords ();
  if (!rs_test_pg_start (&pg_cluster, &error))
    {
      pg_start_error = g_strdup (error->message);
      rs_test_pg_stop (&pg_cluster);
    }
}

static void
pg_backend_stop (void)
{
  rs_test_pg_stop (&pg_cluster);
}

/* A fresh, empty database for the current (forked) test. */
static char *
new_database_location (const char *tmpdir)
{
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;
  PGconn *conn;
  PGresult *result;

  if (g_str_equal (backend, "sqlite"))
    return g_build_filename (tmpdir, "district.db", NULL);

  ck_assert_msg (pg_start_error == NULL, "PostgreSQL test cluster did not start: %s",
                 pg_start_error);
  name = g_strdup_printf ("t%d_%u", (int) getpid (), g_random_int ());
  conn = PQconnectdb (pg_cluster.conninfo);
  ck_assert_msg (PQstatus (conn) == CONNECTION_OK, "%s", PQerrorMessage (conn));
  sql = g_strdup_printf ("CREATE DATABASE %s", name);
  result = PQexec (conn, sql);
  ck_assert_msg (PQresultStatus (result) == PGRES_COMMAND_OK, "%s", PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
  return rs_test_pg_database_uri (&pg_cluster, name);
}

/* ---- fixture ----------------------------------------------------------------------------- */

#define TEST_FORM \
  "<?xml version=\"1.0\"?>\n" \
  "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">" \
  "<h:head><h:title>Test form</h:title><model><instance>" \
  "<household id=\"test_form\" version=\"7\"><admin><commune_code/></admin>" \
  "<meta><instanceID/></meta></household></instance></model></h:head><h:body/></h:html>\n"

#define MAX_BODY (256 * 1024)

typedef struct
{
  char *tmpdir;
  char *location;
  RsServerStore *store;
  RsServer *server;
  char *base;
  char *token_demo;     /* enumerator of commune 19183 */
  char *token_other;    /* enumerator of commune 19999 */
} Fixture;

static Fixture fx;

/* The fixture's users. Argon2id is slow on purpose, so each password is hashed once, in the
 * runner before the tests fork, and every test's fresh database gets the same hashes. */
static struct
{
  const char *name;
  RsRole role;
  const char *communes;
  const char *password;
  char *password_hash;
  char *digest_ha1;
} fixture_users[] = {
  { "demo", RS_ROLE_ENUMERATOR, "19183", "demo-password", NULL, NULL },
  { "officer", RS_ROLE_COMMUNE_OFFICER, "19183", "officer-password", NULL, NULL },
  { "other", RS_ROLE_ENUMERATOR, "19999", "other-password", NULL, NULL },
  { "admin", RS_ROLE_DISTRICT_ADMIN, NULL, "admin-password", NULL, NULL },
};

static void
hash_fixture_passwords (void)
{
  if (fixture_users[0].password_hash != NULL)
    return;
  if (!rs_server_auth_init (4, NULL))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fixture_users); i++)
    {
      g_autoptr(RsServerUser) user = g_new0 (RsServerUser, 1);

      user->username = g_strdup (fixture_users[i].name);
      if (!rs_server_auth_set_password (user, fixture_users[i].password, NULL))
        return;
      fixture_users[i].password_hash = g_steal_pointer (&user->password_hash);
      fixture_users[i].digest_ha1 = g_steal_pointer (&user->digest_ha1);
    }
}

static void
free_fixture_passwords (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture_users); i++)
    {
      g_clear_pointer (&fixture_users[i].password_hash, g_free);
      g_clear_pointer (&fixture_users[i].digest_ha1, g_free);
    }
}

static void
add_fixture_users (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture_users); i++)
    {
      g_autoptr(RsServerUser) user = g_new0 (RsServerUser, 1);
      g_autoptr(GError) error = NULL;

      ck_assert_msg (fixture_users[i].password_hash != NULL, "password hashing failed");
      user->username = g_strdup (fixture_users[i].name);
      user->role = fixture_users[i].role;
      user->communes = fixture_users[i].communes != NULL
                       ? g_strsplit (fixture_users[i].communes, ",", -1) : g_new0 (char *, 1);
      user->password_hash = g_strdup (fixture_users[i].password_hash);
      user->digest_ha1 = g_strdup (fixture_users[i].digest_ha1);
      user->active = TRUE;
      ck_assert_msg (rs_server_store_user_add (fx.store, user, &error), "%s",
                     error ? error->message : "");
    }
}

static char *
add_token (const char *name,
           const char *device)
{
  g_autoptr(GError) error = NULL;
  char *token = rs_server_auth_new_token ();
  g_autofree char *hash = rs_server_auth_token_sha256 (token);

  ck_assert_msg (rs_server_store_token_add (fx.store, name, device, hash, &error), "%s",
                 error ? error->message : "");
  return token;
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) form_xml = g_bytes_new_static (TEST_FORM, strlen (TEST_FORM));
  g_autoptr(RsServerForm) form = NULL;
  g_autofree char *data_dir = g_build_filename (rs_test_srcdir (), "data", NULL);
  RsServerConfig config;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  ck_assert (rs_server_auth_init (4, &error));
  fx.tmpdir = g_dir_make_tmp ("rasoat-server-XXXXXX", &error);
  ck_assert (fx.tmpdir != NULL);
  fx.location = new_database_location (fx.tmpdir);
  fx.store = rs_server_store_open (fx.location, TRUE, &error);
  ck_assert_msg (fx.store != NULL, "%s", error ? error->message : "");

  add_fixture_users ();
  fx.token_demo = add_token ("demo", "tablet-1");
  fx.token_other = add_token ("other", "tablet-2");
  form = rs_server_form_from_bytes (form_xml, &error);
  ck_assert (form != NULL);
  ck_assert (rs_server_store_form_put (fx.store, form, NULL, &error));

  rs_server_config_init (&config);
  config.port = 0;
  config.connection_timeout_s = 2;
  config.max_body_bytes = MAX_BODY;
  config.thread_pool_size = 4;
  config.data_dir = g_strdup (data_dir);
  config.forms_dir = g_build_filename (data_dir, "forms", NULL);
  fx.server = rs_server_new (fx.store, &config);
  rs_server_config_clear (&config);
  ck_assert_msg (rs_server_start (fx.server, &error), "%s", error ? error->message : "");
  ck_assert_uint_ne (rs_server_get_port (fx.server), 0);
  fx.base = g_strdup_printf ("http://127.0.0.1:%u", rs_server_get_port (fx.server));
}

static void
teardown (void)
{
  g_clear_pointer (&fx.server, rs_server_free);
  g_clear_pointer (&fx.store, rs_server_store_close);
  if (fx.tmpdir != NULL)
    {
      g_autofree char *db = g_build_filename (fx.tmpdir, "district.db", NULL);
      g_autofree char *wal = g_strconcat (db, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db, "-shm", NULL);

      g_remove (db);
      g_remove (wal);
      g_remove (shm);
      g_rmdir (fx.tmpdir);
    }
  g_clear_pointer (&fx.tmpdir, g_free);
  g_clear_pointer (&fx.location, g_free);
  g_clear_pointer (&fx.base, g_free);
  g_clear_pointer (&fx.token_demo, g_free);
  g_clear_pointer (&fx.token_other, g_free);
  curl_global_cleanup ();
}

/* ---- HTTP helpers ------------------------------------------------------------------------ */

typedef struct
{
  long status;
  GString *body;
  GString *headers;
} Reply;

static void
reply_free (Reply *reply)
{
  g_string_free (reply->body, TRUE);
  g_string_free (reply->headers, TRUE);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static size_t
collect (char   *data,
         size_t  size,
         size_t  count,
         void   *user_data)
{
  g_string_append_len (user_data, data, size * count);
  return size * count;
}

static char *
make_xml (const char *instance_id,
          const char *commune,
          const char *deprecated_id,
          const char *note)
{
  g_autofree char *deprecated = deprecated_id != NULL
    ? g_strdup_printf ("<deprecatedID>%s</deprecatedID>", deprecated_id) : g_strdup ("");

  return g_strdup_printf ("<?xml version=\"1.0\"?>\n<household id=\"test_form\" version=\"7\">"
                          "<admin><commune_code>%s</commune_code><village>Thôn 2</village>"
                          "<household_code>H%s</household_code></admin>"
                          "<head><name>Nguyễn Thị Bình</name></head><note>%s</note>"
                          "<meta><instanceID>%s</instanceID>%s</meta></household>\n",
                          commune, note, note, instance_id, deprecated);
}

typedef struct
{
  const char *method;         /* NULL = GET, "HEAD", "POST" */
  const char *path;
  const char *token;          /* Authorization: Bearer */
  const char *digest;         /* "user:password" for Digest */
  const char *basic;          /* "user:password" for Basic */
  const char *base;           /* another server than the fixture's (https://…) */
  const char *cainfo;         /* CA file for https */
  const char *xml;            /* POST as multipart with this xml_submission_file */
  gsize attachment_size;      /* an extra attachment part of this many bytes */
  const char *raw_body;       /* POST this body as-is (with raw_content_type) */
  const char *raw_content_type;
  gboolean chunked;
} Call;

static Reply *
http (const Call *call)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;
  curl_mime *mime = NULL;
  g_autofree char *url = g_strconcat (call->base != NULL ? call->base : fx.base, call->path,
                                      NULL);
  g_autofree char *bearer = NULL;
  g_autofree char *attachment = NULL;
  Reply *reply = g_new0 (Reply, 1);
  CURLcode rc;

  reply->body = g_string_new (NULL);
  reply->headers = g_string_new (NULL);
  headers = curl_slist_append (headers, "X-OpenRosa-Version: 1.0");
  if (call->token != NULL)
    {
      bearer = g_strdup_printf ("Authorization: Bearer %s", call->token);
      headers = curl_slist_append (headers, bearer);
    }
  if (call->chunked)
    headers = curl_slist_append (headers, "Transfer-Encoding: chunked");
  if (call->digest != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_DIGEST);
      curl_easy_setopt (curl, CURLOPT_USERPWD, call->digest);
    }
  if (call->basic != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
      curl_easy_setopt (curl, CURLOPT_USERPWD, call->basic);
    }
  if (call->cainfo != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, call->cainfo);
  if (call->xml != NULL)
    {
      curl_mimepart *part;

      mime = curl_mime_init (curl);
      part = curl_mime_addpart (mime);
      curl_mime_name (part, "xml_submission_file");
      curl_mime_filename (part, "record.xml");
      curl_mime_type (part, "text/xml");
      curl_mime_data (part, call->xml, CURL_ZERO_TERMINATED);
      if (call->attachment_size > 0)
        {
          attachment = g_malloc0 (call->attachment_size);
          part = curl_mime_addpart (mime);
          curl_mime_name (part, "photo.jpg");
          curl_mime_filename (part, "photo.jpg");
          curl_mime_type (part, "image/jpeg");
          curl_mime_data (part, attachment, call->attachment_size);
        }
      curl_easy_setopt (curl, CURLOPT_MIMEPOST, mime);
    }
  else if (call->raw_body != NULL)
    {
      g_autofree char *type = g_strdup_printf ("Content-Type: %s", call->raw_content_type);

      headers = curl_slist_append (headers, type);
      curl_easy_setopt (curl, CURLOPT_POSTFIELDS, call->raw_body);
    }
  if (call->method != NULL && g_str_equal (call->method, "HEAD"))
    curl_easy_setopt (curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply->body);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, reply->headers);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 20L);
  rc = curl_easy_perform (curl);
  ck_assert_msg (rc == CURLE_OK, "%s %s: %s", call->method ? call->method : "GET", call->path,
                 curl_easy_strerror (rc));
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status);
  curl_mime_free (mime);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return reply;
}

static Reply *
submit (const char *xml,
        const char *token)
{
  Call call = { .method = "POST", .path = "/submission", .token = token, .xml = xml };

  return http (&call);
}

static gboolean
has_header (const Reply *reply,
            const char  *name_colon_value)
{
  g_autofree char *haystack = g_ascii_strdown (reply->headers->str, -1);
  g_autofree char *needle = g_ascii_strdown (name_colon_value, -1);

  return strstr (haystack, needle) != NULL;
}

static gint64
record_count (void)
{
  return rs_server_store_record_count (fx.store, NULL);
}

static void
assert_envelope (const Reply *reply,
                 const char  *nature)
{
  g_autofree char *wanted = g_strdup_printf ("<message nature=\"%s\">", nature);

  ck_assert_msg (strstr (reply->body->str,
                         "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\"") != NULL,
                 "not an OpenRosa envelope: %s", reply->body->str);
  ck_assert_msg (strstr (reply->body->str, wanted) != NULL, "%s", reply->body->str);
  ck_assert (has_header (reply, "X-OpenRosa-Version: 1.0"));
  ck_assert (has_header (reply, "Date: "));
}

static void
assert_server_up (void)
{
  Call call = { .method = "HEAD", .path = "/submission", .token = fx.token_demo };
  g_autoptr(Reply) reply = http (&call);

  ck_assert_int_eq (reply->status, 204);
}

/* ---- OpenRosa ---------------------------------------------------------------------------- */

START_TEST (test_head_preflight)
{
  Call anonymous = { .method = "HEAD", .path = "/submission" };
  Call digest = { .method = "HEAD", .path = "/submission", .digest = "demo:demo-password" };
  Call token_path = { .method = "HEAD", .path = NULL };
  g_autofree char *key_path = g_strdup_printf ("/key/%s/submission", fx.token_demo);
  g_autoptr(Reply) challenge = http (&anonymous);
  g_autoptr(Reply) ok = http (&digest);
  g_autoptr(Reply) by_path = NULL;
  g_autofree char *accept = g_strdup_printf ("X-OpenRosa-Accept-Content-Length: %d", MAX_BODY);

  ck_assert_int_eq (challenge->status, 401);
  ck_assert (has_header (challenge, "WWW-Authenticate: Digest realm=\"rasoat\""));
  ck_assert (has_header (challenge, "X-OpenRosa-Version: 1.0"));

  ck_assert_int_eq (ok->status, 204);
  ck_assert (has_header (ok, "X-OpenRosa-Version: 1.0"));
  ck_assert (has_header (ok, accept));
  ck_assert (has_header (ok, "Date: "));

  token_path.path = key_path;
  by_path = http (&token_path);
  ck_assert_int_eq (by_path->status, 204);
  ck_assert_int_ge (rs_server_store_audit_count (fx.store, "login", NULL), 2);
}
END_TEST

START_TEST (test_submit_resend_conflict)
{
  g_autofree char *xml = make_xml ("uuid:aaaa-1", "19183", NULL, "first");
  g_autofree char *changed = make_xml ("uuid:aaaa-1", "19183", NULL, "changed");
  g_autofree char *sha = rs_submission_sha256_hex ((const guint8 *) xml, strlen (xml));
  g_autoptr(Reply) first = submit (xml, fx.token_demo);
  g_autoptr(Reply) again = submit (xml, fx.token_demo);
  g_autoptr(Reply) conflict = submit (changed, fx.token_demo);
  g_autoptr(GBytes) stored = NULL;

  ck_assert_int_eq (first->status, 201);
  assert_envelope (first, "submit_success");
  ck_assert (strstr (first->body->str, "instanceID=\"uuid:aaaa-1\"") != NULL);
  ck_assert (strstr (first->body->str, sha) != NULL);
  ck_assert_int_eq (again->status, 201);
  assert_envelope (again, "submit_success");
  ck_assert (has_header (again, "X-Rasoat-Outcome: duplicate"));
  ck_assert_int_eq (conflict->status, 409);
  assert_envelope (conflict, "error");
  ck_assert_int_eq (record_count (), 1);

  /* The exact bytes received are what is stored. */
  stored = rs_server_store_record_xml (fx.store, "uuid:aaaa-1", NULL);
  ck_assert (stored != NULL);
  ck_assert_uint_eq (g_bytes_get_size (stored), strlen (xml));
  /* Both accepted POSTs are in the audit log (stored, then duplicate); the 409 as refused. */
  ck_assert_int_eq (rs_server_store_audit_count (fx.store, "submission", NULL), 2);
  ck_assert_int_eq (rs_server_store_audit_count (fx.store, "submission_refused", NULL), 1);
  ck_assert (memcmp (g_bytes_get_data (stored, NULL), xml, strlen (xml)) == 0);
}
END_TEST

static gboolean
collect_latest (const RsServerRecordRow *row,
                gpointer                 user_data)
{
  g_ptr_array_add (user_data, g_strdup (row->instance_id));
  return TRUE;
}

START_TEST (test_deprecated_edit_and_stale)
{
  g_autofree char *v1 = make_xml ("uuid:bbbb-1", "19183", NULL, "v1");
  g_autofree char *v2 = make_xml ("uuid:bbbb-2", "19183", "uuid:bbbb-1", "v2");
  g_autofree char *v3 = make_xml ("uuid:bbbb-3", "19183", "uuid:bbbb-1", "v3");
  g_autofree char *v4 = make_xml ("uuid:bbbb-4", "19183", "uuid:bbbb-2", "v4");
  g_autofree char *orphan = make_xml ("uuid:cccc-2", "19183", "uuid:never-sent", "x");
  g_autofree char *foreign = make_xml ("uuid:zzzz-1", "19999", NULL, "foreign");
  g_autofree char *hijack = make_xml ("uuid:zzzz-2", "19183", "uuid:zzzz-1", "hijack");
  g_autoptr(Reply) r1 = submit (v1, fx.token_demo);
  g_autoptr(Reply) r2 = submit (v2, fx.token_demo);
  g_autoptr(Reply) r2_again = submit (v2, fx.token_demo);
  g_autoptr(Reply) r3 = submit (v3, fx.token_demo);
  g_autoptr(Reply) r4_chain = submit (v4, fx.token_demo);
  g_autoptr(Reply) r4 = submit (orphan, fx.token_demo);
  g_autoptr(Reply) r5 = submit (foreign, fx.token_other);
  g_autoptr(Reply) r6 = submit (hijack, fx.token_demo);
  g_autoptr(GPtrArray) latest = g_ptr_array_new_with_free_func (g_free);

  ck_assert_int_eq (r1->status, 201);
  ck_assert_int_eq (r2->status, 201);
  ck_assert_int_eq (r2_again->status, 201);
  ck_assert_int_eq (r3->status, 409);
  assert_envelope (r3, "error");
  ck_assert (strstr (r3->body->str, "uuid:bbbb-1") != NULL);
  ck_assert_int_eq (r4->status, 409);
  /* A second edit replaces the first edit, the current version. */
  ck_assert_int_eq (r4_chain->status, 201);
  /* An enumerator of 19183 cannot replace a record of commune 19999 by naming it. */
  ck_assert_int_eq (r5->status, 201);
  ck_assert_int_eq (r6->status, 403);
  assert_envelope (r6, "error");
  ck_assert_int_eq (record_count (), 4);
  ck_assert (rs_server_store_records_foreach (fx.store, "19183", TRUE, collect_latest, latest,
                                              NULL));
  ck_assert_uint_eq (latest->len, 1);
  ck_assert_str_eq (g_ptr_array_index (latest, 0), "uuid:bbbb-4");
}
END_TEST

/* Bad input: each answered with the right status and an envelope; nothing stored. */
static const struct
{
  const char *name;
  const char *xml;             /* multipart with this XML, or */
  const char *raw_body;        /* this raw body (Content-Type below) */
  const char *content_type;
  gsize attachment;
  gboolean chunked;
  gboolean other_token;
  const char *digest;
  long status;
} bad_inputs[] = {
  { "unknown form", "<household id=\"nope\" version=\"1\"><admin><commune_code>19183"
    "</commune_code></admin><meta><instanceID>uuid:x1</instanceID></meta></household>",
    NULL, NULL, 0, FALSE, FALSE, NULL, 404 },
  { "unknown version", "<household id=\"test_form\" version=\"6\"><admin><commune_code>19183"
    "</commune_code></admin><meta><instanceID>uuid:x2</instanceID></meta></household>",
    NULL, NULL, 0, FALSE, FALSE, NULL, 404 },
  { "malformed XML", "<household id=\"test_form\" version=\"7\"><admin>", NULL, NULL, 0, FALSE,
    FALSE, NULL, 400 },
  { "missing instanceID", "<household id=\"test_form\" version=\"7\"><admin><commune_code>19183"
    "</commune_code></admin><meta/></household>", NULL, NULL, 0, FALSE, FALSE, NULL, 400 },
  { "DOCTYPE", "<!DOCTYPE h [<!ENTITY a \"aaaa\">]><household id=\"test_form\" version=\"7\">"
    "<meta><instanceID>uuid:x3</instanceID></meta></household>", NULL, NULL, 0, FALSE, FALSE,
    NULL, 400 },
  { "missing commune", "<household id=\"test_form\" version=\"7\"><meta><instanceID>uuid:x4"
    "</instanceID></meta></household>", NULL, NULL, 0, FALSE, FALSE, NULL, 400 },
  { "oversized body", "<household id=\"test_form\" version=\"7\"><admin><commune_code>19183"
    "</commune_code></admin><meta><instanceID>uuid:x5</instanceID></meta></household>",
    NULL, NULL, MAX_BODY + 1, FALSE, FALSE, NULL, 413 },
  { "oversized chunked body", "<household id=\"test_form\" version=\"7\"><admin><commune_code>"
    "19183</commune_code></admin><meta><instanceID>uuid:x6</instanceID></meta></household>",
    NULL, NULL, MAX_BODY + 1, TRUE, FALSE, NULL, 413 },
  { "bad multipart", NULL, "--zz\r\nContent-Disposition: form-data; name=\"xml_submission_file\""
    "\r\n\r\n<a/>", "multipart/form-data; boundary=zz", 0, FALSE, FALSE, NULL, 400 },
  { "no xml part", NULL, "--zz\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n"
    "--zz--\r\n", "multipart/form-data; boundary=zz", 0, FALSE, FALSE, NULL, 400 },
  { "not multipart", NULL, "<household/>", "text/xml", 0, FALSE, FALSE, NULL, 400 },
  { "token of another commune", "<household id=\"test_form\" version=\"7\"><admin>"
    "<commune_code>19183</commune_code></admin><meta><instanceID>uuid:x7</instanceID></meta>"
    "</household>", NULL, NULL, 0, FALSE, TRUE, NULL, 403 },
  { "wrong password", "<household id=\"test_form\" version=\"7\"><admin><commune_code>19183"
    "</commune_code></admin><meta><instanceID>uuid:x8</instanceID></meta></household>",
    NULL, NULL, 0, FALSE, FALSE, "demo:wrong-password", 401 },
  { "unknown user", "<household id=\"test_form\" version=\"7\"><admin><commune_code>19183"
    "</commune_code></admin><meta><instanceID>uuid:x9</instanceID></meta></household>",
    NULL, NULL, 0, FALSE, FALSE, "nobody:whatever-pass", 401 },
};

START_TEST (test_bad_input)
{
  Call call = {
    .method = "POST",
    .path = "/submission",
    .xml = bad_inputs[_i].xml,
    .raw_body = bad_inputs[_i].raw_body,
    .raw_content_type = bad_inputs[_i].content_type,
    .attachment_size = bad_inputs[_i].attachment,
    .chunked = bad_inputs[_i].chunked,
    .digest = bad_inputs[_i].digest,
  };
  g_autoptr(Reply) reply = NULL;

  if (call.digest == NULL)
    call.token = bad_inputs[_i].other_token ? fx.token_other : fx.token_demo;
  reply = http (&call);
  ck_assert_msg (reply->status == bad_inputs[_i].status, "%s: got %ld, want %ld (%s)",
                 bad_inputs[_i].name, reply->status, bad_inputs[_i].status, reply->body->str);
  assert_envelope (reply, "error");
  ck_assert_int_eq (record_count (), 0);
  assert_server_up ();
}
END_TEST

START_TEST (test_digest_and_chunked_submission)
{
  g_autofree char *xml = make_xml ("uuid:dddd-1", "19183", NULL, "digest");
  g_autofree char *xml2 = make_xml ("uuid:dddd-2", "19183", NULL, "chunked");
  Call digest = { .method = "POST", .path = "/submission", .digest = "demo:demo-password",
                  .xml = xml };
  Call chunked = { .method = "POST", .path = "/submission", .token = fx.token_demo,
                   .xml = xml2, .chunked = TRUE, .attachment_size = 1000 };
  g_autoptr(Reply) r1 = http (&digest);
  g_autoptr(Reply) r2 = http (&chunked);

  ck_assert_int_eq (r1->status, 201);
  ck_assert_int_eq (r2->status, 201);
  ck_assert_int_eq (record_count (), 2);
  ck_assert_int_eq (rs_server_store_attachment_count (fx.store, "uuid:dddd-2", NULL), 1);
}
END_TEST

START_TEST (test_revoked_token)
{
  g_autofree char *xml = make_xml ("uuid:eeee-1", "19183", NULL, "revoked");
  g_autoptr(Reply) reply = NULL;

  ck_assert_uint_eq (rs_server_store_token_revoke (fx.store, "demo", "tablet-1", NULL), 1);
  reply = submit (xml, fx.token_demo);
  ck_assert_int_eq (reply->status, 401);
  assert_envelope (reply, "error");
  ck_assert_int_eq (record_count (), 0);
  ck_assert_int_ge (rs_server_store_audit_count (fx.store, "auth_failure", NULL), 1);
}
END_TEST

/* Basic sends the password itself: refused over plain HTTP, accepted over HTTPS. */
START_TEST (test_tls_and_basic)
{
  g_autofree char *cert = g_build_filename (rs_test_srcdir (), "tests", "data", "server",
                                            "test-cert.pem", NULL);
  g_autofree char *key = g_build_filename (rs_test_srcdir (), "tests", "data", "server",
                                           "test-key.pem", NULL);
  g_autofree char *xml = make_xml ("uuid:tls-1", "19183", NULL, "tls");
  g_autoptr(RsServer) tls_server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tls_base = NULL;
  RsServerConfig config;
  Call plain = { .method = "HEAD", .path = "/submission", .basic = "demo:demo-password" };
  g_autoptr(Reply) refused = http (&plain);

  ck_assert_int_eq (refused->status, 401);
  ck_assert (has_header (refused, "X-OpenRosa-Version: 1.0"));

  rs_server_config_init (&config);
  config.port = 0;
  config.connection_timeout_s = 2;
  config.tls_cert_path = g_strdup (cert);
  config.tls_key_path = g_strdup (key);
  tls_server = rs_server_new (fx.store, &config);
  rs_server_config_clear (&config);
  ck_assert_msg (rs_server_start (tls_server, &error), "%s", error ? error->message : "");
  tls_base = g_strdup_printf ("https://127.0.0.1:%u", rs_server_get_port (tls_server));
  {
    Call head = { .method = "HEAD", .path = "/submission", .basic = "demo:demo-password",
                  .base = tls_base, .cainfo = cert };
    Call wrong = { .method = "HEAD", .path = "/submission", .basic = "demo:not-the-password",
                   .base = tls_base, .cainfo = cert };
    Call post = { .method = "POST", .path = "/submission", .basic = "demo:demo-password",
                  .base = tls_base, .cainfo = cert, .xml = xml };
    g_autoptr(Reply) ok = http (&head);
    g_autoptr(Reply) denied = http (&wrong);
    g_autoptr(Reply) stored = http (&post);

    ck_assert_int_eq (ok->status, 204);
    ck_assert (has_header (ok, "X-OpenRosa-Version: 1.0"));
    ck_assert_int_eq (denied->status, 401);
    ck_assert_int_eq (stored->status, 201);
    ck_assert_int_eq (record_count (), 1);
  }
}
END_TEST

/* Bodies in flight are bounded all together: over the budget the answer is 503 + Retry-After. */
START_TEST (test_inflight_budget_busy)
{
  g_autoptr(RsServer) small = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *small_base = NULL;
  g_autofree char *xml = make_xml ("uuid:busy-1", "19183", NULL, "busy");
  RsServerConfig config;

  rs_server_config_init (&config);
  config.port = 0;
  config.max_inflight_body_bytes = 512;
  small = rs_server_new (fx.store, &config);
  rs_server_config_clear (&config);
  ck_assert_msg (rs_server_start (small, &error), "%s", error ? error->message : "");
  small_base = g_strdup_printf ("http://127.0.0.1:%u", rs_server_get_port (small));
  {
    Call call = { .method = "POST", .path = "/submission", .token = fx.token_demo,
                  .base = small_base, .xml = xml, .attachment_size = 4096 };
    g_autoptr(Reply) reply = http (&call);

    ck_assert_int_eq (reply->status, 503);
    ck_assert (has_header (reply, "Retry-After: 30"));
    assert_envelope (reply, "error");
  }
  ck_assert_int_eq (record_count (), 0);
}
END_TEST

/* Slow-loris: half a request line, then silence; the server closes it after its timeout. */
START_TEST (test_slowloris_closed)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  const char partial[] = "POST /submission HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";
  struct pollfd poll_fd = { .fd = fd, .events = POLLIN };
  char buffer[256];
  gint64 start;
  ssize_t got = -1;

  address.sin_port = htons (rs_server_get_port (fx.server));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (connect (fd, (struct sockaddr *) &address, sizeof address), 0);
  ck_assert_int_eq (send (fd, partial, strlen (partial), 0), (ssize_t) strlen (partial));
  start = g_get_monotonic_time ();
  /* Bounded: 15 s is far beyond the 2 s timeout configured for the test. */
  while (g_get_monotonic_time () - start < 15 * G_USEC_PER_SEC)
    {
      if (poll (&poll_fd, 1, 500) > 0)
        {
          got = recv (fd, buffer, sizeof buffer, 0);
          if (got <= 0)
            break;
        }
    }
  close (fd);
  ck_assert_msg (got <= 0, "the idle connection was not closed");
  assert_server_up ();
}
END_TEST

/* Raw abuse from reliability.md §4: each gets a 4xx or a closed connection within a bounded
 * time, and the server stays up. */
typedef enum
{
  ABUSE_HUGE_HEADER,
  ABUSE_MANY_HEADERS,
  ABUSE_BAD_CONTENT_LENGTH,
  ABUSE_ENDLESS_CHUNKED,
  ABUSE_GARBAGE,
} AbuseKind;

static const struct
{
  const char *name;
  AbuseKind kind;
} abuse_cases[] = {
  { "1 MiB header line", ABUSE_HUGE_HEADER },
  { "10,000 headers", ABUSE_MANY_HEADERS },
  { "bad Content-Length", ABUSE_BAD_CONTENT_LENGTH },
  { "chunked body that never ends", ABUSE_ENDLESS_CHUNKED },
  { "binary garbage", ABUSE_GARBAGE },
};

static GString *
abuse_request (AbuseKind kind)
{
  GString *request = g_string_new (NULL);

  switch (kind)
    {
    case ABUSE_HUGE_HEADER:
      g_string_append (request, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");
      for (guint i = 0; i < 1024 * 1024; i++)
        g_string_append_c (request, 'a');
      g_string_append (request, "\r\n\r\n");
      break;
    case ABUSE_MANY_HEADERS:
      g_string_append (request, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (guint i = 0; i < 10000; i++)
        g_string_append_printf (request, "X-H%u: v\r\n", i);
      g_string_append (request, "\r\n");
      break;
    case ABUSE_BAD_CONTENT_LENGTH:
      g_string_append (request, "POST /submission HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Length: 12abc\r\n\r\nxxxxxxxxxxxx");
      break;
    case ABUSE_ENDLESS_CHUNKED:
      g_string_append_printf (request, "POST /submission HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       "Authorization: Bearer %s\r\n"
                                       "Content-Type: multipart/form-data; boundary=b\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n5\r\n--b\r\n\r\n",
                              fx.token_demo);
      break;
    case ABUSE_GARBAGE:
    default:
      g_string_append_len (request, "\x00\x01\xff\xfe NOT HTTP \x7f\r\n\r\n", 20);
      break;
    }
  return request;
}

START_TEST (test_raw_abuse)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  g_autoptr(GString) request = abuse_request (abuse_cases[_i].kind);
  g_autoptr(GString) answer = g_string_new (NULL);
  struct pollfd poll_fd = { .fd = fd, .events = POLLIN };
  gboolean closed = FALSE;
  gsize sent = 0;
  gint64 start;

  address.sin_port = htons (rs_server_get_port (fx.server));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (connect (fd, (struct sockaddr *) &address, sizeof address), 0);
  /* The server may close before everything is written; that is an answer too. */
  while (sent < request->len)
    {
      ssize_t n = send (fd, request->str + sent, request->len - sent, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      sent += n;
    }
  start = g_get_monotonic_time ();
  while (!closed && g_get_monotonic_time () - start < 15 * G_USEC_PER_SEC)
    {
      char buffer[4096];
      ssize_t got;

      if (poll (&poll_fd, 1, 500) <= 0)
        continue;
      got = recv (fd, buffer, sizeof buffer, 0);
      if (got <= 0)
        closed = TRUE;
      else
        g_string_append_len (answer, buffer, got);
    }
  close (fd);
  ck_assert_msg (closed, "%s: connection still open", abuse_cases[_i].name);
  if (answer->len > 0)
    ck_assert_msg (g_str_has_prefix (answer->str, "HTTP/1.1 4"), "%s: answered %.40s",
                   abuse_cases[_i].name, answer->str);
  ck_assert_int_eq (record_count (), 0);
  assert_server_up ();
}
END_TEST

typedef struct
{
  const char *xml;
  long status;
} ConcurrentPost;

static gpointer
concurrent_post (gpointer data)
{
  ConcurrentPost *post = data;
  g_autoptr(Reply) reply = submit (post->xml, fx.token_demo);

  post->status = reply->status;
  return NULL;
}

START_TEST (test_concurrent_identical_posts)
{
  g_autofree char *xml = make_xml ("uuid:ffff-1", "19183", NULL, "race");
  ConcurrentPost posts[8];
  GThread *threads[8];

  for (guint i = 0; i < G_N_ELEMENTS (posts); i++)
    {
      posts[i] = (ConcurrentPost) { xml, 0 };
      threads[i] = g_thread_new ("post", concurrent_post, &posts[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (posts); i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (posts); i++)
    ck_assert_int_eq (posts[i].status, 201);
  ck_assert_int_eq (record_count (), 1);
  assert_server_up ();
}
END_TEST

START_TEST (test_household_scored_at_ingest)
{
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "tests", "data", "households",
                                            "poor-rural-4.xml", NULL);
  g_autofree char *xml = NULL;
  Call call = { .method = "POST", .path = "/submission", .digest = "admin:admin-password" };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(GPtrArray) latest = g_ptr_array_new_with_free_func (g_free);

  ck_assert (g_file_get_contents (path, &xml, NULL, NULL));
  call.xml = xml;
  reply = http (&call);
  ck_assert_int_eq (reply->status, 201);
  ck_assert_msg (strstr (reply->body->str, "classification=\"poor\"") != NULL, "%s",
                 reply->body->str);
  {
    Call records = { .path = "/api/records?commune=02998", .digest = "admin:admin-password" };
    g_autoptr(Reply) list = http (&records);

    ck_assert_int_eq (list->status, 200);
    ck_assert (strstr (list->body->str, "\"classification\":\"poor\"") != NULL);
    ck_assert (strstr (list->body->str, "\"deprivation_count\":5") != NULL);
  }
}
END_TEST

/* ---- form list and JSON API -------------------------------------------------------------- */

START_TEST (test_form_list_and_download)
{
  Call list = { .path = "/formList", .token = fx.token_demo };
  Call download = { .path = "/formXml?formId=test_form&version=7", .token = fx.token_demo };
  g_autoptr(Reply) forms = http (&list);
  g_autoptr(Reply) form = http (&download);
  g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, TEST_FORM, -1);
  g_autofree char *hash = g_strdup_printf ("<hash>md5:%s</hash>", md5);

  ck_assert_int_eq (forms->status, 200);
  ck_assert (strstr (forms->body->str, "xmlns=\"http://openrosa.org/xforms/xformsList\"") != NULL);
  ck_assert (strstr (forms->body->str, "<formID>test_form</formID>") != NULL);
  ck_assert (strstr (forms->body->str, hash) != NULL);
  ck_assert (strstr (forms->body->str, "<formID>vn_household_review</formID>") != NULL);
  ck_assert (strstr (forms->body->str, "/formXml?formId=test_form&amp;version=7") != NULL);
  ck_assert_int_eq (form->status, 200);
  ck_assert_str_eq (form->body->str, TEST_FORM);
}
END_TEST

/* The household form's manifest lists the standards, so tablets fetch them with the form. */
START_TEST (test_form_manifest_standards)
{
  Call list = { .path = "/formList", .token = fx.token_demo };
  g_autoptr(Reply) forms = http (&list);
  g_autofree char *path = g_build_filename (rs_test_srcdir (), "data", "standards",
                                            "vn-2022-2025.json", NULL);
  g_autofree char *standard = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *hash = NULL;
  const char *start, *end;
  g_autofree char *manifest_path = NULL;
  gsize length = 0;

  ck_assert (g_file_get_contents (path, &standard, &length, NULL));
  md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) standard, length);
  hash = g_strdup_printf ("<hash>md5:%s</hash>", md5);
  ck_assert_int_eq (forms->status, 200);
  /* Only the scored form has a manifest. */
  start = strstr (forms->body->str, "<manifestUrl>");
  ck_assert_msg (start != NULL, "%s", forms->body->str);
  ck_assert (strstr (start + 1, "<manifestUrl>") == NULL);
  start = strstr (start, "/formManifest?");
  end = strstr (start, "</manifestUrl>");
  manifest_path = g_strndup (start, end - start);
  {
    g_autofree char *unescaped = NULL;
    g_auto(GStrv) amp = g_strsplit (manifest_path, "&amp;", -1);
    Call manifest_call = { .token = fx.token_demo };
    g_autoptr(Reply) manifest = NULL;
    Call media = { .token = fx.token_demo };
    Call evil = { .token = fx.token_demo };
    g_autoptr(Reply) file = NULL;
    g_autoptr(Reply) refused = NULL;
    g_autofree char *media_path = NULL;

    unescaped = g_strjoinv ("&", amp);
    manifest_call.path = unescaped;
    manifest = http (&manifest_call);
    ck_assert_int_eq (manifest->status, 200);
    ck_assert (strstr (manifest->body->str,
                       "xmlns=\"http://openrosa.org/xforms/xformsManifest\"") != NULL);
    ck_assert (strstr (manifest->body->str, "<filename>vn-2022-2025.json</filename>") != NULL);
    ck_assert (strstr (manifest->body->str, hash) != NULL);

    media_path = g_strdup_printf ("/formMedia?formId=vn_household_review&version=%s"
                                  "&file=vn-2022-2025.json",
                                  strstr (unescaped, "version=") + strlen ("version="));
    media.path = media_path;
    file = http (&media);
    ck_assert_int_eq (file->status, 200);
    ck_assert_uint_eq (file->body->len, length);
    ck_assert (memcmp (file->body->str, standard, length) == 0);

    evil.path = "/formMedia?formId=vn_household_review&version=1&file=..%2F..%2Fetc%2Fpasswd";
    refused = http (&evil);
    ck_assert_int_eq (refused->status, 404);
  }
}
END_TEST

START_TEST (test_json_api_roles)
{
  g_autofree char *xml = make_xml ("uuid:gggg-1", "19183", NULL, "api");
  g_autoptr(Reply) stored = submit (xml, fx.token_demo);
  Call health = { .path = "/api/health" };
  Call officer = { .path = "/api/records?commune=19183", .digest = "officer:officer-password" };
  Call enumerator = { .path = "/api/records?commune=19183", .token = fx.token_demo };
  Call foreign = { .path = "/api/records?commune=19999", .digest = "officer:officer-password" };
  Call assignments = { .path = "/api/assignments?commune=19183", .token = fx.token_demo };
  Call no_auth = { .path = "/api/records?commune=19183" };
  g_autoptr(Reply) h = http (&health);
  g_autoptr(Reply) o = http (&officer);
  g_autoptr(Reply) e = http (&enumerator);
  g_autoptr(Reply) f = http (&foreign);
  g_autoptr(Reply) n = http (&no_auth);
  g_autoptr(Reply) a = NULL;
  RsServerAssignment row = { "19183", "H-7", "Thôn 1", "Lò Văn A", "poor", "list" };
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  ck_assert_int_eq (stored->status, 201);
  ck_assert_int_eq (h->status, 200);
  ck_assert (strstr (h->body->str, "\"status\":\"ok\"") != NULL);
  ck_assert_int_eq (o->status, 200);
  ck_assert (strstr (o->body->str, "\"instanceID\":\"uuid:gggg-1\"") != NULL);
  ck_assert (strstr (o->body->str, "\"headName\":\"Nguyễn Thị Bình\"") != NULL);
  ck_assert_int_eq (e->status, 403);
  ck_assert_int_eq (f->status, 403);
  ck_assert_int_eq (n->status, 401);

  g_ptr_array_add (rows, &row);
  ck_assert (rs_server_store_assignments_replace (fx.store, "19183", rows, NULL));
  a = http (&assignments);
  ck_assert_int_eq (a->status, 200);
  ck_assert (strstr (a->body->str, "\"householdCode\":\"H-7\"") != NULL);
}
END_TEST

/* ---- configuration ----------------------------------------------------------------------- */

static gboolean
option_value (GArray          *options,
              enum MHD_OPTION  option,
              intptr_t        *value)
{
  for (guint i = 0; i < options->len; i++)
    {
      struct MHD_OptionItem *item = &g_array_index (options, struct MHD_OptionItem, i);

      if (item->option == option)
        {
          *value = item->value;
          return TRUE;
        }
    }
  return FALSE;
}

START_TEST (test_daemon_limits_set)
{
  GArray *running = rs_server_get_mhd_options (fx.server);
  RsServerConfig defaults;
  g_autoptr(GArray) from_defaults = NULL;
  intptr_t value = 0;
  const struct
  {
    enum MHD_OPTION option;
    intptr_t expected;
  } expected[] = {
    { MHD_OPTION_CONNECTION_TIMEOUT, 2 },
    { MHD_OPTION_CONNECTION_LIMIT, 256 },
    { MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64 },
    { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024 },
    { MHD_OPTION_CONNECTION_MEMORY_INCREMENT, 4 * 1024 },
    { MHD_OPTION_THREAD_POOL_SIZE, 4 },
    { MHD_OPTION_LISTEN_BACKLOG_SIZE, 128 },
    { MHD_OPTION_STRICT_FOR_CLIENT, 1 },
    { MHD_OPTION_NONCE_NC_SIZE, 4096 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      ck_assert_msg (option_value (running, expected[i].option, &value), "option %d not set",
                     expected[i].option);
      ck_assert_int_eq (value, expected[i].expected);
    }
  ck_assert (option_value (running, MHD_OPTION_DIGEST_AUTH_RANDOM, &value));
  ck_assert_int_eq (value, 32);
  ck_assert_int_eq (g_array_index (running, struct MHD_OptionItem, running->len - 1).option,
                    MHD_OPTION_END);

  /* The production defaults: a timeout is set (libmicrohttpd's default is none). */
  rs_server_config_init (&defaults);
  from_defaults = rs_server_config_mhd_options (&defaults);
  ck_assert (option_value (from_defaults, MHD_OPTION_CONNECTION_TIMEOUT, &value));
  ck_assert_int_eq (value, 30);
  ck_assert (option_value (from_defaults, MHD_OPTION_PER_IP_CONNECTION_LIMIT, &value));
  ck_assert_int_gt (value, 0);
  ck_assert_uint_eq (defaults.max_body_bytes, 10 * 1024 * 1024);
  /* One thread is the daemon's own: no pool option, which libmicrohttpd would warn about. */
  defaults.thread_pool_size = 1;
  g_clear_pointer (&from_defaults, g_array_unref);
  from_defaults = rs_server_config_mhd_options (&defaults);
  ck_assert (!option_value (from_defaults, MHD_OPTION_THREAD_POOL_SIZE, &value));
  rs_server_config_clear (&defaults);

  if (g_str_equal (backend, "sqlite"))
    {
      g_autofree char *journal = rs_server_store_sqlite_pragma (fx.store, "journal_mode");
      g_autofree char *synchronous = rs_server_store_sqlite_pragma (fx.store, "synchronous");

      ck_assert_str_eq (journal, "wal");
      ck_assert_str_eq (synchronous, "2");   /* FULL */
    }
}
END_TEST

/* ---- command line ------------------------------------------------------------------------ */

static char *
run_cli (const char *const *args,
         int                *exit_status)
{
  g_autofree char *exe = g_build_filename (g_getenv ("RS_TEST_BUILDDIR"), "server",
                                           "rasoat-server", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  int status = 0;

  g_ptr_array_add (argv, exe);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  ck_assert_msg (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &output, NULL, &status, &error), "%s",
                 error ? error->message : "");
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  return output;
}

static gboolean
copy_assignment (const RsServerAssignment *row,
                 gpointer                  user_data)
{
  g_ptr_array_add (user_data, rs_server_assignment_copy (row));
  return TRUE;
}

START_TEST (test_cli_init_users_export)
{
  g_autofree char *location = NULL;
  g_autofree char *out = NULL;
  g_autoptr(RsServerStore) store = NULL;
  g_autofree char *xml = make_xml ("uuid:hhhh-1", "19183", NULL, "cli");
  g_autoptr(RsSubmission) submission = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (xml, strlen (xml));
  RsRecordOutcome outcome;
  int status = -1;

  /* A second database next to the fixture's, created by the command line. */
  if (g_str_equal (backend, "sqlite"))
    location = g_build_filename (fx.tmpdir, "cli.db", NULL);
  else
    location = new_database_location (fx.tmpdir);
  {
    const char *args[] = { "init", "--db", location, "--demo", NULL };
    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
  }
  {
    const char *args[] = { "user", "add", "ward", "--role", "commune_officer", "--commune",
                           "19183,19184", "--password", "ward-password", "--db", location, NULL };
    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
  }
  {
    const char *args[] = { "user", "token", "demo", "--device", "tab-9", "--db", location, NULL };
    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
    ck_assert_uint_eq (strlen (g_strstrip (out)), 43);
  }
  {
    const char *args[] = { "user", "list", "--db", location, NULL };
    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
    ck_assert (strstr (out, "ward\tcommune_officer\t19183,19184\tactive") != NULL);
    ck_assert (strstr (out, "demo\tenumerator\t19183\tactive") != NULL);
  }
  {
    const char *args[] = { "user", "revoke", "ward", "--db", location, NULL };
    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
  }

  {
    g_autofree char *form_path = g_build_filename (fx.tmpdir, "form.xml", NULL);
    g_autofree char *csv_path = g_build_filename (fx.tmpdir, "households.csv", NULL);
    const char *form_args[] = { "form", "add", form_path, "--db", location, NULL };
    const char *csv_args[] = { "assignments", "import", csv_path, "--commune", "19183", "--db",
                               location, NULL };

    ck_assert (g_file_set_contents (form_path, TEST_FORM, -1, NULL));
    ck_assert (g_file_set_contents (csv_path, "commune_code,household_code,head_name\n"
                                              "19183,H-1,Lò Thị Mai\n19183,H-2,Vàng A Sử\n",
                                    -1, NULL));
    g_free (out);
    out = run_cli (form_args, &status);
    ck_assert_int_eq (status, 0);
    g_free (out);
    out = run_cli (csv_args, &status);
    ck_assert_int_eq (status, 0);
    g_remove (form_path);
    g_remove (csv_path);
  }

  store = rs_server_store_open (location, FALSE, NULL);
  ck_assert (store != NULL);
  {
    g_autoptr(RsServerForm) published = rs_server_store_form_get (store, "test_form", "7", TRUE,
                                                                  NULL);
    g_autoptr(GPtrArray) households = g_ptr_array_new_with_free_func (
      (GDestroyNotify) rs_server_assignment_free);

    ck_assert (published != NULL);
    ck_assert_uint_eq (g_bytes_get_size (published->xml), strlen (TEST_FORM));
    ck_assert (rs_server_store_assignments_foreach (store, "19183", copy_assignment, households,
                                                    NULL));
    /* The import replaced the demo assignment of commune 19183. */
    ck_assert_uint_eq (households->len, 2);
    ck_assert_str_eq (((RsServerAssignment *) g_ptr_array_index (households, 1))->head_name,
                      "Vàng A Sử");
  }
  {
    g_autoptr(RsServerUser) ward = rs_server_store_user_get (store, "ward", NULL);
    ck_assert (ward != NULL && !ward->active);
  }
  /* Every change made from the command line is in the audit log. */
  ck_assert_int_eq (rs_server_store_audit_count (store, "user_add", NULL), 3);
  ck_assert_int_eq (rs_server_store_audit_count (store, "user_revoke", NULL), 1);
  ck_assert_int_eq (rs_server_store_audit_count (store, "token_issue", NULL), 1);
  ck_assert_int_eq (rs_server_store_audit_count (store, "form_add", NULL), 1);
  ck_assert_int_eq (rs_server_store_audit_count (store, "assignments_import", NULL), 1);
  submission = rs_submission_parse_xml (bytes, NULL);
  ck_assert (submission != NULL);
  ck_assert (rs_server_store_record_put (store, submission, "demo", "127.0.0.1",
                                         1700000000000000,
                                         "poor", "{\"deprivation_count\":3}", &outcome, NULL));
  ck_assert_int_eq (outcome, RS_RECORD_STORED);
  g_clear_pointer (&store, rs_server_store_close);
  {
    const char *args[] = { "export", "--db", location, "--format", "jsonl", NULL };
    g_autofree char *expected_sha = g_strdup_printf ("\"sha256\":\"%s\"", submission->sha256);

    g_free (out);
    out = run_cli (args, &status);
    ck_assert_int_eq (status, 0);
    ck_assert (strstr (out, "\"instanceID\":\"uuid:hhhh-1\"") != NULL);
    ck_assert (strstr (out, "\"deprecatedID\":null") != NULL);
    ck_assert (strstr (out, "\"formId\":\"test_form\"") != NULL);
    ck_assert (strstr (out, "\"communeCode\":\"19183\"") != NULL);
    ck_assert (strstr (out, "\"receivedAt\":\"2023-11-14T22:13:20Z\"") != NULL);
    ck_assert (strstr (out, expected_sha) != NULL);
    ck_assert (strstr (out, "\"classification\":\"poor\"") != NULL);
  }
  if (g_str_equal (backend, "sqlite"))
    {
      g_autofree char *wal = g_strconcat (location, "-wal", NULL);
      g_autofree char *shm = g_strconcat (location, "-shm", NULL);
      g_remove (location);
      g_remove (wal);
      g_remove (shm);
    }
}
END_TEST

/* ---- parsers (no server) ----------------------------------------------------------------- */

static const struct
{
  const char *name;
  const char *content_type;
  const char *body;
  int parts;            /* -1: refused */
} multipart_cases[] = {
  { "two parts", "multipart/form-data; boundary=b1",
    "--b1\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"a.xml\"\r\n"
    "Content-Type: text/xml\r\n\r\n<a/>\r\n--b1\r\nContent-Disposition: form-data; name=\"p.jpg\";"
    " filename=\"p.jpg\"\r\n\r\n\x01\x02\r\n--b1--\r\n", 2 },
  { "quoted boundary and preamble", "multipart/form-data; boundary=\"a b\"",
    "preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--a b--", 1 },
  { "no closing delimiter", "multipart/form-data; boundary=b1",
    "--b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv", -1 },
  { "no disposition", "multipart/form-data; boundary=b1",
    "--b1\r\nContent-Type: text/plain\r\n\r\nv\r\n--b1--", -1 },
  { "no boundary parameter", "multipart/form-data", "--b1\r\n", -1 },
  { "wrong type", "application/x-www-form-urlencoded; boundary=b1", "a=b", -1 },
  { "empty body", "multipart/form-data; boundary=b1", "", -1 },
  { "only the end", "multipart/form-data; boundary=b1", "--b1--\r\n", -1 },
  { "unterminated quote", "multipart/form-data; boundary=b1",
    "--b1\r\nContent-Disposition: form-data; name=\"x\r\n\r\nv\r\n--b1--", -1 },
};

START_TEST (test_multipart_table)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *boundary = rs_multipart_boundary (multipart_cases[_i].content_type, &error);
  g_autoptr(GPtrArray) parts = NULL;
  const char *body = multipart_cases[_i].body;

  if (boundary != NULL)
    parts = rs_multipart_parse ((const guint8 *) body, strlen (body), boundary, &error);
  if (multipart_cases[_i].parts < 0)
    {
      ck_assert_msg (parts == NULL, "%s: accepted", multipart_cases[_i].name);
      ck_assert (error != NULL);
    }
  else
    {
      ck_assert_msg (parts != NULL, "%s: %s", multipart_cases[_i].name, error->message);
      ck_assert_int_eq (parts->len, multipart_cases[_i].parts);
    }
}
END_TEST

START_TEST (test_multipart_part_fields)
{
  const char *body = multipart_cases[0].body;
  g_autoptr(GPtrArray) parts = rs_multipart_parse ((const guint8 *) body, strlen (body), "b1",
                                                   NULL);
  RsMultipartPart *xml, *photo;

  ck_assert (parts != NULL);
  xml = g_ptr_array_index (parts, 0);
  photo = g_ptr_array_index (parts, 1);
  ck_assert_str_eq (xml->name, "xml_submission_file");
  ck_assert_str_eq (xml->filename, "a.xml");
  ck_assert_str_eq (xml->content_type, "text/xml");
  ck_assert_uint_eq (xml->length, 4);
  ck_assert (memcmp (xml->data, "<a/>", 4) == 0);
  ck_assert_uint_eq (photo->length, 2);
  ck_assert_ptr_null (photo->content_type);
}
END_TEST

START_TEST (test_assignments_csv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = rs_server_assignments_parse_csv (
    "\xEF\xBB\xBFhousehold_code,commune_code,head_name,source\r\n"
    "H1,19183,\"Lò Văn \"\"Páo\"\", Thôn 3\",list\r\n"
    "\r\n"
    "H2,19183,Nguyễn Thị B,application\n", &error);
  RsServerAssignment *second;

  ck_assert_msg (rows != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (rows->len, 2);
  ck_assert_str_eq (((RsServerAssignment *) g_ptr_array_index (rows, 0))->head_name,
                    "Lò Văn \"Páo\", Thôn 3");
  second = g_ptr_array_index (rows, 1);
  ck_assert_str_eq (second->household_code, "H2");
  ck_assert_str_eq (second->source, "application");
  ck_assert_str_eq (second->village, "");

  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_error (&error);
  rows = rs_server_assignments_parse_csv ("household_code,head_name\nH1,A\n", &error);
  ck_assert (rows == NULL && error != NULL);
  g_clear_error (&error);
  rows = rs_server_assignments_parse_csv ("commune_code,household_code,source\n1,2,maybe\n",
                                          &error);
  ck_assert (rows == NULL && error != NULL);
}
END_TEST

static void
add_server_tests (TCase *tc)
{
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_head_preflight);
  tcase_add_test (tc, test_submit_resend_conflict);
  tcase_add_test (tc, test_deprecated_edit_and_stale);
  tcase_add_loop_test (tc, test_bad_input, 0, G_N_ELEMENTS (bad_inputs));
  tcase_add_test (tc, test_digest_and_chunked_submission);
  tcase_add_test (tc, test_revoked_token);
  tcase_add_test (tc, test_tls_and_basic);
  tcase_add_test (tc, test_inflight_budget_busy);
  tcase_add_test (tc, test_slowloris_closed);
  tcase_add_loop_test (tc, test_raw_abuse, 0, G_N_ELEMENTS (abuse_cases));
  tcase_add_test (tc, test_concurrent_identical_posts);
  tcase_add_test (tc, test_household_scored_at_ingest);
  tcase_add_test (tc, test_form_list_and_download);
  tcase_add_test (tc, test_form_manifest_standards);
  tcase_add_test (tc, test_json_api_roles);
  tcase_add_test (tc, test_daemon_limits_set);
  tcase_add_test (tc, test_cli_init_users_export);
  tcase_set_timeout (tc, 60);
}

static Suite *
server_suite (void)
{
  Suite *suite = suite_create ("server");
  TCase *parsers = tcase_create ("parsers");
  TCase *sqlite = tcase_create ("sqlite");
  TCase *postgresql = tcase_create ("postgresql");

  tcase_add_loop_test (parsers, test_multipart_table, 0, G_N_ELEMENTS (multipart_cases));
  tcase_add_test (parsers, test_multipart_part_fields);
  tcase_add_test (parsers, test_assignments_csv);
  suite_add_tcase (suite, parsers);

  tcase_add_unchecked_fixture (sqlite, sqlite_backend, NULL);
  add_server_tests (sqlite);
  suite_add_tcase (suite, sqlite);

  tcase_add_unchecked_fixture (postgresql, pg_backend_start, pg_backend_stop);
  add_server_tests (postgresql);
  suite_add_tcase (suite, postgresql);
  return suite;
}

int
main (void)
{
  int status = rs_test_run_suite (server_suite ());

  g_free (pg_start_error);
  free_fixture_passwords ();
  return status;
}
