/* dsl-ollama-client.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DSL_OLLAMA_DEFAULT_URL "http://127.0.0.1:11434"

#define DSL_OLLAMA_ERROR (dsl_ollama_error_quark ())

/* What went wrong, in the terms a caller acts on. The GError message carries the server's own
 * text where it sent one; dsl_ollama_error_describe() turns the error into words for a person. */
typedef enum {
  DSL_OLLAMA_ERROR_UNREACHABLE,       /* nothing answers at the address */
  DSL_OLLAMA_ERROR_TIMEOUT,           /* something answers, but not in time */
  DSL_OLLAMA_ERROR_MODEL_NOT_FOUND,   /* 404 for a model: pull it first */
  DSL_OLLAMA_ERROR_BAD_REQUEST,       /* 400: the server refused the request */
  DSL_OLLAMA_ERROR_SERVER_ERROR,      /* 500 and other failures, e.g. a model that does not load */
  DSL_OLLAMA_ERROR_BUSY,              /* 503: the queue is full, try again */
  DSL_OLLAMA_ERROR_NOT_OLLAMA,        /* a web page or something else that is not Ollama's API */
  DSL_OLLAMA_ERROR_INVALID_RESPONSE,  /* Ollama-like, but a line was garbage or far too long */
  DSL_OLLAMA_ERROR_STREAM_FAILED,     /* an {"error":…} line in the middle of an answer */
  DSL_OLLAMA_ERROR_DISCONNECTED,      /* the connection was cut before the answer ended */
  DSL_OLLAMA_ERROR_SERVER_TOO_OLD,    /* a pull: the model needs a newer Ollama */
  DSL_OLLAMA_ERROR_NO_SPACE,          /* a pull: the server's disk is full */
} DslOllamaErrorCode;

typedef enum {
  DSL_OLLAMA_THINK_DEFAULT, /* do not send `think`: the server decides */
  DSL_OLLAMA_THINK_ON,
  DSL_OLLAMA_THINK_OFF,
} DslOllamaThink;

/* The final chunk of a chat. Durations are nanoseconds, as on the wire. */
typedef struct {
  char   *done_reason;
  gint64  total_duration;
  gint64  load_duration;
  gint64  prompt_eval_count;
  gint64  prompt_eval_duration;
  gint64  eval_count;
  gint64  eval_duration;
} DslChatMetrics;

#define DSL_TYPE_CHAT_METRICS (dsl_chat_metrics_get_type ())
GType           dsl_chat_metrics_get_type (void) G_GNUC_CONST;
DslChatMetrics *dsl_chat_metrics_copy     (const DslChatMetrics *metrics);
void            dsl_chat_metrics_free     (DslChatMetrics       *metrics);
double          dsl_chat_metrics_get_tokens_per_second (const DslChatMetrics *metrics);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslChatMetrics, dsl_chat_metrics_free)

/**
 * DslChatDeltaFunc:
 * @thinking: (nullable): reasoning from the `thinking` field of this chunk
 * @content: (nullable): text from the `content` field (may hold raw `<think>` tags)
 *
 * Called for each streamed chunk that carries text, on the main context of the caller.
 */
typedef void (*DslChatDeltaFunc) (const char *thinking,
                                  const char *content,
                                  gpointer    user_data);

/* Where a pull stands. Byte counts are over all layers seen so far (the weights come first, so
 * @total is nearly final once they start). */
typedef struct {
  char   *status;           /* the server's own status, e.g. "pulling e6a7edc1a4d7" */
  char   *step;             /* the same, translated for a person, e.g. "Downloading the model…" */
  gint64  completed;        /* bytes on disk, counting what an earlier pull left */
  gint64  total;
  double  bytes_per_second; /* new bytes only, over the last few seconds; 0 if unknown */
  gint64  seconds_left;     /* -1 if unknown */
} DslPullProgress;

#define DSL_TYPE_PULL_PROGRESS (dsl_pull_progress_get_type ())
GType            dsl_pull_progress_get_type (void) G_GNUC_CONST;
DslPullProgress *dsl_pull_progress_copy     (const DslPullProgress *progress);
void             dsl_pull_progress_free     (DslPullProgress       *progress);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslPullProgress, dsl_pull_progress_free)

/**
 * DslPullProgressFunc:
 * @progress: where the pull stands; valid during the call only (copy it to keep it)
 *
 * Called on the main context of the caller, at most about every 100 ms, and at once when the
 * status changes.
 */
typedef void (*DslPullProgressFunc) (const DslPullProgress *progress,
                                     gpointer               user_data);

#define DSL_TYPE_OLLAMA_CLIENT (dsl_ollama_client_get_type ())

G_DECLARE_FINAL_TYPE (DslOllamaClient, dsl_ollama_client, DSL, OLLAMA_CLIENT, GObject)

GQuark           dsl_ollama_error_quark              (void);
char            *dsl_ollama_error_describe           (const GError        *error);
char            *dsl_ollama_url_from_host            (const char          *host);
char            *dsl_ollama_resolve_url              (const char          *setting);

DslOllamaClient *dsl_ollama_client_new               (const char          *base_url);
const char      *dsl_ollama_client_get_base_url      (DslOllamaClient     *self);
void             dsl_ollama_client_set_context_length (DslOllamaClient   *self,
                                                       guint              context_length);
guint            dsl_ollama_client_get_context_length (DslOllamaClient   *self);
void             dsl_ollama_client_set_base_url      (DslOllamaClient     *self,
                                                      const char          *base_url);

void             dsl_ollama_client_get_version_async (DslOllamaClient     *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
char            *dsl_ollama_client_get_version_finish (DslOllamaClient    *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void             dsl_ollama_client_list_models_async (DslOllamaClient     *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GListModel      *dsl_ollama_client_list_models_finish (DslOllamaClient    *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void             dsl_ollama_client_show_async        (DslOllamaClient     *self,
                                                      const char          *model,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
JsonObject      *dsl_ollama_client_show_finish       (DslOllamaClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void             dsl_ollama_client_chat_async        (DslOllamaClient     *self,
                                                      const char          *model,
                                                      JsonArray           *messages,
                                                      DslOllamaThink       think,
                                                      DslChatDeltaFunc     delta_func,
                                                      gpointer             delta_data,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
DslChatMetrics  *dsl_ollama_client_chat_finish       (DslOllamaClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void             dsl_ollama_client_pull_async        (DslOllamaClient     *self,
                                                      const char          *model,
                                                      DslPullProgressFunc  progress_func,
                                                      gpointer             progress_data,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean         dsl_ollama_client_pull_finish       (DslOllamaClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void             dsl_ollama_client_delete_async      (DslOllamaClient     *self,
                                                      const char          *model,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean         dsl_ollama_client_delete_finish     (DslOllamaClient     *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
