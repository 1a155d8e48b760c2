/* test-catalog.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "dsl-model-catalog.h"

/* Machines built by hand, with the verdicts a careful person reaches with a pencil. The rule and
 * its constants are at the top of dsl-model-catalog.c; the arithmetic for each machine is next
 * to its test. Units: MiB = 2^20, GiB = 2^30 bytes; "GB" = 10^9 (download sizes). Default
 * context 8192 tokens, f16 KV cache, GPU reserve 457 MiB = 479,199,232 bytes. */

#define MIB ((guint64) 1024 * 1024)
#define GIB (MIB * 1024)

#define MODELS_PATH "/home/user/.ollama/models"

/* Reports are built here and freed here: the probe (dsl-hardware.c) is not what is tested. */
typedef DslHardwareReport TestReport;

static void
gpu_free (DslGpu *gpu)
{
  g_free (gpu->name);
  g_free (gpu->driver);
  g_free (gpu->compute);
  g_free (gpu->unusable_reason);
  g_free (gpu->source);
  g_free (gpu);
}

static void
report_free (TestReport *report)
{
  g_free (report->cpu_model);
  g_clear_pointer (&report->gpus, g_ptr_array_unref);
  g_free (report->models_path);
  g_free (report->install_path);
  g_clear_pointer (&report->problems, g_ptr_array_unref);
  g_free (report);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestReport, report_free)

static TestReport *
report_new (guint   physical_cores,
            guint64 ram_total,
            guint64 ram_available)
{
  TestReport *report = g_new0 (TestReport, 1);

  report->cpu_model = g_strdup ("Test CPU");
  report->physical_cores = physical_cores;
  report->logical_cores = physical_cores * 2;
  report->avx = TRUE;
  report->avx2 = TRUE;
  report->ram_total = ram_total;
  report->ram_available = ram_available;
  report->gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) gpu_free);
  report->models_path = g_strdup (MODELS_PATH);
  report->models_free = 500 * GIB;
  report->problems = g_ptr_array_new_with_free_func (g_free);
  return report;
}

static DslGpu *
add_gpu (TestReport    *report,
         DslGpuVendor   vendor,
         const char    *name,
         guint64        total,
         guint64        free_memory,
         DslGpuLibrary  library)
{
  DslGpu *gpu = g_new0 (DslGpu, 1);

  gpu->vendor = vendor;
  gpu->name = g_strdup (name);
  gpu->total_memory = total;
  gpu->free_memory = free_memory;
  gpu->library = library;
  gpu->source = g_strdup ("test");
  g_ptr_array_add (report->gpus, gpu);
  return gpu;
}

/* An 8 GB laptop: MemTotal 7782 MiB (the firmware and the integrated GPU keep the rest),
 * 5632 MiB available with a browser open, 4 cores with AVX2, Intel Iris Xe sharing the RAM. */
static TestReport *
laptop_new (void)
{
  TestReport *report = report_new (4, 7782 * MIB, 5632 * MIB);
  DslGpu *gpu = add_gpu (report, DSL_GPU_VENDOR_INTEL, "Intel Iris Xe Graphics", 4 * GIB, 0,
                         DSL_GPU_LIBRARY_VULKAN);

  gpu->integrated = TRUE;
  return report;
}

/* A desktop: 8 cores, 32 GiB RAM (26 GiB available), RTX 3060 12 GiB with 500 MiB taken by the
 * desktop: 11788 MiB = 12,360,613,888 bytes free. */
static TestReport *
desktop_3060_new (void)
{
  TestReport *report = report_new (8, 32 * GIB, 26 * GIB);
  DslGpu *gpu = add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce RTX 3060", 12 * GIB,
                         11788 * MIB, DSL_GPU_LIBRARY_CUDA);

  gpu->compute = g_strdup ("8.6");
  return report;
}

/* 12 cores with AVX-512, 32 GiB RAM (28 GiB available), Radeon RX 7900 XTX 24 GiB, 24064 MiB =
 * 25,232,932,864 bytes free. */
static TestReport *
radeon_new (void)
{
  TestReport *report = report_new (12, 32 * GIB, 28 * GIB);
  DslGpu *gpu = add_gpu (report, DSL_GPU_VENDOR_AMD, "AMD Radeon RX 7900 XTX", 24 * GIB,
                         24064 * MIB, DSL_GPU_LIBRARY_ROCM);

  report->avx512 = TRUE;
  gpu->compute = g_strdup ("gfx1100");
  return report;
}

/* g_format_size () puts a no-break space before the unit on newer GLib: compare either way. */
static char *
plain_spaces (const char *text)
{
  g_autoptr(GString) plain = g_string_new (text);

  g_string_replace (plain, "\u00a0", " ", 0);
  return g_string_free (g_steal_pointer (&plain), FALSE);
}

#define assert_text(text, expected) \
  G_STMT_START { \
    g_autofree char *plain__ = plain_spaces (text); \
    g_assert_cmpstr (plain__, ==, expected); \
  } G_STMT_END

#define assert_contains(text, part) \
  G_STMT_START { \
    g_autofree char *plain__ = plain_spaces (text); \
    if (strstr (plain__, part) == NULL) \
      g_error ("“%s” does not contain “%s”", plain__, part); \
  } G_STMT_END

#define assert_lacks(text, part) \
  G_STMT_START { \
    g_autofree char *plain__ = plain_spaces (text); \
    if (strstr (plain__, part) != NULL) \
      g_error ("“%s” contains “%s”", plain__, part); \
  } G_STMT_END

