/* fuzz-score.c: libFuzzer target for scoring a record of any shape, differential: the scorer's
 * reader (a record in the form's shape becomes the instance as parsed, any other is overlaid on
 * a blank record) must give exactly what a values-only session opening the record gives.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rs-form-private.h"
#include "rs-score.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static RsScorer *scorer;

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(RsScore) read = NULL;
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(RsScore) opened = NULL;
  g_autofree char *read_json = NULL;
  g_autofree char *opened_json = NULL;
  g_autoptr(GError) error = NULL;

  if (scorer == NULL)
    {
      const char *datadir = g_getenv ("RASOAT_DATADIR");

      scorer = rs_scorer_new (datadir != NULL ? datadir : RS_SOURCE_DATADIR, &error);
      if (scorer == NULL)
        {
          fprintf (stderr, "fuzz-score: %s\n", error->message);
          abort ();
        }
    }
  read = rs_scorer_score_xml (scorer, (const char *) data, (gssize) size, NULL, &error);
  if (read == NULL)
    {
      /* A record that cannot be scored says why, in scoring's own words. */
      if (error == NULL || (error->domain != RS_SCORE_ERROR && error->domain != RS_STANDARD_ERROR))
        abort ();
      return 0;
    }
  session = _rs_form_session_new_values_only (rs_scorer_get_form (scorer), NULL,
                                              (const char *) data, (gssize) size, NULL);
  if (session == NULL)
    abort ();
  opened = rs_scorer_score_session (scorer, session, NULL, NULL);
  if (opened == NULL)
    abort ();
  read_json = rs_score_to_json (read, RS_LANG_VI);
  opened_json = rs_score_to_json (opened, RS_LANG_VI);
  if (!rs_score_equal (read, opened) || g_strcmp0 (read_json, opened_json) != 0)
    {
      fprintf (stderr, "fuzz-score: the reader and a session disagree:\n%s\n%s\n", read_json,
               opened_json);
      abort ();
    }
  return 0;
}
