/* dsl-window.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-window"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-chat.h"
#include "dsl-model-info.h"
#include "dsl-ollama-client.h"
#include "dsl-models-window.h"
#include "dsl-ollama-service.h"
#include "dsl-server-log-window.h"
#include "dsl-setup-wizard.h"
#include "dsl-window-private.h"

/* The main window: finds the server, lists its models, and shows the chat. On first start, and
 * whenever there is no server or no model, it shows the setup wizard instead of an empty chat. */
struct _DslWindow
{
  AdwApplicationWindow  parent_instance;

  GtkStack             *stack;
  GtkSpinner           *connecting_spinner;
  DslSetupWizard       *setup_wizard;
  GtkDropDown          *model_dropdown;
  DslChatView          *chat_view;
  GtkStack             *title_stack;

  GSettings            *settings;
  DslOllamaService     *service;       /* finds the server: configured, system, or our own */
  DslOllamaClient      *client;
  GListModel           *models;
  DslChat              *chat;
  GCancellable         *cancellable;   /* cancelled when the window closes */
  GCancellable         *connect_cancellable;
  gboolean              choosing_model;
  char                 *first_question;  /* from the wizard: asked once the chat is there */
};

G_DEFINE_FINAL_TYPE (DslWindow, dsl_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void dsl_window_connect (DslWindow *self);

/* page: "welcome" for the whole way, "ollama" when there is no server, "model" when it has no
 * model. */
static void
show_setup (DslWindow  *self,
            const char *page)
{
  gboolean was_chatting = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "chat") == 0;

  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  dsl_setup_wizard_start (self->setup_wizard, page,
                          was_chatting && g_settings_get_boolean (self->settings, "setup-complete"));
  gtk_stack_set_visible_child_name (self->stack, "setup");
  gtk_stack_set_visible_child_name (self->title_stack, "title");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-models", FALSE);
}

/* The models window needs a server that answered with its list, even an empty one. */
static void
set_server_ready (DslWindow *self,
                  gboolean   ready)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-models", ready);
}

static void
new_chat (DslWindow *self)
{
  DslModelInfo *selected = gtk_drop_down_get_selected_item (self->model_dropdown);

  if (self->chat != NULL)
    dsl_chat_stop (self->chat);
  g_clear_object (&self->chat);

  self->chat = dsl_chat_new (self->client);
  if (selected != NULL)
    dsl_chat_set_model (self->chat, dsl_model_info_get_name (selected));
  dsl_chat_view_set_chat (self->chat_view, self->chat);
  dsl_chat_view_focus_composer (self->chat_view);
}

static void
model_selected_cb (DslWindow *self)
{
  DslModelInfo *selected = gtk_drop_down_get_selected_item (self->model_dropdown);

  if (selected == NULL || self->choosing_model)
    return;

  g_settings_set_string (self->settings, "last-model", dsl_model_info_get_name (selected));
  if (self->chat != NULL)
    dsl_chat_set_model (self->chat, dsl_model_info_get_name (selected));
}

/* The model to start with: the one used last, else the largest DeepSeek-R1, else the first. */
static guint
preferred_model (DslWindow  *self,
                 GListModel *models)
{
  g_autofree char *last = g_settings_get_string (self->settings, "last-model");
  guint n = g_list_model_get_n_items (models);
  guint best = 0;
  guint64 best_size = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (models, i);

      if (g_strcmp0 (dsl_model_info_get_name (info), last) == 0)
        return i;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (models, i);

      if (g_str_has_prefix (dsl_model_info_get_name (info), "deepseek-r1") &&
          dsl_model_info_get_size (info) >= best_size)
        {
          best = i;
          best_size = dsl_model_info_get_size (info);
        }
    }

  return best;
}

static void
models_listed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DslWindow *self = user_data;
  g_autoptr(GListModel) models = NULL;
  g_autoptr(GError) error = NULL;
  const char *url;

  models = dsl_ollama_client_list_models_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->connect_cancellable);
  url = dsl_ollama_client_get_base_url (self->client);

  if (models == NULL)
    {
      g_debug ("Listing models at %s failed: %s", url, error->message);
      show_setup (self, "ollama");
      return;
    }

  if (g_list_model_get_n_items (models) == 0)
    {
      show_setup (self, "model");
      return;
    }

  g_set_object (&self->models, models);
  self->choosing_model = TRUE;
  gtk_drop_down_set_model (self->model_dropdown, models);
  gtk_drop_down_set_selected (self->model_dropdown, preferred_model (self, models));
  self->choosing_model = FALSE;

  gtk_stack_set_visible_child_name (self->title_stack, "model");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", TRUE);
  set_server_ready (self, TRUE);
  {
    /* Translators: a tooltip; %s is the server's address */
    g_autofree char *tooltip = g_strdup_printf (_("Model on the server at %s"), url);

    gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_dropdown), tooltip);
  }
  gtk_stack_set_visible_child_name (self->stack, "chat");

  if (self->chat == NULL)
    new_chat (self);
  else
    model_selected_cb (self);

  /* The wizard's suggested first question. */
  if (self->first_question != NULL)
    {
      g_autofree char *question = g_steal_pointer (&self->first_question);

      dsl_chat_send (self->chat, question);
    }
}

