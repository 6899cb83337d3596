/* main.c: rasoat, the tablet app for the household poverty review.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(RsApplication) app = NULL;

  rs_application_init_i18n ();
  app = rs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
