/* test-location.c: RsLocation against a fake GeoClue on a private D-Bus (GTestDBus): fixes
 * improving, the timeout, no service, a refusal, cancelling, "use this position".
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include "rs-fake-geoclue.h"
#include "rs-location.h"
#include "rs-test.h"

#define APP_ID "io.github.rasoat.Rasoat"

#define assert_error(error, domain, code) \
  ck_assert_msg (g_error_matches ((error), (domain), (code)), "expected %s, got: %s", #code, \
                 (error) != NULL ? (error)->message : "no error")

typedef struct
{
  GTestDBus     *dbus;
  RsFakeGeoclue *fake;
  RsLocation    *location;
  GAsyncResult  *result;
  GAsyncResult  *other_result;
  guint          n_updates;
  gboolean       accept_on_update;
} Fixture;

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fixture *fx = user_data;

  fx->result = g_object_ref (result);
}

static void
on_fix_updated (RsLocation *location,
                Fixture    *fx)
{
  fx->n_updates++;
  if (fx->accept_on_update)
    ck_assert (rs_location_accept_best (location));
}

static void
on_other_found (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Fixture *fx = user_data;

  fx->other_result = g_object_ref (result);
}

/* A private bus, given to GIO as the system bus; with the fake GeoClue on it if asked. */
static void
set_up (Fixture  *fx,
        gboolean  with_service)
{
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "en", TRUE);
  fx->dbus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fx->dbus);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address (fx->dbus), TRUE);
  if (with_service)
    {
      fx->fake = rs_fake_geoclue_new (g_test_dbus_get_bus_address (fx->dbus), &error);
      ck_assert_msg (fx->fake != NULL, "%s", error != NULL ? error->message : "");
    }
  fx->location = rs_location_new (APP_ID);
  g_signal_connect (fx->location, "fix-updated", G_CALLBACK (on_fix_updated), fx);
}

static void
tear_down (Fixture *fx)
{
  g_clear_object (&fx->result);
  g_clear_object (&fx->other_result);
  g_clear_object (&fx->location);
  g_clear_pointer (&fx->fake, rs_fake_geoclue_free);
  /* Let the closed connections finish in the main loop before the bus goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_test_dbus_down (fx->dbus);
  g_clear_object (&fx->dbus);
}

/* Runs the main loop until @done is set or 10 s pass (a hang fails, it does not block). */
static void
wait_for (gboolean   (*done) (Fixture *fx),
          Fixture     *fx,
          const char  *what)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (fx))
    {
      ck_assert_msg (g_get_monotonic_time () < deadline, "waited 10 s for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
has_result (Fixture *fx)
{
  return fx->result != NULL;
}

static gboolean
fake_stopped (Fixture *fx)
{
  return rs_fake_geoclue_get_n_started (fx->fake) == rs_fake_geoclue_get_n_stopped (fx->fake)
         && rs_fake_geoclue_get_n_deleted (fx->fake) == rs_fake_geoclue_get_n_clients (fx->fake);
}

/* Starts a search and waits for its end; returns whether a position was found. */
static gboolean
find (Fixture     *fx,
      GCancellable *cancellable,
      RsGeopoint  *point,
      GError     **error)
{
  g_clear_object (&fx->result);
  rs_location_find_async (fx->location, cancellable, on_found, fx);
  ck_assert (rs_location_is_busy (fx->location));
  wait_for (has_result, fx, "the search to end");
  ck_assert (!rs_location_is_busy (fx->location));
  return rs_location_find_finish (fx->location, fx->result, point, error);
}

/* Fixes improve; the search ends at the first one within 10 m, and GeoClue is told who asks, at
 * which accuracy, and that we are done (Stop, DeleteClient). */
START_TEST (test_fix_improves)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };
  RsGeopoint best = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 30, 16.82, 107.11, 15.0, 1500.0);   /* Wi-Fi guess */
  rs_fake_geoclue_add_fix (fx.fake, 30, 16.8164, 107.1004, 12.5, 35.0);
  rs_fake_geoclue_add_fix (fx.fake, 30, 16.8162, 107.1002, 12.0, 60.0); /* worse: ignored */
  rs_fake_geoclue_add_fix (fx.fake, 30, 16.8163, 107.1003, 12.0, 8.5);
  rs_fake_geoclue_add_fix (fx.fake, 30, 16.9, 107.2, 12.0, 3.0);        /* after the end */

  ck_assert_msg (find (&fx, NULL, &point, &error), "%s", error->message);
  ck_assert_double_eq_tol (point.latitude, 16.8163, 1e-9);
  ck_assert_double_eq_tol (point.longitude, 107.1003, 1e-9);
  ck_assert_double_eq_tol (point.altitude, 12.0, 1e-9);
  ck_assert_double_eq_tol (point.accuracy, 8.5, 1e-9);
  ck_assert_uint_eq (fx.n_updates, 3);
  ck_assert (rs_location_get_best (fx.location, &best));
  ck_assert_double_eq (best.accuracy, 8.5);
  {
    g_autofree char *value = rs_geopoint_to_value (&point);

    ck_assert_str_eq (value, "16.8163 107.1003 12.0 8.5");
  }

  ck_assert_str_eq (rs_fake_geoclue_get_desktop_id (fx.fake), APP_ID);
  ck_assert_uint_eq (rs_fake_geoclue_get_accuracy_level (fx.fake),
                     RS_LOCATION_ACCURACY_LEVEL_EXACT);
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  ck_assert_uint_eq (rs_fake_geoclue_get_n_started (fx.fake), 1);
  ck_assert_uint_eq (rs_fake_geoclue_get_n_active (fx.fake), 0);

  /* A second search takes a fresh client and gets the position again. */
  ck_assert_msg (find (&fx, NULL, &point, &error), "%s", error->message);
  ck_assert_double_eq (point.accuracy, 8.5);
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  ck_assert_uint_eq (rs_fake_geoclue_get_n_clients (fx.fake), 2);
  tear_down (&fx);
}
END_TEST

