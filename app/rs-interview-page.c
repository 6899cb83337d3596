/* rs-interview-page.c: the interview: one screen at a time as the form defines them, the
 * household roster as member cards, the jump index, and the live result bar.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rs-format.h"
#include "rs-interview-page.h"
#include "rs-question-view.h"
#include "rs-record.h"

/* Where the enumerator is: a screen of the form, or the roster of members (ROSTER). */
#define ROSTER (-1)

struct _RsInterviewPage
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  AdwWindowTitle  *window_title;
  GtkToggleButton *index_button;
  AdwFlap         *flap;
  GtkListBox      *index_list;
  GtkScrolledWindow *scroller;
  GtkBox          *screen_box;
  GtkWidget       *nav_bar;
  GtkButton       *back_button;
  GtkLabel        *position_label;
  GtkButton       *next_button;
  GtkButton       *live_button;
  GtkLabel        *live_label;

  RsStore         *store;
  RsFormSession   *session;
  RsLiveScore     *live_score;
  GCancellable    *cancellable;
  gboolean         read_only;

  GPtrArray       *screens;      /* (element-type RsFormScreen) the latest snapshot */
  GPtrArray       *jump_index;   /* (element-type RsFormJumpEntry) */
  GPtrArray       *problems;     /* (element-type RsFormProblem) */
  int              current;      /* screen index, or ROSTER */
  GPtrArray       *views;        /* RsQuestionView on the current screen */
  GHashTable      *visited;      /* screen paths left once: their missing answers show */
  gboolean         show_all_required;
  const char      *live_class;
  guint            pending_saves;
  gint64           started_us;
  GtkLabel        *screen_title;
};

