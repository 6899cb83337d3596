/* rs-records.h: what the app reads from and writes to the store, always off the main thread.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "rs-form.h"
#include "rs-format.h"
#include "rs-score.h"
#include "rs-store.h"

G_BEGIN_DECLS

RsDisplayState rs_records_display_state (RsRecordState state);

/* Opening: the store and the tablet's device id. */
void        rs_records_open_async        (const char          *db_path,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
RsStore    *rs_records_open_finish       (GAsyncResult        *result,
                                          char               **out_device_id,
                                          GError             **error);

/* Today: the households (records in their latest version and assignments not started) and the
 * counts at the top. */
typedef struct
{
  GPtrArray *items;           /* (element-type RsHomeItem) */
  guint      reviewed_today;
  guint      waiting;
  guint      needing_attention;
} RsHomeData;

void        rs_home_data_free            (RsHomeData          *data);
void        rs_records_load_home_async   (RsStore             *store,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
RsHomeData *rs_records_load_home_finish  (GAsyncResult        *result,
                                          GError             **error);

/* The sync page: what waits, what was refused and why, what was sent when, the log. */
typedef struct
{
  gint64         outbox_id;       /* 0 when the record has no outbox row */
  char          *instance_id;
  char          *head_name;
  char          *village;
  RsRecordState  state;
  gint64         updated_at;      /* µs since 1970 */
  int            http_status;     /* last answer of the server, 0 if none */
  char          *message;         /* the server's message or the transfer error */
  guint          attempts;
  gint64         next_attempt_at;
  /* Versions after edits (the store numbers them: 1, then +1 for each edit after sending): two versions of one household must not look
   * like the same household sent twice. */
  char          *deprecated_id;   /* the version this one replaces, or NULL */
  guint          version;         /* 1 for the first */
  gint64         created_at;      /* when this version was made (µs since 1970) */
  guint          newer_version;   /* the version that replaced this one, 0 if none */
  RsDisplayState newer_state;     /* where that newer version stands */
} RsSyncRecord;

typedef struct
{
  RsOutboxCounts counts;
  GPtrArray     *waiting;        /* (element-type RsSyncRecord) finalized, not sent yet */
  GPtrArray     *refused;        /* (element-type RsSyncRecord) parked by the server */
  GPtrArray     *sent;           /* (element-type RsSyncRecord) newest first, each replaced
                                  * version just below the version that replaced it */
  GPtrArray     *log;            /* (element-type RsSyncLogEntry) newest first */
} RsSyncData;

void        rs_sync_data_free            (RsSyncData          *data);
void        rs_records_load_sync_async   (RsStore             *store,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
RsSyncData *rs_records_load_sync_finish  (GAsyncResult        *result,
                                          GError             **error);

/* Sends a refused record again (after the enumerator fixed what the server said). */
void        rs_records_unpark_async      (RsStore             *store,
                                          gint64               outbox_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    rs_records_unpark_finish     (GAsyncResult        *result,
                                          GError             **error);

/* The household form and the standards it is scored with, from the data directory. */
void        rs_records_load_form_async   (const char          *data_dir,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
RsForm     *rs_records_load_form_finish  (GAsyncResult        *result,
                                          RsScorer           **out_scorer,
                                          GError             **error);

/* A new draft, in one durable commit, keyed by the instance's meta/instanceID. */
void        rs_records_create_draft_async  (RsStore             *store,
                                            RsForm              *form,
                                            GBytes              *instance_xml,
                                            const char          *assignment_id,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
RsRecord   *rs_records_create_draft_finish (GAsyncResult        *result,
                                            GError             **error);

/* A value kept in the tablet's database (e.g. the server password: not in GSettings). */
void        rs_records_set_setting_async  (RsStore             *store,
                                           const char          *key,
                                           const char          *value,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    rs_records_set_setting_finish (GAsyncResult        *result,
                                           GError             **error);
void        rs_records_get_setting_async  (RsStore             *store,
                                           const char          *key,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
char       *rs_records_get_setting_finish (GAsyncResult        *result,
                                           GError             **error);

/* A refused record back to a draft, to correct it. */
void        rs_records_reopen_async       (RsStore             *store,
                                           const char          *instance_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
RsRecord   *rs_records_reopen_finish      (GAsyncResult        *result,
                                           GError             **error);

/* A sent record edited as a new version: @new_xml (rs_form_session_new_version()) becomes a
 * draft linked to @sent_instance_id, which stays sent until the new version is. */
void        rs_records_edit_sent_async    (RsStore             *store,
                                           const char          *sent_instance_id,
                                           GBytes              *new_xml,
                                           const char          *score_json,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
RsRecord   *rs_records_edit_sent_finish   (GAsyncResult        *result,
                                           GError             **error);

/* Where one record stands among the versions of its household (the store numbers them: 1, then +1 for each edit after sending). */
typedef struct
{
  guint          version;         /* 1 for the first */
  gint64         created_at;      /* when this version was made (µs since 1970) */
  guint          newer_version;   /* the version that replaced this one, 0 if none */
  RsDisplayState newer_state;     /* where that newer version stands */
} RsRecordVersion;

void        rs_records_get_version_async  (RsStore             *store,
                                           const char          *instance_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean    rs_records_get_version_finish (GAsyncResult        *result,
                                           RsRecordVersion     *out_version,
                                           GError             **error);

/* One record, with its XML. */
void        rs_records_get_async         (RsStore             *store,
                                          const char          *instance_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
RsRecord   *rs_records_get_finish        (GAsyncResult        *result,
                                          GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsHomeData, rs_home_data_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSyncData, rs_sync_data_free)

G_END_DECLS
