/* test-setup.c: the setup wizard, walked through as a person would, from a bare machine to a
 * first answer
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hardware is a fixture machine (tests/hardware/machines, through DSL_SYSROOT): a desktop
 * with an RTX 3060, or a netbook where nothing fits. Ollama's release is served on 127.0.0.1 by
 * this test: a .tar.zst built here whose bin/ollama is the Ollama double, which then plays the
 * scenario in DSL_DOUBLE_SCENARIO (models it can pull, a chat). Each step's screenshot goes to
 * the build folder (screenshots/setup-*.png).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <archive.h>
#include <archive_entry.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dsl-chat.h"
#include "dsl-install-box.h"
#include "dsl-message.h"
#include "dsl-model-info.h"
#include "dsl-ollama-installer.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

static GBytes *archive_bytes;
static char *archive_sha256;
static gboolean wrong_checksum;
static const char *release_tag = "v0.32.15";  /* the newest release the server offers */
static gint64 cut_at = -1;      /* one-shot: the archive's connection is closed after this byte */
static GPtrArray *ranges;       /* the Range header of each archive GET, "" for none */
static char *base_url;

/* g_format_size () puts a no-break space between number and unit. */
#define NBSP "\xc2\xa0"

#define DESKTOP "desktop-rtx3060"
#define NETBOOK "netbook-1gb"

/* What the double does once installed and started by the app: a 14b it can pull (small, fast)
 * and a short chat. */
#define SCENARIO "{\"pullable\":[{\"name\":\"deepseek-r1:14b\",\"size\":30000000}," \
                 "{\"name\":\"deepseek-r1:1.5b\",\"size\":10000000}]," \
                 "\"pull_bytes_per_second\":60000000," \
                 "\"chat\":{\"tokens_per_second\":400,\"reasoning\":\"Light scatters.\"," \
                 "\"answer\":\"Blue light is scattered most by the air.\"}}"

static GBytes *
build_archive (void)
{
  g_autofree char *program = NULL;
  gsize program_len = 0;
  struct archive *a = archive_write_new ();
  struct archive_entry *entry;
  gsize used = 0;
  gsize size = 64 * 1024 * 1024;
  guint8 *buf = g_malloc (size);

  g_assert_true (g_file_get_contents (DOUBLE_PATH, &program, &program_len, NULL));
  archive_write_add_filter_zstd (a);
  archive_write_set_format_pax_restricted (a);
  g_assert_cmpint (archive_write_open_memory (a, buf, size, &used), ==, ARCHIVE_OK);

  entry = archive_entry_new ();
  archive_entry_set_pathname (entry, "bin/ollama");
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0755);
  archive_entry_set_size (entry, program_len);
  archive_write_header (a, entry);
  archive_write_data (a, program, program_len);
  archive_entry_free (entry);

  archive_write_close (a);
  archive_write_free (a);

  return g_bytes_new_take (g_realloc (buf, used), used);
}

static void
raw_written_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GIOStream *stream = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

/* A connection that breaks off: the headers promise the whole archive, @until bytes come, and the
 * connection is closed. */
static void
reply_cut (SoupServerMessage *msg,
           gint64             until)
{
  gsize total = g_bytes_get_size (archive_bytes);
  GString *text = g_string_new (NULL);
  GIOStream *stream;
  gsize len;

  g_string_append_printf (text, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n", total);
  g_string_append_len (text, g_bytes_get_data (archive_bytes, NULL), until);

  /* Asked now: libsoup looks the peer up when the connection is stolen. */
  soup_server_message_get_remote_address (msg);
  soup_server_message_get_local_address (msg);
  stream = soup_server_message_steal_connection (msg);
  len = text->len;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_string_free (text, FALSE), len, G_PRIORITY_DEFAULT, NULL,
                                   raw_written_cb, stream);
}

static void
serve_archive (SoupServerMessage *msg)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (req, "Range");
  gint64 total = g_bytes_get_size (archive_bytes);
  gint64 start = 0;

  g_ptr_array_add (ranges, g_strdup (range != NULL ? range : ""));
  if (range != NULL && g_str_has_prefix (range, "bytes="))
    start = g_ascii_strtoll (range + 6, NULL, 10);

  if (cut_at > start)
    {
      gint64 cut = cut_at;

      cut_at = -1;
      reply_cut (msg, cut);
      return;
    }

  soup_message_headers_set_content_type (resp, "application/octet-stream", NULL);
  if (start > 0)
    {
      g_autoptr(GBytes) slice = g_bytes_new_from_bytes (archive_bytes, start, total - start);

      soup_message_headers_set_content_range (resp, start, total - 1, total);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), slice);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), archive_bytes);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  const char *arch = dsl_ollama_installer_get_arch ();
  g_autofree char *archive_name = g_strdup_printf ("ollama-linux-%s.tar.zst", arch);

  if (g_str_equal (path, "/latest.json"))
    {
      g_autofree char *json = g_strdup_printf (
        "{\"tag_name\":\"%s\",\"assets\":["
        "{\"name\":\"%s\",\"size\":%" G_GSIZE_FORMAT ",\"browser_download_url\":\"%s/%s\"},"
        "{\"name\":\"sha256sum.txt\",\"size\":100,\"browser_download_url\":\"%s/sha256sum.txt\"}]}",
        release_tag, archive_name, g_bytes_get_size (archive_bytes), base_url, archive_name,
        base_url);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                        strlen (json));
    }
  else if (g_str_equal (path, "/sha256sum.txt"))
    {
      g_autofree char *line = g_strdup_printf ("%s  ./%s\n",
                                               wrong_checksum
                                                 ? "0000000000000000000000000000000000000000000000000000000000000000"
                                                 : archive_sha256,
                                               archive_name);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, line, strlen (line));
    }
  else if (g_str_has_prefix (path, "/ollama-linux-"))
    {
      serve_archive (msg);
    }
  else
    {
      soup_server_message_set_status (msg, 404, NULL);
    }
}

