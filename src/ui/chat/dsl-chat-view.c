/* dsl-chat-view.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-chat-view"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-chat-view.h"
#include "dsl-message-row.h"

/* The conversation and the box to write in. Enter sends, Shift+Enter starts a new line; while an
 * answer streams the Send button turns into Stop. The view follows new text as long as the
 * person has not scrolled up to read something else. */
struct _DslChatView
{
  GtkWidget          parent_instance;

  GtkStack          *content_stack;
  GtkScrolledWindow *scroller;
  GtkListBox        *list;
  GtkTextView       *composer;
  GtkStack          *button_stack;

  DslChat           *chat;
  gboolean           stick_to_bottom;
};

G_DEFINE_FINAL_TYPE (DslChatView, dsl_chat_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
composer_is_empty (DslChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  return g_strstrip (text)[0] == '\0';
}

static void
update_actions (DslChatView *self)
{
  gboolean busy = self->chat != NULL && dsl_chat_get_busy (self->chat);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send",
                                 self->chat != NULL && !busy && !composer_is_empty (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.stop", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.retry",
                                 self->chat != NULL && dsl_chat_can_retry (self->chat));
  gtk_stack_set_visible_child_name (self->button_stack, busy ? "stop" : "send");
}

static void
update_empty (DslChatView *self)
{
  gboolean empty = self->chat == NULL ||
                   g_list_model_get_n_items (dsl_chat_get_messages (self->chat)) == 0;

  gtk_stack_set_visible_child_name (self->content_stack, empty ? "empty" : "messages");
}

static void
scroll_to_bottom (DslChatView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) -
                                 gtk_adjustment_get_page_size (adj));
}

static void
adjustment_upper_cb (DslChatView *self)
{
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
}

static void
adjustment_value_cb (DslChatView   *self,
                     GtkAdjustment *adj)
{
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  /* Within a line of the end counts as "at the end". */
  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= bottom - 24;
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  DslChatView *self = user_data;
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), dsl_message_row_new (self->chat, item));

  return row;
}

static void
messages_changed_cb (DslChatView *self)
{
  update_empty (self);
}

static void
send_activated (GtkWidget  *widget,
                const char *action,
                GVariant   *parameter)
{
  DslChatView *self = DSL_CHAT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->chat == NULL)
    return;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  /* The text leaves the box only once the chat has taken it. */
  if (dsl_chat_send (self->chat, text))
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      self->stick_to_bottom = TRUE;
    }
}

static void
stop_activated (GtkWidget  *widget,
                const char *action,
                GVariant   *parameter)
{
  DslChatView *self = DSL_CHAT_VIEW (widget);

  if (self->chat != NULL)
    dsl_chat_stop (self->chat);
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action,
                 GVariant   *parameter)
{
  DslChatView *self = DSL_CHAT_VIEW (widget);

  if (self->chat != NULL && dsl_chat_retry (self->chat))
    self->stick_to_bottom = TRUE;
}

static gboolean
composer_key_pressed_cb (DslChatView           *self,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         GtkEventControllerKey *controller)
{
  GdkEvent *event;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;

  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return GDK_EVENT_PROPAGATE;  /* Shift+Enter: a new line */

  /* An input method (pinyin, say) uses Enter to commit what is being composed. */
  event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  if (event != NULL && gtk_text_view_im_context_filter_keypress (self->composer, event))
    return GDK_EVENT_STOP;

  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
  return GDK_EVENT_STOP;
}

static void
dsl_chat_view_dispose (GObject *object)
{
  DslChatView *self = DSL_CHAT_VIEW (object);
  GtkWidget *child;

  dsl_chat_view_set_chat (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_CHAT_VIEW);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dsl_chat_view_parent_class)->dispose (object);
}

static void
dsl_chat_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  DslChatView *self = DSL_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_chat_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  DslChatView *self = DSL_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      dsl_chat_view_set_chat (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_chat_view_class_init (DslChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_chat_view_dispose;
  object_class->get_property = dsl_chat_view_get_property;
  object_class->set_property = dsl_chat_view_set_property;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, DSL_TYPE_CHAT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DslChatView, content_stack);
  gtk_widget_class_bind_template_child (widget_class, DslChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, DslChatView, list);
  gtk_widget_class_bind_template_child (widget_class, DslChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, DslChatView, button_stack);
  gtk_widget_class_bind_template_callback (widget_class, composer_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_actions);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "chat.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "chat.retry", NULL, retry_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "chat.stop", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatview");
}

static void
dsl_chat_view_init (DslChatView *self)
{
  GtkAdjustment *adj;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->stick_to_bottom = TRUE;
  adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (adjustment_upper_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (adjustment_value_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  update_actions (self);
  update_empty (self);
}

GtkWidget *
dsl_chat_view_new (void)
{
  return g_object_new (DSL_TYPE_CHAT_VIEW, NULL);
}

DslChat *
dsl_chat_view_get_chat (DslChatView *self)
{
  g_return_val_if_fail (DSL_IS_CHAT_VIEW (self), NULL);

  return self->chat;
}

/**
 * dsl_chat_view_set_chat:
 * @chat: (nullable): the chat to show
 */
void
dsl_chat_view_set_chat (DslChatView *self,
                        DslChat     *chat)
{
  g_return_if_fail (DSL_IS_CHAT_VIEW (self));
  g_return_if_fail (chat == NULL || DSL_IS_CHAT (chat));

  if (self->chat == chat)
    return;

  if (self->chat != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chat, self);
      g_signal_handlers_disconnect_by_data (dsl_chat_get_messages (self->chat), self);
    }

  g_set_object (&self->chat, chat);

  if (chat != NULL)
    {
      gtk_list_box_bind_model (self->list, dsl_chat_get_messages (chat), create_row_cb, self,
                               NULL);
      g_signal_connect_object (chat, "notify::busy", G_CALLBACK (update_actions), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::can-retry", G_CALLBACK (update_actions), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (dsl_chat_get_messages (chat), "items-changed",
                               G_CALLBACK (messages_changed_cb), self, G_CONNECT_SWAPPED);
    }
  else
    {
      gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
    }

  self->stick_to_bottom = TRUE;
  update_actions (self);
  update_empty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
}

/**
 * dsl_chat_view_get_composer_buffer:
 *
 * Returns: (transfer none): what the person is writing
 */
GtkTextBuffer *
dsl_chat_view_get_composer_buffer (DslChatView *self)
{
  g_return_val_if_fail (DSL_IS_CHAT_VIEW (self), NULL);

  return gtk_text_view_get_buffer (self->composer);
}

/**
 * dsl_chat_view_get_composer:
 *
 * Returns: (transfer none): the text view the person writes in
 */
GtkWidget *
dsl_chat_view_get_composer (DslChatView *self)
{
  g_return_val_if_fail (DSL_IS_CHAT_VIEW (self), NULL);

  return GTK_WIDGET (self->composer);
}

/**
 * dsl_chat_view_get_row:
 *
 * Returns: (transfer none) (nullable): the #DslMessageRow at @position
 */
GtkWidget *
dsl_chat_view_get_row (DslChatView *self,
                       guint        position)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (DSL_IS_CHAT_VIEW (self), NULL);

  row = gtk_list_box_get_row_at_index (self->list, position);
  return row != NULL ? gtk_list_box_row_get_child (row) : NULL;
}

void
dsl_chat_view_focus_composer (DslChatView *self)
{
  g_return_if_fail (DSL_IS_CHAT_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}
