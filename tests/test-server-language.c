/* test-server-language.c: the district server answers each request in its Accept-Language.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "rs-server.h"
#include "rs-server-auth.h"
#include "rs-server-language.h"
#include "rs-server-store.h"
#include "rs-test.h"
#include "rs-text.h"

/* The catalogue's words, written out: a server that translated nothing must fail. */
#define RECEIVED_EN  "The district server received the record."
#define RECEIVED_VI  "Máy chủ huyện đã nhận phiếu."
#define DUPLICATE_EN "The district server already had this record; nothing more to send."
#define DUPLICATE_VI "Máy chủ huyện đã có phiếu này; không cần gửi thêm."
#define NOTHING_EN   "There is nothing at this address; check the server address in Settings " \
                     "(it ends before /submission)."
#define NOTHING_VI   "Không có gì ở địa chỉ này; hãy kiểm tra địa chỉ máy chủ trong Cài đặt " \
                     "(địa chỉ kết thúc trước /submission)."
#define LISTENING_EN "rasoat-server listening on "
#define LISTENING_VI "rasoat-server đang lắng nghe tại "

#define TEST_FORM \
  "<?xml version=\"1.0\"?>\n" \
  "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\">" \
  "<h:head><h:title>Test form</h:title><model><instance>" \
  "<household id=\"test_form\" version=\"7\"><admin><commune_code/></admin>" \
  "<meta><instanceID/></meta></household></instance></model></h:head><h:body/></h:html>\n"

static const char *const available[] = { "en", "vi", NULL };

/* ---- RFC 9110 Accept-Language, RFC 4647 matching ---------------------------------------- */

static const struct
{
  const char *header;
  const char *default_language;
  const char *chosen;             /* NULL: no choice, the server's default answers */
} choose_cases[] = {
  { "vi", "en", "vi" },
  { "en", "vi", "en" },
  { "fr, vi;q=0.8", "en", "vi" },
  { "vi-VN, vi;q=0.9, en;q=0.8", "en", "vi" },   /* what a Vietnamese tablet sends */
  { "VI-vn", "en", "vi" },                        /* tags are case-insensitive */
  { "en-GB;q=0.9, vi;q=0.8", "vi", "en" },        /* lookup: en-GB falls back to en */
  { "zh-Hant-TW, vi;q=0.1", "en", "vi" },
  { "en;q=0.5, vi;q=0.5", "vi", "en" },           /* a tie goes to the client's order */
  { "vi;q=0.5, en;q=0.500", "en", "vi" },
  { "vi;q=0.001, fr", "en", "vi" },
  { "vi;q=1.0", "en", "vi" },
  { "vi;q=1.", "en", "vi" },
  { "vi;Q=0.7, en;q=0.6", "en", "vi" },           /* the parameter name too */
  { "vi ; q=0.7 ,\ten;q=0.6", "en", "vi" },       /* OWS around ';' and ',' */
  { ",, vi ,", "en", "vi" },                      /* empty list elements */
  { "*", "vi", "vi" },                            /* any: the server's default */
  { "*", "en", "en" },
  { "fr, *;q=0.1", "vi", "vi" },
  { "vi;q=0, *", "vi", "en" },                    /* the specific range wins over "*" */
  { "vi, *;q=0", "en", "vi" },
  { "*;q=0.5, en;q=0", "en", "vi" },
  { "en;q=0.1, *", "en", "vi" },
  { "q=1, vi;q=0.4, vi-VN;q=0.9", "en", "vi" },   /* the best matching range */
  /* Malformed elements are skipped; nothing good left means no choice. */
  { "\xf0\x9f\x98\x80, vi", "en", "vi" },
  { "vi;q=1.5, en", "vi", "en" },
  { "vi;q=1.5", "en", NULL },
  { "vi;q=0.1234", "en", NULL },
  { "vi;q=", "en", NULL },
  { "vi;q = 0.5", "en", NULL },
  { "vi;level=1", "en", NULL },
  { "vi;q=0.5;q=0.5", "en", NULL },
  { "vietnamese", "en", NULL },                   /* more than 8 letters */
  { "v1", "en", NULL },
  { "vi-", "en", NULL },
  { "-vi", "en", NULL },
  { ";q=1", "en", NULL },
  /* Nothing acceptable. */
  { "fr", "vi", NULL },
  { "de, fr;q=0.9", "en", NULL },
  { "vi;q=0", "vi", NULL },
  { "*;q=0", "vi", NULL },
  { "", "en", NULL },
  { NULL, "en", NULL },
};

