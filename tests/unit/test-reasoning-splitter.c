/* test-reasoning-splitter.c
 *
 * Copyright 2026 DeepSeek Local developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "dsl-reasoning-splitter.h"

typedef struct {
  const char *input;
  const char *reasoning;
  const char *answer;
} Case;

static const Case cases[] = {
  { "<think>\nLet me think.\n</think>\n\nThe answer is 42.", "Let me think.", "The answer is 42." },
  { "<think>\nOne.\n\nTwo.  \n</think>Answer  \n", "One.\n\nTwo.", "Answer  \n" },
  { "<think> a \n", "a \n", "" },
  { "  \n<think>a < b & c</think>b", "a < b & c", "b" },
  { "No reasoning here. <think>not a tag</think>", "", "No reasoning here. <think>not a tag</think>" },
  { "<think></think>Just the answer", "", "Just the answer" },
  { "<thinking>is not the tag", "", "<thinking>is not the tag" },
  { "<think>unfinished reasoning", "unfinished reasoning", "" },
  { "<think>x</thin", "x</thin", "" },
  { "<thi", "", "<thi" },
  { "", "", "" },
  { "<think>一步一步想。</think>答案是四十二。", "一步一步想。", "答案是四十二。" },
};

static void
run_split (const char  *input,
           gsize        split_a,
           gsize        split_b,
           GString     *reasoning,
           GString     *answer)
{
  g_autoptr(DslReasoningSplitter) splitter = dsl_reasoning_splitter_new ();
  gsize len = strlen (input);
  gsize cuts[] = { 0, MIN (split_a, len), MIN (MAX (split_a, split_b), len), len };

  for (guint i = 0; i + 1 < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *piece = g_strndup (input + cuts[i], cuts[i + 1] - cuts[i]);

      dsl_reasoning_splitter_feed_content (splitter, piece, reasoning, answer);
    }
  dsl_reasoning_splitter_finish (splitter, reasoning, answer);
}

/* Every way of cutting each sample in three gives the same result as the whole: the server cuts
 * its output at arbitrary bytes, including inside "<think>" and "</think>". */
static void
test_every_split_point (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize len = strlen (cases[c].input);

      for (gsize a = 0; a <= len; a++)
        for (gsize b = a; b <= len; b++)
          {
            g_autoptr(GString) reasoning = g_string_new (NULL);
            g_autoptr(GString) answer = g_string_new (NULL);

            run_split (cases[c].input, a, b, reasoning, answer);
            if (g_strcmp0 (reasoning->str, cases[c].reasoning) != 0 ||
                g_strcmp0 (answer->str, cases[c].answer) != 0)
              g_error ("case %u cut at %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
                       ": reasoning “%s” answer “%s”", c, a, b, reasoning->str, answer->str);
          }
    }
}

/* Byte by byte: the worst case, one byte per chunk. No half tag is ever shown. */
static void
test_byte_by_byte_never_shows_half_a_tag (void)
{
  const char *input = "<think>step one</think>The end.";
  g_autoptr(DslReasoningSplitter) splitter = dsl_reasoning_splitter_new ();
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autoptr(GString) answer = g_string_new (NULL);

  for (const char *p = input; *p != '\0'; p++)
    {
      char byte[2] = { *p, '\0' };

      dsl_reasoning_splitter_feed_content (splitter, byte, reasoning, answer);
      g_assert_null (strchr (reasoning->str, '<'));
      g_assert_null (strchr (answer->str, '<'));
    }
  dsl_reasoning_splitter_finish (splitter, reasoning, answer);

  g_assert_cmpstr (reasoning->str, ==, "step one");
  g_assert_cmpstr (answer->str, ==, "The end.");
}

/* Newer servers: reasoning in its own field, the answer clean. */
static void
test_thinking_field (void)
{
  g_autoptr(DslReasoningSplitter) splitter = dsl_reasoning_splitter_new ();
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autoptr(GString) answer = g_string_new (NULL);

  dsl_reasoning_splitter_feed_thinking (splitter, "Okay, ", reasoning);
  dsl_reasoning_splitter_feed_thinking (splitter, "so.", reasoning);
  g_assert_cmpstr (answer->str, ==, "");
  dsl_reasoning_splitter_feed_content (splitter, "\n\nHello", reasoning, answer);
  dsl_reasoning_splitter_feed_content (splitter, " there", reasoning, answer);
  dsl_reasoning_splitter_finish (splitter, reasoning, answer);

  g_assert_cmpstr (reasoning->str, ==, "Okay, so.");
  g_assert_cmpstr (answer->str, ==, "Hello there");
}

/* Both forms in one answer: part in the field, part as tags in content. */
static void
test_mixed_forms (void)
{
  g_autoptr(DslReasoningSplitter) splitter = dsl_reasoning_splitter_new ();
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autoptr(GString) answer = g_string_new (NULL);

  dsl_reasoning_splitter_feed_thinking (splitter, "First half. ", reasoning);
  dsl_reasoning_splitter_feed_content (splitter, "<th", reasoning, answer);
  dsl_reasoning_splitter_feed_content (splitter, "ink>Second half.</", reasoning, answer);
  g_assert_true (dsl_reasoning_splitter_in_reasoning (splitter));
  dsl_reasoning_splitter_feed_content (splitter, "think>Answer", reasoning, answer);
  g_assert_false (dsl_reasoning_splitter_in_reasoning (splitter));
  dsl_reasoning_splitter_finish (splitter, reasoning, answer);

  g_assert_cmpstr (reasoning->str, ==, "First half. Second half.");
  g_assert_cmpstr (answer->str, ==, "Answer");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dsl/reasoning/every-split-point", test_every_split_point);
  g_test_add_func ("/dsl/reasoning/byte-by-byte", test_byte_by_byte_never_shows_half_a_tag);
  g_test_add_func ("/dsl/reasoning/thinking-field", test_thinking_field);
  g_test_add_func ("/dsl/reasoning/mixed-forms", test_mixed_forms);

  return g_test_run ();
}
