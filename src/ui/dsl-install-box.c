/* dsl-install-box.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-install-box"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-install-box.h"
#include "dsl-ollama-installer.h"
#include "dsl-ollama-service.h"
#include "dsl-ollama-update.h"
#include "dsl-setup.h"
#include "dsl-ui-util.h"

/* "Install Ollama" where no server was found, or "Update Ollama": the step in words (download,
 * the ROCm add-on for an AMD card, starting the server), the download with its size, speed and
 * time left, Cancel (what was downloaded is kept for the next try), and Try Again after an
 * error. The whole sequence is DslOllamaUpdate's, run through the app's service, so that our
 * running server is stopped for an update and the new one started. Emits "installed" once the
 * new server answers; the window then looks for a server again and finds this one. */
struct _DslInstallBox
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  GtkButton          *install_button;
  GtkLabel           *versions_label;
  GtkLabel           *warning_label;
  GtkLabel           *step_label;
  GtkProgressBar     *progress_bar;
  GtkLabel           *progress_label;
  GtkLabel           *error_label;

  DslOllamaService   *service;
  DslOllamaInstaller *installer;
  DslOllamaUpdate    *update;
  GCancellable       *cancellable;
  char               *download_base_url;
  guint               n_steps;
};

G_DEFINE_FINAL_TYPE (DslInstallBox, dsl_install_box, GTK_TYPE_WIDGET)

enum {
  INSTALLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
progress_cb (DslInstallBox      *self,
             guint64             done,
             guint64             total,
             double              bytes_per_second,
             double              seconds_left,
             DslOllamaInstaller *installer)
{
  g_autofree char *text = dsl_setup_format_progress (done, total, bytes_per_second,
                                                     seconds_left);

  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, (double) done / (double) total);
  else
    gtk_progress_bar_pulse (self->progress_bar);

  gtk_label_set_label (self->progress_label, text);
}

static void
step_cb (DslInstallBox   *self,
         GParamSpec      *pspec,
         DslOllamaUpdate *update)
{
  const char *step = dsl_ollama_update_get_step (update);

  if (step == NULL)
    return;

  gtk_label_set_label (self->step_label, step);
  /* The bar and its numbers belong to one download; the first step keeps "Looking for…". */
  if (self->n_steps++ > 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_label_set_label (self->progress_label, "");
    }
}

static void
installed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DslInstallBox) self = user_data;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  release = dsl_ollama_update_run_finish (DSL_OLLAMA_UPDATE (object), result, &warning, &error);
  g_clear_object (&self->cancellable);

  if (release == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_stack_set_visible_child_name (self->stack, "start");
          return;
        }

      gtk_label_set_label (self->error_label, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  /* Installed: whatever version was offered as an update is now the one there. */
  dsl_install_box_set_update (self, NULL, NULL);
  gtk_label_set_label (self->warning_label, warning != NULL ? warning : "");
  gtk_widget_set_visible (GTK_WIDGET (self->warning_label), warning != NULL);
  gtk_stack_set_visible_child_name (self->stack, "start");
  g_signal_emit (self, signals[INSTALLED], 0);
}

static void
install_clicked_cb (DslInstallBox *self)
{
  dsl_install_box_start (self);
}

static void
cancel_clicked_cb (DslInstallBox *self)
{
  dsl_install_box_cancel (self);
}

static void
dsl_install_box_dispose (GObject *object)
{
  DslInstallBox *self = DSL_INSTALL_BOX (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->update);
  g_clear_object (&self->installer);
  g_clear_object (&self->service);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_INSTALL_BOX);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dsl_install_box_parent_class)->dispose (object);
}

static void
dsl_install_box_finalize (GObject *object)
{
  DslInstallBox *self = DSL_INSTALL_BOX (object);

  g_free (self->download_base_url);

  G_OBJECT_CLASS (dsl_install_box_parent_class)->finalize (object);
}

