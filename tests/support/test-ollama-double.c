/* test-ollama-double.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The double's wire format, checked with a real libsoup client: the tests of
 * the app trust it, so it must say exactly what ollama-api.md says. */

#define G_LOG_DOMAIN "dsl-test-ollama-double"

#include "config.h"

#include "dsl-ollama-double.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

typedef struct
{
  DslOllamaDouble *ollama;
  SoupSession     *session;
  char            *url;
  guint            n_finished;
} Fixture;

typedef struct
{
  guint         status;
  char         *content_type;
  SoupEncoding  encoding;
  GPtrArray    *lines;     /* raw lines, without "\n" */
  GError       *error;     /* how reading ended, NULL for a clean EOF */
} Reply;

static void
reply_clear (Reply *reply)
{
  g_free (reply->content_type);
  g_clear_pointer (&reply->lines, g_ptr_array_unref);
  g_clear_error (&reply->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static void
request_finished_cb (DslOllamaDouble *ollama,
                     const char      *path,
                     Fixture         *f)
{
  g_assert_nonnull (path);
  f->n_finished++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *scenario = data;

  f->ollama = dsl_ollama_double_new ();
  g_assert_true (dsl_ollama_double_set_scenario_json (f->ollama, scenario, &error));
  g_assert_no_error (error);
  g_assert_true (dsl_ollama_double_listen (f->ollama, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_ollama_double_get_port (f->ollama), !=, 0);
  f->url = dsl_ollama_double_dup_url (f->ollama);
  g_assert_true (g_str_has_prefix (f->url, "http://127.0.0.1:"));
  g_signal_connect (f->ollama, "request-finished", G_CALLBACK (request_finished_cb), f);

  f->session = soup_session_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  g_assert_finalize_object (f->ollama);
  g_free (f->url);

  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_finished (Fixture *f,
               guint    n)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (f->n_finished < n && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (id);
}

static SoupMessage *
new_message (Fixture    *f,
             const char *method,
             const char *path,
             const char *body)
{
  g_autofree char *uri = g_strconcat (f->url, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

/* Sends a request and reads its reply line by line; with @cancel_after > 0,
 * stops after that many lines the way the app's Stop does. */
static void
fetch_lines (Fixture    *f,
             const char *method,
             const char *path,
             const char *body,
             guint       cancel_after,
             Reply      *reply)
{
  g_autoptr(SoupMessage) msg = new_message (f, method, path, body);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  GAsyncResult *result = NULL;

  memset (reply, 0, sizeof *reply);
  reply->lines = g_ptr_array_new_with_free_func (g_free);

  soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, cancellable,
                           store_result_cb, &result);
  stream = soup_session_send_finish (f->session, wait_result (&result), &reply->error);
  g_clear_object (&result);
  if (stream == NULL)
    return;

  reply->status = soup_message_get_status (msg);
  reply->content_type = g_strdup (soup_message_headers_get_content_type (
    soup_message_get_response_headers (msg), NULL));
  reply->encoding = soup_message_headers_get_encoding (soup_message_get_response_headers (msg));

  data = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_LF);

  for (;;)
    {
      char *line;
      gsize length;

      if (cancel_after > 0 && reply->lines->len == cancel_after)
        {
          g_cancellable_cancel (cancellable);
          break;
        }

      g_data_input_stream_read_line_async (data, G_PRIORITY_DEFAULT, cancellable,
                                           store_result_cb, &result);
      line = g_data_input_stream_read_line_finish (data, wait_result (&result), &length,
                                                   &reply->error);
      g_clear_object (&result);

      if (line == NULL)
        break;
      g_ptr_array_add (reply->lines, line);
    }
}

static void
fetch (Fixture    *f,
       const char *method,
       const char *path,
       const char *body,
       Reply      *reply)
{
  fetch_lines (f, method, path, body, 0, reply);
  g_assert_no_error (reply->error);
}

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = parse (json);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static char *
reply_text (Reply *reply)
{
  g_ptr_array_add (reply->lines, NULL);
  g_ptr_array_set_size (reply->lines, reply->lines->len - 1);

  return g_strjoinv ("\n", (char **) reply->lines->pdata);
}

static void
assert_error_reply (Reply      *reply,
                    guint       status,
                    const char *message)
{
  g_autofree char *text = reply_text (reply);
  g_autoptr(JsonObject) object = parse_object (text);

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (reply->content_type, ==, "application/json");
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, message);
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
}

static JsonObject *
last_record (Fixture *f)
{
  g_autoptr(JsonNode) requests = dsl_ollama_double_dup_requests (f->ollama);
  JsonArray *array = json_node_get_array (requests);
  guint n = json_array_get_length (array);

  g_assert_cmpuint (n, >, 0);
  return json_object_ref (json_array_get_object_element (array, n - 1));
}

static gboolean
is_rfc3339_utc (const char *str)
{
  return g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z$",
                               str, 0, 0);
}

/* {{{ Plain endpoints */

static void
test_root (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Reply) get = { 0 };
  g_auto(Reply) head = { 0 };
  g_autoptr(JsonObject) record = NULL;

  fetch (f, "GET", "/", NULL, &get);
  g_assert_cmpuint (get.status, ==, 200);
  g_assert_cmpstr (get.content_type, ==, "text/plain");
  g_assert_cmpuint (get.lines->len, ==, 1);
  g_assert_cmpstr (get.lines->pdata[0], ==, "Ollama is running");

  fetch (f, "HEAD", "/", NULL, &head);
  g_assert_cmpuint (head.status, ==, 200);
  g_assert_cmpuint (head.lines->len, ==, 0);

  wait_finished (f, 2);
  record = last_record (f);
  g_assert_cmpstr (json_object_get_string_member (record, "method"), ==, "HEAD");
  g_assert_cmpstr (json_object_get_string_member (record, "path"), ==, "/");
  g_assert_true (json_object_get_null_member (record, "body"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (record, "host"), "127.0.0.1:"));
  g_assert_true (json_object_get_boolean_member (record, "finished"));
  g_assert_false (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/"), ==, 2);
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, NULL), ==, 2);
}

