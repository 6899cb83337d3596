/* bench-server.c: records per second ingested by rasoat-server from 4 concurrent clients.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "rs-server.h"
#include "rs-server-auth.h"
#include "rs-server-store.h"
#include "test-server-pg.h"

#define N_CLIENTS 4

typedef struct
{
  const char *url;
  const char *token;
  const char *template_xml;   /* household review with INSTANCE_ID_HERE */
  guint client;
  guint n_records;
  gint64 *latencies_us;
  guint failures;
} Client;

static size_t
discard (char   *data,
         size_t  size,
         size_t  count,
         void   *user_data)
{
  return size * count;
}

static gpointer
run_client (gpointer data)
{
  Client *client = data;
  CURL *curl = curl_easy_init ();
  g_autofree char *bearer = g_strdup_printf ("Authorization: Bearer %s", client->token);
  struct curl_slist *headers = NULL;

  headers = curl_slist_append (headers, "X-OpenRosa-Version: 1.0");
  headers = curl_slist_append (headers, bearer);
  /* One connection per client, reused: a tablet sends its batch over one connection. */
  for (guint i = 0; i < client->n_records; i++)
    {
      g_autofree char *instance_id = g_strdup_printf ("uuid:bench-%u-%06u-%08x", client->client,
                                                      i, g_random_int ());
      g_auto(GStrv) pieces = g_strsplit (client->template_xml, "INSTANCE_ID_HERE", 2);
      g_autofree char *xml = g_strjoinv (instance_id, pieces);
      curl_mime *mime = curl_mime_init (curl);
      curl_mimepart *part = curl_mime_addpart (mime);
      gint64 start;
      long status = 0;

      curl_mime_name (part, "xml_submission_file");
      curl_mime_filename (part, "record.xml");
      curl_mime_type (part, "text/xml");
      curl_mime_data (part, xml, CURL_ZERO_TERMINATED);
      curl_easy_setopt (curl, CURLOPT_URL, client->url);
      curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt (curl, CURLOPT_MIMEPOST, mime);
      curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
      start = g_get_monotonic_time ();
      if (curl_easy_perform (curl) != CURLE_OK)
        client->failures++;
      client->latencies_us[i] = g_get_monotonic_time () - start;
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
      if (status != 201)
        client->failures++;
      curl_mime_free (mime);
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return NULL;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
bench_backend (const char *label,
               const char *location,
               const char *data_dir,
               const char *template_xml,
               guint       per_client,
               gboolean    score)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsServerStore) store = rs_server_store_open (location, TRUE, &error);
  g_autoptr(RsServerUser) user = NULL;
  g_autoptr(RsServer) server = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *url = NULL;
  g_autofree char *forms_dir = g_build_filename (data_dir, "forms", NULL);
  g_autofree gint64 *all = NULL;
  Client clients[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  RsServerConfig config;
  gint64 start, elapsed;
  guint total = per_client * N_CLIENTS, failures = 0;

  if (store == NULL)
    {
      fprintf (stderr, "%s: %s\n", label, error->message);
      return FALSE;
    }
  user = g_new0 (RsServerUser, 1);
  user->username = g_strdup ("bench");
  user->role = RS_ROLE_ENUMERATOR;
  user->communes = g_strsplit ("02998", ",", -1);
  user->active = TRUE;
  token = rs_server_auth_new_token ();
  token_hash = rs_server_auth_token_sha256 (token);
  if (!rs_server_auth_set_password (user, "bench-password", &error)
      || !rs_server_store_user_add (store, user, &error)
      || !rs_server_store_token_add (store, "bench", "bench-tablet", token_hash, &error))
    {
      fprintf (stderr, "%s: %s\n", label, error->message);
      return FALSE;
    }

  rs_server_config_init (&config);
  config.port = 0;
  config.data_dir = score ? g_strdup (data_dir) : NULL;
  config.forms_dir = g_strdup (forms_dir);
  server = rs_server_new (store, &config);
  rs_server_config_clear (&config);
  if (!rs_server_start (server, &error))
    {
      fprintf (stderr, "%s: %s\n", label, error->message);
      return FALSE;
    }
  url = g_strdup_printf ("http://127.0.0.1:%u/submission", rs_server_get_port (server));

  all = g_new0 (gint64, total);
  start = g_get_monotonic_time ();
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      clients[c] = (Client) { url, token, template_xml, c, per_client, all + c * per_client, 0 };
      threads[c] = g_thread_new ("client", run_client, &clients[c]);
    }
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      failures += clients[c].failures;
    }
  elapsed = g_get_monotonic_time () - start;
  qsort (all, total, sizeof (gint64), compare_gint64);

  printf ("%-11s %6u records  %4u clients  %8.0f records/s  p50 %6.2f ms  p99 %6.2f ms  "
          "stored %" G_GINT64_FORMAT "  failures %u\n",
          label, total, N_CLIENTS, total / (elapsed / (double) G_USEC_PER_SEC),
          all[total / 2] / 1000.0, all[(total * 99) / 100] / 1000.0,
          rs_server_store_record_count (store, NULL), failures);
  return failures == 0;
}

