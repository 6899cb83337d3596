/* rs-store-export.c: exports (OpenRosa XML files, flat CSV per repeat) and the backup copy.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <string.h>
#include <unistd.h>

#include "rs-store-private.h"
#include "rs-text.h"
#include "rs-xml.h"

static gboolean
write_file (const char  *path,
            const char  *data,
            gsize        size,
            GError     **error)
{
  GError *local_error = NULL;

  if (!g_file_set_contents_full (path, data, (gssize) size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      g_set_error (error, RS_STORE_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOSPC)
                     ? RS_STORE_ERROR_FULL : RS_STORE_ERROR_IO,
                   _("Could not write the export file: %s"), local_error->message);
      g_error_free (local_error);
      return FALSE;
    }
  return TRUE;
}

/* A file name from an instanceID ("uuid:…" has a colon, which some file systems refuse). */
static char *
file_name_for (const char *instance_id,
               const char *suffix)
{
  g_autofree char *safe = g_strdup (instance_id);

  for (char *p = safe; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
        *p = '_';
    }
  return g_strconcat (safe, suffix, NULL);
}

static gboolean
export_xml (GPtrArray    *records,
            const char   *directory,
            guint        *n_records,
            GCancellable *cancellable,
            GError      **error)
{
  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      gsize size = 0;
      const char *data;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (record->instance_xml == NULL)
        continue;
      data = g_bytes_get_data (record->instance_xml, &size);
      name = file_name_for (record->instance_id, ".xml");
      path = g_build_filename (directory, name, NULL);
      if (!write_file (path, data != NULL ? data : "", size, error))
        return FALSE;
      (*n_records)++;
    }
  return TRUE;
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* One CSV file: the main table of a form or one repeat. Rows map column → value. */
typedef struct
{
  char       *path;      /* repeat path relative to the root ("members/member"), "" for main */
  GPtrArray  *columns;   /* ordered, first seen first */
  GHashTable *known;     /* column set */
  GPtrArray  *rows;      /* of GHashTable */
} CsvTable;

static void
csv_table_free (CsvTable *table)
{
  g_free (table->path);
  g_ptr_array_unref (table->columns);
  g_hash_table_unref (table->known);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

static CsvTable *
csv_table_new (const char *path)
{
  CsvTable *table = g_new0 (CsvTable, 1);

  table->path = g_strdup (path);
  table->columns = g_ptr_array_new_with_free_func (g_free);
  table->known = g_hash_table_new (g_str_hash, g_str_equal);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  return table;
}

static void
csv_table_add_column (CsvTable   *table,
                      const char *column)
{
  char *copy;

  if (g_hash_table_contains (table->known, column))
    return;
  copy = g_strdup (column);
  g_ptr_array_add (table->columns, copy);
  g_hash_table_add (table->known, copy);
}

static GHashTable *
csv_table_new_row (CsvTable *table)
{
  GHashTable *row = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_ptr_array_add (table->rows, row);
  return row;
}

static void
csv_set (CsvTable   *table,
         GHashTable *row,
         const char *column,
         const char *value)
{
  csv_table_add_column (table, column);
  g_hash_table_replace (row, g_strdup (column), g_strdup (value));
}

typedef struct
{
  GHashTable *repeats;  /* relative paths of repeated elements */
  GHashTable *groups;   /* relative paths of elements that have children somewhere */
  GHashTable *tables;   /* relative path → CsvTable */
  GPtrArray  *order;    /* tables in creation order */
} CsvExport;

static CsvTable *
table_for (CsvExport  *export,
           const char *path)
{
  CsvTable *table = g_hash_table_lookup (export->tables, path);

  if (table == NULL)
    {
      table = csv_table_new (path);
      g_hash_table_insert (export->tables, table->path, table);
      g_ptr_array_add (export->order, table);
      if (*path == '\0')
        csv_table_add_column (table, "KEY");
      else
        {
          csv_table_add_column (table, "PARENT_KEY");
          csv_table_add_column (table, "KEY");
        }
    }
  return table;
}

static gboolean
has_element_children (xmlNode *node)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type == XML_ELEMENT_NODE)
        return TRUE;
    }
  return FALSE;
}

static char *
join_path (const char *parent,
           const char *name)
{
  return *parent == '\0' ? g_strdup (name) : g_strconcat (parent, "/", name, NULL);
}