START_TEST (test_choose_table)
{
  const char *chosen = rs_server_language_choose (choose_cases[_i].header, available,
                                                  choose_cases[_i].default_language);

  if (choose_cases[_i].chosen == NULL)
    ck_assert_msg (chosen == NULL, "“%s” chose %s", choose_cases[_i].header, chosen);
  else
    ck_assert_msg (chosen != NULL && g_str_equal (chosen, choose_cases[_i].chosen),
                   "“%s” chose %s, not %s", choose_cases[_i].header,
                   chosen != NULL ? chosen : "nothing", choose_cases[_i].chosen);
}
END_TEST

/* ---- the libintl behaviour the design rests on ------------------------------------------ */

typedef struct
{
  const char *language;
  const char *expected;
  guint       wrong;
} TranslateJob;

static gpointer
translate_many (gpointer data)
{
  TranslateJob *job = data;

  for (guint i = 0; i < 20000; i++)
    {
      locale_t previous = rs_server_language_enter (job->language);

      if (!g_str_equal (_("The district server received the record."), job->expected))
        job->wrong++;
      rs_server_language_leave (previous);
    }
  return NULL;
}

/* glibc's gettext reads the calling thread's LC_MESSAGES: "C" ignores LANGUAGE, "C.UTF-8"
 * honours it. If a libc ever treats C.UTF-8 like C, this fails first (docs/server.md). */
START_TEST (test_gettext_follows_the_thread)
{
  TranslateJob jobs[] = { { "vi", RECEIVED_VI, 0 }, { "en", RECEIVED_EN, 0 },
                          { "vi", RECEIVED_VI, 0 }, { "en", RECEIVED_EN, 0 } };
  GThread *threads[G_N_ELEMENTS (jobs)];

  ck_assert_msg (g_strv_contains (rs_server_language_available (), "vi"),
                 "no Vietnamese catalogue in the build tree (build po/ first)");
  ck_assert_str_eq (rs_server_language_default (), "en");
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    threads[i] = g_thread_new ("translate", translate_many, &jobs[i]);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    ck_assert_msg (jobs[i].wrong == 0, "%u of 20000 lookups in %s came out in another language",
                   jobs[i].wrong, jobs[i].language);
  /* Leaving restores the thread's own language. */
  ck_assert_str_eq (_("The district server received the record."), RECEIVED_EN);
}
END_TEST

/* ---- the real server on 127.0.0.1 ------------------------------------------------------- */

static struct
{
  char *tmpdir;
  RsServerStore *store;
  RsServer *server;
  char *base;
  char *token;           /* enumerator "demo" of commune 19183 */
} fx;

static char *demo_password_hash;

/* Argon2id is slow on purpose: hashed once, before the tests fork. */
static void
hash_demo_password (void)
{
  g_autoptr(RsServerUser) user = g_new0 (RsServerUser, 1);

  if (!rs_server_auth_init (2, NULL))
    return;
  user->username = g_strdup ("demo");
  if (rs_server_auth_set_password (user, "demo-password", NULL))
    demo_password_hash = g_steal_pointer (&user->password_hash);
}

