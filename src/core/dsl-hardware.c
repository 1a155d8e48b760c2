/* dsl-hardware.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-hardware"

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "dsl-hardware.h"

/* Where the facts come from (ollama-api.md section 5 says how Ollama itself decides):
 *
 *   CPU        DSL_SYSROOT/proc/cpuinfo (cores from sys/devices/system/cpu/cpu*\/topology when
 *              cpuinfo does not say)
 *   memory     DSL_SYSROOT/proc/meminfo
 *   limit      cgroup v2 memory.max, cgroup v1 memory.limit_in_bytes, in the process's own
 *              cgroup from proc/self/cgroup and every cgroup above it: the smallest one counts
 *   NVIDIA     NVML (libnvidia-ml.so.1, as Ollama does) on the real system only, else
 *              `nvidia-smi` found on PATH
 *   AMD, Intel sys/class/drm/card*\/device, and the KFD topology for the AMD gfx target
 *   disk       the filesystem of the models folder and of the install folder (not below
 *              DSL_SYSROOT: these are the user's own paths)
 *
 * The JSON form (dsl_hardware_report_to_json ()), one object; bytes are integers, and a value
 * that could not be read is null (the reason is in "problems"):
 *
 *   cpu_model        string   the processor's name as the kernel gives it
 *   physical_cores   int      cores; hyper-threads are not counted
 *   logical_cores    int      threads the kernel schedules on
 *   avx, avx2,       bool     instruction sets Ollama's CPU code picks its fastest path by;
 *   avx512                    null when the processor could not be read at all
 *   ram_total        int      bytes of RAM the kernel manages
 *   ram_available    int      bytes that can be taken without swapping (MemAvailable)
 *   swap_total,      int      bytes of swap space; 0 = no swap; null = could not be read
 *   swap_free
 *   cgroup_limit     int      bytes this process (and Ollama started by it) may use at most;
 *                             null when there is no limit
 *   usable_ram       int      the smaller of ram_total and cgroup_limit
 *   gpus             array    in the order the kernel numbers the cards, each:
 *     vendor           string   "nvidia", "amd", "intel", "other"
 *     name             string   "NVIDIA GeForce RTX 3060"
 *     total_memory     int      bytes of the card's own memory; null for integrated graphics,
 *                               which use system RAM
 *     free_memory      int      bytes of that still free
 *     integrated       bool     shares system RAM
 *     driver           string   "550.54.14" for NVIDIA, the kernel driver ("amdgpu") otherwise
 *     compute          string   NVIDIA compute capability ("8.6") or AMD gfx target ("gfx1100")
 *     library          string   how Ollama would use it: "cuda", "rocm", "vulkan" (only with
 *                               OLLAMA_VULKAN=1, slower) or "none" (the CPU does the work)
 *     unusable_reason  string   translated: why Ollama cannot use it, or uses it only through
 *                               Vulkan; null when Ollama uses it with CUDA or ROCm
 *     source           string   "nvml", "nvidia-smi" or "sysfs"
 *   models_path      string   where Ollama keeps models ($OLLAMA_MODELS, else ~/.ollama/models)
 *   models_free      int      bytes free on that filesystem (of its nearest existing folder)
 *   install_path     string   where this app would install Ollama
 *   install_free     int      bytes free there
 *   problems         array    of translated lines, one per value that could not be read
 */

/* nvidia-smi answers in well under a second; a hung driver must not hold the probe forever.
 * DSL_NVIDIA_SMI_TIMEOUT_MS overrides it (tests, very slow machines). */
#define NVIDIA_SMI_TIMEOUT_MS 5000
/* cgroup files say "max", or a page-rounded 2^63 on cgroup v1, for "no limit". */
#define NO_LIMIT_THRESHOLD (G_GUINT64_CONSTANT (1) << 60)
#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

#define VENDOR_NVIDIA 0x10de
#define VENDOR_AMD    0x1002
#define VENDOR_INTEL  0x8086

G_DEFINE_BOXED_TYPE (DslHardwareReport, dsl_hardware_report,
                     dsl_hardware_report_copy, dsl_hardware_report_free)

/* Report and GPU ********************************************************************************/

/**
 * dsl_gpu_new:
 * @vendor: who made it
 *
 * Returns: (transfer full): a GPU with every value unknown
 */
DslGpu *
dsl_gpu_new (DslGpuVendor vendor)
{
  DslGpu *gpu = g_new0 (DslGpu, 1);

  gpu->vendor = vendor;
  gpu->library = DSL_GPU_LIBRARY_NONE;
  return gpu;
}

/**
 * dsl_gpu_copy:
 *
 * Returns: (transfer full): a deep copy of @gpu
 */
DslGpu *
dsl_gpu_copy (const DslGpu *gpu)
{
  DslGpu *copy;

  g_return_val_if_fail (gpu != NULL, NULL);

  copy = g_memdup2 (gpu, sizeof *gpu);
  copy->name = g_strdup (gpu->name);
  copy->driver = g_strdup (gpu->driver);
  copy->compute = g_strdup (gpu->compute);
  copy->unusable_reason = g_strdup (gpu->unusable_reason);
  copy->source = g_strdup (gpu->source);
  return copy;
}

void
dsl_gpu_free (DslGpu *gpu)
{
  if (gpu == NULL)
    return;

  g_free (gpu->name);
  g_free (gpu->driver);
  g_free (gpu->compute);
  g_free (gpu->unusable_reason);
  g_free (gpu->source);
  g_free (gpu);
}

/**
 * dsl_hardware_report_new:
 *
 * Returns: (transfer full): a report with every value unknown, no GPUs and no problems
 */
DslHardwareReport *
dsl_hardware_report_new (void)
{
  DslHardwareReport *report = g_new0 (DslHardwareReport, 1);

  report->gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_gpu_free);
  report->problems = g_ptr_array_new_with_free_func (g_free);
  return report;
}

/**
 * dsl_hardware_report_copy:
 *
 * Returns: (transfer full): a deep copy of @report
 */
DslHardwareReport *
dsl_hardware_report_copy (const DslHardwareReport *report)
{
  DslHardwareReport *copy;

  g_return_val_if_fail (report != NULL, NULL);

  copy = g_memdup2 (report, sizeof *report);
  copy->cpu_model = g_strdup (report->cpu_model);
  copy->models_path = g_strdup (report->models_path);
  copy->install_path = g_strdup (report->install_path);
  copy->gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_gpu_free);
  copy->problems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; report->gpus != NULL && i < report->gpus->len; i++)
    g_ptr_array_add (copy->gpus, dsl_gpu_copy (g_ptr_array_index (report->gpus, i)));
  for (guint i = 0; report->problems != NULL && i < report->problems->len; i++)
    g_ptr_array_add (copy->problems, g_strdup (g_ptr_array_index (report->problems, i)));

  return copy;
}

void
dsl_hardware_report_free (DslHardwareReport *report)
{
  if (report == NULL)
    return;

  g_free (report->cpu_model);
  g_free (report->models_path);
  g_free (report->install_path);
  g_clear_pointer (&report->gpus, g_ptr_array_unref);
  g_clear_pointer (&report->problems, g_ptr_array_unref);
  g_free (report);
}

/**
 * dsl_hardware_report_get_usable_ram:
 *
 * A container's memory limit caps what a model may use, however much RAM the host has.
 *
 * Returns: bytes of RAM a model may use; 0 when unknown
 */
guint64
dsl_hardware_report_get_usable_ram (const DslHardwareReport *report)
{
  g_return_val_if_fail (report != NULL, 0);

  if (report->cgroup_limit == 0)
    return report->ram_total;
  if (report->ram_total == 0)
    return report->cgroup_limit;

  return MIN (report->ram_total, report->cgroup_limit);
}

const char *
dsl_gpu_vendor_to_string (DslGpuVendor vendor)
{
  switch (vendor)
    {
    case DSL_GPU_VENDOR_NVIDIA:
      return "nvidia";
    case DSL_GPU_VENDOR_AMD:
      return "amd";
    case DSL_GPU_VENDOR_INTEL:
      return "intel";
    case DSL_GPU_VENDOR_OTHER:
      return "other";
    case DSL_GPU_VENDOR_UNKNOWN:
    default:
      return "unknown";
    }
}

const char *
dsl_gpu_library_to_string (DslGpuLibrary library)
{
  switch (library)
    {
    case DSL_GPU_LIBRARY_CUDA:
      return "cuda";
    case DSL_GPU_LIBRARY_ROCM:
      return "rocm";
    case DSL_GPU_LIBRARY_VULKAN:
      return "vulkan";
    case DSL_GPU_LIBRARY_NONE:
    default:
      return "none";
    }
}

/* Small parsers *********************************************************************************/

static void add_problem (GPtrArray  *problems,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);

