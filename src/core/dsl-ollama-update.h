/* dsl-ollama-update.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dsl-hardware.h"
#include "dsl-ollama-installer.h"
#include "dsl-ollama-service.h"

G_BEGIN_DECLS

#define DSL_TYPE_OLLAMA_UPDATE (dsl_ollama_update_get_type ())

G_DECLARE_FINAL_TYPE (DslOllamaUpdate, dsl_ollama_update, DSL, OLLAMA_UPDATE, GObject)

DslOllamaUpdate    *dsl_ollama_update_new           (DslOllamaInstaller       *installer,
                                                     DslOllamaService         *service);
DslOllamaInstaller *dsl_ollama_update_get_installer (DslOllamaUpdate          *self);
DslOllamaService   *dsl_ollama_update_get_service   (DslOllamaUpdate          *self);
const char         *dsl_ollama_update_get_step      (DslOllamaUpdate          *self);

void                dsl_ollama_update_run_async     (DslOllamaUpdate          *self,
                                                     const DslHardwareReport  *report,
                                                     GCancellable             *cancellable,
                                                     GAsyncReadyCallback       callback,
                                                     gpointer                  user_data);
DslOllamaRelease   *dsl_ollama_update_run_finish    (DslOllamaUpdate          *self,
                                                     GAsyncResult             *result,
                                                     char                    **warning,
                                                     GError                  **error);

G_END_DECLS