static RsServer *
start_server (guint thread_pool_size)
{
  g_autoptr(GError) error = NULL;
  RsServerConfig config;
  RsServer *server;

  rs_server_config_init (&config);
  config.port = 0;
  config.connection_timeout_s = 5;
  config.thread_pool_size = thread_pool_size;
  server = rs_server_new (fx.store, &config);
  rs_server_config_clear (&config);
  ck_assert_msg (rs_server_start (server, &error), "%s", error != NULL ? error->message : "");
  return server;
}

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) form_xml = g_bytes_new_static (TEST_FORM, strlen (TEST_FORM));
  g_autoptr(RsServerForm) form = NULL;
  g_autoptr(RsServerUser) user = g_new0 (RsServerUser, 1);
  g_autofree char *location = NULL;
  g_autofree char *token_hash = NULL;

  ck_assert_msg (demo_password_hash != NULL, "password hashing failed");
  curl_global_init (CURL_GLOBAL_DEFAULT);
  ck_assert (rs_server_auth_init (2, &error));
  fx.tmpdir = g_dir_make_tmp ("rasoat-lang-XXXXXX", &error);
  ck_assert (fx.tmpdir != NULL);
  location = g_build_filename (fx.tmpdir, "district.db", NULL);
  fx.store = rs_server_store_open (location, TRUE, &error);
  ck_assert_msg (fx.store != NULL, "%s", error != NULL ? error->message : "");

  user->username = g_strdup ("demo");
  user->role = RS_ROLE_ENUMERATOR;
  user->communes = g_strsplit ("19183", ",", -1);
  user->password_hash = g_strdup (demo_password_hash);
  user->digest_ha1 = g_strdup ("00000000000000000000000000000000");
  user->active = TRUE;
  ck_assert (rs_server_store_user_add (fx.store, user, &error));
  fx.token = rs_server_auth_new_token ();
  token_hash = rs_server_auth_token_sha256 (fx.token);
  ck_assert (rs_server_store_token_add (fx.store, "demo", "tablet-1", token_hash, &error));
  form = rs_server_form_from_bytes (form_xml, &error);
  ck_assert (form != NULL);
  ck_assert (rs_server_store_form_put (fx.store, form, NULL, &error));

  fx.server = start_server (4);
  fx.base = g_strdup_printf ("http://127.0.0.1:%u", rs_server_get_port (fx.server));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
teardown (void)
{
  g_clear_pointer (&fx.server, rs_server_free);
  g_clear_pointer (&fx.store, rs_server_store_close);
  if (fx.tmpdir != NULL)
    remove_tree (fx.tmpdir);
  g_clear_pointer (&fx.tmpdir, g_free);
  g_clear_pointer (&fx.base, g_free);
  g_clear_pointer (&fx.token, g_free);
  curl_global_cleanup ();
}

typedef struct
{
  long status;
  GString *body;
  GString *headers;
  CURLcode code;
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

/* One request; safe on any thread (no assertions here). */
static Reply *
http (const char *base,
      const char *path,
      const char *token,
      const char *accept_language,
      const char *xml)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *headers = NULL;
  curl_mime *mime = NULL;
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autofree char *bearer = NULL;
  g_autofree char *language = NULL;
  Reply *reply = g_new0 (Reply, 1);

  reply->body = g_string_new (NULL);
  reply->headers = g_string_new (NULL);
  headers = curl_slist_append (headers, "X-OpenRosa-Version: 1.0");
  if (token != NULL)
    {
      bearer = g_strdup_printf ("Authorization: Bearer %s", token);
      headers = curl_slist_append (headers, bearer);
    }
  if (accept_language != NULL)
    {
      language = g_strdup_printf ("Accept-Language: %s", accept_language);
      headers = curl_slist_append (headers, language);
    }
  if (xml != NULL)
    {
      curl_mimepart *part;

      mime = curl_mime_init (curl);
      part = curl_mime_addpart (mime);
      curl_mime_name (part, "xml_submission_file");
      curl_mime_filename (part, "record.xml");
      curl_mime_type (part, "text/xml");
      curl_mime_data (part, xml, CURL_ZERO_TERMINATED);
      curl_easy_setopt (curl, CURLOPT_MIMEPOST, mime);
    }
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply->body);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, reply->headers);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 20L);
  reply->code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status);
  curl_mime_free (mime);
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return reply;
}

static char *
record_xml (const char *instance_id,
            const char *commune)
{
  return g_strdup_printf ("<?xml version=\"1.0\"?>\n<household id=\"test_form\" version=\"7\">"
                          "<admin><commune_code>%s</commune_code></admin>"
                          "<meta><instanceID>%s</instanceID></meta></household>\n",
                          commune, instance_id);
}

static gboolean
has_header (const Reply *reply,
            const char  *name_colon_value)
{
  g_autofree char *haystack = g_ascii_strdown (reply->headers->str, -1);
  g_autofree char *needle = g_ascii_strdown (name_colon_value, -1);

  return strstr (haystack, needle) != NULL;
}

