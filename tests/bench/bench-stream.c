/* bench-stream.c: how the real window keeps up with a fast model
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Streams an answer (reasoning, then answer) at 1,000 tokens/s from the Ollama double, run as its
 * own process, into the real window, and prints:
 *   - how long after the last chunk arrived the window showed everything,
 *   - the longest main-loop stall while streaming,
 *   - the CPU time of this process (the window's side only),
 * for a 1,000-token and a 20,000-token answer, and the ratio of their per-token costs: linear
 * growth gives about 1, quadratic growth about 20.
 */

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "dsl-message-row.h"
#include "dsl-reasoning-section.h"
#include "dsl-test-utils.h"
#include "dsl-ui-test-utils.h"

typedef struct {
  guint   tokens;
  double  show_latency_ms;   /* last chunk received → everything on screen */
  double  max_stall_ms;
  double  cpu_s;
  double  wall_s;
} Result;

typedef struct {
  gint64 last;
  gint64 max_gap;
} Stall;

static gboolean
stall_probe_cb (gpointer user_data)
{
  Stall *stall = user_data;
  gint64 now = g_get_monotonic_time ();

  if (stall->last != 0)
    stall->max_gap = MAX (stall->max_gap, now - stall->last);
  stall->last = now;

  return G_SOURCE_CONTINUE;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static GSubprocess *
spawn_double (const char *scenario,
              char      **url)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("Listening on 127\\.0\\.0\\.1:(\\d+)", 0, 0, NULL);

  g_subprocess_launcher_setenv (launcher, "OLLAMA_HOST", "127.0.0.1:0", TRUE);
  g_subprocess_launcher_setenv (launcher, "DSL_DOUBLE_SCENARIO", scenario, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, DOUBLE_PATH, "serve", NULL);
  g_assert_no_error (error);

  /* A benchmark may block here: the window is not up yet. */
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (err, NULL, NULL, &error);
      g_autoptr(GMatchInfo) match = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_regex_match (regex, line, 0, &match))
        {
          g_autofree char *port = g_match_info_fetch (match, 1);

          *url = g_strdup_printf ("http://127.0.0.1:%s", port);
          break;
        }
    }

  return g_steal_pointer (&process);
}

typedef struct {
  DslMessageRow *row;
  DslMessage    *message;
  gint64         shown_at;
} Watch;

/* Checked once per frame after the last chunk: is all of it on screen? */
static gboolean
watch_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  Watch *watch = user_data;
  g_autofree char *answer = NULL;
  g_autofree char *reasoning = NULL;

  if (watch->shown_at != 0)
    return G_SOURCE_CONTINUE;

  answer = dsl_message_row_dup_answer_text (watch->row);
  reasoning = dsl_reasoning_section_dup_text (dsl_message_row_get_reasoning (watch->row));
  if (g_str_equal (answer, dsl_message_get_content (watch->message)) &&
      g_str_equal (reasoning, dsl_message_get_reasoning (watch->message)))
    watch->shown_at = g_get_monotonic_time ();

  return G_SOURCE_CONTINUE;
}

typedef struct {
  gint64 last_chunk_at;
} Arrival;

static void
appended_cb (DslMessage *message,
             const char *reasoning,
             const char *answer,
             Arrival    *arrival)
{
  arrival->last_chunk_at = g_get_monotonic_time ();
}

static Result
run_once (guint tokens)
{
  g_autofree char *scenario = g_strdup_printf (
    "{\"models\":[{\"name\":\"deepseek-r1:8b\"}],\"chat\":{\"reasoning_tokens\":%u,"
    "\"answer_tokens\":%u,\"tokens_per_second\":1000,\"paragraph_tokens\":60}}",
    tokens / 2, tokens - tokens / 2);
  g_autofree char *url = NULL;
  g_autoptr(GSubprocess) ollama = spawn_double (scenario, &url);
  g_autoptr(GSettings) settings = dsl_ui_test_settings ();
  DslWindow *window = dsl_ui_test_open_window (url, settings);
  DslChat *chat = dsl_chat_view_get_chat (dsl_window_get_chat_view (window));
  Stall stall = { 0 };
  Watch watch = { 0 };
  Arrival arrival = { 0 };
  Result result = { tokens };
  GtkWidget *row;
  DslMessage *message;
  double cpu_start, wall_start;
  guint probe, tick;

  g_assert_cmpstr (dsl_window_get_page (window), ==, "chat");
  dsl_test_wait_ms (200);

  cpu_start = cpu_seconds ();
  wall_start = g_get_monotonic_time () / 1e6;
  dsl_ui_test_send (window, "Write a long essay");
  row = dsl_ui_test_last_row (window);
  message = dsl_message_row_get_message (DSL_MESSAGE_ROW (row));
  g_signal_connect (message, "appended", G_CALLBACK (appended_cb), &arrival);

  /* A 4 ms probe: fine enough to see a dropped frame, cheap enough not to be the cost. */
  probe = g_timeout_add_full (G_PRIORITY_HIGH, 4, stall_probe_cb, &stall, NULL);
  dsl_test_assert_wait (!dsl_chat_get_busy (chat), 600000);

  /* Everything has arrived: wait for the frame that shows it all. */
  watch.row = DSL_MESSAGE_ROW (row);
  watch.message = message;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (window), watch_tick_cb, &watch, NULL);
  dsl_test_assert_wait (watch.shown_at != 0, 10000);
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick);
  g_source_remove (probe);

  result.cpu_s = cpu_seconds () - cpu_start;
  result.wall_s = g_get_monotonic_time () / 1e6 - wall_start;
  result.show_latency_ms = (watch.shown_at - arrival.last_chunk_at) / 1000.0;
  result.max_stall_ms = stall.max_gap / 1000.0;

  g_assert_cmpint (dsl_message_get_state (message), ==, DSL_MESSAGE_STATE_COMPLETE);
  g_signal_handlers_disconnect_by_data (message, &arrival);
  dsl_ui_test_close_window (window);
  g_subprocess_send_signal (ollama, SIGTERM);
  g_subprocess_wait (ollama, NULL, NULL);

  return result;
}

int
main (int   argc,
      char *argv[])
{
  Result small, large;

  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", SCHEMA_DIR, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_unsetenv ("DSL_SCREENSHOT_DIR");
  dsl_ui_test_init (&argc, &argv);
  /* The window as people have it, animations and all. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);

  small = run_once (1000);
  large = run_once (20000);

  g_print ("%-8s %12s %14s %12s %10s %14s\n", "tokens", "wall s", "shown after", "max stall",
           "CPU s", "CPU µs/token");
  for (guint i = 0; i < 2; i++)
    {
      Result *r = i == 0 ? &small : &large;

      g_print ("%-8u %12.2f %11.1f ms %9.1f ms %10.3f %14.1f\n", r->tokens, r->wall_s,
               r->show_latency_ms, r->max_stall_ms, r->cpu_s, r->cpu_s / r->tokens * 1e6);
    }
  g_print ("per-token CPU ratio, 20,000 vs 1,000 tokens: %.2f (1 = linear, 20 = quadratic)\n",
           (large.cpu_s / large.tokens) / (small.cpu_s / small.tokens));

  return 0;
}