static void
add_problem (GPtrArray  *problems,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (problems, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Strict: the whole text (spaces around it aside) is one number, so "12x" or "-1" is not 12 or
 * a huge value. */
static gboolean
parse_u64 (const char *text,
           guint      base,
           guint64   *value)
{
  g_autofree char *copy = NULL;
  const char *digits;
  char *end = NULL;
  guint64 n;

  if (text == NULL)
    return FALSE;

  copy = g_strstrip (g_strdup (text));
  digits = copy;
  if (base == 16 && (g_str_has_prefix (digits, "0x") || g_str_has_prefix (digits, "0X")))
    digits += 2;
  if (!g_ascii_isxdigit (digits[0]) || (base == 10 && !g_ascii_isdigit (digits[0])))
    return FALSE;

  errno = 0;
  n = g_ascii_strtoull (digits, &end, base);
  if (errno != 0 || end == digits || *end != '\0')
    return FALSE;

  *value = n;
  return TRUE;
}

/* A file below the root; NULL with @error set when it cannot be read. */
static char *
read_root_file (const char  *root,
                const char  *rel,
                GError     **error)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  return contents;
}

/* "/proc/meminfo is missing": the path as it is on the machine, not below the test root. */
static char *
describe_read_error (const char   *rel,
                     const GError *error)
{
  g_autofree char *shown = g_strconcat ("/", rel, NULL);

  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return g_strdup_printf (_("%s is missing"), shown);

  return g_strdup_printf (_("%s could not be read (%s)"), shown, error->message);
}

static char *
describe_garbage (const char *rel)
{
  g_autofree char *shown = g_strconcat ("/", rel, NULL);

  return g_strdup_printf (_("%s could not be understood"), shown);
}

/* A one-value sysfs file. Returns FALSE when it is missing; sets *garbage when it is there
 * but does not hold a number. */
static gboolean
read_root_number (const char *root,
                  const char *rel,
                  guint       base,
                  guint64    *value,
                  gboolean   *garbage)
{
  g_autofree char *text = read_root_file (root, rel, NULL);

  *garbage = FALSE;
  if (text == NULL)
    return FALSE;
  if (!parse_u64 (text, base, value))
    {
      *garbage = TRUE;
      return FALSE;
    }

  return TRUE;
}

static char *
read_root_line (const char *root,
                const char *rel)
{
  g_autofree char *text = read_root_file (root, rel, NULL);

  if (text == NULL)
    return NULL;

  g_strstrip (text);
  if (text[0] == '\0' || !g_utf8_validate (text, -1, NULL))
    return NULL;

  return g_steal_pointer (&text);
}

/* The real directory behind a sysfs link, to tell two names of one device apart. */
static char *
resolve_dir (const char *root,
             const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  char *real = realpath (path, NULL);
  char *copy = g_strdup (real);

  free (real);
  return copy;
}

static char *
link_basename (const char *root,
               const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *target = g_file_read_link (path, NULL);

  if (target == NULL)
    return NULL;

  return g_path_get_basename (target);
}

/* CPU *******************************************************************************************/

static gboolean
has_flag (char       **flags,
          const char  *flag)
{
  return flags != NULL && g_strv_contains ((const char * const *) flags, flag);
}

/* Linux lists, for each core, the threads that share it; one distinct list is one core. This is
 * the kernel's own answer on machines whose cpuinfo has no "core id" (ARM). */
static guint
count_cores_from_topology (const char *root)
{
  g_autofree char *dir_path = g_build_filename (root, "sys/devices/system/cpu", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GHashTable) cores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *rel = NULL;
      g_autofree char *list = NULL;
      guint64 n;

      if (!g_str_has_prefix (name, "cpu") || !parse_u64 (name + 3, 10, &n))
        continue;

      rel = g_strdup_printf ("sys/devices/system/cpu/%s/topology/core_cpus_list", name);
      list = read_root_line (root, rel);
      if (list == NULL)
        {
          g_free (rel);
          rel = g_strdup_printf ("sys/devices/system/cpu/%s/topology/thread_siblings_list", name);
          list = read_root_line (root, rel);
        }
      if (list == NULL)
        return 0;

      g_hash_table_add (cores, g_steal_pointer (&list));
    }

  return g_hash_table_size (cores);
}

static void
read_cpu (const char        *root,
          DslHardwareReport *report)
{
  static const char rel[] = "proc/cpuinfo";
  g_autoptr(GError) error = NULL;
  g_autofree char *text = read_root_file (root, rel, &error);
  g_autoptr(GHashTable) core_pairs = NULL;
  g_autoptr(GHashTable) sockets = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) flags = NULL;
  g_autofree char *model = NULL;
  g_autofree char *physical_id = NULL;
  g_autofree char *core_id = NULL;
  guint64 cores_per_socket = 0;
  guint logical = 0;
  gboolean every_block_has_core_id = TRUE;
  gboolean in_block = FALSE;

  if (text == NULL)
    {
      g_autofree char *why = describe_read_error (rel, error);

      add_problem (report->problems, _("Could not read the processor details: %s"), why);
      return;
    }

  core_pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (text, "\n", -1);

  /* One block per logical processor, separated by blank lines; the extra NULL ends the last. */
  for (guint i = 0; ; i++)
    {
      const char *line = lines[i];
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      const char *colon;

      if (line == NULL || g_strstrip (lines[i])[0] == '\0')
        {
          if (in_block)
            {
              if (physical_id != NULL && core_id != NULL)
                g_hash_table_add (core_pairs, g_strdup_printf ("%s:%s", physical_id, core_id));
              else
                every_block_has_core_id = FALSE;
            }
          in_block = FALSE;
          g_clear_pointer (&physical_id, g_free);
          g_clear_pointer (&core_id, g_free);
          if (line == NULL)
            break;
          continue;
        }

      colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      key = g_strstrip (g_strndup (line, colon - line));
      value = g_strstrip (g_strdup (colon + 1));

      if (g_str_equal (key, "processor"))
        {
          guint64 n;

          if (!parse_u64 (value, 10, &n))
            continue;
          logical++;
          in_block = TRUE;
        }
      else if (g_str_equal (key, "model name") && model == NULL && value[0] != '\0')
        {
          model = g_steal_pointer (&value);
        }
      else if (g_str_equal (key, "physical id"))
        {
          g_hash_table_add (sockets, g_strdup (value));
          g_free (physical_id);
          physical_id = g_steal_pointer (&value);
        }
      else if (g_str_equal (key, "core id"))
        {
          g_free (core_id);
          core_id = g_steal_pointer (&value);
        }
      else if (g_str_equal (key, "cpu cores") && cores_per_socket == 0)
        {
          if (!parse_u64 (value, 10, &cores_per_socket))
            cores_per_socket = 0;
        }
      else if ((g_str_equal (key, "flags") || g_str_equal (key, "Features")) && flags == NULL)
        {
          flags = g_strsplit_set (value, " \t", -1);
        }
    }

  if (logical == 0)
    {
      g_autofree char *why = describe_garbage (rel);

      add_problem (report->problems, _("Could not read the processor details: %s"), why);
      return;
    }

  report->logical_cores = logical;
  report->cpu_model = model != NULL && g_utf8_validate (model, -1, NULL) ? g_steal_pointer (&model)
                                                                        : NULL;
  report->avx = has_flag (flags, "avx");
  report->avx2 = has_flag (flags, "avx2");
  report->avx512 = has_flag (flags, "avx512f");

  if (every_block_has_core_id && g_hash_table_size (core_pairs) > 0)
    report->physical_cores = g_hash_table_size (core_pairs);
  else if (cores_per_socket > 0 && cores_per_socket <= logical)
    report->physical_cores = cores_per_socket * MAX (1, g_hash_table_size (sockets));
  else
    report->physical_cores = count_cores_from_topology (root);

  if (report->physical_cores == 0 || report->physical_cores > logical)
    {
      report->physical_cores = 0;
      add_problem (report->problems,
                   _("Could not read the number of processor cores: /proc/cpuinfo does not say"));
    }

  if (report->cpu_model == NULL)
    add_problem (report->problems,
                 _("Could not read the processor’s name: /proc/cpuinfo does not say"));
}

/* Memory ****************************************************************************************/

static void
read_memory (const char        *root,
             DslHardwareReport *report)
{
  static const char rel[] = "proc/meminfo";
  g_autoptr(GError) error = NULL;
  g_autofree char *text = read_root_file (root, rel, &error);
  g_autoptr(GHashTable) values = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 *total, *available, *swap_total, *swap_free;

  if (text == NULL)
    {
      g_autofree char *why = describe_read_error (rel, error);

      add_problem (report->problems, _("Could not read the amount of memory: %s"), why);
      return;
    }

  values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *key = NULL;
      g_auto(GStrv) words = NULL;
      guint64 n, multiplier = 1;

      if (colon == NULL)
        continue;

      key = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      words = g_strsplit_set (g_strstrip ((char *) colon + 1), " \t", -1);
      if (words[0] == NULL || !parse_u64 (words[0], 10, &n))
        continue;
      if (words[1] != NULL && g_str_equal (words[1], "kB") && words[2] == NULL)
        multiplier = 1024;
      else if (words[1] != NULL)
        continue;
      if (n > G_MAXUINT64 / multiplier)
        continue;

      {
        guint64 *bytes = g_new (guint64, 1);

        *bytes = n * multiplier;
        g_hash_table_insert (values, g_steal_pointer (&key), bytes);
      }
    }

  total = g_hash_table_lookup (values, "MemTotal");
  available = g_hash_table_lookup (values, "MemAvailable");
  swap_total = g_hash_table_lookup (values, "SwapTotal");
  swap_free = g_hash_table_lookup (values, "SwapFree");

  if ((total == NULL || *total == 0) && available == NULL && swap_total == NULL)
    {
      g_autofree char *why = describe_garbage (rel);

      add_problem (report->problems, _("Could not read the amount of memory: %s"), why);
      return;
    }

  if (total != NULL && *total > 0)
    report->ram_total = *total;
  else
    add_problem (report->problems,
                 _("Could not read the amount of memory: /proc/meminfo has no MemTotal"));

  /* Only kernels before 3.14 lack it; free + cached would be a guess. */
  if (available != NULL && (report->ram_total == 0 || *available <= report->ram_total))
    report->ram_available = *available;
  else
    add_problem (report->problems,
                 _("Could not read how much memory is available: /proc/meminfo has no "
                   "MemAvailable"));

  if (swap_total != NULL && swap_free != NULL && *swap_free <= *swap_total)
    {
      report->swap_total = *swap_total;
      report->swap_free = *swap_free;
      report->swap_known = TRUE;
    }
  else
    {
      add_problem (report->problems,
                   _("Could not read the swap space: /proc/meminfo has no SwapTotal or SwapFree"));
    }
}

