/* test-app-e2e.c: the real app under Xvfb: setup, a whole household through the UI, finalize,
 * then the record and its score checked in the database; screenshots of every page.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "rs-application.h"
#include "rs-fake-geoclue.h"
#include "rs-gui-test.h"
#include "rs-home-page.h"
#include "rs-interview-page.h"
#include "rs-preferences-window.h"
#include "rs-result-page.h"
#include "rs-setup-page.h"
#include "rs-store.h"
#include "rs-sync-page.h"
#include "rs-window.h"

typedef struct
{
  RsApplication *app;
  RsWindow      *window;
  char          *tmpdir;
  char          *db_path;
  char          *shots_dir;
  gboolean       script_done;
  GSubprocess   *server;
  char          *server_url;
  char          *instance_id;   /* the household interviewed, "uuid:…" */
  char          *new_version;   /* its edit after sending, "uuid:…", or NULL */
  RsFakeGeoclue *geoclue;       /* the tablet's location service, on the test's bus */
} E2E;

static E2E e2e;

static GtkWidget *
template_child (gpointer    widget,
                GType       type,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  ck_assert_msg (child != NULL, "no template child %s", name);
  return GTK_WIDGET (child);
}

static gboolean
window_is_up (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (e2e.app));

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return FALSE;
  e2e.window = RS_WINDOW (window);
  return TRUE;
}

static gboolean
page_is (gpointer data)
{
  return g_strcmp0 (rs_window_get_page_name (e2e.window), data) == 0;
}

static void
wait_for_page (const char *name)
{
  ck_assert_msg (rs_gui_wait_until (page_is, (gpointer) name, 20000),
                 "the window shows page \"%s\", not \"%s\"",
                 rs_window_get_page_name (e2e.window), name);
  rs_gui_spin (300);
}

typedef struct
{
  int width;
  int height;
} Size;

static gboolean
window_has_size (gpointer data)
{
  const Size *size = data;

  /* The window's own frame (client-side decoration) takes a few pixels of the default size. */
  return ABS (gtk_widget_get_width (GTK_WIDGET (e2e.window)) - size->width) <= 24
         && ABS (gtk_widget_get_height (GTK_WIDGET (e2e.window)) - size->height) <= 24;
}

static void
resize (int width,
        int height)
{
  Size size = { width, height };

  gtk_window_set_default_size (GTK_WINDOW (e2e.window), width, height);
  ck_assert_msg (rs_gui_wait_until (window_has_size, &size, 10000),
                 "the window did not become %dx%d (it is %dx%d)", width, height,
                 gtk_widget_get_width (GTK_WIDGET (e2e.window)),
                 gtk_widget_get_height (GTK_WIDGET (e2e.window)));
  rs_gui_spin (400);
}

/* Saves the window as <name>-portrait.png and <name>-landscape.png, ending in portrait. */
static void
screenshots (const char *name)
{
  g_autofree char *portrait = g_strdup_printf ("%s/%s-portrait.png", e2e.shots_dir, name);
  g_autofree char *landscape = g_strdup_printf ("%s/%s-landscape.png", e2e.shots_dir, name);

  resize (800, 1280);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), portrait);
  resize (1280, 800);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), landscape);
  resize (800, 1280);
}

static void
set_text (GtkWidget  *editable,
          const char *text)
{
  ck_assert_ptr_nonnull (editable);
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
  rs_gui_spin (20);
}

static void
do_setup (void)
{
  GtkWidget *setup = template_child (e2e.window, RS_TYPE_WINDOW, "setup_page");
  GtkWidget *start = template_child (setup, RS_TYPE_SETUP_PAGE, "start_button");
  GtkWidget *error_label = template_child (setup, RS_TYPE_SETUP_PAGE, "error_label");

  wait_for_page ("setup");
  screenshots ("setup");

  /* An empty form is refused inline, and nothing is saved. */
  rs_gui_click (start);
  rs_gui_spin (100);
  ck_assert (gtk_widget_get_visible (error_label));
  ck_assert (page_is ("setup"));

  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "name_row"), "Lò Thị Hạnh");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "province_row"), "Sơn La");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_code_row"), "1234");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_name_row"), "Chiềng Cơi");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "villages_row"), "Bản Hìn, Bản Sẳng");
  rs_gui_click (start);
  rs_gui_spin (100);
  ck_assert_msg (page_is ("setup"), "a 4-digit commune code was accepted");
  set_text (template_child (setup, RS_TYPE_SETUP_PAGE, "commune_code_row"), "19183");
  rs_gui_click (start);
  wait_for_page ("home");
}

static gboolean
home_shows (gpointer data)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");

  return rs_home_page_get_n_visible (RS_HOME_PAGE (home)) == GPOINTER_TO_UINT (data);
}

/* The district's list: households to visit, as the server hands them to the tablet. */
static void
seed_assignments (void)
{
  static const struct
  {
    const char *id;
    const char *village;
    const char *code;
    const char *head;
  } households[] = {
    { "a-101", "Bản Hìn", "BH-01", "Lò Văn Pấng" },
    { "a-102", "Bản Hìn", "BH-02", "Quàng Thị Ón" },
    { "a-103", "Bản Hìn", "BH-03", "Cà Văn Thương" },
    { "a-201", "Bản Sẳng", "BS-01", "Lường Văn Đức" },
    { "a-202", "Bản Sẳng", "BS-02", "Tòng Thị Hoa" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (e2e.db_path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  g_autoptr(GPtrArray) assignments =
    g_ptr_array_new_with_free_func ((GDestroyNotify) rs_assignment_free);

  ck_assert_msg (store != NULL, "%s", error != NULL ? error->message : "");
  for (guint i = 0; i < G_N_ELEMENTS (households); i++)
    g_ptr_array_add (assignments, rs_assignment_new (households[i].id, households[i].village,
                                                     households[i].code, households[i].head,
                                                     "none", NULL));
  ck_assert (rs_store_replace_assignments (store, assignments, &error));
  rs_store_close (store);
}

static void
check_home_search (void)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");
  GtkWidget *search = template_child (home, RS_TYPE_HOME_PAGE, "search_entry");

  ck_assert_msg (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (5), 10000),
                 "Today shows %u households, not the 5 assigned",
                 rs_home_page_get_n_visible (RS_HOME_PAGE (home)));
  /* Without diacritics, any word order. */
  set_text (search, "thi hoa");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (1), 5000));
  set_text (search, "ban hin");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (3), 5000));
  set_text (search, "");
  ck_assert (rs_gui_wait_until (home_shows, GUINT_TO_POINTER (5), 5000));
}

