/* rs-location.c: where the tablet is, from GeoClue 2 on the system bus (GDBus, no GTK).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "rs-location.h"

/* GeoClue 2's names, as in its interface files (org.freedesktop.GeoClue2.*.xml). */
#define GEOCLUE_NAME "org.freedesktop.GeoClue2"
#define GEOCLUE_MANAGER_PATH "/org/freedesktop/GeoClue2/Manager"
#define GEOCLUE_MANAGER_IFACE "org.freedesktop.GeoClue2.Manager"
#define GEOCLUE_CLIENT_IFACE "org.freedesktop.GeoClue2.Client"
#define GEOCLUE_LOCATION_IFACE "org.freedesktop.GeoClue2.Location"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/* The search's own timer bounds every call.  GDBus's default of 25 s is too short: GeoClue,
 * just started by D-Bus activation, holds CreateClient while it waits for an agent (20 s). */
#define NO_TIMEOUT G_MAXINT

G_DEFINE_QUARK (rs-location-error-quark, rs_location_error)

/**
 * RsLocation:
 *
 * One position search at a time: ask GeoClue for a client of our own, say who we are and that
 * we want its best accuracy, start it, and keep the best fix it reports until one is good
 * enough, the enumerator takes the one shown, or the time is up.  The client is stopped and
 * deleted at the end, so GeoClue turns the GPS off again.
 */
struct _RsLocation
{
  GObject          parent_instance;

  char            *desktop_id;
  guint            timeout_ms;
  double           good_accuracy;

  /* The search in progress (task != NULL). */
  GTask           *task;
  GCancellable    *calls;          /* the D-Bus calls in flight, cancelled when it ends */
  GCancellable    *cancellable;    /* the caller's */
  gulong           cancelled_id;
  GSource         *cancel_source;
  GDBusConnection *bus;
  char            *client_path;
  gboolean         client_created; /* by CreateClient: delete it at the end */
  gboolean         started;
  guint            signal_id;
  guint            timeout_id;

  gboolean         have_best;
  RsGeopoint       best;
};

G_DEFINE_FINAL_TYPE (RsLocation, rs_location, G_TYPE_OBJECT)

enum
{
  SIGNAL_FIX_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
end_search (RsLocation *self)
{
  if (self->timeout_id != 0)
    g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
  if (self->cancelled_id != 0)
    g_cancellable_disconnect (self->cancellable, self->cancelled_id);
  self->cancelled_id = 0;
  g_clear_object (&self->cancellable);
  if (self->calls != NULL)
    g_cancellable_cancel (self->calls);
  g_clear_object (&self->calls);
  if (self->bus != NULL && self->signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->signal_id);
  self->signal_id = 0;

  /* Without a callback, GDBus sends these without waiting for an answer. */
  if (self->bus != NULL && self->client_path != NULL)
    {
      /* Also when Start may still be on its way: Stop on a stopped client does nothing. */
      g_dbus_connection_call (self->bus, GEOCLUE_NAME, self->client_path, GEOCLUE_CLIENT_IFACE,
                              "Stop", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                              NULL, NULL);
      if (self->client_created)
        g_dbus_connection_call (self->bus, GEOCLUE_NAME, GEOCLUE_MANAGER_PATH,
                                GEOCLUE_MANAGER_IFACE, "DeleteClient",
                                g_variant_new ("(o)", self->client_path), NULL,
                                G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
    }
  self->started = FALSE;
  self->client_created = FALSE;
  g_clear_pointer (&self->client_path, g_free);
}

static void
succeed (RsLocation *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  RsGeopoint *point = g_memdup2 (&self->best, sizeof self->best);

  end_search (self);
  g_task_return_pointer (task, point, g_free);
}

static void
fail (RsLocation *self,
      GError     *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  end_search (self);
  g_task_return_error (task, error);
}

/* GeoClue's and D-Bus's errors, said so an enumerator knows what to do. */
static GError *
explain_error (const GError *error)
{
  g_debug ("GeoClue: %s", error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return g_error_new_literal (RS_LOCATION_ERROR, RS_LOCATION_ERROR_DENIED,
                                _("The location service does not let Rasoat read the position. "
                                  "Ask technical support to allow Rasoat in the location "
                                  "settings (GeoClue), or enter the position by hand."));
  if (error->domain == G_IO_ERROR
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_FAILED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_INVALID)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_FILE_NOT_FOUND))
    return g_error_new_literal (RS_LOCATION_ERROR, RS_LOCATION_ERROR_NO_SERVICE,
                                _("The tablet’s location service is not turned on. Ask technical "
                                  "support to install and start GeoClue, or enter the position "
                                  "by hand."));
  return g_error_new (RS_LOCATION_ERROR, RS_LOCATION_ERROR_FAILED,
                      _("The location service did not answer as expected (%s). Try again, or "
                        "enter the position by hand."), error->message);
}

/* The search @task is the one in progress, and @error (if any) is not its end. */
static gboolean
still_searching (RsLocation *self,
                 GTask      *task,
                 GError     *error)
{
  if (self->task != task)
    return FALSE;
  if (error != NULL)
    {
      fail (self, explain_error (error));
      return FALSE;
    }
  return TRUE;
}

static void
consider_fix (RsLocation *self,
              GVariant   *properties)
{
  RsGeopoint point = { 0, 0, 0, 0 };
  double altitude;
  double accuracy;
  double best_accuracy;

  if (!g_variant_lookup (properties, "Latitude", "d", &point.latitude)
      || !g_variant_lookup (properties, "Longitude", "d", &point.longitude)
      || !isfinite (point.latitude) || !isfinite (point.longitude)
      || fabs (point.latitude) > 90 || fabs (point.longitude) > 180)
    return;
  /* GeoClue says -G_MAXDOUBLE for an unknown altitude; ODK writes 0 then. */
  if (g_variant_lookup (properties, "Altitude", "d", &altitude) && isfinite (altitude)
      && altitude > -1e6 && altitude < 1e6)
    point.altitude = altitude;
  if (g_variant_lookup (properties, "Accuracy", "d", &accuracy) && isfinite (accuracy)
      && accuracy > 0)
    point.accuracy = accuracy;

  /* The smallest circle wins; a fix of unknown accuracy only when there is nothing else. */
  best_accuracy = self->have_best && self->best.accuracy > 0 ? self->best.accuracy : G_MAXDOUBLE;
  if (self->have_best && (point.accuracy <= 0 || point.accuracy > best_accuracy))
    return;
  self->best = point;
  self->have_best = TRUE;
  g_signal_emit (self, signals[SIGNAL_FIX_UPDATED], 0);
  if (self->task != NULL && point.accuracy > 0 && point.accuracy <= self->good_accuracy)
    succeed (self);
}

static void
on_location_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GVariant) properties = NULL;

  /* A location object may be gone when a newer one replaced it: wait for that one. */
  if (self->task != task || error != NULL)
    {
      if (error != NULL)
        g_debug ("GeoClue location: %s", error->message);
      return;
    }
  g_variant_get (reply, "(@a{sv})", &properties);
  consider_fix (self, properties);
}


