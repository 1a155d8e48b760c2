/* dsl-window.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dsl-application.h"

G_BEGIN_DECLS

#define DSL_TYPE_WINDOW (dsl_window_get_type ())

G_DECLARE_FINAL_TYPE (DslWindow, dsl_window, DSL, WINDOW, AdwApplicationWindow)

DslWindow *dsl_window_new (DslApplication *application,
                           GSettings      *settings);

G_END_DECLS
