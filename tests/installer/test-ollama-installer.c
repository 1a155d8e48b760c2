/* test-ollama-installer.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The installer against a release server in this process: a GitHub-shaped release list, a
 * .tar.zst built here with libarchive whose bin/ollama is the Ollama double, and a
 * sha256sum.txt. The server can cut or stall the archive at a byte offset, honours Range and
 * records the Range headers it got.
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsl-hardware.h"
#include "dsl-ollama-installer.h"
#include "dsl-ollama-service.h"
#include "dsl-ollama-update.h"
#include "dsl-test-utils.h"

#define VERSION "v0.32.15"

/* Release server *******************************************************************************/

typedef struct {
  SoupServer *server;
  char       *base;
  GBytes     *archive;
  GBytes     *rocm_archive;   /* NULL: the add-on's download is missing (404) */
  char       *sha_text;
  char       *tag;
  gint64      cut_at;         /* one-shot: close the connection after this byte */
  gint64      stall_at;       /* send up to this byte, then nothing */
  gboolean    no_asset;       /* the release has nothing for this processor */
  gboolean    ignore_range;   /* answer 200 with everything, as some mirrors do */
  GPtrArray  *ranges;         /* Range header of each archive GET, "" for none */
  guint       n_api;
  GPtrArray  *stolen;
} Server;

static Server srv;

typedef struct {
  GIOStream *stream;
  GBytes    *bytes;
  gboolean   close;
} RawReply;

static void
raw_closed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
}

static void
raw_written_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  RawReply *reply = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);
  if (reply->close)
    g_io_stream_close_async (reply->stream, G_PRIORITY_DEFAULT, NULL, raw_closed_cb, NULL);
  else
    g_ptr_array_add (srv.stolen, g_object_ref (reply->stream));
  g_object_unref (reply->stream);
  g_bytes_unref (reply->bytes);
  g_free (reply);
}

/* Takes the connection from libsoup and writes a reply that ends at @until: closed there (a cut
 * connection) or left open (a stall). */
static void
raw_reply (SoupServerMessage *msg,
           gint64             start,
           gint64             until,
           gboolean           close)
{
  gsize total = g_bytes_get_size (srv.archive);
  g_autoptr(GString) text = g_string_new (NULL);
  RawReply *reply = g_new0 (RawReply, 1);
  gsize len;

  if (start == 0)
    g_string_append_printf (text, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n", total);
  else
    g_string_append_printf (text, "HTTP/1.1 206 Partial Content\r\nContent-Length: %zu\r\n"
                            "Content-Range: bytes %" G_GINT64_FORMAT "-%zu/%zu\r\n",
                            total - start, start, total - 1, total);
  g_string_append (text, "Connection: close\r\n\r\n");
  g_string_append_len (text, (const char *) g_bytes_get_data (srv.archive, NULL) + start,
                       until - start);

  /* Asked now: libsoup looks the peer up when the connection is stolen. */
  soup_server_message_get_remote_address (msg);
  soup_server_message_get_local_address (msg);
  reply->stream = soup_server_message_steal_connection (msg);
  reply->close = close;
  len = text->len;
  reply->bytes = g_string_free_to_bytes (g_steal_pointer (&text));
  g_output_stream_write_all_async (g_io_stream_get_output_stream (reply->stream),
                                   g_bytes_get_data (reply->bytes, NULL), len,
                                   G_PRIORITY_DEFAULT, NULL, raw_written_cb, reply);
}

static void
serve_archive (SoupServerMessage *msg)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (req, "Range");
  gint64 total = g_bytes_get_size (srv.archive);
  gint64 start = 0;

  if (g_str_equal (soup_server_message_get_method (msg), "GET"))
    g_ptr_array_add (srv.ranges, g_strdup (range != NULL ? range : ""));

  if (range != NULL && g_str_has_prefix (range, "bytes=") && !srv.ignore_range)
    start = g_ascii_strtoll (range + 6, NULL, 10);

  if (start >= total)
    {
      g_autofree char *cr = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, total);

      soup_message_headers_replace (resp, "Content-Range", cr);
      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
      return;
    }

  if (g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      if (srv.cut_at > start)
        {
          gint64 cut = srv.cut_at;

          srv.cut_at = -1;
          raw_reply (msg, start, cut, TRUE);
          return;
        }
      if (srv.stall_at > start)
        {
          raw_reply (msg, start, srv.stall_at, FALSE);
          return;
        }
    }

  if (start > 0)
    {
      g_autoptr(GBytes) slice = g_bytes_new_from_bytes (srv.archive, start, total - start);

      soup_message_headers_set_content_range (resp, start, total - 1, total);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), slice);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), srv.archive);
}

static void
serve_release (SoupServerMessage *msg)
{
  const char *arch = dsl_ollama_installer_get_arch ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *zst = g_strdup_printf ("ollama-linux-%s.tar.zst", arch);
  g_autofree char *tgz = g_strdup_printf ("ollama-linux-%s.tgz", arch);
  /* .tgz first: the installer must still prefer .tar.zst. */
  const char *rocm = "ollama-linux-amd64-rocm.tar.zst";
  const char *names[] = { tgz, zst, rocm, "ollama-darwin.tgz", "sha256sum.txt" };

  srv.n_api++;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tag_name");
  json_builder_add_string_value (builder, srv.tag);
  json_builder_set_member_name (builder, "assets");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/dl/%s/%s", srv.base, srv.tag, names[i]);

      if (srv.no_asset && strstr (names[i], arch) != NULL)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, names[i]);
      json_builder_set_member_name (builder, "size");
      if (g_str_equal (names[i], zst))
        json_builder_add_int_value (builder, g_bytes_get_size (srv.archive));
      else if (g_str_equal (names[i], rocm) && srv.rocm_archive != NULL)
        json_builder_add_int_value (builder, g_bytes_get_size (srv.rocm_archive));
      else
        json_builder_add_int_value (builder, 1234);
      json_builder_set_member_name (builder, "browser_download_url");
      json_builder_add_string_value (builder, url);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text,
                                    strlen (text));
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  g_autofree char *zst = g_strdup_printf ("/ollama-linux-%s.tar.zst",
                                          dsl_ollama_installer_get_arch ());

  if (g_str_equal (path, "/repos/ollama/ollama/releases/latest"))
    serve_release (msg);
  else if ((g_str_has_prefix (path, "/dl/") || g_str_has_prefix (path, "/mirror/")) &&
           g_str_has_suffix (path, "/sha256sum.txt"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, srv.sha_text,
                                        strlen (srv.sha_text));
    }
  else if ((g_str_has_prefix (path, "/dl/") || g_str_has_prefix (path, "/mirror/")) &&
           g_str_has_suffix (path, zst))
    serve_archive (msg);
  else if (g_str_has_prefix (path, "/dl/") &&
           g_str_has_suffix (path, "/ollama-linux-amd64-rocm.tar.zst") &&
           srv.rocm_archive != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
                                      srv.rocm_archive);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
