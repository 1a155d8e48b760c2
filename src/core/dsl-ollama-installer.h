/* dsl-ollama-installer.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where the release list lives; the environment variable of the same purpose replaces it. */
#define DSL_OLLAMA_RELEASE_API_URL "https://api.github.com/repos/ollama/ollama/releases/latest"

#define DSL_INSTALL_ERROR (dsl_install_error_quark ())

/* What went wrong, in the terms a caller acts on. The messages are translated sentences for a
 * person. Cancelling gives G_IO_ERROR_CANCELLED and keeps the partial download for later. */
typedef enum {
  DSL_INSTALL_ERROR_NETWORK,        /* no connection, or it kept breaking after the retries */
  DSL_INSTALL_ERROR_NOT_FOUND,      /* no release or no archive for this computer's processor */
  DSL_INSTALL_ERROR_NO_SPACE,       /* not enough free disk space where Ollama goes */
  DSL_INSTALL_ERROR_CHECKSUM,       /* the download is not what the release says it is */
  DSL_INSTALL_ERROR_UNSAFE_ARCHIVE, /* the archive tried to write outside its folder */
  DSL_INSTALL_ERROR_BAD_ARCHIVE,    /* the archive is damaged or lacks bin/ollama */
  DSL_INSTALL_ERROR_IO,             /* a local file could not be written, moved or read */
  DSL_INSTALL_ERROR_START_FAILED,   /* installed, but the new server did not answer */
} DslInstallErrorCode;

/* What to install: the server itself, or the AMD GPU add-on that goes into the same tree. */
typedef enum {
  DSL_INSTALL_COMPONENT_OLLAMA,
  DSL_INSTALL_COMPONENT_ROCM,
} DslInstallComponent;

/* One downloadable archive of a release. */
typedef struct {
  char    *version;      /* the tag, e.g. "v0.32.15"; NULL from a mirror (unknown until run) */
  char    *arch;         /* "amd64" or "arm64" */
  char    *archive_name; /* e.g. "ollama-linux-amd64.tar.zst" */
  char    *url;
  guint64  size;         /* bytes; 0 when the server did not say */
  char    *sha256;       /* lower-case hex */
} DslOllamaRelease;

#define DSL_TYPE_OLLAMA_RELEASE (dsl_ollama_release_get_type ())
GType             dsl_ollama_release_get_type (void) G_GNUC_CONST;
DslOllamaRelease *dsl_ollama_release_copy     (const DslOllamaRelease *release);
void              dsl_ollama_release_free     (DslOllamaRelease       *release);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslOllamaRelease, dsl_ollama_release_free)

#define DSL_TYPE_OLLAMA_INSTALLER (dsl_ollama_installer_get_type ())

G_DECLARE_FINAL_TYPE (DslOllamaInstaller, dsl_ollama_installer, DSL, OLLAMA_INSTALLER, GObject)

GQuark              dsl_install_error_quark                   (void);
const char         *dsl_ollama_installer_get_arch             (void);
int                 dsl_ollama_installer_compare_versions     (const char          *a,
                                                               const char          *b);

DslOllamaInstaller *dsl_ollama_installer_new                  (const char          *install_dir,
                                                               const char          *download_base_url);
const char         *dsl_ollama_installer_get_install_dir      (DslOllamaInstaller  *self);
char               *dsl_ollama_installer_dup_ollama_path      (DslOllamaInstaller  *self);
const char         *dsl_ollama_installer_get_download_base_url (DslOllamaInstaller *self);
void                dsl_ollama_installer_set_download_base_url (DslOllamaInstaller *self,
                                                               const char          *base_url);
gint64              dsl_ollama_installer_get_free_space_override (DslOllamaInstaller *self);
void                dsl_ollama_installer_set_free_space_override (DslOllamaInstaller *self,
                                                               gint64               bytes);

void                dsl_ollama_installer_find_release_async   (DslOllamaInstaller  *self,
                                                               DslInstallComponent  component,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
DslOllamaRelease   *dsl_ollama_installer_find_release_finish  (DslOllamaInstaller  *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);

void                dsl_ollama_installer_install_async        (DslOllamaInstaller  *self,
                                                               DslInstallComponent  component,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
DslOllamaRelease   *dsl_ollama_installer_install_finish       (DslOllamaInstaller  *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);

void                dsl_ollama_installer_check_update_async   (DslOllamaInstaller  *self,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean            dsl_ollama_installer_check_update_finish  (DslOllamaInstaller  *self,
                                                               GAsyncResult        *result,
                                                               char               **installed,
                                                               char               **newest,
                                                               GError             **error);

void                dsl_ollama_installer_remove_previous_async (DslOllamaInstaller *self,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean            dsl_ollama_installer_remove_previous_finish (DslOllamaInstaller *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);

void                dsl_ollama_installer_rollback_async       (DslOllamaInstaller  *self,
                                                               GCancellable        *cancellable,
                                                               GAsyncReadyCallback  callback,
                                                               gpointer             user_data);
gboolean            dsl_ollama_installer_rollback_finish      (DslOllamaInstaller  *self,
                                                               GAsyncResult        *result,
                                                               GError             **error);

G_END_DECLS
