/* dsl-preferences-window.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DSL_TYPE_PREFERENCES_WINDOW (dsl_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (DslPreferencesWindow, dsl_preferences_window, DSL, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

DslPreferencesWindow *dsl_preferences_window_new (GSettings *settings);

G_END_DECLS
