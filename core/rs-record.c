/* rs-record.c: record states and their transitions, summaries, audit events, instance metadata.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "rs-record.h"
#include "rs-xml.h"

G_DEFINE_QUARK (rs-instance-error-quark, rs_instance_error)

static const char *const state_names[] = {
  [RS_RECORD_STATE_DRAFT] = "draft",
  [RS_RECORD_STATE_FINALIZED] = "finalized",
  [RS_RECORD_STATE_SENT] = "sent",
  [RS_RECORD_STATE_REJECTED] = "rejected",
  [RS_RECORD_STATE_DELETED] = "deleted",
};

const char *
rs_record_state_to_string (RsRecordState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

gboolean
rs_record_state_from_string (const char    *text,
                             RsRecordState *state)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (state_names); i++)
    {
      if (g_str_equal (text, state_names[i]))
        {
          *state = (RsRecordState) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * rs_record_state_label:
 * @state: a state
 *
 * Returns: the translated word a list shows for @state.
 */
const char *
rs_record_state_label (RsRecordState state)
{
  switch (state)
    {
    case RS_RECORD_STATE_DRAFT:
      return _("Draft");
    case RS_RECORD_STATE_FINALIZED:
      return _("Waiting to send");
    case RS_RECORD_STATE_SENT:
      return _("Sent");
    case RS_RECORD_STATE_REJECTED:
      return _("Refused by the server");
    case RS_RECORD_STATE_DELETED:
      return _("Deleted");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The whole state machine in one table: (from, action) → to. Anything absent is refused. */
static const struct
{
  RsRecordState  from;
  RsRecordAction action;
  RsRecordState  to;
} transitions[] = {
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_SAVE, RS_RECORD_STATE_DRAFT },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_REOPEN, RS_RECORD_STATE_DRAFT },
  { RS_RECORD_STATE_REJECTED, RS_RECORD_ACTION_REOPEN, RS_RECORD_STATE_DRAFT },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_FINALIZE, RS_RECORD_STATE_FINALIZED },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_MARK_SENT, RS_RECORD_STATE_SENT },
  { RS_RECORD_STATE_FINALIZED, RS_RECORD_ACTION_PARK, RS_RECORD_STATE_REJECTED },
  { RS_RECORD_STATE_REJECTED, RS_RECORD_ACTION_UNPARK, RS_RECORD_STATE_FINALIZED },
  { RS_RECORD_STATE_SENT, RS_RECORD_ACTION_EDIT_AFTER_SEND, RS_RECORD_STATE_SENT },
  { RS_RECORD_STATE_DRAFT, RS_RECORD_ACTION_DELETE, RS_RECORD_STATE_DELETED },
};

/**
 * rs_record_state_transition:
 * @from: the record's state now
 * @action: what is asked
 * @to: (out) (optional): the state after @action
 *
 * Returns: %TRUE if @action is allowed in @from.
 */
gboolean
rs_record_state_transition (RsRecordState   from,
                            RsRecordAction  action,
                            RsRecordState  *to)
{
  for (guint i = 0; i < G_N_ELEMENTS (transitions); i++)
    {
      if (transitions[i].from == from && transitions[i].action == action)
        {
          if (to != NULL)
            *to = transitions[i].to;
          return TRUE;
        }
    }
  return FALSE;
}

RsRecordSummary *
rs_record_summary_new (const char *village,
                       const char *household_code,
                       const char *head_name,
                       const char *classification,
                       const char *enumerator)
{
  RsRecordSummary *summary = g_new0 (RsRecordSummary, 1);

  summary->village = g_strdup (village);
  summary->household_code = g_strdup (household_code);
  summary->head_name = g_strdup (head_name);
  summary->classification = g_strdup (classification);
  summary->enumerator = g_strdup (enumerator);
  return summary;
}

RsRecordSummary *
rs_record_summary_copy (const RsRecordSummary *summary)
{
  if (summary == NULL)
    return NULL;
  return rs_record_summary_new (summary->village, summary->household_code, summary->head_name,
                                summary->classification, summary->enumerator);
}

void
rs_record_summary_clear (RsRecordSummary *summary)
{
  g_clear_pointer (&summary->village, g_free);
  g_clear_pointer (&summary->household_code, g_free);
  g_clear_pointer (&summary->head_name, g_free);
  g_clear_pointer (&summary->classification, g_free);
  g_clear_pointer (&summary->enumerator, g_free);
}

