/* dsl-setup-wizard.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "dsl-ollama-service.h"

G_BEGIN_DECLS

#define DSL_TYPE_SETUP_WIZARD (dsl_setup_wizard_get_type ())

G_DECLARE_FINAL_TYPE (DslSetupWizard, dsl_setup_wizard, DSL, SETUP_WIZARD, AdwBin)

void        dsl_setup_wizard_set_context     (DslSetupWizard   *self,
                                              GSettings        *settings,
                                              DslOllamaService *service);
void        dsl_setup_wizard_start           (DslSetupWizard   *self,
                                              const char       *page,
                                              gboolean          can_cancel);
void        dsl_setup_wizard_stop            (DslSetupWizard   *self);

/* For tests: what a person sees and the controls they use. */
const char *dsl_setup_wizard_get_page            (DslSetupWizard   *self);
GtkButton  *dsl_setup_wizard_get_next_button     (DslSetupWizard   *self);
GtkButton  *dsl_setup_wizard_get_back_button     (DslSetupWizard   *self);
GtkWidget  *dsl_setup_wizard_get_install_box     (DslSetupWizard   *self);
AdwEntryRow *dsl_setup_wizard_get_server_row     (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_welcome_text    (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_computer_text   (DslSetupWizard   *self);
char       *dsl_setup_wizard_dup_ollama_text     (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_server_test_text (DslSetupWizard  *self);
gboolean    dsl_setup_wizard_get_server_ready    (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_model_text      (DslSetupWizard   *self);
char       *dsl_setup_wizard_dup_model_row_text  (DslSetupWizard   *self,
                                                  const char       *model);
gboolean    dsl_setup_wizard_select_model        (DslSetupWizard   *self,
                                                  const char       *model);
const char *dsl_setup_wizard_get_chosen_model    (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_download_text   (DslSetupWizard   *self);
double      dsl_setup_wizard_get_download_fraction (DslSetupWizard *self);
const char *dsl_setup_wizard_get_download_error  (DslSetupWizard   *self);
GtkButton  *dsl_setup_wizard_get_ask_button      (DslSetupWizard   *self);
AdwEntryRow *dsl_setup_wizard_get_custom_row     (DslSetupWizard   *self);
AdwComboRow *dsl_setup_wizard_get_context_row    (DslSetupWizard   *self);
const char *dsl_setup_wizard_get_last_notification (DslSetupWizard *self);

G_END_DECLS
