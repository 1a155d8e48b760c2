/* dsl-ollama-update.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-update"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "dsl-ollama-update.h"

/* The whole install or update of our own Ollama, as the command line and the window both do it:
 * our running server stopped (so that no old binary keeps running after the swap), Ollama
 * installed, the ROCm add-on where an AMD card can use it, the new server started, and only
 * once it answers the previous install deleted; else the previous one is put back and started
 * again. The installer and the service each do one of these things; this is their order. */
struct _DslOllamaUpdate
{
  GObject             parent_instance;

  DslOllamaInstaller *installer;
  DslOllamaService   *service;
  char               *step;
  gboolean            running;
};

G_DEFINE_FINAL_TYPE (DslOllamaUpdate, dsl_ollama_update, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INSTALLER,
  PROP_SERVICE,
  PROP_STEP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  DslHardwareReport *report;        /* NULL until given or probed */
  DslOllamaRelease  *release;
  char              *warning;
  GError            *error;         /* what ends the run, once the previous server runs again */
  gboolean           stopped;       /* our server was running and we stopped it */
  gboolean           had_previous;  /* an install was there: a rollback has something to use */
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_pointer (&data->report, dsl_hardware_report_free);
  g_clear_pointer (&data->release, dsl_ollama_release_free);
  g_free (data->warning);
  g_clear_error (&data->error);
  g_free (data);
}

static void
set_step (DslOllamaUpdate *self,
          const char      *step)
{
  if (g_strcmp0 (step, self->step) == 0)
    return;

  g_free (self->step);
  self->step = g_strdup (step);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
}

/* Every end of a run goes through here: the step is over, and another run may start. */
static void
finish (GTask  *task,
        GError *error)
{
  DslOllamaUpdate *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);

  self->running = FALSE;
  set_step (self, NULL);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&data->release),
                           (GDestroyNotify) dsl_ollama_release_free);
}

static gboolean
has_rocm_gpu (const DslHardwareReport *report)
{
  for (guint i = 0; report != NULL && report->gpus != NULL && i < report->gpus->len; i++)
    {
      const DslGpu *gpu = g_ptr_array_index (report->gpus, i);

      if (gpu->vendor == DSL_GPU_VENDOR_AMD && gpu->library == DSL_GPU_LIBRARY_ROCM)
        return TRUE;
    }

  return FALSE;
}

/* Going back *********************************************************************************/

static void
previous_started_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_service_start_managed_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    g_message ("The previous Ollama does not start again either: %s", error->message);

  finish (task, g_steal_pointer (&data->error));
}

/* The install did not go ahead, or was undone: our server, stopped for it, runs again. Not
 * cancellable: it puts back what the user had. */
static void
restart_previous (GTask  *task,
                  GError *error)
{
  DslOllamaUpdate *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);

  g_clear_error (&data->error);
  data->error = error;

  if (!data->stopped)
    {
      finish (task, g_steal_pointer (&data->error));
      return;
    }

  set_step (self, _("Starting Ollama…"));
  dsl_ollama_service_start_managed_async (self->service, NULL, previous_started_cb,
                                          g_object_ref (task));
}

static void
rolled_back_started_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) start_error = g_steal_pointer (&data->error);

  if (dsl_ollama_service_start_managed_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    /* Translators: the last %s is why the new server did not start, a sentence or more */
    finish (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_START_FAILED,
                               _("The new version of Ollama does not start, so the previous "
                                 "version is back in place and running. %s"),
                               start_error->message));
  else
    /* Translators: the last %s is why the new server did not start, a sentence or more */
    finish (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_START_FAILED,
                               _("The new version of Ollama does not start, and the previous "
                                 "version, put back in place, does not start either. %s"),
                               start_error->message));
}

static void
rolled_back_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaUpdate *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_installer_rollback_finish (DSL_OLLAMA_INSTALLER (object), result, &error))
    {
      /* Translators: %s says why the previous version could not be put back */
      finish (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_START_FAILED,
                                 _("The new version of Ollama does not start, and the previous "
                                   "version could not be put back. %s"), error->message));
      return;
    }

  set_step (self, _("Starting Ollama…"));
  dsl_ollama_service_start_managed_async (self->service, NULL, rolled_back_started_cb,
                                          g_object_ref (task));
}

/* Going ahead ********************************************************************************/

static void
previous_removed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* Only disk space is lost: the new install answers. */
  if (!dsl_ollama_installer_remove_previous_finish (DSL_OLLAMA_INSTALLER (object), result,
                                                    &error))
    g_warning ("Could not delete the previous Ollama: %s", error->message);

  finish (task, NULL);
}

static void
new_started_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaUpdate *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (dsl_ollama_service_start_managed_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    {
      dsl_ollama_installer_remove_previous_async (self->installer, NULL, previous_removed_cb,
                                                  g_object_ref (task));
      return;
    }

  if (!data->had_previous)
    {
      /* Translators: %s is why the server did not start, a sentence or more */
      finish (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_START_FAILED,
                                 _("Ollama was installed, but it does not start. %s"),
                                 error->message));
      return;
    }

  data->error = g_steal_pointer (&error);
  set_step (self, _("Going back to the previous version of Ollama…"));
  dsl_ollama_installer_rollback_async (self->installer, NULL, rolled_back_cb,
                                       g_object_ref (task));
}

