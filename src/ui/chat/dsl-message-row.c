/* dsl-message-row.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-message-row"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-message-row.h"
#include "dsl-stream-view.h"
#include "dsl-ui-util.h"

/* One message in the chat. Streamed text is collected as it arrives and added to the views once
 * per frame: a fast model sends hundreds of chunks a second, and each insertion costs a relayout
 * of the paragraph it lands in. */
struct _DslMessageRow
{
  GtkWidget            parent_instance;

  GtkWidget           *user_box;
  GtkLabel            *user_label;
  GtkWidget           *assistant_box;
  DslReasoningSection *reasoning;
  GtkWidget           *waiting_box;
  GtkSpinner          *waiting_spinner;
  DslStreamView       *answer_view;
  GtkWidget           *footer_box;
  GtkLabel            *status_label;
  GtkWidget           *copy_button;
  GtkWidget           *error_box;
  GtkLabel            *error_label;
  GtkWidget           *retry_button;

  DslChat             *chat;
  DslMessage          *message;
  GString             *pending_reasoning;
  GString             *pending_answer;
  guint                tick_id;
};

G_DEFINE_FINAL_TYPE (DslMessageRow, dsl_message_row, GTK_TYPE_WIDGET)

static void
flush_pending (DslMessageRow *self)
{
  if (self->pending_reasoning->len > 0)
    {
      dsl_reasoning_section_append (self->reasoning, self->pending_reasoning->str,
                                    self->pending_reasoning->len);
      g_string_truncate (self->pending_reasoning, 0);
    }

  if (self->pending_answer->len > 0)
    {
      dsl_stream_view_append (self->answer_view, self->pending_answer->str,
                              self->pending_answer->len);
      g_string_truncate (self->pending_answer, 0);
      gtk_widget_set_visible (GTK_WIDGET (self->answer_view), TRUE);
    }
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  DslMessageRow *self = DSL_MESSAGE_ROW (widget);

  flush_pending (self);
  self->tick_id = 0;

  return G_SOURCE_REMOVE;
}

static void
appended_cb (DslMessageRow *self,
             const char    *reasoning,
             const char    *answer,
             DslMessage    *message)
{
  if (reasoning != NULL)
    g_string_append (self->pending_reasoning, reasoning);
  if (answer != NULL)
    g_string_append (self->pending_answer, answer);

  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static void
update_retry (DslMessageRow *self)
{
  gboolean last = FALSE;
  GListModel *messages;
  guint n;

  if (self->chat != NULL && self->message != NULL && dsl_chat_can_retry (self->chat))
    {
      g_autoptr(DslMessage) item = NULL;

      messages = dsl_chat_get_messages (self->chat);
      n = g_list_model_get_n_items (messages);
      item = n > 0 ? g_list_model_get_item (messages, n - 1) : NULL;
      last = item == self->message;
    }

  gtk_widget_set_visible (self->retry_button, last);
  gtk_widget_set_visible (self->footer_box,
                          gtk_widget_get_visible (GTK_WIDGET (self->status_label)) ||
                          gtk_widget_get_visible (self->copy_button) || last);
}

static void
update_state (DslMessageRow *self)
{
  DslMessageState state = dsl_message_get_state (self->message);
  const DslChatMetrics *metrics = dsl_message_get_metrics (self->message);
  gboolean has_answer;
  g_autofree char *status = NULL;

  /* Everything that arrived is on screen before the state says it ended. */
  if (!dsl_message_is_streaming (self->message))
    flush_pending (self);

  has_answer = !dsl_stream_view_is_empty (self->answer_view);

  gtk_widget_set_visible (self->waiting_box, state == DSL_MESSAGE_STATE_WAITING);
  gtk_spinner_set_spinning (self->waiting_spinner, state == DSL_MESSAGE_STATE_WAITING);
  gtk_widget_set_visible (GTK_WIDGET (self->answer_view), has_answer);

  switch (state)
    {
    case DSL_MESSAGE_STATE_STOPPED:
      status = g_strdup (has_answer ? _("Stopped") : _("Stopped before the answer began"));
      break;

    case DSL_MESSAGE_STATE_COMPLETE:
      if (metrics != NULL && dsl_chat_metrics_get_tokens_per_second (metrics) > 0)
        {
          /* Translators: the speed of the answer, e.g. "12.3 tokens/s" */
          status = g_strdup_printf (_("%.1f tokens/s"),
                                    dsl_chat_metrics_get_tokens_per_second (metrics));
        }
      if (metrics != NULL && g_strcmp0 (metrics->done_reason, "length") == 0)
        {
          g_autofree char *speed = g_steal_pointer (&status);

          status = speed != NULL
            ? g_strdup_printf (_("Cut off at the length limit · %s"), speed)
            : g_strdup (_("Cut off at the length limit"));
        }
      break;

    case DSL_MESSAGE_STATE_WAITING:
    case DSL_MESSAGE_STATE_THINKING:
    case DSL_MESSAGE_STATE_ANSWERING:
    case DSL_MESSAGE_STATE_FAILED:
    default:
      break;
    }

  gtk_label_set_label (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);
  gtk_widget_set_visible (self->copy_button, has_answer && !dsl_message_is_streaming (self->message));

  gtk_widget_set_visible (self->error_box, state == DSL_MESSAGE_STATE_FAILED);
  gtk_label_set_label (self->error_label,
                       state == DSL_MESSAGE_STATE_FAILED ? dsl_message_get_error_message (self->message)
                                                         : "");
  update_retry (self);
}

static void
copy_clicked_cb (DslMessageRow *self)
{
  g_autofree char *text = dsl_message_row_dup_answer_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static void
dsl_message_row_dispose (GObject *object)
{
  DslMessageRow *self = DSL_MESSAGE_ROW (object);
  GtkWidget *child;

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->message);
  g_clear_object (&self->chat);

  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_MESSAGE_ROW);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dsl_message_row_parent_class)->dispose (object);
}

