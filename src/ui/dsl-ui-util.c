/* dsl-ui-util.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dsl-ui-util.h"

/* GTK 4.8 names a button with a mnemonic label twice for a screen reader: after its accessible
 * label (the label as written, underscore and all, unless the template gives one) and again
 * after the label inside it, which names it as its mnemonic widget ("labelled by"). */
static void
drop_labelled_by (GtkButton *button)
{
  if (gtk_button_get_label (button) != NULL && gtk_button_get_use_underline (button))
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

/**
 * dsl_ui_name_mnemonic_buttons:
 *
 * Has every button with a mnemonic label under @root (itself included) named once, by the
 * accessible label its template gives it (every such button in resources/ui has one). Call it
 * once the template is built.
 */
void
dsl_ui_name_mnemonic_buttons (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root))
    drop_labelled_by (GTK_BUTTON (root));

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    dsl_ui_name_mnemonic_buttons (child);
}

/**
 * dsl_ui_set_button_label:
 * @label: with its mnemonic underscore
 *
 * Sets the label of a button that uses a mnemonic, and its accessible name without the
 * underscore, said once.
 */
void
dsl_ui_set_button_label (GtkButton  *button,
                         const char *label)
{
  g_autoptr(GString) plain = g_string_new (label);

  g_string_replace (plain, "_", "", 0);
  gtk_button_set_label (button, label);
  gtk_button_set_use_underline (button, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  plain->str, -1);
  drop_labelled_by (button);
}
