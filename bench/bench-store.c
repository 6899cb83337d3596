/* bench-store.c: durable answer save vs a bare SQLite WAL+FULL commit; open-to-list and search
 * with 10,000 records. Prints figures; see bench/README.md.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "rs-store-private.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *samples,
            double  p)
{
  guint index;

  g_array_sort (samples, compare_doubles);
  index = (guint) (p / 100.0 * (samples->len - 1) + 0.5);
  return g_array_index (samples, double, index);
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
print_line (const char *what,
            GArray     *samples)
{
  printf ("%-44s p50 %8.3f ms   p99 %8.3f ms   (n=%u)\n", what, percentile (samples, 50),
          percentile (samples, 99), samples->len);
}

static void
check (int         rc,
       sqlite3    *db,
       const char *what)
{
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      fprintf (stderr, "%s: %s\n", what, sqlite3_errmsg (db));
      exit (1);
    }
}

/* The floor: one row, one durable commit, nothing else. */
static GArray *
bench_bare_commit (const char *dir,
                   guint       n)
{
  g_autofree char *path = g_build_filename (dir, "bare.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "bare.db-wal", NULL);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (double));
  char payload[200];
  sqlite3 *db = NULL;
  sqlite3_stmt *begin = NULL;
  sqlite3_stmt *insert = NULL;
  sqlite3_stmt *commit = NULL;

  memset (payload, 'x', sizeof payload);
  g_unlink (path);
  g_unlink (wal);
  check (sqlite3_open (path, &db), db, "open");
  check (sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                           "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)", NULL, NULL, NULL),
         db, "setup");
  check (sqlite3_prepare_v2 (db, "BEGIN IMMEDIATE", -1, &begin, NULL), db, "prepare");
  check (sqlite3_prepare_v2 (db, "INSERT INTO t (v) VALUES (?)", -1, &insert, NULL), db,
         "prepare");
  check (sqlite3_prepare_v2 (db, "COMMIT", -1, &commit, NULL), db, "prepare");
  for (guint i = 0; i < n; i++)
    {
      double start = now_ms ();

      check (sqlite3_step (begin), db, "begin");
      sqlite3_reset (begin);
      sqlite3_bind_blob (insert, 1, payload, sizeof payload, SQLITE_STATIC);
      check (sqlite3_step (insert), db, "insert");
      sqlite3_reset (insert);
      check (sqlite3_step (commit), db, "commit");
      sqlite3_reset (commit);
      g_array_append_val (samples, (double) { now_ms () - start });
    }
  sqlite3_finalize (begin);
  sqlite3_finalize (insert);
  sqlite3_finalize (commit);
  sqlite3_close (db);
  return samples;
}

static const char *const family[] = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Lò",
                                      "Vũ", "Bùi", "Đỗ", "Hồ", "Giàng" };
static const char *const middle[] = { "Văn", "Thị", "Đức", "Ngọc", "Minh", "Seo", "Thu" };
static const char *const given[] = { "An", "Bình", "Đào", "Mai", "Páo", "Hương", "Dũng",
                                     "Lan", "Sơn", "Tú", "Vân", "Khánh", "Hải", "Nga" };
static const char *const villages[] = { "Thôn Nà Sáng", "Bản Phìn", "Thôn 3", "Tổ 7",
                                        "Khu phố Đông" };

static char *
name_for (guint i)
{
  return g_strdup_printf ("%s %s %s", family[i % G_N_ELEMENTS (family)],
                          middle[(i / 12) % G_N_ELEMENTS (middle)],
                          given[(i / 7) % G_N_ELEMENTS (given)]);
}