/* Each test starts on a machine where the app never installed anything. */
static void
forget_install (void)
{
  g_autofree char *data = g_build_filename (g_get_user_data_dir (), "deepseek-local", NULL);
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "deepseek-local", NULL);
  const char *argv[] = { "rm", "-rf", data, cache, NULL };
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
}

/* The fixture machine this test runs on; its bin/ is the whole PATH, so that nothing of this
 * computer is found. */
static void
use_machine (const char *name)
{
  g_autofree char *root = g_build_filename (MACHINES_DIR, name, NULL);
  g_autofree char *bin = g_build_filename (root, "bin", NULL);
  g_autofree char *path = g_strdup_printf ("%s:/usr/bin:/bin", bin);

  g_setenv ("DSL_SYSROOT", root, TRUE);
  g_setenv ("PATH", path, TRUE);
}

static DslWindow *open_wizard_full (GSettings  *settings,
                                    const char *ollama_url,
                                    gboolean    keep_install);

static DslWindow *
open_wizard (GSettings  *settings,
             const char *ollama_url)
{
  return open_wizard_full (settings, ollama_url, FALSE);
}

/* Nothing answers; what is installed stays. */
static DslWindow *
open_wizard_keeping_install (GSettings *settings)
{
  return open_wizard_full (settings, NULL, TRUE);
}

static DslWindow *
open_wizard_full (GSettings  *settings,
                  const char *ollama_url,
                  gboolean    keep_install)
{
  DslWindow *window;

  if (!keep_install)
    forget_install ();
  g_settings_set_boolean (settings, "setup-complete", FALSE);
  if (ollama_url != NULL)
    g_setenv ("OLLAMA_HOST", ollama_url, TRUE);
  else
    {
      g_autofree char *unused = dsl_test_unused_url ();

      g_settings_set_string (settings, "server-url", unused);
      g_unsetenv ("OLLAMA_HOST");
    }

  window = dsl_window_new (NULL, settings);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 760);
  gtk_window_present (GTK_WINDOW (window));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "setup") == 0, 10000);
  dsl_test_assert_wait (gtk_widget_get_mapped (GTK_WIDGET (window)), 10000);
  return window;
}

static void
next (DslSetupWizard *wizard)
{
  dsl_ui_test_click (dsl_setup_wizard_get_next_button (wizard));
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (text == NULL || strstr (text, part) == NULL)
    g_error ("“%s” is not in “%s”", part, text != NULL ? text : "(null)");
}

static void
assert_row (DslSetupWizard *wizard,
            const char     *model,
            const char     *part)
{
  g_autofree char *text = dsl_setup_wizard_dup_model_row_text (wizard, model);

  assert_contains (text, part);
}

/* Borrowed: the chat keeps it. */
static DslMessage *
last_message (DslWindow *window)
{
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (window));
  g_autoptr(DslMessage) message = NULL;
  GListModel *messages;
  guint n;

  if (chat == NULL)
    return NULL;
  messages = dsl_chat_get_messages (chat);
  n = g_list_model_get_n_items (messages);
  if (n == 0)
    return NULL;
  message = g_list_model_get_item (messages, n - 1);
  return message;
}

static gboolean
ollama_text_has (DslSetupWizard *wizard,
                 const char     *part)
{
  g_autofree char *text = dsl_setup_wizard_dup_ollama_text (wizard);

  return strstr (text, part) != NULL;
}

/* The timing run takes no screenshots: they let the main loop run while they wait. */
static gboolean timing_run;

static void
shot (DslWindow  *window,
      const char *name)
{
  if (!timing_run)
    dsl_ui_test_screenshot (GTK_WIDGET (window), name);
}

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* A bare machine: nothing installed, nothing answers. Welcome, this computer, Install Ollama,
 * the recommended model, its download, the suggested question, its answer. */
