/* dsl-setup-wizard.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-setup"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-hardware.h"
#include "dsl-install-box.h"
#include "dsl-model-catalog.h"
#include "dsl-model-info.h"
#include "dsl-ollama-client.h"
#include "dsl-ollama-installer.h"
#include "dsl-setup.h"
#include "dsl-setup-wizard.h"
#include "dsl-ui-util.h"

/* The first-run setup, in the main window: welcome, this computer, Ollama, the model, its
 * download, ready. The facts and sentences come from core (DslHardware, DslModelCatalog,
 * dsl-setup.c, DslOllamaService, DslOllamaClient); this file puts them on pages and moves between
 * them. A setting is written only once the step it belongs to has succeeded. */
struct _DslSetupWizard
{
  AdwBin              parent_instance;

  GtkStack           *pages;
  GtkLabel           *welcome_download_label;
  GtkSpinner         *computer_spinner;
  GtkLabel           *computer_summary;
  GtkListBox         *computer_list;
  GtkLabel           *computer_problems;
  GtkBox             *ollama_searching;
  GtkSpinner         *ollama_spinner;
  GtkListBox         *ollama_found_list;
  AdwActionRow       *ollama_found_row;
  GtkLabel           *ollama_message;
  DslInstallBox      *install_box;
  GtkButton          *search_again_button;
  AdwEntryRow        *server_row;
  GtkLabel           *server_test_label;
  GtkScrolledWindow  *model_scroller;
  GtkLabel           *model_summary;
  GtkButton          *nothing_fits_button;
  GtkListBox         *model_list;
  AdwExpanderRow     *more_row;
  AdwStatusPage      *download_page;
  GtkBox             *download_progress_box;
  GtkLabel           *download_step;
  GtkProgressBar     *download_bar;
  GtkLabel           *download_detail;
  GtkBox             *download_error_box;
  GtkLabel           *download_error_label;
  AdwStatusPage      *ready_page;
  GtkButton          *ask_button;
  GtkLabel           *ask_label;
  GtkButton          *back_button;
  GtkButton          *next_button;

  GSettings          *settings;
  DslOllamaService   *service;
  DslOllamaClient    *client;          /* the server being set up */
  DslOllamaClient    *test_client;     /* "Use another server": the address being tried */
  DslModelCatalog    *catalog;
  DslHardwareReport  *report;          /* NULL until probed */

  GCancellable       *cancellable;     /* the wizard's life */
  GCancellable       *find_cancellable;
  GCancellable       *test_cancellable;
  GCancellable       *pull_cancellable;

  char               *server_url;      /* the server that answered, or NULL */
  gboolean            server_ready;    /* it answered and listed its models */
  gboolean            server_is_other; /* typed in "Use another server": saved on Continue */
  gboolean            needs_ollama;    /* nothing answers and nothing is installed */
  gboolean            can_cancel;
  char              **pulled;          /* the server's models */
  char               *chosen;          /* the model to use */
  guint               context_length;  /* 0 = the server's default */
  GtkCheckButton     *group;           /* the first radio of the model choices */
  GPtrArray          *more_rows;       /* rows added to more_row, to remove them again */
  AdwEntryRow        *custom_row;
  GtkCheckButton     *custom_check;
  AdwComboRow        *context_row;
  gboolean            rebuilding;
  guint               rebuild_id;
  char               *install_warning;  /* what the last install could not do, or NULL */
  char               *last_notification;
};

G_DEFINE_FINAL_TYPE (DslSetupWizard, dsl_setup_wizard, ADW_TYPE_BIN)

enum {
  FINISHED,
  CANCELLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The context lengths offered; 0 is the server's default. */
static const guint context_choices[] = { 0, 4096, 8192, 16384, 32768, 65536, 131072 };

static const char * const page_order[] = {
  "welcome", "computer", "ollama", "model", "download", "ready",
};

static void start_find      (DslSetupWizard *self);
static void rebuild_models  (DslSetupWizard *self);
static void update_buttons  (DslSetupWizard *self);

static const char *
current_page (DslSetupWizard *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->pages);

  return name != NULL ? name : "welcome";
}

static void
show_page (DslSetupWizard *self,
           const char     *page)
{
  gtk_stack_set_visible_child_name (self->pages, page);
  update_buttons (self);
}

/* A long step ended while the person looks elsewhere: tell them on the desktop. */
static void
notify (DslSetupWizard *self,
        const char     *title,
        const char     *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app;
  g_autoptr(GNotification) notification = NULL;

  if (!GTK_IS_WINDOW (root) || gtk_window_is_active (GTK_WINDOW (root)))
    return;

  g_free (self->last_notification);
  self->last_notification = g_strdup (title);

  app = gtk_window_get_application (GTK_WINDOW (root));
  if (app == NULL)
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (G_APPLICATION (app), "setup", notification);
}

static gboolean
is_pulled (DslSetupWizard *self,
           const char     *model)
{
  return self->pulled != NULL && model != NULL &&
         g_strv_contains ((const char * const *) self->pulled, model);
}

static const DslCatalogEntry *
recommended_entry (DslSetupWizard *self)
{
  if (self->catalog == NULL || self->report == NULL)
    return NULL;
  return dsl_model_catalog_recommend (self->catalog, self->report, NULL);
}

static void
update_welcome (DslSetupWizard *self)
{
  const DslCatalogEntry *entry = recommended_entry (self);
  guint64 bytes = 0;
  g_autofree char *text = NULL;

  if (entry != NULL)
    {
      bytes = entry->download_bytes;
      /* Nothing to download when the server has it already. */
      if (self->pulled != NULL && dsl_setup_is_pulled (entry, (const char * const *) self->pulled))
        bytes = 0;
    }

  if (entry != NULL && bytes == 0 && !self->needs_ollama && self->server_ready)
    text = g_strdup (_("Ollama and a model that suits this computer are here already: setup "
                       "downloads nothing."));
  else
    text = dsl_setup_describe_download (bytes, self->needs_ollama);
  gtk_label_set_label (self->welcome_download_label, text);
}

