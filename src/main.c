/* main.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dsl-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DslApplication) app = NULL;

  dsl_application_init_i18n ();
  app = dsl_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
