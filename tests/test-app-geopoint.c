/* test-app-geopoint.c: the geopoint question's input under Xvfb, against a fake GeoClue (or
 * none) on dbus-run-session's bus: messages in plain words, "use this position", cancel, entry
 * by hand.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "rs-application.h"
#include "rs-fake-geoclue.h"
#include "rs-geopoint-input.h"
#include "rs-gui-test.h"

typedef struct
{
  RsFakeGeoclue *fake;
  GtkWidget     *window;
  GtkWidget     *input;
  guint          n_changed;
} Fixture;

static void
on_changed (RsGeopointInput *input,
            Fixture         *fx)
{
  fx->n_changed++;
}

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* The input alone in a window styled as the app, on a private bus given as the system bus. */
static void
set_up (Fixture  *fx,
        gboolean  with_service)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkCssProvider) css = NULL;
  const char *address;
  GtkWidget *box;

  ck_assert_msg (g_getenv ("DISPLAY") != NULL, "no DISPLAY: run under xvfb-run");
  g_unsetenv ("LANGUAGE");
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  rs_application_init_i18n ();
  /* tests/meson.build runs this under dbus-run-session: its bus is the system bus here. */
  address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  ck_assert_msg (address != NULL, "no session bus: run under dbus-run-session");
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  if (with_service)
    {
      fx->fake = rs_fake_geoclue_new (address, &error);
      ck_assert_msg (fx->fake != NULL, "%s", error != NULL ? error->message : "");
    }

  adw_init ();
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/rasoat/Rasoat/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  fx->window = gtk_window_new ();
  gtk_widget_add_css_class (fx->window, "rs-window");
  gtk_window_set_default_size (GTK_WINDOW (fx->window), 800, 480);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 24);
  fx->input = rs_geopoint_input_new ();
  g_signal_connect (fx->input, "changed", G_CALLBACK (on_changed), fx);
  gtk_box_append (GTK_BOX (box), fx->input);
  gtk_window_set_child (GTK_WINDOW (fx->window), box);
  gtk_window_present (GTK_WINDOW (fx->window));
  ck_assert (rs_gui_wait_until (window_mapped, fx->window, 10000));
  rs_gui_spin (200);
}

static void
tear_down (Fixture *fx)
{
  gtk_window_destroy (GTK_WINDOW (fx->window));
  rs_gui_spin (100);
  g_clear_pointer (&fx->fake, rs_fake_geoclue_free);
  rs_gui_spin (50);
}

static GtkWidget *
child (Fixture    *fx,
       const char *name)
{
  GtkWidget *widget = rs_gui_find_named (fx->input, name);

  ck_assert_msg (widget != NULL, "no %s", name);
  return widget;
}

static void
screenshot (Fixture    *fx,
            const char *name)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *dir = g_build_filename (builddir != NULL ? builddir : ".", "screenshots",
                                           NULL);
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_mkdir_with_parents (dir, 0755);
  rs_gui_spin (300);
  rs_gui_screenshot (fx->window, path);
}

static gboolean
message_shown (gpointer data)
{
  Fixture *fx = data;

  return gtk_widget_get_mapped (child (fx, "location-message"));
}

static const char *
label_text (Fixture    *fx,
            const char *name)
{
  return gtk_label_get_text (GTK_LABEL (child (fx, name)));
}

/* No GeoClue on the bus: the enumerator reads what to do, and can still type the position. */
START_TEST (test_no_service_message)
{
  Fixture fx = { 0 };

  set_up (&fx, FALSE);
  ck_assert (gtk_widget_get_mapped (child (&fx, "take-location")));
  ck_assert (!gtk_widget_get_visible (child (&fx, "coordinates")));
  rs_gui_click (child (&fx, "take-location"));
  ck_assert_msg (rs_gui_wait_until (message_shown, &fx, 10000), "no message");
  ck_assert_ptr_nonnull (strstr (label_text (&fx, "location-message"),
                                 "chưa bật dịch vụ định vị"));
  ck_assert (gtk_widget_get_mapped (child (&fx, "take-location")));
  ck_assert (!rs_geopoint_input_is_busy (RS_GEOPOINT_INPUT (fx.input)));
  ck_assert_uint_eq (fx.n_changed, 0);
  screenshot (&fx, "location-no-service");
  tear_down (&fx);
}
END_TEST

