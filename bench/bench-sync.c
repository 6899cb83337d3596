/* bench-sync.c: a tablet's end-of-day sync (200 records) to the real rasoat-server on loopback.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-sync [N_RECORDS] (run from the build directory, or set RS_BENCH_BUILDDIR). */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rs-store.h"
#include "rs-sync-engine.h"

#define FORM_ID "rs_sync_test"
#define FORM_VERSION "2026010101"

static const char form_xml[] =
  "<?xml version=\"1.0\"?>\n"
  "<h:html xmlns=\"http://www.w3.org/2002/xforms\" xmlns:h=\"http://www.w3.org/1999/xhtml\" "
  "xmlns:jr=\"http://openrosa.org/javarosa\"><h:head><h:title>Sync bench</h:title><model>"
  "<instance><data id=\"" FORM_ID "\" version=\"" FORM_VERSION "\"><admin><commune_code/>"
  "<village/><household_code/></admin><members/><meta><instanceID/></meta></data></instance>"
  "<bind nodeset=\"/data/meta/instanceID\" type=\"string\" readonly=\"true()\" "
  "jr:preload=\"uid\"/></model></h:head><h:body/></h:html>\n";

typedef struct
{
  GArray *latencies_ms;
  gint64  last;
} Timing;

static char *
build_path (const char *relative)
{
  const char *build = g_getenv ("RS_BENCH_BUILDDIR");

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
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0
      || getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    g_error ("no free port");
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

static char *
run_capture (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                                      &error);
  char *out = NULL;

  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error)
      || !g_subprocess_get_successful (process))
    g_error ("%s failed: %s", argv[0], error != NULL ? error->message : "exit status");
  return out;
}

/* A household record of realistic size (~6 KB: a head and eight members). */
static GBytes *
household_xml (const char *instance_id,
               guint       n)
{
  GString *xml = g_string_new (NULL);

  g_string_append_printf (xml, "<?xml version=\"1.0\"?><data id=\"" FORM_ID "\" version=\""
                          FORM_VERSION "\"><admin><commune_code>19183</commune_code>"
                          "<village>Thôn %u</village><household_code>H%05u</household_code>"
                          "</admin><members>", n % 9 + 1, n);
  for (guint m = 0; m < 8; m++)
    g_string_append_printf (xml, "<member><name>Nguyễn Văn Thành %u-%u</name><sex>%u</sex>"
                            "<birth_year>%u</birth_year><relation>%u</relation><education>"
                            "lower_secondary</education><health_insurance>yes</health_insurance>"
                            "<occupation>farmer</occupation><income_monthly>%u</income_monthly>"
                            "<disability>no</disability><notes>Hộ có người cao tuổi, nhà tạm, "
                            "thiếu nước sạch sinh hoạt vào mùa khô.</notes></member>",
                            n, m, m % 2 + 1, 1950 + m * 8, m, 900000 + m * 100000);
  g_string_append_printf (xml, "</members><meta><instanceID>%s</instanceID></meta></data>",
                          instance_id);
  return g_string_free_to_bytes (xml);
}

static RsStore *
tablet_with_records (const char *path,
                     guint       n,
                     gsize      *bytes)
{
  g_autoptr(GError) error = NULL;
  RsStore *store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  *bytes = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      g_autofree char *id = g_strconcat ("uuid:", uuid, NULL);
      g_autoptr(GBytes) xml = household_xml (id, i);
      g_autoptr(RsRecord) record = rs_store_create_draft (store, FORM_ID, FORM_VERSION, id, xml,
                                                          NULL, NULL, &error);

      if (record == NULL || !rs_store_finalize (store, id, xml, NULL, NULL, &error))
        g_error ("%s", error->message);
      *bytes += g_bytes_get_size (xml);
    }
  return store;
}

static void
on_record_finished (RsSyncEngine *engine,
                    const char   *instance_id,
                    int           action,
                    int           http_status,
                    const char   *message,
                    gpointer      user_data)
{
  Timing *timing = user_data;
  gint64 now = g_get_monotonic_time ();
  double ms = (double) (now - timing->last) / 1000.0;

  g_array_append_val (timing->latencies_ms, ms);
  timing->last = now;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  guint index;

  if (values->len == 0)
    return 0;
  index = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, index);
}

