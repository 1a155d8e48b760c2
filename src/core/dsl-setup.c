/* dsl-setup.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-setup"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "dsl-setup.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

/**
 * dsl_setup_format_memory:
 *
 * Memory as people read it on the box: a "12 GB" graphics card has 12 GiB, so GiB are shown
 * as "GB", whole from 10 on ("12 GB", "7.6 GB").
 *
 * Returns: (transfer full): the size, translated
 */
char *
dsl_setup_format_memory (guint64 bytes)
{
  double gib = (double) bytes / (double) GIB;

  if (bytes < GIB)
    return g_strdup_printf (_("%.0f MB"), (double) bytes / (1024.0 * 1024.0));
  if (gib < 10)
    /* Translators: memory in gigabytes, e.g. "7.6 GB" */
    return g_strdup_printf (_("%.1f GB"), gib);
  /* Translators: memory in gigabytes, e.g. "12 GB" */
  return g_strdup_printf (_("%.0f GB"), gib);
}

void
dsl_setup_choice_free (DslSetupChoice *choice)
{
  if (choice == NULL)
    return;

  g_clear_pointer (&choice->fit, dsl_fit_free);
  g_clear_pointer (&choice->explanation, g_free);
  g_free (choice);
}

static int
compare_smallest_first (gconstpointer a,
                        gconstpointer b)
{
  const DslCatalogEntry *x = *(const DslCatalogEntry **) a;
  const DslCatalogEntry *y = *(const DslCatalogEntry **) b;

  if (x->parameters != y->parameters)
    return x->parameters < y->parameters ? -1 : 1;
  if (x->download_bytes != y->download_bytes)
    return x->download_bytes < y->download_bytes ? -1 : 1;
  return g_strcmp0 (x->tag, y->tag);
}

/* The catalog's short tags (variants == FALSE) or their other quantizations, smallest first. */
static GPtrArray *
entries_smallest_first (DslModelCatalog *catalog,
                        gboolean         variants)
{
  GPtrArray *all = dsl_model_catalog_get_entries (catalog);
  GPtrArray *result = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    {
      const DslCatalogEntry *entry = g_ptr_array_index (all, i);

      if ((entry->variant_of != NULL) == variants)
        g_ptr_array_add (result, (gpointer) entry);
    }

  g_ptr_array_sort (result, compare_smallest_first);
  return result;
}

/* "14B", as the article writes sizes. */
static char *
size_label (const DslCatalogEntry *entry)
{
  const char *dash;

  if (entry->article_parameters != NULL)
    return g_strdup (entry->article_parameters);

  dash = strchr (entry->tag, '-');
  return g_ascii_strup (entry->tag, dash != NULL ? dash - entry->tag : -1);
}

static const DslGpu *
report_gpu (const DslHardwareReport *report,
            int                      index)
{
  if (index < 0 || report->gpus == NULL || (guint) index >= report->gpus->len)
    return NULL;
  return g_ptr_array_index (report->gpus, index);
}

/* The GPU a person would think of: one Ollama can use, the most memory first. */
static const DslGpu *
main_gpu (const DslHardwareReport *report,
          gboolean                 usable)
{
  const DslGpu *best = NULL;

  for (guint i = 0; report->gpus != NULL && i < report->gpus->len; i++)
    {
      const DslGpu *gpu = g_ptr_array_index (report->gpus, i);
      gboolean can = gpu->library != DSL_GPU_LIBRARY_NONE && gpu->library != DSL_GPU_LIBRARY_VULKAN;

      if (can != usable)
        continue;
      if (best == NULL || gpu->total_memory > best->total_memory)
        best = gpu;
    }

  return best;
}

static const char *
gpu_name (const DslGpu *gpu)
{
  if (gpu != NULL && gpu->name != NULL && *gpu->name != '\0')
    return gpu->name;
  return _("graphics card");
}

/* What the processor manages, from memory: the second half of the sentence when no GPU carries
 * a whole model. */
