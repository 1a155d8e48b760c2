/* test-hardware.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hardware probe on fixture machines (machines/<name>/: a root tree for DSL_SYSROOT, and a
 * bin/ that becomes the whole PATH, so that this computer's own nvidia-smi is never found).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dsl-hardware.h"

#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define KB  G_GUINT64_CONSTANT (1024)

typedef struct {
  DslHardwareReport *report;
  GError            *error;
  gboolean           done;
} ProbeResult;

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ProbeResult *probe = user_data;

  probe->report = dsl_hardware_probe_finish (result, &probe->error);
  probe->done = TRUE;
}

static void
use_machine (const char *machine,
             const char *fake_mode)
{
  g_autofree char *root = g_build_filename (MACHINES_DIR, machine, NULL);
  g_autofree char *bin = g_build_filename (root, "bin", NULL);

  g_assert_true (g_file_test (root, G_FILE_TEST_IS_DIR));
  g_setenv ("DSL_SYSROOT", root, TRUE);
  g_setenv ("PATH", bin, TRUE);
  if (fake_mode != NULL)
    g_setenv ("DSL_FAKE_NVIDIA_SMI", fake_mode, TRUE);
  else
    g_unsetenv ("DSL_FAKE_NVIDIA_SMI");
  g_unsetenv ("DSL_NVIDIA_SMI_TIMEOUT_MS");
}

static void
wait_for (ProbeResult *probe)
{
  while (!probe->done)
    g_main_context_iteration (NULL, TRUE);
}

static DslHardwareReport *
probe_machine (const char *machine,
               const char *fake_mode)
{
  g_autofree char *models = g_build_filename (g_get_user_cache_dir (), "models", NULL);
  ProbeResult probe = { 0 };

  use_machine (machine, fake_mode);
  dsl_hardware_probe_async (models, g_get_user_cache_dir (), NULL, probed_cb, &probe);
  wait_for (&probe);
  g_assert_no_error (probe.error);
  g_assert_nonnull (probe.report);

  return probe.report;
}

static gboolean
has_problem (const DslHardwareReport *report,
             const char              *part)
{
  for (guint i = 0; i < report->problems->len; i++)
    if (strstr (g_ptr_array_index (report->problems, i), part) != NULL)
      return TRUE;

  return FALSE;
}

static void
assert_no_problems (const DslHardwareReport *report)
{
  for (guint i = 0; i < report->problems->len; i++)
    g_test_message ("problem: %s", (char *) g_ptr_array_index (report->problems, i));
  g_assert_cmpuint (report->problems->len, ==, 0);
}

/* TAP takes one line per message. */
static void
log_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s", lines[i]);
}

static const DslGpu *
gpu_at (const DslHardwareReport *report,
        guint                    index)
{
  g_assert_cmpuint (index, <, report->gpus->len);
  return g_ptr_array_index (report->gpus, index);
}

/* Machines *************************************************************************************/

static void
test_laptop (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("laptop-8gb", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_cmpstr (report->cpu_model, ==, "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz");
  g_assert_cmpuint (report->physical_cores, ==, 4);
  g_assert_cmpuint (report->logical_cores, ==, 8);
  g_assert_true (report->avx);
  g_assert_true (report->avx2);
  g_assert_false (report->avx512);

  g_assert_cmpuint (report->ram_total, ==, 7997276 * KB);
  g_assert_cmpuint (report->ram_available, ==, 5242880 * KB);
  g_assert_true (report->swap_known);
  g_assert_cmpuint (report->swap_total, ==, 2097148 * KB);
  g_assert_cmpuint (report->swap_free, ==, 2097148 * KB);
  g_assert_cmpuint (report->cgroup_limit, ==, 0);
  g_assert_cmpuint (dsl_hardware_report_get_usable_ram (report), ==, 7997276 * KB);

  /* Only the graphics built into the processor; its connectors are not cards. */
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_INTEL);
  g_assert_cmpstr (gpu->name, ==, "Intel Graphics (0x5917)");
  g_assert_true (gpu->integrated);
  g_assert_cmpuint (gpu->total_memory, ==, 0);
  g_assert_cmpuint (gpu->free_memory, ==, 0);
  g_assert_cmpstr (gpu->driver, ==, "i915");
  g_assert_null (gpu->compute);
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_VULKAN);
  g_assert_nonnull (strstr (gpu->unusable_reason,
                            "Ollama uses Intel graphics only through Vulkan"));
  g_assert_nonnull (strstr (gpu->unusable_reason, "shares system memory"));
  g_assert_cmpstr (gpu->source, ==, "sysfs");
}