static void
visit_sync_page (const char *shot_name)
{
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.show-sync", NULL);
  wait_for_page ("sync");
  screenshots (shot_name);
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
}

/* ---- the interview, through its widgets ---- */

static RsInterviewPage *
interview (void)
{
  return RS_INTERVIEW_PAGE (template_child (e2e.window, RS_TYPE_WINDOW, "interview_page"));
}

static gboolean
saves_done (gpointer data)
{
  return rs_interview_page_get_pending_saves (interview ()) == 0;
}

static void
settle (void)
{
  ck_assert_msg (rs_gui_wait_until (saves_done, NULL, 10000), "answers are still being saved");
  rs_gui_spin (50);
}

static GtkWidget *
question (const char *path)
{
  g_autofree char *name = g_strdup_printf ("q:%s", path);
  GtkWidget *view = rs_gui_find_named (GTK_WIDGET (interview ()), name);

  ck_assert_msg (view != NULL, "question %s is not on the screen", path);
  ck_assert_msg (gtk_widget_get_visible (view), "question %s is hidden", path);
  return view;
}

static void
answer_text (const char *path,
             const char *text)
{
  set_text (rs_gui_find_named (question (path), "entry"), text);
}

static void
choose (const char *path,
        const char *value)
{
  g_autofree char *name = g_strdup_printf ("choice:%s", value);
  GtkWidget *check = rs_gui_find_named (question (path), name);

  ck_assert_msg (check != NULL, "no choice %s for %s", value, path);
  gtk_widget_activate (check);
  rs_gui_spin (20);
  ck_assert_msg (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)),
                 "choice %s of %s did not turn on", value, path);
}

static void
choose_in_list (const char *path,
                guint       position)
{
  GtkWidget *dropdown = rs_gui_find_named (question (path), "choices");

  ck_assert_ptr_nonnull (dropdown);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), position);
  rs_gui_spin (20);
}

static void
answer_date (const char *path,
             const char *year,
             guint       month,
             guint       day)
{
  GtkWidget *view = question (path);

  set_text (rs_gui_find_named (view, "year"), year);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (rs_gui_find_named (view, "month")), month);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (rs_gui_find_named (view, "day")), day);
  rs_gui_spin (20);
}

/* ---- the household's position, from the fake GeoClue ---- */

static gboolean
location_progress_shows (gpointer data)
{
  GtkWidget *progress = rs_gui_find_named (question ("/household/head/location"), "progress");

  return gtk_widget_get_mapped (progress)
         && strstr (gtk_label_get_text (GTK_LABEL (progress)), data) != NULL;
}

static gboolean
location_taken (gpointer data)
{
  GtkWidget *coordinates = rs_gui_find_named (question ("/household/head/location"),
                                              "coordinates");

  return gtk_widget_get_mapped (coordinates)
         && !gtk_widget_get_visible (rs_gui_find_named (question ("/household/head/location"),
                                                        "use-location"));
}

/* The first screen is long: the position comes last. */
static void
scroll_to_end (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;

  ck_assert_ptr_nonnull (scrolled);
  rs_gui_spin (100);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment)
                                        - gtk_adjustment_get_page_size (adjustment));
  rs_gui_spin (200);
}

/* screenshots(), scrolled down to the position in both orientations. */
static void
location_screenshots (GtkWidget  *view,
                      const char *name)
{
  g_autofree char *portrait = g_strdup_printf ("%s/%s-portrait.png", e2e.shots_dir, name);
  g_autofree char *landscape = g_strdup_printf ("%s/%s-landscape.png", e2e.shots_dir, name);

  resize (800, 1280);
  scroll_to_end (view);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), portrait);
  resize (1280, 800);
  scroll_to_end (view);
  rs_gui_screenshot (GTK_WIDGET (e2e.window), landscape);
  resize (800, 1280);
}

/* "Lấy vị trí": a rough fix first (its accuracy shown while waiting), then one within 10 m,
 * which ends the search and is saved as ODK writes it. */
static void
take_location (void)
{
  GtkWidget *view = question ("/household/head/location");
  GtkWidget *take = rs_gui_find_named (view, "take-location");
  g_autofree char *value = NULL;

  ck_assert_ptr_nonnull (take);
  scroll_to_end (view);
  rs_gui_click (take);
  ck_assert_msg (rs_gui_wait_until (location_progress_shows, (gpointer) "±35", 10000),
                 "the accuracy of the first fix is not shown");
  ck_assert (gtk_widget_is_sensitive (rs_gui_find_named (view, "use-location")));
  location_screenshots (view, "location-searching");
  ck_assert_msg (rs_gui_wait_until (location_taken, NULL, 15000), "no position was taken");
  settle ();
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (rs_gui_find_named (view, "coordinates"))),
                    "16,81630° B, 107,10030° Đ · ±9\u00a0m");
  value = rs_form_session_get_value (rs_interview_page_get_session (interview ()),
                                     "/household/head/location");
  ck_assert_str_eq (value, "16.8163 107.1003 12.0 8.5");
  gtk_expander_set_expanded (GTK_EXPANDER (rs_gui_find_named (view, "manual")), TRUE);
  rs_gui_spin (100);
  location_screenshots (view, "location");
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (rs_gui_find_named (view, "latitude"))),
                    "16,8163");
  ck_assert_uint_eq (rs_fake_geoclue_get_n_started (e2e.geoclue), 1);
  ck_assert_str_eq (rs_fake_geoclue_get_desktop_id (e2e.geoclue), RS_APP_ID);
}

