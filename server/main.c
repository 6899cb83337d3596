/* main.c: rasoat-server, the district server: init, users, forms, assignments, serve, export.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "rs-server.h"
#include "rs-server-auth.h"
#include "rs-server-csv.h"
#include "rs-server-language.h"
#include "rs-server-store.h"
#include "rs-text.h"

static void
print_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "rasoat-server: %s\n", message);
}

static const char *
default_data_dir (void)
{
  const char *env = g_getenv ("RASOAT_DATADIR");

  if (env != NULL && *env != '\0')
    return env;
  if (g_file_test (PKGDATADIR, G_FILE_TEST_IS_DIR))
    return PKGDATADIR;
  return RS_SOURCE_DATADIR;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: rasoat-server COMMAND [OPTIONS]"));
  fprintf (out, "%s\n", _("Commands:"));
  fprintf (out, "  init --db DB [--demo] [--forms-dir DIR]\n");
  fprintf (out, "  user add USER --role ROLE [--commune CODE]… (--password P | --password-stdin)\n"
                "           --db DB\n");
  fprintf (out, "  user passwd USER (--password P | --password-stdin) --db DB\n");
  fprintf (out, "  user revoke USER --db DB\n");
  fprintf (out, "  user token USER --device NAME --db DB\n");
  fprintf (out, "  user token-revoke USER [--device NAME] --db DB\n");
  fprintf (out, "  user list --db DB\n");
  fprintf (out, "  form add FILE --db DB\n");
  fprintf (out, "  assignments import FILE.csv [--commune CODE] --db DB\n");
  fprintf (out, "  serve --listen HOST:PORT --db DB [--tls-cert FILE --tls-key FILE]\n"
                "        [--forms-dir DIR] [--data-dir DIR] [--threads N]\n"
                "        [--connection-timeout S] [--max-body BYTES]\n");
  fprintf (out, "  export --db DB --format jsonl [--commune CODE]\n\n");
  fprintf (out, "%s\n", _("DB is a file (SQLite) or a postgresql:// URI. ROLE is enumerator, "
                          "commune_officer or district_admin."));
}

/* Options shared by the subcommands; each command uses the ones it needs. */
typedef struct
{
  char *db;
  char *role;
  char **communes;
  char *password;
  gboolean password_stdin;
  char *device;
  char *listen;
  char *tls_cert;
  char *tls_key;
  char *forms_dir;
  char *data_dir;
  char *format;
  char *commune;
  gboolean demo;
  int connection_timeout;
  int threads;
  gint64 max_body;
  char **rest;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->db);
  g_free (options->role);
  g_strfreev (options->communes);
  if (options->password != NULL)
    memset (options->password, 0, strlen (options->password));
  g_free (options->password);
  g_free (options->device);
  g_free (options->listen);
  g_free (options->tls_cert);
  g_free (options->tls_key);
  g_free (options->forms_dir);
  g_free (options->data_dir);
  g_free (options->format);
  g_free (options->commune);
  g_strfreev (options->rest);
}

static gboolean
parse_options (int       argc,
               char    **argv,
               Options  *options,
               GError  **error)
{
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_STRING, &options->db,
      N_("Database file or postgresql:// URI"), "DB" },
    { "role", 0, 0, G_OPTION_ARG_STRING, &options->role, N_("User role"), "ROLE" },
    { "commune", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->communes,
      N_("Commune code"), "CODE" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &options->password, N_("Password"), "P" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &options->password_stdin,
      N_("Read the password from standard input"), NULL },
    { "device", 0, 0, G_OPTION_ARG_STRING, &options->device, N_("Device name"), "NAME" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &options->listen,
      N_("Address to listen on"), "HOST:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &options->tls_cert,
      N_("TLS certificate (PEM)"), "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &options->tls_key,
      N_("TLS private key (PEM)"), "FILE" },
    { "forms-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->forms_dir,
      N_("Forms to publish"), "DIR" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->data_dir,
      N_("Form and standards for scoring"), "DIR" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &options->format, N_("Export format"), "jsonl" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &options->demo,
      N_("Add demo users and a demo commune"), NULL },
    { "connection-timeout", 0, 0, G_OPTION_ARG_INT, &options->connection_timeout,
      N_("Seconds before an idle connection is closed"), "S" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &options->threads, N_("Worker threads"), "N" },
    { "max-body", 0, 0, G_OPTION_ARG_INT64, &options->max_body,
      N_("Largest submission in bytes"), "BYTES" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->rest, NULL, NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;
  if (options->communes != NULL)
    {
      /* --commune 19183,19184 and repeated --commune both work. */
      g_autofree char *joined = g_strjoinv (",", options->communes);

      g_strfreev (options->communes);
      options->communes = g_strsplit (joined, ",", -1);
      for (guint i = 0; options->communes[i] != NULL; i++)
        g_strstrip (options->communes[i]);
    }
  return TRUE;
}

