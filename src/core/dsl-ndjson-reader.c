/* dsl-ndjson-reader.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-ndjson"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "dsl-ndjson-reader.h"

#define READ_SIZE 16384

struct _DslNdjsonReader
{
  GObject       parent_instance;

  GInputStream *stream;
  JsonParser   *parser;
  GByteArray   *buffer;
  gsize         start;     /* first unread byte in buffer */
  gsize         scanned;   /* bytes after start already known to hold no newline */
  gsize         max_line;
  guint         discarding : 1; /* inside an over-long line: drop bytes up to its newline */
  guint         eof : 1;
};

G_DEFINE_FINAL_TYPE (DslNdjsonReader, dsl_ndjson_reader, G_TYPE_OBJECT)

G_DEFINE_QUARK (dsl-ndjson-error-quark, dsl_ndjson_error)

static void
dsl_ndjson_reader_dispose (GObject *object)
{
  DslNdjsonReader *self = DSL_NDJSON_READER (object);

  g_clear_object (&self->stream);
  g_clear_object (&self->parser);

  G_OBJECT_CLASS (dsl_ndjson_reader_parent_class)->dispose (object);
}

static void
dsl_ndjson_reader_finalize (GObject *object)
{
  DslNdjsonReader *self = DSL_NDJSON_READER (object);

  g_clear_pointer (&self->buffer, g_byte_array_unref);

  G_OBJECT_CLASS (dsl_ndjson_reader_parent_class)->finalize (object);
}

static void
dsl_ndjson_reader_class_init (DslNdjsonReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_ndjson_reader_dispose;
  object_class->finalize = dsl_ndjson_reader_finalize;
}

static void
dsl_ndjson_reader_init (DslNdjsonReader *self)
{
  self->parser = json_parser_new ();
  self->buffer = g_byte_array_new ();
  self->max_line = DSL_NDJSON_DEFAULT_MAX_LINE;
}

/**
 * dsl_ndjson_reader_new:
 * @stream: (nullable): the stream to read, or %NULL to feed bytes with dsl_ndjson_reader_push()
 * @max_line: the longest line accepted, in bytes; 0 for %DSL_NDJSON_DEFAULT_MAX_LINE
 *
 * Creates a reader that frames newline-delimited JSON. Lines may be split across reads at any
 * byte; blank lines are skipped; a line that is too long, not UTF-8 or not JSON is reported as
 * %DSL_NDJSON_STATUS_BAD_LINE and skipped, so the caller decides whether to go on.
 */
DslNdjsonReader *
dsl_ndjson_reader_new (GInputStream *stream,
                       gsize         max_line)
{
  DslNdjsonReader *self;

  g_return_val_if_fail (stream == NULL || G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (DSL_TYPE_NDJSON_READER, NULL);
  if (stream != NULL)
    self->stream = g_object_ref (stream);
  if (max_line > 0)
    self->max_line = max_line;

  return self;
}

/**
 * dsl_ndjson_reader_get_stream:
 *
 * Returns: (transfer none) (nullable): the stream being read
 */
GInputStream *
dsl_ndjson_reader_get_stream (DslNdjsonReader *self)
{
  g_return_val_if_fail (DSL_IS_NDJSON_READER (self), NULL);

  return self->stream;
}

static void
compact (DslNdjsonReader *self)
{
  /* Dropping consumed bytes only when they are the larger half keeps pushes amortised O(n). */
  if (self->start > 0 && self->start >= self->buffer->len / 2)
    {
      g_byte_array_remove_range (self->buffer, 0, self->start);
      self->start = 0;
    }
}

/**
 * dsl_ndjson_reader_push:
 * @data: bytes read from the server
 * @len: their length
 *
 * Feeds bytes to a reader; complete lines are then taken with dsl_ndjson_reader_pop().
 */
void
dsl_ndjson_reader_push (DslNdjsonReader *self,
                        const char      *data,
                        gsize            len)
{
  g_return_if_fail (DSL_IS_NDJSON_READER (self));
  g_return_if_fail (data != NULL || len == 0);

  compact (self);
  g_byte_array_append (self->buffer, (const guint8 *) data, len);
}

/**
 * dsl_ndjson_reader_push_eof:
 *
 * Tells the reader that no more bytes will come, so that a last line without a newline is
 * reported (as a line, or as %DSL_NDJSON_ERROR_TRUNCATED when it is not complete JSON).
 */
void
dsl_ndjson_reader_push_eof (DslNdjsonReader *self)
{
  g_return_if_fail (DSL_IS_NDJSON_READER (self));

  self->eof = TRUE;
}

static DslNdjsonStatus
parse_line (DslNdjsonReader  *self,
            const char       *line,
            gsize             len,
            gboolean          at_eof,
            JsonNode        **node,
            GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (len > 0 && line[len - 1] == '\r')
    len--;

  if (!g_utf8_validate_len (line, len, NULL))
    {
      g_set_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_INVALID_UTF8,
                   "A line of %" G_GSIZE_FORMAT " bytes is not valid UTF-8", len);
      return DSL_NDJSON_STATUS_BAD_LINE;
    }

  if (!json_parser_load_from_data (self->parser, line, len, &local_error))
    {
      g_set_error (error, DSL_NDJSON_ERROR,
                   at_eof ? DSL_NDJSON_ERROR_TRUNCATED : DSL_NDJSON_ERROR_NOT_JSON,
                   at_eof ? "The last line ended before it was complete: %s"
                          : "A line is not JSON: %s",
                   local_error->message);
      return DSL_NDJSON_STATUS_BAD_LINE;
    }

  *node = json_parser_steal_root (self->parser);
  if (*node == NULL)
    {
      g_set_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_NOT_JSON, "A line holds no JSON value");
      return DSL_NDJSON_STATUS_BAD_LINE;
    }

  return DSL_NDJSON_STATUS_LINE;
}

