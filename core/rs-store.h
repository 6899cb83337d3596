/* rs-store.h: the tablet's offline store (SQLite, WAL + synchronous=FULL): records, outbox,
 * assignments, audit log. Every answer is durable the moment the save returns.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "rs-record.h"

G_BEGIN_DECLS

#define RS_STORE_ERROR (rs_store_error_quark ())
GQuark rs_store_error_quark (void);

typedef enum
{
  RS_STORE_ERROR_FAILED,
  RS_STORE_ERROR_CORRUPT,        /* the file is damaged or not a rasoat database; left untouched */
  RS_STORE_ERROR_TOO_NEW,        /* written by a newer rasoat */
  RS_STORE_ERROR_FULL,           /* no space left */
  RS_STORE_ERROR_READ_ONLY,      /* the file cannot be written */
  RS_STORE_ERROR_IO,             /* the storage failed; the store is closed, reopen it */
  RS_STORE_ERROR_BUSY,           /* another program holds the database */
  RS_STORE_ERROR_CLOSED,
  RS_STORE_ERROR_NOT_FOUND,
  RS_STORE_ERROR_INVALID_STATE,  /* e.g. saving into a finalized record */
  RS_STORE_ERROR_INVALID,        /* bad input, e.g. an instance without the right instanceID */
  RS_STORE_ERROR_EXISTS,         /* a record with this instanceID is already stored */
} RsStoreError;

/* The schema version this build writes (PRAGMA user_version). */
#define RS_STORE_SCHEMA_VERSION 2

/* RsStore: one per database file and process.
 *
 * Threads: every call is safe from any thread (one lock per store, held for the whole
 * operation). The synchronous calls block on SQLite and the disk: call them from the CLI, tests
 * or a worker thread (the sync engine). The UI calls the *_async variants, which run in order on
 * the store's single worker thread, so the writes of one screen never overtake each other;
 * cancelling only drops work that has not started (a commit is never interrupted).
 *
 * Durability: a call that writes returns TRUE only after its one transaction is committed with
 * WAL + synchronous=FULL, i.e. on disk. On FALSE nothing of it was written and everything saved
 * before is intact; after RS_STORE_ERROR_IO the store closes itself and must be reopened (the
 * last change may or may not be on disk: read it back).
 *
 * Order: created_seq/updated_seq come from a counter in the file, never from the clock. */
#define RS_TYPE_STORE (rs_store_get_type ())
G_DECLARE_FINAL_TYPE (RsStore, rs_store, RS, STORE, GObject)

typedef enum
{
  RS_STORE_OPEN_DEFAULT = 0,
  RS_STORE_OPEN_READ_ONLY = 1 << 0,  /* for looking and exporting: nothing is ever written */
} RsStoreOpenFlags;

/* Opening: pragmas on the connection, quick_check, migrations in one transaction. */
RsStore    *rs_store_new          (const char           *path,
                                   RsStoreOpenFlags      flags,
                                   GCancellable         *cancellable,
                                   GError              **error);