static void
test_version (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };

  fetch (f, "GET", "/api/version", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "application/json");
  g_assert_cmpstr (reply.lines->pdata[0], ==, "{\"version\":\"0.6.2\"}");
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) unknown = { 0 };
  g_auto(Reply) method = { 0 };

  fetch (f, "GET", "/api/nothing", NULL, &unknown);
  g_assert_cmpuint (unknown.status, ==, 404);
  g_assert_cmpstr (unknown.content_type, ==, "text/plain");
  g_assert_cmpstr (unknown.lines->pdata[0], ==, "404 page not found");

  fetch (f, "POST", "/api/tags", "{}", &method);
  g_assert_cmpuint (method.status, ==, 405);
  g_assert_cmpstr (method.lines->pdata[0], ==, "405 method not allowed");
}

static void
test_tags (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *models;
  JsonObject *model;
  JsonObject *details;
  const char *digest;

  fetch (f, "GET", "/api/tags", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  root = parse_object (reply.lines->pdata[0]);
  models = json_object_get_array_member (root, "models");
  g_assert_cmpuint (json_array_get_length (models), ==, 2);

  model = json_array_get_object_element (models, 0);
  g_assert_cmpstr (json_object_get_string_member (model, "name"), ==, "deepseek-r1:8b");
  g_assert_cmpstr (json_object_get_string_member (model, "model"), ==, "deepseek-r1:8b");
  g_assert_cmpint (json_object_get_int_member (model, "size"), ==, 5225373760);
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+(Z|[+-]\\d\\d:\\d\\d)$",
                                       json_object_get_string_member (model, "modified_at"),
                                       0, 0));
  digest = json_object_get_string_member (model, "digest");
  g_assert_true (g_regex_match_simple ("^[0-9a-f]{64}$", digest, 0, 0));
  details = json_object_get_object_member (model, "details");
  g_assert_cmpstr (json_object_get_string_member (details, "parent_model"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (details, "format"), ==, "gguf");
  g_assert_cmpstr (json_object_get_string_member (details, "family"), ==, "qwen3");
  g_assert_cmpstr (json_array_get_string_element (
    json_object_get_array_member (details, "families"), 0), ==, "qwen3");
  g_assert_cmpstr (json_object_get_string_member (details, "parameter_size"), ==, "8.2B");
  g_assert_cmpstr (json_object_get_string_member (details, "quantization_level"), ==, "Q4_K_M");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (model, "capabilities")),
                    ==, 2);

  model = json_array_get_object_element (models, 1);
  g_assert_cmpstr (json_object_get_string_member (model, "name"), ==, "llama3.2:latest");
  g_assert_cmpstr (json_array_get_string_element (
    json_object_get_array_member (model, "capabilities"), 0), ==, "completion");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (model, "capabilities")),
                   ==, 1);
}

static void
test_tags_old (Fixture       *f,
               gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonObject *model;

  fetch (f, "GET", "/api/tags", NULL, &reply);
  root = parse_object (reply.lines->pdata[0]);
  model = json_array_get_object_element (json_object_get_array_member (root, "models"), 0);
  g_assert_false (json_object_has_member (model, "capabilities"));
  g_assert_false (json_object_has_member (json_object_get_object_member (model, "details"),
                                          "context_length"));
}

static void
test_tags_empty (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };

  fetch (f, "GET", "/api/tags", NULL, &reply);
  g_assert_cmpstr (reply.lines->pdata[0], ==, "{\"models\":[]}");
}

static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Reply) unknown = { 0 };
  g_auto(Reply) missing = { 0 };
  g_auto(Reply) empty = { 0 };
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *text = NULL;
  JsonObject *info;

  fetch (f, "POST", "/api/show", "{\"model\":\"deepseek-r1:14b\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  text = reply_text (&reply);
  g_assert_null (strchr (text, '<'));   /* the template's tags arrive escaped */
  root = parse_object (text);
  info = json_object_get_object_member (root, "model_info");
  g_assert_cmpstr (json_object_get_string_member (info, "general.architecture"), ==, "qwen2");
  g_assert_cmpint (json_object_get_int_member (info, "qwen2.block_count"), ==, 48);
  g_assert_cmpint (json_object_get_int_member (info, "qwen2.attention.head_count"), ==, 40);
  g_assert_cmpint (json_object_get_int_member (info, "qwen2.attention.head_count_kv"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (info, "qwen2.embedding_length"), ==, 5120);
  g_assert_cmpint (json_object_get_int_member (info, "qwen2.context_length"), ==, 131072);
  g_assert_cmpint (json_object_get_int_member (info, "general.parameter_count"), ==,
                   14800000000);
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (root, "details"), "family"), ==, "qwen2");
  g_assert_true (json_object_has_member (root, "template"));
  g_assert_true (json_object_has_member (root, "parameters"));
  g_assert_true (json_object_has_member (root, "license"));
  g_assert_true (json_object_has_member (root, "modified_at"));
  g_assert_cmpstr (json_array_get_string_element (
    json_object_get_array_member (root, "capabilities"), 1), ==, "thinking");

  fetch (f, "POST", "/api/show", "{\"model\":\"nope:1b\"}", &unknown);
  assert_error_reply (&unknown, 404, "model 'nope:1b' not found");
  fetch (f, "POST", "/api/show", "{\"verbose\":true}", &missing);
  assert_error_reply (&missing, 400, "model is required");
  fetch (f, "POST", "/api/show", "", &empty);
  assert_error_reply (&empty, 400, "missing request body");
}

