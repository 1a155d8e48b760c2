/* test-ndjson-reader.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-ndjson-reader.h"

static const char sample[] =
  "{\"message\":{\"role\":\"assistant\",\"content\":\"\\u003cthink\\u003e\"},\"done\":false}\n"
  "\n"
  "{\"message\":{\"role\":\"assistant\",\"content\":\"\xe4\xbd\xa0\xe5\xa5\xbd\"},\"done\":false}\r\n"
  "{\"done\":true,\"eval_count\":2}\n";

static GPtrArray *
pop_all (DslNdjsonReader *reader,
         GPtrArray       *errors)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = NULL;
      DslNdjsonStatus status = dsl_ndjson_reader_pop (reader, &node, &error);

      if (status == DSL_NDJSON_STATUS_LINE)
        {
          g_ptr_array_add (lines, json_to_string (node, FALSE));
          json_node_unref (node);
        }
      else if (status == DSL_NDJSON_STATUS_BAD_LINE)
        {
          g_assert_nonnull (error);
          if (errors != NULL)
            g_ptr_array_add (errors, GINT_TO_POINTER (error->code + 1));
        }
      else
        {
          return lines;
        }
    }
}

/* Lines cut at every byte still come out whole and in order. */
static void
test_every_split_point (void)
{
  gsize len = strlen (sample);

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr(DslNdjsonReader) reader = dsl_ndjson_reader_new (NULL, 0);
      g_autoptr(GPtrArray) first = NULL;
      g_autoptr(GPtrArray) second = NULL;

      dsl_ndjson_reader_push (reader, sample, cut);
      first = pop_all (reader, NULL);
      dsl_ndjson_reader_push (reader, sample + cut, len - cut);
      dsl_ndjson_reader_push_eof (reader);
      second = pop_all (reader, NULL);

      g_assert_cmpuint (first->len + second->len, ==, 3);
      g_ptr_array_extend_and_steal (first, g_steal_pointer (&second));
      g_assert_cmpstr (first->pdata[0], ==,
                       "{\"message\":{\"role\":\"assistant\",\"content\":\"<think>\"},\"done\":false}");
      g_assert_true (strstr (first->pdata[1], "\xe4\xbd\xa0\xe5\xa5\xbd") != NULL);
      g_assert_cmpstr (first->pdata[2], ==, "{\"done\":true,\"eval_count\":2}");
    }
}

/* Garbage, invalid UTF-8 and a line over the bound are each reported, and the lines around
 * them still arrive. */
static void
test_bad_lines_are_reported_and_skipped (void)
{
  g_autoptr(DslNdjsonReader) reader = dsl_ndjson_reader_new (NULL, 64);
  g_autoptr(GPtrArray) errors = g_ptr_array_new ();
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *long_line = g_strnfill (200, 'x');

  dsl_ndjson_reader_push (reader, "{\"a\":1}\n<html>oops</html>\n", 26);
  dsl_ndjson_reader_push (reader, "{\"b\":\"\xff\xfe\"}\n", 11);
  dsl_ndjson_reader_push (reader, long_line, 100);
  dsl_ndjson_reader_push (reader, long_line, 100);
  dsl_ndjson_reader_push (reader, "\n{\"c\":3}\n", 9);
  dsl_ndjson_reader_push_eof (reader);
  lines = pop_all (reader, errors);

  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpstr (lines->pdata[0], ==, "{\"a\":1}");
  g_assert_cmpstr (lines->pdata[1], ==, "{\"c\":3}");
  g_assert_cmpuint (errors->len, ==, 3);
  g_assert_cmpint (GPOINTER_TO_INT (errors->pdata[0]) - 1, ==, DSL_NDJSON_ERROR_NOT_JSON);
  g_assert_cmpint (GPOINTER_TO_INT (errors->pdata[1]) - 1, ==, DSL_NDJSON_ERROR_INVALID_UTF8);
  g_assert_cmpint (GPOINTER_TO_INT (errors->pdata[2]) - 1, ==, DSL_NDJSON_ERROR_LINE_TOO_LONG);
}

/* A 10 MB line never sits in memory whole: the reader drops it as soon as it passes the bound. */
static void
test_huge_line_is_bounded (void)
{
  g_autoptr(DslNdjsonReader) reader = dsl_ndjson_reader_new (NULL, 0);
  g_autofree char *block = g_strnfill (64 * 1024, 'y');
  guint too_long = 0;

  for (guint i = 0; i < 160; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = NULL;

      dsl_ndjson_reader_push (reader, block, 64 * 1024);
      while (dsl_ndjson_reader_pop (reader, &node, &error) == DSL_NDJSON_STATUS_BAD_LINE)
        {
          g_assert_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_LINE_TOO_LONG);
          g_clear_error (&error);
          too_long++;
        }
      g_assert_null (node);
    }

  g_assert_cmpuint (too_long, ==, 1);
}

/* A stream cut in the middle of a line says so. */
static void
test_truncated_last_line (void)
{
  g_autoptr(DslNdjsonReader) reader = dsl_ndjson_reader_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  JsonNode *node = NULL;

  dsl_ndjson_reader_push (reader, "{\"message\":{\"content\":\"hal", 26);
  g_assert_cmpint (dsl_ndjson_reader_pop (reader, &node, &error), ==, DSL_NDJSON_STATUS_NEED_MORE);
  dsl_ndjson_reader_push_eof (reader);
  g_assert_cmpint (dsl_ndjson_reader_pop (reader, &node, &error), ==, DSL_NDJSON_STATUS_BAD_LINE);
  g_assert_error (error, DSL_NDJSON_ERROR, DSL_NDJSON_ERROR_TRUNCATED);
  g_clear_error (&error);
  g_assert_cmpint (dsl_ndjson_reader_pop (reader, &node, &error), ==, DSL_NDJSON_STATUS_END);
}

typedef struct {
  GMainLoop *loop;
  GPtrArray *lines;
  GError    *error;
} ReadData;

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadData *data = user_data;
  DslNdjsonReader *reader = DSL_NDJSON_READER (object);
  g_autoptr(JsonNode) node = dsl_ndjson_reader_read_finish (reader, result, &data->error);

  if (node == NULL)
    {
      g_main_loop_quit (data->loop);
      return;
    }

  g_ptr_array_add (data->lines, json_to_string (node, FALSE));
  dsl_ndjson_reader_read_async (reader, NULL, read_cb, data);
}

/* The async path over a real stream, fed in small reads. */
static void
test_async_stream (void)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new ();
  g_autoptr(DslNdjsonReader) reader = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  ReadData data = { loop, lines, NULL };
  gsize len = strlen (sample);

  for (gsize i = 0; i < len; i += 7)
    g_memory_input_stream_add_data (G_MEMORY_INPUT_STREAM (stream),
                                    g_strndup (sample + i, MIN (7, len - i)), MIN (7, len - i),
                                    g_free);

  reader = dsl_ndjson_reader_new (stream, 0);
  dsl_ndjson_reader_read_async (reader, NULL, read_cb, &data);
  g_main_loop_run (loop);

  g_assert_no_error (data.error);
  g_assert_cmpuint (lines->len, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/ndjson/every-split-point", test_every_split_point);
  g_test_add_func ("/dsl/ndjson/bad-lines", test_bad_lines_are_reported_and_skipped);
  g_test_add_func ("/dsl/ndjson/huge-line", test_huge_line_is_bounded);
  g_test_add_func ("/dsl/ndjson/truncated", test_truncated_last_line);
  g_test_add_func ("/dsl/ndjson/async-stream", test_async_stream);

  return g_test_run ();
}
