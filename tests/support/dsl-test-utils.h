/* dsl-test-utils.h: helpers shared by the tests
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dsl-ollama-double.h"

G_BEGIN_DECLS

typedef gboolean (*DslTestCondition) (gpointer user_data);

gboolean         dsl_test_wait_until        (DslTestCondition  condition,
                                             gpointer          user_data,
                                             guint             timeout_ms);
void             dsl_test_wait_ms           (guint             ms);
DslOllamaDouble *dsl_test_start_double      (const char       *scenario_json);
char            *dsl_test_unused_url        (void);
JsonObject      *dsl_test_last_request      (DslOllamaDouble  *ollama,
                                             const char       *path);

/* A wake-up at the deadline, so that a wait on a quiet main loop ends there too. */
guint            dsl_test_add_deadline      (guint             timeout_ms);

#define dsl_test_assert_wait(cond_expr, timeout_ms) \
  G_STMT_START { \
    gint64 _deadline = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000; \
    guint _wake = dsl_test_add_deadline (timeout_ms); \
    while (!(cond_expr) && g_get_monotonic_time () < _deadline) \
      g_main_context_iteration (NULL, TRUE); \
    g_source_remove (_wake); \
    if (!(cond_expr)) \
      g_error ("Timed out after %d ms waiting for: %s", (int) (timeout_ms), #cond_expr); \
  } G_STMT_END

G_END_DECLS