G_DEFINE_FINAL_TYPE (RsInterviewPage, rs_interview_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_MESSAGE,
  SIGNAL_FINISHED_SCREENS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void render (RsInterviewPage *self);
static void refresh (RsInterviewPage *self);
static void update_navigation (RsInterviewPage *self);

/* ---- the form's structure --------------------------------------------------------------- */

static void
take_snapshot (RsInterviewPage *self)
{
  g_clear_pointer (&self->screens, g_ptr_array_unref);
  g_clear_pointer (&self->jump_index, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  self->screens = rs_form_session_get_screens (self->session);
  self->jump_index = rs_form_session_get_jump_index (self->session);
  self->problems = rs_form_session_validate (self->session);
}

static RsFormScreen *
screen_at (RsInterviewPage *self,
           int              index)
{
  if (index < 0 || (guint) index >= self->screens->len)
    return NULL;
  return g_ptr_array_index (self->screens, index);
}

/* The household roster: the first repeat of the form. */
static RsFormJumpEntry *
roster_entry (RsInterviewPage *self)
{
  for (guint i = 0; i < self->jump_index->len; i++)
    {
      RsFormJumpEntry *entry = g_ptr_array_index (self->jump_index, i);

      if (entry->is_repeat)
        return entry;
    }
  return NULL;
}

static gboolean
in_roster (RsInterviewPage *self,
           int              index)
{
  RsFormJumpEntry *roster = roster_entry (self);

  return roster != NULL && index >= (int) roster->first_screen
         && index < (int) (roster->first_screen + roster->n_screens);
}

/* The repeat instances (members), as jump entries one level under the repeat. */
static GPtrArray *
roster_members (RsInterviewPage *self)
{
  GPtrArray *members = g_ptr_array_new ();
  gboolean inside = FALSE;
  guint depth = 0;

  for (guint i = 0; i < self->jump_index->len; i++)
    {
      RsFormJumpEntry *entry = g_ptr_array_index (self->jump_index, i);

      if (!inside)
        {
          if (entry->is_repeat)
            {
              inside = TRUE;
              depth = entry->depth;
            }
          continue;
        }
      if (entry->depth <= depth)
        break;
      if (entry->depth == depth + 1)
        g_ptr_array_add (members, entry);
    }
  return members;
}

/* The member whose screens contain @index. */
static RsFormJumpEntry *
member_at (RsInterviewPage *self,
           int              index)
{
  g_autoptr(GPtrArray) members = roster_members (self);

  for (guint i = 0; i < members->len; i++)
    {
      RsFormJumpEntry *member = g_ptr_array_index (members, i);

      if (index >= (int) member->first_screen
          && index < (int) (member->first_screen + member->n_screens))
        return member;
    }
  return NULL;
}

/* The screens and the roster in the order the enumerator goes through them. */
static GArray *
compute_stops (RsInterviewPage *self)
{
  GArray *stops = g_array_new (FALSE, FALSE, sizeof (int));
  RsFormJumpEntry *roster = roster_entry (self);
  gboolean roster_added = FALSE;
  int roster_stop = ROSTER;

  for (guint i = 0; i <= self->screens->len; i++)
    {
      if (roster != NULL && !roster_added && i >= roster->first_screen)
        {
          if (roster->relevant || roster->n_screens > 0)
            g_array_append_val (stops, roster_stop);
          roster_added = TRUE;
        }
      if (i == self->screens->len)
        break;
      if (in_roster (self, (int) i))
        continue;
      if (((RsFormScreen *) g_ptr_array_index (self->screens, i))->relevant)
        g_array_append_val (stops, i);
    }
  return stops;
}

static int
stop_index (GArray *stops,
            int     position)
{
  for (guint i = 0; i < stops->len; i++)
    {
      if (g_array_index (stops, int, i) == position)
        return (int) i;
    }
  return -1;
}

/* The screen a problem (a question's path) is on. */
static int
screen_of_path (RsInterviewPage *self,
                const char      *path)
{
  for (guint i = 0; i < self->screens->len; i++)
    {
      RsFormScreen *screen = g_ptr_array_index (self->screens, i);

      for (guint j = 0; j < screen->questions->len; j++)
        {
          RsFormQuestion *question = g_ptr_array_index (screen->questions, j);

          if (g_str_equal (question->path, path))
            return (int) i;
        }
    }
  return -1;
}

static guint
problems_in_range (RsInterviewPage *self,
                   guint            first,
                   guint            n)
{
  guint count = 0;

  for (guint i = 0; i < self->problems->len; i++)
    {
      RsFormProblem *problem = g_ptr_array_index (self->problems, i);
      int screen = screen_of_path (self, problem->path);

      if (screen >= (int) first && screen < (int) (first + n))
        count++;
    }
  return count;
}

static const char *
position_path (RsInterviewPage *self)
{
  RsFormScreen *screen = screen_at (self, self->current);

  return screen != NULL ? screen->path : RS_INTERVIEW_ROSTER;
}

/* ---- saving ----------------------------------------------------------------------------- */

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(RsInterviewPage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->pending_saves--;
  if (!rs_store_save_answer_finish (RS_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message =
        g_strdup_printf (_("The last answer could not be saved: %s"), error->message);

      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
    }
}

/* One durable save: the whole instance, its score, the list fields and where we are. */
static void
save (RsInterviewPage *self,
      RsAuditEvent    *event)
{
  g_autoptr(RsAuditEvent) owned_event = event;
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(RsInstanceInfo) info = NULL;
  g_autoptr(RsRecordUpdate) update = NULL;
  g_autofree char *score_json = NULL;
  gsize length = 0;
  char *data;

  if (self->read_only || self->store == NULL || self->session == NULL)
    return;
  data = rs_form_session_serialize (self->session, &length);
  xml = g_bytes_new_take (data, length);
  /* The store keys records by meta/instanceID as written in the XML ("uuid:…"). */
  info = rs_instance_info_parse (xml, NULL);
  if (info == NULL || info->instance_id == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0,
                     _("The answers could not be prepared for saving. Go back to Today and "
                       "open the household again."));
      return;
    }
  score_json = rs_live_score_dup_json (self->live_score);
  update = rs_record_update_new (info->instance_id, xml, score_json);
  rs_record_update_set_summary (update, &info->summary);
  rs_record_update_set_screen (update, position_path (self));
  if (owned_event != NULL)
    rs_record_update_add_audit (update, g_steal_pointer (&owned_event));
  self->pending_saves++;
  rs_store_save_answer_async (self->store, update, self->cancellable, on_saved,
                              g_object_ref (self));
}

static gint64
elapsed_ms (RsInterviewPage *self)
{
  return (g_get_monotonic_time () - self->started_us) / 1000;
}

/* ---- the live result bar ---------------------------------------------------------------- */

static void
update_live_bar (RsInterviewPage *self)
{
  const RsScore *score = rs_live_score_get (self->live_score);
  RsClassification classification = score != NULL ? score->classification
                                                   : RS_CLASSIFICATION_UNKNOWN;
  g_autofree char *text = rs_live_score_dup_text (self->live_score, !self->read_only);
  const char *css_class = rs_badge_style_class (classification);

  gtk_label_set_text (self->live_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->live_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  if (self->live_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->live_button), self->live_class);
  gtk_widget_add_css_class (GTK_WIDGET (self->live_button), css_class);
  self->live_class = css_class;
}

/* ---- deferred navigation ---------------------------------------------------------------- */

/* Rows and buttons that navigate are rebuilt by the navigation itself: run it from an idle so
 * no widget is destroyed inside its own signal emission. */
typedef enum
{
  DEFERRED_JUMP,
  DEFERRED_EDIT_MEMBER,
  DEFERRED_ADD_MEMBER,
} DeferredKind;

typedef struct
{
  RsInterviewPage *self;
  DeferredKind     kind;
  guint            argument;
} Deferred;

static gboolean
run_deferred (gpointer user_data)
{
  Deferred *deferred = user_data;

  switch (deferred->kind)
    {
    case DEFERRED_JUMP:
      rs_interview_page_jump_to_section (deferred->self, deferred->argument);
      break;
    case DEFERRED_EDIT_MEMBER:
      rs_interview_page_edit_member (deferred->self, deferred->argument);
      break;
    case DEFERRED_ADD_MEMBER:
    default:
      rs_interview_page_add_member (deferred->self);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
deferred_free (gpointer user_data)
{
  Deferred *deferred = user_data;

  g_object_unref (deferred->self);
  g_free (deferred);
}

static void
defer (RsInterviewPage *self,
       DeferredKind     kind,
       guint            argument)
{
  Deferred *deferred = g_new0 (Deferred, 1);

  deferred->self = g_object_ref (self);
  deferred->kind = kind;
  deferred->argument = argument;
  g_idle_add_full (G_PRIORITY_HIGH_IDLE, run_deferred, deferred, deferred_free);
}

/* ---- the jump index --------------------------------------------------------------------- */

static void
on_index_row_activated (GtkListBox    *list,
                        GtkListBoxRow *row,
                        gpointer       user_data)
{
  RsInterviewPage *self = RS_INTERVIEW_PAGE (user_data);
  guint first = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "first-screen"));

  defer (self, DEFERRED_JUMP, first);
  if (adw_flap_get_folded (self->flap))
    gtk_toggle_button_set_active (self->index_button, FALSE);
}

static void
rebuild_index (RsInterviewPage *self)
{
  GtkWidget *child;
  RsFormJumpEntry *roster = roster_entry (self);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->index_list))) != NULL)
    gtk_list_box_remove (self->index_list, child);

  for (guint i = 0; i < self->jump_index->len; i++)
    {
      RsFormJumpEntry *entry = g_ptr_array_index (self->jump_index, i);
      GtkWidget *row;
      GtkWidget *icon;
      guint n_problems;
      gboolean is_roster_section;
      g_autofree char *name = NULL;
      g_autofree char *subtitle = NULL;

      if (entry->depth != 0)
        continue;
      is_roster_section = roster != NULL && roster->first_screen >= entry->first_screen
                          && roster->first_screen <= entry->first_screen + entry->n_screens
                          && roster->depth > entry->depth && i + 1 < self->jump_index->len
                          && g_ptr_array_index (self->jump_index, i + 1) == roster;
      n_problems = problems_in_range (self, entry->first_screen, entry->n_screens);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     entry->label != NULL ? entry->label : "");
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (!entry->relevant && !is_roster_section)
        {
          subtitle = g_strdup (_("Not needed for this household"));
          icon = gtk_image_new_from_icon_name ("action-unavailable-symbolic");
          gtk_widget_set_sensitive (row, FALSE);
        }
      else if (n_problems > 0)
        {
          subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%u answer missing or to check",
                                                   "%u answers missing or to check", n_problems),
                                      n_problems);
          icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
          gtk_widget_add_css_class (icon, "rs-section-error");
        }
      else
        {
          subtitle = g_strdup (_("Complete"));
          icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
          gtk_widget_add_css_class (icon, "rs-section-complete");
        }
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "first-screen",
                         GUINT_TO_POINTER (is_roster_section ? G_MAXUINT : entry->first_screen));
      name = g_strdup_printf ("section:%s", entry->path);
      gtk_widget_set_name (row, name);
      gtk_list_box_append (self->index_list, row);
    }
}