/* Reads one limit file; returns the limit, or 0 for none (missing, "max", absurdly large). */
static guint64
read_limit_file (const char *root,
                 const char *rel,
                 GPtrArray  *problems)
{
  g_autofree char *text = read_root_file (root, rel, NULL);
  guint64 n;

  if (text == NULL || g_str_equal (g_strstrip (text), "max"))
    return 0;

  if (!parse_u64 (text, 10, &n))
    {
      g_autofree char *why = describe_garbage (rel);

      add_problem (problems, _("Could not read the memory limit: %s"), why);
      return 0;
    }

  /* A limit of 0 cannot be meant: nothing would run at all. */
  if (n == 0 || n >= NO_LIMIT_THRESHOLD)
    return 0;

  return n;
}

/* The smallest limit on the way from the process's cgroup up to the root: a parent's limit
 * holds for everything below it. */
static guint64
walk_cgroup (const char *root,
             const char *mount,
             const char *cgroup_path,
             const char *file,
             GPtrArray  *problems)
{
  g_auto(GStrv) split = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  guint64 limit = 0;

  /* The kernel writes canonical paths; a ".." would read outside the hierarchy. */
  if (cgroup_path == NULL || strstr (cgroup_path, "..") != NULL)
    cgroup_path = "/";

  split = g_strsplit (cgroup_path, "/", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (split[i][0] != '\0')
      g_ptr_array_add (parts, split[i]);

  for (int depth = parts->len; depth >= 0; depth--)
    {
      g_autoptr(GString) rel = g_string_new (mount);
      guint64 here;

      for (int i = 0; i < depth; i++)
        {
          g_string_append_c (rel, '/');
          g_string_append (rel, g_ptr_array_index (parts, i));
        }
      g_string_append_c (rel, '/');
      g_string_append (rel, file);

      here = read_limit_file (root, rel->str, problems);
      if (here != 0 && (limit == 0 || here < limit))
        limit = here;
    }

  return limit;
}

static void
read_cgroup_limit (const char        *root,
                   DslHardwareReport *report)
{
  g_autofree char *text = read_root_file (root, "proc/self/cgroup", NULL);
  g_auto(GStrv) lines = NULL;
  const char *v2_path = NULL;
  const char *v1_path = NULL;
  guint64 v2, v1;

  /* Without the file, the root cgroups still say what a container was given. */
  lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *first = strchr (lines[i], ':');
      char *second = first != NULL ? strchr (first + 1, ':') : NULL;
      g_auto(GStrv) controllers = NULL;

      if (second == NULL)
        continue;

      *first = '\0';
      *second = '\0';
      controllers = g_strsplit (first + 1, ",", -1);
      if (g_str_equal (lines[i], "0") && first[1] == '\0')
        v2_path = second + 1;
      else if (g_strv_contains ((const char * const *) controllers, "memory"))
        v1_path = second + 1;
    }

  v2 = walk_cgroup (root, "sys/fs/cgroup", v2_path, "memory.max", report->problems);
  v1 = walk_cgroup (root, "sys/fs/cgroup/memory", v1_path, "memory.limit_in_bytes",
                    report->problems);

  if (v2 != 0 && v1 != 0)
    report->cgroup_limit = MIN (v2, v1);
  else
    report->cgroup_limit = v2 != 0 ? v2 : v1;
}

/* NVIDIA ****************************************************************************************/

/* The few NVML types and calls Ollama uses too (no NVIDIA headers needed: the ABI is stable). */
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

#define NVML_SUCCESS 0
#define NVML_NAME_LENGTH 96
#define NVML_DRIVER_LENGTH 80

typedef struct {
  nvmlReturn_t (*init) (void);
  nvmlReturn_t (*shutdown) (void);
  nvmlReturn_t (*get_count) (unsigned int *count);
  nvmlReturn_t (*get_handle) (unsigned int  index,
                              nvmlDevice_t *device);
  nvmlReturn_t (*get_name) (nvmlDevice_t  device,
                            char         *name,
                            unsigned int  length);
  nvmlReturn_t (*get_memory) (nvmlDevice_t  device,
                              nvmlMemory_t *memory);
  nvmlReturn_t (*get_driver) (char         *version,
                              unsigned int  length);
  nvmlReturn_t (*get_compute) (nvmlDevice_t  device,
                               int          *major,
                               int          *minor);
} Nvml;

/* Loaded once and kept: unloading NVML while another probe may use it buys nothing. */
static const Nvml *
load_nvml (void)
{
  static Nvml nvml;
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      void *lib = dlopen ("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
      gsize result = 1;

      if (lib != NULL)
        {
#define LOAD(field, symbol) ((nvml.field = (__typeof__ (nvml.field)) dlsym (lib, symbol)) != NULL)
          if (LOAD (init, "nvmlInit_v2") &&
              LOAD (shutdown, "nvmlShutdown") &&
              LOAD (get_count, "nvmlDeviceGetCount_v2") &&
              LOAD (get_handle, "nvmlDeviceGetHandleByIndex_v2") &&
              LOAD (get_name, "nvmlDeviceGetName") &&
              LOAD (get_memory, "nvmlDeviceGetMemoryInfo") &&
              LOAD (get_driver, "nvmlSystemGetDriverVersion") &&
              LOAD (get_compute, "nvmlDeviceGetCudaComputeCapability"))
            result = 2;
#undef LOAD
          else
            g_debug ("libnvidia-ml.so.1 lacks a function this program needs");
        }

      g_once_init_leave (&loaded, result);
    }

  return loaded == 2 ? &nvml : NULL;
}

/* Ollama's rule (ollama-api.md section 5): compute capability 5.0 or newer with driver 550 or
 * newer; 5.0 to 6.2 (Maxwell, Pascal) need driver 570. */
static void
decide_nvidia (DslGpu *gpu)
{
  guint64 driver_major = 0;
  guint64 cc_major = 0, cc_minor = 0;
  gboolean compute_known = FALSE;
  gboolean old_card;

  if (gpu->driver != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (gpu->driver, ".", 2);

      if (!parse_u64 (parts[0], 10, &driver_major))
        driver_major = 0;
    }

  if (gpu->compute != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (gpu->compute, ".", -1);

      compute_known = g_strv_length (parts) == 2 && parse_u64 (parts[0], 10, &cc_major) &&
                      parse_u64 (parts[1], 10, &cc_minor);
    }

  old_card = compute_known && (cc_major < 6 || (cc_major == 6 && cc_minor <= 2));
  gpu->library = DSL_GPU_LIBRARY_NONE;

  if (compute_known && cc_major < 5)
    {
      gpu->unusable_reason =
        g_strdup_printf (_("Ollama needs an NVIDIA card with compute capability 5.0 or newer; "
                           "this one has %s"), gpu->compute);
    }
  else if (driver_major == 0)
    {
      gpu->unusable_reason = g_strdup (_("The NVIDIA driver version could not be read"));
    }
  else if (driver_major < 550)
    {
      gpu->unusable_reason =
        g_strdup_printf (_("The NVIDIA driver %s is too old for Ollama: update it to version "
                           "%u or newer"), gpu->driver, old_card ? 570 : 550);
    }
  else if (old_card && driver_major < 570)
    {
      gpu->unusable_reason =
        g_strdup_printf (_("Cards with compute capability %s need NVIDIA driver 570 or newer "
                           "for Ollama; this one has %s"), gpu->compute, gpu->driver);
    }
  else if (!compute_known && driver_major < 570)
    {
      /* Drivers from 550 on run no card older than 5.0, but 5.0 to 6.2 would need 570. */
      gpu->unusable_reason =
        g_strdup_printf (_("The card’s compute capability could not be read; with driver %s "
                           "Ollama needs 6.3 or newer"), gpu->driver);
    }
  else
    {
      gpu->library = DSL_GPU_LIBRARY_CUDA;
    }
}

/* Returns NULL when NVML is not there or does not start (no driver, or a driver updated without
 * a reboot): nvidia-smi is asked then, and says why. */