server_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *api = NULL;

  srv.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (srv.server, NULL, handler_cb, NULL, NULL);
  soup_server_listen_local (srv.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (srv.server);
  srv.base = g_uri_to_string (uris->data);
  if (g_str_has_suffix (srv.base, "/"))
    srv.base[strlen (srv.base) - 1] = '\0';
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  api = g_strdup_printf ("%s/repos/ollama/ollama/releases/latest", srv.base);
  g_setenv ("DSL_OLLAMA_RELEASE_API", api, TRUE);
  srv.ranges = g_ptr_array_new_with_free_func (g_free);
  srv.stolen = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
server_update_sha_text (const char *sha_override)
{
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, srv.archive);
  g_autofree char *rocm_sha = NULL;
  const char *arch = dsl_ollama_installer_get_arch ();

  if (srv.rocm_archive != NULL)
    rocm_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, srv.rocm_archive);
  g_free (srv.sha_text);
  srv.sha_text = g_strdup_printf ("%s  ./ollama-darwin.tgz\n"
                                  "%s  ./ollama-linux-%s.tar.zst\n"
                                  "%s  ./ollama-linux-%s.tgz\n"
                                  "%s  ./ollama-linux-amd64-rocm.tar.zst\n",
                                  "0000000000000000000000000000000000000000000000000000000000000000",
                                  sha_override != NULL ? sha_override : sha, arch,
                                  "1111111111111111111111111111111111111111111111111111111111111111",
                                  arch,
                                  rocm_sha != NULL ? rocm_sha
                                                   : "2222222222222222222222222222222222222222222222222222222222222222");
}

static void
server_set_archive (GBytes     *archive,
                    const char *sha_override)
{
  g_clear_pointer (&srv.archive, g_bytes_unref);
  srv.archive = g_bytes_ref (archive);
  server_update_sha_text (sha_override);
}

/* The AMD add-on's archive; %NULL: the release lists it, but its download is not there. */
static void
server_set_rocm_archive (GBytes *archive)
{
  g_clear_pointer (&srv.rocm_archive, g_bytes_unref);
  srv.rocm_archive = archive != NULL ? g_bytes_ref (archive) : NULL;
  server_update_sha_text (NULL);
}

/* Archives *************************************************************************************/

typedef struct {
  const char *path;
  char        type;      /* 'f' file, 'x' program, 'd' folder, 'l' symlink */
  const char *data;      /* file contents or link target; NULL: the double program */
  gsize       size;
} Entry;

static GBytes *
build_archive (const Entry *entries,
               gsize        n_entries)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "build.tar.zst", NULL);
  struct archive *a = archive_write_new ();
  char *contents = NULL;
  gsize len = 0;

  g_mkdir_with_parents (g_get_user_cache_dir (), 0755);
  g_assert_cmpint (archive_write_add_filter_zstd (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_set_format_pax_restricted (a), ==, ARCHIVE_OK);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);

  for (gsize i = 0; i < n_entries; i++)
    {
      struct archive_entry *entry = archive_entry_new ();
      g_autofree char *program = NULL;
      const char *data = entries[i].data;
      gsize size = entries[i].size;

      archive_entry_set_pathname (entry, entries[i].path);
      archive_entry_set_mtime (entry, 1700000000, 0);
      switch (entries[i].type)
        {
        case 'd':
          archive_entry_set_filetype (entry, AE_IFDIR);
          archive_entry_set_perm (entry, 0755);
          break;
        case 'l':
          archive_entry_set_filetype (entry, AE_IFLNK);
          archive_entry_set_perm (entry, 0777);
          archive_entry_set_symlink (entry, data);
          break;
        default:
          if (data == NULL)
            {
              g_assert_true (g_file_get_contents (OLLAMA_DOUBLE_PATH, &program, &size, NULL));
              data = program;
            }
          archive_entry_set_filetype (entry, AE_IFREG);
          archive_entry_set_perm (entry, data == program || entries[i].type == 'x' ? 0755
                                                                                  : 0644);
          archive_entry_set_size (entry, size);
        }

      g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
      if (entries[i].type == 'f' || entries[i].type == 'x')
        g_assert_cmpint (archive_write_data (a, data, size), ==, (la_ssize_t) size);
      archive_entry_free (entry);
    }

  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_unlink (path);
  return g_bytes_new_take (contents, len);
}

/* Noise that zstd cannot shrink, so that the archive is big enough to cut at 30% and 99%. */
static char *
library_bytes (gsize size)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  char *buf = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    buf[i] = (char) g_rand_int_range (rand, 0, 256);
  return buf;
}

#define LIB_SIZE (2 * 1024 * 1024)
static char *lib_data;

