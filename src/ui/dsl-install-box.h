/* dsl-install-box.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "dsl-ollama-service.h"

G_BEGIN_DECLS

#define DSL_TYPE_INSTALL_BOX (dsl_install_box_get_type ())

G_DECLARE_FINAL_TYPE (DslInstallBox, dsl_install_box, DSL, INSTALL_BOX, GtkWidget)

GtkWidget  *dsl_install_box_new                (void);
void        dsl_install_box_set_download_base_url (DslInstallBox *self,
                                                   const char    *url);
void        dsl_install_box_set_service        (DslInstallBox    *self,
                                                DslOllamaService *service);
void        dsl_install_box_set_update         (DslInstallBox *self,
                                                const char    *installed_version,
                                                const char    *newest_version);
void        dsl_install_box_start              (DslInstallBox *self);
void        dsl_install_box_cancel             (DslInstallBox *self);
const char *dsl_install_box_get_state          (DslInstallBox *self);
const char *dsl_install_box_get_progress_text  (DslInstallBox *self);
const char *dsl_install_box_get_error_text     (DslInstallBox *self);
const char *dsl_install_box_get_step_text      (DslInstallBox *self);
const char *dsl_install_box_get_warning_text   (DslInstallBox *self);

G_END_DECLS
