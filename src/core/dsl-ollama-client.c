/* dsl-ollama-client.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-ollama"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "dsl-json.h"
#include "dsl-model-info.h"
#include "dsl-ndjson-reader.h"
#include "dsl-ollama-client.h"

/* Requests that answer at once get a deadline; a chat or a pull never does, because the server
 * sends nothing at all while it loads a model (ollama-api.md section 1). */
#define QUICK_TIMEOUT_SECONDS 15
/* An error body is a line of text; a larger one is not Ollama talking. */
#define MAX_ERROR_BODY (64 * 1024)
/* A pull whose connection drops tries again this many times in all, waiting retry-delay-ms,
 * then twice, four and eight times that: Ollama resumes the partial blobs. */
#define PULL_MAX_TRIES 5
#define DEFAULT_RETRY_DELAY_MS 1000
/* Between the model name and the server's text in the message of a pull's MODEL_NOT_FOUND. */
#define PULL_NOT_FOUND_SEPARATOR ": pull model manifest"
/* Progress goes to the caller at most this often, as a progress bar needs no more. */
#define PULL_PROGRESS_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* The speed is averaged over this long, so that it does not jump with every line... */
#define PULL_SPEED_WINDOW_US (5 * G_TIME_SPAN_SECOND)
/* ... and unknown until it spans at least this much. */
#define PULL_SPEED_MIN_SPAN_US (500 * G_TIME_SPAN_MILLISECOND)

struct _DslOllamaClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;
  guint        retry_delay_ms;
  guint        context_length;  /* num_ctx for chats; 0 = the server's default */
};

G_DEFINE_FINAL_TYPE (DslOllamaClient, dsl_ollama_client, G_TYPE_OBJECT)

G_DEFINE_QUARK (dsl-ollama-error-quark, dsl_ollama_error)

G_DEFINE_BOXED_TYPE (DslChatMetrics, dsl_chat_metrics, dsl_chat_metrics_copy, dsl_chat_metrics_free)

G_DEFINE_BOXED_TYPE (DslPullProgress, dsl_pull_progress, dsl_pull_progress_copy,
                     dsl_pull_progress_free)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_RETRY_DELAY_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

DslChatMetrics *
dsl_chat_metrics_copy (const DslChatMetrics *metrics)
{
  DslChatMetrics *copy = g_memdup2 (metrics, sizeof *metrics);

  copy->done_reason = g_strdup (metrics->done_reason);
  return copy;
}

void
dsl_chat_metrics_free (DslChatMetrics *metrics)
{
  if (metrics == NULL)
    return;

  g_free (metrics->done_reason);
  g_free (metrics);
}

/**
 * dsl_chat_metrics_get_tokens_per_second:
 *
 * Returns: the generation speed, or 0 when the server did not say
 */
double
dsl_chat_metrics_get_tokens_per_second (const DslChatMetrics *metrics)
{
  g_return_val_if_fail (metrics != NULL, 0);

  if (metrics->eval_duration <= 0)
    return 0;

  return (double) metrics->eval_count / (double) metrics->eval_duration * 1e9;
}

/**
 * dsl_pull_progress_copy:
 *
 * Returns: (transfer full): a copy that owns its strings
 */
DslPullProgress *
dsl_pull_progress_copy (const DslPullProgress *progress)
{
  DslPullProgress *copy;

  g_return_val_if_fail (progress != NULL, NULL);

  copy = g_memdup2 (progress, sizeof *progress);
  copy->status = g_strdup (progress->status);
  copy->step = g_strdup (progress->step);
  return copy;
}

void
dsl_pull_progress_free (DslPullProgress *progress)
{
  if (progress == NULL)
    return;

  g_free (progress->status);
  g_free (progress->step);
  g_free (progress);
}

/* Host parsing *********************************************************************************/

/**
 * dsl_ollama_url_from_host:
 * @host: an address in any form `OLLAMA_HOST` accepts: `host`, `host:port`, `:port`,
 *   `scheme://host:port/path`, IPv6 in brackets
 *
 * Follows the `ollama` command (envconfig.Host): a bare host gets port 11434, `http://host`
 * port 80 and `https://host` port 443; "all interfaces" (`0.0.0.0`, `::`) means this computer.
 *
 * Returns: (transfer full): a base URL without a trailing slash
 */
char *
dsl_ollama_url_from_host (const char *host)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (host != NULL ? host : ""));
  g_autofree char *hostname = NULL;
  const char *scheme = "http";
  const char *default_port = "11434";
  const char *hostport = trimmed;
  const char *slash;
  const char *path = "";
  g_autofree char *hp = NULL;
  g_autofree char *port = NULL;
  char *sep;
  gboolean ipv6;

  if ((sep = strstr (trimmed, "://")) != NULL)
    {
      *sep = '\0';
      scheme = trimmed;
      hostport = sep + 3;
      if (g_ascii_strcasecmp (scheme, "https") == 0)
        default_port = "443";
      else if (g_ascii_strcasecmp (scheme, "http") == 0)
        default_port = "80";
      else
        return g_strdup (DSL_OLLAMA_DEFAULT_URL);
    }

  slash = strchr (hostport, '/');
  hp = slash != NULL ? g_strndup (hostport, slash - hostport) : g_strdup (hostport);
  if (slash != NULL)
    path = slash;

  if (hp[0] == '[')
    {
      char *close = strchr (hp, ']');

      if (close == NULL)
        return g_strdup (DSL_OLLAMA_DEFAULT_URL);
      hostname = g_strndup (hp + 1, close - hp - 1);
      if (close[1] == ':')
        port = g_strdup (close + 2);
      else if (close[1] != '\0')
        return g_strdup (DSL_OLLAMA_DEFAULT_URL);
    }
  else
    {
      char *colon = strrchr (hp, ':');

      if (colon != NULL && strchr (hp, ':') == colon)
        {
          hostname = g_strndup (hp, colon - hp);
          port = g_strdup (colon + 1);
        }
      else
        {
          /* No port, or a bare IPv6 address. */
          hostname = g_strdup (hp);
        }
    }

  if (port == NULL || port[0] == '\0')
    {
      g_free (port);
      port = g_strdup (default_port);
    }
  else
    {
      char *end = NULL;
      gint64 n = g_ascii_strtoll (port, &end, 10);

      if (end == port || *end != '\0' || n < 0 || n > 65535)
        return g_strdup (DSL_OLLAMA_DEFAULT_URL);
    }

  if (hostname[0] == '\0' || g_str_equal (hostname, "0.0.0.0") || g_str_equal (hostname, "::"))
    {
      g_free (hostname);
      hostname = g_strdup ("127.0.0.1");
    }

  ipv6 = strchr (hostname, ':') != NULL;

  {
    g_autofree char *lower_scheme = g_ascii_strdown (scheme, -1);
    g_autoptr(GString) url = g_string_new (lower_scheme);
    gsize path_len = strlen (path);

    while (path_len > 0 && path[path_len - 1] == '/')
      path_len--;

    g_string_append_printf (url, ipv6 ? "://[%s]:%s" : "://%s:%s", hostname, port);
    g_string_append_len (url, path, path_len);
    return g_string_free (g_steal_pointer (&url), FALSE);
  }
}

