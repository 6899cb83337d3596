#!/bin/sh
# check-po.sh: po/vi.po is complete (no untranslated or fuzzy messages, valid formats) and every
# source file with translatable strings is listed in po/POTFILES.in.
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
top=${1:?source dir}
cd "$top"
echo "1..2"

stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null po/vi.po 2>&1) || {
  echo "not ok 1 - po/vi.po does not compile: $(printf '%s' "$stats" | tr '\n' ' ')"; exit 1; }
# One TAP line: msgfmt's warnings and its statistics line joined.
stats=$(printf '%s' "$stats" | tr '\n' ' ')
case "$stats" in
  *untranslated*|*fuzzy*) echo "not ok 1 - po/vi.po is incomplete: $stats"; fail=1 ;;
  *) echo "ok 1 - po/vi.po complete: $stats" ;;
esac

missing=""
for f in $(grep -rlE '(^|[^a-zA-Z_])(N?_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"' \
             core sync app cli server --include='*.c' --include='*.ui' 2>/dev/null | sort); do
  grep -qxF "$f" po/POTFILES.in || missing="$missing $f"
done
if [ -n "$missing" ]; then
  echo "not ok 2 - files with translatable strings missing from po/POTFILES.in:$missing"
  fail=1
else
  echo "ok 2 - po/POTFILES.in lists every file with translatable strings"
fi
exit ${fail:-0}
