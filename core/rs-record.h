/* rs-record.h: the household record as the store keeps it (summary, state, audit events).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The life of one record version. DELETED is the tombstone of a draft the enumerator threw away. */
typedef enum
{
  RS_RECORD_STATE_DRAFT,
  RS_RECORD_STATE_FINALIZED,
  RS_RECORD_STATE_SENT,
  RS_RECORD_STATE_REJECTED,
  RS_RECORD_STATE_DELETED,
} RsRecordState;

/* What someone wants to do with a record; rs_record_state_transition() says if it may. */
typedef enum
{
  RS_RECORD_ACTION_SAVE,
  RS_RECORD_ACTION_REOPEN,
  RS_RECORD_ACTION_FINALIZE,
  RS_RECORD_ACTION_MARK_SENT,
  RS_RECORD_ACTION_PARK,
  RS_RECORD_ACTION_UNPARK,
  RS_RECORD_ACTION_EDIT_AFTER_SEND,
  RS_RECORD_ACTION_DELETE,
} RsRecordAction;

const char *rs_record_state_to_string   (RsRecordState   state);
gboolean    rs_record_state_from_string (const char     *text,
                                         RsRecordState  *state);
const char *rs_record_state_label       (RsRecordState   state);
gboolean    rs_record_state_transition  (RsRecordState   from,
                                         RsRecordAction  action,
                                         RsRecordState  *to);

/* The fields a list of households shows; the caller takes them from the form session. */
typedef struct
{
  char *village;
  char *household_code;
  char *head_name;
  char *classification;
  char *enumerator;
} RsRecordSummary;

RsRecordSummary *rs_record_summary_new   (const char            *village,
                                          const char            *household_code,
                                          const char            *head_name,
                                          const char            *classification,
                                          const char            *enumerator);
RsRecordSummary *rs_record_summary_copy  (const RsRecordSummary *summary);
void             rs_record_summary_clear (RsRecordSummary       *summary);
void             rs_record_summary_free  (RsRecordSummary       *summary);

/* One record version as read from the store. instance_xml is NULL in list results. */
typedef struct
{
  gint64           id;
  char            *instance_id;
  char            *form_id;
  char            *form_version;
  RsRecordState    state;
  guint            version;         /* 1, then +1 for each edit after sending */
  char            *deprecated_id;   /* the instanceID this version replaces, or NULL */
  char            *superseded_by;   /* the instanceID of the newer version, or NULL */
  char            *assignment_id;
  GBytes          *instance_xml;
  char            *score_json;
  RsRecordSummary  summary;
  char            *current_screen;  /* where to resume a draft */
  gint64           created_seq;     /* monotonic order, independent of the tablet clock */
  gint64           updated_seq;
  gint64           created_at;      /* wall clock (µs since 1970), for display only */
  gint64           updated_at;
} RsRecord;

void rs_record_free (RsRecord *record);

/* Paradata, as ODK's audit log keeps it. */
typedef enum
{
  RS_AUDIT_CREATED,
  RS_AUDIT_QUESTION_ENTERED,
  RS_AUDIT_QUESTION_LEFT,
  RS_AUDIT_VALUE_CHANGED,
  RS_AUDIT_CONSTRAINT_ERROR,
  RS_AUDIT_REOPENED,
  RS_AUDIT_FINALIZED,
  RS_AUDIT_EDIT_AFTER_SEND,
  RS_AUDIT_DELETED,
} RsAuditKind;

const char *rs_audit_kind_to_string   (RsAuditKind  kind);
gboolean    rs_audit_kind_from_string (const char  *text,
                                       RsAuditKind *kind);

typedef struct
{
  RsAuditKind  kind;
  char        *node;        /* the question's path, e.g. /household/head/name */
  char        *old_value;
  char        *new_value;
  char        *message;     /* e.g. the constraint message shown */
  gint64       elapsed_ms;  /* monotonic milliseconds since the session started; -1 if unknown */
  gint64       seq;         /* set by the store when read back */
  gint64       at;          /* wall clock (µs), set by the store */
} RsAuditEvent;

RsAuditEvent *rs_audit_event_new  (RsAuditKind         kind,
                                   const char         *node,
                                   const char         *old_value,
                                   const char         *new_value,
                                   const char         *message,
                                   gint64              elapsed_ms);
RsAuditEvent *rs_audit_event_copy (const RsAuditEvent *event);
void          rs_audit_event_free (RsAuditEvent       *event);

/* Everything one durable answer save writes, in one commit. */
typedef struct
{
  char            *instance_id;
  GBytes          *instance_xml;
  char            *score_json;
  RsRecordSummary *summary;         /* NULL keeps the stored summary */
  char            *current_screen;
  GPtrArray       *audit;           /* of RsAuditEvent */
} RsRecordUpdate;

RsRecordUpdate *rs_record_update_new       (const char           *instance_id,
                                            GBytes               *instance_xml,
                                            const char           *score_json);
void            rs_record_update_set_summary (RsRecordUpdate      *update,
                                              const RsRecordSummary *summary);
void            rs_record_update_set_screen  (RsRecordUpdate      *update,
                                              const char          *current_screen);
void            rs_record_update_add_audit (RsRecordUpdate       *update,
                                            RsAuditEvent         *event);
RsRecordUpdate *rs_record_update_copy      (const RsRecordUpdate *update);
void            rs_record_update_free      (RsRecordUpdate       *update);

/* What rs_instance_info_parse() reads from an OpenRosa instance (paths from the data
 * dictionary, relative to the root element). */
typedef struct
{
  char            *root_name;
  char            *form_id;        /* the root's id attribute */
  char            *form_version;   /* the root's version attribute */
  char            *instance_id;    /* meta/instanceID */
  char            *deprecated_id;  /* meta/deprecatedID */
  RsRecordSummary  summary;        /* admin/village, admin/household_code, head/name,
                                      result/classification, meta/username */
} RsInstanceInfo;

RsInstanceInfo *rs_instance_info_parse (GBytes         *xml,
                                        GError        **error);
void            rs_instance_info_free  (RsInstanceInfo *info);

#define RS_INSTANCE_ERROR (rs_instance_error_quark ())
GQuark rs_instance_error_quark (void);

typedef enum
{
  RS_INSTANCE_ERROR_MALFORMED,
  RS_INSTANCE_ERROR_NO_INSTANCE_ID,
} RsInstanceError;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsRecordSummary, rs_record_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsRecord, rs_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsAuditEvent, rs_audit_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsRecordUpdate, rs_record_update_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsInstanceInfo, rs_instance_info_free)

G_END_DECLS
