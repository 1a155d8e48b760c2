/* dsl-ollama-service.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-service"

#include "config.h"

#include "dsl-ollama-service.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dsl-ollama-client.h"

/* The port accepts connections long before the server answers (it probes GPUs first), so each
 * try gets a short deadline and the whole start a long one (ollama-api.md section 2). */
#define PROBE_TIMEOUT_SECONDS 2
#define READY_POLL_INTERVAL_MS 250
#define DEFAULT_READY_TIMEOUT_MS 60000
#define DEFAULT_RESTART_DELAY_MS 1000
#define MAX_RESTART_DELAY_MS 30000
#define DEFAULT_MAX_CRASHES 4
#define CRASH_WINDOW_US (120 * G_USEC_PER_SEC)
#define MAX_PORT_RETRIES 5
#define STOP_GRACE_MS 5000
#define DEFAULT_LOG_MAX_LINES 2000
#define LOG_MAX_BYTES (1024 * 1024)
#define ERROR_LOG_LINES 10
/* After the child exits, its last lines may still be in the pipes: wait for both to end, but not
 * forever (a runner it spawned may hold them open). */
#define DRAIN_TIMEOUT_MS 1000
#define LOG_POLL_MS 200
#define LOG_FILE_NAME "ollama-server.log"
/* A first run that exits sooner than this did not start at all. */
#define QUICK_EXIT_US (2 * G_USEC_PER_SEC)
#define SYSTEM_PORT 11434
#define PID_FILE_NAME "ollama-server.json"

G_DEFINE_QUARK (dsl-service-error-quark, dsl_service_error)

G_DEFINE_ENUM_TYPE (DslOllamaServiceState, dsl_ollama_service_state,
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVICE_STATE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVICE_STATE_SEARCHING, "searching"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVICE_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVICE_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVICE_STATE_FAILED, "failed"))

G_DEFINE_ENUM_TYPE (DslOllamaServerKind, dsl_ollama_server_kind,
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVER_KIND_NONE, "none"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVER_KIND_CONFIGURED, "configured"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVER_KIND_SYSTEM, "system"),
  G_DEFINE_ENUM_VALUE (DSL_OLLAMA_SERVER_KIND_MANAGED, "managed"))

/* One run of our server. Callbacks hold the Child, never the service (a weak reference), so
 * dropping the service is never delayed by a process that runs for hours. */
typedef struct {
  GWeakRef      service;
  GSubprocess  *process;
  GCancellable *cancellable;
  GPid          pid;
  guint16       port;
  gint64        spawned_at;      /* monotonic */
  gint64        deadline;        /* monotonic: when not answering means failure */
  guint         open_streams;
  guint         drain_id;
  guint         retry_id;
  guint         kill_id;
  gboolean      exited;
  gboolean      reported;
  gboolean      ready;
  gboolean      expected_exit;   /* we ended it: no restart */
  gboolean      port_taken;      /* it said "address already in use" */
} Child;

struct _DslOllamaService
{
  GObject                parent_instance;

  char                  *configured_url;
  char                  *system_url;
  char                  *install_dir;
  char                  *models_dir;
  char                  *data_dir;
  guint                  port;
  guint                  ready_timeout;
  guint                  restart_delay;
  guint                  max_crashes;
  guint                  log_max_lines;

  DslOllamaServiceState  state;
  DslOllamaServerKind    kind;
  char                  *url;
  char                  *version;
  char                  *gpu;
  GError                *error;

  SoupSession           *probe_session;

  Child                 *child;
  GPid                   adopted_pid;     /* a server of ours that an earlier run left behind */
  guint16                adopted_port;
  guint                  adopted_watch_id;
  GCancellable          *managed_cancellable;
  guint                  n_port_retries;
  gboolean               first_port_used;
  GArray                *crash_times;
  guint                  restart_id;
  gboolean               stopping;
  gboolean               abandoned;

  GQueue                 log;
  gsize                  log_bytes;

  GBytes                *pid_file_wanted;  /* NULL: remove it */
  GList                 *pid_file_waiters;
  gboolean               pid_file_busy;
  gboolean               pid_file_dirty;

  GList                 *start_tasks;
  GList                 *stop_tasks;
  gboolean               searching;
  GQueue                 waiting_finds;    /* of GTask: finds asked for while one ran */
  guint                  waiting_id;
};

G_DEFINE_FINAL_TYPE (DslOllamaService, dsl_ollama_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIGURED_URL,
  PROP_SYSTEM_URL,
  PROP_INSTALL_DIR,
  PROP_MODELS_DIR,
  PROP_PORT,
  PROP_READY_TIMEOUT,
  PROP_RESTART_DELAY,
  PROP_MAX_CRASHES,
  PROP_LOG_MAX_LINES,
  PROP_STATE,
  PROP_KIND,
  PROP_URL,
  PROP_VERSION,
  PROP_GPU,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  LOG_LINE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void spawn_child       (DslOllamaService *self);
static void child_unref       (Child            *child);
static void managed_failed    (DslOllamaService *self,
                               GError           *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Child, child_unref)

/* Small helpers ********************************************************************************/

static void
set_string (char       **field,
            const char  *value,
            GObject     *object,
            GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  if (object != NULL)
    g_object_notify_by_pspec (object, pspec);
}

static void
set_state (DslOllamaService      *self,
           DslOllamaServiceState  state)
{
  if (self->state == state)
    return;

  g_debug ("State %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_server (DslOllamaService    *self,
            DslOllamaServerKind  kind,
            const char          *url,
            const char          *version)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->kind != kind)
    {
      self->kind = kind;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
    }
  set_string (&self->url, url, G_OBJECT (self), properties[PROP_URL]);
  set_string (&self->version, version, G_OBJECT (self), properties[PROP_VERSION]);
  g_object_thaw_notify (G_OBJECT (self));
}

static char *
dup_exe_path (DslOllamaService *self)
{
  return g_build_filename (self->install_dir, "bin", "ollama", NULL);
}

static char *
dup_pid_file_path (DslOllamaService *self)
{
  return g_build_filename (self->data_dir, PID_FILE_NAME, NULL);
}