/* ---- rendering -------------------------------------------------------------------------- */

static void
clear_screen (RsInterviewPage *self)
{
  GtkWidget *child;

  for (guint i = 0; i < self->views->len; i++)
    rs_question_view_flush (g_ptr_array_index (self->views, i));
  g_ptr_array_set_size (self->views, 0);
  self->screen_title = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->screen_box))) != NULL)
    gtk_box_remove (self->screen_box, child);
}

static void
on_answer (RsQuestionView *view,
           const char     *path,
           const char     *value,
           gpointer        user_data)
{
  RsInterviewPage *self = RS_INTERVIEW_PAGE (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *old_value = NULL;

  if (self->read_only || self->session == NULL)
    return;
  old_value = rs_form_session_get_value (self->session, path);
  if (!rs_form_session_set_value (self->session, path, value, &error))
    {
      g_autofree char *message = g_strdup_printf (_("This answer was not kept: %s"),
                                                  error->message);

      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
      return;
    }
  save (self, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED, path, old_value, value, NULL,
                                  elapsed_ms (self)));
  refresh (self);
}

static GtkWidget *
title_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "rs-screen-title");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LEVEL, 1, -1);
  return label;
}

static const char *
screen_title (RsFormScreen *screen)
{
  if (screen->title != NULL)
    return screen->title;
  if (screen->questions->len > 0)
    return ((RsFormQuestion *) g_ptr_array_index (screen->questions, 0))->label;
  return "";
}