static void
update_buttons (DslSetupWizard *self)
{
  const char *page = current_page (self);
  const char *next = _("_Continue");
  gboolean next_visible = TRUE;
  gboolean next_sensitive = TRUE;
  gboolean back_visible = TRUE;
  gboolean back_sensitive = TRUE;

  if (g_str_equal (page, "welcome"))
    {
      next = _("_Get Started");
      back_visible = self->can_cancel;
    }
  else if (g_str_equal (page, "computer"))
    {
      next_sensitive = self->report != NULL;
    }
  else if (g_str_equal (page, "ollama"))
    {
      next = self->server_ready ? _("_Use This Server") : _("_Continue");
      next_sensitive = self->server_ready;
    }
  else if (g_str_equal (page, "model"))
    {
      next = self->chosen != NULL && is_pulled (self, self->chosen) ? _("_Continue")
                                                                     : _("_Download");
      next_sensitive = self->chosen != NULL && self->server_ready;
    }
  else if (g_str_equal (page, "download"))
    {
      next_visible = FALSE;
      back_sensitive = self->pull_cancellable == NULL;
    }
  else if (g_str_equal (page, "ready"))
    {
      next = _("_Start Chatting");
    }

  dsl_ui_set_button_label (self->back_button, g_str_equal (page, "welcome") ? _("_Cancel") : _("_Back"));
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), back_visible);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), back_sensitive);
  dsl_ui_set_button_label (self->next_button, next);
  /* On the ready page the suggested question is the main way on. */
  if (g_str_equal (page, "ready"))
    gtk_widget_remove_css_class (GTK_WIDGET (self->next_button), "suggested-action");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->next_button), "suggested-action");
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), next_visible);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), next_sensitive);
}

/* This computer *********************************************************************************/

static GtkWidget *
fact_row (const char *title,
          const char *subtitle,
          const char *icon)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle != NULL ? subtitle : "");
  adw_action_row_set_icon_name (ADW_ACTION_ROW (row), icon);
  gtk_widget_add_css_class (row, "property");

  return row;
}

static void
show_computer (DslSetupWizard *self)
{
  const DslHardwareReport *r = self->report;
  GtkListBoxRow *old;
  g_autofree char *summary = NULL;
  g_autofree char *cpu = NULL;
  g_autofree char *ram = NULL;
  g_autofree char *ram_text = NULL;
  g_autofree char *disk = NULL;

  while ((old = gtk_list_box_get_row_at_index (self->computer_list, 0)) != NULL)
    gtk_list_box_remove (self->computer_list, GTK_WIDGET (old));

  gtk_widget_set_visible (GTK_WIDGET (self->computer_spinner), FALSE);
  gtk_spinner_stop (self->computer_spinner);

  if (self->catalog != NULL)
    summary = dsl_setup_describe_computer (self->catalog, r);
  gtk_label_set_label (self->computer_summary, summary != NULL ? summary : "");

  if (r->physical_cores > 0)
    /* Translators: processor cores and threads: "8 cores, 16 threads" */
    cpu = g_strdup_printf (_("%u cores, %u threads"), r->physical_cores, r->logical_cores);
  else
    cpu = g_strdup_printf (ngettext ("%u thread", "%u threads", r->logical_cores),
                           r->logical_cores);
  gtk_list_box_append (self->computer_list,
                       fact_row (r->cpu_model != NULL ? r->cpu_model : _("Processor"), cpu,
                                 "computer-symbolic"));

  if (r->ram_total > 0)
    {
      g_autofree char *total = dsl_setup_format_memory (r->ram_total);
      g_autofree char *available = dsl_setup_format_memory (r->ram_available);

      /* Translators: "16 GB, 11.2 GB free" */
      ram_text = g_strdup_printf (_("%s, %s free"), total, available);
      if (r->cgroup_limit > 0 && r->cgroup_limit < r->ram_total)
        {
          g_autofree char *limit = dsl_setup_format_memory (r->cgroup_limit);
          /* Translators: memory, then the limit this app may use */
          g_autofree char *with_limit = g_strdup_printf (_("%s; this app may use %s"), ram_text,
                                                         limit);

          g_free (ram_text);
          ram_text = g_steal_pointer (&with_limit);
        }
    }
  else
    {
      ram_text = g_strdup (_("Unknown"));
    }
  ram = g_strdup (_("Memory"));
  gtk_list_box_append (self->computer_list, fact_row (ram, ram_text, "media-flash-symbolic"));

  for (guint i = 0; r->gpus != NULL && i < r->gpus->len; i++)
    {
      const DslGpu *gpu = g_ptr_array_index (r->gpus, i);
      g_autofree char *memory = gpu->total_memory > 0 ? dsl_setup_format_memory (gpu->total_memory)
                                                      : g_strdup (_("memory unknown"));
      g_autofree char *text = NULL;

      if (gpu->unusable_reason != NULL)
        /* Translators: a graphics card's memory, then why Ollama cannot use it */
        text = g_strdup_printf (_("%s · %s"), memory, gpu->unusable_reason);
      else if (gpu->integrated)
        text = g_strdup_printf (_("%s · shares the system memory"), memory);
      else
        text = g_strdup_printf (_("%s · Ollama uses it (%s)"), memory,
                                gpu->library == DSL_GPU_LIBRARY_CUDA ? "CUDA"
                                : gpu->library == DSL_GPU_LIBRARY_ROCM ? "ROCm" : "Vulkan");
      gtk_list_box_append (self->computer_list,
                           fact_row (gpu->name != NULL ? gpu->name : _("Graphics card"), text,
                                     "video-display-symbolic"));
    }
  if (r->gpus == NULL || r->gpus->len == 0)
    gtk_list_box_append (self->computer_list,
                         fact_row (_("Graphics card"), _("None found"), "video-display-symbolic"));

  if (r->models_free > 0)
    {
      g_autofree char *free_text = g_format_size (r->models_free);

      /* Translators: "120 GB free in /home/ana/.ollama/models" */
      disk = g_strdup_printf (_("%s free in %s"), free_text, r->models_path);
    }
  else
    {
      disk = g_strdup (_("Unknown"));
    }
  gtk_list_box_append (self->computer_list, fact_row (_("Disk Space for Models"), disk,
                                                      "drive-harddisk-symbolic"));

  if (r->problems != NULL && r->problems->len > 0)
    {
      g_autoptr(GString) text = g_string_new (_("Not everything could be read:"));

      for (guint i = 0; i < r->problems->len; i++)
        g_string_append_printf (text, "\n• %s", (const char *) g_ptr_array_index (r->problems, i));
      gtk_label_set_label (self->computer_problems, text->str);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->computer_problems),
                          r->problems != NULL && r->problems->len > 0);
}

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(DslHardwareReport) report = NULL;
  g_autoptr(GError) error = NULL;
  DslSetupWizard *self;

  report = dsl_hardware_probe_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_SETUP_WIZARD (user_data);
  if (report == NULL)
    {
      /* The probe reports what it cannot read as problems; failing outright is a bug. */
      g_warning ("Probing the hardware failed: %s", error->message);
      report = dsl_hardware_report_new ();
    }

  self->report = g_steal_pointer (&report);
  show_computer (self);
  update_welcome (self);
  rebuild_models (self);
  update_buttons (self);
}

