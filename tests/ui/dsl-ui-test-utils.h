/* dsl-ui-test-utils.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dsl-window-private.h"

G_BEGIN_DECLS

void        dsl_ui_test_init            (int        *argc,
                                         char     ***argv);
GSettings  *dsl_ui_test_settings        (void);
DslWindow  *dsl_ui_test_open_window     (const char *ollama_url,
                                         GSettings  *settings);
void        dsl_ui_test_close_window    (DslWindow  *window);
void        dsl_ui_test_screenshot      (GtkWidget  *widget,
                                         const char *name);
void        dsl_ui_test_send            (DslWindow  *window,
                                         const char *text);
GtkWidget  *dsl_ui_test_last_row        (DslWindow  *window);
GtkWidget  *dsl_ui_test_find_expander   (GtkWidget  *root);
void        dsl_ui_test_click_label     (GtkWidget  *root,
                                         const char *label);
void        dsl_ui_test_click           (GtkButton  *button);

G_END_DECLS
