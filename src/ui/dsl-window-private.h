/* dsl-window-private.h: what tests look at, the way a person would see it
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "chat/dsl-chat-view.h"
#include "dsl-setup-wizard.h"
#include "dsl-window.h"

G_BEGIN_DECLS

DslChatView *dsl_window_get_chat_view       (DslWindow *self);
const char  *dsl_window_get_page            (DslWindow *self);
DslSetupWizard *dsl_window_get_setup_wizard (DslWindow *self);
GtkDropDown *dsl_window_get_model_dropdown  (DslWindow *self);

G_END_DECLS
