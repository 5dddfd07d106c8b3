/*
 * Internal: the ODBC driver (unixODBC), built in.
 *
 * URLs: "odbc:" followed by an ODBC connection string, handed to
 * SQLDriverConnect as it is (SQL_DRIVER_NOPROMPT):
 *   odbc:DSN=name;UID=user;PWD=secret
 *   odbc:DRIVER={PostgreSQL Unicode};SERVER=host;PORT=5432;DATABASE=db;UID=u;PWD=p
 *   odbc:DRIVER={SQLite3};DATABASE=/path/to/file.db
 * Error lines show the connection string with PWD and PASSWORD values as ***.
 *
 * The dialect comes from the DBMS (SQLGetInfo SQL_DBMS_NAME and _VER):
 *   PostgreSQL >= 9.5        postgresql (INSERT ... ON CONFLICT, CREATE INDEX IF NOT EXISTS)
 *   MariaDB >= 10.2.2        mariadb (3072-byte index keys by default: the layout's
 *                            composite VARCHAR(256) indexes in utf8mb4)
 *   MySQL >= 8.0             mariadb
 *   SQLite >= 3.35           sqlite (RETURNING)
 *   DB2... >= 11.1           db2 (OFFSET ... ROWS FETCH FIRST ... ROWS ONLY)
 * Any other DBMS, or an older version, fails the connect with FOLIO_EINVALID.
 *
 * After connecting, the lock wait is set from folio_connect_options
 * (busy_timeout_ms; 0 means 10000 ms, < 0 no wait): PostgreSQL lock_timeout,
 * MariaDB innodb_lock_wait_timeout (whole seconds), SQLite busy_timeout.
 * SQLite databases are put in WAL mode unless the connection string names a
 * JournalMode.
 *
 * Transactions: on SQLite "BEGIN IMMEDIATE" / "COMMIT" / "ROLLBACK" in
 * autocommit mode (a deferred transaction that upgrades can deadlock); on the
 * others autocommit off, SQLEndTran, autocommit back on.
 *
 * Text travels as SQL_C_CHAR in UTF-8: the connection must use UTF-8
 * (PostgreSQL: client_encoding, MariaDB: CHARSET=utf8mb4).
 */
#ifndef FOLIO_DRIVERS_ODBC_DRIVER_H
#define FOLIO_DRIVERS_ODBC_DRIVER_H

#include "folio/sys/driver.h"

#define FOLIO_ODBC_BUSY_TIMEOUT_MS 10000

extern const folio_driver folio_odbc_driver;

#endif
