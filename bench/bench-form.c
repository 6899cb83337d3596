/* bench-form.c: times form loading and the recompute after one answer, for a 30-question form
 * with a 60-question repeat at 1, 15, 30 and 100 instances.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "rs-form-session.h"

#define TOP_QUESTIONS    30
#define REPEAT_QUESTIONS 60

/* A household-like form: 30 questions with relevance, constraints and calculations, and a
 * member roster of 60 questions whose relevance and calculations read the same member. */
static char *
generate_form (void)
{
  GString *xml = g_string_new (NULL);
  GString *binds = g_string_new (NULL);
  GString *body = g_string_new (NULL);

  g_string_append (xml,
                   "<h:html xmlns='http://www.w3.org/2002/xforms' "
                   "xmlns:h='http://www.w3.org/1999/xhtml' "
                   "xmlns:jr='http://openrosa.org/javarosa'><h:head><h:title>bench</h:title>"
                   "<model><instance><data id='bench'>");
  for (guint i = 1; i <= TOP_QUESTIONS; i++)
    {
      g_string_append_printf (xml, "<q%u/>", i);
      if (i == 1)
        g_string_append (binds, "<bind nodeset='/data/q1' type='int' required='true()' "
                                "constraint='. &gt;= 0 and . &lt; 1000'/>");
      else if (i % 5 == 0)
        g_string_append_printf (binds, "<bind nodeset='/data/q%u' type='int' readonly='true()' "
                                       "calculate='/data/q%u + /data/q1'/>", i, i - 1);
      else
        g_string_append_printf (binds, "<bind nodeset='/data/q%u' type='int' "
                                       "relevant='/data/q1 &gt; %u' "
                                       "constraint='. &lt;= /data/q1 * 10'/>", i, i);
      g_string_append_printf (body, "<input ref='/data/q%u'><label>Câu %u</label></input>", i,
                              i);
    }
  g_string_append (xml, "<members/><total_age/><m jr:template=''>");
  g_string_append (body, "<group ref='/data/m'><label>Thành viên</label>"
                         "<repeat nodeset='/data/m'>");
  for (guint k = 1; k <= REPEAT_QUESTIONS; k++)
    {
      g_string_append_printf (xml, "<f%u/>", k);
      if (k == 1)
        g_string_append (binds, "<bind nodeset='/data/m/f1' type='int' required='true()' "
                                "constraint='. &gt;= 0 and . &lt; 120' "
                                "jr:constraintMsg='Tuổi từ 0 đến 119'/>");
      else if (k % 10 == 0)
        g_string_append_printf (binds, "<bind nodeset='/data/m/f%u' type='int' readonly='true()' "
                                       "calculate='/data/m/f1 * %u + /data/m/f%u'/>", k, k,
                                k - 1);
      else if (k % 3 == 0)
        g_string_append_printf (binds, "<bind nodeset='/data/m/f%u' type='select1' "
                                       "relevant='/data/m/f1 &gt;= %u and /data/q1 != 0'/>", k,
                                k);
      else
        g_string_append_printf (binds, "<bind nodeset='/data/m/f%u' type='int' "
                                       "relevant='/data/m/f1 &gt;= %u' "
                                       "constraint='. &lt;= /data/m/f1 + %u'/>", k, k % 40, k);
      if (k % 3 == 0 && k % 10 != 0)
        g_string_append_printf (body, "<select1 ref='/data/m/f%u'><label>Ý %u</label>"
                                      "<item><label>Có</label><value>1</value></item>"
                                      "<item><label>Không</label><value>2</value></item>"
                                      "</select1>", k, k);
      else
        g_string_append_printf (body, "<input ref='/data/m/f%u'><label>Ý %u của "
                                      "<output value='/data/m/f1'/></label></input>", k, k);
    }
  g_string_append (xml, "</m><meta><instanceID/></meta></data></instance>");
  g_string_append (binds, "<bind nodeset='/data/members' type='int' calculate='count(/data/m)'/>"
                          "<bind nodeset='/data/total_age' type='int' "
                          "calculate='sum(/data/m/f1)'/>"
                          "<bind nodeset='/data/meta/instanceID' type='string' "
                          "readonly='true()' jr:preload='uid'/>");
  g_string_append (body, "</repeat></group>");
  g_string_append_printf (xml, "%s</model></h:head><h:body>%s</h:body></h:html>", binds->str,
                          body->str);
  g_string_free (binds, TRUE);
  g_string_free (body, TRUE);
  return g_string_free (xml, FALSE);
}