static GPtrArray *
query_nvml (GPtrArray *problems)
{
  const Nvml *nvml = load_nvml ();
  g_autoptr(GPtrArray) gpus = NULL;
  char driver[NVML_DRIVER_LENGTH] = "";
  unsigned int count = 0;
  nvmlReturn_t ret;

  if (nvml == NULL)
    return NULL;

  if ((ret = nvml->init ()) != NVML_SUCCESS)
    {
      g_debug ("nvmlInit_v2 failed: %d", ret);
      return NULL;
    }

  gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_gpu_free);
  if (nvml->get_driver (driver, sizeof driver) != NVML_SUCCESS)
    driver[0] = '\0';

  if (nvml->get_count (&count) != NVML_SUCCESS)
    {
      add_problem (problems, _("Could not ask the NVIDIA driver how many graphics cards there "
                               "are"));
      count = 0;
    }

  for (unsigned int i = 0; i < count; i++)
    {
      g_autoptr(DslGpu) gpu = dsl_gpu_new (DSL_GPU_VENDOR_NVIDIA);
      nvmlDevice_t device = NULL;
      nvmlMemory_t memory = { 0 };
      char name[NVML_NAME_LENGTH] = "";
      int major = 0, minor = 0;

      gpu->source = g_strdup ("nvml");
      gpu->driver = driver[0] != '\0' ? g_strdup (driver) : NULL;

      if (nvml->get_handle (i, &device) != NVML_SUCCESS)
        {
          add_problem (problems, _("Could not ask the NVIDIA driver about graphics card %u"), i);
          continue;
        }

      if (nvml->get_name (device, name, sizeof name) == NVML_SUCCESS && name[0] != '\0')
        gpu->name = g_utf8_make_valid (name, -1);

      if (nvml->get_memory (device, &memory) == NVML_SUCCESS && memory.total > 0)
        {
          gpu->total_memory = memory.total;
          gpu->free_memory = memory.free;
        }
      else
        {
          add_problem (problems, _("Could not read the memory of %s"),
                       gpu->name != NULL ? gpu->name : "NVIDIA");
        }

      if (nvml->get_compute (device, &major, &minor) == NVML_SUCCESS && major > 0)
        gpu->compute = g_strdup_printf ("%d.%d", major, minor);

      decide_nvidia (gpu);
      g_ptr_array_add (gpus, g_steal_pointer (&gpu));
    }

  nvml->shutdown ();
  return g_steal_pointer (&gpus);
}

/* "12288" MiB; "[N/A]" (unified memory, some drivers) is unknown. */
static gboolean
parse_smi_mib (const char *text,
               guint64    *bytes)
{
  guint64 mib;

  if (g_str_has_prefix (text, "[N/A]") || g_str_has_prefix (text, "[Not Supported]"))
    {
      *bytes = 0;
      return TRUE;
    }

  if (!parse_u64 (text, 10, &mib) || mib > G_MAXUINT64 / MIB)
    return FALSE;

  *bytes = mib * MIB;
  return TRUE;
}

/* One GPU a line: name, memory.total, memory.free, driver_version[, compute_cap]. Returns NULL
 * when the output is not that. */
static GPtrArray *
parse_nvidia_smi (const char *output,
                  gboolean    with_compute,
                  GPtrArray  *problems)
{
  g_autoptr(GPtrArray) gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_gpu_free);
  g_autoptr(GPtrArray) gpu_problems = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (output, "\n", -1);
  guint expected = with_compute ? 5 : 4;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autoptr(DslGpu) gpu = NULL;
      const char *compute;

      if (g_strstrip (lines[i])[0] == '\0')
        continue;

      fields = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (fields) != expected)
        return NULL;
      for (guint f = 0; fields[f] != NULL; f++)
        g_strstrip (fields[f]);

      gpu = dsl_gpu_new (DSL_GPU_VENDOR_NVIDIA);
      gpu->source = g_strdup ("nvidia-smi");
      if (fields[0][0] == '\0' || fields[0][0] == '[')
        return NULL;
      gpu->name = g_strdup (fields[0]);

      if (!parse_smi_mib (fields[1], &gpu->total_memory) ||
          !parse_smi_mib (fields[2], &gpu->free_memory))
        return NULL;
      if (gpu->total_memory == 0)
        add_problem (gpu_problems, _("Could not read the memory of %s: nvidia-smi does not say"),
                     gpu->name);

      if (!g_ascii_isdigit (fields[3][0]))
        return NULL;
      gpu->driver = g_strdup (fields[3]);

      compute = with_compute ? fields[4] : NULL;
      if (compute != NULL && g_ascii_isdigit (compute[0]))
        gpu->compute = g_strdup (compute);
      else if (compute != NULL && compute[0] != '[')
        return NULL;

      decide_nvidia (gpu);
      g_ptr_array_add (gpus, g_steal_pointer (&gpu));
    }

  for (guint i = 0; i < gpu_problems->len; i++)
    g_ptr_array_add (problems, g_strdup (g_ptr_array_index (gpu_problems, i)));

  return g_steal_pointer (&gpus);
}

/* AMD, Intel and the others from sysfs ***********************************************************/

typedef struct {
  guint64  gfx_target_version;
  guint64  device_id;
  gint64   render_minor;   /* -1 = none */
  gboolean matched;
} KfdNode;

static GArray *
read_kfd_nodes (const char *root,
                GPtrArray  *problems)
{
  static const char nodes_rel[] = "sys/class/kfd/kfd/topology/nodes";
  g_autofree char *nodes_path = g_build_filename (root, nodes_rel, NULL);
  g_autoptr(GDir) dir = g_dir_open (nodes_path, 0, NULL);
  g_autoptr(GArray) nodes = g_array_new (FALSE, TRUE, sizeof (KfdNode));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return g_steal_pointer (&nodes);

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *rel = g_strdup_printf ("%s/%s/properties", nodes_rel,
                                              (char *) g_ptr_array_index (names, i));
      g_autofree char *text = read_root_file (root, rel, NULL);
      g_auto(GStrv) lines = NULL;
      KfdNode node = { 0, 0, -1, FALSE };
      gboolean has_gfx = FALSE;

      if (text == NULL)
        continue;

      lines = g_strsplit (text, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        {
          g_auto(GStrv) words = g_strsplit (g_strstrip (lines[l]), " ", 2);
          guint64 value;

          if (words[0] == NULL || words[1] == NULL || !parse_u64 (words[1], 10, &value))
            continue;

          if (g_str_equal (words[0], "gfx_target_version"))
            {
              node.gfx_target_version = value;
              has_gfx = TRUE;
            }
          else if (g_str_equal (words[0], "device_id"))
            node.device_id = value;
          else if (g_str_equal (words[0], "drm_render_minor") && value <= G_MAXINT)
            node.render_minor = value;
        }

      if (!has_gfx)
        {
          g_autofree char *why = describe_garbage (rel);

          add_problem (problems, _("Could not read the AMD graphics topology: %s"), why);
          continue;
        }

      /* CPU nodes have no gfx target. */
      if (node.gfx_target_version != 0)
        g_array_append_val (nodes, node);
    }

  return g_steal_pointer (&nodes);
}

/* The render node and the card of one GPU share a device directory. */
static KfdNode *
find_kfd_node (const char *root,
               GArray     *nodes,
               const char *device_real,
               guint64     device_id)
{
  KfdNode *by_id = NULL;
  guint n_by_id = 0;

  for (guint i = 0; i < nodes->len; i++)
    {
      KfdNode *node = &g_array_index (nodes, KfdNode, i);
      g_autofree char *rel = NULL;
      g_autofree char *real = NULL;

      if (node->matched)
        continue;

      if (node->render_minor >= 0)
        {
          rel = g_strdup_printf ("sys/class/drm/renderD%" G_GINT64_FORMAT "/device",
                                 node->render_minor);
          real = resolve_dir (root, rel);
          if (real != NULL && g_str_equal (real, device_real))
            return node;
        }

      if (node->device_id == device_id)
        {
          by_id = node;
          n_by_id++;
        }
    }

  /* Without render nodes, the device id still tells when only one GPU could be meant. */
  return n_by_id == 1 ? by_id : NULL;
}

static char *
format_gfx_target (guint64 version)
{
  /* 110000 = gfx1100, 90010 = gfx90a: decimal major, then minor and stepping in hex. */
  return g_strdup_printf ("gfx%u%x%x", (guint) (version / 10000), (guint) ((version / 100) % 100),
                          (guint) (version % 100));
}

static gboolean
rocm_supports (const char *target)
{
  static const char * const supported[] = {
    "gfx908", "gfx90a", "gfx942", "gfx950", "gfx1030", "gfx1100", "gfx1101", "gfx1102",
    "gfx1150", "gfx1151", "gfx1200", "gfx1201", NULL
  };

  return g_strv_contains (supported, target);
}

typedef struct {
  guint       device;
  const char *name;
  gboolean    integrated;
} KnownDevice;

/* amdgpu only sometimes has a product_name; a few cards people ask about by name. */
static const KnownDevice amd_devices[] = {
  { 0x744c, "AMD Radeon RX 7900 XTX/XT", FALSE },
  { 0x747e, "AMD Radeon RX 7800 XT/7700 XT", FALSE },
  { 0x7480, "AMD Radeon RX 7600/7600 XT", FALSE },
  { 0x7550, "AMD Radeon RX 9070/9070 XT", FALSE },
  { 0x73bf, "AMD Radeon RX 6800/6800 XT/6900 XT", FALSE },
  { 0x73df, "AMD Radeon RX 6700/6700 XT/6750 XT", FALSE },
  { 0x73ff, "AMD Radeon RX 6600/6600 XT/6650 XT", FALSE },
  { 0x731f, "AMD Radeon RX 5600/5700", FALSE },
  { 0x15bf, "AMD Radeon 780M/760M Graphics", TRUE },
  { 0x1681, "AMD Radeon 680M/660M Graphics", TRUE },
  { 0x164e, "AMD Radeon Graphics (Ryzen 7000)", TRUE },
  { 0x1638, "AMD Radeon Graphics (Ryzen 5000)", TRUE },
  { 0x1636, "AMD Radeon Graphics (Ryzen 4000)", TRUE },
  { 0x15d8, "AMD Radeon Vega Graphics (Ryzen 3000)", TRUE },
  { 0x15dd, "AMD Radeon Vega Graphics (Ryzen 2000)", TRUE },
};

