/* rs-home-page.c: "Today": the households to visit and in progress, grouped by village.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "rs-home-page.h"

/* One line of the list: a village heading or a household. A list model item, so the view
 * stays fast with thousands of households. */
#define RS_TYPE_HOME_ENTRY (rs_home_entry_get_type ())
G_DECLARE_FINAL_TYPE (RsHomeEntry, rs_home_entry, RS, HOME_ENTRY, GObject)

struct _RsHomeEntry
{
  GObject           parent_instance;
  gboolean          is_header;
  char             *text;            /* village heading, or head's name */
  char             *id;
  char             *details;         /* "Thôn 2 · H-021 · Đang rà soát" */
  RsDisplayState    state;
  RsClassification  classification;
};

G_DEFINE_FINAL_TYPE (RsHomeEntry, rs_home_entry, G_TYPE_OBJECT)

static void
rs_home_entry_finalize (GObject *object)
{
  RsHomeEntry *self = RS_HOME_ENTRY (object);

  g_free (self->text);
  g_free (self->id);
  g_free (self->details);
  G_OBJECT_CLASS (rs_home_entry_parent_class)->finalize (object);
}

static void
rs_home_entry_class_init (RsHomeEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rs_home_entry_finalize;
}

static void
rs_home_entry_init (RsHomeEntry *self)
{
}

static RsHomeEntry *
rs_home_entry_new_header (const char *village,
                          guint       n_households)
{
  RsHomeEntry *self = g_object_new (RS_TYPE_HOME_ENTRY, NULL);
  const char *name = *village != '\0' ? village : _("No village yet");

  self->is_header = TRUE;
  /* TRANSLATORS: a village heading with its number of households, e.g. "Thôn 2 (5)" */
  self->text = g_strdup_printf (_("%s (%u)"), name, n_households);
  return self;
}

static RsHomeEntry *
rs_home_entry_new_item (const RsHomeItem *item)
{
  RsHomeEntry *self = g_object_new (RS_TYPE_HOME_ENTRY, NULL);
  GString *details = g_string_new (rs_display_state_label (item->state));

  self->text = g_strdup (*item->head_name != '\0' ? item->head_name : _("Head’s name not given"));
  self->id = g_strdup (item->id);
  self->state = item->state;
  self->classification = item->classification;
  if (*item->household_code != '\0')
    g_string_append_printf (details, " · %s", item->household_code);
  /* A corrected household says so, since Today shows only its newest version. */
  if (item->version > 1)
    {
      g_autofree char *version = rs_format_version_line (item->version, NULL, 0,
                                                         RS_DISPLAY_STATE_SENT);

      g_string_append_printf (details, " · %s", version);
    }
  self->details = g_string_free (details, FALSE);
  return self;
}

struct _RsHomePage
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  AdwWindowTitle  *window_title;
  GtkLabel        *counts_label;
  GtkSearchEntry  *search_entry;
  GtkStack        *list_stack;
  GtkListView     *list_view;
  GtkButton       *new_button;

  GListStore      *entries;
  GPtrArray       *households;  /* (element-type RsHomeItem) */
  guint            n_visible;
};

G_DEFINE_FINAL_TYPE (RsHomePage, rs_home_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_OPEN_HOUSEHOLD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
rebuild (RsHomePage *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) groups = rs_home_group (self->households, query);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);

  self->n_visible = 0;
  for (guint i = 0; i < groups->len; i++)
    {
      RsVillageGroup *group = g_ptr_array_index (groups, i);

      g_ptr_array_add (entries, rs_home_entry_new_header (group->village, group->items->len));
      for (guint j = 0; j < group->items->len; j++)
        g_ptr_array_add (entries, rs_home_entry_new_item (g_ptr_array_index (group->items, j)));
      self->n_visible += group->items->len;
    }

  g_list_store_splice (self->entries, 0, g_list_model_get_n_items (G_LIST_MODEL (self->entries)),
                       entries->pdata, entries->len);

  if (self->households->len == 0)
    gtk_stack_set_visible_child_name (self->list_stack, "empty");
  else if (self->n_visible == 0)
    gtk_stack_set_visible_child_name (self->list_stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
}

