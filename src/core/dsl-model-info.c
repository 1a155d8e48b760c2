/* dsl-model-info.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-model-info"

#include "config.h"

#include "dsl-json.h"
#include "dsl-model-info.h"

/* One entry of GET /api/tags. */
struct _DslModelInfo
{
  GObject  parent_instance;

  char    *name;
  guint64  size;
  char    *family;
  char    *parameter_size;
  char    *quantization_level;
};

G_DEFINE_FINAL_TYPE (DslModelInfo, dsl_model_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dsl_model_info_finalize (GObject *object)
{
  DslModelInfo *self = DSL_MODEL_INFO (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->family, g_free);
  g_clear_pointer (&self->parameter_size, g_free);
  g_clear_pointer (&self->quantization_level, g_free);

  G_OBJECT_CLASS (dsl_model_info_parent_class)->finalize (object);
}

static void
dsl_model_info_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DslModelInfo *self = DSL_MODEL_INFO (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dsl_model_info_class_init (DslModelInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dsl_model_info_finalize;
  object_class->get_property = dsl_model_info_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dsl_model_info_init (DslModelInfo *self)
{
}

/**
 * dsl_model_info_new_from_json:
 * @object: one member of the `models` array of /api/tags
 *
 * Returns: (transfer full) (nullable): the model, or %NULL when the entry has no name
 */
DslModelInfo *
dsl_model_info_new_from_json (JsonObject *object)
{
  DslModelInfo *self;
  JsonObject *details;
  const char *name;
  gint64 size;

  g_return_val_if_fail (object != NULL, NULL);

  name = dsl_json_get_string (object, "name", dsl_json_get_string (object, "model", NULL));
  if (name == NULL || name[0] == '\0')
    return NULL;

  details = dsl_json_get_object (object, "details");
  size = dsl_json_get_int (object, "size", 0);

  self = g_object_new (DSL_TYPE_MODEL_INFO, NULL);
  self->name = g_strdup (name);
  self->size = size > 0 ? (guint64) size : 0;
  self->family = g_strdup (dsl_json_get_string (details, "family", NULL));
  self->parameter_size = g_strdup (dsl_json_get_string (details, "parameter_size", NULL));
  self->quantization_level = g_strdup (dsl_json_get_string (details, "quantization_level", NULL));

  return self;
}

const char *
dsl_model_info_get_name (DslModelInfo *self)
{
  g_return_val_if_fail (DSL_IS_MODEL_INFO (self), NULL);
  return self->name;
}

guint64
dsl_model_info_get_size (DslModelInfo *self)
{
  g_return_val_if_fail (DSL_IS_MODEL_INFO (self), 0);
  return self->size;
}

const char *
dsl_model_info_get_family (DslModelInfo *self)
{
  g_return_val_if_fail (DSL_IS_MODEL_INFO (self), NULL);
  return self->family;
}

const char *
dsl_model_info_get_parameter_size (DslModelInfo *self)
{
  g_return_val_if_fail (DSL_IS_MODEL_INFO (self), NULL);
  return self->parameter_size;
}

const char *
dsl_model_info_get_quantization_level (DslModelInfo *self)
{
  g_return_val_if_fail (DSL_IS_MODEL_INFO (self), NULL);
  return self->quantization_level;
}
