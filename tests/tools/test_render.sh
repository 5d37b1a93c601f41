#!/usr/bin/env bash
# ssm-render end to end, on the test delay plugin (0.5 gain, 10-frame delay
# via its "Half" preset; ssm-render compensates the reported latency, so the
# output must be exactly 0.5 * input): mono/stereo at 44.1/48/96 kHz in
# several formats, a corrupt file among good ones, an output that cannot be
# written, --shard, the single-file form, and never overwriting an input;
# then the same file handling with an engine processor instead of plugins
# (--processor gain, --model FILE).
# Usage: test_render.sh SSM_RENDER MAKE_TONE AUDIO_COMPARE MODEL_FILE
set -u
render=$1 tone=$2 cmp=$3 model=$4
plug="urn:ssmaudio:test:delay:Half"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
mkdir "$t/in"
"$tone" "$t/in/m48.wav" 48000 1 0.5 wav16
"$tone" "$t/in/s44.flac" 44100 2 0.5 flac
"$tone" "$t/in/s96.wav" 96000 2 0.5 wav24
"$tone" "$t/in/m44.aiff" 44100 1 0.3 aiff
"$tone" "$t/in/s48f.wav" 48000 2 0.4 wavf
head -c 3000 /dev/urandom > "$t/in/corrupt.wav"

