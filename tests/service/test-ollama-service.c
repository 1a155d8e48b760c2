/* test-ollama-service.c: finding the Ollama server, and running our own
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsl-ollama-client.h"
#include "dsl-ollama-service.h"
#include "dsl-test-utils.h"

/* Long enough for a loaded CI machine, short enough to fail a hung test quickly. */
#define WAIT_MS 30000

typedef struct {
  char             *install_dir;
  char             *models_dir;
  char             *unused_url;
  DslOllamaService *service;
  guint             heartbeat_id;
} Fixture;

static gboolean
heartbeat_cb (gpointer user_data)
{
  /* dsl_test_assert_wait blocks in the main loop; this wakes it to look at its condition. */
  return G_SOURCE_CONTINUE;
}

static void
make_install (Fixture *f)
{
  g_autofree char *bin = g_build_filename (f->install_dir, "bin", NULL);
  g_autofree char *exe = g_build_filename (bin, "ollama", NULL);

  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (symlink (DSL_OLLAMA_DOUBLE_PROGRAM, exe), ==, 0);
}

/* Construct-only settings: a crash restarts after 100 ms and three crashes give up, to keep the
 * tests short. NULL or 0 for the defaults. */
static DslOllamaService *
new_service_full (Fixture    *f,
                  const char *configured_url,
                  const char *system_url,
                  guint       port,
                  guint       log_max_lines)
{
  return g_object_new (DSL_TYPE_OLLAMA_SERVICE,
                       "configured-url", configured_url,
                       "system-url", system_url != NULL ? system_url : f->unused_url,
                       "models-dir", f->models_dir,
                       "port", port,
                       "log-max-lines", log_max_lines != 0 ? log_max_lines : 2000,
                       "restart-delay", 100,
                       "max-crashes", 3,
                       NULL);
}

static DslOllamaService *
new_service (Fixture *f)
{
  return new_service_full (f, NULL, NULL, 0, 0);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->install_dir = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama", NULL);
  f->models_dir = g_build_filename (g_get_user_data_dir (), "models-test", NULL);
  f->unused_url = dsl_test_unused_url ();
  f->heartbeat_id = g_timeout_add (50, heartbeat_cb, NULL);
  if (GPOINTER_TO_INT (data) == 0)
    make_install (f);
}

static void
drop_service (DslOllamaService **service)
{
  GObject *weak;

  if (*service == NULL)
    return;

  weak = G_OBJECT (*service);
  g_object_add_weak_pointer (weak, (gpointer *) &weak);
  g_clear_object (service);
  dsl_test_assert_wait (weak == NULL, WAIT_MS);
}

static void stop_sync (DslOllamaService *service);

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->service != NULL)
    stop_sync (f->service);
  drop_service (&f->service);
  g_clear_handle_id (&f->heartbeat_id, g_source_remove);
  g_unsetenv ("DSL_DOUBLE_SCENARIO");
  g_unsetenv ("DSL_DOUBLE_CRASH_AFTER_MS");
  g_unsetenv ("DSL_DOUBLE_INFERENCE_COMPUTE");
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_free (f->install_dir);
  g_free (f->models_dir);
  g_free (f->unused_url);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
find_sync (DslOllamaService  *service,
           GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  dsl_ollama_service_find_async (service, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, 90000);
  return dsl_ollama_service_find_finish (service, result, error);
}

static void
stop_sync (DslOllamaService *service)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  dsl_ollama_service_stop_async (service, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, WAIT_MS);
  g_assert_true (dsl_ollama_service_stop_finish (service, result, &error));
  g_assert_no_error (error);
}

static char *
version_sync (const char *url)
{
  g_autoptr(DslOllamaClient) client = dsl_ollama_client_new (url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *version;

  dsl_ollama_client_get_version_async (client, NULL, result_cb, &result);
  dsl_test_assert_wait (result != NULL, WAIT_MS);
  version = dsl_ollama_client_get_version_finish (client, result, &error);
  g_assert_no_error (error);
  return version;
}

static gboolean
pid_alive (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  end = strrchr (stat, ')');
  return end == NULL || (end[2] != 'Z' && end[2] != 'X');
}

static char *
environ_value (GPid        pid,
               const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", (int) pid);
  g_autofree char *contents = NULL;
  gsize length = 0;
  gsize name_len = strlen (name);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  for (const char *p = contents; p < contents + length; p += strlen (p) + 1)
    if (strncmp (p, name, name_len) == 0 && p[name_len] == '=')
      return g_strdup (p + name_len + 1);

  return NULL;
}

static JsonObject *
read_pid_file (DslOllamaService *service)
{
  g_autofree char *path = dsl_ollama_service_dup_pid_file (service);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, NULL))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static gboolean
