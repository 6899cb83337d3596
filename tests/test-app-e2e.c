/* test-app-e2e.c: the real app under Xvfb: setup, a whole household through the UI, finalize,
 * then the record and its score checked in the database; screenshots of every page.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "rs-application.h"
#include "rs-gui-test.h"
#include "rs-home-page.h"
#include "rs-setup-page.h"
#include "rs-store.h"
#include "rs-sync-page.h"
#include "rs-window.h"

typedef struct
{
  RsApplication *app;
  RsWindow      *window;
  char          *tmpdir;
  char          *db_path;
  char          *shots_dir;
  gboolean       script_done;
  GString       *failures;
} E2E;

static E2E e2e;

static GtkWidget *
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  ck_assert_msg (child != NULL, "no template child %s", name);
  return GTK_WIDGET (child);
}

static gboolean
window_is_up (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (e2e.app));

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return FALSE;
  e2e.window = RS_WINDOW (window);
  return TRUE;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (rs_window_get_page_name (e2e.window), data) == 0;
}

static void
wait_for_page (const char *name)
{
  ck_assert_msg (rs_gui_wait_until (page_is, (gpointer) name, 20000),
                 "the window shows page \"%s\", not \"%s\"",
                 rs_window_get_page_name (e2e.window), name);
  rs_gui_spin (300);
}

typedef struct
{
  int width;
  int height;
} Size;

static gboolean
window_has_size (gpointer data)
{
  const Size *size = data;

  /* The window's own frame (client-side decoration) takes a few pixels of the default size. */
  return ABS (gtk_widget_get_width (GTK_WIDGET (e2e.window)) - size->width) <= 24
         && ABS (gtk_widget_get_height (GTK_WIDGET (e2e.window)) - size->height) <= 24;
}

static void
resize (int width,
        int height)
{
  Size size = { width, height };

  gtk_window_set_default_size (GTK_WINDOW (e2e.window), width, height);
  ck_assert_msg (rs_gui_wait_until (window_has_size, &size, 10000),
                 "the window did not become %dx%d (it is %dx%d)", width, height,
                 gtk_widget_get_width (GTK_WIDGET (e2e.window)),
                 gtk_widget_get_height (GTK_WIDGET (e2e.window)));
  rs_gui_spin (400);
}

/* Saves the window as <name>-portrait.png and <name>-landscape.png, ending in portrait. */
static void
screenshots (const char *name)
{
  g_autofree char *portrait = g_strdup_printf ("%s/%s-portrait.png", e2e.shots_dir, name);
  g_autofree char *landscape = g_strdup_printf ("%s/%s-landscape.png", e2e.shots_dir, name);

  resize (800, 1280);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), portrait);
  resize (1280, 800);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), landscape);
  resize (800, 1280);
}

static void
set_text (GtkWidget  *editable,
          const char *text)
{
  ck_assert_ptr_nonnull (editable);
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
  rs_gui_spin (20);
}

static void
do_setup (void)
{
  GtkWidget *setup = template_child (e2e.window, RS_TYPE_WINDOW, "setup_page");
  GtkWidget *start = template_child (setup, RS_TYPE_SETUP_PAGE, "start_button");
  GtkWidget *error_label = template_child (setup, RS_TYPE_SETUP_PAGE, "error_label");

  wait_for_page ("setup");
  screenshots ("setup");

  /* An empty form is refused inline, and nothing is saved. */
  rs_gui_click (start);
  rs_gui_spin (100);
  ck_assert (gtk_widget_get_visible (error_label));
  ck_assert (page_is ("setup"));

  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "name_row"), "Lò Thị Hạnh");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "province_row"), "Sơn La");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_code_row"), "1234");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_name_row"), "Chiềng Cơi");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "villages_row"), "Bản Hìn, Bản Sẳng");
  rs_gui_click (start);
  rs_gui_spin (100);
  ck_assert_msg (page_is ("setup"), "a 4-digit commune code was accepted");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_code_row"), "04033");
  rs_gui_click (start);
  wait_for_page ("home");
}

static gboolean
home_shows (gpointer data)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");

  return rs_home_page_get_n_visible (RS_HOME_PAGE (home)) == GPOINTER_TO_UINT (data);
}