static void
test_desktop_rtx3060 (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("desktop-rtx3060", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_cmpstr (report->cpu_model, ==, "AMD Ryzen 5 5600X 6-Core Processor");
  g_assert_cmpuint (report->physical_cores, ==, 6);
  g_assert_cmpuint (report->logical_cores, ==, 12);
  g_assert_true (report->avx2);
  g_assert_false (report->avx512);
  g_assert_cmpuint (report->ram_total, ==, 32778212 * KB);
  g_assert_cmpuint (report->swap_total, ==, 8388604 * KB);
  g_assert_cmpuint (report->cgroup_limit, ==, 0);

  /* sysfs's card0 and nvidia-smi's line are one card. */
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_NVIDIA);
  g_assert_cmpstr (gpu->name, ==, "NVIDIA GeForce RTX 3060");
  g_assert_cmpuint (gpu->total_memory, ==, 12288 * MIB);
  g_assert_cmpuint (gpu->free_memory, ==, 11781 * MIB);
  g_assert_false (gpu->integrated);
  g_assert_cmpstr (gpu->driver, ==, "550.54.14");
  g_assert_cmpstr (gpu->compute, ==, "8.6");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_CUDA);
  g_assert_null (gpu->unusable_reason);
  g_assert_cmpstr (gpu->source, ==, "nvidia-smi");
}

static void
test_amd_7900xtx (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("amd-7900xtx", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_cmpuint (report->physical_cores, ==, 16);
  g_assert_cmpuint (report->logical_cores, ==, 32);
  g_assert_true (report->avx512);
  g_assert_cmpuint (report->ram_total, ==, 65505044 * KB);
  /* No swap is a fact, not an unknown. */
  g_assert_true (report->swap_known);
  g_assert_cmpuint (report->swap_total, ==, 0);
  /* cgroup v1's "no limit" is a page-rounded 2^63. */
  g_assert_cmpuint (report->cgroup_limit, ==, 0);

  g_assert_cmpuint (report->gpus->len, ==, 2);
  gpu = gpu_at (report, 0);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_AMD);
  g_assert_cmpstr (gpu->name, ==, "AMD Radeon RX 7900 XTX/XT");
  g_assert_cmpuint (gpu->total_memory, ==, 24 * GIB);
  g_assert_cmpuint (gpu->free_memory, ==, 23 * GIB);
  g_assert_false (gpu->integrated);
  g_assert_cmpstr (gpu->driver, ==, "amdgpu");
  g_assert_cmpstr (gpu->compute, ==, "gfx1100");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_ROCM);
  g_assert_null (gpu->unusable_reason);
  g_assert_cmpstr (gpu->source, ==, "sysfs");

  /* The processor's own graphics: matched to its KFD node by render minor, listed first there. */
  gpu = gpu_at (report, 1);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_AMD);
  g_assert_cmpstr (gpu->name, ==, "AMD Radeon Graphics (Ryzen 7000)");
  g_assert_true (gpu->integrated);
  g_assert_cmpuint (gpu->total_memory, ==, 512 * MIB);
  g_assert_cmpuint (gpu->free_memory, ==, 416 * MIB);
  g_assert_cmpstr (gpu->compute, ==, "gfx1036");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_VULKAN);
  g_assert_nonnull (strstr (gpu->unusable_reason, "1 GiB"));
}

static void
test_two_gpus (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("two-gpus", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_cmpuint (report->gpus->len, ==, 2);

  gpu = gpu_at (report, 0);
  g_assert_cmpstr (gpu->name, ==, "NVIDIA GeForce RTX 4090");
  g_assert_cmpuint (gpu->total_memory, ==, 24564 * MIB);
  g_assert_cmpuint (gpu->free_memory, ==, 24083 * MIB);
  g_assert_cmpstr (gpu->compute, ==, "8.9");
  g_assert_cmpstr (gpu->driver, ==, "560.35.03");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_CUDA);

  gpu = gpu_at (report, 1);
  g_assert_cmpstr (gpu->name, ==, "NVIDIA GeForce RTX 3060");
  g_assert_cmpuint (gpu->total_memory, ==, 12288 * MIB);
  g_assert_cmpuint (gpu->free_memory, ==, 12004 * MIB);
  g_assert_cmpstr (gpu->compute, ==, "8.6");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_CUDA);
}