static void
service_found_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DslOllamaService *service = DSL_OLLAMA_SERVICE (object);
  DslWindow *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_service_find_finish (service, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_clear_object (&self->connect_cancellable);

      /* The wizard's Ollama page says which addresses were tried, and offers to install. */
      g_debug ("No server: %s", error->message);
      show_setup (self, "ollama");
      return;
    }

  dsl_ollama_client_set_base_url (self->client, dsl_ollama_service_get_url (service));
  dsl_ollama_client_list_models_async (self->client, self->connect_cancellable,
                                       models_listed_cb, self);
}

/* A spinner on a hidden page still animates in GTK 4.8, redrawing the window for nothing: it
 * spins only while it is shown. */
static void
page_changed_cb (DslWindow *self)
{
  gtk_spinner_set_spinning (self->connecting_spinner,
                            g_strcmp0 (gtk_stack_get_visible_child_name (self->stack),
                                       "connecting") == 0);
}

static void
setup_finished_cb (DslWindow  *self,
                   const char *model,
                   const char *question)
{
  g_free (self->first_question);
  self->first_question = g_strdup (question);
  dsl_setup_wizard_stop (self->setup_wizard);
  dsl_window_connect (self);
}

static void
setup_cancelled_cb (DslWindow *self)
{
  dsl_setup_wizard_stop (self->setup_wizard);
  dsl_window_connect (self);
}

static void
context_length_changed_cb (DslWindow *self)
{
  dsl_ollama_client_set_context_length (self->client,
                                        g_settings_get_uint (self->settings, "context-length"));
}

static void
dsl_window_connect (DslWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "server-url");

  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  self->connect_cancellable = g_cancellable_new ();

  /* First start: the whole way, from the welcome page. */
  if (!g_settings_get_boolean (self->settings, "setup-complete"))
    {
      show_setup (self, "welcome");
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, "connecting");
  set_server_ready (self, FALSE);

  /* The address in the settings (or OLLAMA_HOST) if it answers, else the system's server, else
   * our own install, started for the app. */
  g_object_set (self->service, "configured-url", setting, NULL);
  dsl_ollama_service_find_async (self->service, self->connect_cancellable, service_found_cb,
                                 self);
}

static void
server_url_changed_cb (DslWindow *self)
{
  /* A chat with another server's model makes no sense: start over there. */
  if (self->chat != NULL)
    dsl_chat_stop (self->chat);
  g_clear_object (&self->chat);
  dsl_chat_view_set_chat (self->chat_view, NULL);
  dsl_window_connect (self);
}

static void
new_chat_activated (GtkWidget  *widget,
                    const char *action,
                    GVariant   *parameter)
{
  new_chat (DSL_WINDOW (widget));
}

static void
show_server_log_activated (GtkWidget  *widget,
                           const char *action,
                           GVariant   *parameter)
{
  DslWindow *self = DSL_WINDOW (widget);
  DslServerLogWindow *log = dsl_server_log_window_new (self->service);

  gtk_window_set_transient_for (GTK_WINDOW (log), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (log));
}

/* A model downloaded or deleted there: list the server's models again, keeping the chat. */
static void
models_changed_cb (DslWindow *self)
{
  g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  self->connect_cancellable = g_cancellable_new ();
  dsl_ollama_client_list_models_async (self->client, self->connect_cancellable,
                                       models_listed_cb, self);
}

static void
show_models_activated (GtkWidget  *widget,
                       const char *action,
                       GVariant   *parameter)
{
  DslWindow *self = DSL_WINDOW (widget);
  DslModelsWindow *models = dsl_models_window_new (self->client);

  g_signal_connect_object (models, "changed", G_CALLBACK (models_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_set_transient_for (GTK_WINDOW (models), GTK_WINDOW (self));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (models), TRUE);
  gtk_window_present (GTK_WINDOW (models));
}

/* The log is ours to show only when the server is our own. */
static void
service_kind_cb (DslWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-server-log",
                                 dsl_ollama_service_get_kind (self->service) ==
                                 DSL_OLLAMA_SERVER_KIND_MANAGED);
}

static void
set_up_activated (GtkWidget  *widget,
                  const char *action,
                  GVariant   *parameter)
{
  show_setup (DSL_WINDOW (widget), "welcome");
}

static void
reconnect_activated (GtkWidget  *widget,
                     const char *action,
                     GVariant   *parameter)
{
  dsl_window_connect (DSL_WINDOW (widget));
}

static gboolean
dsl_window_close_request (GtkWindow *window)
{
  DslWindow *self = DSL_WINDOW (window);
  int width, height;

  /* An answer still streaming is stopped, so the server stops generating for nobody. */
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->connect_cancellable);
  if (self->chat != NULL)
    dsl_chat_stop (self->chat);

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (dsl_window_parent_class)->close_request (window);
}