static void
on_search_changed (RsHomePage *self)
{
  rebuild (self);
}

static void
on_list_activate (RsHomePage *self,
                  guint       position)
{
  g_autoptr(RsHomeEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->entries), position);

  if (entry == NULL || entry->is_header)
    return;
  g_signal_emit (self, signals[SIGNAL_OPEN_HOUSEHOLD], 0, entry->id, (int) entry->state);
}

/* Each list row: a heading label, or name + details + class badge. */
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *header = gtk_label_new (NULL);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *details = gtk_label_new (NULL);
  GtkWidget *badge = gtk_label_new (NULL);
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "rs-village-header");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "rs-household-name");
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_label_set_ellipsize (GTK_LABEL (details), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (details, "rs-state");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "rs-badge");
  gtk_widget_set_hexpand (text_box, TRUE);
  gtk_widget_set_margin_top (row, 8);
  gtk_widget_set_margin_bottom (row, 8);
  gtk_widget_set_margin_start (row, 8);
  gtk_widget_set_margin_end (row, 8);
  gtk_widget_set_size_request (row, -1, 56);

  gtk_box_append (GTK_BOX (text_box), name);
  gtk_box_append (GTK_BOX (text_box), details);
  gtk_box_append (GTK_BOX (row), text_box);
  gtk_box_append (GTK_BOX (row), badge);
  gtk_box_append (GTK_BOX (outer), header);
  gtk_box_append (GTK_BOX (outer), row);

  g_object_set_data (G_OBJECT (outer), "header", header);
  g_object_set_data (G_OBJECT (outer), "row", row);
  g_object_set_data (G_OBJECT (outer), "name", name);
  g_object_set_data (G_OBJECT (outer), "details", details);
  g_object_set_data (G_OBJECT (outer), "badge", badge);
  gtk_list_item_set_child (list_item, outer);
}

static void
set_single_class (GtkWidget  *widget,
                  const char *key,
                  const char *css_class)
{
  const char *previous = g_object_get_data (G_OBJECT (widget), key);

  if (previous != NULL)
    gtk_widget_remove_css_class (widget, previous);
  gtk_widget_add_css_class (widget, css_class);
  /* The class names are static strings from rs-format.c. */
  g_object_set_data (G_OBJECT (widget), key, (gpointer) css_class);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  RsHomeEntry *entry = gtk_list_item_get_item (list_item);
  GtkWidget *outer = gtk_list_item_get_child (list_item);
  GtkWidget *header = g_object_get_data (G_OBJECT (outer), "header");
  GtkWidget *row = g_object_get_data (G_OBJECT (outer), "row");
  GtkWidget *name = g_object_get_data (G_OBJECT (outer), "name");
  GtkWidget *details = g_object_get_data (G_OBJECT (outer), "details");
  GtkWidget *badge = g_object_get_data (G_OBJECT (outer), "badge");

  gtk_widget_set_visible (header, entry->is_header);
  gtk_widget_set_visible (row, !entry->is_header);
  gtk_list_item_set_activatable (list_item, !entry->is_header);
  gtk_list_item_set_selectable (list_item, !entry->is_header);

  if (entry->is_header)
    {
      gtk_label_set_text (GTK_LABEL (header), entry->text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (outer), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      entry->text, -1);
    }
  else
    {
      gboolean provisional = entry->state == RS_DISPLAY_STATE_DRAFT;
      g_autofree char *badge_text = rs_badge_text (entry->classification,
                                                                  provisional);
      g_autofree char *accessible = NULL;

      gtk_label_set_text (GTK_LABEL (name), entry->text);
      gtk_label_set_text (GTK_LABEL (details), entry->details);
      set_single_class (details, "state-class", rs_display_state_style_class (entry->state));
      gtk_label_set_text (GTK_LABEL (badge), badge_text);
      set_single_class (badge, "badge-class",
                        rs_badge_style_class (entry->classification));
      gtk_widget_set_visible (badge, entry->state != RS_DISPLAY_STATE_ASSIGNED);
      accessible = g_strdup_printf ("%s, %s, %s", entry->text, entry->details, badge_text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (outer), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
    }
}

static void
rs_home_page_dispose (GObject *object)
{
  RsHomePage *self = RS_HOME_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), RS_TYPE_HOME_PAGE);
  g_clear_object (&self->entries);
  g_clear_pointer (&self->households, g_ptr_array_unref);
  G_OBJECT_CLASS (rs_home_page_parent_class)->dispose (object);
}