static void
render_screen (RsInterviewPage *self,
               RsFormScreen    *screen)
{
  GtkWidget *title = title_label (screen_title (screen));

  gtk_box_append (self->screen_box, title);
  self->screen_title = GTK_LABEL (title);

  for (guint i = 0; i < screen->questions->len; i++)
    {
      RsFormQuestion *question = g_ptr_array_index (screen->questions, i);
      GtkWidget *view;

      /* The result elements are written by the scoring, not asked. */
      if (question->readonly && question->control != RS_FORM_CONTROL_INPUT)
        continue;
      view = rs_question_view_new (question);
      gtk_widget_set_sensitive (view, !self->read_only);
      g_signal_connect (view, "answer", G_CALLBACK (on_answer), self);
      gtk_box_append (self->screen_box, view);
      g_ptr_array_add (self->views, view);
    }
}

static char *
member_value (RsInterviewPage *self,
              const char      *instance_path,
              const char      *field)
{
  g_autofree char *path = g_strdup_printf ("%s/%s", instance_path, field);
  char *value = rs_form_session_get_value (self->session, path);

  return value != NULL ? value : g_strdup ("");
}

/* The label of a member's chosen answer, e.g. the relation "Vợ/chồng". */
static char *
member_choice_label (RsInterviewPage *self,
                     const char      *instance_path,
                     const char      *field)
{
  g_autofree char *path = g_strdup_printf ("%s/%s", instance_path, field);
  g_autoptr(RsFormQuestion) question = rs_form_session_get_question (self->session, path);

  if (question == NULL)
    return NULL;
  for (guint i = 0; i < question->choices->len; i++)
    {
      RsFormChoiceItem *choice = g_ptr_array_index (question->choices, i);

      if (g_str_equal (choice->value, question->value))
        return g_strdup (choice->label);
    }
  return NULL;
}

static void
on_member_activated (GtkListBox    *list,
                     GtkListBoxRow *row,
                     gpointer       user_data)
{
  RsInterviewPage *self = RS_INTERVIEW_PAGE (user_data);

  defer (self, DEFERRED_EDIT_MEMBER,
         GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index")));
}

typedef struct
{
  RsInterviewPage *self;
  char            *instance_path;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_object_unref (data->self);
  g_free (data->instance_path);
  g_free (data);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  RemoveData *data = user_data;
  RsInterviewPage *self = data->self;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (response, "remove") && self->session != NULL)
    {
      if (!rs_form_session_remove_repeat (self->session, data->instance_path, &error))
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
      else
        {
          save (self, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED, data->instance_path, NULL,
                                          NULL, _("member removed"), elapsed_ms (self)));
          self->current = ROSTER;
          render (self);
        }
    }
  remove_data_free (data);
}