static void
walk_fresh_machine (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window;
  DslSetupWizard *wizard;
  DslMessage *answer;
  gint64 t_install, t_ready, t_pull, t_ask;
  double install_s, pull_s, answer_s, total_s;

  use_machine (DESKTOP);
  g_setenv ("DSL_DOUBLE_SCENARIO", SCENARIO, TRUE);
  /* The line Ollama logs about the GPU it found. */
  g_setenv ("DSL_DOUBLE_INFERENCE_COMPUTE",
            "id=GPU-5c4 library=cuda variant=v12 compute=8.6 driver=12.4 "
            "name=\"NVIDIA GeForce RTX 3060\" total=\"11.8 GiB\" available=\"11.2 GiB\"", TRUE);
  window = open_wizard (settings, NULL);
  wizard = dsl_window_get_setup_wizard (window);

  /* 1. Welcome: how much will come down, Ollama included. */
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "welcome");
  /* Once the computer is probed and the search for Ollama is over. */
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_welcome_text (wizard), "9.0" NBSP "GB") != NULL &&
                        strstr (dsl_setup_wizard_get_welcome_text (wizard), "Ollama") != NULL,
                        10000);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dsl_setup_wizard_get_back_button (wizard))));
  shot (window, "setup-1-welcome");

  /* 2. This computer: what matters, in words. */
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "computer");
  assert_contains (dsl_setup_wizard_get_computer_text (wizard),
                   "Your NVIDIA GeForce RTX 3060 has 12 GB: models up to 14B run fully on it.");
  shot (window, "setup-2-computer");

  /* 3. Ollama: not here, so Install. */
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "ollama");
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)), 10000);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_next_button (wizard))));
  shot (window, "setup-3-ollama-install");

  t_install = g_get_monotonic_time ();
  wrong_checksum = FALSE;
  dsl_ui_test_click_label (dsl_setup_wizard_get_install_box (wizard), _("_Install Ollama"));
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 60000);
  t_ready = g_get_monotonic_time ();
  {
    g_autofree char *text = dsl_setup_wizard_dup_ollama_text (wizard);

    assert_contains (text, _("Installed by DeepSeek Local for this user"));
  }
  /* ... and what it computes on, from its log. */
  dsl_test_assert_wait (ollama_text_has (wizard, "computes on NVIDIA GeForce RTX 3060"), 10000);
  g_unsetenv ("DSL_DOUBLE_INFERENCE_COMPUTE");
  g_assert_cmpstr (gtk_button_get_label (dsl_setup_wizard_get_next_button (wizard)), ==,
                   _("_Use This Server"));
  shot (window, "setup-3-ollama-found");

  /* 4. Model: the recommended one is chosen; what cannot work is explained, not offered. */
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");
  g_assert_cmpstr (dsl_setup_wizard_get_chosen_model (wizard), ==, "deepseek-r1:14b");
  assert_row (wizard, "deepseek-r1:14b", "[Recommended]");
  assert_row (wizard, "deepseek-r1:14b", "Guide: 14B parameters");
  assert_row (wizard, "deepseek-r1:14b", "Download: deepseek-r1:14b · 9.0" NBSP "GB · Q4_K_M");
  assert_row (wizard, "deepseek-r1:70b", "[unavailable]");
  assert_row (wizard, "deepseek-r1:70b", "Does not fit: needs");
  g_assert_false (dsl_setup_wizard_select_model (wizard, "deepseek-r1:70b"));
  g_assert_cmpstr (gtk_button_get_label (dsl_setup_wizard_get_next_button (wizard)), ==,
                   _("_Download"));
  shot (window, "setup-4-model");
  /* No setting is written before its step is done. */
  g_assert_false (g_settings_get_boolean (settings, "setup-complete"));
  {
    g_autofree char *last = g_settings_get_string (settings, "last-model");

    g_assert_cmpstr (last, ==, "");
  }

  /* 5. Download: one bar, bytes, speed, time left. */
  t_pull = g_get_monotonic_time ();
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "download");
  dsl_test_assert_wait ((strstr (dsl_setup_wizard_get_download_text (wizard), " of ") != NULL &&
                         dsl_setup_wizard_get_download_fraction (wizard) > 0.2) ||
                        g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 20000);
  if (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "download") == 0)
    shot (window, "setup-5-download");
  dsl_test_assert_wait (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 30000);
  pull_s = seconds_since (t_pull);

  /* Away from the window, the end of the download is said on the desktop. */
  if (!gtk_window_is_active (GTK_WINDOW (window)))
    g_assert_cmpstr (dsl_setup_wizard_get_last_notification (wizard), ==, _("The Model Is Ready"));
  else
    g_assert_null (dsl_setup_wizard_get_last_notification (wizard));

  /* 6. Ready: the suggested question opens the chat with the model, and is asked. */
  shot (window, "setup-6-ready");
  t_ask = g_get_monotonic_time ();
  dsl_ui_test_click (dsl_setup_wizard_get_ask_button (wizard));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 10000);
  dsl_test_assert_wait ((answer = last_message (window)) != NULL &&
                        dsl_message_get_state (answer) == DSL_MESSAGE_STATE_COMPLETE, 20000);
  answer_s = seconds_since (t_ask);
  total_s = seconds_since (t_install);
  install_s = (double) (t_ready - t_install) / G_USEC_PER_SEC;

  assert_contains (dsl_message_get_content (answer), "Blue light");
  g_assert_cmpstr (dsl_model_info_get_name (gtk_drop_down_get_selected_item (
                     dsl_window_get_model_dropdown (window))), ==, "deepseek-r1:14b");
  g_assert_true (g_settings_get_boolean (settings, "setup-complete"));
  {
    g_autofree char *last = g_settings_get_string (settings, "last-model");

    g_assert_cmpstr (last, ==, "deepseek-r1:14b");
  }
  shot (window, "setup-7-first-answer");

  /* What the wizard itself costs: everything but the bytes (the 30 MB model at the double's
   * 60 MB/s; the Ollama archive is a few MB over loopback) and the answer's tokens. A figure to
   * read, not a limit to test: timed tests flake on a busy machine. */
  if (timing_run)
    g_printerr ("# timing: Install to first answer %.3f s: install and start %.3f s, pull %.3f s "
                "(0.500 s of it bytes), answer %.3f s; the wizard's own overhead %.3f s\n",
                total_s, install_s, pull_s, answer_s, total_s - 0.5 - answer_s);
  dsl_ui_test_close_window (window);
}