void        rs_store_new_async    (const char           *path,
                                   RsStoreOpenFlags      flags,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
RsStore    *rs_store_new_finish   (GAsyncResult         *result,
                                   GError              **error);
void        rs_store_close        (RsStore              *self);
const char *rs_store_get_path     (RsStore              *self);
gboolean    rs_store_is_read_only (RsStore              *self);
char       *rs_store_dup_device_id (RsStore             *self,
                                    GError             **error);
char       *rs_store_get_setting  (RsStore              *self,
                                   const char           *key,
                                   GError              **error);
gboolean    rs_store_set_setting  (RsStore              *self,
                                   const char           *key,
                                   const char           *value,
                                   GError              **error);

/* Forms and standards. The hash is "md5:…" as an OpenRosa formList gives it. */
gboolean    rs_store_put_form     (RsStore              *self,
                                   const char           *form_id,
                                   const char           *version,
                                   GBytes               *xform,
                                   GError              **error);
GBytes     *rs_store_get_form     (RsStore              *self,
                                   const char           *form_id,
                                   const char           *version,   /* NULL: the newest */
                                   char                **out_version,
                                   char                **out_hash,
                                   GError              **error);
gboolean    rs_store_put_standard (RsStore              *self,
                                   const char           *standard_id,
                                   const char           *version,
                                   GBytes               *json,
                                   GError              **error);
GBytes     *rs_store_get_standard (RsStore              *self,
                                   const char           *standard_id,
                                   const char           *version,   /* NULL: the newest */
                                   GError              **error);

/* Records. */
RsRecord   *rs_store_create_draft (RsStore               *self,
                                   const char            *form_id,
                                   const char            *form_version,
                                   const char            *instance_id,   /* NULL: a new uuid: */
                                   GBytes                *instance_xml,  /* nullable */
                                   const RsRecordSummary *summary,       /* nullable */
                                   const char            *assignment_id, /* nullable */
                                   GError               **error);
gboolean    rs_store_save_answer  (RsStore               *self,
                                   const RsRecordUpdate  *update,
                                   GError               **error);
void        rs_store_save_answer_async  (RsStore              *self,
                                         const RsRecordUpdate *update,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    rs_store_save_answer_finish (RsStore              *self,
                                         GAsyncResult         *result,
                                         GError              **error);

/* Filters for listing; zero-initialise, then set what you need. */
typedef struct
{
  gboolean       any_state;  /* TRUE: every state except deleted; FALSE: only @state */
  RsRecordState  state;
  const char    *village;    /* exact match, or NULL */
  const char    *text;       /* head's name or household code, diacritics-insensitive */
  guint          limit;      /* 0: no limit */
  gboolean       with_xml;   /* also load instance XML (exports) */
} RsRecordQuery;

#define RS_RECORD_QUERY_ALL ((RsRecordQuery) { .any_state = TRUE })

GPtrArray  *rs_store_list_records (RsStore               *self,
                                   const RsRecordQuery   *query,   /* NULL: all */
                                   GError               **error);
void        rs_store_list_records_async  (RsStore             *self,
                                          const RsRecordQuery *query,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray  *rs_store_list_records_finish (RsStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);
RsRecord   *rs_store_get_record   (RsStore               *self,
                                   const char            *instance_id,
                                   GError               **error);
RsRecord   *rs_store_reopen_draft (RsStore               *self,
                                   const char            *instance_id,
                                   gint64                 elapsed_ms,
                                   GError               **error);
gboolean    rs_store_finalize     (RsStore               *self,
                                   const char            *instance_id,
                                   GBytes                *final_xml,
                                   const char            *score_json,
                                   const RsRecordSummary *summary,
                                   GError               **error);
void        rs_store_finalize_async  (RsStore               *self,
                                      const char            *instance_id,
                                      GBytes                *final_xml,
                                      const char            *score_json,
                                      const RsRecordSummary *summary,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data);
gboolean    rs_store_finalize_finish (RsStore               *self,
                                      GAsyncResult          *result,
                                      GError               **error);
RsRecord   *rs_store_edit_sent    (RsStore               *self,
                                   const char            *sent_instance_id,
                                   GBytes                *new_xml,
                                   const char            *score_json,
                                   const RsRecordSummary *summary,
                                   GError               **error);
gboolean    rs_store_delete_draft (RsStore               *self,
                                   const char            *instance_id,
                                   GError               **error);
GPtrArray  *rs_store_list_audit   (RsStore               *self,
                                   const char            *instance_id,
                                   GError               **error);

/* Exports and backup. */
typedef enum
{
  RS_EXPORT_XML,
  RS_EXPORT_CSV,
} RsExportFormat;

gboolean    rs_store_export       (RsStore               *self,
                                   RsExportFormat         format,
                                   const char            *directory,
                                   const RsRecordQuery   *query,   /* NULL: all but deleted */
                                   guint                 *n_records,
                                   GError               **error);
void        rs_store_export_async  (RsStore              *self,
                                    RsExportFormat        format,
                                    const char           *directory,
                                    const RsRecordQuery  *query,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gboolean    rs_store_export_finish (RsStore              *self,
                                    GAsyncResult         *result,
                                    guint                *n_records,
                                    GError              **error);
gboolean    rs_store_backup       (RsStore               *self,
                                   const char            *destination,
                                   GError               **error);
void        rs_store_backup_async  (RsStore              *self,
                                    const char           *destination,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gboolean    rs_store_backup_finish (RsStore              *self,
                                    GAsyncResult         *result,
                                    GError              **error);

/* Housekeeping: fold the WAL back into the file when the app is idle or paused. */
gboolean    rs_store_checkpoint        (RsStore              *self,
                                        GError              **error);
void        rs_store_checkpoint_async  (RsStore              *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean    rs_store_checkpoint_finish (RsStore              *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* The outbox, for the sync engine: one row per finalized record version. */
typedef enum
{
  RS_OUTBOX_QUEUED,
  RS_OUTBOX_SENDING,
  RS_OUTBOX_SENT,
} RsOutboxState;

typedef struct
{
  gint64         id;
  char          *instance_id;
  char          *form_id;
  char          *form_version;
  guint          record_version;
  GBytes        *payload;           /* the exact submission bytes */
  char          *sha256;            /* hex SHA-256 of @payload */
  guint          attempts;
  gint64         next_attempt_at;   /* wall clock, µs since 1970; 0 = now */
  int            last_http_status;  /* 0 = none */
  char          *last_message;
  RsOutboxState  state;
  gboolean       parked;
  gint64         queued_seq;
} RsOutboxEntry;

void rs_outbox_entry_free (RsOutboxEntry *entry);

typedef struct
{
  guint queued;   /* waiting, not parked (includes rows interrupted while sending) */
  guint sending;
  guint parked;
  guint sent;
} RsOutboxCounts;

typedef struct
{
  gint64  seq;
  gint64  at;
  char   *instance_id;
  char   *event;
  int     http_status;
  char   *message;
} RsSyncLogEntry;

void rs_sync_log_entry_free (RsSyncLogEntry *entry);

GPtrArray *rs_store_outbox_next_due  (RsStore         *self,
                                      gint64           now,
                                      guint            limit,
                                      GError         **error);
RsOutboxEntry *rs_store_outbox_get   (RsStore         *self,
                                      const char      *instance_id,
                                      GError         **error);
gboolean   rs_store_outbox_mark_sending (RsStore      *self,
                                         gint64        outbox_id,
                                         GError      **error);
gboolean   rs_store_outbox_mark_sent (RsStore         *self,
                                      gint64           outbox_id,
                                      int              http_status,
                                      const char      *server_message,
                                      GError         **error);
gboolean   rs_store_outbox_reschedule (RsStore        *self,
                                       gint64          outbox_id,
                                       gint64          next_attempt_at,
                                       int             http_status,
                                       const char     *message,
                                       GError        **error);
gboolean   rs_store_outbox_park      (RsStore         *self,
                                      gint64           outbox_id,
                                      int              http_status,
                                      const char      *server_message,
                                      GError         **error);
gboolean   rs_store_outbox_unpark    (RsStore         *self,
                                      gint64           outbox_id,
                                      GError         **error);
gboolean   rs_store_outbox_counts    (RsStore         *self,
                                      RsOutboxCounts  *counts,
                                      GError         **error);
gboolean   rs_store_sync_log_add     (RsStore         *self,
                                      const char      *instance_id,
                                      const char      *event,
                                      int              http_status,
                                      const char      *message,
                                      GError         **error);
GPtrArray *rs_store_sync_log_list    (RsStore         *self,
                                      const char      *instance_id,  /* NULL: all */
                                      guint            limit,
                                      GError         **error);

/* Assignments: the households to visit, from the server's list. */
typedef struct
{
  char *id;
  char *village;
  char *household_code;
  char *head_name;
  char *previous_status;
  char *prefill_json;
  char *record_instance_id;  /* the draft started from it, or NULL */
} RsAssignment;

RsAssignment *rs_assignment_new  (const char *id,
                                  const char *village,
                                  const char *household_code,
                                  const char *head_name,
                                  const char *previous_status,
                                  const char *prefill_json);
void          rs_assignment_free (RsAssignment *assignment);

gboolean      rs_store_replace_assignments (RsStore      *self,
                                            GPtrArray    *assignments,
                                            GError      **error);
GPtrArray    *rs_store_list_assignments    (RsStore      *self,
                                            const char   *village,   /* NULL: all */
                                            GError      **error);
RsAssignment *rs_store_get_assignment      (RsStore      *self,
                                            const char   *id,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsOutboxEntry, rs_outbox_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSyncLogEntry, rs_sync_log_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsAssignment, rs_assignment_free)

G_END_DECLS