/**
 * dsl_ollama_resolve_url:
 * @setting: (nullable): the address from the settings
 *
 * The `OLLAMA_HOST` environment variable wins over the setting, as it does for the `ollama`
 * command; an empty setting means the default address.
 *
 * Returns: (transfer full): the base URL to use
 */
char *
dsl_ollama_resolve_url (const char *setting)
{
  const char *env = g_getenv ("OLLAMA_HOST");

  if (env != NULL && env[0] != '\0')
    return dsl_ollama_url_from_host (env);
  if (setting != NULL && setting[0] != '\0')
    return dsl_ollama_url_from_host (setting);

  return g_strdup (DSL_OLLAMA_DEFAULT_URL);
}

/* Errors ***************************************************************************************/

/**
 * dsl_ollama_error_describe:
 * @error: an error from this client
 *
 * Returns: (transfer full): a translated sentence for a person: what happened and what to do
 */
char *
dsl_ollama_error_describe (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != DSL_OLLAMA_ERROR)
    return g_strdup (error->message);

  switch ((DslOllamaErrorCode) error->code)
    {
    case DSL_OLLAMA_ERROR_UNREACHABLE:
      return g_strdup (_("Could not reach the Ollama server. Check that Ollama is running, or "
                         "change the server address in Preferences."));
    case DSL_OLLAMA_ERROR_TIMEOUT:
      return g_strdup (_("The Ollama server did not answer in time. It may be busy or starting; "
                         "try again in a moment."));
    case DSL_OLLAMA_ERROR_MODEL_NOT_FOUND:
      {
        /* A pull says "<model>: pull model manifest: …" (see error_from_pull_line): the name
         * is not in the library, which is another thing than a model not downloaded yet. */
        const char *manifest = strstr (error->message, PULL_NOT_FOUND_SEPARATOR);

        if (manifest != NULL)
          {
            g_autofree char *model = g_strndup (error->message, manifest - error->message);

            return g_strdup_printf (_("The model “%s” is not in the Ollama library. Check the "
                                      "spelling of its name and tag, or pick another model."),
                                    model);
          }

        return g_strdup (_("This model is not on the server. Download it first, or pick "
                           "another model."));
      }
    case DSL_OLLAMA_ERROR_BAD_REQUEST:
      return g_strdup_printf (_("The server refused the request: “%s”. Try another model, or "
                                "update Ollama."), error->message);
    case DSL_OLLAMA_ERROR_SERVER_ERROR:
      return g_strdup_printf (_("The server could not answer: “%s”. Closing other programs to "
                                "free memory, or choosing a smaller model, may help."),
                              error->message);
    case DSL_OLLAMA_ERROR_BUSY:
      return g_strdup (_("The server is busy with other requests. Try again in a moment."));
    case DSL_OLLAMA_ERROR_NOT_OLLAMA:
      return g_strdup (_("Something answered at the server address, but it is not an Ollama "
                         "server. Check the address in Preferences."));
    case DSL_OLLAMA_ERROR_INVALID_RESPONSE:
      return g_strdup (_("The server sent an answer that could not be read. Try again; if it "
                         "keeps happening, restart Ollama."));
    case DSL_OLLAMA_ERROR_STREAM_FAILED:
      return g_strdup_printf (_("The answer stopped because of an error on the server: “%s”. "
                                "Try again, or pick a smaller model."), error->message);
    case DSL_OLLAMA_ERROR_DISCONNECTED:
      return g_strdup (_("The connection to the server was lost before the answer was "
                         "complete. Check that Ollama is still running, then try again."));
    case DSL_OLLAMA_ERROR_SERVER_TOO_OLD:
      return g_strdup (_("This model needs a newer version of Ollama. Update Ollama, then "
                         "download the model again."));
    case DSL_OLLAMA_ERROR_NO_SPACE:
      return g_strdup (_("There is not enough disk space for this model. Free some disk space "
                         "or pick a smaller model, then try again: the part already downloaded "
                         "is kept."));
    default:
      return g_strdup (error->message);
    }
}

static GError *
error_from_transport (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_TIMEOUT, "%s", error->message);

  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PROXY_FAILED))
    return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE, "%s", error->message);

  if (error->domain == SOUP_SESSION_ERROR)
    return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA, "%s", error->message);

  return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED, "%s", error->message);
}

static gboolean
content_type_is (SoupMessage *msg,
                 const char  *type)
{
  const char *ct = soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                          NULL);

  return ct != NULL && g_ascii_strcasecmp (ct, type) == 0;
}

