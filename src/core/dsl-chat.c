/* dsl-chat.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-chat"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "dsl-chat.h"
#include "dsl-json.h"
#include "dsl-reasoning-splitter.h"

/* A conversation with one model: the messages, and the answer being streamed into the last one.
 * Stop cancels the request, which closes the connection so the server stops generating. */
struct _DslChat
{
  GObject               parent_instance;

  DslOllamaClient      *client;
  GListStore           *messages;
  char                 *model;
  GHashTable           *can_think;   /* model name → GINT_TO_POINTER (1 + capable) */

  /* The answer in progress. */
  DslMessage           *answer;
  GCancellable         *cancellable;
  DslReasoningSplitter *splitter;
  GString              *reasoning_buf;
  GString              *answer_buf;
};

G_DEFINE_FINAL_TYPE (DslChat, dsl_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_MODEL,
  PROP_BUSY,
  PROP_CAN_RETRY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dsl_chat_dispose (GObject *object)
{
  DslChat *self = DSL_CHAT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->answer);
  g_clear_object (&self->client);
  g_clear_object (&self->messages);

  G_OBJECT_CLASS (dsl_chat_parent_class)->dispose (object);
}

static void
dsl_chat_finalize (GObject *object)
{
  DslChat *self = DSL_CHAT (object);

  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->can_think, g_hash_table_unref);
  g_clear_pointer (&self->splitter, dsl_reasoning_splitter_free);
  g_string_free (self->reasoning_buf, TRUE);
  g_string_free (self->answer_buf, TRUE);

  G_OBJECT_CLASS (dsl_chat_parent_class)->finalize (object);
}

