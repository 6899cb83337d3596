/* test-odk-fixtures.c: ODK Collect's own test forms: the listed ones load, the two broken ones are
 * refused, and no form crashes or hangs the engine (each runs in its own forked child).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "rs-form-session.h"
#include "rs-test.h"

static GPtrArray *form_files;   /* file names, sorted */

static const char *const must_refuse[] = { "invalid-form.xml", "form_design_error.xml", NULL };

static char *
fixtures_dir (void)
{
  const char *shared = g_getenv ("RS_SHARED_DIR");

  return g_build_filename (shared != NULL ? shared : "../shared", "fixtures", "odk-forms", NULL);
}

/* The "## Must load" list of the corpus README. */
static GPtrArray *
read_must_load (void)
{
  g_autofree char *dir = fixtures_dir ();
  g_autofree char *readme_path = g_build_filename (dir, "README.md", NULL);
  g_autofree char *readme = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  gboolean in_list = FALSE;

  ck_assert_msg (g_file_get_contents (readme_path, &readme, NULL, NULL), "cannot read %s",
                 readme_path);
  lines = g_strsplit (readme, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "## "))
        in_list = g_str_has_prefix (line, "## Must load");
      else if (in_list && g_str_has_prefix (line, "- `") && g_str_has_suffix (line, "`"))
        g_ptr_array_add (names, g_strndup (line + 3, strlen (line) - 4));
    }
  return names;
}

static gboolean
name_in (GPtrArray  *names,
         const char *name)
{
  for (guint i = 0; i < names->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (names, i), name))
        return TRUE;
    }
  return FALSE;
}

START_TEST (test_must_load_list_is_complete)
{
  g_autoptr(GPtrArray) must_load = read_must_load ();

  ck_assert_uint_eq (must_load->len, 73);
  for (guint i = 0; i < must_load->len; i++)
    ck_assert_msg (name_in (form_files, g_ptr_array_index (must_load, i)), "missing %s",
                   (char *) g_ptr_array_index (must_load, i));
}
END_TEST

START_TEST (test_fixture_form)
{
  const char *name = g_ptr_array_index (form_files, _i);
  g_autofree char *dir = fixtures_dir ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GPtrArray) must_load = read_must_load ();
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_file (path, &error);

  if (g_strv_contains (must_refuse, name))
    {
      ck_assert_msg (form == NULL, "%s loaded but must be refused", name);
      ck_assert (g_error_matches (error, RS_FORM_ERROR, RS_FORM_ERROR_INVALID)
                 || g_error_matches (error, RS_FORM_ERROR, RS_FORM_ERROR_CYCLE));
      ck_assert_msg (g_str_has_prefix (error->message, "Line "), "%s: %s", name, error->message);
      return;
    }
  if (name_in (must_load, name))
    ck_assert_msg (form != NULL, "%s must load: %s", name, error->message);
  if (form == NULL)
    {
      /* Refused: the message names the line and the construct. */
      ck_assert (error != NULL && error->domain == RS_FORM_ERROR);
      ck_assert_msg (g_str_has_prefix (error->message, "Line "), "%s: %s", name, error->message);
      return;
    }

  /* Loaded: a session runs every expression, the screens render, the record serializes and
   * reloads. */
  {
    g_autoptr(RsFormSession) session = rs_form_session_new (form, NULL);
    g_autoptr(RsFormSession) reloaded = NULL;
    g_autoptr(GPtrArray) screens = rs_form_session_get_screens (session);
    g_autoptr(GPtrArray) jump = rs_form_session_get_jump_index (session);
    g_autoptr(GPtrArray) problems = rs_form_session_validate (session);
    gsize length = 0;
    g_autofree char *xml = rs_form_session_serialize (session, &length);

    ck_assert (xml != NULL && length > 0);
    ck_assert (strstr (xml, "<instanceID>uuid:") != NULL);
    reloaded = rs_form_session_new_from_instance (form, xml, length, NULL, &error);
    ck_assert_msg (reloaded != NULL, "%s: %s", name, error != NULL ? error->message : "");
    ck_assert_str_eq (rs_form_session_get_instance_id (reloaded),
                      rs_form_session_get_instance_id (session));
  }
}
END_TEST

static Suite *
fixtures_suite (void)
{
  Suite *suite = suite_create ("odk-fixtures");
  TCase *tc = tcase_create ("corpus");

  /* Each form runs in a forked child: a crash or hang fails that form only. */
  tcase_set_timeout (tc, 20);
  tcase_add_test (tc, test_must_load_list_is_complete);
  tcase_add_loop_test (tc, test_fixture_form, 0, form_files->len);
  suite_add_tcase (suite, tc);
  return suite;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

int
main (void)
{
  g_autofree char *dir = fixtures_dir ();
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  int status;

  form_files = g_ptr_array_new_with_free_func (g_free);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      if (g_str_has_suffix (name, ".xml"))
        g_ptr_array_add (form_files, g_strdup (name));
    }
  g_ptr_array_sort (form_files, compare_names);
  if (form_files->len == 0)
    g_printerr ("No forms in %s: set RS_SHARED_DIR to the shared/ folder.\n", dir);
  status = rs_test_run_suite (fixtures_suite ());
  if (form_files->len < 118)
    status = EXIT_FAILURE;
  g_ptr_array_unref (form_files);
  return status;
}
