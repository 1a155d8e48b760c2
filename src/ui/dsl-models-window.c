/* dsl-models-window.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-models"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-hardware.h"
#include "dsl-model-catalog.h"
#include "dsl-model-info.h"
#include "dsl-models-window.h"
#include "dsl-setup.h"
#include "dsl-ui-util.h"

/* The models on the server: how big each is, whether it suits this computer, a way to delete
 * one and to download another. Every request is async; closing the window cancels them. */
struct _DslModelsWindow
{
  AdwWindow           parent_instance;

  AdwWindowTitle     *window_title;
  GtkSpinner         *list_spinner;
  GtkListBox         *model_list;
  GtkLabel           *empty_label;
  GtkLabel           *error_label;
  AdwEntryRow        *pull_row;
  GtkBox             *progress_box;
  GtkLabel           *step_label;
  GtkProgressBar     *progress_bar;
  GtkBox             *pull_error_box;
  GtkLabel           *pull_error_label;

  DslOllamaClient    *client;
  DslModelCatalog    *catalog;         /* NULL if it could not be read: sizes only then */
  DslHardwareReport  *report;          /* NULL until the probe is done */
  GListModel         *models;          /* of DslModelInfo, as last listed */
  GCancellable       *cancellable;     /* cancelled when the window closes */
  GCancellable       *list_cancellable;
  GCancellable       *pull_cancellable;
  char               *pulling;         /* the model being downloaded, or the one to retry */
  gboolean            closed;
};

G_DEFINE_FINAL_TYPE (DslModelsWindow, dsl_models_window, ADW_TYPE_WINDOW)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reload (DslModelsWindow *self);

static void
show_error (DslModelsWindow *self,
            const char      *text)
{
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static char *
describe_model (DslModelsWindow *self,
                DslModelInfo    *info)
{
  g_autofree char *size = g_format_size (dsl_model_info_get_size (info));
  const DslCatalogEntry *entry = NULL;
  g_autoptr(DslFit) fit = NULL;

  if (self->catalog != NULL && self->report != NULL)
    entry = dsl_model_catalog_lookup (self->catalog, dsl_model_info_get_name (info));
  if (entry == NULL)
    return g_steal_pointer (&size);

  fit = dsl_model_catalog_estimate (entry, self->report, 0, DSL_KV_CACHE_F16);
  if (fit == NULL || fit->summary == NULL)
    return g_steal_pointer (&size);

  /* Translators: a model's size on disk, then a sentence on how it runs on this computer */
  return g_strdup_printf (_("%s · %s"), size, fit->summary);
}

static void deleted_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data);

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    DslModelsWindow  *self)
{
  const char *model = g_object_get_data (G_OBJECT (dialog), "dsl-model");
  GtkWidget *button;

  if (g_strcmp0 (response, "delete") != 0 || self->closed)
    return;

  /* The rows may have been built anew while the dialog was open: find the model's again. */
  button = dsl_models_window_get_delete_button (self, model);
  if (button != NULL)
    gtk_widget_set_sensitive (gtk_widget_get_ancestor (button, GTK_TYPE_LIST_BOX_ROW), FALSE);
  show_error (self, NULL);
  dsl_ollama_client_delete_async (self->client, model, self->cancellable, deleted_cb,
                                  g_object_ref (self));
}

static void
delete_clicked_cb (GtkWidget *row)
{
  DslModelsWindow *self = DSL_MODELS_WINDOW (gtk_widget_get_root (row));
  const char *model = g_object_get_data (G_OBJECT (row), "dsl-model");
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  /* Translators: %s is a model name */
  heading = g_strdup_printf (_("Delete “%s”?"), model);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("The model's files are removed from the server; it can be "
                                     "downloaded again."));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "dsl-model", g_strdup (model), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
create_row (DslModelsWindow *self,
            DslModelInfo    *info)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *subtitle = describe_model (self, info);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), dsl_model_info_get_name (info));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "dsl-model", g_strdup (dsl_model_info_get_name (info)),
                          g_free);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Delete"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Delete"), -1);
  gtk_widget_add_css_class (button, "flat");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (delete_clicked_cb), row);
  g_object_set_data (G_OBJECT (row), "dsl-delete-button", button);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  return row;
}

static void
rebuild_rows (DslModelsWindow *self)
{
  GtkListBoxRow *row;
  guint n = self->models != NULL ? g_list_model_get_n_items (self->models) : 0;

  while ((row = gtk_list_box_get_row_at_index (self->model_list, 0)) != NULL)
    gtk_list_box_remove (self->model_list, GTK_WIDGET (row));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (self->models, i);

      gtk_list_box_append (self->model_list, create_row (self, info));
    }

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), self->models != NULL && n == 0);
}