/* A household of six members shaped like the data dictionary's record (~5 KB). */
static GBytes *
household_xml (const char *id,
               const char *village,
               const char *code,
               const char *head,
               guint       counter)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\"?>\n<household id=\"vn_household_review\" "
                               "version=\"2024061001\">");

  g_string_append_printf (xml, "<admin><province>Hà Giang</province><commune_code>00793"
                               "</commune_code><commune_name>Xã Lũng Cú</commune_name><village>"
                               "%s</village><area>rural</area><region>northern_midlands_mountains"
                               "</region><household_code>%s</household_code><review_type>annual"
                               "</review_type><review_date>2025-10-01</review_date>"
                               "<previous_status>poor</previous_status></admin><head><name>%s"
                               "</name><phone>0912345678</phone><address>%s</address></head>"
                               "<screening><signs>none</signs></screening><members>",
                          village, code, head, village);
  for (guint m = 0; m < 6; m++)
    g_string_append_printf (xml, "<member><name>%s %u</name><sex>female</sex><birth_date>"
                                 "1980-01-0%u</birth_date><age>45</age><relation>child"
                                 "</relation><ethnicity>08</ethnicity><id_number>001234567890"
                                 "</id_number><health_insurance>yes</health_insurance>"
                                 "<disability>none</disability><social_allowance>no"
                                 "</social_allowance><merit_person>no</merit_person><in_school/>"
                                 "<school_level/><highest_completed>primary</highest_completed>"
                                 "<training_certificate/><work_status>employed</work_status>"
                                 "<wage_employee>no</wage_employee><labour_contract/>"
                                 "<malnourished/></member>",
                            head, m + 1, m + 1);
  g_string_append_printf (xml, "</members><housing><tenure>owned</tenure><walls_durable>no"
                               "</walls_durable><frame_durable>yes</frame_durable><roof_durable>"
                               "no</roof_durable><floor_area>32</floor_area></housing>"
                               "<water_sanitation><water_source>protected_spring</water_source>"
                               "<toilet>pit_without_slab</toilet></water_sanitation><information>"
                               "<telecom>yes</telecom><devices>basic_phone</devices><loudspeaker>"
                               "yes</loudspeaker></information><income><wages>%u</wages>"
                               "<agriculture>18000000</agriculture><business>0</business>"
                               "<pensions_allowances>0</pensions_allowances><other>0</other>"
                               "<per_capita_monthly>250000</per_capita_monthly></income><result>"
                               "<standard>vn-2022-2025@1</standard><classification>poor"
                               "</classification><deprivation_count>4</deprivation_count>"
                               "<deprived>housing_quality housing_area sanitation water"
                               "</deprived><b2_points>40</b2_points></result><meta><instanceID>"
                               "%s</instanceID><username>can_bo_1</username></meta></household>",
                          counter, id);
  return g_string_free_to_bytes (xml);
}

static GArray *
bench_store_save (const char *dir,
                  guint       n,
                  gsize      *xml_size)
{
  g_autofree char *path = g_build_filename (dir, "save.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "save.db-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = NULL;
  g_autoptr(RsRecordSummary) summary = rs_record_summary_new ("Thôn Nà Sáng", "HG-001",
                                                              "Nguyễn Văn Bình", "poor",
                                                              "can_bo_1");
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (double));

  g_unlink (path);
  g_unlink (wal);
  store = rs_store_new (path, 0, NULL, &error);
  if (store == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  rs_record_free (rs_store_create_draft (store, "vn_household_review", "2024061001",
                                         "uuid:bench", NULL, summary, NULL, NULL));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) xml = household_xml ("uuid:bench", "Thôn Nà Sáng", "HG-001",
                                             "Nguyễn Văn Bình", 1000000 + i);
      g_autofree char *old = g_strdup_printf ("%u", 999999 + i);
      g_autofree char *value = g_strdup_printf ("%u", 1000000 + i);
      g_autoptr(RsRecordUpdate) update = rs_record_update_new ("uuid:bench", xml,
                                                               "{\"classification\":\"poor\","
                                                               "\"deprivation_count\":4}");
      double start;

      *xml_size = g_bytes_get_size (xml);
      rs_record_update_set_summary (update, summary);
      rs_record_update_set_screen (update, "income");
      rs_record_update_add_audit (update, rs_audit_event_new (RS_AUDIT_QUESTION_LEFT,
                                                              "/household/income/wages", NULL,
                                                              NULL, NULL, i * 10));
      rs_record_update_add_audit (update, rs_audit_event_new (RS_AUDIT_VALUE_CHANGED,
                                                              "/household/income/wages", old,
                                                              value, NULL, i * 10 + 5));
      start = now_ms ();
      if (!rs_store_save_answer (store, update, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          exit (1);
        }
      g_array_append_val (samples, (double) { now_ms () - start });
    }
  return samples;
}