static void
dsl_install_box_class_init (DslInstallBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_install_box_dispose;
  object_class->finalize = dsl_install_box_finalize;

  /**
   * DslInstallBox::installed:
   *
   * Ollama was installed (or updated) and its server answers; see
   * dsl_install_box_get_warning_text() for what did not work (the ROCm add-on).
   */
  signals[INSTALLED] =
    g_signal_new ("installed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-install-box.ui");
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, stack);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, install_button);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, versions_label);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, warning_label);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, step_label);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, progress_label);
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, error_label);
  gtk_widget_class_bind_template_callback (widget_class, install_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
dsl_install_box_init (DslInstallBox *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dsl_ui_name_mnemonic_buttons (GTK_WIDGET (self));
}

GtkWidget *
dsl_install_box_new (void)
{
  return g_object_new (DSL_TYPE_INSTALL_BOX, NULL);
}

/**
 * dsl_install_box_set_download_base_url:
 * @url: (nullable): a mirror from the settings, or %NULL for GitHub
 */
void
dsl_install_box_set_download_base_url (DslInstallBox *self,
                                       const char    *url)
{
  g_return_if_fail (DSL_IS_INSTALL_BOX (self));

  g_free (self->download_base_url);
  self->download_base_url = g_strdup (url != NULL && url[0] != '\0' ? url : NULL);
}

/**
 * dsl_install_box_set_service:
 * @service: the app's service: it stops our running server for an update and starts the new
 *   one
 *
 * Needed before dsl_install_box_start().
 */
void
dsl_install_box_set_service (DslInstallBox    *self,
                             DslOllamaService *service)
{
  g_return_if_fail (DSL_IS_INSTALL_BOX (self));
  g_return_if_fail (service == NULL || DSL_IS_OLLAMA_SERVICE (service));

  g_set_object (&self->service, service);
}

/**
 * dsl_install_box_set_update:
 * @installed_version: (nullable): the version there, e.g. "v0.32.15"
 * @newest_version: (nullable): the version on offer
 *
 * Offers an update instead of an install: the button reads “Update Ollama”, with both versions
 * above it. %NULL for both goes back to “Install Ollama”.
 */
void
dsl_install_box_set_update (DslInstallBox *self,
                            const char    *installed_version,
                            const char    *newest_version)
{
  gboolean update;

  g_return_if_fail (DSL_IS_INSTALL_BOX (self));

  update = installed_version != NULL || newest_version != NULL;
  dsl_ui_set_button_label (self->install_button, update ? _("_Update Ollama")
                                                         : _("_Install Ollama"));

  if (installed_version != NULL && newest_version != NULL)
    {
      /* Translators: two versions of Ollama, e.g. "v0.32.15" and "v0.33.0" */
      g_autofree char *text = g_strdup_printf (_("Ollama %s is installed; version %s is "
                                                 "available."),
                                               installed_version, newest_version);

      gtk_label_set_label (self->versions_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->versions_label),
                          installed_version != NULL && newest_version != NULL);
}

/**
 * dsl_install_box_start:
 *
 * Installs (or updates) Ollama and starts its server, or goes on with a download that was
 * stopped.
 */
void
dsl_install_box_start (DslInstallBox *self)
{
  g_return_if_fail (DSL_IS_INSTALL_BOX (self));
  g_return_if_fail (self->service != NULL);

  if (self->cancellable != NULL)
    return;

  /* A new installer each time: the download address may have changed in Preferences. */
  g_clear_object (&self->update);
  g_clear_object (&self->installer);
  self->installer = dsl_ollama_installer_new (NULL, self->download_base_url);
  g_signal_connect_object (self->installer, "progress", G_CALLBACK (progress_cb), self,
                           G_CONNECT_SWAPPED);
  self->update = dsl_ollama_update_new (self->installer, self->service);
  g_signal_connect_object (self->update, "notify::step", G_CALLBACK (step_cb), self,
                           G_CONNECT_SWAPPED);

  self->cancellable = g_cancellable_new ();
  self->n_steps = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->warning_label), FALSE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _("Looking for the newest Ollama…"));
  gtk_stack_set_visible_child_name (self->stack, "progress");

  /* The update examines this computer itself, for the ROCm add-on. */
  dsl_ollama_update_run_async (self->update, NULL, self->cancellable, installed_cb,
                               g_object_ref (self));
}

/**
 * dsl_install_box_cancel:
 *
 * Stops the download; what arrived is kept and the next start goes on from there.
 */
void
dsl_install_box_cancel (DslInstallBox *self)
{
  g_return_if_fail (DSL_IS_INSTALL_BOX (self));

  g_cancellable_cancel (self->cancellable);
}

/**
 * dsl_install_box_get_state:
 *
 * Returns: "start", "progress" or "error"
 */
const char *
dsl_install_box_get_state (DslInstallBox *self)
{
  g_return_val_if_fail (DSL_IS_INSTALL_BOX (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
dsl_install_box_get_progress_text (DslInstallBox *self)
{
  g_return_val_if_fail (DSL_IS_INSTALL_BOX (self), NULL);

  return gtk_label_get_label (self->progress_label);
}

const char *
dsl_install_box_get_error_text (DslInstallBox *self)
{
  g_return_val_if_fail (DSL_IS_INSTALL_BOX (self), NULL);

  return gtk_label_get_label (self->error_label);
}

/**
 * dsl_install_box_get_step_text:
 *
 * Returns: what the install is doing, above the progress bar
 */
const char *
dsl_install_box_get_step_text (DslInstallBox *self)
{
  g_return_val_if_fail (DSL_IS_INSTALL_BOX (self), NULL);

  return gtk_label_get_label (self->step_label);
}

/**
 * dsl_install_box_get_warning_text:
 *
 * Returns: (nullable): what did not work although Ollama was installed (the ROCm add-on), or
 *   %NULL
 */
const char *
dsl_install_box_get_warning_text (DslInstallBox *self)
{
  g_return_val_if_fail (DSL_IS_INSTALL_BOX (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->warning_label)))
    return NULL;
  return gtk_label_get_label (self->warning_label);
}
