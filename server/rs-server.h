/* rs-server.h: the district server's HTTP side (libmicrohttpd): OpenRosa endpoints and JSON API.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <microhttpd.h>

#include "rs-server-store.h"

G_BEGIN_DECLS

#define RS_SERVER_ERROR (rs_server_error_quark ())

typedef enum
{
  RS_SERVER_ERROR_CONFIG,
  RS_SERVER_ERROR_TLS,
  RS_SERVER_ERROR_START,
} RsServerError;

/* Every limit the daemon runs with; rs_server_config_init() sets the production defaults. */
typedef struct
{
  char    *listen_host;                /* "127.0.0.1" */
  guint16  port;                       /* 0 = an ephemeral port (rs_server_get_port) */
  guint    connection_timeout_s;       /* idle seconds before a connection is closed */
  guint    connection_limit;           /* connections at once, all clients */
  guint    per_ip_connection_limit;    /* connections at once from one address (mind NAT) */
  gsize    connection_memory_limit;    /* bytes per connection for headers and buffers */
  gsize    connection_memory_increment;
  guint    thread_pool_size;           /* worker threads, each with its own poll loop */
  guint    listen_backlog;
  int      strict_level;               /* MHD_OPTION_STRICT_FOR_CLIENT: 1 = strict HTTP */
  gsize    max_body_bytes;             /* larger bodies are answered 413 */
  gsize    max_inflight_body_bytes;    /* all bodies being received at once; over it 503 */
  guint    nonce_timeout_s;            /* HTTP Digest nonce lifetime */
  guint    nonce_nc_size;              /* HTTP Digest nonce/nc table size (replay check) */
  guint    max_concurrent_hashes;      /* Argon2id verifications at once */
  char    *tls_cert_path;              /* PEM; both set = HTTPS */
  char    *tls_key_path;
  char    *forms_dir;                  /* *.xml forms loaded into the database at start */
  char    *data_dir;                   /* forms/ and standards/ for scoring at ingest; NULL =
                                        * records are stored unscored */
} RsServerConfig;

typedef struct _RsServer RsServer;

GQuark     rs_server_error_quark      (void);
void       rs_server_config_init      (RsServerConfig *config);
void       rs_server_config_clear     (RsServerConfig *config);
gboolean   rs_server_config_set_listen (RsServerConfig *config,
                                        const char     *listen,
                                        GError        **error);

/* The libmicrohttpd options built from @config, ending with MHD_OPTION_END; what
 * rs_server_start() passes to MHD_start_daemon() through MHD_OPTION_ARRAY. */
GArray    *rs_server_config_mhd_options (const RsServerConfig *config);

/* @store is borrowed and must outlive the server. */
RsServer  *rs_server_new               (RsServerStore         *store,
                                        const RsServerConfig  *config);
gboolean   rs_server_start             (RsServer  *self,
                                        GError   **error);
guint16    rs_server_get_port          (RsServer  *self);
const RsServerConfig *rs_server_get_config (RsServer *self);
/* The options the running daemon was started with (for the configuration test). */
GArray    *rs_server_get_mhd_options   (RsServer  *self);
void       rs_server_stop              (RsServer  *self);
void       rs_server_free              (RsServer  *self);

/* Loads every *.xml XForm in @dir into @store (new id/version pairs only). */
gboolean   rs_server_load_forms_dir    (RsServerStore  *store,
                                        const char     *dir,
                                        guint          *n_added,
                                        GError        **error);
/* Reads an XForm file: id and version of the primary instance root, title, MD5. */
RsServerForm *rs_server_form_from_bytes (GBytes   *xml,
                                         GError  **error);
/* Adds one record version as a JSON object (the JSON API and the JSONL export share it). */
void       rs_server_record_to_json    (JsonBuilder             *builder,
                                        const RsServerRecordRow *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsServer, rs_server_free)

G_END_DECLS
