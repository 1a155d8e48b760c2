/* dsl-message.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-message"

#include "config.h"

#include "dsl-message.h"

/* One message of a chat. An answer grows while it streams: the "appended" signal carries each
 * delta so that a view can add just the new text instead of redrawing all of it, which would make
 * a long answer cost the square of its length. */
struct _DslMessage
{
  GObject          parent_instance;

  DslMessageRole   role;
  DslMessageState  state;
  GString         *content;
  GString         *reasoning;
  char            *error_message;
  DslChatMetrics  *metrics;
  gint64           thinking_started;   /* monotonic µs of the first reasoning, or 0 */
  gint64           thinking_time;      /* µs spent reasoning, known once it ended */
};

G_DEFINE_FINAL_TYPE (DslMessage, dsl_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DslMessageRole, dsl_message_role,
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_ROLE_USER, "user"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_ROLE_ASSISTANT, "assistant"))

G_DEFINE_ENUM_TYPE (DslMessageState, dsl_message_state,
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_COMPLETE, "complete"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_THINKING, "thinking"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_ANSWERING, "answering"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_STOPPED, "stopped"),
                    G_DEFINE_ENUM_VALUE (DSL_MESSAGE_STATE_FAILED, "failed"))

enum {
  PROP_0,
  PROP_ROLE,
  PROP_STATE,
  PROP_THINKING_TIME,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

enum {
  APPENDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
dsl_message_finalize (GObject *object)
{
  DslMessage *self = DSL_MESSAGE (object);

  g_string_free (self->content, TRUE);
  g_string_free (self->reasoning, TRUE);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->metrics, dsl_chat_metrics_free);

  G_OBJECT_CLASS (dsl_message_parent_class)->finalize (object);
}

static void
dsl_message_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DslMessage *self = DSL_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_THINKING_TIME:
      g_value_set_int64 (value, self->thinking_time);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_message_class_init (DslMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dsl_message_finalize;
  object_class->get_property = dsl_message_get_property;

  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL, DSL_TYPE_MESSAGE_ROLE, DSL_MESSAGE_ROLE_USER,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, DSL_TYPE_MESSAGE_STATE, DSL_MESSAGE_STATE_COMPLETE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THINKING_TIME] =
    g_param_spec_int64 ("thinking-time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DslMessage::appended:
   * @reasoning: (nullable): new reasoning text
   * @answer: (nullable): new answer text
   *
   * Text was added to the message.
   */
  signals[APPENDED] =
    g_signal_new ("appended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
dsl_message_init (DslMessage *self)
{
  self->content = g_string_new (NULL);
  self->reasoning = g_string_new (NULL);
}

/**
 * dsl_message_new:
 * @role: who wrote it
 * @content: (nullable): its text; an assistant message starts empty and waiting
 */
DslMessage *
dsl_message_new (DslMessageRole  role,
                 const char     *content)
{
  DslMessage *self = g_object_new (DSL_TYPE_MESSAGE, NULL);

  self->role = role;
  if (content != NULL)
    g_string_assign (self->content, content);
  self->state = role == DSL_MESSAGE_ROLE_ASSISTANT && content == NULL
    ? DSL_MESSAGE_STATE_WAITING
    : DSL_MESSAGE_STATE_COMPLETE;

  return self;
}

DslMessageRole
dsl_message_get_role (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), DSL_MESSAGE_ROLE_USER);

  return self->role;
}

DslMessageState
dsl_message_get_state (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), DSL_MESSAGE_STATE_COMPLETE);

  return self->state;
}

/**
 * dsl_message_is_streaming:
 *
 * Returns: whether the answer is still being generated
 */
gboolean
dsl_message_is_streaming (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), FALSE);

  return self->state == DSL_MESSAGE_STATE_WAITING ||
         self->state == DSL_MESSAGE_STATE_THINKING ||
         self->state == DSL_MESSAGE_STATE_ANSWERING;
}

