/* main.c: rasoat-cli, the headless tool for scripts and tests; dispatches to subcommands.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "rs-cli.h"
#include "rs-text.h"

/* One line per subcommand; the functions are declared in rs-cli.h. */
static const RsCliCommand commands[] = {
  { "form", N_("Check a form, or fill it from a JSON file of answers"), rs_cli_form },
  { "import", N_("Import OpenRosa instance files into the database"), rs_cli_import },
  { "list", N_("List household records (--state, --search, --village)"), rs_cli_list },
  { "show", N_("Show one household record"), rs_cli_show },
  { "export", N_("Export records as XML or CSV (--format, -o DIR)"), rs_cli_export },
  { "backup", N_("Copy the database safely to a backup file"), rs_cli_backup },
  { "score", N_("Score household review records against the poverty standard"), rs_cli_score },
#ifdef RS_HAVE_SYNC
  { "sync", N_("Send finalized records to the district server"), rs_cli_sync },
#endif
  { NULL, NULL, NULL },
};

void
rs_cli_error (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "rasoat-cli: %s\n", message);
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: rasoat-cli [--db PATH] COMMAND [ARGS…]"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; commands[i].name != NULL; i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
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

int
main (int    argc,
      char **argv)
{
  RsCliContext ctx = { NULL, default_data_dir () };
  int i = 1;

  setlocale (LC_ALL, "");
  {
    g_autofree char *locale_dir = rs_text_locale_dir ();

    bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  }
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (; i < argc && argv[i][0] == '-'; i++)
    {
      if (g_str_equal (argv[i], "--db") && i + 1 < argc)
        ctx.db_path = argv[++i];
      else if (g_str_has_prefix (argv[i], "--db="))
        ctx.db_path = argv[i] + strlen ("--db=");
      else if (g_str_equal (argv[i], "--data-dir") && i + 1 < argc)
        ctx.data_dir = argv[++i];
      else if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          print_usage (stdout);
          return 0;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          printf ("rasoat-cli %s\n", PACKAGE_VERSION);
          return 0;
        }
      else
        {
          rs_cli_error (_("unknown option “%s”"), argv[i]);
          print_usage (stderr);
          return 2;
        }
    }

  if (i >= argc)
    {
      print_usage (stderr);
      return 2;
    }

  for (guint c = 0; commands[c].name != NULL; c++)
    {
      if (g_str_equal (commands[c].name, argv[i]))
        return commands[c].run (&ctx, argc - i, argv + i);
    }

  rs_cli_error (_("unknown command “%s”"), argv[i]);
  print_usage (stderr);
  return 2;
}