/* Ollama ****************************************************************************************/

/* A hidden spinner still animates (and redraws) in GTK 4.8: it stops with the search. */
static void
set_searching (DslSetupWizard *self,
               gboolean        searching)
{
  gtk_widget_set_visible (GTK_WIDGET (self->ollama_searching), searching);
  gtk_spinner_set_spinning (self->ollama_spinner, searching);
}

static void
show_ollama_message (DslSetupWizard *self,
                     const char     *text)
{
  gtk_label_set_label (self->ollama_message, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->ollama_message), text != NULL);
}

static void
set_server (DslSetupWizard *self,
            const char     *url,
            const char     *version,
            const char     *where)
{
  g_autofree char *title = NULL;

  g_free (self->server_url);
  self->server_url = g_strdup (url);
  dsl_ollama_client_set_base_url (self->client, url);

  /* Translators: %s is Ollama's version, e.g. "Ollama 0.9.2" */
  title = version != NULL ? g_strdup_printf (_("Ollama %s"), version) : g_strdup ("Ollama");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->ollama_found_row), title);
  adw_action_row_set_subtitle (self->ollama_found_row, where);
}

static void
update_checked_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autofree char *installed = NULL;
  g_autofree char *newest = NULL;
  g_autoptr(GError) error = NULL;
  DslSetupWizard *self;
  gboolean newer;

  newer = dsl_ollama_installer_check_update_finish (DSL_OLLAMA_INSTALLER (object), result,
                                                    &installed, &newest, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_SETUP_WIZARD (user_data);
  if (error != NULL)
    g_debug ("Looking for a newer Ollama failed: %s", error->message);
  if (!newer || !self->server_ready)
    return;

  /* Offered, not pressed on anyone: the server in use works as it is. */
  dsl_install_box_set_update (self->install_box, installed, newest);
  gtk_widget_set_visible (GTK_WIDGET (self->install_box), TRUE);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GListModel) models = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) names = NULL;
  DslSetupWizard *self;

  models = dsl_ollama_client_list_models_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_SETUP_WIZARD (user_data);
  set_searching (self, FALSE);

  if (models == NULL)
    {
      g_autofree char *what = dsl_ollama_error_describe (error);
      /* Translators: %s is a server address, then a sentence that says what went wrong */
      g_autofree char *text = g_strdup_printf (_("Ollama answered at %s, but it could not list "
                                                 "its models. %s"),
                                               self->server_url, what);

      g_debug ("Listing models failed: %s", error->message);
      self->server_ready = FALSE;
      gtk_widget_set_visible (GTK_WIDGET (self->ollama_found_list), FALSE);
      show_ollama_message (self, text);
      gtk_widget_set_visible (GTK_WIDGET (self->search_again_button), TRUE);
      update_buttons (self);
      return;
    }

  names = g_strv_builder_new ();
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (models, i);

      g_strv_builder_add (names, dsl_model_info_get_name (info));
    }
  g_strfreev (self->pulled);
  self->pulled = g_strv_builder_end (names);

  self->server_ready = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->ollama_found_list), TRUE);
  /* What the last install could not do (the ROCm add-on), else nothing. */
  show_ollama_message (self, self->install_warning);
  gtk_widget_set_visible (GTK_WIDGET (self->search_again_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->install_box), FALSE);
  dsl_install_box_set_update (self->install_box, NULL, NULL);

  /* Our own install: is there a newer Ollama? */
  if (!self->server_is_other &&
      dsl_ollama_service_get_kind (self->service) == DSL_OLLAMA_SERVER_KIND_MANAGED)
    {
      g_autofree char *mirror = g_settings_get_string (self->settings, "ollama-download-url");
      g_autoptr(DslOllamaInstaller) installer = dsl_ollama_installer_new (NULL, mirror);

      dsl_ollama_installer_check_update_async (installer, self->cancellable, update_checked_cb,
                                               self);
    }

  update_welcome (self);
  rebuild_models (self);
  update_buttons (self);
}

static char *
describe_found (DslOllamaService *service)
{
  const char *url = dsl_ollama_service_get_url (service);
  const char *models = dsl_ollama_service_get_models_location (service);
  const char *where;

  switch (dsl_ollama_service_get_kind (service))
    {
    case DSL_OLLAMA_SERVER_KIND_MANAGED:
      where = _("Installed by DeepSeek Local for this user");
      break;
    case DSL_OLLAMA_SERVER_KIND_SYSTEM:
      where = _("Already running on this computer");
      break;
    case DSL_OLLAMA_SERVER_KIND_CONFIGURED:
    case DSL_OLLAMA_SERVER_KIND_NONE:
    default:
      where = _("The server in the settings");
      break;
    }

  const char *gpu = dsl_ollama_service_get_gpu (service);
  g_autofree char *text = NULL;

  if (models != NULL)
    /* Translators: where the server comes from, its address, where its models are stored */
    text = g_strdup_printf (_("%s · %s · models in %s"), where, url, models);
  else
    /* Translators: where the server comes from, and its address */
    text = g_strdup_printf (_("%s · %s"), where, url);

  /* What our own server said it computes on, from its log. */
  if (gpu != NULL)
    {
      /* Translators: %s is a graphics card, e.g. "NVIDIA GeForce RTX 4090 (CUDA, 23.6 GiB)" */
      g_autofree char *on = g_strdup_printf (_("computes on %s"), gpu);
      char *joined = g_strdup_printf (_("%s · %s"), text, on);

      g_free (text);
      text = joined;
    }
  return g_steal_pointer (&text);
}

