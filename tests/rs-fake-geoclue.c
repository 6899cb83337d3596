/* rs-fake-geoclue.c: a fake GeoClue 2 service for tests (Manager, Client, Location on the bus
 * at the real names and paths), serving scripted fixes.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-fake-geoclue.h"

/* The parts of GeoClue 2's interfaces (org.freedesktop.GeoClue2.*.xml) an app uses. */
static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.GeoClue2.Manager'>"
  "    <property name='InUse' type='b' access='read'/>"
  "    <property name='AvailableAccuracyLevel' type='u' access='read'/>"
  "    <method name='GetClient'><arg name='client' type='o' direction='out'/></method>"
  "    <method name='CreateClient'><arg name='client' type='o' direction='out'/></method>"
  "    <method name='DeleteClient'><arg name='client' type='o' direction='in'/></method>"
  "    <method name='AddAgent'><arg name='id' type='s' direction='in'/></method>"
  "  </interface>"
  "  <interface name='org.freedesktop.GeoClue2.Client'>"
  "    <property name='Location' type='o' access='read'/>"
  "    <property name='DistanceThreshold' type='u' access='readwrite'/>"
  "    <property name='TimeThreshold' type='u' access='readwrite'/>"
  "    <property name='DesktopId' type='s' access='readwrite'/>"
  "    <property name='RequestedAccuracyLevel' type='u' access='readwrite'/>"
  "    <property name='Active' type='b' access='read'/>"
  "    <method name='Start'/>"
  "    <method name='Stop'/>"
  "    <signal name='LocationUpdated'>"
  "      <arg name='old' type='o'/>"
  "      <arg name='new' type='o'/>"
  "    </signal>"
  "  </interface>"
  "  <interface name='org.freedesktop.GeoClue2.Location'>"
  "    <property name='Latitude' type='d' access='read'/>"
  "    <property name='Longitude' type='d' access='read'/>"
  "    <property name='Accuracy' type='d' access='read'/>"
  "    <property name='Altitude' type='d' access='read'/>"
  "    <property name='Speed' type='d' access='read'/>"
  "    <property name='Heading' type='d' access='read'/>"
  "    <property name='Description' type='s' access='read'/>"
  "    <property name='Timestamp' type='(tt)' access='read'/>"
  "  </interface>"
  "</node>";

#define MANAGER_PATH "/org/freedesktop/GeoClue2/Manager"

typedef struct
{
  guint  delay_ms;
  double latitude;
  double longitude;
  double altitude;
  double accuracy;
} Fix;

typedef struct
{
  char   *path;
  guint   registration;
  Fix     fix;
  gint64  time;
} Location;

typedef struct
{
  RsFakeGeoclue *fake;
  char          *path;
  char          *owner;           /* the peer that asked for it */
  guint          registration;
  char          *desktop_id;
  guint          accuracy_level;
  guint          distance_threshold;
  guint          time_threshold;
  gboolean       active;
  GPtrArray     *locations;       /* Location*, the newest last */
  guint          next_fix;
  guint          timer;
} Client;

struct _RsFakeGeoclue
{
  GDBusConnection *bus;
  GDBusNodeInfo   *info;
  guint            manager_registration;
  GArray          *fixes;        /* Fix */
  GPtrArray       *clients;      /* Client* */
  gboolean         refuse;
  gboolean         old_api;
  gboolean         no_agent;
  GPtrArray       *held;         /* GDBusMethodInvocation* never answered (no agent) */
  guint            next_client_id;
  guint            n_clients;
  guint            n_started;
  guint            n_stopped;
  guint            n_deleted;
  char            *desktop_id;   /* as the last Start saw it */
  guint            accuracy_level;
};

static void
location_free (gpointer data)
{
  Location *location = data;

  g_free (location->path);
  g_free (location);
}

static void
client_free (gpointer data)
{
  Client *client = data;

  g_clear_handle_id (&client->timer, g_source_remove);
  for (guint i = 0; i < client->locations->len; i++)
    g_dbus_connection_unregister_object (client->fake->bus,
                                         ((Location *) g_ptr_array_index (client->locations,
                                                                          i))->registration);
  if (client->registration != 0)
    g_dbus_connection_unregister_object (client->fake->bus, client->registration);
  g_ptr_array_unref (client->locations);
  g_free (client->path);
  g_free (client->owner);
  g_free (client->desktop_id);
  g_free (client);
}

/* ---- Location objects ---- */