pid_file_names (DslOllamaService *service,
                GPid              pid)
{
  g_autoptr(JsonObject) object = read_pid_file (service);

  return object != NULL && json_object_get_int_member (object, "pid") == pid;
}

static gboolean
pid_file_exists (DslOllamaService *service)
{
  g_autofree char *path = dsl_ollama_service_dup_pid_file (service);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The server named in the settings answers: it is used, and the others are not asked. */
static void
test_configured (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(DslOllamaDouble) configured = dsl_test_start_double ("{\"version\":\"0.12.3\"}");
  g_autoptr(DslOllamaDouble) system = dsl_test_start_double (NULL);
  g_autofree char *configured_url = dsl_ollama_double_dup_url (configured);
  g_autofree char *system_url = dsl_ollama_double_dup_url (system);
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;

  f->service = new_service_full (f, configured_url, system_url, 0, 0);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);

  g_assert_cmpint (dsl_ollama_service_get_state (f->service), ==, DSL_OLLAMA_SERVICE_STATE_READY);
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_CONFIGURED);
  g_assert_cmpstr (dsl_ollama_service_get_url (f->service), ==, configured_url);
  g_assert_cmpstr (dsl_ollama_service_get_version (f->service), ==, "0.12.3");
  g_assert_null (dsl_ollama_service_get_models_location (f->service));
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (system, "/"), ==, 0);
  g_assert_cmpint (dsl_ollama_service_get_pid (f->service), ==, 0);

  status = dsl_ollama_service_format_status (f->service);
  g_assert_nonnull (strstr (status, configured_url));
  g_assert_nonnull (strstr (status, "0.12.3"));
}

/* OLLAMA_HOST wins over the settings, as it does for the ollama command. */
static void
test_ollama_host (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(DslOllamaDouble) from_env = dsl_test_start_double (NULL);
  g_autofree char *env_url = dsl_ollama_double_dup_url (from_env);
  g_autoptr(GError) error = NULL;

  g_setenv ("OLLAMA_HOST", env_url + strlen ("http://"), TRUE);
  f->service = new_service_full (f, f->unused_url, NULL, 0, 0);
  g_assert_true (find_sync (f->service, &error));
  g_setenv ("OLLAMA_HOST", "", TRUE);
  g_assert_no_error (error);
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_CONFIGURED);
  g_assert_cmpstr (dsl_ollama_service_get_url (f->service), ==, env_url);
}

/* The configured server is down: the system's is used. */
static void
test_system (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(DslOllamaDouble) system = dsl_test_start_double (NULL);
  g_autofree char *system_url = dsl_ollama_double_dup_url (system);
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;

  f->service = new_service_full (f, f->unused_url, system_url, 0, 0);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);

  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_SYSTEM);
  g_assert_cmpstr (dsl_ollama_service_get_url (f->service), ==, system_url);
  g_assert_cmpstr (dsl_ollama_service_get_version (f->service), ==, "0.32.15");

  status = dsl_ollama_service_format_status (f->service);
  g_assert_nonnull (strstr (status, system_url));
  g_assert_null (strstr (status, "models in"));
}

/* Nothing answers and nothing is installed: NONE, and the error says to install. */
static void
test_none (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *status = NULL;
  g_autoptr(GError) error = NULL;

  f->service = new_service (f);
  g_assert_false (find_sync (f->service, &error));
  g_assert_error (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_NOT_INSTALLED);
  g_assert_cmpint (dsl_ollama_service_get_state (f->service), ==, DSL_OLLAMA_SERVICE_STATE_NONE);
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_NONE);
  g_assert_null (dsl_ollama_service_get_url (f->service));

  status = dsl_ollama_service_format_status (f->service);
  g_assert_true (g_str_has_prefix (status, "No Ollama server"));
  g_assert_nonnull (strstr (status, f->unused_url));
}

static void
state_cb (DslOllamaService *service,
          GParamSpec       *pspec,
          GString          *states)
{
  g_string_append_printf (states, "%d", dsl_ollama_service_get_state (service));
}

/* Neither answers: our own server is started with the environment we promise, answers, writes
 * its pid file and log, and a stop ends it and removes the pid file. */