/* Once the new Ollama is in place, the run goes on to a server that answers even when it is
 * cancelled: stopping there would leave an install that was never tried. */
static void
start_new (GTask *task)
{
  DslOllamaUpdate *self = g_task_get_source_object (task);

  set_step (self, _("Starting Ollama…"));
  dsl_ollama_service_start_managed_async (self->service, NULL, new_started_cb,
                                          g_object_ref (task));
}

static void
rocm_installed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) addon = NULL;

  addon = dsl_ollama_installer_install_finish (DSL_OLLAMA_INSTALLER (object), result, &error);

  /* Not fatal: Ollama runs without the add-on, on the processor. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    data->warning = g_strdup (_("Adding the ROCm libraries for your AMD graphics card was "
                                "stopped, so Ollama computes on the processor for now, more "
                                "slowly. What was downloaded is kept for the next install."));
  else if (error != NULL)
    /* Translators: %s says why the add-on could not be installed, a sentence or more */
    data->warning = g_strdup_printf (_("Ollama works, but without the ROCm libraries for your "
                                       "AMD graphics card, so it computes on the processor, "
                                       "more slowly. %s"), error->message);

  if (data->warning != NULL)
    g_message ("ROCm add-on not installed: %s", error->message);

  start_new (task);
}

static void
add_rocm_if_useful (GTask *task)
{
  DslOllamaUpdate *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);

  if (!has_rocm_gpu (data->report))
    {
      start_new (task);
      return;
    }

  set_step (self, _("Adding the ROCm libraries for your AMD graphics card…"));
  dsl_ollama_installer_install_async (self->installer, DSL_INSTALL_COMPONENT_ROCM,
                                      g_task_get_cancellable (task), rocm_installed_cb,
                                      g_object_ref (task));
}

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* A computer that cannot be examined gets Ollama without the add-on. */
  data->report = dsl_hardware_probe_finish (result, &error);
  if (data->report == NULL)
    g_message ("No hardware report, so no ROCm add-on: %s", error->message);

  add_rocm_if_useful (task);
}

static void
ollama_installed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaUpdate *self = g_task_get_source_object (task);
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->release = dsl_ollama_installer_install_finish (DSL_OLLAMA_INSTALLER (object), result,
                                                       &error);
  if (data->release == NULL)
    {
      /* The previous install is untouched (a cancel keeps the partial download). */
      restart_previous (task, g_steal_pointer (&error));
      return;
    }

  if (data->report != NULL)
    {
      add_rocm_if_useful (task);
      return;
    }

  /* Reads /sys and runs nothing slow; not cancelled, as the new install is already there. */
  dsl_hardware_probe_async (NULL, dsl_ollama_installer_get_install_dir (self->installer), NULL,
                            probed_cb, g_object_ref (task));
}

static void
install_ollama (GTask *task)
{
  DslOllamaUpdate *self = g_task_get_source_object (task);

  set_step (self, _("Downloading Ollama…"));
  dsl_ollama_installer_install_async (self->installer, DSL_INSTALL_COMPONENT_OLLAMA,
                                      g_task_get_cancellable (task), ollama_installed_cb,
                                      g_object_ref (task));
}

static void
stopped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_service_stop_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    g_warning ("Could not stop our Ollama server: %s", error->message);
  g_clear_error (&error);
  data->stopped = TRUE;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      restart_previous (task, g_steal_pointer (&error));
      return;
    }

  install_ollama (task);
}

/* Object *************************************************************************************/

static void
dsl_ollama_update_dispose (GObject *object)
{
  DslOllamaUpdate *self = DSL_OLLAMA_UPDATE (object);

  g_clear_object (&self->installer);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (dsl_ollama_update_parent_class)->dispose (object);
}

static void
dsl_ollama_update_finalize (GObject *object)
{
  DslOllamaUpdate *self = DSL_OLLAMA_UPDATE (object);

  g_free (self->step);

  G_OBJECT_CLASS (dsl_ollama_update_parent_class)->finalize (object);
}

