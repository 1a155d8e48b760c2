/* dsl-about.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-about"

#include "config.h"

#include <glib/gi18n.h>

#include "dsl-about.h"

/* The About window is filled from the AppStream metainfo compiled into the resources, so the
 * name, links and release notes are written once (libadwaita 1.2 has no
 * adw_about_window_new_from_appdata). */

#define METAINFO_RESOURCE "/io/github/deepseeklocal/DeepSeekLocal/metainfo.xml"

typedef struct {
  GString *text;
  char    *lang;         /* xml:lang of the element being read */
  gsize    last_item;    /* where the last untranslated paragraph starts in notes */
  GString *notes;        /* release notes markup of the newest release */
  char    *homepage;
  char    *issues;
  char    *version;
  gboolean in_release;
  gboolean in_release_description;
  int      releases_seen;
  char    *url_type;
} Parse;

static void
replace_str (char       **field,
             const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* The merged metainfo holds each paragraph in English and then in every language; keep the one
 * that matches the person's language. */
static gboolean
lang_is_wanted (const char *lang)
{
  const char * const *names = g_get_language_names ();

  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], lang) == 0)
      return TRUE;

  return FALSE;
}

static void
start_element (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  Parse *p = user_data;

  g_string_truncate (p->text, 0);
  g_clear_pointer (&p->lang, g_free);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], "xml:lang"))
      p->lang = g_strdup (values[i]);

  if (g_str_equal (element, "release"))
    {
      p->releases_seen++;
      p->in_release = p->releases_seen == 1;
      for (guint i = 0; p->in_release && names[i] != NULL; i++)
        if (g_str_equal (names[i], "version"))
          p->version = g_strdup (values[i]);
    }
  else if (g_str_equal (element, "description") && p->in_release)
    {
      p->in_release_description = TRUE;
    }
  else if (p->in_release_description && g_str_equal (element, "ul"))
    {
      g_string_append (p->notes, "<ul>");
    }
  else if (g_str_equal (element, "url"))
    {
      g_clear_pointer (&p->url_type, g_free);
      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "type"))
          p->url_type = g_strdup (values[i]);
    }
}

static void
end_element (GMarkupParseContext  *context,
             const char           *element,
             gpointer              user_data,
             GError              **error)
{
  Parse *p = user_data;

  if (g_str_equal (element, "release"))
    {
      p->in_release = FALSE;
    }
  else if (g_str_equal (element, "description") && p->in_release_description)
    {
      p->in_release_description = FALSE;
    }
  else if (p->in_release_description && g_str_equal (element, "ul"))
    {
      g_string_append (p->notes, "</ul>");
    }
  else if (p->in_release_description)
    {
      g_autofree char *escaped = g_markup_escape_text (p->text->str, -1);

      if (p->lang == NULL)
        {
          p->last_item = p->notes->len;
          g_string_append_printf (p->notes, "<%s>%s</%s>", element, escaped, element);
        }
      else if (lang_is_wanted (p->lang))
        {
          g_string_truncate (p->notes, p->last_item);
          g_string_append_printf (p->notes, "<%s>%s</%s>", element, escaped, element);
        }
    }
  else if (g_str_equal (element, "url") && p->url_type != NULL)
    {
      if (g_str_equal (p->url_type, "homepage"))
        replace_str (&p->homepage, p->text->str);
      else if (g_str_equal (p->url_type, "bugtracker"))
        replace_str (&p->issues, p->text->str);
    }

  g_string_truncate (p->text, 0);
}

static void
text (GMarkupParseContext  *context,
      const char           *str,
      gsize                 len,
      gpointer              user_data,
      GError              **error)
{
  Parse *p = user_data;

  g_string_append_len (p->text, str, len);
}

GtkWidget *
dsl_about_window_new (void)
{
  static const GMarkupParser parser = { start_element, end_element, text, NULL, NULL };
  const char *developers[] = { _("DeepSeek Local developers"), NULL };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  Parse p = { 0 };
  GtkWidget *about;

  p.text = g_string_new (NULL);
  p.notes = g_string_new (NULL);

  bytes = g_resources_lookup_data (METAINFO_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      context = g_markup_parse_context_new (&parser, 0, &p, NULL);
      if (!g_markup_parse_context_parse (context, data, len, NULL))
        g_warning ("The metainfo in the resources could not be read");
    }

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", _("DeepSeek Local"),
                        "application-icon", APP_ID,
                        "version", p.version != NULL ? p.version : PACKAGE_VERSION,
                        "developer-name", developers[0],
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", _("© 2026 DeepSeek Local developers"),
                        "website", p.homepage,
                        "issue-url", p.issues,
                        "release-notes", p.notes->len > 0 ? p.notes->str : NULL,
                        "release-notes-version", p.version,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        "comments", _("Chat with DeepSeek-R1 on your own computer"),
                        NULL);

  g_string_free (p.text, TRUE);
  g_string_free (p.notes, TRUE);
  g_free (p.homepage);
  g_free (p.issues);
  g_free (p.version);
  g_free (p.url_type);
  g_free (p.lang);

  return about;
}

void
dsl_about_show (GtkWindow *parent)
{
  GtkWidget *about = dsl_about_window_new ();

  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_present (GTK_WINDOW (about));
}
