/* rs-sync-engine.h: sends the store's outbox to the district server, oldest first, exactly once.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "rs-openrosa-client.h"
#include "rs-retry-policy.h"
#include "rs-store.h"

G_BEGIN_DECLS

#define RS_SYNC_ERROR (rs_sync_error_quark ())

typedef enum
{
  RS_SYNC_ERROR_BUSY,       /* a run is already in progress */
  RS_SYNC_ERROR_STORE,      /* the tablet database failed; nothing was marked wrongly */
  RS_SYNC_ERROR_DOWNLOAD,   /* a form or the assignment list could not be used */
} RsSyncError;

GQuark rs_sync_error_quark (void);

typedef enum
{
  RS_SYNC_RUN_MANUAL,     /* the enumerator pressed Sync: every waiting record, now */
  RS_SYNC_RUN_AUTOMATIC,  /* network came up or the timer fired: only records that are due */
} RsSyncRunMode;

/* What happened to one record in a run. */
typedef struct
{
  char          *instance_id;
  RsRetryAction  action;
  RsRetryReason  reason;
  long           http_status;
  char          *message;      /* the server's message, or the transfer error */
  gint64         next_attempt_at;  /* µs since 1970, for RETRY */
} RsSyncItem;

void rs_sync_item_free (RsSyncItem *item);

/* The outcome of one run. */
typedef struct
{
  GPtrArray     *items;           /* RsSyncItem, in the order they were sent */
  guint          n_waiting;       /* records that were due at the start */
  guint          n_sent;
  guint          n_parked;
  guint          n_retry;
  guint          n_not_tried;     /* left for later because the batch stopped */
  RsRetryAction  stopped;         /* SUCCESS if the batch ran to its end */
  RsRetryReason  stop_reason;
  long           stop_http_status;
  char          *stop_message;
} RsSyncReport;

void     rs_sync_report_free               (RsSyncReport *report);
/* TRUE when every record that was waiting is now acknowledged by the server. */
gboolean rs_sync_report_all_acknowledged   (const RsSyncReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSyncItem, rs_sync_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsSyncReport, rs_sync_report_free)

/* Called on the worker thread after the server's acknowledgement was verified and before it is
 * committed to the store; fault-injection tests use it to kill the process at that moment. */
typedef void (*RsSyncAckHook) (const char *instance_id,
                               gpointer    user_data);

#define RS_TYPE_SYNC_ENGINE (rs_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (RsSyncEngine, rs_sync_engine, RS, SYNC_ENGINE, GObject)

RsSyncEngine *rs_sync_engine_new               (RsStore                *store,
                                                const char             *server_url);

const char   *rs_sync_engine_get_server_url    (RsSyncEngine           *self);
void          rs_sync_engine_set_credentials   (RsSyncEngine           *self,
                                                const char             *username,
                                                const char             *password);
void          rs_sync_engine_set_token         (RsSyncEngine           *self,
                                                const char             *token);
/* Default: the store's device id. */
void          rs_sync_engine_set_device_id     (RsSyncEngine           *self,
                                                const char             *device_id);
void          rs_sync_engine_set_pinned_key    (RsSyncEngine           *self,
                                                const char             *pinned_key);
void          rs_sync_engine_set_ca_file       (RsSyncEngine           *self,
                                                const char             *ca_file);
void          rs_sync_engine_set_limits        (RsSyncEngine           *self,
                                                const RsOpenRosaLimits *limits);
void          rs_sync_engine_set_retry_policy  (RsSyncEngine           *self,
                                                const RsRetryPolicy    *policy);
void          rs_sync_engine_set_ack_hook      (RsSyncEngine           *self,
                                                RsSyncAckHook           hook,
                                                gpointer                user_data);
gboolean      rs_sync_engine_is_running        (RsSyncEngine           *self);

/* One run, blocking (CLI, tests, or a worker thread). Transfer problems are not errors: they
 * are in the report. @error is set only when the store fails or a run is already going. */
RsSyncReport *rs_sync_engine_run               (RsSyncEngine           *self,
                                                RsSyncRunMode           mode,
                                                GCancellable           *cancellable,
                                                GError                **error);
/* The same on a worker thread; signals are emitted on the thread-default main context of the
 * caller of rs_sync_engine_new(). */
void          rs_sync_engine_run_async         (RsSyncEngine           *self,
                                                RsSyncRunMode           mode,
                                                GCancellable           *cancellable,
                                                GAsyncReadyCallback     callback,
                                                gpointer                user_data);
RsSyncReport *rs_sync_engine_run_finish        (RsSyncEngine           *self,
                                                GAsyncResult           *result,
                                                GError                **error);

/* Form updates: fetches the formList and stores every form whose version or hash the tablet
 * lacks (the download is checked against the list's md5). Blocking; see the _async variant. */
gboolean      rs_sync_engine_update_forms      (RsSyncEngine           *self,
                                                GCancellable           *cancellable,
                                                guint                  *n_updated,
                                                GError                **error);
void          rs_sync_engine_update_forms_async  (RsSyncEngine         *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean      rs_sync_engine_update_forms_finish (RsSyncEngine         *self,
                                                  GAsyncResult         *result,
                                                  guint                *n_updated,
                                                  GError              **error);

/* Assignments: downloads the households to visit for @communes (NULL-terminated) and replaces
 * the tablet's list with them. */
gboolean      rs_sync_engine_update_assignments (RsSyncEngine          *self,
                                                 const char * const    *communes,
                                                 GCancellable          *cancellable,
                                                 guint                 *n_assignments,
                                                 GError               **error);
void          rs_sync_engine_update_assignments_async  (RsSyncEngine        *self,
                                                        const char * const  *communes,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean      rs_sync_engine_update_assignments_finish (RsSyncEngine        *self,
                                                        GAsyncResult        *result,
                                                        guint               *n_assignments,
                                                        GError             **error);

/* Automatic runs: when GNetworkMonitor reports the network up, and on a timer at the earliest
 * next-attempt time while records wait. Stops after an authentication or security stop until
 * credentials change or a manual run succeeds. */
void          rs_sync_engine_set_automatic     (RsSyncEngine           *self,
                                                gboolean                automatic);
gboolean      rs_sync_engine_get_automatic     (RsSyncEngine           *self);
/* Tell the engine a record was just finalized: in automatic mode it syncs within a second
 * (several finalizes in a row make one run). */
void          rs_sync_engine_record_queued     (RsSyncEngine           *self);

G_END_DECLS
