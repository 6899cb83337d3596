/* test-sync-faults.c: exactly-once delivery through a fault-injecting proxy, server kill -9 and
 * restart, and the client killed between the server's 2xx and its own commit.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each scenario: a fresh district server (SQLite, or PostgreSQL when run as "SHARD postgresql")
 * and tablet; rounds of "finalize a few records, leave a draft, run `rasoat-cli sync` through
 * rs-fault-proxy" with random faults, then runs until everything is acknowledged. The checker (reliability.md §2.6) then asserts from
 * `rasoat-server export --format jsonl` that every finalized record is on the server exactly once
 * with the tablet's exact bytes (SHA-256), and that nothing else is. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rs-store.h"
#include "rs-test.h"
#ifdef RS_HAVE_LIBPQ
#include <libpq-fe.h>
#include "test-server-pg.h"
#endif

#define FORM_ID "rs_sync_test"
#define FORM_VERSION "2026010101"
#define FORM_XML \
  "<?xml version=\"1.0\"?>\n" \
  "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" " \
  "xmlns:jr=\"http://openrosa.org/javarosa\"><h:head><h:title>Sync test</h:title><model>" \
  "<instance><data id=\"" FORM_ID "\" version=\"" FORM_VERSION "\"><admin><commune_code/>" \
  "<village/><household_code/></admin><meta><instanceID/></meta></data></instance>" \
  "<bind nodeset=\"/data/admin/commune_code\" type=\"string\"/>" \
  "<bind nodeset=\"/data/meta/instanceID\" type=\"string\" readonly=\"true()\" " \
  "jr:preload=\"uid\"/></model></h:head><h:body><input ref=\"/data/admin/commune_code\">" \
  "<label>Commune</label></input></h:body></h:html>\n"

/* CI sizes: 2 shards × 10 scenarios × 11+ runs ≥ 220 fault runs; long_tests multiplies. */
#ifndef RS_FAULT_SCENARIOS
#define RS_FAULT_SCENARIOS 10
#endif
#ifndef RS_FAULT_ROUNDS
#define RS_FAULT_ROUNDS 10
#endif
#define MAX_DRAIN_RUNS 80

static int shard;
static gboolean use_postgresql;
#ifdef RS_HAVE_LIBPQ
static RsTestPg pg_cluster;
static char *pg_start_error;

static void
pg_cluster_start (void)
{
  g_autoptr(GError) error = NULL;

  if (!rs_test_pg_start (&pg_cluster, &error))
    {
      pg_start_error = g_strdup (error->message);
      rs_test_pg_stop (&pg_cluster);
    }
}

static void
pg_cluster_stop (void)
{
  rs_test_pg_stop (&pg_cluster);
}

/* A fresh district database in the test cluster for this scenario. */
static char *
new_pg_database (void)
{
  g_autofree char *name = g_strdup_printf ("faults_%d_%u", (int) getpid (), g_random_int ());
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
  PGconn *conn;
  PGresult *result;

  ck_assert_msg (pg_start_error == NULL, "PostgreSQL test cluster did not start: %s",
                 pg_start_error);
  conn = PQconnectdb (pg_cluster.conninfo);
  ck_assert_msg (PQstatus (conn) == CONNECTION_OK, "%s", PQerrorMessage (conn));
  result = PQexec (conn, sql);
  ck_assert_msg (PQresultStatus (result) == PGRES_COMMAND_OK, "%s", PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
  return rs_test_pg_database_uri (&pg_cluster, name);
}
#endif

typedef struct
{
  GRand       *rand;
  char        *dir;
  char        *server_db;
  char        *forms_dir;
  char        *tablet_db;
  guint        server_port;
  GSubprocess *server;
  GSubprocess *proxy;
  guint        proxy_port;
  GHashTable  *finalized;   /* instanceID → hex SHA-256 of the exact bytes */
  GHashTable  *drafts;      /* instanceIDs never finalized */
  guint        runs;
  guint        client_kills;
  guint        server_kills;
} Scenario;

/* Every helper process dies with the test, even when an assertion ends it early. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (const char * const *argv,
       GSubprocessFlags    flags,
       const char         *kill_after_ack)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  if (kill_after_ack != NULL)
    g_subprocess_launcher_setenv (launcher, "RASOAT_SYNC_KILL_AFTER_ACK", kill_after_ack, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

static char *
tool_path (const char *relative)
{
  const char *build = g_getenv ("RS_TEST_BUILDDIR");

  return g_build_filename (build != NULL ? build : ".", relative, NULL);
}

static guint
free_port (void)
{
  struct sockaddr_in addr = { 0, };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_eq (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static gboolean
port_accepts (guint port)
{
  struct sockaddr_in addr = { 0, };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return ok;
}

static void
run_tool (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);

  ck_assert (g_subprocess_wait_check (process, NULL, &error));
  g_assert_no_error (error);
}

static void
server_start (Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = tool_path ("server/rasoat-server");
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", s->server_port);
  const char *argv[] = { server, "serve", "--listen", listen, "--db", s->server_db,
                         "--forms-dir", s->forms_dir, NULL };

  s->server = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                     NULL);
  /* Polls until it listens: bounded, but generous for a loaded or sanitized CI machine. */
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (!port_accepts (s->server_port) && g_get_monotonic_time () < deadline)
      {
        ck_assert_msg (g_subprocess_get_identifier (s->server) != NULL,
                       "rasoat-server exited before it listened on port %u", s->server_port);
        g_usleep (10000);
      }
  }
  ck_assert_msg (port_accepts (s->server_port), "rasoat-server did not listen within 60 s");
}

