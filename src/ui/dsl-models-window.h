/* dsl-models-window.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dsl-ollama-client.h"

G_BEGIN_DECLS

#define DSL_TYPE_MODELS_WINDOW (dsl_models_window_get_type ())

G_DECLARE_FINAL_TYPE (DslModelsWindow, dsl_models_window, DSL, MODELS_WINDOW, AdwWindow)

DslModelsWindow *dsl_models_window_new               (DslOllamaClient *client);
GtkListBox      *dsl_models_window_get_model_list    (DslModelsWindow *self);
AdwEntryRow     *dsl_models_window_get_pull_row      (DslModelsWindow *self);
GtkWidget       *dsl_models_window_get_delete_button (DslModelsWindow *self,
                                                      const char      *model);
const char      *dsl_models_window_get_error_text    (DslModelsWindow *self);
const char      *dsl_models_window_get_progress_text (DslModelsWindow *self);

G_END_DECLS
