/* rs-xml.c: reading XML that comes from files, tablets and the network, the one way rasoat does.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "rs-xml.h"

static void
quiet_generic_error (void       *context,
                     const char *message,
                     ...)
{
}

/**
 * rs_xml_read_memory:
 * @parser: (nullable): a parser context to reuse (its dictionary stays), or %NULL
 * @data: the bytes
 * @length: their length
 * @url: (nullable): a name for the document in libxml2's messages
 * @extra_options: more `XML_PARSE_*` options (`XML_PARSE_BIG_LINES` for a form, whose errors
 *   name lines), or 0
 *
 * Parses untrusted XML: no network access, no entity expansion, no DTD loading, and nothing
 * printed. Some encoding errors (a record that says UTF-8 and is not) are printed by libxml2
 * itself, through the generic error handler of the calling thread, even with
 * `XML_PARSE_NOERROR`; it is silenced for the parse, so a district server fed odd records does
 * not fill its log. Callers report failures in their own words (xmlCtxtGetLastError() or
 * xmlGetLastError() says what libxml2 found).
 *
 * Returns: (transfer full) (nullable): the document, or %NULL when the bytes are not XML.
 */
xmlDocPtr
rs_xml_read_memory (xmlParserCtxtPtr  parser,
                    const char       *data,
                    gsize             length,
                    const char       *url,
                    int               extra_options)
{
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | extra_options;
  xmlGenericErrorFunc old_func = xmlGenericError;
  void *old_context = xmlGenericErrorContext;
  xmlDocPtr doc;

  if (length > G_MAXINT)
    return NULL;
  if (data == NULL)
    data = "";
  xmlSetGenericErrorFunc (NULL, quiet_generic_error);
  doc = parser != NULL ? xmlCtxtReadMemory (parser, data, (int) length, url, NULL, options)
                       : xmlReadMemory (data, (int) length, url, NULL, options);
  xmlSetGenericErrorFunc (old_context, old_func);
  return doc;
}
