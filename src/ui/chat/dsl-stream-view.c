/* dsl-stream-view.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-stream-view"

#include "config.h"

#include <string.h>

#include "dsl-stream-view.h"

/* Text that grows at its end, shown as one selectable label per paragraph.
 *
 * Appending touches only the last paragraph, so a long answer costs the length of one paragraph
 * per update, not the length of the whole answer. Labels also measure their height for the
 * width they get, which a GtkTextView in a list does not do: it keeps the height of the last
 * width it was laid out at, and a narrowed window leaves a tall blank under the answer. */
struct _DslStreamView
{
  GtkWidget  parent_instance;

  GString   *text;       /* everything, as given */
  gsize      last_start; /* where the last paragraph starts in text */
  GtkLabel  *last;       /* the label of the last paragraph */
};

G_DEFINE_FINAL_TYPE (DslStreamView, dsl_stream_view, GTK_TYPE_WIDGET)

static GtkLabel *
add_paragraph (DslStreamView *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_insert_before (label, GTK_WIDGET (self), NULL);

  return GTK_LABEL (label);
}

/* Shows text[last_start..] in the last label, opening new paragraphs at blank lines. */
static void
update_tail (DslStreamView *self)
{
  const char *tail;
  const char *gap;

  while ((gap = strstr (self->text->str + self->last_start, "\n\n")) != NULL)
    {
      g_autofree char *paragraph = g_strndup (self->text->str + self->last_start,
                                              gap - (self->text->str + self->last_start));
      gsize next = gap - self->text->str;

      /* More than one blank line is still one gap. */
      while (self->text->str[next] == '\n')
        next++;

      if (paragraph[0] != '\0')
        {
          gtk_label_set_text (self->last, paragraph);
          self->last = add_paragraph (self);
        }
      self->last_start = next;
    }

  tail = self->text->str + self->last_start;
  gtk_label_set_text (self->last, tail);
  gtk_widget_set_visible (GTK_WIDGET (self->last), tail[0] != '\0' || self->last_start == 0);
}

static void
dsl_stream_view_dispose (GObject *object)
{
  DslStreamView *self = DSL_STREAM_VIEW (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->last = NULL;

  G_OBJECT_CLASS (dsl_stream_view_parent_class)->dispose (object);
}

static void
dsl_stream_view_finalize (GObject *object)
{
  DslStreamView *self = DSL_STREAM_VIEW (object);

  g_string_free (self->text, TRUE);

  G_OBJECT_CLASS (dsl_stream_view_parent_class)->finalize (object);
}

static void
dsl_stream_view_class_init (DslStreamViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dsl_stream_view_dispose;
  object_class->finalize = dsl_stream_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "streamview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
dsl_stream_view_init (DslStreamView *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 10);

  self->text = g_string_new (NULL);
  self->last = add_paragraph (self);
}

GtkWidget *
dsl_stream_view_new (void)
{
  return g_object_new (DSL_TYPE_STREAM_VIEW, NULL);
}

/**
 * dsl_stream_view_append:
 *
 * Adds text at the end. Call it at most once per frame with what arrived meanwhile.
 */
void
dsl_stream_view_append (DslStreamView *self,
                        const char    *text,
                        gsize          len)
{
  g_return_if_fail (DSL_IS_STREAM_VIEW (self));

  if (len == 0)
    return;

  g_string_append_len (self->text, text, len);
  update_tail (self);
}

/**
 * dsl_stream_view_set_text:
 *
 * Replaces all the text.
 */
void
dsl_stream_view_set_text (DslStreamView *self,
                          const char    *text)
{
  GtkWidget *child;

  g_return_if_fail (DSL_IS_STREAM_VIEW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  g_string_assign (self->text, text != NULL ? text : "");
  self->last_start = 0;
  self->last = add_paragraph (self);
  update_tail (self);
}

/**
 * dsl_stream_view_dup_text:
 *
 * Returns: (transfer full): all the text shown
 */
char *
dsl_stream_view_dup_text (DslStreamView *self)
{
  g_return_val_if_fail (DSL_IS_STREAM_VIEW (self), NULL);

  return g_strdup (self->text->str);
}

gboolean
dsl_stream_view_is_empty (DslStreamView *self)
{
  g_return_val_if_fail (DSL_IS_STREAM_VIEW (self), TRUE);

  return self->text->len == 0;
}