/* Turns a non-2xx answer into an error, using the server's {"error": …} text where it sent one. */
static GError *
error_from_status (SoupMessage *msg,
                   GBytes      *body)
{
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *server_text = NULL;
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  DslOllamaErrorCode code;

  if (data != NULL && len > 0 && len <= MAX_ERROR_BODY && g_utf8_validate_len (data, len, NULL) &&
      json_parser_load_from_data (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));

      server_text = g_strdup (dsl_json_get_string (object, "error", NULL));
    }

  if (server_text == NULL)
    {
      /* A plain "404 page not found" or an HTML page: not Ollama's API at this address. */
      return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA, "HTTP %u %s", status,
                          soup_message_get_reason_phrase (msg));
    }

  switch (status)
    {
    case SOUP_STATUS_NOT_FOUND:
      code = DSL_OLLAMA_ERROR_MODEL_NOT_FOUND;
      break;
    case SOUP_STATUS_BAD_REQUEST:
      code = DSL_OLLAMA_ERROR_BAD_REQUEST;
      break;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case 429: /* Too Many Requests */
      code = DSL_OLLAMA_ERROR_BUSY;
      break;
    default:
      code = DSL_OLLAMA_ERROR_SERVER_ERROR;
      break;
    }

  return g_error_new (DSL_OLLAMA_ERROR, code, "%s", server_text);
}

/* Object ***************************************************************************************/

static void
dsl_ollama_client_dispose (GObject *object)
{
  DslOllamaClient *self = DSL_OLLAMA_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (dsl_ollama_client_parent_class)->dispose (object);
}

static void
dsl_ollama_client_finalize (GObject *object)
{
  DslOllamaClient *self = DSL_OLLAMA_CLIENT (object);

  g_clear_pointer (&self->base_url, g_free);

  G_OBJECT_CLASS (dsl_ollama_client_parent_class)->finalize (object);
}

static void
dsl_ollama_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DslOllamaClient *self = DSL_OLLAMA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_RETRY_DELAY_MS:
      g_value_set_uint (value, self->retry_delay_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_client_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DslOllamaClient *self = DSL_OLLAMA_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      dsl_ollama_client_set_base_url (self, g_value_get_string (value));
      break;

    case PROP_RETRY_DELAY_MS:
      if (self->retry_delay_ms != g_value_get_uint (value))
        {
          self->retry_delay_ms = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_ollama_client_class_init (DslOllamaClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_ollama_client_dispose;
  object_class->finalize = dsl_ollama_client_finalize;
  object_class->get_property = dsl_ollama_client_get_property;
  object_class->set_property = dsl_ollama_client_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, DSL_OLLAMA_DEFAULT_URL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DslOllamaClient:retry-delay-ms:
   *
   * How long a pull whose connection dropped waits before its first retry; each further retry
   * waits twice as long. Tests make it short.
   */
  properties[PROP_RETRY_DELAY_MS] =
    g_param_spec_uint ("retry-delay-ms", NULL, NULL, 0, 60 * 1000, DEFAULT_RETRY_DELAY_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dsl_ollama_client_init (DslOllamaClient *self)
{
  g_autofree char *user_agent = g_strdup_printf ("DeepSeekLocal/%s", PACKAGE_VERSION);

  /* No I/O timeout on the session: a model that loads for minutes sends nothing meanwhile.
   * Quick requests get their own deadline instead. */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "timeout", 0,
                                                 "idle-timeout", 60,
                                                 NULL);
  self->base_url = g_strdup (DSL_OLLAMA_DEFAULT_URL);
  self->retry_delay_ms = DEFAULT_RETRY_DELAY_MS;

  /* DSL_DEBUG_HTTP=1 logs every request's headers, =2 the bodies too, to find what went wrong
   * with a server. */
  if (g_getenv ("DSL_DEBUG_HTTP") != NULL)
    {
      g_autoptr(SoupLogger) logger =
        soup_logger_new (g_str_equal (g_getenv ("DSL_DEBUG_HTTP"), "2") ? SOUP_LOGGER_LOG_BODY
                                                                         : SOUP_LOGGER_LOG_HEADERS);

      soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (logger));
    }
}

/**
 * dsl_ollama_client_new:
 * @base_url: (nullable): the server, e.g. `http://127.0.0.1:11434`; %NULL for the default
 */
DslOllamaClient *
dsl_ollama_client_new (const char *base_url)
{
  return g_object_new (DSL_TYPE_OLLAMA_CLIENT,
                       "base-url", base_url != NULL ? base_url : DSL_OLLAMA_DEFAULT_URL,
                       NULL);
}

const char *
dsl_ollama_client_get_base_url (DslOllamaClient *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_CLIENT (self), NULL);

  return self->base_url;
}

/**
 * dsl_ollama_client_set_context_length:
 * @context_length: tokens the model keeps in mind (`options.num_ctx`); 0 for the server's default
 *
 * Applies to chats started from now on.
 */
void
dsl_ollama_client_set_context_length (DslOllamaClient *self,
                                      guint            context_length)
{
  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));

  self->context_length = context_length;
}

guint
dsl_ollama_client_get_context_length (DslOllamaClient *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_CLIENT (self), 0);

  return self->context_length;
}

/**
 * dsl_ollama_client_set_base_url:
 *
 * Changes the server for the next requests; requests already running go on where they are.
 */