static char *
dup_log_tail (DslOllamaService *self,
              guint             n_lines)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GList *l = self->log.tail;

  for (guint i = 1; i < n_lines && l != NULL && l->prev != NULL; i++)
    l = l->prev;
  for (; l != NULL; l = l->next)
    {
      g_string_append (text, l->data);
      g_string_append_c (text, '\n');
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
append_log_line (DslOllamaService *self,
                 const char       *line)
{
  char *gpu;

  g_queue_push_tail (&self->log, g_strdup (line));
  self->log_bytes += strlen (line) + 1;
  while (self->log.length > MAX (self->log_max_lines, 1) || self->log_bytes > LOG_MAX_BYTES)
    {
      g_autofree char *old = g_queue_pop_head (&self->log);

      self->log_bytes -= strlen (old) + 1;
    }

  if ((gpu = dsl_ollama_parse_inference_compute (line)) != NULL)
    {
      /* One line per GPU; the CPU line only counts when there is no GPU. */
      if (self->gpu == NULL || strstr (line, "library=cpu") != NULL)
        set_string (&self->gpu, gpu, G_OBJECT (self), properties[PROP_GPU]);
      else if (strstr (self->gpu, gpu) == NULL)
        {
          g_autofree char *both = g_strdup_printf ("%s, %s", self->gpu, gpu);

          set_string (&self->gpu, both, G_OBJECT (self), properties[PROP_GPU]);
        }
      g_free (gpu);
    }

  g_signal_emit (self, signals[LOG_LINE], 0, line);
}

/* Processes, read from /proc: a virtual file system, so these reads never wait on a disk. */

static gboolean
process_is_alive (GPid pid)
{
  g_autofree char *path = NULL;
  g_autofree char *stat = NULL;
  const char *end;

  if (pid <= 0)
    return FALSE;

  path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return kill (pid, 0) == 0 || errno == EPERM;

  /* A zombie has exited: its parent just did not collect it yet. */
  end = strrchr (stat, ')');
  if (end != NULL && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X'))
    return FALSE;

  return TRUE;
}

static gboolean
process_runs_exe (GPid        pid,
                  const char *exe)
{
  g_autofree char *proc_exe = g_strdup_printf ("/proc/%d/exe", (int) pid);
  g_autofree char *proc_cmdline = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *canonical = realpath (exe, NULL);
  g_autofree char *target = NULL;
  g_autofree char *cmdline = NULL;

  if ((target = g_file_read_link (proc_exe, NULL)) != NULL)
    {
      /* An update replaced the file while the old server kept running. */
      if (g_str_has_suffix (target, " (deleted)"))
        target[strlen (target) - strlen (" (deleted)")] = '\0';
      return g_strcmp0 (target, exe) == 0 || g_strcmp0 (target, canonical) == 0;
    }

  /* /proc/<pid>/exe is unreadable for another user's process; argv[0] still tells. */
  if (g_file_get_contents (proc_cmdline, &cmdline, NULL, NULL))
    return g_strcmp0 (cmdline, exe) == 0 || g_strcmp0 (cmdline, canonical) == 0;

  return FALSE;
}

static guint16
pick_free_port (GError **error)
{
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      guint16 port;

      socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                             error);
      if (socket == NULL || !g_socket_bind (socket, any, FALSE, error))
        return 0;
      bound = g_socket_get_local_address (socket, error);
      if (bound == NULL)
        return 0;
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_socket_close (socket, NULL);

      /* Never the system server's port: the two would fight over it. */
      if (port != SYSTEM_PORT)
        return port;
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No free port");
  return 0;
}

/* Inference compute ****************************************************************************/

/* key=value pairs of a Go slog line; values may be quoted with backslash escapes. */
static GHashTable *
parse_key_values (const char *line)
{
  GHashTable *pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *p = line;

  while (*p != '\0')
    {
      const char *key_start;
      g_autofree char *key = NULL;
      g_autoptr(GString) value = g_string_new (NULL);

      while (*p == ' ')
        p++;
      key_start = p;
      while (*p != '\0' && *p != '=' && *p != ' ')
        p++;
      if (*p != '=')
        continue;
      key = g_strndup (key_start, p - key_start);
      p++;

      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          if (*p == '"')
            p++;
        }
      else
        {
          while (*p != '\0' && *p != ' ')
            g_string_append_c (value, *p++);
        }

      g_hash_table_replace (pairs, g_steal_pointer (&key), g_string_free (g_steal_pointer (&value),
                                                                           FALSE));
    }

  return pairs;
}

/**
 * dsl_ollama_parse_inference_compute:
 * @line: a line of the server's log
 *
 * Reads the `inference compute` line Ollama logs for each GPU it will use, in the older form
 * (`library=cuda name="NVIDIA GeForce RTX 4090" total="23.6 GiB"`) and the newer one
 * (`library=CUDA name=CUDA0 description="NVIDIA ..."`).
 *
 * Returns: (transfer full) (nullable): words for a person, such as
 *   "NVIDIA GeForce RTX 4090 (CUDA, 23.6 GiB)", or %NULL when @line is not such a line
 */
char *
dsl_ollama_parse_inference_compute (const char *line)
{
  g_autoptr(GHashTable) pairs = NULL;
  const char *library;
  const char *name;
  const char *total;
  g_autofree char *library_up = NULL;

  g_return_val_if_fail (line != NULL, NULL);

  if (strstr (line, "inference compute") == NULL)
    return NULL;

  pairs = parse_key_values (line);
  if (g_strcmp0 (g_hash_table_lookup (pairs, "msg"), "inference compute") != 0)
    return NULL;

  library = g_hash_table_lookup (pairs, "library");
  if (library == NULL || *library == '\0' || g_ascii_strcasecmp (library, "cpu") == 0)
    return g_strdup (_("no GPU (the processor does the work)"));

  name = g_hash_table_lookup (pairs, "description");
  if (name == NULL || *name == '\0')
    name = g_hash_table_lookup (pairs, "name");
  if (name == NULL || *name == '\0')
    name = _("a GPU");
  total = g_hash_table_lookup (pairs, "total");
  library_up = g_ascii_strup (library, -1);

  if (total != NULL && *total != '\0')
    /* Translators: a GPU, its library (CUDA, ROCM, VULKAN) and its memory ("23.6 GiB") */
    return g_strdup_printf (_("%s (%s, %s)"), name, library_up, total);

  return g_strdup_printf ("%s (%s)", name, library_up);
}

/* Readiness ************************************************************************************/

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *message = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize size = 0;
  const char *data;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (body, &size);
  if (soup_message_get_status (message) != SOUP_STATUS_OK ||
      size < strlen ("Ollama is running") ||
      memcmp (data, "Ollama is running", strlen ("Ollama is running")) != 0)
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA,
                               "GET / answered %u", soup_message_get_status (message));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* One `GET /` with a short deadline. */
static void
probe_async (DslOllamaService    *self,
             const char          *url,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *root = g_strconcat (url, "/", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", root);

  g_task_set_source_tag (task, probe_async);
  if (message == NULL)
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE,
                               "Not an address: %s", url);
      return;
    }

  g_task_set_task_data (task, g_object_ref (message), g_object_unref);
  soup_session_send_and_read_async (self->probe_session, message, G_PRIORITY_DEFAULT,
                                    cancellable, probe_cb, g_steal_pointer (&task));
}

static gboolean
probe_finish (DslOllamaService  *self,
              GAsyncResult      *result,
              GError           **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Identify: readiness, then the version. Returns the version ("" when the server did not say). */

static void
identify_version_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *version;

  version = dsl_ollama_client_get_version_finish (DSL_OLLAMA_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (error != NULL)
    g_debug ("No version from %s: %s", (char *) g_task_get_task_data (task), error->message);

  g_task_return_pointer (task, version != NULL ? version : g_strdup (""), g_free);
}

static void
identify_probe_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(DslOllamaClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!probe_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  client = dsl_ollama_client_new (g_task_get_task_data (task));
  cancellable = g_task_get_cancellable (task);
  dsl_ollama_client_get_version_async (client, cancellable, identify_version_cb,
                                       g_steal_pointer (&task));
}

static void
identify_async (DslOllamaService    *self,
                const char          *url,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, identify_async);
  g_task_set_task_data (task, g_strdup (url), g_free);
  probe_async (self, url, cancellable, identify_probe_cb, g_steal_pointer (&task));
}

static char *
identify_finish (DslOllamaService  *self,
                 GAsyncResult      *result,
                 GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Pid file *************************************************************************************/

/* Writes and removals of the pid file run one at a time, in order, so that a late write never
 * brings back a file just removed: only the last wish counts. */

static void pid_file_run (DslOllamaService *self);

static void
pid_file_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(DslOllamaService) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A missing pid file only costs the clean-up after a crash of the app. */
  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_warning ("Could not write %s: %s", g_file_peek_path (G_FILE (object)), error->message);

  self->pid_file_busy = FALSE;
  pid_file_run (self);
}

static void
pid_file_deleted_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(DslOllamaService) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_delete_finish (G_FILE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("Could not remove %s: %s", g_file_peek_path (G_FILE (object)), error->message);

  self->pid_file_busy = FALSE;
  pid_file_run (self);
}