void
rs_record_summary_free (RsRecordSummary *summary)
{
  if (summary == NULL)
    return;
  rs_record_summary_clear (summary);
  g_free (summary);
}

void
rs_record_free (RsRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->instance_id);
  g_free (record->form_id);
  g_free (record->form_version);
  g_free (record->deprecated_id);
  g_free (record->superseded_by);
  g_free (record->assignment_id);
  g_clear_pointer (&record->instance_xml, g_bytes_unref);
  g_free (record->score_json);
  rs_record_summary_clear (&record->summary);
  g_free (record->current_screen);
  g_free (record);
}

static const char *const audit_names[] = {
  [RS_AUDIT_CREATED] = "created",
  [RS_AUDIT_QUESTION_ENTERED] = "question_entered",
  [RS_AUDIT_QUESTION_LEFT] = "question_left",
  [RS_AUDIT_VALUE_CHANGED] = "value_changed",
  [RS_AUDIT_CONSTRAINT_ERROR] = "constraint_error",
  [RS_AUDIT_REOPENED] = "reopened",
  [RS_AUDIT_FINALIZED] = "finalized",
  [RS_AUDIT_EDIT_AFTER_SEND] = "edit_after_send",
  [RS_AUDIT_DELETED] = "deleted",
};

const char *
rs_audit_kind_to_string (RsAuditKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (audit_names), NULL);
  return audit_names[kind];
}

gboolean
rs_audit_kind_from_string (const char  *text,
                           RsAuditKind *kind)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (audit_names); i++)
    {
      if (g_str_equal (text, audit_names[i]))
        {
          *kind = (RsAuditKind) i;
          return TRUE;
        }
    }
  return FALSE;
}

RsAuditEvent *
rs_audit_event_new (RsAuditKind  kind,
                    const char  *node,
                    const char  *old_value,
                    const char  *new_value,
                    const char  *message,
                    gint64       elapsed_ms)
{
  RsAuditEvent *event = g_new0 (RsAuditEvent, 1);

  event->kind = kind;
  event->node = g_strdup (node);
  event->old_value = g_strdup (old_value);
  event->new_value = g_strdup (new_value);
  event->message = g_strdup (message);
  event->elapsed_ms = elapsed_ms;
  return event;
}

RsAuditEvent *
rs_audit_event_copy (const RsAuditEvent *event)
{
  RsAuditEvent *copy = rs_audit_event_new (event->kind, event->node, event->old_value,
                                           event->new_value, event->message, event->elapsed_ms);

  copy->seq = event->seq;
  copy->at = event->at;
  return copy;
}

void
rs_audit_event_free (RsAuditEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->node);
  g_free (event->old_value);
  g_free (event->new_value);
  g_free (event->message);
  g_free (event);
}

/**
 * rs_record_update_new:
 * @instance_id: the draft's instanceID
 * @instance_xml: (nullable): the form session's instance, exactly as it is now
 * @score_json: (nullable): the latest score
 *
 * Returns: (transfer full): an update to give to rs_store_save_answer().
 */
RsRecordUpdate *
rs_record_update_new (const char *instance_id,
                      GBytes     *instance_xml,
                      const char *score_json)
{
  RsRecordUpdate *update = g_new0 (RsRecordUpdate, 1);

  g_return_val_if_fail (instance_id != NULL, NULL);

  update->instance_id = g_strdup (instance_id);
  update->instance_xml = instance_xml != NULL ? g_bytes_ref (instance_xml) : NULL;
  update->score_json = g_strdup (score_json);
  update->audit = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_audit_event_free);
  return update;
}

void
rs_record_update_set_summary (RsRecordUpdate        *update,
                              const RsRecordSummary *summary)
{
  g_clear_pointer (&update->summary, rs_record_summary_free);
  update->summary = rs_record_summary_copy (summary);
}

void
rs_record_update_set_screen (RsRecordUpdate *update,
                             const char     *current_screen)
{
  g_free (update->current_screen);
  update->current_screen = g_strdup (current_screen);
}

/* Takes ownership of @event. */
void
rs_record_update_add_audit (RsRecordUpdate *update,
                            RsAuditEvent   *event)
{
  g_ptr_array_add (update->audit, event);
}

