/* rs-question-view.c: one question on screen: label, hint, a large input for its type, and its
 * error in plain words.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rs-date-picker.h"
#include "rs-format.h"
#include "rs-geopoint-input.h"
#include "rs-question-view.h"

/* Longer lists of choices go in a searchable drop-down rather than rows (e.g. 54 ethnicities). */
#define MAX_CHOICE_ROWS 12
/* Typing pauses this long before the answer is saved (leaving the screen saves at once). */
#define TYPING_DELAY_MS 300

typedef enum
{
  INPUT_TEXT,
  INPUT_INTEGER,
  INPUT_DECIMAL,
  INPUT_DATE,
  INPUT_GEOPOINT,
  INPUT_CHOICE_ROWS,
  INPUT_CHOICE_LIST,
  INPUT_MULTIPLE,
  INPUT_NONE,
} InputKind;

struct _RsQuestionView
{
  GtkWidget   parent_instance;

  GtkWidget  *box;
  GtkLabel   *label;
  GtkLabel   *hint;
  GtkLabel   *error;
  GtkWidget  *input;          /* entry, date picker, list box or drop-down */
  GPtrArray  *checks;         /* GtkCheckButton per choice (rows) */
  GPtrArray  *choice_values;  /* char*, in the form's order */

  char       *path;
  InputKind   kind;
  char       *value;          /* the value last sent or shown */
  guint       typing_source;
  gboolean    updating;
  gboolean    has_error;
};

G_DEFINE_FINAL_TYPE (RsQuestionView, rs_question_view, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_ANSWER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
send_answer (RsQuestionView *self,
             const char     *value)
{
  if (g_strcmp0 (value, self->value) == 0)
    return;
  g_free (self->value);
  self->value = g_strdup (value);
  g_signal_emit (self, signals[SIGNAL_ANSWER], 0, self->path, value);
}

/* What an entry holds, as the form stores it ("1.500.000" → "1500000", "45,5" → "45.5"). */
static char *
entry_value (RsQuestionView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->input));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gint64 number;
  double decimal;
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (*stripped == '\0')
    return g_strdup ("");
  switch (self->kind)
    {
    case INPUT_INTEGER:
      if (rs_parse_number (stripped, &number))
        return g_strdup_printf ("%" G_GINT64_FORMAT, number);
      return g_steal_pointer (&stripped);   /* the form's type check reports it */
    case INPUT_DECIMAL:
      if (rs_parse_decimal (stripped, &decimal))
        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, decimal));
      return g_steal_pointer (&stripped);
    case INPUT_TEXT:
    case INPUT_DATE:
    case INPUT_GEOPOINT:
    case INPUT_CHOICE_ROWS:
    case INPUT_CHOICE_LIST:
    case INPUT_MULTIPLE:
    case INPUT_NONE:
    default:
      return g_strdup (text);
    }
}

static gboolean
typing_done (gpointer user_data)
{
  RsQuestionView *self = user_data;
  g_autofree char *value = NULL;

  self->typing_source = 0;
  value = entry_value (self);
  send_answer (self, value);
  return G_SOURCE_REMOVE;
}

/**
 * rs_question_view_flush:
 *
 * Saves what is being typed now, without waiting for the pause.
 */
void
rs_question_view_flush (RsQuestionView *self)
{
  g_return_if_fail (RS_IS_QUESTION_VIEW (self));
  if (self->typing_source != 0)
    {
      g_source_remove (self->typing_source);
      typing_done (self);
    }
}

/* Regroups thousands while typing ("1500000" reads "1.500.000"), keeping the cursor. */
static void
regroup_integer (RsQuestionView *self)
{
  GtkEditable *editable = GTK_EDITABLE (self->input);
  const char *text = gtk_editable_get_text (editable);
  int cursor = gtk_editable_get_position (editable);
  int new_cursor = cursor;
  g_autofree char *grouped = rs_format_grouped_input (text, cursor, &new_cursor);

  if (g_strcmp0 (grouped, text) == 0)
    return;
  self->updating = TRUE;
  gtk_editable_set_text (editable, grouped);
  gtk_editable_set_position (editable, new_cursor);
  self->updating = FALSE;
}