static void
on_remove_clicked (GtkButton *button,
                   gpointer   user_data)
{
  RsInterviewPage *self = RS_INTERVIEW_PAGE (user_data);
  const char *instance_path = g_object_get_data (G_OBJECT (button), "instance");
  const char *name = g_object_get_data (G_OBJECT (button), "member-name");
  GtkWidget *dialog;
  RemoveData *data;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Remove this member?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” and all their answers will be removed from this "
                                    "household."), name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  data = g_new0 (RemoveData, 1);
  data->self = g_object_ref (self);
  data->instance_path = g_strdup (instance_path);
  g_signal_connect (dialog, "response", G_CALLBACK (on_remove_response), data);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_add_member_clicked (RsInterviewPage *self)
{
  defer (self, DEFERRED_ADD_MEMBER, 0);
}

static void
render_roster (RsInterviewPage *self)
{
  g_autoptr(GPtrArray) members = roster_members (self);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *add = gtk_button_new_with_mnemonic (_("_Add a member"));
  g_autofree char *title = NULL;
  guint index = 0;

  /* TRANSLATORS: the roster's title with the number of members, e.g. "Household members (4)" */
  title = g_strdup_printf (_("Household members (%u)"), members->len);
  gtk_box_append (self->screen_box, title_label (title));

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_name (list, "roster");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Household members"), -1);
  g_signal_connect (list, "row-activated", G_CALLBACK (on_member_activated), self);

  for (guint i = 0; i < members->len; i++)
    {
      RsFormJumpEntry *member = g_ptr_array_index (members, i);
      g_autofree char *name = member_value (self, member->path, "name");
      g_autofree char *age_text = member_value (self, member->path, "age");
      g_autofree char *relation = member_choice_label (self, member->path, "relation");
      g_autofree char *details = NULL;
      g_autofree char *shown_name = NULL;
      g_autofree char *accessible = NULL;
      g_autofree char *row_name = NULL;
      g_autoptr(GString) subtitle = NULL;
      gint64 age = -1;
      guint n_problems = problems_in_range (self, member->first_screen, member->n_screens);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

      index++;
      if (!rs_parse_number (age_text, &age))
        age = -1;
      shown_name = *name != '\0' ? g_strdup (name)
                                 : g_strdup_printf (_("Member %u (no name yet)"), index);
      details = rs_format_member_details ((int) age, relation);
      subtitle = g_string_new (details);
      if (n_problems > 0)
        {
          g_string_append (subtitle, " · ");
          g_string_append_printf (subtitle,
                                  g_dngettext (GETTEXT_PACKAGE, "%u answer missing or to check",
                                               "%u answers missing or to check", n_problems),
                                  n_problems);
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), shown_name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (n_problems > 0
                                                               ? "dialog-warning-symbolic"
                                                               : "avatar-default-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), !self->read_only);
      gtk_widget_add_css_class (row, "rs-member-card");
      g_object_set_data (G_OBJECT (row), "index", GUINT_TO_POINTER (index));
      row_name = g_strdup_printf ("member:%u", index);
      gtk_widget_set_name (row, row_name);
      accessible = g_strdup_printf ("%s, %s", shown_name, subtitle->str);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      g_free (accessible);
      accessible = g_strdup_printf (_("Remove %s"), shown_name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      gtk_widget_set_tooltip_text (remove, accessible);
      g_object_set_data_full (G_OBJECT (remove), "instance", g_strdup (member->path), g_free);
      g_object_set_data_full (G_OBJECT (remove), "member-name", g_strdup (shown_name), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked), self);
      gtk_widget_set_visible (remove, !self->read_only);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  if (members->len > 0)
    gtk_box_append (self->screen_box, list);
  else
    {
      GtkWidget *empty = gtk_label_new (_("No member yet. Add the head of the household first, "
                                          "then everyone who lives and eats with them."));

      gtk_label_set_wrap (GTK_LABEL (empty), TRUE);
      gtk_label_set_xalign (GTK_LABEL (empty), 0);
      gtk_widget_add_css_class (empty, "title-4");
      gtk_box_append (self->screen_box, empty);
    }

  gtk_widget_set_name (add, "add-member");
  gtk_widget_set_halign (add, GTK_ALIGN_START);
  gtk_widget_add_css_class (add, "pill");
  gtk_widget_add_css_class (add, "rs-big-action");
  gtk_accessible_update_property (GTK_ACCESSIBLE (add), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Add a member"), -1);
  gtk_widget_set_visible (add, !self->read_only);
  g_signal_connect_swapped (add, "clicked", G_CALLBACK (on_add_member_clicked), self);
  gtk_box_append (self->screen_box, add);
}

static gboolean
screen_shows_required (RsInterviewPage *self,
                       RsFormScreen    *screen)
{
  return self->show_all_required || g_hash_table_contains (self->visited, screen->path);
}

/* Follows the session after an answer: relevance, errors, roster, index, live bar. */
static void
refresh (RsInterviewPage *self)
{
  RsFormScreen *screen;

  take_snapshot (self);
  screen = screen_at (self, self->current);
  if (screen != NULL)
    {
      for (guint i = 0; i < self->views->len; i++)
        {
          RsQuestionView *view = g_ptr_array_index (self->views, i);
          const char *path = rs_question_view_get_path (view);

          for (guint j = 0; j < screen->questions->len; j++)
            {
              RsFormQuestion *question = g_ptr_array_index (screen->questions, j);

              if (g_str_equal (question->path, path))
                rs_question_view_update (view, question, screen_shows_required (self, screen));
            }
        }
    }
  /* Titles may quote answers ("Member: Cà Văn Thương"). */
  if (screen != NULL && self->screen_title != NULL)
    gtk_label_set_text (self->screen_title, screen_title (screen));
  rebuild_index (self);
  update_live_bar (self);
  update_navigation (self);
}

static void
update_navigation (RsInterviewPage *self)
{
  g_autoptr(GArray) stops = compute_stops (self);
  RsFormJumpEntry *member = member_at (self, self->current);
  int position = member != NULL ? ROSTER : self->current;
  int index = stop_index (stops, position);
  g_autofree char *text = NULL;
  RsFormScreen *screen = screen_at (self, self->current);
  const char *title;

  /* TRANSLATORS: the position in the questionnaire, e.g. "3 / 9" */
  text = g_strdup_printf (_("%d / %u"), index + 1, stops->len);
  gtk_label_set_text (self->position_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), index > 0 || member != NULL);
  if (index + 1 >= (int) stops->len && member == NULL)
    gtk_button_set_label (self->next_button, _("See the _result"));
  else
    gtk_button_set_label (self->next_button, _("_Next"));

  if (self->current == ROSTER)
    title = _("Household members");
  else
    title = screen != NULL ? screen_title (screen) : "";
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, text);
}

static void
render (RsInterviewPage *self)
{
  RsFormScreen *screen;
  GtkAdjustment *adjustment;

  clear_screen (self);
  take_snapshot (self);
  screen = screen_at (self, self->current);
  if (screen == NULL)
    {
      self->current = ROSTER;
      render_roster (self);
    }
  else
    render_screen (self, screen);
  refresh (self);
  update_navigation (self);
  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  gtk_adjustment_set_value (adjustment, 0);
}

static void
leave_screen (RsInterviewPage *self)
{
  RsFormScreen *screen;

  /* Flushing answers takes a new snapshot of the screens: look the screen up after. */
  for (guint i = 0; i < self->views->len; i++)
    rs_question_view_flush (g_ptr_array_index (self->views, i));
  screen = screen_at (self, self->current);
  if (screen != NULL)
    g_hash_table_add (self->visited, g_strdup (screen->path));
}

static void
go_to (RsInterviewPage *self,
       int              position)
{
  leave_screen (self);
  self->current = position;
  render (self);
  /* Where to resume: saved with the screen, even without a new answer. */
  save (self, NULL);
}

/* ---- public ----------------------------------------------------------------------------- */

void
rs_interview_page_next (RsInterviewPage *self)
{
  g_autoptr(GArray) stops = NULL;
  RsFormJumpEntry *member;
  int index;

  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session == NULL)
    return;
  leave_screen (self);
  take_snapshot (self);
  member = member_at (self, self->current);
  if (member != NULL)
    {
      int next = self->current + 1;

      go_to (self, next < (int) (member->first_screen + member->n_screens) ? next : ROSTER);
      return;
    }
  stops = compute_stops (self);
  index = stop_index (stops, self->current);
  if (index >= 0 && index + 1 < (int) stops->len)
    go_to (self, g_array_index (stops, int, index + 1));
  else
    g_signal_emit (self, signals[SIGNAL_FINISHED_SCREENS], 0);
}