static DslModelCatalog *
load_catalog (void)
{
  g_autoptr(GError) error = NULL;
  DslModelCatalog *catalog = dsl_model_catalog_new_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

static DslFit *
estimate (DslModelCatalog *catalog,
          TestReport      *report,
          const char      *tag)
{
  const DslCatalogEntry *entry = dsl_model_catalog_lookup (catalog, tag);
  DslFit *fit;

  g_assert_nonnull (entry);
  fit = dsl_model_catalog_estimate (entry, report, 0, DSL_KV_CACHE_F16);
  g_assert_nonnull (fit);
  g_assert_nonnull (fit->summary);
  g_test_message ("%s: %s", tag, fit->summary);
  return fit;
}

typedef struct {
  const char    *tag;
  DslFitVerdict  verdict;
  int            gpu_index;
  guint          gpu_count;
  guint          gpu_layers;
} Expect;

static void
check_verdicts (DslModelCatalog *catalog,
                TestReport      *report,
                const Expect    *expect,
                gsize            n_expect)
{
  for (gsize i = 0; i < n_expect; i++)
    {
      g_autoptr(DslFit) fit = estimate (catalog, report, expect[i].tag);

      g_test_message ("checking %s", expect[i].tag);
      g_assert_cmpstr (dsl_fit_verdict_to_string (fit->verdict), ==,
                       dsl_fit_verdict_to_string (expect[i].verdict));
      g_assert_cmpint (fit->gpu_index, ==, expect[i].gpu_index);
      g_assert_cmpuint (fit->gpu_count, ==, expect[i].gpu_count);
      g_assert_cmpuint (fit->gpu_layers, ==, expect[i].gpu_layers);
    }
}

static void
assert_recommends (DslModelCatalog *catalog,
                   TestReport      *report,
                   const char      *tag,
                   const char      *reason_part)
{
  g_autofree char *reason = NULL;
  const DslCatalogEntry *entry = dsl_model_catalog_recommend (catalog, report, &reason);

  g_assert_nonnull (reason);
  g_test_message ("recommendation: %s", reason);
  if (tag == NULL)
    g_assert_null (entry);
  else
    g_assert_cmpstr (entry != NULL ? entry->tag : NULL, ==, tag);
  if (reason_part != NULL)
    assert_contains (reason, reason_part);
}

/* The table **********************************************************************************/

static void
test_default_table (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  GPtrArray *entries = dsl_model_catalog_get_entries (catalog);
  const char *short_tags[] = { "1.5b", "7b", "8b", "14b", "32b", "70b", "671b" };
  const DslCatalogEntry *entry;

  /* 7 short tags, a q8_0 and an fp16 for each but 671b (q8_0 only). */
  g_assert_cmpuint (entries->len, ==, 20);

  for (guint i = 0; i < G_N_ELEMENTS (short_tags); i++)
    {
      entry = dsl_model_catalog_lookup (catalog, short_tags[i]);
      g_assert_nonnull (entry);
      g_assert_null (entry->variant_of);
      g_assert_cmpstr (entry->quantization, ==, "Q4_K_M");
      g_assert_false (entry->download_estimated);
      g_assert_cmpuint (entry->block_count, >, 0);
      g_assert_cmpuint (entry->context_length, ==,
                        g_str_equal (short_tags[i], "671b") ? 163840 : 131072);
    }

  /* The library's exact sizes (ollama-api.md section 6). */
  g_assert_cmpuint (dsl_model_catalog_lookup (catalog, "7b")->download_bytes, ==, 4683075271);
  g_assert_cmpuint (dsl_model_catalog_lookup (catalog, "8b")->download_bytes, ==, 5225373760);
  g_assert_cmpuint (dsl_model_catalog_lookup (catalog, "14b")->download_bytes, ==, 8988112040);
  g_assert_true (dsl_model_catalog_lookup (catalog, "14b")->download_exact);
  g_assert_false (dsl_model_catalog_lookup (catalog, "32b")->download_exact);

  /* Variants: estimated from the parameters, q8_0 1.0625 and fp16 2 bytes each. */
  entry = dsl_model_catalog_lookup (catalog, "deepseek-r1:7b-qwen-distill-q8_0");
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->variant_of, ==, "7b");
  g_assert_cmpstr (entry->quantization, ==, "Q8_0");
  g_assert_true (entry->download_estimated);
  g_assert_cmpuint (entry->download_bytes, ==, 8075000000); /* 7.6e9 × 1.0625 */
  entry = dsl_model_catalog_lookup (catalog, "70b-llama-distill-fp16");
  g_assert_nonnull (entry);
  g_assert_cmpuint (entry->download_bytes, ==, 141200000000); /* 70.6e9 × 2 */
  g_assert_nonnull (dsl_model_catalog_lookup (catalog, "8b-0528-qwen3-q8_0"));
  g_assert_nonnull (dsl_model_catalog_lookup (catalog, "671b-0528-q8_0"));
  g_assert_null (dsl_model_catalog_lookup (catalog, "671b-0528-fp16"));

  /* The shapes behind the KV formula (public configs). */
  entry = dsl_model_catalog_lookup (catalog, "8b");
  g_assert_cmpstr (entry->family, ==, "qwen3");
  g_assert_cmpuint (entry->block_count, ==, 36);
  g_assert_cmpuint (entry->head_count_kv, ==, 8);
  g_assert_cmpuint (entry->head_dim, ==, 128);
  entry = dsl_model_catalog_lookup (catalog, "671b");
  g_assert_cmpstr (entry->family, ==, "deepseek2");
  g_assert_cmpuint (entry->block_count, ==, 61);
  g_assert_cmpuint (entry->kv_bytes_per_token, ==, (512 + 64) * 2 * 61);
  g_assert_cmpuint (entry->head_dim, ==, 0);
  g_assert_cmpfloat (entry->active_parameters, ==, 37e9);

  /* The article's rows: 1.5B to 70B; nothing for 8b and 671b; variants take their size's row. */
  entry = dsl_model_catalog_lookup (catalog, "14b");
  g_assert_cmpstr (entry->article_version, ==, "DeepSeek-R1-14B");
  g_assert_cmpuint (entry->article_fp16_gpu_gb, ==, 28);
  g_assert_cmpuint (entry->article_ram_gb, ==, 32);
  g_assert_cmpstr (dsl_catalog_entry_get_article_windows (entry), ==,
                   "RTX 4090 / A100 40G, 24 GB+ VRAM");
  entry = dsl_model_catalog_lookup (catalog, "70b");
  g_assert_cmpuint (entry->article_fp16_gpu_gb, ==, 140);
  g_assert_cmpuint (entry->article_ram_gb, ==, 128);
  g_assert_cmpstr (dsl_catalog_entry_get_article_mac (entry), ==, "a higher-end Mac Pro");
  g_assert_null (dsl_model_catalog_lookup (catalog, "8b")->article_version);
  g_assert_null (dsl_catalog_entry_get_article_mac (dsl_model_catalog_lookup (catalog, "671b")));
  entry = dsl_model_catalog_lookup (catalog, "32b-qwen-distill-fp16");
  g_assert_cmpuint (entry->article_fp16_gpu_gb, ==, 64);
}

/* Every article string of models.json must reach the translators through the N_() table in
 * dsl-model-catalog.c. Untranslated, g_dgettext () hands back the table's own msgid, so a string
 * found there comes back as a different pointer from the entry's copy. */
static void
test_article_strings_translatable (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  GPtrArray *entries = dsl_model_catalog_get_entries (catalog);
  guint rows = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      const DslCatalogEntry *entry = g_ptr_array_index (entries, i);

      if (entry->article_mac == NULL)
        continue;

      g_test_message ("%s: %s / %s", entry->tag, entry->article_mac, entry->article_windows);
      g_assert_true (dsl_catalog_entry_get_article_mac (entry) != entry->article_mac);
      g_assert_true (dsl_catalog_entry_get_article_windows (entry) != entry->article_windows);
      rows++;
    }

  /* 5 short tags and their 10 variants. */
  g_assert_cmpuint (rows, ==, 15);
}

