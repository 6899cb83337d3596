#!/usr/bin/env python3
# Sums meson's JSON test logs into the one closing line CI reads: "N passed, N failed".
# A TAP test counts its test points ("ok" / "not ok"); any other test counts as one. A test that
# failed as a whole (crash, timeout, bad plan) counts one failure even if its points passed.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import re
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}
POINT = re.compile(r"^(not ok|ok)\b(.*)$")

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            entries = [json.loads(l) for l in f if l.strip()]
    except OSError:
        print(f"missing test log: {path}", file=sys.stderr)
        failed += 1
        continue
    for entry in entries:
        result = entry.get("result")
        points_ok = points_bad = points_skip = 0
        for line in (entry.get("stdout") or "").splitlines():
            m = POINT.match(line.strip())
            if not m:
                continue
            if "# SKIP" in m.group(2).upper():
                points_skip += 1
            elif m.group(1) == "ok":
                points_ok += 1
            else:
                points_bad += 1
        if points_ok + points_bad + points_skip == 0:
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            else:
                failed += 1
            continue
        passed += points_ok
        skipped += points_skip
        failed += points_bad
        if result not in PASSED and result not in SKIPPED and points_bad == 0:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or passed == 0 else 0)