static char *
describe_processor (GPtrArray               *entries,
                    GPtrArray               *fits,
                    const DslHardwareReport *report)
{
  guint64 ram = dsl_hardware_report_get_usable_ram (report);
  g_autofree char *memory = NULL;
  const DslCatalogEntry *usable = NULL;
  const DslCatalogEntry *slow = NULL;
  g_autofree char *label = NULL;

  if (ram == 0)
    return g_strdup (_("How much memory this computer has could not be read."));

  for (guint i = 0; i < entries->len; i++)
    {
      const DslFit *fit = g_ptr_array_index (fits, i);

      if (fit->placement != DSL_FIT_CPU && fit->placement != DSL_FIT_PARTIAL)
        continue;
      if (fit->cpu_speed == DSL_CPU_SPEED_USABLE)
        usable = g_ptr_array_index (entries, i);
      else if (fit->cpu_speed == DSL_CPU_SPEED_SLOW)
        slow = g_ptr_array_index (entries, i);
    }

  memory = dsl_setup_format_memory (ram);
  if (usable != NULL)
    {
      label = size_label (usable);
      /* Translators: "With 16 GB of memory, models up to 8B answer at a usable speed." */
      return g_strdup_printf (_("With %s of memory, models up to %s answer at a usable speed."),
                              memory, label);
    }
  if (slow != NULL)
    {
      label = size_label (slow);
      return g_strdup_printf (_("With %s of memory, models up to %s run, but answers come "
                                "slowly."),
                              memory, label);
    }
  return g_strdup_printf (_("With %s of memory, no DeepSeek-R1 model runs well on this computer. "
                            "A server on another, stronger computer can do the work."),
                          memory);
}

/**
 * dsl_setup_describe_computer:
 *
 * What matters about this computer for the choice, in one or two sentences: "Your NVIDIA
 * GeForce RTX 3060 has 12 GB: models up to 14B run fully on it."
 *
 * Returns: (transfer full): the sentences, translated
 */
char *
dsl_setup_describe_computer (DslModelCatalog         *catalog,
                             const DslHardwareReport *report)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) fits = NULL;
  const DslCatalogEntry *on_gpu = NULL;
  const DslFit *on_gpu_fit = NULL;
  const DslGpu *usable;
  const DslGpu *unusable;
  g_autofree char *processor = NULL;
  g_autofree char *first = NULL;

  g_return_val_if_fail (DSL_IS_MODEL_CATALOG (catalog), NULL);
  g_return_val_if_fail (report != NULL, NULL);

  entries = entries_smallest_first (catalog, FALSE);
  fits = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_fit_free);
  for (guint i = 0; i < entries->len; i++)
    {
      DslFit *fit = dsl_model_catalog_estimate (g_ptr_array_index (entries, i), report,
                                                DSL_CATALOG_DEFAULT_CONTEXT, DSL_KV_CACHE_F16);

      g_ptr_array_add (fits, fit);
      if (fit->placement == DSL_FIT_GPU)
        {
          on_gpu = g_ptr_array_index (entries, i);
          on_gpu_fit = fit;
        }
    }

  if (on_gpu != NULL)
    {
      g_autofree char *label = size_label (on_gpu);

      if (on_gpu_fit->gpu_count > 1)
        {
          g_autofree char *memory = NULL;
          guint64 total = 0;

          for (guint i = 0; i < report->gpus->len; i++)
            {
              const DslGpu *gpu = g_ptr_array_index (report->gpus, i);

              if (gpu->library != DSL_GPU_LIBRARY_NONE && gpu->library != DSL_GPU_LIBRARY_VULKAN)
                total += gpu->total_memory;
            }
          memory = dsl_setup_format_memory (total);
          /* Translators: "Your 2 graphics cards have 48 GB together: models up to 32B run
           * fully on them." */
          return g_strdup_printf (ngettext ("Your %u graphics card has %s: models up to %s run "
                                            "fully on it.",
                                            "Your %u graphics cards have %s together: models up "
                                            "to %s run fully on them.",
                                            on_gpu_fit->gpu_count),
                                  on_gpu_fit->gpu_count, memory, label);
        }
      else
        {
          const DslGpu *gpu = report_gpu (report, on_gpu_fit->gpu_index);
          g_autofree char *memory = dsl_setup_format_memory (gpu != NULL ? gpu->total_memory : 0);

          /* Translators: "Your NVIDIA GeForce RTX 3060 has 12 GB: models up to 14B run fully
           * on it." */
          return g_strdup_printf (_("Your %s has %s: models up to %s run fully on it."),
                                  gpu_name (gpu), memory, label);
        }
    }

  processor = describe_processor (entries, fits, report);
  usable = main_gpu (report, TRUE);
  unusable = main_gpu (report, FALSE);

  if (usable != NULL && usable->total_memory > 0)
    {
      g_autofree char *memory = dsl_setup_format_memory (usable->total_memory);

      first = g_strdup_printf (_("Your %s has %s: too little for a whole model, so it shares the "
                                 "work with the processor."),
                               gpu_name (usable), memory);
    }
  else if (unusable != NULL && unusable->unusable_reason != NULL)
    {
      /* Translators: the second %s is a reason, e.g. "its driver is too old" */
      first = g_strdup_printf (_("Ollama cannot use your %s (%s), so the processor does the "
                                 "work."),
                               gpu_name (unusable), unusable->unusable_reason);
    }
  else
    {
      first = g_strdup (_("No graphics card that Ollama can use was found, so the processor does "
                          "the work."));
    }

  return g_strconcat (first, " ", processor, NULL);
}