static GBytes *
good_archive (void)
{
  const Entry entries[] = {
    { "bin/", 'd', NULL, 0 },
    { "bin/ollama", 'f', NULL, 0 },
    { "lib/", 'd', NULL, 0 },
    { "lib/ollama/", 'd', NULL, 0 },
    { "lib/ollama/libdummy.so", 'f', lib_data, LIB_SIZE },
    { "lib/ollama/libdummy.so.1", 'l', "libdummy.so", 0 },
  };

  return build_archive (entries, G_N_ELEMENTS (entries));
}

/* The AMD add-on as the release lays it out: lib/ollama/rocm/ and nothing else. @extra adds a
 * file that a later add-on no longer has. */
static GBytes *
rocm_archive (const char *contents,
              gboolean    extra)
{
  const Entry entries[] = {
    { "lib/", 'd', NULL, 0 },
    { "lib/ollama/", 'd', NULL, 0 },
    { "lib/ollama/rocm/", 'd', NULL, 0 },
    { "lib/ollama/rocm/libggml-hip.so", 'f', contents, strlen (contents) },
    { "lib/ollama/rocm/librocblas.so.4", 'l', "libggml-hip.so", 0 },
    { "lib/ollama/rocm/libold.so", 'f', "old", 3 },
  };

  return build_archive (entries, G_N_ELEMENTS (entries) - (extra ? 0 : 1));
}

/* Fixture **************************************************************************************/

typedef struct {
  DslOllamaInstaller *installer;
  DslOllamaService   *service;      /* for the whole sequence; made on demand */
  DslOllamaUpdate    *update;
  GPtrArray          *steps;        /* each step the update said, in order */
  char               *data_dir;     /* $XDG_DATA_HOME/deepseek-local */
  char               *install_dir;
  guint               n_progress;
  guint64             last_done;
  guint64             last_total;
} Fixture;

static void
progress_cb (DslOllamaInstaller *installer,
             guint64             done,
             guint64             total,
             double              speed,
             double              left,
             Fixture            *fixture)
{
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpfloat (speed, >=, 0);
  fixture->n_progress++;
  fixture->last_done = done;
  fixture->last_total = total;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GBytes) archive = good_archive ();

  server_set_archive (archive, NULL);
  g_free (srv.tag);
  srv.tag = g_strdup (VERSION);
  srv.cut_at = -1;
  srv.stall_at = -1;
  srv.no_asset = FALSE;
  srv.ignore_range = FALSE;
  srv.n_api = 0;
  g_ptr_array_set_size (srv.ranges, 0);
  server_set_rocm_archive (NULL);

  /* The default place, inside the isolated XDG folders. */
  fixture->installer = dsl_ollama_installer_new (NULL, NULL);
  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "deepseek-local", NULL);
  fixture->install_dir = g_build_filename (fixture->data_dir, "ollama", NULL);
  g_assert_cmpstr (dsl_ollama_installer_get_install_dir (fixture->installer), ==,
                   fixture->install_dir);
  g_signal_connect (fixture->installer, "progress", G_CALLBACK (progress_cb), fixture);
  fixture->steps = g_ptr_array_new_with_free_func (g_free);
}

static void drop_service (Fixture *fixture);

/* A worker thread lets go of its task (and so of its source object) just after the result was
 * delivered: give it that moment. */
static void
wait_for_last_ref (GObject *object)
{
  for (guint i = 0; i < 5000 && object->ref_count > 1; i++)
    {
      /* Not a blocking iteration: the thread says nothing to the main context. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_ptr_array_set_size (srv.stolen, 0);
  if (fixture->update != NULL)
    {
      wait_for_last_ref (G_OBJECT (fixture->update));
      g_assert_finalize_object (g_steal_pointer (&fixture->update));
    }
  drop_service (fixture);
  g_clear_pointer (&fixture->steps, g_ptr_array_unref);
  wait_for_last_ref (G_OBJECT (fixture->installer));
  g_assert_finalize_object (fixture->installer);
  g_free (fixture->data_dir);
  g_free (fixture->install_dir);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static DslOllamaRelease *
install (DslOllamaInstaller   *installer,
         DslInstallComponent   component,
         GCancellable         *cancellable,
         GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  dsl_ollama_installer_install_async (installer, component, cancellable, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 60000);
  return dsl_ollama_installer_install_finish (installer, result, error);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static guint
count_leftovers (const char *data_dir)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "ollama.staging-") || g_str_has_prefix (name, "ollama.replaced-") ||
        g_str_has_suffix (name, ".partial"))
      n++;
  return n;
}

static char *
partial_path (Fixture *fixture)
{
  g_autofree char *name = g_strdup_printf ("ollama-%s-%s.tar.zst.partial", VERSION,
                                           dsl_ollama_installer_get_arch ());

  return g_build_filename (fixture->data_dir, name, NULL);
}

static void
assert_installed (Fixture *fixture)
{
  g_autofree char *binary = g_build_filename (fixture->install_dir, "bin", "ollama", NULL);
  g_autofree char *lib = NULL;
  gsize len = 0;
  g_autofree char *lib_path = g_build_filename (fixture->install_dir, "lib", "ollama",
                                                "libdummy.so", NULL);
  g_autofree char *link = g_build_filename (fixture->install_dir, "lib", "ollama",
                                            "libdummy.so.1", NULL);
  g_autofree char *target = NULL;

  g_assert_true (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE));
  g_assert_true (g_file_get_contents (lib_path, &lib, &len, NULL));
  g_assert_cmpmem (lib, len, lib_data, LIB_SIZE);
  target = g_file_read_link (link, NULL);
  g_assert_cmpstr (target, ==, "libdummy.so");
  g_assert_cmpuint (count_leftovers (fixture->data_dir), ==, 0);
}

/* Runs the installed bin/ollama and asks it GET / on a free port. */
static void
assert_server_runs (Fixture *fixture)
{
  g_autofree char *binary = dsl_ollama_installer_dup_ollama_path (fixture->installer);
  g_autofree char *unused = dsl_test_unused_url ();
  const char *host = unused + strlen ("http://");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 2, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("%s/", unused);
  g_autofree char *answer = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", host, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, binary, "serve", NULL);
  g_assert_no_error (error);

  while (answer == NULL && g_get_monotonic_time () < deadline)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) body = NULL;

      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, result_cb,
                                        &result);
      dsl_test_assert_wait (result != NULL, 5000);
      body = soup_session_send_and_read_finish (session, result, NULL);
      if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
        answer = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      else
        dsl_test_wait_ms (100);
    }

  g_assert_cmpstr (answer, ==, "Ollama is running");
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

