/* dsl-ui-util.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void dsl_ui_name_mnemonic_buttons (GtkWidget *root);
void dsl_ui_set_button_label      (GtkButton *button,
                                   const char *label);

G_END_DECLS
