/* dsl-stream-view.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DSL_TYPE_STREAM_VIEW (dsl_stream_view_get_type ())

G_DECLARE_FINAL_TYPE (DslStreamView, dsl_stream_view, DSL, STREAM_VIEW, GtkWidget)

GtkWidget  *dsl_stream_view_new      (void);
void        dsl_stream_view_append   (DslStreamView *self,
                                      const char    *text,
                                      gsize          len);
void        dsl_stream_view_set_text (DslStreamView *self,
                                      const char    *text);
char       *dsl_stream_view_dup_text (DslStreamView *self);
gboolean    dsl_stream_view_is_empty (DslStreamView *self);

G_END_DECLS
