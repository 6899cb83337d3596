/* bench-score.c: how fast a household is scored, alone and in a batch of generated households.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rs-score.h"
#include "rs-test-household.h"

static const char * const water_sources[] = {
  "piped", "drilled_well", "rainwater", "unprotected_dug_well", "surface_water",
};
static const char * const toilets[] = { "septic", "semi_septic", "pit_without_slab", "none" };
static const char * const statuses[] = { "none", "poor", "near_poor", "escaped_poor" };
static const char * const work[] = { "employed", "unemployed", "homemaker", "student" };

/* A plausible household: @n_members members (1 to 8 when 0) of all ages, varied housing,
 * services and income. */
static char *
generate_household_of (GRand *rand,
                       guint  serial,
                       guint  n_members)
{
  RsTestHousehold h;
  char id[64];
  char births[RS_TEST_MAX_MEMBERS][16];
  char area[16];

  rs_test_household_init (&h);
  g_snprintf (id, sizeof id, "uuid:00000000-0000-4000-8000-%012u", serial);
  h.instance_id = id;
  h.area = g_rand_boolean (rand) ? "rural" : "urban";
  h.previous_status = statuses[g_rand_int_range (rand, 0, G_N_ELEMENTS (statuses))];
  h.n_members = g_rand_int_range (rand, 1, 9);
  if (n_members > 0)
    h.n_members = MIN (n_members, RS_TEST_MAX_MEMBERS);
  for (guint i = 0; i < h.n_members; i++)
    {
      int year = g_rand_int_range (rand, 1940, 2026);

      g_snprintf (births[i], sizeof births[i], "%04d-%02d-%02d", year,
                  g_rand_int_range (rand, 1, 13), g_rand_int_range (rand, 1, 29));
      if (2026 - year < 15)
        {
          h.members[i] = rs_test_child ("Con", births[i]);
          h.members[i].in_school = g_rand_int_range (rand, 0, 10) == 0 ? "no" : "yes";
          h.members[i].malnourished = g_rand_int_range (rand, 0, 8) == 0 ? "yes" : "no";
        }
      else
        {
          h.members[i] = rs_test_adult ("Người lớn", g_rand_boolean (rand) ? "male" : "female",
                                        births[i], i == 0 ? "head" : "other");
          h.members[i].work_status = work[g_rand_int_range (rand, 0, G_N_ELEMENTS (work))];
          h.members[i].in_school = "no";
          h.members[i].training_certificate = "no";
          h.members[i].highest_completed = g_rand_boolean (rand) ? "primary" : "upper_secondary";
        }
      h.members[i].relation = i == 0 ? "head" : h.members[i].relation;
      h.members[i].ethnicity = g_rand_int_range (rand, 0, 4) == 0 ? "08" : "01";
      h.members[i].health_insurance = g_rand_int_range (rand, 0, 5) == 0 ? "no" : "yes";
    }
  h.walls_durable = g_rand_boolean (rand) ? "yes" : "no";
  h.roof_durable = g_rand_boolean (rand) ? "yes" : "no";
  g_snprintf (area, sizeof area, "%d", g_rand_int_range (rand, 10, 120));
  h.floor_area = area;
  h.water_source = water_sources[g_rand_int_range (rand, 0, G_N_ELEMENTS (water_sources))];
  h.toilet = toilets[g_rand_int_range (rand, 0, G_N_ELEMENTS (toilets))];
  h.telecom = g_rand_int_range (rand, 0, 6) == 0 ? "no" : "yes";
  rs_test_household_set_income (&h, g_rand_int_range (rand, 500000, 4000000));
  return rs_test_household_to_xml (&h);
}

static char *
generate_household (GRand *rand,
                    guint  serial)
{
  return generate_household_of (rand, serial, 0);
}