void
rs_interview_page_previous (RsInterviewPage *self)
{
  g_autoptr(GArray) stops = NULL;
  RsFormJumpEntry *member;
  int index;

  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session == NULL)
    return;
  take_snapshot (self);
  member = member_at (self, self->current);
  if (member != NULL)
    {
      int previous = self->current - 1;

      go_to (self, previous >= (int) member->first_screen ? previous : ROSTER);
      return;
    }
  stops = compute_stops (self);
  index = stop_index (stops, self->current);
  if (index > 0)
    go_to (self, g_array_index (stops, int, index - 1));
}

/**
 * rs_interview_page_jump_to_section:
 * @first_screen: the section's first screen; %G_MAXUINT for the roster
 */
void
rs_interview_page_jump_to_section (RsInterviewPage *self,
                                   guint            first_screen)
{
  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session == NULL)
    return;
  go_to (self, first_screen == G_MAXUINT || in_roster (self, (int) first_screen)
               ? ROSTER : (int) first_screen);
}

void
rs_interview_page_add_member (RsInterviewPage *self)
{
  RsFormJumpEntry *roster;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *repeat_path = NULL;
  guint index = 0;

  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session == NULL || self->read_only)
    return;
  take_snapshot (self);
  roster = roster_entry (self);
  if (roster == NULL)
    return;
  repeat_path = g_strdup (roster->path);
  if (!rs_form_session_add_repeat (self->session, repeat_path, &index, &error))
    {
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
      return;
    }
  save (self, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED, repeat_path, NULL, NULL,
                                  _("member added"), elapsed_ms (self)));
  rs_interview_page_edit_member (self, index);
}

