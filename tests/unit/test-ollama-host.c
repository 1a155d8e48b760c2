/* test-ollama-host.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dsl-ollama-client.h"

/* The forms the `ollama` command accepts in OLLAMA_HOST (ollama-api.md section 1). */
static void
test_host_forms (void)
{
  static const struct { const char *host; const char *url; } cases[] = {
    { "", "http://127.0.0.1:11434" },
    { "127.0.0.1", "http://127.0.0.1:11434" },
    { "localhost:8080", "http://localhost:8080" },
    { "0.0.0.0", "http://127.0.0.1:11434" },
    { "0.0.0.0:9999", "http://127.0.0.1:9999" },
    { ":11500", "http://127.0.0.1:11500" },
    { "192.168.1.20", "http://192.168.1.20:11434" },
    { "http://gpu-box", "http://gpu-box:80" },
    { "https://ollama.example.com", "https://ollama.example.com:443" },
    { "http://10.0.0.5:11434/", "http://10.0.0.5:11434" },
    { "https://example.com:8443/ollama/", "https://example.com:8443/ollama" },
    { "[::1]:11434", "http://[::1]:11434" },
    { "::1", "http://[::1]:11434" },
    { "  studio.local:11434  ", "http://studio.local:11434" },
    { "host:99999", "http://127.0.0.1:11434" },
    { "ftp://host", "http://127.0.0.1:11434" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = dsl_ollama_url_from_host (cases[i].host);

      g_assert_cmpstr (url, ==, cases[i].url);
    }
}

/* OLLAMA_HOST wins over the setting, as it does for the ollama command. */
static void
test_environment_overrides_setting (void)
{
  g_autofree char *from_setting = NULL;
  g_autofree char *from_env = NULL;

  g_unsetenv ("OLLAMA_HOST");
  from_setting = dsl_ollama_resolve_url ("http://studio.local:11434");
  g_assert_cmpstr (from_setting, ==, "http://studio.local:11434");

  g_setenv ("OLLAMA_HOST", "127.0.0.1:4000", TRUE);
  from_env = dsl_ollama_resolve_url ("http://studio.local:11434");
  g_assert_cmpstr (from_env, ==, "http://127.0.0.1:4000");
  g_unsetenv ("OLLAMA_HOST");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/ollama/host-forms", test_host_forms);
  g_test_add_func ("/dsl/ollama/environment-overrides-setting", test_environment_overrides_setting);

  return g_test_run ();
}