static void
dsl_window_constructed (GObject *object)
{
  DslWindow *self = DSL_WINDOW (object);

  G_OBJECT_CLASS (dsl_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL);

  {
    /* The app's, given at construction (the "application" property is only set after
     * constructed); a window of its own in tests. */
    if (self->service == NULL)
      self->service = dsl_ollama_service_new (NULL);
    g_signal_connect_object (self->service, "notify::kind", G_CALLBACK (service_kind_cb), self,
                             G_CONNECT_SWAPPED);
    service_kind_cb (self);
  }

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->settings, "changed::server-url",
                           G_CALLBACK (server_url_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::context-length",
                           G_CALLBACK (context_length_changed_cb), self, G_CONNECT_SWAPPED);
  context_length_changed_cb (self);
  dsl_setup_wizard_set_context (self->setup_wizard, self->settings, self->service);

  dsl_window_connect (self);
}

static void
dsl_window_dispose (GObject *object)
{
  DslWindow *self = DSL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->connect_cancellable);
  if (self->chat != NULL)
    dsl_chat_stop (self->chat);

  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_WINDOW);

  g_clear_object (&self->chat);
  g_clear_object (&self->models);
  g_clear_object (&self->client);
  g_clear_object (&self->service);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connect_cancellable);
  g_clear_pointer (&self->first_question, g_free);

  G_OBJECT_CLASS (dsl_window_parent_class)->dispose (object);
}

static void
dsl_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DslWindow *self = DSL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DslWindow *self = DSL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_window_class_init (DslWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = dsl_window_constructed;
  object_class->dispose = dsl_window_dispose;
  object_class->get_property = dsl_window_get_property;
  object_class->set_property = dsl_window_set_property;
  window_class->close_request = dsl_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The app's one service, so that it stops our server at quit (and waits for it). */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, DSL_TYPE_OLLAMA_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DSL_TYPE_CHAT_VIEW);
  g_type_ensure (DSL_TYPE_SETUP_WIZARD);
  g_type_ensure (DSL_TYPE_MODEL_INFO);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DslWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DslWindow, setup_wizard);
  gtk_widget_class_bind_template_child (widget_class, DslWindow, connecting_spinner);
  gtk_widget_class_bind_template_callback (widget_class, page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_finished_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_cancelled_cb);
  gtk_widget_class_bind_template_child (widget_class, DslWindow, model_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DslWindow, chat_view);
  gtk_widget_class_bind_template_child (widget_class, DslWindow, title_stack);
  gtk_widget_class_bind_template_callback (widget_class, model_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.reconnect", NULL, reconnect_activated);
  gtk_widget_class_install_action (widget_class, "win.set-up", NULL, set_up_activated);
  gtk_widget_class_install_action (widget_class, "win.show-models", NULL, show_models_activated);
  gtk_widget_class_install_action (widget_class, "win.show-server-log", NULL,
                                   show_server_log_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.reconnect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.reconnect", NULL);
}

static void
setup_model_label_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (GPOINTER_TO_INT (ellipsize))
    {
      /* In the header bar the name gives way before the window gets wider than a phone. */
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (label), 6);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
    }
  gtk_list_item_set_child (item, label);
}

static void
bind_model_label_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  DslModelInfo *info = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), dsl_model_info_get_name (info));
}

static GtkListItemFactory *
model_label_factory (gboolean ellipsize)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_model_label_cb), GINT_TO_POINTER (ellipsize));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_model_label_cb), NULL);

  return factory;
}

static void
dsl_window_init (DslWindow *self)
{
  g_autoptr(GtkListItemFactory) button_factory = model_label_factory (TRUE);
  g_autoptr(GtkListItemFactory) list_factory = model_label_factory (FALSE);

  gtk_widget_init_template (GTK_WIDGET (self));
  page_changed_cb (self);

  gtk_drop_down_set_factory (self->model_dropdown, button_factory);
  gtk_drop_down_set_list_factory (self->model_dropdown, list_factory);

  self->cancellable = g_cancellable_new ();
  self->client = dsl_ollama_client_new (NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", FALSE);
  set_server_ready (self, FALSE);
}

/**
 * dsl_window_new:
 * @application: (nullable): the application, or %NULL in tests
 * @settings: the settings to read and write
 */
DslWindow *
dsl_window_new (DslApplication *application,
                GSettings      *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (DSL_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "service", application != NULL ? dsl_application_get_service (application)
                                                      : NULL,
                       NULL);
}

DslChatView *
dsl_window_get_chat_view (DslWindow *self)
{
  g_return_val_if_fail (DSL_IS_WINDOW (self), NULL);

  return self->chat_view;
}

/**
 * dsl_window_get_page:
 *
 * Returns: what the window shows: "connecting", "setup" or "chat"
 */
const char *
dsl_window_get_page (DslWindow *self)
{
  g_return_val_if_fail (DSL_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

DslSetupWizard *
dsl_window_get_setup_wizard (DslWindow *self)
{
  g_return_val_if_fail (DSL_IS_WINDOW (self), NULL);

  return self->setup_wizard;
}

GtkDropDown *
dsl_window_get_model_dropdown (DslWindow *self)
{
  g_return_val_if_fail (DSL_IS_WINDOW (self), NULL);

  return self->model_dropdown;
}