/**
 * rs_interview_page_edit_member:
 * @index: 1-based position in the roster
 */
void
rs_interview_page_edit_member (RsInterviewPage *self,
                               guint            index)
{
  g_autoptr(GPtrArray) members = NULL;
  RsFormJumpEntry *member;

  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session == NULL)
    return;
  take_snapshot (self);
  members = roster_members (self);
  if (index < 1 || index > members->len)
    return;
  member = g_ptr_array_index (members, index - 1);
  go_to (self, (int) member->first_screen);
  if (self->views->len > 0)
    rs_question_view_focus (g_ptr_array_index (self->views, 0));
}

/**
 * rs_interview_page_show_problems:
 *
 * Validates the whole record; when something is missing or wrong, shows the first problem on
 * its screen with every missing answer marked.
 *
 * Returns: the number of problems (0: the record can be finalized).
 */
guint
rs_interview_page_show_problems (RsInterviewPage *self)
{
  RsFormProblem *first;
  g_autofree char *first_path = NULL;
  guint n_problems;
  int screen;

  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), 0);
  if (self->session == NULL)
    return 0;
  rs_interview_page_flush (self);
  take_snapshot (self);
  if (self->problems->len == 0)
    return 0;
  self->show_all_required = TRUE;
  first = g_ptr_array_index (self->problems, 0);
  /* Moving takes a new snapshot (and frees this one): keep what is needed. */
  first_path = g_strdup (first->path);
  n_problems = self->problems->len;
  screen = screen_of_path (self, first_path);
  go_to (self, screen >= 0 ? screen : ROSTER);
  for (guint i = 0; i < self->views->len; i++)
    {
      RsQuestionView *view = g_ptr_array_index (self->views, i);

      if (g_strcmp0 (rs_question_view_get_path (view), first_path) == 0)
        rs_question_view_focus (view);
    }
  return n_problems;
}

void
rs_interview_page_flush (RsInterviewPage *self)
{
  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  for (guint i = 0; i < self->views->len; i++)
    rs_question_view_flush (g_ptr_array_index (self->views, i));
}

guint
rs_interview_page_get_pending_saves (RsInterviewPage *self)
{
  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), 0);
  return self->pending_saves;
}

/**
 * rs_interview_page_dup_position:
 *
 * Returns: (transfer full): the current screen's path, or "roster".
 */
char *
rs_interview_page_dup_position (RsInterviewPage *self)
{
  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), NULL);
  if (self->session == NULL)
    return g_strdup ("");
  return g_strdup (position_path (self));
}

RsFormSession *
rs_interview_page_get_session (RsInterviewPage *self)
{
  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), NULL);
  return self->session;
}

RsLiveScore *
rs_interview_page_get_live_score (RsInterviewPage *self)
{
  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), NULL);
  return self->live_score;
}

