/* rs-test-fault-vfs.h: an SQLite VFS for tests that fails fsync on demand, and simulates a power
 * cut by undoing every write that was not synced (in the spirit of SQLite's src/test6.c).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct
{
  sqlite3_int64  offset;
  GBytes        *old;    /* what was there before the unsynced write */
} RsUndo;

typedef struct
{
  sqlite3_file   base;
  sqlite3_file  *real;
  char          *path;
  gboolean       tracked;      /* database and WAL files: the ones a power cut can damage */
  GArray        *undo;         /* of RsUndo, oldest first */
  sqlite3_int64  synced_size;
} RsFaultFile;

static struct
{
  sqlite3_vfs  vfs;
  sqlite3_vfs *real;
  GPtrArray   *files;              /* open RsFaultFile */
  gboolean     fail_syncs;         /* every xSync returns SQLITE_IOERR_FSYNC */
  guint        failed_syncs;
  guint        syncs;              /* xSync calls that reached the disk */
  guint        power_cut_at_sync;  /* 0: never; N: the N-th xSync cuts the power instead */
  guint        writes;             /* xWrite calls so far */
  guint        fail_write_at;      /* 0: never; N: the N-th xWrite fails with write_error */
  int          write_error;        /* e.g. SQLITE_FULL or SQLITE_IOERR_WRITE */
} rs_fault;

#define RS_FAULT_REAL(file) (((RsFaultFile *) (file))->real)

/* Everything not synced never reached the disk: put the old bytes back, cut the files to their
 * synced size, and die at once (no close, no checkpoint). Plain POSIX calls on the paths, so
 * nothing of SQLite's file state is involved. */
G_GNUC_NORETURN static inline void
rs_fault_power_cut (void)
{
  for (guint f = 0; rs_fault.files != NULL && f < rs_fault.files->len; f++)
    {
      RsFaultFile *file = g_ptr_array_index (rs_fault.files, f);
      int fd;

      if (!file->tracked)
        continue;
      fd = open (file->path, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        _exit (6);
      for (guint i = file->undo->len; i > 0; i--)
        {
          RsUndo *undo = &g_array_index (file->undo, RsUndo, i - 1);
          gsize size = 0;
          const char *data = g_bytes_get_data (undo->old, &size);

          for (gsize done = 0; done < size;)
            {
              gssize n = pwrite (fd, data + done, size - done, undo->offset + done);

              if (n <= 0)
                _exit (6);
              done += n;
            }
        }
      if (ftruncate (fd, file->synced_size) != 0)
        _exit (6);
      close (fd);
    }
  _exit (0);
}

static inline sqlite3_int64
rs_fault_size (RsFaultFile *file)
{
  sqlite3_int64 size = 0;

  file->real->pMethods->xFileSize (file->real, &size);
  return size;
}

/* Remembers what [offset, offset + amount) holds now, before it is overwritten or cut. */
static inline void
rs_fault_remember (RsFaultFile   *file,
                   sqlite3_int64  offset,
                   sqlite3_int64  amount)
{
  sqlite3_int64 size = rs_fault_size (file);
  RsUndo undo = { offset, NULL };
  sqlite3_int64 keep;
  void *old;

  if (!file->tracked || offset >= size)
    return;
  keep = MIN (amount, size - offset);
  old = g_malloc (keep);
  file->real->pMethods->xRead (file->real, old, (int) keep, offset);
  undo.old = g_bytes_new_take (old, keep);
  g_array_append_val (file->undo, undo);
}

static inline void
rs_fault_undo_clear (gpointer data)
{
  g_bytes_unref (((RsUndo *) data)->old);
}

static int
rs_fault_close (sqlite3_file *file)
{
  RsFaultFile *fault = (RsFaultFile *) file;
  int rc = fault->real->pMethods->xClose (fault->real);

  g_ptr_array_remove (rs_fault.files, fault);
  g_array_unref (fault->undo);
  g_free (fault->real);
  g_free (fault->path);
  return rc;
}

static int
rs_fault_read (sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset)
{
  return RS_FAULT_REAL (file)->pMethods->xRead (RS_FAULT_REAL (file), buffer, amount, offset);
}

static int
rs_fault_write (sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
  if (++rs_fault.writes == rs_fault.fail_write_at)
    return rs_fault.write_error;
  rs_fault_remember ((RsFaultFile *) file, offset, amount);
  return RS_FAULT_REAL (file)->pMethods->xWrite (RS_FAULT_REAL (file), buffer, amount, offset);
}

static int
rs_fault_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  RsFaultFile *fault = (RsFaultFile *) file;
  sqlite3_int64 now = rs_fault_size (fault);

  if (size < now)
    rs_fault_remember (fault, size, now - size);
  return fault->real->pMethods->xTruncate (fault->real, size);
}