/* GeoClue does not allow the app. */
START_TEST (test_refused_message)
{
  Fixture fx = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_set_refuse (fx.fake, TRUE);
  rs_gui_click (child (&fx, "take-location"));
  ck_assert_msg (rs_gui_wait_until (message_shown, &fx, 10000), "no message");
  ck_assert_ptr_nonnull (strstr (label_text (&fx, "location-message"), "chưa cho phép"));
  tear_down (&fx);
}
END_TEST

static gboolean
progress_shows (gpointer data)
{
  Fixture *fx = data;

  return gtk_widget_get_mapped (child (fx, "progress"))
         && strstr (label_text (fx, "progress"), "±40") != NULL;
}

static gboolean
searching (gpointer data)
{
  Fixture *fx = data;

  return gtk_widget_get_mapped (child (fx, "cancel-location"));
}

static gboolean
geoclue_started (gpointer data)
{
  Fixture *fx = data;

  return rs_fake_geoclue_get_n_active (fx->fake) == 1;
}

static gboolean
idle_again (gpointer data)
{
  Fixture *fx = data;

  return gtk_widget_get_mapped (child (fx, "take-location"))
         && rs_fake_geoclue_get_n_active (fx->fake) == 0;
}

/* "Dùng vị trí này" takes a rough fix at once; "Lấy lại" then "Hủy" keeps it. */
START_TEST (test_use_then_cancel)
{
  Fixture fx = { 0 };
  GtkWidget *use;

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 100, 16.8163, 107.1003, 0, 40.0);
  rs_fake_geoclue_add_fix (fx.fake, 20000, 16.8163, 107.1003, 0, 4.0);
  use = child (&fx, "use-location");
  rs_gui_click (child (&fx, "take-location"));
  ck_assert (rs_gui_wait_until (searching, &fx, 5000));
  if (!progress_shows (&fx))
    ck_assert_msg (!gtk_widget_is_sensitive (use), "“Use this position” before any fix");
  ck_assert_msg (rs_gui_wait_until (progress_shows, &fx, 10000), "the accuracy is not shown");
  ck_assert_str_eq (label_text (&fx, "progress"), "Độ chính xác: ±40\u00a0m");
  screenshot (&fx, "location-waiting");
  rs_gui_click (use);
  ck_assert (rs_gui_wait_until (idle_again, &fx, 5000));
  ck_assert_str_eq (rs_geopoint_input_get_value (RS_GEOPOINT_INPUT (fx.input)),
                    "16.8163 107.1003 0.0 40.0");
  ck_assert_str_eq (label_text (&fx, "coordinates"), "16,81630° B, 107,10030° Đ · ±40\u00a0m");
  ck_assert_uint_eq (fx.n_changed, 1);
  ck_assert (gtk_widget_get_mapped (child (&fx, "clear-location")));

  rs_gui_click (child (&fx, "take-location"));
  ck_assert (rs_gui_wait_until (geoclue_started, &fx, 5000));
  ck_assert (gtk_widget_get_mapped (child (&fx, "cancel-location")));
  rs_gui_click (child (&fx, "cancel-location"));
  ck_assert (rs_gui_wait_until (idle_again, &fx, 5000));
  ck_assert_uint_eq (rs_fake_geoclue_get_n_stopped (fx.fake), 2);
  ck_assert_str_eq (rs_geopoint_input_get_value (RS_GEOPOINT_INPUT (fx.input)),
                    "16.8163 107.1003 0.0 40.0");
  ck_assert_uint_eq (fx.n_changed, 1);
  ck_assert (!gtk_widget_get_visible (child (&fx, "location-message")));
  tear_down (&fx);
}
END_TEST