/* Finds repeats in the data itself (an element that occurs twice under one parent), and the
 * groups (so an empty group, e.g. <members/> with no member, is not taken for a column). */
static void
find_repeated (xmlNode    *node,
               const char *path,
               GHashTable *repeats,
               GHashTable *groups)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *child_path = NULL;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      child_path = join_path (path, (const char *) child->name);
      if (!g_hash_table_add (seen, (gpointer) child->name))
        g_hash_table_add (repeats, g_strdup (child_path));
      if (has_element_children (child))
        g_hash_table_add (groups, g_strdup (child_path));
      find_repeated (child, child_path, repeats, groups);
    }
}

/* Finds repeats the form declares: <repeat nodeset="/household/members/member">. */
static void
find_declared_repeats (GBytes     *xform,
                       GHashTable *repeats)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (xform, &size);
  xmlDoc *doc;
  xmlXPathContext *context;
  xmlXPathObject *result;

  if (size == 0 || size > G_MAXINT)
    return;
  doc = rs_xml_read_memory (NULL, data, size, NULL, 0);
  if (doc == NULL)
    return;
  context = xmlXPathNewContext (doc);
  result = xmlXPathEvalExpression ((const xmlChar *) "//*[local-name()='repeat']/@nodeset",
                                   context);
  for (int i = 0; result != NULL && result->nodesetval != NULL
                  && i < result->nodesetval->nodeNr; i++)
    {
      xmlChar *nodeset = xmlNodeGetContent (result->nodesetval->nodeTab[i]);
      /* "/household/members/member" → "members/member" */
      const char *rest = nodeset != NULL && nodeset[0] == '/'
                           ? strchr ((const char *) nodeset + 1, '/') : NULL;

      if (rest != NULL && rest[1] != '\0')
        g_hash_table_add (repeats, g_strdup (rest + 1));
      xmlFree (nodeset);
    }
  xmlXPathFreeObject (result);
  xmlXPathFreeContext (context);
  xmlFreeDoc (doc);
}

/* Leaf elements become columns of @table's @row; repeated elements become rows of their own
 * table, keyed "parent-key/name[n]" like ODK's exports. */
static void
flatten (CsvExport  *export,
         xmlNode    *node,
         const char *path,
         const char *column_prefix,
         CsvTable   *table,
         GHashTable *row,
         const char *key)
{
  g_autoptr(GHashTable) counters = g_hash_table_new (g_str_hash, g_str_equal);

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *child_path = NULL;
      const char *name = (const char *) child->name;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      child_path = join_path (path, name);
      if (g_hash_table_contains (export->repeats, child_path))
        {
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counters, name)) + 1;
          CsvTable *child_table = table_for (export, child_path);
          GHashTable *child_row = csv_table_new_row (child_table);
          g_autofree char *child_key = g_strdup_printf ("%s/%s%s[%u]", key, column_prefix, name,
                                                        n);

          g_hash_table_insert (counters, (gpointer) name, GUINT_TO_POINTER (n));
          csv_set (child_table, child_row, "PARENT_KEY", key);
          csv_set (child_table, child_row, "KEY", child_key);
          flatten (export, child, child_path, "", child_table, child_row, child_key);
        }
      else if (has_element_children (child)
               || g_hash_table_contains (export->groups, child_path))
        {
          g_autofree char *prefix = g_strconcat (column_prefix, name, "/", NULL);

          flatten (export, child, child_path, prefix, table, row, key);
        }
      else
        {
          g_autofree char *column = g_strconcat (column_prefix, name, NULL);
          xmlChar *content = xmlNodeGetContent (child);

          csv_set (table, row, column, (const char *) content);
          xmlFree (content);
        }
    }
}

static gboolean
write_table (CsvTable    *table,
             const char  *directory,
             const char  *form_id,
             GError     **error)
{
  /* A byte-order mark: without it Excel, which most commune offices open CSV files with, reads
   * UTF-8 as the Windows code page and shows "Nguyá»…n" for "Nguyễn". Calc, pandas and
   * Python's "utf-8-sig" take it as it is meant. */
  g_autoptr(GString) out = g_string_new (RS_CSV_BOM);
  g_autofree char *suffix = g_strdelimit (g_strdup (table->path), "/", '-');
  g_autofree char *base = *suffix != '\0' ? g_strconcat (form_id, "-", suffix, NULL)
                                          : g_strdup (form_id);
  g_autofree char *name = file_name_for (base, ".csv");
  g_autofree char *path = g_build_filename (directory, name, NULL);

  for (guint c = 0; c < table->columns->len; c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      rs_text_csv_append_cell (out, g_ptr_array_index (table->columns, c));
    }
  g_string_append (out, "\r\n");
  for (guint r = 0; r < table->rows->len; r++)
    {
      GHashTable *row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->columns->len; c++)
        {
          const char *column = g_ptr_array_index (table->columns, c);

          if (c > 0)
            g_string_append_c (out, ',');
          rs_text_csv_append_cell (out, g_hash_table_lookup (row, column));
        }
      g_string_append (out, "\r\n");
    }
  return write_file (path, out->str, out->len, error);
}