static void
test_managed (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GString) states = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pid_file = NULL;
  g_autofree char *host = NULL;
  g_autofree char *noprune = NULL;
  g_autofree char *models = NULL;
  g_autofree char *expected_host = NULL;
  g_autofree char *version = NULL;
  g_autofree char *log = NULL;
  g_autofree char *status = NULL;
  g_autofree char *exe = NULL;
  GPid pid;
  guint port;

  g_setenv ("DSL_DOUBLE_INFERENCE_COMPUTE",
            "id=GPU-5c4 library=cuda variant=v12 compute=8.9 driver=12.4 "
            "name=\"NVIDIA GeForce RTX 4090\" total=\"23.6 GiB\" available=\"22.1 GiB\"", TRUE);
  f->service = new_service (f);
  g_signal_connect (f->service, "notify::state", G_CALLBACK (state_cb), states);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);

  /* SEARCHING, STARTING, READY */
  g_assert_cmpstr (states->str, ==, "123");
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_MANAGED);
  g_assert_true (g_str_has_prefix (dsl_ollama_service_get_url (f->service), "http://127.0.0.1:"));
  port = (guint) atoi (dsl_ollama_service_get_url (f->service) + strlen ("http://127.0.0.1:"));
  g_assert_cmpuint (port, !=, 11434);
  g_assert_cmpstr (dsl_ollama_service_get_models_location (f->service), ==, f->models_dir);
  /* From the server's log, which is read as it is written: it may come just after the answer. */
  dsl_test_assert_wait (dsl_ollama_service_get_gpu (f->service) != NULL, WAIT_MS);
  g_assert_cmpstr (dsl_ollama_service_get_gpu (f->service), ==,
                   "NVIDIA GeForce RTX 4090 (CUDA, 23.6 GiB)");

  version = version_sync (dsl_ollama_service_get_url (f->service));
  g_assert_cmpstr (version, ==, "0.32.15");
  g_assert_cmpstr (dsl_ollama_service_get_version (f->service), ==, "0.32.15");

  pid = dsl_ollama_service_get_pid (f->service);
  g_assert_cmpint (pid, >, 0);
  host = environ_value (pid, "OLLAMA_HOST");
  expected_host = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (host, ==, expected_host);
  noprune = environ_value (pid, "OLLAMA_NOPRUNE");
  g_assert_cmpstr (noprune, ==, "1");
  models = environ_value (pid, "OLLAMA_MODELS");
  g_assert_cmpstr (models, ==, f->models_dir);

  /* The pid file is written without waiting: give it a moment. */
  dsl_test_assert_wait (pid_file_names (f->service, pid), WAIT_MS);
  pid_file = read_pid_file (f->service);
  exe = dsl_ollama_service_dup_executable (f->service);
  g_assert_cmpint (json_object_get_int_member (pid_file, "port"), ==, port);
  g_assert_cmpstr (json_object_get_string_member (pid_file, "exe"), ==, exe);
  g_assert_true (json_object_has_member (pid_file, "started"));

  log = dsl_ollama_service_dup_log (f->service);
  g_assert_nonnull (strstr (log, "Listening on 127.0.0.1:"));

  status = dsl_ollama_service_format_status (f->service);
  g_assert_nonnull (strstr (status, dsl_ollama_service_get_url (f->service)));
  g_assert_nonnull (strstr (status, "version 0.32.15"));
  g_assert_nonnull (strstr (status, f->models_dir));
  g_assert_nonnull (strstr (status, "RTX 4090"));

  stop_sync (f->service);
  g_assert_false (pid_alive (pid));
  g_assert_false (pid_file_exists (f->service));
  g_assert_cmpint (dsl_ollama_service_get_state (f->service), ==, DSL_OLLAMA_SERVICE_STATE_NONE);
  g_assert_null (dsl_ollama_service_get_url (f->service));
}

/* Our server takes 1.5 s before it answers (GPU probing): the service waits for it. */
static void
test_slow_start (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_setenv ("DSL_DOUBLE_SCENARIO", "{\"ready_delay_ms\":1500}", TRUE);
  f->service = new_service (f);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dsl_ollama_service_get_state (f->service), ==, DSL_OLLAMA_SERVICE_STATE_READY);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1400 * 1000);
}

/* The first port is taken: the server says "address already in use" and another port is used. */
static void
test_port_taken (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *taken_url = NULL;
  g_autofree char *log = NULL;
  guint16 taken;

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  taken = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  taken_url = g_strdup_printf ("http://127.0.0.1:%u", taken);

  f->service = new_service_full (f, NULL, NULL, taken, 0);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_MANAGED);
  g_assert_cmpstr (dsl_ollama_service_get_url (f->service), !=, taken_url);

  log = dsl_ollama_service_dup_log (f->service);
  g_assert_nonnull (strstr (log, "address already in use"));
}