static void
next_screen (void)
{
  GtkWidget *next = template_child (interview (), RS_TYPE_INTERVIEW_PAGE, "next_button");

  rs_gui_click (next);
  settle ();
}

static gboolean
position_is (gpointer data)
{
  g_autofree char *position = rs_interview_page_dup_position (interview ());

  return g_strcmp0 (position, data) == 0;
}

static void
expect_position (const char *path)
{
  g_autofree char *position = NULL;

  ck_assert_msg (rs_gui_wait_until (position_is, (gpointer) path, 5000),
                 "the interview is at %s, not %s",
                 (position = rs_interview_page_dup_position (interview ())), path);
}

typedef struct
{
  const char *name;
  const char *sex;
  const char *year;
  guint       month;
  guint       day;
  const char *relation;
  const char *insurance;
  const char *highest;    /* NULL under 15 */
  const char *work;       /* NULL under 15 */
  gboolean    in_school;  /* asked from 3 to 30 */
} Member;

static void
add_member (guint         index,
            const Member *member)
{
  GtkWidget *add = rs_gui_find_named (GTK_WIDGET (interview ()), "add-member");
  g_autofree char *base = g_strdup_printf ("/household/members/member[%u]", index);
  g_autofree char *p_name = g_strconcat (base, "/name", NULL);
  g_autofree char *p_sex = g_strconcat (base, "/sex", NULL);
  g_autofree char *p_birth = g_strconcat (base, "/birth_date", NULL);
  g_autofree char *p_relation = g_strconcat (base, "/relation", NULL);
  g_autofree char *p_ethnicity = g_strconcat (base, "/ethnicity", NULL);
  g_autofree char *p_insurance = g_strconcat (base, "/health_insurance", NULL);
  g_autofree char *p_disability = g_strconcat (base, "/disability", NULL);
  g_autofree char *p_allowance = g_strconcat (base, "/social_allowance", NULL);
  g_autofree char *p_merit = g_strconcat (base, "/merit_person", NULL);
  g_autofree char *p_school = g_strconcat (base, "/in_school", NULL);
  g_autofree char *p_level = g_strconcat (base, "/school_level", NULL);
  g_autofree char *p_highest = g_strconcat (base, "/highest_completed", NULL);
  g_autofree char *p_work = g_strconcat (base, "/work_status", NULL);
  g_autofree char *p_wage = g_strconcat (base, "/wage_employee", NULL);
  g_autofree char *p_malnourished = g_strconcat (base, "/malnourished", NULL);

  expect_position (RS_INTERVIEW_ROSTER);
  rs_gui_click (add);
  settle ();
  expect_position (base);
  answer_text (p_name, member->name);
  choose (p_sex, member->sex);
  answer_date (p_birth, member->year, member->month, member->day);
  choose (p_relation, member->relation);
  choose_in_list (p_ethnicity, 3);   /* 03 Thái */
  choose (p_insurance, member->insurance);
  choose (p_disability, "none");
  choose (p_allowance, "no");
  choose (p_merit, "no");
  if (member->in_school)
    {
      choose (p_school, "yes");
      choose (p_level, "lower_secondary");
      choose (p_malnourished, "no");
    }
  if (member->highest != NULL)
    choose (p_highest, member->highest);
  if (member->work != NULL)
    {
      choose (p_work, member->work);
      if (g_str_equal (member->work, "employed"))
        choose (p_wage, "no");
    }
  settle ();
}

/* The jump index: every section with its state; a tap goes there. */
static void
show_sections (void)
{
  GtkWidget *toggle = template_child (interview (), RS_TYPE_INTERVIEW_PAGE, "index_button");
  GtkWidget *general;

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  rs_gui_spin (400);
  general = rs_gui_find_named (GTK_WIDGET (interview ()), "section:/household");
  ck_assert_ptr_nonnull (general);
  ck_assert (gtk_widget_get_mapped (general));
  screenshots ("sections");
  /* The screening section is complete; going there and back keeps the answers. */
  g_signal_emit_by_name (gtk_widget_get_parent (general), "row-activated", general);
  settle ();
  expect_position ("/household");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), FALSE);
  rs_interview_page_jump_to_section (interview (), G_MAXUINT);
  settle ();
  expect_position (RS_INTERVIEW_ROSTER);
}

typedef struct
{
  const char     *id;
  RsDisplayState  state;
} Expected;

static gboolean
home_lists (gpointer data)
{
  const Expected *expected = data;
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");
  const RsHomeItem *item = rs_home_page_lookup (RS_HOME_PAGE (home), expected->id);

  return item != NULL && item->state == expected->state;
}

/* Today is reloaded off the main thread: wait until it shows the household in @state. */
static void
wait_for_home_state (RsDisplayState state)
{
  Expected expected = { e2e.instance_id, state };

  ck_assert_msg (rs_gui_wait_until (home_lists, &expected, 10000),
                 "Today does not show %s as %s", e2e.instance_id,
                 rs_display_state_label (state));
}

/* Leaving for Today and opening the household again comes back to the same screen. */
static void
leave_and_resume (void)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");

  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
  settle ();
  wait_for_home_state (RS_DISPLAY_STATE_DRAFT);
  /* The draft comes first in its village (households in progress before those to visit). */
  ck_assert (rs_home_page_open_position (RS_HOME_PAGE (home), 1));
  wait_for_page ("interview");
  expect_position (RS_INTERVIEW_ROSTER);
}

static gboolean
has_message_dialog (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (window);
          return TRUE;
        }
    }
  return FALSE;
}