static gboolean
export_csv_form (RsStore      *self,
                 const char   *form_id,
                 GPtrArray    *records,
                 const char   *directory,
                 guint        *n_records,
                 GCancellable *cancellable,
                 GError      **error)
{
  CsvExport export = { 0 };
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) xmlFreeDoc);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  sqlite3_stmt *stmt;
  gboolean ok = TRUE;

  export.repeats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  export.groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  export.tables = g_hash_table_new (g_str_hash, g_str_equal);
  export.order = g_ptr_array_new_with_free_func ((GDestroyNotify) csv_table_free);

  /* Every version of the form on the tablet declares its repeats. */
  stmt = _rs_store_prepare (self, "SELECT xml FROM forms WHERE form_id = ?", NULL);
  if (stmt != NULL)
    {
      _rs_store_bind_text (stmt, 1, form_id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_autoptr(GBytes) xform = _rs_store_column_bytes (stmt, 0);

          if (xform != NULL)
            find_declared_repeats (xform, export.repeats);
        }
      sqlite3_reset (stmt);
    }

  for (guint i = 0; i < records->len; i++)
    {
      RsRecord *record = g_ptr_array_index (records, i);
      gsize size = 0;
      const char *data;
      xmlDoc *doc;

      if (!g_str_equal (record->form_id, form_id) || record->instance_xml == NULL)
        continue;
      data = g_bytes_get_data (record->instance_xml, &size);
      doc = rs_xml_read_memory (NULL, data, size, NULL, 0);
      if (doc == NULL || xmlDocGetRootElement (doc) == NULL)
        {
          g_warning ("Export: the instance of %s is not readable XML; left out",
                     record->instance_id);
          if (doc != NULL)
            xmlFreeDoc (doc);
          continue;
        }
      find_repeated (xmlDocGetRootElement (doc), "", export.repeats, export.groups);
      g_ptr_array_add (docs, doc);
      g_ptr_array_add (ids, record->instance_id);
    }

  table_for (&export, "");
  for (guint i = 0; i < docs->len; i++)
    {
      CsvTable *main_table = table_for (&export, "");
      GHashTable *row = csv_table_new_row (main_table);
      const char *key = g_ptr_array_index (ids, i);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          goto out;
        }
      csv_set (main_table, row, "KEY", key);
      flatten (&export, xmlDocGetRootElement (g_ptr_array_index (docs, i)), "", "", main_table,
               row, key);
      (*n_records)++;
    }

  for (guint t = 0; ok && t < export.order->len; t++)
    ok = write_table (g_ptr_array_index (export.order, t), directory, form_id, error);

out:
  g_hash_table_unref (export.repeats);
  g_hash_table_unref (export.groups);
  g_hash_table_unref (export.tables);
  g_ptr_array_unref (export.order);
  return ok;
}

gboolean
_rs_store_export (RsStore              *self,
                  RsExportFormat        format,
                  const char           *directory,
                  const RsRecordQuery  *query,
                  guint                *n_records,
                  GCancellable         *cancellable,
                  GError              **error)
{
  RsRecordQuery with_xml = query != NULL ? *query : RS_RECORD_QUERY_ALL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) forms = NULL;
  guint n = 0;

  with_xml.with_xml = TRUE;
  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, RS_STORE_ERROR,
                   saved_errno == ENOSPC ? RS_STORE_ERROR_FULL : RS_STORE_ERROR_IO,
                   _("Cannot create the export folder “%s”: %s"), directory,
                   g_strerror (saved_errno));
      return FALSE;
    }
  records = _rs_store_list_records (self, &with_xml, error);
  if (records == NULL)
    return FALSE;
  /* Oldest first in files, as people read them. */
  for (guint i = 0; i < records->len / 2; i++)
    {
      gpointer tmp = records->pdata[i];

      records->pdata[i] = records->pdata[records->len - 1 - i];
      records->pdata[records->len - 1 - i] = tmp;
    }

  if (format == RS_EXPORT_XML)
    {
      if (!export_xml (records, directory, &n, cancellable, error))
        return FALSE;
    }
  else
    {
      forms = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < records->len; i++)
        {
          RsRecord *record = g_ptr_array_index (records, i);

          if (!g_hash_table_add (forms, record->form_id))
            continue;
          if (!export_csv_form (self, record->form_id, records, directory, &n, cancellable,
                                error))
            return FALSE;
        }
    }
  if (n_records != NULL)
    *n_records = n;
  return TRUE;
}