static GVariant *
location_get_property (GDBusConnection  *connection,
                       const char       *sender,
                       const char       *path,
                       const char       *interface,
                       const char       *property,
                       GError          **error,
                       gpointer          user_data)
{
  Location *location = user_data;

  if (g_str_equal (property, "Latitude"))
    return g_variant_new_double (location->fix.latitude);
  if (g_str_equal (property, "Longitude"))
    return g_variant_new_double (location->fix.longitude);
  if (g_str_equal (property, "Accuracy"))
    return g_variant_new_double (location->fix.accuracy);
  if (g_str_equal (property, "Altitude"))
    return g_variant_new_double (location->fix.altitude);
  if (g_str_equal (property, "Speed") || g_str_equal (property, "Heading"))
    return g_variant_new_double (-1.0);
  if (g_str_equal (property, "Description"))
    return g_variant_new_string ("");
  if (g_str_equal (property, "Timestamp"))
    return g_variant_new ("(tt)", (guint64) (location->time / G_USEC_PER_SEC),
                          (guint64) (location->time % G_USEC_PER_SEC));
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
  return NULL;
}

static const GDBusInterfaceVTable location_vtable = { NULL, location_get_property, NULL };

/* As GeoClue does: a new Location object per fix, then LocationUpdated(old, new) to the client's
 * owner alone. */
static void
emit_fix (Client    *client,
          const Fix *fix)
{
  RsFakeGeoclue *fake = client->fake;
  Location *location = g_new0 (Location, 1);
  const char *old_path = client->locations->len > 0
                         ? ((Location *) g_ptr_array_index (client->locations,
                                                            client->locations->len - 1))->path
                         : "/";
  g_autoptr(GError) error = NULL;

  location->path = g_strdup_printf ("%s/Location/%u", client->path, client->locations->len);
  location->fix = *fix;
  location->time = g_get_real_time ();
  location->registration = g_dbus_connection_register_object (
    fake->bus, location->path, g_dbus_node_info_lookup_interface (
      fake->info, "org.freedesktop.GeoClue2.Location"),
    &location_vtable, location, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (client->locations, location);
  g_dbus_connection_emit_signal (fake->bus, client->owner, client->path,
                                 "org.freedesktop.GeoClue2.Client", "LocationUpdated",
                                 g_variant_new ("(oo)", old_path, location->path), &error);
  g_assert_no_error (error);
}

static void schedule_next_fix (Client *client);

static gboolean
on_fix_due (gpointer user_data)
{
  Client *client = user_data;
  const Fix *fix = &g_array_index (client->fake->fixes, Fix, client->next_fix);

  client->timer = 0;
  client->next_fix++;
  emit_fix (client, fix);
  schedule_next_fix (client);
  return G_SOURCE_REMOVE;
}

static void
schedule_next_fix (Client *client)
{
  if (!client->active || client->next_fix >= client->fake->fixes->len)
    return;
  client->timer = g_timeout_add (g_array_index (client->fake->fixes, Fix,
                                                client->next_fix).delay_ms, on_fix_due, client);
}

/* ---- Client objects ---- */

static void
client_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *path,
                    const char            *interface,
                    const char            *method,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Client *client = user_data;
  RsFakeGeoclue *fake = client->fake;

  if (g_strcmp0 (sender, client->owner) != 0)
    {
      g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                     G_DBUS_ERROR_ACCESS_DENIED,
                                                     "Not your client");
      return;
    }
  if (g_str_equal (method, "Start"))
    {
      if (client->desktop_id == NULL)
        {
          g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                         G_DBUS_ERROR_ACCESS_DENIED,
                                                         "'DesktopId' property must be set");
          return;
        }
      if (fake->refuse)
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_ACCESS_DENIED,
                                                 "'%s' disallowed by configuration for UID %u",
                                                 client->desktop_id, 1000);
          return;
        }
      g_free (fake->desktop_id);
      fake->desktop_id = g_strdup (client->desktop_id);
      fake->accuracy_level = client->accuracy_level;
      if (!client->active)
        {
          fake->n_started++;
          client->active = TRUE;
          client->next_fix = 0;
          schedule_next_fix (client);
        }
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "Stop"))
    {
      if (client->active)
        fake->n_stopped++;
      client->active = FALSE;
      g_clear_handle_id (&client->timer, g_source_remove);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method);
}

static GVariant *
client_get_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GError          **error,
                     gpointer          user_data)
{
  Client *client = user_data;

  if (g_str_equal (property, "Location"))
    return g_variant_new_object_path (
      client->locations->len > 0
      ? ((Location *) g_ptr_array_index (client->locations, client->locations->len - 1))->path
      : "/");
  if (g_str_equal (property, "DistanceThreshold"))
    return g_variant_new_uint32 (client->distance_threshold);
  if (g_str_equal (property, "TimeThreshold"))
    return g_variant_new_uint32 (client->time_threshold);
  if (g_str_equal (property, "DesktopId"))
    return g_variant_new_string (client->desktop_id != NULL ? client->desktop_id : "");
  if (g_str_equal (property, "RequestedAccuracyLevel"))
    return g_variant_new_uint32 (client->accuracy_level);
  if (g_str_equal (property, "Active"))
    return g_variant_new_boolean (client->active);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
  return NULL;
}

