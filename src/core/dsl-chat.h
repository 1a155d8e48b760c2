/* dsl-chat.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dsl-message.h"
#include "dsl-ollama-client.h"

G_BEGIN_DECLS

#define DSL_TYPE_CHAT (dsl_chat_get_type ())

G_DECLARE_FINAL_TYPE (DslChat, dsl_chat, DSL, CHAT, GObject)

DslChat         *dsl_chat_new          (DslOllamaClient *client);
DslOllamaClient *dsl_chat_get_client   (DslChat         *self);
GListModel      *dsl_chat_get_messages (DslChat         *self);
const char      *dsl_chat_get_model    (DslChat         *self);
void             dsl_chat_set_model    (DslChat         *self,
                                        const char      *model);
gboolean         dsl_chat_get_busy     (DslChat         *self);
gboolean         dsl_chat_can_retry    (DslChat         *self);
gboolean         dsl_chat_send         (DslChat         *self,
                                        const char      *text);
void             dsl_chat_stop         (DslChat         *self);
gboolean         dsl_chat_retry        (DslChat         *self);
JsonArray       *dsl_chat_build_history (DslChat        *self,
                                        guint            before);

G_END_DECLS