/* A member added by mistake is removed after a confirmation. */
static void
add_and_remove_member (guint index)
{
  GtkWidget *add = rs_gui_find_named (GTK_WIDGET (interview ()), "add-member");
  g_autofree char *card_name = g_strdup_printf ("member:%u", index);
  AdwMessageDialog *dialog = NULL;
  GtkWidget *card;
  GtkWidget *remove;
  RsFormSession *session = rs_interview_page_get_session (interview ());

  rs_gui_click (add);
  settle ();
  {
    g_autofree char *base = g_strdup_printf ("/household/members/member[%u]", index);

    expect_position (base);
  }
  ck_assert_int_eq (rs_form_session_count_repeat (session, "/household/members/member"), index);
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.previous-screen", NULL);
  settle ();
  expect_position (RS_INTERVIEW_ROSTER);
  card = rs_gui_find_named (GTK_WIDGET (interview ()), card_name);
  ck_assert_ptr_nonnull (card);
  remove = rs_gui_find_mapped_type (card, GTK_TYPE_BUTTON);
  rs_gui_click (remove);
  ck_assert_msg (rs_gui_wait_until (has_message_dialog, &dialog, 5000), "no confirmation");
  adw_message_dialog_response (dialog, "remove");
  settle ();
  ck_assert_int_eq (rs_form_session_count_repeat (session, "/household/members/member"),
                    index - 1);
}

static void
interview_household (void)
{
  static const Member members[] = {
    { "Cà Văn Thương", "male", "1975", 5, 12, "head", "yes", "lower_secondary", "employed",
      FALSE },
    { "Lò Thị Xuân", "female", "1978", 9, 2, "spouse", "yes", "primary", "employed", FALSE },
    { "Cà Văn Minh", "male", "2012", 1, 20, "child", "no", NULL, NULL, TRUE },
  };
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");

  /* The first household of Bản Hìn on the district's list (line 0 is the village heading). */
  ck_assert (rs_home_page_open_position (RS_HOME_PAGE (home), 1));
  wait_for_page ("interview");
  settle ();
  expect_position ("/household");

  g_free (e2e.instance_id);
  e2e.instance_id = g_strdup_printf ("uuid:%s", rs_form_session_get_instance_id (
                                       rs_interview_page_get_session (interview ())));

  /* Prefilled from the setup and the district's list. */
  {
    g_autofree char *village = rs_form_session_get_value (
      rs_interview_page_get_session (interview ()), "/household/admin/village");
    g_autofree char *head = rs_form_session_get_value (
      rs_interview_page_get_session (interview ()), "/household/head/name");

    ck_assert_str_eq (village, "Bản Hìn");
    ck_assert_str_eq (head, "Cà Văn Thương");
  }
  choose ("/household/admin/area", "rural");
  choose ("/household/admin/region", "northern_midlands_mountains");
  choose ("/household/admin/review_type", "annual");
  choose ("/household/admin/previous_status", "none");
  answer_text ("/household/head/phone", "0912345678");
  settle ();
  if (e2e.geoclue != NULL)
    take_location ();
  screenshots ("interview");
  next_screen ();

  expect_position ("/household/screening");
  choose ("/household/screening/signs", "none");
  next_screen ();

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      add_member (i + 1, &members[i]);
      if (i == 0)
        screenshots ("member");
      next_screen ();
      if (i == 0)
        leave_and_resume ();
    }
  expect_position (RS_INTERVIEW_ROSTER);
  add_and_remove_member (G_N_ELEMENTS (members) + 1);
  screenshots ("roster");
  show_sections ();
  next_screen ();

  expect_position ("/household/housing");
  choose ("/household/housing/tenure", "owned");
  choose ("/household/housing/walls_durable", "no");
  choose ("/household/housing/frame_durable", "yes");
  choose ("/household/housing/roof_durable", "yes");
  answer_text ("/household/housing/floor_area", "24,5");
  next_screen ();

  expect_position ("/household/water_sanitation");
  choose ("/household/water_sanitation/water_source", "unprotected_dug_well");
  choose ("/household/water_sanitation/toilet", "pit_without_slab");
  next_screen ();

  expect_position ("/household/information");
  choose ("/household/information/telecom", "yes");
  choose ("/household/information/devices", "basic_phone");
  /* The loudspeaker question is left on purpose: Finalize must bring the enumerator back. */
  next_screen ();

  expect_position ("/household/income");
  answer_text ("/household/income/wages", "0");
  answer_text ("/household/income/agriculture", "36000000");
  answer_text ("/household/income/business", "0");
  answer_text ("/household/income/pensions_allowances", "0");
  answer_text ("/household/income/other", "6.000.000");
  {
    GtkWidget *entry = rs_gui_find_named (question ("/household/income/agriculture"), "entry");

    /* Thousands are grouped as the enumerator types. */
    ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (entry)), "36.000.000");
  }
  next_screen ();

  /* Poor (42 million a year for 3 people is below the rural line): Phiếu C is asked. */
  expect_position ("/household/support");
  choose ("/household/support/reasons", "lack_capital");
  choose ("/household/support/reasons", "lack_land");
  choose ("/household/support/needs", "credit");
  choose ("/household/support/needs", "health_insurance");
  choose ("/household/support/needs", "sanitation");
  settle ();
  next_screen ();

  wait_for_page ("result");
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.finalize", NULL);
  wait_for_page ("interview");
  expect_position ("/household/information");
  {
    GtkWidget *error = rs_gui_find_named (question ("/household/information/loudspeaker"),
                                          "error");

    ck_assert_msg (gtk_widget_get_visible (error), "the missing answer is not shown");
    screenshots ("finalize-problem");
  }
  choose ("/household/information/loudspeaker", "yes");
  settle ();
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.show-result", NULL);
  wait_for_page ("result");
  screenshots ("result");
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.finalize", NULL);
  wait_for_page ("home");
}

