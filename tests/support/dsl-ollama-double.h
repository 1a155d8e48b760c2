/* dsl-ollama-double.h
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* DslOllamaDouble: a stand-in for the Ollama server (ollama-api.md), on
 * SoupServer in the thread-default main context. Tests iterate that context.
 *
 * Endpoints: GET|HEAD /, GET|HEAD /api/version, GET|HEAD /api/tags, GET
 * /api/ps, POST /api/show, POST /api/chat, POST /api/pull, DELETE
 * /api/delete; other paths 404, other methods 405. Side door, never recorded
 * nor delayed: POST /_double/scenario (body: scenario), GET /_double/requests,
 * POST /_double/reset.
 *
 * Scenario (JSON, every key optional):
 *   version ("0.32.15"), ready_delay_ms (0: every real request waits until
 *   then, counted from listen or from setting the scenario), models (array of
 *   names or objects {name, size, family, parameter_size, quantization_level,
 *   capabilities, block_count, head_count, head_count_kv, embedding_length,
 *   context_length, size_vram, digest}; defaults from the deepseek-r1 table,
 *   ["deepseek-r1:8b"]), pullable (same form, ["deepseek-r1:1.5b"]),
 *   pull_bytes_per_second (0 = instant), pull_fail none|not_found|too_old|
 *   no_space|disconnect, pull_fail_at (0.5: the share of the weights on disk
 *   when no_space or disconnect strikes), pull_fail_times (-1 = all),
 *   chat: {thinking_form field|tags|mixed|none, reasoning, answer,
 *   reasoning_tokens, answer_tokens, paragraph_tokens (synthetic text: a blank
 *   line every N tokens), tokens_per_second, first_byte_delay_ms,
 *   fail none|not_found|bad_request|server_error|busy|html|garbage|huge_line|
 *   error_line|disconnect, fail_after_tokens (5), fail_times (-1 = all),
 *   error_text}.
 *
 * What the version and the request change, as Ollama does:
 *   - without "thinking_form", the form follows the server: before 0.9.0 raw
 *     tags, 0.9.0-0.12.3 tags unless think:true, later the field; models
 *     without the "thinking" capability reason not at all; think:false
 *     silences reasoning in the field form;
 *   - `think` (any value) for a model without "thinking" is a 400, worded
 *     per version; before 0.9.0 `think` is ignored;
 *   - /api/tags has capabilities and details.context_length from 0.12.0,
 *     /api/show capabilities from 0.6.4;
 *   - empty messages = a load (done_reason "load"); options.num_predict cuts
 *     the answer (done_reason "length"); options.num_ctx and keep_alive show
 *     in /api/ps (keep_alive 0 unloads after the answer);
 *   - loopback: a Host header that is not local gets 403;
 *   - chat failures spare loads (empty messages); server_error and html
 *     fail after first_byte_delay_ms, the other status failures at once; fail "disconnect" cuts the stream inside a chunk so a
 *     libsoup 3.2 client sees an error and not a clean end;
 *   - a pull keeps what it downloaded when it fails or its client leaves, and
 *     the next pull of that model resumes: its first weights line has the
 *     bytes already on disk as `completed`; pull_fail "disconnect" cuts the
 *     stream inside a chunk, like chat's; an installed model pulls without
 *     downloading, so no_space and disconnect spare it.
 *
 * Recorded request: {"method", "path", "body" (parsed JSON or null), "host",
 * "finished", "client_disconnected" (the client left before the reply was
 * complete), "chunks_sent" (body chunks written: one per NDJSON line in a
 * stream, 1 for a plain reply, 0 for an empty one)}.
 */

#define DSL_TYPE_OLLAMA_DOUBLE (dsl_ollama_double_get_type ())

G_DECLARE_FINAL_TYPE (DslOllamaDouble, dsl_ollama_double, DSL, OLLAMA_DOUBLE, GObject)

DslOllamaDouble *dsl_ollama_double_new               (void);
gboolean         dsl_ollama_double_listen            (DslOllamaDouble  *self,
                                                      const char       *host,
                                                      GError          **error);
char            *dsl_ollama_double_dup_url           (DslOllamaDouble  *self);
guint16          dsl_ollama_double_get_port          (DslOllamaDouble  *self);
const char      *dsl_ollama_double_get_version       (DslOllamaDouble  *self);
gboolean         dsl_ollama_double_set_scenario_json (DslOllamaDouble  *self,
                                                      const char       *json,
                                                      GError          **error);
void             dsl_ollama_double_reset_requests    (DslOllamaDouble  *self);
JsonNode        *dsl_ollama_double_dup_requests      (DslOllamaDouble  *self);
guint            dsl_ollama_double_get_n_requests    (DslOllamaDouble  *self,
                                                      const char       *path);
guint            dsl_ollama_double_get_n_active      (DslOllamaDouble  *self);

G_END_DECLS
