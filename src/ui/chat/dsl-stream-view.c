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
 * width it was laid out at, and a narrowed window leaves a tall blank under the answer.
 *
 * A paragraph that grows past MAX_LABEL bytes (a long code listing, a model that never writes a
 * blank line) goes on in a new label, cut at a line break or a space, so that no update ever lays
 * out more than MAX_LABEL bytes. */

#define MAX_LABEL 4096
#define PARAGRAPH_SPACING 10
struct _DslStreamView
{
  GtkWidget  parent_instance;

  GString   *text;       /* everything, as given */
  gsize      last_start; /* where the last paragraph starts in text */
  GtkLabel  *last;       /* the label of the last paragraph */
};

G_DEFINE_FINAL_TYPE (DslStreamView, dsl_stream_view, GTK_TYPE_WIDGET)

static GtkLabel *
add_paragraph (DslStreamView *self,
               gboolean       continued)
{
  GtkWidget *label = gtk_label_new (NULL);

  if (!continued && gtk_widget_get_first_child (GTK_WIDGET (self)) != NULL)
    gtk_widget_set_margin_top (label, PARAGRAPH_SPACING);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_insert_before (label, GTK_WIDGET (self), NULL);

  return GTK_LABEL (label);
}

/* Where to cut a tail that is too long for one label: the last line break, else the last
 * space, else a character boundary, within MAX_LABEL bytes. */
static gsize
cut_point (const char *tail)
{
  const char *end = g_utf8_find_prev_char (tail, tail + MAX_LABEL);
  const char *p;

  for (p = end; p > tail + MAX_LABEL / 2; p--)
    if (*p == '\n')
      return p - tail;

  for (p = end; p > tail + MAX_LABEL / 2; p--)
    if (*p == ' ')
      return p - tail;

  return end - tail;
}

static void
close_label (DslStreamView *self,
             gsize          len,
             gsize          next,
             gboolean       continued)
{
  g_autofree char *text = g_strndup (self->text->str + self->last_start, len);

  gtk_label_set_text (self->last, text);
  self->last = add_paragraph (self, continued);
  self->last_start = next;
}

/* Shows text[last_start..] in the last label, opening new paragraphs at blank lines. */
static void
update_tail (DslStreamView *self)
{
  const char *tail;
  const char *gap;

  for (;;)
    {
      tail = self->text->str + self->last_start;
      gap = strstr (tail, "\n\n");

      if (gap != NULL && gap - tail <= MAX_LABEL)
        {
          gsize next = gap - self->text->str;

          /* More than one blank line is still one gap. */
          while (self->text->str[next] == '\n')
            next++;

          if (gap > tail)
            close_label (self, gap - tail, next, FALSE);
          else
            self->last_start = next;
        }
      else if (strlen (tail) > MAX_LABEL)
        {
          gsize cut = cut_point (tail);
          gsize next = self->last_start + cut;

          if (self->text->str[next] == '\n' || self->text->str[next] == ' ')
            next++;
          close_label (self, cut, next, TRUE);
        }
      else
        {
          break;
        }
    }

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

  self->text = g_string_new (NULL);
  self->last = add_paragraph (self, FALSE);
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
  self->last = add_paragraph (self, FALSE);
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
