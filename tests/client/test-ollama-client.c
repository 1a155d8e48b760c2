/* test-ollama-client.c: the client and a chat against the Ollama double, over loopback
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-chat.h"
#include "dsl-model-info.h"
#include "dsl-ollama-client.h"
#include "dsl-test-utils.h"

#define MODEL "deepseek-r1:8b"
#define MODELS "\"models\":[{\"name\":\"deepseek-r1:8b\",\"size\":5225373760}," \
                          "{\"name\":\"deepseek-r1:1.5b\",\"size\":1117322768}]"

typedef struct {
  DslOllamaDouble *ollama;
  DslOllamaClient *client;
  DslChat         *chat;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = NULL;

  f->ollama = dsl_test_start_double (data);
  url = dsl_ollama_double_dup_url (f->ollama);
  f->client = dsl_ollama_client_new (url);
  f->chat = dsl_chat_new (f->client);
  dsl_chat_set_model (f->chat, MODEL);
}

/* For tests whose data is not a scenario: they set their own. */
static void
fixture_set_up_plain (Fixture       *f,
                      gconstpointer  data)
{
  fixture_set_up (f, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->chat);
  g_assert_finalize_object (f->client);
  g_clear_object (&f->ollama);
}

static DslMessage *
last_message (Fixture *f)
{
  GListModel *messages = dsl_chat_get_messages (f->chat);
  guint n = g_list_model_get_n_items (messages);
  g_autoptr(DslMessage) message = n > 0 ? g_list_model_get_item (messages, n - 1) : NULL;

  return message;  /* the chat keeps it alive */
}

static void
ask_and_wait (Fixture    *f,
              const char *question)
{
  g_assert_true (dsl_chat_send (f->chat, question));
  g_assert_true (dsl_chat_get_busy (f->chat));
  dsl_test_assert_wait (!dsl_chat_get_busy (f->chat), 10000);
}

/* Result helpers for the direct client calls. */
typedef struct {
  GAsyncResult *result;
} Wait;

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static void
test_version_and_models (Fixture       *f,
                         gconstpointer  data)
{
  Wait wait = { NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GListModel) models = NULL;
  g_autoptr(DslModelInfo) first = NULL;

  dsl_ollama_client_get_version_async (f->client, NULL, store_result_cb, &wait);
  dsl_test_assert_wait (wait.result != NULL, 5000);
  version = dsl_ollama_client_get_version_finish (f->client, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_cmpstr (version, ==, "0.32.15");

  dsl_ollama_client_list_models_async (f->client, NULL, store_result_cb, &wait);
  dsl_test_assert_wait (wait.result != NULL, 5000);
  models = dsl_ollama_client_list_models_finish (f->client, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);

  /* Sorted by name, with their sizes on disk. */
  g_assert_cmpuint (g_list_model_get_n_items (models), ==, 2);
  first = g_list_model_get_item (models, 0);
  g_assert_cmpstr (dsl_model_info_get_name (first), ==, "deepseek-r1:1.5b");
  g_assert_cmpuint (dsl_model_info_get_size (first), ==, 1117322768);
}

static void
test_unknown_model_in_show (Fixture       *f,
                            gconstpointer  data)
{
  Wait wait = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) show = NULL;

  dsl_ollama_client_show_async (f->client, "llama9:7b", NULL, store_result_cb, &wait);
  dsl_test_assert_wait (wait.result != NULL, 5000);
  show = dsl_ollama_client_show_finish (f->client, wait.result, &error);
  g_clear_object (&wait.result);

  g_assert_null (show);
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "model 'llama9:7b' not found");
}

/* The reasoning arrives in `thinking` (Ollama 0.12.4 and newer), the answer in `content`; `<`,
 * `>` and `&` come HTML-escaped on the wire and must read as themselves. */
static void
test_thinking_field (Fixture       *f,
                     gconstpointer  data)
{
  DslMessage *answer;
  g_autoptr(JsonObject) request = NULL;
  JsonObject *body;

  ask_and_wait (f, "Is 3 < 5?");
  answer = last_message (f);

  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (dsl_message_get_reasoning (answer), ==, "Okay, the user asks if 3 < 5. It is.");
  g_assert_cmpstr (dsl_message_get_content (answer), ==, "Yes: 3 < 5 & 5 > 3.");
  g_assert_cmpint (dsl_message_get_metrics (answer)->eval_count, >, 0);
  g_assert_cmpint (dsl_message_get_thinking_time (answer), >, 0);

  /* The model can think, so the chat asked it to; the question went out as the user wrote it. */
  request = dsl_test_last_request (f->ollama, "/api/chat");
  body = json_object_get_object_member (request, "body");
  g_assert_true (json_object_get_boolean_member (body, "think"));
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (body, "messages"), 0),
                     "content"), ==, "Is 3 < 5?");
}

