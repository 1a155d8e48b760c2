/* dsl-ollama-installer.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-installer"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dsl-json.h"
#include "dsl-ollama-installer.h"
#include "dsl-sha256.h"

/* For hashing a partial left by an earlier run, in a thread. */
#define CHUNK_SIZE (1024 * 1024)
/* One read from the connection. Large enough that a fast link is not held back by one
 * main-loop round trip per read, small enough that the chunk is still in the processor's cache
 * when the writer hashes and writes it. */
#define READ_SIZE (256 * 1024)
/* Chunks read but not yet written and hashed: reading pauses there until the writer catches up
 * (a slow disk), which caps the memory at this many reads. */
#define MAX_QUEUED 8
/* The speed shown is averaged over this window, so that it does not jump with every chunk. */
#define SPEED_WINDOW_US (3 * G_USEC_PER_SEC)
#define PROGRESS_INTERVAL_US (100 * 1000)
/* A broken connection is retried this many times in a row (an attempt that brought bytes resets
 * the count), waiting 0.5 s, 1 s, 2 s, ... in between. */
#define MAX_RETRIES 5
#define RETRY_BASE_MS 500
/* The extracted tree is about 2.5 times the size of the archive (zstd on the CUDA libraries);
 * the check asks for the archive plus that, since both are on disk until the partial is
 * deleted. */
#define EXTRACT_FACTOR_NUM 5
#define EXTRACT_FACTOR_DEN 2
#define MAX_SMALL_BODY (4 * 1024 * 1024)

struct _DslOllamaInstaller
{
  GObject      parent_instance;

  SoupSession *session;
  char        *install_dir;
  char        *download_base_url;
  gint64       free_space_override;
};

G_DEFINE_FINAL_TYPE (DslOllamaInstaller, dsl_ollama_installer, G_TYPE_OBJECT)

G_DEFINE_QUARK (dsl-install-error-quark, dsl_install_error)

G_DEFINE_BOXED_TYPE (DslOllamaRelease, dsl_ollama_release,
                     dsl_ollama_release_copy, dsl_ollama_release_free)

enum {
  PROP_0,
  PROP_INSTALL_DIR,
  PROP_DOWNLOAD_BASE_URL,
  PROP_FREE_SPACE_OVERRIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

DslOllamaRelease *
dsl_ollama_release_copy (const DslOllamaRelease *release)
{
  DslOllamaRelease *copy = g_new0 (DslOllamaRelease, 1);

  copy->version = g_strdup (release->version);
  copy->arch = g_strdup (release->arch);
  copy->archive_name = g_strdup (release->archive_name);
  copy->url = g_strdup (release->url);
  copy->size = release->size;
  copy->sha256 = g_strdup (release->sha256);
  return copy;
}

void
dsl_ollama_release_free (DslOllamaRelease *release)
{
  if (release == NULL)
    return;

  g_free (release->version);
  g_free (release->arch);
  g_free (release->archive_name);
  g_free (release->url);
  g_free (release->sha256);
  g_free (release);
}

/* Helpers **************************************************************************************/

/**
 * dsl_ollama_installer_get_arch:
 *
 * Returns: (nullable): Ollama's name for this processor ("amd64", "arm64"), or %NULL when Ollama
 *   publishes nothing for it
 */
const char *
dsl_ollama_installer_get_arch (void)
{
  struct utsname name;

  if (uname (&name) != 0)
    return NULL;
  if (g_str_equal (name.machine, "x86_64") || g_str_equal (name.machine, "amd64"))
    return "amd64";
  if (g_str_equal (name.machine, "aarch64") || g_str_equal (name.machine, "arm64"))
    return "arm64";

  return NULL;
}

/**
 * dsl_ollama_installer_compare_versions:
 * @a: (nullable): a version such as "v0.32.15" or "0.9.0"
 * @b: (nullable): another
 *
 * Compares the dotted numbers; a leading `v` and anything after a `-` are ignored. %NULL sorts
 * first.
 *
 * Returns: negative, 0 or positive as @a is older than, equal to or newer than @b
 */
int
dsl_ollama_installer_compare_versions (const char *a,
                                       const char *b)
{
  if (a == NULL || b == NULL)
    return (a != NULL) - (b != NULL);

  if (*a == 'v' || *a == 'V')
    a++;
  if (*b == 'v' || *b == 'V')
    b++;

  while (*a != '\0' || *b != '\0')
    {
      char *end_a = (char *) a;
      char *end_b = (char *) b;
      guint64 na = g_ascii_isdigit (*a) ? g_ascii_strtoull (a, &end_a, 10) : 0;
      guint64 nb = g_ascii_isdigit (*b) ? g_ascii_strtoull (b, &end_b, 10) : 0;

      if (na != nb)
        return na < nb ? -1 : 1;

      a = end_a;
      b = end_b;
      if (*a == '.')
        a++;
      else
        a = "";
      if (*b == '.')
        b++;
      else
        b = "";
    }

  return 0;
}

static char *
format_gb (guint64 bytes)
{
  return g_strdup_printf ("%.1f", (double) bytes / 1e9);
}

/* Turns a transport error into NETWORK, keeping a cancellation as it is. */
static GError *
network_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NETWORK,
                      _("Could not download Ollama: %s. Check the internet connection, then try "
                        "again."), error->message);
}

static GError *
status_error (SoupMessage *msg,
              const char  *url)
{
  guint status = soup_message_get_status (msg);

  if (status == SOUP_STATUS_NOT_FOUND)
    return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                        _("The Ollama download was not found at %s. Check the download address "
                          "in Preferences, or try again later."), url);

  return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NETWORK,
                      _("The download server answered “%u %s” for %s. Try again later."),
                      status, soup_message_get_reason_phrase (msg), url);
}

static GError *
io_error (const char   *what,
          const char   *path,
          const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  /* A full disk can still happen after the check, when something else fills it meanwhile. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NO_SPACE,
                        _("The disk at %s is full. Free some space, then try again."), path);

  /* TRANSLATORS: the first %s says what failed, e.g. "write", the last is the system's reason */
  return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_IO,
                      _("Could not %s “%s”: %s. Check that the folder is writable and the disk "
                        "works, then try again."), what, path, error->message);
}

static void
set_errno_error (GError     **error,
                 const char  *what,
                 const char  *path,
                 int          saved_errno)
{
  g_autoptr(GError) base = g_error_new_literal (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                                                g_strerror (saved_errno));

  g_propagate_error (error, io_error (what, path, base));
}

/* Deletes a tree without following symlinks. Runs in worker threads only. */
static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      set_errno_error (error, _("delete"), path, errno);
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir != NULL)
        while ((name = g_dir_read_name (dir)) != NULL)
          {
            g_autofree char *child = g_build_filename (path, name, NULL);

            if (!remove_tree (child, error))
              return FALSE;
          }

      if (g_rmdir (path) != 0)
        {
          set_errno_error (error, _("delete"), path, errno);
          return FALSE;
        }
      return TRUE;
    }

  if (g_unlink (path) != 0)
    {
      set_errno_error (error, _("delete"), path, errno);
      return FALSE;
    }

  return TRUE;
}

static const char *
component_suffix (DslInstallComponent component)
{
  return component == DSL_INSTALL_COMPONENT_ROCM ? "-rocm" : "";
}

static const char *
version_file_name (DslInstallComponent component)
{
  return component == DSL_INSTALL_COMPONENT_ROCM ? "rocm-version" : "version";
}

/* Object ***************************************************************************************/