/* ---- sending to the real district server on 127.0.0.1 ---- */

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  ck_assert (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
server_answers (gpointer data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect_to_host (client, data, 0, NULL, NULL);

  return connection != NULL;
}

static void
stop_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The district server of the demo: user demo / demo-password, commune 19183. */
static gboolean
start_server (void)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *exe = g_build_filename (builddir, "server", "rasoat-server", NULL);
  g_autofree char *db = g_build_filename (e2e.tmpdir, "district.db", NULL);
  g_autofree char *listen = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) init = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  guint16 port;

  if (!g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  init = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, exe, "init", "--db", db,
                           "--demo", NULL);
  ck_assert_msg (init != NULL && g_subprocess_wait_check (init, NULL, &error), "%s",
                 error != NULL ? error->message : "");
  port = free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", port);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* The server stops with the test, even when the test crashes. */
  g_subprocess_launcher_set_child_setup (launcher, stop_with_parent, NULL, NULL);
  e2e.server = g_subprocess_launcher_spawn (launcher, &error, exe, "serve", "--listen", listen,
                                            "--db", db, NULL);
  ck_assert_msg (e2e.server != NULL, "%s", error != NULL ? error->message : "");
  e2e.server_url = g_strdup_printf ("http://%s", listen);
  ck_assert_msg (rs_gui_wait_until (server_answers, listen, 10000), "the server did not start");
  return TRUE;
}

/* The tablet's location service: a fake GeoClue on dbus-run-session's bus, which the app is
 * given as the system bus.  A rough fix, then a good one 4 s later (time for a screenshot). */
static void
start_geoclue (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr(GError) error = NULL;

  if (address == NULL)
    return;
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  e2e.geoclue = rs_fake_geoclue_new (address, &error);
  ck_assert_msg (e2e.geoclue != NULL, "%s", error != NULL ? error->message : "");
  rs_fake_geoclue_add_fix (e2e.geoclue, 200, 16.8170, 107.1010, 14.0, 35.0);
  rs_fake_geoclue_add_fix (e2e.geoclue, 4000, 16.8163, 107.1003, 12.0, 8.5);
}

static gboolean
find_preferences (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (RS_IS_PREFERENCES_WINDOW (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        {
          *(GtkWidget **) data = GTK_WIDGET (window);
          return TRUE;
        }
    }
  return FALSE;
}

/* The enumerator types the server, the account and the password in Preferences. */
static void
set_server_in_preferences (void)
{
  GtkWidget *preferences = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (e2e.app), "preferences", NULL);
  ck_assert_msg (rs_gui_wait_until (find_preferences, &preferences, 5000), "no Preferences");
  set_text (template_child (preferences, RS_TYPE_PREFERENCES_WINDOW, "server_row"),
            e2e.server_url);
  set_text (template_child (preferences, RS_TYPE_PREFERENCES_WINDOW, "username_row"), "demo");
  set_text (template_child (preferences, RS_TYPE_PREFERENCES_WINDOW, "password_row"),
            "demo-password");
  g_signal_emit_by_name (template_child (preferences, RS_TYPE_PREFERENCES_WINDOW, "password_row"),
                         "apply");
  rs_gui_spin (500);
  gtk_window_close (GTK_WINDOW (preferences));
  rs_gui_spin (100);
}

static gboolean
sync_finished (gpointer data)
{
  GtkWidget *sync = template_child (e2e.window, RS_TYPE_WINDOW, "sync_page");
  GtkWidget *outcome = template_child (sync, RS_TYPE_SYNC_PAGE, "outcome_label");
  GtkWidget *progress = template_child (sync, RS_TYPE_SYNC_PAGE, "progress_bar");

  return gtk_widget_get_visible (outcome) && !gtk_widget_get_visible (progress);
}

static void
send_to_server (void)
{
  GtkWidget *sync = template_child (e2e.window, RS_TYPE_WINDOW, "sync_page");
  GtkWidget *outcome = template_child (sync, RS_TYPE_SYNC_PAGE, "outcome_label");

  set_server_in_preferences ();
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.show-sync", NULL);
  wait_for_page ("sync");
  /* With the password saved, automatic sending may already have started (or finished): then
   * the button waits for it. */
  if (gtk_widget_is_sensitive (template_child (sync, RS_TYPE_SYNC_PAGE, "send_button")))
    rs_gui_click (template_child (sync, RS_TYPE_SYNC_PAGE, "send_button"));
  ck_assert_msg (rs_gui_wait_until (sync_finished, NULL, 60000), "the sync did not finish");
  rs_gui_spin (500);
  ck_assert_msg (!gtk_widget_has_css_class (outcome, "rs-question-error"),
                 "the sync reported a problem: %s", gtk_label_get_text (GTK_LABEL (outcome)));
  screenshots ("sync-sent");
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
}

/* A finished household opens as its result, to look at, with no "Finalize". */
static void
open_finished_record (void)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");
  GtkWidget *result = template_child (e2e.window, RS_TYPE_WINDOW, "result_page");

  /* Bản Hìn: the two households to visit, then the finished one. */
  wait_for_home_state (e2e.server != NULL ? RS_DISPLAY_STATE_SENT : RS_DISPLAY_STATE_FINALIZED);
  ck_assert (rs_home_page_open_position (RS_HOME_PAGE (home), 3));
  wait_for_page ("result");
  ck_assert (!gtk_widget_get_visible (template_child (result, RS_TYPE_RESULT_PAGE,
                                                      "finalize_button")));
  ck_assert_ptr_nonnull (rs_gui_find_named (result, "indicators"));
  screenshots ("record");
  /* Its answers can be read, not changed. */
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.back-to-answers", NULL);
  wait_for_page ("interview");
  ck_assert (rs_interview_page_is_read_only (interview ()));
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
}

/* The confirmation of an edit after sending (earlier dialogs answered by the test linger). */
static gboolean
has_edit_dialog (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window))
          && adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (window), "edit"))
        {
          *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (window);
          return TRUE;
        }
    }
  return FALSE;
}

/* The sent list, once the newer version is sent: both versions of the household, the newer
 * saying it is a correction and the older, just below it and dimmed, what replaced it. */
typedef struct
{
  GtkWidget *newer;
  GtkWidget *older;
} VersionRows;

static gboolean
sent_versions_shown (gpointer data)
{
  VersionRows *rows = data;
  GtkWidget *sync = template_child (e2e.window, RS_TYPE_WINDOW, "sync_page");
  GtkWidget *list = template_child (sync, RS_TYPE_SYNC_PAGE, "sent_list");
  g_autofree char *newer_name = g_strconcat ("sent:", e2e.new_version, NULL);
  g_autofree char *older_name = g_strconcat ("sent:", e2e.instance_id, NULL);

  rows->newer = rs_gui_find_named (list, newer_name);
  rows->older = rs_gui_find_named (list, older_name);
  return rows->newer != NULL && rows->older != NULL
         && strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (rows->older)),
                    "Đã thay") != NULL;
}