/**
 * dsl_setup_is_pulled:
 * @pulled: (nullable) (array zero-terminated=1): the names the server lists
 *
 * Returns: whether @entry is among @pulled, under its name or one of its aliases
 */
gboolean
dsl_setup_is_pulled (const DslCatalogEntry *entry,
                     const char * const    *pulled)
{
  g_return_val_if_fail (entry != NULL, FALSE);

  for (guint i = 0; pulled != NULL && pulled[i] != NULL; i++)
    {
      const char *name = pulled[i];
      const char *colon = strchr (name, ':');
      const char *tag = colon != NULL ? colon + 1 : "latest";
      gsize base_len = colon != NULL ? (gsize) (colon - name) : strlen (name);

      if (base_len != strlen (DSL_CATALOG_MODEL_NAME) ||
          strncmp (name, DSL_CATALOG_MODEL_NAME, base_len) != 0)
        continue;
      if (g_str_equal (tag, entry->tag))
        return TRUE;
      if (entry->aliases != NULL && g_strv_contains ((const char * const *) entry->aliases, tag))
        return TRUE;
    }

  return FALSE;
}

/**
 * dsl_setup_list_choices:
 * @pulled: (nullable) (array zero-terminated=1): the models the server has
 * @variants: %FALSE for the short tags (Ollama's defaults), %TRUE for their q8_0/fp16 variants
 * @context_length: the context the verdicts are for; 0 for the default
 *
 * The models to offer, smallest first, each with its verdict. A model that cannot work here
 * (it does not fit in memory, or its download does not fit on the disk) is not selectable and
 * says why; one the server has already is selectable whatever the disk. The recommended one
 * (dsl_model_catalog_recommend ()) is marked among the short tags.
 *
 * Returns: (transfer container) (element-type DslSetupChoice): the choices
 */
GPtrArray *
dsl_setup_list_choices (DslModelCatalog         *catalog,
                        const DslHardwareReport *report,
                        const char * const      *pulled,
                        gboolean                 variants,
                        guint                    context_length)
{
  g_autoptr(GPtrArray) entries = NULL;
  const DslCatalogEntry *recommended = NULL;
  GPtrArray *choices;

  g_return_val_if_fail (DSL_IS_MODEL_CATALOG (catalog), NULL);
  g_return_val_if_fail (report != NULL, NULL);

  if (context_length == 0)
    context_length = DSL_CATALOG_DEFAULT_CONTEXT;

  if (!variants)
    recommended = dsl_model_catalog_recommend (catalog, report, NULL);

  entries = entries_smallest_first (catalog, variants);
  choices = g_ptr_array_new_with_free_func ((GDestroyNotify) dsl_setup_choice_free);
  for (guint i = 0; i < entries->len; i++)
    {
      DslSetupChoice *choice = g_new0 (DslSetupChoice, 1);
      DslFitVerdict verdict;

      choice->entry = g_ptr_array_index (entries, i);
      choice->fit = dsl_model_catalog_estimate (choice->entry, report, context_length,
                                                DSL_KV_CACHE_F16);
      choice->recommended = choice->entry == recommended;
      choice->pulled = dsl_setup_is_pulled (choice->entry, pulled);

      /* Already on the disk: only memory counts. */
      verdict = choice->pulled ? choice->fit->placement : choice->fit->verdict;
      choice->selectable = verdict == DSL_FIT_GPU || verdict == DSL_FIT_PARTIAL ||
                           verdict == DSL_FIT_CPU;
      if (!choice->selectable)
        choice->explanation = g_strdup (choice->fit->summary);

      g_ptr_array_add (choices, choice);
    }

  return choices;
}