static void
pid_file_run (DslOllamaService *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) wanted = NULL;

  if (self->pid_file_busy)
    return;

  if (!self->pid_file_dirty)
    {
      GList *waiters = g_steal_pointer (&self->pid_file_waiters);

      for (GList *l = waiters; l != NULL; l = l->next)
        g_task_return_boolean (l->data, TRUE);
      g_list_free_full (waiters, g_object_unref);
      return;
    }

  self->pid_file_busy = TRUE;
  self->pid_file_dirty = FALSE;
  wanted = g_steal_pointer (&self->pid_file_wanted);
  path = dup_pid_file_path (self);
  file = g_file_new_for_path (path);

  if (wanted != NULL)
    g_file_replace_contents_bytes_async (file, wanted, NULL, FALSE,
                                         G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                         pid_file_written_cb, g_object_ref (self));
  else
    g_file_delete_async (file, G_PRIORITY_DEFAULT, NULL, pid_file_deleted_cb,
                         g_object_ref (self));
}

static void
write_pid_file (DslOllamaService *self,
                GPid              pid,
                guint16           port)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *started = g_date_time_format_iso8601 (now);
  g_autofree char *exe = dup_exe_path (self);
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, port);
  json_builder_set_member_name (builder, "started");
  json_builder_add_string_value (builder, started);
  json_builder_set_member_name (builder, "exe");
  json_builder_add_string_value (builder, exe);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  g_clear_pointer (&self->pid_file_wanted, g_bytes_unref);
  self->pid_file_wanted = g_bytes_new_take (text, strlen (text));
  self->pid_file_dirty = TRUE;
  pid_file_run (self);
}

/* Also completes @task (nullable) once the file is gone. */
static void
delete_pid_file (DslOllamaService *self,
                 GTask            *task)
{
  g_clear_pointer (&self->pid_file_wanted, g_bytes_unref);
  self->pid_file_dirty = TRUE;
  if (task != NULL)
    self->pid_file_waiters = g_list_append (self->pid_file_waiters, g_object_ref (task));
  pid_file_run (self);
}

/* Ending a process that is not our child: poll until it is gone. */

typedef struct {
  GPid   pid;
  gint64 deadline;
  guint  poll_id;
  gboolean killed;
} KillData;

static void
kill_data_free (KillData *data)
{
  g_clear_handle_id (&data->poll_id, g_source_remove);
  g_free (data);
}

static gboolean
kill_poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  KillData *data = g_task_get_task_data (task);

  if (!process_is_alive (data->pid))
    {
      data->poll_id = 0;
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (!data->killed && g_get_monotonic_time () >= data->deadline)
    {
      g_debug ("Process %d ignored SIGTERM: SIGKILL", (int) data->pid);
      kill (data->pid, SIGKILL);
      data->killed = TRUE;
    }

  return G_SOURCE_CONTINUE;
}

static void
kill_pid_async (DslOllamaService    *self,
                GPid                 pid,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  KillData *data = g_new0 (KillData, 1);

  g_task_set_source_tag (task, kill_pid_async);
  data->pid = pid;
  data->deadline = g_get_monotonic_time () + STOP_GRACE_MS * 1000;
  g_task_set_task_data (task, data, (GDestroyNotify) kill_data_free);

  g_debug ("Ending process %d", (int) pid);
  kill (pid, SIGTERM);
  /* A stopped process only acts on SIGTERM once it runs again. */
  kill (pid, SIGCONT);

  data->poll_id = g_timeout_add_full (G_PRIORITY_DEFAULT, 100, kill_poll_cb,
                                      g_object_ref (task), g_object_unref);
}

/* Start tasks **********************************************************************************/

static gboolean
start_task_cancelled_cb (GCancellable *cancellable,
                         gpointer      user_data)
{
  GTask *task = user_data;
  DslOllamaService *self = g_task_get_source_object (task);
  GList *link = g_list_find (self->start_tasks, task);

  /* The caller gave up waiting; the server goes on starting for the others. */
  if (link != NULL)
    {
      self->start_tasks = g_list_delete_link (self->start_tasks, link);
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static void
source_destroy_unref (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
add_start_task (DslOllamaService *self,
                GTask            *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  self->start_tasks = g_list_append (self->start_tasks, g_object_ref (task));
  if (cancellable != NULL)
    {
      /* Cancellation lands in an idle so the handler never runs inside g_cancellable_cancel's
       * caller with our lists half-updated. */
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (start_task_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      /* The source holds the task: destroyed when the task completes, to break the cycle. */
      g_task_set_task_data (task, source, source_destroy_unref);
      g_source_attach (source, g_main_context_get_thread_default ());
    }
}

static void
complete_start_tasks (DslOllamaService *self,
                      const GError     *error)
{
  GList *tasks = g_steal_pointer (&self->start_tasks);

  for (GList *l = tasks; l != NULL; l = l->next)
    {
      GTask *task = l->data;
      GSource *source = g_task_get_task_data (task);

      if (source != NULL)
        g_source_destroy (source);
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  g_list_free_full (tasks, g_object_unref);
}

/* Our server ***********************************************************************************/

static void
child_clear (Child *child)
{
  g_clear_handle_id (&child->drain_id, g_source_remove);
  g_clear_handle_id (&child->retry_id, g_source_remove);
  g_clear_handle_id (&child->kill_id, g_source_remove);
  g_weak_ref_clear (&child->service);
  g_clear_object (&child->process);
  g_clear_object (&child->cancellable);
}

static Child *
child_ref (Child *child)
{
  return g_rc_box_acquire (child);
}

static void
child_unref (Child *child)
{
  g_rc_box_release_full (child, (GDestroyNotify) child_clear);
}

static void
set_failed (DslOllamaService *self,
            GError           *error)
{
  g_clear_error (&self->error);
  self->error = error;
  set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_FAILED);
}

/* Gives up on our server: its state becomes FAILED and the waiting callers get @error. */
static void
managed_failed (DslOllamaService *self,
                GError           *error)
{
  g_autoptr(GError) owned = error;

  /* The message has the log's last lines: for the user interface, not for our own log. */
  g_message ("Our Ollama server failed (%s %d)", g_quark_to_string (error->domain), error->code);
  g_clear_handle_id (&self->restart_id, g_source_remove);
  delete_pid_file (self, NULL);
  set_failed (self, g_error_copy (owned));
  complete_start_tasks (self, owned);
}

static gboolean
restart_cb (gpointer user_data)
{
  DslOllamaService *self = user_data;

  self->restart_id = 0;
  spawn_child (self);
  return G_SOURCE_REMOVE;
}

static void find_begin (DslOllamaService *self,
                        GTask            *task);

static gboolean
find_waiting_cb (gpointer user_data)
{
  DslOllamaService *self = user_data;

  self->waiting_id = 0;
  if (!self->searching && !self->stopping && !g_queue_is_empty (&self->waiting_finds))
    find_begin (self, g_queue_pop_head (&self->waiting_finds));
  return G_SOURCE_REMOVE;
}

/* A search or a stop has ended: a find asked for meanwhile (the window's, cancelled, gives way
 * to the wizard's) goes now, from the main loop, as if just called. */
static void
run_waiting_finds (DslOllamaService *self)
{
  if (!g_queue_is_empty (&self->waiting_finds) && self->waiting_id == 0)
    self->waiting_id = g_idle_add_full (G_PRIORITY_DEFAULT, find_waiting_cb, g_object_ref (self),
                                        g_object_unref);
}

static void
search_ended (DslOllamaService *self)
{
  self->searching = FALSE;
  run_waiting_finds (self);
}

static void
complete_stop_tasks (DslOllamaService *self)
{
  GList *tasks = g_steal_pointer (&self->stop_tasks);

  self->stopping = FALSE;
  run_waiting_finds (self);
  set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_NONE);

  for (GList *l = tasks; l != NULL; l = l->next)
    delete_pid_file (self, l->data);
  if (tasks == NULL)
    delete_pid_file (self, NULL);

  g_list_free_full (tasks, g_object_unref);
}

/* A crash (or an exit we did not ask for): restart with a growing delay, or give up. */
static void
managed_crashed (DslOllamaService *self,
                 const char       *what)
{
  gint64 now = g_get_monotonic_time ();
  guint n_recent = 0;
  guint delay;

  g_array_append_val (self->crash_times, now);
  for (guint i = 0; i < self->crash_times->len; i++)
    if (now - g_array_index (self->crash_times, gint64, i) < CRASH_WINDOW_US)
      n_recent++;

  g_message ("Our Ollama server %s (%u in a row)", what, n_recent);

  if (n_recent >= self->max_crashes)
    {
      g_autofree char *tail = dup_log_tail (self, ERROR_LOG_LINES);

      managed_failed (self,
                      g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_CRASHED,
                                   _("The Ollama server stopped unexpectedly %u times, so it is "
                                     "not started again. Restarting the computer or reinstalling "
                                     "Ollama may help. Its last messages:\n%s"),
                                   n_recent, tail));
      return;
    }

  delay = self->restart_delay << MIN (n_recent - 1, 10);
  delay = MIN (delay, MAX_RESTART_DELAY_MS);
  set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_STARTING);
  g_clear_handle_id (&self->restart_id, g_source_remove);
  self->restart_id = g_timeout_add (delay, restart_cb, self);
}

/* The child exited and its pipes are drained (or we stopped waiting for them). */
static void
child_gone (Child *child)
{
  g_autoptr(DslOllamaService) self = g_weak_ref_get (&child->service);
  g_autofree char *what = NULL;
  g_autoptr(Child) owned = NULL;

  if (child->reported)
    return;
  child->reported = TRUE;
  g_clear_handle_id (&child->drain_id, g_source_remove);
  g_clear_handle_id (&child->kill_id, g_source_remove);
  g_clear_handle_id (&child->retry_id, g_source_remove);
  g_cancellable_cancel (child->cancellable);

  if (self == NULL || self->child != child)
    return;

  owned = g_steal_pointer (&self->child);

  if (g_subprocess_get_if_signaled (child->process))
    what = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (child->process));
  else
    what = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (child->process));
  g_debug ("Server %d %s", (int) child->pid, what);

  if (self->stopping)
    {
      complete_stop_tasks (self);
      return;
    }

  if (child->expected_exit)
    return;

  /* Someone took the port between our check and the server's bind: try another one. */
  if (!child->ready && child->port_taken && self->n_port_retries < MAX_PORT_RETRIES)
    {
      self->n_port_retries++;
      g_message ("Port %u is taken; trying another one", child->port);
      spawn_child (self);
      return;
    }

  /* It never got going (a broken install, a wrong architecture): retrying will not help. */
  if (!child->ready && self->crash_times->len == 0 &&
      !g_subprocess_get_if_signaled (child->process) &&
      g_get_monotonic_time () - child->spawned_at < QUICK_EXIT_US)
    {
      g_autofree char *tail = dup_log_tail (self, ERROR_LOG_LINES);

      managed_failed (self,
                      g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED,
                                   _("The Ollama server stopped right after starting. "
                                     "Reinstalling Ollama may help. Its last messages:\n%s"),
                                   tail));
      return;
    }

  managed_crashed (self, what);
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  Child *child = user_data;

  child->drain_id = 0;
  child_gone (child);
  return G_SOURCE_REMOVE;
}