static int
rs_fault_sync (sqlite3_file *file, int flags)
{
  RsFaultFile *fault = (RsFaultFile *) file;
  int rc;

  if (rs_fault.fail_syncs)
    {
      rs_fault.failed_syncs++;
      return SQLITE_IOERR_FSYNC;
    }
  if (rs_fault.power_cut_at_sync > 0 && rs_fault.syncs + 1 == rs_fault.power_cut_at_sync)
    rs_fault_power_cut ();
  rc = fault->real->pMethods->xSync (fault->real, flags);
  if (rc == SQLITE_OK)
    {
      rs_fault.syncs++;
      g_array_set_size (fault->undo, 0);
      fault->synced_size = rs_fault_size (fault);
    }
  return rc;
}

static int
rs_fault_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return RS_FAULT_REAL (file)->pMethods->xFileSize (RS_FAULT_REAL (file), size);
}

static int
rs_fault_lock (sqlite3_file *file, int lock)
{
  return RS_FAULT_REAL (file)->pMethods->xLock (RS_FAULT_REAL (file), lock);
}

static int
rs_fault_unlock (sqlite3_file *file, int lock)
{
  return RS_FAULT_REAL (file)->pMethods->xUnlock (RS_FAULT_REAL (file), lock);
}

static int
rs_fault_check_reserved (sqlite3_file *file, int *out)
{
  return RS_FAULT_REAL (file)->pMethods->xCheckReservedLock (RS_FAULT_REAL (file), out);
}

static int
rs_fault_file_control (sqlite3_file *file, int op, void *arg)
{
  return RS_FAULT_REAL (file)->pMethods->xFileControl (RS_FAULT_REAL (file), op, arg);
}

static int
rs_fault_sector_size (sqlite3_file *file)
{
  return RS_FAULT_REAL (file)->pMethods->xSectorSize (RS_FAULT_REAL (file));
}

static int
rs_fault_device (sqlite3_file *file)
{
  return RS_FAULT_REAL (file)->pMethods->xDeviceCharacteristics (RS_FAULT_REAL (file));
}

static int
rs_fault_shm_map (sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
  return RS_FAULT_REAL (file)->pMethods->xShmMap (RS_FAULT_REAL (file), page, size, extend, out);
}

static int
rs_fault_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return RS_FAULT_REAL (file)->pMethods->xShmLock (RS_FAULT_REAL (file), offset, n, flags);
}

static void
rs_fault_shm_barrier (sqlite3_file *file)
{
  RS_FAULT_REAL (file)->pMethods->xShmBarrier (RS_FAULT_REAL (file));
}

static int
rs_fault_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return RS_FAULT_REAL (file)->pMethods->xShmUnmap (RS_FAULT_REAL (file), delete_flag);
}

static int
rs_fault_fetch (sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
  /* No memory-mapped reads: every read goes through xRead. */
  *out = NULL;
  return SQLITE_OK;
}

static int
rs_fault_unfetch (sqlite3_file *file, sqlite3_int64 offset, void *page)
{
  return SQLITE_OK;
}

