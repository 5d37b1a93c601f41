#!/usr/bin/env bash
# ssm-render with bad input and faults (issue 14): numbers parsed strictly,
# folder trees mirrored, output names checked across every shard, a
# truncated input, NaN / infinite / huge samples, a clipping render, a
# stop signal mid-batch (with a read that never returns), and, on the
# processor path that replaced ssm-denoise, an output that is the input, a
# corrupt FLAC and a full disk (a real tmpfs) that must leave an existing
# output as it was and no partial file.
# Usage: test_render_faults.sh SSM_RENDER MAKE_TONE AUDIO_COMPARE BADFILE NAN_MODEL
set -u
render=$(realpath "$1") tone=$(realpath "$2") cmp=$(realpath "$3") bad=$(realpath "$4")
nan_model=$(realpath "$5")
plug="urn:ssmaudio:test:delay:Half"
half=(--processor gain --set gain=-6.0205999)
t=$(mktemp -d)
rpid=
cleanup() {
  [ -n "$rpid" ] && kill -9 "$rpid" 2> /dev/null
  exec 3>&- 2> /dev/null
  rm -rf "$t"
}
trap cleanup EXIT
# A FIFO whose reader has gone must not kill this script.
trap '' PIPE
trap 'exit 1' INT TERM
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
no_temps() { # no_temps DIR: no unfinished .NAME.ssm-render-XXXXXX left anywhere below DIR
  [ -z "$(find "$1" -name '.*.ssm-render-*' 2> /dev/null)" ]
}
cd "$t" || exit 1

# 1. Numbers are parsed strictly, everywhere: trailing junk, extra fields,
#    overflow and an empty output path are usage errors (exit 2) before
#    anything is rendered.
"$tone" one.wav 48000 1 0.5 wav16
usage_error() { # usage_error WHAT ARGS...: exit 2, a message naming the option, no output
  rm -rf u.out
  "$render" -q "${@:2}" one.wav -o u.out > u.log 2>&1
  local rc=$?
  check "$1: usage error (exit $rc): $(head -c 120 u.log | tr '\n' ' ')" \
    sh -c "test $rc -eq 2 && test ! -e u.out"
}
usage_error "--shard 1/4x" -p "$plug" --shard 1/4x
usage_error "--shard 0/4/9" -p "$plug" --shard 0/4/9
usage_error "--shard 4/4" -p "$plug" --shard 4/4
usage_error "--shard 1/99999999999999999999" -p "$plug" --shard 1/99999999999999999999
usage_error "-j 2x" -p "$plug" -j 2x
usage_error "-j 99999999999999999999 (overflow, not clamped)" -p "$plug" -j 99999999999999999999
usage_error "-b 64x" -p "$plug" -b 64x
usage_error "-b ' 64'" -p "$plug" -b " 64"
usage_error "--set gain=nan" --processor gain --set gain=nan
"$render" -q -p "$plug" one.wav -o "" > u.log 2>&1
rc=$?
cat u.log
extra=$(ls -A | grep -v -E '^(one.wav|u.log)$')
check "-o \"\": usage error naming -o (exit $rc), nothing rendered" \
  sh -c "test $rc -eq 2 && grep -q -- '-o' u.log && test -z '$extra'"

# 2. Folders are searched recursively and their tree is mirrored under -o;
#    hidden entries and files that are not audio are left alone.
mkdir -p tree/a tree/b/c tree/.hid
"$tone" tree/a/x.wav 48000 1 0.3 wav16
"$tone" tree/b/x.wav 44100 2 0.3 wav24
"$tone" tree/b/c/y.flac 48000 2 0.3 flac
"$tone" tree/.hid/z.wav 48000 1 0.3 wav16
"$tone" tree/.dot.wav 48000 1 0.3 wav16
echo "not audio" > tree/notes.txt
"$render" -q -p "$plug" tree -o tout > t.log 2>&1
rc=$?
cat t.log
check "a folder renders recursively (exit $rc)" test "$rc" -eq 0
for f in a/x.wav b/x.wav b/c/y.flac; do
  check "tree/$f -> tout/$f, = 0.5 * input" "$cmp" "tout/$f" "tree/$f" 0.5 0 1e-4
done
check "hidden files and folders and non-audio files are skipped" \
  test "$(find tout -type f | sort | tr '\n' ' ')" = "tout/a/x.wav tout/b/c/y.flac tout/b/x.wav "
# Rendering into a folder inside the input tree does not pick up its own
# outputs on a rerun.
"$render" -q -p "$plug" tree -o tree/cleaned > /dev/null 2>&1
"$render" -q -p "$plug" tree -o tree/cleaned > t2.log 2>&1
check "an output folder inside the input tree is not an input (3 files, not 6)" \
  grep -q "3 rendered, 0 failed" t2.log