/* Tests ****************************************************************************************/

static void
test_clean_install (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslOllamaRelease) second = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *version = NULL;
  g_autofree char *installed = NULL;
  g_autofree char *newest = NULL;
  g_autofree char *old = g_strconcat (fixture->install_dir, ".old", NULL);
  g_autofree char *old_binary = g_build_filename (old, "bin", "ollama", NULL);
  gboolean update;

  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (release->version, ==, VERSION);
  g_assert_true (g_str_has_suffix (release->archive_name, ".tar.zst"));
  g_assert_cmpuint (release->size, ==, g_bytes_get_size (srv.archive));
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 0), ==, "");
  g_assert_cmpuint (fixture->n_progress, >, 0);
  g_assert_cmpuint (fixture->last_done, ==, release->size);
  g_assert_cmpuint (fixture->last_total, ==, release->size);

  assert_installed (fixture);
  version = read_file (fixture->install_dir, "version");
  g_assert_cmpstr (version, ==, VERSION);
  assert_server_runs (fixture);

  /* Up to date; then a newer release appears. */
  dsl_ollama_installer_check_update_async (fixture->installer, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 10000);
  update = dsl_ollama_installer_check_update_finish (fixture->installer, result, &installed,
                                                     &newest, &error);
  g_assert_no_error (error);
  g_assert_false (update);
  g_assert_cmpstr (installed, ==, VERSION);
  g_clear_object (&result);
  g_clear_pointer (&installed, g_free);
  g_clear_pointer (&newest, g_free);

  g_free (srv.tag);
  srv.tag = g_strdup ("v0.33.0");
  dsl_ollama_installer_check_update_async (fixture->installer, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 10000);
  update = dsl_ollama_installer_check_update_finish (fixture->installer, result, &installed,
                                                     &newest, &error);
  g_assert_no_error (error);
  g_assert_true (update);
  g_assert_cmpstr (installed, ==, VERSION);
  g_assert_cmpstr (newest, ==, "v0.33.0");
  g_clear_object (&result);

  /* The update keeps the previous install as ollama.old until asked to remove it. */
  second = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&version, g_free);
  version = read_file (fixture->install_dir, "version");
  g_assert_cmpstr (version, ==, "v0.33.0");
  g_clear_pointer (&version, g_free);
  version = read_file (old, "version");
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_true (g_file_test (old_binary, G_FILE_TEST_IS_EXECUTABLE));

  dsl_ollama_installer_remove_previous_async (fixture->installer, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 10000);
  g_assert_true (dsl_ollama_installer_remove_previous_finish (fixture->installer, result,
                                                              &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  assert_installed (fixture);
}

static void
test_resume_after_cut (Fixture       *fixture,
                       gconstpointer  user_data)
{
  guint percent = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autofree char *expected = NULL;

  srv.cut_at = (gint64) g_bytes_get_size (srv.archive) * percent / 100;
  expected = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", srv.cut_at);

  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (srv.ranges->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 0), ==, "");
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 1), ==, expected);
  assert_installed (fixture);
}

/* A server that ignores Range sends everything again: the partial starts over from 0. */
static void
test_resume_ignored (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autofree char *expected = NULL;

  srv.cut_at = (gint64) g_bytes_get_size (srv.archive) / 2;
  srv.ignore_range = TRUE;
  expected = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", srv.cut_at);

  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (srv.ranges->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 1), ==, expected);
  assert_installed (fixture);
}

static void
test_resume_after_restart (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslOllamaInstaller) again = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *partial = partial_path (fixture);
  g_autofree char *expected = NULL;
  GStatBuf st = { 0 };

  srv.stall_at = g_bytes_get_size (srv.archive) / 2;
  dsl_ollama_installer_install_async (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA,
                                      cancellable, result_cb, &result);
  dsl_test_assert_wait (g_stat (partial, &st) == 0 && st.st_size == srv.stall_at, 30000);

  /* The app closes in the middle. */
  g_cancellable_cancel (cancellable);
  dsl_test_assert_wait (result != NULL, 10000);
  release = dsl_ollama_installer_install_finish (fixture->installer, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (release);
  g_clear_error (&error);
  g_assert_false (g_file_test (fixture->install_dir, G_FILE_TEST_EXISTS));

  /* Kept for next time. */
  g_assert_cmpint (g_stat (partial, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, srv.stall_at);
  expected = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", (gint64) st.st_size);

  srv.stall_at = -1;
  g_ptr_array_set_size (srv.ranges, 0);
  again = dsl_ollama_installer_new (NULL, NULL);
  release = install (again, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 0), ==, expected);
  assert_installed (fixture);
}

static void
install_first (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;

  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  assert_installed (fixture);
  g_ptr_array_set_size (srv.ranges, 0);
}

static void
assert_untouched (Fixture *fixture)
{
  g_autofree char *old = g_strconcat (fixture->install_dir, ".old", NULL);
  g_autofree char *version = read_file (fixture->install_dir, "version");

  assert_installed (fixture);
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
}

static void
test_wrong_checksum (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GBytes) archive = good_archive ();
  g_autofree char *partial = partial_path (fixture);

  install_first (fixture);

  server_set_archive (archive,
                      "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_CHECKSUM);
  g_assert_null (release);
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  assert_untouched (fixture);
}