static void
test_fresh_machine (void)
{
  timing_run = FALSE;
  walk_fresh_machine ();
}

/* The same way without screenshots, timed (printed, not checked). */
static void
test_fresh_machine_timed (void)
{
  timing_run = TRUE;
  walk_fresh_machine ();
  timing_run = FALSE;
}

/* Ollama and the model are here already: nothing is downloaded, the way is three clicks. */
static void
test_server_and_model_present (void)
{
  g_autoptr(DslOllamaDouble) ollama = NULL;
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *url = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;

  use_machine (DESKTOP);
  ollama = dsl_test_start_double ("{\"models\":[{\"name\":\"deepseek-r1:14b\",\"size\":8988112040},"
                                  "{\"name\":\"deepseek-r1:8b\",\"size\":5225373760}]}");
  url = dsl_ollama_double_dup_url (ollama);
  window = open_wizard (settings, url);
  wizard = dsl_window_get_setup_wizard (window);

  /* Once the computer is probed and the server has listed its models. */
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_welcome_text (wizard),
                                _("setup downloads nothing")) != NULL, 10000);
  next (wizard);
  next (wizard);
  {
    g_autofree char *text = dsl_setup_wizard_dup_ollama_text (wizard);

    assert_contains (text, url);
  }
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");
  g_assert_cmpstr (dsl_setup_wizard_get_chosen_model (wizard), ==, "deepseek-r1:14b");
  assert_row (wizard, "deepseek-r1:14b", "[Downloaded]");
  assert_row (wizard, "deepseek-r1:8b", "[Downloaded]");
  g_assert_cmpstr (gtk_button_get_label (dsl_setup_wizard_get_next_button (wizard)), ==,
                   _("_Continue"));

  /* The widest page still fits a phone-sized window. */
  {
    int minimum = 0;

    gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL,
                        NULL);
    g_assert_cmpint (minimum, <=, 360);
    gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
    dsl_test_assert_wait (gtk_widget_get_width (GTK_WIDGET (window)) <= 400, 5000);
    dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-model-narrow");
    gtk_window_set_default_size (GTK_WINDOW (window), 900, 760);
  }

  /* The other model already there is a click away too. */
  g_assert_true (dsl_setup_wizard_select_model (wizard, "deepseek-r1:8b"));
  g_assert_cmpstr (dsl_setup_wizard_get_chosen_model (wizard), ==, "deepseek-r1:8b");
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "ready");
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (ollama, "/api/pull"), ==, 0);

  next (wizard); /* Start Chatting */
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 10000);
  g_assert_cmpstr (dsl_model_info_get_name (gtk_drop_down_get_selected_item (
                     dsl_window_get_model_dropdown (window))), ==, "deepseek-r1:8b");
  g_assert_null (last_message (window));

  /* Set Up Again… from the menu, and Cancel goes back to the chat. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.set-up", NULL));
  g_assert_cmpstr (dsl_window_get_page (window), ==, "setup");
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "welcome");
  dsl_ui_test_click (dsl_setup_wizard_get_back_button (wizard));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 10000);

  dsl_ui_test_close_window (window);
}

/* The Ollama download breaks off half-way: it goes on from there by itself (a Range request),
 * and the install ends as if nothing had happened. */
static void
test_install_cut_and_resumed (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *expected = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;

  use_machine (DESKTOP);
  g_setenv ("DSL_DOUBLE_SCENARIO", SCENARIO, TRUE);
  window = open_wizard (settings, NULL);
  wizard = dsl_window_get_setup_wizard (window);
  next (wizard);
  next (wizard);
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)), 10000);

  wrong_checksum = FALSE;
  g_ptr_array_set_size (ranges, 0);
  cut_at = (gint64) g_bytes_get_size (archive_bytes) / 2;
  expected = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", cut_at);
  dsl_ui_test_click_label (dsl_setup_wizard_get_install_box (wizard), _("_Install Ollama"));
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 60000);

  g_assert_cmpuint (ranges->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (ranges, 0), ==, "");
  g_assert_cmpstr (g_ptr_array_index (ranges, 1), ==, expected);
  /* The last step the box showed: our new server was started through the app's service. */
  g_assert_cmpstr (dsl_install_box_get_step_text (
                     DSL_INSTALL_BOX (dsl_setup_wizard_get_install_box (wizard))), ==,
                   _("Starting Ollama…"));
  /* An RTX 3060: no ROCm add-on, nothing to warn about. */
  g_assert_null (dsl_install_box_get_warning_text (
                   DSL_INSTALL_BOX (dsl_setup_wizard_get_install_box (wizard))));

  dsl_ui_test_close_window (window);
}