static void
test_show_scenario_values (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonObject *info;

  fetch (f, "POST", "/api/show", "{\"model\":\"tiny\"}", &reply);
  root = parse_object (reply.lines->pdata[0]);
  info = json_object_get_object_member (root, "model_info");
  g_assert_cmpstr (json_object_get_string_member (info, "general.architecture"), ==, "llama");
  g_assert_cmpint (json_object_get_int_member (info, "llama.block_count"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (info, "llama.attention.head_count_kv"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (info, "llama.context_length"), ==, 2048);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Reply) first = { 0 };
  g_auto(Reply) again = { 0 };
  g_auto(Reply) tags = { 0 };

  fetch (f, "DELETE", "/api/delete", "{\"model\":\"deepseek-r1:8b\"}", &first);
  g_assert_cmpuint (first.status, ==, 200);
  g_assert_cmpuint (first.lines->len, ==, 0);

  fetch (f, "DELETE", "/api/delete", "{\"model\":\"deepseek-r1:8b\"}", &again);
  assert_error_reply (&again, 404, "model 'deepseek-r1:8b' not found");

  fetch (f, "GET", "/api/tags", NULL, &tags);
  g_assert_cmpstr (tags.lines->pdata[0], ==, "{\"models\":[]}");
}

static void
test_ps (Fixture       *f,
         gconstpointer  data)
{
  g_auto(Reply) before = { 0 };
  g_auto(Reply) chat = { 0 };
  g_auto(Reply) after = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonObject *model;

  fetch (f, "GET", "/api/ps", NULL, &before);
  g_assert_cmpstr (before.lines->pdata[0], ==, "{\"models\":[]}");

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
         "\"options\":{\"num_ctx\":8192}}", &chat);

  fetch (f, "GET", "/api/ps", NULL, &after);
  root = parse_object (after.lines->pdata[0]);
  model = json_array_get_object_element (json_object_get_array_member (root, "models"), 0);
  g_assert_cmpstr (json_object_get_string_member (model, "name"), ==, "deepseek-r1:8b");
  g_assert_cmpint (json_object_get_int_member (model, "size_vram"), ==, 5225373760);
  g_assert_cmpint (json_object_get_int_member (model, "context_length"), ==, 8192);
  g_assert_true (json_object_has_member (model, "expires_at"));
  g_assert_true (json_object_has_member (model, "digest"));
}

static void
test_host_check (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", "/api/version", NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Host",
                                "attacker.example:11434");
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    store_result_cb, &result);
  bytes = soup_session_send_and_read_finish (f->session, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 403);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
}

/* }}} */
/* {{{ Chat */

#define CHAT_BODY \
  "{\"model\":\"deepseek-r1:8b\",\"messages\":[{\"role\":\"user\",\"content\":\"What is it?\"}]}"

typedef struct
{
  GString *thinking;
  GString *content;
  guint    n_chunks;    /* before done */
  JsonObject *final;
} Chat;

static void
chat_clear (Chat *chat)
{
  if (chat->thinking != NULL)
    g_string_free (chat->thinking, TRUE);
  if (chat->content != NULL)
    g_string_free (chat->content, TRUE);
  g_clear_pointer (&chat->final, json_object_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Chat, chat_clear)

/* Checks every streamed chunk has the shape ollama-api.md gives. */
static void
collect_chat (Reply *reply,
              Chat  *chat)
{
  chat->thinking = g_string_new (NULL);
  chat->content = g_string_new (NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpstr (reply->content_type, ==, "application/x-ndjson");
  g_assert_cmpint (reply->encoding, ==, SOUP_ENCODING_CHUNKED);

  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *line = reply->lines->pdata[i];
      g_autoptr(JsonObject) object = parse_object (line);
      JsonObject *message = json_object_get_object_member (object, "message");
      const char *thinking = json_object_get_string_member_with_default (message, "thinking",
                                                                          NULL);

      g_assert_null (strchr (line, '<'));
      g_assert_null (strchr (line, '>'));
      g_assert_null (strchr (line, '&'));
      g_assert_cmpstr (json_object_get_string_member (object, "model"), ==, "deepseek-r1:8b");
      g_assert_true (is_rfc3339_utc (json_object_get_string_member (object, "created_at")));
      g_assert_cmpstr (json_object_get_string_member (message, "role"), ==, "assistant");
      g_assert_true (json_object_has_member (message, "content"));
      if (thinking != NULL)
        g_assert_cmpstr (thinking, !=, "");

      if (!json_object_get_boolean_member (object, "done"))
        {
          g_assert_cmpuint (json_object_get_size (object), ==, 4);
          g_assert_null (chat->final);
          g_string_append (chat->content, json_object_get_string_member (message, "content"));
          if (thinking != NULL)
            g_string_append (chat->thinking, thinking);
          chat->n_chunks++;
        }
      else
        {
          g_assert_null (chat->final);
          g_assert_cmpuint (i, ==, reply->lines->len - 1);
          chat->final = json_object_ref (object);
        }
    }
}

static void
assert_metrics (JsonObject *final,
                gint64      eval_count)
{
  gint64 total = json_object_get_int_member (final, "total_duration");
  gint64 load = json_object_get_int_member (final, "load_duration");
  gint64 prompt = json_object_get_int_member (final, "prompt_eval_duration");
  gint64 eval = json_object_get_int_member (final, "eval_duration");

  g_assert_cmpstr (json_object_get_string_member (final, "done_reason"), ==, "stop");
  g_assert_cmpint (json_object_get_int_member (final, "eval_count"), ==, eval_count);
  g_assert_cmpint (json_object_get_int_member (final, "prompt_eval_count"), >, 0);
  g_assert_cmpint (load, >, 0);
  g_assert_cmpint (prompt, >, 0);
  g_assert_cmpint (eval, >, 0);
  g_assert_cmpint (total, >=, load + prompt + eval);
}

#define REASONING "Okay, so 6 times 7. That is 42."
#define ANSWER    "It is 42: 6 < 7 && 7 > 6."

static void
test_chat_field (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };
  g_autoptr(JsonObject) record = NULL;
  gboolean saw_boundary = FALSE;
  g_autofree char *raw = NULL;

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (chat.thinking->str, ==, REASONING);
  g_assert_cmpstr (chat.content->str, ==, ANSWER);
  g_assert_nonnull (chat.final);
  assert_metrics (chat.final, 8 + 10);

  /* One chunk carries both the last thought and the first word. */
  for (guint i = 0; i < reply.lines->len; i++)
    {
      g_autoptr(JsonObject) object = parse_object (reply.lines->pdata[i]);
      JsonObject *message = json_object_get_object_member (object, "message");

      if (json_object_has_member (message, "thinking") &&
          *json_object_get_string_member (message, "content") != '\0')
        saw_boundary = TRUE;
    }
  g_assert_true (saw_boundary);

  /* Go's escaping, byte for byte. */
  raw = reply_text (&reply);
  g_assert_nonnull (strstr (raw, "\" \\u003c\""));
  g_assert_nonnull (strstr (raw, "\" \\u0026\\u0026\""));
  g_assert_nonnull (strstr (raw, "\" \\u003e\""));
  g_assert_nonnull (strstr (raw, ",\"done_reason\":\"stop\",\"done\":true,\"total_duration\":"));

  wait_finished (f, 1);
  record = last_record (f);
  g_assert_cmpstr (json_object_get_string_member (record, "path"), ==, "/api/chat");
  g_assert_cmpstr (json_object_get_string_member (
    json_object_get_object_member (record, "body"), "model"), ==, "deepseek-r1:8b");
  g_assert_true (json_object_get_boolean_member (record, "finished"));
  g_assert_false (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpint (json_object_get_int_member (record, "chunks_sent"), ==, reply.lines->len);
}

static void
test_chat_tags (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };
  gboolean saw_open = FALSE;
  gboolean saw_cut = FALSE;

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (chat.thinking->str, ==, "");
  g_assert_cmpstr (chat.content->str, ==, "<think>\n" REASONING "\n</think>\n\n" ANSWER);

  for (guint i = 0; i + 1 < reply.lines->len; i++)
    {
      g_autoptr(JsonObject) object = parse_object (reply.lines->pdata[i]);
      const char *content = json_object_get_string_member (
        json_object_get_object_member (object, "message"), "content");

      if (g_str_equal (content, "<think>"))
        saw_open = TRUE;
      if (g_str_has_suffix (content, "</th"))
        saw_cut = TRUE;
    }
  g_assert_true (saw_open);
  g_assert_true (saw_cut);
}

