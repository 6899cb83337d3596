/* test-app-records.c: what the app's lists read from a real store for a household edited after
 * sending: version numbers, what replaced what, and the order of the sync page's rows.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "rs-records.h"
#include "rs-test.h"

typedef struct
{
  char    *dir;
  RsStore *store;
} Fixture;

static Fixture fx;

static void
setup (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  fx.dir = g_dir_make_tmp ("rasoat-app-records-XXXXXX", NULL);
  ck_assert_ptr_nonnull (fx.dir);
  path = g_build_filename (fx.dir, "tablet.db", NULL);
  fx.store = rs_store_new (path, RS_STORE_OPEN_DEFAULT, NULL, &error);
  ck_assert_msg (fx.store != NULL, "%s", error != NULL ? error->message : "");
}

static void
teardown (void)
{
  const char *names[] = { "tablet.db", "tablet.db-wal", "tablet.db-shm" };

  rs_store_close (fx.store);
  g_clear_object (&fx.store);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (fx.dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
}

static GBytes *
instance (const char *instance_id,
          const char *deprecated_id,
          const char *head)
{
  GString *xml = g_string_new ("<household id=\"vn_household_review\" version=\"2024061001\">");

  g_string_append_printf (xml, "<head><name>%s</name></head><meta><instanceID>%s</instanceID>",
                          head, instance_id);
  if (deprecated_id != NULL)
    g_string_append_printf (xml, "<deprecatedID>%s</deprecatedID>", deprecated_id);
  g_string_append (xml, "</meta></household>");
  return g_string_free_to_bytes (xml);
}

static void
finalize (const char *instance_id,
          const char *deprecated_id,
          const char *head)
{
  g_autoptr(GBytes) xml = instance (instance_id, deprecated_id, head);
  g_autoptr(RsRecordSummary) summary = rs_record_summary_new ("Bản Hìn", "BH-03", head, "poor",
                                                              "can_bo_1");
  g_autoptr(GError) error = NULL;

  ck_assert_msg (rs_store_finalize (fx.store, instance_id, xml, NULL, summary, &error), "%s",
                 error != NULL ? error->message : "");
}

static void
mark_sent (const char *instance_id)
{
  g_autoptr(RsOutboxEntry) entry = rs_store_outbox_get (fx.store, instance_id, NULL);

  ck_assert_ptr_nonnull (entry);
  ck_assert (rs_store_outbox_mark_sending (fx.store, entry->id, NULL));
  ck_assert (rs_store_outbox_mark_sent (fx.store, entry->id, 201, NULL, NULL));
  /* Distinct sending times, so that "newest first" is the order of the steps. */
  g_usleep (2000);
}

static void
send_new (const char *instance_id,
          const char *head)
{
  g_autoptr(GBytes) xml = instance (instance_id, NULL, head);
  g_autoptr(RsRecordSummary) summary = rs_record_summary_new ("Bản Hìn", "BH-03", head, NULL,
                                                              "can_bo_1");
  g_autoptr(RsRecord) draft = NULL;
  g_autoptr(GError) error = NULL;

  draft = rs_store_create_draft (fx.store, "vn_household_review", "2024061001", instance_id, xml,
                                 summary, NULL, &error);
  ck_assert_msg (draft != NULL, "%s", error != NULL ? error->message : "");
  finalize (instance_id, NULL, head);
  mark_sent (instance_id);
}

static void
edit_sent (const char *sent_id,
           const char *new_id)
{
  g_autoptr(GBytes) xml = instance (new_id, sent_id, "Cà Văn Thương");
  g_autoptr(RsRecord) draft = NULL;
  g_autoptr(GError) error = NULL;

  draft = rs_store_edit_sent (fx.store, sent_id, xml, NULL, NULL, &error);
  ck_assert_msg (draft != NULL, "%s", error != NULL ? error->message : "");
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  ck_assert_msg (*slot != NULL, "the store did not answer");
  return *slot;
}

static RsSyncData *
load_sync (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RsSyncData *data;

  rs_records_load_sync_async (fx.store, NULL, on_done, &result);
  data = rs_records_load_sync_finish (wait_for (&result), &error);
  ck_assert_msg (data != NULL, "%s", error != NULL ? error->message : "");
  return data;
}

static RsHomeData *
load_home (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RsHomeData *data;

  rs_records_load_home_async (fx.store, NULL, on_done, &result);
  data = rs_records_load_home_finish (wait_for (&result), &error);
  ck_assert_msg (data != NULL, "%s", error != NULL ? error->message : "");
  return data;
}

static RsRecordVersion
get_version (const char *instance_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RsRecordVersion version = { 0 };

  rs_records_get_version_async (fx.store, instance_id, NULL, on_done, &result);
  ck_assert_msg (rs_records_get_version_finish (wait_for (&result), &version, &error), "%s",
                 error != NULL ? error->message : "");
  return version;
}

static const char *
state_name (RsDisplayState state)
{
  static const char * const names[] = {
    [RS_DISPLAY_STATE_ASSIGNED] = "assigned",
    [RS_DISPLAY_STATE_DRAFT] = "draft",
    [RS_DISPLAY_STATE_FINALIZED] = "finalized",
    [RS_DISPLAY_STATE_SENT] = "sent",
    [RS_DISPLAY_STATE_NEEDS_ATTENTION] = "attention",
  };

  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "?";
}

