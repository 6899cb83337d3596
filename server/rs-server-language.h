/* rs-server-language.h: the language of each answer: Accept-Language and per-thread gettext.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <locale.h>

G_BEGIN_DECLS

/* The language (one of @available, lower-case primary tags such as "vi", "en") that an
 * Accept-Language field value asks for, by RFC 9110 §12.5.4 quality values and RFC 4647
 * matching ("vi-VN" is served "vi", "*" any language, q=0 "not this one"); ties go to the
 * client's order, then to @default_language. NULL when @header is NULL, malformed or accepts
 * none of @available: the caller then answers in its default language. Pure. */
const char *rs_server_language_choose      (const char        *header,
                                            const char *const *available,
                                            const char        *default_language);

/* Sets up gettext for the whole process: setlocale (LC_ALL, ""), the catalogues in
 * @locale_dir, and the per-thread locales rs_server_language_enter() switches between. Call it
 * once, first thing in main(), before any thread exists and before anything is translated: it
 * sets LANGUAGE (see docs/server.md, "Languages"). The calling thread keeps the language the
 * process had before. Without this call the server answers in the process's language, as
 * before. */
void        rs_server_language_init        (const char *locale_dir);

/* After init: "en" plus the catalogue language requests may get, and the language of requests
 * without Accept-Language (the one the process's environment selects). */
const char *const *rs_server_language_available (void);
const char *rs_server_language_default     (void);

/* The language a request with this Accept-Language value (NULL = none) is answered in, or
 * NULL before rs_server_language_init(). */
const char *rs_server_language_for_request (const char *accept_language);

/* Makes gettext on the calling thread answer in @language (from
 * rs_server_language_for_request()) until rs_server_language_leave() with the returned value.
 * Thread-safe: only the calling thread's locale changes (uselocale()). */
locale_t    rs_server_language_enter       (const char *language);
void        rs_server_language_leave       (locale_t    previous);

G_END_DECLS