static void
dsl_ollama_installer_dispose (GObject *object)
{
  DslOllamaInstaller *self = DSL_OLLAMA_INSTALLER (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (dsl_ollama_installer_parent_class)->dispose (object);
}

static void
dsl_ollama_installer_finalize (GObject *object)
{
  DslOllamaInstaller *self = DSL_OLLAMA_INSTALLER (object);

  g_clear_pointer (&self->install_dir, g_free);
  g_clear_pointer (&self->download_base_url, g_free);

  G_OBJECT_CLASS (dsl_ollama_installer_parent_class)->finalize (object);
}

static void
dsl_ollama_installer_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DslOllamaInstaller *self = DSL_OLLAMA_INSTALLER (object);

  switch (prop_id)
    {
    case PROP_INSTALL_DIR:
      g_value_set_string (value, self->install_dir);
      break;

    case PROP_DOWNLOAD_BASE_URL:
      g_value_set_string (value, self->download_base_url);
      break;

    case PROP_FREE_SPACE_OVERRIDE:
      g_value_set_int64 (value, self->free_space_override);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_installer_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  DslOllamaInstaller *self = DSL_OLLAMA_INSTALLER (object);

  switch (prop_id)
    {
    case PROP_INSTALL_DIR:
      g_free (self->install_dir);
      if (g_value_get_string (value) != NULL && g_value_get_string (value)[0] != '\0')
        self->install_dir = g_value_dup_string (value);
      else
        self->install_dir = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                              NULL);
      break;

    case PROP_DOWNLOAD_BASE_URL:
      dsl_ollama_installer_set_download_base_url (self, g_value_get_string (value));
      break;

    case PROP_FREE_SPACE_OVERRIDE:
      dsl_ollama_installer_set_free_space_override (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_installer_class_init (DslOllamaInstallerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_ollama_installer_dispose;
  object_class->finalize = dsl_ollama_installer_finalize;
  object_class->get_property = dsl_ollama_installer_get_property;
  object_class->set_property = dsl_ollama_installer_set_property;

  /* The folder that holds bin/ and lib/; NULL means $XDG_DATA_HOME/deepseek-local/ollama. Its
   * parent holds the partial downloads, the staging folder and ollama.old. */
  properties[PROP_INSTALL_DIR] =
    g_param_spec_string ("install-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* A mirror: a base URL under which ollama-linux-<arch>.tar.zst and sha256sum.txt are found.
   * When set, GitHub's release list is not asked. */
  properties[PROP_DOWNLOAD_BASE_URL] =
    g_param_spec_string ("download-base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /* Test hook: the free bytes the disk check believes it saw; -1 asks the file system. */
  properties[PROP_FREE_SPACE_OVERRIDE] =
    g_param_spec_int64 ("free-space-override", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DslOllamaInstaller::progress:
   * @done: bytes of the archive on disk
   * @total: bytes of the archive, 0 when unknown
   * @bytes_per_second: the speed over the last few seconds
   * @seconds_left: the estimated time to go, -1 when unknown
   *
   * Emitted at most ten times a second while an archive downloads, and once at its end.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
}

static void
dsl_ollama_installer_init (DslOllamaInstaller *self)
{
  g_autofree char *user_agent = g_strdup_printf ("DeepSeekLocal/%s", PACKAGE_VERSION);

  /* No overall timeout: the archive is more than a gigabyte. A stalled connection is caught by
   * the I/O timeout and retried with a Range request. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", 60,
                                                 "idle-timeout", 60,
                                                 NULL);
  self->free_space_override = -1;
}

/**
 * dsl_ollama_installer_new:
 * @install_dir: (nullable): where bin/ollama goes; %NULL for
 *   `$XDG_DATA_HOME/deepseek-local/ollama`
 * @download_base_url: (nullable): a mirror (the `ollama-download-url` setting), or %NULL for
 *   GitHub's newest release
 */
DslOllamaInstaller *
dsl_ollama_installer_new (const char *install_dir,
                          const char *download_base_url)
{
  return g_object_new (DSL_TYPE_OLLAMA_INSTALLER,
                       "install-dir", install_dir,
                       "download-base-url", download_base_url,
                       NULL);
}

const char *
dsl_ollama_installer_get_install_dir (DslOllamaInstaller *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_INSTALLER (self), NULL);

  return self->install_dir;
}

/**
 * dsl_ollama_installer_dup_ollama_path:
 *
 * Returns: (transfer full): where the `ollama` program is once installed
 */
char *
dsl_ollama_installer_dup_ollama_path (DslOllamaInstaller *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_INSTALLER (self), NULL);

  return g_build_filename (self->install_dir, "bin", "ollama", NULL);
}

const char *
dsl_ollama_installer_get_download_base_url (DslOllamaInstaller *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_INSTALLER (self), NULL);

  return self->download_base_url;
}

/**
 * dsl_ollama_installer_set_download_base_url:
 * @base_url: (nullable): a mirror, or %NULL or "" for GitHub's releases
 *
 * Applies to the next search or install.
 */
void
dsl_ollama_installer_set_download_base_url (DslOllamaInstaller *self,
                                            const char         *base_url)
{
  g_autofree char *url = NULL;
  gsize len;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));

  if (base_url != NULL && base_url[0] != '\0')
    {
      url = g_strdup (base_url);
      len = strlen (url);
      while (len > 0 && url[len - 1] == '/')
        url[--len] = '\0';
    }

  if (g_strcmp0 (url, self->download_base_url) == 0)
    return;

  g_free (self->download_base_url);
  self->download_base_url = g_steal_pointer (&url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_BASE_URL]);
}

gint64
dsl_ollama_installer_get_free_space_override (DslOllamaInstaller *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_INSTALLER (self), -1);

  return self->free_space_override;
}

/**
 * dsl_ollama_installer_set_free_space_override:
 * @bytes: the free space the disk check should believe in, or -1 to ask the file system
 *
 * A test hook: a full disk cannot be made on demand.
 */
void
dsl_ollama_installer_set_free_space_override (DslOllamaInstaller *self,
                                              gint64              bytes)
{
  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));

  bytes = MAX (bytes, -1);
  if (bytes == self->free_space_override)
    return;

  self->free_space_override = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FREE_SPACE_OVERRIDE]);
}

/* Small downloads ******************************************************************************/

/* A GET or HEAD whose body (if any) is small; the task returns the body and keeps the message in
 * its task data for the headers. */
static void
small_fetch_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, network_error (error));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_autofree char *url = g_uri_to_string (soup_message_get_uri (msg));

      g_task_return_error (task, status_error (msg, url));
      return;
    }

  if (g_bytes_get_size (body) > MAX_SMALL_BODY)
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("The download server sent something that is not a release "
                                 "list. Check the download address in Preferences."));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void
small_fetch_async (DslOllamaInstaller  *self,
                   const char          *method,
                   const char          *url,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SoupMessage *msg = soup_message_new (method, url);

  g_task_set_source_tag (task, small_fetch_async);

  if (msg == NULL)
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("“%s” is not a web address. Check the download address in "
                                 "Preferences."), url);
      return;
    }

  soup_message_headers_append (soup_message_get_request_headers (msg), "Accept",
                               "application/vnd.github+json, */*");
  g_task_set_task_data (task, msg, g_object_unref);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    small_fetch_cb, g_steal_pointer (&task));
}

static GBytes *
small_fetch_finish (GAsyncResult  *result,
                    SoupMessage  **msg,
                    GError       **error)
{
  if (msg != NULL)
    *msg = g_object_ref (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Finding the release **************************************************************************/

typedef struct {
  DslInstallComponent  component;
  const char          *arch;
  DslOllamaRelease    *release;
  char                *sha256sum_url;
  gboolean             tried_tgz;
} FindData;

static void
find_data_free (FindData *data)
{
  g_clear_pointer (&data->release, dsl_ollama_release_free);
  g_free (data->sha256sum_url);
  g_free (data);
}

static char *
archive_name (const FindData *data,
              const char     *ext)
{
  return g_strdup_printf ("ollama-linux-%s%s%s", data->arch, component_suffix (data->component),
                          ext);
}

/* Finds `<hex>  ./name` (or `name`, or `*name`) in a sha256sum.txt. */
static char *
find_sha256 (GBytes     *body,
             const char *name)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " \t", 2);
      const char *file;

      if (fields[0] == NULL || fields[1] == NULL || strlen (fields[0]) != 64)
        continue;

      file = g_strchug (fields[1]);
      if (*file == '*')
        file++;
      if (g_str_has_prefix (file, "./"))
        file += 2;

      if (g_str_equal (file, name))
        {
          for (const char *p = fields[0]; *p != '\0'; p++)
            if (!g_ascii_isxdigit (*p))
              return NULL;
          return g_ascii_strdown (fields[0], -1);
        }
    }

  return NULL;
}

static void
find_sha256_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FindData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = small_fetch_finish (result, NULL, &error);

  if (body == NULL)
    {
      if (g_error_matches (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND))
        g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                                 _("The download has no checksum list (sha256sum.txt), so it "
                                   "cannot be checked. Check the download address in "
                                   "Preferences."));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->release->sha256 = find_sha256 (body, data->release->archive_name);
  if (data->release->sha256 == NULL)
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("The checksum list does not mention %s, so the download cannot "
                                 "be checked. Try again later."), data->release->archive_name);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&data->release),
                         (GDestroyNotify) dsl_ollama_release_free);
}

