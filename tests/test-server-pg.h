/* test-server-pg.h: a throwaway PostgreSQL cluster (initdb + pg_ctl, unix socket in a temp dir).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define RS_TEST_PG_BINDIR "/usr/lib/postgresql/15/bin"

typedef struct
{
  char *dir;        /* temp dir: data/ and the socket */
  char *conninfo;   /* postgresql:// URI of the "postgres" database */
  gboolean running;
} RsTestPg;

/* initdb refuses to run as root: then the cluster belongs to the postgres system user. */
static inline gboolean
rs_test_pg_run (const char  *dir,
                const char  *const *argv,
                GError     **error)
{
  g_autoptr(GPtrArray) full = g_ptr_array_new ();
  g_autofree char *output = NULL;
  int status = 0;

  if (geteuid () == 0)
    {
      g_ptr_array_add (full, (char *) "runuser");
      g_ptr_array_add (full, (char *) "-u");
      g_ptr_array_add (full, (char *) "postgres");
      g_ptr_array_add (full, (char *) "--");
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (char *) argv[i]);
  g_ptr_array_add (full, NULL);
  if (!g_spawn_sync (dir, (char **) full->pdata, NULL, G_SPAWN_SEARCH_PATH
                     | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &output, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s failed (%s): ", argv[0], output != NULL ? output : "");
      return FALSE;
    }
  return TRUE;
}

/* Starts a cluster; fails loudly (no skip) when the PostgreSQL binaries are missing. With
 * @durable FALSE the cluster runs with fsync=off (tests: throwaway data, faster CREATE DATABASE;
 * only an OS crash could lose its data); benchmarks keep fsync on. */
static inline gboolean
rs_test_pg_start_full (RsTestPg  *pg,
                       gboolean   durable,
                       GError   **error)
{
  g_autofree char *data = NULL;
  g_autofree char *log = NULL;
  g_autofree char *options = NULL;
  const char *initdb = RS_TEST_PG_BINDIR "/initdb";
  const char *pg_ctl = RS_TEST_PG_BINDIR "/pg_ctl";

  memset (pg, 0, sizeof *pg);
  if (!g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE)
      || !g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "PostgreSQL 15 is not installed (%s missing): install the 'postgresql' "
                   "package listed in packaging/debian-build-deps.txt", initdb);
      return FALSE;
    }
  /* Short path: a unix socket path must fit in 107 bytes. */
  pg->dir = g_dir_make_tmp ("rasoat-pg-XXXXXX", error);
  if (pg->dir == NULL)
    return FALSE;
  if (geteuid () == 0)
    {
      struct passwd *postgres = getpwnam ("postgres");

      if (postgres == NULL || chown (pg->dir, postgres->pw_uid, postgres->pw_gid) != 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                       "running as root needs the 'postgres' system user to own %s", pg->dir);
          return FALSE;
        }
    }
  data = g_build_filename (pg->dir, "data", NULL);
  log = g_build_filename (pg->dir, "server.log", NULL);
  {
    const char *argv[] = { initdb, "-D", data, "-U", "rasoat", "-A", "trust", "-E", "UTF8",
                           "--no-sync", "--no-instructions", NULL };
    if (!rs_test_pg_run (pg->dir, argv, error))
      return FALSE;
  }
  options = g_strdup_printf ("-c listen_addresses='' -c unix_socket_directories='%s' "
                             "-c max_connections=60 -c shared_buffers=32MB%s", pg->dir,
                             durable ? "" : " -c fsync=off");
  {
    const char *argv[] = { pg_ctl, "-D", data, "-l", log, "-o", options, "-w", "-t", "30",
                           "start", NULL };
    if (!rs_test_pg_run (pg->dir, argv, error))
      return FALSE;
  }
  pg->running = TRUE;
  pg->conninfo = g_strdup_printf ("postgresql://rasoat@/postgres?host=%s", pg->dir);

  /* A watchdog stops the cluster if this process dies without its teardown (crash, timeout
   * kill): a leftover postmaster would outlive the test run. Its waits are bounded. */
  {
    g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
    g_autofree char *script = g_strdup_printf (
      "while kill -0 %s 2>/dev/null; do sleep 1; done; "
      "if [ -d '%s' ]; then %s %s -D '%s' -m immediate -w -t 20 stop; rm -rf '%s'; fi",
      pid, data, geteuid () == 0 ? "runuser -u postgres --" : "", pg_ctl, data, pg->dir);
    const char *argv[] = { "/bin/sh", "-c", script, NULL };

    if (!g_spawn_async (NULL, (char **) argv, NULL,
                        G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                        NULL, error))
      return FALSE;
  }
  return TRUE;
}

/* A throwaway test cluster (fsync=off). */
static inline gboolean
rs_test_pg_start (RsTestPg  *pg,
                  GError   **error)
{
  return rs_test_pg_start_full (pg, FALSE, error);
}

/* A URI for database @name of the same cluster. */
static inline char *
rs_test_pg_database_uri (const RsTestPg *pg,
                         const char     *name)
{
  return g_strdup_printf ("postgresql://rasoat@/%s?host=%s", name, pg->dir);
}

/* Stops the cluster (immediate, bounded wait) and removes its directory. */
static inline void
rs_test_pg_stop (RsTestPg *pg)
{
  if (pg->running)
    {
      g_autofree char *data = g_build_filename (pg->dir, "data", NULL);
      const char *argv[] = { RS_TEST_PG_BINDIR "/pg_ctl", "-D", data, "-m", "immediate", "-w",
                             "-t", "20", "stop", NULL };
      g_autoptr(GError) error = NULL;

      if (!rs_test_pg_run (pg->dir, argv, &error))
        g_printerr ("# stopping PostgreSQL failed: %s\n", error->message);
      pg->running = FALSE;
    }
  if (pg->dir != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", pg->dir);
      g_autoptr(GError) error = NULL;
      int status = 0;

      if (!g_spawn_command_line_sync (command, NULL, NULL, &status, &error))
        g_printerr ("# removing %s failed: %s\n", pg->dir, error->message);
    }
  g_clear_pointer (&pg->dir, g_free);
  g_clear_pointer (&pg->conninfo, g_free);
}