static gboolean
label_shown (gpointer data)
{
  return gtk_widget_get_visible (data) && *gtk_label_get_text (data) != '\0';
}

static void
check_sent_versions (void)
{
  VersionRows rows = { NULL, NULL };
  g_autoptr(GDateTime) today = g_date_time_new_now_local ();
  g_autofree char *edited = g_date_time_format (today, "Phiên bản 2 – sửa ngày %d/%m\n");
  const char *newer_subtitle;
  const char *older_subtitle;

  ck_assert_msg (rs_gui_wait_until (sent_versions_shown, &rows, 10000),
                 "the sent list does not show both versions, the old one as replaced");
  newer_subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (rows.newer));
  older_subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (rows.older));
  /* The same household twice, told apart by what each row says. */
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (rows.newer)),
                    "Cà Văn Thương");
  ck_assert_str_eq (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (rows.older)),
                    "Cà Văn Thương");
  ck_assert_msg (g_str_has_prefix (newer_subtitle, edited), "the new version says “%s”",
                 newer_subtitle);
  ck_assert_msg (g_str_has_prefix (older_subtitle, "Phiên bản 1 · Đã thay bằng phiên bản 2\n"),
                 "the old version says “%s”", older_subtitle);
  ck_assert_ptr_nonnull (strstr (older_subtitle, "Đã gửi"));
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (rs_gui_find_named (rows.newer, "version-tag"))),
                    "Bản mới");
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (rs_gui_find_named (rows.older, "version-tag"))),
                    "Bản cũ");
  ck_assert (gtk_widget_has_css_class (rows.older, "rs-replaced"));
  ck_assert (!gtk_widget_has_css_class (rows.newer, "rs-replaced"));
  ck_assert_msg (gtk_widget_get_next_sibling (rows.newer) == rows.older,
                 "the old version is not just below the new one");
}

/* A sent household edited as a new version: confirm, change an answer, finalize, send; the new
 * version reaches the server, which keeps the old one until then. */
static void
edit_as_new_version (void)
{
  GtkWidget *home = template_child (e2e.window, RS_TYPE_WINDOW, "home_page");
  GtkWidget *result = template_child (e2e.window, RS_TYPE_WINDOW, "result_page");
  GtkWidget *sync = template_child (e2e.window, RS_TYPE_WINDOW, "sync_page");
  GtkWidget *outcome = template_child (sync, RS_TYPE_SYNC_PAGE, "outcome_label");
  AdwMessageDialog *dialog = NULL;
  GtkWidget *version_label;
  RsFormSession *session;
  g_autofree char *phone = NULL;
  Expected expected = { NULL, RS_DISPLAY_STATE_SENT };

  wait_for_home_state (RS_DISPLAY_STATE_SENT);
  ck_assert (rs_home_page_open_position (RS_HOME_PAGE (home), 3));
  wait_for_page ("result");
  ck_assert (gtk_widget_get_visible (template_child (result, RS_TYPE_RESULT_PAGE,
                                                     "edit_button")));
  rs_gui_click (template_child (result, RS_TYPE_RESULT_PAGE, "edit_button"));
  ck_assert_msg (rs_gui_wait_until (has_edit_dialog, &dialog, 5000), "no confirmation");
  screenshots ("edit-new-version");
  adw_message_dialog_response (dialog, "edit");
  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for_page ("interview");
  settle ();
  /* A new draft, at the first screen, that replaces the sent version. */
  ck_assert (!rs_interview_page_is_read_only (interview ()));
  expect_position ("/household");
  session = rs_interview_page_get_session (interview ());
  ck_assert_str_eq (rs_form_session_get_deprecated_id (session), e2e.instance_id);
  e2e.new_version = g_strdup_printf ("uuid:%s", rs_form_session_get_instance_id (session));
  ck_assert_str_ne (e2e.new_version, e2e.instance_id);
  phone = rs_form_session_get_value (session, "/household/head/phone");
  ck_assert_str_eq (phone, "0912345678");
  answer_text ("/household/head/phone", "0987654321");
  settle ();
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.finalize", NULL);
  wait_for_page ("home");

  /* Nobody presses Send: the finalize queues it and automatic sending delivers it. */
  ck_assert (g_settings_get_boolean (rs_application_get_settings (e2e.app), "auto-sync"));
  expected.id = e2e.new_version;
  ck_assert_msg (rs_gui_wait_until (home_lists, &expected, 60000),
                 "the new version %s was not sent automatically", e2e.new_version);
  /* Today shows the household once, as its newest version, and says it is one. */
  ck_assert_ptr_null (rs_home_page_lookup (RS_HOME_PAGE (home), e2e.instance_id));
  ck_assert_uint_eq (rs_home_page_lookup (RS_HOME_PAGE (home), e2e.new_version)->version, 2);
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.show-sync", NULL);
  wait_for_page ("sync");
  ck_assert_msg (rs_gui_wait_until (sync_finished, NULL, 10000), "no outcome shown");
  ck_assert_msg (!gtk_widget_has_css_class (outcome, "rs-question-error"),
                 "the automatic sync reported a problem: %s",
                 gtk_label_get_text (GTK_LABEL (outcome)));
  check_sent_versions ();
  screenshots ("sync-automatic");
  /* The old version, opened from the sent list, is only to be read now. */
  g_signal_emit_by_name (sync, "open-record", e2e.instance_id);
  wait_for_page ("result");
  ck_assert (!gtk_widget_get_visible (template_child (result, RS_TYPE_RESULT_PAGE,
                                                      "edit_button")));
  /* ...and says at the top which version it is. */
  version_label = template_child (result, RS_TYPE_RESULT_PAGE, "version_label");
  ck_assert_msg (rs_gui_wait_until (label_shown, version_label, 5000),
                 "the old version's result does not say which version it is");
  ck_assert_str_eq (gtk_label_get_text (GTK_LABEL (version_label)),
                    "Phiên bản 1 · Đã thay bằng phiên bản 2");
  screenshots ("record-replaced");
  gtk_widget_activate_action (GTK_WIDGET (e2e.window), "win.go-home", NULL);
  wait_for_page ("home");
}