static void
test_lookup (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  const DslCatalogEntry *eight = dsl_model_catalog_lookup (catalog, "8b");

  g_assert_nonnull (eight);
  g_assert_cmpstr (eight->name, ==, "deepseek-r1:8b");
  g_assert_true (dsl_model_catalog_lookup (catalog, "deepseek-r1:8b") == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "latest") == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "deepseek-r1:latest") == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "deepseek-r1") == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "DeepSeek-R1:8B") == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "registry.ollama.ai/library/deepseek-r1:8b")
                 == eight);
  g_assert_true (dsl_model_catalog_lookup (catalog, "localhost:5000/library/deepseek-r1")
                 == eight);
  g_assert_cmpstr (dsl_model_catalog_lookup (catalog, "deepseek-r1:14b")->tag, ==, "14b");

  g_assert_null (dsl_model_catalog_lookup (catalog, "9b"));
  g_assert_null (dsl_model_catalog_lookup (catalog, "llama3:8b"));
  g_assert_null (dsl_model_catalog_lookup (catalog, "qwen3"));
  g_assert_null (dsl_model_catalog_lookup (catalog, "deepseek-r1:"
                                                     "8b-0528-qwen3-q4_0"));
}

static char *
write_temp (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("catalog-XXXXXX.json", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

#define GOOD_ENTRY(tag, variant_of) \
  "{\"tag\":\"" tag "\",\"variant_of\":" variant_of ",\"parameters\":1e9," \
  "\"download_bytes\":600000000," \
  "\"block_count\":20,\"head_count\":16,\"head_count_kv\":4,\"embedding_length\":2048," \
  "\"vocab_size\":32000,\"context_length\":4096}"

static void
test_load_errors (void)
{
  struct {
    const char *json;
    GQuark      domain;
    int         code;
  } cases[] = {
    { "{", JSON_PARSER_ERROR, -1 },
    { "[]", DSL_CATALOG_ERROR, DSL_CATALOG_ERROR_INVALID },
    { "{\"entries\":[]}", DSL_CATALOG_ERROR, DSL_CATALOG_ERROR_INVALID },
    { "{\"entries\":[42]}", DSL_CATALOG_ERROR, DSL_CATALOG_ERROR_INVALID },
    { "{\"entries\":[{\"parameters\":1e9}]}", DSL_CATALOG_ERROR, DSL_CATALOG_ERROR_INVALID },
    /* No size */
    { "{\"entries\":[{\"tag\":\"x\",\"block_count\":4}]}", DSL_CATALOG_ERROR,
      DSL_CATALOG_ERROR_INVALID },
    /* A tag twice */
    { "{\"entries\":[" GOOD_ENTRY ("a", "null") "," GOOD_ENTRY ("a", "null") "]}",
      DSL_CATALOG_ERROR, DSL_CATALOG_ERROR_INVALID },
    /* A variant of nothing */
    { "{\"entries\":[" GOOD_ENTRY ("a-q8_0", "\"a\"") "]}", DSL_CATALOG_ERROR,
      DSL_CATALOG_ERROR_INVALID },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(DslModelCatalog) good = NULL;
  g_autofree char *path = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DslModelCatalog) catalog = NULL;

      g_clear_error (&error);
      catalog = dsl_model_catalog_new_from_data (cases[i].json, -1, &error);
      g_assert_null (catalog);
      g_assert_nonnull (error);
      g_test_message ("case %u: %s", i, error->message);
      g_assert_true (error->domain == cases[i].domain);
      if (cases[i].code >= 0)
        g_assert_cmpint (error->code, ==, cases[i].code);
    }

  g_clear_error (&error);
  g_assert_null (dsl_model_catalog_new_from_file ("/nonexistent/models.json", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  /* A minimal table from a file: the head dim comes from embedding / heads (2048 / 16). */
  g_clear_error (&error);
  path = write_temp ("{\"entries\":[" GOOD_ENTRY ("a", "null") "," GOOD_ENTRY ("a-q8_0", "\"a\"")
                     "]}");
  good = dsl_model_catalog_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_model_catalog_get_entries (good)->len, ==, 2);
  g_assert_cmpuint (dsl_model_catalog_lookup (good, "a")->head_dim, ==, 128);
  g_assert_null (dsl_model_catalog_lookup (good, "latest"));
  g_unlink (path);

  /* The one the real file was checked against, too. */
  g_clear_object (&good);
  good = dsl_model_catalog_new_from_file (CATALOG_SOURCE_JSON, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dsl_model_catalog_get_entries (good)->len, ==, 20);
}

/* The rule's parts *****************************************************************************/

static void
test_kv_cache (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  const DslCatalogEntry *eight = dsl_model_catalog_lookup (catalog, "8b");
  const DslCatalogEntry *entry;

  /* ollama-api.md section 5: 2 × 36 × 8 × 128 × 4096 × 2 = 603,979,776 bytes = 576 MiB. */
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (eight, 4096, DSL_KV_CACHE_F16), ==,
                    603979776);
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (eight, 4096, DSL_KV_CACHE_F16), ==,
                    576 * MIB);
  /* "at 32768 tokens about 4.8 GB": 4,831,838,208 bytes. */
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (eight, 32768, DSL_KV_CACHE_F16), ==,
                    4831838208);
  /* q8_0 halves it. */
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (eight, 4096, DSL_KV_CACHE_Q8_0), ==,
                    288 * MIB);

  /* 14b at 8k: 2 × 48 × 8 × 128 × 8192 × 2 = 1.5 GiB; 32b: 64 layers, 2 GiB; 70b: 80, 2.5 GiB. */
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (dsl_model_catalog_lookup (catalog, "14b"),
                                                          8192, DSL_KV_CACHE_F16), ==,
                    3 * GIB / 2);
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (dsl_model_catalog_lookup (catalog, "32b"),
                                                          8192, DSL_KV_CACHE_F16), ==, 2 * GIB);
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (dsl_model_catalog_lookup (catalog, "70b"),
                                                          8192, DSL_KV_CACHE_F16), ==,
                    5 * GIB / 2);
  /* 7b: 28 layers but 4 KV heads: 448 MiB at 8k. */
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (dsl_model_catalog_lookup (catalog, "7b"),
                                                          8192, DSL_KV_CACHE_F16), ==, 448 * MIB);

  /* 671b (MLA): 70,272 bytes a token, 575,668,224 at 8k; the head formula would say 8 GiB. */
  entry = dsl_model_catalog_lookup (catalog, "671b");
  g_assert_cmpuint (dsl_catalog_entry_get_kv_cache_bytes (entry, 8192, DSL_KV_CACHE_F16), ==,
                    (guint64) 70272 * 8192);
}

static void
test_graph (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();

  /* 14b at 8k: 4 × 512 × (1 + 4 × 5120 + 8192 × 41) = 729,810,944 bytes (696 MiB). */
  g_assert_cmpuint (dsl_catalog_entry_get_graph_bytes (dsl_model_catalog_lookup (catalog, "14b"),
                                                       8192), ==, 729810944);
  /* 1.5b at 2048: the attention term 4 × 512 × (1 + 6144 + 2048 × 13) = 67,110,912 is below the
   * logits 4 × 512 × (1536 + 151936) = 314,310,656, which wins. */
  g_assert_cmpuint (dsl_catalog_entry_get_graph_bytes (dsl_model_catalog_lookup (catalog, "1.5b"),
                                                       2048), ==, 314310656);
}

