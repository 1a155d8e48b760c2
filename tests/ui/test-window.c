/* test-window.c: the real window under Xvfb, against the Ollama double
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dsl-about.h"
#include "dsl-message-row.h"
#include "dsl-model-info.h"
#include "dsl-models-window.h"
#include "dsl-reasoning-section.h"
#include "dsl-server-log-window.h"
#include "dsl-stream-view.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

#define MODELS "\"models\":[{\"name\":\"deepseek-r1:8b\",\"size\":5225373760}," \
                          "{\"name\":\"deepseek-r1:14b\",\"size\":8988112040}]"

typedef struct {
  DslOllamaDouble *ollama;
  GSettings       *settings;
  DslWindow       *window;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = NULL;

  f->ollama = dsl_test_start_double (data);
  f->settings = dsl_ui_test_settings ();
  url = dsl_ollama_double_dup_url (f->ollama);
  f->window = dsl_ui_test_open_window (url, f->settings);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  dsl_ui_test_close_window (f->window);
  g_clear_object (&f->settings);
  g_clear_object (&f->ollama);
}

static char *
answer_text (Fixture *f)
{
  return dsl_message_row_dup_answer_text (DSL_MESSAGE_ROW (dsl_ui_test_last_row (f->window)));
}

static char *
reasoning_text (DslReasoningSection *section)
{
  return dsl_reasoning_section_dup_text (section);
}

static DslMessage *
last_message (Fixture *f)
{
  return dsl_message_row_get_message (DSL_MESSAGE_ROW (dsl_ui_test_last_row (f->window)));
}

/* The window finds the server, lists its models, prefers the largest DeepSeek-R1, and streams an
 * answer: the reasoning open and counting while the model thinks, folded away with "Thought for"
 * once the answer starts, opened again by a click. */
static void
test_chat_streams_with_reasoning (Fixture       *f,
                                  gconstpointer  data)
{
  GtkDropDown *dropdown = dsl_window_get_model_dropdown (f->window);
  DslMessageRow *row;
  DslReasoningSection *section;
  g_autofree char *answer = NULL;
  g_autofree char *reasoning = NULL;
  GtkWidget *expander;

  g_assert_cmpstr (dsl_window_get_page (f->window), ==, "chat");
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 2);
  g_assert_cmpstr (dsl_model_info_get_name (gtk_drop_down_get_selected_item (dropdown)), ==,
                   "deepseek-r1:14b");

  dsl_ui_test_send (f->window, "Is 3 < 5?");
  row = DSL_MESSAGE_ROW (dsl_ui_test_last_row (f->window));
  section = dsl_message_row_get_reasoning (row);

  /* Nothing yet: the model is loading. */
  g_assert_cmpstr (dsl_message_row_get_status_text (row), ==, _("Loading model…"));

  /* The composer was emptied and Stop replaced Send. */
  g_assert_cmpint (gtk_text_buffer_get_char_count (
                     dsl_chat_view_get_composer_buffer (dsl_window_get_chat_view (f->window))), ==, 0);

  dsl_test_assert_wait (dsl_message_get_state (last_message (f)) == DSL_MESSAGE_STATE_THINKING &&
                        gtk_widget_get_visible (GTK_WIDGET (section)), 10000);
  g_assert_true (dsl_reasoning_section_get_expanded (section));
  g_assert_true (g_str_has_prefix (dsl_reasoning_section_get_title (section), "Thinking…"));
  dsl_ui_test_screenshot (GTK_WIDGET (f->window), "chat-thinking");

  dsl_test_assert_wait (!dsl_chat_get_busy (dsl_chat_view_get_chat (dsl_window_get_chat_view (f->window))),
                        20000);
  dsl_test_wait_ms (50);

  g_assert_false (dsl_reasoning_section_get_expanded (section));
  g_assert_true (g_str_has_prefix (dsl_reasoning_section_get_title (section), "Thought for "));
  answer = answer_text (f);
  g_assert_cmpstr (answer, ==, "Yes: 3 < 5 & 5 > 3. Three is smaller than five.");
  reasoning = reasoning_text (section);
  g_assert_cmpstr (reasoning, ==, "Okay, the user asks if 3 < 5. Three comes before five. It is.");
  g_assert_true (g_str_has_suffix (dsl_message_row_get_status_text (row), "tokens/s"));

  /* A click on the header opens it again. */
  expander = dsl_ui_test_find_expander (GTK_WIDGET (section));
  gtk_widget_activate (expander);
  g_assert_true (dsl_reasoning_section_get_expanded (section));
  dsl_ui_test_screenshot (GTK_WIDGET (f->window), "chat");
}