static void
models_listed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(DslModelsWindow) self = user_data;
  g_autoptr(GListModel) models = NULL;
  g_autoptr(GError) error = NULL;

  models = dsl_ollama_client_list_models_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (self->closed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_stop (self->list_spinner);
  g_clear_object (&self->list_cancellable);

  if (models == NULL)
    {
      g_autofree char *what = dsl_ollama_error_describe (error);

      g_debug ("Listing models failed: %s", error->message);
      g_clear_object (&self->models);
      rebuild_rows (self);
      show_error (self, what);
      return;
    }

  g_set_object (&self->models, models);
  rebuild_rows (self);
}

static void
reload (DslModelsWindow *self)
{
  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  self->list_cancellable = g_cancellable_new ();

  gtk_spinner_start (self->list_spinner);
  dsl_ollama_client_list_models_async (self->client, self->list_cancellable, models_listed_cb,
                                       g_object_ref (self));
}

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DslModelsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_client_delete_finish (DSL_OLLAMA_CLIENT (object), result, &error))
    {
      g_autofree char *what = NULL;

      if (self->closed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      what = dsl_ollama_error_describe (error);
      g_debug ("Deleting failed: %s", error->message);
      show_error (self, what);
    }
  else if (self->closed)
    {
      return;
    }
  else
    {
      g_signal_emit (self, signals[CHANGED], 0);
    }

  /* Either way the list says what is on the server now. */
  reload (self);
}

static void
hardware_probed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(DslHardwareReport) report = NULL;
  g_autoptr(GError) error = NULL;
  DslModelsWindow *self;

  /* The window may be gone: a cancelled probe touches nothing of it. */
  report = dsl_hardware_probe_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_MODELS_WINDOW (user_data);
  if (report == NULL)
    {
      g_debug ("Probing the hardware failed: %s", error->message);
      return;
    }

  self->report = g_steal_pointer (&report);
  rebuild_rows (self);
}

/* Download *************************************************************************************/

static void
pull_progress_cb (const DslPullProgress *progress,
                  gpointer               user_data)
{
  DslModelsWindow *self = user_data;
  g_autofree char *text = NULL;

  if (self->closed)
    return;

  gtk_label_set_label (self->step_label, progress->step != NULL ? progress->step : "");

  if (progress->total <= 0)
    {
      gtk_progress_bar_pulse (self->progress_bar);
      gtk_progress_bar_set_text (self->progress_bar, NULL);
      return;
    }

  gtk_progress_bar_set_fraction (self->progress_bar,
                                 CLAMP ((double) progress->completed / (double) progress->total,
                                        0.0, 1.0));
  text = dsl_setup_format_progress ((guint64) MAX (progress->completed, 0),
                                    (guint64) progress->total, progress->bytes_per_second,
                                    progress->seconds_left >= 0 ? (double) progress->seconds_left
                                                                : -1.0);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
set_pulling (DslModelsWindow *self,
             gboolean         pulling)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->pull_row), !pulling);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), pulling);
  if (pulling)
    gtk_widget_set_visible (GTK_WIDGET (self->pull_error_box), FALSE);
}

static void
pulled_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(DslModelsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = dsl_ollama_client_pull_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (self->closed)
    return;

  g_clear_object (&self->pull_cancellable);
  set_pulling (self, FALSE);

  if (!ok)
    {
      g_autofree char *what = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        what = g_strdup (_("The download was stopped. The server keeps what it has, and "
                           "downloading again continues from there."));
      else
        what = dsl_ollama_error_describe (error);

      g_debug ("Pulling %s failed: %s", self->pulling, error->message);
      gtk_label_set_label (self->pull_error_label, what);
      gtk_widget_set_visible (GTK_WIDGET (self->pull_error_box), TRUE);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->pull_row), "");
  g_signal_emit (self, signals[CHANGED], 0);
  reload (self);
}

