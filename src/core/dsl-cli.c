/* dsl-cli.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-cli"

#include "config.h"

#include <glib-unix.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <signal.h>

#include "dsl-cli.h"
#include "dsl-hardware.h"
#include "dsl-model-catalog.h"
#include "dsl-ollama-installer.h"
#include "dsl-ollama-service.h"
#include "dsl-ollama-update.h"

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

typedef struct {
  GMainLoop         *loop;
  GCancellable      *cancellable;
  GAsyncResult      *result;
  gboolean           interactive;   /* a terminal: redraw one progress line */
  gint64             last_print;
} Install;

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Install *install = user_data;

  install->result = g_object_ref (result);
  g_main_loop_quit (install->loop);
}

static void
run_until_done (Install *install)
{
  g_clear_object (&install->result);
  g_main_loop_run (install->loop);
}

static gboolean
interrupted_cb (gpointer user_data)
{
  Install *install = user_data;

  g_cancellable_cancel (install->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
progress_cb (DslOllamaInstaller *installer,
             guint64             done,
             guint64             total,
             double              bytes_per_second,
             double              seconds_left,
             Install            *install)
{
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = g_format_size (total);
  g_autofree char *speed_text = g_format_size ((guint64) bytes_per_second);
  g_autofree char *left = NULL;
  gint64 now = g_get_monotonic_time ();

  /* Without a terminal (a log), one line every few seconds is plenty. */
  if (!install->interactive && done < total && now - install->last_print < 5 * G_USEC_PER_SEC)
    return;
  install->last_print = now;

  if (seconds_left < 0)
    left = g_strdup ("");
  else if (seconds_left < 90)
    left = g_strdup_printf (ngettext (", %d second left", ", %d seconds left",
                                      (int) seconds_left + 1), (int) seconds_left + 1);
  else
    left = g_strdup_printf (ngettext (", %d minute left", ", %d minutes left",
                                      (int) (seconds_left / 60) + 1),
                            (int) (seconds_left / 60) + 1);

  /* Translators: download progress: "120.5 MB of 1.6 GB (8.2 MB/s, 3 minutes left)" */
  g_print (_("%sDownloading Ollama: %s of %s (%s/s%s)%s"),
           install->interactive ? "\r\033[K" : "", done_text, total_text, speed_text, left,
           install->interactive ? "" : "\n");
}

/* A new step on its own line, after the progress line of the step before. */
static void
step_cb (DslOllamaUpdate *update,
         GParamSpec      *pspec,
         Install         *install)
{
  const char *step = dsl_ollama_update_get_step (update);

  if (step == NULL)
    return;
  if (install->interactive && install->last_print != 0)
    g_print ("\n");
  install->last_print = 0;
  g_print ("%s\n", step);
}

/**
 * dsl_cli_install_ollama:
 * @download_base_url: (nullable): a mirror with the release files, from the settings
 *
 * `deepseek-local --install-ollama`: installs or updates our own Ollama (and the ROCm add-on on a
 * machine whose AMD GPU ROCm supports), with a progress line; Ctrl+C stops and keeps what was
 * downloaded for the next run. The new server must answer before the previous install is removed;
 * it is stopped again at the end, as the app starts its own when it needs one.
 *
 * Returns: the exit status
 */
int
dsl_cli_install_ollama (const char *download_base_url)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(DslOllamaInstaller) installer = dsl_ollama_installer_new (NULL, download_base_url);
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslOllamaService) service = NULL;
  g_autoptr(DslOllamaUpdate) update = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  const char *install_dir = dsl_ollama_installer_get_install_dir (installer);
  Install install = { loop, cancellable, NULL, isatty (1), 0 };
  guint sigint;

  service = g_object_new (DSL_TYPE_OLLAMA_SERVICE, "install-dir", install_dir, NULL);
  update = dsl_ollama_update_new (installer, service);

  sigint = g_unix_signal_add (SIGINT, interrupted_cb, &install);
  g_signal_connect (installer, "progress", G_CALLBACK (progress_cb), &install);
  g_signal_connect (update, "notify::step", G_CALLBACK (step_cb), &install);

  dsl_ollama_update_run_async (update, NULL, cancellable, store_result_cb, &install);
  run_until_done (&install);
  release = dsl_ollama_update_run_finish (update, install.result, &warning, &error);
  if (install.interactive && install.last_print != 0)
    g_print ("\n");

  if (release == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr (_("Stopped. What was downloaded is kept: run this again to continue.\n"));
      else
        g_printerr ("%s\n", error->message);
    }
  else
    {
      /* The add-on failed: Ollama works, on the processor. */
      if (warning != NULL)
        g_printerr ("%s\n", warning);
      if (release->version != NULL)
        g_print (_("Ollama %s is installed in %s and starts.\n"), release->version, install_dir);
      else
        g_print (_("Ollama is installed in %s and starts.\n"), install_dir);
    }

  /* A server put back by a rollback is stopped too: the app starts its own. */
  dsl_ollama_service_stop_async (service, NULL, store_result_cb, &install);
  run_until_done (&install);
  dsl_ollama_service_stop_finish (service, install.result, NULL);

  g_source_remove (sigint);
  g_clear_object (&install.result);
  return release != NULL ? 0 : 1;
}
