/* rs-server-store.h: the district server's storage interface (a vtable; SQLite and PostgreSQL).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "rs-submission.h"

G_BEGIN_DECLS

#define RS_SERVER_STORE_ERROR (rs_server_store_error_quark ())

typedef enum
{
  RS_SERVER_STORE_ERROR_OPEN,
  RS_SERVER_STORE_ERROR_NOT_INITIALIZED,
  RS_SERVER_STORE_ERROR_QUERY,
  RS_SERVER_STORE_ERROR_NOT_FOUND,
  RS_SERVER_STORE_ERROR_EXISTS,
  RS_SERVER_STORE_ERROR_INVALID,
} RsServerStoreError;

typedef enum
{
  RS_ROLE_ENUMERATOR,
  RS_ROLE_COMMUNE_OFFICER,
  RS_ROLE_DISTRICT_ADMIN,
} RsRole;

/* What storing one submission did. Every outcome is decided inside one transaction, with the
 * UNIQUE constraint on instance_id (not a check before the insert) settling races. */
typedef enum
{
  RS_RECORD_STORED,          /* a new record version was committed */
  RS_RECORD_DUPLICATE,       /* the same bytes were already stored under this instanceID */
  RS_RECORD_CONFLICT,        /* other bytes are stored under this instanceID */
  RS_RECORD_STALE,           /* deprecatedID names a version that is no longer current */
  RS_RECORD_UNKNOWN_BASE,    /* deprecatedID names a version the server never received */
  RS_RECORD_OTHER_COMMUNE,   /* deprecatedID names a version of another commune */
} RsRecordOutcome;

typedef struct
{
  char     *username;
  RsRole    role;
  char    **communes;        /* commune codes; empty for a district admin (all communes) */
  char     *password_hash;   /* Argon2id string from crypto_pwhash_str() */
  char     *digest_ha1;      /* hex MD5(username:realm:password) for HTTP Digest */
  gboolean  active;
} RsServerUser;

typedef struct
{
  char   *form_id;
  char   *version;
  char   *name;
  char   *md5;              /* hex MD5 of @xml, as formList publishes it */
  GBytes *xml;              /* NULL in listings */
} RsServerForm;

/* One stored record version, as the JSON API and the export print it. */
typedef struct
{
  const char *instance_id;
  const char *deprecated_id;    /* NULL for a first version */
  const char *superseded_by;    /* NULL for the current version */
  const char *form_id;
  const char *form_version;
  const char *commune_code;
  const char *village;
  const char *household_code;
  const char *head_name;
  const char *review_date;
  const char *enumerator;
  const char *submitted_by;
  gint64      received_us;      /* server time, microseconds since the epoch (UTC) */
  const char *sha256;
  const char *classification;   /* "" when not scored */
  const char *score_json;       /* "" when not scored */
} RsServerRecordRow;

typedef struct
{
  const char *commune_code;
  const char *household_code;
  const char *village;
  const char *head_name;
  const char *previous_status;
  const char *source;           /* "list" (last year's list) or "application" */
} RsServerAssignment;

typedef gboolean (*RsServerRecordFunc)      (const RsServerRecordRow  *row,
                                             gpointer                  user_data);
typedef gboolean (*RsServerAssignmentFunc)  (const RsServerAssignment *row,
                                             gpointer                  user_data);

typedef struct _RsServerStore RsServerStore;

/* The backend vtable. Every function is safe to call from several threads at once. */
typedef struct
{
  const char *name;
  void      (*close)            (RsServerStore *self);
  gboolean  (*user_add)         (RsServerStore *self, const RsServerUser *user, GError **error);
  gboolean  (*user_update)      (RsServerStore *self, const RsServerUser *user, GError **error);
  RsServerUser *(*user_get)     (RsServerStore *self, const char *username, GError **error);
  GPtrArray *(*user_list)       (RsServerStore *self, GError **error);
  gboolean  (*token_add)        (RsServerStore *self, const char *username, const char *device,
                                 const char *token_sha256, GError **error);
  guint     (*token_revoke)     (RsServerStore *self, const char *username, const char *device,
                                 GError **error);
  /* The active user holding an unrevoked token, in one query. */
  RsServerUser *(*token_lookup) (RsServerStore *self, const char *token_sha256, GError **error);
  gboolean  (*commune_put)      (RsServerStore *self, const char *code, const char *name,
                                 GError **error);
  gboolean  (*form_put)         (RsServerStore *self, const RsServerForm *form,
                                 gboolean *added, GError **error);
  RsServerForm *(*form_get)     (RsServerStore *self, const char *form_id, const char *version,
                                 gboolean with_xml, GError **error);
  GPtrArray *(*form_list)       (RsServerStore *self, GError **error);
  /* Stores one submission and, in the same transaction, its "submission" audit row. */
  gboolean  (*record_put)       (RsServerStore *self, const RsSubmission *submission,
                                 const char *submitted_by, const char *remote,
                                 gint64 received_us,
                                 const char *classification, const char *score_json,
                                 RsRecordOutcome *outcome, GError **error);
  gboolean  (*records_foreach)  (RsServerStore *self, const char *commune_code,
                                 gboolean latest_only, RsServerRecordFunc func,
                                 gpointer user_data, GError **error);
  GBytes   *(*record_xml)       (RsServerStore *self, const char *instance_id, GError **error);
  gint64    (*record_count)     (RsServerStore *self, GError **error);
  gint64    (*attachment_count) (RsServerStore *self, const char *instance_id, GError **error);
  gboolean  (*assignments_replace) (RsServerStore *self, const char *commune_code,
                                 GPtrArray *assignments, GError **error);
  gboolean  (*assignments_foreach) (RsServerStore *self, const char *commune_code,
                                 RsServerAssignmentFunc func, gpointer user_data,
                                 GError **error);
  gboolean  (*audit)            (RsServerStore *self, const char *event, const char *username,
                                 const char *remote, const char *detail, GError **error);
  gint64    (*audit_count)      (RsServerStore *self, const char *event, GError **error);
} RsServerStoreClass;

