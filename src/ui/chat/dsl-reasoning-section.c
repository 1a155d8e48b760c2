/* dsl-reasoning-section.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-reasoning-section"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-reasoning-section.h"
#include "dsl-stream-view.h"

/* R1's chain of thought above its answer: open and counting while the model thinks, folded away
 * once the answer starts, and opened again with a click. */
struct _DslReasoningSection
{
  GtkWidget    parent_instance;

  GtkExpander *expander;
  GtkLabel    *title_label;
  GtkSpinner  *spinner;
  DslStreamView *text_view;

  DslMessage  *message;
  guint        clock_id;
};

G_DEFINE_FINAL_TYPE (DslReasoningSection, dsl_reasoning_section, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MESSAGE,
  PROP_EXPANDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_title (DslReasoningSection *self)
{
  g_autofree char *title = NULL;
  gint64 seconds;

  if (self->message == NULL)
    return;

  seconds = dsl_message_get_thinking_time (self->message) / G_USEC_PER_SEC;

  if (dsl_message_get_state (self->message) == DSL_MESSAGE_STATE_THINKING)
    {
      /* Translators: shown while the model reasons; %d counts seconds */
      title = g_strdup_printf (_("Thinking… %d s"), (int) seconds);
    }
  else if (dsl_message_get_state (self->message) == DSL_MESSAGE_STATE_STOPPED &&
           dsl_message_get_content (self->message)[0] == '\0')
    {
      title = g_strdup_printf (ngettext ("Stopped after thinking for %d second",
                                         "Stopped after thinking for %d seconds",
                                         MAX (1, seconds)),
                               (int) MAX (1, seconds));
    }
  else
    {
      title = g_strdup_printf (ngettext ("Thought for %d second",
                                         "Thought for %d seconds",
                                         MAX (1, seconds)),
                               (int) MAX (1, seconds));
    }

  gtk_label_set_label (self->title_label, title);
}

static gboolean
clock_cb (gpointer user_data)
{
  DslReasoningSection *self = user_data;

  update_title (self);

  return G_SOURCE_CONTINUE;
}

static void
update_visibility (DslReasoningSection *self)
{
  gboolean has_text = self->message != NULL &&
                      (dsl_message_get_reasoning (self->message)[0] != '\0' ||
                       !dsl_stream_view_is_empty (self->text_view));

  gtk_widget_set_visible (GTK_WIDGET (self), has_text);
}

static void
state_changed_cb (DslReasoningSection *self)
{
  gboolean thinking = dsl_message_get_state (self->message) == DSL_MESSAGE_STATE_THINKING;

  if (thinking && self->clock_id == 0)
    {
      self->clock_id = g_timeout_add_seconds (1, clock_cb, self);
      dsl_reasoning_section_set_expanded (self, TRUE);
    }
  else if (!thinking && self->clock_id != 0)
    {
      g_clear_handle_id (&self->clock_id, g_source_remove);
      /* The answer has started: fold the reasoning away so the answer is what one reads. */
      dsl_reasoning_section_set_expanded (self, FALSE);
    }

  gtk_spinner_set_spinning (self->spinner, thinking);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), thinking);
  update_title (self);
  update_visibility (self);
}

static void
expanded_cb (DslReasoningSection *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPANDED]);
}

static void
dsl_reasoning_section_dispose (GObject *object)
{
  DslReasoningSection *self = DSL_REASONING_SECTION (object);
  GtkWidget *child;

  dsl_reasoning_section_set_message (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DSL_TYPE_REASONING_SECTION);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dsl_reasoning_section_parent_class)->dispose (object);
}

