/* dsl-ollama-double-main.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The Ollama double as a program, for UI tests, installer tests and
 * benchmarks: `dsl-ollama-double [serve] [--scenario FILE]`. It listens where
 * OLLAMA_HOST says and logs "Listening on ..." to stderr as Ollama does.
 *
 * For the service tests: DSL_DOUBLE_INFERENCE_COMPUTE="library=CUDA name=..."
 * logs an `inference compute` line with those fields after listening, and
 * DSL_DOUBLE_CRASH_AFTER_MS=N makes it die N ms after listening, with a panic
 * line and status 2 as a Go program does. */

#define G_LOG_DOMAIN "dsl-ollama-double"

#include "config.h"

#include "dsl-ollama-double.h"

#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

#define DEFAULT_HOST "127.0.0.1:11434"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
log_line (const char *level,
          const char *message)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%f%:z");

  g_printerr ("time=%s level=%s source=routes.go:1554 msg=\"%s\"\n", time, level, message);
}

/* "127.0.0.1:11434" as Go's net.Listen would name it in an error. */
static char *
listen_address (const char *host)
{
  g_autofree char *spec = g_strstrip (g_strdup (host));
  const char *start = strstr (spec, "://");
  char *slash;

  start = start != NULL ? start + 3 : spec;
  if ((slash = strchr (start, '/')) != NULL)
    *slash = '\0';

  if (*start == '\0')
    return g_strdup (DEFAULT_HOST);
  if (strrchr (start, ':') == NULL || (start[0] == '[' && g_str_has_suffix (start, "]")))
    return g_strdup_printf ("%s:11434", start);

  return g_strdup (start);
}

static gboolean
crash_cb (gpointer user_data)
{
  g_printerr ("panic: crash asked for by DSL_DOUBLE_CRASH_AFTER_MS\n");
  exit (2);
  return G_SOURCE_REMOVE;
}

static void
request_finished_cb (DslOllamaDouble *self,
                     const char      *path,
                     gpointer         user_data)
{
  g_debug ("Request to %s finished", path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(DslOllamaDouble) self = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *scenario_file = NULL;
  g_autofree char *scenario = NULL;
  g_autofree char *message = NULL;
  g_autofree char *url = NULL;
  gboolean version = FALSE;
  const char *host;
  guint sigterm_id;
  guint sigint_id;
  const GOptionEntry entries[] = {
    { "scenario", 0, 0, G_OPTION_ARG_FILENAME, &scenario_file,
      "Play the scenario in FILE (JSON); else $DSL_DOUBLE_SCENARIO", "FILE" },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, "Show the version and exit", NULL },
    { NULL }
  };

  context = g_option_context_new ("[serve] - a stand-in for the Ollama server");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("Error: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (argc > 2 || (argc == 2 && g_strcmp0 (argv[1], "serve") != 0))
    {
      g_printerr ("Error: unknown command \"%s\" for \"ollama\"\n", argv[1]);
      return EXIT_FAILURE;
    }

  self = dsl_ollama_double_new ();

  if (scenario_file != NULL)
    {
      if (!g_file_get_contents (scenario_file, &scenario, NULL, &error))
        {
          g_printerr ("Error: %s\n", error->message);
          return EXIT_FAILURE;
        }
    }
  else
    {
      scenario = g_strdup (g_getenv ("DSL_DOUBLE_SCENARIO"));
    }

  if (!dsl_ollama_double_set_scenario_json (self, scenario, &error))
    {
      g_printerr ("Error: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (version)
    {
      g_print ("ollama version is %s\n", dsl_ollama_double_get_version (self));
      return EXIT_SUCCESS;
    }

  host = g_getenv ("OLLAMA_HOST");
  if (host == NULL || *host == '\0')
    host = DEFAULT_HOST;

  if (!dsl_ollama_double_listen (self, host, &error))
    {
      g_autofree char *address = listen_address (host);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_printerr ("Error: listen tcp %s: bind: address already in use\n", address);
      else
        g_printerr ("Error: listen tcp %s: %s\n", address, error->message);
      return EXIT_FAILURE;
    }

  url = dsl_ollama_double_dup_url (self);
  message = g_strdup_printf ("Listening on %s (version %s)", url + strlen ("http://"),
                             dsl_ollama_double_get_version (self));
  log_line ("INFO", message);

  if (g_getenv ("DSL_DOUBLE_INFERENCE_COMPUTE") != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%f%:z");

      g_printerr ("time=%s level=INFO source=types.go:130 msg=\"inference compute\" %s\n",
                  time, g_getenv ("DSL_DOUBLE_INFERENCE_COMPUTE"));
    }
  if (g_getenv ("DSL_DOUBLE_CRASH_AFTER_MS") != NULL)
    g_timeout_add (atoi (g_getenv ("DSL_DOUBLE_CRASH_AFTER_MS")), crash_cb, NULL);

  g_signal_connect (self, "request-finished", G_CALLBACK (request_finished_cb), NULL);

  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

  return EXIT_SUCCESS;
}