static void
test_unsafe_archive (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *absolute = g_build_filename (g_get_user_cache_dir (), "abs-evil", NULL);
  g_autofree char *dotdot = g_build_filename (fixture->data_dir, "evil", NULL);
  g_autofree char *relative = g_build_filename (fixture->install_dir, "lib", "up", NULL);
  const Entry bad[][4] = {
    { { "bin/ollama", 'f', NULL, 0 }, { "../evil", 'f', "evil\n", 5 } },
    { { "bin/ollama", 'f', NULL, 0 }, { absolute, 'f', "evil\n", 5 } },
    { { "bin/ollama", 'f', NULL, 0 }, { "lib/etc", 'l', "/etc", 0 } },
    { { "bin/ollama", 'f', NULL, 0 }, { "lib/up", 'l', "../../..", 0 } },
    { { "bin/ollama", 'f', NULL, 0 }, { "lib/self", 'l', ".", 0 },
      { "lib/out", 'l', "self/../..", 0 } },
    { { "bin/ollama", 'f', NULL, 0 }, { "lib/etc", 'l', "../../../../../../../../../etc", 0 },
      { "lib/etc/evil", 'f', "evil\n", 5 } },
  };
  const guint n_entries[] = { 2, 2, 2, 2, 3, 3 };

  install_first (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DslOllamaRelease) release = NULL;
      g_autoptr(GBytes) archive = build_archive (bad[i], n_entries[i]);

      g_test_message ("malicious archive %u", i);
      server_set_archive (archive, NULL);
      release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
      g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_UNSAFE_ARCHIVE);
      g_assert_null (release);

      g_assert_false (g_file_test (absolute, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (dotdot, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (relative, G_FILE_TEST_EXISTS));
      assert_untouched (fixture);
    }
}

static void
test_bad_archive (Fixture       *fixture,
                  gconstpointer  user_data)
{
  const Entry no_binary[] = { { "lib/ollama/libdummy.so", 'f', "x", 1 } };
  g_autoptr(GBytes) archive = build_archive (no_binary, G_N_ELEMENTS (no_binary));
  g_autoptr(GBytes) garbage = g_bytes_new_static ("this is not an archive at all", 29);
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;

  install_first (fixture);

  server_set_archive (archive, NULL);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_BAD_ARCHIVE);
  assert_untouched (fixture);
  g_clear_error (&error);

  server_set_archive (garbage, NULL);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_BAD_ARCHIVE);
  assert_untouched (fixture);
}

static void
test_no_space (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;

  dsl_ollama_installer_set_free_space_override (fixture->installer, 1000);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, fixture->data_dir));
  g_assert_nonnull (strstr (error->message, "GB"));
  g_assert_cmpuint (srv.ranges->len, ==, 0);
  g_assert_false (g_file_test (fixture->install_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_leftovers (fixture->data_dir), ==, 0);
  g_clear_error (&error);

  /* Archive plus 2.5 times it is enough. */
  dsl_ollama_installer_set_free_space_override (fixture->installer,
                                                g_bytes_get_size (srv.archive) * 7 / 2 + 16);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  assert_installed (fixture);
}

/* A write that fails midway fails the install and names the file; what reached the disk is
 * kept, and the next try goes on from exactly there. A full disk cannot be had in a test:
 * RLIMIT_FSIZE makes write(2) fail the same way, with EFBIG, after a short write. */
static void
test_write_error (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autofree char *partial = partial_path (fixture);
  g_autofree char *expected = NULL;
  /* Not on a read boundary, so that the last write is cut short. */
  rlim_t limit = g_bytes_get_size (srv.archive) / 2 + 1234;
  struct rlimit saved, small;
  void (*saved_handler) (int);
  GStatBuf st = { 0 };

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  small = saved;
  small.rlim_cur = limit;
  saved_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, saved_handler);

  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_IO);
  g_assert_null (release);
  g_assert_nonnull (strstr (error->message, partial));
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  g_assert_false (g_file_test (fixture->install_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (partial, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, limit);
  g_clear_error (&error);

  expected = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", (gint64) limit);
  g_ptr_array_set_size (srv.ranges, 0);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (srv.ranges, 0), ==, expected);
  assert_installed (fixture);
}

static void
test_mirror (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autofree char *mirror = g_strdup_printf ("%s/mirror/", srv.base);
  g_autofree char *expected_url = g_strdup_printf ("%s/mirror/ollama-linux-%s.tar.zst",
                                                   srv.base, dsl_ollama_installer_get_arch ());
  g_autofree char *version = NULL;

  dsl_ollama_installer_set_download_base_url (fixture->installer, mirror);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (release->version);
  g_assert_cmpstr (release->url, ==, expected_url);
  g_assert_cmpuint (release->size, ==, g_bytes_get_size (srv.archive));
  g_assert_cmpuint (srv.n_api, ==, 0);
  g_assert_cmpuint (srv.ranges->len, ==, 1);
  assert_installed (fixture);
  version = read_file (fixture->install_dir, "version");
  g_assert_null (version);
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;

  srv.no_asset = TRUE;
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_OLLAMA, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND);
  g_assert_cmpuint (srv.ranges->len, ==, 0);
}

static char *
rocm_library (Fixture *fixture)
{
  g_autofree char *dir = g_build_filename (fixture->install_dir, "lib", "ollama", "rocm", NULL);

  return read_file (dir, "libggml-hip.so");
}

/* The add-on goes into lib/ollama/rocm of the install, beside Ollama's own files; a newer one
 * replaces that folder whole; a broken one changes nothing. */
