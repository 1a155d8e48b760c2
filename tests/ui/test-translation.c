/* test-translation.c: in Chinese, every string the app shows is Chinese
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs with LANG=zh_CN.UTF-8. Opens the window and its dialogs in the states a person meets
 * (a chat with reasoning, a stopped answer, an error, no server), collects every text on screen
 * and every tooltip and menu item, and fails on any English word that is not a name (DeepSeek,
 * Ollama), a key name, an address, a model tag or the server's own words quoted in a message.
 * Writes the zh_CN screenshots.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "dsl-about.h"
#include "dsl-hardware.h"
#include "dsl-message-row.h"
#include "dsl-preferences-window.h"
#include "dsl-stream-view.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

#define MODELS "\"models\":[{\"name\":\"deepseek-r1:14b\",\"size\":8988112040}]"

static GRegex *allowed;
static GPtrArray *names;   /* this computer's device names and folders: names, not our words */
static GRegex *english;

static void
check_text (const char *where,
            const char *text,
            GPtrArray  *problems)
{
  g_autofree char *rest = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  if (text == NULL || text[0] == '\0')
    return;

  rest = g_strdup (text);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (rest, g_ptr_array_index (names, i), -1);

      g_free (rest);
      rest = g_strjoinv (" ", parts);
    }
  {
    g_autofree char *names_out = g_steal_pointer (&rest);

    rest = g_regex_replace_literal (allowed, names_out, -1, 0, " ", 0, NULL);
  }
  if (g_regex_match (english, rest, 0, &match))
    g_ptr_array_add (problems, g_strdup_printf ("%s: “%s”", where, text));
}

static void
check_menu (GMenuModel *menu,
            GPtrArray  *problems)
{
  for (int i = 0; menu != NULL && i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);

      if (g_menu_model_get_item_attribute (menu, i, "label", "s", &label))
        check_text ("menu item", label, problems);

      while (g_menu_link_iter_next (links))
        {
          g_autoptr(GMenuModel) link = g_menu_link_iter_get_value (links);

          check_menu (link, problems);
        }
    }
}

/* Model output (stream views, text views) is the model's, not ours: it is left out. */
static void
walk (GtkWidget *widget,
      GPtrArray *problems)
{
  const char *tooltip;

  if (!gtk_widget_get_visible (widget) || GTK_IS_TEXT_VIEW (widget) || DSL_IS_STREAM_VIEW (widget))
    return;

  if (GTK_IS_LABEL (widget))
    check_text ("label", gtk_label_get_text (GTK_LABEL (widget)), problems);
  if (GTK_IS_WINDOW (widget))
    check_text ("window title", gtk_window_get_title (GTK_WINDOW (widget)), problems);
  if (GTK_IS_MENU_BUTTON (widget))
    check_menu (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)), problems);
  if (ADW_IS_ENTRY_ROW (widget) || ADW_IS_PREFERENCES_ROW (widget))
    check_text ("row title", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), problems);

  tooltip = gtk_widget_get_tooltip_text (widget);
  check_text ("tooltip", tooltip, problems);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk (child, problems);
}