static void
fetch_sha256 (GTask *task)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  FindData *data = g_task_get_task_data (task);

  small_fetch_async (self, "GET", data->sha256sum_url, g_task_get_cancellable (task),
                     find_sha256_cb, g_object_ref (task));
}

static void mirror_head (GTask *task);

static void
mirror_head_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FindData *data = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = small_fetch_finish (result, &msg, &error);

  if (body == NULL)
    {
      /* Releases before 0.14.0 were .tgz; an old mirror may still have only those. */
      if (g_error_matches (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND) &&
          !data->tried_tgz)
        {
          data->tried_tgz = TRUE;
          mirror_head (task);
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->release->size = MAX (soup_message_headers_get_content_length (
                               soup_message_get_response_headers (msg)), 0);
  fetch_sha256 (task);
}

static void
mirror_head (GTask *task)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  FindData *data = g_task_get_task_data (task);
  DslOllamaRelease *release = data->release;

  g_clear_pointer (&release->archive_name, g_free);
  g_clear_pointer (&release->url, g_free);
  release->archive_name = archive_name (data, data->tried_tgz ? ".tgz" : ".tar.zst");
  release->url = g_strdup_printf ("%s/%s", self->download_base_url, release->archive_name);

  small_fetch_async (self, "HEAD", release->url, g_task_get_cancellable (task),
                     mirror_head_cb, g_object_ref (task));
}

static void
release_list_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FindData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = small_fetch_finish (result, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *zst = archive_name (data, ".tar.zst");
  g_autofree char *tgz = archive_name (data, ".tgz");
  JsonObject *root;
  JsonArray *assets;
  JsonObject *chosen = NULL;
  gboolean chosen_zst = FALSE;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   g_bytes_get_size (body), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NETWORK,
                               _("The list of Ollama releases could not be read. Try again "
                                 "later."));
      return;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  assets = json_object_has_member (root, "assets") &&
           JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "assets"))
           ? json_object_get_array_member (root, "assets") : NULL;
  data->release->version = g_strdup (dsl_json_get_string (root, "tag_name", NULL));

  for (guint i = 0; assets != NULL && i < json_array_get_length (assets); i++)
    {
      JsonNode *node = json_array_get_element (assets, i);
      JsonObject *asset;
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      asset = json_node_get_object (node);
      name = dsl_json_get_string (asset, "name", NULL);
      if (name == NULL)
        continue;

      if (g_str_equal (name, zst))
        {
          chosen = asset;
          chosen_zst = TRUE;
        }
      else if (g_str_equal (name, tgz) && !chosen_zst)
        chosen = asset;
      else if (g_str_equal (name, "sha256sum.txt"))
        data->sha256sum_url = g_strdup (dsl_json_get_string (asset, "browser_download_url",
                                                             NULL));
    }

  if (chosen == NULL || dsl_json_get_string (chosen, "browser_download_url", NULL) == NULL)
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("Ollama %s has no download for this computer (%s). Try again "
                                 "when a newer version is out."),
                               data->release->version != NULL ? data->release->version : "",
                               chosen_zst ? zst : tgz);
      return;
    }

  data->release->archive_name = g_strdup (dsl_json_get_string (chosen, "name", NULL));
  data->release->url = g_strdup (dsl_json_get_string (chosen, "browser_download_url", NULL));
  data->release->size = MAX (dsl_json_get_int (chosen, "size", 0), 0);

  if (data->sha256sum_url == NULL)
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("Ollama %s has no checksum list, so its download cannot be "
                                 "checked. Try again later."),
                               data->release->version != NULL ? data->release->version : "");
      return;
    }

  fetch_sha256 (task);
}

/**
 * dsl_ollama_installer_find_release_async:
 * @component: the server, or the ROCm add-on (amd64 only)
 *
 * Finds the newest archive for this processor: from the mirror when one is set (version
 * unknown, size from a HEAD request), else from the release list at
 * `$DSL_OLLAMA_RELEASE_API` or GitHub. Prefers `.tar.zst`, falls back to `.tgz`.
 */
void
dsl_ollama_installer_find_release_async (DslOllamaInstaller  *self,
                                         DslInstallComponent  component,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FindData *data;
  const char *api;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_installer_find_release_async);

  data = g_new0 (FindData, 1);
  data->component = component;
  data->arch = dsl_ollama_installer_get_arch ();
  data->release = g_new0 (DslOllamaRelease, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);

  if (data->arch == NULL ||
      (component == DSL_INSTALL_COMPONENT_ROCM && !g_str_equal (data->arch, "amd64")))
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("Ollama offers no download for this computer’s processor. "
                                 "Install Ollama by hand and set its address in Preferences."));
      return;
    }
  data->release->arch = g_strdup (data->arch);

  if (self->download_base_url != NULL)
    {
      data->sha256sum_url = g_strdup_printf ("%s/sha256sum.txt", self->download_base_url);
      mirror_head (task);
      return;
    }

  api = g_getenv ("DSL_OLLAMA_RELEASE_API");
  if (api == NULL || api[0] == '\0')
    api = DSL_OLLAMA_RELEASE_API_URL;

  small_fetch_async (self, "GET", api, cancellable, release_list_cb, g_steal_pointer (&task));
}

/**
 * dsl_ollama_installer_find_release_finish:
 *
 * Returns: (transfer full): the archive, with its checksum
 */
DslOllamaRelease *
dsl_ollama_installer_find_release_finish (DslOllamaInstaller  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        dsl_ollama_installer_find_release_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Installing ***********************************************************************************/

typedef struct {
  gint64  time;
  guint64 bytes;
} Sample;

typedef struct _Writer Writer;

typedef struct {
  DslInstallComponent  component;
  DslOllamaRelease    *release;
  char                *parent_dir;
  char                *partial_path;
  GFile               *partial_file;
  DslSha256           *checksum;
  guint64              offset;        /* bytes in the partial file, all hashed */
  gboolean             from_disk;     /* the partial was left by an earlier run */
  gboolean             restarted;     /* a bad partial was thrown away once already */

  SoupMessage         *msg;
  GInputStream        *in;
  GOutputStream       *out;           /* the writer's alone while it runs */
  Writer              *writer;        /* set while the writer thread runs */
  guint8              *read_buf;      /* the buffer of the read in flight */
  guint                queued;        /* chunks given to the writer and not yet reported */
  gboolean             reading;
  gboolean             stopping;      /* stop_mark is on its way to the writer */
  gboolean             eof;
  GError              *read_error;
  GError              *write_error;
  guint                failures;
  guint64              attempt_bytes;

  GArray              *samples;
  gint64               last_emit;
} InstallData;

static void
install_data_free (InstallData *data)
{
  g_clear_pointer (&data->release, dsl_ollama_release_free);
  g_free (data->parent_dir);
  g_free (data->partial_path);
  g_clear_object (&data->partial_file);
  g_clear_pointer (&data->checksum, dsl_sha256_free);
  g_clear_object (&data->msg);
  g_clear_object (&data->in);
  g_clear_object (&data->out);
  g_free (data->read_buf);
  g_clear_error (&data->read_error);
  g_clear_error (&data->write_error);
  g_clear_pointer (&data->samples, g_array_unref);
  g_free (data);
}

static void
emit_progress (GTask    *task,
               gboolean  force)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  InstallData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();
  Sample sample = { now, data->offset };
  Sample *first;
  double speed = 0;
  double left = -1;

  if (!force && now - data->last_emit < PROGRESS_INTERVAL_US)
    return;
  data->last_emit = now;

  g_array_append_val (data->samples, sample);
  while (data->samples->len > 2 &&
         now - g_array_index (data->samples, Sample, 1).time > SPEED_WINDOW_US)
    g_array_remove_index (data->samples, 0);

  first = &g_array_index (data->samples, Sample, 0);
  if (now > first->time && data->offset >= first->bytes)
    speed = (double) (data->offset - first->bytes) * G_USEC_PER_SEC / (double) (now - first->time);
  if (speed > 0 && data->release->size >= data->offset)
    left = (double) (data->release->size - data->offset) / speed;

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, (guint64) data->offset,
                 (guint64) data->release->size, speed, left);
}

static void start_request (GTask *task);
static void verify (GTask *task);

