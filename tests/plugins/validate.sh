#!/usr/bin/env bash
# Validate the bundle's Turtle (manifest, plugin descriptions, presets)
# against the LV2 specifications' schemas with sord_validate, the checker
# behind lv2_validate. lv2_validate itself hard-codes a file list with an
# entry Debian does not ship (it prints "Skipping file ...lv2core.doap.ttl"),
# so we build the same list from what is installed: every bundle under
# /usr/lib/lv2 whose manifest declares an lv2:Specification or an
# owl:Ontology (schemas.lv2: rdf, rdfs, owl, xsd, doap, foaf). Passing means
# exit status 0 and not one error or warning line.
# Usage: validate.sh BUNDLE_DIR [LV2_SPEC_DIR]
set -uo pipefail
bundle=$1
specdir=${2:-/usr/lib/lv2}
schemas=()
for m in "$specdir"/*/manifest.ttl; do
  grep -qE 'lv2:Specification|owl:Ontology' "$m" || continue
  for f in "$(dirname "$m")"/*.ttl; do
    schemas+=("$f")
  done
done
ours=("$bundle"/*.ttl)
echo "validating ${#ours[@]} files of $bundle against ${#schemas[@]} schema files"
out=$(sord_validate "${schemas[@]}" "${ours[@]}" 2>&1)
rc=$?
echo "$out"
if [ "$rc" -ne 0 ] || echo "$out" | grep -qiE 'error:|warning|skipping'; then
  echo "FAIL: sord_validate reported problems (exit $rc)"
  exit 1
fi
echo "$out" | grep -q '^Found 0 errors' || { echo "FAIL: no summary line"; exit 1; }
# Every plugin and preset is declared where a host looks for it.
for uri in denoise denoise-stereo resonator reverb model; do
  grep -q "<http://ssmaudio.org/plugins/$uri>" "$bundle/manifest.ttl" ||
    { echo "FAIL: $uri not in manifest"; exit 1; }
done
n=$(grep -c 'a pset:Preset' "$bundle/manifest.ttl")
echo "manifest lists $n presets"
[ "$n" -ge 15 ] || { echo "FAIL: fewer than 3 presets per plugin"; exit 1; }
echo "PASS"