/* Stop ends the answer: the request is cancelled (the double sees the connection close), what
 * arrived stays, marked as stopped, and Retry asks again. */
static void
test_stop_mid_answer (Fixture       *f,
                      gconstpointer  data)
{
  DslChatView *view = dsl_window_get_chat_view (f->window);
  DslMessageRow *row;
  g_autofree char *kept = NULL;
  g_autoptr(JsonObject) request = NULL;

  dsl_ui_test_send (f->window, "Tell me a long story");
  row = DSL_MESSAGE_ROW (dsl_ui_test_last_row (f->window));
  dsl_test_assert_wait (dsl_message_get_state (last_message (f)) == DSL_MESSAGE_STATE_ANSWERING,
                        10000);
  dsl_test_wait_ms (150);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "chat.stop", NULL));
  dsl_test_wait_ms (50);

  kept = answer_text (f);
  g_assert_cmpstr (kept, !=, "");
  g_assert_cmpstr (dsl_message_row_get_status_text (row), ==, _("Stopped"));
  g_assert_true (gtk_widget_is_visible (dsl_message_row_get_retry_button (row)));

  dsl_test_assert_wait (dsl_ollama_double_get_n_active (f->ollama) == 0, 5000);
  request = dsl_test_last_request (f->ollama, "/api/chat");
  g_assert_true (json_object_get_boolean_member (request, "client_disconnected"));
  dsl_ui_test_screenshot (GTK_WIDGET (f->window), "chat-stopped");

  /* Nothing more arrives. */
  dsl_test_wait_ms (200);
  {
    g_autofree char *later = answer_text (f);
    g_assert_cmpstr (later, ==, kept);
  }
}

/* A server that dies mid-answer: a sentence says what happened, what arrived stays, and the
 * Retry button gets a full answer. */
static void
test_error_then_retry (Fixture       *f,
                       gconstpointer  data)
{
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (f->window));
  DslMessageRow *row;
  GtkWidget *retry;
  g_autofree char *answer = NULL;

  dsl_ui_test_send (f->window, "Hello?");
  row = DSL_MESSAGE_ROW (dsl_ui_test_last_row (f->window));
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);

  g_assert_cmpint (dsl_message_get_state (dsl_message_row_get_message (row)), ==,
                   DSL_MESSAGE_STATE_FAILED);
  g_assert_true (g_str_has_prefix (dsl_message_row_get_status_text (row),
                                   "The answer stopped because of an error on the server"));
  g_assert_nonnull (strstr (dsl_message_row_get_status_text (row), "model runner has unexpectedly stopped"));
  {
    g_autofree char *partial = reasoning_text (dsl_message_row_get_reasoning (row));
    g_assert_cmpstr (partial, !=, "");
  }
  retry = dsl_message_row_get_retry_button (row);
  g_assert_true (gtk_widget_is_visible (retry));
  dsl_ui_test_screenshot (GTK_WIDGET (f->window), "chat-error");

  g_assert_true (gtk_widget_is_sensitive (retry));
  g_signal_emit_by_name (retry, "clicked");
  dsl_test_assert_wait (!gtk_widget_get_visible (retry), 2000);
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);

  answer = answer_text (f);
  g_assert_cmpstr (answer, ==, "Hello! How can I help?");
  g_assert_cmpint (dsl_message_get_state (last_message (f)), ==, DSL_MESSAGE_STATE_COMPLETE);
  /* The failed try is still there above. */
  g_assert_cmpuint (g_list_model_get_n_items (dsl_chat_get_messages (chat)), ==, 3);
}