void
dsl_ollama_client_set_base_url (DslOllamaClient *self,
                                const char      *base_url)
{
  g_autofree char *url = NULL;
  gsize len;

  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));

  url = g_strdup (base_url != NULL && base_url[0] != '\0' ? base_url : DSL_OLLAMA_DEFAULT_URL);
  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';

  if (g_strcmp0 (url, self->base_url) == 0)
    return;

  g_free (self->base_url);
  self->base_url = g_steal_pointer (&url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

static SoupMessage *
new_message (DslOllamaClient *self,
             const char      *method,
             const char      *path,
             JsonNode        *body)
{
  g_autofree char *uri = g_strconcat (self->base_url, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg == NULL)
    return NULL;

  if (body != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(GBytes) bytes = NULL;
      gsize len = 0;
      char *text;

      json_generator_set_root (generator, body);
      text = json_generator_to_data (generator, &len);
      bytes = g_bytes_new_take (text, len);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

/* Quick JSON requests **************************************************************************/

typedef struct {
  SoupMessage  *msg;
  GCancellable *cancellable;     /* ours: cancelled by the caller's or by the deadline */
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  guint         timeout_id;
  gboolean      timed_out;
  gboolean      want_json;       /* FALSE: the answer is a status only, and the task a boolean */
} QuickData;

static void
quick_data_free (QuickData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  if (data->caller_handler != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_handler);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->msg);
  g_free (data);
}

static gboolean
quick_timeout_cb (gpointer user_data)
{
  QuickData *data = user_data;

  data->timeout_id = 0;
  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);

  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static void
quick_sent_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  QuickData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  const char *bytes;
  gsize len = 0;

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (body == NULL)
    {
      if (data->timed_out)
        g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_TIMEOUT,
                                 "No answer within %d seconds", QUICK_TIMEOUT_SECONDS);
      else if (g_task_return_error_if_cancelled (task))
        ;
      else
        g_task_return_error (task, error_from_transport (error));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->msg)))
    {
      g_task_return_error (task, error_from_status (data->msg, body));
      return;
    }

  if (!data->want_json)
    {
      /* DELETE answers 200 with an empty body. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  bytes = g_bytes_get_data (body, &len);
  parser = json_parser_new ();
  if (!content_type_is (data->msg, "application/json") ||
      !g_utf8_validate_len (bytes, len, NULL) ||
      !json_parser_load_from_data (parser, bytes, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA,
                               "The answer to %s is not a JSON object",
                               g_uri_get_path (soup_message_get_uri (data->msg)));
      return;
    }

  g_task_return_pointer (task, json_parser_steal_root (parser), (GDestroyNotify) json_node_unref);
}

static void
quick_request (DslOllamaClient     *self,
               const char          *method,
               const char          *path,
               JsonNode            *body,
               gpointer             source_tag,
               gboolean             want_json,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  QuickData *data = g_new0 (QuickData, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) quick_data_free);
  data->want_json = want_json;

  data->msg = new_message (self, method, path, body);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE,
                               "“%s” is not a valid server address", self->base_url);
      return;
    }

  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                    data->cancellable, NULL);
    }
  data->timeout_id = g_timeout_add_seconds (QUICK_TIMEOUT_SECONDS, quick_timeout_cb, data);

  soup_session_send_and_read_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                                    data->cancellable, quick_sent_cb, g_steal_pointer (&task));
}

/**
 * dsl_ollama_client_get_version_async:
 *
 * Asks the server for its version (`GET /api/version`).
 */
void
dsl_ollama_client_get_version_async (DslOllamaClient     *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));

  quick_request (self, "GET", "/api/version", NULL, dsl_ollama_client_get_version_async, TRUE,
                 cancellable, callback, user_data);
}

/**
 * dsl_ollama_client_get_version_finish:
 *
 * Returns: (transfer full): the version, such as "0.32.15"
 */
char *
dsl_ollama_client_get_version_finish (DslOllamaClient  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_autoptr(JsonNode) node = NULL;
  const char *version;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node == NULL)
    return NULL;

  version = dsl_json_get_string (json_node_get_object (node), "version", NULL);
  if (version == NULL)
    {
      g_set_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA,
                   "The answer has no version");
      return NULL;
    }

  return g_strdup (version);
}

/**
 * dsl_ollama_client_list_models_async:
 *
 * Lists the models on the server (`GET /api/tags`).
 */
void
dsl_ollama_client_list_models_async (DslOllamaClient     *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));

  quick_request (self, "GET", "/api/tags", NULL, dsl_ollama_client_list_models_async, TRUE,
                 cancellable, callback, user_data);
}

static int
compare_models (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  return g_strcmp0 (dsl_model_info_get_name ((DslModelInfo *) a),
                    dsl_model_info_get_name ((DslModelInfo *) b));
}

/**
 * dsl_ollama_client_list_models_finish:
 *
 * Returns: (transfer full): a #GListModel of #DslModelInfo, sorted by name
 */
GListModel *
dsl_ollama_client_list_models_finish (DslOllamaClient  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GListStore) store = NULL;
  JsonArray *models;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node == NULL)
    return NULL;

  models = dsl_json_get_array (json_node_get_object (node), "models");
  if (models == NULL)
    {
      g_set_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA,
                   "The answer has no model list");
      return NULL;
    }

  store = g_list_store_new (DSL_TYPE_MODEL_INFO);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonNode *element = json_array_get_element (models, i);
      g_autoptr(DslModelInfo) info = NULL;

      if (JSON_NODE_HOLDS_OBJECT (element))
        info = dsl_model_info_new_from_json (json_node_get_object (element));
      if (info != NULL)
        g_list_store_append (store, info);
    }
  g_list_store_sort (store, compare_models, NULL);

  return G_LIST_MODEL (g_steal_pointer (&store));
}

/**
 * dsl_ollama_client_show_async:
 * @model: a model name such as "deepseek-r1:8b"
 *
 * Asks for a model's details, `model_info` and `capabilities` (`POST /api/show`).
 */
void
dsl_ollama_client_show_async (DslOllamaClient     *self,
                              const char          *model,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));
  g_return_if_fail (model != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  quick_request (self, "POST", "/api/show", body, dsl_ollama_client_show_async, TRUE,
                 cancellable, callback, user_data);
}

/**
 * dsl_ollama_client_show_finish:
 *
 * Returns: (transfer full): the answer object
 */
JsonObject *
dsl_ollama_client_show_finish (DslOllamaClient  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node == NULL)
    return NULL;

  return json_object_ref (json_node_get_object (node));
}

/* Streaming chat *******************************************************************************/

typedef struct {
  SoupMessage      *msg;
  DslNdjsonReader  *reader;
  DslChatDeltaFunc  delta_func;
  gpointer          delta_data;
  DslChatMetrics   *metrics;
  GError           *error;   /* how the answer ended, once the stream is closed */
} ChatData;

static void
chat_data_free (ChatData *data)
{
  g_clear_error (&data->error);
  g_clear_object (&data->reader);
  g_clear_object (&data->msg);
  g_clear_pointer (&data->metrics, dsl_chat_metrics_free);
  g_free (data);
}

