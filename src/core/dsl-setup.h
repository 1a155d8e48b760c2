/* dsl-setup.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "dsl-hardware.h"
#include "dsl-model-catalog.h"

G_BEGIN_DECLS

/* What the setup wizard says and offers, worked out without any widget: the sentence that
 * sums up this computer, the model choices with their verdicts, what setup will download. */

/* One model the wizard shows. */
typedef struct {
  const DslCatalogEntry *entry;       /* owned by the catalog */
  DslFit                *fit;         /* at the context the choices were made for */
  gboolean               recommended; /* the one preselected */
  gboolean               pulled;      /* the server has it already */
  gboolean               selectable;  /* it can work here: offered as a click */
  char                  *explanation; /* why it cannot work ("needs 43 GB…"), when not selectable */
} DslSetupChoice;

void     dsl_setup_choice_free         (DslSetupChoice          *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslSetupChoice, dsl_setup_choice_free)

char      *dsl_setup_describe_computer (DslModelCatalog         *catalog,
                                        const DslHardwareReport *report);
GPtrArray *dsl_setup_list_choices      (DslModelCatalog         *catalog,
                                        const DslHardwareReport *report,
                                        const char * const      *pulled,
                                        gboolean                 variants,
                                        guint                    context_length);
char      *dsl_setup_choice_title      (const DslCatalogEntry   *entry);
char      *dsl_setup_choice_details    (const DslSetupChoice    *choice);
gboolean   dsl_setup_is_pulled         (const DslCatalogEntry   *entry,
                                        const char * const      *pulled);
char      *dsl_setup_describe_download (guint64                  model_bytes,
                                        gboolean                 with_ollama);
gboolean   dsl_setup_is_remote_url     (const char              *url);
void       dsl_setup_offer_all         (GPtrArray               *choices,
                                        const char              *url);
char      *dsl_setup_format_memory     (guint64                  bytes);
char      *dsl_setup_format_progress   (guint64                  done,
                                        guint64                  total,
                                        double                   bytes_per_second,
                                        double                   seconds_left);

/* Roughly what the Ollama download weighs (its Linux amd64 archive), for the welcome page
 * before the release has been asked for. */
#define DSL_SETUP_OLLAMA_DOWNLOAD_BYTES (G_GUINT64_CONSTANT (1600) * 1000 * 1000)

G_END_DECLS