/* No server: the wizard's Ollama page says which address was tried and offers to install;
 * Search Again finds the server once it is there. */
static void
test_no_server (void)
{
  g_autofree char *unused = dsl_test_unused_url ();
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = dsl_ui_test_open_window (unused, settings);
  DslSetupWizard *wizard = dsl_window_get_setup_wizard (window);
  g_autoptr(DslOllamaDouble) ollama = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = NULL;

  g_assert_cmpstr (dsl_window_get_page (window), ==, "setup");
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "ollama");
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)), 10000);
  text = dsl_setup_wizard_dup_ollama_text (wizard);
  g_assert_nonnull (strstr (text, _("Ollama is not on this computer yet")));
  g_assert_true (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_next_button (wizard))));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "no-server");

  ollama = dsl_test_start_double ("{" MODELS "}");
  url = dsl_ollama_double_dup_url (ollama);
  g_setenv ("OLLAMA_HOST", url, TRUE);
  dsl_ui_test_click_label (GTK_WIDGET (wizard), _("_Search Again"));
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  g_free (text);
  text = dsl_setup_wizard_dup_ollama_text (wizard);
  g_assert_nonnull (strstr (text, url));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_next_button (wizard))));

  dsl_ui_test_close_window (window);
}

/* A server without models: the wizard opens on the model page. */
static void
test_no_models (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double ("{\"models\":[]}");
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = dsl_ui_test_open_window (url, settings);
  DslSetupWizard *wizard = dsl_window_get_setup_wizard (window);

  g_assert_cmpstr (dsl_window_get_page (window), ==, "setup");
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");
  dsl_test_assert_wait (dsl_setup_wizard_get_chosen_model (wizard) != NULL, 10000);
  g_assert_cmpstr (gtk_button_get_label (dsl_setup_wizard_get_next_button (wizard)), ==,
                   _("_Download"));

  dsl_ui_test_close_window (window);
}

/* The model picked last time is picked again. */
static void
test_remembers_model (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double ("{" MODELS "}");
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window;
  GtkDropDown *dropdown;

  g_settings_set_string (settings, "last-model", "deepseek-r1:8b");
  window = dsl_ui_test_open_window (url, settings);
  dropdown = dsl_window_get_model_dropdown (window);
  g_assert_cmpstr (dsl_model_info_get_name (gtk_drop_down_get_selected_item (dropdown)), ==,
                   "deepseek-r1:8b");

  gtk_drop_down_set_selected (dropdown, 0);
  g_assert_cmpstr (dsl_chat_get_model (dsl_chat_view_get_chat (dsl_window_get_chat_view (window))),
                   ==, "deepseek-r1:14b");
  {
    g_autofree char *saved = g_settings_get_string (settings, "last-model");
    g_assert_cmpstr (saved, ==, "deepseek-r1:14b");
  }

  dsl_ui_test_close_window (window);
}

static void
dump_wide (GtkWidget *w,
           int        depth)
{
  int min = 0;

  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min > 300)
    g_printerr ("%*s%s %d\n", depth * 2, "", G_OBJECT_TYPE_NAME (w), min);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    dump_wide (c, depth + 1);
}

/* The window works on a phone-width screen (the metainfo promises 360 px): nothing forces it
 * wider, even with a long model name and an answer on screen. */
