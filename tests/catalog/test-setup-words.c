/* test-setup-words.c: what the setup wizard says about a computer and offers it, from core
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * dsl-setup.c on the fixture machines of tests/hardware/machines (probed through DSL_SYSROOT):
 * the sentence on the "This computer" page, the model choices with their verdicts and marks,
 * and the small formatting the wizard's pages share.
 */

#include "config.h"

#include <string.h>

#include "dsl-hardware.h"
#include "dsl-model-catalog.h"
#include "dsl-setup.h"

#define NBSP "\xc2\xa0"

static void
probed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  DslHardwareReport **report = user_data;
  g_autoptr(GError) error = NULL;

  *report = dsl_hardware_probe_finish (result, &error);
  g_assert_no_error (error);
}

static DslHardwareReport *
probe_machine (const char *name)
{
  g_autofree char *root = g_build_filename (MACHINES_DIR, name, NULL);
  g_autofree char *bin = g_build_filename (root, "bin", NULL);
  DslHardwareReport *report = NULL;

  g_setenv ("DSL_SYSROOT", root, TRUE);
  g_setenv ("PATH", bin, TRUE);
  dsl_hardware_probe_async (NULL, NULL, NULL, probed_cb, &report);
  while (report == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_unsetenv ("DSL_SYSROOT");
  g_setenv ("PATH", "/usr/bin:/bin", TRUE);

  /* The disk is this computer's; the fixtures say nothing about it. Plenty, for the verdicts. */
  report->models_free = G_GUINT64_CONSTANT (500) * 1000 * 1000 * 1000;
  return report;
}

static DslModelCatalog *
catalog (void)
{
  g_autoptr(GError) error = NULL;
  DslModelCatalog *self = dsl_model_catalog_new_default (&error);

  g_assert_no_error (error);
  return self;
}

static void
test_describe_computer (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  struct {
    const char *machine;
    const char *expected;
  } cases[] = {
    { "desktop-rtx3060", "Your NVIDIA GeForce RTX 3060 has 12 GB: models up to 14B run fully on it." },
    { "amd-7900xtx", "has 24 GB: models up to 32B run fully on it." },
    { "two-gpus", "Your NVIDIA GeForce RTX 4090 has 24 GB: models up to 32B run fully on it." },
    { "laptop-8gb", "so the processor does the work. With 7.6 GB of memory, models up to " },
    { "container-limited", "With 8.0 GB of memory, models up to " },
    { "netbook-1gb", "With 992 MB of memory, no DeepSeek-R1 model runs well on this computer." },
    { "broken-missing", "How much memory this computer has could not be read." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DslHardwareReport) report = probe_machine (cases[i].machine);
      g_autofree char *text = dsl_setup_describe_computer (models, report);

      g_test_message ("%s: %s", cases[i].machine, text);
      if (strstr (text, cases[i].expected) == NULL)
        g_error ("%s: “%s” is not in “%s”", cases[i].machine, cases[i].expected, text);
    }
}

static const DslSetupChoice *
find_choice (GPtrArray  *choices,
             const char *name)
{
  for (guint i = 0; i < choices->len; i++)
    {
      const DslSetupChoice *choice = g_ptr_array_index (choices, i);

      if (g_str_equal (choice->entry->name, name))
        return choice;
    }
  return NULL;
}

/* The RTX 3060: 14b recommended, 70b explained and not offered, smallest first, pulled marked. */
static void
test_choices (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  g_autoptr(DslHardwareReport) report = probe_machine ("desktop-rtx3060");
  const char * const pulled[] = { "deepseek-r1:8b", "llama3:8b", NULL };
  g_autoptr(GPtrArray) choices = dsl_setup_list_choices (models, report, pulled, FALSE, 0);
  g_autoptr(GPtrArray) variants = dsl_setup_list_choices (models, report, pulled, TRUE, 0);
  const DslSetupChoice *c;
  g_autofree char *details = NULL;
  g_autofree char *title = NULL;

  g_assert_cmpuint (choices->len, ==, 7);
  g_assert_cmpstr (((DslSetupChoice *) g_ptr_array_index (choices, 0))->entry->name, ==,
                   "deepseek-r1:1.5b");
  g_assert_cmpstr (((DslSetupChoice *) g_ptr_array_index (choices, 6))->entry->name, ==,
                   "deepseek-r1:671b");
  for (guint i = 0; i < variants->len; i++)
    g_assert_nonnull (((DslSetupChoice *) g_ptr_array_index (variants, i))->entry->variant_of);

  c = find_choice (choices, "deepseek-r1:14b");
  g_assert_true (c->recommended);
  g_assert_true (c->selectable);
  g_assert_false (c->pulled);
  g_assert_null (c->explanation);
  title = dsl_setup_choice_title (c->entry);
  g_assert_cmpstr (title, ==, "DeepSeek-R1-14B");
  details = dsl_setup_choice_details (c);
  g_assert_cmpstr (details, ==,
                   "Guide: 14B parameters · FP16 needs about 28 GB of GPU memory · 32 GB+ RAM · "
                   "Mac: M1 Max/M2 Max, 32 GB unified memory · PC: RTX 4090 / A100 40G, 24 GB+ VRAM\n"
                   "Download: deepseek-r1:14b · 9.0" NBSP "GB · Q4_K_M\n"
                   "Runs fully on your NVIDIA GeForce RTX 3060 (needs 11.0" NBSP "GiB of its "
                   "11.5" NBSP "GiB free)");

  c = find_choice (choices, "deepseek-r1:8b");
  g_assert_true (c->pulled);
  g_assert_false (c->recommended);

  c = find_choice (choices, "deepseek-r1:70b");
  g_assert_false (c->selectable);
  g_assert_nonnull (strstr (c->explanation, "Does not fit: needs 43.6" NBSP "GiB of memory"));

  /* A variant's title says its quantization. */
  c = find_choice (variants, "deepseek-r1:14b-qwen-distill-q8_0");
  g_clear_pointer (&title, g_free);
  title = dsl_setup_choice_title (c->entry);
  g_assert_cmpstr (title, ==, "DeepSeek-R1-14B, Q8_0");
}

/* Already on the disk: a full disk does not take it away. */
static void
test_pulled_beats_disk (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  g_autoptr(DslHardwareReport) report = probe_machine ("desktop-rtx3060");
  const char * const pulled[] = { "deepseek-r1:7b", NULL };
  g_autoptr(GPtrArray) choices = NULL;

  report->models_free = 1000 * 1000; /* 1 MB */
  choices = dsl_setup_list_choices (models, report, pulled, FALSE, 0);
  g_assert_true (find_choice (choices, "deepseek-r1:7b")->selectable);
  g_assert_false (find_choice (choices, "deepseek-r1:1.5b")->selectable);
  g_assert_nonnull (strstr (find_choice (choices, "deepseek-r1:1.5b")->explanation,
                            "Not enough disk space"));
}

/* A longer context needs more memory: at 128k the 14b no longer fits the 3060. */
static void
test_context_changes_verdicts (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  g_autoptr(DslHardwareReport) report = probe_machine ("desktop-rtx3060");
  g_autoptr(GPtrArray) choices = dsl_setup_list_choices (models, report, NULL, FALSE, 131072);

  g_assert_cmpint (find_choice (choices, "deepseek-r1:14b")->fit->placement, !=, DSL_FIT_GPU);
  g_assert_cmpuint (find_choice (choices, "deepseek-r1:14b")->fit->context_length, ==, 131072);
}

static void
test_is_pulled (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  const DslCatalogEntry *latest = dsl_model_catalog_lookup (models, "deepseek-r1:8b");
  const DslCatalogEntry *small = dsl_model_catalog_lookup (models, "deepseek-r1:1.5b");
  const char * const bare[] = { "deepseek-r1", NULL };
  const char * const tagged[] = { "deepseek-r1:latest", NULL };
  const char * const other[] = { "deepseek-r1-custom:8b", "qwen3:8b", NULL };

  g_assert_true (dsl_setup_is_pulled (latest, bare));
  g_assert_true (dsl_setup_is_pulled (latest, tagged));
  g_assert_false (dsl_setup_is_pulled (small, bare));
  g_assert_false (dsl_setup_is_pulled (latest, other));
  g_assert_false (dsl_setup_is_pulled (latest, NULL));
}

/* A server on another computer: every model offered, none recommended, each saying where. */
static void
test_remote (void)
{
  g_autoptr(DslModelCatalog) models = catalog ();
  g_autoptr(DslHardwareReport) report = probe_machine ("netbook-1gb");
  g_autoptr(GPtrArray) choices = dsl_setup_list_choices (models, report, NULL, FALSE, 0);

  g_assert_false (dsl_setup_is_remote_url ("http://127.0.0.1:11434"));
  g_assert_false (dsl_setup_is_remote_url ("http://localhost:11434"));
  g_assert_false (dsl_setup_is_remote_url ("http://[::1]:11434"));
  g_assert_true (dsl_setup_is_remote_url ("http://192.168.1.20:11434"));
  g_assert_true (dsl_setup_is_remote_url ("https://ollama.example.org"));

  g_assert_false (find_choice (choices, "deepseek-r1:70b")->selectable);
  dsl_setup_offer_all (choices, "http://192.168.1.20:11434");
  for (guint i = 0; i < choices->len; i++)
    {
      const DslSetupChoice *c = g_ptr_array_index (choices, i);

      g_assert_true (c->selectable);
      g_assert_false (c->recommended);
      g_assert_nonnull (strstr (c->explanation, "http://192.168.1.20:11434"));
    }
}

static void
test_formatting (void)
{
  g_autofree char *gpu = dsl_setup_format_memory (G_GUINT64_CONSTANT (12) << 30);
  g_autofree char *ram = dsl_setup_format_memory (G_GUINT64_CONSTANT (7997276) * 1024);
  g_autofree char *small = dsl_setup_format_memory (600 * 1024 * 1024);
  g_autofree char *progress = dsl_setup_format_progress (1200000000, 4900000000, 50e6, 100);
  g_autofree char *starting = dsl_setup_format_progress (0, 4900000000, 0, -1);
  g_autofree char *long_left = dsl_setup_format_progress (1, 4900000000, 1e5, 7500);
  g_autofree char *everything = dsl_setup_describe_download (4700000000, TRUE);
  g_autofree char *model_only = dsl_setup_describe_download (4700000000, FALSE);
  g_autofree char *unknown = dsl_setup_describe_download (0, TRUE);

  g_assert_cmpstr (gpu, ==, "12 GB");
  g_assert_cmpstr (ram, ==, "7.6 GB");
  g_assert_cmpstr (small, ==, "600 MB");
  g_assert_cmpstr (progress, ==, "1.2" NBSP "GB of 4.9" NBSP "GB · 50.0" NBSP "MB/s · about 2 minutes left");
  g_assert_cmpstr (starting, ==, "0 bytes of 4.9" NBSP "GB");
  g_assert_cmpstr (long_left, ==, "1 byte of 4.9" NBSP "GB · 100.0" NBSP "kB/s · about 2 h 5 min left");
  g_assert_cmpstr (everything, ==, "Setup downloads about 6.3" NBSP "GB in all: Ollama, which runs "
                   "the model (1.6" NBSP "GB), and the model itself (4.7" NBSP "GB).");
  g_assert_cmpstr (model_only, ==, "Setup downloads the model: about 4.7" NBSP "GB.");
  g_assert_nonnull (strstr (unknown, "the model you choose"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dsl/setup-words/describe-computer", test_describe_computer);
  g_test_add_func ("/dsl/setup-words/choices", test_choices);
  g_test_add_func ("/dsl/setup-words/pulled-beats-disk", test_pulled_beats_disk);
  g_test_add_func ("/dsl/setup-words/context", test_context_changes_verdicts);
  g_test_add_func ("/dsl/setup-words/is-pulled", test_is_pulled);
  g_test_add_func ("/dsl/setup-words/remote", test_remote);
  g_test_add_func ("/dsl/setup-words/formatting", test_formatting);

  return g_test_run ();
}
