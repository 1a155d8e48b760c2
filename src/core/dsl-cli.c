/* dsl-cli.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-cli"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "dsl-cli.h"
#include "dsl-hardware.h"
#include "dsl-model-catalog.h"
#include "dsl-ollama-service.h"

/* `deepseek-local --check-hardware [--json]`: what this computer has, and for every DeepSeek-R1
 * model whether it runs here, before anything is downloaded. Runs its own main loop: the probe is
 * asynchronous like everywhere else. */

typedef struct {
  GMainLoop         *loop;
  DslHardwareReport *report;
  GError            *error;
} Probe;

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Probe *probe = user_data;

  probe->report = dsl_hardware_probe_finish (result, &probe->error);
  g_main_loop_quit (probe->loop);
}

/**
 * dsl_cli_check_hardware:
 * @json: print JSON (fields documented in the README) instead of text for a person
 *
 * Returns: the exit status
 */
int
dsl_cli_check_hardware (gboolean json)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(DslModelCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  const DslCatalogEntry *recommended;
  Probe probe = { loop, NULL, NULL };

  catalog = dsl_model_catalog_new_default (&error);
  if (catalog == NULL)
    {
      g_printerr (_("The model table could not be read: %s\n"), error->message);
      return 1;
    }

  dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &probe);
  g_main_loop_run (loop);
  if (probe.report == NULL)
    {
      g_printerr (_("This computer could not be examined: %s\n"), probe.error->message);
      g_clear_error (&probe.error);
      return 1;
    }

  recommended = dsl_model_catalog_recommend (catalog, probe.report, &reason);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "hardware");
      json_builder_add_value (builder, dsl_hardware_report_to_json (probe.report));
      json_builder_set_member_name (builder, "models");
      json_builder_add_value (builder, dsl_model_catalog_to_json (catalog, probe.report));
      json_builder_set_member_name (builder, "recommended");
      if (recommended != NULL)
        json_builder_add_string_value (builder, recommended->name);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "recommendation");
      json_builder_add_string_value (builder, reason != NULL ? reason : "");
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      text = json_to_string (root, TRUE);
      g_print ("%s\n", text);
    }
  else
    {
      g_autofree char *hardware = dsl_hardware_report_format (probe.report);
      g_autofree char *table = dsl_model_catalog_format_table (catalog, probe.report);

      /* The table ends with the recommendation, or why there is none. */
      g_print ("%s\n%s\n", hardware, table);
    }

  dsl_hardware_report_free (probe.report);
  return 0;
}

typedef struct {
  GMainLoop *loop;
  gboolean   ok;
  GError    *error;
} Wait;

static void
found_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = dsl_ollama_service_find_finish (DSL_OLLAMA_SERVICE (object), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  dsl_ollama_service_stop_finish (DSL_OLLAMA_SERVICE (object), result, NULL);
  g_main_loop_quit (wait->loop);
}

/**
 * dsl_cli_server_status:
 * @configured_url: (nullable): the server address from the settings
 *
 * `deepseek-local --server-status`: finds the server the app would use, as the app does at
 * start (our own one is started to see that it answers, and stopped again), and says which it
 * is and in what state.
 *
 * Returns: the exit status: 0 when a server answers, 1 when none does
 */
int
dsl_cli_server_status (const char *configured_url)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(DslOllamaService) service = dsl_ollama_service_new (configured_url);
  g_autofree char *status = NULL;
  Wait wait = { loop, FALSE, NULL };

  dsl_ollama_service_find_async (service, NULL, found_cb, &wait);
  g_main_loop_run (loop);

  status = dsl_ollama_service_format_status (service);
  g_print ("%s\n", status);
  g_clear_error (&wait.error);

  if (dsl_ollama_service_get_kind (service) == DSL_OLLAMA_SERVER_KIND_MANAGED)
    {
      dsl_ollama_service_stop_async (service, NULL, stopped_cb, &wait);
      g_main_loop_run (loop);
    }

  return wait.ok ? 0 : 1;
}