static void
server_kill (Scenario *s)
{
  if (s->server == NULL)
    return;
  g_subprocess_send_signal (s->server, SIGKILL);
  g_subprocess_wait (s->server, NULL, NULL);
  g_clear_object (&s->server);
}

static void
proxy_start (Scenario *s,
             guint32   seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *proxy = tool_path ("tests/rs-fault-proxy");
  g_autofree char *target = g_strdup_printf ("%u", s->server_port);
  g_autofree char *seed_text = g_strdup_printf ("%u", seed);
  g_autofree char *log = g_build_filename (s->dir, "proxy.log", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *argv[] = { proxy, "--target", target, "--seed", seed_text, "--fault-rate", "0.3",
                         "--stall-ms", "1000", "--log", log, NULL };

  s->proxy = spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proxy));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  ck_assert_ptr_nonnull (line);
  s->proxy_port = (guint) g_ascii_strtoull (line, NULL, 10);
  ck_assert_uint_gt (s->proxy_port, 0);
}

static void
proxy_stop (Scenario *s)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (s->proxy), NULL, NULL);
  g_subprocess_wait (s->proxy, NULL, NULL);
  g_clear_object (&s->proxy);
}

static void
scenario_init (Scenario *s,
               guint32   seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = tool_path ("server/rasoat-server");
  g_autofree char *form = NULL;

  memset (s, 0, sizeof *s);
  s->rand = g_rand_new_with_seed (seed);
  s->dir = g_dir_make_tmp ("rasoat-faults-XXXXXX", &error);
  g_assert_no_error (error);
#ifdef RS_HAVE_LIBPQ
  if (use_postgresql)
    s->server_db = new_pg_database ();
  else
#endif
    s->server_db = g_build_filename (s->dir, "district.db", NULL);
  s->forms_dir = g_build_filename (s->dir, "forms", NULL);
  s->tablet_db = g_build_filename (s->dir, "tablet.db", NULL);
  g_mkdir (s->forms_dir, 0700);
  form = g_build_filename (s->forms_dir, FORM_ID ".xml", NULL);
  ck_assert (g_file_set_contents (form, FORM_XML, -1, NULL));
  {
    const char *argv[] = { server, "init", "--db", s->server_db, "--demo", "--forms-dir",
                           s->forms_dir, NULL };

    run_tool (argv);
  }
  s->finalized = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->drafts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->server_port = free_port ();
  server_start (s);
  proxy_start (s, seed);
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
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
scenario_clear (Scenario *s)
{
  proxy_stop (s);
  server_kill (s);
  remove_tree (s->dir);
  g_free (s->dir);
  g_free (s->server_db);
  g_free (s->forms_dir);
  g_free (s->tablet_db);
  g_hash_table_unref (s->finalized);
  g_hash_table_unref (s->drafts);
  g_rand_free (s->rand);
}

static GBytes *
make_instance (Scenario    *s,
               const char  *instance_id)
{
  char *xml = g_strdup_printf ("<?xml version=\"1.0\"?><data id=\"" FORM_ID "\" version=\""
                               FORM_VERSION "\"><admin><commune_code>19183</commune_code>"
                               "<village>Thôn %u</village><household_code>H%06u</household_code>"
                               "</admin><meta><instanceID>%s</instanceID></meta></data>",
                               g_rand_int_range (s->rand, 1, 9),
                               g_rand_int_range (s->rand, 0, 999999), instance_id);

  return g_bytes_new_take (xml, strlen (xml));
}

/* The tablet's side of a round: finalize @n new records and start one draft. */
static void
tablet_work (Scenario *s,
             guint     n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (s->tablet_db, RS_STORE_OPEN_DEFAULT, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i <= n; i++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *id = g_strconcat ("uuid:", uuid, NULL);
      g_autoptr(GBytes) xml = make_instance (s, id);
      g_autoptr(RsRecord) record = rs_store_create_draft (store, FORM_ID, FORM_VERSION, id, xml,
                                                          NULL, NULL, &error);

      g_assert_no_error (error);
      if (i == n)
        {
          g_hash_table_add (s->drafts, g_steal_pointer (&id));
          continue;
        }
      ck_assert (rs_store_finalize (store, id, xml, NULL, NULL, &error));
      g_assert_no_error (error);
      g_hash_table_insert (s->finalized, g_steal_pointer (&id),
                           g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, xml));
    }
  rs_store_close (store);
}

