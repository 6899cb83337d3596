/* rs-store-private.h: internals shared by rs-store*.c (the connection, statements, errors).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "rs-store.h"

G_BEGIN_DECLS

/* "rsat" in PRAGMA application_id: marks a file as a rasoat tablet database. */
#define RS_STORE_APPLICATION_ID 0x72736174

struct _RsStore
{
  GObject           parent_instance;

  char             *path;
  RsStoreOpenFlags  flags;
  GMutex            lock;         /* guards everything below; held for each whole operation */
  sqlite3          *db;
  GHashTable       *statements;   /* SQL text (static string) → sqlite3_stmt */
  GThreadPool      *worker;       /* one thread: the UI's operations run there, in order */
  gboolean          read_only;
  gboolean          broken;       /* an I/O error hit a commit: closed until reopened */
};

/* Everything below expects self->lock to be held. */
sqlite3_stmt *_rs_store_prepare      (RsStore       *self,
                                      const char    *sql,
                                      GError       **error);
gboolean      _rs_store_check_open   (RsStore       *self,
                                      gboolean       for_writing,
                                      GError       **error);
gboolean      _rs_store_fail         (RsStore       *self,
                                      int            rc,
                                      GError       **error);
gboolean      _rs_store_exec         (RsStore       *self,
                                      const char    *sql,
                                      GError       **error);
gboolean      _rs_store_step_done    (RsStore       *self,
                                      sqlite3_stmt  *stmt,
                                      GError       **error);
gboolean      _rs_store_begin        (RsStore       *self,
                                      GError       **error);
gboolean      _rs_store_commit       (RsStore       *self,
                                      GError       **error);
void          _rs_store_rollback     (RsStore       *self);
gint64        _rs_store_next_seq     (RsStore       *self,
                                      GError       **error);
gboolean      _rs_store_sync_log_add (RsStore       *self,
                                      const char    *instance_id,
                                      const char    *event,
                                      int            http_status,
                                      const char    *message,
                                      GError       **error);
GPtrArray    *_rs_store_list_records (RsStore             *self,
                                      const RsRecordQuery *query,
                                      GError             **error);
void          _rs_store_bind_text    (sqlite3_stmt  *stmt,
                                      int            index,
                                      const char    *text);
char         *_rs_store_column_dup   (sqlite3_stmt  *stmt,
                                      int            column);
GBytes       *_rs_store_column_bytes (sqlite3_stmt  *stmt,
                                      int            column);

/* rs-store-migrations.c */
gboolean      _rs_store_migrate      (RsStore       *self,
                                      int            from_version,
                                      GError       **error);

/* rs-store-export.c */
gboolean      _rs_store_export       (RsStore             *self,
                                      RsExportFormat       format,
                                      const char          *directory,
                                      const RsRecordQuery *query,
                                      guint               *n_records,
                                      GCancellable        *cancellable,
                                      GError             **error);
gboolean      _rs_store_backup       (RsStore       *self,
                                      const char    *destination,
                                      GError       **error);

/* For tests and benchmarks only: the connection, to read pragmas back or limit its size. */
sqlite3      *_rs_store_get_db       (RsStore       *self);

G_END_DECLS