/* Older servers: raw <think> tags inside content, cut at awkward points. */
static void
test_think_tags (Fixture       *f,
                 gconstpointer  data)
{
  DslMessage *answer;

  ask_and_wait (f, "Is 3 < 5?");
  answer = last_message (f);

  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (dsl_message_get_reasoning (answer), ==, "Okay, the user asks if 3 < 5. It is.");
  g_assert_cmpstr (dsl_message_get_content (answer), ==, "Yes: 3 < 5 & 5 > 3.");
}

static char *
without_spaces (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (*p != ' ')
      g_string_append_c (s, *p);

  return g_string_free (s, FALSE);
}

/* Both forms in one answer: reasoning starts in the field and goes on in tags. Ollama's rules
 * drop the whitespace right after "<think>", so only the words are compared. */
static void
test_think_mixed (Fixture       *f,
                  gconstpointer  data)
{
  DslMessage *answer;
  g_autofree char *reasoning = NULL;

  ask_and_wait (f, "Is 3 < 5?");
  answer = last_message (f);
  reasoning = without_spaces (dsl_message_get_reasoning (answer));

  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_assert_cmpstr (reasoning, ==, "Okay,theuserasksif3<5.Itis.");
  g_assert_cmpstr (dsl_message_get_content (answer), ==, "Yes: 3 < 5 & 5 > 3.");
}

/* The second question carries the first answer, without its reasoning. */
static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) request = NULL;
  JsonArray *messages;

  ask_and_wait (f, "First?");
  ask_and_wait (f, "Second?");

  request = dsl_test_last_request (f->ollama, "/api/chat");
  messages = json_object_get_array_member (json_object_get_object_member (request, "body"),
                                           "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1),
                                                  "role"), ==, "assistant");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1),
                                                  "content"), ==, "Yes: 3 < 5 & 5 > 3.");
  g_assert_false (json_object_has_member (json_array_get_object_element (messages, 1), "thinking"));
}

typedef struct {
  const char         *scenario;
  DslOllamaErrorCode  code;
  const char         *server_text;  /* what the error carries, or NULL */
  gboolean            keeps_text;   /* text arrived before the failure */
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "{" MODELS ",\"chat\":{\"fail\":\"not_found\"}}", DSL_OLLAMA_ERROR_MODEL_NOT_FOUND,
    "model 'deepseek-r1:8b' not found", FALSE },
  { "{" MODELS ",\"chat\":{\"fail\":\"bad_request\",\"error_text\":\"invalid think value\"}}",
    DSL_OLLAMA_ERROR_BAD_REQUEST, "invalid think value", FALSE },
  { "{" MODELS ",\"chat\":{\"fail\":\"server_error\",\"error_text\":\"model requires more system "
    "memory (9.2 GiB) than is available (4.1 GiB)\"}}", DSL_OLLAMA_ERROR_SERVER_ERROR,
    "model requires more system memory (9.2 GiB) than is available (4.1 GiB)", FALSE },
  { "{" MODELS ",\"chat\":{\"fail\":\"busy\"}}", DSL_OLLAMA_ERROR_BUSY, NULL, FALSE },
  { "{" MODELS ",\"chat\":{\"fail\":\"html\"}}", DSL_OLLAMA_ERROR_NOT_OLLAMA, NULL, FALSE },
  { "{" MODELS ",\"chat\":{\"fail\":\"garbage\",\"fail_after_tokens\":5}}",
    DSL_OLLAMA_ERROR_INVALID_RESPONSE, NULL, TRUE },
  { "{" MODELS ",\"chat\":{\"fail\":\"huge_line\",\"fail_after_tokens\":5}}",
    DSL_OLLAMA_ERROR_INVALID_RESPONSE, NULL, TRUE },
  { "{" MODELS ",\"chat\":{\"fail\":\"error_line\",\"fail_after_tokens\":5}}",
    DSL_OLLAMA_ERROR_STREAM_FAILED,
    "model runner has unexpectedly stopped, this may be due to resource limitations or an "
    "internal error, check ollama server logs for details", TRUE },
  { "{" MODELS ",\"chat\":{\"fail\":\"disconnect\",\"fail_after_tokens\":5}}",
    DSL_OLLAMA_ERROR_DISCONNECTED, NULL, TRUE },
};