static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (f->window));
  int minimum = 0;

  dsl_ui_test_send (f->window, "Is 3 < 5?");
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);

  gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL,
                      NULL, NULL);
  if (minimum > 360)
    dump_wide (GTK_WIDGET (f->window), 0);
  g_assert_cmpint (minimum, <=, 360);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 640);
  dsl_test_assert_wait (gtk_widget_get_width (GTK_WIDGET (f->window)) <= 360, 5000);
  dsl_test_wait_ms (100);
  /* The answer re-wraps to the new width: no blank space is left under it. */
  g_assert_cmpint (gtk_widget_get_height (dsl_ui_test_last_row (f->window)), <, 200);
  dsl_ui_test_screenshot (GTK_WIDGET (f->window), "chat-narrow");
}

/* The answer view: one label per paragraph, whatever the chunks; a paragraph without end is cut
 * into labels of bounded size, and no text is lost or doubled. */
static void
test_stream_view_paragraphs (void)
{
  GtkWidget *view = g_object_ref_sink (dsl_stream_view_new ());
  g_autoptr(GString) text = g_string_new ("First paragraph.\n\nSecond, with a\nline break.\n\n\n");
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autofree char *all = NULL;
  guint labels = 0;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (text, "long%u ", i);
  g_string_append (text, "\n\n最后一段。");

  /* Fed in odd-sized chunks, cutting "\n\n" and UTF-8 sequences. */
  for (gsize pos = 0; pos < text->len; pos += 7)
    dsl_stream_view_append (DSL_STREAM_VIEW (view), text->str + pos, MIN (7, text->len - pos));

  all = dsl_stream_view_dup_text (DSL_STREAM_VIEW (view));
  g_assert_cmpstr (all, ==, text->str);

  for (GtkWidget *c = gtk_widget_get_first_child (view); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      const char *label = gtk_label_get_text (GTK_LABEL (c));

      if (!gtk_widget_get_visible (c))
        continue;
      labels++;
      g_assert_cmpuint (strlen (label), <=, 4096);
      g_assert_false (g_str_has_prefix (label, "\n"));
      g_string_append (shown, label);
    }

  /* Three short paragraphs, the long one in several labels, the Chinese one. */
  g_assert_cmpuint (labels, >=, 3 + 5 + 1);
  g_assert_nonnull (strstr (shown->str, "line break."));
  g_assert_true (g_str_has_suffix (shown->str, "最后一段。"));
  g_assert_nonnull (strstr (shown->str, "long2999"));

  g_assert_finalize_object (view);
}

static GtkEventController *
key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        return controller;
    }

  return NULL;
}

static gboolean
press (GtkEventController *controller,
       guint               keyval,
       GdkModifierType     state)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
  return handled;
}

/* Enter sends; Shift+Enter is left to the text view, which starts a new line. */
static void
test_enter_sends (Fixture       *f,
                  gconstpointer  data)
{
  DslChatView *view = dsl_window_get_chat_view (f->window);
  GtkEventController *keys = key_controller (dsl_chat_view_get_composer (view));
  GtkTextBuffer *buffer = dsl_chat_view_get_composer_buffer (view);
  DslChat *chat = dsl_chat_view_get_chat (view);

  g_assert_nonnull (keys);
  gtk_text_buffer_set_text (buffer, "First line", -1);

  g_assert_false (press (keys, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_cmpuint (g_list_model_get_n_items (dsl_chat_get_messages (chat)), ==, 0);

  g_assert_true (press (keys, GDK_KEY_Return, 0));
  g_assert_cmpuint (g_list_model_get_n_items (dsl_chat_get_messages (chat)), ==, 2);
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), ==, 0);

  /* While the answer streams, Enter does not send another question, and nothing is lost. */
  gtk_text_buffer_set_text (buffer, "Second question", -1);
  press (keys, GDK_KEY_Return, 0);
  g_assert_cmpuint (g_list_model_get_n_items (dsl_chat_get_messages (chat)), ==, 2);
  {
    GtkTextIter start, end;
    g_autofree char *kept = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    kept = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (kept, ==, "Second question");
  }

  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);
}

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