static guint
rest_length (const Options *options)
{
  return options->rest != NULL ? g_strv_length (options->rest) : 0;
}

static RsServerStore *
open_store (const Options  *options,
            gboolean        create)
{
  g_autoptr(GError) error = NULL;
  RsServerStore *store;

  if (options->db == NULL)
    {
      print_error ("%s", _("Say which database to use with --db FILE or --db postgresql://…"));
      return NULL;
    }
  store = rs_server_store_open (options->db, create, &error);
  if (store == NULL)
    print_error ("%s", error->message);
  return store;
}

static char *
read_password (const Options *options)
{
  char line[1024];

  if (options->password != NULL)
    return g_strdup (options->password);
  if (!options->password_stdin)
    {
      print_error ("%s", _("Give the password with --password P or --password-stdin."));
      return NULL;
    }
  if (fgets (line, sizeof line, stdin) == NULL)
    {
      print_error ("%s", _("No password on standard input."));
      return NULL;
    }
  line[strcspn (line, "\r\n")] = '\0';
  return g_strdup (line);
}

static gboolean
add_user (RsServerStore       *store,
          const char          *username,
          RsRole               role,
          const char *const   *communes,
          const char          *password,
          GError             **error)
{
  g_autoptr(RsServerUser) user = g_new0 (RsServerUser, 1);

  user->username = g_strdup (username);
  user->role = role;
  user->communes = g_strdupv ((char **) (communes != NULL ? communes : (const char *[]) { NULL }));
  user->active = TRUE;
  if (!rs_server_auth_set_password (user, password, error)
      || !rs_server_store_user_add (store, user, error))
    return FALSE;
  rs_server_store_audit (store, "user_add", username, "cli", rs_role_to_string (role), NULL);
  return TRUE;
}

static gboolean
valid_username (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
        return FALSE;
    }
  return TRUE;
}