static gboolean
is_blank (const guint8 *p,
          gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
      return FALSE;
  return TRUE;
}

/**
 * dsl_ndjson_reader_pop:
 * @node: (out) (transfer full): the value of the next line, when %DSL_NDJSON_STATUS_LINE
 * @error: set when %DSL_NDJSON_STATUS_BAD_LINE
 *
 * Takes the next complete line from the bytes pushed so far.
 *
 * Returns: what was found
 */
DslNdjsonStatus
dsl_ndjson_reader_pop (DslNdjsonReader  *self,
                       JsonNode        **node,
                       GError          **error)
{
  g_return_val_if_fail (DSL_IS_NDJSON_READER (self), DSL_NDJSON_STATUS_END);
  g_return_val_if_fail (node != NULL && *node == NULL, DSL_NDJSON_STATUS_END);

  for (;;)
    {
      const guint8 *data = self->buffer->data + self->start;
      gsize avail = self->buffer->len - self->start;
      const guint8 *nl = memchr (data + self->scanned, '\n', avail - self->scanned);

      if (nl == NULL)
        {
          if (self->discarding)
            {
              /* Still inside the over-long line already reported: drop what came. */
              self->start = self->buffer->len;
              self->scanned = 0;
              compact (self);
              if (self->eof)
                return DSL_NDJSON_STATUS_END;
              return DSL_NDJSON_STATUS_NEED_MORE;
            }

          if (avail > self->max_line)
            {
              self->discarding = TRUE;
              self->start = self->buffer->len;
              self->scanned = 0;
              compact (self);
              g_set_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_LINE_TOO_LONG,
                           "A line is longer than %" G_GSIZE_FORMAT " bytes", self->max_line);
              return DSL_NDJSON_STATUS_BAD_LINE;
            }

          if (self->eof)
            {
              if (avail == 0 || is_blank (data, avail))
                {
                  self->start = self->buffer->len;
                  self->scanned = 0;
                  return DSL_NDJSON_STATUS_END;
                }

              self->start = self->buffer->len;
              self->scanned = 0;
              return parse_line (self, (const char *) data, avail, TRUE, node, error);
            }

          self->scanned = avail;
          return DSL_NDJSON_STATUS_NEED_MORE;
        }
      else
        {
          gsize len = nl - data;

          self->start += len + 1;
          self->scanned = 0;

          if (self->discarding)
            {
              self->discarding = FALSE;
              continue;
            }

          if (len > self->max_line)
            {
              g_set_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_LINE_TOO_LONG,
                           "A line is longer than %" G_GSIZE_FORMAT " bytes", self->max_line);
              return DSL_NDJSON_STATUS_BAD_LINE;
            }

          if (is_blank (data, len))
            continue;

          return parse_line (self, (const char *) data, len, FALSE, node, error);
        }
    }
}

static void read_more (GTask *task);

static void
read_bytes_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslNdjsonReader *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    dsl_ndjson_reader_push_eof (self);
  else
    dsl_ndjson_reader_push (self, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  DslNdjsonReader *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  JsonNode *node = NULL;

  switch (dsl_ndjson_reader_pop (self, &node, &error))
    {
    case DSL_NDJSON_STATUS_LINE:
      g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
      break;

    case DSL_NDJSON_STATUS_END:
      g_task_return_pointer (task, NULL, NULL);
      break;

    case DSL_NDJSON_STATUS_BAD_LINE:
      g_task_return_error (task, g_steal_pointer (&error));
      break;

    case DSL_NDJSON_STATUS_NEED_MORE:
      g_input_stream_read_bytes_async (self->stream, READ_SIZE, G_PRIORITY_DEFAULT,
                                       g_task_get_cancellable (task),
                                       read_bytes_cb, g_object_ref (task));
      break;

    default:
      g_assert_not_reached ();
    }

  g_object_unref (task);
}

/**
 * dsl_ndjson_reader_read_async:
 *
 * Reads the next line from the stream. The result is a #JsonNode, %NULL at the end of the
 * stream, or an error: a %DSL_NDJSON_ERROR for a bad line (reading may go on after it), or the
 * stream's own error.
 */
void
dsl_ndjson_reader_read_async (DslNdjsonReader     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (DSL_IS_NDJSON_READER (self));
  g_return_if_fail (self->stream != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ndjson_reader_read_async);
  read_more (task);
}

/**
 * dsl_ndjson_reader_read_finish:
 *
 * Returns: (transfer full) (nullable): the value of the next line, or %NULL at the end (with
 *   @error unset) or on error
 */
JsonNode *
dsl_ndjson_reader_read_finish (DslNdjsonReader  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (DSL_IS_NDJSON_READER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
