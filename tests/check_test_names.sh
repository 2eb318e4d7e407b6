#!/bin/sh
# Fails when a Catch2 test name holds a ';': catch_discover_tests splits such a name into two CTest entries that
# match no test, and Catch2 v2 reports "No tests ran" as a pass, so the test would silently never run.
# Usage: check_test_names.sh TEST_BINARY...
status=0
for binary in "$@"; do
  bad="$("$binary" --list-test-names-only | grep ';')"
  if [ -n "$bad" ]; then
    echo "$binary: test names with ';' (CTest would skip them; use ',' instead):"
    echo "$bad"
    status=1
  fi
done
exit "$status"
