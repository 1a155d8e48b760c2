/* dsl-ollama-double.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A stand-in for the Ollama HTTP server, for tests and benchmarks.
 *
 * It speaks the wire format of /work/shared/ollama-api.md (field order as in
 * Ollama's Go structs, Go's HTML-safe string escaping, zero fields omitted)
 * and plays a "scenario": which models exist, how a chat streams (thinking as
 * a field or as raw <think> tags, token rate, load delay) and how it fails.
 *
 * Every request to a real endpoint is recorded, with whether the client went
 * away before the response was complete. libsoup only notices a vanished
 * client when it next writes, so while a reply is held back (ready delay,
 * model load, paced tokens) a socket watch peeks for EOF; when it sees one the
 * connection is stolen and closed, which ends the exchange at once.
 */

#define G_LOG_DOMAIN "dsl-ollama-double"

#include "config.h"

#include "dsl-ollama-double.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#define DEFAULT_PORT          11434
#define DEFAULT_VERSION       "0.32.15"
#define DEFAULT_MODEL         "deepseek-r1:8b"
#define DEFAULT_PULLABLE      "deepseek-r1:1.5b"
#define DEFAULT_REASONING \
  "Okay, the user asks a simple question. Let me think about it step by step. " \
  "First I recall what I know, then I check it once more. That seems right, so I can answer."
#define DEFAULT_ANSWER        "The answer is 42."
#define DEFAULT_ERROR_TEXT \
  "model runner has unexpectedly stopped, this may be due to resource limitations or an " \
  "internal error, check ollama server logs for details"
#define BUSY_ERROR_TEXT       "server busy, please try again.  maximum pending requests exceeded"
#define BAD_REQUEST_TEXT      "invalid request"
#define PULL_NOT_FOUND_TEXT   "pull model manifest: file does not exist"
#define PULL_TOO_OLD_TEXT \
  "pull model manifest: 412: \n\nThe model you are attempting to pull requires a newer version " \
  "of Ollama.\n\nPlease download the latest version at:\n\n\thttps://ollama.com/download\n\n"
#define PULL_NO_SPACE_FORMAT \
  "write /usr/share/ollama/.ollama/models/blobs/sha256-%s-partial: no space left on device"
#define HUGE_LINE_SIZE        (10 * 1024 * 1024)
#define FAST_BATCH            32    /* chunks per main loop iteration when unpaced */
#define HIGH_WATER            256   /* appended but unwritten chunks before waiting */
#define MIN_TICK_MS           10
#define PULL_TICK_MS          60    /* Ollama repeats a layer's progress this often */
#define DEFAULT_KEEP_ALIVE_US (5 * G_TIME_SPAN_MINUTE)
#define DEFAULT_NUM_CTX       4096

/* Versions where the wire format changed (see ollama-api.md section 3). */
#define VERSION_THINK             "0.9.0"   /* `think` and message.thinking exist */
#define VERSION_THINK_DEFAULT     "0.12.4"  /* thinking models think by default */
#define VERSION_THINK_ERROR_QUOTE "0.12.5"  /* "\"m\" does not support thinking" */
#define VERSION_SHOW_CAPS         "0.6.4"   /* /api/show has capabilities */
#define VERSION_TAGS_CAPS         "0.12.0"  /* /api/tags has capabilities, context_length */

/* What `ollama show deepseek-r1` prints, shortened; the tags exercise escaping. */
#define DEEPSEEK_PARAMETERS \
  "stop                           \"<｜begin▁of▁sentence｜>\"\n" \
  "stop                           \"<｜end▁of▁sentence｜>\"\n" \
  "stop                           \"<｜User｜>\"\n" \
  "stop                           \"<｜Assistant｜>\"\n" \
  "temperature                    0.6\n" \
  "top_p                          0.95"
#define OTHER_PARAMETERS \
  "temperature                    0.8"
#define DEEPSEEK_TEMPLATE \
  "{{- if .System }}{{ .System }}{{ end }}\n" \
  "{{- range $i, $_ := .Messages }}\n" \
  "{{- if eq .Role \"user\" }}<｜User｜>{{ .Content }}\n" \
  "{{- else if eq .Role \"assistant\" }}<｜Assistant｜>{{ .Content }}<｜end▁of▁sentence｜>\n" \
  "{{- end }}\n{{- end }}<｜Assistant｜>"

#define HTML_ERROR_PAGE \
  "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n" \
  "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"

/* {{{ Models */

typedef struct
{
  char      *name;
  gint64     size;
  char      *family;
  char      *parameter_size;
  char      *quantization_level;
  GStrv      capabilities;
  gint64     block_count;
  gint64     head_count;
  gint64     head_count_kv;
  gint64     embedding_length;
  gint64     context_length;
  gint64     size_vram;           /* -1: all of it, 100% GPU */
  char      *digest;
  GDateTime *modified_at;
} Model;

typedef struct
{
  const char *tag;
  gint64      size;
  const char *family;
  const char *parameter_size;
  guint       block_count;
  guint       head_count;
  guint       head_count_kv;
  guint       embedding_length;
  guint       context_length;
} KnownModel;

/* ollama-api.md section 6; sizes other than 7b/8b/14b are approximate. */
static const KnownModel known_models[] = {
  { "1.5b", G_GINT64_CONSTANT (1117322768), "qwen2", "1.8B", 28, 12, 2, 1536, 131072 },
  { "7b", G_GINT64_CONSTANT (4683075271), "qwen2", "7.6B", 28, 28, 4, 3584, 131072 },
  { "8b", G_GINT64_CONSTANT (5225373760), "qwen3", "8.2B", 36, 32, 8, 4096, 131072 },
  { "latest", G_GINT64_CONSTANT (5225373760), "qwen3", "8.2B", 36, 32, 8, 4096, 131072 },
  { "14b", G_GINT64_CONSTANT (8988112040), "qwen2", "14.8B", 48, 40, 8, 5120, 131072 },
  { "32b", G_GINT64_CONSTANT (19851336256), "qwen2", "32.8B", 64, 40, 8, 5120, 131072 },
  { "70b", G_GINT64_CONSTANT (42520413916), "llama", "70.6B", 80, 64, 8, 8192, 131072 },
  { "671b", G_GINT64_CONSTANT (404430188519), "deepseek2", "671B", 61, 128, 128, 7168, 163840 },
};

static void
model_clear (gpointer data)
{
  Model *model = data;

  g_free (model->name);
  g_free (model->family);
  g_free (model->parameter_size);
  g_free (model->quantization_level);
  g_strfreev (model->capabilities);
  g_free (model->digest);
  g_clear_pointer (&model->modified_at, g_date_time_unref);
}

static Model *
model_ref (Model *model)
{
  return g_rc_box_acquire (model);
}

static void
model_unref (Model *model)
{
  g_rc_box_release_full (model, model_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Model, model_unref)

/* "deepseek-r1" means "deepseek-r1:latest", as in Ollama. */
static char *
normalize_name (const char *name)
{
  const char *slash = strrchr (name, '/');
  const char *base = slash != NULL ? slash + 1 : name;

  if (strchr (base, ':') == NULL)
    return g_strconcat (name, ":latest", NULL);

  return g_strdup (name);
}

static gboolean
name_is_valid (const char *name)
{
  const char *base;

  if (name == NULL || *name == '\0' || *name == ':' || *name == '/' || *name == '.')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("._-:/", *p) == NULL)
        return FALSE;
    }

  base = strrchr (name, '/');
  base = base != NULL ? base + 1 : name;
  if (*base == '\0' || *base == ':' || g_str_has_suffix (name, ":"))
    return FALSE;

  return TRUE;
}

static gboolean
names_equal (const char *a,
             const char *b)
{
  g_autofree char *na = normalize_name (a);
  g_autofree char *nb = normalize_name (b);

  return g_ascii_strcasecmp (na, nb) == 0;
}

static const KnownModel *
lookup_known_model (const char *name)
{
  g_autofree char *normalized = normalize_name (name);
  const char *tag;

  if (g_str_has_prefix (normalized, "registry.ollama.ai/library/"))
    tag = normalized + strlen ("registry.ollama.ai/library/");
  else
    tag = normalized;

  if (!g_str_has_prefix (tag, "deepseek-r1:"))
    return NULL;
  tag += strlen ("deepseek-r1:");

  for (guint i = 0; i < G_N_ELEMENTS (known_models); i++)
    {
      if (g_str_equal (known_models[i].tag, tag))
        return &known_models[i];
    }

  return NULL;
}

static Model *
model_new (const char *name,
           GDateTime  *modified_at)
{
  Model *model = g_rc_box_new0 (Model);
  const KnownModel *known = lookup_known_model (name);
  g_autofree char *lower = g_ascii_strdown (name, -1);
  gboolean thinks = strstr (lower, "deepseek-r1") != NULL || strstr (lower, "qwen3") != NULL;

  model->name = normalize_name (name);
  model->size = known != NULL ? known->size : G_GINT64_CONSTANT (4683075271);
  model->family = g_strdup (known != NULL ? known->family : "llama");
  model->parameter_size = g_strdup (known != NULL ? known->parameter_size : "7.6B");
  model->quantization_level = g_strdup ("Q4_K_M");
  model->capabilities = thinks ? g_strsplit ("completion thinking", " ", -1)
                               : g_strsplit ("completion", " ", -1);
  model->block_count = known != NULL ? known->block_count : 32;
  model->head_count = known != NULL ? known->head_count : 32;
  model->head_count_kv = known != NULL ? known->head_count_kv : 8;
  model->embedding_length = known != NULL ? known->embedding_length : 4096;
  model->context_length = known != NULL ? known->context_length : 131072;
  model->size_vram = -1;
  model->digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, model->name, -1);
  model->modified_at = g_date_time_ref (modified_at);

  return model;
}

static gboolean
model_has_capability (Model      *model,
                      const char *capability)
{
  return g_strv_contains ((const char * const *) model->capabilities, capability);
}

/* }}} */
/* {{{ Go-compatible JSON output */

/* Go's encoding/json with its default HTML escaping: < > & U+2028 U+2029 as
 * \u escapes, \b \f \n \r \t short, other controls \u00XX, bad UTF-8 as
 * \ufffd. json-glib would write < > & as they are. */
static void
append_json_string (GString    *out,
                    const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const char *p = str;

  g_string_append_c (out, '"');

  while (*p != '\0')
    {
      guchar c = (guchar) *p;
      gunichar ch;

      if (c < 0x80)
        {
          switch (c)
            {
            case '"':
              g_string_append (out, "\\\"");
              break;

            case '\\':
              g_string_append (out, "\\\\");
              break;

            case '\b':
              g_string_append (out, "\\b");
              break;

            case '\f':
              g_string_append (out, "\\f");
              break;

            case '\n':
              g_string_append (out, "\\n");
              break;

            case '\r':
              g_string_append (out, "\\r");
              break;

            case '\t':
              g_string_append (out, "\\t");
              break;

            default:
              if (c < 0x20 || c == '<' || c == '>' || c == '&')
                {
                  g_string_append (out, "\\u00");
                  g_string_append_c (out, hex[c >> 4]);
                  g_string_append_c (out, hex[c & 0xf]);
                }
              else
                {
                  g_string_append_c (out, (char) c);
                }
              break;
            }

          p++;
          continue;
        }

      ch = g_utf8_get_char_validated (p, -1);
      if (ch == (gunichar) -1 || ch == (gunichar) -2)
        {
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }

      if (ch == 0x2028)
        g_string_append (out, "\\u2028");
      else if (ch == 0x2029)
        g_string_append (out, "\\u2029");
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);

      p = g_utf8_next_char (p);
    }

  g_string_append_c (out, '"');
}

static void
append_json_node (GString  *out,
                  JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        for (const GList *l = members; l != NULL; l = l->next)
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            append_json_string (out, l->data);
            g_string_append_c (out, ':');
            append_json_node (out, json_object_get_member (object, l->data));
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_json_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;

        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_string_append (out, g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
          }
          break;

        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;

        case G_TYPE_STRING:
          append_json_string (out, json_node_get_string (node));
          break;

        default:
          g_string_append (out, "null");
          break;
        }
      break;
    }
}

static char *
node_to_json (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  append_json_node (out, node);
  return g_string_free (out, FALSE);
}

static char *
object_to_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return node_to_json (node);
}

static GString *
string_take (char *str)
{
  GString *out = g_string_new (str);

  g_free (str);
  return out;
}

