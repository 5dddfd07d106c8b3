/* folio: a JSON document database over relational databases. The public API. */
#ifndef FOLIO_H
#define FOLIO_H

#include "folio/errors.h"
#include "folio/server.h"
#include "folio/session.h"
#include "folio/database.h"
#include "folio/store.h"
#include "folio/doc.h"
#include "folio/batch.h"
#include "folio/changes.h"
#include "folio/query.h"
#include "folio/security.h"

#define FOLIO_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *folio_version(void);

#ifdef __cplusplus
}
#endif
#endif