static void
start_pull (DslModelsWindow *self,
            const char      *model)
{
  g_assert (self->pull_cancellable == NULL);

  g_free (self->pulling);
  self->pulling = g_strdup (model);
  self->pull_cancellable = g_cancellable_new ();

  gtk_label_set_label (self->step_label, _("Asking the server…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, NULL);
  set_pulling (self, TRUE);

  /* The window is kept until the pull has ended: the progress function needs it. */
  dsl_ollama_client_pull_async (self->client, model, pull_progress_cb, self,
                                self->pull_cancellable, pulled_cb, g_object_ref (self));
}

static void
pull_applied_cb (DslModelsWindow *self)
{
  g_autofree char *model = g_strstrip (g_strdup (gtk_editable_get_text (
                                                   GTK_EDITABLE (self->pull_row))));

  /* Enter emits both "apply" and "entry-activated": the second finds the pull running. */
  if (self->pull_cancellable != NULL || model[0] == '\0')
    return;

  start_pull (self, model);
}

static void
cancel_pull_clicked_cb (DslModelsWindow *self)
{
  g_cancellable_cancel (self->pull_cancellable);
}

static void
retry_pull_clicked_cb (DslModelsWindow *self)
{
  if (self->pull_cancellable == NULL && self->pulling != NULL)
    start_pull (self, self->pulling);
}

static void
reload_clicked_cb (DslModelsWindow *self)
{
  show_error (self, NULL);
  reload (self);
}

/* Life *****************************************************************************************/

static void
dsl_models_window_dispose (GObject *object)
{
  DslModelsWindow *self = DSL_MODELS_WINDOW (object);

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->list_cancellable);
  g_cancellable_cancel (self->pull_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_MODELS_WINDOW);

  g_clear_object (&self->list_cancellable);
  g_clear_object (&self->pull_cancellable);
  g_clear_object (&self->models);
  g_clear_object (&self->catalog);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (dsl_models_window_parent_class)->dispose (object);
}

static void
dsl_models_window_finalize (GObject *object)
{
  DslModelsWindow *self = DSL_MODELS_WINDOW (object);

  g_clear_pointer (&self->report, dsl_hardware_report_free);
  g_clear_pointer (&self->pulling, g_free);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (dsl_models_window_parent_class)->finalize (object);
}

static void
dsl_models_window_class_init (DslModelsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_models_window_dispose;
  object_class->finalize = dsl_models_window_finalize;

  /**
   * DslModelsWindow::changed:
   *
   * A model was downloaded or deleted: the server's list is not what it was.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-models-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, list_spinner);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, model_list);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, empty_label);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, pull_row);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, progress_box);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, step_label);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, pull_error_box);
  gtk_widget_class_bind_template_child (widget_class, DslModelsWindow, pull_error_label);
  gtk_widget_class_bind_template_callback (widget_class, pull_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_pull_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_pull_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reload_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dsl_models_window_init (DslModelsWindow *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  dsl_ui_name_mnemonic_buttons (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->catalog = dsl_model_catalog_new_default (&error);
  if (self->catalog == NULL)
    g_warning ("The model catalog could not be read: %s", error->message);
}

/**
 * dsl_models_window_new:
 * @client: the client of the server whose models to show
 */
DslModelsWindow *
dsl_models_window_new (DslOllamaClient *client)
{
  DslModelsWindow *self;
  const char *url;

  g_return_val_if_fail (DSL_IS_OLLAMA_CLIENT (client), NULL);

  self = g_object_new (DSL_TYPE_MODELS_WINDOW, NULL);
  self->client = g_object_ref (client);

  url = dsl_ollama_client_get_base_url (client);
  adw_window_title_set_subtitle (self->window_title, url != NULL ? url : "");

  /* Sizes first; the verdicts join them once the probe is done. */
  reload (self);
  dsl_hardware_probe_async (NULL, NULL, self->cancellable, hardware_probed_cb, self);

  return self;
}

GtkListBox *
dsl_models_window_get_model_list (DslModelsWindow *self)
{
  g_return_val_if_fail (DSL_IS_MODELS_WINDOW (self), NULL);

  return self->model_list;
}

AdwEntryRow *
dsl_models_window_get_pull_row (DslModelsWindow *self)
{
  g_return_val_if_fail (DSL_IS_MODELS_WINDOW (self), NULL);

  return self->pull_row;
}

/**
 * dsl_models_window_get_delete_button:
 * @model: a model name as listed
 *
 * Returns: (transfer none) (nullable): the Delete button of @model's row
 */
GtkWidget *
dsl_models_window_get_delete_button (DslModelsWindow *self,
                                     const char      *model)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (DSL_IS_MODELS_WINDOW (self), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->model_list, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "dsl-model"), model) == 0)
      return g_object_get_data (G_OBJECT (row), "dsl-delete-button");

  return NULL;
}

/**
 * dsl_models_window_get_error_text:
 *
 * Returns: (nullable): the error shown about the list, or %NULL
 */
const char *
dsl_models_window_get_error_text (DslModelsWindow *self)
{
  g_return_val_if_fail (DSL_IS_MODELS_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

/**
 * dsl_models_window_get_progress_text:
 *
 * Returns: what the download's progress bar says, or "" when no download runs
 */
const char *
dsl_models_window_get_progress_text (DslModelsWindow *self)
{
  const char *text;

  g_return_val_if_fail (DSL_IS_MODELS_WINDOW (self), NULL);

  text = gtk_progress_bar_get_text (self->progress_bar);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->progress_box)) || text == NULL)
    return "";
  return text;
}