static void
bench_one (const char *label,
           const char *dir,
           const char *url,
           const char *user,
           const char *password,
           const char *token,
           guint       n)
{
  g_autofree char *path = g_strdup_printf ("%s/tablet-%s.db", dir, label);
  g_autoptr(RsStore) store = NULL;
  g_autoptr(RsSyncEngine) engine = NULL;
  g_autoptr(RsSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  Timing timing = { g_array_new (FALSE, FALSE, sizeof (double)), 0 };
  gsize bytes = 0;
  gint64 start;
  double seconds;

  store = tablet_with_records (path, n, &bytes);
  engine = rs_sync_engine_new (store, url);
  if (user != NULL)
    rs_sync_engine_set_credentials (engine, user, password);
  if (token != NULL)
    rs_sync_engine_set_token (engine, token);
  g_signal_connect (engine, "record-finished", G_CALLBACK (on_record_finished), &timing);

  start = timing.last = g_get_monotonic_time ();
  report = rs_sync_engine_run (engine, RS_SYNC_RUN_MANUAL, NULL, &error);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (report == NULL)
    g_error ("%s", error->message);
  if (!rs_sync_report_all_acknowledged (report))
    g_error ("%s: only %u of %u acknowledged", label, report->n_sent, report->n_waiting);

  g_array_sort (timing.latencies_ms, compare_double);
  printf ("%-14s %4u records (%5.1f KB each): %6.3f s total, %7.1f records/s, "
          "per record p50 %.2f ms, p99 %.2f ms\n",
          label, n, (double) bytes / n / 1024.0, seconds, n / seconds,
          percentile (timing.latencies_ms, 0.50), percentile (timing.latencies_ms, 0.99));
  g_array_unref (timing.latencies_ms);
  rs_store_close (store);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = build_path ("server/rasoat-server");
  g_autofree char *dir = g_dir_make_tmp ("rasoat-bench-sync-XXXXXX", &error);
  g_autofree char *forms = g_build_filename (dir, "forms", NULL);
  g_autofree char *form = g_build_filename (forms, FORM_ID ".xml", NULL);
  g_autofree char *db = g_build_filename (dir, "district.db", NULL);
  g_autofree char *listen = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GSubprocess) serve = NULL;
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 200;
  guint port = free_port ();

  if (dir == NULL)
    g_error ("%s", error->message);
  g_mkdir (forms, 0700);
  g_file_set_contents (form, form_xml, -1, NULL);
  {
    const char *init[] = { server, "init", "--db", db, "--demo", "--forms-dir", forms, NULL };
    const char *issue[] = { server, "user", "token", "demo", "--device", "bench-tablet", "--db",
                            db, NULL };
    g_free (run_capture (init));
    token = g_strstrip (run_capture (issue));
  }

  listen = g_strdup_printf ("127.0.0.1:%u", port);
  url = g_strdup_printf ("http://%s", listen);
  {
    const char *argv_serve[] = { server, "serve", "--listen", listen, "--db", db, "--forms-dir",
                                 forms, NULL };

    serve = g_subprocess_newv (argv_serve, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                           | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    if (serve == NULL)
      g_error ("%s", error->message);
  }
  for (guint i = 0; i < 500 && !port_accepts (port); i++)
    g_usleep (10000);

  printf ("End-of-day sync to rasoat-server (SQLite, WAL + FULL) on loopback; tablet store "
          "WAL + FULL\n");
  bench_one ("digest", dir, url, "demo", "demo-password", NULL, n);
  bench_one ("device-token", dir, url, NULL, NULL, token, n);

  g_subprocess_send_signal (serve, SIGTERM);
  g_subprocess_wait (serve, NULL, NULL);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (dir, name, NULL);

        g_unlink (p);
      }
    g_unlink (form);
    g_rmdir (forms);
    g_rmdir (dir);
  }
  return 0;
}
