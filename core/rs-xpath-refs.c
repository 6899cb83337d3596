/* rs-xpath-refs.c: reads an XForms XPath expression for the nodes it references and the
 * functions it calls, and anchors absolute references inside repeats to the current instance.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-xpath-refs.h"
#include "rs-xpath-functions.h"

#include <glib/gi18n-lib.h>
#include <string.h>

typedef enum
{
  TOK_NAME,      /* NCName or QName, also prefix:* */
  TOK_LITERAL,
  TOK_NUMBER,
  TOK_SLASH,
  TOK_DSLASH,
  TOK_DOT,
  TOK_DOTDOT,
  TOK_AT,
  TOK_STAR,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_LBRACKET,
  TOK_RBRACKET,
  TOK_COMMA,
  TOK_AXIS,      /* :: */
  TOK_DOLLAR,
  TOK_OPERATOR,  /* | + - = != < <= > >= */
  TOK_END,
} TokenType;

typedef struct
{
  TokenType type;
  guint     start;
  guint     end;
} Token;

typedef struct
{
  guint start;
  guint end;
  char *text;
} Rewrite;

typedef struct
{
  const char         *src;
  GArray             *tokens;
  guint               pos;
  const char         *context_path;
  const char * const *repeat_paths;
  GArray             *rewrites;     /* Rewrite, in any order */
  RsXPathAnalysis    *analysis;
  guint               depth;
} Scanner;

void
rs_xpath_analysis_free (RsXPathAnalysis *analysis)
{
  if (analysis == NULL)
    return;
  g_free (analysis->rewritten);
  g_clear_pointer (&analysis->refs, g_ptr_array_unref);
  g_clear_pointer (&analysis->functions, g_ptr_array_unref);
  g_free (analysis);
}

static void
ref_free (RsXPathRef *ref)
{
  g_free (ref->path);
  g_free (ref->scope_repeat);
  g_free (ref);
}

static gboolean
is_name_start (guchar c)
{
  return g_ascii_isalpha (c) || c == '_' || c >= 0x80;
}

static gboolean
is_name_char (guchar c)
{
  return is_name_start (c) || g_ascii_isdigit (c) || c == '-' || c == '.';
}

static gboolean
tokenize (const char *src,
          GArray     *tokens)
{
  guint i = 0;

  while (src[i] != '\0')
    {
      guchar c = src[i];
      Token tok = { TOK_END, i, i };

      if (g_ascii_isspace (c))
        {
          i++;
          continue;
        }
      if (c == '\'' || c == '"')
        {
          const char *close = strchr (src + i + 1, c);

          if (close == NULL)
            return FALSE;
          tok.type = TOK_LITERAL;
          i = close - src + 1;
        }
      else if (g_ascii_isdigit (c) || (c == '.' && g_ascii_isdigit (src[i + 1])))
        {
          tok.type = TOK_NUMBER;
          while (g_ascii_isdigit (src[i]) || src[i] == '.')
            i++;
        }
      else if (c == '.' && src[i + 1] == '.')
        {
          tok.type = TOK_DOTDOT;
          i += 2;
        }
      else if (c == '.')
        {
          tok.type = TOK_DOT;
          i++;
        }
      else if (c == '/' && src[i + 1] == '/')
        {
          tok.type = TOK_DSLASH;
          i += 2;
        }
      else if (c == '/')
        {
          tok.type = TOK_SLASH;
          i++;
        }
      else if (c == ':' && src[i + 1] == ':')
        {
          tok.type = TOK_AXIS;
          i += 2;
        }
      else if (is_name_start (c))
        {
          tok.type = TOK_NAME;
          while (is_name_char (src[i]))
            i++;
          if (src[i] == ':' && src[i + 1] != ':')
            {
              if (src[i + 1] == '*')
                i += 2;
              else if (is_name_start (src[i + 1]))
                {
                  i++;
                  while (is_name_char (src[i]))
                    i++;
                }
              else
                return FALSE;
            }
        }
      else
        {
          i++;
          switch (c)
            {
            case '@': tok.type = TOK_AT; break;
            case '*': tok.type = TOK_STAR; break;
            case '(': tok.type = TOK_LPAREN; break;
            case ')': tok.type = TOK_RPAREN; break;
            case '[': tok.type = TOK_LBRACKET; break;
            case ']': tok.type = TOK_RBRACKET; break;
            case ',': tok.type = TOK_COMMA; break;
            case '$': tok.type = TOK_DOLLAR; break;
            case '|': case '+': case '-': case '=':
              tok.type = TOK_OPERATOR;
              break;
            case '<': case '>':
              tok.type = TOK_OPERATOR;
              if (src[i] == '=')
                i++;
              break;
            case '!':
              if (src[i] != '=')
                return FALSE;
              i++;
              tok.type = TOK_OPERATOR;
              break;
            default:
              return FALSE;
            }
        }
      tok.end = i;
      g_array_append_val (tokens, tok);
    }
  {
    Token end = { TOK_END, i, i };
    g_array_append_val (tokens, end);
  }
  return TRUE;
}