static void
assert_all_chinese (GtkWidget  *root,
                    const char *what)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  walk (root, problems);
  for (guint i = 0; i < problems->len; i++)
    g_printerr ("English in %s: %s\n", what, (char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
}

static void
test_locale_is_chinese (void)
{
  /* Without the locale, gettext would fall back to English and every check would be void. */
  g_assert_cmpstr (_("New Chat"), !=, "New Chat");
  g_assert_cmpstr (_("Stop"), ==, "停止");
}

static void
test_chat_window (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double (
    "{" MODELS ",\"chat\":{\"tokens_per_second\":200,"
    "\"reasoning\":\"用户问三是否小于五。三在五之前，所以是的。\","
    "\"answer\":\"是的：3 < 5。三比五小。\"}}");
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = dsl_ui_test_open_window (url, settings);
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (window));
  g_autoptr(GError) error = NULL;

  assert_all_chinese (GTK_WIDGET (window), "the empty chat");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "empty-zh_CN");

  /* A full answer, the reasoning folded. */
  dsl_ui_test_send (window, "三小于五吗？");
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);
  dsl_test_wait_ms (50);
  assert_all_chinese (GTK_WIDGET (window), "a finished answer");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "chat-zh_CN");

  /* Then one that fails mid-way, with its Retry button. */
  dsl_ollama_double_set_scenario_json (ollama,
    "{" MODELS ",\"chat\":{\"fail\":\"error_line\",\"fail_after_tokens\":6,"
    "\"reasoning\":\"让我想一想这个问题的几个方面。\"}}", &error);
  g_assert_no_error (error);
  dsl_ui_test_send (window, "再讲详细一点。");
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);
  dsl_test_wait_ms (50);
  assert_all_chinese (GTK_WIDGET (window), "a failed answer");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "chat-error-zh_CN");

  /* And one stopped by the person. */
  dsl_ollama_double_set_scenario_json (ollama,
    "{" MODELS ",\"chat\":{\"tokens_per_second\":30,\"answer_tokens\":500}}", &error);
  g_assert_no_error (error);
  gtk_widget_activate_action (GTK_WIDGET (dsl_window_get_chat_view (window)), "chat.retry", NULL);
  dsl_test_assert_wait (dsl_chat_get_busy (chat), 10000);
  dsl_test_wait_ms (400);
  assert_all_chinese (GTK_WIDGET (window), "a streaming answer");
  gtk_widget_activate_action (GTK_WIDGET (dsl_window_get_chat_view (window)), "chat.stop", NULL);
  dsl_test_wait_ms (50);
  assert_all_chinese (GTK_WIDGET (window), "a stopped answer");

  dsl_ui_test_close_window (window);
}

static void
test_no_server (void)
{
  g_autofree char *unused = dsl_test_unused_url ();
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = dsl_ui_test_open_window (unused, settings);

  g_assert_cmpstr (dsl_window_get_page (window), ==, "setup");
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (
                          dsl_window_get_setup_wizard (window))), 10000);
  assert_all_chinese (GTK_WIDGET (window), "the no-server page");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "no-server-zh_CN");

  dsl_ui_test_close_window (window);
}

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  DslHardwareReport **report = user_data;

  *report = dsl_hardware_probe_finish (result, NULL);
}

/* The processor's and graphics cards' names, and the folders, are shown as they are: every
 * window holds the wizard's "This computer" page. */
static void
collect_names (void)
{
  g_autoptr(DslHardwareReport) report = NULL;

  dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &report);
  dsl_test_assert_wait (report != NULL, 10000);
  names = g_ptr_array_new_with_free_func (g_free);
  if (report->cpu_model != NULL)
    g_ptr_array_add (names, g_strdup (report->cpu_model));
  for (guint i = 0; report->gpus != NULL && i < report->gpus->len; i++)
    {
      DslGpu *gpu = g_ptr_array_index (report->gpus, i);

      if (gpu->name != NULL)
        g_ptr_array_add (names, g_strdup (gpu->name));
    }
  if (report->models_path != NULL)
    g_ptr_array_add (names, g_strdup (report->models_path));
  g_ptr_array_add (names, g_strdup (g_get_user_data_dir ()));
}