static void
found_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  DslOllamaService *service = DSL_OLLAMA_SERVICE (object);
  g_autoptr(GError) error = NULL;
  DslSetupWizard *self;

  if (!dsl_ollama_service_find_finish (service, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_SETUP_WIZARD (user_data);
  g_clear_object (&self->find_cancellable);

  if (error != NULL)
    {
      g_autofree char *status = dsl_ollama_service_format_status (service);

      g_debug ("No server: %s", error->message);
      set_searching (self, FALSE);
      self->needs_ollama = g_error_matches (error, DSL_SERVICE_ERROR,
                                            DSL_SERVICE_ERROR_NOT_INSTALLED);
      if (self->needs_ollama)
        {
          g_autofree char *size = g_format_size (DSL_SETUP_OLLAMA_DOWNLOAD_BYTES);
          g_autofree char *text = NULL;

          /* Translators: %s is a size, e.g. "1.6 GB" */
          text = g_strdup_printf (_("Ollama is not on this computer yet. DeepSeek Local installs it "
                                    "for you: for this user only, without an administrator "
                                    "password. The download is about %s."), size);
          show_ollama_message (self, text);
          gtk_widget_set_visible (GTK_WIDGET (self->install_box), TRUE);
        }
      else
        {
          show_ollama_message (self, status);
          /* Our own install is there but its server does not come up: installing it again is
           * the way out the message offers. */
          if (g_error_matches (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED) ||
              g_error_matches (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_TIMEOUT) ||
              g_error_matches (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_CRASHED))
            gtk_widget_set_visible (GTK_WIDGET (self->install_box), TRUE);
        }
      /* Ollama may be started by hand meanwhile, or the network come back. */
      gtk_widget_set_visible (GTK_WIDGET (self->search_again_button), TRUE);

      /* Started on the model page, but there is no server: this is the step to take. */
      if (g_str_equal (current_page (self), "model"))
        show_page (self, "ollama");

      update_welcome (self);
      update_buttons (self);
      return;
    }

  self->needs_ollama = FALSE;
  self->server_is_other = FALSE;
  {
    g_autofree char *where = describe_found (service);

    set_server (self, dsl_ollama_service_get_url (service),
                dsl_ollama_service_get_version (service), where);
  }
  dsl_ollama_client_list_models_async (self->client, self->cancellable, listed_cb, self);
}

static void
start_find (DslSetupWizard *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "server-url");
  g_autofree char *mirror = g_settings_get_string (self->settings, "ollama-download-url");

  /* Where Ollama comes from, should it be installed (again) from this page. */
  dsl_install_box_set_download_base_url (self->install_box, mirror);

  g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  self->find_cancellable = g_cancellable_new ();

  self->server_ready = FALSE;
  set_searching (self, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->ollama_found_list), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->search_again_button), FALSE);
  show_ollama_message (self, NULL);
  update_buttons (self);

  g_object_set (self->service, "configured-url", setting, NULL);
  dsl_ollama_service_find_async (self->service, self->find_cancellable, found_cb, self);
}

static void
search_again_clicked_cb (DslSetupWizard *self)
{
  start_find (self);
}

static void
installed_cb (DslSetupWizard *self)
{
  g_free (self->install_warning);
  self->install_warning = g_strdup (dsl_install_box_get_warning_text (self->install_box));

  /* The service finds our new install and starts it. */
  notify (self, _("Ollama Is Installed"), _("Setup goes on with choosing a model."));
  start_find (self);
}

static void
server_tested_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DslOllamaClient *client = DSL_OLLAMA_CLIENT (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *text = NULL;
  DslSetupWizard *self;
  const char *url = dsl_ollama_client_get_base_url (client);

  version = dsl_ollama_client_get_version_finish (client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = DSL_SETUP_WIZARD (user_data);
  g_clear_object (&self->test_cancellable);

  if (version == NULL)
    {
      g_autofree char *what = dsl_ollama_error_describe (error);

      /* Translators: %s is a server address, then a sentence that says what went wrong */
      text = g_strdup_printf (_("No Ollama server answers at %s. %s"), url, what);
      gtk_label_set_label (self->server_test_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->server_test_label), "error");
      return;
    }

  /* Translators: Ollama's version and the address it answered at */
  text = g_strdup_printf (_("Ollama %s answers at %s."), version, url);
  gtk_label_set_label (self->server_test_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_test_label), "error");

  /* This server now; a search still running must not replace it. */
  g_cancellable_cancel (self->find_cancellable);
  g_clear_object (&self->find_cancellable);
  self->server_is_other = TRUE;
  self->needs_ollama = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->install_box), FALSE);
  {
    /* Translators: %s is a server address */
    g_autofree char *where = g_strdup_printf (_("The server you typed · %s"), url);

    set_server (self, url, version, where);
  }
  dsl_ollama_client_list_models_async (self->client, self->cancellable, listed_cb, self);
}

static void
server_applied_cb (DslSetupWizard *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autofree char *url = NULL;
  g_autofree char *label = NULL;

  if (text[0] == '\0' || self->test_cancellable != NULL)
    return;

  url = dsl_ollama_url_from_host (text);
  g_clear_object (&self->test_client);
  self->test_client = dsl_ollama_client_new (url);
  self->test_cancellable = g_cancellable_new ();

  /* Translators: %s is a server address */
  label = g_strdup_printf (_("Trying %s…"), url);
  gtk_label_set_label (self->server_test_label, label);
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_test_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->server_test_label), TRUE);

  dsl_ollama_client_get_version_async (self->test_client, self->test_cancellable,
                                       server_tested_cb, self);
}

/* Model *****************************************************************************************/

static void
choose (DslSetupWizard *self,
        const char     *model)
{
  g_free (self->chosen);
  self->chosen = model != NULL && model[0] != '\0' ? g_strdup (model) : NULL;
  update_buttons (self);
}

static void
radio_toggled_cb (GtkCheckButton *check,
                  DslSetupWizard *self)
{
  if (self->rebuilding || !gtk_check_button_get_active (check))
    return;

  if (check == self->custom_check)
    {
      g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->custom_row))));

      choose (self, text);
      return;
    }

  choose (self, g_object_get_data (G_OBJECT (check), "dsl-model"));
}

static void
custom_changed_cb (DslSetupWizard *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->custom_row))));

  if (self->rebuilding)
    return;

  if (text[0] != '\0' && !gtk_check_button_get_active (self->custom_check))
    gtk_check_button_set_active (self->custom_check, TRUE);
  else if (gtk_check_button_get_active (self->custom_check))
    choose (self, text);
}

static GtkWidget *
tag_label (const char *text,
           const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "dsl-tag");
  gtk_widget_add_css_class (label, style);
  return label;
}

static GtkWidget *
choice_row (DslSetupWizard       *self,
            const DslSetupChoice *choice)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = dsl_setup_choice_title (choice->entry);
  g_autofree char *details = dsl_setup_choice_details (choice);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  g_object_set_data_full (G_OBJECT (row), "dsl-model", g_strdup (choice->entry->name), g_free);

  if (choice->selectable)
    {
      GtkWidget *check = gtk_check_button_new ();

      /* Named by the row's title: the row makes it its activatable widget. */
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (self->group == NULL)
        self->group = GTK_CHECK_BUTTON (check);
      else
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), self->group);
      g_object_set_data_full (G_OBJECT (check), "dsl-model", g_strdup (choice->entry->name),
                              g_free);
      g_object_set_data (G_OBJECT (row), "dsl-check", check);
      g_signal_connect (check, "toggled", G_CALLBACK (radio_toggled_cb), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
    }
  else
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("action-unavailable-symbolic");

      gtk_widget_set_tooltip_text (icon, _("Cannot run on this computer"));
      gtk_widget_add_css_class (row, "dsl-unfit");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }

  if (choice->recommended)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag_label (_("Recommended"), "accent"));
  if (choice->pulled)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag_label (_("Downloaded"), "success"));

  return row;
}

