/* test-pull.c: downloading and removing models through the client, against the Ollama double
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-model-info.h"
#include "dsl-ollama-client.h"
#include "dsl-test-utils.h"

#define PULLED "deepseek-r1:1.5b"
/* The double's four small layers after the weights: template, license, params, config. */
#define SMALL_LAYERS (556 + 1065 + 179 + 487)

typedef struct {
  DslOllamaDouble *ollama;
  DslOllamaClient *client;
  GPtrArray       *progress;   /* DslPullProgress, every call */
  GArray          *times;      /* gint64, monotonic time of every call */
  GAsyncResult    *result;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = NULL;

  f->ollama = dsl_test_start_double (data);
  url = dsl_ollama_double_dup_url (f->ollama);
  f->client = dsl_ollama_client_new (url);
  /* Retries in tens of milliseconds, not seconds. */
  g_object_set (f->client, "retry-delay-ms", 20, NULL);
  f->progress = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_pull_progress_free);
  f->times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->result);
  g_assert_finalize_object (f->client);
  g_clear_object (&f->ollama);
  g_ptr_array_unref (f->progress);
  g_array_unref (f->times);
}

static void
progress_cb (const DslPullProgress *progress,
             gpointer               user_data)
{
  Fixture *f = user_data;
  gint64 now = g_get_monotonic_time ();

  g_ptr_array_add (f->progress, dsl_pull_progress_copy (progress));
  g_array_append_val (f->times, now);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
}

/* The result of the call that just ended: the test owns it. */
static GAsyncResult *
take_result (Fixture *f)
{
  dsl_test_assert_wait (f->result != NULL, 20000);
  return g_steal_pointer (&f->result);
}

static gboolean
pull (Fixture       *f,
      const char    *model,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  dsl_ollama_client_pull_async (f->client, model, progress_cb, f, cancellable, result_cb, f);
  result = take_result (f);

  return dsl_ollama_client_pull_finish (f->client, result, error);
}

static DslPullProgress *
progress_at (Fixture *f,
             guint    i)
{
  return g_ptr_array_index (f->progress, i);
}

static DslPullProgress *
last_progress (Fixture *f)
{
  g_assert_cmpuint (f->progress->len, >, 0);
  return progress_at (f, f->progress->len - 1);
}

/* What the person saw: the bytes only ever grow, and end where the total is. */
static void
assert_progress_sane (Fixture *f,
                      gint64   total)
{
  gint64 last_completed = 0;

  for (guint i = 0; i < f->progress->len; i++)
    {
      DslPullProgress *p = progress_at (f, i);

      g_assert_cmpint (p->completed, >=, last_completed);
      g_assert_cmpint (p->completed, <=, p->total);
      last_completed = p->completed;
    }

  g_assert_cmpstr (last_progress (f)->status, ==, "success");
  g_assert_cmpint (last_progress (f)->total, ==, total);
  g_assert_cmpint (last_progress (f)->completed, ==, total);
}

static gboolean
has_model (Fixture    *f,
           const char *name)
{
  g_autoptr(GListModel) models = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  dsl_ollama_client_list_models_async (f->client, NULL, result_cb, f);
  result = take_result (f);
  models = dsl_ollama_client_list_models_finish (f->client, result, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr(DslModelInfo) info = g_list_model_get_item (models, i);

      if (g_strcmp0 (dsl_model_info_get_name (info), name) == 0)
        return TRUE;
    }

  return FALSE;
}

/* 40 MB at 20 MB/s: two seconds of progress. */
#define PROGRESS_SCENARIO \
  "{\"pullable\":[{\"name\":\"" PULLED "\",\"size\":40000000}],\"pull_bytes_per_second\":20000000}"

static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  static const char * const steps[] = {
    "Getting ready…", "Downloading the model…", "Verifying download…", "Writing manifest…", "Done",
  };
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean had_speed = FALSE;

  g_assert_false (has_model (f, PULLED));
  g_assert_true (pull (f, PULLED, NULL, &error));
  g_assert_no_error (error);

  assert_progress_sane (f, 40000000 + SMALL_LAYERS);
  g_assert_cmpint (last_progress (f)->seconds_left, ==, 0);

  for (guint i = 0; i < f->progress->len; i++)
    {
      DslPullProgress *p = progress_at (f, i);

      if (seen->len == 0 || !g_str_equal (g_ptr_array_index (seen, seen->len - 1), p->step))
        g_ptr_array_add (seen, p->step);

      /* Throttled: lines come every 60 ms, the caller hears at most every 100 ms while the
       * status stays the same. */
      if (i > 0 && g_str_equal (p->status, progress_at (f, i - 1)->status) &&
          !g_str_equal (p->status, "success"))
        g_assert_cmpint (g_array_index (f->times, gint64, i) -
                         g_array_index (f->times, gint64, i - 1), >=, 90 * 1000);

      if (p->bytes_per_second > 0 && !g_str_equal (p->status, "success"))
        {
          /* The double's rate (20 MB/s) within a wide margin, so that a busy machine does not
           * fail the test, and a time left that follows from it (40 MB take about 2 s). */
          g_assert_cmpfloat (p->bytes_per_second, >, 1e6);
          g_assert_cmpfloat (p->bytes_per_second, <, 200e6);
          g_assert_cmpint (p->seconds_left, >=, 0);
          g_assert_cmpint (p->seconds_left, <=, 40);
          had_speed = TRUE;
        }
      else if (!g_str_equal (p->status, "success"))
        {
          g_assert_cmpint (p->seconds_left, ==, -1);
        }
    }
  g_assert_true (had_speed);

  g_assert_cmpuint (seen->len, ==, G_N_ELEMENTS (steps));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    g_assert_cmpstr (g_ptr_array_index (seen, i), ==, steps[i]);

  g_assert_true (has_model (f, PULLED));
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 1);
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_false (pull (f, "deepseek-r1:9000b", NULL, &error));
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND);

  text = dsl_ollama_error_describe (error);
  g_assert_nonnull (strstr (text, "“deepseek-r1:9000b”"));
  g_assert_nonnull (strstr (text, "library"));
  g_assert_null (strstr (text, "{"));
  /* An answer, not a dropped connection: no retry. */
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 1);
}