typedef struct {
  GString *reasoning;
  GString *content;
} Deltas;

static void
collect_delta_cb (const char *thinking,
                  const char *content,
                  gpointer    user_data)
{
  Deltas *deltas = user_data;

  if (thinking != NULL)
    g_string_append (deltas->reasoning, thinking);
  if (content != NULL)
    g_string_append (deltas->content, content);
}

/* Each way a server fails gives an error a caller can act on, carrying the server's own words,
 * and a chat keeps what arrived and says what happened in a sentence. */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  const ErrorCase *c = data;
  g_autoptr(JsonArray) messages = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DslChatMetrics) metrics = NULL;
  Deltas deltas = { g_string_new (NULL), g_string_new (NULL) };
  JsonObject *question = json_object_new ();
  Wait wait = { NULL };
  DslMessage *answer;

  dsl_ollama_double_set_scenario_json (f->ollama, c->scenario, &error);
  g_assert_no_error (error);

  json_object_set_string_member (question, "role", "user");
  json_object_set_string_member (question, "content", "Hello?");
  json_array_add_object_element (messages, question);

  dsl_ollama_client_chat_async (f->client, MODEL, messages, DSL_OLLAMA_THINK_ON,
                                collect_delta_cb, &deltas, NULL, store_result_cb, &wait);
  dsl_test_assert_wait (wait.result != NULL, 10000);
  metrics = dsl_ollama_client_chat_finish (f->client, wait.result, &error);
  g_clear_object (&wait.result);

  g_assert_null (metrics);
  g_assert_error (error, DSL_OLLAMA_ERROR, (int) c->code);
  if (c->server_text != NULL)
    g_assert_cmpstr (error->message, ==, c->server_text);
  g_assert_cmpint (deltas.reasoning->len > 0, ==, c->keeps_text);

  /* The same through a chat: the partial answer stays and the error is a sentence. */
  ask_and_wait (f, "Hello?");
  answer = last_message (f);
  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_FAILED);
  g_assert_cmpint (dsl_message_get_reasoning (answer)[0] != '\0', ==, c->keeps_text);
  g_assert_nonnull (dsl_message_get_error_message (answer));
  g_assert_null (strchr (dsl_message_get_error_message (answer), '{'));
  g_assert_true (dsl_chat_can_retry (f->chat));

  g_string_free (deltas.reasoning, TRUE);
  g_string_free (deltas.content, TRUE);
}

static void
test_unreachable (void)
{
  g_autofree char *url = dsl_test_unused_url ();
  g_autoptr(DslOllamaClient) client = dsl_ollama_client_new (url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) models = NULL;
  Wait wait = { NULL };

  dsl_ollama_client_list_models_async (client, NULL, store_result_cb, &wait);
  dsl_test_assert_wait (wait.result != NULL, 5000);
  models = dsl_ollama_client_list_models_finish (client, wait.result, &error);
  g_clear_object (&wait.result);

  g_assert_null (models);
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE);
}

static gboolean
chat_request_ended (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = dsl_test_last_request (f->ollama, "/api/chat");

  return request != NULL && json_object_get_boolean_member (request, "finished");
}

/* Stop closes the connection, so the server stops generating; the text so far stays. */
static void
test_stop_cancels_request (Fixture       *f,
                           gconstpointer  data)
{
  DslMessage *answer;
  g_autoptr(JsonObject) request = NULL;
  g_autofree char *kept = NULL;

  g_assert_true (dsl_chat_send (f->chat, "Tell me a long story"));
  answer = last_message (f);
  dsl_test_assert_wait (dsl_message_get_state (answer) == DSL_MESSAGE_STATE_ANSWERING, 10000);

  dsl_chat_stop (f->chat);
  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_STOPPED);
  g_assert_false (dsl_chat_get_busy (f->chat));
  kept = g_strdup (dsl_message_get_content (answer));
  g_assert_cmpstr (kept, !=, "");

  g_assert_true (dsl_test_wait_until (chat_request_ended, f, 5000));
  request = dsl_test_last_request (f->ollama, "/api/chat");
  g_assert_true (json_object_get_boolean_member (request, "client_disconnected"));
  g_assert_cmpint (json_object_get_int_member (request, "chunks_sent"), <, 200);

  /* Nothing more is added once stopped. */
  dsl_test_wait_ms (200);
  g_assert_cmpstr (dsl_message_get_content (answer), ==, kept);
  g_assert_true (dsl_chat_can_retry (f->chat));
}