/* kill -9 of our server: it is started again and answers. */
static void
test_crash_restart (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  GPid first;
  GPid second;

  f->service = new_service (f);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  first = dsl_ollama_service_get_pid (f->service);

  g_assert_cmpint (kill (first, SIGKILL), ==, 0);
  dsl_test_assert_wait (dsl_ollama_service_get_state (f->service) ==
                        DSL_OLLAMA_SERVICE_STATE_STARTING, WAIT_MS);
  dsl_test_assert_wait (dsl_ollama_service_get_state (f->service) ==
                        DSL_OLLAMA_SERVICE_STATE_READY, WAIT_MS);
  second = dsl_ollama_service_get_pid (f->service);
  g_assert_cmpint (second, !=, first);
  g_assert_true (pid_alive (second));

  version = version_sync (dsl_ollama_service_get_url (f->service));
  g_assert_cmpstr (version, ==, "0.32.15");
  dsl_test_assert_wait (pid_file_names (f->service, second), WAIT_MS);
}

/* A server that crashes again and again: FAILED, with its last words in the error. */
static void
test_crash_loop (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  const GError *failure;

  g_setenv ("DSL_DOUBLE_CRASH_AFTER_MS", "700", TRUE);
  f->service = new_service (f);
  /* The first run answers before it dies. */
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);

  dsl_test_assert_wait (dsl_ollama_service_get_state (f->service) ==
                        DSL_OLLAMA_SERVICE_STATE_FAILED, 60000);
  failure = dsl_ollama_service_get_error (f->service);
  g_assert_error ((GError *) failure, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_CRASHED);
  g_assert_nonnull (strstr (failure->message, "3 times"));
  g_assert_nonnull (strstr (failure->message, "panic: crash asked for"));
  g_assert_cmpint (dsl_ollama_service_get_pid (f->service), ==, 0);
  dsl_test_assert_wait (!pid_file_exists (f->service), WAIT_MS);

  status = dsl_ollama_service_format_status (f->service);
  g_assert_true (g_str_has_prefix (status, "No Ollama server: "));
  g_assert_nonnull (strstr (status, "panic"));
}

/* An install whose program exits at once: FAILED at the first try, with what it said. */
static void
test_broken_install (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *exe = g_build_filename (f->install_dir, "bin", "ollama", NULL);
  g_autofree char *bin = g_path_get_dirname (exe);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_file_set_contents (exe, "#!/bin/sh\necho 'exec format error: lib/ollama missing' >&2\nexit 1\n",
                       -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (exe, 0755), ==, 0);

  f->service = new_service (f);
  g_assert_false (find_sync (f->service, &error));
  g_assert_error (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED);
  g_assert_nonnull (strstr (error->message, "lib/ollama missing"));
  g_assert_cmpint (dsl_ollama_service_get_state (f->service), ==, DSL_OLLAMA_SERVICE_STATE_FAILED);
}

/* One part of the app cancels its search and another starts one at once (the window giving way
 * to the setup wizard): the second waits for the first to wind down, then finds the server. */
static void
test_find_after_cancelled_find (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(DslOllamaDouble) configured = dsl_test_start_double ("{\"ready_delay_ms\":300}");
  g_autofree char *configured_url = dsl_ollama_double_dup_url (configured);
  g_autofree char *unused = dsl_test_unused_url ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GError) first_error = NULL;
  g_autoptr(GError) second_error = NULL;

  f->service = new_service_full (f, configured_url, unused, 0, 0);
  dsl_ollama_service_find_async (f->service, cancellable, result_cb, &first);
  dsl_test_wait_ms (50);
  g_cancellable_cancel (cancellable);
  dsl_ollama_service_find_async (f->service, NULL, result_cb, &second);

  dsl_test_assert_wait (first != NULL && second != NULL, WAIT_MS);
  g_assert_false (dsl_ollama_service_find_finish (f->service, first, &first_error));
  g_assert_error (first_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (dsl_ollama_service_find_finish (f->service, second, &second_error));
  g_assert_no_error (second_error);
  g_assert_cmpstr (dsl_ollama_service_get_url (f->service), ==, configured_url);
}

/* A program that is gone before the service has looked at it (GLib may have reaped it already):
 * a clear failure every time, never a pid file for a process that is not there. */