static char *
error_json (const char *message)
{
  GString *out = g_string_new ("{\"error\":");

  append_json_string (out, message);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static JsonNode *
node_deep_copy (JsonNode *node)
{
  if (node == NULL)
    return NULL;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(JsonObject) copy = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      for (const GList *l = members; l != NULL; l = l->next)
        json_object_set_member (copy, l->data,
                                node_deep_copy (json_object_get_member (object, l->data)));

      return json_node_init_object (json_node_alloc (), copy);
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_new ();
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        json_array_add_element (copy, node_deep_copy (json_array_get_element (array, i)));

      return json_node_init_array (json_node_alloc (), copy);
    }

  return json_node_copy (node);
}

/* Go's time.RFC3339Nano: fraction without trailing zeros, "Z" for UTC. */
static char *
format_time (GDateTime *time)
{
  g_autofree char *base = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  GString *out = g_string_new (base);
  int usec = g_date_time_get_microsecond (time);
  GTimeSpan offset = g_date_time_get_utc_offset (time);

  if (usec != 0)
    {
      char frac[8];

      g_snprintf (frac, sizeof frac, "%06d", usec);
      for (int i = 5; i > 0 && frac[i] == '0'; i--)
        frac[i] = '\0';
      g_string_append_printf (out, ".%s", frac);
    }

  if (offset == 0)
    {
      g_string_append_c (out, 'Z');
    }
  else
    {
      gint64 minutes = ABS (offset) / G_TIME_SPAN_MINUTE;

      g_string_append_printf (out, "%c%02d:%02d", offset < 0 ? '-' : '+',
                              (int) (minutes / 60), (int) (minutes % 60));
    }

  return g_string_free (out, FALSE);
}

static char *
format_now_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return format_time (now);
}

static char *
format_real_time_local (gint64 real_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (real_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) with_usec = g_date_time_add (utc, real_us % G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_local (with_usec);

  return format_time (local);
}

/* }}} */
/* {{{ Versions, durations */

static int
version_compare (const char *a,
                 const char *b)
{
  const char *pa = a;
  const char *pb = b;

  if (*pa == 'v')
    pa++;
  if (*pb == 'v')
    pb++;

  for (int i = 0; i < 3; i++)
    {
      char *end_a;
      char *end_b;
      guint64 va = g_ascii_strtoull (pa, &end_a, 10);
      guint64 vb = g_ascii_strtoull (pb, &end_b, 10);

      if (va != vb)
        return va < vb ? -1 : 1;

      pa = *end_a == '.' ? end_a + 1 : end_a;
      pb = *end_b == '.' ? end_b + 1 : end_b;
    }

  return 0;
}

/* Go's time.ParseDuration, enough of it: "10m", "1h30m", "-1s", "500ms". */
static gboolean
parse_go_duration (const char *str,
                   gint64     *out_us)
{
  const char *p = str;
  gboolean negative = FALSE;
  double total = 0;

  if (*p == '-' || *p == '+')
    negative = *p++ == '-';

  if (g_str_equal (p, "0"))
    {
      *out_us = 0;
      return TRUE;
    }

  if (*p == '\0')
    return FALSE;

  while (*p != '\0')
    {
      char *end;
      double value = g_ascii_strtod (p, &end);
      double unit;

      if (end == p)
        return FALSE;
      p = end;

      if (g_str_has_prefix (p, "ns"))
        unit = 0.001, p += 2;
      else if (g_str_has_prefix (p, "us"))
        unit = 1, p += 2;
      else if (g_str_has_prefix (p, "µs"))
        unit = 1, p += strlen ("µs");
      else if (g_str_has_prefix (p, "ms"))
        unit = 1000, p += 2;
      else if (*p == 's')
        unit = G_USEC_PER_SEC, p++;
      else if (*p == 'm')
        unit = G_TIME_SPAN_MINUTE, p++;
      else if (*p == 'h')
        unit = G_TIME_SPAN_HOUR, p++;
      else
        return FALSE;

      total += value * unit;
    }

  *out_us = (gint64) (negative ? -total : total);
  return TRUE;
}

/* keep_alive: a number of seconds or a duration string; negative = forever. */
static gint64
parse_keep_alive (JsonObject *request)
{
  JsonNode *node = json_object_get_member (request, "keep_alive");
  gint64 us;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return DEFAULT_KEEP_ALIVE_US;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node) * G_USEC_PER_SEC;

    case G_TYPE_DOUBLE:
      return (gint64) (json_node_get_double (node) * G_USEC_PER_SEC);

    case G_TYPE_STRING:
      {
        const char *str = json_node_get_string (node);
        char *end;
        double seconds = g_ascii_strtod (str, &end);

        if (parse_go_duration (str, &us))
          return us;
        if (end != str && *end == '\0')
          return (gint64) (seconds * G_USEC_PER_SEC);
      }
      return DEFAULT_KEEP_ALIVE_US;

    default:
      return DEFAULT_KEEP_ALIVE_US;
    }
}

/* }}} */
/* {{{ Scenario */

typedef enum
{
  THINKING_FIELD,
  THINKING_TAGS,
  THINKING_MIXED,
  THINKING_NONE,
} ThinkingForm;

static const char * const thinking_form_names[] = { "field", "tags", "mixed", "none", NULL };

typedef enum
{
  FAIL_NONE,
  FAIL_NOT_FOUND,
  FAIL_BAD_REQUEST,
  FAIL_SERVER_ERROR,
  FAIL_BUSY,
  FAIL_HTML,
  FAIL_GARBAGE,
  FAIL_HUGE_LINE,
  FAIL_ERROR_LINE,
  FAIL_DISCONNECT,
} FailMode;

static const char * const fail_names[] = {
  "none", "not_found", "bad_request", "server_error", "busy", "html", "garbage", "huge_line",
  "error_line", "disconnect", NULL
};

typedef enum {
  PULL_FAIL_NONE,
  PULL_FAIL_NOT_FOUND,
  PULL_FAIL_TOO_OLD,
  PULL_FAIL_NO_SPACE,
  PULL_FAIL_DISCONNECT,
} PullFailMode;

static const char * const pull_fail_names[] = {
  "none", "not_found", "too_old", "no_space", "disconnect", NULL
};

typedef struct
{
  char         *version;
  gint64        ready_delay_ms;
  GPtrArray    *models;                /* Model */
  GPtrArray    *pullable;              /* Model */
  double        pull_bytes_per_second;
  PullFailMode  pull_fail;
  double        pull_fail_at;          /* share of the weights on disk when a pull fails */
  gint64        pull_fail_times;

  ThinkingForm  thinking_form;
  gboolean      thinking_form_set;
  char         *reasoning;
  char         *answer;
  gint64        reasoning_tokens;
  gint64        answer_tokens;
  gint64        paragraph_tokens;      /* synthetic text: a blank line every N tokens; 0 = none */
  double        tokens_per_second;
  gint64        first_byte_delay_ms;
  FailMode      fail;
  gint64        fail_after_tokens;
  gint64        fail_times;
  char         *error_text;            /* NULL: the mode's own text */
} Scenario;

static void
scenario_free (Scenario *scenario)
{
  g_free (scenario->version);
  g_ptr_array_unref (scenario->models);
  g_ptr_array_unref (scenario->pullable);
  g_free (scenario->reasoning);
  g_free (scenario->answer);
  g_free (scenario->error_text);
  g_free (scenario);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scenario, scenario_free)

static gboolean
is_blank (const char *str)
{
  for (const char *p = str; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }

  return TRUE;
}

static JsonNode *
get_member (JsonObject *object,
            const char *key)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
}

static gboolean
read_int (JsonObject  *object,
          const char  *key,
          gint64       min,
          gint64      *value,
          GError     **error)
{
  JsonNode *node = get_member (object, key);
  gint64 v;

  if (node == NULL)
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      v = json_node_get_int (node);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE &&
           json_node_get_double (node) == floor (json_node_get_double (node)))
    {
      v = (gint64) json_node_get_double (node);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: \"%s\" must be an integer", key);
      return FALSE;
    }

  if (v < min)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: \"%s\" must be at least %" G_GINT64_FORMAT, key, min);
      return FALSE;
    }

  *value = v;
  return TRUE;
}

static gboolean
read_double (JsonObject  *object,
             const char  *key,
             double      *value,
             GError     **error)
{
  JsonNode *node = get_member (object, key);
  GType type;

  if (node == NULL)
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if ((type != G_TYPE_INT64 && type != G_TYPE_DOUBLE) || json_node_get_double (node) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: \"%s\" must be a number of at least 0", key);
      return FALSE;
    }

  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *key,
             char       **value,
             GError     **error)
{
  JsonNode *node = get_member (object, key);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: \"%s\" must be a string", key);
      return FALSE;
    }

  g_free (*value);
  *value = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_enum (JsonObject         *object,
           const char         *key,
           const char * const *names,
           int                *value,
           gboolean           *was_set,
           GError            **error)
{
  g_autofree char *str = NULL;

  if (!read_string (object, key, &str, error))
    return FALSE;

  if (str == NULL)
    return TRUE;

  for (int i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], str))
        {
          *value = i;
          if (was_set != NULL)
            *was_set = TRUE;
          return TRUE;
        }
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "Scenario: \"%s\" has an unknown value \"%s\"", key, str);
  return FALSE;
}

static Model *
model_new_from_json (JsonNode   *node,
                     GDateTime  *modified_at,
                     GError    **error)
{
  g_autoptr(Model) model = NULL;
  JsonObject *object;
  const char *name;
  JsonNode *caps;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return model_new (json_node_get_string (node), modified_at);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Scenario: a model must be a name or an object");
      return NULL;
    }

  object = json_node_get_object (node);
  name = json_object_get_string_member_with_default (object, "name", NULL);
  if (!name_is_valid (name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: model name \"%s\" is missing or invalid", name ? name : "");
      return NULL;
    }

  model = model_new (name, modified_at);

  if (!read_int (object, "size", 0, &model->size, error) ||
      !read_string (object, "family", &model->family, error) ||
      !read_string (object, "parameter_size", &model->parameter_size, error) ||
      !read_string (object, "quantization_level", &model->quantization_level, error) ||
      !read_int (object, "block_count", 1, &model->block_count, error) ||
      !read_int (object, "head_count", 1, &model->head_count, error) ||
      !read_int (object, "head_count_kv", 1, &model->head_count_kv, error) ||
      !read_int (object, "embedding_length", 1, &model->embedding_length, error) ||
      !read_int (object, "context_length", 1, &model->context_length, error) ||
      !read_int (object, "size_vram", -1, &model->size_vram, error) ||
      !read_string (object, "digest", &model->digest, error))
    return NULL;

  if ((caps = get_member (object, "capabilities")) != NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (caps))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Scenario: \"capabilities\" must be an array of strings");
          return NULL;
        }

      array = json_node_get_array (caps);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *cap = json_array_get_string_element (array, i);

          if (cap != NULL)
            g_strv_builder_add (builder, cap);
        }

      g_strfreev (model->capabilities);
      model->capabilities = g_strv_builder_end (builder);
    }

  return g_steal_pointer (&model);
}

static GPtrArray *
models_from_json (JsonObject  *object,
                  const char  *key,
                  GPtrArray   *defaults,
                  GDateTime   *modified_at,
                  GError     **error)
{
  g_autoptr(GPtrArray) models = NULL;
  JsonNode *node = get_member (object, key);
  JsonArray *array;

  if (node == NULL)
    return g_ptr_array_ref (defaults);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Scenario: \"%s\" must be an array", key);
      return NULL;
    }

  models = g_ptr_array_new_with_free_func ((GDestroyNotify) model_unref);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      Model *model = model_new_from_json (json_array_get_element (array, i), modified_at, error);

      if (model == NULL)
        return NULL;
      g_ptr_array_add (models, model);
    }

  return g_steal_pointer (&models);
}

static Scenario *
scenario_new (GDateTime *epoch)
{
  Scenario *scenario = g_new0 (Scenario, 1);

  scenario->version = g_strdup (DEFAULT_VERSION);
  scenario->models = g_ptr_array_new_with_free_func ((GDestroyNotify) model_unref);
  g_ptr_array_add (scenario->models, model_new (DEFAULT_MODEL, epoch));
  scenario->pullable = g_ptr_array_new_with_free_func ((GDestroyNotify) model_unref);
  g_ptr_array_add (scenario->pullable, model_new (DEFAULT_PULLABLE, epoch));
  scenario->thinking_form = THINKING_FIELD;
  scenario->reasoning = g_strdup (DEFAULT_REASONING);
  scenario->answer = g_strdup (DEFAULT_ANSWER);
  scenario->fail = FAIL_NONE;
  scenario->fail_after_tokens = 5;
  scenario->fail_times = -1;
  scenario->pull_fail = PULL_FAIL_NONE;
  scenario->pull_fail_at = 0.5;
  scenario->pull_fail_times = -1;

  return scenario;
}