/* The Copy button puts the whole answer, as shown, on the clipboard. */
static void
test_copy_answer (Fixture       *f,
                  gconstpointer  data)
{
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (f->window));
  GtkWidget *row;
  GtkWidget *copy = NULL;
  g_autofree char *pasted = NULL;

  dsl_ui_test_send (f->window, "Two paragraphs, please");
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 10000);
  row = dsl_ui_test_last_row (f->window);

  /* The button a person sees as "Copy Answer". */
  for (GtkWidget *w = gtk_widget_get_first_child (row); w != NULL;)
    {
      if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_widget_get_tooltip_text (w), _("Copy Answer")) == 0)
        {
          copy = w;
          break;
        }
      if (gtk_widget_get_first_child (w) != NULL)
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w != NULL && gtk_widget_get_next_sibling (w) == NULL)
            w = gtk_widget_get_parent (w) == row ? NULL : gtk_widget_get_parent (w);
          if (w != NULL)
            w = gtk_widget_get_next_sibling (w);
        }
    }
  g_assert_nonnull (copy);
  g_assert_true (gtk_widget_is_visible (copy));

  g_signal_emit_by_name (copy, "clicked");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (row), NULL, clipboard_read_cb, &pasted);
  dsl_test_assert_wait (pasted != NULL, 5000);
  g_assert_cmpstr (pasted, ==, "First paragraph.\n\nSecond paragraph.");
}

static gboolean
log_shows (DslServerLogWindow *log,
           const char         *line)
{
  g_autofree char *text = dsl_server_log_window_dup_text (log);

  return strstr (text, line) != NULL;
}

/* No server anywhere, but our own install: the window starts it, chats with it, and shows its
 * log from the menu. */
static void
test_managed_server_and_log (void)
{
  g_autofree char *bin = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                           "bin", NULL);
  g_autofree char *exe = g_build_filename (bin, "ollama", NULL);
  g_autofree char *unused = dsl_test_unused_url ();
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autoptr(GFile) source = g_file_new_for_path (DOUBLE_PATH);
  g_autoptr(GFile) target = g_file_new_for_path (exe);
  g_autoptr(GError) error = NULL;
  GtkWindow *log = NULL;
  DslWindow *window;

  g_mkdir_with_parents (bin, 0755);
  g_file_copy (source, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_chmod (exe, 0755);

  g_settings_set_string (settings, "server-url", unused);
  g_unsetenv ("OLLAMA_HOST");
  window = dsl_window_new (NULL, settings);
  gtk_window_present (GTK_WINDOW (window));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 30000);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-server-log", NULL));
  for (GList *l = gtk_window_list_toplevels (), *first = l; l != NULL || (g_list_free (first), FALSE);
       l = l->next)
    if (DSL_IS_SERVER_LOG_WINDOW (l->data))
      log = l->data;
  g_assert_nonnull (log);

  /* The server's lines show up as the service reads them from its log file. */
  dsl_test_assert_wait (log_shows (DSL_SERVER_LOG_WINDOW (log), "Listening on 127.0.0.1:"), 10000);
  dsl_ui_test_screenshot (GTK_WIDGET (log), "server-log");
  gtk_window_destroy (log);

  dsl_ui_test_close_window (window);

  /* The install is this test's only: the next tests look for servers afresh. */
  g_unlink (exe);
}

static guint
n_model_rows (DslModelsWindow *win)
{
  GtkListBox *list = dsl_models_window_get_model_list (win);
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}

/* A row titled @name, in whatever order the server lists its models. */
static gboolean
shows_model (DslModelsWindow *win,
             const char      *name)
{
  GtkListBox *list = dsl_models_window_get_model_list (win);
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (list, i)) != NULL; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), name) == 0)
      return TRUE;
  return FALSE;
}

static gpointer
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GListModel **models = user_data;
  g_autoptr(GError) error = NULL;

  *models = dsl_ollama_client_list_models_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  g_assert_no_error (error);
}

