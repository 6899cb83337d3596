/* rs-cli.h: the subcommands of rasoat-cli; each lives in its own cli/rs-cli-<name>.c.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Global options, parsed by main.c before the subcommand. */
typedef struct
{
  const char *db_path;   /* --db PATH: the tablet database (store commands, sync) */
  const char *data_dir;  /* forms and standards: $RASOAT_DATADIR or the installed data */
} RsCliContext;

/* A subcommand gets argv starting at its own name; returns the process exit status. */
typedef int (*RsCliCommandFunc) (RsCliContext *ctx,
                                 int           argc,
                                 char        **argv);

typedef struct
{
  const char       *name;
  const char       *summary;  /* N_() marked; translated when printed */
  RsCliCommandFunc  run;
} RsCliCommand;

/* form check | form fill (cli/rs-cli-form.c) */
int rs_cli_form (RsCliContext *ctx,
                 int           argc,
                 char        **argv);

/* Prints a translated error to stderr in the form "rasoat-cli: message". */
void rs_cli_error (const char *format,
                   ...) G_GNUC_PRINTF (1, 2);

/* rs-cli-db.c: the database commands. */
int rs_cli_import (RsCliContext *ctx, int argc, char **argv);
int rs_cli_list   (RsCliContext *ctx, int argc, char **argv);
int rs_cli_show   (RsCliContext *ctx, int argc, char **argv);
int rs_cli_export (RsCliContext *ctx, int argc, char **argv);
int rs_cli_backup (RsCliContext *ctx, int argc, char **argv);
/* rs-cli-score.c */
int rs_cli_score (RsCliContext *ctx,
                  int           argc,
                  char        **argv);
/* rs-cli-sync.c */
int rs_cli_sync (RsCliContext  *ctx,
                 int            argc,
                 char         **argv);

G_END_DECLS