/* Nothing comes: after the timeout, the enumerator is told to go outdoors. */
START_TEST (test_timeout_without_fix)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_location_set_timeout (fx.location, 300);
  ck_assert (!find (&fx, NULL, &point, &error));
  assert_error (error, RS_LOCATION_ERROR, RS_LOCATION_ERROR_TIMEOUT);
  ck_assert_ptr_nonnull (strstr (error->message, "outdoors"));
  ck_assert (!rs_location_get_best (fx.location, &point));
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  ck_assert_uint_eq (rs_fake_geoclue_get_n_started (fx.fake), 1);
  tear_down (&fx);
}
END_TEST

/* Only rough fixes: at the timeout the best of them is the answer, for the enumerator to judge. */
START_TEST (test_timeout_keeps_best)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 10, 16.80, 107.10, 0, 80.0);
  rs_fake_geoclue_add_fix (fx.fake, 10, 16.81, 107.11, 0, 25.0);
  rs_fake_geoclue_add_fix (fx.fake, 10, 16.70, 107.00, 0, 900.0);
  rs_location_set_timeout (fx.location, 400);
  ck_assert_msg (find (&fx, NULL, &point, &error), "%s", error->message);
  ck_assert_double_eq (point.accuracy, 25.0);
  ck_assert_double_eq_tol (point.latitude, 16.81, 1e-9);
  ck_assert_uint_eq (fx.n_updates, 2);
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  tear_down (&fx);
}
END_TEST

/* "Use this position": the first fix is taken at once, whatever its accuracy. */
START_TEST (test_accept_best)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 20, 16.8163, 107.1003, 0, 40.0);
  rs_fake_geoclue_add_fix (fx.fake, 5000, 16.8163, 107.1003, 0, 4.0);
  ck_assert (!rs_location_accept_best (fx.location));   /* no search yet */
  fx.accept_on_update = TRUE;
  ck_assert_msg (find (&fx, NULL, &point, &error), "%s", error->message);
  ck_assert_double_eq (point.accuracy, 40.0);
  ck_assert_double_eq (point.altitude, 0.0);
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  tear_down (&fx);
}
END_TEST

/* No GeoClue on the bus, and no bus at all: the same plain message. */
START_TEST (test_no_service)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) no_bus_error = NULL;
  g_autoptr(RsLocation) no_bus = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, FALSE);
  ck_assert (!find (&fx, NULL, &point, &error));
  assert_error (error, RS_LOCATION_ERROR, RS_LOCATION_ERROR_NO_SERVICE);
  ck_assert_ptr_nonnull (strstr (error->message, "location service is not turned on"));

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/rasoat-test-bus", TRUE);
  no_bus = rs_location_new (APP_ID);
  g_clear_object (&fx.result);
  rs_location_find_async (no_bus, NULL, on_found, &fx);
  wait_for (has_result, &fx, "the search to end");
  ck_assert (!rs_location_find_finish (no_bus, fx.result, &point, &no_bus_error));
  assert_error (no_bus_error, RS_LOCATION_ERROR, RS_LOCATION_ERROR_NO_SERVICE);
  g_clear_object (&no_bus);
  tear_down (&fx);
}
END_TEST

/* GeoClue 2.6 without an agent holds CreateClient: at the timeout, the message is about the
 * service, not about going outdoors. */
