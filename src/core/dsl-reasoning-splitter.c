/* dsl-reasoning-splitter.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dsl-reasoning"

#include "config.h"

#include <string.h>

#include "dsl-reasoning-splitter.h"

/* Splits R1's output into reasoning and answer, whichever way the server sends it:
 *
 *  - newer servers put the reasoning in message.thinking and a clean answer in message.content;
 *  - older ones write "<think>…</think>" inside content, cut at any byte across chunks.
 *
 * The rules are Ollama's own (thinking/parser.go): whitespace before "<think>" is ignored; if the
 * first text that is not whitespace is not "<think>", everything is answer; whitespace right after
 * "<think>" and right after "</think>" is dropped, and so is whitespace right before "</think>"
 * (R1 writes "<think>\n…\n</think>"; the framing line breaks are not reasoning). Text that might be the start of a tag is held
 * back until the next delta decides it, so the caller never sees half a tag. */

#define OPEN_TAG "<think>"
#define CLOSE_TAG "</think>"

typedef enum {
  STATE_LOOKING_FOR_OPEN,
  STATE_AFTER_OPEN,      /* dropping whitespace after "<think>" */
  STATE_THINKING,
  STATE_AFTER_CLOSE,     /* dropping whitespace after "</think>" */
  STATE_ANSWER,
} State;

struct _DslReasoningSplitter
{
  State    state;
  GString *pending;      /* bytes not yet classified */
};

DslReasoningSplitter *
dsl_reasoning_splitter_new (void)
{
  DslReasoningSplitter *self = g_new0 (DslReasoningSplitter, 1);

  self->state = STATE_LOOKING_FOR_OPEN;
  self->pending = g_string_new (NULL);

  return self;
}

void
dsl_reasoning_splitter_free (DslReasoningSplitter *self)
{
  if (self == NULL)
    return;

  g_string_free (self->pending, TRUE);
  g_free (self);
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the longest suffix of s[0..len) that is a proper prefix of tag. */
static gsize
partial_tag_suffix (const char *s,
                    gsize       len,
                    const char *tag)
{
  gsize tag_len = strlen (tag);

  for (gsize n = MIN (len, tag_len - 1); n > 0; n--)
    if (memcmp (s + len - n, tag, n) == 0)
      return n;

  return 0;
}

static void
run (DslReasoningSplitter *self,
     gboolean              at_end,
     GString              *reasoning,
     GString              *answer)
{
  GString *p = self->pending;
  gsize pos = 0;

  while (pos < p->len)
    {
      const char *s = p->str + pos;
      gsize len = p->len - pos;

      switch (self->state)
        {
        case STATE_LOOKING_FOR_OPEN:
          {
            gsize ws = 0;
            gsize tag_len = strlen (OPEN_TAG);

            while (ws < len && is_space (s[ws]))
              ws++;

            if (ws == len)
              {
                /* Only whitespace so far: it is dropped if a tag follows, kept otherwise. */
                if (at_end)
                  {
                    pos = p->len;
                  }
                goto out;
              }

            if (len - ws >= tag_len)
              {
                if (memcmp (s + ws, OPEN_TAG, tag_len) == 0)
                  {
                    pos += ws + tag_len;
                    self->state = STATE_AFTER_OPEN;
                  }
                else
                  {
                    pos += ws;
                    self->state = STATE_ANSWER;
                  }
              }
            else if (memcmp (s + ws, OPEN_TAG, len - ws) == 0 && !at_end)
              {
                goto out; /* could still become "<think>" */
              }
            else
              {
                pos += ws;
                self->state = STATE_ANSWER;
              }
          }
          break;

        case STATE_AFTER_OPEN:
        case STATE_AFTER_CLOSE:
          {
            gsize ws = 0;

            while (ws < len && is_space (s[ws]))
              ws++;
            pos += ws;
            if (ws < len)
              self->state = self->state == STATE_AFTER_OPEN ? STATE_THINKING : STATE_ANSWER;
          }
          break;

        case STATE_THINKING:
          {
            const char *close = g_strstr_len (s, len, CLOSE_TAG);

            if (close != NULL)
              {
                gsize text_len = close - s;

                /* "…reasoning\n</think>": the line break only frames the tag. */
                while (text_len > 0 && is_space (s[text_len - 1]))
                  text_len--;
                g_string_append_len (reasoning, s, text_len);
                pos += (close - s) + strlen (CLOSE_TAG);
                self->state = STATE_AFTER_CLOSE;
              }
            else
              {
                gsize keep = 0;

                if (!at_end)
                  {
                    /* Hold back what may be the start of "</think>", and the whitespace before
                     * it, until the next delta tells. */
                    keep = partial_tag_suffix (s, len, CLOSE_TAG);
                    while (keep < len && is_space (s[len - keep - 1]))
                      keep++;
                  }

                g_string_append_len (reasoning, s, len - keep);
                pos += len - keep;
                goto out;
              }
          }
          break;

        case STATE_ANSWER:
          g_string_append_len (answer, s, len);
          pos = p->len;
          break;

        default:
          g_assert_not_reached ();
        }
    }

out:
  g_string_erase (p, 0, pos);
}

/**
 * dsl_reasoning_splitter_feed_content:
 * @content: a `message.content` delta
 * @reasoning: where reasoning text found in it is appended
 * @answer: where answer text found in it is appended
 *
 * Classifies one content delta. Text that may be part of a tag is held until the next call or
 * dsl_reasoning_splitter_finish().
 */
void
dsl_reasoning_splitter_feed_content (DslReasoningSplitter *self,
                                     const char           *content,
                                     GString              *reasoning,
                                     GString              *answer)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (reasoning != NULL && answer != NULL);

  if (content == NULL || content[0] == '\0')
    return;

  if (self->state == STATE_ANSWER && self->pending->len == 0)
    {
      g_string_append (answer, content); /* the common case, without copying twice */
      return;
    }

  g_string_append (self->pending, content);
  run (self, FALSE, reasoning, answer);
}

/**
 * dsl_reasoning_splitter_feed_thinking:
 * @thinking: a `message.thinking` delta
 *
 * Reasoning that arrives in its own field is reasoning as it is.
 */
void
dsl_reasoning_splitter_feed_thinking (DslReasoningSplitter *self,
                                      const char           *thinking,
                                      GString              *reasoning)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (reasoning != NULL);

  if (thinking != NULL)
    g_string_append (reasoning, thinking);
}

/**
 * dsl_reasoning_splitter_finish:
 *
 * Flushes what was held back at the end of the answer: an unfinished tag is text after all.
 */
void
dsl_reasoning_splitter_finish (DslReasoningSplitter *self,
                               GString              *reasoning,
                               GString              *answer)
{
  g_return_if_fail (self != NULL);

  run (self, TRUE, reasoning, answer);
}

/**
 * dsl_reasoning_splitter_in_reasoning:
 *
 * Returns: whether content is currently inside "<think>…</think>"
 */
gboolean
dsl_reasoning_splitter_in_reasoning (DslReasoningSplitter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state == STATE_AFTER_OPEN || self->state == STATE_THINKING;
}