static void
test_server (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("server-256gb", NULL);

  assert_no_problems (report);
  g_assert_cmpstr (report->cpu_model, ==, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
  /* Two sockets: core ids repeat across them. */
  g_assert_cmpuint (report->physical_cores, ==, 64);
  g_assert_cmpuint (report->logical_cores, ==, 128);
  g_assert_true (report->avx512);
  g_assert_cmpuint (report->ram_total, ==, 263842124 * KB);
  g_assert_true (report->swap_known);
  g_assert_cmpuint (report->swap_total, ==, 0);
  /* The management chip's screen is no GPU. */
  g_assert_cmpuint (report->gpus->len, ==, 0);
}

static void
test_container_limited (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("container-limited", NULL);

  assert_no_problems (report);
  /* Without "core id" lines: "cpu cores" times sockets. */
  g_assert_cmpuint (report->physical_cores, ==, 8);
  g_assert_cmpuint (report->logical_cores, ==, 16);
  g_assert_cmpuint (report->ram_total, ==, 65841432 * KB);
  g_assert_cmpuint (report->cgroup_limit, ==, 8 * GIB);
  g_assert_cmpuint (dsl_hardware_report_get_usable_ram (report), ==, 8 * GIB);
  g_assert_cmpuint (report->gpus->len, ==, 0);
}

static void
test_old_nvidia (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("old-nvidia", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpstr (gpu->name, ==, "NVIDIA GeForce GTX 960");
  g_assert_cmpuint (gpu->total_memory, ==, 4096 * MIB);
  g_assert_cmpstr (gpu->compute, ==, "5.2");
  g_assert_cmpstr (gpu->driver, ==, "535.183.01");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_NONE);
  /* Maxwell needs 570, not just the 550 newer cards need. */
  g_assert_nonnull (gpu->unusable_reason);
  g_assert_nonnull (strstr (gpu->unusable_reason, "535.183.01"));
  g_assert_nonnull (strstr (gpu->unusable_reason, "570"));
}

static void
test_ancient_nvidia (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("ancient-nvidia", NULL);
  const DslGpu *gpu;

  assert_no_problems (report);
  g_assert_true (report->avx);
  g_assert_false (report->avx2);
  g_assert_cmpuint (report->physical_cores, ==, 4);
  g_assert_cmpuint (report->logical_cores, ==, 4);

  /* Its nvidia-smi refuses compute_cap; the second query answers without it. */
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpstr (gpu->name, ==, "GeForce GTX 660");
  g_assert_cmpuint (gpu->total_memory, ==, 1996 * MIB);
  g_assert_null (gpu->compute);
  g_assert_cmpstr (gpu->driver, ==, "390.157");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_NONE);
  g_assert_nonnull (strstr (gpu->unusable_reason, "550"));
  g_assert_cmpstr (gpu->source, ==, "nvidia-smi");
}

static void
test_broken_missing (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("broken-missing", NULL);

  g_assert_null (report->cpu_model);
  g_assert_cmpuint (report->physical_cores, ==, 0);
  g_assert_cmpuint (report->logical_cores, ==, 0);
  g_assert_cmpuint (report->ram_total, ==, 0);
  g_assert_cmpuint (report->ram_available, ==, 0);
  g_assert_false (report->swap_known);
  g_assert_cmpuint (report->cgroup_limit, ==, 0);
  g_assert_cmpuint (dsl_hardware_report_get_usable_ram (report), ==, 0);
  g_assert_cmpuint (report->gpus->len, ==, 0);

  g_assert_true (has_problem (report, "Could not read the amount of memory: /proc/meminfo is "
                                      "missing"));
  g_assert_true (has_problem (report, "Could not read the processor details: /proc/cpuinfo is "
                                      "missing"));
  /* One line each, not one per missing value. */
  g_assert_cmpuint (report->problems->len, ==, 2);
}

