#!/bin/sh
# expect-exit.sh: runs a command, passes when it exits with CODE and its stderr contains TEXT.
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: expect-exit.sh CODE TEXT COMMAND [ARGS...]
code="$1"; text="$2"; shift 2
err=$("$@" 2>&1 >/dev/null)
status=$?
printf '%s\n' "$err"
if [ "$status" -ne "$code" ]; then
  echo "expected exit status $code, got $status" >&2
  exit 1
fi
case "$err" in
  *"$text"*) exit 0 ;;
  *) echo "expected the message to contain: $text" >&2; exit 1 ;;
esac