static Scenario *
scenario_new_from_json (const char  *json,
                        GDateTime   *epoch,
                        GError     **error)
{
  g_autoptr(Scenario) scenario = scenario_new (epoch);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) pullable = NULL;
  JsonObject *root;
  JsonNode *chat_node;
  int form = scenario->thinking_form;
  int fail = scenario->fail;
  int pull_fail = scenario->pull_fail;

  if (json == NULL || is_blank (json))
    return g_steal_pointer (&scenario);

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, json, -1, error))
    {
      g_prefix_error (error, "Scenario: ");
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Scenario: the scenario must be a JSON object");
      return NULL;
    }

  root = json_node_get_object (json_parser_get_root (parser));

  if (!read_string (root, "version", &scenario->version, error) ||
      !read_int (root, "ready_delay_ms", 0, &scenario->ready_delay_ms, error) ||
      !read_double (root, "pull_bytes_per_second", &scenario->pull_bytes_per_second, error) ||
      !read_enum (root, "pull_fail", pull_fail_names, &pull_fail, NULL, error) ||
      !read_double (root, "pull_fail_at", &scenario->pull_fail_at, error) ||
      !read_int (root, "pull_fail_times", -1, &scenario->pull_fail_times, error))
    return NULL;
  scenario->pull_fail = pull_fail;
  scenario->pull_fail_at = CLAMP (scenario->pull_fail_at, 0.0, 1.0);

  if (!(models = models_from_json (root, "models", scenario->models, epoch, error)) ||
      !(pullable = models_from_json (root, "pullable", scenario->pullable, epoch, error)))
    return NULL;
  g_ptr_array_unref (scenario->models);
  scenario->models = g_steal_pointer (&models);
  g_ptr_array_unref (scenario->pullable);
  scenario->pullable = g_steal_pointer (&pullable);

  chat_node = get_member (root, "chat");
  if (chat_node != NULL)
    {
      JsonObject *chat;

      if (!JSON_NODE_HOLDS_OBJECT (chat_node))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Scenario: \"chat\" must be an object");
          return NULL;
        }

      chat = json_node_get_object (chat_node);
      if (!read_enum (chat, "thinking_form", thinking_form_names, &form,
                      &scenario->thinking_form_set, error) ||
          !read_string (chat, "reasoning", &scenario->reasoning, error) ||
          !read_string (chat, "answer", &scenario->answer, error) ||
          !read_int (chat, "reasoning_tokens", 0, &scenario->reasoning_tokens, error) ||
          !read_int (chat, "answer_tokens", 0, &scenario->answer_tokens, error) ||
          !read_int (chat, "paragraph_tokens", 0, &scenario->paragraph_tokens, error) ||
          !read_double (chat, "tokens_per_second", &scenario->tokens_per_second, error) ||
          !read_int (chat, "first_byte_delay_ms", 0, &scenario->first_byte_delay_ms, error) ||
          !read_enum (chat, "fail", fail_names, &fail, NULL, error) ||
          !read_int (chat, "fail_after_tokens", 0, &scenario->fail_after_tokens, error) ||
          !read_int (chat, "fail_times", -1, &scenario->fail_times, error) ||
          !read_string (chat, "error_text", &scenario->error_text, error))
        return NULL;

      scenario->thinking_form = form;
      scenario->fail = fail;
    }

  return g_steal_pointer (&scenario);
}

/* }}} */
/* {{{ Object */

typedef struct _Exchange Exchange;
typedef void (*ExchangeStep) (Exchange *ex);

struct _DslOllamaDouble
{
  GObject     parent_instance;

  SoupServer *server;
  guint16     port;
  char       *url_host;
  gboolean    loopback_only;

  GDateTime  *epoch;
  Scenario   *scenario;
  gint64      ready_at;           /* monotonic */
  gint64      chat_failures;
  gint64      pull_failures;
  GHashTable *pull_partial;       /* normalized name → gint64* bytes already on disk */

  Model      *loaded;             /* what /api/ps shows */
  gint64      loaded_context_length;
  gint64      loaded_expires_at;  /* real time, G_MAXINT64 = forever */

  GPtrArray  *requests;           /* JsonObject, the recorded requests */
  GQueue      exchanges;          /* Exchange, the requests still running */
};

G_DEFINE_FINAL_TYPE (DslOllamaDouble, dsl_ollama_double, G_TYPE_OBJECT)

enum {
  REQUEST_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* }}} */
/* {{{ Exchanges: one running request */

typedef struct
{
  char   *thinking;
  char   *content;
  guint   n_tokens;
} ChatChunk;

typedef struct
{
  char      *model;            /* as the client spelled it */
  Model     *entry;
  gboolean   stream;
  gboolean   load_only;        /* empty messages: just load the model */
  GPtrArray *chunks;           /* ChatChunk */
  guint      next;
  guint      total_tokens;
  guint      emitted_tokens;
  gboolean   truncated;        /* hit num_predict */
  double     rate;
  FailMode   fail;
  gint64     fail_after;
  char      *error_text;
  gint64     prompt_eval_count;
  gint64     num_ctx;
  gint64     keep_alive_us;
  gint64     gen_start;        /* monotonic, first token */
  GString   *all_thinking;     /* stream:false */
  GString   *all_content;
} ChatState;

typedef struct
{
  char        *name;             /* as the client spelled it */
  Model       *model;            /* NULL: not in the registry */
  gboolean     installed;
  gboolean     stream;
  double       rate;
  PullFailMode fail;             /* NONE unless this pull is one of the failing ones */
  guint        layer;
  gboolean     layer_started;
  gint64       layer_start_bytes;
  gint64       layer_start_time; /* monotonic */
  gint64       sizes[5];
  char        *digests[5];
} PullState;

struct _Exchange
{
  DslOllamaDouble   *self;
  SoupServerMessage *msg;
  JsonObject        *record;
  char              *method;
  char              *path;
  JsonNode          *body;
  gint64             arrived;        /* monotonic */

  gulong             finished_handler;
  gulong             wrote_chunk_handler;
  gulong             wrote_body_handler;
  GSource           *watch;
  guint              timer_id;
  ExchangeStep       step;
  ExchangeStep       drain_step;

  guint              n_appended;
  guint              n_written;
  guint              wrote_body : 1;
  guint              done : 1;
  guint              client_gone : 1;
  guint              server_closed : 1;
  guint              can_steal : 1;

  ChatState         *chat;
  PullState         *pull;
};

static void
chat_chunk_free (gpointer data)
{
  ChatChunk *chunk = data;

  g_free (chunk->thinking);
  g_free (chunk->content);
  g_free (chunk);
}

static void
chat_state_free (ChatState *chat)
{
  g_free (chat->model);
  g_clear_pointer (&chat->entry, model_unref);
  g_clear_pointer (&chat->chunks, g_ptr_array_unref);
  g_free (chat->error_text);
  if (chat->all_thinking != NULL)
    g_string_free (chat->all_thinking, TRUE);
  if (chat->all_content != NULL)
    g_string_free (chat->all_content, TRUE);
  g_free (chat);
}

static void
pull_state_free (PullState *pull)
{
  g_free (pull->name);
  g_clear_pointer (&pull->model, model_unref);
  for (guint i = 0; i < G_N_ELEMENTS (pull->digests); i++)
    g_free (pull->digests[i]);
  g_free (pull);
}

static void
exchange_disconnect (Exchange *ex)
{
  g_clear_signal_handler (&ex->finished_handler, ex->msg);
  g_clear_signal_handler (&ex->wrote_chunk_handler, ex->msg);
  g_clear_signal_handler (&ex->wrote_body_handler, ex->msg);
  g_clear_handle_id (&ex->timer_id, g_source_remove);
  if (ex->watch != NULL)
    {
      g_source_destroy (ex->watch);
      g_clear_pointer (&ex->watch, g_source_unref);
    }
}

static void
exchange_free (Exchange *ex)
{
  exchange_disconnect (ex);
  g_clear_object (&ex->msg);
  g_clear_pointer (&ex->record, json_object_unref);
  g_free (ex->method);
  g_free (ex->path);
  g_clear_pointer (&ex->body, json_node_unref);
  g_clear_pointer (&ex->chat, chat_state_free);
  g_clear_pointer (&ex->pull, pull_state_free);
  g_free (ex);
}

/* The end of every exchange, whichever way it ends. Frees @ex. */
static void
exchange_finish (Exchange *ex)
{
  g_autoptr(DslOllamaDouble) self = g_object_ref (ex->self);
  g_autofree char *path = g_strdup (ex->path);

  if (ex->done)
    return;

  ex->done = TRUE;
  exchange_disconnect (ex);

  /* libsoup says "finished" for a completed reply and for a client that went
   * away alike; only a reply whose last byte was written is complete. */
  if (!ex->wrote_body && !ex->server_closed)
    ex->client_gone = TRUE;

  json_object_set_boolean_member (ex->record, "finished", TRUE);
  json_object_set_boolean_member (ex->record, "client_disconnected", ex->client_gone);
  json_object_set_int_member (ex->record, "chunks_sent", ex->n_written);

  g_queue_remove (&self->exchanges, ex);
  exchange_free (ex);

  g_signal_emit (self, signals[REQUEST_FINISHED], 0, path);
}

static void
msg_finished_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  exchange_finish (user_data);
}

static void
msg_wrote_body_cb (SoupServerMessage *msg,
                   gpointer           user_data)
{
  Exchange *ex = user_data;

  ex->wrote_body = TRUE;
}

static gboolean
exchange_timer_cb (gpointer user_data)
{
  Exchange *ex = user_data;
  ExchangeStep step = ex->step;

  g_assert (step != NULL);

  ex->timer_id = 0;
  ex->step = NULL;
  step (ex);   /* may free @ex */

  return G_SOURCE_REMOVE;
}

static void
ex_schedule (Exchange     *ex,
             gint64        delay_ms,
             ExchangeStep  step)
{
  g_assert (!ex->done);
  g_assert (ex->timer_id == 0);

  ex->step = step;
  /* Default priority, not idle: in a UI test the double shares the main loop with GTK, whose
   * frames (a spinner keeps them coming) would starve an idle source for seconds. */
  if (delay_ms <= 0)
    ex->timer_id = g_idle_add_full (G_PRIORITY_DEFAULT, exchange_timer_cb, ex, NULL);
  else
    ex->timer_id = g_timeout_add ((guint) MIN (delay_ms, G_MAXUINT), exchange_timer_cb, ex);
}

static void
msg_wrote_chunk_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Exchange *ex = user_data;

  ex->n_written++;
  json_object_set_int_member (ex->record, "chunks_sent", ex->n_written);

  if (ex->drain_step != NULL && ex->n_appended - ex->n_written <= HIGH_WATER / 2)
    {
      ExchangeStep step = ex->drain_step;

      ex->drain_step = NULL;
      ex_schedule (ex, 0, step);
    }
}

static void
ex_stop_watch (Exchange *ex)
{
  if (ex->watch != NULL)
    {
      g_source_destroy (ex->watch);
      g_clear_pointer (&ex->watch, g_source_unref);
    }
}

/* Ends the exchange by closing its TCP connection: no terminating chunk, so a
 * client sees a truncated reply. Frees @ex, or leaves it to libsoup's
 * "finished" when the connection cannot be stolen. */
