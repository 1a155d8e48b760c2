/* dsl-server-log-window.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-server-log"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-server-log-window.h"

/* What our own Ollama server wrote, as it writes it: which GPU it found, how many layers went
 * there, why it failed. The service keeps the last lines; this shows them and follows new ones. */
struct _DslServerLogWindow
{
  AdwWindow          parent_instance;

  AdwWindowTitle    *window_title;
  GtkScrolledWindow *scroller;
  GtkTextView       *text_view;

  DslOllamaService  *service;
};

G_DEFINE_FINAL_TYPE (DslServerLogWindow, dsl_server_log_window, ADW_TYPE_WINDOW)

static void
scroll_to_end (DslServerLogWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_view_scroll_to_iter (self->text_view, &end, 0, FALSE, 0, 1);
}

static void
log_line_cb (DslServerLogWindow *self,
             const char         *line)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, line, -1);
  gtk_text_buffer_insert (buffer, &end, "\n", 1);
  scroll_to_end (self);
}

static void
copy_clicked_cb (DslServerLogWindow *self)
{
  g_autofree char *text = dsl_server_log_window_dup_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static void
dsl_server_log_window_dispose (GObject *object)
{
  DslServerLogWindow *self = DSL_SERVER_LOG_WINDOW (object);

  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_SERVER_LOG_WINDOW);

  G_OBJECT_CLASS (dsl_server_log_window_parent_class)->dispose (object);
}

static void
dsl_server_log_window_class_init (DslServerLogWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_server_log_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-server-log-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DslServerLogWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, DslServerLogWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, DslServerLogWindow, text_view);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dsl_server_log_window_init (DslServerLogWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dsl_server_log_window_new:
 * @service: the service whose server's log to show
 */
DslServerLogWindow *
dsl_server_log_window_new (DslOllamaService *service)
{
  DslServerLogWindow *self;
  g_autofree char *log = NULL;
  const char *url;

  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (service), NULL);

  self = g_object_new (DSL_TYPE_SERVER_LOG_WINDOW, NULL);
  self->service = g_object_ref (service);

  log = dsl_ollama_service_dup_log (service);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), log, -1);
  url = dsl_ollama_service_get_url (service);
  adw_window_title_set_subtitle (self->window_title, url != NULL ? url : "");
  g_signal_connect_object (service, "log-line", G_CALLBACK (log_line_cb), self,
                           G_CONNECT_SWAPPED);
  scroll_to_end (self);

  return self;
}

/**
 * dsl_server_log_window_dup_text:
 *
 * Returns: (transfer full): the log as shown
 */
char *
dsl_server_log_window_dup_text (DslServerLogWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (DSL_IS_SERVER_LOG_WINDOW (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