/* "id:version:newer_version[:newer_state]" for each row of @list, joined by spaces. */
static char *
describe_rows (GPtrArray *list)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    {
      const RsSyncRecord *row = g_ptr_array_index (list, i);

      g_string_append_printf (text, "%s%s:%u:%u", i > 0 ? " " : "", row->instance_id,
                              row->version, row->newer_version);
      if (row->newer_version > 0)
        g_string_append_printf (text, ":%s", state_name (row->newer_state));
    }
  return g_string_free (text, FALSE);
}

static const RsHomeItem *
home_item (RsHomeData *data,
           const char *id)
{
  for (guint i = 0; i < data->items->len; i++)
    {
      const RsHomeItem *item = g_ptr_array_index (data->items, i);

      if (g_strcmp0 (item->id, id) == 0)
        return item;
    }
  return NULL;
}

/* One household (v1, edited into v2, then v3) and another sent in between (x). Each step, what
 * the sync page lists and what Today shows. */
static const struct
{
  const char *step;
  const char *sent;
  const char *waiting;
  const char *today;        /* the one record Today shows for the household, and its version */
  guint       today_version;
} steps[] = {
  { "v1 and x sent", "x:1:0 v1:1:0", "", "v1", 1 },
  { "v1 edited: v2 is a draft", "x:1:0 v1:1:2:draft", "", "v2", 2 },
  { "v2 finalized", "x:1:0 v1:1:2:finalized", "v2:2:0", "v2", 2 },
  { "v2 sent", "v2:2:0 v1:1:2:sent x:1:0", "", "v2", 2 },
  { "v2 edited: v3 is a draft", "v2:2:3:draft v1:1:2:sent x:1:0", "", "v3", 3 },
  { "v3 sent", "v3:3:0 v2:2:3:sent v1:1:2:sent x:1:0", "", "v3", 3 },
};

static void
run_step (guint step)
{
  switch (step)
    {
    case 0:
      send_new ("v1", "Cà Văn Thương");
      send_new ("x", "Lò Văn Pấng");
      break;
    case 1:
      edit_sent ("v1", "v2");
      break;
    case 2:
      finalize ("v2", "v1", "Cà Văn Thương");
      break;
    case 3:
      mark_sent ("v2");
      break;
    case 4:
      edit_sent ("v2", "v3");
      break;
    case 5:
      finalize ("v3", "v2", "Cà Văn Thương");
      mark_sent ("v3");
      break;
    default:
      g_assert_not_reached ();
    }
}

START_TEST (test_versions_through_the_edits)
{
  setup ();
  for (guint i = 0; i <= (guint) _i; i++)
    run_step (i);
  {
    g_autoptr(RsSyncData) sync = load_sync ();
    g_autoptr(RsHomeData) home = load_home ();
    g_autofree char *sent = describe_rows (sync->sent);
    g_autofree char *waiting = describe_rows (sync->waiting);
    const RsHomeItem *item = home_item (home, steps[_i].today);

    ck_assert_msg (g_str_equal (sent, steps[_i].sent), "%s: sent list “%s”, not “%s”",
                   steps[_i].step, sent, steps[_i].sent);
    ck_assert_msg (g_str_equal (waiting, steps[_i].waiting), "%s: waiting list “%s”, not “%s”",
                   steps[_i].step, waiting, steps[_i].waiting);
    /* Today: the household once (plus x), as its newest version. */
    ck_assert_int_eq (home->items->len, 2);
    ck_assert_msg (item != NULL, "%s: Today does not show %s", steps[_i].step, steps[_i].today);
    ck_assert_uint_eq (item->version, steps[_i].today_version);
    ck_assert_uint_eq (home_item (home, "x")->version, 1);
  }
  teardown ();
}
END_TEST

START_TEST (test_version_of_one_record)
{
  RsRecordVersion version;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  setup ();
  send_new ("v1", "Cà Văn Thương");
  version = get_version ("v1");
  ck_assert_uint_eq (version.version, 1);
  ck_assert_uint_eq (version.newer_version, 0);
  ck_assert (version.created_at > 0);

  edit_sent ("v1", "v2");
  version = get_version ("v1");
  ck_assert_uint_eq (version.version, 1);
  ck_assert_uint_eq (version.newer_version, 2);
  ck_assert_int_eq (version.newer_state, RS_DISPLAY_STATE_DRAFT);
  version = get_version ("v2");
  ck_assert_uint_eq (version.version, 2);
  ck_assert_uint_eq (version.newer_version, 0);

  /* A record that is not on the tablet is an error, not a version 1. */
  rs_records_get_version_async (fx.store, "uuid:missing", NULL, on_done, &result);
  ck_assert (!rs_records_get_version_finish (wait_for (&result), &version, &error));
  ck_assert (g_error_matches (error, RS_STORE_ERROR, RS_STORE_ERROR_NOT_FOUND));
  teardown ();
}
END_TEST

static Suite *
records_suite (void)
{
  Suite *suite = suite_create ("app-records");
  TCase *versions = tcase_create ("versions");

  tcase_add_loop_test (versions, test_versions_through_the_edits, 0, G_N_ELEMENTS (steps));
  tcase_add_test (versions, test_version_of_one_record);
  suite_add_tcase (suite, versions);
  return suite;
}

int
main (void)
{
  return rs_test_run_suite (records_suite ());
}