/* One step of the search: a call to GeoClue whose answer goes to @callback with @task. GeoClue
 * is not started by these calls: the manager call that makes the client does that. */
static void
geoclue_call (RsLocation          *self,
              GTask               *task,
              const char          *path,
              const char          *iface,
              const char          *method,
              GVariant            *parameters,
              const GVariantType  *reply_type,
              GAsyncReadyCallback  callback)
{
  g_dbus_connection_call (self->bus, GEOCLUE_NAME, path, iface, method, parameters, reply_type,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, NO_TIMEOUT, self->calls, callback,
                          g_object_ref (task));
}

static void
set_client_property (RsLocation          *self,
                     GTask               *task,
                     const char          *name,
                     GVariant            *value,
                     GAsyncReadyCallback  callback)
{
  geoclue_call (self, task, self->client_path, PROPERTIES_IFACE, "Set",
                g_variant_new ("(ssv)", GEOCLUE_CLIENT_IFACE, name, value), NULL, callback);
}
static void
read_location (RsLocation *self,
               const char *path)
{
  if (path == NULL || g_str_equal (path, "/"))
    return;
  geoclue_call (self, self->task, path, PROPERTIES_IFACE, "GetAll",
                g_variant_new ("(s)", GEOCLUE_LOCATION_IFACE), G_VARIANT_TYPE ("(a{sv})"),
                on_location_read);
}

static void
on_location_updated (GDBusConnection *bus,
                     const char      *sender,
                     const char      *path,
                     const char      *interface,
                     const char      *signal,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  RsLocation *self = user_data;
  const char *new_path = NULL;

  if (self->task == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oo)")))
    return;
  g_variant_get (parameters, "(&o&o)", NULL, &new_path);
  read_location (self, new_path);
}

static void
on_location_property (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GVariant) value = NULL;

  if (self->task != task || error != NULL)
    return;   /* the LocationUpdated signal brings it then */
  g_variant_get (reply, "(v)", &value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    read_location (self, g_variant_get_string (value, NULL));
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (!still_searching (self, task, error))
    return;
  self->started = TRUE;
  /* A position GeoClue already had comes as the client's Location, maybe with no signal. */
  geoclue_call (self, task, self->client_path, PROPERTIES_IFACE, "Get",
                g_variant_new ("(ss)", GEOCLUE_CLIENT_IFACE, "Location"), G_VARIANT_TYPE ("(v)"),
                on_location_property);
}