/* The whole setup wizard, page by page, in Chinese. */
static void
test_setup (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double (
    "{" MODELS ",\"pullable\":[{\"name\":\"deepseek-r1:1.5b\",\"size\":20000000}],"
    "\"pull_bytes_per_second\":4000000}");
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslSetupWizard *wizard;
  DslWindow *window;
  const char * const pages[] = { "welcome", "computer", "ollama", "model" };

  g_settings_set_boolean (settings, "setup-complete", FALSE);
  window = dsl_ui_test_open_window (url, settings);
  wizard = dsl_window_get_setup_wizard (window);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard) &&
                        dsl_setup_wizard_get_chosen_model (wizard) != NULL, 10000);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *what = g_strdup_printf ("the setup page “%s”", pages[i]);
      g_autofree char *shot = g_strdup_printf ("setup-%u-%s-zh_CN", i + 1, pages[i]);

      g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, pages[i]);
      assert_all_chinese (GTK_WIDGET (window), what);
      dsl_ui_test_screenshot (GTK_WIDGET (window), shot);
      if (i + 1 < G_N_ELEMENTS (pages))
        dsl_ui_test_click (dsl_setup_wizard_get_next_button (wizard));
    }

  /* A download, with its progress in words. */
  g_assert_true (dsl_setup_wizard_select_model (wizard, "deepseek-r1:1.5b"));
  dsl_ui_test_click (dsl_setup_wizard_get_next_button (wizard));
  dsl_test_assert_wait (dsl_setup_wizard_get_download_fraction (wizard) > 0.3, 20000);
  assert_all_chinese (GTK_WIDGET (window), "the download");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-5-download-zh_CN");
  dsl_test_assert_wait (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 30000);
  assert_all_chinese (GTK_WIDGET (window), "the ready page");
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-6-ready-zh_CN");

  dsl_ui_test_close_window (window);
}

static void
test_dialogs (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslPreferencesWindow *prefs = dsl_preferences_window_new (settings);
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/deepseeklocal/DeepSeekLocal/gtk/help-overlay.ui");
  GtkWidget *shortcuts = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  GtkWidget *about = dsl_about_window_new ();

  gtk_window_present (GTK_WINDOW (prefs));
  dsl_test_wait_ms (100);
  assert_all_chinese (GTK_WIDGET (prefs), "Preferences");
  gtk_window_destroy (GTK_WINDOW (prefs));

  gtk_window_present (GTK_WINDOW (shortcuts));
  dsl_test_wait_ms (100);
  assert_all_chinese (shortcuts, "Keyboard Shortcuts");
  gtk_window_destroy (GTK_WINDOW (shortcuts));

  gtk_window_present (GTK_WINDOW (about));
  dsl_test_wait_ms (100);
  assert_all_chinese (about, "About");
  gtk_window_destroy (GTK_WINDOW (about));
}

int
main (int   argc,
      char *argv[])
{
  dsl_ui_test_init (&argc, &argv);

  allowed = g_regex_new ("https?://\\S+|\\bollama\\.com\\b|[a-z0-9.-]+:[a-z0-9._-]+|“[^”]*”|\"[^\"]*\"|"
                         "DeepSeek-R1-[A-Za-z0-9.-]+|DeepSeek(-R1)?|Ollama|OLLAMA_HOST|\\bR1\\b|\\bAI\\b|\\bMIT\\b|"
                         "\\bGPL\\b|GNU|\\b(GTX|RTX|Mac|Pro|Max|Ultra|PC|FP16|F16|CUDA|ROCm|Vulkan|VRAM|AVX2?|Ti)\\b|"
                         "\\bQ[0-9]_[A-Z0-9_]+\\b|\\b[kMGT]i?B\\b|\\bShift\\b|\\bEnter\\b|\\bCtrl\\b|\\bEsc\\b|\\bF5\\b",
                         0, 0, NULL);
  english = g_regex_new ("[A-Za-z]{2,}", 0, 0, NULL);

  /* The desktop with an RTX 3060 of tests/hardware/machines, as in the English screenshots. */
  {
    g_autofree char *root = g_build_filename (MACHINES_DIR, "desktop-rtx3060", NULL);
    g_autofree char *path = g_strdup_printf ("%s/bin:/usr/bin:/bin", root);

    g_setenv ("DSL_SYSROOT", root, TRUE);
    g_setenv ("PATH", path, TRUE);
  }
  collect_names ();

  g_test_add_func ("/dsl/translation/locale", test_locale_is_chinese);
  g_test_add_func ("/dsl/translation/chat-window", test_chat_window);
  g_test_add_func ("/dsl/translation/no-server", test_no_server);
  g_test_add_func ("/dsl/translation/setup", test_setup);
  g_test_add_func ("/dsl/translation/dialogs", test_dialogs);

  return g_test_run ();
}
