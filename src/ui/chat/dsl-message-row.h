/* dsl-message-row.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dsl-chat.h"
#include "dsl-message.h"
#include "dsl-reasoning-section.h"

G_BEGIN_DECLS

#define DSL_TYPE_MESSAGE_ROW (dsl_message_row_get_type ())

G_DECLARE_FINAL_TYPE (DslMessageRow, dsl_message_row, DSL, MESSAGE_ROW, GtkWidget)

GtkWidget           *dsl_message_row_new             (DslChat       *chat,
                                                      DslMessage    *message);
DslMessage          *dsl_message_row_get_message     (DslMessageRow *self);
DslReasoningSection *dsl_message_row_get_reasoning   (DslMessageRow *self);
char                *dsl_message_row_dup_answer_text (DslMessageRow *self);
const char          *dsl_message_row_get_status_text (DslMessageRow *self);
GtkWidget           *dsl_message_row_get_retry_button (DslMessageRow *self);

G_END_DECLS