/* ---- backup ---------------------------------------------------------------------------- */

static gboolean
backup_error (int          rc,
              sqlite3     *db,
              const char  *destination,
              GError     **error)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_FULL,
                   _("There is not enough space for the backup “%s”. Free some space and try "
                     "again; the household database itself is safe."), destination);
      break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_READ_ONLY,
                   _("The backup “%s” cannot be written there. Choose another place (for "
                     "example a memory card folder you can write to)."), destination);
      break;
    default:
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                   _("The backup “%s” failed: %s. The household database itself is safe."),
                   destination, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      break;
    }
  return FALSE;
}

static void
sync_directory_of (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
_rs_store_backup (RsStore     *self,
                  const char  *destination,
                  GError     **error)
{
  g_autofree char *partial = g_strconcat (destination, ".part", NULL);
  g_autofree char *partial_wal = g_strconcat (partial, "-wal", NULL);
  g_autofree char *partial_shm = g_strconcat (partial, "-shm", NULL);
  sqlite3 *source = NULL;
  sqlite3 *copy = NULL;
  sqlite3_backup *backup;
  sqlite3_stmt *stmt = NULL;
  gboolean checked = FALSE;
  int rc;

  if (g_strcmp0 (destination, self->path) == 0)
    {
      g_set_error_literal (error, RS_STORE_ERROR, RS_STORE_ERROR_INVALID,
                           _("The backup must go to another file than the database itself."));
      return FALSE;
    }
  g_unlink (partial);
  g_unlink (partial_wal);
  g_unlink (partial_shm);

  /* A connection of its own reads one consistent snapshot; in WAL mode writers carry on. */
  rc = sqlite3_open_v2 (self->path, &source, SQLITE_OPEN_READONLY | SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK)
    {
      backup_error (rc, source, self->path, error);
      goto out;
    }
  rc = sqlite3_open_v2 (partial, &copy,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK)
    {
      backup_error (rc, copy, destination, error);
      goto out;
    }
  sqlite3_busy_timeout (source, 5000);
  sqlite3_exec (copy, "PRAGMA synchronous = FULL", NULL, NULL, NULL);

  backup = sqlite3_backup_init (copy, "main", source, "main");
  if (backup == NULL)
    {
      backup_error (sqlite3_extended_errcode (copy), copy, destination, error);
      goto out;
    }
  for (guint tries = 0; tries < 100; tries++)
    {
      rc = sqlite3_backup_step (backup, -1);
      if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        break;
      g_usleep (50 * 1000);
    }
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      backup_error (rc, copy, destination, error);
      goto out;
    }

  rc = sqlite3_prepare_v2 (copy, "PRAGMA quick_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    checked = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;
  sqlite3_finalize (stmt);
  if (!checked)
    {
      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                   _("The backup “%s” did not pass its check and was not kept. Try again; the "
                     "household database itself is safe."), destination);
      goto out;
    }
  /* Closing checkpoints the copy's WAL into the file, so the backup is one file. */
  rc = sqlite3_close (copy);
  copy = NULL;
  if (rc != SQLITE_OK)
    {
      backup_error (rc, NULL, destination, error);
      goto out;
    }
  if (g_rename (partial, destination) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, RS_STORE_ERROR, RS_STORE_ERROR_IO,
                   _("Could not put the backup in place at “%s”: %s"), destination,
                   g_strerror (saved_errno));
      goto out;
    }
  sync_directory_of (destination);
  sqlite3_close (source);
  return TRUE;

out:
  if (copy != NULL)
    sqlite3_close (copy);
  if (source != NULL)
    sqlite3_close (source);
  g_unlink (partial);
  g_unlink (partial_wal);
  g_unlink (partial_shm);
  return FALSE;
}
