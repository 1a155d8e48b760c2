/* dsl-sha256.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DslSha256 DslSha256;

DslSha256  *dsl_sha256_new        (void);
void        dsl_sha256_free       (DslSha256  *self);
void        dsl_sha256_reset      (DslSha256  *self);
void        dsl_sha256_update     (DslSha256  *self,
                                   const void *data,
                                   gsize       len);
const char *dsl_sha256_get_string (DslSha256  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslSha256, dsl_sha256_free)

G_END_DECLS