# 3. Two shards of one batch never overwrite each other: d1/x.wav and
#    d2/x.wav land in out/d1/ and out/d2/ (the issue's exact case).
mkdir d1 d2
"$tone" d1/x.wav 48000 1 0.3 wav16
"$tone" d2/x.wav 48000 2 0.3 wav16
"$render" -q --shard 0/2 -p "$plug" d1/x.wav d2/x.wav -o sh/ > /dev/null 2>&1
"$render" -q --shard 1/2 -p "$plug" d1/x.wav d2/x.wav -o sh/ > /dev/null 2>&1
check "--shard 0/2 then 1/2: d1/x.wav's output is its own" "$cmp" sh/d1/x.wav d1/x.wav 0.5 0 1e-4
check "--shard 0/2 then 1/2: d2/x.wav's output is its own" "$cmp" sh/d2/x.wav d2/x.wav 0.5 0 1e-4
# The same input twice, one in each shard: the shard holding the second
# one refuses it (the check sees the whole list, not its shard).
"$render" -q --shard 1/2 -p "$plug" d1/x.wav ./d1/x.wav -o sh2 > s.log 2>&1
rc=$?
cat s.log
check "a duplicate in another shard is refused (exit $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'would also be written from d1/x.wav' s.log && test ! -e sh2/d1/x.wav"

# 4. A WAV whose header promises 2 s but holds 0.03 s: rendered, and said.
"$tone" two.wav 48000 1 2 wav16
head -c 2924 two.wav > cut.wav # 44-byte header + 1440 frames
"$render" -q -p "$plug" cut.wav -o cut.out.wav > c.log 2>&1
rc=$?
cat c.log
check "truncated WAV: exit 0, a warning with both lengths" \
  sh -c "test $rc -eq 0 && grep -q 'WARN cut.wav: truncated: its header promises 96000 frames (2.00 s), the file holds 1440 (0.03 s)' c.log"
check "truncated WAV: what is there is rendered" "$bad" frames cut.out.wav 1440
check "truncated WAV: counted in the summary" grep -q "1 rendered, 0 failed, 1 with warnings" c.log
"$render" -q -p "$plug" two.wav -o two.out.wav > c2.log 2>&1
rc=$?
check "a whole file renders with no warning" sh -c "test $rc -eq 0 && ! grep -q WARN c2.log"

# 5. NaN, infinite and huge input samples: counted and reported per file;
#    NaN/Inf go in as silence, so the output stays finite.
"$tone" f.wav 48000 2 0.5 wavf
"$bad" poke f.wav nan.wav 1000 nan 1001 inf 5000 -inf 7000 1e20
for path in "-p $plug" "${half[*]}"; do
  # shellcheck disable=SC2086
  "$render" -q $path nan.wav -o nan.out.wav > n.log 2>&1
  rc=$?
  cat n.log
  check "$path: non-finite input: exit 0, 3 samples reported" \
    sh -c "test $rc -eq 0 && grep -q 'WARN nan.wav: 3 non-finite input samples (NaN or infinity), rendered as silence' n.log"
  check "$path: a +400 dBFS sample is reported" \
    grep -q "WARN nan.wav: 1 input samples beyond +60 dBFS" n.log
  check "$path: the output is finite" "$bad" finite nan.out.wav
  rm -f nan.out.wav
done

# 6. A render that clips says so: -1 dBFS in, +12 dB of gain, into 16 bits.
"$tone" loud.wav 48000 1 0.5 wav16
"$bad" scale loud.wav loud1.wav 6.9 # the tone peaks at -7.9 dBFS: now about -1
"$render" -q --processor gain --set gain=12 loud1.wav -o clip.wav > k.log 2>&1
rc=$?
cat k.log
check "clipping into 16-bit: exit 0 and a warning with the peak" \
  sh -c "test $rc -eq 0 && grep -E -q 'WARN clip.wav: [0-9]+ output samples clipped \(peak \+1[01]\.[0-9] dBFS\)' k.log"
"$tone" lf.wav 48000 1 0.5 wavf
"$render" -q --processor gain --set gain=12 lf.wav -o clipf.wav > k2.log 2>&1
check "the same into a float file keeps the peak and does not warn" \
  sh -c "! grep -q WARN k2.log && '$bad' peak clipf.wav 3 5 > /dev/null"