static void
on_entry_changed (RsQuestionView *self)
{
  if (self->updating)
    return;
  if (self->kind == INPUT_INTEGER)
    regroup_integer (self);
  if (self->typing_source != 0)
    g_source_remove (self->typing_source);
  self->typing_source = g_timeout_add (TYPING_DELAY_MS, typing_done, self);
}

static void
on_entry_activate (RsQuestionView *self)
{
  rs_question_view_flush (self);
  gtk_widget_child_focus (gtk_widget_get_root (GTK_WIDGET (self)) != NULL
                          ? GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)))
                          : GTK_WIDGET (self),
                          GTK_DIR_TAB_FORWARD);
}

static void
on_date_changed (RsQuestionView *self)
{
  if (!self->updating)
    send_answer (self, rs_date_picker_get_value (RS_DATE_PICKER (self->input)));
}

static void
on_geopoint_changed (RsQuestionView *self)
{
  if (!self->updating)
    send_answer (self, rs_geopoint_input_get_value (RS_GEOPOINT_INPUT (self->input)));
}

static void
on_choice_toggled (GtkCheckButton *check,
                   RsQuestionView *self)
{
  g_autoptr(GString) value = g_string_new (NULL);
  const char *toggled_value = g_object_get_data (G_OBJECT (check), "value");
  gboolean active = gtk_check_button_get_active (check);

  if (self->updating)
    return;
  if (self->kind == INPUT_CHOICE_ROWS)
    {
      /* Radio group: only the button turning on answers. */
      if (active)
        send_answer (self, toggled_value);
      return;
    }

  /* "none" excludes the other choices, and any other choice excludes "none". */
  self->updating = TRUE;
  for (guint i = 0; i < self->checks->len && active; i++)
    {
      GtkCheckButton *other = g_ptr_array_index (self->checks, i);
      const char *other_value = g_object_get_data (G_OBJECT (other), "value");

      if (other != check
          && (g_str_equal (toggled_value, "none") || g_str_equal (other_value, "none")))
        gtk_check_button_set_active (other, FALSE);
    }
  self->updating = FALSE;

  for (guint i = 0; i < self->checks->len; i++)
    {
      GtkCheckButton *button = g_ptr_array_index (self->checks, i);

      if (!gtk_check_button_get_active (button))
        continue;
      if (value->len > 0)
        g_string_append_c (value, ' ');
      g_string_append (value, g_object_get_data (G_OBJECT (button), "value"));
    }
  send_answer (self, value->str);
}

static void
on_dropdown_selected (RsQuestionView *self)
{
  guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->input));

  if (self->updating)
    return;
  /* Item 0 is "Choose…". */
  if (selected == GTK_INVALID_LIST_POSITION || selected == 0)
    send_answer (self, "");
  else
    send_answer (self, g_ptr_array_index (self->choice_values, selected - 1));
}

static GtkWidget *
build_choice_rows (RsQuestionView       *self,
                   const RsFormQuestion *question,
                   gboolean              multiple)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkCheckButton *group = NULL;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  question->label, -1);
  for (guint i = 0; i < question->choices->len; i++)
    {
      RsFormChoiceItem *choice = g_ptr_array_index (question->choices, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *name = g_strdup_printf ("choice:%s", choice->value);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), choice->label);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_add_css_class (row, "rs-choice");
      if (!multiple)
        {
          if (group == NULL)
            group = GTK_CHECK_BUTTON (check);
          else
            gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
        }
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_widget_set_name (check, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      choice->label, -1);
      g_object_set_data_full (G_OBJECT (check), "value", g_strdup (choice->value), g_free);
      g_signal_connect (check, "toggled", G_CALLBACK (on_choice_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
      g_ptr_array_add (self->checks, check);
    }
  return list;
}

static GtkWidget *
build_choice_list (RsQuestionView       *self,
                   const RsFormQuestion *question)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autoptr(GtkExpression) expression = NULL;
  GtkWidget *dropdown;

  gtk_string_list_append (labels, _("Choose…"));
  for (guint i = 0; i < question->choices->len; i++)
    gtk_string_list_append (labels, ((RsFormChoiceItem *) g_ptr_array_index (question->choices,
                                                                             i))->label);
  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (labels)),
                                g_steal_pointer (&expression));
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (dropdown), TRUE);
  gtk_widget_set_name (dropdown, "choices");
  gtk_widget_set_halign (dropdown, GTK_ALIGN_START);
  gtk_widget_set_size_request (dropdown, 320, 48);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  question->label, -1);
  g_signal_connect_swapped (dropdown, "notify::selected", G_CALLBACK (on_dropdown_selected), self);
  return dropdown;
}