static gboolean
rebuild_idle_cb (gpointer user_data)
{
  DslSetupWizard *self = user_data;

  self->rebuild_id = 0;
  if (!g_cancellable_is_cancelled (self->cancellable))
    rebuild_models (self);
  return G_SOURCE_REMOVE;
}

static void
context_selected_cb (DslSetupWizard *self)
{
  guint i = adw_combo_row_get_selected (self->context_row);

  if (self->rebuilding || i >= G_N_ELEMENTS (context_choices))
    return;

  self->context_length = context_choices[i];
  /* The verdicts depend on it: a longer context needs more memory. The rows are built anew
   * once this row's own signal is over: it is one of them. */
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT, rebuild_idle_cb, g_object_ref (self),
                                        g_object_unref);
}

static void
add_more_row (DslSetupWizard *self,
              GtkWidget      *row)
{
  adw_expander_row_add_row (self->more_row, row);
  g_ptr_array_add (self->more_rows, row);
}

static GtkWidget *
context_row_new (DslSetupWizard        *self,
                 const DslCatalogEntry *chosen)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GtkWidget *row = adw_combo_row_new ();
  guint selected = 0;

  for (guint i = 0; i < G_N_ELEMENTS (context_choices); i++)
    {
      if (context_choices[i] == 0)
        gtk_string_list_append (list, _("Ollama’s default"));
      else
        {
          /* Translators: a context length: "16384 tokens" */
          g_autofree char *text = g_strdup_printf (_("%u tokens"), context_choices[i]);

          gtk_string_list_append (list, text);
        }
      if (context_choices[i] == self->context_length)
        selected = i;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Context Length"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), selected);

  if (chosen != NULL && self->report != NULL)
    {
      g_autoptr(DslFit) fit = dsl_model_catalog_estimate (chosen, self->report, 0,
                                                          DSL_KV_CACHE_F16);
      g_autofree char *subtitle = NULL;

      if (fit->max_gpu_context > 0)
        /* Translators: %u is a number of tokens, %s a model name */
        subtitle = g_strdup_printf (_("How much of the conversation the model keeps in mind. Up "
                                      "to %u tokens run fully on the graphics card with %s."),
                                    fit->max_gpu_context, chosen->name);
      else
        subtitle = g_strdup (_("How much of the conversation the model keeps in mind. Longer "
                               "needs more memory."));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }

  g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (context_selected_cb), self);
  self->context_row = ADW_COMBO_ROW (row);
  return row;
}

static void
rebuild_models (DslSetupWizard *self)
{
  g_autoptr(GPtrArray) choices = NULL;
  g_autoptr(GPtrArray) variants = NULL;
  g_autofree char *custom_text = NULL;
  g_autofree char *reason = NULL;
  const DslCatalogEntry *recommended;
  const DslCatalogEntry *chosen_entry = NULL;
  const char *keep = NULL;
  const char *first_selectable = NULL;
  const char *first_pulled = NULL;
  gboolean chosen_listed = FALSE;
  GtkListBoxRow *old;
  GtkWidget *custom_check;

  if (self->catalog == NULL || self->report == NULL)
    return;

  self->rebuilding = TRUE;

  if (self->custom_row != NULL)
    custom_text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->custom_row)));

  while ((old = gtk_list_box_get_row_at_index (self->model_list, 0)) != NULL)
    gtk_list_box_remove (self->model_list, GTK_WIDGET (old));
  for (guint i = 0; i < self->more_rows->len; i++)
    adw_expander_row_remove (self->more_row, g_ptr_array_index (self->more_rows, i));
  g_ptr_array_set_size (self->more_rows, 0);
  self->group = NULL;
  self->custom_row = NULL;
  self->custom_check = NULL;
  self->context_row = NULL;

  choices = dsl_setup_list_choices (self->catalog, self->report,
                                    (const char * const *) self->pulled, FALSE,
                                    self->context_length);
  variants = dsl_setup_list_choices (self->catalog, self->report,
                                     (const char * const *) self->pulled, TRUE,
                                     self->context_length);
  recommended = dsl_model_catalog_recommend (self->catalog, self->report, &reason);
  if (self->server_url != NULL && dsl_setup_is_remote_url (self->server_url))
    {
      dsl_setup_offer_all (choices, self->server_url);
      dsl_setup_offer_all (variants, self->server_url);
      recommended = NULL;
      g_free (reason);
      /* Translators: %s is a server address */
      reason = g_strdup_printf (_("The models run on the server at %s, not on this computer: "
                                  "choose one that suits that computer."), self->server_url);
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? choices : variants;

      for (guint i = 0; i < list->len; i++)
        {
          const DslSetupChoice *choice = g_ptr_array_index (list, i);
          GtkWidget *row = choice_row (self, choice);

          if (pass == 0)
            gtk_list_box_append (self->model_list, row);
          else
            add_more_row (self, row);

          if (!choice->selectable)
            continue;
          if (first_selectable == NULL)
            first_selectable = choice->entry->name;
          if (choice->pulled && first_pulled == NULL)
            first_pulled = choice->entry->name;
          if (g_strcmp0 (self->chosen, choice->entry->name) == 0)
            {
              chosen_listed = TRUE;
              chosen_entry = choice->entry;
            }
        }
    }

  /* Any other model, by its name. */
  self->custom_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->custom_row),
                                 _("Another model, for example deepseek-r1:8b-llama-distill-q4_K_M"));
  custom_check = gtk_check_button_new ();
  gtk_widget_set_valign (custom_check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (custom_check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Another model"), -1);
  if (self->group != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (custom_check), self->group);
  self->custom_check = GTK_CHECK_BUTTON (custom_check);
  g_signal_connect (custom_check, "toggled", G_CALLBACK (radio_toggled_cb), self);
  adw_entry_row_add_prefix (self->custom_row, custom_check);
  if (custom_text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->custom_row), custom_text);
  g_signal_connect_swapped (self->custom_row, "changed", G_CALLBACK (custom_changed_cb), self);

  /* Keep what was chosen; else the recommended one, else one already there, else the first
   * that works. A name typed by hand stays typed. */
  if (chosen_listed)
    keep = self->chosen;
  else if (self->chosen != NULL && custom_text != NULL &&
           g_strcmp0 (g_strstrip (custom_text), self->chosen) == 0)
    keep = NULL;
  else if (recommended != NULL)
    keep = recommended->name;
  else if (first_pulled != NULL)
    keep = first_pulled;
  else
    keep = first_selectable;

  if (chosen_entry == NULL && keep != NULL)
    chosen_entry = dsl_model_catalog_lookup (self->catalog, keep);
  add_more_row (self, context_row_new (self, chosen_entry));
  add_more_row (self, GTK_WIDGET (self->custom_row));

  if (keep != NULL)
    {
      for (int i = 0; (old = gtk_list_box_get_row_at_index (self->model_list, i)) != NULL; i++)
        if (g_strcmp0 (g_object_get_data (G_OBJECT (old), "dsl-model"), keep) == 0 &&
            g_object_get_data (G_OBJECT (old), "dsl-check") != NULL)
          gtk_check_button_set_active (g_object_get_data (G_OBJECT (old), "dsl-check"), TRUE);
      for (guint i = 0; i < self->more_rows->len; i++)
        {
          GObject *row = g_ptr_array_index (self->more_rows, i);

          if (g_strcmp0 (g_object_get_data (row, "dsl-model"), keep) == 0 &&
              g_object_get_data (row, "dsl-check") != NULL)
            gtk_check_button_set_active (g_object_get_data (row, "dsl-check"), TRUE);
        }
      {
        g_autofree char *name = g_strdup (keep);

        choose (self, name);
      }
    }
  else if (self->chosen != NULL)
    {
      gtk_check_button_set_active (self->custom_check, TRUE);
    }
  else
    {
      choose (self, NULL);
    }

  gtk_label_set_label (self->model_summary, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->model_summary), reason != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->nothing_fits_button), first_selectable == NULL);

  self->rebuilding = FALSE;
  update_buttons (self);
}