/* A wrong checksum: refused, said in words, Try Again offered, nothing installed. */
static void
test_wrong_checksum (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *exe = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                           "bin", "ollama", NULL);
  DslWindow *window;
  DslSetupWizard *wizard;
  DslInstallBox *box;

  use_machine (DESKTOP);
  g_assert_false (g_file_test (exe, G_FILE_TEST_EXISTS));
  window = open_wizard (settings, NULL);
  wizard = dsl_window_get_setup_wizard (window);
  next (wizard);
  next (wizard);
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)), 10000);
  box = DSL_INSTALL_BOX (dsl_setup_wizard_get_install_box (wizard));

  wrong_checksum = TRUE;
  dsl_install_box_start (box);
  dsl_test_assert_wait (g_strcmp0 (dsl_install_box_get_state (box), "error") == 0, 20000);
  g_assert_cmpstr (dsl_install_box_get_error_text (box), !=, "");
  g_assert_false (g_file_test (exe, G_FILE_TEST_EXISTS));
  g_assert_false (dsl_setup_wizard_get_server_ready (wizard));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-install-error");

  dsl_ui_test_close_window (window);
}

static gboolean
window_inactive (gpointer window)
{
  return !gtk_window_is_active (GTK_WINDOW (window));
}

/* The model's download fails (the server's disk is full): said in words; Try Again, and it is
 * done. */
static void
test_pull_fails_then_retried (void)
{
  g_autoptr(DslOllamaDouble) ollama = NULL;
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *url = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;
  const char *error_text;
  GtkWidget *other;
  gboolean active;

  use_machine (DESKTOP);
  ollama = dsl_test_start_double ("{\"models\":[],"
                                  "\"pullable\":[{\"name\":\"deepseek-r1:14b\",\"size\":20000000}],"
                                  "\"pull_bytes_per_second\":100000000,"
                                  "\"pull_fail\":\"no_space\",\"pull_fail_times\":1}");
  url = dsl_ollama_double_dup_url (ollama);
  window = open_wizard (settings, url);
  wizard = dsl_window_get_setup_wizard (window);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  next (wizard);
  next (wizard);
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_chosen_model (wizard), ==, "deepseek-r1:14b");

  /* The person looks at another window meanwhile: the failure is said on the desktop. */
  other = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (other), "Another window");
  gtk_window_present (GTK_WINDOW (other));
  dsl_test_wait_until (window_inactive, window, 3000);
  active = gtk_window_is_active (GTK_WINDOW (window));
  next (wizard);

  dsl_test_assert_wait (dsl_setup_wizard_get_download_error (wizard) != NULL, 20000);
  if (!active)
    g_assert_cmpstr (dsl_setup_wizard_get_last_notification (wizard), ==, _("The Download Failed"));
  else
    g_test_message ("The window kept the focus: no notification to check");
  gtk_window_destroy (GTK_WINDOW (other));
  error_text = dsl_setup_wizard_get_download_error (wizard);
  assert_contains (error_text, _("There is not enough disk space for this model."));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_back_button (wizard))));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-download-error");

  dsl_ui_test_click_label (GTK_WIDGET (wizard), _("_Try Again"));
  dsl_test_assert_wait (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 20000);
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (ollama, "/api/pull"), ==, 2);

  dsl_ui_test_close_window (window);
}

/* Cancel keeps what arrived: Try Again goes on from there, not from nothing. */
static void
test_pull_cancelled_then_resumed (void)
{
  g_autoptr(DslOllamaDouble) ollama = NULL;
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *url = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;
  double at_cancel;

  use_machine (DESKTOP);
  ollama = dsl_test_start_double ("{\"models\":[],"
                                  "\"pullable\":[{\"name\":\"deepseek-r1:14b\",\"size\":40000000}],"
                                  "\"pull_bytes_per_second\":8000000}");
  url = dsl_ollama_double_dup_url (ollama);
  window = open_wizard (settings, url);
  wizard = dsl_window_get_setup_wizard (window);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  next (wizard);
  next (wizard);
  next (wizard);
  next (wizard);

  dsl_test_assert_wait (dsl_setup_wizard_get_download_fraction (wizard) > 0.3, 20000);
  dsl_ui_test_click_label (GTK_WIDGET (wizard), _("_Cancel"));
  dsl_test_assert_wait (dsl_setup_wizard_get_download_error (wizard) != NULL, 10000);
  assert_contains (dsl_setup_wizard_get_download_error (wizard), _("What arrived is kept"));
  at_cancel = dsl_setup_wizard_get_download_fraction (wizard);
  /* Nothing is set up yet, and Back is there again. */
  g_assert_false (g_settings_get_boolean (settings, "setup-complete"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_back_button (wizard))));

  dsl_ui_test_click_label (GTK_WIDGET (wizard), _("_Try Again"));
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_download_text (wizard), " of ") != NULL, 10000);
  g_assert_cmpfloat (dsl_setup_wizard_get_download_fraction (wizard), >=, at_cancel - 0.05);
  dsl_test_assert_wait (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 30000);

  dsl_ui_test_close_window (window);
}

