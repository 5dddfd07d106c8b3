/*
 * Internal: the native SQLite driver (libsqlite3), built in.
 *
 * URLs:
 *   sqlite:PATH          a file, relative to the working directory or absolute
 *   sqlite:///ABS/PATH   the same, absolute
 *   sqlite::memory:      a private in-memory database (one per connection)
 * followed by optional `?key=value&...` options:
 *   mode=ro              open read-only (writes fail with FOLIO_EREADONLY)
 *   mode=rw              open read-write; the file must exist
 *   mode=rwc             open read-write, create the file if missing (default)
 * A path cannot contain '?'. Missing parent directories are not created: the
 * connect fails with FOLIO_EIO naming the directory.
 *
 * Connections are opened SQLITE_OPEN_NOMUTEX (one thread at a time, as the
 * pool hands them out), in WAL mode, synchronous=NORMAL, foreign_keys=OFF.
 * The busy timeout is folio_connect_options.busy_timeout_ms: 0 (or NULL
 * options) means the default of 10000 ms, a negative value means no wait.
 * An existing file that cannot be opened for writing is opened read-only.
 */
#ifndef FOLIO_DRIVERS_SQLITE_DRIVER_H
#define FOLIO_DRIVERS_SQLITE_DRIVER_H

#include "folio/sys/driver.h"

#define FOLIO_SQLITE_BUSY_TIMEOUT_MS 10000

extern const folio_driver folio_sqlite_driver;

#endif
