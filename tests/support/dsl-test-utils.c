/* dsl-test-utils.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-test-utils.h"

static gboolean
wake_cb (gpointer user_data)
{
  gboolean *woke = user_data;

  *woke = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
keep_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * dsl_test_add_deadline:
 *
 * Returns: the id of a timeout that wakes the main loop every @timeout_ms + 1 ms; remove it
 */
guint
dsl_test_add_deadline (guint timeout_ms)
{
  return g_timeout_add (timeout_ms + 1, keep_cb, NULL);
}

/**
 * dsl_test_wait_ms:
 *
 * Lets the main loop run for @ms milliseconds (streams go on meanwhile).
 */
void
dsl_test_wait_ms (guint ms)
{
  gboolean woke = FALSE;

  g_timeout_add (ms, wake_cb, &woke);
  while (!woke)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * dsl_test_wait_until:
 *
 * Runs the main loop until @condition holds or @timeout_ms passed.
 *
 * Returns: whether the condition held
 */
gboolean
dsl_test_wait_until (DslTestCondition condition,
                     gpointer         user_data,
                     guint            timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, wake_cb, &timed_out);

  while (!condition (user_data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  return condition (user_data);
}

static gboolean
fatal_log_cb (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        user_data)
{
  /* libsoup's server warns when a client hangs up before it read the peer's address: exactly
   * what Stop and the disconnect scenarios do on purpose. */
  if (g_strcmp0 (domain, "libsoup") == 0 && strstr (message, "could not get remote address"))
    return FALSE;

  return TRUE;
}

/**
 * dsl_test_start_double:
 * @scenario_json: (nullable): the scenario
 *
 * Returns: (transfer full): an Ollama double listening on 127.0.0.1, on a port the kernel chose
 */
DslOllamaDouble *
dsl_test_start_double (const char *scenario_json)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_ollama_double_new ();
  g_autoptr(GError) error = NULL;

  g_test_log_set_fatal_handler (fatal_log_cb, NULL);

  dsl_ollama_double_listen (ollama, NULL, &error);
  g_assert_no_error (error);
  if (scenario_json != NULL)
    {
      dsl_ollama_double_set_scenario_json (ollama, scenario_json, &error);
      g_assert_no_error (error);
    }

  return g_steal_pointer (&ollama);
}

/**
 * dsl_test_unused_url:
 *
 * Returns: (transfer full): the address of a loopback port where nothing listens
 */
char *
dsl_test_unused_url (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  /* Bound but never listening, then closed: connecting there is refused. */
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

/**
 * dsl_test_last_request:
 * @path: an endpoint, such as "/api/chat"
 *
 * Returns: (transfer full) (nullable): what the double recorded of the last request to @path
 */
JsonObject *
dsl_test_last_request (DslOllamaDouble *ollama,
                       const char      *path)
{
  g_autoptr(JsonNode) requests = dsl_ollama_double_dup_requests (ollama);
  JsonArray *array = json_node_get_array (requests);

  for (guint i = json_array_get_length (array); i > 0; i--)
    {
      JsonObject *request = json_array_get_object_element (array, i - 1);

      if (g_strcmp0 (json_object_get_string_member (request, "path"), path) == 0)
        return json_object_ref (request);
    }

  return NULL;
}
