#!/usr/bin/env bash
# ssm-info and the model loader on bad model files (issue 14): a metadata
# key that is there but invalid is named as such (not as missing); a NaN
# or infinite weight is refused naming the tensor; /dev/zero, a FIFO, a
# folder and a file larger than any model are refused at once (before:
# /dev/zero grew the process until the OOM killer came, a FIFO blocked
# forever); numbers on the command line are parsed strictly.
# Usage: test_info.sh SSM_INFO MODEL_EDIT MODEL_FILE
set -u
info=$1 edit=$2 model=$3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
run() { # run LOG ARGS...: ssm-info's exit status in $rc, its output in LOG
  timeout 20 "$info" "${@:2}" > "$1" 2>&1
  rc=$?
  sed 's/^/   | /' "$1" | head -4
}

# 1. The rate: present and valid, present and invalid, absent.
run "$t/ok.log" "$model"
check "the bundled model: exit 0, its rate named" \
  sh -c "test $rc -eq 0 && grep -q 'runs at 48000 Hz (its own rate)' '$t/ok.log'"
for v in abc 48k 0 nan -48000 ""; do
  "$edit" "$model" "$t/bad.safetensors" meta ssm.sample_rate "$v"
  run "$t/bad.log" "$t/bad.safetensors"
  check "ssm.sample_rate \"$v\": exit 1 naming the key and its value, not \"no ssm.sample_rate\"" \
    sh -c "test $rc -eq 1 && grep -q 'ssm.sample_rate \"$v\" is not a sample rate' '$t/bad.log' &&
           ! grep -q 'no ssm.sample_rate' '$t/bad.log'"
done
"$edit" "$model" "$t/none.safetensors" drop ssm.sample_rate
run "$t/none.log" "$t/none.safetensors"
check "no ssm.sample_rate at all: said so (exit $rc)" \
  sh -c "test $rc -eq 0 && grep -q 'no ssm.sample_rate' '$t/none.log'"
"$edit" "$model" "$t/rd.safetensors" meta ssm.rediscretize maybe
run "$t/rd.log" "$t/rd.safetensors"
check "ssm.rediscretize \"maybe\": exit 1 naming it" \
  sh -c "test $rc -eq 1 && grep -q 'ssm.rediscretize \"maybe\" is neither' '$t/rd.log'"

# 2. Weights that cannot work, and paths that are no model file.
for w in "nan:is NaN" "inf:is infinite" "-inf:is infinite"; do
  "$edit" "$model" "$t/w.safetensors" poke blocks.1.out.weight 77 "${w%%:*}"
  run "$t/w.log" "$t/w.safetensors"
  check "a weight of ${w%%:*}: exit 1 naming the tensor and the element" \
    sh -c "test $rc -eq 1 && grep -q 'tensor \"blocks.1.out.weight\": element 77 ${w#*:}' '$t/w.log'"
done
mkfifo "$t/fifo.safetensors"
truncate -s 3G "$t/huge.safetensors"
mkdir "$t/dir.safetensors"
for p in "/dev/zero:is a character device" "$t/fifo.safetensors:is a FIFO" \
  "$t/dir.safetensors:is a directory" "$t/huge.safetensors:more than a model file may be"; do
  s0=$(date +%s)
  run "$t/p.log" "${p%%:*}"
  el=$(($(date +%s) - s0))
  check "${p%%:*}: refused at once (exit $rc, $el s): ${p#*:}" \
    sh -c "test $rc -eq 1 && test $el -le 5 && grep -q '${p#*:}' '$t/p.log'"
done

# 3. --rate is parsed strictly.
for v in 48k nan 0 " 48000"; do
  run "$t/r.log" --rate "$v" "$model"
  check "--rate \"$v\": usage error (exit $rc)" \
    sh -c "test $rc -eq 2 && grep -q -- '--rate' '$t/r.log'"
done

echo "test_info: $fails failed"
[ "$fails" -eq 0 ]
