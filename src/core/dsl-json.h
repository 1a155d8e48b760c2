/* dsl-json.h: type-checked JSON accessors that fall back to a default
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

const char *dsl_json_get_string  (JsonObject *object,
                                  const char *member,
                                  const char *default_value);
gint64      dsl_json_get_int     (JsonObject *object,
                                  const char *member,
                                  gint64      default_value);
gboolean    dsl_json_get_boolean (JsonObject *object,
                                  const char *member,
                                  gboolean    default_value);
JsonObject *dsl_json_get_object  (JsonObject *object,
                                  const char *member);
JsonArray  *dsl_json_get_array   (JsonObject *object,
                                  const char *member);

G_END_DECLS