static void chat_read_next (GTask *task);

static void
chat_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChatData *data = g_task_get_task_data (task);

  g_input_stream_close_finish (G_INPUT_STREAM (object), result, NULL);

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&data->metrics),
                           (GDestroyNotify) dsl_chat_metrics_free);
}

/* Ends the answer with data->metrics, or with @error. The body stream is closed first, so that
 * libsoup is done with the connection before the caller asks for the next answer (a Retry right
 * after an error must not find the old exchange still holding it). */
static void
chat_end (GTask  *task,
          GError *error)
{
  ChatData *data = g_task_get_task_data (task);
  GInputStream *stream = dsl_ndjson_reader_get_stream (data->reader);

  g_assert (data->error == NULL);
  data->error = error;

  g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, chat_closed_cb, task);
}

static DslChatMetrics *
metrics_from_chunk (JsonObject *chunk)
{
  DslChatMetrics *metrics = g_new0 (DslChatMetrics, 1);

  metrics->done_reason = g_strdup (dsl_json_get_string (chunk, "done_reason", "stop"));
  metrics->total_duration = dsl_json_get_int (chunk, "total_duration", 0);
  metrics->load_duration = dsl_json_get_int (chunk, "load_duration", 0);
  metrics->prompt_eval_count = dsl_json_get_int (chunk, "prompt_eval_count", 0);
  metrics->prompt_eval_duration = dsl_json_get_int (chunk, "prompt_eval_duration", 0);
  metrics->eval_count = dsl_json_get_int (chunk, "eval_count", 0);
  metrics->eval_duration = dsl_json_get_int (chunk, "eval_duration", 0);

  return metrics;
}

static void
chat_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChatData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *chunk;
  JsonObject *message;
  const char *server_error;

  node = dsl_ndjson_reader_read_finish (DSL_NDJSON_READER (object), result, &error);

  if (error != NULL)
    {
      if (g_task_return_error_if_cancelled (task))
        return;

      if (error->domain == DSL_NDJSON_ERROR)
        {
          if (error->code == DSL_NDJSON_ERROR_TRUNCATED && data->metrics == NULL)
            chat_end (g_steal_pointer (&task),
                      g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                                   "%s", error->message));
          else
            chat_end (g_steal_pointer (&task),
                      g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_INVALID_RESPONSE,
                                   "%s", error->message));
        }
      else if (data->metrics != NULL)
        {
          /* The answer was complete; only the end of the body was lost. */
          chat_end (g_steal_pointer (&task), NULL);
        }
      else
        {
          chat_end (g_steal_pointer (&task),
                    g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                                 "%s", error->message));
        }
      return;
    }

  if (node == NULL)
    {
      /* End of the body. Without a done:true chunk the answer was cut short: libsoup 3.2 even
       * reports a connection closed between two chunks as a clean end. */
      chat_end (g_steal_pointer (&task),
                data->metrics != NULL
                  ? NULL
                  : g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                                 "The answer ended without its final chunk"));
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      chat_end (g_steal_pointer (&task),
                g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_INVALID_RESPONSE,
                             "A line of the answer is not a JSON object"));
      return;
    }

  chunk = json_node_get_object (node);

  if ((server_error = dsl_json_get_string (chunk, "error", NULL)) != NULL)
    {
      chat_end (g_steal_pointer (&task),
                g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_STREAM_FAILED,
                             "%s", server_error));
      return;
    }

  if (data->metrics == NULL)
    {
      message = dsl_json_get_object (chunk, "message");
      if (message != NULL)
        {
          const char *thinking = dsl_json_get_string (message, "thinking", NULL);
          const char *content = dsl_json_get_string (message, "content", NULL);

          if ((thinking != NULL && thinking[0] != '\0') || (content != NULL && content[0] != '\0'))
            data->delta_func (thinking, content, data->delta_data);
        }

      if (dsl_json_get_boolean (chunk, "done", FALSE))
        data->metrics = metrics_from_chunk (chunk);
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  chat_read_next (g_steal_pointer (&task));
}

static void
chat_read_next (GTask *task)
{
  ChatData *data = g_task_get_task_data (task);

  dsl_ndjson_reader_read_async (data->reader, g_task_get_cancellable (task),
                                chat_line_cb, task);
}

/* A streamed answer (chat, pull) comes as NDJSON; a web page or anything else there means the
 * address is not Ollama's. Returns: (nullable): why not */
static GError *
check_ndjson (SoupMessage *msg)
{
  if (content_type_is (msg, "application/x-ndjson") || content_type_is (msg, "application/json"))
    return NULL;

  return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NOT_OLLAMA,
                      "The answer is not NDJSON but %s",
                      soup_message_headers_get_content_type (
                        soup_message_get_response_headers (msg), NULL) ?: "untyped");
}

static void
chat_error_body_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChatData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;

  body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, NULL);
  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_error (task, error_from_status (data->msg, body));
}

static void
chat_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChatData *data = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (stream == NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_error (task, error_from_transport (error));
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->msg)))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      g_input_stream_read_bytes_async (stream, MAX_ERROR_BODY + 1, G_PRIORITY_DEFAULT,
                                       cancellable, chat_error_body_cb, g_steal_pointer (&task));
      return;
    }

  if ((error = check_ndjson (data->msg)) != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->reader = dsl_ndjson_reader_new (stream, 0);
  chat_read_next (g_steal_pointer (&task));
}

/**
 * dsl_ollama_client_chat_async:
 * @model: the model name
 * @messages: the conversation, as /api/chat `messages` objects
 * @think: whether to ask for reasoning; send %DSL_OLLAMA_THINK_ON only to a model whose
 *   capabilities include `thinking`
 * @delta_func: (scope notified): called for each chunk with text
 * @delta_data: data for @delta_func; it must live until the callback ran
 * @cancellable: cancelling it closes the connection, which stops generation on the server
 *
 * Streams an answer from `POST /api/chat`. Deltas arrive as they are generated; the result is
 * the final chunk's metrics, or an error. Text delivered before an error stays delivered.
 */
