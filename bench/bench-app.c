/* bench-app.c: the tablet app's speed: launch to the first frame of Today with 10,000 records,
 * an answer to the updated live result, and memory (RSS) after an interview.
 * Run under a display: xvfb-run -a dbus-run-session _build/bench/bench-app [N_RECORDS]
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs-application.h"
#include "rs-gui-test.h"
#include "rs-home-page.h"
#include "rs-interview-page.h"
#include "rs-question-view.h"
#include "rs-store.h"
#include "rs-window.h"

static struct
{
  RsApplication *app;
  RsWindow      *window;
  guint          n_records;
  gint64         launched_us;
  gint64         first_frame_us;
  gboolean       done;
} bench;

static const char * const villages[] = {
  "Bản Hìn", "Bản Sẳng", "Bản Mòn", "Thôn 1", "Thôn 2", "Thôn 10", "Tổ 3", "Khu Đông",
};
static const char * const names[] = {
  "Lò Văn Pấng", "Quàng Thị Ón", "Cà Văn Thương", "Lường Văn Đức", "Tòng Thị Hoa",
  "Nguyễn Văn Bình", "Đặng Thị Đào", "Hà Thị Hương",
};
static const char * const classes[] = { "poor", "near_poor", "not_poor", "middle", NULL };

static double
elapsed_ms (gint64 from_us)
{
  return (g_get_monotonic_time () - from_us) / 1000.0;
}

static void
fill_database (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  gint64 start = g_get_monotonic_time ();

  if (store == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < bench.n_records; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %u", names[i % G_N_ELEMENTS (names)], i);
      g_autofree char *code = g_strdup_printf ("H-%05u", i);
      g_autoptr(RsRecordSummary) summary =
        rs_record_summary_new (villages[i % G_N_ELEMENTS (villages)], code, name,
                               classes[i % G_N_ELEMENTS (classes)], "bench");
      g_autoptr(RsRecord) record = rs_store_create_draft (store, "vn_household_review", "1",
                                                          NULL, NULL, summary, NULL, &error);

      if (record == NULL)
        g_error ("%s", error->message);
    }
  printf ("setup: %u drafts written in %.0f ms\n", bench.n_records, elapsed_ms (start));
  rs_store_close (store);
}

static gboolean
window_is_up (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (bench.app));

  if (window == NULL)
    return FALSE;
  bench.window = RS_WINDOW (window);
  return TRUE;
}

static gboolean
first_frame_seen (gpointer data)
{
  return bench.first_frame_us != 0;
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  GtkWidget *home;

  if (bench.first_frame_us != 0 || bench.window == NULL)
    return;
  home = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (bench.window), RS_TYPE_WINDOW,
                                                    "home_page"));
  if (g_strcmp0 (rs_window_get_page_name (bench.window), "home") == 0
      && rs_home_page_get_n_visible (RS_HOME_PAGE (home)) == bench.n_records)
    bench.first_frame_us = g_get_monotonic_time ();
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (rs_window_get_page_name (bench.window), data) == 0;
}

static GtkWidget *
question (const char *path)
{
  g_autofree char *name = g_strdup_printf ("q:%s", path);
  GtkWidget *page = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (bench.window),
                                                               RS_TYPE_WINDOW,
                                                               "interview_page"));

  return rs_gui_find_named (page, name);
}

static void
choose (const char *path,
        const char *value)
{
  g_autofree char *name = g_strdup_printf ("choice:%s", value);
  GtkWidget *view = question (path);
  GtkWidget *check = view != NULL ? rs_gui_find_named (view, name) : NULL;

  if (check == NULL)
    g_error ("no choice %s of %s", value, path);
  gtk_widget_activate (check);
}

static void
type_text (const char *path,
           const char *text)
{
  GtkWidget *view = question (path);

  gtk_editable_set_text (GTK_EDITABLE (rs_gui_find_named (view, "entry")), text);
  rs_question_view_flush (RS_QUESTION_VIEW (view));
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* One household, as in the GUI test: general page, screening, three members, the rest. */
static void
interview (void)
{
  RsInterviewPage *page =
    RS_INTERVIEW_PAGE (gtk_widget_get_template_child (GTK_WIDGET (bench.window), RS_TYPE_WINDOW,
                                                      "interview_page"));
  GtkWidget *live = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (page),
                                                               RS_TYPE_INTERVIEW_PAGE,
                                                               "live_label"));
  g_autoptr(GArray) timings = g_array_new (FALSE, FALSE, sizeof (double));
  static const char * const areas[] = { "rural", "urban" };

  gtk_widget_activate_action (GTK_WIDGET (bench.window), "win.new-household", NULL);
  if (!rs_gui_wait_until (page_is, (gpointer) "interview", 20000))
    g_error ("no interview page");
  rs_gui_spin (200);
  type_text ("/household/admin/province", "Sơn La");
  type_text ("/household/admin/commune_code", "19183");
  type_text ("/household/admin/commune_name", "Chiềng Cơi");
  type_text ("/household/admin/village", "Bản Hìn");
  choose ("/household/admin/region", "northern_midlands_mountains");
  choose ("/household/admin/review_type", "annual");
  choose ("/household/admin/previous_status", "none");
  type_text ("/household/head/name", "Cà Văn Thương");
  rs_interview_page_next (page);
  choose ("/household/screening/signs", "none");
  rs_interview_page_next (page);
  for (guint m = 1; m <= 3; m++)
    {
      g_autofree char *base = g_strdup_printf ("/household/members/member[%u]", m);
      g_autofree char *p_name = g_strconcat (base, "/name", NULL);
      g_autofree char *p_sex = g_strconcat (base, "/sex", NULL);
      g_autofree char *p_relation = g_strconcat (base, "/relation", NULL);
      g_autofree char *p_insurance = g_strconcat (base, "/health_insurance", NULL);

      rs_interview_page_add_member (page);
      type_text (p_name, "Thành viên");
      choose (p_sex, m == 2 ? "female" : "male");
      choose (p_relation, m == 1 ? "head" : m == 2 ? "spouse" : "child");
      choose (p_insurance, "yes");
      rs_interview_page_next (page);
    }
  rs_interview_page_next (page);
  choose ("/household/housing/tenure", "owned");
  rs_interview_page_next (page);
  choose ("/household/water_sanitation/water_source", "piped");
  choose ("/household/water_sanitation/toilet", "septic");
  rs_interview_page_next (page);
  choose ("/household/information/telecom", "yes");
  rs_interview_page_next (page);
  type_text ("/household/income/wages", "30000000");
  type_text ("/household/income/agriculture", "12000000");
  type_text ("/household/income/business", "0");
  type_text ("/household/income/pensions_allowances", "0");
  type_text ("/household/income/other", "0");
  rs_gui_spin (300);

  /* An answer to the updated live result: the area changes the income line, so the bar's
   * text changes with every answer. */
  rs_interview_page_jump_to_section (page, 0);
  rs_gui_spin (200);
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *before = g_strdup (gtk_label_get_text (GTK_LABEL (live)));
      gint64 start = g_get_monotonic_time ();
      double ms;

      choose ("/household/admin/area", areas[i % 2]);
      ms = elapsed_ms (start);
      if (i > 0 && g_strcmp0 (before, gtk_label_get_text (GTK_LABEL (live))) == 0)
        g_error ("the live result did not change: %s", before);
      g_array_append_val (timings, ms);
      rs_gui_spin (5);
    }
  g_array_sort (timings, compare_doubles);
  printf ("answer → live result updated: median %.1f ms, p90 %.1f ms, max %.1f ms (%u answers)\n",
          g_array_index (timings, double, timings->len / 2),
          g_array_index (timings, double, timings->len * 9 / 10),
          g_array_index (timings, double, timings->len - 1), timings->len);
  while (rs_interview_page_get_pending_saves (page) > 0)
    g_main_context_iteration (NULL, TRUE);
  printf ("RSS after an interview (%u records in the database): %ld KiB\n", bench.n_records + 1,
          rss_kib ());
}

