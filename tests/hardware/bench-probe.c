/* bench-probe.c: how long the real hardware probe takes on this computer
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the probe (DSL_SYSROOT as set, "/" by default, so the real NVML or nvidia-smi when there
 * is one) N times, 50 unless given, and prints the mean and the longest time in milliseconds,
 * and the longest main-loop stall meanwhile. The setup wizard shows the report at once, so the
 * probe should take under 50 ms on a machine without NVIDIA's driver.
 */

#include "config.h"

#include <stdlib.h>

#include "dsl-hardware.h"

typedef struct {
  DslHardwareReport *report;
  GError            *error;
  gboolean           done;
} Run;

typedef struct {
  gint64 last;
  gint64 max_gap;
} Stall;

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;

  run->report = dsl_hardware_probe_finish (result, &run->error);
  run->done = TRUE;
}

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

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 50;
  Stall stall = { 0 };
  double total_ms = 0, max_ms = 0;
  guint stall_id;

  if (n == 0)
    n = 50;

  stall_id = g_timeout_add (1, stall_probe_cb, &stall);

  for (guint i = 0; i < n; i++)
    {
      Run run = { 0 };
      gint64 start = g_get_monotonic_time ();
      double ms;

      dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &run);
      while (!run.done)
        g_main_context_iteration (NULL, TRUE);
      ms = (g_get_monotonic_time () - start) / 1000.0;

      if (run.error != NULL)
        g_error ("The probe failed: %s", run.error->message);

      if (i == 0)
        {
          g_autofree char *text = dsl_hardware_report_format (run.report);

          g_print ("%s\n", text);
        }

      total_ms += ms;
      max_ms = MAX (max_ms, ms);
      dsl_hardware_report_free (run.report);
    }

  g_source_remove (stall_id);

  g_print ("probe: %u runs, mean %.2f ms, max %.2f ms (target < 50 ms); "
           "longest main-loop stall %.2f ms\n",
           n, total_ms / n, max_ms, stall.max_gap / 1000.0);

  return total_ms / n < 50 ? EXIT_SUCCESS : EXIT_FAILURE;
}