RsRecordUpdate *
rs_record_update_copy (const RsRecordUpdate *update)
{
  RsRecordUpdate *copy = rs_record_update_new (update->instance_id, update->instance_xml,
                                               update->score_json);

  rs_record_update_set_summary (copy, update->summary);
  rs_record_update_set_screen (copy, update->current_screen);
  for (guint i = 0; i < update->audit->len; i++)
    g_ptr_array_add (copy->audit, rs_audit_event_copy (g_ptr_array_index (update->audit, i)));
  return copy;
}

void
rs_record_update_free (RsRecordUpdate *update)
{
  if (update == NULL)
    return;
  g_free (update->instance_id);
  g_clear_pointer (&update->instance_xml, g_bytes_unref);
  g_free (update->score_json);
  rs_record_summary_free (update->summary);
  g_free (update->current_screen);
  g_ptr_array_unref (update->audit);
  g_free (update);
}

static xmlNode *
child_element (xmlNode    *parent,
               const char *name)
{
  for (xmlNode *node = parent != NULL ? parent->children : NULL; node != NULL; node = node->next)
    {
      if (node->type == XML_ELEMENT_NODE && g_str_equal ((const char *) node->name, name))
        return node;
    }
  return NULL;
}

/* The trimmed text of root/first/second, or NULL when absent or empty. */
static char *
text_at (xmlNode    *root,
         const char *first,
         const char *second)
{
  xmlNode *node = child_element (child_element (root, first), second);
  xmlChar *content;
  char *text;

  if (node == NULL)
    return NULL;
  content = xmlNodeGetContent (node);
  text = g_strstrip (g_strdup ((const char *) content));
  xmlFree (content);
  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static char *
attribute (xmlNode    *node,
           const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy = value != NULL ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return copy;
}

/**
 * rs_instance_info_parse:
 * @xml: an OpenRosa instance (e.g. `<household id="vn_household_review" version="…">`)
 * @error: %RS_INSTANCE_ERROR_MALFORMED, or %RS_INSTANCE_ERROR_NO_INSTANCE_ID when there is no
 *   meta/instanceID (the identity the server deduplicates on)
 *
 * Returns: (transfer full): what the store needs to file the instance.
 */
RsInstanceInfo *
rs_instance_info_parse (GBytes  *xml,
                        GError **error)
{
  g_autoptr(RsInstanceInfo) info = g_new0 (RsInstanceInfo, 1);
  gsize size = 0;
  const char *data = g_bytes_get_data (xml, &size);
  xmlDoc *doc;
  xmlNode *root;

  if (size > G_MAXINT)
    size = 0;
  /* No network, no entity expansion, no DTD loading: instances come from files and tablets. */
  doc = rs_xml_read_memory (NULL, data, size, NULL, 0);
  root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (root == NULL)
    {
      if (doc != NULL)
        xmlFreeDoc (doc);
      g_set_error_literal (error, RS_INSTANCE_ERROR, RS_INSTANCE_ERROR_MALFORMED,
                           _("This is not a readable form instance (the XML is damaged)."));
      return NULL;
    }

  info->root_name = g_strdup ((const char *) root->name);
  info->form_id = attribute (root, "id");
  info->form_version = attribute (root, "version");
  info->instance_id = text_at (root, "meta", "instanceID");
  info->deprecated_id = text_at (root, "meta", "deprecatedID");
  info->summary.village = text_at (root, "admin", "village");
  info->summary.household_code = text_at (root, "admin", "household_code");
  info->summary.head_name = text_at (root, "head", "name");
  info->summary.classification = text_at (root, "result", "classification");
  info->summary.enumerator = text_at (root, "meta", "username");
  xmlFreeDoc (doc);

  if (info->instance_id == NULL)
    {
      g_set_error_literal (error, RS_INSTANCE_ERROR, RS_INSTANCE_ERROR_NO_INSTANCE_ID,
                           _("The form instance has no meta/instanceID, so the server could not "
                             "tell it apart from others. Fill it with the form again or add a "
                             "“uuid:” identifier."));
      return NULL;
    }
  return g_steal_pointer (&info);
}

void
rs_instance_info_free (RsInstanceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->root_name);
  g_free (info->form_id);
  g_free (info->form_version);
  g_free (info->instance_id);
  g_free (info->deprecated_id);
  rs_record_summary_clear (&info->summary);
  g_free (info);
}