/* What the double itself lists now, asked by a client of its own. */
static gboolean
double_lists (DslOllamaDouble *ollama,
              const char      *name)
{
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autoptr(DslOllamaClient) client = dsl_ollama_client_new (url);
  g_autoptr(GListModel) models = NULL;

  dsl_ollama_client_list_models_async (client, NULL, listed_cb, &models);
  dsl_test_assert_wait (models != NULL, 10000);
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (models, i);

      if (g_strcmp0 (dsl_model_info_get_name (info), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The Models window lists the server's models, downloads another with progress, and deletes
 * one after asking. */
static void
test_models (Fixture       *f,
             gconstpointer  data)
{
  DslModelsWindow *win;
  AdwEntryRow *pull_row;
  GtkWidget *delete_button;
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-models", NULL));
  win = find_toplevel (DSL_TYPE_MODELS_WINDOW);
  g_assert_nonnull (win);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (win)) == GTK_WINDOW (f->window));

  dsl_test_assert_wait (gtk_widget_get_mapped (GTK_WIDGET (win)) &&
                        gtk_widget_get_width (GTK_WIDGET (win)) > 0, 10000);
  dsl_test_assert_wait (n_model_rows (win) == 2, 10000);
  g_assert_true (shows_model (win, "deepseek-r1:8b"));
  g_assert_true (shows_model (win, "deepseek-r1:14b"));
  g_assert_null (dsl_models_window_get_error_text (win));

  /* Download one more: it shows up in the list, and in the main window's. */
  pull_row = dsl_models_window_get_pull_row (win);
  gtk_editable_set_text (GTK_EDITABLE (pull_row), "deepseek-r1:1.5b");
  g_signal_emit_by_name (pull_row, "apply");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (pull_row)));
  /* A 200 MB download at 50 MB/s: long enough to see it move. */
  dsl_test_assert_wait (strstr (dsl_models_window_get_progress_text (win), " of ") != NULL,
                        10000);
  dsl_ui_test_screenshot (GTK_WIDGET (win), "models-pulling");
  dsl_test_assert_wait (n_model_rows (win) == 3, 10000);
  g_assert_true (shows_model (win, "deepseek-r1:1.5b"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (pull_row)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pull_row)), ==, "");
  g_assert_true (double_lists (f->ollama, "deepseek-r1:1.5b"));
  dsl_test_assert_wait (g_list_model_get_n_items (gtk_drop_down_get_model (
                          dsl_window_get_model_dropdown (f->window))) == 3, 10000);
  dsl_ui_test_screenshot (GTK_WIDGET (win), "models");

  /* Delete one: nothing happens until the person says so. */
  delete_button = dsl_models_window_get_delete_button (win, "deepseek-r1:8b");
  g_assert_nonnull (delete_button);
  g_signal_emit_by_name (delete_button, "clicked");
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Delete “deepseek-r1:8b”?");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "delete"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_response (dialog, "delete");
  gtk_window_destroy (GTK_WINDOW (dialog));

  dsl_test_assert_wait (n_model_rows (win) == 2, 10000);
  g_assert_false (shows_model (win, "deepseek-r1:8b"));
  g_assert_false (double_lists (f->ollama, "deepseek-r1:8b"));
  g_assert_true (double_lists (f->ollama, "deepseek-r1:1.5b"));
  g_assert_null (dsl_models_window_get_error_text (win));
  dsl_test_assert_wait (g_list_model_get_n_items (gtk_drop_down_get_model (
                          dsl_window_get_model_dropdown (f->window))) == 2, 10000);

  g_object_ref (win);
  gtk_window_destroy (GTK_WINDOW (win));
  g_assert_finalize_object (win);
}

/* `deepseek-local --version` says what it is. */
static void
test_version (void)
{
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  app = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, DEEPSEEK_LOCAL_PATH, "--version",
                          NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (app, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (app));
  g_assert_cmpstr (out, ==, "DeepSeek Local " PACKAGE_VERSION "\n");
}

