#!/usr/bin/env bash
# Installs what is missing, builds coco and runs every test (lit: FileCheck,
# verifier diagnostics, GoogleTest on MPI ranks, programs compiled and run on
# 2 and 4 MPI ranks against numpy references, generated docs freshness,
# source format) with warnings as errors, then the runtime's tests under
# ASan + UBSan (tools/scripts/sanitize.sh).
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash tools/scripts/build.sh coco-opt coco-translate CocoRuntime CocoHost coco-doc all \
  || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
/usr/lib/llvm-22/bin/lit -v --time-tests build/test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# lit's summary lines look like "  Passed: 12 (100.00%)".
count() {
  local n
  n=$(grep -E "^ +$1 *: +[0-9]+" "$log" | tail -1 | sed -E 's/.*: +([0-9]+).*/\1/')
  echo "${n:-0}"
}
passed=$(count Passed)
failed=$(( $(count Failed) + $(count Unresolved) + $(count 'Timed Out') ))
# The runtime and its tests again, under ASan + UBSan (build-sanitize/).
if bash tools/scripts/sanitize.sh; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi
skipped=$(count Unsupported)
# What failed, again at the very end: a CI log cut in the middle (as CI's
# summary shows it) keeps its tail, where lit's own report would be gone.
# For each failing test: the RUN line it stopped at, its error lines
# (pytest's assertion lines start with "E   ", its summary of failures
# and errors with "FAILED " and "ERROR ") and its last lines.
if [ "$status" -ne 0 ]; then
  echo "--- what failed ---"
  stars="********************"
  awk -v stars="$stars" '
       index($0, stars " TEST ") == 1 && / FAILED \*+$/ {
         name = $0; n = 0; errors = 0; run = ""; inside = 1; next }
       inside && $0 == stars {
         print name
         if (run != "") print "stopped at: " run
         for (i = 0; i < errors; i++) print error[i]
         print "last lines:"
         for (i = (n > 10 ? n - 10 : 0); i < n; i++) print lines[i]
         inside = 0; next }
       inside && /# RUN: at line [0-9]+/ { run = $0 }
       inside && /error:|INVALID|^E   |^FAILED |^ERROR / && errors < 12 { error[errors++] = $0 }
       inside { lines[n++] = $0 }' "$log"
fi
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