static void
test_broken_garbage (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("broken-garbage", NULL);
  const DslGpu *gpu;

  g_assert_null (report->cpu_model);
  g_assert_cmpuint (report->logical_cores, ==, 0);
  g_assert_false (report->avx512);
  g_assert_cmpuint (report->ram_total, ==, 0);
  g_assert_false (report->swap_known);
  g_assert_cmpuint (report->cgroup_limit, ==, 0);

  g_assert_true (has_problem (report, "/proc/cpuinfo could not be understood"));
  g_assert_true (has_problem (report, "/proc/meminfo could not be understood"));
  g_assert_true (has_problem (report, "Could not read the memory limit: "
                                      "/sys/fs/cgroup/memory.max could not be understood"));
  g_assert_true (has_problem (report, "/sys/class/drm/card0/device/mem_info_vram_total could not "
                                      "be understood"));
  g_assert_true (has_problem (report, "/sys/class/drm/card1/device/vendor could not be "
                                      "understood"));
  g_assert_true (has_problem (report, "/sys/class/kfd/kfd/topology/nodes/1/properties could not "
                                      "be understood"));
  g_assert_true (has_problem (report, "nvidia-smi failed (NVIDIA-SMI has failed because it "
                                      "couldn't communicate with the NVIDIA driver"));

  /* The card is still there, with what could be read of it. */
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_AMD);
  g_assert_cmpstr (gpu->name, ==, "AMD Radeon RX 7900 XTX/XT");
  g_assert_cmpuint (gpu->total_memory, ==, 0);
  g_assert_cmpuint (gpu->free_memory, ==, 0);
  g_assert_null (gpu->compute);
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_VULKAN);
  g_assert_nonnull (gpu->unusable_reason);
}

static void
test_broken_garbage_smi (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("broken-garbage", "garbage");

  g_assert_true (has_problem (report, "nvidia-smi’s answer could not be understood"));
  /* Nothing of the nonsense became a GPU. */
  for (guint i = 0; i < report->gpus->len; i++)
    g_assert_cmpint (gpu_at (report, i)->vendor, !=, DSL_GPU_VENDOR_NVIDIA);
}

/* The driver's card without a driver to ask: sysfs still shows it, with the reason. */
static void
test_no_nvidia_smi (void)
{
  g_autofree char *empty = g_build_filename (g_get_user_cache_dir (), "empty-bin", NULL);
  g_autoptr(DslHardwareReport) report = NULL;
  ProbeResult probe = { 0 };
  const DslGpu *gpu;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);
  use_machine ("desktop-rtx3060", NULL);
  g_setenv ("PATH", empty, TRUE);
  dsl_hardware_probe_async (empty, empty, NULL, probed_cb, &probe);
  wait_for (&probe);
  g_assert_no_error (probe.error);
  report = probe.report;

  assert_no_problems (report);
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpint (gpu->vendor, ==, DSL_GPU_VENDOR_NVIDIA);
  g_assert_cmpstr (gpu->name, ==, "NVIDIA GPU (0x2504)");
  g_assert_cmpuint (gpu->total_memory, ==, 0);
  g_assert_cmpstr (gpu->driver, ==, "nvidia");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_NONE);
  g_assert_nonnull (strstr (gpu->unusable_reason, "nvidia-smi is not installed"));
  g_assert_cmpstr (gpu->source, ==, "sysfs");
}

/* Asynchrony and cancellation ******************************************************************/