/* Our own install is there but broken (its server exits at once): the page says so and offers
 * to install it again, which works. */
static void
test_broken_install_reinstalled (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *bin = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *text = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;

  use_machine (DESKTOP);
  g_setenv ("DSL_DOUBLE_SCENARIO", SCENARIO, TRUE);
  forget_install ();
  bin = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama", "bin", NULL);
  exe = g_build_filename (bin, "ollama", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_true (g_file_set_contents (exe, "#!/bin/sh\necho 'Error: broken' >&2\nexit 1\n", -1, NULL));
  g_assert_cmpint (g_chmod (exe, 0755), ==, 0);

  window = open_wizard_keeping_install (settings);
  wizard = dsl_window_get_setup_wizard (window);
  next (wizard);
  next (wizard);
  dsl_test_assert_wait (gtk_widget_get_visible (dsl_setup_wizard_get_install_box (wizard)), 30000);
  text = dsl_setup_wizard_dup_ollama_text (wizard);
  assert_contains (text, "Error: broken");
  g_assert_false (dsl_setup_wizard_get_server_ready (wizard));
  shot (window, "setup-broken-install");

  wrong_checksum = FALSE;
  dsl_ui_test_click_label (dsl_setup_wizard_get_install_box (wizard), _("_Install Ollama"));
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 60000);

  dsl_ui_test_close_window (window);
}

/* More Choices: any model by its name, and a longer context, which the chat then asks for. */
static void
test_more_choices (void)
{
  g_autoptr(DslOllamaDouble) ollama = NULL;
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autoptr(JsonObject) chat = NULL;
  g_autofree char *url = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;
  AdwComboRow *context;
  JsonObject *body;
  JsonObject *options;
  guint i;

  use_machine (DESKTOP);
  ollama = dsl_test_start_double ("{\"models\":[],"
                                  "\"pullable\":[{\"name\":\"qwen3:8b\",\"size\":10000000}],"
                                  "\"pull_bytes_per_second\":100000000,"
                                  "\"chat\":{\"answer\":\"Hello.\"}}");
  url = dsl_ollama_double_dup_url (ollama);
  window = open_wizard (settings, url);
  wizard = dsl_window_get_setup_wizard (window);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  next (wizard);
  next (wizard);
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");

  /* The context choices; the subtitle says what fits the graphics card. */
  context = dsl_setup_wizard_get_context_row (wizard);
  assert_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (context)), "tokens run fully on the graphics card");
  for (i = 0; i < g_list_model_get_n_items (adw_combo_row_get_model (context)); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (adw_combo_row_get_model (context), i);

      if (strstr (gtk_string_object_get_string (item), "16384") != NULL)
        break;
    }
  adw_combo_row_set_selected (context, i);
  /* The verdicts are worked out again for that context, once the row's signal is over. */
  dsl_test_wait_ms (100);
  g_assert_cmpuint (adw_combo_row_get_selected (dsl_setup_wizard_get_context_row (wizard)), ==, i);

  /* A name typed by hand is the choice. */
  gtk_editable_set_text (GTK_EDITABLE (dsl_setup_wizard_get_custom_row (wizard)), "qwen3:8b");
  g_assert_cmpstr (dsl_setup_wizard_get_chosen_model (wizard), ==, "qwen3:8b");
  next (wizard);
  dsl_test_assert_wait (g_strcmp0 (dsl_setup_wizard_get_page (wizard), "ready") == 0, 20000);
  next (wizard); /* Start Chatting */
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 10000);
  g_assert_cmpuint (g_settings_get_uint (settings, "context-length"), ==, 16384);

  dsl_ui_test_send (window, "Hello?");
  dsl_test_assert_wait (dsl_ollama_double_get_n_requests (ollama, "/api/chat") == 1, 10000);
  chat = dsl_test_last_request (ollama, "/api/chat");
  body = json_object_get_object_member (chat, "body");
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "qwen3:8b");
  options = json_object_get_object_member (body, "options");
  g_assert_nonnull (options);
  g_assert_cmpint (json_object_get_int_member (options, "num_ctx"), ==, 16384);

  dsl_ui_test_close_window (window);
}

/* A netbook with 1 GB: no model fits. The wizard says so and offers a server on another
 * computer; an address that does not answer is refused, one that does is used and saved. */