static const KnownDevice *
find_known (const KnownDevice *table,
            gsize              n,
            guint64            device)
{
  for (gsize i = 0; i < n; i++)
    if (table[i].device == device)
      return &table[i];

  return NULL;
}

/* Intel Arc cards have their own memory; everything else Intel makes is built into the CPU. */
static gboolean
intel_is_discrete (guint64 device)
{
  return (device >= 0x5690 && device <= 0x56bf) ||  /* Arc A-series (Alchemist) */
         (device >= 0xe200 && device <= 0xe2ff);    /* Arc B-series (Battlemage) */
}

/* Display adapters with no compute at all: server management chips and virtual machines' screens.
 * Listing them would tell people they have a graphics card to run models on. */
static gboolean
is_display_only (guint64 vendor)
{
  switch (vendor)
    {
    case 0x1a03: /* ASPEED (server BMC) */
    case 0x102b: /* Matrox (server BMC) */
    case 0x1234: /* QEMU standard VGA */
    case 0x1b36: /* QXL */
    case 0x15ad: /* VMware SVGA */
    case 0x1013: /* Cirrus */
    case 0x1414: /* Hyper-V */
    case 0x80ee: /* VirtualBox */
      return TRUE;
    default:
      return FALSE;
    }
}

static void
read_amd_gpu (const char *root,
              const char *card,
              const char *device_real,
              guint64     device_id,
              GArray     *kfd_nodes,
              DslGpu     *gpu,
              GPtrArray  *problems)
{
  g_autofree char *product_rel = g_strdup_printf ("sys/class/drm/%s/device/product_name", card);
  g_autofree char *total_rel = g_strdup_printf ("sys/class/drm/%s/device/mem_info_vram_total",
                                                card);
  g_autofree char *used_rel = g_strdup_printf ("sys/class/drm/%s/device/mem_info_vram_used", card);
  g_autofree char *product = read_root_line (root, product_rel);
  const KnownDevice *known = find_known (amd_devices, G_N_ELEMENTS (amd_devices), device_id);
  KfdNode *node;
  guint64 total = 0, used = 0;
  gboolean garbage = FALSE;
  gboolean small;

  if (product != NULL)
    gpu->name = g_steal_pointer (&product);
  else if (known != NULL)
    gpu->name = g_strdup (known->name);
  else
    gpu->name = g_strdup_printf ("AMD GPU (0x%04x)", (guint) device_id);

  if (read_root_number (root, total_rel, 10, &total, &garbage) && total > 0)
    {
      gpu->total_memory = total;
      if (read_root_number (root, used_rel, 10, &used, &garbage) && used <= total)
        gpu->free_memory = total - used;
      else
        add_problem (problems, _("Could not read how much memory of %s is free: %s"), gpu->name,
                     garbage ? _("the driver’s answer could not be understood")
                             : _("the driver does not say"));
    }
  else
    {
      g_autofree char *shown = g_strconcat ("/", total_rel, NULL);
      g_autofree char *why = garbage ? describe_garbage (total_rel)
                                     : g_strdup_printf (_("%s is missing"), shown);

      add_problem (problems, _("Could not read the memory of %s: %s"), gpu->name, why);
    }

  /* A carve-out of system RAM, typically 512 MiB: what Ollama calls an iGPU and skips. */
  small = gpu->total_memory > 0 && gpu->total_memory < GIB;
  gpu->integrated = (known != NULL && known->integrated) || small;

  node = find_kfd_node (root, kfd_nodes, device_real, device_id);
  if (node != NULL)
    {
      node->matched = TRUE;
      gpu->compute = format_gfx_target (node->gfx_target_version);
    }

  if (g_strcmp0 (gpu->driver, "amdgpu") != 0)
    {
      gpu->library = DSL_GPU_LIBRARY_NONE;
      gpu->unusable_reason =
        g_strdup (_("This AMD graphics card does not use the amdgpu driver, which Ollama "
                    "needs"));
    }
  else if (small)
    {
      gpu->library = DSL_GPU_LIBRARY_VULKAN;
      gpu->unusable_reason =
        g_strdup (_("Ollama skips AMD integrated graphics with less than 1 GiB of its own "
                    "memory; it could use it only through Vulkan, which is slower"));
    }
  else if (gpu->compute == NULL)
    {
      gpu->library = DSL_GPU_LIBRARY_VULKAN;
      gpu->unusable_reason =
        g_strdup (_("ROCm does not list this card (its kernel interface, /sys/class/kfd, has no "
                    "entry for it); Ollama could use it only through Vulkan, which is slower"));
    }
  else if (!rocm_supports (gpu->compute))
    {
      gpu->library = DSL_GPU_LIBRARY_VULKAN;
      gpu->unusable_reason =
        g_strdup_printf (_("ROCm does not support %s; Ollama could use this card only through "
                           "Vulkan, which is slower"), gpu->compute);
    }
  else
    {
      gpu->library = DSL_GPU_LIBRARY_ROCM;
    }
}

static void
read_intel_gpu (guint64    device_id,
                DslGpu    *gpu,
                GPtrArray *problems)
{
  gboolean discrete = intel_is_discrete (device_id);

  gpu->name = discrete ? g_strdup_printf ("Intel Arc (0x%04x)", (guint) device_id)
                       : g_strdup_printf ("Intel Graphics (0x%04x)", (guint) device_id);
  gpu->integrated = !discrete;

  if (gpu->driver != NULL && (g_str_equal (gpu->driver, "i915") || g_str_equal (gpu->driver, "xe")))
    {
      gpu->library = DSL_GPU_LIBRARY_VULKAN;
      gpu->unusable_reason =
        discrete ? g_strdup (_("Ollama uses Intel graphics only through Vulkan, which is "
                               "slower"))
                 : g_strdup (_("Ollama uses Intel graphics only through Vulkan, which is slower; "
                               "it shares system memory"));
    }
  else
    {
      gpu->library = DSL_GPU_LIBRARY_NONE;
      gpu->unusable_reason = g_strdup (_("No graphics driver is loaded for this Intel graphics"));
    }

  if (discrete)
    add_problem (problems, _("Could not read the memory of %s: its driver does not say"),
                 gpu->name);
}

static int
compare_cards (gconstpointer a,
               gconstpointer b)
{
  const char *x = *(const char * const *) a;
  const char *y = *(const char * const *) b;
  guint64 nx = g_ascii_strtoull (x + 4, NULL, 10);
  guint64 ny = g_ascii_strtoull (y + 4, NULL, 10);

  return nx < ny ? -1 : nx > ny;
}

/* Every GPU in card order. NVIDIA cards come out with what sysfs knows (source "sysfs"), which the
 * driver's own answer replaces later. */
static void
read_drm_gpus (const char *root,
               GPtrArray  *gpus,
               GPtrArray  *problems)
{
  g_autofree char *drm_path = g_build_filename (root, "sys/class/drm", NULL);
  g_autoptr(GDir) dir = g_dir_open (drm_path, 0, NULL);
  g_autoptr(GPtrArray) cards = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) kfd_nodes = NULL;
  const char *name;

  if (dir == NULL)
    return;

  /* "card0" only: "card0-HDMI-A-1" is a connector, "renderD128" the same GPU again. */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      guint64 n;

      if (g_str_has_prefix (name, "card") && parse_u64 (name + 4, 10, &n))
        g_ptr_array_add (cards, g_strdup (name));
    }
  g_ptr_array_sort (cards, compare_cards);

  kfd_nodes = read_kfd_nodes (root, problems);

  for (guint i = 0; i < cards->len; i++)
    {
      const char *card = g_ptr_array_index (cards, i);
      g_autofree char *device_rel = g_strdup_printf ("sys/class/drm/%s/device", card);
      g_autofree char *vendor_rel = g_strdup_printf ("%s/vendor", device_rel);
      g_autofree char *id_rel = g_strdup_printf ("%s/device", device_rel);
      g_autofree char *driver_rel = g_strdup_printf ("%s/driver", device_rel);
      g_autofree char *device_real = resolve_dir (root, device_rel);
      g_autoptr(DslGpu) gpu = NULL;
      guint64 vendor = 0, device_id = 0;
      gboolean garbage = FALSE;

      if (device_real == NULL || g_hash_table_contains (seen, device_real))
        continue;
      g_hash_table_add (seen, g_strdup (device_real));

      /* No vendor file: not a PCI device (simpledrm, a firmware framebuffer). */
      if (!read_root_number (root, vendor_rel, 16, &vendor, &garbage))
        {
          if (garbage)
            {
              g_autofree char *why = describe_garbage (vendor_rel);

              add_problem (problems, _("Could not read graphics card %s: %s"), card, why);
            }
          continue;
        }
      if (is_display_only (vendor))
        continue;

      if (!read_root_number (root, id_rel, 16, &device_id, &garbage))
        device_id = 0;

      switch (vendor)
        {
        case VENDOR_NVIDIA:
          gpu = dsl_gpu_new (DSL_GPU_VENDOR_NVIDIA);
          gpu->name = g_strdup_printf ("NVIDIA GPU (0x%04x)", (guint) device_id);
          break;
        case VENDOR_AMD:
          gpu = dsl_gpu_new (DSL_GPU_VENDOR_AMD);
          break;
        case VENDOR_INTEL:
          gpu = dsl_gpu_new (DSL_GPU_VENDOR_INTEL);
          break;
        default:
          gpu = dsl_gpu_new (DSL_GPU_VENDOR_OTHER);
          gpu->name = g_strdup_printf (_("Graphics adapter (0x%04x:0x%04x)"), (guint) vendor,
                                       (guint) device_id);
          gpu->unusable_reason = g_strdup (_("Ollama cannot use this graphics adapter"));
          break;
        }

      gpu->source = g_strdup ("sysfs");
      gpu->driver = link_basename (root, driver_rel);

      if (vendor == VENDOR_AMD)
        read_amd_gpu (root, card, device_real, device_id, kfd_nodes, gpu, problems);
      else if (vendor == VENDOR_INTEL)
        read_intel_gpu (device_id, gpu, problems);

      g_ptr_array_add (gpus, g_steal_pointer (&gpu));
    }
}