START_TEST (test_no_agent)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_set_no_agent (fx.fake, TRUE);
  rs_location_set_timeout (fx.location, 300);
  ck_assert (!find (&fx, NULL, &point, &error));
  assert_error (error, RS_LOCATION_ERROR, RS_LOCATION_ERROR_NO_SERVICE);
  ck_assert_ptr_nonnull (strstr (error->message, "did not answer"));
  ck_assert_uint_eq (rs_fake_geoclue_get_n_clients (fx.fake), 0);
  tear_down (&fx);
}
END_TEST

/* GeoClue's configuration does not allow the app. */
START_TEST (test_refused)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_set_refuse (fx.fake, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 10, 16.8163, 107.1003, 0, 5.0);
  ck_assert (!find (&fx, NULL, &point, &error));
  assert_error (error, RS_LOCATION_ERROR, RS_LOCATION_ERROR_DENIED);
  ck_assert_ptr_nonnull (strstr (error->message, "allow Rasoat"));
  ck_assert_uint_eq (rs_fake_geoclue_get_n_started (fx.fake), 0);
  wait_for (fake_stopped, &fx, "DeleteClient");
  tear_down (&fx);
}
END_TEST

static gboolean
cancel_soon (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gboolean
fake_started (Fixture *fx)
{
  return rs_fake_geoclue_get_n_active (fx->fake) == 1;
}

/* Cancelling while GeoClue looks: the search ends at once and GeoClue is stopped. */
START_TEST (test_cancel)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 5000, 16.8163, 107.1003, 0, 5.0);
  g_clear_object (&fx.result);
  rs_location_find_async (fx.location, cancellable, on_found, &fx);
  wait_for (fake_started, &fx, "GeoClue to start");
  g_timeout_add (10, cancel_soon, cancellable);
  wait_for (has_result, &fx, "the search to end");
  ck_assert (!rs_location_find_finish (fx.location, fx.result, &point, &error));
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_for (fake_stopped, &fx, "Stop and DeleteClient");
  ck_assert_uint_eq (rs_fake_geoclue_get_n_stopped (fx.fake), 1);

  /* Already cancelled: nothing is asked of GeoClue. */
  g_clear_error (&error);
  g_cancellable_cancel (cancelled);
  g_clear_object (&fx.result);
  rs_location_find_async (fx.location, cancelled, on_found, &fx);
  ck_assert (!rs_location_is_busy (fx.location));
  wait_for (has_result, &fx, "the search to end");
  ck_assert (!rs_location_find_finish (fx.location, fx.result, &point, &error));
  assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ck_assert_uint_eq (rs_fake_geoclue_get_n_clients (fx.fake), 1);
  tear_down (&fx);
}
END_TEST

static gboolean
has_other_result (Fixture *fx)
{
  return fx->other_result != NULL;
}

/* One search at a time; the second caller is told so, the first goes on. */
START_TEST (test_one_at_a_time)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 50, 16.8163, 107.1003, 0, 5.0);
  rs_location_find_async (fx.location, NULL, on_found, &fx);
  rs_location_find_async (fx.location, NULL, on_other_found, &fx);
  wait_for (has_other_result, &fx, "the second search to be refused");
  ck_assert (!rs_location_find_finish (fx.location, fx.other_result, &point, &error));
  assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  ck_assert (rs_location_is_busy (fx.location));
  wait_for (has_result, &fx, "the first search to end");
  g_clear_error (&error);
  ck_assert (rs_location_find_finish (fx.location, fx.result, &point, &error));
  ck_assert_double_eq (point.accuracy, 5.0);
  tear_down (&fx);
}
END_TEST

/* GeoClue before 2.5 has no CreateClient: GetClient does, and the client is kept. */
START_TEST (test_old_geoclue)
{
  Fixture fx = { 0 };
  g_autoptr(GError) error = NULL;
  RsGeopoint point = { 0 };

  set_up (&fx, TRUE);
  rs_fake_geoclue_set_old_api (fx.fake, TRUE);
  rs_fake_geoclue_add_fix (fx.fake, 10, 16.8163, 107.1003, 3.0, 7.0);
  ck_assert_msg (find (&fx, NULL, &point, &error), "%s", error->message);
  ck_assert_double_eq (point.accuracy, 7.0);
  ck_assert_uint_eq (rs_fake_geoclue_get_n_clients (fx.fake), 1);
  tear_down (&fx);
}
END_TEST

static Suite *
location_suite (void)
{
  Suite *suite = suite_create ("location");
  TCase *tc = tcase_create ("geoclue");

  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_fix_improves);
  tcase_add_test (tc, test_timeout_without_fix);
  tcase_add_test (tc, test_timeout_keeps_best);
  tcase_add_test (tc, test_accept_best);
  tcase_add_test (tc, test_no_service);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_no_agent);
  tcase_add_test (tc, test_cancel);
  tcase_add_test (tc, test_one_at_a_time);
  tcase_add_test (tc, test_old_geoclue);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (location_suite ());
}