static void
test_nothing_fits (void)
{
  g_autoptr(DslOllamaDouble) ollama = dsl_test_start_double ("{\"models\":[]}");
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *url = dsl_ollama_double_dup_url (ollama);
  g_autofree char *unused = dsl_test_unused_url ();
  g_autofree char *default_url = NULL;
  g_autofree char *saved = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;
  AdwEntryRow *row;

  use_machine (NETBOOK);
  window = open_wizard (settings, url);
  wizard = dsl_window_get_setup_wizard (window);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  next (wizard);
  /* Once the computer is probed. */
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_computer_text (wizard),
                                "no DeepSeek-R1 model runs well") != NULL, 10000);
  next (wizard);
  next (wizard);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");
  g_assert_null (dsl_setup_wizard_get_chosen_model (wizard));
  assert_contains (dsl_setup_wizard_get_model_text (wizard), "Even the smallest model");
  assert_row (wizard, "deepseek-r1:1.5b", "[unavailable]");
  assert_row (wizard, "deepseek-r1:1.5b", "this computer has 600.0" NBSP "MiB free");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (dsl_setup_wizard_get_next_button (wizard))));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-nothing-fits");

  /* The offer: back to the Ollama page, at the address field. */
  dsl_ui_test_click_label (GTK_WIDGET (wizard), _("Use a Server on Another Computer…"));
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "ollama");
  row = dsl_setup_wizard_get_server_row (wizard);
  default_url = g_settings_get_string (settings, "server-url");

  gtk_editable_set_text (GTK_EDITABLE (row), unused + strlen ("http://"));
  g_signal_emit_by_name (row, "apply");
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_server_test_text (wizard),
                                "No Ollama server answers") != NULL, 20000);
  saved = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved, ==, default_url);

  gtk_editable_set_text (GTK_EDITABLE (row), url);
  g_signal_emit_by_name (row, "apply");
  dsl_test_assert_wait (strstr (dsl_setup_wizard_get_server_test_text (wizard), "answers at") !=
                        NULL && strstr (dsl_setup_wizard_get_server_test_text (wizard), "No ") ==
                        NULL, 20000);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 10000);
  dsl_ui_test_screenshot (GTK_WIDGET (window), "setup-other-server");
  g_clear_pointer (&saved, g_free);
  saved = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved, ==, default_url);

  next (wizard); /* Use This Server: saved now */
  g_clear_pointer (&saved, g_free);
  saved = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (saved, ==, url);
  g_assert_cmpstr (dsl_setup_wizard_get_page (wizard), ==, "model");

  dsl_ui_test_close_window (window);
}

static gboolean
has_button (GtkWidget  *root,
            const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return TRUE;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (has_button (c, label))
      return TRUE;

  return FALSE;
}

/* Our Ollama is installed; then a newer release comes out. Setting up again offers it as an
 * update, which replaces the install, and the new server answers; the old one is gone. */
static void
test_update_offered (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  g_autofree char *install = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                               NULL);
  g_autofree char *version_file = g_build_filename (install, "version", NULL);
  g_autofree char *old = g_strconcat (install, ".old", NULL);
  g_autofree char *version = NULL;
  DslWindow *window;
  DslSetupWizard *wizard;
  GtkWidget *box;

  use_machine (DESKTOP);
  g_setenv ("DSL_DOUBLE_SCENARIO", SCENARIO, TRUE);
  release_tag = "v0.32.15";
  wrong_checksum = FALSE;
  window = open_wizard (settings, NULL);
  wizard = dsl_window_get_setup_wizard (window);
  box = dsl_setup_wizard_get_install_box (wizard);
  next (wizard);
  next (wizard);
  dsl_ui_test_click_label (box, _("_Install Ollama"));
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 60000);
  /* The newest there is: nothing to offer. */
  dsl_test_wait_ms (300);
  g_assert_false (gtk_widget_get_visible (box));

  release_tag = "v0.33.0";
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.set-up", NULL));
  next (wizard);
  next (wizard);
  dsl_test_assert_wait (gtk_widget_get_visible (box) && has_button (box, _("_Update Ollama")),
                        20000);
  g_assert_true (dsl_setup_wizard_get_server_ready (wizard));
  g_assert_false (has_button (box, _("_Install Ollama")));
  shot (window, "setup-update-offered");

  dsl_ui_test_click_label (box, _("_Update Ollama"));
  /* Our server is stopped for the swap: not to be used meanwhile. */
  dsl_test_assert_wait (!dsl_setup_wizard_get_server_ready (wizard), 20000);
  dsl_test_assert_wait (dsl_setup_wizard_get_server_ready (wizard), 60000);
  g_assert_true (g_file_get_contents (version_file, &version, NULL, NULL));
  assert_contains (version, "0.33.0");
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  dsl_test_wait_ms (300);
  g_assert_false (gtk_widget_get_visible (box));

  release_tag = "v0.32.15";
  dsl_ui_test_close_window (window);
}

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  char **out = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &out[0], &out[1], &error);
  g_assert_no_error (error);
  if (out[0] == NULL)
    out[0] = g_strdup ("");
}

/* `deepseek-local --install-ollama`, as a person types it: installed from the release server,
 * the new server checked, exit 0; run again it installs over it and the old copy is gone. */