static void
ex_close_connection (Exchange *ex,
                     gboolean  by_client)
{
  g_autoptr(GIOStream) stream = NULL;
  GSocket *socket = soup_server_message_get_socket (ex->msg);

  g_assert (!ex->done);

  if (by_client)
    ex->client_gone = TRUE;
  else
    ex->server_closed = TRUE;

  if (socket != NULL)
    {
      /* libsoup 3.2's client takes an EOF between two chunks for a clean
       * end, so cut the stream inside a chunk, as a crash mid-write would. */
      if (!by_client && ex->n_written > 0)
        {
          static const char partial[] = "7f\r\n{\"model\":\"";

          g_socket_send_with_blocking (socket, partial, strlen (partial), FALSE, NULL, NULL);
        }

      /* Freeing libsoup's chunked body stream closes it, which writes the
       * terminating chunk: shut the socket for writing first. */
      g_socket_shutdown (socket, !ex->can_steal, TRUE, NULL);
    }

  if (!ex->can_steal)
    {
      /* Let libsoup find out when it writes, and say "finished". */
      g_clear_handle_id (&ex->timer_id, g_source_remove);
      ex->drain_step = NULL;
      ex_stop_watch (ex);
      if (soup_server_message_get_status (ex->msg) == 0)
        soup_server_message_set_status (ex->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_message_body_complete (soup_server_message_get_response_body (ex->msg));
      soup_server_message_unpause (ex->msg);
      return;
    }

  /* Stealing says nothing to our handlers, and must not: we finish below. */
  g_clear_signal_handler (&ex->finished_handler, ex->msg);
  g_clear_signal_handler (&ex->wrote_chunk_handler, ex->msg);
  g_clear_signal_handler (&ex->wrote_body_handler, ex->msg);

  stream = soup_server_message_steal_connection (ex->msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);

  exchange_finish (ex);
}

static gboolean
socket_watch_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  Exchange *ex = user_data;
  char byte;
  gssize n;

  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&ex->watch, g_source_unref);

  /* Bytes: a pipelined request, not ours to judge. */
  if (n > 0)
    return G_SOURCE_REMOVE;

  g_debug ("Client of %s %s went away (%s)", ex->method, ex->path,
           n == 0 ? "EOF" : g_strerror (errno));
  ex_close_connection (ex, TRUE);
  return G_SOURCE_REMOVE;
}

static void
ex_watch (Exchange *ex)
{
  GSocket *socket = soup_server_message_get_socket (ex->msg);

  if (socket == NULL || ex->watch != NULL)
    return;

  ex->watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (ex->watch, G_SOURCE_FUNC (socket_watch_cb), ex, NULL);
  g_source_attach (ex->watch, NULL);
}

static void
ex_respond (Exchange   *ex,
            guint       status,
            const char *content_type,
            char       *body)
{
  g_assert (!ex->done);

  ex_stop_watch (ex);
  soup_server_message_set_status (ex->msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (ex->msg, content_type, SOUP_MEMORY_TAKE,
                                      body, strlen (body));
  soup_server_message_unpause (ex->msg);
}

static void
ex_respond_json (Exchange *ex,
                 guint     status,
                 char     *json)
{
  ex_respond (ex, status, "application/json; charset=utf-8", json);
}

static void ex_respond_error (Exchange   *ex,
                              guint       status,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

static void
ex_respond_error (Exchange   *ex,
                  guint       status,
                  const char *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  ex_respond_json (ex, status, error_json (message));
}

static void
ex_begin_stream (Exchange *ex)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (ex->msg);

  soup_server_message_set_status (ex->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (headers, "application/x-ndjson", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (ex->msg), FALSE);
}

/* Sends one NDJSON line (the newline is added here); takes @line. */
static void
ex_send_line (Exchange *ex,
              GString  *line)
{
  gsize len;

  g_assert (!ex->done);

  g_string_append_c (line, '\n');
  len = line->len;
  soup_message_body_append (soup_server_message_get_response_body (ex->msg),
                            SOUP_MEMORY_TAKE, g_string_free (line, FALSE), len);
  ex->n_appended++;
  soup_server_message_unpause (ex->msg);
}

static void
ex_end_stream (Exchange *ex)
{
  g_assert (!ex->done);

  ex_stop_watch (ex);
  soup_message_body_complete (soup_server_message_get_response_body (ex->msg));
  soup_server_message_unpause (ex->msg);
}

static gboolean
ex_backed_up (Exchange *ex)
{
  return ex->n_appended - ex->n_written >= HIGH_WATER;
}

/* Requires a JSON object body, else answers 400 like Ollama. */
static JsonObject *
ex_require_object (Exchange   *ex,
                   const char *go_type)
{
  SoupMessageBody *body = soup_server_message_get_request_body (ex->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  if (*g_strstrip (text) == '\0')
    {
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "missing request body");
      return NULL;
    }

  /* Go's encoding/json words, roughly. */
  if (ex->body == NULL)
    {
      if (text[0] == '{' || text[0] == '[')
        ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "unexpected EOF");
      else
        ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST,
                          "invalid character '%c' looking for beginning of value", text[0]);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (ex->body))
    {
      const char *kind = JSON_NODE_HOLDS_ARRAY (ex->body) ? "array" : "value";

      if (JSON_NODE_HOLDS_VALUE (ex->body))
        {
          GType type = json_node_get_value_type (ex->body);

          kind = type == G_TYPE_STRING ? "string" : type == G_TYPE_BOOLEAN ? "bool" : "number";
        }

      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST,
                        "json: cannot unmarshal %s into Go value of type %s", kind, go_type);
      return NULL;
    }

  return json_node_get_object (ex->body);
}

static const char *
get_string (JsonObject *object,
            const char *key)
{
  JsonNode *node = get_member (object, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);

  return NULL;
}

/* "model", or the deprecated "name". */
static const char *
get_model_name (JsonObject *object)
{
  const char *model = get_string (object, "model");

  if (model != NULL && *model != '\0')
    return model;

  model = get_string (object, "name");
  return model != NULL ? model : "";
}

static gboolean
get_bool (JsonObject *object,
          const char *key,
          gboolean    default_value)
{
  JsonNode *node = get_member (object, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);

  return default_value;
}

static gint64
get_option_int (JsonObject *request,
                const char *key,
                gint64      default_value)
{
  JsonNode *options = get_member (request, "options");
  JsonNode *node;

  if (options == NULL || !JSON_NODE_HOLDS_OBJECT (options))
    return default_value;

  node = get_member (json_node_get_object (options), key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return default_value;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);

  return default_value;
}

/* }}} */
/* {{{ State helpers */

static gboolean
version_at_least (DslOllamaDouble *self,
                  const char      *version)
{
  return version_compare (self->scenario->version, version) >= 0;
}

static Model *
find_model (GPtrArray  *models,
            const char *name,
            guint      *index)
{
  for (guint i = 0; i < models->len; i++)
    {
      Model *model = g_ptr_array_index (models, i);

      if (names_equal (model->name, name))
        {
          if (index != NULL)
            *index = i;
          return model;
        }
    }

  return NULL;
}

static void
unload_model (DslOllamaDouble *self)
{
  g_clear_pointer (&self->loaded, model_unref);
}

static void
load_model (DslOllamaDouble *self,
            Model           *model,
            gint64           num_ctx,
            gint64           keep_alive_us)
{
  if (self->loaded != model)
    {
      unload_model (self);
      self->loaded = model_ref (model);
    }

  self->loaded_context_length = num_ctx;
  if (keep_alive_us < 0)
    self->loaded_expires_at = G_MAXINT64;
  else
    self->loaded_expires_at = g_get_real_time () + keep_alive_us;
}

static JsonObject *
details_object (Model    *model,
                gboolean  with_context_length)
{
  JsonObject *details = json_object_new ();
  JsonArray *families = json_array_new ();

  json_array_add_string_element (families, model->family);
  json_object_set_string_member (details, "parent_model", "");
  json_object_set_string_member (details, "format", "gguf");
  json_object_set_string_member (details, "family", model->family);
  json_object_set_array_member (details, "families", families);
  json_object_set_string_member (details, "parameter_size", model->parameter_size);
  json_object_set_string_member (details, "quantization_level", model->quantization_level);
  if (with_context_length)
    json_object_set_int_member (details, "context_length", model->context_length);

  return details;
}

static JsonArray *
capabilities_array (Model *model)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; model->capabilities[i] != NULL; i++)
    json_array_add_string_element (array, model->capabilities[i]);

  return array;
}

/* "8.2B" → 8200000000 */
static gint64
parameter_count (const char *parameter_size)
{
  char *end;
  double value = g_ascii_strtod (parameter_size, &end);

  switch (g_ascii_toupper (*end))
    {
    case 'T':
      return (gint64) llround (value * 1e12);
    case 'B':
      return (gint64) llround (value * 1e9);
    case 'M':
      return (gint64) llround (value * 1e6);
    case 'K':
      return (gint64) llround (value * 1e3);
    default:
      return (gint64) llround (value);
    }
}

/* Go writes map keys sorted. */
static JsonObject *
sorted_object (JsonObject *object)
{
  JsonObject *sorted = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (object);

  members = g_list_sort (members, (GCompareFunc) strcmp);
  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_member (sorted, l->data,
                            json_node_copy (json_object_get_member (object, l->data)));

  return sorted;
}

/* }}} */
/* {{{ Simple endpoints */

static void
handle_root (Exchange *ex)
{
  ex_respond (ex, SOUP_STATUS_OK, "text/plain; charset=utf-8", g_strdup ("Ollama is running"));
}

static void
handle_version (Exchange *ex)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "version", ex->self->scenario->version);
  ex_respond_json (ex, SOUP_STATUS_OK, object_to_json (object));
}

static void
handle_tags (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *models = json_array_new ();
  gboolean newer = version_at_least (self, VERSION_TAGS_CAPS);

  for (guint i = 0; i < self->scenario->models->len; i++)
    {
      Model *model = g_ptr_array_index (self->scenario->models, i);
      JsonObject *entry = json_object_new ();
      g_autofree char *modified_at = format_time (model->modified_at);

      json_object_set_string_member (entry, "name", model->name);
      json_object_set_string_member (entry, "model", model->name);
      json_object_set_string_member (entry, "modified_at", modified_at);
      json_object_set_int_member (entry, "size", model->size);
      json_object_set_string_member (entry, "digest", model->digest);
      json_object_set_object_member (entry, "details", details_object (model, newer));
      if (newer)
        json_object_set_array_member (entry, "capabilities", capabilities_array (model));
      json_array_add_object_element (models, entry);
    }

  json_object_set_array_member (object, "models", models);
  ex_respond_json (ex, SOUP_STATUS_OK, object_to_json (object));
}

static void
handle_ps (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *models = json_array_new ();

  if (self->loaded != NULL && g_get_real_time () >= self->loaded_expires_at)
    unload_model (self);

  if (self->loaded != NULL)
    {
      Model *model = self->loaded;
      JsonObject *entry = json_object_new ();
      g_autofree char *expires_at = NULL;

      if (self->loaded_expires_at == G_MAXINT64)
        {
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();
          g_autoptr(GDateTime) forever = g_date_time_add_years (now, 292);

          expires_at = format_time (forever);
        }
      else
        {
          expires_at = format_real_time_local (self->loaded_expires_at);
        }

      json_object_set_string_member (entry, "name", model->name);
      json_object_set_string_member (entry, "model", model->name);
      json_object_set_int_member (entry, "size", model->size);
      json_object_set_string_member (entry, "digest", model->digest);
      json_object_set_object_member (entry, "details", details_object (model, FALSE));
      json_object_set_string_member (entry, "expires_at", expires_at);
      json_object_set_int_member (entry, "size_vram",
                                  model->size_vram < 0 ? model->size : model->size_vram);
      json_object_set_int_member (entry, "context_length", self->loaded_context_length);
      json_array_add_object_element (models, entry);
    }

  json_object_set_array_member (object, "models", models);
  ex_respond_json (ex, SOUP_STATUS_OK, object_to_json (object));
}

static void
handle_show (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonObject) info = json_object_new ();
  g_autofree char *modified_at = NULL;
  g_autofree char *modelfile = NULL;
  JsonObject *request;
  const char *name;
  gboolean deepseek;
  Model *model;

  if ((request = ex_require_object (ex, "api.ShowRequest")) == NULL)
    return;

  name = get_model_name (request);
  if (*name == '\0')
    {
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "model is required");
      return;
    }

  model = find_model (self->scenario->models, name, NULL);
  if (model == NULL)
    {
      ex_respond_error (ex, SOUP_STATUS_NOT_FOUND, "model '%s' not found", name);
      return;
    }

  deepseek = strstr (model->name, "deepseek-r1") != NULL;
  modified_at = format_time (model->modified_at);
  modelfile = g_strdup_printf ("# Modelfile generated by \"ollama show\"\n"
                               "# To build a new Modelfile based on this, replace FROM with:\n"
                               "# FROM %s\n\n"
                               "FROM /usr/share/ollama/.ollama/models/blobs/sha256-%s\n",
                               model->name, model->digest);

  json_object_set_string_member (object, "license",
                                 "MIT License\n\nCopyright (c) 2023 DeepSeek\n\n"
                                 "Permission is hereby granted, free of charge, to any person "
                                 "obtaining a copy of this software.\n");
  json_object_set_string_member (object, "modelfile", modelfile);
  json_object_set_string_member (object, "parameters",
                                 deepseek ? DEEPSEEK_PARAMETERS : OTHER_PARAMETERS);
  json_object_set_string_member (object, "template",
                                 deepseek ? DEEPSEEK_TEMPLATE : "{{ .Prompt }}");
  json_object_set_object_member (object, "details", details_object (model, FALSE));

  json_object_set_string_member (info, "general.architecture", model->family);
  json_object_set_int_member (info, "general.file_type", 15);
  json_object_set_int_member (info, "general.parameter_count",
                              parameter_count (model->parameter_size));
  json_object_set_int_member (info, "general.quantization_version", 2);
