/* dsl-preferences-window.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-ollama-client.h"
#include "dsl-preferences-window.h"

struct _DslPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  AdwPreferencesGroup  *server_group;
  AdwEntryRow          *server_row;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (DslPreferencesWindow, dsl_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
server_applied_cb (DslPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *url = dsl_ollama_url_from_host (text[0] != '\0' ? text
                                                                   : DSL_OLLAMA_DEFAULT_URL);

  /* Stored in the one form the app uses, so the person sees what will be contacted. */
  g_settings_set_string (self->settings, "server-url", url);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
}

static void
dsl_preferences_window_dispose (GObject *object)
{
  DslPreferencesWindow *self = DSL_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dsl_preferences_window_parent_class)->dispose (object);
}

static void
dsl_preferences_window_class_init (DslPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DslPreferencesWindow, server_group);
  gtk_widget_class_bind_template_child (widget_class, DslPreferencesWindow, server_row);
  gtk_widget_class_bind_template_callback (widget_class, server_applied_cb);
}

static void
dsl_preferences_window_init (DslPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DslPreferencesWindow *
dsl_preferences_window_new (GSettings *settings)
{
  DslPreferencesWindow *self;
  g_autofree char *url = NULL;
  const char *env = g_getenv ("OLLAMA_HOST");

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (DSL_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);

  url = g_settings_get_string (settings, "server-url");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);

  if (env != NULL && env[0] != '\0')
    {
      g_autofree char *used = dsl_ollama_url_from_host (env);
      /* Translators: %s is an address such as http://127.0.0.1:11434 */
      g_autofree char *text = g_strdup_printf (_("The OLLAMA_HOST environment variable is set, "
                                                 "so %s is used instead of this address."), used);

      adw_preferences_group_set_description (self->server_group, text);
    }

  return self;
}
