/* dsl-reasoning-splitter.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DslReasoningSplitter DslReasoningSplitter;

DslReasoningSplitter *dsl_reasoning_splitter_new           (void);
void                  dsl_reasoning_splitter_free          (DslReasoningSplitter *self);
void                  dsl_reasoning_splitter_feed_content  (DslReasoningSplitter *self,
                                                            const char           *content,
                                                            GString              *reasoning,
                                                            GString              *answer);
void                  dsl_reasoning_splitter_feed_thinking (DslReasoningSplitter *self,
                                                            const char           *thinking,
                                                            GString              *reasoning);
void                  dsl_reasoning_splitter_finish        (DslReasoningSplitter *self,
                                                            GString              *reasoning,
                                                            GString              *answer);
gboolean              dsl_reasoning_splitter_in_reasoning  (DslReasoningSplitter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslReasoningSplitter, dsl_reasoning_splitter_free)

G_END_DECLS