static void
test_chat_mixed (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (chat.thinking->str, ==, "Okay, so 6 times");
  g_assert_cmpstr (chat.content->str, ==, "<think> 7. That is 42.</think>\n\n" ANSWER);
}

static void
test_chat_none (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (chat.thinking->str, ==, "");
  g_assert_cmpstr (chat.content->str, ==, ANSWER);
}

static void
test_chat_think_false (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:8b\",\"think\":false,"
         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (chat.thinking->str, ==, "");
  g_assert_cmpstr (chat.content->str, ==, "The answer is 42.");
}

static void
test_chat_synthetic (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  collect_chat (&reply, &chat);
  g_assert_true (g_str_has_prefix (chat.thinking->str, "thought0 thought1 "));
  g_assert_true (g_str_has_suffix (chat.thinking->str, " thought499 "));
  g_assert_true (g_str_has_suffix (chat.content->str, " word999 "));
  g_assert_cmpuint (chat.n_chunks, ==, 1500 - 1);
  assert_metrics (chat.final, 1500);
}

static void
test_chat_no_stream (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) object = NULL;
  JsonObject *message;

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:8b\",\"stream\":false,"
         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "application/json");
  g_assert_cmpint (reply.encoding, ==, SOUP_ENCODING_CONTENT_LENGTH);
  g_assert_cmpuint (reply.lines->len, ==, 1);
  object = parse_object (reply.lines->pdata[0]);
  message = json_object_get_object_member (object, "message");
  g_assert_cmpstr (json_object_get_string_member (message, "content"), ==, "The answer is 42.");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (message, "thinking"),
                                   "Okay, the user asks"));
  g_assert_true (json_object_get_boolean_member (object, "done"));
  g_assert_cmpint (json_object_get_int_member (object, "eval_count"), >, 10);
}

static void
test_chat_load (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) object = NULL;

  fetch (f, "POST", "/api/chat", "{\"model\":\"deepseek-r1:8b\",\"messages\":[]}", &reply);
  g_assert_cmpuint (reply.lines->len, ==, 1);
  object = parse_object (reply.lines->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (object, "done_reason"), ==, "load");
  g_assert_true (json_object_get_boolean_member (object, "done"));
}

static void
test_chat_num_predict (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:8b\",\"options\":{\"num_predict\":3},"
         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &reply);
  collect_chat (&reply, &chat);
  g_assert_cmpstr (json_object_get_string_member (chat.final, "done_reason"), ==, "length");
  g_assert_cmpint (json_object_get_int_member (chat.final, "eval_count"), ==, 3);
}

static void
test_chat_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Reply) unknown = { 0 };
  g_auto(Reply) think = { 0 };
  g_auto(Reply) bad_think = { 0 };
  g_auto(Reply) no_model = { 0 };
  g_auto(Reply) empty = { 0 };

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:70b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
         &unknown);
  assert_error_reply (&unknown, 404, "model 'deepseek-r1:70b' not found");

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"llama3.2\",\"think\":true,"
         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &think);
  assert_error_reply (&think, 400, "\"llama3.2\" does not support thinking");

  fetch (f, "POST", "/api/chat",
         "{\"model\":\"deepseek-r1:8b\",\"think\":\"x\",\"messages\":[]}", &bad_think);
  assert_error_reply (&bad_think, 400,
                      "invalid think value: \"x\" (must be \"high\", \"medium\", \"low\", "
                      "\"max\", true, or false)");

  fetch (f, "POST", "/api/chat", "{\"messages\":[]}", &no_model);
  assert_error_reply (&no_model, 400, "model is required");

  fetch (f, "POST", "/api/chat", "", &empty);
  assert_error_reply (&empty, 400, "missing request body");
}