static void
test_rocm_addon (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GBytes) first = rocm_archive ("hip one", TRUE);
  g_autoptr(GBytes) second = rocm_archive ("hip two", FALSE);
  const Entry evil[] = {
    { "lib/ollama/rocm/libggml-hip.so", 'f', "evil", 4 },
    { "../evil", 'f', "evil", 4 },
  };
  g_autoptr(GBytes) unsafe = build_archive (evil, G_N_ELEMENTS (evil));
  g_autofree char *old_lib = g_build_filename (fixture->install_dir, "lib", "ollama", "rocm",
                                               "libold.so", NULL);
  g_autofree char *link = g_build_filename (fixture->install_dir, "lib", "ollama", "rocm",
                                            "librocblas.so.4", NULL);
  g_autofree char *target = NULL;
  g_autofree char *version = NULL;
  g_autofree char *library = NULL;

  install_first (fixture);

  server_set_rocm_archive (first);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_ROCM, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (release->archive_name, ==, "ollama-linux-amd64-rocm.tar.zst");
  library = rocm_library (fixture);
  g_assert_cmpstr (library, ==, "hip one");
  target = g_file_read_link (link, NULL);
  g_assert_cmpstr (target, ==, "libggml-hip.so");
  version = read_file (fixture->install_dir, "rocm-version");
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_true (g_file_test (old_lib, G_FILE_TEST_EXISTS));
  /* Ollama itself is as it was, and still runs. */
  assert_untouched (fixture);
  assert_server_runs (fixture);
  g_clear_pointer (&release, dsl_ollama_release_free);
  g_clear_pointer (&library, g_free);

  /* An archive that reaches outside: refused, the installed add-on stays as it is. */
  server_set_rocm_archive (unsafe);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_ROCM, NULL, &error);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_UNSAFE_ARCHIVE);
  g_clear_error (&error);
  library = rocm_library (fixture);
  g_assert_cmpstr (library, ==, "hip one");
  g_assert_true (g_file_test (old_lib, G_FILE_TEST_EXISTS));
  assert_untouched (fixture);
  g_clear_pointer (&library, g_free);

  /* A newer add-on: its folder replaces the old one, nothing of the old one stays mixed in. */
  server_set_rocm_archive (second);
  release = install (fixture->installer, DSL_INSTALL_COMPONENT_ROCM, NULL, &error);
  g_assert_no_error (error);
  library = rocm_library (fixture);
  g_assert_cmpstr (library, ==, "hip two");
  g_assert_false (g_file_test (old_lib, G_FILE_TEST_EXISTS));
  assert_untouched (fixture);
}

/* The whole sequence ****************************************************************************/

static void
step_cb (DslOllamaUpdate *update,
         GParamSpec      *pspec,
         Fixture         *fixture)
{
  const char *step = dsl_ollama_update_get_step (update);

  if (step != NULL)
    g_ptr_array_add (fixture->steps, g_strdup (step));
}

static DslOllamaUpdate *
fixture_update (Fixture *fixture)
{
  if (fixture->update != NULL)
    return fixture->update;

  /* Nothing else answers (no system server), a crash gives up soon. */
  {
    g_autofree char *unused = dsl_test_unused_url ();
    g_autofree char *models = g_build_filename (fixture->data_dir, "models-test", NULL);

    fixture->service = g_object_new (DSL_TYPE_OLLAMA_SERVICE,
                                     "system-url", unused,
                                     "install-dir", fixture->install_dir,
                                     "models-dir", models,
                                     "restart-delay", 100,
                                     "max-crashes", 3,
                                     NULL);
  }
  fixture->update = dsl_ollama_update_new (fixture->installer, fixture->service);
  g_signal_connect (fixture->update, "notify::step", G_CALLBACK (step_cb), fixture);
  return fixture->update;
}

static void
drop_service (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  GObject *weak;

  if (fixture->service == NULL)
    return;

  dsl_ollama_service_stop_async (fixture->service, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 30000);
  dsl_ollama_service_stop_finish (fixture->service, result, NULL);
  g_clear_object (&result);

  /* Its child's callbacks let go of it from the main loop. */
  weak = G_OBJECT (fixture->service);
  g_object_add_weak_pointer (weak, (gpointer *) &weak);
  g_clear_object (&fixture->service);
  dsl_test_assert_wait (weak == NULL, 30000);
}

static DslOllamaRelease *
run_update (Fixture                  *fixture,
            const DslHardwareReport  *report,
            GCancellable             *cancellable,
            char                    **warning,
            GError                  **error)
{
  DslOllamaUpdate *update = fixture_update (fixture);
  g_autoptr(GAsyncResult) result = NULL;

  g_ptr_array_set_size (fixture->steps, 0);
  dsl_ollama_update_run_async (update, report, cancellable, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 90000);
  g_assert_null (dsl_ollama_update_get_step (update));
  return dsl_ollama_update_run_finish (update, result, warning, error);
}

static gboolean
has_step (Fixture    *fixture,
          const char *step)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    if (g_str_equal (g_ptr_array_index (fixture->steps, i), step))
      return TRUE;
  return FALSE;
}

/* What a person sees: the server the service says runs answers as Ollama. */
static void
assert_service_answers (Fixture *fixture)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;

  g_assert_cmpint (dsl_ollama_service_get_state (fixture->service), ==,
                   DSL_OLLAMA_SERVICE_STATE_READY);
  g_assert_cmpint (dsl_ollama_service_get_kind (fixture->service), ==,
                   DSL_OLLAMA_SERVER_KIND_MANAGED);
  url = g_strdup_printf ("%s/", dsl_ollama_service_get_url (fixture->service));
  msg = soup_message_new ("GET", url);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 10000);
  body = soup_session_send_and_read_finish (session, result, NULL);
  g_assert_nonnull (body);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                   "Ollama is running", strlen ("Ollama is running"));
}