/* The probe *************************************************************************************/

typedef struct {
  char              *root;
  gboolean           real_root;
  DslHardwareReport *report;       /* CPU, memory, limit, sysfs GPUs, their problems */
  GPtrArray         *nvidia;       /* from NVML; NULL when NVML had nothing to say */
  char              *nvidia_smi;   /* nvidia-smi on PATH, when NVML had nothing */
} FilesData;

static void
files_data_free (FilesData *data)
{
  g_free (data->root);
  g_clear_pointer (&data->report, dsl_hardware_report_free);
  g_clear_pointer (&data->nvidia, g_ptr_array_unref);
  g_free (data->nvidia_smi);
  g_free (data);
}

/* Small /proc and /sys files, and NVML: quick, but still disk reads and a driver call that can
 * take a moment, so off the caller's main loop. */
static void
read_files_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  FilesData *data = task_data;
  DslHardwareReport *report = data->report;

  read_cpu (data->root, report);
  read_memory (data->root, report);
  read_cgroup_limit (data->root, report);

  if (g_task_return_error_if_cancelled (task))
    return;

  read_drm_gpus (data->root, report->gpus, report->problems);

  /* A fixture machine must never see this computer's real NVIDIA driver. */
  if (data->real_root)
    data->nvidia = query_nvml (report->problems);
  if (data->nvidia == NULL)
    data->nvidia_smi = g_find_program_in_path ("nvidia-smi");

  g_task_return_boolean (task, TRUE);
}

typedef struct {
  DslHardwareReport *report;       /* what the caller gets */
  DslHardwareReport *found;        /* what the worker thread read */
  GPtrArray         *nvidia;       /* NVIDIA GPUs from NVML or nvidia-smi; NULL = none asked */
  gboolean           nvidia_failed;
  GPtrArray         *late_problems[3]; /* nvidia-smi, models disk, install disk: in this order */
  guint              timeout_ms;
  guint              pending;
} Probe;

static void
probe_free (Probe *probe)
{
  g_clear_pointer (&probe->report, dsl_hardware_report_free);
  g_clear_pointer (&probe->found, dsl_hardware_report_free);
  g_clear_pointer (&probe->nvidia, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (probe->late_problems); i++)
    g_clear_pointer (&probe->late_problems[i], g_ptr_array_unref);
  g_free (probe);
}

static char *
nvidia_sysfs_only_reason (const DslGpu *gpu,
                          gboolean      asked)
{
  if (g_strcmp0 (gpu->driver, "nouveau") == 0)
    return g_strdup (_("This NVIDIA card uses the nouveau driver; Ollama needs NVIDIA’s own "
                       "driver, version 550 or newer"));
  if (gpu->driver == NULL)
    return g_strdup (_("No driver is loaded for this NVIDIA card; Ollama needs NVIDIA’s driver, "
                       "version 550 or newer"));
  if (asked)
    return g_strdup (_("The NVIDIA driver did not answer questions about this card"));

  return g_strdup (_("The NVIDIA driver could not be asked about this card (nvidia-smi is not "
                     "installed)"));
}

/* sysfs knows every card in order; the driver knows the details. The driver numbers its cards
 * in PCI order, as the kernel does, so the n-th NVIDIA card of one is the n-th of the other. */
static void
merge_gpus (Probe *probe)
{
  GPtrArray *found = probe->found->gpus;
  GPtrArray *gpus = probe->report->gpus;
  guint next = 0;

  for (guint i = 0; i < found->len; i++)
    {
      DslGpu *gpu = g_ptr_array_index (found, i);

      if (gpu->vendor != DSL_GPU_VENDOR_NVIDIA)
        {
          g_ptr_array_add (gpus, dsl_gpu_copy (gpu));
        }
      else if (probe->nvidia != NULL && next < probe->nvidia->len)
        {
          g_ptr_array_add (gpus, dsl_gpu_copy (g_ptr_array_index (probe->nvidia, next++)));
        }
      else
        {
          DslGpu *copy = dsl_gpu_copy (gpu);

          copy->library = DSL_GPU_LIBRARY_NONE;
          copy->unusable_reason = nvidia_sysfs_only_reason (gpu, probe->nvidia != NULL ||
                                                                 probe->nvidia_failed);
          g_ptr_array_add (gpus, copy);
        }
    }

  /* Cards the driver sees but sysfs does not (a container that shows only the driver). */
  for (; probe->nvidia != NULL && next < probe->nvidia->len; next++)
    g_ptr_array_add (gpus, dsl_gpu_copy (g_ptr_array_index (probe->nvidia, next)));
}

static void
probe_op_done (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);
  DslHardwareReport *report = probe->report;
  DslHardwareReport *files;

  g_assert (probe->pending > 0);
  if (--probe->pending > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_assert (probe->found != NULL);
  files = probe->found;

  report->cpu_model = g_steal_pointer (&files->cpu_model);
  report->physical_cores = files->physical_cores;
  report->logical_cores = files->logical_cores;
  report->avx = files->avx;
  report->avx2 = files->avx2;
  report->avx512 = files->avx512;
  report->ram_total = files->ram_total;
  report->ram_available = files->ram_available;
  report->swap_total = files->swap_total;
  report->swap_free = files->swap_free;
  report->swap_known = files->swap_known;
  report->cgroup_limit = files->cgroup_limit;
  merge_gpus (probe);

  for (guint i = 0; i < files->problems->len; i++)
    g_ptr_array_add (report->problems, g_strdup (g_ptr_array_index (files->problems, i)));
  for (guint p = 0; p < G_N_ELEMENTS (probe->late_problems); p++)
    for (guint i = 0; probe->late_problems[p] != NULL && i < probe->late_problems[p]->len; i++)
      g_ptr_array_add (report->problems, g_strdup (g_ptr_array_index (probe->late_problems[p], i)));

  g_task_return_pointer (task, g_steal_pointer (&probe->report),
                         (GDestroyNotify) dsl_hardware_report_free);
}

static GPtrArray *
late_problems (Probe *probe,
               guint  slot)
{
  if (probe->late_problems[slot] == NULL)
    probe->late_problems[slot] = g_ptr_array_new_with_free_func (g_free);

  return probe->late_problems[slot];
}

/* nvidia-smi, asynchronously */

typedef struct {
  GTask        *task;
  char         *path;
  gboolean      with_compute;
  GSubprocess  *process;
  GCancellable *cancellable;         /* ours: cancelled by the caller's or by the deadline */
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  GSource      *timeout;
  gboolean      timed_out;
} SmiRun;

static void
smi_run_free (SmiRun *run)
{
  if (run->timeout != NULL)
    {
      g_source_destroy (run->timeout);
      g_source_unref (run->timeout);
    }
  if (run->caller_handler != 0)
    g_cancellable_disconnect (run->caller_cancellable, run->caller_handler);
  g_clear_object (&run->caller_cancellable);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->process);
  g_clear_object (&run->task);
  g_free (run->path);
  g_free (run);
}

static void run_nvidia_smi (GTask      *task,
                            const char *path,
                            gboolean    with_compute);

static gboolean
smi_timeout_cb (gpointer user_data)
{
  SmiRun *run = user_data;

  run->timed_out = TRUE;
  g_cancellable_cancel (run->cancellable);

  return G_SOURCE_REMOVE;
}

static void
smi_caller_cancelled_cb (GCancellable *caller,
                         GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/* The first line of what it said, for the problem line: nvidia-smi's own messages say what is
 * wrong ("couldn't communicate with the NVIDIA driver"). */
static char *
first_line (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  g_autofree char *text = data != NULL ? g_utf8_make_valid (data, len) : g_strdup ("");
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] != '\0')
        {
          if (g_utf8_strlen (lines[i], -1) > 200)
            *g_utf8_offset_to_pointer (lines[i], 200) = '\0';
          return g_strdup (lines[i]);
        }
    }

  return g_strdup ("");
}