/**
 * dsl_setup_describe_download:
 * @model_bytes: the model's download; 0 when not known yet
 * @with_ollama: whether Ollama has to be downloaded too
 *
 * Returns: (transfer full): how much setup downloads, in a translated sentence
 */
char *
dsl_setup_describe_download (guint64  model_bytes,
                             gboolean with_ollama)
{
  g_autofree char *model = model_bytes > 0 ? g_format_size (model_bytes) : NULL;
  g_autofree char *ollama = g_format_size (DSL_SETUP_OLLAMA_DOWNLOAD_BYTES);

  if (with_ollama && model != NULL)
    {
      g_autofree char *total = g_format_size (model_bytes + DSL_SETUP_OLLAMA_DOWNLOAD_BYTES);

      /* Translators: "about 6.3 GB in all: Ollama (1.6 GB) and the model (4.7 GB)" */
      return g_strdup_printf (_("Setup downloads about %s in all: Ollama, which runs the model "
                                "(%s), and the model itself (%s)."),
                              total, ollama, model);
    }
  if (with_ollama)
    return g_strdup_printf (_("Setup downloads Ollama, which runs the model (about %s), and then "
                              "the model you choose (1 to 40 GB)."),
                            ollama);
  if (model != NULL)
    /* Translators: %s is a size, e.g. "4.7 GB" */
    return g_strdup_printf (_("Setup downloads the model: about %s."), model);
  return g_strdup (_("Setup downloads the model you choose: 1 to 40 GB."));
}

static char *
format_time_left (double seconds)
{
  if (seconds < 90)
    return g_strdup_printf (ngettext ("%d second", "%d seconds", (int) seconds + 1),
                            (int) seconds + 1);
  if (seconds < 3600)
    return g_strdup_printf (ngettext ("%d minute", "%d minutes", (int) (seconds / 60) + 1),
                            (int) (seconds / 60) + 1);
  /* Translators: a time left, e.g. "2 h 5 min" */
  return g_strdup_printf (_("%d h %d min"), (int) (seconds / 3600),
                          (int) ((gint64) seconds % 3600) / 60);
}

/**
 * dsl_setup_format_progress:
 * @done: bytes there
 * @total: bytes in all; 0 when not known
 * @bytes_per_second: the speed; 0 or less when not known yet
 * @seconds_left: the time left; less than 0 when not known yet
 *
 * Returns: (transfer full): "1.2 GB of 4.9 GB · 50.0 MB/s · about 2 minutes left", translated
 */
char *
dsl_setup_format_progress (guint64 done,
                           guint64 total,
                           double  bytes_per_second,
                           double  seconds_left)
{
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = NULL;

  if (total == 0)
    return g_steal_pointer (&done_text);

  total_text = g_format_size (total);
  if (bytes_per_second > 0 && seconds_left >= 0)
    {
      g_autofree char *speed = g_format_size ((guint64) bytes_per_second);
      g_autofree char *left = format_time_left (seconds_left);

      /* Translators: bytes there, bytes in all, speed, time left:
       * "1.2 GB of 4.9 GB · 50.0 MB/s · about 2 minutes left" */
      return g_strdup_printf (_("%s of %s · %s/s · about %s left"), done_text, total_text, speed,
                              left);
    }

  /* Translators: bytes there, of bytes in all: "1.2 GB of 4.9 GB" */
  return g_strdup_printf (_("%s of %s"), done_text, total_text);
}