/* The first try fails, Retry succeeds; the failed try stays visible above. */
static void
test_retry_after_failure (Fixture       *f,
                          gconstpointer  data)
{
  GListModel *messages = dsl_chat_get_messages (f->chat);
  g_autoptr(DslMessage) failed = NULL;
  g_autoptr(JsonObject) request = NULL;

  ask_and_wait (f, "Hello?");
  failed = g_object_ref (last_message (f));
  g_assert_cmpint (dsl_message_get_state (failed), ==, DSL_MESSAGE_STATE_FAILED);

  g_assert_true (dsl_chat_retry (f->chat));
  dsl_test_assert_wait (!dsl_chat_get_busy (f->chat), 10000);

  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 3);
  g_assert_cmpint (dsl_message_get_state (last_message (f)), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_assert_cmpint (dsl_message_get_state (failed), ==, DSL_MESSAGE_STATE_FAILED);
  g_assert_false (dsl_chat_can_retry (f->chat));

  /* The retry asked the same question, without the failed try. */
  request = dsl_test_last_request (f->ollama, "/api/chat");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_object_get_object_member (request, "body"), "messages")), ==, 1);
}

/* A model that loads for a while sends nothing; the chat waits without a timeout and the main
 * loop keeps running meanwhile. */
static void
test_slow_first_byte (Fixture       *f,
                      gconstpointer  data)
{
  DslMessage *answer;
  gint64 start = g_get_monotonic_time ();

  g_assert_true (dsl_chat_send (f->chat, "Hello?"));
  answer = last_message (f);
  dsl_test_wait_ms (300);
  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_WAITING);

  dsl_test_assert_wait (!dsl_chat_get_busy (f->chat), 10000);
  g_assert_cmpint (dsl_message_get_state (answer), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 800 * 1000);
}

/* A model without the thinking capability is not sent `think` (it would answer 400). */
static void
test_no_think_for_plain_model (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(JsonObject) request = NULL;

  dsl_chat_set_model (f->chat, "llama3.2:3b");
  ask_and_wait (f, "Hello?");

  g_assert_cmpint (dsl_message_get_state (last_message (f)), ==, DSL_MESSAGE_STATE_COMPLETE);
  request = dsl_test_last_request (f->ollama, "/api/chat");
  g_assert_false (json_object_has_member (json_object_get_object_member (request, "body"),
                                          "think"));
}

#define ANSWER_SCENARIO(form, extra) \
  "{" MODELS ",\"chat\":{\"thinking_form\":\"" form "\"," \
  "\"reasoning\":\"Okay, the user asks if 3 < 5. It is.\"," \
  "\"answer\":\"Yes: 3 < 5 & 5 > 3.\"" extra "}}"

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, data, func) \
  g_test_add ("/dsl/client/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("version-and-models", "{" MODELS "}", test_version_and_models);
  ADD ("unknown-model", "{" MODELS "}", test_unknown_model_in_show);
  ADD ("thinking-field", ANSWER_SCENARIO ("field", ""), test_thinking_field);
  ADD ("think-tags", ANSWER_SCENARIO ("tags", ""), test_think_tags);
  ADD ("think-mixed", ANSWER_SCENARIO ("mixed", ""), test_think_mixed);
  ADD ("history", ANSWER_SCENARIO ("field", ""), test_history);
  ADD ("stop", "{" MODELS ",\"chat\":{\"answer_tokens\":400,\"reasoning_tokens\":5,"
       "\"tokens_per_second\":50}}", test_stop_cancels_request);
  ADD ("retry", "{" MODELS ",\"chat\":{\"fail\":\"server_error\",\"fail_times\":1}}",
       test_retry_after_failure);
  ADD ("slow-first-byte", "{" MODELS ",\"chat\":{\"first_byte_delay_ms\":800}}",
       test_slow_first_byte);
  ADD ("no-think-for-plain-model",
       "{\"models\":[{\"name\":\"llama3.2:3b\",\"family\":\"llama\","
       "\"capabilities\":[\"completion\"]}],\"chat\":{\"thinking_form\":\"none\"}}",
       test_no_think_for_plain_model);

  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      static const char *names[] = {
        "not-found", "bad-request", "server-error", "busy", "html", "garbage", "huge-line",
        "error-line", "disconnect",
      };
      g_autofree char *path = g_strdup_printf ("/dsl/client/error/%s", names[i]);

      g_test_add (path, Fixture, &error_cases[i], fixture_set_up_plain, test_errors,
                  fixture_tear_down);
    }

  g_test_add_func ("/dsl/client/error/unreachable", test_unreachable);

  return g_test_run ();
}
