/* dsl-chat-view.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dsl-chat.h"

G_BEGIN_DECLS

#define DSL_TYPE_CHAT_VIEW (dsl_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (DslChatView, dsl_chat_view, DSL, CHAT_VIEW, GtkWidget)

GtkWidget     *dsl_chat_view_new                 (void);
DslChat       *dsl_chat_view_get_chat            (DslChatView *self);
void           dsl_chat_view_set_chat            (DslChatView *self,
                                                  DslChat     *chat);
GtkTextBuffer *dsl_chat_view_get_composer_buffer (DslChatView *self);
GtkWidget     *dsl_chat_view_get_composer        (DslChatView *self);
GtkWidget     *dsl_chat_view_get_row             (DslChatView *self,
                                                  guint        position);
void           dsl_chat_view_focus_composer      (DslChatView *self);

G_END_DECLS
