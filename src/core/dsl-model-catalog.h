/* dsl-model-catalog.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "dsl-hardware.h"

G_BEGIN_DECLS

/* The DeepSeek-R1 tags of the Ollama library (resources/models.json) and, for each, whether it
 * fits a given computer. The estimate follows Ollama's own rules (ollama-api.md section 5); the
 * numbers are documented next to the code in dsl-model-catalog.c. */

#define DSL_CATALOG_MODEL_NAME "deepseek-r1"

/* The context length an estimate uses when the caller passes 0: long enough for a reasoning
 * model to think and answer. */
#define DSL_CATALOG_DEFAULT_CONTEXT 8192

#define DSL_CATALOG_ERROR (dsl_catalog_error_quark ())

typedef enum {
  DSL_CATALOG_ERROR_INVALID, /* the model table is not what this code reads */
} DslCatalogErrorCode;

typedef enum {
  DSL_KV_CACHE_F16,  /* Ollama's default */
  DSL_KV_CACHE_Q8_0, /* OLLAMA_KV_CACHE_TYPE=q8_0: half the memory */
} DslKvCacheType;

typedef enum {
  DSL_FIT_GPU,       /* every layer on the GPU(s): fast */
  DSL_FIT_PARTIAL,   /* some layers on the GPU(s), the rest on the processor */
  DSL_FIT_CPU,       /* the processor does all the work, from system memory */
  DSL_FIT_NO_MEMORY, /* does not fit in memory at all: Ollama would refuse to load it */
  DSL_FIT_NO_DISK,   /* would run, but the download does not fit on the disk */
} DslFitVerdict;

typedef enum {
  DSL_CPU_SPEED_USABLE,    /* about 5 tokens/s or more: reads like someone typing fast */
  DSL_CPU_SPEED_SLOW,      /* 2 to 5 tokens/s: a long reasoning takes minutes */
  DSL_CPU_SPEED_VERY_SLOW, /* under 2 tokens/s */
} DslCpuSpeed;

/* One tag of the library. Owned by the catalog; read-only. */
typedef struct {
  char     *tag;                /* "8b", "14b-qwen-distill-q8_0" */
  char     *name;               /* "deepseek-r1:8b": what `ollama pull` takes */
  char    **aliases;            /* other tags for the same model ("latest") */
  char     *variant_of;         /* the short tag this is another quantization of, or NULL */
  char     *base_model;         /* "DeepSeek-R1-Distill-Qwen-14B" */
  char     *built_on;           /* "Qwen2.5-14B" */
  char     *family;             /* Ollama's details.family: "qwen2", "qwen3", "llama", ... */
  double    parameters;         /* 14.8e9 */
  char     *parameter_size;     /* "14.8B", as Ollama shows it */
  double    active_parameters;  /* read per token: less than parameters for a mixture of experts */
  char     *quantization;       /* "Q4_K_M", "Q8_0", "F16" */
  guint64   download_bytes;     /* GGUF size = weights in memory */
  gboolean  download_exact;     /* byte-exact, not the library's rounded figure */
  gboolean  download_estimated; /* computed from the parameter count */
  guint     block_count;        /* layers */
  guint     head_count;
  guint     head_count_kv;
  guint     head_dim;
  guint     embedding_length;
  guint     vocab_size;
  guint64   kv_bytes_per_token; /* f16, when the head formula does not apply (671b: MLA); else 0 */
  guint     context_length;     /* trained context */
  /* The article's requirements table (seed-brief.md), or 0/NULL when it has no row. */
  char     *article_version;    /* "DeepSeek-R1-14B" */
  char     *article_parameters; /* "14B" */
  guint     article_fp16_gpu_gb;
  guint     article_ram_gb;
  char     *article_mac;        /* English; see dsl_catalog_entry_get_article_mac () */
  char     *article_windows;
} DslCatalogEntry;