static gboolean
client_set_property (GDBusConnection  *connection,
                     const char       *sender,
                     const char       *path,
                     const char       *interface,
                     const char       *property,
                     GVariant         *value,
                     GError          **error,
                     gpointer          user_data)
{
  Client *client = user_data;

  if (g_strcmp0 (sender, client->owner) != 0)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "Not your client");
      return FALSE;
    }
  if (g_str_equal (property, "DesktopId"))
    {
      g_free (client->desktop_id);
      client->desktop_id = g_variant_dup_string (value, NULL);
    }
  else if (g_str_equal (property, "RequestedAccuracyLevel"))
    client->accuracy_level = g_variant_get_uint32 (value);
  else if (g_str_equal (property, "DistanceThreshold"))
    client->distance_threshold = g_variant_get_uint32 (value);
  else if (g_str_equal (property, "TimeThreshold"))
    client->time_threshold = g_variant_get_uint32 (value);
  else
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s is read-only",
                   property);
      return FALSE;
    }
  return TRUE;
}

static const GDBusInterfaceVTable client_vtable = {
  client_method_call, client_get_property, client_set_property
};

static Client *
create_client (RsFakeGeoclue *fake,
               const char    *owner)
{
  Client *client = g_new0 (Client, 1);
  g_autoptr(GError) error = NULL;

  client->fake = fake;
  client->owner = g_strdup (owner);
  client->path = g_strdup_printf ("/org/freedesktop/GeoClue2/Client/%u", ++fake->next_client_id);
  client->accuracy_level = 4;   /* GeoClue's default: city */
  client->locations = g_ptr_array_new_with_free_func (location_free);
  client->registration = g_dbus_connection_register_object (
    fake->bus, client->path, g_dbus_node_info_lookup_interface (
      fake->info, "org.freedesktop.GeoClue2.Client"),
    &client_vtable, client, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (fake->clients, client);
  fake->n_clients++;
  return client;
}

/* ---- the Manager ---- */

static void
manager_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *path,
                     const char            *interface,
                     const char            *method,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  RsFakeGeoclue *fake = user_data;

  /* GeoClue 2.6 creates no client until an agent for the user has registered. */
  if (fake->no_agent && (g_str_equal (method, "GetClient") || g_str_equal (method, "CreateClient")))
    {
      g_ptr_array_add (fake->held, g_object_ref (invocation));
      return;
    }
  if (g_str_equal (method, "GetClient"))
    {
      Client *client = NULL;

      for (guint i = 0; i < fake->clients->len && client == NULL; i++)
        {
          Client *candidate = g_ptr_array_index (fake->clients, i);

          if (g_strcmp0 (candidate->owner, sender) == 0)
            client = candidate;
        }
      if (client == NULL)
        client = create_client (fake, sender);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", client->path));
    }
  else if (g_str_equal (method, "CreateClient") && !fake->old_api)
    {
      Client *client = create_client (fake, sender);

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", client->path));
    }
  else if (g_str_equal (method, "DeleteClient") && !fake->old_api)
    {
      const char *client_path = NULL;

      g_variant_get (parameters, "(&o)", &client_path);
      for (guint i = 0; i < fake->clients->len; i++)
        {
          Client *client = g_ptr_array_index (fake->clients, i);

          if (g_str_equal (client->path, client_path) && g_strcmp0 (client->owner, sender) == 0)
            {
              g_ptr_array_remove_index (fake->clients, i);
              fake->n_deleted++;
              break;
            }
        }
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "AddAgent"))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No such method “%s”", method);
}

static GVariant *
manager_get_property (GDBusConnection  *connection,
                      const char       *sender,
                      const char       *path,
                      const char       *interface,
                      const char       *property,
                      GError          **error,
                      gpointer          user_data)
{
  RsFakeGeoclue *fake = user_data;

  if (g_str_equal (property, "InUse"))
    return g_variant_new_boolean (rs_fake_geoclue_get_n_active (fake) > 0);
  if (g_str_equal (property, "AvailableAccuracyLevel"))
    return g_variant_new_uint32 (8);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
  return NULL;
}

static const GDBusInterfaceVTable manager_vtable = {
  manager_method_call, manager_get_property, NULL
};

/**
 * rs_fake_geoclue_new:
 * @bus_address: the bus to serve on (a GTestDBus's, or the test's session bus)
 *
 * Connects, exports the Manager and owns "org.freedesktop.GeoClue2" before returning.  Calls
 * are served from the thread-default main context of the caller.
 */