static gboolean
tick_cb (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static void
test_nvidia_smi_async (void)
{
  g_autoptr(DslHardwareReport) report = NULL;
  ProbeResult probe = { 0 };
  guint ticks = 0;
  guint tick_id;
  gint64 start;

  use_machine ("desktop-rtx3060", "slow");
  tick_id = g_timeout_add (20, tick_cb, &ticks);
  start = g_get_monotonic_time ();
  dsl_hardware_probe_async (g_get_user_cache_dir (), g_get_user_cache_dir (), NULL, probed_cb,
                            &probe);
  /* Nothing is done at once: the answer comes from the main loop. */
  g_assert_false (probe.done);
  wait_for (&probe);
  g_source_remove (tick_id);

  g_assert_no_error (probe.error);
  report = probe.report;
  /* The probe waited for the slow nvidia-smi ... */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
  g_assert_cmpstr (gpu_at (report, 0)->name, ==, "NVIDIA GeForce RTX 3060");
  /* ... while the main loop went on: a 20 ms timer fired all along. */
  g_test_message ("%u ticks while nvidia-smi slept", ticks);
  g_assert_cmpuint (ticks, >=, 25);
}

static void
test_nvidia_smi_timeout (void)
{
  g_autoptr(DslHardwareReport) report = NULL;
  ProbeResult probe = { 0 };
  const DslGpu *gpu;
  gint64 start;

  use_machine ("desktop-rtx3060", "hang");
  g_setenv ("DSL_NVIDIA_SMI_TIMEOUT_MS", "300", TRUE);
  start = g_get_monotonic_time ();
  dsl_hardware_probe_async (g_get_user_cache_dir (), g_get_user_cache_dir (), NULL, probed_cb,
                            &probe);
  wait_for (&probe);
  g_unsetenv ("DSL_NVIDIA_SMI_TIMEOUT_MS");

  g_assert_no_error (probe.error);
  report = probe.report;
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_true (has_problem (report, "nvidia-smi did not answer within 1 second"));
  /* The rest of the report is all there. */
  g_assert_cmpuint (report->ram_total, ==, 32778212 * KB);
  g_assert_cmpuint (report->gpus->len, ==, 1);
  gpu = gpu_at (report, 0);
  g_assert_cmpstr (gpu->source, ==, "sysfs");
  g_assert_cmpint (gpu->library, ==, DSL_GPU_LIBRARY_NONE);
  g_assert_nonnull (strstr (gpu->unusable_reason, "did not answer"));
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_cancel_during_nvidia_smi (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ProbeResult probe = { 0 };
  gboolean settled = FALSE;
  gint64 start;

  use_machine ("desktop-rtx3060", "slow");
  g_timeout_add (200, cancel_cb, cancellable);
  start = g_get_monotonic_time ();
  dsl_hardware_probe_async (g_get_user_cache_dir (), g_get_user_cache_dir (), cancellable,
                            probed_cb, &probe);
  wait_for (&probe);

  g_assert_error (probe.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (probe.report);
  /* It did not wait for nvidia-smi's second of sleep. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900 * 1000);
  g_clear_error (&probe.error);

  /* Nothing of the probe is left to call back later. */
  g_timeout_add (1200, set_flag_cb, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_cancel_before (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ProbeResult probe = { 0 };

  use_machine ("two-gpus", NULL);
  g_cancellable_cancel (cancellable);
  dsl_hardware_probe_async (NULL, NULL, cancellable, probed_cb, &probe);
  wait_for (&probe);

  g_assert_error (probe.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (probe.report);
  g_clear_error (&probe.error);
}

/* Disk *****************************************************************************************/

static guint64
free_space (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                           NULL, NULL);

  g_assert_nonnull (info);
  return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
}

static void
assert_close (guint64 a,
              guint64 b)
{
  guint64 diff = a > b ? a - b : b - a;

  /* Other programs write meanwhile. */
  g_assert_cmpuint (diff, <, 256 * MIB);
}

static void
test_disk (void)
{
  const char *base = g_get_user_cache_dir ();
  g_autofree char *models = g_build_filename (base, "not", "yet", "there", NULL);
  g_autofree char *file = g_build_filename (base, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (file, "ollama", NULL);
  g_autoptr(DslHardwareReport) report = NULL;
  ProbeResult probe = { 0 };
  guint64 expected;

  g_assert_cmpint (g_mkdir_with_parents (base, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  expected = free_space (base);

  use_machine ("laptop-8gb", NULL);
  dsl_hardware_probe_async (models, under_file, NULL, probed_cb, &probe);
  wait_for (&probe);
  g_assert_no_error (probe.error);
  report = probe.report;

  assert_no_problems (report);
  /* The paths as asked for, the space of the nearest folder that exists. */
  g_assert_cmpstr (report->models_path, ==, models);
  g_assert_cmpstr (report->install_path, ==, under_file);
  g_assert_cmpuint (report->models_free, >, 0);
  assert_close (report->models_free, expected);
  assert_close (report->install_free, expected);
}

static void
test_default_paths (void)
{
  g_autofree char *models = g_build_filename (g_get_home_dir (), ".ollama", "models", NULL);
  g_autofree char *install = g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama",
                                               NULL);
  ProbeResult probe = { 0 };
  ProbeResult again = { 0 };

  use_machine ("laptop-8gb", NULL);
  g_unsetenv ("OLLAMA_MODELS");
  dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &probe);
  wait_for (&probe);
  g_assert_no_error (probe.error);
  g_assert_cmpstr (probe.report->models_path, ==, models);
  g_assert_cmpstr (probe.report->install_path, ==, install);
  g_assert_cmpuint (probe.report->models_free, >, 0);
  dsl_hardware_report_free (probe.report);

  /* Where Ollama itself would put them. */
  g_setenv ("OLLAMA_MODELS", "/srv/ollama-models", TRUE);
  dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &again);
  wait_for (&again);
  g_unsetenv ("OLLAMA_MODELS");
  g_assert_no_error (again.error);
  g_assert_cmpstr (again.report->models_path, ==, "/srv/ollama-models");
  dsl_hardware_report_free (again.report);
}

/* Output ***************************************************************************************/

static JsonObject *
to_json_object (const DslHardwareReport *report,
                JsonNode               **node)
{
  *node = dsl_hardware_report_to_json (report);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*node));
  return json_node_get_object (*node);
}

static void
test_json (void)
{
  g_autoptr(DslHardwareReport) desktop = probe_machine ("desktop-rtx3060", NULL);
  g_autoptr(DslHardwareReport) amd = probe_machine ("amd-7900xtx", NULL);
  g_autoptr(DslHardwareReport) missing = probe_machine ("broken-missing", NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) amd_node = NULL;
  g_autoptr(JsonNode) missing_node = NULL;
  JsonObject *object;
  JsonObject *gpu;
  g_autofree char *text = NULL;

  object = to_json_object (desktop, &node);
  g_assert_cmpstr (json_object_get_string_member (object, "cpu_model"), ==,
                   "AMD Ryzen 5 5600X 6-Core Processor");
  g_assert_cmpint (json_object_get_int_member (object, "physical_cores"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (object, "logical_cores"), ==, 12);
  g_assert_true (json_object_get_boolean_member (object, "avx2"));
  g_assert_false (json_object_get_boolean_member (object, "avx512"));
  g_assert_cmpint (json_object_get_int_member (object, "ram_total"), ==, 32778212 * KB);
  g_assert_cmpint (json_object_get_int_member (object, "swap_total"), ==, 8388604 * KB);
  g_assert_cmpint (json_object_get_int_member (object, "usable_ram"), ==, 32778212 * KB);
  g_assert_true (json_object_get_null_member (object, "cgroup_limit"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "problems")), ==,
                    0);
  g_assert_true (json_object_has_member (object, "models_path"));
  g_assert_true (json_object_has_member (object, "install_free"));

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "gpus")), ==, 1);
  gpu = json_array_get_object_element (json_object_get_array_member (object, "gpus"), 0);
  g_assert_cmpstr (json_object_get_string_member (gpu, "vendor"), ==, "nvidia");
  g_assert_cmpstr (json_object_get_string_member (gpu, "name"), ==, "NVIDIA GeForce RTX 3060");
  g_assert_cmpint (json_object_get_int_member (gpu, "total_memory"), ==, 12288 * MIB);
  g_assert_cmpint (json_object_get_int_member (gpu, "free_memory"), ==, 11781 * MIB);
  g_assert_false (json_object_get_boolean_member (gpu, "integrated"));
  g_assert_cmpstr (json_object_get_string_member (gpu, "driver"), ==, "550.54.14");
  g_assert_cmpstr (json_object_get_string_member (gpu, "compute"), ==, "8.6");
  g_assert_cmpstr (json_object_get_string_member (gpu, "library"), ==, "cuda");
  g_assert_true (json_object_get_null_member (gpu, "unusable_reason"));
  g_assert_cmpstr (json_object_get_string_member (gpu, "source"), ==, "nvidia-smi");

  /* No swap: 0, not unknown. */
  object = to_json_object (amd, &amd_node);
  g_assert_cmpint (json_object_get_int_member (object, "swap_total"), ==, 0);
  gpu = json_array_get_object_element (json_object_get_array_member (object, "gpus"), 1);
  g_assert_true (json_object_get_boolean_member (gpu, "integrated"));
  g_assert_cmpstr (json_object_get_string_member (gpu, "library"), ==, "vulkan");
  g_assert_nonnull (json_object_get_string_member (gpu, "unusable_reason"));

  /* Unknown is null, and the problems say why. */
  object = to_json_object (missing, &missing_node);
  g_assert_true (json_object_get_null_member (object, "cpu_model"));
  g_assert_true (json_object_get_null_member (object, "physical_cores"));
  g_assert_true (json_object_get_null_member (object, "avx"));
  g_assert_true (json_object_get_null_member (object, "ram_total"));
  g_assert_true (json_object_get_null_member (object, "swap_total"));
  g_assert_true (json_object_get_null_member (object, "usable_ram"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "problems")), ==,
                    2);

  text = json_to_string (node, TRUE);
  log_lines (text);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    {
      log_lines (text);
      g_error ("“%s” not in the text", part);
    }
}

