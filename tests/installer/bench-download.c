/* bench-download.c: how fast the installer downloads and hashes, next to curl
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer in its own thread serves a 1 GB body (a repeating pattern, never on disk) over
 * loopback. The installer downloads it as a mirror archive whose checksum list is wrong on
 * purpose: it writes and hashes every byte, then stops with DSL_INSTALL_ERROR_CHECKSUM before
 * extracting, so the time measured is download + sha256 + writing to disk. `curl -o FILE`
 * fetches the same URL in the same run and writes it to the same disk (the fair comparison:
 * /dev/null would leave out the cost of the page cache). Both run ROUNDS times, taking turns,
 * since one run of each on a shared machine varies by a quarter; the medians are compared.
 * Prints MB/s for both and the ratio (target >= 0.9).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "dsl-ollama-installer.h"
#include "dsl-sha256.h"

#define BODY_SIZE (1000 * 1000 * 1000)
#define CHUNK (1024 * 1024)
#define ROUNDS 5

static GBytes *pattern;
static char *base_url;
static GMutex lock;
static GCond ready;

typedef struct {
  SoupServerMessage *msg;
  guint64            sent;
} Body;

static void
append_next (Body *body)
{
  SoupMessageBody *out = soup_server_message_get_response_body (body->msg);
  guint64 left = BODY_SIZE - body->sent;

  if (left == 0)
    {
      soup_message_body_complete (out);
      return;
    }

  if (left >= CHUNK)
    soup_message_body_append_bytes (out, pattern);
  else
    {
      g_autoptr(GBytes) tail = g_bytes_new_from_bytes (pattern, 0, left);

      soup_message_body_append_bytes (out, tail);
    }
  body->sent += MIN (left, CHUNK);
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  append_next (user_data);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Body *body;

  if (g_str_has_suffix (path, "/sha256sum.txt"))
    {
      g_autofree char *text = g_strdup_printf ("%064d  ./ollama-linux-%s.tar.zst\n", 0,
                                               dsl_ollama_installer_get_arch ());

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text,
                                        strlen (text));
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_length (headers, BODY_SIZE);
  if (g_str_equal (soup_server_message_get_method (msg), "HEAD"))
    return;

  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  body = g_new0 (Body, 1);
  body->msg = msg;
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (wrote_chunk_cb), body);
  g_signal_connect_swapped (msg, "finished", G_CALLBACK (g_free), body);
  append_next (body);
}

static gpointer
server_thread (gpointer user_data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handler_cb, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("listen: %s", error->message);

  uris = soup_server_get_uris (server);
  g_mutex_lock (&lock);
  base_url = g_uri_to_string (uris->data);
  if (g_str_has_suffix (base_url, "/"))
    base_url[strlen (base_url) - 1] = '\0';
  g_cond_signal (&ready);
  g_mutex_unlock (&lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  while (TRUE)
    g_main_context_iteration (context, TRUE);

  return NULL;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static double
run_installer (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bench-download-XXXXXX", NULL);
  g_autofree char *install_dir = g_build_filename (dir, "ollama", NULL);
  g_autoptr(DslOllamaInstaller) installer = dsl_ollama_installer_new (install_dir, base_url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  gint64 start;
  double seconds;

  dsl_ollama_installer_set_free_space_override (installer, G_MAXINT64);
  start = g_get_monotonic_time ();
  dsl_ollama_installer_install_async (installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, result_cb,
                                      &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  release = dsl_ollama_installer_install_finish (installer, result, &error);
  if (!g_error_matches (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_CHECKSUM))
    g_error ("Expected a checksum error, got %s", error != NULL ? error->message : "success");

  g_rmdir (dir);
  return BODY_SIZE / 1e6 / seconds;
}

static double
run_curl (const char *curl)
{
  g_autofree char *url = g_strdup_printf ("%s/ollama-linux-%s.tar.zst", base_url,
                                          dsl_ollama_installer_get_arch ());
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-curl-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "download", NULL);
  gint64 start = g_get_monotonic_time ();
  double mb_per_s;

  /* Like the installer, curl writes the body to a file on the same disk. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, curl, "-s", "-o", file,
                              url, NULL);
  if (process == NULL)
    g_error ("curl: %s", error->message);
  g_subprocess_wait_check_async (process, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!g_subprocess_wait_check_finish (process, result, &error))
    g_error ("curl: %s", error->message);

  mb_per_s = BODY_SIZE / 1e6 / ((g_get_monotonic_time () - start) / 1e6);
  g_unlink (file);
  g_rmdir (dir);
  return mb_per_s;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *curl = g_find_program_in_path ("curl");
  guint8 *buf = g_malloc (CHUNK);
  double ours[ROUNDS] = { 0 };
  double theirs[ROUNDS] = { 0 };

  for (gsize i = 0; i < CHUNK; i++)
    buf[i] = (guint8) (i * 7 + (i >> 11));
  pattern = g_bytes_new_take (buf, CHUNK);

  if (dsl_ollama_installer_get_arch () == NULL)
    {
      g_print ("no Ollama build for this processor\n");
      return 77;
    }

  g_mutex_lock (&lock);
  g_thread_unref (g_thread_new ("server", server_thread, NULL));
  while (base_url == NULL)
    g_cond_wait (&ready, &lock);
  g_mutex_unlock (&lock);

  {
    /* The ceiling for a download that is hashed on the way, on this machine. */
    g_autoptr(DslSha256) checksum = dsl_sha256_new ();
    gint64 start = g_get_monotonic_time ();

    for (guint i = 0; i < 256; i++)
      dsl_sha256_update (checksum, g_bytes_get_data (pattern, NULL), CHUNK);
    g_print ("sha256 alone:                          %.0f MB/s\n",
             256.0 * CHUNK / 1e6 / ((g_get_monotonic_time () - start) / 1e6));
  }

  if (curl == NULL)
    g_print ("curl not installed: the installer alone\n");

  for (guint i = 0; i < ROUNDS; i++)
    {
      /* Each goes first every other round: whatever one leaves behind (dirty pages, a warm
       * cache, a busy host) falls on both alike. */
      if (curl != NULL && i % 2 == 1)
        theirs[i] = run_curl (curl);
      ours[i] = run_installer ();
      if (curl != NULL && i % 2 == 0)
        theirs[i] = run_curl (curl);
      g_print ("round %u: installer %.0f MB/s, curl %.0f MB/s\n", i + 1, ours[i], theirs[i]);
    }

  qsort (ours, ROUNDS, sizeof (double), compare_doubles);
  qsort (theirs, ROUNDS, sizeof (double), compare_doubles);
  g_print ("installer (download + sha256 + write): %.0f MB/s (median of %u)\n",
           ours[ROUNDS / 2], ROUNDS);
  if (curl == NULL)
    return 0;

  g_print ("curl -o FILE (same disk):              %.0f MB/s (median of %u)\n",
           theirs[ROUNDS / 2], ROUNDS);
  g_print ("ratio installer/curl:                  %.2f (target >= 0.9)\n",
           ours[ROUNDS / 2] / theirs[ROUNDS / 2]);

  return 0;
}