/* Dark mode, as the enumerator sets it in Preferences → Display. */
static void
dark_mode (void)
{
  GSettings *settings = rs_application_get_settings (e2e.app);

  g_settings_set_string (settings, "color-scheme", "dark");
  rs_gui_spin (300);
  ck_assert (adw_style_manager_get_dark (adw_style_manager_get_default ()));
  screenshots ("home-dark");
  g_settings_set_string (settings, "color-scheme", "default");
  rs_gui_spin (300);
}

static gboolean
run_script (gpointer data)
{
  ck_assert_msg (rs_gui_wait_until (window_is_up, NULL, 20000), "no window");
  do_setup ();
  check_home_search ();
  screenshots ("home");
  visit_sync_page ("sync-empty");
  interview_household ();
  screenshots ("home-after");
  visit_sync_page ("sync");
  if (e2e.server != NULL)
    send_to_server ();
  open_finished_record ();
  if (e2e.server != NULL)
    edit_as_new_version ();
  dark_mode ();

  e2e.script_done = TRUE;
  g_application_quit (G_APPLICATION (e2e.app));
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app)
{
  g_idle_add (run_script, NULL);
}

static void
set_up_environment (void)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *schema_dir = NULL;
  g_autofree char *home = NULL;

  ck_assert_ptr_nonnull (builddir);
  e2e.tmpdir = g_dir_make_tmp ("rasoat-e2e-XXXXXX", NULL);
  ck_assert_ptr_nonnull (e2e.tmpdir);
  home = g_build_filename (e2e.tmpdir, "home", NULL);
  g_mkdir_with_parents (home, 0700);
  schema_dir = g_build_filename (builddir, "data", NULL);
  e2e.shots_dir = g_build_filename (builddir, "screenshots", NULL);
  g_mkdir_with_parents (e2e.shots_dir, 0755);
  e2e.db_path = g_build_filename (e2e.tmpdir, "tablet.db", NULL);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", e2e.tmpdir, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_unsetenv ("LANGUAGE");
}

/* After the UI has finished: the record, its score and the outbox, read-only. */
static void
check_database (gboolean sent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (e2e.db_path, RS_STORE_OPEN_READ_ONLY, NULL, &error);
  g_autoptr(GPtrArray) records = NULL;
  RsOutboxCounts counts = { 0 };
  RsRecord *record;
  g_autoptr(RsRecord) full = NULL;
  const char *xml;

  ck_assert_msg (store != NULL, "%s", error != NULL ? error->message : "");
  records = rs_store_list_records (store, NULL, &error);
  ck_assert_ptr_nonnull (records);
  ck_assert_int_eq (records->len, e2e.new_version != NULL ? 2 : 1);
  record = g_ptr_array_index (records, 0);
  if (e2e.new_version != NULL && g_strcmp0 (record->instance_id, e2e.instance_id) != 0)
    record = g_ptr_array_index (records, 1);
  ck_assert_str_eq (record->instance_id, e2e.instance_id);
  ck_assert_int_eq (record->state, sent ? RS_RECORD_STATE_SENT : RS_RECORD_STATE_FINALIZED);
  ck_assert_str_eq (record->summary.head_name, "Cà Văn Thương");
  ck_assert_str_eq (record->summary.village, "Bản Hìn");
  ck_assert_str_eq (record->summary.household_code, "BH-03");
  ck_assert_str_eq (record->summary.classification, "poor");
  ck_assert_str_eq (record->assignment_id, "a-103");

  full = rs_store_get_record (store, record->instance_id, &error);
  ck_assert_ptr_nonnull (full);
  ck_assert_ptr_nonnull (full->score_json);
  ck_assert_ptr_nonnull (strstr (full->score_json, "\"classification\""));
  xml = g_bytes_get_data (full->instance_xml, NULL);
  ck_assert_ptr_nonnull (strstr (xml, "<classification>poor</classification>"));
  ck_assert_ptr_nonnull (strstr (xml, "<agriculture>36000000</agriculture>"));
  ck_assert_ptr_nonnull (strstr (xml, "<birth_date>1975-05-12</birth_date>"));
  ck_assert_ptr_nonnull (strstr (xml, "<floor_area>24.5</floor_area>"));
  ck_assert_ptr_nonnull (strstr (xml, "<username>Lò Thị Hạnh</username>"));
  if (e2e.geoclue != NULL)
    ck_assert_ptr_nonnull (strstr (xml, "<location>16.8163 107.1003 12.0 8.5</location>"));

  ck_assert (rs_store_outbox_counts (store, &counts, &error));
  ck_assert_int_eq (counts.queued, sent ? 0 : 1);
  ck_assert_int_eq (counts.sent, sent ? (e2e.new_version != NULL ? 2 : 1) : 0);
}