static void
test_chat_fail_status (Fixture       *f,
                       gconstpointer  data)
{
  static const struct {
    const char *scenario;
    guint       status;
    const char *error;
  } cases[] = {
    { "{\"chat\":{\"fail\":\"not_found\"}}", 404, "model 'deepseek-r1:8b' not found" },
    { "{\"chat\":{\"fail\":\"bad_request\",\"error_text\":\"nope\"}}", 400, "nope" },
    { "{\"chat\":{\"fail\":\"server_error\"}}", 500,
      "model runner has unexpectedly stopped, this may be due to resource limitations or an "
      "internal error, check ollama server logs for details" },
    { "{\"chat\":{\"fail\":\"busy\"}}", 503,
      "server busy, please try again.  maximum pending requests exceeded" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_true (dsl_ollama_double_set_scenario_json (f->ollama, cases[i].scenario, &error));
      fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
      assert_error_reply (&reply, cases[i].status, cases[i].error);
    }
}

static void
test_chat_fail_html (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "text/html");
  g_assert_true (g_str_has_prefix (reply.lines->pdata[0], "<!DOCTYPE html>"));
}

static void
test_chat_fail_garbage (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (reply.lines->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    g_assert_true (json_parser_load_from_data (parser, reply.lines->pdata[i], -1, NULL));
  g_assert_false (json_parser_load_from_data (parser, reply.lines->pdata[3], -1, NULL));
}

static void
test_chat_fail_error_line (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) last = NULL;

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (reply.lines->len, ==, 6);
  last = parse_object (reply.lines->pdata[5]);
  g_assert_cmpstr (json_object_get_string_member (last, "error"), ==, "runner died <oops>");
  g_assert_nonnull (strstr (reply.lines->pdata[5], "\\u003coops\\u003e"));
  for (guint i = 0; i < 5; i++)
    g_assert_null (strstr (reply.lines->pdata[i], "\"done\":true"));
}

static void
test_chat_fail_huge_line (Fixture       *f,
                          gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  g_assert_cmpuint (strlen (reply.lines->pdata[2]), >, 10 * 1024 * 1024);
  collect_chat (&reply, &chat);
  g_assert_nonnull (chat.final);
}

static void
test_chat_fail_disconnect (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) record = NULL;

  fetch_lines (f, "POST", "/api/chat", CHAT_BODY, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (reply.lines->len, ==, 5);
  /* Not a clean end: the terminating chunk never came. */
  g_assert_nonnull (reply.error);
  g_test_message ("Client saw: %s", reply.error->message);
  g_assert_false (g_error_matches (reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));

  wait_finished (f, 1);
  record = last_record (f);
  g_assert_true (json_object_get_boolean_member (record, "finished"));
  g_assert_false (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpint (json_object_get_int_member (record, "chunks_sent"), ==, 5);
  g_assert_cmpuint (dsl_ollama_double_get_n_active (f->ollama), ==, 0);
}

static void
test_chat_fail_times (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(Reply) first = { 0 };
  g_auto(Reply) second = { 0 };
  g_auto(Chat) chat = { 0 };

  fetch (f, "POST", "/api/chat", CHAT_BODY, &first);
  assert_error_reply (&first, 500, "boom");
  fetch (f, "POST", "/api/chat", CHAT_BODY, &second);
  collect_chat (&second, &chat);
  g_assert_nonnull (chat.final);
}

static void
test_chat_cancel (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) record = NULL;
  gint64 sent;

  fetch_lines (f, "POST", "/api/chat", CHAT_BODY, 3, &reply);
  g_assert_cmpuint (reply.lines->len, ==, 3);
  g_clear_error (&reply.error);

  wait_finished (f, 1);
  record = last_record (f);
  sent = json_object_get_int_member (record, "chunks_sent");
  g_assert_true (json_object_get_boolean_member (record, "finished"));
  g_assert_true (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpint (sent, >=, 3);
  g_assert_cmpint (sent, <, 10);
  g_assert_cmpuint (dsl_ollama_double_get_n_active (f->ollama), ==, 0);

  /* Generation really stopped. */
  wait_ms (300);
  g_clear_pointer (&record, json_object_unref);
  record = last_record (f);
  g_assert_cmpint (json_object_get_int_member (record, "chunks_sent"), ==, sent);
}

static void
test_chat_cancel_fast (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonObject) record = NULL;

  fetch_lines (f, "POST", "/api/chat", CHAT_BODY, 100, &reply);
  g_clear_error (&reply.error);

  wait_finished (f, 1);
  record = last_record (f);
  g_assert_true (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpint (json_object_get_int_member (record, "chunks_sent"), <, 200000);
}

static void
test_chat_cancel_loading (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/chat", CHAT_BODY);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  GAsyncResult *result = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Silence while the model loads: no headers yet, then Stop. */
  soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, cancellable,
                           store_result_cb, &result);
  wait_ms (200);
  g_assert_null (result);
  g_assert_cmpuint (dsl_ollama_double_get_n_active (f->ollama), ==, 1);
  g_cancellable_cancel (cancellable);
  stream = soup_session_send_finish (f->session, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  wait_finished (f, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  record = last_record (f);
  g_assert_true (json_object_get_boolean_member (record, "finished"));
  g_assert_true (json_object_get_boolean_member (record, "client_disconnected"));
  g_assert_cmpint (json_object_get_int_member (record, "chunks_sent"), ==, 0);
}

static void
test_chat_first_byte_delay (Fixture       *f,
                            gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };
  gint64 start = g_get_monotonic_time ();

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  collect_chat (&reply, &chat);
  g_assert_cmpint (json_object_get_int_member (chat.final, "load_duration"), >=, 300000000);
}

static void
test_chat_rate (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Chat) chat = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  double rate;

  fetch (f, "POST", "/api/chat", CHAT_BODY, &reply);
  elapsed = g_get_monotonic_time () - start;
  collect_chat (&reply, &chat);

  /* 500 tokens at 1000/s: half a second, and metrics that say so. */
  g_assert_cmpint (elapsed, >=, 450 * 1000);
  g_assert_cmpint (elapsed, <, 2000 * 1000);
  g_assert_cmpuint (chat.n_chunks, ==, 500);
  rate = json_object_get_int_member (chat.final, "eval_count") * 1e9 /
         json_object_get_int_member (chat.final, "eval_duration");
  g_test_message ("rate %.1f tokens/s in %" G_GINT64_FORMAT " us", rate, elapsed);
  g_assert_cmpfloat (rate, >, 800);
  g_assert_cmpfloat (rate, <, 1100);
}

