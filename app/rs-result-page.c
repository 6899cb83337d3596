/* rs-result-page.c: the result before finalizing: class, the 12 indicators (deprived first,
 * with reasons and members), the way out with support costs, the support needs; Finalize.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-format.h"
#include "rs-live-score.h"
#include "rs-result-page.h"

struct _RsResultPage
{
  GtkWidget          parent_instance;

  GtkWidget         *box;
  AdwWindowTitle    *window_title;
  GtkLabel          *version_label;
  GtkScrolledWindow *scroller;
  GtkBox            *content;
  GtkButton         *finalize_button;
  GtkButton         *correct_button;
  GtkButton         *edit_button;
};

G_DEFINE_FINAL_TYPE (RsResultPage, rs_result_page, GTK_TYPE_WIDGET)

static GtkWidget *
wrapped_label (const char *text,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static GtkWidget *
group_with_list (RsResultPage *self,
                 const char   *title,
                 const char   *description,
                 GtkWidget   **out_list)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *list = gtk_list_box_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_add_css_class (list, "rs-result-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
  gtk_box_append (self->content, group);
  *out_list = list;
  return group;
}

static GtkWidget *
text_row (const char *title,
          const char *subtitle,
          const char *icon_name,
          const char *css_class)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (subtitle != NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
    }
  if (icon_name != NULL)
    {
      GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

      if (css_class != NULL)
        gtk_widget_add_css_class (icon, css_class);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  /* Deprived rows are coloured whole; a tick alone says "not deprived". */
  if (css_class != NULL && g_str_equal (css_class, "rs-indicator-deprived"))
    gtk_widget_add_css_class (row, css_class);
  return row;
}

static void
add_indicators (RsResultPage  *self,
                const RsScore *score,
                RsLang         lang)
{
  GtkWidget *list;
  g_autofree char *title = NULL;

  /* TRANSLATORS: e.g. "Deprivations: 4 of 12 indicators" */
  title = g_strdup_printf (_("Deprivations: %u of %u indicators"), score->deprivation_count,
                           score->indicators->len);
  group_with_list (self, title, _("Deprived indicators first, with the reason and the members "
                                  "concerned."), &list);
  gtk_widget_set_name (list, "indicators");

  /* Two passes keep the legal order within each part. */
  for (int pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < score->indicators->len; i++)
        {
          RsIndicatorResult *indicator = g_ptr_array_index (score->indicators, i);
          gboolean deprived = indicator->deprived;

          if (deprived != (pass == 0))
            continue;
          if (deprived)
            gtk_list_box_append (GTK_LIST_BOX (list),
                                 text_row (indicator->name[lang], indicator->reason[lang],
                                           "dialog-warning-symbolic",
                                           "rs-indicator-deprived"));
          else
            gtk_list_box_append (GTK_LIST_BOX (list),
                                 text_row (indicator->name[lang],
                                           indicator->assessed ? _("Not deprived")
                                                               : _("Not assessed by this form"),
                                           indicator->assessed ? "emblem-ok-symbolic" : NULL,
                                           indicator->assessed ? "rs-section-complete" : NULL));
        }
    }
}

static void
add_way_out (RsResultPage  *self,
             const RsScore *score,
             RsLang         lang)
{
  GtkWidget *list;
  g_autofree char *total = NULL;
  g_autofree char *total_text = NULL;

  if (!score->has_way_out)
    return;
  group_with_list (self, _("The way out"),
                   score->classification == RS_CLASSIFICATION_POOR
                   ? _("Support that would lift the household out of poverty, with its cost.")
                   : _("Support that would lift the household above the near-poor line, with "
                       "its cost."),
                   &list);
  gtk_widget_set_name (list, "way-out");
  for (guint i = 0; i < score->support->len; i++)
    {
      RsSupportNeed *need = g_ptr_array_index (score->support, i);
      g_autofree char *cost = rs_format_money (need->cost_vnd);
      g_autofree char *subtitle = NULL;

      if (need->quantity > 1)
        /* TRANSLATORS: a support item for several people: "× 3 people · 2.400.000 đ" */
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "× %u person · %s",
                                                 "× %u people · %s", need->quantity),
                                    need->quantity, cost);
      else
        subtitle = g_strdup (cost);
      gtk_list_box_append (GTK_LIST_BOX (list), text_row (need->name[lang], subtitle,
                                                          "list-add-symbolic", NULL));
    }
  if (score->income_gap_monthly > 0)
    {
      g_autofree char *gap = rs_format_money (score->income_gap_monthly);
      g_autofree char *text = g_strdup_printf (_("Income to add: %s per person per month"), gap);

      gtk_list_box_append (GTK_LIST_BOX (list), text_row (text, NULL, "go-up-symbolic", NULL));
    }
  total = rs_format_money (score->way_out_cost_vnd);
  total_text = g_strdup_printf (_("Total cost of the support: %s"), total);
  gtk_list_box_append (GTK_LIST_BOX (list), text_row (total_text, NULL, NULL, NULL));
}