static GtkWidget *
build_entry (RsQuestionView       *self,
             const RsFormQuestion *question)
{
  GtkWidget *entry = gtk_entry_new ();
  gboolean numbers = g_strcmp0 (question->appearance, "numbers") == 0;

  gtk_widget_add_css_class (entry, "rs-big-entry");
  gtk_widget_set_name (entry, "entry");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  question->label, -1);
  switch (self->kind)
    {
    case INPUT_INTEGER:
      /* A phone keypad shows digits and the minus sign net income may need. */
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
      gtk_entry_set_alignment (GTK_ENTRY (entry), 1.0);
      gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "0");
      break;
    case INPUT_DECIMAL:
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
      gtk_entry_set_alignment (GTK_ENTRY (entry), 1.0);
      break;
    case INPUT_TEXT:
    case INPUT_DATE:
    case INPUT_GEOPOINT:
    case INPUT_CHOICE_ROWS:
    case INPUT_CHOICE_LIST:
    case INPUT_MULTIPLE:
    case INPUT_NONE:
    default:
      if (numbers)
        gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_DIGITS);
      else if (question->type == RS_FORM_TYPE_STRING)
        gtk_entry_set_input_hints (GTK_ENTRY (entry), GTK_INPUT_HINT_UPPERCASE_WORDS);
      break;
    }
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (on_entry_changed), self);
  g_signal_connect_swapped (entry, "activate", G_CALLBACK (on_entry_activate), self);
  return entry;
}

static InputKind
input_kind (const RsFormQuestion *question)
{
  switch (question->control)
    {
    case RS_FORM_CONTROL_SELECT1:
      return question->choices->len > MAX_CHOICE_ROWS ? INPUT_CHOICE_LIST : INPUT_CHOICE_ROWS;
    case RS_FORM_CONTROL_SELECT:
      return INPUT_MULTIPLE;
    case RS_FORM_CONTROL_INPUT:
      switch (question->type)
        {
        case RS_FORM_TYPE_INT:
          return INPUT_INTEGER;
        case RS_FORM_TYPE_DECIMAL:
          return INPUT_DECIMAL;
        case RS_FORM_TYPE_DATE:
          return INPUT_DATE;
        case RS_FORM_TYPE_GEOPOINT:
          return INPUT_GEOPOINT;
        case RS_FORM_TYPE_STRING:
        case RS_FORM_TYPE_DATE_TIME:
        case RS_FORM_TYPE_TIME:
        case RS_FORM_TYPE_SELECT1:
        case RS_FORM_TYPE_SELECT:
        case RS_FORM_TYPE_BINARY:
        case RS_FORM_TYPE_BOOLEAN:
        default:
          return INPUT_TEXT;
        }
    case RS_FORM_CONTROL_TRIGGER:
    case RS_FORM_CONTROL_UPLOAD:
    case RS_FORM_CONTROL_GROUP:
    case RS_FORM_CONTROL_REPEAT:
    default:
      return INPUT_NONE;
    }
}