void
dsl_ollama_client_chat_async (DslOllamaClient     *self,
                              const char          *model,
                              JsonArray           *messages,
                              DslOllamaThink       think,
                              DslChatDeltaFunc     delta_func,
                              gpointer             delta_data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *request;
  ChatData *data;

  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));
  g_return_if_fail (model != NULL);
  g_return_if_fail (messages != NULL);
  g_return_if_fail (delta_func != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_client_chat_async);

  data = g_new0 (ChatData, 1);
  data->delta_func = delta_func;
  data->delta_data = delta_data;
  g_task_set_task_data (task, data, (GDestroyNotify) chat_data_free);

  request = json_object_new ();
  json_object_set_string_member (request, "model", model);
  json_object_set_array_member (request, "messages", json_array_ref (messages));
  json_object_set_boolean_member (request, "stream", TRUE);
  if (think != DSL_OLLAMA_THINK_DEFAULT)
    json_object_set_boolean_member (request, "think", think == DSL_OLLAMA_THINK_ON);
  if (self->context_length > 0)
    {
      JsonObject *options = json_object_new ();

      json_object_set_int_member (options, "num_ctx", self->context_length);
      json_object_set_object_member (request, "options", options);
    }
  body = json_node_init_object (json_node_alloc (), request);
  json_object_unref (request);

  data->msg = new_message (self, "POST", "/api/chat", body);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE,
                               "“%s” is not a valid server address", self->base_url);
      return;
    }

  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT, cancellable,
                           chat_sent_cb, g_steal_pointer (&task));
}

/**
 * dsl_ollama_client_chat_finish:
 *
 * Returns: (transfer full): the metrics of the final chunk
 */
DslChatMetrics *
dsl_ollama_client_chat_finish (DslOllamaClient  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Pull *****************************************************************************************/

typedef struct {
  gint64 total;
  gint64 completed;
} PullLayer;

typedef struct {
  gint64 time;       /* monotonic */
  gint64 new_bytes;  /* downloaded by this pull until then */
} SpeedSample;

typedef struct {
  char                *model;
  JsonNode            *body;
  DslPullProgressFunc  progress_func;
  gpointer             progress_data;

  SoupMessage         *msg;
  DslNdjsonReader     *reader;
  guint                failures;      /* dropped connections in a row, without new bytes between */
  gboolean             streamed;      /* the server accepted the pull at least once */
  gboolean             succeeded;     /* "success" was seen on this try */
  gboolean             got_new_bytes; /* on this try */
  GError              *error;         /* how this try ended, once the stream is closed */

  /* Kept across tries, so that progress goes on where it was. */
  GHashTable          *layers;        /* digest → PullLayer */
  gint64               completed;
  gint64               total;
  gint64               new_bytes;
  GArray              *samples;       /* SpeedSample, oldest first */
  char                *status;
  char                *emitted_status;
  gint64               emitted_at;    /* monotonic, 0 = never */
} PullData;

static void
pull_data_free (PullData *data)
{
  g_free (data->model);
  g_clear_pointer (&data->body, json_node_unref);
  g_clear_object (&data->reader);
  g_clear_object (&data->msg);
  g_clear_error (&data->error);
  g_clear_pointer (&data->layers, g_hash_table_unref);
  g_clear_pointer (&data->samples, g_array_unref);
  g_free (data->status);
  g_free (data->emitted_status);
  g_free (data);
}

static const char *
step_for_status (const char *status)
{
  if (g_str_equal (status, "pulling manifest"))
    return _("Getting ready…");
  if (g_str_has_prefix (status, "pulling "))
    return _("Downloading the model…");
  if (g_str_equal (status, "verifying sha256 digest"))
    return _("Verifying download…");
  if (g_str_equal (status, "writing manifest"))
    return _("Writing manifest…");
  /* Older servers say "removing any unused layers". */
  if (g_str_has_prefix (status, "removing ") && g_str_has_suffix (status, "unused layers"))
    return _("Removing unused layers…");
  if (g_str_equal (status, "success"))
    return _("Done");

  /* A status from a newer server: its own words beat none. */
  return status;
}

static double
pull_speed (PullData *data,
            gint64    now)
{
  SpeedSample *oldest;
  gint64 span;

  if (data->samples->len == 0)
    return 0;

  oldest = &g_array_index (data->samples, SpeedSample, 0);
  span = now - oldest->time;
  if (span < PULL_SPEED_MIN_SPAN_US)
    return 0;

  return (double) (data->new_bytes - oldest->new_bytes) * G_USEC_PER_SEC / (double) span;
}

static void
pull_emit (PullData *data,
           gint64    now)
{
  DslPullProgress progress = { 0 };
  const char *status = data->status != NULL ? data->status : "";

  progress.status = (char *) status;
  progress.step = (char *) step_for_status (status);
  progress.completed = data->completed;
  progress.total = data->total;
  progress.bytes_per_second = pull_speed (data, now);
  if (data->succeeded)
    progress.seconds_left = 0;
  else if (progress.bytes_per_second > 0 && data->total >= data->completed)
    progress.seconds_left = (gint64) ((double) (data->total - data->completed) /
                                      progress.bytes_per_second + 0.999);
  else
    progress.seconds_left = -1;

  g_free (data->emitted_status);
  data->emitted_status = g_strdup (status);
  data->emitted_at = now;

  data->progress_func (&progress, data->progress_data);
}

/* Adds a progress line to the sums. Counts are per digest, so a repeated line, or a resumed
 * layer saying again what is on disk, adds nothing; only growth counts as new bytes. */
static void
pull_account (PullData   *data,
              JsonObject *line,
              gint64      now)
{
  const char *status = dsl_json_get_string (line, "status", NULL);
  const char *digest = dsl_json_get_string (line, "digest", NULL);

  if (status != NULL)
    {
      g_free (data->status);
      data->status = g_strdup (status);
    }

  if (digest != NULL)
    {
      gint64 total = MAX (dsl_json_get_int (line, "total", 0), 0);
      gint64 completed = CLAMP (dsl_json_get_int (line, "completed", 0), 0, MAX (total, 0));
      PullLayer *layer = g_hash_table_lookup (data->layers, digest);

      if (layer == NULL)
        {
          /* Bytes a layer has when first seen were on disk before: not downloaded now. */
          layer = g_new0 (PullLayer, 1);
          layer->total = total;
          layer->completed = completed;
          g_hash_table_insert (data->layers, g_strdup (digest), layer);
          data->total += total;
          data->completed += completed;
        }
      else
        {
          data->total += total - layer->total;
          layer->total = total;
          /* A resumed layer may restart a little behind what was shown: never go backwards. */
          if (completed > layer->completed)
            {
              data->completed += completed - layer->completed;
              data->new_bytes += completed - layer->completed;
              layer->completed = completed;
              data->got_new_bytes = TRUE;
            }
        }
    }

  /* A sample for every line, so that a stall brings the speed down. Keep one sample older
   * than the window, as its start. */
  g_array_append_val (data->samples, ((SpeedSample) { now, data->new_bytes }));
  while (data->samples->len > 1 &&
         g_array_index (data->samples, SpeedSample, 1).time <= now - PULL_SPEED_WINDOW_US)
    g_array_remove_index (data->samples, 0);
}

static GError *
error_from_pull_line (const char *model,
                      const char *text)
{
  /* With the name in front, for dsl_ollama_error_describe(). */
  if (strstr (text, "file does not exist") != NULL)
    {
      if (g_str_has_prefix (text, &PULL_NOT_FOUND_SEPARATOR[2]))
        return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND,
                            "%s: %s", model, text);
      return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND,
                          "%s" PULL_NOT_FOUND_SEPARATOR ": %s", model, text);
    }
  if (strstr (text, "requires a newer version of Ollama") != NULL || strstr (text, "412") != NULL)
    return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_SERVER_TOO_OLD, "%s", text);
  if (strstr (text, "no space left on device") != NULL)
    return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NO_SPACE, "%s", text);

  return g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_STREAM_FAILED, "%s", text);
}