static void
on_accuracy_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (!still_searching (self, task, error))
    return;
  geoclue_call (self, task, self->client_path, GEOCLUE_CLIENT_IFACE, "Start", NULL, NULL,
                on_started);
}

static void
on_desktop_id_set (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (!still_searching (self, task, error))
    return;
  set_client_property (self, task, "RequestedAccuracyLevel",
                       g_variant_new_uint32 (RS_LOCATION_ACCURACY_LEVEL_EXACT), on_accuracy_set);
}

static void get_client (RsLocation *self,
                        gboolean    create);

static void
on_client (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  /* GeoClue before 2.5 has only GetClient (one client per connection, kept). */
  if (self->task == task && self->client_created
      && g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
      get_client (self, FALSE);
      return;
    }
  if (!still_searching (self, task, error))
    return;
  g_variant_get (reply, "(o)", &self->client_path);
  /* Listen before Start, as GeoClue asks, so the first fix is not missed.  The subscription
   * holds a reference: a signal already queued may still come after unsubscribing. */
  self->signal_id = g_dbus_connection_signal_subscribe (self->bus, GEOCLUE_NAME,
                                                        GEOCLUE_CLIENT_IFACE, "LocationUpdated",
                                                        self->client_path, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                                        on_location_updated, g_object_ref (self),
                                                        g_object_unref);
  set_client_property (self, task, "DesktopId", g_variant_new_string (self->desktop_id),
                       on_desktop_id_set);
}

static void
get_client (RsLocation *self,
            gboolean    create)
{
  self->client_created = create;
  /* The first call may start GeoClue (D-Bus activation); the later ones need it running. */
  g_dbus_connection_call (self->bus, GEOCLUE_NAME, GEOCLUE_MANAGER_PATH, GEOCLUE_MANAGER_IFACE,
                          create ? "CreateClient" : "GetClient", NULL, G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, NO_TIMEOUT, self->calls, on_client,
                          g_object_ref (self->task));
}

static void
on_bus (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RsLocation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_dbus_connection_new_for_address_finish (result, &error);

  if (!still_searching (self, task, error))
    return;
  self->bus = g_steal_pointer (&bus);
  get_client (self, TRUE);
}

/* A connection of our own rather than g_bus_get()'s shared one, which ends the whole app when
 * the system bus restarts (exit-on-close); closing it also makes GeoClue drop our client. */
static void
connect_to_bus (RsLocation *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  if (self->bus != NULL && !g_dbus_connection_is_closed (self->bus))
    {
      get_client (self, TRUE);
      return;
    }
  g_clear_object (&self->bus);
  /* $DBUS_SYSTEM_BUS_ADDRESS, or the standard socket. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (address == NULL)
    {
      fail (self, explain_error (error));
      return;
    }
  g_dbus_connection_new_for_address (address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                     | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, self->calls, on_bus, g_object_ref (self->task));
}

static gboolean
on_timeout (gpointer user_data)
{
  RsLocation *self = user_data;

  self->timeout_id = 0;
  if (self->have_best)
    succeed (self);
  else if (!self->started)
    /* GeoClue holds CreateClient or Start until an agent for the user is there (2.6 always
     * waits for one): nothing to do with the sky. */
    fail (self, g_error_new_literal (RS_LOCATION_ERROR, RS_LOCATION_ERROR_NO_SERVICE,
                                     _("The tablet’s location service did not answer. Ask "
                                       "technical support to check that GeoClue and its agent "
                                       "are running, or enter the position by hand.")));
  else
    fail (self, g_error_new_literal (RS_LOCATION_ERROR, RS_LOCATION_ERROR_TIMEOUT,
                                     _("No position was found. Go outdoors to an open place, "
                                       "away from roofs and tall trees, then try again.")));
  return G_SOURCE_REMOVE;
}

static gboolean
finish_cancelled (gpointer user_data)
{
  RsLocation *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  if (self->task != NULL)
    fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("Finding the position was cancelled.")));
  return G_SOURCE_REMOVE;
}

/* May run in another thread, and inside g_cancellable_cancel(): finish from the main loop. */
static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  RsLocation *self = user_data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, finish_cancelled, self, NULL);
  g_source_set_static_name (source, "[rasoat] location cancelled");
  if (self->cancel_source == NULL)
    self->cancel_source = g_source_ref (source);
  g_source_attach (source, g_task_get_context (self->task));
  g_source_unref (source);
}