/* The district's list: households to visit, as the server hands them to the tablet. */
static void
seed_assignments (void)
{
  static const struct
  {
    const char *id;
    const char *village;
    const char *code;
    const char *head;
  } households[] = {
    { "a-101", "Bản Hìn", "BH-01", "Lò Văn Pấng" },
    { "a-102", "Bản Hìn", "BH-02", "Quàng Thị Ón" },
    { "a-103", "Bản Hìn", "BH-03", "Cà Văn Thương" },
    { "a-201", "Bản Sẳng", "BS-01", "Lường Văn Đức" },
    { "a-202", "Bản Sẳng", "BS-02", "Tòng Thị Hoa" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (e2e.db_path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  g_autoptr(GPtrArray) assignments =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);

  ck_assert_msg (store != NULL, "%s", error != NULL ? error->message : "");
  for (guint i = 0; i < G_N_ELEMENTS (households); i++)
    g_ptr_array_add (assignments, rs_assignment_new (households[i].id, households[i].village,
                                                     households[i].code, households[i].head,
                                                     "none", NULL));
  ck_assert (rs_store_replace_assignments (store, assignments, &error));
  rs_store_close (store);
}

static void
check_home_search (void)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");
  GtkWidget *search = template_child (home, RS_TYPE_HOME_PAGE, "search_entry");

  ck_assert_msg (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (5), 10000),
                 "Today shows %u households, not the 5 assigned",
                 rs_home_page_get_n_visible (RS_HOME_PAGE (home)));
  /* Without diacritics, any word order. */
  set_text (search, "thi hoa");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (1), 5000));
  set_text (search, "ban hin");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (3), 5000));
  set_text (search, "");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (5), 5000));
}

static void
visit_sync_page (const char *shot_name)
{
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.show-sync", NULL);
  wait_for_page ("sync");
  screenshots (shot_name);
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
}

static gboolean
run_script (gpointer data)
{
  ck_assert_msg (rs_gui_wait_until (window_is_up, NULL, 20000), "no window");
  do_setup ();
  check_home_search ();
  screenshots ("home");
  visit_sync_page ("sync-empty");

  e2e.script_done = TRUE;
  g_application_quit (G_APPLICATION (e2e.app));
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app)
{
  g_idle_add (run_script, NULL);
}

static void
set_up_environment (void)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *schema_dir = NULL;
  g_autofree char *home = NULL;

  ck_assert_ptr_nonnull (builddir);
  e2e.tmpdir = g_dir_make_tmp ("rasoat-e2e-XXXXXX", NULL);
  ck_assert_ptr_nonnull (e2e.tmpdir);
  home = g_build_filename (e2e.tmpdir, "home", NULL);
  g_mkdir_with_parents (home, 0700);
  schema_dir = g_build_filename (builddir, "data", NULL);
  e2e.shots_dir = g_build_filename (builddir, "screenshots", NULL);
  g_mkdir_with_parents (e2e.shots_dir, 0755);
  e2e.db_path = g_build_filename (e2e.tmpdir, "tablet.db", NULL);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", e2e.tmpdir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_unsetenv ("LANGUAGE");
}

START_TEST (test_household_through_the_ui)
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *name = NULL;
  g_autofree char *code = NULL;
  g_auto(GStrv) villages = NULL;
  char *argv[] = { (char *) "rasoat", (char *) "--db", NULL, NULL };
  int status;

  set_up_environment ();
  /* tests/meson.build runs this under dbus-run-session and xvfb-run. */
  ck_assert_msg (g_getenv ("DISPLAY") != NULL, "no DISPLAY: run under xvfb-run");
  argv[2] = e2e.db_path;
  seed_assignments ();

  rs_application_init_i18n ();
  e2e.app = rs_application_new ();
  g_signal_connect_after (e2e.app, "activate", G_CALLBACK (on_activate), NULL);
  status = g_application_run (G_APPLICATION (e2e.app), 3, argv);
  ck_assert_int_eq (status, 0);
  ck_assert_msg (e2e.script_done, "the script did not finish");
  g_clear_object (&e2e.app);

  /* What the setup saved. */
  settings = g_settings_new (RS_APP_ID);
  name = g_settings_get_string (settings, "enumerator-name");
  code = g_settings_get_string (settings, "commune-code");
  villages = g_settings_get_strv (settings, "villages");
  ck_assert_str_eq (name, "Lò Thị Hạnh");
  ck_assert_str_eq (code, "04033");
  ck_assert_int_eq (g_strv_length (villages), 2);
  ck_assert_str_eq (villages[1], "Bản Sẳng");
  ck_assert (g_settings_get_boolean (settings, "setup-done"));
}
END_TEST

static Suite *
e2e_suite (void)
{
  Suite *suite = suite_create ("app-e2e");
  TCase *tc = tcase_create ("household");

  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_household_through_the_ui);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (e2e_suite ());
}
