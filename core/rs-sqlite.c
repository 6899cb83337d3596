/* rs-sqlite.c: the connection settings every rasoat SQLite database uses (design/reliability.md
 * §1.2), in one place for the tablet's store and the district server's SQLite backend.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-sqlite.h"

/**
 * rs_sqlite_configure:
 * @db: a connection just opened
 *
 * Applies the settings that hold per connection, so every connection that writes sets them:
 * defensive mode (no writes to the schema or pages behind SQLite's back), no double-quoted
 * string literals, functions in the schema untrusted, a 5 s busy timeout, and the PRAGMAs
 * `synchronous = FULL` (with WAL, a commit the user was told about survives a power cut),
 * `foreign_keys`, `secure_delete` (deleted households leave no readable pages),
 * `cell_size_check` and `trusted_schema = OFF`.
 *
 * Returns: an SQLite result code; on failure sqlite3_errmsg() of @db says why.
 */
int
rs_sqlite_configure (sqlite3 *db)
{
  static const char *const settings =
    "PRAGMA synchronous = FULL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA secure_delete = ON;"
    "PRAGMA cell_size_check = ON;"
    "PRAGMA trusted_schema = OFF;";
  int enabled = 0;

  g_return_val_if_fail (db != NULL, SQLITE_MISUSE);

  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, &enabled);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &enabled);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DQS_DML, 0, &enabled);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DQS_DDL, 0, &enabled);
  sqlite3_busy_timeout (db, 5000);
  return sqlite3_exec (db, settings, NULL, NULL, NULL);
}

/**
 * rs_sqlite_use_wal:
 * @db: a connection
 * @mode: (out) (optional): the journal mode the database reports afterwards; free with g_free()
 *
 * Switches the database to write-ahead logging (a setting of the file, kept across
 * connections). Some file systems (network shares, some SD-card drivers) cannot give WAL its
 * shared memory, and SQLite then quietly keeps another mode: that is reported as SQLITE_CANTOPEN
 * with the mode in @mode, because the durability guarantees assume WAL.
 *
 * Returns: SQLITE_OK when the database is in WAL mode, otherwise an SQLite result code.
 */
int
rs_sqlite_use_wal (sqlite3  *db,
                   char    **mode)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (db != NULL, SQLITE_MISUSE);

  if (mode != NULL)
    *mode = NULL;
  rc = sqlite3_prepare_v2 (db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          const char *reported = (const char *) sqlite3_column_text (stmt, 0);

          rc = reported != NULL && g_ascii_strcasecmp (reported, "wal") == 0 ? SQLITE_OK
                                                                            : SQLITE_CANTOPEN;
          if (mode != NULL)
            *mode = g_strdup (reported != NULL ? reported : "");
        }
      else if (rc == SQLITE_DONE)
        rc = SQLITE_CANTOPEN;
    }
  sqlite3_finalize (stmt);
  return rc;
}