/* Whether, and how, one model runs on one computer. */
typedef struct {
  DslFitVerdict   verdict;
  DslFitVerdict   placement;         /* where it runs once downloaded: verdict, unless NO_DISK */
  int             gpu_index;         /* into report->gpus: the GPU used (the largest share); -1 */
  guint           gpu_count;         /* GPUs that hold layers (Ollama splits across GPUs) */
  guint           gpu_layers;        /* layers on the GPU(s) */
  guint           total_layers;
  guint           context_length;    /* the context this estimate is for */
  DslKvCacheType  kv_cache_type;
  guint64         weights_bytes;
  guint64         kv_cache_bytes;
  guint64         graph_bytes;       /* compute buffer, per device */
  guint64         needed_bytes;      /* memory needed (see dsl_model_catalog_estimate ()) */
  guint64         available_bytes;   /* memory it was measured against */
  guint64         disk_needed;       /* download plus a margin */
  guint64         disk_free;         /* 0 = unknown */
  char           *disk_path;
  guint           max_gpu_context;   /* largest context that runs fully on GPU(s); 0 = none */
  DslCpuSpeed     cpu_speed;         /* for CPU and PARTIAL */
  double          tokens_per_second; /* rough, for CPU and PARTIAL; 0 for GPU */
  char           *summary;           /* one translated sentence for a person */
} DslFit;

#define DSL_TYPE_CATALOG_ENTRY (dsl_catalog_entry_get_type ())
#define DSL_TYPE_FIT (dsl_fit_get_type ())
#define DSL_TYPE_MODEL_CATALOG (dsl_model_catalog_get_type ())

G_DECLARE_FINAL_TYPE (DslModelCatalog, dsl_model_catalog, DSL, MODEL_CATALOG, GObject)

GQuark                 dsl_catalog_error_quark (void);

GType            dsl_catalog_entry_get_type            (void) G_GNUC_CONST;
DslCatalogEntry *dsl_catalog_entry_copy                (const DslCatalogEntry *entry);
void             dsl_catalog_entry_free                (DslCatalogEntry       *entry);
const char      *dsl_catalog_entry_get_article_mac     (const DslCatalogEntry *entry);
const char      *dsl_catalog_entry_get_article_windows (const DslCatalogEntry *entry);
guint64          dsl_catalog_entry_get_kv_cache_bytes  (const DslCatalogEntry *entry,
                                                        guint                  context_length,
                                                        DslKvCacheType         kv);
guint64          dsl_catalog_entry_get_graph_bytes     (const DslCatalogEntry *entry,
                                                        guint                  context_length);
JsonNode        *dsl_catalog_entry_to_json             (const DslCatalogEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslCatalogEntry, dsl_catalog_entry_free)

GType       dsl_fit_get_type          (void) G_GNUC_CONST;
DslFit     *dsl_fit_copy              (const DslFit  *fit);
void        dsl_fit_free              (DslFit        *fit);
const char *dsl_fit_verdict_to_string (DslFitVerdict  verdict);
const char *dsl_cpu_speed_to_string   (DslCpuSpeed    speed);
JsonNode   *dsl_fit_to_json           (const DslFit  *fit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslFit, dsl_fit_free)

DslModelCatalog       *dsl_model_catalog_new_default   (GError                 **error);
DslModelCatalog       *dsl_model_catalog_new_from_file (const char              *path,
                                                        GError                 **error);
DslModelCatalog       *dsl_model_catalog_new_from_data (const char              *data,
                                                        gssize                   length,
                                                        GError                 **error);
GPtrArray             *dsl_model_catalog_get_entries   (DslModelCatalog         *self);
const DslCatalogEntry *dsl_model_catalog_lookup        (DslModelCatalog         *self,
                                                        const char              *tag);
const DslCatalogEntry *dsl_model_catalog_recommend     (DslModelCatalog         *self,
                                                        const DslHardwareReport *report,
                                                        char                   **reason);
JsonNode              *dsl_model_catalog_to_json       (DslModelCatalog         *self,
                                                        const DslHardwareReport *report);
char                  *dsl_model_catalog_format_table  (DslModelCatalog         *self,
                                                        const DslHardwareReport *report);

DslFit      *dsl_model_catalog_estimate           (const DslCatalogEntry   *entry,
                                                   const DslHardwareReport *report,
                                                   guint                    context_length,
                                                   DslKvCacheType           kv);
DslCpuSpeed  dsl_model_catalog_estimate_cpu_speed (const DslCatalogEntry   *entry,
                                                   const DslHardwareReport *report,
                                                   double                  *tokens_per_second);

G_END_DECLS