static Token *
peek (Scanner *s,
      guint    ahead)
{
  guint index = MIN (s->pos + ahead, s->tokens->len - 1);

  return &g_array_index (s->tokens, Token, index);
}

static gboolean
token_is (Scanner    *s,
          Token      *tok,
          const char *text)
{
  gsize len = strlen (text);

  return tok->type == TOK_NAME && tok->end - tok->start == len
         && strncmp (s->src + tok->start, text, len) == 0;
}

static char *
token_text (Scanner *s,
            Token   *tok)
{
  return g_strndup (s->src + tok->start, tok->end - tok->start);
}

static gboolean
is_node_type (Scanner *s,
              Token   *tok)
{
  return token_is (s, tok, "node") || token_is (s, tok, "text") || token_is (s, tok, "comment")
         || token_is (s, tok, "processing-instruction");
}

static guint
path_depth (const char *path)
{
  guint depth = 0;

  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '/')
        depth++;
    }
  return depth;
}

/* Whether @prefix names @path or one of its ancestors, step-wise. */
static gboolean
path_has_prefix (const char *path,
                 const char *prefix)
{
  gsize len = strlen (prefix);

  return strncmp (path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static void
add_ref (Scanner    *s,
         const char *path,
         const char *scope)
{
  RsXPathRef *ref;

  if (path == NULL || *path == '\0')
    return;
  for (guint i = 0; i < s->analysis->refs->len; i++)
    {
      RsXPathRef *other = g_ptr_array_index (s->analysis->refs, i);

      if (g_str_equal (other->path, path) && g_strcmp0 (other->scope_repeat, scope) == 0)
        return;
    }
  ref = g_new0 (RsXPathRef, 1);
  ref->path = g_strdup (path);
  ref->scope_repeat = g_strdup (scope);
  g_ptr_array_add (s->analysis->refs, ref);
}

static gboolean scan_expression (Scanner   *s,
                                 TokenType  terminator,
                                 const char *step_context);

/* The deepest repeat (of the context's) that contains every node the walk passed through. */
static const char *
scope_for_min_depth (Scanner *s,
                     guint    min_depth)
{
  const char *scope = NULL;

  for (guint i = 0; s->repeat_paths != NULL && s->repeat_paths[i] != NULL; i++)
    {
      if (path_depth (s->repeat_paths[i]) <= min_depth)
        scope = s->repeat_paths[i];
    }
  return scope;
}

/* Scans the steps of a location path.  @base is the path the steps start from (NULL when the
 * path walks a secondary instance, which the primary instance does not depend on); @absolute
 * says whether it began with "/".  @path_start is where the path begins in the source. */
static gboolean
scan_steps (Scanner    *s,
            const char *base,
            gboolean    absolute,
            gboolean    expect_step,
            guint       path_start)
{
  GString *path = base != NULL ? g_string_new (base) : NULL;
  guint min_depth = base != NULL ? path_depth (base) : 0;
  gboolean precise = TRUE;       /* every step so far is a plain child name */
  gboolean plain = TRUE;         /* no "." or ".." steps */
  guint first_predicate_step = 0;
  GArray *step_ends = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean ok = TRUE;

  for (;;)
    {
      Token *tok = peek (s, 0);

      if (expect_step)
        {
          if (tok->type == TOK_DOT)
            {
              s->pos++;
              plain = FALSE;
            }
          else if (tok->type == TOK_DOTDOT)
            {
              s->pos++;
              plain = FALSE;
              if (path != NULL && precise)
                {
                  char *slash = strrchr (path->str, '/');
                  if (slash != NULL)
                    g_string_truncate (path, slash - path->str);
                  min_depth = MIN (min_depth, path_depth (path->str));
                }
            }
          else if (tok->type == TOK_AT)
            {
              s->pos++;
              if (peek (s, 0)->type == TOK_NAME || peek (s, 0)->type == TOK_STAR)
                s->pos++;
              precise = FALSE;
            }
          else if (tok->type == TOK_STAR)
            {
              s->pos++;
              precise = FALSE;
            }
          else if (tok->type == TOK_NAME && peek (s, 1)->type == TOK_AXIS)
            {
              s->pos += 2;
              if (peek (s, 0)->type == TOK_NAME || peek (s, 0)->type == TOK_STAR)
                s->pos++;
              if (peek (s, 0)->type == TOK_LPAREN && peek (s, 1)->type == TOK_RPAREN)
                s->pos += 2;
              precise = FALSE;
            }
          else if (tok->type == TOK_NAME && is_node_type (s, tok)
                   && peek (s, 1)->type == TOK_LPAREN)
            {
              s->pos += 2;
              if (peek (s, 0)->type == TOK_LITERAL)
                s->pos++;
              if (peek (s, 0)->type != TOK_RPAREN)
                {
                  ok = FALSE;
                  break;
                }
              s->pos++;
              precise = FALSE;
            }
          else if (tok->type == TOK_NAME)
            {
              s->pos++;
              if (path != NULL && precise)
                {
                  g_autofree char *name = token_text (s, tok);
                  g_string_append_printf (path, "/%s", name);
                  g_array_append_val (step_ends, tok->end);
                }
            }
          else
            {
              ok = FALSE;
              break;
            }
          /* Predicates: evaluated at the step; absolute references in them count too. */
          while (peek (s, 0)->type == TOK_LBRACKET)
            {
              s->pos++;
              if (first_predicate_step == 0)
                first_predicate_step = MAX (step_ends->len, 1);
              if (!scan_expression (s, TOK_RBRACKET, path != NULL && precise ? path->str : NULL))
                {
                  ok = FALSE;
                  break;
                }
              s->pos++;
            }
          if (!ok)
            break;
          expect_step = FALSE;
          continue;
        }

      if (tok->type == TOK_SLASH)
        {
          s->pos++;
          expect_step = TRUE;
        }
      else if (tok->type == TOK_DSLASH)
        {
          s->pos++;
          expect_step = TRUE;
          precise = FALSE;
        }
      else
        break;
    }
  if (ok && expect_step && !absolute)
    ok = FALSE;

  if (ok && path != NULL)
    {
      const char *scope = NULL;

      if (absolute && plain)
        {
          /* Anchor to the deepest repeat of the context that strictly contains the target;
           * an index written on the repeat's own steps picks instances itself. */
          for (guint i = 0; s->repeat_paths != NULL && s->repeat_paths[i] != NULL; i++)
            {
              const char *repeat = s->repeat_paths[i];
              guint repeat_steps = path_depth (repeat);

              if (path_has_prefix (path->str, repeat)
                  && (!g_str_equal (path->str, repeat) || !precise)
                  && step_ends->len >= repeat_steps
                  && (first_predicate_step == 0 || first_predicate_step > repeat_steps))
                scope = repeat;
            }
          if (scope != NULL)
            {
              guint repeat_steps = path_depth (scope);
              guint ups = path_depth (s->context_path) - repeat_steps;
              Rewrite rewrite = { path_start, g_array_index (step_ends, guint, repeat_steps - 1),
                                  NULL };
              GString *text = g_string_new (ups == 0 ? "." : NULL);

              for (guint u = 0; u < ups; u++)
                g_string_append (text, u == 0 ? ".." : "/..");
              rewrite.text = g_string_free (text, FALSE);
              g_array_append_val (s->rewrites, rewrite);
            }
        }
      else if (!absolute)
        scope = scope_for_min_depth (s, min_depth);
      add_ref (s, path->str, scope);
    }

  g_array_unref (step_ends);
  if (path != NULL)
    g_string_free (path, TRUE);
  return ok;
}

/* Scans until @terminator (not consumed) at this nesting level.  @step_context is the path of
 * the step a predicate belongs to (relative paths resolve against it), or NULL to ignore
 * relative paths (predicates on secondary instances). */
static gboolean
scan_expression (Scanner    *s,
                 TokenType   terminator,
                 const char *step_context)
{
  gboolean expect_operand = TRUE;
  guint start_pos = s->pos;

  if (++s->depth > 200)
    return FALSE;

  for (;;)
    {
      Token *tok = peek (s, 0);

      if (tok->type == terminator)
        break;
      if (tok->type == TOK_END)
        {
          s->depth--;
          return FALSE;
        }

      if (expect_operand)
        {
          if (tok->type == TOK_SLASH || tok->type == TOK_DSLASH)
            {
              guint start = tok->start;
              gboolean lone = tok->type == TOK_SLASH
                              && !(peek (s, 1)->type == TOK_NAME || peek (s, 1)->type == TOK_STAR
                                   || peek (s, 1)->type == TOK_AT
                                   || peek (s, 1)->type == TOK_DOT
                                   || peek (s, 1)->type == TOK_DOTDOT);

              if (lone)
                {
                  s->pos++;
                  add_ref (s, "/", NULL);
                }
              else if (!scan_steps (s, "", TRUE, FALSE, start))
                {
                  s->depth--;
                  return FALSE;
                }
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_NAME && peek (s, 1)->type == TOK_LPAREN
                   && !is_node_type (s, tok))
            {
              g_autofree char *name = token_text (s, tok);
              gboolean is_current = g_str_equal (name, "current");

              g_ptr_array_add (s->analysis->functions, g_strdup (name));
              s->pos += 2;
              if (!scan_expression (s, TOK_RPAREN, step_context))
                {
                  s->depth--;
                  return FALSE;
                }
              s->pos++;
              while (peek (s, 0)->type == TOK_LBRACKET)
                {
                  s->pos++;
                  if (!scan_expression (s, TOK_RBRACKET, NULL))
                    {
                      s->depth--;
                      return FALSE;
                    }
                  s->pos++;
                }
              if (peek (s, 0)->type == TOK_SLASH || peek (s, 0)->type == TOK_DSLASH)
                {
                  /* current()/… walks from the context; other functions' results (such as
                   * instance('id')) are outside the primary instance. */
                  if (!scan_steps (s, is_current ? s->context_path : NULL, FALSE, FALSE,
                                   tok->start))
                    {
                      s->depth--;
                      return FALSE;
                    }
                }
              else if (is_current)
                add_ref (s, s->context_path, scope_for_min_depth (s, path_depth (s->context_path)));
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_NAME || tok->type == TOK_DOT || tok->type == TOK_DOTDOT
                   || tok->type == TOK_AT || tok->type == TOK_STAR)
            {
              const char *base = step_context;

              if (!scan_steps (s, base, FALSE, TRUE, tok->start))
                {
                  s->depth--;
                  return FALSE;
                }
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_LPAREN)
            {
              s->pos++;
              if (!scan_expression (s, TOK_RPAREN, step_context))
                {
                  s->depth--;
                  return FALSE;
                }
              s->pos++;
              while (peek (s, 0)->type == TOK_LBRACKET)
                {
                  s->pos++;
                  if (!scan_expression (s, TOK_RBRACKET, NULL))
                    {
                      s->depth--;
                      return FALSE;
                    }
                  s->pos++;
                }
              if (peek (s, 0)->type == TOK_SLASH || peek (s, 0)->type == TOK_DSLASH)
                {
                  if (!scan_steps (s, NULL, FALSE, FALSE, tok->start))
                    {
                      s->depth--;
                      return FALSE;
                    }
                }
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_LITERAL || tok->type == TOK_NUMBER)
            {
              s->pos++;
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_DOLLAR)
            {
              s->pos++;
              if (peek (s, 0)->type != TOK_NAME)
                {
                  s->depth--;
                  return FALSE;
                }
              s->pos++;
              expect_operand = FALSE;
            }
          else if (tok->type == TOK_OPERATOR && s->src[tok->start] == '-')
            s->pos++;
          else
            {
              s->depth--;
              return FALSE;
            }
        }
      else
        {
          if (tok->type == TOK_OPERATOR || tok->type == TOK_STAR
              || (tok->type == TOK_NAME && (token_is (s, tok, "and") || token_is (s, tok, "or")
                                            || token_is (s, tok, "div")
                                            || token_is (s, tok, "mod"))))
            {
              s->pos++;
              expect_operand = TRUE;
            }
          else if (tok->type == TOK_COMMA && terminator == TOK_RPAREN)
            {
              s->pos++;
              expect_operand = TRUE;
            }
          else
            {
              s->depth--;
              return FALSE;
            }
        }
    }

  s->depth--;
  /* An empty argument list is fine; an empty expression elsewhere is checked by the caller. */
  return !expect_operand || (terminator == TOK_RPAREN && s->pos == start_pos);
}

static int
compare_rewrites (gconstpointer a,
                  gconstpointer b)
{
  const Rewrite *ra = a, *rb = b;

  return (ra->start > rb->start) - (ra->start < rb->start);
}

RsXPathAnalysis *
rs_xpath_analyse (const char         *expression,
                  const char         *context_path,
                  const char * const *repeat_paths,
                  GError            **error)
{
  g_autoptr(RsXPathAnalysis) analysis = g_new0 (RsXPathAnalysis, 1);
  g_autoptr(GArray) tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  g_autoptr(GArray) rewrites = g_array_new (FALSE, FALSE, sizeof (Rewrite));
  GString *out;
  guint copied = 0;
  Scanner s = { 0 };

  g_return_val_if_fail (expression != NULL && context_path != NULL, NULL);

  analysis->refs = g_ptr_array_new_with_free_func ((GDestroyNotify) ref_free);
  analysis->functions = g_ptr_array_new_with_free_func (g_free);
  s.src = expression;
  s.tokens = tokens;
  s.context_path = context_path;
  s.repeat_paths = repeat_paths;
  s.rewrites = rewrites;
  s.analysis = analysis;

  if (!tokenize (expression, tokens) || peek (&s, 0)->type == TOK_END
      || !scan_expression (&s, TOK_END, context_path))
    {
      for (guint i = 0; i < rewrites->len; i++)
        g_free (g_array_index (rewrites, Rewrite, i).text);
      g_set_error (error, RS_XPATH_ERROR, RS_XPATH_ERROR_SYNTAX,
                   _("The expression “%s” is not valid XPath."), expression);
      return NULL;
    }

  g_array_sort (rewrites, compare_rewrites);
  out = g_string_new (NULL);
  for (guint i = 0; i < rewrites->len; i++)
    {
      Rewrite *rewrite = &g_array_index (rewrites, Rewrite, i);

      if (rewrite->start >= copied)
        {
          g_string_append_len (out, expression + copied, rewrite->start - copied);
          g_string_append (out, rewrite->text);
          copied = rewrite->end;
        }
      g_free (rewrite->text);
    }
  g_string_append (out, expression + copied);
  analysis->rewritten = g_string_free (out, FALSE);
  return g_steal_pointer (&analysis);
}