struct _RsServerStore
{
  const RsServerStoreClass *klass;
};

GQuark          rs_server_store_error_quark  (void);

/* @location is a file path (SQLite) or a postgresql:// / postgres:// URI (libpq). With @create
 * FALSE the database must already have been created with rs-server init. */
RsServerStore  *rs_server_store_open         (const char  *location,
                                              gboolean     create,
                                              GError     **error);
void            rs_server_store_close        (RsServerStore *self);
const char     *rs_server_store_backend_name (RsServerStore *self);
gboolean        rs_server_store_is_postgresql_location (const char *location);

const char     *rs_role_to_string            (RsRole       role);
gboolean        rs_role_from_string          (const char  *text,
                                              RsRole      *role);
void            rs_server_user_free          (RsServerUser *user);
gboolean        rs_server_user_has_commune   (const RsServerUser *user,
                                              const char         *commune_code);
void            rs_server_form_free          (RsServerForm *form);
RsServerAssignment *rs_server_assignment_copy (const RsServerAssignment *row);
void            rs_server_assignment_free    (RsServerAssignment *row);
const char     *rs_record_outcome_to_string  (RsRecordOutcome outcome);

/* Backends (rs-server-store-sqlite.c, rs-server-store-pg.c). */
RsServerStore  *rs_server_store_sqlite_open  (const char  *path,
                                              gboolean     create,
                                              GError     **error);
RsServerStore  *rs_server_store_pg_open      (const char  *conninfo,
                                              gboolean     create,
                                              GError     **error);
/* Reads back a PRAGMA on the live SQLite connection (tests assert WAL and FULL). */
char           *rs_server_store_sqlite_pragma (RsServerStore *store,
                                               const char    *pragma);

/* Thin dispatchers to the vtable, so callers read naturally. */
#define rs_server_store_user_add(s, ...)         ((s)->klass->user_add ((s), __VA_ARGS__))
#define rs_server_store_user_update(s, ...)      ((s)->klass->user_update ((s), __VA_ARGS__))
#define rs_server_store_user_get(s, ...)         ((s)->klass->user_get ((s), __VA_ARGS__))
#define rs_server_store_user_list(s, ...)        ((s)->klass->user_list ((s), __VA_ARGS__))
#define rs_server_store_token_add(s, ...)        ((s)->klass->token_add ((s), __VA_ARGS__))
#define rs_server_store_token_revoke(s, ...)     ((s)->klass->token_revoke ((s), __VA_ARGS__))
#define rs_server_store_token_lookup(s, ...)     ((s)->klass->token_lookup ((s), __VA_ARGS__))
#define rs_server_store_commune_put(s, ...)      ((s)->klass->commune_put ((s), __VA_ARGS__))
#define rs_server_store_form_put(s, ...)         ((s)->klass->form_put ((s), __VA_ARGS__))
#define rs_server_store_form_get(s, ...)         ((s)->klass->form_get ((s), __VA_ARGS__))
#define rs_server_store_form_list(s, ...)        ((s)->klass->form_list ((s), __VA_ARGS__))
#define rs_server_store_record_put(s, ...)       ((s)->klass->record_put ((s), __VA_ARGS__))
#define rs_server_store_records_foreach(s, ...)  ((s)->klass->records_foreach ((s), __VA_ARGS__))
#define rs_server_store_record_xml(s, ...)       ((s)->klass->record_xml ((s), __VA_ARGS__))
#define rs_server_store_record_count(s, ...)     ((s)->klass->record_count ((s), __VA_ARGS__))
#define rs_server_store_attachment_count(s, ...) ((s)->klass->attachment_count ((s), __VA_ARGS__))
#define rs_server_store_assignments_replace(s, ...) \
  ((s)->klass->assignments_replace ((s), __VA_ARGS__))
#define rs_server_store_assignments_foreach(s, ...) \
  ((s)->klass->assignments_foreach ((s), __VA_ARGS__))
#define rs_server_store_audit(s, ...)            ((s)->klass->audit ((s), __VA_ARGS__))
#define rs_server_store_audit_count(s, ...)      ((s)->klass->audit_count ((s), __VA_ARGS__))

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsServerUser, rs_server_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsServerForm, rs_server_form_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsServerStore, rs_server_store_close)

G_END_DECLS