static int
command_init (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *forms_dir = NULL;
  guint added = 0;

  if (!rs_server_auth_init (2, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  store = open_store (options, TRUE);
  if (store == NULL)
    return 1;
  forms_dir = options->forms_dir != NULL ? g_strdup (options->forms_dir)
                                         : g_build_filename (default_data_dir (), "forms", NULL);
  if (g_file_test (forms_dir, G_FILE_TEST_IS_DIR)
      && !rs_server_load_forms_dir (store, forms_dir, &added, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  if (options->demo)
    {
      static const char *const demo_communes[] = { "19183", NULL };
      RsServerAssignment demo_assignment = {
        "19183", "DEMO-001", "Thôn 1", "Nguyễn Văn An", "poor", "list",
      };
      g_autoptr(GPtrArray) assignments = g_ptr_array_new ();
      g_autoptr(RsServerUser) existing = rs_server_store_user_get (store, "admin", NULL);

      if (existing == NULL)
        {
          if (!add_user (store, "admin", RS_ROLE_DISTRICT_ADMIN, NULL, "admin-password", &error)
              || !add_user (store, "demo", RS_ROLE_ENUMERATOR, demo_communes, "demo-password",
                            &error))
            {
              print_error ("%s", error->message);
              return 1;
            }
        }
      g_ptr_array_add (assignments, &demo_assignment);
      if (!rs_server_store_commune_put (store, "19183", "Xã Demo", &error)
          || !rs_server_store_assignments_replace (store, "19183", assignments, &error))
        {
          print_error ("%s", error->message);
          return 1;
        }
      printf ("%s\n", _("Demo users: admin / admin-password (district admin), "
                        "demo / demo-password (enumerator, commune 19183)."));
    }
  printf (_("District database ready: %s (%s, %u new forms)\n"), options->db,
          rs_server_store_backend_name (store), added);
  return 0;
}

static int
command_user (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *action;
  const char *username;

  if (rest_length (options) < 1)
    {
      print_usage (stderr);
      return 2;
    }
  action = options->rest[0];
  username = rest_length (options) >= 2 ? options->rest[1] : NULL;
  if (!rs_server_auth_init (2, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  if (!g_str_equal (action, "list") && !valid_username (username))
    {
      print_error ("%s", _("Give a user name of letters, digits, “.”, “-” or “_”."));
      return 2;
    }
  store = open_store (options, FALSE);
  if (store == NULL)
    return 1;

  if (g_str_equal (action, "add"))
    {
      g_autofree char *password = NULL;
      RsRole role;

      if (!rs_role_from_string (options->role, &role))
        {
          print_error ("%s", _("Give --role enumerator, commune_officer or district_admin."));
          return 2;
        }
      if (role != RS_ROLE_DISTRICT_ADMIN && options->communes == NULL)
        {
          print_error ("%s", _("An enumerator or commune officer needs --commune CODE."));
          return 2;
        }
      password = read_password (options);
      if (password == NULL)
        return 2;
      if (!add_user (store, username, role, (const char *const *) options->communes, password,
                     &error))
        {
          print_error ("%s", error->message);
          return 1;
        }
      printf (_("User %s added (%s).\n"), username, rs_role_to_string (role));
      return 0;
    }
  if (g_str_equal (action, "passwd") || g_str_equal (action, "revoke"))
    {
      g_autoptr(RsServerUser) user = rs_server_store_user_get (store, username, &error);
      g_autofree char *password = NULL;
      gboolean revoke = g_str_equal (action, "revoke");

      if (user == NULL)
        {
          print_error ("%s", error->message);
          return 1;
        }
      if (revoke)
        user->active = FALSE;
      else
        {
          password = read_password (options);
          if (password == NULL)
            return 2;
          if (!rs_server_auth_set_password (user, password, &error))
            {
              print_error ("%s", error->message);
              return 1;
            }
          user->active = TRUE;
        }
      if (!rs_server_store_user_update (store, user, &error))
        {
          print_error ("%s", error->message);
          return 1;
        }
      rs_server_store_audit (store, revoke ? "user_revoke" : "user_passwd", username, "cli",
                             NULL, NULL);
      printf (revoke ? _("User %s can no longer sign in; their device tokens are revoked.\n")
                     : _("Password of %s changed.\n"), username);
      return 0;
    }
  if (g_str_equal (action, "token"))
    {
      g_autofree char *token = rs_server_auth_new_token ();
      g_autofree char *token_hash = rs_server_auth_token_sha256 (token);

      if (options->device == NULL || *options->device == '\0')
        {
          print_error ("%s", _("Name the tablet with --device NAME."));
          return 2;
        }
      if (!rs_server_store_token_add (store, username, options->device, token_hash, &error))
        {
          print_error ("%s", error->message);
          return 1;
        }
      rs_server_store_audit (store, "token_issue", username, "cli", options->device, NULL);
      printf ("%s\n", token);
      return 0;
    }
  if (g_str_equal (action, "token-revoke"))
    {
      guint revoked = rs_server_store_token_revoke (store, username, options->device, &error);

      if (error != NULL)
        {
          print_error ("%s", error->message);
          return 1;
        }
      rs_server_store_audit (store, "token_revoke", username, "cli", options->device, NULL);
      printf (_("%u device tokens revoked.\n"), revoked);
      return revoked > 0 ? 0 : 1;
    }
  if (g_str_equal (action, "list"))
    {
      g_autoptr(GPtrArray) users = rs_server_store_user_list (store, &error);

      if (users == NULL)
        {
          print_error ("%s", error->message);
          return 1;
        }
      for (guint i = 0; i < users->len; i++)
        {
          RsServerUser *user = g_ptr_array_index (users, i);
          g_autofree char *communes = g_strjoinv (",", user->communes);

          printf ("%s\t%s\t%s\t%s\n", user->username, rs_role_to_string (user->role),
                  *communes != '\0' ? communes : "*", user->active ? "active" : "revoked");
        }
      return 0;
    }
  print_usage (stderr);
  return 2;
}

static int
command_form (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RsServerForm) form = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  gboolean added = FALSE;

  if (rest_length (options) != 2 || !g_str_equal (options->rest[0], "add"))
    {
      print_usage (stderr);
      return 2;
    }
  if (!g_file_get_contents (options->rest[1], &contents, &length, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  form = rs_server_form_from_bytes (bytes, &error);
  store = form != NULL ? open_store (options, FALSE) : NULL;
  if (form == NULL)
    {
      print_error ("%s: %s", options->rest[1], error->message);
      return 1;
    }
  if (store == NULL)
    return 1;
  if (!rs_server_store_form_put (store, form, &added, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  rs_server_store_audit (store, "form_add", NULL, "cli", form->form_id, NULL);
  printf (added ? _("Form %s version %s published.\n")
                : _("Form %s version %s was already published; give a new version to change "
                    "it.\n"), form->form_id, form->version);
  return 0;
}

static int
command_assignments (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *contents = NULL;

  if (rest_length (options) != 2 || !g_str_equal (options->rest[0], "import"))
    {
      print_usage (stderr);
      return 2;
    }
  if (!g_file_get_contents (options->rest[1], &contents, NULL, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  rows = rs_server_assignments_parse_csv (contents, &error);
  if (rows == NULL)
    {
      print_error ("%s: %s", options->rest[1], error->message);
      return 1;
    }
  store = open_store (options, FALSE);
  if (store == NULL)
    return 1;
  if (options->commune != NULL)
    {
      for (guint i = 0; i < rows->len; i++)
        {
          RsServerAssignment *row = g_ptr_array_index (rows, i);

          if (!g_str_equal (row->commune_code, options->commune))
            {
              print_error (_("Row %u is for commune %s, not %s."), i + 2, row->commune_code,
                           options->commune);
              return 1;
            }
        }
    }
  if (!rs_server_store_assignments_replace (store, options->commune, rows, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  rs_server_store_audit (store, "assignments_import", NULL, "cli", options->rest[1], NULL);
  printf (_("%u households imported.\n"), rows->len);
  return 0;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* A source attached to the default context that quits @loop on @signum; the caller destroys it. */
static GSource *
watch_signal (int        signum,
              GMainLoop *loop)
{
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_callback (source, quit_loop, loop, NULL);
  g_source_attach (source, NULL);
  return source;
}

typedef GSource RsSignalWatch;

static void
unwatch_signal (RsSignalWatch *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSignalWatch, unwatch_signal)

static int
command_serve (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(RsServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(RsSignalWatch) sigint = NULL;
  g_autoptr(RsSignalWatch) sigterm = NULL;
  RsServerConfig config;

  rs_server_config_init (&config);
  if (options->listen != NULL && !rs_server_config_set_listen (&config, options->listen, &error))
    {
      print_error ("%s", error->message);
      rs_server_config_clear (&config);
      return 2;
    }
  config.tls_cert_path = g_strdup (options->tls_cert);
  config.tls_key_path = g_strdup (options->tls_key);
  config.forms_dir = options->forms_dir != NULL
                     ? g_strdup (options->forms_dir)
                     : g_build_filename (default_data_dir (), "forms", NULL);
  config.data_dir = g_strdup (options->data_dir != NULL ? options->data_dir : default_data_dir ());
  if (options->connection_timeout > 0)
    config.connection_timeout_s = options->connection_timeout;
  if (options->threads > 0)
    config.thread_pool_size = options->threads;
  if (options->max_body > 0)
    config.max_body_bytes = options->max_body;

  /* Signals are caught before the daemon answers anything: a supervisor that sees the port
   * open and at once sends SIGTERM gets a clean stop, not the default action. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint = watch_signal (SIGINT, loop);
  sigterm = watch_signal (SIGTERM, loop);

  store = open_store (options, FALSE);
  if (store == NULL)
    {
      rs_server_config_clear (&config);
      return 1;
    }
  server = rs_server_new (store, &config);
  rs_server_config_clear (&config);
  if (!rs_server_start (server, &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  printf (_("rasoat-server listening on %s://%s:%u (%s database)\n"),
          options->tls_cert != NULL ? "https" : "http", rs_server_get_config (server)->listen_host,
          rs_server_get_port (server), rs_server_store_backend_name (store));
  fflush (stdout);

  g_main_loop_run (loop);
  rs_server_stop (server);
  return 0;
}

static gboolean
print_jsonl_row (const RsServerRecordRow *row,
                 gpointer                 user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  rs_server_record_to_json (builder, row);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  return fprintf (stdout, "%s\n", line) > 0;
}

static int
command_export (Options *options)
{
  g_autoptr(RsServerStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (options->format == NULL || !g_str_equal (options->format, "jsonl"))
    {
      print_error ("%s", _("Give --format jsonl (one JSON object per record version)."));
      return 2;
    }
  store = open_store (options, FALSE);
  if (store == NULL)
    return 1;
  if (!rs_server_store_records_foreach (store, options->commune, FALSE, print_jsonl_row, NULL,
                                        &error))
    {
      print_error ("%s", error->message);
      return 1;
    }
  rs_server_store_audit (store, "export", NULL, "cli",
                         options->commune != NULL ? options->commune : "*", NULL);
  return fflush (stdout) == 0 ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  static const struct
  {
    const char *name;
    int (*run) (Options *options);
  } commands[] = {
    { "init", command_init },
    { "user", command_user },
    { "form", command_form },
    { "assignments", command_assignments },
    { "serve", command_serve },
    { "export", command_export },
  };
  g_autoptr(GError) error = NULL;
  Options options = { 0 };
  int status = 2;

  /* First, before any thread: it sets LANGUAGE (rs-server-language.c says why). No
   * textdomain(): _() names its domain, and GLib stops translating for good when the default
   * domain is changed and the process's own language has no catalogue. */
  {
    g_autofree char *locale_dir = rs_text_locale_dir ();

    rs_server_language_init (locale_dir);
  }

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("rasoat-server %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (!parse_options (argc - 1, argv + 1, &options, &error))
    {
      print_error ("%s", error->message);
      options_clear (&options);
      return 2;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (argv[1], commands[i].name))
        {
          status = commands[i].run (&options);
          options_clear (&options);
          return status;
        }
    }
  print_error (_("Unknown command “%s”."), argv[1]);
  print_usage (stderr);
  options_clear (&options);
  return status;
}