static void
child_maybe_gone (Child *child)
{
  if (!child->exited || child->reported)
    return;

  if (child->open_streams == 0)
    child_gone (child);
  else if (child->drain_id == 0)
    child->drain_id = g_timeout_add_full (G_PRIORITY_DEFAULT, DRAIN_TIMEOUT_MS, drain_timeout_cb,
                                          child_ref (child), (GDestroyNotify) child_unref);
}

static void
child_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Child) child = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error))
    return;

  child->exited = TRUE;
  child_maybe_gone (child);
}

static void read_line_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
read_next_line (Child            *child,
                GDataInputStream *stream)
{
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, child->cancellable,
                                       read_line_cb, child_ref (child));
}

typedef struct {
  Child            *child;
  GDataInputStream *stream;
} Tail;

static void
tail_free (Tail *tail)
{
  child_unref (tail->child);
  g_object_unref (tail->stream);
  g_free (tail);
}

static gboolean
tail_again_cb (gpointer user_data)
{
  Tail *tail = user_data;

  if (g_cancellable_is_cancelled (tail->child->cancellable))
    {
      tail->child->open_streams--;
      child_maybe_gone (tail->child);
    }
  else
    {
      read_next_line (tail->child, tail->stream);
    }

  return G_SOURCE_REMOVE;
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Child) child = user_data;
  g_autoptr(DslOllamaService) self = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *valid = NULL;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, &length,
                                               &error);
  if (line == NULL && error == NULL && !child->exited)
    {
      /* The end of the log file so far: the server is still running, look again soon. */
      Tail *tail = g_new0 (Tail, 1);

      tail->child = child_ref (child);
      tail->stream = g_object_ref (G_DATA_INPUT_STREAM (object));
      g_timeout_add_full (G_PRIORITY_DEFAULT, LOG_POLL_MS, tail_again_cb, tail,
                          (GDestroyNotify) tail_free);
      return;
    }

  if (line == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reading the server's log: %s", error->message);
      child->open_streams--;
      child_maybe_gone (child);
      return;
    }

  if (length > 0 && line[length - 1] == '\r')
    line[--length] = '\0';
  valid = g_utf8_make_valid (line, length);

  if (strstr (valid, "address already in use") != NULL)
    child->port_taken = TRUE;

  self = g_weak_ref_get (&child->service);
  if (self != NULL)
    append_log_line (self, valid);

  read_next_line (child, G_DATA_INPUT_STREAM (object));
}

static void
read_stream (Child        *child,
             GInputStream *pipe)
{
  g_autoptr(GDataInputStream) stream = g_data_input_stream_new (pipe);

  g_data_input_stream_set_newline_type (stream, G_DATA_STREAM_NEWLINE_TYPE_LF);
  child->open_streams++;
  read_next_line (child, stream);
}

static void ready_poll (Child *child);

static gboolean
ready_retry_cb (gpointer user_data)
{
  Child *child = user_data;

  child->retry_id = 0;
  ready_poll (child);
  return G_SOURCE_REMOVE;
}

static gboolean
force_exit_cb (gpointer user_data)
{
  Child *child = user_data;

  child->kill_id = 0;
  g_debug ("Server %d ignored SIGTERM: SIGKILL", (int) child->pid);
  g_subprocess_force_exit (child->process);
  return G_SOURCE_REMOVE;
}

static void
child_terminate (Child *child)
{
  if (child->exited || child->kill_id != 0)
    return;

  g_subprocess_send_signal (child->process, SIGTERM);
  child->kill_id = g_timeout_add_full (G_PRIORITY_DEFAULT, STOP_GRACE_MS, force_exit_cb,
                                       child_ref (child), (GDestroyNotify) child_unref);
}

static void
ready_version_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Child) child = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *url = NULL;
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  version = identify_finish (self, result, &error);
  if (version == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->child == child &&
          child->retry_id == 0)
        child->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, READY_POLL_INTERVAL_MS,
                                              ready_retry_cb, child_ref (child),
                                              (GDestroyNotify) child_unref);
      return;
    }

  if (self->child != child || self->stopping)
    return;

  child->ready = TRUE;
  self->n_port_retries = 0;
  url = g_strdup_printf ("http://127.0.0.1:%u", child->port);
  g_clear_error (&self->error);
  set_server (self, DSL_OLLAMA_SERVER_KIND_MANAGED, url, *version != '\0' ? version : NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_READY);
  g_debug ("Our server %d answers at %s", (int) child->pid, url);
  complete_start_tasks (self, NULL);
}