/* Like g_task_return_error_if_cancelled(), but drops the connection first, not when the
 * caller lets go of the result: the server stops downloading when its client is gone. */
static gboolean
pull_return_if_cancelled (GTask *task)
{
  PullData *data = g_task_get_task_data (task);

  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;

  g_clear_object (&data->reader);
  g_clear_object (&data->msg);
  return g_task_return_error_if_cancelled (task);
}

static void pull_try (GTask *task);
static void pull_read_next (GTask *task);

static gboolean
pull_retry_cb (GCancellable *cancellable,
               gpointer      user_data)
{
  GTask *task = user_data;

  /* The source is ready at its time, or at once when cancelled. */
  if (!pull_return_if_cancelled (task))
    pull_try (g_object_ref (task));

  return G_SOURCE_REMOVE;
}

/* A try is over, with @error or with success: returns, or tries again after a while. */
static void
pull_try_ended (GTask  *task_in,
                GError *error_in)
{
  g_autoptr(GTask) task = task_in;
  g_autoptr(GError) error = error_in;
  PullData *data = g_task_get_task_data (task);
  DslOllamaClient *self = g_task_get_source_object (task);

  g_clear_object (&data->reader);
  g_clear_object (&data->msg);

  if (pull_return_if_cancelled (task))
    return;

  if (error == NULL)
    {
      pull_emit (data, g_get_monotonic_time ());
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_error_matches (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED))
    {
      /* A try that brought new bytes starts the count again: a long download over a shaky
       * network goes on as long as it moves. */
      if (data->got_new_bytes)
        data->failures = 0;
      data->failures++;

      if (data->failures < PULL_MAX_TRIES)
        {
          guint delay_ms = self->retry_delay_ms << (data->failures - 1);
          GSource *source = g_cancellable_source_new (g_task_get_cancellable (task));

          g_debug ("Pull of %s cut (%s); trying again in %u ms", data->model, error->message,
                   delay_ms);
          g_source_set_ready_time (source,
                                   g_get_monotonic_time () + delay_ms * G_TIME_SPAN_MILLISECOND);
          g_source_set_callback (source, G_SOURCE_FUNC (pull_retry_cb), g_object_ref (task),
                                 g_object_unref);
          g_source_attach (source, g_task_get_context (task));
          g_source_unref (source);
          return;
        }
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

static void
pull_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  PullData *data = g_task_get_task_data (task);

  g_input_stream_close_finish (G_INPUT_STREAM (object), result, NULL);
  pull_try_ended (task, g_steal_pointer (&data->error));
}

/* Ends this try, closing the body first (see chat_end); pull_try_ended decides what next. */
static void
pull_end (GTask  *task,
          GError *error)
{
  PullData *data = g_task_get_task_data (task);

  g_assert (data->error == NULL);
  data->error = error;

  g_input_stream_close_async (dsl_ndjson_reader_get_stream (data->reader), G_PRIORITY_DEFAULT,
                              NULL, pull_closed_cb, task);
}

static void
pull_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PullData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *server_error;
  JsonObject *line;
  gint64 now;

  node = dsl_ndjson_reader_read_finish (DSL_NDJSON_READER (object), result, &error);

  if (error != NULL)
    {
      if (pull_return_if_cancelled (task))
        return;

      if (data->succeeded)
        pull_end (g_steal_pointer (&task), NULL);  /* only the end of the body was lost */
      else if (error->domain == DSL_NDJSON_ERROR && error->code != DSL_NDJSON_ERROR_TRUNCATED)
        pull_end (g_steal_pointer (&task),
                  g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_INVALID_RESPONSE,
                               "%s", error->message));
      else
        pull_end (g_steal_pointer (&task),
                  g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                               "%s", error->message));
      return;
    }

  if (node == NULL)
    {
      /* libsoup 3.2 reports a connection closed between two chunks as a clean end. */
      pull_end (g_steal_pointer (&task),
                data->succeeded ? NULL
                                : g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                                               "The pull ended before it succeeded"));
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      pull_end (g_steal_pointer (&task),
                g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_INVALID_RESPONSE,
                             "A line of the pull is not a JSON object"));
      return;
    }

  line = json_node_get_object (node);

  if ((server_error = dsl_json_get_string (line, "error", NULL)) != NULL)
    {
      pull_end (g_steal_pointer (&task), error_from_pull_line (data->model, server_error));
      return;
    }

  if (!data->succeeded)
    {
      now = g_get_monotonic_time ();
      pull_account (data, line, now);
      data->succeeded = g_strcmp0 (data->status, "success") == 0;

      /* The final progress goes out once the stream is closed. */
      if (!data->succeeded &&
          (g_strcmp0 (data->status, data->emitted_status) != 0 ||
           now - data->emitted_at >= PULL_PROGRESS_INTERVAL_US))
        pull_emit (data, now);
    }

  if (pull_return_if_cancelled (task))
    return;

  pull_read_next (g_steal_pointer (&task));
}