#define SET_INFO(key, value) \
  G_STMT_START { \
    g_autofree char *full_key = g_strconcat (model->family, key, NULL); \
    json_object_set_int_member (info, full_key, value); \
  } G_STMT_END
  SET_INFO (".block_count", model->block_count);
  SET_INFO (".attention.head_count", model->head_count);
  SET_INFO (".attention.head_count_kv", model->head_count_kv);
  SET_INFO (".embedding_length", model->embedding_length);
  SET_INFO (".context_length", model->context_length);
#undef SET_INFO
  json_object_set_object_member (object, "model_info", sorted_object (info));

  if (version_at_least (self, VERSION_SHOW_CAPS))
    json_object_set_array_member (object, "capabilities", capabilities_array (model));
  json_object_set_string_member (object, "modified_at", modified_at);

  ex_respond_json (ex, SOUP_STATUS_OK, object_to_json (object));
}

static void
handle_delete (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  JsonObject *request;
  const char *name;
  guint index;

  if ((request = ex_require_object (ex, "api.DeleteRequest")) == NULL)
    return;

  name = get_model_name (request);
  if (!name_is_valid (name))
    {
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "name \"%s\" is invalid", name);
      return;
    }

  if (find_model (self->scenario->models, name, &index) == NULL)
    {
      ex_respond_error (ex, SOUP_STATUS_NOT_FOUND, "model '%s' not found", name);
      return;
    }

  if (self->loaded != NULL && names_equal (self->loaded->name, name))
    unload_model (self);

  g_ptr_array_remove_index (self->scenario->models, index);
  ex_respond (ex, SOUP_STATUS_OK, NULL, NULL);
}

/* }}} */
/* {{{ /api/pull */

static GString *
progress_line (const char *status,
               const char *digest,
               gint64      total,
               gint64      completed)
{
  GString *line = g_string_new ("{\"status\":");

  append_json_string (line, status);
  if (digest != NULL)
    {
      g_string_append (line, ",\"digest\":\"sha256:");
      g_string_append (line, digest);
      g_string_append_c (line, '"');
    }
  if (total != 0)
    g_string_append_printf (line, ",\"total\":%" G_GINT64_FORMAT, total);
  if (completed != 0)
    g_string_append_printf (line, ",\"completed\":%" G_GINT64_FORMAT, completed);
  g_string_append_c (line, '}');

  return line;
}

static void
pull_send (Exchange *ex,
           GString  *line)
{
  if (ex->pull->stream)
    ex_send_line (ex, line);
  else
    g_string_free (line, TRUE);
}

static void
pull_send_layer (Exchange *ex,
                 gint64    completed)
{
  PullState *pull = ex->pull;
  g_autofree char *status = g_strdup_printf ("pulling %.12s", pull->digests[pull->layer]);

  pull_send (ex, progress_line (status, pull->digests[pull->layer],
                                pull->sizes[pull->layer], completed));
}

/* Cuts the connection once the lines already sent are on the wire: the client saw them. */
static void
pull_cut (Exchange *ex)
{
  if (ex->n_written < ex->n_appended)
    {
      ex_schedule (ex, MIN_TICK_MS, pull_cut);
      return;
    }

  ex_close_connection (ex, FALSE);
}

/* Ends a pull that fails in the middle of the weights, once pull_fail_at of them is on disk
 * (kept as partial, so that the next pull resumes). Returns whether it did. */
static gboolean
pull_fail_midway (Exchange *ex,
                  gint64    completed)
{
  DslOllamaDouble *self = ex->self;
  PullState *pull = ex->pull;
  g_autofree char *key = normalize_name (pull->name);
  g_autofree char *text = NULL;
  gint64 fail_at = (gint64) (self->scenario->pull_fail_at * pull->sizes[0]);

  if ((pull->fail != PULL_FAIL_NO_SPACE && pull->fail != PULL_FAIL_DISCONNECT) ||
      completed < fail_at)
    return FALSE;

  g_hash_table_insert (self->pull_partial, g_strdup (key),
                       g_memdup2 (&completed, sizeof completed));

  if (pull->fail == PULL_FAIL_DISCONNECT)
    {
      /* As a crash or a dropped network would: the stream stops inside a chunk. */
      pull_cut (ex);
      return TRUE;
    }

  text = g_strdup_printf (PULL_NO_SPACE_FORMAT, pull->digests[0]);
  if (pull->stream)
    {
      ex_send_line (ex, string_take (error_json (text)));
      ex_end_stream (ex);
    }
  else
    {
      ex_respond_json (ex, SOUP_STATUS_INTERNAL_SERVER_ERROR, error_json (text));
    }

  return TRUE;
}

static void
pull_pump (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  PullState *pull = ex->pull;
  g_autofree char *key = normalize_name (pull->name);
  gint64 *partial = g_hash_table_lookup (self->pull_partial, key);

  /* The weights download over time; everything else is one line. */
  if (pull->layer == 0 && !pull->installed && pull->rate > 0)
    {
      gint64 total = pull->sizes[0];
      gint64 completed;

      if (!pull->layer_started)
        {
          pull->layer_started = TRUE;
          pull->layer_start_bytes = partial != NULL ? MIN (*partial, total) : 0;
          pull->layer_start_time = g_get_monotonic_time ();
          pull_send_layer (ex, pull->layer_start_bytes);
          ex_schedule (ex, PULL_TICK_MS, pull_pump);
          return;
        }

      completed = pull->layer_start_bytes +
                  (gint64) (pull->rate * (g_get_monotonic_time () - pull->layer_start_time) /
                            G_USEC_PER_SEC);
      completed = MIN (completed, total);
      if (pull->fail != PULL_FAIL_NONE)
        completed = MIN (completed, MAX (pull->layer_start_bytes,
                                         (gint64) (self->scenario->pull_fail_at * total)));
      g_hash_table_insert (self->pull_partial, g_strdup (key), g_memdup2 (&completed,
                                                                          sizeof completed));
      pull_send_layer (ex, completed);
      if (pull_fail_midway (ex, completed))
        return;
      if (completed < total)
        {
          ex_schedule (ex, PULL_TICK_MS, pull_pump);
          return;
        }

      pull->layer++;
    }
  else if (pull->layer == 0 && !pull->installed)
    {
      /* Instant: what is already on disk, then (below) all of it. */
      gint64 completed = partial != NULL ? MIN (*partial, pull->sizes[0]) : 0;

      if (pull->fail != PULL_FAIL_NONE)
        completed = MAX (completed, (gint64) (self->scenario->pull_fail_at * pull->sizes[0]));
      pull_send_layer (ex, completed);
      if (pull_fail_midway (ex, completed))
        return;
    }

  for (; pull->layer < G_N_ELEMENTS (pull->sizes); pull->layer++)
    pull_send_layer (ex, pull->sizes[pull->layer]);

  pull_send (ex, progress_line ("verifying sha256 digest", NULL, 0, 0));
  pull_send (ex, progress_line ("writing manifest", NULL, 0, 0));

  g_hash_table_remove (self->pull_partial, key);
  if (!pull->installed)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(Model) model = model_new (pull->model->name, now);
      guint index;

      /* A copy, as the registry's entry, but modified now. */
      g_free (model->family);
      model->family = g_strdup (pull->model->family);
      g_free (model->parameter_size);
      model->parameter_size = g_strdup (pull->model->parameter_size);
      g_free (model->quantization_level);
      model->quantization_level = g_strdup (pull->model->quantization_level);
      g_strfreev (model->capabilities);
      model->capabilities = g_strdupv (pull->model->capabilities);
      model->size = pull->model->size;
      model->block_count = pull->model->block_count;
      model->head_count = pull->model->head_count;
      model->head_count_kv = pull->model->head_count_kv;
      model->embedding_length = pull->model->embedding_length;
      model->context_length = pull->model->context_length;
      model->size_vram = pull->model->size_vram;
      g_free (model->digest);
      model->digest = g_strdup (pull->model->digest);

      if (find_model (self->scenario->models, model->name, &index) != NULL)
        g_ptr_array_remove_index (self->scenario->models, index);
      g_ptr_array_add (self->scenario->models, g_steal_pointer (&model));
    }

  if (pull->stream)
    {
      ex_send_line (ex, progress_line ("success", NULL, 0, 0));
      ex_end_stream (ex);
    }
  else
    {
      ex_respond_json (ex, SOUP_STATUS_OK, g_strdup ("{\"status\":\"success\"}"));
    }
}

static void
handle_pull (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  static const gint64 small_layers[] = { 556, 1065, 179, 487 };
  static const char * const layer_names[] = { "weights", "template", "license", "params",
                                              "config" };
  JsonObject *request;
  PullState *pull;
  const char *name;
  Model *source;
  Model *installed;

  if ((request = ex_require_object (ex, "api.PullRequest")) == NULL)
    return;

  name = get_model_name (request);
  if (!name_is_valid (name))
    {
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "invalid model name");
      return;
    }

  installed = find_model (self->scenario->models, name, NULL);
  source = find_model (self->scenario->pullable, name, NULL);

  ex->pull = pull = g_new0 (PullState, 1);
  pull->name = g_strdup (name);
  pull->stream = get_bool (request, "stream", TRUE);
  pull->rate = self->scenario->pull_bytes_per_second;
  pull->installed = installed != NULL;
  if (installed != NULL || source != NULL)
    pull->model = model_ref (installed != NULL ? installed : source);

  if (self->scenario->pull_fail != PULL_FAIL_NONE &&
      (self->scenario->pull_fail_times < 0 ||
       self->pull_failures < self->scenario->pull_fail_times))
    {
      pull->fail = self->scenario->pull_fail;
      self->pull_failures++;
    }

  if (pull->stream)
    {
      ex_begin_stream (ex);
      ex_send_line (ex, progress_line ("pulling manifest", NULL, 0, 0));
    }

  if (pull->model == NULL || pull->fail == PULL_FAIL_NOT_FOUND || pull->fail == PULL_FAIL_TOO_OLD)
    {
      const char *text = pull->fail == PULL_FAIL_TOO_OLD ? PULL_TOO_OLD_TEXT : PULL_NOT_FOUND_TEXT;

      if (pull->stream)
        {
          ex_send_line (ex, string_take (error_json (text)));
          ex_end_stream (ex);
        }
      else
        {
          ex_respond_json (ex, SOUP_STATUS_INTERNAL_SERVER_ERROR, error_json (text));
        }
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (pull->sizes); i++)
    {
      g_autofree char *seed = g_strconcat (layer_names[i], ":", pull->model->name, NULL);

      pull->sizes[i] = i == 0 ? pull->model->size : small_layers[i - 1];
      pull->digests[i] = g_compute_checksum_for_string (G_CHECKSUM_SHA256, seed, -1);
    }

  ex_schedule (ex, 0, pull_pump);
}

/* }}} */
/* {{{ /api/chat */

/* Roughly one word per token, the whitespace before it attached, CJK text
 * two characters at a time; never splits a UTF-8 character. */
static void
add_text_tokens (GPtrArray  *tokens,
                 const char *text)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *start = p;
      guint wide = 0;

      while (*p != '\0' && g_ascii_isspace (*p))
        p++;
      while (*p != '\0' && !g_ascii_isspace (*p))
        {
          if ((guchar) *p >= 0x80 && ++wide > 2)
            break;
          p = g_utf8_next_char (p);
        }

      g_ptr_array_add (tokens, g_strndup (start, p - start));
    }
}