static void
ready_probe_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Child) child = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  if (probe_finish (self, result, &error))
    {
      url = g_strdup_printf ("http://127.0.0.1:%u", child->port);
      GCancellable *cancellable = child->cancellable;

      identify_async (self, url, cancellable, ready_version_cb, g_steal_pointer (&child));
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || child->exited)
    return;

  if (g_get_monotonic_time () >= child->deadline)
    {
      child->expected_exit = TRUE;
      child_terminate (child);
      managed_failed (self,
                      g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_TIMEOUT,
                                   _("The Ollama server started but did not answer within %u "
                                     "seconds. Restarting the computer may help."),
                                   self->ready_timeout / 1000));
      return;
    }

  child->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, READY_POLL_INTERVAL_MS,
                                        ready_retry_cb, child_ref (child),
                                        (GDestroyNotify) child_unref);
}

static void
ready_poll (Child *child)
{
  g_autoptr(DslOllamaService) self = g_weak_ref_get (&child->service);
  g_autofree char *url = NULL;

  if (self == NULL || child->exited)
    return;

  url = g_strdup_printf ("http://127.0.0.1:%u", child->port);
  probe_async (self, url, child->cancellable, ready_probe_cb, child_ref (child));
}

static void
spawn_child (DslOllamaService *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Child) child = NULL;
  g_autofree char *exe = dup_exe_path (self);
  g_autofree char *host = NULL;
  g_autofree char *log_path = NULL;
  guint16 port;

  g_assert (self->child == NULL);

  if (self->port != 0 && !self->first_port_used)
    port = self->port;
  else
    port = pick_free_port (&error);
  self->first_port_used = TRUE;

  if (port == 0)
    {
      managed_failed (self,
                      g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED,
                                   _("The Ollama server could not be started: no network port "
                                     "is free (%s)."), error->message));
      return;
    }

  host = g_strdup_printf ("127.0.0.1:%u", port);
  /* The server writes its log to a file, not to pipes: if the app is killed, a pipe would close
   * and the server (a Go program) would die of SIGPIPE at its next log line, so the server left
   * behind could never be found and reused. */
  log_path = g_build_filename (self->data_dir, LOG_FILE_NAME, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  /* Loopback only: a server on all interfaces would offer the models to the whole network. */
  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", host, TRUE);
  g_subprocess_launcher_setenv (launcher, "OLLAMA_MODELS", self->models_dir, TRUE);
  /* Without it every start deletes half-finished downloads (ollama-api.md, /api/pull). */
  g_subprocess_launcher_setenv (launcher, "OLLAMA_NOPRUNE", "1", TRUE);

  child = g_rc_box_new0 (Child);
  g_weak_ref_init (&child->service, self);
  child->cancellable = g_cancellable_new ();
  child->port = port;
  child->spawned_at = g_get_monotonic_time ();
  child->deadline = child->spawned_at + (gint64) self->ready_timeout * 1000;

  g_mkdir_with_parents (self->data_dir, 0700);
  g_mkdir_with_parents (self->models_dir, 0755);

  child->process = g_subprocess_launcher_spawn (launcher, &error, exe, "serve", NULL);
  if (child->process == NULL)
    {
      managed_failed (self,
                      g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_START_FAILED,
                                   _("The Ollama server could not be started: %s. Reinstalling "
                                     "Ollama may help."), error->message));
      return;
    }

  {
    /* NULL once GLib has reaped the child: a server that exited at once (a broken install).
     * The wait below reports it; there is no pid to write down. */
    const char *identifier = g_subprocess_get_identifier (child->process);

    child->pid = identifier != NULL ? atoi (identifier) : 0;
  }
  g_debug ("Started %s serve as %d on %s", exe, (int) child->pid, host);
  self->child = child_ref (child);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_STARTING);
  if (child->pid > 0)
    write_pid_file (self, child->pid, port);

  {
    g_autoptr(GFile) log_file = g_file_new_for_path (log_path);
    g_autoptr(GFileInputStream) log_stream = g_file_read (log_file, NULL, &error);

    if (log_stream != NULL)
      read_stream (child, G_INPUT_STREAM (log_stream));
    else
      g_debug ("The server's log cannot be read: %s", error->message);
  }
  g_subprocess_wait_async (child->process, child->cancellable, child_wait_cb, child_ref (child));
  ready_poll (child);
}

/* A server of ours left behind by an earlier run of the app ***********************************/

static void adopted_lost (DslOllamaService *self);

static gboolean
adopted_watch_cb (gpointer user_data)
{
  DslOllamaService *self = user_data;

  if (process_is_alive (self->adopted_pid))
    return G_SOURCE_CONTINUE;

  self->adopted_watch_id = 0;
  adopted_lost (self);
  return G_SOURCE_REMOVE;
}

static void
adopted_lost (DslOllamaService *self)
{
  self->adopted_pid = 0;
  self->adopted_port = 0;
  if (self->stopping)
    {
      complete_stop_tasks (self);
      return;
    }

  /* We cannot see its exit status, only that it is gone: a crash like any other. */
  managed_crashed (self, "left over from an earlier run has gone");
}

static void
adopt_version_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = identify_finish (self, result, &error);
  g_autofree char *url = NULL;
  GPid pid = GPOINTER_TO_INT (user_data);

  if (version == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Our server %d from an earlier run does not answer: %s", (int) pid, error->message);
      self->adopted_pid = 0;
      self->adopted_port = 0;
      set_state (self, DSL_OLLAMA_SERVICE_STATE_STARTING);
      kill_pid_async (self, pid, NULL, NULL);
      /* The port is freed once it is gone; a new port needs no wait. */
      spawn_child (self);
      return;
    }

  g_message ("Reusing our Ollama server %d from an earlier run", (int) pid);
  url = g_strdup_printf ("http://127.0.0.1:%u", self->adopted_port);
  g_clear_error (&self->error);
  set_server (self, DSL_OLLAMA_SERVER_KIND_MANAGED, url, *version != '\0' ? version : NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_READY);
  self->adopted_watch_id = g_timeout_add_seconds (1, adopted_watch_cb, self);
  complete_start_tasks (self, NULL);
}

static void
pid_file_loaded_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(DslOllamaService) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *contents = NULL;
  g_autofree char *exe = dup_exe_path (self);
  JsonObject *object_json = NULL;
  gsize length = 0;
  GPid pid = 0;
  gint64 port = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_warning ("Could not read %s: %s", g_file_peek_path (G_FILE (object)), error->message);
      spawn_child (self);
      return;
    }

  if (json_parser_load_from_data (parser, contents, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      object_json = json_node_get_object (json_parser_get_root (parser));
      pid = (GPid) json_object_get_int_member_with_default (object_json, "pid", 0);
      port = json_object_get_int_member_with_default (object_json, "port", 0);
    }

  if (pid <= 0 || port <= 0 || port > G_MAXUINT16 || !process_is_alive (pid) ||
      !process_runs_exe (pid, exe))
    {
      /* Dead, or the number now belongs to another program: not ours to end. */
      g_debug ("Removing the stale pid file (pid %d)", (int) pid);
      delete_pid_file (self, NULL);
      spawn_child (self);
      return;
    }

  {
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", (guint) port);

    self->adopted_pid = pid;
    self->adopted_port = (guint16) port;
    identify_async (self, url, self->managed_cancellable, adopt_version_cb,
                    GINT_TO_POINTER (pid));
  }
}

/* Public API ***********************************************************************************/

/**
 * dsl_ollama_service_new:
 * @configured_url: (nullable): the server address from the settings
 *
 * Returns: (transfer full): a service that finds (or runs) the Ollama server
 */
DslOllamaService *
dsl_ollama_service_new (const char *configured_url)
{
  /* DSL_SYSTEM_OLLAMA_URL names the system's server when it is not at the usual address (and
   * lets tests keep away from the fixed port 11434). */
  const char *system = g_getenv ("DSL_SYSTEM_OLLAMA_URL");

  return g_object_new (DSL_TYPE_OLLAMA_SERVICE,
                       "configured-url", configured_url,
                       "system-url", system != NULL && system[0] != '\0' ? system
                                                                        : DSL_OLLAMA_DEFAULT_URL,
                       NULL);
}

