#!/usr/bin/env bash
# ssm-render and ssm-live with ssm-model whose model file cannot be loaded
# (issue 14): a chain whose plugin failed its model fails, naming the file
# and the reason, and writes nothing; before, ssm-model passed the audio
# through and the file was reported "ok". The model is named by a preset
# (the way a session or a batch gives ssm-model its file), in a bundle of
# presets made here: a model with a NaN weight, /dev/zero, a FIFO, and the
# good bundled model as the control.
# Usage: test_render_model.sh SSM_RENDER SSM_LIVE WAVTOOL LV2_PATH GOOD_MODEL NAN_MODEL
set -u
render=$1 live=$2 wavtool=$3 lv2=$4 good=$(realpath "$5") nanm=$(realpath "$6")
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
M=http://ssmaudio.org/plugins/model
mkfifo "$t/fifo.safetensors"
mkdir "$t/presets.lv2"
{
  echo "@prefix lv2: <http://lv2plug.in/ns/lv2core#> ."
  echo "@prefix pset: <http://lv2plug.in/ns/ext/presets#> ."
  echo "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
  echo "@prefix state: <http://lv2plug.in/ns/ext/state#> ."
  for p in "good:$good" "nan:$nanm" "zero:/dev/zero" "fifo:$t/fifo.safetensors"; do
    name=${p%%:*} file=${p#*:}
    echo "<urn:ssmtest:$name> a pset:Preset ; lv2:appliesTo <$M> ; rdfs:label \"$name\" ;"
    echo "  state:state [ <$M#file> \"$file\"^^<http://lv2plug.in/ns/ext/atom#Path> ] ."
  done
} > "$t/presets.lv2/manifest.ttl"
export LV2_PATH=$lv2:$t
"$wavtool" gen "$t/in.wav" 1 24000 48000 noise

"$render" -q -p "$M:good" "$t/in.wav" -o "$t/good.wav" > "$t/good.log" 2>&1
rc=$?
cat "$t/good.log"
check "the good model renders (exit $rc)" test "$rc" -eq 0
check "... and changes the audio" "$wavtool" differ "$t/good.wav" "$t/in.wav" 0.01
for case in "nan:$nanm:element 5 is NaN" "zero:/dev/zero:is a character device" \
  "fifo:$t/fifo.safetensors:is a FIFO"; do
  name=${case%%:*} rest=${case#*:}
  file=${rest%:*} why=${rest##*:}
  rm -f "$t/out.wav"
  timeout 60 "$render" -q -p "$M:$name" "$t/in.wav" -o "$t/out.wav" > "$t/$name.log" 2>&1
  rc=$?
  cat "$t/$name.log"
  check "ssm-render, model $name: exit 1 (got $rc)" test "$rc" -eq 1
  check "ssm-render, model $name: the message names the file and the reason" \
    grep -q "reported an error: .*$file.*$why" "$t/$name.log"
  check "ssm-render, model $name: nothing written" test ! -e "$t/out.wav"
done
# ssm-live refuses to start with it (no device needed to get that far).
timeout 60 "$live" -q -p "$M:nan" --frames 1000 > "$t/live.log" 2>&1
rc=$?
cat "$t/live.log"
check "ssm-live, model nan: refused before any audio (exit $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'reported an error: .*element 5 is NaN' '$t/live.log'"
echo "test_render_model: $fails failed"
[ "$fails" -eq 0 ]