static void
dsl_chat_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  DslChat *self = DSL_CHAT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, dsl_chat_get_busy (self));
      break;

    case PROP_CAN_RETRY:
      g_value_set_boolean (value, dsl_chat_can_retry (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_chat_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  DslChat *self = DSL_CHAT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    case PROP_MODEL:
      dsl_chat_set_model (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_chat_class_init (DslChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_chat_dispose;
  object_class->finalize = dsl_chat_finalize;
  object_class->get_property = dsl_chat_get_property;
  object_class->set_property = dsl_chat_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, DSL_TYPE_OLLAMA_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_RETRY] =
    g_param_spec_boolean ("can-retry", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dsl_chat_init (DslChat *self)
{
  self->messages = g_list_store_new (DSL_TYPE_MESSAGE);
  self->can_think = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reasoning_buf = g_string_new (NULL);
  self->answer_buf = g_string_new (NULL);
}

/**
 * dsl_chat_new:
 * @client: the server to talk to
 */
DslChat *
dsl_chat_new (DslOllamaClient *client)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_CLIENT (client), NULL);

  return g_object_new (DSL_TYPE_CHAT, "client", client, NULL);
}

DslOllamaClient *
dsl_chat_get_client (DslChat *self)
{
  g_return_val_if_fail (DSL_IS_CHAT (self), NULL);

  return self->client;
}

/**
 * dsl_chat_get_messages:
 *
 * Returns: (transfer none): a #GListModel of #DslMessage, oldest first
 */
GListModel *
dsl_chat_get_messages (DslChat *self)
{
  g_return_val_if_fail (DSL_IS_CHAT (self), NULL);

  return G_LIST_MODEL (self->messages);
}

const char *
dsl_chat_get_model (DslChat *self)
{
  g_return_val_if_fail (DSL_IS_CHAT (self), NULL);

  return self->model;
}

void
dsl_chat_set_model (DslChat    *self,
                    const char *model)
{
  g_return_if_fail (DSL_IS_CHAT (self));

  if (g_strcmp0 (self->model, model) == 0)
    return;

  g_free (self->model);
  self->model = g_strdup (model);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gboolean
dsl_chat_get_busy (DslChat *self)
{
  g_return_val_if_fail (DSL_IS_CHAT (self), FALSE);

  return self->answer != NULL;
}

static DslMessage *
last_message (DslChat *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  if (n == 0)
    return NULL;

  return g_list_model_get_item (G_LIST_MODEL (self->messages), n - 1);
}

/**
 * dsl_chat_can_retry:
 *
 * Returns: whether the last answer failed or was stopped, so that it can be asked for again
 */
gboolean
dsl_chat_can_retry (DslChat *self)
{
  g_autoptr(DslMessage) last = NULL;
  DslMessageState state;

  g_return_val_if_fail (DSL_IS_CHAT (self), FALSE);

  if (self->answer != NULL || (last = last_message (self)) == NULL)
    return FALSE;

  state = dsl_message_get_state (last);
  return dsl_message_get_role (last) == DSL_MESSAGE_ROLE_ASSISTANT &&
         (state == DSL_MESSAGE_STATE_FAILED || state == DSL_MESSAGE_STATE_STOPPED);
}

/**
 * dsl_chat_build_history:
 * @before: the position of the answer being asked for
 *
 * The conversation as the server should see it: every user message, and every answer that was
 * not a failure, up to the last user message before @before. Answers after that last question
 * are earlier tries of the one being asked for, so they are left out. Reasoning is not sent: the
 * server strips it from R1's history anyway (ollama-api.md section 2).
 *
 * Returns: (transfer full): an array of /api/chat message objects
 */
JsonArray *
dsl_chat_build_history (DslChat *self,
                        guint    before)
{
  GListModel *model = G_LIST_MODEL (self->messages);
  JsonArray *history = json_array_new ();
  guint last_user = G_MAXUINT;

  g_return_val_if_fail (DSL_IS_CHAT (self), history);

  before = MIN (before, g_list_model_get_n_items (model));
  for (guint i = 0; i < before; i++)
    {
      g_autoptr(DslMessage) message = g_list_model_get_item (model, i);

      if (dsl_message_get_role (message) == DSL_MESSAGE_ROLE_USER)
        last_user = i;
    }

  for (guint i = 0; i < before; i++)
    {
      g_autoptr(DslMessage) message = g_list_model_get_item (model, i);
      DslMessageRole role = dsl_message_get_role (message);
      JsonObject *object;

      if (role == DSL_MESSAGE_ROLE_ASSISTANT &&
          (i > last_user ||
           dsl_message_get_state (message) == DSL_MESSAGE_STATE_FAILED ||
           dsl_message_get_content (message)[0] == '\0'))
        continue;

      object = json_object_new ();
      json_object_set_string_member (object, "role",
                                     role == DSL_MESSAGE_ROLE_USER ? "user" : "assistant");
      json_object_set_string_member (object, "content", dsl_message_get_content (message));
      json_array_add_object_element (history, object);
    }

  return history;
}

static void
notify_busy (DslChat *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_RETRY]);
}

static void
flush_split (DslChat  *self,
             gboolean  at_end)
{
  if (at_end)
    dsl_reasoning_splitter_finish (self->splitter, self->reasoning_buf, self->answer_buf);

  dsl_message_append (self->answer,
                      self->reasoning_buf->str, self->reasoning_buf->len,
                      self->answer_buf->str, self->answer_buf->len);
  g_string_truncate (self->reasoning_buf, 0);
  g_string_truncate (self->answer_buf, 0);
}

static void
delta_cb (const char *thinking,
          const char *content,
          gpointer    user_data)
{
  DslChat *self = user_data;

  g_assert (self->answer != NULL);

  dsl_reasoning_splitter_feed_thinking (self->splitter, thinking, self->reasoning_buf);
  dsl_reasoning_splitter_feed_content (self->splitter, content, self->reasoning_buf,
                                       self->answer_buf);
  flush_split (self, FALSE);
}

/* Ends the answer in progress, one way or another. */
static void
finish_answer (DslChat              *self,
               const GError         *error,
               const DslChatMetrics *metrics)
{
  g_autoptr(DslMessage) answer = g_object_ref (self->answer);

  flush_split (self, TRUE);
  g_clear_object (&self->answer);

  if (error == NULL)
    {
      dsl_message_complete (answer, metrics);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      dsl_message_set_state (answer, DSL_MESSAGE_STATE_STOPPED);
    }
  else
    {
      g_autofree char *text = dsl_ollama_error_describe (error);

      g_debug ("Answer failed: %s", error->message);
      dsl_message_fail (answer, text);
    }

  g_clear_pointer (&self->splitter, dsl_reasoning_splitter_free);
  g_clear_object (&self->cancellable);
  notify_busy (self);
}

static void
chat_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DslChat) self = user_data;
  g_autoptr(DslChatMetrics) metrics = NULL;
  g_autoptr(GError) error = NULL;

  metrics = dsl_ollama_client_chat_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (self->answer != NULL)
    finish_answer (self, error, metrics);
}

