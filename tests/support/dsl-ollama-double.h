/* dsl-ollama-double.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DSL_TYPE_OLLAMA_DOUBLE (dsl_ollama_double_get_type ())

G_DECLARE_FINAL_TYPE (DslOllamaDouble, dsl_ollama_double, DSL, OLLAMA_DOUBLE, GObject)

DslOllamaDouble *dsl_ollama_double_new               (void);
gboolean         dsl_ollama_double_listen            (DslOllamaDouble  *self,
                                                      const char       *host,
                                                      GError          **error);
char            *dsl_ollama_double_dup_url           (DslOllamaDouble  *self);
guint16          dsl_ollama_double_get_port          (DslOllamaDouble  *self);
const char      *dsl_ollama_double_get_version       (DslOllamaDouble  *self);
gboolean         dsl_ollama_double_set_scenario_json (DslOllamaDouble  *self,
                                                      const char       *json,
                                                      GError          **error);
void             dsl_ollama_double_reset_requests    (DslOllamaDouble  *self);
JsonNode        *dsl_ollama_double_dup_requests      (DslOllamaDouble  *self);
guint            dsl_ollama_double_get_n_requests    (DslOllamaDouble  *self,
                                                      const char       *path);
guint            dsl_ollama_double_get_n_active      (DslOllamaDouble  *self);

G_END_DECLS