/* Closing the file is a close(2), quick enough for the main thread; it must happen before
 * anything else opens the partial again. */
static void
drop_transfer (InstallData *data)
{
  /* Only once the writer is done with the file and the checksum. */
  g_warn_if_fail (data->writer == NULL);
  g_clear_object (&data->in);
  g_clear_object (&data->msg);
  data->reading = FALSE;
  data->eof = FALSE;
}

static void
fail (GTask  *task,
      GError *error)
{
  InstallData *data = g_task_get_task_data (task);

  drop_transfer (data);
  g_clear_object (&data->out);
  g_task_return_error (task, error);
}

static gboolean
retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    start_request (task);
  return G_SOURCE_REMOVE;
}

static gboolean
retry_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  /* Nothing here: the timeout source is destroyed with this one's sibling below. */
  return G_SOURCE_REMOVE;
}

/* A cut connection, a timeout or a server hiccup: wait a little, then go on from the bytes
 * already on disk. */
static void
retry (GTask  *task,
       GError *error)
{
  InstallData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GSource) timeout = NULL;
  guint delay;

  drop_transfer (data);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail (task, error);
      return;
    }

  if (data->attempt_bytes > 0)
    data->failures = 0;
  data->attempt_bytes = 0;

  if (++data->failures > MAX_RETRIES)
    {
      g_autofree char *done = format_gb (data->offset);
      GError *final = g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NETWORK,
                                   _("The download kept breaking off (%s). %s GB are saved and "
                                     "the next try continues from there: check the internet "
                                     "connection, then try again."),
                                   error->message, done);

      g_error_free (error);
      fail (task, final);
      return;
    }

  delay = RETRY_BASE_MS << (data->failures - 1);
  g_debug ("Download broke off at %" G_GUINT64_FORMAT " bytes (%s); retry %u in %u ms",
           data->offset, error->message, data->failures, delay);
  g_error_free (error);

  timeout = g_timeout_source_new (delay);
  g_source_set_callback (timeout, retry_timeout_cb, g_object_ref (task), g_object_unref);
  if (cancellable != NULL)
    {
      /* A cancel during the wait ends it at once rather than after up to 8 s. */
      g_autoptr(GSource) cancel = g_cancellable_source_new (cancellable);

      g_source_set_callback (cancel, G_SOURCE_FUNC (retry_cancelled_cb), NULL, NULL);
      g_source_add_child_source (timeout, cancel);
    }
  g_source_attach (timeout, g_main_context_get_thread_default ());
}

/* The writer: a thread that writes the chunks read on the main thread to the partial file and
 * hashes them, in order. Writing through GIO's async API would hand every chunk to a thread
 * anyway, and hashing on the main thread would hold up the next read; this way the main loop
 * only reads, and a disk or a processor that is slower than the link simply pauses the reading
 * when MAX_QUEUED chunks wait. The main thread does not touch the output stream or the
 * checksum while the writer runs. */
struct _Writer
{
  gatomicrefcount  ref;
  GAsyncQueue     *queue;         /* GBytes to write, then stop_mark */
  GAsyncQueue     *spare;         /* buffers written, for the next reads */
  GMainContext    *context;
  GOutputStream   *out;           /* until done */
  DslSha256       *checksum;      /* the install's, until done */
  GCancellable    *cancellable;
  GTask           *task;          /* the install, for the main thread; not a reference:
                                   * writer_done_cb holds one, and clears this */

  GMutex           lock;          /* for the rest */
  guint64          written;       /* written and hashed since the last report */
  guint            chunks;        /* chunks done since the last report */
  GError          *error;
  gboolean         report_pending;
};

/* Pushed after the last chunk: GAsyncQueue cannot carry NULL. */
static char stop_mark;

static Writer *
writer_ref (Writer *writer)
{
  g_atomic_ref_count_inc (&writer->ref);
  return writer;
}

static void
writer_unref (Writer *writer)
{
  gpointer item;

  if (!g_atomic_ref_count_dec (&writer->ref))
    return;

  while ((item = g_async_queue_try_pop (writer->queue)) != NULL)
    if (item != &stop_mark)
      g_bytes_unref (item);
  g_async_queue_unref (writer->queue);
  g_async_queue_unref (writer->spare);
  g_main_context_unref (writer->context);
  g_clear_object (&writer->out);
  g_clear_object (&writer->cancellable);
  g_clear_error (&writer->error);
  g_mutex_clear (&writer->lock);
  g_free (writer);
}

static void transfer_step (GTask *task);

/* Takes what the writer did since the last time, on the main thread. */
static void
writer_collect (Writer *writer)
{
  InstallData *data = g_task_get_task_data (writer->task);
  GError *error;
  guint64 written;
  guint chunks;

  g_mutex_lock (&writer->lock);
  written = writer->written;
  chunks = writer->chunks;
  error = g_steal_pointer (&writer->error);
  writer->written = 0;
  writer->chunks = 0;
  writer->report_pending = FALSE;
  g_mutex_unlock (&writer->lock);

  data->offset += written;
  data->queued -= chunks;
  if (error != NULL && data->write_error == NULL)
    data->write_error = error;
  else
    g_clear_error (&error);

  if (written > 0)
    emit_progress (writer->task, FALSE);
}

static gboolean
writer_report_cb (gpointer user_data)
{
  Writer *writer = user_data;

  /* A report that arrives after the writer was done has been collected already. */
  if (writer->task == NULL)
    return G_SOURCE_REMOVE;

  writer_collect (writer);
  transfer_step (writer->task);
  return G_SOURCE_REMOVE;
}

static void
writer_thread (GTask        *thread_task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *unused)
{
  Writer *writer = task_data;
  gboolean failed = FALSE;
  gpointer item;

  while ((item = g_async_queue_pop (writer->queue)) != &stop_mark)
    {
      g_autoptr(GBytes) bytes = item;
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const guint8 *buf = g_bytes_get_data (bytes, &len);
      gsize written = 0;
      gboolean report;

      /* After an error the chunks still queued are only dropped: the main thread stops
       * reading when it hears of it, and sends stop_mark. A local write does not look at the
       * cancellable, so a cancel is checked here, lest it wait for a slow disk to take all
       * that is queued. */
      if (!failed && g_cancellable_set_error_if_cancelled (writer->cancellable, &error))
        failed = TRUE;
      if (!failed)
        {
          failed = !g_output_stream_write_all (writer->out, buf, len, &written,
                                               writer->cancellable, &error);
          /* What reached the file, even of a chunk cut short, so that the offset stays "bytes
           * in the partial file, all hashed". */
          dsl_sha256_update (writer->checksum, buf, written);
        }
      g_async_queue_push (writer->spare, g_bytes_unref_to_data (g_steal_pointer (&bytes), &len));

      g_mutex_lock (&writer->lock);
      writer->written += written;
      writer->chunks++;
      if (error != NULL && writer->error == NULL)
        writer->error = g_steal_pointer (&error);
      report = !writer->report_pending;
      writer->report_pending = TRUE;
      g_mutex_unlock (&writer->lock);

      /* One report at a time: the main thread takes everything done until it runs. */
      if (report)
        g_main_context_invoke_full (writer->context, G_PRIORITY_DEFAULT, writer_report_cb,
                                    writer_ref (writer), (GDestroyNotify) writer_unref);
    }

  g_task_return_boolean (thread_task, TRUE);
}

static void
writer_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  Writer *writer = data->writer;

  writer_collect (writer);
  writer->task = NULL;
  writer->checksum = NULL;
  /* Let go here rather than in whichever thread drops the writer last: the file is closed
   * (by the install's own reference) before anything opens it again. */
  g_clear_object (&writer->out);
  data->writer = NULL;
  writer_unref (writer);
  transfer_step (task);
}

