/* dsl-about.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

GtkWidget *dsl_about_window_new (void);
void       dsl_about_show       (GtkWindow *parent);

G_END_DECLS