/**
 * rs_location_find_async:
 * @cancellable: (nullable): stops the search (the result is then %G_IO_ERROR_CANCELLED)
 *
 * Looks for where the tablet is.  Ends with the first fix at or under the good accuracy (10 m),
 * with the best fix so far when rs_location_accept_best() is called or the timeout passes, or
 * with an #RsLocationError whose message tells the enumerator what to do.  "fix-updated" is
 * emitted each time a better fix comes, so the accuracy can be shown while waiting.
 */
void
rs_location_find_async (RsLocation          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (RS_IS_LOCATION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rs_location_find_async);
  g_task_set_check_cancellable (task, FALSE);
  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The position is already being found."));
      return;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Finding the position was cancelled."));
      return;
    }

  self->task = g_object_ref (task);
  self->have_best = FALSE;
  self->calls = g_cancellable_new ();
  self->timeout_id = g_timeout_add (self->timeout_ms, on_timeout, self);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->timeout_id),
                            "[rasoat] location timeout");
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self,
                                                  NULL);
    }
  connect_to_bus (self);
}

/**
 * rs_location_find_finish:
 * @out_point: (out) (optional): the position found
 *
 * Returns: whether a position was found.
 */
gboolean
rs_location_find_finish (RsLocation    *self,
                         GAsyncResult  *result,
                         RsGeopoint    *out_point,
                         GError       **error)
{
  g_autofree RsGeopoint *point = NULL;

  g_return_val_if_fail (RS_IS_LOCATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  point = g_task_propagate_pointer (G_TASK (result), error);
  if (point == NULL)
    return FALSE;
  if (out_point != NULL)
    *out_point = *point;
  return TRUE;
}

/**
 * rs_location_get_best:
 * @out_point: (out): the best fix of the current (or last) search
 *
 * Returns: whether there is one.
 */
gboolean
rs_location_get_best (RsLocation *self,
                      RsGeopoint *out_point)
{
  g_return_val_if_fail (RS_IS_LOCATION (self), FALSE);
  g_return_val_if_fail (out_point != NULL, FALSE);

  if (self->have_best)
    *out_point = self->best;
  return self->have_best;
}

/**
 * rs_location_accept_best:
 *
 * Ends the search now with the best fix so far ("Use this position").
 *
 * Returns: whether there was a search with a fix to end.
 */
gboolean
rs_location_accept_best (RsLocation *self)
{
  g_return_val_if_fail (RS_IS_LOCATION (self), FALSE);

  if (self->task == NULL || !self->have_best)
    return FALSE;
  succeed (self);
  return TRUE;
}

gboolean
rs_location_is_busy (RsLocation *self)
{
  g_return_val_if_fail (RS_IS_LOCATION (self), FALSE);
  return self->task != NULL;
}

void
rs_location_set_timeout (RsLocation *self,
                         guint       timeout_ms)
{
  g_return_if_fail (RS_IS_LOCATION (self));
  self->timeout_ms = MAX (timeout_ms, 1);
}

void
rs_location_set_good_accuracy (RsLocation *self,
                               double      metres)
{
  g_return_if_fail (RS_IS_LOCATION (self));
  self->good_accuracy = metres;
}

static void
rs_location_dispose (GObject *object)
{
  RsLocation *self = RS_LOCATION (object);

  /* Every callback holds the task, and the task holds us: a search has ended by now. */
  g_assert (self->task == NULL);
  end_search (self);
  if (self->bus != NULL)
    g_dbus_connection_close (self->bus, NULL, NULL, NULL);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (rs_location_parent_class)->dispose (object);
}

static void
rs_location_finalize (GObject *object)
{
  RsLocation *self = RS_LOCATION (object);

  g_free (self->desktop_id);
  G_OBJECT_CLASS (rs_location_parent_class)->finalize (object);
}

static void
rs_location_class_init (RsLocationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rs_location_dispose;
  object_class->finalize = rs_location_finalize;

  /**
   * RsLocation::fix-updated:
   *
   * A better fix came in during the search: read it with rs_location_get_best().
   */
  signals[SIGNAL_FIX_UPDATED] = g_signal_new ("fix-updated", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
}

static void
rs_location_init (RsLocation *self)
{
  self->timeout_ms = RS_LOCATION_DEFAULT_TIMEOUT_MS;
  self->good_accuracy = RS_LOCATION_DEFAULT_GOOD_ACCURACY;
}

/**
 * rs_location_new:
 * @desktop_id: the app's desktop file id without ".desktop" (GeoClue allows apps by it)
 */
RsLocation *
rs_location_new (const char *desktop_id)
{
  RsLocation *self;

  g_return_val_if_fail (desktop_id != NULL, NULL);
  self = g_object_new (RS_TYPE_LOCATION, NULL);
  self->desktop_id = g_strdup (desktop_id);
  return self;
}