static void
writer_start (GTask *task)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GTask) thread_task = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Writer *writer = g_new0 (Writer, 1);

  g_atomic_ref_count_init (&writer->ref);
  g_mutex_init (&writer->lock);
  writer->queue = g_async_queue_new ();
  writer->spare = g_async_queue_new_full (g_free);
  writer->context = g_main_context_ref_thread_default ();
  writer->out = g_object_ref (data->out);
  writer->checksum = data->checksum;
  writer->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  writer->task = task;
  data->writer = writer;
  data->queued = 0;
  data->stopping = FALSE;

  /* The thread task has no cancellable: its callback must come only once the thread has
   * seen stop_mark and left the file alone, cancelled or not. */
  thread_task = g_task_new (self, NULL, writer_done_cb, g_object_ref (task));
  g_task_set_source_tag (thread_task, writer_start);
  g_task_set_task_data (thread_task, writer_ref (writer), (GDestroyNotify) writer_unref);
  g_task_run_in_thread (thread_task, writer_thread);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buf = g_steal_pointer (&data->read_buf);
  gssize n;

  data->reading = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  /* The transfer was given up meanwhile. */
  if (g_task_get_completed (task) || data->in != G_INPUT_STREAM (object))
    return;

  if (n < 0)
    data->read_error = g_steal_pointer (&error);
  else if (n == 0)
    data->eof = TRUE;
  else
    {
      data->attempt_bytes += n;
      data->queued++;
      g_async_queue_push (data->writer->queue, g_bytes_new_take (g_steal_pointer (&buf), n));
    }

  transfer_step (task);
}

static void
read_next (GTask *task)
{
  InstallData *data = g_task_get_task_data (task);

  data->read_buf = g_async_queue_try_pop (data->writer->spare);
  if (data->read_buf == NULL)
    data->read_buf = g_malloc (READ_SIZE);

  data->reading = TRUE;
  g_input_stream_read_async (data->in, data->read_buf, READ_SIZE, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), read_cb, g_object_ref (task));
}

/* Called whenever a read ends or the writer reports: reads on while all is well, else lets the
 * read in flight and the writer finish, then decides what comes next. */
static void
transfer_step (GTask *task)
{
  InstallData *data = g_task_get_task_data (task);

  if (data->reading)
    return;

  if (data->writer != NULL)
    {
      if (data->write_error == NULL && data->read_error == NULL && !data->eof)
        {
          if (data->queued < MAX_QUEUED)
            read_next (task);
          return;
        }

      /* Once: the writer leaves only after it, which brings us back here. */
      if (!data->stopping)
        {
          data->stopping = TRUE;
          g_async_queue_push (data->writer->queue, &stop_mark);
        }
      return;
    }

  if (data->write_error != NULL)
    {
      g_autoptr(GError) error = g_steal_pointer (&data->write_error);

      g_clear_error (&data->read_error);
      fail (task, io_error (_("write"), data->partial_path, error));
      return;
    }

  if (data->read_error != NULL)
    {
      retry (task, g_steal_pointer (&data->read_error));
      return;
    }

  if (data->eof)
    {
      drop_transfer (data);
      if (data->release->size > 0 && data->offset < data->release->size)
        {
          /* A clean end before Content-Length: the connection was closed on us. */
          retry (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                            _("the connection closed early")));
          return;
        }

      emit_progress (task, TRUE);
      g_clear_object (&data->out);
      verify (task);
    }
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GFileOutputStream *out;

  if (g_object_get_data (G_OBJECT (task), "opening-append") != NULL)
    out = g_file_append_to_finish (G_FILE (object), result, &error);
  else
    out = g_file_replace_finish (G_FILE (object), result, &error);

  if (out == NULL)
    {
      fail (task, io_error (_("write"), data->partial_path, error));
      return;
    }

  data->out = G_OUTPUT_STREAM (out);
  writer_start (task);
  read_next (task);
}

static void
open_output (GTask    *task,
             gboolean  append)
{
  InstallData *data = g_task_get_task_data (task);

  if (data->out != NULL && append)
    {
      writer_start (task);
      read_next (task);
      return;
    }

  g_clear_object (&data->out);
  g_object_set_data (G_OBJECT (task), "opening-append", GINT_TO_POINTER (append));
  if (append)
    g_file_append_to_async (data->partial_file, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT,
                            g_task_get_cancellable (task), open_cb, g_object_ref (task));
  else
    g_file_replace_async (data->partial_file, NULL, FALSE, G_FILE_CREATE_NONE,
                          G_PRIORITY_DEFAULT, g_task_get_cancellable (task), open_cb,
                          g_object_ref (task));
}

static void
restart_from_zero (InstallData *data)
{
  dsl_sha256_reset (data->checksum);
  data->offset = 0;
  data->from_disk = FALSE;
  g_array_set_size (data->samples, 0);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  guint status;

  in = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (in == NULL)
    {
      retry (task, g_steal_pointer (&error));
      return;
    }
  data->in = in;
  status = soup_message_get_status (data->msg);

  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      goffset start = -1, end = -1, total = -1;

      if (!soup_message_headers_get_content_range (soup_message_get_response_headers (data->msg),
                                                   &start, &end, &total) ||
          start != (goffset) data->offset)
        {
          /* Not the bytes asked for: start over rather than stitch the wrong ones. */
          drop_transfer (data);
          restart_from_zero (data);
          g_clear_object (&data->out);
          start_request (task);
          return;
        }
      open_output (task, TRUE);
      return;
    }

  if (status == SOUP_STATUS_OK)
    {
      /* The server ignored Range: the whole file comes again. */
      if (data->offset > 0)
        restart_from_zero (data);
      if (data->release->size == 0)
        data->release->size =
          MAX (soup_message_headers_get_content_length (
                 soup_message_get_response_headers (data->msg)), 0);
      open_output (task, FALSE);
      return;
    }

  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE && data->offset > 0)
    {
      /* Either the partial is already complete, or it is longer than the file now is. */
      drop_transfer (data);
      g_clear_object (&data->out);
      verify (task);
      return;
    }

  if (SOUP_STATUS_IS_SERVER_ERROR (status))
    {
      retry (task, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %u", status));
      return;
    }

  {
    GError *status_err = status_error (data->msg, data->release->url);

    fail (task, status_err);
  }
}

static void
start_request (GTask *task)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  InstallData *data = g_task_get_task_data (task);

  g_clear_object (&data->msg);
  data->msg = soup_message_new ("GET", data->release->url);
  if (data->msg == NULL)
    {
      fail (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NOT_FOUND,
                               _("“%s” is not a web address. Check the download address in "
                                 "Preferences."), data->release->url));
      return;
    }

  if (data->offset > 0)
    {
      g_autofree char *range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", data->offset);

      soup_message_headers_replace (soup_message_get_request_headers (data->msg), "Range",
                                    range);
    }

  data->eof = FALSE;
  data->attempt_bytes = 0;
  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), send_cb, g_object_ref (task));
}

/* Extraction (in a thread) *********************************************************************/

/* Normalises @path lexically (no file system access) and says whether it stays inside the
 * root: "a/../b" is fine, "a/../../b" is not. */
static gboolean
normalise_inside (const char  *path,
                  char       **out)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || g_str_equal (parts[i], "."))
        continue;
      if (g_str_equal (parts[i], ".."))
        {
          if (stack->len == 0)
            return FALSE;
          g_ptr_array_remove_index (stack, stack->len - 1);
          continue;
        }
      g_ptr_array_add (stack, parts[i]);
    }

  g_ptr_array_add (stack, NULL);
  if (out != NULL)
    *out = g_strjoinv ("/", (char **) stack->pdata);
  return TRUE;
}

static gboolean
has_dotdot (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_equal (parts[i], ".."))
      return TRUE;
  return FALSE;
}

/* An entry's own path: relative, no "..", not through a symlink that an earlier entry made
 * (writing through one would land wherever it points). */
static gboolean
check_entry_path (const char  *staging,
                  const char  *path,
                  char       **clean)
{
  g_autofree char *norm = NULL;

  if (path == NULL || path[0] == '/' || has_dotdot (path))
    return FALSE;
  if (!normalise_inside (path, &norm) || norm[0] == '\0')
    return FALSE;

  {
    g_auto(GStrv) parts = g_strsplit (norm, "/", -1);
    g_autoptr(GString) walk = g_string_new (staging);

    for (guint i = 0; parts[i] != NULL && parts[i + 1] != NULL; i++)
      {
        struct stat st;

        g_string_append_c (walk, '/');
        g_string_append (walk, parts[i]);
        if (lstat (walk->str, &st) == 0 && S_ISLNK (st.st_mode))
          return FALSE;
      }
  }

  *clean = g_steal_pointer (&norm);
  return TRUE;
}

/* A symlink's target must stay inside, resolved from the link's own folder, and must not pass
 * through another symlink (whose own target could make ".." climb out). */