static void
dsl_message_row_finalize (GObject *object)
{
  DslMessageRow *self = DSL_MESSAGE_ROW (object);

  g_string_free (self->pending_reasoning, TRUE);
  g_string_free (self->pending_answer, TRUE);

  G_OBJECT_CLASS (dsl_message_row_parent_class)->finalize (object);
}

static void
dsl_message_row_class_init (DslMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_message_row_dispose;
  object_class->finalize = dsl_message_row_finalize;

  g_type_ensure (DSL_TYPE_REASONING_SECTION);
  g_type_ensure (DSL_TYPE_STREAM_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, user_box);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, user_label);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, assistant_box);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, reasoning);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, waiting_box);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, waiting_spinner);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, answer_view);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, footer_box);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, error_box);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, DslMessageRow, retry_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "message");
}

static void
dsl_message_row_init (DslMessageRow *self)
{
  self->pending_reasoning = g_string_new (NULL);
  self->pending_answer = g_string_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  dsl_ui_name_mnemonic_buttons (GTK_WIDGET (self));
}

/**
 * dsl_message_row_new:
 * @chat: the chat the message belongs to (it says whether Retry applies)
 * @message: the message to show
 */
GtkWidget *
dsl_message_row_new (DslChat    *chat,
                     DslMessage *message)
{
  DslMessageRow *self;
  gboolean user;

  g_return_val_if_fail (DSL_IS_CHAT (chat), NULL);
  g_return_val_if_fail (DSL_IS_MESSAGE (message), NULL);

  self = g_object_new (DSL_TYPE_MESSAGE_ROW, NULL);
  self->chat = g_object_ref (chat);
  self->message = g_object_ref (message);
  user = dsl_message_get_role (message) == DSL_MESSAGE_ROLE_USER;

  gtk_widget_set_visible (self->user_box, user);
  gtk_widget_set_visible (self->assistant_box, !user);

  if (user)
    {
      gtk_label_set_text (self->user_label, dsl_message_get_content (message));
      gtk_widget_add_css_class (GTK_WIDGET (self), "user");
      return GTK_WIDGET (self);
    }

  gtk_widget_add_css_class (GTK_WIDGET (self), "assistant");
  dsl_stream_view_set_text (self->answer_view, dsl_message_get_content (message));
  dsl_reasoning_section_set_message (self->reasoning, message);

  g_signal_connect_object (message, "appended", G_CALLBACK (appended_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (message, "notify::state", G_CALLBACK (update_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (chat, "notify::can-retry", G_CALLBACK (update_retry), self,
                           G_CONNECT_SWAPPED);
  update_state (self);

  return GTK_WIDGET (self);
}

DslMessage *
dsl_message_row_get_message (DslMessageRow *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

/**
 * dsl_message_row_get_reasoning:
 *
 * Returns: (transfer none): the reasoning section
 */
DslReasoningSection *
dsl_message_row_get_reasoning (DslMessageRow *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE_ROW (self), NULL);

  return self->reasoning;
}

/**
 * dsl_message_row_dup_answer_text:
 *
 * Returns: (transfer full): the answer as it is on screen
 */
char *
dsl_message_row_dup_answer_text (DslMessageRow *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE_ROW (self), NULL);

  if (dsl_message_get_role (self->message) == DSL_MESSAGE_ROLE_USER)
    return g_strdup (gtk_label_get_text (self->user_label));

  return dsl_stream_view_dup_text (self->answer_view);
}

/**
 * dsl_message_row_get_status_text:
 *
 * Returns: what the row says about the answer: "Loading model…", an error, "Stopped", a speed
 */
const char *
dsl_message_row_get_status_text (DslMessageRow *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE_ROW (self), NULL);

  if (gtk_widget_get_visible (self->waiting_box))
    return _("Loading model…");
  if (gtk_widget_get_visible (self->error_box))
    return gtk_label_get_label (self->error_label);

  return gtk_label_get_label (self->status_label);
}

/**
 * dsl_message_row_get_retry_button:
 *
 * Returns: (transfer none): the Retry button, visible on the last failed or stopped answer
 */
GtkWidget *
dsl_message_row_get_retry_button (DslMessageRow *self)
{
  g_return_val_if_fail (DSL_IS_MESSAGE_ROW (self), NULL);

  return self->retry_button;
}