static void
add_synthetic_tokens (GPtrArray  *tokens,
                      const char *word,
                      gint64      n,
                      gint64      paragraph)
{
  for (gint64 i = 0; i < n; i++)
    {
      gboolean ends_paragraph = paragraph > 0 && (i + 1) % paragraph == 0 && i + 1 < n;

      g_ptr_array_add (tokens, g_strdup_printf ("%s%" G_GINT64_FORMAT "%s", word, i,
                                                ends_paragraph ? "\n\n" : " "));
    }
}

static void
add_chunk (GPtrArray  *chunks,
           const char *thinking,
           const char *content)
{
  ChatChunk *chunk = g_new0 (ChatChunk, 1);

  chunk->thinking = g_strdup (thinking != NULL ? thinking : "");
  chunk->content = g_strdup (content != NULL ? content : "");
  chunk->n_tokens = 1;
  g_ptr_array_add (chunks, chunk);
}

static GPtrArray *
build_chunks (Scenario     *scenario,
              ThinkingForm  form)
{
  g_autoptr(GPtrArray) reasoning = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) answer = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *chunks = g_ptr_array_new_with_free_func (chat_chunk_free);
  guint half;

  if (scenario->reasoning_tokens > 0)
    add_synthetic_tokens (reasoning, "thought", scenario->reasoning_tokens,
                          scenario->paragraph_tokens);
  else
    add_text_tokens (reasoning, scenario->reasoning);

  if (scenario->answer_tokens > 0)
    add_synthetic_tokens (answer, "word", scenario->answer_tokens, scenario->paragraph_tokens);
  else
    add_text_tokens (answer, scenario->answer);

  if (reasoning->len == 0)
    form = THINKING_NONE;

  switch (form)
    {
    case THINKING_FIELD:
      for (guint i = 0; i < reasoning->len; i++)
        add_chunk (chunks, g_ptr_array_index (reasoning, i), NULL);

      /* At the boundary one chunk carries both, as Ollama's parser does. */
      for (guint i = 0; i < answer->len; i++)
        {
          if (i == 0)
            {
              ChatChunk *last = g_ptr_array_index (chunks, chunks->len - 1);

              g_free (last->content);
              last->content = g_strdup (g_ptr_array_index (answer, 0));
              last->n_tokens++;
            }
          else
            {
              add_chunk (chunks, NULL, g_ptr_array_index (answer, i));
            }
        }
      break;

    case THINKING_TAGS:
      /* Cut where a naive splitter would fail: "<think>" alone, "</think>"
       * across two chunks. */
      add_chunk (chunks, NULL, "<think>");
      add_chunk (chunks, NULL, "\n");
      for (guint i = 0; i < reasoning->len; i++)
        add_chunk (chunks, NULL, g_ptr_array_index (reasoning, i));
      add_chunk (chunks, NULL, "\n</th");
      add_chunk (chunks, NULL, "ink>");
      add_chunk (chunks, NULL, "\n\n");
      for (guint i = 0; i < answer->len; i++)
        add_chunk (chunks, NULL, g_ptr_array_index (answer, i));
      break;

    case THINKING_MIXED:
      /* The first half in the field, the rest as tags in the content. */
      half = (reasoning->len + 1) / 2;
      for (guint i = 0; i < half; i++)
        add_chunk (chunks, g_ptr_array_index (reasoning, i), NULL);
      add_chunk (chunks, NULL, "<th");
      add_chunk (chunks, NULL, "ink>");
      for (guint i = half; i < reasoning->len; i++)
        add_chunk (chunks, NULL, g_ptr_array_index (reasoning, i));
      add_chunk (chunks, NULL, "</think>");
      add_chunk (chunks, NULL, "\n\n");
      for (guint i = 0; i < answer->len; i++)
        add_chunk (chunks, NULL, g_ptr_array_index (answer, i));
      break;

    case THINKING_NONE:
    default:
      for (guint i = 0; i < answer->len; i++)
        add_chunk (chunks, NULL, g_ptr_array_index (answer, i));
      break;
    }

  return chunks;
}

static gint64
count_prompt_tokens (JsonObject *request)
{
  JsonNode *node = get_member (request, "messages");
  JsonArray *messages;
  gint64 count = 0;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return 0;

  messages = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonNode *message = json_array_get_element (messages, i);
      const char *content;
      g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);

      if (!JSON_NODE_HOLDS_OBJECT (message))
        continue;

      content = get_string (json_node_get_object (message), "content");
      if (content != NULL)
        add_text_tokens (tokens, content);
      count += tokens->len + 4;   /* role markers and separators */
    }

  return count;
}

static GString *
chat_line_start (const char *model,
                 const char *content,
                 const char *thinking)
{
  GString *line = g_string_sized_new (160);
  g_autofree char *created_at = format_now_utc ();

  g_string_append (line, "{\"model\":");
  append_json_string (line, model);
  g_string_append (line, ",\"created_at\":\"");
  g_string_append (line, created_at);
  g_string_append (line, "\",\"message\":{\"role\":\"assistant\",\"content\":");
  append_json_string (line, content);
  if (thinking != NULL && *thinking != '\0')
    {
      g_string_append (line, ",\"thinking\":");
      append_json_string (line, thinking);
    }
  g_string_append_c (line, '}');

  return line;
}

static void
append_metric (GString    *line,
               const char *key,
               gint64      value)
{
  if (value != 0)
    g_string_append_printf (line, ",\"%s\":%" G_GINT64_FORMAT, key, value);
}

static GString *
chat_final_line (Exchange   *ex,
                 const char *content,
                 const char *thinking,
                 const char *done_reason)
{
  ChatState *chat = ex->chat;
  gint64 now = g_get_monotonic_time ();
  GString *line = chat_line_start (chat->model, content, thinking);
  gint64 load_ns;
  gint64 prompt_ns;
  gint64 eval_ns;
  gint64 total_ns;

  g_string_append (line, ",\"done_reason\":");
  append_json_string (line, done_reason);
  g_string_append (line, ",\"done\":true");

  /* Measured where the double spends time (load = the first-byte delay, eval
   * = the token stream); prompt evaluation is made up, ~4000 tokens/s. */
  load_ns = MAX (chat->gen_start - ex->arrived, 1) * 1000;
  prompt_ns = chat->prompt_eval_count * 250000;
  eval_ns = chat->emitted_tokens > 0 ? MAX (now - chat->gen_start, 1) * 1000 : 0;
  total_ns = MAX ((now - ex->arrived) * 1000, load_ns + prompt_ns + eval_ns);

  /* A load says only that it is done. */
  if (chat->load_only)
    {
      g_string_append_c (line, '}');
      return line;
    }

  append_metric (line, "total_duration", total_ns);
  append_metric (line, "load_duration", load_ns);
  append_metric (line, "prompt_eval_count", chat->prompt_eval_count);
  append_metric (line, "prompt_eval_duration", prompt_ns);
  append_metric (line, "eval_count", chat->emitted_tokens);
  append_metric (line, "eval_duration", eval_ns);
  g_string_append_c (line, '}');

  return line;
}

static void
chat_emit (Exchange  *ex,
           ChatChunk *chunk)
{
  ChatState *chat = ex->chat;

  if (chat->stream)
    {
      GString *line = chat_line_start (chat->model, chunk->content, chunk->thinking);

      g_string_append (line, ",\"done\":false}");
      ex_send_line (ex, line);
    }
  else
    {
      g_string_append (chat->all_thinking, chunk->thinking);
      g_string_append (chat->all_content, chunk->content);
    }

  chat->emitted_tokens += chunk->n_tokens;
}

static void
chat_done (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  ChatState *chat = ex->chat;
  const char *reason = chat->load_only ? "load" : chat->truncated ? "length" : "stop";

  if (chat->keep_alive_us == 0)
    unload_model (self);
  else if (self->loaded == chat->entry)
    load_model (self, chat->entry, chat->num_ctx, chat->keep_alive_us);

  if (chat->stream)
    {
      ex_send_line (ex, chat_final_line (ex, "", NULL, reason));
      ex_end_stream (ex);
    }
  else
    {
      GString *line = chat_final_line (ex, chat->all_content->str, chat->all_thinking->str,
                                       reason);

      ex_respond_json (ex, SOUP_STATUS_OK, g_string_free (line, FALSE));
    }
}

static void chat_pump (Exchange *ex);

/* Closes once the tokens so far are on the wire, so the client gets them. */
static void
chat_disconnect (Exchange *ex)
{
  if (ex->n_written < ex->n_appended)
    ex_schedule (ex, 5, chat_disconnect);
  else
    ex_close_connection (ex, FALSE);
}