static void
nothing_fits_clicked_cb (DslSetupWizard *self)
{
  show_page (self, "ollama");
  gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
}

/* Download **************************************************************************************/

static void
pull_progress_cb (const DslPullProgress *progress,
                  gpointer               user_data)
{
  DslSetupWizard *self = user_data;
  g_autofree char *text = NULL;

  if (self->pull_cancellable == NULL)
    return;

  gtk_label_set_label (self->download_step, progress->step != NULL ? progress->step : "");
  if (progress->total <= 0)
    {
      gtk_progress_bar_pulse (self->download_bar);
      gtk_label_set_label (self->download_detail, "");
      return;
    }

  gtk_progress_bar_set_fraction (self->download_bar,
                                 CLAMP ((double) progress->completed / (double) progress->total,
                                        0.0, 1.0));
  text = dsl_setup_format_progress ((guint64) MAX (progress->completed, 0),
                                    (guint64) progress->total, progress->bytes_per_second,
                                    progress->seconds_left >= 0 ? (double) progress->seconds_left
                                                                : -1.0);
  gtk_label_set_label (self->download_detail, text);
}

static void
show_ready (DslSetupWizard *self)
{
  /* Translators: %s is a model name */
  g_autofree char *text = g_strdup_printf (_("%s runs on this computer now. It thinks before it "
                                             "answers: its reasoning can be opened and folded "
                                             "away."), self->chosen);

  adw_status_page_set_title (self->ready_page, _("Ready to Chat"));
  adw_status_page_set_description (self->ready_page, text);
  show_page (self, "ready");
}

static void
pulled_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(DslSetupWizard) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = dsl_ollama_client_pull_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  g_clear_object (&self->pull_cancellable);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (ok)
    {
      g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

      if (self->pulled != NULL)
        g_strv_builder_addv (names, (const char **) self->pulled);
      g_strv_builder_add (names, self->chosen);
      g_strfreev (self->pulled);
      self->pulled = g_strv_builder_end (names);

      notify (self, _("The Model Is Ready"), _("DeepSeek Local is ready to chat."));
      rebuild_models (self);
      show_ready (self);
      return;
    }

  {
    g_autofree char *what = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      what = g_strdup (_("The download was stopped. What arrived is kept: Try Again goes on "
                         "from there."));
    else
      {
        what = dsl_ollama_error_describe (error);
        notify (self, _("The Download Failed"), what);
      }

    g_debug ("Pulling %s failed: %s", self->chosen, error->message);
    gtk_label_set_label (self->download_error_label, what);
    gtk_widget_set_visible (GTK_WIDGET (self->download_error_box), TRUE);
    gtk_widget_set_visible (GTK_WIDGET (self->download_progress_box), FALSE);
    update_buttons (self);
  }
}

static void
start_pull (DslSetupWizard *self)
{
  /* Translators: %s is a model name */
  g_autofree char *title = g_strdup_printf (_("Downloading %s"), self->chosen);

  g_return_if_fail (self->pull_cancellable == NULL);

  self->pull_cancellable = g_cancellable_new ();
  adw_status_page_set_title (self->download_page, title);
  adw_status_page_set_description (self->download_page,
                                   _("This goes on while the window is in the background. If it "
                                     "stops, it continues where it was, even after a restart."));
  gtk_label_set_label (self->download_step, _("Asking the server…"));
  gtk_label_set_label (self->download_detail, "");
  gtk_progress_bar_set_fraction (self->download_bar, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->download_progress_box), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->download_error_box), FALSE);
  show_page (self, "download");

  dsl_ollama_client_pull_async (self->client, self->chosen, pull_progress_cb, self,
                                self->pull_cancellable, pulled_cb, g_object_ref (self));
}

static void
cancel_download_clicked_cb (DslSetupWizard *self)
{
  g_cancellable_cancel (self->pull_cancellable);
}

static void
retry_download_clicked_cb (DslSetupWizard *self)
{
  if (self->pull_cancellable == NULL && self->chosen != NULL)
    start_pull (self);
}

/* Finish ****************************************************************************************/

static void
finish (DslSetupWizard *self,
        const char     *question)
{
  /* Every step has succeeded: now the settings say so. */
  g_settings_set_string (self->settings, "last-model", self->chosen);
  g_settings_set_uint (self->settings, "context-length", self->context_length);
  g_settings_set_boolean (self->settings, "setup-complete", TRUE);
  g_signal_emit (self, signals[FINISHED], 0, self->chosen, question);
}

static void
ask_clicked_cb (DslSetupWizard *self)
{
  finish (self, gtk_label_get_label (self->ask_label));
}