/* One sync run through the proxy, maybe with the client or the server killed. Returns the
 * client's exit status, or -1 if it was killed. */
static int
sync_run (Scenario *s,
          gboolean  allow_kills)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = tool_path ("cli/rasoat-cli");
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", s->proxy_port);
  g_autoptr(GSubprocess) client = NULL;
  g_autofree char *nth = NULL;
  const char *argv[] = { cli, "--db", s->tablet_db, "sync", "--server", url, "--user", "demo",
                         "--password", "demo-password", "--connect-timeout-ms", "500",
                         "--timeout-ms", "900", "--low-speed-time", "1", "--retry-base-ms", "0",
                         NULL };
  gboolean kill_server = allow_kills && g_rand_int_range (s->rand, 0, 8) == 0;
  int status;

  if (allow_kills && g_rand_int_range (s->rand, 0, 3) == 0)
    nth = g_strdup_printf ("%d", g_rand_int_range (s->rand, 1, 3));
  client = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, nth);

  if (kill_server)
    {
      /* kill -9 somewhere in the batch: before, during or after a commit. */
      g_usleep ((gulong) g_rand_int_range (s->rand, 0, 60) * 1000);
      server_kill (s);
      s->server_kills++;
    }
  ck_assert (g_subprocess_wait (client, NULL, &error));
  if (kill_server)
    server_start (s);

  s->runs++;
  if (g_subprocess_get_if_signaled (client))
    {
      ck_assert_int_eq (g_subprocess_get_term_sig (client), SIGKILL);
      s->client_kills++;
      return -1;
    }
  status = g_subprocess_get_exit_status (client);
  ck_assert_msg (status == 0 || status == 1, "rasoat-cli sync exited with %d", status);
  return status;
}