static void
rs_home_page_class_init (RsHomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = rs_home_page_dispose;

  /**
   * RsHomePage::open-household:
   * @id: the record's instanceID, or the assignment id when @state is "to visit"
   * @state: the #RsDisplayState of the household
   */
  signals[SIGNAL_OPEN_HOUSEHOLD] =
    g_signal_new ("open-household", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/rasoat/Rasoat/rs-home-page.ui");
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, box);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, window_title);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, counts_label);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, list_view);
  gtk_widget_class_bind_template_child (widget_class, RsHomePage, new_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "rs-home-page");
}

static void
rs_home_page_init (RsHomePage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->households = g_ptr_array_new_with_free_func ((GDestroyNotify) rs_home_item_free);
  self->entries = g_list_store_new (RS_TYPE_HOME_ENTRY);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->entries)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (on_list_activate), self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  rs_home_page_set_counts (self, 0, 0, 0);
  rebuild (self);
}

/**
 * rs_home_page_set_households:
 * @items: (transfer full) (element-type RsHomeItem): the households to show
 */
void
rs_home_page_set_households (RsHomePage *self,
                             GPtrArray  *items)
{
  g_return_if_fail (RS_IS_HOME_PAGE (self));

  g_clear_pointer (&self->households, g_ptr_array_unref);
  self->households = items;
  rebuild (self);
}

void
rs_home_page_set_counts (RsHomePage *self,
                         guint       reviewed_today,
                         guint       waiting,
                         guint       needing_attention)
{
  g_autofree char *text = rs_format_home_counts (reviewed_today, waiting, needing_attention);

  g_return_if_fail (RS_IS_HOME_PAGE (self));
  gtk_label_set_text (self->counts_label, text);
}

/**
 * rs_home_page_set_title:
 * @subtitle: (nullable): e.g. the commune's name
 */
void
rs_home_page_set_title (RsHomePage *self,
                        const char *subtitle)
{
  g_return_if_fail (RS_IS_HOME_PAGE (self));
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
}

guint
rs_home_page_get_n_visible (RsHomePage *self)
{
  g_return_val_if_fail (RS_IS_HOME_PAGE (self), 0);
  return self->n_visible;
}

void
rs_home_page_focus_search (RsHomePage *self)
{
  g_return_if_fail (RS_IS_HOME_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/**
 * rs_home_page_lookup:
 *
 * Returns: (nullable) (transfer none): the household with @id.
 */
const RsHomeItem *
rs_home_page_lookup (RsHomePage *self,
                     const char *id)
{
  g_return_val_if_fail (RS_IS_HOME_PAGE (self), NULL);
  for (guint i = 0; i < self->households->len; i++)
    {
      RsHomeItem *item = g_ptr_array_index (self->households, i);

      if (g_strcmp0 (item->id, id) == 0)
        return item;
    }
  return NULL;
}

/**
 * rs_home_page_open_position:
 * @position: the line of the list (village headings count)
 *
 * Opens the household on that line, as a tap does.
 *
 * Returns: %TRUE if the line is a household.
 */
gboolean
rs_home_page_open_position (RsHomePage *self,
                            guint       position)
{
  g_autoptr(RsHomeEntry) entry = NULL;

  g_return_val_if_fail (RS_IS_HOME_PAGE (self), FALSE);
  entry = g_list_model_get_item (G_LIST_MODEL (self->entries), position);
  if (entry == NULL || entry->is_header)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.activate-item", "u", position);
  return TRUE;
}