/**
 * dsl_ollama_service_get_state:
 *
 * Returns: where the search or our server stands
 */
DslOllamaServiceState
dsl_ollama_service_get_state (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), DSL_OLLAMA_SERVICE_STATE_NONE);

  return self->state;
}

/**
 * dsl_ollama_service_get_kind:
 *
 * Returns: which server is used: configured, system, ours, or none
 */
DslOllamaServerKind
dsl_ollama_service_get_kind (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), DSL_OLLAMA_SERVER_KIND_NONE);

  return self->kind;
}

/**
 * dsl_ollama_service_get_url:
 *
 * Returns: (nullable): the base URL of the server in use, %NULL until one is ready
 */
const char *
dsl_ollama_service_get_url (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return self->url;
}

/**
 * dsl_ollama_service_get_version:
 *
 * Returns: (nullable): the server's version (`GET /api/version`), %NULL when unknown
 */
const char *
dsl_ollama_service_get_version (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return self->version;
}

/**
 * dsl_ollama_service_get_models_location:
 *
 * Only our own server's model folder is known: another server reads its own environment.
 *
 * Returns: (nullable): the folder the server in use keeps its models in, %NULL when unknown
 */
const char *
dsl_ollama_service_get_models_location (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return self->kind == DSL_OLLAMA_SERVER_KIND_MANAGED ? self->models_dir : NULL;
}

/**
 * dsl_ollama_service_get_gpu:
 *
 * Read from the `inference compute` lines of our own server's log.
 *
 * Returns: (nullable): the GPU(s) our server uses, %NULL when unknown
 */
const char *
dsl_ollama_service_get_gpu (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return self->kind == DSL_OLLAMA_SERVER_KIND_MANAGED ? self->gpu : NULL;
}

/**
 * dsl_ollama_service_get_pid:
 *
 * Returns: the process of our own server (started now or reused), 0 when there is none
 */
GPid
dsl_ollama_service_get_pid (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), 0);

  if (self->child != NULL && !self->child->exited)
    return self->child->pid;

  return self->adopted_pid;
}

/**
 * dsl_ollama_service_get_error:
 *
 * Returns: (nullable): why the state is FAILED
 */
const GError *
dsl_ollama_service_get_error (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return self->error;
}

/**
 * dsl_ollama_service_dup_log:
 *
 * Returns: (transfer full): the last lines our server wrote (stdout and stderr), one per line
 */
char *
dsl_ollama_service_dup_log (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return dup_log_tail (self, G_MAXUINT);
}

/**
 * dsl_ollama_service_dup_executable:
 *
 * Returns: (transfer full): the `ollama` program of our own install
 */
char *
dsl_ollama_service_dup_executable (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return dup_exe_path (self);
}

/**
 * dsl_ollama_service_dup_pid_file:
 *
 * Returns: (transfer full): where the process of our server is noted while it runs
 */
char *
dsl_ollama_service_dup_pid_file (DslOllamaService *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  return dup_pid_file_path (self);
}

/**
 * dsl_ollama_service_format_status:
 *
 * For `deepseek-local --server-status`: which server is used and what is known about it.
 *
 * Returns: (transfer full): translated text, one or more lines
 */
char *
dsl_ollama_service_format_status (DslOllamaService *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *models;
  const char *gpu;

  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), NULL);

  switch (self->state)
    {
    case DSL_OLLAMA_SERVICE_STATE_SEARCHING:
      return g_strdup (_("Looking for an Ollama server…"));
    case DSL_OLLAMA_SERVICE_STATE_STARTING:
      return g_strdup (_("Starting the Ollama server…"));
    case DSL_OLLAMA_SERVICE_STATE_FAILED:
      return g_strdup_printf (_("No Ollama server: %s"),
                              self->error != NULL ? self->error->message : _("it failed."));
    case DSL_OLLAMA_SERVICE_STATE_NONE:
      {
        g_autofree char *configured = NULL;

        if ((g_getenv ("OLLAMA_HOST") != NULL && *g_getenv ("OLLAMA_HOST") != '\0') ||
            (self->configured_url != NULL && *self->configured_url != '\0'))
          configured = dsl_ollama_resolve_url (self->configured_url);

        if (configured != NULL && g_strcmp0 (configured, self->system_url) != 0)
          return g_strdup_printf (_("No Ollama server: nothing answers at %s or %s, and Ollama "
                                    "is not installed for DeepSeek Local. Install it with "
                                    "“deepseek-local --install-ollama”."),
                                  configured, self->system_url);
        return g_strdup_printf (_("No Ollama server: nothing answers at %s, and Ollama is not "
                                  "installed for DeepSeek Local. Install it with "
                                  "“deepseek-local --install-ollama”."), self->system_url);
      }
    case DSL_OLLAMA_SERVICE_STATE_READY:
    default:
      break;
    }

  models = dsl_ollama_service_get_models_location (self);
  if (self->version != NULL && models != NULL)
    g_string_append_printf (text, _("Using the Ollama server at %s (version %s), models in %s."),
                            self->url, self->version, models);
  else if (self->version != NULL)
    g_string_append_printf (text, _("Using the Ollama server at %s (version %s); it decides "
                                    "where models are kept."), self->url, self->version);
  else if (models != NULL)
    g_string_append_printf (text, _("Using the Ollama server at %s, models in %s."),
                            self->url, models);
  else
    g_string_append_printf (text, _("Using the Ollama server at %s; it decides where models "
                                    "are kept."), self->url);

  g_string_append_c (text, '\n');
  switch (self->kind)
    {
    case DSL_OLLAMA_SERVER_KIND_CONFIGURED:
      g_string_append (text, _("This is the address in the settings."));
      break;
    case DSL_OLLAMA_SERVER_KIND_SYSTEM:
      g_string_append (text, _("This is the Ollama server already running on this computer."));
      break;
    case DSL_OLLAMA_SERVER_KIND_MANAGED:
      g_string_append_printf (text, _("DeepSeek Local runs this server (process %d)."),
                              (int) dsl_ollama_service_get_pid (self));
      break;
    case DSL_OLLAMA_SERVER_KIND_NONE:
    default:
      break;
    }

  if ((gpu = dsl_ollama_service_get_gpu (self)) != NULL)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("It computes on: %s."), gpu);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * dsl_ollama_service_start_managed_async:
 *
 * Runs our own install's server (or reuses the one an earlier run left behind) and completes
 * when it answers, or when it failed for good.
 */
