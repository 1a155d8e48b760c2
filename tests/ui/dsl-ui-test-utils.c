/* dsl-ui-test-utils.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dsl-application.h"
#include "dsl-message-row.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

void
dsl_ui_test_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  g_autofree char *home = g_dir_make_tmp ("dsl-ui-test-XXXXXX", NULL);
  static const char *dirs[] = {
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
  };

  /* A home of our own, but the system's data dirs: G_TEST_OPTION_ISOLATE_DIRS would hide the
   * icon theme and the MIME database that GTK needs to draw. */
  g_assert_nonnull (home);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (home, dirs[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (dirs[i], dir, TRUE);
    }
  g_setenv ("HOME", home, TRUE);

  /* The system's server is looked for at 127.0.0.1:11434: never in a test, where that fixed
   * port could be a developer's real Ollama. */
  {
    g_autofree char *unused = dsl_test_unused_url ();

    g_setenv ("DSL_SYSTEM_OLLAMA_URL", unused, TRUE);
  }

  dsl_application_init_i18n ();
  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();

  /* Page transitions off: a screenshot shows the page the test reached, not a crossfade. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* What DslApplication does from its resource base path. */
  gtk_css_provider_load_from_resource (css, "/io/github/deepseeklocal/DeepSeekLocal/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/deepseeklocal/DeepSeekLocal/icons");
}

/**
 * dsl_ui_test_settings:
 *
 * Returns: (transfer full): the app's settings, in memory (GSETTINGS_BACKEND=memory), at their
 *   defaults except that setup is complete
 */
GSettings *
dsl_ui_test_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  /* The memory backend lives as long as the process: each test starts from the defaults. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);

  /* Most tests are about the chat: setup was done. The wizard's tests set it back. */
  g_settings_set_boolean (settings, "setup-complete", TRUE);
  return settings;
}

/**
 * dsl_ui_test_open_window:
 * @ollama_url: the server the window should find, as OLLAMA_HOST
 *
 * Returns: (transfer none): a window on screen; close it with dsl_ui_test_close_window()
 */
DslWindow *
dsl_ui_test_open_window (const char *ollama_url,
                         GSettings  *settings)
{
  DslWindow *window;

  g_setenv ("OLLAMA_HOST", ollama_url, TRUE);
  window = dsl_window_new (NULL, settings);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));

  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "connecting") != 0, 10000);
  dsl_test_assert_wait (gtk_widget_get_mapped (GTK_WIDGET (window)) &&
                        gtk_widget_get_width (GTK_WIDGET (window)) > 0, 10000);
  return window;
}

void
dsl_ui_test_close_window (DslWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static gboolean
transition_running (GtkWidget *widget)
{
  if (GTK_IS_STACK (widget) && gtk_stack_get_transition_running (GTK_STACK (widget)))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (transition_running (child))
      return TRUE;

  return FALSE;
}

/**
 * dsl_ui_test_screenshot:
 * @name: a file name without extension
 *
 * Renders @widget as it is on screen to `<name>.png` in the build folder's screenshots/ (or
 * DSL_SCREENSHOT_DIR), for people to look at.
 */
void
dsl_ui_test_screenshot (GtkWidget  *widget,
                        const char *name)
{
  const char *dir = g_getenv ("DSL_SCREENSHOT_DIR");
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  if (dir == NULL)
    return;

  /* Let the frame clock draw what the last changes asked for, and page transitions end (slow
   * with software rendering). */
  dsl_test_wait_ms (100);
  dsl_test_assert_wait (!transition_running (widget), 5000);

  /* A page with many rows can take a few frames before the paintable has drawn it. */
  for (int tries = 0; tries < 30; tries++)
    {
      g_autoptr(GtkSnapshot) attempt = gtk_snapshot_new ();
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);

      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (attempt), width, height);
      node = gtk_snapshot_to_node (attempt);
      if (node != NULL)
        break;
      /* The paintable takes its picture when the widget draws: have it draw. */
      gtk_widget_queue_draw (widget);
      dsl_test_wait_ms (100);
    }
  if (node == NULL)
    {
      g_test_message ("Screenshot %s: nothing drawn yet", name);
      return;
    }

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

/**
 * dsl_ui_test_send:
 *
 * Types @text into the composer and presses Enter, as a person would.
 */
void
dsl_ui_test_send (DslWindow  *window,
                  const char *text)
{
  DslChatView *view = dsl_window_get_chat_view (window);
  GtkWidget *composer = dsl_chat_view_get_composer (view);

  gtk_widget_grab_focus (composer);
  gtk_text_buffer_set_text (dsl_chat_view_get_composer_buffer (view), text, -1);
  gtk_widget_activate_action (GTK_WIDGET (view), "chat.send", NULL);
}

/**
 * dsl_ui_test_last_row:
 *
 * Returns: (transfer none): the #DslMessageRow of the last message on screen
 */
GtkWidget *
dsl_ui_test_last_row (DslWindow *window)
{
  DslChatView *view = dsl_window_get_chat_view (window);
  DslChat *chat = dsl_chat_view_get_chat (view);
  guint n = g_list_model_get_n_items (dsl_chat_get_messages (chat));

  g_assert_cmpuint (n, >, 0);
  return dsl_chat_view_get_row (view, n - 1);
}

GtkWidget *
dsl_ui_test_find_expander (GtkWidget *root)
{
  if (GTK_IS_EXPANDER (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = dsl_ui_test_find_expander (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_is_drawable (root) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/**
 * dsl_ui_test_click_label:
 * @label: the button's label as written, with its mnemonic underscore
 *
 * Clicks the button with @label that is on screen under @root, as a person would; fails the
 * test when there is none or it cannot be clicked.
 */
void
dsl_ui_test_click_label (GtkWidget  *root,
                         const char *label)
{
  GtkWidget *button = NULL;

  dsl_test_assert_wait ((button = find_button (root, label)) != NULL &&
                        gtk_widget_is_sensitive (button), 10000);
  g_signal_emit_by_name (button, "clicked");
}

/**
 * dsl_ui_test_click:
 *
 * Clicks @button once it is on screen and sensitive; fails the test if it does not get there.
 */
void
dsl_ui_test_click (GtkButton *button)
{
  /* As a person would: wait for it to be there and clickable. */
  dsl_test_assert_wait (gtk_widget_is_drawable (GTK_WIDGET (button)) &&
                        gtk_widget_is_sensitive (GTK_WIDGET (button)), 10000);
  g_signal_emit_by_name (button, "clicked");
}