static void
smi_communicated_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SmiRun *run = user_data;
  GTask *task = run->task;
  Probe *probe = g_task_get_task_data (task);
  GPtrArray *problems = late_problems (probe, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) output = NULL;

  if (!g_subprocess_communicate_finish (G_SUBPROCESS (object), result, &output, NULL, &error))
    {
      /* Cancelled or stuck: it must not outlive the probe. */
      g_subprocess_force_exit (run->process);

      if (run->timed_out)
        {
          probe->nvidia_failed = TRUE;
          guint seconds = (probe->timeout_ms + 999) / 1000;

          add_problem (problems,
                       g_dngettext (GETTEXT_PACKAGE,
                                    "Could not ask the NVIDIA driver about the graphics cards: "
                                    "nvidia-smi did not answer within %u second",
                                    "Could not ask the NVIDIA driver about the graphics cards: "
                                    "nvidia-smi did not answer within %u seconds", seconds),
                       seconds);
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          probe->nvidia_failed = TRUE;
          add_problem (problems, _("Could not ask the NVIDIA driver about the graphics cards: "
                                   "%s"), error->message);
        }
    }
  else if (!g_subprocess_get_successful (run->process))
    {
      g_autofree char *said = first_line (output);

      /* Drivers before 510 do not know compute_cap and refuse the whole query. */
      if (run->with_compute && strstr (said, "compute_cap") != NULL)
        {
          run_nvidia_smi (task, run->path, FALSE);
          smi_run_free (run);
          return;
        }

      probe->nvidia_failed = TRUE;
      add_problem (problems, _("Could not ask the NVIDIA driver about the graphics cards: "
                               "nvidia-smi failed (%s)"), said);
    }
  else
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (output, &len);
      g_autofree char *text = g_utf8_make_valid (data != NULL ? data : "", len);
      GPtrArray *gpus = parse_nvidia_smi (text, run->with_compute, problems);

      if (gpus != NULL)
        {
          g_clear_pointer (&probe->nvidia, g_ptr_array_unref);
          probe->nvidia = gpus;
        }
      else
        {
          probe->nvidia_failed = TRUE;
          add_problem (problems, _("Could not ask the NVIDIA driver about the graphics cards: "
                                   "nvidia-smi’s answer could not be understood"));
        }
    }

  probe_op_done (task);
  smi_run_free (run);
}

static void
run_nvidia_smi (GTask      *task,
                const char *path,
                gboolean    with_compute)
{
  Probe *probe = g_task_get_task_data (task);
  SmiRun *run = g_new0 (SmiRun, 1);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GError) error = NULL;
  const char *query = with_compute
    ? "--query-gpu=name,memory.total,memory.free,driver_version,compute_cap"
    : "--query-gpu=name,memory.total,memory.free,driver_version";

  run->task = g_object_ref (task);
  run->path = g_strdup (path);
  run->with_compute = with_compute;
  run->cancellable = g_cancellable_new ();

  if (g_task_get_cancellable (task) != NULL)
    {
      run->caller_cancellable = g_object_ref (g_task_get_cancellable (task));
      run->caller_handler = g_cancellable_connect (run->caller_cancellable,
                                                   G_CALLBACK (smi_caller_cancelled_cb),
                                                   run->cancellable, NULL);
    }

  run->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                   &error, path, query, "--format=csv,noheader,nounits", NULL);
  if (run->process == NULL)
    {
      probe->nvidia_failed = TRUE;
      add_problem (late_problems (probe, 0),
                   _("Could not ask the NVIDIA driver about the graphics cards: %s"),
                   error->message);
      probe_op_done (task);
      smi_run_free (run);
      return;
    }

  run->timeout = g_timeout_source_new (probe->timeout_ms);
  g_source_set_callback (run->timeout, smi_timeout_cb, run, NULL);
  g_source_attach (run->timeout, context);

  g_subprocess_communicate_async (run->process, NULL, run->cancellable, smi_communicated_cb, run);
}

/* Free disk space, asynchronously */

typedef struct {
  GTask *task;
  guint  slot;    /* 1 = models, 2 = install: the late_problems slot */
} DiskQuery;

static void query_disk (GTask *task,
                        guint  slot,
                        GFile *file);

static void
disk_queried_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  DiskQuery *query = user_data;
  g_autoptr(GTask) task = query->task;
  guint slot = query->slot;
  Probe *probe = g_task_get_task_data (task);
  GFile *file = G_FILE (object);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = slot == 1 ? probe->report->models_path : probe->report->install_path;

  g_free (query);
  info = g_file_query_filesystem_info_finish (file, result, &error);

  /* The folder need not exist yet: its disk is that of the nearest folder that does. */
  if (info == NULL && (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
                       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY)))
    {
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        {
          query_disk (task, slot, parent);
          return;
        }
    }

  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    {
      guint64 free_bytes = g_file_info_get_attribute_uint64 (info,
                                                             G_FILE_ATTRIBUTE_FILESYSTEM_FREE);

      if (slot == 1)
        probe->report->models_free = free_bytes;
      else
        probe->report->install_free = free_bytes;
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      add_problem (late_problems (probe, slot),
                   _("Could not find out how much disk space is free at %s: %s"), path,
                   error != NULL ? error->message : _("the file system does not say"));
    }

  probe_op_done (task);
}

static void
query_disk (GTask *task,
            guint  slot,
            GFile *file)
{
  DiskQuery *query = g_new0 (DiskQuery, 1);

  query->task = g_object_ref (task);
  query->slot = slot;
  g_file_query_filesystem_info_async (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, G_PRIORITY_DEFAULT,
                                      g_task_get_cancellable (task), disk_queried_cb, query);
}

static void
files_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  FilesData *files = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    {
      probe->found = g_steal_pointer (&files->report);
      probe->nvidia = g_steal_pointer (&files->nvidia);

      if (files->nvidia_smi != NULL)
        {
          probe->pending++;
          run_nvidia_smi (task, files->nvidia_smi, TRUE);
        }
    }

  probe_op_done (task);
}

static char *
default_models_path (void)
{
  const char *env = g_getenv ("OLLAMA_MODELS");

  if (env != NULL && env[0] != '\0')
    return g_canonicalize_filename (env, NULL);

  return g_build_filename (g_get_home_dir (), ".ollama", "models", NULL);
}

/**
 * dsl_hardware_probe_async:
 * @models_path: (nullable): where models are stored; %NULL for `$OLLAMA_MODELS`, else
 *   `~/.ollama/models`
 * @install_path: (nullable): where Ollama would be installed; %NULL for
 *   `$XDG_DATA_HOME/deepseek-local/ollama`
 * @cancellable: (nullable): cancels the probe; it then ends with %G_IO_ERROR_CANCELLED
 *
 * Finds out what this computer has for running a model: processor, memory and its limit,
 * graphics cards and what Ollama would do with each, free disk space. Nothing blocks the
 * caller's main loop: files are read in a worker thread, nvidia-smi and the disk queries run
 * asynchronously on the caller's thread-default main context.
 */
void
dsl_hardware_probe_async (const char          *models_path,
                          const char          *install_path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) files_task = NULL;
  g_autoptr(GFile) models_file = NULL;
  g_autoptr(GFile) install_file = NULL;
  const char *sysroot = g_getenv ("DSL_SYSROOT");
  const char *timeout = g_getenv ("DSL_NVIDIA_SMI_TIMEOUT_MS");
  FilesData *files;
  Probe *probe;
  guint64 timeout_ms;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dsl_hardware_probe_async);

  probe = g_new0 (Probe, 1);
  probe->report = dsl_hardware_report_new ();
  probe->report->models_path = models_path != NULL ? g_strdup (models_path)
                                                   : default_models_path ();
  probe->report->install_path = install_path != NULL
    ? g_strdup (install_path)
    : g_build_filename (g_get_user_data_dir (), "deepseek-local", "ollama", NULL);
  probe->timeout_ms = NVIDIA_SMI_TIMEOUT_MS;
  if (timeout != NULL && parse_u64 (timeout, 10, &timeout_ms) && timeout_ms > 0 &&
      timeout_ms < G_MAXUINT)
    probe->timeout_ms = timeout_ms;
  g_task_set_task_data (task, probe, (GDestroyNotify) probe_free);

  files = g_new0 (FilesData, 1);
  files->root = g_canonicalize_filename (sysroot != NULL && sysroot[0] != '\0' ? sysroot : "/",
                                         "/");
  files->real_root = g_str_equal (files->root, "/");
  files->report = dsl_hardware_report_new ();

  /* One count for each operation in flight, and one for this function, so that nothing
   * finishes the probe before everything has started. */
  probe->pending = 1;

  probe->pending++;
  files_task = g_task_new (NULL, cancellable, files_read_cb, g_object_ref (task));
  g_task_set_source_tag (files_task, read_files_thread);
  g_task_set_task_data (files_task, files, (GDestroyNotify) files_data_free);
  g_task_run_in_thread (files_task, read_files_thread);

  probe->pending++;
  models_file = g_file_new_for_path (probe->report->models_path);
  query_disk (task, 1, models_file);

  probe->pending++;
  install_file = g_file_new_for_path (probe->report->install_path);
  query_disk (task, 2, install_file);

  probe_op_done (task);
}

/**
 * dsl_hardware_probe_finish:
 *
 * Returns: (transfer full): the report, or %NULL with @error set when the probe was cancelled
 */
DslHardwareReport *
dsl_hardware_probe_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == dsl_hardware_probe_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* JSON ******************************************************************************************/