static DslHardwareReport *
report_with_gpu (DslGpuVendor  vendor,
                 DslGpuLibrary library,
                 const char   *name)
{
  DslHardwareReport *report = dsl_hardware_report_new ();
  DslGpu *gpu = dsl_gpu_new (vendor);

  gpu->library = library;
  gpu->name = g_strdup (name);
  gpu->total_memory = 24ull << 30;
  g_ptr_array_add (report->gpus, gpu);
  return report;
}

/* Ollama whose bin/ollama is the double, saying @version, or a program that exits at once. */
static GBytes *
script_archive (const char *version)
{
  g_autofree char *script = NULL;
  const Entry entries[] = {
    { "bin/", 'd', NULL, 0 },
    { "bin/ollama", 'x', NULL, 0 },
    { "lib/", 'd', NULL, 0 },
    { "lib/ollama/", 'd', NULL, 0 },
    { "lib/ollama/libdummy.so", 'f', lib_data, LIB_SIZE },
    { "lib/ollama/libdummy.so.1", 'l', "libdummy.so", 0 },
  };
  Entry copy[G_N_ELEMENTS (entries)];

  if (version != NULL)
    script = g_strdup_printf ("#!/bin/sh\nDSL_DOUBLE_SCENARIO='{\"version\":\"%s\"}' "
                              "exec '%s' \"$@\"\n", version, OLLAMA_DOUBLE_PATH);
  else
    script = g_strdup ("#!/bin/sh\necho 'Error: this build is broken' >&2\nexit 1\n");

  memcpy (copy, entries, sizeof entries);
  copy[1].data = script;
  copy[1].size = strlen (script);
  return build_archive (copy, G_N_ELEMENTS (copy));
}

static void
publish_release (const char *tag,
                 GBytes     *archive)
{
  g_free (srv.tag);
  srv.tag = g_strdup (tag);
  server_set_archive (archive, NULL);
}

/* An AMD card that ROCm supports, found by the probe on the fixture machine: the add-on goes
 * in, and the server from the new install answers. */
static void
test_update_rocm_for_amd (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GBytes) addon = rocm_archive ("hip one", FALSE);
  g_autofree char *machine = g_build_filename (MACHINES_DIR, "amd-7900xtx", NULL);
  g_autofree char *warning = NULL;
  g_autofree char *library = NULL;
  g_autofree char *version = NULL;

  server_set_rocm_archive (addon);
  g_setenv ("DSL_SYSROOT", machine, TRUE);
  release = run_update (fixture, NULL, NULL, &warning, &error);
  g_unsetenv ("DSL_SYSROOT");
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_cmpstr (release->version, ==, VERSION);

  g_assert_cmpuint (fixture->steps->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, 0), ==, "Downloading Ollama…");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, 1), ==,
                   "Adding the ROCm libraries for your AMD graphics card…");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, 2), ==, "Starting Ollama…");

  assert_installed (fixture);
  library = rocm_library (fixture);
  g_assert_cmpstr (library, ==, "hip one");
  version = read_file (fixture->install_dir, "rocm-version");
  g_assert_cmpstr (version, ==, VERSION);
  assert_service_answers (fixture);
}

/* An NVIDIA card (or none): no add-on is downloaded. */
static void
test_update_no_rocm_without_amd (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(GBytes) addon = rocm_archive ("hip one", FALSE);
  g_autoptr(DslHardwareReport) nvidia = report_with_gpu (DSL_GPU_VENDOR_NVIDIA,
                                                         DSL_GPU_LIBRARY_CUDA,
                                                         "NVIDIA GeForce RTX 3060");
  g_autofree char *rocm_dir = g_build_filename (fixture->install_dir, "lib", "ollama", "rocm",
                                                NULL);
  g_autofree char *warning = NULL;

  server_set_rocm_archive (addon);
  release = run_update (fixture, nvidia, NULL, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_false (has_step (fixture, "Adding the ROCm libraries for your AMD graphics card…"));
  g_assert_false (g_file_test (rocm_dir, G_FILE_TEST_EXISTS));
  assert_installed (fixture);
  assert_service_answers (fixture);
}

/* The add-on's download is missing: Ollama is installed and answers anyway, with a warning
 * that says the card is not used. */
static void
test_update_rocm_fails (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslHardwareReport) amd = report_with_gpu (DSL_GPU_VENDOR_AMD, DSL_GPU_LIBRARY_ROCM,
                                                      "AMD Radeon RX 7900 XTX");
  g_autofree char *rocm_dir = g_build_filename (fixture->install_dir, "lib", "ollama", "rocm",
                                                NULL);
  g_autofree char *old = g_strconcat (fixture->install_dir, ".old", NULL);
  g_autofree char *warning = NULL;

  server_set_rocm_archive (NULL);
  release = run_update (fixture, amd, NULL, &warning, &error);
  g_assert_no_error (error);
  g_assert_nonnull (release);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "ROCm"));
  g_assert_nonnull (strstr (warning, "processor"));
  g_assert_true (has_step (fixture, "Adding the ROCm libraries for your AMD graphics card…"));
  g_assert_false (g_file_test (rocm_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  assert_installed (fixture);
  assert_service_answers (fixture);
}

/* A new version whose server exits at once: the previous install is put back, answers again,
 * and the error says so. */
static void
test_update_rolls_back (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslOllamaRelease) broken = NULL;
  g_autoptr(DslHardwareReport) none = dsl_hardware_report_new ();
  g_autoptr(GBytes) bad = script_archive (NULL);
  g_autofree char *old = g_strconcat (fixture->install_dir, ".old", NULL);
  g_autofree char *version = NULL;

  release = run_update (fixture, none, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_service_answers (fixture);

  publish_release ("v0.33.0", bad);
  broken = run_update (fixture, none, NULL, NULL, &error);
  g_assert_null (broken);
  g_assert_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_START_FAILED);
  g_assert_nonnull (strstr (error->message, "does not start"));
  g_assert_nonnull (strstr (error->message, "previous version is back"));
  g_assert_true (has_step (fixture, "Going back to the previous version of Ollama…"));

  version = read_file (fixture->install_dir, "version");
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  assert_installed (fixture);
  assert_service_answers (fixture);
}