/**
 * rs_result_page_show:
 * @score: (nullable): the household's score; %NULL when it cannot be scored yet
 * @head_name: (nullable): for the title
 * @support_needs: (nullable): the support needs answered in Phiếu C, in words
 */
void
rs_result_page_show (RsResultPage  *self,
                     const RsScore *score,
                     const char    *head_name,
                     const char    *support_needs,
                     RsResultMode   mode)
{
  RsLang lang = rs_live_score_get_lang ();
  RsClassification classification = score != NULL ? score->classification
                                                  : RS_CLASSIFICATION_UNKNOWN;
  g_autofree char *badge = rs_badge_text (classification, mode == RS_RESULT_MODE_DRAFT);
  GtkWidget *child;
  GtkWidget *badge_label;

  g_return_if_fail (RS_IS_RESULT_PAGE (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->content))) != NULL)
    gtk_box_remove (self->content, child);

  adw_window_title_set_subtitle (self->window_title, head_name != NULL ? head_name : "");
  badge_label = wrapped_label (badge, "rs-result-class");
  gtk_widget_add_css_class (badge_label, rs_badge_style_class (classification));
  gtk_widget_set_name (badge_label, "classification");
  gtk_box_append (self->content, badge_label);

  if (score == NULL)
    {
      gtk_box_append (self->content,
                      wrapped_label (_("Not enough answers to score the household yet: the "
                                       "review date, the area, the members and the income are "
                                       "needed."), "title-4"));
    }
  else
    {
      if (score->income_known && score->line_known)
        {
          g_autofree char *income = rs_format_money (score->per_capita_monthly);
          g_autofree char *line = rs_format_money (score->line);
          g_autofree char *text =
            g_strdup_printf (score->per_capita_monthly <= score->line
                             ? _("Income %s per person per month, at or below the line of %s")
                             : _("Income %s per person per month, above the line of %s"),
                             income, line);

          gtk_box_append (self->content, wrapped_label (text, "title-3"));
        }
      if (score->status == RS_STANDARD_STATUS_PROVISIONAL)
        gtk_box_append (self->content,
                        wrapped_label (_("Scored with a provisional standard: the result may "
                                         "change when the official one is published."),
                                       "rs-question-error"));
      if (score->screened_out)
        gtk_box_append (self->content,
                        wrapped_label (_("The household shows a sign of Form A (quick "
                                         "screening) and is not reviewed further."), "title-4"));
      if (score->indicators->len > 0)
        add_indicators (self, score, lang);
      add_way_out (self, score, lang);
    }

  if (support_needs != NULL && *support_needs != '\0')
    {
      GtkWidget *list;

      group_with_list (self, _("Support the household needs"), NULL, &list);
      gtk_list_box_append (GTK_LIST_BOX (list), text_row (support_needs, NULL, NULL, NULL));
    }

  gtk_widget_set_visible (GTK_WIDGET (self->finalize_button), mode == RS_RESULT_MODE_DRAFT);
  if (mode == RS_RESULT_MODE_FINALIZED)
    gtk_box_append (self->content, wrapped_label (_("Finished: waiting to be sent to the "
                                                    "district."), "title-4"));
  else if (mode == RS_RESULT_MODE_SENT)
    gtk_box_append (self->content, wrapped_label (_("Sent to the district."), "title-4"));
  else if (mode == RS_RESULT_MODE_SUPERSEDED)
    gtk_box_append (self->content, wrapped_label (_("Sent, then replaced by a newer version of "
                                                    "this household."), "title-4"));
  else if (mode == RS_RESULT_MODE_REFUSED)
    gtk_box_append (self->content,
                    wrapped_label (_("Refused by the server: the Send page shows its message. "
                                     "Correct the answers, then finalize again."),
                                   "rs-question-error"));
  gtk_widget_set_visible (GTK_WIDGET (self->correct_button), mode == RS_RESULT_MODE_REFUSED);
  gtk_widget_set_visible (GTK_WIDGET (self->edit_button), mode == RS_RESULT_MODE_SENT);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

static void
rs_result_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), RS_TYPE_RESULT_PAGE);
  G_OBJECT_CLASS (rs_result_page_parent_class)->dispose (object);
}

static void
rs_result_page_class_init (RsResultPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_result_page_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-result-page.ui");
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, box);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, version_label);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, content);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, finalize_button);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, correct_button);
  gtk_widget_class_bind_template_child (widget_class, RsResultPage, edit_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
rs_result_page_init (RsResultPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * rs_result_page_set_version:
 * @version_line: (nullable): rs_format_version_line() of the record shown, or %NULL for a
 *   household never edited
 *
 * Says which version of the household this is, above the result, so that an older version
 * opened from the sync page is not taken for the one that counts.
 */
void
rs_result_page_set_version (RsResultPage *self,
                            const char   *version_line)
{
  g_return_if_fail (RS_IS_RESULT_PAGE (self));
  gtk_label_set_text (self->version_label, version_line != NULL ? version_line : "");
  gtk_widget_set_visible (GTK_WIDGET (self->version_label),
                          version_line != NULL && *version_line != '\0');
}