/* The checker: exactly once, same bytes, nothing else. */
static void
check_exactly_once (Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = tool_path ("server/rasoat-server");
  const char *argv[] = { server, "export", "--db", s->server_db, "--format", "jsonl", NULL };
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                                      &error);
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(RsStore) store = NULL;
  RsOutboxCounts counts;

  g_assert_no_error (error);
  ck_assert (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  ck_assert (g_subprocess_get_successful (process));

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;
      const char *id;
      const char *sha;
      const char *expected;

      if (*lines[i] == '\0')
        continue;
      ck_assert (json_parser_load_from_data (parser, lines[i], -1, &error));
      object = json_node_get_object (json_parser_get_root (parser));
      id = json_object_get_string_member (object, "instanceID");
      sha = json_object_get_string_member (object, "sha256");
      ck_assert_msg (!g_hash_table_contains (s->drafts, id), "draft %s reached the server", id);
      ck_assert_msg (g_hash_table_lookup_extended (s->finalized, id, (gpointer *) &id,
                                                   (gpointer *) &expected),
                     "%s is on the server but was never finalized", id);
      ck_assert_msg (!g_hash_table_contains (seen, id), "%s is on the server twice", id);
      ck_assert_str_eq (sha, expected);
      g_hash_table_add (seen, (gpointer) id);
    }
  ck_assert_uint_eq (g_hash_table_size (seen), g_hash_table_size (s->finalized));

  /* And the tablet agrees: everything finalized is acknowledged, nothing is stuck. */
  store = rs_store_new (s->tablet_db, RS_STORE_OPEN_READ_ONLY, NULL, &error);
  g_assert_no_error (error);
  ck_assert (rs_store_outbox_counts (store, &counts, &error));
  ck_assert_uint_eq (counts.sent, g_hash_table_size (s->finalized));
  ck_assert_uint_eq (counts.queued + counts.sending + counts.parked, 0);
}

START_TEST (test_exactly_once_under_faults)
{
  guint32 seed = (guint32) (shard * 100000 + _i + 1);
  Scenario s;
  int status = 1;
  guint drain;

  scenario_init (&s, seed);
  for (guint round = 0; round < RS_FAULT_ROUNDS; round++)
    {
      tablet_work (&s, (guint) g_rand_int_range (s.rand, 0, 3));
      sync_run (&s, TRUE);
    }
  /* Drain: faults continue, kills stop; every record must get through in bounded runs. */
  for (drain = 0; drain < MAX_DRAIN_RUNS && status != 0; drain++)
    status = sync_run (&s, FALSE);
  ck_assert_msg (status == 0, "seed %u: not everything acknowledged after %u runs", seed,
                 s.runs);
  check_exactly_once (&s);
  {
    g_autofree char *log_path = g_build_filename (s.dir, "proxy.log", NULL);
    g_autofree char *log = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GHashTable) faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) summary = g_string_new (NULL);
    GHashTableIter iter;
    gpointer key, value;

    g_file_get_contents (log_path, &log, NULL, NULL);
    lines = g_strsplit (log != NULL ? log : "", "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_auto(GStrv) words = g_strsplit (lines[i], " ", 3);

        if (g_strv_length (words) >= 2)
          {
            guint n = GPOINTER_TO_UINT (g_hash_table_lookup (faults, words[1]));

            g_hash_table_insert (faults, g_strdup (words[1]), GUINT_TO_POINTER (n + 1));
          }
      }
    g_hash_table_iter_init (&iter, faults);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_string_append_printf (summary, " %s=%u", (char *) key, GPOINTER_TO_UINT (value));
    printf ("# %s seed %u: %u records, %u runs, %u client kills, %u server kills; requests:%s\n",
            use_postgresql ? "postgresql" : "sqlite", seed, g_hash_table_size (s.finalized),
            s.runs, s.client_kills, s.server_kills, summary->str);
  }
  fflush (stdout);
  scenario_clear (&s);
}
END_TEST

static Suite *
faults_suite (void)
{
  Suite *suite = suite_create ("sync-faults");
  TCase *tc = tcase_create ("exactly-once");

  tcase_set_timeout (tc, 600);
#ifdef RS_HAVE_LIBPQ
  if (use_postgresql)
    tcase_add_unchecked_fixture (tc, pg_cluster_start, pg_cluster_stop);
#endif
  /* PostgreSQL scenarios cost a cluster start; fewer of them, same faults. */
  tcase_add_loop_test (tc, test_exactly_once_under_faults, 0,
                       use_postgresql ? MAX (RS_FAULT_SCENARIOS / 2, 1) : RS_FAULT_SCENARIOS);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (int    argc,
      char **argv)
{
  int status;

  if (argc > 1)
    shard = atoi (argv[1]);
  use_postgresql = argc > 2 && g_str_equal (argv[2], "postgresql");
  status = rs_test_run_suite (faults_suite ());
#ifdef RS_HAVE_LIBPQ
  g_free (pg_start_error);
#endif
  return status;
}