/**
 * dsl_setup_choice_title:
 *
 * Returns: (transfer full): the model as the guide names it: "DeepSeek-R1-14B"
 */
char *
dsl_setup_choice_title (const DslCatalogEntry *entry)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (entry != NULL, NULL);

  if (entry->article_version != NULL && entry->variant_of == NULL)
    return g_strdup (entry->article_version);

  label = size_label (entry);
  if (entry->variant_of != NULL)
    /* Translators: a model and its quantization: "DeepSeek-R1-14B, Q8_0" */
    return g_strdup_printf (_("DeepSeek-R1-%s, %s"), label, entry->quantization);
  return g_strdup_printf ("DeepSeek-R1-%s", label);
}

/**
 * dsl_setup_choice_details:
 *
 * The three lines under a model's name in the wizard: what the guide's table says (parameters,
 * FP16 GPU memory, RAM, the Mac and the PC it recommends), what the download really is, and the
 * verdict for this computer.
 *
 * Returns: (transfer full): the lines, joined by newlines, translated
 */
char *
dsl_setup_choice_details (const DslSetupChoice *choice)
{
  const DslCatalogEntry *entry;
  g_autofree char *guide = NULL;
  g_autofree char *download = NULL;
  g_autofree char *size = NULL;
  const char *verdict;

  g_return_val_if_fail (choice != NULL, NULL);

  entry = choice->entry;
  if (entry->article_version != NULL)
    /* Translators: the guide's requirements table: parameters, GPU memory at full precision
     * (FP16), system memory, a Mac and a Windows PC it recommends */
    guide = g_strdup_printf (_("Guide: %s parameters · FP16 needs about %u GB of GPU memory · %u GB+ "
                               "RAM · Mac: %s · PC: %s"),
                             entry->article_parameters, entry->article_fp16_gpu_gb,
                             entry->article_ram_gb, dsl_catalog_entry_get_article_mac (entry),
                             dsl_catalog_entry_get_article_windows (entry));
  else if (entry->base_model != NULL)
    /* Translators: %s is a model's full name, e.g. "DeepSeek-R1-0528-Qwen3-8B" */
    guide = g_strdup_printf (_("Guide: not in its table (%s)"), entry->base_model);
  else
    guide = g_strdup (_("Guide: not in its table"));

  size = g_format_size (entry->download_bytes);
  /* Translators: "Download: deepseek-r1:14b · 9.0 GB · Q4_K_M" */
  download = g_strdup_printf (_("Download: %s · %s · %s"), entry->name, size,
                              entry->quantization);

  verdict = choice->explanation != NULL ? choice->explanation : choice->fit->summary;
  return g_strjoin ("\n", guide, download, verdict != NULL ? verdict : "", NULL);
}

/**
 * dsl_setup_is_remote_url:
 * @url: a server address
 *
 * Returns: whether @url is on another computer (not a loopback address): then this computer's
 *   memory says nothing about what the server can run
 */
gboolean
dsl_setup_is_remote_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL)
    return FALSE;
  return !(g_str_has_prefix (host, "127.") || g_ascii_strcasecmp (host, "localhost") == 0 ||
           g_str_equal (host, "::1"));
}

/**
 * dsl_setup_offer_all:
 * @choices: (element-type DslSetupChoice): from dsl_setup_list_choices ()
 * @url: the server on another computer
 *
 * Makes every choice selectable, none recommended, each saying that it runs on @url: for a server
 * on another computer, whose memory this one cannot see.
 */
void
dsl_setup_offer_all (GPtrArray  *choices,
                     const char *url)
{
  g_return_if_fail (choices != NULL);
  g_return_if_fail (url != NULL);

  for (guint i = 0; i < choices->len; i++)
    {
      DslSetupChoice *choice = g_ptr_array_index (choices, i);

      choice->selectable = TRUE;
      choice->recommended = FALSE;
      g_free (choice->explanation);
      /* Translators: %s is a server address */
      choice->explanation = g_strdup_printf (_("Runs on the server at %s: how well depends on "
                                               "that computer"), url);
    }
}