static void
test_too_old (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_false (pull (f, PULLED, NULL, &error));
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_SERVER_TOO_OLD);

  text = dsl_ollama_error_describe (error);
  g_assert_nonnull (strstr (text, "Update Ollama"));
  g_assert_false (has_model (f, PULLED));
}

static void
test_no_space (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_false (pull (f, PULLED, NULL, &error));
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_NO_SPACE);

  text = dsl_ollama_error_describe (error);
  g_assert_nonnull (strstr (text, "Free some disk space"));
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 1);
  /* The person saw how far it got before the disk filled. */
  g_assert_cmpint (last_progress (f)->completed, >, 0);
  g_assert_false (has_model (f, PULLED));
}

static void
test_invalid_name (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pull (f, "bad name!", NULL, &error));
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_BAD_REQUEST);
  g_assert_cmpstr (error->message, ==, "invalid model name");
  g_assert_cmpuint (f->progress->len, ==, 0);
}

static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pull (f, PULLED, NULL, &error));
  g_assert_no_error (error);

  /* Cut once halfway, resumed by a second request of the client's own. */
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 2);
  assert_progress_sane (f, 20000000 + SMALL_LAYERS);
  g_assert_true (has_model (f, PULLED));
}

static void
test_retry_gives_up (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (pull (f, PULLED, NULL, &error));
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_DISCONNECTED);
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 5);
}

static gboolean
pull_request_left (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) request = dsl_test_last_request (f->ollama, "/api/pull");

  return request != NULL && json_object_get_boolean_member (request, "finished");
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  guint n_progress;
  gint64 cancelled_at;

  dsl_ollama_client_pull_async (f->client, PULLED, progress_cb, f, cancellable, result_cb, f);
  dsl_test_assert_wait (f->progress->len > 0 && last_progress (f)->completed > 0, 10000);

  g_cancellable_cancel (cancellable);
  cancelled_at = g_get_monotonic_time ();
  n_progress = f->progress->len;
  result = take_result (f);
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, G_USEC_PER_SEC);
  g_assert_false (dsl_ollama_client_pull_finish (f->client, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->progress->len, ==, n_progress);

  g_assert_true (dsl_test_wait_until (pull_request_left, f, 5000));
  request = dsl_test_last_request (f->ollama, "/api/pull");
  g_assert_true (json_object_get_boolean_member (request, "client_disconnected"));
  g_assert_cmpuint (dsl_ollama_double_get_n_requests (f->ollama, "/api/pull"), ==, 1);
  g_assert_false (has_model (f, PULLED));
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  g_assert_true (has_model (f, "deepseek-r1:8b"));

  dsl_ollama_client_delete_async (f->client, "deepseek-r1:8b", NULL, result_cb, f);
  result = take_result (f);
  ok = dsl_ollama_client_delete_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  request = dsl_test_last_request (f->ollama, "/api/delete");
  g_assert_cmpstr (json_object_get_string_member (request, "method"), ==, "DELETE");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (request, "body"),
                                                  "model"), ==, "deepseek-r1:8b");
  g_assert_false (has_model (f, "deepseek-r1:8b"));
}

static void
test_delete_missing (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  dsl_ollama_client_delete_async (f->client, "deepseek-r1:70b", NULL, result_cb, f);
  result = take_result (f);
  ok = dsl_ollama_client_delete_finish (f->client, result, &error);
  g_assert_error (error, DSL_OLLAMA_ERROR, DSL_OLLAMA_ERROR_MODEL_NOT_FOUND);
  g_assert_false (ok);
  g_assert_true (has_model (f, "deepseek-r1:8b"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add ("/dsl/client/pull/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("progress", PROGRESS_SCENARIO, test_progress);
  ADD ("not-found", NULL, test_not_found);
  ADD ("too-old", "{\"pull_fail\":\"too_old\"}", test_too_old);
  ADD ("no-space", "{\"pull_bytes_per_second\":200000000,\"pull_fail\":\"no_space\"}",
       test_no_space);
  ADD ("invalid-name", NULL, test_invalid_name);
  ADD ("retry",
       "{\"pullable\":[{\"name\":\"" PULLED "\",\"size\":20000000}],"
       "\"pull_bytes_per_second\":20000000,\"pull_fail\":\"disconnect\",\"pull_fail_times\":1}",
       test_retry);
  ADD ("retry-gives-up", "{\"pull_bytes_per_second\":2000000000,\"pull_fail\":\"disconnect\"}",
       test_retry_gives_up);
  ADD ("cancel", "{\"pull_bytes_per_second\":1000000}", test_cancel);
  ADD ("delete", NULL, test_delete);
  ADD ("delete-missing", NULL, test_delete_missing);

#undef ADD

  return g_test_run ();
}