static void
test_exits_at_once (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *exe = g_build_filename (f->install_dir, "bin", "ollama", NULL);
  g_autofree char *bin = g_path_get_dirname (exe);

  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (symlink ("/bin/false", exe), ==, 0);

  /* The race is narrow: try it often. */
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(DslOllamaService) service = new_service (f);
      g_autoptr(GError) error = NULL;
      g_autofree char *pid_file = dsl_ollama_service_dup_pid_file (service);

      g_assert_false (find_sync (service, &error));
      g_assert_error (error, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED);
      g_assert_cmpint (dsl_ollama_service_get_state (service), ==, DSL_OLLAMA_SERVICE_STATE_FAILED);
      dsl_test_wait_ms (20);
      g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
    }
}

/* Leaves our server running as a crash of the app would, and returns its pid. */
static GPid
start_and_abandon (Fixture *f)
{
  g_autoptr(DslOllamaService) first = new_service (f);
  g_autoptr(GError) error = NULL;
  GPid pid;

  g_assert_true (find_sync (first, &error));
  g_assert_no_error (error);
  pid = dsl_ollama_service_get_pid (first);
  dsl_test_assert_wait (pid_file_names (first, pid), WAIT_MS);
  dsl_ollama_service_abandon (first);
  drop_service (&first);
  g_assert_true (pid_alive (pid));

  return pid;
}

/* The app died and left its server: the next run uses it (same process), and a stop ends it. */
static void
test_leftover_reused (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPid pid = start_and_abandon (f);

  f->service = new_service (f);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dsl_ollama_service_get_kind (f->service), ==, DSL_OLLAMA_SERVER_KIND_MANAGED);
  g_assert_cmpint (dsl_ollama_service_get_pid (f->service), ==, pid);
  g_assert_cmpstr (dsl_ollama_service_get_version (f->service), ==, "0.32.15");

  stop_sync (f->service);
  g_assert_false (pid_alive (pid));
  g_assert_false (pid_file_exists (f->service));
}

/* The left-over server no longer answers (stopped): it is ended and a new one started. */
static void
test_leftover_hung (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GPid pid = start_and_abandon (f);
  GPid new_pid;

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  f->service = new_service (f);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  new_pid = dsl_ollama_service_get_pid (f->service);
  g_assert_cmpint (new_pid, !=, pid);
  dsl_test_assert_wait (!pid_alive (pid), WAIT_MS);
  dsl_test_assert_wait (pid_file_names (f->service, new_pid), WAIT_MS);
}

static GPid
spawn (const char * const *argv,
       GSubprocess       **out)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  g_assert_no_error (error);
  *out = process;
  return atoi (g_subprocess_get_identifier (process));
}

static void
write_pid_file (DslOllamaService *service,
                GPid              pid)
{
  g_autofree char *path = dsl_ollama_service_dup_pid_file (service);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *exe = dsl_ollama_service_dup_executable (service);
  g_autofree char *json = g_strdup_printf ("{\"pid\":%d,\"port\":1,\"started\":\"x\","
                                           "\"exe\":\"%s\"}", (int) pid, exe);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
}

/* A pid file naming a dead process, or one that now belongs to another program: removed,
 * nothing foreign is ended, our server starts. */
static void
test_stale_pid_file (Fixture       *f,
                     gconstpointer  data)
{
  const char * const sleep_argv[] = { "sleep", "60", NULL };
  g_autoptr(GSubprocess) foreign = NULL;
  g_autoptr(GError) error = NULL;
  GPid dead_pid;
  GPid foreign_pid;

  f->service = new_service (f);

  /* A process that is gone, collected at once: its number names nothing now. */
  dead_pid = fork ();
  if (dead_pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (dead_pid, NULL, 0), ==, dead_pid);
  g_assert_false (pid_alive (dead_pid));
  write_pid_file (f->service, dead_pid);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  dsl_test_assert_wait (pid_file_names (f->service, dsl_ollama_service_get_pid (f->service)),
                        WAIT_MS);
  stop_sync (f->service);

  foreign_pid = spawn (sleep_argv, &foreign);
  write_pid_file (f->service, foreign_pid);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);
  g_assert_cmpint (dsl_ollama_service_get_pid (f->service), !=, foreign_pid);
  dsl_test_assert_wait (pid_file_names (f->service, dsl_ollama_service_get_pid (f->service)),
                        WAIT_MS);
  g_assert_true (pid_alive (foreign_pid));
  g_subprocess_force_exit (foreign);
  g_assert_true (g_subprocess_wait (foreign, NULL, &error));
}