/* The failures that strike after some tokens. May free @ex. */
static void
chat_fail_midstream (Exchange *ex)
{
  ChatState *chat = ex->chat;
  FailMode fail = chat->fail;

  chat->fail = FAIL_NONE;

  switch (fail)
    {
    case FAIL_GARBAGE:
      if (chat->stream)
        {
          ex_send_line (ex, g_string_new ("<html>this line is not JSON {\"done\":"));
          ex_end_stream (ex);
        }
      else
        {
          ex_respond_json (ex, SOUP_STATUS_OK, g_strdup ("<html>this is not JSON {\"done\":"));
        }
      return;

    case FAIL_ERROR_LINE:
      if (chat->stream)
        {
          ex_send_line (ex, string_take (error_json (chat->error_text)));
          ex_end_stream (ex);
        }
      else
        {
          ex_respond_json (ex, SOUP_STATUS_INTERNAL_SERVER_ERROR, error_json (chat->error_text));
        }
      return;

    case FAIL_DISCONNECT:
      chat_disconnect (ex);
      return;

    case FAIL_HUGE_LINE:
      {
        /* A valid chunk, only far too long; the stream goes on after it. */
        ChatChunk chunk = { (char *) "", g_malloc (HUGE_LINE_SIZE + 1), 0 };

        memset (chunk.content, 'x', HUGE_LINE_SIZE);
        chunk.content[HUGE_LINE_SIZE] = '\0';
        chat_emit (ex, &chunk);
        g_free (chunk.content);
      }
      ex_schedule (ex, 0, chat_pump);
      return;

    case FAIL_NONE:
    case FAIL_NOT_FOUND:
    case FAIL_BAD_REQUEST:
    case FAIL_SERVER_ERROR:
    case FAIL_BUSY:
    case FAIL_HTML:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
chat_fail_due (ChatState *chat)
{
  return (chat->fail == FAIL_GARBAGE || chat->fail == FAIL_HUGE_LINE ||
          chat->fail == FAIL_ERROR_LINE || chat->fail == FAIL_DISCONNECT) &&
         chat->emitted_tokens >= chat->fail_after;
}

static void
chat_pump (Exchange *ex)
{
  ChatState *chat = ex->chat;
  gint64 now = g_get_monotonic_time ();
  guint64 due;

  if (chat->rate > 0)
    due = (guint64) ((now - chat->gen_start) * chat->rate / G_USEC_PER_SEC) + 1;
  else if (chat->stream)
    due = (guint64) chat->emitted_tokens + FAST_BATCH;
  else
    due = G_MAXUINT64;

  while (chat->next < chat->chunks->len && chat->emitted_tokens < due)
    {
      if (chat_fail_due (chat))
        {
          chat_fail_midstream (ex);
          return;
        }

      chat_emit (ex, g_ptr_array_index (chat->chunks, chat->next));
      chat->next++;
    }

  if (chat->next == chat->chunks->len)
    {
      if (chat_fail_due (chat))
        {
          chat_fail_midstream (ex);
          return;
        }

      /* Paced: the end comes when a token after the last would have. */
      if (chat->rate <= 0 || due > chat->total_tokens)
        {
          chat_done (ex);
          return;
        }
    }

  if (chat->rate > 0)
    {
      gint64 next_due = chat->gen_start +
                        (gint64) (chat->emitted_tokens * G_USEC_PER_SEC / chat->rate);
      gint64 delay_ms = (next_due - now + 999) / 1000;

      ex_schedule (ex, MAX (delay_ms, MIN_TICK_MS), chat_pump);
    }
  else if (ex_backed_up (ex))
    {
      ex->drain_step = chat_pump;
    }
  else
    {
      ex_schedule (ex, 0, chat_pump);
    }
}

static void
chat_start (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  ChatState *chat = ex->chat;

  switch (chat->fail)
    {
    case FAIL_SERVER_ERROR:
      ex_respond_json (ex, SOUP_STATUS_INTERNAL_SERVER_ERROR, error_json (chat->error_text));
      return;

    case FAIL_HTML:
      ex_respond (ex, SOUP_STATUS_OK, "text/html; charset=utf-8", g_strdup (HTML_ERROR_PAGE));
      return;

    case FAIL_NONE:
    case FAIL_NOT_FOUND:
    case FAIL_BAD_REQUEST:
    case FAIL_BUSY:
    case FAIL_GARBAGE:
    case FAIL_HUGE_LINE:
    case FAIL_ERROR_LINE:
    case FAIL_DISCONNECT:
    default:
      break;
    }

  chat->gen_start = g_get_monotonic_time ();
  load_model (self, chat->entry, chat->num_ctx, chat->keep_alive_us);

  if (chat->stream)
    ex_begin_stream (ex);

  if (chat->load_only)
    {
      chat_done (ex);
      return;
    }

  chat_pump (ex);
}

/* Which form the reasoning takes, from the scenario, the version, the model
 * and `think`, the way ollama-api.md section 3 tells it. */
static ThinkingForm
effective_thinking_form (DslOllamaDouble *self,
                         Model           *model,
                         gboolean         think_set,
                         gboolean         think_on)
{
  Scenario *scenario = self->scenario;

  if (scenario->thinking_form_set)
    {
      if (scenario->thinking_form == THINKING_FIELD && think_set && !think_on)
        return THINKING_NONE;
      return scenario->thinking_form;
    }

  if (!model_has_capability (model, "thinking"))
    return THINKING_NONE;

  if (!version_at_least (self, VERSION_THINK))
    return THINKING_TAGS;

  if (think_set)
    return think_on ? THINKING_FIELD : THINKING_NONE;

  return version_at_least (self, VERSION_THINK_DEFAULT) ? THINKING_FIELD : THINKING_TAGS;
}

static void
handle_chat (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  Scenario *scenario = self->scenario;
  JsonObject *request;
  JsonNode *think;
  JsonNode *messages;
  const char *name;
  gboolean think_set = FALSE;
  gboolean think_on = FALSE;
  gboolean load_only;
  ChatState *chat;
  FailMode fail = FAIL_NONE;
  Model *model;
  gint64 num_predict;

  if ((request = ex_require_object (ex, "api.ChatRequest")) == NULL)
    return;

  think = get_member (request, "think");
  if (think != NULL && version_at_least (self, VERSION_THINK))
    {
      GType type = JSON_NODE_HOLDS_VALUE (think) ? json_node_get_value_type (think)
                                                 : G_TYPE_INVALID;
      const char *levels[] = { "high", "medium", "low", "max", NULL };

      if (type == G_TYPE_BOOLEAN)
        {
          think_set = TRUE;
          think_on = json_node_get_boolean (think);
        }
      else if (type == G_TYPE_STRING &&
               g_strv_contains (levels, json_node_get_string (think)))
        {
          think_set = TRUE;
          think_on = TRUE;
        }
      else
        {
          g_autofree char *raw = node_to_json (think);

          ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST,
                            "invalid think value: %s (must be \"high\", \"medium\", \"low\", "
                            "\"max\", true, or false)", raw);
          return;
        }
    }

  name = get_string (request, "model");
  if (name == NULL || *name == '\0')
    {
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "model is required");
      return;
    }

  model = find_model (scenario->models, name, NULL);
  if (model == NULL)
    {
      ex_respond_error (ex, SOUP_STATUS_NOT_FOUND, "model '%s' not found", name);
      return;
    }

  if (think_set && !model_has_capability (model, "thinking"))
    {
      g_autofree char *normalized = normalize_name (name);

      if (version_at_least (self, VERSION_THINK_ERROR_QUOTE))
        ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "\"%s\" does not support thinking", name);
      else if (strchr (normalized, '/') == NULL)
        ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST,
                          "registry.ollama.ai/library/%s does not support thinking", normalized);
      else
        ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST,
                          "registry.ollama.ai/%s does not support thinking", normalized);
      return;
    }

  /* A load (no messages) is not what a failure scenario is about. */
  messages = get_member (request, "messages");
  load_only = messages == NULL || !JSON_NODE_HOLDS_ARRAY (messages) ||
              json_array_get_length (json_node_get_array (messages)) == 0;

  if (scenario->fail != FAIL_NONE && !load_only &&
      (scenario->fail_times < 0 || self->chat_failures < scenario->fail_times))
    {
      fail = scenario->fail;
      self->chat_failures++;
    }

  switch (fail)
    {
    case FAIL_NOT_FOUND:
      if (scenario->error_text != NULL)
        ex_respond_error (ex, SOUP_STATUS_NOT_FOUND, "%s", scenario->error_text);
      else
        ex_respond_error (ex, SOUP_STATUS_NOT_FOUND, "model '%s' not found", name);
      return;

    case FAIL_BAD_REQUEST:
      ex_respond_error (ex, SOUP_STATUS_BAD_REQUEST, "%s",
                        scenario->error_text ? scenario->error_text : BAD_REQUEST_TEXT);
      return;

    case FAIL_BUSY:
      ex_respond_error (ex, SOUP_STATUS_SERVICE_UNAVAILABLE, "%s",
                        scenario->error_text ? scenario->error_text : BUSY_ERROR_TEXT);
      return;

    case FAIL_NONE:
    case FAIL_SERVER_ERROR:
    case FAIL_HTML:
    case FAIL_GARBAGE:
    case FAIL_HUGE_LINE:
    case FAIL_ERROR_LINE:
    case FAIL_DISCONNECT:
    default:
      break;
    }

  ex->chat = chat = g_new0 (ChatState, 1);
  chat->model = g_strdup (name);
  chat->entry = model_ref (model);
  chat->stream = get_bool (request, "stream", TRUE);
  chat->rate = scenario->tokens_per_second;
  chat->fail = fail;
  chat->fail_after = scenario->fail_after_tokens;
  chat->error_text = g_strdup (scenario->error_text ? scenario->error_text
                                                    : DEFAULT_ERROR_TEXT);
  chat->prompt_eval_count = count_prompt_tokens (request);
  chat->num_ctx = get_option_int (request, "num_ctx", DEFAULT_NUM_CTX);
  chat->keep_alive_us = parse_keep_alive (request);
  if (!chat->stream)
    {
      chat->all_thinking = g_string_new (NULL);
      chat->all_content = g_string_new (NULL);
    }

  chat->load_only = load_only;
  if (load_only)
    {
      chat->chunks = g_ptr_array_new_with_free_func (chat_chunk_free);
    }
  else
    {
      ThinkingForm form = effective_thinking_form (self, model, think_set, think_on);

      chat->chunks = build_chunks (scenario, form);
    }

  num_predict = get_option_int (request, "num_predict", -1);
  for (guint i = 0; i < chat->chunks->len; i++)
    {
      ChatChunk *chunk = g_ptr_array_index (chat->chunks, i);

      if (num_predict >= 0 && chat->total_tokens + chunk->n_tokens > num_predict)
        {
          g_ptr_array_set_size (chat->chunks, i);
          chat->truncated = TRUE;
          break;
        }
      chat->total_tokens += chunk->n_tokens;
    }

  ex_schedule (ex, scenario->first_byte_delay_ms, chat_start);
}

/* }}} */
/* {{{ Dispatch */

typedef void (*Handler) (Exchange *ex);

static const struct {
  const char *path;
  const char *methods[3];
  Handler     handler;
} routes[] = {
  { "/", { "GET", "HEAD", NULL }, handle_root },
  { "/api/version", { "GET", "HEAD", NULL }, handle_version },
  { "/api/tags", { "GET", "HEAD", NULL }, handle_tags },
  { "/api/ps", { "GET", NULL, NULL }, handle_ps },
  { "/api/show", { "POST", NULL, NULL }, handle_show },
  { "/api/chat", { "POST", NULL, NULL }, handle_chat },
  { "/api/pull", { "POST", NULL, NULL }, handle_pull },
  { "/api/delete", { "DELETE", NULL, NULL }, handle_delete },
};

static gboolean
ip_is_private (GInetAddress *address)
{
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16) ||
           (bytes[0] == 192 && bytes[1] == 168);

  return (bytes[0] & 0xfe) == 0xfc;
}

/* Ollama's allowedHostsMiddleware: on loopback, only local names may ask. */
static gboolean
host_allowed (const char *host_header)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *colon;

  if (host_header == NULL || *host_header == '\0')
    return TRUE;

  if (host_header[0] == '[')
    {
      const char *end = strchr (host_header, ']');

      host = g_strndup (host_header + 1, end != NULL ? end - host_header - 1 : -1);
    }
  else if ((colon = strrchr (host_header, ':')) != NULL && strchr (host_header, ':') == colon)
    {
      host = g_strndup (host_header, colon - host_header);
    }
  else
    {
      host = g_strdup (host_header);
    }

  address = g_inet_address_new_from_string (host);
  if (address != NULL)
    return g_inet_address_get_is_loopback (address) || g_inet_address_get_is_any (address) ||
           ip_is_private (address);

  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_ascii_strcasecmp (host, g_get_host_name ()) == 0 ||
         g_str_has_suffix (host, ".localhost") || g_str_has_suffix (host, ".local") ||
         g_str_has_suffix (host, ".internal");
}

static void
dispatch (Exchange *ex)
{
  DslOllamaDouble *self = ex->self;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (ex->msg);
  gboolean path_known = FALSE;

  if (self->loopback_only && !host_allowed (soup_message_headers_get_one (headers, "Host")))
    {
      ex_respond (ex, SOUP_STATUS_FORBIDDEN, NULL, NULL);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!g_str_equal (routes[i].path, ex->path))
        continue;

      path_known = TRUE;
      for (guint j = 0; j < G_N_ELEMENTS (routes[i].methods) && routes[i].methods[j]; j++)
        {
          if (g_str_equal (routes[i].methods[j], ex->method))
            {
              routes[i].handler (ex);
              return;
            }
        }
    }

  if (path_known)
    ex_respond (ex, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
                g_strdup ("405 method not allowed"));
  else
    ex_respond (ex, SOUP_STATUS_NOT_FOUND, "text/plain", g_strdup ("404 page not found"));
}

static void
respond_control (SoupServerMessage *msg,
                 guint              status,
                 char              *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_TAKE,
                                    json, strlen (json));
}

/* The /_double/ endpoints: the test's side door, never recorded, never delayed. */
static void
handle_control (DslOllamaDouble   *self,
                SoupServerMessage *msg,
                const char        *path)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/_double/scenario") && g_str_equal (method, "POST"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
      g_autofree char *json = g_strndup (g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes));
      g_autoptr(GError) error = NULL;

      if (dsl_ollama_double_set_scenario_json (self, json, &error))
        respond_control (msg, SOUP_STATUS_OK, g_strdup ("{}"));
      else
        respond_control (msg, SOUP_STATUS_BAD_REQUEST, error_json (error->message));
    }
  else if (g_str_equal (path, "/_double/requests") && g_str_equal (method, "GET"))
    {
      g_autoptr(JsonNode) requests = dsl_ollama_double_dup_requests (self);

      respond_control (msg, SOUP_STATUS_OK, node_to_json (requests));
    }
  else if (g_str_equal (path, "/_double/reset") && g_str_equal (method, "POST"))
    {
      dsl_ollama_double_reset_requests (self);
      respond_control (msg, SOUP_STATUS_OK, g_strdup ("{}"));
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "404 page not found", strlen ("404 page not found"));
    }
}