int
main (int    argc,
      char **argv)
{
  const char *srcdir = g_getenv ("RS_TEST_SRCDIR") != NULL ? g_getenv ("RS_TEST_SRCDIR")
                                                           : RS_SOURCE_DIR;
  g_autofree char *data_dir = g_build_filename (srcdir, "data", NULL);
  g_autofree char *sample = g_build_filename (srcdir, "tests", "data", "households",
                                              "poor-rural-4.xml", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *template_xml = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *sqlite_path = NULL;
  g_autoptr(GError) error = NULL;
  guint per_client = 500;
  gboolean score = TRUE;
  gboolean ok = TRUE;
  RsTestPg pg;

  /* bench-server [RECORDS_PER_CLIENT] [--no-score] */
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--no-score"))
        score = FALSE;
      else
        per_client = MAX ((guint) g_ascii_strtoull (argv[i], NULL, 10), 1);
    }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  if (!rs_server_auth_init (2, &error)
      || !g_file_get_contents (sample, &contents, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  {
    /* The sample's own instanceID becomes a placeholder each client fills in. */
    const char *open_tag = strstr (contents, "<instanceID>");
    const char *close_tag = open_tag != NULL ? strstr (open_tag, "</instanceID>") : NULL;

    if (close_tag == NULL)
      {
        fprintf (stderr, "%s has no instanceID\n", sample);
        return 1;
      }
    template_xml = g_strdup_printf ("%.*sINSTANCE_ID_HERE%s",
                                    (int) (open_tag + strlen ("<instanceID>") - contents),
                                    contents, close_tag);
  }

  printf ("rasoat-server ingest: household review records (%zu bytes, %s), token auth, "
          "one keep-alive connection per client\n", strlen (template_xml),
          score ? "scored at ingest" : "not scored");
  tmpdir = g_dir_make_tmp ("rasoat-bench-XXXXXX", NULL);
  sqlite_path = g_build_filename (tmpdir, "district.db", NULL);
  ok &= bench_backend ("SQLite", sqlite_path, data_dir, template_xml, per_client, score);

  if (rs_test_pg_start_full (&pg, TRUE, &error))
    {
      ok &= bench_backend ("PostgreSQL", pg.conninfo, data_dir, template_xml, per_client, score);
      rs_test_pg_stop (&pg);
    }
  else
    {
      fprintf (stderr, "PostgreSQL: %s\n", error->message);
      rs_test_pg_stop (&pg);
      ok = FALSE;
    }

  {
    g_autofree char *wal = g_strconcat (sqlite_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (sqlite_path, "-shm", NULL);

    g_remove (sqlite_path);
    g_remove (wal);
    g_remove (shm);
    g_rmdir (tmpdir);
  }
  curl_global_cleanup ();
  return ok ? 0 : 1;
}