static gboolean
check_symlink_target (const char *staging,
                      const char *entry_path,
                      const char *target)
{
  g_autofree char *dir = g_path_get_dirname (entry_path);
  g_autofree char *joined = NULL;
  g_autofree char *norm = NULL;

  if (target == NULL || target[0] == '\0' || target[0] == '/')
    return FALSE;

  joined = g_str_equal (dir, ".") ? g_strdup (target) : g_strconcat (dir, "/", target, NULL);
  if (!normalise_inside (joined, &norm))
    return FALSE;

  if (has_dotdot (target))
    {
      g_auto(GStrv) parts = g_strsplit (joined, "/", -1);
      g_autoptr(GString) walk = g_string_new (staging);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          struct stat st;

          if (parts[i][0] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
            continue;
          g_string_append_c (walk, '/');
          g_string_append (walk, parts[i]);
          if (lstat (walk->str, &st) == 0 && S_ISLNK (st.st_mode))
            return FALSE;
        }
    }

  return TRUE;
}

static GError *
unsafe_error (const char *name)
{
  return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_UNSAFE_ARCHIVE,
                      _("The downloaded archive tried to put “%s” outside its folder, so it was "
                        "not installed. Nothing was changed. Check the download address in "
                        "Preferences."), name);
}

static GError *
bad_archive_error (const char *detail)
{
  return g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_BAD_ARCHIVE,
                      _("The downloaded archive is damaged (%s), so it was not installed. Try "
                        "again; if it keeps happening, check the download address in "
                        "Preferences."), detail != NULL ? detail : "?");
}

static GError *
archive_write_error (const char     *dest,
                     struct archive *writer)
{
  const char *reason = archive_error_string (writer);
  g_autoptr(GError) base = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                reason != NULL ? reason : "?");

  return io_error (_("write"), dest, base);
}

static gboolean
extract_archive (const char    *archive_path,
                 const char    *staging,
                 GCancellable  *cancellable,
                 GError       **error)
{
  struct archive *reader = archive_read_new ();
  struct archive *writer = archive_write_disk_new ();
  struct archive_entry *entry;
  gboolean ok = FALSE;
  int r;

  archive_read_support_filter_all (reader);
  archive_read_support_format_tar (reader);
  /* Our own checks above refuse escapes; these are a second line. Owners are not restored: the
   * files belong to the user who runs the app. */
  archive_write_disk_set_options (writer, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                          ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  archive_write_disk_set_standard_lookup (writer);

  if (archive_read_open_filename (reader, archive_path, 256 * 1024) != ARCHIVE_OK)
    {
      g_propagate_error (error, bad_archive_error (archive_error_string (reader)));
      goto out;
    }

  while ((r = archive_read_next_header (reader, &entry)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      g_autofree char *clean = NULL;
      g_autofree char *dest = NULL;
      const char *link;
      mode_t type = archive_entry_filetype (entry);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;

      if (name != NULL && (g_str_equal (name, ".") || g_str_equal (name, "./")))
        continue;

      if (!check_entry_path (staging, name, &clean))
        {
          g_propagate_error (error, unsafe_error (name != NULL ? name : "?"));
          goto out;
        }

      if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        {
          g_propagate_error (error, unsafe_error (name));
          goto out;
        }

      link = archive_entry_hardlink (entry);
      if (link != NULL)
        {
          g_autofree char *clean_link = NULL;
          g_autofree char *dest_link = NULL;

          if (!check_entry_path (staging, link, &clean_link))
            {
              g_propagate_error (error, unsafe_error (link));
              goto out;
            }
          dest_link = g_build_filename (staging, clean_link, NULL);
          archive_entry_set_hardlink (entry, dest_link);
        }

      if (type == AE_IFLNK &&
          !check_symlink_target (staging, clean, archive_entry_symlink (entry)))
        {
          g_propagate_error (error, unsafe_error (archive_entry_symlink (entry) != NULL
                                                  ? archive_entry_symlink (entry) : name));
          goto out;
        }

      dest = g_build_filename (staging, clean, NULL);
      archive_entry_set_pathname (entry, dest);

      if (archive_write_header (writer, entry) < ARCHIVE_WARN)
        {
          g_propagate_error (error, archive_write_error (dest, writer));
          goto out;
        }

      if (archive_entry_size (entry) > 0 && link == NULL)
        {
          const void *buf;
          size_t size;
          la_int64_t offset;

          while ((r = archive_read_data_block (reader, &buf, &size, &offset)) == ARCHIVE_OK)
            {
              if (archive_write_data_block (writer, buf, size, offset) < ARCHIVE_WARN)
                {
                  g_propagate_error (error, archive_write_error (dest, writer));
                  goto out;
                }
            }
          if (r != ARCHIVE_EOF)
            {
              g_propagate_error (error, bad_archive_error (archive_error_string (reader)));
              goto out;
            }
        }

      if (archive_write_finish_entry (writer) < ARCHIVE_WARN)
        {
          g_propagate_error (error, archive_write_error (dest, writer));
          goto out;
        }
    }

  if (r != ARCHIVE_EOF)
    {
      g_propagate_error (error, bad_archive_error (archive_error_string (reader)));
      goto out;
    }

  ok = TRUE;

out:
  archive_write_close (writer);
  archive_write_free (writer);
  archive_read_close (reader);
  archive_read_free (reader);
  return ok;
}

/* One step of putting the add-on in place: @target was moved aside to @saved (NULL when there
 * was nothing of that name), then, once @placed, the add-on's entry took its name. */
typedef struct {
  char     *target;
  char     *saved;
  gboolean  placed;
} Move;

static void
move_clear (Move *move)
{
  g_free (move->target);
  g_free (move->saved);
}

/* The folders the add-on shares with Ollama itself: entered, never replaced. Everything the
 * add-on brings below them (lib/ollama/rocm/, per the release layout) replaces the installed
 * entry of the same name whole, so that no file of an older add-on stays mixed in. */
static gboolean
is_shared_folder (const char *rel)
{
  return g_str_equal (rel, "bin") || g_str_equal (rel, "lib") ||
         g_str_equal (rel, "lib/ollama");
}

static gboolean
merge_entries (const char  *src,
               const char  *dst,
               const char  *rel,
               const char  *backup,
               GArray      *moves,
               GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (src, 0, NULL);
  const char *name;

  if (dir == NULL)
    return TRUE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dst, name, NULL);
      g_autofree char *child_rel = rel[0] != '\0' ? g_strconcat (rel, "/", name, NULL)
                                                  : g_strdup (name);
      struct stat st_from, st_to;
      gboolean exists;
      Move move = { NULL, NULL, FALSE };
      Move *last;

      if (lstat (from, &st_from) != 0)
        continue;
      exists = lstat (to, &st_to) == 0;
      if (exists && S_ISDIR (st_to.st_mode) && S_ISDIR (st_from.st_mode) &&
          is_shared_folder (child_rel))
        {
          if (!merge_entries (from, to, child_rel, backup, moves, error))
            return FALSE;
          continue;
        }

      move.target = g_strdup (to);
      g_array_append_val (moves, move);
      last = &g_array_index (moves, Move, moves->len - 1);
      if (exists)
        {
          /* Numbered, not named: two folders may hold entries of the same name. */
          last->saved = g_strdup_printf ("%s/%u", backup, moves->len);
          if (g_rename (to, last->saved) != 0)
            {
              set_errno_error (error, _("move"), to, errno);
              g_clear_pointer (&last->saved, g_free);
              return FALSE;
            }
        }
      if (g_rename (from, to) != 0)
        {
          set_errno_error (error, _("move"), to, errno);
          return FALSE;
        }
      last->placed = TRUE;
    }

  return TRUE;
}

/* Moves the add-on's files into the installed tree as one change: renames within one file
 * system, each installed entry moved aside into @backup first. When a move fails, the ones
 * done so far are undone in reverse, so that a failed add-on install leaves the previous files
 * as they were, instead of half an old and half a new add-on. */
static gboolean
merge_tree (const char  *src,
            const char  *dst,
            const char  *backup,
            GError     **error)
{
  g_autoptr(GArray) moves = g_array_new (FALSE, TRUE, sizeof (Move));
  gboolean ok;

  g_array_set_clear_func (moves, (GDestroyNotify) move_clear);
  ok = merge_entries (src, dst, "", backup, moves, error);

  if (!ok)
    for (guint i = moves->len; i > 0; i--)
      {
        Move *move = &g_array_index (moves, Move, i - 1);

        if (move->placed && !remove_tree (move->target, NULL))
          g_warning ("Could not take back %s", move->target);
        if (move->saved != NULL && g_rename (move->saved, move->target) != 0)
          g_warning ("Could not put back %s: %s", move->target, g_strerror (errno));
      }

  /* What was replaced (or, after a failure, nothing). */
  remove_tree (backup, NULL);
  return ok;
}

