/* rs-gui-test.h: driving the real app in a GUI test: waiting, finding widgets, screenshots.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <string.h>

#include "rs-test.h"

/* Runs the main loop until @condition is true or @timeout_ms passes; returns the condition. */
static inline gboolean
rs_gui_wait_until (gboolean (*condition) (gpointer data),
                   gpointer   data,
                   guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

/* Lets the main loop run for @ms (layout, frames, idle saves). */
static inline void
rs_gui_spin (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Depth-first search for a widget named @name (gtk_widget_set_name), visible or not. */
static inline GtkWidget *
rs_gui_find_named (GtkWidget  *root,
                   const char *name)
{
  if (root == NULL)
    return NULL;
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = rs_gui_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first mapped (on screen) widget of @type under @root. */
static inline GtkWidget *
rs_gui_find_mapped_type (GtkWidget *root,
                         GType      type)
{
  if (root == NULL)
    return NULL;
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = rs_gui_find_mapped_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Clicks a button the way a tap does: through its "clicked" signal, only if it is usable. */
static inline void
rs_gui_click (GtkWidget *button)
{
  ck_assert_ptr_nonnull (button);
  ck_assert_msg (gtk_widget_is_sensitive (button), "button %s is not sensitive",
                 gtk_widget_get_name (button));
  ck_assert_msg (gtk_widget_get_mapped (button), "button %s is not on screen",
                 gtk_widget_get_name (button));
  if (GTK_IS_BUTTON (button))
    g_signal_emit_by_name (button, "clicked");
  else
    gtk_widget_activate (button);
}

/* Renders @window into a PNG file, as it is on screen. */
static inline void
rs_gui_screenshot (GtkWidget  *window,
                   const char *path)
{
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  ck_assert_ptr_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  ck_assert_msg (gdk_texture_save_to_png (texture, path), "cannot write %s", path);
}