/* The body holds exactly @message (as an envelope's <message> or a JSON "error"). */
static gboolean
says (const Reply *reply,
      const char  *message)
{
  g_autofree char *xml = g_markup_escape_text (message, -1);
  g_autofree char *envelope = g_strdup_printf ("\">%s</message>", xml);
  g_autofree char *json = g_strdup_printf ("{\"error\":\"%s\"}", message);

  return strstr (reply->body->str, envelope) != NULL || strstr (reply->body->str, json) != NULL;
}

static void
assert_says (const Reply *reply,
             long         status,
             const char  *language,
             const char  *message)
{
  g_autofree char *content_language = g_strdup_printf ("Content-Language: %s\r\n", language);

  ck_assert_msg (reply->code == CURLE_OK, "%s", curl_easy_strerror (reply->code));
  ck_assert_int_eq (reply->status, status);
  ck_assert_msg (says (reply, message), "wanted “%s”, got %s", message, reply->body->str);
  ck_assert_msg (has_header (reply, content_language), "%s", reply->headers->str);
  ck_assert (has_header (reply, "Vary: Accept-Language\r\n"));
}

/* The same record sent with each Accept-Language: stored, then resent (a duplicate). */
static const struct
{
  const char *accept_language;   /* NULL: no header */
  const char *language;
} submission_cases[] = {
  { "vi", "vi" },
  { "en", "en" },
  { "fr, vi;q=0.8", "vi" },
  { "vi-VN, vi;q=0.9, en;q=0.8", "vi" },
  { "*;q=0.5, en;q=0", "vi" },
  { NULL, "en" },                 /* this process's own language (main() makes it English) */
  { "de", "en" },                 /* nothing acceptable: the default */
  { "vi;q=abc", "en" },           /* malformed: ignored */
};

START_TEST (test_submission_in_request_language)
{
  const char *accept = submission_cases[_i].accept_language;
  gboolean vi = g_str_equal (submission_cases[_i].language, "vi");
  g_autofree char *xml = record_xml ("uuid:1a2b3c4d-0000-4000-8000-000000000001", "19183");
  g_autoptr(Reply) stored = http (fx.base, "/submission", fx.token, accept, xml);
  g_autoptr(Reply) again = http (fx.base, "/submission", fx.token, accept, xml);

  assert_says (stored, 201, submission_cases[_i].language, vi ? RECEIVED_VI : RECEIVED_EN);
  assert_says (again, 201, submission_cases[_i].language, vi ? DUPLICATE_VI : DUPLICATE_EN);
}
END_TEST

/* Refusals: made in several places (authentication, routing, the submission parser's GError,
 * the commune check, the JSON API); each one in the request's language. */
static const struct
{
  const char *path;
  gboolean    token;
  const char *xml;
  long        status;
  const char *en;
  const char *vi;
} refusal_cases[] = {
  { "/submission", FALSE, "<x/>", 401,
    "Sign in to send records to the district server.",
    "Hãy đăng nhập để gửi phiếu lên máy chủ huyện." },
  { "/nothing", FALSE, NULL, 404, NOTHING_EN, NOTHING_VI },
  { "/submission", TRUE, "<household id=\"test_form\"", 400,
    "The record XML is not well-formed; the file on the tablet is damaged.",
    "Tệp XML của phiếu không hợp lệ; tệp trên máy tính bảng đã bị hỏng." },
  { "/submission", TRUE,
    "<household id=\"test_form\" version=\"7\"><admin><commune_code>19999</commune_code>"
    "</admin><meta><instanceID>uuid:1a2b3c4d-0000-4000-8000-000000000002</instanceID></meta>"
    "</household>", 403,
    "User “demo” may not send records for commune 19999; ask the district to assign the "
    "commune to this account.",
    "Người dùng “demo” không được gửi phiếu của xã 19999; hãy đề nghị huyện giao xã này cho "
    "tài khoản." },
  { "/api/records?commune=19183", TRUE, NULL, 403,
    "Enumerators may not read the district's records; ask the commune officer.",
    "Điều tra viên không được xem phiếu của huyện; hãy hỏi cán bộ xã." },
};

