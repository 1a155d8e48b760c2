/* test-sha256.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-sha256.h"

/* The digest an Ollama release's sha256sum.txt is compared with: FIPS 180 vectors, and the same
 * as GChecksum for data fed in odd pieces. */
static void
test_vectors (void)
{
  g_autoptr(DslSha256) empty = dsl_sha256_new ();
  g_autoptr(DslSha256) abc = dsl_sha256_new ();

  g_assert_cmpstr (dsl_sha256_get_string (empty), ==,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  dsl_sha256_update (abc, "abc", 3);
  g_assert_cmpstr (dsl_sha256_get_string (abc), ==,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  /* Asking twice gives the same answer. */
  g_assert_cmpstr (dsl_sha256_get_string (abc), ==,
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  dsl_sha256_reset (abc);
  g_assert_cmpstr (dsl_sha256_get_string (abc), ==,
                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_same_as_gchecksum (void)
{
  g_autoptr(DslSha256) ours = dsl_sha256_new ();
  g_autoptr(GChecksum) glib = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *data = g_malloc (1 << 20);

  for (gsize i = 0; i < (1 << 20); i++)
    data[i] = (guint8) (i * 2654435761u >> 24);

  for (gsize pos = 0, step = 1; pos < (1 << 20); pos += step, step = step * 3 % 65521 + 1)
    {
      gsize n = MIN (step, (1 << 20) - pos);

      dsl_sha256_update (ours, data + pos, n);
      g_checksum_update (glib, data + pos, n);
    }

  g_assert_cmpstr (dsl_sha256_get_string (ours), ==, g_checksum_get_string (glib));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/sha256/vectors", test_vectors);
  g_test_add_func ("/dsl/sha256/same-as-gchecksum", test_same_as_gchecksum);

  return g_test_run ();
}
