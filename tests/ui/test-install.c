/* test-install.c: from "no server" to a chat, in the window, without a terminal
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No Ollama answers and none is installed. The window offers "Install Ollama"; a click downloads
 * a release (served on 127.0.0.1 by this test: a .tar.zst built here whose bin/ollama is the
 * Ollama double), the window then finds and starts that server, and the chat opens. A release
 * with a wrong checksum is refused with a sentence and Try Again.
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <libsoup/soup.h>
#include <string.h>

#include "dsl-install-box.h"
#include "dsl-ollama-installer.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

static GBytes *archive_bytes;
static char *archive_sha256;
static gboolean wrong_checksum;
static char *base_url;

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
        "{\"tag_name\":\"v0.32.15\",\"assets\":["
        "{\"name\":\"%s\",\"size\":%" G_GSIZE_FORMAT ",\"browser_download_url\":\"%s/%s\"},"
        "{\"name\":\"sha256sum.txt\",\"size\":100,\"browser_download_url\":\"%s/sha256sum.txt\"}]}",
        archive_name, g_bytes_get_size (archive_bytes), base_url, archive_name, base_url);

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
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), archive_bytes);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/octet-stream", NULL);
    }
  else
    {
      soup_server_message_set_status (msg, 404, NULL);
    }
}

static GtkWidget *
find_install_box (GtkWidget *root)
{
  if (DSL_IS_INSTALL_BOX (root))
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_install_box (c);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static DslWindow *
open_without_server (GSettings *settings)
{
  g_autofree char *unused = dsl_test_unused_url ();
  DslWindow *window;

  g_settings_set_string (settings, "server-url", unused);
  g_unsetenv ("OLLAMA_HOST");
  window = dsl_window_new (NULL, settings);
  gtk_window_present (GTK_WINDOW (window));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "problem") == 0, 10000);

  return window;
}

/* A wrong checksum: refused, said in words, Try Again offered, nothing installed. */
static void
test_wrong_checksum (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = open_without_server (settings);
  g_autofree char *exe = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                           "bin", "ollama", NULL);
  GtkWidget *box = find_install_box (GTK_WIDGET (window));

  g_assert_nonnull (box);
  g_assert_true (gtk_widget_is_visible (box));

  wrong_checksum = TRUE;
  dsl_install_box_start (DSL_INSTALL_BOX (box));
  dsl_test_assert_wait (g_strcmp0 (dsl_install_box_get_state (DSL_INSTALL_BOX (box)), "error") == 0,
                        20000);
  g_assert_cmpstr (dsl_install_box_get_error_text (DSL_INSTALL_BOX (box)), !=, "");
  g_assert_false (g_file_test (exe, G_FILE_TEST_EXISTS));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "install-error");

  dsl_ui_test_close_window (window);
}

/* The whole way: Install Ollama, the server starts, the chat opens. */
static void
test_install_then_chat (void)
{
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = open_without_server (settings);
  GtkWidget *box = find_install_box (GTK_WIDGET (window));

  g_assert_nonnull (box);
  g_assert_true (gtk_widget_is_visible (box));
  dsl_ui_test_screenshot (GTK_WIDGET (window), "install-offer");

  wrong_checksum = FALSE;
  dsl_install_box_start (DSL_INSTALL_BOX (box));
  dsl_test_assert_wait (g_strcmp0 (dsl_window_get_page (window), "chat") == 0, 60000);

  dsl_ui_test_close_window (window);
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

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, server_cb, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  api = g_strdup_printf ("%s/latest.json", base_url);
  g_setenv ("DSL_OLLAMA_RELEASE_API", api, TRUE);

  g_test_add_func ("/dsl/install/wrong-checksum", test_wrong_checksum);
  g_test_add_func ("/dsl/install/install-then-chat", test_install_then_chat);

  return g_test_run ();
}