# 7. A stop signal mid-batch: the unfinished output's temporary file is
#    removed, finished outputs stay, the summary is printed, the exit
#    status is 128 + the signal. The middle input is a FIFO this script
#    feeds, so the signal lands while a file is being read; in the second
#    run the read never returns, and the summary must still come.
"$tone" a1.wav 48000 1 0.2 wav16
"$tone" src.wav 48000 1 2 wav16
"$tone" c1.wav 48000 1 0.2 wav16
stop_run() { # stop_run NAME FEED_AFTER: 1 = feed the FIFO after the signal
  local name=$1 feed=$2 rc waited=0
  rm -rf "$name.out" fifo.wav
  mkfifo fifo.wav
  # A background job of a script starts with SIGINT ignored; a terminal's
  # Ctrl-C is not, so give it back its default.
  env --default-signal=INT "$render" -q -j 1 -p "$plug" a1.wav fifo.wav c1.wav -o "$name.out" \
    > "$name.log" 2>&1 &
  rpid=$!
  exec 3> fifo.wav # meets the reader's open
  head -c 20044 src.wav >&3 2> /dev/null # the header and 10000 frames: less than one block
  for _ in $(seq 200); do
    [ -n "$(find "$name.out" -name '.fifo.wav.ssm-render-*' 2> /dev/null)" ] && break
    sleep 0.05
  done
  check "$name: the FIFO's output is under way (a temporary file exists)" \
    test -n "$(find "$name.out" -name '.fifo.wav.ssm-render-*')"
  kill -INT "$rpid"
  [ "$feed" -eq 1 ] && tail -c +20045 src.wav >&3 2> /dev/null
  while kill -0 "$rpid" 2> /dev/null && [ "$waited" -lt 200 ]; do
    sleep 0.05
    waited=$((waited + 1))
  done
  if kill -0 "$rpid" 2> /dev/null; then
    check "$name: ssm-render ends within 10 s of SIGINT" false
    kill -9 "$rpid"
  fi
  wait "$rpid"
  rc=$?
  rpid=
  exec 3>&-
  cat "$name.log"
  check "$name: exit status 130 after SIGINT (got $rc)" test "$rc" -eq 130
  check "$name: the summary is printed" \
    grep -q "ssm-render: stopped by SIGINT; 1 not rendered; 1 rendered, 1 failed" "$name.log"
  check "$name: no temporary file is left" no_temps "$name.out"
  check "$name: the finished output is kept" "$cmp" "$name.out/a1.wav" a1.wav 0.5 0 1e-4
  check "$name: nothing under the unfinished output's name" test ! -e "$name.out/fifo.wav"
}
stop_run stop-fed 1
stop_run stop-stuck 0

# 8. The processor path (what ssm-denoise was): an output that is the
#    input is refused and the input kept; a corrupt FLAC and a full disk
#    fail the file, leave no partial file and keep the existing output.
"$tone" keep.wav 48000 1 0.3 wav16
sum=$(md5sum < keep.wav)
"$render" -q --processor denoise keep.wav -o keep.wav > d.log 2>&1
rc=$?
check "--processor denoise IN -o IN: refused (exit $rc)" \
  sh -c "test $rc -eq 1 && grep -q 'refusing to overwrite' d.log"
check "--processor denoise IN -o IN: the input is unchanged" test "$sum" = "$(md5sum < keep.wav)"
"$tone" long.flac 48000 1 3 flac
head -c 30000 long.flac > broken.flac
"$tone" prev.flac 48000 1 0.1 flac
osum=$(md5sum < prev.flac)
mkdir dn && cp prev.flac dn/broken.flac
"$render" -q --processor denoise broken.flac -o dn/broken.flac > b.log 2>&1
rc=$?
cat b.log
check "--processor denoise on a corrupt FLAC: exit 1 naming it" \
  sh -c "test $rc -eq 1 && grep -q 'FAIL broken.flac' b.log"
check "corrupt FLAC: the existing output is kept as it was" test "$osum" = "$(md5sum < dn/broken.flac)"
check "corrupt FLAC: no partial file" no_temps dn
# A real full disk: a 512 KiB tmpfs in a mount namespace of its own (it
# goes away with the process), an earlier output on it, and a render
# that needs more room than is left.
"$tone" big.wav 48000 2 4 wav16
cat > full.sh << EOF
set -u
mkdir -p disk
mount -t tmpfs -o size=512k ssm-full disk || exit 3
cp prev.flac disk/big.wav
"$render" -q --processor denoise big.wav -o disk/big.wav > full.log 2>&1
echo "rc \$?" >> full.log
md5sum < disk/big.wav > full.sum
find disk -name '.*.ssm-render-*' > full.temps
EOF
unshare -m --propagation private bash full.sh
urc=$?
cat full.log
check "full disk: a real tmpfs was mounted (exit $urc)" test "$urc" -eq 0
check "full disk: exit 1 with the reason" \
  sh -c "grep -q '^rc 1$' full.log && grep -q -i 'no space left on device' full.log"
check "full disk: the existing output is kept as it was" test "$osum" = "$(cat full.sum)"
check "full disk: no partial file" test ! -s full.temps

# 9. A model with a NaN weight is refused up front, naming the tensor;
#    before, it loaded and rendered all-NaN audio.
"$render" -q --model "$nan_model" keep.wav -o nanmodel.wav > m.log 2>&1
rc=$?
cat m.log
check "--model with a NaN weight: exit 1 naming the tensor, nothing written" \
  sh -c "test $rc -eq 1 && grep -q 'tensor \"blocks.0.out.weight\": element 5 is NaN' m.log &&
         test ! -e nanmodel.wav"

echo "test_render_faults: $fails failed"
[ "$fails" -eq 0 ]