typedef struct {
  DslInstallComponent  component;
  char                *archive_path;
  char                *parent_dir;
  char                *install_dir;
  char                *version;
} ExtractJob;

static void
extract_job_free (ExtractJob *job)
{
  g_free (job->archive_path);
  g_free (job->parent_dir);
  g_free (job->install_dir);
  g_free (job->version);
  g_free (job);
}

static gboolean
install_staging (ExtractJob    *job,
                 const char    *staging,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *binary = g_build_filename (staging, "bin", "ollama", NULL);
  g_autofree char *old = g_strconcat (job->install_dir, ".old", NULL);
  g_autofree char *version_file = g_build_filename (staging,
                                                    version_file_name (job->component), NULL);

  if (!extract_archive (job->archive_path, staging, cancellable, error))
    return FALSE;

  if (job->component == DSL_INSTALL_COMPONENT_OLLAMA &&
      !g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_propagate_error (error, bad_archive_error (_("bin/ollama is missing")));
      return FALSE;
    }

  /* The tag, for update checks; a mirror does not say, and the caller learns it from the
   * running server instead. */
  if (job->version != NULL &&
      !g_file_set_contents (version_file, job->version, -1, error))
    return FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (job->component == DSL_INSTALL_COMPONENT_ROCM)
    {
      g_autofree char *main_binary = g_build_filename (job->install_dir, "bin", "ollama", NULL);
      g_autofree char *backup = NULL;

      if (!g_file_test (main_binary, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_set_error (error, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_IO,
                       _("The AMD graphics add-on needs Ollama itself, which is not installed at "
                         "%s. Install Ollama first."), job->install_dir);
          return FALSE;
        }
      /* The archive has no bin/ollama; everything else joins the tree. The backup is a
       * sibling of the install, so that every move is a rename on one file system. */
      backup = g_build_filename (job->parent_dir, "ollama.replaced-XXXXXX", NULL);
      if (g_mkdtemp_full (backup, 0755) == NULL)
        {
          set_errno_error (error, _("create"), backup, errno);
          return FALSE;
        }
      return merge_tree (staging, job->install_dir, backup, error);
    }

  /* The previous install becomes ollama.old, kept until the new server answered. */
  if (!remove_tree (old, error))
    return FALSE;
  if (g_file_test (job->install_dir, G_FILE_TEST_EXISTS) && g_rename (job->install_dir, old) != 0)
    {
      set_errno_error (error, _("move"), job->install_dir, errno);
      return FALSE;
    }
  if (g_rename (staging, job->install_dir) != 0)
    {
      int saved = errno;

      if (g_file_test (old, G_FILE_TEST_EXISTS))
        g_rename (old, job->install_dir);
      set_errno_error (error, _("move"), job->install_dir, saved);
      return FALSE;
    }

  return TRUE;
}

static void
extract_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ExtractJob *job = task_data;
  g_autofree char *staging = g_build_filename (job->parent_dir, "ollama.staging-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;

  if (g_mkdtemp_full (staging, 0755) == NULL)
    {
      set_errno_error (&error, _("create"), staging, errno);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!install_staging (job, staging, cancellable, &error))
    {
      /* Nothing half-done stays behind; the partial stays too, unless it is the problem. */
      remove_tree (staging, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_unlink (job->archive_path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* After a merge the staging folder holds only what was not moved. */
  remove_tree (staging, NULL);
  g_unlink (job->archive_path);
  g_task_return_boolean (task, TRUE);
}

static void
extract_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&data->release),
                         (GDestroyNotify) dsl_ollama_release_free);
}

static void
extract (GTask *task)
{
  DslOllamaInstaller *self = g_task_get_source_object (task);
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GTask) thread_task = g_task_new (self, g_task_get_cancellable (task), extract_cb,
                                             g_object_ref (task));
  ExtractJob *job = g_new0 (ExtractJob, 1);

  job->component = data->component;
  job->archive_path = g_strdup (data->partial_path);
  job->parent_dir = g_strdup (data->parent_dir);
  job->install_dir = g_strdup (self->install_dir);
  job->version = g_strdup (data->release->version);
  g_task_set_source_tag (thread_task, extract);
  g_task_set_task_data (thread_task, job, (GDestroyNotify) extract_job_free);
  g_task_run_in_thread (thread_task, extract_thread);
}

static void
delete_partial_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);

  g_file_delete_finish (G_FILE (object), result, NULL);

  if (data->from_disk && !data->restarted)
    {
      /* A partial from an earlier run that does not add up (a changed file on the server):
       * download it once more from the start. */
      data->restarted = TRUE;
      restart_from_zero (data);
      start_request (task);
      return;
    }

  g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_CHECKSUM,
                           _("The downloaded file is not the one Ollama published (its checksum "
                             "differs), so it was deleted and nothing was installed. Try again; "
                             "if it keeps happening, check the download address in "
                             "Preferences."));
}

static void
verify (GTask *task)
{
  InstallData *data = g_task_get_task_data (task);
  const char *got = dsl_sha256_get_string (data->checksum);

  if (g_ascii_strcasecmp (got, data->release->sha256) == 0)
    {
      extract (task);
      return;
    }

  g_debug ("Checksum of %s is %s, expected %s", data->partial_path, got, data->release->sha256);
  g_file_delete_async (data->partial_file, G_PRIORITY_DEFAULT, NULL, delete_partial_cb,
                       g_object_ref (task));
}

static void
free_space_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaInstaller *self = g_task_get_source_object (task);
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  guint64 free_bytes;
  guint64 need;

  info = g_file_query_filesystem_info_finish (G_FILE (object), result, &error);
  if (self->free_space_override >= 0)
    free_bytes = (guint64) self->free_space_override;
  else if (info != NULL &&
           g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  else
    free_bytes = G_MAXUINT64; /* The file system does not say: let the writes find out. */

  need = data->release->size - MIN (data->offset, data->release->size) +
         data->release->size / EXTRACT_FACTOR_DEN * EXTRACT_FACTOR_NUM;
  if (free_bytes < need)
    {
      g_autofree char *need_gb = format_gb (need);
      g_autofree char *free_gb = format_gb (free_bytes);

      fail (task, g_error_new (DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_NO_SPACE,
                               _("Installing Ollama needs %s GB of free disk space, but there "
                                 "are only %s GB at %s. Free some space, then try again."),
                               need_gb, free_gb, data->parent_dir));
      return;
    }

  if (data->release->size > 0 && data->offset == data->release->size)
    {
      /* Finished before the app was closed: no request needed. */
      verify (task);
      return;
    }

  start_request (task);
}

typedef struct {
  char      *parent_dir;
  char      *partial_path;
  guint64    size;
  guint64    offset;
  DslSha256 *checksum;
} PrepareJob;

static void
prepare_job_free (PrepareJob *job)
{
  g_free (job->parent_dir);
  g_free (job->partial_path);
  g_clear_pointer (&job->checksum, dsl_sha256_free);
  g_free (job);
}

/* Creates the folder and hashes a partial download left from an earlier run, so that the
 * download goes on where it stopped. In a thread: hashing a gigabyte takes seconds. */
static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (job->partial_path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gssize n;

  if (g_mkdir_with_parents (job->parent_dir, 0755) != 0)
    {
      set_errno_error (&error, _("create"), job->parent_dir, errno);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  job->checksum = dsl_sha256_new ();
  if (stat (job->partial_path, &st) != 0 || st.st_size == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (job->size > 0 && (guint64) st.st_size > job->size)
    {
      /* Longer than the file: not a piece of it. */
      g_unlink (job->partial_path);
      g_task_return_boolean (task, TRUE);
      return;
    }

  in = g_file_read (file, cancellable, &error);
  if (in == NULL)
    {
      g_task_return_error (task, io_error (_("read"), job->partial_path, error));
      return;
    }

  buf = g_malloc (CHUNK_SIZE);
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, CHUNK_SIZE, cancellable,
                                   &error)) > 0)
    {
      dsl_sha256_update (job->checksum, buf, n);
      job->offset += n;
    }
  if (n < 0)
    {
      g_task_return_error (task, io_error (_("read"), job->partial_path, error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
prepare_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  InstallData *data = g_task_get_task_data (task);
  PrepareJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) parent = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }

  data->checksum = g_steal_pointer (&job->checksum);
  data->offset = job->offset;
  data->from_disk = job->offset > 0;
  if (data->from_disk)
    g_debug ("Resuming %s from %" G_GUINT64_FORMAT " bytes", data->partial_path, data->offset);

  parent = g_file_new_for_path (data->parent_dir);
  g_file_query_filesystem_info_async (parent, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                      G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                      free_space_cb, g_object_ref (task));
}

