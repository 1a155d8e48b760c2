/* dsl-message.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "dsl-ollama-client.h"

G_BEGIN_DECLS

typedef enum {
  DSL_MESSAGE_ROLE_USER,
  DSL_MESSAGE_ROLE_ASSISTANT,
} DslMessageRole;

typedef enum {
  DSL_MESSAGE_STATE_COMPLETE,  /* a user's message, or a finished answer */
  DSL_MESSAGE_STATE_WAITING,   /* sent; nothing has arrived yet (the model may be loading) */
  DSL_MESSAGE_STATE_THINKING,  /* reasoning is arriving */
  DSL_MESSAGE_STATE_ANSWERING, /* the answer is arriving */
  DSL_MESSAGE_STATE_STOPPED,   /* the person stopped it; what arrived stays */
  DSL_MESSAGE_STATE_FAILED,    /* an error ended it; what arrived stays */
} DslMessageState;

#define DSL_TYPE_MESSAGE_ROLE (dsl_message_role_get_type ())
#define DSL_TYPE_MESSAGE_STATE (dsl_message_state_get_type ())
GType dsl_message_role_get_type  (void) G_GNUC_CONST;
GType dsl_message_state_get_type (void) G_GNUC_CONST;

#define DSL_TYPE_MESSAGE (dsl_message_get_type ())

G_DECLARE_FINAL_TYPE (DslMessage, dsl_message, DSL, MESSAGE, GObject)

DslMessage      *dsl_message_new                   (DslMessageRole     role,
                                                    const char        *content);
DslMessageRole   dsl_message_get_role              (DslMessage        *self);
DslMessageState  dsl_message_get_state             (DslMessage        *self);
void             dsl_message_set_state             (DslMessage        *self,
                                                    DslMessageState    state);
gboolean         dsl_message_is_streaming          (DslMessage        *self);
const char      *dsl_message_get_content           (DslMessage        *self);
const char      *dsl_message_get_reasoning         (DslMessage        *self);
void             dsl_message_append                (DslMessage        *self,
                                                    const char        *reasoning,
                                                    gsize              reasoning_len,
                                                    const char        *answer,
                                                    gsize              answer_len);
gint64           dsl_message_get_thinking_time     (DslMessage        *self);
const char      *dsl_message_get_error_message     (DslMessage        *self);
void             dsl_message_fail                  (DslMessage        *self,
                                                    const char        *error_message);
const DslChatMetrics *dsl_message_get_metrics      (DslMessage        *self);
void             dsl_message_complete              (DslMessage        *self,
                                                    const DslChatMetrics *metrics);

G_END_DECLS