/* The edit after sending: on the tablet, the new version (sent) replaces the old one... */
static void
check_new_version (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (e2e.db_path, RS_STORE_OPEN_READ_ONLY, NULL, &error);
  g_autoptr(RsRecord) old = NULL;
  g_autoptr(RsRecord) edit = NULL;
  const char *xml;

  ck_assert_msg (store != NULL, "%s", error != NULL ? error->message : "");
  edit = rs_store_get_record (store, e2e.new_version, &error);
  ck_assert_msg (edit != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_int_eq (edit->state, RS_RECORD_STATE_SENT);
  ck_assert_str_eq (edit->deprecated_id, e2e.instance_id);
  xml = g_bytes_get_data (edit->instance_xml, NULL);
  ck_assert_ptr_nonnull (strstr (xml, "<phone>0987654321</phone>"));
  ck_assert_ptr_nonnull (strstr (xml, "<classification>poor</classification>"));
  old = rs_store_get_record (store, e2e.instance_id, &error);
  ck_assert_ptr_nonnull (old);
  ck_assert_str_eq (old->superseded_by, e2e.new_version);
}

/* ...and on the district server, which keeps both versions, the old one superseded. */
static void
check_server_has_new_version (void)
{
  const char *builddir = g_getenv ("RS_TEST_BUILDDIR");
  g_autofree char *exe = g_build_filename (builddir, "server", "rasoat-server", NULL);
  g_autofree char *db = g_build_filename (e2e.tmpdir, "district.db", NULL);
  g_autofree char *out = NULL;
  g_autofree char *old_id = g_strdup_printf ("\"instanceID\":\"%s\"", e2e.instance_id);
  g_autofree char *new_id = g_strdup_printf ("\"instanceID\":\"%s\"", e2e.new_version);
  g_autofree char *deprecated = g_strdup_printf ("\"deprecatedID\":\"%s\"", e2e.instance_id);
  g_autofree char *superseded = g_strdup_printf ("\"supersededBy\":\"%s\"", e2e.new_version);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) export = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean old_seen = FALSE, new_seen = FALSE;

  export = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, exe, "export", "--db", db,
                             "--format", "jsonl", NULL);
  ck_assert_msg (export != NULL, "%s", error != NULL ? error->message : "");
  ck_assert_msg (g_subprocess_communicate_utf8 (export, NULL, NULL, &out, NULL, &error), "%s",
                 error != NULL ? error->message : "");
  ck_assert (g_subprocess_get_successful (export));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strstr (lines[i], old_id) != NULL)
        {
          ck_assert_msg (strstr (lines[i], superseded) != NULL, "old version: %s", lines[i]);
          old_seen = TRUE;
        }
      else if (strstr (lines[i], new_id) != NULL)
        {
          ck_assert_msg (strstr (lines[i], deprecated) != NULL, "new version: %s", lines[i]);
          ck_assert_msg (strstr (lines[i], "\"supersededBy\":null") != NULL, "%s", lines[i]);
          new_seen = TRUE;
        }
    }
  ck_assert_msg (old_seen && new_seen, "the server has not both versions:\n%s", out);
}

START_TEST (test_household_through_the_ui)
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *name = NULL;
  g_autofree char *code = NULL;
  g_auto(GStrv) villages = NULL;
  char *argv[] = { (char *) "rasoat", (char *) "--db", NULL, NULL };
  int status;

  set_up_environment ();
  /* tests/meson.build runs this under dbus-run-session and xvfb-run. */
  ck_assert_msg (g_getenv ("DISPLAY") != NULL, "no DISPLAY: run under xvfb-run");
  argv[2] = e2e.db_path;
  seed_assignments ();
  start_server ();
  start_geoclue ();

  rs_application_init_i18n ();
  e2e.app = rs_application_new ();
  g_signal_connect_after (e2e.app, "activate", G_CALLBACK (on_activate), NULL);
  status = g_application_run (G_APPLICATION (e2e.app), 3, argv);
  ck_assert_int_eq (status, 0);
  ck_assert_msg (e2e.script_done, "the script did not finish");
  g_clear_object (&e2e.app);

  /* What the setup saved. */
  settings = g_settings_new (RS_APP_ID);
  name = g_settings_get_string (settings, "enumerator-name");
  code = g_settings_get_string (settings, "commune-code");
  villages = g_settings_get_strv (settings, "villages");
  ck_assert_str_eq (name, "Lò Thị Hạnh");
  ck_assert_str_eq (code, "19183");
  ck_assert_int_eq (g_strv_length (villages), 2);
  ck_assert_str_eq (villages[1], "Bản Sẳng");
  ck_assert (g_settings_get_boolean (settings, "setup-done"));

  check_database (e2e.server != NULL);
  if (e2e.server != NULL)
    {
      check_new_version ();
      g_subprocess_send_signal (e2e.server, SIGTERM);
      g_subprocess_wait (e2e.server, NULL, NULL);
      g_clear_object (&e2e.server);
      check_server_has_new_version ();
    }
  g_clear_pointer (&e2e.geoclue, rs_fake_geoclue_free);
  rs_gui_remove_tree (e2e.tmpdir);
}
END_TEST

/* LANGUAGE=en gives English; the rest of the suite checks the Vietnamese default. */
static gboolean
check_english (gpointer data)
{
  GtkWidget *setup;
  GtkWidget *start;

  ck_assert_msg (rs_gui_wait_until (window_is_up, NULL, 20000), "no window");
  wait_for_page ("setup");
  setup = template_child (e2e.window, RS_TYPE_WINDOW, "setup_page");
  start = template_child (setup, RS_TYPE_SETUP_PAGE, "start_button");
  ck_assert_str_eq (gtk_button_get_label (GTK_BUTTON (start)), "_Start");
  e2e.script_done = TRUE;
  g_application_quit (G_APPLICATION (e2e.app));
  return G_SOURCE_REMOVE;
}

static void
on_activate_english (GApplication *app)
{
  g_idle_add (check_english, NULL);
}

START_TEST (test_english_on_request)
{
  char *argv[] = { (char *) "rasoat", (char *) "--db", NULL, NULL };

  set_up_environment ();
  argv[2] = e2e.db_path;
  g_setenv ("LANGUAGE", "en", TRUE);
  rs_application_init_i18n ();
  e2e.app = rs_application_new ();
  g_signal_connect_after (e2e.app, "activate", G_CALLBACK (on_activate_english), NULL);
  ck_assert_int_eq (g_application_run (G_APPLICATION (e2e.app), 3, argv), 0);
  ck_assert (e2e.script_done);
  g_clear_object (&e2e.app);
  rs_gui_remove_tree (e2e.tmpdir);
}
END_TEST

static Suite *
e2e_suite (void)
{
  Suite *suite = suite_create ("app-e2e");
  TCase *tc = tcase_create ("household");

  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_household_through_the_ui);
  tcase_add_test (tc, test_english_on_request);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (e2e_suite ());
}