# 1. a batch with a corrupt file: the good ones render, the bad one is named,
#    the exit status says something failed.
batch() { # batch WHAT OUTDIR RENDER-ARGS...: all of in/ rendered, each = 0.5 * input
  local what=$1 out=$2 rc f tol
  "$render" -q -j 2 "${@:3}" "$t"/in/* -o "$out" > "$out.log" 2>&1
  rc=$?
  cat "$out.log"
  check "$what: exit status 1 when a file fails (got $rc)" test "$rc" -eq 1
  check "$what: the corrupt file is reported by name" grep -q "FAIL .*corrupt.wav" "$out.log"
  check "$what: summary counts 5 rendered, 1 failed" grep -q "5 rendered, 1 failed" "$out.log"
  for f in m48.wav s44.flac s96.wav m44.aiff s48f.wav; do
    tol=1e-4; [ "$f" = s48f.wav ] && tol=1e-6
    check "$what: $f same format/rate/channels, = 0.5 * input" \
      "$cmp" "$out/$f" "$t/in/$f" 0.5 0 $tol
  done
  check "$what: no output for the corrupt file" test ! -e "$out/corrupt.wav"
  check "$what: no temporary files left" \
    test -z "$(ls -A "$out" | grep -v -E '^(m48.wav|s44.flac|s96.wav|m44.aiff|s48f.wav)$')"
}
batch "-p delay:Half" "$t/out" -p "$plug"

# 2. -j 1 gives the same bytes as -j 2.
"$render" -q -j 1 -p "$plug" "$t"/in/m48.wav "$t"/in/s96.wav -o "$t/out1" 2> /dev/null
check "-j 1 and -j 2 write identical files" cmp -s "$t/out1/s96.wav" "$t/out/s96.wav"

# 3. --shard K/N: disjoint, and together all files.
four=("$t/in/m48.wav" "$t/in/s44.flac" "$t/in/s96.wav" "$t/in/s48f.wav")
"$render" -q --shard 0/2 -p "$plug" "${four[@]}" -o "$t/sh" 2> /dev/null
n0=$(ls "$t/sh" | wc -l)
"$render" -q --shard 1/2 -p "$plug" "${four[@]}" -o "$t/sh" 2> /dev/null
n1=$(ls "$t/sh" | wc -l)
check "--shard 0/2 renders files 0 and 2 of 4 (got $n0 files)" \
  sh -c "test $n0 -eq 2 && test -e '$t/sh/m48.wav' && test -e '$t/sh/s96.wav'"
check "--shard 1/2 renders the other 2 (total $n1)" test "$n1" -eq 4

# 4. single-file form, plugin chain of two, --set.
"$render" -q -p "$plug" -p "$plug" --set delay=7 "$t/in/s44.flac" -o "$t/one.flac" 2> /dev/null
check "single-file form, 2-stage chain, latency 14 compensated: 0.25 * input" \
  "$cmp" "$t/one.flac" "$t/in/s44.flac" 0.25 0 1e-4

# 5. an output that cannot be written. CI runs as root, which ignores
#    permission bits, so use a path that fails for any user: a regular file
#    where the output directory should be.
touch "$t/notadir"
"$render" -q -p "$plug" "$t/in/m48.wav" "$t/in/s44.flac" -o "$t/notadir" > "$t/log2" 2>&1
rc=$?
cat "$t/log2"
check "output dir that is a file: exit 1 (got $rc)" test "$rc" -eq 1
"$render" -q -p "$plug" "$t/in/m48.wav" -o "$t/notadir/x.wav" > "$t/log3" 2>&1
rc=$?
cat "$t/log3"
check "output file under a file: exit 1 with the reason (got $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'Not a directory' '$t/log3'"

# 6. never overwrite an input.
cp "$t/in/m48.wav" "$t/keep.wav"
sum=$(md5sum < "$t/keep.wav")
"$render" -q -p "$plug" "$t/keep.wav" -o "$t/keep.wav" > "$t/log4" 2>&1
rc=$?
cat "$t/log4"
check "output = input is refused (exit $rc)" sh -c "test $rc -eq 1 && grep -q 'refusing to overwrite' '$t/log4'"
check "the input is unchanged" test "$sum" = "$(md5sum < "$t/keep.wav")"
"$render" -q -p "$plug" "$t/in/m48.wav" -o "$t/in" > /dev/null 2>&1
check "rendering into the inputs' own folder is refused" test $? -eq 1

# 7. usage errors: exit 2.
"$render" -p urn:no:such:plugin "$t/in/m48.wav" -o "$t/x" > /dev/null 2>&1
check "an unknown plugin is a usage error (exit 2)" test $? -eq 2
"$render" -p "urn:ssmaudio:test:delay:No Such Preset" "$t/in/m48.wav" -o "$t/x" > "$t/log5" 2>&1
rc=$?
check "an unknown preset is a usage error naming the real ones (exit $rc)" \
  sh -c "test $rc -eq 2 && grep -q '\"Half\"' '$t/log5'"
"$render" -p "$plug" --set nosuch=1 "$t/in/m48.wav" -o "$t/x" > /dev/null 2>&1
check "an unknown --set symbol is a usage error" test $? -eq 2

# 8. an engine processor instead of plugins: the gain processor at -6.02 dB
#    must give exactly 0.5 * input, with the same batch handling.
g=(--processor gain --set gain=-6.0205999)
batch "--processor gain" "$t/pout" "${g[@]}"
"$render" -q "${g[@]}" "$t/keep.wav" -o "$t/keep.wav" > "$t/log7" 2>&1
rc=$?
check "--processor: output = input is refused (exit $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'refusing to overwrite' '$t/log7'"
check "--processor: the input is unchanged" test "$sum" = "$(md5sum < "$t/keep.wav")"
"$render" -q "${g[@]}" "$t/in/m48.wav" -o "$t/notadir/x.wav" > "$t/log8" 2>&1
rc=$?
check "--processor: output file under a file: exit 1 with the reason (got $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'Not a directory' '$t/log8'"
# A model file alone runs the "model" processor: it changes the audio, and
# naming the type gives the same bytes.
"$render" -q --model "$model" "$t/in/m48.wav" -o "$t/model1.wav" 2> /dev/null
check "--model FILE renders" test -s "$t/model1.wav"
"$render" -q --processor model --model "$model" "$t/in/m48.wav" -o "$t/model2.wav" 2> /dev/null
check "--model FILE = --processor model --model FILE" cmp -s "$t/model1.wav" "$t/model2.wav"
if "$cmp" "$t/model1.wav" "$t/in/m48.wav" 1 0 1e-3 > /dev/null 2>&1; then
  echo "FAIL --model FILE: the output is the input"; fails=$((fails + 1))
else
  echo "ok   --model FILE: the output is not the input"
fi
"$render" "${g[@]}" -p "$plug" "$t/in/m48.wav" -o "$t/x" > /dev/null 2>&1
check "-p with --processor is a usage error" test $? -eq 2
"$render" --processor nosuch "$t/in/m48.wav" -o "$t/x" > "$t/log9" 2>&1
rc=$?
check "an unknown processor type is a usage error naming it (exit $rc)" \
  sh -c "test $rc -eq 2 && grep -q '\"nosuch\"' '$t/log9'"
"$render" --processor gain --set nosuch=1 "$t/in/m48.wav" -o "$t/x" > /dev/null 2>&1
check "an unknown processor parameter is a usage error" test $? -eq 2
head -c 200 "$model" > "$t/broken.safetensors"
"$render" --model "$t/broken.safetensors" "$t/in/m48.wav" -o "$t/x" > "$t/log10" 2>&1
rc=$?
cat "$t/log10"
check "a truncated model file: exit 1 naming the file (got $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'broken.safetensors' '$t/log10'"
check "nothing written for it" test ! -e "$t/x"
echo "test_render: $fails failed"
[ "$fails" -eq 0 ]