static gboolean
manual_error_shown (gpointer data)
{
  Fixture *fx = data;

  return gtk_widget_get_mapped (child (fx, "manual-error"));
}

static gboolean
changed_once (gpointer data)
{
  Fixture *fx = data;

  return fx->n_changed == 1;
}

/* No GPS: typed by hand, checked, kept as ODK writes it; Clear removes it. */
START_TEST (test_by_hand)
{
  Fixture fx = { 0 };
  GtkEditable *latitude;
  GtkEditable *longitude;

  set_up (&fx, FALSE);
  gtk_expander_set_expanded (GTK_EXPANDER (child (&fx, "manual")), TRUE);
  latitude = GTK_EDITABLE (child (&fx, "latitude"));
  longitude = GTK_EDITABLE (child (&fx, "longitude"));
  gtk_editable_set_text (latitude, "107,1003");
  gtk_editable_set_text (longitude, "16,8163");
  ck_assert_msg (rs_gui_wait_until (manual_error_shown, &fx, 5000), "swapped values accepted");
  ck_assert_ptr_nonnull (strstr (label_text (&fx, "manual-error"), "đảo"));
  ck_assert_uint_eq (fx.n_changed, 0);
  screenshot (&fx, "location-manual-error");

  gtk_editable_set_text (latitude, "16,8163");
  gtk_editable_set_text (longitude, "107.1003");
  ck_assert_msg (rs_gui_wait_until (changed_once, &fx, 5000), "a good position was not kept");
  ck_assert_str_eq (rs_geopoint_input_get_value (RS_GEOPOINT_INPUT (fx.input)),
                    "16.8163 107.1003 0.0 0.0");
  ck_assert (!gtk_widget_get_visible (child (&fx, "manual-error")));
  ck_assert_str_eq (label_text (&fx, "coordinates"), "16,81630° B, 107,10030° Đ · nhập tay");
  screenshot (&fx, "location-manual");

  rs_gui_click (child (&fx, "clear-location"));
  rs_gui_spin (50);
  ck_assert_uint_eq (fx.n_changed, 2);
  ck_assert_str_eq (rs_geopoint_input_get_value (RS_GEOPOINT_INPUT (fx.input)), "");
  ck_assert_str_eq (gtk_editable_get_text (latitude), "");
  ck_assert (!gtk_widget_get_visible (child (&fx, "coordinates")));
  ck_assert (!gtk_widget_get_visible (child (&fx, "clear-location")));
  tear_down (&fx);
}
END_TEST

/* The form's value shown, with no "changed" back. */
START_TEST (test_set_value)
{
  Fixture fx = { 0 };

  set_up (&fx, FALSE);
  gtk_expander_set_expanded (GTK_EXPANDER (child (&fx, "manual")), TRUE);
  rs_geopoint_input_set_value (RS_GEOPOINT_INPUT (fx.input), "21.0285 105.8542 10 4.2");
  rs_gui_spin (50);
  ck_assert_uint_eq (fx.n_changed, 0);
  ck_assert_str_eq (label_text (&fx, "coordinates"), "21,02850° B, 105,85420° Đ · ±4\u00a0m");
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (child (&fx, "latitude"))), "21,0285");
  tear_down (&fx);
}
END_TEST

static Suite *
geopoint_suite (void)
{
  Suite *suite = suite_create ("app-geopoint");
  TCase *tc = tcase_create ("input");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_no_service_message);
  tcase_add_test (tc, test_refused_message);
  tcase_add_test (tc, test_use_then_cancel);
  tcase_add_test (tc, test_by_hand);
  tcase_add_test (tc, test_set_value);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (geopoint_suite ());
}