static void
test_cli_install (void)
{
  g_autofree char *install = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                               NULL);
  g_autofree char *exe = g_build_filename (install, "bin", "ollama", NULL);
  g_autofree char *old = g_strconcat (install, ".old", NULL);

  forget_install ();
  release_tag = "v0.32.15";
  wrong_checksum = FALSE;
  for (int run = 0; run < 2; run++)
    {
      g_autoptr(GSubprocess) app = NULL;
      g_autoptr(GError) error = NULL;
      char *out[2] = { NULL, NULL };

      /* Async: the release server answers from this process's main loop. */
      app = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, DEEPSEEK_LOCAL_PATH, "--install-ollama", NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8_async (app, NULL, NULL, communicated_cb, out);
      dsl_test_assert_wait (out[0] != NULL, 60000);

      g_test_message ("run %d: %s%s", run, out[0], out[1] != NULL ? out[1] : "");
      g_assert_true (g_subprocess_get_successful (app));
      assert_contains (out[0], "v0.32.15");
      g_assert_true (g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE));
      g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
      g_free (out[0]);
      g_free (out[1]);
    }

  /* A refused download: exit 1, a sentence, the install still there. */
  {
    g_autoptr(GSubprocess) app = NULL;
    g_autoptr(GError) error = NULL;
    char *out[2] = { NULL, NULL };

    wrong_checksum = TRUE;
    app = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error, DEEPSEEK_LOCAL_PATH, "--install-ollama", NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8_async (app, NULL, NULL, communicated_cb, out);
    dsl_test_assert_wait (out[0] != NULL, 60000);
    g_assert_false (g_subprocess_get_successful (app));
    g_assert_cmpstr (out[1], !=, "");
    g_assert_true (g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE));
    wrong_checksum = FALSE;
    g_free (out[0]);
    g_free (out[1]);
  }
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
exited_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *exited = TRUE;
}

/* The real app, quit from its menu's action: our server goes with it, its pid file too, so the
 * next start finds nothing left over. */
static void
test_quit_stops_our_server (void)
{
  g_autofree char *bin = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                           "bin", NULL);
  g_autofree char *exe = g_build_filename (bin, "ollama", NULL);
  g_autofree char *pid_file = g_build_filename (g_get_user_data_dir (), "deepseek-local",
                                                "ollama-server.json", NULL);
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GSubprocess) quit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gboolean exited = FALSE;
  gint64 pid;

  forget_install ();
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (symlink (DOUBLE_PATH, exe), ==, 0);
  g_unsetenv ("OLLAMA_HOST");
  g_setenv ("DSL_DOUBLE_SCENARIO", "{\"models\":[]}", TRUE);

  app = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, DEEPSEEK_LOCAL_PATH, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (app, NULL, exited_cb, &exited);
  /* The wizard's search starts our server, which writes its pid file. */
  g_assert_true (dsl_test_wait_until (file_exists, pid_file, 30000));
  dsl_test_wait_ms (500);
  g_assert_true (json_parser_load_from_file (parser, pid_file, &error));
  pid = json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)), "pid");
  g_assert_cmpint (kill ((pid_t) pid, 0), ==, 0);

  quit = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "gapplication", "action", APP_ID,
                           "quit", NULL);
  g_assert_no_error (error);
  dsl_test_assert_wait (exited, 20000);
  g_assert_true (g_subprocess_get_successful (app));

  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  g_assert_cmpint (kill ((pid_t) pid, 0), ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *api = NULL;
  GSList *uris;

  dsl_ui_test_init (&argc, &argv);

  archive_bytes = build_archive ();
  archive_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, archive_bytes);
  ranges = g_ptr_array_new_with_free_func (g_free);

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  api = g_strdup_printf ("%s/latest.json", base_url);
  g_setenv ("DSL_OLLAMA_RELEASE_API", api, TRUE);

  g_test_add_func ("/dsl/setup/wrong-checksum", test_wrong_checksum);
  g_test_add_func ("/dsl/setup/update-offered", test_update_offered);
  g_test_add_func ("/dsl/setup/fresh-machine-to-first-answer", test_fresh_machine);
  g_test_add_func ("/dsl/setup/fresh-machine-timed", test_fresh_machine_timed);
  g_test_add_func ("/dsl/setup/install-cut-and-resumed", test_install_cut_and_resumed);
  g_test_add_func ("/dsl/setup/server-and-model-present", test_server_and_model_present);
  g_test_add_func ("/dsl/setup/pull-fails-then-retried", test_pull_fails_then_retried);
  g_test_add_func ("/dsl/setup/pull-cancelled-then-resumed", test_pull_cancelled_then_resumed);
  g_test_add_func ("/dsl/setup/broken-install-reinstalled", test_broken_install_reinstalled);
  g_test_add_func ("/dsl/setup/more-choices", test_more_choices);
  g_test_add_func ("/dsl/setup/nothing-fits", test_nothing_fits);
  g_test_add_func ("/dsl/setup/cli-install", test_cli_install);
  g_test_add_func ("/dsl/app/quit-stops-our-server", test_quit_stops_our_server);

  return g_test_run ();
}