static void
next_clicked_cb (DslSetupWizard *self)
{
  const char *page = current_page (self);

  if (g_str_equal (page, "welcome"))
    show_page (self, "computer");
  else if (g_str_equal (page, "computer"))
    show_page (self, "ollama");
  else if (g_str_equal (page, "ollama") && self->server_ready)
    {
      if (self->server_is_other)
        {
          g_settings_set_string (self->settings, "server-url", self->server_url);
          g_object_set (self->service, "configured-url", self->server_url, NULL);
        }
      show_page (self, "model");
    }
  else if (g_str_equal (page, "model") && self->chosen != NULL)
    {
      if (is_pulled (self, self->chosen))
        show_ready (self);
      else
        start_pull (self);
    }
  else if (g_str_equal (page, "ready"))
    finish (self, NULL);
}

static void
back_clicked_cb (DslSetupWizard *self)
{
  const char *page = current_page (self);

  if (g_str_equal (page, "welcome"))
    {
      g_signal_emit (self, signals[CANCELLED], 0);
      return;
    }
  if (g_str_equal (page, "download") || g_str_equal (page, "ready"))
    {
      show_page (self, "model");
      return;
    }

  for (guint i = 1; i < G_N_ELEMENTS (page_order); i++)
    if (g_str_equal (page, page_order[i]))
      {
        show_page (self, page_order[i - 1]);
        return;
      }
}

static void
page_changed_cb (DslSetupWizard *self)
{
  update_buttons (self);
}

/* Life ******************************************************************************************/

/* Our server stopped (for an update, or it died): it is not there to use until found again. */
static void
service_state_cb (DslSetupWizard *self)
{
  if (self->server_ready && !self->server_is_other &&
      dsl_ollama_service_get_state (self->service) != DSL_OLLAMA_SERVICE_STATE_READY)
    {
      self->server_ready = FALSE;
      gtk_widget_set_visible (GTK_WIDGET (self->ollama_found_list), FALSE);
      update_buttons (self);
    }
}

/* Our server says what it computes on in its log, which is read as it comes: show it then. */
static void
service_gpu_cb (DslSetupWizard *self)
{
  if (self->server_ready && !self->server_is_other &&
      g_strcmp0 (self->server_url, dsl_ollama_service_get_url (self->service)) == 0)
    {
      g_autofree char *where = describe_found (self->service);

      adw_action_row_set_subtitle (self->ollama_found_row, where);
    }
}

/**
 * dsl_setup_wizard_set_context:
 * @settings: the app's settings: read, and written once a step succeeded
 * @service: finds (or starts) the server
 */
void
dsl_setup_wizard_set_context (DslSetupWizard   *self,
                              GSettings        *settings,
                              DslOllamaService *service)
{
  g_return_if_fail (DSL_IS_SETUP_WIZARD (self));

  g_set_object (&self->settings, settings);
  g_set_object (&self->service, service);
  dsl_install_box_set_service (self->install_box, self->service);
  g_signal_connect_object (self->service, "notify::state", G_CALLBACK (service_state_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service, "notify::gpu", G_CALLBACK (service_gpu_cb), self,
                           G_CONNECT_SWAPPED);
}

/**
 * dsl_setup_wizard_start:
 * @page: the page to open on: "welcome", or "ollama" (no server) or "model" (no model)
 * @can_cancel: whether there is a chat to go back to
 */
void
dsl_setup_wizard_start (DslSetupWizard *self,
                        const char     *page,
                        gboolean        can_cancel)
{
  g_return_if_fail (DSL_IS_SETUP_WIZARD (self));
  g_return_if_fail (self->settings != NULL && self->service != NULL);

  self->can_cancel = can_cancel;
  self->context_length = g_settings_get_uint (self->settings, "context-length");
  g_clear_pointer (&self->chosen, g_free);

  gtk_stack_set_transition_type (self->pages, GTK_STACK_TRANSITION_TYPE_NONE);
  show_page (self, page != NULL ? page : "welcome");
  gtk_stack_set_transition_type (self->pages, GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT_RIGHT);

  if (self->report == NULL)
    dsl_hardware_probe_async (NULL, NULL, self->cancellable, probed_cb, self);
  if (self->pull_cancellable == NULL)
    start_find (self);
  update_welcome (self);
}

/**
 * dsl_setup_wizard_stop:
 *
 * Ends whatever the wizard has running: the window is done with it.
 */
void
dsl_setup_wizard_stop (DslSetupWizard *self)
{
  g_return_if_fail (DSL_IS_SETUP_WIZARD (self));

  g_cancellable_cancel (self->find_cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_cancellable_cancel (self->pull_cancellable);
  g_clear_object (&self->find_cancellable);
  g_clear_object (&self->test_cancellable);
}

static void
dsl_setup_wizard_dispose (GObject *object)
{
  DslSetupWizard *self = DSL_SETUP_WIZARD (object);

  g_cancellable_cancel (self->cancellable);
  dsl_setup_wizard_stop (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_SETUP_WIZARD);

  g_clear_object (&self->client);
  g_clear_object (&self->test_client);
  g_clear_object (&self->catalog);
  g_clear_object (&self->service);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dsl_setup_wizard_parent_class)->dispose (object);
}

static void
dsl_setup_wizard_finalize (GObject *object)
{
  DslSetupWizard *self = DSL_SETUP_WIZARD (object);

  g_clear_pointer (&self->report, dsl_hardware_report_free);
  g_clear_pointer (&self->pulled, g_strfreev);
  g_clear_pointer (&self->more_rows, g_ptr_array_unref);
  g_free (self->server_url);
  g_free (self->chosen);
  g_free (self->last_notification);
  g_free (self->install_warning);
  g_clear_object (&self->pull_cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (dsl_setup_wizard_parent_class)->finalize (object);
}

static void
dsl_setup_wizard_class_init (DslSetupWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_setup_wizard_dispose;
  object_class->finalize = dsl_setup_wizard_finalize;

  /**
   * DslSetupWizard::finished:
   * @model: the model to chat with
   * @question: (nullable): the suggested first question, when the person chose to ask it
   */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                    G_TYPE_STRING);
  /**
   * DslSetupWizard::cancelled:
   *
   * The person went back to the chat without setting up again.
   */
  signals[CANCELLED] = g_signal_new ("cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (DSL_TYPE_INSTALL_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-setup-wizard.ui");
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, pages);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, welcome_download_label);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, computer_spinner);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, computer_summary);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, computer_list);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, computer_problems);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ollama_searching);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ollama_spinner);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ollama_found_list);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ollama_found_row);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ollama_message);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, install_box);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, search_again_button);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, server_row);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, server_test_label);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, model_scroller);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, model_summary);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, nothing_fits_button);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, model_list);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, more_row);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_page);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_progress_box);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_step);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_bar);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_detail);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_error_box);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, download_error_label);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ready_page);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ask_button);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, ask_label);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, back_button);
  gtk_widget_class_bind_template_child (widget_class, DslSetupWizard, next_button);
  gtk_widget_class_bind_template_callback (widget_class, page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, installed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_again_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, nothing_fits_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_download_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_download_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ask_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_clicked_cb);
}