START_TEST (test_refusal_in_request_language)
{
  const char *token = refusal_cases[_i].token ? fx.token : NULL;
  g_autoptr(Reply) vi = http (fx.base, refusal_cases[_i].path, token, "vi",
                              refusal_cases[_i].xml);
  g_autoptr(Reply) en = http (fx.base, refusal_cases[_i].path, token, "en;q=0.9, vi;q=0.1",
                              refusal_cases[_i].xml);
  g_autoptr(Reply) other = http (fx.base, refusal_cases[_i].path, token, NULL,
                                 refusal_cases[_i].xml);

  assert_says (vi, refusal_cases[_i].status, "vi", refusal_cases[_i].vi);
  assert_says (en, refusal_cases[_i].status, "en", refusal_cases[_i].en);
  assert_says (other, refusal_cases[_i].status, "en", refusal_cases[_i].en);
}
END_TEST

/* ---- concurrent requests in different languages ----------------------------------------- */

#define CONCURRENT_ROUNDS 30

typedef struct
{
  const char *base;
  const char *token;
  const char *xml;
  const char *accept_language;
  gboolean    vi;
  guint       right;
  char       *first_wrong;
} ClientJob;

static gpointer
client_many (gpointer data)
{
  ClientJob *job = data;

  for (guint i = 0; i < CONCURRENT_ROUNDS; i++)
    {
      gboolean post = i % 2 == 0;
      g_autoptr(Reply) reply = http (job->base, post ? "/submission" : "/nothing",
                                     post ? job->token : NULL, job->accept_language,
                                     post ? job->xml : NULL);
      const char *wanted = post ? (job->vi ? DUPLICATE_VI : DUPLICATE_EN)
                                : (job->vi ? NOTHING_VI : NOTHING_EN);

      if (reply->code == CURLE_OK && says (reply, wanted))
        job->right++;
      else if (job->first_wrong == NULL)
        job->first_wrong = g_strdup_printf ("%s: %s", curl_easy_strerror (reply->code),
                                            reply->body->str);
    }
  return NULL;
}

/* With one worker thread the calls of the connections interleave on it; with four they run at
 * once. Either way each answer is in its own request's language. */
static const guint pool_sizes[] = { 1, 4 };

START_TEST (test_concurrent_requests_keep_their_language)
{
  g_autoptr(RsServer) server = start_server (pool_sizes[_i]);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", rs_server_get_port (server));
  g_autofree char *xml = record_xml ("uuid:1a2b3c4d-0000-4000-8000-000000000003", "19183");
  g_autoptr(Reply) first = http (base, "/submission", fx.token, NULL, xml);
  ClientJob jobs[] = {
    { base, fx.token, xml, "vi", TRUE, 0, NULL },
    { base, fx.token, xml, "en", FALSE, 0, NULL },
    { base, fx.token, xml, "fr, vi;q=0.8", TRUE, 0, NULL },
    { base, fx.token, xml, NULL, FALSE, 0, NULL },
  };
  GThread *threads[G_N_ELEMENTS (jobs)];

  ck_assert_int_eq (first->status, 201);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    threads[i] = g_thread_new ("client", client_many, &jobs[i]);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      ck_assert_msg (jobs[i].right == CONCURRENT_ROUNDS, "Accept-Language %s: %u of %u right; %s",
                     jobs[i].accept_language != NULL ? jobs[i].accept_language : "(none)",
                     jobs[i].right, CONCURRENT_ROUNDS, jobs[i].first_wrong);
      g_free (jobs[i].first_wrong);
    }
}
END_TEST

/* ---- the rasoat-server program: its default language, its catalogue in the build tree --- */

static const struct
{
  const char *lc_all;
  const char *language;          /* NULL: unset */
  const char *default_language;  /* of the requests without Accept-Language and of stdout */
} program_cases[] = {
  { "C.UTF-8", NULL, "en" },
  { "C.UTF-8", "vi", "vi" },
  { "C.UTF-8", "fr:vi", "vi" },  /* the first language with a catalogue, as gettext does */
  { "C", "vi", "en" },           /* gettext ignores LANGUAGE in the C locale: English */
  { "C.UTF-8", "en", "en" },
};