static void
log_line_cb (DslOllamaService *service,
             const char       *line,
             guint            *n_lines)
{
  (*n_lines)++;
}

/* The log keeps only the newest lines. */
static void
test_log_bounded (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_lines = 0;

  /* The double notes each finished request in a debug line. */
  g_setenv ("G_MESSAGES_DEBUG", "dsl-ollama-double", TRUE);
  f->service = new_service_full (f, NULL, NULL, 0, 3);
  g_signal_connect (f->service, "log-line", G_CALLBACK (log_line_cb), &n_lines);
  g_assert_true (find_sync (f->service, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 5; i++)
    g_free (version_sync (dsl_ollama_service_get_url (f->service)));
  dsl_test_assert_wait (n_lines >= 6, WAIT_MS);

  log = dsl_ollama_service_dup_log (f->service);
  lines = g_strsplit (log, "\n", -1);
  /* Three lines and the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_null (strstr (log, "Listening on"));
  g_assert_nonnull (strstr (lines[2], "/api/version"));

  /* n_lines lives on this stack frame: the lines the server logs while it stops must not reach
   * it. */
  g_signal_handlers_disconnect_by_data (f->service, &n_lines);
}

static void
test_parse_gpu (void)
{
  g_autofree char *old_form = NULL;
  g_autofree char *new_form = NULL;
  g_autofree char *cpu = NULL;

  old_form = dsl_ollama_parse_inference_compute (
    "time=2025-05-10T08:06:48.639-07:00 level=INFO source=types.go:130 msg=\"inference compute\" "
    "id=GPU-5c4 library=cuda variant=v12 compute=8.9 driver=12.4 name=\"NVIDIA GeForce RTX 4090\" "
    "total=\"23.6 GiB\" available=\"22.1 GiB\"");
  g_assert_cmpstr (old_form, ==, "NVIDIA GeForce RTX 4090 (CUDA, 23.6 GiB)");

  new_form = dsl_ollama_parse_inference_compute (
    "time=2026-01-10T08:06:48.639Z level=INFO source=types.go:42 msg=\"inference compute\" "
    "id=GPU-1 filter_id=\"\" library=ROCm compute=gfx1100 name=ROCm0 "
    "description=\"AMD Radeon RX 7900 XTX\" libdirs=ollama,rocm driver=60342.13 "
    "pci_id=0000:03:00.0 type=discrete total=\"24.0 GiB\" available=\"23.1 GiB\"");
  g_assert_cmpstr (new_form, ==, "AMD Radeon RX 7900 XTX (ROCM, 24.0 GiB)");

  cpu = dsl_ollama_parse_inference_compute (
    "time=x level=INFO source=types.go:130 msg=\"inference compute\" id=0 library=cpu "
    "variant=\"\" compute=\"\" driver=0.0 name=\"\" total=\"31.0 GiB\" available=\"20 GiB\"");
  g_assert_nonnull (cpu);
  g_assert_nonnull (strstr (cpu, "no GPU"));

  g_assert_null (dsl_ollama_parse_inference_compute ("time=x level=INFO msg=\"Listening on\""));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, no_install) \
  g_test_add (path, Fixture, GINT_TO_POINTER (no_install), fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/dsl/service/parse-gpu", test_parse_gpu);
  ADD ("/dsl/service/configured", test_configured, 1);
  ADD ("/dsl/service/ollama-host", test_ollama_host, 1);
  ADD ("/dsl/service/system", test_system, 1);
  ADD ("/dsl/service/none", test_none, 1);
  ADD ("/dsl/service/managed", test_managed, 0);
  ADD ("/dsl/service/slow-start", test_slow_start, 0);
  ADD ("/dsl/service/port-taken", test_port_taken, 0);
  ADD ("/dsl/service/crash-restart", test_crash_restart, 0);
  ADD ("/dsl/service/crash-loop", test_crash_loop, 0);
  ADD ("/dsl/service/broken-install", test_broken_install, 1);
  ADD ("/dsl/service/leftover-reused", test_leftover_reused, 0);
  ADD ("/dsl/service/exits-at-once", test_exits_at_once, 1);
  ADD ("/dsl/service/find-after-cancelled-find", test_find_after_cancelled_find, 1);
  ADD ("/dsl/service/leftover-hung", test_leftover_hung, 0);
  ADD ("/dsl/service/stale-pid-file", test_stale_pid_file, 0);
  ADD ("/dsl/service/log-bounded", test_log_bounded, 0);

#undef ADD

  return g_test_run ();
}
