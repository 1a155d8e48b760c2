/* dsl-application.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-application"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "dsl-about.h"
#include "dsl-cli.h"
#include "dsl-ollama-service.h"
#include "dsl-application.h"
#include "dsl-preferences-window.h"
#include "dsl-window.h"

struct _DslApplication
{
  AdwApplication  parent_instance;

  GSettings        *settings;
  DslOllamaService *service;   /* the one server the app's windows use */
};

G_DEFINE_FINAL_TYPE (DslApplication, dsl_application, ADW_TYPE_APPLICATION)

/**
 * dsl_application_init_i18n:
 *
 * Sets up translations. `DSL_LOCALEDIR` points at a build tree's catalogs, so that the app run
 * from its build folder (and the tests) speaks the same languages as the installed one.
 */
void
dsl_application_init_i18n (void)
{
  const char *localedir = g_getenv ("DSL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && localedir[0] != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static void
dsl_application_dispose (GObject *object)
{
  DslApplication *self = DSL_APPLICATION (object);

  g_clear_object (&self->service);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dsl_application_parent_class)->dispose (object);
}

static void
dsl_application_activate (GApplication *app)
{
  DslApplication *self = DSL_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (dsl_window_new (self, self->settings));

  gtk_window_present (window);
}

static int
dsl_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_contains (options, "check-hardware"))
    return dsl_cli_check_hardware (g_variant_dict_contains (options, "json"));

  if (g_variant_dict_contains (options, "install-ollama"))
    {
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);
      g_autofree char *mirror = g_settings_get_string (settings, "ollama-download-url");

      return dsl_cli_install_ollama (mirror[0] != '\0' ? mirror : NULL);
    }

  if (g_variant_dict_contains (options, "server-status"))
    {
      g_autoptr(GSettings) settings = g_settings_new (APP_ID);
      g_autofree char *url = g_settings_get_string (settings, "server-url");

      return dsl_cli_server_status (url);
    }

  return -1;
}

static void
dsl_application_startup (GApplication *app)
{
  DslApplication *self = DSL_APPLICATION (app);

  G_APPLICATION_CLASS (dsl_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_icon_name (APP_ID);
}

static void
service_stopped_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  gboolean *done = user_data;

  dsl_ollama_service_stop_finish (DSL_OLLAMA_SERVICE (object), result, NULL);
  *done = TRUE;
}

static void
dsl_application_shutdown (GApplication *app)
{
  DslApplication *self = DSL_APPLICATION (app);

  /* Our own Ollama server ends with the app: SIGTERM, and SIGKILL if it does not go within a
   * few seconds. The main loop has stopped; turn the context until the server is gone. */
  if (self->service != NULL &&
      dsl_ollama_service_get_kind (self->service) == DSL_OLLAMA_SERVER_KIND_MANAGED)
    {
      gboolean done = FALSE;

      dsl_ollama_service_stop_async (self->service, NULL, service_stopped_cb, &done);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }

  G_APPLICATION_CLASS (dsl_application_parent_class)->shutdown (app);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* Closing each window lets it cancel what it streams before the app goes. */
  for (GList *l = g_list_copy (windows), *first = l; l != NULL || (g_list_free (first), FALSE);
       l = l->next)
    gtk_window_destroy (GTK_WINDOW (l->data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  dsl_about_show (parent);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  DslApplication *self = DSL_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  DslPreferencesWindow *prefs = dsl_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  gtk_window_present (GTK_WINDOW (prefs));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
};

static void
dsl_application_class_init (DslApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = dsl_application_dispose;
  app_class->activate = dsl_application_activate;
  app_class->startup = dsl_application_startup;
  app_class->shutdown = dsl_application_shutdown;
  app_class->handle_local_options = dsl_application_handle_local_options;
}

static void
dsl_application_init (DslApplication *self)
{
  static const GOptionEntry options[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { "check-hardware", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Show what this computer has and which DeepSeek-R1 models run on it, then exit"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("With --check-hardware: print the report as JSON"), NULL },
    { "install-ollama", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Install or update Ollama for this user, without administrator rights, then exit"), NULL },
    { "server-status", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Show which Ollama server would be used and its state, then exit"), NULL },
    { NULL }
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
}

DslApplication *
dsl_application_new (void)
{
  return g_object_new (DSL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/deepseeklocal/DeepSeekLocal",
                       NULL);
}

/**
 * dsl_application_get_service:
 *
 * Returns: (transfer none): the service that finds (or runs) the Ollama server
 */
DslOllamaService *
dsl_application_get_service (DslApplication *self)
{
  g_return_val_if_fail (DSL_IS_APPLICATION (self), NULL);

  if (self->service == NULL)
    self->service = dsl_ollama_service_new (NULL);

  return self->service;
}

/**
 * dsl_application_get_settings:
 *
 * Returns: (transfer none): the app's settings
 */
GSettings *
dsl_application_get_settings (DslApplication *self)
{
  g_return_val_if_fail (DSL_IS_APPLICATION (self), NULL);

  return self->settings;
}
