/* rs-application.c: the rasoat application: options, settings, language, the local store.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "rs-application-private.h"
#include "rs-resources.h"
#include "rs-window.h"
#include "rs-text.h"

struct _RsApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  char           *db_path;
  char           *data_dir;
};

G_DEFINE_FINAL_TYPE (RsApplication, rs_application, ADW_TYPE_APPLICATION)

/**
 * rs_application_init_i18n:
 *
 * Vietnamese unless the user asks otherwise: the enumerators are Vietnamese commune officers,
 * and a tablet's locale is often left at the factory's "C". LANGUAGE=en gives English.
 */
void
rs_application_init_i18n (void)
{
  const char *language = g_getenv ("LANGUAGE");
  const char *locale;
  g_autofree char *locale_dir = NULL;

  if (language == NULL || *language == '\0')
    g_setenv ("LANGUAGE", "vi", TRUE);
  locale = setlocale (LC_ALL, "");
  /* gettext ignores LANGUAGE in the "C" locale; C.UTF-8 keeps it and UTF-8 output. */
  if (locale == NULL || g_str_equal (locale, "C") || g_str_equal (locale, "POSIX"))
    setlocale (LC_ALL, "C.UTF-8");
  locale_dir = rs_text_locale_dir ();
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
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
apply_color_scheme (RsApplication *self)
{
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT,
    ADW_COLOR_SCHEME_FORCE_LIGHT,
    ADW_COLOR_SCHEME_FORCE_DARK,
  };
  guint scheme = (guint) g_settings_get_enum (self->settings, "color-scheme");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      schemes[MIN (scheme, G_N_ELEMENTS (schemes) - 1)]);
}

static int
rs_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  RsApplication *self = RS_APPLICATION (application);
  g_autofree char *db = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("rasoat %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "db", "^ay", &db))
    {
      g_free (self->db_path);
      self->db_path = g_steal_pointer (&db);
    }
  return -1;
}

static void
rs_application_startup (GApplication *application)
{
  RsApplication *self = RS_APPLICATION (application);

  G_APPLICATION_CLASS (rs_application_parent_class)->startup (application);

  self->settings = g_settings_new (RS_APP_ID);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (apply_color_scheme), self, G_CONNECT_SWAPPED);
  apply_color_scheme (self);
  gtk_window_set_default_icon_name (RS_APP_ID);
  _rs_application_install_actions (self);
}

static void
rs_application_activate (GApplication *application)
{
  RsApplication *self = RS_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (rs_window_new (self));
  gtk_window_present (window);
}

/* packaging/run-demo passes its build directory on to the app; there is nothing to open, so
 * any file argument just shows the window. */
static void
rs_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  g_application_activate (application);
}

static void
rs_application_finalize (GObject *object)
{
  RsApplication *self = RS_APPLICATION (object);

  g_clear_object (&self->settings);
  g_free (self->db_path);
  g_free (self->data_dir);
  G_OBJECT_CLASS (rs_application_parent_class)->finalize (object);
}

static void
rs_application_class_init (RsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = rs_application_finalize;
  app_class->handle_local_options = rs_application_handle_local_options;
  app_class->startup = rs_application_startup;
  app_class->activate = rs_application_activate;
  app_class->open = rs_application_open;
}

static void
rs_application_init (RsApplication *self)
{
  static const GOptionEntry entries[] = {
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("The tablet’s database (created if missing)"), N_("PATH") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  self->db_path = g_build_filename (g_get_user_data_dir (), "rasoat", "rasoat.db", NULL);
  self->data_dir = g_strdup (default_data_dir ());
}

RsApplication *
rs_application_new (void)
{
  /* Templates load from the resource in class_init, so register it before any widget. */
  g_resources_register (rs_get_resource ());
  return g_object_new (RS_TYPE_APPLICATION,
                       "application-id", RS_APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/rasoat/Rasoat",
                       NULL);
}

GSettings *
rs_application_get_settings (RsApplication *self)
{
  g_return_val_if_fail (RS_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * rs_application_get_db_path:
 *
 * Returns: the database given with --db, or the default in the user's data directory.
 */
const char *
rs_application_get_db_path (RsApplication *self)
{
  g_return_val_if_fail (RS_IS_APPLICATION (self), NULL);
  return self->db_path;
}

/**
 * rs_application_get_data_dir:
 *
 * Returns: where the forms and standards are ($RASOAT_DATADIR, the installed data, or the
 *   source tree's data/).
 */
const char *
rs_application_get_data_dir (RsApplication *self)
{
  g_return_val_if_fail (RS_IS_APPLICATION (self), NULL);
  return self->data_dir;
}