RsFakeGeoclue *
rs_fake_geoclue_new (const char  *bus_address,
                     GError     **error)
{
  g_autoptr(RsFakeGeoclue) fake = g_new0 (RsFakeGeoclue, 1);
  g_autoptr(GVariant) reply = NULL;
  guint32 result = 0;

  fake->fixes = g_array_new (FALSE, FALSE, sizeof (Fix));
  fake->clients = g_ptr_array_new_with_free_func (client_free);
  fake->held = g_ptr_array_new_with_free_func (g_object_unref);
  fake->info = g_dbus_node_info_new_for_xml (introspection_xml, error);
  if (fake->info == NULL)
    return NULL;
  fake->bus = g_dbus_connection_new_for_address_sync (
    bus_address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  if (fake->bus == NULL)
    return NULL;
  fake->manager_registration = g_dbus_connection_register_object (
    fake->bus, MANAGER_PATH, g_dbus_node_info_lookup_interface (
      fake->info, "org.freedesktop.GeoClue2.Manager"),
    &manager_vtable, fake, NULL, error);
  if (fake->manager_registration == 0)
    return NULL;
  /* 4: DBUS_NAME_FLAG_DO_NOT_QUEUE; 1: DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER. */
  reply = g_dbus_connection_call_sync (fake->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.GeoClue2", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                       error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(u)", &result);
  if (result != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "org.freedesktop.GeoClue2 is taken");
      return NULL;
    }
  return g_steal_pointer (&fake);
}

void
rs_fake_geoclue_free (RsFakeGeoclue *fake)
{
  if (fake == NULL)
    return;
  if (fake->clients != NULL)
    g_ptr_array_unref (fake->clients);
  for (guint i = 0; fake->held != NULL && i < fake->held->len; i++)
    g_dbus_method_invocation_return_error_literal (g_object_ref (g_ptr_array_index (fake->held,
                                                                                    i)),
                                                   G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   "GeoClue is stopping");
  g_clear_pointer (&fake->held, g_ptr_array_unref);
  if (fake->manager_registration != 0)
    g_dbus_connection_unregister_object (fake->bus, fake->manager_registration);
  if (fake->bus != NULL)
    {
      g_dbus_connection_close_sync (fake->bus, NULL, NULL);
      g_object_unref (fake->bus);
    }
  g_clear_pointer (&fake->info, g_dbus_node_info_unref);
  g_array_unref (fake->fixes);
  g_free (fake->desktop_id);
  g_free (fake);
}

/**
 * rs_fake_geoclue_add_fix:
 * @delay_ms: after Start (or the fix before), how long until this fix comes
 *
 * Every client started gets the fixes in order.
 */
void
rs_fake_geoclue_add_fix (RsFakeGeoclue *fake,
                         guint          delay_ms,
                         double         latitude,
                         double         longitude,
                         double         altitude,
                         double         accuracy)
{
  Fix fix = { delay_ms, latitude, longitude, altitude, accuracy };

  g_array_append_val (fake->fixes, fix);
}

/* Start refuses the app, as GeoClue does for an app its configuration disallows. */
void
rs_fake_geoclue_set_refuse (RsFakeGeoclue *fake,
                            gboolean       refuse)
{
  fake->refuse = refuse;
}

/* GeoClue before 2.5: GetClient only. */
void
rs_fake_geoclue_set_old_api (RsFakeGeoclue *fake,
                             gboolean       old_api)
{
  fake->old_api = old_api;
}

/* No agent for the user: GetClient and CreateClient never answer, as with GeoClue 2.6. */
void
rs_fake_geoclue_set_no_agent (RsFakeGeoclue *fake,
                              gboolean       no_agent)
{
  fake->no_agent = no_agent;
}

guint
rs_fake_geoclue_get_n_clients (RsFakeGeoclue *fake)
{
  return fake->n_clients;
}

guint
rs_fake_geoclue_get_n_started (RsFakeGeoclue *fake)
{
  return fake->n_started;
}

guint
rs_fake_geoclue_get_n_stopped (RsFakeGeoclue *fake)
{
  return fake->n_stopped;
}

guint
rs_fake_geoclue_get_n_deleted (RsFakeGeoclue *fake)
{
  return fake->n_deleted;
}

/* Clients started and not stopped. */
guint
rs_fake_geoclue_get_n_active (RsFakeGeoclue *fake)
{
  guint n = 0;

  for (guint i = 0; i < fake->clients->len; i++)
    n += ((Client *) g_ptr_array_index (fake->clients, i))->active ? 1 : 0;
  return n;
}

const char *
rs_fake_geoclue_get_desktop_id (RsFakeGeoclue *fake)
{
  return fake->desktop_id;
}

guint
rs_fake_geoclue_get_accuracy_level (RsFakeGeoclue *fake)
{
  return fake->accuracy_level;
}