/* }}} */
/* {{{ Pull */

static void
test_pull (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Reply) tags = { 0 };
  g_autoptr(JsonObject) root = NULL;
  gint64 last_completed = -1;
  guint n_weights = 0;

  fetch (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.content_type, ==, "application/x-ndjson");
  g_assert_cmpstr (reply.lines->pdata[0], ==, "{\"status\":\"pulling manifest\"}");
  g_assert_cmpstr (reply.lines->pdata[reply.lines->len - 1], ==, "{\"status\":\"success\"}");
  g_assert_cmpstr (reply.lines->pdata[reply.lines->len - 2], ==,
                   "{\"status\":\"writing manifest\"}");
  g_assert_cmpstr (reply.lines->pdata[reply.lines->len - 3], ==,
                   "{\"status\":\"verifying sha256 digest\"}");

  for (guint i = 1; i < reply.lines->len - 3; i++)
    {
      g_autoptr(JsonObject) line = parse_object (reply.lines->pdata[i]);
      const char *status = json_object_get_string_member (line, "status");
      const char *digest = json_object_get_string_member (line, "digest");

      g_assert_true (g_str_has_prefix (digest, "sha256:"));
      g_assert_cmpuint (strlen (digest), ==, 7 + 64);
      g_assert_true (g_str_has_prefix (status, "pulling "));
      g_assert_cmpuint (strlen (status), ==, 8 + 12);
      g_assert_true (strncmp (status + 8, digest + 7, 12) == 0);

      if (json_object_get_int_member (line, "total") == 1117322768)
        {
          gint64 completed = json_object_get_int_member_with_default (line, "completed", 0);

          g_assert_cmpint (completed, >=, last_completed);
          last_completed = completed;
          n_weights++;
        }
      else
        {
          g_assert_cmpint (json_object_get_int_member (line, "completed"), ==,
                           json_object_get_int_member (line, "total"));
        }
    }

  /* 1.1 GB at 2 GB/s: repeated every 60 ms for about half a second. */
  g_assert_cmpint (last_completed, ==, 1117322768);
  g_assert_cmpuint (n_weights, >=, 4);

  fetch (f, "GET", "/api/tags", NULL, &tags);
  root = parse_object (tags.lines->pdata[0]);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "models")), ==, 2);
}

static void
test_pull_unknown (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_auto(Reply) invalid = { 0 };

  fetch (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:9000b\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (reply.lines->len, ==, 2);
  g_assert_cmpstr (reply.lines->pdata[0], ==, "{\"status\":\"pulling manifest\"}");
  g_assert_cmpstr (reply.lines->pdata[1], ==,
                   "{\"error\":\"pull model manifest: file does not exist\"}");

  fetch (f, "POST", "/api/pull", "{\"model\":\"bad name!\"}", &invalid);
  assert_error_reply (&invalid, 400, "invalid model name");
}

static void
test_pull_resume (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Reply) first = { 0 };
  g_auto(Reply) second = { 0 };
  g_autoptr(JsonObject) cut = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  g_autoptr(JsonObject) record = NULL;

  fetch_lines (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", 4, &first);
  g_clear_error (&first.error);
  wait_finished (f, 1);
  record = last_record (f);
  g_assert_true (json_object_get_boolean_member (record, "client_disconnected"));
  cut = parse_object (first.lines->pdata[3]);

  fetch_lines (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", 2, &second);
  g_clear_error (&second.error);
  resumed = parse_object (second.lines->pdata[1]);
  g_assert_cmpint (json_object_get_int_member (resumed, "completed"), >=,
                   json_object_get_int_member (cut, "completed"));
  wait_finished (f, 2);
}

static void
test_pull_fail (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Reply) too_old = { 0 };
  g_auto(Reply) no_space = { 0 };
  g_auto(Reply) fine = { 0 };
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(JsonObject) weights = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (dsl_ollama_double_set_scenario_json (f->ollama,
                                                      "{\"pull_fail\":\"too_old\","
                                                      "\"pull_fail_times\":1}", &error));
  g_assert_no_error (error);
  fetch (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", &too_old);
  g_assert_cmpuint (too_old.lines->len, ==, 2);
  last = parse_object (too_old.lines->pdata[1]);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (last, "error"),
                                   "pull model manifest: 412: "));
  g_clear_pointer (&last, json_object_unref);

  /* Half the weights, then a full disk; the next pull resumes from there. */
  g_assert_true (dsl_ollama_double_set_scenario_json (f->ollama,
                                                      "{\"pull_fail\":\"no_space\","
                                                      "\"pull_fail_times\":1}", &error));
  g_assert_no_error (error);
  fetch (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", &no_space);
  g_assert_cmpuint (no_space.lines->len, ==, 3);
  weights = parse_object (no_space.lines->pdata[1]);
  g_assert_cmpint (json_object_get_int_member (weights, "completed"), ==, 1117322768 / 2);
  last = parse_object (no_space.lines->pdata[2]);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (last, "error"),
                                   "no space left on device"));
  g_clear_pointer (&weights, json_object_unref);

  fetch (f, "POST", "/api/pull", "{\"model\":\"deepseek-r1:1.5b\"}", &fine);
  weights = parse_object (fine.lines->pdata[1]);
  g_assert_cmpint (json_object_get_int_member (weights, "completed"), ==, 1117322768 / 2);
  g_assert_cmpstr (fine.lines->pdata[fine.lines->len - 1], ==, "{\"status\":\"success\"}");
}