static void
add_uint (JsonBuilder *builder,
           const char  *member,
           guint64      value,
           gboolean     known)
{
  json_builder_set_member_name (builder, member);
  if (known)
    json_builder_add_int_value (builder, (gint64) MIN (value, (guint64) G_MAXINT64));
  else
    json_builder_add_null_value (builder);
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_boolean (JsonBuilder *builder,
             const char  *member,
             gboolean     value,
             gboolean     known)
{
  json_builder_set_member_name (builder, member);
  if (known)
    json_builder_add_boolean_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * dsl_hardware_report_to_json:
 *
 * The fields are described at the top of dsl-hardware.c.
 *
 * Returns: (transfer full): a JSON object with every field of @report
 */
JsonNode *
dsl_hardware_report_to_json (const DslHardwareReport *report)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean cpu_known;

  g_return_val_if_fail (report != NULL, NULL);

  cpu_known = report->logical_cores > 0;

  json_builder_begin_object (builder);
  add_string (builder, "cpu_model", report->cpu_model);
  add_uint (builder, "physical_cores", report->physical_cores, report->physical_cores > 0);
  add_uint (builder, "logical_cores", report->logical_cores, report->logical_cores > 0);
  add_boolean (builder, "avx", report->avx, cpu_known);
  add_boolean (builder, "avx2", report->avx2, cpu_known);
  add_boolean (builder, "avx512", report->avx512, cpu_known);
  add_uint (builder, "ram_total", report->ram_total, report->ram_total > 0);
  add_uint (builder, "ram_available", report->ram_available, report->ram_available > 0);
  add_uint (builder, "swap_total", report->swap_total, report->swap_known);
  add_uint (builder, "swap_free", report->swap_free, report->swap_known);
  add_uint (builder, "cgroup_limit", report->cgroup_limit, report->cgroup_limit > 0);
  add_uint (builder, "usable_ram", dsl_hardware_report_get_usable_ram (report),
             dsl_hardware_report_get_usable_ram (report) > 0);

  json_builder_set_member_name (builder, "gpus");
  json_builder_begin_array (builder);
  for (guint i = 0; report->gpus != NULL && i < report->gpus->len; i++)
    {
      const DslGpu *gpu = g_ptr_array_index (report->gpus, i);

      json_builder_begin_object (builder);
      add_string (builder, "vendor", dsl_gpu_vendor_to_string (gpu->vendor));
      add_string (builder, "name", gpu->name);
      add_uint (builder, "total_memory", gpu->total_memory, gpu->total_memory > 0);
      add_uint (builder, "free_memory", gpu->free_memory, gpu->free_memory > 0);
      add_boolean (builder, "integrated", gpu->integrated, TRUE);
      add_string (builder, "driver", gpu->driver);
      add_string (builder, "compute", gpu->compute);
      add_string (builder, "library", dsl_gpu_library_to_string (gpu->library));
      add_string (builder, "unusable_reason", gpu->unusable_reason);
      add_string (builder, "source", gpu->source);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  add_string (builder, "models_path", report->models_path);
  add_uint (builder, "models_free", report->models_free, report->models_free > 0);
  add_string (builder, "install_path", report->install_path);
  add_uint (builder, "install_free", report->install_free, report->install_free > 0);

  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; report->problems != NULL && i < report->problems->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (report->problems, i));
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Text ******************************************************************************************/

/* Memory in GiB, as RAM and graphics cards are sold ("12 GB" cards hold 12 GiB); disks in GB,
 * as disks are sold and as the Files app shows them. */
static char *
format_memory (guint64 bytes)
{
  if (bytes == 0)
    return g_strdup (_("unknown"));

  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

static const char *
library_label (DslGpuLibrary library)
{
  switch (library)
    {
    case DSL_GPU_LIBRARY_CUDA:
      return _("Ollama uses it with CUDA");
    case DSL_GPU_LIBRARY_ROCM:
      return _("Ollama uses it with ROCm");
    case DSL_GPU_LIBRARY_VULKAN:
      return _("Ollama can use it only with Vulkan");
    case DSL_GPU_LIBRARY_NONE:
    default:
      return _("Ollama cannot use it");
    }
}

static void
append_disk (GString    *text,
             const char *label,
             const char *path,
             guint64     free_bytes)
{
  g_autofree char *size = free_bytes > 0 ? g_format_size (free_bytes) : g_strdup (_("unknown"));

  /* TRANSLATORS: "Models: /home/ada/.ollama/models, 80.2 GB free" */
  g_string_append_printf (text, _("  %s: %s, %s free\n"), label, path != NULL ? path : "?", size);
}

/**
 * dsl_hardware_report_format:
 *
 * The report as a person reads it, for the command line and for bug reports.
 *
 * Returns: (transfer full): translated text of several lines, ending in a line break
 */
char *
dsl_hardware_report_format (const DslHardwareReport *report)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint64 usable;

  g_return_val_if_fail (report != NULL, NULL);

  g_string_append_printf (text, _("Processor: %s\n"),
                          report->cpu_model != NULL ? report->cpu_model : _("unknown"));
  if (report->logical_cores > 0)
    {
      g_autofree char *cores = report->physical_cores > 0
        ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u core", "%u cores",
                                        report->physical_cores), report->physical_cores)
        : g_strdup (_("cores unknown"));
      g_autofree char *threads =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u thread", "%u threads",
                                      report->logical_cores), report->logical_cores);

      /* TRANSLATORS: "6 cores, 12 threads; AVX2: yes; AVX-512: no" */
      g_string_append_printf (text, _("  %s, %s; AVX2: %s; AVX-512: %s\n"), cores, threads,
                              yes_no (report->avx2), yes_no (report->avx512));
    }

  {
    g_autofree char *total = format_memory (report->ram_total);
    g_autofree char *available = format_memory (report->ram_available);

    g_string_append_printf (text, _("Memory: %s (%s available)\n"), total, available);
  }

  if (!report->swap_known)
    {
      g_string_append_printf (text, _("Swap: %s\n"), _("unknown"));
    }
  else if (report->swap_total == 0)
    {
      g_string_append_printf (text, _("Swap: %s\n"), _("none"));
    }
  else
    {
      g_autofree char *total = format_memory (report->swap_total);
      g_autofree char *free_swap = g_format_size_full (report->swap_free,
                                                       G_FORMAT_SIZE_IEC_UNITS);

      g_string_append_printf (text, _("Swap: %s (%s free)\n"), total, free_swap);
    }

  if (report->cgroup_limit > 0)
    {
      g_autofree char *limit = format_memory (report->cgroup_limit);

      g_string_append_printf (text, _("Memory limit for this program (cgroup): %s\n"), limit);
    }
  else
    {
      g_string_append_printf (text, _("Memory limit for this program (cgroup): %s\n"), _("none"));
    }

  usable = dsl_hardware_report_get_usable_ram (report);
  {
    g_autofree char *usable_text = format_memory (usable);

    g_string_append_printf (text, _("Memory a model may use: %s\n"), usable_text);
  }

  g_string_append (text, _("Graphics:\n"));
  if (report->gpus == NULL || report->gpus->len == 0)
    g_string_append_printf (text, "  %s\n", _("none found: the processor does the work"));
  for (guint i = 0; report->gpus != NULL && i < report->gpus->len; i++)
    {
      const DslGpu *gpu = g_ptr_array_index (report->gpus, i);
      g_autoptr(GString) details = g_string_new (NULL);

      if (gpu->integrated && gpu->total_memory == 0)
        {
          g_string_append (details, _("integrated, shares system memory"));
        }
      else
        {
          g_autofree char *total = format_memory (gpu->total_memory);

          if (gpu->integrated)
            g_string_append_printf (details, _("integrated, %s of its own"), total);
          else
            g_string_append (details, total);

          if (gpu->total_memory > 0)
            {
              g_autofree char *free_text = g_format_size_full (gpu->free_memory,
                                                               G_FORMAT_SIZE_IEC_UNITS);

              g_string_append_printf (details, _(", %s free"), free_text);
            }
        }
      if (gpu->driver != NULL)
        g_string_append_printf (details, _("; driver %s"), gpu->driver);
      if (gpu->compute != NULL && gpu->vendor == DSL_GPU_VENDOR_NVIDIA)
        g_string_append_printf (details, _("; compute capability %s"), gpu->compute);
      else if (gpu->compute != NULL)
        /* Translators: an AMD graphics target such as gfx1100, after the driver */
        g_string_append_printf (details, _("; %s"), gpu->compute);

      g_string_append (text, "  ");
      /* Translators: a graphics card's name, then its memory and driver */
      g_string_append_printf (text, _("%s: %s"), gpu->name != NULL ? gpu->name : _("unknown"),
                              details->str);
      g_string_append_c (text, '\n');
      if (gpu->unusable_reason != NULL)
        {
          g_string_append (text, "    ");
          /* Translators: how Ollama uses a graphics card, then why not better */
          g_string_append_printf (text, _("%s: %s"), library_label (gpu->library),
                                  gpu->unusable_reason);
          g_string_append_c (text, '\n');
        }
      else
        g_string_append_printf (text, "    %s\n", library_label (gpu->library));
    }

  g_string_append (text, _("Disk space:\n"));
  append_disk (text, _("Models"), report->models_path, report->models_free);
  append_disk (text, _("Ollama program"), report->install_path, report->install_free);

  if (report->problems != NULL && report->problems->len > 0)
    {
      g_string_append (text, _("Could not be read:\n"));
      for (guint i = 0; i < report->problems->len; i++)
        g_string_append_printf (text, "  – %s\n",
                                (const char *) g_ptr_array_index (report->problems, i));
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}