void
dsl_ollama_service_start_managed_async (DslOllamaService    *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *pid_path = NULL;
  g_autoptr(GFile) pid_file = NULL;
  gboolean running;

  g_return_if_fail (DSL_IS_OLLAMA_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_service_start_managed_async);

  if (self->stopping)
    {
      g_task_return_new_error (task, DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_BUSY,
                               _("The Ollama server is being stopped. Try again in a moment."));
      return;
    }

  running = self->child != NULL || self->adopted_pid != 0 || self->restart_id != 0;
  if (running && self->state == DSL_OLLAMA_SERVICE_STATE_READY &&
      self->kind == DSL_OLLAMA_SERVER_KIND_MANAGED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  add_start_task (self, task);
  if (running || self->start_tasks->next != NULL)
    return;

  exe = dup_exe_path (self);
  /* A stat, not a read: cheap enough for the main loop. */
  if (!g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (DSL_SERVICE_ERROR, DSL_SERVICE_ERROR_NOT_INSTALLED,
                           _("Ollama is not installed for DeepSeek Local (no program at %s). "
                             "Install it from the welcome page."), exe);
      set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
      set_state (self, DSL_OLLAMA_SERVICE_STATE_NONE);
      complete_start_tasks (self, error);
      return;
    }

  g_clear_error (&self->error);
  g_array_set_size (self->crash_times, 0);
  self->n_port_retries = 0;
  self->first_port_used = FALSE;
  set_string (&self->gpu, NULL, G_OBJECT (self), properties[PROP_GPU]);
  g_cancellable_cancel (self->managed_cancellable);
  g_clear_object (&self->managed_cancellable);
  self->managed_cancellable = g_cancellable_new ();
  set_state (self, DSL_OLLAMA_SERVICE_STATE_STARTING);

  pid_path = dup_pid_file_path (self);
  pid_file = g_file_new_for_path (pid_path);
  g_file_load_contents_async (pid_file, self->managed_cancellable, pid_file_loaded_cb,
                              g_object_ref (self));
}

/**
 * dsl_ollama_service_start_managed_finish:
 *
 * Returns: whether our server answers; else @error says why (see #DslServiceErrorCode)
 */
gboolean
dsl_ollama_service_start_managed_finish (DslOllamaService  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Find */

typedef struct {
  char                *url[2];
  DslOllamaServerKind  kind[2];
  guint                n;
  guint                i;
} FindData;

static void
find_data_free (FindData *data)
{
  for (guint i = 0; i < G_N_ELEMENTS (data->url); i++)
    g_free (data->url[i]);
  g_free (data);
}

static void find_next (GTask *task);

static void
find_managed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!dsl_ollama_service_start_managed_finish (DSL_OLLAMA_SERVICE (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
find_identify_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);
  FindData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = identify_finish (self, result, &error);

  if (version == NULL)
    {
      if (g_task_return_error_if_cancelled (task))
        {
          set_state (self, DSL_OLLAMA_SERVICE_STATE_NONE);
          search_ended (self);
          return;
        }
      g_debug ("No Ollama server at %s: %s", data->url[data->i], error->message);
      data->i++;
      find_next (g_steal_pointer (&task));
      return;
    }

  g_debug ("Using the Ollama server at %s", data->url[data->i]);
  g_clear_error (&self->error);
  set_server (self, data->kind[data->i], data->url[data->i], *version != '\0' ? version : NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_READY);
  search_ended (self);
  g_task_return_boolean (task, TRUE);
}

static void
find_next (GTask *task)
{
  DslOllamaService *self = g_task_get_source_object (task);
  FindData *data = g_task_get_task_data (task);

  if (data->i < data->n)
    {
      identify_async (self, data->url[data->i], g_task_get_cancellable (task), find_identify_cb,
                      task);
      return;
    }

  search_ended (self);
  dsl_ollama_service_start_managed_async (self, g_task_get_cancellable (task), find_managed_cb,
                                          task);
}

/**
 * dsl_ollama_service_find_async:
 *
 * Looks for a server: the configured address (or `OLLAMA_HOST`), then the system's
 * 127.0.0.1:11434, then starts our own install's server. When there is no install either, the
 * state becomes NONE and the call fails with %DSL_SERVICE_ERROR_NOT_INSTALLED.
 */
void
dsl_ollama_service_find_async (DslOllamaService    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_service_find_async);
  find_begin (self, g_steal_pointer (&task));
}

static void
find_begin (DslOllamaService *self,
            GTask            *task_in)
{
  g_autoptr(GTask) task = task_in;
  GCancellable *cancellable = g_task_get_cancellable (task);
  FindData *data;
  g_autofree char *configured = NULL;
  const char *env = g_getenv ("OLLAMA_HOST");

  /* Our server is running or starting: that is the answer. */
  if (self->child != NULL || self->adopted_pid != 0 || self->restart_id != 0 ||
      self->start_tasks != NULL)
    {
      dsl_ollama_service_start_managed_async (self, cancellable, find_managed_cb,
                                              g_steal_pointer (&task));
      return;
    }

  /* One search at a time: this one goes once the running search (or a stop) has ended. */
  if (self->searching || self->stopping)
    {
      g_queue_push_tail (&self->waiting_finds, g_steal_pointer (&task));
      return;
    }

  data = g_new0 (FindData, 1);
  if ((env != NULL && *env != '\0') ||
      (self->configured_url != NULL && *self->configured_url != '\0'))
    configured = dsl_ollama_resolve_url (self->configured_url);
  if (configured != NULL)
    {
      data->url[data->n] = g_steal_pointer (&configured);
      data->kind[data->n++] = DSL_OLLAMA_SERVER_KIND_CONFIGURED;
    }
  if (data->n == 0 || g_strcmp0 (data->url[0], self->system_url) != 0)
    {
      data->url[data->n] = g_strdup (self->system_url);
      data->kind[data->n++] = DSL_OLLAMA_SERVER_KIND_SYSTEM;
    }
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);

  self->searching = TRUE;
  set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
  set_state (self, DSL_OLLAMA_SERVICE_STATE_SEARCHING);
  find_next (g_steal_pointer (&task));
}

/**
 * dsl_ollama_service_find_finish:
 *
 * Returns: whether a server answers (see the kind and the URL); else @error says why
 */
gboolean
dsl_ollama_service_find_finish (DslOllamaService  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stop */

static void
stop_kill_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  g_task_propagate_boolean (G_TASK (result), NULL);
  self->adopted_pid = 0;
  self->adopted_port = 0;
  complete_stop_tasks (self);
}

/**
 * dsl_ollama_service_stop_async:
 *
 * Ends our own server (SIGTERM, then SIGKILL after 5 s) and removes its pid file. A server
 * someone else runs is left alone.
 */
void
dsl_ollama_service_stop_async (DslOllamaService    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) stopped = NULL;
  gboolean was_stopping;

  g_return_if_fail (DSL_IS_OLLAMA_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_service_stop_async);

  g_clear_handle_id (&self->restart_id, g_source_remove);
  g_clear_handle_id (&self->adopted_watch_id, g_source_remove);
  g_cancellable_cancel (self->managed_cancellable);

  stopped = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 _("The Ollama server was stopped."));
  complete_start_tasks (self, stopped);

  if (self->child == NULL && self->adopted_pid == 0)
    {
      if (!self->stopping && self->kind == DSL_OLLAMA_SERVER_KIND_MANAGED)
        {
          set_server (self, DSL_OLLAMA_SERVER_KIND_NONE, NULL, NULL);
          set_state (self, DSL_OLLAMA_SERVICE_STATE_NONE);
        }
      if (self->stopping)
        self->stop_tasks = g_list_append (self->stop_tasks, g_steal_pointer (&task));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  was_stopping = self->stopping;
  self->stopping = TRUE;
  self->stop_tasks = g_list_append (self->stop_tasks, g_steal_pointer (&task));
  if (was_stopping)
    return;

  if (self->child != NULL)
    {
      g_clear_handle_id (&self->child->retry_id, g_source_remove);
      if (self->child->exited)
        child_gone (self->child);
      else
        child_terminate (self->child);
    }
  else
    {
      kill_pid_async (self, self->adopted_pid, stop_kill_cb, NULL);
    }
}

/**
 * dsl_ollama_service_stop_finish:
 *
 * Returns: %TRUE once our server is gone
 */