/* `deepseek-local --check-hardware --json` on a desktop with a 12 GB RTX 3060: the card is
 * found and usable, and the largest model that runs fully on it is recommended. */
static void
test_check_hardware (void)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *models = g_build_filename (g_get_user_data_dir (), "models", NULL);
  JsonObject *root;
  JsonObject *gpu;

  g_mkdir_with_parents (models, 0700);
  g_subprocess_launcher_setenv (launcher, "DSL_SYSROOT", MACHINES_DIR "/desktop-rtx3060", TRUE);
  g_subprocess_launcher_setenv (launcher, "PATH", MACHINES_DIR "/desktop-rtx3060/bin", TRUE);
  g_subprocess_launcher_setenv (launcher, "OLLAMA_MODELS", models, TRUE);
  app = g_subprocess_launcher_spawn (launcher, &error, DEEPSEEK_LOCAL_PATH, "--check-hardware",
                                     "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (app, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (app));

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "recommended"), ==, "deepseek-r1:14b");
  gpu = json_array_get_object_element (
    json_object_get_array_member (json_object_get_object_member (root, "hardware"), "gpus"), 0);
  g_assert_nonnull (strstr (json_object_get_string_member (gpu, "name"), "RTX 3060"));
}

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, out, NULL, &error);
  g_assert_no_error (error);
}

/* `deepseek-local --server-status` names the server it would use and its version; with none,
 * it says so and exits 1. */
static void
test_server_status (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double ("{\"version\":\"0.12.3\"}");
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autofree char *unused = dsl_test_unused_url ();
  g_autofree char *out = NULL;
  g_autofree char *none = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GSubprocess) app_none = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", url, TRUE);
  app = g_subprocess_launcher_spawn (launcher, &error, DEEPSEEK_LOCAL_PATH, "--server-status",
                                     NULL);
  g_assert_no_error (error);
  /* The double lives in this process: keep its main loop turning while the app asks it. */
  g_subprocess_communicate_utf8_async (app, NULL, NULL, communicated_cb, &out);
  dsl_test_assert_wait (out != NULL, 20000);
  g_subprocess_wait (app, NULL, NULL);
  g_assert_true (g_subprocess_get_successful (app));
  g_assert_nonnull (strstr (out, url + strlen ("http://")));
  g_assert_nonnull (strstr (out, "0.12.3"));

  /* Nothing anywhere: the system address of the tests is unused too, and there is no install of
   * our own in a fresh data folder. */
  {
    g_autofree char *empty_home = g_dir_make_tmp ("dsl-no-install-XXXXXX", NULL);

    g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", empty_home, TRUE);
  }
  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", unused, TRUE);
  g_subprocess_launcher_setenv (launcher, "DSL_SYSTEM_OLLAMA_URL", unused, TRUE);
  app_none = g_subprocess_launcher_spawn (launcher, &error, DEEPSEEK_LOCAL_PATH, "--server-status",
                                          NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (app_none, NULL, NULL, communicated_cb, &none);
  dsl_test_assert_wait (none != NULL, 20000);
  g_subprocess_wait (app_none, NULL, NULL);
  g_assert_false (g_subprocess_get_successful (app_none));
  g_assert_true (g_str_has_prefix (none, "No Ollama server"));
}

/* The About window shows what the metainfo says: the version and notes of the newest release,
 * and the project's links. */