/* g_format_size () puts a no-break space before the unit; the tests spell it as a space. */
static char *
format_plain (const DslHardwareReport *report)
{
  g_autofree char *text = dsl_hardware_report_format (report);
  g_auto(GStrv) parts = g_strsplit (text, "\u00a0", -1);

  return g_strjoinv (" ", parts);
}

static void
test_format (void)
{
  g_autoptr(DslHardwareReport) desktop = probe_machine ("desktop-rtx3060", NULL);
  g_autoptr(DslHardwareReport) container = probe_machine ("container-limited", NULL);
  g_autoptr(DslHardwareReport) laptop = probe_machine ("laptop-8gb", NULL);
  g_autoptr(DslHardwareReport) old = probe_machine ("old-nvidia", NULL);
  g_autoptr(DslHardwareReport) missing = probe_machine ("broken-missing", NULL);
  g_autofree char *text = format_plain (desktop);
  g_autofree char *container_text = format_plain (container);
  g_autofree char *laptop_text = format_plain (laptop);
  g_autofree char *old_text = format_plain (old);
  g_autofree char *missing_text = format_plain (missing);

  log_lines (text);
  assert_contains (text, "Processor: AMD Ryzen 5 5600X 6-Core Processor\n");
  assert_contains (text, "6 cores, 12 threads; AVX2: yes; AVX-512: no");
  assert_contains (text, "Memory: 31.3 GiB");
  assert_contains (text, "Swap: 8.0 GiB (8.0 GiB free)");
  assert_contains (text, "Memory limit for this program (cgroup): none");
  assert_contains (text, "NVIDIA GeForce RTX 3060: 12.0 GiB, 11.5 GiB free; driver 550.54.14; "
                         "compute capability 8.6\n");
  assert_contains (text, "Ollama uses it with CUDA\n");
  assert_contains (text, "Disk space:\n");
  g_assert_null (strstr (text, "Could not be read"));

  assert_contains (container_text, "Memory limit for this program (cgroup): 8.0 GiB");
  assert_contains (container_text, "Memory a model may use: 8.0 GiB");
  assert_contains (container_text, "none found");

  assert_contains (laptop_text, "Intel Graphics (0x5917): integrated, shares system memory; "
                                "driver i915");
  assert_contains (laptop_text, "Ollama can use it only with Vulkan: Ollama uses Intel graphics "
                                "only through Vulkan");

  assert_contains (old_text, "Ollama cannot use it: ");

  log_lines (missing_text);
  assert_contains (missing_text, "Processor: unknown\n");
  assert_contains (missing_text, "Memory: unknown (unknown available)");
  assert_contains (missing_text, "Swap: unknown");
  assert_contains (missing_text, "Could not be read:\n");
  assert_contains (missing_text, "/proc/meminfo is missing");
}

