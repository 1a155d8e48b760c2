/* dsl-server-log-window.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dsl-ollama-service.h"

G_BEGIN_DECLS

#define DSL_TYPE_SERVER_LOG_WINDOW (dsl_server_log_window_get_type ())

G_DECLARE_FINAL_TYPE (DslServerLogWindow, dsl_server_log_window, DSL, SERVER_LOG_WINDOW, AdwWindow)

DslServerLogWindow *dsl_server_log_window_new      (DslOllamaService   *service);
char               *dsl_server_log_window_dup_text (DslServerLogWindow *self);

G_END_DECLS