static void
dsl_setup_wizard_init (DslSetupWizard *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  dsl_ui_name_mnemonic_buttons (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->client = dsl_ollama_client_new (NULL);
  self->more_rows = g_ptr_array_new ();
  self->catalog = dsl_model_catalog_new_default (&error);
  if (self->catalog == NULL)
    g_warning ("The model table could not be read: %s", error->message);

  gtk_label_set_label (self->ask_label,
                       _("Why is the sky blue? Explain it so that a child understands."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->ask_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_label (self->ask_label), -1);
  update_buttons (self);
}

/* For tests *************************************************************************************/

const char *
dsl_setup_wizard_get_page (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return current_page (self);
}

GtkButton *
dsl_setup_wizard_get_next_button (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->next_button;
}

GtkButton *
dsl_setup_wizard_get_back_button (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->back_button;
}

GtkWidget *
dsl_setup_wizard_get_install_box (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return GTK_WIDGET (self->install_box);
}

AdwEntryRow *
dsl_setup_wizard_get_server_row (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->server_row;
}

const char *
dsl_setup_wizard_get_welcome_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return gtk_label_get_label (self->welcome_download_label);
}

const char *
dsl_setup_wizard_get_computer_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return gtk_label_get_label (self->computer_summary);
}

/**
 * dsl_setup_wizard_dup_ollama_text:
 *
 * Returns: (transfer full): what the Ollama page says about the server: the server found, or
 *   the message why there is none
 */
char *
dsl_setup_wizard_dup_ollama_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);

  if (gtk_widget_get_visible (GTK_WIDGET (self->ollama_found_list)))
    return g_strdup_printf ("%s\n%s",
                            adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->ollama_found_row)),
                            adw_action_row_get_subtitle (self->ollama_found_row));
  if (gtk_widget_get_visible (GTK_WIDGET (self->ollama_message)))
    return g_strdup (gtk_label_get_label (self->ollama_message));
  return g_strdup ("");
}

const char *
dsl_setup_wizard_get_server_test_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return gtk_label_get_label (self->server_test_label);
}

gboolean
dsl_setup_wizard_get_server_ready (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), FALSE);
  return self->server_ready;
}

const char *
dsl_setup_wizard_get_model_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return gtk_label_get_label (self->model_summary);
}

static GtkWidget *
find_model_row (DslSetupWizard *self,
                const char     *model)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->model_list, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "dsl-model"), model) == 0)
      return GTK_WIDGET (row);
  for (guint i = 0; i < self->more_rows->len; i++)
    {
      GtkWidget *more = g_ptr_array_index (self->more_rows, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (more), "dsl-model"), model) == 0)
        return more;
    }
  return NULL;
}

/**
 * dsl_setup_wizard_dup_model_row_text:
 *
 * Returns: (transfer full) (nullable): the row of @model as read aloud: its title, its lines,
 *   and its tags ("Recommended", "Downloaded")
 */
char *
dsl_setup_wizard_dup_model_row_text (DslSetupWizard *self,
                                     const char     *model)
{
  GtkWidget *row;
  GString *text;

  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);

  row = find_model_row (self, model);
  if (row == NULL)
    return NULL;

  text = g_string_new (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  g_string_append_printf (text, "\n%s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  for (GtkWidget *w = gtk_widget_get_first_child (row); w != NULL;)
    {
      /* The tags are labels with the dsl-tag class somewhere inside the row. */
      GtkWidget *next;

      if (GTK_IS_LABEL (w) && gtk_widget_has_css_class (w, "dsl-tag"))
        g_string_append_printf (text, "\n[%s]", gtk_label_get_label (GTK_LABEL (w)));

      next = gtk_widget_get_first_child (w);
      if (next == NULL)
        {
          while (w != row && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w);
          next = w == row ? NULL : gtk_widget_get_next_sibling (w);
        }
      w = next;
    }
  if (g_object_get_data (G_OBJECT (row), "dsl-check") == NULL)
    g_string_append (text, "\n[unavailable]");

  return g_string_free (text, FALSE);
}

/**
 * dsl_setup_wizard_select_model:
 *
 * Clicks the row of @model, as a person would.
 *
 * Returns: whether the row is there and could be clicked
 */
gboolean
dsl_setup_wizard_select_model (DslSetupWizard *self,
                               const char     *model)
{
  GtkWidget *row;
  GtkCheckButton *check;

  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), FALSE);

  row = find_model_row (self, model);
  check = row != NULL ? g_object_get_data (G_OBJECT (row), "dsl-check") : NULL;
  if (check == NULL)
    return FALSE;

  gtk_widget_activate (GTK_WIDGET (row));
  return gtk_check_button_get_active (check);
}

const char *
dsl_setup_wizard_get_chosen_model (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->chosen;
}

double
dsl_setup_wizard_get_download_fraction (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), 0);
  return gtk_progress_bar_get_fraction (self->download_bar);
}

const char *
dsl_setup_wizard_get_download_text (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return gtk_label_get_label (self->download_detail);
}

/**
 * dsl_setup_wizard_get_download_error:
 *
 * Returns: (nullable): the download's error as shown, or %NULL
 */
const char *
dsl_setup_wizard_get_download_error (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->download_error_box)))
    return NULL;
  return gtk_label_get_label (self->download_error_label);
}

/**
 * dsl_setup_wizard_get_custom_row:
 *
 * Returns: (transfer none) (nullable): "Another model" under More Choices, once the models are
 *   listed
 */
AdwEntryRow *
dsl_setup_wizard_get_custom_row (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->custom_row;
}

/**
 * dsl_setup_wizard_get_context_row:
 *
 * Returns: (transfer none) (nullable): the context length under More Choices
 */
AdwComboRow *
dsl_setup_wizard_get_context_row (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->context_row;
}

GtkButton *
dsl_setup_wizard_get_ask_button (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->ask_button;
}

/**
 * dsl_setup_wizard_get_last_notification:
 *
 * Returns: (nullable): the title of the last desktop notification sent
 */
const char *
dsl_setup_wizard_get_last_notification (DslSetupWizard *self)
{
  g_return_val_if_fail (DSL_IS_SETUP_WIZARD (self), NULL);
  return self->last_notification;
}
