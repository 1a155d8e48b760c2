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
#include "dsl-setup.h"

/* "Install Ollama" where no server was found: the download with its size, speed and time left,
 * Cancel (what was downloaded is kept for the next try), and Try Again after an error. Emits
 * "installed" when Ollama is in place; the window then looks for a server again, and finds and
 * starts this one. */
struct _DslInstallBox
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  GtkProgressBar     *progress_bar;
  GtkLabel           *progress_label;
  GtkLabel           *error_label;

  DslOllamaInstaller *installer;
  GCancellable       *cancellable;
  char               *download_base_url;
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
installed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DslInstallBox) self = user_data;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GError) error = NULL;

  release = dsl_ollama_installer_install_finish (DSL_OLLAMA_INSTALLER (object), result, &error);
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
  g_clear_object (&self->installer);
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
   * Ollama was installed and can be started.
   */
  signals[INSTALLED] =
    g_signal_new ("installed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-install-box.ui");
  gtk_widget_class_bind_template_child (widget_class, DslInstallBox, stack);
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
 * dsl_install_box_start:
 *
 * Installs Ollama, or goes on with a download that was stopped.
 */
void
dsl_install_box_start (DslInstallBox *self)
{
  g_return_if_fail (DSL_IS_INSTALL_BOX (self));

  if (self->cancellable != NULL)
    return;

  g_clear_object (&self->installer);
  self->installer = dsl_ollama_installer_new (NULL, self->download_base_url);
  g_signal_connect_object (self->installer, "progress", G_CALLBACK (progress_cb), self,
                           G_CONNECT_SWAPPED);

  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->progress_label, _("Looking for the newest Ollama…"));
  gtk_stack_set_visible_child_name (self->stack, "progress");

  dsl_ollama_installer_install_async (self->installer, DSL_INSTALL_COMPONENT_OLLAMA,
                                      self->cancellable, installed_cb, g_object_ref (self));
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
