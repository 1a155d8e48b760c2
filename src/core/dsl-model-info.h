/* dsl-model-info.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DSL_TYPE_MODEL_INFO (dsl_model_info_get_type ())

G_DECLARE_FINAL_TYPE (DslModelInfo, dsl_model_info, DSL, MODEL_INFO, GObject)

DslModelInfo *dsl_model_info_new_from_json          (JsonObject   *object);
const char   *dsl_model_info_get_name               (DslModelInfo *self);
guint64       dsl_model_info_get_size               (DslModelInfo *self);
const char   *dsl_model_info_get_family             (DslModelInfo *self);
const char   *dsl_model_info_get_parameter_size     (DslModelInfo *self);
const char   *dsl_model_info_get_quantization_level (DslModelInfo *self);

G_END_DECLS