static void
wait_ready (Exchange *ex)
{
  gint64 now = g_get_monotonic_time ();

  if (now < ex->self->ready_at)
    ex_schedule (ex, (ex->self->ready_at - now + 999) / 1000, wait_ready);
  else
    dispatch (ex);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  DslOllamaDouble *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GSocketAddress) peer = NULL;
  GSocket *socket;
  const char *host;
  Exchange *ex;

  if (g_str_has_prefix (path, "/_double/"))
    {
      handle_control (self, msg, path);
      return;
    }

  ex = g_new0 (Exchange, 1);
  ex->self = self;
  ex->msg = g_object_ref (msg);
  ex->method = g_strdup (soup_server_message_get_method (msg));
  ex->path = g_strdup (path);
  ex->arrived = g_get_monotonic_time ();

  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (bytes) > 0 &&
      json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                  g_bytes_get_size (bytes), NULL) &&
      json_parser_get_root (parser) != NULL)
    ex->body = json_node_copy (json_parser_get_root (parser));

  host = soup_message_headers_get_one (headers, "Host");
  ex->record = json_object_new ();
  json_object_set_string_member (ex->record, "method", ex->method);
  json_object_set_string_member (ex->record, "path", ex->path);
  json_object_set_member (ex->record, "body",
                          ex->body != NULL ? json_node_copy (ex->body)
                                           : json_node_new (JSON_NODE_NULL));
  json_object_set_string_member (ex->record, "host", host != NULL ? host : "");
  json_object_set_boolean_member (ex->record, "finished", FALSE);
  json_object_set_boolean_member (ex->record, "client_disconnected", FALSE);
  json_object_set_int_member (ex->record, "chunks_sent", 0);
  g_ptr_array_add (self->requests, json_object_ref (ex->record));

  ex->finished_handler = g_signal_connect (msg, "finished", G_CALLBACK (msg_finished_cb), ex);
  ex->wrote_chunk_handler = g_signal_connect (msg, "wrote-chunk",
                                              G_CALLBACK (msg_wrote_chunk_cb), ex);
  ex->wrote_body_handler = g_signal_connect (msg, "wrote-body",
                                             G_CALLBACK (msg_wrote_body_cb), ex);
  g_queue_push_tail (&self->exchanges, ex);

  /* Stealing the connection asks libsoup for the peer's address, which it
   * looks up then and warns about if the peer is gone: have it cached now.
   * A client already gone this early is left for libsoup to notice. */
  socket = soup_server_message_get_socket (msg);
  peer = socket != NULL ? g_socket_get_remote_address (socket, NULL) : NULL;
  if (peer != NULL)
    {
      soup_server_message_get_remote_address (msg);
      soup_server_message_get_local_address (msg);
      ex->can_steal = TRUE;
    }

  /* Every reply is given by unpausing, now or later. */
  soup_server_message_pause (msg);
  if (ex->can_steal)
    ex_watch (ex);
  wait_ready (ex);
}

/* }}} */
/* {{{ GObject */

static void
dsl_ollama_double_dispose (GObject *object)
{
  DslOllamaDouble *self = DSL_OLLAMA_DOUBLE (object);
  Exchange *ex;

  /* Running exchanges end silently: the server's disconnect closes them. */
  while ((ex = g_queue_pop_head (&self->exchanges)) != NULL)
    {
      ex->done = TRUE;
      exchange_free (ex);
    }

  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }

  G_OBJECT_CLASS (dsl_ollama_double_parent_class)->dispose (object);
}

static void
dsl_ollama_double_finalize (GObject *object)
{
  DslOllamaDouble *self = DSL_OLLAMA_DOUBLE (object);

  g_free (self->url_host);
  g_clear_pointer (&self->epoch, g_date_time_unref);
  g_clear_pointer (&self->scenario, scenario_free);
  g_clear_pointer (&self->pull_partial, g_hash_table_unref);
  g_clear_pointer (&self->loaded, model_unref);
  g_clear_pointer (&self->requests, g_ptr_array_unref);

  G_OBJECT_CLASS (dsl_ollama_double_parent_class)->finalize (object);
}

static void
dsl_ollama_double_class_init (DslOllamaDoubleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dsl_ollama_double_dispose;
  object_class->finalize = dsl_ollama_double_finalize;

  /**
   * DslOllamaDouble::request-finished:
   * @self: the double
   * @path: the request's path, e.g. "/api/chat"
   *
   * Emitted when a recorded request has ended, with a complete reply, a
   * client that went away, or a connection the double closed on purpose.
   */
  signals[REQUEST_FINISHED] =
    g_signal_new ("request-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
dsl_ollama_double_init (DslOllamaDouble *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  /* Models were pulled a while ago. */
  self->epoch = g_date_time_add_days (now, -3);
  self->scenario = scenario_new (self->epoch);
  self->pull_partial = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_queue_init (&self->exchanges);

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
}

/* }}} */
/* {{{ Public API */

/**
 * dsl_ollama_double_new:
 *
 * Creates a double with the default scenario; call
 * dsl_ollama_double_listen() before use.
 *
 * Returns: (transfer full): a new #DslOllamaDouble
 */
DslOllamaDouble *
dsl_ollama_double_new (void)
{
  return g_object_new (DSL_TYPE_OLLAMA_DOUBLE, NULL);
}

/* OLLAMA_HOST the way Ollama reads it: "host", "host:port",
 * "scheme://host:port/path"; a bare host gets 11434, "http://host" 80. */
static gboolean
parse_host (const char  *spec,
            char       **out_host,
            guint16     *out_port,
            GError     **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (spec));
  const char *hostport = copy;
  guint64 default_port = DEFAULT_PORT;
  g_autofree char *host = NULL;
  const char *port = NULL;
  char *sep;
  guint64 port_value;

  if ((sep = strstr (copy, "://")) != NULL)
    {
      *sep = '\0';
      if (g_str_equal (copy, "http"))
        default_port = 80;
      else if (g_str_equal (copy, "https"))
        default_port = 443;
      hostport = sep + 3;
    }

  if ((sep = strchr (hostport, '/')) != NULL)
    *sep = '\0';

  if (hostport[0] == '[')
    {
      const char *end = strchr (hostport, ']');

      if (end == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Invalid host \"%s\"", spec);
          return FALSE;
        }
      host = g_strndup (hostport + 1, end - hostport - 1);
      if (end[1] == ':')
        port = end + 2;
    }
  else if ((sep = strrchr (hostport, ':')) != NULL && strchr (hostport, ':') == sep)
    {
      host = g_strndup (hostport, sep - hostport);
      port = sep + 1;
    }
  else
    {
      host = g_strdup (hostport);
    }

  if (*host == '\0' || g_ascii_strcasecmp (host, "localhost") == 0)
    {
      const char *replacement = *host == '\0' && port != NULL ? "0.0.0.0" : "127.0.0.1";

      g_free (host);
      host = g_strdup (replacement);
    }

  if (port == NULL || *port == '\0' ||
      !g_ascii_string_to_unsigned (port, 10, 0, G_MAXUINT16, &port_value, NULL))
    port_value = default_port;

  *out_host = g_steal_pointer (&host);
  *out_port = (guint16) port_value;
  return TRUE;
}

/**
 * dsl_ollama_double_listen:
 * @self: a #DslOllamaDouble
 * @host: (nullable): %NULL for 127.0.0.1 on a port the kernel picks, or an
 *   `OLLAMA_HOST`-style "host", "host:port", "http://host:port"
 * @error: return location for a #GError
 *
 * Starts listening. Fails with %G_IO_ERROR_ADDRESS_IN_USE if the port is
 * taken.
 *
 * Returns: %TRUE on success
 */
gboolean
dsl_ollama_double_listen (DslOllamaDouble  *self,
                          const char       *host,
                          GError          **error)
{
  g_autofree char *address_string = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  GSList *listeners;
  guint16 port = 0;

  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), FALSE);
  g_return_val_if_fail (self->port == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (host == NULL)
    address_string = g_strdup ("127.0.0.1");
  else if (!parse_host (host, &address_string, &port, error))
    return FALSE;

  address = g_inet_address_new_from_string (address_string);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "The double listens on IP addresses and localhost only, not \"%s\"",
                   address_string);
      return FALSE;
    }

  socket_address = g_inet_socket_address_new (address, port);
  if (!soup_server_listen (self->server, socket_address, 0, &local_error))
    {
      /* libsoup wraps errno in its own words; keep the code callers test. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ||
          strstr (local_error->message, "in use") != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "%s", local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  listeners = soup_server_get_listeners (self->server);
  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);

      if (local != NULL)
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);

  self->port = port;
  self->loopback_only = g_inet_address_get_is_loopback (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    self->url_host = g_inet_address_get_is_any (address) || g_inet_address_get_is_loopback (address)
                     ? g_strdup ("[::1]")
                     : g_strdup_printf ("[%s]", address_string);
  else
    self->url_host = g_inet_address_get_is_any (address) ? g_strdup ("127.0.0.1")
                                                         : g_strdup (address_string);

  self->ready_at = g_get_monotonic_time () + self->scenario->ready_delay_ms * 1000;

  return TRUE;
}

/**
 * dsl_ollama_double_dup_url:
 * @self: a listening #DslOllamaDouble
 *
 * Returns: (transfer full): the base URL, e.g. "http://127.0.0.1:41234"
 */
char *
dsl_ollama_double_dup_url (DslOllamaDouble *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), NULL);
  g_return_val_if_fail (self->port != 0, NULL);

  return g_strdup_printf ("http://%s:%u", self->url_host, self->port);
}

/**
 * dsl_ollama_double_get_port:
 * @self: a #DslOllamaDouble
 *
 * Returns: the port listened on, 0 before dsl_ollama_double_listen()
 */
guint16
dsl_ollama_double_get_port (DslOllamaDouble *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), 0);

  return self->port;
}

/**
 * dsl_ollama_double_get_version:
 * @self: a #DslOllamaDouble
 *
 * Returns: the Ollama version the scenario plays
 */
const char *
dsl_ollama_double_get_version (DslOllamaDouble *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), NULL);

  return self->scenario->version;
}

/**
 * dsl_ollama_double_set_scenario_json:
 * @self: a #DslOllamaDouble
 * @json: (nullable): a scenario as JSON; %NULL or "" for the defaults
 * @error: return location for a #GError
 *
 * Replaces the whole scenario (missing keys take their defaults) and the
 * server state that came with the old one: failure count, partial pulls,
 * loaded model. A ready delay starts counting now if already listening.
 * Running requests go on as they started.
 *
 * Returns: %TRUE if @json was a valid scenario
 */
gboolean
dsl_ollama_double_set_scenario_json (DslOllamaDouble  *self,
                                     const char       *json,
                                     GError          **error)
{
  Scenario *scenario;

  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  scenario = scenario_new_from_json (json, self->epoch, error);
  if (scenario == NULL)
    return FALSE;

  g_clear_pointer (&self->scenario, scenario_free);
  self->scenario = scenario;
  self->chat_failures = 0;
  self->pull_failures = 0;
  g_hash_table_remove_all (self->pull_partial);
  unload_model (self);

  if (self->port != 0)
    self->ready_at = g_get_monotonic_time () + scenario->ready_delay_ms * 1000;

  return TRUE;
}

/**
 * dsl_ollama_double_reset_requests:
 * @self: a #DslOllamaDouble
 *
 * Forgets the recorded requests. Running ones are forgotten too (they keep
 * running, unrecorded).
 */
void
dsl_ollama_double_reset_requests (DslOllamaDouble *self)
{
  g_return_if_fail (DSL_IS_OLLAMA_DOUBLE (self));

  g_ptr_array_set_size (self->requests, 0);
}

/**
 * dsl_ollama_double_dup_requests:
 * @self: a #DslOllamaDouble
 *
 * The recorded requests, oldest first: objects with "method", "path",
 * "body" (parsed JSON or null), "host", "finished", "client_disconnected"
 * and "chunks_sent".
 *
 * Returns: (transfer full): a JSON array node, a deep copy
 */
JsonNode *
dsl_ollama_double_dup_requests (DslOllamaDouble *self)
{
  g_autoptr(JsonArray) array = NULL;

  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), NULL);

  array = json_array_sized_new (self->requests->len);
  for (guint i = 0; i < self->requests->len; i++)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (),
                                                        g_ptr_array_index (self->requests, i));

      json_array_add_element (array, node_deep_copy (node));
    }

  return json_node_init_array (json_node_alloc (), array);
}

/**
 * dsl_ollama_double_get_n_requests:
 * @self: a #DslOllamaDouble
 * @path: (nullable): a path such as "/api/chat", or %NULL for all
 *
 * Returns: how many recorded requests went to @path
 */
guint
dsl_ollama_double_get_n_requests (DslOllamaDouble *self,
                                  const char      *path)
{
  guint n = 0;

  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), 0);

  for (guint i = 0; i < self->requests->len; i++)
    {
      JsonObject *record = g_ptr_array_index (self->requests, i);

      if (path == NULL || g_strcmp0 (json_object_get_string_member (record, "path"), path) == 0)
        n++;
    }

  return n;
}

/**
 * dsl_ollama_double_get_n_active:
 * @self: a #DslOllamaDouble
 *
 * Returns: how many requests are still running
 */
guint
dsl_ollama_double_get_n_active (DslOllamaDouble *self)
{
  g_return_val_if_fail (DSL_IS_OLLAMA_DOUBLE (self), 0);

  return self->exchanges.length;
}

/* }}} */