static void
populate (const char *path,
          guint       n_records)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsStore) store = rs_store_new (path, 0, NULL, &error);

  if (store == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (1);
    }
  /* Filling is not what is measured: skip the fsyncs for it. */
  sqlite3_exec (_rs_store_get_db (store), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *id = g_strdup_printf ("uuid:%08u-0000-4000-8000-000000000000", i);
      g_autofree char *code = g_strdup_printf ("HG-%05u", i);
      g_autofree char *head = name_for (i);
      const char *village = villages[i % G_N_ELEMENTS (villages)];
      g_autoptr(GBytes) xml = household_xml (id, village, code, head, i);
      g_autoptr(RsRecordSummary) summary = rs_record_summary_new (village, code, head, "poor",
                                                                  "can_bo_1");
      g_autoptr(RsRecord) record = rs_store_create_draft (store, "vn_household_review",
                                                          "2024061001", id, xml, summary, NULL,
                                                          &error);

      if (record == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          exit (1);
        }
      if (i % 3 == 0 && !rs_store_finalize (store, id, xml, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          exit (1);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  const char *parent = argc > 1 ? argv[1] : g_get_tmp_dir ();
  g_autofree char *template = g_build_filename (parent, "rasoat-bench-XXXXXX", NULL);
  g_autofree char *dir = g_mkdtemp (template) != NULL ? g_strdup (template) : NULL;
  g_autofree char *big = NULL;
  guint n_saves = 1000;
  guint n_records = 10000;
  g_autoptr(GArray) bare = NULL;
  g_autoptr(GArray) saves = NULL;
  g_autoptr(GArray) open_list = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) open_page = g_array_new (FALSE, FALSE, sizeof (double));
  gsize xml_size = 0;
  guint listed = 0;
  static const char *const queries[] = { "nguyen van", "dao", "hg-0123", "giang seo" };

  if (dir == NULL)
    {
      fprintf (stderr, "cannot make a directory in %s\n", parent);
      return 1;
    }
  printf ("rasoat store benchmark (SQLite %s), files in %s\n\n", sqlite3_libversion (), dir);

  /* Interleaved in rounds, so both see the same disk and cache conditions. */
  bare = g_array_new (FALSE, FALSE, sizeof (double));
  saves = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint round = 0; round < 5; round++)
    {
      g_autoptr(GArray) b = bench_bare_commit (dir, n_saves / 5);
      g_autoptr(GArray) s = bench_store_save (dir, n_saves / 5, &xml_size);

      g_array_append_vals (bare, b->data, b->len);
      g_array_append_vals (saves, s->data, s->len);
    }
  print_line ("bare SQLite WAL+FULL one-row commit", bare);
  printf ("rs_store_save_answer (%5zu-byte instance,\n", xml_size);
  print_line ("  score, summary, screen, 2 audit rows)", saves);
  printf ("ratio save/bare: p50 %.2f×, p99 %.2f×\n\n",
          percentile (saves, 50) / percentile (bare, 50),
          percentile (saves, 99) / percentile (bare, 99));

  big = g_build_filename (dir, "big.db", NULL);
  {
    double start = now_ms ();

    populate (big, n_records);
    printf ("filled %u records (1 in 3 finalized) in %.1f s\n", n_records,
            (now_ms () - start) / 1000.0);
  }
  {
    GStatBuf st;

    if (g_stat (big, &st) == 0)
      printf ("database file: %.1f MB\n", st.st_size / 1e6);
  }
  for (guint round = 0; round < 7; round++)
    {
      for (guint page = 0; page < 2; page++)
        {
          RsRecordQuery query = { .any_state = TRUE, .limit = page ? 50 : 0 };
          double start = now_ms ();
          g_autoptr(RsStore) store = rs_store_new (big, 0, NULL, NULL);
          g_autoptr(GPtrArray) records = rs_store_list_records (store, &query, NULL);
          double elapsed = now_ms () - start;

          if (page)
            g_array_append_val (open_page, elapsed);
          else
            {
              g_array_append_val (open_list, elapsed);
              listed = records->len;
            }
        }
    }
  printf ("\n");
  print_line ("open (quick_check) + list all 10,000", open_list);
  print_line ("open (quick_check) + first 50", open_page);
  printf ("(listed %u records)\n\n", listed);

  {
    g_autoptr(RsStore) store = rs_store_new (big, 0, NULL, NULL);

    for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
      {
        g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
        g_autofree char *label = NULL;
        guint found = 0;

        for (guint round = 0; round < 21; round++)
          {
            RsRecordQuery query = { .any_state = TRUE, .text = queries[q] };
            double start = now_ms ();
            g_autoptr(GPtrArray) records = rs_store_list_records (store, &query, NULL);

            g_array_append_val (samples, (double) { now_ms () - start });
            found = records->len;
          }
        label = g_strdup_printf ("search “%s” (%u hits)", queries[q], found);
        print_line (label, samples);
      }
  }

  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
    for (guint i = 0; i < files->len; i++)
      g_unlink (g_ptr_array_index (files, i));
    g_rmdir (dir);
  }
  return 0;
}
