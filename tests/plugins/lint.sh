#!/usr/bin/env bash
# Every plugin of the bundle passes lv2lint (Open Music Kontrollers), a
# third-party checker, with warnings counted as failures: lv2lint -I
# BUNDLE/ -S warn -E warn URI. lv2lint is built from its source in
# ../shared/tools/lv2lint (build.sh) into the build tree, once.
# Usage: lint.sh BUNDLE_DIR LV2LINT_SRC BUILD_DIR
set -uo pipefail
bundle=$1
src=$2
out=$3/lv2lint-build
if [ ! -x "$out/lv2lint" ]; then
  if [ ! -f "$src/build.sh" ]; then
    echo "FAIL: lv2lint source not found at $src (../shared/tools/lv2lint beside the checkout)"
    exit 1
  fi
  rm -rf "$out"
  sh "$src/build.sh" "$out" || { echo "FAIL: building lv2lint"; exit 1; }
fi
# The plugins, not the presets: subjects whose next line is "a lv2:Plugin".
uris=$(awk '/^<http[^>]*>$/ { s = substr($0, 2, length($0) - 2); next }
            s && /^[ \t]*a lv2:Plugin/ { print s } { s = "" }' "$bundle/manifest.ttl")
[ -n "$uris" ] || { echo "FAIL: no plugin URI in $bundle/manifest.ttl"; exit 1; }
fail=0
for u in $uris; do
  log=$(LV2_PATH=/usr/lib/lv2 "$out/lv2lint" -I "$bundle/" -S warn -E warn "$u" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || echo "$log" | grep -qE '\[(WARN|FAIL)\]'; then
    echo "$log"
    echo "FAIL $u: lv2lint exit $rc"
    fail=1
  else
    echo "ok   $u"
  fi
done
exit "$fail"