/* CPU time of this thread in µs: the machine is shared, wall time would count other work. */
static gint64
cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Average time of one answer (and its recompute), best of fifteen rounds: the machine is shared,
 * the minimum is the engine's own cost. */
static double
time_answers (RsFormSession *session,
              const char    *path,
              guint          iterations)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < 15; round++)
    {
      gint64 start = cpu_time ();

      for (guint i = 0; i < iterations; i++)
        {
          g_autofree char *value = g_strdup_printf ("%u", 20 + i % 50);

          if (!rs_form_session_set_value (session, path, value, NULL))
            g_error ("cannot answer %s", path);
        }
      best = MIN (best, (double) (cpu_time () - start) / iterations);
    }
  return best;
}

int
main (void)
{
  g_autofree char *xml = generate_form ();
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = NULL;
  const guint instance_counts[] = { 1, 15, 30, 100 };
  const guint loads = 50;
  gint64 start;

  {
    double best = G_MAXDOUBLE;

    for (guint i = 0; i < loads; i++)
      {
        g_autoptr(RsForm) loaded = NULL;

        start = cpu_time ();
        loaded = rs_form_new_from_data (xml, strlen (xml), &error);
        if (loaded == NULL)
          g_error ("the generated form does not load: %s", error->message);
        best = MIN (best, (double) (cpu_time () - start));
      }
    printf ("Form: %u questions + a %u-question repeat (%zu bytes of XML)\n", TOP_QUESTIONS,
            REPEAT_QUESTIONS, strlen (xml));
    printf ("Form load (parse, compile, dependency graph): %.2f ms (best of %u)\n",
            best / 1000.0, loads);
  }

  form = rs_form_new_from_data (xml, strlen (xml), &error);
  printf ("\n%-10s %13s %17s %17s %12s %11s\n", "instances", "fill roster", "answer in repeat",
          "answer top-level", "all screens", "one screen");
  for (guint c = 0; c < G_N_ELEMENTS (instance_counts); c++)
    {
      guint n = instance_counts[c];
      g_autoptr(RsFormSession) session = NULL;
      g_autofree char *middle = g_strdup_printf ("/data/m[%u]/f1", (n + 1) / 2);
      double fill_ms, repeat_us, top_us, screens_ms, screen_ms;

      session = rs_form_session_new (form, NULL);
      start = cpu_time ();
      for (guint i = 1; i <= n; i++)
        {
          g_autofree char *path = g_strdup_printf ("/data/m[%u]/f1", i);

          rs_form_session_ensure_path (session, path, NULL);
          rs_form_session_set_value (session, path, "30", NULL);
        }
      fill_ms = (cpu_time () - start) / 1000.0;
      rs_form_session_set_value (session, "/data/q1", "50", NULL);

      repeat_us = time_answers (session, middle, 200);
      top_us = time_answers (session, "/data/q2", 200);
      start = cpu_time ();
      for (guint i = 0; i < 5; i++)
        {
          g_autoptr(GPtrArray) screens = rs_form_session_get_screens (session);

          if (screens->len < n)
            g_error ("too few screens");
        }
      screens_ms = (cpu_time () - start) / 1000.0 / 5;
      start = cpu_time ();
      for (guint i = 0; i < 20; i++)
        {
          g_autoptr(RsFormScreen) screen = rs_form_session_get_screen (session, 40);

          if (screen == NULL)
            g_error ("no screen 40");
        }
      screen_ms = (cpu_time () - start) / 1000.0 / 20;
      printf ("%-10u %10.2f ms %14.1f µs %14.1f µs %9.2f ms %8.2f ms\n", n, fill_ms, repeat_us,
              top_us, screens_ms, screen_ms);
    }
  printf ("\nAll times are CPU time of the benchmark thread.\n");
  printf ("\"answer in repeat\" sets /data/m[k]/f1 of the middle member (read by 59\n"
          "relevance, constraint and calculate expressions of that member and by the roster\n"
          "total); each figure includes the recompute of everything the answer can affect.\n"
          "\"fill roster\" adds the n members and answers their first question.\n");
  return 0;
}