static void
start_chat (DslChat *self)
{
  g_autoptr(JsonArray) history = NULL;
  guint position;
  gpointer known = g_hash_table_lookup (self->can_think, self->model);

  /* Ask for reasoning only from a model that can reason: others answer 400 to `think`. */
  DslOllamaThink think = GPOINTER_TO_INT (known) == 2 ? DSL_OLLAMA_THINK_ON
                                                      : DSL_OLLAMA_THINK_DEFAULT;

  g_list_store_find (self->messages, self->answer, &position);
  history = dsl_chat_build_history (self, position);

  dsl_ollama_client_chat_async (self->client, self->model, history, think, delta_cb, self,
                                self->cancellable, chat_done_cb, g_object_ref (self));
}

static gboolean
has_capability (JsonObject *show,
                const char *capability)
{
  JsonArray *capabilities = dsl_json_get_array (show, "capabilities");

  for (guint i = 0; capabilities != NULL && i < json_array_get_length (capabilities); i++)
    {
      JsonNode *node = json_array_get_element (capabilities, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), capability) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
show_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DslChat) self = user_data;
  g_autoptr(JsonObject) show = NULL;
  g_autoptr(GError) error = NULL;

  show = dsl_ollama_client_show_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (self->answer == NULL)
    return;

  if (show == NULL)
    {
      finish_answer (self, error, NULL);
      return;
    }

  g_hash_table_insert (self->can_think, g_strdup (self->model),
                       GINT_TO_POINTER (1 + has_capability (show, "thinking")));
  start_chat (self);
}

static void
start_answer (DslChat *self)
{
  g_autoptr(DslMessage) answer = dsl_message_new (DSL_MESSAGE_ROLE_ASSISTANT, NULL);

  g_assert (self->answer == NULL);

  g_list_store_append (self->messages, answer);
  self->answer = g_steal_pointer (&answer);
  self->cancellable = g_cancellable_new ();
  self->splitter = dsl_reasoning_splitter_new ();
  notify_busy (self);

  if (self->model == NULL || self->model[0] == '\0')
    {
      g_autoptr(GError) error =
        g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND, "No model chosen");

      finish_answer (self, error, NULL);
      return;
    }

  if (g_hash_table_contains (self->can_think, self->model))
    start_chat (self);
  else
    dsl_ollama_client_show_async (self->client, self->model, self->cancellable, show_done_cb,
                                  g_object_ref (self));
}

/**
 * dsl_chat_send:
 * @text: what the person wrote
 *
 * Adds the person's message and starts streaming the answer.
 *
 * Returns: %FALSE when an answer is still streaming or @text is blank
 */
gboolean
dsl_chat_send (DslChat    *self,
               const char *text)
{
  g_autoptr(DslMessage) question = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (DSL_IS_CHAT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  trimmed = g_strstrip (g_strdup (text));
  if (self->answer != NULL || trimmed[0] == '\0')
    return FALSE;

  question = dsl_message_new (DSL_MESSAGE_ROLE_USER, trimmed);
  g_list_store_append (self->messages, question);
  start_answer (self);

  return TRUE;
}

/**
 * dsl_chat_stop:
 *
 * Stops the answer in progress: the request is cancelled, so the server stops generating, and
 * the text that arrived stays, marked as stopped.
 */
void
dsl_chat_stop (DslChat *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DSL_IS_CHAT (self));

  if (self->answer == NULL)
    return;

  g_cancellable_cancel (self->cancellable);

  /* Mark it at once; the request's callback finds nothing left to do. */
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped");
  finish_answer (self, error, NULL);
}

/**
 * dsl_chat_retry:
 *
 * Asks again for the last answer that failed or was stopped. The earlier try stays visible.
 *
 * Returns: whether a new answer was started
 */
gboolean
dsl_chat_retry (DslChat *self)
{
  g_return_val_if_fail (DSL_IS_CHAT (self), FALSE);

  if (!dsl_chat_can_retry (self))
    return FALSE;

  start_answer (self);
  return TRUE;
}