static void
install_find_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DslOllamaInstaller *self = DSL_OLLAMA_INSTALLER (object);
  InstallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) prepare = NULL;
  PrepareJob *job;
  const char *ext;
  g_autofree char *name = NULL;

  data->release = dsl_ollama_installer_find_release_finish (self, result, &error);
  if (data->release == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ext = g_str_has_suffix (data->release->archive_name, ".tgz") ? ".tgz" : ".tar.zst";
  name = g_strdup_printf ("ollama-%s-%s%s%s.partial",
                          data->release->version != NULL ? data->release->version : "mirror",
                          data->release->arch, component_suffix (data->component), ext);
  data->parent_dir = g_path_get_dirname (self->install_dir);
  data->partial_path = g_build_filename (data->parent_dir, name, NULL);
  data->partial_file = g_file_new_for_path (data->partial_path);

  job = g_new0 (PrepareJob, 1);
  job->parent_dir = g_strdup (data->parent_dir);
  job->partial_path = g_strdup (data->partial_path);
  job->size = data->release->size;

  prepare = g_task_new (self, g_task_get_cancellable (task), prepare_cb, g_object_ref (task));
  g_task_set_source_tag (prepare, prepare_thread);
  g_task_set_task_data (prepare, job, (GDestroyNotify) prepare_job_free);
  g_task_run_in_thread (prepare, prepare_thread);
}

/**
 * dsl_ollama_installer_install_async:
 * @component: the server, or the ROCm add-on (which needs the server installed)
 *
 * Finds the newest archive, checks the free space, downloads it next to the install folder
 * (going on from a partial download of an earlier run, and retrying a broken connection with
 * a Range request), checks its sha256, extracts it into a staging folder and moves that into
 * place. The previous install is kept as `ollama.old` until
 * dsl_ollama_installer_remove_previous_async() (or put back by
 * dsl_ollama_installer_rollback_async()). On any failure the previous install is untouched;
 * on cancellation the partial download stays for the next try. Progress comes as
 * #DslOllamaInstaller::progress.
 */
void
dsl_ollama_installer_install_async (DslOllamaInstaller  *self,
                                    DslInstallComponent  component,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  InstallData *data;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_installer_install_async);

  data = g_new0 (InstallData, 1);
  data->component = component;
  data->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  g_task_set_task_data (task, data, (GDestroyNotify) install_data_free);

  dsl_ollama_installer_find_release_async (self, component, cancellable, install_find_cb,
                                           g_steal_pointer (&task));
}

/**
 * dsl_ollama_installer_install_finish:
 *
 * Returns: (transfer full): what was installed; its version is %NULL from a mirror
 */
DslOllamaRelease *
dsl_ollama_installer_install_finish (DslOllamaInstaller  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        dsl_ollama_installer_install_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Updates **************************************************************************************/

typedef struct {
  char *installed;
  char *newest;
} UpdateData;

static void
update_data_free (UpdateData *data)
{
  g_free (data->installed);
  g_free (data->newest);
  g_free (data);
}

static void
update_find_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UpdateData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(DslOllamaRelease) release = NULL;

  release = dsl_ollama_installer_find_release_finish (DSL_OLLAMA_INSTALLER (object), result,
                                                      &error);
  if (release == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->newest = g_strdup (release->version);
  g_task_return_boolean (task, data->installed != NULL && data->newest != NULL &&
                         dsl_ollama_installer_compare_versions (data->installed,
                                                                data->newest) < 0);
}

static void
version_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UpdateData *data = g_task_get_task_data (task);
  g_autofree char *contents = NULL;

  /* No file: not installed by us (or from a mirror), which is not an error here. */
  if (g_file_load_contents_finish (G_FILE (object), result, &contents, NULL, NULL, NULL))
    data->installed = g_strstrip (g_steal_pointer (&contents));

  if (data->installed != NULL && data->installed[0] == '\0')
    g_clear_pointer (&data->installed, g_free);

  dsl_ollama_installer_find_release_async (g_task_get_source_object (task),
                                           DSL_INSTALL_COMPONENT_OLLAMA,
                                           g_task_get_cancellable (task), update_find_cb,
                                           g_object_ref (task));
}

/**
 * dsl_ollama_installer_check_update_async:
 *
 * Compares the installed version (the `version` file written on install) with the newest
 * release.
 */
void
dsl_ollama_installer_check_update_async (DslOllamaInstaller  *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_installer_check_update_async);
  g_task_set_task_data (task, g_new0 (UpdateData, 1), (GDestroyNotify) update_data_free);

  path = g_build_filename (self->install_dir, "version", NULL);
  file = g_file_new_for_path (path);
  g_file_load_contents_async (file, cancellable, version_loaded_cb, g_steal_pointer (&task));
}

/**
 * dsl_ollama_installer_check_update_finish:
 * @installed: (out) (optional) (transfer full) (nullable): the installed version, %NULL when
 *   unknown or not installed
 * @newest: (out) (optional) (transfer full) (nullable): the newest version, %NULL from a mirror
 *
 * Returns: %TRUE when both versions are known and the newest is newer; %FALSE with @error unset
 *   otherwise
 */
gboolean
dsl_ollama_installer_check_update_finish (DslOllamaInstaller  *self,
                                          GAsyncResult        *result,
                                          char               **installed,
                                          char               **newest,
                                          GError             **error)
{
  UpdateData *data;
  gboolean update;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        dsl_ollama_installer_check_update_async, FALSE);

  data = g_task_get_task_data (G_TASK (result));
  update = g_task_propagate_boolean (G_TASK (result), error);
  if (installed != NULL)
    *installed = g_strdup (data->installed);
  if (newest != NULL)
    *newest = g_strdup (data->newest);
  return update;
}

/* After an install ******************************************************************************/

static void
remove_previous_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  DslOllamaInstaller *self = source_object;
  g_autofree char *old = g_strconcat (self->install_dir, ".old", NULL);
  g_autoptr(GError) error = NULL;

  if (!remove_tree (old, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * dsl_ollama_installer_remove_previous_async:
 *
 * Deletes `ollama.old`; call it once the new server answered.
 */
void
dsl_ollama_installer_remove_previous_async (DslOllamaInstaller  *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_installer_remove_previous_async);
  g_task_run_in_thread (task, remove_previous_thread);
}

gboolean
dsl_ollama_installer_remove_previous_finish (DslOllamaInstaller  *self,
                                             GAsyncResult        *result,
                                             GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
rollback_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  DslOllamaInstaller *self = source_object;
  g_autofree char *old = g_strconcat (self->install_dir, ".old", NULL);
  g_autofree char *failed = g_strconcat (self->install_dir, ".failed", NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_test (old, G_FILE_TEST_IS_DIR))
    {
      g_task_return_new_error (task, DSL_INSTALL_ERROR, DSL_INSTALL_ERROR_IO,
                               _("There is no previous version of Ollama to go back to."));
      return;
    }

  if (!remove_tree (failed, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_file_test (self->install_dir, G_FILE_TEST_EXISTS) &&
      g_rename (self->install_dir, failed) != 0)
    {
      set_errno_error (&error, _("move"), self->install_dir, errno);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_rename (old, self->install_dir) != 0)
    {
      set_errno_error (&error, _("move"), old, errno);
      g_rename (failed, self->install_dir);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  remove_tree (failed, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * dsl_ollama_installer_rollback_async:
 *
 * Puts `ollama.old` back in place of a new install whose server did not start.
 */
void
dsl_ollama_installer_rollback_async (DslOllamaInstaller  *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_INSTALLER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_installer_rollback_async);
  g_task_run_in_thread (task, rollback_thread);
}

gboolean
dsl_ollama_installer_rollback_finish (DslOllamaInstaller  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