/* Shows @value in the input without sending it back as an answer. */
static void
show_value (RsQuestionView *self,
            const char     *value)
{
  self->updating = TRUE;
  switch (self->kind)
    {
    case INPUT_INTEGER:
      {
        gint64 number;
        g_autofree char *text = rs_parse_number (value, &number) ? rs_format_number (number)
                                                                 : g_strdup (value);

        gtk_editable_set_text (GTK_EDITABLE (self->input), text);
      }
      break;
    case INPUT_DECIMAL:
      {
        double decimal;
        g_autofree char *text = NULL;

        if (*value != '\0' && rs_parse_decimal (value, &decimal))
          text = rs_format_decimal (decimal, 2);
        gtk_editable_set_text (GTK_EDITABLE (self->input), text != NULL ? text : value);
      }
      break;
    case INPUT_TEXT:
      gtk_editable_set_text (GTK_EDITABLE (self->input), value);
      break;
    case INPUT_DATE:
      rs_date_picker_set_value (RS_DATE_PICKER (self->input), value);
      break;
    case INPUT_GEOPOINT:
      rs_geopoint_input_set_value (RS_GEOPOINT_INPUT (self->input), value);
      break;
    case INPUT_CHOICE_ROWS:
    case INPUT_MULTIPLE:
      {
        g_auto(GStrv) chosen = g_strsplit (value, " ", -1);

        for (guint i = 0; i < self->checks->len; i++)
          {
            GtkCheckButton *check = g_ptr_array_index (self->checks, i);

            gtk_check_button_set_active (check,
                                         g_strv_contains ((const char * const *) chosen,
                                                          g_object_get_data (G_OBJECT (check),
                                                                             "value")));
          }
      }
      break;
    case INPUT_CHOICE_LIST:
      {
        guint selected = 0;

        for (guint i = 0; i < self->choice_values->len; i++)
          {
            if (g_str_equal (g_ptr_array_index (self->choice_values, i), value))
              selected = i + 1;
          }
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->input), selected);
      }
      break;
    case INPUT_NONE:
    default:
      break;
    }
  self->updating = FALSE;
  g_free (self->value);
  self->value = g_strdup (value);
}

static gboolean
is_being_typed (RsQuestionView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return self->typing_source != 0
         || (focus != NULL && (self->kind == INPUT_TEXT || self->kind == INPUT_INTEGER
                               || self->kind == INPUT_DECIMAL)
             && (focus == self->input || gtk_widget_is_ancestor (focus, self->input)));
}

static void
rs_question_view_dispose (GObject *object)
{
  RsQuestionView *self = RS_QUESTION_VIEW (object);

  g_clear_handle_id (&self->typing_source, g_source_remove);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->choice_values, g_ptr_array_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->value, g_free);
  G_OBJECT_CLASS (rs_question_view_parent_class)->dispose (object);
}

static void
rs_question_view_class_init (RsQuestionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_question_view_dispose;

  /**
   * RsQuestionView::answer:
   * @path: the question's path
   * @value: the answer as the form stores it ("" clears it)
   */
  signals[SIGNAL_ANSWER] = g_signal_new ("answer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                         G_TYPE_STRING);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "rs-question");
}

static void
rs_question_view_init (RsQuestionView *self)
{
  self->checks = g_ptr_array_new ();
  self->choice_values = g_ptr_array_new_with_free_func (g_free);
  self->value = g_strdup ("");
}

/**
 * rs_question_view_new:
 *
 * Returns: (transfer floating): the view of @question; named "q:<path>" so tests find it.
 */
GtkWidget *
rs_question_view_new (const RsFormQuestion *question)
{
  RsQuestionView *self = g_object_new (RS_TYPE_QUESTION_VIEW, NULL);
  g_autofree char *name = g_strdup_printf ("q:%s", question->path);
  GtkWidget *label;
  GtkWidget *hint;
  GtkWidget *error;

  self->path = g_strdup (question->path);
  self->kind = input_kind (question);
  gtk_widget_set_name (GTK_WIDGET (self), name);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "rs-question-label");
  self->label = GTK_LABEL (label);
  hint = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "rs-question-hint");
  self->hint = GTK_LABEL (hint);
  error = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error), 0);
  gtk_widget_add_css_class (error, "rs-question-error");
  gtk_widget_set_visible (error, FALSE);
  gtk_widget_set_name (error, "error");
  self->error = GTK_LABEL (error);

  switch (self->kind)
    {
    case INPUT_CHOICE_ROWS:
      self->input = build_choice_rows (self, question, FALSE);
      break;
    case INPUT_MULTIPLE:
      self->input = build_choice_rows (self, question, TRUE);
      break;
    case INPUT_CHOICE_LIST:
      for (guint i = 0; i < question->choices->len; i++)
        g_ptr_array_add (self->choice_values,
                         g_strdup (((RsFormChoiceItem *) g_ptr_array_index (question->choices,
                                                                            i))->value));
      self->input = build_choice_list (self, question);
      break;
    case INPUT_DATE:
      self->input = rs_date_picker_new ();
      rs_date_picker_set_label (RS_DATE_PICKER (self->input), question->label);
      g_signal_connect_swapped (self->input, "changed", G_CALLBACK (on_date_changed), self);
      break;
    case INPUT_GEOPOINT:
      self->input = rs_geopoint_input_new ();
      gtk_widget_set_name (self->input, "geopoint");
      rs_geopoint_input_set_label (RS_GEOPOINT_INPUT (self->input), question->label);
      g_signal_connect_swapped (self->input, "changed", G_CALLBACK (on_geopoint_changed), self);
      break;
    case INPUT_TEXT:
    case INPUT_INTEGER:
    case INPUT_DECIMAL:
      self->input = build_entry (self, question);
      break;
    case INPUT_NONE:
    default:
      self->input = NULL;
      break;
    }

  gtk_box_append (GTK_BOX (self->box), label);
  gtk_box_append (GTK_BOX (self->box), hint);
  if (self->input != NULL)
    {
      gtk_box_append (GTK_BOX (self->box), self->input);
    }
  gtk_box_append (GTK_BOX (self->box), error);

  rs_question_view_update (self, question, FALSE);
  return GTK_WIDGET (self);
}