/* }}} */
/* {{{ Control, lifecycle */

static void
test_ready_delay (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_true (dsl_ollama_double_set_scenario_json (f->ollama, "{\"ready_delay_ms\":400}",
                                                      &error));
  start = g_get_monotonic_time ();
  fetch (f, "GET", "/", NULL, &reply);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 350 * 1000);
  g_assert_cmpstr (reply.lines->pdata[0], ==, "Ollama is running");
}

/* The app's readiness poll: short tries that give up, then one that works. */
static void
test_ready_poll (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", "/", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_auto(Reply) reply = { 0 };
  GAsyncResult *result = NULL;

  soup_session_send_async (f->session, msg, G_PRIORITY_DEFAULT, cancellable,
                           store_result_cb, &result);
  wait_ms (300);
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  stream = soup_session_send_finish (f->session, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_finished (f, 1);
  record = last_record (f);
  g_assert_true (json_object_get_boolean_member (record, "client_disconnected"));

  wait_ms (800);
  fetch (f, "GET", "/", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/"), ==, 2);
}

static void
test_control (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Reply) set = { 0 };
  g_auto(Reply) bad = { 0 };
  g_auto(Reply) version = { 0 };
  g_auto(Reply) requests = { 0 };
  g_auto(Reply) reset = { 0 };
  g_auto(Reply) after = { 0 };
  g_autoptr(JsonNode) node = NULL;

  fetch (f, "POST", "/_double/scenario", "{\"version\":\"0.9.9\"}", &set);
  g_assert_cmpuint (set.status, ==, 200);
  g_assert_cmpstr (set.lines->pdata[0], ==, "{}");
  fetch (f, "POST", "/_double/scenario", "{\"chat\":{\"fail\":\"sometimes\"}}", &bad);
  g_assert_cmpuint (bad.status, ==, 400);

  fetch (f, "GET", "/api/version", NULL, &version);
  g_assert_cmpstr (version.lines->pdata[0], ==, "{\"version\":\"0.9.9\"}");

  wait_finished (f, 1);
  fetch (f, "GET", "/_double/requests", NULL, &requests);
  node = parse (requests.lines->pdata[0]);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
    json_array_get_object_element (json_node_get_array (node), 0), "path"), ==, "/api/version");

  fetch (f, "POST", "/_double/reset", "", &reset);
  g_assert_cmpstr (reset.lines->pdata[0], ==, "{}");
  fetch (f, "GET", "/_double/requests", NULL, &after);
  g_assert_cmpstr (after.lines->pdata[0], ==, "[]");
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, NULL), ==, 0);
}

static void
test_bad_scenario (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_ollama_double_new ();
  const char *bad[] = {
    "[]", "{", "{\"models\":3}", "{\"chat\":{\"tokens_per_second\":\"fast\"}}",
    "{\"chat\":{\"thinking_form\":\"dream\"}}", "{\"models\":[{\"size\":1}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (dsl_ollama_double_set_scenario_json (ollama, bad[i], &error));
      g_assert_nonnull (error);
    }

  g_assert_true (dsl_ollama_double_set_scenario_json (ollama, NULL, NULL));
  g_assert_true (dsl_ollama_double_set_scenario_json (ollama, " ", NULL));
}