gboolean
dsl_ollama_service_stop_finish (DslOllamaService  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * dsl_ollama_service_abandon:
 *
 * For tests: lets go of our server as a crash of the app would (no signal, the pid file stays),
 * so that the next service finds it.
 */
void
dsl_ollama_service_abandon (DslOllamaService *self)
{
  g_return_if_fail (DSL_IS_OLLAMA_SERVICE (self));

  self->abandoned = TRUE;
  g_clear_handle_id (&self->restart_id, g_source_remove);
  g_clear_handle_id (&self->adopted_watch_id, g_source_remove);
  if (self->child != NULL)
    {
      g_autoptr(Child) child = g_steal_pointer (&self->child);

      child->reported = TRUE;
      g_cancellable_cancel (child->cancellable);
    }
  self->adopted_pid = 0;
}

/* GObject **************************************************************************************/

static void
dsl_ollama_service_dispose (GObject *object)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  g_clear_handle_id (&self->restart_id, g_source_remove);
  g_clear_handle_id (&self->adopted_watch_id, g_source_remove);
  g_cancellable_cancel (self->managed_cancellable);

  /* Dropped without a stop: end the server rather than leave an orphan. There is no waiting in
   * dispose, so the pid file stays and the next start cleans up if SIGTERM was not enough. */
  if (self->child != NULL)
    {
      g_autoptr(Child) child = g_steal_pointer (&self->child);

      if (!child->exited)
        g_subprocess_send_signal (child->process, SIGTERM);
      child->reported = TRUE;
      g_cancellable_cancel (child->cancellable);
    }
  if (self->adopted_pid != 0 && !self->abandoned)
    kill (self->adopted_pid, SIGTERM);
  self->adopted_pid = 0;

  g_clear_object (&self->probe_session);

  G_OBJECT_CLASS (dsl_ollama_service_parent_class)->dispose (object);
}

static void
dsl_ollama_service_finalize (GObject *object)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  g_assert (self->start_tasks == NULL);
  g_assert (self->stop_tasks == NULL);

  g_assert (self->pid_file_waiters == NULL);

  g_clear_object (&self->managed_cancellable);
  g_clear_pointer (&self->pid_file_wanted, g_bytes_unref);
  g_clear_pointer (&self->crash_times, g_array_unref);
  g_queue_clear_full (&self->log, g_free);
  g_clear_error (&self->error);
  g_free (self->configured_url);
  g_free (self->system_url);
  g_free (self->install_dir);
  g_free (self->models_dir);
  g_free (self->data_dir);
  g_free (self->url);
  g_free (self->version);
  g_free (self->gpu);

  G_OBJECT_CLASS (dsl_ollama_service_parent_class)->finalize (object);
}

static void
dsl_ollama_service_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);

  switch (prop_id)
    {
    case PROP_CONFIGURED_URL:
      g_value_set_string (value, self->configured_url);
      break;
    case PROP_SYSTEM_URL:
      g_value_set_string (value, self->system_url);
      break;
    case PROP_INSTALL_DIR:
      g_value_set_string (value, self->install_dir);
      break;
    case PROP_MODELS_DIR:
      g_value_set_string (value, self->models_dir);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_READY_TIMEOUT:
      g_value_set_uint (value, self->ready_timeout);
      break;
    case PROP_RESTART_DELAY:
      g_value_set_uint (value, self->restart_delay);
      break;
    case PROP_MAX_CRASHES:
      g_value_set_uint (value, self->max_crashes);
      break;
    case PROP_LOG_MAX_LINES:
      g_value_set_uint (value, self->log_max_lines);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;
    case PROP_GPU:
      g_value_set_string (value, dsl_ollama_service_get_gpu (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_service_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DslOllamaService *self = DSL_OLLAMA_SERVICE (object);
  const char *text;

  switch (prop_id)
    {
    case PROP_CONFIGURED_URL:
      set_string (&self->configured_url, g_value_get_string (value), object, pspec);
      break;
    case PROP_SYSTEM_URL:
      text = g_value_get_string (value);
      g_free (self->system_url);
      self->system_url = text != NULL ? dsl_ollama_url_from_host (text)
                                      : g_strdup (DSL_OLLAMA_DEFAULT_URL);
      break;
    case PROP_INSTALL_DIR:
      text = g_value_get_string (value);
      g_free (self->install_dir);
      self->install_dir = text != NULL ? g_strdup (text)
                                       : g_build_filename (self->data_dir, "ollama", NULL);
      break;
    case PROP_MODELS_DIR:
      text = g_value_get_string (value);
      g_free (self->models_dir);
      /* The ollama command's own default, so both see the same models. */
      self->models_dir = text != NULL ? g_strdup (text)
                                      : g_build_filename (g_get_home_dir (), ".ollama", "models",
                                                          NULL);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_READY_TIMEOUT:
      self->ready_timeout = g_value_get_uint (value);
      break;
    case PROP_RESTART_DELAY:
      self->restart_delay = g_value_get_uint (value);
      break;
    case PROP_MAX_CRASHES:
      self->max_crashes = g_value_get_uint (value);
      break;
    case PROP_LOG_MAX_LINES:
      self->log_max_lines = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_service_class_init (DslOllamaServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                G_PARAM_STATIC_STRINGS;
  const GParamFlags readable = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                               G_PARAM_STATIC_STRINGS;

  object_class->dispose = dsl_ollama_service_dispose;
  object_class->finalize = dsl_ollama_service_finalize;
  object_class->get_property = dsl_ollama_service_get_property;
  object_class->set_property = dsl_ollama_service_set_property;

  /* The address from the settings; read at the next search. */
  properties[PROP_CONFIGURED_URL] =
    g_param_spec_string ("configured-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYSTEM_URL] =
    g_param_spec_string ("system-url", NULL, NULL, DSL_OLLAMA_DEFAULT_URL, construct);
  /* Default: $XDG_DATA_HOME/deepseek-local/ollama, where the installer puts bin/ and lib/. */
  properties[PROP_INSTALL_DIR] =
    g_param_spec_string ("install-dir", NULL, NULL, NULL, construct);
  /* Default: ~/.ollama/models, shared with the ollama command. */
  properties[PROP_MODELS_DIR] =
    g_param_spec_string ("models-dir", NULL, NULL, NULL, construct);
  /* The port our server tries first (0: any free one); for tests. */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, construct);
  properties[PROP_READY_TIMEOUT] =
    g_param_spec_uint ("ready-timeout", NULL, NULL, 1000, G_MAXUINT, DEFAULT_READY_TIMEOUT_MS,
                       construct);
  /* The first delay before a restart after a crash, in ms; it doubles with each crash. */
  properties[PROP_RESTART_DELAY] =
    g_param_spec_uint ("restart-delay", NULL, NULL, 0, MAX_RESTART_DELAY_MS,
                       DEFAULT_RESTART_DELAY_MS, construct);
  properties[PROP_MAX_CRASHES] =
    g_param_spec_uint ("max-crashes", NULL, NULL, 1, 100, DEFAULT_MAX_CRASHES, construct);
  properties[PROP_LOG_MAX_LINES] =
    g_param_spec_uint ("log-max-lines", NULL, NULL, 1, G_MAXUINT, DEFAULT_LOG_MAX_LINES,
                       construct);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, DSL_TYPE_OLLAMA_SERVICE_STATE,
                       DSL_OLLAMA_SERVICE_STATE_NONE, readable);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, DSL_TYPE_OLLAMA_SERVER_KIND,
                       DSL_OLLAMA_SERVER_KIND_NONE, readable);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, readable);
  properties[PROP_VERSION] = g_param_spec_string ("version", NULL, NULL, NULL, readable);
  properties[PROP_GPU] = g_param_spec_string ("gpu", NULL, NULL, NULL, readable);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DslOllamaService::log-line:
   * @line: a line our server wrote, without its newline
   */
  signals[LOG_LINE] =
    g_signal_new ("log-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dsl_ollama_service_init (DslOllamaService *self)
{
  g_autofree char *user_agent = g_strdup_printf ("DeepSeekLocal/%s", PACKAGE_VERSION);

  self->data_dir = g_build_filename (g_get_user_data_dir (), "deepseek-local", NULL);
  self->crash_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->managed_cancellable = g_cancellable_new ();
  g_queue_init (&self->log);
  self->probe_session = soup_session_new_with_options ("user-agent", user_agent,
                                                       "timeout", PROBE_TIMEOUT_SECONDS,
                                                       NULL);
}