static void
dsl_ollama_update_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DslOllamaUpdate *self = DSL_OLLAMA_UPDATE (object);

  switch (prop_id)
    {
    case PROP_INSTALLER:
      g_value_set_object (value, self->installer);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_STEP:
      g_value_set_string (value, self->step);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_update_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DslOllamaUpdate *self = DSL_OLLAMA_UPDATE (object);

  switch (prop_id)
    {
    case PROP_INSTALLER:
      self->installer = g_value_dup_object (value);
      break;

    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_update_class_init (DslOllamaUpdateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_ollama_update_dispose;
  object_class->finalize = dsl_ollama_update_finalize;
  object_class->get_property = dsl_ollama_update_get_property;
  object_class->set_property = dsl_ollama_update_set_property;

  properties[PROP_INSTALLER] =
    g_param_spec_object ("installer", NULL, NULL, DSL_TYPE_OLLAMA_INSTALLER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* Stops and starts our server; its install-dir must be the installer's. */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, DSL_TYPE_OLLAMA_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* What the run is doing, as a translated sentence for a person ("Starting Ollama…"); NULL
   * between runs. The installer's "progress" says how far a download is. */
  properties[PROP_STEP] =
    g_param_spec_string ("step", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dsl_ollama_update_init (DslOllamaUpdate *self)
{
}

/**
 * dsl_ollama_update_new:
 * @installer: puts the archives in place
 * @service: runs our server from the same install folder
 *
 * Returns: (transfer full): the install or update of our own Ollama, ready to run
 */
DslOllamaUpdate *
dsl_ollama_update_new (DslOllamaInstaller *installer,
                       DslOllamaService   *service)
{
  g_autofree char *service_dir = NULL;

  g_return_val_if_fail (DSL_IS_OLLAMA_INSTALLER (installer), NULL);
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (service), NULL);

  /* Else the service would start a server the installer never touched. */
  g_object_get (service, "install-dir", &service_dir, NULL);
  g_return_val_if_fail (g_strcmp0 (service_dir,
                                   dsl_ollama_installer_get_install_dir (installer)) == 0,
                        NULL);

  return g_object_new (DSL_TYPE_OLLAMA_UPDATE,
                       "installer", installer,
                       "service", service,
                       NULL);
}

DslOllamaInstaller *
dsl_ollama_update_get_installer (DslOllamaUpdate *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_UPDATE (self), NULL);

  return self->installer;
}

DslOllamaService *
dsl_ollama_update_get_service (DslOllamaUpdate *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_UPDATE (self), NULL);

  return self->service;
}

/**
 * dsl_ollama_update_get_step:
 *
 * Returns: (nullable): what the run is doing, a translated sentence; %NULL between runs
 */
const char *
dsl_ollama_update_get_step (DslOllamaUpdate *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_UPDATE (self), NULL);

  return self->step;
}

/**
 * dsl_ollama_update_run_async:
 * @report: (nullable): this computer, for the ROCm add-on; %NULL to examine it first
 *
 * Installs or updates our own Ollama and leaves its new server running: stops our server if the
 * service runs one, installs Ollama, adds the ROCm add-on when @report has an AMD graphics card
 * that ROCm supports (a failure there is a warning, not an error), starts the new server, and
 * deletes the previous install once it answers. When it does not, the previous install is put
 * back and started, and the run fails with %DSL_INSTALL_ERROR_START_FAILED.
 *
 * Cancelling stops the download of Ollama (kept for the next run; the previous server is
 * started again) or of the add-on (Ollama goes on without it); once the new Ollama is in place,
 * its server is started regardless. #DslOllamaUpdate:step says what is going on, the
 * installer's #DslOllamaInstaller::progress how far a download is.
 */
void
dsl_ollama_update_run_async (DslOllamaUpdate         *self,
                             const DslHardwareReport *report,
                             GCancellable            *cancellable,
                             GAsyncReadyCallback      callback,
                             gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *binary = NULL;
  DslOllamaServiceState state;
  RunData *data;

  g_return_if_fail (DSL_IS_OLLAMA_UPDATE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_update_run_async);
  /* A cancel after the swap still ends with a started server and a result, not an error. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Ollama is already being installed."));
      return;
    }
  self->running = TRUE;

  data = g_new0 (RunData, 1);
  data->report = report != NULL ? dsl_hardware_report_copy (report) : NULL;
  /* A stat, cheap enough for the main loop. */
  binary = dsl_ollama_installer_dup_ollama_path (self->installer);
  data->had_previous = g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);

  /* Our server runs from the folder that is about to be swapped: stop it first, or the old
   * binary would go on answering after the update. */
  state = dsl_ollama_service_get_state (self->service);
  if (dsl_ollama_service_get_kind (self->service) == DSL_OLLAMA_SERVER_KIND_MANAGED ||
      state == DSL_OLLAMA_SERVICE_STATE_STARTING)
    {
      set_step (self, _("Stopping Ollama…"));
      dsl_ollama_service_stop_async (self->service, NULL, stopped_cb, g_steal_pointer (&task));
      return;
    }

  install_ollama (task);
}

/**
 * dsl_ollama_update_run_finish:
 * @warning: (out) (optional) (transfer full) (nullable): what a person should know although
 *   the run succeeded (the ROCm add-on could not be added), or %NULL
 *
 * Returns: (transfer full): what was installed, its server running; its version is %NULL from a
 *   mirror
 */
DslOllamaRelease *
dsl_ollama_update_run_finish (DslOllamaUpdate  *self,
                              GAsyncResult     *result,
                              char            **warning,
                              GError          **error)
{
  RunData *data;

  g_return_val_if_fail (DSL_IS_OLLAMA_UPDATE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        dsl_ollama_update_run_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (warning != NULL)
    *warning = data != NULL ? g_strdup (data->warning) : NULL;

  return g_task_propagate_pointer (G_TASK (result), error);
}
