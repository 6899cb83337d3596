/* rs-server-store.c: backend choice and the value types of the server storage interface.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-server-store.h"

G_DEFINE_QUARK (rs-server-store-error-quark, rs_server_store_error)

static const char *const role_names[] = {
  [RS_ROLE_ENUMERATOR] = "enumerator",
  [RS_ROLE_COMMUNE_OFFICER] = "commune_officer",
  [RS_ROLE_DISTRICT_ADMIN] = "district_admin",
};

const char *
rs_role_to_string (RsRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), "enumerator");
  return role_names[role];
}

gboolean
rs_role_from_string (const char *text,
                     RsRole     *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    {
      if (text != NULL && g_str_equal (text, role_names[i]))
        {
          *role = (RsRole) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
rs_record_outcome_to_string (RsRecordOutcome outcome)
{
  switch (outcome)
    {
    case RS_RECORD_STORED:
      return "stored";
    case RS_RECORD_DUPLICATE:
      return "duplicate";
    case RS_RECORD_CONFLICT:
      return "conflict";
    case RS_RECORD_STALE:
      return "stale";
    case RS_RECORD_UNKNOWN_BASE:
      return "unknown_base";
    case RS_RECORD_OTHER_COMMUNE:
      return "other_commune";
    default:
      return "unknown";
    }
}

void
rs_server_user_free (RsServerUser *user)
{
  if (user == NULL)
    return;
  g_free (user->username);
  g_strfreev (user->communes);
  g_free (user->password_hash);
  g_free (user->digest_ha1);
  g_free (user);
}

gboolean
rs_server_user_has_commune (const RsServerUser *user,
                            const char         *commune_code)
{
  if (user->role == RS_ROLE_DISTRICT_ADMIN)
    return TRUE;
  if (commune_code == NULL || user->communes == NULL)
    return FALSE;
  return g_strv_contains ((const char *const *) user->communes, commune_code);
}

void
rs_server_form_free (RsServerForm *form)
{
  if (form == NULL)
    return;
  g_free (form->form_id);
  g_free (form->version);
  g_free (form->name);
  g_free (form->md5);
  g_clear_pointer (&form->xml, g_bytes_unref);
  g_free (form);
}

RsServerAssignment *
rs_server_assignment_copy (const RsServerAssignment *row)
{
  RsServerAssignment *copy = g_new0 (RsServerAssignment, 1);

  copy->commune_code = g_strdup (row->commune_code);
  copy->household_code = g_strdup (row->household_code);
  copy->village = g_strdup (row->village != NULL ? row->village : "");
  copy->head_name = g_strdup (row->head_name != NULL ? row->head_name : "");
  copy->previous_status = g_strdup (row->previous_status != NULL ? row->previous_status : "");
  copy->source = g_strdup (row->source != NULL ? row->source : "list");
  return copy;
}

void
rs_server_assignment_free (RsServerAssignment *row)
{
  if (row == NULL)
    return;
  g_free ((char *) row->commune_code);
  g_free ((char *) row->household_code);
  g_free ((char *) row->village);
  g_free ((char *) row->head_name);
  g_free ((char *) row->previous_status);
  g_free ((char *) row->source);
  g_free (row);
}

gboolean
rs_server_store_is_postgresql_location (const char *location)
{
  return g_str_has_prefix (location, "postgresql://") || g_str_has_prefix (location, "postgres://");
}

RsServerStore *
rs_server_store_open (const char  *location,
                      gboolean     create,
                      GError     **error)
{
  g_return_val_if_fail (location != NULL, NULL);

  if (rs_server_store_is_postgresql_location (location))
    {
#ifdef RS_HAVE_POSTGRESQL
      return rs_server_store_pg_open (location, create, error);
#else
      g_set_error (error, RS_SERVER_STORE_ERROR, RS_SERVER_STORE_ERROR_OPEN,
                   _("This rasoat-server was built without PostgreSQL support; use a database "
                     "file or rebuild with libpq."));
      return NULL;
#endif
    }
  return rs_server_store_sqlite_open (location, create, error);
}

void
rs_server_store_close (RsServerStore *self)
{
  if (self != NULL)
    self->klass->close (self);
}

const char *
rs_server_store_backend_name (RsServerStore *self)
{
  return self->klass->name;
}