static void
dsl_reasoning_section_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  DslReasoningSection *self = DSL_REASONING_SECTION (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      g_value_set_object (value, self->message);
      break;

    case PROP_EXPANDED:
      g_value_set_boolean (value, dsl_reasoning_section_get_expanded (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_reasoning_section_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  DslReasoningSection *self = DSL_REASONING_SECTION (object);

  switch (prop_id)
    {
    case PROP_MESSAGE:
      dsl_reasoning_section_set_message (self, g_value_get_object (value));
      break;

    case PROP_EXPANDED:
      dsl_reasoning_section_set_expanded (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_reasoning_section_class_init (DslReasoningSectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_reasoning_section_dispose;
  object_class->get_property = dsl_reasoning_section_get_property;
  object_class->set_property = dsl_reasoning_section_set_property;

  properties[PROP_MESSAGE] =
    g_param_spec_object ("message", NULL, NULL, DSL_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPANDED] =
    g_param_spec_boolean ("expanded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DSL_TYPE_STREAM_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepseeklocal/DeepSeekLocal/ui/dsl-reasoning-section.ui");
  gtk_widget_class_bind_template_child (widget_class, DslReasoningSection, expander);
  gtk_widget_class_bind_template_child (widget_class, DslReasoningSection, title_label);
  gtk_widget_class_bind_template_child (widget_class, DslReasoningSection, spinner);
  gtk_widget_class_bind_template_child (widget_class, DslReasoningSection, text_view);
  gtk_widget_class_bind_template_callback (widget_class, expanded_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "reasoning");
}

static void
dsl_reasoning_section_init (DslReasoningSection *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
dsl_reasoning_section_new (void)
{
  return g_object_new (DSL_TYPE_REASONING_SECTION, NULL);
}

DslMessage *
dsl_reasoning_section_get_message (DslReasoningSection *self)
{
  g_return_val_if_fail (DSL_IS_REASONING_SECTION (self), NULL);

  return self->message;
}

/**
 * dsl_reasoning_section_set_message:
 *
 * Shows the reasoning of @message. New text arrives with dsl_reasoning_section_append(), which
 * the message row calls at most once per frame.
 */
void
dsl_reasoning_section_set_message (DslReasoningSection *self,
                                   DslMessage          *message)
{
  g_return_if_fail (DSL_IS_REASONING_SECTION (self));
  g_return_if_fail (message == NULL || DSL_IS_MESSAGE (message));

  if (self->message == message)
    return;

  if (self->message != NULL)
    g_signal_handlers_disconnect_by_data (self->message, self);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_set_object (&self->message, message);

  dsl_stream_view_set_text (self->text_view,
                            message != NULL ? dsl_message_get_reasoning (message) : "");

  if (message != NULL)
    {
      g_signal_connect_object (message, "notify::state", G_CALLBACK (state_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (message, "notify::thinking-time", G_CALLBACK (update_title), self,
                               G_CONNECT_SWAPPED);
      dsl_reasoning_section_set_expanded (self, dsl_message_get_state (message) ==
                                                DSL_MESSAGE_STATE_THINKING);
      state_changed_cb (self);
    }
  else
    {
      update_visibility (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

/**
 * dsl_reasoning_section_append:
 *
 * Adds reasoning text that has arrived since the last frame.
 */
void
dsl_reasoning_section_append (DslReasoningSection *self,
                              const char          *text,
                              gsize                len)
{
  g_return_if_fail (DSL_IS_REASONING_SECTION (self));

  if (len == 0)
    return;

  dsl_stream_view_append (self->text_view, text, len);
  update_visibility (self);
}

gboolean
dsl_reasoning_section_get_expanded (DslReasoningSection *self)
{
  g_return_val_if_fail (DSL_IS_REASONING_SECTION (self), FALSE);

  return gtk_expander_get_expanded (self->expander);
}

void
dsl_reasoning_section_set_expanded (DslReasoningSection *self,
                                    gboolean             expanded)
{
  g_return_if_fail (DSL_IS_REASONING_SECTION (self));

  gtk_expander_set_expanded (self->expander, expanded);
}

/**
 * dsl_reasoning_section_get_title:
 *
 * Returns: the header as the person reads it ("Thought for 12 seconds")
 */
const char *
dsl_reasoning_section_get_title (DslReasoningSection *self)
{
  g_return_val_if_fail (DSL_IS_REASONING_SECTION (self), NULL);

  return gtk_label_get_label (self->title_label);
}

/**
 * dsl_reasoning_section_dup_text:
 *
 * Returns: (transfer full): the reasoning text as shown
 */
char *
dsl_reasoning_section_dup_text (DslReasoningSection *self)
{
  g_return_val_if_fail (DSL_IS_REASONING_SECTION (self), NULL);

  return dsl_stream_view_dup_text (self->text_view);
}