static void
end_thinking (DslMessage *self)
{
  if (self->thinking_started == 0 || self->thinking_time != 0)
    return;

  self->thinking_time = MAX (1, g_get_monotonic_time () - self->thinking_started);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THINKING_TIME]);
}

/**
 * dsl_message_set_state:
 *
 * Moves the message on; leaving the reasoning phase fixes how long it thought.
 */
void
dsl_message_set_state (DslMessage      *self,
                       DslMessageState  state)
{
  g_return_if_fail (DSL_IS_MESSAGE (self));

  if (self->state == state)
    return;

  if (state == DSL_MESSAGE_STATE_THINKING && self->thinking_started == 0)
    self->thinking_started = g_get_monotonic_time ();
  else if (state != DSL_MESSAGE_STATE_THINKING)
    end_thinking (self);

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
dsl_message_get_content (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), NULL);

  return self->content->str;
}

const char *
dsl_message_get_reasoning (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), NULL);

  return self->reasoning->str;
}

/**
 * dsl_message_append:
 * @reasoning: (nullable): reasoning text to add
 * @reasoning_len: its length in bytes
 * @answer: (nullable): answer text to add
 * @answer_len: its length in bytes
 *
 * Adds streamed text and moves the state to thinking or answering accordingly.
 */
void
dsl_message_append (DslMessage *self,
                    const char *reasoning,
                    gsize       reasoning_len,
                    const char *answer,
                    gsize       answer_len)
{
  g_autofree char *r = NULL;
  g_autofree char *a = NULL;

  g_return_if_fail (DSL_IS_MESSAGE (self));

  if (reasoning_len == 0 && answer_len == 0)
    return;

  if (reasoning_len > 0)
    {
      if (self->state == DSL_MESSAGE_STATE_WAITING)
        dsl_message_set_state (self, DSL_MESSAGE_STATE_THINKING);
      g_string_append_len (self->reasoning, reasoning, reasoning_len);
      r = g_strndup (reasoning, reasoning_len);
    }

  if (answer_len > 0)
    {
      if (self->state == DSL_MESSAGE_STATE_WAITING || self->state == DSL_MESSAGE_STATE_THINKING)
        dsl_message_set_state (self, DSL_MESSAGE_STATE_ANSWERING);
      g_string_append_len (self->content, answer, answer_len);
      a = g_strndup (answer, answer_len);
    }

  g_signal_emit (self, signals[APPENDED], 0, r, a);
}

/**
 * dsl_message_get_thinking_time:
 *
 * Returns: microseconds spent reasoning: final once the answer started, else counting
 */
gint64
dsl_message_get_thinking_time (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), 0);

  if (self->thinking_time != 0)
    return self->thinking_time;
  if (self->thinking_started != 0)
    return g_get_monotonic_time () - self->thinking_started;

  return 0;
}

const char *
dsl_message_get_error_message (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), NULL);

  return self->error_message;
}

/**
 * dsl_message_fail:
 * @error_message: a translated sentence for the person
 *
 * Ends the message with an error; what arrived before stays.
 */
void
dsl_message_fail (DslMessage *self,
                  const char *error_message)
{
  g_return_if_fail (DSL_IS_MESSAGE (self));

  if (g_strcmp0 (self->error_message, error_message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }

  dsl_message_set_state (self, DSL_MESSAGE_STATE_FAILED);
}

/**
 * dsl_message_get_metrics:
 *
 * Returns: (nullable): the server's figures for a finished answer
 */
const DslChatMetrics *
dsl_message_get_metrics (DslMessage *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE (self), NULL);

  return self->metrics;
}

/**
 * dsl_message_complete:
 * @metrics: (nullable): the final chunk's figures
 */
void
dsl_message_complete (DslMessage           *self,
                      const DslChatMetrics *metrics)
{
  g_return_if_fail (DSL_IS_MESSAGE (self));

  g_clear_pointer (&self->metrics, dsl_chat_metrics_free);
  if (metrics != NULL)
    self->metrics = dsl_chat_metrics_copy (metrics);

  dsl_message_set_state (self, DSL_MESSAGE_STATE_COMPLETE);
}