/* An update while our server runs: it is stopped first, the new one answers (it says its new
 * version), and the previous install is gone. */
static void
test_update_while_running (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslHardwareReport) none = dsl_hardware_report_new ();
  g_autoptr(GBytes) first = script_archive ("0.32.15");
  g_autoptr(GBytes) second = script_archive ("0.33.0");
  g_autofree char *old = g_strconcat (fixture->install_dir, ".old", NULL);
  g_autofree char *version = NULL;
  GPid old_pid;

  publish_release (VERSION, first);
  release = run_update (fixture, none, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_service_answers (fixture);
  g_assert_cmpstr (dsl_ollama_service_get_version (fixture->service), ==, "0.32.15");
  old_pid = dsl_ollama_service_get_pid (fixture->service);
  g_assert_cmpint (old_pid, >, 0);
  g_clear_pointer (&release, dsl_ollama_release_free);

  publish_release ("v0.33.0", second);
  release = run_update (fixture, none, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (release->version, ==, "v0.33.0");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, 0), ==, "Stopping Ollama…");

  assert_service_answers (fixture);
  g_assert_cmpstr (dsl_ollama_service_get_version (fixture->service), ==, "0.33.0");
  g_assert_cmpint (dsl_ollama_service_get_pid (fixture->service), !=, old_pid);
  g_assert_cmpint (kill (old_pid, 0), !=, 0);
  version = read_file (fixture->install_dir, "version");
  g_assert_cmpstr (version, ==, "v0.33.0");
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
}

/* Cancelled during the download of an update: the partial is kept, and the server that was
 * stopped for the update runs again. */
static void
test_update_cancelled (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;
  g_autoptr(DslOllamaRelease) cancelled = NULL;
  g_autoptr(DslHardwareReport) none = dsl_hardware_report_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *version = NULL;
  GStatBuf st = { 0 };

  release = run_update (fixture, none, NULL, NULL, &error);
  g_assert_no_error (error);

  g_free (srv.tag);
  srv.tag = g_strdup ("v0.33.0");
  srv.stall_at = g_bytes_get_size (srv.archive) / 2;
  partial = g_strdup_printf ("%s/ollama-v0.33.0-%s.tar.zst.partial", fixture->data_dir,
                             dsl_ollama_installer_get_arch ());
  dsl_ollama_update_run_async (fixture->update, none, cancellable, result_cb, &result);
  dsl_test_assert_wait (g_stat (partial, &st) == 0 && st.st_size == srv.stall_at, 30000);
  g_cancellable_cancel (cancellable);
  dsl_test_assert_wait (result != NULL, 30000);
  cancelled = dsl_ollama_update_run_finish (fixture->update, result, NULL, &error);
  g_assert_null (cancelled);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));
  version = read_file (fixture->install_dir, "version");
  g_assert_cmpstr (version, ==, VERSION);
  assert_service_answers (fixture);
}

static void
test_versions (void)
{
  g_assert_cmpint (dsl_ollama_installer_compare_versions ("v0.32.15", "0.32.15"), ==, 0);
  g_assert_cmpint (dsl_ollama_installer_compare_versions ("v0.9.0", "v0.32.15"), <, 0);
  g_assert_cmpint (dsl_ollama_installer_compare_versions ("v0.32.15", "v0.32.2"), >, 0);
  g_assert_cmpint (dsl_ollama_installer_compare_versions ("v1.0", "v1.0.1"), <, 0);
  g_assert_cmpint (dsl_ollama_installer_compare_versions (NULL, "v1.0"), <, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (dsl_ollama_installer_get_arch () == NULL)
    {
      g_test_skip ("Ollama has no build for this processor");
      return g_test_run ();
    }

  lib_data = library_bytes (LIB_SIZE);
  server_start ();

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/dsl/installer/versions", test_versions);
  ADD ("/dsl/installer/clean-install", test_clean_install, NULL);
  ADD ("/dsl/installer/resume/cut-30", test_resume_after_cut, GUINT_TO_POINTER (30));
  ADD ("/dsl/installer/resume/cut-99", test_resume_after_cut, GUINT_TO_POINTER (99));
  ADD ("/dsl/installer/resume/range-ignored", test_resume_ignored, NULL);
  ADD ("/dsl/installer/resume/after-restart", test_resume_after_restart, NULL);
  ADD ("/dsl/installer/wrong-checksum", test_wrong_checksum, NULL);
  ADD ("/dsl/installer/unsafe-archive", test_unsafe_archive, NULL);
  ADD ("/dsl/installer/bad-archive", test_bad_archive, NULL);
  ADD ("/dsl/installer/no-space", test_no_space, NULL);
  ADD ("/dsl/installer/write-error", test_write_error, NULL);
  ADD ("/dsl/installer/mirror", test_mirror, NULL);
  ADD ("/dsl/installer/not-found", test_not_found, NULL);
  if (g_str_equal (dsl_ollama_installer_get_arch (), "amd64"))
    {
      ADD ("/dsl/installer/rocm-addon", test_rocm_addon, NULL);
      ADD ("/dsl/installer/update/rocm-for-amd", test_update_rocm_for_amd, NULL);
      ADD ("/dsl/installer/update/rocm-fails", test_update_rocm_fails, NULL);
    }
  ADD ("/dsl/installer/update/no-rocm-without-amd", test_update_no_rocm_without_amd, NULL);
  ADD ("/dsl/installer/update/rolls-back", test_update_rolls_back, NULL);
  ADD ("/dsl/installer/update/while-running", test_update_while_running, NULL);
  ADD ("/dsl/installer/update/cancelled", test_update_cancelled, NULL);

  return g_test_run ();
}
