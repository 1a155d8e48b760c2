/* dsl-ndjson-reader.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DSL_NDJSON_ERROR (dsl_ndjson_error_quark ())

typedef enum {
  DSL_NDJSON_ERROR_LINE_TOO_LONG,
  DSL_NDJSON_ERROR_INVALID_UTF8,
  DSL_NDJSON_ERROR_NOT_JSON,
  DSL_NDJSON_ERROR_TRUNCATED,
} DslNdjsonError;

/* Ollama lines are small; a pull or chat chunk is well under a kilobyte. One megabyte leaves
 * room for an unusually large `show` answer while bounding what a broken server can make us hold. */
#define DSL_NDJSON_DEFAULT_MAX_LINE (1024 * 1024)

typedef enum {
  DSL_NDJSON_STATUS_LINE,      /* a JSON value was read */
  DSL_NDJSON_STATUS_NEED_MORE, /* no complete line buffered yet */
  DSL_NDJSON_STATUS_END,       /* end of stream, nothing left */
  DSL_NDJSON_STATUS_BAD_LINE,  /* one line was rejected; reading can go on */
} DslNdjsonStatus;

#define DSL_TYPE_NDJSON_READER (dsl_ndjson_reader_get_type ())

G_DECLARE_FINAL_TYPE (DslNdjsonReader, dsl_ndjson_reader, DSL, NDJSON_READER, GObject)

GQuark           dsl_ndjson_error_quark          (void);

DslNdjsonReader *dsl_ndjson_reader_new           (GInputStream        *stream,
                                                  gsize                max_line);
GInputStream    *dsl_ndjson_reader_get_stream    (DslNdjsonReader     *self);

void             dsl_ndjson_reader_push          (DslNdjsonReader     *self,
                                                  const char          *data,
                                                  gsize                len);
void             dsl_ndjson_reader_push_eof      (DslNdjsonReader     *self);
DslNdjsonStatus  dsl_ndjson_reader_pop           (DslNdjsonReader     *self,
                                                  JsonNode           **node,
                                                  GError             **error);

void             dsl_ndjson_reader_read_async    (DslNdjsonReader     *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
JsonNode        *dsl_ndjson_reader_read_finish   (DslNdjsonReader     *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