const char *
rs_question_view_get_path (RsQuestionView *self)
{
  g_return_val_if_fail (RS_IS_QUESTION_VIEW (self), NULL);
  return self->path;
}

/**
 * rs_question_view_update:
 * @question: the question as the session sees it now
 * @show_required: show "required" on empty required questions (after Next or Finalize)
 *
 * Follows the session: relevance, label (it may quote other answers), the value unless the
 * enumerator is typing in it, and the error.
 */
void
rs_question_view_update (RsQuestionView       *self,
                         const RsFormQuestion *question,
                         gboolean              show_required)
{
  g_autofree char *label = NULL;
  const char *problem = NULL;

  g_return_if_fail (RS_IS_QUESTION_VIEW (self));

  gtk_widget_set_visible (GTK_WIDGET (self), question->relevant);
  label = question->required ? g_strdup_printf ("%s *", question->label)
                             : g_strdup (question->label);
  gtk_label_set_text (self->label, label);
  gtk_label_set_text (self->hint, question->hint != NULL ? question->hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->hint), question->hint != NULL && *question->hint);
  if (self->input != NULL)
    gtk_widget_set_sensitive (self->input, !question->readonly);

  if (!is_being_typed (self) && g_strcmp0 (question->value, self->value) != 0)
    show_value (self, question->value);
  else if (self->input == NULL || self->kind == INPUT_DATE)
    {
      g_free (self->value);
      self->value = g_strdup (question->value);
    }

  if (question->relevant && !question->constraint_ok && *question->value != '\0')
    problem = question->constraint_message != NULL ? question->constraint_message
                                                   : _("This answer is not possible. Check it.");
  else if (question->relevant && question->required && *question->value == '\0'
           && show_required)
    problem = question->required_message != NULL ? question->required_message
                                                 : _("This question must be answered.");
  /* A date being chosen is incomplete until the day is picked: no error for that. */
  if (problem == NULL && self->kind == INPUT_DATE && show_required && question->required
      && question->relevant && *rs_date_picker_get_value (RS_DATE_PICKER (self->input)) == '\0')
    problem = question->required_message;

  self->has_error = problem != NULL;
  gtk_label_set_text (self->error, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error), problem != NULL);
  if (self->input != NULL)
    {
      if (problem != NULL)
        {
          gtk_widget_add_css_class (self->input, "error");
          gtk_accessible_update_state (GTK_ACCESSIBLE (self->input),
                                       GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                       -1);
        }
      else
        {
          gtk_widget_remove_css_class (self->input, "error");
          gtk_accessible_reset_state (GTK_ACCESSIBLE (self->input),
                                      GTK_ACCESSIBLE_STATE_INVALID);
        }
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->input),
                                      GTK_ACCESSIBLE_PROPERTY_REQUIRED, question->required, -1);
    }
}

gboolean
rs_question_view_has_error (RsQuestionView *self)
{
  g_return_val_if_fail (RS_IS_QUESTION_VIEW (self), FALSE);
  return self->has_error && gtk_widget_get_visible (GTK_WIDGET (self));
}

void
rs_question_view_focus (RsQuestionView *self)
{
  g_return_if_fail (RS_IS_QUESTION_VIEW (self));
  if (self->input != NULL)
    gtk_widget_grab_focus (self->input);
}