static void
test_copy (void)
{
  g_autoptr(DslHardwareReport) report = probe_machine ("amd-7900xtx", NULL);
  g_autoptr(DslHardwareReport) copy = g_boxed_copy (DSL_TYPE_HARDWARE_REPORT, report);
  g_autoptr(JsonNode) a = dsl_hardware_report_to_json (report);
  g_autoptr(JsonNode) b = dsl_hardware_report_to_json (copy);
  g_autofree char *text_a = json_to_string (a, FALSE);
  g_autofree char *text_b = json_to_string (b, FALSE);

  g_assert_cmpstr (text_a, ==, text_b);
  g_assert_true (copy->gpus != report->gpus);
  g_assert_true (gpu_at (copy, 0)->name != gpu_at (report, 0)->name);

  /* A hand-made report, as the fit estimate's tests build them. */
  {
    g_autoptr(DslHardwareReport) made = dsl_hardware_report_new ();
    DslGpu *gpu = dsl_gpu_new (DSL_GPU_VENDOR_NVIDIA);
    g_autoptr(JsonNode) node = NULL;

    gpu->name = g_strdup ("Test GPU");
    gpu->total_memory = 8 * GIB;
    gpu->library = DSL_GPU_LIBRARY_CUDA;
    g_ptr_array_add (made->gpus, gpu);
    made->ram_total = 16 * GIB;
    node = dsl_hardware_report_to_json (made);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    g_assert_cmpuint (dsl_hardware_report_get_usable_ram (made), ==, 16 * GIB);
  }
}