static void
test_about_from_metainfo (void)
{
  GtkWidget *about = dsl_about_window_new ();

  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_release_notes_version (ADW_ABOUT_WINDOW (about)), ==,
                   PACKAGE_VERSION);
  g_assert_nonnull (strstr (adw_about_window_get_release_notes (ADW_ABOUT_WINDOW (about)),
                            "<p>The first release.</p>"));
  g_assert_nonnull (strstr (adw_about_window_get_release_notes (ADW_ABOUT_WINDOW (about)),
                            "<li>Stop a running answer, or retry it</li>"));
  g_assert_cmpstr (adw_about_window_get_website (ADW_ABOUT_WINDOW (about)), ==,
                   "https://github.com/deepseeklocal/deepseek-local");
  g_assert_cmpstr (adw_about_window_get_issue_url (ADW_ABOUT_WINDOW (about)), ==,
                   "https://github.com/deepseeklocal/deepseek-local/issues");

  gtk_window_destroy (GTK_WINDOW (about));
}

int
main (int   argc,
      char *argv[])
{
  dsl_ui_test_init (&argc, &argv);

  g_test_add ("/dsl/window/chat-streams-with-reasoning", Fixture,
              "{" MODELS ",\"chat\":{\"thinking_form\":\"tags\",\"tokens_per_second\":20,"
              "\"first_byte_delay_ms\":300,"
              "\"reasoning\":\"Okay, the user asks if 3 < 5. Three comes before five. It is.\","
              "\"answer\":\"Yes: 3 < 5 & 5 > 3. Three is smaller than five.\"}}",
              fixture_set_up, test_chat_streams_with_reasoning, fixture_tear_down);
  g_test_add ("/dsl/window/stop-mid-answer", Fixture,
              "{" MODELS ",\"chat\":{\"answer_tokens\":2000,\"reasoning_tokens\":3,"
              "\"tokens_per_second\":40}}",
              fixture_set_up, test_stop_mid_answer, fixture_tear_down);
  g_test_add ("/dsl/window/error-then-retry", Fixture,
              "{" MODELS ",\"chat\":{\"fail\":\"error_line\",\"fail_after_tokens\":4,"
              "\"fail_times\":1,\"answer\":\"Hello! How can I help?\"}}",
              fixture_set_up, test_error_then_retry, fixture_tear_down);
  g_test_add ("/dsl/window/narrow", Fixture,
              "{\"models\":[{\"name\":\"deepseek-r1:70b-llama-distill-q8_0\",\"size\":74975064064}],"
              "\"chat\":{\"thinking_form\":\"field\","
              "\"answer\":\"Yes. Three is smaller than five, so 3 < 5 holds for every reading of it.\"}}",
              fixture_set_up, test_narrow, fixture_tear_down);
  g_test_add ("/dsl/window/enter-sends", Fixture,
              "{" MODELS ",\"chat\":{\"tokens_per_second\":50}}",
              fixture_set_up, test_enter_sends, fixture_tear_down);
  g_test_add ("/dsl/window/copy-answer", Fixture,
              "{" MODELS ",\"chat\":{\"answer\":\"First paragraph.\\n\\nSecond paragraph.\"}}",
              fixture_set_up, test_copy_answer, fixture_tear_down);
  g_test_add ("/dsl/window/models", Fixture,
              "{" MODELS ",\"pullable\":[{\"name\":\"deepseek-r1:1.5b\",\"size\":200000000}],"
              "\"pull_bytes_per_second\":50000000}",
              fixture_set_up, test_models, fixture_tear_down);
  g_test_add_func ("/dsl/window/no-server", test_no_server);
  g_test_add_func ("/dsl/window/managed-server-and-log", test_managed_server_and_log);
  g_test_add_func ("/dsl/app/version", test_version);
  g_test_add_func ("/dsl/app/check-hardware", test_check_hardware);
  g_test_add_func ("/dsl/app/server-status", test_server_status);
  g_test_add_func ("/dsl/app/about-from-metainfo", test_about_from_metainfo);
  g_test_add_func ("/dsl/stream-view/paragraphs", test_stream_view_paragraphs);
  g_test_add_func ("/dsl/window/no-models", test_no_models);
  g_test_add_func ("/dsl/window/remembers-model", test_remembers_model);

  return g_test_run ();
}
