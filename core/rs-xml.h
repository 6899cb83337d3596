/* rs-xml.h: reading XML that comes from files, tablets and the network, the one way rasoat does.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libxml/parser.h>

G_BEGIN_DECLS

xmlDocPtr rs_xml_read_memory (xmlParserCtxtPtr  parser,
                              const char       *data,
                              gsize             length,
                              const char       *url,
                              int               extra_options);

G_END_DECLS