static void
test_port_taken (void)
{
  g_autoptr(DslOllamaDouble) first = dsl_ollama_double_new ();
  g_autoptr(DslOllamaDouble) second = dsl_ollama_double_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;

  g_assert_true (dsl_ollama_double_listen (first, "http://127.0.0.1:0", &error));
  g_assert_no_error (error);
  host = g_strdup_printf ("127.0.0.1:%u", dsl_ollama_double_get_port (first));
  g_assert_false (dsl_ollama_double_listen (second, host, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

static void
test_dispose_while_streaming (void)
{
  DslOllamaDouble *ollama = dsl_ollama_double_new ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static (CHAT_BODY, strlen (CHAT_BODY));
  GAsyncResult *result = NULL;

  g_assert_true (dsl_ollama_double_set_scenario_json (
    ollama, "{\"chat\":{\"tokens_per_second\":50}}", NULL));
  g_assert_true (dsl_ollama_double_listen (ollama, NULL, NULL));
  uri = g_strdup_printf ("http://127.0.0.1:%u/api/chat", dsl_ollama_double_get_port (ollama));
  msg = soup_message_new ("POST", uri);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, NULL, store_result_cb, &result);
  stream = soup_session_send_finish (session, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  wait_ms (100);

  g_assert_cmpuint (dsl_ollama_double_get_n_active (ollama), ==, 1);
  g_assert_finalize_object (ollama);
  wait_ms (100);
}

/* The program, as UI tests and benchmarks start it. */
static void
test_program (void)
{
  const char *program = DSL_OLLAMA_DOUBLE_PROGRAM;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GSubprocess) clash = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *line = NULL;
  g_autofree char *port = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *clash_err = NULL;
  g_autofree char *expected_err = NULL;
  GAsyncResult *result = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", "127.0.0.1:0", TRUE);
  g_subprocess_launcher_setenv (launcher, "DSL_DOUBLE_SCENARIO", "{\"version\":\"0.12.11\"}",
                                TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, program, "serve", NULL);
  g_assert_no_error (error);

  /* Blocking reads: the program runs on its own. */
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  regex = g_regex_new ("^time=\\S+ level=INFO .*msg=\"Listening on 127\\.0\\.0\\.1:(\\d+) "
                       "\\(version 0\\.12\\.11\\)\"", 0, 0, NULL);
  for (guint i = 0; i < 100 && port == NULL; i++)
    {
      g_clear_pointer (&line, g_free);
      line = g_data_input_stream_read_line (err, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_test_message ("%s", line);
      if (g_regex_match (regex, line, 0, &match))
        port = g_match_info_fetch (match, 1);
      g_clear_pointer (&match, g_match_info_free);
    }
  g_assert_nonnull (port);

  uri = g_strdup_printf ("http://127.0.0.1:%s/api/version", port);
  msg = soup_message_new ("GET", uri);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    store_result_cb, &result);
  bytes = soup_session_send_and_read_finish (session, wait_result (&result), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   "{\"version\":\"0.12.11\"}", strlen ("{\"version\":\"0.12.11\"}"));

  /* A second one on the same port fails the way Ollama does. */
  host = g_strdup_printf ("127.0.0.1:%s", port);
  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", host, TRUE);
  clash = g_subprocess_launcher_spawn (launcher, &error, program, "serve", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (clash, NULL, NULL, NULL, &clash_err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (clash), ==, 1);
  expected_err = g_strdup_printf ("Error: listen tcp 127.0.0.1:%s: bind: address already in use\n",
                                  port);
  g_assert_cmpstr (clash_err, ==, expected_err);

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* }}} */

#define ADD(path, scenario, func) \
  g_test_add ("/dsl/ollama-double/" path, Fixture, scenario, fixture_set_up, func, \
              fixture_tear_down)

#define CHAT_TEXT "\"reasoning\":\"" REASONING "\",\"answer\":\"" ANSWER "\""

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("root", NULL, test_root);
  ADD ("version", "{\"version\":\"0.6.2\"}", test_version);
  ADD ("not-found", NULL, test_not_found);
  ADD ("tags", "{\"models\":[\"deepseek-r1:8b\",\"llama3.2\"]}", test_tags);
  ADD ("tags/old", "{\"version\":\"0.5.7\"}", test_tags_old);
  ADD ("tags/empty", "{\"models\":[]}", test_tags_empty);
  ADD ("show", "{\"models\":[\"deepseek-r1:14b\"]}", test_show);
  ADD ("show/scenario-values",
       "{\"models\":[{\"name\":\"tiny\",\"family\":\"llama\",\"block_count\":4,"
       "\"head_count_kv\":2,\"context_length\":2048}]}", test_show_scenario_values);
  ADD ("delete", NULL, test_delete);
  ADD ("ps", NULL, test_ps);
  ADD ("host-check", NULL, test_host_check);

  ADD ("chat/field", "{\"chat\":{" CHAT_TEXT "}}", test_chat_field);
  ADD ("chat/tags", "{\"chat\":{\"thinking_form\":\"tags\"," CHAT_TEXT "}}", test_chat_tags);
  ADD ("chat/mixed", "{\"chat\":{\"thinking_form\":\"mixed\"," CHAT_TEXT "}}", test_chat_mixed);
  ADD ("chat/none", "{\"chat\":{\"thinking_form\":\"none\"," CHAT_TEXT "}}", test_chat_none);
  ADD ("chat/think-false", NULL, test_chat_think_false);
  ADD ("chat/synthetic", "{\"chat\":{\"reasoning_tokens\":500,\"answer_tokens\":1000}}",
       test_chat_synthetic);
  ADD ("chat/no-stream", NULL, test_chat_no_stream);
  ADD ("chat/load", NULL, test_chat_load);
  ADD ("chat/num-predict", NULL, test_chat_num_predict);
  ADD ("chat/errors", "{\"models\":[\"deepseek-r1:8b\",\"llama3.2\"]}", test_chat_errors);
  ADD ("chat/fail/status", NULL, test_chat_fail_status);
  ADD ("chat/fail/html", "{\"chat\":{\"fail\":\"html\"}}", test_chat_fail_html);
  ADD ("chat/fail/garbage", "{\"chat\":{\"fail\":\"garbage\",\"fail_after_tokens\":3}}",
       test_chat_fail_garbage);
  ADD ("chat/fail/error-line",
       "{\"chat\":{\"fail\":\"error_line\",\"error_text\":\"runner died <oops>\"}}",
       test_chat_fail_error_line);
  ADD ("chat/fail/huge-line", "{\"chat\":{\"fail\":\"huge_line\",\"fail_after_tokens\":2}}",
       test_chat_fail_huge_line);
  ADD ("chat/fail/disconnect", "{\"chat\":{\"fail\":\"disconnect\"}}", test_chat_fail_disconnect);
  ADD ("chat/fail/times",
       "{\"chat\":{\"fail\":\"server_error\",\"fail_times\":1,\"error_text\":\"boom\"}}",
       test_chat_fail_times);
  ADD ("chat/cancel", "{\"chat\":{\"tokens_per_second\":20}}", test_chat_cancel);
  ADD ("chat/cancel-fast", "{\"chat\":{\"answer_tokens\":200000}}", test_chat_cancel_fast);
  ADD ("chat/cancel-loading", "{\"chat\":{\"first_byte_delay_ms\":60000}}",
       test_chat_cancel_loading);
  ADD ("chat/first-byte-delay", "{\"chat\":{\"first_byte_delay_ms\":300}}",
       test_chat_first_byte_delay);
  ADD ("chat/rate",
       "{\"chat\":{\"thinking_form\":\"none\",\"answer_tokens\":500,\"tokens_per_second\":1000}}",
       test_chat_rate);

  ADD ("pull", "{\"pull_bytes_per_second\":2000000000}", test_pull);
  ADD ("pull/unknown", NULL, test_pull_unknown);
  ADD ("pull/resume", "{\"pull_bytes_per_second\":100000000}", test_pull_resume);
  ADD ("pull/fail", NULL, test_pull_fail);

  ADD ("ready-delay", NULL, test_ready_delay);
  ADD ("ready-poll", "{\"ready_delay_ms\":1000}", test_ready_poll);
  ADD ("control", NULL, test_control);
  g_test_add_func ("/dsl/ollama-double/bad-scenario", test_bad_scenario);
  g_test_add_func ("/dsl/ollama-double/port-taken", test_port_taken);
  g_test_add_func ("/dsl/ollama-double/dispose-while-streaming", test_dispose_while_streaming);
  g_test_add_func ("/dsl/ollama-double/program", test_program);

  return g_test_run ();
}
