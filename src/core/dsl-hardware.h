/* dsl-hardware.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What this computer has, as far as running a model is concerned. Every value that could not be
 * read is "unknown" (0 or NULL) and carries a reason, never a guess. Everything is read below
 * the root directory in DSL_SYSROOT ("/" when unset), and commands are found on PATH, so tests
 * run on fixture machines. */

typedef enum {
  DSL_GPU_VENDOR_UNKNOWN,
  DSL_GPU_VENDOR_NVIDIA,
  DSL_GPU_VENDOR_AMD,
  DSL_GPU_VENDOR_INTEL,
  DSL_GPU_VENDOR_OTHER,
} DslGpuVendor;

typedef enum {
  DSL_GPU_LIBRARY_NONE,    /* Ollama cannot use it: the CPU does the work */
  DSL_GPU_LIBRARY_CUDA,
  DSL_GPU_LIBRARY_ROCM,
  DSL_GPU_LIBRARY_VULKAN,  /* usable only with OLLAMA_VULKAN, slower */
} DslGpuLibrary;

typedef struct {
  DslGpuVendor   vendor;
  char          *name;            /* "NVIDIA GeForce RTX 3060", or NULL */
  guint64        total_memory;    /* bytes; 0 = unknown */
  guint64        free_memory;     /* bytes; 0 = unknown */
  gboolean       integrated;      /* shares system RAM */
  char          *driver;          /* "550.54.14", "amdgpu", or NULL */
  char          *compute;         /* NVIDIA compute capability "8.6", AMD gfx target "gfx1100" */
  DslGpuLibrary  library;         /* what Ollama would use it with */
  char          *unusable_reason; /* why Ollama cannot use it (translated), or NULL */
  char          *source;          /* where the facts came from: "nvml", "nvidia-smi", "sysfs" */
} DslGpu;

typedef struct {
  /* CPU */
  char      *cpu_model;
  guint      physical_cores;      /* 0 = unknown */
  guint      logical_cores;
  gboolean   avx;
  gboolean   avx2;
  gboolean   avx512;
  /* Memory, bytes */
  guint64    ram_total;
  guint64    ram_available;
  guint64    swap_total;
  guint64    swap_free;
  gboolean   swap_known;          /* SwapTotal/SwapFree were read: 0 then means "no swap" */
  guint64    cgroup_limit;        /* 0 = no limit */
  /* GPUs, in the order found */
  GPtrArray *gpus;                /* of DslGpu */
  /* Disk */
  char      *models_path;         /* where models are stored */
  guint64    models_free;         /* bytes free there; 0 = unknown */
  char      *install_path;        /* where Ollama would be installed */
  guint64    install_free;
  /* Values that could not be read, and why: one translated line each */
  GPtrArray *problems;            /* of char* */
} DslHardwareReport;

#define DSL_TYPE_HARDWARE_REPORT (dsl_hardware_report_get_type ())

GType              dsl_hardware_report_get_type        (void) G_GNUC_CONST;
DslHardwareReport *dsl_hardware_report_new             (void);
DslHardwareReport *dsl_hardware_report_copy            (const DslHardwareReport *report);
void               dsl_hardware_report_free            (DslHardwareReport       *report);
guint64            dsl_hardware_report_get_usable_ram  (const DslHardwareReport *report);
JsonNode          *dsl_hardware_report_to_json         (const DslHardwareReport *report);
char              *dsl_hardware_report_format          (const DslHardwareReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslHardwareReport, dsl_hardware_report_free)

/* For code that builds reports itself (tests of the fit estimate): a report's gpus array frees
 * its elements with dsl_gpu_free (). */
DslGpu            *dsl_gpu_new                         (DslGpuVendor             vendor);
DslGpu            *dsl_gpu_copy                        (const DslGpu            *gpu);
void               dsl_gpu_free                        (DslGpu                  *gpu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslGpu, dsl_gpu_free)

/* Stable names, as in the JSON: "nvidia", "amd", "intel", "other", "unknown";
 * "none", "cuda", "rocm", "vulkan". */
const char        *dsl_gpu_vendor_to_string            (DslGpuVendor             vendor);
const char        *dsl_gpu_library_to_string           (DslGpuLibrary            library);

/* models_path: NULL for the default ($OLLAMA_MODELS, else ~/.ollama/models);
 * install_path: NULL for $XDG_DATA_HOME/deepseek-local/ollama. */
void               dsl_hardware_probe_async            (const char              *models_path,
                                                        const char              *install_path,
                                                        GCancellable            *cancellable,
                                                        GAsyncReadyCallback      callback,
                                                        gpointer                 user_data);
DslHardwareReport *dsl_hardware_probe_finish           (GAsyncResult            *result,
                                                        GError                 **error);

G_END_DECLS