static void
pull_read_next (GTask *task)
{
  PullData *data = g_task_get_task_data (task);

  dsl_ndjson_reader_read_async (data->reader, g_task_get_cancellable (task),
                                pull_line_cb, task);
}

static void
pull_error_body_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PullData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;

  body = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, NULL);
  if (pull_return_if_cancelled (task))
    return;

  g_task_return_error (task, error_from_status (data->msg, body));
}

static void
pull_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PullData *data = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (stream == NULL)
    {
      if (pull_return_if_cancelled (task))
        return;

      /* After a cut, a server that restarts refuses for a moment: keep trying. The first try
       * fails at once, since nothing was started there. */
      if (data->streamed)
        pull_try_ended (g_steal_pointer (&task),
                        g_error_new (DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED,
                                     "%s", error->message));
      else
        {
          g_task_return_error (task, error_from_transport (error));
        }
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->msg)))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      g_input_stream_read_bytes_async (stream, MAX_ERROR_BODY + 1, G_PRIORITY_DEFAULT,
                                       cancellable, pull_error_body_cb, g_steal_pointer (&task));
      return;
    }

  if ((error = check_ndjson (data->msg)) != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->streamed = TRUE;
  data->reader = dsl_ndjson_reader_new (stream, 0);
  pull_read_next (g_steal_pointer (&task));
}

/* One try: a new request each time, as the old connection is gone. */
static void
pull_try (GTask *task)
{
  DslOllamaClient *self = g_task_get_source_object (task);
  PullData *data = g_task_get_task_data (task);

  data->succeeded = FALSE;
  data->got_new_bytes = FALSE;
  data->msg = new_message (self, "POST", "/api/pull", data->body);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_UNREACHABLE,
                               "“%s” is not a valid server address", self->base_url);
      g_object_unref (task);
      return;
    }

  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), pull_sent_cb, task);
}

/**
 * dsl_ollama_client_pull_async:
 * @model: a model name such as "deepseek-r1:8b"
 * @progress_func: (scope notified): called with the progress, on the caller's main context
 * @progress_data: data for @progress_func; it must live until the callback ran
 * @cancellable: cancelling it stops the download at once; the server keeps what it has, and
 *   the next pull of @model resumes there
 *
 * Downloads a model (`POST /api/pull`). A connection that drops is opened again by itself, up
 * to five times with growing waits, and the progress goes on from where it was. Errors: a
 * name not in the library is %DSL_OLLAMA_ERROR_MODEL_NOT_FOUND, a model too new for the server
 * %DSL_OLLAMA_ERROR_SERVER_TOO_OLD, a full disk %DSL_OLLAMA_ERROR_NO_SPACE, an invalid name
 * %DSL_OLLAMA_ERROR_BAD_REQUEST, a connection that keeps dropping
 * %DSL_OLLAMA_ERROR_DISCONNECTED.
 */
void
dsl_ollama_client_pull_async (DslOllamaClient     *self,
                              const char          *model,
                              DslPullProgressFunc  progress_func,
                              gpointer             progress_data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JsonObject *request;
  PullData *data;

  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));
  g_return_if_fail (model != NULL);
  g_return_if_fail (progress_func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_ollama_client_pull_async);

  data = g_new0 (PullData, 1);
  data->model = g_strdup (model);
  data->progress_func = progress_func;
  data->progress_data = progress_data;
  data->layers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  data->samples = g_array_new (FALSE, FALSE, sizeof (SpeedSample));
  g_task_set_task_data (task, data, (GDestroyNotify) pull_data_free);

  request = json_object_new ();
  json_object_set_string_member (request, "model", model);
  json_object_set_boolean_member (request, "stream", TRUE);
  data->body = json_node_init_object (json_node_alloc (), request);
  json_object_unref (request);

  pull_try (g_steal_pointer (&task));
}

/**
 * dsl_ollama_client_pull_finish:
 *
 * Returns: %TRUE when the model is on the server
 */
gboolean
dsl_ollama_client_pull_finish (DslOllamaClient  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dsl_ollama_client_pull_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Delete ***************************************************************************************/

/**
 * dsl_ollama_client_delete_async:
 * @model: a model name such as "deepseek-r1:8b"
 *
 * Removes a model from the server (`DELETE /api/delete`). A model that is not there is
 * %DSL_OLLAMA_ERROR_MODEL_NOT_FOUND.
 */
void
dsl_ollama_client_delete_async (DslOllamaClient     *self,
                                const char          *model,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (DSL_IS_OLLAMA_CLIENT (self));
  g_return_if_fail (model != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  quick_request (self, "DELETE", "/api/delete", body, dsl_ollama_client_delete_async, FALSE,
                 cancellable, callback, user_data);
}

/**
 * dsl_ollama_client_delete_finish:
 *
 * Returns: %TRUE when the model was removed
 */
gboolean
dsl_ollama_client_delete_finish (DslOllamaClient  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dsl_ollama_client_delete_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