static const sqlite3_io_methods rs_fault_methods = {
  3, rs_fault_close, rs_fault_read, rs_fault_write, rs_fault_truncate, rs_fault_sync,
  rs_fault_file_size, rs_fault_lock, rs_fault_unlock, rs_fault_check_reserved,
  rs_fault_file_control, rs_fault_sector_size, rs_fault_device, rs_fault_shm_map,
  rs_fault_shm_lock, rs_fault_shm_barrier, rs_fault_shm_unmap, rs_fault_fetch, rs_fault_unfetch,
};

static int
rs_fault_open (sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out)
{
  RsFaultFile *fault = (RsFaultFile *) file;
  int rc;

  fault->base.pMethods = NULL;
  fault->real = g_malloc0 (rs_fault.real->szOsFile);
  rc = rs_fault.real->xOpen (rs_fault.real, name, fault->real, flags, out);
  if (fault->real->pMethods == NULL)
    {
      g_clear_pointer (&fault->real, g_free);
      return rc;
    }
  fault->base.pMethods = &rs_fault_methods;
  fault->tracked = name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  fault->path = g_strdup (name);
  fault->undo = g_array_new (FALSE, FALSE, sizeof (RsUndo));
  g_array_set_clear_func (fault->undo, rs_fault_undo_clear);
  fault->synced_size = rs_fault_size (fault);
  g_ptr_array_add (rs_fault.files, fault);
  return rc;
}

static int
rs_fault_delete (sqlite3_vfs *vfs, const char *name, int sync_dir)
{
  return rs_fault.real->xDelete (rs_fault.real, name, sync_dir);
}

static int
rs_fault_access (sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  return rs_fault.real->xAccess (rs_fault.real, name, flags, out);
}

static int
rs_fault_full_pathname (sqlite3_vfs *vfs, const char *name, int n, char *out)
{
  return rs_fault.real->xFullPathname (rs_fault.real, name, n, out);
}

static int
rs_fault_randomness (sqlite3_vfs *vfs, int n, char *out)
{
  return rs_fault.real->xRandomness (rs_fault.real, n, out);
}

static int
rs_fault_sleep (sqlite3_vfs *vfs, int microseconds)
{
  return rs_fault.real->xSleep (rs_fault.real, microseconds);
}

static int
rs_fault_current_time (sqlite3_vfs *vfs, double *out)
{
  return rs_fault.real->xCurrentTime (rs_fault.real, out);
}

static int
rs_fault_last_error (sqlite3_vfs *vfs, int n, char *out)
{
  return rs_fault.real->xGetLastError (rs_fault.real, n, out);
}

static int
rs_fault_current_time64 (sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  return rs_fault.real->xCurrentTimeInt64 (rs_fault.real, out);
}

/* Makes the fault VFS the default for this process (call it in a forked test or child). */
static inline void
rs_fault_vfs_install (void)
{
  rs_fault.real = sqlite3_vfs_find (NULL);
  rs_fault.files = g_ptr_array_new ();
  rs_fault.vfs.iVersion = 2;
  rs_fault.vfs.szOsFile = sizeof (RsFaultFile);
  rs_fault.vfs.mxPathname = rs_fault.real->mxPathname;
  rs_fault.vfs.zName = "rasoat-fault";
  rs_fault.vfs.xOpen = rs_fault_open;
  rs_fault.vfs.xDelete = rs_fault_delete;
  rs_fault.vfs.xAccess = rs_fault_access;
  rs_fault.vfs.xFullPathname = rs_fault_full_pathname;
  rs_fault.vfs.xRandomness = rs_fault_randomness;
  rs_fault.vfs.xSleep = rs_fault_sleep;
  rs_fault.vfs.xCurrentTime = rs_fault_current_time;
  rs_fault.vfs.xGetLastError = rs_fault_last_error;
  rs_fault.vfs.xCurrentTimeInt64 = rs_fault_current_time64;
  sqlite3_vfs_register (&rs_fault.vfs, 1);
}

/* Undoes rs_fault_vfs_install() once every connection through it is closed. */
static inline void
rs_fault_vfs_uninstall (void)
{
  sqlite3_vfs_unregister (&rs_fault.vfs);
  g_clear_pointer (&rs_fault.files, g_ptr_array_unref);
}