gboolean
rs_interview_page_is_read_only (RsInterviewPage *self)
{
  g_return_val_if_fail (RS_IS_INTERVIEW_PAGE (self), TRUE);
  return self->read_only;
}

/**
 * rs_interview_page_open:
 * @store: where every answer is saved
 * @session: (transfer full): the record
 * @live_score: (transfer full): its live score
 * @resume_at: (nullable): the screen path (or "roster") where the enumerator left off
 * @read_only: show the answers without changing them (finalized and sent records)
 */
void
rs_interview_page_open (RsInterviewPage *self,
                        RsStore         *store,
                        RsFormSession   *session,
                        RsLiveScore     *live_score,
                        const char      *resume_at,
                        gboolean         read_only)
{
  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));

  rs_interview_page_close (self);
  g_set_object (&self->store, store);
  self->session = session;
  self->live_score = live_score;
  self->read_only = read_only;
  self->show_all_required = FALSE;
  self->started_us = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->visited);
  gtk_widget_set_visible (self->nav_bar, TRUE);

  take_snapshot (self);
  self->current = 0;
  if (resume_at != NULL && *resume_at != '\0')
    {
      if (g_str_equal (resume_at, RS_INTERVIEW_ROSTER))
        self->current = ROSTER;
      for (guint i = 0; i < self->screens->len; i++)
        {
          if (g_str_equal (((RsFormScreen *) g_ptr_array_index (self->screens, i))->path,
                           resume_at))
            self->current = (int) i;
        }
    }
  render (self);
}

/**
 * rs_interview_page_close:
 *
 * Saves what is being typed and lets go of the record.
 */
void
rs_interview_page_close (RsInterviewPage *self)
{
  g_return_if_fail (RS_IS_INTERVIEW_PAGE (self));
  if (self->session != NULL)
    leave_screen (self);
  clear_screen (self);
  /* Saves already queued finish in the store's worker; nothing new is started. */
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->live_score, rs_live_score_free);
  g_clear_object (&self->session);
  g_clear_pointer (&self->screens, g_ptr_array_unref);
  g_clear_pointer (&self->jump_index, g_ptr_array_unref);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
}

/* ---- swipe ------------------------------------------------------------------------------ */

static void
on_swipe (GtkGestureSwipe *gesture,
          double           velocity_x,
          double           velocity_y,
          RsInterviewPage *self)
{
  /* A clear horizontal flick turns the page; scrolling up and down does not. */
  if (fabs (velocity_x) < 600 || fabs (velocity_x) < 2 * fabs (velocity_y))
    return;
  if (velocity_x < 0)
    rs_interview_page_next (self);
  else
    rs_interview_page_previous (self);
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
rs_interview_page_dispose (GObject *object)
{
  RsInterviewPage *self = RS_INTERVIEW_PAGE (object);

  if (self->session != NULL)
    rs_interview_page_close (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_INTERVIEW_PAGE);
  g_clear_object (&self->store);
  g_clear_pointer (&self->views, g_ptr_array_unref);
  g_clear_pointer (&self->visited, g_hash_table_unref);
  G_OBJECT_CLASS (rs_interview_page_parent_class)->dispose (object);
}

static void
rs_interview_page_class_init (RsInterviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_interview_page_dispose;

  /**
   * RsInterviewPage::message:
   * @text: something the enumerator should know, e.g. an answer that could not be saved
   */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_STRING);
  /**
   * RsInterviewPage::finished-screens:
   *
   * "Next" on the last screen: time to see the result.
   */
  signals[SIGNAL_FINISHED_SCREENS] = g_signal_new ("finished-screens", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-interview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, box);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, index_button);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, flap);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, index_list);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, screen_box);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, nav_bar);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, position_label);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, next_button);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, live_button);
  gtk_widget_class_bind_template_child (widget_class, RsInterviewPage, live_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
rs_interview_page_init (RsInterviewPage *self)
{
  GtkGesture *swipe;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->views = g_ptr_array_new ();
  self->visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->current = 0;

  g_object_bind_property (self->index_button, "active", self->flap, "reveal-flap",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->index_list, "row-activated", G_CALLBACK (on_index_row_activated),
                    self);

  swipe = gtk_gesture_swipe_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (swipe), TRUE);
  g_signal_connect (swipe, "swipe", G_CALLBACK (on_swipe), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), GTK_EVENT_CONTROLLER (swipe));
}