START_TEST (test_program_default_language)
{
  g_autofree char *program = g_build_filename (g_getenv ("RS_TEST_BUILDDIR"), "server",
                                               "rasoat-server", NULL);
  g_autofree char *db = g_build_filename (fx.tmpdir, "program.db", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) init = NULL;
  g_autoptr(GSubprocess) serve = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GRegex) port_regex = g_regex_new ("127\\.0\\.0\\.1:([0-9]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port = NULL;
  g_autofree char *base = NULL;
  gboolean vi = g_str_equal (program_cases[_i].default_language, "vi");

  ck_assert (g_getenv ("RS_TEST_BUILDDIR") != NULL);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", program_cases[_i].lc_all, TRUE);
  if (program_cases[_i].language != NULL)
    g_subprocess_launcher_setenv (launcher, "LANGUAGE", program_cases[_i].language, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  /* The catalogue is found next to the program, in the build tree. */
  g_subprocess_launcher_unsetenv (launcher, "RASOAT_LOCALEDIR");

  init = g_subprocess_launcher_spawn (launcher, &error, program, "init", "--db", db, NULL);
  ck_assert_msg (init != NULL, "%s", error != NULL ? error->message : "");
  ck_assert (g_subprocess_wait_check (init, NULL, &error));
  serve = g_subprocess_launcher_spawn (launcher, &error, program, "serve", "--listen",
                                       "127.0.0.1:0", "--db", db, "--threads", "1", NULL);
  ck_assert_msg (serve != NULL, "%s", error != NULL ? error->message : "");
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  ck_assert_msg (line != NULL, "rasoat-server printed nothing: %s",
                 error != NULL ? error->message : "it exited");
  /* The program's own output keeps the language it had before (LANGUAGE is set inside). */
  ck_assert_msg (g_str_has_prefix (line, vi ? LISTENING_VI : LISTENING_EN), "%s", line);
  ck_assert (g_regex_match (port_regex, line, 0, &match));
  port = g_match_info_fetch (match, 1);
  base = g_strdup_printf ("http://127.0.0.1:%s", port);

  {
    g_autoptr(Reply) none = http (base, "/nothing", NULL, NULL, NULL);
    g_autoptr(Reply) in_vi = http (base, "/nothing", NULL, "vi", NULL);
    g_autoptr(Reply) in_en = http (base, "/nothing", NULL, "en", NULL);

    g_subprocess_send_signal (serve, SIGTERM);
    assert_says (none, 404, program_cases[_i].default_language, vi ? NOTHING_VI : NOTHING_EN);
    assert_says (in_vi, 404, "vi", NOTHING_VI);
    assert_says (in_en, 404, "en", NOTHING_EN);
  }
  ck_assert (g_subprocess_wait_check (serve, NULL, &error));
}
END_TEST

static Suite *
server_language_suite (void)
{
  Suite *suite = suite_create ("server-language");
  TCase *pure = tcase_create ("negotiation");
  TCase *server = tcase_create ("server");

  tcase_add_loop_test (pure, test_choose_table, 0, G_N_ELEMENTS (choose_cases));
  tcase_add_test (pure, test_gettext_follows_the_thread);
  suite_add_tcase (suite, pure);

  tcase_set_timeout (server, 60);
  tcase_add_unchecked_fixture (server, hash_demo_password, NULL);
  tcase_add_checked_fixture (server, setup, teardown);
  tcase_add_loop_test (server, test_submission_in_request_language, 0,
                       G_N_ELEMENTS (submission_cases));
  tcase_add_loop_test (server, test_refusal_in_request_language, 0,
                       G_N_ELEMENTS (refusal_cases));
  tcase_add_loop_test (server, test_concurrent_requests_keep_their_language, 0,
                       G_N_ELEMENTS (pool_sizes));
  tcase_add_loop_test (server, test_program_default_language, 0,
                       G_N_ELEMENTS (program_cases));
  suite_add_tcase (suite, server);
  return suite;
}

int
main (void)
{
  g_autofree char *locale_dir = NULL;
  int status;

  /* rs_server_language_init() sets LANGUAGE, so it runs here, before any thread (the forked
   * tests inherit it). This process's own language is English whatever the machine has. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("RASOAT_LOCALEDIR");
  locale_dir = rs_text_locale_dir ();
  rs_server_language_init (locale_dir);
  status = rs_test_run_suite (server_language_suite ());
  g_free (demo_password_hash);
  return status;
}
