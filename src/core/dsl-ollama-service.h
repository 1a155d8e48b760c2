/* dsl-ollama-service.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DSL_SERVICE_ERROR (dsl_service_error_quark ())

/* Why no server could be used, in terms a caller acts on. */
typedef enum {
  DSL_SERVICE_ERROR_NOT_INSTALLED,  /* no server answers and Ollama is not installed: offer to */
  DSL_SERVICE_ERROR_START_FAILED,   /* our server could not be started (or exited at once) */
  DSL_SERVICE_ERROR_TIMEOUT,        /* our server started but never answered */
  DSL_SERVICE_ERROR_CRASHED,        /* our server crashed again and again: show its log */
  DSL_SERVICE_ERROR_BUSY,           /* a search or a stop is already running */
} DslServiceErrorCode;

typedef enum {
  DSL_OLLAMA_SERVICE_STATE_NONE,       /* no server: nothing found, or stopped */
  DSL_OLLAMA_SERVICE_STATE_SEARCHING,  /* asking the configured and the system address */
  DSL_OLLAMA_SERVICE_STATE_STARTING,   /* our own server is starting (or restarting) */
  DSL_OLLAMA_SERVICE_STATE_READY,      /* a server answers: see the kind and the URL */
  DSL_OLLAMA_SERVICE_STATE_FAILED,     /* our own server failed: see the error */
} DslOllamaServiceState;

typedef enum {
  DSL_OLLAMA_SERVER_KIND_NONE,
  DSL_OLLAMA_SERVER_KIND_CONFIGURED,  /* the address in the settings (or OLLAMA_HOST) */
  DSL_OLLAMA_SERVER_KIND_SYSTEM,      /* the usual 127.0.0.1:11434 */
  DSL_OLLAMA_SERVER_KIND_MANAGED,     /* our own install, run by this service */
} DslOllamaServerKind;

#define DSL_TYPE_OLLAMA_SERVICE_STATE (dsl_ollama_service_state_get_type ())
#define DSL_TYPE_OLLAMA_SERVER_KIND (dsl_ollama_server_kind_get_type ())
#define DSL_TYPE_OLLAMA_SERVICE (dsl_ollama_service_get_type ())

GType dsl_ollama_service_state_get_type (void) G_GNUC_CONST;
GType dsl_ollama_server_kind_get_type   (void) G_GNUC_CONST;

G_DECLARE_FINAL_TYPE (DslOllamaService, dsl_ollama_service, DSL, OLLAMA_SERVICE, GObject)

GQuark                 dsl_service_error_quark              (void);

DslOllamaService      *dsl_ollama_service_new               (const char          *configured_url);

DslOllamaServiceState  dsl_ollama_service_get_state         (DslOllamaService    *self);
DslOllamaServerKind    dsl_ollama_service_get_kind          (DslOllamaService    *self);
const char            *dsl_ollama_service_get_url           (DslOllamaService    *self);
const char            *dsl_ollama_service_get_version       (DslOllamaService    *self);
const char            *dsl_ollama_service_get_models_location (DslOllamaService  *self);
const char            *dsl_ollama_service_get_gpu           (DslOllamaService    *self);
GPid                   dsl_ollama_service_get_pid           (DslOllamaService    *self);
const GError          *dsl_ollama_service_get_error         (DslOllamaService    *self);
char                  *dsl_ollama_service_dup_log           (DslOllamaService    *self);
char                  *dsl_ollama_service_dup_executable    (DslOllamaService    *self);
char                  *dsl_ollama_service_dup_pid_file      (DslOllamaService    *self);
char                  *dsl_ollama_service_format_status     (DslOllamaService    *self);

void                   dsl_ollama_service_find_async        (DslOllamaService    *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean               dsl_ollama_service_find_finish       (DslOllamaService    *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

void                   dsl_ollama_service_start_managed_async (DslOllamaService  *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean               dsl_ollama_service_start_managed_finish (DslOllamaService *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

void                   dsl_ollama_service_stop_async        (DslOllamaService    *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean               dsl_ollama_service_stop_finish       (DslOllamaService    *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

void                   dsl_ollama_service_abandon           (DslOllamaService    *self);

char                  *dsl_ollama_parse_inference_compute   (const char          *line);

G_END_DECLS