static void
test_context_length (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = desktop_3060_new ();
  const DslCatalogEntry *entry = dsl_model_catalog_lookup (catalog, "8b");
  g_autoptr(DslFit) by_default = dsl_model_catalog_estimate (entry, report, 0, DSL_KV_CACHE_F16);
  g_autoptr(DslFit) huge = dsl_model_catalog_estimate (entry, report, 1000000, DSL_KV_CACHE_F16);
  g_autoptr(DslFit) copy = NULL;

  g_assert_cmpuint (by_default->context_length, ==, 8192);
  g_assert_cmpuint (by_default->kv_cache_bytes, ==, 1152 * MIB);
  g_assert_cmpuint (huge->context_length, ==, 131072);
  /* The whole trained context of the 8b: 18 GiB of KV, and a graph of 4 × 512 × (16385 + 131072
   * × 33) = 8,891,926,528 bytes on each device. 4 layers would go on the card; the other 32
   * (19.8 GiB) and a graph (8.3 GiB) do not fit 26 GiB of RAM. */
  g_assert_cmpuint (huge->kv_cache_bytes, ==, 18 * GIB);
  g_assert_cmpuint (huge->graph_bytes, ==, 8891926528);
  g_assert_cmpint (huge->verdict, ==, DSL_FIT_NO_MEMORY);

  copy = dsl_fit_copy (by_default);
  g_assert_cmpstr (copy->summary, ==, by_default->summary);
  g_assert_true (copy->summary != by_default->summary);
  g_assert_cmpstr (copy->disk_path, ==, MODELS_PATH);
}

static void
test_cpu_speed (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (4, 16 * GIB, 12 * GIB);
  const DslCatalogEntry *seven = dsl_model_catalog_lookup (catalog, "7b");
  const DslCatalogEntry *small = dsl_model_catalog_lookup (catalog, "1.5b");
  double tps = 0;

  /* 4 cores: 20 GB/s (the floor). 1.5b: 20e9 / 1.1e9 = 18.2 tokens/s; 7b: 20e9 / 4.68e9 = 4.3. */
  g_assert_cmpint (dsl_model_catalog_estimate_cpu_speed (small, report, &tps), ==,
                   DSL_CPU_SPEED_USABLE);
  g_assert_cmpfloat_with_epsilon (tps, 20e9 / 1.1e9, 1e-6);
  g_assert_cmpint (dsl_model_catalog_estimate_cpu_speed (seven, report, &tps), ==,
                   DSL_CPU_SPEED_SLOW);
  g_assert_cmpfloat_with_epsilon (tps, 20e9 / 4683075271.0, 1e-6);

  /* Without AVX2 only half the arithmetic: 7b at 2.1 tokens/s, still slow; without AVX at all a
   * quarter: 1.07, very slow. */
  report->avx2 = FALSE;
  g_assert_cmpint (dsl_model_catalog_estimate_cpu_speed (seven, report, &tps), ==,
                   DSL_CPU_SPEED_SLOW);
  report->avx = FALSE;
  g_assert_cmpint (dsl_model_catalog_estimate_cpu_speed (seven, report, &tps), ==,
                   DSL_CPU_SPEED_VERY_SLOW);

  /* 671b reads only its 37B active parameters: 150 GB/s / (404 GB × 37/671) = 6.7 tokens/s on a
   * 32-core server, were there memory for it. */
  report->physical_cores = 32;
  report->avx = report->avx2 = report->avx512 = TRUE;
  g_assert_cmpint (dsl_model_catalog_estimate_cpu_speed (dsl_model_catalog_lookup (catalog, "671b"),
                                                         report, &tps), ==,
                   DSL_CPU_SPEED_USABLE);
  g_assert_cmpfloat_with_epsilon (tps, 150e9 / (404e9 * 37e9 / 671e9), 1e-6);
}

/* Machines *************************************************************************************/

/* The 8 GB laptop: 5632 MiB = 5,905,580,032 bytes available, no GPU Ollama can use (the Iris Xe
 * is integrated). Needs at 8k (weights + KV + graph):
 *   1.5b: 1,100,000,000 + 234,881,024 + 314,310,656 = 1,649,191,680 (1.5 GiB): CPU, 18 tok/s.
 *   7b:   4,683,075,271 + 469,762,048 + 515,901,440 = 5,668,738,759 (5.3 GiB): CPU, fits with
 *         0.2 GiB to spare; 20 GB/s / 4.68 GB = 4.3 tok/s: slow.
 *   8b:   5,225,373,760 + 1,207,959,552 + 587,204,608 = 7,020,537,920 (6.5 GiB): no. The 8b
 *         is only 0.5 GB larger on disk, but its KV cache is 2.6 times the 7b's (36 layers × 8
 *         KV heads against 28 × 4), so the laptop gets the 7b.
 *   14b and up: 11.3 GB and more: no. */