/* CPU time of this thread in µs: the machine is shared, so wall clock says little. */
static gint64
cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Positional count @index of argv, or @fallback; exits with the usage on anything else. */
static guint
count_argument (int          argc,
                char       **argv,
                int          index,
                guint        fallback)
{
  guint64 value = 0;
  g_autoptr(GError) error = NULL;

  if (argc <= index)
    return fallback;
  if (!g_ascii_string_to_unsigned (argv[index], 10, 1, G_MAXUINT, &value, &error))
    {
      fprintf (stderr, "usage: %s [BATCH=100000] [FILES=2000] [SINGLE_RUNS=20000]\n"
               "%s: %s\n", argv[0], argv[index], error->message);
      exit (2);
    }
  return (guint) value;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  const char *data = g_getenv ("RASOAT_DATADIR") != NULL ? g_getenv ("RASOAT_DATADIR")
                                                         : RS_SOURCE_DATADIR;
  guint batch = count_argument (argc, argv, 1, 100000);
  guint files = count_argument (argc, argv, 2, 2000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261123);
  g_autoptr(RsScorer) scorer = NULL;
  g_autofree char *one = NULL;
  guint counts[6] = { 0 };
  gint64 start, elapsed = 0, generation = 0;
  gsize json_bytes = 0;
  guint single_runs = count_argument (argc, argv, 3, 20000);

  start = cpu_time ();
  scorer = rs_scorer_new (data, &error);
  if (scorer == NULL)
    {
      fprintf (stderr, "bench-score: %s\n", error->message);
      return 1;
    }
  printf ("(CPU time of the scoring thread)\nload form, 2 standards and the catalogue: %.2f ms\n",
          (cpu_time () - start) / 1000.0);

  /* One household, parsed and scored again and again. */
  one = generate_household (rand, 0);
  for (guint i = 0; i < 200; i++)
    rs_score_free (rs_scorer_score_xml (scorer, one, -1, NULL, NULL));
  start = cpu_time ();
  for (guint i = 0; i < single_runs; i++)
    rs_score_free (rs_scorer_score_xml (scorer, one, -1, NULL, NULL));
  {
    guint n_members = 0;

    for (const char *p = strstr (one, "<member>"); p != NULL; p = strstr (p + 1, "<member>"))
      n_members++;
    printf ("score one household of %u members (parse, recompute, 12 indicators, way out): "
            "%.1f µs\n", n_members, (double) (cpu_time () - start) / single_runs);
  }
  {
    g_autoptr(RsScore) score = rs_scorer_score_xml (scorer, one, -1, NULL, NULL);

    start = cpu_time ();
    for (guint i = 0; i < single_runs; i++)
      g_free (rs_score_to_json (score, RS_LANG_VI));
    printf ("its JSON: %.1f µs\n", (double) (cpu_time () - start) / single_runs);
  }

  /* Cost against the number of members: it should grow linearly. */
  {
    static const guint sizes[] = { 1, 4, 10, 30 };
    g_autoptr(GRand) sized_rand = g_rand_new_with_seed (20261124);

    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        g_autofree char *xml = generate_household_of (sized_rand, 900000 + s, sizes[s]);
        guint runs = MAX (100, single_runs / sizes[s]);

        for (guint i = 0; i < 20; i++)
          rs_score_free (rs_scorer_score_xml (scorer, xml, -1, NULL, NULL));
        start = cpu_time ();
        for (guint i = 0; i < runs; i++)
          rs_score_free (rs_scorer_score_xml (scorer, xml, -1, NULL, NULL));
        printf ("score one household of %2u member%s: %.1f µs\n", sizes[s],
                sizes[s] > 1 ? "s" : "", (double) (cpu_time () - start) / runs);
      }
  }

  /* A batch of generated households, in memory (generation not counted). */
  for (guint i = 0; i < batch; i++)
    {
      gint64 t0 = cpu_time ();
      g_autofree char *xml = generate_household (rand, i + 1);
      gint64 t1 = cpu_time ();
      g_autoptr(RsScore) score = rs_scorer_score_xml (scorer, xml, -1, NULL, &error);

      elapsed += cpu_time () - t1;
      generation += t1 - t0;
      if (score == NULL)
        {
          fprintf (stderr, "bench-score: %s\n", error->message);
          return 1;
        }
      counts[score->classification]++;
    }
  printf ("batch of %u generated households: %.2f s, %.0f households/s "
          "(generating them took %.2f s more; poor %u, near-poor %u, middle %u, not poor %u)\n",
          batch, elapsed / 1e6, batch / (elapsed / 1e6), generation / 1e6,
          counts[RS_CLASSIFICATION_POOR],
          counts[RS_CLASSIFICATION_NEAR_POOR], counts[RS_CLASSIFICATION_MIDDLE],
          counts[RS_CLASSIFICATION_NOT_POOR]);

  /* The same from files, as `rasoat-cli score --batch` reads them. */
  if (files > 0)
    {
      g_autofree char *dir = g_dir_make_tmp ("rasoat-bench-XXXXXX", NULL);

      for (guint i = 0; i < files; i++)
        {
          g_autofree char *xml = generate_household (rand, batch + i + 1);
          g_autofree char *name = g_strdup_printf ("%s/h%06u.xml", dir, i);

          g_file_set_contents (name, xml, -1, NULL);
        }
      start = cpu_time ();
      for (guint i = 0; i < files; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s/h%06u.xml", dir, i);
          g_autoptr(RsScore) score = rs_scorer_score_file (scorer, name, NULL, NULL);
          g_autofree char *json = score != NULL ? rs_score_to_json (score, RS_LANG_VI) : NULL;

          json_bytes += json != NULL ? strlen (json) : 0;
        }
      elapsed = cpu_time () - start;
      printf ("batch of %u files (read, score, JSON): %.0f households/s, %zu bytes of JSON\n",
              files, files / (elapsed / 1e6), json_bytes);
      for (guint i = 0; i < files; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s/h%06u.xml", dir, i);

          g_unlink (name);
        }
      g_rmdir (dir);
    }
  return 0;
}