/* This computer, with the real NVML where there is one: whatever it has, no crash. */
static void
test_this_machine (void)
{
  g_autoptr(DslHardwareReport) report = NULL;
  g_autofree char *text = NULL;
  ProbeResult probe = { 0 };

  g_unsetenv ("DSL_SYSROOT");
  g_setenv ("PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  dsl_hardware_probe_async (g_get_user_cache_dir (), g_get_user_cache_dir (), NULL, probed_cb,
                            &probe);
  wait_for (&probe);
  g_assert_no_error (probe.error);
  report = probe.report;

  text = dsl_hardware_report_format (report);
  log_lines (text);
  if (g_file_test ("/proc/meminfo", G_FILE_TEST_EXISTS))
    g_assert_cmpuint (report->ram_total, >, 0);
  if (g_file_test ("/proc/cpuinfo", G_FILE_TEST_EXISTS))
    g_assert_cmpuint (report->logical_cores, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/hardware/laptop-8gb", test_laptop);
  g_test_add_func ("/dsl/hardware/desktop-rtx3060", test_desktop_rtx3060);
  g_test_add_func ("/dsl/hardware/amd-7900xtx", test_amd_7900xtx);
  g_test_add_func ("/dsl/hardware/two-gpus", test_two_gpus);
  g_test_add_func ("/dsl/hardware/server-256gb", test_server);
  g_test_add_func ("/dsl/hardware/container-limited", test_container_limited);
  g_test_add_func ("/dsl/hardware/old-nvidia", test_old_nvidia);
  g_test_add_func ("/dsl/hardware/ancient-nvidia", test_ancient_nvidia);
  g_test_add_func ("/dsl/hardware/broken-missing", test_broken_missing);
  g_test_add_func ("/dsl/hardware/broken-garbage", test_broken_garbage);
  g_test_add_func ("/dsl/hardware/broken-garbage-nvidia-smi", test_broken_garbage_smi);
  g_test_add_func ("/dsl/hardware/no-nvidia-smi", test_no_nvidia_smi);
  g_test_add_func ("/dsl/hardware/nvidia-smi-async", test_nvidia_smi_async);
  g_test_add_func ("/dsl/hardware/nvidia-smi-timeout", test_nvidia_smi_timeout);
  g_test_add_func ("/dsl/hardware/cancel-during-nvidia-smi", test_cancel_during_nvidia_smi);
  g_test_add_func ("/dsl/hardware/cancel-before", test_cancel_before);
  g_test_add_func ("/dsl/hardware/disk", test_disk);
  g_test_add_func ("/dsl/hardware/default-paths", test_default_paths);
  g_test_add_func ("/dsl/hardware/json", test_json);
  g_test_add_func ("/dsl/hardware/format", test_format);
  g_test_add_func ("/dsl/hardware/copy", test_copy);
  g_test_add_func ("/dsl/hardware/this-machine", test_this_machine);

  return g_test_run ();
}
