/*
 * Internal: the ODBC driver (unixODBC), built in.
 *
 * URLs: "odbc:" followed by an ODBC connection string, handed to
 * SQLDriverConnect (SQL_DRIVER_NOPROMPT):
 *   odbc:DSN=name;UID=user;PWD=secret
 *   odbc:DRIVER={PostgreSQL Unicode};SERVER=host;PORT=5432;DATABASE=db;UID=u;PWD=p
 *   odbc:DRIVER={MariaDB Unicode};SERVER=host;PORT=3306;DATABASE=db;UID=u;PWD=p
 *   odbc:DRIVER={SQLite3};DATABASE=/path/to/file.db;StepAPI=1
 * Error lines show the connection string with the PWD and PASSWORD values
 * as ***. A failed connect is FOLIO_EINVALID for a driver or DSN that is
 * not installed, FOLIO_EACCESS for refused credentials, FOLIO_EIO for a
 * server that does not answer.
 *
 * The dialect comes from the DBMS (SQLGetInfo SQL_DBMS_NAME and _VER):
 *   PostgreSQL >= 9.5     postgresql (INSERT ... ON CONFLICT, CREATE INDEX IF NOT EXISTS)
 *   MariaDB >= 10.2.2     mariadb (3072-byte index keys by default: the layout's
 *                         composite VARCHAR(255) utf8mb4 indexes)
 *   MySQL >= 8.0          mariadb
 *   SQLite >= 3.35        sqlite (RETURNING)
 *   DB2... >= 11.1        db2 (OFFSET ... ROWS FETCH FIRST ... ROWS ONLY)
 * Any other DBMS, or an older version, fails the connect with FOLIO_EINVALID.
 *
 * Per DBMS, what the connection string does not say is added (and the
 * driver connects a second time with it, as these are read at connect):
 *   MariaDB/MySQL  OPTION bit 2 (found rows), so that changes() counts the
 *                  rows an UPDATE matched, as on the other engines
 *   SQLite         Timeout: sqliteodbc retries a locked database for its own
 *                  Timeout (100 s by default), whatever PRAGMA busy_timeout says
 * Say them in the string (OPTION=2; Timeout=...) to connect once.
 *
 * After connecting, the lock wait is set from folio_connect_options
 * (busy_timeout_ms; 0 means 10000 ms, < 0 no wait): PostgreSQL lock_timeout,
 * MariaDB innodb_lock_wait_timeout (whole seconds, 1 at least), SQLite the
 * Timeout above, DB2 CURRENT LOCK TIMEOUT. SQLite databases are put in WAL
 * mode unless the string names a JournalMode.
 *
 * Transactions: on SQLite "BEGIN IMMEDIATE" / "COMMIT" / "ROLLBACK" in
 * autocommit mode (a deferred transaction that upgrades can deadlock); on
 * the others autocommit off, SQLEndTran, autocommit back on.
 *
 * Text travels as SQL_C_CHAR in UTF-8: the connection must speak UTF-8
 * (PostgreSQL's client_encoding; MariaDB utf8mb4, Connector/ODBC's default).
 * Known limits of the drivers: sqliteodbc hands REAL values over with 15
 * significant digits and refuses a '?' inside a comment; MariaDB
 * Connector/ODBC pings the server (a round trip) for each ping().
 */
#ifndef FOLIO_DRIVERS_ODBC_DRIVER_H
#define FOLIO_DRIVERS_ODBC_DRIVER_H

#include "folio/sys/driver.h"

#define FOLIO_ODBC_BUSY_TIMEOUT_MS 10000

extern const folio_driver folio_odbc_driver;

#endif