static gboolean
run (gpointer data)
{
  GdkFrameClock *clock;

  if (!rs_gui_wait_until (window_is_up, NULL, 20000))
    g_error ("no window");
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench.window));
  if (clock == NULL)
    {
      gtk_widget_realize (GTK_WIDGET (bench.window));
      clock = gtk_widget_get_frame_clock (GTK_WIDGET (bench.window));
    }
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  if (!rs_gui_wait_until (first_frame_seen, NULL, 60000))
    g_error ("Today never showed the %u records", bench.n_records);
  printf ("launch → first frame of Today with %u records: %.0f ms\n", bench.n_records,
          (bench.first_frame_us - bench.launched_us) / 1000.0);
  printf ("RSS with Today shown: %ld KiB\n", rss_kib ());
  interview ();
  bench.done = TRUE;
  g_application_quit (G_APPLICATION (bench.app));
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app)
{
  g_idle_add (run, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *tmpdir = g_dir_make_tmp ("rasoat-bench-app-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (tmpdir, "tablet.db", NULL);
  g_autofree char *schema_dir = NULL;
  const char *builddir = g_getenv ("RS_BENCH_BUILDDIR");
  g_autoptr(GSettings) settings = NULL;
  char *app_argv[] = { (char *) "rasoat", (char *) "--db", db, NULL };
  int status;

  bench.n_records = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  if (builddir == NULL)
    builddir = ".";
  schema_dir = g_build_filename (builddir, "data", NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  g_setenv ("XDG_CONFIG_HOME", tmpdir, TRUE);

  fill_database (db);

  rs_application_init_i18n ();
  bench.app = rs_application_new ();
  settings = g_settings_new (RS_APP_ID);
  g_settings_set_boolean (settings, "setup-done", TRUE);
  g_settings_set_string (settings, "enumerator-name", "bench");
  g_signal_connect_after (bench.app, "activate", G_CALLBACK (on_activate), NULL);
  bench.launched_us = g_get_monotonic_time ();
  status = g_application_run (G_APPLICATION (bench.app), 3, app_argv);
  g_clear_object (&bench.app);
  rs_gui_remove_tree (tmpdir);
  return status == 0 && bench.done ? 0 : 1;
}