static void
test_laptop (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = laptop_new ();
  const Expect expect[] = {
    { "1.5b", DSL_FIT_CPU, -1, 0, 0 },
    { "1.5b-qwen-distill-fp16", DSL_FIT_CPU, -1, 0, 0 },
    { "7b", DSL_FIT_CPU, -1, 0, 0 },
    { "7b-qwen-distill-q8_0", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "8b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "14b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "32b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "70b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "671b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) seven = NULL;
  g_autoptr(DslFit) small = NULL;
  g_autoptr(DslFit) fourteen = NULL;

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  small = estimate (catalog, report, "1.5b");
  g_assert_cmpint (small->cpu_speed, ==, DSL_CPU_SPEED_USABLE);
  g_assert_cmpuint (small->max_gpu_context, ==, 0);

  seven = estimate (catalog, report, "7b");
  g_assert_cmpuint (seven->needed_bytes, ==, 5668738759);
  g_assert_cmpuint (seven->available_bytes, ==, 5632 * MIB);
  g_assert_cmpint (seven->cpu_speed, ==, DSL_CPU_SPEED_SLOW);
  assert_text (seven->summary,
                   "Runs on the processor only (needs 5.3 GiB of 5.5 GiB free memory); "
                   "answers come slowly");

  fourteen = estimate (catalog, report, "14b");
  g_assert_cmpuint (fourteen->needed_bytes, ==, 8988112040 + 3 * GIB / 2 + 729810944);
  assert_text (fourteen->summary,
                   "Does not fit: needs 10.6 GiB of memory, this computer has 5.5 GiB free");

  assert_recommends (catalog, report, "7b", "deepseek-r1:7b");
}

/* The RTX 3060 desktop, 11788 MiB = 12,360,613,888 bytes free on the card:
 *   8b:  5,225,373,760 + 1,207,959,552 (KV) + 587,204,608 (graph: 4×512×(1+16384+8192×33))
 *        + 479,199,232 (reserve) = 7,499,737,152 (7.0 GiB): GPU.
 *   14b: 8,988,112,040 + 1,610,612,736 (KV 1.5 GiB) + 729,810,944 (graph) + 479,199,232
 *        = 11,807,734,952 (11.0 GiB) ≤ 11.5 GiB free: GPU, with half a GiB to spare.
 *   32b: 20 GB + 2 GiB KV = 22,147,483,648 over 64 layers = 346,054,432 a layer; the card
 *        holds (12,360,613,888 − 479,199,232 − 729,810,944) / 346,054,432 = 32.2 → 32 layers;
 *        the other 32 (11.07 GB) plus a graph fit the 26 GiB of RAM: PARTIAL, 32 of 64. The
 *        processor's half, 10 GB read per token at 40 GB/s (8 cores), gives 4 tok/s: slow.
 *   70b: 571,054,432 a layer, 18 on the card; the other 62 (35.4 GB) do not fit 26 GiB: no. */
static void
test_desktop_3060 (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = desktop_3060_new ();
  const Expect expect[] = {
    { "1.5b", DSL_FIT_GPU, 0, 1, 28 },
    { "7b", DSL_FIT_GPU, 0, 1, 28 },
    { "8b", DSL_FIT_GPU, 0, 1, 36 },
    { "8b-0528-qwen3-q8_0", DSL_FIT_GPU, 0, 1, 36 },
    { "8b-0528-qwen3-fp16", DSL_FIT_PARTIAL, 0, 1, 23 },
    { "14b", DSL_FIT_GPU, 0, 1, 48 },
    { "14b-qwen-distill-q8_0", DSL_FIT_PARTIAL, 0, 1, 30 },
    { "32b", DSL_FIT_PARTIAL, 0, 1, 32 },
    { "70b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "671b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) fourteen = NULL;
  g_autoptr(DslFit) thirty_two = NULL;
  g_autoptr(DslFit) seventy = NULL;

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  fourteen = estimate (catalog, report, "14b");
  g_assert_cmpuint (fourteen->needed_bytes, ==, 11807734952);
  g_assert_cmpuint (fourteen->available_bytes, ==, 11788 * MIB);
  assert_text (fourteen->summary,
                   "Runs fully on your NVIDIA GeForce RTX 3060 "
                   "(needs 11.0 GiB of its 11.5 GiB free)");

  thirty_two = estimate (catalog, report, "32b");
  g_assert_cmpuint (thirty_two->total_layers, ==, 64);
  g_assert_cmpint (thirty_two->cpu_speed, ==, DSL_CPU_SPEED_SLOW);
  g_assert_cmpfloat_with_epsilon (thirty_two->tokens_per_second, 40e9 / 10e9, 1e-9);
  assert_text (thirty_two->summary,
                   "Runs partly on your NVIDIA GeForce RTX 3060 (about 32 of 64 layers), the rest "
                   "on the processor; answers come slowly");

  seventy = estimate (catalog, report, "70b");
  /* 43 GB + 2.5 GiB KV + 1,157,629,952 graph = 46,841,984,512 bytes = 43.6 GiB. */
  g_assert_cmpuint (seventy->needed_bytes, ==, 43000000000 + 5 * GIB / 2 + 1157629952);
  assert_text (seventy->summary,
                   "Does not fit: needs 43.6 GiB of memory, this computer has 26.0 GiB free and "
                   "11.5 GiB on its graphics card");

  assert_recommends (catalog, report, "14b",
                     "deepseek-r1:14b is the largest model that runs fully on your NVIDIA GeForce "
                     "RTX 3060");
}

/* How much context fits on the card, per token: KV + the graph's context term (4 × 512 ×
 * (1 + heads)). 8b on the 3060: fixed 5,225,373,760 + 479,199,232 + 4×512×16385 = 5,738,129,472;
 * 147,456 + 67,584 = 215,040 bytes a token; (12,360,613,888 − 5,738,129,472) / 215,040 = 30,796
 * tokens → 30720 (30 × 1024). With a q8_0 KV cache the token costs 73,728 + 67,584 = 141,312:
 * 46,864 → 46080. */
static void
test_max_gpu_context (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) desktop = desktop_3060_new ();
  g_autoptr(TestReport) radeon = radeon_new ();
  const DslCatalogEntry *eight = dsl_model_catalog_lookup (catalog, "8b");
  g_autoptr(DslFit) fit = dsl_model_catalog_estimate (eight, desktop, 0, DSL_KV_CACHE_F16);
  g_autoptr(DslFit) q8 = dsl_model_catalog_estimate (eight, desktop, 0, DSL_KV_CACHE_Q8_0);
  g_autoptr(DslFit) at_max = NULL;
  g_autoptr(DslFit) past_max = NULL;
  g_autoptr(DslFit) fourteen = NULL;
  g_autoptr(DslFit) thirty_two = NULL;
  g_autoptr(DslFit) on_cpu = NULL;

  g_assert_cmpuint (fit->max_gpu_context, ==, 30720);
  g_assert_cmpuint (q8->max_gpu_context, ==, 46080);
  g_assert_cmpuint (q8->kv_cache_bytes, ==, fit->kv_cache_bytes / 2);

  at_max = dsl_model_catalog_estimate (eight, desktop, 30720, DSL_KV_CACHE_F16);
  g_assert_cmpint (at_max->verdict, ==, DSL_FIT_GPU);
  past_max = dsl_model_catalog_estimate (eight, desktop, 30720 + 1024, DSL_KV_CACHE_F16);
  g_assert_cmpint (past_max->verdict, ==, DSL_FIT_PARTIAL);

  /* 14b leaves the 3060 little room: (12,360,613,888 − 9,509,256,360) / 280,576 = 10,162 → 9216. */
  fourteen = estimate (catalog, desktop, "14b");
  g_assert_cmpuint (fourteen->max_gpu_context, ==, 9216);

  /* 32b on the 7900 XTX: (25,232,932,864 − 20,521,144,320) / 346,112 = 13,613 → 13312. */
  thirty_two = estimate (catalog, radeon, "32b");
  g_assert_cmpuint (thirty_two->max_gpu_context, ==, 13312);

  /* A model that does not go fully on any card at any context. */
  on_cpu = estimate (catalog, desktop, "70b");
  g_assert_cmpuint (on_cpu->max_gpu_context, ==, 0);
}

/* The 7900 XTX (ROCm, 24064 MiB = 25,232,932,864 free):
 *   32b: 20,000,000,000 + 2,147,483,648 (KV) + 729,810,944 (graph) + 479,199,232 (reserve)
 *        = 23,356,493,824 (21.75 GiB) ≤ 23.5 GiB: GPU at 8k (up to 13k, see above).
 *   70b: (25,232,932,864 − 479,199,232 − 1,157,629,952) / 571,054,432 = 41.3 → 41 of 80 layers;
 *        the other 39 (22.3 GB) + graph fit the 28 GiB available: PARTIAL; 43 GB × 39/80 read
 *        per token at 60 GB/s (12 cores): 2.9 tok/s, slow. */
static void
test_radeon (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = radeon_new ();
  const Expect expect[] = {
    { "8b", DSL_FIT_GPU, 0, 1, 36 },
    { "14b", DSL_FIT_GPU, 0, 1, 48 },
    { "14b-qwen-distill-q8_0", DSL_FIT_GPU, 0, 1, 48 },
    { "32b", DSL_FIT_GPU, 0, 1, 64 },
    { "32b-qwen-distill-q8_0", DSL_FIT_PARTIAL, 0, 1, 41 },
    { "70b", DSL_FIT_PARTIAL, 0, 1, 41 },
    { "671b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) thirty_two = NULL;
  g_autoptr(DslFit) seventy = NULL;

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  thirty_two = estimate (catalog, report, "32b");
  g_assert_cmpuint (thirty_two->needed_bytes, ==, 23356493824);
  seventy = estimate (catalog, report, "70b");
  g_assert_cmpint (seventy->cpu_speed, ==, DSL_CPU_SPEED_SLOW);

  assert_recommends (catalog, report, "32b", "AMD Radeon RX 7900 XTX");
}

/* A GTX 1650 (4 GiB, 3800 MiB free) next to an RTX 3090 (24 GiB, 24168 MiB free), 64 GiB RAM:
 * a model goes on the card it fits on, the 3090 (index 1), even the 1.5b that would fit both
 * (Ollama picks the card with the most free memory). The 70b fits neither alone nor both
 * together: 41 layers on the 3090 + 4 on the 1650 ((3,984,588,800 − 479,199,232 −
 * 1,157,629,952) / 571,054,432 = 4.1), 35 on the processor: PARTIAL on two cards, 45 of 80. */
static void
test_two_gpus (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (16, 64 * GIB, 56 * GIB);
  const Expect expect[] = {
    { "1.5b", DSL_FIT_GPU, 1, 1, 28 },
    { "14b", DSL_FIT_GPU, 1, 1, 48 },
    { "32b", DSL_FIT_GPU, 1, 1, 64 },
    { "70b", DSL_FIT_PARTIAL, 1, 2, 45 },
    { "671b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) seventy = NULL;

  add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce GTX 1650", 4 * GIB, 3800 * MIB,
           DSL_GPU_LIBRARY_CUDA);
  add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce RTX 3090", 24 * GIB, 24168 * MIB,
           DSL_GPU_LIBRARY_CUDA);

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  seventy = estimate (catalog, report, "70b");
  assert_text (seventy->summary,
                   "Runs partly on your 2 graphics cards (about 45 of 80 layers), the rest on the "
                   "processor; answers come slowly");

  assert_recommends (catalog, report, "32b", "RTX 3090");
}

/* Two RTX 3090s: the 70b (47.5 GB with one reserve and graph) fits neither alone, but each holds
 * (25,341,984,768 − 479,199,232 − 1,157,629,952) / 571,054,432 = 41.5 → 41 of its layers,
 * 82 ≥ 80: Ollama splits it across both and nothing runs on the processor.
 * That is GPU on 2 cards, and the recommendation. */
static void
test_two_gpus_split (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (16, 64 * GIB, 56 * GIB);
  const Expect expect[] = {
    { "32b", DSL_FIT_GPU, 0, 1, 64 },
    { "70b", DSL_FIT_GPU, 0, 2, 80 },
    { "70b-llama-distill-q8_0", DSL_FIT_PARTIAL, 0, 2, 48 },
  };
  g_autoptr(DslFit) seventy = NULL;

  add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce RTX 3090", 24 * GIB, 24168 * MIB,
           DSL_GPU_LIBRARY_CUDA);
  add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce RTX 3090", 24 * GIB, 24168 * MIB,
           DSL_GPU_LIBRARY_CUDA);

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  seventy = estimate (catalog, report, "70b");
  /* 43 GB + 2.5 GiB + 2 × (1,157,629,952 + 479,199,232) = 48,958,012,928 bytes on 2 × 24168 MiB. */
  g_assert_cmpuint (seventy->needed_bytes, ==,
                    43000000000 + 5 * GIB / 2 + 2 * (1157629952 + 457 * MIB));
  g_assert_cmpuint (seventy->available_bytes, ==, 2 * 24168 * MIB);
  g_assert_cmpuint (seventy->max_gpu_context, ==, 10240);
  assert_text (seventy->summary,
                   "Runs fully on your 2 graphics cards together (needs 45.6 GiB of their "
                   "47.2 GiB)");

  assert_recommends (catalog, report, "70b", "2 graphics cards");
}

/* A server without a GPU: 32 cores with AVX-512, 256 GiB RAM (240 GiB available). Everything up
 * to 70b fits; the 70b (46.8 GB) reads 43 GB per token at 150 GB/s (the ceiling): 3.5 tok/s,
 * slow. 671b needs 404 GB + 0.54 GiB KV + 2.1 GiB graph: more than 240 GiB, no. */
static void
test_server (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (32, 256 * GIB, 240 * GIB);
  const Expect expect[] = {
    { "32b", DSL_FIT_CPU, -1, 0, 0 },
    { "70b", DSL_FIT_CPU, -1, 0, 0 },
    { "70b-llama-distill-fp16", DSL_FIT_CPU, -1, 0, 0 },
    { "671b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "671b-0528-q8_0", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) seventy = NULL;
  g_autoptr(DslFit) fp16 = NULL;
  g_autoptr(DslFit) full = NULL;

  report->avx512 = TRUE;
  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  seventy = estimate (catalog, report, "70b");
  g_assert_cmpint (seventy->cpu_speed, ==, DSL_CPU_SPEED_SLOW);
  g_assert_cmpfloat_with_epsilon (seventy->tokens_per_second, 150e9 / 43e9, 1e-9);
  fp16 = estimate (catalog, report, "70b-llama-distill-fp16");
  g_assert_cmpint (fp16->cpu_speed, ==, DSL_CPU_SPEED_VERY_SLOW);
  full = estimate (catalog, report, "671b");
  assert_contains (full->summary, "Does not fit");
  assert_contains (full->summary, "240.0 GiB");

  assert_recommends (catalog, report, "70b", "answers come slowly");
}

/* A container limited to 8 GiB on a 64 GiB host (50 GiB available on the host), 6 cores: the
 * limit is what the model gets. 8b: 7,020,537,920 = 6.5 GiB ≤ 8 GiB: CPU, 30 GB/s / 5.2 GB = 5.7
 * tok/s, usable. 14b: 11.3 GB > 8 GiB: no, though the host's 50 GiB would take it. Without the
 * limit the same machine runs up to 70b, and the recommendation becomes the 14b (3.3 tok/s,
 * slow): 32b at 1.5 tok/s and 70b at 0.7 are very slow. */
static void
test_container (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (6, 64 * GIB, 50 * GIB);
  const Expect limited[] = {
    { "7b", DSL_FIT_CPU, -1, 0, 0 },
    { "8b", DSL_FIT_CPU, -1, 0, 0 },
    { "14b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
    { "32b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  const Expect unlimited[] = {
    { "14b", DSL_FIT_CPU, -1, 0, 0 },
    { "32b", DSL_FIT_CPU, -1, 0, 0 },
    { "70b", DSL_FIT_CPU, -1, 0, 0 },
  };
  g_autoptr(DslFit) fourteen = NULL;
  g_autoptr(DslFit) eight = NULL;

  report->cgroup_limit = 8 * GIB;
  check_verdicts (catalog, report, limited, G_N_ELEMENTS (limited));

  eight = estimate (catalog, report, "8b");
  g_assert_cmpuint (eight->available_bytes, ==, 8 * GIB);
  g_assert_cmpint (eight->cpu_speed, ==, DSL_CPU_SPEED_USABLE);
  fourteen = estimate (catalog, report, "14b");
  g_assert_cmpuint (fourteen->available_bytes, ==, 8 * GIB);
  assert_contains (fourteen->summary, "8.0 GiB free");
  assert_recommends (catalog, report, "8b", "usable speed");

  /* The kernel did not say what is available: 80 % of the host's 64 GiB, but still no more than
   * the limit. */
  report->ram_available = 0;
  g_clear_pointer (&eight, dsl_fit_free);
  eight = estimate (catalog, report, "8b");
  g_assert_cmpint (eight->verdict, ==, DSL_FIT_CPU);
  g_assert_cmpuint (eight->available_bytes, ==, 8 * GIB);
  report->ram_available = 50 * GIB;

  report->cgroup_limit = 0;
  check_verdicts (catalog, report, unlimited, G_N_ELEMENTS (unlimited));
  assert_recommends (catalog, report, "14b", "slowly");
}

/* A GPU Ollama cannot use (a GT 710, compute 3.5, library NONE) counts for nothing: the
 * processor does the work. 16 GiB RAM, 12 GiB available, 4 cores. */
static void
test_unusable_gpu (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (4, 16 * GIB, 12 * GIB);
  const Expect expect[] = {
    { "1.5b", DSL_FIT_CPU, -1, 0, 0 },
    { "8b", DSL_FIT_CPU, -1, 0, 0 },
    { "14b", DSL_FIT_CPU, -1, 0, 0 },
    { "32b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  DslGpu *gpu = add_gpu (report, DSL_GPU_VENDOR_NVIDIA, "NVIDIA GeForce GT 710", 2 * GIB,
                         1900 * MIB, DSL_GPU_LIBRARY_NONE);
  g_autoptr(DslFit) small = NULL;
  g_autoptr(DslFit) big = NULL;

  gpu->compute = g_strdup ("3.5");
  gpu->unusable_reason = g_strdup ("Compute capability 3.5 is too old for Ollama");

  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  small = estimate (catalog, report, "1.5b");
  g_assert_cmpuint (small->max_gpu_context, ==, 0);
  assert_lacks (small->summary, "GT 710");
  big = estimate (catalog, report, "32b");
  /* The unusable card is not offered as memory either. */
  assert_lacks (big->summary, "graphics card");

  /* 14b: 20 GB/s / 9.0 GB = 2.2 tok/s, slow but acceptable. */
  assert_recommends (catalog, report, "14b", NULL);
}

/* The 3060 desktop with 9.5 GB free: 14b needs 8,988,112,040 + 1 GiB = 10.06 GB: NO_DISK though
 * the card would hold it; 8b needs 6.3 GB: fine, and recommended, with word of the 14b. The 70b
 * fits in no memory: that stays NO_MEMORY, since freeing disk would not help. */
static void
test_not_enough_disk (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = desktop_3060_new ();
  const Expect expect[] = {
    { "8b", DSL_FIT_GPU, 0, 1, 36 },
    { "14b", DSL_FIT_NO_DISK, 0, 1, 48 },
    { "32b", DSL_FIT_NO_DISK, 0, 1, 32 },
    { "70b", DSL_FIT_NO_MEMORY, -1, 0, 0 },
  };
  g_autoptr(DslFit) fourteen = NULL;
  g_autoptr(DslFit) thirty_two = NULL;

  report->models_free = 9500000000;
  check_verdicts (catalog, report, expect, G_N_ELEMENTS (expect));

  fourteen = estimate (catalog, report, "14b");
  g_assert_cmpint (fourteen->placement, ==, DSL_FIT_GPU);
  g_assert_cmpuint (fourteen->disk_needed, ==, 8988112040 + GIB);
  g_assert_cmpuint (fourteen->disk_free, ==, 9500000000);
  g_assert_cmpstr (fourteen->disk_path, ==, MODELS_PATH);
  assert_text (fourteen->summary,
                   "Not enough disk space: the download needs 10.1 GB free in "
                   MODELS_PATH ", only 9.5 GB is free");
  thirty_two = estimate (catalog, report, "32b");
  g_assert_cmpint (thirty_two->placement, ==, DSL_FIT_PARTIAL);

  /* 10,061,853,864 − 9,500,000,000 = 561.9 MB. */
  assert_recommends (catalog, report, "8b",
                     "deepseek-r1:14b would also run if 561.9 MB more disk space were free");

  /* Not even the 1.5b (2.17 GB with the margin) fits 1.5 GB. */
  report->models_free = 1500000000;
  assert_recommends (catalog, report, NULL, "not enough free disk space");
}

/* Free space could not be read: nothing is refused for it, and the person is told. */
static void
test_unknown_disk (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = desktop_3060_new ();
  g_autoptr(DslFit) fourteen = NULL;
  g_autoptr(DslFit) seventy = NULL;

  report->models_free = 0;
  fourteen = estimate (catalog, report, "14b");
  g_assert_cmpint (fourteen->verdict, ==, DSL_FIT_GPU);
  g_assert_cmpuint (fourteen->disk_free, ==, 0);
  assert_contains (fourteen->summary, "Runs fully on your NVIDIA GeForce RTX 3060");
  assert_contains (fourteen->summary, "free disk space is unknown (the download needs 10.1 GB)");

  seventy = estimate (catalog, report, "70b");
  g_assert_cmpint (seventy->verdict, ==, DSL_FIT_NO_MEMORY);
  assert_lacks (seventy->summary, "disk");

  assert_recommends (catalog, report, "14b", NULL);
}

/* 2 GiB of RAM with 1228 MiB available: even the 1.5b (1.5 GiB at 8k) does not fit. */
static void
test_nothing_fits (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = report_new (2, 2 * GIB, 1228 * MIB);
  g_autoptr(DslFit) small = NULL;

  small = estimate (catalog, report, "1.5b");
  g_assert_cmpint (small->verdict, ==, DSL_FIT_NO_MEMORY);
  assert_text (small->summary,
                   "Does not fit: needs 1.5 GiB of memory, this computer has 1.2 GiB free");

  assert_recommends (catalog, report, NULL,
                     "Even the smallest model, deepseek-r1:1.5b, does not fit: it needs 1.5 GiB "
                     "of memory, this computer has 1.2 GiB free");

  /* Memory that could not be read is not "0 bytes free". */
  report->ram_total = 0;
  report->ram_available = 0;
  g_clear_pointer (&small, dsl_fit_free);
  small = estimate (catalog, report, "1.5b");
  g_assert_cmpint (small->verdict, ==, DSL_FIT_NO_MEMORY);
  assert_contains (small->summary, "could not be read");
  assert_recommends (catalog, report, NULL, "could not be read");
}

/* Output ***************************************************************************************/

static void
test_json (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = desktop_3060_new ();
  g_autoptr(JsonNode) root = dsl_model_catalog_to_json (catalog, report);
  g_autoptr(JsonNode) bare = dsl_model_catalog_to_json (catalog, NULL);
  g_autofree char *text = json_to_string (root, TRUE);
  JsonObject *object;
  JsonArray *models;
  JsonObject *fourteen = NULL;

  g_test_message ("%s", text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (object, "recommended"), ==, "deepseek-r1:14b");
  g_assert_cmpint (json_object_get_int_member (object, "context_length"), ==, 8192);
  models = json_object_get_array_member (object, "models");
  g_assert_cmpuint (json_array_get_length (models), ==, 20);

  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *model = json_array_get_object_element (models, i);

      g_assert_true (json_object_has_member (model, "fit"));
      if (g_str_equal (json_object_get_string_member (model, "tag"), "14b"))
        fourteen = model;
    }

  g_assert_nonnull (fourteen);
  g_assert_cmpint (json_object_get_int_member (fourteen, "download_bytes"), ==, 8988112040);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fourteen,
                                                                                 "article"),
                                                  "version"), ==, "DeepSeek-R1-14B");
  {
    JsonObject *fit = json_object_get_object_member (fourteen, "fit");

    g_assert_cmpstr (json_object_get_string_member (fit, "verdict"), ==, "gpu");
    g_assert_cmpint (json_object_get_int_member (fit, "gpu_index"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (fit, "needed_bytes"), ==, 11807734952);
    g_assert_cmpint (json_object_get_int_member (fit, "max_gpu_context"), ==, 9216);
    g_assert_true (json_object_get_null_member (fit, "cpu_speed"));
  }

  /* The 8b: 147,456 bytes of f16 KV per token (2 × 36 × 8 × 128 × 2). */
  {
    JsonObject *eight = NULL;

    for (guint i = 0; i < json_array_get_length (models); i++)
      if (g_str_equal (json_object_get_string_member (json_array_get_object_element (models, i),
                                                      "tag"), "8b"))
        eight = json_array_get_object_element (models, i);
    g_assert_nonnull (eight);
    g_assert_cmpint (json_object_get_int_member (eight, "kv_bytes_per_token"), ==, 147456);
    g_assert_true (json_object_get_null_member (eight, "article"));
  }

  /* Without a machine: the facts alone. */
  object = json_node_get_object (bare);
  g_assert_true (json_object_get_null_member (object, "recommended"));
  models = json_object_get_array_member (object, "models");
  g_assert_true (json_object_get_null_member (json_array_get_object_element (models, 0), "fit"));
}

static void
test_table (void)
{
  g_autoptr(DslModelCatalog) catalog = load_catalog ();
  g_autoptr(TestReport) report = laptop_new ();
  g_autofree char *table = dsl_model_catalog_format_table (catalog, report);
  g_auto(GStrv) lines = g_strsplit (table, "\n", -1);
  guint marked = 0;
  gsize column = 0;

  g_test_message ("\n%s", table);
  g_assert_true (g_str_has_prefix (lines[0], "  Model"));
  assert_contains (lines[0], "On this computer");
  column = strstr (lines[0], "Parameters") - lines[0];

  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      /* Columns line up. */
      g_assert_cmpuint (strlen (lines[i]), >, column);
      g_assert_true (lines[i][column - 1] == ' ');
      if (lines[i][0] == '*')
        {
          marked++;
          g_assert_true (g_str_has_prefix (lines[i], "* deepseek-r1:7b "));
          assert_contains (lines[i], "4.7 GB");
          assert_contains (lines[i], "answers come slowly");
        }
      if (g_str_has_prefix (lines[i], "  deepseek-r1:7b-qwen-distill-q8_0 "))
        assert_contains (lines[i], "~8.1 GB");
    }

  g_assert_cmpuint (marked, ==, 1);
  assert_contains (table, "* Recommended: deepseek-r1:7b");
  assert_contains (table, "8192 tokens");
}

int
main (int   argc,
      char *argv[])
{
  /* The expected sentences are English with a dot for decimals. */
  g_setenv ("LANGUAGE", "C", TRUE);
  if (setlocale (LC_ALL, "C.UTF-8") == NULL)
    setlocale (LC_ALL, "C");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/catalog/default-table", test_default_table);
  g_test_add_func ("/dsl/catalog/article-strings-translatable", test_article_strings_translatable);
  g_test_add_func ("/dsl/catalog/lookup", test_lookup);
  g_test_add_func ("/dsl/catalog/load-errors", test_load_errors);
  g_test_add_func ("/dsl/catalog/kv-cache", test_kv_cache);
  g_test_add_func ("/dsl/catalog/graph", test_graph);
  g_test_add_func ("/dsl/catalog/context-length", test_context_length);
  g_test_add_func ("/dsl/catalog/cpu-speed", test_cpu_speed);
  g_test_add_func ("/dsl/catalog/laptop", test_laptop);
  g_test_add_func ("/dsl/catalog/desktop-3060", test_desktop_3060);
  g_test_add_func ("/dsl/catalog/max-gpu-context", test_max_gpu_context);
  g_test_add_func ("/dsl/catalog/radeon-7900-xtx", test_radeon);
  g_test_add_func ("/dsl/catalog/two-gpus", test_two_gpus);
  g_test_add_func ("/dsl/catalog/two-gpus-split", test_two_gpus_split);
  g_test_add_func ("/dsl/catalog/server", test_server);
  g_test_add_func ("/dsl/catalog/container", test_container);
  g_test_add_func ("/dsl/catalog/unusable-gpu", test_unusable_gpu);
  g_test_add_func ("/dsl/catalog/not-enough-disk", test_not_enough_disk);
  g_test_add_func ("/dsl/catalog/unknown-disk", test_unknown_disk);
  g_test_add_func ("/dsl/catalog/nothing-fits", test_nothing_fits);
  g_test_add_func ("/dsl/catalog/json", test_json);
  g_test_add_func ("/dsl/catalog/table", test_table);

  return g_test_run ();
}
