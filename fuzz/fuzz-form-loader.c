/* fuzz-form-loader.c: libFuzzer target for the XForm loader and a first session on what loads.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "rs-form-session.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RsForm) form = rs_form_new_from_data ((const char *) data, size, &error);
  g_autoptr(RsFormSession) session = NULL;
  g_autoptr(RsFormSession) reloaded = NULL;
  g_autoptr(GPtrArray) screens = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *xml = NULL;
  gsize length = 0;

  if (form == NULL)
    {
      /* Every refusal explains itself. */
      g_assert (error != NULL && error->message != NULL && error->message[0] != '\0');
      return 0;
    }
  session = rs_form_session_new (form, NULL);
  screens = rs_form_session_get_screens (session);
  problems = rs_form_session_validate (session);
  xml = rs_form_session_serialize (session, &length);
  reloaded = rs_form_session_new_from_instance (form, xml, length, NULL, NULL);
  g_assert (reloaded != NULL);
  return 0;
}
