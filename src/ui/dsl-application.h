/* dsl-application.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DSL_TYPE_APPLICATION (dsl_application_get_type ())

G_DECLARE_FINAL_TYPE (DslApplication, dsl_application, DSL, APPLICATION, AdwApplication)

void            dsl_application_init_i18n    (void);
DslApplication *dsl_application_new          (void);
GSettings      *dsl_application_get_settings (DslApplication *self);
struct _DslOllamaService;
struct _DslOllamaService *dsl_application_get_service (DslApplication *self);

G_END_DECLS
