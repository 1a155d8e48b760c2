/* dsl-reasoning-section.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dsl-message.h"

G_BEGIN_DECLS

#define DSL_TYPE_REASONING_SECTION (dsl_reasoning_section_get_type ())

G_DECLARE_FINAL_TYPE (DslReasoningSection, dsl_reasoning_section, DSL, REASONING_SECTION, GtkWidget)

GtkWidget     *dsl_reasoning_section_new          (void);
DslMessage    *dsl_reasoning_section_get_message  (DslReasoningSection *self);
void           dsl_reasoning_section_set_message  (DslReasoningSection *self,
                                                   DslMessage          *message);
void           dsl_reasoning_section_append       (DslReasoningSection *self,
                                                   const char          *text,
                                                   gsize                len);
gboolean       dsl_reasoning_section_get_expanded (DslReasoningSection *self);
void           dsl_reasoning_section_set_expanded (DslReasoningSection *self,
                                                   gboolean             expanded);
const char    *dsl_reasoning_section_get_title    (DslReasoningSection *self);
char          *dsl_reasoning_section_dup_text     (DslReasoningSection *self);

G_END_DECLS
