/* dsl-cli.h: the command-line reports
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

int dsl_cli_check_hardware (gboolean    json);
int dsl_cli_server_status  (const char *configured_url);
int dsl_cli_install_ollama (const char *download_base_url);

G_END_DECLS
